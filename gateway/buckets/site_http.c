/*
 * site_http: the pure parts of a site's answer (site.h): which content
 * codings a client accepts, which types are worth compressing, and
 * whether a validator list names an object.  No I/O: the unit tests
 * drive these directly.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "site.h"

/* A blank-trimmed [s, e). */
static void
trim(const char **s, const char **e)
{
	while (*s < *e && (**s == ' ' || **s == '\t'))
		(*s)++;
	while (*e > *s && ((*e)[-1] == ' ' || (*e)[-1] == '\t'))
		(*e)--;
}

/* The q of one element's parameters ";q=0.5" [p, e): 0 to 1000. */
static int
qvalue(const char *p, const char *e)
{
	const char *s, *c;
	int q = 1000, scale = 100;

	for (; p < e; p = c + 1) {
		if ((c = memchr(p, ';', (size_t)(e - p))) == NULL)
			c = e;
		s = p;
		trim(&s, &c);
		if (c - s < 2 || (s[0] != 'q' && s[0] != 'Q') || s[1] != '=')
			continue;
		s += 2;
		if (s < c && *s == '1')
			return 1000;
		if (s >= c || *s != '0')
			return 1000;	/* malformed: as if absent */
		q = 0;
		if (++s < c && *s == '.')
			for (s++; s < c && *s >= '0' && *s <= '9' &&
			    scale > 0; s++, scale /= 10)
				q += (*s - '0') * scale;
		return q;
	}
	return q;
}

unsigned
site_accept(const char *v, size_t n)
{
	const char *p, *end = v + n, *c, *s, *e;
	int gz = -1, br = -1, star = -1, q;

	if (v == NULL)
		return 0;
	for (p = v; p < end; p = c + 1) {
		if ((c = memchr(p, ',', (size_t)(end - p))) == NULL)
			c = end;
		if ((e = memchr(p, ';', (size_t)(c - p))) == NULL)
			e = c;
		s = p;
		trim(&s, &e);
		q = qvalue(e, c);
		if ((e - s == 4 && strncasecmp(s, "gzip", 4) == 0) ||
		    (e - s == 6 && strncasecmp(s, "x-gzip", 6) == 0))
			gz = q;
		else if (e - s == 2 && strncasecmp(s, "br", 2) == 0)
			br = q;
		else if (e - s == 1 && *s == '*')
			star = q;
	}
	if (gz < 0)
		gz = star > 0 ? star : 0;
	if (br < 0)
		br = star > 0 ? star : 0;
	return (gz > 0 ? SITE_GZIP : 0) | (br > 0 ? SITE_BR : 0);
}

bool
site_compressible(const char *t, size_t n)
{
	static const char *const types[] = {
		"application/javascript", "application/x-javascript",
		"application/ecmascript", "application/json",
		"application/xml", "image/svg+xml",
	};
	const char *e;
	size_t i, len;

	if (t == NULL)
		return false;
	if ((e = memchr(t, ';', n)) == NULL)
		e = t + n;
	trim(&t, &e);
	len = (size_t)(e - t);
	if (len > 5 && strncasecmp(t, "text/", 5) == 0)
		return true;
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (len == strlen(types[i]) && strncasecmp(t, types[i],
		    len) == 0)
			return true;
	return (len > 5 && strncasecmp(e - 5, "+json", 5) == 0) ||
	    (len > 4 && strncasecmp(e - 4, "+xml", 4) == 0);
}

/* Whether the tag [s, e) is etag, or etag with a coding's suffix. */
static bool
tag_is(const char *s, const char *e, const char *etag)
{
	static const char *const sfx[] = { "", "-gzip", "-br" };
	size_t el = strlen(etag), i, sl;

	for (i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
		sl = strlen(sfx[i]);
		if ((size_t)(e - s) == el + sl && memcmp(s, etag, el) == 0 &&
		    memcmp(s + el, sfx[i], sl) == 0)
			return true;
	}
	return false;
}

bool
site_etag_match(const char *v, size_t n, const char *etag)
{
	const char *p, *end = v + n, *c, *s, *e;

	if (v == NULL)
		return false;
	for (p = v; p < end; p = c + 1) {
		if ((c = memchr(p, ',', (size_t)(end - p))) == NULL)
			c = end;
		s = p;
		e = c;
		trim(&s, &e);
		if (e - s >= 2 && s[0] == 'W' && s[1] == '/')
			s += 2;
		if (e - s == 1 && *s == '*')
			return true;
		if (e - s >= 2 && *s == '"' && e[-1] == '"' &&
		    tag_is(s + 1, e - 1, etag))
			return true;
	}
	return false;
}
