/*
 * Unit tests for gateway/tables/expr_legacy.c: the legacy request
 * parameters (Expected + ConditionalOperator, QueryFilter / ScanFilter,
 * KeyConditions, AttributesToGet, AttributeUpdates) translated into the
 * parsed form and evaluated with the same evaluator as expressions.
 * Every ComparisonOperator on one fixed item, Exists with and without
 * Value, AND / OR, arity and type errors with DynamoDB's messages,
 * AttributesToGet as a projection, KeyConditions through expr_key_split,
 * and the shape of AttributeUpdates' translation (not applied here).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "tables/expr_int.h"
#include "tables/value.h"

static const char ITEM[] =
    "{\"id\":{\"S\":\"u1\"},\"n\":{\"N\":\"5\"},\"s\":{\"S\":\"hello\"},"
    "\"b\":{\"B\":\"AQID\"},\"ok\":{\"BOOL\":true},"
    "\"ss\":{\"SS\":[\"x\",\"y\"]},\"ns\":{\"NS\":[\"1\",\"2.5\"]},"
    "\"l\":{\"L\":[{\"S\":\"a\"},{\"N\":\"2\"}]},"
    "\"m\":{\"M\":{\"x\":{\"N\":\"1\"}}},\"a.b\":{\"S\":\"dotted\"}}";

/* Evaluate a legacy condition map (JSON text) against item; asserts that
 * it translates. */
static bool
eval_legacy(bool expected, const char *map, const char *op,
    const cJSON *item)
{
	cJSON *m = cJSON_Parse(map);
	struct ddb_err err = { 0 };
	struct expr *e;
	bool res = false;

	cr_assert(m != NULL, "bad test JSON: %s", map);
	e = expected ? expr_from_expected(m, op, &err) :
	    expr_from_conditions(EXPR_FILTER, m, op, &err);
	cr_assert(e != NULL, "%s: %s", map, err.msg);
	cr_assert_eq(expr_eval(e, item, &res, &err), 0);
	expr_free(e);
	cJSON_Delete(m);
	return res;
}

/* The error a legacy map gives (asserts that it is refused). */
static void
expect_err(bool expected, enum expr_kind kind, const char *map,
    const char *op, enum ddb_errtype type, const char *msg)
{
	cJSON *m = cJSON_Parse(map);
	struct ddb_err err = { 0 };
	struct expr *e;

	cr_assert(m != NULL, "bad test JSON: %s", map);
	e = expected ? expr_from_expected(m, op, &err) :
	    expr_from_conditions(kind, m, op, &err);
	cr_expect(e == NULL, "%s was accepted", map);
	cr_expect_eq(err.type, type, "%s: type %d", map, err.type);
	cr_expect_str_eq(err.msg, msg, "%s", map);
	expr_free(e);
	cJSON_Delete(m);
}

struct truth { const char *cond; bool want; };

/* {"attr":{"ComparisonOperator":..,"AttributeValueList":[..]}} */
#define C(attr, op, avl) "{\"" attr "\":{\"ComparisonOperator\":\"" op \
	"\",\"AttributeValueList\":[" avl "]}}"
#define C0(attr, op) "{\"" attr "\":{\"ComparisonOperator\":\"" op "\"}}"
#define N_(x) "{\"N\":\"" x "\"}"
#define S_(x) "{\"S\":\"" x "\"}"
#define B_(x) "{\"B\":\"" x "\"}"

Test(expr_legacy, every_operator)
{
	static const struct truth t[] = {
		{ C("n", "EQ", N_("5")), true },
		{ C("n", "EQ", N_("5.00")), true },
		{ C("n", "EQ", N_("6")), false },
		{ C("n", "EQ", S_("5")), false },
		{ C("gone", "EQ", N_("5")), false },
		{ C("ss", "EQ", "{\"SS\":[\"y\",\"x\"]}"), true },
		{ C("ss", "EQ", "{\"SS\":[\"x\"]}"), false },
		{ C("a.b", "EQ", S_("dotted")), true },
		{ C("n", "NE", N_("6")), true },
		{ C("n", "NE", N_("5")), false },
		{ C("n", "NE", S_("5")), true },
		{ C("gone", "NE", N_("5")), false },
		{ C("n", "LE", N_("5")), true },
		{ C("n", "LE", N_("4.9")), false },
		{ C("n", "LT", N_("5")), false },
		{ C("n", "LT", N_("10")), true },
		{ C("n", "LT", S_("9")), false },
		{ C("n", "GE", N_("5")), true },
		{ C("n", "GE", N_("5.1")), false },
		{ C("n", "GT", N_("4")), true },
		{ C("n", "GT", N_("5")), false },
		{ C("s", "GT", S_("hell")), true },
		{ C("s", "LT", S_("help")), true },
		{ C("b", "GT", B_("AQI=")), true },
		{ C("gone", "GT", N_("0")), false },
		{ C0("n", "NOT_NULL"), true },
		{ C0("gone", "NOT_NULL"), false },
		{ C0("gone", "NULL"), true },
		{ C0("n", "NULL"), false },
		{ C("s", "CONTAINS", S_("ell")), true },
		{ C("s", "CONTAINS", S_("elo")), false },
		{ C("ss", "CONTAINS", S_("x")), true },
		{ C("ss", "CONTAINS", S_("z")), false },
		{ C("ns", "CONTAINS", N_("2.50")), true },
		{ C("ns", "CONTAINS", N_("2")), false },
		{ C("l", "CONTAINS", S_("a")), true },
		{ C("l", "CONTAINS", N_("2")), true },
		{ C("gone", "CONTAINS", S_("a")), false },
		{ C("s", "NOT_CONTAINS", S_("elo")), true },
		{ C("s", "NOT_CONTAINS", S_("ell")), false },
		{ C("ss", "NOT_CONTAINS", S_("z")), true },
		{ C("ss", "NOT_CONTAINS", S_("y")), false },
		{ C("gone", "NOT_CONTAINS", S_("a")), false },
		{ C("s", "BEGINS_WITH", S_("he")), true },
		{ C("s", "BEGINS_WITH", S_("el")), false },
		{ C("b", "BEGINS_WITH", B_("AQ==")), true },
		{ C("b", "BEGINS_WITH", B_("Ag==")), false },
		{ C("n", "BEGINS_WITH", S_("5")), false },
		{ C("gone", "BEGINS_WITH", S_("h")), false },
		{ C("n", "IN", N_("1") "," N_("5")), true },
		{ C("n", "IN", N_("1") "," N_("2")), false },
		{ C("n", "IN", S_("5")), false },
		{ C("s", "IN", N_("1") "," S_("hello")), true },
		{ C("gone", "IN", N_("5")), false },
		{ C("n", "BETWEEN", N_("1") "," N_("6")), true },
		{ C("n", "BETWEEN", N_("5") "," N_("5")), true },
		{ C("n", "BETWEEN", N_("6") "," N_("9")), false },
		{ C("n", "BETWEEN", S_("1") "," S_("9")), false },
		{ C("s", "BETWEEN", S_("a") "," S_("z")), true },
		{ C("gone", "BETWEEN", N_("1") "," N_("9")), false },
	};
	cJSON *item = cJSON_Parse(ITEM);
	size_t i;

	cr_assert(item != NULL);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		cr_expect_eq(eval_legacy(false, t[i].cond, NULL, item),
		    t[i].want, "filter %s", t[i].cond);
		/* The same operator form in Expected means the same. */
		cr_expect_eq(eval_legacy(true, t[i].cond, NULL, item),
		    t[i].want, "expected %s", t[i].cond);
	}
	cJSON_Delete(item);
}

/* IN with more values than one evaluator node holds (EXPR_IN_MAX). */
Test(expr_legacy, long_in_list)
{
	char *map = malloc(20000);
	cJSON *item = cJSON_Parse(ITEM);
	size_t len;
	int i;

	cr_assert(map != NULL && item != NULL);
	len = (size_t)sprintf(map, "{\"n\":{\"ComparisonOperator\":\"IN\","
	    "\"AttributeValueList\":[");
	for (i = 100; i < 350; i++)
		len += (size_t)sprintf(map + len, "{\"N\":\"%d\"},", i);
	strcpy(map + len, "{\"N\":\"5\"}]}}");
	cr_expect(eval_legacy(false, map, NULL, item));
	strcpy(map + len, "{\"N\":\"7\"}]}}");
	cr_expect(!eval_legacy(false, map, NULL, item));
	free(map);
	cJSON_Delete(item);
}

Test(expr_legacy, exists_and_value)
{
	static const struct truth t[] = {
		{ "{\"n\":{\"Value\":" N_("5") "}}", true },
		{ "{\"n\":{\"Value\":" N_("6") "}}", false },
		{ "{\"gone\":{\"Value\":" N_("5") "}}", false },
		{ "{\"n\":{\"Exists\":true,\"Value\":" N_("5") "}}", true },
		{ "{\"n\":{\"Exists\":true,\"Value\":" S_("5") "}}", false },
		{ "{\"gone\":{\"Exists\":true,\"Value\":" N_("5") "}}", false },
		{ "{\"gone\":{\"Exists\":false}}", true },
		{ "{\"n\":{\"Exists\":false}}", false },
		/* Value with ComparisonOperator: the operator's value. */
		{ "{\"n\":{\"ComparisonOperator\":\"GT\",\"Value\":" N_("4")
		    "}}", true },
		{ "{\"n\":{\"ComparisonOperator\":\"LT\",\"Value\":" N_("4")
		    "}}", false },
		{ "{\"n\":{\"Value\":" N_("5") "},\"s\":{\"Value\":"
		    S_("hello") "},\"gone\":{\"Exists\":false}}", true },
	};
	cJSON *item = cJSON_Parse(ITEM);
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		cr_expect_eq(eval_legacy(true, t[i].cond, NULL, item),
		    t[i].want, "%s", t[i].cond);
	/* No item yet (a put of a new key). */
	cr_expect(eval_legacy(true, "{\"id\":{\"Exists\":false}}", NULL,
	    NULL));
	cr_expect(!eval_legacy(true, "{\"id\":{\"Value\":" S_("u1") "}}",
	    NULL, NULL));
	cr_expect(!eval_legacy(true, C0("id", "NOT_NULL"), NULL, NULL));
	cr_expect(eval_legacy(true, C0("id", "NULL"), NULL, NULL));
	cJSON_Delete(item);
}

Test(expr_legacy, conditional_operator)
{
	static const char both[] = "{\"n\":{\"ComparisonOperator\":\"EQ\","
	    "\"AttributeValueList\":[" N_("6") "]},\"s\":{\"Value\":"
	    S_("hello") "}}";
	static const char none[] = "{\"n\":{\"Value\":" N_("6") "},\"s\":"
	    "{\"Value\":" S_("bye") "}}";
	cJSON *item = cJSON_Parse(ITEM);

	cr_expect(!eval_legacy(true, both, NULL, item));
	cr_expect(!eval_legacy(true, both, "AND", item));
	cr_expect(eval_legacy(true, both, "OR", item));
	cr_expect(!eval_legacy(true, none, "OR", item));
	cr_expect(!eval_legacy(false, C("n", "EQ", N_("6")), "OR", item));
	cr_expect(eval_legacy(false, "{\"n\":{\"ComparisonOperator\":"
	    "\"NULL\"},\"s\":{\"ComparisonOperator\":\"BEGINS_WITH\","
	    "\"AttributeValueList\":[" S_("h") "]}}", "OR", item));
	cr_expect(!eval_legacy(false, "{\"n\":{\"ComparisonOperator\":"
	    "\"NULL\"},\"s\":{\"ComparisonOperator\":\"BEGINS_WITH\","
	    "\"AttributeValueList\":[" S_("h") "]}}", "AND", item));
	expect_err(true, EXPR_CONDITION, both, "XOR", DDB_VALIDATION,
	    "1 validation error detected: Value 'XOR' at "
	    "'conditionalOperator' failed to satisfy constraint: Member must "
	    "satisfy enum value set: [OR, AND]");
	/* KeyConditions are always ANDed: OR does not apply to them. */
	cJSON_Delete(item);
}

#define INV "One or more parameter values were invalid: "

struct bad { const char *cond; const char *msg; };

Test(expr_legacy, arity_and_types)
{
	static const struct bad t[] = {
		{ C("n", "EQ", ""), INV "Invalid number of argument(s) for the "
		    "EQ ComparisonOperator" },
		{ C("n", "NE", N_("1") "," N_("2")), INV "Invalid number of "
		    "argument(s) for the NE ComparisonOperator" },
		{ C("n", "NULL", N_("1")), INV "Invalid number of argument(s) "
		    "for the NULL ComparisonOperator" },
		{ C("n", "NOT_NULL", N_("1")), INV "Invalid number of "
		    "argument(s) for the NOT_NULL ComparisonOperator" },
		{ C("n", "BETWEEN", N_("1")), INV "Invalid number of "
		    "argument(s) for the BETWEEN ComparisonOperator" },
		{ C("n", "IN", ""), INV "Invalid number of argument(s) for the "
		    "IN ComparisonOperator" },
		{ C0("n", "LT"), INV "Invalid number of argument(s) for the "
		    "LT ComparisonOperator" },
		{ C("n", "LT", "{\"SS\":[\"a\"]}"), INV "ComparisonOperator LT "
		    "is not valid for SS AttributeValue type" },
		{ C("n", "GE", "{\"BOOL\":true}"), INV "ComparisonOperator GE "
		    "is not valid for BOOL AttributeValue type" },
		{ C("n", "CONTAINS", "{\"L\":[]}"), INV "ComparisonOperator "
		    "CONTAINS is not valid for L AttributeValue type" },
		{ C("n", "NOT_CONTAINS", "{\"NS\":[\"1\"]}"), INV
		    "ComparisonOperator NOT_CONTAINS is not valid for NS "
		    "AttributeValue type" },
		{ C("n", "BEGINS_WITH", N_("1")), INV "ComparisonOperator "
		    "BEGINS_WITH is not valid for N AttributeValue type" },
		{ C("n", "IN", N_("1") ",{\"M\":{}}"), INV "ComparisonOperator "
		    "IN is not valid for M AttributeValue type" },
		{ C("n", "BETWEEN", N_("1") "," S_("2")), INV "AttributeValues "
		    "inside AttributeValueList must be of same type" },
		{ C("n", "BETWEEN", N_("9") "," N_("1")), "The BETWEEN "
		    "condition was provided a range where the lower bound is "
		    "greater than the upper bound" },
		{ C("n", "LIKE", N_("1")), "1 validation error detected: Value "
		    "'LIKE' at 'queryFilter.n.member.comparisonOperator' failed "
		    "to satisfy constraint: Member must satisfy enum value set: "
		    "[IN, NULL, BETWEEN, LT, NOT_CONTAINS, EQ, GT, NOT_NULL, NE, "
		    "LE, BEGINS_WITH, GE, CONTAINS]" },
		{ "{\"n\":{\"AttributeValueList\":[" N_("1") "]}}",
		    "1 validation error detected: Value null at "
		    "'queryFilter.n.member.comparisonOperator' failed to satisfy "
		    "constraint: Member must not be null" },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		expect_err(false, EXPR_FILTER, t[i].cond, NULL, DDB_VALIDATION,
		    t[i].msg);
	/* Malformed AttributeValues are refused as in expressions. */
	expect_err(false, EXPR_FILTER, C("n", "EQ", "{\"N\":\"x1\"}"), NULL,
	    DDB_VALIDATION, "The parameter cannot be converted to a numeric "
	    "value: x1");
	expect_err(false, EXPR_FILTER, "{\"n\":{\"ComparisonOperator\":"
	    "\"EQ\",\"AttributeValueList\":{}}}", NULL, DDB_SERIALIZATION,
	    "Start of list expected");
}

Test(expr_legacy, expected_errors)
{
	static const struct bad t[] = {
		{ "{\"a\":{\"Exists\":true}}", INV "Value must be provided when "
		    "Exists is true for Attribute: a" },
		{ "{\"a\":{}}", INV "Value must be provided when Exists is null "
		    "for Attribute: a" },
		{ "{\"a\":{\"Exists\":false,\"Value\":" S_("x") "}}", INV
		    "Value cannot be used when Exists is false for Attribute: "
		    "a" },
		{ "{\"a\":{\"Value\":" S_("x") ",\"ComparisonOperator\":\"EQ\","
		    "\"AttributeValueList\":[" S_("x") "]}}", INV "Value and "
		    "AttributeValueList cannot be used together for Attribute: "
		    "a" },
		{ "{\"a\":{\"Exists\":true,\"AttributeValueList\":[" S_("x")
		    "]}}", INV "AttributeValueList can only be used with a "
		    "ComparisonOperator for Attribute: a" },
		{ "{\"a\":{\"Exists\":true,\"ComparisonOperator\":\"EQ\","
		    "\"AttributeValueList\":[" S_("x") "]}}", INV "Exists and "
		    "ComparisonOperator cannot be used together for Attribute: "
		    "a" },
		{ C0("a", "EQ"), INV "Value or AttributeValueList must be used "
		    "with ComparisonOperator: EQ for Attribute: a" },
		{ C("a", "BETWEEN", S_("x")), INV "Invalid number of "
		    "argument(s) for the BETWEEN ComparisonOperator" },
		{ C("a", "NOPE", S_("x")), "1 validation error detected: Value "
		    "'NOPE' at 'expected.a.member.comparisonOperator' failed to "
		    "satisfy constraint: Member must satisfy enum value set: "
		    "[IN, NULL, BETWEEN, LT, NOT_CONTAINS, EQ, GT, NOT_NULL, NE, "
		    "LE, BEGINS_WITH, GE, CONTAINS]" },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		expect_err(true, EXPR_CONDITION, t[i].cond, NULL,
		    DDB_VALIDATION, t[i].msg);
	expect_err(true, EXPR_CONDITION, "{\"a\":{\"Exists\":\"yes\"}}", NULL,
	    DDB_SERIALIZATION, "Unexpected token received from parser");
	expect_err(true, EXPR_CONDITION, "[]", NULL, DDB_SERIALIZATION,
	    "Start of structure or map expected");
}

/* ---- AttributesToGet ---- */

static cJSON *
project(const char *names, struct ddb_err *err)
{
	cJSON *n = cJSON_Parse(names), *item = cJSON_Parse(ITEM), *out = NULL;
	struct expr *e;

	cr_assert(n != NULL && item != NULL);
	e = expr_from_attributes_to_get(n, err);
	if (e != NULL) {
		cr_expect_eq(e->kind, EXPR_PROJECTION);
		out = expr_project(e, item);
	}
	expr_free(e);
	cJSON_Delete(n);
	cJSON_Delete(item);
	return out;
}

Test(expr_legacy, attributes_to_get)
{
	static const struct { const char *names, *want; } t[] = {
		{ "[\"n\"]", "{\"n\":{\"N\":\"5\"}}" },
		{ "[\"s\",\"n\",\"gone\"]",
		    "{\"s\":{\"S\":\"hello\"},\"n\":{\"N\":\"5\"}}" },
		/* Names are literal: a dot is part of the name. */
		{ "[\"a.b\"]", "{\"a.b\":{\"S\":\"dotted\"}}" },
		{ "[\"m.x\"]", "{}" },
		{ "[\"m\"]", "{\"m\":{\"M\":{\"x\":{\"N\":\"1\"}}}}" },
	};
	struct ddb_err err = { 0 };
	cJSON *got, *want;
	char *txt;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		got = project(t[i].names, &err);
		cr_assert(got != NULL, "%s: %s", t[i].names, err.msg);
		want = cJSON_Parse(t[i].want);
		txt = cJSON_PrintUnformatted(got);
		cr_expect(cJSON_Compare(got, want, 1), "%s gave %s",
		    t[i].names, txt);
		free(txt);
		cJSON_Delete(got);
		cJSON_Delete(want);
	}
	cr_expect(project("[]", &err) == NULL);
	cr_expect_str_eq(err.msg, "1 validation error detected: Value '[]' at "
	    "'attributesToGet' failed to satisfy constraint: Member must have "
	    "length greater than or equal to 1");
	cr_expect(project("[\"n\",\"s\",\"n\"]", &err) == NULL);
	cr_expect_str_eq(err.msg, INV "Duplicate value in attribute name: n");
	cr_expect(project("[\"n\",5]", &err) == NULL);
	cr_expect_eq(err.type, DDB_SERIALIZATION);
	cr_expect(project("{}", &err) == NULL);
	cr_expect_str_eq(err.msg, "Start of list expected");
}

/* ---- KeyConditions ---- */

struct keyc {
	const char *conds;
	const char *range;
	int rc;
	enum key_op op;
	const char *msg;
};

#define PK_A "\"pk\":{\"ComparisonOperator\":\"EQ\",\"AttributeValueList\":" \
	"[" S_("A") "]}"

Test(expr_legacy, key_conditions)
{
	static const struct keyc t[] = {
		{ "{" PK_A "}", "sk", 0, KEY_NONE, NULL },
		{ "{" PK_A ",\"sk\":{\"ComparisonOperator\":\"EQ\","
		    "\"AttributeValueList\":[" S_("X") "]}}", "sk", 0, KEY_EQ,
		    NULL },
		{ "{\"sk\":{\"ComparisonOperator\":\"LT\",\"AttributeValueList\":"
		    "[" S_("X") "]}," PK_A "}", "sk", 0, KEY_LT, NULL },
		{ "{" PK_A ",\"sk\":{\"ComparisonOperator\":\"LE\","
		    "\"AttributeValueList\":[" S_("X") "]}}", "sk", 0, KEY_LE,
		    NULL },
		{ "{" PK_A ",\"sk\":{\"ComparisonOperator\":\"GT\","
		    "\"AttributeValueList\":[" S_("X") "]}}", "sk", 0, KEY_GT,
		    NULL },
		{ "{" PK_A ",\"sk\":{\"ComparisonOperator\":\"GE\","
		    "\"AttributeValueList\":[" S_("X") "]}}", "sk", 0, KEY_GE,
		    NULL },
		{ "{" PK_A ",\"sk\":{\"ComparisonOperator\":\"BETWEEN\","
		    "\"AttributeValueList\":[" S_("X") "," S_("Y") "]}}", "sk", 0,
		    KEY_BETWEEN, NULL },
		{ "{" PK_A ",\"sk\":{\"ComparisonOperator\":\"BEGINS_WITH\","
		    "\"AttributeValueList\":[" S_("X") "]}}", "sk", 0,
		    KEY_BEGINS_WITH, NULL },
		{ "{\"sk\":{\"ComparisonOperator\":\"EQ\",\"AttributeValueList\":"
		    "[" S_("X") "]}}", "sk", -1, KEY_NONE,
		    "Query condition missed key schema element: pk" },
		{ "{\"pk\":{\"ComparisonOperator\":\"GT\",\"AttributeValueList\":"
		    "[" S_("A") "]}}", "sk", -1, KEY_NONE,
		    "Query condition missed key schema element: pk" },
		{ "{" PK_A ",\"zz\":{\"ComparisonOperator\":\"EQ\","
		    "\"AttributeValueList\":[" S_("X") "]}}", "sk", -1, KEY_NONE,
		    "Query key condition not supported" },
		{ "{" PK_A ",\"sk\":{\"ComparisonOperator\":\"EQ\","
		    "\"AttributeValueList\":[" S_("X") "]}}", NULL, -1, KEY_NONE,
		    "Query key condition not supported" },
	};
	struct ddb_err err = { 0 };
	struct key_cond kc;
	struct expr *e;
	cJSON *m;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		m = cJSON_Parse(t[i].conds);
		cr_assert(m != NULL, "bad test JSON %s", t[i].conds);
		/* ConditionalOperator OR is ignored for the key's conditions. */
		e = expr_from_conditions(EXPR_KEY_CONDITION, m, "OR", &err);
		cr_assert(e != NULL, "%s: %s", t[i].conds, err.msg);
		cr_expect_eq(expr_key_split(e, "pk", t[i].range, &kc, &err),
		    t[i].rc, "%s", t[i].conds);
		if (t[i].rc == 0) {
			cr_expect_eq(kc.op, t[i].op, "%s", t[i].conds);
			cr_expect_str_eq(kc.hash_name, "pk");
			cr_expect_str_eq(ddb_val_inner(kc.hash_val)->valuestring,
			    "A");
			if (kc.op != KEY_NONE) {
				cr_expect_str_eq(kc.range_name, "sk");
				cr_expect_str_eq(ddb_val_inner(kc.v1)->valuestring,
				    "X");
			}
			if (kc.op == KEY_BETWEEN)
				cr_expect_str_eq(ddb_val_inner(kc.v2)->valuestring,
				    "Y");
		} else {
			cr_expect_str_eq(err.msg, t[i].msg, "%s", t[i].conds);
		}
		expr_free(e);
		cJSON_Delete(m);
	}
	/* Operators an index cannot serve are refused at translation. */
	expect_err(false, EXPR_KEY_CONDITION, C("pk", "NE", S_("A")), NULL,
	    DDB_VALIDATION, "Attempted conditional constraint is not an "
	    "indexable operation");
	expect_err(false, EXPR_KEY_CONDITION, C("pk", "IN", S_("A")), NULL,
	    DDB_VALIDATION, "Attempted conditional constraint is not an "
	    "indexable operation");
	expect_err(false, EXPR_KEY_CONDITION, C0("pk", "NOT_NULL"), NULL,
	    DDB_VALIDATION, "Attempted conditional constraint is not an "
	    "indexable operation");
	expect_err(false, EXPR_KEY_CONDITION, C("pk", "XX", S_("A")), NULL,
	    DDB_VALIDATION, "1 validation error detected: Value 'XX' at "
	    "'keyConditions.pk.member.comparisonOperator' failed to satisfy "
	    "constraint: Member must satisfy enum value set: [IN, NULL, "
	    "BETWEEN, LT, NOT_CONTAINS, EQ, GT, NOT_NULL, NE, LE, BEGINS_WITH, "
	    "GE, CONTAINS]");
}

/* ---- AttributeUpdates (translation only; applying is expr_update's) ---- */

Test(expr_legacy, attribute_updates_shape)
{
	cJSON *u = cJSON_Parse("{\"p\":{\"Action\":\"PUT\",\"Value\":"
	    N_("01.50") "},\"q\":{\"Value\":" S_("v") "},"
	    "\"a\":{\"Action\":\"ADD\",\"Value\":{\"L\":[" S_("x") "]}},"
	    "\"d\":{\"Action\":\"DELETE\",\"Value\":{\"SS\":[\"x\"]}},"
	    "\"r\":{\"Action\":\"DELETE\"}}");
	static const enum act_kind want[] = { ACT_SET, ACT_SET, ACT_ADD,
		ACT_DELETE, ACT_REMOVE };
	static const char *const names[] = { "p", "q", "a", "d", "r" };
	struct ddb_err err = { 0 };
	struct expr *e;
	size_t i;

	cr_assert(u != NULL);
	e = expr_from_attribute_updates(u, &err);
	cr_assert(e != NULL, "%s", err.msg);
	cr_expect_eq(e->kind, EXPR_UPDATE);
	cr_assert_eq(e->nacts, 5);
	for (i = 0; i < 5; i++) {
		cr_expect_eq(e->acts[i].kind, want[i], "action %zu", i);
		cr_expect_eq(e->acts[i].path.n, 1);
		cr_expect_str_eq(e->acts[i].path.el[0].name, names[i]);
		cr_expect_eq(e->acts[i].val == NULL, want[i] == ACT_REMOVE);
	}
	/* Values are copied and made canonical; ADD is the legacy one. */
	cr_expect_str_eq(ddb_val_inner(e->acts[0].val->val)->valuestring,
	    "1.5");
	cr_expect(e->acts[2].legacy);
	cr_expect(!e->acts[0].legacy);
	expr_free(e);
	cJSON_Delete(u);
}

Test(expr_legacy, attribute_updates_errors)
{
	static const struct bad t[] = {
		{ "{\"a\":{\"Action\":\"PUT\"}}", INV "Only DELETE action is "
		    "allowed when no attribute value is specified" },
		{ "{\"a\":{\"Action\":\"ADD\",\"Value\":" S_("x") "}}", INV
		    "ADD action is not supported for the type S" },
		{ "{\"a\":{\"Action\":\"DELETE\",\"Value\":" N_("1") "}}", INV
		    "DELETE action with value is not supported for the type N" },
		{ "{\"a\":{\"Action\":\"SET\",\"Value\":" N_("1") "}}",
		    "1 validation error detected: Value 'SET' at "
		    "'attributeUpdates.a.member.action' failed to satisfy "
		    "constraint: Member must satisfy enum value set: [ADD, PUT, "
		    "DELETE]" },
		/* fuzz_expr: the update stored an item with an empty name. */
		{ "{\"\":{\"Action\":\"PUT\",\"Value\":" N_("1") "}}", INV
		    "Empty attribute name" },
	};
	struct ddb_err err = { 0 };
	struct expr *e;
	cJSON *u;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		u = cJSON_Parse(t[i].cond);
		cr_assert(u != NULL);
		e = expr_from_attribute_updates(u, &err);
		cr_expect(e == NULL, "%s accepted", t[i].cond);
		cr_expect_str_eq(err.msg, t[i].msg, "%s", t[i].cond);
		expr_free(e);
		cJSON_Delete(u);
	}
}
