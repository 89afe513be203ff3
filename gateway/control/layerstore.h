/*
 * layerstore: Lambda layers on disk, under state_dir:
 *   layers/NAME/next         the next version number (never reused,
 *                            written before the version itself)
 *   layers/NAME/N/...        version N, its zip unpacked
 *   layers/NAME/N.json       its record (layerspec.h)
 *   opt/KEY/...              the layers of one or more functions, unpacked
 *                            in order into one tree (layerspec_opt_key);
 *                            what their workers see on /opt
 * Files go through a temporary name, fsync and rename (fs.h); an opt tree
 * is made under KEY.tmp and renamed whole, so a tree that is there is
 * complete.  Its files are hard links to the layers' (copies where links
 * fail), so deleting a layer version leaves the functions that use it
 * running, as on Lambda.
 *
 * Blocking calls, for the threadpool (layerstore_load: start-up).
 */
#ifndef LAMBDAD_CONTROL_LAYERSTORE_H
#define LAMBDAD_CONTROL_LAYERSTORE_H

#include <stddef.h>

#include "buf.h"
#include "control/fnspec.h"

struct cJSON;

/* Where version ver of name is unpacked. */
void	layerstore_dir(const char *state_dir, const char *name, long ver,
	    char *out, size_t size);
/* Where the opt tree of key goes. */
void	layerstore_opt_dir(const char *state_dir, const char *key, char *out,
	    size_t size);
/*
 * Keep rec (version ver of name): the next number first, then zip
 * unpacked (at most max bytes), then the record.  0, or -errno with e.
 */
int	layerstore_put(const char *state_dir, const char *name, long ver,
	    const struct cJSON *rec, const void *zip, size_t len, size_t max,
	    struct fnspec_err *e);
/* Remove version ver of name (its record first); the number stays used. */
int	layerstore_rm(const char *state_dir, const char *name, long ver,
	    struct fnspec_err *e);
/*
 * Every record under state_dir/layers (an array, caller frees), and in
 * *next each name's next version number ({"NAME": N}).  A record that
 * cannot be read is left out, with its path and why in warn.
 */
struct cJSON *layerstore_load(const char *state_dir, struct cJSON **next,
	    struct buf *warn);
/*
 * Make dir (an opt tree) from the layer trees in srcs (an array of
 * paths), in order, later files over earlier ones; nothing to do if it
 * is there.  0, or -errno with e.
 */
int	layerstore_opt(const char *dir, const struct cJSON *srcs,
	    struct fnspec_err *e);
/* Remove the opt trees that no path in keep names. */
void	layerstore_gc_opt(const char *state_dir, const char *const *keep,
	    size_t nkeep);

#endif
