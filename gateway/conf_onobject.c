/*
 * conf_onobject: a function's on_object = lines, the S3 events of Buckets
 * that invoke it asynchronously (gateway/buckets/notify.c sends them):
 *
 *   on_object = BUCKET EVENT... [prefix=P] [suffix=S]     (repeatable)
 *
 * EVENT as S3 names them, with or without "s3:": ObjectCreated:* (Put,
 * Post, Copy, CompleteMultipartUpload) and ObjectRemoved:* (Delete).  A
 * line matches a key when it starts with P and ends with S (bytes, as
 * written, not URL-encoded).  Without s3_listen the line is an error:
 * nothing would ever send its events.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buckets/s3.h"
#include "conf.h"
#include "conf_int.h"

static const struct {
	const char	*name;
	unsigned	 bits;
} s3_events[] = {
	{ "ObjectCreated:*", CONF_S3EV_CREATED },
	{ "ObjectCreated:Put", CONF_S3EV_PUT },
	{ "ObjectCreated:Post", CONF_S3EV_POST },
	{ "ObjectCreated:Copy", CONF_S3EV_COPY },
	{ "ObjectCreated:CompleteMultipartUpload", CONF_S3EV_CMU },
	{ "ObjectRemoved:*", CONF_S3EV_REMOVED },
	{ "ObjectRemoved:Delete", CONF_S3EV_DELETE },
};

/* The bits of event name s[0..n), or 0. */
static unsigned
event_bits(const char *s, size_t n)
{
	size_t i;

	if (n > 3 && strncmp(s, "s3:", 3) == 0)
		s += 3, n -= 3;
	for (i = 0; i < sizeof(s3_events) / sizeof(s3_events[0]); i++)
		if (strlen(s3_events[i].name) == n &&
		    memcmp(s3_events[i].name, s, n) == 0)
			return s3_events[i].bits;
	return 0;
}

/* prefix=P or suffix=S of word s[0..n) into *out (once). */
static int
filter_word(const char *s, size_t n, size_t kl, char **out, char *why,
    size_t whylen)
{
	if (*out != NULL) {
		snprintf(why, whylen, "%.*s is given twice", (int)(kl - 1), s);
		return -1;
	}
	if (n == kl) {
		snprintf(why, whylen, "%.*s needs a value (%.*simg/)",
		    (int)(kl - 1), s, (int)kl, s);
		return -1;
	}
	if ((*out = strndup(s + kl, n - kl)) == NULL) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	return 0;
}

/* One word after the bucket: an event or a filter. */
static int
line_word(struct conf_on_object *o, const char *s, size_t n, char *why,
    size_t whylen)
{
	unsigned bits;

	if (n >= 7 && strncmp(s, "prefix=", 7) == 0)
		return filter_word(s, n, 7, &o->prefix, why, whylen);
	if (n >= 7 && strncmp(s, "suffix=", 7) == 0)
		return filter_word(s, n, 7, &o->suffix, why, whylen);
	if ((bits = event_bits(s, n)) == 0) {
		snprintf(why, whylen, "\"%.*s\" is not an event: expected "
		    "s3:ObjectCreated:* (or :Put, :Post, :Copy, "
		    ":CompleteMultipartUpload), s3:ObjectRemoved:* (or :Delete), "
		    "prefix=P or suffix=S", (int)n, s);
		return -1;
	}
	o->events |= bits;
	return 0;
}

static void
line_free(struct conf_on_object *o)
{
	free(o->bucket);
	free(o->prefix);
	free(o->suffix);
}

static int
line_parse(struct conf_on_object *o, const char *v, char *why, size_t whylen)
{
	const char *p = v, *s;
	size_t n;

	while ((s = conf_word_next(&p, &n)) != NULL) {
		if (o->bucket == NULL) {
			if (!s3_bucket_name_ok(s, n)) {
				snprintf(why, whylen, "\"%.*s\" is not a bucket "
				    "name (S3's: 3 to 63 of a-z 0-9 . -)",
				    (int)n, s);
				return -1;
			}
			if ((o->bucket = strndup(s, n)) == NULL) {
				snprintf(why, whylen, "out of memory");
				return -1;
			}
		} else if (line_word(o, s, n, why, whylen) != 0)
			return -1;
	}
	if (o->bucket == NULL || o->events == 0) {
		snprintf(why, whylen, "expected BUCKET EVENT... [prefix=P] "
		    "[suffix=S] (uploads s3:ObjectCreated:* prefix=img/)");
		return -1;
	}
	return 0;
}

int
conf_on_object(struct function_conf *fn, const char *v, const char *file,
    int line, char *why, size_t whylen)
{
	struct conf_on_object o = { .file = file, .line = line };

	if (line_parse(&o, v, why, whylen) != 0) {
		line_free(&o);
		return -1;
	}
	if (conf_grow(&fn->on_object, fn->non_object,
	    sizeof(*fn->on_object)) != 0) {
		snprintf(why, whylen, "out of memory");
		line_free(&o);
		return -1;
	}
	fn->on_object[fn->non_object++] = o;
	return 0;
}

/* An event nothing would ever send is a mistake worth stopping for. */
int
conf_on_object_finish(const struct conf *c, char *err, size_t errlen)
{
	size_t i;

	if (c->s3_port >= 0)
		return 0;
	for (i = 0; i < c->nfns; i++)
		if (c->fns[i].non_object > 0) {
			snprintf(err, errlen, "%s:%d: on_object: Buckets are off: "
			    "set s3_listen in [lambdad]",
			    c->fns[i].on_object[0].file,
			    c->fns[i].on_object[0].line);
			return -1;
		}
	return 0;
}

void
conf_on_object_free(struct function_conf *fn)
{
	size_t i;

	for (i = 0; i < fn->non_object; i++)
		line_free(&fn->on_object[i]);
	free(fn->on_object);
	fn->on_object = NULL;
	fn->non_object = 0;
}
