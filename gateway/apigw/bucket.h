/*
 * bucket: a token bucket, for the throttle stage (throttle.c).  Pure: the
 * caller passes the clock, so there is no timer; the bucket refills
 * lazily, by the time elapsed since its last take.
 *
 * A bucket holds up to burst tokens and gains rate of them a second; a
 * request takes one and is refused when none is left.  Tokens are kept in
 * millionths so a rate of 0.001 requests/s (rates are milli-requests/s,
 * as the configuration keeps them) refills exactly.  A new bucket is full.
 */
#ifndef LAMBDAD_APIGW_BUCKET_H
#define LAMBDAD_APIGW_BUCKET_H

#include <stdbool.h>
#include <stdint.h>

struct tbucket {
	uint64_t	 utokens;	/* millionths of a token */
	uint64_t	 last_ms;	/* when it was last refilled */
	bool		 used;		/* false: never taken from (full) */
};

/*
 * Take one token at now_ms from b, which holds up to burst tokens and
 * gains mrate / 1000 a second.  A burst smaller than what b holds (a
 * reload lowered it) trims it; a clock that went back refills nothing.
 * true if a token was there.
 */
bool	tbucket_take(struct tbucket *b, unsigned mrate, unsigned burst,
	    uint64_t now_ms);
/* Whole tokens left at now_ms (without taking one), for tests and logs. */
uint64_t tbucket_tokens(const struct tbucket *b, unsigned mrate,
	    unsigned burst, uint64_t now_ms);

#endif
