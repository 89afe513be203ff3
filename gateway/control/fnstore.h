/*
 * fnstore: where functions made through the control plane live, beside
 * those of `lambdactl deploy` (deploy.h) and in the same layout, so that
 * conf_load runs them, `lambdactl ls` shows them and deploy_gc tidies
 * their code:
 *   code/NAME/N/...          the unpacked zip, version N (1, 2, ...)
 *   functions.d/NAME.conf    its [function NAME] drop-in (fnspec_dropin)
 *   lambda/NAME.json         its record (fnspec.h): what Lambda's API
 *                            says of it and conf does not hold
 *   functions.d/NAME:N.conf  a published version's drop-in (conf.h)
 * Every file is written to a temporary name, fsync'd and renamed.  A
 * change is tentative until the reload after it succeeds: fnstore_undo
 * puts the previous files back, fnstore_done keeps the change.
 *
 * Blocking calls, for the threadpool.
 */
#ifndef LAMBDAD_CONTROL_FNSTORE_H
#define LAMBDAD_CONTROL_FNSTORE_H

#include <stddef.h>

#include "control/fnspec.h"

struct cJSON;

/* A file as it was before a change: content, or saved NULL if none. */
struct fnstore_saved {
	char	*path;
	char	*saved;
	size_t	 len;
};

struct fnstore_undo {
	struct fnstore_saved *files;	/* in the order they were changed */
	size_t	 nfiles;
	char	*code_dir;	/* a version directory made by the change */
};

/*
 * Unpack zip (len bytes) as the next code directory under code/NAME (at
 * most max_unzipped bytes) and point rec's "Bootstrap" at it.  0, or
 * -EINVAL with e (a zip that is refused), or another -errno with e.
 */
int	fnstore_code(const char *state_dir, struct cJSON *rec, const void *zip,
	    size_t len, size_t max_unzipped, struct fnstore_undo *u,
	    struct fnspec_err *e);
/*
 * Write the drop-in of ver (rec itself for $LATEST, or one of its
 * "Versions", whose section is NAME:N) as functions.d/SECTION.conf.
 */
int	fnstore_dropin(const char *state_dir, const struct cJSON *ver,
	    struct fnstore_undo *u, struct fnspec_err *e);
/* Write rec as lambda/NAME.json. */
int	fnstore_record(const char *state_dir, const struct cJSON *rec,
	    struct fnstore_undo *u, struct fnspec_err *e);
/* Remove functions.d/SECTION.conf ("NAME" or "NAME:N"), if there. */
int	fnstore_rm_dropin(const char *state_dir, const char *section,
	    struct fnstore_undo *u, struct fnspec_err *e);
/* Remove name's record and every drop-in it names ($LATEST, versions). */
int	fnstore_rm(const char *state_dir, const struct cJSON *rec,
	    struct fnstore_undo *u, struct fnspec_err *e);
/* fnstore_code (when zip), fnstore_dropin of $LATEST, fnstore_record. */
int	fnstore_put(const char *state_dir, struct cJSON *rec, const void *zip,
	    size_t len, size_t max_unzipped, struct fnstore_undo *u,
	    struct fnspec_err *e);
/* The reload refused the change: put back what was there, newest first. */
void	fnstore_undo(struct fnstore_undo *u);
/* The reload took it. */
void	fnstore_done(struct fnstore_undo *u);
/*
 * Every record under state_dir/lambda, as a cJSON array (caller frees;
 * empty if none).  A record that cannot be read is left out, and its
 * path and reason are appended to warn, one per line.
 */
struct cJSON *fnstore_load(const char *state_dir, struct buf *warn);

#endif
