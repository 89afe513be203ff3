/*
 * endpoint_classify (endpoint.h): which API a request on a function's
 * private endpoint is for.
 */
#include <criterion/criterion.h>

#include <string.h>

#include "endpoint.h"
#include "http.h"

static enum endpoint_api
classify(const char *path, const char *target)
{
	struct http_header h = { "X-Amz-Target", 12, target,
	    target != NULL ? strlen(target) : 0 };
	struct http_request req;

	memset(&req, 0, sizeof(req));
	req.method = "GET";
	req.path = path;
	req.path_len = strlen(path);
	req.query = "";
	req.headers = &h;
	req.nheaders = target != NULL ? 1 : 0;
	return endpoint_classify(&req);
}

Test(endpoint, classify)
{
	cr_assert_eq(classify("/2018-06-01/runtime/invocation/next", NULL),
	    ENDPOINT_RUNTIME);
	cr_assert_eq(classify("/2018-06-01/runtime/init/error", NULL),
	    ENDPOINT_RUNTIME);
	cr_assert_eq(classify("/", "DynamoDB_20120810.GetItem"),
	    ENDPOINT_DYNAMODB);
	cr_assert_eq(classify("/@connections/abc", NULL), ENDPOINT_CONNECTIONS);
	/* What is left is S3, path-style: only for a function that has
	 * buckets = (endpoint_serve). */
	cr_assert_eq(classify("/", NULL), ENDPOINT_S3);
	cr_assert_eq(classify("/uploads/img/a.jpg", NULL), ENDPOINT_S3);
	cr_assert_eq(classify("/2018-06-01", NULL), ENDPOINT_S3);
}
