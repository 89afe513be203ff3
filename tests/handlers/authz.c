/*
 * authz: a Lambda authorizer for the tests (payload 2.0, issue 10).  It
 * decides from the x-auth header of the REQUEST event it gets:
 *
 *   allow-NAME   {"isAuthorized":true,"context":{...}}
 *   deny-NAME    {"isAuthorized":false}
 *   error        lambda_error (a function error)
 *   sleep        sleep past any test timeout, then allow
 *   slow-NAME    sleep 700 ms, then allow
 *   crash        exit without replying
 *   garbage      {"isAuthorized":"yes"} (not a boolean)
 *   iam-allow    an IAM policy allowing GET on every route under /iam/
 *   iam-deny     the same Allow, and an explicit Deny of this routeArn
 *   iam-other    an Allow of another route only
 *
 * The context tells the test what the event looked like: the x-auth
 * value, its type, routeArn and identitySource (as they came), and
 * whether it had a body (the REQUEST event has none).  No JSON library:
 * values are taken by their keys as they appear, which the tests keep
 * simple (letters, digits, dashes).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lambda.h"

/* The string value of "key" in ev (the first), copied into out. */
static void
field(const char *ev, const char *key, char *out, size_t n)
{
	char pat[64];
	const char *p, *e;
	size_t len;

	out[0] = '\0';
	snprintf(pat, sizeof(pat), "\"%s\":\"", key);
	if ((p = strstr(ev, pat)) == NULL)
		return;
	p += strlen(pat);
	if ((e = strchr(p, '"')) == NULL)
		return;
	len = (size_t)(e - p) < n - 1 ? (size_t)(e - p) : n - 1;
	memcpy(out, p, len);
	out[len] = '\0';
}

/* The raw JSON array after "key":, copied into out ("null" if none). */
static void
array(const char *ev, const char *key, char *out, size_t n)
{
	char pat[64];
	const char *p, *e;
	size_t len;

	snprintf(out, n, "null");
	snprintf(pat, sizeof(pat), "\"%s\":[", key);
	if ((p = strstr(ev, pat)) == NULL)
		return;
	p += strlen(pat) - 1;
	if ((e = strchr(p, ']')) == NULL)
		return;
	len = (size_t)(e - p + 1) < n - 1 ? (size_t)(e - p + 1) : n - 1;
	memcpy(out, p, len);
	out[len] = '\0';
}

static int
handle(struct lambda_invocation *inv, void *arg)
{
	const char *ev = lambda_event(inv, NULL);
	char who[128], type[32], arn[256], ids[512], ctx[1200], out[2400];

	(void)arg;
	field(ev, "x-auth", who, sizeof(who));
	field(ev, "type", type, sizeof(type));
	field(ev, "routeArn", arn, sizeof(arn));
	array(ev, "identitySource", ids, sizeof(ids));
	snprintf(ctx, sizeof(ctx), "{\"user\":\"%s\",\"type\":\"%s\","
	    "\"routeArn\":\"%s\",\"identitySource\":%s,\"hasBody\":%s,"
	    "\"n\":7}", who, type, arn, ids,
	    strstr(ev, "\"body\":") != NULL ? "true" : "false");
	if (strncmp(who, "deny", 4) == 0)
		snprintf(out, sizeof(out), "{\"isAuthorized\":false}");
	else if (strcmp(who, "error") == 0)
		return lambda_error(inv, "Function.Failed", "told to fail");
	else if (strcmp(who, "crash") == 0)
		_exit(3);
	else if (strcmp(who, "garbage") == 0)
		snprintf(out, sizeof(out), "{\"isAuthorized\":\"yes\"}");
	else if (strncmp(who, "iam-", 4) == 0)
		snprintf(out, sizeof(out), "{\"principalId\":\"p-%s\","
		    "\"policyDocument\":{\"Version\":\"2012-10-17\","
		    "\"Statement\":[{\"Action\":\"execute-api:Invoke\","
		    "\"Effect\":\"Allow\",\"Resource\":[\"%s\"]}%s]},"
		    "\"context\":%s}", who + 4,
		    strcmp(who, "iam-other") == 0 ?
		    "arn:aws:execute-api:*:*:*/*/GET/elsewhere" :
		    "arn:aws:execute-api:*:*:*/*/GET/iam/*",
		    strcmp(who, "iam-deny") == 0 ? ",{\"Action\":\"execute-api:"
		    "*\",\"Effect\":\"Deny\",\"Resource\":\"arn:aws:execute-api:"
		    "us-east-1:*:lambdad/$default/GET/iam/?vent\"}" : "", ctx);
	else {
		if (strcmp(who, "sleep") == 0)
			sleep(30);
		if (strncmp(who, "slow", 4) == 0)
			usleep(700 * 1000);
		snprintf(out, sizeof(out), "{\"isAuthorized\":true,"
		    "\"context\":%s}", ctx);
	}
	return lambda_reply(inv, out, strlen(out));
}

int
main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	return lambda_run(handle, NULL);
}
