/*
 * fnspec: the pure half of the control plane -- what a CreateFunction or
 * UpdateFunctionConfiguration request may say, and what a function made
 * through the API looks like on disk and on the wire.  No I/O here, so
 * the unit tests take every rule one by one.
 *
 * A function is one cJSON object, its "record":
 *   {"Configuration": {FunctionConfiguration as Lambda returns it},
 *    "Tags": {...}, "Bootstrap": "<state_dir>/code/NAME/N/bootstrap",
 *    "Opt": "<state_dir>/opt/KEY" (with Layers: layers.c)}
 * It is kept as <state_dir>/lambda/NAME.json; the [function NAME]
 * drop-in that the daemon runs is made from it (fnspec_dropin).
 *
 * Errors follow Lambda's split: a value outside its documented range is a
 * ValidationException, a value lambdad cannot honour (a runtime, an
 * architecture, a reserved variable) an InvalidParameterValueException.
 */
#ifndef LAMBDAD_CONTROL_FNSPEC_H
#define LAMBDAD_CONTROL_FNSPEC_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

struct cJSON;

#define FNSPEC_ACCOUNT		"123456789012"
#define FNSPEC_ARN_PREFIX	"arn:aws:lambda:us-east-1:" FNSPEC_ACCOUNT \
				":function:"
#define FNSPEC_QUAL_MAX		128
#define FNSPEC_ENV_MAX		4096	/* Lambda's 4 KB of variables */

#if defined(__aarch64__)
#define FNSPEC_ARCH		"arm64"
#else
#define FNSPEC_ARCH		"x86_64"
#endif

/* Why a request was refused: Lambda's error type and message. */
struct fnspec_err {
	const char	*type;		/* "ValidationException", ... */
	int		 status;	/* 400, 404, 409, 412 */
	char		 msg[512];
};

/* What a qualifier names (fnspec_parse_name). */
enum fnspec_qual {
	FNSPEC_UNQUALIFIED,	/* NAME */
	FNSPEC_LATEST,		/* NAME:$LATEST */
	FNSPEC_VERSION,		/* NAME:7 */
	FNSPEC_ALIAS,		/* NAME:live */
};

struct fnspec_name {
	char		 name[65];
	char		 qual[FNSPEC_QUAL_MAX + 1];	/* "" if none */
	enum fnspec_qual kind;
};

/*
 * A FunctionName as Lambda takes it: "NAME", "NAME:QUAL",
 * "ACCOUNT:function:NAME[:QUAL]" or "arn:aws:lambda:REGION:ACCOUNT:
 * function:NAME[:QUAL]" (already percent-decoded).  0 or -EINVAL.
 */
int	fnspec_parse_name(const char *s, struct fnspec_name *out);

/*
 * Check a CreateFunction request and make the record it asks for (no
 * code fields yet: fnspec_set_code adds them).  The zip's base64 is left
 * in the request, *zip64 points at it.  0, or -EINVAL with e filled.
 */
int	fnspec_create(const struct cJSON *req, struct cJSON **rec,
	    const char **zip64, struct fnspec_err *e);
/* Apply an UpdateFunctionConfiguration request to a copy of rec; 0 or
 * -EINVAL with e. */
int	fnspec_update(const struct cJSON *rec, const struct cJSON *req,
	    struct cJSON **out, struct fnspec_err *e);
/* Check an UpdateFunctionCode request; *zip64 as fnspec_create. */
int	fnspec_code_req(const struct cJSON *rec, const struct cJSON *req,
	    const char **zip64, bool *dry_run, bool *publish,
	    struct fnspec_err *e);
/* A RevisionId that does not match rec's: 412.  0 or -EINVAL with e. */
int	fnspec_revision_ok(const struct cJSON *rec, const struct cJSON *req,
	    struct fnspec_err *e);

/* The code's CodeSha256 (base64 of its SHA-256) and CodeSize, into o;
 * fnspec_set_code into a function record's Configuration. */
void	fnspec_put_code(struct cJSON *o, const void *zip, size_t len);
void	fnspec_set_code(struct cJSON *rec, const void *zip, size_t len);
/* A new RevisionId and LastModified (now), after any change. */
void	fnspec_touch(struct cJSON *rec);
/* Now, as Lambda writes LastModified: 2026-01-02T03:04:05.678+0000. */
void	fnspec_now(char *when, size_t size);
/* The function's name in rec. */
const char *fnspec_rec_name(const struct cJSON *rec);
/* CodeSize in rec (0 if none). */
size_t	fnspec_rec_code_size(const struct cJSON *rec);

/*
 * The [function SECTION] drop-in for rec (SECTION is NAME, or NAME:N for
 * a published version), running bootstrap.  Values go onto
 * one INI line each, so a variable that could not (a control character,
 * " ;" or " #", blanks at either end) is refused: -EINVAL with e.
 */
int	fnspec_dropin(const struct cJSON *rec, const char *section,
	    const char *bootstrap, struct buf *out, struct fnspec_err *e);

/*
 * PutFunctionConcurrency (req) or DeleteFunctionConcurrency (req NULL):
 * rec's "Concurrency", which its drop-in makes max_workers with no queue
 * (a 429 past it).  0 or -EINVAL with e.
 */
#define FNSPEC_RESERVED_MAX	1024	/* conf's max_workers */
int	fnspec_concurrency(struct cJSON *rec, const struct cJSON *req,
	    struct fnspec_err *e);

/* ---- versions and aliases (fnspec_ver.c) ---- */

/*
 * PublishVersion: freeze rec's $LATEST (configuration and code) as the
 * next version in rec's "Versions", or, when nothing changed since the
 * last one, give that one back (as Lambda does).  req may be NULL, or
 * hold Description, CodeSha256 and RevisionId to check.  The version's
 * record (inside rec) in *ver; *fresh whether it is new.  0 or -EINVAL.
 */
int	fnspec_publish(struct cJSON *rec, const struct cJSON *req,
	    struct cJSON **ver, bool *fresh, struct fnspec_err *e);
/* The version N of rec (its record, inside rec), or NULL. */
struct cJSON *fnspec_version(const struct cJSON *rec, const char *n);
/* The alias name of rec (inside rec), or NULL. */
struct cJSON *fnspec_alias_get(const struct cJSON *rec, const char *name);
/*
 * CreateAlias (name NULL: from req) or UpdateAlias (name given): check req
 * against rec's versions and set the alias in rec; *alias is it (inside
 * rec).  0 or -EINVAL with e.
 */
int	fnspec_alias_put(struct cJSON *rec, const char *name,
	    const struct cJSON *req, struct cJSON **alias, struct fnspec_err *e);
/* Remove version n (refused while an alias points at it) or alias. */
int	fnspec_version_rm(struct cJSON *rec, const char *n,
	    struct fnspec_err *e);
int	fnspec_alias_rm(struct cJSON *rec, const char *name,
	    struct fnspec_err *e);
/*
 * The version an invocation of rec's qualifier q runs: a version number,
 * "$LATEST", or for an alias its version or, with the weight's odds r (in
 * [0, 1)), its additional one.  Into out; 0 or -ENOENT.
 */
int	fnspec_route(const struct cJSON *rec, const char *q, double r,
	    char *out, size_t size);

/* Set e (type and status from the type) and return -EINVAL. */
int	fnspec_fail(struct fnspec_err *e, const char *type, const char *fmt,
	    ...) __attribute__((format(printf, 3, 4)));
/* fnspec_fail with Lambda's ValidationException wording for member. */
int	fnspec_vfail(struct fnspec_err *e, const char *member, const char *what);
/* fnspec_fail for a request body that is not a JSON object, as Lambda
 * says it. */
int	fnspec_bad_json(struct fnspec_err *e);
/* A ServiceException naming what and -rc's text; returns rc. */
int	fnspec_sys_fail(struct fnspec_err *e, int rc, const char *what);
/* Lambda's answer to ziptree's rc (-EINVAL: why, -EFBIG: over max, else
 * a system error at path); returns rc, 0 for 0. */
int	fnspec_unzip_fail(struct fnspec_err *e, int rc, const char *why,
	    size_t max, const char *path);
/* o[key] = v, replacing one there; v NULL (out of memory) aborts. */
void	fnspec_put(struct cJSON *o, const char *key, struct cJSON *v);

#endif
