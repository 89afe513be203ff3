/*
 * ops_txn: TransactWriteItems and TransactGetItems.
 *
 * A write transaction is checked whole (shape, access, tables, keys, no
 * item twice, every expression), then every action's condition is
 * evaluated against the items as they are and every new item computed;
 * only when all pass is anything written.  Otherwise the call fails with
 * TransactionCanceledException and one CancellationReason per action, in
 * order.  The call runs in the store's SAVEPOINT, so the writes are one
 * atomic step.
 *
 * ClientRequestToken makes a write transaction idempotent for 10 minutes:
 * the `tokens` table keeps the token, a hash of the request text and the
 * reply; the same token with the same request returns that reply without
 * applying anything again, with another request it is refused.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_int.h"

#define TXN_MAX		100
#define TOKEN_TTL_MS	(10 * 60 * 1000)

#define VAL1	"1 validation error detected: Value "

enum act_kind { A_CHECK, A_PUT, A_DELETE, A_UPDATE, A_GET };

static const char *const act_member[] = { "ConditionCheck", "Put", "Delete",
	"Update", "Get" };
static const char *const act_field[] = { "conditionCheck", "put", "delete",
	"update", "get" };
/* The IAM action each kind of action needs (as access.c asks for it). */
static const char *const act_iam[] = { "dynamodb:ConditionCheckItem",
	"dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:UpdateItem",
	"dynamodb:GetItem" };

struct act {
	enum act_kind	 kind;
	cJSON		*spec;
	const char	*table;
	struct tbl	*t;
	struct expr_ctx	 ctx;
	bool		 ctx_on, all_old;
	struct expr	*cond, *upd, *proj;
	cJSON		*key;		/* Key, or Item for a Put */
	struct buf	 hk, rk;
	cJSON		*old, *item;	/* stored item; item to write */
};

struct txn {
	struct act	*a;
	size_t		 n;
};

static void
txn_free(struct txn *x)
{
	struct act *a;
	size_t i;

	for (i = 0; i < x->n; i++) {
		a = &x->a[i];
		expr_free(a->cond);
		expr_free(a->upd);
		expr_free(a->proj);
		if (a->ctx_on)
			expr_ctx_free(&a->ctx);
		tbl_free(a->t);
		buf_free(&a->hk);
		buf_free(&a->rk);
		cJSON_Delete(a->old);
		cJSON_Delete(a->item);
	}
	free(x->a);
}

/* ---- the request ------------------------------------------------------------ */

/* TransactItems: 1..100 entries, each with exactly one action member
 * (Get only, for TransactGetItems). */
static int
txn_shape(cJSON *req, bool get, struct txn *x, struct ddb_err *err)
{
	cJSON *ti = cJSON_GetObjectItemCaseSensitive(req, "TransactItems"), *e;
	int n, k, found;

	if (ti == NULL || cJSON_IsNull(ti))
		return ddb_fail(err, DDB_VALIDATION, VAL1 "null at 'transactItems"
		    "' failed to satisfy constraint: Member must not be null");
	if (!cJSON_IsArray(ti))
		return ddb_fail(err, DDB_SERIALIZATION, "Start of list expected");
	if ((n = cJSON_GetArraySize(ti)) < 1 || n > TXN_MAX)
		return ddb_fail(err, DDB_VALIDATION, VAL1 "at 'transactItems' "
		    "failed to satisfy constraint: Member must have length %s "
		    "than or equal to %d", n < 1 ? "greater" : "less",
		    n < 1 ? 1 : TXN_MAX);
	x->a = calloc((size_t)n, sizeof(*x->a));
	cJSON_ArrayForEach(e, ti) {
		struct act *a = &x->a[x->n++];

		buf_init(&a->hk);
		buf_init(&a->rk);
		found = 0;
		for (k = get ? A_GET : A_CHECK; k <= (get ? A_GET : A_UPDATE);
		    k++) {
			cJSON *m = cJSON_GetObjectItemCaseSensitive(e,
			    act_member[k]);

			if (m != NULL && !cJSON_IsNull(m)) {
				found++;
				a->kind = (enum act_kind)k;
				a->spec = m;
			}
		}
		if (found != 1 || !cJSON_IsObject(a->spec))
			return ddb_fail(err, DDB_VALIDATION, "TransactItems can "
			    "only contain one of Check, Put, Update or Delete");
		if (tbl_req_name(a->spec, "TableName", "tableName", true,
		    &a->table, err) != 0)
			return -1;
	}
	return 0;
}

static int
txn_tables(sqlite3 *db, const struct tables_call *call, struct txn *x,
    struct ddb_err *err)
{
	size_t i;

	for (i = 0; i < x->n; i++)
		if (tbl_allow(call, act_iam[x->a[i].kind], x->a[i].table,
		    x->a[i].kind != A_CHECK && x->a[i].kind != A_GET, err) != 0)
			return -1;
	for (i = 0; i < x->n; i++)
		if (tbl_load(db, x->a[i].table, &x->a[i].t, err) != 0)
			return -1;
	return 0;
}

static int
expr_member(struct act *a, enum expr_kind kind, const char *member,
    bool required, struct expr **out, struct ddb_err *err)
{
	const char *text;

	if (tbl_req_str(a->spec, member, &text, err) != 0)
		return -1;
	if (text == NULL) {
		if (!required)
			return 0;
		return ddb_fail(err, DDB_VALIDATION, VAL1 "null at 'transactItems"
		    ".member.%s.%c%s' failed to satisfy constraint: Member must "
		    "not be null", act_field[a->kind], member[0] + 32,
		    member + 1);
	}
	*out = expr_parse(kind, text, &a->ctx, err);
	return *out != NULL ? 0 : -1;
}

/* An update may not write or remove a key attribute. */
static int
key_targets(const struct act *a, struct ddb_err *err)
{
	const char *names[64];
	size_t n, i;

	n = expr_update_targets(a->upd, names, 64);
	for (i = 0; i < n && i < 64; i++)
		if (strcmp(names[i], a->t->ks.hash) == 0 ||
		    (a->t->ks.range != NULL &&
		    strcmp(names[i], a->t->ks.range) == 0))
			return ddb_fail(err, DDB_VALIDATION, "One or more "
			    "parameter values were invalid: Cannot update "
			    "attribute %s. This attribute is part of the key",
			    names[i]);
	return 0;
}

/* One action's key (or item) and expressions. */
static int
act_parse(struct act *a, struct ddb_err *err)
{
	bool put = a->kind == A_PUT;

	a->key = cJSON_GetObjectItemCaseSensitive(a->spec, put ? "Item" : "Key");
	if (a->key == NULL || cJSON_IsNull(a->key))
		return ddb_fail(err, DDB_VALIDATION, VAL1 "null at 'transactItems"
		    ".member.%s.%s' failed to satisfy constraint: Member must "
		    "not be null", act_field[a->kind], put ? "item" : "key");
	if (!cJSON_IsObject(a->key))
		return ddb_fail(err, DDB_SERIALIZATION,
		    "Start of structure or map expected");
	if (ddb_item_check(a->key, err) != 0 ||
	    (!put && tbl_key_only(a->t, a->key, err) != 0) ||
	    tbl_item_key(a->t, a->key, &a->hk, &a->rk, err) != 0)
		return -1;
	if (a->kind != A_GET && tbl_rvoccf(a->spec, &a->all_old, err) != 0)
		return -1;
	if (expr_ctx_init(&a->ctx, cJSON_GetObjectItemCaseSensitive(a->spec,
	    "ExpressionAttributeNames"), a->kind == A_GET ? NULL :
	    cJSON_GetObjectItemCaseSensitive(a->spec,
	    "ExpressionAttributeValues"), err) != 0)
		return -1;
	a->ctx_on = true;
	if (a->kind == A_GET) {
		if (expr_member(a, EXPR_PROJECTION, "ProjectionExpression",
		    false, &a->proj, err) != 0)
			return -1;
	} else if (expr_member(a, EXPR_CONDITION, "ConditionExpression",
	    a->kind == A_CHECK, &a->cond, err) != 0 ||
	    (a->kind == A_UPDATE && (expr_member(a, EXPR_UPDATE,
	    "UpdateExpression", true, &a->upd, err) != 0 ||
	    key_targets(a, err) != 0))) {
		return -1;
	}
	return expr_ctx_check_unused(&a->ctx, err);
}

static int
txn_parse(struct txn *x, struct ddb_err *err)
{
	struct act *a, *b;
	size_t i, j;

	for (i = 0; i < x->n; i++) {
		if (act_parse(&x->a[i], err) != 0)
			return -1;
		a = &x->a[i];
		for (j = 0; j < i; j++) {
			b = &x->a[j];
			if (b->t->id == a->t->id && buf_eq(&b->hk, &a->hk) &&
			    buf_eq(&b->rk, &a->rk))
				return ddb_fail(err, DDB_VALIDATION,
				    "Transaction request cannot include "
				    "multiple operations on one item");
		}
	}
	return 0;
}

/* ---- idempotency ------------------------------------------------------------ */

static void
req_hash(const cJSON *req, char out[17])
{
	char *text = cJSON_PrintUnformatted(req);
	uint64_t h = 14695981039346656037ull;
	const unsigned char *p;

	for (p = (const unsigned char *)text; p != NULL && *p != '\0'; p++)
		h = (h ^ *p) * 1099511628211ull;
	free(text);
	snprintf(out, 17, "%016" PRIx64, h);
}

/* 1 and *resp when this token already ran this request; 0 to go on. */
static int
token_lookup(sqlite3 *db, const char *token, const char *hash, int64_t now,
    cJSON **resp, struct ddb_err *err)
{
	sqlite3_stmt *st;
	int rc, out = 0;

	if (tbl_prepare(db, "SELECT hash, resp FROM tokens WHERE token = ?1 "
	    "AND at > ?2", &st, err) != 0)
		return -1;
	sqlite3_bind_text(st, 1, token, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now - TOKEN_TTL_MS);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		if (strcmp((const char *)sqlite3_column_text(st, 0), hash) != 0)
			out = ddb_fail(err, DDB_IDEMPOTENT_MISMATCH, "DynamoDB "
			    "rejected the request because you retried a request "
			    "with a different payload but with an idempotent "
			    "token that was already used.");
		else if ((*resp = cJSON_Parse((const char *)
		    sqlite3_column_text(st, 1))) != NULL)
			out = 1;
		else
			out = ddb_fail(err, DDB_INTERNAL, "Internal server "
			    "error: a stored reply is damaged");
	} else if (rc != SQLITE_DONE) {
		out = tbl_sql_fail(db, err);
	}
	store_stmt_done(st);
	return out;
}

static int
token_store(sqlite3 *db, const char *token, const char *hash, int64_t now,
    const cJSON *resp, struct ddb_err *err)
{
	sqlite3_stmt *st;
	char *text = cJSON_PrintUnformatted(resp);
	int rc;

	if (tbl_prepare(db, "INSERT OR REPLACE INTO tokens(token, hash, at, "
	    "resp) VALUES(?1, ?2, ?3, ?4)", &st, err) != 0) {
		free(text);
		return -1;
	}
	sqlite3_bind_text(st, 1, token, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now);
	sqlite3_bind_text(st, 4, text, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	store_stmt_done(st);
	free(text);
	return rc == SQLITE_DONE ? 0 : tbl_sql_fail(db, err);
}

static int
token_get(const cJSON *req, const char **token, struct ddb_err *err)
{
	size_t n;

	if (tbl_req_str(req, "ClientRequestToken", token, err) != 0)
		return -1;
	if (*token == NULL)
		return 0;
	n = strlen(*token);
	if (n < 1 || n > 36)
		return ddb_fail(err, DDB_VALIDATION, VAL1 "'%s' at "
		    "'clientRequestToken' failed to satisfy constraint: Member "
		    "must have length %s than or equal to %d", *token,
		    n < 1 ? "greater" : "less", n < 1 ? 1 : 36);
	return 0;
}

/* ---- TransactWriteItems ----------------------------------------------------- */

/* Evaluate one action against the stored item; fills reason with its
 * CancellationReason ({"Code":"None"} when it passes).  -1 only for
 * errors that are not the action's failure. */
static int
act_check(sqlite3 *db, struct act *a, cJSON *reason, bool *failed,
    struct ddb_err *err)
{
	struct ddb_err e2 = { 0 };
	bool ok = true;

	if (tbl_get(db, a->t, &a->hk, &a->rk, &a->old, err) != 0)
		return -1;
	if (a->cond != NULL && expr_eval(a->cond, a->old, &ok, &e2) != 0)
		goto invalid;
	if (!ok) {
		cJSON_AddStringToObject(reason, "Code", "ConditionalCheckFailed");
		cJSON_AddStringToObject(reason, "Message",
		    "The conditional request failed");
		if (a->all_old && a->old != NULL)
			cJSON_AddItemToObject(reason, "Item",
			    cJSON_Duplicate(a->old, true));
		*failed = true;
		return 0;
	}
	if (a->kind == A_PUT) {
		a->item = cJSON_Duplicate(a->key, true);
	} else if (a->kind == A_UPDATE) {
		a->item = cJSON_Duplicate(a->old != NULL ? a->old : a->key, true);
		if (expr_update(a->upd, a->item, &e2) != 0)
			goto invalid;
		if (ddb_item_size(a->item) > DDB_ITEM_MAX) {
			ddb_fail(&e2, DDB_VALIDATION, "Item size to update has "
			    "exceeded the maximum allowed size");
			goto invalid;
		}
	}
	cJSON_AddStringToObject(reason, "Code", "None");
	return 0;
invalid:
	cJSON_AddStringToObject(reason, "Code", "ValidationError");
	cJSON_AddStringToObject(reason, "Message", e2.msg);
	ddb_err_clear(&e2);
	*failed = true;
	return 0;
}

static int
txn_cancel(cJSON *reasons, struct ddb_err *err)
{
	struct buf codes;
	const cJSON *r;

	buf_init(&codes);
	cJSON_ArrayForEach(r, reasons)
		buf_printf(&codes, "%s%s", codes.len ? ", " : "",
		    cJSON_GetObjectItemCaseSensitive(r, "Code")->valuestring);
	ddb_fail(err, DDB_TRANSACTION_CANCELED, "Transaction cancelled, please "
	    "refer cancellation reasons for specific reasons [%s]", codes.data);
	buf_free(&codes);
	cJSON_Delete(err->extra);
	err->extra = cJSON_CreateObject();
	cJSON_AddItemToObject(err->extra, "CancellationReasons", reasons);
	return -1;
}

/* Units per table, in the order tables first appear. */
static void
txn_capacity(cJSON *resp, const cJSON *req, const struct txn *x, bool write)
{
	cJSON *list = cJSON_CreateArray();
	double units;
	size_t i, j, sz;

	for (i = 0; i < x->n; i++) {
		for (j = 0; j < i && strcmp(x->a[j].table, x->a[i].table); j++)
			;
		if (j < i)
			continue;
		for (units = 0, j = i; j < x->n; j++) {
			if (strcmp(x->a[j].table, x->a[i].table) != 0)
				continue;
			sz = x->a[j].item != NULL ? ddb_item_size(x->a[j].item) :
			    x->a[j].old != NULL ? ddb_item_size(x->a[j].old) : 0;
			units += 2 * (write ? tbl_write_units(sz) :
			    tbl_read_units(sz, true));
		}
		tbl_capacity(list, req, x->a[i].table, write ? 0 : units,
		    write ? units : 0);
	}
	if (cJSON_GetArraySize(list) > 0)
		cJSON_AddItemToObject(resp, "ConsumedCapacity", list);
	else
		cJSON_Delete(list);
}

static int
txn_apply(sqlite3 *db, struct txn *x, struct ddb_err *err)
{
	cJSON *reasons = cJSON_CreateArray(), *r;
	bool failed = false;
	struct act *a;
	size_t i;

	for (i = 0; i < x->n; i++) {
		r = cJSON_CreateObject();
		cJSON_AddItemToArray(reasons, r);
		if (act_check(db, &x->a[i], r, &failed, err) != 0) {
			cJSON_Delete(reasons);
			return -1;
		}
	}
	if (failed)
		return txn_cancel(reasons, err);
	cJSON_Delete(reasons);
	for (i = 0; i < x->n; i++) {
		a = &x->a[i];
		if (a->kind == A_CHECK || (a->kind == A_DELETE && a->old == NULL))
			continue;
		if (tbl_put(db, a->t, &a->hk, &a->rk, a->old, a->item, err) != 0)
			return -1;
	}
	return 0;
}

int
op_TransactWriteItems(sqlite3 *db, cJSON *req, const struct tables_call *call,
    cJSON **resp, struct ddb_err *err)
{
	struct txn x = { 0 };
	const char *token;
	char hash[17];
	int64_t now = call != NULL ? call->now_ms : 0;
	int rc = -1, seen;

	req_hash(req, hash);
	if (tbl_return_enums(req, true, err) != 0 ||
	    token_get(req, &token, err) != 0 || txn_shape(req, false, &x,
	    err) != 0 ||
	    txn_tables(db, call, &x, err) != 0)
		goto done;
	if (token != NULL &&
	    (seen = token_lookup(db, token, hash, now, resp, err)) != 0) {
		rc = seen > 0 ? 0 : -1;
		goto done;
	}
	if (txn_parse(&x, err) != 0 || txn_apply(db, &x, err) != 0)
		goto done;
	*resp = cJSON_CreateObject();
	txn_capacity(*resp, req, &x, true);
	if (token != NULL && token_store(db, token, hash, now, *resp, err) != 0)
		goto done;
	rc = 0;
done:
	txn_free(&x);
	return rc;
}

/* ---- TransactGetItems ------------------------------------------------------- */

int
op_TransactGetItems(sqlite3 *db, cJSON *req, const struct tables_call *call,
    cJSON **resp, struct ddb_err *err)
{
	struct txn x = { 0 };
	cJSON *list, *one;
	struct act *a;
	size_t i;
	int rc = -1;

	if (tbl_return_enums(req, false, err) != 0 ||
	    txn_shape(req, true, &x, err) != 0 ||
	    txn_tables(db, call, &x, err) != 0 ||
	    txn_parse(&x, err) != 0)
		goto done;
	for (i = 0; i < x.n; i++) {
		a = &x.a[i];
		if (tbl_get(db, a->t, &a->hk, &a->rk, &a->old, err) != 0)
			goto done;
	}
	*resp = cJSON_CreateObject();
	list = cJSON_AddArrayToObject(*resp, "Responses");
	for (i = 0; i < x.n; i++) {
		a = &x.a[i];
		one = cJSON_CreateObject();
		if (a->old != NULL)
			cJSON_AddItemToObject(one, "Item", a->proj != NULL ?
			    expr_project(a->proj, a->old) :
			    cJSON_Duplicate(a->old, true));
		cJSON_AddItemToArray(list, one);
	}
	txn_capacity(*resp, req, &x, false);
	rc = 0;
done:
	txn_free(&x);
	return rc;
}
