/*
 * cron: EventBridge's rate(), cron() and at() expressions (cron.h).
 *
 * cron_next walks the local calendar forward from the first whole
 * minute after `after`: years, months, days that match, then hours and
 * minutes, and turns each candidate local time into its first instant
 * (local_first).  A candidate with no instant (a DST gap) is skipped, and
 * one whose first instant is not after `after` (the second pass through
 * an overlap) too, which is how a repeated hour runs once.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cron.h"

static const char *const month_names[] = { NULL, "JAN", "FEB", "MAR",
    "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC" };
static const char *const day_names[] = { NULL, "SUN", "MON", "TUE", "WED",
    "THU", "FRI", "SAT" };

/* ---- calendar -------------------------------------------------------- */

static bool
leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int
cron_mdays(int y, int mon)
{
	static const int n[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30,
	    31 };

	return mon == 2 && leap(y) ? 29 : n[mon - 1];
}

/* Days since 1970-01-01 of y-m-d (the proleptic Gregorian calendar). */
static int64_t
days_from_civil(int y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int
cron_wday(int y, int mon, int d)
{
	int64_t n = days_from_civil(y, mon, d);

	return (int)(((n % 7) + 11) % 7);	/* 1970-01-01 was a Thursday */
}

/* ---- parsing ----------------------------------------------------------- */

static int	bad(char *, size_t, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

static int
bad(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* A number or a name of names[lo..hi] at *s; advances *s.  -1: none. */
static int
field_value(const char **s, int lo, int hi, const char *const *names)
{
	const char *p = *s;
	long v = 0;
	int i;

	if (isdigit((unsigned char)*p)) {
		while (isdigit((unsigned char)*p) && v < 100000)
			v = v * 10 + (*p++ - '0');
		if (isdigit((unsigned char)*p) || v < lo || v > hi)
			return -1;
		*s = p;
		return (int)v;
	}
	for (i = lo; names != NULL && i <= hi; i++)
		if (strncasecmp(p, names[i], 3) == 0 &&
		    (!isalpha((unsigned char)p[3]) ||
		    ((p[3] == 'L' || p[3] == 'l') && p[4] == '\0'))) {
			*s = p + 3;
			return i;
		}
	return -1;
}

static void
bits_set(uint64_t *bits, int v)
{
	bits[v / 64] |= 1ull << (v % 64);
}

static bool
bits_has(const uint64_t *bits, int v)
{
	return (bits[v / 64] >> (v % 64)) & 1;
}

/*
 * One list item: * | V | V-V, then /STEP if wanted ("V/STEP" runs from V
 * to hi).  Values are offset by base into bits (the year field).
 */
static int
field_item(const char *s, const char *end, int lo, int hi,
    const char *const *names, int base, uint64_t *bits)
{
	int a, b, step = 1, v;
	bool single = false;

	if (*s == '*') {
		a = lo;
		b = hi;
		s++;
	} else {
		if ((a = field_value(&s, lo, hi, names)) < 0)
			return -1;
		b = a;
		single = true;
		if (*s == '-') {
			single = false;
			s++;
			if ((b = field_value(&s, lo, hi, names)) < 0 || b < a)
				return -1;
		}
	}
	if (s < end && *s == '/') {
		s++;
		if ((step = field_value(&s, 1, hi - lo + 1, NULL)) < 1)
			return -1;
		if (single)
			b = hi;		/* "5/15": from 5 on */
	}
	if (s != end)
		return -1;
	for (v = a; v <= b; v += step)
		bits_set(bits, v - base);
	return 0;
}

/* A comma list of items; 0, or -1 (bad syntax or a value out of range). */
static int
field_list(const char *f, int lo, int hi, const char *const *names, int base,
    uint64_t *bits)
{
	const char *end;

	if (*f == '\0')
		return -1;
	for (;;) {
		if ((end = strchr(f, ',')) == NULL)
			end = f + strlen(f);
		if (end == f || field_item(f, end, lo, hi, names, base, bits) < 0)
			return -1;
		if (*end == '\0')
			return 0;
		f = end + 1;
	}
}

/* A field that fits a narrower integer (all but minutes and years). */
static int
field_narrow(const char *f, int lo, int hi, const char *const *names,
    uint64_t *out)
{
	uint64_t bits[4] = { 0 };

	if (field_list(f, lo, hi, names, 0, bits) < 0)
		return -1;
	*out = bits[0];
	return 0;
}

static int
parse_dom(const char *f, struct cron_expr *e, char *why, size_t whylen)
{
	const char *p = f;
	uint64_t b;
	int n;

	if (strcmp(f, "?") == 0) {
		e->dom_any = true;
		return 0;
	}
	if (strcmp(f, "L") == 0 || strcmp(f, "l") == 0) {
		e->dom_last = true;
		return 0;
	}
	if (strcasecmp(f, "LW") == 0) {
		e->dom_lastwd = true;
		return 0;
	}
	if (strchr(f, 'W') != NULL || strchr(f, 'w') != NULL) {
		if ((n = field_value(&p, 1, 31, NULL)) < 0 ||
		    (*p != 'W' && *p != 'w') || p[1] != '\0')
			return bad(why, whylen, "cron(): day-of-month \"%s\": W "
			    "takes one day before it (15W: the weekday nearest "
			    "the 15th)", f);
		e->dom_wd = n;
		return 0;
	}
	if (field_narrow(f, 1, 31, NULL, &b) < 0)
		return bad(why, whylen, "cron(): day-of-month \"%s\": expected "
		    "1-31 with * , - / or one of ? L LW nW", f);
	e->doms = (uint32_t)b;
	return 0;
}

static int
parse_dow(const char *f, struct cron_expr *e, char *why, size_t whylen)
{
	const char *p = f;
	uint64_t b;
	int n, k;

	if (strcmp(f, "?") == 0) {
		e->dow_any = true;
		return 0;
	}
	if (strchr(f, '#') != NULL) {
		if ((n = field_value(&p, 1, 7, day_names)) < 0 || *p++ != '#' ||
		    (k = field_value(&p, 1, 5, NULL)) < 0 || *p != '\0')
			return bad(why, whylen, "cron(): day-of-week \"%s\": # "
			    "takes a day and a week 1-5 (3#2: the second "
			    "Tuesday)", f);
		e->dow_nth_day = n;
		e->dow_nth = k;
		return 0;
	}
	if (strchr(f, 'L') != NULL || strchr(f, 'l') != NULL) {
		if ((n = field_value(&p, 1, 7, day_names)) < 0 ||
		    (*p != 'L' && *p != 'l') || p[1] != '\0')
			return bad(why, whylen, "cron(): day-of-week \"%s\": L "
			    "takes one day before it (6L: the last Friday of "
			    "the month)", f);
		e->dow_last = n;
		return 0;
	}
	if (field_narrow(f, 1, 7, day_names, &b) < 0)
		return bad(why, whylen, "cron(): day-of-week \"%s\": expected "
		    "1-7 or SUN-SAT with * , - / or one of ? nL n#k", f);
	e->dows = (uint8_t)b;
	return 0;
}

/* The six fields of cron(...), split on blanks into f[]. */
static int
parse_cron(char *body, struct cron_expr *e, char *why, size_t whylen)
{
	static const char *const what[] = { "minutes", "hours",
	    "day-of-month", "month", "day-of-week", "year" };
	char *f[7], *save = NULL, *tok;
	uint64_t b;
	int n = 0;

	for (tok = strtok_r(body, " \t", &save); tok != NULL;
	    tok = strtok_r(NULL, " \t", &save))
		if (n < 7)
			f[n++] = tok;
		else
			n++;
	if (n != 6) {
		snprintf(why, whylen, "cron() takes 6 fields (minutes hours "
		    "day-of-month month day-of-week year), not %d", n);
		return -EINVAL;
	}
	e->kind = CRON_CRON;
	if (field_list(f[0], 0, 59, NULL, 0, &e->minutes) < 0)
		return bad(why, whylen, "cron(): %s \"%s\": expected 0-59 with "
		    "* , - /", what[0], f[0]);
	if (field_narrow(f[1], 0, 23, NULL, &b) < 0)
		return bad(why, whylen, "cron(): %s \"%s\": expected 0-23 with "
		    "* , - /", what[1], f[1]);
	e->hours = (uint32_t)b;
	if (parse_dom(f[2], e, why, whylen) < 0)
		return -EINVAL;
	if (field_narrow(f[3], 1, 12, month_names, &b) < 0)
		return bad(why, whylen, "cron(): %s \"%s\": expected 1-12 or "
		    "JAN-DEC with * , - /", what[3], f[3]);
	e->months = (uint16_t)b;
	if (parse_dow(f[4], e, why, whylen) < 0)
		return -EINVAL;
	if (field_list(f[5], CRON_YEAR_MIN, CRON_YEAR_MAX, NULL, CRON_YEAR_MIN,
	    e->years) < 0)
		return bad(why, whylen, "cron(): %s \"%s\": expected 1970-2199 "
		    "with * , - /", what[5], f[5]);
	if (e->dom_any == e->dow_any)
		return bad(why, whylen, "cron(): one of day-of-month (\"%s\") "
		    "and day-of-week (\"%s\") must be ?, and only one", f[2],
		    f[4]);
	return 0;
}

static int
parse_rate(const char *body, struct cron_expr *e, char *why, size_t whylen)
{
	static const struct { const char *one, *many; unsigned s; } units[] = {
		{ "minute", "minutes", 60 },
		{ "hour", "hours", 3600 },
		{ "day", "days", 86400 },
	};
	const char *p = body;
	uint64_t n = 0;
	size_t i;

	for (; isdigit((unsigned char)*p); p++)
		if (n <= CRON_RATE_MAX)
			n = n * 10 + (uint64_t)(*p - '0');
	if (p == body || n == 0 || (*p != ' ' && *p != '\t'))
		return bad(why, whylen, "rate(%s): expected a whole number above "
		    "0 and a unit (rate(5 minutes))", body);
	while (*p == ' ' || *p == '\t')
		p++;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(p, n == 1 ? units[i].one : units[i].many) != 0)
			continue;
		if (n > CRON_RATE_MAX / units[i].s)
			return bad(why, whylen, "rate(%s): longer than a "
			    "century", body);
		e->kind = CRON_RATE;
		e->rate_s = n * units[i].s;
		return 0;
	}
	return bad(why, whylen, "rate(%s): the unit is minute, hour or day for "
	    "1, minutes, hours or days above 1 (rate(1 hour), rate(5 "
	    "minutes))", body);
}

static int
parse_at(const char *body, struct cron_expr *e, char *why, size_t whylen)
{
	int y, mo, d, h, mi, s, end = 0;

	if (strlen(body) != 19 || sscanf(body, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y,
	    &mo, &d, &h, &mi, &s, &end) != 6 || end != 19 ||
	    body[4] != '-' || body[7] != '-' || body[13] != ':' ||
	    body[16] != ':' || !isdigit((unsigned char)body[0]) ||
	    !isdigit((unsigned char)body[5]) || !isdigit((unsigned char)body[8]) ||
	    !isdigit((unsigned char)body[11]) ||
	    !isdigit((unsigned char)body[14]) ||
	    !isdigit((unsigned char)body[17]))
		return bad(why, whylen, "at(%s): expected "
		    "at(yyyy-mm-ddThh:mm:ss)", body);
	if (y < CRON_YEAR_MIN || y > CRON_YEAR_MAX || mo < 1 || mo > 12 ||
	    d < 1 || d > cron_mdays(y, mo) || h > 23 || mi > 59 || s > 59)
		return bad(why, whylen, "at(%s): no such date and time (years "
		    "1970-2199)", body);
	e->kind = CRON_AT;
	e->at_year = y;
	e->at_mon = mo;
	e->at_day = d;
	e->at_hour = h;
	e->at_min = mi;
	e->at_sec = s;
	return 0;
}

int
cron_parse(const char *s, struct cron_expr *e, char *why, size_t whylen)
{
	char buf[CRON_EXPR_MAX + 1], *open, *body;
	size_t n = strlen(s);

	memset(e, 0, sizeof(*e));
	if (n > CRON_EXPR_MAX) {
		snprintf(why, whylen, "longer than %d bytes", CRON_EXPR_MAX);
		return -EINVAL;
	}
	memcpy(buf, s, n + 1);
	if ((open = strchr(buf, '(')) == NULL || n < 2 || buf[n - 1] != ')' ||
	    strchr(open + 1, '(') != NULL || strchr(open, ')') != buf + n - 1)
		goto shape;
	buf[n - 1] = '\0';
	*open = '\0';
	body = open + 1;
	while (*body == ' ')
		body++;
	for (n = strlen(body); n > 0 && body[n - 1] == ' '; n--)
		body[n - 1] = '\0';
	if (strcmp(buf, "rate") == 0)
		return parse_rate(body, e, why, whylen);
	if (strcmp(buf, "cron") == 0)
		return parse_cron(body, e, why, whylen);
	if (strcmp(buf, "at") == 0)
		return parse_at(body, e, why, whylen);
shape:
	return bad(why, whylen, "\"%s\": expected rate(N unit), cron(min hour "
	    "dom month dow year) or at(yyyy-mm-ddThh:mm:ss)", s);
}

/* ---- zones ------------------------------------------------------------- */

bool
cron_tz_ok(const char *tz)
{
	const char *dir = getenv("TZDIR"), *p;
	char path[PATH_MAX], magic[4];
	int fd, n;

	if (strcmp(tz, "UTC") == 0)
		return true;
	if (*tz == '\0' || *tz == '/' || strstr(tz, "..") != NULL ||
	    strlen(tz) > 128)
		return false;
	for (p = tz; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && strchr("/_+-", *p) == NULL)
			return false;
	snprintf(path, sizeof(path), "%s/%s", dir != NULL && *dir != '\0' ?
	    dir : "/usr/share/zoneinfo", tz);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return false;
	n = (int)read(fd, magic, sizeof(magic));
	close(fd);
	return n == 4 && memcmp(magic, "TZif", 4) == 0;
}

/* TZ as it was before tz_enter, to put back. */
struct tz_saved {
	char	*old;		/* NULL: TZ was not set */
};

static void
tz_enter(const char *tz, struct tz_saved *sv)
{
	const char *old = getenv("TZ");
	char val[160];

	sv->old = old != NULL ? strdup(old) : NULL;
	snprintf(val, sizeof(val), ":%s", tz != NULL ? tz : "UTC");
	setenv("TZ", val, 1);
	tzset();
}

static void
tz_leave(struct tz_saved *sv)
{
	if (sv->old != NULL)
		setenv("TZ", sv->old, 1);
	else
		unsetenv("TZ");
	free(sv->old);
	tzset();
}

/*
 * The first instant (epoch s) whose local time in the current zone is
 * y-mo-d h:mi:s: 0 and *out, or -1 when there is none (a gap).  Both
 * readings (standard and daylight) are tried: in an overlap both exist,
 * and the earlier wins.
 */
static int
local_first(int y, int mo, int d, int h, int mi, int s, int64_t *out)
{
	struct tm tm, chk;
	time_t t;
	int dst, found = 0;

	for (dst = 0; dst <= 1; dst++) {
		memset(&tm, 0, sizeof(tm));
		tm.tm_year = y - 1900;
		tm.tm_mon = mo - 1;
		tm.tm_mday = d;
		tm.tm_hour = h;
		tm.tm_min = mi;
		tm.tm_sec = s;
		tm.tm_isdst = dst;
		if ((t = mktime(&tm)) == (time_t)-1 ||
		    localtime_r(&t, &chk) == NULL)
			continue;
		if (chk.tm_year != y - 1900 || chk.tm_mon != mo - 1 ||
		    chk.tm_mday != d || chk.tm_hour != h || chk.tm_min != mi ||
		    chk.tm_sec != s || (chk.tm_isdst > 0) != dst)
			continue;
		if (!found || (int64_t)t < *out)
			*out = (int64_t)t;
		found = 1;
	}
	return found ? 0 : -1;
}

/* ---- matching ------------------------------------------------------- */

static bool
dom_match(const struct cron_expr *e, int y, int mo, int d)
{
	int last = cron_mdays(y, mo), n, wd;

	if (e->dom_last)
		return d == last;
	if (e->dom_lastwd) {
		for (n = last; cron_wday(y, mo, n) == 0 ||
		    cron_wday(y, mo, n) == 6; n--)
			;
		return d == n;
	}
	if (e->dom_wd != 0) {
		if ((n = e->dom_wd) > last)
			return false;	/* no 31st this month */
		wd = cron_wday(y, mo, n);
		if (wd == 6)
			n = n == 1 ? 3 : n - 1;		/* Saturday */
		else if (wd == 0)
			n = n == last ? n - 2 : n + 1;	/* Sunday */
		return d == n;
	}
	return (e->doms >> d) & 1;
}

static bool
dow_match(const struct cron_expr *e, int y, int mo, int d)
{
	int wd = cron_wday(y, mo, d) + 1;	/* 1 = SUN */

	if (e->dow_last != 0)
		return wd == e->dow_last && d + 7 > cron_mdays(y, mo);
	if (e->dow_nth_day != 0)
		return wd == e->dow_nth_day && (d - 1) / 7 + 1 == e->dow_nth;
	return (e->dows >> wd) & 1;
}

static bool
day_match(const struct cron_expr *e, int y, int mo, int d)
{
	return e->dom_any ? dow_match(e, y, mo, d) : dom_match(e, y, mo, d);
}

/* The hours and minutes of day y-mo-d from (h0, m0) on. */
static int
cron_day(const struct cron_expr *e, int y, int mo, int d, int h0, int m0,
    int64_t after, int64_t *next)
{
	int h, mi;

	for (h = h0; h < 24; h++) {
		if (!((e->hours >> h) & 1))
			continue;
		for (mi = h == h0 ? m0 : 0; mi < 60; mi++)
			if (((e->minutes >> mi) & 1) &&
			    local_first(y, mo, d, h, mi, 0, next) == 0 &&
			    *next > after)
				return 0;
	}
	return -ENOENT;
}

static int
cron_walk(const struct cron_expr *e, const struct tm *lt, int64_t after,
    int64_t *next)
{
	int y0 = lt->tm_year + 1900, y, mo, d, first;

	for (y = y0 < CRON_YEAR_MIN ? CRON_YEAR_MIN : y0; y <= CRON_YEAR_MAX;
	    y++) {
		if (!bits_has(e->years, y - CRON_YEAR_MIN))
			continue;
		for (mo = y == y0 ? lt->tm_mon + 1 : 1; mo <= 12; mo++) {
			if (!((e->months >> mo) & 1))
				continue;
			first = y == y0 && mo == lt->tm_mon + 1;
			for (d = first ? lt->tm_mday : 1;
			    d <= cron_mdays(y, mo); d++) {
				if (!day_match(e, y, mo, d))
					continue;
				first = y == y0 && mo == lt->tm_mon + 1 &&
				    d == lt->tm_mday;
				if (cron_day(e, y, mo, d, first ? lt->tm_hour : 0,
				    first ? lt->tm_min : 0, after, next) == 0)
					return 0;
			}
		}
	}
	return -ENOENT;
}

static int
at_next(const struct cron_expr *e, int64_t after, int64_t *next)
{
	struct tm tm;
	time_t t;

	if (local_first(e->at_year, e->at_mon, e->at_day, e->at_hour,
	    e->at_min, e->at_sec, next) != 0) {
		/* A gap: mktime moves it forward by the shift. */
		memset(&tm, 0, sizeof(tm));
		tm.tm_year = e->at_year - 1900;
		tm.tm_mon = e->at_mon - 1;
		tm.tm_mday = e->at_day;
		tm.tm_hour = e->at_hour;
		tm.tm_min = e->at_min;
		tm.tm_sec = e->at_sec;
		tm.tm_isdst = -1;
		if ((t = mktime(&tm)) == (time_t)-1)
			return -ENOENT;
		*next = (int64_t)t;
	}
	return *next > after ? 0 : -ENOENT;
}

int
cron_next(const struct cron_expr *e, const char *tz, int64_t after,
    int64_t *next)
{
	struct tz_saved sv;
	struct tm lt;
	time_t start;
	int rc;

	if (e->kind == CRON_RATE) {
		*next = after + (int64_t)e->rate_s;
		return 0;
	}
	tz_enter(tz, &sv);
	if (e->kind == CRON_AT)
		rc = at_next(e, after, next);
	else {
		/* The first whole minute after `after`. */
		start = (time_t)(after + 60 - ((after % 60) + 60) % 60);
		rc = localtime_r(&start, &lt) == NULL ? -ENOENT :
		    cron_walk(e, &lt, after, next);
	}
	tz_leave(&sv);
	return rc;
}

void
cron_format(int64_t t, const char *tz, char *out, size_t outlen)
{
	struct tz_saved sv;
	time_t tt = (time_t)t;
	struct tm tm;
	char off[8];
	size_t n;

	if (tz == NULL) {
		gmtime_r(&tt, &tm);
		strftime(out, outlen, "%Y-%m-%dT%H:%M:%SZ", &tm);
		return;
	}
	tz_enter(tz, &sv);
	localtime_r(&tt, &tm);
	n = strftime(out, outlen, "%Y-%m-%dT%H:%M:%S", &tm);
	strftime(off, sizeof(off), "%z", &tm);
	tz_leave(&sv);
	/* +0100 -> +01:00, as ISO 8601 writes it */
	if (strlen(off) == 5)
		snprintf(out + n, outlen - n, "%.3s:%s", off, off + 3);
}
