/*
 * opener: reading the configuration again after the privilege drop.
 *
 * A config with access_key lines is typically 0600 root, which the gateway
 * cannot open once it runs as `user =`.  Started as root, lambdad forks this
 * small helper before the drop (beside the spawner, and for the same
 * reason: it keeps the privilege the gateway gives up).  The helper opens
 * files on request and hands the descriptors back (SCM_RIGHTS), but only
 * within the paths fixed at start:
 *   - the main file given with -c,
 *   - the `functions =` directory and the *.conf files directly in it,
 *   - state_dir/functions.d and the *.conf files directly in it.
 * Anything else is refused (-EPERM), whatever the gateway asks: paths are
 * resolved with realpath(3) first, the last component is opened with
 * O_NOFOLLOW, and what was opened is checked again by its /proc/self/fd
 * name, so neither a symlink nor ".." nor a swap between check and open
 * gets a file outside them.  A refused path is then opened by the gateway
 * itself, with its own (unprivileged) rights, as before.
 *
 * The helper is a blocking loop on one SOCK_SEQPACKET socket; the gateway
 * asks synchronously (a reload reads a handful of files, each answered in
 * microseconds).  It exits when the gateway closes the socket or dies.
 */
#ifndef LAMBDAD_OPENER_H
#define LAMBDAD_OPENER_H

#include <stdbool.h>
#include <sys/types.h>

struct opener;
struct conf_io;

/*
 * Fork the helper.  main_file is the config as given, functions_dir (may
 * be NULL) and state_dir as configured at start.  0 and *out, or -errno.
 */
int	opener_start(const char *main_file, const char *functions_dir,
	    const char *state_dir, struct opener **out);
/*
 * Open path (a directory if dir) through the helper.  A descriptor
 * (O_RDONLY, CLOEXEC), or -errno: -EPERM if the helper refused it as
 * outside the allowed paths, -EPIPE if the helper is gone.
 */
int	opener_open(struct opener *o, const char *path, bool dir);
/* The conf_io that conf_load_io reads through: the helper first, then
 * (refused or gone) the gateway's own open.  Valid while o is. */
const struct conf_io *opener_io(struct opener *o);
/* Close the socket (the helper exits) and reap it.  NULL-safe. */
void	opener_free(struct opener *o);

/* The policy alone, for the tests: 0 if real (a resolved path) may be
 * opened, as a directory if dir, else -EPERM. */
int	opener_allowed(const char *main_real, const char *const *dirs,
	    const char *real, bool dir);

#endif
