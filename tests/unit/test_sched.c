/*
 * Unit tests for [schedule NAME] sections (conf_sched.c) and
 * gateway/sched/sched.c's events: the default Scheduled Event and an
 * input with EventBridge Scheduler's context attributes.  (The timers,
 * the state file and catch-up run in the real daemon:
 * tests/integration/48-schedules.t.)
 */
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>
#include <criterion/criterion.h>

#include "conf.h"
#include "conf_fixture.h"
#include "sched/sched.h"

static void
setup(void)
{
	tmpdir_make("test_sched", tmpdir);
}

static void
teardown(void)
{
	tmpdir_remove(tmpdir);
}

TestSuite(sched_conf, .init = setup, .fini = teardown);

#define FN_TICK "[function tick]\nbootstrap = /bin/true\n"

Test(sched_conf, defaults_and_keys)
{
	struct conf *c = load_ok("\n[schedule a]\nfunction = tick\n"
	    "expression = rate(5 minutes)\n\n[schedule b.2]\n"
	    "function = tick:live\nexpression = cron(0 12 * * ? *)\n"
	    "timezone = Europe/Berlin\ninput = { \"k\" : [1, 2] }\n"
	    "retries = 185\nmax_age = 60\ncatch_up = on\n", FN_TICK);
	const struct conf_schedule *a = conf_find_schedule(c, "a"),
	    *b = conf_find_schedule(c, "b.2");

	cr_assert_eq(c->nschedules, 2);
	cr_assert(a != NULL && b != NULL);
	cr_expect_str_eq(a->function, "tick");
	cr_expect_null(a->timezone);
	cr_expect_null(a->input);
	cr_expect_eq(a->retries, CONF_UNSET);
	cr_expect_eq(a->max_age_s, CONF_UNSET);
	cr_expect_eq(a->catch_up, 0);
	cr_expect_str_eq(b->function, "tick:live");
	cr_expect_str_eq(b->expression, "cron(0 12 * * ? *)");
	cr_expect_str_eq(b->timezone, "Europe/Berlin");
	cr_expect_str_eq(b->input, "{\"k\":[1,2]}");	/* compact */
	cr_expect_eq(b->retries, 185);
	cr_expect_eq(b->max_age_s, 60);
	cr_expect_eq(b->catch_up, 1);
	cr_expect_null(conf_find_schedule(c, "c"));
	conf_free(c);
}

Test(sched_conf, errors)
{
	static const struct {
		const char *extra, *want;
	} t[] = {
		{ "\n[schedule a]\nexpression = rate(5 minutes)\n",
		    "[schedule a]: function is required" },
		{ "\n[schedule a]\nfunction = tick\n",
		    "[schedule a]: expression is required" },
		{ "\n[schedule a]\nfunction = nosuch\nexpression = rate(1 day)\n",
		    "function nosuch is not defined" },
		{ "\n[schedule a]\nfunction = tick:\nexpression = rate(1 day)\n",
		    "expected NAME, NAME:VERSION or NAME:ALIAS" },
		{ "\n[schedule a]\nfunction = tick:a/b\n", "NAME:ALIAS" },
		{ "\n[schedule a]\nfunction = tick\nexpression = daily\n",
		    "lambdad.conf:7: [schedule a]: expression: \"daily\": expected" },
		{ "\n[schedule a]\nfunction = tick\nexpression = cron(0 0 * * * *)\n",
		    "must be ?" },
		{ "\n[schedule a]\ntimezone = Nowhere/At_All\n", "not a zone" },
		{ "\n[schedule a]\ninput = {nope\n", "input: not JSON" },
		{ "\n[schedule a]\nretries = 186\n", "from 0 to 185" },
		{ "\n[schedule a]\nmax_age = 59\n", "from 60 to 86400" },
		{ "\n[schedule a]\ncatch_up = yes\n", "expected on or off" },
		{ "\n[schedule a]\nfunction = tick\nfunction = tick\n",
		    "set twice" },
		{ "\n[schedule a]\nfoo = 1\n", "unknown key \"foo\" in [schedule]" },
		{ "\n[schedule a b]\n", "must be 1 to 64 of A-Z a-z 0-9 _ - ." },
		{ "\n[schedule a]\nfunction = tick\nexpression = rate(1 day)\n"
		    "[schedule a]\n", "duplicate [schedule a]" },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		const char *err = load_err(t[i].extra, FN_TICK);

		cr_expect_not_null(strstr(err, t[i].want), "%s: got %s",
		    t[i].want, err);
	}
}

Test(sched_conf, main_file_only)
{
	const char *err = load_err("", FN_TICK "[schedule s]\nfunction = tick\n"
	    "expression = rate(1 day)\n");

	cr_expect_not_null(strstr(err, "[schedule s] belongs in the main file"),
	    "%s", err);
}

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
