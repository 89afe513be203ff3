/*
 * Unit tests for cfgspec (gateway/control/cfgspec.c): Lambda's tag limits
 * one by one, the resource ARNs tags take, TagResource and UntagResource
 * on a record, and the event-invoke configs -- ranges, destinations,
 * qualifiers that must exist, Put replacing and Update merging, and the
 * policy an Event gets from them.  The calls themselves are tested with
 * the aws CLI in tests/integration/52-lambdacfg.t.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <cJSON.h>

#include "control/cfgspec.h"

#define REC	"{\"Configuration\":{\"FunctionName\":\"f\",\"Version\":" \
		"\"$LATEST\"},\"Tags\":{\"team\":\"shop\"},\"Versions\":" \
		"[{\"Configuration\":{\"FunctionName\":\"f\",\"Version\":\"1\"}}]," \
		"\"Aliases\":[{\"Name\":\"live\",\"FunctionVersion\":\"1\"}]}"

static cJSON *
rec_new(void)
{
	cJSON *r = cJSON_Parse(REC);

	cr_assert_not_null(r);
	return r;
}

/* A JSON object of n tags k1..kn. */
static cJSON *
many_tags(int n)
{
	cJSON *t = cJSON_CreateObject();
	char k[16];
	int i;

	for (i = 1; i <= n; i++) {
		snprintf(k, sizeof(k), "k%d", i);
		cJSON_AddStringToObject(t, k, "v");
	}
	return t;
}

/* ---- tags ---------------------------------------------------------------- */

struct tag_case {
	char	 json[400];
	char	 type[40];	/* "" accepted */
	char	 msg[40];
};

ParameterizedTestParameters(cfgspec, tags)
{
	static struct tag_case cases[] = {
		{ "{}", "", "" },
		{ "{\"a\":\"\"}", "", "" },
		{ "{\"a\":\"b\",\"c\":\"d\"}", "", "" },
		{ "{\"aws\":\"x\"}", "", "" },
		{ "{\"AWS:x\":\"y\"}", "", "" },	/* the prefix is aws: only */
		{ "{\"aws:x\":\"y\"}", "InvalidParameterValueException",
		  "reserved" },
		{ "{\"\":\"y\"}", "InvalidParameterValueException", "1 to 128" },
		{ "{\"k\":7}", "InvalidParameterValueException", "string" },
		{ "{\"k\":null}", "InvalidParameterValueException", "string" },
		{ "[]", "InvalidParameterValueException", "map" },
		{ "\"x\"", "InvalidParameterValueException", "map" },
	};

	return cr_make_param_array(struct tag_case, cases,
	    sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct tag_case *tc, cfgspec, tags)
{
	cJSON *t = cJSON_Parse(tc->json);
	struct fnspec_err e = { 0 };
	int rc;

	cr_assert_not_null(t, "%s", tc->json);
	rc = cfgspec_tags_check(NULL, t, &e);
	if (tc->type[0] == '\0')
		cr_assert_eq(rc, 0, "%s: %s", tc->json, e.msg);
	else {
		cr_assert_eq(rc, -EINVAL, "%s accepted", tc->json);
		cr_assert_str_eq(e.type, tc->type);
		cr_assert_eq(e.status, 400);
		cr_assert_not_null(strstr(e.msg, tc->msg), "%s: %s", tc->json,
		    e.msg);
	}
	cJSON_Delete(t);
}

/* Keys and values at their limits, in characters, not bytes. */
Test(cfgspec, tag_lengths)
{
	char k[600], v[600];
	struct fnspec_err e;
	cJSON *t;

	memset(k, 'k', 128), k[128] = '\0';
	memset(v, 'v', 256), v[256] = '\0';
	t = cJSON_CreateObject();
	cJSON_AddStringToObject(t, k, v);
	cr_assert_eq(cfgspec_tags_check(NULL, t, &e), 0, "%s", e.msg);
	cJSON_Delete(t);

	k[128] = 'k', k[129] = '\0';
	t = cJSON_CreateObject();
	cJSON_AddStringToObject(t, k, "v");
	cr_assert_eq(cfgspec_tags_check(NULL, t, &e), -EINVAL);
	cJSON_Delete(t);

	v[256] = 'v', v[257] = '\0';
	t = cJSON_CreateObject();
	cJSON_AddStringToObject(t, "k", v);
	cr_assert_eq(cfgspec_tags_check(NULL, t, &e), -EINVAL);
	cr_assert_not_null(strstr(e.msg, "256"));
	cJSON_Delete(t);

	/* 128 two-byte characters: 256 bytes, still 128 characters. */
	for (int i = 0; i < 128; i++)
		memcpy(k + 2 * i, "\xc3\xa9", 2);
	k[256] = '\0';
	t = cJSON_CreateObject();
	cJSON_AddStringToObject(t, k, "v");
	cr_assert_eq(cfgspec_tags_check(NULL, t, &e), 0, "%s", e.msg);
	cJSON_Delete(t);
}

/* 50 in all, counting those there; a key there again does not count twice. */
Test(cfgspec, tag_count)
{
	cJSON *have = many_tags(10), *fifty = many_tags(50), *more;
	struct fnspec_err e;

	cr_assert_eq(cfgspec_tags_check(NULL, fifty, &e), 0, "%s", e.msg);
	cr_assert_eq(cfgspec_tags_check(have, fifty, &e), 0, "%s", e.msg);
	more = many_tags(51);
	cr_assert_eq(cfgspec_tags_check(NULL, more, &e), -EINVAL);
	cr_assert_str_eq(e.type, "InvalidParameterValueException");
	cr_assert_not_null(strstr(e.msg, "tag limit"));
	cJSON_Delete(more);
	more = cJSON_CreateObject();
	cJSON_AddStringToObject(more, "new", "v");
	cr_assert_eq(cfgspec_tags_check(fifty, more, &e), -EINVAL);
	cr_assert_eq(cfgspec_tags_check(have, more, &e), 0);
	cJSON_Delete(more);
	cJSON_Delete(have);
	cJSON_Delete(fifty);
}

struct arn_case {
	char	 arn[96];
	char	 type[40];
	char	 name[16];
};

ParameterizedTestParameters(cfgspec, tag_arn)
{
	static struct arn_case cases[] = {
		{ "arn:aws:lambda:us-east-1:123456789012:function:orders", "",
		  "orders" },
		{ "arn:aws:lambda:us-east-1:123456789012:function:orders:1",
		  "InvalidParameterValueException", "" },
		{ "arn:aws:lambda:us-east-1:123456789012:function:orders:live",
		  "InvalidParameterValueException", "" },
		{ "orders", "ValidationException", "" },
		{ "123456789012:function:orders", "ValidationException", "" },
		{ "arn:aws:lambda:us-east-1:123456789012:layer:x",
		  "ValidationException", "" },
		{ "", "ValidationException", "" },
	};

	return cr_make_param_array(struct arn_case, cases,
	    sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct arn_case *tc, cfgspec, tag_arn)
{
	struct fnspec_err e = { 0 };
	char name[65] = "";
	int rc = cfgspec_tag_arn(tc->arn, name, &e);

	if (tc->type[0] == '\0') {
		cr_assert_eq(rc, 0, "%s: %s", tc->arn, e.msg);
		cr_assert_str_eq(name, tc->name);
	} else {
		cr_assert_eq(rc, -EINVAL, "%s accepted", tc->arn);
		cr_assert_str_eq(e.type, tc->type, "%s", tc->arn);
	}
}

Test(cfgspec, tag_untag)
{
	cJSON *rec = rec_new(), *req = cJSON_Parse("{\"Tags\":{\"team\":"
	    "\"ops\",\"env\":\"prod\"}}"), *bad;
	const char *keys[] = { "team", "nosuch" };
	struct fnspec_err e;
	char *s;

	cr_assert_eq(cfgspec_tag(rec, req, &e), 0, "%s", e.msg);
	s = cJSON_PrintUnformatted(cJSON_GetObjectItem(rec, "Tags"));
	cr_assert_str_eq(s, "{\"team\":\"ops\",\"env\":\"prod\"}");
	free(s);
	cr_assert_eq(cfgspec_untag(rec, keys, 2, &e), 0, "%s", e.msg);
	s = cJSON_PrintUnformatted(cJSON_GetObjectItem(rec, "Tags"));
	cr_assert_str_eq(s, "{\"env\":\"prod\"}");
	free(s);
	cr_assert_eq(cfgspec_untag(rec, keys, 0, &e), -EINVAL);
	cr_assert_str_eq(e.type, "ValidationException");
	/* A refused TagResource changes nothing. */
	bad = cJSON_Parse("{\"Tags\":{\"ok\":\"1\",\"aws:no\":\"2\"}}");
	cr_assert_eq(cfgspec_tag(rec, bad, &e), -EINVAL);
	cr_assert_null(cJSON_GetObjectItem(cJSON_GetObjectItem(rec, "Tags"),
	    "ok"));
	cJSON_Delete(bad);
	bad = cJSON_Parse("{}");
	cr_assert_eq(cfgspec_tag(rec, bad, &e), -EINVAL);
	cr_assert_str_eq(e.type, "ValidationException");
	cJSON_Delete(bad);
	cJSON_Delete(req);
	cJSON_Delete(rec);
}

/* ---- event-invoke configs -------------------------------------------- */

struct eic_case {
	char	 qual[16];
	char	 json[200];
	char	 type[40];	/* "" accepted */
	char	 msg[48];
};

ParameterizedTestParameters(cfgspec, eic_put)
{
	static struct eic_case cases[] = {
		{ "", "{}", "", "" },
		{ "$LATEST", "{\"MaximumRetryAttempts\":0}", "", "" },
		{ "1", "{\"MaximumRetryAttempts\":2}", "", "" },
		{ "live", "{\"MaximumEventAgeInSeconds\":60}", "", "" },
		{ "", "{\"MaximumEventAgeInSeconds\":21600}", "", "" },
		{ "", "{\"MaximumRetryAttempts\":null}", "", "" },
		{ "", "{\"DestinationConfig\":{\"OnSuccess\":{},\"OnFailure\":"
		  "{}}}", "", "" },
		{ "", "{\"MaximumRetryAttempts\":3}", "ValidationException",
		  "less than or equal to 2" },
		{ "", "{\"MaximumRetryAttempts\":-1}", "ValidationException",
		  "greater than or equal to 0" },
		{ "", "{\"MaximumRetryAttempts\":1.5}", "ValidationException",
		  "integer" },
		{ "", "{\"MaximumRetryAttempts\":\"1\"}", "ValidationException",
		  "integer" },
		{ "", "{\"MaximumEventAgeInSeconds\":59}", "ValidationException",
		  "greater than or equal to 60" },
		{ "", "{\"MaximumEventAgeInSeconds\":21601}",
		  "ValidationException", "less than or equal to 21600" },
		{ "", "{\"DestinationConfig\":{\"OnFailure\":{\"Destination\":"
		  "\"arn:aws:lambda:us-east-1:123456789012:function:g\"}}}",
		  "", "" },
		{ "", "{\"DestinationConfig\":{\"OnSuccess\":{\"Destination\":"
		  "\"arn:aws:lambda:us-east-1:123456789012:function:g:live\"}}}",
		  "", "" },
		{ "", "{\"DestinationConfig\":{\"OnSuccess\":{\"Destination\":"
		  "\"\"}}}", "", "" },
		{ "", "{\"DestinationConfig\":{\"OnSuccess\":{\"Destination\":"
		  "\"arn:aws:sqs:us-east-1:123456789012:q\"}}}",
		  "InvalidParameterValueException", "OnSuccess records to its own" },
		{ "", "{\"DestinationConfig\":{\"OnFailure\":{\"Destination\":"
		  "\"arn:aws:sns:us-east-1:123456789012:t\"}}}",
		  "InvalidParameterValueException", "SNS" },
		{ "", "{\"DestinationConfig\":{\"OnFailure\":{\"Destination\":"
		  "\"arn:aws:lambda:eu-west-1:123456789012:function:g\"}}}",
		  "InvalidParameterValueException", "eu-west-1" },
		{ "", "{\"DestinationConfig\":{\"OnFailure\":{\"Destination\":"
		  "\"arn:aws:lambda:us-east-1:123456789012:layer:g:1\"}}}",
		  "InvalidParameterValueException", "OnFailure" },
		{ "", "{\"DestinationConfig\":{\"OnFailure\":{\"Destination\":"
		  "\"arn:aws:lambda:us-east-1:123456789012:function:g:a:b\"}}}",
		  "InvalidParameterValueException", "is invalid" },
		{ "", "{\"DestinationConfig\":{\"OnFailure\":{\"Destination\":"
		  "7}}}", "ValidationException", "destination" },
		{ "", "{\"DestinationConfig\":[]}", "ValidationException",
		  "structure" },
		{ "2", "{}", "ResourceNotFoundException", "function:f:2" },
		{ "dev", "{}", "ResourceNotFoundException", "function:f:dev" },
		{ "", "[]", "InvalidRequestContentException", "" },
	};

	return cr_make_param_array(struct eic_case, cases,
	    sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct eic_case *tc, cfgspec, eic_put)
{
	cJSON *rec = rec_new(), *req = cJSON_Parse(tc->json), *out = NULL;
	struct fnspec_err e = { 0 };
	int rc;

	cr_assert_not_null(req, "%s", tc->json);
	rc = cfgspec_eic_put(rec, tc->qual, req, false, 1.5e9, &out, &e);
	if (tc->type[0] == '\0') {
		cr_assert_eq(rc, 0, "%s: %s", tc->json, e.msg);
		cr_assert_eq(out, cfgspec_eic_get(rec, tc->qual));
	} else {
		cr_assert_eq(rc, -EINVAL, "%s accepted", tc->json);
		cr_assert_str_eq(e.type, tc->type, "%s: %s", tc->json, e.msg);
		cr_assert_not_null(strstr(e.msg, tc->msg), "%s: %s", tc->json,
		    e.msg);
		cr_assert_null(cfgspec_eic_get(rec, tc->qual));
	}
	cJSON_Delete(req);
	cJSON_Delete(rec);
}

static int
num(const cJSON *c, const char *k)
{
	const cJSON *v = cJSON_GetObjectItem(c, k);

	return cJSON_IsNumber(v) ? v->valueint : -1;
}

/* Put replaces, Update merges (and needs one there), Delete removes. */
Test(cfgspec, eic_put_update_rm)
{
	cJSON *rec = rec_new(), *out;
	cJSON *both = cJSON_Parse("{\"MaximumRetryAttempts\":1,"
	    "\"MaximumEventAgeInSeconds\":3600}");
	cJSON *r0 = cJSON_Parse("{\"MaximumRetryAttempts\":0}");
	struct fnspec_err e;

	cr_assert_eq(cfgspec_eic_put(rec, "live", r0, true, 1, &out, &e),
	    -EINVAL);
	cr_assert_str_eq(e.type, "ResourceNotFoundException");
	cr_assert_not_null(strstr(e.msg, "f:live doesn't have an "
	    "EventInvokeConfig"));
	cr_assert_eq(cfgspec_eic_put(rec, "", both, false, 1, &out, &e), 0);
	cr_assert_str_eq(cJSON_GetObjectItem(out, "FunctionArn")->valuestring,
	    FNSPEC_ARN_PREFIX "f:$LATEST");
	cr_assert_not_null(cJSON_GetObjectItem(cJSON_GetObjectItem(out,
	    "DestinationConfig"), "OnFailure"));
	cr_assert_eq(cfgspec_eic_put(rec, "$LATEST", r0, true, 2, &out, &e), 0);
	cr_assert_eq(num(out, "MaximumRetryAttempts"), 0);
	cr_assert_eq(num(out, "MaximumEventAgeInSeconds"), 3600);
	cr_assert_eq(num(out, "LastModified"), 2);
	cr_assert_eq(cfgspec_eic_put(rec, "", r0, false, 3, &out, &e), 0);
	cr_assert_eq(num(out, "MaximumEventAgeInSeconds"), -1, "a Put "
	    "replaces the whole config");
	cr_assert_eq(cfgspec_eic_rm(rec, "$LATEST", &e), 0);
	cr_assert_null(cfgspec_eic_get(rec, ""));
	cr_assert_eq(cfgspec_eic_rm(rec, "", &e), -EINVAL);
	cr_assert_str_eq(e.type, "ResourceNotFoundException");
	cJSON_Delete(both);
	cJSON_Delete(r0);
	cJSON_Delete(rec);
}

/* The policy is the invoked qualifier's own config; unset parts stay. */
Test(cfgspec, eic_policy)
{
	cJSON *rec = rec_new(), *out, *aliases;
	cJSON *r1 = cJSON_Parse("{\"MaximumRetryAttempts\":1}");
	cJSON *a90 = cJSON_Parse("{\"MaximumEventAgeInSeconds\":90}");
	unsigned retries = ~0u, age = ~0u;
	struct fnspec_err e;

	cfgspec_eic_policy(rec, "", &retries, &age);
	cr_assert(retries == ~0u && age == ~0u, "no config: nothing set");
	cr_assert_eq(cfgspec_eic_put(rec, "1", r1, false, 1, &out, &e), 0);
	cr_assert_eq(cfgspec_eic_put(rec, "live", a90, false, 1, &out, &e), 0);
	cfgspec_eic_policy(rec, "", &retries, &age);
	cr_assert(retries == ~0u && age == ~0u, "$LATEST has none");
	cfgspec_eic_policy(rec, "1", &retries, &age);
	cr_assert(retries == 1 && age == ~0u, "version 1: %u %u", retries,
	    age);
	retries = age = ~0u;
	cfgspec_eic_policy(rec, "live", &retries, &age);
	cr_assert(retries == ~0u && age == 90, "the alias's own, not its "
	    "version's: %u %u", retries, age);
	cfgspec_eic_drop(rec, "1");
	cr_assert_null(cfgspec_eic_get(rec, "1"));
	cfgspec_eic_drop(rec, "nosuch");	/* nothing there: no harm */
	/* The alias deleted: its config is not used any more. */
	aliases = cJSON_GetObjectItem(rec, "Aliases");
	cJSON_DeleteItemFromArray(aliases, 0);
	retries = age = ~0u;
	cfgspec_eic_policy(rec, "live", &retries, &age);
	cr_assert(retries == ~0u && age == ~0u);
	cJSON_Delete(r1);
	cJSON_Delete(a90);
	cJSON_Delete(rec);
}

#define FN_G	FNSPEC_ARN_PREFIX "g"

/* Destinations: kept as Lambda shows them, Update replaces both, and a
 * deleted alias's are not used. */
Test(cfgspec, eic_dest)
{
	cJSON *rec = rec_new(), *out, *aliases;
	cJSON *both = cJSON_Parse("{\"DestinationConfig\":{\"OnSuccess\":"
	    "{\"Destination\":\"" FN_G "\"},\"OnFailure\":{\"Destination\":\""
	    FN_G ":live\"}}}");
	cJSON *fail = cJSON_Parse("{\"DestinationConfig\":{\"OnFailure\":"
	    "{\"Destination\":\"" FN_G ":1\"}}}");
	cJSON *r0 = cJSON_Parse("{\"MaximumRetryAttempts\":0}");
	struct fnspec_err e;
	char *s;

	cr_assert_null(cfgspec_eic_dest(rec, "", true), "no config: none");
	cr_assert_eq(cfgspec_eic_put(rec, "", both, false, 1, &out, &e), 0,
	    "%s", e.msg);
	s = cJSON_PrintUnformatted(cJSON_GetObjectItem(out,
	    "DestinationConfig"));
	cr_assert_str_eq(s, "{\"OnSuccess\":{\"Destination\":\"" FN_G "\"},"
	    "\"OnFailure\":{\"Destination\":\"" FN_G ":live\"}}");
	free(s);
	cr_assert_str_eq(cfgspec_eic_dest(rec, "$LATEST", true), FN_G);
	cr_assert_str_eq(cfgspec_eic_dest(rec, "", false), FN_G ":live");
	cr_assert_eq(cfgspec_eic_put(rec, "", r0, true, 2, &out, &e), 0);
	cr_assert_str_eq(cfgspec_eic_dest(rec, "", true), FN_G, "an update "
	    "without DestinationConfig keeps it");
	cr_assert_eq(cfgspec_eic_put(rec, "", fail, true, 3, &out, &e), 0);
	cr_assert_null(cfgspec_eic_dest(rec, "", true), "an update with one "
	    "replaces both");
	cr_assert_str_eq(cfgspec_eic_dest(rec, "", false), FN_G ":1");
	cr_assert_eq(cfgspec_eic_put(rec, "", r0, false, 4, &out, &e), 0);
	cr_assert_null(cfgspec_eic_dest(rec, "", false), "a put replaces");
	cr_assert_eq(cfgspec_eic_put(rec, "live", both, false, 5, &out, &e), 0);
	cr_assert_str_eq(cfgspec_eic_dest(rec, "live", true), FN_G);
	cr_assert_null(cfgspec_eic_dest(rec, "1", true), "per qualifier");
	aliases = cJSON_GetObjectItem(rec, "Aliases");
	cJSON_DeleteItemFromArray(aliases, 0);
	cr_assert_null(cfgspec_eic_dest(rec, "live", true), "a deleted "
	    "alias's config is not used");
	cJSON_Delete(both);
	cJSON_Delete(fail);
	cJSON_Delete(r0);
	cJSON_Delete(rec);
}
