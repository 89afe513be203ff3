/*
 * conf_ws: [websocket NAME] sections, API Gateway's WebSocket APIs
 * (apigw/ws.h), kept out of conf.c, which only calls these from its key
 * tables:
 *
 *   [websocket NAME]        (main file only; NAME as a function name)
 *   path = /ws              where the public listener upgrades
 *   route_selection = $request.body.action   (the default; a dotted path
 *                           into a JSON message: $request.body.a.b)
 *   ws_route = KEY FUNCTION repeatable: $connect, $disconnect, $default or
 *                           a custom key the selection yields
 *   auth = AUTHORIZER       an [authorizer NAME] deciding the $connect
 *   idle_timeout = 600      seconds without a message (10..7200)
 *   max_lifetime = 7200     seconds a connection may last (10..86400)
 *   max_message = 131072    bytes of one (reassembled) message
 *   max_frame = 32768       bytes of one frame
 *
 * Function and authorizer names are resolved once every file is read
 * (conf_ws_resolve), so a route may name a function of a drop-in file.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "conf_int.h"

#define WS_SELECTION_DEFAULT	"$request.body.action"
#define WS_SELECTION_PREFIX	"$request.body."
#define WS_KEY_MAX		128	/* API Gateway's route key limit */
#define WS_MSG_MAX		(16u * 1024 * 1024)

static int __attribute__((format(printf, 3, 4)))
ws_why(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
	return -1;
}

int
conf_ws_begin(struct conf *c, const char *name, const char *file, int line,
    char *why, size_t whylen)
{
	struct conf_websocket *ws;
	size_t i;

	if (!conf_fn_name_ok(name))
		return ws_why(why, whylen, "websocket name \"%s\" must be 1 to "
		    "64 of A-Z a-z 0-9 _ -", name);
	for (i = 0; i < c->nwebsockets; i++)
		if (strcmp(c->websockets[i].name, name) == 0)
			return ws_why(why, whylen, "duplicate [websocket %s]",
			    name);
	ws = reallocarray(c->websockets, c->nwebsockets + 1, sizeof(*ws));
	if (ws == NULL)
		return ws_why(why, whylen, "%s", "out of memory");
	c->websockets = ws;
	ws = &c->websockets[c->nwebsockets++];
	memset(ws, 0, sizeof(*ws));
	ws->file = file;
	ws->line = line;
	ws->idle_timeout_s = 600;
	ws->max_lifetime_s = 7200;
	ws->max_message = 128 * 1024;
	ws->max_frame = 32 * 1024;
	if ((ws->name = strdup(name)) == NULL ||
	    (ws->route_selection = strdup(WS_SELECTION_DEFAULT)) == NULL)
		return ws_why(why, whylen, "%s", "out of memory");
	ws->selection = ws->route_selection + strlen(WS_SELECTION_PREFIX);
	return 0;
}

/* A path on the public listener: /, then no blanks, '?' or '#'. */
static int
ws_path(struct conf_websocket *ws, const char *v, char *why, size_t whylen)
{
	const char *s;

	if (v[0] != '/')
		return ws_why(why, whylen, "\"%s\": expected a path from /", v);
	for (s = v; *s != '\0'; s++)
		if (!isgraph((unsigned char)*s) || *s == '?' || *s == '#')
			return ws_why(why, whylen, "\"%s\": a path has no blanks, "
			    "? or #", v);
	if ((ws->path = strdup(v)) == NULL)
		return ws_why(why, whylen, "%s", "out of memory");
	return 0;
}

static int
ws_selection(struct conf_websocket *ws, const char *v, char *why,
    size_t whylen)
{
	size_t n = strlen(WS_SELECTION_PREFIX), i;
	char *s;

	if (strncmp(v, WS_SELECTION_PREFIX, n) != 0 || v[n] == '\0' ||
	    v[n] == '.' || v[strlen(v) - 1] == '.')
		return ws_why(why, whylen, "\"%s\": expected "
		    "$request.body.NAME[.NAME...]", v);
	for (i = n; v[i] != '\0'; i++)
		if (!isalnum((unsigned char)v[i]) && v[i] != '_' &&
		    v[i] != '-' && v[i] != '.')
			return ws_why(why, whylen, "\"%s\": a name is of A-Z "
			    "a-z 0-9 _ -", v);
	if ((s = strdup(v)) == NULL)
		return ws_why(why, whylen, "%s", "out of memory");
	free(ws->route_selection);
	ws->route_selection = s;
	ws->selection = s + n;
	return 0;
}

/* A route key: a $ key API Gateway defines, or a printable word. */
static bool
ws_key_ok(const char *k, size_t n)
{
	size_t i;

	if (n == 0 || n > WS_KEY_MAX)
		return false;
	if (k[0] == '$')
		return (n == 8 && memcmp(k, "$connect", 8) == 0) ||
		    (n == 11 && memcmp(k, "$disconnect", 11) == 0) ||
		    (n == 8 && memcmp(k, "$default", 8) == 0);
	for (i = 0; i < n; i++)
		if (!isgraph((unsigned char)k[i]))
			return false;
	return true;
}

static int
ws_route(struct conf_websocket *ws, const char *v, int line, char *why,
    size_t whylen)
{
	const char *sp = v, *f;
	struct conf_ws_route *r;
	size_t kn, i;

	while (*sp != '\0' && !isspace((unsigned char)*sp))
		sp++;
	kn = (size_t)(sp - v);
	for (f = sp; isspace((unsigned char)*f); f++)
		;
	if (!ws_key_ok(v, kn) || !conf_fn_name_ok(f))
		return ws_why(why, whylen, "\"%s\": expected KEY FUNCTION (KEY "
		    "$connect, $disconnect, $default or a word)", v);
	for (i = 0; i < ws->nroutes; i++)
		if (strlen(ws->routes[i].key) == kn &&
		    memcmp(ws->routes[i].key, v, kn) == 0) {
			snprintf(why, whylen, "route %.*s is set twice (first "
			    "at line %d)", (int)kn, v, ws->routes[i].line);
			return -1;
		}
	if ((r = reallocarray(ws->routes, ws->nroutes + 1, sizeof(*r))) == NULL)
		return ws_why(why, whylen, "%s", "out of memory");
	ws->routes = r;
	r = &ws->routes[ws->nroutes];
	memset(r, 0, sizeof(*r));
	r->line = line;
	if ((r->key = strndup(v, kn)) == NULL ||
	    (r->function = strdup(f)) == NULL) {
		free(r->key);
		return ws_why(why, whylen, "%s", "out of memory");
	}
	ws->nroutes++;
	return 0;
}

static int
ws_uint(const char *v, unsigned min, unsigned max, unsigned *out, char *why,
    size_t whylen)
{
	unsigned long n;
	char *end;

	errno = 0;
	n = strtoul(v, &end, 10);
	if (!isdigit((unsigned char)v[0]) || *end != '\0' || errno != 0 ||
	    n < min || n > max) {
		snprintf(why, whylen, "\"%s\": expected %u..%u", v, min, max);
		return -1;
	}
	*out = (unsigned)n;
	return 0;
}

int
conf_ws_key(struct conf_websocket *ws, const char *key, const char *v,
    int line, char *why, size_t whylen)
{
	if (strcmp(key, "path") == 0)
		return ws_path(ws, v, why, whylen);
	if (strcmp(key, "route_selection") == 0)
		return ws_selection(ws, v, why, whylen);
	if (strcmp(key, "ws_route") == 0)
		return ws_route(ws, v, line, why, whylen);
	if (strcmp(key, "auth") == 0) {
		if (!conf_fn_name_ok(v))
			return ws_why(why, whylen, "\"%s\": expected the name "
			    "of an [authorizer NAME] section", v);
		ws->auth_line = line;
		return (ws->auth = strdup(v)) == NULL ?
		    ws_why(why, whylen, "%s", "out of memory") : 0;
	}
	if (strcmp(key, "idle_timeout") == 0)
		return ws_uint(v, 1, 7200, &ws->idle_timeout_s, why, whylen);
	if (strcmp(key, "max_lifetime") == 0)
		return ws_uint(v, 1, 86400, &ws->max_lifetime_s, why, whylen);
	if (strcmp(key, "max_message") == 0)
		return ws_uint(v, 125, WS_MSG_MAX, &ws->max_message, why,
		    whylen);
	if (strcmp(key, "max_frame") == 0)
		return ws_uint(v, 125, WS_MSG_MAX, &ws->max_frame, why,
		    whylen);
	return ws_why(why, whylen, "unknown key %s", key);
}

int
conf_ws_end(const struct conf_websocket *ws, int *line, char *why,
    size_t whylen)
{
	*line = ws->line;
	if (ws->path == NULL)
		return ws_why(why, whylen, "[websocket %s]: path is required",
		    ws->name);
	if (ws->max_frame > ws->max_message)
		return ws_why(why, whylen, "[websocket %s]: max_frame is more "
		    "than max_message", ws->name);
	return 0;
}

static int
ws_resolve_one(struct conf *c, struct conf_websocket *ws, char *err,
    size_t errlen)
{
	size_t i, j;

	for (i = 0; i < ws->nroutes; i++) {
		for (j = 0; j < c->nfns; j++)
			if (strcmp(c->fns[j].name, ws->routes[i].function) == 0)
				break;
		if (j == c->nfns) {
			snprintf(err, errlen, "%s:%d: ws_route: no [function "
			    "%s]", ws->file, ws->routes[i].line,
			    ws->routes[i].function);
			return -1;
		}
		ws->routes[i].fn_index = j;
	}
	ws->authz = NULL;
	if (ws->auth != NULL &&
	    (ws->authz = conf_find_authorizer(c, ws->auth)) == NULL) {
		snprintf(err, errlen, "%s:%d: auth: no [authorizer %s] section",
		    ws->file, ws->auth_line, ws->auth);
		return -1;
	}
	for (i = 0; i < c->nwebsockets && &c->websockets[i] != ws; i++)
		if (strcmp(c->websockets[i].path, ws->path) == 0) {
			snprintf(err, errlen, "%s:%d: [websocket %s]: path %s "
			    "is [websocket %s]'s already", ws->file, ws->line,
			    ws->name, ws->path, c->websockets[i].name);
			return -1;
		}
	return 0;
}

int
conf_ws_resolve(struct conf *c, char *err, size_t errlen)
{
	size_t i;

	for (i = 0; i < c->nwebsockets; i++)
		if (ws_resolve_one(c, &c->websockets[i], err, errlen) < 0)
			return -1;
	for (i = 0; i < c->nfns; i++)
		c->fns[i].ws_endpoint = c->nwebsockets > 0;
	return 0;
}

const struct conf_websocket *
conf_find_websocket(const struct conf *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->nwebsockets; i++)
		if (strcmp(c->websockets[i].name, name) == 0)
			return &c->websockets[i];
	return NULL;
}

void
conf_ws_free(struct conf *c)
{
	size_t i, j;

	for (i = 0; i < c->nwebsockets; i++) {
		struct conf_websocket *ws = &c->websockets[i];

		for (j = 0; j < ws->nroutes; j++) {
			free(ws->routes[j].key);
			free(ws->routes[j].function);
		}
		free(ws->routes);
		free(ws->name);
		free(ws->path);
		free(ws->route_selection);
		free(ws->auth);
	}
	free(c->websockets);
	c->websockets = NULL;
	c->nwebsockets = 0;
}
