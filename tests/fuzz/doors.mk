# doors.mk: fuzz_rapi and fuzz_admin, two of lambdad's doors driven with
# their real state behind them (the pool, the workers, the daemon), so
# they link most of the gateway.  Included by the Makefile.
#
# The gateway, its subsystems, the sandbox client and llhttp are compiled
# once, instrumented (fuzzer-no-link), into build/fuzz/doors/libdoors.a;
# each driver links what it needs from there.

TARGETS    += fuzz_rapi fuzz_admin fuzz_ws
# The rules below come before the Makefile's own: keep its default.
.DEFAULT_GOAL := all

DOORS_B    := $(B)/doors
DOORS_GW   := $(filter-out $(ROOT)/gateway/main.c $(ROOT)/gateway/lambdactl.c,\
	$(wildcard $(ROOT)/gateway/*.c)) $(wildcard $(ROOT)/gateway/*/*.c)
DOORS_SB   := $(filter-out $(ROOT)/sandbox/lambdad-sandbox.c,\
	$(wildcard $(ROOT)/sandbox/*.c))
DOORS_OBJS := $(DOORS_GW:$(ROOT)/%.c=$(DOORS_B)/%.o) \
	$(DOORS_SB:$(ROOT)/%.c=$(DOORS_B)/%.o) \
	$(DOORS_B)/llhttp/api.o $(DOORS_B)/llhttp/http.o $(DOORS_B)/llhttp/llhttp.o
DOORS_HDRS := $(wildcard $(ROOT)/gateway/*.h $(ROOT)/gateway/*/*.h \
	$(ROOT)/sandbox/*.h)
# The library is the gateway's code as the main Makefile builds it (its
# warnings are that Makefile's business); the drivers keep -Werror.
DOORS_COMMA := ,
DOORS_LIBCFLAGS := $(filter-out -fsanitize=fuzzer$(DOORS_COMMA)address$(DOORS_COMMA)undefined \
	-Werror,$(FUZZ_CFLAGS)) -fsanitize=fuzzer-no-link,address,undefined \
	-I$(ROOT)/sandbox $(shell $(PKG_CONFIG) --cflags sqlite3 libseccomp)
DOORS_LIBS := $(FUZZ_LIBS) $(shell $(PKG_CONFIG) --libs sqlite3 libseccomp libzip \
	inih zlib libbrotlienc) -lpthread -lwslay

$(DOORS_B)/%.o: $(ROOT)/%.c $(DOORS_HDRS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(DOORS_LIBCFLAGS) -w -c $< -o $@

$(DOORS_B)/llhttp/%.o: $(LLHTTP_SRCDIR)/%.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(DOORS_LIBCFLAGS) -w -c $< -o $@

$(DOORS_B)/libdoors.a: $(DOORS_OBJS)
	rm -f $@ && ar rcs $@ $^

$(B)/fuzz_rapi: fuzz_rapi.c doors_fixture.h $(DOORS_B)/libdoors.a
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -I$(ROOT)/sandbox -o $@ $< \
		$(DOORS_B)/libdoors.a $(DOORS_LIBS)

$(B)/fuzz_admin: fuzz_admin.c doors_fixture.h $(DOORS_B)/libdoors.a
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -I$(ROOT)/sandbox -o $@ $< \
		$(DOORS_B)/libdoors.a $(DOORS_LIBS)

# fuzz_ws: the WebSocket frame path (apigw/ws_conn.c and libwslay) on a
# real connection, and the events' pure helpers (ws_event.c).
$(B)/fuzz_ws: fuzz_ws.c $(DOORS_B)/libdoors.a
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $< $(DOORS_B)/libdoors.a $(DOORS_LIBS)
