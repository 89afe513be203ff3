/*
 * Unit tests for gateway/sched/cron.c: EventBridge's rate(), cron() and
 * at() expressions.  Tables of (expression, zone, after, expected next);
 * the expected instants were worked out by hand from the calendar and
 * checked against Python's zoneinfo.  Zones are the system's tzdata
 * (America/New_York and Europe/Berlin), DST dates of 2026.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>

#include "sched/cron.h"

/* "2026-01-01T00:00:00Z" to epoch s. */
static int64_t
utc(const char *s)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	cr_assert(strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm) != NULL, "%s", s);
	return (int64_t)timegm(&tm);
}

static struct cron_expr
parse_ok(const char *s)
{
	struct cron_expr e;
	char why[256] = "";

	cr_assert_eq(cron_parse(s, &e, why, sizeof(why)), 0, "%s: %s", s, why);
	return e;
}

struct next_case {
	const char	*expr;
	const char	*tz;		/* NULL: UTC */
	const char	*after;
	const char	*want;		/* NULL: none (-ENOENT) */
};

static void
check_next(const struct next_case *c, size_t n)
{
	struct cron_expr e;
	int64_t next = 0;
	char got[64];
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		e = parse_ok(c[i].expr);
		rc = cron_next(&e, c[i].tz, utc(c[i].after), &next);
		if (c[i].want == NULL) {
			cr_expect_eq(rc, -ENOENT, "%s after %s: want none, got "
			    "rc %d", c[i].expr, c[i].after, rc);
			continue;
		}
		cron_format(next, NULL, got, sizeof(got));
		cr_expect(rc == 0 && next == utc(c[i].want), "%s in %s after "
		    "%s: want %s, got %s (rc %d)", c[i].expr,
		    c[i].tz != NULL ? c[i].tz : "UTC", c[i].after, c[i].want,
		    rc == 0 ? got : "none", rc);
	}
}

#define CHECK(t)	check_next(t, sizeof(t) / sizeof(t[0]))

/* ---- parsing ------------------------------------------------------------ */

Test(cron_parse, accepts)
{
	static const char *const ok[] = {
		"rate(1 minute)", "rate(5 minutes)", "rate(1 hour)",
		"rate(12 hours)", "rate(1 day)", "rate(30 days)",
		"cron(0 12 * * ? *)", "cron(0/15 8-17 ? * MON-FRI *)",
		"cron(0 0 1,15 JAN,jul ? 2026-2030/2)", "cron(5,10-20/5 * L * ? *)",
		"cron(0 0 LW * ? *)", "cron(0 0 15W * ? *)", "cron(0 0 ? * 6L *)",
		"cron(0 0 ? * TUE#2 *)", "cron(0 0 ? * 1,7 *)",
		"cron(  0   12 * * ? *  )", "cron(* * * * ? *)",
		"cron(0 0 ? * sun-sat 2199)", "at(2026-12-24T18:00:00)",
		"at(2199-12-31T23:59:59)", "at(2028-02-29T00:00:00)",
	};
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		parse_ok(ok[i]);
}

Test(cron_parse, fields)
{
	struct cron_expr e = parse_ok("cron(0/15 8-17 ? * MON-FRI 2026-2030/2)");

	cr_expect_eq(e.kind, CRON_CRON);
	cr_expect_eq(e.minutes, 1ull | 1ull << 15 | 1ull << 30 | 1ull << 45);
	cr_expect_eq(e.hours, 0x3ff00u);
	cr_expect(e.dom_any && !e.dow_any);
	cr_expect_eq(e.months, 0x1ffeu);
	cr_expect_eq(e.dows, 0x7cu);	/* 2..6 */
	cr_expect_eq(e.years[0], 1ull << 56 | 1ull << 58 | 1ull << 60);
	e = parse_ok("rate(7 days)");
	cr_expect_eq(e.kind, CRON_RATE);
	cr_expect_eq(e.rate_s, 7u * 86400);
	e = parse_ok("at(2026-03-08T02:30:05)");
	cr_expect_eq(e.kind, CRON_AT);
	cr_expect(e.at_year == 2026 && e.at_mon == 3 && e.at_day == 8 &&
	    e.at_hour == 2 && e.at_min == 30 && e.at_sec == 5);
}

Test(cron_parse, refuses_with_a_reason)
{
	static const struct { const char *expr, *why; } bad[] = {
		{ "daily", "expected rate(N unit)" },
		{ "rate(5 minutes", "expected rate(N unit)" },
		{ "cron()", "6 fields" },
		{ "cron(0 12 * *)", "not 4" },
		{ "cron(0 12 * * ? * *)", "not 7" },
		{ "cron(0 12 * * * *)", "must be ?" },
		{ "cron(0 12 ? * ? *)", "must be ?" },
		{ "cron(60 * * * ? *)", "minutes \"60\"" },
		{ "cron(0 24 * * ? *)", "hours \"24\"" },
		{ "cron(0 0 32 * ? *)", "day-of-month \"32\"" },
		{ "cron(0 0 0 * ? *)", "day-of-month \"0\"" },
		{ "cron(0 0 1 13 ? *)", "month \"13\"" },
		{ "cron(0 0 1 FOO ? *)", "month \"FOO\"" },
		{ "cron(0 0 ? * 8 *)", "day-of-week \"8\"" },
		{ "cron(0 0 ? * 3#6 *)", "week 1-5" },
		{ "cron(0 0 ? * L *)", "L takes one day" },
		{ "cron(0 0 W * ? *)", "W takes one day" },
		{ "cron(0 0 1 1 ? 1969)", "1970-2199" },
		{ "cron(0 0 1 1 ? 2200)", "1970-2199" },
		{ "cron(5-1 * * * ? *)", "minutes \"5-1\"" },
		{ "cron(*/0 * * * ? *)", "minutes" },
		{ "cron(0,,5 * * * ? *)", "minutes" },
		{ "cron(0, * * * ? *)", "minutes" },
		{ "cron(1-2-3 * * * ? *)", "minutes" },
		{ "rate(1 minutes)", "the unit is minute" },
		{ "rate(5 minute)", "the unit is minute" },
		{ "rate(0 minutes)", "above 0" },
		{ "rate(minutes)", "above 0" },
		{ "rate(5 weeks)", "the unit" },
		{ "rate(99999999999 days)", "century" },
		{ "at(2026-02-30T00:00:00)", "no such date" },
		{ "at(2027-02-29T00:00:00)", "no such date" },
		{ "at(2026-1-01T00:00:00)", "expected at(" },
		{ "at(2026-01-01 00:00:00)", "expected at(" },
		{ "at(2026-01-01T24:00:00)", "no such date" },
		{ "RATE(5 minutes)", "expected rate(N unit)" },
	};
	struct cron_expr e;
	char why[256];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why[0] = '\0';
		cr_expect_eq(cron_parse(bad[i].expr, &e, why, sizeof(why)),
		    -EINVAL, "%s was accepted", bad[i].expr);
		cr_expect(strstr(why, bad[i].why) != NULL, "%s: \"%s\" lacks "
		    "\"%s\"", bad[i].expr, why, bad[i].why);
	}
}

Test(cron_parse, long_input)
{
	char s[CRON_EXPR_MAX + 8], why[128];
	struct cron_expr e;

	memset(s, ' ', sizeof(s) - 1);
	s[sizeof(s) - 1] = '\0';
	cr_expect_eq(cron_parse(s, &e, why, sizeof(why)), -EINVAL);
	cr_expect(strstr(why, "longer than") != NULL, "%s", why);
}

/* ---- next times in UTC ------------------------------------------------- */

Test(cron_next, rate)
{
	static const struct next_case t[] = {
		{ "rate(1 minute)", NULL, "2026-01-01T00:00:30Z",
		    "2026-01-01T00:01:30Z" },
		{ "rate(2 hours)", "Europe/Berlin", "2026-03-29T00:00:00Z",
		    "2026-03-29T02:00:00Z" },	/* zones do not matter */
		{ "rate(1 day)", NULL, "2028-02-28T10:00:00Z",
		    "2028-02-29T10:00:00Z" },
	};

	CHECK(t);
}

Test(cron_next, fields_and_steps)
{
	static const struct next_case t[] = {
		{ "cron(0/15 * * * ? *)", NULL, "2026-01-01T00:07:00Z",
		    "2026-01-01T00:15:00Z" },
		{ "cron(0/15 * * * ? *)", NULL, "2026-01-01T00:45:00Z",
		    "2026-01-01T01:00:00Z" },
		{ "cron(0 12 * * ? *)", NULL, "2026-01-01T12:00:00Z",
		    "2026-01-02T12:00:00Z" },	/* strictly after */
		{ "cron(0 12 * * ? *)", NULL, "2026-01-01T11:59:59Z",
		    "2026-01-01T12:00:00Z" },
		{ "cron(* * * * ? *)", NULL, "2026-01-01T00:00:00Z",
		    "2026-01-01T00:01:00Z" },
		{ "cron(10-20/5 3 * * ? *)", NULL, "2026-01-01T03:16:00Z",
		    "2026-01-01T03:20:00Z" },
		{ "cron(0 0 31 * ? *)", NULL, "2026-04-01T00:00:00Z",
		    "2026-05-31T00:00:00Z" },	/* April has 30 days */
		{ "cron(0 9 ? * MON-FRI *)", NULL, "2026-01-02T09:00:00Z",
		    "2026-01-05T09:00:00Z" },	/* Friday to Monday */
		{ "cron(0 9 ? * 1,7 *)", NULL, "2026-01-01T00:00:00Z",
		    "2026-01-03T09:00:00Z" },	/* SAT 2026-01-03 */
		{ "cron(0 0 1 DEC ? *)", NULL, "2026-12-01T00:00:00Z",
		    "2027-12-01T00:00:00Z" },
		{ "cron(0 0 29 2 ? *)", NULL, "2026-03-01T00:00:00Z",
		    "2028-02-29T00:00:00Z" },	/* the next leap year */
		{ "cron(0 0 29 2 ? *)", NULL, "2096-03-01T00:00:00Z",
		    "2104-02-29T00:00:00Z" },	/* 2100 is not leap */
	};

	CHECK(t);
}

Test(cron_next, last_and_weekday)
{
	static const struct next_case t[] = {
		{ "cron(0 0 L * ? *)", NULL, "2028-02-01T00:00:00Z",
		    "2028-02-29T00:00:00Z" },
		{ "cron(0 0 L * ? *)", NULL, "2027-02-01T00:00:00Z",
		    "2027-02-28T00:00:00Z" },
		{ "cron(0 0 L 2 ? *)", NULL, "2099-03-01T00:00:00Z",
		    "2100-02-28T00:00:00Z" },
		{ "cron(0 0 L * ? *)", NULL, "2026-01-31T00:00:00Z",
		    "2026-02-28T00:00:00Z" },
		{ "cron(0 0 LW * ? *)", NULL, "2026-01-01T00:00:00Z",
		    "2026-01-30T00:00:00Z" },	/* the 31st is a Saturday */
		{ "cron(0 9 15W * ? *)", NULL, "2026-08-01T00:00:00Z",
		    "2026-08-14T09:00:00Z" },	/* Sat 15th: Friday */
		{ "cron(0 9 15W * ? *)", NULL, "2026-02-01T00:00:00Z",
		    "2026-02-16T09:00:00Z" },	/* Sun 15th: Monday */
		{ "cron(0 9 1W * ? *)", NULL, "2026-07-31T12:00:00Z",
		    "2026-08-03T09:00:00Z" },	/* Sat 1st: Monday the 3rd */
		{ "cron(0 9 31W * ? *)", NULL, "2026-05-01T00:00:00Z",
		    "2026-05-29T09:00:00Z" },	/* Sun 31st: Friday the 29th */
		{ "cron(0 9 31W * ? *)", NULL, "2026-04-01T00:00:00Z",
		    "2026-05-29T09:00:00Z" },	/* no 31st in April */
		{ "cron(0 9 20W * ? *)", NULL, "2026-01-01T00:00:00Z",
		    "2026-01-20T09:00:00Z" },	/* a Tuesday: itself */
	};

	CHECK(t);
}

Test(cron_next, nth_and_last_day_of_week)
{
	static const struct next_case t[] = {
		{ "cron(0 10 ? * 6L *)", NULL, "2026-01-01T00:00:00Z",
		    "2026-01-30T10:00:00Z" },
		{ "cron(0 10 ? * FRIL *)", NULL, "2026-01-30T10:00:00Z",
		    "2026-02-27T10:00:00Z" },
		{ "cron(0 10 ? * TUE#2 *)", NULL, "2026-01-01T00:00:00Z",
		    "2026-01-13T10:00:00Z" },
		{ "cron(0 10 ? * 3#5 *)", NULL, "2026-01-01T00:00:00Z",
		    "2026-03-31T10:00:00Z" },	/* Jan, Feb have 4 Tuesdays */
		{ "cron(0 10 ? * 1#1 *)", NULL, "2026-02-01T10:00:00Z",
		    "2026-03-01T10:00:00Z" },
	};

	CHECK(t);
}

Test(cron_next, year_field)
{
	static const struct next_case t[] = {
		{ "cron(0 0 1 1 ? 2030)", NULL, "2026-06-01T00:00:00Z",
		    "2030-01-01T00:00:00Z" },
		{ "cron(0 0 1 1 ? 2030)", NULL, "2030-01-01T00:00:00Z", NULL },
		{ "cron(0 0 1 1 ? 2026-2030/2)", NULL, "2026-01-01T00:00:00Z",
		    "2028-01-01T00:00:00Z" },
		{ "cron(0 0 ? * MON 2020)", NULL, "2026-01-01T00:00:00Z", NULL },
		{ "cron(59 23 31 12 ? 2199)", NULL, "2199-12-31T23:58:00Z",
		    "2199-12-31T23:59:00Z" },
	};

	CHECK(t);
}

/* ---- zones and daylight saving time ------------------------------------- */

Test(cron_next, zones)
{
	static const struct next_case t[] = {
		{ "cron(0 12 * * ? *)", "Europe/Berlin", "2026-07-01T00:00:00Z",
		    "2026-07-01T10:00:00Z" },	/* CEST, +2 */
		{ "cron(0 12 * * ? *)", "Europe/Berlin", "2026-01-01T00:00:00Z",
		    "2026-01-01T11:00:00Z" },	/* CET, +1 */
		{ "cron(0 0 L * ? *)", "America/New_York", "2026-01-01T00:00:00Z",
		    "2026-01-31T05:00:00Z" },
		{ "cron(0 12 * * ? *)", "UTC", "2026-07-01T00:00:00Z",
		    "2026-07-01T12:00:00Z" },
	};

	CHECK(t);
}

Test(cron_next, dst_gap_is_skipped)
{
	static const struct next_case t[] = {
		/* New York, 2026-03-08: 02:00 EST becomes 03:00 EDT. */
		{ "cron(30 2 * * ? *)", "America/New_York",
		    "2026-03-07T07:31:00Z", "2026-03-09T06:30:00Z" },
		{ "cron(0 * * * ? *)", "America/New_York",
		    "2026-03-08T06:00:00Z", "2026-03-08T07:00:00Z" },
		    /* 01:00 EST, then 03:00 EDT: no 02:00 */
		{ "cron(30 2 * * ? *)", "Europe/Berlin",
		    "2026-03-28T02:00:00Z", "2026-03-30T00:30:00Z" },
	};

	CHECK(t);
}

Test(cron_next, dst_overlap_runs_once)
{
	static const struct next_case t[] = {
		/* New York, 2026-11-01: 02:00 EDT becomes 01:00 EST. */
		{ "cron(30 1 * * ? *)", "America/New_York",
		    "2026-11-01T05:00:00Z", "2026-11-01T05:30:00Z" },
		{ "cron(30 1 * * ? *)", "America/New_York",
		    "2026-11-01T05:30:00Z", "2026-11-02T06:30:00Z" },
		{ "cron(0 * * * ? *)", "America/New_York",
		    "2026-11-01T05:00:00Z", "2026-11-01T07:00:00Z" },
		    /* 01:00 EDT ran; 01:00 EST is the same local time */
		{ "cron(0 2 * * ? *)", "America/New_York",
		    "2026-11-01T05:00:00Z", "2026-11-01T07:00:00Z" },
	};

	CHECK(t);
}

Test(cron_next, at)
{
	static const struct next_case t[] = {
		{ "at(2026-12-24T18:00:00)", "Europe/Berlin",
		    "2026-01-01T00:00:00Z", "2026-12-24T17:00:00Z" },
		{ "at(2026-12-24T18:00:00)", NULL, "2026-12-24T17:59:59Z",
		    "2026-12-24T18:00:00Z" },
		{ "at(2026-12-24T18:00:00)", NULL, "2026-12-24T18:00:00Z",
		    NULL },
		{ "at(2026-11-01T01:30:00)", "America/New_York",
		    "2026-10-01T00:00:00Z", "2026-11-01T05:30:00Z" },
		    /* in the overlap: the first instant */
	};
	struct cron_expr e = parse_ok("at(2026-03-08T02:30:00)");
	int64_t next;

	CHECK(t);
	/* In the gap: moved forward past the shift, into 03:xx EDT. */
	cr_assert_eq(cron_next(&e, "America/New_York",
	    utc("2026-03-01T00:00:00Z"), &next), 0);
	cr_expect(next >= utc("2026-03-08T07:00:00Z") &&
	    next <= utc("2026-03-08T07:30:00Z"), "%lld", (long long)next);
}

Test(cron_next, leaves_tz_as_it_was)
{
	struct cron_expr e = parse_ok("cron(0 12 * * ? *)");
	int64_t next;

	setenv("TZ", "Asia/Tokyo", 1);
	cr_assert_eq(cron_next(&e, "America/New_York", 0, &next), 0);
	cr_expect_str_eq(getenv("TZ"), "Asia/Tokyo");
	unsetenv("TZ");
	cr_assert_eq(cron_next(&e, "Europe/Berlin", 0, &next), 0);
	cr_expect_null(getenv("TZ"));
}

Test(cron_format, utc_and_zone)
{
	char s[64];

	cron_format(utc("2026-07-01T10:00:00Z"), NULL, s, sizeof(s));
	cr_expect_str_eq(s, "2026-07-01T10:00:00Z");
	cron_format(utc("2026-07-01T10:00:00Z"), "Europe/Berlin", s, sizeof(s));
	cr_expect_str_eq(s, "2026-07-01T12:00:00+02:00");
	cron_format(utc("2026-01-01T05:00:00Z"), "America/New_York", s,
	    sizeof(s));
	cr_expect_str_eq(s, "2026-01-01T00:00:00-05:00");
}

Test(cron_tz, names)
{
	cr_expect(cron_tz_ok("UTC"));
	cr_expect(cron_tz_ok("Europe/Berlin"));
	cr_expect(cron_tz_ok("America/New_York"));
	cr_expect(!cron_tz_ok("Mars/Olympus_Mons"));
	cr_expect(!cron_tz_ok("../../etc/passwd"));
	cr_expect(!cron_tz_ok("/etc/localtime"));
	cr_expect(!cron_tz_ok(""));
	cr_expect(!cron_tz_ok("Europe"));	/* a directory */
}

Test(cron_calendar, days)
{
	cr_expect_eq(cron_mdays(2024, 2), 29);
	cr_expect_eq(cron_mdays(2100, 2), 28);
	cr_expect_eq(cron_mdays(2000, 2), 29);
	cr_expect_eq(cron_mdays(2026, 4), 30);
	cr_expect_eq(cron_wday(1970, 1, 1), 4);
	cr_expect_eq(cron_wday(2026, 12, 7), 1);	/* a Monday */
	cr_expect_eq(cron_wday(2000, 2, 29), 2);
}
