/*
 * admin_keys: the admin API's API keys (admin.h), over the key store
 * (apigw/keystore.h):
 *
 *   GET    /keys                   every key: name, id, plan, created,
 *                                  used this period, quota, period, resets
 *   POST   /keys {"name", "plan"}  make a key; the reply holds its value,
 *                                  the only time anyone sees it
 *   DELETE /keys/NAME              revoke a key
 *
 * A change is answered once the key file is on disk, and applies from
 * then on, without a reload.  Never a key's value or hash in a listing.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cJSON.h>

#include "admin.h"
#include "apigw/keystore.h"
#include "daemon.h"
#include "http.h"
#include "log.h"

static void
keys_json(struct http_request *req, int status, cJSON *j)
{
	char *s = cJSON_PrintUnformatted(j);

	http_respond_json(req, status, s != NULL ? s : "{}");
	free(s);
	cJSON_Delete(j);
}

static void
keys_error(struct http_request *req, int status, const char *msg)
{
	cJSON *j = cJSON_CreateObject();

	cJSON_AddStringToObject(j, "error", msg);
	keys_json(req, status, j);
}

static int
keys_status(int err)
{
	return err == -ENOENT ? 404 : err == -EEXIST ? 409 :
	    err == -EINVAL ? 400 : err == -ECANCELED ? 503 : 500;
}

static void
keys_added(void *arg, int err, const char *why, const struct apikey *k,
    const char *secret)
{
	struct http_request *req = arg;
	cJSON *j;

	if (err != 0) {
		log_warnx("admin: keys add refused: %s", why);
		keys_error(req, keys_status(err), why);
		return;
	}
	log_info("admin: API key %s (id %s, plan %s) made by uid %d", k->name,
	    k->id, k->plan, (int)req->peer_uid);
	j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "name", k->name);
	cJSON_AddStringToObject(j, "id", k->id);
	cJSON_AddStringToObject(j, "plan", k->plan);
	cJSON_AddNumberToObject(j, "created", (double)k->created);
	cJSON_AddStringToObject(j, "key", secret);
	keys_json(req, 201, j);
}

static void
keys_removed(void *arg, int err, const char *why, const struct apikey *k,
    const char *secret)
{
	struct http_request *req = arg;
	cJSON *j;

	(void)k;
	(void)secret;
	if (err != 0) {
		keys_error(req, keys_status(err), why);
		return;
	}
	log_info("admin: API key %s revoked by uid %d",
	    req->path + strlen("/keys/"), (int)req->peer_uid);
	j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "result", "revoked");
	cJSON_AddStringToObject(j, "name", req->path + strlen("/keys/"));
	keys_json(req, 200, j);
}

static void
keys_add(struct daemon *d, struct http_request *req)
{
	cJSON *body = cJSON_ParseWithLength(req->body, req->body_len);
	const char *name = cJSON_GetStringValue(cJSON_GetObjectItem(body,
	    "name"));
	const char *plan = cJSON_GetStringValue(cJSON_GetObjectItem(body,
	    "plan"));

	if (name == NULL || plan == NULL)
		keys_error(req, 400, "expected {\"name\": \"NAME\", \"plan\": "
		    "\"PLAN\"}");
	else
		keystore_add(d->keys, name, plan, keys_added, req);
	cJSON_Delete(body);
}

void
admin_keys(struct daemon *d, struct http_request *req)
{
	const char *m = req->method, *name;
	cJSON *j;

	if (d->keys == NULL) {
		keys_error(req, 503, "API keys are off (the daemon's log says "
		    "why: its state_dir) or the daemon is stopping");
		return;
	}
	if (strcmp(req->path, "/keys") == 0) {
		if (strcmp(m, "GET") == 0) {
			j = cJSON_CreateObject();
			cJSON_AddItemToObject(j, "keys",
			    keystore_list(d->keys, (int64_t)time(NULL)));
			keys_json(req, 200, j);
		} else if (strcmp(m, "POST") == 0)
			keys_add(d, req);
		else
			keys_error(req, 405, "only GET and POST on /keys");
		return;
	}
	name = req->path + strlen("/keys/");
	if (strcmp(m, "DELETE") != 0)
		keys_error(req, 405, "only DELETE on /keys/NAME");
	else
		keystore_rm(d->keys, name, keys_removed, req);
}
