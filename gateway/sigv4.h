/*
 * sigv4: verify AWS Signature Version 4 on a request, as a service does:
 * rebuild the canonical request and the string to sign from what arrived,
 * derive the signing key from the shared secret of the key id named in
 * the Credential, and compare signatures in constant time.
 *
 * Accepted: `Authorization: AWS4-HMAC-SHA256 Credential=ID/DATE/REGION/
 * SERVICE/aws4_request, SignedHeaders=a;b, Signature=HEX`, X-Amz-Date
 * within 15 minutes of now, any region, the given service, `host` among
 * the signed headers.  The body hash is always computed; a
 * X-Amz-Content-Sha256 header must equal it (UNSIGNED-PAYLOAD is refused,
 * since it would let the body be swapped under a valid signature).
 * Presigned URLs (X-Amz-Signature in the query) are not accepted there.
 *
 * sigv4_verify_s3 is S3's variant: service "s3", the path signed as S3
 * signs it (each key byte encoded once, no segment removed), the
 * X-Amz-Content-Sha256 header taken as the payload's hash (a hex SHA-256
 * the caller checks against the body, UNSIGNED-PAYLOAD, or one of the
 * aws-chunked streaming forms, whose chunk signatures chain from the
 * request's with sigv4_chunk_sig), and presigned query-string URLs with
 * X-Amz-Expires.
 *
 * The canonical URI is the wire path encoded once more, as every service
 * but S3 signs it; a path with escapes that fails that way is also tried
 * as sent, because older clients (curl before 8.x) sign it unencoded.
 */
#ifndef LAMBDAD_SIGV4_H
#define LAMBDAD_SIGV4_H

#include <stddef.h>
#include <time.h>

#include "buf.h"

struct http_request;

#define SIGV4_MAX_SKEW	900	/* seconds either way, as AWS */

enum sigv4_status {
	SIGV4_OK,
	SIGV4_MISSING,		/* no Authorization header */
	SIGV4_MALFORMED,	/* not a well-formed AWS4-HMAC-SHA256 header */
	SIGV4_UNKNOWN_KEY,	/* the key id is not one of ours */
	SIGV4_EXPIRED,		/* X-Amz-Date too far from now */
	SIGV4_MISMATCH,		/* wrong signature, service or body hash */
	SIGV4_URL_EXPIRED,	/* a presigned URL past its X-Amz-Expires */
};

/*
 * Verify req against keys[0..nkeys) ("ID:SECRET" each) for service, at
 * time now.  why (may be NULL) gets a sentence for the error body.
 */
enum sigv4_status sigv4_verify(const struct http_request *req,
	    char *const *keys, size_t nkeys, const char *service, time_t now,
	    char *why, size_t whylen);
/* The streaming payload hashes S3 accepts (aws-chunked bodies). */
#define SIGV4_STREAMING		"STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
#define SIGV4_STREAMING_TRAILER	"STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
#define SIGV4_STREAMING_UNSIGNED "STREAMING-UNSIGNED-PAYLOAD-TRAILER"

/* What a verified S3 request was signed with, for its chunks. */
struct sigv4_ctx {
	char		 payload[72];	/* the payload hash the signature covers */
	char		 amzdate[17];
	char		 scope[160];	/* DATE/REGION/s3/aws4_request */
	char		 seed[65];	/* the request's signature */
	unsigned char	 key[32];	/* the signing key */
	int		 presigned;
};

/* S3's rules (above); ctx is filled on SIGV4_OK. */
enum sigv4_status sigv4_verify_s3(const struct http_request *req,
	    char *const *keys, size_t nkeys, time_t now, struct sigv4_ctx *ctx,
	    char *why, size_t whylen);
/* c->key for secret and region from c->amzdate (tests, fuzzers). */
void	sigv4_ctx_key(struct sigv4_ctx *c, const char *secret,
	    const char *region);
/* The signature of an aws-chunked chunk data[0..n) whose previous
 * signature (the seed, for the first) is prev; and of the trailer block. */
void	sigv4_chunk_sig(const struct sigv4_ctx *c, const char *prev,
	    const void *data, size_t n, char out[65]);
void	sigv4_trailer_sig(const struct sigv4_ctx *c, const char *prev,
	    const void *trailer, size_t n, char out[65]);

/* AWS's x-amzn-ErrorType for a failed status. */
const char *sigv4_error_type(enum sigv4_status st);

/* ---- Signing, as a client (the stores' backends) ---- */

struct http_header;
/* "YYYYMMDDTHHMMSSZ" for now. */
void	sigv4_amz_date(time_t now, char out[17]);
/*
 * Sign a request with key ("ID:SECRET") for region and service: the
 * Authorization header's value is appended to authz.  hdrs are the headers
 * to sign, names lower-case and sorted, values trimmed; they must include
 * host and x-amz-date (= amzdate).  The query is empty.  0, or -1 for a
 * malformed key.
 */
int	sigv4_sign(const char *key, const char *region, const char *service,
	    const char *method, const char *path, const struct http_header *hdrs,
	    size_t nhdrs, const void *body, size_t blen, const char *amzdate,
	    struct buf *authz);

/* ---- Steps, exposed for the unit tests. ---- */

/* The canonical URI of a wire path: dot segments and empty segments
 * removed, then every byte but unreserved and '/' percent-encoded. */
void	sigv4_canonical_uri(const char *path, size_t len, int encode,
	    struct buf *out);
/* The canonical query: pairs decoded, re-encoded strictly, sorted. */
int	sigv4_canonical_query(const char *q, size_t len, struct buf *out);
/* Lowercase hex of SHA-256(p); out has room for 65 bytes. */
void	sigv4_sha256_hex(const void *p, size_t n, char out[65]);

#endif
