/*
 * ops_bucket: the bucket-level operations of Buckets: ListBuckets,
 * CreateBucket, DeleteBucket, HeadBucket, GetBucketLocation, and the
 * admin's list with counts.  Each is one job on the store.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cJSON.h>

#include "store/store.h"

#include "bucket.h"
#include "bucket_int.h"

static int
list_buckets(sqlite3 *db, struct s3_job *j)
{
	sqlite3_stmt *st;
	char d[40];
	int rc;

	if (store_stmt(db, "SELECT name, ctime FROM buckets ORDER BY name",
	    &st) != SQLITE_OK) {
		store_stmt_done(st);
		s3_fail(j, S3E_INTERNAL, "SQLite: %s", sqlite3_errmsg(db));
		return -1;
	}
	s3_xml_open(j, "ListAllMyBucketsResult");
	buf_adds(&j->out, "<Owner><ID>lambdad</ID><DisplayName>lambdad"
	    "</DisplayName></Owner><Buckets>");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *n = (const char *)sqlite3_column_text(st, 0);

		if (!s3_allowed(j, n, false))
			continue;	/* a function sees its own only */
		s3_iso_date(sqlite3_column_int64(st, 1), d);
		buf_adds(&j->out, "<Bucket>");
		s3_xml_el(&j->out, "Name", n, strlen(n));
		s3_xml_el(&j->out, "CreationDate", d, strlen(d));
		buf_adds(&j->out, "</Bucket>");
	}
	store_stmt_done(st);
	buf_adds(&j->out, "</Buckets></ListAllMyBucketsResult>");
	return rc == SQLITE_DONE ? 0 : -1;
}

static int
create_bucket(sqlite3 *db, struct s3_job *j)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = s3_meta_bucket(db, j, j->rt.bucket)) <= 0) {
		if (rc == 0)
			s3_fail(j, S3E_BUCKET_OWNED, NULL);
		return -1;
	}
	if (store_stmt(db, "INSERT INTO buckets (name, ctime) VALUES (?1, ?2)",
	    &st) != SQLITE_OK) {
		store_stmt_done(st);
		return -1;
	}
	sqlite3_bind_text(st, 1, j->rt.bucket, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, s3_now_ms());
	rc = sqlite3_step(st);
	store_stmt_done(st);
	s3_hdr(j, "Location", "/%s", j->rt.bucket);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* 0 if bucket has no objects and no uploads, else -1 (j->err). */
static int
bucket_empty(sqlite3 *db, struct s3_job *j)
{
	sqlite3_stmt *st;
	int rc;

	if (store_stmt(db, "SELECT 1 FROM objects WHERE bucket = ?1 UNION ALL "
	    "SELECT 1 FROM uploads WHERE bucket = ?1 LIMIT 1", &st) !=
	    SQLITE_OK) {
		store_stmt_done(st);
		return -1;
	}
	sqlite3_bind_text(st, 1, j->rt.bucket, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	store_stmt_done(st);
	if (rc == SQLITE_ROW)
		s3_fail(j, S3E_BUCKET_NOT_EMPTY, NULL);
	return rc == SQLITE_DONE ? 0 : -1;
}

static int
delete_bucket(sqlite3 *db, struct s3_job *j)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = s3_meta_bucket(db, j, j->rt.bucket)) != 0) {
		if (rc > 0)
			s3_fail(j, S3E_NO_BUCKET, NULL);
		return -1;
	}
	if (bucket_empty(db, j) != 0)
		return -1;
	if (store_stmt(db, "DELETE FROM buckets WHERE name = ?1", &st) !=
	    SQLITE_OK) {
		store_stmt_done(st);
		return -1;
	}
	sqlite3_bind_text(st, 1, j->rt.bucket, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	store_stmt_done(st);
	j->status = 204;
	return rc == SQLITE_DONE ? 0 : -1;
}

static int
head_bucket(sqlite3 *db, struct s3_job *j)
{
	int rc = s3_meta_bucket(db, j, j->rt.bucket);

	if (rc > 0)
		s3_fail(j, S3E_NO_BUCKET, NULL);
	if (rc != 0)
		return -1;
	s3_hdr(j, "x-amz-bucket-region", S3_REGION);
	if (j->rt.op == S3_GET_LOCATION) {
		s3_xml_open(j, "LocationConstraint");
		buf_adds(&j->out, "</LocationConstraint>");
	}
	return 0;
}

void
s3_op_bucket(struct s3_job *j)
{
	switch (j->rt.op) {
	case S3_LIST_BUCKETS:
		s3_job_read(j, list_buckets, s3_job_reply);
		break;
	case S3_CREATE_BUCKET:
		if (!s3_bucket_name_ok(j->rt.bucket, strlen(j->rt.bucket))) {
			s3_fail(j, S3E_BUCKET_NAME, NULL);
			s3_job_reply(j);
			return;
		}
		s3_job_write(j, create_bucket, s3_job_reply);
		break;
	case S3_DELETE_BUCKET:
		s3_job_write(j, delete_bucket, s3_job_reply);
		break;
	default:
		s3_job_read(j, head_bucket, s3_job_reply);
		break;
	}
}

/* ---- the admin's list ------------------------------------------------------ */

struct stats_job {
	buckets_cb	 cb;
	void		*arg;
	cJSON		*res;
};

static int
stats_run(sqlite3 *db, void *arg)
{
	struct stats_job *s = arg;
	sqlite3_stmt *st;
	char d[40];
	int rc;

	if (store_stmt(db, "SELECT name, nobjects, nbytes, ctime FROM buckets "
	    "ORDER BY name", &st) != SQLITE_OK) {
		store_stmt_done(st);
		return -1;
	}
	s->res = cJSON_CreateArray();
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "name",
		    (const char *)sqlite3_column_text(st, 0));
		cJSON_AddNumberToObject(o, "objects",
		    (double)sqlite3_column_int64(st, 1));
		cJSON_AddNumberToObject(o, "bytes",
		    (double)sqlite3_column_int64(st, 2));
		s3_iso_date(sqlite3_column_int64(st, 3), d);
		cJSON_AddStringToObject(o, "created", d);
		cJSON_AddItemToArray(s->res, o);
	}
	store_stmt_done(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

static void
stats_done(void *arg, int rc)
{
	struct stats_job *s = arg;

	if (rc != 0) {
		cJSON_Delete(s->res);
		s->cb(s->arg, 500, NULL, "the buckets could not be read");
	} else
		s->cb(s->arg, 200, s->res, NULL);
	free(s);
}

void
buckets_stats(struct buckets *b, buckets_cb cb, void *arg)
{
	struct stats_job *s;

	if (b == NULL || b->store == NULL || b->closing) {
		cb(arg, 503, NULL, "Buckets are not open: s3_listen is not "
		    "set");
		return;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL)
		abort();
	s->cb = cb;
	s->arg = arg;
	if (store_read(b->store, stats_run, stats_done, s) != 0) {
		free(s);
		cb(arg, 503, NULL, "Buckets are closing");
	}
}
