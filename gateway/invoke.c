/*
 * invoke: the AWS Lambda Invoke API door (and the few read-only control
 * calls the aws CLI and SDKs make around it).  See invoke.h.
 *
 * A request is checked in the order AWS checks it -- who may call, the
 * function, the headers, the body -- and each failure becomes one API
 * error reply with x-amzn-ErrorType.  What passes becomes one struct
 * invocation submitted to the function's pool, exactly as a route would;
 * only the reply differs (the function's bytes, not an HTTP mapping).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cJSON.h>

#include "buf.h"
#include "conf.h"
#include "control/control.h"
#include "equeue.h"
#include "front.h"
#include "http.h"
#include "invoke.h"
#include "invoke_int.h"
#include "log.h"
#include "pool.h"
#include "sigv4.h"

#define FN_PATH		"/2015-03-31/functions"
#define ACCOUNT_PATH	"/2016-08-19/account-settings"
#define ACCOUNT_ID	"123456789012"
#define ARN_PREFIX	"arn:aws:lambda:us-east-1:" ACCOUNT_ID ":function:"
#define LOG_RESULT_MAX	4096	/* X-Amz-Log-Result: the last 4 KB */
#define QUAL_MAX	128

/* An Event waiting for its record to be durable. */
struct event_put {
	struct http_request *req;
	char		 id[37];
};

#define HDR(n, v)	((struct http_header){ n, sizeof(n) - 1, v, strlen(v) })

/* ---- pure helpers ------------------------------------------------------ */

int
invoke_pct_decode(const char *s, size_t n, char *out)
{
	long k = buf_pct_decode(out, s, n, BUF_PCT_STRICT);

	if (k < 0)
		return -EINVAL;
	out[k] = '\0';
	return 0;
}

static bool
span_eq(const char *s, size_t n, const char *lit)
{
	return n == strlen(lit) && memcmp(s, lit, n) == 0;
}

/* Lambda's function-name pattern: [A-Za-z0-9_-]{1,64}. */
static bool
name_ok(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > 64)
		return false;
	for (i = 0; i < n; i++)
		if (!(s[i] >= 'a' && s[i] <= 'z') && !(s[i] >= 'A' && s[i] <= 'Z') &&
		    !(s[i] >= '0' && s[i] <= '9') && s[i] != '_' && s[i] != '-')
			return false;
	return true;
}

/* A version or alias: [A-Za-z0-9$_-]{1,128}. */
static bool
qual_ok(const char *s, size_t n)
{
	size_t i;

	if (n > QUAL_MAX)
		return false;
	for (i = 0; i < n; i++)
		if (s[i] != '$' && !name_ok(s + i, 1))
			return false;
	return n > 0;
}

static bool
account_ok(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return n == 12;
}

int
invoke_split_name(const char *s, char name[65], char *qual, size_t qual_size)
{
	const char *f[9];
	size_t len[9], first;
	int nf = 0;

	for (;;) {
		const char *c = strchr(s, ':');

		if (nf == 9)
			return -EINVAL;
		f[nf] = s;
		len[nf++] = c != NULL ? (size_t)(c - s) : strlen(s);
		if (c == NULL)
			break;
		s = c + 1;
	}
	if (nf >= 7 && span_eq(f[0], len[0], "arn")) {
		/* arn:PARTITION:lambda:REGION:ACCOUNT:function:NAME[:QUAL] */
		if (nf > 8 || !span_eq(f[2], len[2], "lambda") || len[3] == 0 ||
		    !account_ok(f[4], len[4]) || !span_eq(f[5], len[5], "function"))
			return -EINVAL;
		first = 6;
	} else if (nf >= 3 && span_eq(f[1], len[1], "function")) {
		if (nf > 4 || !account_ok(f[0], len[0]))
			return -EINVAL;
		first = 2;
	} else if (nf <= 2)
		first = 0;
	else
		return -EINVAL;
	if (!name_ok(f[first], len[first]))
		return -EINVAL;
	memcpy(name, f[first], len[first]);
	name[len[first]] = '\0';
	qual[0] = '\0';
	if ((size_t)nf > first + 1) {
		if (!qual_ok(f[first + 1], len[first + 1]) ||
		    len[first + 1] >= qual_size)
			return -EINVAL;
		memcpy(qual, f[first + 1], len[first + 1]);
		qual[len[first + 1]] = '\0';
	}
	return 0;
}

bool
invoke_peer_trusted(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;

		return (ntohl(sin->sin_addr.s_addr) >> 24) == 127;
	}
	if (ss->ss_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)ss)->sin6_addr;

		if (IN6_IS_ADDR_LOOPBACK(a))
			return true;
		return IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127;
	}
	return false;
}

bool
invoke_match(const char *path, size_t len)
{
	/* Then reserved concurrency's, the layers', the tags' and the
	 * event-invoke configs' (control.h). */
	static const char *const prefix[] = { FN_PATH, ACCOUNT_PATH,
	    "/2017-10-31/functions", "/2019-09-30/functions",
	    "/2018-10-31/layers", "/2017-03-31/tags", "/2019-09-25/functions",
	    STREAM_FN_PATH };
	size_t i;

	for (i = 0; i < sizeof(prefix) / sizeof(prefix[0]); i++) {
		size_t n = strlen(prefix[i]);

		if (len >= n && memcmp(path, prefix[i], n) == 0 &&
		    (len == n || path[n] == '/'))
			return true;
	}
	return false;
}

/*
 * Whether s[0..n) is exactly one JSON value (whitespace around it allowed).
 * On failure *at is the byte offset where parsing stopped.  With out, the
 * parsed value is handed back (caller frees).
 */
static bool
json_valid(const char *s, size_t n, size_t *at, cJSON **out)
{
	const char *end = NULL;
	cJSON *j = cJSON_ParseWithLengthOpts(s, n, &end, 0);

	*at = end != NULL && end >= s ? (size_t)(end - s) : 0;
	if (j == NULL)
		return false;
	while (*at < n && (s[*at] == ' ' || s[*at] == '\t' || s[*at] == '\n' ||
	    s[*at] == '\r'))
		(*at)++;
	if (*at != n || out == NULL) {
		cJSON_Delete(j);
		return *at == n;
	}
	*out = j;
	return true;
}

/* ---- replies ------------------------------------------------------------ */

/* An API error: status, x-amzn-ErrorType, {"Type","Message"}. */
void __attribute__((format(printf, 5, 6)))
api_error(struct http_request *req, int status, const char *code,
    const char *rid, const char *fmt, ...)
{
	struct http_header h[3];
	struct buf body;
	char msg[512];
	va_list ap;
	size_t nh = 0;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	buf_init(&body);
	buf_printf(&body, "{\"Type\":\"%s\",\"Message\":",
	    status >= 500 ? "Service" : "User");
	buf_json_str(&body, msg, strlen(msg));
	buf_addc(&body, '}');
	h[nh++] = HDR("Content-Type", "application/json");
	h[nh++] = HDR("x-amzn-ErrorType", code);
	if (rid != NULL)
		h[nh++] = HDR("x-amzn-RequestId", rid);
	http_respond(req, status, h, nh, body.data, body.len);
	buf_free(&body);
}

/* 429 as AWS words a reserved-concurrency throttle. */
void
api_throttled(struct http_request *req, const struct pool *p, const char *rid)
{
	static const char body[] = "{\"Type\":\"User\",\"Message\":\"Rate "
	    "Exceeded.\",\"Reason\":"
	    "\"ReservedFunctionConcurrentInvocationLimitExceeded\"}";
	char ra[16];
	struct http_header h[4];

	snprintf(ra, sizeof(ra), "%u", pool_retry_after(p));
	h[0] = HDR("Content-Type", "application/json");
	h[1] = HDR("x-amzn-ErrorType", "TooManyRequestsException");
	h[2] = HDR("Retry-After", ra);
	h[3] = HDR("x-amzn-RequestId", rid);
	http_respond(req, 429, h, 4, body, sizeof(body) - 1);
}

static void
invoke_aborted(struct http_request *req, void *arg)
{
	/* The invocation still runs to its end; the reply is discarded. */
	(void)req;
	(void)arg;
}

/* ---- finding the function --------------------------------------------- */

static struct pool *
invoke_find(const struct invoke *iv, const char *name)
{
	size_t i;

	/* A few functions per machine: a scan beats keeping an index in step. */
	for (i = 0; i < iv->npools; i++)
		if (strcmp(pool_conf(iv->pools[i])->name, name) == 0)
			return iv->pools[i];
	return NULL;
}

/*
 * The pool named by a raw FunctionName path segment and the Qualifier
 * query parameter, with the function's name and the qualifier asked for
 * ("" if none) in name and qual.  On failure req is answered and NULL
 * returned.
 */
static struct pool *
resolve_named(struct invoke *iv, struct http_request *req, const char *seg,
    size_t n, const char *rid, char name[65], char qual[QUAL_MAX + 1])
{
	char dec[256], q[QUAL_MAX + 1];
	struct pool *p;
	int rc;

	if (n >= sizeof(dec) || invoke_pct_decode(seg, n, dec) != 0 ||
	    invoke_split_name(dec, name, qual, QUAL_MAX + 1) != 0) {
		api_error(req, 400, "ValidationException", rid, "1 validation "
		    "error detected: Value at 'functionName' failed to satisfy "
		    "constraint: Member must be a function name, "
		    "name:qualifier or function ARN");
		return NULL;
	}
	if ((rc = http_query_get(req, "Qualifier", q, sizeof(q))) < 0 ||
	    (rc > 0 && !qual_ok(q, strlen(q)))) {
		api_error(req, 400, "ValidationException", rid, "1 validation "
		    "error detected: Value at 'qualifier' failed to satisfy "
		    "constraint: Member must match [a-zA-Z0-9$_-]{1,128}");
		return NULL;
	}
	if (rc > 0 && qual[0] != '\0' && strcmp(qual, q) != 0) {
		api_error(req, 400, "InvalidParameterValueException", rid,
		    "The derived qualifier from the function name does not "
		    "match the specified qualifier.");
		return NULL;
	}
	if (rc > 0)
		memcpy(qual, q, sizeof(q));
	if ((p = invoke_find(iv, name)) == NULL) {
		api_error(req, 404, "ResourceNotFoundException", rid,
		    "Function not found: " ARN_PREFIX "%s", name);
		return NULL;
	}
	/* Versions and aliases: the control plane names their pool. */
	if (qual[0] != '\0' && strcmp(qual, "$LATEST") != 0 &&
	    (control_qualify(iv->ctl, name, qual, dec, sizeof(dec)) != 0 ||
	    (p = invoke_find(iv, dec)) == NULL)) {
		api_error(req, 404, "ResourceNotFoundException", rid,
		    "Function not found: " ARN_PREFIX "%s:%s", name, qual);
		return NULL;
	}
	return p;
}

struct pool *
invoke_resolve(struct invoke *iv, struct http_request *req, const char *seg,
    size_t n, const char *rid)
{
	char name[65], qual[QUAL_MAX + 1];

	return resolve_named(iv, req, seg, n, rid, name, qual);
}

/* ---- Invoke ------------------------------------------------------------- */

bool
wants_tail(const struct http_request *req)
{
	size_t n;
	const char *v = http_header_get(req, "X-Amz-Log-Type", &n);

	return v != NULL && span_eq(v, n, "Tail");
}


static void
invoke_sync_done(struct invocation *inv, const struct inv_result *res)
{
	struct http_request *req = inv->door;
	struct invoke *iv = req->data;
	struct http_header h[6];
	struct buf tail;
	size_t nh = 0;

	iv->inflight--;
	if (res->status == INV_THROTTLED) {
		if (res->error_type != NULL &&
		    strcmp(res->error_type, "ServiceException") == 0)
			api_error(req, 500, "ServiceException", inv->id,
			    "lambdad is shutting down");
		else
			api_throttled(req, inv->pool, inv->id);
		inv_free(inv);
		return;
	}
	buf_init(&tail);
	h[nh++] = HDR("Content-Type", "application/json");
	h[nh++] = HDR("X-Amz-Executed-Version", pool_version(inv->pool));
	h[nh++] = HDR("X-Amzn-RequestId", inv->id);
	if (res->status != INV_OK)
		h[nh++] = HDR("X-Amz-Function-Error", "Unhandled");
	if (inv->trace_id != NULL)
		h[nh++] = HDR("X-Amzn-Trace-Id", inv->trace_id);
	if (wants_tail(req)) {
		size_t n = res->log_tail_len, skip = n > LOG_RESULT_MAX ?
		    n - LOG_RESULT_MAX : 0;

		buf_base64(&tail, res->log_tail != NULL ? res->log_tail + skip :
		    "", n - skip);
		h[nh++] = (struct http_header){ "X-Amz-Log-Result", 16,
		    tail.data != NULL ? tail.data : "", tail.len };
	}
	http_respond(req, 200, h, nh, res->body, res->body_len);
	buf_free(&tail);
	inv_free(inv);
}

/* Headers other than the payload's.  On failure req is answered. */
int
invoke_read_headers(struct http_request *req, struct invocation *inv,
    enum inv_type *type)
{
	const char *v;
	size_t n;

	v = http_header_get(req, "X-Amz-Invocation-Type", &n);
	if (v == NULL || n == 0 || span_eq(v, n, "RequestResponse"))
		*type = TYPE_SYNC;
	else if (span_eq(v, n, "Event"))
		*type = TYPE_EVENT;
	else if (span_eq(v, n, "DryRun"))
		*type = TYPE_DRYRUN;
	else {
		api_error(req, 400, "InvalidParameterValueException", inv->id,
		    "X-Amz-Invocation-Type must be RequestResponse, Event or "
		    "DryRun");
		return -EINVAL;
	}
	v = http_header_get(req, "X-Amz-Log-Type", &n);
	if (v != NULL && n > 0 && !span_eq(v, n, "None") &&
	    !span_eq(v, n, "Tail")) {
		api_error(req, 400, "InvalidParameterValueException", inv->id,
		    "X-Amz-Log-Type must be None or Tail");
		return -EINVAL;
	}
	v = http_header_get(req, "X-Amzn-Trace-Id", &n);
	if (v != NULL && n > 0 && (inv->trace_id = strndup(v, n)) == NULL) {
		api_error(req, 500, "ServiceException", inv->id, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

/*
 * X-Amz-Client-Context: base64 of a JSON object.  It is re-printed compact,
 * because it travels on to the worker in a header, where a raw newline
 * from the JSON's whitespace would split the header.
 */
int
invoke_client_context(struct http_request *req, struct invocation *inv)
{
	const char *v;
	struct buf b;
	cJSON *j = NULL;
	size_t n, at;

	if ((v = http_header_get(req, "X-Amz-Client-Context", &n)) == NULL ||
	    n == 0)
		return 0;
	if (n > INVOKE_MAX_CLIENT_CONTEXT) {
		api_error(req, 400, "InvalidParameterValueException", inv->id,
		    "Client context must be at most %d bytes of base64",
		    INVOKE_MAX_CLIENT_CONTEXT);
		return -EINVAL;
	}
	buf_init(&b);
	if (buf_unbase64(&b, v, n) != 0 || b.len == 0 ||
	    memchr(b.data, '\0', b.len) != NULL ||
	    !json_valid(b.data, b.len, &at, &j) || !cJSON_IsObject(j)) {
		buf_free(&b);
		cJSON_Delete(j);
		api_error(req, 400, "InvalidParameterValueException", inv->id,
		    "Client context must be a valid Base64-encoded JSON object.");
		return -EINVAL;
	}
	buf_free(&b);
	inv->client_context = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	if (inv->client_context == NULL) {
		api_error(req, 500, "ServiceException", inv->id, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

/* The payload becomes the event unchanged; an empty one is {}. */
int
invoke_read_body(struct http_request *req, struct invocation *inv)
{
	size_t at;

	if (req->body_len == 0) {
		buf_adds(&inv->event, "{}");
		return 0;
	}
	/* Up to 6 MiB parsed on the loop: tens of ms at worst, once. */
	if (!json_valid(req->body, req->body_len, &at, NULL)) {
		api_error(req, 400, "InvalidRequestContentException", inv->id,
		    "Could not parse request body into json: Could not parse "
		    "payload into json: unexpected input at byte %zu", at);
		return -EINVAL;
	}
	buf_add(&inv->event, req->body, req->body_len);
	return 0;
}

static void
invoke_submit(struct invoke *iv, struct pool *p, struct http_request *req,
    struct invocation *inv)
{
	inv->done = invoke_sync_done;
	inv->door = req;
	inv->via = INV_VIA_INVOKE;
	req->data = iv;
	req->on_abort = invoke_aborted;
	if (pool_submit(p, inv) != 0) {
		log_info("%s: %s: throttled (queue full)", pool_conf(p)->name,
		    inv->id);
		api_throttled(req, p, inv->id);
		inv_free(inv);
		return;
	}
	iv->inflight++;
}

/* The record is durable (202) or could not be written (500). */
static void
invoke_event_stored(void *arg, int rc)
{
	struct event_put *ep = arg;
	struct http_header h = HDR("X-Amzn-RequestId", ep->id);

	if (rc == 0)
		http_respond(ep->req, 202, &h, 1, NULL, 0);
	else
		api_error(ep->req, 500, "ServiceException", ep->id, "The Event "
		    "could not be stored: %s", strerror(-rc));
	free(ep);
}

/* 429 for a full Event queue: nothing was stored, the caller may retry. */
static void
api_queue_full(struct http_request *req, const char *rid)
{
	static const char body[] = "{\"Type\":\"User\",\"Message\":\"Rate "
	    "Exceeded.\",\"Reason\":\"EventQueueFull\"}";
	struct http_header h[4];

	h[0] = HDR("Content-Type", "application/json");
	h[1] = HDR("x-amzn-ErrorType", "TooManyRequestsException");
	h[2] = HDR("Retry-After", "1");
	h[3] = HDR("x-amzn-RequestId", rid);
	http_respond(req, 429, h, 4, body, sizeof(body) - 1);
}

/*
 * Event: answered 202 only once the record is on disk (equeue.h); the
 * queue runs it later through the same pool.  inv is consumed.
 */
static void
invoke_event(struct invoke *iv, struct pool *p, struct http_request *req,
    struct invocation *inv, const char *name, const char *qual)
{
	struct equeue_policy pol;
	struct event_put *ep;
	int rc = -ENOMEM;

	/* The event-invoke config of what was invoked, if it has one. */
	equeue_policy_init(&pol);
	control_event_policy(iv->ctl, name, qual, &pol);
	snprintf(pol.qual, sizeof(pol.qual), "%s", qual);

	if (iv->eq == NULL) {
		api_error(req, 500, "ServiceException", inv->id, "Event "
		    "invocations are unavailable: %s", iv->eq_err);
		inv_free(inv);
		return;
	}
	if ((ep = calloc(1, sizeof(*ep))) != NULL) {
		ep->req = req;
		memcpy(ep->id, inv->id, sizeof(ep->id));
		req->on_abort = invoke_aborted;
		rc = equeue_put_with(iv->eq, pool_conf(p)->name, inv->id,
		    inv->event.data, inv->event.len, inv->trace_id,
		    inv->client_context, &pol, invoke_event_stored, ep);
	}
	if (rc == -EAGAIN) {
		log_warnx("%s: %s: Event refused: the queue holds %u events",
		    pool_conf(p)->name, inv->id, equeue_depth(iv->eq));
		api_queue_full(req, inv->id);
	} else if (rc != 0)
		api_error(req, 500, "ServiceException", inv->id, "The Event "
		    "could not be queued: %s", strerror(-rc));
	if (rc != 0)
		free(ep);
	inv_free(inv);
}

/* Lambda's asynchronous limit is 256 KiB, not the 6 MiB of a sync call. */
static int
invoke_event_size(struct http_request *req, const struct invocation *inv)
{
	if (req->body_len <= EQUEUE_MAX_PAYLOAD)
		return 0;
	api_error(req, 413, "RequestEntityTooLargeException", inv->id,
	    "Request must be smaller than %d bytes for the InvokeFunction "
	    "operation", EQUEUE_MAX_PAYLOAD);
	return -E2BIG;
}

static void
invoke_function(struct invoke *iv, struct http_request *req, const char *seg,
    size_t n)
{
	char name[65], qual[QUAL_MAX + 1];
	struct invocation *inv;
	enum inv_type type;
	struct pool *p;

	if ((inv = inv_new()) == NULL) {
		api_error(req, 500, "ServiceException", NULL, "out of memory");
		return;
	}
	if ((p = resolve_named(iv, req, seg, n, inv->id, name, qual)) == NULL)
		goto done;
	if (invoke_read_headers(req, inv, &type) != 0 ||
	    (type == TYPE_EVENT && invoke_event_size(req, inv) != 0) ||
	    invoke_client_context(req, inv) != 0 ||
	    invoke_read_body(req, inv) != 0)
		goto done;
	if (type == TYPE_DRYRUN) {
		struct http_header h = HDR("X-Amzn-RequestId", inv->id);

		http_respond(req, 204, &h, 1, NULL, 0);
		goto done;
	}
	if (type == TYPE_EVENT)
		invoke_event(iv, p, req, inv, name, qual);
	else
		invoke_submit(iv, p, req, inv);
	return;
done:
	/* Every failure above has answered req already. */
	inv_free(inv);
}

/* ---- the door ------------------------------------------------------------ */

/* 403 with AWS's error type and a JSON {"message"}. */
static void
api_denied(struct http_request *req, const char *type, const char *msg)
{
	struct http_header h[2];
	struct buf body;

	buf_init(&body);
	buf_adds(&body, "{\"message\":");
	buf_json_str(&body, msg, strlen(msg));
	buf_addc(&body, '}');
	h[0] = HDR("Content-Type", "application/json");
	h[1] = HDR("x-amzn-ErrorType", type);
	http_respond(req, 403, h, 2, body.data, body.len);
	buf_free(&body);
}

/*
 * With access keys, every request must be signed by one (any peer); without,
 * loopback peers only, signed or not.  On refusal req is answered.
 */
int
invoke_check_access(struct invoke *iv, struct http_request *req,
    const char *service)
{
	enum sigv4_status st;
	char why[256];

	if (iv->conf->naccess_keys == 0) {
		if (invoke_peer_trusted(&req->peer))
			return 0;
		api_denied(req, "AccessDeniedException", "The Invoke API "
		    "answers loopback clients only (no access_key is set)");
		return -EPERM;
	}
	st = sigv4_verify(req, iv->conf->access_keys, iv->conf->naccess_keys,
	    service, time(NULL), why, sizeof(why));
	if (st == SIGV4_OK)
		return 0;
	log_info("Invoke API: %s %.*s refused: %s", req->method,
	    (int)req->path_len, req->path, why);
	api_denied(req, sigv4_error_type(st), why);
	return -EPERM;
}

/*
 * Invocations are this file's; every other Lambda REST call (the control
 * plane: functions, account settings) is control.h's, once authorized.
 */
void
invoke_handle(struct invoke *iv, struct http_request *req)
{
	const char *p = req->path + strlen(FN_PATH), *end = req->path +
	    req->path_len, *seg, *op = NULL;

	if (invoke_check_access(iv, req, "lambda") != 0)
		return;
	if (invoke_stream_match(req)) {		/* invoke_stream.c */
		invoke_stream_handle(iv, req);
		return;
	}
	seg = p + 1;
	if (strncmp(req->path, FN_PATH "/", strlen(FN_PATH) + 1) == 0)
		op = memchr(seg, '/', (size_t)(end - seg));
	if (op == NULL || op == seg || strcmp(req->method, "POST") != 0 ||
	    !span_eq(op, (size_t)(end - op), "/invocations")) {
		control_handle(iv->ctl, req);
		return;
	}
	if (req->too_large) {
		api_error(req, 413, "RequestEntityTooLargeException", NULL,
		    "Request must be smaller than %d bytes for the "
		    "InvokeFunction operation", FRONT_MAX_BODY);
		return;
	}
	invoke_function(iv, req, seg, (size_t)(op - seg));
}

static struct pool *
invoke_find_cb(void *arg, const char *name)
{
	return invoke_find(arg, name);
}

/*
 * Where an Event's destination (a function ARN) runs, with that
 * function's own event-invoke config (equeue.h).
 */
static int
invoke_dest_cb(void *arg, const char *arn, char *pool, size_t size,
    struct equeue_policy *pol)
{
	struct invoke *iv = arg;
	char name[65], qual[QUAL_MAX + 1];

	if (invoke_split_name(arn, name, qual, sizeof(qual)) != 0 ||
	    invoke_find(iv, name) == NULL)
		return -ENOENT;
	if (qual[0] == '\0' || strcmp(qual, "$LATEST") == 0)
		snprintf(pool, size, "%s", name);
	else if (control_qualify(iv->ctl, name, qual, pool, size) != 0 ||
	    invoke_find(iv, pool) == NULL)
		return -ENOENT;
	control_event_policy(iv->ctl, name, qual, pol);
	snprintf(pol->qual, sizeof(pol->qual), "%s", qual);
	return 0;
}

/*
 * The Event queue under state_dir.  Without it the daemon still serves
 * synchronous calls, and Event calls get a 500 that says why.
 */
static void
invoke_open_queue(struct invoke *iv, uv_loop_t *loop)
{
	const char *dir = conf_state_dir(iv->conf);
	char err[sizeof(iv->eq_err) - 64];

	iv->eq = equeue_new(loop, dir, iv->conf->event_retry_delay_s,
	    iv->conf->event_queue_max, invoke_find_cb, iv, err, sizeof(err));
	equeue_set_dest(iv->eq, invoke_dest_cb, iv);
	if (iv->eq == NULL) {
		snprintf(iv->eq_err, sizeof(iv->eq_err), "%s (state_dir)", err);
		log_err("Invoke API: Event invocations are off: %s", iv->eq_err);
	}
}

struct invoke *
invoke_new(uv_loop_t *loop, const struct conf *c, struct pool **pools,
    size_t npools)
{
	struct invoke *iv = calloc(1, sizeof(*iv));

	if (iv == NULL)
		return NULL;
	if ((iv->pools = calloc(npools + 1, sizeof(*iv->pools))) == NULL) {
		free(iv);
		return NULL;
	}
	memcpy(iv->pools, pools, npools * sizeof(*pools));
	iv->npools = npools;
	iv->conf = c;
	invoke_open_queue(iv, loop);
	if (c->naccess_keys > 0)
		log_info("Invoke API on, for SigV4 requests signed with one of "
		    "%zu access keys", c->naccess_keys);
	else
		log_info("Invoke API on, for loopback clients only");
	return iv;
}

void
invoke_stop(struct invoke *iv)
{
	if (iv != NULL)
		equeue_stop(iv->eq);
}

void
invoke_free(struct invoke *iv)
{
	if (iv == NULL)
		return;
	equeue_free(iv->eq);
	free(iv->pools);
	free(iv);
}

unsigned
invoke_event_depth(const struct invoke *iv)
{
	return iv != NULL ? equeue_depth(iv->eq) : 0;
}

unsigned
invoke_inflight(const struct invoke *iv)
{
	return iv != NULL ? iv->inflight + equeue_inflight(iv->eq) : 0;
}

void
invoke_set_control(struct invoke *iv, struct control *ctl)
{
	iv->ctl = ctl;
}

/* A reload's new generation (invocations in flight keep their pools). */
void
invoke_set_conf(struct invoke *iv, const struct conf *c, struct pool **pools,
    size_t npools)
{
	struct pool **np = calloc(npools + 1, sizeof(*np));

	if (np == NULL)
		abort();	/* as buf.c: out of memory */
	memcpy(np, pools, npools * sizeof(*pools));
	free(iv->pools);
	iv->pools = np;
	iv->npools = npools;
	iv->conf = c;
}
