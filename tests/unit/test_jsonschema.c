/*
 * Unit tests for the JSON Schema subset (gateway/apigw/jsonschema.c): each
 * supported keyword accepts what it should and refuses what it should,
 * schemas the validator cannot apply are refused by jsonschema_check, and
 * keywords outside the subset never make a value fail.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <string.h>

#include <cJSON.h>

#include "apigw/jsonschema.h"

static bool
ok(const char *schema, const char *inst)
{
	cJSON *s = cJSON_Parse(schema), *i = cJSON_Parse(inst);
	char why[256];
	bool r;

	cr_assert_not_null(s, "schema %s", schema);
	cr_assert_not_null(i, "instance %s", inst);
	cr_assert_eq(jsonschema_check(s, why, sizeof(why)), 0, "%s: %s",
	    schema, why);
	r = jsonschema_valid(s, i, why, sizeof(why));
	cJSON_Delete(s);
	cJSON_Delete(i);
	return r;
}

/* The mismatch message for inst. */
static const char *
why_not(const char *schema, const char *inst)
{
	static char why[256];
	cJSON *s = cJSON_Parse(schema), *i = cJSON_Parse(inst);

	cr_assert(!jsonschema_valid(s, i, why, sizeof(why)));
	cJSON_Delete(s);
	cJSON_Delete(i);
	return why;
}

static const char *
check_err(const char *schema)
{
	static char why[256];
	cJSON *s = cJSON_Parse(schema);

	cr_assert_not_null(s);
	cr_assert_eq(jsonschema_check(s, why, sizeof(why)), -1, "%s", schema);
	cJSON_Delete(s);
	return why;
}

Test(jsonschema, types)
{
	cr_assert(ok("{\"type\":\"object\"}", "{}"));
	cr_assert(!ok("{\"type\":\"object\"}", "[]"));
	cr_assert(ok("{\"type\":\"integer\"}", "3"));
	cr_assert(!ok("{\"type\":\"integer\"}", "3.5"));
	cr_assert(ok("{\"type\":\"number\"}", "3.5"));
	cr_assert(!ok("{\"type\":\"string\"}", "3"));
	cr_assert(ok("{\"type\":\"boolean\"}", "false"));
	cr_assert(ok("{\"type\":\"null\"}", "null"));
	cr_assert(ok("{\"type\":[\"string\",\"null\"]}", "null"));
	cr_assert(!ok("{\"type\":[\"string\",\"null\"]}", "1"));
	cr_assert(ok("true", "1"));
	cr_assert(!ok("false", "1"));
	cr_assert_str_eq(why_not("{\"type\":\"string\"}", "1"),
	    "$: expected string");
}

Test(jsonschema, objects)
{
	const char *s = "{\"type\":\"object\",\"required\":[\"name\"],"
	    "\"properties\":{\"name\":{\"type\":\"string\",\"minLength\":1},"
	    "\"age\":{\"type\":\"integer\",\"minimum\":0}},"
	    "\"additionalProperties\":false}";

	cr_assert(ok(s, "{\"name\":\"ann\",\"age\":3}"));
	cr_assert(ok(s, "{\"name\":\"ann\"}"));
	cr_assert(!ok(s, "{\"age\":3}"));
	cr_assert(!ok(s, "{\"name\":\"\"}"));
	cr_assert(!ok(s, "{\"name\":\"ann\",\"age\":-1}"));
	cr_assert(!ok(s, "{\"name\":\"ann\",\"extra\":1}"));
	cr_assert_str_eq(why_not(s, "{\"age\":3}"),
	    "$: missing required property name");
	cr_assert_str_eq(why_not(s, "{\"name\":\"a\",\"x\":1}"),
	    "$.x: property not allowed");
	/* additionalProperties as a schema applies to the others only. */
	cr_assert(ok("{\"properties\":{\"a\":{\"type\":\"string\"}},"
	    "\"additionalProperties\":{\"type\":\"integer\"}}",
	    "{\"a\":\"x\",\"b\":2}"));
	cr_assert(!ok("{\"properties\":{\"a\":{\"type\":\"string\"}},"
	    "\"additionalProperties\":{\"type\":\"integer\"}}",
	    "{\"a\":\"x\",\"b\":\"y\"}"));
	cr_assert(!ok("{\"minProperties\":1}", "{}"));
	cr_assert(!ok("{\"maxProperties\":1}", "{\"a\":1,\"b\":2}"));
	/* Keywords of another type's values do not apply. */
	cr_assert(ok("{\"required\":[\"a\"]}", "\"not an object\""));
}

Test(jsonschema, arrays)
{
	const char *s = "{\"type\":\"array\",\"items\":{\"type\":\"integer\"},"
	    "\"minItems\":1,\"maxItems\":3}";

	cr_assert(ok(s, "[1,2,3]"));
	cr_assert(!ok(s, "[]"));
	cr_assert(!ok(s, "[1,2,3,4]"));
	cr_assert(!ok(s, "[1,\"2\"]"));
	cr_assert_str_eq(why_not(s, "[1,\"2\"]"), "$[1]: expected integer");
	cr_assert(ok("{\"items\":[{\"type\":\"string\"},{\"type\":\"integer\"}]}",
	    "[\"a\",1,null]"));
	cr_assert(!ok("{\"items\":[{\"type\":\"string\"}]}", "[1]"));
	cr_assert(!ok("{\"uniqueItems\":true}", "[1,{\"a\":1},{\"a\":1}]"));
	cr_assert(ok("{\"uniqueItems\":true}", "[1,{\"a\":1},{\"a\":2}]"));
	{
		char big[8 * JSONSCHEMA_UNIQUE_MAX + 16];
		size_t o = 0;
		int k;

		for (k = 0; k <= JSONSCHEMA_UNIQUE_MAX; k++)
			o += (size_t)snprintf(big + o, sizeof(big) - o, "%c%d",
			    k == 0 ? '[' : ',', k);
		snprintf(big + o, sizeof(big) - o, "]");
		cr_assert(!ok("{\"uniqueItems\":true}", big),
		    "too long to compare pairwise");
		cr_assert(ok("{\"uniqueItems\":false}", big));
	}
	cr_assert_str_eq(why_not("{\"properties\":{\"pets\":{\"items\":"
	    "{\"properties\":{\"name\":{\"type\":\"string\"}}}}}}",
	    "{\"pets\":[{},{\"name\":4}]}"), "$.pets[1].name: expected string");
}

Test(jsonschema, numbers)
{
	cr_assert(ok("{\"minimum\":1,\"maximum\":3}", "1"));
	cr_assert(ok("{\"minimum\":1,\"maximum\":3}", "3"));
	cr_assert(!ok("{\"minimum\":1,\"maximum\":3}", "3.01"));
	cr_assert(!ok("{\"minimum\":1,\"exclusiveMinimum\":true}", "1"));
	cr_assert(ok("{\"minimum\":1,\"exclusiveMinimum\":false}", "1"));
	cr_assert(!ok("{\"maximum\":1,\"exclusiveMaximum\":true}", "1"));
	cr_assert(!ok("{\"exclusiveMinimum\":1}", "1"));
	cr_assert(ok("{\"exclusiveMinimum\":1}", "1.5"));
	cr_assert(!ok("{\"exclusiveMaximum\":1}", "1"));
	cr_assert(ok("{\"multipleOf\":0.1}", "0.3"));
	cr_assert(ok("{\"multipleOf\":3}", "-9"));
	cr_assert(!ok("{\"multipleOf\":3}", "10"));
}

Test(jsonschema, strings)
{
	cr_assert(ok("{\"maxLength\":2}", "\"\xc3\xa9\xc3\xa9\""));	/* éé */
	cr_assert(!ok("{\"maxLength\":2}", "\"abc\""));
	cr_assert(!ok("{\"minLength\":2}", "\"a\""));
	cr_assert(ok("{\"pattern\":\"^[a-z]+$\"}", "\"abc\""));
	cr_assert(!ok("{\"pattern\":\"^[a-z]+$\"}", "\"abC\""));
	/* Unanchored, as in JSON Schema. */
	cr_assert(ok("{\"pattern\":\"b\"}", "\"abc\""));
	/* ECMA's classes. */
	cr_assert(ok("{\"pattern\":\"^\\\\d{3}-\\\\w+$\"}", "\"123-ab_c\""));
	cr_assert(!ok("{\"pattern\":\"^\\\\d{3}$\"}", "\"12a\""));
	cr_assert(ok("{\"pattern\":\"^[\\\\d.]+$\"}", "\"1.2\""));
	cr_assert(!ok("{\"pattern\":\"^\\\\S+$\"}", "\"a b\""));
	cr_assert(ok("{\"pattern\":\"^\\\\D+$\"}", "\"ab\""));
	cr_assert(!ok("{\"pattern\":\"^\\\\D+$\"}", "\"a1\""));
}

Test(jsonschema, enums_and_combinations)
{
	cr_assert(ok("{\"enum\":[\"a\",1,{\"x\":[1]}]}", "{\"x\":[1]}"));
	cr_assert(!ok("{\"enum\":[\"a\",1]}", "\"b\""));
	cr_assert(ok("{\"const\":5}", "5"));
	cr_assert(!ok("{\"const\":5}", "6"));
	cr_assert(ok("{\"anyOf\":[{\"type\":\"string\"},{\"minimum\":3}]}", "4"));
	cr_assert(!ok("{\"anyOf\":[{\"type\":\"string\"},{\"minimum\":3}]}",
	    "2"));
	cr_assert(!ok("{\"oneOf\":[{\"type\":\"integer\"},{\"minimum\":3}]}",
	    "4"));
	cr_assert(ok("{\"oneOf\":[{\"type\":\"integer\"},{\"minimum\":3}]}",
	    "2"));
	cr_assert(!ok("{\"allOf\":[{\"type\":\"integer\"},{\"minimum\":3}]}",
	    "2"));
	cr_assert(!ok("{\"not\":{\"type\":\"null\"}}", "null"));
	cr_assert_str_eq(why_not("{\"anyOf\":[{\"type\":\"string\"}]}", "1"),
	    "$: matches none of anyOf");
}

Test(jsonschema, others_ignored)
{
	cr_assert(ok("{\"format\":\"email\",\"$ref\":\"#/x\",\"title\":\"t\","
	    "\"description\":\"d\",\"example\":1,\"if\":{\"type\":\"null\"}}",
	    "\"not an email\""));
}

Test(jsonschema, check_refuses)
{
	cr_assert_str_eq(check_err("[1]"), "schema: a schema must be an object "
	    "or a boolean");
	cr_assert_str_eq(check_err("{\"type\":\"str\"}"), "type: must be one "
	    "of object, array, string, number, integer, boolean, null, or a "
	    "list of them");
	cr_assert_str_eq(check_err("{\"properties\":{\"a\":{\"minLength\":-1}}}"),
	    "properties.a.minLength: must be a non-negative integer");
	cr_assert_str_eq(check_err("{\"required\":\"a\"}"), "required: must be "
	    "an array of property names");
	cr_assert_str_eq(check_err("{\"pattern\":\"a(\"}"), "pattern: not a "
	    "regular expression this validator understands (POSIX extended)");
	cr_assert_str_eq(check_err("{\"items\":{\"type\":1}}"), "items.type: "
	    "must be one of object, array, string, number, integer, boolean, "
	    "null, or a list of them");
	cr_assert_str_eq(check_err("{\"multipleOf\":0}"), "multipleOf: must be "
	    "a number above 0");
	cr_assert_str_eq(check_err("{\"anyOf\":[]}"), "anyOf: must be a "
	    "non-empty array of schemas");
}

Test(jsonschema, depth_bounded)
{
	char s[4096] = "";
	int i;

	for (i = 0; i < JSONSCHEMA_DEPTH_MAX + 2; i++)
		strcat(s, "{\"items\":");
	strcat(s, "true");
	for (i = 0; i < JSONSCHEMA_DEPTH_MAX + 2; i++)
		strcat(s, "}");
	cr_assert(strstr(check_err(s), "nested deeper than") != NULL);
}
