/*
 * expr_int: the parsed form shared by expr_parse.c (text), expr_legacy.c
 * (legacy parameters), expr_eval.c (conditions, projections, key split)
 * and expr_update.c (update application).  Not for other modules.
 *
 * A document path is a list of elements, each a member name (already
 * substituted from #placeholders, owned copies) or a list index.  A
 * condition is a tree of nodes; an update is a list of actions; a
 * projection is a list of paths.  Values (:placeholders or legacy
 * AttributeValues) point into the request's trees, never copied, except
 * the few the legacy translation makes itself (struct expr.owned).
 */
#ifndef LAMBDAD_TABLES_EXPR_INT_H
#define LAMBDAD_TABLES_EXPR_INT_H

#include <stdbool.h>
#include <stddef.h>

#include <cJSON.h>

#include "ddb.h"
#include "expr.h"

#define EXPR_TEXT_MAX	4096	/* bytes of one expression */
#define EXPR_IN_MAX	100	/* operands of IN, after the left one */

struct path_elem {
	char	*name;		/* NULL for an index */
	size_t	 index;
};

struct path {
	struct path_elem *el;
	size_t	 n;
};

enum node_op {
	/* operands */
	N_PATH, N_VALUE, N_SIZE,
	/* conditions */
	N_CMP, N_BETWEEN, N_IN, N_EXISTS, N_NOT_EXISTS, N_TYPE,
	N_BEGINS, N_CONTAINS, N_AND, N_OR, N_NOT,
	/* update terms */
	N_PLUS, N_MINUS, N_IF_NOT_EXISTS, N_LIST_APPEND,
};

enum cmp_op { CMP_EQ, CMP_NE, CMP_LT, CMP_LE, CMP_GT, CMP_GE };

struct node {
	enum node_op	 op;
	enum cmp_op	 cmp;		/* N_CMP */
	bool		 paren;		/* written inside ( ) (redundancy check) */
	struct path	 path;		/* N_PATH, N_SIZE */
	const cJSON	*val;		/* N_VALUE */
	struct node	**kid;		/* operands / sub-conditions */
	size_t		 nkid;
};

enum act_kind { ACT_SET, ACT_REMOVE, ACT_ADD, ACT_DELETE };

struct action {
	enum act_kind	 kind;
	struct path	 path;
	struct node	*val;		/* SET's term, ADD's and DELETE's value */
	bool		 legacy;	/* AttributeUpdates ADD: also appends lists */
};

struct expr {
	enum expr_kind	 kind;
	struct node	*cond;		/* condition, filter, key condition */
	struct path	*paths;		/* projection */
	size_t		 npaths;
	struct action	*acts;		/* update */
	size_t		 nacts;
	cJSON		**owned;	/* values made by the legacy translation */
	size_t		 nowned;
};

/* "ConditionExpression", ... */
const char *expr_kind_name(enum expr_kind kind);

/* Allocation helpers (abort on out of memory, as cJSON callers here do). */
void	*expr_xcalloc(size_t n, size_t size);
struct node *expr_node_new(enum node_op op);
/* Append kid to n's operands. */
void	 expr_node_add(struct node *n, struct node *kid);
void	 expr_node_free(struct node *n);
void	 expr_path_free(struct path *p);
int	 expr_path_copy(struct path *dst, const struct path *src);
/* Append a name (copied, len bytes) or an index element. */
void	 expr_path_add_name(struct path *p, const char *name, size_t len);
void	 expr_path_add_index(struct path *p, size_t index);
/* "[a, b, [3]]" into out (size bytes). */
void	 expr_path_format(const struct path *p, char *out, size_t size);
/* Keep v alive as long as e (legacy translation); returns v. */
cJSON	*expr_own(struct expr *e, cJSON *v);

/* Refuse two paths of paths[0..n) that overlap or conflict (update and
 * projection).  kind names the expression in the message.  0 or -1. */
int	 expr_paths_check(const struct path *const *paths, size_t n,
	    enum expr_kind kind, struct ddb_err *err);
/* Checks a parsed key condition's operators (no OR, NOT, IN, <>, ...). */
int	 expr_key_check(const struct node *n, struct ddb_err *err);
/* Parse-time checks of a condition's constant operands (BETWEEN bounds,
 * attribute_type names, begins_with operand types).  0 or -1. */
int	 expr_cond_check(const struct node *n, enum expr_kind kind,
	    struct ddb_err *err);
/* Parse-time checks of an update's constant operands (ADD and DELETE
 * value types).  0 or -1. */
int	 expr_update_check(const struct expr *e, struct ddb_err *err);

/* The attribute at path in item (an item object, may be NULL); NULL if
 * absent. */
const cJSON *expr_path_get(const cJSON *item, const struct path *p);
/* "AttributeValue: {N:5}" for BETWEEN's message. */
void	 expr_val_format(const cJSON *av, char *out, size_t size);
/* Is b between... the order of a and b: -1 when not comparable. */
int	 expr_between_bounds(const cJSON *lo, const cJSON *hi,
	    enum expr_kind kind, struct ddb_err *err);

/* The reserved words (expr_words.c): is name[0..len) one of them? */
bool	 expr_reserved(const char *name, size_t len);

#endif
