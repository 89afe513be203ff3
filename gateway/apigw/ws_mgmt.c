/*
 * ws_mgmt: the @connections API (API Gateway's ApiGatewayManagementApi),
 * so that a function, or anyone with an access key, reaches a client:
 *
 *   POST   /@connections/{connectionId}   PostToConnection: the body, as
 *          one message (text when it is UTF-8, else binary): 200
 *   GET    /@connections/{connectionId}   GetConnection: connectedAt,
 *          lastActiveAt (ISO 8601), identity.sourceIp and .userAgent
 *   DELETE /@connections/{connectionId}   DeleteConnection: 204, and the
 *          connection is closed (1000)
 *
 * A path may have one segment before it (/{stage}/@connections/...), as
 * an SDK configured with an execute-api URL and its stage sends.  An id
 * that is not connected, or is closing, is 410 with x-amzn-ErrorType:
 * GoneException; a body past the API's max_message is 413
 * PayloadTooLargeException; other methods 404.  Who may call is the
 * caller's decision (ws.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "apigw/ws_int.h"
#include "buf.h"
#include "http.h"

#define WS_MGMT_PREFIX	"/@connections/"

/* Where /@connections/ begins in path, or NULL. */
static const char *
ws_mgmt_at(const char *path, size_t len)
{
	size_t n = strlen(WS_MGMT_PREFIX);
	const char *s;

	if (len > n && memcmp(path, WS_MGMT_PREFIX, n) == 0)
		return path;
	if (len < 2 || path[0] != '/' ||
	    (s = memchr(path + 1, '/', len - 1)) == NULL)
		return NULL;
	len -= (size_t)(s - path);
	return len > n && memcmp(s, WS_MGMT_PREFIX, n) == 0 ? s : NULL;
}

bool
ws_mgmt_match(const char *path, size_t len)
{
	return ws_mgmt_at(path, len) != NULL;
}

static void
ws_mgmt_error(struct http_request *req, int status, const char *type,
    const char *msg)
{
	struct http_header h[2] = {
		{ "Content-Type", 12, "application/json", 16 },
		{ "x-amzn-ErrorType", 16, type, strlen(type) },
	};
	struct buf b;

	buf_init(&b);
	buf_adds(&b, "{\"message\":");
	buf_json_str(&b, msg, strlen(msg));
	buf_addc(&b, '}');
	http_respond(req, status, h, 2, b.data, b.len);
	buf_free(&b);
}

/* "2026-12-07T10:00:00.123Z" */
static void
ws_iso(struct buf *b, const char *key, uint64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL)
		memset(&tm, 0, sizeof(tm));
	buf_printf(b, "\"%s\":\"%04d-%02d-%02dT%02d:%02d:%02d.%03dZ\"", key,
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, (int)(ms % 1000));
}

static void
ws_mgmt_get(struct ws_conn *c, struct http_request *req)
{
	struct buf b;

	buf_init(&b);
	buf_addc(&b, '{');
	ws_iso(&b, "connectedAt", c->o.connected_ms);
	buf_adds(&b, ",\"identity\":{\"sourceIp\":");
	buf_json_str(&b, c->o.source_ip, strlen(c->o.source_ip));
	if (c->o.user_agent != NULL) {
		buf_adds(&b, ",\"userAgent\":");
		buf_json_str(&b, c->o.user_agent, strlen(c->o.user_agent));
	}
	buf_adds(&b, "},");
	ws_iso(&b, "lastActiveAt", c->active_ms);
	buf_addc(&b, '}');
	http_respond(req, 200, &(struct http_header){ "Content-Type", 12,
	    "application/json", 16 }, 1, b.data, b.len);
	buf_free(&b);
}

static void
ws_mgmt_post(struct ws_conn *c, struct http_request *req)
{
	int op, rc;

	if (req->too_large || req->body_len > c->api->max_message) {
		ws_mgmt_error(req, 413, "PayloadTooLargeException", "Message "
		    "too long");
		return;
	}
	op = ws_event_utf8(req->body, req->body_len) ? WSLAY_TEXT_FRAME :
	    WSLAY_BINARY_FRAME;
	if ((rc = ws_conn_send(c, op, req->body, req->body_len)) != 0) {
		if (rc == -ENOBUFS)
			ws_mgmt_error(req, 429, "LimitExceededException", "The "
			    "client is not reading its messages");
		else
			ws_mgmt_error(req, 410, "GoneException", "Gone");
		return;
	}
	http_respond(req, 200, NULL, 0, NULL, 0);
}

void
ws_mgmt_handle(struct ws *w, struct http_request *req)
{
	const char *at = ws_mgmt_at(req->path, req->path_len);
	size_t n = strlen(WS_MGMT_PREFIX), idn;
	struct ws_conn *c;
	char id[64];
	long dn;

	idn = req->path_len - (size_t)(at - req->path) - n;
	if (idn >= sizeof(id) || memchr(at + n, '/', idn) != NULL ||
	    (dn = buf_pct_decode(id, at + n, idn, BUF_PCT_STRICT)) < 0) {
		ws_mgmt_error(req, 400, "BadRequestException", "Invalid "
		    "connectionId");
		return;
	}
	c = ws_find(w, id, (size_t)dn);
	if (c == NULL || c->closing || c->dead) {
		ws_mgmt_error(req, 410, "GoneException", "Gone");
		return;
	}
	if (strcmp(req->method, "POST") == 0)
		ws_mgmt_post(c, req);
	else if (strcmp(req->method, "GET") == 0)
		ws_mgmt_get(c, req);
	else if (strcmp(req->method, "DELETE") == 0) {
		ws_conn_close(c, WSLAY_CODE_NORMAL_CLOSURE, "Goodbye");
		http_respond(req, 204, NULL, 0, NULL, 0);
	} else
		ws_mgmt_error(req, 404, "UnknownOperationException",
		    "Unknown operation");
}
