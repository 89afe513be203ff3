/*
 * number: DynamoDB's exact decimal Number (see number.h).  A value is kept
 * as up to 38 digit values and a base-10 exponent; parsing, formatting,
 * comparison and addition work on those digits directly, so nothing ever
 * goes through a binary float.
 */
#include <limits.h>
#include <string.h>

#include "number.h"

/* Range of exp for a non-zero value 0.d... * 10^exp: 1E-130 is 0.1E-129,
 * 9.99...E+125 is 0.999...E126. */
#define EXP_MIN		(-129)
#define EXP_MAX		126
/* Clamp for exponents while parsing, far outside the range. */
#define EXP_CLAMP	100000L

#define MSG_DIGITS \
	"Attempting to store more than 38 significant digits in a Number"
#define MSG_OVER "Number overflow. Attempting to store a number with " \
	"magnitude larger than supported range"
#define MSG_UNDER "Number underflow. Attempting to store a number with " \
	"magnitude smaller than supported range"

static int
bad_text(const char *s, size_t n, struct ddb_err *err)
{
	int shown = n > 512 ? 512 : (int)n;

	return ddb_fail(err, DDB_VALIDATION,
	    "The parameter cannot be converted to a numeric value: %.*s",
	    shown, s);
}

/* Overflow, underflow, or fine, for a normalised non-zero value. */
static int
check_range(long exp, struct ddb_err *err)
{
	if (exp > EXP_MAX)
		return ddb_fail(err, DDB_VALIDATION, MSG_OVER);
	if (exp < EXP_MIN)
		return ddb_fail(err, DDB_VALIDATION, MSG_UNDER);
	return 0;
}

/* The optional exponent part "e[+-]ddd" at s[*i]; -1 if malformed. */
static int
parse_exp(const char *s, size_t n, size_t *i, long *e)
{
	int neg = 0;
	size_t start;

	*e = 0;
	if (*i >= n)
		return 0;
	if (s[*i] != 'e' && s[*i] != 'E')
		return -1;
	(*i)++;
	if (*i < n && (s[*i] == '+' || s[*i] == '-'))
		neg = s[(*i)++] == '-';
	start = *i;
	for (; *i < n && s[*i] >= '0' && s[*i] <= '9'; (*i)++)
		if (*e < EXP_CLAMP)
			*e = *e * 10 + (s[*i] - '0');
	if (*i == start || *i != n)
		return -1;
	if (neg)
		*e = -*e;
	return 0;
}

int
ddb_num_parse(const char *s, size_t n, struct ddb_num *out,
    struct ddb_err *err)
{
	size_t i = 0, ndig = 0, first = SIZE_MAX, last = 0, intd = 0;
	int sign = 1, dot = 0;
	long e, exp;
	size_t k, j;

	memset(out, 0, sizeof(*out));
	if (i < n && (s[i] == '+' || s[i] == '-'))
		sign = s[i++] == '-' ? -1 : 1;
	for (; i < n; i++) {
		if (s[i] == '.' && !dot) {
			dot = 1;
			intd = ndig;
		} else if (s[i] >= '0' && s[i] <= '9') {
			if (s[i] != '0') {
				if (first == SIZE_MAX)
					first = ndig;
				last = ndig;
			}
			ndig++;
		} else
			break;
	}
	if (!dot)
		intd = ndig;
	if (ndig == 0 || parse_exp(s, n, &i, &e) != 0)
		return bad_text(s, n, err);
	if (first == SIZE_MAX)
		return 0;			/* zero, whatever its sign */
	if (last - first + 1 > DDB_NUM_DIGITS)
		return ddb_fail(err, DDB_VALIDATION, MSG_DIGITS);
	exp = (long)intd - (long)first;
	if (exp > EXP_CLAMP)
		exp = EXP_CLAMP;
	if (exp < -EXP_CLAMP)
		exp = -EXP_CLAMP;
	exp += e;
	if (check_range(exp, err) != 0)
		return -1;
	/* Second pass: copy the significant digits, skipping the point. */
	for (k = 0, j = 0; k < n && j <= last; k++) {
		if (s[k] < '0' || s[k] > '9')
			continue;
		if (j >= first)
			out->d[j - first] = (uint8_t)(s[k] - '0');
		j++;
	}
	out->sign = (int8_t)sign;
	out->n = (uint8_t)(last - first + 1);
	out->exp = (int16_t)exp;
	return 0;
}

size_t
ddb_num_format(const struct ddb_num *x, char *out)
{
	size_t len = 0;
	int i;

	if (x->sign == 0 || x->n == 0) {
		out[0] = '0';
		out[1] = '\0';
		return 1;
	}
	if (x->sign < 0)
		out[len++] = '-';
	if (x->exp <= 0) {
		out[len++] = '0';
		out[len++] = '.';
		for (i = 0; i < -x->exp; i++)
			out[len++] = '0';
	}
	for (i = 0; i < x->n; i++) {
		if (i == x->exp && x->exp > 0)
			out[len++] = '.';
		out[len++] = (char)('0' + x->d[i]);
	}
	for (i = x->n; i < x->exp; i++)
		out[len++] = '0';
	out[len] = '\0';
	return len;
}

/* Compare magnitudes of two non-zero values. */
static int
cmp_abs(const struct ddb_num *a, const struct ddb_num *b)
{
	int i, m = a->n < b->n ? a->n : b->n;

	if (a->exp != b->exp)
		return a->exp < b->exp ? -1 : 1;
	for (i = 0; i < m; i++)
		if (a->d[i] != b->d[i])
			return a->d[i] < b->d[i] ? -1 : 1;
	return (a->n > b->n) - (a->n < b->n);
}

int
ddb_num_cmp(const struct ddb_num *a, const struct ddb_num *b)
{
	if (a->sign != b->sign)
		return a->sign < b->sign ? -1 : 1;
	if (a->sign == 0)
		return 0;
	return a->sign * cmp_abs(a, b);
}

/*
 * Exact sums work in a fixed window of digit positions: a digit of power p
 * lives at w[p - LOW].  Any in-range operand has its digits between 10^125
 * and 10^-167 (0.1E-129 with 38 digits), plus one place for a carry.
 */
#define LOW	(-170)
#define WIN	300

static void
spread(const struct ddb_num *x, int8_t *w)
{
	int i;

	for (i = 0; i < x->n; i++)
		w[x->exp - 1 - i - LOW] = (int8_t)x->d[i];
}

/* Normalise window w (non-negative digits) into out with sign. */
static int
gather(const int8_t *w, int sign, struct ddb_num *out, struct ddb_err *err)
{
	int hi = WIN - 1, lo = 0, i;

	memset(out, 0, sizeof(*out));
	while (hi >= 0 && w[hi] == 0)
		hi--;
	if (hi < 0)
		return 0;			/* exact zero */
	while (w[lo] == 0)
		lo++;
	if (check_range(hi + LOW + 1, err) != 0)
		return -1;
	if (hi - lo + 1 > DDB_NUM_DIGITS)
		return ddb_fail(err, DDB_VALIDATION, MSG_DIGITS);
	out->sign = (int8_t)sign;
	out->n = (uint8_t)(hi - lo + 1);
	out->exp = (int16_t)(hi + LOW + 1);
	for (i = 0; i < out->n; i++)
		out->d[i] = (uint8_t)w[hi - i];
	return 0;
}

/* out = a + sb * b, where sb is 1 or -1. */
static int
add_signed(const struct ddb_num *a, const struct ddb_num *b, int sb,
    struct ddb_num *out, struct ddb_err *err)
{
	int8_t wa[WIN] = {0}, wb[WIN] = {0}, *big = wa, *small = wb;
	int bsign = b->sign * sb, sign = a->sign, carry = 0, i;

	if (b->sign == 0) {
		*out = *a;
		return 0;
	}
	if (a->sign == 0) {
		*out = *b;
		out->sign = (int8_t)bsign;
		return 0;
	}
	spread(a, wa);
	spread(b, wb);
	if (a->sign != bsign && cmp_abs(a, b) < 0) {
		big = wb;
		small = wa;
		sign = bsign;
	}
	for (i = 0; i < WIN; i++) {
		int v = a->sign == bsign ? big[i] + small[i] + carry :
		    big[i] - small[i] + carry;

		carry = v >= 10 ? 1 : v < 0 ? -1 : 0;
		big[i] = (int8_t)(v - carry * 10);
	}
	return gather(big, sign, out, err);
}

int
ddb_num_add(const struct ddb_num *a, const struct ddb_num *b,
    struct ddb_num *out, struct ddb_err *err)
{
	return add_signed(a, b, 1, out, err);
}

int
ddb_num_sub(const struct ddb_num *a, const struct ddb_num *b,
    struct ddb_num *out, struct ddb_err *err)
{
	return add_signed(a, b, -1, out, err);
}

/* floor(a / 2) for any sign. */
static int
floor2(int a)
{
	return a >= 0 ? a / 2 : -((1 - a) / 2);
}

/*
 * dynoxide's measurement of AWS (spec §2.2): digits are counted in pairs
 * aligned on the decimal point (integer and fraction rounded up
 * separately), plus one byte, plus one more for a negative number.  The
 * digit of index i has power exp - 1 - i; pair of power p is floor(p / 2).
 */
size_t
ddb_num_size(const struct ddb_num *x)
{
	int pairs;

	if (x->sign == 0 || x->n == 0)
		return 1;
	pairs = floor2(x->exp - 1) - floor2(x->exp - x->n) + 1;
	return (size_t)pairs + 1 + (x->sign < 0);
}

/*
 * Key form: a class byte (1 negative, 2 zero, 3 positive), the exponent
 * biased to 0..255, the digits two per byte as 1..100 (a lone last digit
 * padded with 0), then a 0 terminator.  For a negative number the exponent
 * and digit bytes are inverted and the terminator is 255, so a longer
 * mantissa (larger magnitude) sorts first.  The terminator keeps the order
 * when something follows the key in a composite key.
 */
size_t
ddb_num_key(const struct ddb_num *x, uint8_t *out)
{
	size_t len = 0;
	int i, neg = x->sign < 0;

	if (x->sign == 0 || x->n == 0) {
		out[0] = 2;
		return 1;
	}
	out[len++] = neg ? 1 : 3;
	out[len] = (uint8_t)(x->exp - EXP_MIN);
	if (neg)
		out[len] = (uint8_t)(255 - out[len]);
	len++;
	for (i = 0; i < x->n; i += 2) {
		int v = x->d[i] * 10 + (i + 1 < x->n ? x->d[i + 1] : 0) + 1;

		out[len++] = (uint8_t)(neg ? 255 - v : v);
	}
	out[len++] = neg ? 255 : 0;
	return len;
}

int
ddb_num_canon(const char *s, size_t n, char *out, struct ddb_err *err)
{
	struct ddb_num x;

	if (ddb_num_parse(s, n, &x, err) != 0)
		return -1;
	ddb_num_format(&x, out);
	return 0;
}
