/*
 * sigv4: AWS Signature Version 4 verification.  See sigv4.h.
 *
 * The order follows the spec's own: parse the Authorization header, find
 * the key, check the date, build the canonical request, the string to
 * sign and the signing key, then compare.  Each step that fails says why,
 * in words an operator can act on, but nothing it says depends on the
 * secret.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "http.h"
#include "sigv4.h"

#define ALGO		"AWS4-HMAC-SHA256"
#define MAX_SIGNED	32	/* signed headers we are willing to rebuild */

struct auth {
	const char	*cred;		/* ID/DATE/REGION/SERVICE/aws4_request */
	size_t		 cred_len;
	const char	*signed_hdrs;	/* "host;x-amz-date" */
	size_t		 signed_len;
	const char	*sig;		/* 64 hex digits */
	size_t		 sig_len;
	/* From cred. */
	const char	*id, *date, *region, *service;
	size_t		 id_len, date_len, region_len, service_len;
	/* A presigned URL: the query without X-Amz-Signature, and the
	 * decoded parameters the pointers above point into. */
	char		*query;
	char		*qcred, *qsigned, *qsig;
};

/* canonical_request's ways of writing the path. */
#define URI_RAW		0	/* normalised, as sent */
#define URI_ENCODE	1	/* normalised, encoded once more */
#define URI_S3		2	/* decoded and encoded strictly, as S3 */
#define URI_S3_RAW	3	/* as sent, not normalised */

static const char hexd[] = "0123456789abcdef";

static void
hex(const unsigned char *p, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hexd[p[i] >> 4];
		out[2 * i + 1] = hexd[p[i] & 15];
	}
	out[2 * n] = '\0';
}

void
sigv4_sha256_hex(const void *p, size_t n, char out[65])
{
	unsigned char md[SHA256_DIGEST_LENGTH];

	SHA256(p, n, md);
	hex(md, sizeof(md), out);
}

static void
hmac(const void *key, size_t klen, const void *msg, size_t mlen,
    unsigned char out[32])
{
	unsigned int n = 32;

	HMAC(EVP_sha256(), key, (int)klen, msg, mlen, out, &n);
}

static int
unreserved(unsigned char c)
{
	return isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~';
}

static void
uri_encode(struct buf *b, const char *s, size_t n, int keep_slash)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (unreserved(c) || (keep_slash && c == '/'))
			buf_addc(b, (char)c);
		else
			buf_printf(b, "%%%02X", c);
	}
}

/* ---- canonical pieces --------------------------------------------------- */

/* S3's canonical URI: the path as the key is, each byte but unreserved and
 * '/' percent-encoded once; no segment is removed. */
static void
s3_canonical_uri(const char *path, size_t len, struct buf *out)
{
	char *tmp = malloc(len + 1);
	long n;

	if (tmp == NULL)
		abort();
	n = buf_pct_decode(tmp, path, len, 0);
	uri_encode(out, tmp, (size_t)n, 1);
	if (n == 0)
		buf_addc(out, '/');
	free(tmp);
}

void
sigv4_canonical_uri(const char *path, size_t len, int encode, struct buf *out)
{
	const char *seg[128], *p = path, *end = path + len, *s;
	size_t segn[128], n = 0, i;

	while (p < end) {
		if ((s = memchr(p, '/', (size_t)(end - p))) == NULL)
			s = end;
		if (s - p == 2 && memcmp(p, "..", 2) == 0) {
			if (n > 0)
				n--;
		} else if (s > p && !(s - p == 1 && *p == '.') && n < 128) {
			seg[n] = p;
			segn[n++] = (size_t)(s - p);
		}
		p = s + 1;
	}
	for (i = 0; i < n; i++) {
		buf_addc(out, '/');
		if (encode)
			uri_encode(out, seg[i], segn[i], 0);
		else
			buf_add(out, seg[i], segn[i]);
	}
	if (n == 0 || (len > 0 && path[len - 1] == '/'))
		buf_addc(out, '/');
}

struct qpair {
	char	*kv;	/* "name=value", both encoded */
};

static int
qpair_cmp(const void *a, const void *b)
{
	const char *x = ((const struct qpair *)a)->kv;
	const char *y = ((const struct qpair *)b)->kv;
	size_t xl = strcspn(x, "="), yl = strcspn(y, "=");
	int c = memcmp(x, y, xl < yl ? xl : yl);

	if (c != 0 || xl != yl)
		return c != 0 ? c : (xl < yl ? -1 : 1);
	return strcmp(x + xl, y + yl);
}

/* One "k=v" of the wire query, decoded and re-encoded strictly. */
static char *
qpair_make(const char *s, size_t n)
{
	const char *eq = memchr(s, '=', n);
	size_t kl = eq != NULL ? (size_t)(eq - s) : n;
	char *tmp = malloc(n + 1);
	struct buf b;
	long k;

	if (tmp == NULL)
		return NULL;
	buf_init(&b);
	k = buf_pct_decode(tmp, s, kl, 0);
	uri_encode(&b, tmp, (size_t)k, 0);
	buf_addc(&b, '=');
	if (eq != NULL) {
		k = buf_pct_decode(tmp, eq + 1, n - kl - 1, 0);
		uri_encode(&b, tmp, (size_t)k, 0);
	}
	free(tmp);
	return buf_steal(&b, NULL);
}

int
sigv4_canonical_query(const char *q, size_t len, struct buf *out)
{
	struct qpair *v = NULL, *nv;
	const char *p = q, *end = q + len, *amp;
	size_t n = 0, i;
	int rc = 0;

	for (; p < end; p = amp + 1) {
		if ((amp = memchr(p, '&', (size_t)(end - p))) == NULL)
			amp = end;
		if (amp == p)
			continue;
		if ((nv = realloc(v, (n + 1) * sizeof(*v))) == NULL ||
		    (nv[n].kv = qpair_make(p, (size_t)(amp - p))) == NULL) {
			v = nv != NULL ? nv : v;
			rc = -1;
			break;
		}
		v = nv;
		n++;
	}
	if (rc == 0 && n > 0)
		qsort(v, n, sizeof(*v), qpair_cmp);
	for (i = 0; i < n; i++) {
		if (rc == 0 && i > 0)
			buf_addc(out, '&');
		if (rc == 0)
			buf_adds(out, v[i].kv);
		free(v[i].kv);
	}
	free(v);
	return rc;
}

/* Every header named name, trimmed, inner blanks squeezed, ','-joined. */
static int
canonical_header(const struct http_request *req, const char *name, size_t nl,
    struct buf *out)
{
	size_t i, j, found = 0;

	buf_add(out, name, nl);
	buf_addc(out, ':');
	for (i = 0; i < req->nheaders; i++) {
		const struct http_header *h = &req->headers[i];
		int blank = 0, start = 1;

		if (h->name_len != nl || strncasecmp(h->name, name, nl) != 0)
			continue;
		if (found++ > 0)
			buf_addc(out, ',');
		/* Blanks inside the value squeezed to one, even after a comma
		 * ("Thu, 01 Jan"); none at its start. */
		for (j = 0; j < h->value_len; j++) {
			char c = h->value[j];

			if (c == ' ' || c == '\t') {
				blank = 1;
				continue;
			}
			if (blank && !start)
				buf_addc(out, ' ');
			blank = start = 0;
			buf_addc(out, c);
		}
	}
	buf_addc(out, '\n');
	return found > 0 ? 0 : -1;
}

/* ---- the Authorization header ------------------------------------------ */

static int
auth_part(struct auth *a, const char *p, size_t n)
{
	if (n > 11 && memcmp(p, "Credential=", 11) == 0) {
		a->cred = p + 11;
		a->cred_len = n - 11;
	} else if (n > 14 && memcmp(p, "SignedHeaders=", 14) == 0) {
		a->signed_hdrs = p + 14;
		a->signed_len = n - 14;
	} else if (n > 10 && memcmp(p, "Signature=", 10) == 0) {
		a->sig = p + 10;
		a->sig_len = n - 10;
	} else
		return -1;
	return 0;
}

/* ID/DATE/REGION/SERVICE/aws4_request */
static int
auth_scope(struct auth *a)
{
	const char *f[5], *p = a->cred, *end = a->cred + a->cred_len, *s;
	size_t fl[5];
	int n = 0;

	for (; n < 5; p = s + 1) {
		if ((s = memchr(p, '/', (size_t)(end - p))) == NULL)
			s = end;
		f[n] = p;
		fl[n++] = (size_t)(s - p);
		if (s == end)
			break;
	}
	if (n != 5 || s != end || fl[0] == 0 || fl[1] != 8 || fl[2] == 0 ||
	    fl[3] == 0 || fl[4] != 12 || memcmp(f[4], "aws4_request", 12) != 0)
		return -1;
	a->id = f[0], a->id_len = fl[0];
	a->date = f[1], a->date_len = fl[1];
	a->region = f[2], a->region_len = fl[2];
	a->service = f[3], a->service_len = fl[3];
	return 0;
}

static int
auth_parse(const char *v, size_t n, struct auth *a)
{
	const char *p = v + strlen(ALGO), *end = v + n, *c;

	memset(a, 0, sizeof(*a));
	if (n <= strlen(ALGO) || memcmp(v, ALGO, strlen(ALGO)) != 0 || *p != ' ')
		return -1;
	for (; p < end; p = c + 1) {
		while (p < end && (*p == ' ' || *p == ','))
			p++;
		if (p == end)
			break;
		if ((c = memchr(p, ',', (size_t)(end - p))) == NULL)
			c = end;
		if (auth_part(a, p, (size_t)(c - p)) != 0)
			return -1;
	}
	if (a->cred == NULL || a->signed_hdrs == NULL || a->sig_len != 64)
		return -1;
	return auth_scope(a);
}

/* The secret of key id, or NULL. */
static const char *
key_find(char *const *keys, size_t nkeys, const char *id, size_t idl)
{
	size_t i;

	for (i = 0; i < nkeys; i++)
		if (strncmp(keys[i], id, idl) == 0 && keys[i][idl] == ':')
			return keys[i] + idl + 1;
	return NULL;
}

/* X-Amz-Date "YYYYMMDDTHHMMSSZ" to epoch seconds, or -1. */
static time_t
amz_date(const char *s, size_t n)
{
	struct tm tm;
	char tmp[17], *end;

	if (n != 16)
		return -1;
	memcpy(tmp, s, 16);
	tmp[16] = '\0';
	memset(&tm, 0, sizeof(tm));
	end = strptime(tmp, "%Y%m%dT%H%M%SZ", &tm);
	if (end == NULL || *end != '\0')
		return -1;
	return timegm(&tm);
}

/* ---- the signature ------------------------------------------------------ */

/* METHOD \n URI \n QUERY \n HEADERS \n SIGNED \n HASH */
static int
canonical_request(const struct http_request *req, const struct auth *a,
    int encode, const char *body_hash, struct buf *out)
{
	const char *p = a->signed_hdrs, *end = p + a->signed_len, *s;
	int host = 0;

	buf_adds(out, req->method);
	buf_addc(out, '\n');
	if (encode == URI_S3)
		s3_canonical_uri(req->path, req->path_len, out);
	else if (encode == URI_S3_RAW)
		buf_add(out, req->path, req->path_len);
	else
		sigv4_canonical_uri(req->path, req->path_len, encode, out);
	buf_addc(out, '\n');
	if (sigv4_canonical_query(a->query != NULL ? a->query : req->query,
	    a->query != NULL ? strlen(a->query) : req->query_len, out) != 0)
		return -1;
	buf_addc(out, '\n');
	for (; p < end; p = s + 1) {
		if ((s = memchr(p, ';', (size_t)(end - p))) == NULL)
			s = end;
		host |= s - p == 4 && memcmp(p, "host", 4) == 0;
		if (s == p || canonical_header(req, p, (size_t)(s - p), out) != 0)
			return -1;
	}
	buf_addc(out, '\n');
	buf_add(out, a->signed_hdrs, a->signed_len);
	buf_addc(out, '\n');
	buf_adds(out, body_hash);
	return host ? 0 : -1;
}

/* The signing key of secret for the scope date/region/service (the
 * chained HMACs). */
static void
signing_key(const char *secret, const char *date, size_t dlen,
    const char *region, size_t rlen, const char *service, size_t slen,
    unsigned char key[32])
{
	unsigned char k[32];
	char kdate[256];

	snprintf(kdate, sizeof(kdate), "AWS4%s", secret);
	hmac(kdate, strlen(kdate), date, dlen, key);
	hmac(key, 32, region, rlen, k);
	hmac(k, 32, service, slen, key);
	hmac(key, 32, "aws4_request", 12, k);
	memcpy(key, k, 32);
	OPENSSL_cleanse(kdate, sizeof(kdate));
	OPENSSL_cleanse(k, sizeof(k));
}

/* The hex signature of the string to sign sts under secret, for the
 * scope date/region/service. */
static void
signature_hex(const char *secret, const char *date, size_t dlen,
    const char *region, size_t rlen, const char *service, size_t slen,
    const struct buf *sts, char sig[65])
{
	unsigned char key[32], k[32];

	signing_key(secret, date, dlen, region, rlen, service, slen, key);
	hmac(key, 32, sts->data, sts->len, k);
	hex(k, 32, sig);
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(k, sizeof(k));
}

/* Whether sig matches for this canonical request, in constant time. */
static int
signature_ok(const struct auth *a, const char *secret, const char *amzdate,
    const struct buf *canon)
{
	char ch[65], sig[65];
	struct buf sts;

	sigv4_sha256_hex(canon->data, canon->len, ch);
	buf_init(&sts);
	buf_printf(&sts, ALGO "\n%.16s\n%.*s\n%s", amzdate,
	    (int)(a->cred_len - a->id_len - 1), a->date, ch);
	signature_hex(secret, a->date, a->date_len, a->region, a->region_len,
	    a->service, a->service_len, &sts, sig);
	buf_free(&sts);
	return CRYPTO_memcmp(sig, a->sig, 64) == 0;
}

static enum sigv4_status __attribute__((format(printf, 4, 5)))
fail(enum sigv4_status st, char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (why != NULL) {
		va_start(ap, fmt);
		vsnprintf(why, whylen, fmt, ap);
		va_end(ap);
	}
	return st;
}

/*
 * The signature made over the canonical request with the path written as
 * mode1, else as mode2 (-1: none): SIGV4_OK if one matches.  hint ends
 * the mismatch message.
 */
static enum sigv4_status
modes_check(const struct http_request *req, const struct auth *a,
    const char *secret, const char *amzdate, const char *payload, int mode1,
    int mode2, const char *hint, char *why, size_t whylen)
{
	const int modes[2] = { mode1, mode2 };
	struct buf canon;
	int i, ok = 0;

	for (i = 0; i < 2 && modes[i] >= 0 && !ok; i++) {
		buf_init(&canon);
		if (canonical_request(req, a, modes[i], payload, &canon) != 0) {
			buf_free(&canon);
			return fail(SIGV4_MALFORMED, why, whylen, "'Host' or a "
			    "header named in SignedHeaders is missing.");
		}
		ok = signature_ok(a, secret, amzdate, &canon);
		buf_free(&canon);
	}
	if (!ok)
		return fail(SIGV4_MISMATCH, why, whylen, "The request "
		    "signature we calculated does not match the signature you "
		    "provided. %s", hint);
	return SIGV4_OK;
}

/* The body's hash, checked against X-Amz-Content-Sha256 if sent. */
static int
body_hash(const struct http_request *req, char out[65])
{
	size_t n;
	const char *v = http_header_get(req, "X-Amz-Content-Sha256", &n);

	sigv4_sha256_hex(req->body != NULL ? req->body : "", req->body_len, out);
	return v == NULL || (n == 64 && strncasecmp(v, out, 64) == 0) ? 0 : -1;
}

static enum sigv4_status
sigv4_check(const struct http_request *req, const struct auth *a,
    const char *secret, const char *amzdate, char *why, size_t whylen)
{
	char bh[65];

	if (body_hash(req, bh) != 0)
		return fail(SIGV4_MISMATCH, why, whylen, "The provided "
		    "X-Amz-Content-Sha256 header does not match what was "
		    "computed.");
	/* The path encoded once more (as the SDKs sign), then as sent. */
	return modes_check(req, a, secret, amzdate, bh, URI_ENCODE,
	    memchr(req->path, '%', req->path_len) != NULL ? URI_RAW : -1,
	    "Check your AWS Secret Access Key and signing method. Consult the "
	    "service documentation for details.", why, whylen);
}

enum sigv4_status
sigv4_verify(const struct http_request *req, char *const *keys, size_t nkeys,
    const char *service, time_t now, char *why, size_t whylen)
{
	const char *v, *secret, *d;
	struct auth a;
	size_t n, dn;
	time_t t;

	if ((v = http_header_get(req, "Authorization", &n)) == NULL || n == 0)
		return fail(SIGV4_MISSING, why, whylen, "Missing Authentication "
		    "Token");
	if (auth_parse(v, n, &a) != 0)
		return fail(SIGV4_MALFORMED, why, whylen, "Authorization header "
		    "requires 'Credential', 'Signature' and 'SignedHeaders' "
		    "parameters (AWS4-HMAC-SHA256).");
	if ((secret = key_find(keys, nkeys, a.id, a.id_len)) == NULL)
		return fail(SIGV4_UNKNOWN_KEY, why, whylen, "The security token "
		    "included in the request is invalid.");
	if (a.service_len != strlen(service) ||
	    memcmp(a.service, service, a.service_len) != 0)
		return fail(SIGV4_MISMATCH, why, whylen, "Credential should be "
		    "scoped to correct service: '%s'.", service);
	if ((d = http_header_get(req, "X-Amz-Date", &dn)) == NULL ||
	    (t = amz_date(d, dn)) < 0 || memcmp(d, a.date, 8) != 0)
		return fail(SIGV4_MALFORMED, why, whylen, "X-Amz-Date must be "
		    "YYYYMMDD'T'HHMMSS'Z' and match the Credential's date.");
	if (t < now - SIGV4_MAX_SKEW || t > now + SIGV4_MAX_SKEW)
		return fail(SIGV4_EXPIRED, why, whylen, "Signature expired: "
		    "%.16s is not within 15 minutes of the server's time.", d);
	return sigv4_check(req, &a, secret, d, why, whylen);
}

/* ---- S3 ------------------------------------------------------------------ */

/* Every payload hash S3 takes in place of the body's SHA-256. */
static int
s3_payload_ok(const char *v, size_t n)
{
	static const char *const named[] = {
		"UNSIGNED-PAYLOAD", SIGV4_STREAMING, SIGV4_STREAMING_TRAILER,
		SIGV4_STREAMING_UNSIGNED,
	};
	size_t i;

	for (i = 0; i < sizeof(named) / sizeof(named[0]); i++)
		if (n == strlen(named[i]) && memcmp(v, named[i], n) == 0)
			return 1;
	if (n != 64)
		return 0;
	for (i = 0; i < n; i++)
		if (!isxdigit((unsigned char)v[i]))
			return 0;
	return 1;
}

/* Both of S3's ways of writing the path: strictly encoded, then as sent. */
static enum sigv4_status
s3_check(const struct http_request *req, struct auth *a, const char *secret,
    const char *amzdate, struct sigv4_ctx *ctx, char *why, size_t whylen)
{
	enum sigv4_status st;

	if ((st = modes_check(req, a, secret, amzdate, ctx->payload, URI_S3,
	    URI_S3_RAW, "Check your key and signing method.", why,
	    whylen)) != SIGV4_OK)
		return st;
	memcpy(ctx->amzdate, amzdate, 16);
	ctx->amzdate[16] = '\0';
	snprintf(ctx->scope, sizeof(ctx->scope), "%.*s",
	    (int)(a->cred_len - a->id_len - 1), a->date);
	memcpy(ctx->seed, a->sig, 64);
	ctx->seed[64] = '\0';
	signing_key(secret, a->date, a->date_len, a->region, a->region_len,
	    a->service, a->service_len, ctx->key);
	return SIGV4_OK;
}

/* The decoded value of query parameter name (malloc'd), or NULL. */
static char *
qparam(const char *q, size_t len, const char *name)
{
	const char *p = q, *end = q + len, *amp;
	size_t nl = strlen(name);
	char *v;
	long k;

	for (; p < end; p = amp + 1) {
		if ((amp = memchr(p, '&', (size_t)(end - p))) == NULL)
			amp = end;
		if ((size_t)(amp - p) > nl && memcmp(p, name, nl) == 0 &&
		    p[nl] == '=') {
			if ((v = malloc((size_t)(amp - p))) == NULL)
				abort();
			k = buf_pct_decode(v, p + nl + 1,
			    (size_t)(amp - p) - nl - 1, 0);
			v[k] = '\0';
			return v;
		}
	}
	return NULL;
}

/* The query without its X-Amz-Signature pair. */
static char *
query_unsigned(const char *q, size_t len)
{
	const char *p = q, *end = q + len, *amp;
	struct buf b;

	buf_init(&b);
	for (; p < end; p = amp + 1) {
		if ((amp = memchr(p, '&', (size_t)(end - p))) == NULL)
			amp = end;
		if ((size_t)(amp - p) >= 16 &&
		    memcmp(p, "X-Amz-Signature=", 16) == 0)
			continue;
		if (b.len > 0)
			buf_addc(&b, '&');
		buf_add(&b, p, (size_t)(amp - p));
	}
	buf_addc(&b, '\0');
	return buf_steal(&b, NULL);
}

static void
auth_free(struct auth *a)
{
	free(a->query);
	free(a->qcred);
	free(a->qsigned);
	free(a->qsig);
}

/* A presigned URL: X-Amz-Algorithm, -Credential, -Date, -Expires,
 * -SignedHeaders and -Signature in the query. */
static enum sigv4_status
s3_presigned(const struct http_request *req, char *const *keys, size_t nkeys,
    time_t now, struct sigv4_ctx *ctx, char *why, size_t whylen)
{
	const char *q = req->query, *secret;
	size_t ql = req->query_len;
	char *alg = qparam(q, ql, "X-Amz-Algorithm");
	char *date = qparam(q, ql, "X-Amz-Date");
	char *exp = qparam(q, ql, "X-Amz-Expires"), *e = NULL;
	enum sigv4_status st;
	struct auth a;
	long expires = -1;
	time_t t;

	memset(&a, 0, sizeof(a));
	a.qcred = qparam(q, ql, "X-Amz-Credential");
	a.qsigned = qparam(q, ql, "X-Amz-SignedHeaders");
	a.qsig = qparam(q, ql, "X-Amz-Signature");
	if (exp != NULL)
		expires = strtol(exp, &e, 10);
	ctx->presigned = 1;
	snprintf(ctx->payload, sizeof(ctx->payload), "UNSIGNED-PAYLOAD");
	if (alg == NULL || strcmp(alg, ALGO) != 0 || a.qcred == NULL ||
	    a.qsigned == NULL || a.qsig == NULL || strlen(a.qsig) != 64 ||
	    date == NULL || e == NULL || *e != '\0' || expires < 1 ||
	    expires > 604800) {
		st = fail(SIGV4_MALFORMED, why, whylen, "Query-string "
		    "authentication version 4 requires the X-Amz-Algorithm, "
		    "X-Amz-Credential, X-Amz-Signature, X-Amz-Date, "
		    "X-Amz-SignedHeaders, and X-Amz-Expires parameters.");
		goto out;
	}
	a.cred = a.qcred, a.cred_len = strlen(a.qcred);
	a.signed_hdrs = a.qsigned, a.signed_len = strlen(a.qsigned);
	a.sig = a.qsig, a.sig_len = 64;
	a.query = query_unsigned(q, ql);
	if (auth_scope(&a) != 0 || (t = amz_date(date, strlen(date))) < 0 ||
	    memcmp(date, a.date, 8) != 0) {
		st = fail(SIGV4_MALFORMED, why, whylen, "X-Amz-Credential or "
		    "X-Amz-Date is malformed.");
		goto out;
	}
	if ((secret = key_find(keys, nkeys, a.id, a.id_len)) == NULL) {
		st = fail(SIGV4_UNKNOWN_KEY, why, whylen, "The AWS Access Key "
		    "Id you provided does not exist in our records.");
		goto out;
	}
	if (t > now + SIGV4_MAX_SKEW) {
		st = fail(SIGV4_EXPIRED, why, whylen, "Request is not yet "
		    "valid");
		goto out;
	}
	if (now > t + expires) {
		st = fail(SIGV4_URL_EXPIRED, why, whylen, "Request has expired");
		goto out;
	}
	st = s3_check(req, &a, secret, date, ctx, why, whylen);
out:
	auth_free(&a);
	free(alg);
	free(date);
	free(exp);
	return st;
}

enum sigv4_status
sigv4_verify_s3(const struct http_request *req, char *const *keys,
    size_t nkeys, time_t now, struct sigv4_ctx *ctx, char *why, size_t whylen)
{
	const char *v, *secret, *d;
	struct auth a;
	size_t n, dn;
	time_t t;

	memset(ctx, 0, sizeof(*ctx));
	if ((v = http_header_get(req, "Authorization", &n)) == NULL || n == 0) {
		if (memmem(req->query, req->query_len, "X-Amz-Signature=",
		    16) != NULL)
			return s3_presigned(req, keys, nkeys, now, ctx, why,
			    whylen);
		return fail(SIGV4_MISSING, why, whylen, "Access Denied");
	}
	if (auth_parse(v, n, &a) != 0)
		return fail(SIGV4_MALFORMED, why, whylen, "The authorization "
		    "header is malformed; AWS4-HMAC-SHA256 with Credential, "
		    "SignedHeaders and Signature is expected.");
	if ((secret = key_find(keys, nkeys, a.id, a.id_len)) == NULL)
		return fail(SIGV4_UNKNOWN_KEY, why, whylen, "The AWS Access Key "
		    "Id you provided does not exist in our records.");
	if (a.service_len != 2 || memcmp(a.service, "s3", 2) != 0)
		return fail(SIGV4_MALFORMED, why, whylen, "The authorization "
		    "header is malformed; the service is 's3'.");
	if ((d = http_header_get(req, "X-Amz-Date", &dn)) == NULL ||
	    (t = amz_date(d, dn)) < 0 || memcmp(d, a.date, 8) != 0)
		return fail(SIGV4_MALFORMED, why, whylen, "X-Amz-Date must be "
		    "YYYYMMDD'T'HHMMSS'Z' and match the Credential's date.");
	if (t < now - SIGV4_MAX_SKEW || t > now + SIGV4_MAX_SKEW)
		return fail(SIGV4_EXPIRED, why, whylen, "The difference "
		    "between the request time and the current time is too "
		    "large.");
	if ((v = http_header_get(req, "X-Amz-Content-Sha256", &n)) == NULL)
		sigv4_sha256_hex(req->body != NULL ? req->body : "",
		    req->body_len, ctx->payload);
	else if (!s3_payload_ok(v, n))
		return fail(SIGV4_MALFORMED, why, whylen, "x-amz-content-sha256 "
		    "must be UNSIGNED-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-"
		    "PAYLOAD, or a valid sha256 value.");
	else
		snprintf(ctx->payload, sizeof(ctx->payload), "%.*s", (int)n, v);
	return s3_check(req, &a, secret, d, ctx, why, whylen);
}

void
sigv4_ctx_key(struct sigv4_ctx *c, const char *secret, const char *region)
{
	signing_key(secret, c->amzdate, 8, region, strlen(region), "s3", 2,
	    c->key);
}

/* HMAC of the string to sign of one chunk or of the trailer. */
static void
chain_sig(const struct sigv4_ctx *c, const char *algo, const char *prev,
    const char *hashes, char out[65])
{
	unsigned char k[32];
	struct buf sts;

	buf_init(&sts);
	buf_printf(&sts, "%s\n%s\n%s\n%.64s\n%s", algo, c->amzdate, c->scope,
	    prev, hashes);
	hmac(c->key, 32, sts.data, sts.len, k);
	hex(k, 32, out);
	buf_free(&sts);
}

void
sigv4_chunk_sig(const struct sigv4_ctx *c, const char *prev, const void *data,
    size_t n, char out[65])
{
	char h[65 + 65];

	sigv4_sha256_hex("", 0, h);
	h[64] = '\n';
	sigv4_sha256_hex(data, n, h + 65);
	chain_sig(c, ALGO "-PAYLOAD", prev, h, out);
}

void
sigv4_trailer_sig(const struct sigv4_ctx *c, const char *prev,
    const void *trailer, size_t n, char out[65])
{
	char h[65];

	sigv4_sha256_hex(trailer, n, h);
	chain_sig(c, ALGO "-TRAILER", prev, h, out);
}

const char *
sigv4_error_type(enum sigv4_status st)
{
	switch (st) {
	case SIGV4_OK:
		return NULL;
	case SIGV4_MISSING:
		return "MissingAuthenticationTokenException";
	case SIGV4_MALFORMED:
		return "IncompleteSignatureException";
	case SIGV4_UNKNOWN_KEY:
		return "UnrecognizedClientException";
	case SIGV4_EXPIRED:
	case SIGV4_URL_EXPIRED:
	case SIGV4_MISMATCH:
		break;
	}
	return "InvalidSignatureException";
}

/* ---- signing, as a client ------------------------------------------------ */

void
sigv4_amz_date(time_t now, char out[17])
{
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm);
}

int
sigv4_sign(const char *key, const char *region, const char *service,
    const char *method, const char *path, const struct http_header *hdrs,
    size_t nhdrs, const void *body, size_t blen, const char *amzdate,
    struct buf *authz)
{
	const char *colon = strchr(key, ':');
	struct buf canon, sts, names;
	char bh[65], ch[65], sig[65];
	size_t i;

	if (colon == NULL || colon == key || strlen(amzdate) != 16)
		return -1;
	buf_init(&canon);
	buf_init(&names);
	buf_printf(&canon, "%s\n", method);
	sigv4_canonical_uri(path, strlen(path), 1, &canon);
	buf_adds(&canon, "\n\n");
	for (i = 0; i < nhdrs; i++) {
		buf_add(&canon, hdrs[i].name, hdrs[i].name_len);
		buf_addc(&canon, ':');
		buf_add(&canon, hdrs[i].value, hdrs[i].value_len);
		buf_addc(&canon, '\n');
		if (i > 0)
			buf_addc(&names, ';');
		buf_add(&names, hdrs[i].name, hdrs[i].name_len);
	}
	sigv4_sha256_hex(body, blen, bh);
	buf_printf(&canon, "\n%s\n%s", names.data, bh);
	sigv4_sha256_hex(canon.data, canon.len, ch);
	buf_init(&sts);
	buf_printf(&sts, ALGO "\n%s\n%.8s/%s/%s/aws4_request\n%s", amzdate,
	    amzdate, region, service, ch);
	{
		char secret[256];

		snprintf(secret, sizeof(secret), "%s", colon + 1);
		signature_hex(secret, amzdate, 8, region, strlen(region),
		    service, strlen(service), &sts, sig);
		OPENSSL_cleanse(secret, sizeof(secret));
	}
	buf_printf(authz, ALGO " Credential=%.*s/%.8s/%s/%s/aws4_request, "
	    "SignedHeaders=%s, Signature=%s", (int)(colon - key), key, amzdate,
	    region, service, names.data, sig);
	buf_free(&canon);
	buf_free(&sts);
	buf_free(&names);
	return 0;
}
