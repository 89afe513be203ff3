/*
 * cgroup: the delegated cgroup v2 subtree and a leaf per worker; see
 * cgroup.h for the layout and who calls what when.
 *
 * The state is one static: the daemon's cgroup is a property of the
 * process, found once by sb_cgroup_init() and inherited by the spawner's
 * fork.  Only the spawner makes and removes leaves.  A leaf whose worker
 * is reaped may still hold processes for a moment (what the worker forked
 * is killed but reaped by init, not by us), so a leaf that will not go
 * yet is kept on a list and retried with the next spawn or exit.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup.h"

static const char *const sb_cg_want[] = { "memory", "pids", "cpu", NULL };

static struct {
	int		 dirfd;		/* the delegated cgroup D, or -1 */
	unsigned	 seq;		/* the next worker leaf's number */
	char		(*pending)[SB_CG_LEAF_MAX];	/* leaves to remove */
	size_t		 npending, cappending;
} sb_cg = { .dirfd = -1 };

/* The whole of a small file at dirfd/name, NUL-terminated.  0 or -errno. */
static int
sb_cg_read(int dirfd, const char *name, char *buf, size_t n)
{
	ssize_t len;
	int fd, rc = 0;

	if ((fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC)) == -1)
		return -errno;
	if ((len = read(fd, buf, n - 1)) == -1)
		rc = -errno;
	else
		buf[len] = '\0';
	close(fd);
	return rc;
}

/* Write s to dirfd/name in one write(2), as cgroup files want.  0 or -errno. */
static int
sb_cg_write(int dirfd, const char *name, const char *s)
{
	size_t len = strlen(s);
	int fd, rc = 0;

	if ((fd = openat(dirfd, name, O_WRONLY | O_CLOEXEC)) == -1)
		return -errno;
	if (write(fd, s, len) != (ssize_t)len)
		rc = -errno;
	close(fd);
	return rc;
}

int
sb_cgroup_self(const char *file, char *path, size_t n)
{
	char buf[8192], *line, *save = NULL;
	int rc;

	if ((rc = sb_cg_read(AT_FDCWD, file, buf, sizeof(buf))) < 0)
		return rc;
	for (line = strtok_r(buf, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "0::", 3) != 0)
			continue;
		if (line[3] != '/')
			return -EINVAL;
		if (strlen(line + 3) >= n)
			return -ENAMETOOLONG;
		strcpy(path, line + 3);
		return 0;
	}
	return -ENOENT;
}

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void
sb_cg_unescape(char *s)
{
	char *o = s;

	for (; *s != '\0'; s++, o++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' &&
		    s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*o = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 +
			    (s[3] - '0'));
			s += 3;
		} else
			*o = *s;
	}
	*o = '\0';
}

/* One mountinfo line: "ID PARENT MAJ:MIN ROOT POINT OPTS [TAGS] - TYPE ..." */
static int
sb_cg_mount_line(char *line, char *mnt, size_t n)
{
	char *f[5], *dash, *type, *save = NULL;

	if ((dash = strstr(line, " - ")) == NULL)
		return -ENOENT;
	*dash = '\0';
	type = strtok_r(dash + 3, " ", &save);
	if (type == NULL || strcmp(type, "cgroup2") != 0)
		return -ENOENT;
	save = NULL;
	for (int i = 0; i < 5; i++)
		if ((f[i] = strtok_r(i == 0 ? line : NULL, " ", &save)) == NULL)
			return -ENOENT;
	if (strcmp(f[3], "/") != 0)
		return -ENOENT;	/* a bind mount of a part: not the root */
	sb_cg_unescape(f[4]);
	if (strlen(f[4]) >= n)
		return -ENAMETOOLONG;
	strcpy(mnt, f[4]);
	return 0;
}

int
sb_cgroup_mount(const char *file, char *mnt, size_t n)
{
	char *line = NULL;
	size_t cap = 0;
	FILE *fp;
	int rc = -ENOENT;

	if ((fp = fopen(file, "re")) == NULL)
		return -errno;
	while (rc == -ENOENT && getline(&line, &cap, fp) != -1) {
		line[strcspn(line, "\n")] = '\0';
		rc = sb_cg_mount_line(line, mnt, n);
	}
	free(line);
	fclose(fp);
	return rc;
}

static int
sb_cg_has_word(const char *list, const char *word)
{
	size_t len = strlen(word);

	for (const char *s = list; (s = strstr(s, word)) != NULL; s += len)
		if ((s == list || s[-1] == ' ') &&
		    (s[len] == '\0' || s[len] == ' ' || s[len] == '\n'))
			return 1;
	return 0;
}

int
sb_cgroup_missing(const char *dir, char *missing, size_t n)
{
	char buf[1024], path[PATH_MAX];
	size_t len = 0;
	int rc;

	if (snprintf(path, sizeof(path), "%s/cgroup.controllers", dir) >=
	    (int)sizeof(path))
		return -ENAMETOOLONG;
	if ((rc = sb_cg_read(AT_FDCWD, path, buf, sizeof(buf))) < 0)
		return rc;
	missing[0] = '\0';
	for (int i = 0; sb_cg_want[i] != NULL; i++)
		if (!sb_cg_has_word(buf, sb_cg_want[i]) && len < n)
			len += (size_t)snprintf(missing + len, n - len, "%s%s",
			    len > 0 ? " " : "", sb_cg_want[i]);
	return 0;
}

/* Where D is, or why there is none (into why). */
static int
sb_cg_find(char *dir, size_t n, char *why, size_t wn)
{
	char self[PATH_MAX], mnt[PATH_MAX], missing[64];
	int rc;

	if ((rc = sb_cgroup_self("/proc/self/cgroup", self, sizeof(self))) < 0) {
		snprintf(why, wn, rc == -ENOENT ? "no cgroup v2 line in "
		    "/proc/self/cgroup (a cgroup v1 system)" :
		    "/proc/self/cgroup: %s", strerror(-rc));
		return rc;
	}
	if ((rc = sb_cgroup_mount("/proc/self/mountinfo", mnt,
	    sizeof(mnt))) < 0) {
		snprintf(why, wn, "no cgroup2 file system mounted");
		return rc;
	}
	if (snprintf(dir, n, "%s%s", mnt, strcmp(self, "/") == 0 ? "" :
	    self) >= (int)n) {
		snprintf(why, wn, "cgroup path too long");
		return -ENAMETOOLONG;
	}
	if ((rc = sb_cgroup_missing(dir, missing, sizeof(missing))) < 0) {
		snprintf(why, wn, "%s/cgroup.controllers: %s", dir,
		    strerror(-rc));
		return rc;
	}
	if (missing[0] != '\0') {
		snprintf(why, wn, "%s (cgroup2 at %s) lacks the controllers: %s",
		    dir, mnt, missing);
		return -ENOTSUP;
	}
	if (strcmp(self, "/") == 0) {
		snprintf(why, wn, "lambdad runs in the root cgroup, which is "
		    "not delegated (start it from a unit with Delegate=yes)");
		return -EPERM;
	}
	return 0;
}

/* Every process of D into D/lambdad, so D may hand out controllers. */
static int
sb_cg_move_all(int dirfd)
{
	char buf[8192], *pid, *save = NULL;
	int rc;

	if ((rc = sb_cg_write(dirfd, "lambdad/cgroup.procs", "0")) < 0)
		return rc;
	if ((rc = sb_cg_read(dirfd, "cgroup.procs", buf, sizeof(buf))) < 0)
		return rc;
	for (pid = strtok_r(buf, "\n", &save); pid != NULL;
	    pid = strtok_r(NULL, "\n", &save))
		if ((rc = sb_cg_write(dirfd, "lambdad/cgroup.procs", pid)) < 0 &&
		    rc != -ESRCH)
			return rc;
	return 0;
}

/* D/lambdad holds us; then D may enable the controllers for its children. */
static int
sb_cg_prepare(int dirfd)
{
	int rc;

	if (mkdirat(dirfd, "lambdad", 0755) == -1 && errno != EEXIST)
		return -errno;
	if ((rc = sb_cg_move_all(dirfd)) < 0)
		return rc;
	return sb_cg_write(dirfd, "cgroup.subtree_control",
	    "+memory +pids +cpu");
}

int
sb_cgroup_init(char *report, size_t n)
{
	char dir[PATH_MAX];
	int dirfd, rc;

	if ((rc = sb_cg_find(dir, sizeof(dir), report, n)) < 0)
		return rc;
	/* Delegation chowns D and its cgroup.procs and subtree_control. */
	if (faccessat(AT_FDCWD, dir, W_OK, AT_EACCESS) == -1) {
		rc = -errno;
		snprintf(report, n, "%s is not delegated to uid %d: %s", dir,
		    (int)geteuid(), strerror(-rc));
		return rc;
	}
	if ((dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		rc = -errno;
		snprintf(report, n, "%s: %s", dir, strerror(-rc));
		return rc;
	}
	if ((rc = sb_cg_prepare(dirfd)) < 0) {
		snprintf(report, n, "%s: cannot prepare the subtree: %s", dir,
		    strerror(-rc));
		close(dirfd);
		return rc;
	}
	sb_cg.dirfd = dirfd;
	snprintf(report, n, "%s: a leaf per worker with memory.max, pids.max "
	    "and cpu.max", dir);
	return 0;
}

int
sb_cgroup_ready(void)
{
	return sb_cg.dirfd >= 0;
}

/* Kill what is left in leaf and remove it.  0, or -EBUSY: not yet. */
static int
sb_cg_remove(const char *leaf)
{
	char path[SB_CG_LEAF_MAX + 16];

	snprintf(path, sizeof(path), "%s/cgroup.kill", leaf);
	(void)sb_cg_write(sb_cg.dirfd, path, "1");	/* kernels >= 5.14 */
	if (unlinkat(sb_cg.dirfd, leaf, AT_REMOVEDIR) == 0 || errno == ENOENT)
		return 0;
	return -errno;
}

static void
sb_cg_retry(void)
{
	for (size_t i = 0; i < sb_cg.npending; )
		if (sb_cg_remove(sb_cg.pending[i]) != -EBUSY)
			memcpy(sb_cg.pending[i], sb_cg.pending[--sb_cg.npending],
			    SB_CG_LEAF_MAX);
		else
			i++;
}

void
sb_cgroup_release(const char *leaf)
{
	void *np;

	if (sb_cg.dirfd < 0 || leaf[0] == '\0')
		return;
	sb_cg_retry();
	if (sb_cg_remove(leaf) != -EBUSY)
		return;
	if (sb_cg.npending == sb_cg.cappending) {
		size_t cap = sb_cg.cappending ? sb_cg.cappending * 2 : 16;

		if ((np = reallocarray(sb_cg.pending, cap, SB_CG_LEAF_MAX)) ==
		    NULL)
			return;	/* left behind; the next daemon may reuse it */
		sb_cg.pending = np;
		sb_cg.cappending = cap;
	}
	snprintf(sb_cg.pending[sb_cg.npending++], SB_CG_LEAF_MAX, "%s", leaf);
}

static int
sb_cg_name_ok(const char *fn)
{
	size_t len = strspn(fn, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopq"
	    "rstuvwxyz0123456789_-");

	return len > 0 && len <= 64 && fn[len] == '\0';
}

/* The limits, in the units the files take; 0 = "max". */
static int
sb_cg_limits(const char *leaf, unsigned memory_mb, unsigned pids,
    unsigned cpu_pct)
{
	char path[SB_CG_LEAF_MAX + 24], v[32];
	int rc;

	snprintf(path, sizeof(path), "%s/memory.max", leaf);
	if (memory_mb > 0)
		snprintf(v, sizeof(v), "%llu",
		    (unsigned long long)memory_mb << 20);
	if ((rc = sb_cg_write(sb_cg.dirfd, path, memory_mb ? v : "max")) < 0)
		return rc;
	/* Swap would let a worker past memory.max; not every kernel has it. */
	snprintf(path, sizeof(path), "%s/memory.swap.max", leaf);
	(void)sb_cg_write(sb_cg.dirfd, path, "0");
	snprintf(path, sizeof(path), "%s/pids.max", leaf);
	snprintf(v, sizeof(v), "%u", pids);
	if ((rc = sb_cg_write(sb_cg.dirfd, path, pids ? v : "max")) < 0)
		return rc;
	/* cpu_pct of one CPU: that many ms of every 100 ms period. */
	snprintf(path, sizeof(path), "%s/cpu.max", leaf);
	if (cpu_pct > 0)
		snprintf(v, sizeof(v), "%llu 100000",
		    (unsigned long long)cpu_pct * 1000);
	return sb_cg_write(sb_cg.dirfd, path, cpu_pct ? v : "max 100000");
}

/* fn-NAME (made on first use, handing its children the controllers),
 * then a fresh w-N under it. */
static int
sb_cg_mkleaf(const char *fn, char *leaf)
{
	char fndir[80], path[SB_CG_LEAF_MAX + 32];
	int rc;

	snprintf(fndir, sizeof(fndir), "fn-%s", fn);
	if (mkdirat(sb_cg.dirfd, fndir, 0755) == -1 && errno != EEXIST)
		return -errno;
	/* Every time: cheap, and a directory left by an earlier daemon may
	 * lack it. */
	snprintf(path, sizeof(path), "%s/cgroup.subtree_control", fndir);
	if ((rc = sb_cg_write(sb_cg.dirfd, path, "+memory +pids +cpu")) < 0)
		return rc;
	/*
	 * A leaf left by a daemon that died may hold the number: what is in
	 * it belongs to no one now, so clear it and take it (and skip a
	 * number that will not clear yet).
	 */
	for (int tries = 0; tries < 64; tries++) {
		snprintf(leaf, SB_CG_LEAF_MAX, "%s/w-%u", fndir, sb_cg.seq++);
		if (mkdirat(sb_cg.dirfd, leaf, 0755) == 0)
			return 0;
		if (errno != EEXIST)
			return -errno;
		if (sb_cg_remove(leaf) == 0 &&
		    mkdirat(sb_cg.dirfd, leaf, 0755) == 0)
			return 0;
	}
	return -EEXIST;
}

int
sb_cgroup_leaf(const char *fn, unsigned memory_mb, unsigned pids,
    unsigned cpu_pct, char *leaf, int *procs_fd, int *peak_fd)
{
	char path[SB_CG_LEAF_MAX + 24];
	int rc;

	*procs_fd = *peak_fd = -1;
	leaf[0] = '\0';
	if (sb_cg.dirfd < 0)
		return -ENOTSUP;
	if (!sb_cg_name_ok(fn))
		return -EINVAL;
	sb_cg_retry();
	if ((rc = sb_cg_mkleaf(fn, leaf)) < 0)
		return rc;
	if ((rc = sb_cg_limits(leaf, memory_mb, pids, cpu_pct)) < 0)
		goto fail;
	snprintf(path, sizeof(path), "%s/cgroup.procs", leaf);
	if ((*procs_fd = openat(sb_cg.dirfd, path, O_WRONLY | O_CLOEXEC)) ==
	    -1) {
		rc = -errno;
		goto fail;
	}
	snprintf(path, sizeof(path), "%s/memory.peak", leaf);
	*peak_fd = openat(sb_cg.dirfd, path, O_RDONLY | O_CLOEXEC);
	return 0;
fail:
	(void)sb_cg_remove(leaf);
	leaf[0] = '\0';
	return rc;
}
