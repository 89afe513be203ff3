/*
 * fuzz_cron: the schedule expression parser (gateway/sched/cron.c) and
 * the next-time walk on what it accepts.  Invariants: a refusal says why;
 * an accepted expression's next time is after the start, a cron() one on
 * a whole minute, and stepping again from it moves strictly forward.  The
 * first byte picks the zone, the next four the start time.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sched/cron.h"

static const char *const zones[] = { NULL, "Europe/Berlin",
    "America/New_York", "Australia/Lord_Howe" };

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char s[CRON_EXPR_MAX + 16], why[256];
	struct cron_expr e;
	int64_t after, next, again;
	const char *tz;
	uint32_t t;

	if (size < 5 || size - 5 >= sizeof(s))
		return 0;
	tz = zones[data[0] % 4];
	memcpy(&t, data + 1, 4);
	/* 1970 .. 2106: the whole range cron() years reach, and past it */
	after = (int64_t)t;
	memcpy(s, data + 5, size - 5);
	s[size - 5] = '\0';
	why[0] = '\0';
	if (cron_parse(s, &e, why, sizeof(why)) != 0) {
		if (why[0] == '\0')
			abort();	/* a refusal must say why */
		return 0;
	}
	if (cron_next(&e, tz, after, &next) != 0)
		return 0;
	if (next <= after)
		abort();
	/* Every zone here is whole minutes off UTC (Lord Howe: +10:30). */
	if (e.kind == CRON_CRON && next % 60 != 0)
		abort();
	if (cron_next(&e, tz, next, &again) == 0 && again <= next)
		abort();
	return 0;
}
