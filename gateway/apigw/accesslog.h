/*
 * accesslog: API Gateway's access logs (issue 10): one line per request
 * the public front answers, made from an access_log_format of $context
 * variables, written to a file or to the journal.
 *
 * The format is compiled once (al_format_new): literal text and variable
 * references, each looked up in the $context variable table below, so a
 * misspelt variable is a configuration error and not a line full of
 * dashes.  Expanding it (al_format_expand) is a pure function of the
 * record and the request, unit-tested directly.  A value is JSON-escaped
 * (quotes, backslashes, control characters), so the default JSON format
 * stays JSON and no value can break a line in two; a value that does not
 * exist is "-", as API Gateway writes it.
 *
 * The writer never blocks the loop.  Lines go into a buffer; one
 * uv_fs_write at a time takes the buffer to the file on libuv's thread
 * pool while the next lines gather in a second buffer.  A write starts
 * AL_FLUSH_MS after the first line waiting, or once AL_FLUSH_BYTES wait,
 * so a line reaches the file within about 50 ms, and a busy front makes
 * one write for many requests instead of one each.  When the disk is
 * slower than the requests and the waiting buffer reaches AL_PENDING_MAX,
 * further lines are dropped and counted (a warning says how many, once
 * the writer catches up), and the loop goes on serving.  SIGUSR1 reopens
 * the file (logrotate's postrotate), also without blocking: the open runs
 * on the thread pool, lines keep gathering meanwhile and go to the new
 * file.  "journal" sends each line to the daemon's log (log_access).
 */
#ifndef LAMBDAD_APIGW_ACCESSLOG_H
#define LAMBDAD_APIGW_ACCESSLOG_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "buf.h"

struct http_request;

#define AL_PENDING_MAX	(4u << 20)	/* bytes waiting for the disk */
#define AL_FLUSH_MS	50		/* lines gather this long ... */
#define AL_FLUSH_BYTES	(64u << 10)	/* ... or up to this much */
#define AL_FORMAT_MAX	4096

/* API Gateway's default-like JSON line, with the common fields. */
#define AL_FORMAT_DEFAULT \
	"{\"requestId\":\"$context.requestId\"," \
	"\"ip\":\"$context.identity.sourceIp\"," \
	"\"userAgent\":\"$context.identity.userAgent\"," \
	"\"requestTime\":\"$context.requestTime\"," \
	"\"requestTimeEpoch\":\"$context.requestTimeEpoch\"," \
	"\"httpMethod\":\"$context.httpMethod\"," \
	"\"routeKey\":\"$context.routeKey\"," \
	"\"path\":\"$context.path\"," \
	"\"protocol\":\"$context.protocol\"," \
	"\"status\":\"$context.status\"," \
	"\"responseLength\":\"$context.responseLength\"," \
	"\"responseLatency\":\"$context.responseLatency\"," \
	"\"integrationLatency\":\"$context.integrationLatency\"," \
	"\"integrationStatus\":\"$context.integrationStatus\"," \
	"\"integrationErrorMessage\":\"$context.integrationErrorMessage\"," \
	"\"errorMessage\":\"$context.error.message\"," \
	"\"authorizerError\":\"$context.authorizer.error\"," \
	"\"domainName\":\"$context.domainName\"," \
	"\"stage\":\"$context.stage\"," \
	"\"xrayTraceId\":\"$context.xrayTraceId\"}"

/*
 * What one request leaves for its line.  Strings may be NULL (the value
 * is "-"); numbers are -1 when they do not exist.
 */
struct al_record {
	const struct http_request *req;	/* method, path, headers */
	const char	*request_id;
	const char	*source_ip;
	uint64_t	 time_ms;	/* arrival, epoch ms */
	const char	*route_key;	/* NULL: no route matched */
	const char	*stage;
	int		 status;
	int64_t		 response_length;
	int64_t		 response_latency_ms;
	int64_t		 integration_latency_ms;
	int		 integration_status;	/* 0: no integration */
	const char	*integration_error;
	const char	*error_message;	/* the gateway's own answer */
	const char	*authorizer_error;
	const char	*authorizer_json;	/* {"claims":..,"scopes":..} */
	const char	*api_key_id;
	const char	*trace_id;	/* the X-Amzn-Trace-Id header value */
	const char	*traceparent;	/* W3C, as received or made */
};

struct al_format;

/* Compile fmt.  0 and *out, or -1 with the reason in why. */
int	al_format_new(const char *fmt, struct al_format **out, char *why,
	    size_t whylen);
void	al_format_free(struct al_format *f);	/* NULL-safe */
/* Whether the format reads the authorizer's JSON (parsed per line). */
int	al_format_uses_authorizer(const struct al_format *f);
/* Append r's line (without the newline) to out. */
void	al_format_expand(const struct al_format *f, const struct al_record *r,
	    struct buf *out);
/* The names of the variables, NULL-terminated (for the manual's check). */
extern const char *const al_variables[];

struct accesslog;

/*
 * A writer for path ("journal": the daemon's log) with format fmt.  The
 * file is opened here (O_WRONLY|O_APPEND|O_CREAT, 0640).  0 and *out,
 * or -1 with the reason in why.
 */
int	accesslog_open(uv_loop_t *loop, const char *path, const char *fmt,
	    struct accesslog **out, char *why, size_t whylen);
/* Whether al writes to path (a reload that keeps the file keeps al). */
int	accesslog_same_path(const struct accesslog *al, const char *path);
/* Put fmt in place of al's format: 0, or -1 with the reason in why. */
int	accesslog_set_format(struct accesslog *al, const char *fmt, char *why,
	    size_t whylen);
void	accesslog_write(struct accesslog *al, const struct al_record *r);
/* Reopen the file (SIGUSR1); nothing for the journal. */
void	accesslog_reopen(struct accesslog *al);
/* Lines written and dropped so far. */
void	accesslog_stats(const struct accesslog *al, uint64_t *lines,
	    uint64_t *dropped);
/* Write what is waiting, close, free (later if a write is in flight).
 * NULL-safe. */
void	accesslog_close(struct accesslog *al);

#endif
