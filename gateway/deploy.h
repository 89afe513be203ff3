/*
 * deploy: the files behind `lambdactl deploy` and `lambdactl rm`.
 *
 * A deployed function is two things under the state directory:
 *   code/NAME/N/bootstrap     the binary, version N (1, 2, ...), mode 0755
 *   functions.d/NAME.conf     its [function NAME] section, which conf_load
 *                             reads after the operator's own drop-ins
 * A new version never overwrites the one that workers are running, so the
 * old pool can drain on the old binary while the new pool starts the new
 * one.  Every file is written to a temporary name, fsync'd and renamed.
 *
 * A change is tentative until the reload that follows it succeeds:
 * deploy_undo puts the previous drop-in back and removes the new code;
 * deploy_done keeps it.  deploy_gc removes code that no configuration
 * refers to any more.
 */
#ifndef LAMBDAD_DEPLOY_H
#define LAMBDAD_DEPLOY_H

#include <stddef.h>

struct deploy_undo {
	char	*dropin;	/* the drop-in's path */
	char	*saved;		/* its previous content, or NULL if none */
	size_t	 saved_len;
	char	*code_dir;	/* a version directory made by this change */
};

/*
 * Write version N+1 of name's bootstrap (code, len bytes) and its drop-in
 * from the query string ("route=GET%20/x&memory=128&env=K%3DV&..."; the
 * keys are lambdad.conf(5)'s function keys but bootstrap).  0, or -1 with
 * the reason in err (nothing changed then).
 */
int	deploy_put(const char *state_dir, const char *name, const char *query,
	    const char *code, size_t len, struct deploy_undo *u, char *err,
	    size_t errlen);
/*
 * Remove name's drop-in.  0; -ENOENT if name was not deployed with
 * lambdactl (its section lives in the operator's files); -1 with err.
 */
int	deploy_rm(const char *state_dir, const char *name, struct deploy_undo *u,
	    char *err, size_t errlen);
/* The reload failed: restore what was there. */
void	deploy_undo(struct deploy_undo *u);
/* The reload took it: forget the undo information. */
void	deploy_done(struct deploy_undo *u);
/* 1 if path is a bootstrap deploy_put wrote under state_dir. */
int	deploy_is_deployed(const char *state_dir, const char *bootstrap);
/*
 * Remove every code/NAME/N directory whose bootstrap is not in keep[]
 * (the bootstraps of the running and draining configurations).
 */
void	deploy_gc(const char *state_dir, const char *const *keep, size_t nkeep);

#endif
