/*
 * engine_int: what the engine's files share (engine.c: schema, catalog and
 * dispatch; ops_table.c: table operations; ops_item.c: single items;
 * engine_req.c: request members and reply extras; ops_read.c: Query and
 * Scan; ops_batch.c: batches and transactions;
 * partiql.c: PartiQL).  Not for use outside gateway/tables/.
 */
#ifndef LAMBDAD_TABLES_ENGINE_INT_H
#define LAMBDAD_TABLES_ENGINE_INT_H

#include "buf.h"
#include "engine.h"
#include "expr.h"
#include "value.h"
#include "store/stmt.h"

#define TBL_INDEX_MAX	25	/* GSIs + LSIs (20 + 5) */

enum proj_type { PROJ_ALL, PROJ_KEYS_ONLY, PROJ_INCLUDE };

/* A key schema: hash and optional range attribute, with their types. */
struct key_schema {
	char		*hash;
	enum ddb_type	 hash_type;
	char		*range;		/* NULL if none */
	enum ddb_type	 range_type;
};

struct tbl_index {
	char		*name;
	bool		 local;		/* LSI (else GSI) */
	int64_t		 id;		/* index id in the idx table */
	struct key_schema ks;
	enum proj_type	 proj;
	char		**include;	/* PROJ_INCLUDE: NonKeyAttributes */
	size_t		 ninclude;
};

/* A table as the catalog describes it (loaded per call, or cached). */
struct tbl {
	int64_t		 id;
	char		*name;
	struct key_schema ks;
	struct tbl_index idx[TBL_INDEX_MAX];
	size_t		 nidx;
	char		*ttl_attr;	/* NULL: TTL off */
	cJSON		*desc;		/* the stored TableDescription */
	unsigned	 refs;		/* the caller's, and a reader's cache */
};

/* ---- catalog (engine.c) ---- */
/* Load table name: 0, or -1 with ResourceNotFoundException ("Requested
 * resource not found: Table: NAME not found" on missing ones; the exact
 * words DynamoDB uses per operation are the callers' when they differ). */
int	tbl_load(sqlite3 *db, const char *name, struct tbl **out,
	    struct ddb_err *err);
void	tbl_free(struct tbl *t);
/* Ask call->allow for table; -1 with AccessDeniedException. */
int	tbl_allow(const struct tables_call *call, const char *action,
	    const char *table, bool write, struct ddb_err *err);
/* "arn:aws:dynamodb:REGION:ACCOUNT:table/NAME" into b. */
void	tbl_arn(const struct tables_call *call, const char *table,
	    struct buf *b);

/* ---- items (engine.c) ---- */
/* The encoded key of item (or of a Key object) for t's key schema, after
 * checking it (ddb_key_check).  hk/rk are appended to. */
int	tbl_item_key(const struct tbl *t, const cJSON *item, struct buf *hk,
	    struct buf *rk, struct ddb_err *err);
/* Check that key has exactly t's key attributes ("The provided key
 * element does not match the schema"). */
int	tbl_key_only(const struct tbl *t, const cJSON *key,
	    struct ddb_err *err);
/* The stored item with that key, parsed, or NULL (absent).  -1 on error. */
int	tbl_get(sqlite3 *db, const struct tbl *t, const struct buf *hk,
	    const struct buf *rk, cJSON **item, struct ddb_err *err);
/* The same item as stored, unparsed: a raw node holding its JSON text
 * (for a reply that sends it as it is), and its stored size. */
int	tbl_get_raw(sqlite3 *db, const struct tbl *t, const struct buf *hk,
	    const struct buf *rk, cJSON **raw, size_t *size,
	    struct ddb_err *err);
/* Write item (replacing any), or delete the key (item NULL), with every
 * index entry updated in the same transaction.  old is the previous item
 * (NULL if none), so the index entries can be moved. */
int	tbl_put(sqlite3 *db, const struct tbl *t, const struct buf *hk,
	    const struct buf *rk, const cJSON *old, const cJSON *item,
	    struct ddb_err *err);

/* ---- indexes (engine.c) ---- */
/* The index of t named name, or NULL. */
const struct tbl_index *tbl_index_find(const struct tbl *t, const char *name);
/* The encoded key of item (or of a Key object) for any key schema, after
 * ddb_key_check ("Missing the key NAME in the item" when absent). */
int	tbl_key_encode(const struct key_schema *ks, const cJSON *item,
	    struct buf *hk, struct buf *rk, struct ddb_err *err);
/* Index ix's key of a stored item into hk/rk: 1 if the item belongs in the
 * index (has both index key attributes, of the declared types, non-empty),
 * 0 if not (sparse index). */
int	tbl_index_key(const struct tbl_index *ix, const cJSON *item,
	    struct buf *hk, struct buf *rk);
/* The item as ix stores it (ALL: a copy; KEYS_ONLY: table and index keys;
 * INCLUDE: those and the NonKeyAttributes).  Caller frees. */
cJSON	*tbl_index_project(const struct tbl *t, const struct tbl_index *ix,
	    const cJSON *item);

/* ---- request helpers (engine_req.c; tbl_str is engine.c's) ---- */
/* o's string member name, or NULL (absent or not a string). */
const char *tbl_str(const cJSON *o, const char *name);
/* A table (or index) name member: required or not, a string of 3-255
 * [a-zA-Z0-9_.-], with DynamoDB's "1 validation error detected: Value 'x'
 * at 'tableName' failed to satisfy constraint: ..." (field = "tableName").
 * *out NULL when absent and not required.  0 or -1. */
int	tbl_req_name(const cJSON *req, const char *member, const char *field,
	    bool required, const char **out, struct ddb_err *err);
/* An optional string member that must be one of set (NULL-terminated):
 * *out = its index in set, or dflt when absent.  Messages as DynamoDB:
 * "... Member must satisfy enum value set: [A, B]" (set_text is how the
 * set is printed there, e.g. "[INDEXES, TOTAL, NONE]"). */
/* ReturnConsumedCapacity (and, with metrics, ReturnItemCollectionMetrics)
 * is one of DynamoDB's values.  0 or -1. */
int	tbl_return_enums(const cJSON *req, bool metrics, struct ddb_err *err);
int	tbl_req_enum(const cJSON *req, const char *member, const char *field,
	    const char *const *set, const char *set_text, int dflt, int *out,
	    struct ddb_err *err);
/* An optional string / bool member of the right JSON type (else
 * SerializationException).  *out NULL / dflt when absent. */
int	tbl_req_str(const cJSON *req, const char *member, const char **out,
	    struct ddb_err *err);
int	tbl_req_bool(const cJSON *req, const char *member, bool dflt,
	    bool *out, struct ddb_err *err);

/* ReturnValues: update_ok = UpdateItem (all five); otherwise only NONE and
 * ALL_OLD ("ReturnValues can only be ALL_OLD or NONE"). */
enum tbl_rv { RV_NONE, RV_ALL_OLD, RV_UPDATED_OLD, RV_ALL_NEW, RV_UPDATED_NEW };
int	tbl_return_values(const cJSON *req, bool update_ok, enum tbl_rv *out,
	    struct ddb_err *err);
/* ReturnValuesOnConditionCheckFailure (NONE | ALL_OLD) of req (or of a
 * transaction action): *all_old. */
int	tbl_rvoccf(const cJSON *req, bool *all_old, struct ddb_err *err);
/* ConditionalCheckFailedException "The conditional request failed", with
 * {"Item": copy of old} in err->extra when all_old and old != NULL. */
int	tbl_cond_failed(struct ddb_err *err, bool all_old, const cJSON *old);
/* ReturnItemCollectionMetrics SIZE on a table with LSIs: adds
 * "ItemCollectionMetrics" {ItemCollectionKey, SizeEstimateRangeGB} for
 * item's hash key to resp.  Checks the enum itself: -1 on a bad value. */
int	tbl_collection_metrics(sqlite3 *db, cJSON *resp, const cJSON *req,
	    const struct tbl *t, const cJSON *item, struct ddb_err *err);
/* ReturnConsumedCapacity INDEXES: add units for one index to the
 * "ConsumedCapacity" tbl_capacity put in resp (and to its total). */
void	tbl_capacity_index(cJSON *resp, const struct tbl_index *ix,
	    double units);

/* ---- SQLite helpers (engine.c) ---- */
/* -1 with InternalServerError naming SQLite's message. */
int	tbl_sql_fail(sqlite3 *db, struct ddb_err *err);
/* Statements are store_stmt's (kept per store thread): give each back
 * with store_stmt_done, never sqlite3_finalize. */
int	tbl_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **st,
	    struct ddb_err *err);
/* Bind b as a blob (an empty buffer is the empty blob, never NULL). */
int	tbl_bind_buf(sqlite3_stmt *st, int i, const struct buf *b);

/* ---- capacity (engine_req.c) ---- */
/* ConsumedCapacity for a call, when ReturnConsumedCapacity asks for it
 * (TOTAL or INDEXES); added to resp.  read_units/write_units computed
 * from item sizes as DynamoDB does (4 KB reads, half for eventually
 * consistent; 1 KB writes; transactions twice). */
void	tbl_capacity(cJSON *resp, const cJSON *req, const char *table,
	    double read_units, double write_units);
double	tbl_read_units(size_t bytes, bool consistent);
double	tbl_write_units(size_t bytes);

/* ---- one entry point per operation (ops_*.c, partiql.c) ---- */
typedef int (*tables_op_fn)(sqlite3 *db, cJSON *req,
	    const struct tables_call *call, cJSON **resp, struct ddb_err *err);
#define TABLES_DECL(n) int op_##n(sqlite3 *, cJSON *, \
	    const struct tables_call *, cJSON **, struct ddb_err *);
TABLES_OPS(TABLES_DECL)
#undef TABLES_DECL

#endif
