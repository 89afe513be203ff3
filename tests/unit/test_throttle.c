/*
 * Unit tests for throttling: the token bucket (gateway/apigw/bucket.c)
 * on a clock the test sets, the throttle stage (apigw/throttle.c) on
 * settings loaded from a real config (conf_apigw.c), and the refusal
 * counter it feeds (metrics.c).
 */
#include <criterion/criterion.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apigw/apigw.h"
#include "apigw/bucket.h"
#include "apigw/throttle.h"
#include "buf.h"
#include "conf.h"
#include "conf_fixture.h"
#include "http.h"
#include "metrics.h"
#include "route.h"

/* ---- the bucket --------------------------------------------------------- */

Test(bucket, new_bucket_is_full_then_empty)
{
	struct tbucket b = { 0 };
	int i;

	for (i = 0; i < 3; i++)
		cr_assert(tbucket_take(&b, 1000, 3, 5000), "take %d of 3", i);
	cr_assert_not(tbucket_take(&b, 1000, 3, 5000), "the 4th at once");
	cr_assert_eq(tbucket_tokens(&b, 1000, 3, 5000), 0);
}

Test(bucket, refills_at_the_rate)
{
	struct tbucket b = { 0 };

	/* 2 requests/s, a bucket of 1: one every 500 ms. */
	cr_assert(tbucket_take(&b, 2000, 1, 0));
	cr_assert_not(tbucket_take(&b, 2000, 1, 0));
	cr_assert_not(tbucket_take(&b, 2000, 1, 499), "499 ms: not yet");
	cr_assert(tbucket_take(&b, 2000, 1, 500), "500 ms: one token");
	cr_assert_not(tbucket_take(&b, 2000, 1, 500));
	/* Refused takes do not cost: 250 + 250 ms still make one. */
	cr_assert_not(tbucket_take(&b, 2000, 1, 750));
	cr_assert(tbucket_take(&b, 2000, 1, 1000));
}

Test(bucket, fractional_rates_are_exact)
{
	struct tbucket b = { 0 };

	/* 0.001 requests/s: one every 1000 s. */
	cr_assert(tbucket_take(&b, 1, 2, 0));
	cr_assert(tbucket_take(&b, 1, 2, 0));
	cr_assert_not(tbucket_take(&b, 1, 2, 0));
	cr_assert_not(tbucket_take(&b, 1, 2, 999999));
	cr_assert(tbucket_take(&b, 1, 2, 1000000));
	cr_assert_not(tbucket_take(&b, 1, 2, 1000000));
}

Test(bucket, never_more_than_burst)
{
	struct tbucket b = { 0 };
	int i;

	cr_assert(tbucket_take(&b, 1000000000u, 5, 0));
	/* Ages later, at the highest rate: still 5, no overflow. */
	cr_assert_eq(tbucket_tokens(&b, 1000000000u, 5, UINT64_MAX / 2), 5);
	for (i = 0; i < 5; i++)
		cr_assert(tbucket_take(&b, 1000, 5, 10000000000ULL));
	cr_assert_not(tbucket_take(&b, 1000, 5, 10000000000ULL));
}

Test(bucket, clock_going_back_refills_nothing)
{
	struct tbucket b = { 0 };

	cr_assert(tbucket_take(&b, 1000, 1, 1000));
	cr_assert_not(tbucket_take(&b, 1000, 1, 500), "back in time");
	cr_assert_not(tbucket_take(&b, 1000, 1, 1999), "counted from 1000");
	cr_assert(tbucket_take(&b, 1000, 1, 2000));
}

Test(bucket, a_lower_burst_trims_it)
{
	struct tbucket b = { 0 };

	cr_assert(tbucket_take(&b, 1, 10, 0));
	cr_assert_eq(tbucket_tokens(&b, 1, 10, 0), 9);
	/* A reload lowered the burst to 2: 2 left, not 9. */
	cr_assert(tbucket_take(&b, 1, 2, 1));
	cr_assert(tbucket_take(&b, 1, 2, 1));
	cr_assert_not(tbucket_take(&b, 1, 2, 1));
}

/* ---- the stage and its keys --------------------------------------------- */


static void
setup(void)
{
	tmpdir_make("test_throttle", tmpdir);
}

static void
teardown(void)
{
	tmpdir_remove(tmpdir);
}

TestSuite(throttle, .init = setup, .fini = teardown);

#define FNS "[function a]\nbootstrap = /bin/true\nroute = GET /a\n" \
	"route = GET /a2\n" \
	"[function free]\nbootstrap = /bin/true\nroute = GET /free\n" \
	"throttle_rate = 0\n" \
	"[function own]\nbootstrap = /bin/true\nroute = GET /own\n" \
	"throttle_rate = 2.5\n"

/* One request for route key through the stage at now_ms. */
static int
hit(struct apigw *gw, const struct function_conf *fn, const char *key,
    uint64_t now_ms, struct apigw_call *c)
{
	static struct http_request req;
	static struct route_match m;

	req.method = "GET";
	m.route_key = key;
	apigw_call_init(c, gw, &req, &m, fn, now_ms);
	return apigw_throttle(c);
}

Test(throttle, the_stage_per_route)
{
	struct conf *c = load_ok("throttle_rate = 0.001\nthrottle_burst = 2\n",
	    FNS);
	const struct function_conf *a = conf_find(c, "a");
	struct apigw *gw = apigw_new();
	struct apigw_call call;

	cr_assert_eq(a->throttle_mrate, 1);
	cr_assert_eq(a->throttle_burst, 2);
	cr_assert_eq(hit(gw, a, "GET /a", 10, &call), APIGW_PASS);
	cr_assert_eq(hit(gw, a, "GET /a", 10, &call), APIGW_PASS);
	cr_assert_eq(hit(gw, a, "GET /a", 20, &call), APIGW_ANSWER);
	cr_assert_eq(call.status, 429);
	cr_assert_str_eq(call.body, "{\"message\":\"Too Many Requests\"}");
	cr_assert_str_eq(call.reason, "throttle");
	cr_assert_null(call.reply, "no headers of its own");
	/* Another route of the same function has its own bucket. */
	cr_assert_eq(hit(gw, a, "GET /a2", 20, &call), APIGW_PASS);
	cr_assert_eq(apigw_bucket(gw, "GET /a"), apigw_bucket(gw, "GET /a"));
	cr_assert_neq(apigw_bucket(gw, "GET /a"), apigw_bucket(gw, "GET /a2"));
	apigw_free(gw);
	conf_free(c);
}

Test(throttle, function_keys_and_defaults)
{
	struct conf *c = load_ok("throttle_rate = 0.001\nthrottle_burst = 2\n",
	    FNS);
	const struct function_conf *fr = conf_find(c, "free");
	const struct function_conf *own = conf_find(c, "own");
	struct apigw *gw = apigw_new();
	struct apigw_call call;
	int i;

	cr_assert_eq(fr->throttle_mrate, 0, "throttle_rate = 0: no limit");
	for (i = 0; i < 100; i++)
		cr_assert_eq(hit(gw, fr, "GET /free", 1, &call), APIGW_PASS);
	cr_assert_eq(own->throttle_mrate, 2500);
	cr_assert_eq(own->throttle_burst, 2, "[lambdad]'s burst");
	apigw_free(gw);
	conf_free(c);
	/* No burst anywhere: one second's worth, at least 1. */
	c = load_ok("", FNS "[function half]\nbootstrap = /bin/true\n"
	    "throttle_rate = 0.5\n");
	cr_assert_eq(conf_find(c, "own")->throttle_burst, 3);
	cr_assert_eq(conf_find(c, "half")->throttle_burst, 1);
	cr_assert_eq(conf_find(c, "a")->throttle_mrate, 0, "no default: none");
	conf_free(c);
}

Test(throttle, config_errors)
{
	cr_assert_str_eq(load_err("throttle_rate = 1.2345\n", FNS),
	    "lambdad.conf:4: throttle_rate: \"1.2345\": at most three decimals");
	cr_assert_str_eq(load_err("throttle_rate = fast\n", FNS),
	    "lambdad.conf:4: throttle_rate: \"fast\" is not a rate (requests "
	    "per second, such as 100 or 0.5)");
	cr_assert_str_eq(load_err("throttle_rate = 1000001\n", FNS),
	    "lambdad.conf:4: throttle_rate: 1000001 is out of range (0 to "
	    "1000000)");
	cr_assert_str_eq(load_err("throttle_burst = 0\n", FNS),
	    "lambdad.conf:4: throttle_burst: 0 would refuse every request; "
	    "the smallest bucket is 1");
	cr_assert_str_eq(load_err("", FNS "throttle_burst = -1\n"),
	    "fd/f.conf:13: throttle_burst: \"-1\" is not an integer from 0 to "
	    "5000000");
}

Test(throttle, refusals_are_counted_by_route_and_reason)
{
	struct metrics *m = metrics_new();
	struct metrics_fn *f = metrics_fn(m, "a");
	struct buf out;

	metrics_refusal(f, "GET /a", 429, "throttle");
	metrics_refusal(f, "GET /a", 429, "throttle");
	metrics_refusal(f, "GET /a", 403, "aws_iam");
	metrics_refusal(NULL, "GET /a", 429, "throttle");
	buf_init(&out);
	metrics_render(m, NULL, 0, &out);
	cr_assert_not_null(strstr(out.data, "# TYPE lambdad_apigw_refusals_total "
	    "counter\n"));
	cr_assert_not_null(strstr(out.data, "lambdad_apigw_refusals_total{"
	    "function=\"a\",route=\"GET /a\",status=\"429\",reason=\"throttle\"}"
	    " 2\n"), "%s", out.data);
	cr_assert_not_null(strstr(out.data, "lambdad_apigw_refusals_total{"
	    "function=\"a\",route=\"GET /a\",status=\"403\",reason=\"aws_iam\"}"
	    " 1\n"));
	buf_free(&out);
	metrics_free(m);
}

Test(throttle, refusal_series_past_the_cap_count_as_other)
{
	struct metrics *m = metrics_new();
	struct metrics_fn *f = metrics_fn(m, "a");
	char route[32];
	struct buf out;
	int i;

	for (i = 0; i < METRICS_MAX_REFUSALS + 3; i++) {
		snprintf(route, sizeof(route), "GET /r%d", i);
		metrics_refusal(f, route, 429, "throttle");
	}
	metrics_refusal(f, "GET /r0", 429, "throttle");
	buf_init(&out);
	metrics_render(m, NULL, 0, &out);
	cr_assert_not_null(strstr(out.data, "lambdad_apigw_refusals_total{"
	    "function=\"a\",route=\"GET /r0\",status=\"429\",reason=\"throttle\"}"
	    " 2\n"), "a known series still counts");
	cr_assert_not_null(strstr(out.data, "lambdad_apigw_refusals_total{"
	    "function=\"a\",route=\"other\"} 3\n"), "%s", out.data);
	buf_free(&out);
	metrics_free(m);
}
