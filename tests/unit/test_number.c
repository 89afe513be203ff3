/*
 * Unit tests for gateway/tables/number.c: canonical forms, every error
 * message, the limits at their edges, exact add/sub, AWS's size rule, and
 * key order against ddb_num_cmp on thousands of random numbers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "tables/number.h"

static struct ddb_num
num(const char *s)
{
	struct ddb_num x;
	struct ddb_err e = { 0 };

	cr_assert_eq(ddb_num_parse(s, strlen(s), &x, &e), 0, "%s: %s", s,
	    e.msg);
	return x;
}

Test(number, canonical_forms)
{
	static const char *const c[][2] = {
		{ "1E3", "1000" }, { "1.5E-3", "0.0015" }, { "1.50", "1.5" },
		{ "0001", "1" }, { "-0", "0" }, { "+5", "5" }, { "-.5", "-0.5" },
		{ "0", "0" }, { "0.000", "0" }, { "0e99999", "0" },
		{ "123.456", "123.456" }, { "-123.4560", "-123.456" },
		{ "1e0", "1" }, { "10", "10" }, { "100.00", "100" },
		{ "0.1", "0.1" }, { "12.5e3", "12500" }, { "12.5E+1", "125" },
		{ "1.", "1" }, { ".1e1", "1" }, { "-1e-2", "-0.01" },
		{ "1E50", "1" "00000000000000000000000000000000000000000000000000" },
		{ "100000000000000000000000000000000000000000000000000",
		  "100000000000000000000000000000000000000000000000000" },
		{ "1E-130", "0.0000000000000000000000000000000000000000000000000"
		  "000000000000000000000000000000000000000000000000000000000000"
		  "000000000000000000001" },
		{ "12345678901234567890123456789012345678",
		  "12345678901234567890123456789012345678" },
		{ "0.00012345678901234567890123456789012345678000",
		  "0.00012345678901234567890123456789012345678" },
	};
	char out[DDB_NUM_TEXT_MAX];
	struct ddb_err e = { 0 };
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		cr_expect_eq(ddb_num_canon(c[i][0], strlen(c[i][0]), out, &e),
		    0, "%s: %s", c[i][0], e.msg);
		cr_expect_str_eq(out, c[i][1], "%s", c[i][0]);
	}
}

#define DIG "Attempting to store more than 38 significant digits in a Number"
#define OVR "Number overflow. Attempting to store a number with magnitude " \
	"larger than supported range"
#define UND "Number underflow. Attempting to store a number with magnitude " \
	"smaller than supported range"
#define NAN_ "The parameter cannot be converted to a numeric value: "

Test(number, errors_and_limits)
{
	static const struct { const char *s, *msg; } c[] = {
		{ "123456789012345678901234567890123456789", DIG },
		{ "1.23456789012345678901234567890123456789", DIG },
		{ "1E126", OVR }, { "-1E126", OVR }, { "10E125", OVR },
		{ "1E-131", UND }, { "0.1E-130", UND }, { "-1e-131", UND },
		{ "", NAN_ }, { "abc", NAN_ "abc" }, { "1e", NAN_ "1e" },
		{ "1.2.3", NAN_ "1.2.3" }, { "--1", NAN_ "--1" },
		{ " 1", NAN_ " 1" }, { "1 ", NAN_ "1 " }, { ".", NAN_ "." },
		{ "NaN", NAN_ "NaN" }, { "Infinity", NAN_ "Infinity" },
		{ "e5", NAN_ "e5" }, { "0x10", NAN_ "0x10" }, { "+", NAN_ "+" },
	};
	static const char *const ok[] = {
		"12345678901234567890123456789012345678",
		"9.9999999999999999999999999999999999999E+125",
		"-9.9999999999999999999999999999999999999E+125",
		"1E-130", "-1E-130", "1E125", "1" "0000000000000000000000000000"
		"00000000000000000000000000000000000000000000000000000",
	};
	struct ddb_num x;
	struct ddb_err e;
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		memset(&e, 0, sizeof(e));
		cr_expect_eq(ddb_num_parse(c[i].s, strlen(c[i].s), &x, &e), -1,
		    "%s", c[i].s);
		cr_expect_eq(e.type, DDB_VALIDATION, "%s", c[i].s);
		cr_expect_str_eq(e.msg, c[i].msg, "%s", c[i].s);
	}
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		cr_expect_eq(ddb_num_parse(ok[i], strlen(ok[i]), &x, NULL), 0,
		    "%s", ok[i]);
}

static void
expect_op(const char *a, const char *b, int sub, const char *want)
{
	struct ddb_num x = num(a), y = num(b), r;
	struct ddb_err e = { 0 };
	char out[DDB_NUM_TEXT_MAX];
	int rc = (sub ? ddb_num_sub : ddb_num_add)(&x, &y, &r, &e);

	if (want[0] == '!') {
		cr_expect_eq(rc, -1, "%s %c %s", a, sub ? '-' : '+', b);
		cr_expect_str_eq(e.msg, want + 1, "%s %s", a, b);
		return;
	}
	cr_expect_eq(rc, 0, "%s %s: %s", a, b, e.msg);
	ddb_num_format(&r, out);
	cr_expect_str_eq(out, want, "%s %c %s", a, sub ? '-' : '+', b);
}

Test(number, add_sub_exact)
{
	expect_op("0.1", "0.2", 0, "0.3");
	expect_op("0.3", "0.1", 1, "0.2");
	expect_op("1", "-1", 0, "0");
	expect_op("5", "5", 1, "0");
	expect_op("1", "2", 1, "-1");
	expect_op("-1.5", "2", 0, "0.5");
	expect_op("-1.5", "-2", 0, "-3.5");
	expect_op("-1.5", "-2", 1, "0.5");
	expect_op("0", "-7", 1, "7");
	expect_op("0", "-7", 0, "-7");
	expect_op("99", "1", 0, "100");
	expect_op("100", "1", 1, "99");
	expect_op("1E100", "1E100", 0, "2" "00000000000000000000000000000000"
	    "000000000000000000000000000000000000000000000000000000000000000"
	    "00000");
	expect_op("99999999999999999999999999999999999999", "1", 0,
	    "100000000000000000000000000000000000000");
	expect_op("99999999999999999999999999999999999999", "2", 0, "!" DIG);
	expect_op("1E30", "0.000000001", 0, "!" DIG);
	expect_op("12345678901234567890123456789012345678", "0.5", 1, "!" DIG);
	expect_op("9.9999999999999999999999999999999999999E+125",
	    "9.9999999999999999999999999999999999999E+125", 0, "!" OVR);
	expect_op("-9E125", "1E125", 1, "!" OVR);
	expect_op("1.1E-130", "1E-130", 1, "!" UND);
	expect_op("1E125", "1E-129", 0, "!" DIG);
	expect_op("1.2345", "-1.2345", 0, "0");
}

Test(number, cmp_and_size)
{
	cr_expect_lt(ddb_num_cmp(&(struct ddb_num){0}, &(struct ddb_num){0}) ,
	    1);
	{
		struct ddb_num a = num("1"), b = num("1.0"), c = num("-2"),
		    d = num("10"), z = num("0");

		cr_expect_eq(ddb_num_cmp(&a, &b), 0);
		cr_expect_lt(ddb_num_cmp(&c, &a), 0);
		cr_expect_gt(ddb_num_cmp(&d, &a), 0);
		cr_expect_lt(ddb_num_cmp(&z, &a), 0);
		cr_expect_gt(ddb_num_cmp(&z, &c), 0);
		cr_expect_eq(ddb_num_size(&z), 1);
		cr_expect_eq(ddb_num_size(&a), 2);
	}
	cr_expect_eq(ddb_num_size(&(struct ddb_num){0}), 1);
	{
		struct ddb_num a = num("12345"), b = num("-12345"),
		    c = num("1.5"), d = num("1E50"), e = num("12.34");

		cr_expect_eq(ddb_num_size(&a), 4);	/* 1|23|45 */
		cr_expect_eq(ddb_num_size(&b), 5);
		cr_expect_eq(ddb_num_size(&c), 3);	/* 1|.5 */
		cr_expect_eq(ddb_num_size(&d), 2);
		cr_expect_eq(ddb_num_size(&e), 3);	/* 12|.34 */
	}
}

static void
random_num(char *s)
{
	int n = 1 + rand() % 38, i, len = 0, e = rand() % 200 - 120;

	if (rand() % 2)
		s[len++] = '-';
	if (rand() % 10 == 0) {
		strcpy(s + len, "0");
		return;
	}
	s[len++] = (char)('1' + rand() % 9);
	for (i = 1; i < n; i++)	/* few distinct digits: many shared prefixes */
		s[len++] = (char)('0' + (rand() % 3 ? rand() % 2 * 9 : rand() % 10));
	sprintf(s + len, "E%d", rand() % 4 ? e % 5 : e);
}

Test(number, key_order_matches_cmp)
{
	static struct ddb_num x[3000];
	static uint8_t k[3000][DDB_NUM_KEY_MAX];
	static size_t kl[3000];
	char s[80], out[DDB_NUM_TEXT_MAX];
	struct ddb_num y;
	int i, j;

	srand(42);
	for (i = 0; i < 3000; i++) {
		random_num(s);
		x[i] = num(s);
		kl[i] = ddb_num_key(&x[i], k[i]);
		cr_assert_leq(kl[i], DDB_NUM_KEY_MAX);
		/* parse -> format -> parse is a fixed point */
		ddb_num_format(&x[i], out);
		y = num(out);
		cr_assert_eq(ddb_num_cmp(&x[i], &y), 0, "%s %s", s, out);
		cr_assert_eq(memcmp(&x[i], &y, sizeof(y)), 0, "%s", s);
	}
	for (i = 0; i < 3000; i++)
		for (j = 0; j < 3000; j += 1 + i % 3) {
			size_t m = kl[i] < kl[j] ? kl[i] : kl[j];
			int c = memcmp(k[i], k[j], m), want = ddb_num_cmp(&x[i],
			    &x[j]);

			if (c == 0)
				c = (kl[i] > kl[j]) - (kl[i] < kl[j]);
			cr_assert_eq((c > 0) - (c < 0), (want > 0) - (want < 0),
			    "%d %d", i, j);
		}
}
