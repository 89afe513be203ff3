/*
 * Unit tests for gateway/tables/partiql.c: ExecuteStatement (INSERT and
 * its DuplicateItemException, SELECT as GetItem, Query and Scan, with ?
 * parameters, Limit and NextToken paging to the end, UPDATE with
 * arithmetic, RETURNING and a missing item, DELETE, syntax errors, grants),
 * BatchExecuteStatement (reads, writes where one fails alone and is rolled
 * back alone, mixed refused) and ExecuteTransaction (writes all or none,
 * DuplicateItem as a cancellation reason, reads), on a real SQLite file
 * with the engine's schema, each call in a SAVEPOINT as the store runs it.
 * In the request texts ` stands for " (PartiQL keeps its ' strings).
 */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "tables_fixture.h"

static bool granted;	/* after setup: the caller may only read readonly */

static bool
allow(void *arg, const char *table, bool write)
{
	(void)arg;
	return !granted || !write || strcmp(table, "readonly") != 0;
}

static cJSON *
run(enum tables_op op, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static cJSON *
run(enum tables_op op, const char *fmt, ...)
{
	struct tables_call call = { .region = "us-east-1",
	    .account = "000000000000", .principal = "test",
	    .now_ms = 1700000000000, .allow = allow };
	char *text;
	va_list ap;

	va_start(ap, fmt);
	cr_assert_geq(vasprintf(&text, fmt, ap), 0);
	va_end(ap);
	return tf_exec(op, text, '`', &call);
}

static void
setup(void)
{
	const char *t[] = { "orders", "readonly" };
	size_t i;

	tf_open("partiql");
	granted = false;
	for (i = 0; i < 2; i++)
		cJSON_Delete(ok(run(TOP_CreateTable, "{`TableName`:`%s`,"
		    "`AttributeDefinitions`:[{`AttributeName`:`c`,"
		    "`AttributeType`:`S`},{`AttributeName`:`n`,"
		    "`AttributeType`:`N`}],`KeySchema`:[{`AttributeName`:`c`,"
		    "`KeyType`:`HASH`},{`AttributeName`:`n`,`KeyType`:`RANGE`}],"
		    "`BillingMode`:`PAY_PER_REQUEST`}", t[i])));
	granted = true;
}

static void
teardown(void)
{
	tf_close();
}

/* ExecuteStatement of stmt (no parameters). */
static cJSON *
stmt(const char *s)
{
	return run(TOP_ExecuteStatement, "{`Statement`:`%s`}", s);
}

static int
nitems(const cJSON *r)
{
	return cJSON_GetArraySize(cJSON_GetObjectItem(r, "Items"));
}

/* Items[i].attr's S or N text. */
static const char *
item_attr(const cJSON *r, int i, const char *attr)
{
	cJSON *it = cJSON_GetArrayItem(cJSON_GetObjectItem(r, "Items"), i);
	cJSON *av = cJSON_GetObjectItem(it, attr);

	cr_assert_not_null(av, "Items[%d].%s absent", i, attr);
	return av->child->valuestring;
}

static void
insert(const char *c, int n, int v)
{
	cJSON *r = ok(run(TOP_ExecuteStatement, "{`Statement`:`INSERT INTO "
	    "\\`orders\\` VALUE {'c': ?, 'n': ?, 'v': ?}`,`Parameters`:"
	    "[{`S`:`%s`},{`N`:`%d`},{`N`:`%d`}]}", c, n, v));

	cr_expect_eq(nitems(r), 0, "a write's Items are empty");
	cJSON_Delete(r);
}

/* ---- ExecuteStatement -------------------------------------------------------- */

Test(statement, insert_duplicate_select, .init = setup, .fini = teardown)
{
	cJSON *r;

	insert("a", 1, 10);
	fails(run(TOP_ExecuteStatement, "{`Statement`:`INSERT INTO "
	    "\\`orders\\` VALUE {'c': 'a', 'n': 1, 'v': 99}`}"),
	    DDB_DUPLICATE_ITEM, "Duplicate primary key exists in table");
	r = ok(stmt("SELECT * FROM \\`orders\\` WHERE c = 'a' AND n = 1"));
	cr_expect_eq(nitems(r), 1);
	cr_expect_str_eq(item_attr(r, 0, "v"), "10", "the first value stays");
	cJSON_Delete(r);
	r = ok(stmt("SELECT v FROM \\`orders\\` WHERE c = 'a' AND n = 2"));
	cr_expect_eq(nitems(r), 0, "no such item: no Items");
	cJSON_Delete(r);
	fails(stmt("SELEC * FROM \\`orders\\`"), DDB_VALIDATION, NULL);
	fails(stmt("SELECT * FROM \\`nope\\`"), DDB_RESOURCE_NOT_FOUND, NULL);
	fails(run(TOP_ExecuteStatement, "{`Statement`:`SELECT * FROM "
	    "\\`orders\\` WHERE c = ?`}"), DDB_VALIDATION,
	    "Number of parameters");
	fails(run(TOP_ExecuteStatement, "{}"), DDB_VALIDATION,
	    "'statement' failed to satisfy constraint");
}

/* fuzz_partiql: a parameter that is no AttributeValue failed the
 * statement without an error (an empty __type in the reply). */
Test(statement, parameter_not_a_value, .init = setup, .fini = teardown)
{
	fails(run(TOP_ExecuteStatement, "{`Statement`:`SELECT * FROM "
	    "\\`orders\\` WHERE c = ?`,`Parameters`:[`a`]}"),
	    DDB_SERIALIZATION, NULL);
	fails(run(TOP_ExecuteStatement, "{`Statement`:`SELECT * FROM "
	    "\\`orders\\` WHERE c = ?`,`Parameters`:[{}]}"),
	    DDB_VALIDATION, "Supplied AttributeValue is empty");
}

/* fuzz_partiql: a function with too few or too many arguments was
 * translated into an expression that did not parse. */
Test(statement, function_arguments, .init = setup, .fini = teardown)
{
	fails(stmt("SELECT * FROM \\`orders\\` WHERE begins_with(c)"),
	    DDB_VALIDATION, "Incorrect number of arguments for function "
	    "begins_with");
	/* fuzz_partiql: a value where if_not_exists needs its path. */
	fails(stmt("UPDATE \\`orders\\` SET v = if_not_exists(0, v) "
	    "WHERE c = 'u' AND n = 2"), DDB_VALIDATION,
	    "requires a document path; operator or function: if_not_exists");
	fails(stmt("SELECT * FROM \\`orders\\` WHERE exists(c, n)"),
	    DDB_VALIDATION, "Incorrect number of arguments for function "
	    "attribute_exists");
	cJSON_Delete(ok(stmt("SELECT * FROM \\`orders\\` WHERE "
	    "begins_with(c, 'a') AND size(c) > 0 AND exists(n)")));
}

/* fuzz_partiql: a condition function used as a value (v > attribute_type(
 * v, 'N')) was translated into an expression that did not parse. */
Test(statement, function_as_value, .init = setup, .fini = teardown)
{
	fails(stmt("SELECT * FROM \\`orders\\` WHERE "
	    "n > attribute_type(n, 'N')"), DDB_VALIDATION, "function: "
	    "attribute_type");
	fails(stmt("SELECT * FROM \\`orders\\` WHERE "
	    "n BETWEEN 1 AND exists(c)"), DDB_VALIDATION, "function: "
	    "attribute_exists");
	fails(stmt("SELECT * FROM \\`orders\\` WHERE c IN [contains(c, 'a')]"),
	    DDB_VALIDATION, "function: contains");
	fails(stmt("SELECT * FROM \\`orders\\` WHERE exists(c) = 1"),
	    DDB_VALIDATION, "Unexpected token: =");
	cJSON_Delete(ok(stmt("SELECT * FROM \\`orders\\` WHERE "
	    "size(c) > size(n) AND n IN [size(c), 2] AND exists(c)")));
}

Test(statement, paging_query_and_scan, .init = setup, .fini = teardown)
{
	cJSON *r;
	char *tok = NULL;
	int i, seen = 0, pages = 0;
	const cJSON *t;

	for (i = 0; i < 7; i++)
		insert("p", i, i * 10);
	insert("other", 0, 0);
	do {
		if (tok == NULL)
			r = ok(run(TOP_ExecuteStatement, "{`Statement`:`SELECT n "
			    "FROM \\`orders\\` WHERE c = ?`,`Parameters`:"
			    "[{`S`:`p`}],`Limit`:3}"));
		else
			r = ok(run(TOP_ExecuteStatement, "{`Statement`:`SELECT n "
			    "FROM \\`orders\\` WHERE c = ?`,`Parameters`:"
			    "[{`S`:`p`}],`Limit`:3,`NextToken`:`%s`}", tok));
		for (i = 0; i < nitems(r); i++)
			cr_expect_eq(atoi(item_attr(r, i, "n")), seen + i,
			    "pages continue in key order");
		seen += nitems(r);
		pages++;
		free(tok);
		t = cJSON_GetObjectItem(r, "NextToken");
		tok = t != NULL ? strdup(t->valuestring) : NULL;
		if (tok != NULL)
			cr_expect_not_null(cJSON_GetObjectItem(r,
			    "LastEvaluatedKey"));
		cJSON_Delete(r);
	} while (tok != NULL && pages < 10);
	cr_expect_eq(seen, 7, "every item of the partition, once");
	cr_expect_geq(pages, 3);
	r = ok(stmt("SELECT * FROM \\`orders\\` WHERE v >= 30"));
	cr_expect_eq(nitems(r), 4, "a Scan with a filter");
	cJSON_Delete(r);
	fails(run(TOP_ExecuteStatement, "{`Statement`:`SELECT * FROM "
	    "\\`orders\\``,`NextToken`:`not-base64!`}"), DDB_VALIDATION,
	    "Invalid NextToken");
}

Test(statement, update_delete_returning, .init = setup, .fini = teardown)
{
	cJSON *r;

	insert("u", 1, 5);
	cJSON_Delete(ok(stmt("UPDATE \\`orders\\` SET v = v + 1 "
	    "WHERE c = 'u' AND n = 1")));
	r = ok(stmt("UPDATE \\`orders\\` SET v = v + 10, w = 'x' "
	    "WHERE c = 'u' AND n = 1 RETURNING ALL NEW *"));
	cr_expect_eq(nitems(r), 1, "RETURNING: the item");
	cr_expect_str_eq(item_attr(r, 0, "v"), "16");
	cr_expect_str_eq(item_attr(r, 0, "w"), "x");
	cJSON_Delete(r);
	fails(stmt("UPDATE \\`orders\\` SET v = 1 WHERE c = 'u' AND n = 2"),
	    DDB_CONDITIONAL_CHECK_FAILED, NULL);
	r = ok(stmt("SELECT * FROM \\`orders\\` WHERE c = 'u' AND n = 2"));
	cr_expect_eq(nitems(r), 0, "an UPDATE of no item creates none");
	cJSON_Delete(r);
	cJSON_Delete(ok(stmt("DELETE FROM \\`orders\\` WHERE c = 'u' AND n = 1")));
	r = ok(stmt("SELECT * FROM \\`orders\\` WHERE c = 'u' AND n = 1"));
	cr_expect_eq(nitems(r), 0, "deleted");
	cJSON_Delete(r);
}

Test(statement, grants, .init = setup, .fini = teardown)
{
	cJSON *r;

	fails(stmt("INSERT INTO \\`readonly\\` VALUE {'c': 'a', 'n': 1}"),
	    DDB_ACCESS_DENIED, NULL);
	r = ok(stmt("SELECT * FROM \\`readonly\\`"));
	cr_expect_eq(nitems(r), 0, "a read-only table reads");
	cJSON_Delete(r);
}

/* ---- BatchExecuteStatement --------------------------------------------------- */

Test(batch, writes_each_alone_and_reads, .init = setup, .fini = teardown)
{
	cJSON *r, *rs, *e;

	insert("b", 1, 1);
	r = ok(run(TOP_BatchExecuteStatement, "{`Statements`:["
	    "{`Statement`:`INSERT INTO \\`orders\\` VALUE {'c':'b','n':2}`},"
	    "{`Statement`:`INSERT INTO \\`orders\\` VALUE {'c':'b','n':1}`},"
	    "{`Statement`:`UPDATE \\`orders\\` SET v = 7 WHERE c='b' AND n=1`},"
	    "{`Statement`:`INSERT INTO \\`readonly\\` VALUE {'c':'b','n':1}`}]}"));
	rs = cJSON_GetObjectItem(r, "Responses");
	cr_assert_eq(cJSON_GetArraySize(rs), 4, "one response per statement");
	cr_expect_null(cJSON_GetObjectItem(cJSON_GetArrayItem(rs, 0), "Error"));
	cr_expect_str_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(rs, 0),
	    "TableName")->valuestring, "orders");
	e = cJSON_GetObjectItem(cJSON_GetArrayItem(rs, 1), "Error");
	cr_assert_not_null(e);
	cr_expect_str_eq(cJSON_GetObjectItem(e, "Code")->valuestring,
	    "DuplicateItem");
	cr_expect_null(cJSON_GetObjectItem(cJSON_GetArrayItem(rs, 2), "Error"));
	e = cJSON_GetObjectItem(cJSON_GetArrayItem(rs, 3), "Error");
	cr_assert_not_null(e);
	cr_expect_str_eq(cJSON_GetObjectItem(e, "Code")->valuestring,
	    "AccessDenied");
	cJSON_Delete(r);

	r = ok(run(TOP_BatchExecuteStatement, "{`Statements`:["
	    "{`Statement`:`SELECT v FROM \\`orders\\` WHERE c='b' AND n=1`},"
	    "{`Statement`:`SELECT * FROM \\`orders\\` WHERE c='b' AND n=9`},"
	    "{`Statement`:`SELECT * FROM \\`orders\\` WHERE c='b'`}]}"));
	rs = cJSON_GetObjectItem(r, "Responses");
	cr_expect_str_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(
	    cJSON_GetObjectItem(cJSON_GetArrayItem(rs, 0), "Item"), "v"),
	    "N")->valuestring, "7", "the update applied, the failures did not");
	cr_expect_null(cJSON_GetObjectItem(cJSON_GetArrayItem(rs, 1), "Item"));
	cr_expect_not_null(cJSON_GetObjectItem(cJSON_GetArrayItem(rs, 2),
	    "Error"), "a read in a batch names one item");
	cJSON_Delete(r);

	fails(run(TOP_BatchExecuteStatement, "{`Statements`:["
	    "{`Statement`:`SELECT * FROM \\`orders\\` WHERE c='b' AND n=1`},"
	    "{`Statement`:`DELETE FROM \\`orders\\` WHERE c='b' AND n=1`}]}"),
	    DDB_VALIDATION, "all read statements or all write");
	fails(run(TOP_BatchExecuteStatement, "{`Statements`:[]}"),
	    DDB_VALIDATION, "greater than or equal to 1");
}

/* ---- ExecuteTransaction ------------------------------------------------------ */

Test(transaction, all_or_nothing, .init = setup, .fini = teardown)
{
	cJSON *r, *reasons;

	insert("t", 1, 1);
	insert("t", 3, 3);
	r = run(TOP_ExecuteTransaction, "{`TransactStatements`:["
	    "{`Statement`:`UPDATE \\`orders\\` SET v = 2 WHERE c='t' AND n=1`},"
	    "{`Statement`:`INSERT INTO \\`orders\\` VALUE {'c':'t','n':3}`}]}");
	fails(r, DDB_TRANSACTION_CANCELED, NULL);
	reasons = cJSON_GetObjectItem(err.extra, "CancellationReasons");
	cr_assert_eq(cJSON_GetArraySize(reasons), 2);
	cr_expect_str_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(reasons, 0),
	    "Code")->valuestring, "None");
	cr_expect_str_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(reasons, 1),
	    "Code")->valuestring, "DuplicateItem");
	r = ok(stmt("SELECT v FROM \\`orders\\` WHERE c = 't' AND n = 1"));
	cr_expect_str_eq(item_attr(r, 0, "v"), "1", "nothing was written");
	cJSON_Delete(r);

	cJSON_Delete(ok(run(TOP_ExecuteTransaction, "{`TransactStatements`:["
	    "{`Statement`:`UPDATE \\`orders\\` SET v = 2 WHERE c='t' AND n=1`},"
	    "{`Statement`:`INSERT INTO \\`orders\\` VALUE {'c':'t','n':2}`}]}")));
	r = ok(run(TOP_ExecuteTransaction, "{`TransactStatements`:["
	    "{`Statement`:`SELECT v FROM \\`orders\\` WHERE c='t' AND n=1`},"
	    "{`Statement`:`SELECT * FROM \\`orders\\` WHERE c='t' AND n=2`}]}"));
	reasons = cJSON_GetObjectItem(r, "Responses");
	cr_assert_eq(cJSON_GetArraySize(reasons), 2);
	cr_expect_str_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(
	    cJSON_GetObjectItem(cJSON_GetArrayItem(reasons, 0), "Item"), "v"),
	    "N")->valuestring, "2", "both writes applied");
	cr_expect_not_null(cJSON_GetObjectItem(cJSON_GetArrayItem(reasons, 1),
	    "Item"));
	cJSON_Delete(r);
	fails(run(TOP_ExecuteTransaction, "{`TransactStatements`:["
	    "{`Statement`:`UPDATE \\`orders\\` SET v = 3 WHERE c='t' AND n=1 "
	    "RETURNING ALL NEW *`}]}"), DDB_VALIDATION, "RETURNING");
}
