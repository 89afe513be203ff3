/*
 * Unit tests for gateway/equeue on a real libuv loop and a real temporary
 * state directory: a put is durable (the file is there, in the documented
 * format) before its callback; a restart finds it; a record whose function
 * is gone moves to failed/; stale temp files and garbage are cleaned up;
 * the bounds answer -EAGAIN and -E2BIG.  No pool is involved: find()
 * returns NULL, which is the "function removed" path.
 */
#include <criterion/criterion.h>

#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

#include "equeue.h"
#include "tmpdir.h"

#define ID1	"0a3e6a4e-1111-4c1b-9b1e-3f1a2b3c4d5e"
#define ID2	"0a3e6a4e-2222-4c1b-9b1e-3f1a2b3c4d5e"

static char dir[PATH_MAX + 8];
static uv_loop_t loop;

static void
setup(void)
{
	char root[PATH_MAX];

	tmpdir_make("test_equeue", root);
	snprintf(dir, sizeof(dir), "%s/state", root);
	cr_assert_eq(uv_loop_init(&loop), 0);
}

static void
teardown(void)
{
	char *slash = strrchr(dir, '/');

	uv_loop_close(&loop);
	*slash = '\0';
	tmpdir_remove(dir);
}

static struct pool *
find_none(void *arg, const char *name)
{
	(void)arg;
	(void)name;
	return NULL;
}

struct put_result {
	int		 rc;
	int		 calls;
	struct equeue	*q;
	int		 stop;	/* equeue_stop from the callback */
};

static void
put_done(void *arg, int rc)
{
	struct put_result *r = arg;

	r->rc = rc;
	r->calls++;
	if (r->stop)
		equeue_stop(r->q);
}

static struct equeue *
open_q(unsigned max)
{
	char err[256] = "";
	struct equeue *q = equeue_new(&loop, dir, 1, max, find_none, NULL, err,
	    sizeof(err));

	cr_assert_not_null(q, "%s", err);
	return q;
}

static void
close_q(struct equeue *q)
{
	equeue_free(q);
	uv_run(&loop, UV_RUN_DEFAULT);
}

static int
exists(const char *sub, const char *name)
{
	char p[PATH_MAX + 64];
	struct stat st;

	snprintf(p, sizeof(p), "%s/events/%s%s", dir, sub, name);
	return stat(p, &st) == 0;
}

static char *
slurp(const char *name)
{
	char p[PATH_MAX + 64], *s = calloc(1, 4096);
	FILE *f;

	snprintf(p, sizeof(p), "%s/events/%s", dir, name);
	cr_assert_not_null(f = fopen(p, "r"));
	fread(s, 1, 4095, f);
	fclose(f);
	return s;
}

Test(equeue, put_is_durable_then_reloaded, .init = setup, .fini = teardown)
{
	struct put_result r = { .rc = -1, .stop = 1 };
	struct equeue *q = open_q(10);
	char *text;

	r.q = q;
	cr_assert_eq(equeue_put(q, "fn", ID1, "{\"a\":1}", 7, "Root=1-abc",
	    "{\"c\":1}", put_done, &r), 0);
	cr_assert_eq(equeue_depth(q), 1);
	cr_assert_eq(equeue_inflight(q), 1);
	uv_run(&loop, UV_RUN_DEFAULT);
	cr_assert_eq(r.calls, 1);
	cr_assert_eq(r.rc, 0);
	cr_assert_eq(equeue_inflight(q), 0);
	cr_assert(exists("", ID1 ".ev"));
	cr_assert(!exists("", ID1 ".tmp"));
	text = slurp(ID1 ".ev");
	cr_assert(strncmp(text, "lambdad-event 1\nfunction fn\nid " ID1 "\n",
	    16 + 12 + 40) == 0, "%s", text);
	cr_assert(strstr(text, "\nattempts 0\ntrace Root=1-abc\ncontext {\"c\":1}"
	    "\n\n{\"a\":1}") != NULL, "%s", text);
	free(text);
	close_q(q);

	/* A restart loads it; its function is gone, so it fails for good. */
	q = open_q(10);
	cr_assert_eq(equeue_depth(q), 1);
	uv_run(&loop, UV_RUN_DEFAULT);
	cr_assert_eq(equeue_depth(q), 0);
	cr_assert(!exists("", ID1 ".ev"));
	cr_assert(exists("failed/", ID1 ".ev"));
	close_q(q);
}

Test(equeue, bounds, .init = setup, .fini = teardown)
{
	struct put_result r = { .rc = -1, .stop = 1 };
	struct equeue *q = open_q(1);
	char *big = calloc(1, EQUEUE_MAX_PAYLOAD + 1);

	r.q = q;
	cr_assert_eq(equeue_put(q, "fn", ID2, big, EQUEUE_MAX_PAYLOAD + 1, NULL,
	    NULL, put_done, &r), -E2BIG);
	cr_assert_eq(equeue_put(q, "fn", ID1, "{}", 2, NULL, NULL, put_done,
	    &r), 0);
	cr_assert_eq(equeue_put(q, "fn", ID2, "{}", 2, NULL, NULL, put_done,
	    &r), -EAGAIN);
	uv_run(&loop, UV_RUN_DEFAULT);
	cr_assert_eq(r.calls, 1);
	cr_assert(!exists("", ID2 ".ev"));
	free(big);
	close_q(q);
}

/* NAME:ALIAS at its longest (64 + 1 + 128) is kept whole; one more is refused. */
Test(equeue, longest_function_name, .init = setup, .fini = teardown)
{
	struct put_result r = { .rc = -1, .stop = 1 };
	struct equeue *q = open_q(10);
	char fn[EQUEUE_FN_MAX + 2], want[EQUEUE_FN_MAX + 16], *text;

	r.q = q;
	memset(fn, 'f', 64);
	fn[64] = ':';
	memset(fn + 65, 'a', EQUEUE_FN_MAX - 64);
	fn[EQUEUE_FN_MAX + 1] = '\0';
	cr_assert_eq(equeue_put(q, fn, ID2, "{}", 2, NULL, NULL, put_done, &r),
	    -ENAMETOOLONG);
	fn[EQUEUE_FN_MAX] = '\0';
	cr_assert_eq(equeue_put(q, fn, ID1, "{}", 2, NULL, NULL, put_done, &r),
	    0);
	uv_run(&loop, UV_RUN_DEFAULT);
	cr_assert_eq(r.calls, 1);
	cr_assert_eq(r.rc, 0);
	text = slurp(ID1 ".ev");
	snprintf(want, sizeof(want), "\nfunction %s\n", fn);
	cr_assert(strstr(text, want) != NULL, "%s", text);
	free(text);
	close_q(q);
}

Test(equeue, load_cleans_up, .init = setup, .fini = teardown)
{
	char p[PATH_MAX + 64];
	struct equeue *q = open_q(10);
	FILE *f;

	close_q(q);
	snprintf(p, sizeof(p), "%s/events/" ID1 ".tmp", dir);
	cr_assert_not_null(f = fopen(p, "w"));
	fclose(f);
	snprintf(p, sizeof(p), "%s/events/" ID2 ".ev", dir);
	cr_assert_not_null(f = fopen(p, "w"));
	fputs("not a record\n", f);
	fclose(f);
	q = open_q(10);
	uv_run(&loop, UV_RUN_DEFAULT);
	cr_assert(!exists("", ID1 ".tmp"), "an unacknowledged temp file is removed");
	cr_assert(!exists("", ID2 ".ev"));
	cr_assert(exists("failed/", ID2 ".ev"), "garbage is set aside, not lost");
	cr_assert_eq(equeue_depth(q), 0);
	close_q(q);
}

Test(equeue, unusable_state_dir, .init = setup, .fini = teardown)
{
	char err[256] = "";

	cr_assert_null(equeue_new(&loop, "/dev/null/state", 1, 10, find_none,
	    NULL, err, sizeof(err)));
	cr_assert_str_eq(err, "cannot create /dev/null/state/events/failed: "
	    "Not a directory");
}
