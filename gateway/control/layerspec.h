/*
 * layerspec: the pure half of Lambda layers -- names and ARNs, what a
 * PublishLayerVersion request may say, the shapes the read calls answer
 * with, and the Layers list of a function.  No I/O: the unit tests take
 * every rule one by one; layers.c serves the calls, layerstore.c keeps
 * them on disk.
 *
 * A layer version is one cJSON object, its record, which is exactly what
 * GetLayerVersion answers (PublishLayerVersion's reply):
 *   {"LayerArn": "arn:aws:lambda:us-east-1:ACCOUNT:layer:NAME",
 *    "LayerVersionArn": "...:layer:NAME:N", "Version": N,
 *    "Description", "CreatedDate", "CompatibleRuntimes",
 *    "CompatibleArchitectures", "LicenseInfo",
 *    "Content": {"Location": "", "CodeSha256", "CodeSize"}}
 * Content.Location is empty: lambdad does not serve the layer's zip back.
 */
#ifndef LAMBDAD_CONTROL_LAYERSPEC_H
#define LAMBDAD_CONTROL_LAYERSPEC_H

#include <stdbool.h>
#include <stddef.h>

#include "control/fnspec.h"

struct cJSON;

#define LAYERSPEC_ARN_PREFIX	"arn:aws:lambda:us-east-1:" FNSPEC_ACCOUNT \
				":layer:"
#define LAYERSPEC_NAME_MAX	140	/* LayerName's, ARN included */
#define LAYERSPEC_FN_MAX	5	/* layers a function may name */

/*
 * A LayerName as Lambda takes it: NAME, or the layer's ARN
 * (arn:PARTITION:lambda:REGION:ACCOUNT:layer:NAME).  Into name; 0 or
 * -EINVAL.
 */
int	layerspec_name(const char *s, char name[LAYERSPEC_NAME_MAX + 1]);
/* A LayerVersionArn (...:layer:NAME:N): its name and version; 0 or -EINVAL. */
int	layerspec_version_arn(const char *arn, char name[LAYERSPEC_NAME_MAX + 1],
	    long *version);
/* A VersionNumber path segment: 1 or more, decimal only; 0 or -EINVAL. */
int	layerspec_version_num(const char *s, long *version);

/*
 * Check a PublishLayerVersion request for version ver of name and make
 * its record (CodeSha256 and CodeSize left for layerspec_set_code); the
 * zip's base64 stays in req, *zip64 points at it.  0 or -EINVAL with e.
 */
int	layerspec_publish(const struct cJSON *req, const char *name, long ver,
	    struct cJSON **rec, const char **zip64, struct fnspec_err *e);
/* Content.CodeSha256 (base64 SHA-256) and CodeSize of the zip. */
void	layerspec_set_code(struct cJSON *rec, const void *zip, size_t len);

/* The record's name, version and Content.CodeSize. */
const char *layerspec_rec_name(const struct cJSON *rec, char *buf,
	    size_t size);
long	layerspec_rec_version(const struct cJSON *rec);
size_t	layerspec_rec_size(const struct cJSON *rec);
/* A LayerVersionsListItem of rec (a new object). */
struct cJSON *layerspec_list_item(const struct cJSON *rec);
/* Whether rec lists runtime and arch among its compatible ones (NULL or
 * "": any). */
bool	layerspec_matches(const struct cJSON *rec, const char *runtime,
	    const char *arch);

/*
 * A function's Layers: an array of at most 5 LayerVersionArns, no layer
 * twice.  0 or -EINVAL with e (the existence of each is the caller's).
 */
int	layerspec_fn_layers(const struct cJSON *layers, struct fnspec_err *e);
/*
 * The name of the directory that holds the layers of cfg's "Layers"
 * ([{"Arn"}...]) unpacked in order: hex of the SHA-256 of the ARNs,
 * one a line, cut to 32 characters.  Versions never change, so the same
 * list is the same tree.
 */
void	layerspec_opt_key(const struct cJSON *layers, char out[33]);

#endif
