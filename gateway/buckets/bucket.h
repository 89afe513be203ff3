/*
 * bucket: Buckets, lambdad's S3-compatible object store.  Its purpose: a
 * place for functions and their operators to keep files (uploads,
 * exports, static assets) that the aws CLI, the SDKs and s3cmd talk to
 * as they talk to S3, so code moves between lambdad and AWS (or another
 * S3 engine) by changing one endpoint.
 *
 *   - the listener on [lambdad] s3_listen: S3's REST API, path-style and
 *     virtual-hosted-style (Host: BUCKET.localhost or BUCKET.127.0.0.1),
 *     SigV4 (header, UNSIGNED-PAYLOAD, aws-chunked, presigned URLs)
 *     against the access_key lines, or loopback peers only without keys;
 *   - objects as files under buckets_dir/data (written to buckets_dir/tmp,
 *     fsynced and renamed; every version is a new file, so a reader has
 *     the old object or the new one, never a torn one);
 *   - metadata and listings in buckets_dir/buckets.db, through the shared
 *     store (store/store.h): SQLite off the loop, group commit;
 *   - file I/O on libuv's threadpool, never on the loop.
 *
 *   - functions' calls on their private endpoints (buckets_function),
 *     with their buckets = grants (grants.c);
 *   - [site NAME] sections, buckets served on the public listener
 *     (site.h);
 *   - on_object events (notify.h): after a durable write, an Event
 *     invocation of each function whose on_object = lines match, through
 *     a queue of its own under buckets_dir/events.
 *
 * Not here yet: versioning, ACLs.
 */
#ifndef LAMBDAD_BUCKETS_BUCKET_H
#define LAMBDAD_BUCKETS_BUCKET_H

#include <stdint.h>

#include <uv.h>

struct buckets;
struct conf;
struct cJSON;

/* Open for configuration c (see buckets_set_conf): the store and the
 * listener when s3_listen is set; nothing otherwise.  0 and *out (NULL
 * without s3_listen), or -1 with the reason logged. */
int	buckets_open(uv_loop_t *loop, const struct conf *c,
	    struct buckets **out);
/* After a reload: access keys and buckets_max_bytes from c. */
void	buckets_set_conf(struct buckets *b, const struct conf *c);
/* Start the on_object Event queue: find(arg, name) is the pool that
 * runs function name when a record runs (NULL: it is gone).  Before the
 * loop runs, after buckets_open.  b NULL: nothing. */
struct pool;
void	buckets_set_runner(struct buckets *b,
	    struct pool *(*find)(void *, const char *), void *arg);
/* on_object events on disk, and stored and lost since the start. */
void	buckets_event_stats(const struct buckets *b, unsigned *depth,
	    uint64_t *queued, uint64_t *lost);
/* The listener's port, or -1. */
int	buckets_port(const struct buckets *b);

struct http_request;
/*
 * A request on function fn's private endpoint (endpoint.h), path-style:
 * served as on s3_listen but with fn's buckets = grants and no signature
 * checked (the endpoint says who calls).  b NULL: 503 ServiceUnavailable.
 */
void	buckets_function(struct buckets *b, const char *fn,
	    struct http_request *req);

/* The admin's list: cb(arg, 200, [{"name","objects","bytes",
 * "created"}...], NULL) or an HTTP status and a sentence, on the loop. */
typedef void (*buckets_cb)(void *arg, int status, struct cJSON *res,
	    const char *err);
void	buckets_stats(struct buckets *b, buckets_cb cb, void *arg);

/* SIGTERM: stop accepting.  NULL-safe. */
void	buckets_stop(struct buckets *b);
/* Finish every job, close the store, free b.  NULL-safe. */
void	buckets_close(struct buckets *b);

#endif
