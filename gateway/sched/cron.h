/*
 * cron: EventBridge schedule expressions, parsed and stepped forward.
 * Pure functions (no loop, no state) for sched.c, the config and the
 * unit tests.
 *
 *   rate(N minute|minutes|hour|hours|day|days)   singular for N = 1
 *   cron(MIN HOUR DOM MONTH DOW YEAR)            EventBridge's six fields
 *   at(YYYY-MM-DDTHH:MM:SS)                      once
 *
 * cron fields: * , - / everywhere; DOM also ? L (last day) LW (last
 * weekday) nW (the weekday nearest day n, within the month); DOW also ?
 * nL (the last day n of the month) n#k (the k-th day n), 1 = SUN .. 7 =
 * SAT; months JAN..DEC and days SUN..SAT by name (any case); YEAR
 * 1970..2199.  Exactly one of DOM and DOW is ?.
 *
 * Times are in a zone (an IANA name from the system's tz database, or
 * UTC).  Daylight saving time follows EventBridge Scheduler: a local
 * time that does not exist (the spring gap) is skipped; one that exists
 * twice (the autumn overlap) runs once, at its first instant.  An at()
 * in a gap runs at the instant mktime(3) moves it to (an hour later).
 *
 * How the zone is applied: cron_next and cron_format set TZ, call
 * tzset(3) and use localtime_r/mktime, then put TZ back as it was.
 * TZ is process-wide, so they must run on one thread only (the loop's):
 * nothing else in lambdad reads the local zone (its logs and the APIs
 * use UTC), so no other thread sees the change.
 */
#ifndef LAMBDAD_SCHED_CRON_H
#define LAMBDAD_SCHED_CRON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CRON_YEAR_MIN	1970
#define CRON_YEAR_MAX	2199
#define CRON_EXPR_MAX	256	/* bytes of an expression */
#define CRON_RATE_MAX	(100ull * 366 * 86400)	/* s: a century */

enum cron_kind {
	CRON_RATE,
	CRON_CRON,
	CRON_AT,
};

struct cron_expr {
	enum cron_kind	 kind;
	uint64_t	 rate_s;	/* rate(): the period */
	/* cron(): one bit per allowed value */
	uint64_t	 minutes;	/* bits 0..59 */
	uint32_t	 hours;		/* bits 0..23 */
	uint32_t	 doms;		/* bits 1..31 */
	uint16_t	 months;	/* bits 1..12 */
	uint8_t		 dows;		/* bits 1..7 (1 = SUN) */
	uint64_t	 years[4];	/* bit y - CRON_YEAR_MIN */
	bool		 dom_any;	/* DOM is ? */
	bool		 dow_any;	/* DOW is ? */
	bool		 dom_last;	/* L */
	bool		 dom_lastwd;	/* LW */
	int		 dom_wd;	/* nW: n, or 0 */
	int		 dow_last;	/* nL: n (1..7), or 0 */
	int		 dow_nth_day;	/* n#k: n (1..7), or 0 */
	int		 dow_nth;	/* k (1..5) */
	/* at(): local time in the schedule's zone */
	int		 at_year, at_mon, at_day, at_hour, at_min, at_sec;
};

/*
 * Parse s into e.  0, or -EINVAL with the reason (for a config error:
 * "cron(): day-of-month and day-of-week cannot both be given ...") in
 * why.
 */
int	cron_parse(const char *s, struct cron_expr *e, char *why,
	    size_t whylen);
/*
 * Whether tz names a zone: "UTC", or a file of /usr/share/zoneinfo (or
 * $TZDIR) in TZif format, by a relative name without "..".
 */
bool	cron_tz_ok(const char *tz);
/*
 * The first time (epoch s) e is due strictly after `after`, in zone tz
 * (NULL: UTC): 0 and *next, or -ENOENT when there is none (an at() that
 * is past, a cron() whose years are over).  rate(): after + the period.
 */
int	cron_next(const struct cron_expr *e, const char *tz, int64_t after,
	    int64_t *next);
/* t as "YYYY-MM-DDTHH:MM:SS+HH:MM" in zone tz (NULL: UTC, with "Z"). */
void	cron_format(int64_t t, const char *tz, char *out, size_t outlen);
/* Days in month mon (1..12) of year y; day of week of y-m-d, 0 = Sunday. */
int	cron_mdays(int y, int mon);
int	cron_wday(int y, int mon, int d);

#endif
