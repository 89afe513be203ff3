/*
 * expr_update: applying a parsed update (SET, REMOVE, ADD, DELETE) to an
 * item in place, with DynamoDB's order: every right-hand side (SET terms,
 * ADD sums and unions, DELETE differences) is computed against the item
 * as it was, before any write; then the writes happen in path order (so
 * several SETs past a list's end append in index order), then the
 * removals highest path first (so a list's earlier indexes still mean what
 * the expression said).  Also the update's top-level targets and its
 * paths as a projection (ReturnValues UPDATED_OLD / UPDATED_NEW).
 */
#include <stdlib.h>
#include <string.h>

#include "expr_int.h"
#include "number.h"
#include "value.h"

#define BAD_TYPE	"An operand in the update expression has an " \
	"incorrect data type"
#define BAD_PATH	"The document path provided in the update " \
	"expression is invalid for update"
#define NO_ATTR		"The provided expression refers to an attribute " \
	"that does not exist in the item"

/* One action's outcome, computed before anything is written. */
struct step {
	const struct action *a;
	cJSON	*val;		/* the new value (owned), NULL to remove */
	bool	 skip;		/* nothing to do (DELETE from an absent set) */
	bool	 rm;		/* remove the path (REMOVE, DELETE's empty set) */
};

static cJSON *term(const struct node *n, const cJSON *item,
    struct ddb_err *err);

static bool
is_set(enum ddb_type t)
{
	return t == DDB_T_SS || t == DDB_T_NS || t == DDB_T_BS;
}

/* A number's parsed form; av must be {"N":..}. */
static int
num_of(const cJSON *av, struct ddb_num *out, struct ddb_err *err)
{
	const char *s = ddb_val_inner(av)->valuestring;

	return ddb_num_parse(s, strlen(s), out, err);
}

/* x + y or x - y (both {"N":..}) as a new {"N":..}. */
static cJSON *
num_sum(const cJSON *x, const cJSON *y, bool minus, struct ddb_err *err)
{
	struct ddb_num a, b, r;
	char out[DDB_NUM_TEXT_MAX];
	cJSON *res;

	if (ddb_val_type(x) != DDB_T_N || ddb_val_type(y) != DDB_T_N) {
		ddb_fail(err, DDB_VALIDATION, BAD_TYPE);
		return NULL;
	}
	if (num_of(x, &a, err) != 0 || num_of(y, &b, err) != 0 ||
	    (minus ? ddb_num_sub(&a, &b, &r, err) :
	    ddb_num_add(&a, &b, &r, err)) != 0)
		return NULL;
	ddb_num_format(&r, out);
	res = cJSON_CreateObject();
	cJSON_AddStringToObject(res, "N", out);
	return res;
}

/* The two operands of a binary term, both new, or -1 (none left). */
static int
two_terms(const struct node *n, const cJSON *item, cJSON **x, cJSON **y,
    struct ddb_err *err)
{
	*x = term(n->kid[0], item, err);
	*y = *x != NULL ? term(n->kid[1], item, err) : NULL;
	if (*y != NULL)
		return 0;
	cJSON_Delete(*x);
	*x = NULL;
	return -1;
}

static cJSON *
arith(const struct node *n, const cJSON *item, struct ddb_err *err)
{
	cJSON *x, *y, *res;

	if (two_terms(n, item, &x, &y, err) != 0)
		return NULL;
	res = num_sum(x, y, n->op == N_MINUS, err);
	cJSON_Delete(x);
	cJSON_Delete(y);
	return res;
}

/* Move every element of list y (an L value) to the end of list x. */
static void
list_move(cJSON *x, cJSON *y)
{
	cJSON *it;

	while ((it = ddb_val_inner(y)->child) != NULL)
		cJSON_AddItemToArray(ddb_val_inner(x),
		    cJSON_DetachItemViaPointer(ddb_val_inner(y), it));
}

static cJSON *
list_append(const struct node *n, const cJSON *item, struct ddb_err *err)
{
	cJSON *x, *y;

	if (two_terms(n, item, &x, &y, err) != 0)
		return NULL;
	if (ddb_val_type(x) != DDB_T_L || ddb_val_type(y) != DDB_T_L) {
		cJSON_Delete(x);
		cJSON_Delete(y);
		ddb_fail(err, DDB_VALIDATION, BAD_TYPE);
		return NULL;
	}
	list_move(x, y);
	cJSON_Delete(y);
	return x;
}

/* A SET right-hand side's value, new, computed against item. */
static cJSON *
term(const struct node *n, const cJSON *item, struct ddb_err *err)
{
	const cJSON *v;

	switch (n->op) {
	case N_VALUE:
		return cJSON_Duplicate(n->val, 1);
	case N_PATH:
		v = expr_path_get(item, &n->path);
		if (v == NULL)
			ddb_fail(err, DDB_VALIDATION, NO_ATTR);
		return v != NULL ? cJSON_Duplicate(v, 1) : NULL;
	case N_IF_NOT_EXISTS:
		v = expr_path_get(item, &n->kid[0]->path);
		return v != NULL ? cJSON_Duplicate(v, 1) :
		    term(n->kid[1], item, err);
	case N_LIST_APPEND:
		return list_append(n, item, err);
	case N_PLUS: case N_MINUS:
		return arith(n, item, err);
	default:
		ddb_fail(err, DDB_VALIDATION, BAD_TYPE);
		return NULL;
	}
}

/* ---- sets ---- */

/* Is the element it of a set of type t equal to the element el? */
static bool
elem_equal(enum ddb_type t, const cJSON *it, const cJSON *el)
{
	static const char *const name[] = { [DDB_T_SS] = "S",
		[DDB_T_NS] = "N", [DDB_T_BS] = "B" };
	cJSON *a, *b;
	bool r;

	if (strcmp(it->valuestring, el->valuestring) == 0)
		return true;
	if (t == DDB_T_SS)
		return false;
	/* NS numerically, BS by decoded bytes. */
	a = cJSON_CreateObject();
	b = cJSON_CreateObject();
	cJSON_AddStringToObject(a, name[t], it->valuestring);
	cJSON_AddStringToObject(b, name[t], el->valuestring);
	r = ddb_val_equal(a, b);
	cJSON_Delete(a);
	cJSON_Delete(b);
	return r;
}

static bool
set_has(enum ddb_type t, const cJSON *arr, const cJSON *el)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, arr)
		if (elem_equal(t, it, el))
			return true;
	return false;
}

/* cur ∪ v (ADD) or cur ∖ v (DELETE) as a new set; NULL when the result is
 * empty (DELETE).  Both must be sets of one type. */
static cJSON *
set_op(const cJSON *cur, const cJSON *v, bool del, struct ddb_err *err,
    bool *empty)
{
	enum ddb_type t = ddb_val_type(cur);
	const cJSON *it;
	cJSON *res, *arr;

	*empty = false;
	if (!is_set(t) || ddb_val_type(v) != t) {
		ddb_fail(err, DDB_VALIDATION, BAD_TYPE);
		return NULL;
	}
	res = cJSON_CreateObject();
	arr = cJSON_AddArrayToObject(res, ddb_type_name(t));
	cJSON_ArrayForEach(it, ddb_val_inner(cur))
		if (!del || !set_has(t, ddb_val_inner(v), it))
			cJSON_AddItemToArray(arr, cJSON_Duplicate(it, 1));
	cJSON_ArrayForEach(it, ddb_val_inner(v))
		if (!del && !set_has(t, arr, it))
			cJSON_AddItemToArray(arr, cJSON_Duplicate(it, 1));
	if (arr->child == NULL) {
		cJSON_Delete(res);
		*empty = true;
		return NULL;
	}
	return res;
}

/* ---- the outcome of each action ---- */

/* ADD: number sum (absent = 0), set union (absent = empty), and for the
 * legacy AttributeUpdates ADD also list append (absent = empty). */
static int
step_add(struct step *s, const cJSON *cur, const cJSON *v,
    struct ddb_err *err)
{
	enum ddb_type t = ddb_val_type(cur);
	bool empty;

	if (cur == NULL) {
		s->val = cJSON_Duplicate(v, 1);
		return 0;
	}
	if (t == DDB_T_N)
		s->val = num_sum(cur, v, false, err);
	else if (t == DDB_T_L && s->a->legacy &&
	    ddb_val_type(v) == DDB_T_L) {
		cJSON *tail = cJSON_Duplicate(v, 1);

		s->val = cJSON_Duplicate(cur, 1);
		list_move(s->val, tail);
		cJSON_Delete(tail);
	} else
		s->val = set_op(cur, v, false, err, &empty);
	return s->val != NULL ? 0 : -1;
}

static int
step_of(struct step *s, const cJSON *item, struct ddb_err *err)
{
	const struct action *a = s->a;
	const cJSON *cur;
	bool empty;

	switch (a->kind) {
	case ACT_SET:
		s->val = term(a->val, item, err);
		return s->val != NULL ? 0 : -1;
	case ACT_REMOVE:
		s->rm = true;
		return 0;
	case ACT_ADD:
		return step_add(s, expr_path_get(item, &a->path),
		    a->val->val, err);
	case ACT_DELETE:
		cur = expr_path_get(item, &a->path);
		if (cur == NULL) {
			s->skip = true;
			return 0;
		}
		s->val = set_op(cur, a->val->val, true, err, &empty);
		s->rm = empty;
		return s->val != NULL || empty ? 0 : -1;
	}
	return 0;
}

/* ---- constant operands ---- */

/* DynamoDB's operand type words in "Incorrect operand type" messages. */
static const char *
type_word(enum ddb_type t)
{
	static const char *const w[] = { [DDB_T_S] = "STRING",
		[DDB_T_N] = "NUMBER", [DDB_T_B] = "BINARY",
		[DDB_T_BOOL] = "BOOLEAN", [DDB_T_NULL] = "NULL",
		[DDB_T_M] = "MAP", [DDB_T_L] = "LIST", [DDB_T_SS] = "SS",
		[DDB_T_NS] = "NS", [DDB_T_BS] = "BS", [DDB_T_BAD] = "?" };

	return w[t];
}

int
expr_update_check(const struct expr *e, struct ddb_err *err)
{
	const struct action *a;
	enum ddb_type t;
	size_t i;
	bool ok;

	for (i = 0; i < e->nacts; i++) {
		a = &e->acts[i];
		if (a->kind != ACT_ADD && a->kind != ACT_DELETE)
			continue;
		t = ddb_val_type(a->val->val);
		ok = is_set(t) || (a->kind == ACT_ADD && (t == DDB_T_N ||
		    (a->legacy && t == DDB_T_L)));
		if (!ok)
			return ddb_fail(err, DDB_VALIDATION, "Invalid "
			    "UpdateExpression: Incorrect operand type for "
			    "operator or function; operator: %s, operand "
			    "type: %s", a->kind == ACT_ADD ? "ADD" : "DELETE",
			    type_word(t));
	}
	return 0;
}

/* ---- writing ---- */

/* Path order: element by element, names by bytes, indexes by value, a
 * name before an index, a prefix first. */
static int
path_cmp(const struct path *x, const struct path *y)
{
	size_t i, n = x->n < y->n ? x->n : y->n;
	int c;

	for (i = 0; i < n; i++) {
		const struct path_elem *a = &x->el[i], *b = &y->el[i];

		if ((a->name == NULL) != (b->name == NULL))
			return a->name != NULL ? -1 : 1;
		if (a->name != NULL && (c = strcmp(a->name, b->name)) != 0)
			return c;
		if (a->name == NULL && a->index != b->index)
			return a->index < b->index ? -1 : 1;
	}
	return x->n < y->n ? -1 : x->n > y->n;
}

static int
step_cmp(const void *x, const void *y)
{
	return path_cmp(&((const struct step *)x)->a->path,
	    &((const struct step *)y)->a->path);
}

/* The container holding p's last element, of the kind that element needs
 * (the item object or a map's object for a name, a list's array for an
 * index); NULL if the enclosing attribute is absent or of another type. */
static cJSON *
parent_of(cJSON *item, const struct path *p)
{
	struct path up = { p->el, p->n - 1 };
	bool want_map = p->el[p->n - 1].name != NULL;
	cJSON *av;

	if (p->n == 1)
		return item;
	av = (cJSON *)expr_path_get(item, &up);
	if (av == NULL || ddb_val_type(av) != (want_map ? DDB_T_M :
	    DDB_T_L))
		return NULL;
	return ddb_val_inner(av);
}

/* Write v (taken) at p: a member is replaced or added; a list index past
 * the end appends. */
static int
put_at(cJSON *item, const struct path *p, cJSON *v, struct ddb_err *err)
{
	const struct path_elem *last = &p->el[p->n - 1];
	cJSON *c = parent_of(item, p);

	if (c == NULL) {
		cJSON_Delete(v);
		return ddb_fail(err, DDB_VALIDATION, BAD_PATH);
	}
	if (last->name != NULL) {
		if (cJSON_GetObjectItemCaseSensitive(c, last->name) != NULL)
			cJSON_ReplaceItemInObjectCaseSensitive(c, last->name, v);
		else
			cJSON_AddItemToObject(c, last->name, v);
	} else if (last->index < (size_t)cJSON_GetArraySize(c)) {
		cJSON_ReplaceItemInArray(c, (int)last->index, v);
	} else {
		cJSON_AddItemToArray(c, v);
	}
	return 0;
}

/* Remove p: an absent member or an index past the end is no change; an
 * absent or mistyped enclosing attribute is an invalid path. */
static int
remove_at(cJSON *item, const struct path *p, struct ddb_err *err)
{
	const struct path_elem *last = &p->el[p->n - 1];
	cJSON *c = parent_of(item, p);

	if (c == NULL)
		return ddb_fail(err, DDB_VALIDATION, BAD_PATH);
	if (last->name != NULL)
		cJSON_DeleteItemFromObjectCaseSensitive(c, last->name);
	else if (last->index < (size_t)cJSON_GetArraySize(c))
		cJSON_DeleteItemFromArray(c, (int)last->index);
	return 0;
}

/* Writes in path order, then removals highest path first. */
static int
apply_steps(cJSON *item, struct step *st, size_t n, struct ddb_err *err)
{
	size_t i;
	int rc = 0;

	qsort(st, n, sizeof(*st), step_cmp);
	for (i = 0; i < n && rc == 0; i++) {
		if (st[i].skip || st[i].val == NULL)
			continue;
		rc = put_at(item, &st[i].a->path, st[i].val, err);
		st[i].val = NULL;
	}
	for (i = n; i > 0 && rc == 0; i--)
		if (st[i - 1].rm)
			rc = remove_at(item, &st[i - 1].a->path, err);
	return rc;
}

int
expr_update(const struct expr *e, cJSON *item, struct ddb_err *err)
{
	struct step *st;
	size_t i;
	int rc = 0;

	if (expr_update_check(e, err) != 0)
		return -1;
	st = expr_xcalloc(e->nacts ? e->nacts : 1, sizeof(*st));
	/* Every outcome against the item as it was, before any write. */
	for (i = 0; i < e->nacts && rc == 0; i++) {
		st[i].a = &e->acts[i];
		rc = step_of(&st[i], item, err);
	}
	if (rc == 0)
		rc = apply_steps(item, st, e->nacts, err);
	for (i = 0; i < e->nacts; i++)
		cJSON_Delete(st[i].val);
	free(st);
	return rc;
}

/* ---- targets and projection ---- */

size_t
expr_update_targets(const struct expr *e, const char **names, size_t max)
{
	size_t i, k, n = 0;
	const char *name;

	for (i = 0; i < e->nacts; i++) {
		name = e->acts[i].path.el[0].name;
		for (k = 0; k < i; k++)
			if (strcmp(e->acts[k].path.el[0].name, name) == 0)
				break;
		if (k < i)
			continue;	/* counted already */
		if (n < max)
			names[n] = name;
		n++;
	}
	return n;
}

cJSON *
expr_update_project(const struct expr *e, const cJSON *item)
{
	struct expr proj = { .kind = EXPR_PROJECTION };
	cJSON *out;
	size_t i;

	if (item == NULL)
		return NULL;
	/* The paths are borrowed: proj is never freed with expr_free. */
	proj.paths = expr_xcalloc(e->nacts ? e->nacts : 1,
	    sizeof(*proj.paths));
	for (i = 0; i < e->nacts; i++)
		proj.paths[i] = e->acts[i].path;
	proj.npaths = e->nacts;
	out = expr_project(&proj, item);
	free(proj.paths);
	return out;
}
