/*
 * silent: a hello that does what the relay floor's worker does
 * (tests/bench/relay_worker.c) and no more, for tests/bench/relay.sh.
 * Route it as `GET /hello/{name}`: it answers "Hello, NAME!\n" as plain
 * text, NAME being pathParameters.name (found by a scan of the event, not
 * parsed into a tree: the floor's worker parses nothing either), and logs
 * nothing.  With SILENT_LOG set in its environment it writes one log line
 * per invocation on stdout, as examples/hello does, so that the logging
 * relay can be matched on equal work too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lambda.h"

#define NAMECAP	120

static int logging;

/*
 * pathParameters.name of the event, as it is written there (still
 * JSON-escaped, which is what the reply needs), or "world".
 */
static void
event_name(const char *ev, size_t len, char *out, size_t cap)
{
	static const char key[] = "\"name\":\"";
	const char *p, *s, *e, *end = ev + len;

	snprintf(out, cap, "world");
	if ((p = memmem(ev, len, "\"pathParameters\":{", 18)) == NULL ||
	    (s = memmem(p, (size_t)(end - p), key, sizeof(key) - 1)) == NULL)
		return;
	s += sizeof(key) - 1;
	for (e = s; e < end && *e != '"'; e++)
		if (*e == '\\' && e + 1 < end)
			e++;
	if (e == end || e == s || (size_t)(e - s) >= cap)
		return;
	memcpy(out, s, (size_t)(e - s));
	out[e - s] = '\0';
}

static int
silent(struct lambda_invocation *inv, void *arg)
{
	char name[NAMECAP + 1], out[256];
	const char *ev;
	size_t len;
	int n;

	(void)arg;
	ev = lambda_event(inv, &len);
	event_name(ev, len, name, sizeof(name));
	if (logging)
		printf("greeting %s\n", name);
	n = snprintf(out, sizeof(out), "{\"statusCode\":200,\"headers\":"
	    "{\"content-type\":\"text/plain\"},\"body\":\"Hello, %s!\\n\"}",
	    name);
	return lambda_reply(inv, out, (size_t)n);
}

int
main(void)
{
	logging = getenv("SILENT_LOG") != NULL;
	return lambda_run(silent, NULL);
}
