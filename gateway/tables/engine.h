/*
 * engine: the table engine.  Runs DynamoDB operations against a SQLite
 * database, synchronously, on whichever store thread (store.h) the door
 * chose: reads on a reader connection, writes on the writer's connection
 * inside the group-commit transaction (each call in its own SAVEPOINT:
 * the engine never BEGINs or COMMITs, and a call that returns -1 is
 * rolled back by the store, so a refused request changes nothing).
 *
 * Requests and replies are cJSON trees in DynamoDB's JSON form; the engine
 * validates everything in the request (DynamoDB's checks, in its order)
 * and never trusts the door beyond the JSON parse.
 *
 * Storage layout (engine.c has the schema): a catalog row per table with
 * its description; one WITHOUT ROWID table of items keyed by (table id,
 * hash key, range key) in the order-preserving encoding of value.h, the
 * item stored as canonical JSON; one table of index entries for every GSI
 * and LSI, maintained in the same transaction as the base item.
 */
#ifndef LAMBDAD_TABLES_ENGINE_H
#define LAMBDAD_TABLES_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cJSON.h>
#include <sqlite3.h>

#include "ddb.h"

#define TABLES_OPS(X) \
	X(CreateTable) X(DescribeTable) X(ListTables) X(UpdateTable) \
	X(DeleteTable) X(UpdateTimeToLive) X(DescribeTimeToLive) \
	X(TagResource) X(UntagResource) X(ListTagsOfResource) \
	X(DescribeEndpoints) X(DescribeLimits) \
	X(PutItem) X(GetItem) X(UpdateItem) X(DeleteItem) \
	X(Query) X(Scan) X(BatchGetItem) X(BatchWriteItem) \
	X(TransactWriteItems) X(TransactGetItems) \
	X(ExecuteStatement) X(BatchExecuteStatement) X(ExecuteTransaction)

enum tables_op {
#define TABLES_ENUM(n) TOP_##n,
	TABLES_OPS(TABLES_ENUM)
#undef TABLES_ENUM
	TOP_NOPS
};

/* The operation named by the X-Amz-Target suffix, or -1. */
int	tables_op_lookup(const char *name, size_t len);
const char *tables_op_name(enum tables_op op);
/* Whether the call must run on the writer.  PartiQL operations are
 * writes unless every statement is a SELECT. */
bool	tables_op_writes(enum tables_op op, const cJSON *req);

/*
 * Who is calling.  allow() is asked once for every table the call touches
 * (all tables of a batch or transaction, before anything is done), with
 * write = whether that table is written; false makes the call fail with
 * AccessDeniedException: "User: PRINCIPAL is not authorized to perform:
 * dynamodb:ACTION on resource: arn:aws:dynamodb:REGION:ACCOUNT:table/NAME
 * because no identity-based policy allows the dynamodb:ACTION action".
 * allow NULL = everything is allowed (the operator's listener).
 */
struct tables_call {
	const char	*region;	/* "us-east-1" */
	const char	*account;	/* "000000000000" */
	const char	*principal;	/* "arn:aws:sts::000000000000:assumed-role/cart/cart" */
	bool		(*allow)(void *arg, const char *table, bool write);
	void		*allow_arg;
	int64_t		 now_ms;	/* wall clock, for CreationDateTime, TTL */
};

/* The schema, for store_cfg.schema. */
extern const char tables_schema[];

/*
 * Run op.  0 and *resp (the reply body, the caller's to free) or -1 and
 * *err.  req is the parsed request body; the engine may change it in place
 * (canonical numbers).
 */
int	tables_exec(sqlite3 *db, enum tables_op op, cJSON *req,
	    const struct tables_call *call, cJSON **resp, struct ddb_err *err);

/* Delete up to max items whose TTL attribute is a number of epoch seconds
 * below now_s, across all tables with TTL enabled (on the writer).
 * Returns items deleted, or -1. */
long	tables_ttl_sweep(sqlite3 *db, int64_t now_s, unsigned max);

/* For `lambdactl tables` and the metrics (on a reader): one object per
 * table, by name: {"TableName", "TableStatus", "ItemCount",
 * "TableSizeBytes" (exact, as DescribeTable counts them), "KeySchema":
 * [{"AttributeName", "KeyType", "AttributeType"}],
 * "GlobalSecondaryIndexCount", "LocalSecondaryIndexCount"}.  NULL on
 * error. */
cJSON	*tables_stats(sqlite3 *db);

/*
 * A consistent copy of one table (catalog row, items, index entries,
 * tags) into a new SQLite file at path, a store of its own with just that
 * table (on a reader: the copy is the read transaction's snapshot).  path
 * must not exist; it is made mode 0600 and removed again on failure.
 * 0 (and *nitems, if not NULL: the items copied) or -1 and *err.
 */
int	tables_backup(sqlite3 *db, const char *table, const char *path,
	    uint64_t *nitems, struct ddb_err *err);

#endif
