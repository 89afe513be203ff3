/*
 * Unit tests for gateway/tables/value.c: shape and deep validation with
 * DynamoDB's messages, canonical numbers in place, item sizes at the 400 KB
 * edge, equality (numeric, sets unordered, B decoded), scalar order, key
 * encoding order and key checks.
 */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "tables/value.h"

#define INV "One or more parameter values were invalid: "

static int
check(const char *json, struct ddb_err *e, char **canon)
{
	cJSON *j = cJSON_Parse(json);
	int rc;

	cr_assert_not_null(j, "%s", json);
	memset(e, 0, sizeof(*e));
	rc = ddb_val_check(j, e);
	if (canon != NULL)
		*canon = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	return rc;
}

Test(value, valid_and_canonical)
{
	static const char *const c[][2] = {
		{ "{\"S\":\"a\"}", "{\"S\":\"a\"}" },
		{ "{\"S\":\"\"}", "{\"S\":\"\"}" },
		{ "{\"N\":\"1.50\"}", "{\"N\":\"1.5\"}" },
		{ "{\"B\":\"AAE=\"}", "{\"B\":\"AAE=\"}" },
		{ "{\"BOOL\":false}", "{\"BOOL\":false}" },
		{ "{\"NULL\":true}", "{\"NULL\":true}" },
		{ "{\"NS\":[\"1E3\",\"2\"]}", "{\"NS\":[\"1000\",\"2\"]}" },
		{ "{\"M\":{\"x\":{\"L\":[{\"N\":\"-0\"}]}}}",
		  "{\"M\":{\"x\":{\"L\":[{\"N\":\"0\"}]}}}" },
		{ "{\"SS\":[\"a\",\"b\"]}", "{\"SS\":[\"a\",\"b\"]}" },
		{ "{\"BS\":[\"AA==\",\"AQ==\"]}", "{\"BS\":[\"AA==\",\"AQ==\"]}" },
		{ "{\"L\":[]}", "{\"L\":[]}" }, { "{\"M\":{}}", "{\"M\":{}}" },
	};
	struct ddb_err e;
	char *out;
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		cr_expect_eq(check(c[i][0], &e, &out), 0, "%s: %s", c[i][0],
		    e.msg);
		cr_expect_str_eq(out, c[i][1]);
		free(out);
	}
}

Test(value, invalid_messages)
{
	static const struct { const char *j, *msg; } c[] = {
		{ "{}", "Supplied AttributeValue is empty, must contain exactly "
		  "one of the supported datatypes" },
		{ "{\"S\":\"a\",\"N\":\"1\"}", "Supplied AttributeValue has more "
		  "than one datatypes set, must contain exactly one of the "
		  "supported datatypes" },
		{ "{\"NULL\":false}", INV "Null attribute value types must have "
		  "the value of true" },
		{ "{\"N\":\"x\"}", "The parameter cannot be converted to a "
		  "numeric value: x" },
		{ "{\"NS\":[\"1E126\"]}", "Number overflow. Attempting to store "
		  "a number with magnitude larger than supported range" },
		{ "{\"SS\":[]}", INV "An string set  may not be empty" },
		{ "{\"NS\":[]}", INV "An number set  may not be empty" },
		{ "{\"SS\":[\"a\",\"a\"]}", INV "Input collection [a, a] "
		  "contains duplicates." },
		{ "{\"NS\":[\"1\",\"1.0\"]}", INV "Input collection [1, 1] "
		  "contains duplicates." },
		{ "{\"BS\":[\"AA==\",\"AA\"]}", INV "Input collection [AA==, AA]"
		  " contains duplicates." },
		{ "{\"M\":{\"a\":{}}}", "Supplied AttributeValue is empty, must "
		  "contain exactly one of the supported datatypes" },
		{ "{\"M\":{\"b\":{\"N\":\"1\"},\"a\":{\"S\":\"x\"},"
		  "\"a\":{\"S\":\"y\"}}}", INV "Duplicate attribute name: a" },
	};
	struct ddb_err e;
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		cr_expect_eq(check(c[i].j, &e, NULL), -1, "%s", c[i].j);
		cr_expect_str_eq(e.msg, c[i].msg, "%s", c[i].j);
	}
	cr_expect_eq(check("{\"S\":1}", &e, NULL), -1);
	cr_expect_eq(e.type, DDB_SERIALIZATION);
	cr_expect_eq(check("{\"B\":\"A\"}", &e, NULL), -1);
	cr_expect_eq(check("{\"BOOL\":\"true\"}", &e, NULL), -1);
}

/* fuzz_ddb: an item with a name twice was stored keyed by the first and
 * read by clients as the last. */
Test(value, duplicate_names)
{
	struct ddb_err e = { 0 };
	cJSON *it = cJSON_Parse("{\"pk\":{\"S\":\"a\"},\"sk\":{\"N\":\"1\"},"
	    "\"v\":{\"S\":\"x\"},\"sk\":{\"N\":\"2\"}}");

	cr_assert_not_null(it);
	cr_expect_eq(ddb_item_check(it, &e), -1);
	cr_expect_str_eq(e.msg, INV "Duplicate attribute name: sk");
	cJSON_Delete(it);
	it = cJSON_Parse("{\"pk\":{\"S\":\"a\"},\"m\":{\"M\":{\"\":"
	    "{\"S\":\"x\"},\"b\":{\"S\":\"y\"}}}}");
	cr_expect_eq(ddb_item_check(it, &e), 0, "%s", e.msg);
	cJSON_Delete(it);
}

static char *
nested(int levels)
{
	char *s = malloc((size_t)levels * 16 + 32);
	int i;

	s[0] = '\0';
	for (i = 0; i < levels; i++)
		strcat(s, "{\"L\":[");
	strcat(s, "{\"S\":\"x\"}");
	for (i = 0; i < levels; i++)
		strcat(s, "]}");
	return s;
}

Test(value, depth)
{
	struct ddb_err e;
	char *s = nested(32), *t = nested(33);

	cr_expect_eq(check(s, &e, NULL), 0, "%s", e.msg);
	cr_expect_eq(check(t, &e, NULL), -1);
	cr_expect_str_eq(e.msg, "Nesting Levels have exceeded supported "
	    "limits");
	free(s);
	free(t);
}

static cJSON *
big_item(size_t n)
{
	char *s = malloc(n + 1);
	cJSON *item = cJSON_CreateObject(), *av = cJSON_CreateObject();

	memset(s, 'x', n);
	s[n] = '\0';
	cJSON_AddStringToObject(av, "S", s);
	cJSON_AddItemToObject(item, "k", av);
	free(s);
	return item;
}

Test(value, sizes)
{
	static const struct { const char *j; size_t size; } c[] = {
		{ "{\"S\":\"abc\"}", 3 }, { "{\"S\":\"\\u00e9\"}", 2 },
		{ "{\"B\":\"AAEC\"}", 3 }, { "{\"B\":\"AA==\"}", 1 },
		{ "{\"N\":\"12345\"}", 4 }, { "{\"BOOL\":true}", 1 },
		{ "{\"NULL\":true}", 1 }, { "{\"L\":[]}", 3 },
		{ "{\"L\":[{\"S\":\"ab\"},{\"BOOL\":true}]}", 3 + 3 + 2 },
		{ "{\"M\":{\"ab\":{\"S\":\"c\"}}}", 3 + 1 + 2 + 1 },
		{ "{\"SS\":[\"a\",\"bc\"]}", 3 }, { "{\"NS\":[\"1\",\"-1\"]}", 5 },
	};
	struct ddb_err e = { 0 };
	cJSON *j;
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		j = cJSON_Parse(c[i].j);
		cr_expect_eq(ddb_val_size(j), c[i].size, "%s", c[i].j);
		cJSON_Delete(j);
	}
	j = big_item(409000);
	cr_expect_eq(ddb_item_size(j), 409001);
	cr_expect_eq(ddb_item_check(j, &e), 0, "%s", e.msg);
	cJSON_Delete(j);
	j = big_item(409600);
	cr_expect_eq(ddb_item_check(j, &e), -1);
	cr_expect_str_eq(e.msg, "Item size has exceeded the maximum allowed "
	    "size");
	cJSON_Delete(j);
}

static bool
eq(const char *a, const char *b)
{
	cJSON *x = cJSON_Parse(a), *y = cJSON_Parse(b);
	bool r = ddb_val_equal(x, y);

	cJSON_Delete(x);
	cJSON_Delete(y);
	return r;
}

Test(value, equality)
{
	cr_expect(eq("{\"N\":\"1\"}", "{\"N\":\"1.0\"}"));
	cr_expect(!eq("{\"N\":\"1\"}", "{\"S\":\"1\"}"));
	cr_expect(eq("{\"SS\":[\"a\",\"b\"]}", "{\"SS\":[\"b\",\"a\"]}"));
	cr_expect(!eq("{\"SS\":[\"a\",\"b\"]}", "{\"SS\":[\"a\"]}"));
	cr_expect(eq("{\"NS\":[\"10\",\"2\"]}", "{\"NS\":[\"2\",\"1E1\"]}"));
	cr_expect(eq("{\"B\":\"AA==\"}", "{\"B\":\"AA\"}"));
	cr_expect(eq("{\"M\":{\"a\":{\"L\":[{\"N\":\"1\"}]},\"b\":"
	    "{\"NULL\":true}}}", "{\"M\":{\"b\":{\"NULL\":true},\"a\":"
	    "{\"L\":[{\"N\":\"1.00\"}]}}}"));
	cr_expect(!eq("{\"L\":[{\"N\":\"1\"},{\"N\":\"2\"}]}",
	    "{\"L\":[{\"N\":\"2\"},{\"N\":\"1\"}]}"));
	cr_expect(!eq("{\"BOOL\":true}", "{\"BOOL\":false}"));
	cr_expect(!eq("{\"M\":{\"a\":{\"S\":\"x\"}}}", "{\"M\":{}}"));
}

static int
cmp(const char *a, const char *b, int *res)
{
	cJSON *x = cJSON_Parse(a), *y = cJSON_Parse(b);
	int rc = ddb_val_cmp(x, y, res);

	cJSON_Delete(x);
	cJSON_Delete(y);
	return rc;
}

Test(value, order_and_keys)
{
	static const char *const asc[] = {
		"{\"N\":\"-100\"}", "{\"N\":\"-2.5\"}", "{\"N\":\"-2\"}",
		"{\"N\":\"0\"}", "{\"N\":\"0.001\"}", "{\"N\":\"2\"}",
		"{\"N\":\"10\"}", "{\"S\":\"\\u00e9\"}",
	};
	static const char *const sasc[] = { "{\"S\":\"A\"}", "{\"S\":\"a\"}",
	    "{\"S\":\"ab\"}", "{\"S\":\"b\"}", "{\"S\":\"\\u00e9\"}" };
	struct buf a, b;
	struct ddb_err e;
	cJSON *x, *y;
	size_t i;
	int r;

	for (i = 0; i + 2 < sizeof(asc) / sizeof(asc[0]); i++) {
		cr_expect_eq(cmp(asc[i], asc[i + 1], &r), 0);
		cr_expect_lt(r, 0, "%s %s", asc[i], asc[i + 1]);
		x = cJSON_Parse(asc[i]);
		y = cJSON_Parse(asc[i + 1]);
		buf_init(&a);
		buf_init(&b);
		cr_assert_eq(ddb_key_encode(x, DDB_T_N, &a, &e), 0);
		cr_assert_eq(ddb_key_encode(y, DDB_T_N, &b, &e), 0);
		cr_expect_lt(memcmp(a.data, b.data, a.len < b.len ? a.len :
		    b.len), 0);
		buf_free(&a);
		buf_free(&b);
		cJSON_Delete(x);
		cJSON_Delete(y);
	}
	for (i = 0; i + 1 < sizeof(sasc) / sizeof(sasc[0]); i++) {
		cr_expect_eq(cmp(sasc[i], sasc[i + 1], &r), 0);
		cr_expect_lt(r, 0, "%s %s", sasc[i], sasc[i + 1]);
	}
	cr_expect_eq(cmp("{\"B\":\"AP8=\"}", "{\"B\":\"/wA=\"}", &r), 0);
	cr_expect_lt(r, 0);
	cr_expect_eq(cmp("{\"N\":\"1\"}", "{\"S\":\"1\"}", &r), -1);
	cr_expect_eq(cmp("{\"BOOL\":true}", "{\"BOOL\":true}", &r), -1);
}

Test(value, key_check)
{
	struct ddb_err e = { 0 };
	cJSON *s = cJSON_Parse("{\"S\":\"\"}"), *n = cJSON_Parse("{\"N\":\"1\"}");
	cJSON *big = big_item(2049), *r = big_item(1025);

	cr_expect_eq(ddb_key_check("id", NULL, DDB_T_S, false, &e), -1);
	cr_expect_eq(ddb_key_check("id", n, DDB_T_S, false, &e), -1);
	cr_expect_str_eq(e.msg, INV "Type mismatch for key id expected: S "
	    "actual: N");
	cr_expect_eq(ddb_key_check("id", s, DDB_T_S, false, &e), -1);
	cr_expect_str_eq(e.msg, "One or more parameter values are not valid. "
	    "The AttributeValue for a key attribute cannot contain an empty "
	    "string value. Key: id");
	cr_expect_eq(ddb_key_check("id", n, DDB_T_N, true, &e), 0);
	cr_expect_eq(ddb_key_check("k", big->child, DDB_T_S, false, &e), -1);
	cr_expect_str_eq(e.msg, INV "Size of hashkey has exceeded the "
	    "maximum size limit of2048 bytes");
	cr_expect_eq(ddb_key_check("k", r->child, DDB_T_S, false, &e), 0);
	cr_expect_eq(ddb_key_check("k", r->child, DDB_T_S, true, &e), -1);
	cr_expect_str_eq(e.msg, INV "Aggregated size of all range keys has "
	    "exceeded the size limit of 1024 bytes");
	cJSON_Delete(s);
	cJSON_Delete(n);
	cJSON_Delete(big);
	cJSON_Delete(r);
}
