/*
 * access: the grant check of a request without running it, for calls the
 * door sends on to a backend engine (backend.h), where the embedded engine
 * cannot ask call->allow as it goes.  Every table a request names (its
 * TableName, a batch's RequestItems, a transaction's actions, a tag
 * call's ResourceArn, a PartiQL statement's FROM / INTO / UPDATE target)
 * is put to call->allow, with write = whether the request changes it;
 * the first refusal is DynamoDB's AccessDeniedException.
 */
#ifndef LAMBDAD_TABLES_ACCESS_H
#define LAMBDAD_TABLES_ACCESS_H

#include <cJSON.h>

#include "ddb.h"
#include "engine.h"

/* 0 if call may make request req of operation op, else -1 and *err. */
int	tables_access(enum tables_op op, const cJSON *req,
	    const struct tables_call *call, struct ddb_err *err);
/* The table a PartiQL statement targets, into out (room for 256); 0, or
 * -1 if none can be found (the request is then refused). */
int	tables_partiql_target(const char *stmt, char out[256], bool *write);

#endif
