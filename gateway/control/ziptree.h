/*
 * ziptree: a deployment package (a zip, as `zip fn.zip bootstrap` or SAM
 * makes it) unpacked into a fresh directory, with libzip doing the
 * inflating.  The zip comes from a client, so nothing in it may reach
 * outside the directory:
 *   - entry names are relative, with no "..", "." or empty components and
 *     no backslashes (ziptree_path_ok);
 *   - a symlink's target, taken from the link's own directory, stays
 *     inside the tree (ziptree_link_ok), and symlinks are made only after
 *     every file, so no file is ever written through one;
 *   - the bytes written are counted as they come, whatever the zip's
 *     header claims, and the whole is capped (a zip bomb stops at the cap);
 *   - files keep their owner's permission bits (at most 0755); a bootstrap
 *     at the root is required, and made executable.
 * Blocking: run it on the threadpool.
 */
#ifndef LAMBDAD_CONTROL_ZIPTREE_H
#define LAMBDAD_CONTROL_ZIPTREE_H

#include <stdbool.h>
#include <stddef.h>

#define ZIPTREE_MAX_UNZIPPED	262144000	/* Lambda's 250 MB */
#define ZIPTREE_MAX_ENTRIES	100000

/* Whether a zip entry's name may be unpacked. */
bool	ziptree_path_ok(const char *name);
/* Whether a symlink at path (an entry name) to target stays in the tree. */
bool	ziptree_link_ok(const char *path, const char *target);

/*
 * Unpack zip[0..len) into dir, which must not exist yet (it is made 0755;
 * its parent must exist).  0; -EINVAL for a zip that is not one or breaks
 * a rule above (err says which entry and why); -EFBIG past max unzipped
 * bytes; another -errno for the disk.  On failure dir is removed.
 */
int	ziptree_extract(const void *zip, size_t len, const char *dir,
	    size_t max, char *err, size_t errlen);
/* The same with no bootstrap required: a layer, or a function's code
 * whose layers bring the bootstrap. */
int	ziptree_extract_tree(const void *zip, size_t len, const char *dir,
	    size_t max, char *err, size_t errlen);

#endif
