/*
 * priv: the gateway's privilege drop.
 *
 * Started as root, lambdad forks its spawner (which keeps root to set up
 * workers), binds its listeners, and then calls priv_drop() once: the
 * process that parses untrusted HTTP holds no privilege from then on.  The
 * order is OpenBSD's (httpd, slowcgi): state_dir made and handed to the
 * user, supplementary groups, gid, uid, then a check that none of it can be
 * undone.  Started unprivileged, there is nothing to drop.
 */
#ifndef LAMBDAD_PRIV_H
#define LAMBDAD_PRIV_H

#include "conf.h"

/*
 * When root: make state_dir (mode 0750) owned by `user =` (default
 * "lambdad"; "nobody" with a warning when no such user exists and none was
 * configured), then drop to it.  0, or -1 after logging why: the daemon
 * must not go on serving as root.  Not root: 0, nothing done.
 */
int	priv_drop(const struct conf *c);
/*
 * For `lambdad -t`: when c holds access_key lines (the main file, the only
 * one with a [lambdad] section), warn on stderr if that file is readable
 * or writable by others, readable or writable by a group other than the
 * daemon user's, or owned by someone but root and that user.  Safe: 0600
 * root (the opener reads it for reloads), or 0640 root:<user's group>.
 * Returns the number of warnings.
 */
int	priv_check_secrets(const struct conf *c, const char *cfile);

#endif
