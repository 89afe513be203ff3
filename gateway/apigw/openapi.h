/*
 * openapi: the OpenAPI 3.0 document of the API lambdad serves, generated
 * from its live configuration (issue 10): every route of every function
 * as a path and operation (path parameters from {name} and {name+}, ANY
 * as x-amazon-apigateway-any-method, $default as /$default), each
 * function's description and request and response schemas (under
 * components/schemas), the authorizers as security schemes, auth =
 * aws_iam as a SigV4 scheme, api_key = required as the x-api-key
 * scheme, [cors] as x-amazon-apigateway-cors, and an
 * x-amazon-apigateway-integration (aws_proxy, the function's payload
 * format) per operation, so the document imports into API Gateway
 * (aws apigatewayv2 import-api) as it stands, the Lambda ARNs aside.
 *
 * Built with cJSON off the request path: at load, at reload, and when the
 * admin API is asked.
 */
#ifndef LAMBDAD_APIGW_OPENAPI_H
#define LAMBDAD_APIGW_OPENAPI_H

#include <stdbool.h>
#include <stddef.h>

#include <cJSON.h>

struct conf;

/* The document (the caller deletes it), or NULL on ENOMEM.  server_url
 * ("http://127.0.0.1:8080") may be NULL: no servers list. */
cJSON	*openapi_doc(const struct conf *c, const char *server_url);
/* The same, printed (malloc'd, NUL-terminated), or NULL. */
char	*openapi_json(const struct conf *c, const char *server_url);

/*
 * Whether a request of method carries the body a request schema is about:
 * all but GET, HEAD, DELETE and OPTIONS (a preflight).  A function's
 * request_schema is its POST, PUT, PATCH and ANY routes' (and $default's);
 * its GET routes have no requestBody and are not validated.
 */
bool	openapi_body_method(const char *method);
/* "http://HOST:PORT" ("[::1]" for an IPv6 address) into out. */
void	openapi_server_url(const char *host, int port, char *out, size_t n);

#endif
