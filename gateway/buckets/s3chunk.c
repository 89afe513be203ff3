/*
 * s3chunk: the aws-chunked body encoding (s3.h).  Each chunk is
 *
 *	HEXSIZE[;chunk-signature=SIG]\r\n DATA \r\n
 *
 * and the last has size 0, then either \r\n or trailer lines
 * ("x-amz-checksum-crc32:VALUE\r\n", and for a signed trailer
 * "x-amz-trailer-signature:SIG\r\n") and \r\n.  A chunk's signature is the
 * HMAC of its own string to sign, which names the previous signature, so
 * no chunk can be dropped, reordered or changed.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "sigv4.h"
#include "s3.h"

#define SIG_ATTR	";chunk-signature="
#define TRAILER_SIG	"x-amz-trailer-signature:"
#define MAX_LINE	4096

/* The line at *p (up to \r\n), its length; *p moves past it.  -1 if none
 * within MAX_LINE. */
static long
line(const char **p, const char *end, const char **l)
{
	const char *s = *p, *e;
	size_t room = (size_t)(end - s);

	if ((e = memmem(s, room < MAX_LINE ? room : MAX_LINE, "\r\n", 2)) ==
	    NULL)
		return -1;
	*l = s;
	*p = e + 2;
	return e - s;
}

/* "HEX[;chunk-signature=SIG]": the size and the signature (or NULL). */
static int
chunk_head(const char *l, size_t n, size_t *size, const char **sig)
{
	size_t i, v = 0;

	*sig = NULL;
	for (i = 0; i < n && isxdigit((unsigned char)l[i]); i++) {
		if (v > (SIZE_MAX >> 4))
			return -1;
		v = v << 4 | (size_t)(isdigit((unsigned char)l[i]) ? l[i] - '0' :
		    (tolower((unsigned char)l[i]) - 'a' + 10));
	}
	if (i == 0 || i > 16)
		return -1;
	*size = v;
	if (i == n)
		return 0;
	if (n - i != strlen(SIG_ATTR) + 64 ||
	    memcmp(l + i, SIG_ATTR, strlen(SIG_ATTR)) != 0)
		return -1;
	*sig = l + i + strlen(SIG_ATTR);
	return 0;
}

/* The trailer lines after the last chunk, up to the empty line. */
static int
trailer(const char **p, const char *end, const struct sigv4_ctx *ctx,
    bool signed_trailer, const char *prev, struct buf *trailers)
{
	struct buf t;
	const char *l, *sig = NULL;
	char want[65];
	long n;
	size_t i;

	buf_init(&t);
	while ((n = line(p, end, &l)) > 0) {
		if ((size_t)n == strlen(TRAILER_SIG) + 64 &&
		    strncasecmp(l, TRAILER_SIG, strlen(TRAILER_SIG)) == 0) {
			sig = l + strlen(TRAILER_SIG);
			continue;
		}
		if (memchr(l, ':', (size_t)n) == NULL || sig != NULL)
			goto bad;
		for (i = 0; i < (size_t)n && l[i] != ':'; i++)
			buf_addc(&t, (char)tolower((unsigned char)l[i]));
		buf_add(&t, l + i, (size_t)n - i);
		buf_addc(&t, '\n');
	}
	if (n < 0)
		goto bad;
	if (ctx != NULL && signed_trailer) {
		if (sig == NULL)
			goto bad;
		sigv4_trailer_sig(ctx, prev, t.data != NULL ? t.data : "",
		    t.len, want);
		if (CRYPTO_memcmp(want, sig, 64) != 0) {
			buf_free(&t);
			return S3_CHUNK_ESIG;
		}
	}
	if (trailers != NULL && t.len > 0)
		buf_add(trailers, t.data, t.len);
	buf_free(&t);
	return 0;
bad:
	buf_free(&t);
	return S3_CHUNK_EINVAL;
}

int
s3_chunked_decode(const char *in, size_t n, const struct sigv4_ctx *ctx,
    bool signed_trailer, struct buf *out, struct buf *trailers)
{
	const char *p = in, *end = in + n, *l, *sig;
	char prev[65], want[65];
	size_t size;
	long ln;

	if (ctx != NULL)
		memcpy(prev, ctx->seed, 65);
	for (;;) {
		if ((ln = line(&p, end, &l)) <= 0 ||
		    chunk_head(l, (size_t)ln, &size, &sig) != 0 ||
		    (ctx != NULL) != (sig != NULL))
			return S3_CHUNK_EINVAL;
		if (size > (size_t)(end - p) ||
		    (size > 0 && (size_t)(end - p) - size < 2))
			return S3_CHUNK_EINVAL;
		if (ctx != NULL) {
			sigv4_chunk_sig(ctx, prev, p, size, want);
			if (CRYPTO_memcmp(want, sig, 64) != 0)
				return S3_CHUNK_ESIG;
			memcpy(prev, want, 65);
		}
		if (size == 0)
			break;
		buf_add(out, p, size);
		p += size;
		if (p[0] != '\r' || p[1] != '\n')
			return S3_CHUNK_EINVAL;
		p += 2;
	}
	if ((ln = trailer(&p, end, ctx, signed_trailer, prev, trailers)) != 0)
		return (int)ln;
	return p == end ? 0 : S3_CHUNK_EINVAL;
}
