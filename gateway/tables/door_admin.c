/*
 * door_admin: the operator's requests on the Tables store (door.h):
 * `lambdactl tables` (tables_stats) and `lambdactl tables backup`
 * (tables_backup), each one job on a store reader, so the loop never
 * waits for SQLite or for the disk.  A backup is the reader's snapshot
 * (one read transaction): consistent while writes go on, which WAL lets
 * the writer keep committing meanwhile.
 *
 * And the door's metrics: each call reported by table, operation, error
 * type and caller (metrics_tables.h), and the gauges of items and bytes
 * from samples of tables_stats, at most every DOOR_SAMPLE_MS and never
 * more than 1/DOOR_SAMPLE_DUTY of a reader's time (the counts are exact,
 * a range scan per table); every `lambdactl tables` refreshes them too.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cJSON.h>

#include "metrics_tables.h"
#include "store/store.h"

#include "access.h"
#include "ddb.h"
#include "door_backend.h"
#include "door_int.h"
#include "engine.h"
#include "log.h"

struct door_admin_job {
	struct tables_door *door;
	tables_door_cb	 cb;
	void		*arg;
	bool		 backup;
	uint64_t	 sample;	/* stats: metrics_tables_sample's */
	uint64_t	 t0;		/* uv_hrtime at submit */
	char		 table[256];
	char		*path;
	/* Filled on the reader. */
	cJSON		*res;
	struct ddb_err	 err;
	uint64_t	 nitems;
};

static int
admin_job_run(sqlite3 *db, void *arg)
{
	struct door_admin_job *j = arg;
	struct stat st;

	if (!j->backup) {
		if ((j->res = tables_stats(db)) == NULL)
			return ddb_fail(&j->err, DDB_INTERNAL, "cannot read the "
			    "store: %s", sqlite3_errmsg(db));
		return 0;
	}
	if (tables_backup(db, j->table, j->path, &j->nitems, &j->err) != 0)
		return -1;
	j->res = cJSON_CreateObject();
	cJSON_AddStringToObject(j->res, "table", j->table);
	cJSON_AddStringToObject(j->res, "file", j->path);
	cJSON_AddNumberToObject(j->res, "items", (double)j->nitems);
	cJSON_AddNumberToObject(j->res, "bytes", stat(j->path, &st) == 0 ?
	    (double)st.st_size : 0);
	return 0;
}

static int
admin_status(enum ddb_errtype t)
{
	switch (t) {
	case DDB_RESOURCE_NOT_FOUND:
		return 404;
	case DDB_ACCESS_DENIED:
		return 403;
	case DDB_VALIDATION:
		return 400;
	default:
		return 500;
	}
}

/* A stats job's counts into the gauges. */
static void
admin_job_sized(struct door_admin_job *j)
{
	struct tables_door *d = j->door;
	struct metrics_table_size *v;
	const cJSON *t;
	size_t n = 0;

	if (d->mt == NULL || !cJSON_IsArray(j->res) || (v = calloc(
	    (size_t)cJSON_GetArraySize(j->res) + 1, sizeof(*v))) == NULL)
		return;
	cJSON_ArrayForEach(t, j->res) {
		v[n].table = cJSON_GetStringValue(cJSON_GetObjectItem(t,
		    "TableName"));
		v[n].items = (uint64_t)cJSON_GetNumberValue(
		    cJSON_GetObjectItem(t, "ItemCount"));
		v[n].bytes = (uint64_t)cJSON_GetNumberValue(
		    cJSON_GetObjectItem(t, "TableSizeBytes"));
		if (v[n].table != NULL)
			n++;
	}
	metrics_tables_sized(d->mt, j->sample, v, n);
	free(v);
}

static void
admin_job_done(void *arg, int rc)
{
	struct door_admin_job *j = arg;
	struct tables_door *d = j->door;
	uint64_t ms;

	if (!j->backup && rc == 0)
		admin_job_sized(j);
	if (j->cb == NULL) {		/* the sampler's */
		ms = (uv_hrtime() - j->t0) / 1000000;
		d->sample_busy = false;
		d->sample_next = uv_now(d->loop) + (ms * DOOR_SAMPLE_DUTY >
		    DOOR_SAMPLE_MS ? ms * DOOR_SAMPLE_DUTY : DOOR_SAMPLE_MS);
		if (rc != 0 && rc != STORE_ECLOSED)
			log_warnx("tables: sampling the store's counts "
			    "failed: %s", j->err.msg);
	} else if (rc == 0 && j->res != NULL) {
		j->cb(j->arg, 200, j->res, NULL);
		j->res = NULL;
	} else if (rc == STORE_ECLOSED)
		j->cb(j->arg, 503, NULL, "the Tables store is closing");
	else
		j->cb(j->arg, admin_status(j->err.type), NULL,
		    j->err.msg[0] != '\0' ? j->err.msg : "the job failed");
	cJSON_Delete(j->res);
	ddb_err_clear(&j->err);
	free(j->path);
	free(j);
}

static void
admin_submit(struct tables_door *d, struct door_admin_job *j)
{
	struct store *s;
	const char *why;

	if ((s = door_store(d, &why)) == NULL) {
		if (j->cb != NULL)
			j->cb(j->arg, 503, NULL, why);
		free(j->path);
		free(j);
		return;
	}
	j->t0 = uv_hrtime();
	if (!j->backup)
		j->sample = metrics_tables_sample(d->mt);
	if (j->cb == NULL)
		d->sample_busy = true;
	if (store_read(s, admin_job_run, admin_job_done, j) != 0)
		admin_job_done(j, STORE_ECLOSED);
}

void
tables_door_stats(struct tables_door *d, tables_door_cb cb, void *arg)
{
	struct door_admin_job *j = calloc(1, sizeof(*j));

	if (j == NULL) {
		cb(arg, 500, NULL, "out of memory");
		return;
	}
	j->door = d;
	j->cb = cb;
	j->arg = arg;
	admin_submit(d, j);
}

void
tables_door_backup(struct tables_door *d, const char *table,
    const char *path, tables_door_cb cb, void *arg)
{
	struct door_admin_job *j;

	if (path[0] != '/') {
		cb(arg, 400, NULL, "the backup file must be an absolute path");
		return;
	}
	if (strlen(table) >= sizeof(j->table)) {
		cb(arg, 400, NULL, "a table name is at most 255 characters");
		return;
	}
	if ((j = calloc(1, sizeof(*j))) == NULL ||
	    (j->path = strdup(path)) == NULL) {
		free(j);
		cb(arg, 500, NULL, "out of memory");
		return;
	}
	j->door = d;
	j->cb = cb;
	j->arg = arg;
	j->backup = true;
	snprintf(j->table, sizeof(j->table), "%s", table);
	admin_submit(d, j);
}

/* ---- metrics -------------------------------------------------------------------- */

void
door_sample(struct tables_door *d)
{
	struct door_admin_job *j;
	const char *why;

	if (d->mt == NULL || d->sample_busy || door_store(d, &why) == NULL ||
	    uv_now(d->loop) < d->sample_next ||
	    (j = calloc(1, sizeof(*j))) == NULL)
		return;
	j->door = d;
	admin_submit(d, j);
}

#define DOOR_REPORT_MAX	100	/* tables one call counts under */

struct door_names {
	const char	*name[DOOR_REPORT_MAX];
	size_t		 n;
};

/* Every table a call names, once, as tables_access finds them. */
static bool
door_collect(void *arg, const char *table, bool write)
{
	struct door_names *c = arg;
	size_t i;

	(void)write;
	for (i = 0; i < c->n; i++)
		if (strcmp(c->name[i], table) == 0)
			return true;
	if (c->n < DOOR_REPORT_MAX)
		c->name[c->n++] = table;
	return true;
}

/* A name DynamoDB could have made (3-255 of [a-zA-Z0-9_.-]): anything
 * else counts as no table, not as a series of its own. */
static bool
door_name_ok(const char *s)
{
	size_t n = strlen(s);

	return n >= 3 && n <= 255 && strspn(s, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == n;
}

/* Report one call to mt; ename is the short error type or NULL. */
static void
report(struct metrics_tables *mt, enum tables_op op, const cJSON *in,
    const char *fn, const char *ename, uint64_t t0)
{
	struct door_names c = { .n = 0 };
	struct tables_call call = { .allow = door_collect, .allow_arg = &c };
	struct ddb_err err = { .type = DDB_OK };
	uint64_t ns = uv_hrtime() - t0;
	size_t i;

	if (fn != NULL && *fn == '\0')
		fn = NULL;
	if (in != NULL)
		(void)tables_access(op, in, &call, &err);
	ddb_err_clear(&err);
	if (c.n == 0)
		metrics_table_call(mt, NULL, tables_op_name(op), fn, ename, ns);
	for (i = 0; i < c.n; i++)
		metrics_table_call(mt, door_name_ok(c.name[i]) ? c.name[i] :
		    NULL, tables_op_name(op), fn, ename, ns);
}

void
door_report(struct tables_door *d, enum tables_op op, const cJSON *in,
    const char *fn, enum ddb_errtype type, uint64_t t0)
{
	if (d->mt != NULL)
		report(d->mt, op, in, fn, type == DDB_OK ? NULL :
		    ddb_err_name(type), t0);
}

/* A call sent to tables_backend, reported when its reply is out.  It
 * holds the registry, not the door: replies may come after the door is
 * gone (backend.h), never after the registry (the loop has ended). */
struct door_later {
	struct metrics_tables *mt;
	enum tables_op	 op;
	cJSON		*in;
	char		 fn[72];
	uint64_t	 t0;
};

static void
door_later_done(void *arg, int status, const char *body, size_t len)
{
	struct door_later *l = arg;
	const char *type = NULL, *hash;
	cJSON *o = NULL, *t;

	/* The engine's own error type: the __type after its '#'. */
	if (status != 200 && (o = cJSON_ParseWithLength(body, len)) != NULL &&
	    cJSON_IsString(t = cJSON_GetObjectItem(o, "__type"))) {
		hash = strrchr(t->valuestring, '#');
		type = hash != NULL ? hash + 1 : t->valuestring;
	}
	if (status != 200 && (type == NULL || *type == '\0'))
		type = "UnknownError";
	report(l->mt, l->op, l->in, l->fn, type, l->t0);
	cJSON_Delete(o);
	cJSON_Delete(l->in);
	free(l);
}

bool
door_report_later(struct tables_door *d, struct door_backend_req *r,
    cJSON *in, const char *fn, uint64_t t0)
{
	struct door_later *l;

	if (d->mt == NULL || (l = calloc(1, sizeof(*l))) == NULL)
		return false;
	l->mt = d->mt;
	l->op = r->op;
	l->in = in;
	l->t0 = t0;
	snprintf(l->fn, sizeof(l->fn), "%s", fn != NULL ? fn : "");
	r->done = door_later_done;
	r->done_arg = l;
	return true;
}
