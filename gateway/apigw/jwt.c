/*
 * jwt: decode and verify a compact JWS and check its claims as API
 * Gateway's JWT authorizer does (the keysets are jwt_keys.c's).  See jwt.h.
 *
 * The decoding is strict on purpose, so that no two texts are the same
 * token: base64url without padding and with its unused low bits zero, JSON
 * with nothing after the value and no NUL inside, an RSA signature exactly
 * as long as the modulus, an ES256 one exactly 64 bytes.  The payload is
 * not parsed before its signature checks out, and the alg is checked
 * against the key before the key is used for anything.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "jwt.h"
#include "jwt_int.h"

static const char *const status_names[JWT_STATUS_COUNT] = {
	[JWT_OK] = "ok",
	[JWT_ENOTOKEN] = "missing_token",
	[JWT_EMALFORMED] = "malformed",
	[JWT_EALG] = "bad_alg",
	[JWT_EKID] = "unknown_kid",
	[JWT_ESIG] = "bad_signature",
	[JWT_EISS] = "bad_issuer",
	[JWT_EAUD] = "bad_audience",
	[JWT_EEXP] = "expired",
	[JWT_ENBF] = "not_yet_valid",
	[JWT_EIAT] = "issued_in_future",
	[JWT_ESCOPE] = "insufficient_scope",
	[JWT_ENOMEM] = "internal",
};

const char *
jwt_status_name(enum jwt_status st)
{
	if ((unsigned)st >= JWT_STATUS_COUNT)
		return "unknown";
	return status_names[st];
}

int
jwt_status_http(enum jwt_status st)
{
	switch (st) {
	case JWT_OK:
		return 0;
	case JWT_ESCOPE:
		return 403;
	case JWT_ENOMEM:
		return 500;
	default:
		return 401;
	}
}

static const char *
alg_name(enum jwt_alg alg)
{
	switch (alg) {
	case ALG_RS256: return "RS256";
	case ALG_ES256: return "ES256";
	case ALG_HS256: return "HS256";
	default: return "?";
	}
}

/* ---- JSON ------------------------------------------------------------------ */

/* A JSON object from base64url text; NULL with errno EINVAL or ENOMEM. */
static cJSON *
b64url_json(const char *s, size_t n)
{
	unsigned char *txt;
	const char *end = NULL;
	size_t len;
	cJSON *j;
	int rc;

	if ((rc = jwt_b64url_decode(s, n, &txt, &len)) != 0) {
		errno = -rc;
		return NULL;
	}
	/* A NUL inside would end cJSON's text early: "{}\0junk" is not JSON. */
	j = strlen((char *)txt) == len ?
	    cJSON_ParseWithOpts((char *)txt, &end, 1) : NULL;
	free(txt);
	if (j != NULL && !cJSON_IsObject(j)) {
		cJSON_Delete(j);
		j = NULL;
	}
	errno = EINVAL;
	return j;
}

/* ---- results --------------------------------------------------------------- */

static enum jwt_status __attribute__((format(printf, 3, 4)))
fail(struct jwt_result *r, enum jwt_status st, const char *fmt, ...)
{
	va_list ap;

	r->status = st;
	va_start(ap, fmt);
	vsnprintf(r->why, sizeof(r->why), fmt, ap);
	va_end(ap);
	return st;
}

/* What a token said, safe for a log line: printable ASCII, at most 48. */
static const char *
clean(const char *s, char out[52])
{
	size_t i;

	for (i = 0; s[i] != '\0' && i < 48; i++)
		out[i] = s[i] >= 0x20 && s[i] < 0x7f && s[i] != '"' ? s[i] : '?';
	if (s[i] != '\0')
		out[i++] = '~';
	out[i] = '\0';
	return out;
}

void
jwt_result_free(struct jwt_result *r)
{
	if (r == NULL)
		return;
	cJSON_Delete(r->claims);
	cJSON_Delete(r->scopes);
	r->claims = NULL;
	r->scopes = NULL;
}

/* ---- signatures ------------------------------------------------------------- */

/* JOSE's r||s as the DER ECDSA-Sig-Value OpenSSL verifies; its length or 0. */
static int
es256_der(const unsigned char *sig, unsigned char **der)
{
	ECDSA_SIG *es;
	BIGNUM *r, *s;
	int n;

	if ((es = ECDSA_SIG_new()) == NULL)
		return 0;
	r = BN_bin2bn(sig, 32, NULL);
	s = BN_bin2bn(sig + 32, 32, NULL);
	if (r == NULL || s == NULL || ECDSA_SIG_set0(es, r, s) != 1) {
		BN_free(r);
		BN_free(s);
		ECDSA_SIG_free(es);
		return 0;
	}
	*der = NULL;
	n = i2d_ECDSA_SIG(es, der);
	ECDSA_SIG_free(es);
	return n > 0 ? n : 0;
}

/* 1 if sig is the key's over data, 0 if not, -1 out of memory. */
static int
sig_ok(const struct jwt_key *k, const char *data, size_t len,
    const unsigned char *sig, size_t siglen)
{
	unsigned char md[EVP_MAX_MD_SIZE], *der = NULL;
	unsigned int mdlen = 0;
	EVP_MD_CTX *ctx;
	int ok, derlen;

	if (k->alg == ALG_HS256) {
		if (HMAC(EVP_sha256(), k->secret, (int)k->secretlen,
		    (const unsigned char *)data, len, md, &mdlen) == NULL)
			return -1;
		return siglen == mdlen && CRYPTO_memcmp(md, sig, mdlen) == 0;
	}
	/* RFC 7518 3.3, 3.4: the signature is exactly the modulus's length,
	 * or r and s of 32 bytes each; other lengths are other texts. */
	if (k->alg == ALG_RS256 && siglen != (size_t)EVP_PKEY_get_size(k->pkey))
		return 0;
	if (k->alg == ALG_ES256) {
		if (siglen != 64)
			return 0;
		if ((derlen = es256_der(sig, &der)) == 0)
			return -1;
		sig = der;
		siglen = (size_t)derlen;
	}
	if ((ctx = EVP_MD_CTX_new()) == NULL) {
		OPENSSL_free(der);
		return -1;
	}
	ok = EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, k->pkey) == 1 &&
	    EVP_DigestVerify(ctx, sig, siglen, (const unsigned char *)data,
	    len) == 1;
	EVP_MD_CTX_free(ctx);
	OPENSSL_free(der);
	return ok;
}

/*
 * The key for the token's header: the alg must be one we verify and the
 * one of the key its kid names.  HS256 is never tried against a JWKS.
 */
static enum jwt_status
pick_key(const struct jwt_keyset *ks, const cJSON *hdr, struct jwt_result *r,
    const struct jwt_key **out)
{
	const cJSON *alg = cJSON_GetObjectItemCaseSensitive(hdr, "alg");
	const cJSON *kid = cJSON_GetObjectItemCaseSensitive(hdr, "kid");
	enum jwt_alg a;
	char c1[52], c2[52];
	size_t i;

	if (!cJSON_IsString(alg))
		return fail(r, JWT_EMALFORMED, "the header has no alg");
	if ((a = jwt_alg_parse(alg->valuestring)) == ALG_OTHER)
		return fail(r, JWT_EALG, "alg \"%s\" is not accepted (RS256, "
		    "ES256, HS256)", clean(alg->valuestring, c1));
	if (cJSON_GetObjectItemCaseSensitive(hdr, "crit") != NULL)
		return fail(r, JWT_EALG, "the header names crit extensions, "
		    "which lambdad does not implement");
	if (ks->symmetric) {
		if (a != ALG_HS256)
			return fail(r, JWT_EALG, "alg %s, but the authorizer "
			    "has an HS256 secret", alg_name(a));
		*out = &ks->keys[0];
		return JWT_OK;
	}
	if (a == ALG_HS256)
		return fail(r, JWT_EALG, "alg HS256 refused: the authorizer "
		    "holds public keys (key confusion)");
	if (!cJSON_IsString(kid))
		return fail(r, JWT_EKID, "the header has no kid");
	for (i = 0; i < ks->n; i++)
		if (strcmp(ks->keys[i].kid, kid->valuestring) == 0)
			break;
	if (i == ks->n)
		return fail(r, JWT_EKID, "no key has kid \"%s\"",
		    clean(kid->valuestring, c1));
	if (ks->keys[i].alg != a)
		return fail(r, JWT_EALG, "alg %s, but kid \"%s\" is an %s key",
		    alg_name(a), clean(kid->valuestring, c2),
		    alg_name(ks->keys[i].alg));
	*out = &ks->keys[i];
	return JWT_OK;
}

/* ---- claims --------------------------------------------------------------------- */

static bool
is_audience(const struct jwt_authorizer *a, const cJSON *v)
{
	size_t i;

	if (!cJSON_IsString(v))
		return false;
	for (i = 0; i < a->naudiences; i++)
		if (strcmp(v->valuestring, a->audiences[i]) == 0)
			return true;
	return false;
}

/* aud (a string or an array of them), or client_id only without aud. */
static enum jwt_status
check_aud(const struct jwt_authorizer *a, const cJSON *claims,
    struct jwt_result *r)
{
	const cJSON *aud = cJSON_GetObjectItemCaseSensitive(claims, "aud");
	const cJSON *e;

	if (aud == NULL) {
		if (is_audience(a, cJSON_GetObjectItemCaseSensitive(claims,
		    "client_id")))
			return JWT_OK;
		return fail(r, JWT_EAUD, "neither aud nor client_id is an "
		    "audience of the authorizer");
	}
	if (cJSON_IsArray(aud)) {
		cJSON_ArrayForEach(e, aud)
			if (is_audience(a, e))
				return JWT_OK;
	} else if (is_audience(a, aud))
		return JWT_OK;
	return fail(r, JWT_EAUD, "aud names none of the authorizer's "
	    "audiences");
}

/* A NumericDate claim: 1 and *v, 0 absent, -1 not a number. */
static int
numeric_date(const cJSON *claims, const char *name, double *v)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(claims, name);

	if (m == NULL)
		return 0;
	if (!cJSON_IsNumber(m) || !isfinite(m->valuedouble))
		return -1;
	*v = m->valuedouble;
	return 1;
}

static enum jwt_status
check_times(const struct jwt_authorizer *a, const cJSON *claims, time_t now,
    struct jwt_result *r)
{
	double t = (double)now, lee = (double)a->leeway_s, v = 0;
	int rc;

	if ((rc = numeric_date(claims, "exp", &v)) <= 0)
		return fail(r, JWT_EEXP, rc == 0 ? "the token has no exp" :
		    "exp is not a number");
	if (t >= v + lee)
		return fail(r, JWT_EEXP, "expired at %.0f (now %lld, leeway "
		    "%u s)", v, (long long)now, a->leeway_s);
	if ((rc = numeric_date(claims, "nbf", &v)) < 0)
		return fail(r, JWT_ENBF, "nbf is not a number");
	if (rc > 0 && v > t + lee)
		return fail(r, JWT_ENBF, "not valid before %.0f (now %lld, "
		    "leeway %u s)", v, (long long)now, a->leeway_s);
	if ((rc = numeric_date(claims, "iat", &v)) < 0)
		return fail(r, JWT_EIAT, "iat is not a number");
	if (rc > 0 && v > t + lee)
		return fail(r, JWT_EIAT, "issued at %.0f, in the future (now "
		    "%lld, leeway %u s)", v, (long long)now, a->leeway_s);
	return JWT_OK;
}

/* Append the space-separated words of s to arr; 0 or -1. */
static int
add_words(cJSON *arr, const char *s)
{
	const char *e;
	cJSON *w;
	char *dup;

	for (;;) {
		while (*s == ' ')
			s++;
		if (*s == '\0')
			return 0;
		for (e = s; *e != '\0' && *e != ' '; e++)
			;
		if ((dup = strndup(s, (size_t)(e - s))) == NULL)
			return -1;
		w = cJSON_CreateString(dup);
		free(dup);
		if (w == NULL || !cJSON_AddItemToArray(arr, w)) {
			cJSON_Delete(w);
			return -1;
		}
		s = e;
	}
}

/* scp (an array, or space-separated as some providers send it) and scope
 * (space-separated), in that order.  NULL with *oom false: neither. */
static cJSON *
token_scopes(const cJSON *claims, bool *oom)
{
	const cJSON *scope = cJSON_GetObjectItemCaseSensitive(claims, "scope");
	const cJSON *scp = cJSON_GetObjectItemCaseSensitive(claims, "scp");
	const cJSON *e;
	cJSON *arr;

	*oom = false;
	if (!cJSON_IsString(scope) && !cJSON_IsString(scp) && !cJSON_IsArray(scp))
		return NULL;
	if ((arr = cJSON_CreateArray()) == NULL)
		goto nomem;
	if (cJSON_IsString(scp) && add_words(arr, scp->valuestring) != 0)
		goto nomem;
	if (cJSON_IsArray(scp))
		cJSON_ArrayForEach(e, scp)
			if (cJSON_IsString(e) && add_words(arr, e->valuestring) != 0)
				goto nomem;
	if (cJSON_IsString(scope) && add_words(arr, scope->valuestring) != 0)
		goto nomem;
	return arr;
nomem:
	cJSON_Delete(arr);
	*oom = true;
	return NULL;
}

static bool
has_scope(const cJSON *have, const char *const *want, size_t nwant)
{
	const cJSON *e;
	size_t i;

	cJSON_ArrayForEach(e, have)
		for (i = 0; i < nwant; i++)
			if (strcmp(e->valuestring, want[i]) == 0)
				return true;
	return false;
}

static enum jwt_status
check_claims(const struct jwt_authorizer *a, const cJSON *claims,
    const char *const *scopes, size_t nscopes, time_t now,
    struct jwt_result *r)
{
	const cJSON *iss = cJSON_GetObjectItemCaseSensitive(claims, "iss");
	enum jwt_status st;
	char c1[52];
	bool oom;

	if (!cJSON_IsString(iss))
		return fail(r, JWT_EISS, "the token has no iss");
	if (strcmp(iss->valuestring, a->issuer) != 0)
		return fail(r, JWT_EISS, "iss \"%s\" is not the issuer",
		    clean(iss->valuestring, c1));
	if ((st = check_aud(a, claims, r)) != JWT_OK ||
	    (st = check_times(a, claims, now, r)) != JWT_OK)
		return st;
	r->route_scoped = nscopes > 0;
	r->scopes = token_scopes(claims, &oom);
	if (oom)
		return fail(r, JWT_ENOMEM, "out of memory");
	if (nscopes > 0 && (r->scopes == NULL ||
	    !has_scope(r->scopes, scopes, nscopes)))
		return fail(r, JWT_ESCOPE, "the token has none of the route's "
		    "%zu scopes", nscopes);
	return JWT_OK;
}

/* ---- the token ---------------------------------------------------------------- */

enum jwt_status
jwt_verify(const struct jwt_authorizer *a, const char *token, size_t len,
    const char *const *scopes, size_t nscopes, time_t now,
    struct jwt_result *out)
{
	const char *d1, *d2;
	const struct jwt_key *k = NULL;
	unsigned char *sig = NULL;
	size_t siglen;
	cJSON *hdr = NULL, *claims;
	enum jwt_status st;
	int rc;

	memset(out, 0, sizeof(*out));
	if (token == NULL || len == 0)
		return fail(out, JWT_ENOTOKEN, "no token");
	if (a == NULL || a->keys == NULL)
		return fail(out, JWT_EKID, "the authorizer has no keys");
	if (len > JWT_TOKEN_MAX)
		return fail(out, JWT_EMALFORMED, "a token of %zu bytes (at most "
		    "%d)", len, JWT_TOKEN_MAX);
	d1 = memchr(token, '.', len);
	d2 = d1 != NULL ? memchr(d1 + 1, '.', len - (size_t)(d1 + 1 - token)) :
	    NULL;
	if (d2 == NULL || memchr(d2 + 1, '.', len - (size_t)(d2 + 1 - token)))
		return fail(out, JWT_EMALFORMED, "not header.payload.signature "
		    "(a JWS in compact form)");
	if ((hdr = b64url_json(token, (size_t)(d1 - token))) == NULL)
		return errno == ENOMEM ? fail(out, JWT_ENOMEM, "out of memory") :
		    fail(out, JWT_EMALFORMED, "the header is not base64url JSON");
	if ((st = pick_key(a->keys, hdr, out, &k)) != JWT_OK)
		goto done;
	rc = jwt_b64url_decode(d2 + 1, len - (size_t)(d2 + 1 - token), &sig, &siglen);
	if (rc != 0) {
		st = rc == -ENOMEM ? fail(out, JWT_ENOMEM, "out of memory") :
		    fail(out, JWT_EMALFORMED, "the signature is not base64url");
		goto done;
	}
	if ((rc = sig_ok(k, token, (size_t)(d2 - token), sig, siglen)) <= 0) {
		st = rc < 0 ? fail(out, JWT_ENOMEM, "out of memory") :
		    fail(out, JWT_ESIG, "the %s signature does not verify%s%s",
		    alg_name(k->alg), k->kid != NULL ? " with kid " : "",
		    k->kid != NULL ? k->kid : "");
		goto done;
	}
	/* Only now is the payload worth reading. */
	if ((claims = b64url_json(d1 + 1, (size_t)(d2 - d1 - 1))) == NULL) {
		st = errno == ENOMEM ? fail(out, JWT_ENOMEM, "out of memory") :
		    fail(out, JWT_EMALFORMED, "the payload is not base64url "
		    "JSON");
		goto done;
	}
	out->claims = claims;
	st = check_claims(a, claims, scopes, nscopes, now, out);
	if (st == JWT_OK)
		snprintf(out->why, sizeof(out->why), "ok");
done:
	out->status = st;
	if (st != JWT_OK && st != JWT_ESCOPE)
		jwt_result_free(out);
	cJSON_Delete(hdr);
	free(sig);
	return st;
}

const char *
jwt_token_from_value(const char *value, size_t len, size_t *tlen)
{
	*tlen = 0;
	if (value == NULL)
		return NULL;
	while (len > 0 && (value[len - 1] == ' ' || value[len - 1] == '\t'))
		len--;
	while (len > 0 && (*value == ' ' || *value == '\t')) {
		value++;
		len--;
	}
	/* "Bearer" alone is a prefix with nothing after it (the parser
	 * dropped the trailing blank). */
	if (len >= 6 && strncasecmp(value, "bearer", 6) == 0 &&
	    (len == 6 || value[6] == ' ' || value[6] == '\t')) {
		value += 6;
		len -= 6;
		while (len > 0 && (*value == ' ' || *value == '\t')) {
			value++;
			len--;
		}
	}
	if (len == 0)
		return NULL;
	*tlen = len;
	return value;
}

int
jwt_authorize(const struct jwt_authorizer *a, const char *header_value,
    size_t len, const char *const *scopes, size_t nscopes, time_t now,
    struct jwt_result *out)
{
	const char *tok;
	size_t tlen;

	tok = jwt_token_from_value(header_value, len, &tlen);
	return jwt_status_http(jwt_verify(a, tok, tlen, scopes, nscopes, now,
	    out));
}

/* ---- the event's requestContext.authorizer.jwt ------------------------------ */

/* A claim as API Gateway hands it to the function: a string. */
static char *
claim_string(const cJSON *v, int depth)
{
	const cJSON *e;
	char *s = NULL, *part, *grown;
	size_t n = 1, plen;

	if (cJSON_IsString(v))
		return strdup(v->valuestring);
	if (!cJSON_IsArray(v) || depth > 0)
		return cJSON_PrintUnformatted(v);
	if ((s = strdup("[")) == NULL)
		return NULL;
	cJSON_ArrayForEach(e, v) {
		if ((part = claim_string(e, depth + 1)) == NULL)
			goto nomem;
		plen = strlen(part);
		if ((grown = realloc(s, n + plen + 3)) == NULL) {
			free(part);
			goto nomem;
		}
		s = grown;
		if (n > 1)
			s[n++] = ' ';
		memcpy(s + n, part, plen);
		n += plen;
		s[n] = '\0';
		free(part);
	}
	s[n++] = ']';
	s[n] = '\0';
	return s;
nomem:
	free(s);
	return NULL;
}

cJSON *
jwt_event_context(const struct jwt_result *r)
{
	const cJSON *e;
	cJSON *ctx, *claims, *scopes;
	char *s;

	if ((ctx = cJSON_CreateObject()) == NULL ||
	    (claims = cJSON_AddObjectToObject(ctx, "claims")) == NULL)
		goto nomem;
	cJSON_ArrayForEach(e, r->claims) {
		if (cJSON_IsNull(e))
			continue;	/* API Gateway leaves them out */
		if ((s = claim_string(e, 0)) == NULL)
			goto nomem;
		if (cJSON_AddStringToObject(claims, e->string, s) == NULL) {
			free(s);
			goto nomem;
		}
		free(s);
	}
	scopes = r->route_scoped && r->scopes != NULL ?
	    cJSON_Duplicate(r->scopes, 1) : cJSON_CreateNull();
	if (scopes == NULL || !cJSON_AddItemToObject(ctx, "scopes", scopes)) {
		cJSON_Delete(scopes);
		goto nomem;
	}
	return ctx;
nomem:
	cJSON_Delete(ctx);
	return NULL;
}
