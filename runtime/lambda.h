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
