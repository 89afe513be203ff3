/*
 * expr_pending: the expression functions of expr.h not written yet.  Each
 * refuses with a ValidationException that says so, so a request that
 * needs an expression is refused plainly instead of misread; requests
 * without expressions work.  Each function leaves this file when its real
 * one lands in expr_parse.c / expr_eval.c / expr_update.c / expr_legacy.c.
 */
#include "expr.h"

#define PENDING(what) ddb_fail(err, DDB_VALIDATION, what " are not " \
	"supported by this lambdad yet")

int
expr_update(const struct expr *e, cJSON *item, struct ddb_err *err)
{
	(void)e; (void)item;
	return PENDING("Update expressions");
}

size_t
expr_update_targets(const struct expr *e, const char **names, size_t max)
{
	(void)e; (void)names; (void)max;
	return 0;
}

cJSON *
expr_update_project(const struct expr *e, const cJSON *item)
{
	(void)e;
	return cJSON_Duplicate(item, 1);
}

struct expr *
expr_from_expected(const cJSON *expected, const char *op, struct ddb_err *err)
{
	(void)expected; (void)op;
	PENDING("Expected conditions");
	return NULL;
}

struct expr *
expr_from_conditions(enum expr_kind kind, const cJSON *conds, const char *op,
    struct ddb_err *err)
{
	(void)kind; (void)conds; (void)op;
	PENDING("Legacy conditions");
	return NULL;
}

struct expr *
expr_from_attributes_to_get(const cJSON *names, struct ddb_err *err)
{
	(void)names;
	PENDING("AttributesToGet");
	return NULL;
}

struct expr *
expr_from_attribute_updates(const cJSON *updates, struct ddb_err *err)
{
	(void)updates;
	PENDING("AttributeUpdates");
	return NULL;
}
