/*
 * Unit tests for gateway/tables/access: the tables a request names, and
 * whether it writes them, as a backend call's grant check sees them.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <string.h>

#include "tables/access.h"

struct seen {
	char	 names[16][64];
	bool	 write[16];
	int	 n;
	const char *deny;	/* refuse this table */
};

static bool
record(void *arg, const char *table, bool write)
{
	struct seen *s = arg;

	if (s->n < 16) {
		snprintf(s->names[s->n], 64, "%s", table);
		s->write[s->n++] = write;
	}
	return s->deny == NULL || strcmp(s->deny, table) != 0;
}

static int
check(enum tables_op op, const char *json, struct seen *s, struct ddb_err *err)
{
	struct tables_call call = { .region = "us-east-1", .account = "000000000000",
	    .principal = "arn:aws:sts::000000000000:assumed-role/f/f",
	    .allow = record, .allow_arg = s };
	cJSON *req = cJSON_Parse(json);
	int rc;

	cr_assert_not_null(req, "%s", json);
	memset(err, 0, sizeof(*err));
	rc = tables_access(op, req, &call, err);
	cJSON_Delete(req);
	return rc;
}

Test(access, single_table_ops)
{
	struct seen s = { 0 };
	struct ddb_err err;

	cr_assert_eq(check(TOP_GetItem, "{\"TableName\":\"carts\"}", &s, &err), 0);
	cr_assert_eq(check(TOP_PutItem, "{\"TableName\":\"carts\"}", &s, &err), 0);
	cr_assert_eq(s.n, 2);
	cr_assert_str_eq(s.names[0], "carts");
	cr_assert(!s.write[0] && s.write[1], "GetItem reads, PutItem writes");
}

Test(access, batches_and_transactions)
{
	struct seen s = { 0 };
	struct ddb_err err;

	cr_assert_eq(check(TOP_BatchWriteItem, "{\"RequestItems\":{\"a\":[],\"b\":[]}}",
	    &s, &err), 0);
	cr_assert_eq(check(TOP_TransactWriteItems, "{\"TransactItems\":["
	    "{\"Put\":{\"TableName\":\"c\"}},{\"ConditionCheck\":{\"TableName\":\"d\"}}]}",
	    &s, &err), 0);
	cr_assert_eq(s.n, 4);
	cr_assert_str_eq(s.names[1], "b");
	cr_assert(s.write[0] && s.write[2] && !s.write[3]);
}

Test(access, partiql_targets)
{
	static const struct { const char *stmt, *table; bool write; } v[] = {
		{ "SELECT * FROM \"orders\" WHERE id = 'x'", "orders", false },
		{ "select a from orders.byStatus where s = 1", "orders", false },
		{ "SELECT * FROM \"my.table\".\"idx\"", "my.table", false },
		{ "INSERT INTO \"t1\" VALUE {'id': 'from'}", "t1", true },
		{ "UPDATE \"t2\" SET a = 1 WHERE id = 'x'", "t2", true },
		{ "DELETE FROM t3 WHERE id = 'x'", "t3", true },
		{ "  SELECT x FROM \"FROM\"", "FROM", false },
	};
	char out[256];
	bool w;
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		cr_assert_eq(tables_partiql_target(v[i].stmt, out, &w), 0, "%s", v[i].stmt);
		cr_assert_str_eq(out, v[i].table, "%s", v[i].stmt);
		cr_assert_eq(w, v[i].write, "%s", v[i].stmt);
	}
	cr_assert_eq(tables_partiql_target("EXPLAIN x", out, &w), -1);
	cr_assert_eq(tables_partiql_target("SELECT * WHERE", out, &w), -1);
}

Test(access, denial_names_action_and_arn)
{
	struct seen s = { .deny = "secret" };
	struct ddb_err err;

	cr_assert_eq(check(TOP_ExecuteStatement,
	    "{\"Statement\":\"UPDATE secret SET a = 1 WHERE id = 'x'\"}", &s, &err), -1);
	cr_assert_eq(err.type, DDB_ACCESS_DENIED);
	cr_assert(strstr(err.msg, "dynamodb:PartiQLUpdate") != NULL, "%s", err.msg);
	cr_assert(strstr(err.msg, "arn:aws:dynamodb:us-east-1:000000000000:table/secret")
	    != NULL, "%s", err.msg);
	cr_assert_eq(check(TOP_TagResource, "{\"ResourceArn\":"
	    "\"arn:aws:dynamodb:us-east-1:000000000000:table/secret\"}", &s, &err), -1);
	cr_assert_eq(check(TOP_ListTables, "{}", &s, &err), 0, "ListTables names no table");
}
