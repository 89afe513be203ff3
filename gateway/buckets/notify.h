/*
 * notify: the on_object events of Buckets.  After a write is durable
 * (PutObject, CopyObject, CompleteMultipartUpload, DeleteObject and each
 * key of DeleteObjects), every function with a matching on_object = line
 * (conf.h) gets an asynchronous invocation through a durable Event queue
 * (equeue.h) under buckets_dir/events, with S3's event shape:
 *
 *   {"Records":[{"eventVersion":"2.1","eventSource":"aws:s3",
 *     "awsRegion":"us-east-1","eventTime":"...Z","eventName":"ObjectCreated:Put",
 *     "userIdentity":{...},"requestParameters":{"sourceIPAddress":...},
 *     "responseElements":{"x-amz-request-id":...,"x-amz-id-2":...},
 *     "s3":{"s3SchemaVersion":"1.0","configurationId":"FN-on_object-N",
 *       "bucket":{"name","ownerIdentity","arn"},
 *       "object":{"key" (URL-encoded, space as +),"size","eTag","sequencer"}}}]}
 *
 * The write's reply waits until every record is durable, so the event of
 * an acknowledged write survives a SIGKILL.  A record that cannot be
 * stored (queue full, disk error) does not undo the write, which has
 * happened: it is logged and counted (lambdad_bucket_events_lost_total).
 * A function gets one event per object and write however many of its
 * lines match (the first matching line names configurationId).
 */
#ifndef LAMBDAD_BUCKETS_NOTIFY_H
#define LAMBDAD_BUCKETS_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "equeue.h"

struct buckets;
struct conf_on_object;
struct s3_job;

enum s3_notify_kind {
	S3N_PUT,	/* ObjectCreated:Put: j->rt.key, j->obj */
	S3N_COPY,	/* ObjectCreated:Copy: the same */
	S3N_CMU,	/* ObjectCreated:CompleteMultipartUpload: the same */
	S3N_DELETE,	/* ObjectRemoved:Delete: each key in j->aux (\0-ended) */
};

/*
 * The events of j's write, queued for each matching function; then
 * next(j), on the loop, once every record is durable or has failed (or
 * at once when nothing matches).
 */
void	s3_notify(struct s3_job *j, enum s3_notify_kind kind,
	    void (*next)(struct s3_job *));

/* Open b's queue (buckets_dir/events) and schedule what it holds; find
 * maps function names to pools when a record runs.  0, or -1 logged
 * (events are then lost, and counted). */
int	s3_notify_open(struct buckets *b, equeue_find_cb find, void *arg);
void	s3_notify_stop(struct buckets *b);	/* SIGTERM */
void	s3_notify_close(struct buckets *b);

/* ---- Pure helpers, exposed for the unit tests. ---- */

/* The CONF_S3EV_* bit of kind. */
unsigned s3_notify_bit(enum s3_notify_kind kind);
/* Whether line o wants event bit ev on bucket/key. */
bool	s3_notify_match(const struct conf_on_object *o, const char *bucket,
	    const char *key, unsigned ev);
/* key[0..n) as S3 writes it in an event: unreserved bytes and '/' as
 * they are, ' ' as '+', every other byte %XX (upper case). */
void	s3_notify_key_enc(struct buf *b, const char *key, size_t n);

#endif
