/*
 * conf_int: what conf.c (the parser) calls in conf_check.c once every file
 * is read.  Not for other modules: they use conf.h.
 */
#ifndef LAMBDAD_CONF_INT_H
#define LAMBDAD_CONF_INT_H

#include <stddef.h>

#include "conf.h"

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
void	conf_tables_free(struct function_conf *fn);

#endif
