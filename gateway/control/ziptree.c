/*
 * ziptree: unpacking a deployment package safely.  See ziptree.h.
 *
 * Two passes over the entries: directories and files first (each file
 * made with O_EXCL | O_NOFOLLOW, so a duplicate entry or a name that is
 * already there fails instead of overwriting), symlinks last.  No path
 * is ever followed through a symlink while unpacking, because none exists
 * until the files are done, and each link's target is confined lexically.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zip.h>

#include "fs.h"
#include "control/ziptree.h"

#define CHUNK		65536

struct unzip {
	zip_t		*za;
	const char	*dir;
	size_t		 max, total;
	char		*err;
	size_t		 errlen;
};

/* ---- names ---------------------------------------------------------------- */

/* The next '/'-separated component of *s: its length, *s moved past it. */
static size_t
component(const char **s, const char **start)
{
	const char *p = *s, *slash = strchr(p, '/');
	size_t n = slash != NULL ? (size_t)(slash - p) : strlen(p);

	*start = p;
	*s = slash != NULL ? slash + 1 : p + n;
	return n;
}

bool
ziptree_path_ok(const char *name)
{
	const char *s = name, *c;
	size_t n, len = strlen(name);

	if (len == 0 || len >= PATH_MAX - 64 || name[0] == '/' ||
	    strchr(name, '\\') != NULL)
		return false;
	/* A directory entry ends in one '/'; the rest has no empty part. */
	if (name[len - 1] == '/')
		len--;
	if (len == 0 || name[len - 1] == '/')
		return false;
	while (s < name + len) {
		n = component(&s, &c);
		if (c + n > name + len)
			n = (size_t)(name + len - c);
		if (n == 0 || (n == 1 && c[0] == '.') ||
		    (n == 2 && c[0] == '.' && c[1] == '.'))
			return false;
		if (n > NAME_MAX)
			return false;
	}
	return true;
}

bool
ziptree_link_ok(const char *path, const char *target)
{
	const char *s = target, *c;
	long depth = 0;
	bool down = false;
	size_t n;

	if (!ziptree_path_ok(path) || target[0] == '\0' || target[0] == '/' ||
	    strchr(target, '\\') != NULL || strlen(target) >= PATH_MAX - 64)
		return false;
	/* The link's own directory: how far up a target may go. */
	for (s = path; *s != '\0'; s++)
		depth += *s == '/' && s[1] != '\0';
	/*
	 * Only leading ".." parts: going up from a real directory is exact,
	 * while a ".." after a name could come back from somewhere another
	 * link led to, which no lexical check can follow.
	 */
	for (s = target; *s != '\0';) {
		n = component(&s, &c);
		if (n == 0 || (n == 1 && c[0] == '.'))
			return false;
		if (n == 2 && c[0] == '.' && c[1] == '.') {
			if (down || --depth < 0)
				return false;
		} else
			down = true;
	}
	return down;
}

/* ---- unpacking ------------------------------------------------------------- */

static int __attribute__((format(printf, 3, 4)))
bad(struct unzip *u, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(u->err, u->errlen, fmt, ap);
	va_end(ap);
	return rc;
}

/* mkdir each directory of rel (the last part too if whole). */
static int
make_dirs(struct unzip *u, const char *rel, bool whole)
{
	char path[PATH_MAX];
	size_t base = strlen(u->dir) + 1, i;

	if (snprintf(path, sizeof(path), "%s/%s", u->dir, rel) >=
	    (int)sizeof(path))
		return -ENAMETOOLONG;
	for (i = base; path[i] != '\0'; i++) {
		if (path[i] != '/')
			continue;
		path[i] = '\0';
		if (mkdir(path, 0755) < 0 && errno != EEXIST)
			return -errno;
		path[i] = '/';
	}
	if (whole && path[i - 1] != '/' && mkdir(path, 0755) < 0 &&
	    errno != EEXIST)
		return -errno;
	return 0;
}

/* The entry's Unix mode, or 0 when the zip was not made on Unix. */
static unsigned
entry_mode(struct unzip *u, zip_uint64_t i)
{
	zip_uint8_t os;
	zip_uint32_t attr;

	if (zip_file_get_external_attributes(u->za, i, 0, &os, &attr) != 0 ||
	    os != ZIP_OPSYS_UNIX)
		return 0;
	attr >>= 16;
	/* Permission bits without a type (Python's zipfile writes those):
	 * a regular file. */
	if ((attr & S_IFMT) == 0 && attr != 0)
		attr |= S_IFREG;
	return attr;
}

/* Copy entry i to fd, counting every byte against the cap. */
static int
copy_entry(struct unzip *u, zip_uint64_t i, const char *name, int fd)
{
	zip_file_t *zf = zip_fopen_index(u->za, i, 0);
	char *chunk;
	zip_int64_t n;
	int rc = 0;

	if (zf == NULL)
		return bad(u, -EINVAL, "%s: %s", name, zip_strerror(u->za));
	if ((chunk = malloc(CHUNK)) == NULL) {
		zip_fclose(zf);
		return -ENOMEM;
	}
	while ((n = zip_fread(zf, chunk, CHUNK)) > 0) {
		u->total += (size_t)n;
		if (u->total > u->max) {
			rc = bad(u, -EFBIG, "the unzipped code is over %zu "
			    "bytes", u->max);
			break;
		}
		if (write(fd, chunk, (size_t)n) != n) {
			rc = -errno;
			break;
		}
	}
	if (n < 0 && rc == 0)
		rc = bad(u, -EINVAL, "%s: %s", name, zip_file_strerror(zf));
	free(chunk);
	zip_fclose(zf);
	return rc;
}

static int
put_file(struct unzip *u, zip_uint64_t i, const char *name, unsigned mode)
{
	char path[PATH_MAX];
	int fd, rc;

	if ((rc = make_dirs(u, name, false)) != 0)
		return bad(u, rc == -ENOTDIR || rc == -EEXIST ? -EINVAL : rc,
		    "%s: a parent is not a directory", name);
	snprintf(path, sizeof(path), "%s/%s", u->dir, name);
	mode = (mode & 0755) | 0644;
	if (strcmp(name, "bootstrap") == 0)
		mode |= 0111;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    mode);
	if (fd < 0)
		return errno == EEXIST || errno == EISDIR ? bad(u, -EINVAL,
		    "%s: the zip holds it twice", name) : -errno;
	rc = copy_entry(u, i, name, fd);
	/* The umask may have taken bits the zip asked for. */
	if (rc == 0 && fchmod(fd, mode) < 0)
		rc = -errno;
	close(fd);
	return rc;
}

static int
put_link(struct unzip *u, zip_uint64_t i, const char *name)
{
	char target[PATH_MAX], path[PATH_MAX];
	zip_file_t *zf = zip_fopen_index(u->za, i, 0);
	zip_int64_t n;

	if (zf == NULL)
		return bad(u, -EINVAL, "%s: %s", name, zip_strerror(u->za));
	n = zip_fread(zf, target, sizeof(target) - 1);
	zip_fclose(zf);
	if (n <= 0 || (size_t)n >= sizeof(target) - 1)
		return bad(u, -EINVAL, "%s: not a readable symlink", name);
	target[n] = '\0';
	if (memchr(target, '\0', (size_t)n) != NULL ||
	    !ziptree_link_ok(name, target))
		return bad(u, -EINVAL, "%s: a symlink to %s, outside the "
		    "function's code", name, target);
	if (make_dirs(u, name, false) != 0)
		return bad(u, -EINVAL, "%s: a parent is not a directory", name);
	snprintf(path, sizeof(path), "%s/%s", u->dir, name);
	if (symlink(target, path) < 0)
		return errno == EEXIST ? bad(u, -EINVAL, "%s: the zip holds it "
		    "twice", name) : -errno;
	return 0;
}

/* One pass: links false for directories and files, true for symlinks. */
static int
unzip_pass(struct unzip *u, zip_int64_t count, bool links)
{
	zip_uint64_t i;
	const char *name;
	unsigned mode;
	int rc;

	for (i = 0; i < (zip_uint64_t)count; i++) {
		if ((name = zip_get_name(u->za, i, 0)) == NULL)
			return bad(u, -EINVAL, "entry %llu has no name",
			    (unsigned long long)i);
		if (!ziptree_path_ok(name))
			return bad(u, -EINVAL, "%s: a path outside the "
			    "function's code (absolute, with .. or empty parts)",
			    name);
		mode = entry_mode(u, i);
		if (S_ISLNK(mode) != links)
			continue;
		if (links)
			rc = put_link(u, i, name);
		else if (name[strlen(name) - 1] == '/' || S_ISDIR(mode))
			rc = make_dirs(u, name, true) == 0 ? 0 : bad(u, -EINVAL,
			    "%s: a parent is not a directory", name);
		else if (mode != 0 && !S_ISREG(mode))
			rc = bad(u, -EINVAL, "%s: not a file, directory or "
			    "symlink", name);
		else
			rc = put_file(u, i, name, mode);
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* The bootstrap at the root must be a file the worker can run. */
static int
check_bootstrap(struct unzip *u)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s/bootstrap", u->dir);
	if (lstat(path, &st) == 0 && S_ISREG(st.st_mode))
		return 0;
	if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode) &&
	    stat(path, &st) == 0 && S_ISREG(st.st_mode))
		return 0;
	return bad(u, -EINVAL, "the zip has no bootstrap file at its root "
	    "(a provided.* runtime starts ./bootstrap)");
}

static int
open_zip(struct unzip *u, const void *zip, size_t len)
{
	zip_error_t ze;
	zip_source_t *src;

	zip_error_init(&ze);
	if ((src = zip_source_buffer_create(zip, len, 0, &ze)) == NULL ||
	    (u->za = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS,
	    &ze)) == NULL) {
		bad(u, -EINVAL, "not a zip file: %s", zip_error_strerror(&ze));
		zip_source_free(src);
		zip_error_fini(&ze);
		return -EINVAL;
	}
	zip_error_fini(&ze);
	return 0;
}

static int
extract(const void *zip, size_t len, const char *dir, size_t max, char *err,
    size_t errlen, bool need_bootstrap)
{
	struct unzip u = { .dir = dir, .max = max, .err = err,
	    .errlen = errlen };
	zip_int64_t count;
	int rc;

	err[0] = '\0';
	if ((rc = open_zip(&u, zip, len)) != 0)
		return rc;
	count = zip_get_num_entries(u.za, 0);
	if (count <= 0 || count > ZIPTREE_MAX_ENTRIES) {
		zip_discard(u.za);
		return bad(&u, -EINVAL, "the zip holds %lld entries (1 to %d)",
		    (long long)count, ZIPTREE_MAX_ENTRIES);
	}
	if (mkdir(dir, 0755) < 0) {
		zip_discard(u.za);
		return -errno;
	}
	if ((rc = unzip_pass(&u, count, false)) == 0 &&
	    (rc = unzip_pass(&u, count, true)) == 0 && need_bootstrap)
		rc = check_bootstrap(&u);
	zip_discard(u.za);
	if (rc != 0)
		fs_rm_tree(dir);
	else
		(void)chmod(dir, 0755);
	return rc;
}

int
ziptree_extract(const void *zip, size_t len, const char *dir, size_t max,
    char *err, size_t errlen)
{
	return extract(zip, len, dir, max, err, errlen, true);
}

int
ziptree_extract_tree(const void *zip, size_t len, const char *dir, size_t max,
    char *err, size_t errlen)
{
	return extract(zip, len, dir, max, err, errlen, false);
}
