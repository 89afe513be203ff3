/*
 * conf_stage: the [lambdad] keys of the API's stage and its access log
 * (issue 10), kept out of conf.c, which only calls conf_stage_key:
 *
 *   stage = NAME                  ($default): requestContext.stage
 *   stage_variable = KEY=VALUE    (repeatable): the event's stageVariables
 *   access_log = FILE | journal   (off when absent)
 *   access_log_format = ...       $context variables (apigw/accesslog.h)
 *
 * Names follow API Gateway's rules: a stage is 1 to 128 of A-Z a-z 0-9
 * - _ (or $default); a stage variable's name 1 to 64 of A-Z a-z 0-9 _,
 * its value up to 512 printable characters.  The format is compiled here
 * so that an unknown $context variable is a file:line error.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apigw/accesslog.h"
#include "conf.h"
#include "conf_int.h"

#define STAGE_MAX	128
#define SVAR_NAME_MAX	64
#define SVAR_VALUE_MAX	512
#define SVAR_MAX	100

static int
stage_set(struct conf *c, const char *v, char *why, size_t whylen)
{
	size_t n = strlen(v), i;

	if (strcmp(v, "$default") != 0) {
		if (n == 0 || n > STAGE_MAX) {
			snprintf(why, whylen, "a stage name is 1 to %d "
			    "characters", STAGE_MAX);
			return -1;
		}
		for (i = 0; i < n; i++)
			if (!isalnum((unsigned char)v[i]) && v[i] != '-' &&
			    v[i] != '_') {
				snprintf(why, whylen, "\"%s\": a stage name has "
				    "only A-Z a-z 0-9 - _ (or is $default)", v);
				return -1;
			}
	}
	free(c->stage);
	return (c->stage = strdup(v)) != NULL ? 0 : -1;
}

static int
svar_add(struct conf *c, const char *v, char *why, size_t whylen)
{
	const char *eq = strchr(v, '='), *s;
	size_t n = eq != NULL ? (size_t)(eq - v) : 0, i;
	char **nv;

	if (eq == NULL || n == 0 || n > SVAR_NAME_MAX) {
		snprintf(why, whylen, "expected NAME=VALUE, NAME 1 to %d "
		    "characters", SVAR_NAME_MAX);
		return -1;
	}
	for (s = v; s < eq; s++)
		if (!isalnum((unsigned char)*s) && *s != '_') {
			snprintf(why, whylen, "\"%.*s\": a stage variable's "
			    "name has only A-Z a-z 0-9 _", (int)n, v);
			return -1;
		}
	if (strlen(eq + 1) > SVAR_VALUE_MAX) {
		snprintf(why, whylen, "a value is at most %d characters",
		    SVAR_VALUE_MAX);
		return -1;
	}
	for (s = eq + 1; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s == 0x7f) {
			snprintf(why, whylen, "a value has no control "
			    "characters");
			return -1;
		}
	for (i = 0; i < c->nstage_vars; i++)
		if (strncmp(c->stage_vars[i], v, n + 1) == 0) {
			snprintf(why, whylen, "%.*s is set twice", (int)n, v);
			return -1;
		}
	if (c->nstage_vars == SVAR_MAX) {
		snprintf(why, whylen, "at most %d stage variables", SVAR_MAX);
		return -1;
	}
	if ((nv = realloc(c->stage_vars, (c->nstage_vars + 1) *
	    sizeof(*nv))) == NULL)
		return -1;
	c->stage_vars = nv;
	if ((nv[c->nstage_vars] = strdup(v)) == NULL)
		return -1;
	c->nstage_vars++;
	return 0;
}

static int
format_set(struct conf *c, const char *v, char *why, size_t whylen)
{
	struct al_format *f;

	if (al_format_new(v, &f, why, whylen) != 0)
		return -1;
	al_format_free(f);
	free(c->access_log_format);
	return (c->access_log_format = strdup(v)) != NULL ? 0 : -1;
}

int
conf_stage_key(struct conf *c, const char *key, const char *v,
    const char *dir, char *why, size_t whylen)
{
	char *path;
	int rc;

	if (strcmp(key, "stage") == 0)
		rc = stage_set(c, v, why, whylen);
	else if (strcmp(key, "stage_variable") == 0)
		rc = svar_add(c, v, why, whylen);
	else if (strcmp(key, "access_log_format") == 0)
		rc = format_set(c, v, why, whylen);
	else {
		if (*v == '\0') {
			snprintf(why, whylen, "expected a FILE or journal");
			return -1;
		}
		if (strcmp(v, "journal") == 0 || v[0] == '/')
			path = strdup(v);
		else if ((path = malloc(strlen(dir) + strlen(v) + 2)) != NULL)
			sprintf(path, "%s/%s", dir, v);
		free(c->access_log);
		rc = (c->access_log = path) != NULL ? 0 : -1;
	}
	if (rc != 0 && why[0] == '\0')
		snprintf(why, whylen, "out of memory");
	return rc;
}

void
conf_stage_free(struct conf *c)
{
	size_t i;

	free(c->stage);
	for (i = 0; i < c->nstage_vars; i++)
		free(c->stage_vars[i]);
	free(c->stage_vars);
	free(c->access_log);
	free(c->access_log_format);
}
