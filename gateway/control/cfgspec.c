/*
 * cfgspec: tags and event-invoke configs in a function's record.  See
 * cfgspec.h.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "control/cfgspec.h"

static cJSON *
get(const cJSON *o, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(o, key);
}

/* o[key] as an object, made if missing. */
static cJSON *
object_of(cJSON *o, const char *key)
{
	cJSON *a = get(o, key);

	if (a == NULL && (a = cJSON_AddObjectToObject(o, key)) == NULL)
		abort();	/* as buf.c: out of memory */
	return a;
}

/* Characters (not bytes) of the UTF-8 string s, as Lambda counts them. */
static size_t
chars(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

/* ---- tags -------------------------------------------------------------- */

#define IPV	"InvalidParameterValueException"

static int
tag_check(const cJSON *v, struct fnspec_err *e)
{
	const char *k = v->string;

	if (!cJSON_IsString(v))
		return fnspec_fail(e, IPV, "The value of tag %s must be a string", k);
	if (chars(k) < 1 || chars(k) > CFGSPEC_TAG_KEY_MAX)
		return fnspec_fail(e, IPV, "Tag keys must be 1 to 128 characters long, "
		    "not as '%.200s'", k);
	if (strncmp(k, "aws:", 4) == 0)
		return fnspec_fail(e, IPV, "Tag keys beginning 'aws:' are reserved for "
		    "AWS use: '%.200s'", k);
	if (chars(v->valuestring) > CFGSPEC_TAG_VALUE_MAX)
		return fnspec_fail(e, IPV, "Tag values must be at most 256 characters "
		    "long; the value of '%.200s' is longer", k);
	return 0;
}

int
cfgspec_tags_check(const cJSON *have, const cJSON *tags, struct fnspec_err *e)
{
	const cJSON *v;
	int n = 0;

	if (!cJSON_IsObject(tags))
		return fnspec_fail(e, "InvalidParameterValueException", "Tags "
		    "must be a map of tag keys to values");
	cJSON_ArrayForEach(v, tags) {
		if (tag_check(v, e) != 0)
			return -EINVAL;
		n++;
	}
	/* A key already there is replaced, not added. */
	cJSON_ArrayForEach(v, have)
		if (!cJSON_HasObjectItem(tags, v->string))
			n++;
	if (n > CFGSPEC_TAGS_MAX)
		return fnspec_fail(e, "InvalidParameterValueException", "Number "
		    "of tags exceeds resource tag limit: a function has at most "
		    "%d tags (this would make %d)", CFGSPEC_TAGS_MAX, n);
	return 0;
}

int
cfgspec_tag_arn(const char *arn, char name[65], struct fnspec_err *e)
{
	struct fnspec_name fn;

	if (strncmp(arn, "arn:", 4) != 0 || fnspec_parse_name(arn, &fn) != 0)
		return fnspec_fail(e, "ValidationException", "1 validation "
		    "error detected: Value '%.200s' at 'resource' failed to "
		    "satisfy constraint: Member must be a function ARN", arn);
	if (fn.kind != FNSPEC_UNQUALIFIED)
		return fnspec_fail(e, "InvalidParameterValueException", "Tags "
		    "on function aliases and versions are not supported. Please "
		    "specify a function ARN.");
	memcpy(name, fn.name, sizeof(fn.name));
	return 0;
}

int
cfgspec_tag(cJSON *rec, const cJSON *req, struct fnspec_err *e)
{
	const cJSON *tags = get(req, "Tags"), *v;
	cJSON *have;

	if (tags == NULL || cJSON_IsNull(tags))
		return fnspec_fail(e, "ValidationException", "1 validation "
		    "error detected: Value null at 'tags' failed to satisfy "
		    "constraint: Member must not be null");
	have = object_of(rec, "Tags");
	if (cfgspec_tags_check(have, tags, e) != 0)
		return -EINVAL;
	cJSON_ArrayForEach(v, tags)
		fnspec_put(have, v->string, cJSON_CreateString(v->valuestring));
	return 0;
}

int
cfgspec_untag(cJSON *rec, const char *const *keys, size_t n,
    struct fnspec_err *e)
{
	cJSON *have = object_of(rec, "Tags");
	size_t i;

	if (n == 0)
		return fnspec_fail(e, "ValidationException", "1 validation "
		    "error detected: Value null at 'tagKeys' failed to satisfy "
		    "constraint: Member must not be null");
	for (i = 0; i < n; i++)
		if (chars(keys[i]) < 1 || chars(keys[i]) > CFGSPEC_TAG_KEY_MAX)
			return fnspec_fail(e, IPV, "Tag keys must be 1 to 128 "
			    "characters long, not as '%.200s'", keys[i]);
	for (i = 0; i < n; i++)
		cJSON_DeleteItemFromObjectCaseSensitive(have, keys[i]);
	return 0;
}

/* ---- event-invoke configs ---------------------------------------------- */

static const char *
eic_qual(const char *qual)
{
	return qual[0] == '\0' ? "$LATEST" : qual;
}

static int
qual_exists(const cJSON *rec, const char *q, struct fnspec_err *e)
{
	if (strcmp(q, "$LATEST") == 0 || fnspec_version(rec, q) != NULL ||
	    fnspec_alias_get(rec, q) != NULL)
		return 0;
	return fnspec_fail(e, "ResourceNotFoundException", "Function not "
	    "found: " FNSPEC_ARN_PREFIX "%s:%s", fnspec_rec_name(rec), q);
}

/* An integer member in [lo, hi] (absent or null: *set false). */
static int
get_int(const cJSON *req, const char *key, const char *member, int lo,
    int hi, int *out, bool *set, struct fnspec_err *e)
{
	const cJSON *j = get(req, key);

	*set = false;
	if (j == NULL || cJSON_IsNull(j))
		return 0;
	if (!cJSON_IsNumber(j) || j->valuedouble != floor(j->valuedouble))
		return fnspec_fail(e, "ValidationException", "1 validation "
		    "error detected: Value at '%s' failed to satisfy "
		    "constraint: Member must be an integer", member);
	if (j->valuedouble < lo || j->valuedouble > hi)
		return fnspec_fail(e, "ValidationException", "1 validation "
		    "error detected: Value '%.0f' at '%s' failed to satisfy "
		    "constraint: Member must have value %s %d", j->valuedouble,
		    member, j->valuedouble < lo ? "greater than or equal to" :
		    "less than or equal to", j->valuedouble < lo ? lo : hi);
	*out = (int)j->valuedouble;
	*set = true;
	return 0;
}

/*
 * The Destination of OnSuccess or OnFailure: none ({}, null or ""), or a
 * function ARN of lambdad's (whether it exists is eic.c's to check).
 */
static int
check_dest(const cJSON *d, const char *which, struct fnspec_err *e)
{
	const cJSON *to = get(d, "Destination");
	struct fnspec_name fn;
	const char *s;

	if (d == NULL || cJSON_IsNull(d))
		return 0;
	if (!cJSON_IsObject(d))
		return fnspec_fail(e, "ValidationException", "1 validation "
		    "error detected: Value at 'destinationConfig.%s' failed to "
		    "satisfy constraint: Member must be a structure", which);
	if (to == NULL || cJSON_IsNull(to))
		return 0;
	if (!cJSON_IsString(to) || strlen(to->valuestring) > CFGSPEC_DEST_MAX)
		return fnspec_fail(e, "ValidationException", "1 validation "
		    "error detected: Value at 'destinationConfig.%s.destination' "
		    "failed to satisfy constraint: Member must be a string of at "
		    "most %d characters", which, CFGSPEC_DEST_MAX);
	if ((s = to->valuestring)[0] == '\0')
		return 0;
	if (strncmp(s, "arn:aws:lambda:", 15) != 0 ||
	    strncmp(s, FNSPEC_ARN_PREFIX, strlen(FNSPEC_ARN_PREFIX)) != 0 ||
	    fnspec_parse_name(s, &fn) != 0)
		return fnspec_fail(e, IPV, "The destination ARN %.200s is "
		    "invalid: lambdad sends DestinationConfig.%s records to its "
		    "own functions only, " FNSPEC_ARN_PREFIX "NAME[:QUALIFIER] "
		    "(SQS, SNS, S3 and EventBridge destinations are not "
		    "supported)", s, which);
	return 0;
}

static int
check_dests(const cJSON *dc, struct fnspec_err *e)
{
	if (dc == NULL || cJSON_IsNull(dc))
		return 0;
	if (!cJSON_IsObject(dc))
		return fnspec_fail(e, "ValidationException", "1 validation "
		    "error detected: Value at 'destinationConfig' failed to "
		    "satisfy constraint: Member must be a structure");
	if (check_dest(get(dc, "OnSuccess"), "OnSuccess", e) != 0 ||
	    check_dest(get(dc, "OnFailure"), "OnFailure", e) != 0)
		return -EINVAL;
	return 0;
}

/* d's OnSuccess and OnFailure into c's DestinationConfig (checked). */
static void
set_dests(cJSON *c, const cJSON *d)
{
	static const char *const which[] = { "OnSuccess", "OnFailure" };
	cJSON *dc = object_of(c, "DestinationConfig"), *o;
	const cJSON *to;
	size_t i;

	for (i = 0; i < 2; i++) {
		if ((o = cJSON_CreateObject()) == NULL)
			abort();
		to = get(get(d, which[i]), "Destination");
		if (cJSON_IsString(to) && to->valuestring[0] != '\0' &&
		    cJSON_AddStringToObject(o, "Destination",
		    to->valuestring) == NULL)
			abort();
		fnspec_put(dc, which[i], o);
	}
}

/* A fresh config of rec's qualifier q, as Lambda shows one. */
static cJSON *
eic_new(const cJSON *rec, const char *q)
{
	char arn[sizeof(FNSPEC_ARN_PREFIX) + 65 + FNSPEC_QUAL_MAX + 1];
	cJSON *c = cJSON_CreateObject(), *dc;

	snprintf(arn, sizeof(arn), FNSPEC_ARN_PREFIX "%s:%s",
	    fnspec_rec_name(rec), q);
	if (c == NULL || cJSON_AddStringToObject(c, "FunctionArn", arn) == NULL ||
	    (dc = cJSON_AddObjectToObject(c, "DestinationConfig")) == NULL ||
	    cJSON_AddObjectToObject(dc, "OnSuccess") == NULL ||
	    cJSON_AddObjectToObject(dc, "OnFailure") == NULL)
		abort();
	return c;
}

int
cfgspec_eic_put(cJSON *rec, const char *qual, const cJSON *req, bool update,
    double now, cJSON **out, struct fnspec_err *e)
{
	const char *q = eic_qual(qual);
	cJSON *all, *c;
	bool rset, aset;
	int r, a;

	if (qual_exists(rec, q, e) != 0)
		return -EINVAL;
	if (!cJSON_IsObject(req))
		return fnspec_bad_json(e);
	if (get_int(req, "MaximumRetryAttempts", "maximumRetryAttempts", 0,
	    CFGSPEC_RETRIES_MAX, &r, &rset, e) != 0 ||
	    get_int(req, "MaximumEventAgeInSeconds", "maximumEventAgeInSeconds",
	    CFGSPEC_AGE_MIN, CFGSPEC_AGE_MAX, &a, &aset, e) != 0 ||
	    check_dests(get(req, "DestinationConfig"), e) != 0)
		return -EINVAL;
	if (update && cfgspec_eic_get(rec, q) == NULL)
		return cfgspec_eic_missing(rec, q, e);
	all = object_of(rec, "EventInvokeConfigs");
	if (!update || (c = get(all, q)) == NULL) {
		c = eic_new(rec, q);
		fnspec_put(all, q, c);
	}
	fnspec_put(c, "LastModified", cJSON_CreateNumber(now));
	if (rset)
		fnspec_put(c, "MaximumRetryAttempts", cJSON_CreateNumber(r));
	if (aset)
		fnspec_put(c, "MaximumEventAgeInSeconds", cJSON_CreateNumber(a));
	/* Update: a DestinationConfig given replaces both of the old. */
	if (cJSON_IsObject(get(req, "DestinationConfig")))
		set_dests(c, get(req, "DestinationConfig"));
	*out = c;
	return 0;
}

cJSON *
cfgspec_eic_get(const cJSON *rec, const char *qual)
{
	return get(get(rec, "EventInvokeConfigs"), eic_qual(qual));
}

int
cfgspec_eic_missing(const cJSON *rec, const char *qual, struct fnspec_err *e)
{
	return fnspec_fail(e, "ResourceNotFoundException", "The function "
	    FNSPEC_ARN_PREFIX "%s:%s doesn't have an EventInvokeConfig",
	    fnspec_rec_name(rec), eic_qual(qual));
}

int
cfgspec_eic_rm(cJSON *rec, const char *qual, struct fnspec_err *e)
{
	if (cfgspec_eic_get(rec, qual) == NULL)
		return cfgspec_eic_missing(rec, qual, e);
	cJSON_DeleteItemFromObjectCaseSensitive(get(rec, "EventInvokeConfigs"),
	    eic_qual(qual));
	return 0;
}

void
cfgspec_eic_drop(cJSON *rec, const char *qual)
{
	cJSON_DeleteItemFromObjectCaseSensitive(get(rec, "EventInvokeConfigs"),
	    eic_qual(qual));
}

/* qual's config, if it is in use: not one a deleted alias or version
 * left behind. */
static const cJSON *
eic_live(const cJSON *rec, const char *qual)
{
	const char *q = eic_qual(qual);
	const cJSON *c = cfgspec_eic_get(rec, q);

	if (c == NULL || (strcmp(q, "$LATEST") != 0 &&
	    fnspec_version(rec, q) == NULL && fnspec_alias_get(rec, q) == NULL))
		return NULL;
	return c;
}

const char *
cfgspec_eic_dest(const cJSON *rec, const char *qual, bool success)
{
	const cJSON *to = get(get(get(eic_live(rec, qual),
	    "DestinationConfig"), success ? "OnSuccess" : "OnFailure"),
	    "Destination");

	return cJSON_IsString(to) && to->valuestring[0] != '\0' ?
	    to->valuestring : NULL;
}

void
cfgspec_eic_policy(const cJSON *rec, const char *qual, unsigned *retries,
    unsigned *max_age_s)
{
	const cJSON *c = eic_live(rec, qual), *v;

	if (c == NULL)
		return;
	if (cJSON_IsNumber(v = get(c, "MaximumRetryAttempts")))
		*retries = (unsigned)v->valueint;
	if (cJSON_IsNumber(v = get(c, "MaximumEventAgeInSeconds")))
		*max_age_s = (unsigned)v->valueint;
}
