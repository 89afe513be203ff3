/*
 * grants: what a function may do with Buckets, from its buckets = lines
 * (conf.h), for requests on its private endpoint (buckets_function).
 * The grants are copied into the job when it starts, so that a reload
 * between its steps cannot take them from under it; a job of the
 * operator's listener has none and may do anything.
 *
 *   ListBuckets                  allowed; lists the granted buckets only
 *   CreateBucket, DeleteBucket   refused: the operator makes buckets
 *   reads (Get, Head, List...)   a grant of the bucket, :read or not
 *   writes (Put, Delete, Copy,   a grant without :read; CopyObject's
 *   multipart, tagging)          source needs a read grant of its own,
 *                                and UploadPartCopy's too
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"

#include "bucket_int.h"

int
s3_grants_copy(struct s3_job *j, const struct conf *c, const char *fn)
{
	const struct function_conf *fc = conf_find(c, fn);
	size_t i;

	if ((j->fn = strdup(fn)) == NULL)
		return -1;
	if (fc == NULL || fc->nbuckets == 0)
		return 0;
	if ((j->grants = calloc(fc->nbuckets, sizeof(*j->grants))) == NULL)
		return -1;
	for (i = 0; i < fc->nbuckets; i++) {
		j->grants[i].read_only = fc->buckets[i].read_only;
		if ((j->grants[i].table = strdup(fc->buckets[i].table)) == NULL)
			return -1;
		j->ngrants++;
	}
	return 0;
}

void
s3_grants_free(struct s3_job *j)
{
	size_t i;

	for (i = 0; i < j->ngrants; i++)
		free(j->grants[i].table);
	free(j->grants);
	free(j->fn);
}

bool
s3_allowed(const struct s3_job *j, const char *bucket, bool write)
{
	if (j->fn == NULL)
		return true;
	return conf_grant_allows(j->grants, j->ngrants, bucket, write);
}

static bool
op_writes(enum s3_op op)
{
	switch (op) {
	case S3_PUT_OBJECT: case S3_COPY_OBJECT: case S3_DELETE_OBJECT:
	case S3_DELETE_OBJECTS: case S3_PUT_TAGGING: case S3_DELETE_TAGGING:
	case S3_CREATE_UPLOAD: case S3_UPLOAD_PART: case S3_COMPLETE_UPLOAD:
	case S3_ABORT_UPLOAD: case S3_CREATE_BUCKET: case S3_DELETE_BUCKET:
	case S3_UPLOAD_PART_COPY:
		return true;
	default:
		return false;
	}
}

int
s3_grants_check(struct s3_job *j)
{
	const char *b = j->rt.bucket;
	bool w = op_writes(j->rt.op);

	if (j->fn == NULL || j->rt.op == S3_BAD || j->rt.op ==
	    S3_LIST_BUCKETS)
		return 0;
	if (j->rt.op == S3_CREATE_BUCKET || j->rt.op == S3_DELETE_BUCKET) {
		s3_fail(j, S3E_ACCESS_DENIED, "Function %s may not %s buckets: "
		    "the operator does, on s3_listen", j->fn,
		    j->rt.op == S3_CREATE_BUCKET ? "create" : "delete");
		return -1;
	}
	if (b == NULL || s3_allowed(j, b, w))
		return 0;
	s3_fail(j, S3E_ACCESS_DENIED, "Function %s is not granted %s of "
	    "bucket %s (buckets =)", j->fn, w ? "writes" : "reads", b);
	return -1;
}
