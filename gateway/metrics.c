/*
 * metrics: the registry of per-function counters and histograms, the
 * Prometheus text rendering, and the optional metrics_listen port.  See
 * metrics.h for the model.
 *
 * Everything here runs on the daemon's one loop thread, so the counters are
 * plain integers.  Durations are summed in nanoseconds (an integer never
 * drifts) and turned into seconds only when rendered.
 */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "http.h"
#include "log.h"
#include "metrics.h"
#include "metrics_tables.h"

const double metrics_buckets[METRICS_NBUCKETS] = {
	0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
	1, 2.5, 5, 10, 30, 60, 300, 900,
};

static const char *const door_names[METRICS_NDOORS] = {
	[METRICS_DOOR_HTTP] = "http",
	[METRICS_DOOR_INVOKE] = "invoke",
	[METRICS_DOOR_EVENT] = "event",
};

struct metrics_hist {
	uint64_t	 bucket[METRICS_NBUCKETS + 1];	/* not cumulative; last: +Inf */
	uint64_t	 count;
	uint64_t	 sum_ns;
};

struct metrics_errtype {
	char		*type;
	uint64_t	 n;
};

struct metrics_refusal {
	char		*route;
	int		 status;
	const char	*reason;	/* static */
	uint64_t	 n;
};

struct metrics_fn {
	struct metrics_fn *next;
	char		*name;
	uint64_t	 inv[METRICS_NDOORS];
	uint64_t	 throttles, timeouts, cold_starts;
	uint64_t	 log_dropped;	/* lines over log_rate */
	struct metrics_errtype err[METRICS_MAX_ERROR_TYPES];
	size_t		 nerr;
	uint64_t	 err_other;	/* types past METRICS_MAX_ERROR_TYPES */
	struct metrics_hist dur, init;
	struct metrics_hist authz;	/* as a Lambda authorizer: latency */
	uint64_t	 authz_hits;	/* ... and decisions from its cache */
	struct metrics_refusal ref[METRICS_MAX_REFUSALS];
	size_t		 nref;
	uint64_t	 ref_other;	/* series past METRICS_MAX_REFUSALS */
	uint64_t	 cache[METRICS_CACHE_NEVENTS];
	int64_t		 cache_bytes;
};

struct metrics {
	struct metrics_fn *fns;		/* in the order first seen */
	struct metrics_fn **tail;
	double		 start_time;	/* epoch seconds */
	unsigned	(*conns)(void *);
	void		*conns_arg;
	unsigned	(*events)(void *);
	void		*events_arg;
	void		(*bev)(void *, struct metrics_bucket_events *);
	void		*bev_arg;
	void		(*http)(void *, struct http_server_stats *);
	void		*http_arg;
	void		(*alog)(void *, uint64_t *, uint64_t *);
	void		*alog_arg;
	void		(*ws)(void *, struct metrics_ws *);
	void		*ws_arg;
	struct metrics_tables *tables;	/* the Tables store's series */
};

/* ---- the registry ------------------------------------------------------- */

struct metrics *
metrics_new(void)
{
	struct metrics *m = calloc(1, sizeof(*m));
	struct timespec ts;

	if (m == NULL)
		return NULL;
	if ((m->tables = metrics_tables_new()) == NULL) {
		free(m);
		return NULL;
	}
	m->tail = &m->fns;
	clock_gettime(CLOCK_REALTIME, &ts);
	m->start_time = (double)ts.tv_sec + (double)(ts.tv_nsec / 1000000) / 1e3;
	return m;
}

void
metrics_free(struct metrics *m)
{
	struct metrics_fn *f, *next;
	size_t i;

	if (m == NULL)
		return;
	for (f = m->fns; f != NULL; f = next) {
		next = f->next;
		for (i = 0; i < f->nerr; i++)
			free(f->err[i].type);
		for (i = 0; i < f->nref; i++)
			free(f->ref[i].route);
		free(f->name);
		free(f);
	}
	metrics_tables_free(m->tables);
	free(m);
}

struct metrics_tables *
metrics_tables(struct metrics *m)
{
	return m != NULL ? m->tables : NULL;
}

struct metrics_fn *
metrics_fn(struct metrics *m, const char *name)
{
	struct metrics_fn *f;

	if (m == NULL)
		return NULL;
	for (f = m->fns; f != NULL; f = f->next)
		if (strcmp(f->name, name) == 0)
			return f;
	if ((f = calloc(1, sizeof(*f))) == NULL)
		return NULL;
	if ((f->name = strdup(name)) == NULL) {
		free(f);
		return NULL;
	}
	*m->tail = f;
	m->tail = &f->next;
	return f;
}

void
metrics_set_events(struct metrics *m, unsigned (*fn)(void *), void *arg)
{
	m->events = fn;
	m->events_arg = arg;
}

void
metrics_set_bucket_events(struct metrics *m,
    void (*fn)(void *, struct metrics_bucket_events *), void *arg)
{
	m->bev = fn;
	m->bev_arg = arg;
}

void
metrics_set_access_log(struct metrics *m,
    void (*fn)(void *, uint64_t *, uint64_t *), void *arg)
{
	m->alog = fn;
	m->alog_arg = arg;
}

void
metrics_set_http(struct metrics *m,
    void (*fn)(void *, struct http_server_stats *), void *arg)
{
	m->http = fn;
	m->http_arg = arg;
}

void
metrics_set_ws(struct metrics *m, void (*fn)(void *, struct metrics_ws *),
    void *arg)
{
	m->ws = fn;
	m->ws_arg = arg;
}

void
metrics_set_conns(struct metrics *m, unsigned (*fn)(void *), void *arg)
{
	m->conns = fn;
	m->conns_arg = arg;
}

void
metrics_fn_counts(const struct metrics_fn *f, struct metrics_counts *c)
{
	size_t i;

	memset(c, 0, sizeof(*c));
	if (f == NULL)
		return;
	for (i = 0; i < METRICS_NDOORS; i++)
		c->invocations += f->inv[i];
	for (i = 0; i < f->nerr; i++)
		c->errors += f->err[i].n;
	c->errors += f->err_other;
	c->throttles = f->throttles;
	c->timeouts = f->timeouts;
	c->cold_starts = f->cold_starts;
}

/* ---- hooks ----------------------------------------------------------------- */

size_t
metrics_bucket(const double *bounds, size_t n, double v)
{
	size_t i;

	/* Prometheus buckets are "less than or equal": v == bound is inside. */
	for (i = 0; i < n; i++)
		if (v <= bounds[i])
			return i;
	return n;
}

static void
hist_observe(struct metrics_hist *h, uint64_t ns)
{
	h->bucket[metrics_bucket(metrics_buckets, METRICS_NBUCKETS,
	    (double)ns / 1e9)]++;
	h->count++;
	h->sum_ns += ns;
}

/*
 * Count one error of type.  The types come from lambdad's own table of
 * platform errors, a bounded set; the cap only guards the exposition's
 * size should that ever change.
 */
static void
count_error(struct metrics_fn *f, const char *type)
{
	size_t i;

	for (i = 0; i < f->nerr; i++)
		if (strcmp(f->err[i].type, type) == 0) {
			f->err[i].n++;
			return;
		}
	if (f->nerr == METRICS_MAX_ERROR_TYPES ||
	    (f->err[f->nerr].type = strdup(type)) == NULL) {
		f->err_other++;
		return;
	}
	f->err[f->nerr++].n = 1;
}

void
metrics_inv_done(struct metrics_fn *f, enum metrics_door door,
    enum metrics_outcome out, const char *type, uint64_t ran_ns)
{
	if (f == NULL)
		return;
	if (out == METRICS_THROTTLED) {
		f->throttles++;
		return;
	}
	f->inv[(unsigned)door < METRICS_NDOORS ? door : METRICS_DOOR_HTTP]++;
	/*
	 * A function's own error types are the user's strings, unbounded:
	 * they are all counted as "Unhandled", the X-Amz-Function-Error value.
	 */
	if (out == METRICS_FUNC_ERROR)
		count_error(f, "Unhandled");
	else if (out == METRICS_PLATFORM_ERROR) {
		count_error(f, type != NULL ? type : "Unknown");
		if (type != NULL && strcmp(type, "Sandbox.Timedout") == 0)
			f->timeouts++;
	}
	if (ran_ns > 0)
		hist_observe(&f->dur, ran_ns);
}

void
metrics_throttle(struct metrics_fn *f)
{
	if (f != NULL)
		f->throttles++;
}

void
metrics_cold_start(struct metrics_fn *f)
{
	if (f != NULL)
		f->cold_starts++;
}

void
metrics_log_dropped(struct metrics_fn *f, uint64_t n)
{
	if (f != NULL)
		f->log_dropped += n;
}

void
metrics_worker_ready(struct metrics_fn *f, uint64_t init_ns)
{
	if (f != NULL)
		hist_observe(&f->init, init_ns);
}

void
metrics_authorizer(struct metrics_fn *f, uint64_t ns)
{
	if (f != NULL)
		hist_observe(&f->authz, ns);
}

void
metrics_authorizer_hit(struct metrics_fn *f)
{
	if (f != NULL)
		f->authz_hits++;
}

void
metrics_error(struct metrics_fn *f, const char *type)
{
	if (f != NULL)
		count_error(f, type);
}

void
metrics_refusal(struct metrics_fn *f, const char *route, int status,
    const char *reason)
{
	struct metrics_refusal *r;
	size_t i;

	if (f == NULL)
		return;
	for (i = 0; i < f->nref; i++) {
		r = &f->ref[i];
		if (r->status == status && strcmp(r->reason, reason) == 0 &&
		    strcmp(r->route, route) == 0) {
			r->n++;
			return;
		}
	}
	r = &f->ref[f->nref];
	if (f->nref == METRICS_MAX_REFUSALS ||
	    (r->route = strdup(route)) == NULL) {
		f->ref_other++;
		return;
	}
	r->status = status;
	r->reason = reason;
	r->n = 1;
	f->nref++;
}

void
metrics_cache(struct metrics_fn *f, enum metrics_cache ev)
{
	if (f != NULL)
		f->cache[ev]++;
}

void
metrics_cache_bytes(struct metrics_fn *f, int64_t delta)
{
	if (f != NULL)
		f->cache_bytes += delta;
}

/* ---- text format helpers ------------------------------------------------- */

void
metrics_escape_label(struct buf *b, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\')
			buf_adds(b, "\\\\");
		else if (*s == '"')
			buf_adds(b, "\\\"");
		else if (*s == '\n')
			buf_adds(b, "\\n");
		else
			buf_addc(b, *s);
	}
}

void
metrics_escape_help(struct buf *b, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\')
			buf_adds(b, "\\\\");
		else if (*s == '\n')
			buf_adds(b, "\\n");
		else
			buf_addc(b, *s);
	}
}

void
metrics_fmt_double(char *out, size_t n, double v)
{
	int prec;

	if (isnan(v)) {
		snprintf(out, n, "NaN");
		return;
	}
	if (isinf(v)) {
		snprintf(out, n, v > 0 ? "+Inf" : "-Inf");
		return;
	}
	/* Whole numbers as integers ("10", not "1e+01"), the way Go's
	 * client writes them, so a selector like le="10" matches. */
	if (v == trunc(v) && fabs(v) < 1e15) {
		snprintf(out, n, "%.0f", v);
		return;
	}
	/* Else the shortest %g that reads back as the same double:
	 * "0.0005", not "0.00050000000000000001". */
	for (prec = 1; prec < 17; prec++) {
		snprintf(out, n, "%.*g", prec, v);
		if (strtod(out, NULL) == v)
			return;
	}
	snprintf(out, n, "%.17g", v);
}

static void
family(struct buf *b, const char *name, const char *type, const char *help)
{
	buf_printf(b, "# HELP %s ", name);
	metrics_escape_help(b, help);
	buf_printf(b, "\n# TYPE %s %s\n", name, type);
}

/*
 * One sample line: name{function="fn",key="val"} value.  fn and key may
 * be NULL (no such label); the value is already text.
 */
static void
sample(struct buf *b, const char *name, const char *fn, const char *key,
    const char *val, const char *value)
{
	buf_adds(b, name);
	if (fn != NULL || key != NULL) {
		buf_addc(b, '{');
		if (fn != NULL) {
			buf_adds(b, "function=\"");
			metrics_escape_label(b, fn);
			buf_addc(b, '"');
		}
		if (key != NULL) {
			buf_printf(b, "%s%s=\"", fn != NULL ? "," : "", key);
			metrics_escape_label(b, val);
			buf_addc(b, '"');
		}
		buf_addc(b, '}');
	}
	buf_addc(b, ' ');
	buf_adds(b, value);
	buf_addc(b, '\n');
}

static void
sample_u(struct buf *b, const char *name, const char *fn, const char *key,
    const char *val, uint64_t v)
{
	char num[32];

	snprintf(num, sizeof(num), "%llu", (unsigned long long)v);
	sample(b, name, fn, key, val, num);
}

static void
sample_d(struct buf *b, const char *name, const char *fn, double v)
{
	char num[40];

	metrics_fmt_double(num, sizeof(num), v);
	sample(b, name, fn, NULL, NULL, num);
}

/* ---- rendering --------------------------------------------------------------- */

/* Resident set size of this process in bytes, or 0 if /proc says nothing. */
static uint64_t
self_rss(void)
{
	unsigned long long size, rss;
	FILE *fp = fopen("/proc/self/statm", "re");
	int ok;

	if (fp == NULL)
		return 0;
	ok = fscanf(fp, "%llu %llu", &size, &rss) == 2;
	fclose(fp);
	return ok ? rss * (uint64_t)sysconf(_SC_PAGESIZE) : 0;
}

/* The public listener's cap and what it did at the cap. */
static void
render_http(struct metrics *m, struct buf *b)
{
	struct http_server_stats st;

	memset(&st, 0, sizeof(st));
	m->http(m->http_arg, &st);
	family(b, "lambdad_http_max_connections", "gauge", "The cap on "
	    "client connections of the public listener (max_connections).");
	sample_u(b, "lambdad_http_max_connections", NULL, NULL, NULL,
	    st.max_conns);
	family(b, "lambdad_http_idle_connections", "gauge", "Client "
	    "connections open and idle (between requests) on the public "
	    "listener.");
	sample_u(b, "lambdad_http_idle_connections", NULL, NULL, NULL,
	    st.nidle);
	family(b, "lambdad_http_idle_evictions_total", "counter", "Idle "
	    "keep-alive connections closed to make room for a new one at "
	    "the cap.");
	sample_u(b, "lambdad_http_idle_evictions_total", NULL, NULL, NULL,
	    st.evictions);
	family(b, "lambdad_http_conn_refused_total", "counter", "New "
	    "connections answered 503 because the cap was reached and none "
	    "was idle.");
	sample_u(b, "lambdad_http_conn_refused_total", NULL, NULL, NULL,
	    st.refused);
	family(b, "lambdad_http_send_timeouts_total", "counter", "Streamed "
	    "replies (objects, site files, function streams) cut because "
	    "their client read nothing for send_timeout.");
	sample_u(b, "lambdad_http_send_timeouts_total", NULL, NULL, NULL,
	    st.send_timeouts);
}

/* Buckets' on_object events (metrics_set_bucket_events). */
static void
render_bucket_events(struct metrics *m, struct buf *b)
{
	struct metrics_bucket_events be = { 0 };

	m->bev(m->bev_arg, &be);
	family(b, "lambdad_bucket_event_queue_depth", "gauge",
	    "on_object events kept on disk, not yet done.");
	sample_u(b, "lambdad_bucket_event_queue_depth", NULL, NULL, NULL,
	    be.depth);
	family(b, "lambdad_bucket_events_total", "counter",
	    "on_object events stored in the queue before their write's reply.");
	sample_u(b, "lambdad_bucket_events_total", NULL, NULL, NULL, be.queued);
	family(b, "lambdad_bucket_events_lost_total", "counter",
	    "on_object events that could not be stored (the write stands).");
	sample_u(b, "lambdad_bucket_events_lost_total", NULL, NULL, NULL,
	    be.lost);
}

static void
render_ws(struct metrics *m, struct buf *b)
{
	static const struct {
		const char *name, *type, *help;
		size_t off;
	} s[] = {
		{ "lambdad_ws_connections_total", "counter", "WebSocket "
		    "upgrades accepted.", offsetof(struct metrics_ws, accepted) },
		{ "lambdad_ws_refused_total", "counter", "WebSocket upgrades "
		    "refused (handshake, authorizer, $connect, cap).",
		    offsetof(struct metrics_ws, refused) },
		{ "lambdad_ws_messages_in_total", "counter", "WebSocket "
		    "messages received.", offsetof(struct metrics_ws, msgs_in) },
		{ "lambdad_ws_messages_out_total", "counter", "WebSocket "
		    "messages sent.", offsetof(struct metrics_ws, msgs_out) },
		{ "lambdad_ws_bytes_in_total", "counter", "WebSocket message "
		    "bytes received.", offsetof(struct metrics_ws, bytes_in) },
		{ "lambdad_ws_bytes_out_total", "counter", "WebSocket bytes "
		    "written, frames included.",
		    offsetof(struct metrics_ws, bytes_out) },
	};
	struct metrics_ws st;
	size_t i;

	memset(&st, 0, sizeof(st));
	m->ws(m->ws_arg, &st);
	family(b, "lambdad_ws_open_connections", "gauge", "WebSocket "
	    "connections open.");
	sample_u(b, "lambdad_ws_open_connections", NULL, NULL, NULL, st.open);
	for (i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
		family(b, s[i].name, s[i].type, s[i].help);
		sample_u(b, s[i].name, NULL, NULL, NULL,
		    *(const uint64_t *)((const char *)&st + s[i].off));
	}
}

static void
render_daemon(struct metrics *m, struct buf *b)
{
	family(b, "lambdad_up", "gauge", "1 while lambdad is serving.");
	sample(b, "lambdad_up", NULL, NULL, NULL, "1");
	family(b, "lambdad_start_time_seconds", "gauge",
	    "When lambdad started, in seconds since the Unix epoch.");
	sample_d(b, "lambdad_start_time_seconds", NULL, m->start_time);
	family(b, "lambdad_resident_memory_bytes", "gauge",
	    "Resident memory of the lambdad process (not its workers).");
	sample_u(b, "lambdad_resident_memory_bytes", NULL, NULL, NULL, self_rss());
	if (m->conns != NULL) {
		family(b, "lambdad_open_connections", "gauge",
		    "Client connections open on the public listener.");
		sample_u(b, "lambdad_open_connections", NULL, NULL, NULL,
		    m->conns(m->conns_arg));
	}
	if (m->http != NULL)
		render_http(m, b);
	if (m->ws != NULL)
		render_ws(m, b);
	if (m->events != NULL) {
		family(b, "lambdad_event_queue_depth", "gauge",
		    "Event invocations accepted and kept on disk, not yet done.");
		sample_u(b, "lambdad_event_queue_depth", NULL, NULL, NULL,
		    m->events(m->events_arg));
	}
	if (m->bev != NULL)
		render_bucket_events(m, b);
	if (m->alog != NULL) {
		uint64_t lines, dropped;

		m->alog(m->alog_arg, &lines, &dropped);
		family(b, "lambdad_access_log_lines_total", "counter",
		    "Access-log lines written (access_log).");
		sample_u(b, "lambdad_access_log_lines_total", NULL, NULL, NULL,
		    lines);
		family(b, "lambdad_access_log_dropped_total", "counter",
		    "Access-log lines dropped: the disk was slower than the "
		    "requests.");
		sample_u(b, "lambdad_access_log_dropped_total", NULL, NULL, NULL,
		    dropped);
	}
}

/* lambdad_apigw_refusals_total{function,route,status,reason}. */
static void
render_refusals(struct metrics *m, struct buf *b)
{
	static const char name[] = "lambdad_apigw_refusals_total";
	struct metrics_fn *f;
	size_t i;

	family(b, name, "counter", "Requests the API gateway's stages refused "
	    "before any worker, by route, status and reason (throttle: the "
	    "route's throttle_rate; aws_iam: no valid signature).");
	for (f = m->fns; f != NULL; f = f->next) {
		for (i = 0; i < f->nref; i++) {
			buf_printf(b, "%s{function=\"", name);
			metrics_escape_label(b, f->name);
			buf_adds(b, "\",route=\"");
			metrics_escape_label(b, f->ref[i].route);
			buf_printf(b, "\",status=\"%d\",reason=\"", f->ref[i].status);
			metrics_escape_label(b, f->ref[i].reason);
			buf_printf(b, "\"} %llu\n", (unsigned long long)f->ref[i].n);
		}
		if (f->ref_other > 0)
			sample_u(b, name, f->name, "route", "other", f->ref_other);
	}
}

/*
 * The response cache's series, for the functions that have used it (the
 * others would only add zeros).
 */
static void
render_cache(struct metrics *m, struct buf *b)
{
	static const char *const names[METRICS_CACHE_NEVENTS] = {
		"lambdad_apigw_cache_hits_total",
		"lambdad_apigw_cache_misses_total",
		"lambdad_apigw_cache_evictions_total",
	};
	static const char *const help[METRICS_CACHE_NEVENTS] = {
		"GET and HEAD requests answered from the response cache, "
		"without a worker.",
		"Cacheable requests sent to the function: not cached, expired, "
		"or refreshed by Cache-Control: max-age=0.",
		"Cache entries dropped to stay within cache_size.",
	};
	struct metrics_fn *f;
	size_t i;

	for (i = 0; i < METRICS_CACHE_NEVENTS; i++) {
		family(b, names[i], "counter", help[i]);
		for (f = m->fns; f != NULL; f = f->next)
			if (f->cache[METRICS_CACHE_MISS] > 0)
				sample_u(b, names[i], f->name, NULL, NULL,
				    f->cache[i]);
	}
	family(b, "lambdad_apigw_cache_bytes", "gauge", "Bytes the response "
	    "cache holds for the function (keys, bodies and headers).");
	for (f = m->fns; f != NULL; f = f->next)
		if (f->cache[METRICS_CACHE_MISS] > 0)
			sample_u(b, "lambdad_apigw_cache_bytes", f->name, NULL,
			    NULL, f->cache_bytes > 0 ?
			    (uint64_t)f->cache_bytes : 0);
}

static void
render_counters(struct metrics *m, struct buf *b)
{
	struct metrics_fn *f;
	size_t i;

	family(b, "lambdad_invocations_total", "counter", "Invocations that "
	    "were accepted and finished (throttled ones excluded), by door.");
	for (f = m->fns; f != NULL; f = f->next)
		for (i = 0; i < METRICS_NDOORS; i++)
			sample_u(b, "lambdad_invocations_total", f->name, "door",
			    door_names[i], f->inv[i]);
	family(b, "lambdad_errors_total", "counter", "Failed invocations by "
	    "error type (Unhandled: the function reported an error).");
	for (f = m->fns; f != NULL; f = f->next) {
		for (i = 0; i < f->nerr; i++)
			sample_u(b, "lambdad_errors_total", f->name, "type",
			    f->err[i].type, f->err[i].n);
		if (f->err_other > 0)
			sample_u(b, "lambdad_errors_total", f->name, "type",
			    "other", f->err_other);
	}
	render_refusals(m, b);
	render_cache(m, b);
	family(b, "lambdad_throttles_total", "counter", "Invocations refused "
	    "without running: queue full, queue_timeout, or shutting down.");
	for (f = m->fns; f != NULL; f = f->next)
		sample_u(b, "lambdad_throttles_total", f->name, NULL, NULL,
		    f->throttles);
	family(b, "lambdad_timeouts_total", "counter",
	    "Invocations stopped at the function's timeout.");
	for (f = m->fns; f != NULL; f = f->next)
		sample_u(b, "lambdad_timeouts_total", f->name, NULL, NULL,
		    f->timeouts);
	family(b, "lambdad_cold_starts_total", "counter",
	    "Invocations that waited for a new worker's init.");
	for (f = m->fns; f != NULL; f = f->next)
		sample_u(b, "lambdad_cold_starts_total", f->name, NULL, NULL,
		    f->cold_starts);
	family(b, "lambdad_log_lines_dropped_total", "counter",
	    "Function log lines dropped: over the function's log_rate.");
	for (f = m->fns; f != NULL; f = f->next)
		sample_u(b, "lambdad_log_lines_dropped_total", f->name, NULL,
		    NULL, f->log_dropped);
}

static void
render_hist(struct buf *b, const char *name, const char *fn,
    const struct metrics_hist *h)
{
	char bucket[96], sum[96], count[96], le[40];
	uint64_t cum = 0;
	size_t i;

	snprintf(bucket, sizeof(bucket), "%s_bucket", name);
	snprintf(sum, sizeof(sum), "%s_sum", name);
	snprintf(count, sizeof(count), "%s_count", name);
	for (i = 0; i <= METRICS_NBUCKETS; i++) {
		cum += h->bucket[i];
		metrics_fmt_double(le, sizeof(le), i < METRICS_NBUCKETS ?
		    metrics_buckets[i] : INFINITY);
		sample_u(b, bucket, fn, "le", le, cum);
	}
	sample_d(b, sum, fn, (double)h->sum_ns / 1e9);
	sample_u(b, count, fn, NULL, NULL, h->count);
}

static void
render_histograms(struct metrics *m, struct buf *b)
{
	struct metrics_fn *f;

	family(b, "lambdad_duration_seconds", "histogram", "Time the handler "
	    "had each invocation that reached a worker, in seconds.");
	for (f = m->fns; f != NULL; f = f->next)
		render_hist(b, "lambdad_duration_seconds", f->name, &f->dur);
	family(b, "lambdad_init_duration_seconds", "histogram", "Time from "
	    "a worker's spawn to its first /next (its init), in seconds.");
	for (f = m->fns; f != NULL; f = f->next)
		render_hist(b, "lambdad_init_duration_seconds", f->name, &f->init);
	/* Only the functions that serve as Lambda authorizers. */
	family(b, "lambdad_authorizer_duration_seconds", "histogram",
	    "Time from asking a function as a Lambda authorizer to its "
	    "decision, in seconds.");
	for (f = m->fns; f != NULL; f = f->next)
		if (f->authz.count > 0 || f->authz_hits > 0)
			render_hist(b, "lambdad_authorizer_duration_seconds",
			    f->name, &f->authz);
	family(b, "lambdad_authorizer_cache_hits_total", "counter",
	    "Requests a Lambda authorizer's cached decision answered.");
	for (f = m->fns; f != NULL; f = f->next)
		if (f->authz.count > 0 || f->authz_hits > 0)
			sample_u(b, "lambdad_authorizer_cache_hits_total",
			    f->name, NULL, NULL, f->authz_hits);
}

/* The sum of every gauge named like g[k], the first of them. */
static void
gauge_sum(const struct metrics_gauge *g, size_t ng, size_t k,
    struct metrics_gauge *sum)
{
	size_t i;

	memset(sum, 0, sizeof(*sum));
	for (i = k; i < ng; i++) {
		if (strcmp(g[i].name, g[k].name) != 0)
			continue;
		sum->spawning += g[i].spawning;
		sum->idle += g[i].idle;
		sum->busy += g[i].busy;
		sum->resting += g[i].resting;
		sum->draining += g[i].draining;
		sum->queued += g[i].queued;
	}
}

/* Whether g[k]'s name was already seen in g[0..k). */
static int
gauge_seen(const struct metrics_gauge *g, size_t k)
{
	size_t i;

	for (i = 0; i < k; i++)
		if (strcmp(g[i].name, g[k].name) == 0)
			return 1;
	return 0;
}

static void
render_gauges(const struct metrics_gauge *g, size_t ng, struct buf *b)
{
	static const char *const states[] = {
		"spawning", "idle", "busy", "resting", "draining",
	};
	struct metrics_gauge st;
	unsigned v[5];
	size_t k, s;

	family(b, "lambdad_workers", "gauge", "Worker processes by state.");
	for (k = 0; k < ng; k++) {
		if (gauge_seen(g, k))
			continue;
		gauge_sum(g, ng, k, &st);
		v[0] = st.spawning, v[1] = st.idle, v[2] = st.busy;
		v[3] = st.resting, v[4] = st.draining;
		for (s = 0; s < 5; s++)
			sample_u(b, "lambdad_workers", g[k].name, "state",
			    states[s], v[s]);
	}
	family(b, "lambdad_queue_depth", "gauge",
	    "Invocations waiting for a worker.");
	for (k = 0; k < ng; k++) {
		if (gauge_seen(g, k))
			continue;
		gauge_sum(g, ng, k, &st);
		sample_u(b, "lambdad_queue_depth", g[k].name, NULL, NULL,
		    st.queued);
	}
}

int
metrics_render(struct metrics *m, const struct metrics_gauge *g, size_t ng,
    struct buf *out)
{
	render_daemon(m, out);
	render_counters(m, out);
	render_histograms(m, out);
	render_gauges(g, ng, out);
	metrics_tables_render(m->tables, out);
	return 0;
}

int
metrics_respond(struct http_request *req, struct metrics *m,
    const struct metrics_gauge *g, size_t ng)
{
	struct http_header h = { "Content-Type", 12, METRICS_CONTENT_TYPE,
	    sizeof(METRICS_CONTENT_TYPE) - 1 };
	struct buf b;
	int rc;

	buf_init(&b);
	metrics_render(m, g, ng, &b);
	rc = http_respond(req, 200, &h, 1, b.data, b.len);
	buf_free(&b);
	return rc;
}

/* ---- the metrics_listen port ------------------------------------------------- */

struct metrics_server {
	struct http_server *srv;
	struct metrics	*m;
	metrics_gauges_cb gauges;
	void		*arg;
};

static void
metrics_on_request(struct http_request *req, void *arg)
{
	static const char body405[] = "{\"message\":\"Method Not Allowed\"}";
	struct metrics_server *s = arg;
	struct http_header h[] = {
		{ "Content-Type", 12, "application/json", 16 },
		{ "Allow", 5, "GET", 3 },
	};
	struct metrics_gauge *g;
	size_t ng = 0;

	if (strcmp(req->path, "/metrics") != 0) {
		http_respond_json(req, 404, "{\"message\":\"Not Found\"}");
		return;
	}
	if (strcmp(req->method, "GET") != 0) {
		http_respond(req, 405, h, 2, body405, sizeof(body405) - 1);
		return;
	}
	g = s->gauges(s->arg, &ng);
	metrics_respond(req, s->m, g, g != NULL ? ng : 0);
	free(g);
}

int
metrics_server_start(uv_loop_t *loop, struct metrics *m,
    metrics_gauges_cb gauges, void *arg, const char *host, int port,
    struct metrics_server **out)
{
	struct http_server_cfg cfg = {
		.max_header_size = 16 * 1024,
		.max_body = 0,
		.header_timeout_ms = 10000,
		.body_timeout_ms = 10000,
		.keepalive_timeout_ms = 60000,
		.max_conns = 64,
		.on_request = metrics_on_request,
	};
	struct metrics_server *s = calloc(1, sizeof(*s));
	int rc;

	if (s == NULL)
		return -ENOMEM;
	s->m = m;
	s->gauges = gauges;
	s->arg = arg;
	cfg.arg = s;
	if ((s->srv = http_server_new(loop, &cfg)) == NULL) {
		free(s);
		return -ENOMEM;
	}
	if ((rc = http_server_listen(s->srv, host, port)) != 0) {
		metrics_server_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

int
metrics_server_port(const struct metrics_server *s)
{
	return http_server_port(s->srv);
}

void
metrics_server_free(struct metrics_server *s)
{
	if (s == NULL)
		return;
	/* Requests are answered as they come, so none can outlive s. */
	http_server_free(s->srv);
	free(s);
}
