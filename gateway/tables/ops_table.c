/*
 * ops_table: the table operations (CreateTable, DescribeTable, ListTables,
 * UpdateTable, DeleteTable), TTL settings, tags, DescribeEndpoints and
 * DescribeLimits: the catalog rows, the index entries a new or dropped GSI
 * needs, and the replies.  What a request defines (and its checks) is
 * tabledef.c's.
 *
 * A table's description is stored in `tbls.descr` as DynamoDB's
 * TableDescription without the figures that change (TableStatus, item
 * counts and sizes, IndexStatus); describe_render adds them on the way
 * out.  Tables and indexes are ACTIVE as soon as the call returns, as in
 * DynamoDB Local: a new GSI is backfilled from the items in the same
 * transaction.  (Streams are refused: see tabledef.c.)
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_int.h"
#include "tabledef.h"

#define VAL1		"1 validation error detected: Value "
#define INVALID		"One or more parameter values were invalid: "

static const char *
jstr(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* ---- ids and counts ------------------------------------------------------- */

static int
next_id(sqlite3 *db, int64_t *id, struct ddb_err *err)
{
	sqlite3_stmt *st;
	int rc;

	if (tbl_prepare(db, "UPDATE meta SET v = v + 1 WHERE k = 'next_id' "
	    "RETURNING v - 1", &st, err) != 0)
		return -1;
	rc = sqlite3_step(st);
	*id = sqlite3_column_int64(st, 0);
	if (rc == SQLITE_ROW)
		rc = sqlite3_step(st);
	store_stmt_done(st);
	return rc == SQLITE_DONE ? 0 : tbl_sql_fail(db, err);
}

/* Run sql with ?1 = id; the catalog version moves with every change so a
 * cache, should one come, knows when to reload. */
static int
exec_id(sqlite3 *db, const char *sql, int64_t id, struct ddb_err *err)
{
	sqlite3_stmt *st;
	int rc;

	if (tbl_prepare(db, sql, &st, err) != 0)
		return -1;
	if (sqlite3_bind_parameter_count(st) > 0)
		sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	store_stmt_done(st);
	return rc == SQLITE_DONE ? 0 : tbl_sql_fail(db, err);
}

static int
catalog_bump(sqlite3 *db, struct ddb_err *err)
{
	return exec_id(db, "UPDATE meta SET v = v + 1 WHERE k = 'catalog'", 0,
	    err);
}

static int
count_rows(sqlite3 *db, const char *sql, int64_t id, double *n, double *bytes,
    struct ddb_err *err)
{
	sqlite3_stmt *st;
	int rc;

	if (tbl_prepare(db, sql, &st, err) != 0)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*n = (double)sqlite3_column_int64(st, 0);
		*bytes = (double)sqlite3_column_int64(st, 1);
	}
	store_stmt_done(st);
	return rc == SQLITE_ROW ? 0 : tbl_sql_fail(db, err);
}

/* ---- describing ------------------------------------------------------------ */

static int
render_index(sqlite3 *db, const struct tbl *t, const cJSON *d, cJSON *out,
    struct ddb_err *err)
{
	const struct tbl_index *ix = tbl_index_find(t, jstr(d, "IndexName") ?
	    jstr(d, "IndexName") : "");
	const cJSON *m;
	double n = 0, bytes = 0;

	if (ix != NULL && count_rows(db, "SELECT count(*), coalesce(sum("
	    "length(item)), 0) FROM idx WHERE iid = ?1", ix->id, &n, &bytes,
	    err) != 0)
		return -1;
	cJSON_ArrayForEach(m, d) {
		if (strcmp(m->string, "IndexArn") == 0) {
			cJSON_AddNumberToObject(out, "IndexSizeBytes", bytes);
			cJSON_AddNumberToObject(out, "ItemCount", n);
		}
		cJSON_AddItemToObject(out, m->string, cJSON_Duplicate(m, true));
		if (strcmp(m->string, "Projection") == 0 && ix != NULL &&
		    !ix->local) {
			cJSON_AddStringToObject(out, "IndexStatus", "ACTIVE");
			cJSON_AddFalseToObject(out, "Backfilling");
		}
	}
	return 0;
}

static int
render_member(sqlite3 *db, const struct tbl *t, const cJSON *m, cJSON *out,
    struct ddb_err *err)
{
	const cJSON *d;
	cJSON *arr, *o;

	if (strcmp(m->string, "GlobalSecondaryIndexes") != 0 &&
	    strcmp(m->string, "LocalSecondaryIndexes") != 0) {
		cJSON_AddItemToObject(out, m->string, cJSON_Duplicate(m, true));
		return 0;
	}
	arr = cJSON_AddArrayToObject(out, m->string);
	cJSON_ArrayForEach(d, m) {
		o = cJSON_CreateObject();
		cJSON_AddItemToArray(arr, o);
		if (render_index(db, t, d, o, err) != 0)
			return -1;
	}
	return 0;
}

/* The TableDescription of t as DynamoDB returns it, in status. */
static cJSON *
describe_render(sqlite3 *db, const struct tbl *t, const char *status,
    struct ddb_err *err)
{
	const cJSON *m;
	cJSON *out;
	double n, bytes;

	if (count_rows(db, "SELECT count(*), coalesce(sum(size), 0) FROM items"
	    " WHERE tid = ?1", t->id, &n, &bytes, err) != 0)
		return NULL;
	out = cJSON_CreateObject();
	cJSON_ArrayForEach(m, t->desc) {
		if (render_member(db, t, m, out, err) != 0) {
			cJSON_Delete(out);
			return NULL;
		}
		if (strcmp(m->string, "KeySchema") == 0)
			cJSON_AddStringToObject(out, "TableStatus", status);
		if (strcmp(m->string, "ProvisionedThroughput") == 0) {
			cJSON_AddNumberToObject(out, "TableSizeBytes", bytes);
			cJSON_AddNumberToObject(out, "ItemCount", n);
		}
	}
	return out;
}

static int
reply_desc(sqlite3 *db, const struct tbl *t, const char *member,
    const char *status, cJSON **resp, struct ddb_err *err)
{
	cJSON *d = describe_render(db, t, status, err);

	if (d == NULL)
		return -1;
	*resp = cJSON_CreateObject();
	cJSON_AddItemToObject(*resp, member, d);
	return 0;
}

static int
tags_store(sqlite3 *db, int64_t tid, const cJSON *tags, struct ddb_err *err)
{
	sqlite3_stmt *st;
	const cJSON *e;
	int rc = SQLITE_DONE;

	if (tbl_prepare(db, "INSERT OR REPLACE INTO tags(tid, k, v) "
	    "VALUES(?1, ?2, ?3)", &st, err) != 0)
		return -1;
	cJSON_ArrayForEach(e, tags) {
		sqlite3_bind_int64(st, 1, tid);
		sqlite3_bind_text(st, 2, jstr(e, "Key"), -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, jstr(e, "Value"), -1, SQLITE_STATIC);
		if ((rc = sqlite3_step(st)) != SQLITE_DONE)
			break;
		sqlite3_reset(st);
	}
	store_stmt_done(st);
	return rc == SQLITE_DONE ? 0 : tbl_sql_fail(db, err);
}

/* ---- CreateTable ------------------------------------------------------------ */

static int
table_exists(sqlite3 *db, const char *name, bool *yes, struct ddb_err *err)
{
	sqlite3_stmt *st;
	int rc;

	if (tbl_prepare(db, "SELECT 1 FROM tbls WHERE name = ?1", &st,
	    err) != 0)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	store_stmt_done(st);
	*yes = rc == SQLITE_ROW;
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 :
	    tbl_sql_fail(db, err);
}

static int
index_register(sqlite3 *db, int64_t tid, const char *name,
    struct ddb_err *err)
{
	sqlite3_stmt *st;
	int64_t iid;
	int rc;

	if (next_id(db, &iid, err) != 0 || tbl_prepare(db, "INSERT INTO "
	    "tidx(tid, name, iid) VALUES(?1, ?2, ?3)", &st, err) != 0)
		return -1;
	sqlite3_bind_int64(st, 1, tid);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, iid);
	rc = sqlite3_step(st);
	store_stmt_done(st);
	return rc == SQLITE_DONE ? 0 : tbl_sql_fail(db, err);
}

static int
desc_store(sqlite3 *db, const char *sql, int64_t id, const char *name,
    const cJSON *desc, struct ddb_err *err)
{
	sqlite3_stmt *st;
	char *text;
	int rc;

	if (tbl_prepare(db, sql, &st, err) != 0)
		return -1;
	text = cJSON_PrintUnformatted(desc);
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, text, -1, SQLITE_STATIC);
	if (name != NULL)
		sqlite3_bind_text(st, 3, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	store_stmt_done(st);
	free(text);
	return rc == SQLITE_DONE ? 0 : tbl_sql_fail(db, err);
}

static int
create_store(sqlite3 *db, const cJSON *req, const cJSON *desc,
    int64_t *tid, struct ddb_err *err)
{
	static const char *const arrs[2] = { "LocalSecondaryIndexes",
	    "GlobalSecondaryIndexes" };
	const cJSON *d, *tags = cJSON_GetObjectItemCaseSensitive(req, "Tags");
	int k;

	if (next_id(db, tid, err) != 0 || desc_store(db, "INSERT INTO "
	    "tbls(id, descr, name) VALUES(?1, ?2, ?3)", *tid,
	    jstr(desc, "TableName"), desc, err) != 0)
		return -1;
	for (k = 0; k < 2; k++)
		cJSON_ArrayForEach(d, cJSON_GetObjectItemCaseSensitive(desc,
		    arrs[k]))
			if (index_register(db, *tid, jstr(d, "IndexName"),
			    err) != 0)
				return -1;
	if (tags != NULL && tags_store(db, *tid, tags, err) != 0)
		return -1;
	return catalog_bump(db, err);
}

int
op_CreateTable(sqlite3 *db, cJSON *req, const struct tables_call *call,
    cJSON **resp, struct ddb_err *err)
{
	const char *name;
	struct tbl *t;
	cJSON *desc;
	int64_t tid;
	bool exists;
	int rc;

	if (tbl_req_name(req, "TableName", "tableName", true, &name, err) != 0 ||
	    tbl_allow(call, "dynamodb:CreateTable", name, true, err) != 0 ||
	    (desc = tdef_create(req, call, name, err)) == NULL)
		return -1;
	if (table_exists(db, name, &exists, err) != 0 || (exists &&
	    ddb_fail(err, DDB_RESOURCE_IN_USE, "Table already exists: %s",
	    name)) || create_store(db, req, desc, &tid, err) != 0) {
		cJSON_Delete(desc);
		return -1;
	}
	cJSON_Delete(desc);
	if (tbl_load(db, name, &t, err) != 0)
		return -1;
	rc = reply_desc(db, t, "TableDescription", "ACTIVE", resp, err);
	tbl_free(t);
	return rc;
}

/* ---- DescribeTable, DeleteTable --------------------------------------------- */

/* TableName checked, access asked, then the table loaded. */
static int
table_open(sqlite3 *db, const cJSON *req, const struct tables_call *call,
    const char *action, bool write, struct tbl **t, struct ddb_err *err)
{
	const char *name;

	if (tbl_req_name(req, "TableName", "tableName", true, &name, err) != 0 ||
	    tbl_allow(call, action, name, write, err) != 0)
		return -1;
	return tbl_load(db, name, t, err);
}

int
op_DescribeTable(sqlite3 *db, cJSON *req, const struct tables_call *call,
    cJSON **resp, struct ddb_err *err)
{
	struct tbl *t;
	int rc;

	if (table_open(db, req, call, "dynamodb:DescribeTable", false, &t,
	    err) != 0)
		return -1;
	rc = reply_desc(db, t, "Table", "ACTIVE", resp, err);
	tbl_free(t);
	return rc;
}

static int
table_drop(sqlite3 *db, const struct tbl *t, struct ddb_err *err)
{
	static const char *const sql[] = {
		"DELETE FROM items WHERE tid = ?1",
		("DELETE FROM idx WHERE iid IN (SELECT iid FROM tidx WHERE "
		    "tid = ?1)"),
		"DELETE FROM tidx WHERE tid = ?1",
		"DELETE FROM tags WHERE tid = ?1",
		"DELETE FROM tbls WHERE id = ?1",
	};
	size_t i;

	for (i = 0; i < sizeof(sql) / sizeof(sql[0]); i++)
		if (exec_id(db, sql[i], t->id, err) != 0)
			return -1;
	return catalog_bump(db, err);
}

int
op_DeleteTable(sqlite3 *db, cJSON *req, const struct tables_call *call,
    cJSON **resp, struct ddb_err *err)
{
	struct tbl *t;
	int rc;

	if (table_open(db, req, call, "dynamodb:DeleteTable", true, &t,
	    err) != 0)
		return -1;
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(t->desc,
	    "DeletionProtectionEnabled"))) {
		tbl_free(t);
		return ddb_fail(err, DDB_VALIDATION, "Resource cannot be "
		    "deleted as it is currently protected against deletion. "
		    "Disable deletion protection first.");
	}
	rc = reply_desc(db, t, "TableDescription", "DELETING", resp, err);
	if (rc == 0)
		rc = table_drop(db, t, err);
	tbl_free(t);
	return rc;
}

/* ---- ListTables ---------------------------------------------------------------- */

static int
list_limit(const cJSON *req, int *limit, struct ddb_err *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(req, "Limit");

	*limit = 100;
	if (v == NULL || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble))
		return ddb_fail(err, DDB_SERIALIZATION,
		    "STRING_VALUE cannot be converted to Integer");
	if (v->valuedouble < 1 || v->valuedouble > 100)
		return ddb_fail(err, DDB_VALIDATION, VAL1 "'%.0f' at 'limit' "
		    "failed to satisfy constraint: Member must have value %s",
		    v->valuedouble, v->valuedouble < 1 ?
		    "greater than or equal to 1" : "less than or equal to 100");
	*limit = (int)v->valuedouble;
	return 0;
}

int
op_ListTables(sqlite3 *db, cJSON *req, const struct tables_call *call,
    cJSON **resp, struct ddb_err *err)
{
	sqlite3_stmt *st;
	const char *start, *last = NULL;
	cJSON *names;
	int limit, n = 0, rc;

	if (tbl_req_name(req, "ExclusiveStartTableName",
	    "exclusiveStartTableName", false, &start, err) != 0 ||
	    list_limit(req, &limit, err) != 0 ||
	    tbl_allow(call, "dynamodb:ListTables", "*", false, err) != 0)
		return -1;
	if (tbl_prepare(db, "SELECT name FROM tbls WHERE name > ?1 ORDER BY "
	    "name LIMIT ?2", &st, err) != 0)
		return -1;
	sqlite3_bind_text(st, 1, start != NULL ? start : "", -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, limit + 1);
	*resp = cJSON_CreateObject();
	names = cJSON_AddArrayToObject(*resp, "TableNames");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && n < limit) {
		cJSON_AddItemToArray(names, cJSON_CreateString(
		    (const char *)sqlite3_column_text(st, 0)));
		n++;
	}
	/* A row beyond the page: the page was cut after its last name. */
	if (rc == SQLITE_ROW && n > 0) {
		last = cJSON_GetArrayItem(names, n - 1)->valuestring;
		cJSON_AddStringToObject(*resp, "LastEvaluatedTableName", last);
		rc = SQLITE_DONE;
	}
	store_stmt_done(st);
	return rc == SQLITE_DONE ? 0 : tbl_sql_fail(db, err);
}

/* ---- UpdateTable ---------------------------------------------------------------- */

/* A new GSI's entries for every item already in the table. */
static int
backfill(sqlite3 *db, const struct tbl *t, const struct tbl_index *ix,
    struct ddb_err *err)
{
	sqlite3_stmt *sel, *ins;
	struct buf hk, rk, ihk, irk;
	cJSON *item, *proj;
	char *text;
	int rc;

	if (tbl_prepare(db, "SELECT hk, rk, item FROM items WHERE tid = ?1",
	    &sel, err) != 0)
		return -1;
	if (tbl_prepare(db, "INSERT OR REPLACE INTO idx(iid, hk, rk, thk, trk,"
	    " item) VALUES(?1, ?2, ?3, ?4, ?5, ?6)", &ins, err) != 0) {
		store_stmt_done(sel);
		return -1;
	}
	sqlite3_bind_int64(sel, 1, t->id);
	buf_init(&hk), buf_init(&rk), buf_init(&ihk), buf_init(&irk);
	while ((rc = sqlite3_step(sel)) == SQLITE_ROW) {
		item = cJSON_Parse((const char *)sqlite3_column_text(sel, 2));
		buf_reset(&ihk), buf_reset(&irk), buf_reset(&hk), buf_reset(&rk);
		if (item != NULL && tbl_index_key(ix, item, &ihk, &irk)) {
			buf_add(&hk, sqlite3_column_blob(sel, 0),
			    (size_t)sqlite3_column_bytes(sel, 0));
			buf_add(&rk, sqlite3_column_blob(sel, 1),
			    (size_t)sqlite3_column_bytes(sel, 1));
			proj = tbl_index_project(t, ix, item);
			text = cJSON_PrintUnformatted(proj);
			sqlite3_bind_int64(ins, 1, ix->id);
			tbl_bind_buf(ins, 2, &ihk);
			tbl_bind_buf(ins, 3, &irk);
			tbl_bind_buf(ins, 4, &hk);
			tbl_bind_buf(ins, 5, &rk);
			sqlite3_bind_text(ins, 6, text, -1, SQLITE_STATIC);
			rc = sqlite3_step(ins);
			sqlite3_reset(ins);
			free(text);
			cJSON_Delete(proj);
		}
		cJSON_Delete(item);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			break;
	}
	buf_free(&hk), buf_free(&rk), buf_free(&ihk), buf_free(&irk);
	store_stmt_done(sel);
	store_stmt_done(ins);
	return rc == SQLITE_DONE ? 0 : tbl_sql_fail(db, err);
}

/* Write the new description, drop deleted indexes, register and fill
 * the new ones. */
static int
update_store(sqlite3 *db, const struct tbl *t, const cJSON *nd,
    const struct tdef_change *ch, struct ddb_err *err)
{
	const struct tbl_index *ix;
	struct tbl *nt;
	size_t i;
	int rc = 0;

	if (desc_store(db, "UPDATE tbls SET descr = ?2 WHERE id = ?1", t->id,
	    NULL, nd, err) != 0)
		return -1;
	for (i = 0; i < ch->ndeleted; i++) {
		ix = tbl_index_find(t, ch->deleted[i]);
		if (exec_id(db, "DELETE FROM idx WHERE iid = ?1", ix->id,
		    err) != 0 || exec_id(db, "DELETE FROM tidx WHERE iid = ?1",
		    ix->id, err) != 0)
			return -1;
	}
	for (i = 0; i < ch->ncreated; i++)
		if (index_register(db, t->id, ch->created[i], err) != 0)
			return -1;
	if (ch->ncreated > 0) {
		if (tbl_load(db, t->name, &nt, err) != 0)
			return -1;
		for (i = 0; rc == 0 && i < ch->ncreated; i++)
			rc = backfill(db, nt, tbl_index_find(nt,
			    ch->created[i]), err);
		tbl_free(nt);
	}
	return rc != 0 ? -1 : catalog_bump(db, err);
}

int
op_UpdateTable(sqlite3 *db, cJSON *req, const struct tables_call *call,
    cJSON **resp, struct ddb_err *err)
{
	struct tdef_change ch = { .ncreated = 0 };
	struct tbl *t, *nt;
	cJSON *nd;
	int rc;

	if (table_open(db, req, call, "dynamodb:UpdateTable", true, &t,
	    err) != 0)
		return -1;
	nd = cJSON_Duplicate(t->desc, true);
	rc = tdef_update(req, t, call, nd, &ch, err);
	if (rc == 0)
		rc = update_store(db, t, nd, &ch, err);
	cJSON_Delete(nd);
	if (rc == 0 && (rc = tbl_load(db, t->name, &nt, err)) == 0) {
		rc = reply_desc(db, nt, "TableDescription", "ACTIVE", resp, err);
		tbl_free(nt);
	}
	tbl_free(t);
	return rc;
}

/* ---- TTL ------------------------------------------------------------------------- */

/*
 * Turn TTL on (attr) or off (NULL): the catalog row, and every item's
 * `exp` (the expiry time the sweep looks up; json_each matches the
 * attribute name exactly, whatever characters it holds).
 */
static int
ttl_store(sqlite3 *db, int64_t tid, const char *attr, struct ddb_err *err)
{
	static const char *const sql[] = {
		"UPDATE tbls SET ttl = ?2 WHERE id = ?1",
		("UPDATE items SET exp = (SELECT CAST(json_extract(value, "
		    "'$.N') AS REAL) FROM json_each(items.item) WHERE key = ?2)"
		    " WHERE tid = ?1"),
		"UPDATE items SET exp = NULL WHERE tid = ?1 AND exp IS NOT NULL",
	};
	sqlite3_stmt *st;
	size_t i;
	int rc = SQLITE_DONE;

	for (i = 0; i < 3 && rc == SQLITE_DONE; i++) {
		if (i == (attr != NULL ? 2 : 1))
			continue;
		if (tbl_prepare(db, sql[i], &st, err) != 0)
			return -1;
		sqlite3_bind_int64(st, 1, tid);
		if (attr != NULL && i < 2)
			sqlite3_bind_text(st, 2, attr, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		store_stmt_done(st);
	}
	return rc == SQLITE_DONE ? catalog_bump(db, err) :
	    tbl_sql_fail(db, err);
}

static int
ttl_spec(const cJSON *req, const char **attr, bool *on, struct ddb_err *err)
{
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(req,
	    "TimeToLiveSpecification");

	if (s == NULL || cJSON_IsNull(s))
		return tdef_not_null(err, "timeToLiveSpecification");
	if (tbl_req_str(s, "AttributeName", attr, err) != 0)
		return -1;
	if (*attr == NULL)
		return tdef_not_null(err, "timeToLiveSpecification.attributeName");
	if (strlen(*attr) < 1 || strlen(*attr) > 255)
		return ddb_fail(err, DDB_VALIDATION, VAL1 "'%.300s' at "
		    "'timeToLiveSpecification.attributeName' failed to satisfy "
		    "constraint: Member must have length %s", *attr,
		    strlen(*attr) < 1 ? "greater than or equal to 1" :
		    "less than or equal to 255");
	if (cJSON_GetObjectItemCaseSensitive(s, "Enabled") == NULL)
		return tdef_not_null(err, "timeToLiveSpecification.enabled");
	return tbl_req_bool(s, "Enabled", false, on, err);
}

int
op_UpdateTimeToLive(sqlite3 *db, cJSON *req, const struct tables_call *call,
    cJSON **resp, struct ddb_err *err)
{
	struct tbl *t;
	const char *attr;
	cJSON *spec;
	bool on;
	int rc = -1;

	if (table_open(db, req, call, "dynamodb:UpdateTimeToLive", true, &t,
	    err) != 0)
		return -1;
	if (ttl_spec(req, &attr, &on, err) != 0)
		goto done;
	if (on && t->ttl_attr != NULL)
		ddb_fail(err, DDB_VALIDATION, "TimeToLive is already enabled");
	else if (!on && t->ttl_attr == NULL)
		ddb_fail(err, DDB_VALIDATION, "TimeToLive is already disabled");
	else if (!on && strcmp(t->ttl_attr, attr) != 0)
		ddb_fail(err, DDB_VALIDATION, "TimeToLive is active on a "
		    "different AttributeName: current AttributeName is %s",
		    t->ttl_attr);
	else if ((rc = ttl_store(db, t->id, on ? attr : NULL, err)) == 0) {
		*resp = cJSON_CreateObject();
		spec = cJSON_AddObjectToObject(*resp, "TimeToLiveSpecification");
		cJSON_AddStringToObject(spec, "AttributeName", attr);
		cJSON_AddBoolToObject(spec, "Enabled", on);
	}
done:
	tbl_free(t);
	return rc;
}

int
op_DescribeTimeToLive(sqlite3 *db, cJSON *req, const struct tables_call *call,
    cJSON **resp, struct ddb_err *err)
{
	struct tbl *t;
	cJSON *d;

	if (table_open(db, req, call, "dynamodb:DescribeTimeToLive", false, &t,
	    err) != 0)
		return -1;
	*resp = cJSON_CreateObject();
	d = cJSON_AddObjectToObject(*resp, "TimeToLiveDescription");
	cJSON_AddStringToObject(d, "TimeToLiveStatus", t->ttl_attr != NULL ?
	    "ENABLED" : "DISABLED");
	if (t->ttl_attr != NULL)
		cJSON_AddStringToObject(d, "AttributeName", t->ttl_attr);
	tbl_free(t);
	return 0;
}

/* ---- tags ------------------------------------------------------------------------ */

/* The table a ResourceArn names (one of ours: our region and account). */
static int
arn_open(sqlite3 *db, const cJSON *req, const struct tables_call *call,
    const char *action, bool write, struct tbl **t, struct ddb_err *err)
{
	const char *arn, *name;
	struct buf pre;
	int rc = -1;

	if (tbl_req_str(req, "ResourceArn", &arn, err) != 0)
		return -1;
	if (arn == NULL)
		return tdef_not_null(err, "resourceArn");
	buf_init(&pre);
	tbl_arn(call, "", &pre);
	name = arn + pre.len;
	if (strncmp(arn, pre.data, pre.len) != 0 || strlen(name) < 3 ||
	    strlen(name) > 255 || strspn(name, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") != strlen(name))
		ddb_fail(err, DDB_VALIDATION, "Invalid TableArn: Invalid "
		    "ResourceArn provided as input %.300s", arn);
	else if (tbl_allow(call, action, name, write, err) == 0 &&
	    (rc = tbl_load(db, name, t, err)) != 0 &&
	    err->type == DDB_RESOURCE_NOT_FOUND)
		ddb_fail(err, DDB_RESOURCE_NOT_FOUND, "Requested resource not "
		    "found: ResourcArn: %.300s not found", arn);
	buf_free(&pre);
	return rc;
}

static int
tags_count(sqlite3 *db, int64_t tid, double *n, struct ddb_err *err)
{
	double unused;

	return count_rows(db, "SELECT count(*), 0 FROM tags WHERE tid = ?1",
	    tid, n, &unused, err);
}

int
op_TagResource(sqlite3 *db, cJSON *req, const struct tables_call *call,
    cJSON **resp, struct ddb_err *err)
{
	const cJSON *tags = cJSON_GetObjectItemCaseSensitive(req, "Tags");
	struct tbl *t;
	double n;
	int rc = -1;

	(void)resp;
	if (arn_open(db, req, call, "dynamodb:TagResource", true, &t,
	    err) != 0)
		return -1;
	if (tdef_tags_check(tags, "tags", err) == 0 &&
	    tags_store(db, t->id, tags, err) == 0 &&
	    tags_count(db, t->id, &n, err) == 0) {
		if (n > TDEF_TAGS_MAX)
			ddb_fail(err, DDB_VALIDATION, INVALID "The number of "
			    "tags exceeds the limit of %d", TDEF_TAGS_MAX);
		else
			rc = 0;
	}
	tbl_free(t);
	return rc;
}

int
op_UntagResource(sqlite3 *db, cJSON *req, const struct tables_call *call,
    cJSON **resp, struct ddb_err *err)
{
	const cJSON *keys = cJSON_GetObjectItemCaseSensitive(req, "TagKeys"),
	    *k;
	sqlite3_stmt *st;
	struct tbl *t;
	int rc = SQLITE_DONE;

	(void)resp;
	if (arn_open(db, req, call, "dynamodb:UntagResource", true, &t,
	    err) != 0)
		return -1;
	if (!cJSON_IsArray(keys) || tbl_prepare(db, "DELETE FROM tags WHERE "
	    "tid = ?1 AND k = ?2", &st, err) != 0) {
		tbl_free(t);
		return keys == NULL ? tdef_not_null(err, "tagKeys") :
		    !cJSON_IsArray(keys) ? ddb_fail(err, DDB_SERIALIZATION,
		    "Start of list expected") : -1;
	}
	cJSON_ArrayForEach(k, keys) {
		if (!cJSON_IsString(k))
			continue;
		sqlite3_bind_int64(st, 1, t->id);
		sqlite3_bind_text(st, 2, k->valuestring, -1, SQLITE_STATIC);
		if ((rc = sqlite3_step(st)) != SQLITE_DONE)
			break;
		sqlite3_reset(st);
	}
	store_stmt_done(st);
	tbl_free(t);
	return rc == SQLITE_DONE ? 0 : tbl_sql_fail(db, err);
}

int
op_ListTagsOfResource(sqlite3 *db, cJSON *req, const struct tables_call *call,
    cJSON **resp, struct ddb_err *err)
{
	sqlite3_stmt *st;
	struct tbl *t;
	cJSON *arr, *o;
	int rc;

	if (arn_open(db, req, call, "dynamodb:ListTagsOfResource", false, &t,
	    err) != 0)
		return -1;
	rc = tbl_prepare(db, "SELECT k, v FROM tags WHERE tid = ?1 ORDER BY k",
	    &st, err);
	if (rc != 0) {
		tbl_free(t);
		return -1;
	}
	sqlite3_bind_int64(st, 1, t->id);
	*resp = cJSON_CreateObject();
	arr = cJSON_AddArrayToObject(*resp, "Tags");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "Key",
		    (const char *)sqlite3_column_text(st, 0));
		cJSON_AddStringToObject(o, "Value",
		    (const char *)sqlite3_column_text(st, 1));
		cJSON_AddItemToArray(arr, o);
	}
	store_stmt_done(st);
	tbl_free(t);
	return rc == SQLITE_DONE ? 0 : tbl_sql_fail(db, err);
}

/* ---- account-level answers ------------------------------------------------------------ */

/* Neither names a table, so allow() is not asked (any caller may learn
 * the endpoint and the limits, as with DynamoDB's managed policies). */
int
op_DescribeEndpoints(sqlite3 *db, cJSON *req, const struct tables_call *call,
    cJSON **resp, struct ddb_err *err)
{
	cJSON *arr, *e;
	struct buf b;

	(void)db, (void)req, (void)err;
	buf_init(&b);
	buf_printf(&b, "dynamodb.%s.amazonaws.com", call != NULL &&
	    call->region != NULL ? call->region : "us-east-1");
	*resp = cJSON_CreateObject();
	arr = cJSON_AddArrayToObject(*resp, "Endpoints");
	e = cJSON_CreateObject();
	cJSON_AddStringToObject(e, "Address", b.data);
	cJSON_AddNumberToObject(e, "CachePeriodInMinutes", 1440);
	cJSON_AddItemToArray(arr, e);
	buf_free(&b);
	return 0;
}

int
op_DescribeLimits(sqlite3 *db, cJSON *req, const struct tables_call *call,
    cJSON **resp, struct ddb_err *err)
{
	(void)db, (void)req, (void)call, (void)err;
	*resp = cJSON_CreateObject();
	cJSON_AddNumberToObject(*resp, "AccountMaxReadCapacityUnits", 80000);
	cJSON_AddNumberToObject(*resp, "AccountMaxWriteCapacityUnits", 80000);
	cJSON_AddNumberToObject(*resp, "TableMaxReadCapacityUnits", 40000);
	cJSON_AddNumberToObject(*resp, "TableMaxWriteCapacityUnits", 40000);
	return 0;
}
