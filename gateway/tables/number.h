/*
 * number: DynamoDB's Number, an exact decimal of up to 38 significant
 * digits with magnitude in [1E-130, 9.99...E+125] (and 0), never a binary
 * float.  Parsing gives the canonical form AWS returns (`1.50` -> `1.5`,
 * `1E3` -> `1000`, `-0` -> `0`, `+5` -> `5`, `-.5` -> `-0.5`); arithmetic
 * (`SET a = a + :n`, `ADD`) is exact with the same limits; the key form is
 * bytes whose memcmp order is numeric order.
 *
 * Messages are DynamoDB's (spec/dynamodb.md §2.2), all ValidationException:
 *   "Attempting to store more than 38 significant digits in a Number"
 *   "Number overflow. Attempting to store a number with magnitude larger
 *    than supported range"
 *   "Number underflow. Attempting to store a number with magnitude smaller
 *    than supported range"
 *   "The parameter cannot be converted to a numeric value: <text>"
 */
#ifndef LAMBDAD_TABLES_NUMBER_H
#define LAMBDAD_TABLES_NUMBER_H

#include <stddef.h>
#include <stdint.h>

#include "ddb.h"

#define DDB_NUM_DIGITS	38
/* Longest canonical text: sign, "0.", 129 zeros, 38 digits, NUL. */
#define DDB_NUM_TEXT_MAX 176
/* Longest key encoding (ddb_num_key). */
#define DDB_NUM_KEY_MAX	 24

/*
 * value = sign * 0.d[0]d[1]...d[n-1] * 10^exp, with d[0] != 0 and
 * d[n-1] != 0 (no leading or trailing zeros); zero is sign 0, n 0.
 * d holds digit values 0..9, not characters.
 */
struct ddb_num {
	int8_t	 sign;		/* -1, 0, 1 */
	uint8_t	 n;		/* significant digits, 0..38 */
	int16_t	 exp;
	uint8_t	 d[DDB_NUM_DIGITS];
};

/* Parse n bytes of text ("-12.5e3", leading '+' allowed).  0 or -1 with a
 * ValidationException in *err. */
int	ddb_num_parse(const char *s, size_t n, struct ddb_num *out,
	    struct ddb_err *err);
/* Canonical plain decimal into out (room for DDB_NUM_TEXT_MAX); length. */
size_t	ddb_num_format(const struct ddb_num *x, char *out);
/* <0, 0, >0 as a < b, a == b, a > b numerically. */
int	ddb_num_cmp(const struct ddb_num *a, const struct ddb_num *b);
/* out = a + b, out = a - b, exact; -1 with ValidationException when the
 * result needs more than 38 digits or leaves the range. */
int	ddb_num_add(const struct ddb_num *a, const struct ddb_num *b,
	    struct ddb_num *out, struct ddb_err *err);
int	ddb_num_sub(const struct ddb_num *a, const struct ddb_num *b,
	    struct ddb_num *out, struct ddb_err *err);
/* Bytes the number counts toward the 400 KB item size (AWS's rule). */
size_t	ddb_num_size(const struct ddb_num *x);
/* Order-preserving encoding into out (room for DDB_NUM_KEY_MAX); length.
 * memcmp(key(a), key(b)) has the sign of ddb_num_cmp(a, b), and a shorter
 * key that is a prefix of a longer one sorts first consistently. */
size_t	ddb_num_key(const struct ddb_num *x, uint8_t *out);
/* Parse, then format: canonical text of s into out.  0 or -1. */
int	ddb_num_canon(const char *s, size_t n, char *out, struct ddb_err *err);

#endif
