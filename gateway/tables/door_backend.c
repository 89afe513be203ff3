/*
 * door_backend: grants checked, then the call sent to the backend engine.
 * See door_backend.h.
 *
 * The tables a request names come from access.c (tables_access, which
 * walks TableName, RequestItems, TransactItems and each PartiQL
 * statement's target through tables_partiql_target), so the embedded
 * store and a backend refuse exactly the same calls, in the same words:
 * the refusal is tbl_allow's message.  ListTables, which names no table,
 * is put as "*", as the engine does.  The body goes on byte for byte, not
 * re-printed, so numbers keep their spelling.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "http.h"
#include "log.h"

#include "access.h"
#include "backend.h"
#include "crc32.h"
#include "door_backend.h"
#include "engine_int.h"

#define DB_CT		"application/x-amz-json-1.0"
#define DB_RID_MAX	128

/* Who is told of a reply (door_backend_req's done). */
struct db_cb {
	void		(*done)(void *arg, int status, const char *body,
			    size_t len);
	void		*arg;
};

/* What a call in flight needs when its reply comes. */
struct db_call {
	struct tables_backend *be;
	struct http_request *req;
	char		 rid[DB_RID_MAX];
	struct db_cb	 cb;
};

int
door_backend_open(uv_loop_t *loop, const struct conf *c,
    struct tables_backend **out)
{
	char err[512];

	*out = NULL;
	if (c->tables_backend == NULL)
		return 0;
	*out = tables_backend_new(loop, c->tables_backend,
	    c->tables_backend_key, c->tables_backend_region, 0, err,
	    sizeof(err));
	if (*out == NULL) {
		log_err("tables_backend %s: %s", c->tables_backend, err);
		return -1;
	}
	log_info("tables: every call goes to %s (%s)", c->tables_backend,
	    c->tables_backend_key != NULL ? "signed" : "unsigned");
	return 0;
}

/* ---- replies ------------------------------------------------------------ */

static void
db_respond(struct http_request *req, const struct db_cb *cb, int status,
    const char *rid, const char *crcs, const char *body, size_t len)
{
	struct http_header h[3];
	char mine[16];

	if (crcs == NULL) {
		snprintf(mine, sizeof(mine), "%" PRIu32,
		    crc32_update(0, body, len));
		crcs = mine;
	}
	h[0] = (struct http_header){ "x-amzn-RequestId", 16, rid, strlen(rid) };
	h[1] = (struct http_header){ "x-amz-crc32", 11, crcs, strlen(crcs) };
	h[2] = (struct http_header){ "Content-Type", 12, DB_CT, strlen(DB_CT) };
	http_respond(req, status, h, 3, body, len);
	if (cb->done != NULL)
		cb->done(cb->arg, status, body, len);
}

/* An error of our own, in DynamoDB's shape. */
static void
db_fail(struct http_request *req, const struct db_cb *cb, const char *rid,
    int status, enum ddb_errtype type, const char *msg)
{
	cJSON *o = cJSON_CreateObject();
	char *body = NULL;
	static const char oom[] = "{\"__type\":\"com.amazonaws.dynamodb."
	    "v20120810#InternalServerError\",\"message\":\"out of memory\"}";

	if (o != NULL) {
		cJSON_AddStringToObject(o, "__type", ddb_err_fulltype(type));
		cJSON_AddStringToObject(o, "message", msg);
		body = cJSON_PrintUnformatted(o);
		cJSON_Delete(o);
	}
	if (body == NULL) {
		db_respond(req, cb, 500, rid, NULL, oom, strlen(oom));
		return;
	}
	db_respond(req, cb, status != 0 ? status : ddb_err_status(type), rid,
	    NULL, body, strlen(body));
	free(body);
}

/* No reply: refused or stopping is 503 (try again), the rest 500. */
static void
db_no_reply(struct db_call *k, const struct tables_backend_reply *r)
{
	const char *url = tables_backend_url(k->be);
	char msg[512];
	bool unavailable = r->error == UV_ECONNREFUSED ||
	    r->error == UV_ECANCELED;

	snprintf(msg, sizeof(msg), "%s: the Tables backend %s: %s",
	    unavailable ? "Service unavailable" : "Internal server error", url,
	    r->errmsg);
	log_warnx("tables: %s: %s", k->rid, msg);
	db_fail(k->req, &k->cb, k->rid, 0, unavailable ?
	    DDB_SERVICE_UNAVAILABLE : DDB_INTERNAL, msg);
}

static void
db_reply(void *arg, const struct tables_backend_reply *r)
{
	struct db_call *k = arg;
	const char *rid, *crc;

	if (r->status == 0)
		db_no_reply(k, r);
	else {
		rid = tables_backend_header(r, "x-amzn-RequestId");
		crc = tables_backend_header(r, "x-amz-crc32");
		db_respond(k->req, &k->cb, r->status, rid != NULL ? rid :
		    k->rid, crc, r->body, r->len);
	}
	free(k);
}

/* ---- grants ------------------------------------------------------------- */

struct db_collect {
	struct door_backend_table *out;
	size_t		 max, n;
};

static bool
db_collect_one(void *arg, const char *table, bool write)
{
	struct db_collect *col = arg;

	if (col->n < col->max) {
		snprintf(col->out[col->n].name, sizeof(col->out[col->n].name),
		    "%s", table);
		col->out[col->n].write = write;
	}
	col->n++;
	return true;
}

/* The grant check of op on in, by call->allow: 0, or -1 and err. */
static int
db_check(enum tables_op op, const cJSON *in, const struct tables_call *call,
    struct ddb_err *err)
{
	if (op == TOP_ListTables)
		return tbl_allow(call, "dynamodb:ListTables", "*", false, err);
	return tables_access(op, in, call, err);
}

int
door_backend_tables(enum tables_op op, const cJSON *in,
    struct door_backend_table *out, size_t max, size_t *n,
    struct ddb_err *err)
{
	struct db_collect col = { .out = out, .max = max };
	struct tables_call call = {
		.region = "us-east-1", .account = "000000000000",
		.allow = db_collect_one, .allow_arg = &col,
	};
	int rc = db_check(op, in, &call, err);

	*n = col.n;
	return rc;
}

static bool
db_allow(void *arg, const char *table, bool write)
{
	return conf_table_allowed(arg, table, write);
}

void
door_backend_submit(struct tables_backend *be, const struct door_backend_req *r)
{
	struct tables_call call = {
		.region = r->region, .account = r->account,
		.principal = r->principal,
		.allow = r->grants != NULL ? db_allow : NULL,
		.allow_arg = (void *)(uintptr_t)r->grants,
	};
	struct ddb_err err = { .type = DDB_OK };
	struct db_cb cb = { r->done, r->done_arg };
	struct db_call *k;

	if (r->grants != NULL && db_check(r->op, r->in, &call, &err) != 0) {
		db_fail(r->req, &cb, r->rid, 0, err.type, err.msg);
		ddb_err_clear(&err);
		return;
	}
	if ((k = calloc(1, sizeof(*k))) == NULL) {
		db_fail(r->req, &cb, r->rid, 500, DDB_INTERNAL, "out of memory");
		return;
	}
	k->be = be;
	k->req = r->req;
	k->cb = cb;
	snprintf(k->rid, sizeof(k->rid), "%s", r->rid);
	if (tables_backend_call(be, tables_op_name(r->op), r->req->body,
	    r->req->body_len, db_reply, k) != 0) {
		free(k);
		db_fail(r->req, &cb, r->rid, 500, DDB_INTERNAL,
		    "out of memory");
	}
}
