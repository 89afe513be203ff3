/*
 * cache: the response cache, API Gateway's stage cache (issue 10).  A
 * function with cache_ttl > 0 has the 200 replies to its GET and HEAD
 * requests kept in memory for cache_ttl seconds, and a request whose key
 * matches a live entry is answered from it by the cache stage without
 * waking a worker.
 *
 * The key is the function, the method, the raw path, and the parts its
 * cache_key names: query parameters (the first value, as written) and
 * headers (the first value), each either present with its value or
 * absent, so ?a= and no a are two keys.
 *
 * The store is one LRU over every function, bounded by [lambdad]
 * cache_size: an entry costs its key, its body and its headers' names and
 * values; past the bound the least recently used entries are evicted.  An
 * entry larger than the whole bound is not stored.  Each entry keeps the
 * time it was stored and its TTL, and is dropped when it is found
 * expired (one never asked for again stays until the LRU evicts it).  The clock is the caller's (the loop's uv_now in ms), so the
 * tests drive it.
 *
 * A hit gets the stored status, headers and body, plus Age (whole seconds
 * since it was stored) and ETag (a strong validator: the first 128 bits
 * of the body's SHA-256, computed once when it is stored; the reply that
 * filled the entry carries it too).  A function that sends its own ETag
 * keeps it: that one is compared and no other is added.  A request whose If-None-Match names
 * that ETag (or "*") gets 304 with the ETag and Age and no body.
 *
 * A client's Cache-Control: max-age=0 skips the lookup and has the entry
 * refreshed by the function's reply, where cache_invalidate allows it:
 * anyone, or (authorized, the default) only on a function whose routes
 * need an authorizer or aws_iam, which the request has passed by the
 * time it reaches this stage.  Elsewhere the header is ignored, as API
 * Gateway ignores it for a caller without the right to invalidate.
 *
 * A miss marks the call (the reply headers it attaches carry a pending
 * store), and front.c hands the function's reply to apigw_cache_store
 * when it arrives; only a 200 is kept.
 *
 * A reload (apigw_cache_configure) keeps the entries of functions that
 * still cache, drops those of functions removed or with cache_ttl = 0,
 * and applies the new cache_size; a store pending across the reload is
 * discarded, so an entry is never made from a configuration that has
 * gone.  A function redeployed keeps its entries until they expire, as
 * API Gateway's cache outlives a new Lambda version.
 *
 * Hits, misses, evictions and the bytes held are reported per function
 * into metrics.c.  Everything runs on the loop thread.
 */
#ifndef LAMBDAD_APIGW_CACHE_H
#define LAMBDAD_APIGW_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "apigw/apigw.h"

struct apigw_cache;
struct buf;
struct conf;
struct event_reply;
struct http_header;
struct http_request;
struct metrics_fn;

#define APIGW_ETAG_LEN	34	/* "\"" 32 hex digits "\"" */

/* What a lookup finds (valid until the next call that changes the cache). */
struct apigw_cache_entry {
	int		 status;
	const struct http_header *hdrs;
	size_t		 nhdrs;
	const char	*body;
	size_t		 body_len;
	/* The function's own ETag header when its reply has one (fn_etag:
	 * sent as it is among hdrs), else the body's hash; NUL-terminated. */
	const char	*etag;
	size_t		 etag_len;
	bool		 fn_etag;
	uint64_t	 stored_ms, ttl_ms;
	size_t		 size;		/* what it counts against the bound */
};

/* The cache stage: the last before the function (front.c's list). */
int	apigw_cache(struct apigw_call *c);

/*
 * The function's reply to a call the stage marked (x->cache_store; x may
 * be NULL, or carry no mark: nothing happens): a 200 is stored, and its
 * ETag attached to x for the reply being written.
 */
void	apigw_cache_store(struct apigw_reply *x, const struct event_reply *r,
	    uint64_t now_ms);
/* A pending store's memory (apigw_reply_free calls it).  NULL-safe. */
void	apigw_cache_pending_free(struct apigw_cache_pending *p);

/* ---- the store ---------------------------------------------------------- */

struct apigw_cache *apigw_cache_new(size_t max_bytes);	/* NULL: ENOMEM */
void	apigw_cache_free(struct apigw_cache *ca);	/* NULL-safe */
/*
 * A (re)loaded configuration: cache_size, and the entries of functions
 * that no longer cache dropped; pending stores are discarded.
 */
void	apigw_cache_configure(struct apigw_cache *ca, const struct conf *c);
/* Evict down to max_bytes, and keep to it from now on. */
void	apigw_cache_resize(struct apigw_cache *ca, size_t max_bytes);
/*
 * The key of req for function fn (its cache_key parts) into out: the
 * function's name, method and path, NUL-separated, then each part.
 */
void	apigw_cache_key(const struct function_conf *fn,
	    const struct http_request *req, struct buf *out);
/* The live entry of key at now_ms (made most recently used), or NULL; an
 * expired one is dropped. */
const struct apigw_cache_entry *apigw_cache_get(struct apigw_cache *ca,
	    const char *key, size_t keylen, uint64_t now_ms);
/*
 * Store a reply under key (replacing the entry there), counted in mf (may
 * be NULL), evicting what the bound needs.  0, -E2BIG (larger than the
 * whole cache: not stored) or -ENOMEM.
 */
int	apigw_cache_put(struct apigw_cache *ca, const char *key, size_t keylen,
	    struct metrics_fn *mf, int status, const struct http_header *hdrs,
	    size_t nhdrs, const char *body, size_t body_len, uint64_t now_ms,
	    uint64_t ttl_ms);
/* Drop every entry of the function named fn. */
void	apigw_cache_forget(struct apigw_cache *ca, const char *fn);
size_t	apigw_cache_bytes(const struct apigw_cache *ca);
size_t	apigw_cache_count(const struct apigw_cache *ca);

/* Pure helpers, exposed for the unit tests. */
/* body's ETag into out (APIGW_ETAG_LEN + 1 bytes, NUL-terminated). */
void	apigw_cache_etag(const char *body, size_t len, char *out);
/* Whether an If-None-Match value (a list, W/ tags compared weakly, or
 * "*") matches etag. */
bool	apigw_cache_inm_match(const char *v, size_t len, const char *etag);
/* Whether a Cache-Control value asks for max-age=0. */
bool	apigw_cache_max_age0(const char *v, size_t len);

#endif
