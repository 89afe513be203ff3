# tests/fuzz/store.mk: libFuzzer drivers for the Tables store
# (gateway/tables/, gateway/store/), included by the Makefile.
#
#   fuzz_ddb      DynamoDB requests through the engine on a real store
#                 (writer and reader threads, a libuv loop, a SQLite file)
#   fuzz_expr     the expression languages, parsed and evaluated
#   fuzz_partiql  PartiQL statements translated into requests

# Included before the Makefile's `all` (so that `all` sees TARGETS):
# keep `all` the default goal, not this file's first rule.
.DEFAULT_GOAL := all
TARGETS     += fuzz_ddb fuzz_expr fuzz_partiql
TBL         := $(ROOT)/gateway/tables
TBL_VALUE   := $(TBL)/value.c $(TBL)/number.c $(TBL)/ddb.c $(ROOT)/gateway/buf.c
TBL_EXPR    := $(wildcard $(TBL)/expr_*.c) $(TBL_VALUE)
# The whole engine: every operation file, PartiQL, the catalog.
TBL_ENGINE  := $(TBL)/engine.c $(TBL)/engine_req.c $(TBL)/engine_maint.c \
	$(wildcard $(TBL)/ops_*.c) $(TBL)/partiql.c $(TBL)/partiql_parse.c $(TBL)/partiql_tr.c \
	$(TBL)/tabledef.c $(ROOT)/gateway/uuid.c $(TBL)/access.c $(TBL_EXPR) \
	$(ROOT)/gateway/store/stmt.c
TBL_HDRS    := $(wildcard $(TBL)/*.h $(ROOT)/gateway/store/*.h) $(HDRS)
STORE_LIBS  := $(shell $(PKG_CONFIG) --libs libcjson libuv sqlite3) -lpthread -lm

$(B)/fuzz_ddb: fuzz_ddb.c $(TBL_ENGINE) $(ROOT)/gateway/store/store.c $(TBL_HDRS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $< $(TBL_ENGINE) \
		$(ROOT)/gateway/store/store.c $(STORE_LIBS)

$(B)/fuzz_expr: fuzz_expr.c $(TBL_EXPR) $(TBL_HDRS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $< $(TBL_EXPR) $(STORE_LIBS)

$(B)/fuzz_partiql: fuzz_partiql.c $(TBL_ENGINE) $(TBL_HDRS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $< $(TBL_ENGINE) $(STORE_LIBS)
