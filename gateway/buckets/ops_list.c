/*
 * ops_list: ListObjectsV2 and ListObjects, each one read job: an index
 * range scan of (bucket, key) from the marker, folded
 * into common prefixes by s3_list_step, and past a common prefix the scan
 * seeks beyond every key that has it rather than reading them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "store/store.h"

#include "bucket_int.h"

#define BATCH	1000

struct lister {
	struct s3_job	*j;
	struct s3_list	 l;
	bool		 url;		/* encoding-type=url */
	struct buf	 contents, prefixes;
	struct buf	 lastkey;	/* the last row read */
};

/* A name in a listing, encoded as asked. */
static void
lname(struct lister *ls, struct buf *b, const char *tag, const char *s,
    size_t n)
{
	s3_xml_name(b, tag, s, n, ls->url);
}

static void
lcontent(struct lister *ls, sqlite3_stmt *st, const char *key, size_t kn)
{
	struct buf *b = &ls->contents;
	char d[40];

	s3_iso_date(sqlite3_column_int64(st, 3), d);
	buf_adds(b, "<Contents>");
	lname(ls, b, "Key", key, kn);
	buf_printf(b, "<LastModified>%s</LastModified><ETag>&quot;%s&quot;"
	    "</ETag><Size>%lld</Size><StorageClass>STANDARD</StorageClass>"
	    "</Contents>", d, (const char *)sqlite3_column_text(st, 2),
	    (long long)sqlite3_column_int64(st, 1));
}

/* One batch from after (exclusive); 1 to go on from *after, 0 done. */
static int
lbatch(sqlite3 *db, struct lister *ls, struct buf *after)
{
	sqlite3_stmt *st;
	enum s3_list_act act;
	int rc, n = 0, more = 0;

	if (store_stmt(db, "SELECT key, size, etag, mtime FROM objects WHERE "
	    "bucket = ?1 AND key > ?2 AND key >= ?3 ORDER BY key LIMIT ?4",
	    &st) != SQLITE_OK) {
		store_stmt_done(st);
		return -1;
	}
	sqlite3_bind_text(st, 1, ls->j->rt.bucket, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, after->data != NULL ? after->data : "",
	    (int)after->len, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, ls->l.prefix, (int)ls->l.plen, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, BATCH);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *key = (const char *)sqlite3_column_text(st, 0);
		size_t kn = (size_t)sqlite3_column_bytes(st, 0);

		n++;
		buf_reset(&ls->lastkey);
		buf_add(&ls->lastkey, key, kn);
		if (kn < ls->l.plen || memcmp(key, ls->l.prefix,
		    ls->l.plen) != 0)
			break;		/* past the prefix: done */
		act = s3_list_step(&ls->l, key, kn);
		if (act == S3_LIST_FULL)
			break;
		if (act == S3_LIST_KEY) {
			lcontent(ls, st, key, kn);
			continue;
		}
		if (act == S3_LIST_PREFIX) {
			buf_adds(&ls->prefixes, "<CommonPrefixes>");
			lname(ls, &ls->prefixes, "Prefix", ls->l.cp.data,
			    ls->l.cp.len);
			buf_adds(&ls->prefixes, "</CommonPrefixes>");
			s3_list_seek_past(&ls->l, after);
			more = 1;
			break;
		}
	}
	/* A full batch read to its end: the next starts after its last. */
	if (rc == SQLITE_DONE && n == BATCH) {
		buf_reset(after);
		buf_add(after, ls->lastkey.data, ls->lastkey.len);
		buf_addc(after, '\0');
		after->len--;
		more = 1;
	}
	store_stmt_done(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return -1;
	return more;
}

/* The start (exclusive) of a listing from its marker: past a common
 * prefix's keys when the marker is one. */
static void
lstart(struct lister *ls, const char *m, size_t n, struct buf *after)
{
	buf_reset(after);
	buf_add(after, m, n);
	if (ls->l.dlen > 0 && n >= ls->l.plen + ls->l.dlen &&
	    memcmp(m + n - ls->l.dlen, ls->l.delim, ls->l.dlen) == 0 &&
	    memmem(m + ls->l.plen, n - ls->l.plen, ls->l.delim, ls->l.dlen) ==
	    m + n - ls->l.dlen)
		buf_addc(after, '\xff');
	buf_addc(after, '\0');
	after->len--;
}

static int
list_run(sqlite3 *db, struct s3_job *j)
{
	const char *q = j->req->query;
	size_t ql = j->req->query_len;
	bool v2 = j->rt.op == S3_LIST_OBJECTS_V2;
	struct buf prefix, delim, marker, tmp, after;
	struct lister ls = { .j = j };
	unsigned long max = S3_MAX_KEYS;
	char *e;
	int rc, more = 0;

	buf_init(&prefix), buf_init(&delim), buf_init(&marker);
	buf_init(&tmp), buf_init(&after);
	buf_init(&ls.contents), buf_init(&ls.prefixes), buf_init(&ls.lastkey);
	(void)s3_query_get(q, ql, "prefix", &prefix);
	(void)s3_query_get(q, ql, "delimiter", &delim);
	if (s3_query_get(q, ql, "max-keys", &tmp) == 0) {
		max = strtoul(tmp.data != NULL ? tmp.data : "", &e, 10);
		if (tmp.len == 0 || *e != '\0' || tmp.data[0] == '-') {
			s3_fail(j, S3E_ARGUMENT, "max-keys must be an integer "
			    "from 0");
			rc = -1;
			goto out;
		}
		if (max > S3_MAX_KEYS)
			max = S3_MAX_KEYS;
	}
	ls.url = s3_query_get(q, ql, "encoding-type", &tmp) == 0 &&
	    strcmp(tmp.data != NULL ? tmp.data : "", "url") == 0;
	s3_list_init(&ls.l, prefix.data, delim.data, (unsigned)max);
	if ((rc = s3_meta_bucket(db, j, j->rt.bucket)) != 0) {
		if (rc > 0)
			s3_fail(j, S3E_NO_BUCKET, NULL);
		rc = -1;
		goto out;
	}
	if (v2 && s3_query_get(q, ql, "continuation-token", &tmp) == 0) {
		buf_reset(&marker);
		if (buf_unbase64(&marker, tmp.data != NULL ? tmp.data : "",
		    tmp.len) != 0) {
			s3_fail(j, S3E_ARGUMENT, "The continuation token "
			    "provided is incorrect");
			rc = -1;
			goto out;
		}
	} else
		(void)s3_query_get(q, ql, v2 ? "start-after" : "marker",
		    &marker);
	lstart(&ls, marker.data != NULL ? marker.data : "", marker.len,
	    &after);
	while (max > 0 && (more = lbatch(db, &ls, &after)) == 1)
		;
	if (max > 0 && more < 0) {
		rc = -1;
		goto out;
	}
	s3_xml_open(j, "ListBucketResult");
	s3_xml_el(&j->out, "Name", j->rt.bucket, strlen(j->rt.bucket));
	lname(&ls, &j->out, "Prefix", prefix.data != NULL ? prefix.data : "",
	    prefix.len);
	if (!v2) {
		lname(&ls, &j->out, "Marker", marker.data != NULL ?
		    marker.data : "", marker.len);
		if (ls.l.truncated)
			lname(&ls, &j->out, "NextMarker", ls.l.last.data,
			    ls.l.last.len);
	} else {
		buf_printf(&j->out, "<KeyCount>%u</KeyCount>", ls.l.n);
		if (s3_query_get(q, ql, "continuation-token", &tmp) == 0)
			s3_xml_el(&j->out, "ContinuationToken", tmp.data !=
			    NULL ? tmp.data : "", tmp.len);
		if (ls.l.truncated) {
			buf_reset(&tmp);
			buf_base64(&tmp, ls.l.last.data, ls.l.last.len);
			s3_xml_el(&j->out, "NextContinuationToken", tmp.data,
			    tmp.len);
		}
		if (s3_query_get(q, ql, "start-after", &tmp) == 0)
			lname(&ls, &j->out, "StartAfter", tmp.data != NULL ?
			    tmp.data : "", tmp.len);
	}
	buf_printf(&j->out, "<MaxKeys>%lu</MaxKeys>", max);
	if (delim.len > 0)
		lname(&ls, &j->out, "Delimiter", delim.data, delim.len);
	if (ls.url)
		buf_adds(&j->out, "<EncodingType>url</EncodingType>");
	buf_printf(&j->out, "<IsTruncated>%s</IsTruncated>",
	    ls.l.truncated ? "true" : "false");
	if (ls.contents.len > 0)
		buf_add(&j->out, ls.contents.data, ls.contents.len);
	if (ls.prefixes.len > 0)
		buf_add(&j->out, ls.prefixes.data, ls.prefixes.len);
	buf_adds(&j->out, "</ListBucketResult>");
	rc = 0;
out:
	s3_list_free(&ls.l);
	buf_free(&prefix), buf_free(&delim), buf_free(&marker);
	buf_free(&tmp), buf_free(&after);
	buf_free(&ls.contents), buf_free(&ls.prefixes), buf_free(&ls.lastkey);
	return rc;
}

void
s3_op_list(struct s3_job *j)
{
	if (j->rt.op == S3_LIST_UPLOADS)
		s3_op_list_uploads(j);
	else
		s3_job_read(j, list_run, s3_job_reply);
}
