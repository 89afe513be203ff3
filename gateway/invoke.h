/*
 * invoke: the AWS Lambda Invoke API door, so that `aws lambda invoke
 * --endpoint-url ...` and the AWS SDKs can call a function by name.
 *
 *   POST /2015-03-31/functions/{FunctionName}/invocations[?Qualifier=Q]
 *   GET  /2015-03-31/functions[/]                 ListFunctions
 *   GET  /2015-03-31/functions/{FunctionName}     GetFunction
 *   GET  /2015-03-31/functions/{FunctionName}/configuration
 *   GET  /2016-08-19/account-settings             GetAccountSettings
 *
 * An invocation made here goes into the function's own pool, the same one
 * its routes use.  Replies follow AWS: 200 with the function's bytes and
 * X-Amz-Function-Error: Unhandled when it failed; API errors carry
 * x-amzn-ErrorType and a JSON {"Type","Message"} body.  Only $LATEST
 * exists.  Requests from non-loopback peers are refused (403): signatures
 * are accepted but not verified, so loopback is the only trust there is.
 *
 * The front door (front.c) hands over every request whose path invoke_match
 * accepts, once [lambdad] invoke_api = on.
 */
#ifndef LAMBDAD_INVOKE_H
#define LAMBDAD_INVOKE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

struct invoke;
struct pool;
struct http_request;

#define INVOKE_MAX_CLIENT_CONTEXT	3583	/* base64 bytes, as AWS */

/* pools[0..npools) are not owned and must outlive the door. */
struct invoke *invoke_new(struct pool **pools, size_t npools);
void	invoke_free(struct invoke *iv);		/* NULL-safe */
/* After a reload: the pools to find functions in from now on. */
void	invoke_set_pools(struct invoke *iv, struct pool **pools, size_t npools);

/* Whether path (not decoded) belongs to the Invoke API. */
bool	invoke_match(const char *path, size_t len);
/* Answer req (always, exactly once, maybe later). */
void	invoke_handle(struct invoke *iv, struct http_request *req);
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
