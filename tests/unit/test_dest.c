/*
 * Unit tests for destination (gateway/destination.c): the invocation
 * record a destination function gets, field by field, as Lambda writes
 * it -- for a success, a failure out of retries, an event too old that
 * never ran, payloads that are not JSON, empty ones, and the ARN of a
 * version's pool or an alias.  Delivery itself is tested with the aws
 * CLI in tests/integration/54-destinations.t.
 */
#include <criterion/criterion.h>

#include <string.h>

#include <cJSON.h>

#include "control/fnspec.h"
#include "destination.h"

#define RID	"0b5e4a1c-7d2f-4c3a-9e8b-1a2b3c4d5e6f"

static struct dest_in
base(void)
{
	struct dest_in in = {
		.request_id = RID, .pool = "orders", .qual = "",
		.condition = "Success", .invoke_count = 1,
		.request = "{\"id\": 7}", .request_len = 9,
		.version = "$LATEST", .response = "{\"ok\":true}",
		.response_len = 11,
		.when_ms = 1767323045678ULL,	/* 2026-01-02T03:04:05.678Z */
	};

	return in;
}

/* The record of in, parsed (the test fails if it is not JSON). */
static cJSON *
record(const struct dest_in *in, struct buf *b)
{
	cJSON *j;

	buf_init(b);
	dest_record(in, b);
	j = cJSON_ParseWithLength(b->data, b->len);
	cr_assert_not_null(j, "not JSON: %.*s", (int)b->len, b->data);
	return j;
}

static const char *
str(const cJSON *o, const char *path1, const char *path2)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, path1);

	if (path2 != NULL)
		v = cJSON_GetObjectItemCaseSensitive(v, path2);
	return cJSON_IsString(v) ? v->valuestring : "(not a string)";
}

static char *
print(const cJSON *o, const char *key)
{
	return cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(o, key));
}

Test(dest, success)
{
	struct dest_in in = base();
	struct buf b;
	cJSON *j = record(&in, &b), *rc, *rsp;
	char *s;

	cr_assert_str_eq(str(j, "version", NULL), "1.0");
	cr_assert_str_eq(str(j, "timestamp", NULL), "2026-01-02T03:04:05.678Z");
	cr_assert_str_eq(str(j, "requestContext", "requestId"), RID);
	cr_assert_str_eq(str(j, "requestContext", "functionArn"),
	    FNSPEC_ARN_PREFIX "orders:$LATEST");
	cr_assert_str_eq(str(j, "requestContext", "condition"), "Success");
	rc = cJSON_GetObjectItemCaseSensitive(j, "requestContext");
	cr_assert_eq(cJSON_GetObjectItem(rc, "approximateInvokeCount")->valueint,
	    1);
	cr_assert_eq(cJSON_GetArraySize(rc), 4, "four members, no more");
	s = print(j, "requestPayload");
	cr_assert_str_eq(s, "{\"id\":7}");
	free(s);
	rsp = cJSON_GetObjectItemCaseSensitive(j, "responseContext");
	cr_assert_eq(cJSON_GetObjectItem(rsp, "statusCode")->valueint, 200);
	cr_assert_str_eq(str(j, "responseContext", "executedVersion"),
	    "$LATEST");
	cr_assert_null(cJSON_GetObjectItem(rsp, "functionError"),
	    "no functionError on a success");
	s = print(j, "responsePayload");
	cr_assert_str_eq(s, "{\"ok\":true}");
	free(s);
	/* The event is copied as it came, its spacing kept. */
	cr_assert_not_null(strstr(b.data, "\"requestPayload\":{\"id\": 7}"),
	    "%s", b.data);
	cr_assert_eq(cJSON_GetArraySize(j), 6);
	cJSON_Delete(j);
	buf_free(&b);
}

Test(dest, retries_exhausted)
{
	struct dest_in in = base();
	struct buf b;
	cJSON *j;
	char *s;

	in.condition = "RetriesExhausted";
	in.invoke_count = 3;
	in.function_error = true;
	in.pool = "orders:2";
	in.version = "2";
	in.response = "{\"errorMessage\":\"asked to fail\",\"errorType\":"
	    "\"Function.Failed\"}";
	in.response_len = strlen(in.response);
	j = record(&in, &b);
	cr_assert_str_eq(str(j, "requestContext", "condition"),
	    "RetriesExhausted");
	cr_assert_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(j,
	    "requestContext"), "approximateInvokeCount")->valueint, 3);
	cr_assert_str_eq(str(j, "requestContext", "functionArn"),
	    FNSPEC_ARN_PREFIX "orders:2", "a version's pool names its version");
	cr_assert_str_eq(str(j, "responseContext", "functionError"),
	    "Unhandled");
	cr_assert_str_eq(str(j, "responseContext", "executedVersion"), "2");
	cr_assert_str_eq(str(j, "responsePayload", "errorType"),
	    "Function.Failed");
	s = print(j, "responsePayload");
	cr_assert_str_eq(s, in.response);
	free(s);
	cJSON_Delete(j);
	buf_free(&b);
}

Test(dest, alias_arn)
{
	struct dest_in in = base();
	struct buf b;
	cJSON *j;

	in.pool = "orders:1";
	in.qual = "live";
	j = record(&in, &b);
	cr_assert_str_eq(str(j, "requestContext", "functionArn"),
	    FNSPEC_ARN_PREFIX "orders:live", "the qualifier invoked with");
	cJSON_Delete(j);
	buf_free(&b);
	in.qual = NULL;
	in.pool = "orders";
	j = record(&in, &b);
	cr_assert_str_eq(str(j, "requestContext", "functionArn"),
	    FNSPEC_ARN_PREFIX "orders:$LATEST");
	cJSON_Delete(j);
	buf_free(&b);
}

/* Too old, never run: no response to tell. */
Test(dest, event_age_exceeded)
{
	struct dest_in in = base();
	struct buf b;
	cJSON *j;

	in.condition = "EventAgeExceeded";
	in.invoke_count = 0;
	in.version = NULL;
	j = record(&in, &b);
	cr_assert_str_eq(str(j, "requestContext", "condition"),
	    "EventAgeExceeded");
	cr_assert_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(j,
	    "requestContext"), "approximateInvokeCount")->valueint, 0);
	cr_assert_null(cJSON_GetObjectItem(j, "responseContext"));
	cr_assert_null(cJSON_GetObjectItem(j, "responsePayload"));
	cr_assert_not_null(cJSON_GetObjectItem(j, "requestPayload"));
	cJSON_Delete(j);
	buf_free(&b);
}

/* A reply that is not JSON becomes a string; an empty one null; a
 * request that is a bare JSON value stays one. */
Test(dest, payloads)
{
	struct dest_in in = base();
	struct buf b;
	cJSON *j;
	char *s;

	in.response = "plain \"text\"\n";
	in.response_len = strlen(in.response);
	in.request = " 42 ";
	in.request_len = 4;
	j = record(&in, &b);
	cr_assert_str_eq(str(j, "responsePayload", NULL), "plain \"text\"\n");
	cr_assert_eq(cJSON_GetObjectItem(j, "requestPayload")->valueint, 42);
	cJSON_Delete(j);
	buf_free(&b);
	in.response = NULL;
	in.response_len = 0;
	in.request = "{\"a\":1} x";	/* trailing junk: not one value */
	in.request_len = strlen(in.request);
	j = record(&in, &b);
	cr_assert(cJSON_IsNull(cJSON_GetObjectItem(j, "responsePayload")));
	cr_assert_str_eq(str(j, "requestPayload", NULL), "{\"a\":1} x");
	s = print(j, "requestContext");
	cr_assert_not_null(strstr(s, RID));
	free(s);
	cJSON_Delete(j);
	buf_free(&b);
}

/* A request id or a qualifier with a quote cannot break the record. */
Test(dest, escaped)
{
	struct dest_in in = base();
	struct buf b;
	cJSON *j;

	in.qual = "a\"b";
	in.condition = "Success";
	j = record(&in, &b);
	cr_assert_str_eq(str(j, "requestContext", "functionArn"),
	    FNSPEC_ARN_PREFIX "orders:a\"b");
	cJSON_Delete(j);
	buf_free(&b);
}
