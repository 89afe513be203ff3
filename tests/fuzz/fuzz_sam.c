/*
 * fuzz_sam: a template's text through what lambdactl deploy-template does
 * before it calls the daemon: sam_yaml_parse, sam_tpl_new and
 * sam_tpl_prepare, then every resource's Properties and every output
 * resolved.  Invariants: a failure always leaves a message; what resolves
 * prints as JSON; resolving twice gives the same tree (resolution never
 * changes the template).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sam/template.h"
#include "sam/yaml.h"

static void
check(struct sam_tpl *t, const cJSON *v)
{
	cJSON *a = sam_tpl_resolve(t, v), *b;
	char *s;

	if (a == NULL) {
		if (sam_tpl_error(t)[0] == '\0')
			abort();
		return;
	}
	if ((s = cJSON_PrintUnformatted(a)) == NULL)
		abort();
	free(s);
	b = sam_tpl_resolve(t, v);
	if (b == NULL || !cJSON_Compare(a, b, 1))
		abort();
	cJSON_Delete(a);
	cJSON_Delete(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[1024] = "";
	struct sam_tpl *t;
	const cJSON *r;
	cJSON *doc;

	if ((doc = sam_yaml_parse((const char *)data, size, err,
	    sizeof(err))) == NULL) {
		if (err[0] == '\0')
			abort();
		return 0;
	}
	if ((t = sam_tpl_new(doc, "fuzz", err, sizeof(err))) == NULL)
		return 0;
	sam_tpl_set_attr(t, "Fn", "Arn", "arn:aws:lambda:us-east-1:123456789012:function:fn");
	if (sam_tpl_prepare(t) == 0) {
		cJSON_ArrayForEach(r, sam_tpl_resources(t)) {
			sam_tpl_resource_on(t, r);
			check(t, cJSON_GetObjectItemCaseSensitive(r, "Properties"));
		}
		cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(
		    sam_tpl_doc(t), "Outputs"))
			check(t, cJSON_GetObjectItemCaseSensitive(r, "Value"));
	} else if (sam_tpl_error(t)[0] == '\0')
		abort();
	sam_tpl_free(t);
	return 0;
}
