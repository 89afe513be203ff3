/*
 * Unit tests for gateway/conf: each test writes a main file (and drop-in
 * files) into a fresh temporary directory, loads it, and checks either the
 * values in struct conf or the exact "file:line: reason" error.  In expected
 * strings '@' stands for the temporary directory.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "tmpdir.h"

static char tmpdir[PATH_MAX];

static void
setup(void)
{
	tmpdir_make("test_conf", tmpdir);
}

static void
teardown(void)
{
	tmpdir_remove(tmpdir);
}

/* Replace each '@' in s with the temporary directory; caller frees. */
static char *
expand(const char *s)
{
	size_t n = 1, tl = strlen(tmpdir);
	const char *p;
	char *out, *o;

	for (p = s; *p != '\0'; p++)
		n += *p == '@' ? tl : 1;
	o = out = malloc(n);
	cr_assert_not_null(out);
	for (p = s; *p != '\0'; p++) {
		if (*p == '@') {
			memcpy(o, tmpdir, tl);
			o += tl;
		} else
			*o++ = *p;
	}
	*o = '\0';
	return out;
}

/* Write rel (under the temp dir), making its parent directories. */
static void
put(const char *rel, const char *content)
{
	char path[PATH_MAX + 256], *slash;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, rel);
	for (slash = path + strlen(tmpdir) + 1; (slash = strchr(slash, '/'));
	    slash++) {
		*slash = '\0';
		mkdir(path, 0755);
		*slash = '/';
	}
	f = fopen(path, "w");
	cr_assert_not_null(f, "cannot write %s", path);
	fputs(content, f);
	fclose(f);
}

static void
mkdir_rel(const char *rel)
{
	char path[PATH_MAX + 256];

	snprintf(path, sizeof(path), "%s/%s", tmpdir, rel);
	cr_assert_eq(mkdir(path, 0755), 0, "mkdir %s", path);
}

/* Write the main file and load it; returns conf_load's result. */
static int
load(const char *main, struct conf **c, char *err, size_t errlen)
{
	char path[PATH_MAX + 256];

	put("lambdad.conf", main);
	snprintf(path, sizeof(path), "%s/lambdad.conf", tmpdir);
	*c = NULL;
	return conf_load(path, c, err, errlen);
}

static struct conf *
load_ok(const char *main)
{
	struct conf *c;
	char err[512] = "";

	cr_assert_eq(load(main, &c, err, sizeof(err)), 0, "unexpected error: %s",
	    err);
	cr_assert_not_null(c);
	return c;
}

static void
expect_error(const char *main, const char *want_tmpl)
{
	struct conf *c;
	char err[1024] = "";
	char *want = expand(want_tmpl);

	cr_expect_eq(load(main, &c, err, sizeof(err)), -1);
	cr_expect_null(c);
	cr_expect_str_eq(err, want);
	free(want);
}

/* ---- errors, table-driven ------------------------------------------------ */

/*
 * Criterion runs each parameter in a fresh process of a PIE binary, so a
 * pointer to a string literal would dangle there: the strings are inline.
 */
struct err_case {
	char	main[256];
	char	want[256];
	char	d1[16], d1_text[128];	/* optional drop-ins under fn.d/ */
	char	d2[16], d2_text[128];
};

#define FN	"[function f]\nbootstrap = /srv/f/bootstrap\n"
#define M	"@/lambdad.conf:"

/* Rows leave out the drop-in fields they do not need. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
ParameterizedTestParameters(conf, errors)
{
	static struct err_case cases[] = {
	/* sections */
	{ "[server]\n", M "1: unknown section [server]" },
	{ "listen = 1.2.3.4:80\n", M "1: \"listen\" is outside any section" },
	{ "[lambdad\n", M "1: section header without ']'" },
	{ "[lambdad] x\n", M "1: unexpected \"x\" after section header" },
	{ "[lambdad]\n[lambdad]\n",
	  M "2: duplicate [lambdad] section (first at line 1)" },
	{ "[function]\n",
	  M "1: function name \"\" must be 1 to 64 of A-Z a-z 0-9 _ -" },
	{ "[function a.b]\n",
	  M "1: function name \"a.b\" must be 1 to 64 of A-Z a-z 0-9 _ -" },
	{ "[function "
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa]\n",
	  M "1: function name \""
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	  "\" must be 1 to 64 of A-Z a-z 0-9 _ -" },
	/* [lambdad] keys */
	{ "[lambdad]\nlisten = 127.0.0.1:1\nfoo = 1\n",
	  M "3: unknown key \"foo\" in [lambdad]" },
	{ "[lambdad]\nlisten = 127.0.0.1\n", M "2: listen: expected host:port "
	  "(127.0.0.1:8080, localhost:0 or [::1]:8080), not \"127.0.0.1\"" },
	{ "[lambdad]\nlisten = 127.0.0.1:65536\n", M "2: listen: expected "
	  "host:port (127.0.0.1:8080, localhost:0 or [::1]:8080), not "
	  "\"127.0.0.1:65536\"" },
	{ "[lambdad]\nlisten = a:1\nlisten = b:2\n",
	  M "3: listen is set twice in this section (first at line 2)" },
	{ "[lambdad]\nfunctions =\n", M "2: functions: missing directory" },
	{ "[lambdad]\nfunctions = nope\n", M "2: functions: cannot read "
	  "\"@/nope\": No such file or directory" },
	/* syntax, and which error wins */
	{ "[lambdad]\nlisten 8080\n",
	  M "2: expected \"key = value\", \"[section]\" or a comment" },
	/* inih also takes ':' as the separator */
	{ "[lambdad]\nlisten 127.0.0.1:8080\n",
	  M "2: unknown key \"listen 127.0.0.1\" in [lambdad]" },
	{ "[lambdad]\nfoo = 1\nbar = 2\n", M "2: unknown key \"foo\" in [lambdad]" },
	{ "[lambdad]\nbogus\nfoo = 1\n",
	  M "2: expected \"key = value\", \"[section]\" or a comment" },
	{ "[lambdad]\n= 1\n", M "2: unknown key \"\" in [lambdad]" },
	{ "[lambdad]\ninvoke_api = yes\n",
	  M "2: invoke_api: expected on or off, not \"yes\"" },
	{ "[lambdad]\naccess_key = AKID\n", M "2: access_key: expected "
	  "ID:SECRET with a secret of at least 16 characters" },
	{ "[lambdad]\naccess_key = AKID:short\n", M "2: access_key: expected "
	  "ID:SECRET with a secret of at least 16 characters" },
	{ "[lambdad]\naccess_key = AK:0123456789abcdef\n"
	  "access_key = AK:fedcba9876543210\n",
	  M "3: access_key: key id \"AK\" is given twice" },
	{ "[lambdad]\nworker_uids = 10-5\n", M "2: worker_uids: 10-5: "
	  "expected 0 < FIRST <= LAST < 4294967294" },
	{ "[lambdad]\nworker_uids = 100\n", M "2: worker_uids: expected "
	  "FIRST-LAST (such as 61000-61999), not \"100\"" },
	{ "[lambdad]\nuser = a b\n",
	  M "2: user: \"a b\" is not a user or group name" },
	{ "[lambdad]\ngrace = 5s\n", M "2: grace: \"5s\" is not a plain "
	  "decimal integer (from 0 to 3600)" },
	{ "[lambdad]\nstate_dir =\n", M "2: state_dir: missing path" },
	{ "[lambdad]\nevent_retry_delay = 0\n", M "2: event_retry_delay: 0 "
	  "is out of range (1 to 3600)" },
	{ "[lambdad]\nevent_queue_max = 0\n", M "2: event_queue_max: 0 "
	  "is out of range (1 to 1000000)" },
	{ "[lambdad]\nbusy_poll = yes\n", M "2: busy_poll: expected on or "
	  "off, not \"yes\"" },
	{ "[lambdad]\nmax_connections = 10000001\n", M "2: max_connections: "
	  "10000001 is out of range (0 to 10000000)" },
	{ "[lambdad]\nmax_connections = -1\n", M "2: max_connections: \"-1\" "
	  "is not a plain decimal integer (from 0 to 10000000)" },
	{ "[function a]\nbootstrap = /a\nevent_retries = 3\n",
	  M "3: event_retries: 3 is out of range (0 to 2)" },
	{ "[function a]\nbootstrap = /a\nevent_max_age = 59\n",
	  M "3: event_max_age: 59 is out of range (60 to 21600)" },
	{ "[function a]\nbootstrap = /a\nevent_max_age = 21601\n",
	  M "3: event_max_age: 21601 is out of range (60 to 21600)" },
	{ "\n[function a]\nbootstrap = /a\nroute = GET /a\nauth = aws_iam\n",
	  M "2: function a: auth = aws_iam needs at least one access_key in "
	  "[lambdad]" },
	{ "[function a]\nbootstrap = /a\nnetwork = bridge\n",
	  M "3: network: expected none or host, not \"bridge\"" },
	{ "[function a]\nbootstrap = /a\nsandbox = some\n",
	  M "3: sandbox: expected full, basic or none, not \"some\"" },
	{ "[function a]\nbootstrap = /a\nauth = iam\n",
	  M "3: auth: no [authorizer iam] section in @/lambdad.conf" },
	{ "[function a]\nbootstrap = /a\nauth = i/am\n",
	  M "3: auth: expected none, aws_iam or the name of an [authorizer "
	  "NAME] section, not \"i/am\"" },
	{ "[function a]\nbootstrap = /a\npids = 0\n",
	  M "3: pids: 0 is out of range (1 to 100000)" },
	{ "[function a]\nbootstrap = /a\nmax_concurrency = 0\n",
	  M "3: max_concurrency: 0 is out of range (1 to 64)" },
	{ "[function a]\nbootstrap = /a\nmax_concurrency = 65\n",
	  M "3: max_concurrency: 65 is out of range (1 to 64)" },
	{ "[lambdad]\ninvoke_api = ON\n",
	  M "2: invoke_api: expected on or off, not \"ON\"" },
	{ "[lambdad]\ninvoke_api = on\ninvoke_api = off\n",
	  M "3: invoke_api is set twice in this section (first at line 2)" },
	/* bootstrap, and checks at the end of a section */
	{ "[function f]\nmemory = 256\n", M "1: [function f]: bootstrap is required" },
	{ "\n[function f]\nmemory = 256\n[function g]\nbootstrap = b\n",
	  M "2: [function f]: bootstrap is required" },
	{ "[function f]\nbootstrap = a\nbootstrap = b\n",
	  M "3: bootstrap is set twice in this section (first at line 2)" },
	{ "[function f]\nbootstrap =\n", M "2: bootstrap: missing path" },
	{ "[function f]\nbootstrap = bin/\n",
	  M "2: bootstrap: \"bin/\" names a directory, not an executable" },
	{ FN "min_idle = 5\nmax_workers = 2\n\n",
	  M "1: [function f]: min_idle (5) exceeds max_workers (2)" },
	{ FN "handler = x\n", M "3: unknown key \"handler\" in [function]" },
	/* numbers */
	{ FN "timeout = 3s\n", M "3: timeout: \"3s\" is not a plain decimal "
	  "integer (from 1 to 900)" },
	{ FN "timeout = -1\n", M "3: timeout: \"-1\" is not a plain decimal "
	  "integer (from 1 to 900)" },
	{ FN "timeout = +3\n", M "3: timeout: \"+3\" is not a plain decimal "
	  "integer (from 1 to 900)" },
	{ FN "timeout = 0x10\n", M "3: timeout: \"0x10\" is not a plain "
	  "decimal integer (from 1 to 900)" },
	{ FN "timeout = 1 0\n", M "3: timeout: \"1 0\" is not a plain "
	  "decimal integer (from 1 to 900)" },
	{ FN "timeout =\n",
	  M "3: timeout: missing value (an integer from 1 to 900)" },
	{ FN "timeout = 0\n", M "3: timeout: 0 is out of range (1 to 900)" },
	{ FN "timeout = 901\n", M "3: timeout: 901 is out of range (1 to 900)" },
	{ FN "memory = 15\n", M "3: memory: 15 is out of range (16 to 10240)" },
	{ FN "memory = 99999999999999999999999\n", M "3: memory: "
	  "99999999999999999999999 is out of range (16 to 10240)" },
	{ FN "max_workers = 0\n",
	  M "3: max_workers: 0 is out of range (1 to 1024)" },
	{ FN "queue_timeout = 0\n",
	  M "3: queue_timeout: 0 is out of range (1 to 3600)" },
	{ FN "memory = 256\nmemory = 512\n",
	  M "4: memory is set twice in this section (first at line 3)" },
	/* enums */
	{ FN "payload = 3.0\n", M "3: payload: expected 2.0 or 1.0, not \"3.0\"" },
	{ FN "payload = 2\n", M "3: payload: expected 2.0 or 1.0, not \"2\"" },
	{ FN "seccomp = strict\n",
	  M "3: seccomp: expected default, exec or log, not \"strict\"" },
	/* env */
	{ FN "env = NOEQUALS\n", M "3: env: expected KEY=VALUE, not \"NOEQUALS\"" },
	{ FN "env = 1X=a\n", M "3: env: \"1X\" is not a valid variable name" },
	{ FN "env = A-B=a\n", M "3: env: \"A-B\" is not a valid variable name" },
	{ FN "env = =a\n", M "3: env: \"\" is not a valid variable name" },
	{ FN "env = AWS_LAMBDA_RUNTIME_API=x\n",
	  M "3: env: AWS_LAMBDA_RUNTIME_API is reserved (lambdad sets it)" },
	{ FN "env = _LAMBDA_TELEMETRY_LOG_FD=3\n",
	  M "3: env: _LAMBDA_TELEMETRY_LOG_FD is reserved (lambdad sets it)" },
	{ FN "env = AWS_LAMBDA_MAX_CONCURRENCY=2\n",
	  M "3: env: AWS_LAMBDA_MAX_CONCURRENCY is reserved (lambdad sets it)" },
	{ FN "env = LAMBDA_TASK_ROOT=/x\n",
	  M "3: env: LAMBDA_TASK_ROOT is reserved (lambdad sets it)" },
	{ FN "env = A=1\nenv = B=2\nenv = A=3\n", M "5: env: A is set twice" },
	/* routes */
	{ FN "route = GET hello\n",
	  M "3: route: \"GET hello\": the path must start with '/'" },
	{ FN "route = GET /x\n[function g]\nbootstrap = b\nroute = GET /x\n",
	  M "6: route \"GET /x\" is already taken by function f at "
	  "@/lambdad.conf:3" },
	{ FN "route = GET /p/{id}\nroute = GET /p/{name}\n",
	  M "4: route \"GET /p/{name}\" is already taken by function f at "
	  "@/lambdad.conf:3" },
	/* indentation is not a continuation line (inih's default) */
	{ "[function f]\nbootstrap = b\n    memory = 3s\n", M "3: memory: "
	  "\"3s\" is not a plain decimal integer (from 16 to 10240)" },
	/* drop-ins */
	{ "[lambdad]\nfunctions = fn.d\n", "@/fn.d/a.conf:1: [lambdad] belongs in "
	  "the main file; a drop-in file holds only [function NAME] sections",
	  "a.conf", "[lambdad]\n" },
	{ "[lambdad]\nfunctions = fn.d\n",
	  "@/fn.d/a.conf:1: \"bootstrap\" is outside any section",
	  "a.conf", "bootstrap = x\n" },
	{ "[lambdad]\nfunctions = fn.d\n[function x]\nbootstrap = b\n",
	  "@/fn.d/a.conf:2: duplicate function \"x\" (first defined at "
	  "@/lambdad.conf:3)",
	  "a.conf", "\n[function x]\nbootstrap = c\n" },
	/* b.conf is read after a.conf, whatever order they were written in */
	{ "[lambdad]\nfunctions = fn.d\n",
	  "@/fn.d/b.conf:1: duplicate function \"x\" (first defined at "
	  "@/fn.d/a.conf:1)",
	  "b.conf", "[function x]\nbootstrap = b\n",
	  "a.conf", "[function x]\nbootstrap = a\n" },
	{ "[lambdad]\nfunctions = fn.d\n",
	  "@/fn.d/b.conf:3: timeout: 1000 is out of range (1 to 900)",
	  "a.conf", "[function a]\nbootstrap = a\n",
	  "b.conf", "[function b]\nbootstrap = b\ntimeout = 1000\n" },
	{ "[lambdad]\nfunctions = fn.d\n[function f]\nbootstrap = f\n"
	  "route = ANY /{proxy+}\n",
	  "@/fn.d/a.conf:3: route \"ANY /{x+}\" is already taken by function f "
	  "at @/lambdad.conf:5",
	  "a.conf", "[function a]\nbootstrap = a\nroute = ANY /{x+}\n" },
	{ "[lambdad]\nfunctions = fn.d\n", "@/fn.d/d.conf:0: not a regular file",
	  "d.conf/x", "" },
	};

	return cr_make_param_array(struct err_case, cases,
	    sizeof(cases) / sizeof(cases[0]));
}
#pragma GCC diagnostic pop

ParameterizedTest(struct err_case *tc, conf, errors, .init = setup,
    .fini = teardown)
{
	char rel[PATH_MAX];

	if (tc->d1[0] != '\0') {
		snprintf(rel, sizeof(rel), "fn.d/%s", tc->d1);
		put(rel, tc->d1_text);
	}
	if (tc->d2[0] != '\0') {
		snprintf(rel, sizeof(rel), "fn.d/%s", tc->d2);
		put(rel, tc->d2_text);
	}
	expect_error(tc->main, tc->want);
}

Test(conf, missing_main_file, .init = setup, .fini = teardown)
{
	struct conf *c = NULL;
	char err[512], *path = expand("@/nope.conf");
	char *want = expand("@/nope.conf:0: cannot open: No such file or directory");

	cr_assert_eq(conf_load(path, &c, err, sizeof(err)), -1);
	cr_assert_null(c);
	cr_assert_str_eq(err, want);
	free(path);
	free(want);
}

Test(conf, error_truncated_to_errlen, .init = setup, .fini = teardown)
{
	struct conf *c;
	char err[16];

	memset(err, 'x', sizeof(err));
	cr_assert_eq(load("[server]\n", &c, err, 8), -1);
	cr_assert_eq(strlen(err), 7);
	cr_assert_eq(err[8], 'x', "wrote past errlen");
	cr_assert_eq(load("[server]\n", &c, NULL, 0), -1);
}

/* ---- values --------------------------------------------------------------- */

Test(conf, empty_file_gives_defaults, .init = setup, .fini = teardown)
{
	struct conf *c = load_ok("");

	cr_assert_str_eq(c->listen_host, "127.0.0.1");
	cr_assert_eq(c->listen_port, 8080);
	cr_assert_null(c->functions_dir);
	cr_assert_eq(c->invoke_api, 0);
	cr_assert_eq(c->nfns, 0);
	cr_assert_eq(c->nfiles, 1);
	conf_free(c);
}

Test(conf, function_defaults, .init = setup, .fini = teardown)
{
	struct conf *c = load_ok("# a comment\n; another\n\n"
	    "[function hello]\nbootstrap = /srv/none/bootstrap\n");
	struct function_conf *fn;

	cr_assert_eq(c->nfns, 1);
	fn = &c->fns[0];
	cr_assert_str_eq(fn->name, "hello");
	cr_assert_str_eq(fn->bootstrap, "/srv/none/bootstrap");
	cr_assert_str_eq(fn->task_root, "/srv/none");
	cr_assert_eq(fn->nroutes, 0);
	cr_assert_eq(fn->memory_mb, 128);
	cr_assert_eq(fn->timeout_s, 3);
	cr_assert_eq(fn->min_idle, 0);
	cr_assert_eq(fn->max_workers, 4);
	cr_assert_eq(fn->idle_timeout_s, 300);
	cr_assert_eq(fn->max_invocations, 0);
	cr_assert_eq(fn->max_concurrency, 1);
	cr_assert_eq(fn->queue_depth, 64);
	cr_assert_eq(fn->queue_timeout_s, 10);
	cr_assert_eq(fn->nenv, 0);
	cr_assert_eq(fn->payload, 2);
	cr_assert_eq(fn->seccomp, CONF_SECCOMP_DEFAULT);
	cr_assert_eq(fn->file, c->files[0]);
	cr_assert_eq(fn->line, 4);
	conf_free(c);
}

Test(conf, every_key, .init = setup, .fini = teardown)
{
	struct conf *c = load_ok("[lambdad]\nlisten = localhost:0\n"
	    "[function a_b-C9]\nbootstrap = /x/bootstrap\n"
	    "route = GET /hello/{name}\nroute = $default\n"
	    "memory = 10240\ntimeout = 900\nmin_idle = 2\nmax_workers = 2\n"
	    "idle_timeout = 0\nmax_invocations = 1000\nmax_concurrency = 64\n"
	    "queue_depth = 0\n"
	    "queue_timeout = 1\nenv = GREETING=hi there\nenv = EMPTY=\n"
	    "env = _HANDLER=index.handler\npayload = 1.0\nseccomp = exec\n");
	struct function_conf *fn = &c->fns[0];

	cr_assert_str_eq(c->listen_host, "localhost");
	cr_assert_eq(c->listen_port, 0);
	cr_assert_str_eq(fn->name, "a_b-C9");
	cr_assert_eq(fn->nroutes, 2);
	cr_assert_str_eq(fn->routes[0].spec, "GET /hello/{name}");
	cr_assert_eq(fn->routes[0].line, 5);
	cr_assert_eq(fn->routes[0].file, c->files[0]);
	cr_assert_str_eq(fn->routes[1].spec, "$default");
	cr_assert_eq(fn->routes[1].line, 6);
	cr_assert_eq(fn->memory_mb, 10240);
	cr_assert_eq(fn->timeout_s, 900);
	cr_assert_eq(fn->min_idle, 2);
	cr_assert_eq(fn->max_workers, 2);
	cr_assert_eq(fn->idle_timeout_s, 0);
	cr_assert_eq(fn->max_invocations, 1000);
	cr_assert_eq(fn->max_concurrency, 64);
	cr_assert_eq(fn->queue_depth, 0);
	cr_assert_eq(fn->queue_timeout_s, 1);
	cr_assert_eq(fn->nenv, 3);
	cr_assert_str_eq(fn->env[0], "GREETING=hi there");
	cr_assert_str_eq(fn->env[1], "EMPTY=");
	cr_assert_str_eq(fn->env[2], "_HANDLER=index.handler");
	cr_assert_eq(fn->payload, 1);
	cr_assert_eq(fn->seccomp, CONF_SECCOMP_EXEC);
	conf_free(c);
}

Test(conf, operator_keys, .init = setup, .fini = teardown)
{
	struct conf *c = load_ok("[lambdad]\nuser = svc-fn\nstate_dir = st\n"
	    "admin_socket = /run/x.sock\nadmin_group = ops\n"
	    "access_key = AKIDEXAMPLE:wJalrXUtnFEMI/K7MDENG+bPxRfiCY\n"
	    "access_key = K2:0123456789abcdef\nmetrics_listen = 127.0.0.1:9100\n"
	    "grace = 30\nworker_uids = 61000-61999\n"
	    "event_retry_delay = 1\nevent_queue_max = 5\n"
	    "max_connections = 100\nbusy_poll = on\n"
	    "[function a]\nbootstrap = /a\nnetwork = host\nauth = aws_iam\n"
	    "tmp = 512\npids = 10\ncpu = 50\nroute = GET /a\n"
	    "event_retries = 0\nevent_max_age = 60\n");
	char want[PATH_MAX + 8];

	cr_assert_str_eq(c->user, "svc-fn");
	snprintf(want, sizeof(want), "%s/st", tmpdir);
	cr_assert_str_eq(c->state_dir, want);
	cr_assert_str_eq(c->admin_socket, "/run/x.sock");
	cr_assert_str_eq(c->admin_group, "ops");
	cr_assert_eq(c->naccess_keys, 2);
	cr_assert_str_eq(c->access_keys[0],
	    "AKIDEXAMPLE:wJalrXUtnFEMI/K7MDENG+bPxRfiCY");
	cr_assert_str_eq(c->metrics_host, "127.0.0.1");
	cr_assert_eq(c->metrics_port, 9100);
	cr_assert_eq(c->grace_s, 30);
	cr_assert_eq(c->worker_uid_first, 61000);
	cr_assert_eq(c->worker_uid_last, 61999);
	cr_assert_eq(c->fns[0].network, CONF_NETWORK_HOST);
	cr_assert_eq(c->fns[0].auth, CONF_AUTH_AWS_IAM);
	cr_assert_eq(c->fns[0].tmp_mb, 512);
	cr_assert_eq(c->fns[0].pids, 10);
	cr_assert_eq(c->fns[0].cpu_pct, 50);
	cr_assert_eq(c->event_retry_delay_s, 1);
	cr_assert_eq(c->event_queue_max, 5);
	cr_assert_eq(c->max_connections, 100);
	cr_assert_eq(c->busy_poll, 1);
	cr_assert_eq(c->fns[0].event_retries, 0);
	cr_assert_eq(c->fns[0].event_max_age_s, 60);
	conf_free(c);
	c = load_ok("[function a]\nbootstrap = /a\nauth = aws_iam\n");
	cr_assert_null(c->user);
	cr_assert_null(c->state_dir);
	cr_assert_eq(c->metrics_port, -1);
	cr_assert_eq(c->grace_s, 10);
	cr_assert_eq(c->event_retry_delay_s, 60);
	cr_assert_eq(c->event_queue_max, 10000);
	cr_assert_eq(c->max_connections, 0);	/* from RLIMIT_NOFILE */
	cr_assert_eq(c->busy_poll, 0);		/* off: the loop sleeps */
	cr_assert_eq(c->fns[0].event_retries, 2);
	cr_assert_eq(c->fns[0].event_max_age_s, 21600);
	cr_assert_eq(c->fns[0].network, CONF_NETWORK_NONE);
	/* Without routes, aws_iam needs no key: nothing is served. */
	cr_assert_eq(c->fns[0].auth, CONF_AUTH_AWS_IAM);
	cr_assert_eq(c->fns[0].tmp_mb, 64);
	conf_free(c);
}

Test(conf, sandbox_key, .init = setup, .fini = teardown)
{
	struct conf *c = load_ok("[function a]\nbootstrap = /a\n"
	    "[function b]\nbootstrap = /b\nsandbox = basic\n"
	    "[function c]\nbootstrap = /c\nsandbox = none\n"
	    "[function d]\nbootstrap = /d\nsandbox = full\n");

	cr_assert_eq(c->fns[0].sandbox, CONF_SANDBOX_FULL);
	cr_assert_eq(c->fns[1].sandbox, CONF_SANDBOX_BASIC);
	cr_assert_eq(c->fns[2].sandbox, CONF_SANDBOX_NONE);
	cr_assert_eq(c->fns[3].sandbox, CONF_SANDBOX_FULL);
	conf_free(c);
}

/* One uid each, inside the range, the same whatever the file order. */
Test(conf, worker_uids, .init = setup, .fini = teardown)
{
	struct conf *a = load_ok("[lambdad]\nworker_uids = 61000-61002\n"
	    "[function x]\nbootstrap = /x\n[function y]\nbootstrap = /y\n"
	    "[function z]\nbootstrap = /z\n");
	struct conf *b = load_ok("[lambdad]\nworker_uids = 61000-61002\n"
	    "[function z]\nbootstrap = /z\n[function x]\nbootstrap = /x\n"
	    "[function y]\nbootstrap = /y\n");
	const char *names[] = { "x", "y", "z" };

	for (int i = 0; i < 3; i++) {
		unsigned u = conf_find(a, names[i])->worker_uid;

		cr_assert(u >= 61000 && u <= 61002, "%s: uid %u", names[i], u);
		cr_assert_eq(u, conf_find(b, names[i])->worker_uid, "%s",
		    names[i]);
		for (int k = 0; k < i; k++)
			cr_assert_neq(u, conf_find(a, names[k])->worker_uid,
			    "%s and %s share a uid", names[i], names[k]);
	}
	conf_free(a);
	conf_free(b);
	a = load_ok("[function x]\nbootstrap = /x\n");
	cr_assert_eq(a->fns[0].worker_uid, 0, "no range, no uid");
	conf_free(a);
}

/* Each function's jail covers the others' directories, not its own, and
 * state_dir's layers/ and opt/ last. */
Test(conf, others, .init = setup, .fini = teardown)
{
	struct conf *c = load_ok("[lambdad]\nstate_dir = /srv/st\n"
	    "[function a]\nbootstrap = /srv/a/boot\n"
	    "[function b]\nbootstrap = /srv/b/boot\n"
	    "[function c]\nbootstrap = /srv/a/other\n"
	    "[function d]\nbootstrap = /srv/a/sub/boot\n"
	    "[function e]\nbootstrap = /srv/st/opt/k/boot\n");
	const char **o;

	o = conf_find(c, "a")->others;
	cr_assert_str_eq(o[0], "/srv/b");
	cr_assert_str_eq(o[1], "/srv/a/sub");
	cr_assert_str_eq(o[2], "/srv/st/opt/k");
	cr_assert_str_eq(o[3], "/srv/st/layers");
	cr_assert_str_eq(o[4], "/srv/st/opt");
	cr_assert_null(o[5], "its own directory, shared with c, is not listed");
	o = conf_find(c, "d")->others;
	cr_assert_str_eq(o[0], "/srv/b");
	cr_assert_str_eq(o[1], "/srv/st/opt/k");
	cr_assert_str_eq(o[2], "/srv/st/layers");
	cr_assert_null(o[4], "/srv/a holds d's directory: not listed");
	o = conf_find(c, "b")->others;
	cr_assert_str_eq(o[0], "/srv/a");
	cr_assert_str_eq(o[1], "/srv/a/sub");
	o = conf_find(c, "e")->others;
	cr_assert_str_eq(o[3], "/srv/st/layers");
	cr_assert_null(o[4], "opt/ holds e's directory: not listed");
	conf_free(c);
}

Test(conf, fn_same, .init = setup, .fini = teardown)
{
	struct conf *a, *b;

	put("bin/f", "one");
	a = load_ok("[function f]\nbootstrap = bin/f\nroute = GET /a\n");
	b = load_ok("[function f]\nbootstrap = bin/f\nroute = GET /b\n");
	cr_assert(conf_fn_same(&a->fns[0], &b->fns[0]), "routes do not count");
	conf_free(b);
	b = load_ok("[function f]\nbootstrap = bin/f\nmemory = 64\n");
	cr_assert_not(conf_fn_same(&a->fns[0], &b->fns[0]));
	conf_free(b);
	b = load_ok("[function f]\nbootstrap = bin/f\nenv = A=1\n");
	cr_assert_not(conf_fn_same(&a->fns[0], &b->fns[0]));
	conf_free(b);
	put("bin/f", "a longer new binary");
	b = load_ok("[function f]\nbootstrap = bin/f\nroute = GET /a\n");
	cr_assert_not(conf_fn_same(&a->fns[0], &b->fns[0]),
	    "a binary replaced in place is a change");
	cr_assert_not_null(conf_find(b, "f"));
	cr_assert_null(conf_find(b, "g"));
	conf_free(b);
	conf_free(a);
}

Test(conf, invoke_api_values, .init = setup, .fini = teardown)
{
	struct conf *c = load_ok("[lambdad]\ninvoke_api = on\n");

	cr_assert_eq(c->invoke_api, 1);
	conf_free(c);
	c = load_ok("[lambdad]\ninvoke_api = off\n");
	cr_assert_eq(c->invoke_api, 0);
	conf_free(c);
}

Test(conf, seccomp_and_payload_values, .init = setup, .fini = teardown)
{
	struct conf *c = load_ok("[function a]\nbootstrap = /a\nseccomp = log\n"
	    "payload = 2.0\n[function b]\nbootstrap = /b\nseccomp = default\n");

	cr_assert_eq(c->fns[0].seccomp, CONF_SECCOMP_LOG);
	cr_assert_eq(c->fns[0].payload, 2);
	cr_assert_eq(c->fns[1].seccomp, CONF_SECCOMP_DEFAULT);
	cr_assert_str_eq(c->fns[0].task_root, "/");
	cr_assert_str_eq(c->fns[0].bootstrap, "/a");
	conf_free(c);
}

Test(conf, ipv6_listen, .init = setup, .fini = teardown)
{
	struct conf *c = load_ok("[lambdad]\nlisten = [::1]:9000\n");

	cr_assert_str_eq(c->listen_host, "::1");
	cr_assert_eq(c->listen_port, 9000);
	conf_free(c);
}

/*
 * libinih's comment rules: ';' starts a comment at the start of a line or
 * after a blank; '#' only at the start of a line.
 */
Test(conf, comments_and_blanks, .init = setup, .fini = teardown)
{
	struct conf *c = load_ok("\xef\xbb\xbf[lambdad] ; the daemon\r\n"
	    "listen = 127.0.0.1:9 ; loopback only\r\n"
	    "  [function f]   # trailing comment\r\n"
	    "\tbootstrap = /b ; the binary\r\n"
	    "  memory = 256 ; MB\r\n"
	    "env = A=x;y\nenv = B=x ;y\nenv = C=#z\n"
	    "route = GET /a ; comment\n"
	    "timeout: 7\n");
	struct function_conf *fn = &c->fns[0];

	cr_assert_eq(c->listen_port, 9);
	cr_assert_eq(fn->memory_mb, 256);
	cr_assert_str_eq(fn->bootstrap, "/b");
	cr_assert_eq(fn->nenv, 3);
	cr_assert_str_eq(fn->env[0], "A=x;y");
	cr_assert_str_eq(fn->env[1], "B=x");
	cr_assert_str_eq(fn->env[2], "C=#z");
	cr_assert_str_eq(fn->routes[0].spec, "GET /a");
	cr_assert_eq(fn->timeout_s, 7);
	conf_free(c);
}

Test(conf, long_names_and_lines, .init = setup, .fini = teardown)
{
	char buf[1200], name[65], val[1001];
	struct conf *c;

	/*
	 * A 64-byte name is allowed (inih alone would cut section names at 49
	 * bytes) and a 1000-byte value is read whole (inih's line limit is 200
	 * unless raised).
	 */
	memset(name, 'n', 64);
	name[64] = '\0';
	memset(val, 'v', 1000);
	val[1000] = '\0';
	snprintf(buf, sizeof(buf), "[function %s]\nbootstrap = /b\n"
	    "env = LONG=%s\nmemory = 256\n", name, val);
	c = load_ok(buf);
	cr_assert_str_eq(c->fns[0].name, name);
	cr_assert_eq(c->fns[0].nenv, 1);
	cr_assert_str_eq(c->fns[0].env[0] + strlen("LONG="), val);
	cr_assert_eq(c->fns[0].memory_mb, 256);
	conf_free(c);
}

Test(conf, line_too_long, .init = setup, .fini = teardown)
{
	size_t n = 9000;
	char *buf = malloc(n + 64);
	char err[512];
	struct conf *c;

	strcpy(buf, "[function f]\nbootstrap = /b\nenv = X=");
	memset(buf + strlen(buf), 'v', n);
	strcpy(buf + strlen("[function f]\nbootstrap = /b\nenv = X=") + n, "\n");
	cr_assert_eq(load(buf, &c, err, sizeof(err)), -1);
	cr_assert(strstr(err, "/lambdad.conf:3: line too long (more than ") != NULL,
	    "got: %s", err);
	free(buf);
}

/* The environment may hold 4096 bytes of "KEY=VALUE", not one more. */
Test(conf, env_size_limit, .init = setup, .fini = teardown)
{
	char buf[8192], val[4096];
	char err[512];
	struct conf *c;

	/* "A=" + 2000 + "B=" + 2092 = 4096 */
	memset(val, 'a', sizeof(val));
	snprintf(buf, sizeof(buf), "[function f]\nbootstrap = /b\n"
	    "env = A=%.2000s\nenv = B=%.2092s\n", val, val);
	c = load_ok(buf);
	cr_assert_eq(strlen(c->fns[0].env[0]) + strlen(c->fns[0].env[1]), 4096);
	conf_free(c);

	snprintf(buf, sizeof(buf), "[function f]\nbootstrap = /b\n"
	    "env = A=%.2000s\nenv = B=%.2093s\n", val, val);
	cr_assert_eq(load(buf, &c, err, sizeof(err)), -1);
	cr_assert(strstr(err, "/lambdad.conf:4: env: the environment of "
	    "function f exceeds 4096 bytes") != NULL, "got: %s", err);
}

Test(conf, relative_bootstrap, .init = setup, .fini = teardown)
{
	struct conf *c;
	char *want;

	mkdir_rel("bin");
	mkdir_rel("other");
	c = load_ok("[function a]\nbootstrap = bin/bootstrap\n"
	    "[function b]\nbootstrap = ./other/../bin/bootstrap\n"
	    "[function c]\nbootstrap = missing/dir/bootstrap\n"
	    "[function d]\nbootstrap = bootstrap\n");
	want = expand("@/bin/bootstrap");
	cr_assert_str_eq(c->fns[0].bootstrap, want);
	cr_assert_str_eq(c->fns[1].bootstrap, want, "directory not canonical");
	free(want);
	want = expand("@/bin");
	cr_assert_str_eq(c->fns[0].task_root, want);
	free(want);
	/* A directory that does not exist yet is kept as written. */
	want = expand("@/missing/dir");
	cr_assert_str_eq(c->fns[2].task_root, want);
	free(want);
	want = expand("@/missing/dir/bootstrap");
	cr_assert_str_eq(c->fns[2].bootstrap, want);
	free(want);
	want = expand("@/bootstrap");
	cr_assert_str_eq(c->fns[3].bootstrap, want);
	cr_assert_str_eq(c->fns[3].task_root, tmpdir);
	free(want);
	conf_free(c);
}

/* A relative main path still yields absolute paths everywhere. */
Test(conf, relative_main_path, .init = setup, .fini = teardown)
{
	struct conf *c = NULL;
	char err[512] = "", *want;

	put("etc/lambdad.conf", "[lambdad]\nfunctions = functions.d\n"
	    "[function m]\nbootstrap = m/bootstrap\n");
	put("etc/functions.d/f.conf", "[function f]\nbootstrap = f/bootstrap\n");
	cr_assert_eq(chdir(tmpdir), 0);
	cr_assert_eq(conf_load("etc/lambdad.conf", &c, err, sizeof(err)), 0,
	    "%s", err);
	want = expand("@/etc/functions.d");
	cr_assert_str_eq(c->functions_dir, want);
	free(want);
	cr_assert_str_eq(c->files[0], "etc/lambdad.conf");
	want = expand("@/etc/m/bootstrap");
	cr_assert_str_eq(c->fns[0].bootstrap, want);
	free(want);
	want = expand("@/etc/functions.d/f/bootstrap");
	cr_assert_str_eq(c->fns[1].bootstrap, want);
	free(want);
	conf_free(c);
}

Test(conf, dropins_in_name_order, .init = setup, .fini = teardown)
{
	struct conf *c;
	char *want;

	put("fn.d/b.conf", "[function b1]\nbootstrap = /b1\n"
	    "[function b2]\nbootstrap = /b2\nroute = GET /b\n");
	put("fn.d/a.conf", "\n\n[function a]\nbootstrap = /a\n");
	put("fn.d/10.conf", "[function ten]\nbootstrap = /10\n");
	put("fn.d/c.conf.disabled", "[function nope]\n");
	put("fn.d/.hidden.conf", "[function nope]\n");
	put("fn.d/README", "not a config\n");
	put("fn.d/empty.conf", "");
	c = load_ok("[function main]\nbootstrap = /m\n"
	    "[lambdad]\nfunctions = fn.d\n");
	want = expand("@/fn.d");
	cr_assert_str_eq(c->functions_dir, want);
	free(want);
	cr_assert_eq(c->nfns, 5);
	cr_assert_str_eq(c->fns[0].name, "main");
	cr_assert_str_eq(c->fns[1].name, "ten");
	cr_assert_str_eq(c->fns[2].name, "a");
	cr_assert_str_eq(c->fns[3].name, "b1");
	cr_assert_str_eq(c->fns[4].name, "b2");
	cr_assert_eq(c->nfiles, 5);
	want = expand("@/fn.d/a.conf");
	cr_assert_str_eq(c->fns[2].file, want);
	cr_assert_str_eq(c->files[2], want);
	free(want);
	cr_assert_eq(c->fns[2].line, 3);
	cr_assert_eq(c->fns[4].line, 3);
	cr_assert_eq(c->fns[4].routes[0].line, 5);
	cr_assert_eq(c->fns[4].routes[0].file, c->fns[4].file);
	conf_free(c);
}

Test(conf, empty_dropin_dir, .init = setup, .fini = teardown)
{
	struct conf *c;

	mkdir_rel("fn.d");
	c = load_ok("[lambdad]\nfunctions = fn.d\n");
	cr_assert_eq(c->nfns, 0);
	conf_free(c);
}

Test(conf, free_null)
{
	conf_free(NULL);
}

/* ---- conf_parse_hostport -------------------------------------------------- */

struct hp_case {
	char	in[32];
	char	host[32];	/* "": must be rejected */
	int	port;
};

ParameterizedTestParameters(conf, hostport)
{
	static struct hp_case cases[] = {
		{ "127.0.0.1:8080", "127.0.0.1", 8080 },
		{ "localhost:0", "localhost", 0 },
		{ "[::1]:8080", "::1", 8080 },
		{ "[fe80::1:2]:1", "fe80::1:2", 1 },
		{ "example-1.com:65535", "example-1.com", 65535 },
		{ "127.0.0.1", "", 0 },
		{ "127.0.0.1:", "", 0 },
		{ ":8080", "", 0 },
		{ "", "", 0 },
		{ "127.0.0.1:65536", "", 0 },
		{ "127.0.0.1:100000", "", 0 },
		{ "127.0.0.1:-1", "", 0 },
		{ "127.0.0.1:+80", "", 0 },
		{ "127.0.0.1:80x", "", 0 },
		{ "127.0.0.1: 80", "", 0 },
		{ "::1:8080", "", 0 },
		{ "[::1]8080", "", 0 },
		{ "[::1]", "", 0 },
		{ "[]:80", "", 0 },
		{ "[zz]:80", "", 0 },
		{ "[127.0.0.1]:80", "", 0 },
		{ "my host:80", "", 0 },
		{ "http://x:80", "", 0 },
	};

	return cr_make_param_array(struct hp_case, cases,
	    sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct hp_case *tc, conf, hostport)
{
	char *host = NULL;
	int port = -1, rc;

	rc = conf_parse_hostport(tc->in, &host, &port);
	if (tc->host[0] == '\0') {
		cr_assert_eq(rc, -EINVAL, "\"%s\" accepted", tc->in);
		cr_assert_null(host);
		return;
	}
	cr_assert_eq(rc, 0, "\"%s\" rejected", tc->in);
	cr_assert_str_eq(host, tc->host);
	cr_assert_eq(port, tc->port);
	free(host);
}

Test(conf, hostport_null)
{
	char *host = NULL;
	int port;

	cr_assert_eq(conf_parse_hostport(NULL, &host, &port), -EINVAL);
}

/* The Tables store's keys (conf_tables.c). */
Test(conf, tables_keys, .init = setup, .fini = teardown)
{
	struct conf *c = load_ok("[lambdad]\ndynamodb_listen = 127.0.0.1:8000\n"
	    "tables_dir = tb\ntables_sync = normal\n"
	    "[function a]\nbootstrap = /a\ntables = carts products:read\n"
	    "tables = *:read\n[function b]\nbootstrap = /b\n");
	char want[PATH_MAX + 16], dir[PATH_MAX + 16];

	cr_assert_str_eq(c->dynamodb_host, "127.0.0.1");
	cr_assert_eq(c->dynamodb_port, 8000);
	snprintf(want, sizeof(want), "%s/tb", tmpdir);
	cr_assert_str_eq(c->tables_dir, want);
	cr_assert_eq(conf_tables_dir(c, dir, sizeof(dir)), 0);
	cr_assert_str_eq(dir, want);
	cr_assert_eq(c->tables_sync_full, 0);
	cr_assert_eq(c->fns[0].ntables, 3);
	cr_assert_str_eq(c->fns[0].tables[1].table, "products");
	cr_assert(c->fns[0].tables[1].read_only);
	cr_assert(conf_table_allowed(&c->fns[0], "carts", true));
	cr_assert(conf_table_allowed(&c->fns[0], "products", false));
	cr_assert_not(conf_table_allowed(&c->fns[0], "products", true));
	cr_assert(conf_table_allowed(&c->fns[0], "other", false));
	cr_assert_not(conf_table_allowed(&c->fns[0], "other", true));
	cr_assert_eq(c->fns[1].ntables, 0);
	cr_assert_not(conf_table_allowed(&c->fns[1], "carts", false));
	/* A grant list change alone keeps the workers; a first grant not. */
	cr_assert_not(conf_fn_same(&c->fns[0], &c->fns[1]));
	conf_free(c);
	c = load_ok("[function a]\nbootstrap = /a\n");
	cr_assert_eq(c->dynamodb_port, -1);
	cr_assert_null(c->dynamodb_host);
	cr_assert_eq(c->tables_sync_full, 1);
	cr_assert_eq(conf_tables_dir(c, dir, sizeof(dir)), 0);
	cr_assert_str_eq(dir, "/var/lib/lambdad/tables");
	conf_free(c);
}

Test(conf, tables_errors, .init = setup, .fini = teardown)
{
	expect_error("[lambdad]\ndynamodb_listen = 8000\n",
	    "@/lambdad.conf:2: dynamodb_listen: expected host:port "
	    "(127.0.0.1:8000), not \"8000\"");
	expect_error("[lambdad]\ntables_sync = off\n",
	    "@/lambdad.conf:2: tables_sync: expected full or normal, not \"off\"");
	expect_error("[function a]\nbootstrap = /a\ntables = carts:write\n",
	    "@/lambdad.conf:3: tables: \"carts:write\": the only suffix is :read");
	expect_error("[function a]\nbootstrap = /a\ntables = ab\n",
	    "@/lambdad.conf:3: tables: \"ab\" is not a table name (3 to 255 "
	    "of A-Z a-z 0-9 _ . -, or *)");
	expect_error("[function a]\nbootstrap = /a\ntables = carts\n"
	    "tables = carts:read\n",
	    "@/lambdad.conf:4: tables: table carts is granted twice");
	expect_error("[function a]\nbootstrap = /a\ntables =\n",
	    "@/lambdad.conf:3: tables: expected one or more TABLE or "
	    "TABLE:read, or *");
}

/* buckets = (conf_buckets.c), parsed as tables = is. */
Test(conf, buckets_grants, .init = setup, .fini = teardown)
{
	struct conf *c = load_ok("[function a]\nbootstrap = /a\n"
	    "buckets = uploads:read thumbs\n[function b]\nbootstrap = /a\n");

	cr_assert_eq(c->fns[0].nbuckets, 2);
	cr_assert_str_eq(c->fns[0].buckets[0].table, "uploads");
	cr_assert(c->fns[0].buckets[0].read_only);
	cr_assert(conf_grant_allows(c->fns[0].buckets, c->fns[0].nbuckets,
	    "thumbs", true));
	cr_assert(conf_grant_allows(c->fns[0].buckets, c->fns[0].nbuckets,
	    "uploads", false));
	cr_assert_not(conf_grant_allows(c->fns[0].buckets, c->fns[0].nbuckets,
	    "uploads", true));
	cr_assert_not(conf_grant_allows(c->fns[0].buckets, c->fns[0].nbuckets,
	    "other", false));
	cr_assert_eq(c->fns[0].ntables, 0);
	cr_assert_eq(c->fns[1].nbuckets, 0);
	/* A first grant sets AWS_ENDPOINT_URL_S3: new workers. */
	free(c->fns[1].name);
	c->fns[1].name = strdup("a");
	cr_assert_not(conf_fn_same(&c->fns[0], &c->fns[1]));
	conf_free(c);
	expect_error("[function a]\nbootstrap = /a\nbuckets = Uploads\n",
	    "@/lambdad.conf:3: buckets: \"Uploads\" is not a bucket name "
	    "(S3's: 3 to 63 of a-z 0-9 . -, or *)");
	expect_error("[function a]\nbootstrap = /a\nbuckets = web:write\n",
	    "@/lambdad.conf:3: buckets: \"web:write\": the only suffix is "
	    ":read");
	expect_error("[function a]\nbootstrap = /a\nbuckets = web\n"
	    "buckets = web:read\n",
	    "@/lambdad.conf:4: buckets: bucket web is granted twice");
	expect_error("[function a]\nbootstrap = /a\nbuckets =\n",
	    "@/lambdad.conf:3: buckets: expected one or more BUCKET or "
	    "BUCKET:read, or *");
}

Test(conf, tables_fn_same, .init = setup, .fini = teardown)
{
	struct conf *c = load_ok("[function a]\nbootstrap = /a\n"
	    "tables = carts\n[function b]\nbootstrap = /a\n"
	    "tables = other:read *\n");

	/* Only the names differ: the workers would be the same but for it. */
	free(c->fns[1].name);
	c->fns[1].name = strdup("a");
	cr_assert(conf_fn_same(&c->fns[0], &c->fns[1]));
	conf_free(c);
}

/* opt = DIR: the layers' tree, on /opt in the jail; a change is new
 * workers. */
Test(conf, opt_dir, .init = setup, .fini = teardown)
{
	struct conf *c = load_ok("[function a]\nbootstrap = /a\nopt = /tmp\n"
	    "[function b]\nbootstrap = /a\n");

	cr_assert_str_eq(c->fns[0].opt_dir, "/tmp");
	cr_assert_null(c->fns[1].opt_dir);
	free(c->fns[1].name);
	c->fns[1].name = strdup("a");
	cr_assert_not(conf_fn_same(&c->fns[0], &c->fns[1]));
	conf_free(c);
	expect_error("[function a]\nbootstrap = /a\nopt = layers\n",
	    "@/lambdad.conf:3: opt: \"layers\": an absolute path to a "
	    "directory, please");
	expect_error("[function a]\nbootstrap = /a\nopt = /nonexistent-opt\n",
	    "@/lambdad.conf:3: opt: /nonexistent-opt: No such file or "
	    "directory");
	expect_error("[function a]\nbootstrap = /a\nopt = /etc/passwd\n",
	    "@/lambdad.conf:3: opt: /etc/passwd: not a directory");
}
