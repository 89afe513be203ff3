/*
 * Unit tests for the API documentation (issue 10): the keys of
 * gateway/conf_docs.c on a real configuration in a temporary directory
 * (schema files read at load, file:line errors), the OpenAPI document
 * apigw/openapi.c makes of it, the HTML page apigw/docs.c makes of the
 * document, and the validation stage (apigw/validate.c) on requests made
 * by hand.
 */
#include <criterion/criterion.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cJSON.h>

#include "apigw/apigw.h"
#include "apigw/docs.h"
#include "apigw/openapi.h"
#include "apigw/validate.h"
#include "conf.h"
#include "conf_fixture.h"
#include "http.h"
#include "route.h"

static void
setup(void)
{
	tmpdir_make("test_openapi", tmpdir);
}

static void
teardown(void)
{
	tmpdir_remove(tmpdir);
}

TestSuite(openapi, .init = setup, .fini = teardown);

#define PET_SCHEMA "{\"$schema\":\"http://json-schema.org/draft-04/schema#\"," \
	"\"type\":\"object\",\"required\":[\"name\"],\"properties\":{\"name\":" \
	"{\"type\":\"string\",\"minLength\":1}},\"additionalProperties\":false}"

#define FNS \
	"[function pets]\nbootstrap = /bin/true\nroute = POST /pets\n" \
	"route = GET /pets/{id}\ndescription = Pets <&> \"friends\"\n" \
	"request_schema = pet.json\nresponse_schema = out.json\n" \
	"validate = on\n\n" \
	"[function files]\nbootstrap = /bin/true\nroute = ANY /files/{proxy+}\n" \
	"auth = users\nscopes = read write\n\n" \
	"[function signed]\nbootstrap = /bin/true\nroute = $default\n" \
	"auth = aws_iam\npayload = 1.0\ntimeout = 60\n"

#define EXTRA \
	"access_key = AKIDEXAMPLE:wJalrXUtnFEMIK7MDENGbPxRfiCY\n" \
	"docs_path = /api/docs\n\n" \
	"[cors]\nallow_origins = https://a.example\nallow_credentials = on\n\n" \
	"[authorizer users]\ntype = jwt\nissuer = https://issuer.example\n" \
	"audience = api\naudience = web\nsecret = secret\n"

static void
files(void)
{
	char fd[PATH_MAX + 8];

	snprintf(fd, sizeof(fd), "%s/fd", tmpdir);
	mkdir(fd, 0755);
	conf_put("fd/pet.json", PET_SCHEMA);
	conf_put("fd/out.json", "{\"type\":\"object\"}");
	conf_put("secret", "0123456789abcdef0123456789abcdef");
}

/* A value of the document, printed unformatted (strings without quotes). */
static char *
at(const cJSON *doc, const char *const *keys)
{
	const cJSON *j = doc;
	static char out[2048];
	char *s;

	for (; *keys != NULL; keys++)
		j = cJSON_IsArray(j) ? cJSON_GetArrayItem(j, atoi(*keys)) :
		    cJSON_GetObjectItemCaseSensitive(j, *keys);
	if (j == NULL)
		return strcpy(out, "(none)");
	if (cJSON_IsString(j))
		return strcpy(out, j->valuestring);
	s = cJSON_PrintUnformatted(j);
	snprintf(out, sizeof(out), "%s", s);
	free(s);
	return out;
}
#define AT(doc, ...)	at(doc, (const char *const[]){ __VA_ARGS__, NULL })

Test(openapi, conf_keys_load)
{
	struct conf *c;
	struct function_conf *fn;

	files();
	c = load_ok(EXTRA, FNS);
	cr_assert_str_eq(c->docs_path, "/api/docs");
	fn = conf_find(c, "pets");
	cr_assert_str_eq(fn->description, "Pets <&> \"friends\"");
	cr_assert(fn->validate);
	cr_assert_not_null(fn->request_doc);
	cr_assert_not_null(strstr(fn->request_schema, "/fd/pet.json"),
	    "relative to the file's directory");
	cr_assert_eq(conf_find(c, "files")->validate, 0, "off by default");
	conf_free(c);
}

Test(openapi, conf_errors)
{
	files();
	conf_put("fd/bad.json", "{\"type\": ");
	conf_put("fd/notschema.json", "{\"type\": \"str\"}");
	cr_assert_str_eq(load_err("", "[function a]\nbootstrap = /bin/true\n"
	    "request_schema = bad.json\n"), "fd/f.conf:3: request_schema: "
	    "\"fd/bad.json\" is not JSON (at byte 8)");
	cr_assert_str_eq(load_err("", "[function a]\nbootstrap = /bin/true\n"
	    "response_schema = none.json\n"), "fd/f.conf:3: response_schema: "
	    "cannot read \"fd/none.json\": No such file or directory");
	cr_assert_str_eq(load_err("", "[function a]\nbootstrap = /bin/true\n"
	    "request_schema = notschema.json\n"), "fd/f.conf:3: "
	    "request_schema: \"fd/notschema.json\" is not a usable JSON "
	    "Schema: type: must be one of object, array, string, number, "
	    "integer, boolean, null, or a list of them");
	cr_assert_str_eq(load_err("", "[function a]\nbootstrap = /bin/true\n"
	    "request_schema = /tmp\n"), "fd/f.conf:3: request_schema: "
	    "cannot read \"/tmp\": not a regular file");
	cr_assert_str_eq(load_err("", "[function a]\nbootstrap = /bin/true\n"
	    "validate = on\n"), "fd/f.conf:3: validate = on needs "
	    "request_schema = FILE in [function a]");
	cr_assert_str_eq(load_err("", "[function a]\nbootstrap = /bin/true\n"
	    "validate = yes\n"), "fd/f.conf:3: validate: expected on or off, "
	    "not \"yes\"");
	cr_assert_str_eq(load_err("", "[function a]\nbootstrap = /bin/true\n"
	    "description =\n"), "fd/f.conf:3: description: expected 1 to "
	    "1024 characters of text");
	cr_assert_str_eq(load_err("docs_path = docs\n", ""), "lambdad.conf:4: "
	    "docs_path: expected a path such as /docs (segments of A-Z a-z "
	    "0-9 - . _ ~, no trailing /), not \"docs\"");
	cr_assert_str_eq(load_err("docs_path = /docs/\n", ""), "lambdad.conf:4: "
	    "docs_path: expected a path such as /docs (segments of A-Z a-z "
	    "0-9 - . _ ~, no trailing /), not \"/docs/\"");
	cr_assert_str_eq(load_err("docs_path = /docs\n", "[function a]\n"
	    "bootstrap = /bin/true\nroute = GET /docs/openapi.json\n"),
	    "lambdad.conf:4: docs_path = /docs would hide route \"GET "
	    "/docs/openapi.json\" of function a (fd/f.conf:3)");
}

Test(openapi, document)
{
	struct conf *c;
	cJSON *doc;

	files();
	c = load_ok(EXTRA, FNS);
	doc = openapi_doc(c, "http://127.0.0.1:8080");
	cr_assert_not_null(doc);
	cr_assert_str_eq(AT(doc, "openapi"), "3.0.1");
	cr_assert_str_eq(AT(doc, "info", "title"), "lambdad");
	cr_assert_str_eq(AT(doc, "servers", "0", "url"), "http://127.0.0.1:8080");
	cr_assert_str_eq(AT(doc, "paths", "/pets", "post", "description"),
	    "Pets <&> \"friends\"");
	cr_assert_str_eq(AT(doc, "paths", "/pets", "post", "operationId"),
	    "pets-1");
	cr_assert_str_eq(AT(doc, "paths", "/pets/{id}", "get", "operationId"),
	    "pets-2");
	cr_assert_str_eq(AT(doc, "paths", "/pets", "post", "requestBody"),
	    "{\"required\":true,\"content\":{\"application/json\":{\"schema\":"
	    "{\"$ref\":\"#/components/schemas/petsRequest\"}}}}");
	cr_assert_str_eq(AT(doc, "paths", "/pets/{id}", "get", "requestBody"),
	    "(none)", "a GET has no body");
	cr_assert_str_eq(AT(doc, "paths", "/pets/{id}", "get", "parameters"),
	    "[{\"name\":\"id\",\"in\":\"path\",\"required\":true,\"schema\":"
	    "{\"type\":\"string\"}}]");
	cr_assert_str_eq(AT(doc, "components", "schemas", "petsRequest"),
	    "{\"type\":\"object\",\"required\":[\"name\"],\"properties\":"
	    "{\"name\":{\"type\":\"string\",\"minLength\":1}},"
	    "\"additionalProperties\":false}", "$schema left out");
	cr_assert_str_eq(AT(doc, "paths", "/files/{proxy+}",
	    "x-amazon-apigateway-any-method", "parameters", "0", "name"),
	    "proxy+");
	cr_assert_str_eq(AT(doc, "paths", "/files/{proxy+}",
	    "x-amazon-apigateway-any-method", "security"),
	    "[{\"users\":[\"read\",\"write\"]}]");
	cr_assert_str_eq(AT(doc, "paths", "/$default",
	    "x-amazon-apigateway-any-method", "security"), "[{\"sigv4\":[]}]");
	cr_assert_str_eq(AT(doc, "paths", "/$default",
	    "x-amazon-apigateway-any-method", "x-amazon-apigateway-integration"),
	    "{\"type\":\"aws_proxy\",\"httpMethod\":\"POST\",\"uri\":"
	    "\"arn:aws:lambda:us-east-1:123456789012:function:signed\","
	    "\"payloadFormatVersion\":\"1.0\",\"timeoutInMillis\":30000}",
	    "API Gateway's 30 s integration limit");
	cr_assert_str_eq(AT(doc, "components", "securitySchemes", "users",
	    "x-amazon-apigateway-authorizer"), "{\"type\":\"jwt\","
	    "\"jwtConfiguration\":{\"issuer\":\"https://issuer.example\","
	    "\"audience\":[\"api\",\"web\"]},\"identitySource\":"
	    "\"$request.header.Authorization\"}");
	cr_assert_str_eq(AT(doc, "components", "securitySchemes", "users",
	    "type"), "oauth2");
	cr_assert_str_eq(AT(doc, "paths", "/$default",
	    "x-amazon-apigateway-any-method", "isDefaultRoute"), "true");
	cr_assert_str_eq(AT(doc, "paths", "/files/{proxy+}",
	    "x-amazon-apigateway-any-method", "isDefaultRoute"), "(none)");
	cr_assert_str_eq(AT(doc, "x-amazon-apigateway-importexport-version"),
	    "1.0");
	cr_assert_str_eq(AT(doc, "components", "securitySchemes", "sigv4",
	    "x-amazon-apigateway-authtype"), "awsSigv4");
	cr_assert_str_eq(AT(doc, "x-amazon-apigateway-cors"),
	    "{\"allowOrigins\":[\"https://a.example\"],"
	    "\"allowCredentials\":true}");
	cr_assert_str_eq(AT(doc, "tags", "0"), "{\"name\":\"pets\","
	    "\"description\":\"Pets <&> \\\"friends\\\"\"}");
	cJSON_Delete(doc);
	conf_free(c);
}

Test(openapi, document_minimal)
{
	struct conf *c = load_ok("", "[function a]\nbootstrap = /bin/true\n"
	    "route = GET /a\n\n[function b]\nbootstrap = /bin/true\n");
	cJSON *doc = openapi_doc(c, NULL);

	cr_assert_str_eq(AT(doc, "servers"), "(none)");
	cr_assert_str_eq(AT(doc, "paths"), "{\"/a\":{\"get\":{\"tags\":"
	    "[\"a\"],\"operationId\":\"a\",\"responses\":{\"200\":"
	    "{\"description\":\"The function's reply (its statusCode decides "
	    "the status)\"},\"429\":{\"description\":\"Too Many Requests: "
	    "throttled\"}},\"x-amazon-apigateway-integration\":{\"type\":"
	    "\"aws_proxy\",\"httpMethod\":\"POST\",\"uri\":\"arn:aws:lambda:"
	    "us-east-1:123456789012:function:a\",\"payloadFormatVersion\":"
	    "\"2.0\",\"timeoutInMillis\":3000}}}}");
	cr_assert_str_eq(AT(doc, "components"), "{\"schemas\":{},"
	    "\"securitySchemes\":{}}");
	cr_assert_str_eq(AT(doc, "x-amazon-apigateway-cors"), "(none)");
	cr_assert_str_eq(AT(doc, "tags"), "[{\"name\":\"a\"}]",
	    "a function without routes is not in the API");
	cJSON_Delete(doc);
	conf_free(c);
}

Test(openapi, api_key)
{
	struct conf *c = load_ok("\n[usage_plan p]\nrate = 5\n",
	    "[function a]\nbootstrap = /bin/true\nroute = GET /a\n"
	    "api_key = required\n");
	cJSON *doc = openapi_doc(c, NULL);

	cr_assert_str_eq(AT(doc, "paths", "/a", "get", "security"),
	    "[{\"api_key\":[]}]");
	cr_assert_str_eq(AT(doc, "components", "securitySchemes", "api_key"),
	    "{\"type\":\"apiKey\",\"name\":\"x-api-key\",\"in\":"
	    "\"header\",\"description\":\"An API key (lambdactl keys add) "
	    "bound to a usage plan\"}");
	cr_assert_str_eq(AT(doc, "x-amazon-apigateway-api-key-source"),
	    "HEADER");
	cr_assert_str_eq(AT(doc, "paths", "/a", "get", "responses", "403",
	    "description"), "Forbidden: no valid x-api-key, or not authorized");
	cJSON_Delete(doc);
	conf_free(c);
}

Test(openapi, version_follows_the_api)
{
	struct conf *a = load_ok("", "[function a]\nbootstrap = /bin/true\n"
	    "route = GET /a\n");
	struct conf *b = load_ok("", "[function a]\nbootstrap = /bin/true\n"
	    "route = GET /b\n");
	cJSON *da = openapi_doc(a, NULL), *da2 = openapi_doc(a, NULL);
	cJSON *db = openapi_doc(b, NULL);
	char va[64];

	snprintf(va, sizeof(va), "%s", AT(da, "info", "version"));
	cr_assert_str_eq(va, AT(da2, "info", "version"));
	cr_assert_str_neq(va, AT(db, "info", "version"));
	cJSON_Delete(da);
	cJSON_Delete(da2);
	cJSON_Delete(db);
	conf_free(a);
	conf_free(b);
}

Test(openapi, html_page)
{
	struct conf *c;
	cJSON *doc;
	char *html;

	files();
	c = load_ok(EXTRA, FNS);
	doc = openapi_doc(c, "http://127.0.0.1:8080");
	html = docs_html(doc, "/api/docs/openapi.json");
	cr_assert_not_null(html);
	cr_assert_not_null(strstr(html, "<!DOCTYPE html>"));
	cr_assert_not_null(strstr(html, "/files/{proxy+}"));
	cr_assert_not_null(strstr(html, "/pets/{id}"));
	cr_assert_not_null(strstr(html, "/$default"));
	cr_assert_not_null(strstr(html, "href=\"/api/docs/openapi.json\""));
	cr_assert_not_null(strstr(html, "Pets &lt;&amp;&gt; &quot;friends"
	    "&quot;"), "descriptions are escaped");
	cr_assert_null(strstr(html, "Pets <&>"));
	cr_assert_not_null(strstr(html, "scopes: read or write"));
	cr_assert_not_null(strstr(html, "issuer <code>https://issuer.example"));
	cr_assert_null(strstr(html, "<script"), "no script");
	free(html);
	cJSON_Delete(doc);
	conf_free(c);
}

/* The validation stage on METHOD with body; the verdict. */
static int
validate(const struct function_conf *fn, const char *method,
    const char *body, struct apigw_call *c)
{
	static struct http_request req;
	static struct route_match m;

	memset(&req, 0, sizeof(req));
	memset(&m, 0, sizeof(m));
	req.method = method;
	req.path = req.target = "/pets";
	req.path_len = req.target_len = 5;
	req.query = "";
	req.body = body;
	req.body_len = strlen(body);
	m.route_key = "POST /pets";
	apigw_call_init(c, NULL, &req, &m, fn, 0);
	return apigw_validate(c);
}

Test(openapi, validate_stage)
{
	struct conf *cf;
	struct function_conf *fn;
	struct apigw_call c;

	files();
	cf = load_ok(EXTRA, FNS);
	fn = conf_find(cf, "pets");
	cr_assert_eq(validate(fn, "POST", "{\"name\":\"rex\"}", &c), APIGW_PASS);
	cr_assert_eq(validate(fn, "POST", "{\"name\":\"\"}", &c), APIGW_ANSWER);
	cr_assert_eq(c.status, 400);
	cr_assert_str_eq(c.body, "{\"message\":\"Invalid request body\"}");
	cr_assert_str_eq(c.reason, "invalid_body");
	cr_assert_not_null(c.reply);
	apigw_reply_free(c.reply);
	cr_assert_eq(validate(fn, "PUT", "not json", &c), APIGW_ANSWER);
	apigw_reply_free(c.reply);
	cr_assert_eq(validate(fn, "POST", "", &c), APIGW_ANSWER);
	apigw_reply_free(c.reply);
	cr_assert_eq(validate(fn, "GET", "", &c), APIGW_PASS, "no body to check");
	{
		static char big[VALIDATE_BODY_MAX + 16];

		memset(big, ' ', sizeof(big) - 1);
		memcpy(big, "{\"name\":\"rex\"}", 14);
		cr_assert_eq(validate(fn, "POST", big, &c), APIGW_ANSWER);
		cr_assert_eq(c.status, 413);
		cr_assert_str_eq(c.reason, "body_too_large");
		big[VALIDATE_BODY_MAX] = '\0';
		cr_assert_eq(validate(fn, "POST", big, &c), APIGW_PASS,
		    "1 MiB is still checked");
	}
	cr_assert_eq(validate(fn, "OPTIONS", "", &c), APIGW_PASS);
	cr_assert_eq(validate(conf_find(cf, "files"), "POST", "junk", &c),
	    APIGW_PASS, "validate off: untouched");
	conf_free(cf);
}
