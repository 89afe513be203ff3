/*
 * conf_docs: the configuration of the API's documentation and of request
 * validation (issue 10), kept out of conf.c, which only calls these:
 *
 *   [lambdad]   docs_path = /docs        the public reference (off: absent)
 *   [function]  description = TEXT       what the function's routes do
 *               request_schema = FILE    JSON Schema of the request body
 *               response_schema = FILE   JSON Schema of the reply body
 *               validate = off | on      bodies checked (needs request_schema)
 *
 * A schema file is read and parsed where its line is, at load and at every
 * reload, through conf_read_file (so through the opener after the privilege
 * drop): a file that cannot be read, is not JSON, or is not a schema the
 * validator can apply is an error at that line, and serving a request never
 * touches the disk.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "apigw/jsonschema.h"
#include "conf.h"
#include "conf_int.h"

#define DOCS_SCHEMA_MAX		(1024 * 1024)
#define DOCS_DESC_MAX		1024
#define DOCS_PATH_MAX		128

static int
nomem(char *why, size_t whylen)
{
	snprintf(why, whylen, "out of memory");
	return -1;
}

/* Read, parse and check the schema at path into *doc. */
static int
schema_load(const char *path, cJSON **doc, char *why, size_t whylen)
{
	char sub[256];
	char *data;
	size_t len;
	cJSON *j;
	int rc;

	if ((rc = conf_read_file(path, DOCS_SCHEMA_MAX, &data, &len)) != 0) {
		snprintf(why, whylen, "cannot read \"%s\": %s", path,
		    rc == -EFBIG ? "larger than 1 MiB" : rc == -EINVAL ?
		    "not a regular file" : strerror(-rc));
		return -1;
	}
	j = cJSON_ParseWithLength(data, len);
	if (j == NULL) {
		const char *at = cJSON_GetErrorPtr();

		snprintf(why, whylen, "\"%s\" is not JSON (at byte %zu)", path,
		    at != NULL && at >= data && at <= data + len ?
		    (size_t)(at - data) : (size_t)0);
		free(data);
		return -1;
	}
	free(data);
	if (jsonschema_check(j, sub, sizeof(sub)) != 0) {
		snprintf(why, whylen, "\"%s\" is not a usable JSON Schema: %s",
		    path, sub);
		cJSON_Delete(j);
		return -1;
	}
	*doc = j;
	return 0;
}

static int
set_schema(char **pathp, cJSON **docp, const char *v, const char *dir,
    char *why, size_t whylen)
{
	char *path;
	cJSON *doc;

	if (*v == '\0') {
		snprintf(why, whylen, "missing path");
		return -1;
	}
	if (v[0] == '/')
		path = strdup(v);
	else if (asprintf(&path, "%s/%s", dir, v) < 0)
		path = NULL;
	if (path == NULL)
		return nomem(why, whylen);
	if (schema_load(path, &doc, why, whylen) != 0) {
		free(path);
		return -1;
	}
	free(*pathp);
	cJSON_Delete(*docp);
	*pathp = path;
	*docp = doc;
	return 0;
}

static int
set_description(struct function_conf *fn, const char *v, char *why,
    size_t whylen)
{
	const unsigned char *s;

	if (*v == '\0' || strlen(v) > DOCS_DESC_MAX) {
		snprintf(why, whylen, "expected 1 to %d characters of text",
		    DOCS_DESC_MAX);
		return -1;
	}
	for (s = (const unsigned char *)v; *s != '\0'; s++)
		if (*s < 0x20 || *s == 0x7f) {
			snprintf(why, whylen, "control characters are not "
			    "allowed");
			return -1;
		}
	free(fn->description);
	if ((fn->description = strdup(v)) == NULL)
		return nomem(why, whylen);
	return 0;
}

int
conf_docs_fn_key(struct function_conf *fn, const char *key, const char *v,
    const char *dir, int line, char *why, size_t whylen)
{
	if (strcmp(key, "description") == 0)
		return set_description(fn, v, why, whylen);
	if (strcmp(key, "request_schema") == 0)
		return set_schema(&fn->request_schema, &fn->request_doc, v, dir,
		    why, whylen);
	if (strcmp(key, "response_schema") == 0)
		return set_schema(&fn->response_schema, &fn->response_doc, v,
		    dir, why, whylen);
	if (strcmp(key, "validate") == 0) {
		if (strcmp(v, "on") != 0 && strcmp(v, "off") != 0) {
			snprintf(why, whylen, "expected on or off, not \"%s\"",
			    v);
			return -1;
		}
		fn->validate = v[1] == 'n';
		fn->validate_line = line;
		return 0;
	}
	snprintf(why, whylen, "unknown key \"%s\"", key);
	return -1;
}

/* "/docs", "/api/docs": segments of unreserved characters, no trailing /. */
int
conf_docs_path(struct conf *c, const char *v, int line, char *why,
    size_t whylen)
{
	size_t len = strlen(v), i;

	if (len < 2 || len > DOCS_PATH_MAX || v[0] != '/' || v[len - 1] == '/')
		goto bad;
	for (i = 1; i < len; i++)
		if (!(v[i] >= 'a' && v[i] <= 'z') &&
		    !(v[i] >= 'A' && v[i] <= 'Z') &&
		    !(v[i] >= '0' && v[i] <= '9') && !strchr("-._~/", v[i]))
			goto bad;
		else if (v[i] == '/' && v[i - 1] == '/')
			goto bad;
	free(c->docs_path);
	if ((c->docs_path = strdup(v)) == NULL)
		return nomem(why, whylen);
	c->docs_line = line;
	return 0;
bad:
	snprintf(why, whylen, "expected a path such as /docs (segments of "
	    "A-Z a-z 0-9 - . _ ~, no trailing /), not \"%s\"", v);
	return -1;
}

/* The path of a route spec ("GET /a/b" -> "/a/b"), or NULL. */
static const char *
spec_path(const char *spec)
{
	const char *sp = strchr(spec, ' ');

	if (sp == NULL)
		return NULL;
	while (*sp == ' ')
		sp++;
	return sp;
}

/* Whether docs_path serves path (its page or its openapi.json). */
static bool
docs_shadows(const char *docs, const char *path)
{
	size_t n = strlen(docs);

	return strncmp(path, docs, n) == 0 && (path[n] == '\0' ||
	    strcmp(path + n, "/") == 0 ||
	    strcmp(path + n, "/openapi.json") == 0);
}

int
conf_docs_finish(const struct conf *c, char *err, size_t errlen)
{
	const char *main_file = c->nfiles > 0 ? c->files[0] : "?";
	size_t i, j;

	for (i = 0; i < c->nfns; i++) {
		const struct function_conf *fn = &c->fns[i];

		if (fn->validate && fn->request_doc == NULL) {
			snprintf(err, errlen, "%s:%d: validate = on needs "
			    "request_schema = FILE in [function %s]", fn->file,
			    fn->validate_line, fn->name);
			return -1;
		}
		for (j = 0; c->docs_path != NULL && j < fn->nroutes; j++) {
			const char *p = spec_path(fn->routes[j].spec);

			if (p != NULL && docs_shadows(c->docs_path, p)) {
				snprintf(err, errlen, "%s:%d: docs_path = %s "
				    "would hide route \"%s\" of function %s "
				    "(%s:%d)", main_file, c->docs_line,
				    c->docs_path, fn->routes[j].spec, fn->name,
				    fn->routes[j].file, fn->routes[j].line);
				return -1;
			}
		}
	}
	return 0;
}

void
conf_docs_fn_free(struct function_conf *fn)
{
	free(fn->description);
	free(fn->request_schema);
	free(fn->response_schema);
	cJSON_Delete(fn->request_doc);
	cJSON_Delete(fn->response_doc);
	fn->description = fn->request_schema = fn->response_schema = NULL;
	fn->request_doc = fn->response_doc = NULL;
}
