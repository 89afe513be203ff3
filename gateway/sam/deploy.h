/*
 * sam/deploy: `lambdactl deploy-template FILE`: a SAM or CloudFormation
 * template (template.h) deployed to a running lambdad through the same
 * HTTP calls the aws CLI makes -- the Lambda API on the invoke_api
 * listener, DynamoDB's on the Tables door -- idempotently: what already
 * matches is left alone and said to be unchanged.  Resources and
 * properties lambdad has no use for are listed as "skipped: ...: why".
 *
 * deploy_fn.c has the functions, deploy_res.c the layers and tables.
 */
#ifndef SAM_DEPLOY_H
#define SAM_DEPLOY_H

#include <cJSON.h>

#include "sam/client.h"
#include "sam/template.h"

struct sam_deploy {
	struct sam_tpl	*t;
	const char	*lambda;	/* http://HOST:PORT of the Lambda API */
	const char	*ddb;		/* ... of the DynamoDB door, or NULL */
	char		 dir[4096];	/* the template's folder */
	int		 created, updated, unchanged, skipped;
	int		 unreachable;	/* a call found nobody listening */
	char		 err[2048];
};

/* argv[0] is "deploy-template".  The exit status, as lambdactl's: 0, 1
 * failed (the daemon refused, or the template is wrong), 2 usage, 3 the
 * daemon cannot be reached. */
int	sam_deploy_main(int argc, char **argv);

/* ---- between the deploy files ---- */
/* The message into d->err; returns -1. */
int	sam_fail(struct sam_deploy *d, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	sam_say(struct sam_deploy *d, const char *what, const char *id,
	    const char *type, const char *detail);
void	sam_skip(struct sam_deploy *d, const char *id, const char *type,
	    const char *why);
/* Each property of props not in known (NULL-ended) listed as skipped. */
void	sam_skip_unknown(struct sam_deploy *d, const char *id, const cJSON *props,
	    const char *const *known);
/* A call to the Lambda API; -1 with d->err when it cannot be made. */
int	sam_lambda(struct sam_deploy *d, const char *method, const char *path,
	    const cJSON *body, struct sam_reply *r);
/* A string or number property as text, or dflt. */
const char *sam_prop_str(const cJSON *props, const char *key, const char *dflt,
	    char *buf, size_t n);
/* An integer property (a number, or a Number parameter's text). */
int	sam_prop_int(struct sam_deploy *d, const cJSON *props, const char *key,
	    long dflt, long *out);

int	sam_deploy_function(struct sam_deploy *d, const char *id,
	    const cJSON *res);
int	sam_deploy_layer(struct sam_deploy *d, const char *id, const cJSON *res);
int	sam_deploy_table(struct sam_deploy *d, const char *id, const cJSON *res);
/* Tell the template each function's and table's name before any deploy. */
void	sam_deploy_names(struct sam_deploy *d);

#endif
