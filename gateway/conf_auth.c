/*
 * conf_auth: the configuration of authorizers, kept out of conf.c, which
 * only calls these from its key tables:
 *
 *   [authorizer NAME]       (main file only; NAME as a function name)
 *   type = jwt              the HTTP API JWT authorizer (apigw/jwt.h)
 *   issuer = URL            the tokens' iss, exactly
 *   audience = AUD          repeatable: aud (or client_id) must hold one
 *   jwks = FILE             a JWKS document (RS256, ES256), or
 *   secret = FILE           an HS256 secret
 *   identity_source = $request.header.Authorization (the default) or
 *                     $request.header.NAME, $request.querystring.NAME
 *   leeway = 0              seconds of clock skew on exp, nbf and iat
 *
 *   type = function         a Lambda authorizer (apigw/lambda_authz.h)
 *   function = NAME         the [function NAME] that decides
 *   identity_source = SRC[, SRC...]  (repeatable) $request.header.NAME,
 *                     $request.querystring.NAME, $context.VAR; none:
 *                     every request calls the function (no cache)
 *   response = simple | iam the reply format (simple)
 *   cache_ttl = 300         seconds a decision is kept per identity
 *                           (0..3600, 0 = off)
 *
 *   [function NAME]  auth = none | aws_iam | NAME    scopes = S ... (repeatable)
 *
 * The key file is read when the section ends, at load and at every
 * reload, and its keys are built then: a document that is not a usable
 * keyset is an error at the jwks = line, and serving a request never
 * touches the disk.
 */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apigw/jwt.h"
#include "conf.h"
#include "conf_int.h"

#define AUTH_KEYFILE_MAX	(1024 * 1024)
#define AUTH_IDENT_DEFAULT	"$request.header.Authorization"
#define AUTH_HEADER_PREFIX	"$request.header."
#define AUTH_QUERY_PREFIX	"$request.querystring."
#define AUTH_CONTEXT_PREFIX	"$context."
#define AUTH_STAGEVAR_PREFIX	"$stageVariables."
#define AUTH_LEEWAY_MAX		3600
#define AUTH_TTL_MAX		3600	/* API Gateway's maximum */
#define AUTH_TTL_DEFAULT	300	/* API Gateway's default */
#define AUTH_MAX_SRCS		8

/* The $context variables a Lambda authorizer's identity may name: those
 * known before the function runs (apigw/lambda_authz.c has their values). */
static const char *const auth_context_vars[] = {
	"routeKey", "httpMethod", "path", "stage", "domainName", "protocol",
	"identity.sourceIp", "identity.userAgent", NULL,
};

static int
nomem(char *why, size_t whylen)
{
	snprintf(why, whylen, "out of memory");
	return -1;
}

/* A value of one word: printable, no blanks. */
static bool
word_ok(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (!isgraph((unsigned char)*s))
			return false;
	return true;
}

static int
strv_add(char ***v, size_t *n, const char *s, size_t len)
{
	char **nv;

	if ((nv = reallocarray(*v, *n + 1, sizeof(*nv))) == NULL)
		return -1;
	*v = nv;
	if ((nv[*n] = strndup(s, len)) == NULL)
		return -1;
	(*n)++;
	return 0;
}

static void
strv_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* ---- [authorizer NAME] ------------------------------------------------------- */

int
conf_auth_begin(struct conf *c, const char *name, const char *file, int line,
    char *why, size_t whylen)
{
	struct conf_authorizer *a;
	size_t i;

	if (!conf_fn_name_ok(name)) {
		snprintf(why, whylen, "authorizer name \"%s\" must be 1 to %d "
		    "of A-Z a-z 0-9 _ -", name, CONF_NAME_MAX);
		return -1;
	}
	if (strcmp(name, "none") == 0 || strcmp(name, "aws_iam") == 0) {
		snprintf(why, whylen, "\"%s\" is an auth = word, not a name an "
		    "authorizer can have", name);
		return -1;
	}
	for (i = 0; i < c->nauthorizers; i++)
		if (strcmp(c->authorizers[i].name, name) == 0) {
			snprintf(why, whylen, "duplicate authorizer \"%s\" "
			    "(first defined at %s:%d)", name,
			    c->authorizers[i].file, c->authorizers[i].line);
			return -1;
		}
	a = reallocarray(c->authorizers, c->nauthorizers + 1, sizeof(*a));
	if (a == NULL)
		return nomem(why, whylen);
	c->authorizers = a;
	a = &c->authorizers[c->nauthorizers];
	memset(a, 0, sizeof(*a));
	a->file = file;
	a->line = line;
	if ((a->name = strdup(name)) == NULL)
		return nomem(why, whylen);
	c->nauthorizers++;
	return 0;
}

static int
set_ident(struct conf_authorizer *a, const char *v, char *why, size_t whylen)
{
	size_t hl = strlen(AUTH_HEADER_PREFIX), ql = strlen(AUTH_QUERY_PREFIX);
	const char *name;
	enum conf_ident kind;

	if (strncmp(v, AUTH_HEADER_PREFIX, hl) == 0) {
		kind = CONF_IDENT_HEADER;
		name = v + hl;
	} else if (strncmp(v, AUTH_QUERY_PREFIX, ql) == 0) {
		kind = CONF_IDENT_QUERY;
		name = v + ql;
	} else {
		snprintf(why, whylen, "expected $request.header.NAME or "
		    "$request.querystring.NAME, not \"%s\"", v);
		return -1;
	}
	if (!word_ok(name) || strpbrk(name, "()<>@,;:\\\"/[]?={}") != NULL) {
		snprintf(why, whylen, "\"%s\" is not a header or parameter "
		    "name", name);
		return -1;
	}
	free(a->identity_source);
	if ((a->identity_source = strdup(v)) == NULL)
		return nomem(why, whylen);
	a->ident = kind;
	a->ident_name = a->identity_source + (name - v);
	return 0;
}

/* One identity source of a list, v[0..len) with no blanks around it. */
static int
ident_one(struct conf_ident_src *src, const char *v, size_t len, char *why,
    size_t whylen)
{
	size_t hl = strlen(AUTH_HEADER_PREFIX), ql = strlen(AUTH_QUERY_PREFIX);
	size_t cl = strlen(AUTH_CONTEXT_PREFIX), i;
	char *t;

	if ((t = strndup(v, len)) == NULL)
		return nomem(why, whylen);
	src->text = t;
	if (strncmp(t, AUTH_HEADER_PREFIX, hl) == 0 ||
	    strncmp(t, AUTH_QUERY_PREFIX, ql) == 0) {
		src->kind = t[9] == 'h' ? CONF_IDENT_HEADER : CONF_IDENT_QUERY;
		src->name = t + (src->kind == CONF_IDENT_HEADER ? hl : ql);
		if (word_ok(src->name) &&
		    strpbrk(src->name, "()<>@,;:\\\"/[]?={}") == NULL)
			return 0;
		snprintf(why, whylen, "\"%s\" is not a header or parameter "
		    "name", src->name);
		return -1;
	}
	if (strncmp(t, AUTH_CONTEXT_PREFIX, cl) == 0) {
		src->kind = CONF_IDENT_CONTEXT;
		src->name = t + cl;
		for (i = 0; auth_context_vars[i] != NULL; i++)
			if (strcmp(src->name, auth_context_vars[i]) == 0)
				return 0;
		snprintf(why, whylen, "$context.%s is not one lambdad knows "
		    "before the authorizer runs (routeKey, httpMethod, path, "
		    "stage, domainName, protocol, identity.sourceIp, "
		    "identity.userAgent)", src->name);
		return -1;
	}
	if (strncmp(t, AUTH_STAGEVAR_PREFIX, strlen(AUTH_STAGEVAR_PREFIX)) == 0)
		snprintf(why, whylen, "\"%s\": lambdad has no stage variables "
		    "to take an identity from", t);
	else
		snprintf(why, whylen, "expected $request.header.NAME, "
		    "$request.querystring.NAME or $context.VAR, not \"%s\"", t);
	return -1;
}

/* identity_source = A, B ...: appended to a's list. */
static int
ident_add(struct conf_authorizer *a, const char *v, char *why, size_t whylen)
{
	const char *s = v, *e, *end;
	struct conf_ident_src *ns;
	size_t before = a->nsrcs;

	for (;;) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == '\0')
			break;
		if ((e = strchr(s, ',')) == NULL)
			e = s + strlen(s);
		for (end = e; end > s && (end[-1] == ' ' || end[-1] == '\t');
		    end--)
			;
		if (end == s) {
			snprintf(why, whylen, "an empty identity source");
			return -1;
		}
		if (a->nsrcs == AUTH_MAX_SRCS) {
			snprintf(why, whylen, "more than %d identity sources",
			    AUTH_MAX_SRCS);
			return -1;
		}
		ns = reallocarray(a->srcs, a->nsrcs + 1, sizeof(*ns));
		if (ns == NULL)
			return nomem(why, whylen);
		a->srcs = ns;
		memset(&ns[a->nsrcs], 0, sizeof(*ns));
		a->nsrcs++;
		if (ident_one(&ns[a->nsrcs - 1], s, (size_t)(end - s), why,
		    whylen) != 0)
			return -1;
		s = *e == ',' ? e + 1 : e;
	}
	if (a->nsrcs == before) {
		snprintf(why, whylen, "expected one or more identity sources");
		return -1;
	}
	return 0;
}

/* Seconds from 0 to max. */
static int
parse_secs(const char *v, unsigned max, unsigned *out, char *why,
    size_t whylen)
{
	unsigned long n = 0;
	const char *s;

	for (s = v; *s != '\0' && n <= max; s++) {
		if (!isdigit((unsigned char)*s))
			break;
		n = n * 10 + (unsigned long)(*s - '0');
	}
	if (*v == '\0' || *s != '\0' || n > max) {
		snprintf(why, whylen, "expected seconds from 0 to %u, not "
		    "\"%s\"", max, v);
		return -1;
	}
	*out = (unsigned)n;
	return 0;
}

static int
set_leeway(struct conf_authorizer *a, const char *v, char *why,
    size_t whylen)
{
	unsigned long n = 0;
	const char *s;

	for (s = v; *s != '\0' && n <= AUTH_LEEWAY_MAX; s++) {
		if (!isdigit((unsigned char)*s))
			break;
		n = n * 10 + (unsigned long)(*s - '0');
	}
	if (*v == '\0' || *s != '\0' || n > AUTH_LEEWAY_MAX) {
		snprintf(why, whylen, "expected seconds from 0 to %d, not "
		    "\"%s\"", AUTH_LEEWAY_MAX, v);
		return -1;
	}
	a->leeway_s = (unsigned)n;
	return 0;
}

/* jwks = and secret =: a path, relative to the file's directory. */
static int
set_keyfile(char **dst, const char *v, const char *dir, char *why,
    size_t whylen)
{
	char *path;

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
	free(*dst);
	*dst = path;
	return 0;
}

int
conf_auth_key(struct conf_authorizer *a, const char *key, const char *v,
    const char *dir, int line, char *why, size_t whylen)
{
	size_t i;

	if (strcmp(key, "type") == 0) {
		if (strcmp(v, "jwt") == 0)
			a->type = CONF_AUTHZ_JWT;
		else if (strcmp(v, "function") == 0)
			a->type = CONF_AUTHZ_FUNCTION;
		else {
			snprintf(why, whylen, "expected jwt or function, not "
			    "\"%s\"", v);
			return -1;
		}
		return 0;
	}
	if (strcmp(key, "function") == 0) {
		if (!conf_fn_name_ok(v)) {
			snprintf(why, whylen, "expected a function's name, not "
			    "\"%s\"", v);
			return -1;
		}
		free(a->function);
		return (a->function = strdup(v)) == NULL ?
		    nomem(why, whylen) : 0;
	}
	if (strcmp(key, "response") == 0) {
		if (strcmp(v, "simple") == 0)
			a->response = CONF_AUTHZ_SIMPLE;
		else if (strcmp(v, "iam") == 0)
			a->response = CONF_AUTHZ_IAM;
		else {
			snprintf(why, whylen, "expected simple or iam, not "
			    "\"%s\"", v);
			return -1;
		}
		return 0;
	}
	if (strcmp(key, "cache_ttl") == 0) {
		a->cache_ttl_s = 0;
		if (parse_secs(v, AUTH_TTL_MAX, &a->cache_ttl_s, why,
		    whylen) != 0)
			return -1;
		a->cache_ttl_s++;	/* 0: not given (AUTH_TTL_DEFAULT) */
		return 0;
	}
	if (strcmp(key, "issuer") == 0 || strcmp(key, "audience") == 0 ||
	    strcmp(key, "jwks") == 0 || strcmp(key, "secret") == 0 ||
	    strcmp(key, "leeway") == 0)
		a->jwt_keys_set = 1;
	if (strcmp(key, "issuer") == 0 || strcmp(key, "audience") == 0) {
		if (!word_ok(v)) {
			snprintf(why, whylen, "expected one word without "
			    "blanks, not \"%s\"", v);
			return -1;
		}
		if (key[0] == 'i') {
			free(a->issuer);
			return (a->issuer = strdup(v)) == NULL ?
			    nomem(why, whylen) : 0;
		}
		for (i = 0; i < a->naudiences; i++)
			if (strcmp(a->audiences[i], v) == 0) {
				snprintf(why, whylen, "audience \"%s\" is given "
				    "twice", v);
				return -1;
			}
		return strv_add(&a->audiences, &a->naudiences, v, strlen(v)) < 0 ?
		    nomem(why, whylen) : 0;
	}
	if (strcmp(key, "jwks") == 0 || strcmp(key, "secret") == 0) {
		if ((key[0] == 'j' ? a->secret : a->jwks) != NULL) {
			snprintf(why, whylen, "jwks and secret exclude each "
			    "other: an authorizer has one keyset");
			return -1;
		}
		a->keys_line = line;
		return set_keyfile(key[0] == 'j' ? &a->jwks : &a->secret, v,
		    dir, why, whylen);
	}
	if (strcmp(key, "identity_source") == 0)
		return ident_add(a, v, why, whylen);
	if (strcmp(key, "leeway") == 0)
		return set_leeway(a, v, why, whylen);
	snprintf(why, whylen, "unknown key \"%s\" in [authorizer]", key);
	return -1;
}

/* Read the key file and build the keyset; *line is the jwks/secret line. */
static int
auth_load_keys(struct conf_authorizer *a, int *line, char *why,
    size_t whylen)
{
	const char *path = a->jwks != NULL ? a->jwks : a->secret;
	char sub[256];
	char *data;
	size_t len;
	int rc;

	*line = a->keys_line;
	rc = conf_read_file(path, AUTH_KEYFILE_MAX, &data, &len);
	if (rc != 0) {
		snprintf(why, whylen, "%s: cannot read \"%s\": %s",
		    a->jwks != NULL ? "jwks" : "secret", path,
		    rc == -EFBIG ? "larger than 1 MiB" : rc == -EINVAL ?
		    "not a regular file" : strerror(-rc));
		return -1;
	}
	a->keys = a->jwks != NULL ?
	    jwt_keyset_from_jwks(data, len, sub, sizeof(sub)) :
	    jwt_keyset_from_secret(data, len, sub, sizeof(sub));
	/* A secret's bytes should not linger in freed memory. */
	explicit_bzero(data, len);
	free(data);
	if (a->keys == NULL) {
		snprintf(why, whylen, "%s: \"%s\": %s", a->jwks != NULL ?
		    "jwks" : "secret", path, sub);
		return -1;
	}
	return 0;
}

static int
auth_end_function(struct conf_authorizer *a, char *why, size_t whylen)
{
	if (a->jwt_keys_set) {
		snprintf(why, whylen, "[authorizer %s]: issuer, audience, "
		    "jwks, secret and leeway are for type = jwt", a->name);
		return -1;
	}
	if (a->function == NULL) {
		snprintf(why, whylen, "[authorizer %s]: a function authorizer "
		    "needs function = NAME", a->name);
		return -1;
	}
	/* Stored as given + 1 (0: not given). */
	a->cache_ttl_s = a->cache_ttl_s == 0 ? AUTH_TTL_DEFAULT :
	    a->cache_ttl_s - 1;
	/* API Gateway caches by identity source: without one, none. */
	if (a->nsrcs == 0)
		a->cache_ttl_s = 0;
	return 0;
}

int
conf_auth_end(struct conf_authorizer *a, int *line, char *why, size_t whylen)
{
	struct jwt_authorizer *j;

	*line = a->line;
	if (a->type == CONF_AUTHZ_UNSET) {
		snprintf(why, whylen, "[authorizer %s]: type is required "
		    "(type = jwt or type = function)", a->name);
		return -1;
	}
	if (a->type == CONF_AUTHZ_FUNCTION)
		return auth_end_function(a, why, whylen);
	if (a->function != NULL || a->response != CONF_AUTHZ_SIMPLE ||
	    a->cache_ttl_s != 0) {
		snprintf(why, whylen, "[authorizer %s]: function, response and "
		    "cache_ttl are for type = function", a->name);
		return -1;
	}
	if (a->nsrcs > 1 || (a->nsrcs == 1 &&
	    a->srcs[0].kind == CONF_IDENT_CONTEXT)) {
		snprintf(why, whylen, "[authorizer %s]: a jwt authorizer takes "
		    "one identity_source, $request.header.NAME or "
		    "$request.querystring.NAME", a->name);
		return -1;
	}
	if (a->nsrcs == 1 && set_ident(a, a->srcs[0].text, why, whylen) != 0)
		return -1;
	if (a->issuer == NULL || a->naudiences == 0) {
		snprintf(why, whylen, "[authorizer %s]: a jwt authorizer needs "
		    "issuer and at least one audience", a->name);
		return -1;
	}
	if (a->jwks == NULL && a->secret == NULL) {
		snprintf(why, whylen, "[authorizer %s]: a jwt authorizer needs "
		    "jwks = FILE or secret = FILE", a->name);
		return -1;
	}
	if (a->identity_source == NULL &&
	    set_ident(a, AUTH_IDENT_DEFAULT, why, whylen) != 0)
		return -1;
	if (auth_load_keys(a, line, why, whylen) != 0)
		return -1;
	if ((j = calloc(1, sizeof(*j))) == NULL)
		return nomem(why, whylen);
	j->name = a->name;
	j->issuer = a->issuer;
	j->audiences = (const char *const *)a->audiences;
	j->naudiences = a->naudiences;
	j->leeway_s = a->leeway_s;
	j->keys = a->keys;
	a->jwt = j;
	return 0;
}

/* ---- a function's auth = and scopes = -------------------------------------- */

int
conf_auth_fn_auth(struct function_conf *fn, const char *v, int line,
    char *why, size_t whylen)
{
	free(fn->authorizer);
	fn->authorizer = NULL;
	fn->auth_line = line;
	if (strcmp(v, "none") == 0) {
		fn->auth = CONF_AUTH_NONE;
		return 0;
	}
	if (strcmp(v, "aws_iam") == 0) {
		fn->auth = CONF_AUTH_AWS_IAM;
		return 0;
	}
	if (!conf_fn_name_ok(v)) {
		snprintf(why, whylen, "expected none, aws_iam or the name of an "
		    "[authorizer NAME] section, not \"%s\"", v);
		return -1;
	}
	fn->auth = CONF_AUTH_AUTHORIZER;
	return (fn->authorizer = strdup(v)) == NULL ? nomem(why, whylen) : 0;
}

int
conf_auth_fn_scopes(struct function_conf *fn, const char *v, int line,
    char *why, size_t whylen)
{
	const char *p = v, *s;
	size_t before = fn->nscopes, i, n;

	while ((s = conf_word_next(&p, &n)) != NULL) {
		for (i = 0; i < n; i++)
			if (!isgraph((unsigned char)s[i])) {
				snprintf(why, whylen, "a scope is printable "
				    "characters without blanks");
				return -1;
			}
		for (i = 0; i < fn->nscopes; i++)
			if (strlen(fn->scopes[i]) == n &&
			    memcmp(fn->scopes[i], s, n) == 0) {
				snprintf(why, whylen, "scope \"%.*s\" is given "
				    "twice", (int)n, s);
				return -1;
			}
		if (strv_add(&fn->scopes, &fn->nscopes, s, n) < 0)
			return nomem(why, whylen);
	}
	if (fn->nscopes == before) {
		snprintf(why, whylen, "expected one or more scopes");
		return -1;
	}
	if (fn->scopes_line == 0)
		fn->scopes_line = line;
	return 0;
}

const struct conf_authorizer *
conf_find_authorizer(const struct conf *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->nauthorizers; i++)
		if (strcmp(c->authorizers[i].name, name) == 0)
			return &c->authorizers[i];
	return NULL;
}

int
conf_auth_resolve(struct conf *c, char *err, size_t errlen)
{
	size_t i, j;

	for (i = 0; i < c->nauthorizers; i++) {
		struct conf_authorizer *a = &c->authorizers[i];

		if (a->type != CONF_AUTHZ_FUNCTION)
			continue;
		for (j = 0; j < c->nfns; j++)
			if (strcmp(c->fns[j].name, a->function) == 0)
				break;
		if (j == c->nfns) {
			snprintf(err, errlen, "%s:%d: [authorizer %s]: "
			    "function: no [function %s] to call", a->file,
			    a->line, a->name, a->function);
			return -1;
		}
		a->fn_index = j;
	}
	for (i = 0; i < c->nfns; i++) {
		struct function_conf *fn = &c->fns[i];

		fn->authz = NULL;
		if (fn->auth == CONF_AUTH_AUTHORIZER &&
		    (fn->authz = conf_find_authorizer(c, fn->authorizer)) ==
		    NULL) {
			snprintf(err, errlen, "%s:%d: auth: no [authorizer %s] "
			    "section in %s", fn->file, fn->auth_line,
			    fn->authorizer, c->files[0]);
			return -1;
		}
		if (fn->nscopes > 0 && (fn->authz == NULL ||
		    fn->authz->type != CONF_AUTHZ_JWT)) {
			snprintf(err, errlen, "%s:%d: scopes: function %s has no "
			    "jwt authorizer (auth = NAME) to check them",
			    fn->file, fn->scopes_line, fn->name);
			return -1;
		}
	}
	return 0;
}

void
conf_auth_fn_free(struct function_conf *fn)
{
	free(fn->authorizer);
	fn->authorizer = NULL;
	strv_free(fn->scopes, fn->nscopes);
	fn->scopes = NULL;
	fn->nscopes = 0;
}

void
conf_auth_free(struct conf *c)
{
	size_t i, k;

	for (i = 0; i < c->nauthorizers; i++) {
		struct conf_authorizer *a = &c->authorizers[i];

		free(a->name);
		free(a->issuer);
		strv_free(a->audiences, a->naudiences);
		free(a->jwks);
		free(a->secret);
		free(a->identity_source);
		free(a->function);
		for (k = 0; k < a->nsrcs; k++)
			free(a->srcs[k].text);
		free(a->srcs);
		jwt_keyset_free(a->keys);
		free(a->jwt);
	}
	free(c->authorizers);
	c->authorizers = NULL;
	c->nauthorizers = 0;
}
