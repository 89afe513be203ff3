/*
 * engine_maint: the engine's work that no request asks for: the TTL sweep
 * (expired items and their index entries, in batches, plus forgotten
 * transaction tokens), the per-table statistics for `lambdactl tables` and
 * the metrics, and a consistent copy of one table into a new file.  See
 * engine.h.
 */
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
	sqlite3_finalize(st);
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
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		total = -1;
	/* Transaction tokens (ops_txn.c) are only honoured for 10 minutes
	 * (`at` is in ms); the sweep is where they are forgotten. */
	if (total == 0 && tbl_prepare(db, "DELETE FROM tokens WHERE at < ?1",
	    &st, NULL) == 0) {
		sqlite3_bind_int64(st, 1, (now_s - 600) * 1000);
		if (sqlite3_step(st) != SQLITE_DONE)
			total = -1;
		sqlite3_finalize(st);
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

cJSON *
tables_stats(sqlite3 *db)
{
	sqlite3_stmt *st;
	cJSON *arr, *o;
	int rc;

	if (tbl_prepare(db, "SELECT t.name, (SELECT count(*) FROM items i "
	    "WHERE i.tid = t.id), (SELECT coalesce(sum(size), 0) FROM items i "
	    "WHERE i.tid = t.id) FROM tbls t ORDER BY t.name", &st, NULL) != 0)
		return NULL;
	arr = cJSON_CreateArray();
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "TableName",
		    (const char *)sqlite3_column_text(st, 0));
		cJSON_AddNumberToObject(o, "ItemCount",
		    (double)sqlite3_column_int64(st, 1));
		cJSON_AddNumberToObject(o, "TableSizeBytes",
		    (double)sqlite3_column_int64(st, 2));
		cJSON_AddItemToArray(arr, o);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		cJSON_Delete(arr);
		return NULL;
	}
	return arr;
}

/* ---- backup ---------------------------------------------------------------- */

/*
 * Copy the rows sel selects from src into dst with ins (same column
 * count).  The read side is the caller's snapshot (a read transaction on
 * a reader), so the copy is consistent without ATTACH, which SQLite
 * refuses inside a transaction.
 */
static int
copy_rows(sqlite3 *src, sqlite3 *dst, const char *sel, const char *ins,
    int64_t id, struct ddb_err *err)
{
	sqlite3_stmt *s, *d;
	int rc, i, n;

	if (tbl_prepare(src, sel, &s, err) != 0)
		return -1;
	if (tbl_prepare(dst, ins, &d, err) != 0) {
		sqlite3_finalize(s);
		return -1;
	}
	sqlite3_bind_int64(s, 1, id);
	n = sqlite3_column_count(s);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		for (i = 0; i < n; i++)
			sqlite3_bind_value(d, i + 1, sqlite3_column_value(s, i));
		if (sqlite3_step(d) != SQLITE_DONE)
			break;
		sqlite3_reset(d);
	}
	sqlite3_finalize(s);
	sqlite3_finalize(d);
	if (rc == SQLITE_DONE)
		return 0;
	return tbl_sql_fail(rc == SQLITE_ROW ? dst : src, err);
}

static int
backup_copy(sqlite3 *db, sqlite3 *out, const struct tbl *t,
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
	size_t i;

	for (i = 0; i < sizeof(q) / sizeof(q[0]); i++)
		if (copy_rows(db, out, q[i][0], q[i][1], t->id, err) != 0)
			return -1;
	/* Ids handed out later in the copy must not collide with these. */
	if (sqlite3_exec(out, "UPDATE meta SET v = 1 + (SELECT max(m) FROM "
	    "(SELECT max(id) AS m FROM tbls UNION ALL SELECT max(iid) FROM "
	    "tidx)) WHERE k = 'next_id'", NULL, NULL, NULL) != SQLITE_OK)
		return tbl_sql_fail(out, err);
	return 0;
}

int
tables_backup(sqlite3 *db, const char *table, const char *path,
    struct ddb_err *err)
{
	struct tbl *t;
	sqlite3 *out = NULL;
	int rc = -1;

	if (tbl_load(db, table, &t, err) != 0)
		return -1;
	if (access(path, F_OK) == 0) {
		ddb_fail(err, DDB_VALIDATION, "Backup file %s already exists",
		    path);
		goto done;
	}
	if (sqlite3_open_v2(path, &out, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
		tbl_sql_fail(out, err);
		goto done;
	}
	if (sqlite3_exec(out, "BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(out, tables_schema, NULL, NULL, NULL) != SQLITE_OK) {
		tbl_sql_fail(out, err);
		goto done;
	}
	if (backup_copy(db, out, t, err) != 0)
		goto done;
	if (sqlite3_exec(out, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		tbl_sql_fail(out, err);
		goto done;
	}
	rc = 0;
done:
	sqlite3_close(out);
	if (rc != 0 && out != NULL)
		unlink(path);
	tbl_free(t);
	return rc;
}
