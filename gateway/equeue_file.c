/*
 * equeue_file: the record files of the on-disk Event queue (equeue.c
 * schedules them): writing one all or nothing, removing it, moving it to
 * failed/, and its format.  The disk calls run on libuv's threadpool, so
 * nothing here touches loop state.
 *
 * A record file is a short text header, a blank line, then the payload:
 *
 *   lambdad-event 1
 *   function NAME
 *   id UUID
 *   accepted EPOCH-MS
 *   attempts N            failed attempts so far
 *   trace X-Amzn-Trace-Id  (optional)
 *   context JSON           (optional; compact, so one line)
 *   retries N              (optional: a schedule's own; else the function's
 *   max_age S               event_retries and event_max_age)
 *   qualifier Q            (optional: what it was invoked with)
 *   on_success ARN         (optional: destinations, function ARNs)
 *   on_failure ARN
 *   hops N                 (optional: destinations it came through)
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "equeue.h"
#include "equeue_int.h"
#include "fs.h"

/* ---- files (these run on the threadpool too: no loop state) ----------- */

/* ID.tmp, then renamed to ID.ev: all or nothing (fs_replace). */
int
equeue_file_replace(const char *dir, const char *id, const struct buf *b)
{
	char tmp[PATH_MAX], path[PATH_MAX];

	snprintf(tmp, sizeof(tmp), "%s/%s.tmp", dir, id);
	snprintf(path, sizeof(path), "%s/%s.ev", dir, id);
	return fs_replace(dir, tmp, path, b->data, b->len, 0600);
}

int
equeue_file_remove(const char *dir, const char *id)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s.ev", dir, id);
	if (unlink(path) != 0 && errno != ENOENT)
		return -errno;
	return fs_fsync_dir(dir);
}

/* Into failed/: durable there first, then gone from the queue. */
int
equeue_file_fail(const char *dir, const char *failed, const char *id)
{
	char from[PATH_MAX], to[PATH_MAX];
	int rc;

	snprintf(from, sizeof(from), "%s/%s.ev", dir, id);
	snprintf(to, sizeof(to), "%s/%s.ev", failed, id);
	if (rename(from, to) != 0)
		return -errno;
	if ((rc = fs_fsync_dir(failed)) != 0)
		return rc;
	return fs_fsync_dir(dir);
}

/* ---- the record format ------------------------------------------------ */

void
equeue_rec_format(const struct rec *r, const char *payload, size_t len,
    struct buf *b)
{
	buf_printf(b, EQUEUE_MAGIC "\nfunction %s\nid %s\naccepted %llu\n"
	    "attempts %u\n", r->fn, r->id, (unsigned long long)r->accepted_ms,
	    r->attempts);
	if (r->trace_id != NULL)
		buf_printf(b, "trace %s\n", r->trace_id);
	if (r->context != NULL)
		buf_printf(b, "context %s\n", r->context);
	if (r->retries != EQUEUE_FN_POLICY)
		buf_printf(b, "retries %u\n", r->retries);
	if (r->max_age_s != EQUEUE_FN_POLICY)
		buf_printf(b, "max_age %u\n", r->max_age_s);
	if (r->qual[0] != '\0')
		buf_printf(b, "qualifier %s\n", r->qual);
	if (r->on_success != NULL)
		buf_printf(b, "on_success %s\n", r->on_success);
	if (r->on_failure != NULL)
		buf_printf(b, "on_failure %s\n", r->on_failure);
	if (r->hops > 0)
		buf_printf(b, "hops %u\n", r->hops);
	buf_addc(b, '\n');
	buf_add(b, payload, len);
}

static bool
key_is(const char *k, size_t kl, const char *lit)
{
	return kl == strlen(lit) && memcmp(k, lit, kl) == 0;
}

/* A decimal value v[0..vl) into *out.  0 or -EINVAL. */
static int
parse_num(const char *v, size_t vl, uint64_t *out)
{
	char num[24], *end;

	if (vl == 0 || vl >= sizeof(num))
		return -EINVAL;
	memcpy(num, v, vl);
	num[vl] = '\0';
	*out = strtoull(num, &end, 10);
	return *end == '\0' ? 0 : -EINVAL;
}

/* A header line with a number: 0, -EINVAL, or 1 when k is no such key. */
static int
rec_parse_num(struct rec *r, const char *k, size_t kl, const char *v,
    size_t vl)
{
	uint64_t n;

	if (!key_is(k, kl, "accepted") && !key_is(k, kl, "attempts") &&
	    !key_is(k, kl, "retries") && !key_is(k, kl, "max_age") &&
	    !key_is(k, kl, "hops"))
		return 1;
	if (parse_num(v, vl, &n) != 0)
		return -EINVAL;
	if (key_is(k, kl, "accepted"))
		r->accepted_ms = n;
	else if (key_is(k, kl, "attempts"))
		r->attempts = (unsigned)n;
	else if (key_is(k, kl, "retries"))
		r->retries = (unsigned)n;
	else if (key_is(k, kl, "max_age"))
		r->max_age_s = (unsigned)n;
	else
		r->hops = (unsigned)n;
	return 0;
}

/* One header line "key value" into r.  0 or -EINVAL. */
static int
rec_parse_line(struct rec *r, const char *k, size_t kl, const char *v,
    size_t vl)
{
	int rc;

	if ((rc = rec_parse_num(r, k, kl, v, vl)) <= 0)
		return rc;
	if (key_is(k, kl, "function") && vl < sizeof(r->fn)) {
		memcpy(r->fn, v, vl);
		r->fn[vl] = '\0';
	} else if (key_is(k, kl, "id") && vl == 36) {
		memcpy(r->id, v, vl);
		r->id[vl] = '\0';
	} else if (key_is(k, kl, "qualifier") && vl < sizeof(r->qual)) {
		memcpy(r->qual, v, vl);
		r->qual[vl] = '\0';
	} else if (key_is(k, kl, "trace") && r->trace_id == NULL)
		r->trace_id = strndup(v, vl);
	else if (key_is(k, kl, "context") && r->context == NULL)
		r->context = strndup(v, vl);
	else if (key_is(k, kl, "on_success") && r->on_success == NULL)
		r->on_success = strndup(v, vl);
	else if (key_is(k, kl, "on_failure") && r->on_failure == NULL)
		r->on_failure = strndup(v, vl);
	else
		return -EINVAL;
	return 0;
}

/* The header of data into r; *body gets the payload's offset. */
int
equeue_rec_parse(struct rec *r, const struct buf *data, size_t *body)
{
	const char *p = data->data, *end = p + data->len, *nl, *sp;
	size_t ml = strlen(EQUEUE_MAGIC);

	if (data->len <= ml || memcmp(p, EQUEUE_MAGIC "\n", ml + 1) != 0)
		return -EINVAL;
	for (p += ml + 1; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			return -EINVAL;
		if (nl == p) {
			*body = (size_t)(nl + 1 - data->data);
			return r->fn[0] != '\0' && r->id[0] != '\0' ? 0 : -EINVAL;
		}
		if ((sp = memchr(p, ' ', (size_t)(nl - p))) == NULL ||
		    rec_parse_line(r, p, (size_t)(sp - p), sp + 1,
		    (size_t)(nl - sp - 1)) != 0)
			return -EINVAL;
	}
	return -EINVAL;
}
