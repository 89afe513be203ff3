/*
 * ops_read: Query and Scan, the two operations that read many items.
 *
 * Both walk rows of `items` (the table) or `idx` (an index) in key order:
 * Query one hash key's rows between the bounds its key condition gives,
 * forward or backward; Scan every row, optionally only the rows of one
 * segment (a hash of the encoded hash key picks each row's segment, so the
 * segments partition the table).  The walk stops after Limit rows or once
 * the stored sizes of the rows read reach 1 MB, DynamoDB's page; the
 * filter then drops items (they still count as scanned) and the
 * projection shapes what is returned.  LastEvaluatedKey is the key of the
 * last row read (index keys and table keys for an index) whenever the walk
 * stopped early.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_int.h"

#define PAGE_BYTES	1048576
#define SEGMENTS_MAX	1000000

enum sel { SEL_ALL, SEL_PROJECTED, SEL_SPECIFIC, SEL_COUNT, SEL_DEFAULT };

/* One bound of the walk: SQL text with one or more ?N placeholders, all
 * bound to the same blobs in order (see walk_sql). */
#define BOUNDS_MAX	4

struct rd {
	sqlite3		*db;
	cJSON		*req;
	const char	*action;	/* "dynamodb:Query" */
	bool		 query;
	struct tbl	*t;
	const struct tbl_index *ix;
	bool		 consistent, forward, fetch_base;
	enum sel	 select;
	long		 limit;		/* 0: none */
	long		 segment, total;	/* total 0: not parallel */
	struct expr_ctx	 ctx;
	bool		 ctx_on;
	struct expr	*key, *filter, *proj;
	struct key_cond	 kc;
	struct buf	 qhk;		/* Query: the hash key */
	struct buf	 esk[4];	/* start key: hk, rk (thk, trk) */
	bool		 has_esk;
	/* the result */
	cJSON		*items;
	long		 count, scanned;
	size_t		 bytes;
	cJSON		*last;		/* last row read (stored form) */
	bool		 cut;		/* stopped by Limit or size */
};

/* ---- request checks -------------------------------------------------------- */

#define VAL1	"1 validation error detected: Value "

static int
req_long(const cJSON *req, const char *member, const char *field, long lo,
    long hi, long *out, bool *has, struct ddb_err *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(req, member);
	double d;

	*has = false;
	if (v == NULL || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsNumber(v))
		return ddb_fail(err, DDB_SERIALIZATION, "%s cannot be converted "
		    "to Integer", cJSON_IsString(v) ? "STRING_VALUE" :
		    cJSON_IsBool(v) ? "BOOLEAN_VALUE" : "Value");
	d = v->valuedouble;
	if (d < (double)lo)
		return ddb_fail(err, DDB_VALIDATION, VAL1 "'%.0f' at '%s' failed "
		    "to satisfy constraint: Member must have value greater than "
		    "or equal to %ld", d, field, lo);
	if (d > (double)hi)
		return ddb_fail(err, DDB_VALIDATION, VAL1 "'%.0f' at '%s' failed "
		    "to satisfy constraint: Member must have value less than or "
		    "equal to %ld", d, field, hi);
	*out = (long)d;
	*has = true;
	return 0;
}

static bool
has(const cJSON *req, const char *m)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(req, m);

	return v != NULL && !cJSON_IsNull(v);
}

/* Legacy and expression parameters may not be mixed. */
static int
check_mixed(const cJSON *req, bool query, struct ddb_err *err)
{
	static const char *const legacy_q[] = { "AttributesToGet",
	    "KeyConditions", "QueryFilter", "ConditionalOperator", NULL };
	static const char *const legacy_s[] = { "AttributesToGet",
	    "ScanFilter", "ConditionalOperator", NULL };
	static const char *const expr_q[] = { "ProjectionExpression",
	    "FilterExpression", "KeyConditionExpression", NULL };
	static const char *const expr_s[] = { "ProjectionExpression",
	    "FilterExpression", NULL };
	const char *const *l = query ? legacy_q : legacy_s;
	const char *const *x = query ? expr_q : expr_s;
	struct buf nl, nx;
	size_t i;
	int rc = 0;

	buf_init(&nl);
	buf_init(&nx);
	for (i = 0; l[i] != NULL; i++)
		if (has(req, l[i]))
			buf_printf(&nl, "%s%s", nl.len ? ", " : "", l[i]);
	for (i = 0; x[i] != NULL; i++)
		if (has(req, x[i]))
			buf_printf(&nx, "%s%s", nx.len ? ", " : "", x[i]);
	if (nl.len > 0 && nx.len > 0)
		rc = ddb_fail(err, DDB_VALIDATION, "Can not use both expression "
		    "and non-expression parameters in the same request: "
		    "Non-expression parameters: {%s} Expression parameters: "
		    "{%s}", nl.data, nx.data);
	else if (nx.len == 0 && has(req, "ExpressionAttributeNames"))
		rc = ddb_fail(err, DDB_VALIDATION, "ExpressionAttributeNames "
		    "can only be specified when using expressions");
	else if (nx.len == 0 && has(req, "ExpressionAttributeValues"))
		rc = ddb_fail(err, DDB_VALIDATION, "ExpressionAttributeValues "
		    "can only be specified when using expressions");
	buf_free(&nl);
	buf_free(&nx);
	return rc;
}

/* expr_from_conditions names a filter's field 'queryFilter.NAME...' in
 * its constraint messages; a Scan's is 'scanFilter.NAME...'. */
static void
scan_filter_field(struct ddb_err *err)
{
	char *at = strstr(err->msg, "'queryFilter.");
	size_t n = strlen("'queryFilter."), m = strlen("'scanFilter.");

	if (at == NULL)
		return;
	memcpy(at, "'scanFilter.", m);
	memmove(at + m, at + n, strlen(at + n) + 1);
}

/* Parse one expression member (or its legacy form) into *out. */
static int
parse_member(struct rd *r, enum expr_kind kind, const char *member,
    const char *legacy, struct expr **out, struct ddb_err *err)
{
	const cJSON *lv = legacy != NULL ?
	    cJSON_GetObjectItemCaseSensitive(r->req, legacy) : NULL;
	const char *text, *op;

	if (tbl_req_str(r->req, member, &text, err) != 0)
		return -1;
	if (text != NULL) {
		*out = expr_parse(kind, text, &r->ctx, err);
		return *out != NULL ? 0 : -1;
	}
	if (lv == NULL || cJSON_IsNull(lv))
		return 0;
	if (kind == EXPR_PROJECTION) {
		*out = expr_from_attributes_to_get(lv, err);
	} else {
		if (tbl_req_str(r->req, "ConditionalOperator", &op, err) != 0)
			return -1;
		*out = expr_from_conditions(kind, lv,
		    kind == EXPR_KEY_CONDITION ? NULL : op, err);
		if (*out == NULL && !r->query)
			scan_filter_field(err);
	}
	return *out != NULL ? 0 : -1;
}

static int
parse_exprs(struct rd *r, struct ddb_err *err)
{
	cJSON *names = cJSON_GetObjectItemCaseSensitive(r->req,
	    "ExpressionAttributeNames");
	cJSON *values = cJSON_GetObjectItemCaseSensitive(r->req,
	    "ExpressionAttributeValues");

	if (check_mixed(r->req, r->query, err) != 0)
		return -1;
	if (expr_ctx_init(&r->ctx, cJSON_IsNull(names) ? NULL : names,
	    cJSON_IsNull(values) ? NULL : values, err) != 0)
		return -1;
	r->ctx_on = true;
	if (r->query && parse_member(r, EXPR_KEY_CONDITION,
	    "KeyConditionExpression", "KeyConditions", &r->key, err) != 0)
		return -1;
	if (r->query && r->key == NULL)
		return ddb_fail(err, DDB_VALIDATION, "Either the KeyConditions "
		    "or KeyConditionExpression parameter must be specified in "
		    "the request.");
	if (parse_member(r, EXPR_FILTER, "FilterExpression",
	    r->query ? "QueryFilter" : "ScanFilter", &r->filter, err) != 0)
		return -1;
	if (parse_member(r, EXPR_PROJECTION, "ProjectionExpression",
	    "AttributesToGet", &r->proj, err) != 0)
		return -1;
	return expr_ctx_check_unused(&r->ctx, err);
}

static int
parse_select(struct rd *r, struct ddb_err *err)
{
	static const char *const set[] = { "ALL_ATTRIBUTES",
	    "ALL_PROJECTED_ATTRIBUTES", "SPECIFIC_ATTRIBUTES", "COUNT", NULL };
	bool proj = has(r->req, "ProjectionExpression") ||
	    has(r->req, "AttributesToGet");
	int v;

	if (tbl_req_enum(r->req, "Select", "select", set, "[SPECIFIC_ATTRIBUTES"
	    ", COUNT, ALL_ATTRIBUTES, ALL_PROJECTED_ATTRIBUTES]", SEL_DEFAULT,
	    &v, err) != 0)
		return -1;
	r->select = (enum sel)v;
	if (r->select == SEL_SPECIFIC && !proj)
		return ddb_fail(err, DDB_VALIDATION, "Must specify the "
		    "AttributesToGet or ProjectionExpression when choosing to "
		    "get SPECIFIC_ATTRIBUTES");
	if (r->select != SEL_DEFAULT && r->select != SEL_SPECIFIC && proj)
		return ddb_fail(err, DDB_VALIDATION, "Cannot specify the "
		    "AttributesToGet when choosing to get %s", set[v]);
	if (r->select == SEL_DEFAULT)
		r->select = proj ? SEL_SPECIFIC : SEL_ALL;
	return 0;
}

/* IndexName, and what Select and ConsistentRead may be on it. */
static int
check_index(struct rd *r, bool select_given, struct ddb_err *err)
{
	const char *name;

	if (tbl_req_name(r->req, "IndexName", "indexName", false, &name,
	    err) != 0)
		return -1;
	if (name == NULL) {
		if (r->select == SEL_PROJECTED)
			return ddb_fail(err, DDB_VALIDATION, "ALL_PROJECTED_"
			    "ATTRIBUTES can be used only when Querying using "
			    "an IndexName");
		return 0;
	}
	if ((r->ix = tbl_index_find(r->t, name)) == NULL)
		return ddb_fail(err, DDB_VALIDATION, "The table does not have "
		    "the specified index: %.300s", name);
	if (!r->ix->local && r->consistent)
		return ddb_fail(err, DDB_VALIDATION, "Consistent reads are not "
		    "supported on global secondary indexes");
	if (r->select == SEL_ALL && !select_given)
		r->select = SEL_PROJECTED;
	if (r->select == SEL_ALL && !r->ix->local && r->ix->proj != PROJ_ALL)
		return ddb_fail(err, DDB_VALIDATION, "One or more parameter "
		    "values were invalid: Select type ALL_ATTRIBUTES is not "
		    "supported for global secondary index %s because its "
		    "projection type is not ALL", r->ix->name);
	/* An LSI fetches what it does not hold from the table. */
	r->fetch_base = r->ix->local && r->ix->proj != PROJ_ALL &&
	    (r->select == SEL_ALL || r->select == SEL_SPECIFIC);
	return 0;
}

/* The key schema the walk follows (the index's or the table's). */
static const struct key_schema *
walk_ks(const struct rd *r)
{
	return r->ix != NULL ? &r->ix->ks : &r->t->ks;
}

/* ExclusiveStartKey: exactly the keys of the table (and of the index). */
static int
parse_esk(struct rd *r, struct ddb_err *err)
{
	const cJSON *k = cJSON_GetObjectItemCaseSensitive(r->req,
	    "ExclusiveStartKey");
	struct ddb_err e2 = { 0 };
	int want, n;

	if (k == NULL || cJSON_IsNull(k))
		return 0;
	if (!cJSON_IsObject(k))
		return ddb_fail(err, DDB_SERIALIZATION,
		    "Start of structure or map expected");
	want = r->t->ks.range != NULL ? 2 : 1;
	if (r->ix != NULL) {
		want += strcmp(r->ix->ks.hash, r->t->ks.hash) != 0 &&
		    (r->t->ks.range == NULL ||
		    strcmp(r->ix->ks.hash, r->t->ks.range) != 0);
		if (r->ix->ks.range != NULL)
			want += strcmp(r->ix->ks.range, r->t->ks.hash) != 0 &&
			    (r->t->ks.range == NULL ||
			    strcmp(r->ix->ks.range, r->t->ks.range) != 0);
	}
	n = cJSON_GetArraySize(k);
	if (n != want ||
	    tbl_item_key(r->t, k, &r->esk[2], &r->esk[3], &e2) != 0 ||
	    (r->ix != NULL &&
	    tbl_key_encode(&r->ix->ks, k, &r->esk[0], &r->esk[1], &e2) != 0)) {
		ddb_err_clear(&e2);
		return ddb_fail(err, DDB_VALIDATION, "The provided starting key "
		    "is invalid: The provided key element does not match the "
		    "schema");
	}
	if (r->ix == NULL) {
		buf_add(&r->esk[0], r->esk[2].data, r->esk[2].len);
		buf_add(&r->esk[1], r->esk[3].data, r->esk[3].len);
	}
	r->has_esk = true;
	return 0;
}

/* ---- the walk --------------------------------------------------------------- */

struct walk {
	struct buf	 sql;
	const struct buf *bind[12];
	int		 nbind;
};

static void
walk_bind(struct walk *w, const struct buf *b)
{
	w->nbind++;
	w->bind[w->nbind - 1] = b;
	buf_printf(&w->sql, "?%d", w->nbind + 1);
}

/* The range key bound of the key condition. */
static int
walk_range(struct rd *r, struct walk *w, struct buf *v1, struct buf *v2,
    struct ddb_err *err)
{
	const struct key_schema *ks = walk_ks(r);
	static const char *const cmp[] = { [KEY_EQ] = " = ", [KEY_LT] = " < ",
	    [KEY_LE] = " <= ", [KEY_GT] = " > ", [KEY_GE] = " >= " };
	enum key_op op = r->kc.op;
	int c;

	if (op == KEY_NONE)
		return 0;
	if (ddb_val_type(r->kc.v1) != ks->range_type ||
	    (op == KEY_BETWEEN && ddb_val_type(r->kc.v2) != ks->range_type))
		return ddb_fail(err, DDB_VALIDATION, "One or more parameter "
		    "values were invalid: Condition parameter type does not "
		    "match schema type");
	if (op == KEY_BEGINS_WITH && ks->range_type == DDB_T_N)
		return ddb_fail(err, DDB_VALIDATION, "Invalid KeyConditionExpress"
		    "ion: Incorrect operand type for operator or function; "
		    "operator or function: begins_with, operand type: N");
	if (ddb_key_encode(r->kc.v1, ks->range_type, v1, err) != 0 ||
	    (op == KEY_BETWEEN &&
	    ddb_key_encode(r->kc.v2, ks->range_type, v2, err) != 0))
		return -1;
	if (op == KEY_BETWEEN) {
		c = memcmp(v1->data, v2->data,
		    v1->len < v2->len ? v1->len : v2->len);
		if (c > 0 || (c == 0 && v1->len > v2->len))
			return ddb_fail(err, DDB_VALIDATION, "Invalid KeyCondition"
			    "Expression: The BETWEEN operator requires upper "
			    "bound to be greater than or equal to lower bound");
		buf_adds(&w->sql, " AND rk >= ");
		walk_bind(w, v1);
		buf_adds(&w->sql, " AND rk <= ");
		walk_bind(w, v2);
	} else if (op == KEY_BEGINS_WITH) {
		buf_adds(&w->sql, " AND rk >= ");
		walk_bind(w, v1);
		buf_adds(&w->sql, " AND substr(rk, 1, length(");
		walk_bind(w, v1);
		buf_adds(&w->sql, ")) = ");
		walk_bind(w, v1);
	} else {
		buf_printf(&w->sql, " AND rk%s", cmp[op]);
		walk_bind(w, v1);
	}
	return 0;
}

/* The start key bound: strictly after (before, backward) it. */
static void
walk_start(struct rd *r, struct walk *w)
{
	const char *op = r->forward ? " > " : " < ";
	int i, from = r->query ? 1 : 0, to = r->ix != NULL ? 4 : 2;

	if (!r->has_esk)
		return;
	buf_adds(&w->sql, " AND (");
	for (i = from; i < to; i++)
		buf_printf(&w->sql, "%s%s", i > from ? ", " : "",
		    (const char *[]){ "hk", "rk", "thk", "trk" }[i]);
	buf_printf(&w->sql, ")%s(", op);
	for (i = from; i < to; i++) {
		if (i > from)
			buf_adds(&w->sql, ", ");
		walk_bind(w, &r->esk[i]);
	}
	buf_adds(&w->sql, ")");
}

static int
walk_prepare(struct rd *r, struct walk *w, sqlite3_stmt **st,
    struct buf *v1, struct buf *v2, struct ddb_err *err)
{
	const char *dir = r->forward ? "ASC" : "DESC";
	int i;

	if (r->ix != NULL)
		buf_adds(&w->sql, "SELECT hk, item, length(item) FROM idx "
		    "WHERE iid = ?1");
	else
		buf_adds(&w->sql, "SELECT hk, item, size FROM items "
		    "WHERE tid = ?1");
	if (r->query) {
		buf_adds(&w->sql, " AND hk = ");
		walk_bind(w, &r->qhk);
		if (walk_range(r, w, v1, v2, err) != 0)
			return -1;
	}
	walk_start(r, w);
	if (r->query)
		buf_printf(&w->sql, " ORDER BY rk %s", dir);
	else
		buf_printf(&w->sql, " ORDER BY hk %s, rk %s", dir, dir);
	if (r->ix != NULL)
		buf_printf(&w->sql, ", thk %s, trk %s", dir, dir);
	if (tbl_prepare(r->db, w->sql.data, st, err) != 0)
		return -1;
	sqlite3_bind_int64(*st, 1, r->ix != NULL ? r->ix->id : r->t->id);
	for (i = 0; i < w->nbind; i++)
		tbl_bind_buf(*st, i + 2, w->bind[i]);
	return 0;
}

/* FNV-1a of the encoded hash key: the row's segment. */
static long
seg_of(const void *p, size_t n, long total)
{
	const unsigned char *s = p;
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ s[i]) * 16777619u;
	return (long)(h % (uint32_t)total);
}

/* The table's item for an index row, when the index lacks attributes. */
static int
base_item(struct rd *r, const cJSON *row, cJSON **out, struct ddb_err *err)
{
	struct buf hk, rk;
	int rc;

	buf_init(&hk);
	buf_init(&rk);
	rc = tbl_item_key(r->t, row, &hk, &rk, err);
	if (rc == 0)
		rc = tbl_get(r->db, r->t, &hk, &rk, out, err);
	buf_free(&hk);
	buf_free(&rk);
	if (rc == 0 && *out == NULL)
		*out = cJSON_Duplicate(row, true);
	return rc;
}

/* One row read: filter, project, keep. */
static int
take_row(struct rd *r, cJSON *row, struct ddb_err *err)
{
	cJSON *it = row, *out;
	bool ok = true;

	if (r->fetch_base && base_item(r, row, &it, err) != 0)
		return -1;
	if (r->filter != NULL && expr_eval(r->filter, it, &ok, err) != 0)
		goto fail;
	if (ok) {
		r->count++;
		if (r->select != SEL_COUNT) {
			out = r->proj != NULL ? expr_project(r->proj, it) :
			    cJSON_Duplicate(it, true);
			cJSON_AddItemToArray(r->items, out);
		}
	}
	if (it != row)
		cJSON_Delete(it);
	return 0;
fail:
	if (it != row)
		cJSON_Delete(it);
	return -1;
}

/*
 * Rows that go out as stored (no filter, no projection, no base item to
 * fetch) are not parsed: the stored text, compact JSON written by the
 * engine, becomes a raw node of the reply, and only the row a page ends
 * on is parsed, for its LastEvaluatedKey.  Parsing and re-printing
 * every item was most of a 100-item Query's cost.
 */
static bool
rows_verbatim(const struct rd *r)
{
	return !r->fetch_base && r->filter == NULL && r->proj == NULL;
}

static int
take_verbatim(struct rd *r, const char *text, bool last)
{
	cJSON *raw;

	r->count++;
	if (r->select != SEL_COUNT) {
		if ((raw = cJSON_CreateRaw(text)) == NULL)
			abort();
		cJSON_AddItemToArray(r->items, raw);
	}
	if (!last)
		return 0;
	cJSON_Delete(r->last);
	return (r->last = cJSON_Parse(text)) != NULL ? 0 : -1;
}

static int
walk_run(struct rd *r, sqlite3_stmt *st, struct ddb_err *err)
{
	bool verbatim = rows_verbatim(r), cut;
	const char *text;
	cJSON *row;
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (r->total > 0 && seg_of(sqlite3_column_blob(st, 0),
		    (size_t)sqlite3_column_bytes(st, 0), r->total) != r->segment)
			continue;
		text = (const char *)sqlite3_column_text(st, 1);
		r->scanned++;
		r->bytes += (size_t)sqlite3_column_int64(st, 2);
		cut = (r->limit > 0 && r->scanned >= r->limit) ||
		    r->bytes >= PAGE_BYTES;
		if (verbatim) {
			if (text == NULL || take_verbatim(r, text, cut) != 0)
				goto damaged;
		} else {
			row = cJSON_ParseWithLength(text,
			    (size_t)sqlite3_column_bytes(st, 1));
			if (text == NULL || row == NULL)
				goto damaged;
			cJSON_Delete(r->last);
			r->last = row;
			if (take_row(r, row, err) != 0)
				return -1;
		}
		if (cut) {
			r->cut = true;
			return 0;
		}
	}
	return rc == SQLITE_DONE ? 0 : tbl_sql_fail(r->db, err);
damaged:
	return ddb_fail(err, DDB_INTERNAL,
	    "Internal server error: a stored item is damaged");
}

static int
walk(struct rd *r, struct ddb_err *err)
{
	struct walk w = { .nbind = 0 };
	struct buf v1, v2;
	sqlite3_stmt *st = NULL;
	int rc;

	buf_init(&w.sql);
	buf_init(&v1);
	buf_init(&v2);
	rc = walk_prepare(r, &w, &st, &v1, &v2, err);
	if (rc == 0)
		rc = walk_run(r, st, err);
	store_stmt_done(st);
	buf_free(&w.sql);
	buf_free(&v1);
	buf_free(&v2);
	return rc;
}

/* ---- the reply -------------------------------------------------------------- */

static void
key_copy(cJSON *out, const cJSON *item, const char *name)
{
	const cJSON *av;

	if (name == NULL || cJSON_GetObjectItemCaseSensitive(out, name) != NULL)
		return;
	if ((av = cJSON_GetObjectItemCaseSensitive(item, name)) != NULL)
		cJSON_AddItemToObject(out, name, cJSON_Duplicate(av, true));
}

static cJSON *
reply(struct rd *r)
{
	cJSON *resp = cJSON_CreateObject(), *lek;
	double units = tbl_read_units(r->bytes, r->consistent);

	if (r->select != SEL_COUNT) {
		cJSON_AddItemToObject(resp, "Items", r->items);
		r->items = NULL;
	}
	cJSON_AddNumberToObject(resp, "Count", (double)r->count);
	cJSON_AddNumberToObject(resp, "ScannedCount", (double)r->scanned);
	if (r->cut && r->last != NULL) {
		lek = cJSON_AddObjectToObject(resp, "LastEvaluatedKey");
		key_copy(lek, r->last, r->t->ks.hash);
		key_copy(lek, r->last, r->t->ks.range);
		if (r->ix != NULL) {
			key_copy(lek, r->last, r->ix->ks.hash);
			key_copy(lek, r->last, r->ix->ks.range);
		}
	}
	if (r->ix == NULL) {
		tbl_capacity(resp, r->req, r->t->name, units, 0);
	} else {
		tbl_capacity(resp, r->req, r->t->name, 0, 0);
		tbl_capacity_index(resp, r->ix, units);
	}
	return resp;
}

/* ---- Query and Scan --------------------------------------------------------- */

/* Query: the key condition split for the walked key schema; the hash key
 * encoded; a start key within the queried partition. */
static int
query_keys(struct rd *r, struct ddb_err *err)
{
	const struct key_schema *ks = walk_ks(r);

	if (expr_key_split(r->key, ks->hash, ks->range, &r->kc, err) != 0)
		return -1;
	if (ddb_val_type(r->kc.hash_val) != ks->hash_type)
		return ddb_fail(err, DDB_VALIDATION, "One or more parameter "
		    "values were invalid: Condition parameter type does not "
		    "match schema type");
	if (ddb_key_encode(r->kc.hash_val, ks->hash_type, &r->qhk, err) != 0)
		return -1;
	if (r->has_esk && !buf_eq(&r->esk[0], &r->qhk))
		return ddb_fail(err, DDB_VALIDATION, "The provided starting key "
		    "is outside query boundaries based on provided conditions");
	return 0;
}

static int
scan_segments(struct rd *r, struct ddb_err *err)
{
	bool hs, ht;

	if (req_long(r->req, "Segment", "segment", 0, SEGMENTS_MAX - 1,
	    &r->segment, &hs, err) != 0 ||
	    req_long(r->req, "TotalSegments", "totalSegments", 1, SEGMENTS_MAX,
	    &r->total, &ht, err) != 0)
		return -1;
	if (hs && !ht)
		return ddb_fail(err, DDB_VALIDATION, "The TotalSegments parameter"
		    " is required but was not present in the request when "
		    "Segment parameter is present");
	if (ht && !hs)
		return ddb_fail(err, DDB_VALIDATION, "The Segment parameter is "
		    "required but was not present in the request when parameter "
		    "TotalSegments is present");
	if (ht && r->segment >= r->total)
		return ddb_fail(err, DDB_VALIDATION, "The Segment parameter is "
		    "zero-based and must be less than parameter TotalSegments: "
		    "Segment: %ld is not less than TotalSegments: %ld",
		    r->segment, r->total);
	if (!ht)
		r->total = 0;
	return 0;
}

static int
read_setup(struct rd *r, const struct tables_call *call, struct ddb_err *err)
{
	const char *name;
	bool hl;

	if (tbl_req_name(r->req, "TableName", "tableName", true, &name,
	    err) != 0 ||
	    tbl_req_bool(r->req, "ConsistentRead", false, &r->consistent,
	    err) != 0 ||
	    tbl_req_bool(r->req, "ScanIndexForward", true, &r->forward,
	    err) != 0 ||
	    req_long(r->req, "Limit", "limit", 1, INT32_MAX, &r->limit, &hl,
	    err) != 0 || tbl_return_enums(r->req, false, err) != 0 ||
	    parse_select(r, err) != 0)
		return -1;
	if (!r->query && scan_segments(r, err) != 0)
		return -1;
	if (!r->query)
		r->forward = true;
	if (tbl_allow(call, r->action, name, false, err) != 0 ||
	    tbl_load(r->db, name, &r->t, err) != 0)
		return -1;
	if (check_index(r, has(r->req, "Select"), err) != 0 ||
	    parse_exprs(r, err) != 0 || parse_esk(r, err) != 0)
		return -1;
	if (r->query && query_keys(r, err) != 0)
		return -1;
	if (!r->query && r->has_esk && r->total > 0 &&
	    seg_of(r->esk[0].data, r->esk[0].len, r->total) != r->segment)
		return ddb_fail(err, DDB_VALIDATION, "The provided Exclusive "
		    "start key does not map to the provided segment");
	return 0;
}

static void
rd_free(struct rd *r)
{
	size_t i;

	expr_free(r->key);
	expr_free(r->filter);
	expr_free(r->proj);
	if (r->ctx_on)
		expr_ctx_free(&r->ctx);
	buf_free(&r->qhk);
	for (i = 0; i < 4; i++)
		buf_free(&r->esk[i]);
	cJSON_Delete(r->items);
	cJSON_Delete(r->last);
	tbl_free(r->t);
}

static int
read_many(sqlite3 *db, cJSON *req, const struct tables_call *call,
    bool query, cJSON **resp, struct ddb_err *err)
{
	struct rd r;
	size_t i;
	int rc;

	memset(&r, 0, sizeof(r));
	r.db = db;
	r.req = req;
	r.query = query;
	r.action = query ? "dynamodb:Query" : "dynamodb:Scan";
	buf_init(&r.qhk);
	for (i = 0; i < 4; i++)
		buf_init(&r.esk[i]);
	r.items = cJSON_CreateArray();
	rc = read_setup(&r, call, err);
	if (rc == 0)
		rc = walk(&r, err);
	if (rc == 0)
		*resp = reply(&r);
	rd_free(&r);
	return rc;
}

int
op_Query(sqlite3 *db, cJSON *req, const struct tables_call *call, cJSON **resp,
    struct ddb_err *err)
{
	return read_many(db, req, call, true, resp, err);
}

int
op_Scan(sqlite3 *db, cJSON *req, const struct tables_call *call, cJSON **resp,
    struct ddb_err *err)
{
	return read_many(db, req, call, false, resp, err);
}
