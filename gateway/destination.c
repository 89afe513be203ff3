/*
 * destination: the invocation record of an ended Event invocation.  See
 * destination.h.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cJSON.h>

#include "control/fnspec.h"
#include "destination.h"

/* s[0..n) is exactly one JSON value. */
static bool
is_json(const char *s, size_t n)
{
	const char *end = NULL;
	cJSON *j;

	if (n == 0 || (j = cJSON_ParseWithLengthOpts(s, n, &end, 0)) == NULL)
		return false;
	cJSON_Delete(j);
	while (end < s + n && (*end == ' ' || *end == '\t' || *end == '\n' ||
	    *end == '\r'))
		end++;
	return end == s + n;
}

/* A payload as a JSON value: itself, a string of its bytes, or null. */
static void
add_payload(struct buf *b, const char *s, size_t n)
{
	if (s == NULL || n == 0)
		buf_adds(b, "null");
	else if (is_json(s, n))
		buf_add(b, s, n);
	else
		buf_json_str(b, s, n);
}

/* ISO 8601 in UTC with milliseconds, as Lambda writes timestamp. */
static void
add_time(struct buf *b, uint64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	char s[32];

	gmtime_r(&t, &tm);
	strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%S", &tm);
	buf_printf(b, "\"%s.%03uZ\"", s, (unsigned)(ms % 1000));
}

/* The source's ARN: the pool's function name and the invoked qualifier. */
static void
add_arn(struct buf *b, const struct dest_in *in)
{
	const char *colon = strchr(in->pool, ':');
	size_t n = colon != NULL ? (size_t)(colon - in->pool) : strlen(in->pool);
	const char *q = in->qual != NULL && in->qual[0] != '\0' ? in->qual :
	    colon != NULL ? colon + 1 : "$LATEST";
	struct buf arn;

	buf_init(&arn);
	buf_printf(&arn, FNSPEC_ARN_PREFIX "%.*s:%s", (int)n, in->pool, q);
	buf_json_str(b, arn.data, arn.len);
	buf_free(&arn);
}

void
dest_record(const struct dest_in *in, struct buf *b)
{
	buf_adds(b, "{\"version\":\"1.0\",\"timestamp\":");
	add_time(b, in->when_ms);
	buf_adds(b, ",\"requestContext\":{\"requestId\":");
	buf_json_str(b, in->request_id, strlen(in->request_id));
	buf_adds(b, ",\"functionArn\":");
	add_arn(b, in);
	buf_adds(b, ",\"condition\":");
	buf_json_str(b, in->condition, strlen(in->condition));
	buf_printf(b, ",\"approximateInvokeCount\":%u},\"requestPayload\":",
	    in->invoke_count);
	add_payload(b, in->request, in->request_len);
	if (in->version != NULL) {
		buf_adds(b, ",\"responseContext\":{\"statusCode\":200,"
		    "\"executedVersion\":");
		buf_json_str(b, in->version, strlen(in->version));
		if (in->function_error)
			buf_adds(b, ",\"functionError\":\"Unhandled\"");
		buf_adds(b, "},\"responsePayload\":");
		add_payload(b, in->response, in->response_len);
	}
	buf_addc(b, '}');
}
