/*
 * door: the S3 listener of Buckets (bucket.h).  It authenticates a
 * request, routes it (s3route.c), makes its job and hands it to the
 * operation (ops_*.c), whose steps run on threads; it also answers every
 * job, in S3's XML for errors:
 *
 *	<Error><Code>NoSuchKey</Code><Message>...</Message>
 *	<Resource>/bucket/key</Resource><RequestId>...</RequestId></Error>
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <cJSON.h>

#include "conf.h"
#include "endpoint.h"
#include "fs.h"
#include "http.h"
#include "invoke.h"
#include "log.h"
#include "store/store.h"

#include "bucket.h"
#include "bucket_int.h"
#include "notify.h"

static const struct {
	const char	*code;
	int		 status;
	const char	*msg;
} s3_errs[S3E_NOPS] = {
	[S3E_OK] = { "OK", 200, "" },
	[S3E_ACCESS_DENIED] = { "AccessDenied", 403, "Access Denied" },
	[S3E_SIGNATURE] = { "SignatureDoesNotMatch", 403, "The request "
	    "signature we calculated does not match the signature you "
	    "provided. Check your key and signing method." },
	[S3E_SKEWED] = { "RequestTimeTooSkewed", 403, "The difference "
	    "between the request time and the current time is too large." },
	[S3E_KEY_ID] = { "InvalidAccessKeyId", 403, "The AWS Access Key Id "
	    "you provided does not exist in our records." },
	[S3E_AUTH_MALFORMED] = { "AuthorizationHeaderMalformed", 400,
	    "The authorization header is malformed" },
	[S3E_EXPIRED] = { "AccessDenied", 403, "Request has expired" },
	[S3E_NO_BUCKET] = { "NoSuchBucket", 404, "The specified bucket does "
	    "not exist" },
	[S3E_NO_KEY] = { "NoSuchKey", 404, "The specified key does not "
	    "exist." },
	[S3E_BUCKET_OWNED] = { "BucketAlreadyOwnedByYou", 409, "Your previous "
	    "request to create the named bucket succeeded and you already "
	    "own it." },
	[S3E_BUCKET_NOT_EMPTY] = { "BucketNotEmpty", 409, "The bucket you "
	    "tried to delete is not empty" },
	[S3E_BUCKET_NAME] = { "InvalidBucketName", 400, "The specified bucket "
	    "is not valid." },
	[S3E_KEY_TOO_LONG] = { "KeyTooLongError", 400, "Your key is too "
	    "long" },
	[S3E_BAD_DIGEST] = { "BadDigest", 400, "The Content-MD5 you "
	    "specified did not match what we received." },
	[S3E_INVALID_DIGEST] = { "InvalidDigest", 400, "The Content-MD5 you "
	    "specified is not valid." },
	[S3E_RANGE] = { "InvalidRange", 416, "The requested range is not "
	    "satisfiable" },
	[S3E_PRECONDITION] = { "PreconditionFailed", 412, "At least one of "
	    "the pre-conditions you specified did not hold" },
	[S3E_NOT_MODIFIED] = { "NotModified", 304, "Not Modified" },
	[S3E_METHOD] = { "MethodNotAllowed", 405, "The specified method is "
	    "not allowed against this resource." },
	[S3E_NO_UPLOAD] = { "NoSuchUpload", 404, "The specified upload does "
	    "not exist. The upload ID may be invalid, or the upload may have "
	    "been aborted or completed." },
	[S3E_INVALID_PART] = { "InvalidPart", 400, "One or more of the "
	    "specified parts could not be found." },
	[S3E_PART_ORDER] = { "InvalidPartOrder", 400, "The list of parts was "
	    "not in ascending order." },
	[S3E_TOO_SMALL] = { "EntityTooSmall", 400, "Your proposed upload is "
	    "smaller than the minimum allowed object size." },
	[S3E_TOO_LARGE] = { "EntityTooLarge", 400, "Your proposed upload "
	    "exceeds the maximum allowed object size." },
	[S3E_QUOTA] = { "EntityTooLarge", 400, "The store is full: "
	    "buckets_max_bytes would be exceeded." },
	[S3E_MALFORMED_XML] = { "MalformedXML", 400, "The XML you provided "
	    "was not well-formed or did not validate against our published "
	    "schema" },
	[S3E_ARGUMENT] = { "InvalidArgument", 400, "Invalid Argument" },
	[S3E_INTERNAL] = { "InternalError", 500, "We encountered an internal "
	    "error. Please try again." },
	[S3E_UNAVAILABLE] = { "ServiceUnavailable", 503, "The store is "
	    "closing" },
	[S3E_SHA256] = { "XAmzContentSHA256Mismatch", 400, "The provided "
	    "'x-amz-content-sha256' header does not match what was "
	    "computed." },
	[S3E_INVALID_TAG] = { "InvalidTag", 400, "The tag set is not valid" },
	[S3E_INCOMPLETE] = { "IncompleteBody", 400, "The request body is "
	    "not a valid aws-chunked body" },
	[S3E_REQUEST] = { "InvalidRequest", 400, "Invalid Request" },
};

/* ---- jobs ------------------------------------------------------------------ */

void
s3_random_hex(char *out, size_t n)
{
	static const char hx[] = "0123456789abcdef";
	unsigned char r[64];
	size_t i;

	if (n > sizeof(r))
		n = sizeof(r);
	if (getrandom(r, n, 0) != (ssize_t)n)
		abort();
	for (i = 0; i < n; i++) {
		out[2 * i] = hx[r[i] >> 4];
		out[2 * i + 1] = hx[r[i] & 15];
	}
	out[2 * n] = '\0';
}

void
s3_fail(struct s3_job *j, enum s3_err err, const char *fmt, ...)
{
	va_list ap;

	j->err = err;
	if (fmt == NULL) {
		snprintf(j->msg, sizeof(j->msg), "%s", s3_errs[err].msg);
		return;
	}
	va_start(ap, fmt);
	vsnprintf(j->msg, sizeof(j->msg), fmt, ap);
	va_end(ap);
}

void
s3_hdr(struct s3_job *j, const char *name, const char *fmt, ...)
{
	va_list ap;
	char v[2048];

	va_start(ap, fmt);
	vsnprintf(v, sizeof(v), fmt, ap);
	va_end(ap);
	/* A header value never carries a line break. */
	v[strcspn(v, "\r\n")] = '\0';
	if (*name == '\0')	/* v is "Name: value" */
		buf_printf(&j->hdrs, "%s\n", v);
	else
		buf_printf(&j->hdrs, "%s: %s\n", name, v);
}

void
s3_xml_open(struct s3_job *j, const char *name)
{
	buf_printf(&j->out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<%s xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">", name);
	s3_hdr(j, "Content-Type", "application/xml");
}

void
s3_xml_el(struct buf *b, const char *tag, const char *s, size_t n)
{
	buf_printf(b, "<%s>", tag);
	s3_xml_esc(b, s, n);
	buf_printf(b, "</%s>", tag);
}

void
s3_xml_name(struct buf *b, const char *tag, const char *s, size_t n,
    bool url)
{
	struct buf e;

	if (!url) {
		s3_xml_el(b, tag, s, n);
		return;
	}
	buf_init(&e);
	s3_url_enc(&e, s, n, true);
	s3_xml_el(b, tag, e.data != NULL ? e.data : "", e.len);
	buf_free(&e);
}

int
s3_req_hdr(const struct s3_job *j, const char *name, struct buf *out)
{
	size_t n;
	const char *v = http_header_get(j->req, name, &n);

	buf_reset(out);
	if (v == NULL)
		return -1;
	buf_add(out, v, n);
	buf_addc(out, '\0');
	out->len--;
	return 0;
}

static struct s3_job *
job_new(struct buckets *b, struct http_request *req)
{
	struct s3_job *j = calloc(1, sizeof(*j));

	if (j == NULL)
		abort();
	j->b = b;
	j->req = req;
	s3_random_hex(j->rid, 8);
	buf_init(&j->decoded);
	buf_init(&j->trailers);
	buf_init(&j->unlink);
	buf_init(&j->tmp);
	buf_init(&j->list);
	buf_init(&j->aux);
	buf_init(&j->hdrs);
	buf_init(&j->out);
	s3_obj_init(&j->obj);
	s3_obj_init(&j->src);
	j->status = 200;
	j->fd = -1;
	j->body = req->body;
	j->body_len = req->body_len;
	b->jobs++;
	return j;
}

struct s3_job *
s3_job_new(struct buckets *b, struct http_request *req)
{
	return job_new(b, req);
}

static void	door_free(struct buckets *);

static void
job_free(struct s3_job *j)
{
	if (--j->b->jobs == 0 && j->b->store_gone)
		door_free(j->b);
	s3_grants_free(j);
	s3_route_free(&j->rt);
	buf_free(&j->decoded);
	buf_free(&j->trailers);
	buf_free(&j->unlink);
	buf_free(&j->tmp);
	buf_free(&j->list);
	buf_free(&j->aux);
	buf_free(&j->hdrs);
	buf_free(&j->out);
	s3_obj_free(&j->obj);
	s3_obj_free(&j->src);
	s3_site_free(j->site);
	if (j->fd >= 0)
		close(j->fd);
	free(j->s_buf);
	free(j);
}

/* The error body, in j->out. */
static void
job_error_body(struct s3_job *j)
{
	struct buf res;

	if (j->site != NULL) {
		s3_site_error(j);
		return;
	}
	buf_init(&res);
	buf_adds(&res, "/");
	if (j->rt.bucket != NULL)
		buf_adds(&res, j->rt.bucket);
	if (j->rt.key != NULL)
		buf_printf(&res, "/%s", j->rt.key);
	buf_reset(&j->out);
	buf_reset(&j->hdrs);
	buf_adds(&j->out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<Error>");
	s3_xml_el(&j->out, "Code", s3_errs[j->err].code,
	    strlen(s3_errs[j->err].code));
	s3_xml_el(&j->out, "Message", j->msg, strlen(j->msg));
	s3_xml_el(&j->out, "Resource", res.data, res.len);
	s3_xml_el(&j->out, "RequestId", j->rid, strlen(j->rid));
	buf_adds(&j->out, "</Error>");
	s3_hdr(j, "Content-Type", "application/xml");
	j->status = s3_errs[j->err].status;
	buf_free(&res);
}

/* Files a durable change left behind, removed on the threadpool. */
struct s3_unlink {
	uv_work_t	 w;
	char		*dir;
	struct buf	 list;
};

static void
unlink_work(uv_work_t *w)
{
	struct s3_unlink *u = w->data;

	s3_file_unlink(u->dir, &u->list);
}

static void
unlink_done(uv_work_t *w, int status)
{
	struct s3_unlink *u = w->data;

	(void)status;
	buf_free(&u->list);
	free(u->dir);
	free(u);
}

static void
job_unlink(struct s3_job *j)
{
	struct s3_unlink *u;

	if (j->unlink.len == 0 || (u = calloc(1, sizeof(*u))) == NULL)
		return;
	u->w.data = u;
	u->dir = strdup(j->b->dir);
	u->list = j->unlink;
	buf_init(&j->unlink);
	if (uv_queue_work(j->b->loop, &u->w, unlink_work, unlink_done) != 0)
		unlink_done(&u->w, 0);
}

/* ---- streamed GetObject ---------------------------------------------------- */

static void	stream_next(struct s3_job *);

static void
stream_finish(struct s3_job *j)
{
	if (j->s_left > 0 || j->s_gone)
		http_stream_end(j->req);
	job_free(j);
}

static void
stream_read_done(uv_fs_t *fr)
{
	struct s3_job *j = fr->data;
	ssize_t n = fr->result;

	uv_fs_req_cleanup(fr);
	j->s_reading = false;
	if (j->s_gone || n <= 0) {
		if (n <= 0 && !j->s_gone)
			log_warnx("buckets: %s: reading the object: %s", j->rid,
			    n < 0 ? uv_strerror((int)n) : "cut short");
		stream_finish(j);
		return;
	}
	if ((uint64_t)n > j->s_left)
		n = (ssize_t)j->s_left;
	j->s_off += (uint64_t)n;
	j->s_left -= (uint64_t)n;
	if (http_stream_write(j->req, j->s_buf, (size_t)n) != 0) {
		j->s_gone = true;
		stream_finish(j);
		return;
	}
	if (j->s_left == 0) {
		job_free(j);	/* the request is answered */
		return;
	}
	if (http_stream_queued(j->req) > 2 * S3_STREAM_BUF) {
		j->s_waiting = true;	/* on_drain goes on */
		return;
	}
	stream_next(j);
}

static void
stream_next(struct s3_job *j)
{
	uv_buf_t b;
	size_t n = j->s_left < S3_STREAM_BUF ? (size_t)j->s_left :
	    S3_STREAM_BUF;

	b = uv_buf_init(j->s_buf, (unsigned)n);
	j->fsreq.data = j;
	j->s_reading = true;
	if (uv_fs_read(j->b->loop, &j->fsreq, j->fd, &b, 1, (int64_t)j->s_off,
	    stream_read_done) != 0) {
		j->s_reading = false;
		stream_finish(j);
	}
}

static void
stream_drain(struct http_request *req, void *arg)
{
	struct s3_job *j = req->data;

	(void)arg;
	if (!j->s_waiting)
		return;
	j->s_waiting = false;
	stream_next(j);
}

static void
stream_abort(struct http_request *req, void *arg)
{
	struct s3_job *j = req->data;

	(void)arg;
	j->s_gone = true;
	if (j->s_waiting) {
		j->s_waiting = false;
		stream_finish(j);
	}
	/* A read in flight finishes first (stream_read_done). */
}

static void
stream_start(struct s3_job *j, const struct http_header *h, size_t n)
{
	if ((j->s_buf = malloc(S3_STREAM_BUF)) == NULL)
		abort();
	j->req->data = j;
	j->req->on_drain = stream_drain;
	j->req->on_abort = stream_abort;
	if (http_stream_begin(j->req, j->status, h, n, j->s_left) != 0) {
		j->s_gone = true;
		stream_finish(j);
		return;
	}
	stream_next(j);
}

void
s3_job_reply(struct s3_job *j)
{
	struct http_header h[64];
	size_t n = 0;
	char *p, *e, *c;

	if (j->err != S3E_OK) {
		if (j->err == S3E_INTERNAL || j->err == S3E_UNAVAILABLE)
			log_warnx("buckets: %s %s %s: %s", j->rid,
			    s3_op_name(j->rt.op), s3_errs[j->err].code,
			    j->msg);
		job_error_body(j);
	} else
		job_unlink(j);
	h[n++] = (struct http_header){ "x-amz-request-id", 16, j->rid,
	    strlen(j->rid) };
	h[n++] = (struct http_header){ "Server", 6, "lambdad", 7 };
	for (p = j->hdrs.data; p != NULL && *p != '\0' &&
	    n < sizeof(h) / sizeof(h[0]); p = e + 1) {
		if ((e = strchr(p, '\n')) == NULL || (c = strstr(p, ": ")) ==
		    NULL || c > e)
			break;
		h[n++] = (struct http_header){ p, (size_t)(c - p), c + 2,
		    (size_t)(e - c - 2) };
	}
	if (j->err == S3E_OK && j->fd >= 0) {
		stream_start(j, h, n);
		return;
	}
	/* HEAD: http.c sends no body, only its length. */
	http_respond(j->req, j->status, h, n, j->out.data != NULL ?
	    j->out.data : "", j->status == 304 ? 0 : j->head_len > 0 &&
	    j->err == S3E_OK ? (size_t)j->head_len : j->out.len);
	job_free(j);
}

/* ---- steps ---------------------------------------------------------------- */

/* A write that did not happen: the file it made goes, nothing else. */
static void
job_drop_new(struct s3_job *j)
{
	buf_reset(&j->unlink);
	if (j->newfile[0] != '\0') {
		buf_add(&j->unlink, j->newfile, strlen(j->newfile) + 1);
		job_unlink(j);
	}
}

static void
step_done(void *arg, int rc)
{
	struct s3_job *j = arg;

	if (j->writing)		/* committed or not: cached answers go */
		j->b->gen++;
	j->writing = false;
	if (rc == STORE_ECOMMIT) {
		char why[160];

		store_last_error(j->b->store, why, sizeof(why));
		s3_fail(j, S3E_INTERNAL, "The write could not be committed: "
		    "%s", why);
	} else if (rc != 0 && j->err == S3E_OK)
		s3_fail(j, S3E_INTERNAL, NULL);
	if (j->err != S3E_OK) {
		/* Files made for a write that did not happen. */
		job_drop_new(j);
		s3_job_reply(j);
		return;
	}
	j->next(j);
}

static int
step_run(sqlite3 *db, void *arg)
{
	struct s3_job *j = arg;
	int rc = j->thread_fn(db, j);

	return rc != 0 || j->err != S3E_OK ? -1 : 0;
}

static void
step_submit(struct s3_job *j, int (*fn)(sqlite3 *, struct s3_job *),
    s3_step_fn next, bool write)
{
	int rc;

	j->thread_fn = fn;
	j->next = next;
	j->writing = write;
	if (j->b->store == NULL)
		rc = STORE_ECLOSED;
	else
		rc = write ? store_write(j->b->store, step_run, step_done, j) :
		    store_read(j->b->store, step_run, step_done, j);
	if (rc != 0) {
		s3_fail(j, S3E_UNAVAILABLE, NULL);
		s3_job_reply(j);
	}
}

void
s3_job_read(struct s3_job *j, int (*fn)(sqlite3 *, struct s3_job *),
    s3_step_fn next)
{
	step_submit(j, fn, next, false);
}

void
s3_job_write(struct s3_job *j, int (*fn)(sqlite3 *, struct s3_job *),
    s3_step_fn next)
{
	step_submit(j, fn, next, true);
}

static void
work_run(uv_work_t *w)
{
	struct s3_job *j = w->data;

	j->work_fn(j);
}

static void
work_done(uv_work_t *w, int status)
{
	struct s3_job *j = w->data;

	if (status != 0 && j->err == S3E_OK)
		s3_fail(j, S3E_UNAVAILABLE, NULL);
	if (j->err != S3E_OK) {
		job_drop_new(j);
		s3_job_reply(j);
		return;
	}
	j->next(j);
}

void
s3_job_work(struct s3_job *j, void (*fn)(struct s3_job *), s3_step_fn next)
{
	j->work_fn = fn;
	j->next = next;
	j->work.data = j;
	if (uv_queue_work(j->b->loop, &j->work, work_run, work_done) != 0) {
		s3_fail(j, S3E_UNAVAILABLE, NULL);
		s3_job_reply(j);
	}
}

/* ---- requests ------------------------------------------------------------- */

/* With access keys, a SigV4 signature; without, loopback peers only. */
static int
door_auth(struct s3_job *j)
{
	const struct conf *c = j->b->conf;
	char why[256];
	enum sigv4_status st;

	if (c->naccess_keys == 0) {
		if (invoke_peer_trusted(&j->req->peer))
			return 0;
		s3_fail(j, S3E_ACCESS_DENIED, "Buckets answer loopback clients "
		    "only (no access_key is set)");
		return -1;
	}
	why[0] = '\0';
	st = sigv4_verify_s3(j->req, c->access_keys, c->naccess_keys,
	    time(NULL), &j->sig, why, sizeof(why));
	switch (st) {
	case SIGV4_OK:
		return 0;
	case SIGV4_MISSING:
		s3_fail(j, S3E_ACCESS_DENIED, NULL);
		break;
	case SIGV4_MALFORMED:
		s3_fail(j, S3E_AUTH_MALFORMED, "%s", why);
		break;
	case SIGV4_UNKNOWN_KEY:
		s3_fail(j, S3E_KEY_ID, NULL);
		break;
	case SIGV4_EXPIRED:
		s3_fail(j, j->sig.presigned ? S3E_ACCESS_DENIED : S3E_SKEWED,
		    "%s", why);
		break;
	case SIGV4_URL_EXPIRED:
		s3_fail(j, S3E_EXPIRED, NULL);
		break;
	case SIGV4_MISMATCH:
		s3_fail(j, S3E_SIGNATURE, NULL);
		break;
	}
	log_info("buckets: %s %.*s refused: %s", j->req->method,
	    (int)j->req->path_len, j->req->path, why);
	return -1;
}

/* aws-chunked: which form, from the payload hash the request names. */
static void
door_payload(struct s3_job *j)
{
	const char *p = j->sig.payload;
	size_t n;
	const char *v = http_header_get(j->req, "X-Amz-Content-Sha256", &n);
	bool verified = j->fn == NULL && j->b->conf->naccess_keys > 0;

	if (!verified && v != NULL && n < sizeof(j->sig.payload))
		snprintf(j->sig.payload, sizeof(j->sig.payload), "%.*s",
		    (int)n, v);
	j->signed_chunks = strncmp(p, SIGV4_STREAMING,
	    strlen(SIGV4_STREAMING)) == 0;
	j->signed_trailer = strcmp(p, SIGV4_STREAMING_TRAILER) == 0;
	j->chunked = j->signed_chunks ||
	    strcmp(p, SIGV4_STREAMING_UNSIGNED) == 0;
	/* Without keys (or from a function) nothing was verified: chunk
	 * signatures neither. */
	if (!verified && j->signed_chunks)
		j->signed_chunks = false, j->chunked = true;
}

/* Route j; 0, or -1 with j answered. */
static int
door_route(struct s3_job *j)
{
	struct http_request *req = j->req;
	struct buckets *b = j->b;
	size_t hl;
	const char *host = http_header_get(req, "Host", &hl);
	bool copy = http_header_get(req, "x-amz-copy-source", NULL) != NULL;

	if (s3_route(req->method, host, host != NULL ? hl : 0, req->path,
	    req->path_len, req->query, req->query_len, copy,
	    (const char *const *)b->suffixes, b->nsuffixes, &j->rt) != 0) {
		s3_fail(j, S3E_REQUEST, "%s", j->rt.why);
		s3_job_reply(j);
		return -1;
	}
	if (req->too_large) {
		s3_fail(j, S3E_TOO_LARGE, "Your proposed upload exceeds the "
		    "maximum allowed size (%llu bytes)", (unsigned long long)
		    (j->fn != NULL ? ENDPOINT_MAX_BODY : S3_MAX_BODY));
		s3_job_reply(j);
		return -1;
	}
	return 0;
}

/* An authenticated, routed j: its operation. */
static void
door_serve(struct s3_job *j)
{
	door_payload(j);
	if (j->b->closing) {
		s3_fail(j, S3E_UNAVAILABLE, NULL);
		s3_job_reply(j);
		return;
	}
	if (j->rt.bucket != NULL && !s3_bucket_name_ok(j->rt.bucket,
	    strlen(j->rt.bucket)) && j->rt.op != S3_CREATE_BUCKET) {
		s3_fail(j, S3E_NO_BUCKET, NULL);
		s3_job_reply(j);
		return;
	}
	if (s3_grants_check(j) != 0) {
		s3_job_reply(j);
		return;
	}
	switch (j->rt.op) {
	case S3_BAD:
		s3_fail(j, S3E_METHOD, "%s", j->rt.why);
		s3_job_reply(j);
		return;
	case S3_LIST_OBJECTS:
	case S3_LIST_OBJECTS_V2:
	case S3_LIST_UPLOADS:
		s3_op_list(j);
		return;
	case S3_LIST_BUCKETS:
	case S3_CREATE_BUCKET:
	case S3_DELETE_BUCKET:
	case S3_HEAD_BUCKET:
	case S3_GET_LOCATION:
		s3_op_bucket(j);
		return;
	case S3_CREATE_UPLOAD:
	case S3_UPLOAD_PART:
	case S3_COMPLETE_UPLOAD:
	case S3_ABORT_UPLOAD:
	case S3_LIST_PARTS:
	case S3_UPLOAD_PART_COPY:
		s3_op_upload(j);
		return;
	default:
		s3_op_object(j);
		return;
	}
}

static void
door_on_request(struct http_request *req, void *arg)
{
	struct s3_job *j = job_new(arg, req);

	if (door_route(j) != 0)
		return;
	if (door_auth(j) != 0) {
		s3_job_reply(j);
		return;
	}
	door_serve(j);
}

void
buckets_function(struct buckets *b, const char *fn, struct http_request *req)
{
	static const char body[] = "<?xml version=\"1.0\" encoding=\"UTF-8\""
	    "?>\n<Error><Code>ServiceUnavailable</Code><Message>Buckets are "
	    "off (no s3_listen is set)</Message></Error>";
	static const struct http_header h[] = {
		{ "Content-Type", 12, "application/xml", 15 },
	};
	struct s3_job *j;

	if (b == NULL) {
		http_respond(req, 503, h, 1, body, strlen(body));
		return;
	}
	j = job_new(b, req);
	if (s3_grants_copy(j, b->conf, fn) != 0)
		abort();
	if (door_route(j) != 0)
		return;
	/* Any signature the SDK made is accepted, not verified. */
	door_serve(j);
}

/* ---- life ----------------------------------------------------------------- */

static int
door_open_store(struct buckets *b)
{
	struct store_cfg cfg = {
		.sync_full = true,
		.nreaders = 2,
		.schema = s3_schema,
	};
	char path[4200], err[512];
	int rc;

	if ((rc = fs_mkdir_p(b->dir, 0700)) != 0 ||
	    (rc = s3_file_init(b->dir)) != 0) {
		log_err("buckets_dir %s: %s", b->dir, strerror(-rc));
		return -1;
	}
	snprintf(path, sizeof(path), "%s/buckets.db", b->dir);
	cfg.path = path;
	if (store_open(b->loop, &cfg, &b->store, err, sizeof(err)) != 0) {
		log_err("buckets: %s", err);
		b->store = NULL;
		return -1;
	}
	return 0;
}

static int
door_listen(struct buckets *b)
{
	const struct conf *c = b->conf;
	struct http_server_cfg cfg = {
		.max_header_size = 64 * 1024,
		.max_body = S3_MAX_BODY,
		.header_timeout_ms = 10000,
		.body_timeout_ms = 30000,
		.send_timeout_ms = (uint64_t)c->send_timeout_s * 1000,
		.keepalive_timeout_ms = 75000,
		.max_conns = 4096,
		.on_request = door_on_request,
		.arg = b,
	};
	int rc;

	if ((b->srv = http_server_new(b->loop, &cfg)) == NULL)
		return -1;
	if ((rc = http_server_listen(b->srv, c->s3_host, c->s3_port)) != 0) {
		log_err("cannot listen on %s:%d for S3: %s", c->s3_host,
		    c->s3_port, uv_strerror(rc));
		return -1;
	}
	log_info("s3 on %s:%d (buckets in %s)", c->s3_host,
	    http_server_port(b->srv), b->dir);
	return 0;
}

int
buckets_open(uv_loop_t *loop, const struct conf *c, struct buckets **out)
{
	struct buckets *b;
	char dir[4096];

	*out = NULL;
	if (c->s3_port < 0)
		return 0;
	if (conf_buckets_dir(c, dir, sizeof(dir)) != 0) {
		log_err("buckets_dir: the path is too long");
		return -1;
	}
	if ((b = calloc(1, sizeof(*b))) == NULL)
		return -1;
	b->loop = loop;
	b->conf = c;
	b->max_bytes = c->buckets_max_bytes;
	b->dir = strdup(dir);
	b->suffixes[b->nsuffixes++] = strdup("localhost");
	b->suffixes[b->nsuffixes++] = strdup(c->s3_host);
	*out = b;
	if (door_open_store(b) != 0)
		return -1;
	s3_gc_start(b);		/* before anything is written */
	return door_listen(b);
}

void
buckets_set_conf(struct buckets *b, const struct conf *c)
{
	if (b == NULL)
		return;
	b->conf = c;
	b->max_bytes = c->buckets_max_bytes;
}

int
buckets_port(const struct buckets *b)
{
	return b != NULL && b->srv != NULL ? http_server_port(b->srv) : -1;
}

void
buckets_set_runner(struct buckets *b, struct pool *(*find)(void *,
    const char *), void *arg)
{
	(void)s3_notify_open(b, find, arg);
}

void
buckets_event_stats(const struct buckets *b, unsigned *depth,
    uint64_t *queued, uint64_t *lost)
{
	*depth = b != NULL ? equeue_depth(b->eq) : 0;
	*queued = b != NULL ? b->ev_queued : 0;
	*lost = b != NULL ? b->ev_lost : 0;
}

void
buckets_stop(struct buckets *b)
{
	s3_notify_stop(b);
	if (b != NULL && b->srv != NULL)
		http_server_stop_accepting(b->srv);
}

static void
door_free(struct buckets *b)
{
	size_t i;

	for (i = 0; i < b->nsuffixes; i++)
		free(b->suffixes[i]);
	free(b->dir);
	free(b);
}

/* Jobs still on the threadpool need b: it goes with the last of them. */
static void
door_store_closed(void *arg)
{
	struct buckets *b = arg;

	b->store = NULL;
	b->store_gone = true;
	/* Only now: a write the store finished while closing still gets its
	 * events on disk.  Puts in progress answer their jobs (failed, if
	 * cut short). */
	s3_notify_close(b);
	if (b->jobs == 0)
		door_free(b);
}

void
buckets_close(struct buckets *b)
{
	if (b == NULL)
		return;
	b->closing = true;
	http_server_free(b->srv);
	b->srv = NULL;
	if (b->store != NULL)
		store_close(b->store, door_store_closed, b);
	else
		door_store_closed(b);
}
