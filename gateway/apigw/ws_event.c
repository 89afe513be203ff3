/*
 * ws_event: API Gateway's WebSocket events, the route a message selects,
 * and what a function's reply sends back (ws_int.h).  Pure: no I/O, the
 * caller passes the clock; fuzz_ws and the unit tests call it directly.
 *
 * The event's shape is API Gateway's Lambda proxy integration for
 * WebSocket APIs: requestContext with routeKey, eventType, connectionId,
 * messageId (messages), connectedAt, requestTimeEpoch, requestTime,
 * messageDirection "IN", domainName, stage, apiId, identity; $connect
 * adds the upgrade request's headers and query string; a message, its
 * body (base64 with isBase64Encoded for a binary frame).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cJSON.h>
#include <openssl/evp.h>

#include "apigw/ws_int.h"
#include "buf.h"
#include "http.h"

static void
ws_member(struct buf *b, const char *key, const char *v)
{
	if (v == NULL)
		return;
	buf_printf(b, ",\"%s\":", key);
	buf_json_str(b, v, strlen(v));
}

/* "07/Dec/2026:10:00:00 +0000" */
static void
ws_time(struct buf *b, uint64_t ms)
{
	static const char mon[12][4] = { "Jan", "Feb", "Mar", "Apr", "May",
	    "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL)
		memset(&tm, 0, sizeof(tm));
	buf_printf(b, ",\"requestTime\":\"%02d/%s/%04d:%02d:%02d:%02d +0000\"",
	    tm.tm_mday, mon[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour,
	    tm.tm_min, tm.tm_sec);
}

static void
ws_context(struct buf *b, const struct ws_event_in *in)
{
	buf_adds(b, "\"requestContext\":{\"routeKey\":");
	buf_json_str(b, in->route_key, strlen(in->route_key));
	ws_member(b, "eventType", in->event_type);
	ws_member(b, "messageId", in->message_id);
	ws_member(b, "extendedRequestId", in->request_id);
	ws_time(b, in->now_ms);
	buf_adds(b, ",\"messageDirection\":\"IN\"");
	ws_member(b, "stage", in->stage);
	buf_printf(b, ",\"connectedAt\":%llu,\"requestTimeEpoch\":%llu",
	    (unsigned long long)in->connected_ms,
	    (unsigned long long)in->now_ms);
	buf_adds(b, ",\"identity\":{\"sourceIp\":");
	buf_json_str(b, in->source_ip, strlen(in->source_ip));
	ws_member(b, "userAgent", in->user_agent);
	buf_addc(b, '}');
	ws_member(b, "requestId", in->request_id);
	ws_member(b, "domainName", in->domain != NULL ? in->domain :
	    "localhost");
	ws_member(b, "connectionId", in->connection_id);
	ws_member(b, "apiId", in->api_id);
	if (in->disconnect_code != 0) {
		buf_printf(b, ",\"disconnectStatusCode\":%d",
		    in->disconnect_code);
		ws_member(b, "disconnectReason", in->disconnect_reason != NULL ?
		    in->disconnect_reason : "");
	}
	if (in->authorizer != NULL) {
		buf_adds(b, ",\"authorizer\":");
		buf_adds(b, in->authorizer);
	}
	buf_addc(b, '}');
}

/* "headers" and "multiValueHeaders" of the upgrade request. */
static void
ws_headers(struct buf *b, const struct http_request *req)
{
	size_t i;

	buf_adds(b, ",\"headers\":{");
	for (i = 0; i < req->nheaders; i++) {
		const struct http_header *h = &req->headers[i];

		if (i > 0)
			buf_addc(b, ',');
		buf_json_str(b, h->name, h->name_len);
		buf_addc(b, ':');
		buf_json_str(b, h->value, h->value_len);
	}
	buf_adds(b, "},\"multiValueHeaders\":{");
	for (i = 0; i < req->nheaders; i++) {
		const struct http_header *h = &req->headers[i];

		if (i > 0)
			buf_addc(b, ',');
		buf_json_str(b, h->name, h->name_len);
		buf_adds(b, ":[");
		buf_json_str(b, h->value, h->value_len);
		buf_addc(b, ']');
	}
	buf_addc(b, '}');
}

/* One name=value of a query string, percent-decoded, as a member. */
static void
ws_query_pair(struct buf *b, const char *s, size_t n, bool first)
{
	const char *eq = memchr(s, '=', n);
	size_t kn = eq != NULL ? (size_t)(eq - s) : n;
	size_t vn = eq != NULL ? n - kn - 1 : 0;
	char *tmp;
	long k, v;

	if ((tmp = malloc(n + 1)) == NULL)
		return;
	k = buf_pct_decode(tmp, s, kn, BUF_PCT_PLUS);
	v = buf_pct_decode(tmp + kn, eq != NULL ? eq + 1 : "", vn, BUF_PCT_PLUS);
	if (!first)
		buf_addc(b, ',');
	buf_json_str(b, tmp, k < 0 ? 0 : (size_t)k);
	buf_addc(b, ':');
	buf_json_str(b, tmp + kn, v < 0 ? 0 : (size_t)v);
	free(tmp);
}

static void
ws_query(struct buf *b, const struct http_request *req)
{
	const char *s = req->query, *end = s + req->query_len, *amp;
	bool first = true;

	if (req->query_len == 0)
		return;
	buf_adds(b, ",\"queryStringParameters\":{");
	while (s < end) {
		if ((amp = memchr(s, '&', (size_t)(end - s))) == NULL)
			amp = end;
		if (amp > s) {
			ws_query_pair(b, s, (size_t)(amp - s), first);
			first = false;
		}
		s = amp + 1;
	}
	buf_addc(b, '}');
}

void
ws_event_build(struct buf *out, const struct ws_event_in *in)
{
	buf_addc(out, '{');
	ws_context(out, in);
	if (in->req != NULL) {
		ws_headers(out, in->req);
		ws_query(out, in->req);
	}
	if (in->body != NULL) {
		buf_adds(out, ",\"body\":");
		if (in->binary) {
			buf_addc(out, '"');
			buf_base64(out, in->body, in->body_len);
			buf_addc(out, '"');
		} else
			buf_json_str(out, in->body, in->body_len);
	}
	buf_printf(out, ",\"isBase64Encoded\":%s}", in->binary ? "true" :
	    "false");
}

const char *
ws_event_select(const char *sel, const void *body, size_t len, bool binary,
    struct buf *scratch)
{
	const cJSON *v;
	cJSON *doc;
	const char *dot, *key = NULL;
	char name[129];

	if (binary || len == 0 || ((const char *)body)[0] != '{')
		return NULL;
	if ((doc = cJSON_ParseWithLength(body, len)) == NULL)
		return NULL;
	v = doc;
	while (v != NULL && cJSON_IsObject(v) && *sel != '\0') {
		size_t n;

		dot = strchr(sel, '.');
		n = dot != NULL ? (size_t)(dot - sel) : strlen(sel);
		if (n >= sizeof(name))
			break;
		memcpy(name, sel, n);
		name[n] = '\0';
		v = cJSON_GetObjectItemCaseSensitive(v, name);
		sel += n + (dot != NULL);
		if (dot == NULL)
			break;
	}
	if (*sel == '\0' && v != NULL && cJSON_IsString(v) &&
	    v->valuestring[0] != '\0') {
		buf_reset(scratch);
		buf_adds(scratch, v->valuestring);
		buf_addc(scratch, '\0');
		key = scratch->data;
	}
	cJSON_Delete(doc);
	return key;
}

static int
ws_reply_body(const cJSON *body, const cJSON *b64, struct buf *out,
    bool *binary)
{
	size_t n;

	if (body == NULL || cJSON_IsNull(body))
		return 0;
	if (!cJSON_IsString(body)) {
		/* Not a string: sent as its JSON, as API Gateway does. */
		char *s = cJSON_PrintUnformatted(body);

		if (s == NULL)
			return -ENOMEM;
		buf_adds(out, s);
		free(s);
		return 1;
	}
	n = strlen(body->valuestring);
	if (cJSON_IsTrue(b64)) {
		*binary = true;
		return buf_unbase64(out, body->valuestring, n) == 0 ? 1 :
		    -EINVAL;
	}
	buf_add(out, body->valuestring, n);
	return 1;
}

int
ws_event_reply(const char *reply, size_t len, struct buf *out, bool *binary,
    int *status)
{
	const cJSON *sc;
	cJSON *doc;
	int rc;

	*binary = false;
	*status = 200;
	buf_reset(out);
	if (len == 0 || (len == 4 && memcmp(reply, "null", 4) == 0))
		return 0;
	if ((doc = cJSON_ParseWithLength(reply, len)) == NULL)
		return -EINVAL;
	if (!cJSON_IsObject(doc)) {
		/* A bare value: its JSON goes back, as the body. */
		buf_add(out, reply, len);
		cJSON_Delete(doc);
		return 1;
	}
	sc = cJSON_GetObjectItemCaseSensitive(doc, "statusCode");
	if (sc != NULL) {
		if (!cJSON_IsNumber(sc) || sc->valuedouble < 100 ||
		    sc->valuedouble > 599) {
			cJSON_Delete(doc);
			return -EINVAL;
		}
		*status = sc->valueint;
	}
	rc = ws_reply_body(cJSON_GetObjectItemCaseSensitive(doc, "body"),
	    cJSON_GetObjectItemCaseSensitive(doc, "isBase64Encoded"), out,
	    binary);
	cJSON_Delete(doc);
	return rc;
}

void
ws_event_accept(const char *key, size_t len, char out[29])
{
	static const char guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	struct buf b;

	buf_init(&b);
	buf_add(&b, key, len);
	buf_add(&b, guid, sizeof(guid) - 1);
	if (EVP_Digest(b.data, b.len, md, &mdlen, EVP_sha1(), NULL) != 1)
		mdlen = 0;
	buf_reset(&b);
	buf_base64(&b, md, mdlen);
	snprintf(out, 29, "%.*s", (int)b.len, b.data);
	buf_free(&b);
}

/* The length of the sequence at p (lead byte b), or 0 when it is bad. */
static size_t
ws_utf8_seq(const unsigned char *p, size_t left)
{
	unsigned char b = p[0];
	size_t n, i;
	uint32_t cp;

	if (b < 0x80)
		return 1;
	if (b >= 0xc2 && b <= 0xdf)
		n = 2, cp = b & 0x1f;
	else if (b >= 0xe0 && b <= 0xef)
		n = 3, cp = b & 0x0f;
	else if (b >= 0xf0 && b <= 0xf4)
		n = 4, cp = b & 0x07;
	else
		return 0;
	if (left < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return n;
}

bool
ws_event_utf8(const void *s, size_t n)
{
	const unsigned char *p = s;
	size_t i = 0, k;

	while (i < n) {
		if ((k = ws_utf8_seq(p + i, n - i)) == 0)
			return false;
		i += k;
	}
	return true;
}
