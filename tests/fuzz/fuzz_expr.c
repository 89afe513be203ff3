/*
 * fuzz_expr: libFuzzer driver for the expression languages
 * (gateway/tables/expr_*.c): condition, filter, key condition, projection
 * and update expressions with their placeholder maps, and the legacy
 * parameters translated into the same form, evaluated against an item.
 *
 * Input: a kind byte, then lines:
 *   c f k p u   condition, filter, key condition, projection, update:
 *               line 1 the expression, 2 ExpressionAttributeNames (JSON),
 *               3 ExpressionAttributeValues (JSON), 4 the item (JSON)
 *   E Q K A U   Expected, QueryFilter, KeyConditions, AttributesToGet,
 *               AttributeUpdates: line 1 the parameter (JSON), 2 the
 *               ConditionalOperator, 4 the item
 * Any other kind byte picks one of those by its value.  A missing or
 * invalid item is replaced by a fixed one.
 *
 * Invariants beyond "no crash" (abort() on violation):
 *   - every failure says what failed: an error type and a non-empty
 *     message; a parse error is a ValidationException; success leaves
 *     the error untouched;
 *   - a projection of a valid item is a valid item, no larger, whose
 *     attributes are the item's;
 *   - an update applied to a valid item leaves an item that value.c
 *     accepts (or refuses only for its size), and that prints and parses
 *     back to an equal item; its UPDATED projection is valid too;
 *   - a key condition split gives one equality on the hash key and a
 *     range condition with the operands its operator needs.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "tables/expr.h"
#include "tables/value.h"

#define LINES	4

static const char item0[] = "{\"pk\":{\"S\":\"a\"},\"sk\":{\"N\":\"1\"},"
    "\"n\":{\"N\":\"5\"},\"s\":{\"S\":\"hello\"},\"b\":{\"B\":\"AAEC\"},"
    "\"ss\":{\"SS\":[\"x\",\"y\"]},\"ns\":{\"NS\":[\"1\",\"2\"]},"
    "\"bs\":{\"BS\":[\"AA==\"]},\"t\":{\"BOOL\":true},\"z\":{\"NULL\":true},"
    "\"m\":{\"M\":{\"a\":{\"L\":[{\"N\":\"1\"},{\"M\":{\"b\":{\"S\":\"c\"}}}]}}},"
    "\"l\":{\"L\":[{\"S\":\"q\"},{\"N\":\"-2.5\"},{\"L\":[]}]}}";

static void
check_err(const struct ddb_err *err)
{
	if (err->type == DDB_OK || err->type >= DDB_NERRTYPES ||
	    err->msg[0] == '\0')
		abort();
}

/* Whether an object anywhere in j has a name twice (cJSON keeps both;
 * the door's requests are checked for that elsewhere). */
static bool
has_dups(const cJSON *j)
{
	const cJSON *a, *b;

	for (a = j->child; a != NULL; a = a->next) {
		if (cJSON_IsObject(j) && a->string != NULL)
			for (b = a->next; b != NULL; b = b->next)
				if (b->string != NULL &&
				    strcmp(a->string, b->string) == 0)
					return true;
		if (has_dups(a))
			return true;
	}
	return false;
}

/* A valid item: the input's when it is one, else the fixed one. */
static cJSON *
load_item(const char *text)
{
	struct ddb_err err = { 0 };
	cJSON *it = text != NULL ? cJSON_Parse(text) : NULL;

	if (it == NULL || has_dups(it) || ddb_item_check(it, &err) != 0) {
		cJSON_Delete(it);
		it = cJSON_Parse(item0);
		if (it == NULL || ddb_item_check(it, &err) != 0)
			abort();
	}
	ddb_err_clear(&err);
	return it;
}

static bool
items_equal(const cJSON *a, const cJSON *b)
{
	cJSON *ma = cJSON_CreateObject(), *mb = cJSON_CreateObject();
	bool eq;

	cJSON_AddItemReferenceToObject(ma, "M", (cJSON *)a);
	cJSON_AddItemReferenceToObject(mb, "M", (cJSON *)b);
	eq = ddb_val_equal(ma, mb);
	cJSON_Delete(ma);
	cJSON_Delete(mb);
	return eq;
}

static void
check_projection(const cJSON *p, const cJSON *item)
{
	struct ddb_err err = { 0 };
	const cJSON *a;
	cJSON *copy;

	if (!cJSON_IsObject(p))
		abort();
	cJSON_ArrayForEach(a, p)
		if (cJSON_GetObjectItemCaseSensitive(item, a->string) == NULL)
			abort();
	if (ddb_item_size(p) > ddb_item_size(item))
		abort();
	copy = cJSON_Duplicate(p, true);
	if (ddb_item_check(copy, &err) != 0 || !items_equal(copy, p))
		abort();
	cJSON_Delete(copy);
}

static void
check_eval(const struct expr *e, const cJSON *item)
{
	struct ddb_err err = { 0 };
	bool res;

	if (expr_eval(e, item, &res, &err) != 0)
		check_err(&err);
	ddb_err_clear(&err);
	if (expr_eval(e, NULL, &res, &err) != 0)
		check_err(&err);
	ddb_err_clear(&err);
}

/* The item after the update must be one value.c accepts. */
static void
check_update(const struct expr *e, const cJSON *item)
{
	struct ddb_err err = { 0 };
	cJSON *it = cJSON_Duplicate(item, true), *back, *p;
	const char *names[8];
	char *text;

	(void)expr_update_targets(e, names, 8);
	if (expr_update(e, it, &err) != 0) {
		check_err(&err);
		goto out;
	}
	if (err.type != DDB_OK)
		abort();
	if ((text = cJSON_PrintUnformatted(it)) == NULL)
		abort();
	back = cJSON_Parse(text);
	free(text);
	if (back == NULL || !items_equal(back, it))
		abort();
	if (ddb_item_check(back, &err) != 0) {
		/* The engine refuses too large an item after the update. */
		if (ddb_item_size(it) <= DDB_ITEM_MAX)
			abort();
	} else if (!items_equal(back, it))
		abort();	/* the stored form was not canonical */
	cJSON_Delete(back);
	p = expr_update_project(e, it);
	if (p != NULL && ddb_item_size(it) <= DDB_ITEM_MAX)
		check_projection(p, it);
	cJSON_Delete(p);
out:
	ddb_err_clear(&err);
	cJSON_Delete(it);
}

static void
check_key(const struct expr *e)
{
	static const char *const ranges[] = { "sk", NULL };
	struct ddb_err err = { 0 };
	struct key_cond kc;
	size_t i;

	for (i = 0; i < 2; i++) {
		memset(&kc, 0, sizeof(kc));
		if (expr_key_split(e, "pk", ranges[i], &kc, &err) != 0) {
			check_err(&err);
			ddb_err_clear(&err);
			continue;
		}
		if (kc.hash_val == NULL || kc.hash_name == NULL ||
		    strcmp(kc.hash_name, "pk") != 0 ||
		    (kc.op == KEY_NONE) != (kc.range_name == NULL) ||
		    (kc.op != KEY_NONE && (kc.v1 == NULL ||
		    strcmp(kc.range_name, "sk") != 0)) ||
		    (kc.op == KEY_BETWEEN) != (kc.v2 != NULL))
			abort();
	}
}

static void
use(enum expr_kind kind, const struct expr *e, const cJSON *item)
{
	cJSON *p;

	switch (kind) {
	case EXPR_CONDITION:
	case EXPR_FILTER:
		check_eval(e, item);
		break;
	case EXPR_KEY_CONDITION:
		check_key(e);
		check_eval(e, item);
		break;
	case EXPR_PROJECTION:
		if ((p = expr_project(e, item)) == NULL)
			abort();
		check_projection(p, item);
		cJSON_Delete(p);
		break;
	case EXPR_UPDATE:
		check_update(e, item);
		break;
	}
}

static void
run_text(enum expr_kind kind, char **line, const cJSON *item)
{
	struct ddb_err err = { 0 };
	struct expr_ctx ctx;
	struct expr *e;
	cJSON *names = line[1] ? cJSON_Parse(line[1]) : NULL;
	cJSON *values = line[2] ? cJSON_Parse(line[2]) : NULL;

	if (expr_ctx_init(&ctx, names, values, &err) != 0) {
		check_err(&err);
		goto out;
	}
	if ((e = expr_parse(kind, line[0], &ctx, &err)) == NULL) {
		check_err(&err);
		if (err.type != DDB_VALIDATION)
			abort();
	} else {
		if (err.type != DDB_OK)
			abort();
		if (expr_ctx_check_unused(&ctx, &err) != 0)
			check_err(&err);
		use(kind, e, item);
		expr_free(e);
	}
	expr_ctx_free(&ctx);
out:
	ddb_err_clear(&err);
	cJSON_Delete(names);
	cJSON_Delete(values);
}

static void
run_legacy(char k, char **line, const cJSON *item)
{
	struct ddb_err err = { 0 };
	cJSON *par = cJSON_Parse(line[0]);
	const char *op = line[1];
	enum expr_kind kind = EXPR_CONDITION;
	struct expr *e = NULL;

	if (par == NULL)
		return;
	switch (k) {
	case 'E':
		e = expr_from_expected(par, op, &err);
		break;
	case 'Q':
		kind = EXPR_FILTER;
		e = expr_from_conditions(kind, par, op, &err);
		break;
	case 'K':
		kind = EXPR_KEY_CONDITION;
		e = expr_from_conditions(kind, par, op, &err);
		break;
	case 'A':
		kind = EXPR_PROJECTION;
		e = expr_from_attributes_to_get(par, &err);
		break;
	default:
		kind = EXPR_UPDATE;
		e = expr_from_attribute_updates(par, &err);
		break;
	}
	if (e == NULL)
		check_err(&err);
	else {
		if (err.type != DDB_OK)
			abort();
		use(kind, e, item);
		expr_free(e);
	}
	ddb_err_clear(&err);
	cJSON_Delete(par);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char kinds[] = "cfkpuEQKAU";
	static const enum expr_kind text_kind[] = { EXPR_CONDITION,
	    EXPR_FILTER, EXPR_KEY_CONDITION, EXPR_PROJECTION, EXPR_UPDATE };
	char *buf, *line[LINES] = { NULL }, *p, k;
	const char *at;
	cJSON *item;
	size_t i;

	if (size < 1 || size > 16384)
		return 0;
	k = (char)data[0];
	if ((at = strchr(kinds, k)) == NULL || k == '\0')
		k = kinds[data[0] % (sizeof(kinds) - 1)];
	if ((buf = malloc(size)) == NULL)
		return 0;
	memcpy(buf, data + 1, size - 1);
	buf[size - 1] = '\0';
	for (p = buf, i = 0; i < LINES && p != NULL; i++) {
		line[i] = p;
		if ((p = strchr(p, '\n')) != NULL)
			*p++ = '\0';
	}
	item = load_item(line[3]);
	if ((at = strchr("cfkpu", k)) != NULL)
		run_text(text_kind[at - "cfkpu"], line, item);
	else
		run_legacy(k, line, item);
	cJSON_Delete(item);
	free(buf);
	return 0;
}
