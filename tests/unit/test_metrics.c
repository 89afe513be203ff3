/*
 * test_metrics: the metrics registry and its Prometheus text (gateway/
 * metrics.c): bucket math, number and label formatting, the exact lines a
 * known set of hooks renders, and a line-by-line check that the whole
 * exposition is well-formed text format 0.0.4.  The gauges are read from
 * real pools (pool_new, with max_workers = 0 so nothing is spawned).
 */
#include <criterion/criterion.h>

#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "conf.h"
#include "metrics.h"
#include "pool.h"

#define MS	1000000ull

static char *
render(struct metrics *m, struct pool **pools, size_t npools)
{
	struct metrics_gauge *g = pool_gauges(pools, npools);
	struct buf b;

	buf_init(&b);
	cr_assert_eq(metrics_render(m, g, g != NULL ? npools : 0, &b), 0);
	free(g);
	return buf_steal(&b, NULL);
}

/* Whether text has line as one whole line. */
static int
has_line(const char *text, const char *line)
{
	size_t n = strlen(line);
	const char *s;

	for (s = text; (s = strstr(s, line)) != NULL; s++)
		if ((s == text || s[-1] == '\n') && (s[n] == '\n' || s[n] == '\0'))
			return 1;
	return 0;
}

#define assert_line(text, line) \
	cr_assert(has_line(text, line), "missing line: %s\n--- in:\n%s", line, text)

/* ---- pure helpers ---------------------------------------------------- */

Test(metrics, bucket_bounds_are_inclusive)
{
	static const struct { double v; size_t want; } t[] = {
		{ -1, 0 }, { 0, 0 }, { 0.0005, 0 }, { 0.00051, 1 },
		{ 0.001, 1 }, { 0.003, 3 }, { 1, 10 }, { 1.0001, 11 },
		{ 10, 13 }, { 59.9, 15 }, { 60, 15 }, { 900, 17 },
		{ 900.5, 18 }, { 1e9, 18 }, { INFINITY, 18 },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		cr_expect_eq(metrics_bucket(metrics_buckets, METRICS_NBUCKETS,
		    t[i].v), t[i].want, "v=%g: got %zu, want %zu", t[i].v,
		    metrics_bucket(metrics_buckets, METRICS_NBUCKETS, t[i].v),
		    t[i].want);
}

Test(metrics, bounds_increase)
{
	size_t i;

	for (i = 1; i < METRICS_NBUCKETS; i++)
		cr_expect_lt(metrics_buckets[i - 1], metrics_buckets[i]);
}

Test(metrics, doubles_read_back_and_stay_short)
{
	static const struct { double v; const char *want; } t[] = {
		{ 0.0005, "0.0005" }, { 0.001, "0.001" }, { 0.0025, "0.0025" },
		{ 0.1, "0.1" }, { 2.5, "2.5" }, { 1, "1" }, { 10, "10" },
		{ 900, "900" }, { 0, "0" }, { 3.322, "3.322" },
		{ 1795624311.563, "1795624311.563" }, { 1e-7, "1e-07" },
		{ 1e20, "1e+20" }, { INFINITY, "+Inf" }, { -INFINITY, "-Inf" },
		{ NAN, "NaN" },
	};
	char out[64];
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		metrics_fmt_double(out, sizeof(out), t[i].v);
		cr_expect_str_eq(out, t[i].want);
	}
}

Test(metrics, label_values_are_escaped)
{
	static const struct { const char *in, *want; } t[] = {
		{ "plain-name_1", "plain-name_1" },
		{ "a\"b", "a\\\"b" },
		{ "back\\slash", "back\\\\slash" },
		{ "two\nlines", "two\\nlines" },
		{ "\\\"\n", "\\\\\\\"\\n" },
		{ "", "" },
	};
	struct buf b;
	size_t i;

	buf_init(&b);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		buf_reset(&b);
		metrics_escape_label(&b, t[i].in);
		cr_expect_str_eq(b.len > 0 ? b.data : "", t[i].want);
	}
	buf_free(&b);
}

Test(metrics, help_escapes_backslash_and_newline_only)
{
	struct buf b;

	buf_init(&b);
	metrics_escape_help(&b, "say \"hi\"\\\nnow");
	cr_expect_str_eq(b.data, "say \"hi\"\\\\\\nnow");
	buf_free(&b);
}

/* ---- counters and histograms -------------------------------------------- */

Test(metrics, hooks_render_exact_numbers)
{
	struct metrics *m = metrics_new();
	struct metrics_fn *f = metrics_fn(m, "fn");
	char *t;

	metrics_inv_done(f, METRICS_DOOR_HTTP, METRICS_OK, NULL, 2 * MS);
	metrics_inv_done(f, METRICS_DOOR_INVOKE, METRICS_FUNC_ERROR,
	    "Function.Failed", 20 * MS);
	metrics_inv_done(f, METRICS_DOOR_EVENT, METRICS_PLATFORM_ERROR,
	    "Runtime.ExitError", 300 * MS);
	metrics_inv_done(f, METRICS_DOOR_HTTP, METRICS_PLATFORM_ERROR,
	    "Sandbox.Timedout", 3000 * MS);
	metrics_inv_done(f, METRICS_DOOR_HTTP, METRICS_THROTTLED,
	    "TooManyRequestsException", 0);
	metrics_throttle(f);
	metrics_cold_start(f);
	metrics_worker_ready(f, 50 * MS);
	metrics_error(f, "MalformedReply");
	t = render(m, NULL, 0);
	assert_line(t, "lambdad_invocations_total{function=\"fn\",door=\"http\"} 2");
	assert_line(t, "lambdad_invocations_total{function=\"fn\",door=\"invoke\"} 1");
	assert_line(t, "lambdad_invocations_total{function=\"fn\",door=\"event\"} 1");
	assert_line(t, "lambdad_errors_total{function=\"fn\",type=\"Unhandled\"} 1");
	assert_line(t, "lambdad_errors_total{function=\"fn\",type=\"Runtime.ExitError\"} 1");
	assert_line(t, "lambdad_errors_total{function=\"fn\",type=\"Sandbox.Timedout\"} 1");
	assert_line(t, "lambdad_errors_total{function=\"fn\",type=\"MalformedReply\"} 1");
	cr_expect_null(strstr(t, "Function.Failed"), "a function's own type is not a label");
	assert_line(t, "lambdad_throttles_total{function=\"fn\"} 2");
	assert_line(t, "lambdad_timeouts_total{function=\"fn\"} 1");
	assert_line(t, "lambdad_cold_starts_total{function=\"fn\"} 1");
	assert_line(t, "lambdad_duration_seconds_bucket{function=\"fn\",le=\"0.001\"} 0");
	assert_line(t, "lambdad_duration_seconds_bucket{function=\"fn\",le=\"0.0025\"} 1");
	assert_line(t, "lambdad_duration_seconds_bucket{function=\"fn\",le=\"0.025\"} 2");
	assert_line(t, "lambdad_duration_seconds_bucket{function=\"fn\",le=\"0.25\"} 2");
	assert_line(t, "lambdad_duration_seconds_bucket{function=\"fn\",le=\"0.5\"} 3");
	assert_line(t, "lambdad_duration_seconds_bucket{function=\"fn\",le=\"2.5\"} 3");
	assert_line(t, "lambdad_duration_seconds_bucket{function=\"fn\",le=\"5\"} 4");
	assert_line(t, "lambdad_duration_seconds_bucket{function=\"fn\",le=\"900\"} 4");
	assert_line(t, "lambdad_duration_seconds_bucket{function=\"fn\",le=\"+Inf\"} 4");
	assert_line(t, "lambdad_duration_seconds_sum{function=\"fn\"} 3.322");
	assert_line(t, "lambdad_duration_seconds_count{function=\"fn\"} 4");
	assert_line(t, "lambdad_init_duration_seconds_bucket{function=\"fn\",le=\"0.025\"} 0");
	assert_line(t, "lambdad_init_duration_seconds_bucket{function=\"fn\",le=\"0.05\"} 1");
	assert_line(t, "lambdad_init_duration_seconds_count{function=\"fn\"} 1");
	assert_line(t, "lambdad_up 1");
	free(t);
	metrics_free(m);
}

Test(metrics, never_ran_counts_but_has_no_duration)
{
	struct metrics *m = metrics_new();
	struct metrics_fn *f = metrics_fn(m, "fn");
	char *t;

	metrics_inv_done(f, METRICS_DOOR_HTTP, METRICS_PLATFORM_ERROR,
	    "Runtime.InvalidEntrypoint", 0);
	t = render(m, NULL, 0);
	assert_line(t, "lambdad_invocations_total{function=\"fn\",door=\"http\"} 1");
	assert_line(t, "lambdad_errors_total{function=\"fn\",type=\"Runtime.InvalidEntrypoint\"} 1");
	assert_line(t, "lambdad_duration_seconds_count{function=\"fn\"} 0");
	assert_line(t, "lambdad_duration_seconds_bucket{function=\"fn\",le=\"+Inf\"} 0");
	free(t);
	metrics_free(m);
}

Test(metrics, entries_are_kept_by_name)
{
	struct metrics *m = metrics_new();
	struct metrics_fn *a = metrics_fn(m, "a"), *b = metrics_fn(m, "b");
	char *t;

	cr_assert_neq(a, b);
	/* A reload asks again by name and gets the same counters. */
	cr_assert_eq(metrics_fn(m, "a"), a);
	metrics_cold_start(a);
	metrics_cold_start(metrics_fn(m, "a"));
	t = render(m, NULL, 0);
	assert_line(t, "lambdad_cold_starts_total{function=\"a\"} 2");
	assert_line(t, "lambdad_cold_starts_total{function=\"b\"} 0");
	/* First seen first. */
	cr_assert_lt(strstr(t, "cold_starts_total{function=\"a\"}"),
	    strstr(t, "cold_starts_total{function=\"b\"}"));
	free(t);
	metrics_free(m);
}

Test(metrics, stats_sum_doors_and_error_types)
{
	struct metrics *m = metrics_new();
	struct metrics_fn *f = metrics_fn(m, "fn");
	struct metrics_counts st = { .invocations = 99 };

	metrics_inv_done(f, METRICS_DOOR_HTTP, METRICS_OK, NULL, MS);
	metrics_inv_done(f, METRICS_DOOR_EVENT, METRICS_FUNC_ERROR, NULL, MS);
	metrics_inv_done(f, METRICS_DOOR_INVOKE, METRICS_PLATFORM_ERROR,
	    "Sandbox.Timedout", MS);
	metrics_inv_done(f, METRICS_DOOR_HTTP, METRICS_THROTTLED, NULL, 0);
	metrics_error(f, "MalformedReply");
	metrics_cold_start(f);
	metrics_fn_counts(f, &st);
	cr_expect_eq(st.invocations, 3);
	cr_expect_eq(st.errors, 3);
	cr_expect_eq(st.throttles, 1);
	cr_expect_eq(st.timeouts, 1);
	cr_expect_eq(st.cold_starts, 1);
	metrics_fn_counts(NULL, &st);
	cr_expect_eq(st.invocations, 0, "no entry: zeros");
	metrics_free(m);
}

Test(metrics, null_entry_hooks_do_nothing)
{
	metrics_inv_done(NULL, METRICS_DOOR_HTTP, METRICS_OK, NULL, MS);
	metrics_throttle(NULL);
	metrics_cold_start(NULL);
	metrics_worker_ready(NULL, MS);
	metrics_error(NULL, "x");
	cr_assert_null(metrics_fn(NULL, "x"));
	metrics_free(NULL);
}

Test(metrics, error_types_are_capped)
{
	struct metrics *m = metrics_new();
	struct metrics_fn *f = metrics_fn(m, "fn");
	char type[32], line[128], *t;
	int i;

	for (i = 0; i < METRICS_MAX_ERROR_TYPES + 4; i++) {
		snprintf(type, sizeof(type), "Type%d", i);
		metrics_error(f, type);
	}
	metrics_error(f, "Type0");
	t = render(m, NULL, 0);
	assert_line(t, "lambdad_errors_total{function=\"fn\",type=\"Type0\"} 2");
	snprintf(line, sizeof(line), "lambdad_errors_total{function=\"fn\","
	    "type=\"Type%d\"} 1", METRICS_MAX_ERROR_TYPES - 1);
	assert_line(t, line);
	assert_line(t, "lambdad_errors_total{function=\"fn\",type=\"other\"} 4");
	free(t);
	metrics_free(m);
}

Test(metrics, function_names_are_escaped_in_labels)
{
	struct metrics *m = metrics_new();
	char *t;

	metrics_cold_start(metrics_fn(m, "we\"ird\\name\n"));
	t = render(m, NULL, 0);
	assert_line(t, "lambdad_cold_starts_total{function=\"we\\\"ird\\\\name\\n\"} 1");
	free(t);
	metrics_free(m);
}

static unsigned
seven(void *arg)
{
	(void)arg;
	return 7;
}

Test(metrics, daemon_gauges)
{
	struct metrics *m = metrics_new();
	char *t;

	t = render(m, NULL, 0);
	cr_expect_null(strstr(t, "lambdad_open_connections"),
	    "no connection gauge without a source");
	cr_expect(strstr(t, "\nlambdad_resident_memory_bytes ") != NULL);
	cr_expect_null(strstr(t, "lambdad_resident_memory_bytes 0\n"));
	cr_expect(strstr(t, "\nlambdad_start_time_seconds 1") != NULL);
	free(t);
	metrics_set_conns(m, seven, NULL);
	t = render(m, NULL, 0);
	assert_line(t, "lambdad_open_connections 7");
	free(t);
	metrics_free(m);
}

/* ---- the exposition as a whole -------------------------------------------- */

/*
 * Check every line: a # HELP or # TYPE for a family not seen before (HELP
 * and TYPE once each, TYPE before its samples), or a sample of the family
 * last declared, with well-formed labels and a number.
 */
static void
check_format(const char *text)
{
	regex_t sample, comment;
	char fam[128] = "", line[1024], seen[4096] = " ", key[140];
	const char *s = text, *nl;
	int ntype = 0;

	cr_assert_eq(regcomp(&sample, "^([a-zA-Z_:][a-zA-Z0-9_:]*)"
	    "(\\{[a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\\n]|\\\\[\\\\\"n])*\""
	    "(,[a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\\n]|\\\\[\\\\\"n])*\")*\\})? "
	    "(-?[0-9.e+-]+|\\+Inf|-Inf|NaN)$", REG_EXTENDED), 0);
	cr_assert_eq(regcomp(&comment, "^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) "
	    "(.*)$", REG_EXTENDED), 0);
	cr_assert(text[strlen(text) - 1] == '\n', "ends with a newline");
	for (; *s != '\0'; s = nl + 1) {
		regmatch_t mt[4];

		nl = strchr(s, '\n');
		cr_assert_lt((size_t)(nl - s), sizeof(line));
		memcpy(line, s, (size_t)(nl - s));
		line[nl - s] = '\0';
		if (regexec(&comment, line, 4, mt, 0) == 0) {
			char name[128];

			snprintf(name, sizeof(name), "%.*s",
			    (int)(mt[2].rm_eo - mt[2].rm_so), line + mt[2].rm_so);
			if (line[2] == 'T') {
				cr_assert_str_eq(name, fam, "TYPE right after HELP: %s", line);
				cr_assert(strstr("counter gauge histogram",
				    line + mt[3].rm_so) != NULL, "%s", line);
				ntype++;
			} else {
				snprintf(key, sizeof(key), " %s ", name);
				cr_assert_null(strstr(seen, key),
				    "family declared twice: %s", line);
				strncat(seen, key + 1, sizeof(seen) - strlen(seen) - 1);
				snprintf(fam, sizeof(fam), "%s", name);
			}
			continue;
		}
		cr_assert_eq(regexec(&sample, line, 0, NULL, 0), 0,
		    "malformed line: '%s'", line);
		cr_assert_eq(strncmp(line, fam, strlen(fam)), 0,
		    "sample outside its family %s: %s", fam, line);
	}
	cr_assert_geq(ntype, 12);
	regfree(&sample);
	regfree(&comment);
}

Test(metrics, exposition_is_well_formed)
{
	struct metrics *m = metrics_new();
	struct metrics_fn *f = metrics_fn(m, "a");
	char *t;

	metrics_inv_done(f, METRICS_DOOR_HTTP, METRICS_OK, NULL, 5 * MS);
	metrics_error(metrics_fn(m, "b\"x"), "Runtime.ExitError");
	metrics_set_conns(m, seven, NULL);
	t = render(m, NULL, 0);
	check_format(t);
	free(t);
	metrics_free(m);
}

/* ---- gauges from real pools ------------------------------------------------ */

static int ndone;

static void
count_done(struct invocation *inv, const struct inv_result *res)
{
	cr_assert_eq(res->status, INV_THROTTLED);
	ndone++;
	inv_free(inv);
}

static void
stopped(struct pool *p, void *arg)
{
	(void)arg;
	pool_free(p);
}

/*
 * Two pools of one name, as during a reload, and one of another: the
 * gauges are summed per name, the counters go to the shared entry.  With
 * max_workers = 0 nothing is ever spawned, so invocations stay queued.
 */
Test(metrics, pool_gauges_sum_by_name)
{
	struct function_conf fc[2] = {
		{ .name = "dup", .bootstrap = "/nonexistent", .task_root = "/",
		  .max_workers = 0, .queue_depth = 2, .queue_timeout_s = 60,
		  .timeout_s = 3, .memory_mb = 128 },
		{ .name = "one", .bootstrap = "/nonexistent", .task_root = "/",
		  .max_workers = 0, .queue_depth = 1, .queue_timeout_s = 60,
		  .timeout_s = 3, .memory_mb = 128 },
	};
	struct metrics *m = metrics_new();
	struct pool *pools[3];
	struct pool_stats st;
	uv_loop_t loop;
	size_t i, k;
	char *t;

	uv_loop_init(&loop);
	pools[0] = pool_new(&loop, NULL, &fc[0]);
	pools[1] = pool_new(&loop, NULL, &fc[0]);
	pools[2] = pool_new(&loop, NULL, &fc[1]);
	for (i = 0; i < 3; i++) {
		cr_assert_not_null(pools[i]);
		pool_set_metrics(pools[i], metrics_fn(m, fc[i == 2].name));
		/* One more than fits: the last is refused (a throttle). */
		for (k = 0; k <= fc[i == 2].queue_depth; k++) {
			struct invocation *inv = inv_new();

			inv->done = count_done;
			if (pool_submit(pools[i], inv) != 0)
				inv_free(inv);
		}
	}
	t = render(m, pools, 3);
	check_format(t);
	assert_line(t, "lambdad_queue_depth{function=\"dup\"} 4");
	assert_line(t, "lambdad_queue_depth{function=\"one\"} 1");
	assert_line(t, "lambdad_workers{function=\"dup\",state=\"idle\"} 0");
	assert_line(t, "lambdad_throttles_total{function=\"dup\"} 2");
	assert_line(t, "lambdad_throttles_total{function=\"one\"} 1");
	cr_assert_eq(strstr(strstr(t, "queue_depth{function=\"dup\"}") + 1,
	    "queue_depth{function=\"dup\"}"), NULL, "one series per name");
	free(t);
	/* Shutting down fails what is queued: throttles too. */
	for (i = 0; i < 3; i++)
		pool_shutdown(pools[i], stopped, NULL);
	cr_assert_eq(ndone, 5);
	t = render(m, NULL, 0);
	assert_line(t, "lambdad_throttles_total{function=\"dup\"} 6");
	assert_line(t, "lambdad_invocations_total{function=\"dup\",door=\"http\"} 0");
	free(t);
	/* pool_stats reports the function's counters, shared by both pools. */
	pool_stats(pools[1], &st);
	cr_assert_eq(st.throttles, 6);
	cr_assert_eq(st.invocations, 0);
	uv_run(&loop, UV_RUN_DEFAULT);
	cr_assert_eq(uv_loop_close(&loop), 0);
	metrics_free(m);
}
