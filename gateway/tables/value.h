/*
 * value: DynamoDB's data model over cJSON trees in the wire form.
 *
 * An AttributeValue is a one-member object naming its type: {"S":"text"},
 * {"N":"12.5"}, {"B":"<base64>"}, {"BOOL":true}, {"NULL":true},
 * {"M":{name: AttributeValue...}}, {"L":[AttributeValue...]},
 * {"SS":[...]}, {"NS":[...]}, {"BS":[...]}.  An item is an object from
 * attribute name to AttributeValue.  The store keeps items in this form
 * (printed unformatted); numbers are kept canonical (number.h).
 *
 * Validation follows DynamoDB's rules and messages (spec/dynamodb.md §2):
 * exactly one type member; NULL must be true; sets non-empty and without
 * duplicates (NS numerically); B valid base64; nesting at most 32 levels;
 * names 1..65535 bytes; empty S and B allowed except in keys; item size at
 * most 409,600 bytes counted as AWS counts it.
 */
#ifndef LAMBDAD_TABLES_VALUE_H
#define LAMBDAD_TABLES_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cJSON.h>

#include "buf.h"
#include "ddb.h"

enum ddb_type {
	DDB_T_S, DDB_T_N, DDB_T_B, DDB_T_BOOL, DDB_T_NULL,
	DDB_T_M, DDB_T_L, DDB_T_SS, DDB_T_NS, DDB_T_BS,
	DDB_T_BAD		/* not a well-formed AttributeValue */
};

#define DDB_ITEM_MAX	409600
#define DDB_DEPTH_MAX	32
#define DDB_HASH_KEY_MAX 2048
#define DDB_RANGE_KEY_MAX 1024

/* The type of av ({"S":..}); DDB_T_BAD if it has not exactly one known
 * member of the right JSON kind.  No deeper checks. */
enum ddb_type ddb_val_type(const cJSON *av);
/* "S", "N", ... ; "?" for DDB_T_BAD. */
const char *ddb_type_name(enum ddb_type t);
/* The type named by s ("S", "N", "B" ...), or DDB_T_BAD. */
enum ddb_type ddb_type_parse(const char *s);
/* The member holding the value: the string of S/N/B, the array of L and
 * sets, the object of M, the bool of BOOL/NULL. */
cJSON	*ddb_val_inner(const cJSON *av);

/*
 * Check av fully and make it canonical in place (numbers, also inside
 * NS, maps and lists).  0 or -1 with the ValidationException DynamoDB gives.
 */
int	ddb_val_check(cJSON *av, struct ddb_err *err);
/* Every attribute of item (an object): names non-empty, values checked,
 * size within DDB_ITEM_MAX ("Item size has exceeded the maximum allowed
 * size").  0 or -1. */
int	ddb_item_check(cJSON *item, struct ddb_err *err);

/* Size counted toward the 400 KB limit (names not included for a value). */
size_t	ddb_val_size(const cJSON *av);
size_t	ddb_item_size(const cJSON *item);	/* names + values */

/* DynamoDB equality: same type and value; N numerically; sets as sets
 * (order ignored); B by decoded bytes; M and L deeply. */
bool	ddb_val_equal(const cJSON *a, const cJSON *b);
/*
 * Order of two scalars of the same type S (UTF-8 bytes), N (numerically)
 * or B (unsigned bytes): *res < 0, 0, > 0.  -1 if they are not both of one
 * of those types (no order; a condition on them is simply false).
 */
int	ddb_val_cmp(const cJSON *a, const cJSON *b, int *res);

/*
 * The order-preserving key form of a key attribute av, which must be of
 * type want (DDB_T_S, DDB_T_N or DDB_T_B), appended to out: S as its UTF-8
 * bytes, B as its decoded bytes, N as ddb_num_key.  memcmp order of two
 * encodings is DynamoDB's key order.  -1 with a ValidationException if av
 * is of another type or empty (callers word the key messages themselves
 * when they need the attribute's name; see ddb_key_check).
 */
int	ddb_key_encode(const cJSON *av, enum ddb_type want, struct buf *out,
	    struct ddb_err *err);
/*
 * Check one key attribute of a request as DynamoDB does: present, of the
 * declared type ("One or more parameter values were invalid: Type mismatch
 * for key NAME expected: S actual: N"), not empty ("One or more parameter
 * values are not valid. The AttributeValue for a key attribute cannot
 * contain an empty string value. Key: NAME"), within 2048 (hash) or 1024
 * (range) bytes.  0 or -1.
 */
int	ddb_key_check(const char *name, const cJSON *av, enum ddb_type want,
	    bool range, struct ddb_err *err);

/* Decoded bytes of a B value (or of a BS element's string) appended to out.
 * 0 or -1 if not valid base64. */
int	ddb_b64_decode(const char *s, size_t n, struct buf *out);

#endif
