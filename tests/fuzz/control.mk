# tests/fuzz/control.mk: libFuzzer drivers for the control plane
# (gateway/control/), included by the Makefile.
#
#   fuzz_zip      deployment packages unpacked by ziptree_extract (libzip):
#                 nothing may land outside the directory, whatever the zip

# Included before the Makefile's `all`: keep `all` the default goal.
.DEFAULT_GOAL := all
TARGETS     += fuzz_zip
CTL         := $(ROOT)/gateway/control
CTL_HDRS    := $(wildcard $(CTL)/*.h) $(HDRS)
CTL_LIBS    := $(shell $(PKG_CONFIG) --libs libcjson libzip libcrypto) -lm

$(B)/fuzz_zip: fuzz_zip.c $(CTL)/ziptree.c $(ROOT)/gateway/fs.c $(ROOT)/gateway/buf.c $(CTL_HDRS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $< $(CTL)/ziptree.c $(ROOT)/gateway/fs.c $(ROOT)/gateway/buf.c $(CTL_LIBS)
