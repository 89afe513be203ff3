/*
 * ops_batch: BatchGetItem and BatchWriteItem, many keys or writes over
 * one or more tables in one call.  (The transactions are ops_txn.c.)
 *
 * Both check the whole request first (shape, limits, access to every
 * table, the tables' existence, every key, no key twice) and only then
 * read or write, so a refused batch reads and changes nothing.  A batch
 * write is not atomic on DynamoDB, but here it runs inside the call's
 * SAVEPOINT anyway; nothing is ever left unprocessed except BatchGetItem
 * keys past the 16 MB reply cap, which go to UnprocessedKeys for the
 * client to ask again.
 */
#include <stdlib.h>
#include <string.h>

#include "engine_int.h"

#define BATCH_GET_MAX	100
#define BATCH_WRITE_MAX	25
#define BATCH_REPLY_MAX	(16u * 1024 * 1024)

#define VAL1	"1 validation error detected: Value "

/* One table of a batch with what the request asks of it. */
struct bt {
	const char	*name;
	cJSON		*spec;		/* the request's value for the table */
	struct tbl	*t;
	struct expr_ctx	 ctx;
	bool		 ctx_on, consistent;
	struct expr	*proj;
	double		 units;
};

/* An encoded key of a batch, for the duplicate check. */
struct bkey {
	size_t		 table;
	struct buf	 hk, rk;
};

struct batch {
	struct bt	*tab;
	size_t		 ntab;
	struct bkey	*key;
	size_t		 nkey;
};

static void
batch_free(struct batch *b)
{
	size_t i;

	for (i = 0; i < b->ntab; i++) {
		expr_free(b->tab[i].proj);
		if (b->tab[i].ctx_on)
			expr_ctx_free(&b->tab[i].ctx);
		tbl_free(b->tab[i].t);
	}
	for (i = 0; i < b->nkey; i++) {
		buf_free(&b->key[i].hk);
		buf_free(&b->key[i].rk);
	}
	free(b->tab);
	free(b->key);
}

/* RequestItems: a non-empty map of tables; each checked for access and
 * loaded (DynamoDB names no table when one is missing in a batch). */
static int
batch_tables(sqlite3 *db, cJSON *req, const struct tables_call *call,
    const char *action, bool write, struct batch *b, struct ddb_err *err)
{
	cJSON *ri = cJSON_GetObjectItemCaseSensitive(req, "RequestItems"), *e;
	size_t i = 0;

	if (ri == NULL || cJSON_IsNull(ri))
		return ddb_fail(err, DDB_VALIDATION, VAL1 "null at 'requestItems'"
		    " failed to satisfy constraint: Member must not be null");
	if (!cJSON_IsObject(ri))
		return ddb_fail(err, DDB_SERIALIZATION,
		    "Start of structure or map expected");
	if ((b->ntab = (size_t)cJSON_GetArraySize(ri)) == 0)
		return ddb_fail(err, DDB_VALIDATION, VAL1 "'{}' at 'requestItems'"
		    " failed to satisfy constraint: Member must have length "
		    "greater than or equal to 1");
	b->tab = calloc(b->ntab, sizeof(*b->tab));
	cJSON_ArrayForEach(e, ri) {
		b->tab[i].name = e->string;
		b->tab[i++].spec = e;
	}
	for (i = 0; i < b->ntab; i++)
		if (tbl_allow(call, action, b->tab[i].name, write, err) != 0)
			return -1;
	for (i = 0; i < b->ntab; i++)
		if (tbl_load(db, b->tab[i].name, &b->tab[i].t, err) != 0) {
			if (err->type == DDB_RESOURCE_NOT_FOUND)
				ddb_fail(err, DDB_RESOURCE_NOT_FOUND,
				    "Requested resource not found");
			return -1;
		}
	return 0;
}

/* Encode key (an item or a Key) of table ti and refuse a repeat. */
static int
batch_key(struct batch *b, size_t ti, const cJSON *key, struct ddb_err *err)
{
	struct bkey *k = &b->key[b->nkey];
	size_t i;

	buf_init(&k->hk);
	buf_init(&k->rk);
	k->table = ti;
	b->nkey++;
	if (tbl_item_key(b->tab[ti].t, key, &k->hk, &k->rk, err) != 0)
		return -1;
	for (i = 0; i + 1 < b->nkey; i++)
		if (b->key[i].table == ti && buf_eq(&b->key[i].hk, &k->hk) &&
		    buf_eq(&b->key[i].rk, &k->rk))
			return ddb_fail(err, DDB_VALIDATION, "Provided list of "
			    "item keys contains duplicates");
	return 0;
}

static void
capacity_list(cJSON *resp, const cJSON *req, const struct batch *b, bool write)
{
	cJSON *list = cJSON_CreateArray();
	size_t i;

	for (i = 0; i < b->ntab; i++)
		tbl_capacity(list, req, b->tab[i].name, write ? 0 :
		    b->tab[i].units, write ? b->tab[i].units : 0);
	if (cJSON_GetArraySize(list) > 0)
		cJSON_AddItemToObject(resp, "ConsumedCapacity", list);
	else
		cJSON_Delete(list);
}

/* ---- BatchGetItem ----------------------------------------------------------- */

/* One table's KeysAndAttributes: Keys, projection, ConsistentRead. */
static int
get_spec(struct bt *bt, size_t *total, struct ddb_err *err)
{
	cJSON *keys = cJSON_GetObjectItemCaseSensitive(bt->spec, "Keys");
	cJSON *names = cJSON_GetObjectItemCaseSensitive(bt->spec,
	    "ExpressionAttributeNames");
	const cJSON *atg = cJSON_GetObjectItemCaseSensitive(bt->spec,
	    "AttributesToGet");
	const char *pe;
	int n;

	if (!cJSON_IsObject(bt->spec))
		return ddb_fail(err, DDB_SERIALIZATION,
		    "Start of structure or map expected");
	if (!cJSON_IsArray(keys) || (n = cJSON_GetArraySize(keys)) == 0)
		return ddb_fail(err, DDB_VALIDATION, VAL1 "at 'requestItems.%s."
		    "member.keys' failed to satisfy constraint: Member must have"
		    " length greater than or equal to 1", bt->name);
	if ((*total += (size_t)n) > BATCH_GET_MAX)
		return ddb_fail(err, DDB_VALIDATION, "Too many items requested "
		    "for the BatchGetItem call");
	if (tbl_req_str(bt->spec, "ProjectionExpression", &pe, err) != 0 ||
	    tbl_req_bool(bt->spec, "ConsistentRead", false, &bt->consistent,
	    err) != 0)
		return -1;
	if (pe != NULL && atg != NULL && !cJSON_IsNull(atg))
		return ddb_fail(err, DDB_VALIDATION, "Can not use both expression"
		    " and non-expression parameters in the same request: "
		    "Non-expression parameters: {AttributesToGet} Expression "
		    "parameters: {ProjectionExpression}");
	if (pe == NULL && names != NULL && !cJSON_IsNull(names))
		return ddb_fail(err, DDB_VALIDATION, "ExpressionAttributeNames "
		    "can only be specified when using expressions");
	if (pe != NULL) {
		if (expr_ctx_init(&bt->ctx, names, NULL, err) != 0)
			return -1;
		bt->ctx_on = true;
		if ((bt->proj = expr_parse(EXPR_PROJECTION, pe, &bt->ctx,
		    err)) == NULL)
			return -1;
		return expr_ctx_check_unused(&bt->ctx, err);
	}
	if (atg != NULL && !cJSON_IsNull(atg) &&
	    (bt->proj = expr_from_attributes_to_get(atg, err)) == NULL)
		return -1;
	return 0;
}

static int
get_check(struct batch *b, struct ddb_err *err)
{
	size_t i, total = 0;
	cJSON *k;

	for (i = 0; i < b->ntab; i++)
		if (get_spec(&b->tab[i], &total, err) != 0)
			return -1;
	b->key = calloc(total, sizeof(*b->key));
	for (i = 0; i < b->ntab; i++)
		cJSON_ArrayForEach(k, cJSON_GetObjectItemCaseSensitive(
		    b->tab[i].spec, "Keys"))
			if (tbl_key_only(b->tab[i].t, k, err) != 0 ||
			    batch_key(b, i, k, err) != 0)
				return -1;
	return 0;
}

/* The UnprocessedKeys entry of a table: its spec without the keys read. */
static cJSON *
unprocessed_for(cJSON *unp, const struct bt *bt)
{
	cJSON *o = cJSON_GetObjectItemCaseSensitive(unp, bt->name), *m;

	if (o != NULL)
		return cJSON_GetObjectItemCaseSensitive(o, "Keys");
	o = cJSON_AddObjectToObject(unp, bt->name);
	cJSON_ArrayForEach(m, bt->spec)
		if (strcmp(m->string, "Keys") != 0)
			cJSON_AddItemToObject(o, m->string,
			    cJSON_Duplicate(m, true));
	return cJSON_AddArrayToObject(o, "Keys");
}

static int
get_run(sqlite3 *db, struct batch *b, cJSON *resp, struct ddb_err *err)
{
	cJSON *rs = cJSON_AddObjectToObject(resp, "Responses");
	cJSON *unp = cJSON_AddObjectToObject(resp, "UnprocessedKeys");
	cJSON *list, *k, *item;
	size_t i, n = 0, bytes = 0, sz;
	struct bt *bt;

	for (i = 0; i < b->ntab; i++) {
		bt = &b->tab[i];
		list = cJSON_AddArrayToObject(rs, bt->name);
		cJSON_ArrayForEach(k, cJSON_GetObjectItemCaseSensitive(
		    bt->spec, "Keys")) {
			if (bytes >= BATCH_REPLY_MAX) {
				cJSON_AddItemToArray(unprocessed_for(unp, bt),
				    cJSON_Duplicate(k, true));
				n++;
				continue;
			}
			if (tbl_get(db, bt->t, &b->key[n].hk, &b->key[n].rk,
			    &item, err) != 0)
				return -1;
			n++;
			sz = item != NULL ? ddb_item_size(item) : 0;
			bt->units += tbl_read_units(sz, bt->consistent);
			if (item == NULL)
				continue;
			bytes += sz;
			if (bt->proj != NULL) {
				cJSON_AddItemToArray(list,
				    expr_project(bt->proj, item));
				cJSON_Delete(item);
			} else {
				cJSON_AddItemToArray(list, item);
			}
		}
	}
	return 0;
}

int
op_BatchGetItem(sqlite3 *db, cJSON *req, const struct tables_call *call,
    cJSON **resp, struct ddb_err *err)
{
	struct batch b = { 0 };
	int rc = -1;

	if (tbl_return_enums(req, false, err) != 0 ||
	    batch_tables(db, req, call, "dynamodb:BatchGetItem", false, &b,
	    err) != 0 || get_check(&b, err) != 0)
		goto done;
	*resp = cJSON_CreateObject();
	if ((rc = get_run(db, &b, *resp, err)) == 0)
		capacity_list(*resp, req, &b, false);
done:
	batch_free(&b);
	return rc;
}

/* ---- BatchWriteItem --------------------------------------------------------- */

/* One WriteRequest: its item (Put) or key (Delete); *put says which. */
static int
write_one(cJSON *wr, cJSON **obj, bool *put, struct ddb_err *err)
{
	cJSON *p = cJSON_GetObjectItemCaseSensitive(wr, "PutRequest");
	cJSON *d = cJSON_GetObjectItemCaseSensitive(wr, "DeleteRequest");

	if (cJSON_IsNull(p))
		p = NULL;
	if (cJSON_IsNull(d))
		d = NULL;
	if (!cJSON_IsObject(wr) || (p == NULL) == (d == NULL))
		return ddb_fail(err, DDB_VALIDATION, "Supplied AttributeValue "
		    "has more than one datatypes set, must contain exactly one "
		    "of the supported datatypes");
	*put = p != NULL;
	*obj = cJSON_GetObjectItemCaseSensitive(*put ? p : d,
	    *put ? "Item" : "Key");
	if (*obj == NULL || cJSON_IsNull(*obj))
		return ddb_fail(err, DDB_VALIDATION, VAL1 "null at 'requestItems."
		    "member.%s' failed to satisfy constraint: Member must not be "
		    "null", *put ? "putRequest.item" : "deleteRequest.key");
	if (!cJSON_IsObject(*obj))
		return ddb_fail(err, DDB_SERIALIZATION,
		    "Start of structure or map expected");
	return 0;
}

static int
write_count(const struct batch *b, size_t *total, struct ddb_err *err)
{
	size_t i;
	int n;

	*total = 0;
	for (i = 0; i < b->ntab; i++) {
		if (!cJSON_IsArray(b->tab[i].spec))
			return ddb_fail(err, DDB_SERIALIZATION,
			    "Start of list expected");
		n = cJSON_GetArraySize(b->tab[i].spec);
		if (n < 1 || n > BATCH_WRITE_MAX)
			return ddb_fail(err, DDB_VALIDATION, VAL1 "at "
			    "'requestItems' failed to satisfy constraint: Map "
			    "value must satisfy constraint: [Member must have "
			    "length less than or equal to 25, Member must have "
			    "length greater than or equal to 1]");
		*total += (size_t)n;
	}
	if (*total > BATCH_WRITE_MAX)
		return ddb_fail(err, DDB_VALIDATION, "Too many items requested "
		    "for the BatchWriteItem call");
	return 0;
}

static int
write_check(struct batch *b, struct ddb_err *err)
{
	cJSON *wr, *obj;
	size_t i, total;
	bool put;

	if (write_count(b, &total, err) != 0)
		return -1;
	b->key = calloc(total, sizeof(*b->key));
	for (i = 0; i < b->ntab; i++)
		cJSON_ArrayForEach(wr, b->tab[i].spec) {
			if (write_one(wr, &obj, &put, err) != 0 ||
			    ddb_item_check(obj, err) != 0)
				return -1;
			if (!put && tbl_key_only(b->tab[i].t, obj, err) != 0)
				return -1;
			if (batch_key(b, i, obj, err) != 0)
				return -1;
		}
	return 0;
}

static int
write_run(sqlite3 *db, struct batch *b, struct ddb_err *err)
{
	cJSON *wr, *obj, *old;
	size_t i, n = 0;
	bool put;
	int rc;

	for (i = 0; i < b->ntab; i++)
		cJSON_ArrayForEach(wr, b->tab[i].spec) {
			write_one(wr, &obj, &put, err);
			if (tbl_get(db, b->tab[i].t, &b->key[n].hk,
			    &b->key[n].rk, &old, err) != 0)
				return -1;
			rc = tbl_put(db, b->tab[i].t, &b->key[n].hk,
			    &b->key[n].rk, old, put ? obj : NULL, err);
			b->tab[i].units += tbl_write_units(put ?
			    ddb_item_size(obj) : old != NULL ?
			    ddb_item_size(old) : 0);
			cJSON_Delete(old);
			n++;
			if (rc != 0)
				return -1;
		}
	return 0;
}

int
op_BatchWriteItem(sqlite3 *db, cJSON *req, const struct tables_call *call,
    cJSON **resp, struct ddb_err *err)
{
	struct batch b = { 0 };
	int rc = -1;

	if (tbl_return_enums(req, true, err) != 0 ||
	    batch_tables(db, req, call, "dynamodb:BatchWriteItem", true, &b,
	    err) != 0 || write_check(&b, err) != 0 ||
	    write_run(db, &b, err) != 0)
		goto done;
	*resp = cJSON_CreateObject();
	cJSON_AddObjectToObject(*resp, "UnprocessedItems");
	capacity_list(*resp, req, &b, true);
	rc = 0;
done:
	batch_free(&b);
	return rc;
}
