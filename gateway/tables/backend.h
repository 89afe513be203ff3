/*
 * backend: the Tables API sent on to a DynamoDB-compatible engine
 * (DynamoDB itself, ScyllaDB Alternator, or another lambdad's
 * dynamodb_listen) instead of the embedded store: `tables_backend = URL`.
 *
 * The door checks the caller's grants first, then hands the request body
 * and its operation here; the call goes out as the SDKs send it (POST /,
 * X-Amz-Target, application/x-amz-json-1.0), signed with SigV4 under
 * `tables_backend_key = ID:SECRET` for service "dynamodb", over a small
 * pool of keep-alive connections, and the engine's status and body come
 * back to the callback on the loop.  Several lambdad machines pointed at
 * one engine share its tables; functions do not change.
 *
 * Only http:// URLs are taken (an Alternator cluster on a private network,
 * a second lambdad); TLS to DynamoDB itself needs a TLS terminator in
 * between today.
 */
#ifndef LAMBDAD_TABLES_BACKEND_H
#define LAMBDAD_TABLES_BACKEND_H

#include <stddef.h>

#include <uv.h>

struct tables_backend;

#define TABLES_BACKEND_TIMEOUT_MS	30000	/* default per call */

/*
 * The engine's reply, valid during the callback only.  status is the HTTP
 * status, or 0 when no reply came: error then says why as a libuv code
 * (UV_ECONNREFUSED, UV_ETIMEDOUT for the timeout, UV_EOF, UV_ECANCELED
 * when lambdad stops, UV_EPROTO for a malformed reply) and errmsg in words.
 */
struct tables_backend_reply {
	int		 status;
	int		 error;
	const char	*errmsg;
	const char	*body;		/* "" when none */
	size_t		 len;
	/* The reply's headers, "name\0value\0" each: use the getter. */
	const char	*hdrs;
	size_t		 hdrs_len;
};

typedef void (*tables_backend_cb)(void *arg,
	    const struct tables_backend_reply *r);

/* Header name of r (any case): its value (NUL-terminated) or NULL. */
const char *tables_backend_header(const struct tables_backend_reply *r,
	    const char *name);

/* Check a URL as the config takes it: 0, or -1 with a sentence in err. */
int	tables_backend_url_ok(const char *url, char *err, size_t errlen);
/*
 * A backend for url, signing with key ("ID:SECRET", or NULL: unsigned) for
 * region (NULL: taken from a dynamodb.REGION.amazonaws.com host, else
 * us-east-1).  A call with no complete reply timeout_ms after it was sent
 * (0: TABLES_BACKEND_TIMEOUT_MS) fails with UV_ETIMEDOUT.  The host is
 * resolved now (start-up or reload, not per call).  NULL with a sentence
 * in err.
 */
struct tables_backend *tables_backend_new(uv_loop_t *loop, const char *url,
	    const char *key, const char *region, unsigned timeout_ms, char *err,
	    size_t errlen);
/* The URL it was made for. */
const char *tables_backend_url(const struct tables_backend *be);
/*
 * Send one call (op is "PutItem", ...; body is copied).  cb runs exactly
 * once, later, on the loop.  A call is sent a second time (on a new
 * connection) only when the engine closed a kept-alive connection before
 * the request was written to it; never after a timeout or once written,
 * since UpdateItem with ADD and the like must not run twice.  0 or -ENOMEM.
 */
int	tables_backend_call(struct tables_backend *be, const char *op,
	    const char *body, size_t len, tables_backend_cb cb, void *arg);
/* Calls sent or waiting. */
unsigned tables_backend_pending(const struct tables_backend *be);
/* Fail every waiting call (UV_ECANCELED), close the idle connections; calls
 * in flight still get their reply (or their timeout); be is freed once
 * libuv has let go of every connection.  NULL-safe. */
void	tables_backend_free(struct tables_backend *be);

#endif
