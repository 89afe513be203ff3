/*
 * change: the control-plane calls that change a function -- CreateFunction,
 * UpdateFunctionCode, UpdateFunctionConfiguration, DeleteFunction.
 *
 * Each is one struct change going through these steps:
 *   1. on the loop: parse and check the request (fnspec.h), find the
 *      function, refuse what Lambda would refuse;
 *   2. on the threadpool: decode the zip, hash it, check the code store,
 *      unpack it and write the drop-in and record (fnstore.h);
 *   3. on the loop: a reload (daemon.h) puts it in service;
 *   4. then the reply -- or, if the reload refused it, a trip back to the
 *      threadpool to undo step 2 before the error goes out;
 *   5. after a success, old code and opt trees that nothing runs are
 *      removed (deploy_gc, layerstore_gc_opt), on the threadpool again,
 *      after the reply.
 * Only one change is in flight at a time (ctl->busy).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cJSON.h>
#include <uv.h>

#include "buf.h"
#include "conf.h"
#include "control/cfgspec.h"
#include "control/control_int.h"
#include "control/fnstore.h"
#include "control/layerstore.h"
#include "control/pcspec.h"
#include "control/ziptree.h"
#include "daemon.h"
#include "deploy.h"
#include "http.h"
#include "log.h"
#include "pool.h"

enum change_op {
	OP_CREATE, OP_CODE, OP_CONFIG, OP_DELETE, OP_PUBLISH, OP_RM_VERSION,
	OP_ALIAS, OP_CONCURRENCY, OP_RECORD, OP_VERSIONS,
};

struct change {
	struct control	*ctl;
	struct http_request *req;	/* NULL once answered */
	uv_work_t	 work;
	enum change_op	 op;
	char		 name[65];
	char		*state_dir;
	cJSON		*body;		/* the request; holds zip64 */
	const char	*zip64;		/* NULL: no new code */
	cJSON		*rec;		/* the record after the change */
	cJSON		*opt_srcs;	/* new Layers: their trees, in order */
	size_t		 code_others;	/* the other functions' zips */
	size_t		 code_max;	/* code_storage, bytes */
	bool		 dry_run;
	bool		 publish;	/* UpdateFunctionCode --publish */
	bool		 reload;	/* the change needs one (not aliases) */
	bool		 versions;	/* every version's drop-in rewritten */
	char		 qual[FNSPEC_QUAL_MAX + 1];	/* a version, an alias */
	cJSON		*ver;		/* a version published, inside rec */
	const cJSON	*reply;		/* what to answer with, inside rec;
					   NULL: 204 */
	cJSON		*answer;	/* or this, the change's own */
	int		 status;	/* the reply's, on success */
	int		 rc;
	struct fnspec_err e;
	struct fnstore_undo undo;
	char		**keep;		/* bootstraps in use, for deploy_gc */
	size_t		 nkeep;
};

static const char *const op_names[] = {
	"CreateFunction", "UpdateFunctionCode", "UpdateFunctionConfiguration",
	"DeleteFunction", "PublishVersion", "DeleteFunction (a version)",
	"an alias change", "a reserved concurrency change",
	"a tags or event-invoke-config change",
	"a provisioned concurrency change",
};

static void	change_reloaded(void *arg, int err, const char *msg);
static void	change_rm_version(struct control *, struct http_request *,
		    const cJSON *, const char *, const char *);

static void
change_free(struct change *ch)
{
	struct control *ctl = ch->ctl;
	size_t i;

	if (ctl->busy == ch)
		ctl->busy = NULL;
	for (i = 0; i < ch->nkeep; i++)
		free(ch->keep[i]);
	free(ch->keep);
	fnstore_done(&ch->undo);
	cJSON_Delete(ch->body);
	cJSON_Delete(ch->answer);
	cJSON_Delete(ch->rec);
	cJSON_Delete(ch->opt_srcs);
	free(ch->state_dir);
	free(ch);
	if (ctl->closing && ctl->busy == NULL && !ctl->layer_busy)
		control_destroy(ctl);
}

static void
change_aborted(struct http_request *req, void *arg)
{
	/* The change goes on; its reply is dropped. */
	(void)req;
	(void)arg;
}

/* Answer with the error in ch->e, then free ch. */
static void
change_fail(struct change *ch)
{
	control_error(ch->req, &ch->e);
	change_free(ch);
}

/* ---- on the threadpool ---------------------------------------------------- */

/* A version published: its drop-in, and the record that lists it. */
static int
put_version(struct change *ch)
{
	int rc;

	if ((rc = fnstore_dropin(ch->state_dir, ch->ver, &ch->undo, &ch->e)) != 0 ||
	    (rc = fnstore_record(ch->state_dir, ch->rec, &ch->undo, &ch->e)) != 0)
		fnstore_undo(&ch->undo);
	return rc;
}

/* Every version's drop-in (their provisioned workers), and the record. */
static int
put_versions(struct change *ch)
{
	const cJSON *v;
	int rc = 0;

	cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(ch->rec,
	    "Versions"))
		if ((rc = fnstore_dropin(ch->state_dir, v, &ch->undo,
		    &ch->e)) != 0)
			break;
	if (rc != 0 || (rc = fnstore_record(ch->state_dir, ch->rec,
	    &ch->undo, &ch->e)) != 0)
		fnstore_undo(&ch->undo);
	return rc;
}

/* The changes that write no code. */
static void
put_other(struct change *ch)
{
	char sect[FNSPEC_QUAL_MAX + 72];
	int rc;

	memset(&ch->undo, 0, sizeof(ch->undo));
	if (ch->op == OP_DELETE) {
		ch->rc = fnstore_rm(ch->state_dir, ch->rec, &ch->undo, &ch->e);
		return;
	}
	if (ch->versions) {
		ch->rc = put_versions(ch);
		return;
	}
	if (ch->op == OP_PUBLISH || ch->op == OP_CONCURRENCY) {
		ch->ver = ch->op == OP_CONCURRENCY ? ch->rec : ch->ver;
		ch->rc = put_version(ch);
		return;
	}
	snprintf(sect, sizeof(sect), "%s:%s", ch->name, ch->qual);
	if ((ch->op == OP_RM_VERSION && (rc = fnstore_rm_dropin(ch->state_dir,
	    sect, &ch->undo, &ch->e)) != 0) ||
	    (rc = fnstore_record(ch->state_dir, ch->rec, &ch->undo, &ch->e)) != 0)
		fnstore_undo(&ch->undo);
	ch->rc = rc;
}

/* A runtime to start: the zip's bootstrap, or its layers'. */
static int
check_boot(struct change *ch)
{
	const cJSON *b = cJSON_GetObjectItemCaseSensitive(ch->rec, "Bootstrap");
	const cJSON *o = cJSON_GetObjectItemCaseSensitive(ch->rec, "Opt");
	char path[4096 + 16];
	struct stat st;

	if (cJSON_IsString(b) && stat(b->valuestring, &st) == 0 &&
	    S_ISREG(st.st_mode))
		return 0;
	snprintf(path, sizeof(path), "%s/bootstrap", cJSON_IsString(o) ?
	    o->valuestring : "");
	if (cJSON_IsString(o) && stat(path, &st) == 0 && S_ISREG(st.st_mode))
		return 0;
	return fnspec_fail(&ch->e, "InvalidParameterValueException", "The "
	    "function has no bootstrap: neither its zip nor its layers hold one "
	    "at their root (a provided.* runtime starts ./bootstrap, or "
	    "/opt/bootstrap)");
}

static void
put_work(uv_work_t *w)
{
	struct change *ch = w->data;
	struct buf zip;
	bool fresh;

	if (ch->op != OP_CREATE && ch->op != OP_CODE && ch->op != OP_CONFIG) {
		put_other(ch);
		return;
	}
	buf_init(&zip);
	if (ch->zip64 != NULL) {
		if (buf_unbase64(&zip, ch->zip64, strlen(ch->zip64)) != 0 ||
		    zip.len == 0) {
			ch->rc = fnspec_fail(&ch->e,
			    "InvalidParameterValueException", "Could not unzip "
			    "uploaded file: ZipFile is not base64");
			goto out;
		}
		if (ch->code_others + zip.len > ch->code_max) {
			ch->rc = fnspec_fail(&ch->e,
			    "CodeStorageExceededException", "Code storage limit "
			    "exceeded: %zu bytes of code are stored, this zip is "
			    "%zu and code_storage allows %zu", ch->code_others,
			    zip.len, ch->code_max);
			goto out;
		}
		fnspec_set_code(ch->rec, zip.data, zip.len);
	}
	fnspec_touch(ch->rec);
	if (ch->dry_run)
		goto out;
	if (ch->opt_srcs != NULL && (ch->rc = layerstore_opt(
	    cJSON_GetObjectItemCaseSensitive(ch->rec, "Opt")->valuestring,
	    ch->opt_srcs, &ch->e)) != 0)
		goto out;
	ch->rc = fnstore_put(ch->state_dir, ch->rec, ch->zip64 != NULL ?
	    zip.data : NULL, zip.len, ZIPTREE_MAX_UNZIPPED, &ch->undo, &ch->e);
	if (ch->rc == 0 && (ch->rc = check_boot(ch)) != 0)
		fnstore_undo(&ch->undo);
	if (ch->rc != 0 || !ch->publish)
		goto out;
	/* --publish: the new code frozen as a version at once. */
	if ((ch->rc = fnspec_publish(ch->rec, NULL, &ch->ver, &fresh,
	    &ch->e)) != 0 || (fresh && (ch->rc = fnstore_dropin(ch->state_dir,
	    ch->ver, &ch->undo, &ch->e)) != 0) || (fresh && (ch->rc =
	    fnstore_record(ch->state_dir, ch->rec, &ch->undo, &ch->e)) != 0)) {
		fnstore_undo(&ch->undo);
		goto out;
	}
	ch->reply = cJSON_GetObjectItemCaseSensitive(ch->ver, "Configuration");
out:
	buf_free(&zip);
}

static void
undo_work(uv_work_t *w)
{
	struct change *ch = w->data;

	fnstore_undo(&ch->undo);
}

static void
gc_work(uv_work_t *w)
{
	struct change *ch = w->data;

	deploy_gc(ch->state_dir, (const char *const *)ch->keep, ch->nkeep);
	layerstore_gc_opt(ch->state_dir, (const char *const *)ch->keep,
	    ch->nkeep);
}

static void
free_after(uv_work_t *w, int status)
{
	(void)status;
	change_free(w->data);
}

static void
fail_after(uv_work_t *w, int status)
{
	(void)status;
	change_fail(w->data);
}

/* Step 2 is on disk and undone: answer with why. */
static void
change_undo(struct change *ch)
{
	if (uv_queue_work(ch->ctl->d->loop, &ch->work, undo_work,
	    fail_after) != 0) {
		fnstore_undo(&ch->undo);	/* no threadpool: do it here */
		change_fail(ch);
	}
}

/* ---- on the loop ---------------------------------------------------------- */

/* The reply to a change that took. */
static void
change_reply(struct change *ch)
{
	if (ch->answer != NULL) {
		control_json(ch->req, ch->status, ch->answer);
		ch->answer = NULL;
		return;
	}
	if (ch->reply == NULL) {
		http_respond(ch->req, 204, NULL, 0, NULL, 0);
		return;
	}
	control_json(ch->req, ch->status, cJSON_Duplicate(ch->reply, 1));
}

/* Old code versions go once nothing runs them; after the reply. */
static void
change_gc(struct change *ch)
{
	struct pool **all;
	size_t i, n = daemon_all_pools(ch->ctl->d, &all);

	/* Each pool's bootstrap, and its opt tree (its layers). */
	if ((ch->keep = calloc(2 * n + 1, sizeof(*ch->keep))) == NULL)
		abort();
	for (i = 0; i < n; i++) {
		const struct function_conf *fc = pool_conf(all[i]);

		if ((ch->keep[ch->nkeep++] = strdup(fc->bootstrap)) == NULL ||
		    (fc->opt_dir != NULL && (ch->keep[ch->nkeep++] =
		    strdup(fc->opt_dir)) == NULL))
			abort();
	}
	free(all);
	if (uv_queue_work(ch->ctl->d->loop, &ch->work, gc_work,
	    free_after) != 0)
		change_free(ch);
}

static void
change_reloaded(void *arg, int err, const char *msg)
{
	struct change *ch = arg;

	if (err != 0) {
		log_warnx("control plane: %s %s undone: %s", op_names[ch->op],
		    ch->name, msg);
		fnspec_fail(&ch->e, err == -ECANCELED ? "ServiceException" :
		    "InvalidParameterValueException", "lambdad could not run "
		    "the function: %s", msg);
		change_undo(ch);
		return;
	}
	fnstore_done(&ch->undo);
	log_info("control plane: %s %s done (%s)", op_names[ch->op], ch->name,
	    msg);
	change_reply(ch);
	if (ch->op == OP_DELETE)
		control_rec_set(ch->ctl, ch->name, NULL);
	else {
		control_rec_set(ch->ctl, ch->name, ch->rec);
		ch->rec = NULL;		/* the control's now */
	}
	change_gc(ch);
}

static void
put_after(uv_work_t *w, int status)
{
	struct change *ch = w->data;
	int rc;

	(void)status;
	if (ch->rc != 0) {
		change_fail(ch);
		return;
	}
	if (ch->dry_run) {
		change_reply(ch);
		change_free(ch);
		return;
	}
	if (!ch->reload) {
		change_reply(ch);
		control_rec_set(ch->ctl, ch->name, ch->rec);
		ch->rec = NULL;
		change_free(ch);
		return;
	}
	rc = daemon_reload(ch->ctl->d, change_reloaded, ch);
	if (rc == -EBUSY) {
		fnspec_fail(&ch->e, "ResourceConflictException", "The operation "
		    "cannot be performed at this time. An update is in progress "
		    "for resource: " FNSPEC_ARN_PREFIX "%s", ch->name);
		change_undo(ch);
	}
}

/* Step 2 and on; ch is the control's busy change until it is freed. */
static void
change_start(struct change *ch)
{
	struct control *ctl = ch->ctl;

	ctl->busy = ch;
	ch->req->on_abort = change_aborted;
	ch->work.data = ch;
	if ((ch->state_dir = strdup(ctl->d->state_dir)) == NULL)
		abort();
	ch->code_others = control_code_total(ctl, ch->name);
	ch->code_max = (size_t)ctl->d->conf->code_storage_mb << 20;
	if (uv_queue_work(ctl->d->loop, &ch->work, put_work, put_after) != 0) {
		fnspec_fail(&ch->e, "ServiceException", "no threadpool");
		change_fail(ch);
	}
}

/*
 * Step 1's common part: one change at a time, the body parsed.  NULL with
 * req answered, or a change holding req.
 */
static struct change *
change_new(struct control *ctl, struct http_request *req, enum change_op op)
{
	struct change *ch;
	struct fnspec_err e;

	if (ctl->busy != NULL || ctl->layer_busy || ctl->d->reload != NULL) {
		fnspec_fail(&e, "ResourceConflictException", "The operation "
		    "cannot be performed at this time. An update is in progress "
		    "(lambdad is reloading); try again");
		control_error(req, &e);
		return NULL;
	}
	if ((ch = calloc(1, sizeof(*ch))) == NULL)
		abort();
	ch->ctl = ctl;
	ch->req = req;
	ch->op = op;
	ch->status = op == OP_CREATE || op == OP_PUBLISH ? 201 : 200;
	ch->reload = op != OP_ALIAS && op != OP_RECORD;
	if (op == OP_DELETE || op == OP_RM_VERSION || op == OP_RECORD ||
	    op == OP_VERSIONS)
		return ch;
	ch->body = cJSON_ParseWithLength(req->body, req->body_len);
	/* PublishVersion and DeleteAlias may come without a body. */
	if (ch->body == NULL && req->body_len == 0 && (op == OP_PUBLISH ||
	    op == OP_ALIAS || op == OP_CONCURRENCY))
		ch->body = cJSON_CreateObject();
	if (ch->body == NULL) {
		fnspec_bad_json(&ch->e);
		change_fail(ch);
		return NULL;
	}
	return ch;
}

/*
 * The API's own function named by seg, for a change; NULL with req
 * answered when there is none or it is the operator's.
 */
static const cJSON *
change_target(struct control *ctl, struct http_request *req, const char *seg,
    struct fnspec_name *fn)
{
	const struct pool *p;
	const cJSON *rec;
	struct fnspec_err e;

	if (fnspec_parse_name(seg, fn) != 0 || (fn->kind != FNSPEC_UNQUALIFIED &&
	    fn->kind != FNSPEC_LATEST)) {
		fnspec_fail(&e, fn->name[0] != '\0' ? "ResourceNotFoundException" :
		    "ValidationException", "Function not found: "
		    FNSPEC_ARN_PREFIX "%s", seg);
		control_error(req, &e);
		return NULL;
	}
	rec = control_rec_live(ctl, fn->name, &p);
	if (p == NULL) {
		fnspec_fail(&e, "ResourceNotFoundException", "Function not "
		    "found: " FNSPEC_ARN_PREFIX "%s", fn->name);
		control_error(req, &e);
		return NULL;
	}
	if (rec == NULL) {
		fnspec_fail(&e, "ResourceConflictException", "Function %s is "
		    "defined at %s:%d, not made through this API: change it "
		    "there and reload", fn->name, pool_conf(p)->file,
		    pool_conf(p)->line);
		control_error(req, &e);
		return NULL;
	}
	return rec;
}

void
change_create(struct control *ctl, struct http_request *req)
{
	struct change *ch = change_new(ctl, req, OP_CREATE);
	const char *name;

	if (ch == NULL)
		return;
	if (fnspec_create(ch->body, &ch->rec, &ch->zip64, &ch->e) != 0 ||
	    layers_fn_apply(ctl, ch->body, ch->rec, &ch->opt_srcs,
	    &ch->e) != 0) {
		change_fail(ch);
		return;
	}
	name = fnspec_rec_name(ch->rec);
	snprintf(ch->name, sizeof(ch->name), "%s", name);
	ch->reply = cJSON_GetObjectItemCaseSensitive(ch->rec, "Configuration");
	if (daemon_pool(ctl->d, name, NULL) != NULL) {
		fnspec_fail(&ch->e, "ResourceConflictException", "Function "
		    "already exist: %s", name);
		change_fail(ch);
		return;
	}
	change_start(ch);
}

void
change_code(struct control *ctl, struct http_request *req, const char *seg)
{
	struct fnspec_name fn;
	const cJSON *rec = change_target(ctl, req, seg, &fn);
	struct change *ch;
	bool publish;

	if (rec == NULL || (ch = change_new(ctl, req, OP_CODE)) == NULL)
		return;
	snprintf(ch->name, sizeof(ch->name), "%s", fn.name);
	if (fnspec_code_req(rec, ch->body, &ch->zip64, &ch->dry_run, &publish,
	    &ch->e) != 0) {
		change_fail(ch);
		return;
	}
	ch->publish = publish;
	if ((ch->rec = cJSON_Duplicate(rec, 1)) == NULL)
		abort();
	ch->reply = cJSON_GetObjectItemCaseSensitive(ch->rec, "Configuration");
	change_start(ch);
}

void
change_config(struct control *ctl, struct http_request *req, const char *seg)
{
	struct fnspec_name fn;
	const cJSON *rec = change_target(ctl, req, seg, &fn);
	struct change *ch;

	if (rec == NULL || (ch = change_new(ctl, req, OP_CONFIG)) == NULL)
		return;
	snprintf(ch->name, sizeof(ch->name), "%s", fn.name);
	if (fnspec_update(rec, ch->body, &ch->rec, &ch->e) != 0 ||
	    layers_fn_apply(ctl, ch->body, ch->rec, &ch->opt_srcs,
	    &ch->e) != 0) {
		change_fail(ch);
		return;
	}
	ch->reply = cJSON_GetObjectItemCaseSensitive(ch->rec, "Configuration");
	change_start(ch);
}

void
change_delete(struct control *ctl, struct http_request *req, const char *seg)
{
	struct fnspec_name fn;
	struct fnspec_err e;
	struct change *ch;
	char q[FNSPEC_QUAL_MAX + 1] = "";

	const cJSON *rec;
	int rc;

	if ((rc = http_query_get(req, "Qualifier", q, sizeof(q))) < 0) {
		fnspec_fail(&e, "ValidationException", "1 validation error "
		    "detected: Value at 'qualifier' failed to satisfy "
		    "constraint: Member must match (|[a-zA-Z0-9$_-]+)");
		control_error(req, &e);
		return;
	}
	if ((rec = change_target(ctl, req, seg, &fn)) == NULL)
		return;
	if (rc > 0 && strcmp(q, "$LATEST") != 0) {
		change_rm_version(ctl, req, rec, fn.name, q);
		return;
	}
	if ((ch = change_new(ctl, req, OP_DELETE)) == NULL)
		return;
	snprintf(ch->name, sizeof(ch->name), "%s", fn.name);
	if ((ch->rec = cJSON_Duplicate(rec, 1)) == NULL)
		abort();
	change_start(ch);
}

/* ---- versions and aliases ---------------------------------------------- */

/* A change of op on a copy of rec, named name. */
static struct change *
change_on(struct control *ctl, struct http_request *req, const cJSON *rec,
    const char *name, enum change_op op)
{
	struct change *ch = change_new(ctl, req, op);

	if (ch == NULL)
		return NULL;
	snprintf(ch->name, sizeof(ch->name), "%s", name);
	if ((ch->rec = cJSON_Duplicate(rec, 1)) == NULL)
		abort();
	return ch;
}

static void
change_rm_version(struct control *ctl, struct http_request *req,
    const cJSON *rec, const char *name, const char *n)
{
	struct change *ch = change_on(ctl, req, rec, name, OP_RM_VERSION);

	if (ch == NULL)
		return;
	snprintf(ch->qual, sizeof(ch->qual), "%s", n);
	if (fnspec_version_rm(ch->rec, n, &ch->e) != 0) {
		change_fail(ch);
		return;
	}
	cfgspec_eic_drop(ch->rec, n);
	pcspec_drop(ch->rec, n);
	change_start(ch);
}

void
change_publish(struct control *ctl, struct http_request *req, const char *seg)
{
	struct fnspec_name fn;
	const cJSON *rec = change_target(ctl, req, seg, &fn);
	struct change *ch;
	bool fresh;

	if (rec == NULL || (ch = change_on(ctl, req, rec, fn.name,
	    OP_PUBLISH)) == NULL)
		return;
	if (fnspec_publish(ch->rec, ch->body, &ch->ver, &fresh, &ch->e) != 0) {
		change_fail(ch);
		return;
	}
	ch->reply = cJSON_GetObjectItemCaseSensitive(ch->ver, "Configuration");
	if (!fresh) {		/* nothing new to publish: the last one */
		change_reply(ch);
		change_free(ch);
		return;
	}
	change_start(ch);
}

void
change_alias(struct control *ctl, struct http_request *req, const char *seg,
    const char *alias)
{
	struct fnspec_name fn;
	const cJSON *rec = change_target(ctl, req, seg, &fn);
	struct change *ch;
	cJSON *a;
	int rc;

	if (rec == NULL || (ch = change_on(ctl, req, rec, fn.name,
	    OP_ALIAS)) == NULL)
		return;
	if (strcmp(req->method, "DELETE") == 0) {
		rc = fnspec_alias_rm(ch->rec, alias, &ch->e);
		/* Its event-invoke and provisioned concurrency configs go
		 * too: not a later alias's. */
		cfgspec_eic_drop(ch->rec, alias);
		pcspec_drop(ch->rec, alias);
	} else if ((rc = fnspec_alias_put(ch->rec, alias, ch->body, &a,
	    &ch->e)) == 0)
		ch->reply = a;
	if (rc != 0) {
		change_fail(ch);
		return;
	}
	/* Its provisioned workers follow it to its new version(s). */
	if (pcspec_apply(ch->rec))
		ch->versions = ch->reload = true;
	ch->status = alias == NULL ? 201 : 200;
	change_start(ch);
}

void
change_concurrency(struct control *ctl, struct http_request *req,
    const char *seg)
{
	struct fnspec_name fn;
	const cJSON *rec = change_target(ctl, req, seg, &fn);
	bool put = strcmp(req->method, "PUT") == 0;
	struct change *ch;

	if (rec == NULL || (ch = change_on(ctl, req, rec, fn.name,
	    OP_CONCURRENCY)) == NULL)
		return;
	if (fnspec_concurrency(ch->rec, put ? ch->body : NULL, &ch->e) != 0 ||
	    (put && pcspec_over_reserved(ch->rec, &ch->e) != 0)) {
		change_fail(ch);
		return;
	}
	ch->reply = put ? cJSON_GetObjectItemCaseSensitive(ch->rec,
	    "Concurrency") : NULL;
	change_start(ch);
}

/* ---- the record alone (tags.c, eic.c), or with its versions ------------- */

void
change_versions(struct control *ctl, struct http_request *req,
    const char *name, cJSON *rec, cJSON *answer, int status)
{
	struct change *ch = change_new(ctl, req, OP_VERSIONS);

	if (ch == NULL) {
		cJSON_Delete(rec);
		cJSON_Delete(answer);
		return;
	}
	snprintf(ch->name, sizeof(ch->name), "%s", name);
	ch->rec = rec;
	ch->answer = answer;
	ch->versions = true;
	ch->status = answer != NULL ? status : 204;
	change_start(ch);
}

void
change_record(struct control *ctl, struct http_request *req, const char *name,
    cJSON *rec, const cJSON *reply, int status)
{
	struct change *ch = change_new(ctl, req, OP_RECORD);

	if (ch == NULL) {
		cJSON_Delete(rec);
		return;
	}
	snprintf(ch->name, sizeof(ch->name), "%s", name);
	ch->rec = rec;
	ch->reply = reply;
	ch->status = status;
	change_start(ch);
}
