/*
 * conf_int: what conf.c (the parser) calls in conf_check.c once every file
 * is read.  Not for other modules: they use conf.h.
 */
#ifndef LAMBDAD_CONF_INT_H
#define LAMBDAD_CONF_INT_H

#include <stddef.h>

#include "conf.h"

/* The next word of *p, split at blanks (space, tab): its start, its
 * length in *n and *p past it; NULL when only blanks are left. */
const char *conf_word_next(const char **p, size_t *n);

/* A route that clashes with one in another file: "file:line: ...". */
int	conf_check_routes(const struct conf *c, char *err, size_t errlen);
/* auth = aws_iam routes need an access_key. */
int	conf_check_auth(const struct conf *c, char *err, size_t errlen);
/* Note each bootstrap file's identity, for conf_fn_same. */
void	conf_stat_bootstraps(struct conf *c);
/* worker_uid per function from worker_uids (stable: see conf.h). */
void	conf_assign_uids(struct conf *c);
/* others[] per function: the directories its jail hides. */
int	conf_list_others(struct conf *c);

/* conf_tables.c: the Tables store's keys.  0, or -1 with the reason
 * (without file:line, which the caller adds) in why. */
int	conf_tables_grant(struct function_conf *fn, const char *v, char *why,
	    size_t whylen);
int	conf_tables_listen(struct conf *c, const char *v, char *why,
	    size_t whylen);
int	conf_tables_backend(struct conf *c, const char *key, const char *v,
	    char *why, size_t whylen);
/* tables = and buckets = both: the words of line v, each NAME or
 * NAME:read with name_ok(NAME), added to *list; noun ("table") and rules
 * (what a name may be) word the errors. */
int	conf_grant_line(struct conf_grant **list, size_t *n, const char *v,
	    bool (*name_ok)(const char *, size_t), const char *noun,
	    const char *rules, char *why, size_t whylen);
void	conf_grants_free(struct conf_grant **list, size_t *n);
/* Frees both the tables = and the buckets = grants. */
void	conf_tables_free(struct function_conf *fn);
/* conf_buckets.c: s3_listen and buckets_max_bytes; the same use. */
int	conf_buckets_key(struct conf *c, const char *key, const char *v,
	    char *why, size_t whylen);
/* buckets = BUCKET[:read] ... of a function. */
int	conf_buckets_grant(struct function_conf *fn, const char *v, char *why,
	    size_t whylen);
/* conf_onobject.c: on_object = BUCKET EVENT... [prefix=P] [suffix=S]
 * at file:line. */
int	conf_on_object(struct function_conf *fn, const char *v,
	    const char *file, int line, char *why, size_t whylen);
/* After every file: on_object needs s3_listen.  "file:line: reason". */
int	conf_on_object_finish(const struct conf *c, char *err, size_t errlen);
void	conf_on_object_free(struct function_conf *fn);

/*
 * conf_apigw.c: the API gateway's keys (CORS, throttling, caching).  cors_sect:
 * the key is in [cors]; else fn is the function section's, or NULL for
 * [lambdad].  0, or -1 with the reason in why.
 */
int	conf_apigw_key(struct conf *c, struct function_conf *fn,
	    bool cors_sect, const char *key, const char *v, char *why,
	    size_t whylen);
/* [cors] begins at file:line: 0, or -1 (out of memory). */
int	conf_apigw_cors_begin(struct conf *c, const char *file, int line);
/* After every file: each function's effective CORS and throttle
 * settings, and the checks that need them ("file:line: ..." in err). */
int	conf_apigw_finish(struct conf *c, char *err, size_t errlen);
void	conf_apigw_fn_free(struct function_conf *fn);
void	conf_apigw_free(struct conf *c);
/* Its values: a rate "R[.DDD]" req/s into milli-requests/s, and an
 * integer 0..max.  0, or -1 with the reason in why. */
int	conf_apigw_rate(const char *v, unsigned *out, char *why,
	    size_t whylen);
int	conf_apigw_uint(const char *v, unsigned max, unsigned *out,
	    char *why, size_t whylen);

/* conf_plan.c: [usage_plan NAME] sections (main file only) and a
 * function's api_key =.  0, or -1 with the reason in why (without
 * file:line, which the caller adds). */
int	conf_plan_begin(struct conf *c, const char *name, const char *file,
	    int line, char *why, size_t whylen);
int	conf_plan_key(struct conf_plan *pl, const char *key, const char *v,
	    int line, char *why, size_t whylen);
/* The section's checks: 0, or -1 with the reason and *line at fault. */
int	conf_plan_end(struct conf_plan *pl, int *line, char *why,
	    size_t whylen);
int	conf_plan_fn_key(struct function_conf *fn, const char *v, int line,
	    char *why, size_t whylen);
/* After every file: api_key = required needs a plan to make keys for.
 * "file:line: reason" in err. */
int	conf_plan_finish(const struct conf *c, char *err, size_t errlen);
void	conf_plan_free(struct conf *c);

/* conf_stage.c: [lambdad] stage, stage_variable, access_log and
 * access_log_format (dir: the file's, for a relative access_log).  0, or
 * -1 with the reason in why. */
int	conf_stage_key(struct conf *c, const char *key, const char *v,
	    const char *dir, char *why, size_t whylen);
void	conf_stage_free(struct conf *c);

/* conf.c: read a whole regular file the way this load reads (so through
 * the opener on a reload), at most max bytes, NUL-terminated.  0, or
 * -errno (-EFBIG: larger than max, -EINVAL: not a regular file). */
int	conf_read_file(const char *path, size_t max, char **data, size_t *len);

/* conf_auth.c: [authorizer NAME] sections and the auth = and scopes =
 * keys of a function.  Each is 0, or -1 with the reason in why (without
 * file:line, which the caller adds); *line, where given, is the line at
 * fault when it is not the one being read. */
int	conf_auth_begin(struct conf *c, const char *name, const char *file,
	    int line, char *why, size_t whylen);
int	conf_auth_key(struct conf_authorizer *a, const char *key,
	    const char *v, const char *dir, int line, char *why,
	    size_t whylen);
int	conf_auth_end(struct conf_authorizer *a, int *line, char *why,
	    size_t whylen);
int	conf_auth_fn_auth(struct function_conf *fn, const char *v, int line,
	    char *why, size_t whylen);
int	conf_auth_fn_scopes(struct function_conf *fn, const char *v, int line,
	    char *why, size_t whylen);
/* Every auth = NAME names an authorizer; scopes only with a jwt one.
 * "file:line: reason" in err. */
int	conf_auth_resolve(struct conf *c, char *err, size_t errlen);
void	conf_auth_fn_free(struct function_conf *fn);
void	conf_auth_free(struct conf *c);

/* conf_docs.c: description, request_schema, response_schema and
 * validate of a function; docs_path of [lambdad].  0, or -1 with the
 * reason in why (without file:line). */
int	conf_docs_fn_key(struct function_conf *fn, const char *key,
	    const char *v, const char *dir, int line, char *why,
	    size_t whylen);
int	conf_docs_path(struct conf *c, const char *v, int line, char *why,
	    size_t whylen);
/* After every file: validate = on needs a request schema; docs_path
 * shadows no route.  "file:line: reason" in err. */
int	conf_docs_finish(const struct conf *c, char *err, size_t errlen);
void	conf_docs_fn_free(struct function_conf *fn);

/* conf_ws.c: [websocket NAME] sections (main file only).  0, or -1 with
 * the reason in why (without file:line); *line: the line at fault. */
int	conf_ws_begin(struct conf *c, const char *name, const char *file,
	    int line, char *why, size_t whylen);
int	conf_ws_key(struct conf_websocket *ws, const char *key, const char *v,
	    int line, char *why, size_t whylen);
int	conf_ws_end(const struct conf_websocket *ws, int *line, char *why,
	    size_t whylen);
/* After every file: each ws_route's function and auth's authorizer
 * exist, paths are unique.  "file:line: reason" in err. */
int	conf_ws_resolve(struct conf *c, char *err, size_t errlen);
void	conf_ws_free(struct conf *c);

/* conf_site.c: [site NAME] sections (main file only).  0, or -1 with
 * the reason in why (without file:line); *line: the line at fault. */
int	conf_site_begin(struct conf *c, const char *name, const char *file,
	    int line, char *why, size_t whylen);
int	conf_site_key(struct conf_site *s, const char *key, const char *v,
	    const char *file, int line, char *why, size_t whylen);
int	conf_site_end(const struct conf_site *s, int *line, char *why,
	    size_t whylen);
/* After every file: s3_listen is set, and no site route is a function's
 * or another site's.  "file:line: reason" in err. */
int	conf_site_finish(const struct conf *c, char *err, size_t errlen);
void	conf_site_free(struct conf *c);
/* conf_sched.c: [schedule NAME] sections (main file only).  0, or -1
 * with the reason in why (without file:line). */
int	conf_sched_begin(struct conf *c, const char *name, const char *file,
	    int line, char *why, size_t whylen);
int	conf_sched_key(struct conf_schedule *s, const char *key,
	    const char *v, char *why, size_t whylen);
int	conf_sched_end(const struct conf_schedule *s, char *why,
	    size_t whylen);
/* After every file: each schedule's function exists.  "file:line:
 * reason" in err. */
int	conf_sched_resolve(const struct conf *c, char *err, size_t errlen);
void	conf_sched_free(struct conf *c);

/* conf.c, for conf_load.c: one file parsed into c (dropin: a file of the
 * functions directory, which may hold only [function] sections), the
 * io of the load in progress (NULL: plain open), and the helpers. */
int	conf_parse_file(struct conf *c, const char *path, bool dropin,
	    int *functions_line, char *err, size_t errlen);
extern const struct conf_io *conf_cur_io;
int	conf_open(const char *path, bool dir);
int	conf_grow(void *arrp, size_t n, size_t size);
char	*conf_join(const char *dir, const char *name);
#endif
