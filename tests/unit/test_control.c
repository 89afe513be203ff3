/*
 * Unit tests for the pure parts of the control plane (gateway/control/):
 * FunctionName forms and what their qualifier names, the checks of a
 * CreateFunction and UpdateFunctionConfiguration request, the drop-in
 * made from a record, the zip path and symlink rules, and unpacking real
 * zips made here with libzip (traversal, symlinks, bombs, no bootstrap).
 * The whole is tested with the aws CLI in tests/integration/44-control.t.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cJSON.h>
#include <zip.h>

#include "conf.h"
#include "control/fnspec.h"
#include "control/fnstore.h"
#include "control/ziptree.h"
#include "tmpdir.h"

/* ---- names ----------------------------------------------------------------- */

struct name_case {
	char		 in[96];
	int		 rc;
	char		 name[16];
	char		 qual[16];
	enum fnspec_qual kind;
};

ParameterizedTestParameters(control, parse_name)
{
	static struct name_case cases[] = {
		{ "orders", 0, "orders", "", FNSPEC_UNQUALIFIED },
		{ "orders:$LATEST", 0, "orders", "$LATEST", FNSPEC_LATEST },
		{ "orders:7", 0, "orders", "7", FNSPEC_VERSION },
		{ "orders:live", 0, "orders", "live", FNSPEC_ALIAS },
		{ "orders:v2", 0, "orders", "v2", FNSPEC_ALIAS },
		{ "123456789012:function:orders:3", 0, "orders", "3",
		  FNSPEC_VERSION },
		{ "arn:aws:lambda:us-east-1:123456789012:function:orders", 0,
		  "orders", "", FNSPEC_UNQUALIFIED },
		{ "arn:aws:lambda:us-east-1:123456789012:function:orders:live", 0,
		  "orders", "live", FNSPEC_ALIAS },
		{ "arn:aws:lambda:us-east-1:123456789012:function:orders:12", 0,
		  "orders", "12", FNSPEC_VERSION },
		{ "orders:$PROD", -EINVAL, "", "", 0 },
		{ "orders:", -EINVAL, "", "", 0 },
		{ "orders:a:b", -EINVAL, "", "", 0 },
		{ "or ders", -EINVAL, "", "", 0 },
		{ "../x", -EINVAL, "", "", 0 },
		{ "arn:aws:lambda:us-east-1:123456789012:layer:orders", -EINVAL,
		  "", "", 0 },
	};

	return cr_make_param_array(struct name_case, cases,
	    sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct name_case *tc, control, parse_name)
{
	struct fnspec_name fn;
	int rc = fnspec_parse_name(tc->in, &fn);

	cr_assert_eq(rc, tc->rc, "\"%s\": rc %d, want %d", tc->in, rc, tc->rc);
	if (rc != 0)
		return;
	cr_assert_str_eq(fn.name, tc->name, "\"%s\"", tc->in);
	cr_assert_str_eq(fn.qual, tc->qual, "\"%s\"", tc->in);
	cr_assert_eq(fn.kind, tc->kind, "\"%s\": kind %d, want %d", tc->in,
	    fn.kind, tc->kind);
}

/* ---- CreateFunction --------------------------------------------------------- */

#define BASE	"\"FunctionName\":\"f\",\"Role\":\"arn:aws:iam::123456789012:" \
		"role/x\",\"Runtime\":\"provided.al2023\",\"Code\":{\"ZipFile\":" \
		"\"UEs=\"}"

struct create_case {
	char	 body[400];
	char	 type[40];	/* "" accepted */
	char	 msg[48];	/* a part of the message */
};

ParameterizedTestParameters(control, create)
{
	static struct create_case cases[] = {
		{ "{" BASE "}", "", "" },
		{ "{" BASE ",\"Timeout\":900,\"MemorySize\":10240}", "", "" },
		{ "{" BASE ",\"Environment\":{\"Variables\":{\"A_1\":\"x y\"}}}",
		  "", "" },
		{ "{" BASE ",\"Architectures\":[\"" FNSPEC_ARCH "\"]}", "", "" },
		{ "{" BASE ",\"Handler\":\"my.handler\",\"Description\":\"d\"}",
		  "", "" },
		{ "{" BASE ",\"VpcConfig\":{},\"Publish\":false}", "", "" },
		{ "[1]", "InvalidRequestContentException", "" },
		{ "{" BASE ",\"Timeout\":0}", "ValidationException", "timeout" },
		{ "{" BASE ",\"Timeout\":901}", "ValidationException", "timeout" },
		{ "{" BASE ",\"Timeout\":\"3\"}", "ValidationException", "timeout" },
		{ "{" BASE ",\"Timeout\":2.5}", "ValidationException", "integer" },
		{ "{" BASE ",\"MemorySize\":127}", "ValidationException",
		  "memorySize" },
		{ "{" BASE ",\"MemorySize\":10241}", "ValidationException",
		  "memorySize" },
		{ "{" BASE ",\"Handler\":\"a b\"}", "ValidationException",
		  "handler" },
		{ "{" BASE ",\"Environment\":{\"Variables\":{\"1A\":\"x\"}}}",
		  "ValidationException", "environment" },
		{ "{" BASE ",\"Environment\":{\"Variables\":{\"AB\":1}}}",
		  "ValidationException", "environment" },
		{ "{" BASE ",\"Environment\":{\"Variables\":{\"AWS_REGION\":"
		  "\"x\"}}}", "InvalidParameterValueException", "AWS_REGION" },
		{ "{" BASE ",\"Environment\":{\"Variables\":{\"_HANDLER\":\"x\"}}}",
		  "InvalidParameterValueException", "_HANDLER" },
		{ "{" BASE ",\"Architectures\":[\"sparc\"]}", "ValidationException",
		  "architectures" },
		{ "{" BASE ",\"Architectures\":[\"x86_64\",\"arm64\"]}",
		  "ValidationException", "architectures" },
		{ "{" BASE ",\"PackageType\":\"Image\"}",
		  "InvalidParameterValueException", "Image" },
		{ "{" BASE ",\"Tags\":{\"k\":1}}", "ValidationException", "tags" },
		{ "{\"Role\":\"arn:aws:iam::123456789012:role/x\",\"Runtime\":"
		  "\"provided\",\"Code\":{\"ZipFile\":\"UEs=\"}}",
		  "ValidationException", "functionName" },
		{ "{\"FunctionName\":\"f:1\",\"Role\":\"arn:aws:iam::123456789012:"
		  "role/x\",\"Runtime\":\"provided\",\"Code\":{\"ZipFile\":"
		  "\"UEs=\"}}", "ValidationException", "functionName" },
		{ "{\"FunctionName\":\"f\",\"Runtime\":\"provided\",\"Code\":"
		  "{\"ZipFile\":\"UEs=\"}}", "ValidationException", "role" },
		{ "{\"FunctionName\":\"f\",\"Role\":\"nope\",\"Runtime\":"
		  "\"provided\",\"Code\":{\"ZipFile\":\"UEs=\"}}",
		  "ValidationException", "role" },
		{ "{\"FunctionName\":\"f\",\"Role\":\"arn:aws:iam::123456789012:"
		  "role/x\",\"Code\":{\"ZipFile\":\"UEs=\"}}",
		  "InvalidParameterValueException", "Runtime" },
		{ "{\"FunctionName\":\"f\",\"Role\":\"arn:aws:iam::123456789012:"
		  "role/x\",\"Runtime\":\"nodejs20.x\",\"Code\":{\"ZipFile\":"
		  "\"UEs=\"}}", "InvalidParameterValueException", "nodejs20.x" },
		{ "{\"FunctionName\":\"f\",\"Role\":\"arn:aws:iam::123456789012:"
		  "role/x\",\"Runtime\":\"provided\"}", "ValidationException",
		  "code" },
		{ "{\"FunctionName\":\"f\",\"Role\":\"arn:aws:iam::123456789012:"
		  "role/x\",\"Runtime\":\"provided\",\"Code\":{\"S3Bucket\":\"b\","
		  "\"S3Key\":\"k\"}}", "InvalidParameterValueException", "S3" },
		{ "{\"FunctionName\":\"f\",\"Role\":\"arn:aws:iam::123456789012:"
		  "role/x\",\"Runtime\":\"provided\",\"Code\":{}}",
		  "InvalidParameterValueException", "source" },
	};

	return cr_make_param_array(struct create_case, cases,
	    sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct create_case *tc, control, create)
{
	cJSON *req = cJSON_Parse(tc->body), *rec = NULL;
	struct fnspec_err e = { 0 };
	const char *zip64 = NULL;
	int rc;

	cr_assert_not_null(req, "%s", tc->body);
	rc = fnspec_create(req, &rec, &zip64, &e);
	if (tc->type[0] == '\0') {
		cr_assert_eq(rc, 0, "%s: refused: %s %s", tc->body, e.type, e.msg);
		cr_assert_str_eq(fnspec_rec_name(rec), "f");
		cr_assert_str_eq(zip64, "UEs=");
	} else {
		cr_assert_eq(rc, -EINVAL, "%s: accepted", tc->body);
		cr_assert_str_eq(e.type, tc->type, "%s: %s (%s)", tc->body,
		    e.type, e.msg);
		cr_assert_eq(e.status, 400);
		cr_assert(strstr(e.msg, tc->msg) != NULL, "%s: message \"%s\" "
		    "lacks \"%s\"", tc->body, e.msg, tc->msg);
		cr_assert_null(rec);
	}
	cJSON_Delete(rec);
	cJSON_Delete(req);
}

static cJSON *
make_rec(const char *extra)
{
	char body[512];
	struct fnspec_err e;
	const char *zip64;
	cJSON *req, *rec;

	snprintf(body, sizeof(body), "{" BASE "%s}", extra);
	req = cJSON_Parse(body);
	cr_assert_eq(fnspec_create(req, &rec, &zip64, &e), 0, "%s", e.msg);
	cJSON_Delete(req);
	return rec;
}

static const cJSON *
cfg_item(const cJSON *rec, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(rec, "Configuration"), key);
}

Test(control, defaults_are_lambdas)
{
	cJSON *rec = make_rec("");

	cr_assert_eq(cfg_item(rec, "Timeout")->valueint, 3);
	cr_assert_eq(cfg_item(rec, "MemorySize")->valueint, 128);
	cr_assert_str_eq(cfg_item(rec, "Handler")->valuestring, "bootstrap");
	cr_assert_str_eq(cfg_item(rec, "State")->valuestring, "Active");
	cr_assert_str_eq(cfg_item(rec, "FunctionArn")->valuestring,
	    "arn:aws:lambda:us-east-1:123456789012:function:f");
	cr_assert_null(cfg_item(rec, "Environment"), "no Environment when none");
	cJSON_Delete(rec);
}

Test(control, code_sha256_is_base64_of_the_digest)
{
	cJSON *rec = make_rec("");

	/* sha256("abc"), as `printf abc | openssl dgst -sha256 -binary | base64`. */
	fnspec_set_code(rec, "abc", 3);
	cr_assert_str_eq(cfg_item(rec, "CodeSha256")->valuestring,
	    "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=");
	cr_assert_eq(fnspec_rec_code_size(rec), 3);
	cJSON_Delete(rec);
}

Test(control, touch_makes_a_new_revision)
{
	cJSON *rec = make_rec("");
	char first[64];

	fnspec_touch(rec);
	snprintf(first, sizeof(first), "%s",
	    cfg_item(rec, "RevisionId")->valuestring);
	cr_assert_eq(strlen(first), 36);
	fnspec_touch(rec);
	cr_assert_str_neq(cfg_item(rec, "RevisionId")->valuestring, first);
	cr_assert_eq(strlen(cfg_item(rec, "LastModified")->valuestring), 28);
	cJSON_Delete(rec);
}

/* ---- UpdateFunctionConfiguration -------------------------------------- */

Test(control, update_changes_only_what_it_names)
{
	cJSON *rec = make_rec(",\"Timeout\":7,\"Environment\":{\"Variables\":"
	    "{\"AB\":\"1\"}}"), *req, *out;
	struct fnspec_err e;

	req = cJSON_Parse("{\"MemorySize\":512}");
	cr_assert_eq(fnspec_update(rec, req, &out, &e), 0, "%s", e.msg);
	cr_assert_eq(cfg_item(out, "MemorySize")->valueint, 512);
	cr_assert_eq(cfg_item(out, "Timeout")->valueint, 7);
	cr_assert_not_null(cfg_item(out, "Environment"));
	cr_assert_eq(cfg_item(rec, "MemorySize")->valueint, 128,
	    "the record itself is left as it was");
	cJSON_Delete(out);
	cJSON_Delete(req);
	/* An empty Variables map takes the environment away. */
	req = cJSON_Parse("{\"Environment\":{\"Variables\":{}}}");
	cr_assert_eq(fnspec_update(rec, req, &out, &e), 0, "%s", e.msg);
	cr_assert_null(cfg_item(out, "Environment"));
	cJSON_Delete(out);
	cJSON_Delete(req);
	cJSON_Delete(rec);
}

Test(control, update_refuses_a_stale_revision)
{
	cJSON *rec = make_rec(""), *req, *out = NULL;
	struct fnspec_err e;
	char body[128];

	fnspec_touch(rec);
	req = cJSON_Parse("{\"Timeout\":5,\"RevisionId\":\"not-it\"}");
	cr_assert_eq(fnspec_update(rec, req, &out, &e), -EINVAL);
	cr_assert_str_eq(e.type, "PreconditionFailedException");
	cr_assert_eq(e.status, 412);
	cJSON_Delete(req);
	snprintf(body, sizeof(body), "{\"Timeout\":5,\"RevisionId\":\"%s\"}",
	    cfg_item(rec, "RevisionId")->valuestring);
	req = cJSON_Parse(body);
	cr_assert_eq(fnspec_update(rec, req, &out, &e), 0, "%s", e.msg);
	cJSON_Delete(out);
	cJSON_Delete(req);
	cJSON_Delete(rec);
}

Test(control, code_request_flags)
{
	cJSON *rec = make_rec(""), *req;
	struct fnspec_err e;
	const char *zip64;
	bool dry, pub;

	req = cJSON_Parse("{\"ZipFile\":\"UEs=\",\"DryRun\":true}");
	cr_assert_eq(fnspec_code_req(rec, req, &zip64, &dry, &pub, &e), 0);
	cr_assert(dry && !pub);
	cr_assert_str_eq(zip64, "UEs=");
	cJSON_Delete(req);
	req = cJSON_Parse("{\"S3Bucket\":\"b\",\"S3Key\":\"k\"}");
	cr_assert_eq(fnspec_code_req(rec, req, &zip64, &dry, &pub, &e), -EINVAL);
	cr_assert_str_eq(e.type, "InvalidParameterValueException");
	cJSON_Delete(req);
	cJSON_Delete(rec);
}

/* ---- the drop-in ------------------------------------------------------------ */

Test(control, dropin_holds_the_runtime_settings)
{
	cJSON *rec = make_rec(",\"Timeout\":12,\"MemorySize\":256,\"Handler\":"
	    "\"h.x\",\"Environment\":{\"Variables\":{\"STAGE\":\"prod\"}}");
	struct fnspec_err e;
	struct buf b;

	buf_init(&b);
	cr_assert_eq(fnspec_dropin(rec, "f", "/s/code/f/1/bootstrap", &b, &e), 0);
	buf_addc(&b, '\0');
	cr_assert(strstr(b.data, "\n[function f]\n") != NULL, "%s", b.data);
	cr_assert(strstr(b.data, "\nbootstrap = /s/code/f/1/bootstrap\n") != NULL);
	cr_assert(strstr(b.data, "\nmemory = 256\ntimeout = 12\n") != NULL);
	cr_assert(strstr(b.data, "\nenv = _HANDLER=h.x\n") != NULL);
	cr_assert(strstr(b.data, "\nenv = STAGE=prod\n") != NULL);
	buf_free(&b);
	cJSON_Delete(rec);
}

Test(control, dropin_refuses_values_a_line_cannot_hold)
{
	static const char *const bad[] = {
		"a\\nb", " lead", "trail ", "x ; comment", "x # comment", "\\u0001",
	};
	struct fnspec_err e;
	char extra[128];
	struct buf b;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cJSON *rec;

		snprintf(extra, sizeof(extra), ",\"Environment\":{\"Variables\":"
		    "{\"VV\":\"%s\"}}", bad[i]);
		rec = make_rec(extra);
		buf_init(&b);
		cr_assert_eq(fnspec_dropin(rec, "f", "/b", &b, &e), -EINVAL, "\"%s\" "
		    "accepted", bad[i]);
		cr_assert_str_eq(e.type, "InvalidParameterValueException");
		buf_free(&b);
		cJSON_Delete(rec);
	}
}

/* ---- zip paths --------------------------------------------------------------- */

struct path_case {
	char	 path[64];
	bool	 ok;
};

ParameterizedTestParameters(control, zip_path)
{
	static struct path_case cases[] = {
		{ "bootstrap", true }, { "lib/libx.so", true }, { "lib/", true },
		{ "a/b/c/d", true }, { "..x", true }, { "x..", true },
		{ ".hidden", true },
		{ "../x", false }, { "a/../../x", false }, { "a/..", false },
		{ "..", false }, { "/etc/passwd", false }, { "./x", false },
		{ "a/./b", false }, { "a//b", false }, { "a\\..\\b", false },
		{ "", false }, { "/", false }, { "a//", false },
	};

	return cr_make_param_array(struct path_case, cases,
	    sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct path_case *tc, control, zip_path)
{
	cr_assert_eq(ziptree_path_ok(tc->path), tc->ok, "\"%s\"", tc->path);
}

struct link_case {
	char	 path[32];
	char	 target[32];
	bool	 ok;
};

ParameterizedTestParameters(control, zip_link)
{
	static struct link_case cases[] = {
		{ "lib/libx.so", "libx.so.1", true },
		{ "bin/tool", "../lib/tool", true },
		{ "a/b/c", "../../x", true },
		{ "run", "bootstrap", true },
		{ "lnk", "..", false }, { "lnk", "../x", false },
		{ "a/b", "../../x", false }, { "lnk", "/etc", false },
		{ "lnk", "", false }, { "lnk", ".", false },
		{ "lnk", "a/../../x", false }, { "lnk", "a/../b", false },
		{ "lnk", "a//b", false }, { "../lnk", "x", false },
	};

	return cr_make_param_array(struct link_case, cases,
	    sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct link_case *tc, control, zip_link)
{
	cr_assert_eq(ziptree_link_ok(tc->path, tc->target), tc->ok,
	    "\"%s\" -> \"%s\"", tc->path, tc->target);
}

/* ---- unpacking real zips -------------------------------------------------------- */

struct entry {
	const char	*name;
	const char	*data;		/* NULL: a directory */
	size_t		 len;		/* 0: strlen(data) */
	unsigned	 mode;		/* with the type bits; 0: 0100644 */
};

/* A zip of entries, in memory (caller frees *out). */
static size_t
zip_make(const struct entry *ents, size_t n, void **out)
{
	zip_error_t ze;
	zip_source_t *src, *fs;
	zip_t *za;
	zip_stat_t st;
	zip_int64_t idx;
	size_t i;

	zip_error_init(&ze);
	src = zip_source_buffer_create(NULL, 0, 0, &ze);
	cr_assert_not_null(src);
	zip_source_keep(src);
	za = zip_open_from_source(src, ZIP_TRUNCATE, &ze);
	cr_assert_not_null(za);
	for (i = 0; i < n; i++) {
		if (ents[i].data == NULL) {
			idx = zip_dir_add(za, ents[i].name, ZIP_FL_ENC_UTF_8);
		} else {
			fs = zip_source_buffer(za, ents[i].data, ents[i].len != 0 ?
			    ents[i].len : strlen(ents[i].data), 0);
			idx = zip_file_add(za, ents[i].name, fs, ZIP_FL_ENC_UTF_8);
		}
		cr_assert(idx >= 0, "%s: %s", ents[i].name, zip_strerror(za));
		zip_file_set_external_attributes(za, (zip_uint64_t)idx, 0,
		    ZIP_OPSYS_UNIX, (ents[i].mode != 0 ? ents[i].mode :
		    ents[i].data == NULL ? 040755 : 0100644) << 16);
	}
	cr_assert_eq(zip_close(za), 0);
	cr_assert_eq(zip_source_stat(src, &st), 0);
	*out = malloc(st.size);
	cr_assert_eq(zip_source_open(src), 0);
	cr_assert_eq(zip_source_read(src, *out, st.size), (zip_int64_t)st.size);
	zip_source_close(src);
	zip_source_free(src);
	return st.size;
}

static int
unpack(const struct entry *ents, size_t n, size_t max, char dir[PATH_MAX],
    char *err, size_t errlen)
{
	char base[PATH_MAX];
	void *zip;
	size_t len = zip_make(ents, n, &zip);
	int rc;

	tmpdir_make("ziptree", base);
	cr_assert(strlen(base) < PATH_MAX - 8);
	memcpy(dir, base, strlen(base));
	memcpy(dir + strlen(base), "/1", 3);
	rc = ziptree_extract(zip, len, dir, max, err, errlen);
	free(zip);
	return rc;
}

Test(control, unpack_a_package)
{
	static const struct entry ents[] = {
		{ "bootstrap", "#!/bin/sh\n", 0, 0100600 },
		{ "lib/", NULL, 0, 0 },
		{ "lib/libx.so.1", "elf", 0, 0 },
		{ "lib/libx.so", "libx.so.1", 0, 0120777 },
		{ "share/doc/readme", "hi", 0, 0100444 },
	};
	char dir[PATH_MAX], path[PATH_MAX + 32], target[64], err[256];
	struct stat st;
	ssize_t n;

	cr_assert_eq(unpack(ents, 5, ZIPTREE_MAX_UNZIPPED, dir, err,
	    sizeof(err)), 0, "%s", err);
	snprintf(path, sizeof(path), "%s/bootstrap", dir);
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0755, "bootstrap is made executable: "
	    "%o", st.st_mode & 0777);
	snprintf(path, sizeof(path), "%s/lib/libx.so", dir);
	n = readlink(path, target, sizeof(target) - 1);
	cr_assert(n > 0);
	target[n] = '\0';
	cr_assert_str_eq(target, "libx.so.1");
	snprintf(path, sizeof(path), "%s/share/doc/readme", dir);
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0644, "owner-writable, others read");
	tmpdir_remove(dir);
}

/* Parameters are copied into each test's process: arrays, no pointers. */
struct bad_entry {
	char		 name[16];
	char		 data[16];
	bool		 dir;
	unsigned	 mode;
};

struct bad_zip {
	struct bad_entry ents[3];
	size_t		 n;
	int		 rc;
	char		 msg[32];
};

ParameterizedTestParameters(control, unpack_refuses)
{
	static struct bad_zip cases[] = {
		{ { { "handler", "x", 0, 0 } }, 1, -EINVAL, "no bootstrap" },
		{ { { "bootstrap", "x", 0, 0 }, { "../evil", "x", 0, 0 } }, 2,
		  -EINVAL, "../evil" },
		{ { { "bootstrap", "x", 0, 0 }, { "/tmp/evil", "x", 0, 0 } }, 2,
		  -EINVAL, "/tmp/evil" },
		{ { { "bootstrap", "x", 0, 0 }, { "a/../../evil", "x", 0, 0 } }, 2,
		  -EINVAL, "evil" },
		{ { { "bootstrap", "x", 0, 0 }, { "etc", "/etc", 0, 0120777 } }, 2,
		  -EINVAL, "symlink" },
		{ { { "bootstrap", "x", 0, 0 }, { "up", "../..", 0, 0120777 } }, 2,
		  -EINVAL, "symlink" },
		/* A link then a file through it: the file would land outside. */
		{ { { "bootstrap", "x", 0, 0 }, { "d", "..", 0, 0120777 },
		    { "d/evil", "x", 0, 0 } }, 3, -EINVAL, "" },
		{ { { "bootstrap", "x", 0, 0 }, { "fifo", "f", 0, 010644 } }, 2,
		  -EINVAL, "not a file" },
		{ { { "bootstrap/", "", 1, 0 } }, 1, -EINVAL, "bootstrap" },
	};

	return cr_make_param_array(struct bad_zip, cases,
	    sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct bad_zip *tc, control, unpack_refuses)
{
	char dir[PATH_MAX], err[256], parent[PATH_MAX], evil[PATH_MAX + 8];
	char *slash;
	struct entry ents[3];
	struct stat st;
	size_t i;
	int rc;

	for (i = 0; i < tc->n; i++)
		ents[i] = (struct entry){ tc->ents[i].name, tc->ents[i].dir ?
		    NULL : tc->ents[i].data, 0, tc->ents[i].mode };
	rc = unpack(ents, tc->n, ZIPTREE_MAX_UNZIPPED, dir, err, sizeof(err));

	cr_assert_eq(rc, tc->rc, "rc %d (%s)", rc, err);
	cr_assert(strstr(err, tc->msg) != NULL, "\"%s\" lacks \"%s\"", err,
	    tc->msg);
	cr_assert_neq(stat(dir, &st), 0, "the directory is removed");
	snprintf(parent, sizeof(parent), "%s", dir);
	slash = strrchr(parent, '/');
	*slash = '\0';
	snprintf(evil, sizeof(evil), "%s/evil", parent);
	cr_assert_neq(lstat(evil, &st), 0, "nothing was written beside it");
	cr_assert_neq(lstat("/tmp/evil", &st), 0);
	tmpdir_remove(parent);
}

Test(control, unpack_stops_a_zip_bomb)
{
	struct entry ents[2] = { { "bootstrap", "x", 0, 0 }, { "zeros", NULL,
	    4 << 20, 0 } };
	char dir[PATH_MAX], err[256];
	char *zeros = calloc(1, 4 << 20);
	struct stat st;

	ents[1].data = zeros;
	/* 4 MiB of zeros deflate to a few KB; the cap is 1 MiB. */
	cr_assert_eq(unpack(ents, 2, 1 << 20, dir, err, sizeof(err)), -EFBIG,
	    "%s", err);
	cr_assert_neq(stat(dir, &st), 0, "the directory is removed");
	free(zeros);
}

Test(control, unpack_refuses_what_is_not_a_zip)
{
	char base[PATH_MAX], dir[PATH_MAX + 8], err[256];

	tmpdir_make("ziptree", base);
	snprintf(dir, sizeof(dir), "%s/1", base);
	cr_assert_eq(ziptree_extract("hello", 5, dir, 1 << 20, err,
	    sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "not a zip") != NULL, "%s", err);
	tmpdir_remove(base);
}

/* ---- the store ------------------------------------------------------------ */

Test(control, store_put_undo_load)
{
	static const struct entry ents[] = { { "bootstrap", "#!/bin/sh\n", 0, 0 } };
	char state[PATH_MAX], path[PATH_MAX + 64];
	struct fnstore_undo u;
	struct fnspec_err e;
	struct buf warn;
	struct stat st;
	cJSON *rec = make_rec(""), *all;
	void *zip;
	size_t len = zip_make(ents, 1, &zip);

	tmpdir_make("fnstore", state);
	fnspec_set_code(rec, zip, len);
	cr_assert_eq(fnstore_put(state, rec, zip, len, 1 << 20, &u, &e), 0,
	    "%s", e.msg);
	snprintf(path, sizeof(path), "%s/code/f/1/bootstrap", state);
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_str_eq(cJSON_GetObjectItemCaseSensitive(rec,
	    "Bootstrap")->valuestring, path);
	fnstore_done(&u);
	buf_init(&warn);
	all = fnstore_load(state, &warn);
	cr_assert_eq(cJSON_GetArraySize(all), 1);
	cr_assert_str_eq(fnspec_rec_name(cJSON_GetArrayItem(all, 0)), "f");
	cJSON_Delete(all);
	/* A second version, undone: the first is back as it was. */
	cr_assert_eq(fnstore_put(state, rec, zip, len, 1 << 20, &u, &e), 0);
	snprintf(path, sizeof(path), "%s/code/f/2/bootstrap", state);
	cr_assert_eq(stat(path, &st), 0);
	fnstore_undo(&u);
	cr_assert_neq(stat(path, &st), 0, "the undone version is gone");
	snprintf(path, sizeof(path), "%s/functions.d/f.conf", state);
	cr_assert_eq(stat(path, &st), 0, "the drop-in is still there");
	/* Removed, then undone: it is back. */
	cr_assert_eq(fnstore_rm(state, rec, &u, &e), 0);
	cr_assert_neq(stat(path, &st), 0);
	fnstore_undo(&u);
	cr_assert_eq(stat(path, &st), 0);
	buf_free(&warn);
	free(zip);
	cJSON_Delete(rec);
	tmpdir_remove(state);
}

/* ---- the operator's files win ------------------------------------------- */

static void
write_text(const char *dir, const char *name, const char *text)
{
	char path[PATH_MAX + 64];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	cr_assert_not_null(f = fopen(path, "w"), "%s", path);
	fputs(text, f);
	fclose(f);
}

Test(control, conf_skips_a_deployed_dropin_the_operator_defines)
{
	char dir[PATH_MAX], path[PATH_MAX + 64], err[512];
	struct conf *c;

	tmpdir_make("ctlconf", dir);
	write_text(dir, "lambdad.conf", "[lambdad]\nfunctions = fns\n"
	    "state_dir = state\n");
	snprintf(path, sizeof(path), "%s/fns", dir);
	cr_assert_eq(mkdir(path, 0755), 0);
	write_text(path, "x.conf", "[function x]\nbootstrap = /op/x\n");
	snprintf(path, sizeof(path), "%s/state", dir);
	cr_assert_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/state/functions.d", dir);
	cr_assert_eq(mkdir(path, 0755), 0);
	write_text(path, "x.conf", "[function x]\nbootstrap = /api/x\n");
	write_text(path, "y.conf", "[function y]\nbootstrap = /api/y\n");
	snprintf(path, sizeof(path), "%s/lambdad.conf", dir);
	cr_assert_eq(conf_load(path, &c, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(c->nfns, 2);
	cr_assert_str_eq(conf_find(c, "x")->bootstrap, "/op/x");
	cr_assert_str_eq(conf_find(c, "y")->bootstrap, "/api/y");
	conf_free(c);
	tmpdir_remove(dir);
}

/* ---- versions and aliases ----------------------------------------------- */

Test(control, version_names_in_conf)
{
	cr_assert(conf_version_name_ok("orders:1"));
	cr_assert(conf_version_name_ok("orders:1234567890"));
	cr_assert_not(conf_version_name_ok("orders:0"));
	cr_assert_not(conf_version_name_ok("orders:01"));
	cr_assert_not(conf_version_name_ok("orders:live"));
	cr_assert_not(conf_version_name_ok("orders:"));
	cr_assert_not(conf_version_name_ok(":1"));
	cr_assert_not(conf_version_name_ok("or.ders:1"));
	cr_assert_not(conf_version_name_ok("orders"));
	cr_assert_not(conf_fn_name_ok("orders:1"), "not a name of its own");
}

/* rec with $LATEST touched (a RevisionId) and a Bootstrap. */
static cJSON *
versioned_rec(void)
{
	cJSON *rec = make_rec("");

	fnspec_set_code(rec, "abc", 3);
	fnspec_touch(rec);
	cJSON_AddStringToObject(rec, "Bootstrap", "/s/code/f/1/bootstrap");
	return rec;
}

static cJSON *
publish(cJSON *rec, bool want_fresh)
{
	struct fnspec_err e;
	cJSON *ver;
	bool fresh;

	cr_assert_eq(fnspec_publish(rec, NULL, &ver, &fresh, &e), 0, "%s",
	    e.msg);
	cr_assert_eq(fresh, want_fresh);
	return ver;
}

Test(control, publish_freezes_and_numbers)
{
	cJSON *rec = versioned_rec(), *v1, *v2, *cfg;

	v1 = publish(rec, true);
	cfg = cJSON_GetObjectItemCaseSensitive(v1, "Configuration");
	cr_assert_str_eq(cJSON_GetObjectItemCaseSensitive(cfg,
	    "Version")->valuestring, "1");
	cr_assert_str_eq(cJSON_GetObjectItemCaseSensitive(cfg,
	    "FunctionArn")->valuestring,
	    "arn:aws:lambda:us-east-1:123456789012:function:f:1");
	cr_assert_str_eq(cJSON_GetObjectItemCaseSensitive(v1,
	    "Bootstrap")->valuestring, "/s/code/f/1/bootstrap");
	/* Nothing changed: the same version back, no new number. */
	cr_assert_eq(publish(rec, false), v1);
	fnspec_touch(rec);	/* a change to $LATEST */
	v2 = publish(rec, true);
	cr_assert_str_eq(cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(v2, "Configuration"),
	    "Version")->valuestring, "2");
	cr_assert_not_null(fnspec_version(rec, "1"));
	cr_assert_not_null(fnspec_version(rec, "2"));
	cr_assert_null(fnspec_version(rec, "3"));
	cJSON_Delete(rec);
}

Test(control, publish_checks_code_sha256)
{
	cJSON *rec = versioned_rec(), *ver, *req;
	struct fnspec_err e;
	bool fresh;

	req = cJSON_Parse("{\"CodeSha256\":\"bm9wZQ==\"}");
	cr_assert_eq(fnspec_publish(rec, req, &ver, &fresh, &e), -EINVAL);
	cr_assert_str_eq(e.type, "InvalidParameterValueException");
	cJSON_Delete(req);
	cJSON_Delete(rec);
}

static int
alias(cJSON *rec, const char *name, const char *body, struct fnspec_err *e)
{
	cJSON *req = cJSON_Parse(body), *a;
	int rc;

	cr_assert_not_null(req, "%s", body);
	rc = fnspec_alias_put(rec, name, req, &a, e);
	cJSON_Delete(req);
	return rc;
}

Test(control, aliases_and_their_weights)
{
	cJSON *rec = versioned_rec();
	struct fnspec_err e;
	char v[16];
	int n2 = 0, i;

	publish(rec, true);
	fnspec_touch(rec);
	publish(rec, true);
	cr_assert_eq(alias(rec, NULL, "{\"Name\":\"live\",\"FunctionVersion\":"
	    "\"1\"}", &e), 0, "%s", e.msg);
	cr_assert_eq(alias(rec, NULL, "{\"Name\":\"live\",\"FunctionVersion\":"
	    "\"1\"}", &e), -EINVAL);
	cr_assert_str_eq(e.type, "ResourceConflictException");
	cr_assert_eq(alias(rec, NULL, "{\"Name\":\"123\",\"FunctionVersion\":"
	    "\"1\"}", &e), -EINVAL, "an alias may not be all digits");
	cr_assert_str_eq(e.type, "ValidationException");
	cr_assert_eq(alias(rec, NULL, "{\"Name\":\"x\",\"FunctionVersion\":"
	    "\"9\"}", &e), -EINVAL);
	cr_assert_str_eq(e.type, "ResourceNotFoundException");
	cr_assert_eq(alias(rec, "live", "{\"RoutingConfig\":{"
	    "\"AdditionalVersionWeights\":{\"2\":1.5}}}", &e), -EINVAL);
	cr_assert_eq(alias(rec, "live", "{\"RoutingConfig\":{"
	    "\"AdditionalVersionWeights\":{\"1\":0.5}}}", &e), -EINVAL,
	    "the alias's own version as the additional one");
	cr_assert_eq(alias(rec, "live", "{\"RoutingConfig\":{"
	    "\"AdditionalVersionWeights\":{\"2\":0.25}}}", &e), 0, "%s", e.msg);
	cr_assert_eq(alias(rec, "nope", "{\"FunctionVersion\":\"1\"}", &e),
	    -EINVAL);
	cr_assert_str_eq(e.type, "ResourceNotFoundException");
	/* The weight's odds: r below 0.25 goes to 2, the rest to 1. */
	for (i = 0; i < 100; i++) {
		cr_assert_eq(fnspec_route(rec, "live", i / 100.0, v, sizeof(v)),
		    0);
		n2 += strcmp(v, "2") == 0;
	}
	cr_assert_eq(n2, 25);
	cr_assert_eq(fnspec_route(rec, "1", 0.9, v, sizeof(v)), 0);
	cr_assert_str_eq(v, "1");
	cr_assert_eq(fnspec_route(rec, "$LATEST", 0.9, v, sizeof(v)), 0);
	cr_assert_str_eq(v, "$LATEST");
	cr_assert_eq(fnspec_route(rec, "gone", 0.1, v, sizeof(v)), -ENOENT);
	cr_assert_eq(fnspec_route(rec, "7", 0.1, v, sizeof(v)), -ENOENT);
	/* A version an alias uses cannot go; once the alias is gone, it can. */
	cr_assert_eq(fnspec_version_rm(rec, "2", &e), -EINVAL);
	cr_assert_str_eq(e.type, "ResourceConflictException");
	cr_assert_eq(fnspec_alias_rm(rec, "live", &e), 0);
	cr_assert_eq(fnspec_alias_rm(rec, "live", &e), -EINVAL);
	cr_assert_eq(fnspec_version_rm(rec, "2", &e), 0);
	cr_assert_null(fnspec_version(rec, "2"));
	cJSON_Delete(rec);
}

Test(control, conf_reads_versions_beside_their_function)
{
	char dir[PATH_MAX], path[PATH_MAX + 64], err[512];
	struct conf *c;

	tmpdir_make("ctlconf", dir);
	write_text(dir, "lambdad.conf", "[lambdad]\nstate_dir = state\n");
	snprintf(path, sizeof(path), "%s/state", dir);
	cr_assert_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/state/functions.d", dir);
	cr_assert_eq(mkdir(path, 0755), 0);
	write_text(path, "f.conf", "[function f]\nbootstrap = /api/f/2\n");
	write_text(path, "f:1.conf", "[function f:1]\nbootstrap = /api/f/1\n");
	snprintf(path, sizeof(path), "%s/lambdad.conf", dir);
	cr_assert_eq(conf_load(path, &c, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(c->nfns, 2);
	cr_assert_str_eq(conf_find(c, "f:1")->bootstrap, "/api/f/1");
	conf_free(c);
	/* In the main file, NAME:N is not a name. */
	write_text(dir, "lambdad.conf", "[lambdad]\nstate_dir = state\n"
	    "[function g:1]\nbootstrap = /x\n");
	cr_assert_neq(conf_load(path, &c, err, sizeof(err)), 0);
	tmpdir_remove(dir);
}

Test(control, reserved_concurrency_is_the_ceiling)
{
	cJSON *rec = make_rec(""), *req;
	struct fnspec_err e;
	struct buf b;

	req = cJSON_Parse("{\"ReservedConcurrentExecutions\":3}");
	cr_assert_eq(fnspec_concurrency(rec, req, &e), 0, "%s", e.msg);
	buf_init(&b);
	cr_assert_eq(fnspec_dropin(rec, "f", "/b", &b, &e), 0);
	buf_addc(&b, '\0');
	cr_assert(strstr(b.data, "\nmax_workers = 3\nqueue_depth = 0\n") != NULL,
	    "%s", b.data);
	buf_free(&b);
	cJSON_Delete(req);
	req = cJSON_Parse("{\"ReservedConcurrentExecutions\":0}");
	cr_assert_eq(fnspec_concurrency(rec, req, &e), -EINVAL);
	cJSON_Delete(req);
	req = cJSON_Parse("{\"ReservedConcurrentExecutions\":-1}");
	cr_assert_eq(fnspec_concurrency(rec, req, &e), -EINVAL);
	cr_assert_str_eq(e.type, "ValidationException");
	cJSON_Delete(req);
	cr_assert_eq(fnspec_concurrency(rec, NULL, &e), 0);
	buf_init(&b);
	cr_assert_eq(fnspec_dropin(rec, "f", "/b", &b, &e), 0);
	buf_addc(&b, '\0');
	cr_assert(strstr(b.data, "max_workers") == NULL, "deleted: %s", b.data);
	buf_free(&b);
	cJSON_Delete(rec);
}
