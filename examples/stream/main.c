/*
 * stream: a handler that streams its answer slowly, as a long report or a
 * model's tokens would come: an HTTP-shaped stream (status and headers
 * first, liblambda's lambda_stream_begin_http), then one line every
 * 200 ms, each sent as it is made.  Behind a route, curl -N shows the
 * lines as they come; through InvokeWithResponseStream, the SDK gets a
 * PayloadChunk per line.  ?n=COUNT (1..100, default 10) lines.
 *
 *	curl -N http://127.0.0.1:8080/stream?n=5
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <lambda.h>

static int
count(const char *ev)
{
	const char *q = strstr(ev, "\"rawQueryString\":\"");
	const char *n;
	long v;

	if (q == NULL || (n = strstr(q, "n=")) == NULL)
		return 10;
	v = strtol(n + 2, NULL, 10);
	return v >= 1 && v <= 100 ? (int)v : 10;
}

static int
handler(struct lambda_invocation *inv, void *arg)
{
	const struct timespec pause = { 0, 200 * 1000 * 1000 };
	int i, n = count(lambda_event(inv, NULL)), k;
	char line[64];

	(void)arg;
	if (lambda_stream_begin_http(inv, 200,
	    "{\"content-type\":\"text/plain; charset=utf-8\"}") < 0)
		return lambda_error(inv, "Function.StreamFailed",
		    "the stream could not begin");
	for (i = 1; i <= n; i++) {
		k = snprintf(line, sizeof(line), "line %d of %d\n", i, n);
		if (lambda_stream_write(inv, line, (size_t)k) < 0)
			return 0;	/* cut: the invocation timed out */
		if (i < n)
			nanosleep(&pause, NULL);
	}
	return lambda_stream_end(inv);
}

int
main(void)
{
	return lambda_run(handler, NULL);
}
