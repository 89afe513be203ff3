/*
 * meta: Buckets' metadata in SQLite (buckets.db), used only from the
 * store's threads.  Keys compare as bytes (BINARY), which is S3's order
 * (UTF-8 code units), so a listing is an index range scan.
 *
 * Every object row names its data file; a new version is a new file, and
 * the replaced one is removed only once the change is durable.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "store/store.h"

#include "bucket_int.h"

const char s3_schema[] =
    "CREATE TABLE IF NOT EXISTS buckets ("
    " name TEXT PRIMARY KEY, ctime INTEGER NOT NULL,"
    " nobjects INTEGER NOT NULL DEFAULT 0,"
    " nbytes INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS objects ("
    " bucket TEXT NOT NULL, key TEXT NOT NULL, size INTEGER NOT NULL,"
    " etag TEXT NOT NULL, mtime INTEGER NOT NULL, file TEXT NOT NULL,"
    " ctype TEXT NOT NULL, meta TEXT NOT NULL, tags TEXT NOT NULL,"
    " PRIMARY KEY (bucket, key)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS uploads ("
    " id TEXT PRIMARY KEY, bucket TEXT NOT NULL, key TEXT NOT NULL,"
    " ctime INTEGER NOT NULL, ctype TEXT NOT NULL, meta TEXT NOT NULL,"
    " tags TEXT NOT NULL) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS uploads_key ON uploads (bucket, key, id);"
    "CREATE INDEX IF NOT EXISTS objects_etag ON objects (etag);"
    "CREATE TABLE IF NOT EXISTS parts ("
    " upload TEXT NOT NULL, num INTEGER NOT NULL, size INTEGER NOT NULL,"
    " etag TEXT NOT NULL, file TEXT NOT NULL, mtime INTEGER NOT NULL,"
    " PRIMARY KEY (upload, num)) WITHOUT ROWID;";

void
s3_obj_init(struct s3_obj *o)
{
	memset(o, 0, sizeof(*o));
	buf_init(&o->ctype);
	buf_init(&o->meta);
	buf_init(&o->tags);
}

void
s3_obj_free(struct s3_obj *o)
{
	buf_free(&o->ctype);
	buf_free(&o->meta);
	buf_free(&o->tags);
}

static int
meta_err(sqlite3 *db, struct s3_job *j)
{
	s3_fail(j, S3E_INTERNAL, "SQLite: %s", sqlite3_errmsg(db));
	return -1;
}

static void
col_buf(sqlite3_stmt *st, int i, struct buf *b)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	buf_reset(b);
	buf_add(b, t != NULL ? (const char *)t : "",
	    (size_t)sqlite3_column_bytes(st, i));
	buf_addc(b, '\0');
	b->len--;
}

static void
col_str(sqlite3_stmt *st, int i, char *out, size_t n)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	snprintf(out, n, "%s", t != NULL ? (const char *)t : "");
}

int
s3_meta_bucket(sqlite3 *db, struct s3_job *j, const char *bucket)
{
	sqlite3_stmt *st;
	int rc;

	if (store_stmt(db, "SELECT 1 FROM buckets WHERE name = ?1", &st) !=
	    SQLITE_OK) {
		store_stmt_done(st);
		return meta_err(db, j);
	}
	sqlite3_bind_text(st, 1, bucket, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	store_stmt_done(st);
	if (rc == SQLITE_ROW)
		return 0;
	return rc == SQLITE_DONE ? 1 : meta_err(db, j);
}

int
s3_meta_get(sqlite3 *db, struct s3_job *j, const char *bucket,
    const char *key, struct s3_obj *o)
{
	sqlite3_stmt *st;
	int rc;

	if (store_stmt(db, "SELECT size, etag, mtime, file, ctype, meta, tags "
	    "FROM objects WHERE bucket = ?1 AND key = ?2", &st) != SQLITE_OK) {
		store_stmt_done(st);
		return meta_err(db, j);
	}
	sqlite3_bind_text(st, 1, bucket, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		o->size = sqlite3_column_int64(st, 0);
		col_str(st, 1, o->etag, sizeof(o->etag));
		o->mtime = sqlite3_column_int64(st, 2);
		col_str(st, 3, o->file, sizeof(o->file));
		col_buf(st, 4, &o->ctype);
		col_buf(st, 5, &o->meta);
		col_buf(st, 6, &o->tags);
	}
	store_stmt_done(st);
	if (rc == SQLITE_ROW)
		return 0;
	return rc == SQLITE_DONE ? 1 : meta_err(db, j);
}

/* Move bucket's counts by dn objects and db bytes. */
static int
meta_count(sqlite3 *db, struct s3_job *j, const char *bucket, int64_t dn,
    int64_t dbytes)
{
	sqlite3_stmt *st;
	int rc;

	if (store_stmt(db, "UPDATE buckets SET nobjects = nobjects + ?2, "
	    "nbytes = nbytes + ?3 WHERE name = ?1", &st) != SQLITE_OK) {
		store_stmt_done(st);
		return meta_err(db, j);
	}
	sqlite3_bind_text(st, 1, bucket, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, dn);
	sqlite3_bind_int64(st, 3, dbytes);
	rc = sqlite3_step(st);
	store_stmt_done(st);
	return rc == SQLITE_DONE ? 0 : meta_err(db, j);
}

int
s3_meta_quota(sqlite3 *db, struct s3_job *j, int64_t add)
{
	sqlite3_stmt *st;
	int64_t total = 0;
	int rc;

	if (j->b->max_bytes == 0 || add <= 0)
		return 0;
	if (store_stmt(db, "SELECT coalesce(sum(nbytes), 0) FROM buckets",
	    &st) != SQLITE_OK) {
		store_stmt_done(st);
		return meta_err(db, j);
	}
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		total = sqlite3_column_int64(st, 0);
	store_stmt_done(st);
	if (rc != SQLITE_ROW)
		return meta_err(db, j);
	if ((uint64_t)(total + add) > j->b->max_bytes) {
		s3_fail(j, S3E_QUOTA, "The store is full: %lld bytes stored, "
		    "buckets_max_bytes is %llu", (long long)total,
		    (unsigned long long)j->b->max_bytes);
		return -1;
	}
	return 0;
}

/*
 * The object with etag is gone or replaced: unless another object has
 * the same bytes, its sites' compressed copies (site.c) go too, once
 * durable.  A copy made again meanwhile is only made once more.
 */
static int
meta_site_copies(sqlite3 *db, struct s3_job *j, const char *etag)
{
	sqlite3_stmt *st;
	char rel[160];
	int rc;

	if (store_stmt(db, "SELECT 1 FROM objects WHERE etag = ?1 LIMIT 1",
	    &st) != SQLITE_OK) {
		store_stmt_done(st);
		return meta_err(db, j);
	}
	sqlite3_bind_text(st, 1, etag, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	store_stmt_done(st);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc != SQLITE_DONE)
		return meta_err(db, j);
	snprintf(rel, sizeof(rel), "site/%s.br", etag);
	buf_add(&j->unlink, rel, strlen(rel) + 1);
	snprintf(rel, sizeof(rel), "site/%s.gz", etag);
	buf_add(&j->unlink, rel, strlen(rel) + 1);
	return 0;
}

int
s3_meta_put(sqlite3 *db, struct s3_job *j, const char *bucket,
    const char *key, const struct s3_obj *o)
{
	struct s3_obj old;
	sqlite3_stmt *st;
	int rc, had;

	s3_obj_init(&old);
	if ((had = s3_meta_get(db, j, bucket, key, &old)) < 0 ||
	    s3_meta_quota(db, j, o->size - (had == 0 ? old.size : 0)) != 0) {
		s3_obj_free(&old);
		return -1;
	}
	if (store_stmt(db, "INSERT OR REPLACE INTO objects (bucket, key, size,"
	    " etag, mtime, file, ctype, meta, tags) VALUES (?1, ?2, ?3, ?4, "
	    "?5, ?6, ?7, ?8, ?9)", &st) != SQLITE_OK) {
		store_stmt_done(st);
		s3_obj_free(&old);
		return meta_err(db, j);
	}
	sqlite3_bind_text(st, 1, bucket, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, o->size);
	sqlite3_bind_text(st, 4, o->etag, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, o->mtime);
	sqlite3_bind_text(st, 6, o->file, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, o->ctype.data != NULL ? o->ctype.data :
	    "binary/octet-stream", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, o->meta.data != NULL ? o->meta.data : "", -1,
	    SQLITE_STATIC);
	sqlite3_bind_text(st, 9, o->tags.data != NULL ? o->tags.data : "", -1,
	    SQLITE_STATIC);
	rc = sqlite3_step(st);
	store_stmt_done(st);
	if (rc != SQLITE_DONE) {
		s3_obj_free(&old);
		return meta_err(db, j);
	}
	if (had == 0 && strcmp(old.file, o->file) != 0)
		buf_add(&j->unlink, old.file, strlen(old.file) + 1);
	if (had == 0 && strcmp(old.etag, o->etag) != 0 &&
	    meta_site_copies(db, j, old.etag) != 0) {
		s3_obj_free(&old);
		return -1;
	}
	rc = meta_count(db, j, bucket, had == 0 ? 0 : 1,
	    o->size - (had == 0 ? old.size : 0));
	s3_obj_free(&old);
	return rc;
}

int
s3_meta_del(sqlite3 *db, struct s3_job *j, const char *bucket,
    const char *key)
{
	struct s3_obj old;
	sqlite3_stmt *st;
	int rc, had;

	s3_obj_init(&old);
	if ((had = s3_meta_get(db, j, bucket, key, &old)) != 0) {
		s3_obj_free(&old);
		return had;
	}
	if (store_stmt(db, "DELETE FROM objects WHERE bucket = ?1 AND "
	    "key = ?2", &st) != SQLITE_OK) {
		store_stmt_done(st);
		s3_obj_free(&old);
		return meta_err(db, j);
	}
	sqlite3_bind_text(st, 1, bucket, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	store_stmt_done(st);
	if (rc != SQLITE_DONE) {
		s3_obj_free(&old);
		return meta_err(db, j);
	}
	buf_add(&j->unlink, old.file, strlen(old.file) + 1);
	if (meta_site_copies(db, j, old.etag) != 0) {
		s3_obj_free(&old);
		return -1;
	}
	rc = meta_count(db, j, bucket, -1, -old.size);
	s3_obj_free(&old);
	return rc;
}
