/*
 * ops_upload: multipart uploads: CreateMultipartUpload, UploadPart,
 * CompleteMultipartUpload, AbortMultipartUpload, ListParts (UploadPartCopy
 * is partcopy.c).
 *
 * A part is a data file of its own and a row of parts.  Complete checks
 * the list against the rows (a reader), concatenates the files into the
 * object's new file (the threadpool), then in one write makes the object
 * row and drops the upload's; the part files go once that is durable.
 * The ETag is S3's: the MD5 of the parts' binary MD5s, then "-N".
 * Complete is answered once its on_object events are queued (notify.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http.h"
#include "store/store.h"

#include "bucket_int.h"
#include "notify.h"

static int
sql_fail(sqlite3 *db, struct s3_job *j)
{
	s3_fail(j, S3E_INTERNAL, "SQLite: %s", sqlite3_errmsg(db));
	return -1;
}

/* The upload j names, for j's bucket and key; its metadata into o (may
 * be NULL).  0, or -1 with NoSuchUpload. */
int
s3_upload_find(sqlite3 *db, struct s3_job *j, struct s3_obj *o)
{
	sqlite3_stmt *st;
	int rc;

	if (store_stmt(db, "SELECT ctype, meta, tags FROM uploads WHERE id = ?1 "
	    "AND bucket = ?2 AND key = ?3", &st) != SQLITE_OK) {
		store_stmt_done(st);
		return sql_fail(db, j);
	}
	sqlite3_bind_text(st, 1, j->upload, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, j->rt.bucket, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, j->rt.key, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW && o != NULL) {
		buf_reset(&o->ctype);
		buf_adds(&o->ctype, (const char *)sqlite3_column_text(st, 0));
		buf_reset(&o->meta);
		buf_adds(&o->meta, (const char *)sqlite3_column_text(st, 1));
		buf_reset(&o->tags);
		buf_adds(&o->tags, (const char *)sqlite3_column_text(st, 2));
	}
	store_stmt_done(st);
	if (rc == SQLITE_DONE)
		s3_fail(j, S3E_NO_UPLOAD, NULL);
	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? -1 : sql_fail(db, j);
}

/* ---- Create ---------------------------------------------------------------- */

static int
create_run(sqlite3 *db, struct s3_job *j)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = s3_meta_bucket(db, j, j->rt.bucket)) != 0) {
		if (rc > 0)
			s3_fail(j, S3E_NO_BUCKET, NULL);
		return -1;
	}
	s3_random_hex(j->upload, 16);
	if (store_stmt(db, "INSERT INTO uploads (id, bucket, key, ctime, ctype,"
	    " meta, tags) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", &st) !=
	    SQLITE_OK) {
		store_stmt_done(st);
		return sql_fail(db, j);
	}
	sqlite3_bind_text(st, 1, j->upload, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, j->rt.bucket, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, j->rt.key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, s3_now_ms());
	sqlite3_bind_text(st, 5, j->obj.ctype.data, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, j->obj.meta.data != NULL ? j->obj.meta.data :
	    "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, j->obj.tags.data != NULL ? j->obj.tags.data :
	    "", -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	store_stmt_done(st);
	if (rc != SQLITE_DONE)
		return sql_fail(db, j);
	s3_xml_open(j, "InitiateMultipartUploadResult");
	s3_xml_el(&j->out, "Bucket", j->rt.bucket, strlen(j->rt.bucket));
	s3_xml_el(&j->out, "Key", j->rt.key, strlen(j->rt.key));
	s3_xml_el(&j->out, "UploadId", j->upload, strlen(j->upload));
	buf_adds(&j->out, "</InitiateMultipartUploadResult>");
	return 0;
}

/* ---- UploadPart ------------------------------------------------------------ */

int
s3_part_run(sqlite3 *db, struct s3_job *j)
{
	sqlite3_stmt *st;
	int rc;

	if (s3_upload_find(db, j, NULL) != 0)
		return -1;
	if (store_stmt(db, "SELECT file FROM parts WHERE upload = ?1 AND "
	    "num = ?2", &st) != SQLITE_OK) {
		store_stmt_done(st);
		return sql_fail(db, j);
	}
	sqlite3_bind_text(st, 1, j->upload, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, j->part);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		buf_add(&j->unlink, sqlite3_column_text(st, 0),
		    (size_t)sqlite3_column_bytes(st, 0) + 1);
	store_stmt_done(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return sql_fail(db, j);
	if (s3_meta_quota(db, j, j->obj.size) != 0)
		return -1;
	if (store_stmt(db, "INSERT OR REPLACE INTO parts (upload, num, size, "
	    "etag, file, mtime) VALUES (?1, ?2, ?3, ?4, ?5, ?6)", &st) !=
	    SQLITE_OK) {
		store_stmt_done(st);
		return sql_fail(db, j);
	}
	sqlite3_bind_text(st, 1, j->upload, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, j->part);
	sqlite3_bind_int64(st, 3, j->obj.size);
	sqlite3_bind_text(st, 4, j->obj.etag, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, j->obj.file, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, j->obj.mtime);
	rc = sqlite3_step(st);
	store_stmt_done(st);
	return rc == SQLITE_DONE ? 0 : sql_fail(db, j);
}

static void
part_commit(struct s3_job *j)
{
	s3_job_write(j, s3_part_run, s3_put_done);
}

/* ---- Complete -------------------------------------------------------------- */

static int
hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ?
	    c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Check each listed part (j->list: "NUM\0ETAG\0"...) against its row:
 * their files into j->tmp, their binary MD5s into j->aux. */
static int
plan_run(sqlite3 *db, struct s3_job *j)
{
	const char *p, *end = j->list.data + j->list.len, *etag;
	sqlite3_stmt *st;
	int rc, num, n = 0, i;
	int64_t size;

	if (s3_upload_find(db, j, NULL) != 0)
		return -1;
	for (p = j->list.data; p < end; p = etag + strlen(etag) + 1) {
		num = atoi(p);
		etag = p + strlen(p) + 1;
		if (store_stmt(db, "SELECT size, etag, file FROM parts WHERE "
		    "upload = ?1 AND num = ?2", &st) != SQLITE_OK) {
			store_stmt_done(st);
			return sql_fail(db, j);
		}
		sqlite3_bind_text(st, 1, j->upload, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 2, num);
		if ((rc = sqlite3_step(st)) != SQLITE_ROW ||
		    strcmp((const char *)sqlite3_column_text(st, 1), etag) != 0) {
			store_stmt_done(st);
			if (rc != SQLITE_ROW && rc != SQLITE_DONE)
				return sql_fail(db, j);
			s3_fail(j, S3E_INVALID_PART, "One or more of the "
			    "specified parts could not be found: part %d", num);
			return -1;
		}
		size = sqlite3_column_int64(st, 0);
		buf_add(&j->tmp, sqlite3_column_text(st, 2),
		    (size_t)sqlite3_column_bytes(st, 2) + 1);
		store_stmt_done(st);
		for (i = 0; i < 32; i += 2)
			buf_addc(&j->aux, (char)(hexval(etag[i]) << 4 |
			    hexval(etag[i + 1])));
		n++;
		if (etag + strlen(etag) + 1 < end && size < S3_PART_MIN) {
			s3_fail(j, S3E_TOO_SMALL, "Your proposed upload is "
			    "smaller than the minimum allowed size: part %d is "
			    "%lld bytes (5 MiB at least but for the last)", num,
			    (long long)size);
			return -1;
		}
		j->obj.size += size;
	}
	j->part = n;
	return 0;
}

static void
concat_work(struct s3_job *j)
{
	int rc;

	if ((rc = s3_file_concat(j->b->dir, &j->tmp, j->obj.file)) != 0) {
		s3_fail(j, S3E_INTERNAL, "The parts could not be joined: %s",
		    strerror(-rc));
		return;
	}
	snprintf(j->newfile, sizeof(j->newfile), "%s", j->obj.file);
	s3_md5_hex(j->aux.data, j->aux.len, j->obj.etag);
	snprintf(j->obj.etag + 32, sizeof(j->obj.etag) - 32, "-%d", j->part);
	j->obj.mtime = s3_now_ms();
}

/* Every part of the upload to j->unlink, then the rows gone. */
static int
upload_drop(sqlite3 *db, struct s3_job *j)
{
	sqlite3_stmt *st;
	int rc;

	if (store_stmt(db, "DELETE FROM parts WHERE upload = ?1 RETURNING file",
	    &st) != SQLITE_OK) {
		store_stmt_done(st);
		return sql_fail(db, j);
	}
	sqlite3_bind_text(st, 1, j->upload, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		buf_add(&j->unlink, sqlite3_column_text(st, 0),
		    (size_t)sqlite3_column_bytes(st, 0) + 1);
	store_stmt_done(st);
	if (rc != SQLITE_DONE)
		return sql_fail(db, j);
	if (store_stmt(db, "DELETE FROM uploads WHERE id = ?1", &st) !=
	    SQLITE_OK) {
		store_stmt_done(st);
		return sql_fail(db, j);
	}
	sqlite3_bind_text(st, 1, j->upload, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	store_stmt_done(st);
	return rc == SQLITE_DONE ? 0 : sql_fail(db, j);
}

static int
complete_run(sqlite3 *db, struct s3_job *j)
{
	/* An abort or another Complete may have come first. */
	if (s3_upload_find(db, j, &j->obj) != 0 || upload_drop(db, j) != 0 ||
	    s3_meta_put(db, j, j->rt.bucket, j->rt.key, &j->obj) != 0)
		return -1;
	s3_xml_open(j, "CompleteMultipartUploadResult");
	buf_printf(&j->out, "<Location>/%s/", j->rt.bucket);
	s3_xml_esc(&j->out, j->rt.key, strlen(j->rt.key));
	buf_adds(&j->out, "</Location>");
	s3_xml_el(&j->out, "Bucket", j->rt.bucket, strlen(j->rt.bucket));
	s3_xml_el(&j->out, "Key", j->rt.key, strlen(j->rt.key));
	buf_printf(&j->out, "<ETag>&quot;%s&quot;</ETag>"
	    "</CompleteMultipartUploadResult>", j->obj.etag);
	return 0;
}

static void
complete_notify(struct s3_job *j)
{
	s3_notify(j, S3N_CMU, s3_job_reply);
}

static void
complete_commit(struct s3_job *j)
{
	s3_job_write(j, complete_run, complete_notify);
}

static void
complete_join(struct s3_job *j)
{
	s3_job_work(j, concat_work, complete_commit);
}

/* <CompleteMultipartUpload><Part><PartNumber>N</PartNumber><ETag>"E"</ETag>
 * </Part>... in ascending order. */
static int
complete_parse(struct s3_job *j)
{
	const char *p = j->body, *end = j->body + j->body_len, *q, *e;
	struct buf part, v;
	int last = 0, num, n = 0;
	char *x;

	buf_init(&part), buf_init(&v);
	while (s3_xml_next(&p, end, "Part", &part) == 0) {
		q = part.data;
		if (s3_xml_next(&q, part.data + part.len, "PartNumber", &v) !=
		    0 || (num = (int)strtol(v.data, &x, 10)) < 1 || *x != '\0' ||
		    num > S3_PARTS_MAX)
			goto bad;
		if (num <= last) {
			s3_fail(j, S3E_PART_ORDER, NULL);
			goto out;
		}
		last = num;
		q = part.data;
		if (s3_xml_next(&q, part.data + part.len, "ETag", &v) != 0)
			goto bad;
		q = v.data, e = v.data + v.len;
		if (e - q >= 2 && *q == '"' && e[-1] == '"')
			q++, e--;
		if (e - q != 32) {
			s3_fail(j, S3E_INVALID_PART, NULL);
			goto out;
		}
		buf_printf(&j->list, "%d", num);
		buf_addc(&j->list, '\0');
		buf_add(&j->list, q, 32);
		buf_addc(&j->list, '\0');
		n++;
	}
	if (n == 0)
		goto bad;
	buf_free(&part), buf_free(&v);
	return 0;
bad:
	s3_fail(j, S3E_MALFORMED_XML, NULL);
out:
	buf_free(&part), buf_free(&v);
	return -1;
}

/* ---- Abort ------------------------------------------------------- */

static int
abort_run(sqlite3 *db, struct s3_job *j)
{
	if (s3_upload_find(db, j, NULL) != 0 || upload_drop(db, j) != 0)
		return -1;
	j->status = 204;
	return 0;
}

/* ---- dispatch ---------------------------------------------------------------- */

void
s3_op_upload(struct s3_job *j)
{
	struct buf v;
	char *e;

	if (strlen(j->rt.key) > S3_KEY_MAX || !s3_key_ok(j->rt.key,
	    strlen(j->rt.key))) {
		s3_fail(j, S3E_KEY_TOO_LONG, NULL);
		s3_job_reply(j);
		return;
	}
	buf_init(&v);
	if (j->rt.op != S3_CREATE_UPLOAD) {
		(void)s3_query_get(j->req->query, j->req->query_len,
		    "uploadId", &v);
		snprintf(j->upload, sizeof(j->upload), "%s",
		    v.data != NULL ? v.data : "");
	}
	if (j->rt.op == S3_UPLOAD_PART || j->rt.op == S3_UPLOAD_PART_COPY) {
		(void)s3_query_get(j->req->query, j->req->query_len,
		    "partNumber", &v);
		j->part = (int)strtol(v.data != NULL ? v.data : "", &e, 10);
		if (v.len == 0 || *e != '\0' || j->part < 1 ||
		    j->part > S3_PARTS_MAX) {
			buf_free(&v);
			s3_fail(j, S3E_ARGUMENT, "Part number must be an integer "
			    "between 1 and 10000, inclusive");
			s3_job_reply(j);
			return;
		}
	}
	buf_free(&v);
	switch (j->rt.op) {
	case S3_CREATE_UPLOAD:
		s3_obj_from_req(j, &j->obj);
		s3_job_write(j, create_run, s3_job_reply);
		break;
	case S3_UPLOAD_PART:
		s3_job_work(j, s3_body_work, part_commit);
		break;
	case S3_UPLOAD_PART_COPY:
		s3_op_part_copy(j);
		break;
	case S3_COMPLETE_UPLOAD:
		if (s3_small_body(j) != 0)
			return;
		if (complete_parse(j) != 0) {
			s3_job_reply(j);
			return;
		}
		s3_job_read(j, plan_run, complete_join);
		break;
	case S3_ABORT_UPLOAD:
		s3_job_write(j, abort_run, s3_job_reply);
		break;
	default:
		s3_op_list_parts(j);
		break;
	}
}
