/*
 * jwt_int: what jwt.c (tokens) and jwt_keys.c (keysets) share.  Not for
 * other modules: they use jwt.h.
 */
#ifndef LAMBDAD_APIGW_JWT_INT_H
#define LAMBDAD_APIGW_JWT_INT_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/evp.h>

enum jwt_alg {
	ALG_RS256,
	ALG_ES256,
	ALG_HS256,
	ALG_OTHER,
};

struct jwt_key {
	char		*kid;		/* NULL for a secret */
	enum jwt_alg	 alg;		/* the only alg it verifies */
	EVP_PKEY	*pkey;		/* RS256, ES256 */
	unsigned char	*secret;	/* HS256 */
	size_t		 secretlen;
};

struct jwt_keyset {
	struct jwt_key	*keys;
	size_t		 n;
	bool		 symmetric;	/* an HS256 secret, not a JWKS */
};

/* "RS256", "ES256", "HS256", or ALG_OTHER for anything else. */
enum jwt_alg jwt_alg_parse(const char *s);
/*
 * Decode n characters of unpadded base64url into a new NUL-terminated
 * buffer (the caller's to free).  0, -EINVAL (a character outside the
 * alphabet, a length no encoding has, or unused bits that are not zero: a
 * second spelling of the same bytes), or -ENOMEM.
 */
int	jwt_b64url_decode(const char *s, size_t n, unsigned char **out,
	    size_t *outlen);

#endif
