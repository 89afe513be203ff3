/*
 * Unit tests for the destinations' part of gateway/equeue's record files,
 * on a real libuv loop and a real temporary state directory: an Event
 * put with a qualifier and OnSuccess/OnFailure destinations keeps them in
 * its file, in the documented format, so a restart still knows where its
 * record goes; a hand-made record with a hop count loads; a bad hop count
 * is a malformed record.  Sending records needs pools: that is
 * tests/integration/54-destinations.t.
 */
#include <criterion/criterion.h>

#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <uv.h>

#include "equeue.h"
#include "tmpdir.h"

#define ID1	"0a3e6a4e-1111-4c1b-9b1e-3f1a2b3c4d5e"
#define ARN	"arn:aws:lambda:us-east-1:123456789012:function:"

static char dir[PATH_MAX + 8];
static uv_loop_t loop;
static char asked[64];		/* the last name find_none was asked for */

static void
setup(void)
{
	char root[PATH_MAX];

	tmpdir_make("test_dest_queue", root);
	snprintf(dir, sizeof(dir), "%s/state", root);
	cr_assert_eq(uv_loop_init(&loop), 0);
	asked[0] = '\0';
}

static void
teardown(void)
{
	char *slash = strrchr(dir, '/');

	uv_loop_close(&loop);
	*slash = '\0';
	tmpdir_remove(dir);
}

/* No pool: every record's function is gone.  Remembers who was asked. */
static struct pool *
find_none(void *arg, const char *name)
{
	(void)arg;
	snprintf(asked, sizeof(asked), "%s", name);
	return NULL;
}

static struct equeue *
open_q(void)
{
	char err[256] = "";
	struct equeue *q = equeue_new(&loop, dir, 1, 10, find_none, NULL, err,
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

static void
stop_on_put(void *arg, int rc)
{
	cr_assert_eq(rc, 0);
	equeue_stop(arg);
}

static char *
slurp(const char *name)
{
	char p[PATH_MAX + 64], *s = calloc(1, 4096);
	FILE *f;

	snprintf(p, sizeof(p), "%s/events/%s", dir, name);
	cr_assert_not_null(f = fopen(p, "r"), "%s", p);
	cr_assert(fread(s, 1, 4095, f) > 0);
	fclose(f);
	return s;
}

static void
spit(const char *name, const char *text)
{
	char p[PATH_MAX + 64];
	FILE *f;

	snprintf(p, sizeof(p), "%s/events/%s", dir, name);
	cr_assert_not_null(f = fopen(p, "w"), "%s", p);
	fputs(text, f);
	fclose(f);
}

Test(dest_queue, policy_kept_in_the_file, .init = setup, .fini = teardown)
{
	struct equeue_policy pol;
	struct equeue *q = open_q();
	char *text;

	equeue_policy_init(&pol);
	cr_assert_eq(pol.retries, EQUEUE_FN_POLICY);
	cr_assert_eq(pol.on_success[0], '\0');
	pol.retries = 1;
	snprintf(pol.qual, sizeof(pol.qual), "live");
	snprintf(pol.on_success, sizeof(pol.on_success), ARN "ok");
	snprintf(pol.on_failure, sizeof(pol.on_failure), ARN "bad:2");
	cr_assert_eq(equeue_put_with(q, "fn:1", ID1, "{\"a\":1}", 7, NULL, NULL,
	    &pol, stop_on_put, q), 0);
	uv_run(&loop, UV_RUN_DEFAULT);
	text = slurp(ID1 ".ev");
	cr_assert_not_null(strstr(text, "\nretries 1\nqualifier live\n"
	    "on_success " ARN "ok\non_failure " ARN "bad:2\n\n{\"a\":1}"),
	    "%s", text);
	cr_assert_null(strstr(text, "hops"), "no hops line for a first event");
	free(text);
	close_q(q);

	/* A restart parses it (find is asked for its function); the function
	 * is gone, so it moves to failed/ as it is. */
	q = open_q();
	uv_run(&loop, UV_RUN_DEFAULT);
	cr_assert_str_eq(asked, "fn:1");
	text = slurp("failed/" ID1 ".ev");
	cr_assert_not_null(strstr(text, "on_failure " ARN "bad:2\n"), "%s",
	    text);
	free(text);
	close_q(q);
}

Test(dest_queue, hops_parsed, .init = setup, .fini = teardown)
{
	struct equeue *q = open_q();

	close_q(q);
	spit(ID1 ".ev", "lambdad-event 1\nfunction dst\nid " ID1 "\n"
	    "accepted 1\nattempts 0\nhops 3\non_success " ARN "x\n\n{}");
	q = open_q();
	uv_run(&loop, UV_RUN_DEFAULT);
	cr_assert_str_eq(asked, "dst", "a record with hops loads and runs");
	close_q(q);
}

Test(dest_queue, bad_hops_malformed, .init = setup, .fini = teardown)
{
	struct equeue *q = open_q();
	struct stat st;
	char p[PATH_MAX + 64];

	close_q(q);
	spit(ID1 ".ev", "lambdad-event 1\nfunction dst\nid " ID1 "\n"
	    "accepted 1\nattempts 0\nhops three\n\n{}");
	q = open_q();
	uv_run(&loop, UV_RUN_DEFAULT);
	cr_assert_str_eq(asked, "", "a malformed record is never run");
	snprintf(p, sizeof(p), "%s/events/failed/" ID1 ".ev", dir);
	cr_assert_eq(stat(p, &st), 0, "it is moved to failed/");
	close_q(q);
}
