/*
 * lambda_int: what lambda.c (the loop, buffered answers) and
 * lambda_stream.c (streamed answers) share.  Not installed.
 */
#ifndef LAMBDA_INT_H
#define LAMBDA_INT_H

#include <stddef.h>
#include <stdint.h>

#include "lambda.h"
#include "rapi_client.h"

#define LAMBDA_API	__attribute__((visibility("default")))

#define API_PREFIX	"/2018-06-01/runtime"
#define USER_AGENT	"liblambda/0.1"
#define ERROR_CTYPE	"application/vnd.aws.lambda.error+json"
#define ID_MAX		256	/* request ids are UUIDs; refuse absurd ones */
#define TYPE_MAX	128	/* an error type, which goes into a header */
#define TRACE_VAR	"_X_AMZN_TRACE_ID"
#define CONC_MAX	1024	/* threads, whatever the variable says */

enum lt_stream { LT_STREAM_NONE, LT_STREAM_OPEN, LT_STREAM_ENDED,
	LT_STREAM_BROKEN };

struct rt;

struct lambda_invocation {
	struct rt	*rt;		/* the loop it came from */
	enum lt_stream	 stream;	/* a streamed answer (lambda_stream.c) */
	struct rapi_response ev;	/* the event and its headers */
	int64_t		 deadline;	/* epoch ms, 0 if none was sent */
	int		 answered;
	/* The answer, kept until the server acknowledged it. */
	char		*body;
	size_t		 len;
	char		*ctype;
	char		 errtype[TYPE_MAX + 1];	/* "" for a result */
};

struct rt {
	struct rapi_conn conn;
	struct lambda_invocation inv;
	char		 next_req[512];	/* GET .../next, built once */
	size_t		 next_len;
	char		 post_head[2048];	/* head of the POST in flight */
	size_t		 post_len;
	int		 post_pending;	/* a POST was sent, its reply not read */
	int		 next_pending;	/* a GET /next was sent, likewise */
	char		*trace_env;	/* our "_X_AMZN_TRACE_ID=..." in environ */
	size_t		 trace_cap;
	int		 shared;	/* one of several loops: environ untouched */
};

/* lambda.c */
char	*lt_error_json(const char *type, const char *message, size_t *len);
int	 lt_valid_error_type(const char *type);
int	 lt_valid_header_value(const char *s, size_t max);
void	 lt_inv_clear(struct lambda_invocation *inv);
/* lambda_stream.c: after the handler of a streamed answer: end it if the
 * handler did not, and read the POST's reply.  0 or -errno (fatal). */
int	 lt_stream_done(struct rt *rt);

#endif
