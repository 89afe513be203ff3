/*
 * partiql_tr: PartiQL statements, once parsed (partiql_parse.c), into
 * engine requests: conditions printed as DynamoDB expression text with
 * #n / :v placeholders, key conditions picked out of the WHERE clause's
 * top-level AND, and SELECT / INSERT / UPDATE / DELETE each into its
 * operation.  See partiql.h.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "partiql.h"
#include "partiql_int.h"

/* The request's placeholder maps while expressions are printed. */
struct emit {
	cJSON		*ean, *eav;
	int		 nn, nv;
};

/* ---- printing expressions ---- */

static void
emit_name(struct emit *e, struct buf *b, const char *name)
{
	const cJSON *it;
	char ph[16];

	cJSON_ArrayForEach(it, e->ean)
		if (strcmp(it->valuestring, name) == 0) {
			buf_adds(b, it->string);
			return;
		}
	snprintf(ph, sizeof(ph), "#n%d", e->nn++);
	cJSON_AddStringToObject(e->ean, ph, name);
	buf_adds(b, ph);
}

static void
emit_path(struct emit *e, struct buf *b, const cJSON *path)
{
	const cJSON *el;

	cJSON_ArrayForEach(el, path) {
		if (cJSON_IsNumber(el))
			buf_printf(b, "[%d]", el->valueint);
		else {
			if (el != path->child)
				buf_addc(b, '.');
			emit_name(e, b, el->valuestring);
		}
	}
}

static void
emit_val(struct emit *e, struct buf *b, const cJSON *av)
{
	char ph[16];

	snprintf(ph, sizeof(ph), ":v%d", e->nv++);
	cJSON_AddItemToObject(e->eav, ph, cJSON_Duplicate(av, 1));
	buf_adds(b, ph);
}

static void
emit_node(struct emit *e, struct buf *b, const struct node *n)
{
	size_t i;

	switch (n->k) {
	case N_PATH:
		emit_path(e, b, n->path);
		break;
	case N_VAL:
		emit_val(e, b, n->val);
		break;
	case N_AND: case N_OR:
		buf_addc(b, '(');
		emit_node(e, b, n->a[0]);
		buf_adds(b, n->k == N_AND ? ") AND (" : ") OR (");
		emit_node(e, b, n->a[1]);
		buf_addc(b, ')');
		break;
	case N_NOT:
		buf_adds(b, "NOT (");
		emit_node(e, b, n->a[0]);
		buf_addc(b, ')');
		break;
	case N_CMP:
		emit_node(e, b, n->a[0]);
		buf_printf(b, " %s ", n->op);
		emit_node(e, b, n->a[1]);
		break;
	case N_BETWEEN:
		emit_node(e, b, n->a[0]);
		buf_adds(b, " BETWEEN ");
		emit_node(e, b, n->a[1]);
		buf_adds(b, " AND ");
		emit_node(e, b, n->a[2]);
		break;
	case N_IN:
		emit_node(e, b, n->a[0]);
		buf_adds(b, " IN (");
		for (i = 0; i < n->nlist; i++) {
			if (i > 0)
				buf_adds(b, ", ");
			emit_node(e, b, n->list[i]);
		}
		buf_addc(b, ')');
		break;
	case N_FUNC:
		buf_printf(b, "%s(", n->fname);
		for (i = 0; i < 3 && n->a[i] != NULL; i++) {
			if (i > 0)
				buf_adds(b, ", ");
			emit_node(e, b, n->a[i]);
		}
		buf_addc(b, ')');
		break;
	}
}

/* Conditions ANDed, printed into b (which may already hold some). */
static void
emit_and(struct emit *e, struct buf *b, struct node *const *c, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		buf_adds(b, b->len > 0 ? " AND (" : "(");
		emit_node(e, b, c[i]);
		buf_addc(b, ')');
	}
}

static void
req_add_text(cJSON *req, const char *member, struct buf *b)
{
	if (b->len > 0)
		cJSON_AddStringToObject(req, member, b->data);
	buf_free(b);
}

/* The placeholder maps into req (when not empty). */
static void
req_add_maps(cJSON *req, struct emit *e)
{
	if (e->ean->child != NULL)
		cJSON_AddItemToObject(req, "ExpressionAttributeNames", e->ean);
	else
		cJSON_Delete(e->ean);
	if (e->eav->child != NULL)
		cJSON_AddItemToObject(req, "ExpressionAttributeValues", e->eav);
	else
		cJSON_Delete(e->eav);
	e->ean = e->eav = NULL;
}

/* ---- key conditions ---- */

struct conj {
	struct node	**c;
	size_t		 n;
};

static void
conj_add(struct conj *cj, struct node *n)
{
	if (n->k == N_AND) {
		conj_add(cj, n->a[0]);
		conj_add(cj, n->a[1]);
		return;
	}
	cj->c = realloc(cj->c, (cj->n + 1) * sizeof(*cj->c));
	if (cj->c == NULL)
		abort();
	cj->c[cj->n++] = n;
}

static void
conj_del(struct conj *cj, size_t i)
{
	memmove(cj->c + i, cj->c + i + 1, (cj->n - i - 1) * sizeof(*cj->c));
	cj->n--;
}

static bool
is_name(const struct node *n, const char *name)
{
	return name != NULL && n->k == N_PATH &&
	    cJSON_GetArraySize(n->path) == 1 &&
	    strcmp(n->path->child->valuestring, name) == 0;
}

static bool
mentions(const struct node *n, const char *name)
{
	size_t i;

	if (n == NULL || name == NULL)
		return false;
	if (n->k == N_PATH)
		return strcmp(n->path->child->valuestring, name) == 0;
	for (i = 0; i < 3; i++)
		if (mentions(n->a[i], name))
			return true;
	for (i = 0; i < n->nlist; i++)
		if (mentions(n->list[i], name))
			return true;
	return false;
}

static bool
val_of_type(const struct node *n, enum ddb_type t)
{
	const char *want = t == DDB_T_S ? "S" : t == DDB_T_N ? "N" : "B";

	return n->k == N_VAL && n->val->child != NULL &&
	    strcmp(n->val->child->string, want) == 0;
}

/* The value node of `name = value` (either side), or NULL. */
static const struct node *
key_eq(const struct node *n, const char *name, enum ddb_type t)
{
	if (n->k != N_CMP || strcmp(n->op, "=") != 0)
		return NULL;
	if (is_name(n->a[0], name) && val_of_type(n->a[1], t))
		return n->a[1];
	if (is_name(n->a[1], name) && val_of_type(n->a[0], t))
		return n->a[0];
	return NULL;
}

/* A range-key condition a Query accepts, printed as `key op :v`. */
static bool
range_cond(struct emit *e, struct buf *b, const struct node *n,
    const struct key_schema *ks)
{
	static const char *flip[][2] = { { "<", ">" }, { "<=", ">=" },
	    { ">", "<" }, { ">=", "<=" }, { "=", "=" } };
	const char *r = ks->range;
	size_t i;

	if (n->k == N_BETWEEN && is_name(n->a[0], r) &&
	    val_of_type(n->a[1], ks->range_type) &&
	    val_of_type(n->a[2], ks->range_type)) {
		if (b != NULL)
			emit_node(e, b, n);
		return true;
	}
	if (n->k == N_FUNC && strcmp(n->fname, "begins_with") == 0 &&
	    is_name(n->a[0], r) && n->a[1] != NULL &&
	    val_of_type(n->a[1], ks->range_type) && n->a[2] == NULL) {
		if (b != NULL)
			emit_node(e, b, n);
		return true;
	}
	if (n->k != N_CMP)
		return false;
	for (i = 0; i < 5; i++) {
		if (strcmp(n->op, flip[i][0]) != 0)
			continue;
		if (is_name(n->a[0], r) && val_of_type(n->a[1], ks->range_type)) {
			if (b != NULL)
				emit_node(e, b, n);
			return true;
		}
		if (is_name(n->a[1], r) && val_of_type(n->a[0], ks->range_type)) {
			if (b != NULL) {
				emit_node(e, b, n->a[1]);
				buf_printf(b, " %s ", flip[i][1]);
				emit_node(e, b, n->a[0]);
			}
			return true;
		}
	}
	return false;
}

/* Take the equalities on every key attribute out of cj into a Key
 * object; NULL (and an error) when one is missing. */
static cJSON *
take_key(struct pq *p, struct conj *cj, const struct key_schema *ks)
{
	const char *names[2] = { ks->hash, ks->range };
	enum ddb_type types[2] = { ks->hash_type, ks->range_type };
	const struct node *v = NULL;
	cJSON *key = cJSON_CreateObject();
	size_t i, k;

	for (k = 0; k < 2 && names[k] != NULL; k++) {
		for (i = 0; i < cj->n; i++)
			if ((v = key_eq(cj->c[i], names[k], types[k])) != NULL)
				break;
		if (i == cj->n) {
			cJSON_Delete(key);
			pq_fail(p, "Where clause does not contain a mandatory "
			    "equality on all key attributes");
			return NULL;
		}
		cJSON_AddItemToObject(key, names[k], cJSON_Duplicate(v->val, 1));
		conj_del(cj, i);
	}
	return key;
}

/* ---- statements ---- */

struct tr {
	struct pq		 p;
	struct emit		 e;
	partiql_keys_fn		 keys;
	void			*arg;
	int			 flags;
	char			*table, *index;
	const struct key_schema	*ks;
	struct partiql_out	*out;
};

/* FROM "table"[."index"] (or the table of INSERT INTO / UPDATE). */
static int
tr_table(struct tr *t, bool index_ok)
{
	if ((t->table = pq_take_name(&t->p)) == NULL)
		return pq_unexpected(&t->p);
	if (index_ok && pq_accept(&t->p, ".") &&
	    (t->index = pq_take_name(&t->p)) == NULL)
		return pq_unexpected(&t->p);
	return 0;
}

static int
tr_end(struct tr *t)
{
	pq_accept(&t->p, ";");
	if (pq_cur(&t->p)->k != T_EOF)
		return pq_unexpected(&t->p);
	if (t->p.nparam != cJSON_GetArraySize(t->p.params))
		return pq_fail(&t->p, "Number of parameters in request and "
		    "statement don't match.");
	if (t->keys(t->arg, t->table, t->index, &t->ks, t->p.err) != 0) {
		t->p.failed = true;
		return -1;
	}
	return 0;
}

static cJSON *
tr_req(struct tr *t, enum tables_op op)
{
	cJSON *req = cJSON_CreateObject();

	cJSON_AddStringToObject(req, "TableName", t->table);
	if (t->index != NULL)
		cJSON_AddStringToObject(req, "IndexName", t->index);
	t->out->op = op;
	t->out->req = req;
	return req;
}

/* A Query when the WHERE pins the hash key (and the rest can be a filter
 * without key attributes), else NULL. */
static cJSON *
select_query(struct tr *t, struct node *w)
{
	struct conj cj = { NULL, 0 };
	struct node *h = NULL, *r = NULL;
	struct buf kc, fl;
	cJSON *req;
	size_t i;

	conj_add(&cj, w);
	for (i = 0; i < cj.n && h == NULL; i++)
		if (key_eq(cj.c[i], t->ks->hash, t->ks->hash_type) != NULL)
			h = cj.c[i], conj_del(&cj, i);
	for (i = 0; h != NULL && t->ks->range != NULL && i < cj.n && r == NULL;
	    i++)
		if (range_cond(NULL, NULL, cj.c[i], t->ks))
			r = cj.c[i], conj_del(&cj, i);
	for (i = 0; h != NULL && i < cj.n; i++)
		if (mentions(cj.c[i], t->ks->hash) ||
		    mentions(cj.c[i], t->ks->range))
			h = NULL;
	if (h == NULL) {
		free(cj.c);
		return NULL;
	}
	buf_init(&kc);
	buf_init(&fl);
	emit_node(&t->e, &kc, h);
	if (r != NULL) {
		buf_adds(&kc, " AND ");
		range_cond(&t->e, &kc, r, t->ks);
	}
	emit_and(&t->e, &fl, cj.c, cj.n);
	free(cj.c);
	req = tr_req(t, TOP_Query);
	req_add_text(req, "KeyConditionExpression", &kc);
	req_add_text(req, "FilterExpression", &fl);
	return req;
}

/* SELECT in a batch or transaction: one item by its whole key. */
static cJSON *
select_get(struct tr *t, struct node *w)
{
	struct conj cj = { NULL, 0 };
	cJSON *key, *req;

	if (t->index != NULL || w == NULL) {
		pq_fail(&t->p, "Where clause does not contain a mandatory "
		    "equality on all key attributes");
		return NULL;
	}
	conj_add(&cj, w);
	key = take_key(&t->p, &cj, t->ks);
	if (key != NULL && cj.n > 0) {
		cJSON_Delete(key);
		key = NULL;
		pq_fail(&t->p, "Only key conditions are supported in the WHERE "
		    "clause of a batched or transactional SELECT");
	}
	free(cj.c);
	if (key == NULL)
		return NULL;
	req = tr_req(t, TOP_GetItem);
	cJSON_AddItemToObject(req, "Key", key);
	return req;
}

static int
tr_select(struct tr *t)
{
	struct pq *p = &t->p;
	struct node *w = NULL;
	struct buf proj, fl;
	cJSON *req;

	buf_init(&proj);
	p->pos++;
	if (!pq_accept(p, "*")) {
		do {
			cJSON *path = pq_parse_path(p);

			if (path == NULL)
				goto fail;
			if (proj.len > 0)
				buf_adds(&proj, ", ");
			emit_path(&t->e, &proj, path);
			cJSON_Delete(path);
		} while (pq_accept(p, ","));
	}
	if (pq_expect_word(p, "FROM") != 0 || tr_table(t, true) != 0)
		goto fail;
	if (pq_accept_word(p, "WHERE") && (w = pq_parse_or(p)) == NULL)
		goto fail;
	if (tr_end(t) != 0)
		goto fail;
	if (t->flags & PQ_GET_ONLY)
		req = select_get(t, w);
	else if (w == NULL || (req = select_query(t, w)) == NULL) {
		req = tr_req(t, TOP_Scan);
		buf_init(&fl);
		if (w != NULL)
			emit_node(&t->e, &fl, w);
		req_add_text(req, "FilterExpression", &fl);
	}
	if (req == NULL)
		goto fail;
	req_add_text(req, "ProjectionExpression", &proj);
	return 0;
fail:
	buf_free(&proj);
	return -1;
}

static int
tr_insert(struct tr *t)
{
	struct pq *p = &t->p;
	struct buf cond;
	cJSON *v, *req;

	p->pos++;
	if (pq_expect_word(p, "INTO") != 0 || tr_table(t, false) != 0 ||
	    pq_expect_word(p, "VALUE") != 0 || (v = pq_parse_value(p)) == NULL)
		return -1;
	if (strcmp(v->child->string, "M") != 0) {
		cJSON_Delete(v);
		return pq_fail(p, "Unsupported operation: INSERT takes one "
		    "item, a map of attribute names to values");
	}
	if (tr_end(t) != 0) {
		cJSON_Delete(v);
		return -1;
	}
	req = tr_req(t, TOP_PutItem);
	cJSON_AddItemToObject(req, "Item", cJSON_DetachItemViaPointer(v,
	    v->child));
	cJSON_Delete(v);
	buf_init(&cond);
	buf_adds(&cond, "attribute_not_exists(");
	emit_name(&t->e, &cond, t->ks->hash);
	buf_addc(&cond, ')');
	req_add_text(req, "ConditionExpression", &cond);
	t->out->insert = true;
	return 0;
}

/* ---- UPDATE and DELETE ---- */

struct upd {
	struct buf	 set, rem, add, del;
};

static int u_term(struct tr *t, struct buf *b);

/* Whether a plain path (no value, no function call) comes next. */
static bool
u_at_path(const struct pq *p)
{
	if (pq_cur(p)->k == T_EOF || pq_at_value(p))
		return false;
	return !(p->t[p->pos + 1].k == T_PUNCT && p->t[p->pos + 1].s[0] == '(');
}

/* path | value | list_append(a, b) | if_not_exists(path, v) */
static int
u_operand(struct tr *t, struct buf *b)
{
	struct pq *p = &t->p;
	cJSON *x;
	bool la = pq_is_word(p, "list_append"), ine = pq_is_word(p, "if_not_exists");

	if (++p->depth > PQ_DEPTH_MAX)
		return pq_fail(p, WF "Nesting too deep");
	p->depth--;
	if ((la || ine) && p->t[p->pos + 1].k == T_PUNCT &&
	    p->t[p->pos + 1].s[0] == '(') {
		p->pos += 2;
		buf_adds(b, la ? "list_append(" : "if_not_exists(");
		p->depth++;
		if (ine && !u_at_path(p))
			return pq_fail(p, "Invalid UpdateExpression: Operator or "
			    "function requires a document path; operator or "
			    "function: if_not_exists");
		if (u_operand(t, b) != 0 || pq_expect(p, ",") != 0)
			return -1;
		buf_adds(b, ", ");
		if (u_operand(t, b) != 0 || pq_expect(p, ")") != 0)
			return -1;
		p->depth--;
		buf_addc(b, ')');
		return 0;
	}
	x = pq_at_value(p) ? pq_parse_value(p) : pq_parse_path(p);
	if (x == NULL)
		return -1;
	if (cJSON_IsArray(x))
		emit_path(&t->e, b, x);
	else
		emit_val(&t->e, b, x);
	cJSON_Delete(x);
	return 0;
}

static int
u_term(struct tr *t, struct buf *b)
{
	if (u_operand(t, b) != 0)
		return -1;
	if (pq_accept(&t->p, "+") || pq_accept(&t->p, "-")) {
		buf_printf(b, " %c ", t->p.t[t->p.pos - 1].s[0]);
		return u_operand(t, b);
	}
	return 0;
}

static void
u_sep(struct buf *b)
{
	if (b->len > 0)
		buf_adds(b, ", ");
}

/* path = term | path = set_add(path, v) | path = set_delete(path, v) */
static int
u_set(struct tr *t, struct upd *u)
{
	struct pq *p = &t->p;
	cJSON *path = pq_parse_path(p), *v;
	bool sa, sd;
	struct buf *b;

	if (path == NULL || pq_expect(p, "=") != 0)
		goto fail;
	sa = pq_is_word(p, "set_add");
	sd = pq_is_word(p, "set_delete");
	if ((sa || sd) && p->t[p->pos + 1].s[0] == '(') {
		p->pos += 2;
		cJSON_Delete(pq_parse_path(p));
		if (p->failed || pq_expect(p, ",") != 0 ||
		    (v = pq_parse_value(p)) == NULL)
			goto fail;
		b = sa ? &u->add : &u->del;
		u_sep(b);
		emit_path(&t->e, b, path);
		buf_addc(b, ' ');
		emit_val(&t->e, b, v);
		cJSON_Delete(v);
		if (pq_expect(p, ")") != 0)
			goto fail;
	} else {
		u_sep(&u->set);
		emit_path(&t->e, &u->set, path);
		buf_adds(&u->set, " = ");
		if (u_term(t, &u->set) != 0)
			goto fail;
	}
	cJSON_Delete(path);
	return 0;
fail:
	cJSON_Delete(path);
	return -1;
}

static int
u_clauses(struct tr *t, struct upd *u)
{
	struct pq *p = &t->p;
	cJSON *path;
	bool any = false;

	for (;;) {
		if (pq_accept_word(p, "SET")) {
			do {
				if (u_set(t, u) != 0)
					return -1;
			} while (pq_accept(p, ","));
		} else if (pq_accept_word(p, "REMOVE")) {
			do {
				if ((path = pq_parse_path(p)) == NULL)
					return -1;
				u_sep(&u->rem);
				emit_path(&t->e, &u->rem, path);
				cJSON_Delete(path);
			} while (pq_accept(p, ","));
		} else
			return any ? 0 : pq_unexpected(p);
		any = true;
	}
}

static void
u_join(struct buf *out, struct buf *b, const char *word)
{
	if (b->len > 0)
		buf_printf(out, "%s%s %s", out->len > 0 ? " " : "", word,
		    b->data);
	buf_free(b);
}

/* RETURNING (ALL | MODIFIED) (OLD | NEW) * */
static int
u_returning(struct tr *t, bool update, const char **rv)
{
	static const char *names[] = { "ALL_OLD", "UPDATED_OLD", "ALL_NEW",
	    "UPDATED_NEW" };
	struct pq *p = &t->p;
	int i = 0;

	*rv = NULL;
	if (!pq_accept_word(p, "RETURNING"))
		return 0;
	if (!pq_accept_word(p, "ALL")) {
		if (!update || pq_expect_word(p, "MODIFIED") != 0)
			return pq_unexpected(p);
		i = 1;
	}
	if (!pq_accept_word(p, "OLD")) {
		if (!update || pq_expect_word(p, "NEW") != 0)
			return pq_unexpected(p);
		i += 2;
	}
	if (pq_expect(p, "*") != 0)
		return -1;
	*rv = names[i];
	return 0;
}

/* WHERE with the key taken out: Key into req, the rest after pre in
 * ConditionExpression. */
static int
u_where(struct tr *t, struct node *w, cJSON *req, bool must_exist)
{
	struct conj cj = { NULL, 0 };
	struct buf cond;
	cJSON *key;

	conj_add(&cj, w);
	if ((key = take_key(&t->p, &cj, t->ks)) == NULL) {
		free(cj.c);
		return -1;
	}
	cJSON_AddItemToObject(req, "Key", key);
	buf_init(&cond);
	if (must_exist) {
		buf_adds(&cond, "attribute_exists(");
		emit_name(&t->e, &cond, t->ks->hash);
		buf_addc(&cond, ')');
	}
	emit_and(&t->e, &cond, cj.c, cj.n);
	free(cj.c);
	req_add_text(req, "ConditionExpression", &cond);
	return 0;
}

static int
tr_update(struct tr *t, bool del)
{
	struct pq *p = &t->p;
	struct upd u;
	struct buf ue;
	struct node *w;
	const char *rv;
	cJSON *req;

	buf_init(&u.set), buf_init(&u.rem), buf_init(&u.add), buf_init(&u.del);
	buf_init(&ue);
	p->pos++;
	if ((del && pq_expect_word(p, "FROM") != 0) || tr_table(t, false) != 0 ||
	    (!del && u_clauses(t, &u) != 0) || pq_expect_word(p, "WHERE") != 0 ||
	    (w = pq_parse_or(p)) == NULL || u_returning(t, !del, &rv) != 0 ||
	    tr_end(t) != 0)
		goto fail;
	req = tr_req(t, del ? TOP_DeleteItem : TOP_UpdateItem);
	u_join(&ue, &u.set, "SET");
	u_join(&ue, &u.rem, "REMOVE");
	u_join(&ue, &u.add, "ADD");
	u_join(&ue, &u.del, "DELETE");
	req_add_text(req, "UpdateExpression", &ue);
	if (rv != NULL) {
		cJSON_AddStringToObject(req, "ReturnValues", rv);
		t->out->returning = true;
	}
	return u_where(t, w, req, !del);
fail:
	buf_free(&u.set), buf_free(&u.rem), buf_free(&u.add), buf_free(&u.del);
	buf_free(&ue);
	return -1;
}

/* ---- entry points ---- */

static int
tr_run(struct tr *t)
{
	struct pq *p = &t->p;

	if (pq_is_word(p, "SELECT"))
		return tr_select(t);
	if (pq_is_word(p, "INSERT"))
		return tr_insert(t);
	if (pq_is_word(p, "UPDATE"))
		return tr_update(t, false);
	if (pq_is_word(p, "DELETE"))
		return tr_update(t, true);
	return pq_unexpected(p);
}

int
partiql_translate(const char *stmt, const cJSON *params, int flags,
    partiql_keys_fn keys, void *arg, struct partiql_out *out,
    struct ddb_err *err)
{
	struct tr t = { .keys = keys, .arg = arg, .flags = flags, .out = out };
	int rc;

	memset(out, 0, sizeof(*out));
	t.p.params = params;
	t.p.err = err;
	t.e.ean = cJSON_CreateObject();
	t.e.eav = cJSON_CreateObject();
	rc = pq_lex(&t.p, stmt) == 0 ? tr_run(&t) : -1;
	if (rc == 0 && t.p.failed)
		rc = -1;
	if (rc == 0)
		req_add_maps(out->req, &t.e);
	else {
		cJSON_Delete(out->req);
		out->req = NULL;
		cJSON_Delete(t.e.ean);
		cJSON_Delete(t.e.eav);
	}
	pq_nodes_free(t.p.nodes);
	free(t.p.t);
	free(t.table);
	free(t.index);
	return rc;
}

bool
partiql_is_select(const char *stmt)
{
	size_t i;

	stmt += pq_lex_skip(stmt);
	if (strncasecmp(stmt, "SELECT", 6) != 0)
		return false;
	i = 6;
	return !isalnum((unsigned char)stmt[i]) && stmt[i] != '_' &&
	    stmt[i] != '$';
}
