/*
 * value: DynamoDB's AttributeValue over cJSON (see value.h): types,
 * validation with DynamoDB's messages, canonical numbers, item size as AWS
 * counts it, equality, scalar order and the order-preserving key form.
 *
 * Sets are compared and checked for duplicates through "set keys": each
 * element turned into bytes whose equality is DynamoDB's (S as is, N as
 * ddb_num_key, B decoded), sorted, so both are O(n log n).
 */
#include <stdlib.h>
#include <string.h>

#include "tables/number.h"
#include "tables/value.h"

#define INVALID "One or more parameter values were invalid: "
#define NAME_MAX_LEN 65535

static const char *const type_names[] = {
	"S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS", "BS",
};

const char *
ddb_type_name(enum ddb_type t)
{
	return (unsigned)t < DDB_T_BAD ? type_names[t] : "?";
}

enum ddb_type
ddb_type_parse(const char *s)
{
	int t;

	for (t = 0; t < DDB_T_BAD && s != NULL; t++)
		if (strcmp(s, type_names[t]) == 0)
			return (enum ddb_type)t;
	return DDB_T_BAD;
}

/* Does the JSON kind of inner fit type t? */
static bool
kind_ok(enum ddb_type t, const cJSON *inner)
{
	switch (t) {
	case DDB_T_S: case DDB_T_N: case DDB_T_B:
		return cJSON_IsString(inner);
	case DDB_T_BOOL: case DDB_T_NULL:
		return cJSON_IsBool(inner);
	case DDB_T_M:
		return cJSON_IsObject(inner);
	default:
		return cJSON_IsArray(inner);
	}
}

/* The one known member of av, its type in *t; counts known members. */
static int
known_members(const cJSON *av, const cJSON **member, enum ddb_type *t)
{
	const cJSON *c;
	int count = 0;

	*member = NULL;
	*t = DDB_T_BAD;
	if (!cJSON_IsObject(av))
		return 0;
	for (c = av->child; c != NULL; c = c->next) {
		enum ddb_type ct = ddb_type_parse(c->string);

		if (ct == DDB_T_BAD)
			continue;
		if (count++ == 0) {
			*member = c;
			*t = ct;
		}
	}
	return count;
}

enum ddb_type
ddb_val_type(const cJSON *av)
{
	const cJSON *m;
	enum ddb_type t;

	if (known_members(av, &m, &t) != 1 || !kind_ok(t, m))
		return DDB_T_BAD;
	return t;
}

cJSON *
ddb_val_inner(const cJSON *av)
{
	const cJSON *m;
	enum ddb_type t;

	if (known_members(av, &m, &t) < 1)
		return NULL;
	return (cJSON *)m;
}

/* ---- base64 and set keys ------------------------------------------------ */

int
ddb_b64_decode(const char *s, size_t n, struct buf *out)
{
	size_t pad = 0;

	while (pad < n && pad < 3 && s[n - 1 - pad] == '=')
		pad++;
	if (pad > 2 || (pad > 0 && n % 4 != 0) || (n - pad) % 4 == 1)
		return -1;
	return buf_unbase64(out, s, n) == 0 ? 0 : -1;
}

/* Decoded length of valid base64 text s. */
static size_t
b64_len(const char *s)
{
	size_t n = strlen(s);

	while (n > 0 && s[n - 1] == '=')
		n--;
	return n / 4 * 3 + (n % 4 ? n % 4 - 1 : 0);
}

struct skey {
	char	*p;
	size_t	 n;
	const char *text;		/* the element as sent */
};

static int
skey_cmp(const void *a, const void *b)
{
	const struct skey *x = a, *y = b;
	size_t m = x->n < y->n ? x->n : y->n;
	int c = memcmp(x->p, y->p, m);

	return c != 0 ? c : (x->n > y->n) - (x->n < y->n);
}

/* Key bytes of one scalar string s of type t (S, N or B) into b. */
static int
scalar_key(enum ddb_type t, const char *s, struct buf *b)
{
	struct ddb_num x;
	uint8_t k[DDB_NUM_KEY_MAX];

	if (t == DDB_T_S) {
		buf_adds(b, s);
		return 0;
	}
	if (t == DDB_T_B)
		return ddb_b64_decode(s, strlen(s), b);
	if (ddb_num_parse(s, strlen(s), &x, NULL) != 0)
		return -1;
	buf_add(b, k, ddb_num_key(&x, k));
	return 0;
}

static void
skeys_free(struct skey *k, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(k[i].p);
	free(k);
}

/* Sorted set keys of the elements of set array arr (elements of scalar
 * type et); NULL if an element is not a valid value. */
static struct skey *
set_keys(const cJSON *arr, enum ddb_type et, size_t *count)
{
	size_t n = (size_t)cJSON_GetArraySize(arr), i = 0;
	struct skey *k = calloc(n ? n : 1, sizeof(*k));
	const cJSON *e;
	struct buf b;

	*count = n;
	if (k == NULL)
		return NULL;
	cJSON_ArrayForEach(e, arr) {
		buf_init(&b);
		if (!cJSON_IsString(e) || scalar_key(et, e->valuestring,
		    &b) != 0) {
			buf_free(&b);
			skeys_free(k, i);
			return NULL;
		}
		k[i].text = e->valuestring;
		k[i].p = buf_steal(&b, &k[i].n);
		i++;
	}
	qsort(k, n, sizeof(*k), skey_cmp);
	return k;
}

static enum ddb_type
set_elem_type(enum ddb_type t)
{
	return t == DDB_T_SS ? DDB_T_S : t == DDB_T_NS ? DDB_T_N : DDB_T_B;
}

/* ---- validation ---------------------------------------------------------- */

static const char *
json_kind(const cJSON *j)
{
	if (cJSON_IsString(j))
		return "STRING_VALUE";
	if (cJSON_IsNumber(j))
		return "NUMBER_VALUE";
	if (cJSON_IsBool(j))
		return cJSON_IsTrue(j) ? "VALUE_TRUE" : "VALUE_FALSE";
	if (cJSON_IsNull(j))
		return "VALUE_NULL";
	if (cJSON_IsArray(j))
		return "START_ARRAY";
	return "START_OBJECT";
}

/* Exactly one known member of the right JSON kind: its type, or -1. */
static int
check_shape(const cJSON *av, enum ddb_type *t, struct ddb_err *err)
{
	static const char *const want[] = {
		"String", "String", "ByteBuffer", "Boolean", "Boolean",
		"Map", "List", "List", "List", "List",
	};
	const cJSON *m;
	int count = known_members(av, &m, t);

	if (!cJSON_IsObject(av))
		return ddb_fail(err, DDB_SERIALIZATION,
		    "%s cannot be converted to AttributeValue", json_kind(av));
	if (count == 0)
		return ddb_fail(err, DDB_VALIDATION, "Supplied AttributeValue "
		    "is empty, must contain exactly one of the supported "
		    "datatypes");
	if (count > 1)
		return ddb_fail(err, DDB_VALIDATION, "Supplied AttributeValue "
		    "has more than one datatypes set, must contain exactly one "
		    "of the supported datatypes");
	if (!kind_ok(*t, m))
		return ddb_fail(err, DDB_SERIALIZATION,
		    "%s cannot be converted to %s", json_kind(m), want[*t]);
	return 0;
}

static bool
b64_ok(const char *s)
{
	struct buf b;
	int rc;

	buf_init(&b);
	rc = ddb_b64_decode(s, strlen(s), &b);
	buf_free(&b);
	return rc == 0;
}

static int
fail_b64(const char *s, struct ddb_err *err)
{
	return ddb_fail(err, DDB_SERIALIZATION,
	    "Base64 encoded value is not valid: %.64s", s);
}

/* Replace the number text of string node str by its canonical form. */
static int
canon_num(cJSON *str, struct ddb_err *err)
{
	char out[DDB_NUM_TEXT_MAX];

	if (ddb_num_canon(str->valuestring, strlen(str->valuestring), out,
	    err) != 0)
		return -1;
	if (strcmp(out, str->valuestring) != 0 &&
	    cJSON_SetValuestring(str, out) == NULL)
		return ddb_fail(err, DDB_INTERNAL, "out of memory");
	return 0;
}

/* "Input collection [a, b] contains duplicates." over the elements. */
static int
fail_dups(const cJSON *arr, struct ddb_err *err)
{
	const cJSON *e;
	struct buf b;
	int rc;

	buf_init(&b);
	cJSON_ArrayForEach(e, arr) {
		if (b.len > 700) {
			buf_adds(&b, ", ...");
			break;
		}
		if (b.len > 0)
			buf_adds(&b, ", ");
		buf_adds(&b, e->valuestring);
	}
	rc = ddb_fail(err, DDB_VALIDATION, INVALID "Input collection [%s] "
	    "contains duplicates.", b.data ? b.data : "");
	buf_free(&b);
	return rc;
}

/* Elements are strings of the element type, canonical N; no dups. */
static int
check_set(cJSON *arr, enum ddb_type t, struct ddb_err *err)
{
	enum ddb_type et = set_elem_type(t);
	struct skey *k;
	size_t n, i;
	cJSON *e;

	if (cJSON_GetArraySize(arr) == 0)
		return ddb_fail(err, DDB_VALIDATION, INVALID "%s", t == DDB_T_SS ?
		    "An string set  may not be empty" : t == DDB_T_NS ?
		    "An number set  may not be empty" :
		    "Binary sets should not be empty");
	cJSON_ArrayForEach(e, arr) {
		if (!cJSON_IsString(e))
			return ddb_fail(err, DDB_SERIALIZATION,
			    "%s cannot be converted to %s", json_kind(e),
			    et == DDB_T_B ? "ByteBuffer" : "String");
		if (et == DDB_T_B && !b64_ok(e->valuestring))
			return fail_b64(e->valuestring, err);
		if (et == DDB_T_N && canon_num(e, err) != 0)
			return -1;
	}
	if ((k = set_keys(arr, et, &n)) == NULL)	/* a bad number */
		return -1;
	for (i = 1; i < n && skey_cmp(&k[i - 1], &k[i]) != 0; i++)
		;
	skeys_free(k, n);
	return i < n ? fail_dups(arr, err) : 0;
}

static int check_value(cJSON *av, int depth, struct ddb_err *err);

static int
check_name(const char *name, struct ddb_err *err)
{
	size_t n = strlen(name);

	if (n > NAME_MAX_LEN)
		return ddb_fail(err, DDB_VALIDATION, INVALID "Attribute name "
		    "is too large, must be less than 65536 bytes");
	return 0;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * No name twice in an item or an M: cJSON keeps both members, the key
 * would be read from the first and a client would read the item's last
 * (fuzz_ddb), so the stored item would disagree with its own key.
 */
static int
check_unique(const cJSON *obj, struct ddb_err *err)
{
	const cJSON *c;
	const char **names;
	size_t n = 0, i;
	int rc = 0;

	if (obj->child == NULL || obj->child->next == NULL)
		return 0;
	for (c = obj->child; c != NULL; c = c->next)
		n++;
	if ((names = malloc(n * sizeof(*names))) == NULL)
		return ddb_fail(err, DDB_INTERNAL, "out of memory");
	for (n = 0, c = obj->child; c != NULL; c = c->next)
		names[n++] = c->string != NULL ? c->string : "";
	qsort(names, n, sizeof(*names), name_cmp);
	for (i = 1; i < n && rc == 0; i++)
		if (strcmp(names[i - 1], names[i]) == 0)
			rc = ddb_fail(err, DDB_VALIDATION, INVALID "Duplicate "
			    "attribute name: %.300s", names[i]);
	free(names);
	return rc;
}

/* Members of M (names may be empty inside a map) or elements of L. */
static int
check_children(cJSON *inner, int depth, struct ddb_err *err)
{
	cJSON *c;

	if (depth > DDB_DEPTH_MAX)
		return ddb_fail(err, DDB_VALIDATION,
		    "Nesting Levels have exceeded supported limits");
	if (cJSON_IsObject(inner) && check_unique(inner, err) != 0)
		return -1;
	cJSON_ArrayForEach(c, inner) {
		if (c->string != NULL && check_name(c->string, err) != 0)
			return -1;
		if (check_value(c, depth + 1, err) != 0)
			return -1;
	}
	return 0;
}

/* Drop members that name no type (AWS ignores unknown fields). */
static void
drop_unknown(cJSON *av)
{
	cJSON *c = av->child, *next;

	for (; c != NULL; c = next) {
		next = c->next;
		if (ddb_type_parse(c->string) == DDB_T_BAD)
			cJSON_Delete(cJSON_DetachItemViaPointer(av, c));
	}
}

/* depth: 1 for an attribute's value, +1 per enclosing M or L. */
static int
check_value(cJSON *av, int depth, struct ddb_err *err)
{
	enum ddb_type t;
	cJSON *in;

	if (check_shape(av, &t, err) != 0)
		return -1;
	drop_unknown(av);
	in = av->child;
	switch (t) {
	case DDB_T_N:
		return canon_num(in, err);
	case DDB_T_B:
		return b64_ok(in->valuestring) ? 0 :
		    fail_b64(in->valuestring, err);
	case DDB_T_NULL:
		if (!cJSON_IsTrue(in))
			return ddb_fail(err, DDB_VALIDATION, INVALID "Null "
			    "attribute value types must have the value of true");
		return 0;
	case DDB_T_M: case DDB_T_L:
		return check_children(in, depth, err);
	case DDB_T_SS: case DDB_T_NS: case DDB_T_BS:
		return check_set(in, t, err);
	default:
		return 0;
	}
}

int
ddb_val_check(cJSON *av, struct ddb_err *err)
{
	return check_value(av, 1, err);
}

int
ddb_item_check(cJSON *item, struct ddb_err *err)
{
	cJSON *c;

	if (!cJSON_IsObject(item))
		return ddb_fail(err, DDB_SERIALIZATION,
		    "%s cannot be converted to Map", json_kind(item));
	cJSON_ArrayForEach(c, item) {
		if (c->string == NULL || c->string[0] == '\0')
			return ddb_fail(err, DDB_VALIDATION, INVALID
			    "Empty attribute name");
		if (check_name(c->string, err) != 0 ||
		    check_value(c, 1, err) != 0)
			return -1;
	}
	if (check_unique(item, err) != 0)
		return -1;
	if (ddb_item_size(item) > DDB_ITEM_MAX)
		return ddb_fail(err, DDB_VALIDATION,
		    "Item size has exceeded the maximum allowed size");
	return 0;
}

/* ---- size ---------------------------------------------------------------- */

static size_t
num_size(const char *s)
{
	struct ddb_num x;

	if (ddb_num_parse(s, strlen(s), &x, NULL) != 0)
		return strlen(s);
	return ddb_num_size(&x);
}

size_t
ddb_val_size(const cJSON *av)
{
	enum ddb_type t = ddb_val_type(av);
	const cJSON *in = ddb_val_inner(av), *c;
	size_t size = 0;

	switch (t) {
	case DDB_T_S:
		return strlen(in->valuestring);
	case DDB_T_N:
		return num_size(in->valuestring);
	case DDB_T_B:
		return b64_len(in->valuestring);
	case DDB_T_BOOL: case DDB_T_NULL:
		return 1;
	case DDB_T_M: case DDB_T_L:
		size = 3;
		cJSON_ArrayForEach(c, in)
			size += 1 + (c->string ? strlen(c->string) : 0) +
			    ddb_val_size(c);
		return size;
	case DDB_T_SS: case DDB_T_NS: case DDB_T_BS:
		cJSON_ArrayForEach(c, in)
			size += !cJSON_IsString(c) ? 0 : t == DDB_T_SS ?
			    strlen(c->valuestring) : t == DDB_T_NS ?
			    num_size(c->valuestring) : b64_len(c->valuestring);
		return size;
	default:
		return 0;
	}
}

size_t
ddb_item_size(const cJSON *item)
{
	const cJSON *c;
	size_t size = 0;

	cJSON_ArrayForEach(c, item)
		size += strlen(c->string ? c->string : "") + ddb_val_size(c);
	return size;
}

/* ---- equality and order -------------------------------------------------- */

static bool
sets_equal(const cJSON *a, const cJSON *b, enum ddb_type t)
{
	size_t na, nb, i;
	struct skey *ka = set_keys(a, set_elem_type(t), &na);
	struct skey *kb = set_keys(b, set_elem_type(t), &nb);
	bool eq = ka != NULL && kb != NULL && na == nb;

	for (i = 0; eq && i < na; i++)
		eq = skey_cmp(&ka[i], &kb[i]) == 0;
	if (ka != NULL)
		skeys_free(ka, na);
	if (kb != NULL)
		skeys_free(kb, nb);
	return eq;
}

static bool
maps_equal(const cJSON *a, const cJSON *b)
{
	const cJSON *c, *o;

	if (cJSON_GetArraySize(a) != cJSON_GetArraySize(b))
		return false;
	cJSON_ArrayForEach(c, a) {
		o = cJSON_GetObjectItemCaseSensitive(b, c->string);
		if (o == NULL || !ddb_val_equal(c, o))
			return false;
	}
	return true;
}

static bool
lists_equal(const cJSON *a, const cJSON *b)
{
	const cJSON *x = a->child, *y = b->child;

	for (; x != NULL && y != NULL; x = x->next, y = y->next)
		if (!ddb_val_equal(x, y))
			return false;
	return x == NULL && y == NULL;
}

bool
ddb_val_equal(const cJSON *a, const cJSON *b)
{
	enum ddb_type t = ddb_val_type(a);
	const cJSON *ia, *ib;
	int res;

	if (t == DDB_T_BAD || t != ddb_val_type(b))
		return false;
	ia = ddb_val_inner(a);
	ib = ddb_val_inner(b);
	switch (t) {
	case DDB_T_S: case DDB_T_N: case DDB_T_B:
		return ddb_val_cmp(a, b, &res) == 0 && res == 0;
	case DDB_T_BOOL: case DDB_T_NULL:
		return cJSON_IsTrue(ia) == cJSON_IsTrue(ib);
	case DDB_T_M:
		return maps_equal(ia, ib);
	case DDB_T_L:
		return lists_equal(ia, ib);
	default:
		return sets_equal(ia, ib, t);
	}
}

int
ddb_val_cmp(const cJSON *a, const cJSON *b, int *res)
{
	enum ddb_type t = ddb_val_type(a);
	struct skey ka = { 0 }, kb = { 0 };
	struct buf ba, bb;
	int rc = -1;

	if ((t != DDB_T_S && t != DDB_T_N && t != DDB_T_B) ||
	    ddb_val_type(b) != t)
		return -1;
	buf_init(&ba);
	buf_init(&bb);
	if (scalar_key(t, ddb_val_inner(a)->valuestring, &ba) == 0 &&
	    scalar_key(t, ddb_val_inner(b)->valuestring, &bb) == 0) {
		ka.p = ba.data;
		ka.n = ba.len;
		kb.p = bb.data;
		kb.n = bb.len;
		*res = skey_cmp(&ka, &kb);
		rc = 0;
	}
	buf_free(&ba);
	buf_free(&bb);
	return rc;
}

/* ---- keys ---------------------------------------------------------------- */

int
ddb_key_encode(const cJSON *av, enum ddb_type want, struct buf *out,
    struct ddb_err *err)
{
	enum ddb_type t = ddb_val_type(av);
	size_t start = out->len;
	const char *s;

	if (t != want || (t != DDB_T_S && t != DDB_T_N && t != DDB_T_B))
		return ddb_fail(err, DDB_VALIDATION, INVALID "Type mismatch "
		    "for key expected: %s actual: %s", ddb_type_name(want),
		    ddb_type_name(t));
	s = ddb_val_inner(av)->valuestring;
	if (scalar_key(t, s, out) != 0) {
		out->len = start;
		return t == DDB_T_B ? fail_b64(s, err) :
		    ddb_num_canon(s, strlen(s), (char[DDB_NUM_TEXT_MAX]){0},
		    err);
	}
	if (out->len == start)
		return ddb_fail(err, DDB_VALIDATION, "One or more parameter "
		    "values are not valid. The AttributeValue for a key "
		    "attribute cannot contain an empty %s value.",
		    t == DDB_T_S ? "string" : "binary");
	return 0;
}

int
ddb_key_check(const char *name, const cJSON *av, enum ddb_type want,
    bool range, struct ddb_err *err)
{
	enum ddb_type t;
	size_t size;

	if (av == NULL)
		return ddb_fail(err, DDB_VALIDATION, INVALID "Missing the key "
		    "%s in the item", name);
	if (check_shape(av, &t, err) != 0)
		return -1;
	if (t != want)
		return ddb_fail(err, DDB_VALIDATION, INVALID "Type mismatch "
		    "for key %s expected: %s actual: %s", name,
		    ddb_type_name(want), ddb_type_name(t));
	if (t == DDB_T_B && !b64_ok(ddb_val_inner(av)->valuestring))
		return fail_b64(ddb_val_inner(av)->valuestring, err);
	if (t == DDB_T_N && ddb_num_canon(ddb_val_inner(av)->valuestring,
	    strlen(ddb_val_inner(av)->valuestring),
	    (char[DDB_NUM_TEXT_MAX]){0}, err) != 0)
		return -1;
	size = ddb_val_size(av);
	if (size == 0 && t != DDB_T_N)
		return ddb_fail(err, DDB_VALIDATION, "One or more parameter "
		    "values are not valid. The AttributeValue for a key "
		    "attribute cannot contain an empty %s value. Key: %s",
		    t == DDB_T_S ? "string" : "binary", name);
	if (!range && size > DDB_HASH_KEY_MAX)
		return ddb_fail(err, DDB_VALIDATION, INVALID "Size of hashkey "
		    "has exceeded the maximum size limit of2048 bytes");
	if (range && size > DDB_RANGE_KEY_MAX)
		return ddb_fail(err, DDB_VALIDATION, INVALID "Aggregated size "
		    "of all range keys has exceeded the size limit of 1024 "
		    "bytes");
	return 0;
}
