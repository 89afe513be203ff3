/*
 * expr: DynamoDB's expression languages, parsed once per request and
 * evaluated against items (cJSON trees in the wire form, value.h).
 *
 *   condition / filter   a = :v AND (b < :w OR NOT attribute_exists(c))
 *                        comparators = <> < <= > >=, BETWEEN, IN (up to 100),
 *                        AND OR NOT, parentheses; functions
 *                        attribute_exists, attribute_not_exists,
 *                        attribute_type, begins_with, contains, size
 *   key condition        pk = :v [AND sk op :w | sk BETWEEN :a AND :b |
 *                        begins_with(sk, :p)]
 *   projection           a, b.c, d[3], #n.e
 *   update               SET a = :v, b = b + :n, c = if_not_exists(c, :z),
 *                        d = list_append(d, :l)  REMOVE e, f[2]
 *                        ADD n :one, s :set  DELETE s :set
 *
 * Operands are document paths (names, #placeholders, .member, [index]) or
 * :value placeholders.  Names that are DynamoDB reserved words must be
 * written as #placeholders ("Attribute name is a reserved keyword;
 * reserved keyword: status").  A request's ExpressionAttributeNames and
 * ExpressionAttributeValues are shared by all of its expressions: struct
 * expr_ctx records which placeholders the expressions used, so the request
 * can then be refused for unused ones, as DynamoDB does, after all its
 * expressions were parsed.
 *
 * Every error is a ValidationException with DynamoDB's wording where
 * spec/dynamodb.md records it ("Invalid UpdateExpression: ...",
 * "Invalid ConditionExpression: Syntax error; token: \"x\", near: \"...\"",
 * "An expression attribute value used in expression is not defined;
 * attribute value: :v", "Two document paths overlap with each other; ...",
 * "Value provided in ExpressionAttributeValues unused in expressions:
 * keys: {:v}", ...).
 *
 * Legacy parameters (Expected, AttributesToGet, AttributeUpdates,
 * KeyConditions, QueryFilter, ScanFilter, ConditionalOperator) are
 * translated into the same parsed form, so the engine has one evaluator.
 */
#ifndef LAMBDAD_TABLES_EXPR_H
#define LAMBDAD_TABLES_EXPR_H

#include <stdbool.h>
#include <stddef.h>

#include <cJSON.h>

#include "ddb.h"

enum expr_kind {
	EXPR_CONDITION,		/* ConditionExpression */
	EXPR_FILTER,		/* FilterExpression */
	EXPR_KEY_CONDITION,	/* KeyConditionExpression */
	EXPR_PROJECTION,	/* ProjectionExpression */
	EXPR_UPDATE,		/* UpdateExpression */
};

/* The request's placeholder maps, shared by all its expressions. */
struct expr_ctx {
	const cJSON	*names;		/* ExpressionAttributeNames or NULL */
	const cJSON	*values;	/* ExpressionAttributeValues or NULL */
	/* Private: which placeholders were used (expr.c). */
	unsigned char	*used_names, *used_values;
	size_t		 nnames, nvalues;
};

struct expr;

/* Point ctx at the maps (either may be NULL) and check them: names must
 * start with '#', values with ':' and be valid AttributeValues (checked
 * and made canonical in place: the caller passes its own request tree).
 * 0 or -1. */
int	expr_ctx_init(struct expr_ctx *ctx, cJSON *names, cJSON *values,
	    struct ddb_err *err);
void	expr_ctx_free(struct expr_ctx *ctx);
/* After every expression of the request is parsed: -1 for a placeholder
 * never used ("Value provided in ExpressionAttributeNames unused in
 * expressions: keys: {#a}", likewise for values). */
int	expr_ctx_check_unused(const struct expr_ctx *ctx, struct ddb_err *err);

/* Parse text as kind.  NULL with a ValidationException on error.  The
 * result refers to ctx's value trees: keep them alive while it lives. */
struct expr *expr_parse(enum expr_kind kind, const char *text,
	    struct expr_ctx *ctx, struct ddb_err *err);
void	expr_free(struct expr *e);	/* NULL-safe */

/* Condition or filter: *res = whether item (NULL = no item) satisfies e.
 * -1 only for errors DynamoDB reports at evaluation time. */
int	expr_eval(const struct expr *e, const cJSON *item, bool *res,
	    struct ddb_err *err);

/* Projection: a new item holding only e's paths of item (nested paths keep
 * their enclosing maps and lists, as DynamoDB returns them). */
cJSON	*expr_project(const struct expr *e, const cJSON *item);

/*
 * Update: apply e to item in place (item is an object, possibly {} for a
 * new item).  -1 with a ValidationException for what DynamoDB refuses
 * while applying ("The provided expression refers to an attribute that
 * does not exist in the item", "An operand in the update expression has an
 * incorrect data type", an empty set left by DELETE removes the
 * attribute, ...).  On error item may be partly changed: apply to a copy.
 */
int	expr_update(const struct expr *e, cJSON *item, struct ddb_err *err);
/* The top-level attribute names an update writes or removes (for "Cannot
 * update attribute NAME. This attribute is part of the key").  Fills
 * names[0..max), returns how many there are (may exceed max). */
size_t	expr_update_targets(const struct expr *e, const char **names,
	    size_t max);
/* The update's paths as a projection (for ReturnValues UPDATED_OLD /
 * UPDATED_NEW): a new item with only those paths of item. */
cJSON	*expr_update_project(const struct expr *e, const cJSON *item);

/* A key condition split for the engine.  Values point into the ctx. */
enum key_op { KEY_NONE, KEY_EQ, KEY_LT, KEY_LE, KEY_GT, KEY_GE,
	KEY_BETWEEN, KEY_BEGINS_WITH };
struct key_cond {
	const char	*hash_name;
	const cJSON	*hash_val;
	const char	*range_name;	/* NULL when op is KEY_NONE */
	enum key_op	 op;
	const cJSON	*v1, *v2;	/* v2 for BETWEEN only */
};
/* Split a parsed EXPR_KEY_CONDITION (or a legacy KeyConditions) for a
 * table or index whose keys are hash_name and range_name (NULL: none):
 * exactly one equality on the hash key and at most one condition on the
 * range key, else DynamoDB's errors ("Query condition missed key schema
 * element: id", "Query key condition not supported", ...).  0 or -1. */
int	expr_key_split(const struct expr *e, const char *hash_name,
	    const char *range_name, struct key_cond *out, struct ddb_err *err);

/* ---- legacy parameters ---- */
/* Expected (+ ConditionalOperator, may be NULL) as a condition. */
struct expr *expr_from_expected(const cJSON *expected, const char *op,
	    struct ddb_err *err);
/* KeyConditions, QueryFilter or ScanFilter (+ ConditionalOperator). */
struct expr *expr_from_conditions(enum expr_kind kind, const cJSON *conds,
	    const char *op, struct ddb_err *err);
/* AttributesToGet as a projection. */
struct expr *expr_from_attributes_to_get(const cJSON *names,
	    struct ddb_err *err);
/* AttributeUpdates (PUT / ADD / DELETE actions) as an update. */
struct expr *expr_from_attribute_updates(const cJSON *updates,
	    struct ddb_err *err);

#endif
