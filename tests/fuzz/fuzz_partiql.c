/*
 * fuzz_partiql: libFuzzer driver for gateway/tables/partiql_parse.c, the
 * translation of a PartiQL statement (with ? parameters) into the engine
 * request it means.
 *
 * Input: the statement, then optionally a newline and the Parameters (a
 * JSON array of AttributeValues).  Each input is translated twice: as
 * ExecuteStatement does, and with PQ_GET_ONLY as batches do.  The key
 * schemas come from a fixed catalog:
 *   t   pk S, sk N; GSI g (gk S, gr N), LSI l (pk S, lk S)
 *   h   id S
 *   b   id B, r B
 * any other table is not found.
 *
 * Invariants beyond "no crash" (abort() on violation):
 *   - a failure is an error with a type and a message;
 *   - a translation is a request object that prints as JSON and parses
 *     back, of one of the six operations (GetItem under PQ_GET_ONLY for a
 *     SELECT), naming a table of the catalog;
 *   - its placeholder maps have valid keys, its names are valid but
 *     for an empty quoted name (refused there, with a message); every expression it holds
 *     parses without a syntax error, and no placeholder is left unused.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "tables/engine_int.h"
#include "tables/partiql.h"

static struct key_schema ks_t = { "pk", DDB_T_S, "sk", DDB_T_N };
static struct key_schema ks_g = { "gk", DDB_T_S, "gr", DDB_T_N };
static struct key_schema ks_l = { "pk", DDB_T_S, "lk", DDB_T_S };
static struct key_schema ks_h = { "id", DDB_T_S, NULL, DDB_T_BAD };
static struct key_schema ks_b = { "id", DDB_T_B, "r", DDB_T_B };

static int
keys(void *arg, const char *table, const char *index,
    const struct key_schema **ks, struct ddb_err *err)
{
	(void)arg;
	if (strcmp(table, "t") == 0) {
		if (index == NULL)
			*ks = &ks_t;
		else if (strcmp(index, "g") == 0)
			*ks = &ks_g;
		else if (strcmp(index, "l") == 0)
			*ks = &ks_l;
		else
			return ddb_fail(err, DDB_VALIDATION, "The table does "
			    "not have the specified index: %s", index);
		return 0;
	}
	if (strcmp(table, "h") == 0 || strcmp(table, "b") == 0) {
		if (index != NULL)
			return ddb_fail(err, DDB_VALIDATION, "The table does "
			    "not have the specified index: %s", index);
		*ks = table[0] == 'h' ? &ks_h : &ks_b;
		return 0;
	}
	return ddb_fail(err, DDB_RESOURCE_NOT_FOUND, "Requested resource not "
	    "found: Table: %s not found", table);
}

static void
check_err(const struct ddb_err *err)
{
	if (err->type == DDB_OK || err->type >= DDB_NERRTYPES ||
	    err->msg[0] == '\0')
		abort();
}

/* Abort, showing the request and the error (for triage). */
static void
fail_req(const cJSON *req, const struct ddb_err *err)
{
	char *text = cJSON_PrintUnformatted(req);

	fprintf(stderr, "fuzz_partiql: %s\n%s: %s\n", text != NULL ? text :
	    "?", ddb_err_name(err->type), err->msg);
	abort();
}

/* The expressions of the request parse, with its placeholder maps. */
static void
check_exprs(cJSON *req)
{
	static const struct { const char *member; enum expr_kind kind; } m[] = {
		{ "KeyConditionExpression", EXPR_KEY_CONDITION },
		{ "ConditionExpression", EXPR_CONDITION },
		{ "FilterExpression", EXPR_FILTER },
		{ "UpdateExpression", EXPR_UPDATE },
		{ "ProjectionExpression", EXPR_PROJECTION },
	};
	struct ddb_err err = { 0 };
	struct expr_ctx ctx;
	struct expr *e;
	const cJSON *s;
	size_t i;

	if (expr_ctx_init(&ctx, cJSON_GetObjectItemCaseSensitive(req,
	    "ExpressionAttributeNames"), cJSON_GetObjectItemCaseSensitive(req,
	    "ExpressionAttributeValues"), &err) != 0) {
		check_err(&err);
		/* An empty "" name is refused here, with a message, and so
		 * is a value no AttributeValue may hold (a parameter, or a
		 * literal of over 38 digits); the keys are never wrong. */
		if (strstr(err.msg, "Empty attribute name") == NULL &&
		    strstr(err.msg, "contains invalid value") == NULL)
			fail_req(req, &err);
		ddb_err_clear(&err);
		return;
	}
	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		s = cJSON_GetObjectItemCaseSensitive(req, m[i].member);
		if (s == NULL)
			continue;
		if (!cJSON_IsString(s))
			abort();
		if ((e = expr_parse(m[i].kind, s->valuestring, &ctx,
		    &err)) == NULL) {
			check_err(&err);
			if (strstr(err.msg, "Syntax error") != NULL)
				fail_req(req, &err);
			goto out;
		}
		expr_free(e);
	}
	if (expr_ctx_check_unused(&ctx, &err) != 0)
		fail_req(req, &err);
out:
	expr_ctx_free(&ctx);
	ddb_err_clear(&err);
}

static void
check_out(const struct partiql_out *out, int flags, bool select)
{
	const char *table;
	cJSON *back;
	char *text;

	if (!cJSON_IsObject(out->req))
		abort();
	switch (out->op) {
	case TOP_GetItem:
		if (!select)
			abort();
		break;
	case TOP_Query:
	case TOP_Scan:
		if (flags & PQ_GET_ONLY)
			abort();
		/* FALLTHROUGH */
	case TOP_PutItem:
	case TOP_UpdateItem:
	case TOP_DeleteItem:
		if (select != (out->op == TOP_Query || out->op == TOP_Scan))
			abort();
		break;
	default:
		abort();
	}
	if ((table = tbl_str(out->req, "TableName")) == NULL ||
	    (strcmp(table, "t") != 0 && strcmp(table, "h") != 0 &&
	    strcmp(table, "b") != 0))
		abort();
	if ((text = cJSON_PrintUnformatted(out->req)) == NULL)
		abort();
	back = cJSON_Parse(text);
	free(text);
	if (back == NULL || !cJSON_Compare(back, out->req, true))
		abort();
	cJSON_Delete(back);
	check_exprs(out->req);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int flags[] = { 0, PQ_GET_ONLY };
	struct ddb_err err = { 0 };
	struct partiql_out out;
	cJSON *params = NULL;
	char *stmt, *nl;
	bool select;
	size_t i;

	if (size > 16384 || (stmt = malloc(size + 1)) == NULL)
		return 0;
	memcpy(stmt, data, size);
	stmt[size] = '\0';
	if ((nl = strchr(stmt, '\n')) != NULL) {
		*nl = '\0';
		params = cJSON_Parse(nl + 1);
		if (!cJSON_IsArray(params)) {
			cJSON_Delete(params);
			params = NULL;
		}
	}
	select = partiql_is_select(stmt);
	for (i = 0; i < 2; i++) {
		if (partiql_translate(stmt, params, flags[i], keys, NULL, &out,
		    &err) != 0) {
			check_err(&err);
			if (out.req != NULL)
				abort();
		} else {
			if (err.type != DDB_OK)
				abort();
			check_out(&out, flags[i], select);
			cJSON_Delete(out.req);
		}
		ddb_err_clear(&err);
	}
	cJSON_Delete(params);
	free(stmt);
	return 0;
}
