/*
 * quota: usage plan periods in UTC.  See quota.h.
 */
#include <time.h>

#include "apigw/quota.h"

#define DAY	86400

/* Days since the epoch, rounded down (t may be before a boundary). */
static int64_t
days_of(int64_t t)
{
	return t >= 0 ? t / DAY : -((-t + DAY - 1) / DAY);
}

/* 1970-01-01 was a Thursday: day d is (d + 3) % 7 days past a Monday. */
static int64_t
monday_of(int64_t days)
{
	int64_t w = (days + 3) % 7;

	if (w < 0)
		w += 7;
	return days - w;
}

/* The first of t's month (or, with next, of the month after). */
static int64_t
month_start(int64_t t, int next)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL)
		return t;
	tm.tm_mday = 1;
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	if (next && ++tm.tm_mon == 12) {
		tm.tm_mon = 0;
		tm.tm_year++;
	}
	return (int64_t)timegm(&tm);
}

int64_t
quota_period_start(enum conf_quota_period p, int64_t t)
{
	switch (p) {
	case CONF_QUOTA_DAY:
		return days_of(t) * DAY;
	case CONF_QUOTA_WEEK:
		return monday_of(days_of(t)) * DAY;
	case CONF_QUOTA_MONTH:
		return month_start(t, 0);
	default:
		return 0;
	}
}

int64_t
quota_period_end(enum conf_quota_period p, int64_t t)
{
	switch (p) {
	case CONF_QUOTA_DAY:
		return (days_of(t) + 1) * DAY;
	case CONF_QUOTA_WEEK:
		return (monday_of(days_of(t)) + 7) * DAY;
	case CONF_QUOTA_MONTH:
		return month_start(t, 1);
	default:
		return 0;
	}
}

const char *
quota_period_name(enum conf_quota_period p)
{
	switch (p) {
	case CONF_QUOTA_DAY:
		return "day";
	case CONF_QUOTA_WEEK:
		return "week";
	case CONF_QUOTA_MONTH:
		return "month";
	default:
		return "none";
	}
}
