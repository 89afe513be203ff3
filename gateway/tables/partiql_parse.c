/*
 * partiql_parse: the first half of the PartiQL translator (partiql.h).
 *
 * The statement is split into tokens, and its values (literals, ?
 * parameters, lists, sets, maps), paths and WHERE conditions parsed into
 * a small tree, so that partiql_tr.c can pick key conditions out of its
 * top-level AND and print every part back as DynamoDB expression text.
 * The engine then checks the request as it checks any other, so type
 * errors and limits are reported in its words.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "partiql.h"
#include "partiql_int.h"

int
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

size_t
pq_lex_skip(const char *s)
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

int
pq_lex(struct pq *p, const char *s)
{
	static const char *two[] = { "<=", ">=", "<>", "!=", "<<", ">>", NULL };
	size_t n;
	int i;

	for (;;) {
		s += pq_lex_skip(s);
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

const struct tok *
pq_cur(const struct pq *p)
{
	return &p->t[p->pos];
}

bool
pq_is_word(const struct pq *p, const char *w)
{
	const struct tok *t = pq_cur(p);

	return t->k == T_WORD && t->n == strlen(w) &&
	    strncasecmp(t->s, w, t->n) == 0;
}

static bool
is_punct(const struct pq *p, const char *s)
{
	const struct tok *t = pq_cur(p);

	return t->k == T_PUNCT && t->n == strlen(s) &&
	    strncmp(t->s, s, t->n) == 0;
}

bool
pq_accept_word(struct pq *p, const char *w)
{
	if (!pq_is_word(p, w))
		return false;
	p->pos++;
	return true;
}

bool
pq_accept(struct pq *p, const char *s)
{
	if (!is_punct(p, s))
		return false;
	p->pos++;
	return true;
}

int
pq_unexpected(struct pq *p)
{
	const struct tok *t = pq_cur(p);

	if (t->k == T_EOF)
		return pq_fail(p, WF "Unexpected end of statement");
	return pq_fail(p, WF "Unexpected %s: %.*s",
	    t->k == T_WORD ? "keyword" : "token", (int)(t->n > 64 ? 64 : t->n),
	    t->s);
}

int
pq_expect_word(struct pq *p, const char *w)
{
	return pq_accept_word(p, w) ? 0 : pq_unexpected(p);
}

int
pq_expect(struct pq *p, const char *s)
{
	return pq_accept(p, s) ? 0 : pq_unexpected(p);
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
char *
pq_take_name(struct pq *p)
{
	const struct tok *t = pq_cur(p);
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

	if (!pq_accept(p, close)) {
		do {
			if ((v = pq_parse_value(p)) == NULL)
				goto fail;
			cJSON_AddItemToArray(arr, v);
		} while (pq_accept(p, ","));
		if (pq_expect(p, close) != 0)
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

	if (!pq_accept(p, "}")) {
		do {
			t = pq_cur(p);
			if (t->k != T_STR && t->k != T_QNAME) {
				pq_unexpected(p);
				goto fail;
			}
			p->pos++;
			k = unquote(t);
			if (pq_expect(p, ":") != 0 || (v = pq_parse_value(p)) == NULL) {
				free(k);
				goto fail;
			}
			cJSON_DeleteItemFromObjectCaseSensitive(m, k);
			cJSON_AddItemToObject(m, k, v);
			free(k);
		} while (pq_accept(p, ","));
		if (pq_expect(p, "}") != 0)
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
	const struct tok *t = pq_cur(p);
	char *s;
	cJSON *av;

	if (t->k != T_NUM) {
		pq_unexpected(p);
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
	const struct tok *t = pq_cur(p);
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
	if (pq_accept(p, "-"))
		return value_number(p, "-");
	if (pq_accept(p, "+"))
		return value_number(p, "");
	if (pq_accept_word(p, "TRUE") || pq_accept_word(p, "FALSE"))
		return av_new("BOOL", cJSON_CreateBool(p->t[p->pos - 1].n == 4));
	if (pq_accept_word(p, "NULL"))
		return av_new("NULL", cJSON_CreateTrue());
	if (pq_accept(p, "["))
		return av_new("L", value_list(p, "]", cJSON_CreateArray()));
	if (pq_accept(p, "{"))
		return value_map(p);
	if (pq_accept(p, "<<"))
		return value_set(p);
	pq_unexpected(p);
	return NULL;
}

cJSON *
pq_parse_value(struct pq *p)
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

bool
pq_at_value(const struct pq *p)
{
	const struct tok *t = pq_cur(p);

	return t->k == T_STR || t->k == T_NUM || t->k == T_PARAM ||
	    is_punct(p, "-") || is_punct(p, "+") || is_punct(p, "[") ||
	    is_punct(p, "{") || is_punct(p, "<<") || pq_is_word(p, "TRUE") ||
	    pq_is_word(p, "FALSE") || pq_is_word(p, "NULL");
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

void
pq_nodes_free(struct node *n)
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
cJSON *
pq_parse_path(struct pq *p)
{
	cJSON *path = cJSON_CreateArray();
	char *name = pq_take_name(p);

	if (name == NULL)
		goto fail;
	for (;;) {
		cJSON_AddItemToArray(path, cJSON_CreateString(name));
		free(name);
		while (pq_accept(p, "[")) {
			const struct tok *t = pq_cur(p);

			if (t->k != T_NUM || t->n > 9 ||
			    strspn(t->s, "0123456789") < t->n)
				goto fail;
			p->pos++;
			cJSON_AddItemToArray(path,
			    cJSON_CreateNumber(strtol(t->s, NULL, 10)));
			if (!pq_accept(p, "]"))
				goto fail;
		}
		if (!pq_accept(p, "."))
			return path;
		if ((name = pq_take_name(p)) == NULL)
			goto fail;
	}
fail:
	cJSON_Delete(path);
	pq_unexpected(p);
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
static struct node *parse_scalar(struct pq *p);

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
		if ((n->a[i] = parse_scalar(p)) == NULL)
			return NULL;
		if (!pq_accept(p, ","))
			break;
	}
	if (pq_expect(p, ")") != 0)
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
	if (pq_at_value(p)) {
		n = node_new(p, N_VAL);
		return (n->val = pq_parse_value(p)) == NULL ? NULL : n;
	}
	if (pq_cur(p)->k == T_WORD && p->t[p->pos + 1].k == T_PUNCT &&
	    p->t[p->pos + 1].s[0] == '(' && p->t[p->pos + 1].n == 1) {
		for (i = 0; i < sizeof(funcs) / sizeof(funcs[0]); i++)
			if (pq_is_word(p, funcs[i][0]))
				return parse_func(p, funcs[i][1]);
		pq_fail(p, "Unsupported function: %.*s", (int)pq_cur(p)->n,
		    pq_cur(p)->s);
		return NULL;
	}
	n = node_new(p, N_PATH);
	return (n->path = pq_parse_path(p)) == NULL ? NULL : n;
}

/* An operand where a value is wanted: of the functions only size() gives
 * one, the others are conditions (else the translation would not parse). */
static struct node *
parse_scalar(struct pq *p)
{
	struct node *n = parse_operand(p);

	if (n != NULL && n->k == N_FUNC && strcmp(n->fname, "size") != 0) {
		pq_fail(p, "The function is not allowed to be used this "
		    "way in an expression; function: %s", n->fname);
		return NULL;
	}
	return n;
}

static struct node *
pred_in(struct pq *p, struct node *x)
{
	struct node *n = node_new(p, N_IN);
	const char *close = pq_accept(p, "[") ? "]" : ")";

	if (close[0] == ')' && pq_expect(p, "(") != 0)
		return NULL;
	n->a[0] = x;
	do {
		n->list = realloc(n->list, (n->nlist + 1) * sizeof(*n->list));
		if (n->list == NULL)
			abort();
		if ((n->list[n->nlist++] = parse_scalar(p)) == NULL)
			return NULL;
	} while (pq_accept(p, ","));
	return pq_expect(p, close) == 0 ? n : NULL;
}

/* x IS [NOT] MISSING | NULL. */
static struct node *
pred_is(struct pq *p, struct node *x)
{
	bool neg = pq_accept_word(p, "NOT");
	struct node *n = node_new(p, N_FUNC), *v;

	if (x->k != N_PATH) {
		pq_fail(p, "IS applies to an attribute path");
		return NULL;
	}
	n->a[0] = x;
	if (pq_accept_word(p, "MISSING")) {
		n->fname = neg ? "attribute_exists" : "attribute_not_exists";
		return n;
	}
	if (pq_expect_word(p, "NULL") != 0)
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

	if (pq_accept(p, "(")) {
		if ((n = pq_parse_or(p)) == NULL || pq_expect(p, ")") != 0)
			return NULL;
		return n;
	}
	if ((x = parse_operand(p)) == NULL)
		return NULL;
	if (x->k == N_FUNC && strcmp(x->fname, "size") != 0)
		return x;
	for (i = 0; i < sizeof(cmps) / sizeof(cmps[0]); i++)
		if (pq_accept(p, cmps[i])) {
			n = node_new(p, N_CMP);
			snprintf(n->op, sizeof(n->op), "%s",
			    i == 2 ? "<>" : cmps[i]);
			n->a[0] = x;
			return (n->a[1] = parse_scalar(p)) == NULL ? NULL : n;
		}
	if (pq_accept_word(p, "BETWEEN")) {
		n = node_new(p, N_BETWEEN);
		n->a[0] = x;
		if ((n->a[1] = parse_scalar(p)) == NULL ||
		    pq_expect_word(p, "AND") != 0 ||
		    (n->a[2] = parse_scalar(p)) == NULL)
			return NULL;
		return n;
	}
	if (pq_accept_word(p, "IN"))
		return pred_in(p, x);
	if (pq_accept_word(p, "IS"))
		return pred_is(p, x);
	pq_unexpected(p);
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
	if (pq_accept_word(p, "NOT")) {
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

	while (l != NULL && pq_accept_word(p, word)) {
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

struct node *
pq_parse_or(struct pq *p)
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
