/*
 * ddb: DynamoDB's error families.  See ddb.h.
 */
#include <stdio.h>
#include <string.h>

#include "ddb.h"

#define SVC	"com.amazonaws.dynamodb.v20120810#"
#define CORAL	"com.amazon.coral.service#"

static const struct {
	const char	*full;
	int		 status;
} errtab[DDB_NERRTYPES] = {
	[DDB_OK] = { "", 200 },
	[DDB_VALIDATION] = { "com.amazon.coral.validate#ValidationException", 400 },
	[DDB_RESOURCE_NOT_FOUND] = { SVC "ResourceNotFoundException", 400 },
	[DDB_RESOURCE_IN_USE] = { SVC "ResourceInUseException", 400 },
	[DDB_CONDITIONAL_CHECK_FAILED] = { SVC "ConditionalCheckFailedException", 400 },
	[DDB_TRANSACTION_CANCELED] = { SVC "TransactionCanceledException", 400 },
	[DDB_TRANSACTION_CONFLICT] = { SVC "TransactionConflictException", 400 },
	[DDB_TRANSACTION_IN_PROGRESS] = { SVC "TransactionInProgressException", 400 },
	[DDB_IDEMPOTENT_MISMATCH] = { SVC "IdempotentParameterMismatchException", 400 },
	[DDB_LIMIT_EXCEEDED] = { SVC "LimitExceededException", 400 },
	[DDB_DUPLICATE_ITEM] = { SVC "DuplicateItemException", 400 },
	[DDB_ITEM_COLLECTION_SIZE] = { SVC "ItemCollectionSizeLimitExceededException", 400 },
	[DDB_PROVISIONED_THROUGHPUT] = { SVC "ProvisionedThroughputExceededException", 400 },
	[DDB_REQUEST_LIMIT] = { SVC "RequestLimitExceeded", 400 },
	[DDB_INTERNAL] = { SVC "InternalServerError", 500 },
	[DDB_SERIALIZATION] = { CORAL "SerializationException", 400 },
	[DDB_UNKNOWN_OPERATION] = { CORAL "UnknownOperationException", 400 },
	[DDB_ACCESS_DENIED] = { CORAL "AccessDeniedException", 400 },
	[DDB_MISSING_AUTH] = { CORAL "MissingAuthenticationTokenException", 400 },
	[DDB_INCOMPLETE_SIGNATURE] = { CORAL "IncompleteSignatureException", 400 },
	[DDB_INVALID_SIGNATURE] = { CORAL "InvalidSignatureException", 400 },
	[DDB_UNRECOGNIZED_CLIENT] = { CORAL "UnrecognizedClientException", 400 },
	[DDB_SERVICE_UNAVAILABLE] = { CORAL "ServiceUnavailableException", 503 },
};

int
ddb_vfail(struct ddb_err *e, enum ddb_errtype type, const char *fmt,
    va_list ap)
{
	if (e == NULL)
		return -1;
	e->type = type;
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	return -1;
}

int
ddb_fail(struct ddb_err *e, enum ddb_errtype type, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ddb_vfail(e, type, fmt, ap);
	va_end(ap);
	return -1;
}

void
ddb_err_clear(struct ddb_err *e)
{
	cJSON_Delete(e->extra);
	e->extra = NULL;
	e->type = DDB_OK;
	e->msg[0] = '\0';
}

const char *
ddb_err_fulltype(enum ddb_errtype type)
{
	if ((unsigned)type >= DDB_NERRTYPES)
		type = DDB_INTERNAL;
	return errtab[type].full;
}

const char *
ddb_err_name(enum ddb_errtype type)
{
	const char *s = ddb_err_fulltype(type), *h = strchr(s, '#');

	return h != NULL ? h + 1 : s;
}

int
ddb_err_status(enum ddb_errtype type)
{
	if ((unsigned)type >= DDB_NERRTYPES)
		type = DDB_INTERNAL;
	return errtab[type].status;
}
