/*
 * Unit tests for the table engine (gateway/tables/engine.c, ops_table.c,
 * ops_item.c): a real SQLite file in a temporary directory, the engine's
 * schema, and every call run inside BEGIN + SAVEPOINT as the store runs
 * it (a failing call is rolled back to its savepoint).  Replies are
 * checked by their JSON; index maintenance by reading the idx table.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <criterion/criterion.h>

#include "tables/engine_int.h"
#include "tmpdir.h"
#include "tables_wire.h"

static char dir[PATH_MAX];
static sqlite3 *db;

static bool
deny_secret(void *arg, const char *table, bool write)
{
	(void)arg;
	return strcmp(table, "secret") != 0 || !write;
}

static struct tables_call call = {
	.region = "us-east-1",
	.account = "123456789012",
	.principal = "arn:aws:sts::123456789012:assumed-role/cart/cart",
	.allow = deny_secret,
};

static void
setup(void)
{
	char path[PATH_MAX + 16];

	tmpdir_make("test_engine", dir);
	snprintf(path, sizeof(path), "%s/t.db", dir);
	cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
	cr_assert_eq(sqlite3_exec(db, tables_schema, NULL, NULL, NULL),
	    SQLITE_OK, "%s", sqlite3_errmsg(db));
	call.now_ms = (int64_t)time(NULL) * 1000;
}

static void
teardown(void)
{
	sqlite3_close(db);
	tmpdir_remove(dir);
}

TestSuite(engine, .init = setup, .fini = teardown);

/* Run op on json as the store does; the reply or NULL (err filled). */
static cJSON *
run(enum tables_op op, const char *json, struct ddb_err *err)
{
	cJSON *req = cJSON_Parse(json), *resp = NULL;
	int rc;

	cr_assert_not_null(req, "bad test JSON: %s", json);
	memset(err, 0, sizeof(*err));
	cr_assert_eq(sqlite3_exec(db, "BEGIN IMMEDIATE; SAVEPOINT job", NULL,
	    NULL, NULL), SQLITE_OK);
	rc = tables_exec(db, op, req, &call, &resp, err);
	cr_assert_eq(sqlite3_exec(db, rc == 0 ? "RELEASE job" :
	    "ROLLBACK TO job; RELEASE job", NULL, NULL, NULL), SQLITE_OK);
	cr_assert_eq(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	cJSON_Delete(req);
	if (rc != 0) {
		cr_assert_null(resp);
		cr_assert_neq(err->type, DDB_OK);
		return NULL;
	}
	cr_assert_not_null(resp);
	return tf_wire(resp);
}

static cJSON *
ok(enum tables_op op, const char *json)
{
	struct ddb_err err;
	cJSON *r = run(op, json, &err);

	cr_assert_not_null(r, "%s failed: %s: %s", tables_op_name(op),
	    ddb_err_name(err.type), err.msg);
	return r;
}

/* The call must fail with type and a message containing msg. */
static void
fails(enum tables_op op, const char *json, enum ddb_errtype type,
    const char *msg)
{
	struct ddb_err err;
	cJSON *r = run(op, json, &err);

	cr_assert_null(r, "%s succeeded: %s", tables_op_name(op), json);
	cr_expect_eq(err.type, type, "%s: got %s: %s", json,
	    ddb_err_name(err.type), err.msg);
	cr_expect(strstr(err.msg, msg) != NULL, "%s: message '%s' lacks '%s'",
	    json, err.msg, msg);
	ddb_err_clear(&err);
}

/* The node at a dotted path ("Table.KeySchema.0.AttributeName"). */
static const cJSON *
at(const cJSON *j, const char *path)
{
	char buf[256], *p, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", path);
	for (p = strtok_r(buf, ".", &save); p && j; p = strtok_r(NULL, ".",
	    &save))
		j = cJSON_IsArray(j) ? cJSON_GetArrayItem(j, atoi(p)) :
		    cJSON_GetObjectItemCaseSensitive(j, p);
	return j;
}

static const char *
str_at(const cJSON *j, const char *path)
{
	const cJSON *v = at(j, path);

	return cJSON_IsString(v) ? v->valuestring : "(none)";
}

static double
num_at(const cJSON *j, const char *path)
{
	const cJSON *v = at(j, path);

	cr_assert(cJSON_IsNumber(v), "%s is not a number", path);
	return v->valuedouble;
}

static long long
sql_int(const char *sql)
{
	sqlite3_stmt *st;
	long long v;

	cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK,
	    "%s", sqlite3_errmsg(db));
	cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

#define PT "\"ProvisionedThroughput\":{\"ReadCapacityUnits\":5," \
	"\"WriteCapacityUnits\":5}"
#define CREATE_T1 "{\"TableName\":\"tb1\",\"AttributeDefinitions\":[" \
	"{\"AttributeName\":\"id\",\"AttributeType\":\"S\"}," \
	"{\"AttributeName\":\"n\",\"AttributeType\":\"N\"}]," \
	"\"KeySchema\":[{\"AttributeName\":\"id\",\"KeyType\":\"HASH\"}," \
	"{\"AttributeName\":\"n\",\"KeyType\":\"RANGE\"}]," PT "}"
/* Hash key id (S), GSI "byg" on g (S), KEYS_ONLY, on demand. */
#define CREATE_G "{\"TableName\":\"gtb\",\"BillingMode\":\"PAY_PER_REQUEST\"," \
	"\"AttributeDefinitions\":[" \
	"{\"AttributeName\":\"id\",\"AttributeType\":\"S\"}," \
	"{\"AttributeName\":\"g\",\"AttributeType\":\"S\"}]," \
	"\"KeySchema\":[{\"AttributeName\":\"id\",\"KeyType\":\"HASH\"}]," \
	"\"GlobalSecondaryIndexes\":[{\"IndexName\":\"byg\",\"KeySchema\":[" \
	"{\"AttributeName\":\"g\",\"KeyType\":\"HASH\"}]," \
	"\"Projection\":{\"ProjectionType\":\"KEYS_ONLY\"}}]}"
#define CREATE_S "{\"TableName\":\"sb1\",\"BillingMode\":\"PAY_PER_REQUEST\"," \
	"\"AttributeDefinitions\":[" \
	"{\"AttributeName\":\"id\",\"AttributeType\":\"S\"}]," \
	"\"KeySchema\":[{\"AttributeName\":\"id\",\"KeyType\":\"HASH\"}]}"

/* ---- dispatch ---------------------------------------------------------------- */

Test(engine, op_names_and_writers)
{
	cJSON *sel = cJSON_Parse("{\"Statement\":\" select * from t\"}");
	cJSON *upd = cJSON_Parse("{\"Statement\":\"UPDATE t SET a=1\"}");

	cr_expect_eq(tables_op_lookup("PutItem", 7), TOP_PutItem);
	cr_expect_eq(tables_op_lookup("ExecuteTransaction", 18),
	    TOP_ExecuteTransaction);
	cr_expect_eq(tables_op_lookup("PutItemX", 8), -1);
	cr_expect_eq(tables_op_lookup("Put", 3), -1);
	cr_expect_str_eq(tables_op_name(TOP_DescribeTable), "DescribeTable");
	cr_expect(tables_op_writes(TOP_PutItem, NULL));
	cr_expect(!tables_op_writes(TOP_GetItem, NULL));
	cr_expect(!tables_op_writes(TOP_Query, NULL));
	cr_expect(tables_op_writes(TOP_TransactWriteItems, NULL));
	cr_expect(!tables_op_writes(TOP_ExecuteStatement, sel));
	cr_expect(tables_op_writes(TOP_ExecuteStatement, upd));
	cJSON_Delete(sel);
	cJSON_Delete(upd);
}

/* ---- tables ------------------------------------------------------------------ */

Test(engine, create_and_describe)
{
	cJSON *r = ok(TOP_CreateTable, CREATE_T1);
	const cJSON *d = at(r, "TableDescription");
	double now = (double)call.now_ms / 1000;

	cr_expect_str_eq(str_at(d, "TableName"), "tb1");
	cr_expect_str_eq(str_at(d, "TableStatus"), "ACTIVE");
	cr_expect_str_eq(str_at(d, "KeySchema.0.AttributeName"), "id");
	cr_expect_str_eq(str_at(d, "KeySchema.1.KeyType"), "RANGE");
	cr_expect_str_eq(str_at(d, "AttributeDefinitions.1.AttributeType"),
	    "N");
	cr_expect_eq(num_at(d, "ProvisionedThroughput.ReadCapacityUnits"), 5);
	cr_expect_eq(num_at(d, "ProvisionedThroughput.NumberOfDecreasesToday"),
	    0);
	cr_expect_str_eq(str_at(d, "TableArn"),
	    "arn:aws:dynamodb:us-east-1:123456789012:table/tb1");
	cr_expect_eq(strlen(str_at(d, "TableId")), 36);
	cr_expect(num_at(d, "CreationDateTime") >= now - 1 &&
	    num_at(d, "CreationDateTime") <= now + 1);
	cr_expect_str_eq(str_at(d, "BillingModeSummary.BillingMode"),
	    "PROVISIONED");
	cr_expect(cJSON_IsFalse(at(d, "DeletionProtectionEnabled")));
	cJSON_Delete(r);

	r = ok(TOP_DescribeTable, "{\"TableName\":\"tb1\"}");
	cr_expect_str_eq(str_at(r, "Table.TableStatus"), "ACTIVE");
	cr_expect_eq(num_at(r, "Table.ItemCount"), 0);
	cr_expect_eq(num_at(r, "Table.TableSizeBytes"), 0);
	cJSON_Delete(r);

	fails(TOP_CreateTable, CREATE_T1, DDB_RESOURCE_IN_USE,
	    "Table already exists: tb1");
	fails(TOP_DescribeTable, "{\"TableName\":\"nope\"}",
	    DDB_RESOURCE_NOT_FOUND,
	    "Requested resource not found: Table: nope not found");
}

Test(engine, create_validation)
{
	fails(TOP_CreateTable, "{\"TableName\":\"ab\"}", DDB_VALIDATION,
	    "Value 'ab' at 'tableName' failed to satisfy constraint: Member "
	    "must have length greater than or equal to 3");
	fails(TOP_CreateTable, "{\"TableName\":\"a b c\"}", DDB_VALIDATION,
	    "regular expression pattern: [a-zA-Z0-9_.-]+");
	fails(TOP_CreateTable, "{}", DDB_VALIDATION,
	    "Value null at 'tableName'");
	fails(TOP_CreateTable, "{\"TableName\":\"tb2\",\"AttributeDefinitions\":"
	    "[{\"AttributeName\":\"a\",\"AttributeType\":\"S\"},"
	    "{\"AttributeName\":\"b\",\"AttributeType\":\"S\"}],\"KeySchema\":"
	    "[{\"AttributeName\":\"a\",\"KeyType\":\"HASH\"}]," PT "}",
	    DDB_VALIDATION, "One or more parameter values were invalid: Some "
	    "AttributeDefinitions are not used. AttributeDefinitions: [a, b], "
	    "keys used: [a]");
	fails(TOP_CreateTable, "{\"TableName\":\"tb2\",\"AttributeDefinitions\":"
	    "[{\"AttributeName\":\"a\",\"AttributeType\":\"S\"}],\"KeySchema\":"
	    "[{\"AttributeName\":\"b\",\"KeyType\":\"HASH\"}]," PT "}",
	    DDB_VALIDATION, "Some index key attributes are not defined in "
	    "AttributeDefinitions. Keys: [b], AttributeDefinitions: [a]");
	fails(TOP_CreateTable, "{\"TableName\":\"tb2\",\"AttributeDefinitions\":"
	    "[{\"AttributeName\":\"a\",\"AttributeType\":\"X\"}],\"KeySchema\":"
	    "[{\"AttributeName\":\"a\",\"KeyType\":\"HASH\"}]," PT "}",
	    DDB_VALIDATION, "Member must satisfy enum value set: [B, N, S]");
	fails(TOP_CreateTable, "{\"TableName\":\"tb2\",\"AttributeDefinitions\":"
	    "[{\"AttributeName\":\"a\",\"AttributeType\":\"S\"}],\"KeySchema\":"
	    "[{\"AttributeName\":\"a\",\"KeyType\":\"RANGE\"}]," PT "}",
	    DDB_VALIDATION, "The first KeySchemaElement is not a HASH key type");
	fails(TOP_CreateTable, "{\"TableName\":\"tb2\",\"AttributeDefinitions\":"
	    "[{\"AttributeName\":\"a\",\"AttributeType\":\"S\"}],\"KeySchema\":"
	    "[{\"AttributeName\":\"a\",\"KeyType\":\"HASH\"}]}",
	    DDB_VALIDATION, "ReadCapacityUnits and WriteCapacityUnits must both"
	    " be specified when BillingMode is PROVISIONED");
	fails(TOP_CreateTable, "{\"TableName\":\"tb2\",\"BillingMode\":"
	    "\"PAY_PER_REQUEST\",\"AttributeDefinitions\":"
	    "[{\"AttributeName\":\"a\",\"AttributeType\":\"S\"}],\"KeySchema\":"
	    "[{\"AttributeName\":\"a\",\"KeyType\":\"HASH\"}]," PT "}",
	    DDB_VALIDATION, "Neither ReadCapacityUnits nor WriteCapacityUnits");
	fails(TOP_CreateTable, "{\"TableName\":\"tb2\",\"BillingMode\":"
	    "\"PAY_PER_REQUEST\",\"AttributeDefinitions\":"
	    "[{\"AttributeName\":\"a\",\"AttributeType\":\"S\"}],\"KeySchema\":"
	    "[{\"AttributeName\":\"a\",\"KeyType\":\"HASH\"}],"
	    "\"StreamSpecification\":{\"StreamEnabled\":true,"
	    "\"StreamViewType\":\"NEW_IMAGE\"}}", DDB_VALIDATION,
	    "Streams are not supported");
	fails(TOP_CreateTable, "{\"TableName\":\"tb2\",\"BillingMode\":"
	    "\"PAY_PER_REQUEST\",\"AttributeDefinitions\":"
	    "[{\"AttributeName\":\"a\",\"AttributeType\":\"S\"},"
	    "{\"AttributeName\":\"b\",\"AttributeType\":\"S\"}],\"KeySchema\":"
	    "[{\"AttributeName\":\"a\",\"KeyType\":\"HASH\"}],"
	    "\"LocalSecondaryIndexes\":[{\"IndexName\":\"lsi\",\"KeySchema\":["
	    "{\"AttributeName\":\"a\",\"KeyType\":\"HASH\"},"
	    "{\"AttributeName\":\"b\",\"KeyType\":\"RANGE\"}],\"Projection\":"
	    "{\"ProjectionType\":\"ALL\"}}]}", DDB_VALIDATION,
	    "Table KeySchema does not have a range key");
	/* Nothing of the refused calls was left behind. */
	cr_expect_eq(sql_int("SELECT count(*) FROM tbls"), 0);
}

Test(engine, list_tables_pages)
{
	static const char *const names[] = { "ccc", "aaa", "bbb" };
	char json[512];
	cJSON *r;
	size_t i;

	for (i = 0; i < 3; i++) {
		snprintf(json, sizeof(json), "{\"TableName\":\"%s\","
		    "\"BillingMode\":\"PAY_PER_REQUEST\",\"AttributeDefinitions\":"
		    "[{\"AttributeName\":\"k\",\"AttributeType\":\"B\"}],"
		    "\"KeySchema\":[{\"AttributeName\":\"k\",\"KeyType\":"
		    "\"HASH\"}]}", names[i]);
		cJSON_Delete(ok(TOP_CreateTable, json));
	}
	r = ok(TOP_ListTables, "{\"Limit\":2}");
	cr_expect_eq(cJSON_GetArraySize(at(r, "TableNames")), 2);
	cr_expect_str_eq(str_at(r, "TableNames.0"), "aaa");
	cr_expect_str_eq(str_at(r, "TableNames.1"), "bbb");
	cr_expect_str_eq(str_at(r, "LastEvaluatedTableName"), "bbb");
	cJSON_Delete(r);
	r = ok(TOP_ListTables, "{\"ExclusiveStartTableName\":\"bbb\"}");
	cr_expect_eq(cJSON_GetArraySize(at(r, "TableNames")), 1);
	cr_expect_str_eq(str_at(r, "TableNames.0"), "ccc");
	cr_expect_null(at(r, "LastEvaluatedTableName"));
	cJSON_Delete(r);
	r = ok(TOP_ListTables, "{}");
	cr_expect_eq(cJSON_GetArraySize(at(r, "TableNames")), 3);
	cJSON_Delete(r);
	fails(TOP_ListTables, "{\"Limit\":0}", DDB_VALIDATION,
	    "Value '0' at 'limit' failed to satisfy constraint: Member must "
	    "have value greater than or equal to 1");
	fails(TOP_ListTables, "{\"Limit\":101}", DDB_VALIDATION,
	    "less than or equal to 100");
}

Test(engine, delete_table_removes_everything)
{
	cJSON *r;

	cJSON_Delete(ok(TOP_CreateTable, CREATE_G));
	cJSON_Delete(ok(TOP_PutItem, "{\"TableName\":\"gtb\",\"Item\":{\"id\":"
	    "{\"S\":\"a\"},\"g\":{\"S\":\"x\"}}}"));
	cJSON_Delete(ok(TOP_TagResource, "{\"ResourceArn\":\"arn:aws:dynamodb:"
	    "us-east-1:123456789012:table/gtb\",\"Tags\":[{\"Key\":\"k\","
	    "\"Value\":\"v\"}]}"));
	cr_expect_eq(sql_int("SELECT count(*) FROM idx"), 1);
	r = ok(TOP_DeleteTable, "{\"TableName\":\"gtb\"}");
	cr_expect_str_eq(str_at(r, "TableDescription.TableStatus"), "DELETING");
	cr_expect_eq(num_at(r, "TableDescription.ItemCount"), 1);
	cJSON_Delete(r);
	cr_expect_eq(sql_int("SELECT count(*) FROM items"), 0);
	cr_expect_eq(sql_int("SELECT count(*) FROM idx"), 0);
	cr_expect_eq(sql_int("SELECT count(*) FROM tidx"), 0);
	cr_expect_eq(sql_int("SELECT count(*) FROM tags"), 0);
	fails(TOP_DescribeTable, "{\"TableName\":\"gtb\"}",
	    DDB_RESOURCE_NOT_FOUND, "not found");
	fails(TOP_DeleteTable, "{\"TableName\":\"gtb\"}",
	    DDB_RESOURCE_NOT_FOUND, "Table: gtb not found");
}

Test(engine, update_table_billing_and_gsi)
{
	cJSON *r;

	cJSON_Delete(ok(TOP_CreateTable, CREATE_S));
	cJSON_Delete(ok(TOP_PutItem, "{\"TableName\":\"sb1\",\"Item\":{\"id\":"
	    "{\"S\":\"a\"},\"c\":{\"N\":\"1\"}}}"));
	cJSON_Delete(ok(TOP_PutItem, "{\"TableName\":\"sb1\",\"Item\":{\"id\":"
	    "{\"S\":\"b\"}}}"));
	fails(TOP_UpdateTable, "{\"TableName\":\"sb1\"}", DDB_VALIDATION,
	    "At least one of ProvisionedThroughput");
	r = ok(TOP_UpdateTable, "{\"TableName\":\"sb1\",\"AttributeDefinitions\":"
	    "[{\"AttributeName\":\"c\",\"AttributeType\":\"N\"}],"
	    "\"GlobalSecondaryIndexUpdates\":[{\"Create\":{\"IndexName\":"
	    "\"byc\",\"KeySchema\":[{\"AttributeName\":\"c\",\"KeyType\":"
	    "\"HASH\"}],\"Projection\":{\"ProjectionType\":\"ALL\"}}}]}");
	cr_expect_str_eq(str_at(r, "TableDescription.GlobalSecondaryIndexes.0."
	    "IndexName"), "byc");
	cr_expect_str_eq(str_at(r, "TableDescription.GlobalSecondaryIndexes.0."
	    "IndexStatus"), "ACTIVE");
	/* Backfilled: only the item that has c. */
	cr_expect_eq(num_at(r, "TableDescription.GlobalSecondaryIndexes.0."
	    "ItemCount"), 1);
	cr_expect_str_eq(str_at(r, "TableDescription.AttributeDefinitions.1."
	    "AttributeName"), "c");
	cJSON_Delete(r);
	cr_expect_eq(sql_int("SELECT count(*) FROM idx"), 1);

	r = ok(TOP_UpdateTable, "{\"TableName\":\"sb1\",\"BillingMode\":"
	    "\"PROVISIONED\"," PT "}");
	cr_expect_str_eq(str_at(r, "TableDescription.BillingModeSummary."
	    "BillingMode"), "PROVISIONED");
	cr_expect_eq(num_at(r, "TableDescription.ProvisionedThroughput."
	    "WriteCapacityUnits"), 5);
	cJSON_Delete(r);
	fails(TOP_UpdateTable, "{\"TableName\":\"sb1\"," PT "}", DDB_VALIDATION,
	    "The provisioned throughput for the table will not change");

	r = ok(TOP_UpdateTable, "{\"TableName\":\"sb1\","
	    "\"GlobalSecondaryIndexUpdates\":[{\"Delete\":{\"IndexName\":"
	    "\"byc\"}}]}");
	cr_expect_null(at(r, "TableDescription.GlobalSecondaryIndexes"));
	/* c is no longer a key of anything: its definition went too. */
	cr_expect_eq(cJSON_GetArraySize(at(r,
	    "TableDescription.AttributeDefinitions")), 1);
	cJSON_Delete(r);
	cr_expect_eq(sql_int("SELECT count(*) FROM idx"), 0);
	cr_expect_eq(sql_int("SELECT count(*) FROM tidx"), 0);
}

/* ---- items ------------------------------------------------------------------- */

Test(engine, put_get_delete)
{
	cJSON *r;

	cJSON_Delete(ok(TOP_CreateTable, CREATE_T1));
	r = ok(TOP_PutItem, "{\"TableName\":\"tb1\",\"Item\":{\"id\":{\"S\":"
	    "\"a\"},\"n\":{\"N\":\"1.50\"},\"x\":{\"S\":\"hello\"},\"m\":{\"M\":"
	    "{\"p\":{\"N\":\"2\"},\"q\":{\"S\":\"z\"}}}}}");
	cr_expect_eq(cJSON_GetArraySize(r), 0, "PutItem replies {}");
	cJSON_Delete(r);

	/* The key number was stored canonical: 1.5 finds it. */
	r = ok(TOP_GetItem, "{\"TableName\":\"tb1\",\"Key\":{\"id\":{\"S\":"
	    "\"a\"},\"n\":{\"N\":\"1.5\"}}}");
	cr_expect_str_eq(str_at(r, "Item.x.S"), "hello");
	cr_expect_str_eq(str_at(r, "Item.n.N"), "1.5");
	cJSON_Delete(r);

	r = ok(TOP_GetItem, "{\"TableName\":\"tb1\",\"Key\":{\"id\":{\"S\":"
	    "\"a\"},\"n\":{\"N\":\"1.5\"}},\"ProjectionExpression\":\"#m.q, x\","
	    "\"ExpressionAttributeNames\":{\"#m\":\"m\"}}");
	cr_expect_str_eq(str_at(r, "Item.m.M.q.S"), "z");
	cr_expect_null(at(r, "Item.m.M.p"));
	cr_expect_null(at(r, "Item.id"));
	cJSON_Delete(r);

	r = ok(TOP_GetItem, "{\"TableName\":\"tb1\",\"Key\":{\"id\":{\"S\":"
	    "\"a\"},\"n\":{\"N\":\"1.5\"}},\"AttributesToGet\":[\"x\"]}");
	cr_expect_str_eq(str_at(r, "Item.x.S"), "hello");
	cr_expect_eq(cJSON_GetArraySize(at(r, "Item")), 1);
	cJSON_Delete(r);

	r = ok(TOP_GetItem, "{\"TableName\":\"tb1\",\"Key\":{\"id\":{\"S\":"
	    "\"b\"},\"n\":{\"N\":\"1\"}}}");
	cr_expect_null(at(r, "Item"));
	cJSON_Delete(r);

	r = ok(TOP_DeleteItem, "{\"TableName\":\"tb1\",\"Key\":{\"id\":{\"S\":"
	    "\"a\"},\"n\":{\"N\":\"1.5\"}},\"ReturnValues\":\"ALL_OLD\"}");
	cr_expect_str_eq(str_at(r, "Attributes.x.S"), "hello");
	cJSON_Delete(r);
	cr_expect_eq(sql_int("SELECT count(*) FROM items"), 0);
	/* Deleting what is not there is no error. */
	r = ok(TOP_DeleteItem, "{\"TableName\":\"tb1\",\"Key\":{\"id\":{\"S\":"
	    "\"a\"},\"n\":{\"N\":\"1.5\"}},\"ReturnValues\":\"ALL_OLD\"}");
	cr_expect_null(at(r, "Attributes"));
	cJSON_Delete(r);
}

Test(engine, key_errors)
{
	cJSON_Delete(ok(TOP_CreateTable, CREATE_T1));
	fails(TOP_GetItem, "{\"TableName\":\"tb1\",\"Key\":{\"id\":{\"S\":"
	    "\"a\"}}}", DDB_VALIDATION,
	    "The provided key element does not match the schema");
	fails(TOP_GetItem, "{\"TableName\":\"tb1\",\"Key\":{\"id\":{\"S\":"
	    "\"a\"},\"n\":{\"S\":\"1\"}}}", DDB_VALIDATION,
	    "The provided key element does not match the schema");
	fails(TOP_GetItem, "{\"TableName\":\"tb1\",\"Key\":{\"id\":{\"S\":"
	    "\"a\"},\"n\":{\"N\":\"1\"},\"x\":{\"N\":\"1\"}}}", DDB_VALIDATION,
	    "The provided key element does not match the schema");
	fails(TOP_PutItem, "{\"TableName\":\"tb1\",\"Item\":{\"id\":{\"S\":"
	    "\"a\"}}}", DDB_VALIDATION,
	    "One or more parameter values were invalid: Missing the key n in "
	    "the item");
	fails(TOP_PutItem, "{\"TableName\":\"tb1\",\"Item\":{\"id\":{\"S\":"
	    "\"a\"},\"n\":{\"S\":\"1\"}}}", DDB_VALIDATION,
	    "Type mismatch for key n expected: N actual: S");
	fails(TOP_PutItem, "{\"TableName\":\"nope\",\"Item\":{\"id\":{\"S\":"
	    "\"a\"}}}", DDB_RESOURCE_NOT_FOUND, "Requested resource not found");
	fails(TOP_PutItem, "{\"TableName\":\"tb1\"}", DDB_VALIDATION,
	    "Value null at 'item'");
	fails(TOP_PutItem, "{\"TableName\":\"tb1\",\"Item\":{\"id\":{\"S\":"
	    "\"a\"},\"n\":{\"N\":\"1\"}},\"ReturnValues\":\"ALL_NEW\"}",
	    DDB_VALIDATION, "ReturnValues can only be ALL_OLD or NONE");
	fails(TOP_PutItem, "{\"TableName\":\"tb1\",\"Item\":{\"id\":{\"S\":"
	    "\"a\"},\"n\":{\"N\":\"1\"}},\"ReturnValues\":\"SOME\"}",
	    DDB_VALIDATION, "Value 'SOME' at 'returnValues' failed to satisfy "
	    "constraint: Member must satisfy enum value set: [ALL_NEW, "
	    "UPDATED_OLD, ALL_OLD, NONE, UPDATED_NEW]");
	cr_expect_eq(sql_int("SELECT count(*) FROM items"), 0);
}

Test(engine, item_size_limit)
{
	size_t n = 409600;
	char *json = malloc(n + 256), *p;

	cJSON_Delete(ok(TOP_CreateTable, CREATE_S));
	p = json + sprintf(json, "{\"TableName\":\"sb1\",\"Item\":{\"id\":"
	    "{\"S\":\"a\"},\"big\":{\"S\":\"");
	memset(p, 'x', n);
	strcpy(p + n, "\"}}}");
	fails(TOP_PutItem, json, DDB_VALIDATION,
	    "Item size has exceeded the maximum allowed size");
	/* 409000 bytes of value plus names fits. */
	strcpy(p + 409000, "\"}}}");
	cJSON_Delete(ok(TOP_PutItem, json));
	cr_expect_eq(sql_int("SELECT count(*) FROM items"), 1);
	free(json);
}

Test(engine, conditions_and_return_values)
{
	struct ddb_err err;
	cJSON *r;

	cJSON_Delete(ok(TOP_CreateTable, CREATE_S));
	cJSON_Delete(ok(TOP_PutItem, "{\"TableName\":\"sb1\",\"Item\":{\"id\":"
	    "{\"S\":\"a\"},\"v\":{\"N\":\"1\"}},\"ConditionExpression\":"
	    "\"attribute_not_exists(id)\"}"));
	fails(TOP_PutItem, "{\"TableName\":\"sb1\",\"Item\":{\"id\":"
	    "{\"S\":\"a\"},\"v\":{\"N\":\"2\"}},\"ConditionExpression\":"
	    "\"attribute_not_exists(id)\"}", DDB_CONDITIONAL_CHECK_FAILED,
	    "The conditional request failed");

	/* ALL_OLD on failure hands the stored item back in the error. */
	r = run(TOP_PutItem, "{\"TableName\":\"sb1\",\"Item\":{\"id\":"
	    "{\"S\":\"a\"}},\"ConditionExpression\":\"v = :two\","
	    "\"ExpressionAttributeValues\":{\":two\":{\"N\":\"2\"}},"
	    "\"ReturnValuesOnConditionCheckFailure\":\"ALL_OLD\"}", &err);
	cr_assert_null(r);
	cr_expect_eq(err.type, DDB_CONDITIONAL_CHECK_FAILED);
	cr_expect_str_eq(str_at(err.extra, "Item.v.N"), "1");
	ddb_err_clear(&err);

	r = ok(TOP_PutItem, "{\"TableName\":\"sb1\",\"Item\":{\"id\":"
	    "{\"S\":\"a\"},\"v\":{\"N\":\"3\"}},\"ConditionExpression\":"
	    "\"v = :one\",\"ExpressionAttributeValues\":{\":one\":{\"N\":"
	    "\"1\"}},\"ReturnValues\":\"ALL_OLD\"}");
	cr_expect_str_eq(str_at(r, "Attributes.v.N"), "1");
	cJSON_Delete(r);

	/* Legacy Expected does the same. */
	fails(TOP_DeleteItem, "{\"TableName\":\"sb1\",\"Key\":{\"id\":"
	    "{\"S\":\"a\"}},\"Expected\":{\"v\":{\"Value\":{\"N\":\"9\"}}}}",
	    DDB_CONDITIONAL_CHECK_FAILED, "The conditional request failed");
	fails(TOP_DeleteItem, "{\"TableName\":\"sb1\",\"Key\":{\"id\":"
	    "{\"S\":\"a\"}},\"Expected\":{\"v\":{\"Value\":{\"N\":\"3\"}}},"
	    "\"ConditionExpression\":\"attribute_exists(v)\"}",
	    DDB_VALIDATION, "Can not use both expression and non-expression "
	    "parameters in the same request: Non-expression parameters: "
	    "{Expected} Expression parameters: {ConditionExpression}");
	fails(TOP_PutItem, "{\"TableName\":\"sb1\",\"Item\":{\"id\":"
	    "{\"S\":\"a\"}},\"ExpressionAttributeValues\":{\":x\":{\"N\":"
	    "\"1\"}}}", DDB_VALIDATION, "ExpressionAttributeValues can only "
	    "be specified when using expressions");
	fails(TOP_PutItem, "{\"TableName\":\"sb1\",\"Item\":{\"id\":"
	    "{\"S\":\"a\"}},\"ConditionExpression\":\"attribute_exists(v)\","
	    "\"ExpressionAttributeValues\":{\":x\":{\"N\":\"1\"}}}",
	    DDB_VALIDATION, "unused");
	cJSON_Delete(ok(TOP_DeleteItem, "{\"TableName\":\"sb1\",\"Key\":{\"id\":"
	    "{\"S\":\"a\"}},\"Expected\":{\"v\":{\"Value\":{\"N\":\"3\"}}}}"));
	cr_expect_eq(sql_int("SELECT count(*) FROM items"), 0);
}

Test(engine, update_item)
{
	cJSON *r;

	cJSON_Delete(ok(TOP_CreateTable, CREATE_T1));
	/* An update of a missing item creates it, key included. */
	r = ok(TOP_UpdateItem, "{\"TableName\":\"tb1\",\"Key\":{\"id\":{\"S\":"
	    "\"a\"},\"n\":{\"N\":\"1\"}},\"UpdateExpression\":\"SET c = :z "
	    "ADD k :one\",\"ExpressionAttributeValues\":{\":z\":{\"S\":\"z\"},"
	    "\":one\":{\"N\":\"1\"}},\"ReturnValues\":\"ALL_NEW\"}");
	cr_expect_str_eq(str_at(r, "Attributes.id.S"), "a");
	cr_expect_str_eq(str_at(r, "Attributes.n.N"), "1");
	cr_expect_str_eq(str_at(r, "Attributes.c.S"), "z");
	cr_expect_str_eq(str_at(r, "Attributes.k.N"), "1");
	cJSON_Delete(r);

	r = ok(TOP_UpdateItem, "{\"TableName\":\"tb1\",\"Key\":{\"id\":{\"S\":"
	    "\"a\"},\"n\":{\"N\":\"1\"}},\"UpdateExpression\":\"ADD k :one\","
	    "\"ExpressionAttributeValues\":{\":one\":{\"N\":\"1\"}},"
	    "\"ReturnValues\":\"UPDATED_NEW\"}");
	cr_expect_str_eq(str_at(r, "Attributes.k.N"), "2");
	cr_expect_eq(cJSON_GetArraySize(at(r, "Attributes")), 1);
	cJSON_Delete(r);

	r = ok(TOP_UpdateItem, "{\"TableName\":\"tb1\",\"Key\":{\"id\":{\"S\":"
	    "\"a\"},\"n\":{\"N\":\"1\"}},\"UpdateExpression\":\"REMOVE c\","
	    "\"ConditionExpression\":\"k = :two\",\"ExpressionAttributeValues\":"
	    "{\":two\":{\"N\":\"2\"}},\"ReturnValues\":\"UPDATED_OLD\"}");
	cr_expect_str_eq(str_at(r, "Attributes.c.S"), "z");
	cJSON_Delete(r);

	r = ok(TOP_GetItem, "{\"TableName\":\"tb1\",\"Key\":{\"id\":{\"S\":"
	    "\"a\"},\"n\":{\"N\":\"1\"}}}");
	cr_expect_null(at(r, "Item.c"));
	cr_expect_str_eq(str_at(r, "Item.k.N"), "2");
	cJSON_Delete(r);

	fails(TOP_UpdateItem, "{\"TableName\":\"tb1\",\"Key\":{\"id\":{\"S\":"
	    "\"a\"},\"n\":{\"N\":\"1\"}},\"UpdateExpression\":\"SET id = :z\","
	    "\"ExpressionAttributeValues\":{\":z\":{\"S\":\"z\"}}}",
	    DDB_VALIDATION, "One or more parameter values were invalid: Cannot "
	    "update attribute id. This attribute is part of the key");
	fails(TOP_UpdateItem, "{\"TableName\":\"tb1\",\"Key\":{\"id\":{\"S\":"
	    "\"a\"},\"n\":{\"N\":\"1\"}},\"UpdateExpression\":\"SET q = :z\","
	    "\"ConditionExpression\":\"attribute_not_exists(id)\","
	    "\"ExpressionAttributeValues\":{\":z\":{\"S\":\"z\"}}}",
	    DDB_CONDITIONAL_CHECK_FAILED, "The conditional request failed");
	fails(TOP_UpdateItem, "{\"TableName\":\"tb1\",\"Key\":{\"id\":{\"S\":"
	    "\"a\"},\"n\":{\"N\":\"1\"}},\"UpdateExpression\":\"SET q = :z\","
	    "\"AttributeUpdates\":{\"q\":{\"Action\":\"PUT\",\"Value\":{\"S\":"
	    "\"x\"}}},\"ExpressionAttributeValues\":{\":z\":{\"S\":\"z\"}}}",
	    DDB_VALIDATION, "Non-expression parameters: {AttributeUpdates} "
	    "Expression parameters: {UpdateExpression}");

	/* Legacy AttributeUpdates. */
	cJSON_Delete(ok(TOP_UpdateItem, "{\"TableName\":\"tb1\",\"Key\":{\"id\":"
	    "{\"S\":\"a\"},\"n\":{\"N\":\"1\"}},\"AttributeUpdates\":{\"q\":"
	    "{\"Action\":\"PUT\",\"Value\":{\"S\":\"x\"}}}}"));
	r = ok(TOP_GetItem, "{\"TableName\":\"tb1\",\"Key\":{\"id\":{\"S\":"
	    "\"a\"},\"n\":{\"N\":\"1\"}}}");
	cr_expect_str_eq(str_at(r, "Item.q.S"), "x");
	cJSON_Delete(r);
}

/* ---- indexes ----------------------------------------------------------------- */

Test(engine, gsi_entries_follow_the_item)
{
	cJSON *r;

	cJSON_Delete(ok(TOP_CreateTable, CREATE_G));
	cJSON_Delete(ok(TOP_PutItem, "{\"TableName\":\"gtb\",\"Item\":{\"id\":"
	    "{\"S\":\"a\"},\"g\":{\"S\":\"x\"},\"other\":{\"N\":\"5\"}}}"));
	cr_expect_eq(sql_int("SELECT count(*) FROM idx"), 1);
	cr_expect_eq(sql_int("SELECT count(*) FROM idx WHERE hk = CAST('x' AS "
	    "BLOB) AND thk = CAST('a' AS BLOB)"), 1);
	/* KEYS_ONLY: the table and index keys, nothing else. */
	cr_expect_eq(sql_int("SELECT json_extract(item, '$.other') IS NULL AND "
	    "json_extract(item, '$.g.S') = 'x' AND json_extract(item, "
	    "'$.id.S') = 'a' FROM idx"), 1);

	/* Moved to another index key: no stale entry under the old one. */
	cJSON_Delete(ok(TOP_UpdateItem, "{\"TableName\":\"gtb\",\"Key\":{\"id\":"
	    "{\"S\":\"a\"}},\"UpdateExpression\":\"SET g = :y\","
	    "\"ExpressionAttributeValues\":{\":y\":{\"S\":\"y\"}}}"));
	cr_expect_eq(sql_int("SELECT count(*) FROM idx"), 1);
	cr_expect_eq(sql_int("SELECT count(*) FROM idx WHERE hk = CAST('y' AS "
	    "BLOB)"), 1);

	/* Sparse: an item without g is not in the index. */
	cJSON_Delete(ok(TOP_PutItem, "{\"TableName\":\"gtb\",\"Item\":{\"id\":"
	    "{\"S\":\"b\"}}}"));
	cr_expect_eq(sql_int("SELECT count(*) FROM idx"), 1);
	cJSON_Delete(ok(TOP_UpdateItem, "{\"TableName\":\"gtb\",\"Key\":{\"id\":"
	    "{\"S\":\"a\"}},\"UpdateExpression\":\"REMOVE g\"}"));
	cr_expect_eq(sql_int("SELECT count(*) FROM idx"), 0);

	fails(TOP_PutItem, "{\"TableName\":\"gtb\",\"Item\":{\"id\":"
	    "{\"S\":\"c\"},\"g\":{\"N\":\"1\"}}}", DDB_VALIDATION,
	    "Type mismatch for Index Key g Expected: S Actual: N IndexName: "
	    "byg");
	cJSON_Delete(ok(TOP_PutItem, "{\"TableName\":\"gtb\",\"Item\":{\"id\":"
	    "{\"S\":\"c\"},\"g\":{\"S\":\"q\"}}}"));
	cJSON_Delete(ok(TOP_DeleteItem, "{\"TableName\":\"gtb\",\"Key\":{\"id\":"
	    "{\"S\":\"c\"}}}"));
	cr_expect_eq(sql_int("SELECT count(*) FROM idx"), 0);

	r = ok(TOP_DescribeTable, "{\"TableName\":\"gtb\"}");
	cr_expect_str_eq(str_at(r, "Table.GlobalSecondaryIndexes.0.IndexArn"),
	    "arn:aws:dynamodb:us-east-1:123456789012:table/gtb/index/byg");
	cr_expect_str_eq(str_at(r, "Table.GlobalSecondaryIndexes.0.Projection."
	    "ProjectionType"), "KEYS_ONLY");
	cr_expect_eq(num_at(r, "Table.GlobalSecondaryIndexes.0."
	    "ProvisionedThroughput.ReadCapacityUnits"), 0);
	cJSON_Delete(r);
}

Test(engine, capacity_and_collection_metrics)
{
	cJSON *r;

	cJSON_Delete(ok(TOP_CreateTable, CREATE_G));
	r = ok(TOP_PutItem, "{\"TableName\":\"gtb\",\"Item\":{\"id\":"
	    "{\"S\":\"a\"},\"g\":{\"S\":\"x\"}},\"ReturnConsumedCapacity\":"
	    "\"INDEXES\"}");
	cr_expect_str_eq(str_at(r, "ConsumedCapacity.TableName"), "gtb");
	cr_expect_eq(num_at(r, "ConsumedCapacity.Table.CapacityUnits"), 1);
	cr_expect_eq(num_at(r, "ConsumedCapacity.GlobalSecondaryIndexes.byg."
	    "CapacityUnits"), 1);
	cr_expect_eq(num_at(r, "ConsumedCapacity.CapacityUnits"), 2);
	cJSON_Delete(r);
	r = ok(TOP_GetItem, "{\"TableName\":\"gtb\",\"Key\":{\"id\":"
	    "{\"S\":\"a\"}},\"ReturnConsumedCapacity\":\"TOTAL\"}");
	cr_expect_eq(num_at(r, "ConsumedCapacity.CapacityUnits"), 0.5);
	cJSON_Delete(r);
	fails(TOP_GetItem, "{\"TableName\":\"gtb\",\"Key\":{\"id\":"
	    "{\"S\":\"a\"}},\"ReturnConsumedCapacity\":\"ALL\"}", DDB_VALIDATION,
	    "[INDEXES, TOTAL, NONE]");

	cr_expect_eq(tbl_read_units(4096, true), 1);
	cr_expect_eq(tbl_read_units(4097, true), 2);
	cr_expect_eq(tbl_read_units(10, false), 0.5);
	cr_expect_eq(tbl_write_units(1024), 1);
	cr_expect_eq(tbl_write_units(1025), 2);
	cr_expect_eq(tbl_write_units(0), 1);
}

Test(engine, lsi_and_item_collection_metrics)
{
	cJSON *r;

	cJSON_Delete(ok(TOP_CreateTable, "{\"TableName\":\"ltb\","
	    "\"BillingMode\":\"PAY_PER_REQUEST\",\"AttributeDefinitions\":["
	    "{\"AttributeName\":\"h\",\"AttributeType\":\"S\"},"
	    "{\"AttributeName\":\"r\",\"AttributeType\":\"N\"},"
	    "{\"AttributeName\":\"l\",\"AttributeType\":\"N\"}],"
	    "\"KeySchema\":[{\"AttributeName\":\"h\",\"KeyType\":\"HASH\"},"
	    "{\"AttributeName\":\"r\",\"KeyType\":\"RANGE\"}],"
	    "\"LocalSecondaryIndexes\":[{\"IndexName\":\"byl\",\"KeySchema\":"
	    "[{\"AttributeName\":\"h\",\"KeyType\":\"HASH\"},"
	    "{\"AttributeName\":\"l\",\"KeyType\":\"RANGE\"}],"
	    "\"Projection\":{\"ProjectionType\":\"INCLUDE\","
	    "\"NonKeyAttributes\":[\"p\"]}}]}"));
	r = ok(TOP_PutItem, "{\"TableName\":\"ltb\",\"Item\":{\"h\":{\"S\":"
	    "\"a\"},\"r\":{\"N\":\"1\"},\"l\":{\"N\":\"7\"},\"p\":{\"S\":"
	    "\"kept\"},\"q\":{\"S\":\"dropped\"}},"
	    "\"ReturnItemCollectionMetrics\":\"SIZE\"}");
	cr_expect_str_eq(str_at(r, "ItemCollectionMetrics.ItemCollectionKey.h."
	    "S"), "a");
	cr_expect_eq(num_at(r, "ItemCollectionMetrics.SizeEstimateRangeGB.0"),
	    0);
	cr_expect_eq(num_at(r, "ItemCollectionMetrics.SizeEstimateRangeGB.1"),
	    1);
	cJSON_Delete(r);
	/* INCLUDE: keys and p, not q. */
	cr_expect_eq(sql_int("SELECT json_extract(item, '$.p.S') = 'kept' AND "
	    "json_extract(item, '$.q') IS NULL AND json_extract(item, "
	    "'$.l.N') = '7' FROM idx"), 1);
	r = ok(TOP_DescribeTable, "{\"TableName\":\"ltb\"}");
	cr_expect_str_eq(str_at(r, "Table.LocalSecondaryIndexes.0.Projection."
	    "NonKeyAttributes.0"), "p");
	cr_expect_eq(num_at(r, "Table.LocalSecondaryIndexes.0.ItemCount"), 1);
	cr_expect_null(at(r, "Table.LocalSecondaryIndexes.0.IndexStatus"));
	cJSON_Delete(r);
	fails(TOP_CreateTable, "{\"TableName\":\"ltb2\","
	    "\"BillingMode\":\"PAY_PER_REQUEST\",\"AttributeDefinitions\":["
	    "{\"AttributeName\":\"h\",\"AttributeType\":\"S\"},"
	    "{\"AttributeName\":\"r\",\"AttributeType\":\"N\"},"
	    "{\"AttributeName\":\"l\",\"AttributeType\":\"N\"}],"
	    "\"KeySchema\":[{\"AttributeName\":\"h\",\"KeyType\":\"HASH\"},"
	    "{\"AttributeName\":\"r\",\"KeyType\":\"RANGE\"}],"
	    "\"LocalSecondaryIndexes\":[{\"IndexName\":\"byl\",\"KeySchema\":"
	    "[{\"AttributeName\":\"l\",\"KeyType\":\"HASH\"},"
	    "{\"AttributeName\":\"r\",\"KeyType\":\"RANGE\"}],"
	    "\"Projection\":{\"ProjectionType\":\"ALL\"}}]}", DDB_VALIDATION,
	    "does not have the same leading hash key");
}

/* ---- TTL, tags, access, account ----------------------------------------------- */

Test(engine, ttl_settings_and_sweep)
{
	char json[512];
	cJSON *r;
	long now = (long)(call.now_ms / 1000);

	cJSON_Delete(ok(TOP_CreateTable, CREATE_G));
	/* e: written before TTL was on, expired; found all the same. */
	snprintf(json, sizeof(json), "{\"TableName\":\"gtb\",\"Item\":{\"id\":"
	    "{\"S\":\"e\"},\"exp\":{\"N\":\"%ld\"}}}", now - 5);
	cJSON_Delete(ok(TOP_PutItem, json));
	r = ok(TOP_DescribeTimeToLive, "{\"TableName\":\"gtb\"}");
	cr_expect_str_eq(str_at(r, "TimeToLiveDescription.TimeToLiveStatus"),
	    "DISABLED");
	cJSON_Delete(r);
	fails(TOP_UpdateTimeToLive, "{\"TableName\":\"gtb\","
	    "\"TimeToLiveSpecification\":{\"AttributeName\":\"exp\","
	    "\"Enabled\":false}}", DDB_VALIDATION,
	    "TimeToLive is already disabled");
	r = ok(TOP_UpdateTimeToLive, "{\"TableName\":\"gtb\","
	    "\"TimeToLiveSpecification\":{\"AttributeName\":\"exp\","
	    "\"Enabled\":true}}");
	cr_expect_str_eq(str_at(r, "TimeToLiveSpecification.AttributeName"),
	    "exp");
	cr_expect(cJSON_IsTrue(at(r, "TimeToLiveSpecification.Enabled")));
	cJSON_Delete(r);
	fails(TOP_UpdateTimeToLive, "{\"TableName\":\"gtb\","
	    "\"TimeToLiveSpecification\":{\"AttributeName\":\"exp\","
	    "\"Enabled\":true}}", DDB_VALIDATION,
	    "TimeToLive is already enabled");
	r = ok(TOP_DescribeTimeToLive, "{\"TableName\":\"gtb\"}");
	cr_expect_str_eq(str_at(r, "TimeToLiveDescription.TimeToLiveStatus"),
	    "ENABLED");
	cr_expect_str_eq(str_at(r, "TimeToLiveDescription.AttributeName"),
	    "exp");
	cJSON_Delete(r);

	/* a: expired; b: later; c: exp is a string; d: no exp. */
	snprintf(json, sizeof(json), "{\"TableName\":\"gtb\",\"Item\":{\"id\":"
	    "{\"S\":\"a\"},\"g\":{\"S\":\"x\"},\"exp\":{\"N\":\"%ld\"}}}",
	    now - 10);
	cJSON_Delete(ok(TOP_PutItem, json));
	snprintf(json, sizeof(json), "{\"TableName\":\"gtb\",\"Item\":{\"id\":"
	    "{\"S\":\"b\"},\"g\":{\"S\":\"x\"},\"exp\":{\"N\":\"%ld\"}}}",
	    now + 1000);
	cJSON_Delete(ok(TOP_PutItem, json));
	cJSON_Delete(ok(TOP_PutItem, "{\"TableName\":\"gtb\",\"Item\":{\"id\":"
	    "{\"S\":\"c\"},\"exp\":{\"S\":\"1\"}}}"));
	cJSON_Delete(ok(TOP_PutItem, "{\"TableName\":\"gtb\",\"Item\":{\"id\":"
	    "{\"S\":\"d\"}}}"));
	cr_expect_eq(sql_int("SELECT count(*) FROM idx"), 2);

	cr_assert_eq(sqlite3_exec(db, "BEGIN", NULL, NULL, NULL), SQLITE_OK);
	cr_expect_eq(tables_ttl_sweep(db, now, 100), 2);
	cr_assert_eq(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	cr_expect_eq(sql_int("SELECT count(*) FROM items"), 3);
	cr_expect_eq(sql_int("SELECT count(*) FROM items WHERE "
	    "hk = CAST('e' AS BLOB)"), 0);
	cr_expect_eq(sql_int("SELECT count(*) FROM items WHERE "
	    "hk = CAST('a' AS BLOB)"), 0);
	cr_expect_eq(sql_int("SELECT count(*) FROM idx"), 1);
	cr_expect_eq(tables_ttl_sweep(db, now, 100), 0);
	/* Later, b expires too; max bounds the batch. */
	cr_expect_eq(tables_ttl_sweep(db, now + 2000, 0), 0);
	cr_expect_eq(tables_ttl_sweep(db, now + 2000, 10), 1);
	cr_expect_eq(sql_int("SELECT count(*) FROM idx"), 0);

	/* Transaction tokens older than 10 minutes go with the sweep. */
	snprintf(json, sizeof(json), "INSERT INTO tokens VALUES('old', 'h', "
	    "%ld, '{}'), ('new', 'h', %ld, '{}')", (now - 700) * 1000,
	    (now - 10) * 1000);
	cr_assert_eq(sqlite3_exec(db, json, NULL, NULL, NULL), SQLITE_OK);
	cr_expect_eq(tables_ttl_sweep(db, now, 10), 0);
	cr_expect_eq(sql_int("SELECT count(*) FROM tokens WHERE token = 'new'"),
	    1);
	cr_expect_eq(sql_int("SELECT count(*) FROM tokens"), 1);

	fails(TOP_UpdateTimeToLive, "{\"TableName\":\"gtb\","
	    "\"TimeToLiveSpecification\":{\"AttributeName\":\"other\","
	    "\"Enabled\":false}}", DDB_VALIDATION,
	    "TimeToLive is active on a different AttributeName");
	cJSON_Delete(ok(TOP_UpdateTimeToLive, "{\"TableName\":\"gtb\","
	    "\"TimeToLiveSpecification\":{\"AttributeName\":\"exp\","
	    "\"Enabled\":false}}"));
	r = ok(TOP_DescribeTimeToLive, "{\"TableName\":\"gtb\"}");
	cr_expect_str_eq(str_at(r, "TimeToLiveDescription.TimeToLiveStatus"),
	    "DISABLED");
	cJSON_Delete(r);
	cr_expect_eq(sql_int("SELECT count(*) FROM items WHERE exp IS NOT "
	    "NULL"), 0);

	/* A TTL attribute name no JSON path could spell. */
	cJSON_Delete(ok(TOP_UpdateTimeToLive, "{\"TableName\":\"gtb\","
	    "\"TimeToLiveSpecification\":{\"AttributeName\":\"e\\\"x.y\","
	    "\"Enabled\":true}}"));
	snprintf(json, sizeof(json), "{\"TableName\":\"gtb\",\"Item\":{\"id\":"
	    "{\"S\":\"f\"},\"e\\\"x.y\":{\"N\":\"%ld\"}}}", now - 5);
	cJSON_Delete(ok(TOP_PutItem, json));
	cr_expect_eq(tables_ttl_sweep(db, now, 100), 1);
}

#define ARN "arn:aws:dynamodb:us-east-1:123456789012:table/"

Test(engine, tags)
{
	cJSON *r;

	cJSON_Delete(ok(TOP_CreateTable, "{\"TableName\":\"tg1\","
	    "\"BillingMode\":\"PAY_PER_REQUEST\",\"AttributeDefinitions\":["
	    "{\"AttributeName\":\"id\",\"AttributeType\":\"S\"}],"
	    "\"KeySchema\":[{\"AttributeName\":\"id\",\"KeyType\":\"HASH\"}],"
	    "\"Tags\":[{\"Key\":\"team\",\"Value\":\"cart\"}]}"));
	cJSON_Delete(ok(TOP_TagResource, "{\"ResourceArn\":\"" ARN "tg1\","
	    "\"Tags\":[{\"Key\":\"env\",\"Value\":\"dev\"},{\"Key\":\"team\","
	    "\"Value\":\"shop\"}]}"));
	r = ok(TOP_ListTagsOfResource, "{\"ResourceArn\":\"" ARN "tg1\"}");
	cr_expect_eq(cJSON_GetArraySize(at(r, "Tags")), 2);
	cr_expect_str_eq(str_at(r, "Tags.0.Key"), "env");
	cr_expect_str_eq(str_at(r, "Tags.1.Value"), "shop");
	cJSON_Delete(r);
	cJSON_Delete(ok(TOP_UntagResource, "{\"ResourceArn\":\"" ARN "tg1\","
	    "\"TagKeys\":[\"env\"]}"));
	r = ok(TOP_ListTagsOfResource, "{\"ResourceArn\":\"" ARN "tg1\"}");
	cr_expect_eq(cJSON_GetArraySize(at(r, "Tags")), 1);
	cr_expect_str_eq(str_at(r, "Tags.0.Key"), "team");
	cJSON_Delete(r);
	fails(TOP_ListTagsOfResource, "{\"ResourceArn\":\"arn:aws:dynamodb:"
	    "eu-west-1:123456789012:table/tg1\"}", DDB_VALIDATION,
	    "Invalid TableArn: Invalid ResourceArn provided as input");
	fails(TOP_ListTagsOfResource, "{\"ResourceArn\":\"" ARN "zzz\"}",
	    DDB_RESOURCE_NOT_FOUND, "Requested resource not found: ResourcArn: "
	    ARN "zzz not found");
	fails(TOP_TagResource, "{\"ResourceArn\":\"" ARN "tg1\"}",
	    DDB_VALIDATION, "Value null at 'tags'");
}

Test(engine, access_denied)
{
	cJSON_Delete(ok(TOP_CreateTable, "{\"TableName\":\"other\","
	    "\"BillingMode\":\"PAY_PER_REQUEST\",\"AttributeDefinitions\":["
	    "{\"AttributeName\":\"id\",\"AttributeType\":\"S\"}],"
	    "\"KeySchema\":[{\"AttributeName\":\"id\",\"KeyType\":\"HASH\"}]}"));
	fails(TOP_CreateTable, "{\"TableName\":\"secret\","
	    "\"BillingMode\":\"PAY_PER_REQUEST\",\"AttributeDefinitions\":["
	    "{\"AttributeName\":\"id\",\"AttributeType\":\"S\"}],"
	    "\"KeySchema\":[{\"AttributeName\":\"id\",\"KeyType\":\"HASH\"}]}",
	    DDB_ACCESS_DENIED, "User: arn:aws:sts::123456789012:assumed-role/"
	    "cart/cart is not authorized to perform: dynamodb:CreateTable on "
	    "resource: " ARN "secret because no identity-based policy allows "
	    "the dynamodb:CreateTable action");
	fails(TOP_PutItem, "{\"TableName\":\"secret\",\"Item\":{\"id\":"
	    "{\"S\":\"a\"}}}", DDB_ACCESS_DENIED, "dynamodb:PutItem on "
	    "resource: " ARN "secret");
	/* A read of it is allowed (and finds no table). */
	fails(TOP_GetItem, "{\"TableName\":\"secret\",\"Key\":{\"id\":"
	    "{\"S\":\"a\"}}}", DDB_RESOURCE_NOT_FOUND,
	    "Requested resource not found");
	fails(TOP_TagResource, "{\"ResourceArn\":\"" ARN "secret\",\"Tags\":"
	    "[]}", DDB_ACCESS_DENIED, "dynamodb:TagResource");
	call.allow = NULL;
	fails(TOP_PutItem, "{\"TableName\":\"secret\",\"Item\":{\"id\":"
	    "{\"S\":\"a\"}}}", DDB_RESOURCE_NOT_FOUND,
	    "Requested resource not found");
	call.allow = deny_secret;
}

Test(engine, endpoints_and_limits)
{
	cJSON *r = ok(TOP_DescribeEndpoints, "{}");

	cr_expect_str_eq(str_at(r, "Endpoints.0.Address"),
	    "dynamodb.us-east-1.amazonaws.com");
	cr_expect_eq(num_at(r, "Endpoints.0.CachePeriodInMinutes"), 1440);
	cJSON_Delete(r);
	r = ok(TOP_DescribeLimits, "{}");
	cr_expect_eq(num_at(r, "AccountMaxReadCapacityUnits"), 80000);
	cr_expect_eq(num_at(r, "TableMaxWriteCapacityUnits"), 40000);
	cJSON_Delete(r);
}

/* ---- stats, backup --------------------------------------------------------------- */

Test(engine, stats_and_backup)
{
	char path[PATH_MAX + 16];
	struct ddb_err err = { .type = DDB_OK };
	uint64_t nitems = 0;
	struct stat st;
	sqlite3 *copy;
	cJSON *s, *r;

	cJSON_Delete(ok(TOP_CreateTable, CREATE_G));
	cJSON_Delete(ok(TOP_CreateTable, CREATE_S));
	cJSON_Delete(ok(TOP_PutItem, "{\"TableName\":\"gtb\",\"Item\":{\"id\":"
	    "{\"S\":\"a\"},\"g\":{\"S\":\"x\"}}}"));
	cJSON_Delete(ok(TOP_PutItem, "{\"TableName\":\"gtb\",\"Item\":{\"id\":"
	    "{\"S\":\"b\"}}}"));
	s = tables_stats(db);
	cr_assert_not_null(s);
	cr_expect_eq(cJSON_GetArraySize(s), 2);
	cr_expect_str_eq(str_at(s, "0.TableName"), "gtb");
	cr_expect_eq(num_at(s, "0.ItemCount"), 2);
	cr_expect(num_at(s, "0.TableSizeBytes") > 0);
	cr_expect_eq(num_at(s, "1.ItemCount"), 0);
	cr_expect_str_eq(str_at(s, "0.TableStatus"), "ACTIVE");
	cr_expect_str_eq(str_at(s, "0.KeySchema.0.AttributeName"), "id");
	cr_expect_str_eq(str_at(s, "0.KeySchema.0.KeyType"), "HASH");
	cr_expect_str_eq(str_at(s, "0.KeySchema.0.AttributeType"), "S");
	cr_expect_eq(num_at(s, "0.GlobalSecondaryIndexCount"), 1);
	cr_expect_eq(num_at(s, "0.LocalSecondaryIndexCount"), 0);
	cJSON_Delete(s);
	/* The size is the sum DescribeTable reports. */
	r = ok(TOP_DescribeTable, "{\"TableName\":\"gtb\"}");
	s = tables_stats(db);
	cr_expect_eq(num_at(s, "0.TableSizeBytes"),
	    num_at(r, "Table.TableSizeBytes"));
	cJSON_Delete(s);
	cJSON_Delete(r);

	snprintf(path, sizeof(path), "%s/gtb.bak", dir);
	cr_assert_eq(sqlite3_exec(db, "BEGIN", NULL, NULL, NULL), SQLITE_OK);
	cr_expect_eq(tables_backup(db, "gtb", path, &nitems, &err), 0, "%s", err.msg);
	cr_expect_eq(nitems, 2);
	cr_expect_eq(stat(path, &st), 0);
	cr_expect_eq(st.st_mode & 0777, 0600, "the copy is the owner's only");
	cr_expect_eq(tables_backup(db, "gtb", path, NULL, &err), -1);
	cr_expect(strstr(err.msg, "already exists") != NULL, "%s", err.msg);
	cr_expect_eq(stat(path, &st), 0, "a refused backup leaves the file");
	cr_expect_eq(tables_backup(db, "nope", path, NULL, &err), -1);
	cr_expect_eq(err.type, DDB_RESOURCE_NOT_FOUND);
	cr_assert_eq(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), SQLITE_OK);

	/* The copy is a store of its own holding just that table. */
	cr_assert_eq(sqlite3_open(path, &copy), SQLITE_OK);
	sqlite3_close(db);
	db = copy;
	r = ok(TOP_DescribeTable, "{\"TableName\":\"gtb\"}");
	cr_expect_eq(num_at(r, "Table.ItemCount"), 2);
	cr_expect_eq(num_at(r, "Table.GlobalSecondaryIndexes.0.ItemCount"), 1);
	cJSON_Delete(r);
	fails(TOP_DescribeTable, "{\"TableName\":\"sb1\"}",
	    DDB_RESOURCE_NOT_FOUND, "not found");
	cJSON_Delete(ok(TOP_CreateTable, CREATE_S));
	cr_expect_eq(sql_int("SELECT count(DISTINCT id) FROM tbls"), 2);
}

Test(engine, update_table_errors_and_protection)
{
	cJSON *r;

	cJSON_Delete(ok(TOP_CreateTable, "{\"TableName\":\"pro\","
	    "\"BillingMode\":\"PAY_PER_REQUEST\",\"DeletionProtectionEnabled\":"
	    "true,\"AttributeDefinitions\":[{\"AttributeName\":\"id\","
	    "\"AttributeType\":\"S\"}],\"KeySchema\":[{\"AttributeName\":"
	    "\"id\",\"KeyType\":\"HASH\"}]}"));
	fails(TOP_DeleteTable, "{\"TableName\":\"pro\"}", DDB_VALIDATION,
	    "currently protected against deletion");
	fails(TOP_UpdateTable, "{\"TableName\":\"pro\"," PT "}",
	    DDB_VALIDATION, "Neither ReadCapacityUnits nor WriteCapacityUnits");
	fails(TOP_UpdateTable, "{\"TableName\":\"pro\","
	    "\"GlobalSecondaryIndexUpdates\":[{\"Delete\":{\"IndexName\":"
	    "\"nope\"}}]}", DDB_RESOURCE_NOT_FOUND, "Index: nope not found");
	fails(TOP_UpdateTable, "{\"TableName\":\"pro\","
	    "\"GlobalSecondaryIndexUpdates\":[{\"Create\":{\"IndexName\":"
	    "\"byx\",\"KeySchema\":[{\"AttributeName\":\"x\",\"KeyType\":"
	    "\"HASH\"}],\"Projection\":{\"ProjectionType\":\"ALL\"}}}]}",
	    DDB_VALIDATION, "Some index key attributes are not defined");
	fails(TOP_UpdateTable, "{\"TableName\":\"pro\","
	    "\"StreamSpecification\":{\"StreamEnabled\":true}}",
	    DDB_VALIDATION, "Streams are not supported");
	r = ok(TOP_UpdateTable, "{\"TableName\":\"pro\","
	    "\"DeletionProtectionEnabled\":false}");
	cr_expect(cJSON_IsFalse(at(r,
	    "TableDescription.DeletionProtectionEnabled")));
	cJSON_Delete(r);
	cJSON_Delete(ok(TOP_DeleteTable, "{\"TableName\":\"pro\"}"));
	cr_expect_eq(sql_int("SELECT count(*) FROM tbls"), 0);
}

Test(engine, consistent_read_units_and_not_json_object)
{
	struct ddb_err err;
	cJSON *req = cJSON_Parse("[1]"), *resp = (cJSON *)1;
	cJSON *r;

	cJSON_Delete(ok(TOP_CreateTable, CREATE_S));
	r = ok(TOP_GetItem, "{\"TableName\":\"sb1\",\"Key\":{\"id\":"
	    "{\"S\":\"a\"}},\"ConsistentRead\":true,"
	    "\"ReturnConsumedCapacity\":\"TOTAL\"}");
	cr_expect_eq(num_at(r, "ConsumedCapacity.CapacityUnits"), 1);
	cr_expect_eq(num_at(r, "ConsumedCapacity.ReadCapacityUnits"), 1);
	cJSON_Delete(r);
	fails(TOP_GetItem, "{\"TableName\":\"sb1\",\"Key\":{\"id\":"
	    "{\"S\":\"a\"}},\"ConsistentRead\":\"yes\"}", DDB_SERIALIZATION,
	    "cannot be converted to Boolean");
	memset(&err, 0, sizeof(err));
	cr_expect_eq(tables_exec(db, TOP_GetItem, req, &call, &resp, &err), -1);
	cr_expect_null(resp);
	cr_expect_eq(err.type, DDB_SERIALIZATION);
	cJSON_Delete(req);
}
