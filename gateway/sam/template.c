/*
 * sam/template: parameters, conditions, Globals and the intrinsic
 * functions of a CloudFormation/SAM template (template.h).  Resolution
 * copies: the template itself is never changed after sam_tpl_prepare, so
 * a value can be resolved again once more resources are known.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sam/template.h"

struct sam_tpl {
	cJSON	*doc;		/* the whole template (owned) */
	cJSON	*params;	/* name -> resolved value */
	cJSON	*overrides;	/* --param name -> string */
	cJSON	*conds;		/* name -> true/false, or null while busy */
	cJSON	*attrs;		/* resource id -> {attr: value} */
	char	 stack[128];
	char	 err[1024];
};

/* What Ref AWS::NoValue resolves to: its parent drops the member. */
static cJSON novalue;

static cJSON *resolve(struct sam_tpl *t, const cJSON *v, int depth);

static int __attribute__((format(printf, 2, 3)))
tpl_fail(struct sam_tpl *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t->err, sizeof(t->err), fmt, ap);
	va_end(ap);
	return -1;
}

const char *
sam_tpl_error(const struct sam_tpl *t)
{
	return t->err;
}

const char *
sam_scalar_text(const cJSON *v, char *buf, size_t n)
{
	if (cJSON_IsString(v))
		return v->valuestring;
	if (cJSON_IsNumber(v)) {
		double d = v->valuedouble;

		if (d == floor(d) && fabs(d) < 1e15)
			snprintf(buf, n, "%lld", (long long)d);
		else
			snprintf(buf, n, "%.17g", d);
		return buf;
	}
	if (cJSON_IsBool(v))
		return cJSON_IsTrue(v) ? "true" : "false";
	return NULL;
}

struct sam_tpl *
sam_tpl_new(cJSON *doc, const char *stack_name, char *err, size_t errlen)
{
	struct sam_tpl *t;

	if (!cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(doc, "Resources"))) {
		snprintf(err, errlen, "the template has no Resources");
		cJSON_Delete(doc);
		return NULL;
	}
	if ((t = calloc(1, sizeof(*t))) == NULL) {
		snprintf(err, errlen, "out of memory");
		cJSON_Delete(doc);
		return NULL;
	}
	t->doc = doc;
	t->params = cJSON_CreateObject();
	t->overrides = cJSON_CreateObject();
	t->conds = cJSON_CreateObject();
	t->attrs = cJSON_CreateObject();
	snprintf(t->stack, sizeof(t->stack), "%s", stack_name);
	return t;
}

void
sam_tpl_free(struct sam_tpl *t)
{
	if (t == NULL)
		return;
	cJSON_Delete(t->doc);
	cJSON_Delete(t->params);
	cJSON_Delete(t->overrides);
	cJSON_Delete(t->conds);
	cJSON_Delete(t->attrs);
	free(t);
}

const cJSON *
sam_tpl_resources(const struct sam_tpl *t)
{
	return cJSON_GetObjectItemCaseSensitive(t->doc, "Resources");
}

const cJSON *
sam_tpl_doc(const struct sam_tpl *t)
{
	return t->doc;
}

const cJSON *
sam_tpl_globals(const struct sam_tpl *t)
{
	return cJSON_GetObjectItemCaseSensitive(t->doc, "Globals");
}

void
sam_tpl_set_attr(struct sam_tpl *t, const char *id, const char *attr,
    const char *value)
{
	cJSON *o = cJSON_GetObjectItemCaseSensitive(t->attrs, id);

	if (o == NULL)
		o = cJSON_AddObjectToObject(t->attrs, id);
	cJSON_DeleteItemFromObjectCaseSensitive(o, attr);
	cJSON_AddStringToObject(o, attr, value);
}

int
sam_tpl_param(struct sam_tpl *t, const char *kv)
{
	const char *eq = strchr(kv, '=');
	char key[256];

	if (eq == NULL || eq == kv || (size_t)(eq - kv) >= sizeof(key))
		return tpl_fail(t, "--param %s: expected KEY=VALUE", kv);
	memcpy(key, kv, (size_t)(eq - kv));
	key[eq - kv] = '\0';
	cJSON_DeleteItemFromObjectCaseSensitive(t->overrides, key);
	cJSON_AddStringToObject(t->overrides, key, eq + 1);
	return 0;
}

/* ---- parameters --------------------------------------------------------- */

static int
param_check_number(struct sam_tpl *t, const char *name, const char *s)
{
	char *end;

	if (*s == '\0' || (strtod(s, &end), *end != '\0'))
		return tpl_fail(t, "parameter %s: \"%s\" is not a Number", name, s);
	return 0;
}

/* A CommaDelimitedList (or List<Number>) parameter's value. */
static cJSON *
param_list(const char *s)
{
	cJSON *a = cJSON_CreateArray();
	const char *p = s, *c;

	do {
		char *item;

		c = strchr(p, ',');
		item = strndup(p, c != NULL ? (size_t)(c - p) : strlen(p));
		cJSON_AddItemToArray(a, cJSON_CreateString(item));
		free(item);
		p = c + 1;
	} while (c != NULL);
	return a;
}

static int
param_allowed(struct sam_tpl *t, const char *name, const cJSON *def,
    const char *s)
{
	const cJSON *allowed = cJSON_GetObjectItemCaseSensitive(def,
	    "AllowedValues"), *a;
	char buf[64];

	if (!cJSON_IsArray(allowed))
		return 0;
	cJSON_ArrayForEach(a, allowed) {
		const char *as = sam_scalar_text(a, buf, sizeof(buf));

		if (as != NULL && strcmp(as, s) == 0)
			return 0;
	}
	return tpl_fail(t, "parameter %s: \"%s\" is not one of its "
	    "AllowedValues", name, s);
}

static int
param_one(struct sam_tpl *t, const char *name, const cJSON *def)
{
	const cJSON *ov = cJSON_GetObjectItemCaseSensitive(t->overrides, name);
	const cJSON *dflt = cJSON_GetObjectItemCaseSensitive(def, "Default");
	const cJSON *type = cJSON_GetObjectItemCaseSensitive(def, "Type");
	const char *ty = cJSON_IsString(type) ? type->valuestring : "String";
	const char *s;
	char buf[64];

	s = ov != NULL ? ov->valuestring : sam_scalar_text(dflt, buf, sizeof(buf));
	if (s == NULL && cJSON_IsArray(dflt) && strstr(ty, "List") != NULL) {
		cJSON_AddItemToObject(t->params, name, cJSON_Duplicate(dflt, 1));
		return 0;
	}
	if (s == NULL)
		return tpl_fail(t, "parameter %s has no Default: give it with "
		    "--param %s=VALUE", name, name);
	if (param_allowed(t, name, def, s) != 0)
		return -1;
	if (strcmp(ty, "Number") == 0) {
		if (param_check_number(t, name, s) != 0)
			return -1;
	} else if (strcmp(ty, "CommaDelimitedList") == 0 ||
	    strcmp(ty, "List<Number>") == 0) {
		cJSON_AddItemToObject(t->params, name, param_list(s));
		return 0;
	} else if (strcmp(ty, "String") != 0)
		return tpl_fail(t, "parameter %s: Type %s is not supported "
		    "(String, Number, CommaDelimitedList)", name, ty);
	cJSON_AddStringToObject(t->params, name, s);
	return 0;
}

static int
params_prepare(struct sam_tpl *t)
{
	const cJSON *ps = cJSON_GetObjectItemCaseSensitive(t->doc, "Parameters");
	const cJSON *p;

	cJSON_ArrayForEach(p, ps)
		if (param_one(t, p->string, p) != 0)
			return -1;
	cJSON_ArrayForEach(p, t->overrides)
		if (cJSON_GetObjectItemCaseSensitive(ps, p->string) == NULL)
			return tpl_fail(t, "--param %s: the template has no "
			    "parameter %s", p->string, p->string);
	return 0;
}

/* ---- Globals ------------------------------------------------------------ */

/* {"Ref": ..} or {"Fn::..": ..}: SAM merges these as scalars. */
static bool
is_intrinsic(const cJSON *v)
{
	return cJSON_IsObject(v) && v->child != NULL && v->child->next == NULL &&
	    (strcmp(v->child->string, "Ref") == 0 ||
	    strcmp(v->child->string, "Condition") == 0 ||
	    strncmp(v->child->string, "Fn::", 4) == 0);
}

/* Global g into the function's own dst: maps merge, lists append (the
 * globals first), the function's scalars win. */
static void
globals_merge(cJSON *dst, const cJSON *g)
{
	const cJSON *gi;

	cJSON_ArrayForEach(gi, g) {
		cJSON *di = cJSON_GetObjectItemCaseSensitive(dst, gi->string);

		if (di == NULL)
			cJSON_AddItemToObject(dst, gi->string,
			    cJSON_Duplicate(gi, 1));
		else if (cJSON_IsObject(di) && cJSON_IsObject(gi) &&
		    !is_intrinsic(di) && !is_intrinsic(gi))
			globals_merge(di, gi);
		else if (cJSON_IsArray(di) && cJSON_IsArray(gi)) {
			cJSON *a = cJSON_Duplicate(gi, 1), *x;

			cJSON_ArrayForEach(x, di)
				cJSON_AddItemToArray(a, cJSON_Duplicate(x, 1));
			cJSON_ReplaceItemInObjectCaseSensitive(dst, gi->string, a);
		}
	}
}

static void
globals_prepare(struct sam_tpl *t)
{
	const cJSON *g = cJSON_GetObjectItemCaseSensitive(sam_tpl_globals(t),
	    "Function");
	cJSON *r;

	if (!cJSON_IsObject(g))
		return;
	cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(t->doc,
	    "Resources")) {
		const cJSON *ty = cJSON_GetObjectItemCaseSensitive(r, "Type");
		cJSON *props;

		if (!cJSON_IsString(ty) ||
		    strcmp(ty->valuestring, "AWS::Serverless::Function") != 0)
			continue;
		if ((props = cJSON_GetObjectItemCaseSensitive(r, "Properties")) == NULL)
			props = cJSON_AddObjectToObject(r, "Properties");
		if (cJSON_IsObject(props))
			globals_merge(props, g);
	}
}

/* ---- conditions ---------------------------------------------------------- */

static int
cond_eval(struct sam_tpl *t, const char *name, bool *out)
{
	const cJSON *all = cJSON_GetObjectItemCaseSensitive(t->doc, "Conditions");
	const cJSON *def = cJSON_GetObjectItemCaseSensitive(all, name);
	cJSON *memo = cJSON_GetObjectItemCaseSensitive(t->conds, name), *v;

	if (memo != NULL) {
		if (cJSON_IsNull(memo))
			return tpl_fail(t, "condition %s refers to itself", name);
		*out = cJSON_IsTrue(memo);
		return 0;
	}
	if (def == NULL)
		return tpl_fail(t, "no condition %s in Conditions", name);
	cJSON_AddNullToObject(t->conds, name);
	if ((v = resolve(t, def, 0)) == NULL)
		return -1;
	if (!cJSON_IsBool(v)) {
		cJSON_Delete(v);
		return tpl_fail(t, "condition %s is not true or false", name);
	}
	*out = cJSON_IsTrue(v);
	cJSON_Delete(v);
	cJSON_ReplaceItemInObjectCaseSensitive(t->conds, name,
	    cJSON_CreateBool(*out));
	return 0;
}

int
sam_tpl_resource_on(struct sam_tpl *t, const cJSON *res)
{
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(res, "Condition");
	bool on;

	if (c == NULL)
		return 1;
	if (!cJSON_IsString(c))
		return tpl_fail(t, "Condition must name a condition");
	if (cond_eval(t, c->valuestring, &on) != 0)
		return -1;
	return on ? 1 : 0;
}

int
sam_tpl_prepare(struct sam_tpl *t)
{
	const cJSON *c;

	if (params_prepare(t) != 0)
		return -1;
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(t->doc,
	    "Conditions")) {
		bool on;

		if (cond_eval(t, c->string, &on) != 0)
			return -1;
	}
	globals_prepare(t);
	return 0;
}


/* ---- intrinsic functions ------------------------------------------------- */

#define MAX_DEPTH 64

static cJSON * __attribute__((format(printf, 2, 3)))
fn_fail(struct sam_tpl *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t->err, sizeof(t->err), fmt, ap);
	va_end(ap);
	return NULL;
}

/* args resolved, and an array of exactly n (n > 0) or at least -n. */
static cJSON *
fn_args(struct sam_tpl *t, const char *fn, const cJSON *v, int n, int depth)
{
	cJSON *a = resolve(t, v, depth + 1);
	int k;

	if (a == NULL)
		return NULL;
	k = cJSON_IsArray(a) ? cJSON_GetArraySize(a) : -1;
	if (k < 0 || (n > 0 && k != n) || (n < 0 && k < -n)) {
		cJSON_Delete(a);
		return fn_fail(t, "%s: wrong arguments", fn);
	}
	return a;
}

static cJSON *
pseudo(struct sam_tpl *t, const char *name)
{
	char buf[512];

	if (strcmp(name, "AWS::Region") == 0)
		return cJSON_CreateString(SAM_REGION);
	if (strcmp(name, "AWS::AccountId") == 0)
		return cJSON_CreateString(SAM_ACCOUNT);
	if (strcmp(name, "AWS::Partition") == 0)
		return cJSON_CreateString("aws");
	if (strcmp(name, "AWS::URLSuffix") == 0)
		return cJSON_CreateString("amazonaws.com");
	if (strcmp(name, "AWS::StackName") == 0)
		return cJSON_CreateString(t->stack);
	if (strcmp(name, "AWS::StackId") == 0) {
		snprintf(buf, sizeof(buf), "arn:aws:cloudformation:%s:%s:stack/%s/"
		    "lambdad", SAM_REGION, SAM_ACCOUNT, t->stack);
		return cJSON_CreateString(buf);
	}
	if (strcmp(name, "AWS::NoValue") == 0)
		return &novalue;
	return NULL;
}

static cJSON *
attr_get(struct sam_tpl *t, const char *id, const char *attr)
{
	const cJSON *o = cJSON_GetObjectItemCaseSensitive(t->attrs, id);
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, attr);

	if (cJSON_IsString(a))
		return cJSON_CreateString(a->valuestring);
	if (cJSON_GetObjectItemCaseSensitive(sam_tpl_resources(t), id) == NULL)
		return fn_fail(t, "%s: no resource %s in the template", attr, id);
	if (strcmp(attr, "Ref") == 0)
		return fn_fail(t, "Ref %s: that resource is not deployed (yet)", id);
	snprintf(t->err, sizeof(t->err), "Fn::GetAtt %s.%s: lambdad does not "
	    "have that attribute (or the resource is not deployed yet)", id, attr);
	return NULL;
}

static cJSON *
fn_ref(struct sam_tpl *t, const char *name)
{
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(t->params, name);
	cJSON *v;

	if (p != NULL)
		return cJSON_Duplicate(p, 1);
	if ((v = pseudo(t, name)) != NULL)
		return v;
	return attr_get(t, name, "Ref");
}

static cJSON *
fn_getatt(struct sam_tpl *t, const cJSON *v, int depth)
{
	cJSON *a = fn_args(t, "Fn::GetAtt", v, 2, depth), *r = NULL;
	const cJSON *id = cJSON_GetArrayItem(a, 0), *at = cJSON_GetArrayItem(a, 1);

	if (a == NULL)
		return NULL;
	if (!cJSON_IsString(id) || !cJSON_IsString(at))
		fn_fail(t, "Fn::GetAtt: expected [Resource, Attribute]");
	else
		r = attr_get(t, id->valuestring, at->valuestring);
	cJSON_Delete(a);
	return r;
}

/* Append n bytes to the growing string *s. */
static void
str_add(char **s, size_t *len, const char *p, size_t n)
{
	char *ns = realloc(*s, *len + n + 1);

	if (ns == NULL)
		abort();
	memcpy(ns + *len, p, n);
	*len += n;
	ns[*len] = '\0';
	*s = ns;
}

/* One ${...} of Fn::Sub: a variable of its own, a Ref or a GetAtt. */
static int
sub_var(struct sam_tpl *t, const char *name, const cJSON *vars, char **s,
    size_t *len)
{
	const cJSON *own = cJSON_GetObjectItemCaseSensitive(vars, name);
	const char *dot = strchr(name, '.'), *txt;
	cJSON *v;
	char buf[64];

	if (own != NULL)
		v = cJSON_Duplicate(own, 1);
	else if (dot != NULL && cJSON_GetObjectItemCaseSensitive(t->params,
	    name) == NULL) {
		char *id = strndup(name, (size_t)(dot - name));

		v = attr_get(t, id, dot + 1);
		free(id);
	} else
		v = fn_ref(t, name);
	if (v == NULL)
		return -1;
	if (v == &novalue || (txt = sam_scalar_text(v, buf, sizeof(buf))) == NULL) {
		if (v != &novalue)
			cJSON_Delete(v);
		return tpl_fail(t, "Fn::Sub: ${%s} is not a string", name);
	}
	str_add(s, len, txt, strlen(txt));
	cJSON_Delete(v);
	return 0;
}

static cJSON *
sub_string(struct sam_tpl *t, const char *in, const cJSON *vars)
{
	char *s = NULL, *name;
	size_t len = 0;
	const char *p = in, *open, *close;
	cJSON *r;

	str_add(&s, &len, "", 0);
	while ((open = strstr(p, "${")) != NULL) {
		str_add(&s, &len, p, (size_t)(open - p));
		if ((close = strchr(open + 2, '}')) == NULL) {
			free(s);
			return fn_fail(t, "Fn::Sub: \"%s\" has a ${ without }", in);
		}
		if (open[2] == '!')	/* ${!Literal} is the text ${Literal} */
			str_add(&s, &len, "${", 2), str_add(&s, &len, open + 3,
			    (size_t)(close - open - 2));
		else {
			name = strndup(open + 2, (size_t)(close - open - 2));
			if (sub_var(t, name, vars, &s, &len) != 0) {
				free(name);
				free(s);
				return NULL;
			}
			free(name);
		}
		p = close + 1;
	}
	str_add(&s, &len, p, strlen(p));
	r = cJSON_CreateString(s);
	free(s);
	return r;
}

static cJSON *
fn_sub(struct sam_tpl *t, const cJSON *v, int depth)
{
	cJSON *a, *r;
	const cJSON *str;

	if (cJSON_IsString(v))
		return sub_string(t, v->valuestring, NULL);
	if ((a = fn_args(t, "Fn::Sub", v, 2, depth)) == NULL)
		return NULL;
	str = cJSON_GetArrayItem(a, 0);
	if (!cJSON_IsString(str) || !cJSON_IsObject(cJSON_GetArrayItem(a, 1)))
		r = fn_fail(t, "Fn::Sub: expected a string or [string, "
		    "{variables}]");
	else
		r = sub_string(t, str->valuestring, cJSON_GetArrayItem(a, 1));
	cJSON_Delete(a);
	return r;
}

static cJSON *
fn_join(struct sam_tpl *t, const cJSON *v, int depth)
{
	cJSON *a = fn_args(t, "Fn::Join", v, 2, depth), *r = NULL, *i;
	const cJSON *d = cJSON_GetArrayItem(a, 0), *l = cJSON_GetArrayItem(a, 1);
	char *s = NULL, buf[64];
	size_t len = 0;

	if (a == NULL)
		return NULL;
	if (!cJSON_IsString(d) || !cJSON_IsArray(l)) {
		cJSON_Delete(a);
		return fn_fail(t, "Fn::Join: expected [delimiter, [list]]");
	}
	str_add(&s, &len, "", 0);
	cJSON_ArrayForEach(i, l) {
		const char *txt = sam_scalar_text(i, buf, sizeof(buf));

		if (txt == NULL) {
			fn_fail(t, "Fn::Join: a list item is not a string");
			goto out;
		}
		if (i != l->child)
			str_add(&s, &len, d->valuestring, strlen(d->valuestring));
		str_add(&s, &len, txt, strlen(txt));
	}
	r = cJSON_CreateString(s);
out:
	free(s);
	cJSON_Delete(a);
	return r;
}

static cJSON *
fn_select(struct sam_tpl *t, const cJSON *v, int depth)
{
	cJSON *a = fn_args(t, "Fn::Select", v, 2, depth), *r = NULL;
	const cJSON *ix = cJSON_GetArrayItem(a, 0), *l = cJSON_GetArrayItem(a, 1);
	char buf[64], *end;
	const char *txt;
	long i = -1;

	if (a == NULL)
		return NULL;
	if ((txt = sam_scalar_text(ix, buf, sizeof(buf))) != NULL)
		i = strtol(txt, &end, 10);
	if (txt == NULL || *end != '\0' || !cJSON_IsArray(l) || i < 0 ||
	    i >= cJSON_GetArraySize(l))
		fn_fail(t, "Fn::Select: the index is not in the list");
	else
		r = cJSON_Duplicate(cJSON_GetArrayItem(l, (int)i), 1);
	cJSON_Delete(a);
	return r;
}

static cJSON *
fn_split(struct sam_tpl *t, const cJSON *v, int depth)
{
	cJSON *a = fn_args(t, "Fn::Split", v, 2, depth), *r;
	const cJSON *d = cJSON_GetArrayItem(a, 0), *s = cJSON_GetArrayItem(a, 1);
	const char *p, *q;
	size_t dl;

	if (a == NULL)
		return NULL;
	if (!cJSON_IsString(d) || !cJSON_IsString(s) || d->valuestring[0] == '\0') {
		cJSON_Delete(a);
		return fn_fail(t, "Fn::Split: expected [delimiter, string]");
	}
	r = cJSON_CreateArray();
	dl = strlen(d->valuestring);
	for (p = s->valuestring; ; p = q + dl) {
		char *item;

		q = strstr(p, d->valuestring);
		item = strndup(p, q != NULL ? (size_t)(q - p) : strlen(p));
		cJSON_AddItemToArray(r, cJSON_CreateString(item));
		free(item);
		if (q == NULL)
			break;
	}
	cJSON_Delete(a);
	return r;
}

static cJSON *
fn_findinmap(struct sam_tpl *t, const cJSON *v, int depth)
{
	cJSON *a = fn_args(t, "Fn::FindInMap", v, 3, depth), *r = NULL;
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(t->doc, "Mappings");
	char b[3][64];
	const char *k[3];
	int i;

	if (a == NULL)
		return NULL;
	for (i = 0; i < 3; i++)
		if ((k[i] = sam_scalar_text(cJSON_GetArrayItem(a, i), b[i],
		    sizeof(b[i]))) == NULL) {
			cJSON_Delete(a);
			return fn_fail(t, "Fn::FindInMap: a key is not a "
			    "string");
		}
	for (i = 0; i < 3 && m != NULL; i++)
		m = cJSON_GetObjectItemCaseSensitive(m, k[i]);
	if (m == NULL)
		snprintf(t->err, sizeof(t->err), "Fn::FindInMap: Mappings has "
		    "no %s.%s.%s", k[0], k[1], k[2]);
	else
		r = resolve(t, m, depth + 1);
	cJSON_Delete(a);
	return r;
}

static cJSON *
fn_if(struct sam_tpl *t, const cJSON *v, int depth)
{
	const cJSON *c = cJSON_GetArrayItem(v, 0);
	bool on;

	if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) != 3 || !cJSON_IsString(c))
		return fn_fail(t, "Fn::If: expected [condition, then, else]");
	if (cond_eval(t, c->valuestring, &on) != 0)
		return NULL;
	return resolve(t, cJSON_GetArrayItem(v, on ? 1 : 2), depth + 1);
}

/* Fn::Equals, Fn::Not, Fn::And, Fn::Or: true or false. */
static cJSON *
fn_logic(struct sam_tpl *t, const char *fn, const cJSON *v, int depth)
{
	bool eq = strcmp(fn, "Fn::Equals") == 0, and = strcmp(fn, "Fn::And") == 0;
	bool not = strcmp(fn, "Fn::Not") == 0, r = and;
	cJSON *a = fn_args(t, fn, v, eq ? 2 : not ? 1 : -1, depth), *i;
	char b1[64], b2[64];

	if (a == NULL)
		return NULL;
	if (eq) {
		const char *x = sam_scalar_text(a->child, b1, sizeof(b1));
		const char *y = sam_scalar_text(a->child->next, b2, sizeof(b2));

		r = x != NULL && y != NULL ? strcmp(x, y) == 0 :
		    cJSON_Compare(a->child, a->child->next, 1);
	} else
		cJSON_ArrayForEach(i, a) {
			if (!cJSON_IsBool(i)) {
				cJSON_Delete(a);
				return fn_fail(t, "%s: an argument is not a "
				    "condition", fn);
			}
			r = not ? !cJSON_IsTrue(i) : and ? r && cJSON_IsTrue(i) :
			    r || cJSON_IsTrue(i);
		}
	cJSON_Delete(a);
	return cJSON_CreateBool(r);
}

static cJSON *
fn_base64(struct sam_tpl *t, const cJSON *v, int depth)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	cJSON *a = resolve(t, v, depth + 1), *r;
	const unsigned char *s;
	size_t n, i, o = 0;
	char *out;

	if (a == NULL)
		return NULL;
	if (!cJSON_IsString(a)) {
		cJSON_Delete(a);
		return fn_fail(t, "Fn::Base64: expected a string");
	}
	s = (const unsigned char *)a->valuestring;
	n = strlen(a->valuestring);
	out = malloc(n / 3 * 4 + 5);
	for (i = 0; i < n; i += 3) {
		unsigned x = (unsigned)s[i] << 16 | (i + 1 < n ? s[i + 1] << 8 : 0) |
		    (i + 2 < n ? s[i + 2] : 0);

		out[o++] = tab[x >> 18 & 63];
		out[o++] = tab[x >> 12 & 63];
		out[o++] = i + 1 < n ? tab[x >> 6 & 63] : '=';
		out[o++] = i + 2 < n ? tab[x & 63] : '=';
	}
	out[o] = '\0';
	r = cJSON_CreateString(out);
	free(out);
	cJSON_Delete(a);
	return r;
}

static cJSON *
intrinsic(struct sam_tpl *t, const char *fn, const cJSON *v, int depth)
{
	bool on;

	if (strcmp(fn, "Ref") == 0)
		return cJSON_IsString(v) ? fn_ref(t, v->valuestring) :
		    fn_fail(t, "Ref: expected a name");
	if (strcmp(fn, "Condition") == 0) {
		if (!cJSON_IsString(v))
			return fn_fail(t, "Condition: expected a name");
		return cond_eval(t, v->valuestring, &on) != 0 ? NULL :
		    cJSON_CreateBool(on);
	}
	if (strcmp(fn, "Fn::GetAtt") == 0)
		return fn_getatt(t, v, depth);
	if (strcmp(fn, "Fn::Sub") == 0)
		return fn_sub(t, v, depth);
	if (strcmp(fn, "Fn::Join") == 0)
		return fn_join(t, v, depth);
	if (strcmp(fn, "Fn::Select") == 0)
		return fn_select(t, v, depth);
	if (strcmp(fn, "Fn::Split") == 0)
		return fn_split(t, v, depth);
	if (strcmp(fn, "Fn::FindInMap") == 0)
		return fn_findinmap(t, v, depth);
	if (strcmp(fn, "Fn::If") == 0)
		return fn_if(t, v, depth);
	if (strcmp(fn, "Fn::Equals") == 0 || strcmp(fn, "Fn::Not") == 0 ||
	    strcmp(fn, "Fn::And") == 0 || strcmp(fn, "Fn::Or") == 0)
		return fn_logic(t, fn, v, depth);
	if (strcmp(fn, "Fn::Base64") == 0)
		return fn_base64(t, v, depth);
	return fn_fail(t, "%s is not supported by lambdad", fn);
}

static cJSON *
resolve(struct sam_tpl *t, const cJSON *v, int depth)
{
	cJSON *out, *r;
	const cJSON *i;

	if (depth > MAX_DEPTH)
		return fn_fail(t, "intrinsic functions nested too deep");
	if (is_intrinsic(v) && strcmp(v->child->string, "Condition") != 0)
		return intrinsic(t, v->child->string, v->child, depth);
	if (is_intrinsic(v) && cJSON_IsString(v->child) && depth > 0 &&
	    cJSON_GetObjectItemCaseSensitive(t->doc, "Conditions") != NULL)
		return intrinsic(t, "Condition", v->child, depth);
	if (!cJSON_IsArray(v) && !cJSON_IsObject(v))
		return cJSON_Duplicate(v, 1);
	out = cJSON_IsArray(v) ? cJSON_CreateArray() : cJSON_CreateObject();
	cJSON_ArrayForEach(i, v) {
		if ((r = resolve(t, i, depth + 1)) == NULL) {
			cJSON_Delete(out);
			return NULL;
		}
		if (r == &novalue)
			continue;
		if (cJSON_IsArray(v))
			cJSON_AddItemToArray(out, r);
		else
			cJSON_AddItemToObject(out, i->string, r);
	}
	return out;
}

cJSON *
sam_tpl_resolve(struct sam_tpl *t, const cJSON *v)
{
	cJSON *r;

	if (v == NULL)		/* an absent member, such as no Properties */
		return cJSON_CreateNull();
	r = resolve(t, v, 0);
	return r == &novalue ? cJSON_CreateNull() : r;
}
