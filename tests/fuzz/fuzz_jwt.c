/*
 * fuzz_jwt: libFuzzer driver for gateway/apigw/jwt.c, the JWT authorizer.
 *
 * The input is an identity source's value (a token, with or without
 * "Bearer "), checked by two authorizers over a fixed keyset (an RSA and
 * a P-256 key from a JWKS, and an HS256 secret: fuzz_jwt_keys.h, whose
 * private keys no longer exist) at a fixed now, without and with route
 * scopes.  Invariants checked:
 *   - the status is one of enum jwt_status, the HTTP status the one
 *     jwt_status_http gives for it, and a reason is always given;
 *   - claims are handed out exactly when the token verified (ok, or
 *     insufficient_scope), and the event context can be built from them;
 *   - nothing verifies unless the key signed it: an accepted token is one
 *     of the seeds byte for byte.  For ES256 only its signed part must be
 *     a seed's, since (r, n - s) is a second valid signature of the same
 *     text (ECDSA is malleable; JOSE does not ask for low s).
 * An input that starts with '{' is also given to the JWKS parser.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "apigw/jwt.h"
#include "fuzz_jwt_keys.h"

#define NVALID	(sizeof(fuzz_jwt_valid) / sizeof(fuzz_jwt_valid[0]))

static struct jwt_keyset *jwks, *secret;

static void
init(void)
{
	char why[256];

	jwks = jwt_keyset_from_jwks(fuzz_jwt_jwks, strlen(fuzz_jwt_jwks), why,
	    sizeof(why));
	secret = jwt_keyset_from_secret(fuzz_jwt_secret,
	    strlen(fuzz_jwt_secret), why, sizeof(why));
	if (jwks == NULL || secret == NULL)
		abort();
}

/* The text before the signature: "header.payload". */
static size_t
signed_len(const char *t, size_t len)
{
	const char *d = memchr(t, '.', len);

	d = d != NULL ? memchr(d + 1, '.', len - (size_t)(d + 1 - t)) : NULL;
	return d != NULL ? (size_t)(d - t) : len;
}

static int
is_seed(const char *t, size_t len)
{
	size_t i, sl = signed_len(t, len);

	for (i = 0; i < NVALID; i++) {
		const char *v = fuzz_jwt_valid[i].tok;

		if (strlen(v) == len && memcmp(v, t, len) == 0)
			return 1;
		if (fuzz_jwt_valid[i].es256 && signed_len(v, strlen(v)) == sl &&
		    memcmp(v, t, sl) == 0)
			return 1;
	}
	return 0;
}

static void
check(const struct jwt_authorizer *a, const char *value, size_t len,
    const char *const *scopes, size_t nscopes)
{
	struct jwt_result r;
	const char *tok;
	size_t tlen;
	cJSON *ctx;
	int http;

	http = jwt_authorize(a, value, len, scopes, nscopes, FUZZ_JWT_NOW, &r);
	if ((unsigned)r.status >= JWT_STATUS_COUNT ||
	    http != jwt_status_http(r.status) || r.why[0] == '\0' ||
	    memchr(r.why, '\0', sizeof(r.why)) == NULL)
		abort();
	if (r.status != JWT_OK && r.status != JWT_ESCOPE) {
		if (r.claims != NULL || r.scopes != NULL)
			abort();
		jwt_result_free(&r);
		return;
	}
	if (r.claims == NULL || (nscopes > 0 && r.status == JWT_OK &&
	    r.scopes == NULL))
		abort();
	/* What jwt_authorize verified is what jwt_token_from_value gives. */
	tok = jwt_token_from_value(value, len, &tlen);
	if (tok == NULL || !is_seed(tok, tlen))
		abort();
	if ((ctx = jwt_event_context(&r)) == NULL)
		abort();
	cJSON_Delete(ctx);
	jwt_result_free(&r);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const auds[] = { FUZZ_JWT_AUDIENCE, "other-api" };
	static const char *const scopes[] = { "admin", "write" };
	struct jwt_authorizer a = { "fuzz", FUZZ_JWT_ISSUER, auds, 2, 0, NULL };
	char *value, why[256];
	struct jwt_keyset *ks;

	if (jwks == NULL)
		init();
	/* An exact copy without a NUL: ASan sees a read past the end. */
	if ((value = malloc(size ? size : 1)) == NULL)
		abort();
	memcpy(value, data, size);
	a.keys = jwks;
	check(&a, value, size, NULL, 0);
	check(&a, value, size, scopes, 2);
	a.keys = secret;
	check(&a, value, size, NULL, 0);
	check(&a, value, size, scopes, 2);
	if (size > 0 && data[0] == '{') {
		why[0] = '\0';
		ks = jwt_keyset_from_jwks(value, size, why, sizeof(why));
		if (ks == NULL ? why[0] == '\0' : jwt_keyset_count(ks) == 0)
			abort();
		jwt_keyset_free(ks);
	}
	free(value);
	return 0;
}
