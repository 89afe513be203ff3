/*
 * control: Lambda's control plane, so that the aws CLI and the SDKs deploy
 * and manage functions on lambdad as they do on Lambda.  It serves the
 * Invoke API's listener and access rules (invoke.h hands it every request
 * that is not an invocation, after the signature check):
 *
 *   POST   /2015-03-31/functions                        CreateFunction
 *   GET    /2015-03-31/functions/                       ListFunctions
 *   GET    /2015-03-31/functions/NAME                   GetFunction
 *   DELETE /2015-03-31/functions/NAME                   DeleteFunction
 *   GET    /2015-03-31/functions/NAME/configuration     GetFunctionConfiguration
 *   PUT    /2015-03-31/functions/NAME/configuration     UpdateFunctionConfiguration
 *   PUT    /2015-03-31/functions/NAME/code              UpdateFunctionCode
 *   POST   /2015-03-31/functions/NAME/versions          PublishVersion
 *   GET    /2015-03-31/functions/NAME/versions          ListVersionsByFunction
 *   POST   /2015-03-31/functions/NAME/aliases           CreateAlias
 *   GET    /2015-03-31/functions/NAME/aliases           ListAliases
 *   GET|PUT|DELETE .../functions/NAME/aliases/ALIAS     Get/Update/DeleteAlias
 *   GET    /2016-08-19/account-settings                 GetAccountSettings
 *   /2018-10-31/layers...                               the layer calls
 *                                                       (layers.c)
 *   POST|DELETE|GET /2017-03-31/tags/ARN                Tag/UntagResource,
 *                                                       ListTags (tags.c)
 *   /2019-09-25/functions/NAME/event-invoke-config...   the event-invoke
 *                                                       configs (eic.c)
 *
 * A function made here is a zip with a bootstrap at its root (provided.*
 * runtimes), kept in state_dir beside lambdactl deploy's (fnstore.h), and
 * run like any other: a change is written to disk off the loop, then a
 * reload (daemon.h) puts it in service without dropping a request, and
 * the reply goes out once the reload has taken it (or it was undone).
 * One change at a time: a second one meanwhile is a
 * ResourceConflictException, as Lambda's "update in progress".
 *
 * A published version N is the drop-in section NAME:N (conf.h), so it
 * has its own pool, untouched by later deploys of $LATEST; an alias is a
 * line in the record, and control_qualify splits invocations by its
 * RoutingConfig weights.
 *
 * Functions from the operator's own files are listed and read here but
 * not changed: they win over the API's (conf_load skips a deployed
 * drop-in whose name the operator's files define).
 *
 * A function's Layers are unpacked in order into one tree, its opt =
 * (conf.h), which its workers see read-only on /opt.
 *
 * Errors as Lambda's: x-amzn-ErrorType and {"Type":"User","message"}.
 * Total code (the zips' sizes) is capped by code_storage (lambdad.conf(5)):
 * CodeStorageExceededException past it.
 */
#ifndef LAMBDAD_CONTROL_H
#define LAMBDAD_CONTROL_H

struct control;
struct daemon;
struct http_request;

/* Reads the records under d->state_dir (start-up: blocking). */
struct control *control_new(struct daemon *d);
/* NULL-safe; a change still on the threadpool finishes first. */
void	control_free(struct control *ctl);
/* Answer req, a Lambda REST call other than Invoke (exactly once). */
void	control_handle(struct control *ctl, struct http_request *req);
/*
 * The pool an invocation of name:qual goes to ("NAME" for $LATEST, or
 * "NAME:N"), into pool: a version as it is, an alias by its weights
 * (each call draws anew).  0, or -ENOENT (no such version or alias, or
 * the function is not the API's; ctl may be NULL).
 */
int	control_qualify(struct control *ctl, const char *name,
	    const char *qual, char *pool, size_t size);
/*
 * The policy of an Event invocation of name:qual (qual "" for $LATEST)
 * from its event-invoke config: pol's retries, max_age_s, on_success and
 * on_failure (equeue.h) set when it says them, left as they are
 * otherwise (ctl may be NULL).
 */
struct equeue_policy;
void	control_event_policy(struct control *ctl, const char *name,
	    const char *qual, struct equeue_policy *pol);

#endif
