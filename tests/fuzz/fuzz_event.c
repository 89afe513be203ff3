/*
 * fuzz_event: libFuzzer driver for gateway/event.c.
 *
 * The first byte picks the mode: bit 0 chooses between event_build and
 * event_map_reply, bit 1 the payload version (1.0 or 2.0).
 *
 * event_build: the rest is read as a request, "METHOD target" on the first
 * line, "Name: value" header lines up to an empty line, then the body.  It
 * is routed through a fixed table and built; the event must parse as one
 * JSON object with nothing after it, and its body must come back as sent
 * (after base64 when isBase64Encoded).
 *
 * event_map_reply: the rest is function output, in a buffer of exactly its
 * length.  On success the status must be 100..599, every header a token
 * name with a value free of CR, LF and NUL, and the body readable.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "event.h"

#define MAX_HDRS 64

static struct route_table *table;
static volatile char sink;

static void
table_init(void)
{
	static const char *const specs[] = {
		"GET /pets/{id}", "ANY /pets/dog/{id}", "POST /files/{path+}",
		"ANY /{proxy+}", "GET /", "$default",
	};
	size_t i;

	if (table != NULL)
		return;
	if ((table = route_table_new()) == NULL)
		abort();
	for (i = 0; i < sizeof(specs) / sizeof(specs[0]); i++)
		if (route_add(table, specs[i], (void *)specs[i], NULL) != 0)
			abort();
}

static void
check_body(const cJSON *ev, const struct http_request *req)
{
	const cJSON *body = cJSON_GetObjectItemCaseSensitive(ev, "body");
	const cJSON *b64 = cJSON_GetObjectItemCaseSensitive(ev,
	    "isBase64Encoded");
	struct buf dec;

	if (!cJSON_IsBool(b64))
		abort();
	if (req->body_len == 0) {
		if (cJSON_IsString(body) || cJSON_IsTrue(b64))
			abort();
		return;
	}
	if (!cJSON_IsString(body))
		abort();
	if (!cJSON_IsTrue(b64)) {
		/* cJSON stops at an escaped NUL: compare up to the first. */
		if (strncmp(body->valuestring, req->body, req->body_len) != 0 &&
		    memchr(req->body, '\0', req->body_len) == NULL)
			abort();
		return;
	}
	buf_init(&dec);
	if (buf_unbase64(&dec, body->valuestring,
	    strlen(body->valuestring)) != 0 || dec.len != req->body_len ||
	    memcmp(dec.data, req->body, dec.len) != 0)
		abort();
	buf_free(&dec);
}

/* Split "Name: value" lines; returns where the body starts. */
static char *
parse_headers(char *p, char *end, struct http_header *h, size_t *n)
{
	char *nl, *colon, *v;

	*n = 0;
	while (p < end) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		if (nl == p)
			return nl + 1 <= end ? nl + 1 : end;
		if (*n < MAX_HDRS && (colon = memchr(p, ':',
		    (size_t)(nl - p))) != NULL) {
			for (v = colon + 1; v < nl && *v == ' '; v++)
				;
			h[*n] = (struct http_header){ p, (size_t)(colon - p),
			    v, (size_t)(nl - v) };
			(*n)++;
		}
		p = nl < end ? nl + 1 : end;
	}
	return end;
}

static void
fuzz_build(int version, const uint8_t *data, size_t size)
{
	static const struct event_ctx ctx = { .request_id = "id",
	    .time_ms = 1700000000123ULL, .source_ip = "127.0.0.1" };
	struct http_header h[MAX_HDRS];
	struct http_request req;
	struct route_match m;
	char *text = malloc(size + 1), *nl, *sp, *q, *body;
	const char *end = NULL;
	struct buf out;
	cJSON *ev;

	if (text == NULL)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';
	memset(&req, 0, sizeof(req));
	if ((nl = memchr(text, '\n', size)) == NULL)
		nl = text + size;
	*nl = '\0';
	if ((sp = strchr(text, ' ')) == NULL)
		sp = text + strlen(text);
	req.target = *sp ? sp + 1 : "/";
	*sp = '\0';
	req.method = text;
	req.target_len = strlen(req.target);
	/* path and query are copies: the request owns NUL-terminated ones */
	req.path = strndup(req.target, strcspn(req.target, "?"));
	req.path_len = strlen(req.path);
	q = strchr(req.target, '?');
	req.query = q ? q + 1 : "";
	req.query_len = strlen(req.query);
	req.http_minor = 1;
	body = nl < text + size ? parse_headers(nl + 1, text + size, h,
	    &req.nheaders) : text + size;
	req.headers = h;
	req.body = body;
	req.body_len = (size_t)(text + size - body);
	if (route_lookup(table, req.method, req.path, req.path_len, &m) != 0)
		abort();	/* $default catches all */
	buf_init(&out);
	event_build(&out, version, &req, &m, &ctx);
	ev = cJSON_ParseWithLengthOpts(out.data, out.len, &end, 0);
	if (ev == NULL || !cJSON_IsObject(ev) || end != out.data + out.len)
		abort();
	check_body(ev, &req);
	cJSON_Delete(ev);
	buf_free(&out);
	free((char *)req.path);
	free(text);
}

static int
token_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != '\0' &&
	    strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static void
fuzz_reply(int version, const uint8_t *data, size_t size)
{
	struct event_reply r;
	const char *why = NULL;
	char *out = malloc(size ? size : 1);
	size_t i, j;
	int rc;

	if (out == NULL)
		abort();
	memcpy(out, data, size);
	rc = event_map_reply(version, out, size, &r, &why);
	if (rc != 0) {
		if (rc != -EINVAL || why == NULL)
			abort();
		free(out);
		return;
	}
	if (r.status < 100 || r.status > 599 || r.body == NULL ||
	    (r.nheaders > 0 && r.headers == NULL))
		abort();
	if (r.body_len > 0) {		/* touch both ends for ASan */
		sink = r.body[0];
		sink = r.body[r.body_len - 1];
	}
	for (i = 0; i < r.nheaders; i++) {
		const struct http_header *hd = &r.headers[i];

		if (hd->name_len == 0)
			abort();
		for (j = 0; j < hd->name_len; j++)
			if (!token_char(hd->name[j]))
				abort();
		for (j = 0; j < hd->value_len; j++)
			if (hd->value[j] == '\r' || hd->value[j] == '\n' ||
			    hd->value[j] == '\0')
				abort();
	}
	event_reply_free(&r);
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	table_init();
	if (data[0] & 1)
		fuzz_reply(data[0] & 2 ? 1 : 2, data + 1, size - 1);
	else
		fuzz_build(data[0] & 2 ? 1 : 2, data + 1, size - 1);
	return 0;
}
