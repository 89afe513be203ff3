/*
 * Unit tests for gateway/tables/expr*.c.  So far: the reserved-word list
 * (expr_words.c), case-insensitive and exact-length.  The parser and
 * evaluators are not written yet; their tests come with them.
 */
#include <string.h>

#include <criterion/criterion.h>

#include "tables/expr_int.h"

static bool
reserved(const char *s)
{
	return expr_reserved(s, strlen(s));
}

Test(expr_words, reserved_any_case)
{
	static const char *const yes[] = {
		"status", "STATUS", "Name", "data", "size", "count", "year",
		"key", "value", "user", "date", "timestamp", "abort", "zone",
		"and", "between", "ttl", "uuid", "FLATTERN", "inntER",
	};
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		cr_expect(reserved(yes[i]), "%s should be reserved", yes[i]);
}

Test(expr_words, not_reserved)
{
	static const char *const no[] = {
		"a", "id", "pk", "sk", "statuses", "stat", "my_status", "zones",
		"aborts", "_status", "status1", "", "zzzz", "AAA",
	};
	size_t i;

	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		cr_expect(!reserved(no[i]), "%s should not be reserved", no[i]);
}

Test(expr_words, length_not_nul)
{
	/* Only the first len bytes count: "status" inside "statusX". */
	cr_expect(expr_reserved("statusX", 6));
	cr_expect(!expr_reserved("statusX", 5));
}
