/*
 * stream: a test handler that streams its answer (lambda_stream_*).  The
 * mode is the route's last path segment (rawPath ".../MODE") or, from the
 * Invoke API, the event's "mode" member; STREAM_GATE names a file (a fifo
 * the test writes) to wait on:
 *
 *   gate     an HTTP stream: 201 and x-stream: yes; "first\n";
 *            then each piece read from STREAM_GATE as it comes, until its
 *            end; then "last\n"
 *   error    "part\n", then lambda_stream_error Function.StreamFailed
 *   hang     "part\n", then wait on STREAM_GATE (the test kills us)
 *   big      ?mb=N (default 100): N MiB of 'x' in 64 KiB pieces, with a
 *            status line "# N MiB" first; HTTP-shaped
 *   chunks   a plain (not HTTP) stream of text/plain: "one,", "two,",
 *            "three"
 *   buffered an ordinary reply {"buffered":true}
 *   badprelude an HTTP-shaped stream whose prelude is not JSON
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lambda.h>

static const char *
mode_of(const char *ev, char *out, size_t n)
{
	const char *p, *e;

	if ((p = strstr(ev, "\"rawPath\":\"")) != NULL) {
		p += strlen("\"rawPath\":\"");
		if ((e = strchr(p, '"')) == NULL)
			return "";
		while ((const char *)memchr(p, '/', (size_t)(e - p)) != NULL)
			p = (const char *)memchr(p, '/', (size_t)(e - p)) + 1;
	} else if ((p = strstr(ev, "\"mode\":\"")) != NULL) {
		p += strlen("\"mode\":\"");
		if ((e = strchr(p, '"')) == NULL)
			return "";
	} else
		return "";
	snprintf(out, n, "%.*s", (int)(e - p), p);
	return out;
}

static int
gate(struct lambda_invocation *inv, int relay)
{
	const char *path = getenv("STREAM_GATE");
	char buf[4096];
	ssize_t k;
	int fd;

	if (path == NULL || (fd = open(path, O_RDONLY)) < 0)
		return lambda_stream_error(inv, "Function.NoGate",
		    "STREAM_GATE cannot be opened");
	while ((k = read(fd, buf, sizeof(buf))) > 0)
		if (relay && lambda_stream_write(inv, buf, (size_t)k) < 0)
			break;
	close(fd);
	return 0;
}

static int
big(struct lambda_invocation *inv, const char *ev)
{
	static char piece[65536];
	const char *q = strstr(ev, "mb=");
	long mb = q != NULL ? strtol(q + 3, NULL, 10) : 100, i;
	char line[64];
	int n;

	if (mb <= 0 || mb > 190)
		mb = 100;
	memset(piece, 'x', sizeof(piece));
	lambda_stream_begin_http(inv, 200,
	    "{\"content-type\":\"application/octet-stream\"}");
	n = snprintf(line, sizeof(line), "# %ld MiB\n", mb);
	if (lambda_stream_write(inv, line, (size_t)n) < 0)
		return 0;
	for (i = 0; i < mb * 16; i++)
		if (lambda_stream_write(inv, piece, sizeof(piece)) < 0)
			return 0;
	return 0;
}

static int
handler(struct lambda_invocation *inv, void *arg)
{
	const char *ev = lambda_event(inv, NULL);
	char buf[64];
	const char *mode = mode_of(ev, buf, sizeof(buf));

	(void)arg;
	if (strcmp(mode, "gate") == 0) {
		lambda_stream_begin_http(inv, 201, "{\"content-type\":"
		    "\"text/plain\",\"x-stream\":\"yes\"}");
		lambda_stream_write(inv, "first\n", 6);
		gate(inv, 1);
		lambda_stream_write(inv, "last\n", 5);
		return lambda_stream_end(inv);
	}
	if (strcmp(mode, "error") == 0) {
		lambda_stream_begin_http(inv, 200, NULL);
		lambda_stream_write(inv, "part\n", 5);
		return lambda_stream_error(inv, "Function.StreamFailed",
		    "the stream broke on purpose");
	}
	if (strcmp(mode, "hang") == 0) {
		lambda_stream_begin_http(inv, 200, NULL);
		lambda_stream_write(inv, "part\n", 5);
		return gate(inv, 0);
	}
	if (strcmp(mode, "big") == 0)
		return big(inv, ev);
	if (strcmp(mode, "chunks") == 0) {
		lambda_stream_begin(inv, "text/plain");
		lambda_stream_write(inv, "one,", 4);
		lambda_stream_write(inv, "two,", 4);
		lambda_stream_write(inv, "three", 5);
		return 0;	/* returning ends it */
	}
	if (strcmp(mode, "badprelude") == 0) {
		lambda_stream_begin(inv,
		    "application/vnd.awslambda.http-integration-response");
		lambda_stream_write(inv, "not json\0\0\0\0\0\0\0\0body", 20);
		return 0;
	}
	if (strcmp(mode, "buffered") == 0)
		return lambda_reply(inv, "{\"buffered\":true}", 17);
	return lambda_error(inv, "Function.BadMode", "no such mode");
}

int
main(void)
{
	return lambda_run(handler, NULL);
}
