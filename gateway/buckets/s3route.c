/*
 * s3route: which S3 operation a request is (s3.h), from its method, its
 * Host (virtual-hosted-style names the bucket there), its path
 * (path-style: /BUCKET/KEY) and the query's sub-resources.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "s3.h"

static const char *const op_names[S3_NOPS] = {
	[S3_BAD] = "Unknown",
	[S3_LIST_BUCKETS] = "ListBuckets",
	[S3_CREATE_BUCKET] = "CreateBucket",
	[S3_DELETE_BUCKET] = "DeleteBucket",
	[S3_HEAD_BUCKET] = "HeadBucket",
	[S3_GET_LOCATION] = "GetBucketLocation",
	[S3_LIST_OBJECTS] = "ListObjects",
	[S3_LIST_OBJECTS_V2] = "ListObjectsV2",
	[S3_LIST_UPLOADS] = "ListMultipartUploads",
	[S3_DELETE_OBJECTS] = "DeleteObjects",
	[S3_PUT_OBJECT] = "PutObject",
	[S3_COPY_OBJECT] = "CopyObject",
	[S3_GET_OBJECT] = "GetObject",
	[S3_HEAD_OBJECT] = "HeadObject",
	[S3_DELETE_OBJECT] = "DeleteObject",
	[S3_GET_TAGGING] = "GetObjectTagging",
	[S3_PUT_TAGGING] = "PutObjectTagging",
	[S3_DELETE_TAGGING] = "DeleteObjectTagging",
	[S3_CREATE_UPLOAD] = "CreateMultipartUpload",
	[S3_UPLOAD_PART] = "UploadPart",
	[S3_COMPLETE_UPLOAD] = "CompleteMultipartUpload",
	[S3_ABORT_UPLOAD] = "AbortMultipartUpload",
	[S3_LIST_PARTS] = "ListParts",
	[S3_UPLOAD_PART_COPY] = "UploadPartCopy",
};

const char *
s3_op_name(enum s3_op op)
{
	return op > S3_BAD && op < S3_NOPS ? op_names[op] : "Unknown";
}

/* The wire pair of name in the query: its value and length, or NULL. */
static const char *
query_find(const char *q, size_t qlen, const char *name, size_t *vlen)
{
	const char *p = q, *end = q + qlen, *amp, *eq;
	size_t nl = strlen(name);

	for (; p < end; p = amp + 1) {
		if ((amp = memchr(p, '&', (size_t)(end - p))) == NULL)
			amp = end;
		eq = memchr(p, '=', (size_t)(amp - p));
		if ((size_t)((eq != NULL ? eq : amp) - p) == nl &&
		    memcmp(p, name, nl) == 0) {
			*vlen = eq != NULL ? (size_t)(amp - eq - 1) : 0;
			return eq != NULL ? eq + 1 : amp;
		}
	}
	return NULL;
}

bool
s3_query_has(const char *q, size_t qlen, const char *name)
{
	size_t n;

	return query_find(q, qlen, name, &n) != NULL;
}

int
s3_query_get(const char *q, size_t qlen, const char *name, struct buf *out)
{
	const char *v;
	size_t n;
	long k;

	buf_reset(out);
	if ((v = query_find(q, qlen, name, &n)) == NULL)
		return -1;
	buf_reserve(out, n + 1);
	k = buf_pct_decode(out->data, v, n, BUF_PCT_PLUS);
	out->len = (size_t)k;
	out->data[out->len] = '\0';
	return 0;
}

/* The bucket a Host of B.SUFFIX[:port] names, or NULL. */
static char *
host_bucket(const char *host, size_t n, const char *const *suffixes,
    size_t nsuffixes)
{
	const char *colon;
	size_t i, sl;

	if (host == NULL)
		return NULL;
	if ((colon = memrchr(host, ':', n)) != NULL &&
	    memchr(host, ']', n) == NULL)
		n = (size_t)(colon - host);
	for (i = 0; i < nsuffixes; i++) {
		sl = strlen(suffixes[i]);
		if (n > sl + 1 && host[n - sl - 1] == '.' &&
		    strncasecmp(host + n - sl, suffixes[i], sl) == 0)
			return strndup(host, n - sl - 1);
	}
	return NULL;
}

static enum s3_op
route_service(const char *m)
{
	return strcmp(m, "GET") == 0 ? S3_LIST_BUCKETS : S3_BAD;
}

/*
 * The sub-resources of S3's API that are not served here.  A request that
 * names one is refused, never taken for the plain operation on its bucket
 * or key: DeleteBucketCors (DELETE /BUCKET?cors) must not delete the
 * bucket, PutBucketVersioning must not make one and answer 200, and
 * GetObjectAttributes must not get the object's bytes for its XML.
 */
static const char *const unserved[] = {
	"accelerate", "acl", "analytics", "attributes", "cors", "encryption",
	"intelligent-tiering", "inventory", "legal-hold", "lifecycle",
	"logging", "metadataConfiguration", "metadataTable", "metrics",
	"notification", "object-lock", "ownershipControls", "policy",
	"policyStatus", "publicAccessBlock", "renameObject", "replication",
	"requestPayment", "restore", "retention", "select", "session",
	"torrent", "versioning", "versions", "website",
};

static bool
unserved_in(const char *q, size_t ql)
{
	size_t i;

	for (i = 0; i < sizeof(unserved) / sizeof(unserved[0]); i++)
		if (s3_query_has(q, ql, unserved[i]))
			return true;
	return false;
}

static enum s3_op
route_bucket(const char *m, const char *q, size_t ql)
{
	/* Tagging is served on objects only. */
	if (unserved_in(q, ql) || s3_query_has(q, ql, "tagging"))
		return S3_BAD;
	if (strcmp(m, "PUT") == 0)
		return S3_CREATE_BUCKET;
	if (strcmp(m, "DELETE") == 0)
		return S3_DELETE_BUCKET;
	if (strcmp(m, "HEAD") == 0)
		return S3_HEAD_BUCKET;
	if (strcmp(m, "POST") == 0)
		return s3_query_has(q, ql, "delete") ? S3_DELETE_OBJECTS :
		    S3_BAD;
	if (strcmp(m, "GET") != 0)
		return S3_BAD;
	if (s3_query_has(q, ql, "location"))
		return S3_GET_LOCATION;
	if (s3_query_has(q, ql, "uploads"))
		return S3_LIST_UPLOADS;
	{
		size_t n;
		const char *v = query_find(q, ql, "list-type", &n);

		return v != NULL && n == 1 && *v == '2' ? S3_LIST_OBJECTS_V2 :
		    S3_LIST_OBJECTS;
	}
}

static enum s3_op
route_object(const char *m, const char *q, size_t ql, bool copy)
{
	bool upload = s3_query_has(q, ql, "uploadId");
	bool tagging = s3_query_has(q, ql, "tagging");

	if (unserved_in(q, ql))
		return S3_BAD;
	if (strcmp(m, "PUT") == 0) {
		if (tagging)
			return S3_PUT_TAGGING;
		if (upload)
			return !s3_query_has(q, ql, "partNumber") ? S3_BAD :
			    copy ? S3_UPLOAD_PART_COPY : S3_UPLOAD_PART;
		return copy ? S3_COPY_OBJECT : S3_PUT_OBJECT;
	}
	if (strcmp(m, "GET") == 0)
		return tagging ? S3_GET_TAGGING : upload ? S3_LIST_PARTS :
		    S3_GET_OBJECT;
	if (strcmp(m, "HEAD") == 0)
		return S3_HEAD_OBJECT;
	if (strcmp(m, "DELETE") == 0)
		return tagging ? S3_DELETE_TAGGING : upload ? S3_ABORT_UPLOAD :
		    S3_DELETE_OBJECT;
	if (strcmp(m, "POST") == 0)
		return s3_query_has(q, ql, "uploads") ? S3_CREATE_UPLOAD :
		    upload ? S3_COMPLETE_UPLOAD : S3_BAD;
	return S3_BAD;
}

int
s3_route(const char *method, const char *host, size_t hostlen,
    const char *path, size_t plen, const char *query, size_t qlen,
    bool copy_source, const char *const *suffixes, size_t nsuffixes,
    struct s3_route *r)
{
	char *dec, *slash;
	long n;

	memset(r, 0, sizeof(*r));
	if (plen == 0 || path[0] != '/') {
		r->why = "The request path must start with /";
		return -1;
	}
	if ((dec = malloc(plen + 1)) == NULL)
		abort();
	if ((n = buf_pct_decode(dec, path + 1, plen - 1, BUF_PCT_STRICT)) < 0) {
		free(dec);
		r->why = "The request path has a malformed escape";
		return -1;
	}
	dec[n] = '\0';
	if ((r->bucket = host_bucket(host, hostlen, suffixes,
	    nsuffixes)) != NULL) {
		r->virtual_host = true;
		if (n > 0)
			r->key = strndup(dec, (size_t)n);
		free(dec);
	} else if (n == 0) {
		free(dec);
		r->op = route_service(method);
		return 0;
	} else if ((slash = memchr(dec, '/', (size_t)n)) == NULL) {
		r->bucket = dec;
	} else {
		*slash = '\0';
		if (slash[1] != '\0')
			r->key = strndup(slash + 1,
			    (size_t)(dec + n - slash - 1));
		r->bucket = strdup(dec);
		free(dec);
	}
	r->op = r->key == NULL ? route_bucket(method, query, qlen) :
	    route_object(method, query, qlen, copy_source);
	if (r->op == S3_BAD)
		r->why = "The specified method is not allowed against this "
		    "resource, or the operation is not implemented";
	return 0;
}

void
s3_route_free(struct s3_route *r)
{
	free(r->bucket);
	free(r->key);
	r->bucket = r->key = NULL;
}
