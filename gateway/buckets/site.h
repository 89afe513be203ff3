/*
 * site: [site NAME] sections, a bucket served on routes of the public
 * listener, as S3 static website hosting with a CDN in front of it:
 *
 *   - the key is the request path, decoded, without its leading '/';
 *     "" and "dir/" get the index document (index = index.html), and a
 *     missing "dir" whose "dir/index.html" exists is redirected (302) to
 *     "dir/"; a key that is not there is answered 404 with
 *     error_document when set;
 *   - ETag and Last-Modified, 304 for If-None-Match / If-Modified-Since,
 *     Range (206 one range, 416 with Content-Range: bytes * /size),
 *     If-Range, HEAD, Cache-Control from cache_max_age (or the object's);
 *   - text types (text/..., JavaScript, JSON, XML, SVG) in brotli or gzip
 *     when Accept-Encoding allows, computed once per object version and
 *     kept beside it (buckets_dir/site/ETAG.br, .gz), with Vary and an
 *     ETag of their own ("ETAG-br", "ETAG-gzip");
 *   - an edge cache of small 200s in memory (site_cache.c), made stale by
 *     any write to the store, answered on the loop (X-Cache: Hit);
 *   - bodies past 256 KiB streamed from the file with backpressure; the
 *     lookup, the opens and reads on the store's readers, compression on
 *     libuv's threadpool: the loop never waits on the disk.
 *
 * front.c asks site_serve first for every request it would route.
 */
#ifndef LAMBDAD_BUCKETS_SITE_H
#define LAMBDAD_BUCKETS_SITE_H

#include <stdbool.h>
#include <stddef.h>

struct buckets;
struct conf;
struct http_request;
struct site_table;

/*
 * The public listener's routes for c, the functions' and the sites', so
 * that the most specific wins across both; b the store (NULL: 503).
 * NULL when c has no site.  The table keeps no pointer into c.
 */
struct site_table *site_table_new(const struct conf *c, struct buckets *b);
void	site_table_free(struct site_table *t);	/* NULL-safe */
/* Whether req is on a site's route; if so it is answered (now or later). */
bool	site_serve(struct site_table *t, struct http_request *req);

/* ---- site_http.c: pure helpers ------------------------------------------- */

#define SITE_GZIP	1u
#define SITE_BR		2u
/* The codings an Accept-Encoding value (NULL: none) allows, SITE_*. */
unsigned site_accept(const char *v, size_t n);
/* Whether a Content-Type is text worth compressing. */
bool	site_compressible(const char *type, size_t n);
/* Whether an If-None-Match list names etag (or one of its coded forms,
 * "ETAG-gzip", "ETAG-br"), weakly, or is "*". */
bool	site_etag_match(const char *v, size_t n, const char *etag);

#endif
