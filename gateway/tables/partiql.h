/*
 * partiql: DynamoDB's PartiQL statements translated into ordinary engine
 * requests (partiql_parse.c), so PartiQL has no evaluator of its own:
 * SELECT becomes a Query (when the WHERE pins the hash key with =) or a
 * Scan, or a GetItem in batches and transactions; INSERT a PutItem with
 * attribute_not_exists(hash key); UPDATE an UpdateItem that must find the
 * item; DELETE a DeleteItem.  Literals and ? parameters become
 * ExpressionAttributeValues and every name an ExpressionAttributeNames
 * entry, so reserved words never bite.  partiql.c runs the requests.
 */
#ifndef LAMBDAD_TABLES_PARTIQL_H
#define LAMBDAD_TABLES_PARTIQL_H

#include <stdbool.h>

#include <cJSON.h>

#include "engine_int.h"

/* The key schema of table (or of its index, index != NULL): *ks is the
 * callback's to keep alive until partiql_translate returns.  0 or -1. */
typedef int (*partiql_keys_fn)(void *arg, const char *table,
	    const char *index, const struct key_schema **ks,
	    struct ddb_err *err);

#define PQ_GET_ONLY	1	/* SELECT must name one item: a GetItem */

struct partiql_out {
	enum tables_op	 op;	/* GetItem Query Scan PutItem UpdateItem DeleteItem */
	cJSON		*req;	/* the request (caller frees) */
	bool		 insert;	/* a failed condition is DuplicateItem */
	bool		 returning;	/* RETURNING: reply Items = [Attributes] */
};

/* Translate stmt with params (a JSON array of AttributeValues, or NULL).
 * 0 and *out, or -1 with a ValidationException. */
int	partiql_translate(const char *stmt, const cJSON *params, int flags,
	    partiql_keys_fn keys, void *arg, struct partiql_out *out,
	    struct ddb_err *err);
/* Whether stmt's first keyword is SELECT. */
bool	partiql_is_select(const char *stmt);

#endif
