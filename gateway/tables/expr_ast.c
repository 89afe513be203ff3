/*
 * expr_ast: the parsed form's small helpers (nodes, paths, the overlap
 * check shared by updates and projections) and the request's placeholder
 * context (expr_ctx_*): which #names and :values exist, which were used.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expr_int.h"
#include "value.h"

const char *
expr_kind_name(enum expr_kind kind)
{
	switch (kind) {
	case EXPR_CONDITION:	return "ConditionExpression";
	case EXPR_FILTER:	return "FilterExpression";
	case EXPR_KEY_CONDITION: return "KeyConditionExpression";
	case EXPR_PROJECTION:	return "ProjectionExpression";
	case EXPR_UPDATE:	return "UpdateExpression";
	}
	return "Expression";
}

void *
expr_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		abort();
	return p;
}

struct node *
expr_node_new(enum node_op op)
{
	struct node *n = expr_xcalloc(1, sizeof(*n));

	n->op = op;
	return n;
}

void
expr_node_add(struct node *n, struct node *kid)
{
	struct node **k = realloc(n->kid, (n->nkid + 1) * sizeof(*k));

	if (k == NULL)
		abort();
	k[n->nkid++] = kid;
	n->kid = k;
}

void
expr_node_free(struct node *n)
{
	size_t i;

	if (n == NULL)
		return;
	for (i = 0; i < n->nkid; i++)
		expr_node_free(n->kid[i]);
	free(n->kid);
	expr_path_free(&n->path);
	free(n);
}

void
expr_path_free(struct path *p)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		free(p->el[i].name);
	free(p->el);
	p->el = NULL;
	p->n = 0;
}

static struct path_elem *
path_grow(struct path *p)
{
	struct path_elem *el = realloc(p->el, (p->n + 1) * sizeof(*el));

	if (el == NULL)
		abort();
	p->el = el;
	memset(&el[p->n], 0, sizeof(*el));
	return &el[p->n++];
}

void
expr_path_add_name(struct path *p, const char *name, size_t len)
{
	struct path_elem *e = path_grow(p);

	e->name = malloc(len + 1);
	if (e->name == NULL)
		abort();
	memcpy(e->name, name, len);
	e->name[len] = '\0';
}

void
expr_path_add_index(struct path *p, size_t index)
{
	path_grow(p)->index = index;
}

int
expr_path_copy(struct path *dst, const struct path *src)
{
	size_t i;

	memset(dst, 0, sizeof(*dst));
	for (i = 0; i < src->n; i++) {
		if (src->el[i].name != NULL)
			expr_path_add_name(dst, src->el[i].name,
			    strlen(src->el[i].name));
		else
			expr_path_add_index(dst, src->el[i].index);
	}
	return 0;
}

void
expr_path_format(const struct path *p, char *out, size_t size)
{
	size_t i, off = 0;
	int w;

	w = snprintf(out, size, "[");
	for (i = 0; i < p->n && w >= 0 && (size_t)w < size - off; i++) {
		off += (size_t)w;
		if (p->el[i].name != NULL)
			w = snprintf(out + off, size - off, "%s%s",
			    i ? ", " : "", p->el[i].name);
		else
			w = snprintf(out + off, size - off, "%s[%zu]",
			    i ? ", " : "", p->el[i].index);
	}
	if (w >= 0 && (size_t)w < size - off) {
		off += (size_t)w;
		snprintf(out + off, size - off, "]");
	}
}

cJSON *
expr_own(struct expr *e, cJSON *v)
{
	cJSON **o = realloc(e->owned, (e->nowned + 1) * sizeof(*o));

	if (o == NULL)
		abort();
	o[e->nowned++] = v;
	e->owned = o;
	return v;
}

void
expr_free(struct expr *e)
{
	size_t i;

	if (e == NULL)
		return;
	expr_node_free(e->cond);
	for (i = 0; i < e->npaths; i++)
		expr_path_free(&e->paths[i]);
	free(e->paths);
	for (i = 0; i < e->nacts; i++) {
		expr_path_free(&e->acts[i].path);
		expr_node_free(e->acts[i].val);
	}
	free(e->acts);
	for (i = 0; i < e->nowned; i++)
		cJSON_Delete(e->owned[i]);
	free(e->owned);
	free(e);
}

/*
 * 0: the paths are disjoint; 1: one is a prefix of the other (overlap);
 * 2: at some level one takes a member and the other an index (conflict).
 */
static int
path_relation(const struct path *a, const struct path *b)
{
	size_t i, n = a->n < b->n ? a->n : b->n;

	for (i = 0; i < n; i++) {
		const struct path_elem *x = &a->el[i], *y = &b->el[i];

		if ((x->name == NULL) != (y->name == NULL))
			return 2;
		if (x->name != NULL ? strcmp(x->name, y->name) != 0 :
		    x->index != y->index)
			return 0;
	}
	return 1;
}

int
expr_paths_check(const struct path *const *paths, size_t n,
    enum expr_kind kind, struct ddb_err *err)
{
	char one[256], two[256];
	size_t i, j;
	int rel;

	for (i = 0; i < n; i++) {
		for (j = i + 1; j < n; j++) {
			rel = path_relation(paths[i], paths[j]);
			if (rel == 0)
				continue;
			expr_path_format(paths[i], one, sizeof(one));
			expr_path_format(paths[j], two, sizeof(two));
			return ddb_fail(err, DDB_VALIDATION, "Invalid %s: Two "
			    "document paths %s with each other; must remove or "
			    "rewrite one of these paths; path one: %s, path "
			    "two: %s", expr_kind_name(kind),
			    rel == 1 ? "overlap" : "conflict", one, two);
		}
	}
	return 0;
}

/* ---- the request's placeholders ---- */

static int
ctx_check_names(cJSON *names, struct ddb_err *err)
{
	cJSON *it;

	if (!cJSON_IsObject(names))
		return ddb_fail(err, DDB_VALIDATION,
		    "ExpressionAttributeNames must be a map");
	if (names->child == NULL)
		return ddb_fail(err, DDB_VALIDATION,
		    "ExpressionAttributeNames must not be empty");
	cJSON_ArrayForEach(it, names) {
		if (it->string[0] != '#' || it->string[1] == '\0')
			return ddb_fail(err, DDB_VALIDATION,
			    "ExpressionAttributeNames contains invalid key: "
			    "Syntax error; key: \"%s\"", it->string);
		if (!cJSON_IsString(it) || it->valuestring[0] == '\0')
			return ddb_fail(err, DDB_VALIDATION,
			    "ExpressionAttributeNames contains invalid value: "
			    "Empty attribute name for key %s", it->string);
	}
	return 0;
}

static int
ctx_check_values(cJSON *values, struct ddb_err *err)
{
	struct ddb_err verr = { 0 };
	cJSON *it;

	if (!cJSON_IsObject(values))
		return ddb_fail(err, DDB_VALIDATION,
		    "ExpressionAttributeValues must be a map");
	if (values->child == NULL)
		return ddb_fail(err, DDB_VALIDATION,
		    "ExpressionAttributeValues must not be empty");
	cJSON_ArrayForEach(it, values) {
		if (it->string[0] != ':' || it->string[1] == '\0')
			return ddb_fail(err, DDB_VALIDATION,
			    "ExpressionAttributeValues contains invalid key: "
			    "Syntax error; key: \"%s\"", it->string);
		if (ddb_val_check(it, &verr) != 0)
			return ddb_fail(err, DDB_VALIDATION,
			    "ExpressionAttributeValues contains invalid value: "
			    "%s for key %s", verr.msg, it->string);
	}
	return 0;
}

int
expr_ctx_init(struct expr_ctx *ctx, cJSON *names, cJSON *values,
    struct ddb_err *err)
{
	memset(ctx, 0, sizeof(*ctx));
	if (names != NULL && ctx_check_names(names, err) != 0)
		return -1;
	if (values != NULL && ctx_check_values(values, err) != 0)
		return -1;
	ctx->names = names;
	ctx->values = values;
	ctx->nnames = names ? (size_t)cJSON_GetArraySize(names) : 0;
	ctx->nvalues = values ? (size_t)cJSON_GetArraySize(values) : 0;
	ctx->used_names = expr_xcalloc(ctx->nnames, 1);
	ctx->used_values = expr_xcalloc(ctx->nvalues, 1);
	return 0;
}

void
expr_ctx_free(struct expr_ctx *ctx)
{
	free(ctx->used_names);
	free(ctx->used_values);
	ctx->used_names = ctx->used_values = NULL;
	ctx->nnames = ctx->nvalues = 0;
}

/* The unused keys of map as "{:a, :b}" into out; how many there were. */
static size_t
ctx_unused(const cJSON *map, const unsigned char *used, size_t n,
    char *out, size_t size)
{
	const cJSON *it;
	size_t i = 0, count = 0, off = 1;

	snprintf(out, size, "{");
	cJSON_ArrayForEach(it, map) {
		if (i < n && !used[i]) {
			if (off < size)
				off += (size_t)snprintf(out + off, size - off,
				    "%s%s", count ? ", " : "", it->string);
			count++;
		}
		i++;
	}
	if (off < size)
		snprintf(out + off, size - off, "}");
	return count;
}

int
expr_ctx_check_unused(const struct expr_ctx *ctx, struct ddb_err *err)
{
	char keys[768];

	if (ctx->values != NULL && ctx_unused(ctx->values, ctx->used_values,
	    ctx->nvalues, keys, sizeof(keys)) > 0)
		return ddb_fail(err, DDB_VALIDATION, "Value provided in "
		    "ExpressionAttributeValues unused in expressions: keys: %s",
		    keys);
	if (ctx->names != NULL && ctx_unused(ctx->names, ctx->used_names,
	    ctx->nnames, keys, sizeof(keys)) > 0)
		return ddb_fail(err, DDB_VALIDATION, "Value provided in "
		    "ExpressionAttributeNames unused in expressions: keys: %s",
		    keys);
	return 0;
}
