/*
 * engine_req: what every operation shares at its edges: reading the
 * request's common members (names, enums, strings, booleans, ReturnValues
 * and the ReturnValuesOnConditionCheckFailure family) with DynamoDB's
 * messages, and adding the reply's extras (ConsumedCapacity with computed
 * units, ItemCollectionMetrics).  See engine_int.h.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_int.h"

/* ---- request helpers ------------------------------------------------------- */

/* A member of the wrong JSON type, worded as Coral's deserializer does. */
static int
ser_fail(struct ddb_err *err, const cJSON *v, const char *want)
{
	if (cJSON_IsObject(v))
		return ddb_fail(err, DDB_SERIALIZATION,
		    "Start of structure or map found where not expected");
	if (cJSON_IsArray(v))
		return ddb_fail(err, DDB_SERIALIZATION,
		    "Start of list found where not expected");
	return ddb_fail(err, DDB_SERIALIZATION, "%s cannot be converted to %s",
	    cJSON_IsNumber(v) ? "NUMBER_VALUE" : cJSON_IsBool(v) ?
	    "BOOLEAN_VALUE" : "STRING_VALUE", want);
}

int
tbl_req_str(const cJSON *req, const char *member, const char **out,
    struct ddb_err *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(req, member);

	*out = NULL;
	if (v == NULL || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsString(v))
		return ser_fail(err, v, "String");
	*out = v->valuestring;
	return 0;
}

int
tbl_req_bool(const cJSON *req, const char *member, bool dflt, bool *out,
    struct ddb_err *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(req, member);

	*out = dflt;
	if (v == NULL || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsBool(v))
		return ser_fail(err, v, "Boolean");
	*out = cJSON_IsTrue(v);
	return 0;
}

#define VAL1	"1 validation error detected: Value "

int
tbl_req_name(const cJSON *req, const char *member, const char *field,
    bool required, const char **out, struct ddb_err *err)
{
	const char *s;
	size_t n;

	if (tbl_req_str(req, member, out, err) != 0)
		return -1;
	if ((s = *out) == NULL) {
		if (!required)
			return 0;
		return ddb_fail(err, DDB_VALIDATION, VAL1 "null at '%s' failed "
		    "to satisfy constraint: Member must not be null", field);
	}
	n = strlen(s);
	if (n < 3 || n > 255)
		return ddb_fail(err, DDB_VALIDATION, VAL1 "'%.300s' at '%s' "
		    "failed to satisfy constraint: Member must have length %s "
		    "than or equal to %d", s, field, n < 3 ? "greater" : "less",
		    n < 3 ? 3 : 255);
	if (strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789_.-") != n)
		return ddb_fail(err, DDB_VALIDATION, VAL1 "'%.300s' at '%s' "
		    "failed to satisfy constraint: Member must satisfy regular "
		    "expression pattern: [a-zA-Z0-9_.-]+", s, field);
	return 0;
}

int
tbl_req_enum(const cJSON *req, const char *member, const char *field,
    const char *const *set, const char *set_text, int dflt, int *out,
    struct ddb_err *err)
{
	const char *s;
	int i;

	*out = dflt;
	if (tbl_req_str(req, member, &s, err) != 0)
		return -1;
	if (s == NULL)
		return 0;
	for (i = 0; set[i] != NULL; i++)
		if (strcmp(set[i], s) == 0) {
			*out = i;
			return 0;
		}
	return ddb_fail(err, DDB_VALIDATION, VAL1 "'%.300s' at '%s' failed to "
	    "satisfy constraint: Member must satisfy enum value set: %s", s,
	    field, set_text);
}

int
tbl_return_values(const cJSON *req, bool update_ok, enum tbl_rv *out,
    struct ddb_err *err)
{
	static const char *const set[] = { "NONE", "ALL_OLD", "UPDATED_OLD",
	    "ALL_NEW", "UPDATED_NEW", NULL };
	int v;

	if (tbl_req_enum(req, "ReturnValues", "returnValues", set,
	    "[ALL_NEW, UPDATED_OLD, ALL_OLD, NONE, UPDATED_NEW]", RV_NONE, &v,
	    err) != 0)
		return -1;
	if (!update_ok && v > RV_ALL_OLD)
		return ddb_fail(err, DDB_VALIDATION,
		    "ReturnValues can only be ALL_OLD or NONE");
	*out = (enum tbl_rv)v;
	return 0;
}

int
tbl_rvoccf(const cJSON *req, bool *all_old, struct ddb_err *err)
{
	static const char *const set[] = { "NONE", "ALL_OLD", NULL };
	int v;

	if (tbl_req_enum(req, "ReturnValuesOnConditionCheckFailure",
	    "returnValuesOnConditionCheckFailure", set, "[ALL_OLD, NONE]", 0,
	    &v, err) != 0)
		return -1;
	*all_old = v == 1;
	return 0;
}

int
tbl_cond_failed(struct ddb_err *err, bool all_old, const cJSON *old)
{
	ddb_fail(err, DDB_CONDITIONAL_CHECK_FAILED,
	    "The conditional request failed");
	if (err != NULL && all_old && old != NULL) {
		cJSON_Delete(err->extra);
		err->extra = cJSON_CreateObject();
		cJSON_AddItemToObject(err->extra, "Item",
		    cJSON_Duplicate(old, true));
	}
	return -1;
}

/* ---- capacity -------------------------------------------------------------- */

double
tbl_read_units(size_t bytes, bool consistent)
{
	double u = ceil((double)bytes / 4096.0);

	if (u < 1)
		u = 1;
	return consistent ? u : u / 2;
}

double
tbl_write_units(size_t bytes)
{
	double u = ceil((double)bytes / 1024.0);

	return u < 1 ? 1 : u;
}

static void
units_add(cJSON *o, double r, double w)
{
	cJSON_AddNumberToObject(o, "CapacityUnits", r + w);
	if (r > 0)
		cJSON_AddNumberToObject(o, "ReadCapacityUnits", r);
	if (w > 0)
		cJSON_AddNumberToObject(o, "WriteCapacityUnits", w);
}

/* resp may be an array (the batch calls' ConsumedCapacity list): the entry
 * is appended to it then. */
void
tbl_capacity(cJSON *resp, const cJSON *req, const char *table,
    double read_units, double write_units)
{
	const char *mode = tbl_str(req, "ReturnConsumedCapacity");
	cJSON *cc;

	if (mode == NULL || (strcmp(mode, "TOTAL") != 0 &&
	    strcmp(mode, "INDEXES") != 0))
		return;
	cc = cJSON_CreateObject();
	cJSON_AddStringToObject(cc, "TableName", table);
	units_add(cc, read_units, write_units);
	if (strcmp(mode, "INDEXES") == 0)
		units_add(cJSON_AddObjectToObject(cc, "Table"), read_units,
		    write_units);
	if (cJSON_IsArray(resp))
		cJSON_AddItemToArray(resp, cc);
	else
		cJSON_AddItemToObject(resp, "ConsumedCapacity", cc);
}

static void
number_add(cJSON *o, const char *name, double v)
{
	cJSON *n = cJSON_GetObjectItemCaseSensitive(o, name);

	if (n == NULL)
		cJSON_AddNumberToObject(o, name, v);
	else
		cJSON_SetNumberValue(n, n->valuedouble + v);
}

void
tbl_capacity_index(cJSON *resp, const struct tbl_index *ix, double units)
{
	cJSON *cc = cJSON_GetObjectItemCaseSensitive(resp, "ConsumedCapacity");
	cJSON *group, *one;
	const char *gname = ix->local ? "LocalSecondaryIndexes" :
	    "GlobalSecondaryIndexes";

	if (cJSON_IsArray(resp))
		cc = cJSON_GetArrayItem(resp, cJSON_GetArraySize(resp) - 1);
	if (!cJSON_IsObject(cc))
		return;
	number_add(cc, "CapacityUnits", units);
	if (cJSON_GetObjectItemCaseSensitive(cc, "Table") == NULL)
		return;
	if ((group = cJSON_GetObjectItemCaseSensitive(cc, gname)) == NULL)
		group = cJSON_AddObjectToObject(cc, gname);
	if ((one = cJSON_GetObjectItemCaseSensitive(group, ix->name)) == NULL)
		one = cJSON_AddObjectToObject(group, ix->name);
	number_add(one, "CapacityUnits", units);
}

/* ---- item collections ------------------------------------------------------ */

/* Bytes stored under one hash key: items and their LSI entries. */
static int
collection_bytes(sqlite3 *db, const struct tbl *t, const struct buf *hk,
    double *bytes, struct ddb_err *err)
{
	sqlite3_stmt *st;
	size_t i;
	int rc;

	if (tbl_prepare(db, "SELECT coalesce(sum(size), 0) FROM items WHERE "
	    "tid = ?1 AND hk = ?2", &st, err) != 0)
		return -1;
	sqlite3_bind_int64(st, 1, t->id);
	tbl_bind_buf(st, 2, hk);
	rc = sqlite3_step(st);
	*bytes = sqlite3_column_double(st, 0);
	store_stmt_done(st);
	if (rc != SQLITE_ROW || tbl_prepare(db, "SELECT coalesce(sum("
	    "length(item)), 0) FROM idx WHERE iid = ?1 AND hk = ?2", &st,
	    err) != 0)
		return rc != SQLITE_ROW ? tbl_sql_fail(db, err) : -1;
	for (i = 0; i < t->nidx && rc == SQLITE_ROW; i++) {
		if (!t->idx[i].local)
			continue;
		sqlite3_bind_int64(st, 1, t->idx[i].id);
		tbl_bind_buf(st, 2, hk);
		if ((rc = sqlite3_step(st)) == SQLITE_ROW)
			*bytes += sqlite3_column_double(st, 0);
		sqlite3_reset(st);
	}
	store_stmt_done(st);
	return rc == SQLITE_ROW ? 0 : tbl_sql_fail(db, err);
}

int
tbl_collection_metrics(sqlite3 *db, cJSON *resp, const cJSON *req,
    const struct tbl *t, const cJSON *item, struct ddb_err *err)
{
	static const char *const set[] = { "NONE", "SIZE", NULL };
	const cJSON *hv;
	struct buf hk;
	cJSON *m, *key, *range;
	double bytes, gb;
	size_t i;
	int v;

	if (tbl_req_enum(req, "ReturnItemCollectionMetrics",
	    "returnItemCollectionMetrics", set, "[SIZE, NONE]", 0, &v,
	    err) != 0)
		return -1;
	for (i = 0; i < t->nidx && !t->idx[i].local; i++)
		;
	if (v == 0 || i == t->nidx || item == NULL ||
	    (hv = cJSON_GetObjectItemCaseSensitive(item, t->ks.hash)) == NULL)
		return 0;
	buf_init(&hk);
	if (ddb_key_encode(hv, t->ks.hash_type, &hk, err) != 0 ||
	    collection_bytes(db, t, &hk, &bytes, err) != 0) {
		buf_free(&hk);
		return -1;
	}
	buf_free(&hk);
	m = cJSON_AddObjectToObject(resp, "ItemCollectionMetrics");
	key = cJSON_AddObjectToObject(m, "ItemCollectionKey");
	cJSON_AddItemToObject(key, t->ks.hash, cJSON_Duplicate(hv, true));
	gb = floor(bytes / (1024.0 * 1024 * 1024));
	range = cJSON_AddArrayToObject(m, "SizeEstimateRangeGB");
	cJSON_AddItemToArray(range, cJSON_CreateNumber(gb));
	cJSON_AddItemToArray(range, cJSON_CreateNumber(gb + 1));
	return 0;
}

/* ReturnConsumedCapacity (and, for writes, ReturnItemCollectionMetrics)
 * must be one of DynamoDB's values, checked up front. */
int
tbl_return_enums(const cJSON *req, bool metrics, struct ddb_err *err)
{
	static const char *const rcc[] = { "NONE", "TOTAL", "INDEXES", NULL };
	static const char *const ricm[] = { "NONE", "SIZE", NULL };
	int v;

	if (tbl_req_enum(req, "ReturnConsumedCapacity",
	    "returnConsumedCapacity", rcc, "[INDEXES, TOTAL, NONE]", 0, &v,
	    err) != 0)
		return -1;
	if (!metrics)
		return 0;
	return tbl_req_enum(req, "ReturnItemCollectionMetrics",
	    "returnItemCollectionMetrics", ricm, "[SIZE, NONE]", 0, &v, err);
}
