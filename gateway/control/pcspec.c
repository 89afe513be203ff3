/*
 * pcspec: provisioned concurrency in a function's record.  See pcspec.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "control/pcspec.h"

static cJSON *
get(const cJSON *o, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(o, key);
}

static int
requested(const cJSON *c)
{
	const cJSON *n = get(c, "Requested");

	return cJSON_IsNumber(n) ? n->valueint : 0;
}

static const char *
version_of(const cJSON *ver)
{
	const cJSON *v = get(get(ver, "Configuration"), "Version");

	return cJSON_IsString(v) ? v->valuestring : "";
}

int
pcspec_share(const cJSON *rec, const char *qual, const char *n)
{
	const cJSON *c = get(get(rec, "Provisioned"), qual), *a, *w, *primary;
	int total = requested(c), rest = total, mine = 0;

	if (total == 0)
		return 0;
	if ((a = fnspec_alias_get(rec, qual)) == NULL)
		return strcmp(qual, n) == 0 ? total : 0;
	/* The weighted version takes its weight's share, the alias's own
	 * version the rest. */
	cJSON_ArrayForEach(w, get(get(a, "RoutingConfig"),
	    "AdditionalVersionWeights")) {
		int share = cJSON_IsNumber(w) ? (int)(0.5 + total *
		    w->valuedouble) : 0;

		rest -= share;
		if (strcmp(w->string, n) == 0)
			mine += share;
	}
	primary = get(a, "FunctionVersion");
	if (cJSON_IsString(primary) && strcmp(primary->valuestring, n) == 0)
		mine += rest;
	return mine;
}

bool
pcspec_apply(cJSON *rec)
{
	const cJSON *c;
	cJSON *v;
	bool changed = false;

	cJSON_ArrayForEach(v, get(rec, "Versions")) {
		const cJSON *had = get(v, "ProvisionedIdle");
		int n = 0;

		cJSON_ArrayForEach(c, get(rec, "Provisioned"))
			n += pcspec_share(rec, c->string, version_of(v));
		if ((cJSON_IsNumber(had) ? had->valueint : 0) == n)
			continue;
		changed = true;
		if (n == 0)
			cJSON_DeleteItemFromObjectCaseSensitive(v,
			    "ProvisionedIdle");
		else
			fnspec_put(v, "ProvisionedIdle", cJSON_CreateNumber(n));
	}
	return changed;
}

int
pcspec_total(const cJSON *rec)
{
	const cJSON *c;
	int n = 0;

	cJSON_ArrayForEach(c, get(rec, "Provisioned"))
		n += requested(c);
	return n;
}

const cJSON *
pcspec_get(const cJSON *rec, const char *qual)
{
	return get(get(rec, "Provisioned"), qual);
}

/* The alias whose config reaches version n, if one does. */
static const char *
version_overlap(const cJSON *rec, const char *n)
{
	const cJSON *c;

	cJSON_ArrayForEach(c, get(rec, "Provisioned"))
		if (fnspec_alias_get(rec, c->string) != NULL &&
		    pcspec_share(rec, c->string, n) > 0)
			return c->string;
	return NULL;
}

/* Whether alias a routes any of its traffic to a version that has a
 * config of its own (a's share there, if it had one). */
static const char *
alias_overlap(const cJSON *rec, const char *alias)
{
	const cJSON *a = fnspec_alias_get(rec, alias), *w;
	const char *n = cJSON_GetStringValue(get(a, "FunctionVersion"));

	if (n != NULL && pcspec_get(rec, n) != NULL)
		return n;
	cJSON_ArrayForEach(w, get(get(a, "RoutingConfig"),
	    "AdditionalVersionWeights"))
		if (pcspec_get(rec, w->string) != NULL)
			return w->string;
	return NULL;
}

static int
check_qual(const cJSON *rec, const char *qual, struct fnspec_err *e)
{
	if (qual[0] == '\0' || strcmp(qual, "$LATEST") == 0)
		return fnspec_fail(e, "InvalidParameterValueException",
		    "Provisioned Concurrency Configs cannot be applied to "
		    "unpublished function versions.");
	if (fnspec_version(rec, qual) == NULL &&
	    fnspec_alias_get(rec, qual) == NULL)
		return fnspec_fail(e, "ResourceNotFoundException", "Function "
		    "not found: " FNSPEC_ARN_PREFIX "%s:%s",
		    fnspec_rec_name(rec), qual);
	return 0;
}

/* The most the function's configs may ask for together. */
static int
limit_of(const cJSON *rec, bool *reserved)
{
	const cJSON *r = get(get(rec, "Concurrency"),
	    "ReservedConcurrentExecutions");

	*reserved = cJSON_IsNumber(r) && r->valueint >= 1;
	return *reserved ? r->valueint : FNSPEC_RESERVED_MAX;
}

int
pcspec_put(cJSON *rec, const char *qual, const cJSON *req, const char *now,
    struct fnspec_err *e)
{
	const cJSON *n = get(req, "ProvisionedConcurrentExecutions");
	const cJSON *had = pcspec_get(rec, qual);
	const char *o;
	bool alias, reserved;
	int limit, others;
	cJSON *all, *c;

	if (!cJSON_IsNumber(n) || n->valuedouble != (double)(int)n->valuedouble ||
	    n->valuedouble < 1)
		return fnspec_vfail(e, "provisionedConcurrentExecutions",
		    "Member must not be null and must have value greater than "
		    "or equal to 1");
	if (check_qual(rec, qual, e) != 0)
		return -EINVAL;
	alias = fnspec_alias_get(rec, qual) != NULL;
	if ((o = alias ? alias_overlap(rec, qual) :
	    version_overlap(rec, qual)) != NULL)
		return fnspec_fail(e, "ResourceConflictException", "Version "
		    "%s already has Provisioned Concurrency %s%s: a version "
		    "takes it of its own or through an alias, not both",
		    alias ? o : qual, alias ? "of its own" : "through alias ",
		    alias ? "" : o);
	limit = limit_of(rec, &reserved);
	others = pcspec_total(rec) - requested(had);
	if (others + n->valueint > limit)
		return fnspec_fail(e, "InvalidParameterValueException",
		    "Requested Provisioned Concurrency should not be greater "
		    "than the %s for function (%d asked, %d already provisioned "
		    "for other qualifiers, %d allowed)", reserved ?
		    "reservedConcurrentExecution" : "workers lambdad runs",
		    n->valueint, others, limit);
	if ((all = get(rec, "Provisioned")) == NULL &&
	    (all = cJSON_AddObjectToObject(rec, "Provisioned")) == NULL)
		abort();
	if ((c = cJSON_CreateObject()) == NULL ||
	    cJSON_AddNumberToObject(c, "Requested", n->valueint) == NULL ||
	    cJSON_AddStringToObject(c, "LastModified", now) == NULL)
		abort();
	fnspec_put(all, qual, c);
	pcspec_apply(rec);
	return 0;
}

int
pcspec_missing(const cJSON *rec, const char *qual, struct fnspec_err *e)
{
	if (check_qual(rec, qual, e) != 0 &&
	    strcmp(e->type, "ResourceNotFoundException") == 0)
		return -EINVAL;
	return fnspec_fail(e, "ProvisionedConcurrencyConfigNotFoundException",
	    "No Provisioned Concurrency Config found for this function");
}

int
pcspec_rm(cJSON *rec, const char *qual, struct fnspec_err *e)
{
	if (pcspec_get(rec, qual) == NULL)
		return pcspec_missing(rec, qual, e);
	pcspec_drop(rec, qual);
	pcspec_apply(rec);
	return 0;
}

void
pcspec_drop(cJSON *rec, const char *qual)
{
	cJSON *all = get(rec, "Provisioned");

	cJSON_DeleteItemFromObjectCaseSensitive(all, qual);
	if (all != NULL && all->child == NULL)
		cJSON_DeleteItemFromObjectCaseSensitive(rec, "Provisioned");
}

int
pcspec_over_reserved(const cJSON *rec, struct fnspec_err *e)
{
	bool reserved;
	int limit = limit_of(rec, &reserved), total = pcspec_total(rec);

	if (!reserved || total <= limit)
		return 0;
	return fnspec_fail(e, "InvalidParameterValueException", "The function's "
	    "versions and aliases have %d Provisioned Concurrency; its "
	    "ReservedConcurrentExecutions (%d) may not be less", total, limit);
}

cJSON *
pcspec_show(const cJSON *rec, const char *qual, int allocated, bool arn)
{
	const cJSON *c = pcspec_get(rec, qual);
	int want = requested(c);
	char a[sizeof(FNSPEC_ARN_PREFIX) + 65 + FNSPEC_QUAL_MAX + 1];
	cJSON *j = cJSON_CreateObject();

	if (allocated > want)
		allocated = want;
	snprintf(a, sizeof(a), FNSPEC_ARN_PREFIX "%s:%s", fnspec_rec_name(rec),
	    qual);
	if (j == NULL || (arn && cJSON_AddStringToObject(j, "FunctionArn",
	    a) == NULL) ||
	    cJSON_AddNumberToObject(j, "RequestedProvisionedConcurrentExecutions",
	    want) == NULL ||
	    cJSON_AddNumberToObject(j, "AvailableProvisionedConcurrentExecutions",
	    allocated) == NULL ||
	    cJSON_AddNumberToObject(j, "AllocatedProvisionedConcurrentExecutions",
	    allocated) == NULL ||
	    cJSON_AddStringToObject(j, "Status", allocated >= want ? "READY" :
	    "IN_PROGRESS") == NULL ||
	    cJSON_AddStringToObject(j, "LastModified",
	    cJSON_GetStringValue(get(c, "LastModified")) != NULL ?
	    cJSON_GetStringValue(get(c, "LastModified")) : "") == NULL)
		abort();
	return j;
}
