/*
 * Unit tests for gateway/logring: sequence numbers across functions, reads
 * after a number, the per-function line limit and the dropped flag, the
 * byte cap of a read, and forgetting a function.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <string.h>

#include "logring.h"

static void
teardown(void)
{
	logring_free();
}

static size_t
count_lines(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		n += *s == '\n';
	return n;
}

Test(logring, sequence_and_read_after, .fini = teardown)
{
	struct buf b;
	uint64_t first, last;
	int dropped;

	buf_init(&b);
	logring_add("a", NULL, "one", 3);
	first = logring_seq();
	logring_add("b", "id-1", "other", 5);
	logring_add("a", "id-2", "two", 3);
	cr_assert_eq(logring_seq(), first + 2);
	last = logring_read("a", 0, &b, 65536, &dropped);
	cr_assert_eq(last, first + 2);
	cr_assert_eq(dropped, 0);
	cr_assert_eq(count_lines(b.data), 2);
	cr_assert(strstr(b.data, "Z one\n") != NULL, "%s", b.data);
	cr_assert(strstr(b.data, "Z id-2 two\n") != NULL, "%s", b.data);
	cr_assert(strstr(b.data, "other") == NULL, "only a's lines");
	buf_reset(&b);
	cr_assert_eq(logring_read("a", first, &b, 65536, &dropped), first + 2);
	cr_assert_eq(count_lines(b.data), 1, "only what came after");
	buf_reset(&b);
	cr_assert_eq(logring_read("a", last, &b, 65536, &dropped), last,
	    "nothing new: the same number back");
	cr_assert_eq(b.len, 0);
	cr_assert_eq(logring_read("nosuch", 7, &b, 65536, &dropped), 7);
	buf_free(&b);
}

Test(logring, line_limit_and_dropped, .fini = teardown)
{
	struct buf b;
	char line[32];
	int i, dropped;

	buf_init(&b);
	for (i = 0; i < LOGRING_LINES + 10; i++) {
		int n = snprintf(line, sizeof(line), "line %d", i);

		logring_add("f", NULL, line, (size_t)n);
	}
	logring_read("f", 0, &b, (size_t)-1, &dropped);
	cr_assert_eq(count_lines(b.data), LOGRING_LINES);
	cr_assert(strstr(b.data, "Z line 10\n") != NULL, "the oldest kept");
	cr_assert(strstr(b.data, "Z line 9\n") == NULL, "the 10 oldest dropped");
	cr_assert_eq(dropped, 0, "after 0 means from the start, no complaint");
	buf_reset(&b);
	logring_read("f", 3, &b, (size_t)-1, &dropped);
	cr_assert_eq(dropped, 1, "a follower that was at line 3 missed some");
	buf_free(&b);
}

Test(logring, read_cap_keeps_whole_lines, .fini = teardown)
{
	struct buf b;
	char big[1000];
	uint64_t last;
	int dropped;

	memset(big, 'x', sizeof(big));
	buf_init(&b);
	logring_add("f", NULL, big, sizeof(big));
	logring_add("f", NULL, big, sizeof(big));
	last = logring_read("f", 0, &b, 10, &dropped);
	cr_assert_eq(count_lines(b.data), 1, "at least one line, never half");
	buf_reset(&b);
	logring_read("f", last, &b, 10, &dropped);
	cr_assert_eq(count_lines(b.data), 1, "the next read gets the next line");
	buf_free(&b);
}

Test(logring, forget, .fini = teardown)
{
	struct buf b;
	int dropped;

	buf_init(&b);
	logring_add("f", NULL, "x", 1);
	logring_forget("f");
	logring_read("f", 0, &b, 100, &dropped);
	cr_assert_eq(b.len, 0);
	logring_add("f", NULL, "y", 1);	/* a new ring after forgetting */
	logring_read("f", 0, &b, 100, &dropped);
	cr_assert_eq(count_lines(b.data), 1);
	buf_free(&b);
}
