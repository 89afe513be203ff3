/*
 * validate: request validation, the stage after the authorizer (apigw.h).
 * A function with request_schema and validate = on has its request body
 * checked against the schema (jsonschema.h) before any worker runs: a
 * body that is not JSON or does not match is answered 400
 * {"message":"Invalid request body"}, as API Gateway's request validator
 * answers, counted as reason "invalid_body".
 *
 * The body is parsed and checked on the loop thread, at some tens of ms a
 * MiB: a validated route takes bodies of at most VALIDATE_BODY_MAX bytes
 * (413 {"message":"Request Entity Too Large"}, reason "body_too_large",
 * past it), so no request holds the loop for long.
 */
#ifndef LAMBDAD_APIGW_VALIDATE_H
#define LAMBDAD_APIGW_VALIDATE_H

#include "apigw.h"

#define VALIDATE_BODY_MAX	(1024 * 1024)

int	apigw_validate(struct apigw_call *c);

#endif
