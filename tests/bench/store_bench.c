/*
 * store_bench: what group commit buys.  N writes of one 200-byte row
 * each, through gateway/store/store.c, first with 1 write in flight
 * (every write its own COMMIT and fsync), then with 16 (a write submitted
 * again from each done callback, so the writer finds a queue when it
 * wakes).  Prints jobs/s and jobs per commit for each, synchronous=FULL.
 *
 *   make -f tests/bench/Makefile build/bench/store_bench
 *   build/bench/store_bench [N] [DIR]	(N = 2000, DIR = /tmp)
 *
 * The file goes in DIR: put it on the disk you mean to measure (tmpfs
 * fsyncs for free).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store/store.h"

struct bench {
	uv_loop_t	 loop;
	struct store	*s;
	long		 next, n, acked;
	int		 failed;
};

struct slot {
	struct bench	*b;
	long		 k;
};

static int
bench_insert(sqlite3 *db, void *arg)
{
	struct slot *sl = arg;
	sqlite3_stmt *st;
	char v[200];
	int rc;

	memset(v, 'a' + (int)(sl->k % 26), sizeof(v));
	if (sqlite3_prepare_v2(db, "INSERT INTO t(k, v) VALUES (?, ?)", -1,
	    &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, sl->k);
	sqlite3_bind_blob(st, 2, v, sizeof(v), SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

static void
bench_done(void *arg, int rc)
{
	struct slot *sl = arg;
	struct bench *b = sl->b;

	if (rc != 0)
		b->failed++;
	b->acked++;
	if (b->next < b->n) {
		sl->k = b->next++;
		if (store_write(b->s, bench_insert, bench_done, sl) != 0)
			b->failed++;
	}
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
bench_run(const char *path, long n, unsigned flight)
{
	struct store_cfg cfg = { .path = path, .sync_full = true,
	    .nreaders = 1,
	    .schema = "CREATE TABLE IF NOT EXISTS t(k INTEGER PRIMARY KEY,"
	    " v BLOB)" };
	struct bench b = { .n = n };
	struct slot *slots;
	unsigned long long commits, writes;
	char err[512];
	double t0, dt;
	unsigned i;

	if ((slots = calloc(flight, sizeof(*slots))) == NULL ||
	    uv_loop_init(&b.loop) != 0)
		return -1;
	unlink(path);
	if (store_open(&b.loop, &cfg, &b.s, err, sizeof(err)) != 0) {
		fprintf(stderr, "store_bench: %s\n", err);
		return -1;
	}
	t0 = now_s();
	for (i = 0; i < flight && b.next < n; i++) {
		slots[i].b = &b;
		slots[i].k = b.next++;
		store_write(b.s, bench_insert, bench_done, &slots[i]);
	}
	uv_run(&b.loop, UV_RUN_DEFAULT);
	dt = now_s() - t0;
	store_stats(b.s, &commits, &writes);
	printf("%2u in flight: %ld writes in %.3f s: %.0f jobs/s, "
	    "%.1f jobs per commit%s\n", flight, b.acked, dt, b.acked / dt,
	    commits ? (double)writes / commits : 0.0,
	    b.failed ? " (SOME FAILED)" : "");
	store_close(b.s, NULL, NULL);
	uv_run(&b.loop, UV_RUN_DEFAULT);
	uv_loop_close(&b.loop);
	free(slots);
	return b.failed ? -1 : 0;
}

int
main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 2000;
	const char *dir = argc > 2 ? argv[2] : "/tmp";
	char path[4096];
	int rc = 0;

	if (n <= 0) {
		fprintf(stderr, "usage: store_bench [N] [DIR]\n");
		return 2;
	}
	snprintf(path, sizeof(path), "%s/store_bench.%ld.db", dir,
	    (long)getpid());
	if (bench_run(path, n, 1) != 0 || bench_run(path, n, 16) != 0)
		rc = 1;
	unlink(path);
	return rc;
}
