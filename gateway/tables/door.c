/*
 * door: DynamoDB's JSON protocol in front of the Tables engine (door.h).
 *
 * One request is one struct door_job: parsed and checked on the loop
 * (target, content type, JSON, the caller's right to be here), run on a
 * store thread by door_job_run (tables_exec, then the reply printed and
 * its CRC-32 computed there), and answered on the loop by door_job_done
 * once the store says the job is finished (and, for a write, durable).
 *
 * The grants a function's job is checked against are copied into the job
 * when it is submitted: the store thread must never read the
 * configuration, which a reload may free meanwhile.
 *
 * Every request that names a known operation is reported to the metrics
 * once answered (door_report, door_admin.c); struct tables_door itself is
 * in door_int.h, shared with door_admin.c.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <cJSON.h>

#include "conf.h"
#include "fs.h"
#include "http.h"
#include "invoke.h"
#include "log.h"
#include "sigv4.h"
#include "store/store.h"

#include "access.h"
#include "backend.h"
#include "crc32.h"
#include "ddb.h"
#include "door.h"
#include "door_backend.h"
#include "door_int.h"
#include "engine.h"

#define DOOR_REGION	"us-east-1"
#define DOOR_ACCOUNT	"000000000000"
#define DOOR_HEALTH	"healthy: dynamodb.us-east-1.amazonaws.com "
#define DOOR_CT		"application/x-amz-json-1.0"
#define DOOR_RID_LEN	52	/* as AWS's request ids */

struct door_job {
	struct tables_door *door;
	struct http_request *req;
	enum tables_op	 op;
	cJSON		*in;
	bool		 checked;	/* a function: grants apply */
	struct function_conf grants;	/* only tables/ntables, copied */
	char		 principal[160];
	char		 rid[DOOR_RID_LEN + 1];
	char		 fn[72];	/* the calling function, or "" */
	uint64_t	 t0;		/* uv_hrtime at submit */
	/* Filled on the store thread. */
	enum ddb_errtype etype;		/* DDB_OK, or the reply's error */
	int		 status;
	char		*body;
	size_t		 body_len;
	uint32_t	 crc;
};

/* ---- replies ------------------------------------------------------------ */

/* A request id of DOOR_RID_LEN of [A-Z0-9], as AWS makes them. */
static void
door_rid(struct tables_door *d, char out[DOOR_RID_LEN + 1])
{
	static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	uint64_t x = 0;
	size_t i;

	for (i = 0; i < DOOR_RID_LEN; i++) {
		/* xorshift128+, twelve letters a draw (36^12 < 2^64):
		 * unique enough for logs, never a secret. */
		if (i % 12 == 0) {
			uint64_t s1 = d->rng[0], s0 = d->rng[1];

			d->rng[0] = s0;
			s1 ^= s1 << 23;
			d->rng[1] = s1 ^ s0 ^ (s1 >> 17) ^ (s0 >> 26);
			x = d->rng[1] + s0;
		}
		out[i] = al[x % (sizeof(al) - 1)];
		x /= sizeof(al) - 1;
	}
	out[DOOR_RID_LEN] = '\0';
}

static void
door_respond(struct http_request *req, int status, const char *rid,
    const char *body, size_t len, uint32_t crc)
{
	struct http_header h[3];
	char crcs[16];

	snprintf(crcs, sizeof(crcs), "%" PRIu32, crc);
	h[0] = (struct http_header){ "x-amzn-RequestId", 16, rid, strlen(rid) };
	h[1] = (struct http_header){ "x-amz-crc32", 11, crcs, strlen(crcs) };
	h[2] = (struct http_header){ "Content-Type", 12, DOOR_CT,
	    strlen(DOOR_CT) };
	http_respond(req, status, h, 3, body, len);
}

/* The error body: __type, message, and err->extra's members (taken).
 * NULL only when out of memory. */
static char *
door_err_json(struct ddb_err *err)
{
	cJSON *o = cJSON_CreateObject(), *m;
	char *s;

	if (o == NULL)
		return NULL;
	cJSON_AddStringToObject(o, "__type", ddb_err_fulltype(err->type));
	cJSON_AddStringToObject(o, "message", err->msg);
	while (err->extra != NULL && (m = err->extra->child) != NULL) {
		cJSON_DetachItemViaPointer(err->extra, m);
		cJSON_AddItemToObject(o, m->string, m);
	}
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return s;
}

/* Answer req at once with an error of the door's own (status: 0 = the
 * type's). */
static void
door_fail(struct tables_door *d, struct http_request *req, int status,
    enum ddb_errtype type, const char *msg)
{
	struct ddb_err err = { .type = type };
	char rid[DOOR_RID_LEN + 1], *body;
	static const char oom[] = "{\"__type\":\"com.amazonaws.dynamodb."
	    "v20120810#InternalServerError\",\"message\":\"out of memory\"}";

	door_rid(d, rid);
	snprintf(err.msg, sizeof(err.msg), "%s", msg);
	if ((body = door_err_json(&err)) == NULL) {
		door_respond(req, 500, rid, oom, strlen(oom),
		    crc32_update(0, oom, strlen(oom)));
		return;
	}
	door_respond(req, status != 0 ? status : ddb_err_status(type), rid,
	    body, strlen(body), crc32_update(0, body, strlen(body)));
	free(body);
}

/* ---- jobs --------------------------------------------------------------- */

static void
door_job_free(struct door_job *j)
{
	size_t i;

	cJSON_Delete(j->in);
	for (i = 0; i < j->grants.ntables; i++)
		free(j->grants.tables[i].table);
	free(j->grants.tables);
	free(j->body);
	free(j);
}

static bool
door_allow(void *arg, const char *table, bool write)
{
	struct door_job *j = arg;

	return conf_table_allowed(&j->grants, table, write);
}

static int64_t
door_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* On a store thread: the operation, its reply printed, and its CRC. */
static int
door_job_run(sqlite3 *db, void *arg)
{
	struct door_job *j = arg;
	struct tables_call call = {
		.region = DOOR_REGION,
		.account = DOOR_ACCOUNT,
		.principal = j->principal,
		.allow = j->checked ? door_allow : NULL,
		.allow_arg = j,
		.now_ms = door_now_ms(),
	};
	struct ddb_err err = { .type = DDB_OK };
	cJSON *resp = NULL;
	int rc;

	rc = tables_exec(db, j->op, j->in, &call, &resp, &err);
	if (rc == 0) {
		j->status = 200;
		j->body = resp != NULL ? cJSON_PrintUnformatted(resp) :
		    strdup("{}");
		cJSON_Delete(resp);
	} else {
		j->etype = err.type;
		j->status = ddb_err_status(err.type);
		j->body = door_err_json(&err);
	}
	ddb_err_clear(&err);
	if (j->body != NULL) {
		j->body_len = strlen(j->body);
		j->crc = crc32_update(0, j->body, j->body_len);
	}
	/* Non-zero rolls a write back: a refused request changes nothing. */
	return rc == 0 && j->body != NULL ? 0 : -1;
}

/* On the loop: the job is done (and a write durable, or not written). */
static void
door_job_done(void *arg, int rc)
{
	struct door_job *j = arg;

	if (rc == STORE_ECOMMIT) {
		char why[160], msg[256];

		store_last_error(j->door->store, why, sizeof(why));
		log_warnx("tables: %s: %s: the commit failed: %s", j->rid,
		    tables_op_name(j->op), why);
		snprintf(msg, sizeof(msg), "Internal server error: the write "
		    "could not be committed (%s)", why);
		door_fail(j->door, j->req, 0, DDB_INTERNAL, msg);
		j->etype = DDB_INTERNAL;
	} else if (j->body == NULL) {
		door_fail(j->door, j->req, 0, DDB_INTERNAL,
		    "Internal server error: out of memory");
		j->etype = DDB_INTERNAL;
	} else
		door_respond(j->req, j->status, j->rid, j->body, j->body_len,
		    j->crc);
	door_report(j->door, j->op, j->in, j->fn, j->etype, j->t0);
	door_job_free(j);
}

/* The grants of function fn as the current configuration has them. */
static int
door_copy_grants(struct door_job *j, const struct conf *c, const char *fn)
{
	const struct function_conf *fc = conf_find(c, fn);
	size_t i;

	j->checked = true;
	snprintf(j->principal, sizeof(j->principal),
	    "arn:aws:sts::" DOOR_ACCOUNT ":assumed-role/%s/%s", fn, fn);
	if (fc == NULL || fc->ntables == 0)
		return 0;
	if ((j->grants.tables = calloc(fc->ntables,
	    sizeof(*j->grants.tables))) == NULL)
		return -ENOMEM;
	for (i = 0; i < fc->ntables; i++) {
		j->grants.tables[i].read_only = fc->tables[i].read_only;
		if ((j->grants.tables[i].table =
		    strdup(fc->tables[i].table)) == NULL)
			return -ENOMEM;
		j->grants.ntables++;
	}
	return 0;
}

/* ---- requests ----------------------------------------------------------- */

static bool
door_type_ok(const struct http_request *req)
{
	size_t len, n;
	const char *ct = http_header_get(req, "Content-Type", &len);

	if (ct == NULL)
		return true;	/* curl --data-binary without -H; lenient */
	/* The value is not NUL-terminated: the header's length bounds it. */
	for (n = 0; n < len && ct[n] != ';' && ct[n] != ' '; n++)
		;
	return (n == strlen(DOOR_CT) && strncasecmp(ct, DOOR_CT, n) == 0) ||
	    (n == 16 && strncasecmp(ct, "application/json", n) == 0);
}

bool
tables_door_match(const struct http_request *req)
{
	size_t len;
	const char *t = http_header_get(req, "X-Amz-Target", &len);

	return t != NULL && len > strlen(DOOR_TARGET_PREFIX) &&
	    strncmp(t, DOOR_TARGET_PREFIX, strlen(DOOR_TARGET_PREFIX)) == 0;
}

/* The operation req names, or -1 (req is answered then). */
static int
door_op(struct tables_door *d, struct http_request *req)
{
	size_t len, plen = strlen(DOOR_TARGET_PREFIX);
	const char *t = http_header_get(req, "X-Amz-Target", &len);
	int op = -1;

	if (tables_door_match(req))
		op = tables_op_lookup(t + plen, len - plen);
	if (op < 0 || !door_type_ok(req)) {
		door_fail(d, req, 0, DDB_UNKNOWN_OPERATION,
		    "Unknown operation");
		return -1;
	}
	return op;
}

/*
 * No store to run j on (nothing configured uses it, or the daemon stops):
 * a function is still told what its grants refuse, as the engine would,
 * so that a function without tables = is denied whatever happens; the
 * rest is 503.  Frees j.
 */
static void
door_unavailable(struct tables_door *d, struct door_job *j)
{
	struct tables_call call = {
		.region = DOOR_REGION,
		.account = DOOR_ACCOUNT,
		.principal = j->principal,
		.allow = door_allow,
		.allow_arg = j,
	};
	struct ddb_err err = { .type = DDB_OK };
	char *body;

	if (j->checked && tables_access(j->op, j->in, &call, &err) != 0 &&
	    (body = door_err_json(&err)) != NULL) {
		door_respond(j->req, ddb_err_status(err.type), j->rid, body,
		    strlen(body), crc32_update(0, body, strlen(body)));
		free(body);
	} else {
		door_fail(d, j->req, 0, DDB_SERVICE_UNAVAILABLE,
		    d->closing ? "The Tables store is closing" :
		    "The Tables store is not open");
		err.type = DDB_SERVICE_UNAVAILABLE;
	}
	door_report(d, j->op, j->in, j->fn, err.type, j->t0);
	ddb_err_clear(&err);
	door_job_free(j);
}

/* Check, parse and queue req; fn NULL: the operator's listener. */
static void
door_submit(struct tables_door *d, struct http_request *req, const char *fn)
{
	struct door_job *j;
	uint64_t t0 = uv_hrtime();
	cJSON *in;
	int op, rc;

	if (req->too_large) {
		door_fail(d, req, 413, DDB_VALIDATION, "Request body exceeds "
		    "the limit of 16777216 bytes");
		return;
	}
	if ((op = door_op(d, req)) < 0)
		return;
	if ((in = cJSON_ParseWithLength(req->body, req->body_len)) == NULL ||
	    !cJSON_IsObject(in)) {
		cJSON_Delete(in);
		door_fail(d, req, 0, DDB_SERIALIZATION, req->body_len == 0 ?
		    "The request body is empty" :
		    "Start of structure or map found where not expected.");
		door_report(d, (enum tables_op)op, NULL, fn, DDB_SERIALIZATION,
		    t0);
		return;
	}
	if ((j = calloc(1, sizeof(*j))) == NULL) {
		cJSON_Delete(in);
		door_fail(d, req, 500, DDB_INTERNAL, "out of memory");
		return;
	}
	j->door = d;
	j->req = req;
	j->op = (enum tables_op)op;
	j->in = in;
	j->t0 = t0;
	if (fn != NULL)
		snprintf(j->fn, sizeof(j->fn), "%s", fn);
	door_rid(d, j->rid);
	if (fn != NULL && door_copy_grants(j, d->conf, fn) != 0) {
		door_job_free(j);
		door_fail(d, req, 500, DDB_INTERNAL, "out of memory");
		return;
	}
	if (d->backend != NULL) {	/* door_backend.c answers req */
		struct door_backend_req br = { req, j->op, in,
		    j->checked ? &j->grants : NULL, j->principal, DOOR_REGION,
		    DOOR_ACCOUNT, j->rid, NULL, NULL };

		if (door_report_later(d, &br, in, j->fn, t0))
			j->in = NULL;	/* the report's now */
		door_backend_submit(d->backend, &br);
		door_job_free(j);
		return;
	}
	if (d->store == NULL || d->closing) {
		door_unavailable(d, j);
		return;
	}
	rc = tables_op_writes(j->op, in) ?
	    store_write(d->store, door_job_run, door_job_done, j) :
	    store_read(d->store, door_job_run, door_job_done, j);
	if (rc != 0) {
		door_report(d, j->op, j->in, j->fn, DDB_SERVICE_UNAVAILABLE,
		    t0);
		door_job_free(j);
		door_fail(d, req, 0, DDB_SERVICE_UNAVAILABLE,
		    "The Tables store is closing");
	}
}

void
tables_door_function(struct tables_door *d, const char *fn,
    struct http_request *req)
{
	if (d == NULL) {
		/* No door, no request ids of its own to draw from. */
		static const char body[] = "{\"__type\":\"com.amazon.coral."
		    "service#ServiceUnavailableException\",\"message\":"
		    "\"The Tables store is not open\"}";

		door_respond(req, 503, "0", body, strlen(body),
		    crc32_update(0, body, strlen(body)));
		return;
	}
	door_submit(d, req, fn);
}

/*
 * The operator's listener: with access keys, a SigV4 signature from one
 * (any peer); without, loopback peers only.  0, or -1 with req answered
 * in DynamoDB's words for each case.
 */
static int
door_authorized(struct tables_door *d, struct http_request *req)
{
	const struct conf *c = d->conf;
	char why[256];
	enum sigv4_status st;

	if (c->naccess_keys == 0) {
		if (invoke_peer_trusted(&req->peer))
			return 0;
		door_fail(d, req, 0, DDB_ACCESS_DENIED, "The DynamoDB API "
		    "answers loopback clients only (no access_key is set)");
		return -1;
	}
	why[0] = '\0';
	st = sigv4_verify(req, c->access_keys, c->naccess_keys, "dynamodb",
	    time(NULL), why, sizeof(why));
	switch (st) {
	case SIGV4_OK:
		return 0;
	case SIGV4_MISSING:
		door_fail(d, req, 0, DDB_MISSING_AUTH,
		    "Request is missing Authentication Token");
		break;
	case SIGV4_MALFORMED:
		door_fail(d, req, 0, DDB_INCOMPLETE_SIGNATURE, why);
		break;
	case SIGV4_UNKNOWN_KEY:
		door_fail(d, req, 0, DDB_UNRECOGNIZED_CLIENT, "The security "
		    "token included in the request is invalid.");
		break;
	case SIGV4_EXPIRED:
	case SIGV4_URL_EXPIRED:
		door_fail(d, req, 0, DDB_INVALID_SIGNATURE, why);
		break;
	case SIGV4_MISMATCH:
		door_fail(d, req, 0, DDB_INVALID_SIGNATURE, "The request "
		    "signature we calculated does not match the signature you "
		    "provided. Check your AWS Secret Access Key and signing "
		    "method. Consult the service documentation for details.");
		break;
	}
	log_info("tables: %s %.*s refused: %s", req->method,
	    (int)req->path_len, req->path, why);
	return -1;
}

static void
door_on_request(struct http_request *req, void *arg)
{
	struct tables_door *d = arg;
	char rid[DOOR_RID_LEN + 1];

	/* The health check AWS and dynalite answer, unauthenticated. */
	if (strcmp(req->method, "GET") == 0 && strcmp(req->path, "/") == 0) {
		door_rid(d, rid);
		door_respond(req, 200, rid, DOOR_HEALTH, strlen(DOOR_HEALTH),
		    crc32_update(0, DOOR_HEALTH, strlen(DOOR_HEALTH)));
		return;
	}
	if (strcmp(req->method, "POST") != 0 || strcmp(req->path, "/") != 0) {
		door_fail(d, req, 404, DDB_UNKNOWN_OPERATION,
		    "Only POST / is served");
		return;
	}
	if (door_authorized(d, req) != 0)
		return;
	door_submit(d, req, NULL);
}

/* ---- the store, the listener, TTL --------------------------------------- */

static bool
door_needs_store(const struct conf *c)
{
	size_t i;

	if (c->tables_backend != NULL)
		return false;
	if (c->dynamodb_port >= 0)
		return true;
	for (i = 0; i < c->nfns; i++)
		if (c->fns[i].ntables > 0)
			return true;
	return false;
}

static int
door_open_store(struct tables_door *d)
{
	struct store_cfg cfg = {
		.sync_full = d->conf->tables_sync_full != 0,
		.nreaders = 2,
		.schema = tables_schema,
	};
	char dir[4096], path[4200], err[512];
	int rc;

	if ((rc = conf_tables_dir(d->conf, dir, sizeof(dir))) != 0 ||
	    (rc = fs_mkdir_p(dir, 0700)) != 0) {
		log_err("tables_dir %s: %s", dir, strerror(-rc));
		return -1;
	}
	snprintf(path, sizeof(path), "%s/tables.db", dir);
	cfg.path = path;
	if (store_open(d->loop, &cfg, &d->store, err, sizeof(err)) != 0) {
		log_err("tables: %s", err);
		d->store = NULL;
		return -1;
	}
	log_info("tables: store %s (synchronous=%s)", path,
	    cfg.sync_full ? "FULL" : "NORMAL");
	return 0;
}

static int
door_ttl_job(sqlite3 *db, void *arg)
{
	(void)arg;
	return tables_ttl_sweep(db, time(NULL), DOOR_TTL_BATCH) < 0 ? -1 : 0;
}

static void
door_ttl_done(void *arg, int rc)
{
	struct tables_door *d = arg;

	d->ttl_busy = false;
	if (rc != 0)
		log_warnx("tables: the TTL sweep failed (%d)", rc);
}

/* One sweep at a time: a slow one is never stacked up behind itself. */
static void
door_ttl_tick(uv_timer_t *t)
{
	struct tables_door *d = t->data;

	door_sample(d);
	if (d->store == NULL || d->ttl_busy || d->closing)
		return;
	if (store_write(d->store, door_ttl_job, door_ttl_done, d) == 0)
		d->ttl_busy = true;
}

static int
door_listen(struct tables_door *d)
{
	const struct conf *c = d->conf;
	struct http_server_cfg cfg = {
		.max_header_size = 64 * 1024,
		.max_body = DOOR_MAX_BODY,
		.header_timeout_ms = 10000,
		.body_timeout_ms = 10000,
		.keepalive_timeout_ms = 75000,
		.max_conns = 4096,
		.on_request = door_on_request,
		.arg = d,
	};
	int rc;

	if ((d->srv = http_server_new(d->loop, &cfg)) == NULL)
		return -1;
	if ((rc = http_server_listen(d->srv, c->dynamodb_host,
	    c->dynamodb_port)) != 0) {
		log_err("cannot listen on %s:%d for DynamoDB: %s",
		    c->dynamodb_host, c->dynamodb_port, uv_strerror(rc));
		return -1;
	}
	log_info("dynamodb on %s:%d", c->dynamodb_host,
	    http_server_port(d->srv));
	return 0;
}

int
tables_door_open(uv_loop_t *loop, const struct conf *c,
    struct tables_door **out)
{
	struct tables_door *d = calloc(1, sizeof(*d));

	*out = NULL;
	if (d == NULL)
		return -1;
	d->loop = loop;
	d->conf = c;
	if (getrandom(d->rng, sizeof(d->rng), 0) != sizeof(d->rng) ||
	    (d->rng[0] | d->rng[1]) == 0)
		d->rng[0] = (uint64_t)time(NULL) | 1, d->rng[1] = (uint64_t)loop;
	uv_timer_init(loop, &d->ttl);
	d->ttl.data = d;
	/* Never what keeps the loop alive, and never a busy loop. */
	uv_unref((uv_handle_t *)&d->ttl);
	uv_timer_start(&d->ttl, door_ttl_tick, DOOR_TTL_MS, DOOR_TTL_MS);
	*out = d;
	if (door_backend_open(loop, c, &d->backend) != 0)
		return -1;
	if (door_needs_store(c) && door_open_store(d) != 0)
		return -1;
	if (c->dynamodb_port >= 0 && door_listen(d) != 0)
		return -1;
	return 0;
}

void
tables_door_set_conf(struct tables_door *d, const struct conf *c)
{
	if (d == NULL)
		return;
	d->conf = c;
	if (d->store == NULL && !d->closing && door_needs_store(c))
		(void)door_open_store(d);
}

void
tables_door_set_metrics(struct tables_door *d, struct metrics_tables *mt)
{
	if (d != NULL)
		d->mt = mt;
}

struct store *
door_store(const struct tables_door *d, const char **why)
{
	if (d != NULL && d->backend != NULL)
		*why = "the tables are in tables_backend's engine, not here: "
		    "ask it";
	else if (d == NULL || d->store == NULL)
		*why = "the Tables store is not open: nothing in the "
		    "configuration uses it (dynamodb_listen, or a function's "
		    "tables =)";
	else if (d->closing)
		*why = "the Tables store is closing";
	else
		return d->store;
	return NULL;
}

int
tables_door_port(const struct tables_door *d)
{
	return d != NULL && d->srv != NULL ? http_server_port(d->srv) : -1;
}

void
tables_door_stop(struct tables_door *d)
{
	if (d != NULL && d->srv != NULL)
		http_server_stop_accepting(d->srv);
}

static void
door_timer_closed(uv_handle_t *h)
{
	struct tables_door *d = h->data;
	void (*cb)(void *) = d->close_cb;
	void *arg = d->close_arg;

	free(d);
	if (cb != NULL)
		cb(arg);
}

static void
door_store_closed(void *arg)
{
	struct tables_door *d = arg;

	d->store = NULL;
	uv_close((uv_handle_t *)&d->ttl, door_timer_closed);
}

static void
door_hold(uv_timer_t *t)
{
	(void)t;
}

void
tables_door_close(struct tables_door *d, void (*cb)(void *), void *arg)
{
	if (d == NULL) {
		if (cb != NULL)
			cb(arg);
		return;
	}
	d->closing = true;
	d->close_cb = cb;
	d->close_arg = arg;
	/* Outstanding requests are still answered: the server goes once they
	 * are (http.h). */
	http_server_free(d->srv);
	d->srv = NULL;
	tables_backend_free(d->backend);	/* calls in flight still end */
	d->backend = NULL;
	/* Until the store is closed, the timer holds the loop open, so the
	 * last jobs' replies and the final checkpoint happen. */
	uv_timer_stop(&d->ttl);
	uv_ref((uv_handle_t *)&d->ttl);
	uv_timer_start(&d->ttl, door_hold, 3600 * 1000, 3600 * 1000);
	if (d->store != NULL)
		store_close(d->store, door_store_closed, d);
	else
		door_store_closed(d);
}
