/*
 * engine_maint: the engine's work that no request asks for: the TTL sweep
 * (expired items and their index entries, in batches, plus forgotten
 * transaction tokens), the per-table statistics for `lambdactl tables` and
 * the metrics, and a consistent copy of one table into a new file.  See
 * engine.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine_int.h"

/* ---- TTL ------------------------------------------------------------------- */

struct expired {
	struct buf	 hk, rk;
	cJSON		*item;
};

/*
 * Collect up to max expired items of t, by the `exp` column tbl_put keeps
 * (and UpdateTimeToLive fills in).  DynamoDB ignores TTL values more than
 * five years in the past (they are taken for mistakes, not for expiry
 * times), and so do we.
 */
static long
ttl_collect(sqlite3 *db, const struct tbl *t, int64_t now_s, unsigned max,
    struct expired *out)
{
	sqlite3_stmt *st;
	long n = 0;
	int rc;

	if (tbl_prepare(db, "SELECT hk, rk, item FROM items WHERE tid = ?1 AND"
	    " exp >= ?2 AND exp < ?3 LIMIT ?4", &st, NULL) != 0)
		return -1;
	sqlite3_bind_int64(st, 1, t->id);
	sqlite3_bind_double(st, 2, (double)(now_s - 5LL * 366 * 86400));
	sqlite3_bind_double(st, 3, (double)now_s);
	sqlite3_bind_int64(st, 4, max);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		buf_init(&out[n].hk);
		buf_init(&out[n].rk);
		buf_add(&out[n].hk, sqlite3_column_blob(st, 0),
		    (size_t)sqlite3_column_bytes(st, 0));
		buf_add(&out[n].rk, sqlite3_column_blob(st, 1),
		    (size_t)sqlite3_column_bytes(st, 1));
		out[n].item = cJSON_Parse(
		    (const char *)sqlite3_column_text(st, 2));
		n++;
	}
	store_stmt_done(st);
	return rc == SQLITE_DONE ? n : -1;
}

static long
ttl_sweep_table(sqlite3 *db, const char *name, int64_t now_s, unsigned max)
{
	struct expired *ex;
	struct tbl *t;
	long n, i, done = 0;

	if (tbl_load(db, name, &t, NULL) != 0)
		return -1;
	if (t->ttl_attr == NULL || (ex = calloc(max, sizeof(*ex))) == NULL) {
		tbl_free(t);
		return 0;
	}
	n = ttl_collect(db, t, now_s, max, ex);
	for (i = 0; i < n; i++) {
		if (done >= 0 && ex[i].item != NULL && tbl_put(db, t,
		    &ex[i].hk, &ex[i].rk, ex[i].item, NULL, NULL) == 0)
			done++;
		else
			done = -1;
		buf_free(&ex[i].hk);
		buf_free(&ex[i].rk);
		cJSON_Delete(ex[i].item);
	}
	free(ex);
	tbl_free(t);
	return n < 0 ? -1 : done;
}

long
tables_ttl_sweep(sqlite3 *db, int64_t now_s, unsigned max)
{
	sqlite3_stmt *st;
	char **names = NULL;
	size_t n = 0, i;
	long total = 0, k;
	int rc;

	if (tbl_prepare(db, "SELECT name FROM tbls WHERE ttl IS NOT NULL "
	    "ORDER BY name", &st, NULL) != 0)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((names = realloc(names, (n + 1) * sizeof(*names))) == NULL ||
		    (names[n] = strdup((const char *)
		    sqlite3_column_text(st, 0))) == NULL)
			abort();
		n++;
	}
	store_stmt_done(st);
	if (rc != SQLITE_DONE)
		total = -1;
	/* Transaction tokens (ops_txn.c) are only honoured for 10 minutes
	 * (`at` is in ms); the sweep is where they are forgotten. */
	if (total == 0 && tbl_prepare(db, "DELETE FROM tokens WHERE at < ?1",
	    &st, NULL) == 0) {
		sqlite3_bind_int64(st, 1, (now_s - 600) * 1000);
		if (sqlite3_step(st) != SQLITE_DONE)
			total = -1;
		store_stmt_done(st);
	}
	for (i = 0; i < n; i++) {
		if (total >= 0 && (unsigned long)total < max) {
			k = ttl_sweep_table(db, names[i], now_s,
			    max - (unsigned)total);
			total = k < 0 ? -1 : total + k;
		}
		free(names[i]);
	}
	free(names);
	return total;
}

/* ---- statistics ------------------------------------------------------------ */

/* The key schema with each attribute's declared type:
 * [{"AttributeName", "KeyType", "AttributeType"}, ...], hash first. */
static cJSON *
stats_keys(const struct tbl *t)
{
	cJSON *arr = cJSON_CreateArray(), *o;
	int k;

	for (k = 0; k < 2; k++) {
		const char *n = k == 0 ? t->ks.hash : t->ks.range;

		if (n == NULL)
			continue;
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "AttributeName", n);
		cJSON_AddStringToObject(o, "KeyType", k == 0 ? "HASH" : "RANGE");
		cJSON_AddStringToObject(o, "AttributeType", ddb_type_name(
		    k == 0 ? t->ks.hash_type : t->ks.range_type));
		cJSON_AddItemToArray(arr, o);
	}
	return arr;
}

/* One table's entry: the catalog's view of it plus the counts. */
static cJSON *
stats_entry(sqlite3 *db, const char *name, sqlite3_int64 n,
    sqlite3_int64 bytes)
{
	struct tbl *t;
	cJSON *o = cJSON_CreateObject();
	size_t i, gsi = 0;

	cJSON_AddStringToObject(o, "TableName", name);
	/* As DescribeTable: every table is ACTIVE once its call returned. */
	cJSON_AddStringToObject(o, "TableStatus", "ACTIVE");
	cJSON_AddNumberToObject(o, "ItemCount", (double)n);
	cJSON_AddNumberToObject(o, "TableSizeBytes", (double)bytes);
	if (tbl_load(db, name, &t, NULL) != 0)
		return o;	/* a damaged catalog row: the counts still help */
	for (i = 0; i < t->nidx; i++)
		gsi += !t->idx[i].local;
	cJSON_AddItemToObject(o, "KeySchema", stats_keys(t));
	cJSON_AddNumberToObject(o, "GlobalSecondaryIndexCount", (double)gsi);
	cJSON_AddNumberToObject(o, "LocalSecondaryIndexCount",
	    (double)(t->nidx - gsi));
	tbl_free(t);
	return o;
}

cJSON *
tables_stats(sqlite3 *db)
{
	sqlite3_stmt *st;
	cJSON *arr;
	int rc;

	/* The counts DescribeTable gives (ops_table.c), exact: one range scan
	 * of each table's items. */
	if (tbl_prepare(db, "SELECT t.name, (SELECT count(*) FROM items i "
	    "WHERE i.tid = t.id), (SELECT coalesce(sum(size), 0) FROM items i "
	    "WHERE i.tid = t.id) FROM tbls t ORDER BY t.name", &st, NULL) != 0)
		return NULL;
	arr = cJSON_CreateArray();
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		cJSON_AddItemToArray(arr, stats_entry(db,
		    (const char *)sqlite3_column_text(st, 0),
		    sqlite3_column_int64(st, 1), sqlite3_column_int64(st, 2)));
	store_stmt_done(st);
	if (rc != SQLITE_DONE) {
		cJSON_Delete(arr);
		return NULL;
	}
	return arr;
}

/* ---- backup ---------------------------------------------------------------- */

/*
 * Copy the rows sel selects from src into dst with ins (same column
 * count); *n counts them.  The read side is the caller's snapshot (a read
 * transaction on a reader), so the copy is consistent without ATTACH,
 * which SQLite refuses inside a transaction.
 */
static int
copy_rows(sqlite3 *src, sqlite3 *dst, const char *sel, const char *ins,
    int64_t id, uint64_t *n, struct ddb_err *err)
{
	sqlite3_stmt *s, *d;
	int rc, i, ncol;

	*n = 0;
	if (tbl_prepare(src, sel, &s, err) != 0)
		return -1;
	if (tbl_prepare(dst, ins, &d, err) != 0) {
		store_stmt_done(s);
		return -1;
	}
	sqlite3_bind_int64(s, 1, id);
	ncol = sqlite3_column_count(s);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		for (i = 0; i < ncol; i++)
			sqlite3_bind_value(d, i + 1, sqlite3_column_value(s, i));
		if (sqlite3_step(d) != SQLITE_DONE)
			break;
		sqlite3_reset(d);
		(*n)++;
	}
	store_stmt_done(s);
	store_stmt_done(d);
	if (rc == SQLITE_DONE)
		return 0;
	return tbl_sql_fail(rc == SQLITE_ROW ? dst : src, err);
}

static int
backup_copy(sqlite3 *db, sqlite3 *out, const struct tbl *t, uint64_t *nitems,
    struct ddb_err *err)
{
	static const char *const q[][2] = {
		{ "SELECT name, id, descr, ttl FROM tbls WHERE id = ?1",
		  "INSERT INTO tbls VALUES(?1, ?2, ?3, ?4)" },
		{ "SELECT tid, name, iid FROM tidx WHERE tid = ?1",
		  "INSERT INTO tidx VALUES(?1, ?2, ?3)" },
		{ "SELECT tid, hk, rk, item, size, exp FROM items WHERE tid = ?1",
		  "INSERT INTO items VALUES(?1, ?2, ?3, ?4, ?5, ?6)" },
		{ "SELECT x.iid, x.hk, x.rk, x.thk, x.trk, x.item FROM idx x "
		  "JOIN tidx i ON i.iid = x.iid WHERE i.tid = ?1",
		  "INSERT INTO idx VALUES(?1, ?2, ?3, ?4, ?5, ?6)" },
		{ "SELECT tid, k, v FROM tags WHERE tid = ?1",
		  "INSERT INTO tags VALUES(?1, ?2, ?3)" },
	};
	uint64_t n;
	size_t i;

	for (i = 0; i < sizeof(q) / sizeof(q[0]); i++) {
		if (copy_rows(db, out, q[i][0], q[i][1], t->id, &n, err) != 0)
			return -1;
		if (i == 2 && nitems != NULL)
			*nitems = n;
	}
	/* Ids handed out later in the copy must not collide with these. */
	if (sqlite3_exec(out, "UPDATE meta SET v = 1 + (SELECT max(m) FROM "
	    "(SELECT max(id) AS m FROM tbls UNION ALL SELECT max(iid) FROM "
	    "tidx)) WHERE k = 'next_id'", NULL, NULL, NULL) != SQLITE_OK)
		return tbl_sql_fail(out, err);
	return 0;
}

/* Make path, which must not exist (O_EXCL: never an existing file, nor
 * through a symlink), mode 0600: the copy holds the table's data.  SQLite
 * takes an empty file for a new database. */
static int
backup_create(const char *path, struct ddb_err *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC |
	    O_NOFOLLOW, 0600);

	if (fd >= 0) {
		close(fd);
		return 0;
	}
	if (errno == EEXIST)
		return ddb_fail(err, DDB_VALIDATION, "%s already exists (a "
		    "backup never overwrites a file)", path);
	if (errno == EACCES || errno == EPERM || errno == EROFS)
		return ddb_fail(err, DDB_ACCESS_DENIED, "cannot create %s: %s "
		    "(the daemon writes it as uid %d)", path, strerror(errno),
		    (int)geteuid());
	return ddb_fail(err, DDB_VALIDATION, "cannot create %s: %s", path,
	    strerror(errno));
}

int
tables_backup(sqlite3 *db, const char *table, const char *path,
    uint64_t *nitems, struct ddb_err *err)
{
	struct tbl *t;
	sqlite3 *out = NULL;
	int rc = -1;

	if (tbl_load(db, table, &t, err) != 0)
		return -1;
	if (backup_create(path, err) != 0) {
		tbl_free(t);
		return -1;
	}
	if (sqlite3_open_v2(path, &out, SQLITE_OPEN_READWRITE, NULL) !=
	    SQLITE_OK) {
		tbl_sql_fail(out, err);
		goto done;
	}
	/* synchronous=FULL (the default) in rollback mode: COMMIT returns
	 * once the copy is on disk. */
	if (sqlite3_exec(out, "BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(out, tables_schema, NULL, NULL, NULL) != SQLITE_OK) {
		tbl_sql_fail(out, err);
		goto done;
	}
	if (backup_copy(db, out, t, nitems, err) != 0)
		goto done;
	if (sqlite3_exec(out, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		tbl_sql_fail(out, err);
		goto done;
	}
	rc = 0;
done:
	sqlite3_close(out);
	if (rc != 0)
		unlink(path);	/* ours: backup_create made it */
	tbl_free(t);
	return rc;
}
