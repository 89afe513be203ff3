/*
 * cfgspec: the pure half of two control-plane features kept in a
 * function's record (fnspec.h) beside its configuration -- tags, and the
 * event-invoke configs that set a function's (or one version's or
 * alias's) own retry policy for Event invocations.  No I/O, so the unit
 * tests take each rule alone; tags.c and eic.c serve the calls.
 *
 * In the record:
 *   "Tags":               {"KEY": "VALUE", ...} (CreateFunction's too)
 *   "EventInvokeConfigs": {"QUAL": FunctionEventInvokeConfig, ...}, QUAL
 *                         "$LATEST", a version number or an alias name
 *
 * Tags follow Lambda's limits: at most 50, keys 1 to 128 characters,
 * values 0 to 256, no key beginning "aws:" (an
 * InvalidParameterValueException).  An event-invoke config holds
 * MaximumRetryAttempts (0..2) and MaximumEventAgeInSeconds (60..21600),
 * out of range a ValidationException as on Lambda, and a DestinationConfig
 * whose OnSuccess and OnFailure may name a function of lambdad's by its
 * ARN (FNSPEC_ARN_PREFIX NAME[:QUALIFIER]) as their Destination; any
 * other ARN (a queue, a topic, a bus, a bucket) is an
 * InvalidParameterValueException.
 */
#ifndef LAMBDAD_CONTROL_CFGSPEC_H
#define LAMBDAD_CONTROL_CFGSPEC_H

#include <stdbool.h>
#include <stddef.h>

#include "control/fnspec.h"

struct cJSON;

#define CFGSPEC_TAGS_MAX	50
#define CFGSPEC_TAG_KEY_MAX	128
#define CFGSPEC_TAG_VALUE_MAX	256
#define CFGSPEC_RETRIES_MAX	2
#define CFGSPEC_AGE_MIN		60
#define CFGSPEC_AGE_MAX		21600
#define CFGSPEC_EIC_PAGE_MAX	50	/* ListFunctionEventInvokeConfigs */
#define CFGSPEC_DEST_MAX	255	/* a Destination ARN (equeue.h's 256) */

/*
 * Check tags (a JSON object of strings) as added to have (NULL: none):
 * each key and value, and the count of both together.  0 or -EINVAL.
 */
int	cfgspec_tags_check(const struct cJSON *have, const struct cJSON *tags,
	    struct fnspec_err *e);
/*
 * The function a TagResource, UntagResource or ListTags names: arn must
 * be a function's unqualified ARN (Lambda tags neither versions nor
 * aliases).  Its name into name; 0 or -EINVAL with e.
 */
int	cfgspec_tag_arn(const char *arn, char name[65], struct fnspec_err *e);
/* TagResource: req's "Tags" added to (or replacing those in) rec's. */
int	cfgspec_tag(struct cJSON *rec, const struct cJSON *req,
	    struct fnspec_err *e);
/* UntagResource: keys[0..n) removed from rec's tags (absent ones too). */
int	cfgspec_untag(struct cJSON *rec, const char *const *keys, size_t n,
	    struct fnspec_err *e);

/*
 * PutFunctionEventInvokeConfig (update false: req replaces what was
 * there) or UpdateFunctionEventInvokeConfig (update true: req's members
 * change that config, which must exist) for qualifier qual of rec ("" or
 * "$LATEST", a version, an alias; it must exist).  now is LastModified
 * (epoch seconds).  The config (inside rec) in *out.  0 or -EINVAL.
 */
int	cfgspec_eic_put(struct cJSON *rec, const char *qual,
	    const struct cJSON *req, bool update, double now,
	    struct cJSON **out, struct fnspec_err *e);
/* qual's config in rec, or NULL. */
struct cJSON *cfgspec_eic_get(const struct cJSON *rec, const char *qual);
/* DeleteFunctionEventInvokeConfig: 0, or -EINVAL when there is none. */
int	cfgspec_eic_rm(struct cJSON *rec, const char *qual,
	    struct fnspec_err *e);
/* The error when qual has no config (GetFunctionEventInvokeConfig). */
int	cfgspec_eic_missing(const struct cJSON *rec, const char *qual,
	    struct fnspec_err *e);
/* A version or alias is deleted: its config goes with it (if any). */
void	cfgspec_eic_drop(struct cJSON *rec, const char *qual);
/*
 * The policy qual's config gives an Event: *retries and *max_age_s set
 * from it when it has them, left as they are otherwise.
 */
void	cfgspec_eic_policy(const struct cJSON *rec, const char *qual,
	    unsigned *retries, unsigned *max_age_s);
/*
 * The OnSuccess (success true) or OnFailure destination of qual's config
 * (a function ARN, inside rec), or NULL for none.
 */
const char *cfgspec_eic_dest(const struct cJSON *rec, const char *qual,
	    bool success);

#endif
