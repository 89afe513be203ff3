/*
 * liblambda: write an AWS Lambda function in C.
 *
 * A handler is one function that gets the invocation (event bytes and
 * context) and answers it with lambda_reply() or lambda_error().  lambda_run()
 * is the whole runtime loop of the AWS Lambda Runtime API (version
 * 2018-06-01): it reads AWS_LAMBDA_RUNTIME_API, asks for the next event,
 * calls the handler, posts the result, and repeats.  Only that variable is
 * used, so the same binary runs as a provided.al2023 custom runtime on AWS
 * Lambda and as a worker of lambdad.
 *
 *	#include <lambda.h>
 *	static int hello(struct lambda_invocation *inv, void *arg) {
 *		return lambda_reply(inv, "\"hi\"", 4);
 *	}
 *	int main(void) { return lambda_run(hello, NULL); }
 *
 * The struct is opaque; its strings stay valid until the handler returns.
 *
 * Concurrency.  When AWS_LAMBDA_MAX_CONCURRENCY is N > 1 (lambdad's
 * max_concurrency, or Lambda Managed Instances) lambda_run serves N
 * invocations at once: N threads, each with its own Runtime API connection
 * and its own next -> handler -> response loop.  The handler is then called
 * from several threads at once and must be thread-safe: arg and any global
 * state are shared, each struct lambda_invocation is its own thread's.
 * _X_AMZN_TRACE_ID is not set in the environment then (one environment
 * cannot hold N trace ids); use lambda_trace_id().  Log with lambda_log(),
 * whose lines carry the request id that lambdad (and Lambda) file them
 * under; a plain printf line of a concurrent worker belongs to no
 * invocation.  With N unset or 1 there is one loop and no thread.
 */
#ifndef LAMBDA_H
#define LAMBDA_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct lambda_invocation;

/*
 * The handler.  Return 0 after lambda_reply()/lambda_error(); a non-zero
 * return without either reports a generic "Runtime.HandlerError".
 */
typedef int (*lambda_handler)(struct lambda_invocation *inv, void *arg);

/* The event as received (usually JSON), NUL-terminated; *len if non-NULL. */
const char	*lambda_event(const struct lambda_invocation *inv, size_t *len);
const char	*lambda_request_id(const struct lambda_invocation *inv);
/* Deadline in epoch milliseconds. */
int64_t		 lambda_deadline_ms(const struct lambda_invocation *inv);
/* Milliseconds left before the deadline (may be negative). */
int64_t		 lambda_remaining_ms(const struct lambda_invocation *inv);
const char	*lambda_function_arn(const struct lambda_invocation *inv);
/* These three are NULL when the invoker sent none. */
const char	*lambda_trace_id(const struct lambda_invocation *inv);
const char	*lambda_client_context(const struct lambda_invocation *inv);
const char	*lambda_cognito_identity(const struct lambda_invocation *inv);

/* Answer with body (copied), Content-Type application/json. 0 or -errno. */
int	lambda_reply(struct lambda_invocation *inv, const char *body, size_t len);
/* Same with another Content-Type. */
int	lambda_reply_type(struct lambda_invocation *inv, const char *content_type,
	    const char *body, size_t len);
/* Answer with an error {"errorMessage","errorType","stackTrace":[]}. */
int	lambda_error(struct lambda_invocation *inv, const char *type,
	    const char *message);

/*
 * A streamed answer, sent as it is written (the Runtime API's streaming
 * mode: lambdad relays each piece to an HTTP route's client, or to
 * InvokeWithResponseStream, as it comes; so does AWS Lambda for function
 * URLs and InvokeWithResponseStream).  lambda_stream_begin posts the
 * head (content_type, NULL for application/octet-stream); each
 * lambda_stream_write sends one piece at once; lambda_stream_end ends the
 * answer (the handler returning ends it too).  lambda_stream_error ends
 * it in error instead (the invoker sees the error after what was sent;
 * an HTTP client sees its reply cut).  lambda_stream_begin_http begins an
 * HTTP-shaped stream: status and headers (a JSON object's text, or NULL)
 * go first, as the prelude Lambda reads for a route or function URL, and
 * what is written after is the body.  A stream, once begun, is the
 * answer: lambda_reply and lambda_error then fail with -EALREADY.  All
 * return 0 or -errno; -EPIPE once the stream was cut (the invocation
 * timed out): give up, return from the handler.
 */
int	lambda_stream_begin(struct lambda_invocation *inv,
	    const char *content_type);
int	lambda_stream_begin_http(struct lambda_invocation *inv, int status,
	    const char *headers_json);
int	lambda_stream_write(struct lambda_invocation *inv, const void *p,
	    size_t n);
int	lambda_stream_end(struct lambda_invocation *inv);
int	lambda_stream_error(struct lambda_invocation *inv, const char *type,
	    const char *message);

/*
 * One log line "REQUEST_ID<TAB>text" on stdout, written with a single
 * write(2) (stdout's buffer is flushed first), so lines of threads logging
 * at once stay whole; newlines in the text become spaces.  At most 4 KiB.
 * 0 or -errno.
 */
int	lambda_log(const struct lambda_invocation *inv, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/*
 * Run the loop forever.  Returns only on a fatal error (the Runtime API is
 * unreachable or refused a post), with a non-zero exit status for main().
 * If init code failed before lambda_run, report it with lambda_init_error().
 */
int	lambda_run(lambda_handler handler, void *arg);
/* POST /runtime/init/error, then return non-zero for main(). */
int	lambda_init_error(const char *type, const char *message);

#ifdef __cplusplus
}
#endif
#endif
