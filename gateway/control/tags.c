/*
 * tags: TagResource, UntagResource and ListTags on a function's ARN.
 *
 *   POST   /2017-03-31/tags/ARN                  TagResource {"Tags":{}}
 *   DELETE /2017-03-31/tags/ARN?tagKeys=K&...     UntagResource
 *   GET    /2017-03-31/tags/ARN                  ListTags
 *
 * The tags are the record's "Tags" (cfgspec.h), so a change is written
 * with the rest of the record (change_record) and survives a restart.
 * A function from the operator's files has no tags: ListTags gives {},
 * a change is a ResourceConflictException as any other change of it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "buf.h"
#include "conf.h"
#include "control/cfgspec.h"
#include "control/control_int.h"
#include "daemon.h"
#include "http.h"
#include "pool.h"

#define UNTAG_KEYS_MAX	200	/* keys in one UntagResource */

const cJSON *
control_api_rec(struct control *ctl, struct http_request *req,
    const char *name)
{
	const struct pool *p;
	const cJSON *rec = control_rec_live(ctl, name, &p);
	struct fnspec_err e;

	if (p == NULL) {
		fnspec_fail(&e, "ResourceNotFoundException", "Function not "
		    "found: " FNSPEC_ARN_PREFIX "%s", name);
		control_error(req, &e);
		return NULL;
	}
	if (rec == NULL) {
		fnspec_fail(&e, "ResourceConflictException", "Function %s is "
		    "defined at %s:%d, not made through this API: change it "
		    "there and reload", name, pool_conf(p)->file,
		    pool_conf(p)->line);
		control_error(req, &e);
		return NULL;
	}
	return rec;
}

/* ListTags: the record's, {} for the operator's functions. */
static void
tags_list(struct control *ctl, struct http_request *req, const char *name)
{
	const struct pool *p;
	const cJSON *rec = control_rec_live(ctl, name, &p);
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(rec, "Tags");
	struct fnspec_err e;
	cJSON *j;

	if (p == NULL) {
		fnspec_fail(&e, "ResourceNotFoundException", "Function not "
		    "found: " FNSPEC_ARN_PREFIX "%s", name);
		control_error(req, &e);
		return;
	}
	j = cJSON_CreateObject();
	cJSON_AddItemToObject(j, "Tags", t != NULL ? cJSON_Duplicate(t, 1) :
	    cJSON_CreateObject());
	control_json(req, 200, j);
}

static void
tags_put(struct control *ctl, struct http_request *req, const char *name)
{
	const cJSON *rec = control_api_rec(ctl, req, name);
	struct fnspec_err e;
	cJSON *body, *copy;

	if (rec == NULL)
		return;
	if ((body = cJSON_ParseWithLength(req->body, req->body_len)) == NULL) {
		fnspec_bad_json(&e);
		control_error(req, &e);
		return;
	}
	if ((copy = cJSON_Duplicate(rec, 1)) == NULL)
		abort();
	if (cfgspec_tag(copy, body, &e) != 0) {
		cJSON_Delete(copy);
		cJSON_Delete(body);
		control_error(req, &e);
		return;
	}
	cJSON_Delete(body);
	change_record(ctl, req, name, copy, NULL, 204);
}

/*
 * Every tagKeys value of req's query, decoded, into keys (each freed by
 * the caller).  The count, or -EINVAL with e.
 */
static long
untag_keys(const struct http_request *req, char **keys, struct fnspec_err *e)
{
	const char *s = req->query, *amp, *eq;
	size_t n = 0, len;
	long k;

	for (; *s != '\0'; s = *amp == '&' ? amp + 1 : amp) {
		if ((amp = strchr(s, '&')) == NULL)
			amp = s + strlen(s);
		eq = memchr(s, '=', (size_t)(amp - s));
		if (eq == NULL || eq - s != 7 || memcmp(s, "tagKeys", 7) != 0)
			continue;
		if (n == UNTAG_KEYS_MAX)
			goto fail;
		len = (size_t)(amp - eq - 1);
		if ((keys[n] = malloc(len + 1)) == NULL)
			abort();
		if ((k = buf_pct_decode(keys[n], eq + 1, len, BUF_PCT_STRICT |
		    BUF_PCT_PLUS)) < 0) {
			free(keys[n]);
			goto fail;
		}
		keys[n++][k] = '\0';
	}
	return (long)n;
fail:
	while (n > 0)
		free(keys[--n]);
	return fnspec_fail(e, "InvalidParameterValueException", "tagKeys must "
	    "be at most %d percent-encoded keys", UNTAG_KEYS_MAX);
}

static void
tags_rm(struct control *ctl, struct http_request *req, const char *name)
{
	const cJSON *rec = control_api_rec(ctl, req, name);
	char *keys[UNTAG_KEYS_MAX];
	struct fnspec_err e;
	cJSON *copy;
	long n, i;
	int rc;

	if (rec == NULL)
		return;
	if ((n = untag_keys(req, keys, &e)) < 0) {
		control_error(req, &e);
		return;
	}
	if ((copy = cJSON_Duplicate(rec, 1)) == NULL)
		abort();
	rc = cfgspec_untag(copy, (const char *const *)keys, (size_t)n, &e);
	for (i = 0; i < n; i++)
		free(keys[i]);
	if (rc != 0) {
		cJSON_Delete(copy);
		control_error(req, &e);
		return;
	}
	change_record(ctl, req, name, copy, NULL, 204);
}

void
tags_handle(struct control *ctl, struct http_request *req, const char *seg)
{
	char arn[512], name[65];
	struct fnspec_err e;
	size_t len = strlen(seg);
	long n;

	if (len == 0 || len >= sizeof(arn) || strchr(seg, '/') != NULL ||
	    (n = buf_pct_decode(arn, seg, len, BUF_PCT_STRICT)) < 0) {
		control_unknown(req);
		return;
	}
	arn[n] = '\0';
	if (cfgspec_tag_arn(arn, name, &e) != 0) {
		control_error(req, &e);
		return;
	}
	if (strcmp(req->method, "GET") == 0)
		tags_list(ctl, req, name);
	else if (strcmp(req->method, "POST") == 0)
		tags_put(ctl, req, name);
	else if (strcmp(req->method, "DELETE") == 0)
		tags_rm(ctl, req, name);
	else
		control_unknown(req);
}
