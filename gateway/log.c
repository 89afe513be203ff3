/*
 * log: lines on stderr, with syslog priorities under systemd.  See log.h.
 *
 * Each line is formatted whole, so lines never interleave mid-line.  Once
 * the daemon's loop runs, info, debug and function lines are gathered in a
 * buffer that the loop flushes once per iteration (log_flush): a busy
 * daemon writes START, END and REPORT for many invocations in one write(2)
 * instead of three writes each.  Warnings and errors are written at once.
 *
 * Under journald, function lines go to the journal's native socket instead,
 * one datagram each, with fields to filter on (LAMBDA_FUNCTION,
 * LAMBDA_REQUEST_ID): `journalctl -u lambdad LAMBDA_FUNCTION=hello`.  A
 * line the socket does not take goes to stderr as usual.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "logring.h"

static int log_verbose;
static int log_journal;
static int log_buffered;
static char log_buf[65536];
static size_t log_len;
static int log_jfd = -1;		/* the journal's socket, or -1 */
static struct sockaddr_un log_jaddr;
static socklen_t log_jlen;

void
log_flush(void)
{
	size_t off = 0;
	ssize_t n;

	while (off < log_len) {
		n = write(STDERR_FILENO, log_buf + off, log_len - off);
		if (n <= 0)
			break;	/* stderr is gone or full: drop, never block the loop */
		off += (size_t)n;
	}
	log_len = 0;
}

void
log_set_buffered(int on)
{
	if (!on)
		log_flush();
	log_buffered = on;
}

static void
log_out(const char *line, size_t n, int now)
{
	if (!log_buffered || now) {
		log_flush();
		(void)!write(STDERR_FILENO, line, n);
		return;
	}
	if (log_len + n > sizeof(log_buf))
		log_flush();
	memcpy(log_buf + log_len, line, n);
	log_len += n;
}

/* LAMBDAD_JOURNAL_SOCKET overrides the path (for tests). */
static void
log_journal_open(void)
{
	const char *path = getenv("LAMBDAD_JOURNAL_SOCKET");

	if (path == NULL)
		path = "/run/systemd/journal/socket";
	if (strlen(path) >= sizeof(log_jaddr.sun_path) || access(path, W_OK) != 0)
		return;
	log_jaddr.sun_family = AF_UNIX;
	strcpy(log_jaddr.sun_path, path);
	log_jlen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
	    strlen(path) + 1);
	log_jfd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
}

void
log_init(int verbose, int journal)
{
	log_verbose = verbose;
	log_journal = journal;
	if (journal)
		log_journal_open();
}

/* One journal entry with the function's fields; 0 if the journal took it. */
static int
log_fn_journal(const char *fn, const char *reqid, int show_id,
    const char *text, size_t len)
{
	struct iovec iov[12];
	struct msghdr mh;
	int n = 0;

	if (memchr(text, '\n', len) != NULL)
		return -1;	/* would need the binary field format */
#define IOV(p, l) (iov[n].iov_base = (void *)(p), iov[n++].iov_len = (l))
#define IOVS(lit) IOV(lit, sizeof(lit) - 1)
	IOVS("PRIORITY=6\nSYSLOG_IDENTIFIER=lambdad\nLAMBDA_FUNCTION=");
	IOV(fn, strlen(fn));
	if (reqid != NULL) {
		IOVS("\nLAMBDA_REQUEST_ID=");
		IOV(reqid, strlen(reqid));
	}
	IOVS("\nMESSAGE=[");
	IOV(fn, strlen(fn));
	IOVS("] ");
	if (reqid != NULL && show_id) {
		IOV(reqid, strlen(reqid));
		IOVS(" ");
	}
	IOV(text, len);
	IOVS("\n");
#undef IOVS
#undef IOV
	memset(&mh, 0, sizeof(mh));
	mh.msg_name = &log_jaddr;
	mh.msg_namelen = log_jlen;
	mh.msg_iov = iov;
	mh.msg_iovlen = (size_t)n;
	return sendmsg(log_jfd, &mh, MSG_NOSIGNAL) < 0 ? -1 : 0;
}

/* The line prefix; the timestamp text is remade only when the millisecond
 * changes, since a busy daemon writes many lines per millisecond. */
static size_t
log_prefix(char *p, size_t n, int pri)
{
	static char stamp[32];
	static size_t stamp_len;
	static long stamp_sec = -1, stamp_ms = -1;
	struct timespec ts;
	struct tm tm;
	int k;

	if (log_journal)
		return (size_t)snprintf(p, n, "<%d>", pri);
	clock_gettime(CLOCK_REALTIME, &ts);
	if (ts.tv_sec != stamp_sec || ts.tv_nsec / 1000000 != stamp_ms) {
		stamp_sec = ts.tv_sec;
		stamp_ms = ts.tv_nsec / 1000000;
		gmtime_r(&ts.tv_sec, &tm);
		k = snprintf(stamp, sizeof(stamp),
		    "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ ", tm.tm_year + 1900,
		    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		    stamp_ms);
		stamp_len = k < 0 ? 0 : (size_t)k;
	}
	if (stamp_len > n)
		return 0;
	memcpy(p, stamp, stamp_len);
	return stamp_len;
}

static void
log_emit(int pri, const char *errstr, const char *fmt, va_list ap)
{
	char line[4096];
	size_t n = log_prefix(line, sizeof(line), pri);
	int k;

	k = vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	if (k > 0)
		n += (size_t)k;
	if (n > sizeof(line) - 2)
		n = sizeof(line) - 2;
	if (errstr != NULL) {
		k = snprintf(line + n, sizeof(line) - n, ": %s", errstr);
		if (k > 0)
			n += (size_t)k;
		if (n > sizeof(line) - 2)
			n = sizeof(line) - 2;
	}
	line[n++] = '\n';
	log_out(line, n, pri <= LOG_LVL_WARN);
}

#define LOG_FN(name, pri, witherr, gate)				\
void									\
name(const char *fmt, ...)						\
{									\
	va_list ap;							\
	const char *es = (witherr) ? strerror(errno) : NULL;		\
									\
	if (!(gate))							\
		return;							\
	va_start(ap, fmt);						\
	log_emit(pri, es, fmt, ap);					\
	va_end(ap);							\
}

LOG_FN(log_err, LOG_LVL_ERR, 0, 1)
LOG_FN(log_warn, LOG_LVL_WARN, 1, 1)
LOG_FN(log_warnx, LOG_LVL_WARN, 0, 1)
LOG_FN(log_info, LOG_LVL_INFO, 0, 1)
LOG_FN(log_debug, LOG_LVL_DEBUG, 0, log_verbose)

static void
log_fn_ex(const char *fn, const char *id, int show_id, const char *text,
    size_t len)
{
	const char *reqid = show_id ? id : NULL;
	char line[8192];
	size_t n;
	int k;

	logring_add(fn, reqid, text, len);
	if (log_jfd >= 0 && log_fn_journal(fn, id, show_id, text, len) == 0)
		return;
	n = log_prefix(line, sizeof(line), LOG_LVL_INFO);
	k = snprintf(line + n, sizeof(line) - n, "[%s] %s%s", fn,
	    reqid != NULL ? reqid : "", reqid != NULL ? " " : "");
	if (k > 0)
		n += (size_t)k;
	if (len > sizeof(line) - n - 1)
		len = sizeof(line) - n - 1;
	memcpy(line + n, text, len);
	n += len;
	line[n++] = '\n';
	log_out(line, n, 0);
}

void
log_fn(const char *fn, const char *reqid, const char *text, size_t len)
{
	log_fn_ex(fn, reqid, 1, text, len);
}

void
log_fn_id(const char *fn, const char *reqid, const char *text, size_t len)
{
	log_fn_ex(fn, reqid, 0, text, len);
}

/* An access-log line as its own journal entry; 0 if the journal took it. */
static int
log_access_journal(const char *text, size_t len)
{
	static const char head[] = "PRIORITY=6\nSYSLOG_IDENTIFIER=lambdad\n"
	    "LAMBDA_ACCESS_LOG=1\nMESSAGE=";
	struct iovec iov[3];
	struct msghdr mh;

	if (memchr(text, '\n', len) != NULL)
		return -1;
	iov[0].iov_base = (void *)head;
	iov[0].iov_len = sizeof(head) - 1;
	iov[1].iov_base = (void *)text;
	iov[1].iov_len = len;
	iov[2].iov_base = (void *)"\n";
	iov[2].iov_len = 1;
	memset(&mh, 0, sizeof(mh));
	mh.msg_name = &log_jaddr;
	mh.msg_namelen = log_jlen;
	mh.msg_iov = iov;
	mh.msg_iovlen = 3;
	return sendmsg(log_jfd, &mh, MSG_NOSIGNAL) < 0 ? -1 : 0;
}

void
log_access(const char *text, size_t len)
{
	char line[8192];
	size_t n;

	if (log_jfd >= 0 && log_access_journal(text, len) == 0)
		return;
	n = log_prefix(line, sizeof(line), LOG_LVL_INFO);
	memcpy(line + n, "access: ", 8);
	n += 8;
	if (len > sizeof(line) - n - 1)
		len = sizeof(line) - n - 1;
	memcpy(line + n, text, len);
	n += len;
	line[n++] = '\n';
	log_out(line, n, 0);
}
