/*
 * Unit tests for gateway/sched/sched.c's events: the default Scheduled
 * Event and an input with EventBridge Scheduler's context attributes.
 * (The timers, the state file and catch-up run in the real daemon:
 * tests/integration/48-schedules.t.)
 */
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>
#include <criterion/criterion.h>

#include "sched/sched.h"

#define T_2026_03_01	1772323200	/* 2026-03-01T00:00:00Z */

static const char *
str(const cJSON *j, const char *k)
{
	return cJSON_GetStringValue(cJSON_GetObjectItem(j, k));
}

Test(sched_event, default_shape)
{
	char *s = sched_default_event("nightly", T_2026_03_01 + 90,
	    "0a3e6a4e-1111-4c1b-9b1e-3f1a2b3c4d5e");
	cJSON *j = cJSON_Parse(s), *res;

	cr_assert_not_null(j, "%s", s);
	cr_expect_str_eq(str(j, "version"), "0");
	cr_expect_str_eq(str(j, "id"), "0a3e6a4e-1111-4c1b-9b1e-3f1a2b3c4d5e");
	cr_expect_str_eq(str(j, "detail-type"), "Scheduled Event");
	cr_expect_str_eq(str(j, "source"), "aws.events");
	cr_expect_str_eq(str(j, "account"), "123456789012");
	cr_expect_str_eq(str(j, "region"), "us-east-1");
	cr_expect_str_eq(str(j, "time"), "2026-03-01T00:01:30Z");
	res = cJSON_GetObjectItem(j, "resources");
	cr_assert(cJSON_IsArray(res) && cJSON_GetArraySize(res) == 1);
	cr_expect_str_eq(cJSON_GetStringValue(cJSON_GetArrayItem(res, 0)),
	    "arn:aws:events:us-east-1:123456789012:rule/nightly");
	cr_expect(cJSON_IsObject(cJSON_GetObjectItem(j, "detail")) &&
	    cJSON_GetArraySize(cJSON_GetObjectItem(j, "detail")) == 0);
	cr_expect_eq(cJSON_GetArraySize(j), 9);
	cJSON_Delete(j);
	free(s);
}

Test(sched_event, context_attributes)
{
	char *s = sched_input_event("{\"a\":\"<aws.scheduler.schedule-arn>\","
	    "\"t\":\"<aws.scheduler.scheduled-time>\",\"id\":"
	    "\"<aws.scheduler.execution-id>\",\"n\":"
	    "<aws.scheduler.attempt-number>,\"again\":"
	    "\"<aws.scheduler.scheduled-time>/<aws.scheduler.unknown>\"}",
	    "nightly", T_2026_03_01, "abc");

	cr_expect_str_eq(s, "{\"a\":\"arn:aws:scheduler:us-east-1:"
	    "123456789012:schedule/default/nightly\",\"t\":"
	    "\"2026-03-01T00:00:00Z\",\"id\":\"abc\",\"n\":1,\"again\":"
	    "\"2026-03-01T00:00:00Z/<aws.scheduler.unknown>\"}");
	free(s);
	s = sched_input_event("{\"plain\":true}", "x", 0, "id");
	cr_expect_str_eq(s, "{\"plain\":true}");
	free(s);
}
