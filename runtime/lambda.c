/*
 * liblambda: the Runtime API loop (lambda.h) over rapi_client.
 *
 * The loop is the usual next -> handler -> response, with one twist that
 * matters for speed: the POST of a result and the GET of the next event go
 * out in one write (HTTP pipelining), and their two replies come back on the
 * same connection.  That turns the four messages of a naive client into two,
 * which is most of the per-invocation cost on loopback.  Everything else is
 * kept small: one connection, no threads, no allocations while idle beyond
 * the receive buffer, so an idle worker costs little private memory.
 *
 * With AWS_LAMBDA_MAX_CONCURRENCY = N > 1 (lambdad's max_concurrency,
 * Lambda Managed Instances) the same loop runs N times at once, each in a
 * thread of its own with its own connection, so that N GET /next are in
 * flight, as aws-lambda-go's N goroutines keep them.  The loops share
 * nothing but the handler; the first to fail ends lambda_run.
 *
 * Decisions worth knowing (also in liblambda.3):
 *  - A kept-alive connection the server closed before answering is reopened
 *    once and the unanswered requests are sent again; a second failure is
 *    fatal.
 *  - 413 on a posted result is logged and the loop goes on: the server has
 *    already failed that invocation.  Any other non-202 is fatal.
 *  - stdout is flushed after every handler call, so its log lines belong to
 *    the invocation that printed them even when stdout is a pipe.
 */
#include <sys/uio.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lambda.h"
#include "rapi_client.h"

#include "lambda_int.h"

/* ---- accessors ---------------------------------------------------------- */

LAMBDA_API const char *
lambda_event(const struct lambda_invocation *inv, size_t *len)
{
	if (len != NULL)
		*len = inv->ev.len;
	return inv->ev.body;
}

LAMBDA_API const char *
lambda_request_id(const struct lambda_invocation *inv)
{
	return inv->ev.request_id;
}

LAMBDA_API int64_t
lambda_deadline_ms(const struct lambda_invocation *inv)
{
	return inv->deadline;
}

LAMBDA_API int64_t
lambda_remaining_ms(const struct lambda_invocation *inv)
{
	struct timespec ts;

	if (inv->deadline == 0)
		return INT64_MAX;	/* no deadline was given */
	clock_gettime(CLOCK_REALTIME, &ts);
	return inv->deadline - ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

LAMBDA_API const char *
lambda_function_arn(const struct lambda_invocation *inv)
{
	return inv->ev.function_arn != NULL ? inv->ev.function_arn : "";
}

LAMBDA_API const char *
lambda_trace_id(const struct lambda_invocation *inv)
{
	return inv->ev.trace_id;
}

LAMBDA_API const char *
lambda_client_context(const struct lambda_invocation *inv)
{
	return inv->ev.client_context;
}

LAMBDA_API const char *
lambda_cognito_identity(const struct lambda_invocation *inv)
{
	return inv->ev.cognito_identity;
}

/* ---- answers -------------------------------------------------------------- */

/* A header value we are given must not be able to end the header. */
int
lt_valid_header_value(const char *s, size_t max)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if ((unsigned char)s[i] < ' ' || s[i] == 0x7f)
			return 0;
	return i > 0 && i <= max;
}

LAMBDA_API int
lambda_reply_type(struct lambda_invocation *inv, const char *content_type,
    const char *body, size_t len)
{
	char *copy, *ctype;

	if (inv == NULL || content_type == NULL || (body == NULL && len > 0) ||
	    !lt_valid_header_value(content_type, 256))
		return -EINVAL;
	if (inv->answered)
		return -EALREADY;
	if ((copy = malloc(len + 1)) == NULL)
		return -ENOMEM;
	if ((ctype = strdup(content_type)) == NULL) {
		free(copy);
		return -ENOMEM;
	}
	if (len > 0)
		memcpy(copy, body, len);
	inv->body = copy;
	inv->len = len;
	inv->ctype = ctype;
	inv->errtype[0] = '\0';
	inv->answered = 1;
	return 0;
}

LAMBDA_API int
lambda_reply(struct lambda_invocation *inv, const char *body, size_t len)
{
	return lambda_reply_type(inv, "application/json", body, len);
}

/* Length of the valid UTF-8 sequence at s (n bytes left), 0 if invalid. */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
	size_t k, i;
	uint32_t cp;

	if (s[0] < 0xc2 || s[0] > 0xf4)
		return 0;
	k = s[0] < 0xe0 ? 2 : s[0] < 0xf0 ? 3 : 4;
	if (n < k)
		return 0;
	cp = s[0] & (0x7f >> k);
	for (i = 1; i < k; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((k == 3 && cp < 0x800) || (k == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return k;
}

/*
 * s as a JSON string (with quotes) at out, which has room for 6 * strlen + 3.
 * Invalid UTF-8 becomes U+FFFD, so the result is always valid JSON.
 */
static char *
json_quote(char *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), k;

	*out++ = '"';
	while (n > 0) {
		if (*p >= 0x80) {
			if ((k = utf8_len(p, n)) == 0) {
				out += sprintf(out, "\\ufffd");
				k = 1;
			} else {
				memcpy(out, p, k);
				out += k;
			}
			p += k;
			n -= k;
			continue;
		}
		if (*p == '"' || *p == '\\') {
			*out++ = '\\';
			*out++ = *p;
		} else if (*p == '\n')
			out += sprintf(out, "\\n");
		else if (*p == '\t')
			out += sprintf(out, "\\t");
		else if (*p == '\r')
			out += sprintf(out, "\\r");
		else if (*p < 0x20)
			out += sprintf(out, "\\u%04x", *p);
		else
			*out++ = *p;
		p++;
		n--;
	}
	*out++ = '"';
	*out = '\0';
	return out;
}

/* {"errorMessage":..,"errorType":..,"stackTrace":[]}, malloc'd. */
char *
lt_error_json(const char *type, const char *message, size_t *len)
{
	size_t cap = 6 * (strlen(type) + strlen(message)) + 64;
	char *buf, *p;

	if ((buf = malloc(cap)) == NULL)
		return NULL;
	p = buf + sprintf(buf, "{\"errorMessage\":");
	p = json_quote(p, message);
	p += sprintf(p, ",\"errorType\":");
	p = json_quote(p, type);
	p += sprintf(p, ",\"stackTrace\":[]}");
	*len = p - buf;
	return buf;
}

/* Error types go into a header: keep them to token characters. */
int
lt_valid_error_type(const char *type)
{
	size_t n = type != NULL ? strlen(type) : 0;

	return n > 0 && n <= TYPE_MAX &&
	    strspn(type, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789.-_:!#$%&'*+^`|~") == n;
}

LAMBDA_API int
lambda_error(struct lambda_invocation *inv, const char *type,
    const char *message)
{
	char *body;
	size_t len;

	if (inv == NULL || !lt_valid_error_type(type))
		return -EINVAL;
	if (inv->answered)
		return -EALREADY;
	if ((body = lt_error_json(type, message ? message : "", &len)) == NULL)
		return -ENOMEM;
	inv->body = body;
	inv->len = len;
	inv->ctype = NULL;
	strcpy(inv->errtype, type);
	inv->answered = 1;
	return 0;
}

void
lt_inv_clear(struct lambda_invocation *inv)
{
	rapi_response_free(&inv->ev);
	free(inv->body);
	free(inv->ctype);
	memset(inv, 0, sizeof(*inv));
}

/* ---- requests ------------------------------------------------------------ */

/* The request id, percent-encoded for the path: it came off the wire. */
static void
path_escape(char *out, const char *id)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)id;

	for (; *p != '\0'; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~", *p) != NULL) {
			*out++ = *p;
			continue;
		}
		*out++ = '%';
		*out++ = hex[*p >> 4];
		*out++ = hex[*p & 15];
	}
	*out = '\0';
}

/* The head of a POST carrying inv's answer (or an init error if id is NULL). */
static size_t
post_head(char *buf, size_t cap, const char *host, const char *id,
    const struct lambda_invocation *inv)
{
	char path[3 * ID_MAX + 64], esc[3 * ID_MAX + 1];
	const char *err = inv->errtype;
	int n;

	if (id == NULL)
		snprintf(path, sizeof(path), API_PREFIX "/init/error");
	else {
		path_escape(esc, id);
		snprintf(path, sizeof(path), API_PREFIX "/invocation/%s/%s",
		    esc, *err ? "error" : "response");
	}
	n = snprintf(buf, cap, "POST %s HTTP/1.1\r\nHost: %s\r\n"
	    "User-Agent: " USER_AGENT "\r\nContent-Type: %s\r\n"
	    "Content-Length: %zu\r\n%s%s%s\r\n", path, host,
	    *err ? ERROR_CTYPE : inv->ctype, inv->len,
	    *err ? "Lambda-Runtime-Function-Error-Type: " : "", err,
	    *err ? "\r\n" : "");
	return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

/* Send what is pending, POST first, in one write. */
static int
rt_send_pending(struct rt *rt)
{
	struct iovec iov[3];
	int n = 0;

	if (rt->post_pending) {
		iov[n].iov_base = rt->post_head;
		iov[n++].iov_len = rt->post_len;
		iov[n].iov_base = rt->inv.body;
		iov[n++].iov_len = rt->inv.len;
	}
	if (rt->next_pending) {
		iov[n].iov_base = rt->next_req;
		iov[n++].iov_len = rt->next_len;
	}
	return rapi_send(&rt->conn, iov, n);
}

/*
 * Send on the open connection.  A send that fails because the peer went away
 * is not an error yet: rt_recv reconnects and sends again.
 */
static int
rt_send(struct rt *rt)
{
	int e;

	if (rt->conn.fd < 0)
		return 0;	/* rt_recv opens it and sends */
	if ((e = rt_send_pending(rt)) == 0)
		return 0;
	if (e == -EPIPE || e == -ECONNRESET) {
		rapi_conn_close(&rt->conn);
		return 0;
	}
	rapi_logx("sending to the Runtime API: %s", strerror(-e));
	return e;
}

static int
rt_reopen(struct rt *rt)
{
	int e;

	if ((e = rapi_conn_open(&rt->conn)) < 0)
		return e;
	if ((e = rt_send_pending(rt)) < 0) {
		rapi_logx("sending to the Runtime API: %s", strerror(-e));
		rapi_conn_close(&rt->conn);
	}
	return e;
}

/*
 * The reply to the oldest pending request.  If the server closed the
 * connection before answering (a kept-alive connection it dropped, as Go's
 * client allows for), reconnect and resend once.
 */
static int
rt_recv(struct rt *rt, struct rapi_response *r)
{
	int e, retried = 0;

	for (;;) {
		if (rt->conn.fd < 0 && (e = rt_reopen(rt)) < 0)
			return e;
		if ((e = rapi_read_response(&rt->conn, r)) == 0)
			break;
		rapi_conn_close(&rt->conn);
		if (e != -ECONNRESET)
			return e;
		if (retried) {
			rapi_logx("the Runtime API closed the connection "
			    "without replying");
			return e;
		}
		retried = 1;
	}
	if (r->close)
		rapi_conn_close(&rt->conn);	/* what was pipelined is resent */
	return 0;
}

/* ---- the loop ------------------------------------------------------------ */

/* A server-supplied body for a log line: short, one line, printable. */
static const char *
printable(const char *s, size_t len, char *out, size_t cap)
{
	size_t i;

	for (i = 0; i < len && i + 1 < cap; i++)
		out[i] = (s[i] >= ' ' && s[i] < 0x7f) ? s[i] : '.';
	out[i] = '\0';
	return out;
}

/*
 * _X_AMZN_TRACE_ID per event.  glibc's setenv() never frees the strings it
 * replaces, so a new trace id per event would leak forever; instead one
 * buffer of ours sits in environ (putenv) and is rewritten in place.
 */
static void
rt_set_trace(struct rt *rt, const char *trace)
{
	size_t need;
	char *p;

	if (trace == NULL) {
		if (rt->trace_env != NULL)
			unsetenv(TRACE_VAR);
		free(rt->trace_env);
		rt->trace_env = NULL;
		rt->trace_cap = 0;
		return;
	}
	need = sizeof(TRACE_VAR "=") + strlen(trace);
	if (need > rt->trace_cap) {
		if ((p = malloc(need + 64)) == NULL)
			return;
		snprintf(p, need, TRACE_VAR "=%s", trace);
		putenv(p);	/* environ drops the old buffer before we free it */
		free(rt->trace_env);
		rt->trace_env = p;
		rt->trace_cap = need + 64;
		return;
	}
	snprintf(rt->trace_env, rt->trace_cap, TRACE_VAR "=%s", trace);
	/* The handler may have set the variable itself since. */
	if (getenv(TRACE_VAR) != rt->trace_env + sizeof(TRACE_VAR))
		putenv(rt->trace_env);
}

/* Read the event the pending GET /next asked for. */
static int
rt_next(struct rt *rt)
{
	struct lambda_invocation *inv = &rt->inv;
	char show[160];
	const char *d;
	int e;

	if ((e = rt_recv(rt, &inv->ev)) < 0)
		return e;
	inv->rt = rt;
	rt->next_pending = 0;
	if (inv->ev.status != 200) {
		rapi_logx("GET /next: HTTP %d: %s", inv->ev.status,
		    printable(inv->ev.body, inv->ev.len, show, sizeof(show)));
		return -EPROTO;
	}
	if (inv->ev.request_id == NULL || *inv->ev.request_id == '\0' ||
	    strlen(inv->ev.request_id) > ID_MAX) {
		rapi_logx("GET /next: event without a valid "
		    "Lambda-Runtime-Aws-Request-Id");
		return -EPROTO;
	}
	d = inv->ev.deadline_ms;
	if (d != NULL && *d != '\0' && strspn(d, "0123456789") == strlen(d) &&
	    strlen(d) < 19)
		inv->deadline = strtoll(d, NULL, 10);
	/* The environment is the process's: with several invocations at
	 * once it cannot say whose trace it is (lambda_trace_id can). */
	if (!rt->shared)
		rt_set_trace(rt, inv->ev.trace_id);
	return 0;
}

/* The reply to the POST in flight: 202, or 413 (logged), else fatal. */
static int
rt_posted(struct rt *rt)
{
	struct rapi_response r;
	char show[160];
	int e;

	if (!rt->post_pending)	/* a stream's was read (lt_stream_done) */
		return 0;
	if ((e = rt_recv(rt, &r)) < 0)
		return e;
	rt->post_pending = 0;
	if (r.status != 202) {
		rapi_logx("%s %s: HTTP %d: %s", rt->inv.ev.request_id,
		    rt->inv.errtype[0] ? "error" : "response", r.status,
		    printable(r.body, r.len, show, sizeof(show)));
		if (r.status != 413)
			e = -EPROTO;
	}
	rapi_response_free(&r);
	return e;
}

/* Run the handler, then post its answer and ask for the next event at once. */
static int
rt_invoke(struct rt *rt, lambda_handler handler, void *arg)
{
	struct lambda_invocation *inv = &rt->inv;
	char msg[64];
	int rc;

	rc = handler(inv, arg);
	fflush(stdout);
	if (inv->stream != LT_STREAM_NONE) {
		/* Streamed: its POST is out (lambda_stream.c); ask for the
		 * next event. */
		if ((rc = lt_stream_done(rt)) < 0)
			return rc;
		rt->next_pending = 1;
		return rt_send(rt);
	}
	if (!inv->answered) {
		snprintf(msg, sizeof(msg), "handler returned %d without an "
		    "answer", rc);
		if (lambda_error(inv, "Runtime.HandlerError", msg) < 0)
			return -ENOMEM;
	}
	rt->post_len = post_head(rt->post_head, sizeof(rt->post_head),
	    rt->conn.host, inv->ev.request_id, inv);
	if (rt->post_len == 0)
		return -EOVERFLOW;
	rt->post_pending = rt->next_pending = 1;
	return rt_send(rt);
}

static int
rt_init(struct rt *rt, int shared)
{
	int e;

	memset(rt, 0, sizeof(*rt));
	rt->shared = shared;
	if ((e = rapi_conn_init(&rt->conn, getenv("AWS_LAMBDA_RUNTIME_API"))) < 0)
		return e;
	rt->next_len = snprintf(rt->next_req, sizeof(rt->next_req),
	    "GET " API_PREFIX "/invocation/next HTTP/1.1\r\nHost: %s\r\n"
	    "User-Agent: " USER_AGENT "\r\n\r\n", rt->conn.host);
	return rapi_conn_open(&rt->conn);
}

/* One next -> handler -> response loop, until it fails. */
static int
rt_loop(lambda_handler handler, void *arg, int shared)
{
	struct rt rt;
	int e;

	if ((e = rt_init(&rt, shared)) < 0)
		goto done;
	rt.next_pending = 1;
	if ((e = rt_send(&rt)) < 0)
		goto done;
	for (;;) {
		if ((e = rt_next(&rt)) < 0 ||
		    (e = rt_invoke(&rt, handler, arg)) < 0 ||
		    (e = rt_posted(&rt)) < 0)
			break;
		lt_inv_clear(&rt.inv);
	}
done:
	rapi_logx("stopping: %s", strerror(-e));
	lt_inv_clear(&rt.inv);
	rapi_conn_free(&rt.conn);
	return e;
}

/* The loops of a concurrent runtime, and how lambda_run hears one ended. */
static struct {
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	int		 ended;
	lambda_handler	 handler;
	void		*arg;
} conc = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, NULL, NULL };

static void *
conc_loop(void *unused)
{
	(void)unused;
	(void)rt_loop(conc.handler, conc.arg, 1);
	pthread_mutex_lock(&conc.mu);
	conc.ended = 1;
	pthread_cond_signal(&conc.cv);
	pthread_mutex_unlock(&conc.mu);
	return NULL;
}

/* AWS_LAMBDA_MAX_CONCURRENCY, 1 when unset or not a count. */
static int
conc_wanted(void)
{
	const char *s = getenv("AWS_LAMBDA_MAX_CONCURRENCY");
	char *end;
	long n;

	if (s == NULL || *s == '\0')
		return 1;
	n = strtol(s, &end, 10);
	if (*end != '\0' || n < 1) {
		rapi_logx("AWS_LAMBDA_MAX_CONCURRENCY=%.32s is not a count; "
		    "serving one at a time", s);
		return 1;
	}
	return n > CONC_MAX ? CONC_MAX : (int)n;
}

/*
 * N loops in N threads; returns (for main to exit, which ends the others
 * wherever they are, as aws-lambda-go's loop does) once one has failed.
 */
static int
conc_run(lambda_handler handler, void *arg, int n)
{
	pthread_attr_t attr;
	pthread_t t;
	int i, started = 0;

	conc.handler = handler;
	conc.arg = arg;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	/* Handlers in C need little stack; 8 MiB each would be reserved
	 * address space, times N, for nothing. */
	pthread_attr_setstacksize(&attr, 1024 * 1024);
	for (i = 0; i < n; i++) {
		int e = pthread_create(&t, &attr, conc_loop, NULL);

		if (e != 0) {
			rapi_logx("starting loop %d of %d: %s", i + 1, n,
			    strerror(e));
			break;
		}
		started++;
	}
	pthread_attr_destroy(&attr);
	if (started == 0) {
		(void)rt_loop(handler, arg, 0);
		return 1;
	}
	pthread_mutex_lock(&conc.mu);
	while (!conc.ended)
		pthread_cond_wait(&conc.cv, &conc.mu);
	pthread_mutex_unlock(&conc.mu);
	fflush(stdout);
	return 1;
}

LAMBDA_API int
lambda_run(lambda_handler handler, void *arg)
{
	int n;

	if (handler == NULL) {
		rapi_logx("lambda_run: no handler");
		return 1;
	}
	if ((n = conc_wanted()) > 1)
		return conc_run(handler, arg, n);
	(void)rt_loop(handler, arg, 0);
	return 1;
}

LAMBDA_API int
lambda_log(const struct lambda_invocation *inv, const char *fmt, ...)
{
	char line[4096];
	size_t n, i;
	va_list ap;
	int k;

	if (inv == NULL || fmt == NULL)
		return -EINVAL;
	k = snprintf(line, sizeof(line) - 1, "%.256s\t", lambda_request_id(inv));
	n = k > 0 ? (size_t)k : 0;
	va_start(ap, fmt);
	k = vsnprintf(line + n, sizeof(line) - 1 - n, fmt, ap);
	va_end(ap);
	if (k > 0)
		n += (size_t)k < sizeof(line) - 1 - n ? (size_t)k :
		    sizeof(line) - 2 - n;
	/* One line, whatever the text: a newline inside would start a
	 * line without the request id. */
	for (i = 0; i < n; i++)
		if (line[i] == '\n' || line[i] == '\r')
			line[i] = ' ';
	line[n++] = '\n';
	/* One write(2), past stdout's buffer (flushed first): lines of
	 * threads logging at once do not mix. */
	fflush(stdout);
	return write(STDOUT_FILENO, line, n) == (ssize_t)n ? 0 : -errno;
}

LAMBDA_API int
lambda_init_error(const char *type, const char *message)
{
	struct lambda_invocation inv;
	struct rt rt;
	struct rapi_response r;
	int e;

	memset(&inv, 0, sizeof(inv));
	rapi_logx("init error: %s: %s", type ? type : "(null)",
	    message ? message : "");
	if (lambda_error(&inv, lt_valid_error_type(type) ? type :
	    "Runtime.InitError", message) < 0 || rt_init(&rt, 1) < 0)
		goto done;
	rt.post_len = post_head(rt.post_head, sizeof(rt.post_head),
	    rt.conn.host, NULL, &inv);
	rt.inv = inv;
	rt.post_pending = 1;
	if (rt_send(&rt) == 0 && (e = rt_recv(&rt, &r)) == 0) {
		if (r.status != 202)
			rapi_logx("init/error: HTTP %d", r.status);
		rapi_response_free(&r);
	}
	memset(&rt.inv, 0, sizeof(rt.inv));
	rapi_conn_free(&rt.conn);
done:
	lt_inv_clear(&inv);
	return 1;
}
