/*
 * ops_object: the object-level operations of Buckets: PutObject,
 * GetObject, HeadObject, DeleteObject, DeleteObjects, CopyObject and the
 * object's tagging.
 *
 * PutObject is two steps: the body (decoded from aws-chunked, its digests
 * checked, written to a new file and fsynced) on the threadpool, then the
 * row on the store's writer; the replaced file goes once that is durable.
 * GetObject reads the row and the bytes on a reader thread.
 *
 * Every write that changed an object (Put, Copy, a Delete that removed
 * one, each key DeleteObjects removed) queues its on_object events
 * (notify.h) once durable, and is answered after them.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "http.h"

#include "bucket_int.h"
#include "notify.h"

/* Request headers kept with an object and given back by GetObject. */
static const char *const kept[] = {
	"cache-control", "content-disposition", "content-encoding",
	"content-language", "expires", "x-amz-website-redirect-location",
};

/* Content-Encoding without the aws-chunked that only framed the body. */
static void
keep_encoding(struct s3_obj *o, const char *v, size_t n)
{
	const char *p = v, *end = v + n, *c;
	struct buf b;

	buf_init(&b);
	for (; p < end; p = c + 1) {
		while (p < end && *p == ' ')
			p++;
		if ((c = memchr(p, ',', (size_t)(end - p))) == NULL)
			c = end;
		if (c - p == 11 && strncasecmp(p, "aws-chunked", 11) == 0)
			continue;
		if (c > p) {
			if (b.len > 0)
				buf_addc(&b, ',');
			buf_add(&b, p, (size_t)(c - p));
		}
	}
	if (b.len > 0)
		buf_printf(&o->meta, "content-encoding: %s\n", b.data);
	buf_free(&b);
}

void
s3_obj_from_req(struct s3_job *j, struct s3_obj *o)
{
	const struct http_request *r = j->req;
	size_t i, k, n;
	const char *v;

	buf_reset(&o->ctype);
	if ((v = http_header_get(r, "Content-Type", &n)) != NULL && n > 0)
		buf_add(&o->ctype, v, n);
	else
		buf_adds(&o->ctype, "binary/octet-stream");
	buf_reset(&o->meta);
	for (i = 0; i < r->nheaders; i++) {
		const struct http_header *h = &r->headers[i];
		bool keep = h->name_len > 11 &&
		    strncasecmp(h->name, "x-amz-meta-", 11) == 0;

		if (h->name_len == 16 &&
		    strncasecmp(h->name, "content-encoding", 16) == 0) {
			keep_encoding(o, h->value, h->value_len);
			continue;
		}
		for (k = 0; !keep && k < sizeof(kept) / sizeof(kept[0]); k++)
			keep = h->name_len == strlen(kept[k]) &&
			    strncasecmp(h->name, kept[k], h->name_len) == 0;
		if (!keep || memchr(h->value, '\n', h->value_len) != NULL)
			continue;
		for (k = 0; k < h->name_len; k++)
			buf_addc(&o->meta, (char)tolower((unsigned char)
			    h->name[k]));
		buf_adds(&o->meta, ": ");
		buf_add(&o->meta, h->value, h->value_len);
		buf_addc(&o->meta, '\n');
	}
	buf_reset(&o->tags);
	if ((v = http_header_get(r, "x-amz-tagging", &n)) != NULL)
		buf_add(&o->tags, v, n);
}

static int
key_check(struct s3_job *j)
{
	const char *k = j->rt.key;

	if (strlen(k) > S3_KEY_MAX)
		s3_fail(j, S3E_KEY_TOO_LONG, NULL);
	else if (!s3_key_ok(k, strlen(k)))
		s3_fail(j, S3E_ARGUMENT, "The key is not valid UTF-8");
	else
		return 0;
	s3_job_reply(j);
	return -1;
}

/* ---- PutObject ------------------------------------------------------------ */

/* On the threadpool: the body decoded and checked, into a new file. */
void
s3_body_work(struct s3_job *j)
{
	struct buf dl;
	int rc;

	buf_init(&dl);
	if (j->chunked) {
		rc = s3_chunked_decode(j->req->body, j->req->body_len,
		    j->signed_chunks ? &j->sig : NULL, j->signed_trailer,
		    &j->decoded, &j->trailers);
		if (rc == S3_CHUNK_ESIG) {
			s3_fail(j, S3E_SIGNATURE, "A chunk signature of the "
			    "aws-chunked body does not match");
			goto out;
		}
		if (rc != 0) {
			s3_fail(j, S3E_INCOMPLETE, NULL);
			goto out;
		}
		j->body = j->decoded.data != NULL ? j->decoded.data : "";
		j->body_len = j->decoded.len;
		if (s3_req_hdr(j, "x-amz-decoded-content-length", &dl) == 0 &&
		    strtoull(dl.data, NULL, 10) != j->body_len) {
			s3_fail(j, S3E_INCOMPLETE, "x-amz-decoded-content-length "
			    "is not the decoded body's length");
			goto out;
		}
	}
	if (s3_check_body(j) != 0)
		goto out;
	if ((rc = s3_file_write(j->b->dir, j->body, j->body_len,
	    j->obj.file)) != 0) {
		s3_fail(j, S3E_INTERNAL, "The object could not be written: %s",
		    strerror(-rc));
		goto out;
	}
	snprintf(j->newfile, sizeof(j->newfile), "%s", j->obj.file);
	j->obj.size = (int64_t)j->body_len;
	j->obj.mtime = s3_now_ms();
out:
	buf_free(&dl);
}

static bool
if_none_match_any(struct s3_job *j)
{
	size_t n;
	const char *v = http_header_get(j->req, "If-None-Match", &n);

	return v != NULL && n == 1 && *v == '*';
}

static int
put_meta(sqlite3 *db, struct s3_job *j)
{
	struct s3_obj cur;
	int rc;

	if ((rc = s3_meta_bucket(db, j, j->rt.bucket)) != 0) {
		if (rc > 0)
			s3_fail(j, S3E_NO_BUCKET, NULL);
		return -1;
	}
	if (if_none_match_any(j)) {
		s3_obj_init(&cur);
		rc = s3_meta_get(db, j, j->rt.bucket, j->rt.key, &cur);
		s3_obj_free(&cur);
		if (rc == 0)
			s3_fail(j, S3E_PRECONDITION, "At least one of the "
			    "pre-conditions you specified did not hold "
			    "(If-None-Match: *: the key exists)");
		if (rc <= 0)
			return -1;
	}
	return s3_meta_put(db, j, j->rt.bucket, j->rt.key, &j->obj);
}

/* The checksum headers a write kept, echoed. */
static void
echo_checksums(struct s3_job *j, const struct s3_obj *o)
{
	const char *p, *e, *c;

	for (p = o->meta.data; p != NULL && *p != '\0'; p = e + 1) {
		if ((e = strchr(p, '\n')) == NULL)
			break;
		if (strncmp(p, "x-amz-checksum-", 15) == 0 &&
		    (c = strstr(p, ": ")) != NULL && c < e)
			s3_hdr(j, "", "%.*s", (int)(e - p), p);
	}
}

void
s3_put_done(struct s3_job *j)
{
	s3_hdr(j, "ETag", "\"%s\"", j->obj.etag);
	echo_checksums(j, &j->obj);
	s3_job_reply(j);
}

/* Durable: the on_object events, then the answer. */
static void
put_notify(struct s3_job *j)
{
	s3_notify(j, S3N_PUT, s3_put_done);
}

static void
put_commit(struct s3_job *j)
{
	s3_job_write(j, put_meta, put_notify);
}

/* ---- GetObject, HeadObject ------------------------------------------------ */

bool
s3_etag_in(const char *v, size_t n, const char *etag)
{
	const char *p = v, *end = v + n, *c, *s, *e;
	size_t el = strlen(etag);

	for (; p < end; p = c + 1) {
		if ((c = memchr(p, ',', (size_t)(end - p))) == NULL)
			c = end;
		for (s = p; s < c && *s == ' '; s++)
			;
		for (e = c; e > s && e[-1] == ' '; e--)
			;
		if (e - s >= 2 && s[0] == 'W' && s[1] == '/')
			s += 2;
		if (e - s >= 2 && *s == '"' && e[-1] == '"')
			s++, e--;
		if ((e - s == 1 && *s == '*') ||
		    ((size_t)(e - s) == el && memcmp(s, etag, el) == 0))
			return true;
	}
	return false;
}

/* The conditional headers against o: 0 go on, 304 or 412. */
static int
conditions(struct s3_job *j, const struct s3_obj *o)
{
	const struct http_request *r = j->req;
	const char *im, *inm, *ims, *ius;
	size_t imn, inmn, imsn, iusn;
	time_t t, mt = (time_t)(o->mtime / 1000);

	im = http_header_get(r, "If-Match", &imn);
	inm = http_header_get(r, "If-None-Match", &inmn);
	ims = http_header_get(r, "If-Modified-Since", &imsn);
	ius = http_header_get(r, "If-Unmodified-Since", &iusn);
	if (im != NULL && !s3_etag_in(im, imn, o->etag))
		return 412;
	if (im == NULL && ius != NULL &&
	    (t = s3_parse_http_date(ius, iusn)) >= 0 && mt > t)
		return 412;
	if (inm != NULL && s3_etag_in(inm, inmn, o->etag))
		return 304;
	if (inm == NULL && ims != NULL &&
	    (t = s3_parse_http_date(ims, imsn)) >= 0 && mt <= t)
		return 304;
	return 0;
}

/* A response-* query override, or the kept header. */
static void
hdr_out(struct s3_job *j, const char *name, const char *param,
    const char *kept_v, size_t kept_n)
{
	struct buf v;

	buf_init(&v);
	if (param != NULL && s3_query_get(j->req->query, j->req->query_len,
	    param, &v) == 0)
		s3_hdr(j, name, "%s", v.data != NULL ? v.data : "");
	else if (kept_v != NULL)
		s3_hdr(j, name, "%.*s", (int)kept_n, kept_v);
	buf_free(&v);
}

static void
meta_headers(struct s3_job *j, const struct s3_obj *o, bool full)
{
	static const struct { const char *h, *param; } ov[] = {
		{ "cache-control", "response-cache-control" },
		{ "content-disposition", "response-content-disposition" },
		{ "content-encoding", "response-content-encoding" },
		{ "content-language", "response-content-language" },
		{ "expires", "response-expires" },
	};
	const char *p, *e, *c;
	size_t i, found[5] = { 0 };
	bool checksums = false;
	struct buf mode;

	buf_init(&mode);
	checksums = full && s3_req_hdr(j, "x-amz-checksum-mode", &mode) == 0 &&
	    strcasecmp(mode.data, "ENABLED") == 0;
	buf_free(&mode);
	for (p = o->meta.data; p != NULL && *p != '\0'; p = e + 1) {
		if ((e = strchr(p, '\n')) == NULL || (c = strstr(p, ": ")) ==
		    NULL || c > e)
			break;
		for (i = 0; i < 5; i++)
			if ((size_t)(c - p) == strlen(ov[i].h) &&
			    memcmp(p, ov[i].h, (size_t)(c - p)) == 0)
				break;
		if (i < 5) {
			found[i] = 1;
			hdr_out(j, ov[i].h, ov[i].param, c + 2,
			    (size_t)(e - c - 2));
		} else if (strncmp(p, "x-amz-checksum-", 15) != 0 || checksums)
			s3_hdr(j, "", "%.*s", (int)(e - p), p);
	}
	for (i = 0; i < 5; i++)
		if (!found[i])
			hdr_out(j, ov[i].h, ov[i].param, NULL, 0);
	hdr_out(j, "Content-Type", "response-content-type", o->ctype.data,
	    o->ctype.len);
}

static int
tag_count(const struct s3_obj *o)
{
	const char *p;
	int n = 0;

	if (o->tags.len == 0)
		return 0;
	for (p = o->tags.data, n = 1; *p != '\0'; p++)
		n += *p == '&';
	return n;
}

static int
get_run(sqlite3 *db, struct s3_job *j)
{
	struct s3_obj *o = &j->obj;
	uint64_t off = 0, len;
	size_t rn;
	const char *range = http_header_get(j->req, "Range", &rn);
	enum s3_range rr;
	char d[40];
	int rc;

	if ((rc = s3_meta_get(db, j, j->rt.bucket, j->rt.key, o)) != 0) {
		if (rc > 0)
			s3_fail(j, s3_meta_bucket(db, j, j->rt.bucket) == 1 ?
			    S3E_NO_BUCKET : S3E_NO_KEY, NULL);
		return -1;
	}
	s3_http_date(o->mtime, d);
	if ((rc = conditions(j, o)) == 412) {
		s3_fail(j, S3E_PRECONDITION, NULL);
		return -1;
	}
	s3_hdr(j, "ETag", "\"%s\"", o->etag);
	s3_hdr(j, "Last-Modified", "%s", d);
	if (rc == 304) {
		j->status = 304;
		return 0;
	}
	len = (uint64_t)o->size;
	rr = s3_range_parse(range, range != NULL ? rn : 0, len, &off, &len);
	if (rr == S3_RANGE_BAD) {
		s3_fail(j, S3E_RANGE, NULL);
		return -1;
	}
	s3_hdr(j, "Accept-Ranges", "bytes");
	meta_headers(j, o, rr != S3_RANGE_OK);
	if ((rc = tag_count(o)) > 0)
		s3_hdr(j, "x-amz-tagging-count", "%d", rc);
	if (rr == S3_RANGE_OK) {
		j->status = 206;
		s3_hdr(j, "Content-Range", "bytes %llu-%llu/%lld",
		    (unsigned long long)off, (unsigned long long)(off + len - 1),
		    (long long)o->size);
	}
	if (j->rt.op == S3_HEAD_OBJECT) {
		j->head_len = len;
		return 0;
	}
	if (len > S3_STREAM_MIN) {
		/* Opened here, on a reader: the file is the one this row
		 * names even if a write replaces it meanwhile. */
		if ((j->fd = s3_file_open(j->b->dir, o->file)) < 0) {
			rc = j->fd;
			j->fd = -1;
			s3_fail(j, S3E_INTERNAL, "The object's data cannot be "
			    "opened: %s", strerror(-rc));
			return -1;
		}
		j->s_off = off;
		j->s_left = len;
		return 0;
	}
	if ((rc = s3_file_read(j->b->dir, o->file, off, len, &j->out)) != 0) {
		s3_fail(j, S3E_INTERNAL, "The object's data cannot be read: "
		    "%s", strerror(-rc));
		return -1;
	}
	return 0;
}

/* ---- DeleteObject, DeleteObjects ------------------------------------------ */

static int
bucket_must(sqlite3 *db, struct s3_job *j, const char *bucket)
{
	int rc = s3_meta_bucket(db, j, bucket);

	if (rc > 0)
		s3_fail(j, S3E_NO_BUCKET, NULL);
	return rc == 0 ? 0 : -1;
}

/* The keys removed go to j->aux, for their ObjectRemoved events. */
static int
del_run(sqlite3 *db, struct s3_job *j)
{
	int rc;

	if (bucket_must(db, j, j->rt.bucket) != 0 ||
	    (rc = s3_meta_del(db, j, j->rt.bucket, j->rt.key)) < 0)
		return -1;
	if (rc == 0)
		buf_add(&j->aux, j->rt.key, strlen(j->rt.key) + 1);
	j->status = 204;
	return 0;
}

static void
del_notify(struct s3_job *j)
{
	s3_notify(j, S3N_DELETE, s3_job_reply);
}

static int
dels_run(sqlite3 *db, struct s3_job *j)
{
	const char *p, *end = j->list.data + j->list.len;
	bool quiet = j->part != 0;
	int rc;

	if (bucket_must(db, j, j->rt.bucket) != 0)
		return -1;
	s3_xml_open(j, "DeleteResult");
	for (p = j->list.data; p != NULL && p < end; p += strlen(p) + 1) {
		if (!s3_key_ok(p, strlen(p))) {
			buf_adds(&j->out, "<Error>");
			s3_xml_el(&j->out, "Key", p, strlen(p));
			buf_adds(&j->out, "<Code>InvalidArgument</Code><Message>"
			    "Invalid key</Message></Error>");
			continue;
		}
		if ((rc = s3_meta_del(db, j, j->rt.bucket, p)) < 0)
			return -1;
		if (rc == 0)
			buf_add(&j->aux, p, strlen(p) + 1);
		if (!quiet) {
			buf_adds(&j->out, "<Deleted>");
			s3_xml_el(&j->out, "Key", p, strlen(p));
			buf_adds(&j->out, "</Deleted>");
		}
	}
	buf_adds(&j->out, "</DeleteResult>");
	return 0;
}

/* <Delete><Quiet>?</Quiet><Object><Key>K</Key></Object>...</Delete> */
static void
dels_start(struct s3_job *j)
{
	const char *p = j->body, *end = j->body + j->body_len, *oe;
	struct buf v, obj;
	unsigned n = 0;

	buf_init(&v);
	buf_init(&obj);
	if (s3_xml_next(&p, end, "Quiet", &v) == 0 &&
	    strcmp(v.data, "true") == 0)
		j->part = 1;
	p = j->body;
	while (s3_xml_next(&p, end, "Object", &obj) == 0) {
		oe = obj.data + obj.len;
		{
			const char *q = obj.data;

			if (s3_xml_next(&q, oe, "Key", &v) != 0)
				break;
		}
		buf_add(&j->list, v.data, v.len + 1);
		if (++n > 1000)
			break;
	}
	buf_free(&v);
	buf_free(&obj);
	if (n == 0 || n > 1000 || memmem(j->body, j->body_len, "<Delete",
	    7) == NULL) {
		s3_fail(j, S3E_MALFORMED_XML, NULL);
		s3_job_reply(j);
		return;
	}
	s3_job_write(j, dels_run, del_notify);
}

/* ---- CopyObject ------------------------------------------------------------ */

static int
copy_run(sqlite3 *db, struct s3_job *j)
{
	const char *sb = j->tmp.data, *sk = sb + strlen(sb) + 1;
	struct buf dir;
	bool replace;
	int rc;

	if (bucket_must(db, j, j->rt.bucket) != 0 || bucket_must(db, j, sb) != 0)
		return -1;
	if ((rc = s3_meta_get(db, j, sb, sk, &j->src)) != 0) {
		if (rc > 0)
			s3_fail(j, S3E_NO_KEY, NULL);
		return -1;
	}
	if (s3_copy_conditions(j, &j->src) != 0)
		return -1;
	buf_init(&dir);
	replace = s3_req_hdr(j, "x-amz-metadata-directive", &dir) == 0 &&
	    strcmp(dir.data, "REPLACE") == 0;
	if (!replace && strcmp(sb, j->rt.bucket) == 0 &&
	    strcmp(sk, j->rt.key) == 0) {
		buf_free(&dir);
		s3_fail(j, S3E_REQUEST, "This copy request is illegal because "
		    "it is trying to copy an object to itself without changing "
		    "the object's metadata.");
		return -1;
	}
	if (!replace) {
		buf_reset(&j->obj.ctype);
		buf_add(&j->obj.ctype, j->src.ctype.data, j->src.ctype.len);
		buf_reset(&j->obj.meta);
		buf_add(&j->obj.meta, j->src.meta.data, j->src.meta.len);
	}
	if (s3_req_hdr(j, "x-amz-tagging-directive", &dir) != 0 ||
	    strcmp(dir.data, "REPLACE") != 0) {
		buf_reset(&j->obj.tags);
		buf_add(&j->obj.tags, j->src.tags.data, j->src.tags.len);
	}
	buf_free(&dir);
	if ((rc = s3_file_link(j->b->dir, j->src.file, j->obj.file)) != 0) {
		s3_fail(j, S3E_INTERNAL, "The copy could not be made: %s",
		    strerror(-rc));
		return -1;
	}
	snprintf(j->newfile, sizeof(j->newfile), "%s", j->obj.file);
	j->obj.size = j->src.size;
	j->obj.mtime = s3_now_ms();
	snprintf(j->obj.etag, sizeof(j->obj.etag), "%s", j->src.etag);
	if (s3_meta_put(db, j, j->rt.bucket, j->rt.key, &j->obj) != 0)
		return -1;
	{
		char d[40];

		s3_iso_date(j->obj.mtime, d);
		s3_xml_open(j, "CopyObjectResult");
		buf_printf(&j->out, "<LastModified>%s</LastModified><ETag>"
		    "&quot;%s&quot;</ETag></CopyObjectResult>", d, j->obj.etag);
	}
	return 0;
}

static void
copy_notify(struct s3_job *j)
{
	s3_notify(j, S3N_COPY, s3_job_reply);
}

static void
copy_start(struct s3_job *j)
{
	if (s3_copy_source(j) != 0)
		return;
	s3_obj_from_req(j, &j->obj);
	s3_job_write(j, copy_run, copy_notify);
}

/* ---- tagging ---------------------------------------------------------------- */

static int
tags_get(sqlite3 *db, struct s3_job *j)
{
	const char *p, *e, *eq;
	struct buf k;
	long n;
	int rc;

	if ((rc = s3_meta_get(db, j, j->rt.bucket, j->rt.key, &j->obj)) != 0) {
		if (rc > 0)
			s3_fail(j, S3E_NO_KEY, NULL);
		return -1;
	}
	s3_xml_open(j, "Tagging");
	buf_adds(&j->out, "<TagSet>");
	buf_init(&k);
	for (p = j->obj.tags.data; p != NULL && *p != '\0'; p = *e ? e + 1 : e) {
		e = p + strcspn(p, "&");
		eq = memchr(p, '=', (size_t)(e - p));
		buf_reserve(&k, (size_t)(e - p) + 1);
		buf_adds(&j->out, "<Tag>");
		n = buf_pct_decode(k.data, p, (size_t)((eq ? eq : e) - p),
		    BUF_PCT_PLUS);
		s3_xml_el(&j->out, "Key", k.data, (size_t)n);
		n = eq != NULL ? buf_pct_decode(k.data, eq + 1,
		    (size_t)(e - eq - 1), BUF_PCT_PLUS) : 0;
		s3_xml_el(&j->out, "Value", k.data, (size_t)n);
		buf_adds(&j->out, "</Tag>");
	}
	buf_free(&k);
	buf_adds(&j->out, "</TagSet></Tagging>");
	return 0;
}

static int
tags_set(sqlite3 *db, struct s3_job *j)
{
	struct s3_obj cur;
	int rc;

	s3_obj_init(&cur);
	if ((rc = s3_meta_get(db, j, j->rt.bucket, j->rt.key, &cur)) != 0) {
		if (rc > 0)
			s3_fail(j, S3E_NO_KEY, NULL);
		s3_obj_free(&cur);
		return -1;
	}
	buf_reset(&cur.tags);
	buf_add(&cur.tags, j->list.data, j->list.len);
	buf_addc(&cur.tags, '\0');
	cur.tags.len--;
	rc = s3_meta_put(db, j, j->rt.bucket, j->rt.key, &cur);
	s3_obj_free(&cur);
	if (j->rt.op == S3_DELETE_TAGGING)
		j->status = 204;
	return rc;
}

/* <Tagging><TagSet><Tag><Key>K</Key><Value>V</Value></Tag>... */
static void
tags_start(struct s3_job *j)
{
	const char *p = j->body, *end = j->body + j->body_len, *q;
	struct buf tag, k, v;
	int n = 0;

	buf_init(&tag), buf_init(&k), buf_init(&v);
	while (s3_xml_next(&p, end, "Tag", &tag) == 0) {
		q = tag.data;
		if (s3_xml_next(&q, tag.data + tag.len, "Key", &k) != 0 ||
		    k.len == 0 || k.len > 128) {
			n = -1;
			break;
		}
		q = tag.data;
		if (s3_xml_next(&q, tag.data + tag.len, "Value", &v) != 0)
			buf_reset(&v);
		if (v.len > 256 || ++n > 10) {
			n = -1;
			break;
		}
		if (j->list.len > 0)
			buf_addc(&j->list, '&');
		s3_url_enc(&j->list, k.data, k.len, false);
		buf_addc(&j->list, '=');
		s3_url_enc(&j->list, v.data != NULL ? v.data : "", v.len, false);
	}
	buf_free(&tag), buf_free(&k), buf_free(&v);
	if (n < 0 || memmem(j->body, j->body_len, "<Tagging", 8) == NULL) {
		s3_fail(j, n < 0 ? S3E_INVALID_TAG : S3E_MALFORMED_XML, NULL);
		s3_job_reply(j);
		return;
	}
	s3_job_write(j, tags_set, s3_job_reply);
}

/* ---- dispatch --------------------------------------------------------------- */

/* A small XML body, decoded if it came aws-chunked; -1 answered. */
int
s3_small_body(struct s3_job *j)
{
	int rc;

	if (!j->chunked)
		return 0;
	rc = s3_chunked_decode(j->req->body, j->req->body_len,
	    j->signed_chunks ? &j->sig : NULL, j->signed_trailer, &j->decoded,
	    &j->trailers);
	if (rc != 0) {
		s3_fail(j, rc == S3_CHUNK_ESIG ? S3E_SIGNATURE : S3E_INCOMPLETE,
		    NULL);
		s3_job_reply(j);
		return -1;
	}
	j->body = j->decoded.data != NULL ? j->decoded.data : "";
	j->body_len = j->decoded.len;
	return 0;
}

void
s3_op_object(struct s3_job *j)
{
	if (j->rt.op == S3_DELETE_OBJECTS) {
		if (s3_small_body(j) == 0)
			dels_start(j);
		return;
	}
	if (key_check(j) != 0)
		return;
	switch (j->rt.op) {
	case S3_PUT_OBJECT:
		s3_obj_from_req(j, &j->obj);
		s3_job_work(j, s3_body_work, put_commit);
		break;
	case S3_GET_OBJECT:
	case S3_HEAD_OBJECT:
		s3_job_read(j, get_run, s3_job_reply);
		break;
	case S3_DELETE_OBJECT:
		s3_job_write(j, del_run, del_notify);
		break;
	case S3_COPY_OBJECT:
		copy_start(j);
		break;
	case S3_GET_TAGGING:
		s3_job_read(j, tags_get, s3_job_reply);
		break;
	case S3_PUT_TAGGING:
		if (s3_small_body(j) == 0)
			tags_start(j);
		break;
	case S3_DELETE_TAGGING:
		s3_job_write(j, tags_set, s3_job_reply);
		break;
	default:
		s3_fail(j, S3E_METHOD, NULL);
		s3_job_reply(j);
		break;
	}
}
