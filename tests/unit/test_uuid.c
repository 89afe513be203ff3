/*
 * test_uuid.c: the version 4 UUIDs behind request, schedule, table and
 * function ids (gateway/uuid.c).
 */
#include <ctype.h>
#include <string.h>

#include <criterion/criterion.h>

#include "uuid.h"

static void
check_shape(const char *s)
{
	size_t i;

	cr_assert_eq(strlen(s), 36, "%s", s);
	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23)
			cr_assert_eq(s[i], '-', "%s", s);
		else
			cr_assert(isxdigit((unsigned char)s[i]) &&
			    !isupper((unsigned char)s[i]), "%s", s);
	}
	cr_assert_eq(s[14], '4', "version 4: %s", s);
	cr_assert(strchr("89ab", s[19]) != NULL, "variant 1: %s", s);
}

Test(uuid, format_sets_version_and_variant)
{
	unsigned char ones[16], zeros[16] = { 0 };
	char out[37];

	memset(ones, 0xff, sizeof(ones));
	uuid_format(out, ones);
	cr_assert_str_eq(out, "ffffffff-ffff-4fff-bfff-ffffffffffff");
	uuid_format(out, zeros);
	cr_assert_str_eq(out, "00000000-0000-4000-8000-000000000000");
	check_shape(out);
}

Test(uuid, random_ids_differ)
{
	char a[37], b[37];

	uuid_random(a);
	uuid_random(b);
	check_shape(a);
	check_shape(b);
	cr_assert_str_neq(a, b);
}
