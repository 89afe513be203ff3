/*
 * conf_plan: the configuration of usage plans and of the API key
 * requirement, kept out of conf.c, which only calls these:
 *
 *   [usage_plan NAME]       (main file only; NAME as a function name)
 *   rate = R                requests a second per key (3 decimals)
 *   burst = N               the key's bucket; default one second of rate
 *   quota = N/day | N/week | N/month   requests per key per UTC period
 *
 *   [function NAME]  api_key = required | off
 *
 * API Gateway's usage plans (REST APIs): a plan throttles each of its
 * keys on its own token bucket and counts each key's requests against
 * the quota.  A plan with neither a rate nor a quota is allowed: its keys
 * only identify callers.  The keys themselves are not configuration:
 * lambdactl keys makes them, in state_dir (apigw/keystore.h).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "conf_int.h"

#define PLAN_BURST_MAX	5000000
#define PLAN_QUOTA_MAX	2000000000u

static int
nomem(char *why, size_t whylen)
{
	snprintf(why, whylen, "out of memory");
	return -1;
}

int
conf_plan_begin(struct conf *c, const char *name, const char *file, int line,
    char *why, size_t whylen)
{
	struct conf_plan *pl;
	size_t i;

	if (!conf_fn_name_ok(name)) {
		snprintf(why, whylen, "usage plan name \"%s\" must be 1 to %d "
		    "of A-Z a-z 0-9 _ -", name, CONF_NAME_MAX);
		return -1;
	}
	for (i = 0; i < c->nplans; i++)
		if (strcmp(c->plans[i].name, name) == 0) {
			snprintf(why, whylen, "duplicate usage plan \"%s\" "
			    "(first defined at %s:%d)", name, c->plans[i].file,
			    c->plans[i].line);
			return -1;
		}
	if ((pl = reallocarray(c->plans, c->nplans + 1, sizeof(*pl))) == NULL)
		return nomem(why, whylen);
	c->plans = pl;
	pl = &c->plans[c->nplans];
	memset(pl, 0, sizeof(*pl));
	pl->file = file;
	pl->line = line;
	pl->burst = CONF_UNSET;
	if ((pl->name = strdup(name)) == NULL)
		return nomem(why, whylen);
	c->nplans++;
	return 0;
}

/* "N/day", "N/week", "N/month" (N >= 1). */
static int
quota_parse(struct conf_plan *pl, const char *v, char *why, size_t whylen)
{
	static const struct {
		const char *word;
		enum conf_quota_period p;
	} periods[] = {
		{ "day", CONF_QUOTA_DAY }, { "week", CONF_QUOTA_WEEK },
		{ "month", CONF_QUOTA_MONTH },
	};
	const char *slash = strchr(v, '/');
	char num[16];
	size_t i, n;

	if (slash == NULL || (n = (size_t)(slash - v)) == 0 ||
	    n >= sizeof(num))
		goto bad;
	memcpy(num, v, n);
	num[n] = '\0';
	if (conf_apigw_uint(num, PLAN_QUOTA_MAX, &pl->quota, why, whylen) != 0)
		return -1;
	if (pl->quota == 0) {
		snprintf(why, whylen, "a quota of 0 would refuse every "
		    "request; leave quota out for none");
		return -1;
	}
	for (i = 0; i < sizeof(periods) / sizeof(periods[0]); i++)
		if (strcmp(slash + 1, periods[i].word) == 0) {
			pl->period = periods[i].p;
			return 0;
		}
bad:
	snprintf(why, whylen, "\"%s\" is not a quota (N/day, N/week or "
	    "N/month)", v);
	return -1;
}

int
conf_plan_key(struct conf_plan *pl, const char *key, const char *v, int line,
    char *why, size_t whylen)
{
	if (strcmp(key, "rate") == 0)
		return conf_apigw_rate(v, &pl->mrate, why, whylen);
	if (strcmp(key, "quota") == 0)
		return quota_parse(pl, v, why, whylen);
	pl->burst_line = line;
	if (conf_apigw_uint(v, PLAN_BURST_MAX, &pl->burst, why, whylen) != 0)
		return -1;
	if (pl->burst == 0) {
		snprintf(why, whylen, "0 would refuse every request; the "
		    "smallest bucket is 1");
		return -1;
	}
	return 0;
}

int
conf_plan_end(struct conf_plan *pl, int *line, char *why, size_t whylen)
{
	if (pl->burst != CONF_UNSET && pl->mrate == 0) {
		*line = pl->burst_line;
		snprintf(why, whylen, "burst: usage plan %s has no rate to "
		    "refill its bucket", pl->name);
		return -1;
	}
	if (pl->mrate == 0)
		pl->burst = 0;
	else if (pl->burst == CONF_UNSET)	/* one second's worth, >= 1 */
		pl->burst = (pl->mrate + 999) / 1000;
	return 0;
}

int
conf_plan_fn_key(struct function_conf *fn, const char *v, int line,
    char *why, size_t whylen)
{
	if (strcmp(v, "required") == 0 || strcmp(v, "off") == 0) {
		fn->api_key = v[0] == 'r';
		fn->api_key_line = line;
		return 0;
	}
	snprintf(why, whylen, "expected required or off, not \"%s\"", v);
	return -1;
}

int
conf_plan_finish(const struct conf *c, char *err, size_t errlen)
{
	size_t i;

	if (c->nplans > 0)
		return 0;
	for (i = 0; i < c->nfns; i++)
		if (c->fns[i].api_key) {
			snprintf(err, errlen, "%s:%d: api_key: function %s "
			    "requires an API key, but %s has no [usage_plan "
			    "NAME] section to make keys for", c->fns[i].file,
			    c->fns[i].api_key_line, c->fns[i].name,
			    c->files[0]);
			return -1;
		}
	return 0;
}

const struct conf_plan *
conf_find_plan(const struct conf *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->nplans; i++)
		if (strcmp(c->plans[i].name, name) == 0)
			return &c->plans[i];
	return NULL;
}

void
conf_plan_free(struct conf *c)
{
	size_t i;

	for (i = 0; i < c->nplans; i++)
		free(c->plans[i].name);
	free(c->plans);
	c->plans = NULL;
	c->nplans = 0;
}
