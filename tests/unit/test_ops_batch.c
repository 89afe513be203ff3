/*
 * Unit tests for gateway/tables/ops_batch.c and ops_txn.c: BatchWriteItem
 * and BatchGetItem (limits, duplicates, missing tables, projections,
 * Responses and empty UnprocessedKeys/UnprocessedItems), TransactWriteItems
 * (all actions, cancellation reasons in order with nothing written, one
 * item twice, ClientRequestToken replay and mismatch) and
 * TransactGetItems, on a real SQLite file with the engine's schema, each
 * call inside a SAVEPOINT as the store runs it.  Requests are written
 * with ' for ".
 */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "buf.h"
#include "tables_fixture.h"

static int64_t now_ms = 1700000000000;

static void
setup(void)
{
	tf_open("ops_batch");
}

static void
teardown(void)
{
	tf_close();
}

static const char *deny_write;	/* a table the caller may only read */

static bool
allow(void *arg, const char *table, bool write)
{
	(void)arg;
	return !write || deny_write == NULL || strcmp(table, deny_write) != 0;
}

static cJSON *run_text(enum tables_op op, char *text);

/* Run op on a request (printf format, ' for "): the reply, or NULL with
 * err set.  A failing call is rolled back, as the store does. */
static cJSON *run(enum tables_op op, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static cJSON *
run(enum tables_op op, const char *fmt, ...)
{
	char *text;
	va_list ap;

	va_start(ap, fmt);
	cr_assert_geq(vasprintf(&text, fmt, ap), 0);
	va_end(ap);
	return run_text(op, text);
}

static cJSON *
run_text(enum tables_op op, char *text)
{
	struct tables_call call = { .region = "us-east-1",
	    .account = "000000000000", .principal = "test", .now_ms = now_ms,
	    .allow = allow };

	return tf_exec(op, text, '\'', &call);
}

static void
make_table(const char *name)
{
	cJSON_Delete(ok(run(TOP_CreateTable, "{'TableName':'%s',"
	    "'AttributeDefinitions':[{'AttributeName':'id','AttributeType':'S'}],"
	    "'KeySchema':[{'AttributeName':'id','KeyType':'HASH'}],"
	    "'BillingMode':'PAY_PER_REQUEST'}", name)));
}

/* The stored item's attribute a (its S or N text), or NULL if no item. */
static char *
get_attr(const char *table, const char *id, const char *a)
{
	cJSON *r = ok(run(TOP_GetItem, "{'TableName':'%s','ConsistentRead':"
	    "true,'Key':{'id':{'S':'%s'}}}", table, id));
	cJSON *it = cJSON_GetObjectItem(r, "Item"), *av;
	char *out = NULL;

	if (it != NULL) {
		av = cJSON_GetObjectItem(it, a);
		out = strdup(av != NULL ? av->child->valuestring : "-");
	}
	cJSON_Delete(r);
	return out;
}

static void
expect_attr(const char *table, const char *id, const char *a,
    const char *want)
{
	char *got = get_attr(table, id, a);

	if (want == NULL)
		cr_expect_null(got, "%s/%s should be absent", table, id);
	else if (got == NULL)
		cr_expect_fail("%s/%s is absent", table, id);
	else
		cr_expect_str_eq(got, want, "%s/%s.%s", table, id, a);
	free(got);
}

/* ---- BatchWriteItem / BatchGetItem ------------------------------------------ */

Test(batch, write_then_get, .init = setup, .fini = teardown)
{
	cJSON *r, *rs, *a;

	make_table("tab1");
	make_table("tab2");
	r = ok(run(TOP_BatchWriteItem, "{'RequestItems':{"
	    "'tab1':[{'PutRequest':{'Item':{'id':{'S':'a'},'v':{'N':'1'}}}},"
	    "{'PutRequest':{'Item':{'id':{'S':'b'},'v':{'N':'2'}}}},"
	    "{'PutRequest':{'Item':{'id':{'S':'c'},'v':{'N':'3'}}}}],"
	    "'tab2':[{'PutRequest':{'Item':{'id':{'S':'x'},'w':{'S':'y'}}}}]}}"));
	cr_expect_eq(cJSON_GetArraySize(cJSON_GetObjectItem(r,
	    "UnprocessedItems")), 0);
	cJSON_Delete(r);
	cJSON_Delete(ok(run(TOP_BatchWriteItem, "{'RequestItems':{"
	    "'tab1':[{'DeleteRequest':{'Key':{'id':{'S':'c'}}}},"
	    "{'DeleteRequest':{'Key':{'id':{'S':'never'}}}}]}}")));
	expect_attr("tab1", "a", "v", "1");
	expect_attr("tab1", "c", "v", NULL);

	r = ok(run(TOP_BatchGetItem, "{'RequestItems':{"
	    "'tab1':{'Keys':[{'id':{'S':'a'}},{'id':{'S':'b'}},{'id':{'S':'c'}}],"
	    "'ProjectionExpression':'#v','ExpressionAttributeNames':"
	    "{'#v':'v'}},"
	    "'tab2':{'Keys':[{'id':{'S':'x'}}],'ConsistentRead':true}},"
	    "'ReturnConsumedCapacity':'TOTAL'}"));
	rs = cJSON_GetObjectItem(r, "Responses");
	a = cJSON_GetObjectItem(rs, "tab1");
	cr_expect_eq(cJSON_GetArraySize(a), 2, "c was deleted");
	cr_expect_null(cJSON_GetObjectItem(cJSON_GetArrayItem(a, 0), "id"),
	    "projected to v only");
	cr_expect_str_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(a, 0),
	    "v")->child->valuestring, "1");
	cr_expect_eq(cJSON_GetArraySize(cJSON_GetObjectItem(rs, "tab2")), 1);
	cr_expect(cJSON_IsObject(cJSON_GetObjectItem(r, "UnprocessedKeys")));
	cr_expect_eq(cJSON_GetArraySize(cJSON_GetObjectItem(r,
	    "UnprocessedKeys")), 0);
	cr_expect_eq(cJSON_GetArraySize(cJSON_GetObjectItem(r,
	    "ConsumedCapacity")), 2);
	cJSON_Delete(r);
}

static char *
many_requests(const char *table, int n, bool dup_last)
{
	struct buf b;
	int i;

	buf_init(&b);
	buf_printf(&b, "{'RequestItems':{'%s':[", table);
	for (i = 0; i < n; i++)
		buf_printf(&b, "%s{'PutRequest':{'Item':{'id':{'S':'k%d'}}}}",
		    i ? "," : "", dup_last && i == n - 1 ? 0 : i);
	buf_adds(&b, "]}}");
	return buf_steal(&b, NULL);
}

static char *
many_keys(int n, int per_table, bool dup_last)
{
	struct buf b;
	int i;

	buf_init(&b);
	buf_adds(&b, "{'RequestItems':{");
	for (i = 0; i < n; i++) {
		if (i % per_table == 0)
			buf_printf(&b, "%s'tab%d':{'Keys':[", i ? "]}," : "",
			    i / per_table + 1);
		else
			buf_addc(&b, ',');
		buf_printf(&b, "{'id':{'S':'k%d'}}", dup_last && i == n - 1 ?
		    n - 2 : i);
	}
	buf_adds(&b, "]}}}");
	return buf_steal(&b, NULL);
}

Test(batch, limits_and_duplicates, .init = setup, .fini = teardown)
{
	cJSON *r;

	make_table("tab1");
	make_table("tab2");
	r = ok(run_text(TOP_BatchWriteItem, many_requests("tab1", 25, false)));
	cJSON_Delete(r);
	expect_attr("tab1", "k24", "id", "k24");
	fails(run_text(TOP_BatchWriteItem, many_requests("tab1", 26, false)),
	    DDB_VALIDATION, "Member must have length less than or equal to 25");
	fails(run_text(TOP_BatchWriteItem, many_requests("tab1", 3, true)),
	    DDB_VALIDATION, "Provided list of item keys contains duplicates");
	fails(run(TOP_BatchWriteItem, "{'RequestItems':{'tab1':["
	    "{'PutRequest':{'Item':{'id':{'S':'z'}}}},"
	    "{'DeleteRequest':{'Key':{'id':{'S':'z'}}}}]}}"), DDB_VALIDATION,
	    "duplicates");
	expect_attr("tab1", "z", "id", NULL);
	fails(run(TOP_BatchWriteItem, "{'RequestItems':{'tab1':["
	    "{'PutRequest':{'Item':{'id':{'S':'n1'}}}}],'nope':["
	    "{'PutRequest':{'Item':{'id':{'S':'n2'}}}}]}}"),
	    DDB_RESOURCE_NOT_FOUND, "Requested resource not found");
	expect_attr("tab1", "n1", "id", NULL);
	fails(run(TOP_BatchWriteItem, "{'RequestItems':{}}"), DDB_VALIDATION,
	    NULL);

	r = ok(run_text(TOP_BatchGetItem, many_keys(100, 50, false)));
	cr_expect_eq(cJSON_GetArraySize(cJSON_GetObjectItem(cJSON_GetObjectItem(
	    r, "Responses"), "tab1")), 25, "k0..k24 exist in tab1");
	cr_expect_eq(cJSON_GetArraySize(cJSON_GetObjectItem(cJSON_GetObjectItem(
	    r, "Responses"), "tab2")), 0);
	cJSON_Delete(r);
	fails(run_text(TOP_BatchGetItem, many_keys(101, 60, false)),
	    DDB_VALIDATION, "Too many items requested for the BatchGetItem call");
	fails(run_text(TOP_BatchGetItem, many_keys(10, 10, true)),
	    DDB_VALIDATION, "Provided list of item keys contains duplicates");
	fails(run(TOP_BatchGetItem, "{'RequestItems':{'tab1':{'Keys':"
	    "[{'id':{'N':'1'}}]}}}"), DDB_VALIDATION, NULL);
	fails(run(TOP_BatchGetItem, "{'RequestItems':{'nope':{'Keys':"
	    "[{'id':{'S':'1'}}]}}}"), DDB_RESOURCE_NOT_FOUND, NULL);
}

/* Keys past 16 MB of reply come back in UnprocessedKeys. */
Test(batch, get_unprocessed_past_16mb, .init = setup, .fini = teardown)
{
	size_t big = 400000;
	char *fill, *item;
	cJSON *r, *unp;
	int i, got, left;

	make_table("tab1");
	fill = malloc(big + 1);
	memset(fill, 'x', big);
	fill[big] = '\0';
	item = malloc(big + 128);
	for (i = 0; i < 50; i++) {
		snprintf(item, big + 128, "{'TableName':'tab1','Item':{'id':{'S':"
		    "'k%d'},'f':{'S':'%s'}}}", i, fill);
		cJSON_Delete(ok(run_text(TOP_PutItem, strdup(item))));
	}
	free(item);
	free(fill);
	r = ok(run_text(TOP_BatchGetItem, many_keys(50, 50, false)));
	got = cJSON_GetArraySize(cJSON_GetObjectItem(cJSON_GetObjectItem(r,
	    "Responses"), "tab1"));
	unp = cJSON_GetObjectItem(cJSON_GetObjectItem(r, "UnprocessedKeys"),
	    "tab1");
	left = cJSON_GetArraySize(cJSON_GetObjectItem(unp, "Keys"));
	cr_expect_eq(got + left, 50);
	cr_expect(got >= 40 && got <= 43, "about 16 MB of 400 KB items: %d",
	    got);
	cJSON_Delete(r);
}

/* ---- TransactWriteItems ---------------------------------------------------- */

static void
seed(void)
{
	make_table("tab1");
	make_table("tab2");
	cJSON_Delete(ok(run(TOP_PutItem, "{'TableName':'tab1','Item':"
	    "{'id':{'S':'a'},'n':{'N':'1'}}}")));
	cJSON_Delete(ok(run(TOP_PutItem, "{'TableName':'tab1','Item':"
	    "{'id':{'S':'b'},'n':{'N':'5'}}}")));
	cJSON_Delete(ok(run(TOP_PutItem, "{'TableName':'tab2','Item':"
	    "{'id':{'S':'gone'}}}")));
}

Test(transact, all_actions_apply, .init = setup, .fini = teardown)
{
	cJSON *r;

	seed();
	r = ok(run(TOP_TransactWriteItems, "{'TransactItems':["
	    "{'Put':{'TableName':'tab2','Item':{'id':{'S':'new'},'n':{'N':'7'}},"
	    "'ConditionExpression':'attribute_not_exists(id)'}},"
	    "{'Update':{'TableName':'tab1','Key':{'id':{'S':'a'}},"
	    "'UpdateExpression':'SET n = n + :one','ConditionExpression':"
	    "'n = :one','ExpressionAttributeValues':{':one':{'N':'1'}}}},"
	    "{'Delete':{'TableName':'tab2','Key':{'id':{'S':'gone'}}}},"
	    "{'ConditionCheck':{'TableName':'tab1','Key':{'id':{'S':'b'}},"
	    "'ConditionExpression':'n > :four','ExpressionAttributeValues':"
	    "{':four':{'N':'4'}}}},"
	    "{'Update':{'TableName':'tab1','Key':{'id':{'S':'up'}},"
	    "'UpdateExpression':'SET m = :m','ExpressionAttributeValues':"
	    "{':m':{'S':'made'}}}}]}"));
	cJSON_Delete(r);
	expect_attr("tab2", "new", "n", "7");
	expect_attr("tab1", "a", "n", "2");
	expect_attr("tab2", "gone", "id", NULL);
	expect_attr("tab1", "b", "n", "5");
	expect_attr("tab1", "up", "m", "made");
}

Test(transact, cancelled_in_order_nothing_written, .init = setup,
    .fini = teardown)
{
	cJSON *reasons, *r1;

	seed();
	fails(run(TOP_TransactWriteItems, "{'TransactItems':["
	    "{'Put':{'TableName':'tab2','Item':{'id':{'S':'new'}}}},"
	    "{'Update':{'TableName':'tab1','Key':{'id':{'S':'a'}},"
	    "'UpdateExpression':'SET n = :nine','ConditionExpression':"
	    "'n = :nine','ReturnValuesOnConditionCheckFailure':'ALL_OLD',"
	    "'ExpressionAttributeValues':{':nine':{'N':'9'}}}},"
	    "{'Delete':{'TableName':'tab2','Key':{'id':{'S':'gone'}}}},"
	    "{'ConditionCheck':{'TableName':'tab1','Key':{'id':{'S':'zz'}},"
	    "'ConditionExpression':'attribute_exists(id)'}}]}"),
	    DDB_TRANSACTION_CANCELED, "Transaction cancelled, please refer "
	    "cancellation reasons for specific reasons [None, "
	    "ConditionalCheckFailed, None, ConditionalCheckFailed]");
	cr_assert_not_null(err.extra);
	reasons = cJSON_GetObjectItem(err.extra, "CancellationReasons");
	cr_assert_eq(cJSON_GetArraySize(reasons), 4);
	cr_expect_str_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(reasons, 0),
	    "Code")->valuestring, "None");
	r1 = cJSON_GetArrayItem(reasons, 1);
	cr_expect_str_eq(cJSON_GetObjectItem(r1, "Code")->valuestring,
	    "ConditionalCheckFailed");
	cr_expect_str_eq(cJSON_GetObjectItem(r1, "Message")->valuestring,
	    "The conditional request failed");
	cr_expect_str_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(
	    cJSON_GetObjectItem(r1, "Item"), "n"), "N")->valuestring, "1");
	cr_expect_null(cJSON_GetObjectItem(cJSON_GetArrayItem(reasons, 3),
	    "Item"), "no ALL_OLD asked, and no item");
	expect_attr("tab2", "new", "id", NULL);
	expect_attr("tab1", "a", "n", "1");
	expect_attr("tab2", "gone", "id", "gone");
}

Test(transact, refusals, .init = setup, .fini = teardown)
{
	struct buf b;
	int i;

	seed();
	fails(run(TOP_TransactWriteItems, "{'TransactItems':["
	    "{'Put':{'TableName':'tab1','Item':{'id':{'S':'a'}}}},"
	    "{'Delete':{'TableName':'tab1','Key':{'id':{'S':'a'}}}}]}"),
	    DDB_VALIDATION, "Transaction request cannot include multiple "
	    "operations on one item");
	fails(run(TOP_TransactWriteItems, "{'TransactItems':["
	    "{'ConditionCheck':{'TableName':'tab1','Key':{'id':{'S':'a'}}}}]}"),
	    DDB_VALIDATION, "conditionExpression");
	fails(run(TOP_TransactWriteItems, "{'TransactItems':["
	    "{'Put':{'TableName':'nope','Item':{'id':{'S':'a'}}}}]}"),
	    DDB_RESOURCE_NOT_FOUND, NULL);
	fails(run(TOP_TransactWriteItems, "{'TransactItems':[]}"),
	    DDB_VALIDATION, NULL);
	buf_init(&b);
	buf_adds(&b, "{'TransactItems':[");
	for (i = 0; i < 101; i++)
		buf_printf(&b, "%s{'Put':{'TableName':'tab1','Item':{'id':"
		    "{'S':'m%d'}}}}", i ? "," : "", i);
	buf_adds(&b, "]}");
	fails(run_text(TOP_TransactWriteItems, buf_steal(&b, NULL)),
	    DDB_VALIDATION, "less than or equal to 100");
	expect_attr("tab1", "m0", "id", NULL);
}

Test(transact, client_request_token, .init = setup, .fini = teardown)
{
	static const char req[] = "{'ClientRequestToken':'tok-1',"
	    "'TransactItems':[{'Update':{'TableName':'tab1','Key':{'id':"
	    "{'S':'a'}},'UpdateExpression':'ADD n :one',"
	    "'ExpressionAttributeValues':{':one':{'N':'1'}}}}]}";

	seed();
	cJSON_Delete(ok(run_text(TOP_TransactWriteItems, strdup(req))));
	expect_attr("tab1", "a", "n", "2");
	now_ms += 60 * 1000;
	cJSON_Delete(ok(run_text(TOP_TransactWriteItems, strdup(req))));
	expect_attr("tab1", "a", "n", "2");	/* not applied again */
	fails(run(TOP_TransactWriteItems, "{'ClientRequestToken':'tok-1',"
	    "'TransactItems':[{'Delete':{'TableName':'tab1','Key':{'id':"
	    "{'S':'b'}}}}]}"), DDB_IDEMPOTENT_MISMATCH, NULL);
	expect_attr("tab1", "b", "n", "5");
	now_ms += 10 * 60 * 1000;	/* the token has expired */
	cJSON_Delete(ok(run_text(TOP_TransactWriteItems, strdup(req))));
	expect_attr("tab1", "a", "n", "3");
}

/* ---- TransactGetItems ------------------------------------------------------- */

Test(transact, get_items, .init = setup, .fini = teardown)
{
	cJSON *r, *rs;

	seed();
	r = ok(run(TOP_TransactGetItems, "{'TransactItems':["
	    "{'Get':{'TableName':'tab1','Key':{'id':{'S':'b'}}}},"
	    "{'Get':{'TableName':'tab1','Key':{'id':{'S':'none'}}}},"
	    "{'Get':{'TableName':'tab2','Key':{'id':{'S':'gone'}},"
	    "'ProjectionExpression':'#i','ExpressionAttributeNames':"
	    "{'#i':'id'}}}]}"));
	rs = cJSON_GetObjectItem(r, "Responses");
	cr_assert_eq(cJSON_GetArraySize(rs), 3);
	cr_expect_str_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(
	    cJSON_GetObjectItem(cJSON_GetArrayItem(rs, 0), "Item"), "n"),
	    "N")->valuestring, "5");
	cr_expect_eq(cJSON_GetArraySize(cJSON_GetArrayItem(rs, 1)), 0);
	cr_expect_eq(cJSON_GetArraySize(cJSON_GetObjectItem(
	    cJSON_GetArrayItem(rs, 2), "Item")), 1);
	cJSON_Delete(r);
	fails(run(TOP_TransactGetItems, "{'TransactItems':["
	    "{'Get':{'TableName':'tab1','Key':{'id':{'S':'b'}}}},"
	    "{'Get':{'TableName':'tab1','Key':{'id':{'S':'b'}}}}]}"),
	    DDB_VALIDATION, "multiple operations on one item");
}

/* ---- access ------------------------------------------------------------------ */

Test(access, every_table_checked_first, .init = setup, .fini = teardown)
{
	cJSON *r;

	seed();
	deny_write = "tab2";
	fails(run(TOP_BatchWriteItem, "{'RequestItems':{"
	    "'tab1':[{'PutRequest':{'Item':{'id':{'S':'w1'}}}}],"
	    "'tab2':[{'PutRequest':{'Item':{'id':{'S':'w2'}}}}]}}"),
	    DDB_ACCESS_DENIED, "dynamodb:BatchWriteItem on resource: "
	    "arn:aws:dynamodb:us-east-1:000000000000:table/tab2");
	fails(run(TOP_TransactWriteItems, "{'TransactItems':["
	    "{'Put':{'TableName':'tab1','Item':{'id':{'S':'w1'}}}},"
	    "{'Delete':{'TableName':'tab2','Key':{'id':{'S':'gone'}}}}]}"),
	    DDB_ACCESS_DENIED, "dynamodb:DeleteItem");
	/* reading and checking a condition on it are allowed */
	r = ok(run(TOP_TransactWriteItems, "{'TransactItems':["
	    "{'Put':{'TableName':'tab1','Item':{'id':{'S':'w3'}}}},"
	    "{'ConditionCheck':{'TableName':'tab2','Key':{'id':{'S':'gone'}},"
	    "'ConditionExpression':'attribute_exists(id)'}}]}"));
	cJSON_Delete(r);
	r = ok(run(TOP_BatchGetItem, "{'RequestItems':{'tab2':{'Keys':"
	    "[{'id':{'S':'gone'}}]}}}"));
	cJSON_Delete(r);
	deny_write = NULL;
	expect_attr("tab1", "w1", "id", NULL);
	expect_attr("tab1", "w3", "id", "w3");
	expect_attr("tab2", "gone", "id", "gone");
}
