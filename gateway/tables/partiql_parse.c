/*
 * partiql_parse: PartiQL statements into engine requests.  See partiql.h.
 *
 * The statement is split into tokens, the WHERE clause parsed into a small
 * tree (so key conditions can be picked out of its top-level AND), and
 * every part printed back as DynamoDB expression text with #n / :v
 * placeholders.  The engine then checks the request as it checks any
 * other, so type errors and limits are reported in its words.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "partiql.h"

#define PQ_DEPTH_MAX	32
#define WF "Statement wasn't well formed, can't be processed: "

enum tk { T_EOF, T_WORD, T_QNAME, T_STR, T_NUM, T_PUNCT, T_PARAM };

struct tok {
	enum tk		 k;
	const char	*s;
	size_t		 n;
};

enum nk { N_AND, N_OR, N_NOT, N_CMP, N_BETWEEN, N_IN, N_FUNC, N_PATH, N_VAL };

struct node {
	enum nk		 k;
	char		 op[3];		/* N_CMP */
	const char	*fname;		/* N_FUNC, as DynamoDB spells it */
	struct node	*a[3];
	struct node	**list;		/* N_IN */
	size_t		 nlist;
	cJSON		*path;		/* N_PATH: array of strings / numbers */
	cJSON		*val;		/* N_VAL: an AttributeValue */
	struct node	*next;		/* every node, for freeing */
};

struct pq {
	struct tok	*t;
	size_t		 nt, pos;
	const cJSON	*params;
	int		 nparam;
	int		 depth;
	struct node	*nodes;
	struct ddb_err	*err;
	bool		 failed;
};

/* The request's placeholder maps while expressions are printed. */
struct emit {
	cJSON		*ean, *eav;
	int		 nn, nv;
};

static int
pq_fail(struct pq *p, const char *fmt, ...)
{
	va_list ap;

	if (!p->failed) {
		va_start(ap, fmt);
		ddb_vfail(p->err, DDB_VALIDATION, fmt, ap);
		va_end(ap);
	}
	p->failed = true;
	return -1;
}

/* ---- tokens ---- */

static void
tok_push(struct pq *p, enum tk k, const char *s, size_t n)
{
	p->t = realloc(p->t, (p->nt + 1) * sizeof(*p->t));
	if (p->t == NULL)
		abort();
	p->t[p->nt++] = (struct tok){ k, s, n };
}

static size_t
lex_quoted(const char *s, char q)
{
	size_t i = 1;

	for (;;) {
		if (s[i] == '\0')
			return 0;
		if (s[i] == q) {
			if (s[i + 1] != q)
				return i + 1;
			i++;
		}
		i++;
	}
}

static size_t
lex_number(const char *s)
{
	size_t i = 0;

	while (isdigit((unsigned char)s[i]))
		i++;
	if (s[i] == '.')
		for (i++; isdigit((unsigned char)s[i]); i++)
			;
	if ((s[i] == 'e' || s[i] == 'E') && (isdigit((unsigned char)s[i + 1]) ||
	    ((s[i + 1] == '+' || s[i + 1] == '-') &&
	    isdigit((unsigned char)s[i + 2]))))
		for (i += 2; isdigit((unsigned char)s[i]); i++)
			;
	return i;
}

static size_t
lex_skip(const char *s)
{
	size_t i = 0;

	for (;;) {
		while (isspace((unsigned char)s[i]))
			i++;
		if (s[i] == '-' && s[i + 1] == '-') {
			while (s[i] != '\0' && s[i] != '\n')
				i++;
		} else if (s[i] == '/' && s[i + 1] == '*') {
			const char *e = strstr(s + i + 2, "*/");

			i = e == NULL ? strlen(s) : (size_t)(e - s) + 2;
		} else
			return i;
	}
}

static int
lex(struct pq *p, const char *s)
{
	static const char *two[] = { "<=", ">=", "<>", "!=", "<<", ">>", NULL };
	size_t n;
	int i;

	for (;;) {
		s += lex_skip(s);
		if (*s == '\0')
			break;
		if (isalpha((unsigned char)*s) || *s == '_') {
			for (n = 1; isalnum((unsigned char)s[n]) || s[n] == '_' ||
			    s[n] == '$'; n++)
				;
			tok_push(p, T_WORD, s, n);
		} else if (*s == '"' || *s == '\'') {
			if ((n = lex_quoted(s, *s)) == 0)
				return pq_fail(p, WF "Unterminated quoted text");
			tok_push(p, *s == '"' ? T_QNAME : T_STR, s, n);
		} else if (isdigit((unsigned char)*s) ||
		    (*s == '.' && isdigit((unsigned char)s[1]))) {
			n = lex_number(s);
			tok_push(p, T_NUM, s, n);
		} else if (*s == '?') {
			tok_push(p, T_PARAM, s, n = 1);
		} else {
			for (i = 0, n = 0; two[i] != NULL; i++)
				if (strncmp(s, two[i], 2) == 0)
					n = 2;
			if (n == 0 && strchr("=<>()[]{},.:*+-;", *s) == NULL)
				return pq_fail(p, WF "Unexpected character");
			if (n == 0)
				n = 1;
			tok_push(p, T_PUNCT, s, n);
		}
		s += n;
	}
	tok_push(p, T_EOF, s, 0);
	return 0;
}

static const struct tok *
cur(const struct pq *p)
{
	return &p->t[p->pos];
}

static bool
is_word(const struct pq *p, const char *w)
{
	const struct tok *t = cur(p);

	return t->k == T_WORD && t->n == strlen(w) &&
	    strncasecmp(t->s, w, t->n) == 0;
}

static bool
is_punct(const struct pq *p, const char *s)
{
	const struct tok *t = cur(p);

	return t->k == T_PUNCT && t->n == strlen(s) &&
	    strncmp(t->s, s, t->n) == 0;
}

static bool
accept_word(struct pq *p, const char *w)
{
	if (!is_word(p, w))
		return false;
	p->pos++;
	return true;
}

static bool
accept(struct pq *p, const char *s)
{
	if (!is_punct(p, s))
		return false;
	p->pos++;
	return true;
}

static int
unexpected(struct pq *p)
{
	const struct tok *t = cur(p);

	if (t->k == T_EOF)
		return pq_fail(p, WF "Unexpected end of statement");
	return pq_fail(p, WF "Unexpected %s: %.*s",
	    t->k == T_WORD ? "keyword" : "token", (int)(t->n > 64 ? 64 : t->n),
	    t->s);
}

static int
expect_word(struct pq *p, const char *w)
{
	return accept_word(p, w) ? 0 : unexpected(p);
}

static int
expect(struct pq *p, const char *s)
{
	return accept(p, s) ? 0 : unexpected(p);
}

/* The text of a quoted token without its quotes, doubled quotes single. */
static char *
unquote(const struct tok *t)
{
	char *out = malloc(t->n), *o = out;
	size_t i;

	if (out == NULL)
		abort();
	for (i = 1; i + 1 < t->n; i++) {
		*o++ = t->s[i];
		if (t->s[i] == t->s[0])
			i++;
	}
	*o = '\0';
	return out;
}

/* A name: a word or a "quoted name" (malloc'd), or NULL. */
static char *
take_name(struct pq *p)
{
	const struct tok *t = cur(p);
	char *s;

	if (t->k == T_QNAME) {
		p->pos++;
		return unquote(t);
	}
	if (t->k != T_WORD)
		return NULL;
	if ((s = strndup(t->s, t->n)) == NULL)
		abort();
	p->pos++;
	return s;
}

/* ---- values ---- */

static cJSON *parse_value(struct pq *p);

static cJSON *
av_new(const char *type, cJSON *inner)
{
	cJSON *av = cJSON_CreateObject();

	cJSON_AddItemToObject(av, type, inner);
	return av;
}

static cJSON *
value_param(struct pq *p)
{
	const cJSON *v = cJSON_GetArrayItem(p->params, p->nparam++);

	if (v == NULL) {
		pq_fail(p, "Number of parameters in request and statement "
		    "don't match.");
		return NULL;
	}
	/* Not an AttributeValue at all ("a", {}): refused with value.c's
	 * words, never left to fail without a message. */
	if (ddb_val_type(v) == DDB_T_BAD) {
		cJSON *c = cJSON_Duplicate(v, 1);

		if (!p->failed && (c == NULL || ddb_val_check(c, p->err) == 0))
			pq_fail(p, "Supplied AttributeValue is empty, must "
			    "contain exactly one of the supported datatypes");
		p->failed = true;
		cJSON_Delete(c);
		return NULL;
	}
	return cJSON_Duplicate(v, 1);
}

static cJSON *
value_list(struct pq *p, const char *close, cJSON *arr)
{
	cJSON *v;

	if (!accept(p, close)) {
		do {
			if ((v = parse_value(p)) == NULL)
				goto fail;
			cJSON_AddItemToArray(arr, v);
		} while (accept(p, ","));
		if (expect(p, close) != 0)
			goto fail;
	}
	return arr;
fail:
	cJSON_Delete(arr);
	return NULL;
}

/* <<a, b>>: all strings, all numbers or all binaries. */
static cJSON *
value_set(struct pq *p)
{
	cJSON *l = value_list(p, ">>", cJSON_CreateArray()), *e, *out;
	const char *type = NULL;
	char st[3];

	if (l == NULL)
		return NULL;
	out = cJSON_CreateArray();
	cJSON_ArrayForEach(e, l) {
		if (e->child == NULL || !cJSON_IsString(e->child) ||
		    strlen(e->child->string) != 1 ||
		    strchr("SNB", e->child->string[0]) == NULL ||
		    (type != NULL && strcmp(type, e->child->string) != 0)) {
			cJSON_Delete(l);
			cJSON_Delete(out);
			pq_fail(p, "Unsupported type passed for set: a set holds "
			    "strings, numbers or binaries of one type");
			return NULL;
		}
		type = e->child->string;
		cJSON_AddItemToArray(out, cJSON_CreateString(e->child->valuestring));
	}
	if (type == NULL) {
		cJSON_Delete(l);
		cJSON_Delete(out);
		pq_fail(p, WF "Empty set");
		return NULL;
	}
	snprintf(st, sizeof(st), "%sS", type);
	cJSON_Delete(l);
	return av_new(st, out);
}

static cJSON *
value_map(struct pq *p)
{
	cJSON *m = cJSON_CreateObject(), *v;
	const struct tok *t;
	char *k;

	if (!accept(p, "}")) {
		do {
			t = cur(p);
			if (t->k != T_STR && t->k != T_QNAME) {
				unexpected(p);
				goto fail;
			}
			p->pos++;
			k = unquote(t);
			if (expect(p, ":") != 0 || (v = parse_value(p)) == NULL) {
				free(k);
				goto fail;
			}
			cJSON_DeleteItemFromObjectCaseSensitive(m, k);
			cJSON_AddItemToObject(m, k, v);
			free(k);
		} while (accept(p, ","));
		if (expect(p, "}") != 0)
			goto fail;
	}
	return av_new("M", m);
fail:
	cJSON_Delete(m);
	return NULL;
}

static cJSON *
value_number(struct pq *p, const char *sign)
{
	const struct tok *t = cur(p);
	char *s;
	cJSON *av;

	if (t->k != T_NUM) {
		unexpected(p);
		return NULL;
	}
	p->pos++;
	if (asprintf(&s, "%s%.*s", sign, (int)t->n, t->s) < 0)
		abort();
	av = av_new("N", cJSON_CreateString(s));
	free(s);
	return av;
}

static cJSON *
parse_value_1(struct pq *p)
{
	const struct tok *t = cur(p);
	char *s;
	cJSON *av;

	if (t->k == T_STR) {
		p->pos++;
		s = unquote(t);
		av = av_new("S", cJSON_CreateString(s));
		free(s);
		return av;
	}
	if (t->k == T_NUM)
		return value_number(p, "");
	if (t->k == T_PARAM) {
		p->pos++;
		return value_param(p);
	}
	if (accept(p, "-"))
		return value_number(p, "-");
	if (accept(p, "+"))
		return value_number(p, "");
	if (accept_word(p, "TRUE") || accept_word(p, "FALSE"))
		return av_new("BOOL", cJSON_CreateBool(p->t[p->pos - 1].n == 4));
	if (accept_word(p, "NULL"))
		return av_new("NULL", cJSON_CreateTrue());
	if (accept(p, "["))
		return av_new("L", value_list(p, "]", cJSON_CreateArray()));
	if (accept(p, "{"))
		return value_map(p);
	if (accept(p, "<<"))
		return value_set(p);
	unexpected(p);
	return NULL;
}

static cJSON *
parse_value(struct pq *p)
{
	cJSON *v;

	if (++p->depth > PQ_DEPTH_MAX) {
		pq_fail(p, WF "Nesting too deep");
		return NULL;
	}
	v = parse_value_1(p);
	p->depth--;
	/* A list whose elements failed comes back as {"L": NULL}. */
	if (v != NULL && v->child == NULL) {
		cJSON_Delete(v);
		return NULL;
	}
	return v;
}

static bool
at_value(const struct pq *p)
{
	const struct tok *t = cur(p);

	return t->k == T_STR || t->k == T_NUM || t->k == T_PARAM ||
	    is_punct(p, "-") || is_punct(p, "+") || is_punct(p, "[") ||
	    is_punct(p, "{") || is_punct(p, "<<") || is_word(p, "TRUE") ||
	    is_word(p, "FALSE") || is_word(p, "NULL");
}

/* ---- condition trees ---- */

static struct node *
node_new(struct pq *p, enum nk k)
{
	struct node *n = calloc(1, sizeof(*n));

	if (n == NULL)
		abort();
	n->k = k;
	n->next = p->nodes;
	p->nodes = n;
	return n;
}

static void
nodes_free(struct node *n)
{
	struct node *next;

	for (; n != NULL; n = next) {
		next = n->next;
		cJSON_Delete(n->path);
		cJSON_Delete(n->val);
		free(n->list);
		free(n);
	}
}

/* A path: name { . name | [ n ] }, as a JSON array. */
static cJSON *
parse_path(struct pq *p)
{
	cJSON *path = cJSON_CreateArray();
	char *name = take_name(p);

	if (name == NULL)
		goto fail;
	for (;;) {
		cJSON_AddItemToArray(path, cJSON_CreateString(name));
		free(name);
		while (accept(p, "[")) {
			const struct tok *t = cur(p);

			if (t->k != T_NUM || t->n > 9 ||
			    strspn(t->s, "0123456789") < t->n)
				goto fail;
			p->pos++;
			cJSON_AddItemToArray(path,
			    cJSON_CreateNumber(strtol(t->s, NULL, 10)));
			if (!accept(p, "]"))
				goto fail;
		}
		if (!accept(p, "."))
			return path;
		if ((name = take_name(p)) == NULL)
			goto fail;
	}
fail:
	cJSON_Delete(path);
	unexpected(p);
	return NULL;
}

static const char *const funcs[][2] = {
	{ "begins_with", "begins_with" }, { "contains", "contains" },
	{ "attribute_type", "attribute_type" }, { "size", "size" },
	{ "attribute_exists", "attribute_exists" },
	{ "attribute_not_exists", "attribute_not_exists" },
	{ "exists", "attribute_exists" }, { "missing", "attribute_not_exists" },
};

static struct node *parse_operand(struct pq *p);

/* The arguments each function of the expression language takes. */
static int
func_nargs(const char *fname)
{
	return strcmp(fname, "begins_with") == 0 ||
	    strcmp(fname, "contains") == 0 ||
	    strcmp(fname, "attribute_type") == 0 ? 2 : 1;
}

static struct node *
parse_func(struct pq *p, const char *fname)
{
	struct node *n = node_new(p, N_FUNC);
	int i;

	n->fname = fname;
	p->pos += 2;
	for (i = 0; i < 3; i++) {
		if ((n->a[i] = parse_operand(p)) == NULL)
			return NULL;
		if (!accept(p, ","))
			break;
	}
	if (expect(p, ")") != 0)
		return NULL;
	/* Else the translation would not parse (fuzz_partiql). */
	if (i + 1 != func_nargs(fname)) {
		pq_fail(p, "Incorrect number of arguments for function %s",
		    fname);
		return NULL;
	}
	/* The first argument is always a path. */
	if (n->a[0]->k != N_PATH) {
		pq_fail(p, "Incorrect operand type for function %s", fname);
		return NULL;
	}
	return n;
}

static struct node *
parse_operand(struct pq *p)
{
	struct node *n;
	size_t i;

	if (p->failed)
		return NULL;
	if (at_value(p)) {
		n = node_new(p, N_VAL);
		return (n->val = parse_value(p)) == NULL ? NULL : n;
	}
	if (cur(p)->k == T_WORD && p->t[p->pos + 1].k == T_PUNCT &&
	    p->t[p->pos + 1].s[0] == '(' && p->t[p->pos + 1].n == 1) {
		for (i = 0; i < sizeof(funcs) / sizeof(funcs[0]); i++)
			if (is_word(p, funcs[i][0]))
				return parse_func(p, funcs[i][1]);
		pq_fail(p, "Unsupported function: %.*s", (int)cur(p)->n,
		    cur(p)->s);
		return NULL;
	}
	n = node_new(p, N_PATH);
	return (n->path = parse_path(p)) == NULL ? NULL : n;
}

static struct node *parse_or(struct pq *p);

static struct node *
pred_in(struct pq *p, struct node *x)
{
	struct node *n = node_new(p, N_IN);
	const char *close = accept(p, "[") ? "]" : ")";

	if (close[0] == ')' && expect(p, "(") != 0)
		return NULL;
	n->a[0] = x;
	do {
		n->list = realloc(n->list, (n->nlist + 1) * sizeof(*n->list));
		if (n->list == NULL)
			abort();
		if ((n->list[n->nlist++] = parse_operand(p)) == NULL)
			return NULL;
	} while (accept(p, ","));
	return expect(p, close) == 0 ? n : NULL;
}

/* x IS [NOT] MISSING | NULL. */
static struct node *
pred_is(struct pq *p, struct node *x)
{
	bool neg = accept_word(p, "NOT");
	struct node *n = node_new(p, N_FUNC), *v;

	if (x->k != N_PATH) {
		pq_fail(p, "IS applies to an attribute path");
		return NULL;
	}
	n->a[0] = x;
	if (accept_word(p, "MISSING")) {
		n->fname = neg ? "attribute_exists" : "attribute_not_exists";
		return n;
	}
	if (expect_word(p, "NULL") != 0)
		return NULL;
	n->fname = "attribute_type";
	v = n->a[1] = node_new(p, N_VAL);
	v->val = av_new("S", cJSON_CreateString("NULL"));
	if (!neg)
		return n;
	v = node_new(p, N_NOT);
	v->a[0] = n;
	return v;
}

static struct node *
parse_pred(struct pq *p)
{
	static const char *cmps[] = { "=", "<>", "!=", "<", "<=", ">", ">=" };
	struct node *x, *n;
	size_t i;

	if (accept(p, "(")) {
		if ((n = parse_or(p)) == NULL || expect(p, ")") != 0)
			return NULL;
		return n;
	}
	if ((x = parse_operand(p)) == NULL)
		return NULL;
	for (i = 0; i < sizeof(cmps) / sizeof(cmps[0]); i++)
		if (accept(p, cmps[i])) {
			n = node_new(p, N_CMP);
			snprintf(n->op, sizeof(n->op), "%s",
			    i == 2 ? "<>" : cmps[i]);
			n->a[0] = x;
			return (n->a[1] = parse_operand(p)) == NULL ? NULL : n;
		}
	if (accept_word(p, "BETWEEN")) {
		n = node_new(p, N_BETWEEN);
		n->a[0] = x;
		if ((n->a[1] = parse_operand(p)) == NULL ||
		    expect_word(p, "AND") != 0 ||
		    (n->a[2] = parse_operand(p)) == NULL)
			return NULL;
		return n;
	}
	if (accept_word(p, "IN"))
		return pred_in(p, x);
	if (accept_word(p, "IS"))
		return pred_is(p, x);
	if (x->k == N_FUNC && strcmp(x->fname, "size") != 0)
		return x;
	unexpected(p);
	return NULL;
}

static struct node *
parse_not(struct pq *p)
{
	struct node *n;

	if (++p->depth > PQ_DEPTH_MAX) {
		pq_fail(p, WF "Nesting too deep");
		return NULL;
	}
	if (accept_word(p, "NOT")) {
		n = node_new(p, N_NOT);
		n->a[0] = parse_not(p);
		if (n->a[0] == NULL)
			n = NULL;
	} else
		n = parse_pred(p);
	p->depth--;
	return n;
}

static struct node *
parse_binary(struct pq *p, const char *word, enum nk k,
    struct node *(*sub)(struct pq *))
{
	struct node *l = sub(p), *n;

	while (l != NULL && accept_word(p, word)) {
		n = node_new(p, k);
		n->a[0] = l;
		if ((n->a[1] = sub(p)) == NULL)
			return NULL;
		l = n;
	}
	return l;
}

static struct node *
parse_and(struct pq *p)
{
	return parse_binary(p, "AND", N_AND, parse_not);
}

static struct node *
parse_or(struct pq *p)
{
	struct node *n;

	if (++p->depth > PQ_DEPTH_MAX) {
		pq_fail(p, WF "Nesting too deep");
		return NULL;
	}
	n = parse_binary(p, "OR", N_OR, parse_and);
	p->depth--;
	return n;
}

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
	if ((t->table = take_name(&t->p)) == NULL)
		return unexpected(&t->p);
	if (index_ok && accept(&t->p, ".") &&
	    (t->index = take_name(&t->p)) == NULL)
		return unexpected(&t->p);
	return 0;
}

static int
tr_end(struct tr *t)
{
	accept(&t->p, ";");
	if (cur(&t->p)->k != T_EOF)
		return unexpected(&t->p);
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
	if (!accept(p, "*")) {
		do {
			cJSON *path = parse_path(p);

			if (path == NULL)
				goto fail;
			if (proj.len > 0)
				buf_adds(&proj, ", ");
			emit_path(&t->e, &proj, path);
			cJSON_Delete(path);
		} while (accept(p, ","));
	}
	if (expect_word(p, "FROM") != 0 || tr_table(t, true) != 0)
		goto fail;
	if (accept_word(p, "WHERE") && (w = parse_or(p)) == NULL)
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
	if (expect_word(p, "INTO") != 0 || tr_table(t, false) != 0 ||
	    expect_word(p, "VALUE") != 0 || (v = parse_value(p)) == NULL)
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

/* path | value | list_append(a, b) | if_not_exists(path, v) */
static int
u_operand(struct tr *t, struct buf *b)
{
	struct pq *p = &t->p;
	cJSON *x;
	bool la = is_word(p, "list_append"), ine = is_word(p, "if_not_exists");

	if (++p->depth > PQ_DEPTH_MAX)
		return pq_fail(p, WF "Nesting too deep");
	p->depth--;
	if ((la || ine) && p->t[p->pos + 1].k == T_PUNCT &&
	    p->t[p->pos + 1].s[0] == '(') {
		p->pos += 2;
		buf_adds(b, la ? "list_append(" : "if_not_exists(");
		p->depth++;
		if (u_operand(t, b) != 0 || expect(p, ",") != 0)
			return -1;
		buf_adds(b, ", ");
		if (u_operand(t, b) != 0 || expect(p, ")") != 0)
			return -1;
		p->depth--;
		buf_addc(b, ')');
		return 0;
	}
	x = at_value(p) ? parse_value(p) : parse_path(p);
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
	if (accept(&t->p, "+") || accept(&t->p, "-")) {
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
	cJSON *path = parse_path(p), *v;
	bool sa, sd;
	struct buf *b;

	if (path == NULL || expect(p, "=") != 0)
		goto fail;
	sa = is_word(p, "set_add");
	sd = is_word(p, "set_delete");
	if ((sa || sd) && p->t[p->pos + 1].s[0] == '(') {
		p->pos += 2;
		cJSON_Delete(parse_path(p));
		if (p->failed || expect(p, ",") != 0 ||
		    (v = parse_value(p)) == NULL)
			goto fail;
		b = sa ? &u->add : &u->del;
		u_sep(b);
		emit_path(&t->e, b, path);
		buf_addc(b, ' ');
		emit_val(&t->e, b, v);
		cJSON_Delete(v);
		if (expect(p, ")") != 0)
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
		if (accept_word(p, "SET")) {
			do {
				if (u_set(t, u) != 0)
					return -1;
			} while (accept(p, ","));
		} else if (accept_word(p, "REMOVE")) {
			do {
				if ((path = parse_path(p)) == NULL)
					return -1;
				u_sep(&u->rem);
				emit_path(&t->e, &u->rem, path);
				cJSON_Delete(path);
			} while (accept(p, ","));
		} else
			return any ? 0 : unexpected(p);
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
	if (!accept_word(p, "RETURNING"))
		return 0;
	if (!accept_word(p, "ALL")) {
		if (!update || expect_word(p, "MODIFIED") != 0)
			return unexpected(p);
		i = 1;
	}
	if (!accept_word(p, "OLD")) {
		if (!update || expect_word(p, "NEW") != 0)
			return unexpected(p);
		i += 2;
	}
	if (expect(p, "*") != 0)
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
	if ((del && expect_word(p, "FROM") != 0) || tr_table(t, false) != 0 ||
	    (!del && u_clauses(t, &u) != 0) || expect_word(p, "WHERE") != 0 ||
	    (w = parse_or(p)) == NULL || u_returning(t, !del, &rv) != 0 ||
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

	if (is_word(p, "SELECT"))
		return tr_select(t);
	if (is_word(p, "INSERT"))
		return tr_insert(t);
	if (is_word(p, "UPDATE"))
		return tr_update(t, false);
	if (is_word(p, "DELETE"))
		return tr_update(t, true);
	return unexpected(p);
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
	rc = lex(&t.p, stmt) == 0 ? tr_run(&t) : -1;
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
	nodes_free(t.p.nodes);
	free(t.p.t);
	free(t.table);
	free(t.index);
	return rc;
}

bool
partiql_is_select(const char *stmt)
{
	size_t i;

	stmt += lex_skip(stmt);
	if (strncasecmp(stmt, "SELECT", 6) != 0)
		return false;
	i = 6;
	return !isalnum((unsigned char)stmt[i]) && stmt[i] != '_' &&
	    stmt[i] != '$';
}
