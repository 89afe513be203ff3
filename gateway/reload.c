/*
 * reload: a new configuration without dropping a request.  See daemon.h.
 *
 * In order:
 *   1. read and check the whole configuration (conf_load, routes); any
 *      error leaves everything as it was;
 *   2. pair functions by name: a function whose worker-visible settings and
 *      bootstrap file are unchanged keeps its pool (and its warm workers);
 *      a new or changed one gets a new pool, which starts its min_idle
 *      workers, and one worker more if the old pool had live workers, so
 *      traffic that was warm stays warm;
 *   3. wait until no new pool still has a worker starting (at most
 *      RELOAD_WARM_MS), polling the pools from a timer;
 *   4. switch in one step: route table, Invoke API, d->pools, d->conf;
 *   5. drain the pools that were replaced or removed: what they have queued
 *      or running finishes there, then their workers go.
 * Requests that arrive during 1-3 go to the old pools; after 4 to the new.
 * Nothing is ever refused because of a reload.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "apigw/keystore.h"
#include "daemon.h"
#include "endpoint.h"
#include "front.h"
#include "invoke.h"
#include "log.h"
#include "logring.h"
#include "metrics.h"
#include "opener.h"
#include "pool.h"
#include "route.h"
#include "tables/door.h"
#include "buckets/bucket.h"
#include "sched/sched.h"

#define RELOAD_WARM_MS		10000	/* as long as an init may take */
#define RELOAD_POLL_MS		2

struct reload {
	struct daemon	*d;
	struct conf	*nc;
	struct pool	**npools;	/* lined up with nc->fns */
	bool		*fresh;		/* npools[i] is new */
	uv_timer_t	 timer;
	uint64_t	 deadline;	/* loop ms */
	reload_done_cb	 done;
	void		*arg;
	unsigned	 added, changed, unchanged, removed;
};

static void
reload_notify_reloading(void)
{
	struct timespec ts;
	char msg[96];

	clock_gettime(CLOCK_MONOTONIC, &ts);
	snprintf(msg, sizeof(msg), "RELOADING=1\nMONOTONIC_USEC=%llu",
	    (unsigned long long)ts.tv_sec * 1000000ULL +
	    (unsigned long long)ts.tv_nsec / 1000);
	daemon_notify(msg);
}

/* Settings read once at start-up: a reload cannot change them. */
static void
reload_warn_fixed(const struct conf *o, const struct conf *n)
{
	const struct {
		const char	*key;
		bool		 changed;
	} fixed[] = {
		{ "listen", strcmp(o->listen_host, n->listen_host) != 0 ||
		    o->listen_port != n->listen_port },
		{ "invoke_api", o->invoke_api != n->invoke_api },
		{ "user", !conf_str_same(o->user, n->user) },
		{ "state_dir", !conf_str_same(o->state_dir, n->state_dir) },
		{ "admin_socket",
		    !conf_str_same(o->admin_socket, n->admin_socket) },
		{ "dynamodb_listen",
		    !conf_str_same(o->dynamodb_host, n->dynamodb_host) ||
		    o->dynamodb_port != n->dynamodb_port },
		{ "tables_dir", !conf_str_same(o->tables_dir, n->tables_dir) },
		{ "tables_sync", o->tables_sync_full != n->tables_sync_full },
		{ "s3_listen", !conf_str_same(o->s3_host, n->s3_host) ||
		    o->s3_port != n->s3_port },
		{ "buckets_dir",
		    !conf_str_same(o->buckets_dir, n->buckets_dir) },
		{ "tables_backend",
		    !conf_str_same(o->tables_backend, n->tables_backend) ||
		    !conf_str_same(o->tables_backend_key, n->tables_backend_key) ||
		    !conf_str_same(o->tables_backend_region,
		    n->tables_backend_region) },
	};
	size_t i;

	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		if (fixed[i].changed)
			log_warnx("reload: %s changed; it takes effect at the "
			    "next restart", fixed[i].key);
}

static void
reload_free(struct reload *r)
{
	free(r->npools);
	free(r->fresh);
	free(r);
}

static void
reload_timer_closed(uv_handle_t *h)
{
	reload_free(h->data);
}

/* One pool fewer points into rc; the last frees it. */
static void
retired_release(struct daemon *d, struct retired_conf *rc)
{
	struct retired_conf **rp;

	if (--rc->pools > 0)
		return;
	for (rp = &d->retired; *rp != NULL; rp = &(*rp)->next)
		if (*rp == rc) {
			*rp = rc->next;
			break;
		}
	conf_free(rc->conf);
	free(rc);
}

static void
drain_done(struct pool *p, void *arg)
{
	struct drain_entry *e = arg, **pp;
	struct daemon *d = e->d;

	for (pp = &d->draining; *pp != NULL; pp = &(*pp)->next)
		if (*pp == e) {
			*pp = e->next;
			break;
		}
	log_info("%s: old workers drained", pool_conf(p)->name);
	pool_free(p);
	retired_release(d, e->rc);
	free(e);
}

/* Put old pools that are not in keep[] aside to drain; conf is kept for
 * them.  Entries are all added before any drain starts: pool_drain may
 * call drain_done at once. */
static void
reload_retire(struct daemon *d, struct conf *conf, struct pool **old,
    size_t nold, struct pool **keep, size_t nkeep)
{
	struct retired_conf *rc = calloc(1, sizeof(*rc));
	struct drain_entry *e, *next, *before = d->draining;
	size_t i, j;

	if (rc == NULL)
		abort();	/* as buf.c: no memory for a few bytes */
	rc->conf = conf;
	rc->pools = 1;		/* held until every drain has started */
	rc->next = d->retired;
	d->retired = rc;
	for (i = 0; i < nold; i++) {
		for (j = 0; j < nkeep && keep[j] != old[i]; j++)
			;
		if (j < nkeep)
			continue;
		if ((e = calloc(1, sizeof(*e))) == NULL)
			abort();
		e->pool = old[i];
		e->rc = rc;
		e->d = d;
		e->next = d->draining;
		d->draining = e;
		rc->pools++;
	}
	/* The new entries are those in front of before; drain_done may free
	 * the one being drained, never another. */
	for (e = d->draining; e != before; e = next) {
		next = e->next;
		pool_drain(e->pool, drain_done, e);
	}
	retired_release(d, rc);
}

static void
reload_switch(struct reload *r)
{
	struct daemon *d = r->d;
	struct route_table *rt;
	struct conf *old = d->conf;
	struct pool **oldp = d->pools;
	size_t i, nold = d->npools;
	char err[512], msg[160];

	if (daemon_build_routes(r->nc, r->npools, &rt, err, sizeof(err)) != 0)
		abort();	/* checked in daemon_reload with the same conf */
	front_set_routes(d->front, rt);
	route_table_free(d->rt);
	d->rt = rt;
	/* Nothing may point into the old conf once it is retired. */
	front_set_cors(d->front, r->nc->cors);
	if (front_set_apigw(d->front, r->nc, err, sizeof(err)) != 0)
		log_warnx("reload: %s; the access log stays as it was", err);
	front_set_pools(d->front, r->npools, r->nc->nfns);
	if (d->keys != NULL)
		keystore_set_conf(d->keys, r->nc);
	front_set_cache(d->front, r->nc);
	front_set_access_keys(d->front, r->nc->access_keys,
	    r->nc->naccess_keys);
	front_set_max_conns(d->front, daemon_conn_cap(r->nc));
	front_set_timeouts(d->front, r->nc->header_timeout_s,
	    r->nc->body_timeout_s, r->nc->send_timeout_s);
	front_set_docs(d->front, r->nc);
	if (d->invoke != NULL)
		invoke_set_conf(d->invoke, r->nc, r->npools, r->nc->nfns);
	sched_set_conf(d->sched, r->nc);
	/* New grants apply from the next call, warm workers' too. */
	tables_door_set_conf(d->tables, r->nc);
	buckets_set_conf(d->buckets, r->nc);
	endpoint_set_buckets(d->buckets, r->nc);
	front_set_sites(d->front, r->nc, d->buckets);
	for (i = 0; i < r->nc->nfns; i++)
		if (!r->fresh[i])
			pool_set_conf(r->npools[i], &r->nc->fns[i]);
	for (i = 0; i < nold; i++)
		if (conf_find(r->nc, old->fns[i].name) == NULL)
			logring_forget(old->fns[i].name);
	d->conf = r->nc;
	d->pools = r->npools;
	d->npools = r->nc->nfns;
	r->npools = NULL;
	d->reload = NULL;
	d->reloads++;
	reload_retire(d, old, oldp, nold, d->pools, d->npools);
	free(oldp);
	snprintf(msg, sizeof(msg), "%zu functions: %u unchanged, %u changed, "
	    "%u added, %u removed", d->npools, r->unchanged, r->changed,
	    r->added, r->removed);
	log_info("reloaded %s: %s", d->cfile, msg);
	daemon_notify("READY=1\nSTATUS=serving");
	r->done(r->arg, 0, msg);
	uv_close((uv_handle_t *)&r->timer, reload_timer_closed);
}

/* Every new pool has its workers up (or has given up on them). */
static bool
reload_warm(const struct reload *r)
{
	struct pool_stats st;
	size_t i;

	for (i = 0; i < r->nc->nfns; i++) {
		if (!r->fresh[i])
			continue;
		pool_stats(r->npools[i], &st);
		if (st.spawning > 0)
			return false;
	}
	return true;
}

static void
reload_tick(uv_timer_t *t)
{
	struct reload *r = t->data;

	if (!reload_warm(r) && uv_now(t->loop) < r->deadline)
		return;
	uv_timer_stop(t);
	reload_switch(r);
}

static void
reload_refuse(const char *err, reload_done_cb done,
    void *arg)
{
	log_warnx("reload refused, the running configuration stays: %s", err);
	daemon_notify("READY=1\nSTATUS=serving (last reload refused)");
	done(arg, -EINVAL, err);
}

/* Step 2: pair the functions; new pools for new and changed ones. */
static void
reload_pair(struct reload *r)
{
	struct daemon *d = r->d;
	struct pool_stats st;
	size_t i, oi;

	for (i = 0; i < r->nc->nfns; i++) {
		struct function_conf *fc = &r->nc->fns[i];
		struct pool *op = daemon_pool(d, fc->name, &oi);

		if (op != NULL && conf_fn_same(&d->conf->fns[oi], fc)) {
			r->npools[i] = op;
			r->unchanged++;
			continue;
		}
		if ((r->npools[i] = pool_new(d->loop, d->sp, fc)) == NULL)
			abort();	/* as buf.c: out of memory */
		pool_set_metrics(r->npools[i], metrics_fn(d->metrics,
		    pool_conf(r->npools[i])->name));
		r->fresh[i] = true;
		op != NULL ? r->changed++ : r->added++;
		pool_start(r->npools[i]);
		if (op != NULL) {
			pool_stats(op, &st);
			if (st.idle + st.busy + st.resting > 0)
				pool_prewarm(r->npools[i]);
		}
	}
	r->removed = (unsigned)(d->npools - (r->nc->nfns - r->added));
}

int
daemon_reload(struct daemon *d, reload_done_cb done, void *arg)
{
	struct reload *r;
	struct conf *nc;
	struct route_table *rt;
	char err[1024];

	if (d->reload != NULL || d->stopping)
		return -EBUSY;
	reload_notify_reloading();
	log_info("reloading %s", d->cfile);
	/* Through the opener when there is one: the files may be 0600 root. */
	if (conf_load_io(d->cfile, d->opener != NULL ? opener_io(d->opener) :
	    NULL, &nc, err, sizeof(err)) != 0) {
		reload_refuse(err, done, arg);
		return 0;
	}
	if (daemon_build_routes(nc, NULL, &rt, err, sizeof(err)) != 0) {
		conf_free(nc);
		reload_refuse(err, done, arg);
		return 0;
	}
	route_table_free(rt);
	reload_warn_fixed(d->conf, nc);
	if ((r = calloc(1, sizeof(*r))) == NULL ||
	    (r->npools = calloc(nc->nfns + 1, sizeof(*r->npools))) == NULL ||
	    (r->fresh = calloc(nc->nfns + 1, sizeof(*r->fresh))) == NULL)
		abort();
	r->d = d;
	r->nc = nc;
	r->done = done;
	r->arg = arg;
	reload_pair(r);
	d->reload = r;
	uv_timer_init(d->loop, &r->timer);
	r->timer.data = r;
	r->deadline = uv_now(d->loop) + RELOAD_WARM_MS;
	uv_timer_start(&r->timer, reload_tick, 0, RELOAD_POLL_MS);
	return 0;
}

void
daemon_reload_cancel(struct daemon *d)
{
	struct reload *r = d->reload;
	struct pool **keep;
	size_t i, n = 0;

	if (r == NULL)
		return;
	d->reload = NULL;
	uv_timer_stop(&r->timer);
	/* The new pools drain beside the old ones; stop then shuts them all. */
	if ((keep = calloc(r->nc->nfns + 1, sizeof(*keep))) == NULL)
		abort();
	for (i = 0; i < r->nc->nfns; i++)
		if (!r->fresh[i])
			keep[n++] = r->npools[i];
	reload_retire(d, r->nc, r->npools, r->nc->nfns, keep, n);
	free(keep);
	r->done(r->arg, -ECANCELED, "the daemon is stopping");
	uv_close((uv_handle_t *)&r->timer, reload_timer_closed);
}
