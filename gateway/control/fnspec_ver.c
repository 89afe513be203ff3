/*
 * fnspec_ver: published versions and aliases in a function's record.
 * See fnspec.h.
 *
 * In the record:
 *   "Versions":    [{"Configuration": {..., "Version": "N"},
 *                    "Bootstrap": ..., "From": RevisionId of $LATEST}]
 *   "NextVersion": N, never reused, as Lambda's
 *   "Aliases":     [AliasConfiguration, as GetAlias gives it]
 * A version is a frozen copy: its code directory is the one $LATEST ran
 * when it was published, and a new UpdateFunctionCode unpacks elsewhere.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "control/fnspec.h"
#include "uuid.h"

#define ALIAS_MAX	128
#define DESC_MAX	256

static cJSON *
get(const cJSON *o, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(o, key);
}

/* o[key] as an array, made if missing. */
static cJSON *
array_of(cJSON *o, const char *key)
{
	cJSON *a = get(o, key);

	if (a == NULL && (a = cJSON_AddArrayToObject(o, key)) == NULL)
		abort();	/* as buf.c: out of memory */
	return a;
}

static const char *
str(const cJSON *o, const char *key)
{
	const cJSON *v = get(o, key);

	return cJSON_IsString(v) ? v->valuestring : "";
}

cJSON *
fnspec_version(const cJSON *rec, const char *n)
{
	cJSON *v;

	cJSON_ArrayForEach(v, get(rec, "Versions"))
		if (strcmp(str(get(v, "Configuration"), "Version"), n) == 0)
			return v;
	return NULL;
}

cJSON *
fnspec_alias_get(const cJSON *rec, const char *name)
{
	cJSON *a;

	cJSON_ArrayForEach(a, get(rec, "Aliases"))
		if (strcmp(str(a, "Name"), name) == 0)
			return a;
	return NULL;
}

static int
not_found(struct fnspec_err *e, const cJSON *rec, const char *q)
{
	return fnspec_fail(e, "ResourceNotFoundException", "Function not "
	    "found: " FNSPEC_ARN_PREFIX "%s:%s", fnspec_rec_name(rec), q);
}

int
fnspec_publish(cJSON *rec, const cJSON *req, cJSON **ver, bool *fresh,
    struct fnspec_err *e)
{
	cJSON *cfg = get(rec, "Configuration"), *vers = array_of(rec, "Versions");
	cJSON *last = cJSON_GetArrayItem(vers, cJSON_GetArraySize(vers) - 1);
	const cJSON *next = get(rec, "NextVersion"), *j;
	char num[16], arn[sizeof(FNSPEC_ARN_PREFIX) + 96];
	cJSON *v, *vc;
	int n;

	*ver = NULL;
	*fresh = false;
	if ((j = get(req, "CodeSha256")) != NULL && cJSON_IsString(j) &&
	    strcmp(j->valuestring, str(cfg, "CodeSha256")) != 0)
		return fnspec_fail(e, "InvalidParameterValueException",
		    "CodeSHA256 (%s) is different from current CodeSHA256 in "
		    "$LATEST (%s). Please try again with the CodeSHA256 in "
		    "$LATEST.", j->valuestring, str(cfg, "CodeSha256"));
	if (req != NULL && fnspec_revision_ok(rec, req, e) != 0)
		return -EINVAL;
	/* Nothing changed since the last version: that one, as Lambda. */
	if (last != NULL && strcmp(str(last, "From"), str(cfg,
	    "RevisionId")) == 0) {
		*ver = last;
		return 0;
	}
	if ((j = get(req, "Description")) != NULL && (!cJSON_IsString(j) ||
	    strlen(j->valuestring) > DESC_MAX))
		return fnspec_fail(e, "ValidationException", "1 validation error "
		    "detected: Value at 'description' failed to satisfy "
		    "constraint: Member must have length less than or equal to "
		    "256");
	n = cJSON_IsNumber(next) ? next->valueint : 1;
	snprintf(num, sizeof(num), "%d", n);
	snprintf(arn, sizeof(arn), FNSPEC_ARN_PREFIX "%s:%d",
	    fnspec_rec_name(rec), n);
	if ((v = cJSON_CreateObject()) == NULL ||
	    (vc = cJSON_Duplicate(cfg, 1)) == NULL)
		abort();
	fnspec_put(vc, "Version", cJSON_CreateString(num));
	fnspec_put(vc, "FunctionArn", cJSON_CreateString(arn));
	if (cJSON_IsString(j))
		fnspec_put(vc, "Description", cJSON_CreateString(j->valuestring));
	cJSON_AddItemToObject(v, "Configuration", vc);
	fnspec_put(v, "Bootstrap", cJSON_CreateString(str(rec, "Bootstrap")));
	if (cJSON_IsString(get(rec, "Opt")))	/* the layers, frozen too */
		fnspec_put(v, "Opt", cJSON_CreateString(str(rec, "Opt")));
	fnspec_put(v, "From", cJSON_CreateString(str(cfg, "RevisionId")));
	cJSON_AddItemToArray(vers, v);
	fnspec_put(rec, "NextVersion", cJSON_CreateNumber(n + 1));
	*ver = v;
	*fresh = true;
	return 0;
}

/* Lambda's alias name: (?!^[0-9]+$)([a-zA-Z0-9-_]+), at most 128. */
static bool
alias_name_ok(const char *s)
{
	size_t i, n = strlen(s);
	bool digits = true;

	if (n == 0 || n > ALIAS_MAX)
		return false;
	for (i = 0; i < n; i++) {
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_')
			return false;
		digits = digits && isdigit((unsigned char)s[i]);
	}
	return !digits;
}

/* AdditionalVersionWeights: at most one published version, in [0, 1]. */
static int
check_routing(const cJSON *rec, const cJSON *rc, const char *primary,
    struct fnspec_err *e)
{
	const cJSON *w = get(rc, "AdditionalVersionWeights"), *v;

	if (w == NULL || cJSON_IsNull(w))
		return 0;
	if (!cJSON_IsObject(w) || cJSON_GetArraySize(w) > 1)
		return fnspec_fail(e, "ValidationException", "1 validation error "
		    "detected: Value at 'routingConfig.additionalVersionWeights' "
		    "failed to satisfy constraint: Member must have length less "
		    "than or equal to 1");
	cJSON_ArrayForEach(v, w) {
		if (!cJSON_IsNumber(v) || v->valuedouble < 0 ||
		    v->valuedouble > 1)
			return fnspec_fail(e, "ValidationException", "1 validation "
			    "error detected: the weight of version %s must be a "
			    "number from 0.0 to 1.0", v->string);
		if (strcmp(primary, "$LATEST") == 0 ||
		    strcmp(v->string, primary) == 0)
			return fnspec_fail(e, "InvalidParameterValueException",
			    "Invalid function version %s. An alias with routing "
			    "splits traffic between two published versions.",
			    v->string);
		if (fnspec_version(rec, v->string) == NULL)
			return not_found(e, rec, v->string);
	}
	return 0;
}

/* The checked alias req describes, from old (an update) or from nothing. */
static int
alias_make(const cJSON *rec, const char *name, const cJSON *req,
    const cJSON *old, cJSON **out, struct fnspec_err *e)
{
	const cJSON *fv = get(req, "FunctionVersion"), *d = get(req,
	    "Description"), *rc = get(req, "RoutingConfig");
	char arn[sizeof(FNSPEC_ARN_PREFIX) + 200], id[37];
	const char *ver;
	cJSON *a;

	ver = cJSON_IsString(fv) ? fv->valuestring : old != NULL ?
	    str(old, "FunctionVersion") : NULL;
	if (ver == NULL)
		return fnspec_fail(e, "ValidationException", "1 validation error "
		    "detected: Value null at 'functionVersion' failed to "
		    "satisfy constraint: Member must not be null");
	if (strcmp(ver, "$LATEST") != 0 && fnspec_version(rec, ver) == NULL)
		return not_found(e, rec, ver);
	if (d != NULL && (!cJSON_IsString(d) || strlen(d->valuestring) >
	    DESC_MAX))
		return fnspec_fail(e, "ValidationException", "1 validation error "
		    "detected: Value at 'description' failed to satisfy "
		    "constraint: Member must have length less than or equal to "
		    "256");
	if (rc == NULL && old != NULL)
		rc = get(old, "RoutingConfig");
	if (check_routing(rec, rc, ver, e) != 0)
		return -EINVAL;
	snprintf(arn, sizeof(arn), FNSPEC_ARN_PREFIX "%s:%s",
	    fnspec_rec_name(rec), name);
	uuid_random(id);
	if ((a = cJSON_CreateObject()) == NULL)
		abort();
	fnspec_put(a, "AliasArn", cJSON_CreateString(arn));
	fnspec_put(a, "Name", cJSON_CreateString(name));
	fnspec_put(a, "FunctionVersion", cJSON_CreateString(ver));
	fnspec_put(a, "Description", cJSON_CreateString(cJSON_IsString(d) ?
	    d->valuestring : old != NULL ? str(old, "Description") : ""));
	if (cJSON_IsObject(rc) && cJSON_GetArraySize(get(rc,
	    "AdditionalVersionWeights")) > 0)
		fnspec_put(a, "RoutingConfig", cJSON_Duplicate(rc, 1));
	fnspec_put(a, "RevisionId", cJSON_CreateString(id));
	*out = a;
	return 0;
}

int
fnspec_alias_put(cJSON *rec, const char *name, const cJSON *req,
    cJSON **alias, struct fnspec_err *e)
{
	const cJSON *n = get(req, "Name");
	cJSON *old, *a, *list = array_of(rec, "Aliases");
	char arn[sizeof(FNSPEC_ARN_PREFIX) + 200];
	int i = 0;

	if (!cJSON_IsObject(req))
		return fnspec_bad_json(e);
	if (name == NULL) {
		if (!cJSON_IsString(n) || !alias_name_ok(n->valuestring))
			return fnspec_fail(e, "ValidationException", "1 "
			    "validation error detected: Value at 'name' failed to "
			    "satisfy constraint: Member must satisfy regular "
			    "expression pattern: (?!^[0-9]+$)([a-zA-Z0-9-_]+)");
		name = n->valuestring;
		snprintf(arn, sizeof(arn), FNSPEC_ARN_PREFIX "%s:%s",
		    fnspec_rec_name(rec), name);
		if (fnspec_alias_get(rec, name) != NULL)
			return fnspec_fail(e, "ResourceConflictException",
			    "Alias already exists: %s", arn);
		if (alias_make(rec, name, req, NULL, &a, e) != 0)
			return -EINVAL;
		cJSON_AddItemToArray(list, a);
		*alias = a;
		return 0;
	}
	if ((old = fnspec_alias_get(rec, name)) == NULL)
		return fnspec_fail(e, "ResourceNotFoundException", "Alias not "
		    "found: " FNSPEC_ARN_PREFIX "%s:%s", fnspec_rec_name(rec),
		    name);
	if (get(req, "RevisionId") != NULL && (!cJSON_IsString(get(req,
	    "RevisionId")) || strcmp(str(req, "RevisionId"), str(old,
	    "RevisionId")) != 0))
		return fnspec_fail(e, "PreconditionFailedException", "The "
		    "Revision Id provided does not match the latest Revision Id. "
		    "Call the GetFunction/GetAlias API to retrieve the latest "
		    "Revision Id");
	if (alias_make(rec, name, req, old, &a, e) != 0)
		return -EINVAL;
	cJSON_ArrayForEach(old, list) {
		if (strcmp(str(old, "Name"), name) == 0)
			break;
		i++;
	}
	cJSON_ReplaceItemInArray(list, i, a);
	*alias = a;
	return 0;
}

/* Whether an alias sends invocations to version n. */
static const cJSON *
alias_using(const cJSON *rec, const char *n)
{
	const cJSON *a;

	cJSON_ArrayForEach(a, get(rec, "Aliases"))
		if (strcmp(str(a, "FunctionVersion"), n) == 0 ||
		    get(get(get(a, "RoutingConfig"), "AdditionalVersionWeights"),
		    n) != NULL)
			return a;
	return NULL;
}

static int
remove_named(cJSON *list, const char *key, const char *outer,
    const char *value)
{
	const cJSON *v;
	int i = 0;

	cJSON_ArrayForEach(v, list) {
		const cJSON *o = outer != NULL ? get(v, outer) : v;

		if (strcmp(str(o, key), value) == 0) {
			cJSON_DeleteItemFromArray(list, i);
			return 0;
		}
		i++;
	}
	return -ENOENT;
}

int
fnspec_version_rm(cJSON *rec, const char *n, struct fnspec_err *e)
{
	const cJSON *a;

	if (fnspec_version(rec, n) == NULL)
		return not_found(e, rec, n);
	if ((a = alias_using(rec, n)) != NULL)
		return fnspec_fail(e, "ResourceConflictException", "Unable to "
		    "delete version because the following aliases reference "
		    "it: [%s]", str(a, "Name"));
	return remove_named(get(rec, "Versions"), "Version", "Configuration", n);
}

int
fnspec_alias_rm(cJSON *rec, const char *name, struct fnspec_err *e)
{
	if (remove_named(get(rec, "Aliases"), "Name", NULL, name) != 0)
		return fnspec_fail(e, "ResourceNotFoundException", "Alias not "
		    "found: " FNSPEC_ARN_PREFIX "%s:%s", fnspec_rec_name(rec),
		    name);
	return 0;
}

int
fnspec_route(const cJSON *rec, const char *q, double r, char *out,
    size_t size)
{
	const cJSON *a, *w;

	if (strcmp(q, "$LATEST") == 0 || fnspec_version(rec, q) != NULL) {
		snprintf(out, size, "%s", q);
		return 0;
	}
	if ((a = fnspec_alias_get(rec, q)) == NULL)
		return -ENOENT;
	cJSON_ArrayForEach(w, get(get(a, "RoutingConfig"),
	    "AdditionalVersionWeights")) {
		if (cJSON_IsNumber(w) && r < w->valuedouble) {
			snprintf(out, size, "%s", w->string);
			return 0;
		}
		r -= cJSON_IsNumber(w) ? w->valuedouble : 0;
	}
	snprintf(out, size, "%s", str(a, "FunctionVersion"));
	return 0;
}
