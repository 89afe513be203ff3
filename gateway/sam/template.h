/*
 * sam/template: a parsed template (yaml.h) made ready to deploy: its
 * Parameters given values (Default, then --param), its Conditions
 * evaluated, Globals.Function merged into each AWS::Serverless::Function
 * (SAM's rules: maps merge, lists append, scalars of the function win),
 * and any value's intrinsic functions resolved -- Ref, Fn::Sub, Fn::GetAtt,
 * Fn::If, Fn::Equals, Fn::Not, Fn::And, Fn::Or, Fn::Join, Fn::Select,
 * Fn::Split, Fn::FindInMap, Fn::Base64 -- with the pseudo parameters
 * lambdad's ARNs use (us-east-1, account 123456789012, partition aws).
 *
 * What a resource's Ref and attributes are (a function's name and Arn, a
 * layer version's ARN) is told by the deployer (sam_tpl_set_attr) as it
 * learns them; a reference to one not known yet is an error that names it.
 * Every failing call leaves a message in sam_tpl_error().
 */
#ifndef SAM_TEMPLATE_H
#define SAM_TEMPLATE_H

#include <stdbool.h>

#include <cJSON.h>

#define SAM_REGION	"us-east-1"
#define SAM_ACCOUNT	"123456789012"

struct sam_tpl;

/* Takes ownership of doc (a tree from sam_yaml_parse).  NULL only when
 * out of memory or doc is not an object with Resources. */
struct sam_tpl	*sam_tpl_new(cJSON *doc, const char *stack_name, char *err,
		    size_t errlen);
void		 sam_tpl_free(struct sam_tpl *t);		/* NULL-safe */
const char	*sam_tpl_error(const struct sam_tpl *t);

/* "KEY=VALUE" from --param; applied by sam_tpl_prepare. */
int		 sam_tpl_param(struct sam_tpl *t, const char *kv);
/* Parameters, Conditions and Globals; 0 or -1. */
int		 sam_tpl_prepare(struct sam_tpl *t);

/* The Resources object, Globals merged in. */
const cJSON	*sam_tpl_resources(const struct sam_tpl *t);
/* The whole template. */
const cJSON	*sam_tpl_doc(const struct sam_tpl *t);
/* The template's Globals, or NULL. */
const cJSON	*sam_tpl_globals(const struct sam_tpl *t);
/* A resource's Condition: 1 true (or none), 0 false, -1 error. */
int		 sam_tpl_resource_on(struct sam_tpl *t, const cJSON *res);

/* What Ref (attr "Ref") or Fn::GetAtt ID.ATTR of resource id gives. */
void		 sam_tpl_set_attr(struct sam_tpl *t, const char *id,
		    const char *attr, const char *value);

/* A new tree: v with every intrinsic resolved and AWS::NoValue members
 * dropped; NULL on error.  The caller frees it with cJSON_Delete.
 * v NULL (an absent member) resolves to null. */
cJSON		*sam_tpl_resolve(struct sam_tpl *t, const cJSON *v);

/* A scalar as text ("128" for 128), into buf; NULL if not a scalar. */
const char	*sam_scalar_text(const cJSON *v, char *buf, size_t n);

#endif
