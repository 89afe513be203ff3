/*
 * sam/yaml: a CloudFormation or SAM template's text into a cJSON tree,
 * the form every later step (template.h) works on.  YAML goes through
 * libyaml; the short tags of CloudFormation (!Ref, !Sub, !GetAtt, ...)
 * become their long forms ({"Ref": ...}, {"Fn::Sub": ...}), as
 * CloudFormation reads them.  Text that starts with '{' is JSON, parsed
 * by cJSON.  Used by lambdactl only: the daemon never reads templates.
 */
#ifndef SAM_YAML_H
#define SAM_YAML_H

#include <stddef.h>

#include <cJSON.h>

/* Nesting and node limits, so an alias bomb or a deep document fails
 * with a message instead of eating the machine. */
#define SAM_YAML_MAX_DEPTH	64
#define SAM_YAML_MAX_NODES	200000

/*
 * Parse len bytes of text.  Returns a new tree (the caller frees it with
 * cJSON_Delete), or NULL with "LINE:COL: what" (or "what") in err.
 * Plain scalars become numbers, booleans and null as YAML 1.1's core
 * schema reads them; quoted ones stay strings.
 */
cJSON	*sam_yaml_parse(const char *text, size_t len, char *err, size_t errlen);

#endif
