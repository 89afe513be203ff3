/*
 * accesslog: the $context variables, the format, and a writer that never
 * blocks the loop.  See accesslog.h.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "apigw/accesslog.h"
#include "http.h"
#include "log.h"

#define CTX		"$context."
#define CTX_LEN		(sizeof(CTX) - 1)

enum al_var {
	V_LITERAL,
	V_REQUEST_ID, V_EXT_REQUEST_ID, V_SOURCE_IP, V_USER_AGENT,
	V_REQUEST_TIME, V_REQUEST_TIME_EPOCH, V_HTTP_METHOD, V_ROUTE_KEY,
	V_PATH, V_PROTOCOL, V_STATUS, V_RESPONSE_LENGTH, V_RESPONSE_LATENCY,
	V_INTEG_LATENCY, V_INTEG_STATUS, V_INTEG_ERROR, V_ERROR_MESSAGE,
	V_ERROR_MESSAGE_STRING, V_AUTHZ_ERROR, V_API_KEY_ID, V_DOMAIN_NAME,
	V_DOMAIN_PREFIX, V_STAGE, V_XRAY_TRACE_ID, V_TRACEPARENT, V_API_ID,
	V_ACCOUNT_ID, V_INTEG_REQUEST_ID,
	V_AUTHZ_PATH,		/* authorizer.X: a member of the authorizer's JSON */
	V_AUTHZ_CLAIM,		/* authorizer.claims.X: one claim */
};

/* The $context variable table: API Gateway's names (HTTP API and REST). */
static const struct {
	const char	*name;
	enum al_var	 v;
} al_table[] = {
	{ "requestId", V_REQUEST_ID },
	{ "extendedRequestId", V_EXT_REQUEST_ID },
	{ "identity.sourceIp", V_SOURCE_IP },
	{ "identity.userAgent", V_USER_AGENT },
	{ "identity.apiKeyId", V_API_KEY_ID },
	{ "requestTime", V_REQUEST_TIME },
	{ "requestTimeEpoch", V_REQUEST_TIME_EPOCH },
	{ "httpMethod", V_HTTP_METHOD },
	{ "routeKey", V_ROUTE_KEY },
	{ "path", V_PATH },
	{ "protocol", V_PROTOCOL },
	{ "status", V_STATUS },
	{ "responseLength", V_RESPONSE_LENGTH },
	{ "responseLatency", V_RESPONSE_LATENCY },
	{ "integrationLatency", V_INTEG_LATENCY },
	{ "integration.latency", V_INTEG_LATENCY },
	{ "integrationStatus", V_INTEG_STATUS },
	{ "integration.status", V_INTEG_STATUS },
	{ "integration.integrationStatus", V_INTEG_STATUS },
	{ "integrationErrorMessage", V_INTEG_ERROR },
	{ "integration.error", V_INTEG_ERROR },
	{ "integration.requestId", V_INTEG_REQUEST_ID },
	{ "error.message", V_ERROR_MESSAGE },
	{ "error.messageString", V_ERROR_MESSAGE_STRING },
	{ "authorizer.error", V_AUTHZ_ERROR },
	{ "domainName", V_DOMAIN_NAME },
	{ "domainPrefix", V_DOMAIN_PREFIX },
	{ "stage", V_STAGE },
	{ "xrayTraceId", V_XRAY_TRACE_ID },
	{ "traceparent", V_TRACEPARENT },
	{ "apiId", V_API_ID },
	{ "accountId", V_ACCOUNT_ID },
};

const char *const al_variables[] = {
	"requestId", "extendedRequestId", "identity.sourceIp",
	"identity.userAgent", "identity.apiKeyId", "requestTime",
	"requestTimeEpoch", "httpMethod", "routeKey", "path", "protocol",
	"status", "responseLength", "responseLatency", "integrationLatency",
	"integration.latency", "integrationStatus", "integration.status",
	"integration.integrationStatus", "integrationErrorMessage",
	"integration.error", "integration.requestId", "error.message",
	"error.messageString", "authorizer.error", "domainName",
	"domainPrefix", "stage", "xrayTraceId", "traceparent", "apiId",
	"accountId", "authorizer.claims.NAME", "authorizer.NAME", NULL,
};

struct al_item {
	enum al_var	 v;
	size_t		 off, len;	/* literal text, or the X of authorizer.X */
};

struct al_format {
	char		*text;
	struct al_item	*items;
	size_t		 nitems;
	bool		 authz;
};

/* ---- the format ---------------------------------------------------------- */

static bool
name_char(int ch, bool authz)
{
	return isalnum(ch) || ch == '_' || ch == '.' ||
	    (authz && (ch == '-' || ch == ':'));
}

/* The variable at s (after "$context."): its length, or 0 if unknown. */
static size_t
var_lookup(const char *s, struct al_item *it, char *why, size_t whylen)
{
	size_t n = 0, i;

	while (name_char((unsigned char)s[n], n >= 11 &&
	    strncmp(s, "authorizer.", 11) == 0))
		n++;
	while (n > 0 && s[n - 1] == '.')	/* "$context.status." ends a sentence */
		n--;
	for (i = 0; i < sizeof(al_table) / sizeof(al_table[0]); i++)
		if (strlen(al_table[i].name) == n &&
		    memcmp(al_table[i].name, s, n) == 0) {
			it->v = al_table[i].v;
			return n;
		}
	if (n > 18 && strncmp(s, "authorizer.claims.", 18) == 0) {
		it->v = V_AUTHZ_CLAIM;
		it->len = n - 18;
		return n;
	}
	if (n > 11 && strncmp(s, "authorizer.", 11) == 0) {
		it->v = V_AUTHZ_PATH;
		it->len = n - 11;
		return n;
	}
	snprintf(why, whylen, "unknown variable $context.%.*s", (int)n, s);
	return 0;
}

static void
item_add(struct al_format *f, enum al_var v, size_t off, size_t len)
{
	f->items[f->nitems].v = v;
	f->items[f->nitems].off = off;
	f->items[f->nitems].len = len;
	f->nitems++;
}

int
al_format_new(const char *fmt, struct al_format **out, char *why,
    size_t whylen)
{
	struct al_format *f;
	size_t len = strlen(fmt), i = 0, lit = 0, n;
	struct al_item it;

	if (len == 0 || len > AL_FORMAT_MAX) {
		snprintf(why, whylen, "a format is 1 to %d bytes", AL_FORMAT_MAX);
		return -1;
	}
	if ((f = calloc(1, sizeof(*f))) == NULL ||
	    (f->text = strdup(fmt)) == NULL ||
	    (f->items = calloc(len + 1, sizeof(*f->items))) == NULL) {
		al_format_free(f);
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	while (i < len) {
		if (strncmp(fmt + i, CTX, CTX_LEN) != 0) {
			i++;
			continue;
		}
		memset(&it, 0, sizeof(it));
		if ((n = var_lookup(fmt + i + CTX_LEN, &it, why, whylen)) == 0) {
			al_format_free(f);
			return -1;
		}
		if (i > lit)
			item_add(f, V_LITERAL, lit, i - lit);
		i += CTX_LEN;
		item_add(f, it.v, i + n - it.len, it.len);
		if (it.v == V_AUTHZ_PATH || it.v == V_AUTHZ_CLAIM)
			f->authz = true;
		i += n;
		lit = i;
	}
	if (i > lit)
		item_add(f, V_LITERAL, lit, i - lit);
	*out = f;
	return 0;
}

void
al_format_free(struct al_format *f)
{
	if (f == NULL)
		return;
	free(f->text);
	free(f->items);
	free(f);
}

int
al_format_uses_authorizer(const struct al_format *f)
{
	return f->authz;
}

/* ---- expansion ----------------------------------------------------------- */

/* s JSON-escaped (without quotes); "-" for NULL or empty. */
static void
put_str(struct buf *out, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	if (s == NULL || n == 0) {
		buf_addc(out, '-');
		return;
	}
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == '"' || ch == '\\') {
			buf_addc(out, '\\');
			buf_addc(out, (char)ch);
		} else if (ch < 0x20 || ch == 0x7f) {
			buf_adds(out, "\\u00");
			buf_addc(out, hex[ch >> 4]);
			buf_addc(out, hex[ch & 15]);
		} else
			buf_addc(out, (char)ch);
	}
}

static void
put_s(struct buf *out, const char *s)
{
	put_str(out, s, s != NULL ? strlen(s) : 0);
}

static void
put_num(struct buf *out, int64_t v)
{
	if (v < 0)
		buf_addc(out, '-');
	else
		buf_printf(out, "%" PRId64, v);
}

static void
put_header(struct buf *out, const struct http_request *req, const char *name)
{
	size_t n = 0;
	const char *v = req != NULL ? http_header_get(req, name, &n) : NULL;

	put_str(out, v, n);
}

/* "07/Dec/2026:02:35:10 +0000", API Gateway's requestTime (CLF). */
static void
put_time(struct buf *out, uint64_t ms)
{
	static const char *const mon[] = { "Jan", "Feb", "Mar", "Apr", "May",
	    "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	buf_printf(out, "%02d/%s/%04d:%02d:%02d:%02d +0000", tm.tm_mday,
	    mon[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
	    tm.tm_sec);
}

/* The Root of an X-Ray header: "1-5759e988-bd862e3fe1be46a994272793". */
static void
put_xray_root(struct buf *out, const char *h)
{
	const char *s = h != NULL ? strstr(h, "Root=") : NULL;

	if (s == NULL) {
		buf_addc(out, '-');
		return;
	}
	s += 5;
	put_str(out, s, strcspn(s, ";"));
}

static void
put_json(struct buf *out, const cJSON *v)
{
	char *text;

	if (v == NULL || cJSON_IsNull(v))
		buf_addc(out, '-');
	else if (cJSON_IsString(v))
		put_s(out, v->valuestring);
	else if ((text = cJSON_PrintUnformatted(v)) != NULL) {
		put_s(out, text);
		free(text);
	}
}

/* authorizer.A.B...: members of the authorizer's JSON, by path. */
static void
put_authz_path(struct buf *out, const cJSON *root, const char *path,
    size_t len)
{
	const cJSON *v = root;
	const cJSON *lambda = cJSON_GetObjectItemCaseSensitive(root, "lambda");
	char key[256];
	size_t i = 0, k;

	/* A Lambda authorizer's context (2.0 has it under "lambda"):
	 * $context.authorizer.X is its key X, as on API Gateway. */
	if (cJSON_IsObject(lambda) && strncmp(path, "lambda.", 7) != 0)
		v = lambda;
	while (v != NULL && i < len) {
		k = 0;
		while (i < len && path[i] != '.' && k < sizeof(key) - 1)
			key[k++] = path[i++];
		key[k] = '\0';
		i++;
		v = cJSON_IsObject(v) ? cJSON_GetObjectItemCaseSensitive(v, key) :
		    NULL;
	}
	put_json(out, v);
}

static void
put_claim(struct buf *out, const cJSON *root, const char *name, size_t len)
{
	const cJSON *claims = cJSON_GetObjectItemCaseSensitive(root, "claims");
	char key[256];

	if (len >= sizeof(key)) {
		buf_addc(out, '-');
		return;
	}
	memcpy(key, name, len);
	key[len] = '\0';
	put_json(out, cJSON_IsObject(claims) ?
	    cJSON_GetObjectItemCaseSensitive(claims, key) : NULL);
}

static void
put_domain(struct buf *out, const struct http_request *req, bool prefix)
{
	size_t n = 0;
	const char *h = req != NULL ? http_header_get(req, "Host", &n) : NULL;
	const char *c;

	if (h != NULL && h[0] != '[' && (c = memchr(h, ':', n)) != NULL)
		n = (size_t)(c - h);
	if (h != NULL && prefix && h[0] != '[' &&
	    (c = memchr(h, '.', n)) != NULL)
		n = (size_t)(c - h);
	put_str(out, h, n);
}

static void
put_var(struct buf *out, const struct al_format *f, const struct al_item *it,
    const struct al_record *r, const cJSON *authz)
{
	const struct http_request *req = r->req;

	switch (it->v) {
	case V_LITERAL:
		buf_add(out, f->text + it->off, it->len);
		break;
	case V_REQUEST_ID: case V_EXT_REQUEST_ID: case V_INTEG_REQUEST_ID:
		put_s(out, r->request_id);
		break;
	case V_SOURCE_IP: put_s(out, r->source_ip); break;
	case V_USER_AGENT: put_header(out, req, "User-Agent"); break;
	case V_REQUEST_TIME: put_time(out, r->time_ms); break;
	case V_REQUEST_TIME_EPOCH: put_num(out, (int64_t)r->time_ms); break;
	case V_HTTP_METHOD: put_s(out, req != NULL ? req->method : NULL); break;
	case V_ROUTE_KEY: put_s(out, r->route_key); break;
	case V_PATH:
		put_str(out, req != NULL ? req->path : NULL,
		    req != NULL ? req->path_len : 0);
		break;
	case V_PROTOCOL:
		if (req != NULL)
			buf_printf(out, "HTTP/1.%d", req->http_minor);
		else
			buf_addc(out, '-');
		break;
	case V_STATUS: put_num(out, r->status > 0 ? r->status : -1); break;
	case V_RESPONSE_LENGTH: put_num(out, r->response_length); break;
	case V_RESPONSE_LATENCY: put_num(out, r->response_latency_ms); break;
	case V_INTEG_LATENCY: put_num(out, r->integration_latency_ms); break;
	case V_INTEG_STATUS:
		put_num(out, r->integration_status > 0 ?
		    r->integration_status : -1);
		break;
	case V_INTEG_ERROR: put_s(out, r->integration_error); break;
	case V_ERROR_MESSAGE: put_s(out, r->error_message); break;
	case V_ERROR_MESSAGE_STRING:
		/* The message in quotes (API Gateway's for JSON formats). */
		buf_adds(out, "\\\"");
		put_s(out, r->error_message);
		buf_adds(out, "\\\"");
		break;
	case V_AUTHZ_ERROR: put_s(out, r->authorizer_error); break;
	case V_API_KEY_ID: put_s(out, r->api_key_id); break;
	case V_DOMAIN_NAME: put_domain(out, req, false); break;
	case V_DOMAIN_PREFIX: put_domain(out, req, true); break;
	case V_STAGE: put_s(out, r->stage); break;
	case V_XRAY_TRACE_ID: put_xray_root(out, r->trace_id); break;
	case V_TRACEPARENT: put_s(out, r->traceparent); break;
	case V_API_ID: buf_adds(out, "lambdad"); break;
	case V_ACCOUNT_ID: buf_adds(out, "123456789012"); break;
	case V_AUTHZ_PATH:
		put_authz_path(out, authz, f->text + it->off, it->len);
		break;
	case V_AUTHZ_CLAIM:
		put_claim(out, authz, f->text + it->off, it->len);
		break;
	}
}

void
al_format_expand(const struct al_format *f, const struct al_record *r,
    struct buf *out)
{
	cJSON *authz = NULL;
	size_t i;

	if (f->authz && r->authorizer_json != NULL)
		authz = cJSON_Parse(r->authorizer_json);
	for (i = 0; i < f->nitems; i++)
		put_var(out, f, &f->items[i], r, authz);
	cJSON_Delete(authz);
}

/* ---- the writer ---------------------------------------------------------- */

struct accesslog {
	uv_loop_t	*loop;
	char		*path;		/* NULL: the journal */
	struct al_format *fmt;
	uv_file		 fd;
	struct buf	 pending;	/* lines waiting */
	struct buf	 writing;	/* the lines of the write in flight */
	size_t		 woff;		/* written of writing */
	uv_fs_t		 wreq, oreq;
	uv_timer_t	 timer;		/* the next write, AL_FLUSH_MS after a line */
	uv_buf_t	 wbuf;
	bool		 busy;		/* a write in flight */
	bool		 opening;	/* a reopen in flight */
	bool		 reopen_again;	/* SIGUSR1 during a reopen */
	bool		 closing;	/* free once idle */
	uint64_t	 lines, dropped, dropped_told;
};

static void al_closed(uv_handle_t *h);

static int
al_open_fd(const char *path)
{
	return open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
}

int
accesslog_open(uv_loop_t *loop, const char *path, const char *fmt,
    struct accesslog **out, char *why, size_t whylen)
{
	struct accesslog *al = calloc(1, sizeof(*al));

	if (al == NULL) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	al->loop = loop;
	al->fd = -1;
	uv_timer_init(loop, &al->timer);
	al->timer.data = al;
	buf_init(&al->pending);
	buf_init(&al->writing);
	if (al_format_new(fmt != NULL ? fmt : AL_FORMAT_DEFAULT, &al->fmt,
	    why, whylen) != 0) {
		uv_close((uv_handle_t *)&al->timer, al_closed);
		return -1;
	}
	if (strcmp(path, "journal") != 0) {
		/* Once, at start or on a reload, as the config files are read. */
		if ((al->path = strdup(path)) == NULL ||
		    (al->fd = al_open_fd(path)) < 0) {
			snprintf(why, whylen, "%s: %s", path, strerror(errno));
			al_format_free(al->fmt);
			free(al->path);
			/* The timer was never started: closing it needs no turn
			 * of the loop to matter, but its memory must outlive it. */
			uv_close((uv_handle_t *)&al->timer, al_closed);
			return -1;
		}
	}
	*out = al;
	return 0;
}

int
accesslog_same_path(const struct accesslog *al, const char *path)
{
	if (al == NULL || path == NULL)
		return 0;
	return al->path == NULL ? strcmp(path, "journal") == 0 :
	    strcmp(path, al->path) == 0;
}

int
accesslog_set_format(struct accesslog *al, const char *fmt, char *why,
    size_t whylen)
{
	struct al_format *f;

	if (al_format_new(fmt != NULL ? fmt : AL_FORMAT_DEFAULT, &f, why,
	    whylen) != 0)
		return -1;
	al_format_free(al->fmt);
	al->fmt = f;
	return 0;
}

static void al_kick(struct accesslog *al);

static void
al_closed(uv_handle_t *h)
{
	free(h->data);
}

static void
al_free(struct accesslog *al)
{
	if (al->dropped > al->dropped_told && al->path != NULL)
		log_warnx("access log %s: %" PRIu64 " lines dropped (the disk "
		    "was slower than the requests)", al->path,
		    al->dropped - al->dropped_told);
	if (al->fd >= 0)
		close(al->fd);	/* the last write is done: nothing to wait for */
	buf_free(&al->pending);
	buf_free(&al->writing);
	al_format_free(al->fmt);
	free(al->path);
	uv_close((uv_handle_t *)&al->timer, al_closed);
}

static void
al_timer_cb(uv_timer_t *t)
{
	al_kick(t->data);
}

static void
al_write_cb(uv_fs_t *req)
{
	struct accesslog *al = req->data;
	ssize_t n = req->result;

	uv_fs_req_cleanup(req);
	al->busy = false;
	if (n < 0) {
		log_warnx("access log %s: %s (%zu bytes lost)", al->path,
		    uv_strerror((int)n), al->writing.len - al->woff);
		al->woff = al->writing.len;
	} else
		al->woff += (size_t)n;
	if (al->woff >= al->writing.len) {
		buf_reset(&al->writing);
		al->woff = 0;
		if (al->dropped > al->dropped_told) {
			log_warnx("access log %s: %" PRIu64 " lines dropped (the "
			    "disk was slower than the requests)", al->path,
			    al->dropped - al->dropped_told);
			al->dropped_told = al->dropped;
		}
	}
	al_kick(al);
}

/* Start the next write if none is in flight and there is something. */
static void
al_kick(struct accesslog *al)
{
	struct buf t;

	if (al->reopen_again && !al->busy && !al->opening && !al->closing) {
		al->reopen_again = false;
		accesslog_reopen(al);
	}
	if (al->busy || al->opening || al->fd < 0)
		goto idle;
	if (al->woff >= al->writing.len && al->pending.len > 0) {
		t = al->writing;
		al->writing = al->pending;
		al->pending = t;
		buf_reset(&al->pending);
		al->woff = 0;
	}
	if (al->woff >= al->writing.len)
		goto idle;
	al->wbuf = uv_buf_init(al->writing.data + al->woff,
	    (unsigned)(al->writing.len - al->woff));
	al->wreq.data = al;
	if (uv_fs_write(al->loop, &al->wreq, al->fd, &al->wbuf, 1, -1,
	    al_write_cb) == 0) {
		al->busy = true;
		uv_timer_stop(&al->timer);	/* the write takes what waits */
		return;
	}
	log_warnx("access log %s: cannot queue a write", al->path);
	buf_reset(&al->writing);
	al->woff = 0;
idle:
	if (al->closing && !al->busy && !al->opening)
		al_free(al);
}

void
accesslog_write(struct accesslog *al, const struct al_record *r)
{
	struct buf line;

	if (al == NULL)
		return;
	if (al->path == NULL) {
		buf_init(&line);
		al_format_expand(al->fmt, r, &line);
		log_access(line.data, line.len);
		buf_free(&line);
		al->lines++;
		return;
	}
	if (al->pending.len >= AL_PENDING_MAX) {
		al->dropped++;
		return;
	}
	al_format_expand(al->fmt, r, &al->pending);
	buf_addc(&al->pending, '\n');
	al->lines++;
	/* Lines gather for a moment, so a busy front makes one write (and
	 * one wake-up of the loop when it is done) for many requests. */
	if (al->pending.len >= AL_FLUSH_BYTES)
		al_kick(al);
	else if (!uv_is_active((uv_handle_t *)&al->timer))
		uv_timer_start(&al->timer, al_timer_cb, AL_FLUSH_MS, 0);
}

static void
al_open_cb(uv_fs_t *req)
{
	struct accesslog *al = req->data;
	int fd = (int)req->result;

	uv_fs_req_cleanup(req);
	al->opening = false;
	if (fd < 0)
		log_warnx("access log %s: reopen: %s; writing on to the old "
		    "file", al->path, uv_strerror(fd));
	else {
		close(al->fd);	/* no write in flight: al_kick waits for opens */
		al->fd = fd;
		log_info("access log %s reopened", al->path);
	}
	al_kick(al);
}

void
accesslog_reopen(struct accesslog *al)
{
	if (al == NULL || al->path == NULL || al->closing)
		return;
	if (al->opening || al->busy) {
		/* After what is in flight (al_kick starts it). */
		al->reopen_again = true;
		return;
	}
	al->oreq.data = al;
	if (uv_fs_open(al->loop, &al->oreq, al->path,
	    O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640, al_open_cb) == 0)
		al->opening = true;
}

void
accesslog_stats(const struct accesslog *al, uint64_t *lines,
    uint64_t *dropped)
{
	*lines = al != NULL ? al->lines : 0;
	*dropped = al != NULL ? al->dropped : 0;
}

void
accesslog_close(struct accesslog *al)
{
	if (al == NULL)
		return;
	al->closing = true;
	al->reopen_again = false;
	al_kick(al);
}
