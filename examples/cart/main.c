/*
 * cart: a shopping cart kept in a table, the README's Tables walk-through.
 *
 *   POST   /cart/{id}  {"add":"apple"}     adds to the cart's set of items
 *   POST   /cart/{id}  {"remove":"apple"}  takes one out
 *   GET    /cart/{id}                      the cart
 *   DELETE /cart/{id}                      empties it
 *
 * The table is "carts" (hash key id, a string), or $CART_TABLE.  It talks
 * DynamoDB's JSON protocol to $AWS_ENDPOINT_URL_DYNAMODB, which lambdad
 * sets for a function with a `tables =` line (and the same variable points
 * the AWS SDKs and CLI at any other endpoint), with a plain HTTP/1.1
 * request: lambdad's private endpoint needs no signature.  On AWS, where
 * DynamoDB wants SigV4 over HTTPS, use an SDK; the calls are the same.
 */
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <lambda.h>

#define REPLY_MAX	(1 << 20)

/* host and port of an http://HOST:PORT endpoint URL.  0 or -1. */
static int
endpoint(char *host, size_t hlen, char *port, size_t plen)
{
	const char *u = getenv("AWS_ENDPOINT_URL_DYNAMODB"), *c, *e;

	if (u == NULL || strncmp(u, "http://", 7) != 0)
		return -1;
	u += 7;
	e = u + strcspn(u, "/");
	if ((c = memchr(u, ':', (size_t)(e - u))) == NULL ||
	    (size_t)(c - u) >= hlen || (size_t)(e - c - 1) >= plen)
		return -1;
	snprintf(host, hlen, "%.*s", (int)(c - u), u);
	snprintf(port, plen, "%.*s", (int)(e - c - 1), c + 1);
	return 0;
}

static int
dial(void)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai;
	char host[256], port[16];
	int fd;

	if (endpoint(host, sizeof(host), port, sizeof(port)) != 0 ||
	    getaddrinfo(host, port, &hints, &ai) != 0)
		return -1;
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
		close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	return fd;
}

static int
send_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t k = send(fd, p, n, MSG_NOSIGNAL);

		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/*
 * One DynamoDB call: op ("GetItem", ...) with a JSON request.  The reply
 * body parsed, and its HTTP status in *status; NULL if none came.
 */
static cJSON *
ddb(const char *op, const cJSON *req, int *status)
{
	char head[512], *body = cJSON_PrintUnformatted(req), *buf, *b;
	size_t len = 0;
	ssize_t k;
	cJSON *out = NULL;
	int fd = dial();

	*status = 0;
	buf = malloc(REPLY_MAX + 1);
	if (fd < 0 || body == NULL || buf == NULL)
		goto done;
	snprintf(head, sizeof(head), "POST / HTTP/1.1\r\nHost: dynamodb\r\n"
	    "X-Amz-Target: DynamoDB_20120810.%s\r\n"
	    "Content-Type: application/x-amz-json-1.0\r\n"
	    "Content-Length: %zu\r\nConnection: close\r\n\r\n", op,
	    strlen(body));
	if (send_all(fd, head, strlen(head)) != 0 ||
	    send_all(fd, body, strlen(body)) != 0)
		goto done;
	while (len < REPLY_MAX && (k = read(fd, buf + len, REPLY_MAX - len)) > 0)
		len += (size_t)k;
	buf[len] = '\0';
	if (sscanf(buf, "HTTP/1.1 %d", status) == 1 &&
	    (b = strstr(buf, "\r\n\r\n")) != NULL)
		out = cJSON_Parse(b + 4);
done:
	if (fd >= 0)
		close(fd);
	cJSON_free(body);
	free(buf);
	return out;
}

static const char *
str(const cJSON *o, const char *a, const char *b)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, a);

	if (b != NULL)
		v = cJSON_GetObjectItemCaseSensitive(v, b);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* The request body as JSON: API Gateway base64-encodes a body whose
 * Content-Type it does not take for text (curl -d sends a form type). */
static cJSON *
event_body(const cJSON *ev)
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *in = str(ev, "body", NULL), *p;
	const cJSON *enc = cJSON_GetObjectItemCaseSensitive(ev, "isBase64Encoded");
	unsigned acc = 0, bits = 0;
	size_t n = 0;
	char *out;
	cJSON *j;

	if (in == NULL)
		return cJSON_CreateObject();
	if (!cJSON_IsTrue(enc))
		return cJSON_Parse(in);
	if ((out = malloc(strlen(in) + 1)) == NULL)
		return NULL;
	for (; *in != '\0' && *in != '='; in++) {
		if ((p = strchr(b64, *in)) == NULL)
			continue;
		acc = acc << 6 | (unsigned)(p - b64);
		if ((bits += 6) >= 8) {
			bits -= 8;
			out[n++] = (char)(acc >> bits & 0xff);
		}
	}
	out[n] = '\0';
	j = cJSON_Parse(out);
	free(out);
	return j;
}

static cJSON *
key_req(const char *id)
{
	const char *t = getenv("CART_TABLE");
	cJSON *req = cJSON_CreateObject(), *key;

	cJSON_AddStringToObject(req, "TableName", t != NULL ? t : "carts");
	key = cJSON_AddObjectToObject(req, "Key");
	cJSON_AddStringToObject(cJSON_AddObjectToObject(key, "id"), "S", id);
	return req;
}

/* ADD or DELETE one element of the cart's string set "items". */
static cJSON *
change(const char *id, const char *what, const char *thing, int *status)
{
	cJSON *req = key_req(id), *v, *ss, *out;

	cJSON_AddStringToObject(req, "UpdateExpression",
	    strcmp(what, "add") == 0 ? "ADD #i :x" : "DELETE #i :x");
	cJSON_AddStringToObject(cJSON_AddObjectToObject(req,
	    "ExpressionAttributeNames"), "#i", "items");
	v = cJSON_AddObjectToObject(cJSON_AddObjectToObject(req,
	    "ExpressionAttributeValues"), ":x");
	ss = cJSON_AddArrayToObject(v, "SS");
	cJSON_AddItemToArray(ss, cJSON_CreateString(thing));
	cJSON_AddStringToObject(req, "ReturnValues", "ALL_NEW");
	out = ddb("UpdateItem", req, status);
	cJSON_Delete(req);
	return out;
}

/* The reply: {"id":..,"items":[..]} from an item, or the store's error. */
static int
answer(struct lambda_invocation *inv, const char *id, cJSON *res, int status,
    const char *field)
{
	cJSON *reply = cJSON_CreateObject(), *body = cJSON_CreateObject(), *it;
	char *text, *out;
	int rc;

	if (res == NULL || status != 200) {
		cJSON_AddStringToObject(body, "error", res == NULL ?
		    "the table store did not answer" : str(res, "message", NULL) ?
		    str(res, "message", NULL) : "the table store refused");
		status = res == NULL ? 502 : status;
	} else {
		cJSON_AddStringToObject(body, "id", id);
		it = cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(res, field), "items"), "SS");
		cJSON_AddItemToObject(body, "items", it != NULL ?
		    cJSON_Duplicate(it, 1) : cJSON_CreateArray());
	}
	text = cJSON_PrintUnformatted(body);
	cJSON_AddNumberToObject(reply, "statusCode", status);
	cJSON_AddStringToObject(cJSON_AddObjectToObject(reply, "headers"),
	    "content-type", "application/json");
	cJSON_AddStringToObject(reply, "body", text);
	out = cJSON_PrintUnformatted(reply);
	rc = lambda_reply(inv, out, strlen(out));
	cJSON_free(out);
	cJSON_free(text);
	cJSON_Delete(reply);
	cJSON_Delete(body);
	cJSON_Delete(res);
	return rc;
}

static int
cart(struct lambda_invocation *inv, void *arg)
{
	cJSON *ev = cJSON_Parse(lambda_event(inv, NULL)), *body, *req, *res;
	const char *m;
	const char *id = str(ev, "pathParameters", "id"), *field = "Attributes";
	int status = 0, rc;

	(void)arg;
	m = str(cJSON_GetObjectItemCaseSensitive(ev, "requestContext"), "http",
	    "method");
	if (id == NULL || m == NULL) {
		cJSON_Delete(ev);
		return lambda_error(inv, "BadRequest", "route it as /cart/{id}");
	}
	body = event_body(ev);
	if (strcmp(m, "POST") == 0 && str(body, "add", NULL) != NULL)
		res = change(id, "add", str(body, "add", NULL), &status);
	else if (strcmp(m, "POST") == 0 && str(body, "remove", NULL) != NULL)
		res = change(id, "remove", str(body, "remove", NULL), &status);
	else if (strcmp(m, "POST") == 0) {
		status = 400;
		res = cJSON_Parse("{\"message\":\"POST {\\\"add\\\":THING} or "
		    "{\\\"remove\\\":THING}\"}");
	} else {
		req = key_req(id);
		if (strcmp(m, "DELETE") == 0) {
			cJSON_AddStringToObject(req, "ReturnValues", "ALL_OLD");
			res = ddb("DeleteItem", req, &status);
		} else {
			cJSON_AddBoolToObject(req, "ConsistentRead", 1);
			res = ddb("GetItem", req, &status);
			field = "Item";
		}
		cJSON_Delete(req);
	}
	rc = answer(inv, id, res, status, field);
	cJSON_Delete(body);
	cJSON_Delete(ev);
	return rc;
}

int
main(void)
{
	return lambda_run(cart, NULL);
}
