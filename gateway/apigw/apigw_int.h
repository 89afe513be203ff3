/*
 * apigw_int: what apigw.c and request.c share; not for the stages.
 */
#ifndef LAMBDAD_APIGW_INT_H
#define LAMBDAD_APIGW_INT_H

#include <stdbool.h>
#include <stddef.h>

struct apigw;
struct apigw_reply;
struct http_header;
struct accesslog;

/* The stage and the access log of the running configuration. */
struct apigw_log {
	const char	*stage;		/* not owned; "$default" */
	char *const	*vars;		/* stage variables "K=V", not owned */
	size_t		 nvars;
	struct accesslog *al;		/* NULL: no access log */
	uint64_t	 lines, dropped;	/* of the writers before al */
};

struct apigw_log *apigw_log(struct apigw *gw);
/* apigw_finish; own: the gateway's answer (its message is logged). */
void	apigw_finish_ex(struct apigw_reply *x, int status,
	    const struct http_header *hdrs, size_t n, const char *body,
	    size_t len, bool own);

#endif
