/*
 * fuzz_ddb: libFuzzer driver for the Tables engine behind the door: each
 * request runs as door.c runs it, on a real store (store/store.h: a
 * writer thread, a reader thread, a libuv loop, a SQLite file in WAL mode
 * in a temporary directory): parsed on the loop, submitted with
 * store_write or store_read as tables_op_writes says, run there by
 * tables_exec with the reply printed on the store thread (the door's
 * door_job_run, with its error body), and answered on the loop once the
 * store says the job is done.  The loop runs until then.
 *
 * Input: up to MAXREQ lines, one request each: the operation's name, a
 * space and the JSON body ("PutItem {...}").  A line that does not start
 * with a name picks the operation by its first byte; the rest is the body.
 *
 * The store is opened once, with four tables made at start-up:
 *   tbl     pk S, sk N; GSI byg (gk S, gr N, ALL), LSI byl (pk, lk S,
 *           KEYS_ONLY)
 *   hsh     id S
 *   bin     id B, r B
 *   secret  id S, which the caller may read but not write
 * Every input starts from that state: after an input that wrote, one
 * writer job puts the catalog back from a copy kept beside it and empties
 * the items, so inputs are reproducible and the file stays small.
 *
 * Invariants beyond "no crash" (abort() on violation):
 *   - exactly one answer per request (the done callback runs once, with
 *     the job's own rc; never STORE_ECOMMIT);
 *   - the reply is a JSON object; a success has no __type, an error has
 *     __type = ddb_err_fulltype of its type (one of DynamoDB's three
 *     prefixes), a non-empty message and the type's status; never an
 *     InternalServerError (the engine's own failure, SQLite's or memory);
 *   - a PutItem that succeeded is read back by a consistent GetItem of its
 *     key as the item it wrote; an UpdateItem with ReturnValues ALL_NEW
 *     likewise returns what a GetItem then reads.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cJSON.h>
#include <uv.h>

#include "store/store.h"
#include "tables/engine_int.h"

#define MAXREQ		16
#define NOW_MS		1700000000000LL

struct job {
	enum tables_op	 op;
	cJSON		*in;
	/* Filled on the store thread, as the door's door_job_run does. */
	int		 rc;
	enum ddb_errtype etype;
	int		 status;
	char		*body;
	/* On the loop. */
	int		 ndone;
	int		 done_rc;
};

static struct {
	uv_loop_t	 loop;
	struct store	*store;
	char		 dir[64];
	bool		 dirty;		/* a write succeeded since the reset */
	bool		 ready;		/* set up: secret is read-only now */
	bool		 trace;		/* FUZZ_DDB_TRACE: print the replies */
} F;

static const char *const base_tables[] = {
	"{\"TableName\":\"tbl\",\"BillingMode\":\"PAY_PER_REQUEST\","
	"\"AttributeDefinitions\":[{\"AttributeName\":\"pk\","
	"\"AttributeType\":\"S\"},{\"AttributeName\":\"sk\","
	"\"AttributeType\":\"N\"},{\"AttributeName\":\"gk\","
	"\"AttributeType\":\"S\"},{\"AttributeName\":\"gr\","
	"\"AttributeType\":\"N\"},{\"AttributeName\":\"lk\","
	"\"AttributeType\":\"S\"}],\"KeySchema\":[{\"AttributeName\":\"pk\","
	"\"KeyType\":\"HASH\"},{\"AttributeName\":\"sk\",\"KeyType\":"
	"\"RANGE\"}],\"GlobalSecondaryIndexes\":[{\"IndexName\":\"byg\","
	"\"KeySchema\":[{\"AttributeName\":\"gk\",\"KeyType\":\"HASH\"},"
	"{\"AttributeName\":\"gr\",\"KeyType\":\"RANGE\"}],\"Projection\":"
	"{\"ProjectionType\":\"ALL\"}}],\"LocalSecondaryIndexes\":[{"
	"\"IndexName\":\"byl\",\"KeySchema\":[{\"AttributeName\":\"pk\","
	"\"KeyType\":\"HASH\"},{\"AttributeName\":\"lk\",\"KeyType\":"
	"\"RANGE\"}],\"Projection\":{\"ProjectionType\":\"KEYS_ONLY\"}}]}",
	"{\"TableName\":\"hsh\",\"BillingMode\":\"PAY_PER_REQUEST\","
	"\"AttributeDefinitions\":[{\"AttributeName\":\"id\","
	"\"AttributeType\":\"S\"}],\"KeySchema\":[{\"AttributeName\":\"id\","
	"\"KeyType\":\"HASH\"}]}",
	"{\"TableName\":\"bin\",\"BillingMode\":\"PAY_PER_REQUEST\","
	"\"AttributeDefinitions\":[{\"AttributeName\":\"id\","
	"\"AttributeType\":\"B\"},{\"AttributeName\":\"r\","
	"\"AttributeType\":\"B\"}],\"KeySchema\":[{\"AttributeName\":\"id\","
	"\"KeyType\":\"HASH\"},{\"AttributeName\":\"r\",\"KeyType\":"
	"\"RANGE\"}]}",
	"{\"TableName\":\"secret\",\"BillingMode\":\"PAY_PER_REQUEST\","
	"\"AttributeDefinitions\":[{\"AttributeName\":\"id\","
	"\"AttributeType\":\"S\"}],\"KeySchema\":[{\"AttributeName\":\"id\","
	"\"KeyType\":\"HASH\"}]}",
};

static bool
allow(void *arg, const char *table, bool write)
{
	(void)arg;
	return !F.ready || !write || strcmp(table, "secret") != 0;
}

static const struct tables_call call = {
	.region = "us-east-1",
	.account = "000000000000",
	.principal = "arn:aws:sts::000000000000:assumed-role/fuzz/fuzz",
	.allow = allow,
	.now_ms = NOW_MS,
};

/* ---- the job, as the door runs it ----------------------------------------- */

/* The door's error body: __type, message, err->extra's members. */
static char *
err_json(struct ddb_err *err)
{
	cJSON *o = cJSON_CreateObject(), *m;
	char *s;

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

static int
job_run(sqlite3 *db, void *arg)
{
	struct job *j = arg;
	struct ddb_err err = { .type = DDB_OK };
	cJSON *resp = NULL;

	j->rc = tables_exec(db, j->op, j->in, &call, &resp, &err);
	if (j->rc == 0) {
		j->status = 200;
		j->body = cJSON_PrintUnformatted(resp);
		cJSON_Delete(resp);
		if (err.type != DDB_OK)
			abort();
	} else {
		if (resp != NULL)
			abort();
		j->etype = err.type;
		j->status = ddb_err_status(err.type);
		j->body = err_json(&err);
	}
	ddb_err_clear(&err);
	return j->rc == 0 && j->body != NULL ? 0 : -1;
}

static void
job_done(void *arg, int rc)
{
	struct job *j = arg;

	j->ndone++;
	j->done_rc = rc;
}

/* Run fn on the writer or a reader and the loop until it is done. */
static void
submit(struct job *j, bool write, store_job_fn fn)
{
	int rc;

	rc = write ? store_write(F.store, fn, job_done, j) :
	    store_read(F.store, fn, job_done, j);
	if (rc != 0)
		abort();
	while (j->ndone == 0)
		uv_run(&F.loop, UV_RUN_ONCE);
	if (j->ndone != 1 || store_pending(F.store) != 0)
		abort();
	if (j->done_rc == STORE_ECOMMIT)
		abort();
}

/* ---- invariants ------------------------------------------------------------ */

static void
fail(const struct job *j, const char *why)
{
	char *in = j->in != NULL ? cJSON_PrintUnformatted(j->in) : NULL;

	fprintf(stderr, "fuzz_ddb: %s: %s %s\n-> %d %s\n", why,
	    tables_op_name(j->op), in != NULL ? in : "?", j->status,
	    j->body != NULL ? j->body : "(no body)");
	abort();
}

static bool
prefixed(const char *t)
{
	return strncmp(t, "com.amazonaws.dynamodb.v20120810#", 33) == 0 ||
	    strncmp(t, "com.amazon.coral.validate#", 26) == 0 ||
	    strncmp(t, "com.amazon.coral.service#", 25) == 0;
}

/* The reply, parsed; checked as a reply. */
static cJSON *
check_reply(const struct job *j)
{
	const cJSON *t, *m;
	cJSON *r;

	if (j->done_rc != (j->rc == 0 && j->body != NULL ? 0 : -1))
		fail(j, "the done callback got another rc");
	if (j->body == NULL)
		fail(j, "no reply body");
	if ((r = cJSON_Parse(j->body)) == NULL || !cJSON_IsObject(r))
		fail(j, "the reply is not a JSON object");
	t = cJSON_GetObjectItemCaseSensitive(r, "__type");
	m = cJSON_GetObjectItemCaseSensitive(r, "message");
	if (j->rc == 0) {
		if (j->status != 200 || t != NULL)
			fail(j, "a success with an error's shape");
		return r;
	}
	if (j->etype == DDB_OK || j->etype >= DDB_NERRTYPES)
		fail(j, "an error without a type");
	if (j->etype == DDB_INTERNAL)
		fail(j, "InternalServerError");
	if (!cJSON_IsString(t) || !prefixed(t->valuestring) ||
	    strcmp(t->valuestring, ddb_err_fulltype(j->etype)) != 0 ||
	    !cJSON_IsString(m) || m->valuestring[0] == '\0' ||
	    j->status != ddb_err_status(j->etype) || j->status < 400)
		fail(j, "a malformed error");
	return r;
}

/* ---- the differential read -------------------------------------------------- */

struct readback {
	struct job	 j;
	const char	*table;
	const cJSON	*item;		/* what was written */
};

/* On a reader: the key of item under the table's key schema, and a
 * consistent GetItem of it.  rc 1: no such table any more (skip). */
static int
readback_run(sqlite3 *db, void *arg)
{
	struct readback *rb = arg;
	struct ddb_err err = { .type = DDB_OK };
	struct tbl *t = NULL;
	const cJSON *v;
	cJSON *key;

	if (tbl_load(db, rb->table, &t, &err) != 0) {
		ddb_err_clear(&err);
		rb->j.rc = 1;
		return 1;
	}
	rb->j.in = cJSON_CreateObject();
	cJSON_AddStringToObject(rb->j.in, "TableName", rb->table);
	cJSON_AddTrueToObject(rb->j.in, "ConsistentRead");
	key = cJSON_AddObjectToObject(rb->j.in, "Key");
	if ((v = cJSON_GetObjectItemCaseSensitive(rb->item, t->ks.hash)) != NULL)
		cJSON_AddItemToObject(key, t->ks.hash, cJSON_Duplicate(v, 1));
	if (t->ks.range != NULL && (v = cJSON_GetObjectItemCaseSensitive(
	    rb->item, t->ks.range)) != NULL)
		cJSON_AddItemToObject(key, t->ks.range, cJSON_Duplicate(v, 1));
	tbl_free(t);
	return job_run(db, &rb->j);
}

static bool
items_equal(const cJSON *a, const cJSON *b)
{
	cJSON *ma = cJSON_CreateObject(), *mb = cJSON_CreateObject();
	bool eq;

	cJSON_AddItemReferenceToObject(ma, "M", (cJSON *)a);
	cJSON_AddItemReferenceToObject(mb, "M", (cJSON *)b);
	eq = ddb_val_equal(ma, mb);
	cJSON_Delete(ma);
	cJSON_Delete(mb);
	return eq;
}

/* item (as written to table) must be what a GetItem reads now. */
static void
read_back(const struct job *w, const char *table, const cJSON *item)
{
	struct readback rb = { .j = { .op = TOP_GetItem }, .table = table,
	    .item = item };
	const cJSON *got;
	cJSON *r;

	submit(&rb.j, false, readback_run);
	if (rb.j.rc == 1 && rb.j.in == NULL)
		return;
	r = check_reply(&rb.j);
	if (rb.j.rc != 0)
		fail(&rb.j, "the GetItem after a write failed");
	got = cJSON_GetObjectItemCaseSensitive(r, "Item");
	if (got == NULL || !items_equal(got, item)) {
		fprintf(stderr, "fuzz_ddb: after %s: got %s\n",
		    tables_op_name(w->op), rb.j.body);
		fail(w, "the item read back differs");
	}
	cJSON_Delete(r);
	cJSON_Delete(rb.j.in);
	free(rb.j.body);
}

static void
differential(const struct job *j, const cJSON *reply)
{
	const char *table = tbl_str(j->in, "TableName"), *rv;
	const cJSON *item;

	if (table == NULL)
		return;
	if (j->op == TOP_PutItem) {
		item = cJSON_GetObjectItemCaseSensitive(j->in, "Item");
		if (cJSON_IsObject(item))
			read_back(j, table, item);
	} else if (j->op == TOP_UpdateItem) {
		rv = tbl_str(j->in, "ReturnValues");
		item = cJSON_GetObjectItemCaseSensitive(reply, "Attributes");
		if (rv != NULL && strcmp(rv, "ALL_NEW") == 0 &&
		    cJSON_IsObject(item))
			read_back(j, table, item);
	}
}

/* ---- set-up and reset ------------------------------------------------------- */

static int
sql_run(sqlite3 *db, void *arg)
{
	return sqlite3_exec(db, arg, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

static int
sql_job(sqlite3 *db, void *arg)
{
	struct job *j = arg;

	return j->rc = sql_run(db, j->body);
}

static void
sql_wait(const char *text)
{
	struct job j = { .body = (char *)text };

	submit(&j, true, sql_job);
	if (j.rc != 0)
		abort();
}

static const char reset_sql[] =
    "DELETE FROM items; DELETE FROM idx; DELETE FROM tags;"
    " DELETE FROM tokens; DELETE FROM tbls; DELETE FROM tidx;"
    " DELETE FROM meta;"
    " INSERT INTO tbls SELECT * FROM fz_tbls;"
    " INSERT INTO tidx SELECT * FROM fz_tidx;"
    " INSERT INTO meta SELECT * FROM fz_meta;";

static void
cleanup(void)
{
	char path[128];
	static const char *const files[] = { "tables.db", "tables.db-wal",
	    "tables.db-shm" };
	size_t i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", F.dir, files[i]);
		unlink(path);
	}
	rmdir(F.dir);
}

static void
setup(void)
{
	struct store_cfg cfg = { .sync_full = false, .nreaders = 1,
	    .schema = tables_schema };
	char path[128], err[512];
	const char *tmp = getenv("TMPDIR");
	size_t i;

	snprintf(F.dir, sizeof(F.dir), "%s/fuzz_ddb.XXXXXX",
	    tmp != NULL && strlen(tmp) < 40 ? tmp : "/tmp");
	if (mkdtemp(F.dir) == NULL || uv_loop_init(&F.loop) != 0)
		abort();
	atexit(cleanup);
	F.trace = getenv("FUZZ_DDB_TRACE") != NULL;
	snprintf(path, sizeof(path), "%s/tables.db", F.dir);
	cfg.path = path;
	if (store_open(&F.loop, &cfg, &F.store, err, sizeof(err)) != 0) {
		fprintf(stderr, "fuzz_ddb: %s\n", err);
		abort();
	}
	for (i = 0; i < sizeof(base_tables) / sizeof(base_tables[0]); i++) {
		struct job j = { .op = TOP_CreateTable,
		    .in = cJSON_Parse(base_tables[i]) };

		submit(&j, true, job_run);
		if (j.rc != 0) {
			fprintf(stderr, "fuzz_ddb: %s\n", j.body);
			abort();
		}
		cJSON_Delete(j.in);
		free(j.body);
	}
	sql_wait("CREATE TABLE fz_tbls AS SELECT * FROM tbls;"
	    " CREATE TABLE fz_tidx AS SELECT * FROM tidx;"
	    " CREATE TABLE fz_meta AS SELECT * FROM meta;");
	F.ready = true;
}

/* ---- one input ---------------------------------------------------------------- */

/* The operation a line names, and where its body starts. */
static enum tables_op
line_op(const char *s, size_t n, size_t *body)
{
	size_t w = 0;
	int op;

	while (w < n && s[w] != ' ' && s[w] != '{')
		w++;
	if ((op = tables_op_lookup(s, w)) >= 0) {
		*body = w < n && s[w] == ' ' ? w + 1 : w;
		return (enum tables_op)op;
	}
	*body = n > 0 ? 1 : 0;
	return n > 0 ? (enum tables_op)((unsigned char)s[0] % TOP_NOPS) :
	    TOP_DescribeLimits;
}

static void
one_request(enum tables_op op, const char *body, size_t len)
{
	struct job j = { .op = op };
	cJSON *r;

	/* The door answers a body that is no object itself. */
	if ((j.in = cJSON_ParseWithLength(body, len)) == NULL ||
	    !cJSON_IsObject(j.in)) {
		cJSON_Delete(j.in);
		return;
	}
	submit(&j, tables_op_writes(op, j.in), job_run);
	if (F.trace)
		fprintf(stderr, "%s -> %d %s\n", tables_op_name(op), j.status,
		    j.body);
	r = check_reply(&j);
	if (j.rc == 0) {
		if (tables_op_writes(op, j.in))
			F.dirty = true;
		differential(&j, r);
	}
	cJSON_Delete(r);
	cJSON_Delete(j.in);
	free(j.body);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data, *end = s + size, *nl;
	enum tables_op op;
	size_t n, body;
	int i;

	if (F.store == NULL)
		setup();
	if (F.dirty) {
		sql_wait(reset_sql);
		F.dirty = false;
	}
	for (i = 0; i < MAXREQ && s < end; i++, s = nl + 1) {
		if ((nl = memchr(s, '\n', (size_t)(end - s))) == NULL)
			nl = end;
		n = (size_t)(nl - s);
		op = line_op(s, n, &body);
		one_request(op, s + body, n - body);
		if (nl == end)
			break;
	}
	return 0;
}
