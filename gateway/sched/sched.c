/*
 * sched: schedules on the loop (sched.h).
 *
 * One struct ent per [schedule NAME], in the order of the configuration;
 * a scan finds the soonest (a machine has a handful of schedules).  The
 * state file is one line per schedule:
 *
 *   NAME <TAB> LAST <TAB> SINCE <TAB> ZONE <TAB> EXPRESSION
 *
 * LAST is the epoch second of the last run (0: none yet), SINCE when the
 * schedule was first seen with this expression and zone (ZONE "-": UTC).
 * It is written whole (fs_replace) on the threadpool, one write at a
 * time; a change during a write is written after it.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cJSON.h>

#include "buf.h"
#include "conf.h"
#include "control/control.h"
#include "daemon.h"
#include "equeue.h"
#include "fs.h"
#include "log.h"
#include "sched/cron.h"
#include "sched/sched.h"
#include "uuid.h"

#define SCHED_DIR	"schedules"
#define STATE_FILE	"state"
#define STATE_MAX	(1024 * 1024)
#define REARM_MAX_MS	60000	/* look at the wall clock at least this often */
#define ACCOUNT		"123456789012"
#define REGION		"us-east-1"

struct ent {
	const struct conf_schedule *cs;	/* into the current conf */
	struct cron_expr e;
	int64_t		 since;		/* first seen with this expression */
	int64_t		 last;		/* last run's due time; 0: none */
	int64_t		 next;		/* valid when has_next */
	int		 has_next;
	int		 catch_up;	/* run once at the first tick, due then */
	int64_t		 catch_up_due;
	unsigned	 runs;		/* since this daemon started */
};

/* One line of the state file, as read at start. */
struct state_rec {
	char		*name, *tz, *expr;
	int64_t		 last, since;
};

struct sched {
	struct daemon	*d;
	uv_loop_t	*loop;
	struct equeue	*q;
	char		*dir;		/* <state_dir>/schedules */
	struct ent	*ents;
	size_t		 nents;
	uv_timer_t	 timer;
	uv_work_t	 work;
	struct buf	 wbuf;		/* what the write in progress writes */
	int		 wrc;
	int		 writing, dirty, stopping, closing, timer_open;
};

/* A put in progress: for its log line. */
struct sched_put {
	char		 name[CONF_NAME_MAX + 1];
	char		 id[37];
};

static void	sched_arm(struct sched *s);

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- events ------------------------------------------------------------ */

char *
sched_default_event(const char *name, int64_t t, const char *id)
{
	cJSON *j = cJSON_CreateObject(), *res;
	char when[32], arn[160];
	char *out;

	if (j == NULL)
		return NULL;
	cron_format(t, NULL, when, sizeof(when));
	snprintf(arn, sizeof(arn), "arn:aws:events:" REGION ":" ACCOUNT
	    ":rule/%s", name);
	cJSON_AddStringToObject(j, "version", "0");
	cJSON_AddStringToObject(j, "id", id);
	cJSON_AddStringToObject(j, "detail-type", "Scheduled Event");
	cJSON_AddStringToObject(j, "source", "aws.events");
	cJSON_AddStringToObject(j, "account", ACCOUNT);
	cJSON_AddStringToObject(j, "time", when);
	cJSON_AddStringToObject(j, "region", REGION);
	if ((res = cJSON_AddArrayToObject(j, "resources")) != NULL)
		cJSON_AddItemToArray(res, cJSON_CreateString(arn));
	cJSON_AddObjectToObject(j, "detail");
	out = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	return out;
}

char *
sched_input_event(const char *input, const char *name, int64_t t,
    const char *id)
{
	static const char *const keys[] = { "<aws.scheduler.schedule-arn>",
	    "<aws.scheduler.scheduled-time>", "<aws.scheduler.execution-id>",
	    "<aws.scheduler.attempt-number>" };
	char vals[4][160];
	const char *p = input, *hit;
	struct buf b;
	size_t i, best, blen;

	snprintf(vals[0], sizeof(vals[0]), "arn:aws:scheduler:" REGION ":"
	    ACCOUNT ":schedule/default/%s", name);
	cron_format(t, NULL, vals[1], sizeof(vals[1]));
	snprintf(vals[2], sizeof(vals[2]), "%s", id);
	snprintf(vals[3], sizeof(vals[3]), "1");
	buf_init(&b);
	for (;;) {
		hit = NULL;
		best = 0;
		for (i = 0; i < 4; i++) {
			const char *h = strstr(p, keys[i]);

			if (h != NULL && (hit == NULL || h < hit)) {
				hit = h;
				best = i;
			}
		}
		if (hit == NULL)
			break;
		buf_add(&b, p, (size_t)(hit - p));
		/* Values are JSON-safe: no quote or backslash in any. */
		buf_adds(&b, vals[best]);
		blen = strlen(keys[best]);
		p = hit + blen;
	}
	buf_adds(&b, p);
	return buf_steal(&b, NULL);
}

/* ---- firing -------------------------------------------------------------- */

/* The pool name for function = NAME[:QUALIFIER], into out.  0 or -ENOENT. */
static int
sched_target(struct sched *s, const char *fn, char *out, size_t outlen)
{
	const char *colon = strchr(fn, ':');
	char name[CONF_NAME_MAX + 1];
	size_t n;

	if (colon == NULL || strcmp(colon + 1, "$LATEST") == 0) {
		n = colon != NULL ? (size_t)(colon - fn) : strlen(fn);
		snprintf(out, outlen, "%.*s", (int)n, fn);
		return daemon_pool(s->d, out, NULL) != NULL ? 0 : -ENOENT;
	}
	n = (size_t)(colon - fn);
	memcpy(name, fn, n);
	name[n] = '\0';
	if (control_qualify(s->d->control, name, colon + 1, out, outlen) == 0 &&
	    daemon_pool(s->d, out, NULL) != NULL)
		return 0;
	/* A NAME:N drop-in of the operator's own, or nothing. */
	snprintf(out, outlen, "%s", fn);
	return daemon_pool(s->d, out, NULL) != NULL ? 0 : -ENOENT;
}

static void
sched_put_done(void *arg, int rc)
{
	struct sched_put *sp = arg;

	if (rc != 0)
		log_warnx("schedule %s: %s: the Event could not be stored: %s",
		    sp->name, sp->id, strerror(-rc));
	free(sp);
}

/* One run of en, due at due: an Event into the queue. */
static void
ent_fire(struct sched *s, struct ent *en, int64_t due)
{
	const struct conf_schedule *cs = en->cs;
	struct sched_put *sp;
	char pool[CONF_NAME_MAX + 140], when[32], *ev;
	int rc = -ENOMEM;

	cron_format(due, NULL, when, sizeof(when));
	if (s->q == NULL)
		return;
	if (sched_target(s, cs->function, pool, sizeof(pool)) != 0) {
		log_warnx("schedule %s: function %s not found; the run due at "
		    "%s is skipped", cs->name, cs->function, when);
		return;
	}
	if ((sp = calloc(1, sizeof(*sp))) == NULL)
		goto fail;
	snprintf(sp->name, sizeof(sp->name), "%s", cs->name);
	uuid_random(sp->id);
	ev = cs->input != NULL ? sched_input_event(cs->input, cs->name, due,
	    sp->id) : sched_default_event(cs->name, due, sp->id);
	if (ev != NULL)
		rc = equeue_put_policy(s->q, pool, sp->id, ev, strlen(ev), NULL,
		    NULL, cs->retries, cs->max_age_s, sched_put_done, sp);
	if (ev != NULL && cs->input == NULL)
		cJSON_free(ev);
	else
		free(ev);
	if (rc == 0) {
		log_info("schedule %s: %s: due at %s, queued for %s", cs->name,
		    sp->id, when, pool);
		return;
	}
	free(sp);
fail:
	log_warnx("schedule %s: the run due at %s could not be queued: %s",
	    cs->name, when, strerror(-rc));
}

/* en->next: the first due time after now, from its last run or since. */
static void
ent_plan(struct ent *en, int64_t now)
{
	int64_t base = en->last != 0 ? en->last : en->since, t;
	int64_t r = (int64_t)en->e.rate_s;

	if (en->e.kind == CRON_RATE) {
		t = base + r;
		if (t <= now)
			t += ((now - t) / r + 1) * r;
		en->next = t;
		en->has_next = 1;
		return;
	}
	en->has_next = cron_next(&en->e, en->cs->timezone, base > now ? base :
	    now, &en->next) == 0;
}

/* ---- the state file ------------------------------------------------------ */

static void
state_work(uv_work_t *w)
{
	struct sched *s = w->data;
	char tmp[PATH_MAX], path[PATH_MAX];

	snprintf(tmp, sizeof(tmp), "%s/" STATE_FILE ".tmp", s->dir);
	snprintf(path, sizeof(path), "%s/" STATE_FILE, s->dir);
	s->wrc = fs_replace(s->dir, tmp, path, s->wbuf.data, s->wbuf.len, 0600);
}

static void	state_save(struct sched *s);
static void	sched_maybe_free(struct sched *s);

static void
state_after(uv_work_t *w, int status)
{
	struct sched *s = w->data;

	(void)status;
	s->writing = 0;
	if (s->wrc != 0)
		log_warnx("schedules: cannot write %s/" STATE_FILE ": %s", s->dir,
		    strerror(-s->wrc));
	buf_free(&s->wbuf);
	if (s->closing) {
		sched_maybe_free(s);
		return;
	}
	if (s->dirty)
		state_save(s);
}

static void
state_save(struct sched *s)
{
	const struct ent *en;
	size_t i;

	if (s->writing || s->closing) {
		s->dirty = 1;
		return;
	}
	s->dirty = 0;
	buf_init(&s->wbuf);
	for (i = 0; i < s->nents; i++) {
		en = &s->ents[i];
		buf_printf(&s->wbuf, "%s\t%" PRId64 "\t%" PRId64 "\t%s\t%s\n",
		    en->cs->name, en->last, en->since, en->cs->timezone != NULL ?
		    en->cs->timezone : "-", en->cs->expression);
	}
	s->work.data = s;
	s->writing = 1;
	if (uv_queue_work(s->loop, &s->work, state_work, state_after) != 0) {
		s->writing = 0;
		buf_free(&s->wbuf);
	}
}

/* Split one line of the state file; 0, or -1 to skip it. */
static int
state_line(char *line, struct state_rec *r)
{
	char *f[5], *save = NULL, *end;
	int i;

	for (i = 0; i < 5; i++)
		if ((f[i] = strtok_r(i == 0 ? line : NULL, i < 4 ? "\t" : "\n",
		    &save)) == NULL)
			return -1;
	r->name = f[0];
	r->last = strtoll(f[1], &end, 10);
	if (*end != '\0')
		return -1;
	r->since = strtoll(f[2], &end, 10);
	if (*end != '\0')
		return -1;
	r->tz = f[3];
	r->expr = f[4];
	return 0;
}

/* The file read at start: records into *out (pointing into *data). */
static size_t
state_load(struct sched *s, struct buf *data, struct state_rec **out)
{
	char path[PATH_MAX], *p, *nl;
	struct state_rec *recs = NULL, r, *nr;
	size_t n = 0;
	int rc;

	*out = NULL;
	snprintf(path, sizeof(path), "%s/" STATE_FILE, s->dir);
	buf_init(data);
	if ((rc = fs_read(path, data, STATE_MAX)) != 0) {
		if (rc != -ENOENT)
			log_warnx("schedules: cannot read %s: %s; every "
			    "schedule starts afresh", path, strerror(-rc));
		return 0;
	}
	buf_addc(data, '\0');
	for (p = data->data; *p != '\0'; p = nl + 1) {
		if ((nl = strchr(p, '\n')) == NULL)
			break;
		*nl = '\0';
		if (state_line(p, &r) != 0 || (nr = reallocarray(recs, n + 1,
		    sizeof(*recs))) == NULL)
			continue;
		recs = nr;
		recs[n++] = r;
	}
	*out = recs;
	return n;
}

static bool
same_zone(const char *a, const char *b)
{
	return strcmp(a != NULL ? a : "-", b != NULL ? b : "-") == 0;
}

/* ---- the schedules ---------------------------------------------------------- */

/*
 * A schedule at start, with its saved state (or NULL): when it runs
 * next, and whether it missed a run while the daemon was down.
 */
static void
ent_start(struct ent *en, const struct state_rec *st,
    int64_t now)
{
	const struct conf_schedule *cs = en->cs;
	int64_t base, due;
	char when[32];

	en->since = now;
	en->last = 0;
	if (st != NULL && strcmp(st->expr, cs->expression) == 0 &&
	    same_zone(strcmp(st->tz, "-") == 0 ? NULL : st->tz,
	    cs->timezone)) {
		en->since = st->since;
		en->last = st->last;
	}
	base = en->last != 0 ? en->last : en->since;
	if (cron_next(&en->e, cs->timezone, base, &due) == 0 && due <= now) {
		cron_format(due, NULL, when, sizeof(when));
		if (cs->catch_up) {
			log_info("schedule %s: due at %s while lambdad was "
			    "down; running it once now (catch_up = on)",
			    cs->name, when);
			en->catch_up = 1;
			en->catch_up_due = due;
			en->last = now;
		} else
			log_info("schedule %s: missed the run due at %s while "
			    "lambdad was down (catch_up = off)", cs->name, when);
	}
	ent_plan(en, now);
	if (!en->has_next && en->last == 0 && !en->catch_up)
		log_warnx("schedule %s: %s will never run (its time is past)",
		    cs->name, cs->expression);
}

static int
ent_init(struct ent *en, const struct conf_schedule *cs)
{
	char why[256];

	memset(en, 0, sizeof(*en));
	en->cs = cs;
	/* Checked when the configuration was read. */
	return cron_parse(cs->expression, &en->e, why, sizeof(why));
}

static void
sched_tick(uv_timer_t *t)
{
	struct sched *s = t->data;
	int64_t ms = now_ms();
	struct ent *en;
	int changed = 0;
	size_t i;

	if (s->stopping)
		return;
	for (i = 0; i < s->nents; i++) {
		en = &s->ents[i];
		if (!en->has_next || en->next * 1000 > ms)
			continue;
		ent_fire(s, en, en->next);
		en->last = en->next;
		en->runs++;
		ent_plan(en, ms / 1000);
		changed = 1;
	}
	if (changed)
		state_save(s);
	sched_arm(s);
}

/*
 * The loop's first turn, after the privilege drop: the catch-up runs and
 * the first state write.  Before it, a file written on the threadpool
 * could still be root's (the drop hands state_dir over with what it
 * holds at that moment), and the unprivileged daemon could not read it.
 */
static void
sched_first_tick(uv_timer_t *t)
{
	struct sched *s = t->data;
	size_t i;

	for (i = 0; i < s->nents && !s->stopping; i++) {
		if (!s->ents[i].catch_up)
			continue;
		s->ents[i].catch_up = 0;
		ent_fire(s, &s->ents[i], s->ents[i].catch_up_due);
		s->ents[i].runs++;
	}
	state_save(s);
	sched_arm(s);
}

static void
sched_arm(struct sched *s)
{
	int64_t soon = INT64_MAX, delay;
	size_t i;

	for (i = 0; i < s->nents; i++)
		if (s->ents[i].has_next && s->ents[i].next < soon)
			soon = s->ents[i].next;
	if (soon == INT64_MAX || s->stopping) {
		uv_timer_stop(&s->timer);
		return;
	}
	delay = soon * 1000 - now_ms();
	if (delay < 0)
		delay = 0;
	if (delay > REARM_MAX_MS)
		delay = REARM_MAX_MS;
	uv_timer_start(&s->timer, sched_tick, (uint64_t)delay, 0);
}

static struct pool *
sched_find(void *arg, const char *name)
{
	struct sched *s = arg;

	return daemon_pool(s->d, name, NULL);
}

static int
sched_open(struct sched *s)
{
	char err[256];
	int rc;

	if ((s->dir = malloc(strlen(s->d->state_dir) + sizeof(SCHED_DIR) + 1)) ==
	    NULL)
		return -ENOMEM;
	sprintf(s->dir, "%s/" SCHED_DIR, s->d->state_dir);
	if ((rc = fs_mkdir_p(s->dir, 0700)) != 0) {
		log_err("schedules are off: cannot create %s: %s", s->dir,
		    strerror(-rc));
		return rc;
	}
	s->q = equeue_new(s->loop, s->dir, s->d->conf->event_retry_delay_s,
	    s->d->conf->event_queue_max, sched_find, s, err, sizeof(err));
	if (s->q == NULL) {
		log_err("schedules are off: %s", err);
		return -EIO;
	}
	return 0;
}

struct sched *
sched_new(struct daemon *d)
{
	const struct conf *c = d->conf;
	struct state_rec *recs;
	struct sched *s;
	struct buf data;
	size_t i, j, nrecs;
	int64_t now = now_ms() / 1000;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->d = d;
	s->loop = d->loop;
	uv_timer_init(s->loop, &s->timer);
	s->timer.data = s;
	s->timer_open = 1;
	if (sched_open(s) != 0 || (c->nschedules > 0 &&
	    (s->ents = calloc(c->nschedules, sizeof(*s->ents))) == NULL)) {
		sched_free(s);
		return NULL;
	}
	nrecs = state_load(s, &data, &recs);
	for (i = 0; i < c->nschedules; i++) {
		if (ent_init(&s->ents[s->nents], &c->schedules[i]) != 0)
			continue;
		for (j = 0; j < nrecs; j++)
			if (strcmp(recs[j].name, c->schedules[i].name) == 0)
				break;
		ent_start(&s->ents[s->nents], j < nrecs ? &recs[j] : NULL,
		    now);
		s->nents++;
	}
	free(recs);
	buf_free(&data);
	if (s->nents > 0)
		log_info("%zu schedules, their Events under %s", s->nents, s->dir);
	uv_timer_start(&s->timer, sched_first_tick, 0, 0);
	return s;
}

void
sched_set_conf(struct sched *s, const struct conf *c)
{
	struct ent *ne, *old;
	size_t i, j, n = 0;
	int64_t now;

	if (s == NULL)
		return;
	if ((ne = calloc(c->nschedules + 1, sizeof(*ne))) == NULL) {
		log_warnx("reload: out of memory; the schedules stay as they "
		    "were");
		return;
	}
	now = now_ms() / 1000;
	for (i = 0; i < c->nschedules; i++) {
		const struct conf_schedule *cs = &c->schedules[i];

		for (old = NULL, j = 0; j < s->nents; j++)
			if (strcmp(s->ents[j].cs->name, cs->name) == 0)
				old = &s->ents[j];
		if (old != NULL && strcmp(old->cs->expression,
		    cs->expression) == 0 && same_zone(old->cs->timezone,
		    cs->timezone)) {
			ne[n] = *old;	/* its times stand */
			ne[n++].cs = cs;
			continue;
		}
		if (ent_init(&ne[n], cs) != 0)
			continue;
		ne[n].since = now;
		ent_plan(&ne[n++], now);
	}
	free(s->ents);
	s->ents = ne;
	s->nents = n;
	state_save(s);
	sched_arm(s);
}

void
sched_stop(struct sched *s)
{
	if (s == NULL)
		return;
	s->stopping = 1;
	uv_timer_stop(&s->timer);
	equeue_stop(s->q);
}

unsigned
sched_inflight(const struct sched *s)
{
	return s != NULL ? equeue_inflight(s->q) : 0;
}

static void
sched_maybe_free(struct sched *s)
{
	if (s->writing || s->timer_open)
		return;
	equeue_free(s->q);
	free(s->ents);
	free(s->dir);
	free(s);
}

static void
sched_timer_closed(uv_handle_t *h)
{
	struct sched *s = h->data;

	s->timer_open = 0;
	sched_maybe_free(s);
}

void
sched_free(struct sched *s)
{
	if (s == NULL)
		return;
	s->closing = 1;
	uv_close((uv_handle_t *)&s->timer, sched_timer_closed);
}

cJSON *
sched_list(struct sched *s)
{
	cJSON *j = cJSON_CreateObject(), *arr, *o;
	const struct ent *en;
	char t[40];
	size_t i;

	if (j == NULL || (arr = cJSON_AddArrayToObject(j, "schedules")) == NULL)
		goto fail;
	for (i = 0; s != NULL && i < s->nents; i++) {
		en = &s->ents[i];
		if ((o = cJSON_CreateObject()) == NULL)
			goto fail;
		cJSON_AddItemToArray(arr, o);
		cJSON_AddStringToObject(o, "name", en->cs->name);
		cJSON_AddStringToObject(o, "function", en->cs->function);
		cJSON_AddStringToObject(o, "expression", en->cs->expression);
		cJSON_AddStringToObject(o, "timezone", en->cs->timezone != NULL ?
		    en->cs->timezone : "UTC");
		cJSON_AddBoolToObject(o, "catch_up", en->cs->catch_up);
		if (en->has_next) {
			cron_format(en->next, NULL, t, sizeof(t));
			cJSON_AddStringToObject(o, "next", t);
			cron_format(en->next, en->cs->timezone != NULL ?
			    en->cs->timezone : "UTC", t, sizeof(t));
			cJSON_AddStringToObject(o, "next_local", t);
		} else {
			cJSON_AddNullToObject(o, "next");
			cJSON_AddNullToObject(o, "next_local");
		}
		if (en->last != 0) {
			cron_format(en->last, NULL, t, sizeof(t));
			cJSON_AddStringToObject(o, "last", t);
		} else
			cJSON_AddNullToObject(o, "last");
		cJSON_AddNumberToObject(o, "runs", en->runs);
	}
	return j;
fail:
	cJSON_Delete(j);
	return NULL;
}
