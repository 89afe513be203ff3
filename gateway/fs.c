/*
 * fs: durable file operations for the state directory.  See fs.h.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs.h"

int
fs_mkdir_p(const char *path, mode_t mode)
{
	char tmp[PATH_MAX], *s;

	if (snprintf(tmp, sizeof(tmp), "%s", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	for (s = tmp + 1; *s != '\0'; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(tmp, mode) != 0 && errno != EEXIST)
			return -errno;
		*s = '/';
	}
	if (mkdir(tmp, mode) != 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int
fs_fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc = 0;

	if (fd < 0)
		return -errno;
	if (fsync(fd) != 0)
		rc = -errno;
	close(fd);
	return rc;
}

static int
fs_write_all(int fd, const char *p, size_t n)
{
	ssize_t k;

	while (n > 0) {
		if ((k = write(fd, p, n)) < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -errno;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

int
fs_replace(const char *dir, const char *tmp, const char *path,
    const void *data, size_t len, mode_t mode)
{
	int fd, rc;

	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    mode)) < 0)
		return -errno;
	rc = fs_write_all(fd, data, len);
	if (rc == 0 && fchmod(fd, mode) != 0)
		rc = -errno;
	if (rc == 0 && fsync(fd) != 0)
		rc = -errno;
	if (close(fd) != 0 && rc == 0)
		rc = -errno;
	if (rc == 0 && rename(tmp, path) != 0)
		rc = -errno;
	if (rc != 0) {
		unlink(tmp);
		return rc;
	}
	return fs_fsync_dir(dir);
}

int
fs_read(const char *path, struct buf *b, size_t max)
{
	char chunk[16384];
	size_t start = b->len;
	ssize_t k;
	int fd, rc = 0;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -errno;
	while ((k = read(fd, chunk, sizeof(chunk))) != 0) {
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			rc = -errno;
			break;
		}
		buf_add(b, chunk, (size_t)k);
		if (b->len - start > max) {
			rc = -EFBIG;
			break;
		}
	}
	close(fd);
	return rc;
}

/* Best effort, and on to the next entry whatever happens. */
static int
fs_rm_entry(const char *path, const struct stat *st, int flag,
    struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	(void)(flag == FTW_DP ? rmdir(path) : unlink(path));
	return 0;
}

void
fs_rm_tree(const char *dir)
{
	(void)nftw(dir, fs_rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

unsigned
fs_next_version(const char *dir)
{
	DIR *dp = opendir(dir);
	struct dirent *de;
	unsigned long v, max = 0;
	char *end;

	if (dp == NULL)
		return 1;
	while ((de = readdir(dp)) != NULL) {
		v = strtoul(de->d_name, &end, 10);
		if (*end == '\0' && end != de->d_name && v > max && v < UINT_MAX)
			max = v;
	}
	closedir(dp);
	return (unsigned)max + 1;
}
