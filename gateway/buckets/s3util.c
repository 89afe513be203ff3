/*
 * s3util: names, escaping, dates, Range and the listing's paging for
 * Buckets (s3.h).  Pure functions.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "s3.h"

/* ---- names --------------------------------------------------------------- */

static bool
is_ipv4(const char *s, size_t n)
{
	unsigned dots = 0, digits = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] == '.') {
			if (digits == 0)
				return false;
			dots++;
			digits = 0;
		} else if (isdigit((unsigned char)s[i]) && digits < 3)
			digits++;
		else
			return false;
	}
	return dots == 3 && digits > 0;
}

bool
s3_bucket_name_ok(const char *s, size_t n)
{
	size_t i;

	if (n < 3 || n > 63 || is_ipv4(s, n))
		return false;
	if (n >= 4 && memcmp(s, "xn--", 4) == 0)
		return false;
	for (i = 0; i < n; i++) {
		char c = s[i];
		bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');

		if (!alnum && c != '.' && c != '-')
			return false;
		if ((i == 0 || i == n - 1) && !alnum)
			return false;
		if (c == '.' && (s[i + 1] == '.' || s[i - 1] == '-' ||
		    s[i + 1] == '-'))
			return false;
	}
	return true;
}

/* The length of the UTF-8 sequence at s (n left), or 0 if invalid. */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
	size_t len, i;
	unsigned cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

bool
s3_key_ok(const char *s, size_t n)
{
	size_t i, k;

	if (n == 0 || n > S3_KEY_MAX)
		return false;
	for (i = 0; i < n; i += k)
		if (s[i] == '\0' ||
		    (k = utf8_len((const unsigned char *)s + i, n - i)) == 0)
			return false;
	return true;
}

/* ---- text ---------------------------------------------------------------- */

void
s3_xml_esc(struct buf *b, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		switch (c) {
		case '&': buf_adds(b, "&amp;"); break;
		case '<': buf_adds(b, "&lt;"); break;
		case '>': buf_adds(b, "&gt;"); break;
		case '"': buf_adds(b, "&quot;"); break;
		case '\'': buf_adds(b, "&apos;"); break;
		default:
			if (c < 0x20 || c == 0x7f)
				buf_printf(b, "&#x%X;", c);
			else
				buf_addc(b, (char)c);
		}
	}
}

void
s3_url_enc(struct buf *b, const char *s, size_t n, bool keep_slash)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' ||
		    (keep_slash && c == '/'))
			buf_addc(b, (char)c);
		else
			buf_printf(b, "%%%02X", c);
	}
}

/* One entity at s (n left) into b; its length, or 0 if not one. */
static size_t
xml_entity(const char *s, size_t n, struct buf *b)
{
	static const struct { const char *e; char c; } ents[] = {
		{ "&amp;", '&' }, { "&lt;", '<' }, { "&gt;", '>' },
		{ "&quot;", '"' }, { "&apos;", '\'' },
	};
	const char *semi = memchr(s, ';', n < 12 ? n : 12);
	unsigned long cp;
	char *e;
	size_t i;

	for (i = 0; i < sizeof(ents) / sizeof(ents[0]); i++)
		if (n >= strlen(ents[i].e) &&
		    memcmp(s, ents[i].e, strlen(ents[i].e)) == 0) {
			buf_addc(b, ents[i].c);
			return strlen(ents[i].e);
		}
	if (semi == NULL || n < 4 || s[1] != '#')
		return 0;
	cp = s[2] == 'x' ? strtoul(s + 3, &e, 16) : strtoul(s + 2, &e, 10);
	if (e != semi || cp == 0 || cp > 0x10ffff)
		return 0;
	if (cp < 0x80)
		buf_addc(b, (char)cp);
	else if (cp < 0x800)
		buf_printf(b, "%c%c", 0xc0 | (int)(cp >> 6),
		    0x80 | (int)(cp & 0x3f));
	else if (cp < 0x10000)
		buf_printf(b, "%c%c%c", 0xe0 | (int)(cp >> 12),
		    0x80 | (int)(cp >> 6 & 0x3f), 0x80 | (int)(cp & 0x3f));
	else
		buf_printf(b, "%c%c%c%c", 0xf0 | (int)(cp >> 18),
		    0x80 | (int)(cp >> 12 & 0x3f), 0x80 | (int)(cp >> 6 & 0x3f),
		    0x80 | (int)(cp & 0x3f));
	return (size_t)(semi - s) + 1;
}

int
s3_xml_next(const char **p, const char *end, const char *tag, struct buf *out)
{
	char open[80], close[80];
	const char *s, *e, *q;
	size_t ol, cl, k;

	ol = (size_t)snprintf(open, sizeof(open), "<%s>", tag);
	cl = (size_t)snprintf(close, sizeof(close), "</%s>", tag);
	if (*p >= end || (s = memmem(*p, (size_t)(end - *p), open, ol)) == NULL)
		return -1;
	s += ol;
	if ((e = memmem(s, (size_t)(end - s), close, cl)) == NULL)
		return -1;
	buf_reset(out);
	for (q = s; q < e; q++) {
		if (*q == '&' && (k = xml_entity(q, (size_t)(e - q), out)) > 0)
			q += k - 1;
		else
			buf_addc(out, *q);
	}
	buf_addc(out, '\0');
	out->len--;
	*p = e + cl;
	return 0;
}

void
s3_http_date(int64_t ms, char out[40])
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 40, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

void
s3_iso_date(int64_t ms, char out[40])
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	char s[32];

	gmtime_r(&t, &tm);
	strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, 40, "%s.%03dZ", s, (int)(ms % 1000));
}

time_t
s3_parse_http_date(const char *s, size_t n)
{
	static const char *const fmts[] = {
		"%a, %d %b %Y %H:%M:%S GMT", "%A, %d-%b-%y %H:%M:%S GMT",
		"%a %b %e %H:%M:%S %Y",
	};
	char tmp[64];
	struct tm tm;
	size_t i;
	char *e;

	if (n == 0 || n >= sizeof(tmp))
		return -1;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	for (i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
		memset(&tm, 0, sizeof(tm));
		if ((e = strptime(tmp, fmts[i], &tm)) != NULL && *e == '\0')
			return timegm(&tm);
	}
	return -1;
}

/* ---- Range --------------------------------------------------------------- */

/* Digits at *s (< end) into *v; false if none or too many. */
static bool
range_num(const char **s, const char *end, uint64_t *v)
{
	const char *p = *s;

	*v = 0;
	for (; p < end && isdigit((unsigned char)*p); p++) {
		if (*v > (UINT64_MAX - 9) / 10)
			return false;
		*v = *v * 10 + (uint64_t)(*p - '0');
	}
	if (p == *s)
		return false;
	*s = p;
	return true;
}

enum s3_range
s3_range_parse(const char *v, size_t n, uint64_t size, uint64_t *off,
    uint64_t *len)
{
	const char *p = v, *end = v + n;
	uint64_t a, b;

	if (v == NULL || n < 7 || strncasecmp(v, "bytes=", 6) != 0 ||
	    memchr(v, ',', n) != NULL)
		return S3_RANGE_NONE;
	p += 6;
	if (*p == '-') {		/* the last b bytes */
		p++;
		if (!range_num(&p, end, &b) || p != end)
			return S3_RANGE_NONE;
		if (b == 0 || size == 0)
			return S3_RANGE_BAD;
		*len = b < size ? b : size;
		*off = size - *len;
		return S3_RANGE_OK;
	}
	if (!range_num(&p, end, &a) || p == end || *p++ != '-')
		return S3_RANGE_NONE;
	if (p == end)
		b = UINT64_MAX;
	else if (!range_num(&p, end, &b) || p != end || b < a)
		return S3_RANGE_NONE;
	if (a >= size)
		return S3_RANGE_BAD;
	if (b >= size)
		b = size - 1;
	*off = a;
	*len = b - a + 1;
	return S3_RANGE_OK;
}

bool
s3_copy_range_parse(const char *v, size_t n, uint64_t *first,
    uint64_t *last)
{
	const char *p = v, *end = v + n;

	if (v == NULL || n < 9 || strncmp(v, "bytes=", 6) != 0)
		return false;
	p += 6;
	if (!range_num(&p, end, first) || p == end || *p++ != '-' ||
	    !range_num(&p, end, last) || p != end)
		return false;
	return *first <= *last;
}

/* ---- listing ------------------------------------------------------------- */

void
s3_list_init(struct s3_list *l, const char *prefix, const char *delim,
    unsigned max)
{
	memset(l, 0, sizeof(*l));
	l->prefix = prefix != NULL ? prefix : "";
	l->plen = strlen(l->prefix);
	l->delim = delim != NULL ? delim : "";
	l->dlen = strlen(l->delim);
	l->max = max;
	buf_init(&l->last);
	buf_init(&l->cp);
}

void
s3_list_free(struct s3_list *l)
{
	buf_free(&l->last);
	buf_free(&l->cp);
}

static void
set(struct buf *b, const char *s, size_t n)
{
	buf_reset(b);
	buf_add(b, s, n);
	buf_addc(b, '\0');
	b->len--;
}

enum s3_list_act
s3_list_step(struct s3_list *l, const char *key, size_t n)
{
	const char *d;
	size_t cpl = 0;

	if (n < l->plen || memcmp(key, l->prefix, l->plen) != 0)
		return S3_LIST_SKIP;
	if (l->dlen > 0 && (d = memmem(key + l->plen, n - l->plen, l->delim,
	    l->dlen)) != NULL)
		cpl = (size_t)(d - key) + l->dlen;
	if (cpl > 0 && l->cp.len == cpl && memcmp(l->cp.data, key, cpl) == 0)
		return S3_LIST_SKIP;
	if (l->n >= l->max) {
		l->truncated = true;
		return S3_LIST_FULL;
	}
	l->n++;
	if (cpl > 0) {
		set(&l->cp, key, cpl);
		set(&l->last, key, cpl);
		return S3_LIST_PREFIX;
	}
	set(&l->last, key, n);
	return S3_LIST_KEY;
}

void
s3_list_seek_past(const struct s3_list *l, struct buf *out)
{
	set(out, l->cp.data != NULL ? l->cp.data : "", l->cp.len);
	buf_addc(out, '\xff');
	buf_addc(out, '\0');
	out->len--;
}
