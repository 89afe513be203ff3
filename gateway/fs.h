/*
 * fs: the few durable file operations the state directory needs (the Event
 * queue, deployed functions): make directories, replace a file all or
 * nothing, read a bounded file.  Blocking calls: equeue.c runs them on the
 * threadpool, deploy.c on an admin request.
 */
#ifndef LAMBDAD_FS_H
#define LAMBDAD_FS_H

#include <stddef.h>
#include <sys/types.h>

#include "buf.h"

/* mkdir -p: every level made is mode.  0 or -errno. */
int	fs_mkdir_p(const char *path, mode_t mode);
/* fsync a directory, so that renames and unlinks in it are durable. */
int	fs_fsync_dir(const char *dir);
/*
 * Write data to tmp (mode, whatever the umask), fsync, rename it over path,
 * fsync dir (the directory of both): after a crash, path is the old file or
 * the new one, never a part.  On failure tmp is removed.  0 or -errno.
 */
int	fs_replace(const char *dir, const char *tmp, const char *path,
	    const void *data, size_t len, mode_t mode);
/* Append the whole file to b; -EFBIG past max bytes.  0 or -errno. */
int	fs_read(const char *path, struct buf *b, size_t max);
/* rm -rf dir, best effort (symlinks removed, not followed). */
void	fs_rm_tree(const char *dir);
/* One more than the largest all-digits name in dir: 1 if none (a code
 * store's next version directory). */
unsigned fs_next_version(const char *dir);

#endif
