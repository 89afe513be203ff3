/*
 * crc32: the CRC-32 of zlib, gzip and java.util.zip.CRC32 (reflected
 * polynomial 0xEDB88320, initial and final XOR 0xFFFFFFFF), for the
 * x-amz-crc32 header DynamoDB clients check on every reply
 * (spec/dynamodb.md 1.2): zlib's, whose word-at-a-time loop is several
 * times faster than a byte table on the 20 KiB replies of a Query.
 * CRC-32C, which zlib does not have, is a table here.  Buckets uses both
 * for the checksums S3 clients send.
 */
#ifndef LAMBDAD_TABLES_CRC32_H
#define LAMBDAD_TABLES_CRC32_H

#include <stddef.h>
#include <stdint.h>

/* CRC-32 of p[0..n), continuing from crc (0 to start). */
uint32_t crc32_update(uint32_t crc, const void *p, size_t n);
/* CRC-32C (Castagnoli, 0x82F63B78 reflected), as S3's
 * x-amz-checksum-crc32c; the same use. */
uint32_t crc32c_update(uint32_t crc, const void *p, size_t n);

#endif
