/*
 * docs: the OpenAPI document and its HTML page on the public listener.
 * See docs.h.
 *
 * The page is written from the document, not from the configuration, so
 * what a person reads is what a machine reads in openapi.json.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "conf.h"
#include "docs.h"
#include "http.h"
#include "log.h"
#include "openapi.h"

struct docs {
	char	*path;		/* docs_path, or NULL: off */
	char	*json_path;	/* path + "/openapi.json" */
	char	*json;
	size_t	 json_len;
	char	*html;
	size_t	 html_len;
};

static const char *const methods[] = {
	"get", "put", "post", "delete", "options", "head", "patch", "trace",
	"x-amazon-apigateway-any-method",
};
#define NMETHODS	(sizeof(methods) / sizeof(methods[0]))

static const char page_css[] =
	"body{font:15px/1.5 system-ui,-apple-system,'Segoe UI',sans-serif;"
	"margin:0;color:#1b1f24;background:#f6f7f9}"
	"header{background:#232f3e;color:#fff;padding:1.2em 2em}"
	"header h1{margin:0;font-size:1.6em}header p{margin:.3em 0 0;"
	"color:#cfd6de}header a{color:#ffb84d}"
	"main{max-width:60em;margin:0 auto;padding:1em 2em 3em}"
	"nav ul{padding-left:1.2em}nav a{color:#0b5cad}"
	"section.fn{margin-top:2em}section.fn>h2{border-bottom:2px solid "
	"#d5dae0;padding-bottom:.2em}"
	".op{background:#fff;border:1px solid #d5dae0;border-radius:6px;"
	"margin:1em 0;padding:.8em 1em}"
	".op h3{margin:0;font:600 1.05em ui-monospace,monospace}"
	".m{display:inline-block;min-width:4.5em;text-align:center;"
	"border-radius:4px;color:#fff;padding:.1em .4em;margin-right:.6em;"
	"font-size:.85em;text-transform:uppercase}"
	".m-get{background:#2f7d32}.m-post{background:#1565c0}"
	".m-put{background:#8e5b00}.m-delete{background:#b71c1c}"
	".m-patch{background:#6a1b9a}.m-any{background:#455a64}"
	".m-other{background:#5d6d7e}"
	"table{border-collapse:collapse;margin:.4em 0}td,th{border:1px solid "
	"#d5dae0;padding:.2em .6em;text-align:left;vertical-align:top}"
	"pre{background:#f0f2f5;padding:.6em;border-radius:4px;overflow:auto;"
	"tab-size:2;"
	"font-size:.9em}code{font-family:ui-monospace,monospace}"
	".auth{color:#8e5b00}.muted{color:#5d6d7e}h4{margin:.8em 0 .2em}";

static void
esc(struct buf *b, const char *s)
{
	for (; s != NULL && *s != '\0'; s++)
		switch (*s) {
		case '&': buf_adds(b, "&amp;"); break;
		case '<': buf_adds(b, "&lt;"); break;
		case '>': buf_adds(b, "&gt;"); break;
		case '"': buf_adds(b, "&quot;"); break;
		case '\'': buf_adds(b, "&#39;"); break;
		default: buf_addc(b, *s); break;
		}
}

static const char *
str_of(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* An element with escaped text: <tag>text</tag>. */
static void
elem(struct buf *b, const char *tag, const char *text)
{
	buf_printf(b, "<%s>", tag);
	esc(b, text);
	buf_printf(b, "</%s>", tag);
}

/* A schema, its $ref resolved against components/schemas, as JSON. */
static void
schema_block(struct buf *b, const cJSON *doc, const cJSON *content)
{
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(content, "application/json"),
	    "schema");
	const char *ref = str_of(s, "$ref"), *name;
	char *text;

	if (ref != NULL && (name = strrchr(ref, '/')) != NULL) {
		elem(b, "p", "application/json, schema:");
		s = cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(doc, "components"),
		    "schemas"), name + 1);
	}
	if (s == NULL || (text = cJSON_Print(s)) == NULL)
		return;
	buf_adds(b, "<pre>");
	esc(b, text);
	buf_adds(b, "</pre>");
	free(text);
}

static void
params_table(struct buf *b, const cJSON *params)
{
	const cJSON *p;

	if (cJSON_GetArraySize(params) == 0)
		return;
	buf_adds(b, "<h4>Path parameters</h4><table><tr><th>Name</th>"
	    "<th>In</th><th>About</th></tr>");
	cJSON_ArrayForEach(p, params) {
		buf_adds(b, "<tr><td><code>");
		esc(b, str_of(p, "name"));
		buf_adds(b, "</code></td>");
		elem(b, "td", str_of(p, "in"));
		elem(b, "td", str_of(p, "description") != NULL ?
		    str_of(p, "description") : "string, required");
		buf_adds(b, "</tr>");
	}
	buf_adds(b, "</table>");
}

static void
security_line(struct buf *b, const cJSON *sec)
{
	const cJSON *req, *e, *s;
	bool first, more = false;

	if (sec == NULL) {
		buf_adds(b, "<p class=\"auth\">Auth: none (public)</p>");
		return;
	}
	buf_adds(b, "<p class=\"auth\">Auth: ");
	cJSON_ArrayForEach(req, sec)
		cJSON_ArrayForEach(e, req) {
			buf_adds(b, more ? " and <code>" : "<code>");
			more = true;
			esc(b, e->string);
			buf_adds(b, "</code>");
			first = true;
			cJSON_ArrayForEach(s, e) {
				buf_adds(b, first ? ", scopes: " : " or ");
				esc(b, s->valuestring);
				first = false;
			}
		}
	buf_adds(b, "</p>");
}

static void
responses_list(struct buf *b, const cJSON *doc, const cJSON *rs)
{
	const cJSON *r;

	buf_adds(b, "<h4>Responses</h4><table><tr><th>Status</th>"
	    "<th>Meaning</th></tr>");
	cJSON_ArrayForEach(r, rs) {
		buf_adds(b, "<tr>");
		elem(b, "td", r->string);
		buf_adds(b, "<td>");
		esc(b, str_of(r, "description"));
		schema_block(b, doc, cJSON_GetObjectItemCaseSensitive(r,
		    "content"));
		buf_adds(b, "</td></tr>");
	}
	buf_adds(b, "</table>");
}

/* One operation; group_desc: its group's description, not repeated. */
static void
operation_card(struct buf *b, const cJSON *doc, const char *path,
    const char *method, const cJSON *op, const char *group_desc)
{
	const char *desc = str_of(op, "description");
	const cJSON *rb = cJSON_GetObjectItemCaseSensitive(op, "requestBody");
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(op,
	    "x-amazon-apigateway-integration");
	bool any = strcmp(method, "x-amazon-apigateway-any-method") == 0;
	const char *cls = any ? "any" : strcmp(method, "get") == 0 ||
	    strcmp(method, "post") == 0 || strcmp(method, "put") == 0 ||
	    strcmp(method, "delete") == 0 || strcmp(method, "patch") == 0 ?
	    method : "other";

	buf_printf(b, "<div class=\"op\" id=\"%s\"><h3><span class=\"m m-%s\">",
	    str_of(op, "operationId") != NULL ? str_of(op, "operationId") : "",
	    cls);
	esc(b, any ? "ANY" : method);
	buf_adds(b, "</span>");
	esc(b, path);
	buf_adds(b, "</h3>");
	if (desc != NULL && (group_desc == NULL ||
	    strcmp(desc, group_desc) != 0))
		elem(b, "p", desc);
	security_line(b, cJSON_GetObjectItemCaseSensitive(op, "security"));
	params_table(b, cJSON_GetObjectItemCaseSensitive(op, "parameters"));
	if (rb != NULL) {
		elem(b, "h4", cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rb,
		    "required")) ? "Request body (required, validated)" :
		    "Request body");
		schema_block(b, doc, cJSON_GetObjectItemCaseSensitive(rb,
		    "content"));
	}
	responses_list(b, doc, cJSON_GetObjectItemCaseSensitive(op,
	    "responses"));
	buf_adds(b, "<p class=\"muted\">Integration: Lambda proxy, payload "
	    "format ");
	esc(b, str_of(x, "payloadFormatVersion"));
	buf_adds(b, "</p></div>");
}

static bool
op_tagged(const cJSON *op, const char *tag)
{
	const cJSON *t = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(op,
	    "tags"), 0);

	return cJSON_IsString(t) && strcmp(t->valuestring, tag) == 0;
}

static void
tag_section(struct buf *b, const cJSON *doc, const cJSON *tag)
{
	const cJSON *paths = cJSON_GetObjectItemCaseSensitive(doc, "paths");
	const cJSON *item, *op;
	const char *name = str_of(tag, "name");
	size_t i;

	buf_adds(b, "<section class=\"fn\" id=\"fn-");
	esc(b, name);
	buf_adds(b, "\"><h2>");
	esc(b, name);
	buf_adds(b, "</h2>");
	if (str_of(tag, "description") != NULL)
		elem(b, "p", str_of(tag, "description"));
	cJSON_ArrayForEach(item, paths)
		for (i = 0; i < NMETHODS; i++)
			if ((op = cJSON_GetObjectItemCaseSensitive(item,
			    methods[i])) != NULL && op_tagged(op, name))
				operation_card(b, doc, item->string,
				    methods[i], op, str_of(tag, "description"));
	buf_adds(b, "</section>");
}

static void
schemes_section(struct buf *b, const cJSON *doc)
{
	const cJSON *sec = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(doc, "components"),
	    "securitySchemes");
	const cJSON *s, *x, *jc, *a;

	if (cJSON_GetArraySize(sec) == 0)
		return;
	buf_adds(b, "<section class=\"fn\" id=\"auth\"><h2>Authorization</h2>"
	    "<table><tr><th>Name</th><th>What</th><th>Details</th></tr>");
	cJSON_ArrayForEach(s, sec) {
		buf_adds(b, "<tr><td><code>");
		esc(b, s->string);
		buf_adds(b, "</code></td>");
		elem(b, "td", str_of(s, "description"));
		buf_adds(b, "<td>");
		x = cJSON_GetObjectItemCaseSensitive(s,
		    "x-amazon-apigateway-authorizer");
		jc = cJSON_GetObjectItemCaseSensitive(x, "jwtConfiguration");
		if (jc != NULL) {
			buf_adds(b, "issuer <code>");
			esc(b, str_of(jc, "issuer"));
			buf_adds(b, "</code>, audience");
			cJSON_ArrayForEach(a,
			    cJSON_GetObjectItemCaseSensitive(jc, "audience")) {
				buf_adds(b, " <code>");
				esc(b, a->valuestring);
				buf_adds(b, "</code>");
			}
			buf_adds(b, ", token from <code>");
			esc(b, str_of(x, "identitySource"));
			buf_adds(b, "</code>");
		} else if (str_of(s, "x-amazon-apigateway-authtype") != NULL)
			buf_adds(b, "a signed request (aws sigv4)");
		else {
			buf_adds(b, "header <code>");
			esc(b, str_of(s, "name"));
			buf_adds(b, "</code>");
		}
		buf_adds(b, "</td></tr>");
	}
	buf_adds(b, "</table></section>");
}

static void
cors_section(struct buf *b, const cJSON *doc)
{
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(doc,
	    "x-amazon-apigateway-cors"), *e;
	char *text;

	if (x == NULL)
		return;
	buf_adds(b, "<section class=\"fn\" id=\"cors\"><h2>CORS</h2><p>Web "
	    "pages on these origins may call the API:");
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(x,
	    "allowOrigins")) {
		buf_adds(b, " <code>");
		esc(b, e->valuestring);
		buf_adds(b, "</code>");
	}
	buf_adds(b, "</p>");
	if ((text = cJSON_Print(x)) != NULL) {
		buf_adds(b, "<pre>");
		esc(b, text);
		buf_adds(b, "</pre>");
		free(text);
	}
	buf_adds(b, "</section>");
}

static void
page_head(struct buf *b, const cJSON *doc, const char *json_href)
{
	const cJSON *info = cJSON_GetObjectItemCaseSensitive(doc, "info");
	const cJSON *srv = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(
	    doc, "servers"), 0);
	const cJSON *t;

	buf_adds(b, "<!DOCTYPE html>\n<html lang=\"en\"><head>"
	    "<meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width="
	    "device-width,initial-scale=1\"><title>");
	esc(b, str_of(info, "title"));
	buf_adds(b, " API reference</title><style>");
	buf_adds(b, page_css);
	buf_adds(b, "</style></head><body><header><h1>");
	esc(b, str_of(info, "title"));
	buf_adds(b, " API reference</h1><p>Version ");
	esc(b, str_of(info, "version"));
	if (str_of(srv, "url") != NULL) {
		buf_adds(b, " &middot; <code>");
		esc(b, str_of(srv, "url"));
		buf_adds(b, "</code>");
	}
	buf_adds(b, " &middot; <a href=\"");
	esc(b, json_href);
	buf_adds(b, "\">openapi.json</a> (OpenAPI 3.0)</p></header><main>"
	    "<nav><h2>Functions</h2><ul>");
	cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(doc, "tags")) {
		buf_adds(b, "<li><a href=\"#fn-");
		esc(b, str_of(t, "name"));
		buf_adds(b, "\">");
		esc(b, str_of(t, "name"));
		buf_adds(b, "</a>");
		if (str_of(t, "description") != NULL) {
			buf_adds(b, " &mdash; ");
			esc(b, str_of(t, "description"));
		}
		buf_adds(b, "</li>");
	}
	buf_adds(b, "</ul></nav>");
}

char *
docs_html(const cJSON *doc, const char *json_href)
{
	struct buf b;
	const cJSON *t;

	buf_init(&b);
	page_head(&b, doc, json_href);
	cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(doc, "tags"))
		tag_section(&b, doc, t);
	schemes_section(&b, doc);
	cors_section(&b, doc);
	buf_adds(&b, "</main></body></html>\n");
	return buf_steal(&b, NULL);
}

struct docs *
docs_new(void)
{
	return calloc(1, sizeof(struct docs));
}

static void
docs_clear(struct docs *d)
{
	free(d->path);
	free(d->json_path);
	free(d->json);
	free(d->html);
	memset(d, 0, sizeof(*d));
}

void
docs_free(struct docs *d)
{
	if (d == NULL)
		return;
	docs_clear(d);
	free(d);
}

int
docs_set(struct docs *d, const struct conf *c, int port)
{
	struct docs n = { 0 };
	char url[300];
	cJSON *doc;

	if (c->docs_path == NULL) {
		docs_clear(d);
		return 0;
	}
	openapi_server_url(c->listen_host, port, url, sizeof(url));
	if ((doc = openapi_doc(c, url)) == NULL) {
		log_warnx("docs_path: out of memory: the API reference is not "
		    "updated");
		return -1;
	}
	n.path = strdup(c->docs_path);
	if (n.path != NULL && asprintf(&n.json_path, "%s/openapi.json",
	    n.path) < 0)
		n.json_path = NULL;
	n.json = cJSON_Print(doc);
	n.html = n.json_path != NULL ? docs_html(doc, n.json_path) : NULL;
	cJSON_Delete(doc);
	if (n.json == NULL || n.html == NULL || n.path == NULL ||
	    n.json_path == NULL) {
		log_warnx("docs_path: out of memory: the API reference is not "
		    "updated");
		docs_clear(&n);
		return -1;
	}
	n.json_len = strlen(n.json);
	n.html_len = strlen(n.html);
	docs_clear(d);
	*d = n;
	return 0;
}

static bool
path_is(const struct http_request *req, const char *p)
{
	size_t n = strlen(p);

	return req->path_len == n && memcmp(req->path, p, n) == 0;
}

bool
docs_serve(struct docs *d, struct http_request *req)
{
	static const struct http_header html[] = {
		{ "Content-Type", 12, "text/html; charset=utf-8", 24 },
		{ "Content-Security-Policy", 23,
		    "default-src 'none'; style-src 'unsafe-inline'", 45 },
	};
	static const struct http_header json[] = {
		{ "Content-Type", 12, "application/json", 16 },
	};
	size_t n;

	if (d == NULL || d->path == NULL || strcmp(req->method, "GET") != 0)
		return false;
	n = strlen(d->path);
	if (path_is(req, d->json_path))
		http_respond(req, 200, json, 1, d->json, d->json_len);
	else if (path_is(req, d->path) || (req->path_len == n + 1 &&
	    memcmp(req->path, d->path, n) == 0 && req->path[n] == '/'))
		http_respond(req, 200, html, 2, d->html, d->html_len);
	else
		return false;
	return true;
}
