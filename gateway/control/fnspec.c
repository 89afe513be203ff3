/*
 * fnspec: checking control-plane requests and shaping function records.
 * See fnspec.h.
 *
 * The checks are Lambda's, in the order its documentation lists the
 * request's members, so that the first error a client sees is the one
 * Lambda would give.  Members lambdad does not act on (VpcConfig,
 * DeadLetterConfig, KMSKeyArn, ...) are accepted and ignored, as a
 * client built for Lambda sends them.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cJSON.h>
#include <openssl/sha.h>

#include "control/cfgspec.h"
#include "control/fnspec.h"
#include "invoke.h"
#include "uuid.h"

#define DESC_MAX	256
#define HANDLER_MAX	128
#define ROLE_MAX	2048

/* Variables Lambda sets itself and does not let a function change. */
static const char *const reserved_env[] = {
	"_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION",
	"AWS_EXECUTION_ENV", "AWS_LAMBDA_FUNCTION_NAME",
	"AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION",
	"AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME",
	"AWS_LAMBDA_LOG_STREAM_NAME", "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID",
	"AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_LAMBDA_RUNTIME_API",
	"LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR", "AWS_LAMBDA_MAX_CONCURRENCY",
	"_LAMBDA_TELEMETRY_LOG_FD", "_LAMBDA_TELEMETRY_LOG_FD_PROVIDER_SOCKET",
};

/* Custom runtimes: the zip's bootstrap is the runtime. */
static const char *const runtimes[] = {
	"provided.al2023", "provided.al2", "provided",
};

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

int
fnspec_fail(struct fnspec_err *e, const char *type, const char *fmt, ...)
{
	va_list ap;

	e->type = type;
	e->status = strcmp(type, "ResourceNotFoundException") == 0 ? 404 :
	    strcmp(type, "ResourceConflictException") == 0 ? 409 :
	    strcmp(type, "PreconditionFailedException") == 0 ? 412 :
	    strcmp(type, "ServiceException") == 0 ? 500 : 400;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

int
fnspec_vfail(struct fnspec_err *e, const char *member, const char *what)
{
	return fnspec_fail(e, "ValidationException", "1 validation error "
	    "detected: Value at '%s' failed to satisfy constraint: %s",
	    member, what);
}

int
fnspec_bad_json(struct fnspec_err *e)
{
	return fnspec_fail(e, "InvalidRequestContentException", "Could not "
	    "parse request body into json");
}

int
fnspec_sys_fail(struct fnspec_err *e, int rc, const char *what)
{
	fnspec_fail(e, "ServiceException", "%s: %s", what, strerror(-rc));
	return rc;
}

int
fnspec_unzip_fail(struct fnspec_err *e, int rc, const char *why, size_t max,
    const char *path)
{
	if (rc == -EINVAL)
		return fnspec_fail(e, "InvalidParameterValueException", "Could "
		    "not unzip uploaded file: %s", why);
	if (rc == -EFBIG)
		return fnspec_fail(e, "InvalidParameterValueException",
		    "Unzipped size must be smaller than %zu bytes", max);
	return rc != 0 ? fnspec_sys_fail(e, rc, path) : 0;
}

void
fnspec_put(cJSON *o, const char *key, cJSON *v)
{
	if (v == NULL)
		abort();	/* as buf.c: out of memory */
	if (cJSON_HasObjectItem(o, key))
		cJSON_ReplaceItemInObjectCaseSensitive(o, key, v);
	else
		cJSON_AddItemToObject(o, key, v);
}

/* ---- names ---------------------------------------------------------------- */

static bool
all_digits(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

int
fnspec_parse_name(const char *s, struct fnspec_name *out)
{
	memset(out, 0, sizeof(*out));
	if (invoke_split_name(s, out->name, out->qual, sizeof(out->qual)) != 0)
		return -EINVAL;
	if (out->qual[0] == '\0')
		out->kind = FNSPEC_UNQUALIFIED;
	else if (strcmp(out->qual, "$LATEST") == 0)
		out->kind = FNSPEC_LATEST;
	else if (all_digits(out->qual))
		out->kind = FNSPEC_VERSION;
	else if (strchr(out->qual, '$') != NULL)
		return -EINVAL;		/* only $LATEST may hold a '$' */
	else
		out->kind = FNSPEC_ALIAS;
	return 0;
}

/* ---- members ---------------------------------------------------------------- */

/* A string member: absent is fine (*out NULL); else 1..max bytes. */
static int
get_str(const cJSON *req, const char *key, const char *member, size_t min,
    size_t max, const char **out, struct fnspec_err *e)
{
	const cJSON *j = cJSON_GetObjectItemCaseSensitive(req, key);
	char what[96];

	*out = NULL;
	if (j == NULL || cJSON_IsNull(j))
		return 0;
	snprintf(what, sizeof(what), "Member must have length between %zu "
	    "and %zu", min, max);
	if (!cJSON_IsString(j) || strlen(j->valuestring) < min ||
	    strlen(j->valuestring) > max)
		return fnspec_vfail(e, member, what);
	*out = j->valuestring;
	return 0;
}

/* An integer member in [min, max]: absent leaves *out as it is. */
static int
get_int(const cJSON *req, const char *key, const char *member, int min,
    int max, int *out, struct fnspec_err *e)
{
	const cJSON *j = cJSON_GetObjectItemCaseSensitive(req, key);
	char what[96];
	double v;

	if (j == NULL || cJSON_IsNull(j))
		return 0;
	v = cJSON_IsNumber(j) ? j->valuedouble : -1e300;
	if (v < min) {
		snprintf(what, sizeof(what), "Member must have value greater "
		    "than or equal to %d", min);
		return fnspec_vfail(e, member, what);
	}
	if (v > max) {
		snprintf(what, sizeof(what), "Member must have value less than "
		    "or equal to %d", max);
		return fnspec_vfail(e, member, what);
	}
	if (v != (int)v)
		return fnspec_vfail(e, member, "Member must be an integer");
	*out = (int)v;
	return 0;
}

static int
check_runtime(const char *rt, struct fnspec_err *e)
{
	size_t i;

	for (i = 0; i < NELEM(runtimes); i++)
		if (strcmp(rt, runtimes[i]) == 0)
			return 0;
	return fnspec_fail(e, "InvalidParameterValueException", "The runtime "
	    "parameter of %s is not supported by lambdad: it runs custom "
	    "runtimes (provided, provided.al2, provided.al2023), whose zip "
	    "holds a bootstrap", rt);
}

/* arn:PARTITION:iam::ACCOUNT:role/NAME, loosely: the role is not used. */
static int
check_role(const char *role, struct fnspec_err *e)
{
	const char *p = strstr(role, ":iam::");

	if (strncmp(role, "arn:", 4) != 0 || p == NULL ||
	    strstr(p, ":role/") == NULL)
		return fnspec_vfail(e, "role", "Member must satisfy regular expression "
		    "pattern: arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?"
		    "[a-zA-Z_0-9+=,.@\\-_/]+");
	return 0;
}

static int
check_handler(const char *h, struct fnspec_err *e)
{
	for (; *h != '\0'; h++)
		if (isspace((unsigned char)*h) || iscntrl((unsigned char)*h))
			return fnspec_vfail(e, "handler", "Member must satisfy regular "
			    "expression pattern: [^\\s]+");
	return 0;
}

static bool
env_name_ok(const char *s)
{
	if (!isalpha((unsigned char)s[0]) || s[1] == '\0')
		return false;
	for (s++; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && *s != '_')
			return false;
	return true;
}

/* Environment: {"Variables": {"K": "V", ...}}. */
static int
check_env(const cJSON *env, struct fnspec_err *e)
{
	const cJSON *vars, *v;
	size_t total = 0, i;

	if (!cJSON_IsObject(env))
		return fnspec_vfail(e, "environment", "Member must be an object");
	vars = cJSON_GetObjectItemCaseSensitive(env, "Variables");
	if (vars == NULL || cJSON_IsNull(vars))
		return 0;
	if (!cJSON_IsObject(vars))
		return fnspec_vfail(e, "environment.variables", "Member must be a map");
	cJSON_ArrayForEach(v, vars) {
		/* Reserved first: "_HANDLER" is refused for what it is. */
		for (i = 0; i < NELEM(reserved_env); i++)
			if (strcmp(v->string, reserved_env[i]) == 0)
				return fnspec_fail(e,
				    "InvalidParameterValueException", "Lambda was "
				    "unable to configure your environment "
				    "variables because the environment variables "
				    "you have provided contains reserved keys that "
				    "are currently not supported for modification. "
				    "Reserved keys used in this request: %s",
				    v->string);
		if (!env_name_ok(v->string))
			return fnspec_vfail(e, "environment.variables", "Map keys must "
			    "satisfy constraint: [Member must satisfy regular "
			    "expression pattern: [a-zA-Z]([a-zA-Z0-9_])+]");
		if (!cJSON_IsString(v))
			return fnspec_vfail(e, "environment.variables", "Map values "
			    "must be strings");
		total += strlen(v->string) + strlen(v->valuestring);
	}
	if (total > FNSPEC_ENV_MAX)
		return fnspec_fail(e, "InvalidParameterValueException", "Lambda "
		    "was unable to configure your environment variables because "
		    "the environment variables you have provided exceeded the "
		    "4KB limit. String measured: %zu bytes", total);
	return 0;
}

static int
check_arch(const cJSON *a, struct fnspec_err *e)
{
	const cJSON *v;

	if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) != 1 ||
	    !cJSON_IsString(v = cJSON_GetArrayItem(a, 0)) ||
	    (strcmp(v->valuestring, "x86_64") != 0 &&
	    strcmp(v->valuestring, "arm64") != 0))
		return fnspec_vfail(e, "architectures", "Member must have length less "
		    "than or equal to 1, and each member must be x86_64 or "
		    "arm64");
	if (strcmp(v->valuestring, FNSPEC_ARCH) != 0)
		return fnspec_fail(e, "InvalidParameterValueException", "This "
		    "lambdad runs on %s: a function built for %s cannot run "
		    "here", FNSPEC_ARCH, v->valuestring);
	return 0;
}

static int
check_tags(const cJSON *t, struct fnspec_err *e)
{
	const cJSON *v;

	if (!cJSON_IsObject(t))
		return fnspec_vfail(e, "tags", "Member must be a map");
	cJSON_ArrayForEach(v, t)
		if (!cJSON_IsString(v))
			return fnspec_vfail(e, "tags", "Map values must be strings");
	/* Lambda's limits, as TagResource checks them (cfgspec.h). */
	return cfgspec_tags_check(NULL, t, e);
}

/* Image functions are not lambdad's; say so rather than ignore.  (Layers
 * are layers.c's.) */
static int
check_unsupported(const cJSON *req, struct fnspec_err *e)
{
	const cJSON *pt = cJSON_GetObjectItemCaseSensitive(req, "PackageType");

	if (cJSON_IsString(pt) && strcmp(pt->valuestring, "Zip") != 0)
		return fnspec_fail(e, "InvalidParameterValueException",
		    "lambdad runs Zip functions only, not PackageType %s",
		    pt->valuestring);
	return 0;
}

/* Code: {"ZipFile": base64}; S3 and images are not lambdad's. */
static int
get_zip(const cJSON *code, const char **zip64, struct fnspec_err *e)
{
	const cJSON *z = cJSON_GetObjectItemCaseSensitive(code, "ZipFile");

	if (cJSON_GetObjectItemCaseSensitive(code, "S3Bucket") != NULL ||
	    cJSON_GetObjectItemCaseSensitive(code, "ImageUri") != NULL)
		return fnspec_fail(e, "InvalidParameterValueException",
		    "lambdad takes code as ZipFile only (no S3 or images)");
	if (!cJSON_IsString(z) || z->valuestring[0] == '\0')
		return fnspec_fail(e, "InvalidParameterValueException",
		    "Please provide a source for function code.");
	*zip64 = z->valuestring;
	return 0;
}

/* ---- records ------------------------------------------------------------- */

static void
set_str(cJSON *o, const char *key, const char *v)
{
	fnspec_put(o, key, cJSON_CreateString(v));
}

static void
set_num(cJSON *o, const char *key, double v)
{
	fnspec_put(o, key, cJSON_CreateNumber(v));
}

static void
set_item(cJSON *o, const char *key, const cJSON *v)
{
	fnspec_put(o, key, cJSON_Duplicate(v, 1));
}

static cJSON *
new_config(const char *name)
{
	char arn[sizeof(FNSPEC_ARN_PREFIX) + 64];
	cJSON *c = cJSON_CreateObject();

	if (c == NULL)
		abort();
	snprintf(arn, sizeof(arn), FNSPEC_ARN_PREFIX "%s", name);
	set_str(c, "FunctionName", name);
	set_str(c, "FunctionArn", arn);
	set_str(c, "Runtime", "provided.al2023");
	set_str(c, "Role", "");
	set_str(c, "Handler", "bootstrap");
	set_num(c, "CodeSize", 0);
	set_str(c, "Description", "");
	set_num(c, "Timeout", 3);
	set_num(c, "MemorySize", 128);
	set_str(c, "LastModified", "");
	set_str(c, "CodeSha256", "");
	set_str(c, "Version", "$LATEST");
	cJSON_AddItemToObject(c, "TracingConfig",
	    cJSON_Parse("{\"Mode\":\"PassThrough\"}"));
	set_str(c, "RevisionId", "");
	set_str(c, "State", "Active");
	set_str(c, "LastUpdateStatus", "Successful");
	set_str(c, "PackageType", "Zip");
	cJSON_AddItemToObject(c, "Architectures",
	    cJSON_Parse("[\"" FNSPEC_ARCH "\"]"));
	cJSON_AddItemToObject(c, "EphemeralStorage",
	    cJSON_Parse("{\"Size\":512}"));
	return c;
}

/*
 * The members CreateFunction and UpdateFunctionConfiguration share, checked
 * and copied onto cfg.
 */
static int
apply_config(cJSON *cfg, const cJSON *req, struct fnspec_err *e)
{
	const char *s;
	const cJSON *j;
	int n;

	if (get_str(req, "Role", "role", 1, ROLE_MAX, &s, e) != 0 ||
	    (s != NULL && check_role(s, e) != 0))
		return -EINVAL;
	if (s != NULL)
		set_str(cfg, "Role", s);
	if (get_str(req, "Runtime", "runtime", 1, 64, &s, e) != 0 ||
	    (s != NULL && check_runtime(s, e) != 0))
		return -EINVAL;
	if (s != NULL)
		set_str(cfg, "Runtime", s);
	if (get_str(req, "Handler", "handler", 0, HANDLER_MAX, &s, e) != 0 ||
	    (s != NULL && check_handler(s, e) != 0))
		return -EINVAL;
	if (s != NULL)
		set_str(cfg, "Handler", s);
	if (get_str(req, "Description", "description", 0, DESC_MAX, &s, e) != 0)
		return -EINVAL;
	if (s != NULL)
		set_str(cfg, "Description", s);
	n = cJSON_GetObjectItemCaseSensitive(cfg, "Timeout")->valueint;
	if (get_int(req, "Timeout", "timeout", 1, 900, &n, e) != 0)
		return -EINVAL;
	set_num(cfg, "Timeout", n);
	n = cJSON_GetObjectItemCaseSensitive(cfg, "MemorySize")->valueint;
	if (get_int(req, "MemorySize", "memorySize", 128, 10240, &n, e) != 0)
		return -EINVAL;
	set_num(cfg, "MemorySize", n);
	if ((j = cJSON_GetObjectItemCaseSensitive(req, "Environment")) != NULL &&
	    !cJSON_IsNull(j)) {
		if (check_env(j, e) != 0)
			return -EINVAL;
		/* Lambda answers {"Variables":{...}} only when there are some. */
		cJSON_DeleteItemFromObjectCaseSensitive(cfg, "Environment");
		j = cJSON_GetObjectItemCaseSensitive(j, "Variables");
		if (cJSON_GetArraySize(j) > 0) {
			cJSON *env = cJSON_CreateObject();

			cJSON_AddItemToObject(env, "Variables",
			    cJSON_Duplicate(j, 1));
			cJSON_AddItemToObject(cfg, "Environment", env);
		}
	}
	return check_unsupported(req, e);
}

int
fnspec_create(const cJSON *req, cJSON **rec, const char **zip64,
    struct fnspec_err *e)
{
	const cJSON *j, *code;
	struct fnspec_name fn;
	cJSON *cfg = NULL, *r;

	*rec = NULL;
	if (!cJSON_IsObject(req))
		return fnspec_bad_json(e);
	j = cJSON_GetObjectItemCaseSensitive(req, "FunctionName");
	if (!cJSON_IsString(j) || fnspec_parse_name(j->valuestring, &fn) != 0 ||
	    fn.kind != FNSPEC_UNQUALIFIED)
		return fnspec_vfail(e, "functionName", "Member must satisfy regular "
		    "expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}"
		    "(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?"
		    "([a-zA-Z0-9-_]+)");
	if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(req, "Role")))
		return fnspec_vfail(e, "role", "Member must not be null");
	if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(req, "Runtime")))
		return fnspec_fail(e, "InvalidParameterValueException", "The "
		    "Runtime parameter is required for a Zip function");
	cfg = new_config(fn.name);
	if (apply_config(cfg, req, e) != 0)
		goto fail;
	if ((j = cJSON_GetObjectItemCaseSensitive(req, "Architectures")) != NULL &&
	    !cJSON_IsNull(j) && check_arch(j, e) != 0)
		goto fail;
	if ((j = cJSON_GetObjectItemCaseSensitive(req, "Tags")) != NULL &&
	    !cJSON_IsNull(j) && check_tags(j, e) != 0)
		goto fail;
	code = cJSON_GetObjectItemCaseSensitive(req, "Code");
	if (!cJSON_IsObject(code)) {
		fnspec_vfail(e, "code", "Member must not be null");
		goto fail;
	}
	if (get_zip(code, zip64, e) != 0)
		goto fail;
	if ((r = cJSON_CreateObject()) == NULL)
		abort();
	cJSON_AddItemToObject(r, "Configuration", cfg);
	if (cJSON_IsObject(j))
		set_item(r, "Tags", j);
	else
		cJSON_AddItemToObject(r, "Tags", cJSON_CreateObject());
	*rec = r;
	return 0;
fail:
	cJSON_Delete(cfg);
	return -EINVAL;
}

int
fnspec_revision_ok(const cJSON *rec, const cJSON *req, struct fnspec_err *e)
{
	const cJSON *want = cJSON_GetObjectItemCaseSensitive(req, "RevisionId");
	const cJSON *cfg = cJSON_GetObjectItemCaseSensitive(rec,
	    "Configuration");
	const cJSON *have = cJSON_GetObjectItemCaseSensitive(cfg, "RevisionId");

	if (want == NULL || cJSON_IsNull(want))
		return 0;
	if (cJSON_IsString(want) && cJSON_IsString(have) &&
	    strcmp(want->valuestring, have->valuestring) == 0)
		return 0;
	return fnspec_fail(e, "PreconditionFailedException", "The Revision Id "
	    "provided does not match the latest Revision Id. Call the "
	    "GetFunction/GetAlias API to retrieve the latest Revision Id");
}

int
fnspec_update(const cJSON *rec, const cJSON *req, cJSON **out,
    struct fnspec_err *e)
{
	cJSON *r, *cfg;

	*out = NULL;
	if (!cJSON_IsObject(req))
		return fnspec_bad_json(e);
	if (fnspec_revision_ok(rec, req, e) != 0)
		return -EINVAL;
	if ((r = cJSON_Duplicate(rec, 1)) == NULL)
		abort();
	cfg = cJSON_GetObjectItemCaseSensitive(r, "Configuration");
	if (apply_config(cfg, req, e) != 0) {
		cJSON_Delete(r);
		return -EINVAL;
	}
	*out = r;
	return 0;
}

int
fnspec_code_req(const cJSON *rec, const cJSON *req, const char **zip64,
    bool *dry_run, bool *publish, struct fnspec_err *e)
{
	const cJSON *j;

	if (!cJSON_IsObject(req))
		return fnspec_bad_json(e);
	if (fnspec_revision_ok(rec, req, e) != 0 ||
	    ((j = cJSON_GetObjectItemCaseSensitive(req, "Architectures")) !=
	    NULL && !cJSON_IsNull(j) && check_arch(j, e) != 0))
		return -EINVAL;
	*dry_run = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(req, "DryRun"));
	*publish = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(req,
	    "Publish"));
	return get_zip(req, zip64, e);
}

void
fnspec_put_code(cJSON *o, const void *zip, size_t len)
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	struct buf b;

	SHA256(zip, len, md);
	buf_init(&b);
	buf_base64(&b, md, sizeof(md));
	buf_addc(&b, '\0');
	set_str(o, "CodeSha256", b.data);
	set_num(o, "CodeSize", (double)len);
	buf_free(&b);
}

void
fnspec_set_code(cJSON *rec, const void *zip, size_t len)
{
	fnspec_put_code(cJSON_GetObjectItemCaseSensitive(rec, "Configuration"),
	    zip, len);
}

void
fnspec_now(char *when, size_t size)
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	snprintf(when, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03ld+0000",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
	    tm.tm_sec, ts.tv_nsec / 1000000);
}

void
fnspec_touch(cJSON *rec)
{
	cJSON *cfg = cJSON_GetObjectItemCaseSensitive(rec, "Configuration");
	char id[37], when[96];

	uuid_random(id);
	set_str(cfg, "RevisionId", id);
	fnspec_now(when, sizeof(when));
	set_str(cfg, "LastModified", when);
}

const char *
fnspec_rec_name(const cJSON *rec)
{
	const cJSON *cfg = cJSON_GetObjectItemCaseSensitive(rec, "Configuration");
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(cfg, "FunctionName");

	return cJSON_IsString(n) ? n->valuestring : "";
}

size_t
fnspec_rec_code_size(const cJSON *rec)
{
	const cJSON *cfg = cJSON_GetObjectItemCaseSensitive(rec, "Configuration");
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(cfg, "CodeSize");

	return cJSON_IsNumber(n) && n->valuedouble > 0 ? (size_t)n->valuedouble :
	    0;
}

/* ---- the drop-in ------------------------------------------------------------ */

/* Whether v can be the value of an INI line (see deploy.c's rules). */
static bool
line_safe(const char *v)
{
	const char *s;

	for (s = v; *s != '\0'; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
		if ((*s == ';' || *s == '#') && s > v &&
		    (s[-1] == ' ' || s[-1] == '\t'))
			return false;
	}
	return !(s > v && (v[0] == ' ' || s[-1] == ' '));
}

int
fnspec_dropin(const cJSON *rec, const char *section, const char *bootstrap,
    struct buf *out, struct fnspec_err *e)
{
	const cJSON *cfg = cJSON_GetObjectItemCaseSensitive(rec, "Configuration");
	const cJSON *env, *v;
	const cJSON *opt = cJSON_GetObjectItemCaseSensitive(rec, "Opt");
	const char *name = fnspec_rec_name(rec);
	const char *h = cJSON_GetObjectItemCaseSensitive(cfg,
	    "Handler")->valuestring;

	env = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(
	    cfg, "Environment"), "Variables");
	cJSON_ArrayForEach(v, env)
		if (!cJSON_IsString(v) || !line_safe(v->valuestring))
			return fnspec_fail(e, "InvalidParameterValueException",
			    "The value of %s cannot be kept by lambdad: no "
			    "control characters, no \" ;\" or \" #\", and no "
			    "blanks at either end", v->string);
	if (cJSON_IsString(opt) && !line_safe(opt->valuestring))
		return fnspec_fail(e, "ServiceException", "state_dir's path (%s) "
		    "cannot be written on one line of a drop-in", opt->valuestring);
	buf_printf(out, "; Written by lambdad's control plane (function %s); "
	    "DeleteFunction removes it.\n[function %s]\nbootstrap = %s\n"
	    "memory = %d\ntimeout = %d\n", name, section, bootstrap,
	    cJSON_GetObjectItemCaseSensitive(cfg, "MemorySize")->valueint,
	    cJSON_GetObjectItemCaseSensitive(cfg, "Timeout")->valueint);
	/* Layers: on /opt.  What they bring is a runtime, run by a script or
	 * an interpreter more often than not: exec and fork allowed. */
	if (cJSON_IsString(opt))
		buf_printf(out, "opt = %s\nseccomp = exec\n", opt->valuestring);
	/* Reserved concurrency: that many workers, and 429 past them. */
	v = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(
	    rec, "Concurrency"), "ReservedConcurrentExecutions");
	if (cJSON_IsNumber(v) && v->valueint >= 1)
		buf_printf(out, "max_workers = %d\nqueue_depth = 0\n",
		    v->valueint);
	/* Provisioned concurrency (a version's, pcspec.h): that many
	 * workers started and kept, and the default 4 on demand beyond. */
	v = cJSON_GetObjectItemCaseSensitive(rec, "ProvisionedIdle");
	if (cJSON_IsNumber(v) && v->valueint >= 1)
		buf_printf(out, "min_idle = %d\nmax_workers = %d\n",
		    v->valueint, v->valueint + 4 < FNSPEC_RESERVED_MAX ?
		    v->valueint + 4 : FNSPEC_RESERVED_MAX);
	if (h != NULL && h[0] != '\0')
		buf_printf(out, "env = _HANDLER=%s\n", h);
	cJSON_ArrayForEach(v, env)
		buf_printf(out, "env = %s=%s\n", v->string, v->valuestring);
	return 0;
}

int
fnspec_concurrency(cJSON *rec, const cJSON *req, struct fnspec_err *e)
{
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(req,
	    "ReservedConcurrentExecutions");
	cJSON *c;

	cJSON_DeleteItemFromObjectCaseSensitive(rec, "Concurrency");
	if (req == NULL)
		return 0;
	if (!cJSON_IsNumber(n) || n->valuedouble != (int)n->valuedouble ||
	    n->valuedouble < 0)
		return fnspec_vfail(e, "reservedConcurrentExecutions", "Member must "
		    "have value greater than or equal to 0");
	if (n->valueint < 1 || n->valueint > FNSPEC_RESERVED_MAX)
		return fnspec_fail(e, "InvalidParameterValueException",
		    "lambdad reserves 1 to %d workers for a function, not %d",
		    FNSPEC_RESERVED_MAX, n->valueint);
	if ((c = cJSON_AddObjectToObject(rec, "Concurrency")) == NULL ||
	    cJSON_AddNumberToObject(c, "ReservedConcurrentExecutions",
	    n->valueint) == NULL)
		abort();	/* as buf.c: out of memory */
	return 0;
}
