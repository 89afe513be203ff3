/*
 * control: Lambda's control plane -- dispatch, replies and the calls that
 * only read.  See control.h; change.c holds the calls that change things.
 *
 * What a read call says of a function comes from its record when the API
 * made it (the record is what CreateFunction was told, plus CodeSha256 and
 * the like), and from its [function] section otherwise.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cJSON.h>

#include "buf.h"
#include "conf.h"
#include "control/control.h"
#include "control/control_int.h"
#include "control/fnstore.h"
#include "daemon.h"
#include "deploy.h"
#include "http.h"
#include "log.h"
#include "pool.h"

#define FN_PATH		"/2015-03-31/functions"
#define ACCOUNT_PATH	"/2016-08-19/account-settings"
#define CONC_PATH	"/2017-10-31/functions/"	/* Put, Delete */
#define GETCONC_PATH	"/2019-09-30/functions/"	/* Get */
#define LAYERS_PATH	"/2018-10-31/layers"
#define TAGS_PATH	"/2017-03-31/tags/"
#define EIC_PATH	"/2019-09-25/functions/"
#define HDR(n, v)	((struct http_header){ n, sizeof(n) - 1, v, strlen(v) })

/* ---- replies ------------------------------------------------------------- */

void
control_error(struct http_request *req, const struct fnspec_err *e)
{
	struct http_header h[2];
	struct buf body;

	buf_init(&body);
	buf_printf(&body, "{\"Type\":\"%s\",\"message\":",
	    e->status >= 500 ? "Service" : "User");
	buf_json_str(&body, e->msg, strlen(e->msg));
	buf_addc(&body, '}');
	h[0] = HDR("Content-Type", "application/json");
	h[1] = HDR("x-amzn-ErrorType", e->type);
	http_respond(req, e->status, h, 2, body.data, body.len);
	buf_free(&body);
}

void
control_json(struct http_request *req, int status, cJSON *j)
{
	struct http_header h = HDR("Content-Type", "application/json");
	char *s = j != NULL ? cJSON_PrintUnformatted(j) : NULL;

	if (j != NULL && s == NULL)
		abort();	/* as buf.c: out of memory */
	http_respond(req, status, &h, 1, s != NULL ? s : "", s != NULL ?
	    strlen(s) : 0);
	free(s);
	cJSON_Delete(j);
}

static void
not_found(struct http_request *req, const char *name)
{
	struct fnspec_err e;

	fnspec_fail(&e, "ResourceNotFoundException", "Function not found: "
	    FNSPEC_ARN_PREFIX "%s", name);
	control_error(req, &e);
}

/* ---- records ---------------------------------------------------------------- */

cJSON *
control_rec(const struct control *ctl, const char *name)
{
	cJSON *r;

	cJSON_ArrayForEach(r, ctl->recs)
		if (strcmp(fnspec_rec_name(r), name) == 0)
			return r;
	return NULL;
}

cJSON *
control_rec_live(const struct control *ctl, const char *name,
    const struct pool **pp)
{
	struct pool *p = daemon_pool(ctl->d, name, NULL);
	const struct function_conf *fc;
	const cJSON *boot;
	cJSON *r;

	*pp = p;
	if (p == NULL || (r = control_rec(ctl, name)) == NULL)
		return NULL;
	fc = pool_conf(p);
	boot = cJSON_GetObjectItemCaseSensitive(r, "Bootstrap");
	/* The operator's files, or a later lambdactl deploy, took the name. */
	if (!cJSON_IsString(boot) || strcmp(boot->valuestring,
	    fc->bootstrap) != 0)
		return NULL;
	return r;
}

void
control_rec_set(struct control *ctl, const char *name, cJSON *rec)
{
	cJSON *r;
	int i = 0;

	cJSON_ArrayForEach(r, ctl->recs) {
		if (strcmp(fnspec_rec_name(r), name) == 0)
			break;
		i++;
	}
	if (r != NULL && rec != NULL)
		cJSON_ReplaceItemInArray(ctl->recs, i, rec);
	else if (r != NULL)
		cJSON_DeleteItemFromArray(ctl->recs, i);
	else if (rec != NULL)
		cJSON_AddItemToArray(ctl->recs, rec);
}

/* The bootstrap a record or version runs. */
static const char *
boot_of(const cJSON *r)
{
	const cJSON *b = cJSON_GetObjectItemCaseSensitive(r, "Bootstrap");

	return cJSON_IsString(b) ? b->valuestring : "";
}

/*
 * Every zip kept counts once: each function's $LATEST (but name's, which
 * the change replaces) and each version whose code is not $LATEST's or
 * the version's before it (a version shares the code it was made from).
 */
size_t
control_code_total(const struct control *ctl, const char *name)
{
	const cJSON *r, *v;
	const char *prev;
	size_t n = 0;

	cJSON_ArrayForEach(r, ctl->recs) {
		if (strcmp(fnspec_rec_name(r), name) != 0)
			n += fnspec_rec_code_size(r);
		prev = boot_of(r);
		cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(r,
		    "Versions")) {
			if (strcmp(boot_of(v), boot_of(r)) != 0 &&
			    strcmp(boot_of(v), prev) != 0)
				n += fnspec_rec_code_size(v);
			prev = boot_of(v);
		}
	}
	return n + layers_code_total(ctl);
}

/* ---- what a function looks like ---------------------------------------- */

/* FunctionConfiguration of a function from the operator's files. */
static cJSON *
conf_view(const struct function_conf *fc)
{
	char arn[sizeof(FNSPEC_ARN_PREFIX) + 64], when[64];
	struct stat st;
	struct tm tm;
	struct buf b;
	cJSON *j;

	snprintf(when, sizeof(when), "1970-01-01T00:00:00.000+0000");
	if (stat(fc->bootstrap, &st) != 0)
		memset(&st, 0, sizeof(st));
	else if (gmtime_r(&st.st_mtim.tv_sec, &tm) != NULL)
		snprintf(when, sizeof(when), "%04d-%02d-%02dT%02d:%02d:%02d."
		    "%03ld+0000", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
		    tm.tm_hour, tm.tm_min, tm.tm_sec, st.st_mtim.tv_nsec / 1000000);
	snprintf(arn, sizeof(arn), FNSPEC_ARN_PREFIX "%s", fc->name);
	buf_init(&b);
	buf_printf(&b, "{\"Runtime\":\"provided.al2023\",\"Role\":"
	    "\"arn:aws:iam::" FNSPEC_ACCOUNT ":role/lambdad\",\"Handler\":"
	    "\"bootstrap\",\"CodeSize\":%lld,\"Description\":\"\","
	    "\"Timeout\":%u,\"MemorySize\":%u,\"LastModified\":\"%s\","
	    "\"CodeSha256\":\"\",\"Version\":\"$LATEST\",\"State\":\"Active\","
	    "\"LastUpdateStatus\":\"Successful\",\"PackageType\":\"Zip\","
	    "\"Architectures\":[\"" FNSPEC_ARCH "\"],\"EphemeralStorage\":"
	    "{\"Size\":512},\"TracingConfig\":{\"Mode\":\"PassThrough\"}}",
	    (long long)st.st_size, fc->timeout_s, fc->memory_mb, when);
	buf_addc(&b, '\0');
	if ((j = cJSON_Parse(b.data)) == NULL)
		abort();
	buf_free(&b);
	cJSON_AddItemToObject(j, "FunctionName", cJSON_CreateString(fc->name));
	cJSON_AddItemToObject(j, "FunctionArn", cJSON_CreateString(arn));
	return j;
}

/* FunctionConfiguration of p's function; *tags its tags if asked. */
static cJSON *
fn_view(const struct control *ctl, const struct pool *p, cJSON **tags)
{
	const struct pool *live;
	const cJSON *r = control_rec_live(ctl, pool_conf(p)->name, &live);

	if (tags != NULL)
		*tags = r != NULL ? cJSON_Duplicate(
		    cJSON_GetObjectItemCaseSensitive(r, "Tags"), 1) : NULL;
	if (r == NULL)
		return conf_view(pool_conf(p));
	return cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(r,
	    "Configuration"), 1);
}

/* ---- the read calls --------------------------------------------------------- */

static int
by_name(const void *a, const void *b)
{
	const struct pool *const *x = a, *const *y = b;

	return strcmp(pool_conf(*x)->name, pool_conf(*y)->name);
}

/* ListFunctions, in name order; Marker is the name to go on from. */
static void
control_list(struct control *ctl, struct http_request *req)
{
	struct daemon *d = ctl->d;
	char marker[72] = "", num[16];
	unsigned long max = 50, n = 0;
	struct pool **v;
	struct fnspec_err e;
	cJSON *j, *fns;
	size_t i;

	if (http_query_get(req, "Marker", marker, sizeof(marker)) < 0)
		marker[0] = '\0';
	if (http_query_get(req, "MaxItems", num, sizeof(num)) > 0)
		max = strtoul(num, NULL, 10);
	if (max < 1 || max > 10000) {
		fnspec_fail(&e, "InvalidParameterValueException", "MaxItems must "
		    "be from 1 to 10000");
		control_error(req, &e);
		return;
	}
	if ((v = calloc(d->npools + 1, sizeof(*v))) == NULL)
		abort();
	memcpy(v, d->pools, d->npools * sizeof(*v));
	qsort(v, d->npools, sizeof(*v), by_name);
	j = cJSON_CreateObject();
	fns = cJSON_AddArrayToObject(j, "Functions");
	for (i = 0; i < d->npools; i++) {
		/* A published version (NAME:N) is listed by its function. */
		if (strcmp(pool_conf(v[i])->name, marker) < 0 ||
		    strchr(pool_conf(v[i])->name, ':') != NULL)
			continue;
		if (n++ == max) {
			cJSON_AddStringToObject(j, "NextMarker",
			    pool_conf(v[i])->name);
			break;
		}
		cJSON_AddItemToArray(fns, fn_view(ctl, v[i], NULL));
	}
	free(v);
	control_json(req, 200, j);
}

/*
 * The function named by seg (its $LATEST pool), with the qualifier from
 * the name or ?Qualifier in fn; else req is answered.
 */
static struct pool *
control_resolve(struct control *ctl, struct http_request *req,
    const char *seg, struct fnspec_name *out)
{
	struct fnspec_name fn;
	struct fnspec_err e;
	char q[FNSPEC_QUAL_MAX + 1];
	struct pool *p;
	int rc;

	if (fnspec_parse_name(seg, &fn) != 0) {
		fnspec_fail(&e, "ValidationException", "1 validation error "
		    "detected: Value at 'functionName' failed to satisfy "
		    "constraint: Member must be a function name, name:qualifier "
		    "or function ARN");
		control_error(req, &e);
		return NULL;
	}
	if ((rc = http_query_get(req, "Qualifier", q, sizeof(q))) > 0)
		snprintf(fn.qual, sizeof(fn.qual), "%s", q);
	if ((p = daemon_pool(ctl->d, fn.name, NULL)) == NULL) {
		fnspec_fail(&e, "ResourceNotFoundException", "Function not "
		    "found: " FNSPEC_ARN_PREFIX "%s%s%s", fn.name,
		    fn.qual[0] != '\0' ? ":" : "", fn.qual);
		control_error(req, &e);
		return NULL;
	}
	if (strcmp(fn.qual, "$LATEST") == 0)
		fn.qual[0] = '\0';
	*out = fn;
	return p;
}

/* The Configuration of version (or alias) q of p's function, or NULL. */
static cJSON *
qual_view(const struct control *ctl, const struct pool *p, const char *q)
{
	const struct pool *live;
	const cJSON *rec = control_rec_live(ctl, pool_conf(p)->name, &live);
	const cJSON *ver;
	char v[FNSPEC_QUAL_MAX + 1];

	/* An alias describes its main version, as GetFunction on Lambda. */
	if (rec == NULL || fnspec_route(rec, q, 1.0, v, sizeof(v)) != 0)
		return NULL;
	if (strcmp(v, "$LATEST") == 0)
		return fn_view(ctl, p, NULL);
	ver = fnspec_version(rec, v);
	return cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(ver,
	    "Configuration"), 1);
}

/* GetFunction's Concurrency, when some is reserved. */
static void
control_get_extra(const struct control *ctl, cJSON *j, const char *name)
{
	const struct pool *live;
	const cJSON *rec = control_rec_live(ctl, name, &live);
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(rec, "Concurrency");

	if (c != NULL)
		cJSON_AddItemToObject(j, "Concurrency", cJSON_Duplicate(c, 1));
}

static void
control_get(struct control *ctl, struct http_request *req, const char *seg,
    bool config_only)
{
	struct fnspec_name fn;
	struct pool *p = control_resolve(ctl, req, seg, &fn);
	struct fnspec_err e;
	cJSON *j, *cfg, *tags = NULL;

	if (p == NULL)
		return;
	if (fn.qual[0] != '\0') {
		if ((cfg = qual_view(ctl, p, fn.qual)) == NULL) {
			fnspec_fail(&e, "ResourceNotFoundException", "Function "
			    "not found: " FNSPEC_ARN_PREFIX "%s:%s", fn.name,
			    fn.qual);
			control_error(req, &e);
			return;
		}
	} else
		cfg = fn_view(ctl, p, &tags);
	if (config_only) {
		cJSON_Delete(tags);
		control_json(req, 200, cfg);
		return;
	}
	j = cJSON_CreateObject();
	cJSON_AddItemToObject(j, "Configuration", cfg);
	cJSON_AddItemToObject(j, "Code", cJSON_Parse("{\"RepositoryType\":"
	    "\"S3\",\"Location\":\"\"}"));
	if (tags != NULL)
		cJSON_AddItemToObject(j, "Tags", tags);
	control_get_extra(ctl, j, fn.name);
	control_json(req, 200, j);
}

static void
control_account(struct control *ctl, struct http_request *req)
{
	struct daemon *d = ctl->d;
	unsigned long long code = 0;
	unsigned workers = 0;
	struct stat st;
	struct buf b;
	size_t i;

	for (i = 0; i < d->npools; i++) {
		const struct function_conf *fc = pool_conf(d->pools[i]);

		workers += fc->max_workers;
		if (stat(fc->bootstrap, &st) == 0)
			code += (unsigned long long)st.st_size;
	}
	buf_init(&b);
	buf_printf(&b, "{\"AccountLimit\":{\"TotalCodeSize\":%llu,"
	    "\"CodeSizeUnzipped\":262144000,\"CodeSizeZipped\":52428800,"
	    "\"ConcurrentExecutions\":%u,\"UnreservedConcurrentExecutions\":0},"
	    "\"AccountUsage\":{\"TotalCodeSize\":%llu,\"FunctionCount\":%zu}}",
	    (unsigned long long)d->conf->code_storage_mb << 20, workers, code,
	    d->npools);
	buf_addc(&b, '\0');
	control_json(req, 200, cJSON_Parse(b.data));
	buf_free(&b);
}

/* ListVersionsByFunction: $LATEST, then each version. */
static void
control_versions(struct control *ctl, struct http_request *req,
    const char *seg)
{
	struct fnspec_name fn;
	struct pool *p = control_resolve(ctl, req, seg, &fn);
	const struct pool *live;
	const cJSON *rec, *v;
	cJSON *j, *list;

	if (p == NULL)
		return;
	rec = control_rec_live(ctl, fn.name, &live);
	j = cJSON_CreateObject();
	list = cJSON_AddArrayToObject(j, "Versions");
	cJSON_AddItemToArray(list, fn_view(ctl, p, NULL));
	cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(rec, "Versions"))
		cJSON_AddItemToArray(list, cJSON_Duplicate(
		    cJSON_GetObjectItemCaseSensitive(v, "Configuration"), 1));
	control_json(req, 200, j);
}

/* ListAliases, or GetAlias with alias. */
static void
control_aliases(struct control *ctl, struct http_request *req,
    const char *seg, const char *alias)
{
	struct fnspec_name fn;
	struct pool *p = control_resolve(ctl, req, seg, &fn);
	const struct pool *live;
	const cJSON *rec, *a;
	struct fnspec_err e;
	cJSON *j;

	if (p == NULL)
		return;
	rec = control_rec_live(ctl, fn.name, &live);
	if (alias == NULL) {
		j = cJSON_CreateObject();
		a = cJSON_GetObjectItemCaseSensitive(rec, "Aliases");
		cJSON_AddItemToObject(j, "Aliases", a != NULL ?
		    cJSON_Duplicate(a, 1) : cJSON_CreateArray());
		control_json(req, 200, j);
		return;
	}
	if (rec == NULL || (a = fnspec_alias_get(rec, alias)) == NULL) {
		fnspec_fail(&e, "ResourceNotFoundException", "Alias not found: "
		    FNSPEC_ARN_PREFIX "%s:%s", fn.name, alias);
		control_error(req, &e);
		return;
	}
	control_json(req, 200, cJSON_Duplicate(a, 1));
}

int
control_qualify(struct control *ctl, const char *name, const char *qual,
    char *pool, size_t size)
{
	const struct pool *p;
	const cJSON *rec;
	char v[FNSPEC_QUAL_MAX + 1];
	double r = (double)random() / ((double)RAND_MAX + 1.0);

	if (ctl == NULL || (rec = control_rec_live(ctl, name, &p)) == NULL ||
	    fnspec_route(rec, qual, r, v, sizeof(v)) != 0)
		return -ENOENT;
	if (strcmp(v, "$LATEST") == 0)
		snprintf(pool, size, "%s", name);
	else
		snprintf(pool, size, "%s:%s", name, v);
	return 0;
}

/* ---- dispatch ------------------------------------------------------------- */

void
control_unknown(struct http_request *req)
{
	struct fnspec_err e;

	fnspec_fail(&e, "UnknownOperationException", "lambdad does not serve "
	    "%s %s", req->method, req->path);
	e.status = 404;
	control_error(req, &e);
}

static bool
is(const struct http_request *req, const char *m)
{
	return strcmp(req->method, m) == 0;
}

/* GET, PUT, DELETE .../aliases/ALIAS. */
static void
control_alias_op(struct control *ctl, struct http_request *req,
    const char *name, const char *alias)
{
	if (is(req, "GET"))
		control_aliases(ctl, req, name, alias);
	else if (is(req, "PUT") || is(req, "DELETE"))
		change_alias(ctl, req, name, alias);
	else
		control_unknown(req);
}

/* /2015-03-31/functions/SEG[/OP]: seg decoded into name. */
static void
control_function(struct control *ctl, struct http_request *req,
    const char *seg, size_t segn, const char *op)
{
	char name[256];
	long n;

	if (segn == 0 || segn >= sizeof(name) ||
	    (n = buf_pct_decode(name, seg, segn, BUF_PCT_STRICT)) < 0) {
		not_found(req, "");
		return;
	}
	name[n] = '\0';
	if (*op == '\0' && is(req, "GET"))
		control_get(ctl, req, name, false);
	else if (*op == '\0' && is(req, "DELETE"))
		change_delete(ctl, req, name);
	else if (strcmp(op, "/configuration") == 0 && is(req, "GET"))
		control_get(ctl, req, name, true);
	else if (strcmp(op, "/configuration") == 0 && is(req, "PUT"))
		change_config(ctl, req, name);
	else if (strcmp(op, "/code") == 0 && is(req, "PUT"))
		change_code(ctl, req, name);
	else if (strcmp(op, "/versions") == 0 && is(req, "POST"))
		change_publish(ctl, req, name);
	else if (strcmp(op, "/versions") == 0 && is(req, "GET"))
		control_versions(ctl, req, name);
	else if (strcmp(op, "/aliases") == 0 && is(req, "POST"))
		change_alias(ctl, req, name, NULL);
	else if (strcmp(op, "/aliases") == 0 && is(req, "GET"))
		control_aliases(ctl, req, name, NULL);
	else if (strncmp(op, "/aliases/", 9) == 0 && op[9] != '\0' &&
	    strchr(op + 9, '/') == NULL)
		control_alias_op(ctl, req, name, op + 9);
	else
		control_unknown(req);
}

/* GetFunctionConcurrency: {} when nothing is reserved. */
static void
control_get_concurrency(struct control *ctl, struct http_request *req,
    const char *seg)
{
	struct fnspec_name fn;
	struct pool *p = control_resolve(ctl, req, seg, &fn);
	const struct pool *live;
	const cJSON *rec, *c;

	if (p == NULL)
		return;
	rec = control_rec_live(ctl, fn.name, &live);
	c = cJSON_GetObjectItemCaseSensitive(rec, "Concurrency");
	control_json(req, 200, c != NULL ? cJSON_Duplicate(c, 1) :
	    cJSON_CreateObject());
}

/* /2017-10-31/functions/NAME/concurrency and /2019-09-30/'s. */
static void
control_concurrency_path(struct control *ctl, struct http_request *req,
    const char *p)
{
	const char *seg = p + strlen(CONC_PATH), *op = strchr(seg, '/');
	bool get = strncmp(p, GETCONC_PATH, strlen(GETCONC_PATH)) == 0;
	char name[256];
	long n;

	if (get && op != NULL && strcmp(op, "/provisioned-concurrency") == 0) {
		provisioned_handle(ctl, req, seg, (size_t)(op - seg));
		return;
	}
	if (op == NULL || op == seg || strcmp(op, "/concurrency") != 0 ||
	    (size_t)(op - seg) >= sizeof(name) ||
	    (n = buf_pct_decode(name, seg, (size_t)(op - seg),
	    BUF_PCT_STRICT)) < 0) {
		control_unknown(req);
		return;
	}
	name[n] = '\0';
	if (get && is(req, "GET"))
		control_get_concurrency(ctl, req, name);
	else if (!get && (is(req, "PUT") || is(req, "DELETE")))
		change_concurrency(ctl, req, name);
	else
		control_unknown(req);
}

void
control_handle(struct control *ctl, struct http_request *req)
{
	const char *p = req->path, *seg, *op;
	size_t n = strlen(FN_PATH);
	struct fnspec_err e;

	req->data = ctl;
	if (req->too_large) {
		fnspec_fail(&e, "RequestEntityTooLargeException", "Request must "
		    "be smaller than %d bytes for this operation (the zip's "
		    "base64 included)", 6291456);
		e.status = 413;
		control_error(req, &e);
		return;
	}
	if (strncmp(p, ACCOUNT_PATH, strlen(ACCOUNT_PATH)) == 0) {
		p += strlen(ACCOUNT_PATH);
		if (is(req, "GET") && (*p == '\0' || strcmp(p, "/") == 0))
			control_account(ctl, req);
		else
			control_unknown(req);
		return;
	}
	if (strncmp(p, LAYERS_PATH, strlen(LAYERS_PATH)) == 0) {
		layers_handle(ctl, req, p + strlen(LAYERS_PATH));
		return;
	}
	if (strncmp(p, TAGS_PATH, strlen(TAGS_PATH)) == 0) {
		tags_handle(ctl, req, p + strlen(TAGS_PATH));
		return;
	}
	if (strncmp(p, EIC_PATH, strlen(EIC_PATH)) == 0) {
		eic_handle(ctl, req, p + strlen(EIC_PATH));
		return;
	}
	if (strncmp(p, CONC_PATH, strlen(CONC_PATH)) == 0 ||
	    strncmp(p, GETCONC_PATH, strlen(GETCONC_PATH)) == 0) {
		control_concurrency_path(ctl, req, p);
		return;
	}
	if (strncmp(p, FN_PATH, n) != 0) {
		control_unknown(req);
		return;
	}
	p += n;
	if (*p == '\0' || strcmp(p, "/") == 0) {
		if (is(req, "GET"))
			control_list(ctl, req);
		else if (is(req, "POST"))
			change_create(ctl, req);
		else
			control_unknown(req);
		return;
	}
	seg = p + 1;
	if ((op = strchr(seg, '/')) == NULL)
		op = seg + strlen(seg);
	control_function(ctl, req, seg, (size_t)(op - seg), op);
}

/*
 * The function and qualifier of a path segment and ?Qualifier; 0, or
 * -EINVAL with req answered.
 */
int
control_name_qual(struct http_request *req, const char *seg, size_t segn,
    struct fnspec_name *fn)
{
	char dec[256], q[FNSPEC_QUAL_MAX + 1];
	struct fnspec_err e;
	long n;
	int rc;

	if (segn == 0 || segn >= sizeof(dec) ||
	    (n = buf_pct_decode(dec, seg, segn, BUF_PCT_STRICT)) < 0)
		goto bad;
	dec[n] = '\0';
	if (fnspec_parse_name(dec, fn) != 0)
		goto bad;
	if ((rc = http_query_get(req, "Qualifier", q, sizeof(q))) < 0) {
		fnspec_fail(&e, "ValidationException", "1 validation error "
		    "detected: Value at 'qualifier' failed to satisfy "
		    "constraint: Member must match (|[a-zA-Z0-9$_-]+)");
		control_error(req, &e);
		return -EINVAL;
	}
	if (rc > 0 && fn->qual[0] != '\0' && strcmp(fn->qual, q) != 0) {
		fnspec_fail(&e, "InvalidParameterValueException", "The derived "
		    "qualifier from the function name does not match the "
		    "specified qualifier.");
		control_error(req, &e);
		return -EINVAL;
	}
	if (rc > 0)
		snprintf(fn->qual, sizeof(fn->qual), "%s", q);
	return 0;
bad:
	fnspec_fail(&e, "ValidationException", "1 validation error detected: "
	    "Value at 'functionName' failed to satisfy constraint: Member must "
	    "be a function name, name:qualifier or function ARN");
	control_error(req, &e);
	return -EINVAL;
}

cJSON *
control_page(struct http_request *req, const cJSON *items, const char *key,
    unsigned long cap, cJSON *(*show)(const cJSON *item, void *arg),
    void *arg)
{
	char num[16];
	unsigned long max = cap, from = 0, i = 0;
	struct fnspec_err e;
	const cJSON *c;
	cJSON *j, *list;

	if (http_query_get(req, "MaxItems", num, sizeof(num)) > 0)
		max = strtoul(num, NULL, 10);
	if (http_query_get(req, "Marker", num, sizeof(num)) > 0)
		from = strtoul(num, NULL, 10);
	if (max < 1 || max > cap) {
		fnspec_fail(&e, "ValidationException", "1 validation error "
		    "detected: Value at 'maxItems' failed to satisfy "
		    "constraint: Member must be from 1 to %lu", cap);
		control_error(req, &e);
		return NULL;
	}
	if ((j = cJSON_CreateObject()) == NULL ||
	    (list = cJSON_AddArrayToObject(j, key)) == NULL)
		abort();
	cJSON_ArrayForEach(c, items) {
		if (i >= from + max) {
			snprintf(num, sizeof(num), "%lu", i);
			cJSON_AddStringToObject(j, "NextMarker", num);
			break;
		}
		if (i++ >= from)
			cJSON_AddItemToArray(list, show(c, arg));
	}
	return j;
}

/* ---- life ----------------------------------------------------------------- */

struct control *
control_new(struct daemon *d)
{
	struct control *ctl = calloc(1, sizeof(*ctl));
	const struct pool *p;
	struct buf warn;
	cJSON *r;

	if (ctl == NULL)
		return NULL;
	ctl->d = d;
	srandom((unsigned)time(NULL) ^ (unsigned)getpid());	/* alias weights */
	buf_init(&warn);
	ctl->recs = fnstore_load(d->state_dir, &warn);
	if (warn.len > 0)
		log_warnx("control plane: records left out:\n%.*s",
		    (int)warn.len - 1, warn.data);
	buf_free(&warn);
	layers_load(ctl);
	cJSON_ArrayForEach(r, ctl->recs) {
		const char *name = fnspec_rec_name(r);

		if (control_rec_live(ctl, name, &p) == NULL && p != NULL)
			log_warnx("control plane: function %s is defined at "
			    "%s:%d, which wins over the one made through the "
			    "API", name, pool_conf(p)->file, pool_conf(p)->line);
	}
	log_info("control plane on: %d functions made through the API, %d "
	    "layer versions", cJSON_GetArraySize(ctl->recs),
	    cJSON_GetArraySize(ctl->layers));
	return ctl;
}

void
control_destroy(struct control *ctl)
{
	cJSON_Delete(ctl->recs);
	cJSON_Delete(ctl->layers);
	cJSON_Delete(ctl->layer_next);
	free(ctl);
}

void
control_free(struct control *ctl)
{
	if (ctl == NULL)
		return;
	if (ctl->busy != NULL || ctl->layer_busy) {
		ctl->closing = true;	/* change.c or layers.c frees it */
		return;
	}
	control_destroy(ctl);
}
