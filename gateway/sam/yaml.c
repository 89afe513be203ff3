/*
 * sam/yaml: YAML (libyaml's document API) or JSON text into cJSON, with
 * CloudFormation's short tags turned into their long forms.  The loader
 * keeps whole documents in memory; templates are small, and the limits
 * in yaml.h bound what an alias can multiply.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <yaml.h>

#include "sam/yaml.h"

struct conv {
	yaml_document_t	*doc;
	size_t		 nodes;		/* output nodes made so far */
	char		*err;
	size_t		 errlen;
};

/* The short tags and the long form each becomes. */
static const struct {
	const char *tag, *key;
} short_tags[] = {
	{ "!Ref", "Ref" }, { "!Condition", "Condition" },
	{ "!GetAtt", "Fn::GetAtt" }, { "!Sub", "Fn::Sub" },
	{ "!If", "Fn::If" }, { "!Equals", "Fn::Equals" },
	{ "!Join", "Fn::Join" }, { "!Select", "Fn::Select" },
	{ "!Not", "Fn::Not" }, { "!And", "Fn::And" }, { "!Or", "Fn::Or" },
	{ "!FindInMap", "Fn::FindInMap" }, { "!Split", "Fn::Split" },
	{ "!Base64", "Fn::Base64" }, { "!GetAZs", "Fn::GetAZs" },
	{ "!ImportValue", "Fn::ImportValue" }, { "!Cidr", "Fn::Cidr" },
	{ "!Length", "Fn::Length" }, { "!ToJsonString", "Fn::ToJsonString" },
	{ "!Transform", "Fn::Transform" },
};

static cJSON *conv_node(struct conv *c, yaml_node_t *n, int depth);

static cJSON * __attribute__((format(printf, 3, 4)))
conv_fail(struct conv *c, const yaml_node_t *n, const char *fmt, ...)
{
	int k = snprintf(c->err, c->errlen, "%lu:%lu: ",
	    (unsigned long)n->start_mark.line + 1,
	    (unsigned long)n->start_mark.column + 1);
	va_list ap;

	va_start(ap, fmt);
	if (k >= 0 && (size_t)k < c->errlen)
		vsnprintf(c->err + k, c->errlen - (size_t)k, fmt, ap);
	va_end(ap);
	return NULL;
}

/* A plain scalar's value: null, a boolean, a number, or the string. */
static cJSON *
conv_plain(const char *s)
{
	char *end;
	double d;

	if (*s == '\0' || strcmp(s, "~") == 0 || strcasecmp(s, "null") == 0)
		return cJSON_CreateNull();
	if (strcmp(s, "true") == 0 || strcmp(s, "True") == 0 ||
	    strcmp(s, "TRUE") == 0)
		return cJSON_CreateTrue();
	if (strcmp(s, "false") == 0 || strcmp(s, "False") == 0 ||
	    strcmp(s, "FALSE") == 0)
		return cJSON_CreateFalse();
	if (strspn(s, "0123456789+-.eE") == strlen(s) &&
	    strpbrk(s, "0123456789") != NULL) {
		d = strtod(s, &end);
		if (*end == '\0')
			return cJSON_CreateNumber(d);
	}
	return cJSON_CreateString(s);
}

static cJSON *
conv_scalar(const yaml_node_t *n)
{
	const char *s = (const char *)n->data.scalar.value;

	if (n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	    strcmp((const char *)n->tag, YAML_STR_TAG) == 0)
		return conv_plain(s);
	return cJSON_CreateString(s);
}

static cJSON *
conv_seq(struct conv *c, yaml_node_t *n, int depth)
{
	cJSON *a = cJSON_CreateArray(), *v;
	yaml_node_item_t *i;

	for (i = n->data.sequence.items.start; i < n->data.sequence.items.top;
	    i++) {
		if ((v = conv_node(c, yaml_document_get_node(c->doc, *i),
		    depth + 1)) == NULL) {
			cJSON_Delete(a);
			return NULL;
		}
		cJSON_AddItemToArray(a, v);
	}
	return a;
}

static cJSON *
conv_map(struct conv *c, yaml_node_t *n, int depth)
{
	cJSON *o = cJSON_CreateObject(), *v;
	yaml_node_pair_t *p;

	for (p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
	    p++) {
		yaml_node_t *k = yaml_document_get_node(c->doc, p->key);
		const char *ks;

		if (k->type != YAML_SCALAR_NODE) {
			cJSON_Delete(o);
			return conv_fail(c, k, "%s", "a mapping key must be a scalar");
		}
		ks = (const char *)k->data.scalar.value;
		if (cJSON_GetObjectItemCaseSensitive(o, ks) != NULL) {
			cJSON_Delete(o);
			return conv_fail(c, k, "duplicate key \"%s\"", ks);
		}
		if ((v = conv_node(c, yaml_document_get_node(c->doc, p->value),
		    depth + 1)) == NULL) {
			cJSON_Delete(o);
			return NULL;
		}
		cJSON_AddItemToObject(o, ks, v);
	}
	return o;
}

/* !GetAtt Res.Attr: the scalar splits at its first dot. */
static cJSON *
conv_getatt(struct conv *c, const yaml_node_t *n, cJSON *v)
{
	const char *s = v->valuestring, *dot = strchr(s, '.');
	cJSON *a;
	char *res;

	if (dot == NULL || dot == s || dot[1] == '\0') {
		conv_fail(c, n, "!GetAtt %s: expected Resource.Attribute", s);
		cJSON_Delete(v);
		return NULL;
	}
	if ((res = strndup(s, (size_t)(dot - s))) == NULL) {
		cJSON_Delete(v);
		return conv_fail(c, n, "%s", "out of memory");
	}
	a = cJSON_CreateArray();
	cJSON_AddItemToArray(a, cJSON_CreateString(res));
	cJSON_AddItemToArray(a, cJSON_CreateString(dot + 1));
	free(res);
	cJSON_Delete(v);
	return a;
}

/* A node with a local tag (!Name): its long form, or an error. */
static cJSON *
conv_tagged(struct conv *c, const yaml_node_t *n, cJSON *v)
{
	const char *tag = (const char *)n->tag;
	cJSON *o;
	size_t i;

	for (i = 0; i < sizeof(short_tags) / sizeof(short_tags[0]); i++)
		if (strcmp(tag, short_tags[i].tag) == 0)
			break;
	if (i == sizeof(short_tags) / sizeof(short_tags[0])) {
		cJSON_Delete(v);
		return conv_fail(c, n, "unknown tag %s (CloudFormation's short "
		    "forms are !Ref, !Sub, !GetAtt, !If, !Join, ...)", tag);
	}
	if (n->type == YAML_SCALAR_NODE && !cJSON_IsString(v)) {
		/* !Ref 12 or !Sub true: the scalar is its text. */
		cJSON *s = cJSON_CreateString((const char *)n->data.scalar.value);

		cJSON_Delete(v);
		v = s;
	}
	if (strcmp(tag, "!GetAtt") == 0 && cJSON_IsString(v) &&
	    (v = conv_getatt(c, n, v)) == NULL)
		return NULL;
	o = cJSON_CreateObject();
	cJSON_AddItemToObject(o, short_tags[i].key, v);
	return o;
}

static cJSON *
conv_node(struct conv *c, yaml_node_t *n, int depth)
{
	cJSON *v;

	if (depth > SAM_YAML_MAX_DEPTH)
		return conv_fail(c, n, "nested deeper than %d", SAM_YAML_MAX_DEPTH);
	if (++c->nodes > SAM_YAML_MAX_NODES)
		return conv_fail(c, n, "%s", "too many nodes (an alias loop?)");
	switch (n->type) {
	case YAML_SCALAR_NODE: v = conv_scalar(n); break;
	case YAML_SEQUENCE_NODE: v = conv_seq(c, n, depth); break;
	case YAML_MAPPING_NODE: v = conv_map(c, n, depth); break;
	default: return conv_fail(c, n, "%s", "empty node");
	}
	if (v == NULL)
		return NULL;
	if (n->tag != NULL && n->tag[0] == '!' && n->tag[1] != '!')
		return conv_tagged(c, n, v);
	return v;
}

static cJSON *
yaml_text(const char *text, size_t len, char *err, size_t errlen)
{
	yaml_parser_t p;
	yaml_document_t doc;
	yaml_node_t *root;
	struct conv c = { &doc, 0, err, errlen };
	cJSON *j = NULL;

	if (!yaml_parser_initialize(&p)) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	if (!yaml_parser_load(&p, &doc)) {
		snprintf(err, errlen, "%lu:%lu: %s%s%s",
		    (unsigned long)p.problem_mark.line + 1,
		    (unsigned long)p.problem_mark.column + 1,
		    p.problem != NULL ? p.problem : "not YAML",
		    p.context != NULL ? " " : "",
		    p.context != NULL ? p.context : "");
		yaml_parser_delete(&p);
		return NULL;
	}
	if ((root = yaml_document_get_root_node(&doc)) == NULL)
		snprintf(err, errlen, "empty template");
	else
		j = conv_node(&c, root, 0);
	yaml_document_delete(&doc);
	yaml_parser_delete(&p);
	return j;
}

cJSON *
sam_yaml_parse(const char *text, size_t len, char *err, size_t errlen)
{
	const char *end;
	size_t i = 0;
	cJSON *j;

	while (i < len && strchr(" \t\r\n", text[i]) != NULL)
		i++;
	if (i < len && text[i] == '{') {
		if ((j = cJSON_ParseWithLengthOpts(text, len, &end, 0)) == NULL)
			snprintf(err, errlen, "JSON error near byte %zu",
			    (size_t)(end != NULL ? end - text : 0));
		return j;
	}
	return yaml_text(text, len, err, errlen);
}
