/*
 * Unit tests for gateway/sam/: YAML (and JSON) into cJSON with the short
 * tags of CloudFormation as long forms (yaml.c), and a template's
 * parameters, conditions, Globals and intrinsic functions (template.c).
 * Each case is a template text and the value one expression resolves to.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "sam/template.h"
#include "sam/yaml.h"

static cJSON *
parse(const char *text)
{
	char err[512] = "";
	cJSON *j = sam_yaml_parse(text, strlen(text), err, sizeof(err));

	cr_assert_not_null(j, "parse failed: %s\n%s", err, text);
	return j;
}

static char *
compact(const cJSON *j)
{
	return cJSON_PrintUnformatted(j);
}

/* ---- yaml.c -------------------------------------------------------------- */

Test(sam_yaml, short_tags_become_long_forms)
{
	static const struct { const char *yaml, *json; } rows[] = {
		{ "a: !Ref X", "{\"a\":{\"Ref\":\"X\"}}" },
		{ "a: !Sub 'x-${Y}'", "{\"a\":{\"Fn::Sub\":\"x-${Y}\"}}" },
		{ "a: !GetAtt Fn.Arn", "{\"a\":{\"Fn::GetAtt\":[\"Fn\",\"Arn\"]}}" },
		{ "a: !GetAtt T.Stream.Arn", "{\"a\":{\"Fn::GetAtt\":[\"T\",\"Stream.Arn\"]}}" },
		{ "a: !GetAtt [Fn, Arn]", "{\"a\":{\"Fn::GetAtt\":[\"Fn\",\"Arn\"]}}" },
		{ "a: !Join ['-', [x, !Ref Y]]",
		    "{\"a\":{\"Fn::Join\":[\"-\",[\"x\",{\"Ref\":\"Y\"}]]}}" },
		{ "a: !If [C, 1, two]", "{\"a\":{\"Fn::If\":[\"C\",1,\"two\"]}}" },
		{ "a: !Equals [!Ref S, prod]",
		    "{\"a\":{\"Fn::Equals\":[{\"Ref\":\"S\"},\"prod\"]}}" },
		{ "a: !Not [!Condition C]",
		    "{\"a\":{\"Fn::Not\":[{\"Condition\":\"C\"}]}}" },
		{ "a: !Select [0, !Split [',', 'a,b']]",
		    "{\"a\":{\"Fn::Select\":[0,{\"Fn::Split\":[\",\",\"a,b\"]}]}}" },
		{ "a: !FindInMap [M, k, v]", "{\"a\":{\"Fn::FindInMap\":[\"M\",\"k\",\"v\"]}}" },
		{ "a: !And [!Condition A, !Or [!Condition B, !Condition C]]",
		    "{\"a\":{\"Fn::And\":[{\"Condition\":\"A\"},{\"Fn::Or\":"
		    "[{\"Condition\":\"B\"},{\"Condition\":\"C\"}]}]}}" },
		{ "n: 128\nf: 1.5\nb: true\nq: '128'\nz: ~\ns: 2010-09-09",
		    "{\"n\":128,\"f\":1.5,\"b\":true,\"q\":\"128\",\"z\":null,"
		    "\"s\":\"2010-09-09\"}" },
		{ "a: &x {k: v}\nb: *x", "{\"a\":{\"k\":\"v\"},\"b\":{\"k\":\"v\"}}" },
		{ "{\"a\": {\"Ref\": \"X\"}}", "{\"a\":{\"Ref\":\"X\"}}" },
	};
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		cJSON *j = parse(rows[i].yaml);
		char *s = compact(j);

		cr_expect_str_eq(s, rows[i].json, "row %zu: %s", i, rows[i].yaml);
		free(s);
		cJSON_Delete(j);
	}
}

Test(sam_yaml, errors_name_the_line)
{
	static const struct { const char *yaml, *msg; } rows[] = {
		{ "a: 1\nb: !Reff X\n", "2:4: unknown tag !Reff" },
		{ "a: [1, 2\nb: 3\n", "" },
		{ "a: 1\na: 2\n", "2:1: duplicate key \"a\"" },
		{ "a: !GetAtt NoDot\n", "1:4: !GetAtt NoDot: expected Resource.Attribute" },
		{ "", "empty template" },
		{ "{\"a\": ", "JSON error" },
	};
	char err[512];
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		err[0] = '\0';
		cr_expect_null(sam_yaml_parse(rows[i].yaml, strlen(rows[i].yaml),
		    err, sizeof(err)), "row %zu parsed", i);
		cr_expect(strstr(err, rows[i].msg) != NULL && err[0] != '\0',
		    "row %zu: \"%s\" lacks \"%s\"", i, err, rows[i].msg);
	}
}

Test(sam_yaml, alias_bomb_is_refused)
{
	char text[2048] = "a: &a [x, x, x, x, x, x, x, x, x, x]\n", line[64], err[256];
	int i;

	for (i = 0; i < 8; i++) {
		snprintf(line, sizeof(line), "%c: &%c [*%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c]\n",
		    'b' + i, 'b' + i, 'a' + i, 'a' + i, 'a' + i, 'a' + i, 'a' + i,
		    'a' + i, 'a' + i, 'a' + i, 'a' + i, 'a' + i);
		strcat(text, line);
	}
	cr_assert_null(sam_yaml_parse(text, strlen(text), err, sizeof(err)));
	cr_expect(strstr(err, "too many nodes") != NULL, "%s", err);
}

/* ---- template.c ------------------------------------------------------------ */

static const char tpl_text[] =
    "Parameters:\n"
    "  Stage: {Type: String, Default: dev, AllowedValues: [dev, prod]}\n"
    "  Mem: {Type: Number, Default: 256}\n"
    "  Subnets: {Type: CommaDelimitedList, Default: 'a,b,c'}\n"
    "Conditions:\n"
    "  IsProd: !Equals [!Ref Stage, prod]\n"
    "  NotProd: !Not [!Condition IsProd]\n"
    "  Both: !And [!Condition NotProd, !Equals [!Ref Mem, 256]]\n"
    "Mappings:\n"
    "  M: {dev: {g: hello}, prod: {g: welcome}}\n"
    "Globals:\n"
    "  Function:\n"
    "    Timeout: 5\n"
    "    MemorySize: 128\n"
    "    Layers: [g1]\n"
    "    Environment: {Variables: {A: ga, B: gb}}\n"
    "Resources:\n"
    "  Fn:\n"
    "    Type: AWS::Serverless::Function\n"
    "    Properties:\n"
    "      MemorySize: 512\n"
    "      Layers: [f1]\n"
    "      Environment: {Variables: {B: fb, C: fc}}\n"
    "  Tbl: {Type: AWS::Serverless::SimpleTable}\n"
    "  Prod: {Type: AWS::Serverless::Function, Condition: IsProd}\n";

static struct sam_tpl *
tpl(const char *const *params)
{
	char err[256];
	struct sam_tpl *t = sam_tpl_new(parse(tpl_text), "stack", err, sizeof(err));

	cr_assert_not_null(t, "%s", err);
	for (; params != NULL && *params != NULL; params++)
		cr_assert_eq(sam_tpl_param(t, *params), 0, "%s", sam_tpl_error(t));
	cr_assert_eq(sam_tpl_prepare(t), 0, "%s", sam_tpl_error(t));
	sam_tpl_set_attr(t, "Fn", "Ref", "stack-fn");
	sam_tpl_set_attr(t, "Fn", "Arn", "arn:aws:lambda:us-east-1:123456789012:function:stack-fn");
	sam_tpl_set_attr(t, "Tbl", "Ref", "Tbl");
	return t;
}

/* expr (YAML for the value of key v) resolves to json. */
static void
expect_resolves(struct sam_tpl *t, const char *expr, const char *json)
{
	char text[1024];
	cJSON *doc, *r;
	char *s;

	snprintf(text, sizeof(text), "v: %s", expr);
	doc = parse(text);
	r = sam_tpl_resolve(t, cJSON_GetObjectItemCaseSensitive(doc, "v"));
	cr_assert_not_null(r, "%s: %s", expr, sam_tpl_error(t));
	s = compact(r);
	cr_expect_str_eq(s, json, "%s", expr);
	free(s);
	cJSON_Delete(r);
	cJSON_Delete(doc);
}

Test(sam_template, intrinsics_resolve)
{
	static const struct { const char *expr, *json; } rows[] = {
		{ "!Ref Stage", "\"dev\"" },
		{ "!Ref Mem", "\"256\"" },
		{ "!Ref Subnets", "[\"a\",\"b\",\"c\"]" },
		{ "!Ref AWS::Region", "\"us-east-1\"" },
		{ "!Ref AWS::AccountId", "\"123456789012\"" },
		{ "!Ref AWS::StackName", "\"stack\"" },
		{ "!Ref AWS::Partition", "\"aws\"" },
		{ "!Ref Fn", "\"stack-fn\"" },
		{ "!GetAtt Fn.Arn", "\"arn:aws:lambda:us-east-1:123456789012:function:stack-fn\"" },
		{ "!Sub '${AWS::StackName}-${Stage}-${Fn.Arn}'",
		    "\"stack-dev-arn:aws:lambda:us-east-1:123456789012:function:stack-fn\"" },
		{ "!Sub ['${X}/${Stage}', {X: !Ref Tbl}]", "\"Tbl/dev\"" },
		{ "!Sub '${!Literal} $ {x}'", "\"${Literal} $ {x}\"" },
		{ "!Join [':', [a, !Ref Stage, 3]]", "\"a:dev:3\"" },
		{ "!Join ['', []]", "\"\"" },
		{ "!Select [2, !Ref Subnets]", "\"c\"" },
		{ "!Split ['|', 'x||y']", "[\"x\",\"\",\"y\"]" },
		{ "!FindInMap [M, !Ref Stage, g]", "\"hello\"" },
		{ "!If [IsProd, a, b]", "\"b\"" },
		{ "!If [NotProd, {k: !Ref Stage}, b]", "{\"k\":\"dev\"}" },
		{ "!Equals [!Ref Mem, 256]", "true" },
		{ "!Or [!Condition IsProd, !Condition Both]", "true" },
		{ "!Base64 hello", "\"aGVsbG8=\"" },
		{ "{a: 1, b: !If [IsProd, x, !Ref AWS::NoValue]}", "{\"a\":1}" },
		{ "[1, !If [IsProd, x, !Ref AWS::NoValue], 3]", "[1,3]" },
	};
	struct sam_tpl *t = tpl(NULL);
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		expect_resolves(t, rows[i].expr, rows[i].json);
	sam_tpl_free(t);
}

Test(sam_template, params_override_and_conditions_follow)
{
	static const char *const params[] = { "Stage=prod", "Mem=1024", NULL };
	struct sam_tpl *t = tpl(params);
	const cJSON *res = sam_tpl_resources(t);

	expect_resolves(t, "!Ref Stage", "\"prod\"");
	expect_resolves(t, "!Ref Mem", "\"1024\"");
	expect_resolves(t, "!If [IsProd, a, b]", "\"a\"");
	expect_resolves(t, "!FindInMap [M, !Ref Stage, g]", "\"welcome\"");
	cr_expect_eq(sam_tpl_resource_on(t, cJSON_GetObjectItem(res, "Prod")), 1);
	cr_expect_eq(sam_tpl_resource_on(t, cJSON_GetObjectItem(res, "Fn")), 1);
	sam_tpl_free(t);
	t = tpl(NULL);
	cr_expect_eq(sam_tpl_resource_on(t, cJSON_GetObjectItem(
	    sam_tpl_resources(t), "Prod")), 0);
	sam_tpl_free(t);
}

Test(sam_template, globals_merge_as_sam_does)
{
	struct sam_tpl *t = tpl(NULL);
	const cJSON *p = cJSON_GetObjectItem(cJSON_GetObjectItem(
	    sam_tpl_resources(t), "Fn"), "Properties");
	char *s = compact(p);

	/* scalars: the function's win; lists: globals first; maps merge. */
	cr_expect_str_eq(s, "{\"MemorySize\":512,\"Layers\":[\"g1\",\"f1\"],"
	    "\"Environment\":{\"Variables\":{\"B\":\"fb\",\"C\":\"fc\",\"A\":\"ga\"}},"
	    "\"Timeout\":5}");
	free(s);
	p = cJSON_GetObjectItem(cJSON_GetObjectItem(sam_tpl_resources(t), "Prod"),
	    "Properties");
	cr_expect_not_null(cJSON_GetObjectItem(p, "Timeout"),
	    "a function without Properties gets the globals");
	cr_expect_null(cJSON_GetObjectItem(cJSON_GetObjectItem(
	    sam_tpl_resources(t), "Tbl"), "Properties"), "not a table");
	p = sam_tpl_resolve(t, NULL);
	cr_expect(cJSON_IsNull(p), "absent Properties resolve to null");
	cJSON_Delete((cJSON *)p);
	sam_tpl_free(t);
}

Test(sam_template, errors_are_clear)
{
	static const struct { const char *expr, *msg; } rows[] = {
		{ "!Ref Nope", "no resource Nope in the template" },
		{ "!GetAtt Fn.Nope", "Fn::GetAtt Fn.Nope" },
		{ "!Sub '${Nope}'", "no resource Nope" },
		{ "!Sub 'x ${open'", "without }" },
		{ "!Select [9, [a]]", "Fn::Select" },
		{ "!If [Missing, a, b]", "no condition Missing" },
		{ "!FindInMap [M, qa, g]", "Mappings has no M.qa.g" },
		{ "!ImportValue x", "Fn::ImportValue is not supported" },
		{ "!Join [',', [{k: v}]]", "not a string" },
	};
	struct sam_tpl *t = tpl(NULL);
	char text[256];
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		cJSON *doc;

		snprintf(text, sizeof(text), "v: %s", rows[i].expr);
		doc = parse(text);
		cr_expect_null(sam_tpl_resolve(t, cJSON_GetObjectItem(doc, "v")),
		    "%s resolved", rows[i].expr);
		cr_expect(strstr(sam_tpl_error(t), rows[i].msg) != NULL,
		    "%s: \"%s\" lacks \"%s\"", rows[i].expr, sam_tpl_error(t),
		    rows[i].msg);
		cJSON_Delete(doc);
	}
	sam_tpl_free(t);
}

Test(sam_template, bad_params_are_refused)
{
	static const struct { const char *param, *msg; } rows[] = {
		{ "Stage=qa", "not one of its AllowedValues" },
		{ "Mem=lots", "is not a Number" },
		{ "Other=1", "the template has no parameter Other" },
	};
	char err[256];
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct sam_tpl *t = sam_tpl_new(parse(tpl_text), "s", err,
		    sizeof(err));

		cr_assert_eq(sam_tpl_param(t, rows[i].param), 0);
		cr_expect_eq(sam_tpl_prepare(t), -1, "%s", rows[i].param);
		cr_expect(strstr(sam_tpl_error(t), rows[i].msg) != NULL,
		    "%s: \"%s\"", rows[i].param, sam_tpl_error(t));
		sam_tpl_free(t);
	}
	cr_expect_null(sam_tpl_new(parse("a: 1"), "s", err, sizeof(err)));
	cr_expect(strstr(err, "no Resources") != NULL, "%s", err);
}

Test(sam_template, condition_loops_are_refused)
{
	char err[256];
	struct sam_tpl *t = sam_tpl_new(parse("Conditions:\n  A: !Not [!Condition B]\n"
	    "  B: !Not [!Condition A]\nResources: {}\n"), "s", err, sizeof(err));

	cr_assert_not_null(t);
	cr_expect_eq(sam_tpl_prepare(t), -1);
	cr_expect(strstr(sam_tpl_error(t), "refers to itself") != NULL, "%s",
	    sam_tpl_error(t));
	sam_tpl_free(t);
}
