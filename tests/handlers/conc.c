/*
 * conc: a thread-safe test handler for max_concurrency (41-concurrency.t,
 * the bench).  The action is the last path segment of the route (rawPath
 * ".../ACTION"), its argument the query string's value (rawQueryString
 * "n=ARG"):
 *
 *   gather?n=K  wait (at most 5 s) until K invocations are in the handler
 *               at once, then sleep 200 ms and reply
 *   hold?n=MS   sleep MS milliseconds, then reply
 *   crash?n=K   wait (at most 5 s) until K are in the handler at once,
 *               then exit(3) without replying
 *
 * The reply is {"worker":"ID","peak":P,"id":"REQUEST_ID"}: ID is unique per
 * worker process (from its log stream name), P the most invocations this
 * process has seen in the handler at once.  Each invocation logs one line
 * with lambda_log (so it carries its request id) and one plain printf
 * line (which carries none).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lambda.h"

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int inflight, peak, quiet;

/* The string value of "key" in a flat JSON event, into out. */
static void
field(const char *ev, const char *key, char *out, size_t cap)
{
	char pat[64];
	const char *s, *e;

	out[0] = '\0';
	snprintf(pat, sizeof(pat), "\"%s\":\"", key);
	if ((s = strstr(ev, pat)) == NULL)
		return;
	s += strlen(pat);
	if ((e = strchr(s, '"')) == NULL || (size_t)(e - s) >= cap)
		return;
	memcpy(out, s, (size_t)(e - s));
	out[e - s] = '\0';
}

/* Wait until k are in the handler, or 5 s. */
static void
gather(int k)
{
	struct timespec until;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 5;
	pthread_mutex_lock(&mu);
	while (inflight < k &&
	    pthread_cond_timedwait(&cv, &mu, &until) == 0)
		;
	pthread_mutex_unlock(&mu);
}

static int
handle(struct lambda_invocation *inv, void *arg)
{
	const char *ev = lambda_event(inv, NULL), *id;
	char path[256], q[64], out[256], *action;
	int n, p;

	(void)arg;
	field(ev, "rawPath", path, sizeof(path));
	field(ev, "rawQueryString", q, sizeof(q));
	action = strrchr(path, '/') != NULL ? strrchr(path, '/') + 1 : path;
	n = strchr(q, '=') != NULL ? atoi(strchr(q, '=') + 1) : 0;

	pthread_mutex_lock(&mu);
	if (++inflight > peak)
		peak = inflight;
	/* Whatever this one does, those gathering count it. */
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
	if (!quiet) {
		lambda_log(inv, "conc %s n=%d", action, n);
		printf("conc: a line with no request id\n");
		fflush(stdout);
	}

	if (strcmp(action, "gather") == 0) {
		gather(n);
		usleep(200 * 1000);
	} else if (strcmp(action, "hold") == 0)
		usleep((useconds_t)n * 1000);
	else if (strcmp(action, "crash") == 0) {
		gather(n);
		lambda_log(inv, "conc crashing");
		exit(3);
	}

	pthread_mutex_lock(&mu);
	inflight--;
	p = peak;
	pthread_mutex_unlock(&mu);
	id = getenv("AWS_LAMBDA_LOG_STREAM_NAME");
	id = id != NULL && strchr(id, ']') != NULL ? strchr(id, ']') + 1 : "";
	snprintf(out, sizeof(out), "{\"worker\":\"%.40s\",\"peak\":%d,"
	    "\"id\":\"%.40s\"}", id, p, lambda_request_id(inv));
	return lambda_reply(inv, out, strlen(out));
}

int
main(void)
{
	quiet = getenv("CONC_QUIET") != NULL;
	return lambda_run(handle, NULL);
}
