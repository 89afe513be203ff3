/*
 * worker_log: a worker's log pipe (worker.c owns the process and its
 * state machine): reading the pipe, splitting lines, tagging each with the
 * function and the request id it belongs to, the log_rate limit, the tail
 * an Invoke API caller may ask for, the drain before a reply, and the
 * REPORT line with the memory the worker used.  See pool_int.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "endpoint.h"
#include "http.h"
#include "log.h"
#include "metrics.h"
#include "peer.h"
#include "pool.h"
#include "pool_int.h"
#include "rapi.h"
#include "sandbox.h"

/* ---- logs --------------------------------------------------------------- */

/*
 * The invocation's log for the Invoke API's LogType Tail: START, output,
 * END, REPORT.  Only its last 4 KiB is sent; keeping more than that would
 * only cost memory, so older text is dropped once the buffer holds 8 KiB.
 */
void
wk_tail_add(struct invocation *inv, const char *s, size_t n)
{
	struct buf *t = &inv->tail;

	if (n >= LOG_TAIL_MAX)
		s += n - (LOG_TAIL_MAX - 1), n = LOG_TAIL_MAX - 1;
	if (t->len + n + 1 > 2 * LOG_TAIL_MAX) {
		size_t keep = LOG_TAIL_MAX - n - 1 < t->len ?
		    LOG_TAIL_MAX - n - 1 : t->len;

		memmove(t->data, t->data + t->len - keep, keep);
		t->len = keep;
	}
	buf_add(t, s, n);
	buf_addc(t, '\n');
}

/* Say how many lines went over log_rate, and count them. */
static void
wk_log_report_dropped(struct worker *w)
{
	char line[160];
	int n;

	if (w->log_dropped == 0)
		return;
	n = snprintf(line, sizeof(line), "lambdad: %llu log lines of worker "
	    "%d dropped: over log_rate (%u lines/s)",
	    (unsigned long long)w->log_dropped, (int)w->pid,
	    w->pool->fc->log_rate);
	log_fn(w->pool->fc->name, NULL, line, (size_t)n);
	metrics_log_dropped(pool_metrics(w->pool), w->log_dropped);
	w->log_dropped = 0;
}

/*
 * A worker that logs as fast as it can would have the loop format and
 * write its lines instead of serving: past log_rate lines in a second the
 * rest of that second's are dropped, and counted, as journald's
 * RateLimitBurst does.  A fixed window: cheap, and bursts up to the rate.
 */
static bool
wk_log_admit(struct worker *w)
{
	unsigned rate = w->pool->fc->log_rate;
	uint64_t now;

	if (rate == 0)
		return true;
	now = uv_now(w->pool->loop);
	if (now - w->log_window >= 1000) {
		wk_log_report_dropped(w);
		w->log_window = now;
		w->log_lines = 0;
	}
	if (w->log_lines < rate) {
		w->log_lines++;
		return true;
	}
	w->log_dropped++;
	return false;
}

/*
 * The invocation a line of the worker's output belongs to.  One at a time,
 * it is the one running.  A worker holding several cannot say which wrote
 * a line, so, as Lambda's runtimes do, the line says it: it belongs to the
 * invocation whose request id it contains, and to none otherwise.
 */
static struct invocation *
wk_log_owner(struct worker *w, const char *s, size_t n)
{
	unsigned i;

	if (w->nlive == 0)
		return NULL;
	if (w->maxc == 1)
		return w->invs[0];
	if (n < 36)
		return NULL;
	for (i = 0; i < w->nlive; i++)
		if (memmem(s, n, w->invs[i]->id, 36) != NULL)
			return w->invs[i];
	return NULL;
}

static void
wk_log_line(struct worker *w, const char *s, size_t n)
{
	struct invocation *inv;

	if (!wk_log_admit(w))
		return;
	inv = wk_log_owner(w, s, n);
	log_fn(w->pool->fc->name, inv != NULL ? inv->id : NULL, s, n);
	if (inv != NULL)
		wk_tail_add(inv, s, n);
}

static void
wk_log_feed(struct worker *w, const char *s, size_t n)
{
	const char *nl;

	while (n > 0 && (nl = memchr(s, '\n', n)) != NULL) {
		size_t k = (size_t)(nl - s);

		if (w->logline.len > 0) {
			buf_add(&w->logline, s, k);
			wk_log_line(w, w->logline.data, w->logline.len);
			buf_reset(&w->logline);
		} else
			wk_log_line(w, s, k);
		s += k + 1;
		n -= k + 1;
	}
	buf_add(&w->logline, s, n);
	/* A line longer than this is cut, so a worker cannot grow our memory. */
	if (w->logline.len >= 8192) {
		wk_log_line(w, w->logline.data, w->logline.len);
		buf_reset(&w->logline);
	}
}

void
wk_log_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
	static char slab[65536];

	(void)h;
	(void)hint;
	b->base = slab;
	b->len = sizeof(slab);
}

void
wk_log_close(struct worker *w)
{
	if (!w->log_open)
		return;
	w->log_open = false;
	if (w->logline.len > 0) {
		wk_log_line(w, w->logline.data, w->logline.len);
		buf_reset(&w->logline);
	}
	wk_log_report_dropped(w);
	uv_close((uv_handle_t *)&w->logpipe, wk_handle_closed);
}

void
wk_log_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
	struct worker *w = s->data;

	if (n > 0)
		wk_log_feed(w, b->base, (size_t)n);
	else if (n < 0)
		wk_log_close(w);
}

/*
 * Read whatever the worker wrote before answering, so its lines are tagged
 * with the invocation they belong to: the pipe and the Runtime API socket
 * are separate channels, and libuv may see the socket first.
 */
void
wk_log_drain(struct worker *w)
{
	char tmp[16384];
	ssize_t n;
	uv_os_fd_t fd;
	int reads = 0;

	if (!w->log_open || uv_fileno((uv_handle_t *)&w->logpipe, &fd) != 0)
		return;
	/*
	 * The worker wrote its lines before it posted its reply, so they are
	 * all in the pipe: a short read emptied it, and saves the read that
	 * would only say EAGAIN (one syscall per invocation that logs).
	 */
	/* Bounded: a child of the worker may still be writing; what it
	 * writes after the first MiB is read by the pipe's callback. */
	while (reads++ < 64 && (n = read(fd, tmp, sizeof(tmp))) > 0) {
		wk_log_feed(w, tmp, (size_t)n);
		if ((size_t)n < sizeof(tmp))
			break;
	}
	if (w->logline.len > 0) {
		wk_log_line(w, w->logline.data, w->logline.len);
		buf_reset(&w->logline);
	}
}

/*
 * The peak of the worker's cgroup leaf (memory.peak: everything it and its
 * children charged, page cache included), 0 when it cannot be read (the
 * leaf is gone once the worker is).
 */
static unsigned
wk_cgroup_peak_mb(struct worker *w)
{
	char tmp[32];
	ssize_t n = pread(w->peakfd, tmp, sizeof(tmp) - 1, 0);

	if (n <= 0)
		return 0;
	tmp[n] = '\0';
	return (unsigned)((strtoull(tmp, NULL, 10) + (1 << 20) - 1) >> 20);
}

/*
 * Peak memory of the worker in MB: its cgroup's memory.peak where the
 * daemon has cgroups and the kernel has that file (>= 5.19); else peak
 * resident memory (VmHWM), from a /proc file kept open for the worker's
 * life.  Making that file costs the kernel some microseconds, so under
 * load it is read at most every 100 ms per worker; the peak only grows,
 * so a cached value is a lower bound of the truth.
 */
static unsigned
wk_max_memory_mb(struct worker *w)
{
	char path[64], tmp[2048], *s;
	uint64_t now = uv_hrtime();
	unsigned mb;
	ssize_t n;

	if (w->peakfd >= 0 && (mb = wk_cgroup_peak_mb(w)) > 0) {
		if (mb > w->mem_mb)
			w->mem_mb = mb;
		return w->mem_mb;
	}

	if (w->mem_ns != 0 && now - w->mem_ns < 100000000)
		return w->mem_mb;
	if (w->statusfd < 0) {
		snprintf(path, sizeof(path), "/proc/%d/status", (int)w->pid);
		if ((w->statusfd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
			return w->mem_mb;
	}
	n = pread(w->statusfd, tmp, sizeof(tmp) - 1, 0);
	if (n <= 0)
		return w->mem_mb;
	tmp[n] = '\0';
	if ((s = strstr(tmp, "VmHWM:")) != NULL)
		w->mem_mb = (unsigned)((strtoul(s + 6, NULL, 10) + 1023) / 1024);
	w->mem_ns = now;
	return w->mem_mb;
}

void
wk_log_report(struct worker *w, struct invocation *inv)
{
	char line[512];
	double dur = (double)(uv_hrtime() - inv->start_ns) / 1e6;
	double billed = ceil(dur + (inv->cold ? w->init_ms : 0));
	int n;

	wk_log_report_dropped(w);
	n = snprintf(line, sizeof(line), "END RequestId: %s", inv->id);
	log_fn_id(w->pool->fc->name, inv->id, line, (size_t)n);
	wk_tail_add(inv, line, (size_t)n);
	n = snprintf(line, sizeof(line), "REPORT RequestId: %s\tDuration: %.2f ms"
	    "\tBilled Duration: %.0f ms\tMemory Size: %u MB\tMax Memory Used: %u MB\t",
	    inv->id, dur, billed < 1 ? 1 : billed, w->pool->fc->memory_mb,
	    wk_max_memory_mb(w));
	if (inv->cold)
		n += snprintf(line + n, sizeof(line) - (size_t)n,
		    "Init Duration: %.2f ms\t", w->init_ms);
	log_fn_id(w->pool->fc->name, inv->id, line, (size_t)n);
	wk_tail_add(inv, line, (size_t)n);
}


