/*
 * equeue: the on-disk Event queue.  See equeue.h for the policy and its
 * crash windows.
 *
 * One struct rec per ID.ev file, with a timer for its next attempt.  A
 * record is in one of three places at a time: waiting on its timer,
 * handed to a pool (running), or in a disk job on the threadpool (its
 * `job' flag).  The files are the truth; the memory only schedules.
 *
 * The record files, their format and the disk calls are equeue_file.c's
 * (equeue_int.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "destination.h"
#include "equeue.h"
#include "equeue_int.h"
#include "fs.h"
#include "log.h"
#include "pool.h"
#include "uuid.h"

#define BACKOFF_MAX_S	300	/* a throttled event waits at most this */

/* JOB_SEND_*: write a destination's record, then remove the source; if
 * the record cannot be written, remove it (a success) or move it to
 * failed/ (a failure) as without a destination. */
enum job_op { JOB_PUT, JOB_REWRITE, JOB_REMOVE, JOB_FAIL, JOB_SEND_REMOVE,
	JOB_SEND_FAIL };


struct job {
	uv_work_t	 w;		/* first: the work callbacks cast back */
	struct rec	*r;
	struct rec	*dest;		/* JOB_SEND_*: the record sent */
	int		 send_rc;	/* JOB_SEND_*: writing dest's file */
	enum job_op	 op;
	struct buf	 data;		/* the file, for PUT and REWRITE */
	int		 rc;		/* 0 or -errno, from the thread */
	equeue_put_cb	 cb;
	void		*arg;
};

struct equeue {
	uv_loop_t	*loop;
	char		*dir;		/* <state_dir>/events */
	char		*failed;	/* <state_dir>/events/failed */
	unsigned	 retry_delay_s;
	unsigned	 max_records;
	equeue_find_cb	 find;
	void		*arg;
	equeue_dest_cb	 dest;		/* NULL: no destinations */
	void		*dest_arg;
	struct rec	*recs;		/* every record, in no order */
	unsigned	 nrecs;
	unsigned	 nputs;		/* JOB_PUT in progress */
	unsigned	 nrunning;	/* handed to a pool */
	unsigned	 nopen;		/* records whose timer is not closed */
	unsigned	 njobs;
	int		 stopping;
	int		 closing;
};

static void	rec_schedule(struct rec *r, uint64_t delay_ms);
static void	rec_run(uv_timer_t *t);

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---- records in memory ------------------------------------------------ */

static void
equeue_maybe_free(struct equeue *q)
{
	if (!q->closing || q->nopen > 0 || q->njobs > 0)
		return;
	free(q->dir);
	free(q->failed);
	free(q);
}

static void
rec_closed(uv_handle_t *h)
{
	struct rec *r = h->data;
	struct equeue *q = r->q;

	free(r->trace_id);
	free(r->context);
	free(r->on_success);
	free(r->on_failure);
	free(r);
	q->nopen--;
	equeue_maybe_free(q);
}

static struct rec *
rec_new(struct equeue *q)
{
	struct rec *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return NULL;
	r->q = q;
	r->retries = EQUEUE_FN_POLICY;
	r->max_age_s = EQUEUE_FN_POLICY;
	uv_timer_init(q->loop, &r->timer);
	r->timer.data = r;
	if ((r->next = q->recs) != NULL)
		r->next->prev = r;
	q->recs = r;
	q->nrecs++;
	q->nopen++;
	return r;
}

/* Forget r (its file is gone, or left for the next start). */
static void
rec_drop(struct rec *r)
{
	struct equeue *q = r->q;

	if (r->prev != NULL)
		r->prev->next = r->next;
	else
		q->recs = r->next;
	if (r->next != NULL)
		r->next->prev = r->prev;
	q->nrecs--;
	uv_close((uv_handle_t *)&r->timer, rec_closed);
}

/* pol's retry policy, qualifier and destinations into r.  0 or -ENOMEM. */
static int
rec_set_policy(struct rec *r, const struct equeue_policy *pol)
{
	r->retries = pol->retries;
	r->max_age_s = pol->max_age_s;
	snprintf(r->qual, sizeof(r->qual), "%s", pol->qual);
	if ((pol->on_success[0] != '\0' &&
	    (r->on_success = strdup(pol->on_success)) == NULL) ||
	    (pol->on_failure[0] != '\0' &&
	    (r->on_failure = strdup(pol->on_failure)) == NULL))
		return -ENOMEM;
	return 0;
}

/* ---- disk jobs ---------------------------------------------------------- */

static void
job_work(uv_work_t *w)
{
	struct job *j = (struct job *)w;
	struct equeue *q = j->r->q;

	switch (j->op) {
	case JOB_PUT:
	case JOB_REWRITE:
		j->rc = equeue_file_replace(q->dir, j->r->id, &j->data);
		break;
	case JOB_REMOVE:
		j->rc = equeue_file_remove(q->dir, j->r->id);
		break;
	case JOB_FAIL:
		j->rc = equeue_file_fail(q->dir, q->failed, j->r->id);
		break;
	case JOB_SEND_REMOVE:
	case JOB_SEND_FAIL:
		/* The destination's record is durable before the source
		 * goes. */
		j->send_rc = equeue_file_replace(q->dir, j->dest->id, &j->data);
		j->rc = j->send_rc == 0 || j->op == JOB_SEND_REMOVE ?
		    equeue_file_remove(q->dir, j->r->id) :
		    equeue_file_fail(q->dir, q->failed, j->r->id);
		break;
	}
}

/* A JOB_SEND_* ended: run the record sent, forget the source. */
static void
job_after_send(struct job *j)
{
	struct rec *r = j->r, *d = j->dest;

	if (j->send_rc != 0) {
		log_warnx("%s: %s: cannot store the invocation record for %s "
		    "in %s: %s; %s", r->fn, r->id, d->fn, r->q->dir,
		    strerror(-j->send_rc), j->op == JOB_SEND_FAIL ?
		    "the Event goes to failed/" : "it is dropped");
		rec_drop(d);
	} else {
		log_info("%s: %s: invocation record queued for %s as %s", r->fn,
		    r->id, d->fn, d->id);
		rec_schedule(d, 0);
	}
	if (j->rc != 0)
		log_warnx("%s: %s: cannot remove the Event record in %s: %s",
		    r->fn, r->id, r->q->dir, strerror(-j->rc));
	rec_drop(r);
}

/* What a finished job means for its record, back on the loop. */
static void
job_after_rec(struct job *j)
{
	struct rec *r = j->r;
	struct equeue *q = r->q;

	switch (j->op) {
	case JOB_PUT:
		q->nputs--;
		if (j->rc != 0) {
			log_warnx("%s: %s: cannot store the Event in %s: %s",
			    r->fn, r->id, q->dir, strerror(-j->rc));
			rec_drop(r);
		} else
			rec_schedule(r, 0);
		j->cb(j->arg, j->rc);
		break;
	case JOB_REWRITE:
		if (j->rc != 0)
			log_warnx("%s: %s: cannot record attempt %u in %s: %s",
			    r->fn, r->id, r->attempts, q->dir, strerror(-j->rc));
		/* Lambda: 1 min after the first failure, 2 min after the second. */
		rec_schedule(r, (uint64_t)q->retry_delay_s * 1000 * r->attempts);
		break;
	case JOB_SEND_REMOVE:
	case JOB_SEND_FAIL:
		job_after_send(j);
		break;
	case JOB_REMOVE:
	case JOB_FAIL:
		if (j->rc != 0)
			log_warnx("%s: %s: cannot %s the Event record in %s: %s",
			    r->fn, r->id, j->op == JOB_REMOVE ? "remove" :
			    "move to failed/", q->dir, strerror(-j->rc));
		rec_drop(r);
		break;
	}
}

static void
job_after(uv_work_t *w, int status)
{
	struct job *j = (struct job *)w;
	struct equeue *q = j->r->q;

	if (status != 0 && j->rc == 0)
		j->rc = status;		/* UV_ECANCELED: never ran */
	j->r->job = 0;
	if (j->dest != NULL)
		j->dest->job = 0;
	q->njobs--;
	if (q->closing) {
		/* Shutting down: the file is what it is; just answer the put. */
		if (j->op == JOB_PUT) {
			q->nputs--;
			j->cb(j->arg, j->rc);
		}
		rec_drop(j->r);
		if (j->dest != NULL)
			rec_drop(j->dest);	/* on disk or not: as it is */
	} else
		job_after_rec(j);
	buf_free(&j->data);
	free(j);
	equeue_maybe_free(q);
}

/* Start op on r; data (if any) is taken.  dest: JOB_SEND_*'s record. */
static int
rec_job_send(struct rec *r, enum job_op op, struct buf *data,
    struct rec *dest, equeue_put_cb cb, void *arg)
{
	struct job *j = calloc(1, sizeof(*j));
	int rc;

	if (j == NULL)
		return -ENOMEM;
	j->r = r;
	j->dest = dest;
	j->op = op;
	j->cb = cb;
	j->arg = arg;
	buf_init(&j->data);
	if (data != NULL) {
		j->data = *data;
		buf_init(data);
	}
	if ((rc = uv_queue_work(r->q->loop, &j->w, job_work, job_after)) != 0) {
		if (data != NULL)
			*data = j->data;
		free(j);
		return rc;
	}
	r->job = 1;
	if (dest != NULL)
		dest->job = 1;	/* not run before its file is there */
	r->q->njobs++;
	return 0;
}

static int
rec_job(struct rec *r, enum job_op op, struct buf *data, equeue_put_cb cb,
    void *arg)
{
	return rec_job_send(r, op, data, NULL, cb, arg);
}

/* ---- running --------------------------------------------------------- */

static void
rec_schedule(struct rec *r, uint64_t delay_ms)
{
	if (r->q->stopping || r->q->closing)
		return;
	uv_timer_start(&r->timer, rec_run, delay_ms, 0);
}

static void
rec_fail(struct rec *r, const char *why)
{
	log_warnx("%s: %s: Event invocation failed (%s) after %u attempts; "
	    "moved to %s", r->fn, r->id, why, r->attempts, r->q->failed);
	if (rec_job(r, JOB_FAIL, NULL, NULL, NULL) != 0)
		rec_drop(r);	/* still on disk: the next start tries again */
}

/*
 * Queue the invocation record in for the destination arn, as a new Event
 * of that function, and remove r once it is durable (op JOB_SEND_*).
 * -errno when nothing was started: the caller ends r as without one.
 */
static int
rec_send(struct rec *r, const char *arn, const struct dest_in *in,
    enum job_op op)
{
	struct equeue *q = r->q;
	struct equeue_policy pol;
	char pool[EQUEUE_FN_MAX + 1];
	struct buf rec, file;
	struct rec *d;
	int rc;

	if (q->dest == NULL)
		return -ENOTSUP;
	if (r->hops + 1 >= DEST_HOPS_MAX) {
		log_warnx("%s: %s: not sent to %s: it has gone through %u "
		    "destinations (a loop?)", r->fn, r->id, arn, r->hops);
		return -ELOOP;
	}
	equeue_policy_init(&pol);
	if ((rc = q->dest(q->dest_arg, arn, pool, sizeof(pool), &pol)) != 0) {
		log_warnx("%s: %s: destination %s: no such function", r->fn,
		    r->id, arn);
		return rc;
	}
	buf_init(&rec);
	dest_record(in, &rec);
	if (rec.len > EQUEUE_MAX_PAYLOAD) {
		log_warnx("%s: %s: the invocation record for %s is %zu bytes, "
		    "over %d: not sent", r->fn, r->id, arn, rec.len,
		    EQUEUE_MAX_PAYLOAD);
		buf_free(&rec);
		return -E2BIG;
	}
	if ((d = rec_new(q)) == NULL) {
		buf_free(&rec);
		return -ENOMEM;
	}
	snprintf(d->fn, sizeof(d->fn), "%s", pool);
	uuid_random(d->id);
	d->accepted_ms = now_ms();
	d->hops = r->hops + 1;
	buf_init(&file);
	if ((rc = rec_set_policy(d, &pol)) == 0 && (r->trace_id == NULL ||
	    (d->trace_id = strdup(r->trace_id)) != NULL)) {
		equeue_rec_format(d, rec.data, rec.len, &file);
		rc = rec_job_send(r, op, &file, d, NULL, NULL);
	} else
		rc = -ENOMEM;
	buf_free(&rec);
	buf_free(&file);
	if (rc != 0)
		rec_drop(d);
	return rc;
}

/* The record of r's end, without the response (dest_in's). */
static void
rec_dest_in(const struct rec *r, const struct invocation *inv,
    const char *condition, unsigned count, struct dest_in *in)
{
	memset(in, 0, sizeof(*in));
	in->request_id = r->id;
	in->pool = r->fn;
	in->qual = r->qual;
	in->condition = condition;
	in->invoke_count = count;
	in->request = inv->event.data;
	in->request_len = inv->event.len;
	in->when_ms = now_ms();
}

/* r failed for good (why): to its OnFailure destination, or failed/. */
static void
rec_fail_to(struct rec *r, const char *why, const struct dest_in *in)
{
	if (r->on_failure == NULL ||
	    rec_send(r, r->on_failure, in, JOB_SEND_FAIL) != 0) {
		rec_fail(r, why);
		return;
	}
	log_warnx("%s: %s: Event invocation failed (%s) after %u attempts; "
	    "its record goes to %s", r->fn, r->id, why, r->attempts,
	    r->on_failure);
}

/* The queue was full: back off 1, 2, 4 ... 300 s, up to event_max_age. */
static void
rec_throttled(struct rec *r)
{
	unsigned n = r->throttles < 9 ? r->throttles : 9;
	uint64_t s = (uint64_t)1 << n;

	r->throttles++;
	if (s > BACKOFF_MAX_S)
		s = BACKOFF_MAX_S;
	log_info("%s: %s: Event throttled; retrying in %llu s", r->fn, r->id,
	    (unsigned long long)s);
	rec_schedule(r, s * 1000);
}

/* A function error, crash or timeout: retry, or give up into failed/. */
static void
rec_failed_attempt(struct rec *r, const struct function_conf *fc,
    const struct invocation *inv, const struct inv_result *res,
    const char *type)
{
	unsigned retries = r->retries != EQUEUE_FN_POLICY ? r->retries :
	    fc->event_retries;
	struct buf b;

	r->attempts++;
	if (r->attempts > retries) {
		struct dest_in in;

		rec_dest_in(r, inv, "RetriesExhausted", r->attempts, &in);
		in.version = pool_version(inv->pool);
		in.function_error = true;
		in.response = res->body;
		in.response_len = res->body_len;
		rec_fail_to(r, type, &in);
		return;
	}
	log_info("%s: %s: Event invocation failed (%s); retry %u of %u in %u s",
	    r->fn, r->id, type, r->attempts, retries,
	    r->q->retry_delay_s * r->attempts);
	buf_init(&b);
	equeue_rec_format(r, inv->event.data, inv->event.len, &b);
	if (rec_job(r, JOB_REWRITE, &b, NULL, NULL) != 0) {
		buf_free(&b);
		rec_schedule(r, (uint64_t)r->q->retry_delay_s * 1000 *
		    r->attempts);
	}
}

/* r ran well: its record to the OnSuccess destination.  0 or -errno. */
static int
rec_succeeded(struct rec *r, const struct invocation *inv,
    const struct inv_result *res)
{
	struct dest_in in;

	rec_dest_in(r, inv, "Success", r->attempts + 1, &in);
	in.version = pool_version(inv->pool);
	in.response = res->body;
	in.response_len = res->body_len;
	return rec_send(r, r->on_success, &in, JOB_SEND_REMOVE);
}

static void
rec_done(struct invocation *inv, const struct inv_result *res)
{
	struct rec *r = inv->door;
	struct equeue *q = r->q;
	const char *type = res->error_type != NULL ? res->error_type :
	    "function error";

	q->nrunning--;
	if (res->status == INV_OK) {
		log_info("%s: %s: Event invocation done", r->fn, r->id);
		/* The run's log lines are written before its record goes: a
		 * SIGKILL after the removal must not take them with it. */
		log_flush();
		if (r->on_success == NULL || rec_succeeded(r, inv, res) != 0) {
			if (rec_job(r, JOB_REMOVE, NULL, NULL, NULL) != 0)
				rec_drop(r);
		}
	} else if (q->stopping)
		log_info("%s: %s: Event invocation cut short by the stop; kept "
		    "in %s", r->fn, r->id, q->dir);
	else if (res->status == INV_THROTTLED)
		rec_throttled(r);
	else
		rec_failed_attempt(r, pool_conf(inv->pool), inv, res, type);
	inv_free(inv);
}

/* The payload of r's file into inv.  0 or -errno. */
static int
rec_load(struct rec *r, struct invocation *inv)
{
	struct rec tmp;
	struct buf b;
	char path[PATH_MAX];
	size_t off = 0;
	int rc;

	snprintf(path, sizeof(path), "%s/%s.ev", r->q->dir, r->id);
	buf_init(&b);
	memset(&tmp, 0, sizeof(tmp));
	if ((rc = fs_read(path, &b, EQUEUE_MAX_PAYLOAD +
	    EQUEUE_HEADER_MAX)) == 0 &&
	    (rc = equeue_rec_parse(&tmp, &b, &off)) == 0)
		buf_add(&inv->event, b.data + off, b.len - off);
	free(tmp.trace_id);
	free(tmp.context);
	free(tmp.on_success);
	free(tmp.on_failure);
	buf_free(&b);
	if (rc == 0 && inv->event.len == 0)
		buf_adds(&inv->event, "{}");
	return rc;
}

static int
rec_invocation(struct rec *r, struct invocation **out)
{
	struct invocation *inv;
	int rc;

	if ((inv = inv_new()) == NULL)
		return -ENOMEM;
	/* A retry keeps the request id, as on Lambda. */
	memcpy(inv->id, r->id, sizeof(inv->id));
	if ((rc = rec_load(r, inv)) != 0) {
		inv_free(inv);
		return rc;
	}
	if ((r->trace_id != NULL && (inv->trace_id = strdup(r->trace_id)) == NULL) ||
	    (r->context != NULL &&
	    (inv->client_context = strdup(r->context)) == NULL)) {
		inv_free(inv);
		return -ENOMEM;
	}
	inv->done = rec_done;
	inv->door = r;
	inv->via = INV_VIA_EVENT;
	*out = inv;
	return 0;
}

/* Too old to run: to its OnFailure destination (payload read back). */
static void
rec_too_old(struct rec *r)
{
	struct invocation *inv = NULL;
	struct dest_in in;

	if (r->on_failure == NULL || (inv = inv_new()) == NULL ||
	    rec_load(r, inv) != 0)
		rec_fail(r, "older than event_max_age");
	else {
		/* It may have run and failed before: that reply is not kept. */
		rec_dest_in(r, inv, "EventAgeExceeded", r->attempts, &in);
		rec_fail_to(r, "older than event_max_age", &in);
	}
	inv_free(inv);
}

static void
rec_run(uv_timer_t *t)
{
	struct rec *r = t->data;
	struct equeue *q = r->q;
	struct invocation *inv;
	struct pool *p;
	int rc;

	if (q->stopping || q->closing || r->job)
		return;
	if ((p = q->find(q->arg, r->fn)) == NULL) {
		rec_fail(r, "no such function any more");
		return;
	}
	if (now_ms() > r->accepted_ms + (uint64_t)(r->max_age_s !=
	    EQUEUE_FN_POLICY ? r->max_age_s : pool_conf(p)->event_max_age_s) *
	    1000) {
		rec_too_old(r);
		return;
	}
	if ((rc = rec_invocation(r, &inv)) != 0) {
		log_warnx("%s: %s: cannot read the Event record: %s", r->fn,
		    r->id, strerror(-rc));
		if (rc == -ENOMEM)
			rec_throttled(r);
		else
			rec_fail(r, "unreadable record");
		return;
	}
	if (pool_submit(p, inv) != 0) {
		inv_free(inv);
		rec_throttled(r);
		return;
	}
	q->nrunning++;
}

/* ---- loading at start-up ------------------------------------------------ */

static int
rec_cmp(const void *a, const void *b)
{
	const struct rec *x = *(struct rec *const *)a, *y = *(struct rec *const *)b;

	return x->accepted_ms < y->accepted_ms ? -1 :
	    x->accepted_ms > y->accepted_ms;
}

/* One directory entry: a record to load, a stale .tmp, or noise. */
static struct rec *
equeue_load_one(struct equeue *q, const char *name)
{
	char path[PATH_MAX];
	size_t n = strlen(name), off;
	struct buf b;
	struct rec *r;
	int rc;

	snprintf(path, sizeof(path), "%s/%s", q->dir, name);
	if (n > 4 && strcmp(name + n - 4, ".tmp") == 0) {
		/* A put that never reached its rename: never acknowledged. */
		unlink(path);
		return NULL;
	}
	if (n != 39 || strcmp(name + 36, ".ev") != 0 || (r = rec_new(q)) == NULL)
		return NULL;
	buf_init(&b);
	if ((rc = fs_read(path, &b, EQUEUE_MAX_PAYLOAD +
	    EQUEUE_HEADER_MAX)) == 0)
		rc = equeue_rec_parse(r, &b, &off);
	buf_free(&b);
	if (rc == 0 && memcmp(r->id, name, 36) != 0)
		rc = -EINVAL;
	if (rc != 0) {
		memcpy(r->id, name, 36);
		r->id[36] = '\0';
		snprintf(r->fn, sizeof(r->fn), "?");
		rec_fail(r, rc == -EINVAL ? "malformed record" : strerror(-rc));
		return NULL;
	}
	return r;
}

/* Schedule what the last run left, oldest first. */
static void
equeue_load(struct equeue *q)
{
	struct rec **v = NULL, **nv;
	struct dirent *de;
	size_t n = 0, i;
	DIR *d;

	if ((d = opendir(q->dir)) == NULL) {
		log_warn("events: cannot read %s", q->dir);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		struct rec *r = equeue_load_one(q, de->d_name);

		if (r == NULL)
			continue;
		if ((nv = realloc(v, (n + 1) * sizeof(*v))) == NULL) {
			rec_schedule(r, 0);
			continue;
		}
		v = nv;
		v[n++] = r;
	}
	closedir(d);
	if (n > 0)
		qsort(v, n, sizeof(*v), rec_cmp);
	for (i = 0; i < n; i++)
		rec_schedule(v[i], 0);
	free(v);
	if (n > 0)
		log_info("events: %zu pending in %s", n, q->dir);
}

/* ---- entry points ------------------------------------------------------ */

static char *
path_join(const char *a, const char *b)
{
	char *s;

	return asprintf(&s, "%s/%s", a, b) < 0 ? NULL : s;
}

struct equeue *
equeue_new(uv_loop_t *loop, const char *state_dir, unsigned retry_delay_s,
    unsigned max_records, equeue_find_cb find, void *arg, char *err,
    size_t errlen)
{
	struct equeue *q = calloc(1, sizeof(*q));
	int rc = -ENOMEM;

	if (q == NULL || (q->dir = path_join(state_dir, "events")) == NULL ||
	    (q->failed = path_join(q->dir, "failed")) == NULL ||
	    (rc = fs_mkdir_p(q->failed, 0700)) != 0) {
		snprintf(err, errlen, "cannot create %s/events/failed: %s",
		    state_dir, strerror(-rc));
		if (q != NULL) {
			free(q->dir);
			free(q->failed);
			free(q);
		}
		return NULL;
	}
	q->loop = loop;
	q->retry_delay_s = retry_delay_s;
	q->max_records = max_records;
	q->find = find;
	q->arg = arg;
	equeue_load(q);
	return q;
}

int
equeue_put(struct equeue *q, const char *fn, const char *id,
    const char *payload, size_t len, const char *trace_id,
    const char *client_context, equeue_put_cb cb, void *arg)
{
	return equeue_put_policy(q, fn, id, payload, len, trace_id,
	    client_context, EQUEUE_FN_POLICY, EQUEUE_FN_POLICY, cb, arg);
}

void
equeue_policy_init(struct equeue_policy *pol)
{
	memset(pol, 0, sizeof(*pol));
	pol->retries = EQUEUE_FN_POLICY;
	pol->max_age_s = EQUEUE_FN_POLICY;
}

void
equeue_set_dest(struct equeue *q, equeue_dest_cb dest, void *arg)
{
	if (q == NULL)
		return;
	q->dest = dest;
	q->dest_arg = arg;
}

int
equeue_put_policy(struct equeue *q, const char *fn, const char *id,
    const char *payload, size_t len, const char *trace_id,
    const char *client_context, unsigned retries, unsigned max_age_s,
    equeue_put_cb cb, void *arg)
{
	struct equeue_policy pol;

	equeue_policy_init(&pol);
	pol.retries = retries;
	pol.max_age_s = max_age_s;
	return equeue_put_with(q, fn, id, payload, len, trace_id,
	    client_context, &pol, cb, arg);
}

int
equeue_put_with(struct equeue *q, const char *fn, const char *id,
    const char *payload, size_t len, const char *trace_id,
    const char *client_context, const struct equeue_policy *pol,
    equeue_put_cb cb, void *arg)
{
	struct rec *r;
	struct buf b;
	int rc;

	if (len > EQUEUE_MAX_PAYLOAD)
		return -E2BIG;
	if (strlen(fn) > EQUEUE_FN_MAX)
		return -ENAMETOOLONG;
	if (q->nrecs >= q->max_records)
		return -EAGAIN;
	if ((r = rec_new(q)) == NULL)
		return -ENOMEM;
	snprintf(r->fn, sizeof(r->fn), "%s", fn);
	snprintf(r->id, sizeof(r->id), "%s", id);
	r->accepted_ms = now_ms();
	if (rec_set_policy(r, pol) != 0 ||
	    (trace_id != NULL && (r->trace_id = strdup(trace_id)) == NULL) ||
	    (client_context != NULL &&
	    (r->context = strdup(client_context)) == NULL)) {
		rec_drop(r);
		return -ENOMEM;
	}
	buf_init(&b);
	equeue_rec_format(r, payload, len, &b);
	if ((rc = rec_job(r, JOB_PUT, &b, cb, arg)) != 0) {
		buf_free(&b);
		rec_drop(r);
		return rc;
	}
	q->nputs++;
	return 0;
}

void
equeue_stop(struct equeue *q)
{
	struct rec *r;

	if (q == NULL)
		return;
	q->stopping = 1;
	for (r = q->recs; r != NULL; r = r->next)
		uv_timer_stop(&r->timer);
	if (q->nrecs > 0)
		log_info("events: %u kept in %s for the next start", q->nrecs,
		    q->dir);
}

unsigned
equeue_depth(const struct equeue *q)
{
	return q != NULL ? q->nrecs : 0;
}

unsigned
equeue_inflight(const struct equeue *q)
{
	return q != NULL ? q->nputs + q->nrunning : 0;
}

void
equeue_free(struct equeue *q)
{
	struct rec *r, *next;

	if (q == NULL)
		return;
	q->closing = 1;
	/* Records in a disk job are dropped when it ends (job_after). */
	for (r = q->recs; r != NULL; r = next) {
		next = r->next;
		if (!r->job)
			rec_drop(r);
	}
	equeue_maybe_free(q);
}
