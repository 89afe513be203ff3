/*
 * fuzz_route: libFuzzer driver for gateway/route.c.
 *
 * The input is lines.  A line starting with '+' is a route spec to add; any
 * other line is a lookup, "METHOD path".  Invariants checked:
 *   - route_parse and route_add agree on what is valid, and give a reason;
 *   - every route added can be reached: a path made from its template (a
 *     value for each {var}, two segments for a greedy) finds some route;
 *   - a lookup returns 0 or -ENOENT; on 0 the route key parses, the method
 *     fits, and every parameter value lies inside the path and is non-empty.
 * Paths are copied into buffers of their exact length, without a NUL, so
 * AddressSanitizer sees any read past path_len.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "route.h"

#define MAX_ROUTES 64

static void
check_match(const struct route_match *m, const char *method, const char *p,
    size_t len)
{
	size_t i, mlen = strlen(method);

	if (m->target == NULL || m->route_key == NULL || m->resource == NULL)
		abort();
	if (route_parse(m->route_key, NULL) != 0)
		abort();
	if (m->nparams > ROUTE_MAX_PARAMS)
		abort();
	if (strcmp(m->route_key, "$default") != 0 &&
	    strncmp(m->route_key, "ANY ", 4) != 0 &&
	    (strncmp(m->route_key, method, mlen) != 0 ||
	    m->route_key[mlen] != ' '))
		abort();
	for (i = 0; i < m->nparams; i++) {
		const struct route_param *rp = &m->params[i];

		if (rp->name == NULL || rp->name[0] == '\0' ||
		    rp->value_len == 0 || rp->value < p ||
		    rp->value + rp->value_len > p + len)
			abort();
	}
}

static void
lookup(const struct route_table *rt, const char *method, const char *path,
    size_t len, int must_match)
{
	struct route_match m;
	char *p = malloc(len ? len : 1);
	int rc;

	if (p == NULL)
		abort();
	memcpy(p, path, len);
	rc = route_lookup(rt, method, p, len, &m);
	if (rc != 0 && (rc != -ENOENT || must_match))
		abort();
	if (rc == 0)
		check_match(&m, method, p, len);
	free(p);
}

/* A concrete path for a spec's template, and look it up. */
static void
reach(const struct route_table *rt, const char *spec)
{
	const char *s = spec, *p;
	char *method, *path;
	size_t n, o = 0;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strcspn(s, " \t");
	method = n == 3 && memcmp(s, "ANY", 3) == 0 ? strdup("PATCH") :
	    strndup(s, n);
	s += n;
	while (*s == ' ' || *s == '\t')
		s++;
	/* "{x}" becomes "v" and "{x+}" "g/h": never longer than the spec. */
	if (method == NULL || (path = malloc(strlen(s) + 1)) == NULL)
		abort();
	for (p = s; *p != '\0' && *p != ' ' && *p != '\t'; p++) {
		if (*p != '{') {
			path[o++] = *p;
			continue;
		}
		while (*p != '}')
			p++;
		memcpy(path + o, p[-1] == '+' ? "g/h" : "v", p[-1] == '+' ?
		    3 : 1);
		o += p[-1] == '+' ? 3 : 1;
	}
	lookup(rt, method, path, o, 1);
	free(path);
	free(method);
}

static void
add(struct route_table *rt, const char *spec, size_t *nadded)
{
	const char *why = NULL, *why2 = NULL;
	int prc = route_parse(spec, &why);
	int rc = route_add(rt, spec, (void *)spec, &why2);

	if (prc != 0 && (prc != -EINVAL || why == NULL || rc != -EINVAL))
		abort();
	if (prc == 0 && rc != 0 && rc != -EEXIST)
		abort();
	if (rc != 0 && why2 == NULL)
		abort();
	if (rc == 0) {
		(*nadded)++;
		if (strstr(spec, "$default") == NULL)
			reach(rt, spec);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct route_table *rt = route_table_new();
	char *text = malloc(size + 1), *line, *nl, *sp;
	char *lines[256];
	size_t nlines = 0, nadded = 0, i;

	if (rt == NULL || text == NULL)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';
	for (line = text; line != NULL && nlines < 256; line = nl) {
		if ((nl = strchr(line, '\n')) != NULL)
			*nl++ = '\0';
		lines[nlines++] = line;
	}
	/* Specs must outlive the table: they are the targets. */
	for (i = 0; i < nlines; i++)
		if (lines[i][0] == '+' && nadded < MAX_ROUTES)
			add(rt, lines[i] + 1, &nadded);
	for (i = 0; i < nlines; i++) {
		if (lines[i][0] == '+')
			continue;
		if ((sp = strchr(lines[i], ' ')) == NULL)
			lookup(rt, "GET", lines[i], strlen(lines[i]), 0);
		else {
			*sp = '\0';
			lookup(rt, lines[i], sp + 1, strlen(sp + 1), 0);
		}
	}
	route_table_free(rt);
	free(text);
	return 0;
}
