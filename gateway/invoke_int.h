/*
 * invoke_int: what invoke.c (Invoke) and invoke_stream.c
 * (InvokeWithResponseStream) share.  Not for other modules: invoke.h.
 */
#ifndef LAMBDAD_INVOKE_INT_H
#define LAMBDAD_INVOKE_INT_H

#include <stdbool.h>
#include <stddef.h>

struct http_request;
struct invocation;
struct pool;

#define STREAM_FN_PATH	"/2021-11-15/functions"

enum inv_type { TYPE_SYNC, TYPE_EVENT, TYPE_DRYRUN };

struct invoke {
	struct pool	**pools;	/* not owned */
	size_t		 npools;
	const struct conf *conf;	/* not owned: access keys */
	struct equeue	*eq;		/* NULL: no state_dir, no Events */
	char		 eq_err[256];	/* why eq is NULL */
	unsigned	 inflight;	/* RequestResponse */
	struct control	*ctl;		/* not owned: the control plane */
};

void	api_error(struct http_request *req, int status, const char *code,
	    const char *rid, const char *fmt, ...)
	    __attribute__((format(printf, 5, 6)));
/* 429 as AWS words a throttle. */
void	api_throttled(struct http_request *req, const struct pool *p,
	    const char *rid);
/* The pool named by a FunctionName segment and ?Qualifier; NULL: req
 * is answered. */
struct pool *invoke_resolve(struct invoke *iv, struct http_request *req,
	    const char *seg, size_t n, const char *rid);
bool	wants_tail(const struct http_request *req);
/* The X-Amz-* headers, the client context and the payload, into inv;
 * on failure (-errno) req is answered. */
int	invoke_read_headers(struct http_request *req, struct invocation *inv,
	    enum inv_type *type);
int	invoke_client_context(struct http_request *req, struct invocation *inv);
int	invoke_read_body(struct http_request *req, struct invocation *inv);

/* invoke_stream.c */
bool	invoke_stream_match(const struct http_request *req);
void	invoke_stream_handle(struct invoke *iv, struct http_request *req);

#endif
