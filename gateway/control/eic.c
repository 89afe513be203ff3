/*
 * eic: a function's event-invoke configs, the retry policy of its Event
 * invocations, per qualifier ($LATEST, a version, an alias):
 *
 *   PUT    /2019-09-25/functions/NAME/event-invoke-config   Put...
 *   POST   /2019-09-25/functions/NAME/event-invoke-config   Update...
 *   GET    /2019-09-25/functions/NAME/event-invoke-config   Get...
 *   DELETE /2019-09-25/functions/NAME/event-invoke-config   Delete...
 *   GET    /2019-09-25/functions/NAME/event-invoke-config/list
 *                                          ListFunctionEventInvokeConfigs
 *
 * each with ?Qualifier= (or NAME:QUAL).  The configs are the record's
 * "EventInvokeConfigs" (cfgspec.h), written with it (change_record).  An
 * Event invocation takes its policy when it is queued (control_event_
 * policy, from invoke.c): the config of the qualifier it was invoked
 * with, else the function's event_retries and event_max_age; and that
 * config's destinations, function ARNs that must name a function (and a
 * version or alias of it) lambdad runs when the config is put.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cJSON.h>

#include "buf.h"
#include "control/cfgspec.h"
#include "control/control.h"
#include "control/control_int.h"
#include "daemon.h"
#include "equeue.h"
#include "http.h"

#define EIC_OP		"/event-invoke-config"

static double
eic_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)(ts.tv_nsec / 1000000) / 1000.0;
}

/* The Destination of c's OnSuccess or OnFailure names what runs. */
static int
eic_dest_exists(struct control *ctl, const cJSON *c, const char *which,
    struct fnspec_err *e)
{
	const cJSON *to = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(c,
	    "DestinationConfig"), which), "Destination");
	const struct pool *p;
	const cJSON *rec;
	struct fnspec_name fn;

	if (!cJSON_IsString(to) || fnspec_parse_name(to->valuestring, &fn) != 0)
		return 0;	/* none (cfgspec checked the form) */
	rec = control_rec_live(ctl, fn.name, &p);
	if (p != NULL && (fn.qual[0] == '\0' ||
	    strcmp(fn.qual, "$LATEST") == 0 || (rec != NULL &&
	    (fnspec_version(rec, fn.qual) != NULL ||
	    fnspec_alias_get(rec, fn.qual) != NULL))))
		return 0;
	return fnspec_fail(e, "InvalidParameterValueException", "The "
	    "destination ARN %.200s is invalid: DestinationConfig.%s names "
	    "a function%s that does not exist", to->valuestring, which,
	    fn.qual[0] != '\0' ? " version or alias" : "");
}

/* Put (update false), Update, Delete (req DELETE). */
static void
eic_change(struct control *ctl, struct http_request *req,
    const struct fnspec_name *fn, bool update)
{
	const cJSON *rec = control_api_rec(ctl, req, fn->name);
	bool rm = strcmp(req->method, "DELETE") == 0;
	cJSON *body = NULL, *copy, *out = NULL;
	struct fnspec_err e;
	int rc;

	if (rec == NULL)
		return;
	if (!rm && (body = cJSON_ParseWithLength(req->body,
	    req->body_len)) == NULL && req->body_len == 0)
		body = cJSON_CreateObject();
	if (!rm && body == NULL) {
		fnspec_bad_json(&e);
		control_error(req, &e);
		return;
	}
	if ((copy = cJSON_Duplicate(rec, 1)) == NULL)
		abort();
	rc = rm ? cfgspec_eic_rm(copy, fn->qual, &e) : cfgspec_eic_put(copy,
	    fn->qual, body, update, eic_now(), &out, &e);
	/* Only the destinations the request names: an Update of the retries
	 * is not refused for a destination deleted since. */
	if (rc == 0 && !rm && cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(
	    body, "DestinationConfig")) &&
	    (eic_dest_exists(ctl, out, "OnSuccess", &e) != 0 ||
	    eic_dest_exists(ctl, out, "OnFailure", &e) != 0))
		rc = -EINVAL;
	cJSON_Delete(body);
	if (rc != 0) {
		cJSON_Delete(copy);
		control_error(req, &e);
		return;
	}
	change_record(ctl, req, fn->name, copy, out, 200);
}

static void
eic_get(struct control *ctl, struct http_request *req,
    const struct fnspec_name *fn)
{
	const struct pool *p;
	const cJSON *rec = control_rec_live(ctl, fn->name, &p), *c;
	struct fnspec_err e;

	if (p == NULL) {
		fnspec_fail(&e, "ResourceNotFoundException", "Function not "
		    "found: " FNSPEC_ARN_PREFIX "%s", fn->name);
		control_error(req, &e);
		return;
	}
	if (rec == NULL || (c = cfgspec_eic_get(rec, fn->qual)) == NULL) {
		fnspec_fail(&e, "ResourceNotFoundException", "The function "
		    FNSPEC_ARN_PREFIX "%s:%s doesn't have an EventInvokeConfig",
		    fn->name, fn->qual[0] != '\0' ? fn->qual : "$LATEST");
		control_error(req, &e);
		return;
	}
	control_json(req, 200, cJSON_Duplicate(c, 1));
}

static cJSON *
eic_show(const cJSON *c, void *arg)
{
	(void)arg;
	return cJSON_Duplicate(c, 1);
}

/* ListFunctionEventInvokeConfigs. */
static void
eic_list(struct control *ctl, struct http_request *req,
    const struct fnspec_name *fn)
{
	const struct pool *p;
	const cJSON *rec = control_rec_live(ctl, fn->name, &p);
	struct fnspec_err e;
	cJSON *j;

	if (p == NULL) {
		fnspec_fail(&e, "ResourceNotFoundException", "Function not "
		    "found: " FNSPEC_ARN_PREFIX "%s", fn->name);
		control_error(req, &e);
		return;
	}
	if ((j = control_page(req, cJSON_GetObjectItemCaseSensitive(rec,
	    "EventInvokeConfigs"), "FunctionEventInvokeConfigs",
	    CFGSPEC_EIC_PAGE_MAX, eic_show, NULL)) != NULL)
		control_json(req, 200, j);
}

void
eic_handle(struct control *ctl, struct http_request *req, const char *rest)
{
	const char *op = strchr(rest, '/');
	struct fnspec_name fn;

	if (op == NULL || strncmp(op, EIC_OP, strlen(EIC_OP)) != 0) {
		control_unknown(req);
		return;
	}
	if (control_name_qual(req, rest, (size_t)(op - rest), &fn) != 0)
		return;
	op += strlen(EIC_OP);
	if (strcmp(op, "/list") == 0 && strcmp(req->method, "GET") == 0)
		eic_list(ctl, req, &fn);
	else if (*op != '\0')
		control_unknown(req);
	else if (strcmp(req->method, "GET") == 0)
		eic_get(ctl, req, &fn);
	else if (strcmp(req->method, "PUT") == 0 ||
	    strcmp(req->method, "DELETE") == 0)
		eic_change(ctl, req, &fn, false);
	else if (strcmp(req->method, "POST") == 0)
		eic_change(ctl, req, &fn, true);
	else
		control_unknown(req);
}

void
control_event_policy(struct control *ctl, const char *name, const char *qual,
    struct equeue_policy *pol)
{
	const struct pool *p;
	const cJSON *rec;
	const char *to;

	if (ctl == NULL || (rec = control_rec_live(ctl, name, &p)) == NULL)
		return;
	cfgspec_eic_policy(rec, qual, &pol->retries, &pol->max_age_s);
	if ((to = cfgspec_eic_dest(rec, qual, true)) != NULL)
		snprintf(pol->on_success, sizeof(pol->on_success), "%s", to);
	if ((to = cfgspec_eic_dest(rec, qual, false)) != NULL)
		snprintf(pol->on_failure, sizeof(pol->on_failure), "%s", to);
}
