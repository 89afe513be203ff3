/*
 * layerspec: checking layer requests and shaping layer records.  See
 * layerspec.h.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>
#include <openssl/sha.h>

#include "buf.h"
#include "control/layerspec.h"

#define DESC_MAX	256
#define LICENSE_MAX	512
#define RUNTIMES_MAX	15

static cJSON *
get(const cJSON *o, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(o, key);
}

/* ---- names ---------------------------------------------------------------- */

/* [a-zA-Z0-9-_]+, n bytes of s. */
static bool
name_ok(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > LAYERSPEC_NAME_MAX)
		return false;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_')
			return false;
	return true;
}

/* [a-zA-Z0-9-]+ up to the next ':'; *s moves past it.  false if none. */
static bool
arn_part(const char **s, bool digits12)
{
	const char *p = *s;
	size_t n = 0;

	for (; p[n] != '\0' && p[n] != ':'; n++)
		if (digits12 ? !isdigit((unsigned char)p[n]) :
		    !isalnum((unsigned char)p[n]) && p[n] != '-')
			return false;
	if (n == 0 || p[n] != ':' || (digits12 && n != 12))
		return false;
	*s = p + n + 1;
	return true;
}

/*
 * arn:PARTITION:lambda:REGION:ACCOUNT:layer: -- the part before the name;
 * the name's start, or NULL.
 */
static const char *
arn_layer(const char *s)
{
	if (strncmp(s, "arn:", 4) != 0)
		return NULL;
	s += 4;
	if (!arn_part(&s, false) || strncmp(s, "lambda:", 7) != 0)
		return NULL;
	s += 7;
	if (!arn_part(&s, false) || !arn_part(&s, true) ||
	    strncmp(s, "layer:", 6) != 0)
		return NULL;
	return s + 6;
}

int
layerspec_name(const char *s, char name[LAYERSPEC_NAME_MAX + 1])
{
	const char *n = strncmp(s, "arn:", 4) == 0 ? arn_layer(s) : s;

	name[0] = '\0';
	if (strlen(s) > LAYERSPEC_NAME_MAX || n == NULL ||
	    !name_ok(n, strlen(n)))
		return -EINVAL;
	memcpy(name, n, strlen(n) + 1);
	return 0;
}

int
layerspec_version_num(const char *s, long *version)
{
	char *end;
	long v;

	if (!isdigit((unsigned char)s[0]) || strlen(s) > 12)
		return -EINVAL;
	v = strtol(s, &end, 10);
	if (*end != '\0' || v < 1)
		return -EINVAL;
	*version = v;
	return 0;
}

int
layerspec_version_arn(const char *arn, char name[LAYERSPEC_NAME_MAX + 1],
    long *version)
{
	const char *n = strlen(arn) <= LAYERSPEC_NAME_MAX ? arn_layer(arn) : NULL;
	const char *colon = n != NULL ? strrchr(n, ':') : NULL;

	name[0] = '\0';
	if (colon == NULL || !name_ok(n, (size_t)(colon - n)) ||
	    layerspec_version_num(colon + 1, version) != 0)
		return -EINVAL;
	memcpy(name, n, (size_t)(colon - n));
	name[colon - n] = '\0';
	return 0;
}

/* ---- PublishLayerVersion ------------------------------------------------ */

/* An optional string member of at most max bytes, copied onto rec. */
static int
copy_str(cJSON *rec, const cJSON *req, const char *key, const char *member,
    size_t max, struct fnspec_err *e)
{
	const cJSON *j = get(req, key);
	char what[64];

	if (j == NULL || cJSON_IsNull(j))
		return 0;
	snprintf(what, sizeof(what), "Member must have length less than or "
	    "equal to %zu", max);
	if (!cJSON_IsString(j) || strlen(j->valuestring) > max)
		return fnspec_vfail(e, member, what);
	fnspec_put(rec, key, cJSON_CreateString(j->valuestring));
	return 0;
}

/* A runtime identifier, as Lambda's enum spells them: nodejs20.x, ... */
static bool
runtime_ok(const char *s)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > 64 || !islower((unsigned char)s[0]))
		return false;
	for (i = 0; i < n; i++)
		if (!islower((unsigned char)s[i]) && !isdigit((unsigned char)s[i]) &&
		    s[i] != '.' && s[i] != '-')
			return false;
	return true;
}

static bool
arch_ok(const char *s)
{
	return strcmp(s, "x86_64") == 0 || strcmp(s, "arm64") == 0;
}

/* An optional list of at most max words that ok accepts, onto rec. */
static int
copy_list(cJSON *rec, const cJSON *req, const char *key, const char *member,
    int max, bool (*ok)(const char *), const char *what,
    struct fnspec_err *e)
{
	const cJSON *j = get(req, key), *v;

	if (j == NULL || cJSON_IsNull(j))
		return 0;
	if (!cJSON_IsArray(j) || cJSON_GetArraySize(j) > max)
		return fnspec_vfail(e, member, what);
	cJSON_ArrayForEach(v, j)
		if (!cJSON_IsString(v) || !ok(v->valuestring))
			return fnspec_vfail(e, member, what);
	fnspec_put(rec, key, cJSON_Duplicate(j, 1));
	return 0;
}

/* Content: {"ZipFile": base64}; S3 is not lambdad's. */
static int
get_zip(const cJSON *req, const char **zip64, struct fnspec_err *e)
{
	const cJSON *c = get(req, "Content"), *z = get(c, "ZipFile");

	if (!cJSON_IsObject(c))
		return fnspec_vfail(e, "content", "Member must not be null");
	if (get(c, "S3Bucket") != NULL || get(c, "S3Key") != NULL)
		return fnspec_fail(e, "InvalidParameterValueException",
		    "lambdad takes a layer's content as ZipFile only (no S3)");
	if (!cJSON_IsString(z) || z->valuestring[0] == '\0')
		return fnspec_fail(e, "InvalidParameterValueException",
		    "Please provide a source for the layer's content: ZipFile");
	*zip64 = z->valuestring;
	return 0;
}

int
layerspec_publish(const cJSON *req, const char *name, long ver, cJSON **rec,
    const char **zip64, struct fnspec_err *e)
{
	char arn[sizeof(LAYERSPEC_ARN_PREFIX) + LAYERSPEC_NAME_MAX + 24];
	char when[64];
	cJSON *r, *c;

	*rec = NULL;
	if (!cJSON_IsObject(req))
		return fnspec_bad_json(e);
	if ((r = cJSON_CreateObject()) == NULL)
		abort();
	snprintf(arn, sizeof(arn), LAYERSPEC_ARN_PREFIX "%s", name);
	fnspec_put(r, "LayerArn", cJSON_CreateString(arn));
	snprintf(arn, sizeof(arn), LAYERSPEC_ARN_PREFIX "%s:%ld", name, ver);
	fnspec_put(r, "LayerVersionArn", cJSON_CreateString(arn));
	fnspec_put(r, "Description", cJSON_CreateString(""));
	fnspec_now(when, sizeof(when));
	fnspec_put(r, "CreatedDate", cJSON_CreateString(when));
	fnspec_put(r, "Version", cJSON_CreateNumber((double)ver));
	if (copy_str(r, req, "Description", "description", DESC_MAX, e) != 0 ||
	    copy_str(r, req, "LicenseInfo", "licenseInfo", LICENSE_MAX, e) != 0 ||
	    copy_list(r, req, "CompatibleRuntimes", "compatibleRuntimes",
	    RUNTIMES_MAX, runtime_ok, "Member must have length less than or "
	    "equal to 15, and each member must be a runtime identifier", e) != 0 ||
	    copy_list(r, req, "CompatibleArchitectures",
	    "compatibleArchitectures", 2, arch_ok, "Member must have length "
	    "less than or equal to 2, and each member must be x86_64 or arm64",
	    e) != 0 || get_zip(req, zip64, e) != 0) {
		cJSON_Delete(r);
		return -EINVAL;
	}
	if ((c = cJSON_AddObjectToObject(r, "Content")) == NULL)
		abort();
	fnspec_put(c, "Location", cJSON_CreateString(""));
	fnspec_put(c, "CodeSha256", cJSON_CreateString(""));
	fnspec_put(c, "CodeSize", cJSON_CreateNumber(0));
	*rec = r;
	return 0;
}

void
layerspec_set_code(cJSON *rec, const void *zip, size_t len)
{
	fnspec_put_code(get(rec, "Content"), zip, len);
}

/* ---- records ------------------------------------------------------------- */

const char *
layerspec_rec_name(const cJSON *rec, char *buf, size_t size)
{
	const cJSON *a = get(rec, "LayerArn");
	const char *n = cJSON_IsString(a) ? arn_layer(a->valuestring) : NULL;

	snprintf(buf, size, "%s", n != NULL ? n : "");
	return buf;
}

long
layerspec_rec_version(const cJSON *rec)
{
	const cJSON *v = get(rec, "Version");

	return cJSON_IsNumber(v) ? (long)v->valuedouble : 0;
}

size_t
layerspec_rec_size(const cJSON *rec)
{
	const cJSON *n = get(get(rec, "Content"), "CodeSize");

	return cJSON_IsNumber(n) && n->valuedouble > 0 ? (size_t)n->valuedouble :
	    0;
}

cJSON *
layerspec_list_item(const cJSON *rec)
{
	static const char *const keys[] = {
		"LayerVersionArn", "Version", "Description", "CreatedDate",
		"CompatibleRuntimes", "LicenseInfo", "CompatibleArchitectures",
	};
	cJSON *j = cJSON_CreateObject();
	const cJSON *v;
	size_t i;

	if (j == NULL)
		abort();
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if ((v = get(rec, keys[i])) != NULL)
			fnspec_put(j, keys[i], cJSON_Duplicate(v, 1));
	return j;
}

static bool
lists(const cJSON *a, const char *s)
{
	const cJSON *v;

	if (s == NULL || s[0] == '\0')
		return true;
	cJSON_ArrayForEach(v, a)
		if (cJSON_IsString(v) && strcmp(v->valuestring, s) == 0)
			return true;
	return false;
}

bool
layerspec_matches(const cJSON *rec, const char *runtime, const char *arch)
{
	return lists(get(rec, "CompatibleRuntimes"), runtime) &&
	    lists(get(rec, "CompatibleArchitectures"), arch);
}

/* ---- a function's Layers ------------------------------------------------ */

int
layerspec_fn_layers(const cJSON *layers, struct fnspec_err *e)
{
	char name[LAYERSPEC_NAME_MAX + 1], other[LAYERSPEC_NAME_MAX + 1];
	const cJSON *v, *w;
	long n;

	if (!cJSON_IsArray(layers))
		return fnspec_vfail(e, "layers", "Member must be a list of layer "
		    "version ARNs");
	cJSON_ArrayForEach(v, layers)
		if (!cJSON_IsString(v) || layerspec_version_arn(v->valuestring,
		    name, &n) != 0)
			return fnspec_vfail(e, "layers", "Member must satisfy constraint: "
			    "[Member must have length less than or equal to 140, "
			    "Member must satisfy regular expression pattern: "
			    "arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\\d{12}:layer:"
			    "[a-zA-Z0-9-_]+:[0-9]+]");
	if (cJSON_GetArraySize(layers) > LAYERSPEC_FN_MAX)
		return fnspec_fail(e, "InvalidParameterValueException", "Cannot "
		    "reference more than %d layers.", LAYERSPEC_FN_MAX);
	cJSON_ArrayForEach(v, layers) {
		(void)layerspec_version_arn(v->valuestring, name, &n);
		for (w = v->next; w != NULL; w = w->next) {
			(void)layerspec_version_arn(w->valuestring, other, &n);
			if (strcmp(name, other) == 0)
				return fnspec_fail(e,
				    "InvalidParameterValueException", "Two "
				    "different versions of the same layer are not "
				    "allowed to be referenced in the same function. "
				    "%s and %s", v->valuestring, w->valuestring);
		}
	}
	return 0;
}

void
layerspec_opt_key(const cJSON *layers, char out[33])
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	const cJSON *v, *a;
	struct buf b;
	int i;

	buf_init(&b);
	cJSON_ArrayForEach(v, layers) {
		a = cJSON_IsString(v) ? v : get(v, "Arn");
		if (cJSON_IsString(a))
			buf_printf(&b, "%s\n", a->valuestring);
	}
	SHA256((const unsigned char *)(b.data != NULL ? b.data : ""), b.len, md);
	buf_free(&b);
	for (i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}
