/*
 * chat: a WebSocket API's function (lambdad.conf(5), [websocket NAME]),
 * one handler for every route, told apart by requestContext.routeKey:
 *
 *   $connect     accepts ({"statusCode":200}); ?refuse=1 refuses (401)
 *   $disconnect  logs who left and why
 *   echo         {"action":"echo","data":X}: "echo: X" comes back
 *   push         {"action":"push","to":ID,"data":X}: X is sent to the
 *                connection ID (this one when "to" is absent) through
 *                the @connections API, as the SDK's ApiGatewayManagementApi
 *                would: POST /@connections/ID at the endpoint lambdad
 *                puts in AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI (the
 *                worker's own endpoint); "pushed: STATUS" comes back
 *   silent       answers with no body: nothing comes back
 *   $default     anything else: the event itself comes back
 *
 * The HTTP call is a plain socket: a handler needs no HTTP library to
 * reach its private endpoint.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <lambda.h>

static const char *
str_at(const cJSON *o, const char *a, const char *b)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, a);

	if (b != NULL)
		v = cJSON_GetObjectItemCaseSensitive(v, b);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* "http://127.0.0.1:PORT" -> the port on loopback, or -1. */
static int
endpoint_port(void)
{
	const char *u = getenv("AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI");
	const char *colon;

	if (u == NULL || strncmp(u, "http://127.0.0.1:", 17) != 0)
		return -1;
	colon = u + 16;
	return atoi(colon + 1);
}

/* POST data to /@connections/id; the HTTP status, or -1. */
static int
post_to_connection(const char *id, const char *data)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	char head[256], resp[128];
	int fd, port = endpoint_port(), status = -1;
	size_t len = strlen(data);
	ssize_t n;

	if (port <= 0 || strlen(id) > 64)
		return -1;
	sin.sin_port = htons((unsigned short)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	snprintf(head, sizeof(head), "POST /@connections/%s HTTP/1.1\r\n"
	    "Host: 127.0.0.1:%d\r\nContent-Length: %zu\r\n"
	    "Connection: close\r\n\r\n", id, port, len);
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0 &&
	    write(fd, head, strlen(head)) == (ssize_t)strlen(head) &&
	    write(fd, data, len) == (ssize_t)len &&
	    (n = read(fd, resp, sizeof(resp) - 1)) > 12) {
		resp[n] = '\0';
		status = atoi(resp + 9);	/* "HTTP/1.1 200 ..." */
	}
	close(fd);
	return status;
}

/* {"statusCode":200,"body":body} (no body when NULL). */
static int
reply(struct lambda_invocation *inv, int status, const char *body)
{
	cJSON *r = cJSON_CreateObject();
	char *out;
	int rc;

	cJSON_AddNumberToObject(r, "statusCode", status);
	if (body != NULL)
		cJSON_AddStringToObject(r, "body", body);
	out = cJSON_PrintUnformatted(r);
	cJSON_Delete(r);
	if (out == NULL)
		return lambda_error(inv, "Chat.NoMemory", "out of memory");
	rc = lambda_reply(inv, out, strlen(out));
	cJSON_free(out);
	return rc;
}

static int
on_message(struct lambda_invocation *inv, const cJSON *ev, const char *key,
    const char *self, const char *text)
{
	cJSON *msg = cJSON_Parse(cJSON_IsString(cJSON_GetObjectItem(ev,
	    "body")) ? cJSON_GetObjectItem(ev, "body")->valuestring : "");
	const char *data = str_at(msg, "data", NULL), *to;
	char out[4200];
	int rc;

	if (strcmp(key, "echo") == 0) {
		snprintf(out, sizeof(out), "echo: %.4000s", data ? data : "");
		rc = reply(inv, 200, out);
	} else if (strcmp(key, "push") == 0) {
		to = str_at(msg, "to", NULL);
		snprintf(out, sizeof(out), "pushed: %d", post_to_connection(
		    to != NULL ? to : self, data != NULL ? data : ""));
		rc = reply(inv, 200, out);
	} else if (strcmp(key, "silent") == 0)
		rc = reply(inv, 200, NULL);
	else
		rc = reply(inv, 200, text);
	cJSON_Delete(msg);
	return rc;
}

static int
chat(struct lambda_invocation *inv, void *arg)
{
	const char *text, *key, *self;
	cJSON *ev;
	size_t len;
	int rc;

	(void)arg;
	text = lambda_event(inv, &len);
	if ((ev = cJSON_ParseWithLength(text, len)) == NULL)
		return lambda_error(inv, "Chat.BadEvent", "not JSON");
	key = str_at(ev, "requestContext", "routeKey");
	self = str_at(ev, "requestContext", "connectionId");
	if (key == NULL || self == NULL)
		rc = lambda_error(inv, "Chat.BadEvent", "not a WebSocket event");
	else if (strcmp(key, "$connect") == 0)
		rc = reply(inv, str_at(ev, "queryStringParameters", "refuse") ?
		    401 : 200, NULL);
	else if (strcmp(key, "$disconnect") == 0) {
		const cJSON *c = cJSON_GetObjectItem(cJSON_GetObjectItem(ev,
		    "requestContext"), "disconnectStatusCode");

		lambda_log(inv, "chat: %s left (%d)", self,
		    cJSON_IsNumber(c) ? c->valueint : 0);
		rc = reply(inv, 200, NULL);
	} else
		rc = on_message(inv, ev, key, self, text);
	cJSON_Delete(ev);
	return rc;
}

int
main(void)
{
	return lambda_run(chat, NULL);
}
