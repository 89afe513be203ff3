/*
 * Unit tests for API keys (issue 10): the quota periods
 * (gateway/apigw/quota.c) at their UTC boundaries, key hashing, and the
 * key store (gateway/apigw/keystore.c) on a real directory with a real
 * loop: keys made, found only by their value, counted against a quota,
 * written, read back after a "restart" (close and open again), revoked;
 * a damaged key file refused at open; the plans as parsed; and the stage
 * (gateway/apigw/apikey.c) over hand-made requests.
 */
#include <criterion/criterion.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <uv.h>

#include "apigw/apigw.h"
#include "apigw/apikey.h"
#include "apigw/keystore.h"
#include "apigw/quota.h"
#include "buf.h"
#include "conf.h"
#include "fs.h"
#include "http.h"
#include "route.h"
#include "tmpdir.h"

/* ---- quota periods ------------------------------------------------------ */

#define MON_2026_12_07	1796601600LL	/* a Monday, 00:00 UTC */

Test(quota, day)
{
	cr_expect_eq(quota_period_start(CONF_QUOTA_DAY, 0), 0);
	cr_expect_eq(quota_period_start(CONF_QUOTA_DAY, 86399), 0);
	cr_expect_eq(quota_period_end(CONF_QUOTA_DAY, 86399), 86400);
	cr_expect_eq(quota_period_start(CONF_QUOTA_DAY, 86400), 86400);
	cr_expect_eq(quota_period_start(CONF_QUOTA_DAY, MON_2026_12_07 - 1),
	    MON_2026_12_07 - 86400);
	cr_expect_eq(quota_period_end(CONF_QUOTA_DAY, MON_2026_12_07 - 1),
	    MON_2026_12_07);
}

/* ISO weeks start on Monday; 1970-01-01 was a Thursday. */
Test(quota, iso_week)
{
	cr_expect_eq(quota_period_start(CONF_QUOTA_WEEK, 0), -3 * 86400);
	cr_expect_eq(quota_period_end(CONF_QUOTA_WEEK, 0), 4 * 86400);
	cr_expect_eq(quota_period_start(CONF_QUOTA_WEEK, MON_2026_12_07),
	    MON_2026_12_07);
	/* Sunday 23:59:59 is still the week before. */
	cr_expect_eq(quota_period_start(CONF_QUOTA_WEEK, MON_2026_12_07 - 1),
	    1795996800LL);
	cr_expect_eq(quota_period_end(CONF_QUOTA_WEEK, MON_2026_12_07 - 1),
	    MON_2026_12_07);
	cr_expect_eq(quota_period_end(CONF_QUOTA_WEEK, MON_2026_12_07),
	    1797206400LL);
	/* Across a year: Sunday 2021-01-03 is in the week of 2020-12-28. */
	cr_expect_eq(quota_period_start(CONF_QUOTA_WEEK, 1609668000LL),
	    1609113600LL);
	cr_expect_eq(quota_period_end(CONF_QUOTA_WEEK, 1609668000LL),
	    1609718400LL);
}

Test(quota, month)
{
	/* 2024-02-29 23:59:59, a leap day. */
	cr_expect_eq(quota_period_start(CONF_QUOTA_MONTH, 1709251199LL),
	    1706745600LL);
	cr_expect_eq(quota_period_end(CONF_QUOTA_MONTH, 1709251199LL),
	    1709251200LL);
	cr_expect_eq(quota_period_start(CONF_QUOTA_MONTH, 1709251200LL),
	    1709251200LL);
	/* December rolls over into January of the next year. */
	cr_expect_eq(quota_period_start(CONF_QUOTA_MONTH, 1798718400LL),
	    1796083200LL);
	cr_expect_eq(quota_period_end(CONF_QUOTA_MONTH, 1798718400LL),
	    1798761600LL);
	cr_expect_eq(quota_period_start(CONF_QUOTA_NONE, 1798718400LL), 0);
	cr_expect_str_eq(quota_period_name(CONF_QUOTA_MONTH), "month");
}

/* ---- hashing ------------------------------------------------------------ */

Test(keystore, hash_is_sha256)
{
	static const unsigned char abc[APIKEY_HASH_LEN] = {
		0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41,
		0x40, 0xde, 0x5d, 0xae, 0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3,
		0x96, 0x17, 0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00,
		0x15, 0xad,
	};
	unsigned char h[APIKEY_HASH_LEN];

	cr_assert_eq(keystore_hash("abc", 3, h), 0);
	cr_expect_eq(memcmp(h, abc, sizeof(h)), 0);
}

/* ---- the store ---------------------------------------------------------- */

static char tmpdir[PATH_MAX];
static uv_loop_t loop;
static struct conf cf;
static struct conf_plan plans[2];

static void
setup(void)
{
	tmpdir_make("test_apikey", tmpdir);
	cr_assert_eq(uv_loop_init(&loop), 0);
	memset(&cf, 0, sizeof(cf));
	memset(plans, 0, sizeof(plans));
	plans[0].name = "gold";
	plans[0].mrate = 1000;
	plans[0].burst = 1;
	plans[1].name = "small";
	plans[1].quota = 3;
	plans[1].period = CONF_QUOTA_DAY;
	cf.plans = plans;
	cf.nplans = 2;
}

static void
teardown(void)
{
	uv_run(&loop, UV_RUN_DEFAULT);
	uv_loop_close(&loop);
	tmpdir_remove(tmpdir);
}

/* What a callback was told. */
struct answer {
	int	 called, err;
	char	 why[256];
	char	 secret[APIKEY_LEN + 1];
	char	 id[APIKEY_ID_LEN + 1];
};

static void
on_done(void *arg, int err, const char *why, const struct apikey *k,
    const char *secret)
{
	struct answer *a = arg;

	a->called++;
	a->err = err;
	snprintf(a->why, sizeof(a->why), "%s", why != NULL ? why : "");
	if (secret != NULL)
		snprintf(a->secret, sizeof(a->secret), "%s", secret);
	if (k != NULL)
		snprintf(a->id, sizeof(a->id), "%s", k->id);
}

static struct keystore *
open_store(void)
{
	struct keystore *ks;
	char err[512];

	cr_assert_eq(keystore_open(&loop, tmpdir, &ks, err, sizeof(err)), 0,
	    "%s", err);
	keystore_set_conf(ks, &cf);
	return ks;
}

/* A "restart": everything written, the store freed. */
static void
close_store(struct keystore *ks)
{
	keystore_close(ks);
	uv_run(&loop, UV_RUN_DEFAULT);
}

static void
add(struct keystore *ks, const char *name, const char *plan,
    struct answer *a)
{
	memset(a, 0, sizeof(*a));
	keystore_add(ks, name, plan, on_done, a);
	uv_run(&loop, UV_RUN_DEFAULT);
	cr_assert_eq(a->called, 1);
}

static void
file_text(const char *name, struct buf *b)
{
	char path[PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	buf_init(b);
	cr_assert_eq(fs_read(path, b, 1 << 20), 0, "%s", path);
	buf_addc(b, '\0');
}

Test(keystore, add_find_count_restart_rm, .init = setup, .fini = teardown)
{
	struct keystore *ks = open_store();
	struct answer a, b;
	struct apikey *k;
	char wrong[APIKEY_LEN + 1], path[PATH_MAX + 64];
	int64_t now = MON_2026_12_07 + 3600;
	struct buf text;
	struct stat st;
	size_t i;

	add(ks, "k1", "small", &a);
	cr_assert_eq(a.err, 0, "%s", a.why);
	cr_expect_eq(strlen(a.secret), APIKEY_LEN);
	for (i = 0; i < APIKEY_LEN; i++)
		cr_expect(isalnum((unsigned char)a.secret[i]));
	cr_expect_eq(strlen(a.id), APIKEY_ID_LEN);
	cr_assert_not_null(k = keystore_find(ks, a.secret, APIKEY_LEN));
	cr_expect_str_eq(k->name, "k1");
	cr_expect_eq(keystore_plan(ks, k), &plans[1]);
	/* One character off, or a prefix: no key. */
	memcpy(wrong, a.secret, sizeof(wrong));
	wrong[APIKEY_LEN - 1] ^= 1;
	cr_expect_null(keystore_find(ks, wrong, APIKEY_LEN));
	cr_expect_null(keystore_find(ks, a.secret, APIKEY_LEN - 1));
	cr_expect_null(keystore_find(ks, NULL, 0));

	/* The quota: three a day, then refused; the next day, three more. */
	for (i = 0; i < 3; i++)
		cr_expect_eq(keystore_take(ks, k, &plans[1], now), 0);
	cr_expect_eq(keystore_take(ks, k, &plans[1], now), -1);
	cr_expect_eq(keystore_used(k, &plans[1], now), 3);
	cr_expect_eq(keystore_used(k, &plans[1], now + 86400), 0);

	/* Only the hash on disk, mode 0600. */
	file_text("apikeys.json", &text);
	cr_expect_null(strstr(text.data, a.secret));
	cr_expect_not_null(strstr(text.data, "\"sha256\""));
	buf_free(&text);
	snprintf(path, sizeof(path), "%s/apikeys.json", tmpdir);
	cr_assert_eq(stat(path, &st), 0);
	cr_expect_eq(st.st_mode & 0777, 0600);

	/* Duplicates, unknown plans and bad names are refused. */
	add(ks, "k1", "gold", &b);
	cr_expect_eq(b.err, -EEXIST);
	add(ks, "k2", "platinum", &b);
	cr_expect_eq(b.err, -EINVAL);
	cr_expect_not_null(strstr(b.why, "platinum"));
	add(ks, "k/2", "gold", &b);
	cr_expect_eq(b.err, -EINVAL);
	cr_expect_eq(keystore_count(ks), 1);

	/* A restart: the key and its count are still there. */
	close_store(ks);
	ks = open_store();
	cr_assert_not_null(k = keystore_find(ks, a.secret, APIKEY_LEN));
	cr_expect_str_eq(k->id, a.id);
	cr_expect_eq(keystore_used(k, &plans[1], now), 3);
	cr_expect_eq(keystore_take(ks, k, &plans[1], now), -1);
	cr_expect_eq(keystore_take(ks, k, &plans[1], now + 86400), 0);

	/* Revoked: gone at once, and after a restart. */
	memset(&b, 0, sizeof(b));
	keystore_rm(ks, "k1", on_done, &b);
	uv_run(&loop, UV_RUN_DEFAULT);
	cr_assert_eq(b.called, 1);
	cr_expect_eq(b.err, 0, "%s", b.why);
	cr_expect_null(keystore_find(ks, a.secret, APIKEY_LEN));
	memset(&b, 0, sizeof(b));
	keystore_rm(ks, "k1", on_done, &b);
	uv_run(&loop, UV_RUN_DEFAULT);
	cr_expect_eq(b.err, -ENOENT);
	close_store(ks);
	ks = open_store();
	cr_expect_null(keystore_find(ks, a.secret, APIKEY_LEN));
	cr_expect_eq(keystore_count(ks), 0);
	close_store(ks);
}

/* Changes queued behind each other are written one after the other. */
Test(keystore, queued_changes, .init = setup, .fini = teardown)
{
	struct keystore *ks = open_store();
	struct answer a[3];
	cJSON *list;

	memset(a, 0, sizeof(a));
	keystore_add(ks, "a", "gold", on_done, &a[0]);
	keystore_add(ks, "b", "small", on_done, &a[1]);
	keystore_rm(ks, "a", on_done, &a[2]);
	uv_run(&loop, UV_RUN_DEFAULT);
	cr_expect_eq(a[0].called + a[1].called + a[2].called, 3);
	cr_expect_eq(a[0].err | a[1].err | a[2].err, 0);
	cr_expect_null(keystore_find(ks, a[0].secret, APIKEY_LEN));
	cr_expect_not_null(keystore_find(ks, a[1].secret, APIKEY_LEN));
	list = keystore_list(ks, MON_2026_12_07);
	cr_assert_eq(cJSON_GetArraySize(list), 1);
	cr_expect_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(
	    cJSON_GetArrayItem(list, 0), "name")), "b");
	cr_expect_null(cJSON_GetObjectItem(cJSON_GetArrayItem(list, 0),
	    "sha256"));
	cJSON_Delete(list);
	close_store(ks);
	ks = open_store();
	cr_expect_eq(keystore_count(ks), 1);
	close_store(ks);
}

/* A key file that is there but not ours stops the start. */
Test(keystore, damaged_file_refused, .init = setup, .fini = teardown)
{
	struct keystore *ks;
	char path[PATH_MAX + 64], err[512];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/apikeys.json", tmpdir);
	cr_assert_not_null(fp = fopen(path, "w"));
	fputs("{\"keys\":[{\"name\":\"x\"}]}", fp);
	fclose(fp);
	cr_expect_eq(keystore_open(&loop, tmpdir, &ks, err, sizeof(err)), -1);
	cr_expect_not_null(strstr(err, "apikeys.json"), "%s", err);
	cr_assert_not_null(fp = fopen(path, "w"));
	fputs("not json", fp);
	fclose(fp);
	cr_expect_eq(keystore_open(&loop, tmpdir, &ks, err, sizeof(err)), -1);
	cr_expect_not_null(strstr(err, "not a lambdad key file"), "%s", err);
}

/* ---- the configuration -------------------------------------------------- */

static int
load_conf(const char *text, struct conf **c, char *err, size_t errlen)
{
	char path[PATH_MAX + 32];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/main.conf", tmpdir);
	cr_assert_not_null(fp = fopen(path, "w"));
	fprintf(fp, "[lambdad]\nstate_dir = %s/state\n%s", tmpdir, text);
	fclose(fp);
	return conf_load(path, c, err, errlen);
}

Test(keystore, plans_parsed, .init = setup, .fini = teardown)
{
	struct conf *c;
	const struct conf_plan *pl;
	char err[512];

	cr_assert_eq(load_conf("[usage_plan a]\nrate = 2.5\nquota = 10/week\n"
	    "[usage_plan b]\nrate = 100\nburst = 7\n"
	    "[usage_plan c]\nquota = 1/month\n"
	    "[function f]\nbootstrap = /bin/true\nroute = GET /f\n"
	    "api_key = required\n"
	    "[function g]\nbootstrap = /bin/true\nroute = GET /g\n",
	    &c, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(c->nplans, 3);
	cr_assert_not_null(pl = conf_find_plan(c, "a"));
	cr_expect_eq(pl->mrate, 2500);
	cr_expect_eq(pl->burst, 3, "one second's worth, rounded up");
	cr_expect_eq(pl->quota, 10);
	cr_expect_eq(pl->period, CONF_QUOTA_WEEK);
	pl = conf_find_plan(c, "b");
	cr_expect_eq(pl->burst, 7);
	cr_expect_eq(pl->period, CONF_QUOTA_NONE);
	pl = conf_find_plan(c, "c");
	cr_expect_eq(pl->mrate, 0);
	cr_expect_eq(pl->burst, 0);
	cr_expect_eq(pl->period, CONF_QUOTA_MONTH);
	cr_expect_null(conf_find_plan(c, "d"));
	cr_expect_eq(conf_find(c, "f")->api_key, 1);
	cr_expect_eq(conf_find(c, "g")->api_key, 0, "off by default");
	conf_free(c);

	cr_expect_eq(load_conf("[usage_plan a]\nquota = 10/fortnight\n", &c,
	    err, sizeof(err)), -1);
	cr_expect_not_null(strstr(err, "main.conf:4: quota:"), "%s", err);
	cr_expect_eq(load_conf("[usage_plan a]\nquota = -1/day\n", &c,
	    err, sizeof(err)), -1);
	cr_expect_eq(load_conf("[usage_plan a]\nrate = 1\nrate = 2\n", &c,
	    err, sizeof(err)), -1);
	cr_expect_not_null(strstr(err, "main.conf:5: rate is set twice"), "%s",
	    err);
	cr_expect_eq(load_conf("[usage_plan]\n", &c, err, sizeof(err)), -1);
	cr_expect_not_null(strstr(err, "usage plan name"), "%s", err);
}

/* ---- the stage ---------------------------------------------------------- */

/* Run the stage over GET /x with header key (NULL: none). */
static int
run_stage(const struct function_conf *fn, const char *key, uint64_t now_ms,
    struct apigw_call *c)
{
	static struct http_header h;
	static struct http_request req;
	static struct route_match m;
	int rc;

	memset(&req, 0, sizeof(req));
	memset(&m, 0, sizeof(m));
	req.method = "GET";
	req.path = "/x";
	req.path_len = 2;
	req.query = "";
	if (key != NULL) {
		h.name = "X-API-Key";
		h.name_len = 9;
		h.value = key;
		h.value_len = strlen(key);
		req.headers = &h;
		req.nheaders = 1;
	}
	m.route_key = "GET /x";
	apigw_call_init(c, NULL, &req, &m, fn, now_ms);
	rc = apigw_apikey(c);
	return rc;
}

static const char *
attached(const struct apigw_call *c, const char *name)
{
	static char v[64];
	size_t i;

	for (i = 0; c->reply != NULL && i < c->reply->n; i++)
		if (strcmp(c->reply->name[i], name) == 0) {
			snprintf(v, sizeof(v), "%.*s", (int)c->reply->len[i],
			    c->reply->text.data + c->reply->off[i]);
			return v;
		}
	return NULL;
}

Test(apikey, stage, .init = setup, .fini = teardown)
{
	struct keystore *ks = open_store();
	struct function_conf fn;
	struct apigw_call c;
	struct answer g, s;

	memset(&fn, 0, sizeof(fn));
	fn.name = "f";
	fn.api_key = 1;
	add(ks, "g", "gold", &g);		/* 1 a second, burst 1 */
	add(ks, "s", "small", &s);		/* 3 a day */
	apigw_apikey_set_store(ks);

	cr_expect_eq(run_stage(&fn, NULL, 1000, &c), APIGW_ANSWER);
	cr_expect_eq(c.status, 403);
	cr_expect_str_eq(c.body, "{\"message\":\"Forbidden\"}");
	cr_expect_str_eq(c.reason, "api_key");
	cr_expect_str_eq(attached(&c, "x-amzn-ErrorType"),
	    "ForbiddenException");
	apigw_reply_free(c.reply);

	cr_expect_eq(run_stage(&fn, g.secret, 1000, &c), APIGW_PASS);
	cr_expect_str_eq(c.api_key_id, g.id);
	cr_expect_eq(run_stage(&fn, g.secret, 1001, &c), APIGW_ANSWER);
	cr_expect_eq(c.status, 429);
	cr_expect_str_eq(c.body, "{\"message\":\"Too Many Requests\"}");
	cr_expect_str_eq(c.reason, "api_key_rate");
	apigw_reply_free(c.reply);
	cr_expect_eq(run_stage(&fn, g.secret, 2001, &c), APIGW_PASS,
	    "a second later the bucket has a token again");

	cr_expect_eq(run_stage(&fn, s.secret, 0, &c), APIGW_PASS);
	cr_expect_eq(run_stage(&fn, s.secret, 0, &c), APIGW_PASS);
	cr_expect_eq(run_stage(&fn, s.secret, 0, &c), APIGW_PASS);
	cr_expect_eq(run_stage(&fn, s.secret, 0, &c), APIGW_ANSWER);
	cr_expect_eq(c.status, 429);
	cr_expect_str_eq(c.body, "{\"message\":\"Limit Exceeded\"}");
	cr_expect_str_eq(c.reason, "quota");
	cr_expect_str_eq(attached(&c, "x-amzn-ErrorType"),
	    "LimitExceededException");
	apigw_reply_free(c.reply);

	/* api_key = off: nothing is looked at. */
	fn.api_key = 0;
	cr_expect_eq(run_stage(&fn, NULL, 0, &c), APIGW_PASS);
	cr_expect_null(c.reply);
	/* No store (the daemon stopping): every key refused. */
	fn.api_key = 1;
	apigw_apikey_set_store(NULL);
	cr_expect_eq(run_stage(&fn, g.secret, 5000, &c), APIGW_ANSWER);
	apigw_reply_free(c.reply);
	close_store(ks);
}
