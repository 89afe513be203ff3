/*
 * ddb: what every part of the Tables store (gateway/tables/) shares: the
 * DynamoDB error families and one error value that carries the type, the
 * message and, for some types, extra JSON (ConditionalCheckFailed's Item,
 * TransactionCanceled's CancellationReasons).
 *
 * The store speaks DynamoDB's JSON protocol (spec/dynamodb.md): requests and
 * items are cJSON trees in the wire form ({"S":"x"}, {"N":"1"}, ...), and a
 * failing step fills a struct ddb_err and returns -1.  The door
 * (door.c) turns the error into the reply: HTTP status, the `__type` with
 * the right prefix for its family, and `message`.
 */
#ifndef LAMBDAD_TABLES_DDB_H
#define LAMBDAD_TABLES_DDB_H

#include <stdarg.h>

#include <cJSON.h>

enum ddb_errtype {
	DDB_OK = 0,
	/* com.amazon.coral.validate# */
	DDB_VALIDATION,
	/* com.amazonaws.dynamodb.v20120810# */
	DDB_RESOURCE_NOT_FOUND,
	DDB_RESOURCE_IN_USE,
	DDB_CONDITIONAL_CHECK_FAILED,
	DDB_TRANSACTION_CANCELED,
	DDB_TRANSACTION_CONFLICT,
	DDB_TRANSACTION_IN_PROGRESS,
	DDB_IDEMPOTENT_MISMATCH,
	DDB_LIMIT_EXCEEDED,
	DDB_DUPLICATE_ITEM,		/* PartiQL INSERT of an existing key */
	DDB_ITEM_COLLECTION_SIZE,
	DDB_PROVISIONED_THROUGHPUT,
	DDB_REQUEST_LIMIT,
	DDB_INTERNAL,			/* 500 InternalServerError */
	/* com.amazon.coral.service# */
	DDB_SERIALIZATION,
	DDB_UNKNOWN_OPERATION,
	DDB_ACCESS_DENIED,
	DDB_MISSING_AUTH,
	DDB_INCOMPLETE_SIGNATURE,
	DDB_INVALID_SIGNATURE,
	DDB_UNRECOGNIZED_CLIENT,
	DDB_SERVICE_UNAVAILABLE,	/* 503 */
	DDB_NERRTYPES
};

#define DDB_MSG_MAX	1024

struct ddb_err {
	enum ddb_errtype type;
	char		 msg[DDB_MSG_MAX];
	/* Extra members merged into the error body (owned; NULL if none):
	 * {"Item":{...}} or {"CancellationReasons":[...]}. */
	cJSON		*extra;
};

/* Set *e (type and a printf-style message) and return -1.  NULL-safe on e. */
int	ddb_fail(struct ddb_err *e, enum ddb_errtype type, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
int	ddb_vfail(struct ddb_err *e, enum ddb_errtype type, const char *fmt,
	    va_list ap);
/* Free e->extra and reset e to DDB_OK. */
void	ddb_err_clear(struct ddb_err *e);

/* "ValidationException", "ResourceNotFoundException", ... */
const char *ddb_err_name(enum ddb_errtype type);
/* The full `__type`: "com.amazon.coral.validate#ValidationException". */
const char *ddb_err_fulltype(enum ddb_errtype type);
/* 400, 500 or 503 (and 413 is the door's own). */
int	ddb_err_status(enum ddb_errtype type);

#endif
