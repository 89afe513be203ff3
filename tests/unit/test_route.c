/*
 * Unit tests for gateway/route.c: spec syntax, the priority rules of
 * spec/lambda-protocols.md §4 (static > {var} > {proxy+} > $default,
 * specific method > ANY, with backtracking), greedy binding, trailing
 * slashes, duplicates, and lookups that stay fast with 10,000 routes.
 * Most cases are tables; each row names itself in the failure message.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>

#include "route.h"

/* ---- spec syntax --------------------------------------------------------- */

Test(route_parse, accepts_valid_specs)
{
	static const char *const ok[] = {
		"GET /", "GET /pets", "ANY /pets/{id}", "POST /a/{b}/c/{d+}",
		"$default", "  GET   /x  ", "GET\t/tab", "GET /a/",
		"DELETE /{proxy+}", "PATCH /a.b/c-d_e~f%20", "M-SEARCH /x",
		"GET /v1/{user.id}/{file-name}", "OPTIONS /*",
		"GET /{a}/{b}/{c}/{d}/{e}/{f}/{g}/{h}/{i}/{j}/{k}/{l}/{m}/{n}"
		    "/{o}/{p}",
	};
	const char *why;
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		why = NULL;
		cr_expect_eq(route_parse(ok[i], &why), 0, "%s: %s", ok[i],
		    why ? why : "");
	}
}

Test(route_parse, rejects_bad_specs)
{
	static const struct {
		const char *spec, *why;	/* a word the reason must contain */
	} bad[] = {
		{ "", "METHOD" },
		{ "GET", "METHOD" },
		{ "GET pets", "start with '/'" },
		{ "/pets", "METHOD" },
		{ "get /pets", "METHOD" },
		{ "Get /pets", "METHOD" },
		{ "GET/pets", "METHOD" },
		{ "$Default", "METHOD" },
		{ "G(T /x", "METHOD" },
		{ "GET /a//b", "empty path segment" },
		{ "GET //", "empty path segment" },
		{ "GET /{}", "parameter" },
		{ "GET /{+}", "empty parameter name" },
		{ "GET /{a+}/b", "greedy" },
		{ "GET /{a+}/", "greedy" },
		{ "GET /a{b}", "braces" },
		{ "GET /{a}b", "unterminated" },
		{ "GET /{a", "unterminated" },
		{ "GET /a}", "braces" },
		{ "GET /{a}/{a}", "twice" },
		{ "GET /{a}/{a+}", "twice" },
		{ "GET /{a b}", "parameter name" },
		{ "GET /{a/b}", "unterminated" },
		{ "GET /a b", "bad character" },
		{ "GET /x?y=1", "bad character" },
		{ "GET /x#frag", "bad character" },
		{ "GET /{a}/{b}/{c}/{d}/{e}/{f}/{g}/{h}/{i}/{j}/{k}/{l}/{m}"
		    "/{n}/{o}/{p}/{q}", "too many" },
	};
	const char *why;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		cr_expect_eq(route_parse(bad[i].spec, &why), -EINVAL,
		    "\"%s\" should be rejected", bad[i].spec);
		cr_expect(why != NULL && strstr(why, bad[i].why) != NULL,
		    "\"%s\": reason \"%s\" lacks \"%s\"", bad[i].spec,
		    why ? why : "(null)", bad[i].why);
	}
}

Test(route_parse, null_why_is_allowed)
{
	cr_expect_eq(route_parse("nonsense", NULL), -EINVAL);
	cr_expect_eq(route_parse("GET /ok", NULL), 0);
}

Test(route_add, bad_spec_is_einval_and_table_unchanged)
{
	struct route_table *rt = route_table_new();
	struct route_match m;
	const char *why = NULL;

	cr_assert_not_null(rt);
	cr_expect_eq(route_add(rt, "GET /{a+}/b", (void *)1, &why), -EINVAL);
	cr_expect_not_null(why);
	cr_expect_eq(route_lookup(rt, "GET", "/x/b", 4, &m), -ENOENT);
	route_table_free(rt);
	route_table_free(NULL);
}

/* ---- lookups --------------------------------------------------------------- */

struct row {
	const char *method, *path;
	const char *key;	/* expected route_key, NULL for -ENOENT */
	const char *params;	/* expected "name=value;..." */
};

/* Params as "a=1;b=x/y" for comparison. */
static void
params_text(const struct route_match *m, char *dst, size_t size)
{
	size_t i, o = 0;

	dst[0] = '\0';
	for (i = 0; i < m->nparams && o < size; i++)
		o += (size_t)snprintf(dst + o, size - o, "%s%s=%.*s",
		    i ? ";" : "", m->params[i].name,
		    (int)m->params[i].value_len, m->params[i].value);
}

static struct route_table *
table_of(const char *const *specs, size_t n)
{
	struct route_table *rt = route_table_new();
	const char *why = NULL;
	size_t i;

	cr_assert_not_null(rt);
	for (i = 0; i < n; i++)
		cr_assert_eq(route_add(rt, specs[i], (void *)specs[i], &why),
		    0, "add %s: %s", specs[i], why ? why : "");
	return rt;
}

static void
check_rows(const struct route_table *rt, const struct row *rows, size_t n)
{
	struct route_match m;
	char got[512];
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		const struct row *r = &rows[i];

		rc = route_lookup(rt, r->method, r->path, strlen(r->path), &m);
		if (r->key == NULL) {
			cr_expect_eq(rc, -ENOENT, "%s %s should not match "
			    "(got %s)", r->method, r->path,
			    rc == 0 ? m.route_key : "error");
			continue;
		}
		cr_expect_eq(rc, 0, "%s %s: no match", r->method, r->path);
		if (rc != 0)
			continue;
		cr_expect_str_eq(m.route_key, r->key, "%s %s -> %s, want %s",
		    r->method, r->path, m.route_key, r->key);
		cr_expect_str_eq((const char *)m.target, r->key,
		    "%s %s: wrong target", r->method, r->path);
		params_text(&m, got, sizeof(got));
		cr_expect_str_eq(got, r->params ? r->params : "",
		    "%s %s: params \"%s\", want \"%s\"", r->method, r->path,
		    got, r->params ? r->params : "");
	}
}

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* The developer guide's example: GET /pets/dog/1 and its fall-backs. */
Test(route_lookup, doc_priority_chain)
{
	static const char *const chain[] = {
		"GET /pets/dog/1", "GET /pets/dog/{id}", "GET /pets/{proxy+}",
		"ANY /{proxy+}", "$default",
	};
	static const char *const params[] = {
		"", "id=1", "proxy=dog/1", "proxy=pets/dog/1", "",
	};
	size_t k;

	/* Table k holds chain[k..]: the best remaining route must win. */
	for (k = 0; k < NELEM(chain); k++) {
		struct route_table *rt = table_of(chain + k, NELEM(chain) - k);
		struct row r = { "GET", "/pets/dog/1", chain[k], params[k] };

		check_rows(rt, &r, 1);
		route_table_free(rt);
	}
}

/* The same chain, added in the reverse order: insertion order is moot. */
Test(route_lookup, priority_independent_of_insertion_order)
{
	static const char *const specs[] = {
		"$default", "ANY /{proxy+}", "GET /pets/{proxy+}",
		"GET /pets/dog/{id}", "GET /pets/dog/1",
	};
	static const struct row rows[] = {
		{ "GET", "/pets/dog/1", "GET /pets/dog/1", "" },
		{ "GET", "/pets/dog/2", "GET /pets/dog/{id}", "id=2" },
		{ "GET", "/pets/cat/2", "GET /pets/{proxy+}", "proxy=cat/2" },
		{ "GET", "/pets/dog", "GET /pets/{proxy+}", "proxy=dog" },
		{ "POST", "/pets/dog/1", "ANY /{proxy+}", "proxy=pets/dog/1" },
		{ "GET", "/", "$default", "" },
		{ "GET", "*", "$default", "" },
	};
	struct route_table *rt = table_of(specs, NELEM(specs));

	check_rows(rt, rows, NELEM(rows));
	route_table_free(rt);
}

Test(route_lookup, static_var_greedy_and_backtracking)
{
	static const char *const specs[] = {
		"GET /a/b/c", "GET /a/{x}/d", "GET /a/{x}/{y}/e",
		"GET /a/{rest+}", "POST /m/n", "GET /m/{v}",
		"GET /s/{v}/t", "GET /s/u/{w+}",
	};
	static const struct row rows[] = {
		{ "GET", "/a/b/c", "GET /a/b/c", "" },
		/* static "b" leads nowhere for "d": back up to {x} */
		{ "GET", "/a/b/d", "GET /a/{x}/d", "x=b" },
		{ "GET", "/a/q/r/e", "GET /a/{x}/{y}/e", "x=q;y=r" },
		/* all specific branches fail: the greedy takes the rest */
		{ "GET", "/a/b/c/d", "GET /a/{rest+}", "rest=b/c/d" },
		{ "GET", "/a/q/r/f", "GET /a/{rest+}", "rest=q/r/f" },
		{ "GET", "/a/b", "GET /a/{rest+}", "rest=b" },
		/* the static route exists only for POST: back up */
		{ "GET", "/m/n", "GET /m/{v}", "v=n" },
		{ "POST", "/m/n", "POST /m/n", "" },
		{ "POST", "/m/o", NULL, NULL },
		/* static beats var at the first segment that differs */
		{ "GET", "/s/u/t", "GET /s/u/{w+}", "w=t" },
		{ "GET", "/s/v/t", "GET /s/{v}/t", "v=v" },
		{ "GET", "/s/u/x/y", "GET /s/u/{w+}", "w=x/y" },
	};
	struct route_table *rt = table_of(specs, NELEM(specs));

	check_rows(rt, rows, NELEM(rows));
	route_table_free(rt);
}

Test(route_lookup, specific_method_beats_any)
{
	static const char *const specs[] = {
		"ANY /m", "GET /m", "ANY /s/x", "GET /s/{v}", "ANY /g/{p+}",
		"DELETE /g/{p+}", "GET /only",
	};
	static const struct row rows[] = {
		{ "GET", "/m", "GET /m", "" },
		{ "POST", "/m", "ANY /m", "" },
		{ "HEAD", "/m", "ANY /m", "" },
		/* segment priority comes before method priority */
		{ "GET", "/s/x", "ANY /s/x", "" },
		{ "GET", "/s/y", "GET /s/{v}", "v=y" },
		{ "POST", "/s/y", NULL, NULL },
		{ "DELETE", "/g/a/b", "DELETE /g/{p+}", "p=a/b" },
		{ "PUT", "/g/a", "ANY /g/{p+}", "p=a" },
		/* methods are case-sensitive, and HEAD is not GET */
		{ "get", "/only", NULL, NULL },
		{ "HEAD", "/only", NULL, NULL },
		{ "POST", "/only", NULL, NULL },
	};
	struct route_table *rt = table_of(specs, NELEM(specs));

	check_rows(rt, rows, NELEM(rows));
	route_table_free(rt);
}

/*
 * Trailing slashes are significant ("/a/" is ["a", ""]); a {var} never
 * binds an empty segment; a greedy needs at least one byte.
 */
Test(route_lookup, slashes_and_empty_segments)
{
	static const char *const specs[] = {
		"GET /", "GET /a", "GET /b/", "GET /u/{id}", "GET /f/{p+}",
		"GET /k/{x}/", "GET /w/{x}/z",
	};
	static const struct row rows[] = {
		{ "GET", "/", "GET /", "" },
		{ "GET", "/a", "GET /a", "" },
		{ "GET", "/a/", NULL, NULL },
		{ "GET", "/b/", "GET /b/", "" },
		{ "GET", "/b", NULL, NULL },
		{ "GET", "/u/7", "GET /u/{id}", "id=7" },
		{ "GET", "/u/", NULL, NULL },
		{ "GET", "/u", NULL, NULL },
		{ "GET", "/u/7/", NULL, NULL },
		{ "GET", "/f/x", "GET /f/{p+}", "p=x" },
		{ "GET", "/f/x/", "GET /f/{p+}", "p=x/" },
		{ "GET", "/f//x", "GET /f/{p+}", "p=/x" },
		{ "GET", "/f/", NULL, NULL },
		{ "GET", "/f", NULL, NULL },
		{ "GET", "/k/1/", "GET /k/{x}/", "x=1" },
		{ "GET", "/k/1", NULL, NULL },
		{ "GET", "/w//z", NULL, NULL },
		{ "GET", "//", NULL, NULL },
		{ "GET", "", NULL, NULL },
		{ "GET", "*", NULL, NULL },
		{ "GET", "a", NULL, NULL },
	};
	struct route_table *rt = table_of(specs, NELEM(specs));

	check_rows(rt, rows, NELEM(rows));
	route_table_free(rt);
}

/* API Gateway: /{proxy+} takes /a and /a/b but not /. */
Test(route_lookup, root_greedy_needs_a_segment)
{
	static const char *const specs[] = { "ANY /{proxy+}" };
	static const struct row rows[] = {
		{ "GET", "/a", "ANY /{proxy+}", "proxy=a" },
		{ "GET", "/cat/1", "ANY /{proxy+}", "proxy=cat/1" },
		{ "GET", "/a/b/", "ANY /{proxy+}", "proxy=a/b/" },
		{ "GET", "/%20", "ANY /{proxy+}", "proxy=%20" },
		{ "GET", "/", NULL, NULL },
	};
	struct route_table *rt = table_of(specs, NELEM(specs));

	check_rows(rt, rows, NELEM(rows));
	route_table_free(rt);
}

Test(route_lookup, paths_are_raw_and_case_sensitive)
{
	static const char *const specs[] = {
		"GET /pets", "GET /a%20b", "GET /q/{v}",
	};
	static const struct row rows[] = {
		{ "GET", "/pets", "GET /pets", "" },
		{ "GET", "/Pets", NULL, NULL },
		{ "GET", "/a%20b", "GET /a%20b", "" },
		{ "GET", "/a b", NULL, NULL },
		{ "GET", "/q/%2F", "GET /q/{v}", "v=%2F" },
		{ "GET", "/q/x y", "GET /q/{v}", "v=x y" },
	};
	struct route_table *rt = table_of(specs, NELEM(specs));

	check_rows(rt, rows, NELEM(rows));
	route_table_free(rt);
}

Test(route_lookup, no_match_is_enoent_then_default)
{
	static const char *const specs[] = { "GET /x" };
	struct route_table *rt = table_of(specs, NELEM(specs));
	struct route_match m;

	cr_expect_eq(route_lookup(rt, "GET", "/y", 2, &m), -ENOENT);
	cr_assert_eq(route_add(rt, "$default", (void *)"D", NULL), 0);
	cr_assert_eq(route_lookup(rt, "GET", "/y", 2, &m), 0);
	cr_expect_str_eq(m.route_key, "$default");
	cr_expect_str_eq(m.resource, "$default");
	cr_expect_str_eq((const char *)m.target, "D");
	cr_expect_eq(m.nparams, 0);
	cr_expect_eq(route_lookup(rt, "PURGE", "/x", 2, &m), 0);
	cr_expect_str_eq(m.route_key, "$default");
	route_table_free(rt);
}

/* path_len bounds the path: the bytes after it are never read. */
Test(route_lookup, honours_path_len)
{
	static const char *const specs[] = { "GET /ab", "GET /a" };
	struct route_table *rt = table_of(specs, NELEM(specs));
	struct route_match m;

	cr_assert_eq(route_lookup(rt, "GET", "/abc", 2, &m), 0);
	cr_expect_str_eq(m.route_key, "GET /a");
	cr_assert_eq(route_lookup(rt, "GET", "/ab?x=1", 3, &m), 0);
	cr_expect_str_eq(m.route_key, "GET /ab");
	route_table_free(rt);
}

Test(route_lookup, key_resource_and_param_pointers)
{
	struct route_table *rt = route_table_new();
	const char *path = "/v1/users/u7/files/a/b.txt";
	struct route_match m;
	size_t i;

	cr_assert_eq(route_add(rt, " \tGET   /v1/users/{user}/files/{f+} ",
	    (void *)"T", NULL), 0);
	cr_assert_eq(route_lookup(rt, "GET", path, strlen(path), &m), 0);
	cr_expect_str_eq(m.route_key, "GET /v1/users/{user}/files/{f+}");
	cr_expect_str_eq(m.resource, "/v1/users/{user}/files/{f+}");
	cr_assert_eq(m.nparams, 2);
	cr_expect_str_eq(m.params[0].name, "user");
	cr_expect_str_eq(m.params[1].name, "f");
	cr_expect_eq(m.params[0].value, path + 10);
	cr_expect_eq(m.params[0].value_len, 2);
	cr_expect_eq(m.params[1].value, path + 19);
	cr_expect_eq(m.params[1].value_len, 7);
	for (i = 0; i < m.nparams; i++)
		cr_expect(m.params[i].value >= path && m.params[i].value +
		    m.params[i].value_len <= path + strlen(path));
	route_table_free(rt);
}

Test(route_lookup, sixteen_params)
{
	struct route_table *rt = route_table_new();
	const char *path = "/1/2/3/4/5/6/7/8/9/10/11/12/13/14/15/16";
	struct route_match m;

	cr_assert_eq(route_add(rt, "GET /{a}/{b}/{c}/{d}/{e}/{f}/{g}/{h}/{i}"
	    "/{j}/{k}/{l}/{m}/{n}/{o}/{p+}", (void *)"T", NULL), 0);
	cr_assert_eq(route_lookup(rt, "GET", path, strlen(path), &m), 0);
	cr_assert_eq(m.nparams, ROUTE_MAX_PARAMS);
	cr_expect_str_eq(m.params[15].name, "p");
	cr_expect_eq(m.params[15].value_len, 2);
	cr_expect_eq(strncmp(m.params[15].value, "16", 2), 0);
	cr_expect_eq(strncmp(m.params[9].value, "10", 2), 0);
	route_table_free(rt);
}

/* ---- duplicates ------------------------------------------------------------ */

Test(route_add, duplicates_are_eexist)
{
	static const struct {
		const char *spec;
		int rc;
	} steps[] = {
		{ "GET /p/{id}", 0 },
		{ "GET /p/{name}", -EEXIST },	/* names do not matter */
		{ "  GET  /p/{id} ", -EEXIST },
		{ "ANY /p/{id}", 0 },
		{ "ANY /p/{x}", -EEXIST },
		{ "POST /p/{id}", 0 },
		{ "GET /p/{id+}", 0 },		/* greedy differs from var */
		{ "GET /p/{rest+}", -EEXIST },
		{ "GET /p/id", 0 },
		{ "GET /p/id/", 0 },		/* trailing slash differs */
		{ "GET /p/id", -EEXIST },
		{ "$default", 0 },
		{ "$default", -EEXIST },
		{ "  $default ", -EEXIST },
		{ "GET /", 0 },
		{ "GET /", -EEXIST },
	};
	struct route_table *rt = route_table_new();
	struct route_match m;
	const char *why;
	size_t i;

	for (i = 0; i < NELEM(steps); i++) {
		why = NULL;
		cr_expect_eq(route_add(rt, steps[i].spec, (void *)steps[i].spec,
		    &why), steps[i].rc, "step %zu: %s", i, steps[i].spec);
		if (steps[i].rc == -EEXIST)
			cr_expect(why != NULL, "step %zu: no reason", i);
	}
	/* The first one added stays. */
	cr_assert_eq(route_lookup(rt, "GET", "/p/9", 4, &m), 0);
	cr_expect_str_eq((const char *)m.target, "GET /p/{id}");
	cr_expect_str_eq(m.params[0].name, "id");
	route_table_free(rt);
}

/* ---- scale ----------------------------------------------------------------- */

static struct route_table *
table_big(size_t n)
{
	struct route_table *rt = route_table_new();
	char spec[64];
	size_t i;

	cr_assert_not_null(rt);
	for (i = 0; i < n; i++) {
		snprintf(spec, sizeof(spec), "GET /r%zu/x", i);
		cr_assert_eq(route_add(rt, spec, (void *)(i * 3 + 1), NULL), 0,
		    "%s", spec);
		snprintf(spec, sizeof(spec), "POST /r%zu/{id}", i);
		cr_assert_eq(route_add(rt, spec, (void *)(i * 3 + 2), NULL), 0);
		snprintf(spec, sizeof(spec), "GET /items/k%zu", i);
		cr_assert_eq(route_add(rt, spec, (void *)(i * 3 + 3), NULL), 0);
	}
	return rt;
}

Test(route_scale, ten_thousand_routes_all_found)
{
	struct route_table *rt = table_big(10000);
	struct route_match m;
	char path[64];
	size_t i;
	int n;

	for (i = 0; i < 10000; i++) {
		n = snprintf(path, sizeof(path), "/r%zu/x", i);
		cr_assert_eq(route_lookup(rt, "GET", path, (size_t)n, &m), 0);
		cr_assert_eq((size_t)m.target, i * 3 + 1, "%s", path);
		n = snprintf(path, sizeof(path), "/r%zu/v%zu", i, i);
		cr_assert_eq(route_lookup(rt, "POST", path, (size_t)n, &m), 0);
		cr_assert_eq((size_t)m.target, i * 3 + 2, "%s", path);
		cr_assert_eq(m.nparams, 1);
		n = snprintf(path, sizeof(path), "/items/k%zu", i);
		cr_assert_eq(route_lookup(rt, "GET", path, (size_t)n, &m), 0);
		cr_assert_eq((size_t)m.target, i * 3 + 3, "%s", path);
	}
	cr_expect_eq(route_lookup(rt, "GET", "/r10000/x", 9, &m), -ENOENT);
	cr_expect_eq(route_lookup(rt, "GET", "/items/k10000", 13, &m),
	    -ENOENT);
	route_table_free(rt);
}

static double
lookup_ns(const struct route_table *rt, size_t nroutes)
{
	static const char *const paths[] = { "/r5/x", "/items/k7",
	    "/r3/nope", "/zzz" };
	struct route_match m;
	struct timespec a, b;
	size_t i, hits = 0;
	const int rounds = 100000;

	clock_gettime(CLOCK_MONOTONIC, &a);
	for (i = 0; i < (size_t)rounds; i++) {
		const char *p = paths[i % 4];

		hits += route_lookup(rt, "GET", p, strlen(p), &m) == 0;
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	cr_assert_eq(hits, (size_t)rounds / 2, "%zu routes", nroutes);
	return ((double)(b.tv_sec - a.tv_sec) * 1e9 +
	    (double)(b.tv_nsec - a.tv_nsec)) / rounds;
}

/*
 * Lookup cost must not grow with the route count.  A list scan would be
 * about 1000 times slower with 10,000 routes than with 10; allow noise.
 */
Test(route_scale, lookup_time_independent_of_route_count)
{
	struct route_table *small = table_big(10), *big = table_big(10000);
	double ts = 1e9, tb = 1e9, t;
	int i;

	/* Best of five, so that a busy machine does not fail the test. */
	for (i = 0; i < 5; i++) {
		if ((t = lookup_ns(small, 10)) < ts)
			ts = t;
		if ((t = lookup_ns(big, 10000)) < tb)
			tb = t;
	}
	cr_expect(tb < ts * 4 + 50, "10 routes: %.1f ns, 10000: %.1f ns",
	    ts, tb);
	route_table_free(small);
	route_table_free(big);
}
