/*
 * logring: per-function rings of recent log lines.  See logring.h.
 *
 * A ring is a circular array of line pointers; each line is one malloc'd
 * block holding its sequence number, time and text.  Functions are few (a
 * hundred is a lot) and looked up by a linear scan that starts with the
 * last one used, which is the common case: a function's lines come in runs.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "logring.h"

struct lr_line {
	uint64_t	 seq;
	int64_t		 ms;		/* wall clock, ms since the epoch */
	size_t		 len;
	char		 text[];	/* "[REQID ]TEXT", NUL-terminated */
};

struct lr_ring {
	char		*fn;
	struct lr_line	*lines[LOGRING_LINES];
	size_t		 head, count, bytes;
	uint64_t	 evicted;	/* seq of the newest line dropped */
	struct lr_ring	*next;
};

static struct lr_ring *lr_rings, *lr_last;
static uint64_t lr_seq;
static size_t lr_nrings;

static struct lr_ring *
lr_find(const char *fn, int create)
{
	struct lr_ring *r;

	if (lr_last != NULL && strcmp(lr_last->fn, fn) == 0)
		return lr_last;
	for (r = lr_rings; r != NULL; r = r->next)
		if (strcmp(r->fn, fn) == 0)
			return lr_last = r;
	if (!create || (r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	if ((r->fn = strdup(fn)) == NULL) {
		free(r);
		return NULL;
	}
	r->next = lr_rings;
	lr_rings = r;
	lr_nrings++;
	return lr_last = r;
}

static void
lr_drop_oldest(struct lr_ring *r)
{
	struct lr_line *l = r->lines[r->head];

	r->bytes -= l->len;
	r->evicted = l->seq;
	free(l);
	r->lines[r->head] = NULL;
	r->head = (r->head + 1) % LOGRING_LINES;
	r->count--;
}

void
logring_add(const char *fn, const char *reqid, const char *text, size_t len)
{
	struct lr_ring *r = lr_find(fn, 1);
	size_t idlen = reqid != NULL ? strlen(reqid) + 1 : 0;
	struct lr_line *l;
	struct timespec ts;
	size_t cap;

	if (r == NULL || (l = malloc(sizeof(*l) + idlen + len + 1)) == NULL)
		return;		/* a lost line of the in-memory copy only */
	clock_gettime(CLOCK_REALTIME, &ts);
	l->seq = ++lr_seq;
	l->ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	l->len = idlen + len;
	if (reqid != NULL) {
		memcpy(l->text, reqid, idlen - 1);
		l->text[idlen - 1] = ' ';
	}
	memcpy(l->text + idlen, text, len);
	l->text[l->len] = '\0';
	cap = LOGRING_TOTAL / lr_nrings;
	if (cap > LOGRING_BYTES)
		cap = LOGRING_BYTES;
	while (r->count > 0 && (r->count == LOGRING_LINES ||
	    r->bytes + l->len > cap))
		lr_drop_oldest(r);
	r->lines[(r->head + r->count) % LOGRING_LINES] = l;
	r->count++;
	r->bytes += l->len;
}

static void
lr_format(struct buf *out, const struct lr_line *l)
{
	time_t sec = (time_t)(l->ms / 1000);
	struct tm tm;

	gmtime_r(&sec, &tm);
	buf_printf(out, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, (int)(l->ms % 1000));
	buf_add(out, l->text, l->len);
	buf_addc(out, '\n');
}

uint64_t
logring_read(const char *fn, uint64_t after, struct buf *out,
    size_t max_bytes, int *dropped)
{
	struct lr_ring *r = lr_find(fn, 0);
	uint64_t last = after;
	size_t i, start = out->len;

	*dropped = 0;
	if (r == NULL || r->count == 0)
		return after;
	if (after > 0 && after < r->evicted)
		*dropped = 1;
	for (i = 0; i < r->count; i++) {
		const struct lr_line *l = r->lines[(r->head + i) % LOGRING_LINES];

		if (l->seq <= after)
			continue;
		if (last != after && out->len - start + l->len > max_bytes)
			break;
		lr_format(out, l);
		last = l->seq;
	}
	return last;
}

uint64_t
logring_seq(void)
{
	return lr_seq;
}

static void
lr_ring_free(struct lr_ring *r)
{
	while (r->count > 0)
		lr_drop_oldest(r);
	free(r->fn);
	free(r);
}

void
logring_forget(const char *fn)
{
	struct lr_ring **pp, *r;

	for (pp = &lr_rings; (r = *pp) != NULL; pp = &r->next)
		if (strcmp(r->fn, fn) == 0) {
			*pp = r->next;
			if (lr_last == r)
				lr_last = NULL;
			lr_ring_free(r);
			lr_nrings--;
			return;
		}
}

void
logring_free(void)
{
	struct lr_ring *r, *next;

	for (r = lr_rings; r != NULL; r = next) {
		next = r->next;
		lr_ring_free(r);
	}
	lr_rings = lr_last = NULL;
	lr_nrings = 0;
}
