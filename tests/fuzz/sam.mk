# tests/fuzz/sam.mk: lambdactl deploy-template's template reader
# (gateway/sam/yaml.c, template.c), included by the Makefile.
#
#   fuzz_sam      YAML or JSON text parsed, prepared and every resource's
#                 Properties and every output resolved

.DEFAULT_GOAL := all
TARGETS     += fuzz_sam
SAM_SRCS    := $(ROOT)/gateway/sam/yaml.c $(ROOT)/gateway/sam/template.c

$(B)/fuzz_sam: fuzz_sam.c $(SAM_SRCS) $(wildcard $(ROOT)/gateway/sam/*.h)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $< $(SAM_SRCS) \
		$(shell $(PKG_CONFIG) --libs libcjson yaml-0.1) -lm
