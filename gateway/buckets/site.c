/*
 * site: a bucket served on the public listener (site.h).  A request is a
 * Buckets job (bucket_int.h) in two or three steps:
 *
 *   site_find, on a store reader: the key (or its index, its redirect,
 *	the error document), the conditions, the representation, the file
 *	opened and a small body read;
 *   site_build, on the threadpool, only when the compressed copy the
 *	request wants is not there yet: made, fsynced, renamed into place;
 *   s3_job_reply on the loop: the answer, streamed from the file when
 *	large.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <brotli/encode.h>
#include <zlib.h>

#include "conf.h"
#include "fs.h"
#include "http.h"
#include "log.h"
#include "route.h"

#include "bucket_int.h"
#include "site.h"

#define SITE_COMPRESS_MIN	128u		/* bytes: smaller go as they are */
#define SITE_COMPRESS_MAX	(16u << 20)	/* larger too */

struct site {
	char		*bucket;
	char		*index;
	char		*errdoc;	/* NULL: none */
	long long	 max_age;	/* -1: none */
};

struct site_table {
	struct route_table *rt;
	struct buckets	*b;
	struct site_cache *cache;
	struct site	*sites;
	size_t		 n;
};

/* The target of the functions' routes in a site table. */
static char fn_mark;

enum site_kind {
	SITE_OBJECT,		/* the key, 200 (206, 304) */
	SITE_ERRDOC,		/* the error document, 404 */
	SITE_REDIRECT,		/* "dir" -> "dir/", 302 */
	SITE_MISSING,		/* 404 NoSuchKey */
	SITE_NOBUCKET,		/* 404 NoSuchBucket */
};

/* What one request needs of its site (copied: a reload may free it). */
struct site_job {
	char		*index;
	char		*errdoc;
	long long	 max_age;
	bool		 dir;		/* the index was appended to the key */
	bool		 slashes;	/* the path begins with "//" */
	struct site_cache *cache;	/* filled with the answer if small */
	uint64_t	 gen;		/* the store's when the lookup began */
	bool		 head;
	bool		 vary;		/* a text type: Vary: Accept-Encoding */
	unsigned	 accept;	/* SITE_GZIP | SITE_BR */
	unsigned	 enc;		/* the coding chosen, one of them or 0 */
	enum site_kind	 kind;
	uint64_t	 off, len;	/* of the file served */
	char		 derived[160];	/* site/ETAG.br, relative to dir */
};

/* ---- the table ------------------------------------------------------------ */

static void
site_free_one(struct site *s)
{
	free(s->bucket);
	free(s->index);
	free(s->errdoc);
}

void
site_table_free(struct site_table *t)
{
	size_t i;

	if (t == NULL)
		return;
	route_table_free(t->rt);
	site_cache_unref(t->cache);
	for (i = 0; i < t->n; i++)
		site_free_one(&t->sites[i]);
	free(t->sites);
	free(t);
}

static char *
xstrdup(const char *s)
{
	char *d;

	if (s == NULL)
		return NULL;
	if ((d = strdup(s)) == NULL)
		abort();	/* as buf.c: no memory for a few bytes */
	return d;
}

/* What a route implies and is not taken: its HEAD, and "/P/" for
 * "/P/{proxy+}" (a greedy segment needs a byte after its parent). */
static void
site_implied(struct route_table *rt, const char *spec, struct site *s)
{
	char alt[2048];
	const char *path = spec + strcspn(spec, " \t"), *slash;
	size_t plen;

	path += strspn(path, " \t");
	plen = strlen(path);
	if (strncmp(spec, "GET", 3) == 0) {
		snprintf(alt, sizeof(alt), "HEAD %s", path);
		(void)route_add(rt, alt, s, NULL);
	}
	if (plen < 4 || strcmp(path + plen - 2, "+}") != 0 ||
	    (slash = strrchr(path, '/')) == NULL || slash[1] != '{')
		return;
	snprintf(alt, sizeof(alt), "%.*s %.*s", (int)strcspn(spec, " \t"),
	    spec, (int)(slash - path + 1), path);
	(void)route_add(rt, alt, s, NULL);
	if (strncmp(spec, "GET", 3) == 0) {
		snprintf(alt, sizeof(alt), "HEAD %.*s", (int)(slash - path + 1),
		    path);
		(void)route_add(rt, alt, s, NULL);
	}
}

struct site_table *
site_table_new(const struct conf *c, struct buckets *b)
{
	struct site_table *t;
	size_t i, j;

	if (c->nsites == 0)
		return NULL;
	if ((t = calloc(1, sizeof(*t))) == NULL ||
	    (t->sites = calloc(c->nsites, sizeof(*t->sites))) == NULL ||
	    (t->rt = route_table_new()) == NULL)
		abort();
	t->b = b;
	t->n = c->nsites;
	t->cache = site_cache_new();
	for (i = 0; i < c->nfns; i++)
		for (j = 0; j < c->fns[i].nroutes; j++)
			(void)route_add(t->rt, c->fns[i].routes[j].spec,
			    &fn_mark, NULL);
	/* conf_site_finish checked the explicit routes: none is taken. */
	for (i = 0; i < c->nsites; i++) {
		const struct conf_site *cs = &c->sites[i];
		struct site *s = &t->sites[i];

		s->bucket = xstrdup(cs->bucket);
		s->index = xstrdup(cs->index);
		s->errdoc = xstrdup(cs->error_document);
		s->max_age = cs->cache_max_age;
		for (j = 0; j < cs->nroutes; j++)
			(void)route_add(t->rt, cs->routes[j].spec, s, NULL);
		log_info("site %s: bucket %s on %zu route%s, first %s%s", cs->name,
		    cs->bucket, cs->nroutes, cs->nroutes == 1 ? "" : "s",
		    cs->routes[0].spec, b == NULL ? " (no store: 503)" : "");
	}
	for (i = 0; i < c->nsites; i++)
		for (j = 0; j < c->sites[i].nroutes; j++)
			site_implied(t->rt, c->sites[i].routes[j].spec,
			    &t->sites[i]);
	return t;
}

/* ---- answers -------------------------------------------------------------- */

void
s3_site_free(struct site_job *sj)
{
	if (sj == NULL)
		return;
	free(sj->index);
	free(sj->errdoc);
	site_cache_unref(sj->cache);
	free(sj);
}

/* An HTML page for status, as S3's website endpoint words its errors. */
static void
site_page(struct s3_job *j, int status, const char *code, const char *msg)
{
	buf_reset(&j->out);
	buf_printf(&j->out, "<html>\n<head><title>%d %s</title></head>\n"
	    "<body>\n<h1>%d %s</h1>\n<ul>\n<li>Code: %s</li>\n"
	    "<li>Message: ", status, http_status_text(status), status,
	    http_status_text(status), code);
	s3_xml_esc(&j->out, msg, strlen(msg));
	buf_printf(&j->out, "</li>\n<li>RequestId: %s</li>\n</ul>\n</body>\n"
	    "</html>\n", j->rid);
	s3_hdr(j, "Content-Type", "text/html; charset=utf-8");
	j->status = status;
}

void
s3_site_error(struct s3_job *j)
{
	buf_reset(&j->hdrs);
	if (j->err == S3E_UNAVAILABLE)
		site_page(j, 503, "ServiceUnavailable", j->msg);
	else
		site_page(j, 500, "InternalError", j->msg);
}

/* Close j's file: nothing is streamed. */
static void
site_close(struct s3_job *j)
{
	if (j->fd >= 0)
		close(j->fd);
	j->fd = -1;
}

/* The kept headers of o a site gives back. */
static void
site_meta(struct s3_job *j, const struct s3_obj *o, bool *cc, bool *ce)
{
	static const char *const pass[] = {
		"cache-control", "content-disposition", "content-encoding",
		"content-language", "expires",
	};
	const char *p, *e, *c;
	size_t i;

	*cc = *ce = false;
	for (p = o->meta.data; p != NULL && *p != '\0'; p = e + 1) {
		if ((e = strchr(p, '\n')) == NULL || (c = strstr(p, ": ")) ==
		    NULL || c > e)
			break;
		for (i = 0; i < sizeof(pass) / sizeof(pass[0]); i++)
			if ((size_t)(c - p) == strlen(pass[i]) &&
			    memcmp(p, pass[i], (size_t)(c - p)) == 0)
				break;
		if (i == sizeof(pass) / sizeof(pass[0]))
			continue;
		s3_hdr(j, "", "%.*s", (int)(e - p), p);
		*cc = *cc || i == 0;
		*ce = *ce || i == 2;
	}
}

/* 304 for If-None-Match, or If-Modified-Since without it. */
static bool
site_not_modified(const struct http_request *req, const char *etag,
    int64_t mtime)
{
	size_t n;
	const char *v = http_header_get(req, "If-None-Match", &n);
	time_t t;

	if (v != NULL)
		return site_etag_match(v, n, etag);
	v = http_header_get(req, "If-Modified-Since", &n);
	return v != NULL && (t = s3_parse_http_date(v, n)) >= 0 &&
	    mtime / 1000 <= (int64_t)t;
}

/* If-Range: a Range only holds for the object's own ETag or date. */
static bool
site_range_holds(struct s3_job *j, const struct s3_obj *o)
{
	size_t n, el = strlen(o->etag);
	const char *v = http_header_get(j->req, "If-Range", &n);
	time_t t;

	if (v == NULL)
		return true;
	if (n >= 2 && v[0] == '"')
		return n == el + 2 && memcmp(v + 1, o->etag, el) == 0 &&
		    v[n - 1] == '"';
	return (t = s3_parse_http_date(v, n)) >= 0 &&
	    o->mtime / 1000 <= (int64_t)t;
}

static const char *
enc_name(unsigned enc)
{
	return enc == SITE_BR ? "br" : "gzip";
}

/* The compressed copy, if there and smaller: it becomes j's file. */
static int
site_open_derived(struct s3_job *j)
{
	struct site_job *sj = j->site;
	struct stat st;
	int fd;

	if ((fd = s3_file_open(j->b->dir, sj->derived)) < 0)
		return fd;
	if (fstat(fd, &st) != 0 || st.st_size == 0) {
		close(fd);
		return -ENOENT;		/* rebuilt */
	}
	if ((uint64_t)st.st_size >= (uint64_t)j->obj.size) {
		close(fd);		/* no gain: served as it is */
		sj->enc = 0;
		return 0;
	}
	site_close(j);
	j->fd = fd;
	sj->len = (uint64_t)st.st_size;
	return 0;
}

/* The body of j's file [off, off+len): read when small, else streamed. */
static int
site_body(struct s3_job *j)
{
	struct site_job *sj = j->site;
	uint64_t left = sj->len;
	ssize_t r;

	if (sj->enc != 0) {
		s3_hdr(j, "Content-Encoding", "%s", enc_name(sj->enc));
		if (j->status != 404)
			s3_hdr(j, "ETag", "\"%s-%s\"", j->obj.etag,
			    enc_name(sj->enc));
	} else if (j->status != 404)
		s3_hdr(j, "ETag", "\"%s\"", j->obj.etag);
	if (sj->head) {
		j->head_len = sj->len;
		site_close(j);
		return 0;
	}
	if (sj->len > S3_STREAM_MIN) {
		j->s_off = sj->off;
		j->s_left = sj->len;
		return 0;
	}
	buf_reserve(&j->out, (size_t)left + 1);
	while (left > 0) {
		r = pread(j->fd, j->out.data + j->out.len, (size_t)left,
		    (off_t)(sj->off + sj->len - left));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			s3_fail(j, S3E_INTERNAL, "The object's data cannot be "
			    "read: %s", r < 0 ? strerror(errno) : "cut short");
			return -1;
		}
		j->out.len += (size_t)r;
		left -= (uint64_t)r;
	}
	site_close(j);
	return 0;
}

/* Headers of a found object (or the error document) and its range. */
static int
site_object(struct s3_job *j)
{
	struct site_job *sj = j->site;
	struct s3_obj *o = &j->obj;
	size_t rn;
	const char *range = http_header_get(j->req, "Range", &rn);
	enum s3_range rr = S3_RANGE_NONE;
	bool cc, ce;
	char d[40];

	s3_hdr(j, "Content-Type", "%s", o->ctype.len > 0 ? o->ctype.data :
	    "binary/octet-stream");
	site_meta(j, o, &cc, &ce);
	sj->vary = !ce && site_compressible(o->ctype.data, o->ctype.len);
	if (sj->vary)
		s3_hdr(j, "Vary", "Accept-Encoding");
	if (sj->kind == SITE_ERRDOC) {
		j->status = 404;
	} else {
		s3_http_date(o->mtime, d);
		s3_hdr(j, "Last-Modified", "%s", d);
		s3_hdr(j, "Accept-Ranges", "bytes");
		if (!cc && sj->max_age >= 0)
			s3_hdr(j, "Cache-Control", "public, max-age=%lld",
			    sj->max_age);
		if (site_not_modified(j->req, o->etag, o->mtime)) {
			j->status = 304;
			sj->enc = sj->vary && o->size >= SITE_COMPRESS_MIN &&
			    o->size <= SITE_COMPRESS_MAX ? sj->accept : 0;
			sj->enc = sj->enc & SITE_BR ? SITE_BR : sj->enc;
			if (sj->enc != 0)
				s3_hdr(j, "ETag", "\"%s-%s\"", o->etag,
				    enc_name(sj->enc));
			else
				s3_hdr(j, "ETag", "\"%s\"", o->etag);
			site_close(j);
			return 1;
		}
		if (range != NULL && site_range_holds(j, o))
			rr = s3_range_parse(range, rn, (uint64_t)o->size,
			    &sj->off, &sj->len);
	}
	if (rr == S3_RANGE_BAD) {
		buf_reset(&j->hdrs);
		site_page(j, 416, "InvalidRange", "The requested range is not "
		    "satisfiable");
		s3_hdr(j, "Content-Range", "bytes */%lld", (long long)o->size);
		site_close(j);
		return 1;
	}
	if (rr == S3_RANGE_OK) {
		j->status = 206;
		s3_hdr(j, "Content-Range", "bytes %llu-%llu/%lld",
		    (unsigned long long)sj->off,
		    (unsigned long long)(sj->off + sj->len - 1),
		    (long long)o->size);
		return 0;
	}
	sj->off = 0;
	sj->len = (uint64_t)o->size;
	if (sj->vary && o->size >= SITE_COMPRESS_MIN &&
	    o->size <= SITE_COMPRESS_MAX && sj->accept != 0) {
		sj->enc = sj->accept & SITE_BR ? SITE_BR : SITE_GZIP;
		snprintf(sj->derived, sizeof(sj->derived), "site/%s.%s",
		    o->etag, sj->enc == SITE_BR ? "br" : "gz");
	}
	return 0;
}

/* On a store reader: which object answers j, opened. */
static int
site_lookup(sqlite3 *db, struct s3_job *j)
{
	struct site_job *sj = j->site;
	struct buf alt;
	int rc;

	if ((rc = s3_meta_get(db, j, j->rt.bucket, j->rt.key, &j->obj)) <= 0)
		return rc;
	/* "//host" would be a Location to another site: no redirect. */
	if (!sj->dir && !sj->slashes) {
		buf_init(&alt);
		buf_printf(&alt, "%s/%s", j->rt.key, sj->index);
		rc = s3_meta_get(db, j, j->rt.bucket, alt.data, &j->obj);
		buf_free(&alt);
		if (rc <= 0) {
			sj->kind = SITE_REDIRECT;
			return rc;
		}
	}
	if (sj->errdoc != NULL && (rc = s3_meta_get(db, j, j->rt.bucket,
	    sj->errdoc, &j->obj)) <= 0) {
		sj->kind = SITE_ERRDOC;
		return rc;
	}
	if ((rc = s3_meta_bucket(db, j, j->rt.bucket)) < 0)
		return rc;
	sj->kind = rc == 1 ? SITE_NOBUCKET : SITE_MISSING;
	return 0;
}

static int
site_find(sqlite3 *db, struct s3_job *j)
{
	struct site_job *sj = j->site;
	int rc;

	sj->kind = SITE_OBJECT;
	if (site_lookup(db, j) != 0)
		return -1;
	if (sj->kind != SITE_OBJECT && sj->kind != SITE_ERRDOC)
		return 0;
	/* Opened here, on a reader: the file is the one this row names
	 * even if a write replaces it meanwhile. */
	if ((j->fd = s3_file_open(j->b->dir, j->obj.file)) < 0) {
		rc = j->fd;
		j->fd = -1;
		s3_fail(j, S3E_INTERNAL, "The object's data cannot be opened: "
		    "%s", strerror(-rc));
		return -1;
	}
	if (site_object(j) != 0)
		return 0;	/* answered without a body */
	if (sj->enc != 0 && site_open_derived(j) != 0)
		return 0;	/* site_build makes it */
	sj->derived[0] = '\0';
	return site_body(j);
}

/* ---- compressed copies ---------------------------------------------------- */

static int
site_compress(unsigned enc, const char *in, size_t n, struct buf *out)
{
	z_stream z;
	size_t len;
	int rc;

	if (enc == SITE_BR) {
		len = BrotliEncoderMaxCompressedSize(n);
		buf_reserve(out, len);
		if (!BrotliEncoderCompress(n <= (1u << 20) ? 11 : 9,
		    BROTLI_DEFAULT_WINDOW, BROTLI_MODE_TEXT, n,
		    (const uint8_t *)in, &len, (uint8_t *)out->data))
			return -EIO;
		out->len = len;
		return 0;
	}
	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 8,
	    Z_DEFAULT_STRATEGY) != Z_OK)
		return -ENOMEM;
	len = deflateBound(&z, (uLong)n);
	buf_reserve(out, len);
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)n;
	z.next_out = (Bytef *)out->data;
	z.avail_out = (uInt)len;
	rc = deflate(&z, Z_FINISH);
	out->len = len - z.avail_out;
	deflateEnd(&z);
	return rc == Z_STREAM_END ? 0 : -EIO;
}

/* data into dir/rel (rel under site/): fs_replace's temporary file,
 * fsynced, renamed, the directory fsynced. */
static int
site_place(const char *dir, const char *rel, const struct buf *data)
{
	char tmp[4200], sitedir[4200], path[4200], id[33];
	int rc;

	s3_random_hex(id, 16);
	snprintf(tmp, sizeof(tmp), "%s/tmp/site-%s", dir, id);
	snprintf(sitedir, sizeof(sitedir), "%s/site", dir);
	if ((rc = fs_mkdir_p(sitedir, 0700)) != 0)
		return rc;
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	return fs_replace(sitedir, tmp, path, data->data, data->len, 0600);
}

/* On the threadpool: the copy j's coding needs, made from j's file. */
static void
site_build(struct s3_job *j)
{
	struct site_job *sj = j->site;
	struct buf in, out;
	ssize_t r;
	int rc = 0;

	buf_init(&in);
	buf_init(&out);
	buf_reserve(&in, (size_t)j->obj.size + 1);
	while (rc == 0 && in.len < (size_t)j->obj.size) {
		r = pread(j->fd, in.data + in.len, (size_t)j->obj.size - in.len,
		    (off_t)in.len);
		if (r < 0 && errno == EINTR)
			continue;
		rc = r < 0 ? -errno : r == 0 ? -EIO : 0;
		in.len += r > 0 ? (size_t)r : 0;
	}
	if (rc == 0)
		rc = site_compress(sj->enc, in.data, in.len, &out);
	if (rc == 0)
		rc = site_place(j->b->dir, sj->derived, &out);
	buf_free(&in);
	buf_free(&out);
	if (rc == 0)
		rc = site_open_derived(j);
	if (rc != 0) {
		s3_fail(j, S3E_INTERNAL, "The compressed copy cannot be made: "
		    "%s", strerror(-rc));
		return;
	}
	(void)site_body(j);
}

/* ---- the request ---------------------------------------------------------- */

/* A small whole answer goes into the cache; then j's answer. */
static void
site_send(struct s3_job *j)
{
	struct site_job *sj = j->site;

	if (j->err == S3E_OK && sj->kind == SITE_OBJECT) {
		if (j->status == 200 && j->fd < 0 && !sj->head)
			site_cache_put(sj->cache, j->rt.bucket, j->rt.key,
			    sj->accept, sj->gen, &j->obj, &j->hdrs, &j->out);
		s3_hdr(j, "X-Cache", "Miss from lambdad");
	}
	s3_job_reply(j);
}

/* On the loop, after site_find: the answers without an object. */
static void
site_found(struct s3_job *j)
{
	struct site_job *sj = j->site;

	switch (sj->kind) {
	case SITE_REDIRECT:
		j->status = 302;
		s3_hdr(j, "Location", "%.*s/", (int)j->req->path_len,
		    j->req->path);
		break;
	case SITE_MISSING:
		site_page(j, 404, "NoSuchKey", "The specified key does not "
		    "exist.");
		break;
	case SITE_NOBUCKET:
		site_page(j, 404, "NoSuchBucket", "The specified bucket does "
		    "not exist");
		break;
	default:
		if (sj->derived[0] != '\0' && j->err == S3E_OK) {
			s3_job_work(j, site_build, site_send);
			return;
		}
		site_send(j);
		return;
	}
	s3_job_reply(j);
}

/* A plain answer that needs no job. */
static void
site_plain(struct http_request *req, int status, const char *msg)
{
	static const struct http_header h[] = {
		{ "Content-Type", 12, "text/plain; charset=utf-8", 25 },
	};

	http_respond(req, status, h, 1, msg, strlen(msg));
}

/* The key for path: decoded, without the leading '/', index appended
 * to "" and "dir/".  NULL: not a key. */
static char *
site_key(const struct http_request *req, const struct site *s, bool *dir)
{
	size_t il = strlen(s->index);
	char *k;
	long n;

	if (req->path_len == 0 || (k = malloc(req->path_len + il + 1)) ==
	    NULL)
		return NULL;
	if ((n = buf_pct_decode(k, req->path + 1, req->path_len - 1,
	    BUF_PCT_STRICT)) < 0) {
		free(k);
		return NULL;
	}
	*dir = n == 0 || k[n - 1] == '/';
	if (*dir) {
		memcpy(k + n, s->index, il);
		n += (long)il;
	}
	k[n] = '\0';
	if (!s3_key_ok(k, (size_t)n) || strlen(k) != (size_t)n) {
		free(k);
		return NULL;
	}
	return k;
}

static struct site_job *
site_job_new(const struct site *s, const struct http_request *req)
{
	struct site_job *sj = calloc(1, sizeof(*sj));
	size_t n;
	const char *ae = http_header_get(req, "Accept-Encoding", &n);

	if (sj == NULL)
		abort();
	sj->index = xstrdup(s->index);
	sj->errdoc = xstrdup(s->errdoc);
	sj->max_age = s->max_age;
	sj->head = strcmp(req->method, "HEAD") == 0;
	sj->accept = site_accept(ae, ae != NULL ? n : 0);
	return sj;
}

/* A hit: answered on the loop, 200 or 304.  false: not in the cache. */
static bool
site_hit(struct site_table *t, struct http_request *req, const char *bucket,
    const char *key, unsigned accept)
{
	const struct site_hit *h;
	struct http_header hv[48];
	size_t n = 0;
	const char *p, *e, *c;
	bool nm;

	if (http_header_get(req, "Range", NULL) != NULL ||
	    (h = site_cache_get(t->cache, bucket, key, accept,
	    t->b->gen)) == NULL)
		return false;
	nm = site_not_modified(req, h->etag, h->mtime);
	hv[n++] = (struct http_header){ "Server", 6, "lambdad", 7 };
	hv[n++] = (struct http_header){ "X-Cache", 7, "Hit from lambdad", 16 };
	for (p = h->hdrs; *p != '\0' && n < sizeof(hv) / sizeof(hv[0]);
	    p = e + 1) {
		if ((e = strchr(p, '\n')) == NULL || (c = strstr(p, ": ")) ==
		    NULL || c > e)
			break;
		if (nm && c - p == 16 && strncasecmp(p, "Content-Encoding",
		    16) == 0)
			continue;
		hv[n++] = (struct http_header){ p, (size_t)(c - p), c + 2,
		    (size_t)(e - c - 2) };
	}
	http_respond(req, nm ? 304 : 200, hv, n, h->body, nm ? 0 :
	    h->body_len);
	return true;
}

bool
site_serve(struct site_table *t, struct http_request *req)
{
	struct route_match m;
	struct site *s;
	struct site_job *sj;
	struct s3_job *j;
	bool dir = false;
	char *key;

	if (t == NULL || route_lookup(t->rt, req->method, req->path,
	    req->path_len, &m) != 0 || m.target == &fn_mark)
		return false;
	s = m.target;
	if (req->too_large) {
		site_plain(req, 413, "Request Entity Too Large\n");
		return true;
	}
	if (t->b == NULL) {
		site_plain(req, 503, "Buckets are off (no s3_listen)\n");
		return true;
	}
	if ((key = site_key(req, s, &dir)) == NULL) {
		site_plain(req, 400, "The path is not a key: malformed "
		    "percent-encoding, or longer than 1024 bytes\n");
		return true;
	}
	sj = site_job_new(s, req);
	if (site_hit(t, req, s->bucket, key, sj->accept)) {
		free(key);
		s3_site_free(sj);
		return true;
	}
	sj->cache = site_cache_ref(t->cache);
	sj->gen = t->b->gen;
	j = s3_job_new(t->b, req);
	j->rt.op = S3_GET_OBJECT;
	j->rt.bucket = xstrdup(s->bucket);
	j->rt.key = key;
	j->site = sj;
	j->site->dir = dir;
	j->site->slashes = req->path_len > 1 && req->path[1] == '/';
	if (t->b->closing) {
		s3_fail(j, S3E_UNAVAILABLE, NULL);
		s3_job_reply(j);
		return true;
	}
	s3_job_read(j, site_find, site_found);
	return true;
}
