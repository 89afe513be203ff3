/*
 * expr_eval: evaluation of parsed conditions and filters against an item,
 * projections (which keep the enclosing maps and lists of nested paths),
 * and the split of a key condition into the engine's struct key_cond.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "expr_int.h"
#include "value.h"

const cJSON *
expr_path_get(const cJSON *item, const struct path *p)
{
	const cJSON *cur = item, *in;
	size_t i;

	if (item == NULL || p->n == 0 || p->el[0].name == NULL)
		return NULL;
	cur = cJSON_GetObjectItemCaseSensitive(item, p->el[0].name);
	for (i = 1; cur != NULL && i < p->n; i++) {
		enum ddb_type t = ddb_val_type(cur);

		in = ddb_val_inner(cur);
		if (p->el[i].name != NULL)
			cur = t == DDB_T_M ? cJSON_GetObjectItemCaseSensitive(
			    in, p->el[i].name) : NULL;
		else
			cur = t == DDB_T_L ? cJSON_GetArrayItem(in,
			    (int)p->el[i].index) : NULL;
	}
	return cur;
}

/* The size() of av as a new {"N":..}, or NULL when it has none. */
static cJSON *
size_of(const cJSON *av)
{
	const cJSON *in = ddb_val_inner(av);
	struct buf b;
	char num[32];
	size_t n;

	switch (ddb_val_type(av)) {
	case DDB_T_S:
		n = strlen(in->valuestring);
		break;
	case DDB_T_B:
		buf_init(&b);
		if (ddb_b64_decode(in->valuestring, strlen(in->valuestring),
		    &b) != 0) {
			buf_free(&b);
			return NULL;
		}
		n = b.len;
		buf_free(&b);
		break;
	case DDB_T_M: case DDB_T_L: case DDB_T_SS: case DDB_T_NS:
	case DDB_T_BS:
		n = (size_t)cJSON_GetArraySize(in);
		break;
	default:
		return NULL;
	}
	snprintf(num, sizeof(num), "%zu", n);
	in = cJSON_CreateObject();
	cJSON_AddStringToObject((cJSON *)in, "N", num);
	return (cJSON *)in;
}

/* An operand's value (NULL if absent); *tmp is set when it is new. */
static const cJSON *
operand(const struct node *n, const cJSON *item, cJSON **tmp)
{
	const cJSON *v;

	*tmp = NULL;
	switch (n->op) {
	case N_VALUE:
		return n->val;
	case N_PATH:
		return expr_path_get(item, &n->path);
	case N_SIZE:
		v = expr_path_get(item, &n->path);
		if (v == NULL)
			return NULL;
		*tmp = size_of(v);
		return *tmp;
	default:
		return NULL;
	}
}

static bool
compare(enum cmp_op op, const cJSON *a, const cJSON *b)
{
	int r;

	if (a == NULL || b == NULL)
		return false;
	if (op == CMP_EQ)
		return ddb_val_equal(a, b);
	if (op == CMP_NE)
		return !ddb_val_equal(a, b);
	if (ddb_val_cmp(a, b, &r) != 0)
		return false;
	switch (op) {
	case CMP_LT: return r < 0;
	case CMP_LE: return r <= 0;
	case CMP_GT: return r > 0;
	default: return r >= 0;
	}
}

/* Decoded bytes of a B value's base64 text s into out. */
static int
bytes_of(const char *s, struct buf *out)
{
	buf_init(out);
	return ddb_b64_decode(s, strlen(s), out);
}

static bool
begins(const cJSON *x, const cJSON *pre)
{
	enum ddb_type t = ddb_val_type(x);
	const char *a, *b;
	struct buf ba, bb;
	bool r;

	if (x == NULL || pre == NULL || t != ddb_val_type(pre) ||
	    (t != DDB_T_S && t != DDB_T_B))
		return false;
	a = ddb_val_inner(x)->valuestring;
	b = ddb_val_inner(pre)->valuestring;
	if (t == DDB_T_S)
		return strncmp(a, b, strlen(b)) == 0;
	r = bytes_of(a, &ba) == 0 && bytes_of(b, &bb) == 0 &&
	    ba.len >= bb.len &&
	    (bb.len == 0 || memcmp(ba.data, bb.data, bb.len) == 0);
	buf_free(&ba);
	buf_free(&bb);
	return r;
}

/* Is v an element of the set or list x? */
static bool
member(const cJSON *x, const cJSON *v)
{
	static const enum ddb_type elem[] = {
		[DDB_T_SS] = DDB_T_S, [DDB_T_NS] = DDB_T_N,
		[DDB_T_BS] = DDB_T_B };
	enum ddb_type t = ddb_val_type(x);
	const cJSON *it;
	cJSON *tmp;
	bool r = false;

	cJSON_ArrayForEach(it, ddb_val_inner(x)) {
		if (t == DDB_T_L) {
			r = ddb_val_equal(it, v);
		} else {
			tmp = cJSON_CreateObject();
			cJSON_AddStringToObject(tmp,
			    ddb_type_name(elem[t]), it->valuestring);
			r = ddb_val_equal(tmp, v);
			cJSON_Delete(tmp);
		}
		if (r)
			return true;
	}
	return false;
}

static bool
contains(const cJSON *x, const cJSON *v)
{
	enum ddb_type t = ddb_val_type(x);

	if (x == NULL || v == NULL)
		return false;
	if (t == DDB_T_S)
		return ddb_val_type(v) == DDB_T_S && strstr(
		    ddb_val_inner(x)->valuestring,
		    ddb_val_inner(v)->valuestring) != NULL;
	if (t == DDB_T_SS || t == DDB_T_NS || t == DDB_T_BS || t == DDB_T_L)
		return member(x, v);
	return false;
}

/* A leaf predicate over its operands' values v[0..n). */
static bool
leaf(const struct node *n, const cJSON *const *v, size_t nv)
{
	size_t i;
	int lo, hi;

	switch (n->op) {
	case N_CMP:
		return compare(n->cmp, v[0], v[1]);
	case N_BETWEEN:
		return v[0] && v[1] && v[2] &&
		    ddb_val_cmp(v[1], v[0], &lo) == 0 && lo <= 0 &&
		    ddb_val_cmp(v[0], v[2], &hi) == 0 && hi <= 0;
	case N_IN:
		for (i = 1; v[0] != NULL && i < nv; i++)
			if (v[i] != NULL && ddb_val_equal(v[0], v[i]))
				return true;
		return false;
	case N_EXISTS:
		return v[0] != NULL;
	case N_NOT_EXISTS:
		return v[0] == NULL;
	case N_TYPE:
		return v[0] && v[1] && ddb_val_type(v[1]) == DDB_T_S &&
		    ddb_val_type(v[0]) == ddb_type_parse(
		    ddb_val_inner(v[1])->valuestring);
	case N_BEGINS:
		return begins(v[0], v[1]);
	case N_CONTAINS:
		return contains(v[0], v[1]);
	default:
		return false;
	}
}

static bool
eval_node(const struct node *n, const cJSON *item)
{
	const cJSON *v[EXPR_IN_MAX + 2] = { NULL };
	cJSON *tmp[EXPR_IN_MAX + 2] = { NULL };
	size_t i, nv;
	bool r;

	switch (n->op) {
	case N_AND:
		return eval_node(n->kid[0], item) && eval_node(n->kid[1], item);
	case N_OR:
		return eval_node(n->kid[0], item) || eval_node(n->kid[1], item);
	case N_NOT:
		return !eval_node(n->kid[0], item);
	default:
		break;
	}
	nv = n->nkid < EXPR_IN_MAX + 2 ? n->nkid : EXPR_IN_MAX + 2;
	for (i = 0; i < nv; i++)
		v[i] = operand(n->kid[i], item, &tmp[i]);
	r = leaf(n, v, nv);
	for (i = 0; i < nv; i++)
		cJSON_Delete(tmp[i]);
	return r;
}

int
expr_eval(const struct expr *e, const cJSON *item, bool *res,
    struct ddb_err *err)
{
	(void)err;
	*res = e->cond != NULL ? eval_node(e->cond, item) : true;
	return 0;
}

/* ---- projection ---- */

/* The part of src (an AttributeValue, or at depth 0 the item object)
 * that the paths in ps[0..n) select below depth; NULL if none. */
static cJSON *
project(const cJSON *src, const struct path *const *ps, size_t n,
    size_t depth)
{
	const struct path **sub;
	const cJSON *in, *it;
	cJSON *out, *into, *c;
	size_t i, k, m, idx = 0;
	bool map;

	for (i = 0; i < n; i++)
		if (ps[i]->n == depth)
			return cJSON_Duplicate(src, 1);
	if (depth == 0) {
		map = true;
		in = src;
	} else {
		map = ddb_val_type(src) == DDB_T_M;
		if (!map && ddb_val_type(src) != DDB_T_L)
			return NULL;
		in = ddb_val_inner(src);
	}
	into = map ? cJSON_CreateObject() : cJSON_CreateArray();
	sub = expr_xcalloc(n, sizeof(*sub));
	cJSON_ArrayForEach(it, in) {
		for (k = m = 0; k < n; k++) {
			const struct path_elem *el = &ps[k]->el[depth];

			if (map ? el->name != NULL && strcmp(el->name,
			    it->string) == 0 : el->name == NULL &&
			    el->index == idx)
				sub[m++] = ps[k];
		}
		idx++;
		c = m ? project(it, sub, m, depth + 1) : NULL;
		if (c == NULL)
			continue;
		if (map)
			cJSON_AddItemToObject(into, it->string, c);
		else
			cJSON_AddItemToArray(into, c);
	}
	free(sub);
	if (depth == 0)
		return into;
	if (into->child == NULL) {
		cJSON_Delete(into);
		return NULL;
	}
	out = cJSON_CreateObject();
	cJSON_AddItemToObject(out, map ? "M" : "L", into);
	return out;
}

cJSON *
expr_project(const struct expr *e, const cJSON *item)
{
	const struct path **ps;
	cJSON *out;
	size_t i;

	if (item == NULL)
		return NULL;
	ps = expr_xcalloc(e->npaths ? e->npaths : 1, sizeof(*ps));
	for (i = 0; i < e->npaths; i++)
		ps[i] = &e->paths[i];
	out = project(item, ps, e->npaths, 0);
	free(ps);
	return out;
}

/* ---- key condition split ---- */

#define KEY_LEAVES_MAX	8

/* The leaves of an AND tree into leaves[]; *bad for other shapes (OR,
 * NOT, IN, <>, too many conditions). */
static void
key_leaves(const struct node *n, const struct node **leaves, size_t *nl,
    bool *bad)
{
	if (n->op == N_AND) {
		key_leaves(n->kid[0], leaves, nl, bad);
		key_leaves(n->kid[1], leaves, nl, bad);
		return;
	}
	if ((n->op != N_CMP && n->op != N_BETWEEN && n->op != N_BEGINS) ||
	    (n->op == N_CMP && n->cmp == CMP_NE) || *nl == KEY_LEAVES_MAX) {
		*bad = true;
		return;
	}
	leaves[(*nl)++] = n;
}

/* The single attribute name a leaf constrains, with its values. */
static const char *
leaf_name(const struct node *n)
{
	size_t i;

	if (n->kid[0]->op != N_PATH || n->kid[0]->path.n != 1 ||
	    n->kid[0]->path.el[0].name == NULL)
		return NULL;
	for (i = 1; i < n->nkid; i++)
		if (n->kid[i]->op != N_VALUE)
			return NULL;
	return n->kid[0]->path.el[0].name;
}

static void
key_range(const struct node *n, struct key_cond *out)
{
	static const enum key_op ops[] = { [CMP_EQ] = KEY_EQ,
		[CMP_LT] = KEY_LT, [CMP_LE] = KEY_LE, [CMP_GT] = KEY_GT,
		[CMP_GE] = KEY_GE };

	out->range_name = n->kid[0]->path.el[0].name;
	out->op = n->op == N_BETWEEN ? KEY_BETWEEN : n->op == N_BEGINS ?
	    KEY_BEGINS_WITH : ops[n->cmp];
	out->v1 = n->kid[1]->val;
	out->v2 = n->op == N_BETWEEN ? n->kid[2]->val : NULL;
}

int
expr_key_split(const struct expr *e, const char *hash_name,
    const char *range_name, struct key_cond *out, struct ddb_err *err)
{
	const struct node *leaves[KEY_LEAVES_MAX], *hash = NULL, *range = NULL;
	const char *name;
	size_t i, nl = 0;
	bool bad = e->cond == NULL, shape;

	memset(out, 0, sizeof(*out));
	if (e->cond != NULL)
		key_leaves(e->cond, leaves, &nl, &bad);
	shape = !bad;
	for (i = 0; i < nl; i++) {
		name = leaf_name(leaves[i]);
		if (name == NULL)
			shape = false;
		else if (hash == NULL && strcmp(name, hash_name) == 0 &&
		    leaves[i]->op == N_CMP && leaves[i]->cmp == CMP_EQ)
			hash = leaves[i];
		else if (range == NULL && range_name != NULL &&
		    strcmp(name, range_name) == 0)
			range = leaves[i];
		else
			shape = false;
	}
	if (hash == NULL)
		return ddb_fail(err, DDB_VALIDATION, "Query condition missed "
		    "key schema element: %s", hash_name);
	if (!shape)
		return ddb_fail(err, DDB_VALIDATION,
		    "Query key condition not supported");
	out->hash_name = hash_name;
	out->hash_val = hash->kid[1]->val;
	if (range != NULL)
		key_range(range, out);
	return 0;
}
