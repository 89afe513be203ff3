/*
 * sched: the [schedule NAME] sections at work, EventBridge Scheduler's way
 * of invoking a function on a timetable.
 *
 * Each schedule's next due time comes from its expression and zone
 * (cron.h); one uv_timer waits for the soonest.  A schedule that is due
 * becomes one Event invocation, put through a durable Event queue of its
 * own under <state_dir>/schedules (equeue.h: events/, and events/failed/
 * for what ran out of retries or grew too old), with the schedule's
 * retries and max_age, or the function's event_retries and event_max_age.
 * NAME:VERSION and NAME:ALIAS are resolved when the schedule fires, by
 * the control plane (control_qualify), so an alias moved by the API
 * takes effect on the next run.
 *
 * The wall clock decides: the timer is re-armed at least every minute,
 * so a step of the clock (NTP, a suspend) delays nothing by more than
 * that, and a time the daemon slept through runs once, late.
 *
 * Missed while down: each schedule's last run (and since when it is
 * known, with its expression and zone) is kept in
 * <state_dir>/schedules/state, rewritten whole and atomically on the
 * threadpool after each run.  At start, a schedule that was due while the
 * daemon was down runs once at once if catch_up = on, and otherwise
 * waits for its next time.  A schedule whose expression or zone changed
 * starts afresh.  at() schedules run once; catch_up = on runs one whose
 * time passed while the daemon was down.
 */
#ifndef LAMBDAD_SCHED_SCHED_H
#define LAMBDAD_SCHED_SCHED_H

#include <stdint.h>

struct sched;
struct daemon;
struct conf;
struct cJSON;

/*
 * The schedules of d->conf, with their state from d->state_dir.  NULL
 * (logged) when state_dir cannot be used; the daemon serves the rest.
 * Called before the privilege drop is fine: files are made 0600/0700 and
 * handed over with state_dir.
 */
struct sched *sched_new(struct daemon *d);
/* After a reload: c's schedules from now on.  Unchanged ones keep their
 * times, new ones start now, removed ones stop.  NULL-safe. */
void	sched_set_conf(struct sched *s, const struct conf *c);
/* SIGTERM: fire nothing more; queued Events stay on disk.  NULL-safe. */
void	sched_stop(struct sched *s);
/* Runs being stored or in a pool, for the stop's grace.  NULL-safe. */
unsigned sched_inflight(const struct sched *s);
/* Release; a state write in progress finishes first.  NULL-safe. */
void	sched_free(struct sched *s);
/*
 * {"schedules": [{"name", "function", "expression", "timezone",
 * "catch_up", "next": UTC ISO 8601 or null, "next_local", "last" or null,
 * "runs"}]} for lambdactl schedules.  NULL: out of memory.
 */
struct cJSON *sched_list(struct sched *s);

/* The default event of schedule name due at t (epoch s) with id id:
 * EventBridge's "Scheduled Event".  Exposed for the unit tests. */
char	*sched_default_event(const char *name, int64_t t, const char *id);
/* input with EventBridge Scheduler's context attributes replaced:
 * <aws.scheduler.schedule-arn>, <aws.scheduler.scheduled-time>,
 * <aws.scheduler.execution-id>, <aws.scheduler.attempt-number>. */
char	*sched_input_event(const char *input, const char *name, int64_t t,
	    const char *id);

#endif
