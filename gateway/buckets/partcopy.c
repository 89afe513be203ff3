/*
 * partcopy: UploadPartCopy, and what it shares with CopyObject: the
 * x-amz-copy-source header and its x-amz-copy-source-if-* conditions.
 *
 * UploadPartCopy is three steps.  A reader checks the upload, the source
 * object, its conditions and x-amz-copy-source-range against its size,
 * and opens its file there (so the bytes are the ones that row names even
 * if a write replaces the object meanwhile).  The threadpool copies the
 * range into the part's new file, hashing it: a part's ETag is the MD5 of
 * its bytes, whatever the source's was.  The writer then makes the part's
 * row as UploadPart does (the upload may have gone since: NoSuchUpload).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http.h"
#include "store/store.h"

#include "bucket_int.h"

#define S3_COPY_PART_MAX	(5ull << 30)	/* S3's largest part */

/* ---- the copy source ---------------------------------------------------- */

/* x-amz-copy-source: [/]BUCKET/KEY[?versionId=...], encoded. */
int
s3_copy_source(struct s3_job *j)
{
	size_t n;
	const char *v = http_header_get(j->req, "x-amz-copy-source", &n);
	char *dec, *s, *slash, *q;
	long k;

	if (v == NULL)
		v = "", n = 0;
	if ((dec = malloc(n + 1)) == NULL)
		abort();
	if ((q = memchr(v, '?', n)) != NULL)
		n = (size_t)(q - v);
	k = buf_pct_decode(dec, v, n, BUF_PCT_STRICT);
	s = dec;
	if (k > 0 && *s == '/')
		s++, k--;
	if (k <= 0 || (slash = memchr(s, '/', (size_t)k)) == NULL ||
	    slash == s || slash == s + k - 1) {
		free(dec);
		s3_fail(j, S3E_ARGUMENT, "Copy Source must mention the source "
		    "bucket and key: sourcebucket/sourcekey");
		s3_job_reply(j);
		return -1;
	}
	buf_reset(&j->tmp);
	buf_add(&j->tmp, s, (size_t)(slash - s));
	buf_addc(&j->tmp, '\0');
	buf_add(&j->tmp, slash + 1, (size_t)(s + k - slash - 1));
	buf_addc(&j->tmp, '\0');
	free(dec);
	if (!s3_allowed(j, j->tmp.data, false)) {
		s3_fail(j, S3E_ACCESS_DENIED, "Function %s is not granted "
		    "reads of bucket %s (buckets =)", j->fn, j->tmp.data);
		s3_job_reply(j);
		return -1;
	}
	return 0;
}

/*
 * As S3: if-match that holds wins over a failing if-unmodified-since,
 * and if-none-match over if-modified-since; a date that does not parse
 * is no condition.
 */
int
s3_copy_conditions(struct s3_job *j, const struct s3_obj *o)
{
	const struct http_request *r = j->req;
	const char *im, *inm, *ims, *ius, *why = NULL;
	size_t imn, inmn, imsn, iusn;
	time_t t, mt = (time_t)(o->mtime / 1000);

	im = http_header_get(r, "x-amz-copy-source-if-match", &imn);
	inm = http_header_get(r, "x-amz-copy-source-if-none-match", &inmn);
	ims = http_header_get(r, "x-amz-copy-source-if-modified-since", &imsn);
	ius = http_header_get(r, "x-amz-copy-source-if-unmodified-since",
	    &iusn);
	if (im != NULL && !s3_etag_in(im, imn, o->etag))
		why = "x-amz-copy-source-if-match: the source's ETag differs";
	else if (im == NULL && ius != NULL &&
	    (t = s3_parse_http_date(ius, iusn)) >= 0 && mt > t)
		why = "x-amz-copy-source-if-unmodified-since: the source was "
		    "modified since";
	else if (inm != NULL && s3_etag_in(inm, inmn, o->etag))
		why = "x-amz-copy-source-if-none-match: the source's ETag "
		    "matches";
	else if (inm == NULL && ims != NULL &&
	    (t = s3_parse_http_date(ims, imsn)) >= 0 && mt <= t)
		why = "x-amz-copy-source-if-modified-since: the source was not "
		    "modified since";
	if (why == NULL)
		return 0;
	s3_fail(j, S3E_PRECONDITION, "At least one of the pre-conditions you "
	    "specified did not hold (%s)", why);
	return -1;
}

/* ---- UploadPartCopy ------------------------------------------------------ */

static int
pc_plan(sqlite3 *db, struct s3_job *j)
{
	const char *sb = j->tmp.data, *sk = sb + strlen(sb) + 1;
	uint64_t size;
	int rc;

	if (s3_upload_find(db, j, NULL) != 0)
		return -1;
	if ((rc = s3_meta_bucket(db, j, sb)) != 0) {
		if (rc > 0)
			s3_fail(j, S3E_NO_BUCKET, "The source bucket %s does "
			    "not exist", sb);
		return -1;
	}
	if ((rc = s3_meta_get(db, j, sb, sk, &j->src)) != 0) {
		if (rc > 0)
			s3_fail(j, S3E_NO_KEY, "The source key does not "
			    "exist: %s/%s", sb, sk);
		return -1;
	}
	if (s3_copy_conditions(j, &j->src) != 0)
		return -1;
	size = (uint64_t)j->src.size;
	if (j->cr_range && j->cr_last >= size) {
		s3_fail(j, S3E_RANGE, "The requested range is not "
		    "satisfiable: bytes=%llu-%llu of a source of %llu bytes",
		    (unsigned long long)j->cr_first,
		    (unsigned long long)j->cr_last, (unsigned long long)size);
		return -1;
	}
	j->s_off = j->cr_range ? j->cr_first : 0;
	j->s_left = j->cr_range ? j->cr_last - j->cr_first + 1 : size;
	if (j->s_left > S3_COPY_PART_MAX) {
		s3_fail(j, S3E_REQUEST, "The specified copy source is larger "
		    "than the maximum allowable size for a copy source: %llu",
		    S3_COPY_PART_MAX);
		return -1;
	}
	if ((j->fd = s3_file_open(j->b->dir, j->src.file)) < 0) {
		rc = j->fd;
		j->fd = -1;
		s3_fail(j, S3E_INTERNAL, "The source's data cannot be opened: "
		    "%s", strerror(-rc));
		return -1;
	}
	return 0;
}

static void
pc_copy(struct s3_job *j)
{
	int rc;

	rc = s3_file_copy(j->b->dir, j->fd, j->s_off, j->s_left, j->obj.file,
	    j->obj.etag);
	close(j->fd);
	j->fd = -1;
	if (rc != 0) {
		s3_fail(j, S3E_INTERNAL, "The part could not be copied: %s",
		    rc == -EIO ? "the source file is short" : strerror(-rc));
		return;
	}
	snprintf(j->newfile, sizeof(j->newfile), "%s", j->obj.file);
	j->obj.size = (int64_t)j->s_left;
	j->obj.mtime = s3_now_ms();
}

static int
pc_commit_run(sqlite3 *db, struct s3_job *j)
{
	char d[40];

	if (s3_part_run(db, j) != 0)
		return -1;
	s3_iso_date(j->obj.mtime, d);
	s3_xml_open(j, "CopyPartResult");
	buf_printf(&j->out, "<LastModified>%s</LastModified><ETag>&quot;%s"
	    "&quot;</ETag></CopyPartResult>", d, j->obj.etag);
	return 0;
}

static void
pc_commit(struct s3_job *j)
{
	s3_job_write(j, pc_commit_run, s3_job_reply);
}

static void
pc_start(struct s3_job *j)
{
	s3_job_work(j, pc_copy, pc_commit);
}

void
s3_op_part_copy(struct s3_job *j)
{
	size_t n;
	const char *v;

	if (s3_copy_source(j) != 0)
		return;
	if ((v = http_header_get(j->req, "x-amz-copy-source-range", &n)) !=
	    NULL) {
		if (!s3_copy_range_parse(v, n, &j->cr_first, &j->cr_last)) {
			s3_fail(j, S3E_RANGE, "The x-amz-copy-source-range "
			    "value must be of the form bytes=first-last where "
			    "first and last are the zero-based offsets of the "
			    "first and last bytes to copy");
			s3_job_reply(j);
			return;
		}
		j->cr_range = true;
	}
	s3_job_read(j, pc_plan, pc_start);
}
