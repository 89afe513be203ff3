/*
 * jwt_keys: the keysets the JWT authorizer verifies with, built once from
 * a JWKS document or an HS256 secret (config load and reload), and the
 * strict base64url both they and the tokens are written in.  See jwt.h.
 *
 * A public key is built with OpenSSL 3's EVP_PKEY_fromdata from its JWK
 * members (RSA n and e, EC P-256 x and y) and checked then, so that a
 * weak RSA modulus or a point off the curve is a configuration error
 * rather than something a token could exploit.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include "jwt.h"
#include "jwt_int.h"

enum jwt_alg
jwt_alg_parse(const char *s)
{
	if (strcmp(s, "RS256") == 0)
		return ALG_RS256;
	if (strcmp(s, "ES256") == 0)
		return ALG_ES256;
	if (strcmp(s, "HS256") == 0)
		return ALG_HS256;
	return ALG_OTHER;
}

/* ---- base64url --------------------------------------------------- */

static int
b64url_val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

/*
 * Decode n characters of unpadded base64url into a new NUL-terminated
 * buffer.  0, -EINVAL (a character outside the alphabet, a length no
 * encoding has, or unused bits that are not zero: a second spelling of
 * the same bytes), or -ENOMEM.
 */
int
jwt_b64url_decode(const char *s, size_t n, unsigned char **out, size_t *outlen)
{
	unsigned char *buf;
	unsigned long acc = 0;
	size_t i, o = 0;
	int bits = 0, v;

	if (n % 4 == 1)
		return -EINVAL;
	if ((buf = malloc(n / 4 * 3 + 3)) == NULL)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		if ((v = b64url_val((unsigned char)s[i])) < 0)
			goto bad;
		acc = (acc << 6 | (unsigned long)v) & 0xffffff;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf[o++] = (unsigned char)(acc >> bits);
		}
	}
	if ((acc & ((1UL << bits) - 1)) != 0)
		goto bad;
	buf[o] = '\0';
	*out = buf;
	*outlen = o;
	return 0;
bad:
	free(buf);
	return -EINVAL;
}

/* ---- keysets ---------------------------------------------------------------- */

static void
key_clear(struct jwt_key *k)
{
	free(k->kid);
	EVP_PKEY_free(k->pkey);
	if (k->secret != NULL)
		OPENSSL_clear_free(k->secret, k->secretlen);
}

void
jwt_keyset_free(struct jwt_keyset *ks)
{
	size_t i;

	if (ks == NULL)
		return;
	for (i = 0; i < ks->n; i++)
		key_clear(&ks->keys[i]);
	free(ks->keys);
	free(ks);
}

size_t
jwt_keyset_count(const struct jwt_keyset *ks)
{
	return ks != NULL ? ks->n : 0;
}

static int __attribute__((format(printf, 3, 4)))
say(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (whylen > 0) {
		va_start(ap, fmt);
		vsnprintf(why, whylen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* A JWK member decoded from base64url: 0, or -1 with why. */
static int
jwk_bytes(const cJSON *jwk, const char *name, size_t idx, unsigned char **out,
    size_t *outlen, char *why, size_t whylen)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(jwk, name);
	int rc;

	if (!cJSON_IsString(m))
		return say(why, whylen, "key %zu: \"%s\" is missing", idx, name);
	rc = jwt_b64url_decode(m->valuestring, strlen(m->valuestring), out, outlen);
	if (rc == -ENOMEM)
		return say(why, whylen, "out of memory");
	if (rc != 0 || *outlen == 0) {
		free(rc == 0 ? *out : NULL);
		return say(why, whylen, "key %zu: \"%s\" is not base64url "
		    "(unpadded, RFC 7515)", idx, name);
	}
	return 0;
}

static EVP_PKEY *
pkey_fromdata(const char *type, OSSL_PARAM *params)
{
	EVP_PKEY_CTX *ctx;
	EVP_PKEY *pkey = NULL;

	if ((ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL)) == NULL)
		return NULL;
	if (EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1)
		pkey = NULL;
	EVP_PKEY_CTX_free(ctx);
	return pkey;
}

/* An RSA public key from n and e; NULL with why. */
static EVP_PKEY *
jwk_rsa(const cJSON *jwk, size_t idx, char *why, size_t whylen)
{
	unsigned char *nb = NULL, *eb = NULL;
	size_t nlen, elen;
	BIGNUM *n = NULL, *e = NULL;
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY *pkey = NULL;

	if (jwk_bytes(jwk, "n", idx, &nb, &nlen, why, whylen) != 0 ||
	    jwk_bytes(jwk, "e", idx, &eb, &elen, why, whylen) != 0)
		goto out;
	if ((n = BN_bin2bn(nb, (int)nlen, NULL)) == NULL ||
	    (e = BN_bin2bn(eb, (int)elen, NULL)) == NULL ||
	    (bld = OSSL_PARAM_BLD_new()) == NULL ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) ||
	    (params = OSSL_PARAM_BLD_to_param(bld)) == NULL) {
		say(why, whylen, "out of memory");
		goto out;
	}
	if (!BN_is_odd(e) || BN_is_one(e) || !BN_is_odd(n) ||
	    (pkey = pkey_fromdata("RSA", params)) == NULL) {
		say(why, whylen, "key %zu: not a valid RSA public key", idx);
		goto out;
	}
	if (EVP_PKEY_get_bits(pkey) < JWT_RSA_MIN_BITS) {
		say(why, whylen, "key %zu: an RSA key of %d bits (RS256 needs "
		    "%d or more)", idx, EVP_PKEY_get_bits(pkey),
		    JWT_RSA_MIN_BITS);
		EVP_PKEY_free(pkey);
		pkey = NULL;
	}
out:
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(n);
	BN_free(e);
	free(nb);
	free(eb);
	return pkey;
}

/* A P-256 public key from x and y (32 bytes each), checked on the curve. */
static EVP_PKEY *
jwk_ec(const cJSON *jwk, size_t idx, char *why, size_t whylen)
{
	unsigned char *x = NULL, *y = NULL, pub[65];
	char group[] = "prime256v1";
	size_t xlen, ylen;
	OSSL_PARAM params[3];
	EVP_PKEY_CTX *ctx;
	EVP_PKEY *pkey = NULL;

	if (jwk_bytes(jwk, "x", idx, &x, &xlen, why, whylen) != 0 ||
	    jwk_bytes(jwk, "y", idx, &y, &ylen, why, whylen) != 0)
		goto out;
	if (xlen != 32 || ylen != 32) {
		say(why, whylen, "key %zu: P-256 coordinates are 32 bytes, "
		    "not %zu and %zu", idx, xlen, ylen);
		goto out;
	}
	pub[0] = 0x04;		/* uncompressed: 04 || x || y (SEC 1) */
	memcpy(pub + 1, x, 32);
	memcpy(pub + 33, y, 32);
	params[0] = OSSL_PARAM_construct_utf8_string(
	    OSSL_PKEY_PARAM_GROUP_NAME, group, 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY,
	    pub, sizeof(pub));
	params[2] = OSSL_PARAM_construct_end();
	pkey = pkey_fromdata("EC", params);
	/* fromdata may take a point it has not checked: a point off the
	 * curve is the invalid-curve attack's way in. */
	ctx = pkey != NULL ? EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL) : NULL;
	if (pkey == NULL || ctx == NULL || EVP_PKEY_public_check(ctx) != 1) {
		say(why, whylen, "key %zu: not a point of P-256", idx);
		EVP_PKEY_free(pkey);
		pkey = NULL;
	}
	EVP_PKEY_CTX_free(ctx);
out:
	free(x);
	free(y);
	return pkey;
}

static bool
jwk_str_is(const cJSON *jwk, const char *name, const char *want)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(jwk, name);

	return cJSON_IsString(m) && strcmp(m->valuestring, want) == 0;
}

/*
 * One member of "keys": 1 if it was added, 0 if skipped (not a signing
 * key of a type we verify), -1 with why.
 */
static int
jwk_add(struct jwt_keyset *ks, const cJSON *jwk, size_t idx, char *why,
    size_t whylen)
{
	const cJSON *kid, *use, *alg;
	struct jwt_key k, *nk;
	size_t i;

	memset(&k, 0, sizeof(k));
	if (!cJSON_IsObject(jwk))
		return say(why, whylen, "key %zu is not an object", idx);
	use = cJSON_GetObjectItemCaseSensitive(jwk, "use");
	if (use != NULL && !jwk_str_is(jwk, "use", "sig"))
		return 0;
	if (jwk_str_is(jwk, "kty", "RSA"))
		k.alg = ALG_RS256;
	else if (jwk_str_is(jwk, "kty", "EC") && jwk_str_is(jwk, "crv", "P-256"))
		k.alg = ALG_ES256;
	else
		return 0;
	alg = cJSON_GetObjectItemCaseSensitive(jwk, "alg");
	if (alg != NULL && (!cJSON_IsString(alg) ||
	    jwt_alg_parse(alg->valuestring) != k.alg))
		return 0;	/* meant for an alg we do not verify */
	kid = cJSON_GetObjectItemCaseSensitive(jwk, "kid");
	if (!cJSON_IsString(kid) || kid->valuestring[0] == '\0')
		return say(why, whylen, "key %zu has no kid (a token names its "
		    "key by kid)", idx);
	for (i = 0; i < ks->n; i++)
		if (strcmp(ks->keys[i].kid, kid->valuestring) == 0)
			return say(why, whylen, "key %zu: kid \"%.64s\" is "
			    "given twice", idx, kid->valuestring);
	k.pkey = k.alg == ALG_RS256 ? jwk_rsa(jwk, idx, why, whylen) :
	    jwk_ec(jwk, idx, why, whylen);
	if (k.pkey == NULL)
		return -1;
	if ((k.kid = strdup(kid->valuestring)) == NULL ||
	    (nk = reallocarray(ks->keys, ks->n + 1, sizeof(*nk))) == NULL) {
		key_clear(&k);
		return say(why, whylen, "out of memory");
	}
	ks->keys = nk;
	ks->keys[ks->n++] = k;
	return 1;
}

struct jwt_keyset *
jwt_keyset_from_jwks(const char *doc, size_t len, char *why, size_t whylen)
{
	struct jwt_keyset *ks;
	const cJSON *keys, *jwk;
	cJSON *root;
	size_t idx = 0;

	if ((root = cJSON_ParseWithLength(doc, len)) == NULL) {
		say(why, whylen, "not JSON");
		return NULL;
	}
	keys = cJSON_GetObjectItemCaseSensitive(root, "keys");
	if (!cJSON_IsArray(keys)) {
		say(why, whylen, "not a JWKS document (no \"keys\" array)");
		cJSON_Delete(root);
		return NULL;
	}
	if ((ks = calloc(1, sizeof(*ks))) == NULL) {
		say(why, whylen, "out of memory");
		cJSON_Delete(root);
		return NULL;
	}
	cJSON_ArrayForEach(jwk, keys) {
		if (jwk_add(ks, jwk, idx++, why, whylen) < 0) {
			jwt_keyset_free(ks);
			ks = NULL;
			break;
		}
	}
	cJSON_Delete(root);
	if (ks != NULL && ks->n == 0) {
		say(why, whylen, "no signing key of a type lambdad verifies "
		    "(RSA, or EC on P-256)");
		jwt_keyset_free(ks);
		ks = NULL;
	}
	return ks;
}

struct jwt_keyset *
jwt_keyset_from_secret(const void *data, size_t len, char *why,
    size_t whylen)
{
	const unsigned char *p = data;
	struct jwt_keyset *ks;

	if (len > 0 && p[len - 1] == '\n')
		len--;
	if (len > 0 && p[len - 1] == '\r')
		len--;
	if (len < JWT_SECRET_MIN) {
		say(why, whylen, "an HS256 secret of %zu bytes (%d or more "
		    "needed)", len, JWT_SECRET_MIN);
		return NULL;
	}
	if ((ks = calloc(1, sizeof(*ks))) == NULL ||
	    (ks->keys = calloc(1, sizeof(*ks->keys))) == NULL ||
	    (ks->keys[0].secret = malloc(len)) == NULL) {
		jwt_keyset_free(ks);
		say(why, whylen, "out of memory");
		return NULL;
	}
	ks->n = 1;
	ks->symmetric = true;
	ks->keys[0].alg = ALG_HS256;
	memcpy(ks->keys[0].secret, p, len);
	ks->keys[0].secretlen = len;
	return ks;
}
