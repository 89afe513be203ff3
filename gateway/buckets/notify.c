/*
 * notify: on_object events (notify.h).  The ops call s3_notify once their
 * write is durable; this finds the matching on_object = lines of the
 * configuration in force, builds one S3 event per function and object,
 * puts each into Buckets' own Event queue (buckets_dir/events), and goes
 * on to the reply when the last put has finished.
 *
 * The queue is Buckets' own, not the Invoke API's (state_dir/events):
 * on_object works with invoke_api off, and each queue loads only its own
 * records at start-up.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "conf.h"
#include "http.h"
#include "log.h"

#include "bucket_int.h"
#include "notify.h"

/* ---- matching and encoding ------------------------------------------------ */

unsigned
s3_notify_bit(enum s3_notify_kind kind)
{
	switch (kind) {
	case S3N_PUT:
		return CONF_S3EV_PUT;
	case S3N_COPY:
		return CONF_S3EV_COPY;
	case S3N_CMU:
		return CONF_S3EV_CMU;
	case S3N_DELETE:
		return CONF_S3EV_DELETE;
	}
	return 0;
}

static const char *
kind_name(enum s3_notify_kind kind)
{
	switch (kind) {
	case S3N_PUT:
		return "ObjectCreated:Put";
	case S3N_COPY:
		return "ObjectCreated:Copy";
	case S3N_CMU:
		return "ObjectCreated:CompleteMultipartUpload";
	case S3N_DELETE:
		return "ObjectRemoved:Delete";
	}
	return "";
}

bool
s3_notify_match(const struct conf_on_object *o, const char *bucket,
    const char *key, unsigned ev)
{
	size_t kl = strlen(key), sl;

	if ((o->events & ev) == 0 || strcmp(o->bucket, bucket) != 0)
		return false;
	if (o->prefix != NULL && strncmp(key, o->prefix,
	    strlen(o->prefix)) != 0)
		return false;
	if (o->suffix != NULL && ((sl = strlen(o->suffix)) > kl ||
	    memcmp(key + kl - sl, o->suffix, sl) != 0))
		return false;
	return true;
}

void
s3_notify_key_enc(struct buf *b, const char *key, size_t n)
{
	static const char hx[] = "0123456789ABCDEF";
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)key[i];

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		    c == '.' || c == '~' || c == '/')
			buf_addc(b, (char)c);
		else if (c == ' ')
			buf_addc(b, '+');
		else {
			buf_addc(b, '%');
			buf_addc(b, hx[c >> 4]);
			buf_addc(b, hx[c & 15]);
		}
	}
}

/* ---- the event ------------------------------------------------------------- */

/* Who made the request: the access key that signed it, the function
 * whose endpoint it came on, or nobody (keyless loopback). */
static void
principal(const struct s3_job *j, char *out, size_t n)
{
	size_t vl;
	const char *v, *c, *e;

	if (j->fn != NULL) {
		snprintf(out, n, "lambdad:function:%s", j->fn);
		return;
	}
	snprintf(out, n, "anonymous");
	if (j->b->conf->naccess_keys == 0)
		return;
	v = http_header_get(j->req, "Authorization", &vl);
	if (v != NULL && (c = memmem(v, vl, "Credential=", 11)) != NULL) {
		c += 11;
		if ((e = memchr(c, '/', vl - (size_t)(c - v))) != NULL)
			snprintf(out, n, "%.*s", (int)(e - c), c);
		return;
	}
	{
		struct buf cred;

		buf_init(&cred);
		if (s3_query_get(j->req->query, j->req->query_len,
		    "X-Amz-Credential", &cred) == 0 && cred.data != NULL)
			snprintf(out, n, "%.*s", (int)strcspn(cred.data, "/"),
			    cred.data);
		buf_free(&cred);
	}
}

static void
source_ip(const struct s3_job *j, char *out, size_t n)
{
	const struct sockaddr_storage *ss = &j->req->peer;

	snprintf(out, n, "127.0.0.1");
	if (ss->ss_family == AF_INET)
		uv_ip4_name((const struct sockaddr_in *)ss, out, n);
	else if (ss->ss_family == AF_INET6)
		uv_ip6_name((const struct sockaddr_in6 *)ss, out, n);
}

/* Hex, increasing across the daemon's life and its restarts (the wall
 * clock in microseconds, or one more than the last): so increasing per
 * key, as S3's sequencer is. */
static void
sequencer(struct buckets *b, char out[24])
{
	struct timespec ts;
	uint64_t now;

	clock_gettime(CLOCK_REALTIME, &ts);
	now = (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
	b->ev_seq = now > b->ev_seq ? now : b->ev_seq + 1;
	snprintf(out, 24, "%016" PRIX64, b->ev_seq);
}

static cJSON *
event_object(struct s3_job *j, enum s3_notify_kind kind, const char *key)
{
	cJSON *o = cJSON_CreateObject();
	struct buf k;
	char seq[24];

	buf_init(&k);
	s3_notify_key_enc(&k, key, strlen(key));
	buf_addc(&k, '\0');
	cJSON_AddStringToObject(o, "key", k.data);
	buf_free(&k);
	if (kind != S3N_DELETE) {
		cJSON_AddNumberToObject(o, "size", (double)j->obj.size);
		cJSON_AddStringToObject(o, "eTag", j->obj.etag);
	}
	sequencer(j->b, seq);
	cJSON_AddStringToObject(o, "sequencer", seq);
	return o;
}

/* The whole event, compact, for function fn's line n (1-based). */
static char *
event_json(struct s3_job *j, enum s3_notify_kind kind, const char *key,
    const char *fn, size_t n)
{
	cJSON *root = cJSON_CreateObject(), *r = cJSON_CreateObject();
	cJSON *s3, *bk, *x;
	char when[40], who[160], ip[64], id[160];
	char *out;

	cJSON_AddItemToArray(cJSON_AddArrayToObject(root, "Records"), r);
	cJSON_AddStringToObject(r, "eventVersion", "2.1");
	cJSON_AddStringToObject(r, "eventSource", "aws:s3");
	cJSON_AddStringToObject(r, "awsRegion", S3_REGION);
	s3_iso_date(kind == S3N_DELETE || j->obj.mtime == 0 ? s3_now_ms() :
	    j->obj.mtime, when);
	cJSON_AddStringToObject(r, "eventTime", when);
	cJSON_AddStringToObject(r, "eventName", kind_name(kind));
	principal(j, who, sizeof(who));
	x = cJSON_AddObjectToObject(r, "userIdentity");
	cJSON_AddStringToObject(x, "principalId", who);
	source_ip(j, ip, sizeof(ip));
	x = cJSON_AddObjectToObject(r, "requestParameters");
	cJSON_AddStringToObject(x, "sourceIPAddress", ip);
	x = cJSON_AddObjectToObject(r, "responseElements");
	cJSON_AddStringToObject(x, "x-amz-request-id", j->rid);
	cJSON_AddStringToObject(x, "x-amz-id-2", "lambdad");
	s3 = cJSON_AddObjectToObject(r, "s3");
	cJSON_AddStringToObject(s3, "s3SchemaVersion", "1.0");
	snprintf(id, sizeof(id), "%s-on_object-%zu", fn, n);
	cJSON_AddStringToObject(s3, "configurationId", id);
	bk = cJSON_AddObjectToObject(s3, "bucket");
	cJSON_AddStringToObject(bk, "name", j->rt.bucket);
	x = cJSON_AddObjectToObject(bk, "ownerIdentity");
	cJSON_AddStringToObject(x, "principalId", "lambdad");
	snprintf(id, sizeof(id), "arn:aws:s3:::%s", j->rt.bucket);
	cJSON_AddStringToObject(bk, "arn", id);
	cJSON_AddItemToObject(s3, "object", event_object(j, kind, key));
	out = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	return out;
}

/* ---- queueing ----------------------------------------------------------------- */

/* A random UUID, as the queue names its records. */
static void
event_id(char out[37])
{
	char h[33];

	s3_random_hex(h, 16);
	h[12] = '4';
	h[16] = "89ab"[h[16] % 4];
	snprintf(out, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", h, h + 8, h + 12,
	    h + 16, h + 20);
}

static void
event_lost(struct s3_job *j, const char *fn, const char *key, int rc)
{
	j->b->ev_lost++;
	log_warnx("buckets: %s: the on_object event of %s/%s for %s is lost "
	    "(the write stands): %s", j->rid, j->rt.bucket, key, fn,
	    rc == -EAGAIN ? "the queue is full (event_queue_max)" :
	    rc == -ENODEV ? "the event queue is off" : strerror(-rc));
}

static void
notify_settled(struct s3_job *j)
{
	void (*next)(struct s3_job *);

	if (--j->ev_pending > 0)
		return;
	next = j->ev_next;
	j->ev_next = NULL;
	next(j);
}

struct notify_put {
	struct s3_job	*j;
	char		 fn[65];
	char		*key;
};

static void
notify_stored(void *arg, int rc)
{
	struct notify_put *np = arg;
	struct s3_job *j = np->j;

	if (rc == 0)
		j->b->ev_queued++;
	else
		event_lost(j, np->fn, np->key, rc);
	free(np->key);
	free(np);
	notify_settled(j);
}

/* One event for fn (its line n) about key. */
static void
notify_one(struct s3_job *j, enum s3_notify_kind kind, const char *key,
    const char *fn, size_t n)
{
	struct notify_put *np = NULL;
	char id[37], *ev = NULL;
	int rc;

	if (j->b->eq == NULL) {
		event_lost(j, fn, key, -ENODEV);
		return;
	}
	event_id(id);
	if ((ev = event_json(j, kind, key, fn, n)) == NULL ||
	    (np = calloc(1, sizeof(*np))) == NULL ||
	    (np->key = strdup(key)) == NULL) {
		rc = -ENOMEM;
		goto lost;
	}
	np->j = j;
	snprintf(np->fn, sizeof(np->fn), "%s", fn);
	j->ev_pending++;
	if ((rc = equeue_put(j->b->eq, fn, id, ev, strlen(ev), NULL, NULL,
	    notify_stored, np)) != 0) {
		j->ev_pending--;
		goto lost;
	}
	log_debug("buckets: %s: %s %s/%s: event %s for %s", j->rid,
	    kind_name(kind), j->rt.bucket, key, id, fn);
	free(ev);
	return;
lost:
	event_lost(j, fn, key, rc);
	if (np != NULL)
		free(np->key);
	free(np);
	free(ev);
}

/* Every function that wants this event about key. */
static void
notify_key(struct s3_job *j, enum s3_notify_kind kind, const char *key)
{
	const struct conf *c = j->b->conf;
	unsigned bit = s3_notify_bit(kind);
	size_t i, l;

	for (i = 0; i < c->nfns; i++) {
		const struct function_conf *fc = &c->fns[i];

		for (l = 0; l < fc->non_object; l++)
			if (s3_notify_match(&fc->on_object[l], j->rt.bucket,
			    key, bit)) {
				notify_one(j, kind, key, fc->name, l + 1);
				break;
			}
	}
}

void
s3_notify(struct s3_job *j, enum s3_notify_kind kind,
    void (*next)(struct s3_job *))
{
	const char *p, *end;

	/* One count held while queueing, so a put that finishes at once
	 * cannot run next before the last one is made. */
	j->ev_next = next;
	j->ev_pending = 1;
	if (kind != S3N_DELETE)
		notify_key(j, kind, j->rt.key);
	else
		for (p = j->aux.data, end = p + j->aux.len; p != NULL &&
		    p < end; p += strlen(p) + 1)
			notify_key(j, kind, p);
	notify_settled(j);
}

/* ---- the queue ----------------------------------------------------------------- */

int
s3_notify_open(struct buckets *b, equeue_find_cb find, void *arg)
{
	char err[512];

	if (b == NULL || b->eq != NULL)
		return 0;
	b->eq = equeue_new(b->loop, b->dir, b->conf->event_retry_delay_s,
	    b->conf->event_queue_max, find, arg, err, sizeof(err));
	if (b->eq == NULL) {
		log_err("buckets: on_object events are off: %s", err);
		return -1;
	}
	return 0;
}

void
s3_notify_stop(struct buckets *b)
{
	if (b != NULL)
		equeue_stop(b->eq);
}

void
s3_notify_close(struct buckets *b)
{
	if (b == NULL)
		return;
	equeue_free(b->eq);
	b->eq = NULL;
}
