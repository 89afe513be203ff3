/*
 * docs: the public API reference, where [lambdad] docs_path is set (issue
 * 10): docs_path/openapi.json is the OpenAPI document (openapi.h) and
 * docs_path itself an HTML page made from the same document for a person
 * to read: self-contained (inline CSS, no script), the routes grouped by
 * function with their methods, parameters, schemas and auth.
 *
 * Both are made when the configuration is set (load, reload), so a request
 * for them costs a copy.  The front calls docs_serve before its route
 * lookup: docs_path takes precedence over routes (the configuration
 * refuses one that would hide a route).
 */
#ifndef LAMBDAD_APIGW_DOCS_H
#define LAMBDAD_APIGW_DOCS_H

#include <stdbool.h>

#include <cJSON.h>

struct conf;
struct docs;
struct http_request;

struct docs *docs_new(void);
void	docs_free(struct docs *d);	/* NULL-safe */
/*
 * Make the document and the page of c (docs_path NULL: none, the paths
 * are then not served), its server the listen host at port.  0, or -1 on
 * ENOMEM, logged (the previous ones are kept).
 */
int	docs_set(struct docs *d, const struct conf *c, int port);
/* Answer req if it asks for the page or the document: true if answered. */
bool	docs_serve(struct docs *d, struct http_request *req);
/* The HTML page of an OpenAPI document (malloc'd), or NULL; json_href:
 * where the page links the document. */
char	*docs_html(const cJSON *doc, const char *json_href);

#endif
