/*
 * destination: Lambda's invocation record, the event a destination
 * function gets when an Event invocation ends (equeue.h sends it):
 *
 *   {"version":"1.0","timestamp":"2026-01-02T03:04:05.678Z",
 *    "requestContext":{"requestId":ID,"functionArn":ARN:QUAL,
 *      "condition":"Success"|"RetriesExhausted"|"EventAgeExceeded",
 *      "approximateInvokeCount":N},
 *    "requestPayload":EVENT,
 *    "responseContext":{"statusCode":200,"executedVersion":V
 *      [,"functionError":"Unhandled"]},
 *    "responsePayload":RESPONSE}
 *
 * The two payloads are copied as they are when they are JSON, as a JSON
 * string when they are not (a function may reply with any bytes), null
 * when empty.  An event too old to run may never have run: then there is
 * no response to tell and the record has no responseContext or
 * responsePayload.  Pure: no I/O, so the unit tests take it whole.
 */
#ifndef LAMBDAD_DESTINATION_H
#define LAMBDAD_DESTINATION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/*
 * How many destination hops one event may go through: Lambda stops a
 * recursive loop after about 16 invocations, and so does lambdad (a
 * record past this is not sent on).
 */
#define DEST_HOPS_MAX	16

struct dest_in {
	const char	*request_id;	/* the source invocation's */
	const char	*pool;		/* the source's pool: NAME or NAME:N */
	const char	*qual;		/* invoked with; "" or NULL: $LATEST */
	const char	*condition;	/* "Success", "RetriesExhausted", ... */
	unsigned	 invoke_count;	/* runs so far, this one included */
	const char	*request;	/* the event */
	size_t		 request_len;
	const char	*version;	/* executed; NULL: it never ran */
	bool		 function_error;
	const char	*response;	/* reply or error JSON (NULL-able) */
	size_t		 response_len;
	uint64_t	 when_ms;	/* epoch ms: the record's timestamp */
};

/* The record for in, appended to out. */
void	dest_record(const struct dest_in *in, struct buf *out);

#endif
