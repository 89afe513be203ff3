/*
 * conf_apigw: the configuration keys of the API gateway's stages
 * (gateway/apigw/), kept out of conf.c, which only calls these:
 *
 *   [lambdad]   throttle_rate = R   throttle_burst = N   (every route's)
 *   [cors]      allow_origins = ORIGIN ...   allow_methods = METHOD ...
 *               allow_headers = NAME ...     expose_headers = NAME ...
 *               max_age = S                  allow_credentials = on | off
 *   [function]  the six [cors] keys (the function's own configuration:
 *               what it sets, the rest from [cors]), cors = on | off,
 *               throttle_rate, throttle_burst,
 *               cache_ttl = S   cache_key = $request.querystring.X ...
 *               cache_invalidate = anyone | authorized
 *   [lambdad]   cache_size = MB
 *
 * CORS follows API Gateway HTTP API's corsConfiguration: an origin is
 * "*" (any), a scheme wildcard (http or https, "://" and "*": any origin
 * of that scheme) or SCHEME://HOST[:PORT]; allow_credentials with a "*"
 * origin is refused, as API Gateway refuses it.  Lists are
 * separated by blanks or commas.  A rate has up to three decimals (0.5 is
 * one request every two seconds) and is kept in milli-requests/s.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "conf.h"
#include "conf_int.h"

#define CORS_ORIGINS	0x01
#define CORS_METHODS	0x02
#define CORS_HEADERS	0x04
#define CORS_EXPOSE	0x08
#define CORS_MAX_AGE	0x10
#define CORS_CREDS	0x20

#define CORS_MAX_AGE_MAX	86400	/* API Gateway's limit */
#define RATE_MAX		1000000	/* req/s */
#define BURST_MAX		5000000
#define CACHE_SIZE_MAX		65536	/* MB */

static const char *const cors_keys[] = {
	"allow_origins", "allow_methods", "allow_headers", "expose_headers",
	"max_age", "allow_credentials",
};

static int
nomem(char *why, size_t whylen)
{
	snprintf(why, whylen, "out of memory");
	return -1;
}

static struct conf_cors *
cors_new(const char *file, int line)
{
	struct conf_cors *cc = calloc(1, sizeof(*cc));

	if (cc == NULL)
		return NULL;
	cc->max_age = -1;
	cc->credentials = -1;
	cc->file = file;
	cc->line = line;
	return cc;
}

static void
list_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void
cors_free(struct conf_cors *cc)
{
	if (cc == NULL)
		return;
	list_free(cc->origins, cc->norigins);
	list_free(cc->methods, cc->nmethods);
	list_free(cc->headers, cc->nheaders);
	list_free(cc->expose, cc->nexpose);
	free(cc->methods_hdr);
	free(cc->headers_hdr);
	free(cc->expose_hdr);
	free(cc);
}

/* ---- values ------------------------------------------------------------- */

/* An RFC 9110 token character (header names, methods). */
static bool
tchar(int ch)
{
	return isalnum(ch) ||
	    (ch != '\0' && strchr("!#$%&'*+-.^_`|~", ch) != NULL);
}

/* "*", the two scheme wildcards, or SCHEME://HOST[:PORT] (no path). */
static bool
origin_ok(const char *s, size_t n, char *why, size_t whylen)
{
	const char *sep, *host, *e = s + n, *p;

	if ((n == 1 && s[0] == '*') || (n == 8 && memcmp(s, "http://*", 8) == 0) ||
	    (n == 9 && memcmp(s, "https://*", 9) == 0))
		return true;
	sep = memmem(s, n, "://", 3);
	if (sep == NULL || sep == s || !isalpha((unsigned char)s[0]))
		goto bad;
	for (p = s; p < sep; p++)
		if (!isalnum((unsigned char)*p) && *p != '+' && *p != '-' &&
		    *p != '.')
			goto bad;
	host = sep + 3;
	if (host == e)
		goto bad;
	for (p = host; p < e; p++) {
		if (*p == '*') {
			snprintf(why, whylen, "\"%.*s\": a wildcard is only "
			    "allowed as *, http://* or https://*", (int)n, s);
			return false;
		}
		if (*p == '/') {
			snprintf(why, whylen, "\"%.*s\": an origin has no path "
			    "(not even a trailing /)", (int)n, s);
			return false;
		}
		if (!isgraph((unsigned char)*p) || *p == ',')
			goto bad;
	}
	return true;
bad:
	snprintf(why, whylen, "\"%.*s\" is not an origin (SCHEME://HOST[:PORT], "
	    "*, http://* or https://*)", (int)n, s);
	return false;
}

/* An RFC 9110 token without '*', or "*" alone. */
static bool
token_ok(const char *what, const char *s, size_t n, char *why, size_t whylen)
{
	size_t i;

	if (n == 1 && s[0] == '*')
		return true;
	for (i = 0; i < n; i++)
		if (!tchar((unsigned char)s[i]) || s[i] == '*')
			break;
	if (i == n)
		return true;
	snprintf(why, whylen, "\"%.*s\" is not %s (or *)", (int)n, s, what);
	return false;
}

/* Split v on blanks and commas into a fresh list, each word checked. */
static int
list_parse(const char *key, const char *v, char ***out, size_t *nout,
    char *why, size_t whylen)
{
	const char *s = v, *e;
	char **list = NULL, **nl, *w;
	size_t n = 0, i, len;
	bool ok;

	for (;;) {
		while (*s == ' ' || *s == '\t' || *s == ',')
			s++;
		if (*s == '\0')
			break;
		for (e = s; *e != '\0' && *e != ' ' && *e != '\t' && *e != ','; e++)
			;
		len = (size_t)(e - s);
		ok = strcmp(key, "allow_origins") == 0 ?
		    origin_ok(s, len, why, whylen) :
		    strcmp(key, "allow_methods") == 0 ?
		    token_ok("a method", s, len, why, whylen) :
		    token_ok("a header name", s, len, why, whylen);
		if (!ok)
			goto fail;
		for (i = 0; i < n; i++)
			if (strlen(list[i]) == len &&
			    strncasecmp(list[i], s, len) == 0) {
				snprintf(why, whylen, "\"%.*s\" is listed twice",
				    (int)len, s);
				goto fail;
			}
		if ((nl = reallocarray(list, n + 1, sizeof(*nl))) == NULL) {
			nomem(why, whylen);
			goto fail;
		}
		list = nl;
		if ((w = strndup(s, len)) == NULL) {
			nomem(why, whylen);
			goto fail;
		}
		if (strcmp(key, "allow_methods") == 0)
			for (i = 0; i < len; i++)
				w[i] = (char)toupper((unsigned char)w[i]);
		list[n++] = w;
		s = e;
	}
	if (n == 0) {
		snprintf(why, whylen, "expected one or more values");
		goto fail;
	}
	*out = list;
	*nout = n;
	return 0;
fail:
	list_free(list, n);
	return -1;
}

/* "R" or "R.DDD" req/s into milli-requests/s, 0..RATE_MAX. */
int
conf_apigw_rate(const char *v, unsigned *out, char *why, size_t whylen)
{
	unsigned long whole = 0, frac = 0;
	const char *s = v;
	int digits = 0;

	if (!isdigit((unsigned char)*s))
		goto bad;
	for (; isdigit((unsigned char)*s); s++)
		if ((whole = whole * 10 + (unsigned long)(*s - '0')) > RATE_MAX)
			goto range;
	if (*s == '.') {
		for (s++; isdigit((unsigned char)*s) && digits < 3; s++, digits++)
			frac = frac * 10 + (unsigned long)(*s - '0');
		if (digits == 0 || isdigit((unsigned char)*s)) {
			snprintf(why, whylen, "\"%s\": at most three decimals", v);
			return -1;
		}
		for (; digits < 3; digits++)
			frac *= 10;
	}
	if (*s != '\0')
		goto bad;
	if (whole * 1000 + frac > (unsigned long)RATE_MAX * 1000)
		goto range;
	*out = (unsigned)(whole * 1000 + frac);
	return 0;
bad:
	snprintf(why, whylen, "\"%s\" is not a rate (requests per second, "
	    "such as 100 or 0.5)", v);
	return -1;
range:
	snprintf(why, whylen, "%s is out of range (0 to %d)", v, RATE_MAX);
	return -1;
}

int
conf_apigw_uint(const char *v, unsigned max, unsigned *out, char *why,
    size_t whylen)
{
	unsigned long n = 0;
	const char *s;

	for (s = v; isdigit((unsigned char)*s); s++)
		if ((n = n * 10 + (unsigned long)(*s - '0')) > max)
			break;
	if (s == v || *s != '\0' || n > max) {
		snprintf(why, whylen, "\"%s\" is not an integer from 0 to %u",
		    v, max);
		return -1;
	}
	*out = (unsigned)n;
	return 0;
}

static int
onoff_parse(const char *v, int *out, char *why, size_t whylen)
{
	if (strcmp(v, "on") == 0 || strcmp(v, "off") == 0) {
		*out = v[1] == 'n';
		return 0;
	}
	snprintf(why, whylen, "expected on or off, not \"%s\"", v);
	return -1;
}

/* ---- caching ------------------------------------------------------------ */

static void
cache_key_free(struct function_conf *fn)
{
	size_t i;

	for (i = 0; i < fn->ncache_key; i++)
		free(fn->cache_key[i].name);
	free(fn->cache_key);
	fn->cache_key = NULL;
	fn->ncache_key = 0;
}

/* One word of cache_key: $request.querystring.NAME or $request.header.NAME. */
static int
cache_part(const char *s, size_t len, struct conf_cache_key *k, char *why,
    size_t whylen)
{
	static const char q[] = "$request.querystring.", h[] = "$request.header.";
	size_t i, skip;

	if (len > sizeof(q) - 1 && memcmp(s, q, sizeof(q) - 1) == 0)
		skip = sizeof(q) - 1;
	else if (len > sizeof(h) - 1 && memcmp(s, h, sizeof(h) - 1) == 0)
		skip = sizeof(h) - 1;
	else {
		snprintf(why, whylen, "\"%.*s\": expected $request.querystring."
		    "NAME or $request.header.NAME (method and path are always "
		    "part of the key)", (int)len, s);
		return -1;
	}
	k->header = skip == sizeof(h) - 1;
	for (i = skip; i < len; i++)
		if (!tchar((unsigned char)s[i])) {
			snprintf(why, whylen, "\"%.*s\": \"%.*s\" is not a "
			    "%s name", (int)len, s, (int)(len - skip), s + skip,
			    k->header ? "header" : "query parameter");
			return -1;
		}
	if ((k->name = strndup(s + skip, len - skip)) == NULL)
		return nomem(why, whylen);
	if (k->header)
		for (i = 0; k->name[i] != '\0'; i++)
			k->name[i] = (char)tolower((unsigned char)k->name[i]);
	return 0;
}

static int
cache_key_parse(struct function_conf *fn, const char *v, char *why,
    size_t whylen)
{
	struct conf_cache_key k[CONF_CACHE_KEY_MAX];
	const char *s = v, *e;
	size_t n = 0, i;

	cache_key_free(fn);
	for (;;) {
		while (*s == ' ' || *s == '\t' || *s == ',')
			s++;
		if (*s == '\0')
			break;
		for (e = s; *e != '\0' && *e != ' ' && *e != '\t' && *e != ','; e++)
			;
		if (n == CONF_CACHE_KEY_MAX) {
			snprintf(why, whylen, "more than %d parts",
			    CONF_CACHE_KEY_MAX);
			goto fail;
		}
		if (cache_part(s, (size_t)(e - s), &k[n], why, whylen) < 0)
			goto fail;
		for (i = 0; i < n; i++)
			if (k[i].header == k[n].header &&
			    strcmp(k[i].name, k[n].name) == 0) {
				snprintf(why, whylen, "\"%.*s\" is listed twice",
				    (int)(e - s), s);
				n++;
				goto fail;
			}
		n++;
		s = e;
	}
	if (n == 0) {
		snprintf(why, whylen, "expected one or more $request.querystring."
		    "NAME or $request.header.NAME");
		return -1;
	}
	if ((fn->cache_key = calloc(n, sizeof(*k))) == NULL) {
		nomem(why, whylen);
		goto fail;
	}
	memcpy(fn->cache_key, k, n * sizeof(*k));
	fn->ncache_key = n;
	return 0;
fail:
	for (i = 0; i < n; i++)
		free(k[i].name);
	return -1;
}

static int
cache_conf_key(struct conf *c, struct function_conf *fn, const char *key,
    const char *v, char *why, size_t whylen)
{
	if (fn == NULL)
		return conf_apigw_uint(v, CACHE_SIZE_MAX, &c->cache_size_mb, why,
		    whylen);
	if (strcmp(key, "cache_ttl") == 0)
		return conf_apigw_uint(v, CONF_CACHE_TTL_MAX, &fn->cache_ttl_s, why,
		    whylen);
	if (strcmp(key, "cache_key") == 0)
		return cache_key_parse(fn, v, why, whylen);
	if (strcmp(v, "anyone") == 0 || strcmp(v, "authorized") == 0) {
		fn->cache_invalidate_anyone = v[0] == 'a' && v[1] == 'n';
		return 0;
	}
	snprintf(why, whylen, "expected anyone or authorized, not \"%s\"", v);
	return -1;
}

/* ---- keys --------------------------------------------------------------- */

static int
cors_key(struct conf_cors *cc, const char *key, const char *v, char *why,
    size_t whylen)
{
	const struct {
		const char	 *key;
		unsigned	  bit;
		char		***list;
		size_t		 *n;
	} lists[] = {
		{ "allow_origins", CORS_ORIGINS, &cc->origins, &cc->norigins },
		{ "allow_methods", CORS_METHODS, &cc->methods, &cc->nmethods },
		{ "allow_headers", CORS_HEADERS, &cc->headers, &cc->nheaders },
		{ "expose_headers", CORS_EXPOSE, &cc->expose, &cc->nexpose },
	};
	unsigned n;
	size_t i;

	for (i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
		if (strcmp(key, lists[i].key) == 0) {
			cc->set |= lists[i].bit;
			return list_parse(key, v, lists[i].list, lists[i].n,
			    why, whylen);
		}
	if (strcmp(key, "max_age") == 0) {
		cc->set |= CORS_MAX_AGE;
		if (conf_apigw_uint(v, CORS_MAX_AGE_MAX, &n, why, whylen) != 0)
			return -1;
		cc->max_age = (int)n;
		return 0;
	}
	cc->set |= CORS_CREDS;
	return onoff_parse(v, &cc->credentials, why, whylen);
}

static bool
is_cors_key(const char *key)
{
	size_t i;

	for (i = 0; i < sizeof(cors_keys) / sizeof(cors_keys[0]); i++)
		if (strcmp(key, cors_keys[i]) == 0)
			return true;
	return false;
}

int
conf_apigw_cors_begin(struct conf *c, const char *file, int line)
{
	if ((c->cors = cors_new(file, line)) == NULL)
		return -1;
	return 0;
}

int
conf_apigw_key(struct conf *c, struct function_conf *fn, bool cors_sect,
    const char *key, const char *v, char *why, size_t whylen)
{
	unsigned *rate = fn != NULL ? &fn->throttle_mrate : &c->throttle_mrate;
	unsigned *burst = fn != NULL ? &fn->throttle_burst : &c->throttle_burst;

	if (cors_sect)
		return cors_key(c->cors, key, v, why, whylen);
	if (strncmp(key, "cache_", 6) == 0)
		return cache_conf_key(c, fn, key, v, why, whylen);
	if (fn != NULL && is_cors_key(key)) {
		if (fn->cors_own == NULL &&
		    (fn->cors_own = cors_new(fn->file, fn->line)) == NULL)
			return nomem(why, whylen);
		return cors_key(fn->cors_own, key, v, why, whylen);
	}
	if (fn != NULL && strcmp(key, "cors") == 0)
		return onoff_parse(v, &fn->cors_on, why, whylen);
	if (strcmp(key, "throttle_rate") == 0)
		return conf_apigw_rate(v, rate, why, whylen);
	if (conf_apigw_uint(v, BURST_MAX, burst, why, whylen) != 0)
		return -1;
	if (*burst == 0) {
		snprintf(why, whylen, "0 would refuse every request; the "
		    "smallest bucket is 1");
		return -1;
	}
	return 0;
}

/* ---- after every file --------------------------------------------------- */

static int
list_copy(char **src, size_t n, char ***dst, size_t *ndst)
{
	size_t i;

	if (n == 0)
		return 0;
	if ((*dst = calloc(n, sizeof(**dst))) == NULL)
		return -1;
	for (i = 0; i < n; i++)
		if (((*dst)[i] = strdup(src[i])) == NULL) {
			list_free(*dst, i);
			*dst = NULL;
			return -1;
		}
	*ndst = n;
	return 0;
}

/* What the function does not set comes from [cors] (g, may be NULL). */
static int
cors_inherit(struct conf_cors *cc, const struct conf_cors *g)
{
	if (g == NULL)
		return 0;
	if (!(cc->set & CORS_ORIGINS) &&
	    list_copy(g->origins, g->norigins, &cc->origins, &cc->norigins) < 0)
		return -1;
	if (!(cc->set & CORS_METHODS) &&
	    list_copy(g->methods, g->nmethods, &cc->methods, &cc->nmethods) < 0)
		return -1;
	if (!(cc->set & CORS_HEADERS) &&
	    list_copy(g->headers, g->nheaders, &cc->headers, &cc->nheaders) < 0)
		return -1;
	if (!(cc->set & CORS_EXPOSE) &&
	    list_copy(g->expose, g->nexpose, &cc->expose, &cc->nexpose) < 0)
		return -1;
	if (!(cc->set & CORS_MAX_AGE))
		cc->max_age = g->max_age;
	if (!(cc->set & CORS_CREDS))
		cc->credentials = g->credentials;
	return 0;
}

/* "a,b,c" (API Gateway's separator), or NULL for an empty list. */
static char *
list_join(char **v, size_t n)
{
	struct buf b;
	size_t i;

	if (n == 0)
		return NULL;
	buf_init(&b);
	for (i = 0; i < n; i++) {
		if (i > 0)
			buf_addc(&b, ',');
		buf_adds(&b, v[i]);
	}
	return buf_steal(&b, NULL);
}

/* Checks and joined values of a finished configuration. */
static int
cors_close(struct conf_cors *cc, const char *what, char *err, size_t errlen)
{
	size_t i;

	if (cc->norigins == 0) {
		snprintf(err, errlen, "%s:%d: %s: CORS without allow_origins "
		    "allows no origin", cc->file, cc->line, what);
		return -1;
	}
	for (i = 0; i < cc->norigins; i++)
		if (cc->credentials == 1 && strcmp(cc->origins[i], "*") == 0) {
			snprintf(err, errlen, "%s:%d: %s: allow_credentials is "
			    "not supported if allow_origins is * (as API "
			    "Gateway: allow-credentials is not supported if "
			    "'allow-origin' is *)", cc->file, cc->line, what);
			return -1;
		}
	cc->methods_hdr = list_join(cc->methods, cc->nmethods);
	cc->headers_hdr = list_join(cc->headers, cc->nheaders);
	cc->expose_hdr = list_join(cc->expose, cc->nexpose);
	return 0;
}

static int
throttle_finish(const struct conf *c, struct function_conf *fn, char *err,
    size_t errlen)
{
	unsigned rate = fn->throttle_mrate != CONF_UNSET ? fn->throttle_mrate :
	    c->throttle_mrate != CONF_UNSET ? c->throttle_mrate : 0;
	unsigned burst = fn->throttle_burst != CONF_UNSET ? fn->throttle_burst :
	    c->throttle_burst;

	if (rate == 0) {
		fn->throttle_mrate = fn->throttle_burst = 0;
		return 0;
	}
	/* No burst given: one second's worth, and at least one request. */
	if (burst == CONF_UNSET)
		burst = (rate + 999) / 1000;
	if (burst == 0) {
		snprintf(err, errlen, "%s:%d: function %s: throttle_burst must "
		    "be at least 1", fn->file, fn->line, fn->name);
		return -1;
	}
	fn->throttle_mrate = rate;
	fn->throttle_burst = burst;
	return 0;
}

int
conf_apigw_finish(struct conf *c, char *err, size_t errlen)
{
	char what[96];
	size_t i;

	if (c->cors != NULL && cors_close(c->cors, "[cors]", err, errlen) < 0)
		return -1;
	for (i = 0; i < c->nfns; i++) {
		struct function_conf *fn = &c->fns[i];

		if (throttle_finish(c, fn, err, errlen) < 0)
			return -1;
		if (fn->cache_ttl_s == 0 && fn->ncache_key > 0) {
			snprintf(err, errlen, "%s:%d: function %s: cache_key "
			    "without cache_ttl caches nothing", fn->file,
			    fn->line, fn->name);
			return -1;
		}
		snprintf(what, sizeof(what), "function %s", fn->name);
		if (!fn->cors_on && fn->cors_own != NULL) {
			snprintf(err, errlen, "%s:%d: %s: cors = off with CORS "
			    "keys in the same section", fn->file, fn->line,
			    what);
			return -1;
		}
		if (!fn->cors_on) {
			fn->cors = NULL;
			continue;
		}
		if (fn->cors_own == NULL) {
			fn->cors = c->cors;
			continue;
		}
		if (cors_inherit(fn->cors_own, c->cors) < 0) {
			snprintf(err, errlen, "%s:%d: out of memory", fn->file,
			    fn->line);
			return -1;
		}
		if (cors_close(fn->cors_own, what, err, errlen) < 0)
			return -1;
		fn->cors = fn->cors_own;
	}
	return 0;
}

void
conf_apigw_fn_free(struct function_conf *fn)
{
	cors_free(fn->cors_own);
	fn->cors_own = NULL;
	fn->cors = NULL;
	cache_key_free(fn);
}

void
conf_apigw_free(struct conf *c)
{
	cors_free(c->cors);
	c->cors = NULL;
}
