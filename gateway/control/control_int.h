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
	struct cJSON	*layers;	/* every layer version's record */
	struct cJSON	*layer_next;	/* {"NAME": its next version} */
	bool		 layer_busy;	/* a layer change in flight (layers.c) */
};

/* UnknownOperationException for what lambdad does not serve. */
void	control_unknown(struct http_request *req);

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
/* The zips' sizes (the layers' too), name's own left out. */
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
/*
 * A change of name's record and nothing else (no reload): rec (consumed)
 * is the record after it, written to disk, then the reply: reply (inside
 * rec) with status, or 204 when reply is NULL.  Refused (409) while
 * another change is in flight.
 */
void	change_record(struct control *ctl, struct http_request *req,
	    const char *name, struct cJSON *rec, const struct cJSON *reply,
	    int status);
/* control_free's end, once no change is in flight. */
void	control_destroy(struct control *ctl);

/* ---- layers.c ---- */

/* Read the layer versions under state_dir (start-up: blocking). */
void	layers_load(struct control *ctl);
/* Answer a /2018-10-31/layers call; rest is the path after "layers". */
void	layers_handle(struct control *ctl, struct http_request *req,
	    const char *rest);
/* The layers' zips' sizes. */
size_t	layers_code_total(const struct control *ctl);
/*
 * CreateFunction's or UpdateFunctionConfiguration's Layers in req, onto
 * rec: Configuration.Layers [{Arn, CodeSize}] and "Opt", the opt tree
 * they make, with *srcs the layers' trees in order (caller frees) for
 * layerstore_opt; none in req: rec as it is, *srcs NULL.  0 or -EINVAL
 * with e (a malformed list, a version that does not exist).
 */
int	layers_fn_apply(struct control *ctl, const struct cJSON *req,
	    struct cJSON *rec, struct cJSON **srcs, struct fnspec_err *e);

/* ---- tags.c, eic.c ---- */

/*
 * The API's own function name, for a change (NULL with req answered:
 * none, or the operator's).
 */
const struct cJSON *control_api_rec(struct control *ctl,
	    struct http_request *req, const char *name);
/* Answer a /2017-03-31/tags/ARN call; arn is the raw path segment. */
void	tags_handle(struct control *ctl, struct http_request *req,
	    const char *arn);
/* Answer a /2019-09-25/functions/... call; rest is the path after it. */
void	eic_handle(struct control *ctl, struct http_request *req,
	    const char *rest);
/*
 * The function and qualifier of a raw path segment (seg[0..segn)) and
 * ?Qualifier, which must agree; 0, or -EINVAL with req answered.
 */
int	control_name_qual(struct http_request *req, const char *seg,
	    size_t segn, struct fnspec_name *fn);

/*
 * A List call's page of items (a JSON object's members or an array's),
 * by ?Marker (the index to go on at) and ?MaxItems (1 to cap): {key:
 * [show(item, arg)...], "NextMarker"?}.  NULL with req answered when
 * MaxItems is out of range.
 */
struct cJSON *control_page(struct http_request *req, const struct cJSON *items,
	    const char *key, unsigned long cap,
	    struct cJSON *(*show)(const struct cJSON *item, void *arg),
	    void *arg);

/* ---- provisioned.c ---- */

/* Answer a /2019-09-30/functions/SEG/provisioned-concurrency call. */
void	provisioned_handle(struct control *ctl, struct http_request *req,
	    const char *seg, size_t segn);
/*
 * A change of name's record (consumed) that also changes its versions'
 * drop-ins (their provisioned workers): every version's drop-in and the
 * record are written, a reload runs, then the reply: answer (consumed;
 * NULL: 204) with status.
 */
void	change_versions(struct control *ctl, struct http_request *req,
	    const char *name, struct cJSON *rec, struct cJSON *answer,
	    int status);

#endif
