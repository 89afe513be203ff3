/*
 * tabledef: a table's definition as a request gives it and as the catalog
 * stores it (DynamoDB's TableDescription without the changing figures).
 * CreateTable's request is checked as DynamoDB checks it (member
 * constraints, key schemas, attribute definitions used and defined,
 * billing, indexes, projections, tags, streams) and turned into the
 * stored description; UpdateTable's is applied to a copy of one.  Pure
 * JSON work: the catalog rows and index entries are ops_table.c's.
 *
 * Streams are not offered: they come with the Lambda platform's event
 * sources, which do not exist yet, so StreamEnabled=true is refused
 * plainly rather than accepted and never delivered.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_int.h"
#include "tabledef.h"
#include "uuid.h"

#define VAL1		"1 validation error detected: Value "
#define INVALID		"One or more parameter values were invalid: "
#define GSI_MAX		TDEF_GSI_MAX
#define LSI_MAX		5
#define PROJ_MAX	100	/* NonKeyAttributes over all indexes */

int
tdef_not_null(struct ddb_err *err, const char *field)
{
	return ddb_fail(err, DDB_VALIDATION, VAL1 "null at '%s' failed to "
	    "satisfy constraint: Member must not be null", field);
}

static const char *
jstr(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* ---- parts of a definition ---------------------------------------------------- */

/* Key attribute names used by the table and its indexes, in order. */
struct names {
	const char	*v[2 * (TBL_INDEX_MAX + 1)];
	size_t		 n;
};

static void
names_add(struct names *u, const char *s)
{
	size_t i;

	for (i = 0; i < u->n; i++)
		if (strcmp(u->v[i], s) == 0)
			return;
	if (u->n < sizeof(u->v) / sizeof(u->v[0]))
		u->v[u->n++] = s;
}

static bool
names_has(const struct names *u, const char *s)
{
	size_t i;

	for (i = 0; i < u->n; i++)
		if (strcmp(u->v[i], s) == 0)
			return true;
	return false;
}

static void
names_print(struct buf *b, const struct names *u)
{
	size_t i;

	buf_addc(b, '[');
	for (i = 0; i < u->n; i++)
		buf_printf(b, "%s%s", i ? ", " : "", u->v[i]);
	buf_addc(b, ']');
}

static int
pt_num(const cJSON *pt, const char *member, const char *field,
    const char *sub, double *out, struct ddb_err *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(pt, member);
	char f[200];

	snprintf(f, sizeof(f), "%s.%s", field, sub);
	if (v == NULL || cJSON_IsNull(v))
		return tdef_not_null(err, f);
	if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble))
		return ddb_fail(err, DDB_SERIALIZATION, "STRING_VALUE cannot "
		    "be converted to Long");
	if (v->valuedouble < 1)
		return ddb_fail(err, DDB_VALIDATION, VAL1 "'%.0f' at '%s' "
		    "failed to satisfy constraint: Member must have value "
		    "greater than or equal to 1", v->valuedouble, f);
	*out = v->valuedouble;
	return 0;
}

/* A ProvisionedThroughput object into its stored form. */
static cJSON *
pt_parse(const cJSON *pt, const char *field, struct ddb_err *err)
{
	double r, w;
	cJSON *o;

	if (!cJSON_IsObject(pt)) {
		ddb_fail(err, DDB_SERIALIZATION,
		    "Start of structure or map expected");
		return NULL;
	}
	if (pt_num(pt, "ReadCapacityUnits", field, "readCapacityUnits", &r,
	    err) != 0 || pt_num(pt, "WriteCapacityUnits", field,
	    "writeCapacityUnits", &w, err) != 0)
		return NULL;
	o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "NumberOfDecreasesToday", 0);
	cJSON_AddNumberToObject(o, "ReadCapacityUnits", r);
	cJSON_AddNumberToObject(o, "WriteCapacityUnits", w);
	return o;
}

static cJSON *
pt_zero(void)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "NumberOfDecreasesToday", 0);
	cJSON_AddNumberToObject(o, "ReadCapacityUnits", 0);
	cJSON_AddNumberToObject(o, "WriteCapacityUnits", 0);
	return o;
}

/* A KeySchema list: HASH first, then an optional RANGE of another name. */
static int
ks_parse(const cJSON *ks, const char *field, struct names *used,
    cJSON **norm, const char **hash, const char **range, struct ddb_err *err)
{
	static const char *const kt[] = { "HASH", "RANGE", NULL };
	const cJSON *e;
	const char *n[2] = { NULL, NULL };
	char f[160];
	int i = 0, type;

	if (ks == NULL || cJSON_IsNull(ks))
		return tdef_not_null(err, field);
	if (!cJSON_IsArray(ks))
		return ddb_fail(err, DDB_SERIALIZATION,
		    "Start of list expected");
	if (cJSON_GetArraySize(ks) < 1 || cJSON_GetArraySize(ks) > 2)
		return ddb_fail(err, DDB_VALIDATION, VAL1 "at '%s' failed to "
		    "satisfy constraint: Member must have length %s", field,
		    cJSON_GetArraySize(ks) < 1 ? "greater than or equal to 1" :
		    "less than or equal to 2");
	cJSON_ArrayForEach(e, ks) {
		snprintf(f, sizeof(f), "%s.%d.member.keyType", field, i + 1);
		if (tbl_req_enum(e, "KeyType", f, kt, "[HASH, RANGE]", -1,
		    &type, err) != 0)
			return -1;
		if ((n[i] = jstr(e, "AttributeName")) == NULL || type < 0) {
			snprintf(f, sizeof(f), "%s.%d.member.%s", field, i + 1,
			    n[i] == NULL ? "attributeName" : "keyType");
			return tdef_not_null(err, f);
		}
		if (type != i)
			return ddb_fail(err, DDB_VALIDATION, "Invalid KeySchema:"
			    " The %s KeySchemaElement is not a %s key type",
			    i == 0 ? "first" : "second", kt[i]);
		i++;
	}
	if (n[1] != NULL && strcmp(n[0], n[1]) == 0)
		return ddb_fail(err, DDB_VALIDATION, "Both the Hash Key and the "
		    "Range Key element in the KeySchema have the same name");
	*norm = cJSON_CreateArray();
	for (i = 0; i < 2 && n[i] != NULL; i++) {
		e = cJSON_CreateObject();
		cJSON_AddStringToObject((cJSON *)e, "AttributeName", n[i]);
		cJSON_AddStringToObject((cJSON *)e, "KeyType", kt[i]);
		cJSON_AddItemToArray(*norm, (cJSON *)e);
		names_add(used, n[i]);
	}
	*hash = n[0];
	*range = n[1];
	return 0;
}

static int
proj_parse(const cJSON *p, const char *field, size_t *nproj, cJSON **norm,
    struct ddb_err *err)
{
	static const char *const pt[] = { "ALL", "KEYS_ONLY", "INCLUDE", NULL };
	const cJSON *nka, *e;
	char f[200];
	int type;

	if (p == NULL || cJSON_IsNull(p))
		return tdef_not_null(err, field);
	snprintf(f, sizeof(f), "%s.projectionType", field);
	if (tbl_req_enum(p, "ProjectionType", f, pt,
	    "[ALL, INCLUDE, KEYS_ONLY]", -1, &type, err) != 0)
		return -1;
	if (type < 0)
		return ddb_fail(err, DDB_VALIDATION, INVALID
		    "Unknown ProjectionType: null");
	nka = cJSON_GetObjectItemCaseSensitive(p, "NonKeyAttributes");
	if (type != PROJ_INCLUDE && nka != NULL)
		return ddb_fail(err, DDB_VALIDATION, INVALID "ProjectionType "
		    "is %s, but NonKeyAttributes is specified", pt[type]);
	if (type == PROJ_INCLUDE && (!cJSON_IsArray(nka) ||
	    cJSON_GetArraySize(nka) == 0))
		return ddb_fail(err, DDB_VALIDATION, INVALID "ProjectionType "
		    "is INCLUDE, but NonKeyAttributes is not specified");
	cJSON_ArrayForEach(e, nka)
		if (!cJSON_IsString(e) || e->valuestring[0] == '\0')
			return ddb_fail(err, DDB_VALIDATION, INVALID
			    "NonKeyAttributes must be non-empty names");
	if ((*nproj += (size_t)cJSON_GetArraySize(nka)) > PROJ_MAX)
		return ddb_fail(err, DDB_VALIDATION, INVALID "Number of "
		    "projected attributes in all indexes exceeds limit of %d",
		    PROJ_MAX);
	*norm = cJSON_CreateObject();
	cJSON_AddStringToObject(*norm, "ProjectionType", pt[type]);
	if (type == PROJ_INCLUDE)
		cJSON_AddItemToObject(*norm, "NonKeyAttributes",
		    cJSON_Duplicate(nka, true));
	return 0;
}

/* What parsing a table's indexes needs to know about the table. */
struct tdef {
	const struct tables_call *call;
	const char	*name;
	const char	*hash, *range;
	bool		 ppr;		/* PAY_PER_REQUEST */
	struct names	 used;
	size_t		 nproj;
	cJSON		*gsis, *lsis;	/* normalized, for the description */
};

static bool
index_exists(const struct tdef *td, const char *name)
{
	const cJSON *a[2] = { td->gsis, td->lsis }, *d;
	int k;

	for (k = 0; k < 2; k++)
		cJSON_ArrayForEach(d, a[k])
			if (strcmp(jstr(d, "IndexName"), name) == 0)
				return true;
	return false;
}

static int
lsi_keys_check(const struct tdef *td, const char *name, const char *hash,
    const char *range, struct ddb_err *err)
{
	if (td->range == NULL)
		return ddb_fail(err, DDB_VALIDATION, INVALID "Table KeySchema "
		    "does not have a range key, which is required when "
		    "specifying a LocalSecondaryIndex");
	if (range == NULL)
		return ddb_fail(err, DDB_VALIDATION, INVALID "Index KeySchema "
		    "does not have a range key for index: %s", name);
	if (strcmp(hash, td->hash) != 0)
		return ddb_fail(err, DDB_VALIDATION, INVALID "Index KeySchema "
		    "does not have the same leading hash key as table KeySchema"
		    " for index: %s. index hash key: %s, table hash key: %s",
		    name, hash, td->hash);
	return 0;
}

/* ---- indexes ---------------------------------------------------------------- */

/* The throughput a GSI is described with under the table's mode. */
static cJSON *
gsi_pt(const struct tdef *td, const cJSON *d, const char *name,
    const char *field, struct ddb_err *err)
{
	const cJSON *pt = cJSON_GetObjectItemCaseSensitive(d,
	    "ProvisionedThroughput");
	char f[200];

	if (td->ppr && pt != NULL) {
		ddb_fail(err, DDB_VALIDATION, INVALID "ProvisionedThroughput "
		    "should not be specified for index: %s when BillingMode is "
		    "PAY_PER_REQUEST", name);
		return NULL;
	}
	if (td->ppr)
		return pt_zero();
	if (pt == NULL) {
		ddb_fail(err, DDB_VALIDATION, INVALID "ProvisionedThroughput "
		    "must be specified for index: %s", name);
		return NULL;
	}
	snprintf(f, sizeof(f), "%s.provisionedThroughput", field);
	return pt_parse(pt, f, err);
}

/* One GSI or LSI definition (field: "globalSecondaryIndexes.1.member"),
 * normalized and appended to td->gsis or td->lsis. */
static int
index_parse(struct tdef *td, const cJSON *d, const char *field, bool local,
    struct ddb_err *err)
{
	const char *name, *hash, *range;
	char f[160];
	cJSON *o, *ks = NULL, *proj = NULL, *pt = NULL;
	struct buf arn;

	snprintf(f, sizeof(f), "%s.indexName", field);
	if (tbl_req_name(d, "IndexName", f, true, &name, err) != 0)
		return -1;
	snprintf(f, sizeof(f), "%s.keySchema", field);
	if (ks_parse(cJSON_GetObjectItemCaseSensitive(d, "KeySchema"), f,
	    &td->used, &ks, &hash, &range, err) != 0)
		return -1;
	snprintf(f, sizeof(f), "%s.projection", field);
	if ((local && lsi_keys_check(td, name, hash, range, err) != 0) ||
	    proj_parse(cJSON_GetObjectItemCaseSensitive(d, "Projection"), f,
	    &td->nproj, &proj, err) != 0 ||
	    (!local && (pt = gsi_pt(td, d, name, field, err)) == NULL)) {
		cJSON_Delete(ks);
		cJSON_Delete(proj);
		return -1;
	}
	if (index_exists(td, name)) {
		cJSON_Delete(ks);
		cJSON_Delete(proj);
		cJSON_Delete(pt);
		return ddb_fail(err, DDB_VALIDATION, INVALID "Duplicate index "
		    "name: %s", name);
	}
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "IndexName", name);
	cJSON_AddItemToObject(o, "KeySchema", ks);
	cJSON_AddItemToObject(o, "Projection", proj);
	if (pt != NULL)
		cJSON_AddItemToObject(o, "ProvisionedThroughput", pt);
	buf_init(&arn);
	tbl_arn(td->call, td->name, &arn);
	buf_printf(&arn, "/index/%s", name);
	cJSON_AddStringToObject(o, "IndexArn", arn.data);
	buf_free(&arn);
	cJSON_AddItemToArray(local ? td->lsis : td->gsis, o);
	return 0;
}

static int
indexes_parse(struct tdef *td, const cJSON *arr, bool local,
    struct ddb_err *err)
{
	const char *what = local ? "LocalSecondaryIndexes" :
	    "GlobalSecondaryIndexes";
	const cJSON *d;
	char f[96];
	int i = 0;

	if (arr == NULL || cJSON_IsNull(arr))
		return 0;
	if (!cJSON_IsArray(arr))
		return ddb_fail(err, DDB_SERIALIZATION,
		    "Start of list expected");
	if (cJSON_GetArraySize(arr) == 0)
		return ddb_fail(err, DDB_VALIDATION, INVALID "List of %s is "
		    "empty", what);
	if (local && cJSON_GetArraySize(arr) > LSI_MAX)
		return ddb_fail(err, DDB_VALIDATION, INVALID "Number of "
		    "LocalSecondaryIndexes exceeds per-table limit of %d",
		    LSI_MAX);
	if (!local && cJSON_GetArraySize(arr) > GSI_MAX)
		return ddb_fail(err, DDB_VALIDATION, INVALID "GlobalSecondary"
		    "Index count exceeds the per-table limit of %d", GSI_MAX);
	cJSON_ArrayForEach(d, arr) {
		snprintf(f, sizeof(f), "%s.%d.member", local ?
		    "localSecondaryIndexes" : "globalSecondaryIndexes", ++i);
		if (index_parse(td, d, f, local, err) != 0)
			return -1;
	}
	return 0;
}

/* AttributeDefinitions: well formed, no name twice. */
static int
defs_parse(const cJSON *defs, cJSON **norm, struct ddb_err *err)
{
	static const char *const types[] = { "S", "N", "B", NULL };
	const cJSON *d, *p;
	const char *n;
	char f[96];
	int i = 0, t;

	if (defs == NULL || cJSON_IsNull(defs))
		return tdef_not_null(err, "attributeDefinitions");
	if (!cJSON_IsArray(defs))
		return ddb_fail(err, DDB_SERIALIZATION,
		    "Start of list expected");
	cJSON_ArrayForEach(d, defs) {
		i++;
		snprintf(f, sizeof(f), "attributeDefinitions.%d.member."
		    "attributeType", i);
		if (tbl_req_enum(d, "AttributeType", f, types, "[B, N, S]", -1,
		    &t, err) != 0)
			return -1;
		if ((n = jstr(d, "AttributeName")) == NULL || t < 0) {
			snprintf(f, sizeof(f), "attributeDefinitions.%d.member."
			    "%s", i, n == NULL ? "attributeName" :
			    "attributeType");
			return tdef_not_null(err, f);
		}
		for (p = defs->child; p != d; p = p->next)
			if (strcmp(jstr(p, "AttributeName"), n) == 0)
				return ddb_fail(err, DDB_VALIDATION, INVALID
				    "Cannot have two attributes with the same "
				    "name: %s", n);
	}
	*norm = cJSON_CreateArray();
	cJSON_ArrayForEach(d, defs) {
		p = cJSON_CreateObject();
		cJSON_AddStringToObject((cJSON *)p, "AttributeName",
		    jstr(d, "AttributeName"));
		cJSON_AddStringToObject((cJSON *)p, "AttributeType",
		    jstr(d, "AttributeType"));
		cJSON_AddItemToArray(*norm, (cJSON *)p);
	}
	return 0;
}

/* Every key attribute defined, every definition used by a key. */
static int
defs_check(const cJSON *defs, const struct names *used, struct ddb_err *err)
{
	struct names dn = { .n = 0 };
	const cJSON *d;
	struct buf b;
	size_t i;
	bool ok = true;

	cJSON_ArrayForEach(d, defs)
		names_add(&dn, jstr(d, "AttributeName"));
	for (i = 0; i < used->n; i++)
		ok = ok && names_has(&dn, used->v[i]);
	buf_init(&b);
	if (!ok) {
		buf_adds(&b, INVALID "Some index key attributes are not defined"
		    " in AttributeDefinitions. Keys: ");
		names_print(&b, used);
	} else if (dn.n != used->n) {
		buf_adds(&b, INVALID "Some AttributeDefinitions are not used. "
		    "AttributeDefinitions: ");
		names_print(&b, &dn);
		buf_adds(&b, ", keys used: ");
		names_print(&b, used);
	}
	if (b.len > 0 && !ok) {
		buf_adds(&b, ", AttributeDefinitions: ");
		names_print(&b, &dn);
	}
	ok = b.len == 0;
	if (!ok)
		ddb_fail(err, DDB_VALIDATION, "%s", b.data);
	buf_free(&b);
	return ok ? 0 : -1;
}

/* BillingMode and the table's ProvisionedThroughput (*pt: stored form). */
static int
billing_parse(const cJSON *req, bool *ppr, cJSON **pt, struct ddb_err *err)
{
	static const char *const bm[] = { "PROVISIONED", "PAY_PER_REQUEST",
	    NULL };
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(req,
	    "ProvisionedThroughput");
	int mode;

	if (tbl_req_enum(req, "BillingMode", "billingMode", bm,
	    "[PROVISIONED, PAY_PER_REQUEST]", 0, &mode, err) != 0)
		return -1;
	*ppr = mode == 1;
	if (*ppr && p != NULL && !cJSON_IsNull(p))
		return ddb_fail(err, DDB_VALIDATION, INVALID "Neither "
		    "ReadCapacityUnits nor WriteCapacityUnits can be specified "
		    "when BillingMode is PAY_PER_REQUEST");
	if (*ppr) {
		*pt = pt_zero();
		return 0;
	}
	if (p == NULL || cJSON_IsNull(p))
		return ddb_fail(err, DDB_VALIDATION, INVALID "ReadCapacityUnits"
		    " and WriteCapacityUnits must both be specified when "
		    "BillingMode is PROVISIONED");
	return (*pt = pt_parse(p, "provisionedThroughput", err)) ? 0 : -1;
}

/* Tags [{Key, Value}]: Key 1-128, Value 0-256 characters. */
int
tdef_tags_check(const cJSON *tags, const char *field, struct ddb_err *err)
{
	const cJSON *e;
	const char *k, *v;

	if (!cJSON_IsArray(tags))
		return tags == NULL ? tdef_not_null(err, field) : ddb_fail(err,
		    DDB_SERIALIZATION, "Start of list expected");
	if (cJSON_GetArraySize(tags) > TDEF_TAGS_MAX)
		return ddb_fail(err, DDB_VALIDATION, INVALID "The number of "
		    "tags exceeds the limit of %d", TDEF_TAGS_MAX);
	cJSON_ArrayForEach(e, tags) {
		k = jstr(e, "Key");
		v = jstr(e, "Value");
		if (k == NULL || v == NULL)
			return tdef_not_null(err, k == NULL ? "tags.member.key" :
			    "tags.member.value");
		if (strlen(k) < 1 || strlen(k) > 128 || strlen(v) > 256)
			return ddb_fail(err, DDB_VALIDATION, INVALID "Tag %s "
			    "must have length %s", strlen(k) < 1 ||
			    strlen(k) > 128 ? "keys" : "values", strlen(k) < 1 ||
			    strlen(k) > 128 ? "1 to 128" : "0 to 256");
	}
	return 0;
}

/* StreamSpecification: accepted only as disabled (see the top comment). */
static int
stream_check(const cJSON *req, const char *member, struct ddb_err *err)
{
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(req, member);
	bool on;

	if (s == NULL || cJSON_IsNull(s))
		return 0;
	if (tbl_req_bool(s, "StreamEnabled", false, &on, err) != 0)
		return -1;
	if (on)
		return ddb_fail(err, DDB_VALIDATION, "DynamoDB Streams are not "
		    "supported by this server (they arrive with its event "
		    "sources); StreamEnabled must be false");
	return 0;
}

/* ---- CreateTable ------------------------------------------------------------ */

/* The stored description of a new table, from parts already checked. */
static cJSON *
desc_build(const struct tables_call *call, struct tdef *td, cJSON *defs,
    cJSON *ks, cJSON *pt, bool protect)
{
	cJSON *d = cJSON_CreateObject(), *bms;
	struct buf arn;
	char id[37];
	double now = (double)call->now_ms / 1000.0;

	cJSON_AddItemToObject(d, "AttributeDefinitions", defs);
	cJSON_AddStringToObject(d, "TableName", td->name);
	cJSON_AddItemToObject(d, "KeySchema", ks);
	cJSON_AddNumberToObject(d, "CreationDateTime", now);
	cJSON_AddItemToObject(d, "ProvisionedThroughput", pt);
	buf_init(&arn);
	tbl_arn(call, td->name, &arn);
	cJSON_AddStringToObject(d, "TableArn", arn.data);
	buf_free(&arn);
	uuid_random(id);
	cJSON_AddStringToObject(d, "TableId", id);
	bms = cJSON_AddObjectToObject(d, "BillingModeSummary");
	cJSON_AddStringToObject(bms, "BillingMode", td->ppr ?
	    "PAY_PER_REQUEST" : "PROVISIONED");
	if (td->ppr)
		cJSON_AddNumberToObject(bms,
		    "LastUpdateToPayPerRequestDateTime", now);
	if (cJSON_GetArraySize(td->lsis) > 0)
		cJSON_AddItemToObject(d, "LocalSecondaryIndexes", td->lsis);
	else
		cJSON_Delete(td->lsis);
	if (cJSON_GetArraySize(td->gsis) > 0)
		cJSON_AddItemToObject(d, "GlobalSecondaryIndexes", td->gsis);
	else
		cJSON_Delete(td->gsis);
	td->lsis = td->gsis = NULL;
	cJSON_AddBoolToObject(d, "DeletionProtectionEnabled", protect);
	return d;
}

/* Everything CreateTable checks before it looks at the catalog. */
static cJSON *
create_parse(const cJSON *req, struct tdef *td, struct ddb_err *err)
{
	cJSON *defs = NULL, *ks = NULL, *pt = NULL;
	const cJSON *tags = cJSON_GetObjectItemCaseSensitive(req, "Tags");
	bool protect;

	if (defs_parse(cJSON_GetObjectItemCaseSensitive(req,
	    "AttributeDefinitions"), &defs, err) != 0)
		return NULL;
	if (ks_parse(cJSON_GetObjectItemCaseSensitive(req, "KeySchema"),
	    "keySchema", &td->used, &ks, &td->hash, &td->range, err) != 0 ||
	    billing_parse(req, &td->ppr, &pt, err) != 0 ||
	    indexes_parse(td, cJSON_GetObjectItemCaseSensitive(req,
	    "LocalSecondaryIndexes"), true, err) != 0 ||
	    indexes_parse(td, cJSON_GetObjectItemCaseSensitive(req,
	    "GlobalSecondaryIndexes"), false, err) != 0 ||
	    defs_check(defs, &td->used, err) != 0 ||
	    stream_check(req, "StreamSpecification", err) != 0 ||
	    (tags != NULL && tdef_tags_check(tags, "tags", err) != 0) ||
	    tbl_req_bool(req, "DeletionProtectionEnabled", false, &protect,
	    err) != 0) {
		cJSON_Delete(defs);
		cJSON_Delete(ks);
		cJSON_Delete(pt);
		return NULL;
	}
	return desc_build(td->call, td, defs, ks, pt, protect);
}

/* ---- UpdateTable ------------------------------------------------------------ */

static bool
desc_ppr(const cJSON *desc)
{
	const char *m = jstr(cJSON_GetObjectItemCaseSensitive(desc,
	    "BillingModeSummary"), "BillingMode");

	return m != NULL && strcmp(m, "PAY_PER_REQUEST") == 0;
}

static void
gsis_set_pt(cJSON *nd, const cJSON *pt)
{
	cJSON *d;

	cJSON_ArrayForEach(d, cJSON_GetObjectItemCaseSensitive(nd,
	    "GlobalSecondaryIndexes"))
		cJSON_ReplaceItemInObjectCaseSensitive(d,
		    "ProvisionedThroughput", cJSON_Duplicate(pt, true));
}

static void
billing_set(cJSON *nd, bool ppr, const struct tables_call *call)
{
	cJSON *bms = cJSON_CreateObject();

	cJSON_AddStringToObject(bms, "BillingMode", ppr ? "PAY_PER_REQUEST" :
	    "PROVISIONED");
	if (ppr)
		cJSON_AddNumberToObject(bms,
		    "LastUpdateToPayPerRequestDateTime",
		    (double)call->now_ms / 1000.0);
	cJSON_ReplaceItemInObjectCaseSensitive(nd, "BillingModeSummary", bms);
}

static int
pt_same(const cJSON *a, const cJSON *b)
{
	static const char *const m[] = { "ReadCapacityUnits",
	    "WriteCapacityUnits" };
	int i;

	for (i = 0; i < 2; i++)
		if (cJSON_GetObjectItemCaseSensitive(a, m[i])->valuedouble !=
		    cJSON_GetObjectItemCaseSensitive(b, m[i])->valuedouble)
			return 0;
	return 1;
}

static int
pt_unchanged(const cJSON *cur, const cJSON *pt, struct ddb_err *err)
{
	double cr = cJSON_GetObjectItemCaseSensitive(cur,
	    "ReadCapacityUnits")->valuedouble;
	double cw = cJSON_GetObjectItemCaseSensitive(cur,
	    "WriteCapacityUnits")->valuedouble;

	(void)pt;
	return ddb_fail(err, DDB_VALIDATION, "The provisioned throughput for "
	    "the table will not change. The requested value equals the "
	    "current value. Current ReadCapacityUnits provisioned for the "
	    "table: %.0f. Requested ReadCapacityUnits: %.0f. Current "
	    "WriteCapacityUnits provisioned for the table: %.0f. Requested "
	    "WriteCapacityUnits: %.0f. Refer to the Amazon DynamoDB Developer "
	    "Guide for current limits and how to request higher limits.", cr,
	    cr, cw, cw);
}

/* BillingMode and ProvisionedThroughput of an UpdateTable into nd. */
static int
billing_update(const cJSON *req, cJSON *nd, struct tdef *td,
    struct tdef_change *ch, struct ddb_err *err)
{
	static const char *const bm[] = { "PROVISIONED", "PAY_PER_REQUEST",
	    NULL };
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(req,
	    "ProvisionedThroughput");
	cJSON *pt;
	bool cur = desc_ppr(nd);
	int mode;

	if (tbl_req_enum(req, "BillingMode", "billingMode", bm,
	    "[PROVISIONED, PAY_PER_REQUEST]", -1, &mode, err) != 0)
		return -1;
	td->ppr = mode < 0 ? cur : mode == 1;
	if (cJSON_IsNull(p))
		p = NULL;
	if (td->ppr && p != NULL)
		return ddb_fail(err, DDB_VALIDATION, INVALID "Neither "
		    "ReadCapacityUnits nor WriteCapacityUnits can be specified "
		    "when BillingMode is PAY_PER_REQUEST");
	if (!td->ppr && cur && p == NULL)
		return ddb_fail(err, DDB_VALIDATION, INVALID "ReadCapacityUnits"
		    " and WriteCapacityUnits must both be specified when "
		    "BillingMode is PROVISIONED");
	if (td->ppr) {
		pt = pt_zero();
	} else if (p == NULL) {
		return 0;
	} else if ((pt = pt_parse(p, "provisionedThroughput", err)) == NULL) {
		return -1;
	} else if (!cur && pt_same(pt, cJSON_GetObjectItemCaseSensitive(nd,
	    "ProvisionedThroughput")) && cJSON_GetObjectItemCaseSensitive(req,
	    "GlobalSecondaryIndexUpdates") == NULL) {
		pt_unchanged(cJSON_GetObjectItemCaseSensitive(nd,
		    "ProvisionedThroughput"), pt, err);
		cJSON_Delete(pt);
		return -1;
	}
	ch->pt_changed = true;
	if (td->ppr != cur) {
		billing_set(nd, td->ppr, td->call);
		/* GSIs follow the table's mode; a later Update may still
		 * give one its own throughput. */
		gsis_set_pt(nd, pt);
	}
	cJSON_ReplaceItemInObjectCaseSensitive(nd, "ProvisionedThroughput", pt);
	return 0;
}

static cJSON *
gsi_find(cJSON *gsis, const char *name)
{
	cJSON *d;

	cJSON_ArrayForEach(d, gsis)
		if (strcmp(jstr(d, "IndexName"), name) == 0)
			return d;
	return NULL;
}

/* AttributeDefinitions of the request added to nd's (same name, same type). */
static int
defs_merge(const cJSON *req, cJSON *nd, struct ddb_err *err)
{
	const cJSON *rd = cJSON_GetObjectItemCaseSensitive(req,
	    "AttributeDefinitions"), *d, *c;
	cJSON *defs = cJSON_GetObjectItemCaseSensitive(nd,
	    "AttributeDefinitions"), *norm;
	bool dup;

	if (rd == NULL)
		return 0;
	if (defs_parse(rd, &norm, err) != 0)
		return -1;
	cJSON_ArrayForEach(d, norm) {
		dup = false;
		cJSON_ArrayForEach(c, defs)
			if (strcmp(jstr(c, "AttributeName"),
			    jstr(d, "AttributeName")) == 0) {
				if (strcmp(jstr(c, "AttributeType"),
				    jstr(d, "AttributeType")) != 0) {
					cJSON_Delete(norm);
					return ddb_fail(err, DDB_VALIDATION,
					    INVALID "Attribute %s is already "
					    "defined with type %s",
					    jstr(c, "AttributeName"),
					    jstr(c, "AttributeType"));
				}
				dup = true;
			}
		if (!dup)
			cJSON_AddItemToArray(defs, cJSON_Duplicate(d, true));
	}
	cJSON_Delete(norm);
	return 0;
}

static int
gsi_update_one(const cJSON *u, int i, cJSON *nd, struct tdef *td,
    struct tdef_change *ch, struct ddb_err *err)
{
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(u, "Create");
	const cJSON *dl = cJSON_GetObjectItemCaseSensitive(u, "Delete");
	const cJSON *up = cJSON_GetObjectItemCaseSensitive(u, "Update");
	const char *name;
	char f[96];
	cJSON *d, *pt;

	(void)nd;
	snprintf(f, sizeof(f), "globalSecondaryIndexUpdates.%d.member", i);
	if ((c != NULL) + (dl != NULL) + (up != NULL) != 1)
		return ddb_fail(err, DDB_VALIDATION, INVALID "One of Create, "
		    "Update or Delete must be given in %s", f);
	if (c != NULL) {
		if (index_exists(td, jstr(c, "IndexName") ? jstr(c,
		    "IndexName") : ""))
			return ddb_fail(err, DDB_VALIDATION, INVALID "Index "
			    "already exists: %s", jstr(c, "IndexName"));
		if (cJSON_GetArraySize(td->gsis) >= GSI_MAX)
			return ddb_fail(err, DDB_LIMIT_EXCEEDED, "GlobalSecondary"
			    "Index count exceeds the per-table limit of %d",
			    GSI_MAX);
		strncat(f, ".create", sizeof(f) - strlen(f) - 1);
		if (index_parse(td, c, f, false, err) != 0)
			return -1;
		ch->created[ch->ncreated++] = jstr(c, "IndexName");
		return 0;
	}
	name = jstr(dl != NULL ? dl : up, "IndexName");
	if (name == NULL || (d = gsi_find(td->gsis, name)) == NULL)
		return ddb_fail(err, DDB_RESOURCE_NOT_FOUND, "Requested "
		    "resource not found: Index: %s not found", name ? name : "");
	if (dl != NULL) {
		cJSON_Delete(cJSON_DetachItemViaPointer(td->gsis, d));
		ch->deleted[ch->ndeleted++] = name;
		return 0;
	}
	strncat(f, ".update", sizeof(f) - strlen(f) - 1);
	if ((pt = gsi_pt(td, up, name, f, err)) == NULL)
		return -1;
	cJSON_ReplaceItemInObjectCaseSensitive(d, "ProvisionedThroughput", pt);
	return 0;
}

/* Key attribute names of the table and every index in desc. */
static void
used_names(const cJSON *desc, struct names *u)
{
	static const char *const arrs[2] = { "LocalSecondaryIndexes",
	    "GlobalSecondaryIndexes" };
	const cJSON *e, *d;
	int k;

	u->n = 0;
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(desc,
	    "KeySchema"))
		names_add(u, jstr(e, "AttributeName"));
	for (k = 0; k < 2; k++)
		cJSON_ArrayForEach(d, cJSON_GetObjectItemCaseSensitive(desc,
		    arrs[k]))
			cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(
			    d, "KeySchema"))
				names_add(u, jstr(e, "AttributeName"));
}

/* Drop the definitions no key uses any more, then check the rest. */
static int
defs_trim(cJSON *nd, struct ddb_err *err)
{
	cJSON *defs = cJSON_GetObjectItemCaseSensitive(nd,
	    "AttributeDefinitions"), *d, *next;
	struct names u;

	used_names(nd, &u);
	for (d = defs->child; d != NULL; d = next) {
		next = d->next;
		if (!names_has(&u, jstr(d, "AttributeName")))
			cJSON_Delete(cJSON_DetachItemViaPointer(defs, d));
	}
	return defs_check(defs, &u, err);
}

static int
gsi_updates(const cJSON *req, cJSON *nd, struct tdef *td, struct tdef_change *ch,
    struct ddb_err *err)
{
	const cJSON *ups = cJSON_GetObjectItemCaseSensitive(req,
	    "GlobalSecondaryIndexUpdates"), *u;
	int i = 0;

	if (ups == NULL || cJSON_IsNull(ups))
		return 0;
	if (!cJSON_IsArray(ups))
		return ddb_fail(err, DDB_SERIALIZATION,
		    "Start of list expected");
	if (cJSON_GetArraySize(ups) > GSI_MAX)
		return ddb_fail(err, DDB_VALIDATION, INVALID "Too many "
		    "GlobalSecondaryIndexUpdates");
	if (defs_merge(req, nd, err) != 0)
		return -1;
	if ((td->gsis = cJSON_GetObjectItemCaseSensitive(nd,
	    "GlobalSecondaryIndexes")) == NULL)
		td->gsis = cJSON_AddArrayToObject(nd, "GlobalSecondaryIndexes");
	td->lsis = cJSON_GetObjectItemCaseSensitive(nd,
	    "LocalSecondaryIndexes");
	cJSON_ArrayForEach(u, ups)
		if (gsi_update_one(u, ++i, nd, td, ch, err) != 0)
			return -1;
	if (cJSON_GetArraySize(td->gsis) == 0)
		cJSON_DeleteItemFromObjectCaseSensitive(nd,
		    "GlobalSecondaryIndexes");
	return 0;
}

static bool
update_has_change(const cJSON *req)
{
	static const char *const m[] = { "ProvisionedThroughput",
	    "BillingMode", "StreamSpecification",
	    "GlobalSecondaryIndexUpdates", "SSESpecification",
	    "ReplicaUpdates", "DeletionProtectionEnabled", "TableClass" };
	size_t i;

	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		if (cJSON_GetObjectItemCaseSensitive(req, m[i]) != NULL)
			return true;
	return false;
}

static int
update_apply(const cJSON *req, const struct tbl *t, cJSON *nd,
    const struct tables_call *call, struct tdef_change *ch, struct ddb_err *err)
{
	struct tdef td = { .call = call, .name = t->name, .hash = t->ks.hash,
	    .range = t->ks.range };
	const cJSON *dp = cJSON_GetObjectItemCaseSensitive(req,
	    "DeletionProtectionEnabled");
	bool protect;

	used_names(nd, &td.used);
	if (billing_update(req, nd, &td, ch, err) != 0 ||
	    gsi_updates(req, nd, &td, ch, err) != 0 ||
	    stream_check(req, "StreamSpecification", err) != 0 ||
	    tbl_req_bool(req, "DeletionProtectionEnabled", false, &protect,
	    err) != 0 || defs_trim(nd, err) != 0)
		return -1;
	if (dp != NULL)
		cJSON_ReplaceItemInObjectCaseSensitive(nd,
		    "DeletionProtectionEnabled", cJSON_CreateBool(protect));
	return 0;
}

cJSON *
tdef_create(const cJSON *req, const struct tables_call *call,
    const char *name, struct ddb_err *err)
{
	struct tdef td = { .call = call, .name = name };
	cJSON *desc;

	td.gsis = cJSON_CreateArray();
	td.lsis = cJSON_CreateArray();
	desc = create_parse(req, &td, err);
	cJSON_Delete(td.gsis);
	cJSON_Delete(td.lsis);
	return desc;
}

int
tdef_update(const cJSON *req, const struct tbl *t,
    const struct tables_call *call, cJSON *nd, struct tdef_change *ch,
    struct ddb_err *err)
{
	if (!update_has_change(req))
		return ddb_fail(err, DDB_VALIDATION, "At least one of "
		    "ProvisionedThroughput, BillingMode, UpdateStreamEnabled, "
		    "GlobalSecondaryIndexUpdates or SSESpecification or "
		    "ReplicaUpdates is required");
	return update_apply(req, t, nd, call, ch, err);
}
