/*
 * ops_item: the single-item operations, PutItem, GetItem, UpdateItem and
 * DeleteItem.
 *
 * Each runs in the same order DynamoDB validates: the request's own
 * members (names, enums, the attribute values), then access, then the
 * expressions (all parsed against one expr_ctx, so unused placeholders are
 * refused once every expression is known), then the table and the key
 * against its schema, and only then the stored item: the condition is
 * evaluated on the item as it was, and the write with its index entries
 * happens in the same SAVEPOINT the store opened for the call.
 */
#include <stdlib.h>
#include <string.h>

#include "engine_int.h"

#define VAL1	"1 validation error detected: Value "

/* Which expression members an operation takes. */
#define X_COND	1u
#define X_UPD	2u
#define X_PROJ	4u

/* One request's state, freed by ireq_free whatever happened. */
struct ireq {
	const char	*name;
	struct tbl	*t;
	struct expr_ctx	 ctx;
	bool		 ctx_on;
	struct expr	*cond, *upd, *proj;
	enum tbl_rv	 rv;
	bool		 all_old;	/* ReturnValuesOnConditionCheckFailure */
	struct buf	 hk, rk;
	cJSON		*old, *item;	/* stored item, item to write */
};

static void
ireq_init(struct ireq *r)
{
	memset(r, 0, sizeof(*r));
	buf_init(&r->hk);
	buf_init(&r->rk);
}

static void
ireq_free(struct ireq *r)
{
	expr_free(r->cond);
	expr_free(r->upd);
	expr_free(r->proj);
	if (r->ctx_on)
		expr_ctx_free(&r->ctx);
	tbl_free(r->t);
	buf_free(&r->hk);
	buf_free(&r->rk);
	cJSON_Delete(r->old);
	cJSON_Delete(r->item);
}

static int
not_null(struct ddb_err *err, const char *field)
{
	return ddb_fail(err, DDB_VALIDATION, VAL1 "null at '%s' failed to "
	    "satisfy constraint: Member must not be null", field);
}

/* An object member that must be there (Item, Key). */
static int
req_object(cJSON *req, const char *member, const char *field, cJSON **out,
    struct ddb_err *err)
{
	*out = cJSON_GetObjectItemCaseSensitive(req, member);
	if (*out == NULL || cJSON_IsNull(*out))
		return not_null(err, field);
	if (!cJSON_IsObject(*out))
		return ddb_fail(err, DDB_SERIALIZATION,
		    "Start of structure or map expected");
	return 0;
}

/* ---- expressions ----------------------------------------------------------- */

struct xmember {
	unsigned	 kind;		/* X_COND, X_UPD, X_PROJ */
	const char	*expr;		/* the expression member */
	const char	*legacy;	/* its non-expression counterpart */
};

static const struct xmember xmembers[] = {
	{ X_UPD, "UpdateExpression", "AttributeUpdates" },
	{ X_COND, "ConditionExpression", "Expected" },
	{ X_PROJ, "ProjectionExpression", "AttributesToGet" },
};
#define NXMEMBERS (sizeof(xmembers) / sizeof(xmembers[0]))

/* "Can not use both expression and non-expression parameters ...". */
static int
mixed_check(const cJSON *req, unsigned kinds, bool *exprs,
    struct ddb_err *err)
{
	struct buf le, ex;
	size_t i;
	int rc = 0;

	buf_init(&le);
	buf_init(&ex);
	for (i = 0; i < NXMEMBERS; i++) {
		if (!(kinds & xmembers[i].kind))
			continue;
		if (cJSON_GetObjectItemCaseSensitive(req, xmembers[i].legacy))
			buf_printf(&le, "%s%s", le.len ? ", " : "",
			    xmembers[i].legacy);
		if (cJSON_GetObjectItemCaseSensitive(req, xmembers[i].expr))
			buf_printf(&ex, "%s%s", ex.len ? ", " : "",
			    xmembers[i].expr);
	}
	if ((kinds & X_COND) &&
	    cJSON_GetObjectItemCaseSensitive(req, "ConditionalOperator"))
		buf_printf(&le, "%s%s", le.len ? ", " : "",
		    "ConditionalOperator");
	*exprs = ex.len > 0;
	if (le.len > 0 && ex.len > 0)
		rc = ddb_fail(err, DDB_VALIDATION, "Can not use both expression "
		    "and non-expression parameters in the same request: "
		    "Non-expression parameters: {%s} Expression parameters: "
		    "{%s}", le.data, ex.data);
	buf_free(&le);
	buf_free(&ex);
	return rc;
}

/* The placeholder maps: present only with expressions, never empty. */
static int
maps_check(const cJSON *req, unsigned kinds, bool exprs, struct ddb_err *err)
{
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(req,
	    "ExpressionAttributeNames");
	const cJSON *v = (kinds & X_PROJ) ? NULL :
	    cJSON_GetObjectItemCaseSensitive(req, "ExpressionAttributeValues");

	if (n != NULL && !exprs)
		return ddb_fail(err, DDB_VALIDATION, "ExpressionAttributeNames "
		    "can only be specified when using expressions");
	if (v != NULL && !exprs)
		return ddb_fail(err, DDB_VALIDATION, "ExpressionAttributeValues"
		    " can only be specified when using expressions: %s",
		    (kinds & X_UPD) ? "UpdateExpression and ConditionExpression"
		    " are null" : "ConditionExpression is null");
	if ((n != NULL && !cJSON_IsObject(n)) ||
	    (v != NULL && !cJSON_IsObject(v)))
		return ddb_fail(err, DDB_SERIALIZATION,
		    "Start of structure or map expected");
	if (n != NULL && cJSON_GetArraySize(n) == 0)
		return ddb_fail(err, DDB_VALIDATION,
		    "ExpressionAttributeNames must not be empty");
	if (v != NULL && cJSON_GetArraySize(v) == 0)
		return ddb_fail(err, DDB_VALIDATION,
		    "ExpressionAttributeValues must not be empty");
	return 0;
}

static struct expr **
xslot(struct ireq *r, unsigned kind)
{
	return kind == X_UPD ? &r->upd : kind == X_COND ? &r->cond : &r->proj;
}

static int
exprs_new(cJSON *req, struct ireq *r, unsigned kinds, struct ddb_err *err)
{
	static const enum expr_kind ek[] = { EXPR_UPDATE, EXPR_CONDITION,
	    EXPR_PROJECTION };
	const char *text;
	size_t i;

	if (expr_ctx_init(&r->ctx, cJSON_GetObjectItemCaseSensitive(req,
	    "ExpressionAttributeNames"), (kinds & X_PROJ) ? NULL :
	    cJSON_GetObjectItemCaseSensitive(req, "ExpressionAttributeValues"),
	    err) != 0)
		return -1;
	r->ctx_on = true;
	for (i = 0; i < NXMEMBERS; i++) {
		if (!(kinds & xmembers[i].kind))
			continue;
		if (tbl_req_str(req, xmembers[i].expr, &text, err) != 0)
			return -1;
		if (text != NULL && (*xslot(r, xmembers[i].kind) =
		    expr_parse(ek[i], text, &r->ctx, err)) == NULL)
			return -1;
	}
	return expr_ctx_check_unused(&r->ctx, err);
}

static int
exprs_legacy(const cJSON *req, struct ireq *r, unsigned kinds,
    struct ddb_err *err)
{
	const cJSON *v;
	const char *op;

	if ((kinds & X_UPD) && (v = cJSON_GetObjectItemCaseSensitive(req,
	    "AttributeUpdates")) != NULL &&
	    (r->upd = expr_from_attribute_updates(v, err)) == NULL)
		return -1;
	if (tbl_req_str(req, "ConditionalOperator", &op, err) != 0)
		return -1;
	if ((kinds & X_COND) && (v = cJSON_GetObjectItemCaseSensitive(req,
	    "Expected")) != NULL &&
	    (r->cond = expr_from_expected(v, op, err)) == NULL)
		return -1;
	if ((kinds & X_PROJ) && (v = cJSON_GetObjectItemCaseSensitive(req,
	    "AttributesToGet")) != NULL &&
	    (r->proj = expr_from_attributes_to_get(v, err)) == NULL)
		return -1;
	return 0;
}

static int
exprs_parse(cJSON *req, struct ireq *r, unsigned kinds, struct ddb_err *err)
{
	bool exprs;

	if (mixed_check(req, kinds, &exprs, err) != 0 ||
	    maps_check(req, kinds, exprs, err) != 0)
		return -1;
	return exprs ? exprs_new(req, r, kinds, err) :
	    exprs_legacy(req, r, kinds, err);
}

/* ---- the shared steps ------------------------------------------------------- */

/* Load the table; the data-plane calls say only "Requested resource not
 * found", without the table's name. */
static int
ireq_table(sqlite3 *db, struct ireq *r, struct ddb_err *err)
{
	if (tbl_load(db, r->name, &r->t, err) == 0)
		return 0;
	if (err->type == DDB_RESOURCE_NOT_FOUND)
		ddb_fail(err, DDB_RESOURCE_NOT_FOUND,
		    "Requested resource not found");
	return -1;
}

/* Key member: exactly the schema's attributes, then encoded. */
static int
ireq_key(struct ireq *r, const cJSON *key, struct ddb_err *err)
{
	if (tbl_key_only(r->t, key, err) != 0)
		return -1;
	return tbl_item_key(r->t, key, &r->hk, &r->rk, err);
}

/* Evaluate the condition on the stored item (NULL when absent). */
static int
ireq_condition(struct ireq *r, struct ddb_err *err)
{
	bool ok;

	if (r->cond == NULL)
		return 0;
	if (expr_eval(r->cond, r->old, &ok, err) != 0)
		return -1;
	return ok ? 0 : tbl_cond_failed(err, r->all_old, r->old);
}

static size_t
index_entry_size(const struct tbl *t, const struct tbl_index *ix,
    const cJSON *item)
{
	struct buf hk, rk;
	cJSON *p;
	size_t n = 0;

	if (item == NULL)
		return 0;
	buf_init(&hk);
	buf_init(&rk);
	if (tbl_index_key(ix, item, &hk, &rk)) {
		p = tbl_index_project(t, ix, item);
		n = ddb_item_size(p);
		cJSON_Delete(p);
	}
	buf_free(&hk);
	buf_free(&rk);
	return n;
}

/* ConsumedCapacity of a write: the larger of the old and new item, plus
 * one write per index entry removed or written. */
static void
capacity_write(cJSON *resp, const cJSON *req, const struct ireq *r)
{
	size_t a = r->old ? ddb_item_size(r->old) : 0;
	size_t b = r->item ? ddb_item_size(r->item) : 0, i, o, n;
	const struct tbl_index *ix;
	double u;

	if (cJSON_GetObjectItemCaseSensitive(req, "ReturnConsumedCapacity") ==
	    NULL)
		return;
	tbl_capacity(resp, req, r->t->name, 0, tbl_write_units(a > b ? a : b));
	for (i = 0; i < r->t->nidx; i++) {
		ix = &r->t->idx[i];
		o = index_entry_size(r->t, ix, r->old);
		n = index_entry_size(r->t, ix, r->item);
		u = (o ? tbl_write_units(o) : 0) + (n ? tbl_write_units(n) : 0);
		if (u > 0)
			tbl_capacity_index(resp, ix, u);
	}
}

/* Attributes for ReturnValues, if any (an empty result is left out). */
static void
return_attrs(cJSON *resp, const struct ireq *r)
{
	cJSON *a = NULL;

	switch (r->rv) {
	case RV_NONE:
		break;
	case RV_ALL_OLD:
		a = r->old ? cJSON_Duplicate(r->old, true) : NULL;
		break;
	case RV_ALL_NEW:
		a = r->item ? cJSON_Duplicate(r->item, true) : NULL;
		break;
	case RV_UPDATED_OLD:
		a = r->old && r->upd ? expr_update_project(r->upd, r->old) :
		    NULL;
		break;
	case RV_UPDATED_NEW:
		a = r->item && r->upd ? expr_update_project(r->upd, r->item) :
		    NULL;
		break;
	}
	if (a != NULL && cJSON_GetArraySize(a) > 0)
		cJSON_AddItemToObject(resp, "Attributes", a);
	else
		cJSON_Delete(a);
}

/* The write, then the reply: Attributes, ConsumedCapacity and
 * ItemCollectionMetrics as asked. */
static int
ireq_write(sqlite3 *db, const cJSON *req, struct ireq *r, cJSON **resp,
    struct ddb_err *err)
{
	if ((r->old != NULL || r->item != NULL) && tbl_put(db, r->t, &r->hk,
	    &r->rk, r->old, r->item, err) != 0)
		return -1;
	*resp = cJSON_CreateObject();
	return_attrs(*resp, r);
	capacity_write(*resp, req, r);
	return tbl_collection_metrics(db, *resp, req, r->t,
	    r->item != NULL ? r->item : r->old, err);
}

/* TableName, access, the write-side enums: the start of every write. */
static int
write_begin(const cJSON *req, const struct tables_call *call,
    const char *action, bool update, struct ireq *r, struct ddb_err *err)
{
	if (tbl_req_name(req, "TableName", "tableName", true, &r->name,
	    err) != 0 || tbl_allow(call, action, r->name, true, err) != 0)
		return -1;
	if (tbl_return_values(req, update, &r->rv, err) != 0 ||
	    tbl_rvoccf(req, &r->all_old, err) != 0)
		return -1;
	return tbl_return_enums(req, true, err);
}

/* ---- PutItem ------------------------------------------------------------------ */

int
op_PutItem(sqlite3 *db, cJSON *req, const struct tables_call *call,
    cJSON **resp, struct ddb_err *err)
{
	struct ireq r;
	cJSON *item;
	int rc = -1;

	ireq_init(&r);
	if (write_begin(req, call, "dynamodb:PutItem", false, &r, err) != 0 ||
	    req_object(req, "Item", "item", &item, err) != 0 ||
	    ddb_item_check(item, err) != 0 ||
	    exprs_parse(req, &r, X_COND, err) != 0 ||
	    ireq_table(db, &r, err) != 0 ||
	    tbl_item_key(r.t, item, &r.hk, &r.rk, err) != 0 ||
	    tbl_get(db, r.t, &r.hk, &r.rk, &r.old, err) != 0 ||
	    ireq_condition(&r, err) != 0)
		goto done;
	r.item = cJSON_Duplicate(item, true);
	rc = ireq_write(db, req, &r, resp, err);
done:
	ireq_free(&r);
	return rc;
}

/* ---- GetItem ------------------------------------------------------------------ */

int
op_GetItem(sqlite3 *db, cJSON *req, const struct tables_call *call,
    cJSON **resp, struct ddb_err *err)
{
	struct ireq r;
	cJSON *key, *item;
	bool consistent;
	size_t size;
	int rc = -1;

	ireq_init(&r);
	if (tbl_req_name(req, "TableName", "tableName", true, &r.name,
	    err) != 0 || tbl_allow(call, "dynamodb:GetItem", r.name, false,
	    err) != 0 ||
	    req_object(req, "Key", "key", &key, err) != 0 ||
	    tbl_req_bool(req, "ConsistentRead", false, &consistent, err) != 0 ||
	    tbl_return_enums(req, false, err) != 0 ||
	    ddb_item_check(key, err) != 0 ||
	    exprs_parse(req, &r, X_PROJ, err) != 0 ||
	    ireq_table(db, &r, err) != 0 || ireq_key(&r, key, err) != 0)
		goto done;
	if (r.proj == NULL) {
		/* Sent as stored: no parse, no copy, no print of the item. */
		if (tbl_get_raw(db, r.t, &r.hk, &r.rk, &item, &size, err) != 0)
			goto done;
	} else {
		if (tbl_get(db, r.t, &r.hk, &r.rk, &r.old, err) != 0)
			goto done;
		size = r.old != NULL ? ddb_item_size(r.old) : 0;
		item = r.old != NULL ? expr_project(r.proj, r.old) : NULL;
	}
	*resp = cJSON_CreateObject();
	if (item != NULL)
		cJSON_AddItemToObject(*resp, "Item", item);
	tbl_capacity(*resp, req, r.t->name, tbl_read_units(size, consistent),
	    0);
	rc = 0;
done:
	ireq_free(&r);
	return rc;
}

/* ---- DeleteItem --------------------------------------------------------------- */

int
op_DeleteItem(sqlite3 *db, cJSON *req, const struct tables_call *call,
    cJSON **resp, struct ddb_err *err)
{
	struct ireq r;
	cJSON *key;
	int rc = -1;

	ireq_init(&r);
	if (write_begin(req, call, "dynamodb:DeleteItem", false, &r,
	    err) != 0 ||
	    req_object(req, "Key", "key", &key, err) != 0 ||
	    ddb_item_check(key, err) != 0 ||
	    exprs_parse(req, &r, X_COND, err) != 0 ||
	    ireq_table(db, &r, err) != 0 || ireq_key(&r, key, err) != 0 ||
	    tbl_get(db, r.t, &r.hk, &r.rk, &r.old, err) != 0 ||
	    ireq_condition(&r, err) != 0)
		goto done;
	rc = ireq_write(db, req, &r, resp, err);
done:
	ireq_free(&r);
	return rc;
}

/* ---- UpdateItem --------------------------------------------------------------- */

/* An update may not write or remove a key attribute. */
static int
key_targets_check(const struct ireq *r, struct ddb_err *err)
{
	const char *names[64];
	size_t n, i;

	if (r->upd == NULL)
		return 0;
	n = expr_update_targets(r->upd, names, 64);
	for (i = 0; i < n && i < 64; i++)
		if (strcmp(names[i], r->t->ks.hash) == 0 ||
		    (r->t->ks.range != NULL &&
		    strcmp(names[i], r->t->ks.range) == 0))
			return ddb_fail(err, DDB_VALIDATION, "One or more "
			    "parameter values were invalid: Cannot update "
			    "attribute %s. This attribute is part of the key",
			    names[i]);
	return 0;
}

/* The new item: the stored one (or just the key) with the update applied
 * to a copy, so a failing update leaves nothing half done. */
static int
update_build(struct ireq *r, const cJSON *key, struct ddb_err *err)
{
	r->item = cJSON_Duplicate(r->old != NULL ? r->old : key, true);
	if (r->upd != NULL && expr_update(r->upd, r->item, err) != 0)
		return -1;
	if (ddb_item_size(r->item) > DDB_ITEM_MAX)
		return ddb_fail(err, DDB_VALIDATION, "Item size to update has "
		    "exceeded the maximum allowed size");
	return 0;
}

int
op_UpdateItem(sqlite3 *db, cJSON *req, const struct tables_call *call,
    cJSON **resp, struct ddb_err *err)
{
	struct ireq r;
	cJSON *key;
	int rc = -1;

	ireq_init(&r);
	if (write_begin(req, call, "dynamodb:UpdateItem", true, &r, err) != 0 ||
	    req_object(req, "Key", "key", &key, err) != 0 ||
	    ddb_item_check(key, err) != 0 ||
	    exprs_parse(req, &r, X_COND | X_UPD, err) != 0 ||
	    ireq_table(db, &r, err) != 0 || ireq_key(&r, key, err) != 0 ||
	    key_targets_check(&r, err) != 0 ||
	    tbl_get(db, r.t, &r.hk, &r.rk, &r.old, err) != 0 ||
	    ireq_condition(&r, err) != 0 || update_build(&r, key, err) != 0)
		goto done;
	rc = ireq_write(db, req, &r, resp, err);
done:
	ireq_free(&r);
	return rc;
}
