/*
 * admin: the operator's API on a Unix socket.  See admin.h.
 *
 * Requests are short except three kinds, which wait: a reload (and the
 * deploy or rm that triggers one) is answered when the new configuration
 * has taken over or was refused; an invoke when the function answers; a
 * log follower when a line arrives or its wait is over.  Each kind keeps
 * the request until then; a client that hangs up early is still answered
 * (into the void), so every request is released the same way.
 */
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cJSON.h>

#include "admin.h"
#include "apigw/openapi.h"
#include "buf.h"
#include "daemon.h"
#include "deploy.h"
#include "front.h"
#include "http.h"
#include "log.h"
#include "logring.h"
#include "metrics.h"
#include "pool.h"
#include "tables/door.h"
#include "buckets/bucket.h"
#include "sched/sched.h"

#define ADMIN_MAX_BODY		(64 * 1024 * 1024)	/* a bootstrap */
#define ADMIN_LOG_CHUNK		(64 * 1024)
#define ADMIN_WAIT_MAX_S	60
#define ADMIN_TICK_MS		200
#define ADMIN_VERSION		"0.2.0"

/* A log follower waiting for lines. */
struct admin_poll {
	struct http_request *req;
	char		 fn[72];
	uint64_t	 after;
	uint64_t	 deadline;	/* loop ms */
	struct admin_poll *next;
};

/* A deploy, rm or reload waiting for its reload. */
struct admin_change {
	struct admin	*a;
	struct http_request *req;
	struct deploy_undo undo;
	char		 what[160];	/* for the log and the reply */
};

struct admin {
	struct daemon	*d;
	struct http_server *srv;
	char		*path;		/* to unlink at exit */
	dev_t		 dev;		/* the socket bound at path: unlink */
	ino_t		 ino;		/*   only while path is still it */
	struct admin_poll *polls;
	uv_timer_t	 tick;
	uint64_t	 seen_seq;	/* logring_seq at the last poll */
	unsigned	 changes;	/* admin_change in flight */
};

static void	admin_request(struct http_request *req, void *arg);
static void	admin_tick(uv_timer_t *t);

/* ---- replies ------------------------------------------------------------- */

static void
admin_json(struct http_request *req, int status, cJSON *j)
{
	char *s = cJSON_PrintUnformatted(j);

	http_respond_json(req, status, s != NULL ? s : "{}");
	free(s);
	cJSON_Delete(j);
}

static void __attribute__((format(printf, 3, 4)))
admin_error(struct http_request *req, int status, const char *fmt, ...)
{
	cJSON *j = cJSON_CreateObject();
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cJSON_AddStringToObject(j, "error", msg);
	admin_json(req, status, j);
}

static void
admin_text(struct http_request *req, int status, const char *ctype,
    const struct buf *b, const struct http_header *extra, size_t nextra)
{
	struct http_header h[4];
	size_t n = 0, i;

	h[n].name = "Content-Type";
	h[n].name_len = 12;
	h[n].value = ctype;
	h[n++].value_len = strlen(ctype);
	for (i = 0; i < nextra && n < 4; i++)
		h[n++] = extra[i];
	http_respond(req, status, h, n, b->data != NULL ? b->data : "", b->len);
}

/* ---- what the daemon is running ------------------------------------------ */

static cJSON *
admin_fn_json(struct daemon *d, struct pool *p)
{
	const struct function_conf *fc = pool_conf(p);
	cJSON *j = cJSON_CreateObject(), *r, *w;
	struct pool_stats st;
	size_t i;

	pool_stats(p, &st);
	cJSON_AddStringToObject(j, "name", fc->name);
	cJSON_AddStringToObject(j, "bootstrap", fc->bootstrap);
	cJSON_AddBoolToObject(j, "deployed",
	    deploy_is_deployed(d->state_dir, fc->bootstrap));
	cJSON_AddStringToObject(j, "defined_at", fc->file);
	r = cJSON_AddArrayToObject(j, "routes");
	for (i = 0; i < fc->nroutes; i++)
		cJSON_AddItemToArray(r, cJSON_CreateString(fc->routes[i].spec));
	cJSON_AddNumberToObject(j, "memory", fc->memory_mb);
	cJSON_AddNumberToObject(j, "timeout", fc->timeout_s);
	cJSON_AddNumberToObject(j, "min_idle", fc->min_idle);
	cJSON_AddNumberToObject(j, "max_workers", fc->max_workers);
	w = cJSON_AddObjectToObject(j, "workers");
	cJSON_AddNumberToObject(w, "spawning", st.spawning);
	cJSON_AddNumberToObject(w, "idle", st.idle);
	cJSON_AddNumberToObject(w, "busy", st.busy);
	cJSON_AddNumberToObject(w, "resting", st.resting);
	cJSON_AddNumberToObject(w, "draining", st.draining);
	cJSON_AddNumberToObject(j, "queued", st.queued);
	cJSON_AddNumberToObject(j, "invocations", (double)st.invocations);
	cJSON_AddNumberToObject(j, "errors", (double)st.errors);
	cJSON_AddNumberToObject(j, "throttles", (double)st.throttles);
	cJSON_AddNumberToObject(j, "timeouts", (double)st.timeouts);
	cJSON_AddNumberToObject(j, "cold_starts", (double)st.cold_starts);
	return j;
}

static void
admin_metrics(struct admin *a, struct http_request *req)
{
	struct metrics_gauge *g = pool_gauges(a->d->pools, a->d->npools);

	metrics_respond(req, a->d->metrics, g, g != NULL ? a->d->npools : 0);
	free(g);
}

static void
admin_status(struct admin *a, struct http_request *req)
{
	struct daemon *d = a->d;
	cJSON *j = cJSON_CreateObject();
	struct drain_entry *e;
	unsigned ndrain = 0;

	for (e = d->draining; e != NULL; e = e->next)
		ndrain++;
	cJSON_AddStringToObject(j, "version", ADMIN_VERSION);
	cJSON_AddNumberToObject(j, "pid", (double)getpid());
	cJSON_AddNumberToObject(j, "uptime_s",
	    (double)((uint64_t)time(NULL) - d->started_ms / 1000));
	cJSON_AddStringToObject(j, "config", d->cfile);
	cJSON_AddStringToObject(j, "state_dir", d->state_dir);
	cJSON_AddNumberToObject(j, "functions", (double)d->npools);
	cJSON_AddNumberToObject(j, "draining_pools", ndrain);
	cJSON_AddNumberToObject(j, "reloads", d->reloads);
	cJSON_AddBoolToObject(j, "reloading", d->reload != NULL);
	cJSON_AddBoolToObject(j, "stopping", d->stopping != 0);
	admin_json(req, 200, j);
}

static void
admin_list(struct admin *a, struct http_request *req)
{
	cJSON *j = cJSON_CreateObject(), *arr;
	size_t i;

	arr = cJSON_AddArrayToObject(j, "functions");
	for (i = 0; i < a->d->npools; i++)
		cJSON_AddItemToArray(arr, admin_fn_json(a->d, a->d->pools[i]));
	admin_json(req, 200, j);
}

/* The schedules and their next runs (sched/sched.h). */
static void
admin_schedules(struct admin *a, struct http_request *req)
{
	cJSON *j = sched_list(a->d->sched);

	if (j == NULL) {
		admin_error(req, 500, "out of memory");
		return;
	}
	admin_json(req, 200, j);
}

/* ---- reload, deploy, rm --------------------------------------------------- */

/* Keep the code the running and draining configurations use. */
static void
admin_gc(struct daemon *d)
{
	struct pool **all;
	const char **keep;
	size_t i, n = daemon_all_pools(d, &all);

	if ((keep = calloc(n + 1, sizeof(*keep))) == NULL)
		abort();
	for (i = 0; i < n; i++)
		keep[i] = pool_conf(all[i])->bootstrap;
	deploy_gc(d->state_dir, keep, n);
	free(keep);
	free(all);
}

static void
admin_change_done(void *arg, int err, const char *msg)
{
	struct admin_change *c = arg;
	cJSON *j;

	c->a->changes--;
	if (err != 0) {
		deploy_undo(&c->undo);
		log_warnx("admin: %s refused: %s", c->what, msg);
		admin_error(c->req, err == -ECANCELED ? 503 : 400, "%s", msg);
		free(c);
		return;
	}
	deploy_done(&c->undo);
	admin_gc(c->a->d);
	log_info("admin: %s done", c->what);
	j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "result", c->what);
	cJSON_AddStringToObject(j, "reload", msg);
	admin_json(c->req, 200, j);
	free(c);
}

static void
admin_start_change(struct admin *a, struct admin_change *c)
{
	a->changes++;
	if (daemon_reload(a->d, admin_change_done, c) == -EBUSY) {
		a->changes--;
		deploy_undo(&c->undo);
		admin_error(c->req, 409, "a reload is in progress or the daemon "
		    "is stopping; try again");
		free(c);
	}
}

static struct admin_change *
admin_change_new(struct admin *a, struct http_request *req)
{
	struct admin_change *c = calloc(1, sizeof(*c));

	if (c == NULL)
		abort();
	c->a = a;
	c->req = req;
	return c;
}

static void
admin_reload(struct admin *a, struct http_request *req)
{
	struct admin_change *c = admin_change_new(a, req);

	snprintf(c->what, sizeof(c->what), "reload by uid %d",
	    (int)req->peer_uid);
	log_info("admin: %s", c->what);
	admin_start_change(a, c);
}

/* A function defined in the operator's own files is theirs to change. */
static int
admin_owned_elsewhere(struct admin *a, struct http_request *req,
    const char *name)
{
	struct pool *p = daemon_pool(a->d, name, NULL);
	const struct function_conf *fc;

	if (p == NULL)
		return 0;
	fc = pool_conf(p);
	if (deploy_is_deployed(a->d->state_dir, fc->bootstrap))
		return 0;
	admin_error(req, 409, "function %s is defined at %s:%d, not deployed "
	    "with lambdactl: change it there and reload", name, fc->file,
	    fc->line);
	return 1;
}

static void
admin_deploy(struct admin *a, struct http_request *req, const char *name)
{
	struct admin_change *c;
	char err[512];

	if (req->too_large) {
		admin_error(req, 413, "the bootstrap is over %d MiB",
		    ADMIN_MAX_BODY >> 20);
		return;
	}
	if (req->body_len == 0) {
		admin_error(req, 400, "the request body must be the bootstrap");
		return;
	}
	if (admin_owned_elsewhere(a, req, name))
		return;
	c = admin_change_new(a, req);
	if (deploy_put(a->d->state_dir, name, req->query, req->body,
	    req->body_len, &c->undo, err, sizeof(err)) != 0) {
		admin_error(req, 400, "%s", err);
		free(c);
		return;
	}
	snprintf(c->what, sizeof(c->what), "deploy %s (%zu bytes) by uid %d",
	    name, req->body_len, (int)req->peer_uid);
	log_info("admin: %s", c->what);
	admin_start_change(a, c);
}

static void
admin_rm(struct admin *a, struct http_request *req, const char *name)
{
	struct admin_change *c;
	char err[512];
	int rc;

	if (admin_owned_elsewhere(a, req, name))
		return;
	c = admin_change_new(a, req);
	if ((rc = deploy_rm(a->d->state_dir, name, &c->undo, err,
	    sizeof(err))) != 0) {
		if (rc == -ENOENT)
			admin_error(req, 404, "no deployed function %s", name);
		else
			admin_error(req, 500, "%s", err);
		free(c);
		return;
	}
	snprintf(c->what, sizeof(c->what), "rm %s by uid %d", name,
	    (int)req->peer_uid);
	log_info("admin: %s", c->what);
	admin_start_change(a, c);
}

/* ---- invoke --------------------------------------------------------------- */

static void
admin_inv_done(struct invocation *inv, const struct inv_result *res)
{
	struct http_request *req = inv->door;
	struct http_header h[3];
	const char *st = res->status == INV_OK ? "ok" :
	    res->status == INV_FUNC_ERROR ? "function-error" :
	    res->status == INV_THROTTLED ? "throttled" : "platform-error";
	const char *ct = res->content_type != NULL ? res->content_type :
	    "application/json";
	size_t n = 0;

	h[n].name = "Content-Type";
	h[n].name_len = 12;
	h[n].value = ct;
	h[n++].value_len = strlen(ct);
	h[n].name = "X-Lambdad-Status";
	h[n].name_len = 16;
	h[n].value = st;
	h[n++].value_len = strlen(st);
	h[n].name = "X-Amz-Request-Id";
	h[n].name_len = 16;
	h[n].value = inv->id;
	h[n++].value_len = strlen(inv->id);
	http_respond(req, res->status == INV_THROTTLED ? 429 : 200, h, n,
	    res->body != NULL ? res->body : "", res->body_len);
	inv_free(inv);
}

static void
admin_invoke(struct admin *a, struct http_request *req, const char *name)
{
	struct pool *p = daemon_pool(a->d, name, NULL);
	struct invocation *inv;

	if (p == NULL) {
		admin_error(req, 404, "no function %s", name);
		return;
	}
	if (req->too_large) {
		admin_error(req, 413, "the event is over %d MiB",
		    ADMIN_MAX_BODY >> 20);
		return;
	}
	if ((inv = inv_new()) == NULL) {
		admin_error(req, 500, "out of memory");
		return;
	}
	if (req->body_len > 0)
		buf_add(&inv->event, req->body, req->body_len);
	else
		buf_adds(&inv->event, "{}");
	inv->done = admin_inv_done;
	inv->door = req;
	inv->via = INV_VIA_INVOKE;	/* a direct invoke, as the Invoke API's */
	if (pool_submit(p, inv) != 0) {
		inv_free(inv);
		admin_error(req, 429, "function %s is at its limit (max_workers "
		    "and queue_depth): try again later", name);
	}
}

/* ---- logs ----------------------------------------------------------------- */

/* "after=N&wait=S": 0 where absent; -1 if malformed. */
static int
admin_log_args(const char *q, uint64_t *after, unsigned *wait)
{
	const char *p;
	char *end;

	*after = 0;
	*wait = 0;
	for (p = q; *p != '\0'; p = *end == '&' ? end + 1 : end) {
		if (strncmp(p, "after=", 6) == 0)
			*after = strtoull(p + 6, &end, 10);
		else if (strncmp(p, "wait=", 5) == 0)
			*wait = (unsigned)strtoul(p + 5, &end, 10);
		else
			return -1;
		if (*end != '&' && *end != '\0')
			return -1;
	}
	if (*wait > ADMIN_WAIT_MAX_S)
		*wait = ADMIN_WAIT_MAX_S;
	return 0;
}

/* Answer with the lines after `after`; 0 if there were none (and, unless
 * force, nothing was sent). */
static int
admin_log_reply(struct http_request *req, const char *fn, uint64_t after,
    int force)
{
	struct buf b;
	struct http_header h[2];
	char seq[24], drop[2] = "0";
	uint64_t last;
	int dropped;

	buf_init(&b);
	last = logring_read(fn, after, &b, ADMIN_LOG_CHUNK, &dropped);
	if (last == after && !force) {
		buf_free(&b);
		return 0;
	}
	/* With no line yet, the follower goes on from the newest number. */
	if (last == after && after == 0)
		last = logring_seq();
	snprintf(seq, sizeof(seq), "%llu", (unsigned long long)last);
	drop[0] = dropped ? '1' : '0';
	h[0].name = "X-Log-Seq";
	h[0].name_len = 9;
	h[0].value = seq;
	h[0].value_len = strlen(seq);
	h[1].name = "X-Log-Dropped";
	h[1].name_len = 13;
	h[1].value = drop;
	h[1].value_len = 1;
	admin_text(req, 200, "text/plain; charset=utf-8", &b, h, 2);
	buf_free(&b);
	return 1;
}

static void
admin_logs(struct admin *a, struct http_request *req, const char *name)
{
	struct admin_poll *w;
	uint64_t after;
	unsigned wait;

	if (daemon_pool(a->d, name, NULL) == NULL) {
		admin_error(req, 404, "no function %s", name);
		return;
	}
	if (admin_log_args(req->query, &after, &wait) != 0) {
		admin_error(req, 400, "expected ?after=SEQ&wait=SECONDS");
		return;
	}
	if (admin_log_reply(req, name, after, wait == 0))
		return;
	if ((w = calloc(1, sizeof(*w))) == NULL)
		abort();
	w->req = req;
	snprintf(w->fn, sizeof(w->fn), "%s", name);
	w->after = after;
	w->deadline = uv_now(a->d->loop) + (uint64_t)wait * 1000;
	w->next = a->polls;
	a->polls = w;
	if (!uv_is_active((uv_handle_t *)&a->tick))
		uv_timer_start(&a->tick, admin_tick, ADMIN_TICK_MS,
		    ADMIN_TICK_MS);
}

static void
admin_poll_all(struct admin *a, int force)
{
	struct admin_poll **pp = &a->polls, *w;
	uint64_t now = uv_now(a->d->loop);

	while ((w = *pp) != NULL) {
		if (admin_log_reply(w->req, w->fn, w->after,
		    force || now >= w->deadline)) {
			*pp = w->next;
			free(w);
		} else
			pp = &w->next;
	}
	if (a->polls == NULL)
		uv_timer_stop(&a->tick);
}

/* Followers whose wait is over get an empty answer. */
static void
admin_tick(uv_timer_t *t)
{
	admin_poll_all(t->data, 0);
}

void
admin_poll(struct admin *a)
{
	if (a == NULL || a->polls == NULL)
		return;
	if (logring_seq() == a->seen_seq &&
	    uv_now(a->d->loop) < a->polls->deadline)
		return;		/* nothing new; the tick handles deadlines */
	a->seen_seq = logring_seq();
	admin_poll_all(a, 0);
}

/* ---- tables ---------------------------------------------------------------- */

/* The door's answer (tables/door.h), on the loop. */
static void
admin_tables_done(void *arg, int status, cJSON *res, const char *err)
{
	struct http_request *req = arg;
	cJSON *j;

	if (status != 200) {
		admin_error(req, status, "%s", err);
		return;
	}
	if (!cJSON_IsArray(res)) {	/* a backup's summary */
		log_info("admin: backup of table %s to %s done (%.0f items)",
		    cJSON_GetStringValue(cJSON_GetObjectItem(res, "table")),
		    cJSON_GetStringValue(cJSON_GetObjectItem(res, "file")),
		    cJSON_GetNumberValue(cJSON_GetObjectItem(res, "items")));
		admin_json(req, 200, res);
		return;
	}
	j = cJSON_CreateObject();
	cJSON_AddItemToObject(j, "tables", res);
	admin_json(req, 200, j);
}

/* GET /buckets: Buckets' answer (buckets/bucket.h), on the loop. */
static void
admin_buckets_done(void *arg, int status, cJSON *res, const char *err)
{
	struct http_request *req = arg;
	cJSON *j;

	if (status != 200) {
		admin_error(req, status, "%s", err);
		return;
	}
	j = cJSON_CreateObject();
	cJSON_AddItemToObject(j, "buckets", res);
	admin_json(req, 200, j);
}

/* POST /tables/NAME/backup {"file": "/abs/path"} */
static void
admin_table_backup(struct admin *a, struct http_request *req)
{
	const char *p = req->path + strlen("/tables/"), *e = strchr(p, '/');
	char name[256];
	cJSON *body, *file;

	if (e == NULL || e == p || (size_t)(e - p) >= sizeof(name) ||
	    strcmp(e, "/backup") != 0) {
		admin_error(req, 404, "no such endpoint: %s", req->path);
		return;
	}
	if (strcmp(req->method, "POST") != 0) {
		admin_error(req, 405, "method %s not allowed on %s",
		    req->method, req->path);
		return;
	}
	memcpy(name, p, (size_t)(e - p));
	name[e - p] = '\0';
	body = cJSON_ParseWithLength(req->body, req->body_len);
	file = cJSON_GetObjectItem(body, "file");
	if (!cJSON_IsString(file)) {
		cJSON_Delete(body);
		admin_error(req, 400, "expected {\"file\": \"/absolute/path\"}");
		return;
	}
	log_info("admin: backup of table %s to %s by uid %d", name,
	    file->valuestring, (int)req->peer_uid);
	tables_door_backup(a->d->tables, name, file->valuestring,
	    admin_tables_done, req);
	cJSON_Delete(body);
}

/* ---- dispatch ------------------------------------------------------------- */

/* "/functions/NAME[/SUB]": name into name[], *sub to "" or "SUB". */
static int
admin_fn_path(const char *path, char name[72], const char **sub)
{
	const char *p = path + strlen("/functions/"), *slash = strchr(p, '/');
	size_t n = slash != NULL ? (size_t)(slash - p) : strlen(p);

	if (n == 0 || n >= 72)
		return -1;
	memcpy(name, p, n);
	name[n] = '\0';
	*sub = slash != NULL ? slash + 1 : "";
	return conf_fn_name_ok(name) ? 0 : -1;
}

static void
admin_function(struct admin *a, struct http_request *req)
{
	const char *m = req->method, *sub;
	char name[72];
	struct pool *p;

	if (admin_fn_path(req->path, name, &sub) != 0) {
		admin_error(req, 400, "a function name is 1 to 64 of A-Z a-z "
		    "0-9 _ -");
		return;
	}
	if (*sub == '\0' && strcmp(m, "GET") == 0) {
		if ((p = daemon_pool(a->d, name, NULL)) == NULL)
			admin_error(req, 404, "no function %s", name);
		else
			admin_json(req, 200, admin_fn_json(a->d, p));
	} else if (*sub == '\0' && strcmp(m, "PUT") == 0)
		admin_deploy(a, req, name);
	else if (*sub == '\0' && strcmp(m, "DELETE") == 0)
		admin_rm(a, req, name);
	else if (strcmp(sub, "invoke") == 0 && strcmp(m, "POST") == 0)
		admin_invoke(a, req, name);
	else if (strcmp(sub, "logs") == 0 && strcmp(m, "GET") == 0)
		admin_logs(a, req, name);
	else
		admin_error(req, *sub == '\0' || strcmp(sub, "invoke") == 0 ||
		    strcmp(sub, "logs") == 0 ? 405 : 404, "no %s %s", m,
		    req->path);
}

/* GET /openapi: the API's OpenAPI document, made now from the live
 * configuration (apigw/openapi.h). */
static void
admin_openapi(struct admin *a, struct http_request *req)
{
	const struct conf *c = a->d->conf;
	char url[300];
	cJSON *doc;

	openapi_server_url(c->listen_host, front_port(a->d->front), url,
	    sizeof(url));
	if ((doc = openapi_doc(c, url)) == NULL) {
		admin_error(req, 500, "out of memory");
		return;
	}
	admin_json(req, 200, doc);
}

static void
admin_request(struct http_request *req, void *arg)
{
	struct admin *a = arg;
	const char *m = req->method, *path = req->path;

	if (strncmp(path, "/functions/", 11) == 0)
		admin_function(a, req);
	else if (req->too_large)
		admin_error(req, 413, "request body too large");
	else if (strcmp(path, "/status") == 0 && strcmp(m, "GET") == 0)
		admin_status(a, req);
	else if (strcmp(path, "/functions") == 0 && strcmp(m, "GET") == 0)
		admin_list(a, req);
	else if (strcmp(path, "/reload") == 0 && strcmp(m, "POST") == 0)
		admin_reload(a, req);
	else if (strcmp(path, "/metrics") == 0 && strcmp(m, "GET") == 0)
		admin_metrics(a, req);
	else if (strcmp(path, "/tables") == 0 && strcmp(m, "GET") == 0)
		tables_door_stats(a->d->tables, admin_tables_done, req);
	else if (strcmp(path, "/buckets") == 0 && strcmp(m, "GET") == 0)
		buckets_stats(a->d->buckets, admin_buckets_done, req);
	else if (strncmp(path, "/tables/", 8) == 0)
		admin_table_backup(a, req);
	else if (strcmp(path, "/openapi") == 0 && strcmp(m, "GET") == 0)
		admin_openapi(a, req);
	else if (strcmp(path, "/schedules") == 0 && strcmp(m, "GET") == 0)
		admin_schedules(a, req);
	else if (strcmp(path, "/keys") == 0 || strncmp(path, "/keys/", 6) == 0)
		admin_keys(a->d, req);
	else if (strcmp(path, "/status") == 0 || strcmp(path, "/tables") == 0 ||
	    strcmp(path, "/functions") == 0 || strcmp(path, "/reload") == 0 ||
	    strcmp(path, "/metrics") == 0 || strcmp(path, "/openapi") == 0 ||
	    strcmp(path, "/schedules") == 0)
		admin_error(req, 405, "method %s not allowed on %s", m, path);
	else
		admin_error(req, 404, "no such endpoint: %s", path);
}

/* ---- life ----------------------------------------------------------------- */

struct admin *
admin_new(struct daemon *d)
{
	struct admin *a = calloc(1, sizeof(*a));
	struct http_server_cfg cfg;

	if (a == NULL)
		abort();
	a->d = d;
	memset(&cfg, 0, sizeof(cfg));
	cfg.max_header_size = 16384;
	cfg.max_body = ADMIN_MAX_BODY;
	cfg.header_timeout_ms = 10000;
	cfg.body_timeout_ms = 30000;
	cfg.keepalive_timeout_ms = 120000;
	cfg.max_conns = 64;
	cfg.on_request = admin_request;
	cfg.arg = a;
	if ((a->srv = http_server_new(d->loop, &cfg)) == NULL)
		abort();
	uv_timer_init(d->loop, &a->tick);
	a->tick.data = a;
	return a;
}

/*
 * Does a daemon answer at path?  1 (and *pid, if the kernel says: the
 * listener's creator, SO_PEERCRED), 0 if nobody listens there (refused:
 * a socket file left by a daemon that died), or -errno when we cannot
 * tell.  Non-blocking, so a live daemon with a full backlog counts as
 * live (EAGAIN) rather than hanging the start.
 */
static int
admin_probe(const char *path, pid_t *pid)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct ucred uc;
	socklen_t len = sizeof(uc);
	int fd, rc;

	*pid = 0;
	if (strlen(path) >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	strcpy(sun.sun_path, path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0)) < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0 ||
	    errno == EAGAIN || errno == EINPROGRESS) {
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) == 0)
			*pid = uc.pid;
		rc = 1;
	} else if (errno == ECONNREFUSED || errno == ENOENT)
		rc = 0;
	else
		rc = -errno;
	close(fd);
	return rc;
}

int
admin_check_path(const char *path, char *err, size_t errlen)
{
	struct stat st;
	pid_t pid;
	int rc;

	if (lstat(path, &st) != 0 || !S_ISSOCK(st.st_mode))
		return 0;
	if ((rc = admin_probe(path, &pid)) == 0)
		return 0;
	if (rc < 0) {
		/* Someone else's socket we may not even connect to: not ours
		 * to remove. */
		snprintf(err, errlen, "%s: cannot tell whether another lambdad "
		    "serves it (%s); stop it or choose another admin_socket",
		    path, strerror(-rc));
		return -EADDRINUSE;
	}
	if (pid > 0)
		snprintf(err, errlen, "another lambdad serves %s (pid %d); stop "
		    "it or choose another admin_socket", path, (int)pid);
	else
		snprintf(err, errlen, "another lambdad serves %s; stop it or "
		    "choose another admin_socket", path);
	return -EADDRINUSE;
}

/* The directory (0755), and no stale socket in the way; a live one stays. */
static int
admin_prepare_path(const char *path, char *err, size_t errlen)
{
	char dir[PATH_MAX], *slash;
	struct stat st;
	int rc;

	if (strlen(path) >= 108) {	/* sun_path */
		snprintf(err, errlen, "%s: path too long for a socket", path);
		return -1;
	}
	snprintf(dir, sizeof(dir), "%s", path);
	if ((slash = strrchr(dir, '/')) != NULL && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
			snprintf(err, errlen, "%s: %s", dir, strerror(errno));
			return -1;
		}
	}
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(err, errlen, "%s exists and is not a socket",
			    path);
			return -1;
		}
		if ((rc = admin_check_path(path, err, errlen)) != 0)
			return rc;
		log_info("admin socket %s: nobody answers there; taking it "
		    "over", path);
		(void)unlink(path);	/* a daemon that died left it */
	}
	return 0;
}

int
admin_listen(struct admin *a, const char *path, const char *group,
    char *err, size_t errlen)
{
	struct group *gr = NULL;
	struct stat st;
	int rc;

	if (group != NULL && (gr = getgrnam(group)) == NULL) {
		snprintf(err, errlen, "admin_group %s: no such group", group);
		return -1;
	}
	if ((rc = admin_prepare_path(path, err, errlen)) != 0)
		return rc;
	if ((rc = http_server_listen_unix(a->srv, path, 0660)) != 0) {
		snprintf(err, errlen, "%s: %s", path, uv_strerror(rc));
		return -1;
	}
	if (lstat(path, &st) == 0) {
		a->dev = st.st_dev;
		a->ino = st.st_ino;
	}
	if (gr != NULL && chown(path, (uid_t)-1, gr->gr_gid) < 0) {
		snprintf(err, errlen, "%s: chown to group %s: %s", path, group,
		    strerror(errno));
		return -1;
	}
	if ((a->path = strdup(path)) == NULL)
		abort();
	return 0;
}

/* Remove our socket, unless another daemon has made its own there since. */
static void
admin_unlink(struct admin *a)
{
	struct stat st;

	if (lstat(a->path, &st) != 0)
		return;
	if (st.st_dev != a->dev || st.st_ino != a->ino) {
		log_info("admin socket %s is another daemon's now; left alone",
		    a->path);
		return;
	}
	(void)unlink(a->path);
}

static void
admin_closed(uv_handle_t *h)
{
	free(h->data);
}

void
admin_free(struct admin *a)
{
	if (a == NULL)
		return;
	admin_poll_all(a, 1);
	if (a->path != NULL)
		admin_unlink(a);
	http_server_free(a->srv);
	free(a->path);
	a->path = NULL;
	uv_close((uv_handle_t *)&a->tick, admin_closed);
}
