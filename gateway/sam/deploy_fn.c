/*
 * sam/deploy_fn: an AWS::Serverless::Function onto lambdad (deploy.h):
 * CreateFunction when it is new; else UpdateFunctionCode when CodeSha256
 * differs and UpdateFunctionConfiguration when the configuration does;
 * then reserved concurrency, and AutoPublishAlias as SAM does it --
 * PublishVersion (which gives the last version back when nothing changed)
 * and the alias created or moved to it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sam/deploy.h"
#include "sam/pack.h"

static const char *const fn_known[] = {
	"CodeUri", "Handler", "Runtime", "Environment", "MemorySize",
	"Timeout", "Layers", "ReservedConcurrentExecutions", "AutoPublishAlias",
	"FunctionName", "Description", "Architectures", "Events", "Role", NULL,
};

#define FN_TYPE	"AWS::Serverless::Function"

struct fn {
	char	 name[256];
	char	 path[512];		/* /2015-03-31/functions/NAME */
	char	 code[576], conf[576];	/* ... /code, /configuration */
	cJSON	*cfg;			/* the configuration the template wants */
	char	 changes[512];		/* "code, configuration, ..." */
};

static void
fn_change(struct fn *f, const char *what)
{
	size_t n = strlen(f->changes);

	snprintf(f->changes + n, sizeof(f->changes) - n, "%s%s", n ? ", " : "",
	    what);
}

static int
fn_fail(struct sam_deploy *d, const char *id, const char *what,
    const struct sam_reply *r)
{
	char buf[sizeof(d->err)];

	if (r != NULL)
		sam_reply_error(r, buf, sizeof(buf));
	else
		snprintf(buf, sizeof(buf), "%s", d->err);
	return sam_fail(d, "%s (" FN_TYPE "): %s: %s", id, what, buf);
}

/* Environment.Variables with every value as a string. */
static cJSON *
fn_env(const cJSON *props)
{
	const cJSON *vars = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(props, "Environment"), "Variables");
	cJSON *o = cJSON_CreateObject(), *v;
	char buf[64];

	cJSON_ArrayForEach(v, vars) {
		const char *s = sam_scalar_text(v, buf, sizeof(buf));

		cJSON_AddStringToObject(o, v->string, s != NULL ? s : "");
	}
	return o;
}

/* The configuration from the template's properties, into f->cfg. */
static int
fn_config(struct sam_deploy *d, const char *id, const cJSON *props,
    struct fn *f)
{
	const char *rt, *s;
	char buf[512], role[512];
	cJSON *env, *layers, *l;
	long mem, to;

	rt = sam_prop_str(props, "Runtime", "", buf, sizeof(buf));
	if (strncmp(rt, "provided", 8) != 0) {
		return sam_fail(d, "%s (" FN_TYPE "): Runtime \"%s\": lambdad "
		    "runs provided.* custom runtimes only", id, rt);
	}
	if (sam_prop_int(d, props, "MemorySize", 128, &mem) != 0 ||
	    sam_prop_int(d, props, "Timeout", 3, &to) != 0)
		return -1;
	f->cfg = cJSON_CreateObject();
	cJSON_AddStringToObject(f->cfg, "Runtime", rt);
	cJSON_AddStringToObject(f->cfg, "Handler",
	    sam_prop_str(props, "Handler", "bootstrap", buf, sizeof(buf)));
	snprintf(role, sizeof(role), "arn:aws:iam::" SAM_ACCOUNT ":role/%s",
	    f->name);
	cJSON_AddStringToObject(f->cfg, "Role",
	    sam_prop_str(props, "Role", role, buf, sizeof(buf)));
	cJSON_AddNumberToObject(f->cfg, "MemorySize", (double)mem);
	cJSON_AddNumberToObject(f->cfg, "Timeout", (double)to);
	cJSON_AddStringToObject(f->cfg, "Description",
	    sam_prop_str(props, "Description", "", buf, sizeof(buf)));
	env = cJSON_AddObjectToObject(f->cfg, "Environment");
	cJSON_AddItemToObject(env, "Variables", fn_env(props));
	layers = cJSON_AddArrayToObject(f->cfg, "Layers");
	cJSON_ArrayForEach(l, cJSON_GetObjectItemCaseSensitive(props, "Layers"))
		if ((s = sam_scalar_text(l, buf, sizeof(buf))) != NULL)
			cJSON_AddItemToArray(layers, cJSON_CreateString(s));
	return 0;
}

static const char *
str_of(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(v) ? v->valuestring : "";
}

/* Does the daemon's configuration cur differ from f->cfg? */
static int
fn_cfg_differs(const struct fn *f, const cJSON *cur)
{
	static const char *const strs[] = { "Runtime", "Handler", "Description" };
	const cJSON *want_env, *cur_env, *want_l, *cur_l, *a, *b;
	cJSON *empty = cJSON_CreateObject();
	size_t i;
	int differs = 0;

	for (i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		differs |= strcmp(str_of(f->cfg, strs[i]), str_of(cur, strs[i])) != 0;
	differs |= cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(f->cfg,
	    "MemorySize")) != cJSON_GetNumberValue(
	    cJSON_GetObjectItemCaseSensitive(cur, "MemorySize"));
	differs |= cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(f->cfg,
	    "Timeout")) != cJSON_GetNumberValue(
	    cJSON_GetObjectItemCaseSensitive(cur, "Timeout"));
	want_env = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(
	    f->cfg, "Environment"), "Variables");
	cur_env = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(
	    cur, "Environment"), "Variables");
	differs |= !cJSON_Compare(want_env, cur_env != NULL ? cur_env : empty, 1);
	want_l = cJSON_GetObjectItemCaseSensitive(f->cfg, "Layers");
	cur_l = cJSON_GetObjectItemCaseSensitive(cur, "Layers");
	differs |= cJSON_GetArraySize(want_l) != cJSON_GetArraySize(cur_l);
	for (a = want_l ? want_l->child : NULL, b = cur_l ? cur_l->child : NULL;
	    a != NULL && b != NULL; a = a->next, b = b->next)
		differs |= strcmp(a->valuestring, str_of(b, "Arn")) != 0;
	cJSON_Delete(empty);
	return differs;
}

static int
fn_create(struct sam_deploy *d, const char *id, struct fn *f,
    const struct sam_pack *pk, const cJSON *props)
{
	cJSON *body = cJSON_Duplicate(f->cfg, 1), *code, *arch;
	struct sam_reply r;
	int rc;

	cJSON_AddStringToObject(body, "FunctionName", f->name);
	code = cJSON_AddObjectToObject(body, "Code");
	cJSON_AddItemToObject(code, "ZipFile", cJSON_CreateString(""));
	free(code->child->valuestring);
	code->child->valuestring = sam_pack_base64(pk);
	if ((arch = cJSON_GetObjectItemCaseSensitive(props, "Architectures")))
		cJSON_AddItemToObject(body, "Architectures", cJSON_Duplicate(arch, 1));
	rc = sam_lambda(d, "POST", "/2015-03-31/functions", body, &r);
	cJSON_Delete(body);
	if (rc != 0)
		return fn_fail(d, id, "CreateFunction", NULL);
	if (r.status != 201 && r.status != 200) {
		fn_fail(d, id, "CreateFunction", &r);
		sam_reply_clear(&r);
		return -1;
	}
	sam_reply_clear(&r);
	return 0;
}

/* One call that must succeed; what it did goes into f->changes. */
static int
fn_call(struct sam_deploy *d, const char *id, struct fn *f, const char *op,
    const char *method, const char *path, const cJSON *body,
    const char *change)
{
	struct sam_reply r;

	if (sam_lambda(d, method, path, body, &r) != 0)
		return fn_fail(d, id, op, NULL);
	if (r.status < 200 || r.status >= 300) {
		fn_fail(d, id, op, &r);
		sam_reply_clear(&r);
		return -1;
	}
	sam_reply_clear(&r);
	if (change != NULL)
		fn_change(f, change);
	return 0;
}

static int
fn_update(struct sam_deploy *d, const char *id, struct fn *f,
    const struct sam_pack *pk, const cJSON *cur)
{
	cJSON *code;
	int rc = 0;

	if (strcmp(str_of(cur, "CodeSha256"), pk->sha256) != 0) {
		code = cJSON_CreateObject();
		cJSON_AddItemToObject(code, "ZipFile", cJSON_CreateString(""));
		free(code->child->valuestring);
		code->child->valuestring = sam_pack_base64(pk);
		rc = fn_call(d, id, f, "UpdateFunctionCode", "PUT", f->code,
		    code, "code");
		cJSON_Delete(code);
	}
	if (rc == 0 && fn_cfg_differs(f, cur))
		rc = fn_call(d, id, f, "UpdateFunctionConfiguration", "PUT",
		    f->conf, f->cfg, "configuration");
	return rc;
}

/* ReservedConcurrentExecutions: put when it differs, deleted when gone. */
static int
fn_concurrency(struct sam_deploy *d, const char *id, struct fn *f,
    const cJSON *props, const cJSON *got)
{
	const cJSON *cur = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(got, "Concurrency"),
	    "ReservedConcurrentExecutions");
	char path[640];
	cJSON *body;
	long want;
	int rc;

	snprintf(path, sizeof(path), "/2017-10-31/functions/%s/concurrency",
	    f->name);
	if (cJSON_GetObjectItemCaseSensitive(props,
	    "ReservedConcurrentExecutions") == NULL) {
		if (!cJSON_IsNumber(cur))
			return 0;
		return fn_call(d, id, f, "DeleteFunctionConcurrency", "DELETE",
		    path, NULL, "reserved concurrency");
	}
	if (sam_prop_int(d, props, "ReservedConcurrentExecutions", 0, &want) != 0)
		return -1;
	if (cJSON_IsNumber(cur) && (long)cur->valuedouble == want)
		return 0;
	body = cJSON_CreateObject();
	cJSON_AddNumberToObject(body, "ReservedConcurrentExecutions", (double)want);
	rc = fn_call(d, id, f, "PutFunctionConcurrency", "PUT", path, body,
	    "reserved concurrency");
	cJSON_Delete(body);
	return rc;
}

/* AutoPublishAlias: publish (the last version back if nothing changed),
 * then the alias made, or moved to that version. */
static int
fn_alias(struct sam_deploy *d, const char *id, struct fn *f, const char *alias)
{
	char path[640], ver[32], what[128];
	struct sam_reply r;
	cJSON *body;
	const cJSON *cur;
	int rc;

	snprintf(path, sizeof(path), "%s/versions", f->path);
	if (sam_lambda(d, "POST", path, NULL, &r) != 0)
		return fn_fail(d, id, "PublishVersion", NULL);
	if (r.status < 200 || r.status >= 300) {
		fn_fail(d, id, "PublishVersion", &r);
		sam_reply_clear(&r);
		return -1;
	}
	snprintf(ver, sizeof(ver), "%s", str_of(r.json, "Version"));
	sam_reply_clear(&r);
	snprintf(path, sizeof(path), "%s/aliases/%s", f->path, alias);
	if (sam_lambda(d, "GET", path, NULL, &r) != 0)
		return fn_fail(d, id, "GetAlias", NULL);
	cur = cJSON_GetObjectItemCaseSensitive(r.json, "FunctionVersion");
	if (r.status == 200 && cJSON_IsString(cur) &&
	    strcmp(cur->valuestring, ver) == 0) {
		sam_reply_clear(&r);
		return 0;
	}
	body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "FunctionVersion", ver);
	snprintf(what, sizeof(what), "alias %s -> %s", alias, ver);
	if (r.status == 404) {
		cJSON_AddStringToObject(body, "Name", alias);
		snprintf(path, sizeof(path), "%s/aliases", f->path);
		rc = fn_call(d, id, f, "CreateAlias", "POST", path, body, what);
	} else
		rc = fn_call(d, id, f, "UpdateAlias", "PUT", path, body, what);
	sam_reply_clear(&r);
	cJSON_Delete(body);
	return rc;
}

static void
fn_events(struct sam_deploy *d, const char *id, const cJSON *props)
{
	const cJSON *e;
	char name[512], type[160];

	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(props, "Events")) {
		const cJSON *ty = cJSON_GetObjectItemCaseSensitive(e, "Type");

		snprintf(name, sizeof(name), "%s.Events.%s", id, e->string);
		snprintf(type, sizeof(type), "%s event",
		    cJSON_IsString(ty) ? ty->valuestring : "untyped");
		sam_skip(d, name, type, "lambdad does not make event sources "
		    "from templates; route it in lambdad's config");
	}
}

/* Everything but the output; the function's current state is got. */
static int
fn_apply(struct sam_deploy *d, const char *id, struct fn *f,
    const cJSON *props, int *created)
{
	const char *uri;
	char buf[512], alias[128];
	struct sam_pack pk;
	struct sam_reply r;
	int rc;

	if ((uri = sam_prop_str(props, "CodeUri", NULL, buf, sizeof(buf))) == NULL) {
		return sam_fail(d, "%s (" FN_TYPE "): CodeUri must name a folder "
		    "or a .zip file (not S3, nor InlineCode or an image)", id);
	}
	if (sam_pack_load(d->dir, uri, &pk, d->err, sizeof(d->err)) != 0)
		return fn_fail(d, id, "CodeUri", NULL);
	if (sam_lambda(d, "GET", f->path, NULL, &r) != 0) {
		sam_pack_clear(&pk);
		return fn_fail(d, id, "GetFunction", NULL);
	}
	if (r.status == 404) {
		*created = 1;
		rc = fn_create(d, id, f, &pk, props);
	} else if (r.status != 200)
		rc = fn_fail(d, id, "GetFunction", &r);
	else
		rc = fn_update(d, id, f, &pk,
		    cJSON_GetObjectItemCaseSensitive(r.json, "Configuration"));
	sam_pack_clear(&pk);
	if (rc == 0)
		rc = fn_concurrency(d, id, f, props, r.json);
	sam_reply_clear(&r);
	if (rc == 0 && sam_prop_str(props, "AutoPublishAlias", NULL, alias,
	    sizeof(alias)) != NULL)
		rc = fn_alias(d, id, f, sam_prop_str(props, "AutoPublishAlias",
		    NULL, alias, sizeof(alias)));
	return rc;
}

int
sam_deploy_function(struct sam_deploy *d, const char *id, const cJSON *res)
{
	cJSON *props = sam_tpl_resolve(d->t, cJSON_GetObjectItemCaseSensitive(res,
	    "Properties"));
	struct fn f;
	int rc, created = 0;

	memset(&f, 0, sizeof(f));
	if (props == NULL) {
		return sam_fail(d, "%s (" FN_TYPE "): %s", id,
		    sam_tpl_error(d->t));
	}
	sam_prop_str(props, "FunctionName", id, f.name, sizeof(f.name));
	snprintf(f.path, sizeof(f.path), "/2015-03-31/functions/%s", f.name);
	snprintf(f.code, sizeof(f.code), "%s/code", f.path);
	snprintf(f.conf, sizeof(f.conf), "%s/configuration", f.path);
	if ((rc = fn_config(d, id, props, &f)) == 0 &&
	    (rc = fn_apply(d, id, &f, props, &created)) == 0) {
		sam_skip_unknown(d, id, props, fn_known);
		fn_events(d, id, props);
		sam_say(d, created ? "created" : f.changes[0] ? "updated" :
		    "unchanged", id, FN_TYPE, created ? f.name : f.changes);
	}
	cJSON_Delete(f.cfg);
	cJSON_Delete(props);
	return rc;
}
