/*
 * Unit tests for pcspec (gateway/control/pcspec.c): the rules of
 * PutProvisionedConcurrencyConfig one by one, and the workers each
 * version's pool keeps for a function's configs -- a version's own, an
 * alias's, an alias's split by its weights.  The calls themselves, and
 * the workers really started, are tested with the aws CLI in
 * tests/integration/55-provisioned.t.
 */
#include <criterion/criterion.h>

#include <errno.h>
#include <string.h>

#include <cJSON.h>

#include "control/pcspec.h"

#define REC	"{\"Configuration\":{\"FunctionName\":\"f\",\"Version\":" \
		"\"$LATEST\"},\"Versions\":[" \
		"{\"Configuration\":{\"FunctionName\":\"f\",\"Version\":\"1\"}}," \
		"{\"Configuration\":{\"FunctionName\":\"f\",\"Version\":\"2\"}}]," \
		"\"Aliases\":[{\"Name\":\"live\",\"FunctionVersion\":\"1\"}," \
		"{\"Name\":\"canary\",\"FunctionVersion\":\"1\",\"RoutingConfig\":" \
		"{\"AdditionalVersionWeights\":{\"2\":0.25}}}]}"

static cJSON *
rec_new(void)
{
	cJSON *r = cJSON_Parse(REC);

	cr_assert_not_null(r);
	return r;
}

/* Put n for qual; the rc, with e's type in type. */
static int
put(cJSON *rec, const char *qual, const char *body, char *type)
{
	struct fnspec_err e;
	cJSON *req = cJSON_Parse(body);
	int rc;

	memset(&e, 0, sizeof(e));
	rc = pcspec_put(rec, qual, req, "2026-12-08T00:00:00.000+0000", &e);
	strcpy(type, rc != 0 ? e.type : "");
	cJSON_Delete(req);
	return rc;
}

/* Version n's ProvisionedIdle (0: none). */
static int
idle(const cJSON *rec, int n)
{
	const cJSON *v = cJSON_GetArrayItem(cJSON_GetObjectItem(rec,
	    "Versions"), n - 1);
	const cJSON *i = cJSON_GetObjectItem(v, "ProvisionedIdle");

	return cJSON_IsNumber(i) ? i->valueint : 0;
}

Test(pcspec, refusals)
{
	cJSON *r = rec_new();
	char t[64];

	cr_expect_eq(put(r, "$LATEST", "{\"ProvisionedConcurrentExecutions\":1}",
	    t), -EINVAL);
	cr_expect_str_eq(t, "InvalidParameterValueException");
	cr_expect_eq(put(r, "", "{\"ProvisionedConcurrentExecutions\":1}", t),
	    -EINVAL);
	cr_expect_str_eq(t, "InvalidParameterValueException");
	cr_expect_eq(put(r, "7", "{\"ProvisionedConcurrentExecutions\":1}", t),
	    -EINVAL);
	cr_expect_str_eq(t, "ResourceNotFoundException");
	cr_expect_eq(put(r, "1", "{\"ProvisionedConcurrentExecutions\":0}", t),
	    -EINVAL);
	cr_expect_str_eq(t, "ValidationException");
	cr_expect_eq(put(r, "1", "{\"ProvisionedConcurrentExecutions\":2.5}",
	    t), -EINVAL);
	cr_expect_str_eq(t, "ValidationException");
	cr_expect_eq(put(r, "1", "{}", t), -EINVAL);
	cr_expect_str_eq(t, "ValidationException");
	cr_expect_eq(put(r, "1", "{\"ProvisionedConcurrentExecutions\":1025}",
	    t), -EINVAL);
	cr_expect_str_eq(t, "InvalidParameterValueException");
	cr_expect_null(cJSON_GetObjectItem(r, "Provisioned"),
	    "a refused put leaves nothing");
	cJSON_Delete(r);
}

Test(pcspec, version_and_alias_exclude_each_other)
{
	cJSON *r = rec_new();
	char t[64];

	cr_assert_eq(put(r, "1", "{\"ProvisionedConcurrentExecutions\":3}", t),
	    0);
	cr_expect_eq(idle(r, 1), 3);
	cr_expect_eq(put(r, "live", "{\"ProvisionedConcurrentExecutions\":1}",
	    t), -EINVAL, "live points at version 1, which has its own");
	cr_expect_str_eq(t, "ResourceConflictException");
	cr_expect_eq(put(r, "canary", "{\"ProvisionedConcurrentExecutions\":1}",
	    t), -EINVAL);
	cr_assert_eq(put(r, "2", "{\"ProvisionedConcurrentExecutions\":1}", t),
	    0);
	cr_expect_eq(idle(r, 2), 1);
	cr_expect_eq(pcspec_total(r), 4);
	cJSON_Delete(r);
}

Test(pcspec, alias_weights_split)
{
	cJSON *r = rec_new();
	char t[64];

	cr_assert_eq(put(r, "canary", "{\"ProvisionedConcurrentExecutions\":8}",
	    t), 0);
	cr_expect_eq(pcspec_share(r, "canary", "1"), 6);
	cr_expect_eq(pcspec_share(r, "canary", "2"), 2);
	cr_expect_eq(idle(r, 1), 6);
	cr_expect_eq(idle(r, 2), 2);
	cr_expect_eq(put(r, "2", "{\"ProvisionedConcurrentExecutions\":1}", t),
	    -EINVAL, "canary's weight reaches version 2");
	cr_expect_str_eq(t, "ResourceConflictException");
	/* Two aliases on version 1 add up. */
	cr_assert_eq(put(r, "live", "{\"ProvisionedConcurrentExecutions\":1}",
	    t), 0);
	cr_expect_eq(idle(r, 1), 7);
	cJSON_Delete(r);
}

Test(pcspec, drop_and_reapply)
{
	cJSON *r = rec_new();
	struct fnspec_err e;
	char t[64];

	cr_assert_eq(put(r, "live", "{\"ProvisionedConcurrentExecutions\":2}",
	    t), 0);
	cr_expect_eq(idle(r, 1), 2);
	/* The alias moves: its workers follow. */
	cJSON_SetValuestring(cJSON_GetObjectItem(cJSON_GetArrayItem(
	    cJSON_GetObjectItem(r, "Aliases"), 0), "FunctionVersion"), "2");
	cr_expect(pcspec_apply(r));
	cr_expect_eq(idle(r, 1), 0);
	cr_expect_eq(idle(r, 2), 2);
	cr_expect_not(pcspec_apply(r), "nothing more to change");
	cr_expect_eq(pcspec_rm(r, "live", &e), 0);
	cr_expect_eq(idle(r, 2), 0);
	cr_expect_null(cJSON_GetObjectItem(r, "Provisioned"));
	cr_expect_eq(pcspec_rm(r, "live", &e), -EINVAL);
	cr_expect_str_eq(e.type, "ProvisionedConcurrencyConfigNotFoundException");
	cr_expect_eq(pcspec_missing(r, "nope", &e), -EINVAL);
	cr_expect_str_eq(e.type, "ResourceNotFoundException");
	cJSON_Delete(r);
}

Test(pcspec, reserved_bounds)
{
	cJSON *r = rec_new();
	struct fnspec_err e;
	char t[64];

	cJSON_AddItemToObject(r, "Concurrency", cJSON_Parse(
	    "{\"ReservedConcurrentExecutions\":3}"));
	cr_assert_eq(put(r, "1", "{\"ProvisionedConcurrentExecutions\":2}", t),
	    0);
	cr_expect_eq(put(r, "2", "{\"ProvisionedConcurrentExecutions\":2}", t),
	    -EINVAL, "2 + 2 over 3 reserved");
	cr_expect_str_eq(t, "InvalidParameterValueException");
	cr_expect_eq(put(r, "1", "{\"ProvisionedConcurrentExecutions\":3}", t),
	    0, "a put replaces its own: 3 is within 3");
	cr_expect_eq(pcspec_over_reserved(r, &e), 0);
	cJSON_ReplaceItemInObject(r, "Concurrency", cJSON_Parse(
	    "{\"ReservedConcurrentExecutions\":2}"));
	cr_expect_eq(pcspec_over_reserved(r, &e), -EINVAL);
	cJSON_Delete(r);
}

Test(pcspec, show)
{
	cJSON *r = rec_new(), *j;
	char t[64];

	cr_assert_eq(put(r, "live", "{\"ProvisionedConcurrentExecutions\":2}",
	    t), 0);
	j = pcspec_show(r, "live", 1, true);
	cr_expect_str_eq(cJSON_GetObjectItem(j, "Status")->valuestring,
	    "IN_PROGRESS");
	cr_expect_eq(cJSON_GetObjectItem(j,
	    "AllocatedProvisionedConcurrentExecutions")->valueint, 1);
	cr_expect_str_eq(cJSON_GetObjectItem(j, "FunctionArn")->valuestring,
	    FNSPEC_ARN_PREFIX "f:live");
	cJSON_Delete(j);
	j = pcspec_show(r, "live", 5, false);
	cr_expect_str_eq(cJSON_GetObjectItem(j, "Status")->valuestring, "READY");
	cr_expect_eq(cJSON_GetObjectItem(j,
	    "AvailableProvisionedConcurrentExecutions")->valueint, 2,
	    "never more than requested");
	cr_expect_null(cJSON_GetObjectItem(j, "FunctionArn"));
	cJSON_Delete(j);
	cJSON_Delete(r);
}
