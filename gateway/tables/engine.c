/*
 * engine: the schema, the catalog, the dispatch of operations and the item
 * primitives every operation shares (keys, reads, writes with their index
 * entries).  Request members and capacity units are engine_req.c's; the
 * TTL sweep, the statistics and the per-table backup are engine_maint.c's.
 * See engine.h for the contract and engine_int.h for what the operation
 * files use.
 *
 * Layout.  `tbls` holds one row per table: its TableDescription as stored
 * JSON (without the figures that change: status, counts, sizes) and its
 * TTL attribute; `tidx` gives every GSI and LSI its own id; `items` keys
 * every item by (table id, hash key, range key) in value.h's
 * order-preserving encoding (rk is the empty blob when the table has no
 * range key, which sorts first, as it should) and keeps, for tables with
 * TTL on, the item's expiry time in `exp` (indexed, so the sweep reads
 * only what has expired); `idx` holds one entry per
 * item and index, keyed by (index id, index hash, index range, table hash,
 * table range) and holding the projected item.  Counters (next id, catalog
 * version) live in `meta`; `tags` and the transaction `tokens` complete it.
 *
 * Catalog rows are parsed once per reader connection: each reader thread
 * keeps the tables it loaded with the catalog version they were loaded
 * at, and a read snapshot that finds another version in `meta` drops
 * them (the version moves with every change of a table's definition, its
 * indexes or its TTL).  Parsing the stored description cost a GetItem
 * about a fifth of its store-thread time.  The writer never caches: a
 * catalog change it makes may still be rolled back.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_int.h"

const char tables_schema[] =
    "CREATE TABLE IF NOT EXISTS meta(k TEXT PRIMARY KEY, v INTEGER NOT NULL)"
    " WITHOUT ROWID;"
    "INSERT OR IGNORE INTO meta(k, v) VALUES('schema', 1), ('next_id', 1),"
    " ('catalog', 0);"
    "CREATE TABLE IF NOT EXISTS tbls(name TEXT PRIMARY KEY,"
    " id INTEGER UNIQUE NOT NULL, descr TEXT NOT NULL, ttl TEXT)"
    " WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS tidx(tid INTEGER NOT NULL, name TEXT NOT NULL,"
    " iid INTEGER UNIQUE NOT NULL, PRIMARY KEY(tid, name)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS items(tid INTEGER NOT NULL, hk BLOB NOT NULL,"
    " rk BLOB NOT NULL, item TEXT NOT NULL, size INTEGER NOT NULL,"
    " exp REAL, PRIMARY KEY(tid, hk, rk)) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS items_exp ON items(tid, exp)"
    " WHERE exp IS NOT NULL;"
    "CREATE TABLE IF NOT EXISTS idx(iid INTEGER NOT NULL, hk BLOB NOT NULL,"
    " rk BLOB NOT NULL, thk BLOB NOT NULL, trk BLOB NOT NULL,"
    " item TEXT NOT NULL, PRIMARY KEY(iid, hk, rk, thk, trk)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS tags(tid INTEGER NOT NULL, k TEXT NOT NULL,"
    " v TEXT NOT NULL, PRIMARY KEY(tid, k)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS tokens(token TEXT PRIMARY KEY,"
    " hash TEXT NOT NULL, at INTEGER NOT NULL, resp TEXT) WITHOUT ROWID;";

/* ---- operations ---------------------------------------------------------- */

static const struct {
	const char	*name;
	tables_op_fn	 fn;
	bool		 writes;
} optab[TOP_NOPS] = {
#define OPW(n) [TOP_##n] = { #n, op_##n, true }
#define OPR(n) [TOP_##n] = { #n, op_##n, false }
	OPW(CreateTable), OPR(DescribeTable), OPR(ListTables),
	OPW(UpdateTable), OPW(DeleteTable), OPW(UpdateTimeToLive),
	OPR(DescribeTimeToLive), OPW(TagResource), OPW(UntagResource),
	OPR(ListTagsOfResource), OPR(DescribeEndpoints), OPR(DescribeLimits),
	OPW(PutItem), OPR(GetItem), OPW(UpdateItem), OPW(DeleteItem),
	OPR(Query), OPR(Scan), OPR(BatchGetItem), OPW(BatchWriteItem),
	OPW(TransactWriteItems), OPR(TransactGetItems),
	OPW(ExecuteStatement), OPW(BatchExecuteStatement),
	OPW(ExecuteTransaction),
#undef OPW
#undef OPR
};

int
tables_op_lookup(const char *name, size_t len)
{
	int i;

	for (i = 0; i < TOP_NOPS; i++)
		if (strlen(optab[i].name) == len &&
		    memcmp(optab[i].name, name, len) == 0)
			return i;
	return -1;
}

const char *
tables_op_name(enum tables_op op)
{
	return (unsigned)op < TOP_NOPS ? optab[op].name : "?";
}

/* Whether a PartiQL statement is a SELECT (the only kind a reader runs). */
static bool
stmt_is_select(const cJSON *o)
{
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(o, "Statement");
	const char *p;

	if (!cJSON_IsString(s))
		return false;
	for (p = s->valuestring; isspace((unsigned char)*p); p++)
		;
	return strncasecmp(p, "SELECT", 6) == 0 &&
	    !isalnum((unsigned char)p[6]) && p[6] != '_';
}

static bool
stmts_all_select(const cJSON *arr)
{
	const cJSON *e;

	if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) == 0)
		return false;
	cJSON_ArrayForEach(e, arr)
		if (!stmt_is_select(e))
			return false;
	return true;
}

bool
tables_op_writes(enum tables_op op, const cJSON *req)
{
	if ((unsigned)op >= TOP_NOPS)
		return false;
	switch (op) {
	case TOP_ExecuteStatement:
		return !stmt_is_select(req);
	case TOP_BatchExecuteStatement:
		return !stmts_all_select(
		    cJSON_GetObjectItemCaseSensitive(req, "Statements"));
	case TOP_ExecuteTransaction:
		return !stmts_all_select(
		    cJSON_GetObjectItemCaseSensitive(req, "TransactStatements"));
	default:
		return optab[op].writes;
	}
}

int
tables_exec(sqlite3 *db, enum tables_op op, cJSON *req,
    const struct tables_call *call, cJSON **resp, struct ddb_err *err)
{
	int rc;

	*resp = NULL;
	if ((unsigned)op >= TOP_NOPS)
		return ddb_fail(err, DDB_UNKNOWN_OPERATION, "Unknown operation");
	if (!cJSON_IsObject(req))
		return ddb_fail(err, DDB_SERIALIZATION,
		    "Start of structure or map expected");
	rc = optab[op].fn(db, req, call, resp, err);
	if (rc != 0) {
		cJSON_Delete(*resp);
		*resp = NULL;
		return -1;
	}
	if (*resp == NULL)
		*resp = cJSON_CreateObject();
	return 0;
}

/* ---- SQLite helpers -------------------------------------------------------- */

int
tbl_sql_fail(sqlite3 *db, struct ddb_err *err)
{
	return ddb_fail(err, DDB_INTERNAL, "Internal server error: SQLite: %s",
	    sqlite3_errmsg(db));
}

int
tbl_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **st,
    struct ddb_err *err)
{
	if (store_stmt(db, sql, st) != SQLITE_OK) {
		store_stmt_done(*st);
		*st = NULL;
		return tbl_sql_fail(db, err);
	}
	return 0;
}

int
tbl_bind_buf(sqlite3_stmt *st, int i, const struct buf *b)
{
	/* A NULL pointer would bind SQL NULL, which is not the empty key. */
	return sqlite3_bind_blob(st, i, b->len > 0 ? b->data : "",
	    (int)b->len, SQLITE_TRANSIENT);
}

/* ---- catalog --------------------------------------------------------------- */

void
tbl_arn(const struct tables_call *call, const char *table, struct buf *b)
{
	buf_printf(b, "arn:aws:dynamodb:%s:%s:table/%s",
	    call != NULL && call->region != NULL ? call->region : "us-east-1",
	    call != NULL && call->account != NULL ? call->account :
	    "000000000000", table);
}

int
tbl_allow(const struct tables_call *call, const char *action,
    const char *table, bool write, struct ddb_err *err)
{
	struct buf arn;

	if (call == NULL || call->allow == NULL ||
	    call->allow(call->allow_arg, table, write))
		return 0;
	buf_init(&arn);
	tbl_arn(call, table, &arn);
	ddb_fail(err, DDB_ACCESS_DENIED, "User: %s is not authorized to "
	    "perform: %s on resource: %s because no identity-based policy "
	    "allows the %s action", call->principal != NULL ?
	    call->principal : "anonymous", action, arn.data, action);
	buf_free(&arn);
	return -1;
}

const char *
tbl_str(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* The declared type of attribute name in AttributeDefinitions. */
static enum ddb_type
def_type(const cJSON *defs, const char *name)
{
	const cJSON *d;
	const char *n;

	cJSON_ArrayForEach(d, defs) {
		n = tbl_str(d, "AttributeName");
		if (n != NULL && strcmp(n, name) == 0)
			return ddb_type_parse(tbl_str(d, "AttributeType") ?
			    tbl_str(d, "AttributeType") : "");
	}
	return DDB_T_BAD;
}

/* A stored KeySchema into ks; the strings point into the stored desc. */
static int
ks_load(const cJSON *schema, const cJSON *defs, struct key_schema *ks)
{
	const cJSON *e;
	const char *n, *kt;

	memset(ks, 0, sizeof(*ks));
	cJSON_ArrayForEach(e, schema) {
		n = tbl_str(e, "AttributeName");
		kt = tbl_str(e, "KeyType");
		if (n == NULL || kt == NULL)
			return -1;
		if (strcmp(kt, "HASH") == 0) {
			ks->hash = (char *)n;
			ks->hash_type = def_type(defs, n);
		} else {
			ks->range = (char *)n;
			ks->range_type = def_type(defs, n);
		}
	}
	return ks->hash != NULL && ks->hash_type != DDB_T_BAD &&
	    (ks->range == NULL || ks->range_type != DDB_T_BAD) ? 0 : -1;
}

static int
index_load(struct tbl_index *ix, const cJSON *d, const cJSON *defs,
    bool local)
{
	const cJSON *proj = cJSON_GetObjectItemCaseSensitive(d, "Projection");
	const cJSON *nka = cJSON_GetObjectItemCaseSensitive(proj,
	    "NonKeyAttributes"), *e;
	const char *pt = tbl_str(proj, "ProjectionType");

	ix->name = (char *)tbl_str(d, "IndexName");
	ix->local = local;
	if (ix->name == NULL || ks_load(cJSON_GetObjectItemCaseSensitive(d,
	    "KeySchema"), defs, &ix->ks) != 0)
		return -1;
	ix->proj = pt == NULL || strcmp(pt, "ALL") == 0 ? PROJ_ALL :
	    strcmp(pt, "KEYS_ONLY") == 0 ? PROJ_KEYS_ONLY : PROJ_INCLUDE;
	if (ix->proj != PROJ_INCLUDE || !cJSON_IsArray(nka))
		return 0;
	ix->include = calloc((size_t)cJSON_GetArraySize(nka) + 1,
	    sizeof(char *));
	if (ix->include == NULL)
		abort();
	cJSON_ArrayForEach(e, nka)
		if (cJSON_IsString(e))
			ix->include[ix->ninclude++] = e->valuestring;
	return 0;
}

/* Build t from its stored description (t->desc set). */
static int
tbl_from_desc(struct tbl *t)
{
	static const char *const arrs[2] = { "LocalSecondaryIndexes",
	    "GlobalSecondaryIndexes" };
	const cJSON *defs = cJSON_GetObjectItemCaseSensitive(t->desc,
	    "AttributeDefinitions"), *d;
	int k;

	t->name = (char *)tbl_str(t->desc, "TableName");
	if (t->name == NULL || ks_load(cJSON_GetObjectItemCaseSensitive(
	    t->desc, "KeySchema"), defs, &t->ks) != 0)
		return -1;
	for (k = 0; k < 2; k++)
		cJSON_ArrayForEach(d, cJSON_GetObjectItemCaseSensitive(t->desc,
		    arrs[k])) {
			if (t->nidx == TBL_INDEX_MAX || index_load(
			    &t->idx[t->nidx], d, defs, k == 0) != 0)
				return -1;
			t->nidx++;
		}
	return 0;
}

static int
tbl_load_ids(sqlite3 *db, struct tbl *t, struct ddb_err *err)
{
	sqlite3_stmt *st;
	const char *n;
	size_t i;
	int rc;

	if (tbl_prepare(db, "SELECT name, iid FROM tidx WHERE tid = ?1", &st,
	    err) != 0)
		return -1;
	sqlite3_bind_int64(st, 1, t->id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		n = (const char *)sqlite3_column_text(st, 0);
		for (i = 0; i < t->nidx; i++)
			if (strcmp(t->idx[i].name, n) == 0)
				t->idx[i].id = sqlite3_column_int64(st, 1);
	}
	store_stmt_done(st);
	return rc == SQLITE_DONE ? 0 : tbl_sql_fail(db, err);
}

/* ---- the readers' catalog cache ------------------------------------------- */

#define TBL_CACHE_MAX	32

struct tbl_cache {
	int64_t		 version;
	size_t		 n;
	struct tbl	*t[TBL_CACHE_MAX];
};

static void
tbl_cache_clear(struct tbl_cache *c)
{
	while (c->n > 0)
		tbl_free(c->t[--c->n]);
}

static void
tbl_cache_free(void *arg)
{
	struct tbl_cache *c = arg;

	tbl_cache_clear(c);
	free(c);
}

/*
 * The cache valid in this read snapshot, or NULL: on the writer, outside
 * a transaction (two statements would see two snapshots) and on a
 * connection that is not its store thread's own.
 */
static struct tbl_cache *
tbl_cache(sqlite3 *db)
{
	struct tbl_cache *c;
	sqlite3_stmt *st;
	int64_t v = -1;

	if (sqlite3_get_autocommit(db) ||
	    sqlite3_txn_state(db, NULL) == SQLITE_TXN_WRITE)
		return NULL;
	if ((c = store_memo(db)) == NULL) {
		if ((c = calloc(1, sizeof(*c))) == NULL)
			return NULL;
		c->version = -1;
		if (store_memo_set(db, c, tbl_cache_free) != 0) {
			free(c);
			return NULL;
		}
	}
	if (store_stmt(db, "SELECT v FROM meta WHERE k = 'catalog'", &st) !=
	    SQLITE_OK)
		return NULL;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	store_stmt_done(st);
	if (v < 0)
		return NULL;
	if (c->version != v) {
		tbl_cache_clear(c);
		c->version = v;
	}
	return c;
}

static struct tbl *
tbl_cache_find(struct tbl_cache *c, const char *name)
{
	size_t i;

	for (i = 0; c != NULL && i < c->n; i++)
		if (strcmp(c->t[i]->name, name) == 0) {
			c->t[i]->refs++;
			return c->t[i];
		}
	return NULL;
}

static void
tbl_cache_add(struct tbl_cache *c, struct tbl *t)
{
	if (c == NULL || c->n == TBL_CACHE_MAX)
		return;
	t->refs++;
	c->t[c->n++] = t;
}

int
tbl_load(sqlite3 *db, const char *name, struct tbl **out,
    struct ddb_err *err)
{
	struct tbl_cache *c = tbl_cache(db);
	sqlite3_stmt *st;
	struct tbl *t;
	const char *ttl;
	int rc;

	if ((*out = tbl_cache_find(c, name)) != NULL)
		return 0;
	if (tbl_prepare(db, "SELECT id, descr, ttl FROM tbls WHERE name = ?1",
	    &st, err) != 0)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
		store_stmt_done(st);
		if (rc != SQLITE_DONE)
			return tbl_sql_fail(db, err);
		return ddb_fail(err, DDB_RESOURCE_NOT_FOUND, "Requested "
		    "resource not found: Table: %.300s not found", name);
	}
	if ((t = calloc(1, sizeof(*t))) == NULL)
		abort();
	t->refs = 1;
	t->id = sqlite3_column_int64(st, 0);
	t->desc = cJSON_Parse((const char *)sqlite3_column_text(st, 1));
	ttl = (const char *)sqlite3_column_text(st, 2);
	if (ttl != NULL && (t->ttl_attr = strdup(ttl)) == NULL)
		abort();
	store_stmt_done(st);
	if (t->desc == NULL || tbl_from_desc(t) != 0) {
		tbl_free(t);
		return ddb_fail(err, DDB_INTERNAL, "Internal server error: "
		    "catalog entry of table %.300s is damaged", name);
	}
	if (t->nidx > 0 && tbl_load_ids(db, t, err) != 0) {
		tbl_free(t);
		return -1;
	}
	tbl_cache_add(c, t);
	*out = t;
	return 0;
}

void
tbl_free(struct tbl *t)
{
	size_t i;

	if (t == NULL || --t->refs > 0)
		return;
	for (i = 0; i < t->nidx; i++)
		free(t->idx[i].include);
	free(t->ttl_attr);
	cJSON_Delete(t->desc);
	free(t);
}

const struct tbl_index *
tbl_index_find(const struct tbl *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->nidx; i++)
		if (strcmp(t->idx[i].name, name) == 0)
			return &t->idx[i];
	return NULL;
}

/* ---- keys ------------------------------------------------------------------ */

static int
key_attr(const char *name, enum ddb_type type, bool range, const cJSON *item,
    struct buf *out, struct ddb_err *err)
{
	const cJSON *av = cJSON_GetObjectItemCaseSensitive(item, name);

	if (av == NULL)
		return ddb_fail(err, DDB_VALIDATION, "One or more parameter "
		    "values were invalid: Missing the key %.300s in the item",
		    name);
	if (ddb_key_check(name, av, type, range, err) != 0)
		return -1;
	return ddb_key_encode(av, type, out, err);
}

int
tbl_key_encode(const struct key_schema *ks, const cJSON *item,
    struct buf *hk, struct buf *rk, struct ddb_err *err)
{
	if (key_attr(ks->hash, ks->hash_type, false, item, hk, err) != 0)
		return -1;
	if (ks->range == NULL)
		return 0;
	return key_attr(ks->range, ks->range_type, true, item, rk, err);
}

int
tbl_item_key(const struct tbl *t, const cJSON *item, struct buf *hk,
    struct buf *rk, struct ddb_err *err)
{
	return tbl_key_encode(&t->ks, item, hk, rk, err);
}

int
tbl_key_only(const struct tbl *t, const cJSON *key, struct ddb_err *err)
{
	const cJSON *h, *r = NULL;
	int want = t->ks.range != NULL ? 2 : 1;

	if (!cJSON_IsObject(key) || cJSON_GetArraySize(key) != want)
		goto bad;
	h = cJSON_GetObjectItemCaseSensitive(key, t->ks.hash);
	if (h == NULL || ddb_val_type(h) != t->ks.hash_type)
		goto bad;
	if (t->ks.range != NULL) {
		r = cJSON_GetObjectItemCaseSensitive(key, t->ks.range);
		if (r == NULL || ddb_val_type(r) != t->ks.range_type)
			goto bad;
	}
	return 0;
bad:
	return ddb_fail(err, DDB_VALIDATION,
	    "The provided key element does not match the schema");
}

int
tbl_index_key(const struct tbl_index *ix, const cJSON *item, struct buf *hk,
    struct buf *rk)
{
	const cJSON *h = cJSON_GetObjectItemCaseSensitive(item, ix->ks.hash);
	const cJSON *r = NULL;
	size_t h0 = hk->len, r0 = rk->len;

	if (ix->ks.range != NULL &&
	    (r = cJSON_GetObjectItemCaseSensitive(item, ix->ks.range)) == NULL)
		return 0;
	if (h == NULL || ddb_key_encode(h, ix->ks.hash_type, hk, NULL) != 0)
		goto out;
	if (r != NULL && ddb_key_encode(r, ix->ks.range_type, rk, NULL) != 0)
		goto out;
	return 1;
out:
	hk->len = h0;
	rk->len = r0;
	return 0;
}

/* A write must not give an index key attribute another type than the
 * index declares, nor an empty value (DynamoDB refuses the write). */
static int
index_check(const struct tbl *t, const cJSON *item, struct ddb_err *err)
{
	const struct tbl_index *ix;
	const char *n[2];
	enum ddb_type want[2], got;
	const cJSON *av;
	size_t i, k;

	for (i = 0; i < t->nidx; i++) {
		ix = &t->idx[i];
		n[0] = ix->ks.hash, want[0] = ix->ks.hash_type;
		n[1] = ix->ks.range, want[1] = ix->ks.range_type;
		for (k = 0; k < 2 && n[k] != NULL; k++) {
			if ((av = cJSON_GetObjectItemCaseSensitive(item,
			    n[k])) == NULL)
				continue;
			if ((got = ddb_val_type(av)) != want[k])
				return ddb_fail(err, DDB_VALIDATION, "One or "
				    "more parameter values were invalid: Type "
				    "mismatch for Index Key %s Expected: %s "
				    "Actual: %s IndexName: %s", n[k],
				    ddb_type_name(want[k]), ddb_type_name(got),
				    ix->name);
			if ((got == DDB_T_S || got == DDB_T_B) &&
			    ddb_val_inner(av)->valuestring[0] == '\0')
				return ddb_fail(err, DDB_VALIDATION, "One or "
				    "more parameter values are not valid. A "
				    "value specified for a secondary index key "
				    "is not supported. The AttributeValue for "
				    "a key attribute cannot contain an empty "
				    "string value. IndexName: %s, IndexKey: %s",
				    ix->name, n[k]);
		}
	}
	return 0;
}

static void
proj_add(cJSON *out, const cJSON *item, const char *name)
{
	const cJSON *av;

	if (name == NULL || cJSON_GetObjectItemCaseSensitive(out, name) != NULL)
		return;
	if ((av = cJSON_GetObjectItemCaseSensitive(item, name)) != NULL)
		cJSON_AddItemToObject(out, name, cJSON_Duplicate(av, true));
}

cJSON *
tbl_index_project(const struct tbl *t, const struct tbl_index *ix,
    const cJSON *item)
{
	cJSON *out;
	size_t i;

	if (ix->proj == PROJ_ALL)
		return cJSON_Duplicate(item, true);
	out = cJSON_CreateObject();
	proj_add(out, item, t->ks.hash);
	proj_add(out, item, t->ks.range);
	proj_add(out, item, ix->ks.hash);
	proj_add(out, item, ix->ks.range);
	for (i = 0; i < ix->ninclude; i++)
		proj_add(out, item, ix->include[i]);
	return out;
}

/* ---- items ----------------------------------------------------------------- */

/* The item with that key into *out: parsed, or (raw) as a raw node of its
 * stored text; its stored size into *size.  NULL when absent. */
static int
item_lookup(sqlite3 *db, const struct tbl *t, const struct buf *hk,
    const struct buf *rk, bool raw, cJSON **out, size_t *size,
    struct ddb_err *err)
{
	sqlite3_stmt *st;
	const char *text;
	int rc;

	*out = NULL;
	*size = 0;
	if (tbl_prepare(db, "SELECT item, size FROM items WHERE tid = ?1 AND "
	    "hk = ?2 AND rk = ?3", &st, err) != 0)
		return -1;
	sqlite3_bind_int64(st, 1, t->id);
	tbl_bind_buf(st, 2, hk);
	tbl_bind_buf(st, 3, rk);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		text = (const char *)sqlite3_column_text(st, 0);
		*out = text == NULL ? NULL : raw ? cJSON_CreateRaw(text) :
		    cJSON_ParseWithLength(text,
		    (size_t)sqlite3_column_bytes(st, 0));
		if (*out == NULL)
			rc = SQLITE_CORRUPT;
		*size = (size_t)sqlite3_column_int64(st, 1);
	}
	store_stmt_done(st);
	if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		return 0;
	if (rc == SQLITE_CORRUPT)
		return ddb_fail(err, DDB_INTERNAL,
		    "Internal server error: a stored item is damaged");
	return tbl_sql_fail(db, err);
}

int
tbl_get_raw(sqlite3 *db, const struct tbl *t, const struct buf *hk,
    const struct buf *rk, cJSON **raw, size_t *size, struct ddb_err *err)
{
	return item_lookup(db, t, hk, rk, true, raw, size, err);
}

int
tbl_get(sqlite3 *db, const struct tbl *t, const struct buf *hk,
    const struct buf *rk, cJSON **item, struct ddb_err *err)
{
	size_t size;

	return item_lookup(db, t, hk, rk, false, item, &size, err);
}

static int
step_done(sqlite3 *db, sqlite3_stmt *st, struct ddb_err *err)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? 0 : tbl_sql_fail(db, err);
}

static int
item_write(sqlite3 *db, const struct tbl *t, const struct buf *hk,
    const struct buf *rk, const cJSON *item, struct ddb_err *err)
{
	sqlite3_stmt *st;
	const cJSON *ttl;
	char *text = NULL;
	int rc;

	if (tbl_prepare(db, item != NULL ? "INSERT OR REPLACE INTO items"
	    "(tid, hk, rk, item, size, exp) VALUES(?1, ?2, ?3, ?4, ?5, ?6)" :
	    "DELETE FROM items WHERE tid = ?1 AND hk = ?2 AND rk = ?3", &st,
	    err) != 0)
		return -1;
	sqlite3_bind_int64(st, 1, t->id);
	tbl_bind_buf(st, 2, hk);
	tbl_bind_buf(st, 3, rk);
	if (item != NULL) {
		text = cJSON_PrintUnformatted(item);
		sqlite3_bind_text(st, 4, text, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 5, (sqlite3_int64)ddb_item_size(item));
		ttl = t->ttl_attr != NULL ? cJSON_GetObjectItemCaseSensitive(
		    item, t->ttl_attr) : NULL;
		if (ttl != NULL && ddb_val_type(ttl) == DDB_T_N)
			sqlite3_bind_double(st, 6,
			    strtod(ddb_val_inner(ttl)->valuestring, NULL));
	}
	rc = step_done(db, st, err);
	store_stmt_done(st);
	free(text);
	return rc;
}

/* Bind an index entry's key: (iid, hk, rk, thk, trk) as ?1..?5. */
static void
bind_entry(sqlite3_stmt *st, int64_t iid, const struct buf *ihk,
    const struct buf *irk, const struct buf *hk, const struct buf *rk)
{
	sqlite3_bind_int64(st, 1, iid);
	tbl_bind_buf(st, 2, ihk);
	tbl_bind_buf(st, 3, irk);
	tbl_bind_buf(st, 4, hk);
	tbl_bind_buf(st, 5, rk);
}

/* Move one index's entry from old's index key to item's (either NULL). */
static int
index_move(sqlite3 *db, const struct tbl *t, const struct tbl_index *ix,
    sqlite3_stmt *del, sqlite3_stmt *ins, const struct buf *hk,
    const struct buf *rk, const cJSON *old, const cJSON *item,
    struct ddb_err *err)
{
	struct buf ihk, irk;
	cJSON *proj;
	char *text;
	int rc = 0;

	buf_init(&ihk);
	buf_init(&irk);
	if (old != NULL && tbl_index_key(ix, old, &ihk, &irk)) {
		bind_entry(del, ix->id, &ihk, &irk, hk, rk);
		rc = step_done(db, del, err);
	}
	buf_reset(&ihk);
	buf_reset(&irk);
	if (rc == 0 && item != NULL && tbl_index_key(ix, item, &ihk, &irk)) {
		proj = tbl_index_project(t, ix, item);
		text = cJSON_PrintUnformatted(proj);
		bind_entry(ins, ix->id, &ihk, &irk, hk, rk);
		sqlite3_bind_text(ins, 6, text, -1, SQLITE_STATIC);
		rc = step_done(db, ins, err);
		free(text);
		cJSON_Delete(proj);
	}
	buf_free(&ihk);
	buf_free(&irk);
	return rc;
}

int
tbl_put(sqlite3 *db, const struct tbl *t, const struct buf *hk,
    const struct buf *rk, const cJSON *old, const cJSON *item,
    struct ddb_err *err)
{
	sqlite3_stmt *del = NULL, *ins = NULL;
	size_t i;
	int rc = 0;

	if (item != NULL && index_check(t, item, err) != 0)
		return -1;
	if (item_write(db, t, hk, rk, item, err) != 0)
		return -1;
	if (t->nidx == 0)
		return 0;
	if (tbl_prepare(db, "DELETE FROM idx WHERE iid = ?1 AND hk = ?2 AND "
	    "rk = ?3 AND thk = ?4 AND trk = ?5", &del, err) != 0 ||
	    tbl_prepare(db, "INSERT OR REPLACE INTO idx(iid, hk, rk, thk, trk,"
	    " item) VALUES(?1, ?2, ?3, ?4, ?5, ?6)", &ins, err) != 0)
		rc = -1;
	for (i = 0; rc == 0 && i < t->nidx; i++)
		rc = index_move(db, t, &t->idx[i], del, ins, hk, rk, old, item,
		    err);
	store_stmt_done(del);
	store_stmt_done(ins);
	return rc;
}

