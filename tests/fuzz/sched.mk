# tests/fuzz/sched.mk: the schedule expressions (gateway/sched/cron.c),
# included by the Makefile.
#
#   fuzz_cron     rate(), cron() and at(), parsed and stepped forward

.DEFAULT_GOAL := all
TARGETS     += fuzz_cron
CRON_SRCS   := $(ROOT)/gateway/sched/cron.c

$(B)/fuzz_cron: fuzz_cron.c $(CRON_SRCS) $(ROOT)/gateway/sched/cron.h
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $< $(CRON_SRCS)
