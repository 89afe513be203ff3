/*
 * pcspec: provisioned concurrency, the pure half -- the rules of
 * PutProvisionedConcurrencyConfig and what a function's configs make of
 * its versions' pools.  No I/O; provisioned.c serves the calls and the
 * unit tests take each rule alone.
 *
 * In the record (fnspec.h):
 *   "Provisioned": {"QUAL": {"Requested": N, "LastModified": "ISO"}, ...}
 *                  QUAL a version number or an alias name, never $LATEST
 *   each version's "ProvisionedIdle": the workers its pool keeps started
 *                  (its drop-in's min_idle), from pcspec_apply
 * A version's own config gives it that many; an alias's goes to the
 * version it points at or, with a weighted second version, is split by
 * the weight (Lambda splits it the same way, and its "Allocated" figure
 * moves with the weights).  One version cannot take a config of its own
 * and one through an alias at once (a ResourceConflictException, as on
 * Lambda); two aliases reaching one version add up, and so do a version's
 * own and an alias moved onto it later.
 */
#ifndef LAMBDAD_CONTROL_PCSPEC_H
#define LAMBDAD_CONTROL_PCSPEC_H

#include "control/fnspec.h"

struct cJSON;

#define PCSPEC_PAGE_MAX		50	/* ListProvisionedConcurrencyConfigs */

/*
 * Put: qual's config in rec becomes req's ProvisionedConcurrentExecutions
 * (checked: an integer >= 1, qual a version or alias of rec, the sum of
 * the function's configs within its reserved concurrency or, with none,
 * FNSPEC_RESERVED_MAX).  now is its LastModified.  0 or -EINVAL with e.
 */
int	pcspec_put(struct cJSON *rec, const char *qual, const struct cJSON *req,
	    const char *now, struct fnspec_err *e);
/* qual's config (inside rec), or NULL. */
const struct cJSON *pcspec_get(const struct cJSON *rec, const char *qual);
/* Delete: 0, or -EINVAL with Lambda's not-found error when there is none. */
int	pcspec_rm(struct cJSON *rec, const char *qual, struct fnspec_err *e);
/* The error of a qualifier with no config (Get). */
int	pcspec_missing(const struct cJSON *rec, const char *qual,
	    struct fnspec_err *e);
/* A version or alias is deleted: its config goes too (pcspec_apply is
 * the caller's to call). */
void	pcspec_drop(struct cJSON *rec, const char *qual);
/* After PutFunctionConcurrency: -EINVAL with e when the reserved
 * concurrency is below the sum of the configs. */
int	pcspec_over_reserved(const struct cJSON *rec, struct fnspec_err *e);
/* The sum of rec's configs (PutFunctionConcurrency may not go below). */
int	pcspec_total(const struct cJSON *rec);
/*
 * Set every version's "ProvisionedIdle" from rec's configs (removing it
 * where none is due).  Whether any changed.
 */
bool	pcspec_apply(struct cJSON *rec);
/* The workers qual's config wants in version n's pool (0: none). */
int	pcspec_share(const struct cJSON *rec, const char *qual, const char *n);
/*
 * The config as Lambda shows it, given the workers started for it
 * (allocated, at most its Requested): a new object, with FunctionArn
 * when arn is true (List gives it, Get does not).
 */
struct cJSON *pcspec_show(const struct cJSON *rec, const char *qual,
	    int allocated, bool arn);

#endif
