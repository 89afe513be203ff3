/*
 * partiql_int: what the two halves of the PartiQL translator share.
 * partiql_parse.c splits a statement into tokens and parses values, paths
 * and WHERE conditions into trees; partiql_tr.c prints those back as
 * DynamoDB expressions and turns each statement into its request.  Not
 * for other modules: partiql.h is the interface.
 */
#ifndef LAMBDAD_TABLES_PARTIQL_INT_H
#define LAMBDAD_TABLES_PARTIQL_INT_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

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

/* Errors: the first one is kept (a ValidationException); returns -1. */
int	pq_fail(struct pq *p, const char *fmt, ...);

/* Tokens. */
size_t	pq_lex_skip(const char *s);
int	pq_lex(struct pq *p, const char *s);
const struct tok *pq_cur(const struct pq *p);
bool	pq_is_word(const struct pq *p, const char *w);
bool	pq_accept_word(struct pq *p, const char *w);
bool	pq_accept(struct pq *p, const char *s);
int	pq_unexpected(struct pq *p);
int	pq_expect_word(struct pq *p, const char *w);
int	pq_expect(struct pq *p, const char *s);
char	*pq_take_name(struct pq *p);

/* Values and conditions. */
cJSON	*pq_parse_value(struct pq *p);
bool	 pq_at_value(const struct pq *p);
void	 pq_nodes_free(struct node *n);
cJSON	*pq_parse_path(struct pq *p);
struct node *pq_parse_or(struct pq *p);

#endif
