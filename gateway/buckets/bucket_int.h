/*
 * bucket_int: what the files of gateway/buckets/ share: the store's
 * struct, one request's job, S3's errors, and the steps each operation
 * is made of.  Not for use outside gateway/buckets/.
 *
 * A request is one struct s3_job.  It is routed and authenticated on the
 * loop (door.c), then goes through steps, each on a thread: file work on
 * libuv's threadpool (s3_job_work), metadata on the store (s3_job_read,
 * s3_job_write).  A step that fails sets j->err; s3_job_reply answers.
 */
#ifndef LAMBDAD_BUCKETS_INT_H
#define LAMBDAD_BUCKETS_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <sqlite3.h>
#include <uv.h>

#include "buf.h"
#include "sigv4.h"
#include "s3.h"

struct conf;
struct conf_grant;
struct http_request;
struct http_server;
struct store;

#define S3_MAX_BODY	(512ull * 1024 * 1024)	/* one request's body */
#define S3_PART_MIN	(5u * 1024 * 1024)	/* all parts but the last */
#define S3_PARTS_MAX	10000
#define S3_REGION	"us-east-1"
#define S3_STREAM_MIN	(256u * 1024)	/* GetObject streams past this */
#define S3_STREAM_BUF	(256u * 1024)	/* one read of a streamed body */

struct equeue;

struct buckets {
	uv_loop_t	*loop;
	const struct conf *conf;
	struct store	*store;
	struct http_server *srv;
	char		*dir;		/* buckets_dir */
	uint64_t	 max_bytes;	/* 0: no cap */
	uint64_t	 rng[2];
	unsigned	 jobs;		/* outstanding */
	uint64_t	 gen;		/* writes done: sites' cache (site.c) */
	bool		 closing;
	bool		 store_gone;	/* closed: b goes with the last job */
	char		*suffixes[4];	/* virtual-host names */
	size_t		 nsuffixes;
	/* on_object events (notify.c): their queue, the last sequencer,
	 * and the events stored and lost. */
	struct equeue	*eq;
	uint64_t	 ev_seq;
	uint64_t	 ev_queued, ev_lost;
};

enum s3_err {
	S3E_OK = 0,
	S3E_ACCESS_DENIED, S3E_SIGNATURE, S3E_SKEWED, S3E_KEY_ID,
	S3E_AUTH_MALFORMED, S3E_EXPIRED,
	S3E_NO_BUCKET, S3E_NO_KEY, S3E_BUCKET_OWNED, S3E_BUCKET_NOT_EMPTY,
	S3E_BUCKET_NAME, S3E_KEY_TOO_LONG, S3E_BAD_DIGEST, S3E_INVALID_DIGEST,
	S3E_RANGE, S3E_PRECONDITION, S3E_NOT_MODIFIED, S3E_METHOD,
	S3E_NO_UPLOAD, S3E_INVALID_PART, S3E_PART_ORDER, S3E_TOO_SMALL,
	S3E_TOO_LARGE, S3E_QUOTA, S3E_MALFORMED_XML, S3E_ARGUMENT,
	S3E_INTERNAL, S3E_UNAVAILABLE, S3E_SHA256, S3E_INVALID_TAG,
	S3E_INCOMPLETE, S3E_REQUEST, S3E_NOPS
};

/* One object's metadata, as a row of objects. */
struct s3_obj {
	int64_t		 size;
	int64_t		 mtime;		/* epoch ms */
	char		 etag[72];	/* without quotes */
	char		 file[80];	/* relative to the directory */
	struct buf	 ctype;
	struct buf	 meta;		/* "name: value\n", lower-case names */
	struct buf	 tags;		/* "k=v&k=v", encoded */
};

struct s3_job;
typedef void (*s3_step_fn)(struct s3_job *j);

struct s3_job {
	struct buckets	*b;
	struct http_request *req;
	/* A function's request (its private endpoint): its name and its
	 * buckets = grants (grants.c); NULL: the operator's listener. */
	char		*fn;
	struct conf_grant *grants;
	size_t		 ngrants;
	struct s3_route	 rt;
	char		 rid[17];
	struct sigv4_ctx sig;
	bool		 signed_chunks;	/* STREAMING-AWS4-HMAC-SHA256-* */
	bool		 chunked;	/* any aws-chunked body */
	bool		 signed_trailer;
	/* The payload: req's body, or the decoded aws-chunked one. */
	const char	*body;
	size_t		 body_len;
	struct buf	 decoded;
	struct buf	 trailers;
	/* Between steps. */
	s3_step_fn	 next;		/* on the loop after a thread step */
	int		(*thread_fn)(sqlite3 *db, struct s3_job *j);
	bool		 writing;	/* the step is a write: gen moves */
	void		(*work_fn)(struct s3_job *j);
	uv_work_t	 work;
	struct s3_obj	 obj;		/* the object written or read */
	struct s3_obj	 src;		/* CopyObject's source */
	char		 newfile[80];	/* a file this job made, until durable */
	struct buf	 unlink;	/* files to remove once durable, \0-ended */
	struct buf	 tmp;		/* scratch for the steps */
	struct buf	 list;		/* part numbers and ETags, etc. */
	struct buf	 aux;		/* MD5s; the keys a delete removed */
	uint64_t	 head_len;	/* HeadObject's Content-Length */
	/* GetObject of a large object: streamed from fd (door.c). */
	int		 fd;		/* -1: none */
	uint64_t	 s_off, s_left;
	uv_fs_t		 fsreq;
	char		*s_buf;
	bool		 s_reading, s_waiting, s_gone;
	int		 part;		/* UploadPart's number */
	bool		 cr_range;	/* x-amz-copy-source-range given */
	uint64_t	 cr_first, cr_last;
	char		 upload[40];	/* an upload id */
	int64_t		 reserve;	/* bytes a write adds (quota) */
	/* on_object events being stored (notify.c), then this step. */
	unsigned	 ev_pending;
	s3_step_fn	 ev_next;
	/* The answer. */
	enum s3_err	 err;
	char		 msg[256];
	int		 status;
	struct buf	 hdrs;		/* "Name: value\n" */
	struct buf	 out;		/* the body */
	/* A site's request (site.c): its errors are HTML pages. */
	struct site_job	*site;
};

/* ---- grants.c ---- */

/* Note function fn and copy its buckets = grants from c into j; -1: no
 * memory. */
int	s3_grants_copy(struct s3_job *j, const struct conf *c, const char *fn);
void	s3_grants_free(struct s3_job *j);
/* Whether j may read (or write) bucket: always for the operator's. */
bool	s3_allowed(const struct s3_job *j, const char *bucket, bool write);
/* j's routed operation against its grants: 0, or -1 and j failed with
 * AccessDenied. */
int	s3_grants_check(struct s3_job *j);

/* ---- door.c ---- */

/* A job for req (s3_job_reply answers and frees it). */
struct s3_job *s3_job_new(struct buckets *b, struct http_request *req);

/* Fail j with err and a message (NULL: the code's own). */
void	s3_fail(struct s3_job *j, enum s3_err err, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
void	s3_hdr(struct s3_job *j, const char *name, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
/* Answer j (its error if set) and free it. */
void	s3_job_reply(struct s3_job *j);
/* Run fn on the store (a reader or the writer), then next on the loop. */
void	s3_job_read(struct s3_job *j, int (*fn)(sqlite3 *, struct s3_job *),
	    s3_step_fn next);
void	s3_job_write(struct s3_job *j, int (*fn)(sqlite3 *, struct s3_job *),
	    s3_step_fn next);
/* Run fn on the threadpool, then next on the loop. */
void	s3_job_work(struct s3_job *j, void (*fn)(struct s3_job *),
	    s3_step_fn next);
/* The XML declaration and <name xmlns=...> into j->out. */
void	s3_xml_open(struct s3_job *j, const char *name);
/* <tag>escaped text</tag> */
void	s3_xml_el(struct buf *b, const char *tag, const char *s, size_t n);
/* s3_xml_el of a key or prefix, URL-encoded first when the request said
 * encoding-type=url (slashes kept, as S3 does). */
void	s3_xml_name(struct buf *b, const char *tag, const char *s, size_t n,
	    bool url);
/* A request header's value as a NUL-terminated copy into out, or -1. */
int	s3_req_hdr(const struct s3_job *j, const char *name, struct buf *out);
/* Random hex (2n digits) into out. */
void	s3_random_hex(char *out, size_t n);

/* ---- meta.c: metadata, on store threads ---- */

extern const char s3_schema[];
void	s3_obj_init(struct s3_obj *o);
void	s3_obj_free(struct s3_obj *o);
/* 0 found, 1 not, -1 SQLite error (j->err set). */
int	s3_meta_bucket(sqlite3 *db, struct s3_job *j, const char *bucket);
int	s3_meta_get(sqlite3 *db, struct s3_job *j, const char *bucket,
	    const char *key, struct s3_obj *o);
/* Insert or replace o at bucket/key; the old file (if any) goes to
 * j->unlink, and the bucket's counts move. 0 or -1. */
int	s3_meta_put(sqlite3 *db, struct s3_job *j, const char *bucket,
	    const char *key, const struct s3_obj *o);
/* Remove bucket/key (its file to j->unlink).  0 removed, 1 none, -1. */
int	s3_meta_del(sqlite3 *db, struct s3_job *j, const char *bucket,
	    const char *key);
/* Whether adding add bytes stays under max_bytes (0 = no cap). */
int	s3_meta_quota(sqlite3 *db, struct s3_job *j, int64_t add);

/* ---- file.c: the data files, on the threadpool ---- */

/* Write data to a new file under dir/data (tmp, fsync, rename): its
 * relative name into rel.  0 or -errno. */
int	s3_file_write(const char *dir, const void *data, size_t n,
	    char rel[80]);
/* Open rel for reading: the fd, or -errno. */
int	s3_file_open(const char *dir, const char *rel);
/* Read [off, off+len) of rel into out.  0 or -errno. */
int	s3_file_read(const char *dir, const char *rel, uint64_t off,
	    uint64_t len, struct buf *out);
/* A hard link of rel under a new name.  0 or -errno. */
int	s3_file_link(const char *dir, const char *rel, char out[80]);
/* len bytes of fd from off into a new file (rel), their MD5 into md5.
 * 0 or -errno (-EIO: the file is shorter). */
int	s3_file_copy(const char *dir, int fd, uint64_t off, uint64_t len,
	    char rel[80], char md5[33]);
/* Concatenate files (NUL-separated in list, n of them) into a new file. */
int	s3_file_concat(const char *dir, const struct buf *list, char rel[80]);
void	s3_file_unlink(const char *dir, const struct buf *list);
/* Remove what a crash left in dir/tmp; make the folders. */
int	s3_file_init(const char *dir);
/* Start the sweep of old files no row references (gc.c), on a store
 * reader: before the listener opens, once the store is. */
void	s3_gc_start(struct buckets *b);
/* Lowercase hex MD5 of p. */
void	s3_md5_hex(const void *p, size_t n, char out[33]);
/* Check the Content-MD5 and x-amz-checksum-* of the body (headers and
 * trailers); the checksum headers to keep go to j->obj.meta. 0 or -1. */
int	s3_check_body(struct s3_job *j);

/* ---- site.c ---- */

void	s3_site_free(struct site_job *sj);	/* NULL-safe */
/* j->err as a site's HTML page, into j->out and j->hdrs. */
void	s3_site_error(struct s3_job *j);

/* ---- site_cache.c: on the loop ---- */

#define SITE_CACHE_BYTES	(32u << 20)	/* all entries */
#define SITE_CACHE_ENTRY	(64u << 10)	/* one body at most */

/* A cached answer: a 200's headers ("Name: value\n") and body. */
struct site_hit {
	char		 etag[72];
	int64_t		 mtime;		/* epoch ms */
	char		*hdrs;
	char		*body;
	size_t		 body_len;
};
struct site_cache;
struct site_cache *site_cache_new(void);
struct site_cache *site_cache_ref(struct site_cache *c);
void	site_cache_unref(struct site_cache *c);	/* NULL-safe */
/* The entry for bucket/key and accept filled at gen, or NULL (a stale
 * one is dropped).  Valid until the next call. */
const struct site_hit *site_cache_get(struct site_cache *c,
	    const char *bucket, const char *key, unsigned accept, uint64_t gen);
void	site_cache_put(struct site_cache *c, const char *bucket,
	    const char *key, unsigned accept, uint64_t gen,
	    const struct s3_obj *o, const struct buf *hdrs,
	    const struct buf *body);

/* ---- the operations (ops_*.c) ---- */

void	s3_op_bucket(struct s3_job *j);		/* bucket level */
void	s3_op_list(struct s3_job *j);		/* ListObjects(V2) */
void	s3_op_object(struct s3_job *j);		/* object level */
void	s3_op_upload(struct s3_job *j);		/* multipart */
void	s3_op_list_parts(struct s3_job *j);	/* ops_mplist.c */
void	s3_op_list_uploads(struct s3_job *j);
/* On the threadpool: the body decoded (aws-chunked) and checked, into a
 * new file (j->obj.file, j->newfile, size, etag, mtime). */
void	s3_body_work(struct s3_job *j);
/* Answer a write with the object's ETag and checksum headers. */
void	s3_put_done(struct s3_job *j);
/* Decode a small aws-chunked body in place; -1 answered. */
int	s3_small_body(struct s3_job *j);
/* The kept headers of a request (Content-Type etc., x-amz-meta-*) into o. */
void	s3_obj_from_req(struct s3_job *j, struct s3_obj *o);

/* Whether an If-Match / If-None-Match list names etag (or is "*"). */
bool	s3_etag_in(const char *v, size_t n, const char *etag);
/* ops_upload.c, on a store thread: the upload j names for its bucket and
 * key (its metadata into o, may be NULL), 0 or -1 NoSuchUpload; and the
 * row of part j->part from j->obj (size, etag, file, mtime), 0 or -1. */
int	s3_upload_find(sqlite3 *db, struct s3_job *j, struct s3_obj *o);
int	s3_part_run(sqlite3 *db, struct s3_job *j);

/* ---- partcopy.c: UploadPartCopy and the copy source ---- */

/* x-amz-copy-source into j->tmp ("BUCKET\0KEY\0"), checked against
 * j's read grants: 0, or -1 with j answered. */
int	s3_copy_source(struct s3_job *j);
/* The x-amz-copy-source-if-* headers against the source o (a store
 * thread): 0, or -1 with PreconditionFailed. */
int	s3_copy_conditions(struct s3_job *j, const struct s3_obj *o);
/* UploadPartCopy, j->part and j->upload set. */
void	s3_op_part_copy(struct s3_job *j);

/* Wall-clock ms since the epoch: an object's or upload's time. */
static inline int64_t
s3_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#endif
