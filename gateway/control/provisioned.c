/*
 * provisioned: a function's provisioned concurrency, per version or
 * alias:
 *
 *   PUT    /2019-09-30/functions/NAME/provisioned-concurrency?Qualifier=Q
 *   GET    /2019-09-30/functions/NAME/provisioned-concurrency?Qualifier=Q
 *   DELETE /2019-09-30/functions/NAME/provisioned-concurrency?Qualifier=Q
 *   GET    /2019-09-30/functions/NAME/provisioned-concurrency?List=ALL
 *
 * The configs are the record's "Provisioned" (pcspec.h); a change writes
 * every version's drop-in, whose min_idle is its share, and reloads
 * (change_versions), so the version's pool starts that many workers and
 * keeps them started.  Get and List count the workers really started in
 * those pools: Allocated and Available are those, and the Status is READY
 * once they reach the Requested count, IN_PROGRESS before.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cJSON.h>

#include "control/control_int.h"
#include "control/pcspec.h"
#include "daemon.h"
#include "http.h"
#include "pool.h"

/* The workers of version n's pool that are up (idle or running). */
static int
started(struct control *ctl, const char *name, const char *n)
{
	char sect[65 + FNSPEC_QUAL_MAX + 2];
	struct pool_stats st;
	struct pool *p;

	snprintf(sect, sizeof(sect), "%s:%s", name, n);
	if ((p = daemon_pool(ctl->d, sect, NULL)) == NULL)
		return 0;
	pool_stats(p, &st);
	return (int)(st.idle + st.busy + st.resting);
}

/* qual's workers started: each version's, up to its share. */
static int
allocated(struct control *ctl, const cJSON *rec, const char *qual)
{
	const cJSON *v;
	int n = 0;

	cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(rec,
	    "Versions")) {
		const char *ver = cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(v, "Configuration"),
		    "Version"));
		int share = ver != NULL ? pcspec_share(rec, qual, ver) : 0;
		int up;

		if (share == 0)
			continue;
		up = started(ctl, fnspec_rec_name(rec), ver);
		n += up < share ? up : share;
	}
	return n;
}

static void
pc_get(struct control *ctl, struct http_request *req,
    const struct fnspec_name *fn)
{
	const cJSON *rec = control_api_rec(ctl, req, fn->name);
	struct fnspec_err e;

	if (rec == NULL)
		return;
	if (pcspec_get(rec, fn->qual) == NULL) {
		pcspec_missing(rec, fn->qual, &e);
		control_error(req, &e);
		return;
	}
	control_json(req, 200, pcspec_show(rec, fn->qual, allocated(ctl, rec,
	    fn->qual), false));
}

struct pc_list {
	struct control	*ctl;
	const cJSON	*rec;
};

static cJSON *
pc_show(const cJSON *c, void *arg)
{
	const struct pc_list *l = arg;

	return pcspec_show(l->rec, c->string, allocated(l->ctl, l->rec,
	    c->string), true);
}

/* ListProvisionedConcurrencyConfigs. */
static void
pc_list(struct control *ctl, struct http_request *req,
    const struct fnspec_name *fn)
{
	struct pc_list l = { ctl, control_api_rec(ctl, req, fn->name) };
	cJSON *j;

	if (l.rec != NULL && (j = control_page(req,
	    cJSON_GetObjectItemCaseSensitive(l.rec, "Provisioned"),
	    "ProvisionedConcurrencyConfigs", PCSPEC_PAGE_MAX, pc_show,
	    &l)) != NULL)
		control_json(req, 200, j);
}

/* Put (202, IN_PROGRESS until its workers are up) and Delete (204). */
static void
pc_change(struct control *ctl, struct http_request *req,
    const struct fnspec_name *fn, bool put)
{
	const cJSON *rec = control_api_rec(ctl, req, fn->name);
	cJSON *body = NULL, *copy, *answer = NULL;
	struct fnspec_err e;
	char now[96];
	int rc;

	if (rec == NULL)
		return;
	if (put && (body = cJSON_ParseWithLength(req->body,
	    req->body_len)) == NULL) {
		fnspec_bad_json(&e);
		control_error(req, &e);
		return;
	}
	if ((copy = cJSON_Duplicate(rec, 1)) == NULL)
		abort();
	fnspec_now(now, sizeof(now));
	rc = put ? pcspec_put(copy, fn->qual, body, now, &e) :
	    pcspec_rm(copy, fn->qual, &e);
	cJSON_Delete(body);
	if (rc != 0) {
		cJSON_Delete(copy);
		control_error(req, &e);
		return;
	}
	if (put)
		answer = pcspec_show(copy, fn->qual, 0, false);
	change_versions(ctl, req, fn->name, copy, answer, 202);
}

void
provisioned_handle(struct control *ctl, struct http_request *req,
    const char *seg, size_t segn)
{
	struct fnspec_name fn;
	char all[8];

	if (control_name_qual(req, seg, segn, &fn) != 0)
		return;
	if (strcmp(req->method, "GET") == 0 && http_query_get(req, "List",
	    all, sizeof(all)) > 0 && strcmp(all, "ALL") == 0)
		pc_list(ctl, req, &fn);
	else if (strcmp(req->method, "GET") == 0)
		pc_get(ctl, req, &fn);
	else if (strcmp(req->method, "PUT") == 0 ||
	    strcmp(req->method, "DELETE") == 0)
		pc_change(ctl, req, &fn, strcmp(req->method, "PUT") == 0);
	else
		control_unknown(req);
}
