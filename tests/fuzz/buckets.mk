# tests/fuzz/buckets.mk: fuzz_s3, the request parsing of Buckets
# (gateway/buckets/): the router (method, Host, path and query to an
# operation, bucket and key), the aws-chunked decoder with and without
# chunk signatures, the XML reader, Range and the listing's paging.
# Included by the Makefile.

.DEFAULT_GOAL := all
TARGETS    += fuzz_s3
S3_SRCS    := $(ROOT)/gateway/buckets/s3util.c $(ROOT)/gateway/buckets/s3route.c \
	$(ROOT)/gateway/buckets/s3chunk.c $(SIGV4_SRCS)

$(B)/fuzz_s3: fuzz_s3.c $(S3_SRCS) $(HDRS) $(wildcard $(ROOT)/gateway/buckets/*.h)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Wno-unused-parameter -o $@ $< \
		$(filter %.c,$(S3_SRCS)) $(FUZZ_LIBS)
