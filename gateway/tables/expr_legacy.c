/*
 * expr_legacy: DynamoDB's pre-expression request parameters (Expected,
 * KeyConditions, QueryFilter, ScanFilter, ConditionalOperator,
 * AttributesToGet, AttributeUpdates) translated into the parsed form of
 * expr_int.h, so the evaluator and the update code serve both.
 *
 * Names in legacy parameters are literal: no #placeholders, a dot is part
 * of the name, every path is one top-level attribute.  Values are copied
 * out of the request, checked and made canonical (ddb_val_check), and
 * owned by the expression (expr_own), since the callers hand us const
 * trees.
 *
 * Semantics of the comparison operators follow the AWS documentation of
 * the legacy conditional parameters: every operator but NULL is false for
 * an absent attribute (NOT_CONTAINS included, unlike NOT contains() in an
 * expression), a value of another type than the attribute's does not
 * match, the AttributeValueList arity and types are checked up front.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expr_int.h"
#include "value.h"

#define VAL1	"1 validation error detected: Value "
#define INVALID	"One or more parameter values were invalid: "

#define T_(t)	(1u << (t))
#define T_SCALAR (T_(DDB_T_S) | T_(DDB_T_N) | T_(DDB_T_B))
#define T_ANY	0u

enum lop { L_EQ, L_NE, L_LE, L_LT, L_GE, L_GT, L_NOT_NULL, L_NULL,
	L_CONTAINS, L_NOT_CONTAINS, L_BEGINS_WITH, L_IN, L_BETWEEN, L_NOPS };

static const struct {
	const char	*name;
	int		 nargs;		/* exact count; -1: one or more */
	unsigned	 types;		/* allowed value types; T_ANY: all */
	bool		 key;		/* allowed in KeyConditions */
} lops[L_NOPS] = {
	[L_EQ] = { "EQ", 1, T_ANY, true },
	[L_NE] = { "NE", 1, T_ANY, false },
	[L_LE] = { "LE", 1, T_SCALAR, true },
	[L_LT] = { "LT", 1, T_SCALAR, true },
	[L_GE] = { "GE", 1, T_SCALAR, true },
	[L_GT] = { "GT", 1, T_SCALAR, true },
	[L_NOT_NULL] = { "NOT_NULL", 0, T_ANY, false },
	[L_NULL] = { "NULL", 0, T_ANY, false },
	[L_CONTAINS] = { "CONTAINS", 1, T_SCALAR, false },
	[L_NOT_CONTAINS] = { "NOT_CONTAINS", 1, T_SCALAR, false },
	[L_BEGINS_WITH] = { "BEGINS_WITH", 1, T_(DDB_T_S) | T_(DDB_T_B),
	    true },
	[L_IN] = { "IN", -1, T_SCALAR, false },
	[L_BETWEEN] = { "BETWEEN", 2, T_SCALAR, true },
};

/* As DynamoDB lists the enum in its constraint message. */
#define LOPS_TEXT "[IN, NULL, BETWEEN, LT, NOT_CONTAINS, EQ, GT, NOT_NULL, " \
	"NE, LE, BEGINS_WITH, GE, CONTAINS]"

/* A member of obj, with a JSON null taken as absent. */
static const cJSON *
member(const cJSON *obj, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);

	return cJSON_IsNull(v) ? NULL : v;
}

static struct expr *
expr_new(enum expr_kind kind)
{
	struct expr *e = expr_xcalloc(1, sizeof(*e));

	e->kind = kind;
	return e;
}

/* Fail, freeing e (for the constructors' error paths). */
static struct expr *
expr_drop(struct expr *e)
{
	expr_free(e);
	return NULL;
}

/* A checked, canonical copy of the request's AttributeValue av, owned by
 * e; NULL with the error DynamoDB gives for a malformed value. */
static const cJSON *
value_copy(struct expr *e, const cJSON *av, struct ddb_err *err)
{
	cJSON *v = cJSON_Duplicate(av, 1);

	if (v == NULL) {
		ddb_fail(err, DDB_SERIALIZATION,
		    "Start of structure or map expected");
		return NULL;
	}
	expr_own(e, v);
	return ddb_val_check(v, err) == 0 ? v : NULL;
}

static struct node *
node_name(const char *name)
{
	struct node *n = expr_node_new(N_PATH);

	expr_path_add_name(&n->path, name, strlen(name));
	return n;
}

static struct node *
node_value(const cJSON *v)
{
	struct node *n = expr_node_new(N_VALUE);

	n->val = v;
	return n;
}

/* op(kid0, kid1) for the binary shapes (AND, OR, CMP, CONTAINS, ...). */
static struct node *
node2(enum node_op op, struct node *a, struct node *b)
{
	struct node *n = expr_node_new(op);

	expr_node_add(n, a);
	if (b != NULL)
		expr_node_add(n, b);
	return n;
}

/* a AND/OR b, where a may be NULL (the first condition). */
static struct node *
node_join(struct node *a, struct node *b, bool or)
{
	return a == NULL ? b : node2(or ? N_OR : N_AND, a, b);
}

/* ---- one condition ---- */

/* v IN (vals[0..n)); more than EXPR_IN_MAX values become an OR of INs,
 * since the evaluator reads at most that many operands per node. */
static struct node *
node_in(const char *name, const cJSON *const *vals, size_t n)
{
	struct node *all = NULL, *in;
	size_t i, j;

	for (i = 0; i < n; i += EXPR_IN_MAX) {
		in = node2(N_IN, node_name(name), NULL);
		for (j = i; j < n && j < i + EXPR_IN_MAX; j++)
			expr_node_add(in, node_value(vals[j]));
		all = node_join(all, in, true);
	}
	return all;
}

/* The tree of one checked condition on attribute name. */
static struct node *
leaf_build(enum lop op, const char *name, const cJSON *const *v, size_t n)
{
	static const enum cmp_op cmps[] = { [L_EQ] = CMP_EQ, [L_NE] = CMP_NE,
		[L_LE] = CMP_LE, [L_LT] = CMP_LT, [L_GE] = CMP_GE,
		[L_GT] = CMP_GT };
	struct node *k;

	switch (op) {
	case L_NOT_NULL:
		return node2(N_EXISTS, node_name(name), NULL);
	case L_NULL:
		return node2(N_NOT_EXISTS, node_name(name), NULL);
	case L_CONTAINS:
		return node2(N_CONTAINS, node_name(name), node_value(v[0]));
	case L_NOT_CONTAINS:
		k = node2(N_CONTAINS, node_name(name), node_value(v[0]));
		return node2(N_AND, node2(N_EXISTS, node_name(name), NULL),
		    node2(N_NOT, k, NULL));
	case L_BEGINS_WITH:
		return node2(N_BEGINS, node_name(name), node_value(v[0]));
	case L_IN:
		return node_in(name, v, n);
	case L_BETWEEN:
		k = node2(N_BETWEEN, node_name(name), node_value(v[0]));
		expr_node_add(k, node_value(v[1]));
		return k;
	default:
		k = node2(N_CMP, node_name(name), node_value(v[0]));
		k->cmp = cmps[op];
		return k;
	}
}

/* The operator's rules on its values: arity, types, BETWEEN's bounds. */
static int
leaf_check(enum lop op, const cJSON *const *v, size_t n, struct ddb_err *err)
{
	size_t i;
	int r;

	if (lops[op].nargs >= 0 ? n != (size_t)lops[op].nargs : n == 0)
		return ddb_fail(err, DDB_VALIDATION, INVALID "Invalid number "
		    "of argument(s) for the %s ComparisonOperator",
		    lops[op].name);
	for (i = 0; lops[op].types != T_ANY && i < n; i++)
		if (!(lops[op].types & T_(ddb_val_type(v[i]))))
			return ddb_fail(err, DDB_VALIDATION, INVALID
			    "ComparisonOperator %s is not valid for %s "
			    "AttributeValue type", lops[op].name,
			    ddb_type_name(ddb_val_type(v[i])));
	if (op != L_BETWEEN)
		return 0;
	if (ddb_val_type(v[0]) != ddb_val_type(v[1]))
		return ddb_fail(err, DDB_VALIDATION, INVALID "AttributeValues "
		    "inside AttributeValueList must be of same type");
	if (ddb_val_cmp(v[0], v[1], &r) == 0 && r > 0)
		return ddb_fail(err, DDB_VALIDATION, "The BETWEEN condition "
		    "was provided a range where the lower bound is greater "
		    "than the upper bound");
	return 0;
}

/* ComparisonOperator's text as an operator; field names it in errors. */
static int
lop_parse(const cJSON *c, const char *field, enum lop *op,
    struct ddb_err *err)
{
	int i;

	if (c == NULL)
		return ddb_fail(err, DDB_VALIDATION, VAL1 "null at '%s' failed "
		    "to satisfy constraint: Member must not be null", field);
	if (!cJSON_IsString(c))
		return ddb_fail(err, DDB_SERIALIZATION,
		    "NUMBER_VALUE cannot be converted to String");
	for (i = 0; i < L_NOPS; i++)
		if (strcmp(c->valuestring, lops[i].name) == 0) {
			*op = (enum lop)i;
			return 0;
		}
	return ddb_fail(err, DDB_VALIDATION, VAL1 "'%.300s' at '%s' failed to "
	    "satisfy constraint: Member must satisfy enum value set: "
	    LOPS_TEXT, c->valuestring, field);
}

/* AttributeValueList (may be NULL: no values) copied into vals[]. */
static int
avl_read(struct expr *e, const cJSON *avl, const cJSON ***vals, size_t *n,
    struct ddb_err *err)
{
	const cJSON *it;

	*n = 0;
	*vals = NULL;
	if (avl == NULL)
		return 0;
	if (!cJSON_IsArray(avl))
		return ddb_fail(err, DDB_SERIALIZATION,
		    "Start of list expected");
	*vals = expr_xcalloc((size_t)cJSON_GetArraySize(avl) + 1,
	    sizeof(**vals));
	cJSON_ArrayForEach(it, avl) {
		if (((*vals)[*n] = value_copy(e, it, err)) == NULL)
			return -1;
		(*n)++;
	}
	return 0;
}

/*
 * Expected's operator form without an AttributeValueList: its Value, when
 * given, is the one value (DynamoDB accepts Value with ComparisonOperator);
 * an operator that takes values and got none is refused as DynamoDB does.
 */
static int
expected_values(struct expr *e, const cJSON *cond, enum lop op,
    const cJSON ***vals, size_t *n, struct ddb_err *err)
{
	const cJSON *value = member(cond, "Value");

	if (*n > 0)
		return 0;
	if (value != NULL) {
		free(*vals);
		*vals = expr_xcalloc(2, sizeof(**vals));
		if (((*vals)[0] = value_copy(e, value, err)) == NULL)
			return -1;
		*n = 1;
		return 0;
	}
	if (lops[op].nargs == 0)
		return 0;
	return ddb_fail(err, DDB_VALIDATION, INVALID "Value or "
	    "AttributeValueList must be used with ComparisonOperator: %s for "
	    "Attribute: %.300s", lops[op].name, cond->string);
}

/*
 * One {ComparisonOperator, AttributeValueList} condition on the attribute
 * cond->string as a tree (NULL on error).  where is the parameter's wire
 * field ("expected", "keyConditions", ...) for constraint messages.
 */
static struct node *
cond_one(struct expr *e, const cJSON *cond, const char *where,
    struct ddb_err *err)
{
	char field[400];
	const cJSON **vals = NULL;
	struct node *n = NULL;
	enum lop op = L_EQ;
	size_t nv;

	snprintf(field, sizeof(field), "%s.%.300s.member.comparisonOperator",
	    where, cond->string);
	if (lop_parse(member(cond, "ComparisonOperator"), field, &op,
	    err) != 0)
		return NULL;
	if (e->kind == EXPR_KEY_CONDITION && !lops[op].key) {
		ddb_fail(err, DDB_VALIDATION, "Attempted conditional "
		    "constraint is not an indexable operation");
		return NULL;
	}
	if (avl_read(e, member(cond, "AttributeValueList"), &vals, &nv,
	    err) == 0 && (e->kind != EXPR_CONDITION ||
	    expected_values(e, cond, op, &vals, &nv, err) == 0) &&
	    leaf_check(op, vals, nv, err) == 0)
		n = leaf_build(op, cond->string, vals, nv);
	free(vals);
	return n;
}

/* ConditionalOperator: NULL or "AND" is AND, "OR" is OR. */
static int
conj_parse(const char *op, bool *or, struct ddb_err *err)
{
	*or = op != NULL && strcmp(op, "OR") == 0;
	if (op == NULL || *or || strcmp(op, "AND") == 0)
		return 0;
	return ddb_fail(err, DDB_VALIDATION, VAL1 "'%.300s' at "
	    "'conditionalOperator' failed to satisfy constraint: Member must "
	    "satisfy enum value set: [OR, AND]", op);
}

/* ---- Expected ---- */

/* The Exists / Value form of one Expected entry (no ComparisonOperator). */
static struct node *
expected_simple(struct expr *e, const cJSON *ent, struct ddb_err *err)
{
	const cJSON *exists = member(ent, "Exists"), *value = member(ent,
	    "Value"), *v;
	const char *name = ent->string;

	if (exists != NULL && !cJSON_IsBool(exists)) {
		ddb_fail(err, DDB_SERIALIZATION, "Unexpected token received "
		    "from parser");
		return NULL;
	}
	if (cJSON_IsFalse(exists)) {
		if (value == NULL)
			return node2(N_NOT_EXISTS, node_name(name), NULL);
		ddb_fail(err, DDB_VALIDATION, INVALID "Value cannot be used "
		    "when Exists is false for Attribute: %.300s", name);
		return NULL;
	}
	if (value == NULL) {
		ddb_fail(err, DDB_VALIDATION, INVALID "Value must be provided "
		    "when Exists is %s for Attribute: %.300s",
		    exists != NULL ? "true" : "null", name);
		return NULL;
	}
	if ((v = value_copy(e, value, err)) == NULL)
		return NULL;
	return leaf_build(L_EQ, name, &v, 1);
}

/*
 * One Expected entry: the Exists / Value form or the ComparisonOperator
 * form.  The checks and their order are DynamoDB's as observed: Value
 * with AttributeValueList, AttributeValueList without an operator, Exists
 * with an operator are refused; Value with an operator is accepted and is
 * the operator's one value.
 */
static struct node *
expected_one(struct expr *e, const cJSON *ent, struct ddb_err *err)
{
	bool cop = member(ent, "ComparisonOperator") != NULL;
	bool avl = member(ent, "AttributeValueList") != NULL;
	bool val = member(ent, "Value") != NULL;
	const char *what = NULL;

	if (!cJSON_IsObject(ent)) {
		ddb_fail(err, DDB_SERIALIZATION,
		    "Start of structure or map expected");
		return NULL;
	}
	if (val && avl)
		what = "Value and AttributeValueList cannot be used together";
	else if (avl && !cop)
		what = "AttributeValueList can only be used with a "
		    "ComparisonOperator";
	else if (cop && member(ent, "Exists") != NULL)
		what = "Exists and ComparisonOperator cannot be used together";
	if (what != NULL) {
		ddb_fail(err, DDB_VALIDATION, INVALID "%s for Attribute: %.300s",
		    what, ent->string);
		return NULL;
	}
	return cop ? cond_one(e, ent, "expected", err) :
	    expected_simple(e, ent, err);
}

/* The conditions of map (Expected or a conditions map) joined by op. */
static struct expr *
conds_build(struct expr *e, const cJSON *map, const char *op,
    const char *where, struct ddb_err *err)
{
	const cJSON *it;
	struct node *n;
	bool or;

	if (conj_parse(op, &or, err) != 0)
		return expr_drop(e);
	if (!cJSON_IsObject(map)) {
		ddb_fail(err, DDB_SERIALIZATION,
		    "Start of structure or map expected");
		return expr_drop(e);
	}
	cJSON_ArrayForEach(it, map) {
		if (where == NULL)
			n = expected_one(e, it, err);
		else if (!cJSON_IsObject(it))
			n = NULL, ddb_fail(err, DDB_SERIALIZATION,
			    "Start of structure or map expected");
		else
			n = cond_one(e, it, where, err);
		if (n == NULL)
			return expr_drop(e);
		e->cond = node_join(e->cond, n, or);
	}
	return e;
}

struct expr *
expr_from_expected(const cJSON *expected, const char *op, struct ddb_err *err)
{
	return conds_build(expr_new(EXPR_CONDITION), expected, op, NULL, err);
}

struct expr *
expr_from_conditions(enum expr_kind kind, const cJSON *conds, const char *op,
    struct ddb_err *err)
{
	const char *where = "keyConditions";

	/* The callers pass EXPR_FILTER for both QueryFilter and ScanFilter,
	 * so a constraint message cannot name which of the two it was. */
	if (kind != EXPR_KEY_CONDITION) {
		kind = EXPR_FILTER;
		where = "queryFilter";
	} else {
		op = NULL;	/* the key's conditions are always ANDed */
	}
	return conds_build(expr_new(kind), conds, op, where, err);
}

/* ---- AttributesToGet ---- */

struct expr *
expr_from_attributes_to_get(const cJSON *names, struct ddb_err *err)
{
	struct expr *e = expr_new(EXPR_PROJECTION);
	const cJSON *it;
	size_t i;

	if (!cJSON_IsArray(names)) {
		ddb_fail(err, DDB_SERIALIZATION, "Start of list expected");
		return expr_drop(e);
	}
	if (names->child == NULL) {
		ddb_fail(err, DDB_VALIDATION, VAL1 "'[]' at 'attributesToGet' "
		    "failed to satisfy constraint: Member must have length "
		    "greater than or equal to 1");
		return expr_drop(e);
	}
	e->paths = expr_xcalloc((size_t)cJSON_GetArraySize(names),
	    sizeof(*e->paths));
	cJSON_ArrayForEach(it, names) {
		if (!cJSON_IsString(it)) {
			ddb_fail(err, DDB_SERIALIZATION,
			    "NUMBER_VALUE cannot be converted to String");
			return expr_drop(e);
		}
		for (i = 0; i < e->npaths; i++)
			if (strcmp(e->paths[i].el[0].name, it->valuestring) == 0) {
				ddb_fail(err, DDB_VALIDATION, INVALID "Duplicate "
				    "value in attribute name: %.300s",
				    it->valuestring);
				return expr_drop(e);
			}
		expr_path_add_name(&e->paths[e->npaths++], it->valuestring,
		    strlen(it->valuestring));
	}
	return e;
}

/* ---- AttributeUpdates ---- */

/* Which Value types an action takes (ADD also lists: legacy appends). */
static int
update_value_check(enum act_kind k, const cJSON *v, struct ddb_err *err)
{
	enum ddb_type t = ddb_val_type(v);
	unsigned sets = T_(DDB_T_SS) | T_(DDB_T_NS) | T_(DDB_T_BS);

	if (k == ACT_ADD && !((sets | T_(DDB_T_N) | T_(DDB_T_L)) & T_(t)))
		return ddb_fail(err, DDB_VALIDATION, INVALID "ADD action is not "
		    "supported for the type %s", ddb_type_name(t));
	if (k == ACT_DELETE && !(sets & T_(t)))
		return ddb_fail(err, DDB_VALIDATION, INVALID "DELETE action "
		    "with value is not supported for the type %s",
		    ddb_type_name(t));
	return 0;
}

/* The action of one AttributeUpdates entry into *a. */
static int
update_one(struct expr *e, const cJSON *ent, struct action *a,
    struct ddb_err *err)
{
	const cJSON *act = member(ent, "Action"), *value = member(ent, "Value");
	const char *s = cJSON_IsString(act) ? act->valuestring : NULL;
	const cJSON *v = NULL;

	if (!cJSON_IsObject(ent) || (act != NULL && s == NULL))
		return ddb_fail(err, DDB_SERIALIZATION, "Unexpected token "
		    "received from parser");
	if (s == NULL || strcmp(s, "PUT") == 0)
		a->kind = ACT_SET;
	else if (strcmp(s, "ADD") == 0)
		a->kind = ACT_ADD;
	else if (strcmp(s, "DELETE") == 0)
		a->kind = value != NULL ? ACT_DELETE : ACT_REMOVE;
	else
		return ddb_fail(err, DDB_VALIDATION, VAL1 "'%.300s' at "
		    "'attributeUpdates.%.300s.member.action' failed to satisfy "
		    "constraint: Member must satisfy enum value set: [ADD, PUT, "
		    "DELETE]", s, ent->string);
	/* An item never holds an empty name (value.c refuses one in PutItem). */
	if (ent->string[0] == '\0')
		return ddb_fail(err, DDB_VALIDATION, INVALID
		    "Empty attribute name");
	expr_path_add_name(&a->path, ent->string, strlen(ent->string));
	if (a->kind == ACT_REMOVE)
		return 0;
	if (value == NULL)
		return ddb_fail(err, DDB_VALIDATION, INVALID "Only DELETE "
		    "action is allowed when no attribute value is specified");
	if ((v = value_copy(e, value, err)) == NULL ||
	    update_value_check(a->kind, v, err) != 0)
		return -1;
	a->val = node_value(v);
	a->legacy = a->kind == ACT_ADD;
	return 0;
}

struct expr *
expr_from_attribute_updates(const cJSON *updates, struct ddb_err *err)
{
	struct expr *e = expr_new(EXPR_UPDATE);
	const cJSON *it;

	if (!cJSON_IsObject(updates)) {
		ddb_fail(err, DDB_SERIALIZATION,
		    "Start of structure or map expected");
		return expr_drop(e);
	}
	e->acts = expr_xcalloc((size_t)cJSON_GetArraySize(updates),
	    sizeof(*e->acts));
	cJSON_ArrayForEach(it, updates) {
		/* Counted before filling, so expr_free frees a partial one. */
		if (update_one(e, it, &e->acts[e->nacts++], err) != 0)
			return expr_drop(e);
	}
	return e;
}
