/*
 * conf_sched: [schedule NAME] sections, EventBridge Scheduler's schedules
 * (sched/sched.h), kept out of conf.c, which only calls these from its
 * key tables:
 *
 *   [schedule NAME]         (main file only; NAME: 1 to 64 of A-Z a-z 0-9 _ - .)
 *   function = NAME | NAME:VERSION | NAME:ALIAS      (required)
 *   expression = rate(...) | cron(...) | at(...)     (required; sched/cron.h)
 *   timezone = Europe/Berlin   an IANA zone of the system's tz database (UTC)
 *   input = JSON               the event (default: EventBridge Scheduler's)
 *   retries = N                0..185 (the function's event_retries)
 *   max_age = S                60..86400 s (the function's event_max_age)
 *   catch_up = on | off        run once at start what was missed while down
 *
 * The function's name is checked once every file is read
 * (conf_sched_resolve), so a schedule may name a drop-in's function; a
 * version or alias is resolved when the schedule fires (the control
 * plane's, which changes without a reload).
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "conf.h"
#include "conf_int.h"
#include "equeue.h"
#include "sched/cron.h"

#define SCHED_RETRIES_MAX	185	/* EventBridge Scheduler's RetryPolicy */
#define SCHED_AGE_MIN		60
#define SCHED_AGE_MAX		86400
#define SCHED_QUAL_MAX		128

static int __attribute__((format(printf, 3, 4)))
sc_why(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
	return -1;
}

bool
conf_sched_name_ok(const char *s)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > CONF_NAME_MAX)
		return false;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && strchr("_-.", s[i]) == NULL)
			return false;
	return true;
}

int
conf_sched_begin(struct conf *c, const char *name, const char *file, int line,
    char *why, size_t whylen)
{
	struct conf_schedule *s;
	size_t i;

	if (!conf_sched_name_ok(name))
		return sc_why(why, whylen, "schedule name \"%s\" must be 1 to "
		    "64 of A-Z a-z 0-9 _ - .", name);
	for (i = 0; i < c->nschedules; i++)
		if (strcmp(c->schedules[i].name, name) == 0)
			return sc_why(why, whylen, "duplicate [schedule %s] "
			    "(first at line %d)", name, c->schedules[i].line);
	s = reallocarray(c->schedules, c->nschedules + 1, sizeof(*s));
	if (s == NULL)
		return sc_why(why, whylen, "%s", "out of memory");
	c->schedules = s;
	s = &c->schedules[c->nschedules++];
	memset(s, 0, sizeof(*s));
	s->file = file;
	s->line = line;
	s->retries = CONF_UNSET;
	s->max_age_s = CONF_UNSET;
	if ((s->name = strdup(name)) == NULL)
		return sc_why(why, whylen, "%s", "out of memory");
	return 0;
}

/* NAME, or NAME:QUALIFIER with Lambda's qualifier pattern. */
static int
sched_function(struct conf_schedule *s, const char *v, char *why,
    size_t whylen)
{
	const char *colon = strchr(v, ':'), *q;
	size_t n = colon != NULL ? (size_t)(colon - v) : strlen(v);
	char base[CONF_NAME_MAX + 1];

	if (n == 0 || n > CONF_NAME_MAX)
		goto bad;
	memcpy(base, v, n);
	base[n] = '\0';
	if (!conf_fn_name_ok(base))
		goto bad;
	if (colon != NULL) {
		if (colon[1] == '\0' || strlen(colon + 1) > SCHED_QUAL_MAX)
			goto bad;
		for (q = colon + 1; *q != '\0'; q++)
			if (!isalnum((unsigned char)*q) && strchr("$_-", *q) ==
			    NULL)
				goto bad;
	}
	free(s->function);
	return (s->function = strdup(v)) == NULL ?
	    sc_why(why, whylen, "%s", "out of memory") : 0;
bad:
	return sc_why(why, whylen, "expected NAME, NAME:VERSION or NAME:ALIAS "
	    "(a function name, then [A-Za-z0-9$_-]{1,128}), not \"%s\"", v);
}

static int
sched_input(struct conf_schedule *s, const char *v, char *why, size_t whylen)
{
	cJSON *j = cJSON_ParseWithOpts(v, NULL, 1);
	char *compact;

	if (j == NULL)
		return sc_why(why, whylen, "not JSON: \"%.60s\"%s (one line; the "
		    "event the function gets)", v, strlen(v) > 60 ? "..." : "");
	compact = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	if (compact == NULL)
		return sc_why(why, whylen, "%s", "out of memory");
	if (strlen(compact) > EQUEUE_MAX_PAYLOAD) {
		cJSON_free(compact);
		return sc_why(why, whylen, "more than %d bytes (the Event "
		    "payload limit)", EQUEUE_MAX_PAYLOAD);
	}
	free(s->input);
	s->input = strdup(compact);
	cJSON_free(compact);
	return s->input == NULL ? sc_why(why, whylen, "%s", "out of memory") : 0;
}

static int
sched_uint(const char *v, unsigned lo, unsigned hi, unsigned *out, char *why,
    size_t whylen)
{
	char *end;
	unsigned long n;

	errno = 0;
	n = strtoul(v, &end, 10);
	if (!isdigit((unsigned char)*v) || *end != '\0' || errno != 0 ||
	    n < lo || n > hi)
		return sc_why(why, whylen, "expected a whole number from %u to "
		    "%u, not \"%s\"", lo, hi, v);
	*out = (unsigned)n;
	return 0;
}

static int
sched_str(char **dst, const char *v, char *why, size_t whylen)
{
	free(*dst);
	return (*dst = strdup(v)) == NULL ?
	    sc_why(why, whylen, "%s", "out of memory") : 0;
}

int
conf_sched_key(struct conf_schedule *s, const char *key, const char *v,
    char *why, size_t whylen)
{
	struct cron_expr e;

	if (strcmp(key, "function") == 0)
		return sched_function(s, v, why, whylen);
	if (strcmp(key, "expression") == 0) {
		if (cron_parse(v, &e, why, whylen) != 0)
			return -1;
		return sched_str(&s->expression, v, why, whylen);
	}
	if (strcmp(key, "timezone") == 0) {
		if (!cron_tz_ok(v))
			return sc_why(why, whylen, "\"%s\" is not a zone of the "
			    "tz database (/usr/share/zoneinfo): expected a name "
			    "such as UTC or Europe/Berlin", v);
		return sched_str(&s->timezone, v, why, whylen);
	}
	if (strcmp(key, "input") == 0)
		return sched_input(s, v, why, whylen);
	if (strcmp(key, "retries") == 0)
		return sched_uint(v, 0, SCHED_RETRIES_MAX, &s->retries, why,
		    whylen);
	if (strcmp(key, "max_age") == 0)
		return sched_uint(v, SCHED_AGE_MIN, SCHED_AGE_MAX, &s->max_age_s,
		    why, whylen);
	if (strcmp(key, "catch_up") == 0) {
		if (strcmp(v, "on") != 0 && strcmp(v, "off") != 0)
			return sc_why(why, whylen, "expected on or off, not "
			    "\"%s\"", v);
		s->catch_up = strcmp(v, "on") == 0;
		return 0;
	}
	return sc_why(why, whylen, "unknown key");
}

int
conf_sched_end(const struct conf_schedule *s, char *why, size_t whylen)
{
	if (s->function == NULL)
		return sc_why(why, whylen, "[schedule %s]: function is required",
		    s->name);
	if (s->expression == NULL)
		return sc_why(why, whylen, "[schedule %s]: expression is "
		    "required (rate(5 minutes), cron(0 12 * * ? *) or "
		    "at(2026-12-24T18:00:00))", s->name);
	return 0;
}

int
conf_sched_resolve(const struct conf *c, char *err, size_t errlen)
{
	const struct conf_schedule *s;
	char base[CONF_NAME_MAX + 1];
	size_t i, n;

	for (i = 0; i < c->nschedules; i++) {
		s = &c->schedules[i];
		n = strcspn(s->function, ":");
		memcpy(base, s->function, n);
		base[n] = '\0';
		if (conf_find(c, base) == NULL) {
			snprintf(err, errlen, "%s:%d: [schedule %s]: function %s "
			    "is not defined", s->file, s->line, s->name, base);
			return -1;
		}
	}
	return 0;
}

const struct conf_schedule *
conf_find_schedule(const struct conf *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->nschedules; i++)
		if (strcmp(c->schedules[i].name, name) == 0)
			return &c->schedules[i];
	return NULL;
}

void
conf_sched_free(struct conf *c)
{
	size_t i;

	for (i = 0; i < c->nschedules; i++) {
		free(c->schedules[i].name);
		free(c->schedules[i].function);
		free(c->schedules[i].expression);
		free(c->schedules[i].timezone);
		free(c->schedules[i].input);
	}
	free(c->schedules);
	c->schedules = NULL;
	c->nschedules = 0;
}
