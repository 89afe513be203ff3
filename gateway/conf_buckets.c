/*
 * conf_buckets: the configuration keys of Buckets (the embedded
 * S3-compatible object store, gateway/buckets/), kept out of conf.c,
 * which only calls these from its key table:
 *
 *   [lambdad]   s3_listen = HOST:PORT        (off when absent)
 *               buckets_dir = DIR            (STATE_DIR/buckets)
 *               buckets_max_bytes = N[K|M|G|T]   (0, the default: no cap)
 *   [function]  buckets = BUCKET[:read] ...  (repeatable, "*" = all)
 */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buckets/s3.h"
#include "conf.h"
#include "conf_int.h"

static bool
bucket_grant_ok(const char *s, size_t n)
{
	return (n == 1 && s[0] == '*') || s3_bucket_name_ok(s, n);
}

int
conf_buckets_grant(struct function_conf *fn, const char *v, char *why,
    size_t whylen)
{
	return conf_grant_line(&fn->buckets, &fn->nbuckets, v,
	    bucket_grant_ok, "bucket", "S3's: 3 to 63 of a-z 0-9 . -, or *",
	    why, whylen);
}

static int
conf_buckets_size(struct conf *c, const char *v, char *why, size_t whylen)
{
	uint64_t n = 0, mul = 1;
	const char *s = v;

	for (; isdigit((unsigned char)*s); s++) {
		if (n > (UINT64_MAX - 9) / 10)
			goto bad;
		n = n * 10 + (uint64_t)(*s - '0');
	}
	if (s == v)
		goto bad;
	switch (*s) {
	case 'T': mul <<= 10;	/* FALLTHROUGH */
	case 'G': mul <<= 10;	/* FALLTHROUGH */
	case 'M': mul <<= 10;	/* FALLTHROUGH */
	case 'K': mul <<= 10; s++; break;
	case '\0': break;
	default: goto bad;
	}
	if (*s != '\0' || (n != 0 && n > UINT64_MAX / mul))
		goto bad;
	c->buckets_max_bytes = n * mul;
	return 0;
bad:
	snprintf(why, whylen, "expected a number of bytes, with K, M, G or T "
	    "after it if wanted (10G), not \"%s\"", v);
	return -1;
}

int
conf_buckets_key(struct conf *c, const char *key, const char *v, char *why,
    size_t whylen)
{
	char *host;
	int port, rc;

	if (strcmp(key, "buckets_max_bytes") == 0)
		return conf_buckets_size(c, v, why, whylen);
	if ((rc = conf_parse_hostport(v, &host, &port)) != 0) {
		snprintf(why, whylen, rc == -ENOMEM ? "out of memory" :
		    "expected host:port (127.0.0.1:9000), not \"%s\"", v);
		return -1;
	}
	free(c->s3_host);
	c->s3_host = host;
	c->s3_port = port;
	return 0;
}

int
conf_buckets_dir(const struct conf *c, char *out, size_t outlen)
{
	int n;

	if (c->buckets_dir != NULL)
		n = snprintf(out, outlen, "%s", c->buckets_dir);
	else
		n = snprintf(out, outlen, "%s/buckets", conf_state_dir(c));
	return n < 0 || (size_t)n >= outlen ? -ENAMETOOLONG : 0;
}
