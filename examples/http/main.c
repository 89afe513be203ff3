/*
 * http: a structured API Gateway 2.0 reply, to show every part of one: a
 * status (201, or ?status=NNN), custom headers, two cookies (each becomes
 * its own Set-Cookie) and a JSON body naming the method and path.  ?fail=1
 * makes it fail with lambda_error(), which lambdad turns into a 500.
 */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <lambda.h>

/* A query parameter's value, or NULL. */
static const char *
query(const cJSON *event, const char *key)
{
	const cJSON *q, *v;

	q = cJSON_GetObjectItemCaseSensitive(event, "queryStringParameters");
	v = cJSON_GetObjectItemCaseSensitive(q, key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* requestContext.http.method and rawPath, with defaults for direct invokes. */
static void
method_path(const cJSON *event, const char **method, const char **path)
{
	const cJSON *ctx, *http, *m, *p;

	ctx = cJSON_GetObjectItemCaseSensitive(event, "requestContext");
	http = cJSON_GetObjectItemCaseSensitive(ctx, "http");
	m = cJSON_GetObjectItemCaseSensitive(http, "method");
	p = cJSON_GetObjectItemCaseSensitive(event, "rawPath");
	*method = cJSON_IsString(m) ? m->valuestring : "INVOKE";
	*path = cJSON_IsString(p) ? p->valuestring : "";
}

static char *
http_reply(int status, const char *method, const char *path)
{
	cJSON *reply, *headers, *cookies, *body;
	char *text, *out;

	body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "method", method);
	cJSON_AddStringToObject(body, "path", path);
	cJSON_AddStringToObject(body, "runtime", "liblambda");
	text = cJSON_PrintUnformatted(body);
	cJSON_Delete(body);
	if (text == NULL)
		return NULL;

	reply = cJSON_CreateObject();
	cJSON_AddNumberToObject(reply, "statusCode", status);
	headers = cJSON_AddObjectToObject(reply, "headers");
	cJSON_AddStringToObject(headers, "content-type", "application/json");
	cJSON_AddStringToObject(headers, "x-powered-by", "liblambda");
	cJSON_AddStringToObject(headers, "cache-control", "no-store");
	cookies = cJSON_AddArrayToObject(reply, "cookies");
	cJSON_AddItemToArray(cookies, cJSON_CreateString("session=s3cr3t; Path=/; HttpOnly"));
	cJSON_AddItemToArray(cookies, cJSON_CreateString("theme=dark; Path=/; Max-Age=3600"));
	cJSON_AddStringToObject(reply, "body", text);
	cJSON_AddBoolToObject(reply, "isBase64Encoded", 0);
	out = cJSON_PrintUnformatted(reply);
	cJSON_Delete(reply);
	cJSON_free(text);
	return out;
}

static int
http(struct lambda_invocation *inv, void *arg)
{
	const char *method, *path, *s, *text;
	cJSON *event;
	char *reply;
	size_t len;
	int status = 201, rc;

	(void)arg;
	text = lambda_event(inv, &len);
	event = cJSON_ParseWithLength(text, len);
	if ((s = query(event, "fail")) != NULL && strcmp(s, "1") == 0) {
		cJSON_Delete(event);
		return lambda_error(inv, "Function.Failed", "asked to fail");
	}
	if ((s = query(event, "status")) != NULL && atoi(s) >= 100 &&
	    atoi(s) <= 599)
		status = atoi(s);
	method_path(event, &method, &path);
	reply = http_reply(status, method, path);
	cJSON_Delete(event);
	if (reply == NULL)
		return lambda_error(inv, "Function.OutOfMemory", "no memory");
	rc = lambda_reply(inv, reply, strlen(reply));
	cJSON_free(reply);
	return rc;
}

int
main(void)
{
	return lambda_run(http, NULL);
}
