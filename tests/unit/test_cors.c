/*
 * Unit tests for the CORS stage (gateway/apigw/cors.c) and its keys
 * (gateway/conf_apigw.c): a real config is loaded from a temporary
 * directory, a request is made by hand, the stage runs on it, and the
 * headers it attached are merged with a function's reply as the front
 * merges them.
 */
#include <criterion/criterion.h>

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "apigw/apigw.h"
#include "apigw/cors.h"
#include "conf.h"
#include "conf_fixture.h"
#include "http.h"

static void
setup(void)
{
	tmpdir_make("test_cors", tmpdir);
}

static void
teardown(void)
{
	tmpdir_remove(tmpdir);
}

TestSuite(cors, .init = setup, .fini = teardown);

#define FN_A "[function a]\nbootstrap = /bin/true\nroute = GET /a\n"

struct run {
	struct http_request req;
	struct http_header hdrs[8];
	struct apigw_call c;
	int verdict;
	struct http_header out[16];
	size_t nout;
};

/*
 * Run the stage for fn on METHOD with headers "Name: value" (NULL-ended),
 * then merge its headers into a function reply that has its own
 * Access-Control-Allow-Origin and X-Own (what a function with its own
 * CORS code would send).
 */
static void
run(struct run *r, const struct function_conf *fn, const char *method, ...)
{
	static const struct http_header fnreply[] = {
		{ "access-control-allow-origin", 27, "https://own.example", 19 },
		{ "X-Own", 5, "1", 1 },
	};
	const char *h;
	va_list ap;
	size_t n = 0;

	memset(r, 0, sizeof(*r));
	r->req.method = method;
	r->req.path = "/a";
	r->req.path_len = 2;
	va_start(ap, method);
	while ((h = va_arg(ap, const char *)) != NULL) {
		const char *colon = strchr(h, ':');

		r->hdrs[n].name = h;
		r->hdrs[n].name_len = (size_t)(colon - h);
		r->hdrs[n].value = colon + 2;
		r->hdrs[n].value_len = strlen(colon + 2);
		n++;
	}
	va_end(ap);
	r->req.headers = r->hdrs;
	r->req.nheaders = n;
	apigw_call_init(&r->c, NULL, &r->req, NULL, fn, 0);
	r->verdict = apigw_cors(&r->c);
	r->nout = apigw_reply_merge(r->c.reply, fnreply, 2, r->out);
}

/* The value of the reply's header name, or NULL. */
static const char *
get(struct run *r, const char *name)
{
	static char v[256];
	size_t i;

	for (i = 0; i < r->nout; i++)
		if (r->out[i].name_len == strlen(name) &&
		    strncasecmp(r->out[i].name, name, r->out[i].name_len) == 0) {
			snprintf(v, sizeof(v), "%.*s", (int)r->out[i].value_len,
			    r->out[i].value);
			return v;
		}
	return NULL;
}

static void
done(struct run *r)
{
	apigw_reply_free(r->c.reply);
}

#define CORS_FULL "[cors]\nallow_origins = https://app.example, " \
	"https://other.example\nallow_methods = get put\n" \
	"allow_headers = content-type X-Custom\nexpose_headers = x-id, date\n" \
	"max_age = 300\nallow_credentials = on\n"

Test(cors, preflight_allowed)
{
	struct conf *c = load_ok(CORS_FULL, FN_A);
	struct run r;

	run(&r, &c->fns[0], "OPTIONS", "Origin: https://app.example",
	    "Access-Control-Request-Method: PUT",
	    "Access-Control-Request-Headers: content-type", NULL);
	cr_assert_eq(r.verdict, APIGW_ANSWER);
	cr_assert_eq(r.c.status, 204);
	cr_assert_null(r.c.body);
	cr_assert_null(r.c.reason, "a preflight is no refusal");
	cr_assert_str_eq(get(&r, "Access-Control-Allow-Origin"),
	    "https://app.example");
	cr_assert_str_eq(get(&r, "Access-Control-Allow-Methods"), "GET,PUT");
	cr_assert_str_eq(get(&r, "Access-Control-Allow-Headers"),
	    "content-type,X-Custom");
	cr_assert_str_eq(get(&r, "Access-Control-Max-Age"), "300");
	cr_assert_str_eq(get(&r, "Access-Control-Allow-Credentials"), "true");
	cr_assert_str_eq(get(&r, "Vary"), "Origin");
	cr_assert_null(get(&r, "Access-Control-Expose-Headers"),
	    "expose_headers is for actual replies");
	done(&r);
	conf_free(c);
}

Test(cors, preflight_other_origin_gets_no_cors_headers)
{
	struct conf *c = load_ok(CORS_FULL, FN_A);
	struct run r;

	run(&r, &c->fns[0], "OPTIONS", "Origin: https://evil.example",
	    "Access-Control-Request-Method: PUT", NULL);
	cr_assert_eq(r.verdict, APIGW_ANSWER);
	cr_assert_eq(r.c.status, 204);
	cr_assert_null(get(&r, "Access-Control-Allow-Origin"));
	cr_assert_null(get(&r, "Access-Control-Allow-Methods"));
	cr_assert_null(get(&r, "Access-Control-Allow-Credentials"));
	cr_assert_str_eq(get(&r, "Vary"), "Origin");
	done(&r);
	conf_free(c);
}

Test(cors, actual_request_allowed_origin)
{
	struct conf *c = load_ok(CORS_FULL, FN_A);
	struct run r;

	run(&r, &c->fns[0], "GET", "Origin: https://other.example", NULL);
	cr_assert_eq(r.verdict, APIGW_PASS);
	cr_assert_str_eq(get(&r, "Access-Control-Allow-Origin"),
	    "https://other.example", "ours, the function's own dropped");
	cr_assert_str_eq(get(&r, "Access-Control-Allow-Credentials"), "true");
	cr_assert_str_eq(get(&r, "Access-Control-Expose-Headers"), "x-id,date");
	cr_assert_null(get(&r, "Access-Control-Allow-Methods"));
	cr_assert_null(get(&r, "Access-Control-Max-Age"));
	cr_assert_str_eq(get(&r, "X-Own"), "1", "other headers kept");
	cr_assert_str_eq(get(&r, "Vary"), "Origin");
	done(&r);
	conf_free(c);
}

Test(cors, actual_request_without_or_with_other_origin)
{
	struct conf *c = load_ok(CORS_FULL, FN_A);
	struct run r;

	run(&r, &c->fns[0], "GET", NULL);
	cr_assert_eq(r.verdict, APIGW_PASS);
	cr_assert_null(get(&r, "Access-Control-Allow-Origin"),
	    "CORS on: the function's own header is ignored");
	cr_assert_str_eq(get(&r, "X-Own"), "1");
	cr_assert_str_eq(get(&r, "Vary"), "Origin");
	done(&r);
	run(&r, &c->fns[0], "POST", "Origin: https://app.example.evil", NULL);
	cr_assert_null(get(&r, "Access-Control-Allow-Origin"));
	cr_assert_null(get(&r, "Access-Control-Allow-Credentials"));
	done(&r);
	/* An OPTIONS without Access-Control-Request-Method is no preflight. */
	run(&r, &c->fns[0], "OPTIONS", "Origin: https://app.example", NULL);
	cr_assert_eq(r.verdict, APIGW_PASS);
	cr_assert_str_eq(get(&r, "Access-Control-Allow-Origin"),
	    "https://app.example");
	done(&r);
	conf_free(c);
}

Test(cors, origins_compare_without_case)
{
	struct conf *c = load_ok("[cors]\nallow_origins = https://App.Example\n",
	    FN_A);
	struct run r;

	run(&r, &c->fns[0], "GET", "Origin: https://app.example", NULL);
	cr_assert_str_eq(get(&r, "Access-Control-Allow-Origin"),
	    "https://app.example", "the request's origin is echoed");
	done(&r);
	conf_free(c);
}

Test(cors, star_origin)
{
	struct conf *c = load_ok("[cors]\nallow_origins = *\n"
	    "allow_methods = *\nallow_headers = *\n", FN_A);
	struct run r;

	run(&r, &c->fns[0], "OPTIONS", "Origin: https://anyone.example",
	    "Access-Control-Request-Method: DELETE",
	    "Access-Control-Request-Headers: x-a, x-b", NULL);
	cr_assert_eq(r.c.status, 204);
	cr_assert_str_eq(get(&r, "Access-Control-Allow-Origin"), "*");
	cr_assert_str_eq(get(&r, "Access-Control-Allow-Methods"), "*");
	cr_assert_str_eq(get(&r, "Access-Control-Allow-Headers"), "*");
	cr_assert_null(get(&r, "Access-Control-Allow-Credentials"));
	cr_assert_null(get(&r, "Access-Control-Max-Age"), "max_age not set");
	cr_assert_null(get(&r, "Vary"), "the same reply for every origin");
	done(&r);
	run(&r, &c->fns[0], "GET", "Origin: null", NULL);
	cr_assert_str_eq(get(&r, "Access-Control-Allow-Origin"), "*");
	done(&r);
	conf_free(c);
}

Test(cors, scheme_wildcard)
{
	struct conf *c = load_ok("[cors]\nallow_origins = https://*\n"
	    "allow_credentials = on\n", FN_A);
	struct run r;

	run(&r, &c->fns[0], "GET", "Origin: https://a.example:8443", NULL);
	cr_assert_str_eq(get(&r, "Access-Control-Allow-Origin"),
	    "https://a.example:8443", "with credentials: the origin, not *");
	cr_assert_str_eq(get(&r, "Access-Control-Allow-Credentials"), "true");
	done(&r);
	run(&r, &c->fns[0], "GET", "Origin: http://a.example", NULL);
	cr_assert_null(get(&r, "Access-Control-Allow-Origin"));
	done(&r);
	run(&r, &c->fns[0], "GET", "Origin: https://", NULL);
	cr_assert_null(get(&r, "Access-Control-Allow-Origin"));
	done(&r);
	conf_free(c);
}

Test(cors, off_leaves_the_function_alone)
{
	struct conf *c = load_ok("", FN_A);
	struct run r;

	cr_assert_null(c->fns[0].cors);
	run(&r, &c->fns[0], "OPTIONS", "Origin: https://app.example",
	    "Access-Control-Request-Method: PUT", NULL);
	cr_assert_eq(r.verdict, APIGW_PASS, "no CORS: the function answers");
	cr_assert_null(r.c.reply, "nothing attached");
	cr_assert_str_eq(get(&r, "Access-Control-Allow-Origin"),
	    "https://own.example", "the function's own header kept");
	cr_assert_eq(r.nout, 2);
	done(&r);
	conf_free(c);
}

Test(cors, function_keys_override_and_inherit)
{
	struct conf *c = load_ok("[cors]\nallow_origins = https://app.example\n"
	    "allow_methods = GET\nmax_age = 60\n",
	    FN_A
	    "[function b]\nbootstrap = /bin/true\nroute = GET /b\n"
	    "allow_origins = https://b.example\nmax_age = 5\n"
	    "[function c]\nbootstrap = /bin/true\nroute = GET /c\ncors = off\n");
	const struct function_conf *a = conf_find(c, "a"), *b = conf_find(c, "b");
	struct run r;

	cr_assert_eq(a->cors, c->cors, "a: the [cors] section");
	cr_assert_null(conf_find(c, "c")->cors, "c: cors = off");
	run(&r, b, "OPTIONS", "Origin: https://b.example",
	    "Access-Control-Request-Method: GET", NULL);
	cr_assert_str_eq(get(&r, "Access-Control-Allow-Origin"),
	    "https://b.example");
	cr_assert_str_eq(get(&r, "Access-Control-Allow-Methods"), "GET",
	    "inherited from [cors]");
	cr_assert_str_eq(get(&r, "Access-Control-Max-Age"), "5");
	done(&r);
	run(&r, b, "GET", "Origin: https://app.example", NULL);
	cr_assert_null(get(&r, "Access-Control-Allow-Origin"),
	    "b's origins replace [cors]'s");
	done(&r);
	conf_free(c);
}

Test(cors, config_errors)
{
	cr_assert_str_eq(load_err("[cors]\nallow_origins = *\n"
	    "allow_credentials = on\n", FN_A),
	    "lambdad.conf:4: [cors]: allow_credentials is not supported if "
	    "allow_origins is * (as API Gateway: allow-credentials is not "
	    "supported if 'allow-origin' is *)");
	cr_assert_str_eq(load_err("[cors]\nallow_origins = https://a.example\n"
	    "allow_credentials = on\n",
	    FN_A "allow_origins = https://a.example *\n"),
	    "fd/f.conf:1: function a: allow_credentials is not supported if "
	    "allow_origins is * (as API Gateway: allow-credentials is not "
	    "supported if 'allow-origin' is *)");
	cr_assert_str_eq(load_err("[cors]\nallow_origins = https://a.example/\n",
	    FN_A), "lambdad.conf:5: allow_origins: \"https://a.example/\": an "
	    "origin has no path (not even a trailing /)");
	cr_assert_str_eq(load_err("[cors]\nallow_origins = https://*.example\n",
	    FN_A), "lambdad.conf:5: allow_origins: \"https://*.example\": a "
	    "wildcard is only allowed as *, http://* or https://*");
	cr_assert_str_eq(load_err("[cors]\nallow_origins = example.com\n",
	    FN_A), "lambdad.conf:5: allow_origins: \"example.com\" is not an "
	    "origin (SCHEME://HOST[:PORT], *, http://* or https://*)");
	cr_assert_str_eq(load_err("[cors]\nallow_methods = GET\n", FN_A),
	    "lambdad.conf:4: [cors]: CORS without allow_origins allows no "
	    "origin");
	cr_assert_str_eq(load_err("[cors]\nallow_origins = *\n"
	    "allow_headers = x-a, x/b\n", FN_A), "lambdad.conf:6: "
	    "allow_headers: \"x/b\" is not a header name (or *)");
	cr_assert_str_eq(load_err("[cors]\nallow_origins = *\nmax_age = 86401\n",
	    FN_A), "lambdad.conf:6: max_age: \"86401\" is not an integer from "
	    "0 to 86400");
	cr_assert_str_eq(load_err("[cors]\nallow_origins = *\n"
	    "allow_origins = *\n", FN_A), "lambdad.conf:6: allow_origins is "
	    "set twice in this section (first at line 5)");
	cr_assert_str_eq(load_err("[cors]\nallow_origins = *\n[cors]\n", FN_A),
	    "lambdad.conf:6: duplicate [cors] section (first at line 4)");
	cr_assert_str_eq(load_err("", FN_A "cors = off\nmax_age = 3\n"),
	    "fd/f.conf:1: function a: cors = off with CORS keys in the same "
	    "section");
	cr_assert_str_eq(load_err("", "[cors]\nallow_origins = *\n"),
	    "fd/f.conf:1: [cors] belongs in the main file; a function's own "
	    "CORS keys go in its [function NAME] section");
	cr_assert_str_eq(load_err("[cors]\nallow_origins = *\nbogus = 1\n",
	    FN_A), "lambdad.conf:6: unknown key \"bogus\" in [cors]");
}
