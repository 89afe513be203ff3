/*
 * lambda_stream: a streamed answer (lambda.h), in the Runtime API's
 * streaming mode: POST /response with Lambda-Runtime-Function-Response-Mode:
 * streaming and a chunked body, each lambda_stream_write one chunk sent at
 * once; an error after the start goes in the trailers
 * Lambda-Runtime-Function-Error-Type and -Body (base64 of the error JSON),
 * as the Node runtime sends them.
 *
 * The handler runs while the connection is idle (its event read, nothing
 * pipelined), so the POST goes straight onto it; its 202 is read once the
 * handler returns (lt_stream_done).  A write that fails (the server cut
 * the stream: a timeout, or a client gone with nothing to drain it) marks
 * the stream broken: later writes fail at once with the same error, and
 * the connection is reopened for the next event.
 */
#include <sys/uio.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lambda.h"
#include "lambda_int.h"
#include "rapi_client.h"

#define HTTP_TYPE	"application/vnd.awslambda.http-integration-response"

static int
st_send(struct lambda_invocation *inv, const struct iovec *iov, int n)
{
	int e;

	if (inv->stream == LT_STREAM_BROKEN)
		return -EPIPE;
	if ((e = rapi_send(&inv->rt->conn, iov, n)) < 0) {
		rapi_logx("%s: streaming the response: %s", inv->ev.request_id,
		    strerror(-e));
		inv->stream = LT_STREAM_BROKEN;
	}
	return e;
}

static int
st_chunk(struct lambda_invocation *inv, const void *p, size_t n)
{
	struct iovec iov[3];
	char size[24];

	if (n == 0)
		return 0;	/* a chunk of 0 would end the body */
	iov[0].iov_base = size;
	iov[0].iov_len = (size_t)snprintf(size, sizeof(size), "%zx\r\n", n);
	iov[1].iov_base = (void *)p;
	iov[1].iov_len = n;
	iov[2].iov_base = (void *)"\r\n";
	iov[2].iov_len = 2;
	return st_send(inv, iov, 3);
}

LAMBDA_API int
lambda_stream_begin(struct lambda_invocation *inv, const char *content_type)
{
	char head[1024], path[400];
	struct iovec iov;
	const char *id;
	int n;

	if (inv == NULL || inv->rt == NULL || (content_type != NULL &&
	    !lt_valid_header_value(content_type, 256)))
		return -EINVAL;
	if (inv->answered || inv->stream != LT_STREAM_NONE)
		return -EALREADY;
	id = inv->ev.request_id;
	if (strspn(id, "0123456789abcdefABCDEF-") != strlen(id))
		return -EINVAL;		/* it goes into the path as is */
	snprintf(path, sizeof(path), "/2018-06-01/runtime/invocation/%s/"
	    "response", id);
	n = snprintf(head, sizeof(head), "POST %s HTTP/1.1\r\nHost: %s\r\n"
	    "User-Agent: liblambda/0.1\r\nContent-Type: %s\r\n"
	    "Lambda-Runtime-Function-Response-Mode: streaming\r\n"
	    "Transfer-Encoding: chunked\r\n"
	    "Trailer: Lambda-Runtime-Function-Error-Type, "
	    "Lambda-Runtime-Function-Error-Body\r\n\r\n", path,
	    inv->rt->conn.host, content_type != NULL ? content_type :
	    "application/octet-stream");
	if (n <= 0 || (size_t)n >= sizeof(head))
		return -EOVERFLOW;
	inv->answered = 1;
	inv->stream = LT_STREAM_OPEN;
	iov.iov_base = head;
	iov.iov_len = (size_t)n;
	return st_send(inv, &iov, 1);
}

LAMBDA_API int
lambda_stream_begin_http(struct lambda_invocation *inv, int status,
    const char *headers_json)
{
	static const char delim[8];
	char pre[8192];
	int n, e;

	if (status < 100 || status > 599)
		return -EINVAL;
	n = snprintf(pre, sizeof(pre), "{\"statusCode\":%d,\"headers\":%s}",
	    status, headers_json != NULL ? headers_json : "{}");
	if (n <= 0 || (size_t)n >= sizeof(pre))
		return -EOVERFLOW;
	if ((e = lambda_stream_begin(inv, HTTP_TYPE)) < 0)
		return e;
	memcpy(pre + n, delim, sizeof(delim));
	return st_chunk(inv, pre, (size_t)n + sizeof(delim));
}

LAMBDA_API int
lambda_stream_write(struct lambda_invocation *inv, const void *p, size_t n)
{
	if (inv == NULL || (p == NULL && n > 0))
		return -EINVAL;
	if (inv->stream == LT_STREAM_NONE || inv->stream == LT_STREAM_ENDED)
		return -EINVAL;
	return st_chunk(inv, p, n);
}

LAMBDA_API int
lambda_stream_end(struct lambda_invocation *inv)
{
	struct iovec iov = { (void *)"0\r\n\r\n", 5 };

	if (inv == NULL || inv->stream == LT_STREAM_NONE ||
	    inv->stream == LT_STREAM_ENDED)
		return -EINVAL;
	if (inv->stream == LT_STREAM_BROKEN)
		return -EPIPE;
	inv->stream = LT_STREAM_ENDED;
	return st_send(inv, &iov, 1);
}

static void
base64(const char *in, size_t n, char *out)
{
	static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789+/";
	size_t i;
	unsigned v;

	for (i = 0; i + 2 < n; i += 3) {
		v = (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8 |
		    (unsigned char)in[i + 2];
		*out++ = t[v >> 18];
		*out++ = t[(v >> 12) & 63];
		*out++ = t[(v >> 6) & 63];
		*out++ = t[v & 63];
	}
	if (i < n) {
		v = (unsigned char)in[i] << 16;
		if (i + 1 < n)
			v |= (unsigned char)in[i + 1] << 8;
		*out++ = t[v >> 18];
		*out++ = t[(v >> 12) & 63];
		*out++ = i + 1 < n ? t[(v >> 6) & 63] : '=';
		*out++ = '=';
	}
	*out = '\0';
}

LAMBDA_API int
lambda_stream_error(struct lambda_invocation *inv, const char *type,
    const char *message)
{
	struct iovec iov;
	char *body, *tr;
	size_t len, cap;
	int e;

	if (inv == NULL || !lt_valid_error_type(type) ||
	    inv->stream == LT_STREAM_NONE || inv->stream == LT_STREAM_ENDED)
		return -EINVAL;
	if (inv->stream == LT_STREAM_BROKEN)
		return -EPIPE;
	if ((body = lt_error_json(type, message != NULL ? message : "",
	    &len)) == NULL)
		return -ENOMEM;
	cap = 4 * len / 3 + strlen(type) + 160;
	if ((tr = malloc(cap)) == NULL) {
		free(body);
		return -ENOMEM;
	}
	len = (size_t)snprintf(tr, cap, "0\r\nLambda-Runtime-Function-Error-Type: "
	    "%s\r\nLambda-Runtime-Function-Error-Body: ", type);
	base64(body, strlen(body), tr + len);
	len += strlen(tr + len);
	len += (size_t)snprintf(tr + len, cap - len, "\r\n\r\n");
	free(body);
	inv->stream = LT_STREAM_ENDED;
	iov.iov_base = tr;
	iov.iov_len = len;
	e = st_send(inv, &iov, 1);
	free(tr);
	return e;
}

int
lt_stream_done(struct rt *rt)
{
	struct lambda_invocation *inv = &rt->inv;
	struct rapi_response r;
	int e;

	if (inv->stream == LT_STREAM_OPEN)
		(void)lambda_stream_end(inv);
	if (inv->stream == LT_STREAM_BROKEN) {
		rapi_conn_close(&rt->conn);	/* reopened for /next */
		return 0;
	}
	if ((e = rapi_read_response(&rt->conn, &r)) < 0) {
		rapi_conn_close(&rt->conn);
		return 0;
	}
	if (r.status != 202)
		rapi_logx("%s: streamed response: HTTP %d", inv->ev.request_id,
		    r.status);
	if (r.close)
		rapi_conn_close(&rt->conn);
	rapi_response_free(&r);
	return 0;
}
