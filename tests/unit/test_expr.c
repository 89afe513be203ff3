/*
 * Unit tests for gateway/tables/expr*.c.  So far: the reserved-word list
 * (expr_words.c), case-insensitive and exact-length; the parser's errors
 * and placeholders; condition truth tables on one fixed item; projection
 * shapes; key condition splits.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "tables/expr_int.h"
#include "tables/value.h"

static bool
reserved(const char *s)
{
	return expr_reserved(s, strlen(s));
}

Test(expr_words, reserved_any_case)
{
	static const char *const yes[] = {
		"status", "STATUS", "Name", "data", "size", "count", "year",
		"key", "value", "user", "date", "timestamp", "abort", "zone",
		"and", "between", "ttl", "uuid", "FLATTERN", "inntER",
	};
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		cr_expect(reserved(yes[i]), "%s should be reserved", yes[i]);
}

Test(expr_words, not_reserved)
{
	static const char *const no[] = {
		"a", "id", "pk", "sk", "statuses", "stat", "my_status", "zones",
		"aborts", "_status", "status1", "", "zzzz", "AAA",
	};
	size_t i;

	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		cr_expect(!reserved(no[i]), "%s should not be reserved", no[i]);
}

Test(expr_words, length_not_nul)
{
	/* Only the first len bytes count: "status" inside "statusX". */
	cr_expect(expr_reserved("statusX", 6));
	cr_expect(!expr_reserved("statusX", 5));
}

/* ---- parser and evaluator ---- */

static const char ITEM[] =
    "{\"id\":{\"S\":\"u1\"},\"n\":{\"N\":\"5\"},\"s\":{\"S\":\"hello\"},"
    "\"b\":{\"B\":\"AQID\"},\"ok\":{\"BOOL\":true},\"nul\":{\"NULL\":true},"
    "\"ss\":{\"SS\":[\"x\",\"y\"]},\"ns\":{\"NS\":[\"1\",\"2.5\"]},"
    "\"l\":{\"L\":[{\"S\":\"a\"},{\"N\":\"2\"},{\"M\":{\"k\":{\"S\":\"v\"}}}]},"
    "\"m\":{\"M\":{\"x\":{\"N\":\"1\"},\"y\":{\"M\":{\"z\":{\"S\":\"deep\"}}},"
    "\"w\":{\"S\":\"w\"}}},"
    "\"a.b\":{\"S\":\"dotted\"},\"status\":{\"S\":\"on\"}}";

static const char VALUES[] =
    "{\":five\":{\"N\":\"5\"},\":six\":{\"N\":\"6.0\"},\":one\":{\"N\":\"1\"},"
    "\":hello\":{\"S\":\"hello\"},\":he\":{\"S\":\"he\"},\":ell\":{\"S\":\"ell\"},"
    "\":x\":{\"S\":\"x\"},\":a\":{\"S\":\"a\"},\":two\":{\"N\":\"2\"},"
    "\":tS\":{\"S\":\"S\"},\":tN\":{\"S\":\"N\"},\":tSS\":{\"S\":\"SS\"},"
    "\":b1\":{\"B\":\"AQ==\"},\":b9\":{\"B\":\"CQ==\"},\":t\":{\"BOOL\":true},"
    "\":u1\":{\"S\":\"u1\"},\":deep\":{\"S\":\"deep\"}}";

static const char NAMES[] =
    "{\"#st\":\"status\",\"#ab\":\"a.b\",\"#m\":\"m\"}";

struct fixture {
	cJSON		*names, *values, *item;
	struct expr_ctx	 ctx;
	struct ddb_err	 err;
};

static void
fx_init(struct fixture *fx, const char *names, const char *values)
{
	memset(fx, 0, sizeof(*fx));
	fx->names = names ? cJSON_Parse(names) : NULL;
	fx->values = values ? cJSON_Parse(values) : NULL;
	fx->item = cJSON_Parse(ITEM);
	cr_assert(fx->item != NULL);
	cr_assert_eq(expr_ctx_init(&fx->ctx, fx->names, fx->values, &fx->err),
	    0, "%s", fx->err.msg);
}

static void
fx_free(struct fixture *fx)
{
	expr_ctx_free(&fx->ctx);
	cJSON_Delete(fx->names);
	cJSON_Delete(fx->values);
	cJSON_Delete(fx->item);
}

struct truth { const char *text; bool want; };

Test(expr_eval, truth_table)
{
	static const struct truth t[] = {
		{ "n = :five", true }, { "n = :six", false },
		{ "n <> :six", true }, { "n < :six", true },
		{ "n <= :five", true }, { "n > :five", false },
		{ "n >= :five", true }, { "s = :five", false },
		{ "s <> :five", true }, { "s < :five", false },
		{ "gone = :five", false }, { "gone <> :five", false },
		{ "n BETWEEN :one AND :six", true },
		{ "n between :six and :six", false },
		{ "n IN (:one, :two, :five)", true }, { "n IN (:one)", false },
		{ "attribute_exists(m.y.z)", true },
		{ "attribute_exists(m.y.q)", false },
		{ "attribute_not_exists(gone)", true },
		{ "attribute_not_exists(l[2].k)", false },
		{ "attribute_exists(l[5])", false },
		{ "attribute_type(s, :tS)", true },
		{ "attribute_type(s, :tN)", false },
		{ "attribute_type(ss, :tSS)", true },
		{ "begins_with(s, :he)", true }, { "begins_with(s, :ell)", false },
		{ "begins_with(b, :b1)", true }, { "begins_with(b, :b9)", false },
		{ "begins_with(n, :he)", false },
		{ "contains(s, :ell)", true }, { "contains(s, :x)", false },
		{ "contains(ss, :x)", true }, { "contains(ss, :a)", false },
		{ "contains(ns, :one)", true }, { "contains(ns, :two)", false },
		{ "contains(l, :a)", true }, { "contains(l, :two)", true },
		{ "contains(l, :x)", false },
		{ "size(s) = :five", true }, { "size(b) = :five", false },
		{ "size(ss) = :two", true }, { "size(l) > :two", true },
		{ "size(m) = :two", false }, { "size(gone) = :one", false },
		{ "#st = :x", false }, { "#ab = :x OR ok = :t", true },
		{ "#m.y.z = :deep", true }, { "l[0] = :a AND l[1] = :two", true },
		{ "NOT n = :five", false }, { "NOT NOT n = :five", true },
		{ "n = :six OR n = :five AND s = :hello", true },
		{ "(n = :six OR n = :five) AND s = :x", false },
		{ "n = :six OR NOT s = :x AND n = :five", true },
		{ "NOT (n = :six OR s = :x)", true },
		{ "id = :u1 AND (size(ss) = :two OR contains(s, :x))", true },
	};
	struct fixture fx;
	struct expr *e;
	bool res;
	size_t i;

	fx_init(&fx, NAMES, VALUES);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		e = expr_parse(EXPR_CONDITION, t[i].text, &fx.ctx, &fx.err);
		cr_assert(e != NULL, "%s: %s", t[i].text, fx.err.msg);
		cr_assert_eq(expr_eval(e, fx.item, &res, &fx.err), 0);
		cr_expect_eq(res, t[i].want, "%s gave %d", t[i].text, res);
		expr_free(e);
	}
	fx_free(&fx);
}

Test(expr_eval, no_item)
{
	static const struct truth t[] = {
		{ "attribute_not_exists(id)", true },
		{ "attribute_exists(id)", false },
		{ "n <> :five", false }, { "NOT attribute_exists(n)", true },
	};
	struct fixture fx;
	struct expr *e;
	bool res;
	size_t i;

	fx_init(&fx, NULL, VALUES);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		e = expr_parse(EXPR_CONDITION, t[i].text, &fx.ctx, &fx.err);
		cr_assert(e != NULL, "%s: %s", t[i].text, fx.err.msg);
		cr_assert_eq(expr_eval(e, NULL, &res, &fx.err), 0);
		cr_expect_eq(res, t[i].want, "%s gave %d", t[i].text, res);
		expr_free(e);
	}
	fx_free(&fx);
}

struct bad { enum expr_kind kind; const char *text; const char *msg; };

Test(expr_parse, errors)
{
	static const struct bad t[] = {
		{ EXPR_CONDITION, "status = :x", "Invalid ConditionExpression: "
		    "Attribute name is a reserved keyword; reserved keyword: "
		    "status" },
		{ EXPR_FILTER, "a = :nope", "Invalid FilterExpression: An "
		    "expression attribute value used in expression is not "
		    "defined; attribute value: :nope" },
		{ EXPR_CONDITION, "#nope = :x", "Invalid ConditionExpression: "
		    "An expression attribute name used in the document path is "
		    "not defined; attribute name: #nope" },
		{ EXPR_CONDITION, "a = = :x", "Invalid ConditionExpression: "
		    "Syntax error; token: \"=\", near: \"= =\"" },
		{ EXPR_CONDITION, "a = :x AND", "Invalid ConditionExpression: "
		    "Syntax error; token: \"<EOF>\", near: \"AND\"" },
		{ EXPR_CONDITION, "a :x", "Invalid ConditionExpression: "
		    "Syntax error; token: \":x\", near: \"a :x\"" },
		{ EXPR_CONDITION, "(a = :x", "Invalid ConditionExpression: "
		    "Syntax error; token: \"<EOF>\", near: \":x\"" },
		{ EXPR_CONDITION, "nofunc(a)", "Invalid ConditionExpression: "
		    "Invalid function name; function: nofunc" },
		{ EXPR_PROJECTION, "a, b.name", "Invalid ProjectionExpression: "
		    "Attribute name is a reserved keyword; reserved keyword: "
		    "name" },
		{ EXPR_PROJECTION, "a, a.b", "Invalid ProjectionExpression: "
		    "Two document paths overlap with each other; must remove "
		    "or rewrite one of these paths; path one: [a], path two: "
		    "[a, b]" },
		{ EXPR_UPDATE, "SET a = :x SET b = :x", "Invalid "
		    "UpdateExpression: The \"SET\" section can only be used "
		    "once in an update expression;" },
		{ EXPR_UPDATE, "SET a = :x REMOVE a", "Invalid UpdateExpression: "
		    "Two document paths overlap with each other; must remove "
		    "or rewrite one of these paths; path one: [a], path two: "
		    "[a]" },
		{ EXPR_UPDATE, "PUT a = :x", "Invalid UpdateExpression: Syntax "
		    "error; token: \"PUT\", near: \"PUT\"" },
		{ EXPR_CONDITION, "", "Invalid ConditionExpression: The "
		    "expression can not be empty;" },
	};
	struct fixture fx;
	struct expr *e;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		fx_init(&fx, NULL, "{\":x\":{\"S\":\"x\"}}");
		e = expr_parse(t[i].kind, t[i].text, &fx.ctx, &fx.err);
		cr_expect(e == NULL, "%s parsed", t[i].text);
		cr_expect_str_eq(fx.err.msg, t[i].msg, "%s", t[i].text);
		cr_expect_eq(fx.err.type, DDB_VALIDATION);
		expr_free(e);
		fx_free(&fx);
	}
}

Test(expr_parse, unused_placeholders)
{
	struct fixture fx;
	struct expr *e;

	fx_init(&fx, "{\"#a\":\"a\",\"#b\":\"b\"}",
	    "{\":x\":{\"S\":\"x\"},\":y\":{\"S\":\"y\"}}");
	e = expr_parse(EXPR_CONDITION, "#a = :x", &fx.ctx, &fx.err);
	cr_assert(e != NULL, "%s", fx.err.msg);
	expr_free(e);
	cr_expect_eq(expr_ctx_check_unused(&fx.ctx, &fx.err), -1);
	cr_expect_str_eq(fx.err.msg, "Value provided in "
	    "ExpressionAttributeValues unused in expressions: keys: {:y}");
	e = expr_parse(EXPR_PROJECTION, "#b", &fx.ctx, &fx.err);
	cr_assert(e != NULL);
	expr_free(e);
	e = expr_parse(EXPR_FILTER, "a = :y", &fx.ctx, &fx.err);
	cr_assert(e != NULL);
	expr_free(e);
	cr_expect_eq(expr_ctx_check_unused(&fx.ctx, &fx.err), 0);
	fx_free(&fx);
}

/* ---- projection ---- */

struct proj { const char *text; const char *want; };

Test(expr_project, shapes)
{
	static const struct proj t[] = {
		{ "n", "{\"n\":{\"N\":\"5\"}}" },
		{ "s, n, gone", "{\"n\":{\"N\":\"5\"},\"s\":{\"S\":\"hello\"}}" },
		{ "m.y.z", "{\"m\":{\"M\":{\"y\":{\"M\":{\"z\":{\"S\":\"deep\"}}}}}}" },
		{ "m.x, #m.w", "{\"m\":{\"M\":{\"x\":{\"N\":\"1\"},\"w\":{\"S\":\"w\"}}}}" },
		{ "l[2].k, l[0]", "{\"l\":{\"L\":[{\"S\":\"a\"},{\"M\":{\"k\":{\"S\":\"v\"}}}]}}" },
		{ "l[7], m.q, s.x", "{}" },
		{ "#ab", "{\"a.b\":{\"S\":\"dotted\"}}" },
	};
	struct fixture fx;
	struct expr *e;
	cJSON *got, *want;
	char *txt;
	size_t i;

	fx_init(&fx, NAMES, NULL);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		e = expr_parse(EXPR_PROJECTION, t[i].text, &fx.ctx, &fx.err);
		cr_assert(e != NULL, "%s: %s", t[i].text, fx.err.msg);
		got = expr_project(e, fx.item);
		want = cJSON_Parse(t[i].want);
		txt = cJSON_PrintUnformatted(got);
		cr_expect(cJSON_Compare(got, want, 1), "%s gave %s", t[i].text,
		    txt);
		free(txt);
		cJSON_Delete(got);
		cJSON_Delete(want);
		expr_free(e);
	}
	fx_free(&fx);
}

/* ---- key conditions ---- */

struct keyc {
	const char *text;
	const char *range;
	int rc;
	enum key_op op;
	const char *msg;
};

Test(expr_key_split, shapes)
{
	static const struct keyc t[] = {
		{ "pk = :a", "sk", 0, KEY_NONE, NULL },
		{ "pk = :a AND sk < :x", "sk", 0, KEY_LT, NULL },
		{ "sk >= :x AND pk = :a", "sk", 0, KEY_GE, NULL },
		{ "(pk = :a) AND (sk BETWEEN :x AND :a)", "sk", 0, KEY_BETWEEN,
		    NULL },
		{ "pk = :a AND begins_with(sk, :x)", "sk", 0, KEY_BEGINS_WITH,
		    NULL },
		{ "sk = :x", "sk", -1, KEY_NONE,
		    "Query condition missed key schema element: pk" },
		{ "pk < :a", "sk", -1, KEY_NONE,
		    "Query condition missed key schema element: pk" },
		{ "pk = :a OR sk = :x", "sk", -1, KEY_NONE,
		    "Query condition missed key schema element: pk" },
		{ "pk = :a AND zz = :x", "sk", -1, KEY_NONE,
		    "Query key condition not supported" },
		{ "pk = :a AND sk = :x", NULL, -1, KEY_NONE,
		    "Query key condition not supported" },
		{ "pk = :a AND sk <> :x", "sk", -1, KEY_NONE,
		    "Query key condition not supported" },
		{ "pk = :a AND sk = :x AND sk = :a", "sk", -1, KEY_NONE,
		    "Query key condition not supported" },
	};
	struct fixture fx;
	struct key_cond kc;
	struct expr *e;
	size_t i;

	fx_init(&fx, NULL, "{\":a\":{\"S\":\"A\"},\":x\":{\"S\":\"X\"}}");
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		e = expr_parse(EXPR_KEY_CONDITION, t[i].text, &fx.ctx, &fx.err);
		cr_assert(e != NULL, "%s: %s", t[i].text, fx.err.msg);
		cr_expect_eq(expr_key_split(e, "pk", t[i].range, &kc, &fx.err),
		    t[i].rc, "%s", t[i].text);
		if (t[i].rc == 0) {
			cr_expect_eq(kc.op, t[i].op, "%s", t[i].text);
			cr_expect_str_eq(kc.hash_name, "pk");
			cr_expect_str_eq(ddb_val_inner(kc.hash_val)->valuestring,
			    "A");
			if (kc.op != KEY_NONE)
				cr_expect_str_eq(kc.range_name, "sk");
			if (kc.op == KEY_BETWEEN)
				cr_expect_str_eq(ddb_val_inner(kc.v2)->valuestring,
				    "A");
		} else {
			cr_expect_str_eq(fx.err.msg, t[i].msg, "%s", t[i].text);
		}
		expr_free(e);
	}
	fx_free(&fx);
}
