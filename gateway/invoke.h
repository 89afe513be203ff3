/*
 * invoke: the AWS Lambda Invoke API door, so that `aws lambda invoke
 * --endpoint-url ...` and the AWS SDKs can call a function by name.
 *
 *   POST /2015-03-31/functions/{FunctionName}/invocations[?Qualifier=Q]
 *
 * and hands the rest of /2015-03-31/functions and /2016-08-19/account-
 * settings, once the caller is let in, to the control plane (control.h).
 *
 * An invocation made here goes into the function's own pool, the same one
 * its routes use.  Replies follow AWS: 200 with the function's bytes and
 * X-Amz-Function-Error: Unhandled when it failed; API errors carry
 * x-amzn-ErrorType and a JSON {"Type","Message"} body.  NAME:VERSION and
 * NAME:ALIAS of a function made through the control plane go to the pool
 * control_qualify names; X-Amz-Executed-Version says which version ran.
 *
 * Access: with access_key lines in [lambdad], every request must carry a
 * valid SigV4 signature (service "lambda") from one of those keys, from
 * any peer (sigv4.h); without them, loopback peers only, signed or not.
 * Refusals are 403 with x-amzn-ErrorType and {"message"}.
 *
 * Event invocations go through the on-disk queue (equeue.h) under
 * <state_dir>/events: 202 once durable, 413 over 256 KiB, 429 when the
 * queue is full, 500 when state_dir cannot be used.
 *
 * The front door (front.c) hands over every request whose path invoke_match
 * accepts, once [lambdad] invoke_api = on.
 */
#ifndef LAMBDAD_INVOKE_H
#define LAMBDAD_INVOKE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <uv.h>

struct invoke;
struct pool;
struct http_request;
struct conf;
struct control;

#define INVOKE_MAX_CLIENT_CONTEXT	3583	/* base64 bytes, as AWS */

/*
 * pools[0..npools) and c are not owned and must outlive the door.  Opens
 * the Event queue and schedules what it holds; if state_dir cannot be
 * made, says so in the log and serves everything but Event.
 */
struct invoke *invoke_new(uv_loop_t *loop, const struct conf *c,
	    struct pool **pools, size_t npools);
/* SIGTERM: start no more Events; queued ones stay on disk.  NULL-safe. */
void	invoke_stop(struct invoke *iv);
void	invoke_free(struct invoke *iv);		/* NULL-safe */
/* After a reload: the configuration (access keys) and the pools to find
 * functions in from now on; the old ones may be freed. */
void	invoke_set_conf(struct invoke *iv, const struct conf *c,
	    struct pool **pools, size_t npools);

/* Hand every call but Invoke to the control plane (control.h), which
 * must outlive the door. */
void	invoke_set_control(struct invoke *iv, struct control *ctl);

/* Whether path (not decoded) belongs to the Invoke API. */
bool	invoke_match(const char *path, size_t len);
/* Answer req (always, exactly once, maybe later). */
void	invoke_handle(struct invoke *iv, struct http_request *req);
/*
 * Who may call the APIs of this listener (the Invoke API's rule): with
 * access keys a SigV4 signature for service by one of them, without,
 * loopback peers only.  0, or -EPERM with req answered 403.  The
 * @connections API (apigw/ws.h) is held to it with "execute-api".
 */
int	invoke_check_access(struct invoke *iv, struct http_request *req,
	    const char *service);
/* Event invocations waiting on disk (for metrics).  NULL-safe. */
unsigned invoke_event_depth(const struct invoke *iv);
/* Invocations accepted and not yet finished, Event ones included. */
unsigned invoke_inflight(const struct invoke *iv);	/* NULL-safe */

/* ---- Pure helpers, exposed for the unit tests. ---- */

/* Whether a peer may use the API without a verified signature. */
bool	invoke_peer_trusted(const struct sockaddr_storage *ss);
/*
 * Split a (percent-decoded) FunctionName -- "f", "f:alias",
 * "123456789012:function:f[:alias]" or "arn:aws:lambda:R:A:function:f[:alias]"
 * -- into name and qualifier ("" if none).  0, or -EINVAL when it has none
 * of those shapes or the name is not [A-Za-z0-9_-]{1,64}.
 */
int	invoke_split_name(const char *s, char name[65], char *qual,
	    size_t qual_size);
/* Decode %XX escapes of s[0..n) into out (size >= n + 1).  0 or -EINVAL. */
int	invoke_pct_decode(const char *s, size_t n, char *out);

#endif
