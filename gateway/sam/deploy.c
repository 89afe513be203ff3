/*
 * sam/deploy: the deploy-template command (deploy.h): read and prepare
 * the template, then deploy its resources in an order where what is
 * referred to comes first -- layers, tables, functions -- and list the
 * rest as skipped.  The first failure stops the run, as CloudFormation's
 * does; what was already deployed stays (there is no rollback).
 */
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sam/deploy.h"
#include "sam/yaml.h"

#define MAX_TEMPLATE	(4 * 1024 * 1024)
#define RETRY_TRIES	100
#define RETRY_MS	50

static const char *const sections[] = {
	"AWSTemplateFormatVersion", "Transform", "Description", "Parameters",
	"Conditions", "Mappings", "Globals", "Resources", "Outputs", "Metadata",
	NULL,
};

int
sam_fail(struct sam_deploy *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(d->err, sizeof(d->err), fmt, ap);
	va_end(ap);
	return -1;
}

void
sam_say(struct sam_deploy *d, const char *what, const char *id,
    const char *type, const char *detail)
{
	if (strcmp(what, "created") == 0)
		d->created++;
	else if (strcmp(what, "updated") == 0)
		d->updated++;
	else
		d->unchanged++;
	printf("%s: %s (%s)%s%s\n", what, id, type, *detail ? ": " : "", detail);
}

void
sam_skip(struct sam_deploy *d, const char *id, const char *type,
    const char *why)
{
	d->skipped++;
	printf("skipped: %s (%s): %s\n", id, type, why);
}

void
sam_skip_unknown(struct sam_deploy *d, const char *id, const cJSON *props,
    const char *const *known)
{
	const cJSON *p;
	char name[512];
	size_t i;

	cJSON_ArrayForEach(p, props) {
		for (i = 0; known[i] != NULL; i++)
			if (strcmp(known[i], p->string) == 0)
				break;
		if (known[i] != NULL)
			continue;
		snprintf(name, sizeof(name), "%s.%s", id, p->string);
		sam_skip(d, name, "property", "lambdad has no use for it");
	}
}

int
sam_lambda(struct sam_deploy *d, const char *method, const char *path,
    const cJSON *body, struct sam_reply *r)
{
	char *s = body != NULL ? cJSON_PrintUnformatted(body) : NULL;
	int rc, tries;

	/* While the daemon applies a change (a reload) it answers 409 "an
	 * update is in progress"; Lambda's clients wait and retry, so do we,
	 * for up to RETRY_TRIES * RETRY_MS. */
	for (tries = 0; ; tries++) {
		rc = sam_http(d->lambda, method, path, NULL, s, r, d->err,
		    sizeof(d->err));
		if (rc == SAM_HTTP_UNREACHABLE)
			d->unreachable = 1;
		if (rc != 0 || r->status != 409 || r->body == NULL ||
		    strstr(r->body, "in progress") == NULL || tries == RETRY_TRIES)
			break;
		sam_reply_clear(r);
		usleep(RETRY_MS * 1000);
	}
	free(s);
	return rc;
}

const char *
sam_prop_str(const cJSON *props, const char *key, const char *dflt, char *buf,
    size_t n)
{
	const char *s = sam_scalar_text(cJSON_GetObjectItemCaseSensitive(props,
	    key), buf, n);

	if (s == NULL && dflt == NULL)
		return NULL;
	if (s == NULL)
		s = dflt;
	if (s != buf)
		snprintf(buf, n, "%s", s);
	return buf;
}

int
sam_prop_int(struct sam_deploy *d, const cJSON *props, const char *key,
    long dflt, long *out)
{
	char buf[64], *end;
	const char *s = sam_prop_str(props, key, NULL, buf, sizeof(buf));

	*out = dflt;
	if (s == NULL)
		return 0;
	*out = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0')
		return sam_fail(d, "%s: \"%s\" is not a whole number", key, s);
	return 0;
}

static const char *
res_type(const cJSON *res)
{
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(res, "Type");

	return cJSON_IsString(t) ? t->valuestring : "";
}

static int
is_table(const char *type)
{
	return strcmp(type, "AWS::Serverless::SimpleTable") == 0 ||
	    strcmp(type, "AWS::DynamoDB::Table") == 0;
}

void
sam_deploy_names(struct sam_deploy *d)
{
	const cJSON *res;
	char name[256], arn[512];

	cJSON_ArrayForEach(res, sam_tpl_resources(d->t)) {
		const char *type = res_type(res), *key;
		const cJSON *raw;
		cJSON *v;

		if (strcmp(type, "AWS::IAM::Role") == 0) {
			/* Skipped, but functions name theirs with !GetAtt. */
			snprintf(arn, sizeof(arn), "arn:aws:iam::" SAM_ACCOUNT
			    ":role/%s", res->string);
			sam_tpl_set_attr(d->t, res->string, "Ref", res->string);
			sam_tpl_set_attr(d->t, res->string, "Arn", arn);
			continue;
		}
		if (strcmp(type, "AWS::Serverless::Function") == 0)
			key = "FunctionName";
		else if (is_table(type))
			key = "TableName";
		else
			continue;
		/* Only the name: the rest may refer to what is not known yet. */
		raw = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(
		    res, "Properties"), key);
		v = raw != NULL ? sam_tpl_resolve(d->t, raw) : NULL;
		if (raw != NULL && v == NULL)
			continue;	/* its deploy will say why */
		if (sam_scalar_text(v, name, sizeof(name)) == NULL)
			snprintf(name, sizeof(name), "%s", res->string);
		else if (cJSON_IsString(v))
			snprintf(name, sizeof(name), "%s", v->valuestring);
		cJSON_Delete(v);
		sam_tpl_set_attr(d->t, res->string, "Ref", name);
		if (*key == 'F') {
			snprintf(arn, sizeof(arn), "arn:aws:lambda:" SAM_REGION ":"
			    SAM_ACCOUNT ":function:%s", name);
			sam_tpl_set_attr(d->t, res->string, "Arn", arn);
		}
	}
}

static const char *
skip_why(const char *type)
{
	if (strcmp(type, "AWS::Serverless::Api") == 0 ||
	    strcmp(type, "AWS::Serverless::HttpApi") == 0)
		return "lambdad's routes are its config's, not a template's";
	if (strncmp(type, "AWS::IAM::", 10) == 0)
		return "IAM has no meaning on lambdad";
	return "lambdad does not deploy this type";
}

/* Pass 0 layers, 1 tables, 2 functions, 3 the rest (skipped). */
static int
deploy_pass(struct sam_deploy *d, int pass)
{
	const cJSON *res;

	cJSON_ArrayForEach(res, sam_tpl_resources(d->t)) {
		const char *type = res_type(res), *id = res->string;
		int kind = strcmp(type, "AWS::Serverless::LayerVersion") == 0 ? 0 :
		    is_table(type) ? 1 :
		    strcmp(type, "AWS::Serverless::Function") == 0 ? 2 : 3;
		int on;

		if (kind != pass)
			continue;
		if ((on = sam_tpl_resource_on(d->t, res)) < 0)
			return sam_fail(d, "%s (%s): %s", id, type,
			    sam_tpl_error(d->t));
		if (on == 0) {
			sam_skip(d, id, type, "its Condition is false");
			continue;
		}
		if ((kind == 0 && sam_deploy_layer(d, id, res) != 0) ||
		    (kind == 1 && sam_deploy_table(d, id, res) != 0) ||
		    (kind == 2 && sam_deploy_function(d, id, res) != 0))
			return -1;
		if (kind == 3)
			sam_skip(d, id, *type ? type : "no Type", skip_why(type));
	}
	return 0;
}

/* The other sections, Globals other than Function; Outputs printed. */
static void
deploy_extras(struct sam_deploy *d, const cJSON *doc)
{
	const cJSON *s, *g;
	char name[256], buf[64];
	size_t i;

	cJSON_ArrayForEach(s, doc) {
		for (i = 0; sections[i] != NULL && strcmp(sections[i], s->string); i++)
			;
		if (sections[i] == NULL)
			sam_skip(d, s->string, "section", "not a template section");
	}
	cJSON_ArrayForEach(g, sam_tpl_globals(d->t))
		if (strcmp(g->string, "Function") != 0) {
			snprintf(name, sizeof(name), "Globals.%s", g->string);
			sam_skip(d, name, "globals", "only Globals.Function applies "
			    "on lambdad");
		}
	cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(doc, "Outputs")) {
		cJSON *v = sam_tpl_resolve(d->t, cJSON_GetObjectItemCaseSensitive(s,
		    "Value"));
		const char *txt = sam_scalar_text(v, buf, sizeof(buf));

		snprintf(name, sizeof(name), "Outputs.%s", s->string);
		if (txt != NULL)
			printf("output: %s = %s\n", s->string, txt);
		else
			sam_skip(d, name, "output", v == NULL ? sam_tpl_error(d->t) :
			    "not a string");
		cJSON_Delete(v);
	}
}

static char *
read_template(const char *path, size_t *len, char *err, size_t n)
{
	FILE *f = fopen(path, "re");
	char *b;

	if (f == NULL) {
		snprintf(err, n, "%s: cannot open it", path);
		return NULL;
	}
	b = malloc(MAX_TEMPLATE + 1);
	*len = fread(b, 1, MAX_TEMPLATE + 1, f);
	fclose(f);
	if (*len > MAX_TEMPLATE) {
		snprintf(err, n, "%s: larger than 4 MB", path);
		free(b);
		return NULL;
	}
	b[*len] = '\0';
	return b;
}

/* The template read, parsed and prepared into d->t. */
static int
deploy_load(struct sam_deploy *d, const char *file, const char *stack,
    char **params, int nparams)
{
	char *text, *copy, base[256], msg[1024];
	size_t len;
	cJSON *doc;
	int i;

	if ((text = read_template(file, &len, d->err, sizeof(d->err))) == NULL)
		return -1;
	doc = sam_yaml_parse(text, len, msg, sizeof(msg));
	free(text);
	if (doc == NULL)
		return sam_fail(d, "%s:%s", file, msg);
	copy = strdup(file);
	snprintf(d->dir, sizeof(d->dir), "%s", dirname(copy));
	free(copy);
	copy = strdup(file);
	snprintf(base, sizeof(base), "%s", basename(copy));
	free(copy);
	if (stack == NULL) {
		base[strcspn(base, ".")] = '\0';
		stack = base;
	}
	if ((d->t = sam_tpl_new(doc, stack, msg, sizeof(msg))) == NULL)
		return sam_fail(d, "%s: %s", file, msg);
	for (i = 0; i < nparams; i++)
		if (sam_tpl_param(d->t, params[i]) != 0)
			return sam_fail(d, "%s", sam_tpl_error(d->t));
	if (sam_tpl_prepare(d->t) != 0)
		return sam_fail(d, "%s: %s", file, sam_tpl_error(d->t));
	return 0;
}

static int
deploy_usage(void)
{
	fprintf(stderr, "usage: lambdactl deploy-template FILE [--param K=V]... "
	    "[--endpoint URL]\n       [--dynamodb-endpoint URL] "
	    "[--stack-name NAME]\n");
	return 2;
}

int
sam_deploy_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "param", required_argument, NULL, 'p' },
		{ "endpoint", required_argument, NULL, 'e' },
		{ "dynamodb-endpoint", required_argument, NULL, 'd' },
		{ "stack-name", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	struct sam_deploy d = { 0 };
	char **params = calloc((size_t)argc, sizeof(*params));
	const char *stack = NULL;
	int ch, np = 0, pass, rc = 0;

	d.lambda = "http://127.0.0.1:8080";
	d.ddb = getenv("AWS_ENDPOINT_URL_DYNAMODB");
	optind = 0;	/* glibc: start over, permuting again */
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1)
		switch (ch) {
		case 'p': params[np++] = optarg; break;
		case 'e': d.lambda = optarg; break;
		case 'd': d.ddb = optarg; break;
		case 'n': stack = optarg; break;
		default: free(params); return deploy_usage();
		}
	if (optind != argc - 1) {
		free(params);
		return deploy_usage();
	}
	if (deploy_load(&d, argv[optind], stack, params, np) != 0)
		rc = -1;
	free(params);
	if (rc == 0)
		sam_deploy_names(&d);
	for (pass = 0; rc == 0 && pass < 4; pass++)
		rc = deploy_pass(&d, pass);
	if (rc == 0)
		deploy_extras(&d, sam_tpl_doc(d.t));
	sam_tpl_free(d.t);
	if (rc != 0) {
		fprintf(stderr, "lambdactl: deploy-template: %s\n", d.err);
		return d.unreachable ? 3 : 1;
	}
	if (d.created + d.updated == 0)
		printf("no changes: %d unchanged, %d skipped\n", d.unchanged,
		    d.skipped);
	else
		printf("%d created, %d updated, %d unchanged, %d skipped\n",
		    d.created, d.updated, d.unchanged, d.skipped);
	return 0;
}
