/*
 * partiql.c: ExecuteStatement, BatchExecuteStatement and ExecuteTransaction.
 *
 * Each statement is translated by partiql_parse.c into the ordinary request
 * it means (Query, Scan, GetItem, PutItem, UpdateItem, DeleteItem) and run
 * by that operation, with the caller's grants, so PartiQL shares every
 * check, limit and message of the operations; only the reply is reshaped.
 *
 *   ExecuteStatement: a SELECT's page of Items and an opaque NextToken (the
 *     base64 of the page's LastEvaluatedKey, which is returned too, as
 *     DynamoDB does); a write's Items are empty, or the RETURNING values.
 *   BatchExecuteStatement: up to 25 statements, all reads (each naming one
 *     item by its whole key) or all writes, each answered on its own in
 *     Responses (TableName, Item, or Error with a BatchStatementError
 *     code); a failed write is rolled back alone (a nested SAVEPOINT).
 *   ExecuteTransaction: up to 100 statements, all reads (TransactGetItems)
 *     or all writes (TransactWriteItems), so one SQLite transaction as
 *     those are; an INSERT whose key exists cancels with DuplicateItem.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_int.h"
#include "partiql.h"

#define BATCH_MAX	25
#define TXN_MAX		100
#define STMT_MAX	8192

#define VAL1	"1 validation error detected: Value "

/* ---- translation ------------------------------------------------------------ */

struct keys_ctx {
	sqlite3		*db;
	struct tbl	*t;
};

static int
keys_of(void *arg, const char *table, const char *index,
    const struct key_schema **ks, struct ddb_err *err)
{
	struct keys_ctx *k = arg;
	const struct tbl_index *ix;

	tbl_free(k->t);
	k->t = NULL;
	if (tbl_load(k->db, table, &k->t, err) != 0)
		return -1;
	if (index == NULL) {
		*ks = &k->t->ks;
		return 0;
	}
	if ((ix = tbl_index_find(k->t, index)) == NULL)
		return ddb_fail(err, DDB_VALIDATION, "The table does not have "
		    "the specified index: %s", index);
	*ks = &ix->ks;
	return 0;
}

/* One statement object {Statement, Parameters, ...}: shape checks, then the
 * translation.  0 or -1. */
static int
translate(sqlite3 *db, const cJSON *o, int flags, struct partiql_out *out,
    struct ddb_err *err)
{
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(o, "Statement");
	const cJSON *pa = cJSON_GetObjectItemCaseSensitive(o, "Parameters");
	struct keys_ctx k = { db, NULL };
	int rc;

	memset(out, 0, sizeof(*out));
	if (s == NULL || cJSON_IsNull(s))
		return ddb_fail(err, DDB_VALIDATION, VAL1 "null at 'statement' "
		    "failed to satisfy constraint: Member must not be null");
	if (!cJSON_IsString(s))
		return ddb_fail(err, DDB_SERIALIZATION,
		    "Unexpected token received from parser");
	if (s->valuestring[0] == '\0' || strlen(s->valuestring) > STMT_MAX)
		return ddb_fail(err, DDB_VALIDATION, VAL1 "at 'statement' "
		    "failed to satisfy constraint: Member must have length "
		    "less than or equal to %d and greater than or equal to 1",
		    STMT_MAX);
	if (pa != NULL && !cJSON_IsNull(pa) &&
	    (!cJSON_IsArray(pa) || cJSON_GetArraySize(pa) == 0))
		return ddb_fail(err, DDB_VALIDATION, VAL1 "at 'parameters' "
		    "failed to satisfy constraint: Member must have length "
		    "greater than or equal to 1");
	rc = partiql_translate(s->valuestring, cJSON_IsArray(pa) ? pa : NULL,
	    flags, keys_of, &k, out, err);
	tbl_free(k.t);
	return rc;
}

/* Copy member m of from into to (when present). */
static void
pass(cJSON *to, const cJSON *from, const char *m)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(from, m);

	if (v != NULL && !cJSON_IsNull(v)) {
		cJSON_DeleteItemFromObjectCaseSensitive(to, m);
		cJSON_AddItemToObject(to, m, cJSON_Duplicate(v, true));
	}
}

/* Run the translated request; an INSERT's failed condition is
 * DuplicateItemException, as DynamoDB names it. */
static int
run(sqlite3 *db, const struct partiql_out *pq, const struct tables_call *call,
    cJSON **resp, struct ddb_err *err)
{
	if (tables_exec(db, pq->op, pq->req, call, resp, err) == 0)
		return 0;
	if (pq->insert && err->type == DDB_CONDITIONAL_CHECK_FAILED) {
		ddb_err_clear(err);
		return ddb_fail(err, DDB_DUPLICATE_ITEM,
		    "Duplicate primary key exists in table");
	}
	return -1;
}

/* ---- ExecuteStatement ------------------------------------------------------- */

/* NextToken -> ExclusiveStartKey of req.  0 or -1. */
static int
token_in(cJSON *req, const cJSON *o, struct ddb_err *err)
{
	const cJSON *tok = cJSON_GetObjectItemCaseSensitive(o, "NextToken");
	struct buf b;
	cJSON *esk;

	if (tok == NULL || cJSON_IsNull(tok))
		return 0;
	if (!cJSON_IsString(tok))
		return ddb_fail(err, DDB_SERIALIZATION,
		    "Unexpected token received from parser");
	buf_init(&b);
	esk = buf_unbase64(&b, tok->valuestring, strlen(tok->valuestring)) == 0
	    ? cJSON_ParseWithLength(b.data, b.len) : NULL;
	buf_free(&b);
	if (!cJSON_IsObject(esk)) {
		cJSON_Delete(esk);
		return ddb_fail(err, DDB_VALIDATION, "Invalid NextToken");
	}
	cJSON_AddItemToObject(req, "ExclusiveStartKey", esk);
	return 0;
}

static void
token_out(cJSON *out, const cJSON *resp)
{
	const cJSON *lek = cJSON_GetObjectItemCaseSensitive(resp,
	    "LastEvaluatedKey");
	struct buf b;
	char *text;

	if (lek == NULL)
		return;
	text = cJSON_PrintUnformatted(lek);
	buf_init(&b);
	buf_base64(&b, text, strlen(text));
	cJSON_AddStringToObject(out, "NextToken", b.data);
	buf_free(&b);
	free(text);
	cJSON_AddItemToObject(out, "LastEvaluatedKey", cJSON_Duplicate(lek,
	    true));
}

/* The operation's reply as ExecuteStatement's: Items (and paging). */
static cJSON *
statement_reply(const struct partiql_out *pq, const cJSON *resp)
{
	cJSON *out = cJSON_CreateObject(), *items;
	const cJSON *v;

	if (pq->op == TOP_Query || pq->op == TOP_Scan) {
		v = cJSON_GetObjectItemCaseSensitive(resp, "Items");
		items = v != NULL ? cJSON_Duplicate(v, true) :
		    cJSON_CreateArray();
	} else {
		items = cJSON_CreateArray();
		v = cJSON_GetObjectItemCaseSensitive(resp,
		    pq->op == TOP_GetItem ? "Item" : "Attributes");
		if (v != NULL && (pq->op == TOP_GetItem || pq->returning))
			cJSON_AddItemToArray(items, cJSON_Duplicate(v, true));
	}
	cJSON_AddItemToObject(out, "Items", items);
	token_out(out, resp);
	pass(out, resp, "ConsumedCapacity");
	return out;
}

int
op_ExecuteStatement(sqlite3 *db, cJSON *req, const struct tables_call *call,
    cJSON **resp, struct ddb_err *err)
{
	struct partiql_out pq;
	cJSON *r = NULL;
	bool read;
	int rc = -1;

	if (tbl_return_enums(req, false, err) != 0 ||
	    translate(db, req, 0, &pq, err) != 0)
		return -1;
	read = pq.op == TOP_GetItem || pq.op == TOP_Query || pq.op == TOP_Scan;
	if (read) {
		pass(pq.req, req, "ConsistentRead");
		if (pq.op != TOP_GetItem) {
			pass(pq.req, req, "Limit");
			if (token_in(pq.req, req, err) != 0)
				goto out;
		}
	} else
		pass(pq.req, req, "ReturnValuesOnConditionCheckFailure");
	pass(pq.req, req, "ReturnConsumedCapacity");
	if (run(db, &pq, call, &r, err) != 0)
		goto out;
	*resp = statement_reply(&pq, r);
	rc = 0;
out:
	cJSON_Delete(r);
	cJSON_Delete(pq.req);
	return rc;
}

/* ---- BatchExecuteStatement -------------------------------------------------- */

/* A statement list member: an array of 1..max objects, all SELECTs or none.
 * *read says which.  0 or -1. */
static int
statements(const cJSON *req, const char *member, const char *field, int max,
    bool *read, struct ddb_err *err)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(req, member), *e, *s;
	int n = 0, nread = 0;

	if (a == NULL || cJSON_IsNull(a))
		return ddb_fail(err, DDB_VALIDATION, VAL1 "null at '%s' failed "
		    "to satisfy constraint: Member must not be null", field);
	if (!cJSON_IsArray(a))
		return ddb_fail(err, DDB_SERIALIZATION,
		    "Unexpected token received from parser");
	n = cJSON_GetArraySize(a);
	if (n < 1 || n > max)
		return ddb_fail(err, DDB_VALIDATION, VAL1 "at '%s' failed to "
		    "satisfy constraint: Member must have length less than or "
		    "equal to %d and greater than or equal to 1", field, max);
	cJSON_ArrayForEach(e, a) {
		if (!cJSON_IsObject(e))
			return ddb_fail(err, DDB_SERIALIZATION,
			    "Unexpected token received from parser");
		s = cJSON_GetObjectItemCaseSensitive(e, "Statement");
		nread += cJSON_IsString(s) && partiql_is_select(s->valuestring);
	}
	if (nread != 0 && nread != n)
		return ddb_fail(err, DDB_VALIDATION, "Statements must be either "
		    "all read statements or all write statements");
	*read = nread == n;
	return 0;
}

/* DynamoDB's BatchStatementError code for an error type. */
static const char *
batch_code(enum ddb_errtype t)
{
	switch (t) {
	case DDB_CONDITIONAL_CHECK_FAILED:	return "ConditionalCheckFailed";
	case DDB_DUPLICATE_ITEM:		return "DuplicateItem";
	case DDB_RESOURCE_NOT_FOUND:		return "ResourceNotFound";
	case DDB_ACCESS_DENIED:			return "AccessDenied";
	case DDB_ITEM_COLLECTION_SIZE:
		return "ItemCollectionSizeLimitExceeded";
	case DDB_TRANSACTION_CONFLICT:		return "TransactionConflict";
	case DDB_REQUEST_LIMIT:			return "RequestLimitExceeded";
	case DDB_PROVISIONED_THROUGHPUT:
		return "ProvisionedThroughputExceeded";
	case DDB_INTERNAL:			return "InternalServerError";
	default:				return "ValidationError";
	}
}

static int
sp_exec(sqlite3 *db, const char *sql, struct ddb_err *err)
{
	sqlite3_stmt *st;
	int rc;

	if (tbl_prepare(db, sql, &st, err) != 0)
		return -1;
	rc = sqlite3_step(st);
	store_stmt_done(st);
	return rc == SQLITE_DONE ? 0 : tbl_sql_fail(db, err);
}

/* One statement of a batch into its BatchStatementResponse.  -1 only when
 * the store itself failed (the whole call fails then). */
static int
batch_one(sqlite3 *db, const cJSON *o, bool read,
    const struct tables_call *call, cJSON *out, struct ddb_err *err)
{
	struct ddb_err e = { 0 };
	struct partiql_out pq;
	cJSON *r = NULL, *er;
	const cJSON *v;
	int rc = 0;

	if (!read && sp_exec(db, "SAVEPOINT partiql_stmt", err) != 0)
		return -1;
	if (translate(db, o, PQ_GET_ONLY, &pq, &e) == 0) {
		cJSON_AddStringToObject(out, "TableName", cJSON_GetObjectItem(
		    pq.req, "TableName")->valuestring);
		pass(pq.req, o, read ? "ConsistentRead" :
		    "ReturnValuesOnConditionCheckFailure");
		if (run(db, &pq, call, &r, &e) == 0 && read &&
		    (v = cJSON_GetObjectItemCaseSensitive(r, "Item")) != NULL)
			cJSON_AddItemToObject(out, "Item",
			    cJSON_Duplicate(v, true));
	}
	if (e.type != DDB_OK) {
		er = cJSON_AddObjectToObject(out, "Error");
		cJSON_AddStringToObject(er, "Code", batch_code(e.type));
		cJSON_AddStringToObject(er, "Message", e.msg);
		if ((v = cJSON_GetObjectItemCaseSensitive(e.extra, "Item")))
			cJSON_AddItemToObject(er, "Item",
			    cJSON_Duplicate(v, true));
		if (e.type == DDB_INTERNAL) {
			*err = e;
			e.extra = NULL;
			rc = -1;
		}
		if (!read && rc == 0 &&
		    sp_exec(db, "ROLLBACK TO partiql_stmt", err) != 0)
			rc = -1;
	}
	if (!read && rc == 0 && sp_exec(db, "RELEASE partiql_stmt", err) != 0)
		rc = -1;
	ddb_err_clear(&e);
	cJSON_Delete(r);
	cJSON_Delete(pq.req);
	return rc;
}

int
op_BatchExecuteStatement(sqlite3 *db, cJSON *req,
    const struct tables_call *call, cJSON **resp, struct ddb_err *err)
{
	const cJSON *o;
	cJSON *list;
	bool read;

	if (tbl_return_enums(req, false, err) != 0 ||
	    statements(req, "Statements", "statements", BATCH_MAX, &read,
	    err) != 0)
		return -1;
	*resp = cJSON_CreateObject();
	list = cJSON_AddArrayToObject(*resp, "Responses");
	cJSON_ArrayForEach(o, cJSON_GetObjectItemCaseSensitive(req,
	    "Statements")) {
		cJSON *one = cJSON_CreateObject();

		cJSON_AddItemToArray(list, one);
		if (batch_one(db, o, read, call, one, err) != 0)
			return -1;
	}
	return 0;
}

/* ---- ExecuteTransaction ----------------------------------------------------- */

/* The TransactWriteItems / TransactGetItems action of one statement. */
static int
txn_action(sqlite3 *db, const cJSON *o, bool read, cJSON *items,
    bool *insert, struct ddb_err *err)
{
	static const char *const wkind[] = {
		[TOP_PutItem] = "Put", [TOP_UpdateItem] = "Update",
		[TOP_DeleteItem] = "Delete",
	};
	struct partiql_out pq;
	cJSON *act;

	if (translate(db, o, PQ_GET_ONLY, &pq, err) != 0)
		return -1;
	if (pq.returning) {
		cJSON_Delete(pq.req);
		return ddb_fail(err, DDB_VALIDATION, "RETURNING is not "
		    "supported in a transaction");
	}
	*insert = pq.insert;
	if (!read)
		pass(pq.req, o, "ReturnValuesOnConditionCheckFailure");
	act = cJSON_CreateObject();
	cJSON_AddItemToObject(act, read ? "Get" : wkind[pq.op], pq.req);
	cJSON_AddItemToArray(items, act);
	return 0;
}

/* A cancelled write transaction: an INSERT's ConditionalCheckFailed reason
 * is DuplicateItem, as DynamoDB reports it. */
static void
txn_reasons(struct ddb_err *err, const bool *insert, int n)
{
	const cJSON *reasons = cJSON_GetObjectItemCaseSensitive(err->extra,
	    "CancellationReasons");
	cJSON *r, *code;
	int i = 0;

	cJSON_ArrayForEach(r, reasons) {
		code = cJSON_GetObjectItemCaseSensitive(r, "Code");
		if (i < n && insert[i] && cJSON_IsString(code) &&
		    strcmp(code->valuestring, "ConditionalCheckFailed") == 0) {
			cJSON_ReplaceItemInObjectCaseSensitive(r, "Code",
			    cJSON_CreateString("DuplicateItem"));
			cJSON_DeleteItemFromObjectCaseSensitive(r, "Message");
			cJSON_AddStringToObject(r, "Message", "Duplicate "
			    "primary key exists in table");
		}
		i++;
	}
}

int
op_ExecuteTransaction(sqlite3 *db, cJSON *req, const struct tables_call *call,
    cJSON **resp, struct ddb_err *err)
{
	bool read, insert[TXN_MAX] = { false };
	cJSON *treq, *items;
	const cJSON *o;
	int n = 0, rc = -1;

	if (tbl_return_enums(req, false, err) != 0 ||
	    statements(req, "TransactStatements", "transactStatements",
	    TXN_MAX, &read, err) != 0)
		return -1;
	treq = cJSON_CreateObject();
	items = cJSON_AddArrayToObject(treq, "TransactItems");
	cJSON_ArrayForEach(o, cJSON_GetObjectItemCaseSensitive(req,
	    "TransactStatements"))
		if (txn_action(db, o, read, items, &insert[n++], err) != 0)
			goto out;
	pass(treq, req, "ReturnConsumedCapacity");
	if (!read)
		pass(treq, req, "ClientRequestToken");
	if (tables_exec(db, read ? TOP_TransactGetItems :
	    TOP_TransactWriteItems, treq, call, resp, err) != 0) {
		if (err->type == DDB_TRANSACTION_CANCELED)
			txn_reasons(err, insert, n);
		goto out;
	}
	if (!read)
		cJSON_DeleteItemFromObjectCaseSensitive(*resp,
		    "ItemCollectionMetrics");
	rc = 0;
out:
	cJSON_Delete(treq);
	return rc;
}
