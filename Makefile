# lambdad — one GNU Makefile: build, test, install, run, deps, fuzz, bench.
#
#   make          build everything into build/
#   make run      build and run the daemon with examples/lambdad.conf
#   make test     build and run every test; ends with "N passed, N failed"
#   make deps     install the Debian packages the build and tests need

PREFIX     ?= /usr/local
DESTDIR    ?=
PKG_CONFIG ?= pkg-config
CC         ?= cc
B          := build

CSTD     := -std=c11 -D_GNU_SOURCE
WARN     := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2
ifeq ($(WERROR),1)
WARN     += -Werror
endif
OPT      ?= -O2 -g
ifneq ($(SANITIZE),)
OPT      += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
LDSAN    := -fsanitize=$(SANITIZE)
endif
CFLAGS   ?=
CFLAGS   += $(CSTD) $(WARN) $(OPT) -MMD -MP
LDFLAGS  += $(LDSAN)

# llhttp: a system library where one exists, else Debian's node-llhttp sources.
ifeq ($(shell $(PKG_CONFIG) --exists libllhttp 2>/dev/null && echo y),y)
LLHTTP_CFLAGS := $(shell $(PKG_CONFIG) --cflags libllhttp)
LLHTTP_LIBS   := $(shell $(PKG_CONFIG) --libs libllhttp)
LLHTTP_OBJS   :=
else
LLHTTP_SRCDIR ?= /usr/share/llhttp
LLHTTP_CFLAGS := -I/usr/share/include/llhttp
LLHTTP_LIBS   :=
LLHTTP_OBJS   := $(B)/llhttp/api.o $(B)/llhttp/http.o $(B)/llhttp/llhttp.o
endif

# wslay (WebSocket frames): Debian's libwslay-dev ships no .pc file.
ifeq ($(shell $(PKG_CONFIG) --exists libwslay 2>/dev/null && echo y),y)
WSLAY_LIBS := $(shell $(PKG_CONFIG) --libs libwslay)
else
WSLAY_LIBS := -lwslay
endif

PC_LIBS  := libuv libcjson libseccomp inih libcrypto sqlite3 libsystemd libzip zlib libbrotlienc
DEP_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(PC_LIBS) 2>/dev/null) $(LLHTTP_CFLAGS)
DEP_LIBS   = $(shell $(PKG_CONFIG) --libs $(PC_LIBS) 2>/dev/null) $(LLHTTP_LIBS) $(WSLAY_LIBS)

# ---- sources ----------------------------------------------------------------
GW_SRCS   := $(filter-out gateway/main.c gateway/lambdactl.c,$(wildcard gateway/*.c))
GW_OBJS   := $(GW_SRCS:%.c=$(B)/%.o)
# The subsystems' folders (gateway/tables/, gateway/store/, ...), in one
# archive: a program links only the parts it uses.
SUB_SRCS  := $(filter-out gateway/sam/%,$(wildcard gateway/*/*.c))
SUB_OBJS  := $(SUB_SRCS:%.c=$(B)/%.o)
# gateway/sam/: lambdactl deploy-template's, linked into lambdactl only.
SAM_SRCS  := $(wildcard gateway/sam/*.c)
SAM_OBJS  := $(SAM_SRCS:%.c=$(B)/%.o)
SAM_LIBS   = $(shell $(PKG_CONFIG) --libs libcjson yaml-0.1 libzip libcrypto)
SB_SRCS   := $(filter-out sandbox/lambdad-sandbox.c,$(wildcard sandbox/*.c))
SB_OBJS   := $(SB_SRCS:%.c=$(B)/%.o)
RT_SRCS   := $(wildcard runtime/*.c)
RT_OBJS   := $(RT_SRCS:%.c=$(B)/%.o)
RT_PIC    := $(RT_SRCS:%.c=$(B)/pic/%.o)

# examples/NAME/*.c -> build/examples/NAME/bootstrap (linked with liblambda.a);
# examples/NAME/bootstrap (a script) is copied as is.
EX_C      := $(sort $(dir $(wildcard examples/*/*.c)))
EX_C_BINS := $(patsubst examples/%/,$(B)/examples/%/bootstrap,$(EX_C))
EX_SCRIPTS:= $(patsubst examples/%,$(B)/examples/%,$(wildcard examples/*/bootstrap))
# tests/handlers/NAME.c -> build/tests/handlers/NAME: handlers that misbehave on purpose
TH_SRCS   := $(wildcard tests/handlers/*.c)
TH_BINS   := $(TH_SRCS:tests/handlers/%.c=$(B)/tests/handlers/%)
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(B)/tests/unit/%)

BINS := $(B)/lambdad $(B)/lambdactl $(B)/lambdad-sandbox $(B)/liblambda.a $(B)/liblambda.so \
	$(B)/liblambda.pc $(B)/lambdad.service $(EX_C_BINS) $(EX_SCRIPTS) $(TH_BINS)

.SECONDEXPANSION:
.PHONY: all test unit integration run install deps deps-test deps-node deps-bench fuzz bench soak lint clean ric sdk openapi sanitize
all: $(BINS)

$(B)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(DEP_CFLAGS) -Igateway -Isandbox -Iruntime -c $< -o $@

$(B)/llhttp/%.o: $(LLHTTP_SRCDIR)/%.c
	@mkdir -p $(@D)
	$(CC) $(CSTD) -O2 -g -w $(LLHTTP_CFLAGS) -c $< -o $@

# liblambda: tiny, no dependencies, only the lambda_ API visible.
RT_CFLAGS := -fvisibility=hidden
$(B)/runtime/%.o: runtime/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(RT_CFLAGS) -Iruntime -c $< -o $@
$(B)/pic/runtime/%.o: runtime/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(RT_CFLAGS) -fPIC -Iruntime -c $< -o $@

$(B)/liblambda.a: $(RT_OBJS)
	rm -f $@ && ar rcs $@ $^
$(B)/liblambda.so: $(RT_PIC)
	$(CC) -shared -Wl,-soname,liblambda.so.1 $(LDFLAGS) -o $@ $^
$(B)/liblambda.pc: runtime/liblambda.pc.in
	@mkdir -p $(@D)
	sed -e 's|@PREFIX@|$(PREFIX)|g' $< > $@

$(B)/lambdad.service: gateway/lambdad.service.in
	@mkdir -p $(@D)
	sed -e 's|@SBINDIR@|$(PREFIX)/sbin|g' -e 's|@BINDIR@|$(PREFIX)/bin|g' $< > $@

$(B)/libsandbox.a: $(SB_OBJS)
	rm -f $@ && ar rcs $@ $^

$(B)/libgwsub.a: $(SUB_OBJS)
	rm -f $@ && ar rcs $@ $^

$(B)/lambdad: $(B)/gateway/main.o $(GW_OBJS) $(B)/libgwsub.a $(B)/libsandbox.a $(LLHTTP_OBJS)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o %.a,$^) $(DEP_LIBS)

$(B)/libsam.a: $(SAM_OBJS)
	rm -f $@ && ar rcs $@ $^

$(B)/lambdactl: $(B)/gateway/lambdactl.o $(B)/libsam.a
	$(CC) $(LDFLAGS) -o $@ $^ $(SAM_LIBS)

$(B)/lambdad-sandbox: $(B)/sandbox/lambdad-sandbox.o $(B)/libsandbox.a
	$(CC) $(LDFLAGS) -o $@ $^ $(DEP_LIBS)

$(B)/examples/%/bootstrap: $(B)/liblambda.a $$(wildcard examples/%/*.c)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Iruntime $(shell $(PKG_CONFIG) --cflags libcjson) \
		-o $@ $(filter %.c,$^) $(B)/liblambda.a $(shell $(PKG_CONFIG) --libs libcjson) $(LDFLAGS)
$(EX_SCRIPTS): $(B)/examples/%: examples/%
	@mkdir -p $(@D)
	cp $< $@ && chmod +x $@

$(B)/tests/handlers/%: tests/handlers/%.c $(B)/liblambda.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Iruntime -o $@ $< $(B)/liblambda.a $(LDFLAGS)

$(B)/tests/unit/%: tests/unit/%.c $(GW_OBJS) $(B)/libgwsub.a $(B)/libsandbox.a $(LLHTTP_OBJS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(DEP_CFLAGS) -Igateway -Isandbox -Iruntime -o $@ \
		$(filter %.c %.o %.a,$^) $(DEP_LIBS) -lcriterion $(LDFLAGS)
# test_sam tests the template code lambdactl links.
$(B)/tests/unit/test_sam: $(B)/libsam.a
$(B)/tests/unit/test_sam: DEP_LIBS += $(SAM_LIBS)


# ---- dependencies -------------------------------------------------------------
# Debian packages; installed only when missing (needs root or sudo).
DEPS_BUILD := gcc make pkg-config libuv1-dev node-llhttp libcjson-dev libseccomp-dev libinih-dev libssl-dev \
	libsqlite3-dev libsystemd-dev libwslay-dev libzip-dev zlib1g-dev libbrotli-dev libyaml-dev
DEPS_TEST  := libcriterion-dev curl perl procps iproute2 g++ cmake autoconf automake \
	libtool python3 python3-prometheus-client python3-boto3 python3-jwt python3-cryptography \
	mandoc awscli wrk chromium python3-websockets zip s3cmd faketime
DEPS_BENCH := wrk nginx-light spawn-fcgi libfcgi-dev valgrind strace

define install_pkgs
	@missing=$$(for p in $(1); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | \
		grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing:" $$missing; \
		SUDO=; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
		$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
		$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi
endef

deps:
	$(call install_pkgs,$(DEPS_BUILD))
# Node.js comes with the machine image (NodeSource) or from Debian; Debian's
# npm package conflicts with NodeSource's nodejs, so install only if missing.
deps-test: deps deps-node
	$(call install_pkgs,$(DEPS_TEST))
deps-node:
	@if ! command -v node >/dev/null || ! command -v npm >/dev/null; then \
		SUDO=; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
		$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			--no-install-recommends nodejs npm; fi
# Node for s3rver, which tests/bench/buckets.sh installs from npm.
deps-bench: deps deps-node
	$(call install_pkgs,$(DEPS_BENCH))

# ---- running and testing -------------------------------------------------------
run: deps
	$(MAKE) all
	$(B)/lambdad -c examples/lambdad.conf

unit: $(UNIT_BINS)
integration: all

# The unmodified AWS Node.js runtime interface client, from npm, built once
# into tests/integration/ric/node_modules (several minutes the first time).
ric:
	tests/integration/ric/install.sh

# The AWS SDK for JavaScript v3 clients, from npm, for the store tests.
sdk:
	tests/integration/sdk/install.sh

# The OpenAPI validator (@apidevtools/swagger-parser) 38-openapi checks the
# generated API document with, from npm.
openapi:
	tests/integration/openapi/install.sh

test: deps-test
	$(MAKE) all $(UNIT_BINS)
	$(MAKE) ric sdk openapi
	tests/run.sh

# The gateway with ASan and UBSan (build/san/): its unit tests and the
# integration tests of the parsers, doors and pools run against it, and any
# sanitizer report fails the run.  Workers run the normal build's handlers.
SAN_B     := build/san
SAN_TESTS ?= 01- 02- 03- 04- 07- 10- 14- 16- 17- 18- 19- 23- 25- 27- 30- 31- 33- 36- 37- 38- 39- 40- 41- 42- 44- 46- 47- 48- 49- 50- 51- 52- 53- 54- 55- 56- 57-
SAN_ENV    = ASAN_OPTIONS=log_path=$(CURDIR)/$(SAN_B)/reports/asan:detect_leaks=1:abort_on_error=0 \
	UBSAN_OPTIONS=log_path=$(CURDIR)/$(SAN_B)/reports/ubsan:print_stacktrace=1 \
	LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp
sanitize: deps-test
	$(MAKE) all openapi sdk ric
	$(MAKE) B=$(SAN_B) SANITIZE=address,undefined $(SAN_B)/lambdad unit
	rm -rf $(SAN_B)/reports && mkdir -p $(SAN_B)/reports && chmod 1777 $(SAN_B)/reports
	$(SAN_ENV) LAMBDAD=$(CURDIR)/$(SAN_B)/lambdad UNIT_DIR=$(SAN_B)/tests/unit \
		LOG_DIR=$(SAN_B)/test-logs SAN_REPORTS=$(SAN_B)/reports \
		TESTS="$(SAN_TESTS)" tests/run.sh

bench: deps-bench
	$(MAKE) all
	tests/bench/run.sh
	tests/bench/relay.sh
	tests/bench/tables.sh
	tests/bench/ws.sh
	tests/bench/buckets.sh
	tests/bench/site.sh

soak: deps-bench
	$(MAKE) all
	tests/bench/soak.sh

fuzz:
	$(MAKE) -C tests/fuzz

lint:
	mandoc -Tlint -Wwarning man/*.[0-9]

# ---- install ------------------------------------------------------------------
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/lib \
		$(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/include \
		$(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man3 \
		$(DESTDIR)$(PREFIX)/share/man/man5 $(DESTDIR)$(PREFIX)/share/man/man8
	install -m 755 $(B)/lambdad $(DESTDIR)$(PREFIX)/sbin/lambdad
	install -m 755 $(B)/lambdactl $(DESTDIR)$(PREFIX)/bin/lambdactl
	install -m 755 $(B)/lambdad-sandbox $(DESTDIR)$(PREFIX)/bin/lambdad-sandbox
	install -m 644 $(B)/liblambda.a $(DESTDIR)$(PREFIX)/lib/liblambda.a
	install -m 755 $(B)/liblambda.so $(DESTDIR)$(PREFIX)/lib/liblambda.so.1
	ln -sf liblambda.so.1 $(DESTDIR)$(PREFIX)/lib/liblambda.so
	install -m 644 runtime/lambda.h $(DESTDIR)$(PREFIX)/include/lambda.h
	install -m 644 $(B)/liblambda.pc $(DESTDIR)$(PREFIX)/lib/pkgconfig/liblambda.pc
	install -d $(DESTDIR)$(PREFIX)/lib/systemd/system
	install -m 644 $(B)/lambdad.service $(DESTDIR)$(PREFIX)/lib/systemd/system/lambdad.service
	install -m 644 gateway/lambdad.socket $(DESTDIR)$(PREFIX)/lib/systemd/system/lambdad.socket
	for m in man/*.[0-9]; do s=$${m##*.}; install -m 644 $$m $(DESTDIR)$(PREFIX)/share/man/man$$s/; done

clean:
	rm -rf $(B)

-include $(shell find $(B) -name '*.d' 2>/dev/null)
