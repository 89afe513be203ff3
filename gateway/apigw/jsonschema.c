/*
 * jsonschema: a JSON Schema subset on cJSON values.  See jsonschema.h.
 *
 * Paths in messages are built on the stack as the walk goes down ("$",
 * "$.a", "$.a[3]"), cut at a fixed size: they are for people.
 */
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "jsonschema.h"

#define PATH_MAX_LEN	256

/* ---- checking a schema ----------------------------------------------- */

static int
bad(char *why, size_t whylen, const char *path, const char *key,
    const char *what)
{
	snprintf(why, whylen, "%s%s%s: %s", path, *path ? "." : "", key, what);
	return -1;
}

/* A whole number (of the range a double holds exactly); no libm. */
static bool
is_whole(double d)
{
	return d >= -9e15 && d <= 9e15 && (double)(long long)d == d;
}

static bool
is_count(const cJSON *v)
{
	return cJSON_IsNumber(v) && v->valuedouble >= 0 &&
	    is_whole(v->valuedouble);
}

static const char *const type_names[] = {
	"object", "array", "string", "number", "integer", "boolean", "null",
};

static bool
type_name_ok(const cJSON *v)
{
	size_t i;

	if (!cJSON_IsString(v))
		return false;
	for (i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++)
		if (strcmp(v->valuestring, type_names[i]) == 0)
			return true;
	return false;
}

/*
 * A pattern as regcomp takes it: JSON Schema's patterns are ECMA-262,
 * whose \d \w \s (and capitals) POSIX lacks; outside brackets they become
 * classes, inside brackets their class names.  Other escapes stay.
 */
static int
pattern_compile(const char *pat, regex_t *re)
{
	struct buf b;
	int inbr = 0, rc;
	const char *s;

	buf_init(&b);
	for (s = pat; *s != '\0'; s++) {
		const char *cls = NULL;
		bool neg = false;

		if (*s == '\\' && s[1] != '\0') {
			switch (s[1]) {
			case 'D': neg = true; /* FALLTHROUGH */
			case 'd': cls = "[:digit:]"; break;
			case 'W': neg = true; /* FALLTHROUGH */
			case 'w': cls = "[:alnum:]_"; break;
			case 'S': neg = true; /* FALLTHROUGH */
			case 's': cls = "[:space:]"; break;
			}
			if (cls != NULL && !(inbr && neg)) {
				if (inbr)
					buf_add(&b, cls, strlen(cls));
				else {
					buf_adds(&b, neg ? "[^" : "[");
					buf_add(&b, cls, strlen(cls));
					buf_add(&b, "]", 1);
				}
				s++;
				continue;
			}
			buf_add(&b, s, 2);
			s++;
			continue;
		}
		if (*s == '[' && !inbr)
			inbr = 1;
		else if (*s == ']' && inbr && s[-1] != '[' &&
		    !(s[-1] == '^' && s - 2 >= pat && s[-2] == '['))
			inbr = 0;
		buf_add(&b, s, 1);
	}
	buf_add(&b, "", 1);
	rc = b.data != NULL ? regcomp(re, b.data, REG_EXTENDED | REG_NOSUB) :
	    REG_ESPACE;
	buf_free(&b);
	return rc;
}

static int	check(const cJSON *s, const char *path, int depth, char *why,
		    size_t whylen);

static int
check_sub(const cJSON *s, const char *path, const char *key, int depth,
    char *why, size_t whylen)
{
	char sub[PATH_MAX_LEN];

	/* A path cut short is still a fine message. */
	if (snprintf(sub, sizeof(sub), "%s%s%s", path, *path ? "." : "",
	    key) < 0)
		sub[0] = '\0';
	return check(s, sub, depth + 1, why, whylen);
}

static int
check_list(const cJSON *v, const char *path, const char *key, int depth,
    char *why, size_t whylen)
{
	const cJSON *e;
	char sub[PATH_MAX_LEN];
	int i = 0;

	if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) == 0)
		return bad(why, whylen, path, key, "must be a non-empty array "
		    "of schemas");
	cJSON_ArrayForEach(e, v) {
		snprintf(sub, sizeof(sub), "%s[%d]", key, i++);
		if (check_sub(e, path, sub, depth, why, whylen) < 0)
			return -1;
	}
	return 0;
}

static int
check_type(const cJSON *v, const char *path, char *why, size_t whylen)
{
	const cJSON *e;

	if (type_name_ok(v))
		return 0;
	if (cJSON_IsArray(v) && cJSON_GetArraySize(v) > 0) {
		cJSON_ArrayForEach(e, v)
			if (!type_name_ok(e))
				goto fail;
		return 0;
	}
fail:
	return bad(why, whylen, path, "type", "must be one of object, array, "
	    "string, number, integer, boolean, null, or a list of them");
}

static int
check_props(const cJSON *v, const char *path, int depth, char *why,
    size_t whylen)
{
	const cJSON *e;
	char sub[PATH_MAX_LEN];

	if (!cJSON_IsObject(v))
		return bad(why, whylen, path, "properties", "must be an "
		    "object");
	cJSON_ArrayForEach(e, v) {
		snprintf(sub, sizeof(sub), "properties.%s", e->string);
		if (check_sub(e, path, sub, depth, why, whylen) < 0)
			return -1;
	}
	return 0;
}

static int
check_required(const cJSON *v, const char *path, char *why, size_t whylen)
{
	const cJSON *e;

	if (!cJSON_IsArray(v))
		goto fail;
	cJSON_ArrayForEach(e, v)
		if (!cJSON_IsString(e))
			goto fail;
	return 0;
fail:
	return bad(why, whylen, path, "required", "must be an array of "
	    "property names");
}

static int
check_pattern(const cJSON *v, const char *path, char *why, size_t whylen)
{
	regex_t re;

	if (!cJSON_IsString(v))
		return bad(why, whylen, path, "pattern", "must be a string");
	if (pattern_compile(v->valuestring, &re) != 0)
		return bad(why, whylen, path, "pattern", "not a regular "
		    "expression this validator understands (POSIX extended)");
	regfree(&re);
	return 0;
}

static const char *const count_keys[] = {
	"minLength", "maxLength", "minItems", "maxItems", "minProperties",
	"maxProperties",
};
static const char *const number_keys[] = {
	"minimum", "maximum",
};
static const char *const list_keys[] = {
	"allOf", "anyOf", "oneOf",
};

static int
check_scalars(const cJSON *s, const char *path, char *why, size_t whylen)
{
	const cJSON *v;
	size_t i;

	for (i = 0; i < sizeof(count_keys) / sizeof(count_keys[0]); i++)
		if ((v = cJSON_GetObjectItemCaseSensitive(s, count_keys[i])) !=
		    NULL && !is_count(v))
			return bad(why, whylen, path, count_keys[i],
			    "must be a non-negative integer");
	for (i = 0; i < sizeof(number_keys) / sizeof(number_keys[0]); i++)
		if ((v = cJSON_GetObjectItemCaseSensitive(s, number_keys[i])) !=
		    NULL && !cJSON_IsNumber(v))
			return bad(why, whylen, path, number_keys[i], "must be "
			    "a number");
	if ((v = cJSON_GetObjectItemCaseSensitive(s, "exclusiveMinimum")) !=
	    NULL && !cJSON_IsNumber(v) && !cJSON_IsBool(v))
		return bad(why, whylen, path, "exclusiveMinimum", "must be a "
		    "number or a boolean");
	if ((v = cJSON_GetObjectItemCaseSensitive(s, "exclusiveMaximum")) !=
	    NULL && !cJSON_IsNumber(v) && !cJSON_IsBool(v))
		return bad(why, whylen, path, "exclusiveMaximum", "must be a "
		    "number or a boolean");
	if ((v = cJSON_GetObjectItemCaseSensitive(s, "multipleOf")) != NULL &&
	    (!cJSON_IsNumber(v) || !(v->valuedouble > 0)))
		return bad(why, whylen, path, "multipleOf", "must be a number "
		    "above 0");
	if ((v = cJSON_GetObjectItemCaseSensitive(s, "uniqueItems")) != NULL &&
	    !cJSON_IsBool(v))
		return bad(why, whylen, path, "uniqueItems", "must be a "
		    "boolean");
	if ((v = cJSON_GetObjectItemCaseSensitive(s, "enum")) != NULL &&
	    !cJSON_IsArray(v))
		return bad(why, whylen, path, "enum", "must be an array");
	return 0;
}

static int
check(const cJSON *s, const char *path, int depth, char *why, size_t whylen)
{
	const cJSON *v;
	size_t i;

	if (depth > JSONSCHEMA_DEPTH_MAX) {
		snprintf(why, whylen, "schemas nested deeper than %d",
		    JSONSCHEMA_DEPTH_MAX);
		return -1;
	}
	if (cJSON_IsBool(s))
		return 0;
	if (!cJSON_IsObject(s)) {
		snprintf(why, whylen, "%s: a schema must be an object or a "
		    "boolean", *path ? path : "schema");
		return -1;
	}
	if ((v = cJSON_GetObjectItemCaseSensitive(s, "type")) != NULL &&
	    check_type(v, path, why, whylen) < 0)
		return -1;
	if ((v = cJSON_GetObjectItemCaseSensitive(s, "properties")) != NULL &&
	    check_props(v, path, depth, why, whylen) < 0)
		return -1;
	if ((v = cJSON_GetObjectItemCaseSensitive(s, "required")) != NULL &&
	    check_required(v, path, why, whylen) < 0)
		return -1;
	if ((v = cJSON_GetObjectItemCaseSensitive(s,
	    "additionalProperties")) != NULL &&
	    check_sub(v, path, "additionalProperties", depth, why, whylen) < 0)
		return -1;
	if ((v = cJSON_GetObjectItemCaseSensitive(s, "items")) != NULL &&
	    (cJSON_IsArray(v) ? check_list(v, path, "items", depth, why,
	    whylen) : check_sub(v, path, "items", depth, why, whylen)) < 0)
		return -1;
	if ((v = cJSON_GetObjectItemCaseSensitive(s, "not")) != NULL &&
	    check_sub(v, path, "not", depth, why, whylen) < 0)
		return -1;
	for (i = 0; i < sizeof(list_keys) / sizeof(list_keys[0]); i++)
		if ((v = cJSON_GetObjectItemCaseSensitive(s, list_keys[i])) !=
		    NULL && check_list(v, path, list_keys[i], depth, why,
		    whylen) < 0)
			return -1;
	if ((v = cJSON_GetObjectItemCaseSensitive(s, "pattern")) != NULL &&
	    check_pattern(v, path, why, whylen) < 0)
		return -1;
	return check_scalars(s, path, why, whylen);
}

int
jsonschema_check(const cJSON *schema, char *why, size_t whylen)
{
	if (schema == NULL) {
		snprintf(why, whylen, "no schema");
		return -1;
	}
	return check(schema, "", 0, why, whylen);
}

/* ---- validating ------------------------------------------------------ */

#define RE_CACHE	16	/* patterns compiled once a validation */

struct vctx {
	char		*why;
	size_t		 whylen;
	bool		 quiet;		/* inside anyOf/oneOf/not: no message */
	/* Each pattern node's regex, compiled on first use: a body of many
	 * strings must not cost a regcomp each. */
	size_t		 nre;
	const cJSON	*re_node[RE_CACHE];
	regex_t		 re[RE_CACHE];
};

/* The regex of pattern node v, or NULL (it does not compile). */
static const regex_t *
pattern_of(struct vctx *x, const cJSON *v, regex_t *tmp)
{
	size_t i;

	for (i = 0; i < x->nre; i++)
		if (x->re_node[i] == v)
			return &x->re[i];
	if (x->nre < RE_CACHE) {
		if (pattern_compile(v->valuestring, &x->re[x->nre]) != 0)
			return NULL;
		x->re_node[x->nre] = v;
		return &x->re[x->nre++];
	}
	return pattern_compile(v->valuestring, tmp) == 0 ? tmp : NULL;
}

static bool __attribute__((format(printf, 3, 4)))
fail(struct vctx *x, const char *path, const char *fmt, ...)
{
	char msg[192];
	va_list ap;

	if (x->quiet || x->why == NULL)
		return false;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(x->why, x->whylen, "%s: %s", path, msg);
	return false;
}

static bool
is_type(const cJSON *inst, const char *t)
{
	if (strcmp(t, "object") == 0)
		return cJSON_IsObject(inst);
	if (strcmp(t, "array") == 0)
		return cJSON_IsArray(inst);
	if (strcmp(t, "string") == 0)
		return cJSON_IsString(inst);
	if (strcmp(t, "number") == 0)
		return cJSON_IsNumber(inst);
	if (strcmp(t, "integer") == 0)
		return cJSON_IsNumber(inst) && is_whole(inst->valuedouble);
	if (strcmp(t, "boolean") == 0)
		return cJSON_IsBool(inst);
	return cJSON_IsNull(inst);
}

static bool
type_ok(const cJSON *t, const cJSON *inst)
{
	const cJSON *e;

	if (cJSON_IsString(t))
		return is_type(inst, t->valuestring);
	cJSON_ArrayForEach(e, t)
		if (is_type(inst, e->valuestring))
			return true;
	return false;
}

/* Characters of UTF-8 text: bytes that do not continue a sequence. */
static size_t
utf8_len(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

static bool	valid(const cJSON *s, const cJSON *inst, const char *path,
		    struct vctx *x);

static bool
valid_string(const cJSON *s, const cJSON *inst, const char *path,
    struct vctx *x)
{
	const cJSON *v;
	size_t n = utf8_len(inst->valuestring);
	const regex_t *re;
	regex_t tmp;
	int rc;

	if ((v = cJSON_GetObjectItemCaseSensitive(s, "minLength")) != NULL &&
	    (double)n < v->valuedouble)
		return fail(x, path, "shorter than minLength");
	if ((v = cJSON_GetObjectItemCaseSensitive(s, "maxLength")) != NULL &&
	    (double)n > v->valuedouble)
		return fail(x, path, "longer than maxLength");
	if ((v = cJSON_GetObjectItemCaseSensitive(s, "pattern")) != NULL) {
		if ((re = pattern_of(x, v, &tmp)) == NULL)
			return fail(x, path, "bad pattern");
		rc = regexec(re, inst->valuestring, 0, NULL, 0);
		if (re == &tmp)
			regfree(&tmp);
		if (rc != 0)
			return fail(x, path, "does not match pattern %s",
			    v->valuestring);
	}
	return true;
}

static bool
valid_number(const cJSON *s, const cJSON *inst, const char *path,
    struct vctx *x)
{
	const cJSON *v, *ex;
	double d = inst->valuedouble, q, aq, r;

	if ((v = cJSON_GetObjectItemCaseSensitive(s, "minimum")) != NULL) {
		ex = cJSON_GetObjectItemCaseSensitive(s, "exclusiveMinimum");
		if (cJSON_IsTrue(ex) ? d <= v->valuedouble :
		    d < v->valuedouble)
			return fail(x, path, "below minimum");
	}
	if ((v = cJSON_GetObjectItemCaseSensitive(s, "maximum")) != NULL) {
		ex = cJSON_GetObjectItemCaseSensitive(s, "exclusiveMaximum");
		if (cJSON_IsTrue(ex) ? d >= v->valuedouble :
		    d > v->valuedouble)
			return fail(x, path, "above maximum");
	}
	if ((v = cJSON_GetObjectItemCaseSensitive(s, "exclusiveMinimum")) !=
	    NULL && cJSON_IsNumber(v) && d <= v->valuedouble)
		return fail(x, path, "not above exclusiveMinimum");
	if ((v = cJSON_GetObjectItemCaseSensitive(s, "exclusiveMaximum")) !=
	    NULL && cJSON_IsNumber(v) && d >= v->valuedouble)
		return fail(x, path, "not below exclusiveMaximum");
	if ((v = cJSON_GetObjectItemCaseSensitive(s, "multipleOf")) != NULL) {
		/* Within rounding of a whole quotient: 0.3 is 3 x 0.1. */
		q = d / v->valuedouble;
		aq = q < 0 ? -q : q;
		r = aq - (double)(long long)(aq + 0.5);
		if (!(aq <= 9e15) || (r < 0 ? -r : r) > 1e-9 * (aq + 1))
			return fail(x, path, "not a multiple of multipleOf");
	}
	return true;
}

static bool
valid_object(const cJSON *s, const cJSON *inst, const char *path,
    struct vctx *x)
{
	const cJSON *props = cJSON_GetObjectItemCaseSensitive(s, "properties");
	const cJSON *addl = cJSON_GetObjectItemCaseSensitive(s,
	    "additionalProperties");
	const cJSON *v, *e, *ps;
	char sub[PATH_MAX_LEN];
	double n = cJSON_GetArraySize(inst);

	if ((v = cJSON_GetObjectItemCaseSensitive(s, "required")) != NULL)
		cJSON_ArrayForEach(e, v)
			if (cJSON_GetObjectItemCaseSensitive(inst,
			    e->valuestring) == NULL)
				return fail(x, path, "missing required "
				    "property %s", e->valuestring);
	if ((v = cJSON_GetObjectItemCaseSensitive(s, "minProperties")) !=
	    NULL && n < v->valuedouble)
		return fail(x, path, "fewer properties than minProperties");
	if ((v = cJSON_GetObjectItemCaseSensitive(s, "maxProperties")) !=
	    NULL && n > v->valuedouble)
		return fail(x, path, "more properties than maxProperties");
	cJSON_ArrayForEach(e, inst) {
		snprintf(sub, sizeof(sub), "%s.%s", path, e->string);
		ps = props != NULL ? cJSON_GetObjectItemCaseSensitive(props,
		    e->string) : NULL;
		if (ps == NULL && cJSON_IsFalse(addl))
			return fail(x, sub, "property not allowed");
		if (ps == NULL && cJSON_IsObject(addl))
			ps = addl;
		if (ps != NULL && !valid(ps, e, sub, x))
			return false;
	}
	return true;
}

static bool
valid_array(const cJSON *s, const cJSON *inst, const char *path,
    struct vctx *x)
{
	const cJSON *items = cJSON_GetObjectItemCaseSensitive(s, "items");
	const cJSON *v, *e, *f, *is;
	char sub[PATH_MAX_LEN];
	double n = cJSON_GetArraySize(inst);
	int i = 0;

	if ((v = cJSON_GetObjectItemCaseSensitive(s, "minItems")) != NULL &&
	    n < v->valuedouble)
		return fail(x, path, "fewer items than minItems");
	if ((v = cJSON_GetObjectItemCaseSensitive(s, "maxItems")) != NULL &&
	    n > v->valuedouble)
		return fail(x, path, "more items than maxItems");
	/* Pairwise, so bounded: a request must not cost the loop n^2. */
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(s, "uniqueItems")) &&
	    n > JSONSCHEMA_UNIQUE_MAX)
		return fail(x, path, "more than %d items to check for "
		    "uniqueItems", JSONSCHEMA_UNIQUE_MAX);
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(s, "uniqueItems")))
		cJSON_ArrayForEach(e, inst)
			for (f = e->next; f != NULL; f = f->next)
				if (cJSON_Compare(e, f, true))
					return fail(x, path, "items are not "
					    "unique");
	if (items == NULL)
		return true;
	is = cJSON_IsArray(items) ? items->child : items;
	cJSON_ArrayForEach(e, inst) {
		if (is == NULL)		/* past a list's last schema */
			break;
		snprintf(sub, sizeof(sub), "%s[%d]", path, i++);
		if (!valid(is, e, sub, x))
			return false;
		if (cJSON_IsArray(items))
			is = is->next;
	}
	return true;
}

static bool
valid_enum(const cJSON *s, const cJSON *inst, const char *path,
    struct vctx *x)
{
	const cJSON *v, *e;

	if ((v = cJSON_GetObjectItemCaseSensitive(s, "const")) != NULL &&
	    !cJSON_Compare(v, inst, true))
		return fail(x, path, "not the const value");
	if ((v = cJSON_GetObjectItemCaseSensitive(s, "enum")) == NULL)
		return true;
	cJSON_ArrayForEach(e, v)
		if (cJSON_Compare(e, inst, true))
			return true;
	return fail(x, path, "not one of the enum values");
}

/* allOf, anyOf, oneOf, not. */
static bool
valid_combined(const cJSON *s, const cJSON *inst, const char *path,
    struct vctx *x)
{
	const cJSON *v, *e;
	bool quiet = x->quiet;
	int n;

	if ((v = cJSON_GetObjectItemCaseSensitive(s, "allOf")) != NULL)
		cJSON_ArrayForEach(e, v)
			if (!valid(e, inst, path, x))
				return false;
	x->quiet = true;
	if ((v = cJSON_GetObjectItemCaseSensitive(s, "anyOf")) != NULL) {
		n = 0;
		cJSON_ArrayForEach(e, v)
			if (valid(e, inst, path, x)) {
				n = 1;
				break;
			}
		if (n == 0)
			goto no_any;
	}
	if ((v = cJSON_GetObjectItemCaseSensitive(s, "oneOf")) != NULL) {
		n = 0;
		cJSON_ArrayForEach(e, v)
			n += valid(e, inst, path, x);
		if (n != 1)
			goto no_one;
	}
	if ((v = cJSON_GetObjectItemCaseSensitive(s, "not")) != NULL &&
	    valid(v, inst, path, x))
		goto no_not;
	x->quiet = quiet;
	return true;
no_any:
	x->quiet = quiet;
	return fail(x, path, "matches none of anyOf");
no_one:
	x->quiet = quiet;
	return fail(x, path, "does not match exactly one of oneOf");
no_not:
	x->quiet = quiet;
	return fail(x, path, "matches the schema of not");
}

static bool
valid(const cJSON *s, const cJSON *inst, const char *path, struct vctx *x)
{
	const cJSON *t;

	if (cJSON_IsBool(s))
		return cJSON_IsTrue(s) ? true :
		    fail(x, path, "no value is allowed here");
	if ((t = cJSON_GetObjectItemCaseSensitive(s, "type")) != NULL &&
	    !type_ok(t, inst))
		return fail(x, path, "expected %s", cJSON_IsString(t) ?
		    t->valuestring : "another type");
	if (!valid_enum(s, inst, path, x))
		return false;
	if (cJSON_IsString(inst) && !valid_string(s, inst, path, x))
		return false;
	if (cJSON_IsNumber(inst) && !valid_number(s, inst, path, x))
		return false;
	if (cJSON_IsObject(inst) && !valid_object(s, inst, path, x))
		return false;
	if (cJSON_IsArray(inst) && !valid_array(s, inst, path, x))
		return false;
	return valid_combined(s, inst, path, x);
}

bool
jsonschema_valid(const cJSON *schema, const cJSON *inst, char *why,
    size_t whylen)
{
	struct vctx x = { .why = why, .whylen = whylen };
	size_t i;
	bool ok;

	if (why != NULL && whylen > 0)
		why[0] = '\0';
	ok = valid(schema, inst, "$", &x);
	for (i = 0; i < x.nre; i++)
		regfree(&x.re[i]);
	return ok;
}
