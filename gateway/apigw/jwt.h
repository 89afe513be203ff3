/*
 * jwt: the JWT authorizer of an HTTP API (`[authorizer NAME] type = jwt`),
 * as API Gateway runs it: take the token from the identity source (the
 * value alone or after "Bearer "), decode the compact JWS, check the
 * signature with the key its `kid` names, then the claims:
 *
 *   iss        equal to the authorizer's issuer
 *   aud        (a string or an array) holds one of its audiences; only when
 *              aud is absent, client_id (a string) must be one of them
 *   exp        required; now < exp + leeway
 *   nbf, iat   when present: nbf <= now + leeway, iat <= now + leeway
 *   scp, scope when the route names scopes, one of them must be among the
 *              token's (scp: an array or space-separated; scope: the latter)
 *
 * Signatures are RS256 (an RSA key of 2048 bits or more), ES256 (P-256,
 * the signature as JOSE's 64-byte r||s) and HS256 (a shared secret).  The
 * token's alg must be the one its key is for: "none", any other alg, and
 * HS256 against a keyset of public keys (key confusion: an HMAC keyed with
 * the public key an attacker also has) are refused before any crypto.
 *
 * A keyset is built once from a JWKS document or a secret (config load
 * and reload read the files, conf_auth.c), so authorizing does no I/O and
 * never blocks the loop.  Every refusal names its cause in an enum and a
 * sentence for the log; the client only ever sees API Gateway's 401
 * {"message":"Unauthorized"} or, for scopes, 403 {"message":"Forbidden"}.
 *
 * jwt.c has the tokens and claims, jwt_keys.c the keysets and base64url.
 */
#ifndef LAMBDAD_APIGW_JWT_H
#define LAMBDAD_APIGW_JWT_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <cjson/cJSON.h>

#define JWT_TOKEN_MAX	16384	/* bytes of a compact token */
#define JWT_SECRET_MIN	32	/* bytes of an HS256 secret (RFC 7518 3.2) */
#define JWT_RSA_MIN_BITS 2048	/* RFC 7518 3.3 */

/* Why a token was refused; JWT_OK when it was not.  The order is the
 * order of the checks. */
enum jwt_status {
	JWT_OK = 0,
	JWT_ENOTOKEN,	/* no identity source, or empty after "Bearer " */
	JWT_EMALFORMED,	/* not header.payload.signature in base64url JSON */
	JWT_EALG,	/* alg none, unknown, or not the key's (key confusion) */
	JWT_EKID,	/* no key in the keyset has the token's kid */
	JWT_ESIG,	/* the signature is not the key's over the token */
	JWT_EISS,	/* iss missing or not the issuer */
	JWT_EAUD,	/* neither aud nor client_id is an audience */
	JWT_EEXP,	/* exp missing, not a number, or past */
	JWT_ENBF,	/* nbf in the future, or not a number */
	JWT_EIAT,	/* iat in the future, or not a number */
	JWT_ESCOPE,	/* none of the route's scopes is in scope/scp: 403 */
	JWT_ENOMEM,	/* out of memory: 500 */
};
#define JWT_STATUS_COUNT	(JWT_ENOMEM + 1)

/* A short stable name per status ("expired", "bad_signature"), for logs
 * and metrics labels; "unknown" for a value out of range. */
const char *jwt_status_name(enum jwt_status st);
/* The HTTP status API Gateway answers for st: 0 (allowed), 401, 403, 500. */
int	jwt_status_http(enum jwt_status st);

/* ---- keysets ----------------------------------------------------------- */

struct jwt_keyset;

/*
 * The signing keys of a JWKS document ({"keys": [...]}): RSA keys (n, e)
 * and EC P-256 keys (x, y), each with a kid, unique.  Keys whose use is
 * not "sig", of other types or curves, are skipped; a key's alg, when
 * given, is the only alg accepted with it.  NULL with a sentence in why
 * for a document that is not JSON, a key that is malformed or too weak,
 * or no usable key at all.
 */
struct jwt_keyset *jwt_keyset_from_jwks(const char *doc, size_t len,
	    char *why, size_t whylen);
/* An HS256 secret: the bytes of a file, less one trailing newline (as
 * `openssl rand -hex 32 > FILE` writes), at least JWT_SECRET_MIN. */
struct jwt_keyset *jwt_keyset_from_secret(const void *data, size_t len,
	    char *why, size_t whylen);
void	jwt_keyset_free(struct jwt_keyset *ks);		/* NULL-safe */
/* How many keys it holds. */
size_t	jwt_keyset_count(const struct jwt_keyset *ks);

/* ---- authorizing --------------------------------------------------------- */

/* What an authorizer checks a token against; the caller owns every field
 * (conf_auth.c points them into its struct conf_authorizer). */
struct jwt_authorizer {
	const char	*name;		/* for the log */
	const char	*issuer;
	const char *const *audiences;
	size_t		 naudiences;
	unsigned	 leeway_s;	/* clock skew allowed on exp, nbf, iat */
	const struct jwt_keyset *keys;
};

/*
 * The outcome.  On JWT_OK and JWT_ESCOPE, claims is the payload object and
 * scopes an array of the token's scopes, scp's then scope's (NULL when it
 * has neither); both are the caller's, freed by jwt_result_free.
 */
struct jwt_result {
	enum jwt_status	 status;
	char		 why[192];	/* for the log; never for the client */
	cJSON		*claims;
	cJSON		*scopes;
	bool		 route_scoped;	/* the route named scopes */
};

/*
 * The token in an identity source's value: the value itself, or what
 * follows "Bearer" (any case) and blanks.  NULL (and *tlen 0) when the
 * value is NULL or nothing is left.
 */
const char *jwt_token_from_value(const char *value, size_t len,
	    size_t *tlen);

/*
 * Check a token (token, len: not NUL-terminated) against a at time now.
 * scopes (nscopes of them; 0: no check) are the route's.  Fills *out and
 * returns its status.
 */
enum jwt_status jwt_verify(const struct jwt_authorizer *a, const char *token,
	    size_t len, const char *const *scopes, size_t nscopes, time_t now,
	    struct jwt_result *out);

/*
 * The one entry point of the request pipeline: the identity source's
 * value (NULL when the request has none) through jwt_token_from_value and
 * jwt_verify.  Returns the HTTP status to answer: 0 to let the request
 * through, 401, 403, or 500; *out says why, and must be released with
 * jwt_result_free whatever the outcome.
 */
int	jwt_authorize(const struct jwt_authorizer *a, const char *header_value,
	    size_t len, const char *const *scopes, size_t nscopes, time_t now,
	    struct jwt_result *out);
void	jwt_result_free(struct jwt_result *r);

/*
 * requestContext.authorizer.jwt of the event, as API Gateway's HTTP API
 * builds it: {"claims": {...}, "scopes": [...] or null}.  Each claim is a
 * string (numbers as their digits, true/false, an array as "[a b]", an
 * object as its JSON; null claims are left out).  scopes is the token's
 * only on a route that names scopes, else null, as API Gateway sends it.
 * NULL on out of memory.
 */
cJSON	*jwt_event_context(const struct jwt_result *r);

#endif
