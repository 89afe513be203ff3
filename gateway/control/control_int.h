/*
 * control_int: what control.c (dispatch, replies, the read calls) and
 * change.c (the calls that change functions) share.  Not for other
 * modules: control.h is the interface.
 */
#ifndef LAMBDAD_CONTROL_INT_H
#define LAMBDAD_CONTROL_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "control/fnspec.h"

struct cJSON;
struct daemon;
struct http_request;
struct pool;
struct change;

struct control {
	struct daemon	*d;
	struct cJSON	*recs;		/* the API's functions' records */
	struct change	*busy;		/* the change in flight, or NULL */
	bool		 closing;	/* control_free waits for busy */
};

/* Replies: an error from e; a JSON object (consumed) with status. */
void	control_error(struct http_request *req, const struct fnspec_err *e);
void	control_json(struct http_request *req, int status, struct cJSON *j);

/* The record of name, or NULL. */
struct cJSON *control_rec(const struct control *ctl, const char *name);
/*
 * name's record if its running function is the API's; NULL otherwise,
 * with *fc the running function (NULL if none runs).
 */
struct cJSON *control_rec_live(const struct control *ctl, const char *name,
	    const struct pool **p);
/* Replace (or add, or with rec NULL remove) name's record. */
void	control_rec_set(struct control *ctl, const char *name,
	    struct cJSON *rec);
/* The zips' sizes, name's own left out. */
size_t	control_code_total(const struct control *ctl, const char *name);

/* The calls of change.c; seg is the FunctionName, decoded. */
void	change_create(struct control *ctl, struct http_request *req);
void	change_code(struct control *ctl, struct http_request *req,
	    const char *seg);
void	change_config(struct control *ctl, struct http_request *req,
	    const char *seg);
void	change_delete(struct control *ctl, struct http_request *req,
	    const char *seg);
/* PublishVersion; CreateAlias (alias NULL), UpdateAlias, DeleteAlias. */
void	change_publish(struct control *ctl, struct http_request *req,
	    const char *seg);
void	change_alias(struct control *ctl, struct http_request *req,
	    const char *seg, const char *alias);
/* PutFunctionConcurrency (PUT), DeleteFunctionConcurrency (DELETE). */
void	change_concurrency(struct control *ctl, struct http_request *req,
	    const char *seg);
/* control_free's end, once no change is in flight. */
void	control_destroy(struct control *ctl);

#endif
