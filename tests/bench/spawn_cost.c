/*
 * spawn_cost: what each layer of the jail adds to a cold start.
 *
 * Starts a real spawner (sb_spawner_start) and spawns the sbprobe handler
 * 200 times per configuration, from no jail at all to every namespace,
 * timing two things per spawn: the request to SB_SPAWNED (the worker has
 * exec'd), and the request to the worker's first TCP connection accepted
 * on a listener the spawner made in the worker's network namespace (the
 * moment a real worker would reach its Runtime API).  Prints median and
 * p99 of each in microseconds.  Run from the repository root, as root for
 * the network namespace rows (see tests/bench/spawn_cost.sh).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "sandbox.h"

#define N	200

static int ctl, devnull;

static double
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The next reply of the given type (others are discarded). */
static int
wait_reply(enum sb_reply_type type, struct sb_reply *r)
{
	struct pollfd pfd = { ctl, POLLIN, 0 };

	for (;;) {
		if (poll(&pfd, 1, 5000) != 1 || sb_spawner_recv(ctl, r) != 0)
			return -1;
		if (r->type == type)
			return 0;
		if (r->fd >= 0)
			close(r->fd);
	}
}

struct row {
	const char	*name;
	int		 seccomp, limits;
	unsigned	 ns;
	uint64_t	 key;
	int		 connect;	/* can reach a listener */
};

static void
report(const char *name, const char *what, double *t, int n)
{
	if (n == 0) {
		printf("%-34s %-10s %8s %8s\n", name, what, "n/a", "n/a");
		return;
	}
	qsort(t, n, sizeof(*t), cmp);
	printf("%-34s %-10s %8.0f %8.0f\n", name, what, t[n / 2],
	    t[n * 99 / 100]);
}

static int
run_row(const struct row *w, const char *probe)
{
	static double tsp[N], tcon[N];
	struct sb_policy p = { .path = probe, .seccomp = w->seccomp,
	    .ns = w->ns, .netns_key = w->key };
	char portstr[16];
	char *argv[] = { (char *)probe, "connect", "127.0.0.1", portstr,
	    NULL };
	struct sb_reply r;
	int lfd = -1, ncon = 0;

	if (w->limits) {
		p.memory_mb = 128;
		p.nofile = 1024;
		p.nproc = 4096;
		p.fsize_mb = 64;
		p.cpu_s = 30;
	}
	if (w->connect) {
		if (sb_spawner_listen(ctl, 1, w->key) != 0 ||
		    wait_reply(SB_LISTENING, &r) != 0 || r.err != 0) {
			printf("%-34s listen: %s\n", w->name, strerror(-r.err));
			return -1;
		}
		lfd = r.fd;
		snprintf(portstr, sizeof(portstr), "%d", r.port);
	} else
		snprintf(portstr, sizeof(portstr), "1");
	p.argv = argv;
	for (int i = 0; i < N; i++) {
		struct pollfd pfd = { lfd, POLLIN, 0 };
		double t0 = now_us();
		int c;

		if (sb_spawner_spawn(ctl, i, &p, devnull, NULL, 0) != 0 ||
		    wait_reply(SB_SPAWNED, &r) != 0 || r.err != 0) {
			printf("%-34s spawn: %s\n", w->name, strerror(-r.err));
			return -1;
		}
		tsp[i] = now_us() - t0;
		if (lfd >= 0 && poll(&pfd, 1, 5000) == 1 &&
		    (c = accept(lfd, NULL, NULL)) >= 0) {
			tcon[ncon++] = now_us() - t0;
			close(c);
		}
		if (wait_reply(SB_EXITED, &r) != 0)
			return -1;
	}
	report(w->name, "spawned", tsp, N);
	report(w->name, "connected", tcon, ncon);
	if (lfd >= 0)
		close(lfd);
	return 0;
}

int
main(int argc, char *argv[])
{
	const char *probe = argc > 1 ? argv[1] :
	    "build/tests/handlers/sbprobe";
	static const struct row rows[] = {
		{ "no jail (no seccomp, no limits)", SB_SECCOMP_NONE, 0, 0, 0, 1 },
		{ "rlimits + seccomp", SB_SECCOMP_DEFAULT, 1, 0, 0, 1 },
		{ "+ user/pid/mount ns", SB_SECCOMP_DEFAULT, 1,
		    SB_NS_USER | SB_NS_PID | SB_NS_MOUNT, 0, 1 },
		{ "+ per-worker netns", SB_SECCOMP_DEFAULT, 1, SB_NS_ALL, 0, 0 },
		{ "+ joined per-function netns", SB_SECCOMP_DEFAULT, 1,
		    SB_NS_ALL, 1, 1 },
	};
	char layers[512];
	pid_t pid;
	unsigned avail = sb_probe_layers(layers, sizeof(layers));

	printf("# layers: %s", layers);
	devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (sb_spawner_start(&ctl, &pid) != 0) {
		perror("spawner");
		return 1;
	}
	printf("%-34s %-10s %8s %8s\n", "# configuration (N=200)", "until",
	    "p50 us", "p99 us");
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		if ((rows[i].ns & ~avail & (SB_NS_PID | SB_NS_MOUNT |
		    SB_NS_NET)) != 0) {
			printf("%-34s skipped: layer unavailable\n",
			    rows[i].name);
			continue;
		}
		run_row(&rows[i], probe);
	}
	close(ctl);
	return 0;
}
