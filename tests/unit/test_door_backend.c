/*
 * Unit tests for gateway/tables/door_backend: the tables a request touches,
 * as the grant check before a backend call sees them (each with read or
 * write), per operation: TableName, RequestItems, TransactItems, PartiQL
 * statements (quoted, dotted, index names); the refusal of a statement with
 * no table; the tables_backend keys of the configuration; and a call end
 * to end on one loop (a client, a front server that hands its requests to
 * door_backend_submit, an engine): the engine's status, body, request id
 * and CRC come back, a refused call never reaches the engine, an engine
 * that is down gives 503 naming it.
 */
#include <criterion/criterion.h>

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "conf.h"
#include "http.h"
#include "tables/backend.h"
#include "tables/crc32.h"
#include "tables/door_backend.h"
#include "tmpdir.h"

static struct door_backend_table T[16];
static size_t N;

/* The tables of op with body json, as "name:r name:w ..." in order. */
static const char *
tables_of(const char *opname, const char *json)
{
	static char out[1024];
	struct ddb_err err = { .type = DDB_OK };
	cJSON *in = cJSON_Parse(json);
	int op = tables_op_lookup(opname, strlen(opname));
	size_t i, len = 0;

	cr_assert_not_null(in, "%s", json);
	cr_assert_geq(op, 0, "%s", opname);
	if (door_backend_tables((enum tables_op)op, in, T, 16, &N, &err) != 0)
		snprintf(out, sizeof(out), "error %s: %.200s",
		    ddb_err_name(err.type), err.msg);
	else {
		out[0] = '\0';
		for (i = 0; i < N && i < 16; i++)
			len += (size_t)snprintf(out + len, sizeof(out) - len,
			    "%s%s:%c", i > 0 ? " " : "", T[i].name,
			    T[i].write ? 'w' : 'r');
	}
	ddb_err_clear(&err);
	cJSON_Delete(in);
	return out;
}

Test(door_backend, table_name_ops)
{
	cr_assert_str_eq(tables_of("GetItem", "{\"TableName\":\"carts\"}"), "carts:r");
	cr_assert_str_eq(tables_of("Query", "{\"TableName\":\"carts\"}"), "carts:r");
	cr_assert_str_eq(tables_of("Scan", "{\"TableName\":\"a.b-c_d\"}"), "a.b-c_d:r");
	cr_assert_str_eq(tables_of("DescribeTable", "{\"TableName\":\"carts\"}"), "carts:r");
	cr_assert_str_eq(tables_of("PutItem", "{\"TableName\":\"carts\"}"), "carts:w");
	cr_assert_str_eq(tables_of("UpdateItem", "{\"TableName\":\"carts\"}"), "carts:w");
	cr_assert_str_eq(tables_of("DeleteItem", "{\"TableName\":\"carts\"}"), "carts:w");
	cr_assert_str_eq(tables_of("CreateTable", "{\"TableName\":\"new\"}"), "new:w");
	cr_assert_str_eq(tables_of("DeleteTable", "{\"TableName\":\"old\"}"), "old:w");
	/* No name: nothing to check; the engine words the ValidationException. */
	cr_assert_str_eq(tables_of("GetItem", "{}"), "");
}

Test(door_backend, names_nothing_or_everything)
{
	cr_assert_str_eq(tables_of("ListTables", "{}"), "*:r",
	    "ListTables needs a * grant, as in the embedded engine");
	cr_assert_str_eq(tables_of("DescribeLimits", "{}"), "");
	cr_assert_str_eq(tables_of("TagResource", "{\"ResourceArn\":"
	    "\"arn:aws:dynamodb:us-east-1:000000000000:table/carts\"}"), "carts:w");
	cr_assert_str_eq(tables_of("ListTagsOfResource", "{\"ResourceArn\":"
	    "\"arn:aws:dynamodb:us-east-1:000000000000:table/carts\"}"), "carts:r");
}

Test(door_backend, batches)
{
	cr_assert_str_eq(tables_of("BatchGetItem", "{\"RequestItems\":"
	    "{\"one\":{\"Keys\":[]},\"two\":{\"Keys\":[]}}}"), "one:r two:r");
	cr_assert_str_eq(tables_of("BatchWriteItem", "{\"RequestItems\":"
	    "{\"one\":[],\"two\":[]}}"), "one:w two:w");
}

Test(door_backend, transactions)
{
	cr_assert_str_eq(tables_of("TransactWriteItems", "{\"TransactItems\":["
	    "{\"Put\":{\"TableName\":\"p1\"}},"
	    "{\"Update\":{\"TableName\":\"u1\"}},"
	    "{\"ConditionCheck\":{\"TableName\":\"c1\"}},"
	    "{\"Delete\":{\"TableName\":\"d1\"}}]}"),
	    "p1:w u1:w c1:r d1:w");
	cr_assert_str_eq(tables_of("TransactGetItems", "{\"TransactItems\":["
	    "{\"Get\":{\"TableName\":\"g1\"}},{\"Get\":{\"TableName\":\"g2\"}}]}"),
	    "g1:r g2:r");
}

Test(door_backend, partiql)
{
	cr_assert_str_eq(tables_of("ExecuteStatement", "{\"Statement\":"
	    "\"SELECT * FROM \\\"carts\\\" WHERE id = 'x'\"}"), "carts:r");
	cr_assert_str_eq(tables_of("ExecuteStatement", "{\"Statement\":"
	    "\"select a from carts.byUser where u = ?\"}"), "carts:r",
	    "an index after the table is not the table");
	cr_assert_str_eq(tables_of("ExecuteStatement", "{\"Statement\":"
	    "\"SELECT * FROM \\\"my.table\\\".\\\"idx\\\"\"}"), "my.table:r",
	    "a quoted name keeps its dots");
	cr_assert_str_eq(tables_of("ExecuteStatement", "{\"Statement\":"
	    "\"UPDATE carts SET n = 1 WHERE id = 'x'\"}"), "carts:w");
	cr_assert_str_eq(tables_of("ExecuteStatement", "{\"Statement\":"
	    "\"INSERT INTO \\\"carts\\\" VALUE {'id': 'x'}\"}"), "carts:w");
	cr_assert_str_eq(tables_of("ExecuteStatement", "{\"Statement\":"
	    "\"DELETE FROM carts WHERE id = 'from other'\"}"), "carts:w",
	    "a FROM inside a string is not the table");
	cr_assert_str_eq(tables_of("BatchExecuteStatement", "{\"Statements\":["
	    "{\"Statement\":\"SELECT * FROM aaa WHERE k = 1\"},"
	    "{\"Statement\":\"UPDATE bbb SET x = 2 WHERE k = 1\"}]}"),
	    "aaa:r bbb:w");
	cr_assert_str_eq(tables_of("ExecuteTransaction", "{\"TransactStatements\":["
	    "{\"Statement\":\"INSERT INTO ccc VALUE {'k': 1}\"},"
	    "{\"Statement\":\"SELECT * FROM ddd WHERE k = 1\"}]}"),
	    "ccc:w ddd:r");
	cr_assert(strncmp(tables_of("ExecuteStatement",
	    "{\"Statement\":\"EXPLAIN carts\"}"), "error ValidationException",
	    25) == 0, "a statement with no table found is refused");
}

Test(door_backend, more_than_max)
{
	struct door_backend_table few[2];
	struct ddb_err err = { .type = DDB_OK };
	cJSON *in = cJSON_Parse("{\"RequestItems\":{\"aaa\":[],\"bbb\":[],"
	    "\"ccc\":[]}}");
	size_t n;

	cr_assert_eq(door_backend_tables(TOP_BatchWriteItem, in, few, 2, &n,
	    &err), 0);
	cr_assert_eq(n, 3, "every table counted");
	cr_assert_str_eq(few[1].name, "bbb");
	cJSON_Delete(in);
}

/* ---- the configuration keys -------------------------------------------- */

static char dir[PATH_MAX];

static int
load(const char *lines, struct conf **c, char *err, size_t errlen)
{
	char path[PATH_MAX + 32];
	FILE *f;

	tmpdir_make("test_door_backend", dir);
	snprintf(path, sizeof(path), "%s/lambdad.conf", dir);
	cr_assert_not_null(f = fopen(path, "w"));
	fprintf(f, "[lambdad]\nstate_dir = %s\n%s", dir, lines);
	fclose(f);
	*c = NULL;
	return conf_load(path, c, err, errlen);
}

Test(door_backend, conf_keys)
{
	struct conf *c;
	char err[512];

	cr_assert_eq(load("tables_backend = http://10.0.0.5:8000\n"
	    "tables_backend_key = AKID:secret/with+chars\n"
	    "tables_backend_region = eu-west-1\n", &c, err, sizeof(err)), 0,
	    "%s", err);
	cr_assert_str_eq(c->tables_backend, "http://10.0.0.5:8000");
	cr_assert_str_eq(c->tables_backend_key, "AKID:secret/with+chars");
	cr_assert_str_eq(c->tables_backend_region, "eu-west-1");
	conf_free(c);
	tmpdir_remove(dir);
	cr_assert_eq(load("", &c, err, sizeof(err)), 0, "%s", err);
	cr_assert_null(c->tables_backend, "no backend by default");
	conf_free(c);
	tmpdir_remove(dir);
}

Test(door_backend, conf_errors)
{
	struct conf *c;
	char err[512];

	cr_assert_eq(load("tables_backend = https://dynamodb.us-east-1."
	    "amazonaws.com\n", &c, err, sizeof(err)), -1);
	cr_assert(strstr(err, ":3: tables_backend:") != NULL, "%s", err);
	cr_assert(strstr(err, "only http://") != NULL, "%s", err);
	tmpdir_remove(dir);
	cr_assert_eq(load("tables_backend_key = nocolon\n", &c, err,
	    sizeof(err)), -1);
	cr_assert(strstr(err, "expected ID:SECRET") != NULL, "%s", err);
	tmpdir_remove(dir);
	cr_assert_eq(load("tables_backend_region = a/b\n", &c, err,
	    sizeof(err)), -1);
	cr_assert(strstr(err, "tables_backend_region") != NULL, "%s", err);
	tmpdir_remove(dir);
}

/* ---- end to end: client -> front (door_backend_submit) -> engine ------- */

static uv_loop_t loop;
static struct tables_backend *to_engine;
static struct conf_grant grant = { .table = (char *)"items", .read_only = true };
static struct function_conf grants = { .tables = &grant, .ntables = 1 };
static int engine_calls;
static bool engine_crc = true;

struct got {
	int		 calls, status;
	char		 body[512], rid[64], crc[16];
};

static void
engine_request(struct http_request *req, void *arg)
{
	struct http_header h[2] = { { "x-amzn-RequestId", 16, "ENGINE-RID", 10 },
	    { "x-amz-crc32", 11, "777", 3 } };
	static const char reply[] = "{\"Item\":{\"n\":{\"N\":\"1\"}}}";

	(void)arg;
	engine_calls++;
	http_respond(req, 200, h, engine_crc ? 2 : 1, reply, strlen(reply));
}

static void
front_request(struct http_request *req, void *arg)
{
	const char *t;
	size_t n;
	cJSON *in = cJSON_ParseWithLength(req->body, req->body_len);
	struct door_backend_req r = {
		.req = req, .in = in, .grants = &grants,
		.principal = "arn:aws:sts::000000000000:assumed-role/fn/fn",
		.region = "us-east-1", .account = "000000000000",
		.rid = "FRONT-RID",
	};

	(void)arg;
	t = http_header_get(req, "X-Amz-Target", &n);
	cr_assert_not_null(t);
	r.op = (enum tables_op)tables_op_lookup(t + 18, n - 18);
	door_backend_submit(to_engine, &r);
	cJSON_Delete(in);	/* nothing of it is kept */
}

static struct http_server *
server(http_request_cb cb, int *port)
{
	struct http_server_cfg cfg = {
		.max_header_size = 16384, .max_body = 1 << 20,
		.header_timeout_ms = 5000, .body_timeout_ms = 5000,
		.keepalive_timeout_ms = 5000, .on_request = cb,
	};
	struct http_server *srv = http_server_new(&loop, &cfg);

	cr_assert_not_null(srv);
	cr_assert_eq(http_server_listen(srv, "127.0.0.1", 0), 0);
	*port = http_server_port(srv);
	return srv;
}

static struct tables_backend *
client_to(int port)
{
	char url[64], err[256];
	struct tables_backend *be;

	snprintf(url, sizeof(url), "http://127.0.0.1:%d", port);
	be = tables_backend_new(&loop, url, NULL, NULL, 5000, err, sizeof(err));
	cr_assert_not_null(be, "%s", err);
	return be;
}

static void
got_cb(void *arg, const struct tables_backend_reply *rep)
{
	struct got *g = arg;
	const char *v;

	g->calls++;
	g->status = rep->status;
	snprintf(g->body, sizeof(g->body), "%.*s", (int)rep->len, rep->body);
	v = tables_backend_header(rep, "x-amzn-requestid");
	snprintf(g->rid, sizeof(g->rid), "%s", v != NULL ? v : "");
	v = tables_backend_header(rep, "x-amz-crc32");
	snprintf(g->crc, sizeof(g->crc), "%s", v != NULL ? v : "");
}

static void
call(struct tables_backend *client, const char *op, const char *body,
    struct got *g)
{
	time_t end = time(NULL) + 5;

	memset(g, 0, sizeof(*g));
	cr_assert_eq(tables_backend_call(client, op, body, strlen(body), got_cb,
	    g), 0);
	while (g->calls == 0 && time(NULL) < end)
		uv_run(&loop, UV_RUN_ONCE);
	cr_assert_eq(g->calls, 1);
}

Test(door_backend, end_to_end)
{
	struct tables_backend *client;
	int eport, fport;
	char crcs[16];
	struct got g;

	uv_loop_init(&loop);
	(void)server(engine_request, &eport);
	(void)server(front_request, &fport);
	to_engine = client_to(eport);
	client = client_to(fport);

	call(client, "GetItem", "{\"TableName\":\"items\",\"Key\":{}}", &g);
	cr_assert_eq(g.status, 200);
	cr_assert_str_eq(g.body, "{\"Item\":{\"n\":{\"N\":\"1\"}}}");
	cr_assert_str_eq(g.rid, "ENGINE-RID", "the engine's request id");
	cr_assert_str_eq(g.crc, "777", "the engine's x-amz-crc32, as it gave it");
	cr_assert_eq(engine_calls, 1);

	engine_crc = false;
	call(client, "Query", "{\"TableName\":\"items\"}", &g);
	snprintf(crcs, sizeof(crcs), "%u", (unsigned)crc32_update(0, g.body,
	    strlen(g.body)));
	cr_assert_str_eq(g.crc, crcs, "no CRC from the engine: computed");

	call(client, "PutItem", "{\"TableName\":\"items\",\"Item\":{}}", &g);
	cr_assert_eq(g.status, 400);
	cr_assert(strstr(g.body, "AccessDeniedException") != NULL, "%s", g.body);
	cr_assert(strstr(g.body, "assumed-role/fn/fn is not authorized to "
	    "perform: dynamodb:PutItem on resource: arn:aws:dynamodb:us-east-1:"
	    "000000000000:table/items") != NULL, "%s", g.body);
	cr_assert_str_eq(g.rid, "FRONT-RID", "our own error, our request id");
	cr_assert_eq(engine_calls, 2, "the refused call never reached the engine");
	call(client, "GetItem", "{\"TableName\":\"other\"}", &g);
	cr_assert_eq(g.status, 400);
	cr_assert_eq(engine_calls, 2);
}

Test(door_backend, engine_down)
{
	struct tables_backend *client;
	struct http_server *engine;
	int eport, fport;
	char want[128];
	struct got g;

	uv_loop_init(&loop);
	engine = server(engine_request, &eport);
	http_server_free(engine);	/* nobody listens there now */
	(void)server(front_request, &fport);
	to_engine = client_to(eport);
	client = client_to(fport);
	call(client, "GetItem", "{\"TableName\":\"items\"}", &g);
	cr_assert_eq(g.status, 503);
	cr_assert(strstr(g.body, "ServiceUnavailableException") != NULL, "%s",
	    g.body);
	snprintf(want, sizeof(want), "the Tables backend http://127.0.0.1:%d: "
	    "connection refused", eport);
	cr_assert(strstr(g.body, want) != NULL, "%s", g.body);
}
