/*
 * expr_parse: the lexer and recursive-descent parser of DynamoDB's five
 * expression kinds (expr.h), producing the parsed form of expr_int.h.
 * Placeholders are resolved here (and marked used in the ctx) so that the
 * evaluators never see the request's maps.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expr_int.h"

enum tok { T_END, T_NAME, T_HASH, T_COLON, T_NUM, T_LP, T_RP, T_LB, T_RB,
	T_COMMA, T_DOT, T_EQ, T_NE, T_LT, T_LE, T_GT, T_GE, T_PLUS, T_MINUS,
	T_BAD };

struct parser {
	enum expr_kind	 kind;
	const char	*text;
	struct expr_ctx	*ctx;
	struct ddb_err	*err;
	enum tok	 t;		/* current token */
	const char	*s;		/* its start and length */
	size_t		 len;
	const char	*prev;		/* start of the previous token */
	size_t		 pos;		/* where lexing continues */
	int		 failed;
};

static int
is_word(int c)
{
	return isalnum(c) || c == '_';
}

/* The token at p->pos into p->t / p->s / p->len. */
static void
lex(struct parser *p)
{
	const char *s = p->text;
	size_t i = p->pos, st;

	while (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')
		i++;
	p->prev = p->s;
	p->s = s + i;
	st = i;
	if (s[i] == '\0') {
		p->t = T_END;
	} else if (s[i] == '#' || s[i] == ':') {
		p->t = s[i] == '#' ? T_HASH : T_COLON;
		for (i++; is_word((unsigned char)s[i]); i++)
			;
	} else if (isdigit((unsigned char)s[i])) {
		p->t = T_NUM;
		while (isdigit((unsigned char)s[i]))
			i++;
	} else if (isalpha((unsigned char)s[i]) || s[i] == '_') {
		p->t = T_NAME;
		while (is_word((unsigned char)s[i]))
			i++;
	} else {
		static const char one[] = "()[],.=+-";
		static const enum tok ones[] = { T_LP, T_RP, T_LB, T_RB,
			T_COMMA, T_DOT, T_EQ, T_PLUS, T_MINUS };
		const char *c = strchr(one, s[i]);

		if (c != NULL) {
			p->t = ones[c - one];
			i++;
		} else if (s[i] == '<') {
			i++;
			p->t = T_LT;
			if (s[i] == '=' || s[i] == '>') {
				p->t = s[i] == '=' ? T_LE : T_NE;
				i++;
			}
		} else if (s[i] == '>') {
			i++;
			p->t = T_GT;
			if (s[i] == '=') {
				p->t = T_GE;
				i++;
			}
		} else {
			p->t = T_BAD;
			i++;
		}
	}
	p->len = i - st;
	p->pos = i;
}

static int
syntax(struct parser *p)
{
	const char *near = p->prev != NULL ? p->prev : p->s;
	size_t nlen = (size_t)(p->s + p->len - near);

	if (p->failed)
		return -1;
	p->failed = 1;
	if (p->t == T_END)
		return ddb_fail(p->err, DDB_VALIDATION, "Invalid %s: Syntax "
		    "error; token: \"<EOF>\", near: \"%.*s\"",
		    expr_kind_name(p->kind), (int)nlen, near);
	return ddb_fail(p->err, DDB_VALIDATION, "Invalid %s: Syntax error; "
	    "token: \"%.*s\", near: \"%.*s\"", expr_kind_name(p->kind),
	    (int)p->len, p->s, (int)nlen, near);
}

static int fail(struct parser *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
fail(struct parser *p, const char *fmt, ...)
{
	char msg[600];
	va_list ap;

	if (p->failed)
		return -1;
	p->failed = 1;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return ddb_fail(p->err, DDB_VALIDATION, "Invalid %s: %s",
	    expr_kind_name(p->kind), msg);
}

static bool
is_kw(const struct parser *p, const char *kw)
{
	return p->t == T_NAME && strlen(kw) == p->len &&
	    strncasecmp(p->s, kw, p->len) == 0;
}

static int
expect(struct parser *p, enum tok t)
{
	if (p->t != t)
		return syntax(p);
	lex(p);
	return 0;
}

/* The member of map named s[0..len) and its position, or NULL. */
static const cJSON *
lookup(const cJSON *map, const char *s, size_t len, size_t *idx)
{
	const cJSON *it;
	size_t i = 0;

	if (map == NULL)
		return NULL;
	cJSON_ArrayForEach(it, map) {
		if (strlen(it->string) == len && memcmp(it->string, s, len) == 0) {
			*idx = i;
			return it;
		}
		i++;
	}
	return NULL;
}

/* One path element at the current token (a name or #placeholder). */
static int
path_elem(struct parser *p, struct path *path)
{
	const cJSON *v;
	size_t idx;

	if (p->t == T_HASH) {
		v = lookup(p->ctx->names, p->s, p->len, &idx);
		if (v == NULL)
			return fail(p, "An expression attribute name used in "
			    "the document path is not defined; attribute name: "
			    "%.*s", (int)p->len, p->s);
		p->ctx->used_names[idx] = 1;
		expr_path_add_name(path, v->valuestring,
		    strlen(v->valuestring));
	} else if (p->t == T_NAME) {
		if (expr_reserved(p->s, p->len))
			return fail(p, "Attribute name is a reserved keyword; "
			    "reserved keyword: %.*s", (int)p->len, p->s);
		expr_path_add_name(path, p->s, p->len);
	} else {
		return syntax(p);
	}
	lex(p);
	return 0;
}

static int
parse_path(struct parser *p, struct path *path)
{
	if (path_elem(p, path) != 0)
		return -1;
	for (;;) {
		if (p->t == T_DOT) {
			lex(p);
			if (path_elem(p, path) != 0)
				return -1;
		} else if (p->t == T_LB) {
			lex(p);
			if (p->t != T_NUM)
				return syntax(p);
			expr_path_add_index(path, strtoul(p->s, NULL, 10));
			lex(p);
			if (expect(p, T_RB) != 0)
				return -1;
		} else {
			return 0;
		}
	}
}

static struct node *
parse_value(struct parser *p)
{
	const cJSON *v;
	struct node *n;
	size_t idx;

	v = lookup(p->ctx->values, p->s, p->len, &idx);
	if (v == NULL) {
		fail(p, "An expression attribute value used in expression is "
		    "not defined; attribute value: %.*s", (int)p->len, p->s);
		return NULL;
	}
	p->ctx->used_values[idx] = 1;
	n = expr_node_new(N_VALUE);
	n->val = v;
	lex(p);
	return n;
}

static struct node *
node_path(struct parser *p, enum node_op op)
{
	struct node *n = expr_node_new(op);

	if (parse_path(p, &n->path) != 0) {
		expr_node_free(n);
		return NULL;
	}
	return n;
}

/* Is the next token, after the current one, a '('? (function calls) */
static bool
next_is_lp(const struct parser *p)
{
	const char *s = p->text + p->pos;

	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	return *s == '(';
}

/* path | :value | size(path) (size only where conditions allow it). */
static struct node *
parse_operand(struct parser *p, bool allow_size)
{
	struct node *n;

	if (p->t == T_COLON)
		return parse_value(p);
	if (allow_size && is_kw(p, "size") && next_is_lp(p)) {
		lex(p);
		lex(p);
		n = node_path(p, N_SIZE);
		if (n != NULL && expect(p, T_RP) != 0) {
			expr_node_free(n);
			return NULL;
		}
		return n;
	}
	return node_path(p, N_PATH);
}

static struct node *parse_or(struct parser *p);

static const struct {
	const char	*name;
	enum node_op	 op;
	size_t		 nargs;
} funcs[] = {
	{ "attribute_exists", N_EXISTS, 1 },
	{ "attribute_not_exists", N_NOT_EXISTS, 1 },
	{ "attribute_type", N_TYPE, 2 },
	{ "begins_with", N_BEGINS, 2 },
	{ "contains", N_CONTAINS, 2 },
};

/* A condition function call; the current token is its name. */
static struct node *
parse_func(struct parser *p)
{
	struct node *n = NULL, *k;
	size_t i;

	for (i = 0; i < sizeof(funcs) / sizeof(funcs[0]); i++)
		if (is_kw(p, funcs[i].name))
			break;
	if (i == sizeof(funcs) / sizeof(funcs[0])) {
		fail(p, "Invalid function name; function: %.*s", (int)p->len, p->s);
		return NULL;
	}
	n = expr_node_new(funcs[i].op);
	lex(p);
	lex(p);				/* ( */
	k = node_path(p, N_PATH);
	if (k == NULL)
		goto bad;
	expr_node_add(n, k);
	if (funcs[i].nargs == 2) {
		if (expect(p, T_COMMA) != 0)
			goto bad;
		k = parse_operand(p, true);
		if (k == NULL)
			goto bad;
		expr_node_add(n, k);
	}
	if (expect(p, T_RP) == 0)
		return n;
bad:
	expr_node_free(n);
	return NULL;
}

static int
cmp_of(enum tok t, enum cmp_op *c)
{
	switch (t) {
	case T_EQ: *c = CMP_EQ; return 0;
	case T_NE: *c = CMP_NE; return 0;
	case T_LT: *c = CMP_LT; return 0;
	case T_LE: *c = CMP_LE; return 0;
	case T_GT: *c = CMP_GT; return 0;
	case T_GE: *c = CMP_GE; return 0;
	default: return -1;
	}
}

/* After the left operand: cmp operand | BETWEEN a AND b | IN (...). */
static struct node *
parse_pred(struct parser *p, struct node *left)
{
	struct node *n, *k;
	enum cmp_op c;

	if (cmp_of(p->t, &c) == 0) {
		n = expr_node_new(N_CMP);
		n->cmp = c;
		lex(p);
	} else if (is_kw(p, "between")) {
		n = expr_node_new(N_BETWEEN);
		lex(p);
	} else if (is_kw(p, "in")) {
		n = expr_node_new(N_IN);
		lex(p);
		if (expect(p, T_LP) != 0)
			goto bad0;
	} else {
		syntax(p);
		expr_node_free(left);
		return NULL;
	}
	expr_node_add(n, left);
	for (;;) {
		k = parse_operand(p, true);
		if (k == NULL)
			goto bad;
		expr_node_add(n, k);
		if (n->op == N_CMP)
			return n;
		if (n->op == N_BETWEEN) {
			if (n->nkid == 3)
				return n;
			if (!is_kw(p, "and")) {
				syntax(p);
				goto bad;
			}
			lex(p);
			continue;
		}
		if (p->t == T_RP)
			break;
		if (expect(p, T_COMMA) != 0)
			goto bad;
	}
	lex(p);
	if (n->nkid - 1 > EXPR_IN_MAX) {
		fail(p, "The IN operator is provided with too many operands; "
		    "number of operands: %zu", n->nkid - 1);
		goto bad;
	}
	return n;
bad0:
	expr_node_free(left);
bad:
	expr_node_free(n);
	return NULL;
}

static struct node *
parse_primary(struct parser *p)
{
	struct node *n;

	if (p->t == T_LP) {
		lex(p);
		n = parse_or(p);
		if (n == NULL)
			return NULL;
		if (expect(p, T_RP) != 0) {
			expr_node_free(n);
			return NULL;
		}
		n->paren = true;
		return n;
	}
	if (p->t == T_NAME && next_is_lp(p) && !is_kw(p, "size"))
		return parse_func(p);
	n = parse_operand(p, true);
	if (n == NULL)
		return NULL;
	return parse_pred(p, n);
}

static struct node *
parse_not(struct parser *p)
{
	struct node *n, *k;

	if (!is_kw(p, "not"))
		return parse_primary(p);
	lex(p);
	k = parse_not(p);
	if (k == NULL)
		return NULL;
	n = expr_node_new(N_NOT);
	expr_node_add(n, k);
	return n;
}

/* One level of AND or OR: a left-leaning chain of binary nodes. */
static struct node *
parse_chain(struct parser *p, const char *kw, enum node_op op,
    struct node *(*sub)(struct parser *))
{
	struct node *n, *k, *b;

	n = sub(p);
	while (n != NULL && is_kw(p, kw)) {
		lex(p);
		k = sub(p);
		if (k == NULL) {
			expr_node_free(n);
			return NULL;
		}
		b = expr_node_new(op);
		expr_node_add(b, n);
		expr_node_add(b, k);
		n = b;
	}
	return n;
}

static struct node *
parse_and(struct parser *p)
{
	return parse_chain(p, "and", N_AND, parse_not);
}

static struct node *
parse_or(struct parser *p)
{
	return parse_chain(p, "or", N_OR, parse_and);
}

/* ---- projections and updates ---- */

static int
parse_projection(struct parser *p, struct expr *e)
{
	for (;;) {
		e->paths = realloc(e->paths, (e->npaths + 1) * sizeof(*e->paths));
		if (e->paths == NULL)
			abort();
		memset(&e->paths[e->npaths], 0, sizeof(*e->paths));
		e->npaths++;
		if (parse_path(p, &e->paths[e->npaths - 1]) != 0)
			return -1;
		if (p->t != T_COMMA)
			return 0;
		lex(p);
	}
}

/* SET's right-hand side: operand [+|- operand]; operands may be calls. */
static struct node *
parse_set_operand(struct parser *p)
{
	struct node *n, *k;
	bool ine;

	if (p->t != T_NAME || !next_is_lp(p))
		return parse_operand(p, false);
	ine = is_kw(p, "if_not_exists");
	if (!ine && !is_kw(p, "list_append")) {
		fail(p, "Invalid function name; function: %.*s", (int)p->len,
		    p->s);
		return NULL;
	}
	n = expr_node_new(ine ? N_IF_NOT_EXISTS : N_LIST_APPEND);
	lex(p);
	lex(p);
	k = ine ? node_path(p, N_PATH) : parse_set_operand(p);
	if (k == NULL)
		goto bad;
	expr_node_add(n, k);
	if (expect(p, T_COMMA) != 0)
		goto bad;
	k = parse_set_operand(p);
	if (k == NULL)
		goto bad;
	expr_node_add(n, k);
	if (expect(p, T_RP) == 0)
		return n;
bad:
	expr_node_free(n);
	return NULL;
}

static struct node *
parse_set_value(struct parser *p)
{
	struct node *n, *k, *b;

	n = parse_set_operand(p);
	if (n == NULL || (p->t != T_PLUS && p->t != T_MINUS))
		return n;
	b = expr_node_new(p->t == T_PLUS ? N_PLUS : N_MINUS);
	expr_node_add(b, n);
	lex(p);
	k = parse_set_operand(p);
	if (k == NULL) {
		expr_node_free(b);
		return NULL;
	}
	expr_node_add(b, k);
	return b;
}

static struct action *
new_action(struct expr *e, enum act_kind kind)
{
	struct action *a;

	e->acts = realloc(e->acts, (e->nacts + 1) * sizeof(*e->acts));
	if (e->acts == NULL)
		abort();
	a = &e->acts[e->nacts++];
	memset(a, 0, sizeof(*a));
	a->kind = kind;
	return a;
}

/* One action of clause kind (the path and what follows it). */
static int
parse_action(struct parser *p, struct expr *e, enum act_kind kind)
{
	struct action *a = new_action(e, kind);

	if (parse_path(p, &a->path) != 0)
		return -1;
	if (kind == ACT_REMOVE)
		return 0;
	if (kind == ACT_SET) {
		if (expect(p, T_EQ) != 0)
			return -1;
		a->val = parse_set_value(p);
	} else {
		if (p->t != T_COLON)
			return syntax(p);
		a->val = parse_value(p);
	}
	return a->val == NULL ? -1 : 0;
}

static int
parse_update(struct parser *p, struct expr *e)
{
	static const char *const kw[] = { "set", "remove", "add", "delete" };
	static const char *const up[] = { "SET", "REMOVE", "ADD", "DELETE" };
	bool seen[4] = { false };
	int k;

	if (p->t == T_END)
		return syntax(p);
	while (p->t != T_END) {
		for (k = 0; k < 4; k++)
			if (is_kw(p, kw[k]))
				break;
		if (k == 4)
			return syntax(p);
		if (seen[k])
			return fail(p, "The \"%s\" section can only be used "
			    "once in an update expression;", up[k]);
		seen[k] = true;
		lex(p);
		for (;;) {
			if (parse_action(p, e, (enum act_kind)k) != 0)
				return -1;
			if (p->t != T_COMMA)
				break;
			lex(p);
		}
	}
	return 0;
}

/* Paths of an update or a projection must not overlap. */
static int
check_paths(struct expr *e, struct ddb_err *err)
{
	const struct path **v;
	size_t i, n = e->kind == EXPR_UPDATE ? e->nacts : e->npaths;
	int rc;

	v = expr_xcalloc(n ? n : 1, sizeof(*v));
	for (i = 0; i < n; i++)
		v[i] = e->kind == EXPR_UPDATE ? &e->acts[i].path : &e->paths[i];
	rc = expr_paths_check(v, n, e->kind, err);
	free(v);
	return rc;
}

static int
parse_body(struct parser *p, struct expr *e)
{
	switch (e->kind) {
	case EXPR_PROJECTION:
		if (parse_projection(p, e) != 0)
			return -1;
		break;
	case EXPR_UPDATE:
		if (parse_update(p, e) != 0)
			return -1;
		break;
	default:
		e->cond = parse_or(p);
		if (e->cond == NULL)
			return -1;
	}
	if (p->t != T_END)
		return syntax(p);
	if (e->kind == EXPR_PROJECTION || e->kind == EXPR_UPDATE)
		return check_paths(e, p->err);
	return 0;
}

struct expr *
expr_parse(enum expr_kind kind, const char *text, struct expr_ctx *ctx,
    struct ddb_err *err)
{
	struct parser p = { .kind = kind, .text = text, .ctx = ctx,
		.err = err };
	struct expr *e;

	if (text == NULL || text[strspn(text, " \t\r\n")] == '\0')
		return ddb_fail(err, DDB_VALIDATION, "Invalid %s: The "
		    "expression can not be empty;", expr_kind_name(kind)),
		    NULL;
	if (strlen(text) > EXPR_TEXT_MAX)
		return ddb_fail(err, DDB_VALIDATION, "Invalid %s: Expression "
		    "size has exceeded the maximum allowed size; expression "
		    "size: %zu", expr_kind_name(kind), strlen(text)), NULL;
	e = expr_xcalloc(1, sizeof(*e));
	e->kind = kind;
	lex(&p);
	p.prev = NULL;
	if (parse_body(&p, e) != 0) {
		expr_free(e);
		return NULL;
	}
	return e;
}
