/*
 * sam/deploy_res: layers and tables (deploy.h).  A LayerVersion is
 * published only when its content's CodeSha256 differs from the latest
 * version's; a table is created when DescribeTable does not know it, and
 * one that exists with another key schema is an error, never replaced
 * (its items would go).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sam/deploy.h"
#include "sam/pack.h"

#define LAYER_TYPE	"AWS::Serverless::LayerVersion"

static const char *const layer_known[] = {
	"ContentUri", "LayerName", "Description", "CompatibleRuntimes",
	"CompatibleArchitectures", "LicenseInfo", NULL,
};
static const char *const simple_known[] = {
	"TableName", "PrimaryKey", NULL,
};
static const char *const ddb_known[] = {
	"TableName", "KeySchema", "AttributeDefinitions", "BillingMode",
	"ProvisionedThroughput", "GlobalSecondaryIndexes",
	"LocalSecondaryIndexes", "StreamSpecification", NULL,
};

static const char *
str_of(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(v) ? v->valuestring : "";
}

static int
res_fail(struct sam_deploy *d, const char *id, const char *type,
    const char *what, const struct sam_reply *r)
{
	char buf[sizeof(d->err)];

	if (r != NULL)
		sam_reply_error(r, buf, sizeof(buf));
	else
		snprintf(buf, sizeof(buf), "%s", d->err);
	return sam_fail(d, "%s (%s): %s: %s", id, type, what, buf);
}

/* The latest version's ARN and CodeSha256, or "" when none. */
static int
layer_latest(struct sam_deploy *d, const char *id, const char *name,
    char *arn, size_t an, char *sha, size_t sn)
{
	char path[640];
	struct sam_reply r;
	const cJSON *v;
	double best = 0;

	arn[0] = sha[0] = '\0';
	snprintf(path, sizeof(path), "/2018-10-31/layers/%s/versions", name);
	if (sam_lambda(d, "GET", path, NULL, &r) != 0)
		return res_fail(d, id, LAYER_TYPE, "ListLayerVersions", NULL);
	if (r.status != 200 && r.status != 404) {
		res_fail(d, id, LAYER_TYPE, "ListLayerVersions", &r);
		sam_reply_clear(&r);
		return -1;
	}
	cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(r.json,
	    "LayerVersions")) {
		double n = cJSON_GetNumberValue(
		    cJSON_GetObjectItemCaseSensitive(v, "Version"));

		if (n > best) {
			best = n;
			snprintf(arn, an, "%s", str_of(v, "LayerVersionArn"));
		}
	}
	sam_reply_clear(&r);
	if (best == 0)
		return 0;
	snprintf(path, sizeof(path), "/2018-10-31/layers/%s/versions/%.0f", name,
	    best);
	if (sam_lambda(d, "GET", path, NULL, &r) != 0)
		return res_fail(d, id, LAYER_TYPE, "GetLayerVersion", NULL);
	snprintf(sha, sn, "%s", str_of(cJSON_GetObjectItemCaseSensitive(r.json,
	    "Content"), "CodeSha256"));
	sam_reply_clear(&r);
	return 0;
}

static int
layer_publish(struct sam_deploy *d, const char *id, const char *name,
    const cJSON *props, const struct sam_pack *pk, char *arn, size_t an)
{
	static const char *const pass[] = { "Description", "CompatibleRuntimes",
	    "CompatibleArchitectures", "LicenseInfo" };
	cJSON *body = cJSON_CreateObject(), *c, *z;
	char path[640];
	struct sam_reply r;
	size_t i;
	int rc;

	c = cJSON_AddObjectToObject(body, "Content");
	z = cJSON_AddStringToObject(c, "ZipFile", "");
	free(z->valuestring);
	z->valuestring = sam_pack_base64(pk);
	for (i = 0; i < sizeof(pass) / sizeof(pass[0]); i++)
		if (cJSON_GetObjectItemCaseSensitive(props, pass[i]) != NULL)
			cJSON_AddItemToObject(body, pass[i], cJSON_Duplicate(
			    cJSON_GetObjectItemCaseSensitive(props, pass[i]), 1));
	snprintf(path, sizeof(path), "/2018-10-31/layers/%s/versions", name);
	rc = sam_lambda(d, "POST", path, body, &r);
	cJSON_Delete(body);
	if (rc != 0)
		return res_fail(d, id, LAYER_TYPE, "PublishLayerVersion", NULL);
	if (r.status != 201 && r.status != 200) {
		res_fail(d, id, LAYER_TYPE, "PublishLayerVersion", &r);
		sam_reply_clear(&r);
		return -1;
	}
	snprintf(arn, an, "%s", str_of(r.json, "LayerVersionArn"));
	sam_reply_clear(&r);
	return 0;
}

int
sam_deploy_layer(struct sam_deploy *d, const char *id, const cJSON *res)
{
	cJSON *props = sam_tpl_resolve(d->t, cJSON_GetObjectItemCaseSensitive(res,
	    "Properties"));
	char name[256], buf[512], arn[512], sha[64];
	const char *uri;
	struct sam_pack pk;
	int rc, fresh = 0;

	if (props == NULL)
		return sam_fail(d, "%s (" LAYER_TYPE "): %s", id,
		    sam_tpl_error(d->t));
	sam_prop_str(props, "LayerName", id, name, sizeof(name));
	if ((uri = sam_prop_str(props, "ContentUri", NULL, buf, sizeof(buf))) == NULL) {
		cJSON_Delete(props);
		return sam_fail(d, "%s (" LAYER_TYPE "): no ContentUri", id);
	}
	if (sam_pack_load(d->dir, uri, &pk, d->err, sizeof(d->err)) != 0) {
		cJSON_Delete(props);
		return res_fail(d, id, LAYER_TYPE, "ContentUri", NULL);
	}
	rc = layer_latest(d, id, name, arn, sizeof(arn), sha, sizeof(sha));
	if (rc == 0 && strcmp(sha, pk.sha256) != 0) {
		fresh = arn[0] == '\0' ? 1 : 2;
		rc = layer_publish(d, id, name, props, &pk, arn, sizeof(arn));
	}
	if (rc == 0) {
		sam_tpl_set_attr(d->t, id, "Ref", arn);
		sam_tpl_set_attr(d->t, id, "Arn", arn);
		sam_skip_unknown(d, id, props, layer_known);
		sam_say(d, fresh == 1 ? "created" : fresh ? "updated" : "unchanged",
		    id, LAYER_TYPE, fresh ? arn : "");
	}
	sam_pack_clear(&pk);
	cJSON_Delete(props);
	return rc;
}

/* ---- tables ------------------------------------------------------------ */

static int
ddb_call(struct sam_deploy *d, const char *op, const cJSON *body,
    struct sam_reply *r)
{
	char hdr[256], *s = cJSON_PrintUnformatted(body);
	int rc;

	snprintf(hdr, sizeof(hdr), "Content-Type: application/x-amz-json-1.0\r\n"
	    "X-Amz-Target: DynamoDB_20120810.%s\r\n", op);
	rc = sam_http(d->ddb, "POST", "/", hdr, s, r, d->err, sizeof(d->err));
	if (rc == SAM_HTTP_UNREACHABLE)
		d->unreachable = 1;
	free(s);
	return rc;
}

/* SimpleTable's PrimaryKey (default {id, String}) as CreateTable's. */
static cJSON *
table_simple(const char *name, const cJSON *props)
{
	const cJSON *pk = cJSON_GetObjectItemCaseSensitive(props, "PrimaryKey");
	const char *k = cJSON_IsString(cJSON_GetObjectItemCaseSensitive(pk,
	    "Name")) ? str_of(pk, "Name") : "id";
	const char *ty = str_of(pk, "Type");
	cJSON *b = cJSON_CreateObject(), *a, *e;

	cJSON_AddStringToObject(b, "TableName", name);
	a = cJSON_AddArrayToObject(b, "AttributeDefinitions");
	cJSON_AddItemToArray(a, e = cJSON_CreateObject());
	cJSON_AddStringToObject(e, "AttributeName", k);
	cJSON_AddStringToObject(e, "AttributeType", strcmp(ty, "Number") == 0 ?
	    "N" : strcmp(ty, "Binary") == 0 ? "B" : "S");
	a = cJSON_AddArrayToObject(b, "KeySchema");
	cJSON_AddItemToArray(a, e = cJSON_CreateObject());
	cJSON_AddStringToObject(e, "AttributeName", k);
	cJSON_AddStringToObject(e, "KeyType", "HASH");
	cJSON_AddStringToObject(b, "BillingMode", "PAY_PER_REQUEST");
	return b;
}

static cJSON *
table_full(const char *name, const cJSON *props)
{
	cJSON *b = cJSON_Duplicate(props, 1);

	cJSON_DeleteItemFromObjectCaseSensitive(b, "TableName");
	cJSON_AddStringToObject(b, "TableName", name);
	if (cJSON_GetObjectItemCaseSensitive(b, "BillingMode") == NULL &&
	    cJSON_GetObjectItemCaseSensitive(b, "ProvisionedThroughput") == NULL)
		cJSON_AddStringToObject(b, "BillingMode", "PAY_PER_REQUEST");
	return b;
}

/* "id S HASH, ts N RANGE": a table's key, to compare and to show. */
static void
table_key(const cJSON *t, char *out, size_t n)
{
	const cJSON *k, *a;
	size_t len = 0;

	out[0] = '\0';
	cJSON_ArrayForEach(k, cJSON_GetObjectItemCaseSensitive(t, "KeySchema")) {
		const char *an = str_of(k, "AttributeName"), *ty = "?";

		cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(t,
		    "AttributeDefinitions"))
			if (strcmp(str_of(a, "AttributeName"), an) == 0)
				ty = str_of(a, "AttributeType");
		len += (size_t)snprintf(out + len, len < n ? n - len : 0, "%s%s %s %s",
		    len ? ", " : "", an, ty, str_of(k, "KeyType"));
		if (len >= n)
			return;
	}
}

static void
table_attrs(struct sam_deploy *d, const char *id, const char *name,
    const cJSON *desc)
{
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(desc, "Table");

	if (t == NULL)
		t = cJSON_GetObjectItemCaseSensitive(desc, "TableDescription");
	sam_tpl_set_attr(d->t, id, "Ref", name);
	if (*str_of(t, "TableArn"))
		sam_tpl_set_attr(d->t, id, "Arn", str_of(t, "TableArn"));
	if (*str_of(t, "LatestStreamArn"))
		sam_tpl_set_attr(d->t, id, "StreamArn", str_of(t, "LatestStreamArn"));
}

int
sam_deploy_table(struct sam_deploy *d, const char *id, const cJSON *res)
{
	const char *type = str_of(res, "Type");
	int simple = strcmp(type, "AWS::Serverless::SimpleTable") == 0, rc = -1;
	cJSON *props = sam_tpl_resolve(d->t, cJSON_GetObjectItemCaseSensitive(res,
	    "Properties")), *want, *q;
	char name[256], have[512], wants[512];
	struct sam_reply r;

	if (props == NULL)
		return sam_fail(d, "%s (%s): %s", id, type, sam_tpl_error(d->t));
	if (d->ddb == NULL) {
		cJSON_Delete(props);
		return sam_fail(d, "%s (%s): no DynamoDB endpoint: give "
		    "--dynamodb-endpoint http://HOST:PORT (lambdad's "
		    "dynamodb_listen)", id, type);
	}
	sam_prop_str(props, "TableName", id, name, sizeof(name));
	want = simple ? table_simple(name, props) : table_full(name, props);
	q = cJSON_CreateObject();
	cJSON_AddStringToObject(q, "TableName", name);
	if (ddb_call(d, "DescribeTable", q, &r) != 0)
		res_fail(d, id, type, "DescribeTable", NULL);
	else if (r.status == 200) {
		table_key(cJSON_GetObjectItemCaseSensitive(r.json, "Table"), have,
		    sizeof(have));
		table_key(want, wants, sizeof(wants));
		if (strcmp(have, wants) != 0)
			sam_fail(d, "%s (%s): table %s exists with the key [%s]; "
			    "the template's is [%s]; not changed (it would lose "
			    "its items)", id, type, name, have, wants);
		else {
			table_attrs(d, id, name, r.json);
			sam_say(d, "unchanged", id, type, "");
			rc = 0;
		}
	} else if (strstr(str_of(r.json, "__type"), "ResourceNotFound") == NULL)
		res_fail(d, id, type, "DescribeTable", &r);
	else {
		sam_reply_clear(&r);
		if (ddb_call(d, "CreateTable", want, &r) != 0)
			res_fail(d, id, type, "CreateTable", NULL);
		else if (r.status != 200)
			res_fail(d, id, type, "CreateTable", &r);
		else {
			table_attrs(d, id, name, r.json);
			sam_say(d, "created", id, type, name);
			rc = 0;
		}
	}
	if (rc == 0)
		sam_skip_unknown(d, id, props, simple ? simple_known : ddb_known);
	sam_reply_clear(&r);
	cJSON_Delete(q);
	cJSON_Delete(want);
	cJSON_Delete(props);
	return rc;
}
