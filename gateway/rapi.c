/*
 * rapi: parsing Runtime API calls and writing their replies.  See rapi.h.
 *
 * The replies are written so the strictest real client is satisfied: the
 * aws-lambda-cpp client (and so the Node and Python clients, which bundle
 * it) dereferences the Content-Type of every reply, even errors; the Go
 * client accepts only exactly 200 on /next and 202 on posts; the .NET client
 * parses the 202's body.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <cJSON.h>

#include "buf.h"
#include "rapi.h"

#define PFX		"/2018-06-01/runtime/"
#define PFX_LEN		(sizeof(PFX) - 1)

static int
has_suffix(const char *s, size_t n, const char *suf, size_t *stem)
{
	size_t k = strlen(suf);

	if (n < k || memcmp(s + n - k, suf, k) != 0)
		return 0;
	*stem = n - k;
	return 1;
}

enum rapi_call
rapi_parse(const struct http_request *req, const char **id, size_t *idlen)
{
	const char *p = req->path;
	size_t n = req->path_len, stem;
	int get = strcmp(req->method, "GET") == 0;
	int post = strcmp(req->method, "POST") == 0;

	*id = NULL;
	*idlen = 0;
	if (get && n == 5 && memcmp(p, "/ping", 5) == 0)
		return RAPI_PING;
	if (n < PFX_LEN || memcmp(p, PFX, PFX_LEN) != 0)
		return RAPI_BAD;
	p += PFX_LEN;
	n -= PFX_LEN;
	if (get && n == 15 && memcmp(p, "invocation/next", 15) == 0)
		return RAPI_NEXT;
	if (post && n == 10 && memcmp(p, "init/error", 10) == 0)
		return RAPI_INIT_ERROR;
	if (!post || n < 11 || memcmp(p, "invocation/", 11) != 0)
		return RAPI_BAD;
	p += 11;
	n -= 11;
	if (has_suffix(p, n, "/response", &stem) && stem > 0 &&
	    memchr(p, '/', stem) == NULL) {
		*id = p;
		*idlen = stem;
		return RAPI_RESPONSE;
	}
	if (has_suffix(p, n, "/error", &stem) && stem > 0 &&
	    memchr(p, '/', stem) == NULL) {
		*id = p;
		*idlen = stem;
		return RAPI_ERROR;
	}
	return RAPI_BAD;
}

int
rapi_send_event(struct http_request *req, const struct rapi_event *ev)
{
	struct http_header h[7];
	char deadline[24];
	size_t n = 0;

	snprintf(deadline, sizeof(deadline), "%llu",
	    (unsigned long long)ev->deadline_ms);
#define HDR(k, v) do {							\
	h[n].name = (k); h[n].name_len = sizeof(k) - 1;			\
	h[n].value = (v); h[n].value_len = strlen(v); n++;		\
} while (0)
	HDR("Content-Type", "application/json");
	HDR("Lambda-Runtime-Aws-Request-Id", ev->request_id);
	HDR("Lambda-Runtime-Deadline-Ms", deadline);
	HDR("Lambda-Runtime-Invoked-Function-Arn", ev->function_arn);
	/* A header whose value would be empty is left out (RIE). */
	if (ev->trace_id != NULL && ev->trace_id[0] != '\0')
		HDR("Lambda-Runtime-Trace-Id", ev->trace_id);
	if (ev->client_context != NULL && ev->client_context[0] != '\0')
		HDR("Lambda-Runtime-Client-Context", ev->client_context);
	if (ev->cognito_identity != NULL && ev->cognito_identity[0] != '\0')
		HDR("Lambda-Runtime-Cognito-Identity", ev->cognito_identity);
#undef HDR
	return http_respond(req, 200, h, n, ev->body, ev->body_len);
}

int
rapi_send_accepted(struct http_request *req)
{
	return http_respond_json(req, 202, "{\"status\":\"OK\"}");
}

int
rapi_send_error(struct http_request *req, int status, const char *type,
    const char *msg)
{
	struct buf b;
	int rc;

	buf_init(&b);
	buf_adds(&b, "{\"errorMessage\":");
	buf_json_str(&b, msg, strlen(msg));
	buf_adds(&b, ",\"errorType\":");
	buf_json_str(&b, type, strlen(type));
	buf_addc(&b, '}');
	rc = http_respond_json(req, status, b.data);
	buf_free(&b);
	return rc;
}

/* The error type a runtime declared, kept only in the Runtime.X / Function.X
 * forms RIE accepts. */
static const char *
declared_type(const char *v, size_t n, char *tmp, size_t tmplen)
{
	if (v == NULL || n == 0 || n >= tmplen)
		return NULL;
	memcpy(tmp, v, n);
	tmp[n] = '\0';
	return tmp;
}

const char *
rapi_error_body(const struct http_request *req, struct buf *out,
    const char *type_fallback)
{
	static char tmp[128];
	const char *v, *type;
	size_t vlen;
	cJSON *j;

	v = http_header_get(req, "Lambda-Runtime-Function-Error-Type", &vlen);
	type = declared_type(v, vlen, tmp, sizeof(tmp));
	j = req->body_len > 0 ? cJSON_ParseWithLength(req->body, req->body_len)
	    : NULL;
	if (cJSON_IsObject(j)) {
		const cJSON *t = cJSON_GetObjectItemCaseSensitive(j, "errorType");

		buf_add(out, req->body, req->body_len);
		if (type == NULL && cJSON_IsString(t) &&
		    strlen(t->valuestring) < sizeof(tmp)) {
			strcpy(tmp, t->valuestring);
			type = tmp;
		}
		cJSON_Delete(j);
		return type != NULL ? type : type_fallback;
	}
	cJSON_Delete(j);
	if (type == NULL)
		type = type_fallback;
	buf_adds(out, "{\"errorMessage\":");
	buf_json_str(out, req->body, req->body_len);
	buf_adds(out, ",\"errorType\":");
	buf_json_str(out, type, strlen(type));
	buf_adds(out, "}");
	return type;
}

int
rapi_response_mode(const struct http_request *req)
{
	size_t n;
	const char *v = http_header_get(req,
	    "Lambda-Runtime-Function-Response-Mode", &n);

	if (v == NULL)
		return 0;
	if (n == 9 && strncasecmp(v, "streaming", 9) == 0)
		return 1;
	return -EINVAL;
}

int
rapi_trailer_error(const struct http_request *req, struct buf *out,
    const char **type)
{
	static char tmp[128];
	const struct http_header *t = req->trailers;
	const char *et = NULL, *eb = NULL;
	size_t i, etlen = 0, eblen = 0;

	for (i = 0; i < req->ntrailers; i++) {
		if (t[i].name_len == 34 && strncasecmp(t[i].name,
		    "Lambda-Runtime-Function-Error-Type", 34) == 0) {
			et = t[i].value;
			etlen = t[i].value_len;
		} else if (t[i].name_len == 34 && strncasecmp(t[i].name,
		    "Lambda-Runtime-Function-Error-Body", 34) == 0) {
			eb = t[i].value;
			eblen = t[i].value_len;
		}
	}
	if (et == NULL || etlen == 0)
		return 0;
	*type = declared_type(et, etlen, tmp, sizeof(tmp));
	if (*type == NULL)
		*type = "Runtime.Unknown";
	if (eb == NULL || buf_unbase64(out, eb, eblen) != 0 || out->len == 0) {
		buf_reset(out);
		buf_adds(out, "{\"errorMessage\":\"the runtime reported an error "
		    "after the response started\",\"errorType\":");
		buf_json_str(out, *type, strlen(*type));
		buf_addc(out, '}');
	}
	return 1;
}
