/*
 * openapi: the configuration as an OpenAPI 3.0 document.  See openapi.h.
 *
 * cJSON's Add* calls are NULL-safe on their object argument and return
 * NULL on ENOMEM, so a tree is built without checking each step and
 * checked once at the end (cJSON_PrintUnformatted of a partial tree
 * would still be a valid document; the caller gets NULL instead).
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf.h"
#include "openapi.h"

#define OPENAPI_ACCOUNT	"123456789012"	/* as the Invoke API's ARNs */
#define OPENAPI_REGION	"us-east-1"
#define APIGW_TIMEOUT_MS_MAX	30000	/* HTTP API's integration limit */

static bool oom;	/* set by need(): a call below ran out of memory */

static cJSON *
need(cJSON *j)
{
	if (j == NULL)
		oom = true;
	return j;
}

static void
add_str(cJSON *o, const char *k, const char *v)
{
	need(cJSON_AddStringToObject(o, k, v));
}

static cJSON *
str_array(char *const *v, size_t n)
{
	cJSON *a = need(cJSON_CreateArray());
	size_t i;

	for (i = 0; i < n; i++)
		cJSON_AddItemToArray(a, need(cJSON_CreateString(v[i])));
	return a;
}

/* "GET /a/{b}" -> method "get" (lower case; "ANY" stays), path "/a/{b}". */
static void
split_spec(const char *spec, char *method, size_t mlen, const char **path)
{
	size_t i = 0;

	if (strcmp(spec, "$default") == 0) {
		snprintf(method, mlen, "ANY");
		*path = "/$default";
		return;
	}
	for (; spec[i] != '\0' && spec[i] != ' ' && i + 1 < mlen; i++)
		method[i] = (char)tolower((unsigned char)spec[i]);
	method[i] = '\0';
	if (strcmp(method, "any") == 0)
		snprintf(method, mlen, "ANY");
	*path = spec + i;
	while (**path == ' ')
		(*path)++;
}

static cJSON *
path_params(const char *path)
{
	cJSON *a = need(cJSON_CreateArray()), *p;
	const char *s = path, *e;
	char name[128];

	while ((s = strchr(s, '{')) != NULL && (e = strchr(s, '}')) != NULL) {
		snprintf(name, sizeof(name), "%.*s", (int)(e - s - 1), s + 1);
		p = need(cJSON_CreateObject());
		add_str(p, "name", name);
		add_str(p, "in", "path");
		need(cJSON_AddTrueToObject(p, "required"));
		if (name[0] != '\0' && name[strlen(name) - 1] == '+')
			add_str(p, "description", "The rest of the path "
			    "(greedy), without its leading slash");
		add_str(cJSON_AddObjectToObject(p, "schema"), "type", "string");
		cJSON_AddItemToArray(a, p);
		s = e + 1;
	}
	return a;
}

/* A schema file's JSON for components/schemas: what OpenAPI's Schema
 * Object does not take at its top ($schema, $id) is left out. */
static cJSON *
component_schema(const cJSON *doc)
{
	cJSON *s = need(cJSON_Duplicate(doc, true));

	if (cJSON_IsObject(s)) {
		cJSON_DeleteItemFromObjectCaseSensitive(s, "$schema");
		cJSON_DeleteItemFromObjectCaseSensitive(s, "$id");
		cJSON_DeleteItemFromObjectCaseSensitive(s, "$comment");
	}
	return s;
}

static cJSON *
json_content(const char *fn, const char *suffix)
{
	cJSON *c = need(cJSON_CreateObject());
	char ref[160];

	snprintf(ref, sizeof(ref), "#/components/schemas/%s%s", fn, suffix);
	add_str(cJSON_AddObjectToObject(cJSON_AddObjectToObject(c,
	    "application/json"), "schema"), "$ref", ref);
	return c;
}

static void
add_response(cJSON *rs, const char *code, const char *desc)
{
	cJSON *r = need(cJSON_AddObjectToObject(rs, code));

	add_str(r, "description", desc);
}

bool
openapi_body_method(const char *m)
{
	return strcasecmp(m, "GET") != 0 && strcasecmp(m, "HEAD") != 0 &&
	    strcasecmp(m, "DELETE") != 0 && strcasecmp(m, "OPTIONS") != 0;
}

static cJSON *
responses(const struct function_conf *fn, bool body)
{
	cJSON *rs = need(cJSON_CreateObject()), *ok;

	ok = need(cJSON_AddObjectToObject(rs, "200"));
	add_str(ok, "description", "The function's reply (its statusCode "
	    "decides the status)");
	if (fn->response_doc != NULL)
		cJSON_AddItemToObject(ok, "content", json_content(fn->name,
		    "Response"));
	if (fn->validate && body)
		add_response(rs, "400", "Invalid request body: it does not "
		    "match the request schema");
	if (fn->auth == CONF_AUTH_AUTHORIZER)
		add_response(rs, "401", "Unauthorized: no valid token");
	if (fn->auth != CONF_AUTH_NONE || fn->api_key)
		add_response(rs, "403", fn->api_key ?
		    "Forbidden: no valid x-api-key, or not authorized" :
		    fn->auth == CONF_AUTH_AWS_IAM ?
		    "Forbidden: no valid SigV4 signature" :
		    "Forbidden: the token lacks a required scope");
	add_response(rs, "429", fn->api_key ? "Too Many Requests: throttled, "
	    "or over the API key's usage plan" : "Too Many Requests: throttled");
	return rs;
}

static cJSON *
security(const struct function_conf *fn)
{
	cJSON *a = need(cJSON_CreateArray()), *req = need(cJSON_CreateObject());

	/* One requirement: the key and the auth are both needed. */
	if (fn->api_key)
		need(cJSON_AddArrayToObject(req, "api_key"));
	if (fn->auth == CONF_AUTH_AWS_IAM)
		need(cJSON_AddArrayToObject(req, "sigv4"));
	else if (fn->auth == CONF_AUTH_AUTHORIZER)
		cJSON_AddItemToObject(req, fn->authorizer,
		    str_array(fn->scopes, fn->nscopes));
	cJSON_AddItemToArray(a, req);
	return a;
}

static cJSON *
integration(const struct function_conf *fn)
{
	cJSON *x = need(cJSON_CreateObject());
	char arn[192];
	unsigned ms = fn->timeout_s * 1000;

	snprintf(arn, sizeof(arn), "arn:aws:lambda:" OPENAPI_REGION ":"
	    OPENAPI_ACCOUNT ":function:%s", fn->name);
	add_str(x, "type", "aws_proxy");
	add_str(x, "httpMethod", "POST");
	add_str(x, "uri", arn);
	add_str(x, "payloadFormatVersion", fn->payload == 1 ? "1.0" : "2.0");
	need(cJSON_AddNumberToObject(x, "timeoutInMillis",
	    ms > APIGW_TIMEOUT_MS_MAX ? APIGW_TIMEOUT_MS_MAX : ms));
	return x;
}

static cJSON *
operation(const struct function_conf *fn, size_t ri, const char *method,
    const char *path)
{
	cJSON *op = need(cJSON_CreateObject()), *rb;
	bool body = fn->request_doc != NULL && openapi_body_method(method);
	char id[160];

	cJSON_AddItemToObject(op, "tags", str_array((char *const *)&fn->name,
	    1));
	if (fn->description != NULL)
		add_str(op, "description", fn->description);
	if (fn->nroutes > 1)
		snprintf(id, sizeof(id), "%s-%zu", fn->name, ri + 1);
	else
		snprintf(id, sizeof(id), "%s", fn->name);
	add_str(op, "operationId", id);
	if (strchr(path, '{') != NULL)
		cJSON_AddItemToObject(op, "parameters", path_params(path));
	if (body) {
		rb = need(cJSON_AddObjectToObject(op, "requestBody"));
		need(cJSON_AddBoolToObject(rb, "required", fn->validate));
		cJSON_AddItemToObject(rb, "content", json_content(fn->name,
		    "Request"));
	}
	cJSON_AddItemToObject(op, "responses", responses(fn, body));
	if (fn->auth != CONF_AUTH_NONE || fn->api_key)
		cJSON_AddItemToObject(op, "security", security(fn));
	cJSON_AddItemToObject(op, "x-amazon-apigateway-integration",
	    integration(fn));
	return op;
}

static void
add_paths(cJSON *paths, const struct function_conf *fn)
{
	cJSON *item, *op;
	char method[32];
	const char *path;
	size_t i;

	for (i = 0; i < fn->nroutes; i++) {
		split_spec(fn->routes[i].spec, method, sizeof(method), &path);
		if ((item = cJSON_GetObjectItemCaseSensitive(paths, path)) ==
		    NULL)
			item = need(cJSON_AddObjectToObject(paths, path));
		op = operation(fn, i, method, path);
		/* As API Gateway exports an HTTP API's $default route. */
		if (strcmp(fn->routes[i].spec, "$default") == 0)
			need(cJSON_AddTrueToObject(op, "isDefaultRoute"));
		cJSON_AddItemToObject(item, strcmp(method, "ANY") == 0 ?
		    "x-amazon-apigateway-any-method" : method, op);
	}
}

static cJSON *
jwt_scheme(const struct conf_authorizer *a)
{
	cJSON *s = need(cJSON_CreateObject()), *x, *jc;
	char desc[512];

	snprintf(desc, sizeof(desc), "A JWT from %s (RS256, ES256 or HS256) "
	    "in %s", a->issuer, a->identity_source != NULL ?
	    a->identity_source : "$request.header.Authorization");
	add_str(s, "type", "oauth2");
	add_str(s, "description", desc);
	need(cJSON_AddObjectToObject(s, "flows"));
	x = need(cJSON_AddObjectToObject(s, "x-amazon-apigateway-authorizer"));
	add_str(x, "type", "jwt");
	jc = need(cJSON_AddObjectToObject(x, "jwtConfiguration"));
	add_str(jc, "issuer", a->issuer);
	cJSON_AddItemToObject(jc, "audience", str_array(a->audiences,
	    a->naudiences));
	add_str(x, "identitySource", a->identity_source != NULL ?
	    a->identity_source : "$request.header.Authorization");
	return s;
}

static cJSON *
api_key_scheme(void)
{
	cJSON *s = need(cJSON_CreateObject());

	add_str(s, "type", "apiKey");
	add_str(s, "name", "x-api-key");
	add_str(s, "in", "header");
	add_str(s, "description", "An API key (lambdactl keys add) bound to a "
	    "usage plan");
	return s;
}

static cJSON *
sigv4_scheme(void)
{
	cJSON *s = need(cJSON_CreateObject());

	add_str(s, "type", "apiKey");
	add_str(s, "name", "Authorization");
	add_str(s, "in", "header");
	add_str(s, "description", "AWS Signature Version 4 for service "
	    "execute-api");
	add_str(s, "x-amazon-apigateway-authtype", "awsSigv4");
	return s;
}

static cJSON *
cors_ext(const struct conf_cors *cc)
{
	cJSON *x = need(cJSON_CreateObject());

	if (cc->norigins > 0)
		cJSON_AddItemToObject(x, "allowOrigins", str_array(cc->origins,
		    cc->norigins));
	if (cc->nmethods > 0)
		cJSON_AddItemToObject(x, "allowMethods", str_array(cc->methods,
		    cc->nmethods));
	if (cc->nheaders > 0)
		cJSON_AddItemToObject(x, "allowHeaders", str_array(cc->headers,
		    cc->nheaders));
	if (cc->nexpose > 0)
		cJSON_AddItemToObject(x, "exposeHeaders", str_array(cc->expose,
		    cc->nexpose));
	if (cc->max_age >= 0)
		need(cJSON_AddNumberToObject(x, "maxAge", cc->max_age));
	need(cJSON_AddBoolToObject(x, "allowCredentials",
	    cc->credentials == 1));
	return x;
}

static bool
any_api_key(const struct conf *c)
{
	size_t i;

	for (i = 0; i < c->nfns; i++)
		if (c->fns[i].nroutes > 0 && c->fns[i].api_key)
			return true;
	return false;
}

static void
add_components(cJSON *doc, const struct conf *c)
{
	cJSON *comp = need(cJSON_AddObjectToObject(doc, "components"));
	cJSON *schemas = need(cJSON_AddObjectToObject(comp, "schemas"));
	cJSON *sec = need(cJSON_AddObjectToObject(comp, "securitySchemes"));
	char name[96];
	bool iam = false;
	size_t i;

	for (i = 0; i < c->nfns; i++) {
		const struct function_conf *fn = &c->fns[i];

		if (fn->nroutes == 0)
			continue;
		iam |= fn->auth == CONF_AUTH_AWS_IAM;
		snprintf(name, sizeof(name), "%sRequest", fn->name);
		if (fn->request_doc != NULL)
			cJSON_AddItemToObject(schemas, name,
			    component_schema(fn->request_doc));
		snprintf(name, sizeof(name), "%sResponse", fn->name);
		if (fn->response_doc != NULL)
			cJSON_AddItemToObject(schemas, name,
			    component_schema(fn->response_doc));
	}
	for (i = 0; i < c->nauthorizers; i++)
		if (c->authorizers[i].type == CONF_AUTHZ_JWT)
			cJSON_AddItemToObject(sec, c->authorizers[i].name,
			    jwt_scheme(&c->authorizers[i]));
	if (iam)
		cJSON_AddItemToObject(sec, "sigv4", sigv4_scheme());
	if (any_api_key(c))
		cJSON_AddItemToObject(sec, "api_key", api_key_scheme());
}

/* FNV-1a of the paths: info.version changes when the API does. */
static void
version_of(const cJSON *paths, char *out, size_t n)
{
	char *text = cJSON_PrintUnformatted(paths);
	uint32_t h = 2166136261u;
	const char *s;

	for (s = text != NULL ? text : ""; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	free(text);
	snprintf(out, n, "1.0.0+%08x", (unsigned)h);
}

static void
add_tags(cJSON *doc, const struct conf *c)
{
	cJSON *tags = need(cJSON_AddArrayToObject(doc, "tags")), *t;
	size_t i;

	for (i = 0; i < c->nfns; i++) {
		if (c->fns[i].nroutes == 0)
			continue;
		t = need(cJSON_CreateObject());
		add_str(t, "name", c->fns[i].name);
		if (c->fns[i].description != NULL)
			add_str(t, "description", c->fns[i].description);
		cJSON_AddItemToArray(tags, t);
	}
}

cJSON *
openapi_doc(const struct conf *c, const char *server_url)
{
	cJSON *doc, *info, *paths, *srv;
	char version[32];
	size_t i;

	oom = false;
	doc = need(cJSON_CreateObject());
	add_str(doc, "openapi", "3.0.1");
	info = need(cJSON_AddObjectToObject(doc, "info"));
	add_str(info, "title", "lambdad");
	add_str(info, "description", "The HTTP API of this lambdad: its "
	    "routes, the functions behind them, and who may call them.");
	if (server_url != NULL) {
		srv = need(cJSON_CreateObject());
		add_str(srv, "url", server_url);
		cJSON_AddItemToArray(need(cJSON_AddArrayToObject(doc,
		    "servers")), srv);
	}
	add_tags(doc, c);
	paths = need(cJSON_AddObjectToObject(doc, "paths"));
	for (i = 0; i < c->nfns; i++)
		add_paths(paths, &c->fns[i]);
	version_of(paths, version, sizeof(version));
	add_str(info, "version", version);
	add_components(doc, c);
	if (c->cors != NULL)
		cJSON_AddItemToObject(doc, "x-amazon-apigateway-cors",
		    cors_ext(c->cors));
	if (any_api_key(c))
		add_str(doc, "x-amazon-apigateway-api-key-source", "HEADER");
	add_str(doc, "x-amazon-apigateway-importexport-version", "1.0");
	if (oom) {
		cJSON_Delete(doc);
		return NULL;
	}
	return doc;
}

char *
openapi_json(const struct conf *c, const char *server_url)
{
	cJSON *doc = openapi_doc(c, server_url);
	char *text = doc != NULL ? cJSON_Print(doc) : NULL;

	cJSON_Delete(doc);
	return text;
}

void
openapi_server_url(const char *host, int port, char *out, size_t n)
{
	bool v6 = strchr(host, ':') != NULL;

	snprintf(out, n, "http://%s%s%s:%d", v6 ? "[" : "", host, v6 ? "]" : "",
	    port);
}
