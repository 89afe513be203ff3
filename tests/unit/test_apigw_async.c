/*
 * Unit tests for the pipeline's asynchronous stages (apigw.c, issue 10):
 * a stage that pends keeps the call until apigw_resume, the remaining
 * stages and the done callback run then, exactly once; synchronous
 * stages are as before; a call that outlived its configuration (a
 * reload: apigw_set_pools) is handed to the restart callback instead.
 * The paths that write a reply (an answer, an aborted request) need a
 * real connection: 40-lambda-authorizer covers them.
 */
#include <criterion/criterion.h>

#include <string.h>

#include "apigw/apigw.h"
#include "conf.h"
#include "http.h"
#include "route.h"

static int ran[4];		/* how often each stage ran */
static int done_calls, restarts;
static struct apigw_call *parked;	/* the call a pending stage left */
static struct http_request *restarted;

static int
stage_a(struct apigw_call *c)
{
	(void)c;
	ran[0]++;
	return APIGW_PASS;
}

static int
stage_pend(struct apigw_call *c)
{
	ran[1]++;
	parked = c;
	return APIGW_PENDING;
}

static int
stage_c(struct apigw_call *c)
{
	(void)c;
	ran[2]++;
	return APIGW_PASS;
}

static void
on_done(struct apigw_call *c, void *arg)
{
	cr_expect_eq(arg, (void *)&done_calls);
	cr_expect_str_eq(c->m->route_key, "GET /a", "the match was copied");
	done_calls++;
}

static void
on_restart(struct http_request *req, void *arg)
{
	cr_expect_eq(arg, (void *)&restarts);
	restarted = req;
	restarts++;
}

static struct apigw *gw;
static struct http_request req;
static struct function_conf fn;

static void
setup(void)
{
	memset(ran, 0, sizeof(ran));
	done_calls = restarts = 0;
	parked = NULL;
	restarted = NULL;
	memset(&req, 0, sizeof(req));
	req.method = "GET";
	req.path = "/a";
	req.path_len = 2;
	memset(&fn, 0, sizeof(fn));
	fn.name = "f";
	gw = apigw_new();
	cr_assert_not_null(gw);
	apigw_set_restart(gw, on_restart, &restarts);
}

static void
teardown(void)
{
	apigw_free(gw);
}

/* A call as the front makes it; the route match is on the stack, as the
 * front's is, and must not be needed after apigw_call_new. */
static struct apigw_call *
call(void)
{
	struct route_match m;
	struct apigw_call *c;

	memset(&m, 0, sizeof(m));
	m.route_key = "GET /a";
	c = apigw_call_new(gw, &req, &m, &fn, 0);
	memset(&m, 0xa5, sizeof(m));
	cr_assert_not_null(c);
	return c;
}

Test(apigw_async, synchronous_stages_run_then_done, .init = setup,
    .fini = teardown)
{
	static const apigw_stage_fn st[] = { stage_a, stage_c };

	cr_expect_eq(apigw_start(call(), st, 2, NULL, on_done, &done_calls),
	    APIGW_PASS);
	cr_expect_eq(ran[0], 1);
	cr_expect_eq(ran[2], 1);
	cr_expect_eq(done_calls, 1, "done ran at once");
	cr_expect_eq(apigw_pending(gw), 0);
}

Test(apigw_async, pending_stage_resumes_the_rest, .init = setup,
    .fini = teardown)
{
	static const apigw_stage_fn st[] = { stage_a, stage_pend, stage_c };

	cr_assert_eq(apigw_start(call(), st, 3, NULL, on_done, &done_calls),
	    APIGW_PENDING);
	cr_expect_eq(ran[0], 1);
	cr_expect_eq(ran[1], 1);
	cr_expect_eq(ran[2], 0, "the stages after a pending one wait");
	cr_expect_eq(done_calls, 0, "and so does the function");
	cr_expect_eq(apigw_pending(gw), 1, "the daemon's stop waits for it");
	cr_expect_eq(req.data, parked, "the request knows its call");
	cr_expect_not_null(req.on_abort, "an abort reaches the call");
	apigw_resume(parked, APIGW_PASS);
	cr_expect_eq(ran[1], 1, "the pending stage does not run again");
	cr_expect_eq(ran[2], 1, "the rest ran");
	cr_expect_eq(done_calls, 1, "then the function, once");
	cr_expect_eq(apigw_pending(gw), 0);
	cr_expect_null(req.on_abort);
	cr_expect_eq(restarts, 0);
}

Test(apigw_async, a_reload_meanwhile_routes_again, .init = setup,
    .fini = teardown)
{
	static const apigw_stage_fn st[] = { stage_pend, stage_c };

	cr_assert_eq(apigw_start(call(), st, 2, NULL, on_done, &done_calls),
	    APIGW_PENDING);
	apigw_set_pools(gw, NULL, 0);	/* a reload */
	apigw_resume(parked, APIGW_PASS);
	cr_expect_eq(ran[2], 0, "no stage of the old configuration runs");
	cr_expect_eq(done_calls, 0, "nor its function");
	cr_expect_eq(restarts, 1, "the request is routed again");
	cr_expect_eq(restarted, &req);
	cr_expect_eq(apigw_pending(gw), 0);
}

Test(apigw_async, two_pending_calls_are_counted, .init = setup,
    .fini = teardown)
{
	static const apigw_stage_fn st[] = { stage_pend };
	struct apigw_call *first;

	apigw_start(call(), st, 1, NULL, on_done, &done_calls);
	first = parked;
	apigw_start(call(), st, 1, NULL, on_done, &done_calls);
	cr_expect_eq(apigw_pending(gw), 2);
	apigw_resume(parked, APIGW_PASS);
	apigw_resume(first, APIGW_PASS);
	cr_expect_eq(done_calls, 2);
	cr_expect_eq(apigw_pending(gw), 0);
	cr_expect_eq(apigw_pending(NULL), 0, "NULL-safe");
}
