/*
 * conf_site: the configuration of sites (a bucket served on the public
 * listener, S3 static website hosting with a CDN in front; see
 * buckets/site.h), kept out of conf.c, which only calls these:
 *
 *   [site NAME]             (main file only; NAME as a function name)
 *   bucket = BUCKET         the bucket served (required)
 *   route = GET /PATH       one or more (GET or HEAD; GET implies HEAD,
 *                           and /P/{proxy+} implies /P/ too)
 *   index = index.html      the key served for "/" and "dir/"
 *   error_document = KEY    served with 404 when a key is missing
 *   cache_max_age = N       Cache-Control: public, max-age=N (seconds)
 *
 * The sites need the store, so s3_listen must be set.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buckets/s3.h"
#include "conf.h"
#include "conf_int.h"
#include "route.h"

#define SITE_MAX_AGE	(10LL * 365 * 86400)	/* ten years */

static int
nomem(char *why, size_t whylen)
{
	snprintf(why, whylen, "out of memory");
	return -1;
}

int
conf_site_begin(struct conf *c, const char *name, const char *file, int line,
    char *why, size_t whylen)
{
	struct conf_site *s;
	size_t i;

	if (!conf_fn_name_ok(name)) {
		snprintf(why, whylen, "site name \"%s\" must be 1 to %d of "
		    "A-Z a-z 0-9 _ -", name, CONF_NAME_MAX);
		return -1;
	}
	for (i = 0; i < c->nsites; i++)
		if (strcmp(c->sites[i].name, name) == 0) {
			snprintf(why, whylen, "duplicate site \"%s\" (first "
			    "defined at %s:%d)", name, c->sites[i].file,
			    c->sites[i].line);
			return -1;
		}
	if ((s = reallocarray(c->sites, c->nsites + 1, sizeof(*s))) == NULL)
		return nomem(why, whylen);
	c->sites = s;
	s = &c->sites[c->nsites];
	memset(s, 0, sizeof(*s));
	s->file = file;
	s->line = line;
	s->cache_max_age = -1;
	if ((s->name = strdup(name)) == NULL ||
	    (s->index = strdup("index.html")) == NULL) {
		free(s->name);
		return nomem(why, whylen);
	}
	c->nsites++;
	return 0;
}

static int
site_route(struct conf_site *s, const char *v, const char *file, int line,
    char *why, size_t whylen)
{
	const char *err = "invalid route";
	struct conf_route *r;
	size_t m = strcspn(v, " \t");

	if (route_parse(v, &err) < 0) {
		snprintf(why, whylen, "\"%s\": %s", v, err);
		return -1;
	}
	if (!((m == 3 && strncmp(v, "GET", 3) == 0) ||
	    (m == 4 && strncmp(v, "HEAD", 4) == 0))) {
		snprintf(why, whylen, "\"%s\": a site answers GET and HEAD "
		    "only (route = GET /path)", v);
		return -1;
	}
	if ((r = reallocarray(s->routes, s->nroutes + 1, sizeof(*r))) == NULL)
		return nomem(why, whylen);
	s->routes = r;
	r = &s->routes[s->nroutes];
	if ((r->spec = strdup(v)) == NULL)
		return nomem(why, whylen);
	r->file = file;
	r->line = line;
	s->nroutes++;
	return 0;
}

/* A key the site serves: S3's rules, and no leading '/'. */
static int
site_keyval(char **out, const char *v, const char *what, char *why,
    size_t whylen)
{
	if (!s3_key_ok(v, strlen(v)) || v[0] == '/' ||
	    v[strlen(v) - 1] == '/') {
		snprintf(why, whylen, "\"%s\" is not a %s (a key of 1 to %d "
		    "bytes, without a leading or trailing /)", v, what,
		    S3_KEY_MAX);
		return -1;
	}
	free(*out);
	if ((*out = strdup(v)) == NULL)
		return nomem(why, whylen);
	return 0;
}

static int
site_max_age(struct conf_site *s, const char *v, char *why, size_t whylen)
{
	long long n = 0;
	const char *p;

	for (p = v; isdigit((unsigned char)*p) && n <= SITE_MAX_AGE; p++)
		n = n * 10 + (*p - '0');
	if (p == v || *p != '\0' || n > SITE_MAX_AGE) {
		snprintf(why, whylen, "expected seconds, 0 to %lld, not \"%s\"",
		    SITE_MAX_AGE, v);
		return -1;
	}
	s->cache_max_age = n;
	return 0;
}

int
conf_site_key(struct conf_site *s, const char *key, const char *v,
    const char *file, int line, char *why, size_t whylen)
{
	if (strcmp(key, "route") == 0)
		return site_route(s, v, file, line, why, whylen);
	if (strcmp(key, "index") == 0)
		return site_keyval(&s->index, v, "index document", why, whylen);
	if (strcmp(key, "error_document") == 0)
		return site_keyval(&s->error_document, v, "error document",
		    why, whylen);
	if (strcmp(key, "cache_max_age") == 0)
		return site_max_age(s, v, why, whylen);
	if (!s3_bucket_name_ok(v, strlen(v))) {
		snprintf(why, whylen, "\"%s\" is not a bucket name (S3's: 3 to "
		    "63 of a-z 0-9 . -)", v);
		return -1;
	}
	free(s->bucket);
	if ((s->bucket = strdup(v)) == NULL)
		return nomem(why, whylen);
	return 0;
}

int
conf_site_end(const struct conf_site *s, int *line, char *why, size_t whylen)
{
	*line = s->line;
	if (s->bucket == NULL) {
		snprintf(why, whylen, "[site %s]: bucket is required", s->name);
		return -1;
	}
	if (s->nroutes == 0) {
		snprintf(why, whylen, "[site %s]: at least one route is "
		    "required (route = GET /{proxy+})", s->name);
		return -1;
	}
	return 0;
}

/* Every function route into t (they were checked among themselves). */
static int
site_fn_routes(const struct conf *c, struct route_table *t)
{
	size_t i, j;

	for (i = 0; i < c->nfns; i++)
		for (j = 0; j < c->fns[i].nroutes; j++)
			if (route_add(t, c->fns[i].routes[j].spec, NULL,
			    NULL) == -ENOMEM)
				return -1;
	return 0;
}

int
conf_site_finish(const struct conf *c, char *err, size_t errlen)
{
	struct route_table *t;
	const char *why;
	size_t i, j;
	int rc = 0;

	if (c->nsites == 0)
		return 0;
	if (c->s3_port < 0) {
		snprintf(err, errlen, "%s:%d: [site %s] needs Buckets: set "
		    "s3_listen in [lambdad]", c->sites[0].file,
		    c->sites[0].line, c->sites[0].name);
		return -1;
	}
	if ((t = route_table_new()) == NULL || site_fn_routes(c, t) != 0) {
		route_table_free(t);
		snprintf(err, errlen, "%s:0: out of memory", c->files[0]);
		return -1;
	}
	for (i = 0; i < c->nsites && rc == 0; i++) {
		const struct conf_site *s = &c->sites[i];

		for (j = 0; j < s->nroutes && rc == 0; j++) {
			const struct conf_route *r = &s->routes[j];

			why = "invalid route";
			if ((rc = route_add(t, r->spec, NULL, &why)) == 0)
				continue;
			snprintf(err, errlen, "%s:%d: route \"%s\" of [site %s] "
			    "%s", r->file, r->line, r->spec, s->name,
			    rc == -EEXIST ? "is already taken by a function "
			    "or another site" : why);
		}
	}
	route_table_free(t);
	return rc == 0 ? 0 : -1;
}

void
conf_site_free(struct conf *c)
{
	size_t i, j;

	for (i = 0; i < c->nsites; i++) {
		struct conf_site *s = &c->sites[i];

		free(s->name);
		free(s->bucket);
		for (j = 0; j < s->nroutes; j++)
			free(s->routes[j].spec);
		free(s->routes);
		free(s->index);
		free(s->error_document);
	}
	free(c->sites);
	c->sites = NULL;
	c->nsites = 0;
}
