/*
 * authz_cache: the Lambda authorizers' decisions, kept per identity (API
 * Gateway's authorizer caching, authorizerResultTtlInSeconds).  A key is
 * the authorizer's name and the values of its identity sources
 * (authz_cache_key); an entry is the authorizer function's reply as it
 * came, so a cached IAM policy is evaluated again against each request's
 * routeArn, as API Gateway does.
 *
 * Bounded: at most max entries and AUTHZ_CACHE_BYTES of keys and
 * replies; past either the least recently used entries go.  Replies over
 * AUTHZ_CACHE_ENTRY_MAX are not kept.  Expired entries go when looked up
 * or evicted.  Pure module: the caller passes the clock.
 */
#ifndef LAMBDAD_APIGW_AUTHZ_CACHE_H
#define LAMBDAD_APIGW_AUTHZ_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define AUTHZ_CACHE_MAX		4096		/* entries */
#define AUTHZ_CACHE_BYTES	(8u << 20)	/* keys and replies */
#define AUTHZ_CACHE_ENTRY_MAX	(16u << 10)	/* one reply */

struct authz_cache;

struct authz_cache *authz_cache_new(size_t max);	/* NULL on ENOMEM */
void	authz_cache_free(struct authz_cache *ac);	/* NULL-safe */
void	authz_cache_clear(struct authz_cache *ac);	/* NULL-safe */
size_t	authz_cache_count(const struct authz_cache *ac);

/*
 * The key of an identity: the authorizer's name, then each value with its
 * length, so that ("ab","c") and ("a","bc") differ.  Written to out
 * (reset first).
 */
void	authz_cache_key(struct buf *out, const char *authorizer,
	    const char *const *vals, const size_t *lens, size_t n);

/* The reply kept for key and not expired at now_ms (its length in *len),
 * or NULL.  The pointer is valid until the next put, clear or free. */
const char *authz_cache_get(struct authz_cache *ac, const char *key,
	    size_t klen, uint64_t now_ms, size_t *len);
/* Keep reply for key until expires_ms (replacing what it had). */
void	authz_cache_put(struct authz_cache *ac, const char *key, size_t klen,
	    const char *reply, size_t len, uint64_t expires_ms);

#endif
