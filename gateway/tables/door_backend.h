/*
 * door_backend: the door's side of `tables_backend = URL` (backend.h).
 * With a backend configured the door opens no store: every request it has
 * parsed is checked against the caller's grants here, with the same
 * AccessDeniedException the embedded engine gives, and then sent on as it
 * came; the engine's status, body, x-amzn-RequestId and x-amz-crc32 go
 * back to the client.  No reply from the engine is 503 (refused, or
 * lambdad stopping) or 500 (closed, timed out, malformed), with a message
 * that names the backend.
 */
#ifndef LAMBDAD_TABLES_DOOR_BACKEND_H
#define LAMBDAD_TABLES_DOOR_BACKEND_H

#include <stdbool.h>
#include <stddef.h>

#include <cJSON.h>
#include <uv.h>

#include "ddb.h"
#include "engine.h"

struct conf;
struct function_conf;
struct http_request;
struct tables_backend;

/* One request, as door_submit has it (nothing is kept past the call). */
struct door_backend_req {
	struct http_request *req;	/* answered exactly once, maybe later */
	enum tables_op	 op;
	const cJSON	*in;		/* the parsed body */
	const struct function_conf *grants;	/* NULL: every table */
	const char	*principal;	/* for AccessDeniedException */
	const char	*region, *account;	/* for the table ARNs */
	const char	*rid;		/* the door's request id */
	/* Told, once r->req is answered, its status and body (for the
	 * metrics).  May be NULL. */
	void		(*done)(void *arg, int status, const char *body,
			    size_t len);
	void		*done_arg;
};

/* One table a request touches. */
struct door_backend_table {
	char		 name[256];
	bool		 write;
};

/*
 * The backend c asks for: 0 and *out (NULL without tables_backend), or -1
 * with the reason logged.
 */
int	door_backend_open(uv_loop_t *loop, const struct conf *c,
	    struct tables_backend **out);
/* Check r's grants, then send it to be; r->req is always answered. */
void	door_backend_submit(struct tables_backend *be,
	    const struct door_backend_req *r);
/*
 * The tables request in of operation op touches, into out[0..max), as the
 * grant check sees them (ListTables asks for "*"): 0 and *n (tables past
 * max are counted, not stored), or -1 with err (a PartiQL statement with
 * no table to be found).
 */
int	door_backend_tables(enum tables_op op, const cJSON *in,
	    struct door_backend_table *out, size_t max, size_t *n,
	    struct ddb_err *err);

#endif
