/*
 * layers: Lambda's layer calls, on the control plane's listener:
 *
 *   POST   /2018-10-31/layers/NAME/versions        PublishLayerVersion
 *   GET    /2018-10-31/layers/NAME/versions        ListLayerVersions
 *   GET    /2018-10-31/layers/NAME/versions/N      GetLayerVersion
 *   DELETE /2018-10-31/layers/NAME/versions/N      DeleteLayerVersion
 *   GET    /2018-10-31/layers                      ListLayers
 *   GET    /2018-10-31/layers?find=LayerVersion&Arn=ARN
 *                                                  GetLayerVersionByArn
 *
 * and a function's Layers (layers_fn_apply), which change.c unpacks into
 * one opt tree on the threadpool.  The records (layerspec.h) are held
 * here, read once at start-up; publishing and deleting write to disk on
 * the threadpool (layerstore.h), one change at a time with change.c's
 * (a second one meanwhile is a ResourceConflictException), and need no
 * reload: a layer runs only through the functions that name it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>
#include <uv.h>

#include "buf.h"
#include "conf.h"
#include "control/control_int.h"
#include "control/layerspec.h"
#include "control/layerstore.h"
#include "control/ziptree.h"
#include "daemon.h"
#include "http.h"
#include "log.h"

#define LIST_MAX	50	/* MaxItems of both lists */

/* A PublishLayerVersion or DeleteLayerVersion on its way. */
struct layerop {
	struct control	*ctl;
	struct http_request *req;
	uv_work_t	 work;
	char		*state_dir;
	char		 name[LAYERSPEC_NAME_MAX + 1];
	long		 ver;
	bool		 del;
	cJSON		*body;		/* holds zip64 */
	const char	*zip64;
	cJSON		*rec;		/* the version published */
	size_t		 code_others, code_max;
	int		 rc;
	struct fnspec_err e;
};

static const cJSON *
get(const cJSON *o, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(o, key);
}

static void
fail(struct http_request *req, const char *type, const char *msg)
{
	struct fnspec_err e;

	fnspec_fail(&e, type, "%s", msg);
	control_error(req, &e);
}

static void
not_found(struct http_request *req)
{
	fail(req, "ResourceNotFoundException", "The resource you requested "
	    "does not exist.");
}

/* Version ver of name, or NULL. */
static cJSON *
layer_find(const struct control *ctl, const char *name, long ver)
{
	char n[LAYERSPEC_NAME_MAX + 1];
	cJSON *r;

	cJSON_ArrayForEach(r, ctl->layers)
		if (layerspec_rec_version(r) == ver &&
		    strcmp(layerspec_rec_name(r, n, sizeof(n)), name) == 0)
			return r;
	return NULL;
}

size_t
layers_code_total(const struct control *ctl)
{
	const cJSON *r;
	size_t n = 0;

	cJSON_ArrayForEach(r, ctl->layers)
		n += layerspec_rec_size(r);
	return n;
}

/* ---- a function's Layers ------------------------------------------------ */

int
layers_fn_apply(struct control *ctl, const cJSON *req, cJSON *rec,
    cJSON **srcs, struct fnspec_err *e)
{
	const cJSON *l = get(req, "Layers"), *v, *lr;
	char name[LAYERSPEC_NAME_MAX + 1], key[33], dir[4096];
	cJSON *cfg = cJSON_GetObjectItemCaseSensitive(rec, "Configuration");
	cJSON *out, *item;
	long ver;

	*srcs = NULL;
	if (l == NULL || cJSON_IsNull(l))
		return 0;	/* the layers stay as they are */
	if (layerspec_fn_layers(l, e) != 0)
		return -EINVAL;
	cJSON_DeleteItemFromObjectCaseSensitive(cfg, "Layers");
	cJSON_DeleteItemFromObjectCaseSensitive(rec, "Opt");
	if (cJSON_GetArraySize(l) == 0)
		return 0;
	if ((out = cJSON_CreateArray()) == NULL ||
	    (*srcs = cJSON_CreateArray()) == NULL)
		abort();	/* as buf.c: out of memory */
	cJSON_ArrayForEach(v, l) {
		(void)layerspec_version_arn(v->valuestring, name, &ver);
		lr = layer_find(ctl, name, ver);
		if (lr == NULL || strcmp(get(lr, "LayerVersionArn")->valuestring,
		    v->valuestring) != 0) {
			cJSON_Delete(out);
			cJSON_Delete(*srcs);
			*srcs = NULL;
			return fnspec_fail(e, "InvalidParameterValueException",
			    "Layer version %s does not exist.", v->valuestring);
		}
		if ((item = cJSON_CreateObject()) == NULL)
			abort();
		cJSON_AddStringToObject(item, "Arn", v->valuestring);
		cJSON_AddNumberToObject(item, "CodeSize",
		    (double)layerspec_rec_size(lr));
		cJSON_AddItemToArray(out, item);
		layerstore_dir(ctl->d->state_dir, name, ver, dir, sizeof(dir));
		cJSON_AddItemToArray(*srcs, cJSON_CreateString(dir));
	}
	layerspec_opt_key(out, key);
	layerstore_opt_dir(ctl->d->state_dir, key, dir, sizeof(dir));
	cJSON_AddItemToObject(cfg, "Layers", out);
	cJSON_AddStringToObject(rec, "Opt", dir);
	return 0;
}

/* ---- the read calls ------------------------------------------------------ */

/* CompatibleRuntime, CompatibleArchitecture, Marker, MaxItems. */
struct list_q {
	char	 runtime[72];
	char	 arch[16];
	char	 marker[LAYERSPEC_NAME_MAX + 1];
	long	 max;
};

static int
list_query(struct http_request *req, struct list_q *q)
{
	char num[16];

	memset(q, 0, sizeof(*q));
	q->max = LIST_MAX;
	if (http_query_get(req, "CompatibleRuntime", q->runtime,
	    sizeof(q->runtime)) < 0 || http_query_get(req,
	    "CompatibleArchitecture", q->arch, sizeof(q->arch)) < 0 ||
	    http_query_get(req, "Marker", q->marker, sizeof(q->marker)) < 0) {
		fail(req, "InvalidParameterValueException", "A query parameter "
		    "is malformed or too long");
		return -1;
	}
	if (http_query_get(req, "MaxItems", num, sizeof(num)) > 0)
		q->max = strtol(num, NULL, 10);
	if (q->max < 1 || q->max > LIST_MAX) {
		fail(req, "ValidationException", "1 validation error detected: "
		    "Value at 'maxItems' failed to satisfy constraint: Member "
		    "must have value between 1 and 50");
		return -1;
	}
	return 0;
}

static int
by_name_ver(const void *a, const void *b)
{
	const cJSON *const *x = a, *const *y = b;
	char n[LAYERSPEC_NAME_MAX + 1], m[LAYERSPEC_NAME_MAX + 1];
	int c = strcmp(layerspec_rec_name(*x, n, sizeof(n)),
	    layerspec_rec_name(*y, m, sizeof(m)));
	long d = layerspec_rec_version(*y) - layerspec_rec_version(*x);

	return c != 0 ? c : d > 0 ? 1 : d < 0 ? -1 : 0;
}

/* The records by name, newest version first; caller frees. */
static cJSON **
sorted(const struct control *ctl, size_t *n)
{
	cJSON **v, *r;
	size_t i = 0;

	*n = (size_t)cJSON_GetArraySize(ctl->layers);
	if ((v = calloc(*n + 1, sizeof(*v))) == NULL)
		abort();
	cJSON_ArrayForEach(r, ctl->layers)
		v[i++] = r;
	qsort(v, *n, sizeof(*v), by_name_ver);
	return v;
}

/* ListLayers: each layer once, with its newest matching version. */
static void
list_layers(struct control *ctl, struct http_request *req)
{
	char name[LAYERSPEC_NAME_MAX + 1], last[LAYERSPEC_NAME_MAX + 1] = "";
	struct list_q q;
	cJSON **v, *j, *list, *item;
	size_t n, i;
	long count = 0;

	if (list_query(req, &q) != 0)
		return;
	v = sorted(ctl, &n);
	j = cJSON_CreateObject();
	list = cJSON_AddArrayToObject(j, "Layers");
	for (i = 0; i < n; i++) {
		layerspec_rec_name(v[i], name, sizeof(name));
		if (strcmp(name, last) == 0 || strcmp(name, q.marker) < 0 ||
		    !layerspec_matches(v[i], q.runtime, q.arch))
			continue;
		snprintf(last, sizeof(last), "%s", name);
		if (count++ == q.max) {
			cJSON_AddStringToObject(j, "NextMarker", name);
			break;
		}
		item = cJSON_CreateObject();
		cJSON_AddStringToObject(item, "LayerName", name);
		cJSON_AddItemToObject(item, "LayerArn", cJSON_Duplicate(get(v[i],
		    "LayerArn"), 1));
		cJSON_AddItemToObject(item, "LatestMatchingVersion",
		    layerspec_list_item(v[i]));
		cJSON_AddItemToArray(list, item);
	}
	free(v);
	control_json(req, 200, j);
}

/* ListLayerVersions, newest first; the Marker is a version number. */
static void
list_versions(struct control *ctl, struct http_request *req,
    const char *layer)
{
	char name[LAYERSPEC_NAME_MAX + 1];
	struct list_q q;
	cJSON **v, *j, *list;
	long from = 0, count = 0;
	size_t n, i;

	if (list_query(req, &q) != 0)
		return;
	if (q.marker[0] != '\0' && layerspec_version_num(q.marker, &from) != 0) {
		fail(req, "InvalidParameterValueException", "Marker is not one "
		    "that ListLayerVersions gave");
		return;
	}
	v = sorted(ctl, &n);
	j = cJSON_CreateObject();
	list = cJSON_AddArrayToObject(j, "LayerVersions");
	for (i = 0; i < n; i++) {
		if (strcmp(layerspec_rec_name(v[i], name, sizeof(name)),
		    layer) != 0 || (from > 0 && layerspec_rec_version(v[i]) >
		    from) || !layerspec_matches(v[i], q.runtime, q.arch))
			continue;
		if (count++ == q.max) {
			char num[24];

			snprintf(num, sizeof(num), "%ld",
			    layerspec_rec_version(v[i]));
			cJSON_AddStringToObject(j, "NextMarker", num);
			break;
		}
		cJSON_AddItemToArray(list, layerspec_list_item(v[i]));
	}
	free(v);
	control_json(req, 200, j);
}

static void
get_version(struct control *ctl, struct http_request *req, const char *name,
    long ver)
{
	const cJSON *r = layer_find(ctl, name, ver);

	if (r == NULL) {
		not_found(req);
		return;
	}
	control_json(req, 200, cJSON_Duplicate(r, 1));
}

/* GET /2018-10-31/layers?find=LayerVersion&Arn=ARN */
static void
get_by_arn(struct control *ctl, struct http_request *req)
{
	char arn[LAYERSPEC_NAME_MAX + 8], name[LAYERSPEC_NAME_MAX + 1];
	const cJSON *r;
	long ver;

	if (http_query_get(req, "Arn", arn, sizeof(arn)) <= 0 ||
	    layerspec_version_arn(arn, name, &ver) != 0) {
		fail(req, "ValidationException", "1 validation error detected: "
		    "Value at 'arn' failed to satisfy constraint: Member must "
		    "satisfy regular expression pattern: arn:[a-zA-Z0-9-]+:"
		    "lambda:[a-zA-Z0-9-]+:\\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+");
		return;
	}
	r = layer_find(ctl, name, ver);
	if (r == NULL || strcmp(get(r, "LayerVersionArn")->valuestring,
	    arn) != 0) {
		not_found(req);
		return;
	}
	control_json(req, 200, cJSON_Duplicate(r, 1));
}

/* ---- publishing and deleting ------------------------------------------ */

static void
op_free(struct layerop *op)
{
	struct control *ctl = op->ctl;

	ctl->layer_busy = false;
	cJSON_Delete(op->body);
	cJSON_Delete(op->rec);
	free(op->state_dir);
	free(op);
	if (ctl->closing && ctl->busy == NULL)
		control_destroy(ctl);
}

static void
op_aborted(struct http_request *req, void *arg)
{
	/* The change goes on; its reply is dropped (as change.c's). */
	(void)req;
	(void)arg;
}

static void
op_work(uv_work_t *w)
{
	struct layerop *op = w->data;
	struct buf zip;

	if (op->del) {
		op->rc = layerstore_rm(op->state_dir, op->name, op->ver, &op->e);
		return;
	}
	buf_init(&zip);
	if (buf_unbase64(&zip, op->zip64, strlen(op->zip64)) != 0 ||
	    zip.len == 0)
		op->rc = fnspec_fail(&op->e, "InvalidParameterValueException",
		    "Could not unzip uploaded file: ZipFile is not base64");
	else if (op->code_others + zip.len > op->code_max)
		op->rc = fnspec_fail(&op->e, "CodeStorageExceededException",
		    "Code storage limit exceeded: %zu bytes of code are stored, "
		    "this zip is %zu and code_storage allows %zu",
		    op->code_others, zip.len, op->code_max);
	else {
		layerspec_set_code(op->rec, zip.data, zip.len);
		op->rc = layerstore_put(op->state_dir, op->name, op->ver,
		    op->rec, zip.data, zip.len, ZIPTREE_MAX_UNZIPPED, &op->e);
	}
	buf_free(&zip);
}

static void
op_after(uv_work_t *w, int status)
{
	struct layerop *op = w->data;
	struct control *ctl = op->ctl;
	cJSON *r;

	(void)status;
	if (op->rc != 0) {
		control_error(op->req, &op->e);
		op_free(op);
		return;
	}
	log_info("control plane: %s layer %s version %ld", op->del ?
	    "DeleteLayerVersion" : "PublishLayerVersion", op->name, op->ver);
	if (op->del) {
		r = layer_find(ctl, op->name, op->ver);
		cJSON_Delete(cJSON_DetachItemViaPointer(ctl->layers, r));
		http_respond(op->req, 204, NULL, 0, NULL, 0);
	} else {
		control_json(op->req, 201, cJSON_Duplicate(op->rec, 1));
		cJSON_AddItemToArray(ctl->layers, op->rec);
		op->rec = NULL;		/* the control's now */
	}
	op_free(op);
}

/* One change at a time, with change.c's; NULL with req answered. */
static struct layerop *
op_new(struct control *ctl, struct http_request *req, const char *name)
{
	struct layerop *op;

	if (ctl->busy != NULL || ctl->layer_busy) {
		fail(req, "ResourceConflictException", "The operation cannot be "
		    "performed at this time. An update is in progress; try "
		    "again");
		return NULL;
	}
	if ((op = calloc(1, sizeof(*op))) == NULL ||
	    (op->state_dir = strdup(ctl->d->state_dir)) == NULL)
		abort();
	op->ctl = ctl;
	op->req = req;
	snprintf(op->name, sizeof(op->name), "%s", name);
	return op;
}

static void
op_start(struct layerop *op)
{
	op->ctl->layer_busy = true;
	op->req->on_abort = op_aborted;
	op->work.data = op;
	if (uv_queue_work(op->ctl->d->loop, &op->work, op_work, op_after) != 0) {
		fail(op->req, "ServiceException", "no threadpool");
		op_free(op);
	}
}

static void
publish(struct control *ctl, struct http_request *req, const char *name)
{
	struct layerop *op = op_new(ctl, req, name);
	cJSON *next;

	if (op == NULL)
		return;
	next = cJSON_GetObjectItemCaseSensitive(ctl->layer_next, name);
	op->ver = cJSON_IsNumber(next) ? (long)next->valuedouble : 1;
	op->body = cJSON_ParseWithLength(req->body, req->body_len);
	if (layerspec_publish(op->body, name, op->ver, &op->rec, &op->zip64,
	    &op->e) != 0) {
		control_error(req, &op->e);
		op_free(op);
		return;
	}
	/* Taken now, whatever comes of it: a number is never given twice. */
	if (next != NULL)
		cJSON_SetNumberValue(next, (double)(op->ver + 1));
	else
		cJSON_AddNumberToObject(ctl->layer_next, name,
		    (double)(op->ver + 1));
	op->code_others = control_code_total(ctl, "");
	op->code_max = (size_t)ctl->d->conf->code_storage_mb << 20;
	op_start(op);
}

/* DeleteLayerVersion: a version that is not there is no error (Lambda's). */
static void
delete(struct control *ctl, struct http_request *req, const char *name,
    long ver)
{
	struct layerop *op;

	if (layer_find(ctl, name, ver) == NULL) {
		http_respond(req, 204, NULL, 0, NULL, 0);
		return;
	}
	if ((op = op_new(ctl, req, name)) == NULL)
		return;
	op->ver = ver;
	op->del = true;
	op_start(op);
}

/* ---- dispatch ------------------------------------------------------------- */

static bool
is(const struct http_request *req, const char *m)
{
	return strcmp(req->method, m) == 0;
}

static void
bad_name(struct http_request *req)
{
	fail(req, "ValidationException", "1 validation error detected: Value "
	    "at 'layerName' failed to satisfy constraint: Member must satisfy "
	    "regular expression pattern: (arn:[a-zA-Z0-9-]+:lambda:"
	    "[a-zA-Z0-9-]+:\\d{12}:layer:[a-zA-Z0-9-_]+)|[a-zA-Z0-9-_]+");
}

/* /NAME/versions[/N]: rest is what follows /2018-10-31/layers. */
static void
layer_path(struct control *ctl, struct http_request *req, const char *rest)
{
	char seg[2 * LAYERSPEC_NAME_MAX], name[LAYERSPEC_NAME_MAX + 1];
	const char *slash = strchr(rest, '/'), *op;
	size_t n = slash != NULL ? (size_t)(slash - rest) : strlen(rest);
	long k, ver;

	if (n == 0 || n >= sizeof(seg) ||
	    (k = buf_pct_decode(seg, rest, n, BUF_PCT_STRICT)) < 0) {
		bad_name(req);
		return;
	}
	seg[k] = '\0';
	if (layerspec_name(seg, name) != 0) {
		bad_name(req);
		return;
	}
	op = rest + n;
	if (strcmp(op, "/versions") == 0 || strcmp(op, "/versions/") == 0) {
		if (is(req, "POST"))
			publish(ctl, req, name);
		else if (is(req, "GET"))
			list_versions(ctl, req, name);
		else
			control_unknown(req);
		return;
	}
	if (strncmp(op, "/versions/", 10) != 0 ||
	    layerspec_version_num(op + 10, &ver) != 0) {
		control_unknown(req);
		return;
	}
	if (is(req, "GET"))
		get_version(ctl, req, name, ver);
	else if (is(req, "DELETE"))
		delete(ctl, req, name, ver);
	else
		control_unknown(req);
}

void
layers_handle(struct control *ctl, struct http_request *req, const char *rest)
{
	char find[32];

	if (*rest == '\0' || strcmp(rest, "/") == 0) {
		if (!is(req, "GET"))
			control_unknown(req);
		else if (http_query_get(req, "find", find, sizeof(find)) > 0 &&
		    strcmp(find, "LayerVersion") == 0)
			get_by_arn(ctl, req);
		else
			list_layers(ctl, req);
		return;
	}
	if (*rest != '/') {
		control_unknown(req);
		return;
	}
	layer_path(ctl, req, rest + 1);
}

void
layers_load(struct control *ctl)
{
	struct buf warn;

	buf_init(&warn);
	ctl->layers = layerstore_load(ctl->d->state_dir, &ctl->layer_next,
	    &warn);
	if (warn.len > 0)
		log_warnx("control plane: layer versions left out:\n%.*s",
		    (int)warn.len - 1, warn.data);
	buf_free(&warn);
}
