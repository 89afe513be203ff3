/* crc32: the check values every CRC-32 (zlib's) implementation gives. */
#include <string.h>

#include <criterion/criterion.h>

#include "tables/crc32.h"

Test(crc32, check_values)
{
	cr_assert_eq(crc32_update(0, "", 0), 0);
	cr_assert_eq(crc32_update(0, "123456789", 9), 0xCBF43926u);
	cr_assert_eq(crc32_update(0, "a", 1), 0xE8B7BE43u);
	/* python3 -c 'import zlib; print(zlib.crc32(b"{}"))' */
	cr_assert_eq(crc32_update(0, "{}", 2), 2745614147u);
}

Test(crc32, incremental)
{
	const char *s = "The quick brown fox jumps over the lazy dog";
	uint32_t a = crc32_update(0, s, strlen(s));
	uint32_t b = crc32_update(crc32_update(0, s, 10), s + 10,
	    strlen(s) - 10);

	cr_assert_eq(a, 0x414FA339u);
	cr_assert_eq(a, b);
}

/* CRC-32C, as S3's x-amz-checksum-crc32c: the check value of
 * "123456789" (RFC 3720's polynomial), and incremental. */
Test(crc32c, check_value)
{
	cr_assert_eq(crc32c_update(0, "123456789", 9), 0xE3069283u);
	cr_assert_eq(crc32c_update(0, "", 0), 0);
	cr_assert_eq(crc32c_update(crc32c_update(0, "1234", 4), "56789", 5),
	    0xE3069283u);
}
