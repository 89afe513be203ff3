/*
 * Unit tests for gateway/tables/expr_update.c: each update action (SET
 * with + / -, if_not_exists, list_append; REMOVE; ADD on numbers and
 * sets; DELETE from sets), nested paths, the order rule (everything
 * computed against the item as it was, list elements removed highest
 * first), every error with DynamoDB's wording, the targets and the
 * UPDATED_* projection.  Items and values are written as JSON text;
 * results are compared as JSON trees (member order ignored).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "tables/expr_int.h"
#include "tables/value.h"

static cJSON *
json(const char *s)
{
	cJSON *j = cJSON_Parse(s);

	cr_assert(j != NULL, "bad test JSON: %s", s);
	return j;
}

/* Parse text with values vals (JSON or NULL) and names (JSON or NULL),
 * apply it to item; rc of expr_update, the item changed in place. */
static int
apply(cJSON *item, const char *text, const char *vals, const char *names,
    struct ddb_err *err)
{
	cJSON *v = vals ? json(vals) : NULL, *n = names ? json(names) : NULL;
	struct expr_ctx ctx;
	struct expr *e;
	int rc;

	cr_assert_eq(expr_ctx_init(&ctx, n, v, err), 0, "%s", err->msg);
	e = expr_parse(EXPR_UPDATE, text, &ctx, err);
	cr_assert(e != NULL, "%s: %s", text, err->msg);
	rc = expr_update(e, item, err);
	expr_free(e);
	expr_ctx_free(&ctx);
	cJSON_Delete(v);
	cJSON_Delete(n);
	return rc;
}

/* Apply and expect the item to become want. */
static void
expect_update(const char *item, const char *text, const char *vals,
    const char *want)
{
	struct ddb_err err = { 0 };
	cJSON *it = json(item), *w = json(want);
	char *got;

	cr_expect_eq(apply(it, text, vals, NULL, &err), 0, "%s: %s", text,
	    err.msg);
	got = cJSON_PrintUnformatted(it);
	cr_expect(cJSON_Compare(it, w, true), "%s on %s: got %s, want %s",
	    text, item, got, want);
	free(got);
	cJSON_Delete(it);
	cJSON_Delete(w);
}

/* Apply and expect a ValidationException with message msg. */
static void
expect_fail(const char *item, const char *text, const char *vals,
    const char *msg)
{
	struct ddb_err err = { 0 };
	cJSON *it = json(item);

	cr_expect_eq(apply(it, text, vals, NULL, &err), -1, "%s on %s "
	    "succeeded", text, item);
	cr_expect_eq(err.type, DDB_VALIDATION, "%s", text);
	cr_expect_str_eq(err.msg, msg, "%s on %s", text, item);
	cJSON_Delete(it);
}

#define NO_ATTR "The provided expression refers to an attribute that " \
	"does not exist in the item"
#define BAD_TYPE "An operand in the update expression has an incorrect " \
	"data type"
#define BAD_PATH "The document path provided in the update expression " \
	"is invalid for update"

/* ---- SET ------------------------------------------------------------------ */

Test(update_set, creates_and_overwrites)
{
	expect_update("{}", "SET a = :v", "{\":v\":{\"S\":\"x\"}}",
	    "{\"a\":{\"S\":\"x\"}}");
	expect_update("{\"a\":{\"N\":\"1\"}}", "SET a = :v",
	    "{\":v\":{\"S\":\"x\"}}", "{\"a\":{\"S\":\"x\"}}");
	expect_update("{\"a\":{\"N\":\"1\"}}", "SET b = a",
	    NULL, "{\"a\":{\"N\":\"1\"},\"b\":{\"N\":\"1\"}}");
}

Test(update_set, placeholder_name)
{
	struct ddb_err err = { 0 };
	cJSON *it = json("{}"), *w = json("{\"status\":{\"N\":\"2\"}}");

	cr_assert_eq(apply(it, "SET #s = :v", "{\":v\":{\"N\":\"2\"}}",
	    "{\"#s\":\"status\"}", &err), 0, "%s", err.msg);
	cr_expect(cJSON_Compare(it, w, true));
	cJSON_Delete(it);
	cJSON_Delete(w);
}

Test(update_set, plus_minus_exact)
{
	expect_update("{\"n\":{\"N\":\"10\"}}", "SET n = n + :d",
	    "{\":d\":{\"N\":\"0.1\"}}", "{\"n\":{\"N\":\"10.1\"}}");
	expect_update("{\"n\":{\"N\":\"10\"}}", "SET n = n - :d",
	    "{\":d\":{\"N\":\"12.5\"}}", "{\"n\":{\"N\":\"-2.5\"}}");
	expect_update("{\"n\":{\"N\":\"1\"}}", "SET m = :a + n",
	    "{\":a\":{\"N\":\"99999999999999999999999999999999999999\"}}",
	    "{\"n\":{\"N\":\"1\"},\"m\":{\"N\":"
	    "\"100000000000000000000000000000000000000\"}}");
	expect_update("{}", "SET n = :a - :b",
	    "{\":a\":{\"N\":\"0.3\"},\":b\":{\"N\":\"0.1\"}}",
	    "{\"n\":{\"N\":\"0.2\"}}");
}

Test(update_set, if_not_exists)
{
	expect_update("{}", "SET c = if_not_exists(c, :z)",
	    "{\":z\":{\"N\":\"0\"}}", "{\"c\":{\"N\":\"0\"}}");
	expect_update("{\"c\":{\"N\":\"7\"}}", "SET c = if_not_exists(c, :z)",
	    "{\":z\":{\"N\":\"0\"}}", "{\"c\":{\"N\":\"7\"}}");
	/* The usual counter: absent counts as the default, then + 1. */
	expect_update("{}", "SET c = if_not_exists(c, :z) + :one",
	    "{\":z\":{\"N\":\"0\"},\":one\":{\"N\":\"1\"}}",
	    "{\"c\":{\"N\":\"1\"}}");
	expect_update("{\"c\":{\"N\":\"4\"}}",
	    "SET c = if_not_exists(c, :z) + :one",
	    "{\":z\":{\"N\":\"0\"},\":one\":{\"N\":\"1\"}}",
	    "{\"c\":{\"N\":\"5\"}}");
}

Test(update_set, list_append)
{
	expect_update("{\"l\":{\"L\":[{\"N\":\"1\"}]}}",
	    "SET l = list_append(l, :t)",
	    "{\":t\":{\"L\":[{\"N\":\"2\"},{\"S\":\"x\"}]}}",
	    "{\"l\":{\"L\":[{\"N\":\"1\"},{\"N\":\"2\"},{\"S\":\"x\"}]}}");
	expect_update("{\"l\":{\"L\":[{\"N\":\"1\"}]}}",
	    "SET l = list_append(:h, l)",
	    "{\":h\":{\"L\":[{\"N\":\"0\"}]}}",
	    "{\"l\":{\"L\":[{\"N\":\"0\"},{\"N\":\"1\"}]}}");
	expect_update("{}",
	    "SET l = list_append(if_not_exists(l, :e), :t)",
	    "{\":e\":{\"L\":[]},\":t\":{\"L\":[{\"N\":\"9\"}]}}",
	    "{\"l\":{\"L\":[{\"N\":\"9\"}]}}");
}

Test(update_set, nested_paths)
{
	expect_update("{\"m\":{\"M\":{\"a\":{\"N\":\"1\"}}}}",
	    "SET m.b = :v, m.a = m.a + :v", "{\":v\":{\"N\":\"2\"}}",
	    "{\"m\":{\"M\":{\"a\":{\"N\":\"3\"},\"b\":{\"N\":\"2\"}}}}");
	expect_update("{\"l\":{\"L\":[{\"N\":\"1\"},{\"M\":{}}]}}",
	    "SET l[0] = :v, l[1].x = :v", "{\":v\":{\"S\":\"s\"}}",
	    "{\"l\":{\"L\":[{\"S\":\"s\"},{\"M\":{\"x\":{\"S\":\"s\"}}}]}}");
	/* Past the end appends, several in index order. */
	expect_update("{\"l\":{\"L\":[{\"N\":\"1\"}]}}",
	    "SET l[9] = :b, l[5] = :a",
	    "{\":a\":{\"S\":\"a\"},\":b\":{\"S\":\"b\"}}",
	    "{\"l\":{\"L\":[{\"N\":\"1\"},{\"S\":\"a\"},{\"S\":\"b\"}]}}");
}

/* ---- REMOVE --------------------------------------------------------------- */

Test(update_remove, attributes_and_members)
{
	expect_update("{\"a\":{\"N\":\"1\"},\"b\":{\"N\":\"2\"}}",
	    "REMOVE a, zz", NULL, "{\"b\":{\"N\":\"2\"}}");
	expect_update("{\"m\":{\"M\":{\"a\":{\"N\":\"1\"},\"b\":{\"N\":\"2\"}}}}",
	    "REMOVE m.a, m.nope", NULL, "{\"m\":{\"M\":{\"b\":{\"N\":\"2\"}}}}");
	expect_update("{\"l\":{\"L\":[{\"N\":\"1\"}]}}", "REMOVE l[5]", NULL,
	    "{\"l\":{\"L\":[{\"N\":\"1\"}]}}");
}

Test(update_remove, list_elements_highest_first)
{
	/* [1] and [3] of the original, not [1] then [3] of the shifted. */
	expect_update("{\"l\":{\"L\":[{\"N\":\"0\"},{\"N\":\"1\"},"
	    "{\"N\":\"2\"},{\"N\":\"3\"},{\"N\":\"4\"}]}}",
	    "REMOVE l[1], l[3]", NULL,
	    "{\"l\":{\"L\":[{\"N\":\"0\"},{\"N\":\"2\"},{\"N\":\"4\"}]}}");
	expect_update("{\"l\":{\"L\":[{\"N\":\"0\"},{\"N\":\"1\"},"
	    "{\"N\":\"2\"}]}}", "REMOVE l[0] SET l[2] = :v",
	    "{\":v\":{\"S\":\"x\"}}",
	    "{\"l\":{\"L\":[{\"N\":\"1\"},{\"S\":\"x\"}]}}");
}

/* ---- ADD and DELETE ------------------------------------------------------- */

Test(update_add, numbers)
{
	expect_update("{\"n\":{\"N\":\"5\"}}", "ADD n :d",
	    "{\":d\":{\"N\":\"-7\"}}", "{\"n\":{\"N\":\"-2\"}}");
	expect_update("{}", "ADD n :d", "{\":d\":{\"N\":\"3\"}}",
	    "{\"n\":{\"N\":\"3\"}}");
}

Test(update_add, sets)
{
	expect_update("{\"s\":{\"SS\":[\"a\",\"b\"]}}", "ADD s :t",
	    "{\":t\":{\"SS\":[\"b\",\"c\"]}}",
	    "{\"s\":{\"SS\":[\"a\",\"b\",\"c\"]}}");
	expect_update("{\"s\":{\"NS\":[\"1\"]}}", "ADD s :t",
	    "{\":t\":{\"NS\":[\"1.0\",\"2\"]}}",
	    "{\"s\":{\"NS\":[\"1\",\"2\"]}}");
	expect_update("{}", "ADD s :t", "{\":t\":{\"BS\":[\"AQI=\"]}}",
	    "{\"s\":{\"BS\":[\"AQI=\"]}}");
}

Test(update_delete, sets)
{
	expect_update("{\"s\":{\"SS\":[\"a\",\"b\",\"c\"]}}", "DELETE s :t",
	    "{\":t\":{\"SS\":[\"b\",\"z\"]}}", "{\"s\":{\"SS\":[\"a\",\"c\"]}}");
	expect_update("{\"s\":{\"NS\":[\"1\",\"2\"]},\"k\":{\"S\":\"x\"}}",
	    "DELETE s :t", "{\":t\":{\"NS\":[\"1\",\"2\"]}}",
	    "{\"k\":{\"S\":\"x\"}}");
	expect_update("{}", "DELETE s :t", "{\":t\":{\"SS\":[\"a\"]}}", "{}");
}

/* ---- the order rule ------------------------------------------------------- */

Test(update_order, against_the_original_item)
{
	/* b gets a's old value although a is overwritten in the same SET. */
	expect_update("{\"a\":{\"N\":\"1\"}}", "SET a = :v, b = a",
	    "{\":v\":{\"N\":\"2\"}}",
	    "{\"a\":{\"N\":\"2\"},\"b\":{\"N\":\"1\"}}");
	/* A removed attribute still reads as it was. */
	expect_update("{\"a\":{\"N\":\"1\"}}", "REMOVE a SET b = a + a", NULL,
	    "{\"b\":{\"N\":\"2\"}}");
	/* Swap. */
	expect_update("{\"a\":{\"S\":\"x\"},\"b\":{\"S\":\"y\"}}",
	    "SET a = b, b = a", NULL,
	    "{\"a\":{\"S\":\"y\"},\"b\":{\"S\":\"x\"}}");
}

/* ---- errors --------------------------------------------------------------- */

Test(update_errors, missing_attribute)
{
	expect_fail("{}", "SET a = b", NULL, NO_ATTR);
	expect_fail("{}", "SET a = b + :v", "{\":v\":{\"N\":\"1\"}}", NO_ATTR);
	expect_fail("{\"m\":{\"M\":{}}}", "SET a = m.x", NULL, NO_ATTR);
	expect_fail("{}", "SET a = list_append(l, :v)",
	    "{\":v\":{\"L\":[]}}", NO_ATTR);
}

Test(update_errors, wrong_types)
{
	expect_fail("{\"a\":{\"S\":\"x\"}}", "SET a = a + :v",
	    "{\":v\":{\"N\":\"1\"}}", BAD_TYPE);
	expect_fail("{\"a\":{\"N\":\"1\"}}", "SET a = a - :v",
	    "{\":v\":{\"S\":\"1\"}}", BAD_TYPE);
	expect_fail("{\"a\":{\"N\":\"1\"}}", "SET a = list_append(a, :v)",
	    "{\":v\":{\"L\":[]}}", BAD_TYPE);
	expect_fail("{\"n\":{\"S\":\"x\"}}", "ADD n :v",
	    "{\":v\":{\"N\":\"1\"}}", BAD_TYPE);
	expect_fail("{\"s\":{\"SS\":[\"a\"]}}", "ADD s :v",
	    "{\":v\":{\"NS\":[\"1\"]}}", BAD_TYPE);
	expect_fail("{\"s\":{\"N\":\"1\"}}", "ADD s :v",
	    "{\":v\":{\"NS\":[\"1\"]}}", BAD_TYPE);
	expect_fail("{\"s\":{\"SS\":[\"a\"]}}", "DELETE s :v",
	    "{\":v\":{\"BS\":[\"AQI=\"]}}", BAD_TYPE);
	expect_fail("{\"s\":{\"L\":[]}}", "DELETE s :v",
	    "{\":v\":{\"SS\":[\"a\"]}}", BAD_TYPE);
}

Test(update_errors, operand_types_of_add_and_delete)
{
	expect_fail("{}", "ADD a :v", "{\":v\":{\"S\":\"x\"}}",
	    "Invalid UpdateExpression: Incorrect operand type for operator "
	    "or function; operator: ADD, operand type: STRING");
	expect_fail("{}", "ADD a :v", "{\":v\":{\"L\":[]}}",
	    "Invalid UpdateExpression: Incorrect operand type for operator "
	    "or function; operator: ADD, operand type: LIST");
	expect_fail("{}", "DELETE a :v", "{\":v\":{\"N\":\"1\"}}",
	    "Invalid UpdateExpression: Incorrect operand type for operator "
	    "or function; operator: DELETE, operand type: NUMBER");
}

Test(update_errors, invalid_paths)
{
	expect_fail("{}", "SET m.a = :v", "{\":v\":{\"N\":\"1\"}}", BAD_PATH);
	expect_fail("{\"m\":{\"S\":\"x\"}}", "SET m.a = :v",
	    "{\":v\":{\"N\":\"1\"}}", BAD_PATH);
	expect_fail("{\"m\":{\"M\":{}}}", "SET m[0] = :v",
	    "{\":v\":{\"N\":\"1\"}}", BAD_PATH);
	expect_fail("{\"l\":{\"L\":[]}}", "SET l.a = :v",
	    "{\":v\":{\"N\":\"1\"}}", BAD_PATH);
	expect_fail("{}", "REMOVE m.a", NULL, BAD_PATH);
	expect_fail("{\"l\":{\"L\":[]}}", "REMOVE l[0].x", NULL, BAD_PATH);
	expect_fail("{}", "ADD m.n :v", "{\":v\":{\"N\":\"1\"}}", BAD_PATH);
}

Test(update_errors, number_limits)
{
	expect_fail("{\"n\":{\"N\":\"9.9999999999999999999999999999999999999E+125\"}}",
	    "SET n = n + :v",
	    "{\":v\":{\"N\":\"9.9999999999999999999999999999999999999E+125\"}}",
	    "Number overflow. Attempting to store a number with magnitude "
	    "larger than supported range");
	expect_fail("{\"n\":{\"N\":\"1E+30\"}}", "ADD n :v",
	    "{\":v\":{\"N\":\"1E-30\"}}", "Attempting to store more than 38 "
	    "significant digits in a Number");
}

/* ---- targets and projection ----------------------------------------------- */

static struct expr *
parse(const char *text, struct expr_ctx *ctx, cJSON *vals)
{
	struct ddb_err err = { 0 };
	struct expr *e;

	cr_assert_eq(expr_ctx_init(ctx, NULL, vals, &err), 0, "%s", err.msg);
	e = expr_parse(EXPR_UPDATE, text, ctx, &err);
	cr_assert(e != NULL, "%s: %s", text, err.msg);
	return e;
}

Test(update_targets, top_level_names_once)
{
	cJSON *v = json("{\":v\":{\"N\":\"1\"},\":s\":{\"SS\":[\"a\"]}}");
	struct expr_ctx ctx;
	struct expr *e = parse("SET a = :v, m.x = :v, m.y = :v REMOVE b "
	    "ADD c :v DELETE d :s", &ctx, v);
	const char *names[8], *two[2];

	cr_assert_eq(expr_update_targets(e, names, 8), 5);
	cr_expect_str_eq(names[0], "a");
	cr_expect_str_eq(names[1], "m");
	cr_expect_str_eq(names[2], "b");
	cr_expect_str_eq(names[3], "c");
	cr_expect_str_eq(names[4], "d");
	/* A short array is filled as far as it goes; the count is whole. */
	cr_expect_eq(expr_update_targets(e, two, 2), 5);
	cr_expect_str_eq(two[1], "m");
	expr_free(e);
	expr_ctx_free(&ctx);
	cJSON_Delete(v);
}

Test(update_project, only_the_update_paths)
{
	cJSON *v = json("{\":v\":{\"N\":\"1\"}}");
	cJSON *item = json("{\"k\":{\"S\":\"key\"},\"a\":{\"N\":\"5\"},"
	    "\"m\":{\"M\":{\"x\":{\"N\":\"1\"},\"y\":{\"N\":\"2\"}}},"
	    "\"l\":{\"L\":[{\"N\":\"0\"},{\"N\":\"1\"}]}}");
	cJSON *want = json("{\"a\":{\"N\":\"5\"},"
	    "\"m\":{\"M\":{\"x\":{\"N\":\"1\"}}},\"l\":{\"L\":[{\"N\":\"1\"}]}}");
	struct expr_ctx ctx;
	struct expr *e = parse("SET a = a + :v, m.x = :v, zz = :v "
	    "REMOVE l[1]", &ctx, v);
	cJSON *got = expr_update_project(e, item);
	char *s = cJSON_PrintUnformatted(got);

	cr_expect(cJSON_Compare(got, want, true), "got %s", s);
	free(s);
	cJSON_Delete(got);
	cJSON_Delete(want);
	cJSON_Delete(item);
	expr_free(e);
	expr_ctx_free(&ctx);
	cJSON_Delete(v);
}
