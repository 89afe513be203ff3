/*
 * quota: the periods a usage plan's quota counts in (API Gateway's DAY,
 * WEEK and MONTH), in UTC: a day from 00:00, an ISO week from Monday
 * 00:00, a month from its first day at 00:00.  Pure arithmetic on epoch
 * seconds, so the boundaries are unit-tested without a clock.
 */
#ifndef LAMBDAD_APIGW_QUOTA_H
#define LAMBDAD_APIGW_QUOTA_H

#include <stdint.h>

#include "conf.h"

/* The start of the period that holds t (epoch seconds, >= 0); 0 for
 * CONF_QUOTA_NONE. */
int64_t	quota_period_start(enum conf_quota_period p, int64_t t);
/* The start of the next one: when the count goes back to 0. */
int64_t	quota_period_end(enum conf_quota_period p, int64_t t);
/* "day", "week", "month", or "none". */
const char *quota_period_name(enum conf_quota_period p);

#endif
