/*
 * Unit tests for Lambda layers (gateway/control/layerspec.c and
 * layerstore.c): layer names and version ARNs, the checks of a
 * PublishLayerVersion request and of a function's Layers, the shapes
 * the read calls answer with, and on real files: versions kept and
 * loaded again with their numbers never reused, and opt trees made from
 * zips built here with libzip, later layers over earlier ones.  The
 * whole is tested with the aws CLI in tests/integration/49-layers.t.
 */
#include <criterion/criterion.h>

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cJSON.h>
#include <zip.h>

#include "buf.h"
#include "control/fnspec.h"
#include "control/layerspec.h"
#include "control/layerstore.h"
#include "control/ziptree.h"
#include "tmpdir.h"

#define LARN	LAYERSPEC_ARN_PREFIX

/* ---- names ----------------------------------------------------------------- */

Test(layers, names)
{
	static const struct { const char *in; int rc; const char *name; } c[] = {
		{ "bashrt", 0, "bashrt" },
		{ "my-layer_2", 0, "my-layer_2" },
		{ "arn:aws:lambda:us-east-1:123456789012:layer:bashrt", 0,
		  "bashrt" },
		{ "arn:aws-cn:lambda:cn-north-1:123456789012:layer:x", 0, "x" },
		{ "", -EINVAL, "" },
		{ "b d", -EINVAL, "" },
		{ "../x", -EINVAL, "" },
		{ "bashrt:1", -EINVAL, "" },
		{ "arn:aws:lambda:us-east-1:12345:layer:x", -EINVAL, "" },
		{ "arn:aws:lambda:us-east-1:123456789012:function:x", -EINVAL,
		  "" },
		{ "arn:aws:lambda:us-east-1:123456789012:layer:x:1", -EINVAL,
		  "" },
	};
	char name[LAYERSPEC_NAME_MAX + 1], longer[200];
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		cr_expect_eq(layerspec_name(c[i].in, name), c[i].rc, "%s",
		    c[i].in);
		if (c[i].rc == 0)
			cr_expect_str_eq(name, c[i].name, "%s", c[i].in);
	}
	memset(longer, 'a', 141);
	longer[141] = '\0';
	cr_expect_eq(layerspec_name(longer, name), -EINVAL, "141 bytes");
	longer[140] = '\0';
	cr_expect_eq(layerspec_name(longer, name), 0, "140 bytes");
}

Test(layers, version_arns)
{
	static const struct {
		const char *in; int rc; const char *name; long ver;
	} c[] = {
		{ LARN "bashrt:1", 0, "bashrt", 1 },
		{ LARN "my-layer:42", 0, "my-layer", 42 },
		{ "arn:aws:lambda:eu-west-1:210987654321:layer:x:3", 0, "x", 3 },
		{ LARN "bashrt", -EINVAL, "", 0 },
		{ LARN "bashrt:0", -EINVAL, "", 0 },
		{ LARN "bashrt:-1", -EINVAL, "", 0 },
		{ LARN "bashrt:1x", -EINVAL, "", 0 },
		{ LARN ":1", -EINVAL, "", 0 },
		{ LARN "b d:1", -EINVAL, "", 0 },
		{ "bashrt:1", -EINVAL, "", 0 },
		{ "arn:aws:lambda:us-east-1:123456789012:function:f:1", -EINVAL,
		  "", 0 },
	};
	char name[LAYERSPEC_NAME_MAX + 1];
	long v;
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		v = 0;
		cr_expect_eq(layerspec_version_arn(c[i].in, name, &v), c[i].rc,
		    "%s", c[i].in);
		if (c[i].rc == 0) {
			cr_expect_str_eq(name, c[i].name, "%s", c[i].in);
			cr_expect_eq(v, c[i].ver, "%s", c[i].in);
		}
	}
	cr_expect_eq(layerspec_version_num("7", &v), 0);
	cr_expect_eq(v, 7);
	cr_expect_eq(layerspec_version_num("0", &v), -EINVAL);
	cr_expect_eq(layerspec_version_num("+7", &v), -EINVAL);
	cr_expect_eq(layerspec_version_num("", &v), -EINVAL);
}

/* ---- PublishLayerVersion ------------------------------------------------ */

static int
publish(const char *json, cJSON **rec, struct fnspec_err *e)
{
	cJSON *req = cJSON_Parse(json);
	const char *zip64 = NULL;
	int rc;

	rc = layerspec_publish(req, "bashrt", 3, rec, &zip64, e);
	if (rc == 0)
		cr_expect_str_eq(zip64, "UEsDBA==");
	cJSON_Delete(req);
	return rc;
}

static const char *
s(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(v) ? v->valuestring : "(none)";
}

Test(layers, publish_makes_the_record)
{
	struct fnspec_err e;
	cJSON *rec, *item;
	char name[LAYERSPEC_NAME_MAX + 1];

	cr_assert_eq(publish("{\"Content\":{\"ZipFile\":\"UEsDBA==\"},"
	    "\"Description\":\"bash\",\"LicenseInfo\":\"MIT\","
	    "\"CompatibleRuntimes\":[\"provided.al2023\",\"nodejs20.x\"],"
	    "\"CompatibleArchitectures\":[\"x86_64\"]}", &rec, &e), 0, "%s",
	    e.msg);
	cr_expect_str_eq(s(rec, "LayerArn"), LARN "bashrt");
	cr_expect_str_eq(s(rec, "LayerVersionArn"), LARN "bashrt:3");
	cr_expect_eq(layerspec_rec_version(rec), 3);
	cr_expect_str_eq(layerspec_rec_name(rec, name, sizeof(name)), "bashrt");
	cr_expect_str_eq(s(rec, "Description"), "bash");
	cr_expect_str_eq(s(rec, "LicenseInfo"), "MIT");
	cr_expect_eq(strlen(s(rec, "CreatedDate")), 28);
	layerspec_set_code(rec, "hello", 5);
	/* base64 of SHA-256("hello") */
	cr_expect_str_eq(s(cJSON_GetObjectItem(rec, "Content"), "CodeSha256"),
	    "LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ=");
	cr_expect_eq(layerspec_rec_size(rec), 5);
	cr_expect_str_eq(s(cJSON_GetObjectItem(rec, "Content"), "Location"), "");
	cr_expect(layerspec_matches(rec, "nodejs20.x", "x86_64"));
	cr_expect(layerspec_matches(rec, NULL, ""));
	cr_expect(!layerspec_matches(rec, "python3.12", NULL));
	cr_expect(!layerspec_matches(rec, NULL, "arm64"));
	item = layerspec_list_item(rec);
	cr_expect_null(cJSON_GetObjectItem(item, "Content"));
	cr_expect_null(cJSON_GetObjectItem(item, "LayerArn"));
	cr_expect_str_eq(s(item, "LayerVersionArn"), LARN "bashrt:3");
	cr_expect_not_null(cJSON_GetObjectItem(item, "CompatibleRuntimes"));
	cJSON_Delete(item);
	cJSON_Delete(rec);
	/* What is not given is not made up, but Description is always there. */
	cr_assert_eq(publish("{\"Content\":{\"ZipFile\":\"UEsDBA==\"}}", &rec,
	    &e), 0);
	cr_expect_str_eq(s(rec, "Description"), "");
	cr_expect_null(cJSON_GetObjectItem(rec, "LicenseInfo"));
	cr_expect_null(cJSON_GetObjectItem(rec, "CompatibleRuntimes"));
	cr_expect(layerspec_matches(rec, NULL, NULL));
	cr_expect(!layerspec_matches(rec, "provided", NULL),
	    "a filter needs the runtime listed");
	cJSON_Delete(rec);
}

Test(layers, publish_refuses)
{
	static const struct { const char *json; const char *type; } c[] = {
		{ "[1]", "InvalidRequestContentException" },
		{ "{}", "ValidationException" },
		{ "{\"Content\":{}}", "InvalidParameterValueException" },
		{ "{\"Content\":{\"S3Bucket\":\"b\",\"S3Key\":\"k\"}}",
		  "InvalidParameterValueException" },
		{ "{\"Content\":{\"ZipFile\":\"UEsDBA==\"},\"Description\":7}",
		  "ValidationException" },
		{ "{\"Content\":{\"ZipFile\":\"UEsDBA==\"},"
		  "\"CompatibleArchitectures\":[\"sparc\"]}",
		  "ValidationException" },
		{ "{\"Content\":{\"ZipFile\":\"UEsDBA==\"},"
		  "\"CompatibleArchitectures\":[\"x86_64\",\"arm64\",\"x86_64\"]}",
		  "ValidationException" },
		{ "{\"Content\":{\"ZipFile\":\"UEsDBA==\"},"
		  "\"CompatibleRuntimes\":[\"Node JS\"]}", "ValidationException" },
		{ "{\"Content\":{\"ZipFile\":\"UEsDBA==\"},"
		  "\"CompatibleRuntimes\":\"provided\"}", "ValidationException" },
	};
	char desc[400];
	struct fnspec_err e;
	cJSON *rec;
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		cr_expect_eq(publish(c[i].json, &rec, &e), -EINVAL, "%s",
		    c[i].json);
		cr_expect_str_eq(e.type, c[i].type, "%s", c[i].json);
		cr_expect_null(rec);
	}
	snprintf(desc, sizeof(desc), "{\"Content\":{\"ZipFile\":\"UEsDBA==\"},"
	    "\"Description\":\"%0257d\"}", 0);
	cr_expect_eq(publish(desc, &rec, &e), -EINVAL, "257 bytes");
	cr_expect_str_eq(e.type, "ValidationException");
}

/* ---- a function's Layers ------------------------------------------------ */

static int
fn_layers(const char *json, struct fnspec_err *e)
{
	cJSON *l = cJSON_Parse(json);
	int rc = layerspec_fn_layers(l, e);

	cJSON_Delete(l);
	return rc;
}

Test(layers, function_layers)
{
	struct fnspec_err e;

	cr_expect_eq(fn_layers("[]", &e), 0);
	cr_expect_eq(fn_layers("[\"" LARN "a:1\",\"" LARN "b:2\",\"" LARN
	    "c:1\",\"" LARN "d:1\",\"" LARN "e:9\"]", &e), 0, "five");
	cr_expect_eq(fn_layers("[\"" LARN "a:1\",\"" LARN "b:2\",\"" LARN
	    "c:1\",\"" LARN "d:1\",\"" LARN "e:9\",\"" LARN "f:1\"]", &e),
	    -EINVAL, "six");
	cr_expect_str_eq(e.type, "InvalidParameterValueException");
	cr_expect(strstr(e.msg, "more than 5") != NULL, "%s", e.msg);
	cr_expect_eq(fn_layers("[\"" LARN "a:1\",\"" LARN "a:2\"]", &e),
	    -EINVAL, "one layer twice");
	cr_expect_str_eq(e.type, "InvalidParameterValueException");
	cr_expect_eq(fn_layers("[\"a:1\"]", &e), -EINVAL, "not an ARN");
	cr_expect_str_eq(e.type, "ValidationException");
	cr_expect_eq(fn_layers("[1]", &e), -EINVAL);
	cr_expect_str_eq(e.type, "ValidationException");
	cr_expect_eq(fn_layers("\"" LARN "a:1\"", &e), -EINVAL, "not a list");
}

Test(layers, opt_key)
{
	cJSON *ab = cJSON_Parse("[\"" LARN "a:1\",\"" LARN "b:1\"]");
	cJSON *ba = cJSON_Parse("[{\"Arn\":\"" LARN "b:1\"},{\"Arn\":\"" LARN
	    "a:1\"}]");
	cJSON *ab2 = cJSON_Parse("[{\"Arn\":\"" LARN "a:1\",\"CodeSize\":3},"
	    "{\"Arn\":\"" LARN "b:1\"}]");
	char k1[33], k2[33], k3[33];

	layerspec_opt_key(ab, k1);
	layerspec_opt_key(ba, k2);
	layerspec_opt_key(ab2, k3);
	cr_expect_eq(strlen(k1), 32);
	cr_expect_str_eq(k1, k3, "the same ARNs in the same order: one tree");
	cr_expect_str_neq(k1, k2, "another order is another tree");
	cJSON_Delete(ab);
	cJSON_Delete(ba);
	cJSON_Delete(ab2);
}

Test(layers, dropin_names_the_opt_tree)
{
	cJSON *rec = cJSON_Parse("{\"Configuration\":{\"FunctionName\":\"sh\","
	    "\"Handler\":\"function.handler\",\"MemorySize\":128,\"Timeout\":3},"
	    "\"Opt\":\"/var/lib/lambdad/opt/0123\"}");
	struct fnspec_err e;
	struct buf b;

	buf_init(&b);
	cr_assert_eq(fnspec_dropin(rec, "sh", "/var/lib/lambdad/code/sh/1/"
	    "bootstrap", &b, &e), 0, "%s", e.msg);
	buf_addc(&b, '\0');
	cr_expect(strstr(b.data, "\nopt = /var/lib/lambdad/opt/0123\n") != NULL,
	    "%s", b.data);
	cr_expect(strstr(b.data, "\nseccomp = exec\n") != NULL, "%s", b.data);
	buf_free(&b);
	cJSON_DeleteItemFromObject(rec, "Opt");
	buf_init(&b);
	cr_assert_eq(fnspec_dropin(rec, "sh", "/x/bootstrap", &b, &e), 0);
	buf_addc(&b, '\0');
	cr_expect(strstr(b.data, "opt =") == NULL, "%s", b.data);
	cr_expect(strstr(b.data, "seccomp") == NULL, "%s", b.data);
	buf_free(&b);
	cJSON_Delete(rec);
}

/* ---- on disk --------------------------------------------------------------- */

struct ent {
	const char	*name;
	const char	*data;		/* NULL: a directory */
	unsigned	 mode;		/* 0: 0644 or 0755 */
};

static size_t
zip_of(const struct ent *ents, size_t n, void **out)
{
	zip_source_t *src, *fs;
	zip_error_t ze;
	zip_stat_t st;
	zip_t *za;
	zip_int64_t idx;
	size_t i;

	zip_error_init(&ze);
	cr_assert_not_null(src = zip_source_buffer_create(NULL, 0, 0, &ze));
	zip_source_keep(src);
	cr_assert_not_null(za = zip_open_from_source(src, ZIP_TRUNCATE, &ze));
	for (i = 0; i < n; i++) {
		if (ents[i].data == NULL)
			idx = zip_dir_add(za, ents[i].name, ZIP_FL_ENC_UTF_8);
		else {
			fs = zip_source_buffer(za, ents[i].data,
			    strlen(ents[i].data), 0);
			idx = zip_file_add(za, ents[i].name, fs, ZIP_FL_ENC_UTF_8);
		}
		cr_assert(idx >= 0, "%s", ents[i].name);
		zip_file_set_external_attributes(za, (zip_uint64_t)idx, 0,
		    ZIP_OPSYS_UNIX, (ents[i].mode != 0 ? ents[i].mode :
		    ents[i].data == NULL ? 040755 : 0100644) << 16);
	}
	cr_assert_eq(zip_close(za), 0);
	cr_assert_eq(zip_source_stat(src, &st), 0);
	cr_assert_not_null(*out = malloc(st.size));
	cr_assert_eq(zip_source_open(src), 0);
	cr_assert_eq(zip_source_read(src, *out, st.size), (zip_int64_t)st.size);
	zip_source_close(src);
	zip_source_free(src);
	return st.size;
}

/* Keep version ver of name, made of ents, under state. */
static void
put_layer(const char *state, const char *name, long ver,
    const struct ent *ents, size_t n)
{
	struct fnspec_err e;
	const char *zip64;
	cJSON *req = cJSON_Parse("{\"Content\":{\"ZipFile\":\"x\"}}"), *rec;
	void *zip;
	size_t len = zip_of(ents, n, &zip);

	cr_assert_eq(layerspec_publish(req, name, ver, &rec, &zip64, &e), 0);
	layerspec_set_code(rec, zip, len);
	cr_assert_eq(layerstore_put(state, name, ver, rec, zip, len,
	    ZIPTREE_MAX_UNZIPPED, &e), 0, "%s", e.msg);
	free(zip);
	cJSON_Delete(rec);
	cJSON_Delete(req);
}

static char *
slurp(const char *dir, const char *rel)
{
	static char text[256];
	char path[PATH_MAX + 64];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	if ((f = fopen(path, "r")) == NULL)
		return NULL;
	n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = '\0';
	fclose(f);
	return text;
}

Test(layers, store_numbers_and_load)
{
	static const struct ent a[] = { { "bin/tool", "a\n", 0100755 } };
	char state[PATH_MAX], name[LAYERSPEC_NAME_MAX + 1];
	struct fnspec_err e;
	cJSON *all, *next;
	struct buf warn;

	tmpdir_make("layerstore", state);
	put_layer(state, "tools", 1, a, 1);
	put_layer(state, "tools", 2, a, 1);
	put_layer(state, "rt", 1, a, 1);
	cr_assert_eq(layerstore_rm(state, "tools", 2, &e), 0);
	cr_assert_eq(layerstore_rm(state, "tools", 2, &e), 0, "again: no error");
	buf_init(&warn);
	all = layerstore_load(state, &next, &warn);
	cr_expect_eq(warn.len, 0);
	cr_expect_eq(cJSON_GetArraySize(all), 2);
	cr_expect_eq(cJSON_GetObjectItem(next, "tools")->valueint, 3,
	    "2 was deleted, and is not given again");
	cr_expect_eq(cJSON_GetObjectItem(next, "rt")->valueint, 2);
	cr_expect_str_eq(layerspec_rec_name(cJSON_GetArrayItem(all, 0), name,
	    sizeof(name)), "rt");
	cJSON_Delete(all);
	cJSON_Delete(next);
	/* Every version gone: the number still goes on. */
	cr_assert_eq(layerstore_rm(state, "tools", 1, &e), 0);
	cr_assert_eq(layerstore_rm(state, "rt", 1, &e), 0);
	all = layerstore_load(state, &next, &warn);
	cr_expect_eq(cJSON_GetArraySize(all), 0);
	cr_expect_eq(cJSON_GetObjectItem(next, "tools")->valueint, 3);
	cJSON_Delete(all);
	cJSON_Delete(next);
	/* A record that is not one is left out, and said. */
	cr_assert_not_null(slurp(state, "layers/rt/next"));
	{
		char path[PATH_MAX + 32];
		FILE *f;

		snprintf(path, sizeof(path), "%s/layers/rt/7.json", state);
		cr_assert_not_null(f = fopen(path, "w"));
		fputs("{\"LayerArn\":\"x\"}", f);
		fclose(f);
	}
	all = layerstore_load(state, &next, &warn);
	cr_expect_eq(cJSON_GetArraySize(all), 0);
	buf_addc(&warn, '\0');
	cr_expect(strstr(warn.data, "7.json: not a layer version record") !=
	    NULL, "%s", warn.data);
	cJSON_Delete(all);
	cJSON_Delete(next);
	buf_free(&warn);
	tmpdir_remove(state);
}

Test(layers, store_refuses_bad_zips)
{
	static const struct ent dotdot[] = { { "../x", "x", 0 } };
	char state[PATH_MAX], path[PATH_MAX + 32];
	struct fnspec_err e;
	cJSON *rec = cJSON_Parse("{}");
	void *zip;
	size_t len = zip_of(dotdot, 1, &zip);

	tmpdir_make("layerstore", state);
	cr_expect_eq(layerstore_put(state, "bad", 1, rec, zip, len,
	    ZIPTREE_MAX_UNZIPPED, &e), -EINVAL);
	cr_expect_str_eq(e.type, "InvalidParameterValueException");
	cr_expect_eq(layerstore_put(state, "bad", 2, rec, "hello", 5,
	    ZIPTREE_MAX_UNZIPPED, &e), -EINVAL);
	cr_expect(strstr(e.msg, "not a zip") != NULL, "%s", e.msg);
	snprintf(path, sizeof(path), "%s/layers/bad/1", state);
	cr_expect_neq(access(path, F_OK), 0, "nothing is left of it");
	free(zip);
	cJSON_Delete(rec);
	tmpdir_remove(state);
}

Test(layers, opt_tree_in_order)
{
	static const struct ent rt[] = {
		{ "bootstrap", "#!/bin/sh\n", 0100755 },
		{ "bin/tool", "rt\n", 0100755 },
		{ "share/note", "rt note\n", 0 },
		{ "lib/libx.so.1", "elf", 0 },
		{ "lib/libx.so", "libx.so.1", 0120777 },
		{ "conf", "a file in rt\n", 0 },
	};
	static const struct ent tools[] = {
		{ "bin/tool", "tools\n", 0100755 },
		{ "bin/more", "more\n", 0100755 },
		{ "conf/", NULL, 0 },
		{ "conf/x", "a directory in tools\n", 0 },
		{ "lib/libx.so", "libx.so.2", 0 },
	};
	char state[PATH_MAX], a[PATH_MAX], b[PATH_MAX], opt[PATH_MAX];
	const char *keep[1];
	struct fnspec_err e;
	struct stat st;
	cJSON *srcs = cJSON_CreateArray();

	tmpdir_make("layerstore", state);
	put_layer(state, "rt", 1, rt, 6);
	put_layer(state, "tools", 1, tools, 5);
	layerstore_dir(state, "rt", 1, a, sizeof(a));
	layerstore_dir(state, "tools", 1, b, sizeof(b));
	cJSON_AddItemToArray(srcs, cJSON_CreateString(a));
	cJSON_AddItemToArray(srcs, cJSON_CreateString(b));
	layerstore_opt_dir(state, "k1", opt, sizeof(opt));
	cr_assert_eq(layerstore_opt(opt, srcs, &e), 0, "%s", e.msg);
	cr_expect_str_eq(slurp(opt, "bin/tool"), "tools\n", "the later wins");
	cr_expect_str_eq(slurp(opt, "bin/more"), "more\n");
	cr_expect_str_eq(slurp(opt, "share/note"), "rt note\n",
	    "the earlier's other files stay");
	cr_expect_str_eq(slurp(opt, "bootstrap"), "#!/bin/sh\n");
	cr_expect_str_eq(slurp(opt, "conf/x"), "a directory in tools\n",
	    "a directory over a file");
	cr_expect_str_eq(slurp(opt, "lib/libx.so"), "libx.so.2",
	    "a file over a symlink, not through it");
	cr_expect_str_eq(slurp(a, "lib/libx.so.1"), "elf",
	    "the layer's own tree is untouched");
	{
		char p[PATH_MAX + 32];

		snprintf(p, sizeof(p), "%s/bootstrap", opt);
		cr_assert_eq(stat(p, &st), 0);
		cr_expect_eq(st.st_mode & 0111, 0111, "still executable");
	}
	/* There already: not made again (a function's tree is not touched
	 * while it runs). */
	cJSON_DeleteItemFromArray(srcs, 1);
	cr_assert_eq(layerstore_opt(opt, srcs, &e), 0);
	cr_expect_str_eq(slurp(opt, "bin/tool"), "tools\n");
	/* A layer version deleted: the tree that uses it goes on. */
	cr_assert_eq(layerstore_rm(state, "tools", 1, &e), 0);
	cr_expect_str_eq(slurp(opt, "bin/more"), "more\n");
	/* gc: what keep names stays, the rest goes. */
	layerstore_opt_dir(state, "k2", b, sizeof(b));
	cr_assert_eq(layerstore_opt(b, srcs, &e), 0);
	cr_expect_str_eq(slurp(b, "bin/tool"), "rt\n");
	keep[0] = opt;
	layerstore_gc_opt(state, keep, 1);
	cr_expect_eq(access(opt, F_OK), 0);
	cr_expect_neq(access(b, F_OK), 0);
	cJSON_Delete(srcs);
	tmpdir_remove(state);
}

Test(layers, code_without_bootstrap)
{
	static const struct ent fn[] = { { "function.sh", "handler() {}\n", 0 } };
	char base[PATH_MAX], dir[PATH_MAX + 8], err[256];
	void *zip;
	size_t len = zip_of(fn, 1, &zip);

	tmpdir_make("ziptree", base);
	snprintf(dir, sizeof(dir), "%s/1", base);
	cr_expect_eq(ziptree_extract(zip, len, dir, ZIPTREE_MAX_UNZIPPED, err,
	    sizeof(err)), -EINVAL, "a function's zip needs a bootstrap");
	cr_expect(strstr(err, "no bootstrap") != NULL, "%s", err);
	cr_expect_eq(ziptree_extract_tree(zip, len, dir, ZIPTREE_MAX_UNZIPPED,
	    err, sizeof(err)), 0, "unless its layers bring it: %s", err);
	cr_expect_str_eq(slurp(dir, "function.sh"), "handler() {}\n");
	free(zip);
	tmpdir_remove(base);
}
