/*
 * Unit tests for gateway/sigv4, against AWS's published SigV4 test suite
 * (aws-sig-v4-test-suite: credentials AKIDEXAMPLE, date 20150830T123600Z,
 * region us-east-1, service "service"): each vector's request is built as
 * it would arrive, with the published signature, and must verify; then
 * one byte changed anywhere must not.
 */
#include <criterion/criterion.h>

#include <string.h>

#include "buf.h"
#include "http.h"
#include "sigv4.h"

#define NOW	1440938160	/* 2015-08-30T12:36:00Z */
#define SCOPE	"AKIDEXAMPLE/20150830/us-east-1/service/aws4_request"

static char key0[] = "AKIDEXAMPLE:wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
static char key1[] = "OTHERKEY:0123456789abcdef0123";
static char *keys[] = { key1, key0 };

struct vec {
	const char	*name;
	const char	*method, *path, *query;
	const char	*extra[4][2];	/* more headers, in order */
	const char	*body;
	const char	*signed_hdrs;
	const char	*sig;
};

/* The published vectors (name, request, SignedHeaders, Signature). */
static struct vec vecs[] = {
	{ "get-vanilla", "GET", "/", "", { { NULL } }, "", "host;x-amz-date",
	  "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31" },
	{ "get-unreserved", "GET", "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	  "abcdefghijklmnopqrstuvwxyz", "", { { NULL } }, "", "host;x-amz-date",
	  "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f" },
	{ "get-slashes", "GET", "//example//", "", { { NULL } }, "",
	  "host;x-amz-date",
	  "9a624bd73a37c9a373b5312afbebe7a714a789de108f0bdfe846570885f57e84" },
	{ "get-vanilla-query-order-key-case", "GET", "/",
	  "Param2=value2&Param1=value1", { { NULL } }, "", "host;x-amz-date",
	  "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500" },
	{ "get-vanilla-query-order-value", "GET", "/",
	  "Param1=value2&Param1=value1", { { NULL } }, "", "host;x-amz-date",
	  "5772eed61e12b33fae39ee5e7012498b51d56abc0abb7c60486157bd471c4694" },
	{ "get-vanilla-utf8-query", "GET", "/", "%E1%88%B4=bar", { { NULL } },
	  "", "host;x-amz-date",
	  "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04" },
	{ "get-header-key-duplicate", "GET", "/", "", { { "My-Header1",
	  "value2" }, { "My-Header1", "value2" }, { "My-Header1", "value1" } },
	  "", "host;my-header1;x-amz-date",
	  "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea" },
	{ "get-header-value-trim", "GET", "/", "", { { "My-Header1", "value1" },
	  { "My-Header2", "\"a   b   c\"" } }, "",
	  "host;my-header1;my-header2;x-amz-date",
	  "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736" },
	{ "post-x-www-form-urlencoded", "POST", "/", "", { { "Content-Type",
	  "application/x-www-form-urlencoded" } }, "Param1=value1",
	  "content-type;host;x-amz-date",
	  "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a" },
};

struct built {
	struct http_request	req;
	struct http_header	h[8];
	char			auth[512];
};

static void
hdr(struct built *b, const char *n, const char *v)
{
	b->h[b->req.nheaders++] = (struct http_header){ n, strlen(n), v,
	    strlen(v) };
}

static void
build(struct built *b, const struct vec *v, const char *sig)
{
	size_t i;

	memset(b, 0, sizeof(*b));
	b->req.method = v->method;
	b->req.path = v->path;
	b->req.path_len = strlen(v->path);
	b->req.query = v->query;
	b->req.query_len = strlen(v->query);
	b->req.body = v->body;
	b->req.body_len = strlen(v->body);
	b->req.headers = b->h;
	hdr(b, "Host", "example.amazonaws.com");
	hdr(b, "X-Amz-Date", "20150830T123600Z");
	for (i = 0; i < 4 && v->extra[i][0] != NULL; i++)
		hdr(b, v->extra[i][0], v->extra[i][1]);
	snprintf(b->auth, sizeof(b->auth), "AWS4-HMAC-SHA256 Credential=" SCOPE
	    ", SignedHeaders=%s, Signature=%s", v->signed_hdrs, sig);
	hdr(b, "Authorization", b->auth);
}

static enum sigv4_status
verify(struct built *b, time_t now, char *why)
{
	return sigv4_verify(&b->req, keys, 2, "service", now, why, 256);
}

static void
check_vector(const struct vec *v)
{
	struct built b;
	char why[256] = "", bad[65];

	build(&b, v, v->sig);
	cr_assert_eq(verify(&b, NOW, why), SIGV4_OK, "%s: %s", v->name, why);
	/* One hex digit off: refused. */
	memcpy(bad, v->sig, 65);
	bad[10] = bad[10] == '0' ? '1' : '0';
	build(&b, v, bad);
	cr_assert_eq(verify(&b, NOW, why), SIGV4_MISMATCH, "%s", v->name);
	/* The body or the query changed under a valid signature: refused. */
	build(&b, v, v->sig);
	b.req.query = "x=1";
	b.req.query_len = 3;
	cr_assert_eq(verify(&b, NOW, why), SIGV4_MISMATCH, "%s", v->name);
	build(&b, v, v->sig);
	b.req.body = "tampered";
	b.req.body_len = 8;
	cr_assert_eq(verify(&b, NOW, why), SIGV4_MISMATCH, "%s", v->name);
}

/* One loop, not parameterized: the table holds pointers, which do not
 * survive Criterion's re-exec under ASLR. */
Test(sigv4, published_vectors)
{
	size_t i;

	for (i = 0; i < sizeof(vecs) / sizeof(vecs[0]); i++)
		check_vector(&vecs[i]);
}

Test(sigv4, date_window)
{
	struct built b;
	char why[256];

	build(&b, &vecs[0], vecs[0].sig);
	cr_assert_eq(verify(&b, NOW + SIGV4_MAX_SKEW, why), SIGV4_OK);
	cr_assert_eq(verify(&b, NOW - SIGV4_MAX_SKEW, why), SIGV4_OK);
	cr_assert_eq(verify(&b, NOW + SIGV4_MAX_SKEW + 1, why), SIGV4_EXPIRED);
	cr_assert(strstr(why, "Signature expired") != NULL, "%s", why);
	cr_assert_eq(verify(&b, NOW - SIGV4_MAX_SKEW - 1, why), SIGV4_EXPIRED);
	cr_assert_str_eq(sigv4_error_type(SIGV4_EXPIRED),
	    "InvalidSignatureException");
}

Test(sigv4, keys_and_shapes)
{
	struct built b;
	char why[256];

	build(&b, &vecs[0], vecs[0].sig);
	b.req.nheaders--;	/* no Authorization */
	cr_assert_eq(verify(&b, NOW, why), SIGV4_MISSING);
	cr_assert_str_eq(sigv4_error_type(SIGV4_MISSING),
	    "MissingAuthenticationTokenException");
	/* Only the other key is known: the id is unrecognized. */
	build(&b, &vecs[0], vecs[0].sig);
	cr_assert_eq(sigv4_verify(&b.req, keys, 1, "service", NOW, why, 256),
	    SIGV4_UNKNOWN_KEY);
	cr_assert_str_eq(sigv4_error_type(SIGV4_UNKNOWN_KEY),
	    "UnrecognizedClientException");
	/* Right key, wrong service. */
	cr_assert_eq(sigv4_verify(&b.req, keys, 2, "lambda", NOW, why, 256),
	    SIGV4_MISMATCH);
	cr_assert(strstr(why, "'lambda'") != NULL, "%s", why);
	/* Not the right algorithm, or a part missing. */
	strcpy(b.auth, "AWS4-HMAC-SHA1 Credential=" SCOPE ", SignedHeaders="
	    "host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2"
	    "a2260956d9b8aae1d763fbf31");
	b.h[b.req.nheaders - 1].value_len = strlen(b.auth);
	cr_assert_eq(verify(&b, NOW, why), SIGV4_MALFORMED);
	strcpy(b.auth, "AWS4-HMAC-SHA256 Credential=" SCOPE);
	b.h[b.req.nheaders - 1].value_len = strlen(b.auth);
	cr_assert_eq(verify(&b, NOW, why), SIGV4_MALFORMED);
}

Test(sigv4, host_must_be_signed)
{
	struct vec v = vecs[0];
	struct built b;
	char why[256];

	v.signed_hdrs = "x-amz-date";
	build(&b, &v, v.sig);
	cr_assert_eq(verify(&b, NOW, why), SIGV4_MALFORMED);
}

Test(sigv4, content_sha256_must_match)
{
	struct built b;
	char why[256];

	build(&b, &vecs[8], vecs[8].sig);
	hdr(&b, "X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD");
	cr_assert_eq(verify(&b, NOW, why), SIGV4_MISMATCH);
	cr_assert(strstr(why, "X-Amz-Content-Sha256") != NULL, "%s", why);
}

Test(sigv4, canonical_uri)
{
	static const char *const c[][3] = {
		{ "/", "/", "/" },
		{ "", "/", "/" },
		{ "//example//", "/example/", "/example/" },
		{ "/a/./b/../c", "/a/c", "/a/c" },
		{ "/2015-03-31/functions/arn%3Aaws%3Alambda/invocations",
		  "/2015-03-31/functions/arn%253Aaws%253Alambda/invocations",
		  "/2015-03-31/functions/arn%3Aaws%3Alambda/invocations" },
	};
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct buf b;

		buf_init(&b);
		sigv4_canonical_uri(c[i][0], strlen(c[i][0]), 1, &b);
		cr_assert_str_eq(b.data, c[i][1]);
		buf_reset(&b);
		sigv4_canonical_uri(c[i][0], strlen(c[i][0]), 0, &b);
		cr_assert_str_eq(b.data, c[i][2]);
		buf_free(&b);
	}
}

Test(sigv4, canonical_query)
{
	static const char *const c[][2] = {
		{ "Param2=value2&Param1=value1", "Param1=value1&Param2=value2" },
		{ "a=10&a=9", "a=10&a=9" },
		{ "q=a+b", "q=a%2Bb" },
		{ "b&a=1", "a=1&b=" },
		{ "a=1=2", "a=1%3D2" },
		{ "Qualifier=%24LATEST", "Qualifier=%24LATEST" },
	};
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct buf b;

		buf_init(&b);
		cr_assert_eq(sigv4_canonical_query(c[i][0], strlen(c[i][0]), &b), 0);
		cr_assert_str_eq(b.data, c[i][1], "%s", c[i][0]);
		buf_free(&b);
	}
}

Test(sigv4, sha256_of_empty)
{
	char h[65];

	sigv4_sha256_hex("", 0, h);
	cr_assert_str_eq(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934c"
	    "a495991b7852b855");
}

/* ---- signing as a client: the same published vectors ---- */

static void
sign_vec(const char *method, const char *ctype, const char *body,
    const char *want_sig, const char *want_names)
{
	struct http_header h[3];
	struct buf authz, want;
	size_t n = 0;

	if (ctype != NULL)
		h[n++] = (struct http_header){ "content-type", 12, ctype, strlen(ctype) };
	h[n++] = (struct http_header){ "host", 4, "example.amazonaws.com", 21 };
	h[n++] = (struct http_header){ "x-amz-date", 10, "20150830T123600Z", 16 };
	buf_init(&authz);
	buf_init(&want);
	cr_assert_eq(sigv4_sign(key0, "us-east-1", "service", method, "/", h, n,
	    body, strlen(body), "20150830T123600Z", &authz), 0);
	buf_printf(&want, "AWS4-HMAC-SHA256 Credential=" SCOPE ", SignedHeaders=%s, "
	    "Signature=%s", want_names, want_sig);
	cr_assert_str_eq(authz.data, want.data);
	buf_free(&authz);
	buf_free(&want);
}

Test(sigv4_sign, published_vectors)
{
	sign_vec("GET", NULL, "",
	    "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
	    "host;x-amz-date");
	sign_vec("POST", "application/x-www-form-urlencoded", "Param1=value1",
	    "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a",
	    "content-type;host;x-amz-date");
}

Test(sigv4_sign, malformed_key_and_date)
{
	struct http_header h = { "host", 4, "x", 1 };
	struct buf b;

	buf_init(&b);
	cr_assert_eq(sigv4_sign("nocolon", "r", "s", "GET", "/", &h, 1, "", 0,
	    "20150830T123600Z", &b), -1);
	cr_assert_eq(sigv4_sign(key0, "r", "s", "GET", "/", &h, 1, "", 0,
	    "2015", &b), -1);
	buf_free(&b);
}

Test(sigv4_sign, amz_date)
{
	char d[17];

	sigv4_amz_date(NOW, d);
	cr_assert_str_eq(d, "20150830T123600Z");
}

/* A value with ", " inside (an HTTP date) keeps its blank after the
 * comma in the canonical header: the aws CLI signs If-Modified-Since so. */
Test(sigv4, blank_after_comma_in_value)
{
	static const char date[] = "Thu, 01 Jan 2099 00:00:00 GMT";
	struct http_header sh[3] = {
		{ "host", 4, "example.amazonaws.com", 21 },
		{ "if-modified-since", 17, date, sizeof(date) - 1 },
		{ "x-amz-date", 10, "20150830T123600Z", 16 },
	};
	struct built b;
	struct buf authz;
	char why[256] = "";

	buf_init(&authz);
	cr_assert_eq(sigv4_sign(key0, "us-east-1", "service", "GET", "/", sh,
	    3, "", 0, "20150830T123600Z", &authz), 0);
	memset(&b, 0, sizeof(b));
	b.req.method = "GET";
	b.req.path = "/";
	b.req.path_len = 1;
	b.req.query = "";
	b.req.body = "";
	b.req.headers = b.h;
	hdr(&b, "Host", "example.amazonaws.com");
	hdr(&b, "If-Modified-Since", date);
	hdr(&b, "X-Amz-Date", "20150830T123600Z");
	hdr(&b, "Authorization", authz.data);
	cr_assert_eq(verify(&b, NOW, why), SIGV4_OK, "%s", why);
	buf_free(&authz);
}
