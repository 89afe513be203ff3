/*
 * s3: the pure parts of Buckets, lambdad's S3-compatible object store
 * (gateway/buckets/): names, the request router, XML and URL escaping,
 * Range, the aws-chunked decoder and the listing's paging.  Nothing here
 * touches the loop, a file or the database, so the unit tests and the
 * fuzzer drive it directly; bucket.h is the store and its listener.
 */
#ifndef LAMBDAD_BUCKETS_S3_H
#define LAMBDAD_BUCKETS_S3_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "buf.h"

struct sigv4_ctx;

#define S3_KEY_MAX	1024	/* bytes, as S3 */
#define S3_MAX_KEYS	1000	/* a listing page at most */

/* ---- names --------------------------------------------------------------- */

/* S3's bucket naming rules: 3 to 63 of a-z 0-9 . -, a letter or digit at
 * both ends, no "..", not an IPv4 address, no "xn--" prefix. */
bool	s3_bucket_name_ok(const char *s, size_t n);
/* A key: 1 to 1024 bytes of valid UTF-8 without NUL. */
bool	s3_key_ok(const char *s, size_t n);

/* ---- the router ---------------------------------------------------------- */

enum s3_op {
	S3_BAD = 0,		/* no such operation (MethodNotAllowed) */
	S3_LIST_BUCKETS,
	S3_CREATE_BUCKET, S3_DELETE_BUCKET, S3_HEAD_BUCKET,
	S3_GET_LOCATION, S3_LIST_OBJECTS, S3_LIST_OBJECTS_V2,
	S3_LIST_UPLOADS, S3_DELETE_OBJECTS,
	S3_PUT_OBJECT, S3_COPY_OBJECT, S3_GET_OBJECT, S3_HEAD_OBJECT,
	S3_DELETE_OBJECT,
	S3_GET_TAGGING, S3_PUT_TAGGING, S3_DELETE_TAGGING,
	S3_CREATE_UPLOAD, S3_UPLOAD_PART, S3_COMPLETE_UPLOAD,
	S3_ABORT_UPLOAD, S3_LIST_PARTS, S3_UPLOAD_PART_COPY,
	S3_NOPS
};

struct s3_route {
	enum s3_op	 op;
	char		*bucket;	/* decoded; NULL for ListBuckets */
	char		*key;		/* decoded; NULL for bucket ops */
	bool		 virtual_host;	/* the bucket came from Host */
	const char	*why;		/* S3_BAD: a sentence */
};

/*
 * Route a request: method, Host (may be NULL), the wire path and query,
 * whether x-amz-copy-source was sent, and the suffixes of Host that name
 * this service (e.g. "localhost", "127.0.0.1"; a Host of B.SUFFIX[:port]
 * is virtual-hosted-style for bucket B).  0 and *r (s3_route_free it), or
 * -1 for a path that cannot be decoded (r->why).
 */
int	s3_route(const char *method, const char *host, size_t hostlen,
	    const char *path, size_t plen, const char *query, size_t qlen,
	    bool copy_source, const char *const *suffixes, size_t nsuffixes,
	    struct s3_route *r);
void	s3_route_free(struct s3_route *r);
const char *s3_op_name(enum s3_op op);

/* The decoded value of query parameter name into out (NUL-terminated), or
 * -1 when absent; present without '=' gives "". */
int	s3_query_get(const char *q, size_t qlen, const char *name,
	    struct buf *out);
bool	s3_query_has(const char *q, size_t qlen, const char *name);

/* ---- text ---------------------------------------------------------------- */

/* XML character data / attribute text: & < > " ' escaped, and control
 * bytes as &#xN; (XML 1.0 has no other way to carry them). */
void	s3_xml_esc(struct buf *b, const char *s, size_t n);
/* encoding-type=url: every byte but unreserved (and '/' if keep_slash)
 * percent-encoded. */
void	s3_url_enc(struct buf *b, const char *s, size_t n, bool keep_slash);
/* The text of the next <tag>...</tag> at or after *p (< end), entities
 * decoded, into out; *p moves past it.  0, or -1 when there is none. */
int	s3_xml_next(const char **p, const char *end, const char *tag,
	    struct buf *out);
/* "Mon, 07 Dec 2026 10:00:00 GMT" and "2026-12-07T10:00:00.000Z". */
void	s3_http_date(int64_t ms, char out[40]);
void	s3_iso_date(int64_t ms, char out[40]);
/* An HTTP date (RFC 1123, or the two obsolete forms) to epoch seconds,
 * or -1. */
time_t	s3_parse_http_date(const char *s, size_t n);

/* ---- Range --------------------------------------------------------------- */

enum s3_range {
	S3_RANGE_NONE,		/* no usable Range: the whole object, 200 */
	S3_RANGE_OK,		/* *off, *len: 206 */
	S3_RANGE_BAD,		/* not satisfiable: 416 InvalidRange */
};
/* A Range header of n bytes (v may be NULL) against an object of size. */
enum s3_range s3_range_parse(const char *v, size_t n, uint64_t size,
	    uint64_t *off, uint64_t *len);

/* x-amz-copy-source-range: exactly "bytes=FIRST-LAST", FIRST <= LAST,
 * both given (UploadPartCopy takes no other form).  true and the two. */
bool	s3_copy_range_parse(const char *v, size_t n, uint64_t *first,
	    uint64_t *last);

/* ---- aws-chunked --------------------------------------------------------- */

#define S3_CHUNK_EINVAL	(-1)	/* malformed */
#define S3_CHUNK_ESIG	(-2)	/* a chunk or trailer signature is wrong */
/*
 * Decode an aws-chunked body in[0..n) into out, and its trailer lines
 * ("name:value\n" each, lower-case names) into trailers (may be NULL).
 * With ctx, every chunk carries a chunk-signature chained from ctx->seed
 * and each is checked, and a signed trailer's x-amz-trailer-signature
 * too; without, chunks carry none.  0 or S3_CHUNK_*.
 */
int	s3_chunked_decode(const char *in, size_t n, const struct sigv4_ctx *ctx,
	    bool signed_trailer, struct buf *out, struct buf *trailers);

/* ---- listing ------------------------------------------------------------- */

/*
 * One page of a listing, fed keys in order: each key is an item, folds
 * into a common prefix (a new one, or the last one again), or ends the
 * page (max entries reached: the page is truncated).
 */
struct s3_list {
	const char	*prefix;
	size_t		 plen;
	const char	*delim;		/* NULL or "" = none */
	size_t		 dlen;
	unsigned	 max;		/* max-keys */
	unsigned	 n;		/* entries so far */
	bool		 truncated;
	struct buf	 last;		/* the last entry: the next marker */
	struct buf	 cp;		/* the last common prefix */
};
enum s3_list_act {
	S3_LIST_KEY,		/* an item */
	S3_LIST_PREFIX,		/* a new common prefix (l->cp) */
	S3_LIST_SKIP,		/* in the last common prefix, or not in prefix */
	S3_LIST_FULL,		/* the page is full: stop (truncated) */
};
void	s3_list_init(struct s3_list *l, const char *prefix, const char *delim,
	    unsigned max);
void	s3_list_free(struct s3_list *l);
enum s3_list_act s3_list_step(struct s3_list *l, const char *key, size_t n);
/* Where the next read should start (exclusive) after a common prefix:
 * cp + 0xff, past every key that has it. */
void	s3_list_seek_past(const struct s3_list *l, struct buf *out);

#endif
