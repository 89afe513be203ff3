/*
 * trace: X-Amzn-Trace-Id and traceparent, accepted, converted, made.
 * See trace.h.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "apigw/trace.h"
#include "http.h"

static uint64_t
rnd64(void)
{
	/* xorshift64*, seeded once from the kernel: trace ids need to be
	 * unique, not secret. */
	static uint64_t s;

	if (s == 0 && (getrandom(&s, sizeof(s), GRND_NONBLOCK) !=
	    (ssize_t)sizeof(s) || s == 0))
		s = 0x9e3779b97f4a7c15ull ^ (uint64_t)(uintptr_t)&s;
	s ^= s >> 12;
	s ^= s << 25;
	s ^= s >> 27;
	return s * 2685821657736338717ull;
}

static bool
hexn(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]) ||
		    isupper((unsigned char)s[i]))
			return false;
	return true;
}

static bool
allzero(const char *s, size_t n)
{
	return strspn(s, "0") >= n;
}

/* Printable, no blanks, with a well-formed Root. */
static bool
xray_ok(const char *v, size_t n)
{
	const char *r;
	size_t i;
	char tmp[TRACE_MAX + 1];

	if (v == NULL || n == 0 || n > TRACE_MAX)
		return false;
	for (i = 0; i < n; i++)
		if (v[i] <= 0x20 || v[i] >= 0x7f || v[i] == '"' || v[i] == '\\')
			return false;
	memcpy(tmp, v, n);
	tmp[n] = '\0';
	if ((r = strstr(tmp, "Root=")) == NULL || (r != tmp && r[-1] != ';'))
		return false;
	r += 5;
	return strncmp(r, "1-", 2) == 0 && hexn(r + 2, 8) && r[10] == '-' &&
	    hexn(r + 11, 24) && (r[35] == '\0' || r[35] == ';');
}

/* 00-{32 hex}-{16 hex}-{2 hex}, trace and parent not all zero. */
static bool
tp_ok(const char *v, size_t n)
{
	return v != NULL && n == 55 && memcmp(v, "00-", 3) == 0 &&
	    hexn(v + 3, 32) && !allzero(v + 3, 32) && v[35] == '-' &&
	    hexn(v + 36, 16) && !allzero(v + 36, 16) && v[52] == '-' &&
	    hexn(v + 53, 2);
}

/* The Parent and Sampled fields of an X-Ray header, if any. */
static void
xray_fields(const char *x, char parent[17], int *sampled)
{
	const char *p = strstr(x, "Parent="), *s = strstr(x, "Sampled=");

	parent[0] = '\0';
	if (p != NULL && hexn(p + 7, 16)) {
		memcpy(parent, p + 7, 16);
		parent[16] = '\0';
	}
	*sampled = s != NULL && s[8] == '1';
}

int
trace_from(const char *xh, size_t xlen, const char *th, size_t tlen,
    uint64_t epoch_s, char **xray, char **traceparent)
{
	char x[TRACE_MAX + 1], tp[64], parent[17];
	const char *root;
	int sampled;

	if (xray_ok(xh, xlen)) {
		memcpy(x, xh, xlen);
		x[xlen] = '\0';
		if (tp_ok(th, tlen)) {
			memcpy(tp, th, tlen);
			tp[tlen] = '\0';
		} else {
			/* The same trace in W3C's form. */
			root = strstr(x, "Root=") + 7;
			xray_fields(x, parent, &sampled);
			if (parent[0] == '\0')
				snprintf(parent, sizeof(parent), "%016" PRIx64,
				    rnd64() | 1);
			snprintf(tp, sizeof(tp), "00-%.8s%.24s-%s-0%d", root,
			    root + 9, parent, sampled);
		}
	} else if (tp_ok(th, tlen)) {
		memcpy(tp, th, tlen);
		tp[tlen] = '\0';
		snprintf(x, sizeof(x), "Root=1-%.8s-%.24s;Parent=%.16s;"
		    "Sampled=%d", th + 3, th + 11, th + 36,
		    (int)(strtol(th + 53, NULL, 16) & 1));
	} else {
		uint64_t a = rnd64(), b = rnd64(), p = rnd64() | 1;

		snprintf(x, sizeof(x), "Root=1-%08" PRIx64 "-%08" PRIx64
		    "%016" PRIx64 ";Parent=%016" PRIx64 ";Sampled=0",
		    epoch_s & 0xffffffff, a & 0xffffffff, b, p);
		snprintf(tp, sizeof(tp), "00-%08" PRIx64 "%08" PRIx64 "%016"
		    PRIx64 "-%016" PRIx64 "-00", epoch_s & 0xffffffff,
		    a & 0xffffffff, b, p);
	}
	*xray = strdup(x);
	*traceparent = strdup(tp);
	if (*xray == NULL || *traceparent == NULL) {
		free(*xray);
		free(*traceparent);
		return -1;
	}
	return 0;
}

int
trace_make(const struct http_request *req, uint64_t epoch_s, char **xray,
    char **traceparent)
{
	size_t xn = 0, tn = 0;
	const char *x = http_header_get(req, "X-Amzn-Trace-Id", &xn);
	const char *t = http_header_get(req, "traceparent", &tn);

	return trace_from(x, xn, t, tn, epoch_s, xray, traceparent);
}
