/*
 * ops_mplist: the two listings of multipart uploads, each one read job.
 *
 * ListParts pages by part number: max-parts (1000 at most, the default)
 * after part-number-marker; NextPartNumberMarker is the last part listed.
 *
 * ListMultipartUploads scans (bucket, key, id) from key-marker (and
 * upload-id-marker within that key), folding keys into CommonPrefixes
 * with a delimiter (s3_list_step), max-uploads entries a page;
 * NextKeyMarker and NextUploadIdMarker name the last one.  Uploads of one
 * key come in upload id order (S3 gives them in initiation order).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "store/store.h"

#include "bucket_int.h"

#define MP_MAX	1000	/* max-parts, max-uploads at most */

static int
sql_fail(sqlite3 *db, struct s3_job *j)
{
	s3_fail(j, S3E_INTERNAL, "SQLite: %s", sqlite3_errmsg(db));
	return -1;
}

/* Query parameter name as an integer from 0 into *v (def when absent,
 * capped at cap).  0, or -1 with InvalidArgument. */
static int
query_uint(struct s3_job *j, const char *name, unsigned long def,
    unsigned long cap, unsigned long *v)
{
	struct buf t;
	char *e;
	int rc = 0;

	buf_init(&t);
	*v = def;
	if (s3_query_get(j->req->query, j->req->query_len, name, &t) == 0) {
		*v = strtoul(t.data != NULL ? t.data : "", &e, 10);
		if (t.len == 0 || *e != '\0' || t.data[0] == '-' ||
		    t.data[0] == '+' || t.data[0] == ' ' || t.len > 9) {
			s3_fail(j, S3E_ARGUMENT, "%s must be an integer from 0 "
			    "(it is \"%.64s\")", name, t.data != NULL ?
			    t.data : "");
			rc = -1;
		} else if (*v > cap)
			*v = cap;
	}
	buf_free(&t);
	return rc;
}

/* ---- ListParts -------------------------------------------------------------- */

static int
parts_run(sqlite3 *db, struct s3_job *j)
{
	unsigned long max, marker;
	sqlite3_stmt *st;
	unsigned long n = 0;
	int rc, last = 0;
	bool more = false;
	struct buf parts;
	char d[40];

	if (query_uint(j, "max-parts", MP_MAX, MP_MAX, &max) != 0 ||
	    query_uint(j, "part-number-marker", 0, S3_PARTS_MAX, &marker) != 0)
		return -1;
	if (s3_upload_find(db, j, NULL) != 0)
		return -1;
	if (store_stmt(db, "SELECT num, size, etag, mtime FROM parts WHERE "
	    "upload = ?1 AND num > ?2 ORDER BY num LIMIT ?3", &st) !=
	    SQLITE_OK) {
		store_stmt_done(st);
		return sql_fail(db, j);
	}
	sqlite3_bind_text(st, 1, j->upload, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)marker);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)max + 1);
	buf_init(&parts);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == max) {
			more = true;
			continue;
		}
		n++;
		last = sqlite3_column_int(st, 0);
		s3_iso_date(sqlite3_column_int64(st, 3), d);
		buf_printf(&parts, "<Part><PartNumber>%d</PartNumber>"
		    "<LastModified>%s</LastModified><ETag>&quot;%s&quot;</ETag>"
		    "<Size>%lld</Size></Part>", last, d,
		    (const char *)sqlite3_column_text(st, 2),
		    (long long)sqlite3_column_int64(st, 1));
	}
	store_stmt_done(st);
	if (rc != SQLITE_DONE) {
		buf_free(&parts);
		return sql_fail(db, j);
	}
	s3_xml_open(j, "ListPartsResult");
	s3_xml_el(&j->out, "Bucket", j->rt.bucket, strlen(j->rt.bucket));
	s3_xml_el(&j->out, "Key", j->rt.key, strlen(j->rt.key));
	s3_xml_el(&j->out, "UploadId", j->upload, strlen(j->upload));
	buf_printf(&j->out, "<PartNumberMarker>%lu</PartNumberMarker>"
	    "<NextPartNumberMarker>%lu</NextPartNumberMarker><MaxParts>%lu"
	    "</MaxParts><IsTruncated>%s</IsTruncated><StorageClass>STANDARD"
	    "</StorageClass>", marker, n > 0 ? (unsigned long)last : marker,
	    max, more ? "true" : "false");
	if (parts.len > 0)
		buf_add(&j->out, parts.data, parts.len);
	buf_free(&parts);
	buf_adds(&j->out, "</ListPartsResult>");
	return 0;
}

void
s3_op_list_parts(struct s3_job *j)
{
	s3_job_read(j, parts_run, s3_job_reply);
}

/* ---- ListMultipartUploads ----------------------------------------------------- */

struct mpl {
	struct s3_job	*j;
	bool		 url;		/* encoding-type=url */
	struct buf	 prefix, delim, kmark, umark;
	struct buf	 from;		/* the scan starts after this key */
	struct buf	 lastid;	/* the last upload listed, or "" */
	struct buf	 items;
	struct s3_list	 l;
	unsigned long	 max;
};

static void
mpl_name(struct mpl *m, struct buf *b, const char *tag, const char *s,
    size_t n)
{
	s3_xml_name(b, tag, s, n, m->url);
}

/* A key-marker that is one of this listing's common prefixes: the scan
 * goes past every key under it, as the page that gave it listed them. */
static void
mpl_from(struct mpl *m)
{
	const char *k = m->kmark.data != NULL ? m->kmark.data : "";
	const char *pfx = m->prefix.data != NULL ? m->prefix.data : "";
	size_t n = m->kmark.len, pl = m->prefix.len, dl = m->delim.len;

	buf_reset(&m->from);
	buf_add(&m->from, k, n);
	if (dl > 0 && n >= pl + dl && memcmp(k, pfx, pl) == 0 &&
	    memcmp(k + n - dl, m->delim.data, dl) == 0 &&
	    memmem(k + pl, n - pl, m->delim.data, dl) == k + n - dl)
		buf_addc(&m->from, '\xff');
	buf_addc(&m->from, '\0');
	m->from.len--;
}

static int
mpl_scan(sqlite3 *db, struct mpl *m)
{
	struct s3_job *j = m->j;
	const char *uid = m->umark.len > 0 ? m->umark.data : "\xff";
	const char *pfx = m->prefix.data != NULL ? m->prefix.data : "";
	enum s3_list_act act;
	sqlite3_stmt *st;
	char d[40];
	int rc;

	if (store_stmt(db, "SELECT key, id, ctime FROM uploads WHERE "
	    "bucket = ?1 AND key >= ?2 AND (key > ?3 OR (key = ?3 AND "
	    "id > ?4)) ORDER BY key, id", &st) != SQLITE_OK) {
		store_stmt_done(st);
		return sql_fail(db, j);
	}
	sqlite3_bind_text(st, 1, j->rt.bucket, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, pfx, (int)m->prefix.len, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, m->from.data, (int)m->from.len,
	    SQLITE_STATIC);
	sqlite3_bind_text(st, 4, uid, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *k = (const char *)sqlite3_column_text(st, 0);
		const char *id = (const char *)sqlite3_column_text(st, 1);
		size_t kn = (size_t)sqlite3_column_bytes(st, 0);

		if (kn < m->prefix.len || memcmp(k, pfx, m->prefix.len) != 0)
			break;		/* past the prefix */
		if ((act = s3_list_step(&m->l, k, kn)) == S3_LIST_FULL)
			break;
		if (act == S3_LIST_SKIP)
			continue;
		buf_reset(&m->lastid);
		if (act == S3_LIST_PREFIX) {
			buf_adds(&m->items, "<CommonPrefixes>");
			mpl_name(m, &m->items, "Prefix", m->l.cp.data,
			    m->l.cp.len);
			buf_adds(&m->items, "</CommonPrefixes>");
			continue;
		}
		buf_adds(&m->lastid, id);
		s3_iso_date(sqlite3_column_int64(st, 2), d);
		buf_adds(&m->items, "<Upload>");
		mpl_name(m, &m->items, "Key", k, kn);
		s3_xml_el(&m->items, "UploadId", id, strlen(id));
		buf_printf(&m->items, "<Initiated>%s</Initiated><StorageClass>"
		    "STANDARD</StorageClass></Upload>", d);
	}
	store_stmt_done(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : sql_fail(db, j);
}

static void
mpl_answer(struct mpl *m)
{
	struct s3_job *j = m->j;
	struct buf *o = &j->out;

	s3_xml_open(j, "ListMultipartUploadsResult");
	s3_xml_el(o, "Bucket", j->rt.bucket, strlen(j->rt.bucket));
	mpl_name(m, o, "KeyMarker", m->kmark.data != NULL ? m->kmark.data :
	    "", m->kmark.len);
	s3_xml_el(o, "UploadIdMarker", m->umark.data != NULL ? m->umark.data :
	    "", m->umark.len);
	if (m->l.truncated) {
		mpl_name(m, o, "NextKeyMarker", m->l.last.data != NULL ?
		    m->l.last.data : "", m->l.last.len);
		if (m->lastid.len > 0)
			s3_xml_el(o, "NextUploadIdMarker", m->lastid.data,
			    m->lastid.len);
	}
	if (m->delim.len > 0)
		mpl_name(m, o, "Delimiter", m->delim.data, m->delim.len);
	mpl_name(m, o, "Prefix", m->prefix.data != NULL ? m->prefix.data : "",
	    m->prefix.len);
	if (m->url)
		buf_adds(o, "<EncodingType>url</EncodingType>");
	buf_printf(o, "<MaxUploads>%lu</MaxUploads><IsTruncated>%s"
	    "</IsTruncated>", m->max, m->l.truncated ? "true" : "false");
	if (m->items.len > 0)
		buf_add(o, m->items.data, m->items.len);
	buf_adds(o, "</ListMultipartUploadsResult>");
}

static int
uploads_run(sqlite3 *db, struct s3_job *j)
{
	const char *q = j->req->query;
	size_t ql = j->req->query_len;
	struct mpl m = { .j = j };
	struct buf t;
	int rc = -1;

	buf_init(&m.prefix), buf_init(&m.delim), buf_init(&m.kmark);
	buf_init(&m.umark), buf_init(&m.from), buf_init(&m.lastid);
	buf_init(&m.items), buf_init(&t);
	(void)s3_query_get(q, ql, "prefix", &m.prefix);
	(void)s3_query_get(q, ql, "delimiter", &m.delim);
	(void)s3_query_get(q, ql, "key-marker", &m.kmark);
	/* Without key-marker, upload-id-marker is ignored, as S3 does. */
	if (m.kmark.len > 0)
		(void)s3_query_get(q, ql, "upload-id-marker", &m.umark);
	m.url = s3_query_get(q, ql, "encoding-type", &t) == 0 &&
	    strcmp(t.data != NULL ? t.data : "", "url") == 0;
	s3_list_init(&m.l, m.prefix.data, m.delim.data, 0);
	if (query_uint(j, "max-uploads", MP_MAX, MP_MAX, &m.max) != 0)
		goto out;
	m.l.max = (unsigned)m.max;
	if ((rc = s3_meta_bucket(db, j, j->rt.bucket)) != 0) {
		if (rc > 0)
			s3_fail(j, S3E_NO_BUCKET, NULL);
		rc = -1;
		goto out;
	}
	mpl_from(&m);
	if ((rc = mpl_scan(db, &m)) == 0)
		mpl_answer(&m);
out:
	s3_list_free(&m.l);
	buf_free(&m.prefix), buf_free(&m.delim), buf_free(&m.kmark);
	buf_free(&m.umark), buf_free(&m.from), buf_free(&m.lastid);
	buf_free(&m.items), buf_free(&t);
	return rc;
}

void
s3_op_list_uploads(struct s3_job *j)
{
	s3_job_read(j, uploads_run, s3_job_reply);
}
