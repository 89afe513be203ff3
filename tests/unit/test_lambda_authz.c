/*
 * Unit tests for the Lambda authorizer (issue 10): the reply's decision
 * (apigw/lambda_authz.c: simple and IAM responses, wildcard resources,
 * what reaches the event), the cache and its keys (apigw/authz_cache.c),
 * and the [authorizer] type = function keys (conf_auth.c).
 */
#include <criterion/criterion.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apigw/authz_cache.h"
#include "apigw/lambda_authz.h"
#include "conf.h"
#include "tmpdir.h"

#define ARN	"arn:aws:execute-api:us-east-1:123456789012:lambdad/$default/GET/pets/7"
#define SIMPLE	CONF_AUTHZ_SIMPLE
#define IAM	CONF_AUTHZ_IAM

/* decide on reply; *out the authorizer JSON (or NULL); the verdict. */
static int
decide(int response, const char *reply, int payload, char **out)
{
	char why[160];
	int v;

	v = lambda_authz_decide(response, reply, strlen(reply), ARN, payload,
	    out, why, sizeof(why));
	if (v == 500)
		cr_expect_neq(why[0], '\0', "a bad reply says why");
	return v;
}

static void
expect_verdict(int response, const char *reply, int want)
{
	char *a = NULL;

	cr_expect_eq(decide(response, reply, 2, &a), want, "%s", reply);
	if (want == 0)
		cr_expect_not_null(a);
	else
		cr_expect_null(a);
	free(a);
}

Test(lambda_authz, simple_allow_puts_context_at_lambda)
{
	char *a = NULL;

	cr_assert_eq(decide(SIMPLE, "{\"isAuthorized\":true,\"context\":"
	    "{\"user\":\"ann\",\"n\":3,\"ok\":true}}", 2, &a), 0);
	cr_expect_str_eq(a, "{\"lambda\":{\"user\":\"ann\",\"n\":3,"
	    "\"ok\":true}}");
	free(a);
	cr_assert_eq(decide(SIMPLE, "{\"isAuthorized\":true}", 2, &a), 0);
	cr_expect_str_eq(a, "{\"lambda\":null}", "no context: lambda null");
	free(a);
}

Test(lambda_authz, simple_payload_1_flattens_context)
{
	char *a = NULL;

	cr_assert_eq(decide(SIMPLE, "{\"isAuthorized\":true,\"context\":"
	    "{\"user\":\"ann\"}}", 1, &a), 0);
	cr_expect_str_eq(a, "{\"user\":\"ann\"}");
	free(a);
}

Test(lambda_authz, simple_deny_and_bad_replies)
{
	expect_verdict(SIMPLE, "{\"isAuthorized\":false,\"context\":{}}", 403);
	expect_verdict(SIMPLE, "{\"isAuthorized\":\"true\"}", 500);
	expect_verdict(SIMPLE, "{\"isAuthorized\":1}", 500);
	expect_verdict(SIMPLE, "{}", 500);
	expect_verdict(SIMPLE, "[true]", 500);
	expect_verdict(SIMPLE, "not json", 500);
	expect_verdict(SIMPLE, "{\"isAuthorized\":true,\"context\":[1]}", 500);
	/* An IAM reply to a simple authorizer has no isAuthorized. */
	expect_verdict(SIMPLE, "{\"principalId\":\"p\",\"policyDocument\":"
	    "{\"Statement\":[]}}", 500);
}

#define POLICY(stmts)	"{\"principalId\":\"user-9\",\"policyDocument\":" \
	"{\"Version\":\"2012-10-17\",\"Statement\":" stmts "}," \
	"\"context\":{\"k\":\"v\"}}"
#define ALLOW(res)	"{\"Action\":\"execute-api:Invoke\",\"Effect\":" \
	"\"Allow\",\"Resource\":" res "}"
#define DENY(res)	"{\"Action\":\"execute-api:Invoke\",\"Effect\":" \
	"\"Deny\",\"Resource\":" res "}"

Test(lambda_authz, iam_allow_carries_principal_and_context)
{
	char *a = NULL;

	cr_assert_eq(decide(IAM, POLICY("[" ALLOW("[\"" ARN "\"]") "]"), 2,
	    &a), 0);
	cr_expect_str_eq(a, "{\"principalId\":\"user-9\",\"lambda\":"
	    "{\"k\":\"v\"}}");
	free(a);
	cr_assert_eq(decide(IAM, POLICY("[" ALLOW("\"" ARN "\"") "]"), 1,
	    &a), 0);
	cr_expect_str_eq(a, "{\"k\":\"v\",\"principalId\":\"user-9\"}");
	free(a);
}

Test(lambda_authz, iam_wildcard_resources)
{
	expect_verdict(IAM, POLICY("[" ALLOW("\"*\"") "]"), 0);
	expect_verdict(IAM, POLICY("[" ALLOW("\"arn:aws:execute-api:*:*:*/*/"
	    "GET/pets/*\"") "]"), 0);
	expect_verdict(IAM, POLICY("[" ALLOW("\"arn:aws:execute-api:*:*:*/*/"
	    "*/pets/?\"") "]"), 0);
	expect_verdict(IAM, POLICY("[" ALLOW("\"arn:aws:execute-api:*:*:*/*/"
	    "POST/pets/*\"") "]"), 403);
	expect_verdict(IAM, POLICY("[" ALLOW("\"arn:aws:execute-api:*:*:*/*/"
	    "GET/pets/??\"") "]"), 403);
	expect_verdict(IAM, POLICY("[" ALLOW("[\"arn:x\",\"" ARN "\"]") "]"),
	    0);
	/* The action too may be a wildcard, and is compared without case. */
	expect_verdict(IAM, POLICY("[{\"Action\":\"execute-api:*\",\"Effect\":"
	    "\"Allow\",\"Resource\":\"*\"}]"), 0);
	expect_verdict(IAM, POLICY("[{\"Action\":[\"Execute-API:invoke\"],"
	    "\"Effect\":\"Allow\",\"Resource\":\"*\"}]"), 0);
	expect_verdict(IAM, POLICY("[{\"Action\":\"s3:GetObject\",\"Effect\":"
	    "\"Allow\",\"Resource\":\"*\"}]"), 403);
}

Test(lambda_authz, iam_deny_wins_and_no_allow_is_deny)
{
	expect_verdict(IAM, POLICY("[" ALLOW("\"*\"") "," DENY("\"" ARN "\"")
	    "]"), 403);
	expect_verdict(IAM, POLICY("[" DENY("\"" ARN "\"") "," ALLOW("\"*\"")
	    "]"), 403);
	expect_verdict(IAM, POLICY("[" ALLOW("\"*\"") "," DENY("\"arn:aws:"
	    "execute-api:*:*:*/*/DELETE/*\"") "]"), 0);
	expect_verdict(IAM, POLICY("[]"), 403);
	/* One statement as an object, not in a list, as IAM allows. */
	expect_verdict(IAM, POLICY(ALLOW("\"*\"")), 0);
}

Test(lambda_authz, iam_bad_replies)
{
	expect_verdict(IAM, "{\"policyDocument\":{\"Statement\":[]}}", 500);
	expect_verdict(IAM, "{\"principalId\":7,\"policyDocument\":"
	    "{\"Statement\":[]}}", 500);
	expect_verdict(IAM, "{\"principalId\":\"p\"}", 500);
	expect_verdict(IAM, "{\"principalId\":\"p\",\"policyDocument\":{}}",
	    500);
	expect_verdict(IAM, POLICY("[{\"Effect\":\"Maybe\",\"Action\":\"*\","
	    "\"Resource\":\"*\"}]"), 500);
	expect_verdict(IAM, POLICY("[{\"Effect\":\"Allow\",\"Resource\":"
	    "\"*\"}]"), 500);
	expect_verdict(IAM, POLICY("[" ALLOW("[1]") "]"), 500);
	expect_verdict(IAM, "{\"isAuthorized\":true}", 500);
}

Test(lambda_authz, glob)
{
	cr_expect(lambda_authz_glob("*", ""));
	cr_expect(lambda_authz_glob("a*c", "abbbc"));
	cr_expect(lambda_authz_glob("a*c", "ac"));
	cr_expect(lambda_authz_glob("a?c", "abc"));
	cr_expect(lambda_authz_glob("*b*", "abc"));
	cr_expect(lambda_authz_glob("a**", "a"));
	cr_expect_not(lambda_authz_glob("a?c", "ac"));
	cr_expect_not(lambda_authz_glob("abc", "abcd"));
	cr_expect_not(lambda_authz_glob("a*d", "abc"));
	cr_expect_not(lambda_authz_glob("", "a"));
}

Test(lambda_authz, route_arn)
{
	struct buf b;

	buf_init(&b);
	lambda_authz_route_arn(&b, "GET", "/pets/7", 7);
	buf_addc(&b, '\0');
	cr_expect_str_eq(b.data, ARN);
	buf_free(&b);
}

/* ---- the cache -------------------------------------------------------- */

static void
key_of(struct buf *b, const char *name, const char *v0, const char *v1)
{
	const char *v[2] = { v0, v1 };
	size_t l[2] = { strlen(v0), v1 != NULL ? strlen(v1) : 0 };

	authz_cache_key(b, name, v, l, v1 != NULL ? 2 : 1);
}

Test(authz_cache, keys_tell_values_and_authorizers_apart)
{
	struct buf a, b;

	buf_init(&a);
	buf_init(&b);
	key_of(&a, "gate", "ab", "c");
	key_of(&b, "gate", "a", "bc");
	cr_expect(a.len != b.len || memcmp(a.data, b.data, a.len) != 0,
	    "(ab, c) and (a, bc) are different identities");
	key_of(&b, "other", "ab", "c");
	cr_expect(a.len != b.len || memcmp(a.data, b.data, a.len) != 0,
	    "the same values for another authorizer are another key");
	key_of(&b, "gate", "ab", "c");
	cr_expect(a.len == b.len && memcmp(a.data, b.data, a.len) == 0,
	    "the same identity is the same key");
	key_of(&b, "gate", "ab\n1:c", NULL);
	cr_expect(a.len != b.len || memcmp(a.data, b.data, a.len) != 0,
	    "a value that spells out the separator is still one value");
	buf_free(&a);
	buf_free(&b);
}

Test(authz_cache, get_put_expire)
{
	struct authz_cache *ac = authz_cache_new(8);
	const char *r;
	size_t len;

	cr_assert_not_null(ac);
	cr_expect_null(authz_cache_get(ac, "k", 1, 0, &len));
	authz_cache_put(ac, "k", 1, "{\"isAuthorized\":true}", 21, 1000);
	r = authz_cache_get(ac, "k", 1, 999, &len);
	cr_assert_not_null(r);
	cr_expect_eq(len, 21);
	cr_expect_str_eq(r, "{\"isAuthorized\":true}");
	cr_expect_null(authz_cache_get(ac, "k", 1, 1000, &len),
	    "expired at its time");
	cr_expect_eq(authz_cache_count(ac), 0, "and gone");
	authz_cache_put(ac, "k", 1, "a", 1, 10);
	authz_cache_put(ac, "k", 1, "bb", 2, 20);
	cr_expect_eq(authz_cache_count(ac), 1, "a put replaces");
	r = authz_cache_get(ac, "k", 1, 15, &len);
	cr_expect(r != NULL && len == 2 && memcmp(r, "bb", 2) == 0);
	authz_cache_clear(ac);
	cr_expect_eq(authz_cache_count(ac), 0);
	cr_expect_null(authz_cache_get(ac, "k", 1, 15, &len));
	authz_cache_free(ac);
}

Test(authz_cache, bounded_least_recently_used_go_first)
{
	struct authz_cache *ac = authz_cache_new(3);
	char big[AUTHZ_CACHE_ENTRY_MAX + 1];
	size_t len;

	authz_cache_put(ac, "a", 1, "1", 1, 100);
	authz_cache_put(ac, "b", 1, "2", 1, 100);
	authz_cache_put(ac, "c", 1, "3", 1, 100);
	cr_expect_not_null(authz_cache_get(ac, "a", 1, 0, &len),
	    "a is used: b is now the oldest");
	authz_cache_put(ac, "d", 1, "4", 1, 100);
	cr_expect_eq(authz_cache_count(ac), 3, "never more than max");
	cr_expect_null(authz_cache_get(ac, "b", 1, 0, &len), "b evicted");
	cr_expect_not_null(authz_cache_get(ac, "a", 1, 0, &len));
	cr_expect_not_null(authz_cache_get(ac, "c", 1, 0, &len));
	cr_expect_not_null(authz_cache_get(ac, "d", 1, 0, &len));
	memset(big, 'x', sizeof(big));
	authz_cache_put(ac, "e", 1, big, sizeof(big), 100);
	cr_expect_null(authz_cache_get(ac, "e", 1, 0, &len),
	    "a reply over AUTHZ_CACHE_ENTRY_MAX is not kept");
	cr_expect_eq(authz_cache_count(ac), 3);
	authz_cache_free(ac);
	authz_cache_free(NULL);
}

Test(authz_cache, bounded_in_bytes)
{
	struct authz_cache *ac = authz_cache_new(100000);
	static char reply[AUTHZ_CACHE_ENTRY_MAX];
	char key[32];
	size_t i, n = AUTHZ_CACHE_BYTES / sizeof(reply) + 10;

	memset(reply, 'r', sizeof(reply));
	for (i = 0; i < n; i++) {
		snprintf(key, sizeof(key), "k%zu", i);
		authz_cache_put(ac, key, strlen(key), reply, sizeof(reply),
		    100);
	}
	cr_expect_lt(authz_cache_count(ac), n);
	cr_expect_leq(authz_cache_count(ac) * sizeof(reply), AUTHZ_CACHE_BYTES);
	authz_cache_free(ac);
}

/* ---- [authorizer] type = function ---------------------------------------- */

static char tmpdir[PATH_MAX];

static void
setup(void)
{
	tmpdir_make("test_lambda_authz", tmpdir);
}

static void
teardown(void)
{
	tmpdir_remove(tmpdir);
}

static int
load(const char *text, struct conf **c, char *err, size_t n)
{
	char path[PATH_MAX + 32];
	FILE *f;

	snprintf(path, sizeof(path), "%s/lambdad.conf", tmpdir);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
	*c = NULL;
	return conf_load(path, c, err, n);
}

#define FNS	"[function auth]\nbootstrap = /a\n" \
		"[function app]\nbootstrap = /b\nroute = GET /x\nauth = gate\n"

Test(lambda_authz_conf, keys_and_defaults, .init = setup, .fini = teardown)
{
	struct conf *c;
	char err[512] = "";
	const struct conf_authorizer *a;

	cr_assert_eq(load(FNS "[authorizer gate]\ntype = function\n"
	    "function = auth\nidentity_source = $request.header.X-Token, "
	    "$request.querystring.k\nidentity_source = $context.routeKey\n",
	    &c, err, sizeof(err)), 0, "%s", err);
	a = conf_find_authorizer(c, "gate");
	cr_assert_not_null(a);
	cr_expect_eq(a->type, CONF_AUTHZ_FUNCTION);
	cr_expect_str_eq(a->function, "auth");
	cr_expect_str_eq(c->fns[a->fn_index].name, "auth");
	cr_expect_eq(a->response, CONF_AUTHZ_SIMPLE);
	cr_expect_eq(a->cache_ttl_s, 300, "API Gateway's default TTL");
	cr_assert_eq(a->nsrcs, 3);
	cr_expect_eq(a->srcs[0].kind, CONF_IDENT_HEADER);
	cr_expect_str_eq(a->srcs[0].name, "X-Token");
	cr_expect_eq(a->srcs[1].kind, CONF_IDENT_QUERY);
	cr_expect_str_eq(a->srcs[1].name, "k");
	cr_expect_eq(a->srcs[2].kind, CONF_IDENT_CONTEXT);
	cr_expect_str_eq(a->srcs[2].name, "routeKey");
	conf_free(c);

	cr_assert_eq(load(FNS "[authorizer gate]\ntype = function\n"
	    "function = auth\nresponse = iam\ncache_ttl = 0\n"
	    "identity_source = $context.httpMethod\n", &c, err, sizeof(err)),
	    0, "%s", err);
	a = conf_find_authorizer(c, "gate");
	cr_expect_eq(a->response, CONF_AUTHZ_IAM);
	cr_expect_eq(a->cache_ttl_s, 0);
	conf_free(c);

	cr_assert_eq(load(FNS "[authorizer gate]\ntype = function\n"
	    "function = auth\ncache_ttl = 60\n", &c, err, sizeof(err)), 0,
	    "%s", err);
	cr_expect_eq(conf_find_authorizer(c, "gate")->cache_ttl_s, 0,
	    "no identity source: nothing to cache by");
	conf_free(c);
}

static void
expect_error(const char *text, const char *want)
{
	struct conf *c;
	char err[512] = "";

	cr_expect_eq(load(text, &c, err, sizeof(err)), -1, "%s", text);
	cr_expect(strstr(err, want) != NULL, "error \"%s\" lacks \"%s\"",
	    err, want);
}

Test(lambda_authz_conf, errors, .init = setup, .fini = teardown)
{
	expect_error(FNS "[authorizer gate]\ntype = function\n"
	    "function = nobody\n", "[authorizer gate]: function: no "
	    "[function nobody] to call");
	expect_error(FNS "[authorizer gate]\ntype = function\n",
	    "a function authorizer needs function = NAME");
	expect_error(FNS "[authorizer gate]\ntype = function\n"
	    "function = auth\nidentity_source = $stageVariables.key\n",
	    "lambdad has no stage variables");
	expect_error(FNS "[authorizer gate]\ntype = function\n"
	    "function = auth\nidentity_source = $context.requestId\n",
	    "$context.requestId is not one lambdad knows");
	expect_error(FNS "[authorizer gate]\ntype = function\n"
	    "function = auth\nidentity_source = $request.body.x\n",
	    "expected $request.header.NAME, $request.querystring.NAME or "
	    "$context.VAR");
	expect_error(FNS "[authorizer gate]\ntype = function\n"
	    "function = auth\nidentity_source = $request.header.A,,\n",
	    "an empty identity source");
	expect_error(FNS "[authorizer gate]\ntype = function\n"
	    "function = auth\nresponse = policy\n",
	    "expected simple or iam, not \"policy\"");
	expect_error(FNS "[authorizer gate]\ntype = function\n"
	    "function = auth\ncache_ttl = 3601\n",
	    "expected seconds from 0 to 3600");
	expect_error(FNS "[authorizer gate]\ntype = function\n"
	    "function = auth\nissuer = x\n", "are for type = jwt");
	expect_error(FNS "[authorizer gate]\ntype = jwt\nfunction = auth\n"
	    "issuer = i\naudience = a\nsecret = s\n",
	    "are for type = function");
	expect_error(FNS "[authorizer gate]\ntype = jwt\nissuer = i\n"
	    "audience = a\nsecret = s\nidentity_source = $context.path\n",
	    "a jwt authorizer takes one identity_source");
	expect_error(FNS "[authorizer gate]\ntype = lambda\n",
	    "expected jwt or function, not \"lambda\"");
}
