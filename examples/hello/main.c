/*
 * hello: the smallest useful handler.  Route it as `GET /hello/{name}`: it
 * reads pathParameters.name from the API Gateway 2.0 event and answers
 * "Hello, NAME!" as plain text (with no name, "Hello, world!").  It prints
 * one log line per invocation on stdout, which lambdad tags with the
 * request id.
 *
 *	cc main.c $(pkg-config --cflags --libs liblambda libcjson) -o bootstrap
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <lambda.h>

/* {"statusCode":200,"headers":{"content-type":"text/plain"},"body":...} */
static char *
hello_reply(const char *name)
{
	cJSON *reply, *headers;
	char text[160], *out;

	snprintf(text, sizeof(text), "Hello, %.120s!\n", name);
	reply = cJSON_CreateObject();
	cJSON_AddNumberToObject(reply, "statusCode", 200);
	headers = cJSON_AddObjectToObject(reply, "headers");
	cJSON_AddStringToObject(headers, "content-type", "text/plain");
	cJSON_AddStringToObject(reply, "body", text);
	out = cJSON_PrintUnformatted(reply);
	cJSON_Delete(reply);
	return out;
}

static int
hello(struct lambda_invocation *inv, void *arg)
{
	const cJSON *params, *name;
	const char *who = "world", *text;
	cJSON *event;
	char *reply;
	size_t len;
	int rc;

	(void)arg;
	/* Not JSON, or not an API Gateway event (a direct invoke): no name. */
	text = lambda_event(inv, &len);
	event = cJSON_ParseWithLength(text, len);
	params = cJSON_GetObjectItemCaseSensitive(event, "pathParameters");
	name = cJSON_GetObjectItemCaseSensitive(params, "name");
	if (cJSON_IsString(name) && name->valuestring[0] != '\0')
		who = name->valuestring;
	printf("greeting %.120s\n", who);
	reply = hello_reply(who);
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
	return lambda_run(hello, NULL);
}
