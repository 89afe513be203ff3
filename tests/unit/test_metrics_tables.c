/*
 * test_metrics_tables: the Tables series (metrics_tables.h): what a call
 * counts, the cap on tables, the gauges and the pruning of tables a
 * sample no longer finds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "metrics_tables.h"

static struct metrics_tables *t;
static struct buf out;

static void
setup(void)
{
	t = metrics_tables_new();
	cr_assert_not_null(t);
	buf_init(&out);
}

static void
teardown(void)
{
	metrics_tables_free(t);
	buf_free(&out);
}

TestSuite(metrics_tables, .init = setup, .fini = teardown);

/* The exposition so far, NUL-terminated. */
static const char *
render(void)
{
	buf_reset(&out);
	metrics_tables_render(t, &out);
	buf_addc(&out, '\0');
	return out.data;
}

static bool
has(const char *line)
{
	char want[512];

	snprintf(want, sizeof(want), "\n%s\n", line);
	return strstr(render(), want) != NULL;
}

Test(metrics_tables, calls_errors_histogram_functions)
{
	metrics_table_call(t, "carts", "GetItem", NULL, NULL, 200000);
	metrics_table_call(t, "carts", "GetItem", "cart", NULL, 3000000);
	metrics_table_call(t, "carts", "PutItem", "cart",
	    "ConditionalCheckFailedException", 1000);
	metrics_table_call(t, NULL, "ListTables", NULL, NULL, 1000);
	cr_expect(has("lambdad_tables_requests_total{table=\"carts\",op=\"GetItem\"} 2"));
	cr_expect(has("lambdad_tables_requests_total{table=\"carts\",op=\"PutItem\"} 1"));
	cr_expect(has("lambdad_tables_requests_total{table=\"-\",op=\"ListTables\"} 1"));
	cr_expect(has("lambdad_tables_errors_total{table=\"carts\",op=\"PutItem\","
	    "type=\"ConditionalCheckFailedException\"} 1"));
	cr_expect(strstr(render(), "errors_total{table=\"carts\",op=\"GetItem\"")
	    == NULL, "no error series for an operation without errors");
	/* 0.2 ms is in le=0.00025 and above; 3 ms from le=0.005. */
	cr_expect(has("lambdad_tables_request_seconds_bucket{table=\"carts\","
	    "op=\"GetItem\",le=\"0.0001\"} 0"));
	cr_expect(has("lambdad_tables_request_seconds_bucket{table=\"carts\","
	    "op=\"GetItem\",le=\"0.00025\"} 1"));
	cr_expect(has("lambdad_tables_request_seconds_bucket{table=\"carts\","
	    "op=\"GetItem\",le=\"0.0025\"} 1"));
	cr_expect(has("lambdad_tables_request_seconds_bucket{table=\"carts\","
	    "op=\"GetItem\",le=\"0.005\"} 2"));
	cr_expect(has("lambdad_tables_request_seconds_bucket{table=\"carts\","
	    "op=\"GetItem\",le=\"+Inf\"} 2"));
	cr_expect(has("lambdad_tables_request_seconds_sum{table=\"carts\","
	    "op=\"GetItem\"} 0.0032"));
	cr_expect(has("lambdad_tables_request_seconds_count{table=\"carts\","
	    "op=\"GetItem\"} 2"));
	cr_expect(has("lambdad_function_table_calls_total{function=\"cart\","
	    "table=\"carts\",op=\"GetItem\"} 1"));
	cr_expect(has("lambdad_function_table_calls_total{function=\"cart\","
	    "table=\"carts\",op=\"PutItem\"} 1"));
	cr_expect(has("# TYPE lambdad_tables_request_seconds histogram"));
	cr_expect_eq(metrics_tables_count(t), 1, "\"-\" is not a table");
}

Test(metrics_tables, error_types_capped)
{
	char type[32];
	int i;

	for (i = 0; i < METRICS_TABLE_ERRS + 3; i++) {
		snprintf(type, sizeof(type), "E%dException", i);
		metrics_table_call(t, "tbl", "Scan", NULL, type, 1);
	}
	cr_expect(has("lambdad_tables_errors_total{table=\"tbl\",op=\"Scan\","
	    "type=\"E0Exception\"} 1"));
	cr_expect(has("lambdad_tables_errors_total{table=\"tbl\",op=\"Scan\","
	    "type=\"other\"} 3"));
}

Test(metrics_tables, cap_on_tables)
{
	char name[32];
	int i;

	for (i = 0; i < METRICS_MAX_TABLES + 5; i++) {
		snprintf(name, sizeof(name), "t%05d", i);
		metrics_table_call(t, name, "PutItem", NULL, NULL, 1);
	}
	cr_expect_eq(metrics_tables_count(t), METRICS_MAX_TABLES);
	cr_expect(has("lambdad_tables_requests_total{table=\"t00999\","
	    "op=\"PutItem\"} 1"));
	cr_expect(strstr(render(), "table=\"t01000\"") == NULL);
	cr_expect(has("lambdad_tables_requests_total{table=\"(other)\","
	    "op=\"PutItem\"} 5"));
	/* A tracked table still counts under its own name. */
	metrics_table_call(t, "t00000", "PutItem", NULL, NULL, 1);
	cr_expect(has("lambdad_tables_requests_total{table=\"t00000\","
	    "op=\"PutItem\"} 2"));
}

Test(metrics_tables, sizes_and_pruning)
{
	struct metrics_table_size v[] = {
		{ "alpha", 3, 300 }, { "beta", 0, 0 },
	};
	uint64_t s1, s2;

	metrics_table_call(t, "gone", "GetItem", NULL,
	    "ResourceNotFoundException", 1);
	metrics_table_call(t, "alpha", "GetItem", NULL, NULL, 1);
	metrics_table_call(t, NULL, "ListTables", NULL, NULL, 1);
	s1 = metrics_tables_sample(t);
	/* Made while the sample runs: it may not have seen it yet. */
	metrics_table_call(t, "fresh", "CreateTable", NULL, NULL, 1);
	metrics_tables_sized(t, s1, v, 2);
	cr_expect(has("lambdad_tables_items{table=\"alpha\"} 3"));
	cr_expect(has("lambdad_tables_bytes{table=\"alpha\"} 300"));
	cr_expect(has("lambdad_tables_items{table=\"beta\"} 0"),
	    "a table with no calls gets its gauges");
	cr_expect(strstr(render(), "table=\"gone\"") == NULL,
	    "a table the store does not have is dropped");
	cr_expect(has("lambdad_tables_requests_total{table=\"fresh\","
	    "op=\"CreateTable\"} 1"), "one made after the sample began stays");
	cr_expect(strstr(render(), "lambdad_tables_items{table=\"fresh\"}") ==
	    NULL, "  ... without gauges until a sample has it");
	cr_expect(has("lambdad_tables_requests_total{table=\"-\","
	    "op=\"ListTables\"} 1"), "\"-\" is never dropped");
	cr_expect(has("lambdad_tables_requests_total{table=\"alpha\","
	    "op=\"GetItem\"} 1"));
	cr_expect_eq(metrics_tables_count(t), 3);
	/* The next sample without fresh drops it, and alpha's gauges go
	 * when alpha does. */
	s2 = metrics_tables_sample(t);
	metrics_tables_sized(t, s2, &v[1], 1);
	cr_expect(strstr(render(), "table=\"fresh\"") == NULL);
	cr_expect(strstr(render(), "table=\"alpha\"") == NULL);
	cr_expect(has("lambdad_tables_items{table=\"beta\"} 0"));
	cr_expect_eq(metrics_tables_count(t), 1);
}

Test(metrics_tables, sizes_past_the_cap)
{
	struct metrics_table_size *v = calloc(METRICS_MAX_TABLES + 2,
	    sizeof(*v));
	char (*names)[16] = calloc(METRICS_MAX_TABLES + 2, 16);
	uint64_t s;
	int i;

	cr_assert(v != NULL && names != NULL);
	for (i = 0; i < METRICS_MAX_TABLES + 2; i++) {
		snprintf(names[i], 16, "t%05d", i);
		v[i] = (struct metrics_table_size){ names[i], 1, 10 };
	}
	s = metrics_tables_sample(t);
	metrics_tables_sized(t, s, v, METRICS_MAX_TABLES + 2);
	cr_expect_eq(metrics_tables_count(t), METRICS_MAX_TABLES);
	cr_expect(has("lambdad_tables_items{table=\"t00999\"} 1"));
	cr_expect(has("lambdad_tables_items{table=\"(other)\"} 2"),
	    "the tables past the cap are summed");
	cr_expect(has("lambdad_tables_bytes{table=\"(other)\"} 20"));
	free(v);
	free(names);
}

Test(metrics_tables, null_registry)
{
	metrics_table_call(NULL, "x", "GetItem", NULL, NULL, 1);
	metrics_tables_sized(NULL, 1, NULL, 0);
	cr_expect_eq(metrics_tables_sample(NULL), 0);
	cr_expect_eq(metrics_tables_count(NULL), 0);
	metrics_tables_render(NULL, &out);
	cr_expect_eq(out.len, 0);
}
