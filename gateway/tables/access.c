/*
 * access: grants checked from the request's shape.  See access.h.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "access.h"
#include "engine_int.h"

static const char *
jstr(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* "dynamodb:Op" for the message. */
static int
allow(const struct tables_call *call, const char *action, const char *table,
    bool write, struct ddb_err *err)
{
	char act[96];

	if (table == NULL)	/* the engine words the missing-name error */
		return 0;
	snprintf(act, sizeof(act), "dynamodb:%s", action);
	return tbl_allow(call, act, table, write, err);
}

/* Every key of RequestItems. */
static int
allow_request_items(const cJSON *req, const char *action, bool write,
    const struct tables_call *call, struct ddb_err *err)
{
	const cJSON *ri = cJSON_GetObjectItemCaseSensitive(req, "RequestItems"), *t;

	cJSON_ArrayForEach(t, ri)
		if (allow(call, action, t->string, write, err) < 0)
			return -1;
	return 0;
}

static int
allow_transact(const cJSON *req, const struct tables_call *call,
    struct ddb_err *err)
{
	static const struct { const char *kind, *action; bool write; } k[] = {
		{ "Put", "PutItem", true }, { "Update", "UpdateItem", true },
		{ "Delete", "DeleteItem", true },
		{ "ConditionCheck", "ConditionCheckItem", false },
		{ "Get", "GetItem", false },
	};
	const cJSON *items = cJSON_GetObjectItemCaseSensitive(req, "TransactItems"), *it;
	size_t i;

	cJSON_ArrayForEach(it, items)
		for (i = 0; i < sizeof(k) / sizeof(k[0]); i++) {
			const cJSON *a = cJSON_GetObjectItemCaseSensitive(it, k[i].kind);

			if (a != NULL && allow(call, k[i].action,
			    jstr(a, "TableName"), k[i].write, err) < 0)
				return -1;
		}
	return 0;
}

/* The next word or "quoted name" after *p; advances *p.  1 if it was
 * quoted, 0 if bare, -1 if there is none. */
static int
next_name(const char **p, char out[256])
{
	const char *s = *p, *e;

	while (isspace((unsigned char)*s))
		s++;
	if (*s == '"') {
		e = strchr(s + 1, '"');
		if (e == NULL || e - s - 1 >= 256 || e == s + 1)
			return -1;
		memcpy(out, s + 1, (size_t)(e - s - 1));
		out[e - s - 1] = '\0';
		*p = e + 1;
		return 1;	/* quoted */
	}
	for (e = s; isalnum((unsigned char)*e) || *e == '_' || *e == '-' ||
	    *e == '.'; e++)
		;
	if (e == s || e - s >= 256)
		return -1;
	memcpy(out, s, (size_t)(e - s));
	out[e - s] = '\0';
	*p = e;
	return 0;
}

/* The first occurrence of keyword kw as a whole word outside quotes. */
static const char *
find_word(const char *s, const char *kw)
{
	size_t n = strlen(kw);
	char q = 0;

	for (; *s != '\0'; s++) {
		if (q != 0) {
			if (*s == q)
				q = 0;
			continue;
		}
		if (*s == '\'' || *s == '"') {
			q = *s;
			continue;
		}
		if (strncasecmp(s, kw, n) == 0 && !isalnum((unsigned char)s[n]) &&
		    s[n] != '_')
			return s + n;
	}
	return NULL;
}

int
tables_partiql_target(const char *stmt, char out[256], bool *write)
{
	const char *p = stmt, *kw;
	char first[256], *dot;
	int quoted;

	if (next_name(&p, first) < 0)
		return -1;
	*write = strcasecmp(first, "SELECT") != 0;
	if (strcasecmp(first, "UPDATE") == 0)
		kw = p;
	else if (strcasecmp(first, "INSERT") == 0)
		kw = find_word(p, "INTO");
	else if (strcasecmp(first, "SELECT") == 0 || strcasecmp(first, "DELETE") == 0)
		kw = find_word(p, "FROM");
	else
		return -1;
	if (kw == NULL || (quoted = next_name(&kw, out)) < 0)
		return -1;
	/* "table"."index" or table.index: the table is what comes first; a
	 * quoted name may hold dots of its own. */
	if (!quoted && (dot = strchr(out, '.')) != NULL)
		*dot = '\0';
	return 0;
}

static int
allow_statement(const char *stmt, const char *action,
    const struct tables_call *call, struct ddb_err *err)
{
	char table[256], verb[256], act[64];
	const char *p = stmt;
	bool write;
	size_t i;

	(void)action;
	if (stmt == NULL)
		return 0;
	if (tables_partiql_target(stmt, table, &write) < 0 ||
	    next_name(&p, verb) < 0)
		return ddb_fail(err, DDB_VALIDATION, "Statement wasn't well "
		    "formed, can't be processed: no table found");
	/* IAM's actions: PartiQLSelect, PartiQLInsert, PartiQLUpdate, ... */
	for (i = 1; verb[i] != '\0'; i++)
		verb[i] = (char)tolower((unsigned char)verb[i]);
	verb[0] = (char)toupper((unsigned char)verb[0]);
	snprintf(act, sizeof(act), "PartiQL%.16s", verb);
	return allow(call, act, table, write, err);
}

static int
allow_statements(const cJSON *req, const char *list,
    const struct tables_call *call, struct ddb_err *err)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(req, list), *s;

	cJSON_ArrayForEach(s, a)
		if (allow_statement(jstr(s, "Statement"), "PartiQLStatement",
		    call, err) < 0)
			return -1;
	return 0;
}

/* The table of a tag call's ResourceArn ("arn:...:table/NAME"). */
static const char *
arn_table(const cJSON *req)
{
	const char *arn = jstr(req, "ResourceArn"), *t;

	t = arn != NULL ? strstr(arn, ":table/") : NULL;
	return t != NULL ? t + 7 : arn;
}

int
tables_access(enum tables_op op, const cJSON *req,
    const struct tables_call *call, struct ddb_err *err)
{
	const char *name = tables_op_name(op);

	if (call == NULL || call->allow == NULL)
		return 0;
	switch (op) {
	case TOP_ListTables: case TOP_DescribeEndpoints: case TOP_DescribeLimits:
		return 0;
	case TOP_TagResource: case TOP_UntagResource:
		return allow(call, name, arn_table(req), true, err);
	case TOP_ListTagsOfResource:
		return allow(call, name, arn_table(req), false, err);
	case TOP_BatchGetItem:
		return allow_request_items(req, name, false, call, err);
	case TOP_BatchWriteItem:
		return allow_request_items(req, name, true, call, err);
	case TOP_TransactWriteItems: case TOP_TransactGetItems:
		return allow_transact(req, call, err);
	case TOP_ExecuteStatement:
		return allow_statement(jstr(req, "Statement"), "PartiQLStatement",
		    call, err);
	case TOP_BatchExecuteStatement:
		return allow_statements(req, "Statements", call, err);
	case TOP_ExecuteTransaction:
		return allow_statements(req, "TransactStatements", call, err);
	case TOP_DescribeTable: case TOP_DescribeTimeToLive: case TOP_GetItem:
	case TOP_Query: case TOP_Scan:
		return allow(call, name, jstr(req, "TableName"), false, err);
	default:
		return allow(call, name, jstr(req, "TableName"), true, err);
	}
}
