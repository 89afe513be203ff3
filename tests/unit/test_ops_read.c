/*
 * Unit tests for gateway/tables/ops_read.c: Query (every key operator,
 * both directions, N, S and B sort orders with negative and fractional
 * numbers, filters, projection, Select, Limit and paging through
 * LastEvaluatedKey, the 1 MB page, GSI and LSI) and Scan (paging, parallel
 * segments that together hold every item once), on a real SQLite file
 * with the engine's schema, each call inside a SAVEPOINT as the store runs
 * it.  Requests are written with ' for " to keep them readable.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "tables_fixture.h"

static void
setup(void)
{
	tf_open("ops_read");
}

static void
teardown(void)
{
	tf_close();
}

/* Run op on a request (printf format, ' for "): the reply, or NULL with
 * err set.  A failing call is rolled back, as the store does. */
static cJSON *run(enum tables_op op, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static cJSON *
run(enum tables_op op, const char *fmt, ...)
{
	struct tables_call call = { .region = "us-east-1",
	    .account = "000000000000", .principal = "test",
	    .now_ms = 1700000000000 };
	char *text;
	va_list ap;

	va_start(ap, fmt);
	cr_assert_geq(vasprintf(&text, fmt, ap), 0);
	va_end(ap);
	return tf_exec(op, text, '\'', &call);
}

static int
num(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	cr_assert(cJSON_IsNumber(v), "%s is not a number", name);
	return v->valueint;
}

/* Attribute name of item i of resp's Items, as a string ("S" or "N"). */
static const char *
attr(const cJSON *resp, int i, const char *name)
{
	const cJSON *it = cJSON_GetArrayItem(
	    cJSON_GetObjectItemCaseSensitive(resp, "Items"), i);
	const cJSON *av = cJSON_GetObjectItemCaseSensitive(it, name);

	cr_assert_not_null(av, "item %d has no %s", i, name);
	return av->child->valuestring;
}

/* A table pk (S) + sk (type), pay per request. */
static void
make_table(const char *name, const char *sktype)
{
	cJSON_Delete(ok(run(TOP_CreateTable, "{'TableName':'%s',"
	    "'AttributeDefinitions':[{'AttributeName':'pk','AttributeType':'S'},"
	    "{'AttributeName':'sk','AttributeType':'%s'}],"
	    "'KeySchema':[{'AttributeName':'pk','KeyType':'HASH'},"
	    "{'AttributeName':'sk','KeyType':'RANGE'}],"
	    "'BillingMode':'PAY_PER_REQUEST'}", name, sktype)));
}

static void
put(const char *table, const char *item)
{
	cJSON_Delete(ok(run(TOP_PutItem, "{'TableName':'%s','Item':%s}",
	    table, item)));
}

/* ---- sort orders ---------------------------------------------------------- */

static const char *const nums[] = { "-100", "-10", "-1.5", "-0.25", "0",
	"0.001", "0.5", "2", "10", "10.5", "1E3" };
static const char *const nums_canon[] = { "-100", "-10", "-1.5", "-0.25",
	"0", "0.001", "0.5", "2", "10", "10.5", "1000" };
#define NNUMS	(sizeof(nums) / sizeof(nums[0]))

static void
fill_numbers(void)
{
	char item[256];
	size_t i, order[NNUMS] = { 5, 0, 9, 3, 7, 1, 10, 2, 8, 4, 6 };

	make_table("nums", "N");
	for (i = 0; i < NNUMS; i++) {
		snprintf(item, sizeof(item), "{'pk':{'S':'a'},'sk':{'N':'%s'},"
		    "'v':{'N':'%zu'}}", nums[order[i]], order[i]);
		put("nums", item);
	}
	put("nums", "{'pk':{'S':'b'},'sk':{'N':'1'}}");
}

Test(query, numbers_forward_and_backward, .init = setup, .fini = teardown)
{
	cJSON *r;
	size_t i;

	fill_numbers();
	r = ok(run(TOP_Query, "{'TableName':'nums','KeyConditionExpression':"
	    "'pk = :p','ExpressionAttributeValues':{':p':{'S':'a'}}}"));
	cr_assert_eq(num(r, "Count"), (int)NNUMS);
	cr_expect_eq(num(r, "ScannedCount"), (int)NNUMS);
	for (i = 0; i < NNUMS; i++)
		cr_expect_str_eq(attr(r, (int)i, "sk"), nums_canon[i]);
	cr_expect_null(cJSON_GetObjectItem(r, "LastEvaluatedKey"));
	cJSON_Delete(r);
	r = ok(run(TOP_Query, "{'TableName':'nums','KeyConditionExpression':"
	    "'pk = :p','ScanIndexForward':false,"
	    "'ExpressionAttributeValues':{':p':{'S':'a'}}}"));
	cr_assert_eq(num(r, "Count"), (int)NNUMS);
	for (i = 0; i < NNUMS; i++)
		cr_expect_str_eq(attr(r, (int)i, "sk"),
		    nums_canon[NNUMS - 1 - i]);
	cJSON_Delete(r);
}

/* Each sort-key operator on numbers: expected first and count. */
Test(query, number_operators, .init = setup, .fini = teardown)
{
	static const struct {
		const char *cond, *v1, *v2, *first;
		int count;
	} t[] = {
		{ "sk = :a", "-1.5", NULL, "-1.5", 1 },
		{ "sk = :a", "-1.50", NULL, "-1.5", 1 },
		{ "sk < :a", "0", NULL, "-100", 4 },
		{ "sk <= :a", "0", NULL, "-100", 5 },
		{ "sk > :a", "0.5", NULL, "2", 4 },
		{ "sk >= :a", "0.5", NULL, "0.5", 5 },
		{ "sk BETWEEN :a AND :b", "-1.5", "2", "-1.5", 6 },
		{ "sk > :a AND pk = :p", "1000", NULL, NULL, 0 },
		{ "(pk = :p) AND (sk < :a)", "-100", NULL, NULL, 0 },
		{ "sk BETWEEN :a AND :b", "0.001", "0.001", "0.001", 1 },
	};
	char vals[128];
	cJSON *r;
	size_t i;

	fill_numbers();
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (t[i].v2 != NULL)
			snprintf(vals, sizeof(vals), ",':b':{'N':'%s'}", t[i].v2);
		else
			vals[0] = '\0';
		r = ok(run(TOP_Query, "{'TableName':'nums','KeyConditionExpression':"
		    "'%s%s','ExpressionAttributeValues':{':p':{'S':'a'},"
		    "':a':{'N':'%s'}%s}}", strstr(t[i].cond, "pk") != NULL ? "" :
		    "pk = :p AND ", t[i].cond,
		    t[i].v1, vals));
		cr_expect_eq(num(r, "Count"), t[i].count, "%s", t[i].cond);
		if (t[i].first != NULL && num(r, "Count") > 0)
			cr_expect_str_eq(attr(r, 0, "sk"), t[i].first, "%s",
			    t[i].cond);
		cJSON_Delete(r);
	}
}

Test(query, strings_and_begins_with, .init = setup, .fini = teardown)
{
	static const char *const s[] = { "a", "a/b", "a/c", "ab", "b", "~",
	    "\xc3\xa9" };
	char item[128];
	cJSON *r;
	size_t i;

	make_table("strs", "S");
	for (i = sizeof(s) / sizeof(s[0]); i-- > 0;) {
		snprintf(item, sizeof(item),
		    "{'pk':{'S':'h'},'sk':{'S':'%s'}}", s[i]);
		put("strs", item);
	}
	r = ok(run(TOP_Query, "{'TableName':'strs','KeyConditionExpression':"
	    "'pk = :p','ExpressionAttributeValues':{':p':{'S':'h'}}}"));
	cr_assert_eq(num(r, "Count"), 7);
	for (i = 0; i < 7; i++)
		cr_expect_str_eq(attr(r, (int)i, "sk"), s[i]);
	cJSON_Delete(r);
	r = ok(run(TOP_Query, "{'TableName':'strs','KeyConditionExpression':"
	    "'pk = :p AND begins_with(sk, :b)','ExpressionAttributeValues':"
	    "{':p':{'S':'h'},':b':{'S':'a/'}}}"));
	cr_expect_eq(num(r, "Count"), 2);
	cr_expect_str_eq(attr(r, 0, "sk"), "a/b");
	cr_expect_str_eq(attr(r, 1, "sk"), "a/c");
	cJSON_Delete(r);
	r = ok(run(TOP_Query, "{'TableName':'strs','KeyConditionExpression':"
	    "'pk = :p AND begins_with(sk, :b)','ScanIndexForward':false,"
	    "'ExpressionAttributeValues':{':p':{'S':'h'},':b':{'S':'a'}}}"));
	cr_expect_eq(num(r, "Count"), 4);
	cr_expect_str_eq(attr(r, 0, "sk"), "ab");
	cJSON_Delete(r);
	fails(run(TOP_Query, "{'TableName':'strs','KeyConditionExpression':"
	    "'pk = :p AND sk > :b','ExpressionAttributeValues':"
	    "{':p':{'S':'h'},':b':{'N':'1'}}}"), DDB_VALIDATION,
	    "Condition parameter type does not match schema type");
}

Test(query, binary_order, .init = setup, .fini = teardown)
{
	/* 0x00, 0x01 0x00, 0x7f, 0x80, 0xff in base64 */
	static const char *const b[] = { "AA==", "AQA=", "fw==", "gA==",
	    "/w==" };
	char item[128];
	cJSON *r;
	size_t i;

	make_table("bins", "B");
	for (i = 5; i-- > 0;) {
		snprintf(item, sizeof(item),
		    "{'pk':{'S':'h'},'sk':{'B':'%s'}}", b[i]);
		put("bins", item);
	}
	r = ok(run(TOP_Query, "{'TableName':'bins','KeyConditionExpression':"
	    "'pk = :p AND sk >= :x','ExpressionAttributeValues':"
	    "{':p':{'S':'h'},':x':{'B':'AQ=='}}}"));
	cr_assert_eq(num(r, "Count"), 4);
	for (i = 0; i < 4; i++)
		cr_expect_str_eq(attr(r, (int)i, "sk"), b[i + 1]);
	cJSON_Delete(r);
}

/* ---- filter, projection, Select --------------------------------------------- */

Test(query, filter_projection_select, .init = setup, .fini = teardown)
{
	cJSON *r, *it;

	fill_numbers();
	r = ok(run(TOP_Query, "{'TableName':'nums','KeyConditionExpression':"
	    "'pk = :p','FilterExpression':'v < :three',"
	    "'ProjectionExpression':'sk, #v','ExpressionAttributeNames':"
	    "{'#v':'v'},'ExpressionAttributeValues':{':p':{'S':'a'},"
	    "':three':{'N':'3'}}}"));
	cr_expect_eq(num(r, "Count"), 3);
	cr_expect_eq(num(r, "ScannedCount"), (int)NNUMS);
	it = cJSON_GetArrayItem(cJSON_GetObjectItem(r, "Items"), 0);
	cr_expect_eq(cJSON_GetArraySize(it), 2);
	cr_expect_null(cJSON_GetObjectItem(it, "pk"));
	cr_expect_str_eq(attr(r, 0, "sk"), "-100");
	cJSON_Delete(r);

	r = ok(run(TOP_Query, "{'TableName':'nums','KeyConditionExpression':"
	    "'pk = :p','Select':'COUNT','ExpressionAttributeValues':"
	    "{':p':{'S':'a'}}}"));
	cr_expect_null(cJSON_GetObjectItem(r, "Items"));
	cr_expect_eq(num(r, "Count"), (int)NNUMS);
	cJSON_Delete(r);

	fails(run(TOP_Query, "{'TableName':'nums','KeyConditionExpression':"
	    "'pk = :p','Select':'SPECIFIC_ATTRIBUTES',"
	    "'ExpressionAttributeValues':{':p':{'S':'a'}}}"), DDB_VALIDATION,
	    "Must specify the AttributesToGet or ProjectionExpression");
	fails(run(TOP_Query, "{'TableName':'nums','KeyConditionExpression':"
	    "'pk = :p','Select':'ALL_PROJECTED_ATTRIBUTES',"
	    "'ExpressionAttributeValues':{':p':{'S':'a'}}}"), DDB_VALIDATION,
	    "ALL_PROJECTED_ATTRIBUTES can be used only");
	fails(run(TOP_Query, "{'TableName':'nums','KeyConditionExpression':"
	    "'pk = :p','Select':'ALL_ATTRIBUTES','ProjectionExpression':'v',"
	    "'ExpressionAttributeValues':{':p':{'S':'a'}}}"), DDB_VALIDATION,
	    "Cannot specify the AttributesToGet");
	fails(run(TOP_Query, "{'TableName':'nums'}"), DDB_VALIDATION,
	    "KeyConditionExpression parameter must be specified");
	fails(run(TOP_Query, "{'TableName':'nope','KeyConditionExpression':"
	    "'pk = :p','ExpressionAttributeValues':{':p':{'S':'a'}}}"),
	    DDB_RESOURCE_NOT_FOUND, NULL);
	fails(run(TOP_Query, "{'TableName':'nums','KeyConditionExpression':"
	    "'pk = :p','Limit':0,'ExpressionAttributeValues':"
	    "{':p':{'S':'a'}}}"), DDB_VALIDATION, "greater than or equal to 1");
}

Test(query, legacy_key_conditions, .init = setup, .fini = teardown)
{
	cJSON *r;

	fill_numbers();
	r = ok(run(TOP_Query, "{'TableName':'nums','KeyConditions':{"
	    "'pk':{'ComparisonOperator':'EQ','AttributeValueList':[{'S':'a'}]},"
	    "'sk':{'ComparisonOperator':'GT','AttributeValueList':[{'N':'2'}]}"
	    "},'AttributesToGet':['sk']}"));
	cr_expect_eq(num(r, "Count"), 3);
	cr_expect_str_eq(attr(r, 0, "sk"), "10");
	cJSON_Delete(r);
}

/* ---- paging ----------------------------------------------------------------- */

/* Page through with Limit; every sort key seen once, in order. */
Test(query, limit_paging, .init = setup, .fini = teardown)
{
	char esk[256] = "";
	cJSON *r, *lek;
	char *text;
	size_t seen = 0, pages = 0;
	int i, n;

	fill_numbers();
	for (;;) {
		r = ok(run(TOP_Query, "{'TableName':'nums','KeyConditionExpression':"
		    "'pk = :p','Limit':3,'ExpressionAttributeValues':"
		    "{':p':{'S':'a'}}%s}", esk));
		n = num(r, "Count");
		cr_expect_eq(num(r, "ScannedCount"), n);
		for (i = 0; i < n; i++)
			cr_expect_str_eq(attr(r, i, "sk"), nums_canon[seen++]);
		pages++;
		lek = cJSON_GetObjectItem(r, "LastEvaluatedKey");
		if (lek == NULL) {
			cJSON_Delete(r);
			break;
		}
		cr_expect_eq(n, 3);
		cr_expect_eq(cJSON_GetArraySize(lek), 2);
		text = cJSON_PrintUnformatted(lek);
		snprintf(esk, sizeof(esk), ",\"ExclusiveStartKey\":%s", text);
		free(text);
		cJSON_Delete(r);
		cr_assert_lt(pages, 10);
	}
	cr_expect_eq(seen, NNUMS);
	cr_expect_eq(pages, 4);	/* 3 + 3 + 3 + 2 */

	/* A start key of another partition is outside the query. */
	fails(run(TOP_Query, "{'TableName':'nums','KeyConditionExpression':"
	    "'pk = :p','ExpressionAttributeValues':{':p':{'S':'a'}},"
	    "'ExclusiveStartKey':{'pk':{'S':'b'},'sk':{'N':'1'}}}"),
	    DDB_VALIDATION, "outside query boundaries");
	fails(run(TOP_Query, "{'TableName':'nums','KeyConditionExpression':"
	    "'pk = :p','ExpressionAttributeValues':{':p':{'S':'a'}},"
	    "'ExclusiveStartKey':{'pk':{'S':'a'}}}"), DDB_VALIDATION,
	    "The provided starting key is invalid");
}

/* Limit equal to the matches: a LastEvaluatedKey, then an empty page. */
Test(query, limit_exact_gives_key, .init = setup, .fini = teardown)
{
	cJSON *r;

	fill_numbers();
	r = ok(run(TOP_Query, "{'TableName':'nums','KeyConditionExpression':"
	    "'pk = :p','Limit':1,'ExpressionAttributeValues':"
	    "{':p':{'S':'b'}}}"));
	cr_expect_eq(num(r, "Count"), 1);
	cr_expect_not_null(cJSON_GetObjectItem(r, "LastEvaluatedKey"));
	cJSON_Delete(r);
	r = ok(run(TOP_Query, "{'TableName':'nums','KeyConditionExpression':"
	    "'pk = :p','Limit':1,'ExpressionAttributeValues':"
	    "{':p':{'S':'b'}},'ExclusiveStartKey':{'pk':{'S':'b'},"
	    "'sk':{'N':'1'}}}"));
	cr_expect_eq(num(r, "Count"), 0);
	cr_expect_null(cJSON_GetObjectItem(r, "LastEvaluatedKey"));
	cJSON_Delete(r);
}

/* Items of 300,000 bytes: the page stops after the 4th (crossing 1 MB). */
Test(query, one_megabyte_page, .init = setup, .fini = teardown)
{
	size_t big = 300000, i, total = 0;
	char *item, *fill;
	cJSON *r, *lek;

	make_table("megs", "N");
	fill = malloc(big + 1);
	memset(fill, 'x', big);
	fill[big] = '\0';
	item = malloc(big + 128);
	for (i = 0; i < 7; i++) {
		snprintf(item, big + 128, "{'pk':{'S':'h'},'sk':{'N':'%zu'},"
		    "'f':{'S':'%s'}}", i, fill);
		put("megs", item);
	}
	free(item);
	free(fill);
	r = ok(run(TOP_Query, "{'TableName':'megs','KeyConditionExpression':"
	    "'pk = :p','ProjectionExpression':'sk',"
	    "'ExpressionAttributeValues':{':p':{'S':'h'}}}"));
	cr_expect_eq(num(r, "Count"), 4);
	lek = cJSON_GetObjectItem(r, "LastEvaluatedKey");
	cr_assert_not_null(lek);
	cr_expect_str_eq(cJSON_GetObjectItem(lek, "sk")->child->valuestring,
	    "3");
	total += (size_t)num(r, "Count");
	cJSON_Delete(r);
	r = ok(run(TOP_Query, "{'TableName':'megs','KeyConditionExpression':"
	    "'pk = :p','ProjectionExpression':'sk','ExclusiveStartKey':"
	    "{'pk':{'S':'h'},'sk':{'N':'3'}},"
	    "'ExpressionAttributeValues':{':p':{'S':'h'}}}"));
	cr_expect_eq(num(r, "Count"), 3);
	cr_expect_null(cJSON_GetObjectItem(r, "LastEvaluatedKey"));
	total += (size_t)num(r, "Count");
	cJSON_Delete(r);
	cr_expect_eq(total, 7);
}

/* ---- indexes ---------------------------------------------------------------- */

static void
make_indexed(void)
{
	char item[256];
	int i;

	cJSON_Delete(ok(run(TOP_CreateTable, "{'TableName':'idxd',"
	    "'AttributeDefinitions':[{'AttributeName':'pk','AttributeType':'S'},"
	    "{'AttributeName':'sk','AttributeType':'N'},"
	    "{'AttributeName':'g','AttributeType':'S'},"
	    "{'AttributeName':'l','AttributeType':'N'}],"
	    "'KeySchema':[{'AttributeName':'pk','KeyType':'HASH'},"
	    "{'AttributeName':'sk','KeyType':'RANGE'}],"
	    "'GlobalSecondaryIndexes':[{'IndexName':'byg','KeySchema':["
	    "{'AttributeName':'g','KeyType':'HASH'},"
	    "{'AttributeName':'sk','KeyType':'RANGE'}],"
	    "'Projection':{'ProjectionType':'KEYS_ONLY'}}],"
	    "'LocalSecondaryIndexes':[{'IndexName':'byl','KeySchema':["
	    "{'AttributeName':'pk','KeyType':'HASH'},"
	    "{'AttributeName':'l','KeyType':'RANGE'}],"
	    "'Projection':{'ProjectionType':'KEYS_ONLY'}}],"
	    "'BillingMode':'PAY_PER_REQUEST'}")));
	/* sk 0..9; g = "even"/"odd"; l = 100 - sk; item 7 has no g */
	for (i = 0; i < 10; i++) {
		snprintf(item, sizeof(item), "{'pk':{'S':'p'},'sk':{'N':'%d'},"
		    "%s'l':{'N':'%d'},'x':{'S':'extra%d'}}", i, i == 7 ? "" :
		    i % 2 ? "'g':{'S':'odd'}," : "'g':{'S':'even'},", 100 - i,
		    i);
		put("idxd", item);
	}
}

Test(query, gsi, .init = setup, .fini = teardown)
{
	char esk[256] = "";
	cJSON *r, *lek, *it;
	char *text;
	int seen = 0, n, i;

	make_indexed();
	r = ok(run(TOP_Query, "{'TableName':'idxd','IndexName':'byg',"
	    "'KeyConditionExpression':'g = :g','ExpressionAttributeValues':"
	    "{':g':{'S':'odd'}}}"));
	cr_expect_eq(num(r, "Count"), 4);	/* 1 3 5 9 */
	cr_expect_str_eq(attr(r, 3, "sk"), "9");
	it = cJSON_GetArrayItem(cJSON_GetObjectItem(r, "Items"), 0);
	cr_expect_null(cJSON_GetObjectItem(it, "x"), "KEYS_ONLY has no x");
	cJSON_Delete(r);
	/* paging over the index: the key holds index and table keys */
	for (;;) {
		r = ok(run(TOP_Query, "{'TableName':'idxd','IndexName':'byg',"
		    "'KeyConditionExpression':'g = :g','Limit':2,"
		    "'ExpressionAttributeValues':{':g':{'S':'even'}}%s}", esk));
		n = num(r, "Count");
		for (i = 0; i < n; i++, seen++)
			cr_expect_eq(atoi(attr(r, i, "sk")), seen * 2);
		lek = cJSON_GetObjectItem(r, "LastEvaluatedKey");
		if (lek == NULL) {
			cJSON_Delete(r);
			break;
		}
		cr_expect_eq(cJSON_GetArraySize(lek), 3);
		text = cJSON_PrintUnformatted(lek);
		snprintf(esk, sizeof(esk), ",\"ExclusiveStartKey\":%s", text);
		free(text);
		cJSON_Delete(r);
		cr_assert_lt(seen, 20);
	}
	cr_expect_eq(seen, 5);
	fails(run(TOP_Query, "{'TableName':'idxd','IndexName':'byg',"
	    "'ConsistentRead':true,'KeyConditionExpression':'g = :g',"
	    "'ExpressionAttributeValues':{':g':{'S':'odd'}}}"), DDB_VALIDATION,
	    "Consistent reads are not supported on global secondary indexes");
	fails(run(TOP_Query, "{'TableName':'idxd','IndexName':'byg',"
	    "'Select':'ALL_ATTRIBUTES','KeyConditionExpression':'g = :g',"
	    "'ExpressionAttributeValues':{':g':{'S':'odd'}}}"), DDB_VALIDATION,
	    "projection type is not ALL");
	fails(run(TOP_Query, "{'TableName':'idxd','IndexName':'nope',"
	    "'KeyConditionExpression':'g = :g',"
	    "'ExpressionAttributeValues':{':g':{'S':'odd'}}}"), DDB_VALIDATION,
	    "does not have the specified index");
}

Test(query, lsi, .init = setup, .fini = teardown)
{
	cJSON *r, *it;

	make_indexed();
	/* l = 100 - sk: index order is the reverse of the table's */
	r = ok(run(TOP_Query, "{'TableName':'idxd','IndexName':'byl',"
	    "'KeyConditionExpression':'pk = :p AND l <= :l',"
	    "'ExpressionAttributeValues':{':p':{'S':'p'},':l':{'N':'93'}}}"));
	cr_expect_eq(num(r, "Count"), 3);	/* l 91 92 93: sk 9 8 7 */
	cr_expect_str_eq(attr(r, 0, "sk"), "9");
	it = cJSON_GetArrayItem(cJSON_GetObjectItem(r, "Items"), 0);
	cr_expect_null(cJSON_GetObjectItem(it, "x"));
	cJSON_Delete(r);
	/* an LSI fetches the rest from the table */
	r = ok(run(TOP_Query, "{'TableName':'idxd','IndexName':'byl',"
	    "'ConsistentRead':true,'Select':'ALL_ATTRIBUTES',"
	    "'KeyConditionExpression':'pk = :p AND l = :l',"
	    "'ExpressionAttributeValues':{':p':{'S':'p'},':l':{'N':'95'}}}"));
	cr_expect_eq(num(r, "Count"), 1);
	cr_expect_str_eq(attr(r, 0, "x"), "extra5");
	cJSON_Delete(r);
}

/* ---- Scan ------------------------------------------------------------------- */

static void
fill_many(int n)
{
	char item[128];
	int i;

	make_table("scan", "N");
	for (i = 0; i < n; i++) {
		snprintf(item, sizeof(item), "{'pk':{'S':'h%d'},'sk':{'N':'%d'},"
		    "'i':{'N':'%d'}}", i % 17, i, i);
		put("scan", item);
	}
}

/* Count how often each i comes back over all pages of a scan. */
static int
scan_all(const char *extra, int *seen, int n)
{
	char esk[256] = "";
	cJSON *r, *lek, *items, *it;
	char *text;
	int pages = 0, i;

	for (;;) {
		r = ok(run(TOP_Scan, "{'TableName':'scan','Limit':7%s%s}", extra,
		    esk));
		items = cJSON_GetObjectItem(r, "Items");
		cJSON_ArrayForEach(it, items) {
			i = atoi(cJSON_GetObjectItem(it, "i")->child->valuestring);
			cr_assert(i >= 0 && i < n);
			seen[i]++;
		}
		pages++;
		lek = cJSON_GetObjectItem(r, "LastEvaluatedKey");
		if (lek == NULL) {
			cJSON_Delete(r);
			return pages;
		}
		text = cJSON_PrintUnformatted(lek);
		snprintf(esk, sizeof(esk), ",\"ExclusiveStartKey\":%s", text);
		free(text);
		cJSON_Delete(r);
		cr_assert_lt(pages, 1000);
	}
}

Test(scan, paging_every_item_once, .init = setup, .fini = teardown)
{
	int seen[100] = { 0 }, i, pages;

	fill_many(100);
	pages = scan_all("", seen, 100);
	cr_expect_eq(pages, 15);	/* 14 full pages of 7, then 2 */
	for (i = 0; i < 100; i++)
		cr_expect_eq(seen[i], 1, "item %d seen %d times", i, seen[i]);
}

Test(scan, segments_partition_the_table, .init = setup, .fini = teardown)
{
	int seen[100] = { 0 }, i, s, nonempty = 0, before;
	char extra[96];

	fill_many(100);
	for (s = 0; s < 4; s++) {
		before = 0;
		for (i = 0; i < 100; i++)
			before += seen[i];
		snprintf(extra, sizeof(extra),
		    ",\"Segment\":%d,\"TotalSegments\":4", s);
		scan_all(extra, seen, 100);
		for (i = 0; i < 100; i++)
			before -= seen[i];
		nonempty += before < 0;
	}
	for (i = 0; i < 100; i++)
		cr_expect_eq(seen[i], 1, "item %d seen %d times", i, seen[i]);
	cr_expect_geq(nonempty, 2, "17 hash keys over 4 segments");
	fails(run(TOP_Scan, "{'TableName':'scan','Segment':4,"
	    "'TotalSegments':4}"), DDB_VALIDATION,
	    "Segment: 4 is not less than TotalSegments: 4");
	fails(run(TOP_Scan, "{'TableName':'scan','Segment':1}"), DDB_VALIDATION,
	    "TotalSegments parameter is required");
	fails(run(TOP_Scan, "{'TableName':'scan','Segment':0,"
	    "'TotalSegments':1000001}"), DDB_VALIDATION, "less than or equal");
}

Test(scan, filter_and_index, .init = setup, .fini = teardown)
{
	cJSON *r;

	fill_many(30);
	r = ok(run(TOP_Scan, "{'TableName':'scan','FilterExpression':"
	    "'i >= :a AND pk = :h','ExpressionAttributeValues':"
	    "{':a':{'N':'10'},':h':{'S':'h3'}}}"));
	cr_expect_eq(num(r, "Count"), 1);	/* 20 */
	cr_expect_eq(num(r, "ScannedCount"), 30);
	cJSON_Delete(r);
	r = ok(run(TOP_Scan, "{'TableName':'scan','ScanFilter':{'i':{"
	    "'ComparisonOperator':'LT','AttributeValueList':[{'N':'5'}]}},"
	    "'Select':'COUNT'}"));
	cr_expect_eq(num(r, "Count"), 5);
	cJSON_Delete(r);
	/* ScanFilter and ConditionalOperator OR; a Scan's constraint
	 * messages name scanFilter. */
	r = ok(run(TOP_Scan, "{'TableName':'scan','ScanFilter':{'i':{"
	    "'ComparisonOperator':'LT','AttributeValueList':[{'N':'2'}]},"
	    "'pk':{'ComparisonOperator':'EQ','AttributeValueList':"
	    "[{'S':'h9'}]}},'ConditionalOperator':'OR','Select':'COUNT'}"));
	cr_expect_eq(num(r, "Count"), 4);	/* i 0, 1; pk h9: i 9, 26 */
	cJSON_Delete(r);
	fails(run(TOP_Scan, "{'TableName':'scan','ScanFilter':{'i':{"
	    "'ComparisonOperator':'LIKE','AttributeValueList':[{'N':'2'}]}}}"),
	    DDB_VALIDATION, "Value 'LIKE' at "
	    "'scanFilter.i.member.comparisonOperator' failed");

	make_indexed();
	r = ok(run(TOP_Scan, "{'TableName':'idxd','IndexName':'byg'}"));
	cr_expect_eq(num(r, "Count"), 9, "item 7 has no g: not in the index");
	cJSON_Delete(r);
}

/* Paging a scan of an index: the start key holds index and table keys. */
Test(scan, index_paging_and_capacity, .init = setup, .fini = teardown)
{
	char esk[256] = "";
	int seen[10] = { 0 }, pages = 0, i;
	cJSON *r, *lek, *it, *cc;
	char *text;

	make_indexed();
	for (;;) {
		r = ok(run(TOP_Scan, "{'TableName':'idxd','IndexName':'byl',"
		    "'Limit':3,'ReturnConsumedCapacity':'TOTAL'%s}", esk));
		cc = cJSON_GetObjectItem(r, "ConsumedCapacity");
		cr_expect_not_null(cc);
		cr_expect(cJSON_GetObjectItem(cc, "CapacityUnits")->valuedouble
		    > 0);
		cJSON_ArrayForEach(it, cJSON_GetObjectItem(r, "Items"))
			seen[atoi(cJSON_GetObjectItem(it, "sk")->child->
			    valuestring)]++;
		pages++;
		if ((lek = cJSON_GetObjectItem(r, "LastEvaluatedKey")) == NULL) {
			cJSON_Delete(r);
			break;
		}
		cr_expect_eq(cJSON_GetArraySize(lek), 3);
		text = cJSON_PrintUnformatted(lek);
		snprintf(esk, sizeof(esk), ",\"ExclusiveStartKey\":%s", text);
		free(text);
		cJSON_Delete(r);
		cr_assert_lt(pages, 20);
	}
	for (i = 0; i < 10; i++)
		cr_expect_eq(seen[i], 1, "sk %d seen %d times", i, seen[i]);
	cr_expect_eq(pages, 4);
	fails(run(TOP_Scan, "{'TableName':'idxd','ReturnConsumedCapacity':"
	    "'ALL'}"), DDB_VALIDATION, "[INDEXES, TOTAL, NONE]");
}
