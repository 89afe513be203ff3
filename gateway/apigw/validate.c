/*
 * validate: a request body against its function's request_schema.  See
 * validate.h.
 */
#include <stdbool.h>
#include <string.h>

#include <cJSON.h>

#include "apigw.h"
#include "conf.h"
#include "http.h"
#include "jsonschema.h"
#include "log.h"
#include "openapi.h"
#include "validate.h"

int
apigw_validate(struct apigw_call *c)
{
	const struct function_conf *fn = c->fn;
	const struct http_request *req = c->req;
	char why[256];
	cJSON *body;
	bool ok;

	if (!fn->validate || fn->request_doc == NULL)
		return APIGW_PASS;
	if (!openapi_body_method(req->method))
		return APIGW_PASS;
	if (req->body_len > VALIDATE_BODY_MAX) {
		log_info("%s: %s %.*s: body of %zu bytes, more than validate "
		    "checks", fn->name, req->method, (int)req->path_len,
		    req->path, req->body_len);
		c->status = 413;
		c->body = "{\"message\":\"Request Entity Too Large\"}";
		c->reason = "body_too_large";
		return APIGW_ANSWER;
	}
	body = req->body_len > 0 ?
	    cJSON_ParseWithLength(req->body, req->body_len) : NULL;
	if (body == NULL) {
		ok = false;
		strcpy(why, req->body_len > 0 ? "not JSON" : "no body");
	} else
		ok = jsonschema_valid(fn->request_doc, body, why, sizeof(why));
	cJSON_Delete(body);
	if (ok)
		return APIGW_PASS;
	log_info("%s: %s %.*s: invalid request body: %s", fn->name,
	    req->method, (int)req->path_len, req->path, why);
	c->status = 400;
	c->body = "{\"message\":\"Invalid request body\"}";
	c->reason = "invalid_body";
	apigw_reply_add(c, "x-amzn-ErrorType", "BadRequestException", 19);
	return APIGW_ANSWER;
}
