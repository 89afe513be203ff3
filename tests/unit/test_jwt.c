/*
 * Unit tests for gateway/apigw/jwt (the JWT authorizer) and conf_auth (its
 * [authorizer NAME] sections).  The keys, JWKS documents and tokens are
 * made by a real JWT library: tests/unit/jwt_mint.py (PyJWT, Debian's
 * python3-jwt) runs once before the tests into a temporary directory.
 * Every time claim is relative to the "now" it writes, and the tests pass
 * that now to the verifier: nothing depends on the clock.
 */
#include <criterion/criterion.h>
#include <criterion/hooks.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "apigw/jwt.h"
#include "conf.h"
#include "tmpdir.h"

#define FIXTURES_ENV	"LAMBDAD_TEST_JWT_FIXTURES"
#define PYTHON		"/usr/bin/python3"	/* Debian's, with python3-jwt */

static char fixdir[PATH_MAX];

/* Mint once for the whole run: RSA key generation is the slow part.  The
 * tests run in child processes, which find the directory in the env. */
ReportHook(PRE_ALL)(struct criterion_test_set *set)
{
	char cmd[PATH_MAX * 2 + 64], script[PATH_MAX];
	const char *src = __FILE__, *slash = strrchr(src, '/');

	(void)set;
	tmpdir_make("test_jwt", fixdir);
	snprintf(script, sizeof(script), "%.*s/jwt_mint.py",
	    slash != NULL ? (int)(slash - src) : 1, slash != NULL ? src : ".");
	snprintf(cmd, sizeof(cmd), PYTHON " %s %s", script, fixdir);
	if (system(cmd) != 0) {
		fprintf(stderr, "test_jwt: %s failed (needs python3-jwt and "
		    "python3-cryptography)\n", cmd);
		exit(1);
	}
	setenv(FIXTURES_ENV, fixdir, 1);
}

ReportHook(POST_ALL)(struct criterion_global_stats *stats)
{
	(void)stats;
	if (fixdir[0] != '\0')
		tmpdir_remove(fixdir);
}

/* ---- fixtures ------------------------------------------------------------- */

static const char *dir;
static cJSON *fix;		/* tokens.json */
static time_t now;
static struct jwt_keyset *jwks, *secret;
static const char *auds[] = { "api" };
static struct jwt_authorizer az, az_hs;

static char *
slurp(const char *name, size_t *len)
{
	char path[PATH_MAX + 64], *buf;
	FILE *f;
	long n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "rb");
	cr_assert_not_null(f, "cannot open %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	cr_assert_not_null(buf);
	cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static void
setup(void)
{
	char why[256];
	size_t len;
	char *s;

	dir = getenv(FIXTURES_ENV);
	cr_assert_not_null(dir, "the PRE_ALL hook did not mint the tokens");
	s = slurp("tokens.json", &len);
	fix = cJSON_Parse(s);
	free(s);
	cr_assert_not_null(fix);
	now = (time_t)cJSON_GetObjectItem(fix, "now")->valuedouble;
	s = slurp("jwks.json", &len);
	jwks = jwt_keyset_from_jwks(s, len, why, sizeof(why));
	free(s);
	cr_assert_not_null(jwks, "jwks.json: %s", why);
	s = slurp("secret", &len);
	secret = jwt_keyset_from_secret(s, len, why, sizeof(why));
	free(s);
	cr_assert_not_null(secret, "secret: %s", why);
	az = (struct jwt_authorizer){ "test", "https://issuer.example.com",
	    auds, 1, 0, jwks };
	az_hs = az;
	az_hs.keys = secret;
}

static void
teardown(void)
{
	jwt_keyset_free(jwks);
	jwt_keyset_free(secret);
	cJSON_Delete(fix);
}

static const char *
tok(const char *name)
{
	cJSON *t = cJSON_GetObjectItem(cJSON_GetObjectItem(fix, "tokens"), name);

	cr_assert(cJSON_IsString(t), "no token %s in tokens.json", name);
	return t->valuestring;
}

/* Verify token name with a and route scopes; the status, why on failure. */
static enum jwt_status
check(const struct jwt_authorizer *a, const char *name,
    const char *const *scopes, size_t nscopes)
{
	struct jwt_result r;
	const char *t = tok(name);
	enum jwt_status st;

	st = jwt_verify(a, t, strlen(t), scopes, nscopes, now, &r);
	cr_assert_eq(r.status, st);
	cr_assert_neq(r.why[0], '\0', "%s: no reason given", name);
	if (st != JWT_OK && st != JWT_ESCOPE)
		cr_assert_null(r.claims, "%s: claims kept on a refusal", name);
	jwt_result_free(&r);
	return st;
}

#define EXPECT(a, name, want) do {					\
	enum jwt_status st_ = check((a), (name), NULL, 0);		\
	cr_expect_eq(st_, (want), "%s: %s, expected %s", (name),	\
	    jwt_status_name(st_), jwt_status_name(want));		\
} while (0)

TestSuite(jwt, .init = setup, .fini = teardown, .timeout = 30);

/* ---- valid tokens ------------------------------------------------------------ */

Test(jwt, rs256_valid_gives_claims_and_scope)
{
	struct jwt_result r;
	const char *t = tok("rs256");

	cr_assert_eq(jwt_verify(&az, t, strlen(t), NULL, 0, now, &r), JWT_OK,
	    "%s", r.why);
	cr_assert_str_eq(cJSON_GetObjectItem(r.claims, "sub")->valuestring,
	    "user-1");
	cr_assert_eq(cJSON_GetArraySize(r.scopes), 2);
	cr_assert_str_eq(cJSON_GetArrayItem(r.scopes, 0)->valuestring, "read");
	cr_assert_str_eq(cJSON_GetArrayItem(r.scopes, 1)->valuestring, "write");
	jwt_result_free(&r);
}

Test(jwt, es256_valid_with_scp_array)
{
	struct jwt_result r;
	const char *t = tok("scp_array");

	cr_assert_eq(jwt_verify(&az, t, strlen(t), NULL, 0, now, &r), JWT_OK,
	    "%s", r.why);
	cr_assert_eq(cJSON_GetArraySize(r.scopes), 2);
	cr_assert_str_eq(cJSON_GetArrayItem(r.scopes, 0)->valuestring, "admin");
	jwt_result_free(&r);
	EXPECT(&az, "es256", JWT_OK);
}

Test(jwt, hs256_valid_with_secret)
{
	EXPECT(&az_hs, "hs256", JWT_OK);
}

Test(jwt, keyset_skips_encryption_keys)
{
	cr_assert_eq(jwt_keyset_count(jwks), 2);	/* rsa1, ec1; not enc1 */
	cr_assert_eq(jwt_keyset_count(secret), 1);
}

/* ---- time claims -------------------------------------------------------------- */

Test(jwt, expired_and_leeway)
{
	struct jwt_authorizer lax = az;

	EXPECT(&az, "expired", JWT_EEXP);
	EXPECT(&az, "exp_now", JWT_EEXP);	/* exp is the first instant refused */
	lax.leeway_s = 1;
	EXPECT(&lax, "exp_now", JWT_OK);
	EXPECT(&lax, "expired", JWT_EEXP);	/* exp = now - 1 */
	lax.leeway_s = 2;
	EXPECT(&lax, "expired", JWT_OK);
}

Test(jwt, not_yet_valid_and_leeway)
{
	struct jwt_authorizer lax = az;

	EXPECT(&az, "nbf_future", JWT_ENBF);	/* nbf = now + 60 */
	lax.leeway_s = 59;
	EXPECT(&lax, "nbf_future", JWT_ENBF);
	lax.leeway_s = 60;
	EXPECT(&lax, "nbf_future", JWT_OK);
}

Test(jwt, issued_in_the_future)
{
	struct jwt_authorizer lax = az;

	EXPECT(&az, "iat_future", JWT_EIAT);
	lax.leeway_s = 60;
	EXPECT(&lax, "iat_future", JWT_OK);
}

Test(jwt, exp_is_required_and_numeric)
{
	EXPECT(&az, "no_exp", JWT_EEXP);
	EXPECT(&az, "exp_string", JWT_EEXP);
	EXPECT(&az, "no_nbf_iat", JWT_OK);	/* those two are optional */
}

/* ---- issuer and audience -------------------------------------------------------- */

Test(jwt, issuer)
{
	EXPECT(&az, "wrong_iss", JWT_EISS);
	EXPECT(&az, "no_iss", JWT_EISS);
}

Test(jwt, audience_string_array_and_client_id)
{
	const char *two[] = { "other-api", "api" };
	struct jwt_authorizer multi = az;

	EXPECT(&az, "wrong_aud", JWT_EAUD);
	EXPECT(&az, "aud_array", JWT_OK);
	EXPECT(&az, "aud_array_wrong", JWT_EAUD);
	EXPECT(&az, "no_aud", JWT_EAUD);
	/* client_id counts only when aud is absent, as on API Gateway. */
	EXPECT(&az, "client_id", JWT_OK);
	EXPECT(&az, "client_id_bad_aud", JWT_EAUD);
	multi.audiences = two;
	multi.naudiences = 2;
	EXPECT(&multi, "rs256", JWT_OK);
	EXPECT(&multi, "wrong_aud", JWT_EAUD);
}

/* ---- keys and signatures ---------------------------------------------------------- */

Test(jwt, kid_selects_the_key)
{
	EXPECT(&az, "unknown_kid", JWT_EKID);
	EXPECT(&az, "enc_kid", JWT_EKID);	/* use: enc is not a signing key */
	EXPECT(&az, "no_kid", JWT_EKID);
	EXPECT(&az, "wrong_key_same_kid", JWT_ESIG);
	EXPECT(&az, "es256_wrong_key", JWT_ESIG);
}

Test(jwt, tampered_tokens)
{
	EXPECT(&az, "tampered_sig", JWT_ESIG);
	EXPECT(&az, "tampered_payload", JWT_ESIG);
	EXPECT(&az, "es256_tampered", JWT_ESIG);
	EXPECT(&az_hs, "hs256_wrong_secret", JWT_ESIG);
	/* ES256 in JOSE is r||s; the DER form other APIs use is refused. */
	EXPECT(&az, "es256_der", JWT_ESIG);
}

Test(jwt, alg_none_and_unknown_algs)
{
	EXPECT(&az, "alg_none", JWT_EALG);
	EXPECT(&az_hs, "alg_none", JWT_EALG);
	EXPECT(&az, "rs384", JWT_EALG);
}

Test(jwt, key_confusion)
{
	/* HS256 keyed with the RSA public key (PEM) that anyone can fetch. */
	EXPECT(&az, "key_confusion", JWT_EALG);
	/* And a genuine HS256 token is no better against public keys. */
	EXPECT(&az, "hs256", JWT_EALG);
	/* Nor RS256 against a secret, nor an alg that is not the kid's. */
	EXPECT(&az_hs, "rs256", JWT_EALG);
	EXPECT(&az, "alg_mismatch", JWT_EALG);
}

/* ---- decoding ---------------------------------------------------------------------- */

static enum jwt_status
verify_str(const char *t)
{
	struct jwt_result r;
	enum jwt_status st = jwt_verify(&az, t, strlen(t), NULL, 0, now, &r);

	jwt_result_free(&r);
	return st;
}

Test(jwt, malformed_tokens)
{
	static const char *const bad[] = {
		"abc", "a.b", "a.b.c.d", "..", "e30.e30.", "!!!.e30.e30",
		"eyJhbGciOiJSUzI1NiJ9",		/* header only */
		"W10.e30.AAAA",			/* header [] is no object */
		"eyJhbGciOiJSUzI1NiJ9x.e30.AAAA",	/* 4n+1 characters */
		"e30.e30.AAAA",			/* header {} has no alg */
		"eyJhbGciOjF9.e30.AAAA",	/* alg: 1 */
	};
	char buf[256];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_expect_eq(verify_str(bad[i]), JWT_EMALFORMED, "\"%s\": %s",
		    bad[i], jwt_status_name(verify_str(bad[i])));
	EXPECT(&az, "padded", JWT_EMALFORMED);	/* "=" after the signature */
	cr_expect_eq(verify_str(""), JWT_ENOTOKEN);
	/* A header of the right key, the signature not base64url. */
	snprintf(buf, sizeof(buf), "%.*s.e30.A*AA", (int)strcspn(tok("rs256"),
	    "."), tok("rs256"));
	cr_expect_eq(verify_str(buf), JWT_EMALFORMED);
}

/* The unused low bits of a last base64url character must be zero: else
 * two texts would be the same token. */
Test(jwt, noncanonical_base64url_is_refused)
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	char *t = strdup(tok("rs256")), *d1 = strchr(t, '.');
	size_t hl = (size_t)(d1 - t);
	int v;

	cr_assert_neq(hl % 4, 0, "the header needs unused bits for this test");
	v = (int)(strchr(b64, d1[-1]) - b64);
	d1[-1] = b64[v ^ 1];
	cr_expect_eq(verify_str(t), JWT_EMALFORMED);
	free(t);
}

Test(jwt, oversized_token)
{
	size_t n = JWT_TOKEN_MAX + 1;
	char *t = malloc(n + 1);
	struct jwt_result r;

	memset(t, 'A', n);
	t[n] = '\0';
	cr_expect_eq(jwt_verify(&az, t, n, NULL, 0, now, &r), JWT_EMALFORMED);
	jwt_result_free(&r);
	free(t);
}

/* ---- scopes -------------------------------------------------------------------------- */

Test(jwt, route_scopes)
{
	const char *write[] = { "write" }, *admin[] = { "admin", "delete" };
	const char *audit[] = { "audit" }, *read[] = { "read" };
	struct jwt_result r;
	const char *t = tok("rs256");

	cr_expect_eq(check(&az, "rs256", write, 1), JWT_OK);
	cr_expect_eq(check(&az, "rs256", admin, 2), JWT_ESCOPE);
	cr_expect_eq(check(&az, "scp_array", admin, 2), JWT_OK);
	cr_expect_eq(check(&az, "scp_string", audit, 1), JWT_OK);
	cr_expect_eq(check(&az, "no_scope", read, 1), JWT_ESCOPE);
	cr_expect_eq(check(&az, "no_scope", NULL, 0), JWT_OK);
	/* 403, with the claims still there for the log. */
	cr_assert_eq(jwt_authorize(&az, t, strlen(t), admin, 2, now, &r), 403);
	cr_assert_not_null(r.claims);
	jwt_result_free(&r);
}

/* ---- the identity source ----------------------------------------------------------------- */

static int
authorize(const char *prefix, const char *t, enum jwt_status *st)
{
	char buf[JWT_TOKEN_MAX + 64];
	struct jwt_result r;
	int http;

	snprintf(buf, sizeof(buf), "%s%s", prefix, t);
	http = jwt_authorize(&az, buf, strlen(buf), NULL, 0, now, &r);
	*st = r.status;
	jwt_result_free(&r);
	return http;
}

Test(jwt, bearer_prefix_is_optional)
{
	const char *t = tok("rs256");
	struct jwt_result r;
	enum jwt_status st;

	cr_expect_eq(authorize("Bearer ", t, &st), 0);
	cr_expect_eq(authorize("bearer ", t, &st), 0);
	cr_expect_eq(authorize("BEARER \t ", t, &st), 0);
	cr_expect_eq(authorize("", t, &st), 0);
	cr_expect_eq(authorize("Basic ", t, &st), 401);
	cr_expect_eq(st, JWT_EMALFORMED);
	cr_expect_eq(authorize("Bearer", "", &st), 401);
	cr_expect_eq(st, JWT_ENOTOKEN);
	cr_expect_eq(authorize("", "", &st), 401);
	cr_expect_eq(st, JWT_ENOTOKEN);
	cr_expect_eq(jwt_authorize(&az, NULL, 0, NULL, 0, now, &r), 401);
	cr_expect_eq(r.status, JWT_ENOTOKEN);
	jwt_result_free(&r);
	cr_expect_eq(authorize("Bearer ", tok("expired"), &st), 401);
	cr_expect_eq(st, JWT_EEXP);
}

Test(jwt, statuses_map_to_http)
{
	int i, j;

	cr_expect_eq(jwt_status_http(JWT_OK), 0);
	cr_expect_eq(jwt_status_http(JWT_ESCOPE), 403);
	cr_expect_eq(jwt_status_http(JWT_ENOMEM), 500);
	for (i = JWT_ENOTOKEN; i < JWT_ESCOPE; i++)
		cr_expect_eq(jwt_status_http((enum jwt_status)i), 401);
	for (i = 0; i < JWT_STATUS_COUNT; i++)
		for (j = i + 1; j < JWT_STATUS_COUNT; j++)
			cr_expect_str_neq(jwt_status_name((enum jwt_status)i),
			    jwt_status_name((enum jwt_status)j));
	cr_expect_str_eq(jwt_status_name((enum jwt_status)99), "unknown");
}

/* requestContext.authorizer.jwt: every claim a string, null ones left out,
 * and scopes only where the route names some, as on AWS. */
Test(jwt, event_context)
{
	const char *read[] = { "read" };
	struct jwt_result r;
	const char *t = tok("rich");
	cJSON *ctx, *claims, *scopes;

	cr_assert_eq(jwt_verify(&az, t, strlen(t), read, 1, now, &r), JWT_OK);
	ctx = jwt_event_context(&r);
	cr_assert_not_null(ctx);
	claims = cJSON_GetObjectItem(ctx, "claims");
	cr_expect_str_eq(cJSON_GetObjectItem(claims, "groups")->valuestring,
	    "[admin users]");
	cr_expect_str_eq(cJSON_GetObjectItem(claims, "exp")->valuestring,
	    "1700003600");
	cr_expect_str_eq(cJSON_GetObjectItem(claims, "sub")->valuestring,
	    "user-1");
	cr_expect_str_eq(cJSON_GetObjectItem(claims,
	    "email_verified")->valuestring, "true");
	cr_expect_str_eq(cJSON_GetObjectItem(claims, "ratio")->valuestring,
	    "0.5");
	cr_expect_str_eq(cJSON_GetObjectItem(claims, "address")->valuestring,
	    "{\"country\":\"FR\"}");
	cr_expect_null(cJSON_GetObjectItem(claims, "nickname"));
	scopes = cJSON_GetObjectItem(ctx, "scopes");
	cr_expect_eq(cJSON_GetArraySize(scopes), 2);
	cr_expect_str_eq(cJSON_GetArrayItem(scopes, 1)->valuestring, "write");
	cJSON_Delete(ctx);
	jwt_result_free(&r);
	/* The same token on a route without scopes: scopes is null. */
	cr_assert_eq(jwt_verify(&az, t, strlen(t), NULL, 0, now, &r), JWT_OK);
	cr_expect_not_null(r.scopes);
	ctx = jwt_event_context(&r);
	cr_expect(cJSON_IsNull(cJSON_GetObjectItem(ctx, "scopes")));
	cJSON_Delete(ctx);
	jwt_result_free(&r);
}

/* ---- keysets that must be refused -------------------------------------------------------- */

static void
bad_jwks(const char *name, const char *want)
{
	char why[256] = "";
	size_t len;
	char *s = slurp(name, &len);
	struct jwt_keyset *ks = jwt_keyset_from_jwks(s, len, why, sizeof(why));

	free(s);
	cr_expect_null(ks, "%s was taken", name);
	jwt_keyset_free(ks);
	cr_expect(strstr(why, want) != NULL, "%s: \"%s\" does not say \"%s\"",
	    name, why, want);
}

Test(jwt, bad_jwks_documents)
{
	char why[256];

	bad_jwks("jwks_weak.json", "1024 bits");
	bad_jwks("jwks_offcurve.json", "not a point of P-256");
	bad_jwks("jwks_dupkid.json", "given twice");
	bad_jwks("jwks_nokid.json", "has no kid");
	bad_jwks("jwks_nosig.json", "no signing key");
	bad_jwks("jwks_padded.json", "base64url");
	cr_expect_null(jwt_keyset_from_jwks("{", 1, why, sizeof(why)));
	cr_expect_str_eq(why, "not JSON");
	cr_expect_null(jwt_keyset_from_jwks("{\"keys\":1}", 10, why,
	    sizeof(why)));
	cr_expect_null(jwt_keyset_from_jwks("{\"keys\":[]}", 11, why,
	    sizeof(why)));
}

/* A key whose alg is one lambdad does not verify is left out, so its kid
 * is unknown rather than verified the RS256 way. */
Test(jwt, jwk_alg_other_than_ours_is_skipped)
{
	char why[256], *p;
	size_t len;
	char *doc = slurp("jwks.json", &len);
	struct jwt_keyset *ks;
	struct jwt_authorizer a = az;

	cr_assert_not_null(p = strstr(doc, "\"RS256\""));
	memcpy(p + 1, "PS256", 5);
	ks = jwt_keyset_from_jwks(doc, len, why, sizeof(why));
	free(doc);
	cr_assert_not_null(ks, "%s", why);
	cr_expect_eq(jwt_keyset_count(ks), 1);		/* ec1 */
	a.keys = ks;
	EXPECT(&a, "rs256", JWT_EKID);
	EXPECT(&a, "es256", JWT_OK);
	jwt_keyset_free(ks);
}

Test(jwt, secrets)
{
	char why[256];
	struct jwt_keyset *ks;
	const char *s31 = "0123456789abcdef0123456789abcde\n";

	cr_expect_null(jwt_keyset_from_secret(s31, strlen(s31), why,
	    sizeof(why)));
	cr_expect(strstr(why, "31 bytes") != NULL, "%s", why);
	ks = jwt_keyset_from_secret("0123456789abcdef0123456789abcdef\r\n", 34,
	    why, sizeof(why));
	cr_expect_not_null(ks);
	jwt_keyset_free(ks);
}

/* ---- [authorizer NAME] in the configuration ----------------------------------------------- */

static char cdir[PATH_MAX];

static void
put(const char *rel, const char *content)
{
	char path[PATH_MAX + 64];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", cdir, rel);
	if (strchr(rel, '/') != NULL) {
		char d[PATH_MAX + 64];

		snprintf(d, sizeof(d), "%s", path);
		*strrchr(d, '/') = '\0';
		mkdir(d, 0755);
	}
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs(content, f);
	fclose(f);
}

static void
copy_fixture(const char *name)
{
	size_t len;
	char *s = slurp(name, &len);

	put(name, s);
	free(s);
}

static void
conf_setup(void)
{
	setup();
	tmpdir_make("test_jwt_conf", cdir);
	copy_fixture("jwks.json");
	copy_fixture("secret");
	copy_fixture("jwks_weak.json");
}

static void
conf_teardown(void)
{
	tmpdir_remove(cdir);
	teardown();
}

#define HEAD	"[lambdad]\nstate_dir = state\nfunctions = fn.d\n"
#define AZ	"[authorizer users]\ntype = jwt\n" \
		"issuer = https://issuer.example.com\naudience = api\n"
#define FN	"[function hello]\nbootstrap = /bin/true\nroute = GET /hi\n"

/* Load main (and the drop-in fn.d/a.conf when dropin is not NULL): the
 * conf, or NULL with the error in err ('@' in want stands for cdir). */
static struct conf *
load(const char *main, const char *dropin, char *err, size_t errlen)
{
	char path[PATH_MAX + 64];
	struct conf *c = NULL;

	snprintf(path, sizeof(path), "%s/fn.d", cdir);
	mkdir(path, 0755);
	if (dropin != NULL)
		put("fn.d/a.conf", dropin);
	put("main.conf", main);
	snprintf(path, sizeof(path), "%s/main.conf", cdir);
	err[0] = '\0';
	if (conf_load(path, &c, err, errlen) != 0)
		return NULL;
	return c;
}

static void
load_fails(const char *main, const char *dropin, const char *want)
{
	char err[1024], exp[PATH_MAX * 3 + 512];
	struct conf *c = load(main, dropin, err, sizeof(err));
	const char *p;
	size_t n = 0;

	cr_expect_null(c, "loaded, but expected: %s", want);
	conf_free(c);
	for (p = want; *p != '\0' && n < sizeof(exp) - PATH_MAX - 1; p++)
		if (*p == '@')
			n += (size_t)snprintf(exp + n, sizeof(exp) - n, "%s", cdir);
		else
			exp[n++] = *p;
	exp[n] = '\0';
	cr_expect_str_eq(err, exp);
}

TestSuite(conf_auth, .init = conf_setup, .fini = conf_teardown,
    .timeout = 30);

Test(conf_auth, authorizer_loads_and_verifies)
{
	char err[1024];
	struct conf *c = load(HEAD AZ "audience = other\njwks = jwks.json\n"
	    "leeway = 5\n" FN "auth = users\nscopes = read\nscopes = admin x\n",
	    NULL, err, sizeof(err));
	const struct conf_authorizer *a;
	const struct function_conf *fn;
	struct jwt_result r;
	const char *t = tok("rs256");

	cr_assert_not_null(c, "%s", err);
	a = conf_find_authorizer(c, "users");
	cr_assert_not_null(a);
	cr_expect_eq(a->type, CONF_AUTHZ_JWT);
	cr_expect_eq(a->naudiences, 2);
	cr_expect_eq(a->leeway_s, 5);
	cr_expect_eq(a->ident, CONF_IDENT_HEADER);
	cr_expect_str_eq(a->ident_name, "Authorization");
	cr_expect_eq(jwt_keyset_count(a->keys), 2);
	fn = conf_find(c, "hello");
	cr_assert_eq(fn->auth, CONF_AUTH_AUTHORIZER);
	cr_assert_eq(fn->authz, a);
	cr_assert_eq(fn->nscopes, 3);
	cr_expect_str_eq(fn->scopes[2], "x");
	cr_expect_eq(jwt_authorize(a->jwt, t, strlen(t),
	    (const char *const *)fn->scopes, fn->nscopes, now, &r), 0, "%s",
	    r.why);
	jwt_result_free(&r);
	conf_free(c);
}

Test(conf_auth, secret_querystring_and_dropin_function)
{
	char err[1024];
	struct conf *c = load(HEAD AZ "secret = secret\n"
	    "identity_source = $request.querystring.token\n",
	    FN "auth = users\n", err, sizeof(err));
	const struct conf_authorizer *a;
	struct jwt_result r;
	const char *t = tok("hs256");

	cr_assert_not_null(c, "%s", err);
	a = conf_find_authorizer(c, "users");
	cr_expect_eq(a->ident, CONF_IDENT_QUERY);
	cr_expect_str_eq(a->ident_name, "token");
	cr_expect_eq(conf_find(c, "hello")->authz, a);
	cr_expect_eq(jwt_authorize(a->jwt, t, strlen(t), NULL, 0, now, &r), 0);
	jwt_result_free(&r);
	conf_free(c);
}

Test(conf_auth, errors_name_file_and_line)
{
	load_fails(HEAD FN "auth = nobody\n", NULL,
	    "@/main.conf:7: auth: no [authorizer nobody] section in "
	    "@/main.conf");
	load_fails(HEAD AZ "jwks = jwks.json\n" FN "scopes = read\n", NULL,
	    "@/main.conf:12: scopes: function hello has no jwt authorizer "
	    "(auth = NAME) to check them");
	load_fails(HEAD "[authorizer users]\ntype = jwt\njwks = jwks.json\n",
	    NULL, "@/main.conf:4: [authorizer users]: a jwt authorizer needs "
	    "issuer and at least one audience");
	load_fails(HEAD AZ, NULL, "@/main.conf:4: [authorizer users]: a jwt "
	    "authorizer needs jwks = FILE or secret = FILE");
	load_fails(HEAD AZ "jwks = jwks_weak.json\n", NULL,
	    "@/main.conf:8: jwks: \"@/jwks_weak.json\": key 0: an RSA key of "
	    "1024 bits (RS256 needs 2048 or more)");
	load_fails(HEAD AZ "jwks = missing.json\n", NULL,
	    "@/main.conf:8: jwks: cannot read \"@/missing.json\": No such "
	    "file or directory");
	load_fails(HEAD AZ "jwks = jwks.json\nsecret = secret\n", NULL,
	    "@/main.conf:9: secret: jwks and secret exclude each other: an "
	    "authorizer has one keyset");
	load_fails(HEAD AZ "type = function\n", NULL,
	    "@/main.conf:8: type is set twice in this section (first at line 5)");
	load_fails(HEAD "[authorizer users]\ntype = lambda\n", NULL,
	    "@/main.conf:5: type: expected jwt or function, not \"lambda\"");
	load_fails(HEAD "[authorizer aws_iam]\n", NULL,
	    "@/main.conf:4: \"aws_iam\" is an auth = word, not a name an "
	    "authorizer can have");
	load_fails(HEAD AZ "leeway = 3601\n", NULL,
	    "@/main.conf:8: leeway: expected seconds from 0 to 3600, not "
	    "\"3601\"");
	load_fails(HEAD AZ "identity_source = $request.path.x\n", NULL,
	    "@/main.conf:8: identity_source: expected $request.header.NAME, "
	    "$request.querystring.NAME or $context.VAR, not "
	    "\"$request.path.x\"");
	load_fails(HEAD AZ "audience = api\n", NULL,
	    "@/main.conf:8: audience: audience \"api\" is given twice");
	load_fails(HEAD AZ "jwks = jwks.json\n", AZ "jwks = jwks.json\n",
	    "@/fn.d/a.conf:1: [authorizer users] belongs in the main file; a "
	    "drop-in file holds only [function NAME] sections");
	load_fails(HEAD AZ "jwks = jwks.json\n" AZ "jwks = jwks.json\n", NULL,
	    "@/main.conf:9: duplicate authorizer \"users\" (first defined at "
	    "@/main.conf:4)");
}

Test(conf_auth, aws_iam_and_none_still_work)
{
	char err[1024];
	struct conf *c = load("[lambdad]\nstate_dir = state\n"
	    "access_key = AKID:0123456789abcdef0123\n"
	    FN "auth = aws_iam\n", NULL, err, sizeof(err));

	cr_assert_not_null(c, "%s", err);
	cr_expect_eq(conf_find(c, "hello")->auth, CONF_AUTH_AWS_IAM);
	cr_expect_null(conf_find(c, "hello")->authz);
	conf_free(c);
	load_fails(HEAD FN "auth = bad name\n", NULL,
	    "@/main.conf:7: auth: expected none, aws_iam or the name of an "
	    "[authorizer NAME] section, not \"bad name\"");
}
