/*
 * Unit tests for on_object (gateway/conf_onobject.c and the pure parts
 * of gateway/buckets/notify.c): the config line and its errors, the
 * matcher (bucket, event, prefix, suffix) and the key's encoding in an
 * event, as S3 writes it (space as +, '/' kept, the rest %XX).
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "conf.h"
#include "conf_fixture.h"
#include "buckets/notify.h"

static void
setup(void)
{
	tmpdir_make("test_notify", tmpdir);
}

static void
teardown(void)
{
	tmpdir_remove(tmpdir);
}

TestSuite(notify, .init = setup, .fini = teardown);

#define FN	"[function f]\nbootstrap = /bin/true\n"
#define S3	"s3_listen = 127.0.0.1:9000\n"

Test(notify, conf_lines)
{
	struct conf *c = load_ok(S3, FN
	    "on_object = uploads s3:ObjectCreated:* prefix=img/ suffix=.jpg\n"
	    "on_object = uploads ObjectRemoved:Delete\n"
	    "on_object = logs ObjectCreated:Put ObjectCreated:Copy\n"
	    "on_object = logs s3:ObjectCreated:CompleteMultipartUpload "
	    "ObjectCreated:Post s3:ObjectRemoved:*\n");
	const struct function_conf *f = conf_find(c, "f");

	cr_assert_eq(f->non_object, 4);
	cr_assert_str_eq(f->on_object[0].bucket, "uploads");
	cr_assert_eq(f->on_object[0].events, CONF_S3EV_CREATED);
	cr_assert_str_eq(f->on_object[0].prefix, "img/");
	cr_assert_str_eq(f->on_object[0].suffix, ".jpg");
	cr_assert_eq(f->on_object[1].events, CONF_S3EV_DELETE);
	cr_assert_null(f->on_object[1].prefix);
	cr_assert_null(f->on_object[1].suffix);
	cr_assert_eq(f->on_object[2].events, CONF_S3EV_PUT | CONF_S3EV_COPY);
	cr_assert_eq(f->on_object[3].events, CONF_S3EV_CMU | CONF_S3EV_POST |
	    CONF_S3EV_REMOVED);
	conf_free(c);
}

Test(notify, conf_errors)
{
	static const struct {
		const char	*line, *err;
	} bad[] = {
		{ "on_object = uploads", "expected BUCKET EVENT... [prefix=P] "
		    "[suffix=S]" },
		{ "on_object = uploads prefix=a/", "expected BUCKET EVENT" },
		{ "on_object = Uploads ObjectCreated:*", "\"Uploads\" is not a "
		    "bucket name" },
		{ "on_object = uploads ObjectCreated:Patch", "\"ObjectCreated:"
		    "Patch\" is not an event: expected s3:ObjectCreated:*" },
		{ "on_object = uploads objectcreated:*", "is not an event" },
		{ "on_object = uploads s3:s3:ObjectCreated:*", "is not an "
		    "event" },
		{ "on_object = uploads ObjectCreated:* prefix=", "prefix needs "
		    "a value" },
		{ "on_object = uploads ObjectCreated:* suffix=.a suffix=.b",
		    "suffix is given twice" },
	};
	char fns[512], want[512];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *err;

		snprintf(fns, sizeof(fns), FN "%s\n", bad[i].line);
		err = load_err(S3, fns);
		snprintf(want, sizeof(want), "fd/f.conf:3: on_object: ");
		cr_assert(strncmp(err, want, strlen(want)) == 0, "%s: %s",
		    bad[i].line, err);
		cr_assert(strstr(err, bad[i].err) != NULL, "%s: %s",
		    bad[i].line, err);
	}
}

Test(notify, needs_s3_listen)
{
	cr_assert_str_eq(load_err("", FN "route = GET /f\n"
	    "on_object = uploads ObjectCreated:*\n"),
	    "fd/f.conf:4: on_object: Buckets are off: set s3_listen in "
	    "[lambdad]");
}

Test(notify, match)
{
	struct conf_on_object o = { .bucket = "up", .events =
	    CONF_S3EV_CREATED, .prefix = "img/", .suffix = ".jpg" };
	struct conf_on_object any = { .bucket = "up", .events =
	    CONF_S3EV_DELETE };

	cr_assert(s3_notify_match(&o, "up", "img/a.jpg", CONF_S3EV_PUT));
	cr_assert(s3_notify_match(&o, "up", "img/.jpg", CONF_S3EV_COPY));
	cr_assert(s3_notify_match(&o, "up", "img/x/y.jpg", CONF_S3EV_CMU));
	cr_assert(!s3_notify_match(&o, "up", "img/a.jpg", CONF_S3EV_DELETE));
	cr_assert(!s3_notify_match(&o, "down", "img/a.jpg", CONF_S3EV_PUT));
	cr_assert(!s3_notify_match(&o, "up", "doc/a.jpg", CONF_S3EV_PUT));
	cr_assert(!s3_notify_match(&o, "up", "img/a.png", CONF_S3EV_PUT));
	cr_assert(!s3_notify_match(&o, "up", "img/a.jpg.txt", CONF_S3EV_PUT));
	cr_assert(!s3_notify_match(&o, "up", "img", CONF_S3EV_PUT));
	cr_assert(!s3_notify_match(&o, "up", ".jpg", CONF_S3EV_PUT));
	/* Bytes, as written: no case folding. */
	cr_assert(!s3_notify_match(&o, "up", "IMG/a.jpg", CONF_S3EV_PUT));
	cr_assert(s3_notify_match(&any, "up", "anything at all",
	    CONF_S3EV_DELETE));
	cr_assert(!s3_notify_match(&any, "up", "x", CONF_S3EV_PUT));
	cr_assert(!s3_notify_match(&any, "upx", "x", CONF_S3EV_DELETE));
	cr_assert_eq(s3_notify_bit(S3N_PUT), CONF_S3EV_PUT);
	cr_assert_eq(s3_notify_bit(S3N_COPY), CONF_S3EV_COPY);
	cr_assert_eq(s3_notify_bit(S3N_CMU), CONF_S3EV_CMU);
	cr_assert_eq(s3_notify_bit(S3N_DELETE), CONF_S3EV_DELETE);
}

static void
enc_is(const char *key, size_t n, const char *want)
{
	struct buf b;

	buf_init(&b);
	s3_notify_key_enc(&b, key, n);
	buf_addc(&b, '\0');
	cr_assert_str_eq(b.data, want, "key \"%.*s\"", (int)n, key);
	buf_free(&b);
}

#define ENC(k, w)	enc_is((k), strlen(k), (w))

Test(notify, key_encoding)
{
	ENC("img/photo.jpg", "img/photo.jpg");
	ENC("a b/c d.txt", "a+b/c+d.txt");
	ENC("A-Z_a.z~0-9", "A-Z_a.z~0-9");
	ENC("year=2026/x,y", "year%3D2026/x%2Cy");
	ENC("a+b", "a%2Bb");
	ENC("100%", "100%25");
	ENC("q?&#:*'()!$@;", "q%3F%26%23%3A%2A%27%28%29%21%24%40%3B");
	ENC("\xc3\xbc.txt", "%C3%BC.txt");
	enc_is("tab\there", 8, "tab%09here");
	ENC("", "");
}
