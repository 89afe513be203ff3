/*
 * jsonschema: the part of JSON Schema a request validator needs (issue
 * 10): what API Gateway's request validation checks of a body against a
 * model, on cJSON values.
 *
 * Supported keywords: type (a name or a list of them; "integer" is a
 * number without a fraction), enum, const, properties, required,
 * additionalProperties (false or a schema), items (a schema, or a list:
 * one schema a position), minItems, maxItems, uniqueItems (arrays of at
 * most JSONSCHEMA_UNIQUE_MAX items), minimum,
 * maximum, exclusiveMinimum and exclusiveMaximum (a number, or as in
 * OpenAPI 3.0 a boolean that makes minimum/maximum exclusive),
 * multipleOf, minLength and maxLength (in characters, not bytes),
 * pattern (a POSIX extended regular expression, unanchored as in JSON
 * Schema, with \d \w \s \D \W \S understood), minProperties,
 * maxProperties, allOf, anyOf, oneOf, not.  Every other keyword ($ref,
 * format, dependencies, if/then/else, ...) is ignored: it never makes a
 * value fail.
 *
 * Pure: no I/O, nothing kept between calls.  Recursion follows the
 * schema, whose depth jsonschema_check bounds, so an instance of any
 * depth costs no more stack than its schema.
 */
#ifndef LAMBDAD_APIGW_JSONSCHEMA_H
#define LAMBDAD_APIGW_JSONSCHEMA_H

#include <stdbool.h>
#include <stddef.h>

#include <cJSON.h>

#define JSONSCHEMA_DEPTH_MAX	64
/* uniqueItems compares every pair: a longer array does not match. */
#define JSONSCHEMA_UNIQUE_MAX	1000

/*
 * Whether schema is one jsonschema_valid can apply: an object or a
 * boolean, each supported keyword of the type it takes, each pattern a
 * regular expression regcomp accepts, no deeper than
 * JSONSCHEMA_DEPTH_MAX.  0, or -1 with the fault in why ("properties.
 * name.minLength: must be a non-negative integer").
 */
int	jsonschema_check(const cJSON *schema, char *why, size_t whylen);

/*
 * Whether inst matches schema (one jsonschema_check accepted).  On a
 * mismatch, why (may be NULL) says where: "$.pets[2].name: expected
 * string".
 */
bool	jsonschema_valid(const cJSON *schema, const cJSON *inst, char *why,
	    size_t whylen);

#endif
