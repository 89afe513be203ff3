/*
 * bucket: a lazily refilled token bucket.  See bucket.h.
 */
#include "apigw/bucket.h"

#define UTOK	1000000ULL	/* millionths in a token */

/* What b holds at now_ms, refilled and capped, in millionths. */
static uint64_t
tbucket_level(const struct tbucket *b, unsigned mrate, unsigned burst,
    uint64_t now_ms)
{
	uint64_t cap = (uint64_t)burst * UTOK, dt, u;

	if (!b->used)
		return cap;
	u = b->utokens < cap ? b->utokens : cap;
	if (now_ms <= b->last_ms || mrate == 0)
		return u;
	dt = now_ms - b->last_ms;
	/* mrate milli-requests/s is mrate millionths a millisecond; past
	 * the time that fills it from empty, it is full (no overflow). */
	if (dt >= cap / mrate + 1)
		return cap;
	u += dt * mrate;
	return u < cap ? u : cap;
}

bool
tbucket_take(struct tbucket *b, unsigned mrate, unsigned burst,
    uint64_t now_ms)
{
	uint64_t u = tbucket_level(b, mrate, burst, now_ms);

	/* Refill from now on, even when the clock stood still or went back. */
	if (!b->used || now_ms > b->last_ms)
		b->last_ms = now_ms;
	b->used = true;
	if (u < UTOK) {
		b->utokens = u;
		return false;
	}
	b->utokens = u - UTOK;
	return true;
}

uint64_t
tbucket_tokens(const struct tbucket *b, unsigned mrate, unsigned burst,
    uint64_t now_ms)
{
	return tbucket_level(b, mrate, burst, now_ms) / UTOK;
}
