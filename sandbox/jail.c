/*
 * jail: the namespace layers of a worker's sandbox.
 *
 * The namespaces are made by the clone() that creates the worker (a pid
 * namespace only applies to children, so the worker must be born in it to
 * be its pid 1; when it exits the kernel kills everything it forked).  The
 * parent decides the clone flags with sb_jail_prepare(); the child, before
 * anything else of sb_exec(), calls sb_jail_enter() to finish the inside:
 * the uid/gid map of a user namespace (only when not root: it maps the
 * caller's own uid, so files keep their owners), joining a network
 * namespace the spawner holds, loopback up in a fresh one, and the mounts
 * of a mount namespace: / recursively read-only, a fresh /proc for the new
 * pid namespace, a size-limited tmpfs on /tmp, rw_dir left writable, and
 * opt_dir (a function's layers) bound read-only on /opt.
 *
 * sb_probe_layers() tries each layer once in a throw-away child so that the
 * daemon can say at start-up what this kernel allows; a layer it refuses is
 * then left out of every spawn (unless the policy says ns_required).
 *
 * The child side runs between fork and exec: system calls only, no malloc,
 * no stdio; paths are built in stack buffers.
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox.h"
#include "sb_int.h"

#define SB_PATH_MAX	4096

/* fork() with namespace flags, without running any atfork handler. */
pid_t
sb_clone(int flags)
{
	return (pid_t)syscall(SYS_clone, (unsigned long)flags | SIGCHLD,
	    NULL, NULL, NULL, 0UL);
}

int
sb_jail_prepare(const struct sb_policy *p, unsigned avail, int netfd,
    struct sb_jail *j)
{
	unsigned ns = p->ns & SB_NS_ALL;
	int root = geteuid() == 0;

	memset(j, 0, sizeof(*j));
	j->netfd = -1;
	j->cgfd = -1;
	j->uid = getuid();
	j->gid = getgid();
	/* Unprivileged, every other namespace needs a user namespace. */
	if (!root && (ns & (SB_NS_PID | SB_NS_MOUNT | SB_NS_NET)) != 0)
		ns |= SB_NS_USER;
	if ((ns & ~avail) != 0 && p->ns_required)
		return -EPERM;
	ns &= avail;
	if (!root && (ns & SB_NS_USER) == 0)
		ns = 0;		/* the others cannot be made without it */
	j->ns = ns;
	if ((ns & SB_NS_USER) && !root)
		j->flags |= CLONE_NEWUSER;
	if (ns & SB_NS_PID)
		j->flags |= CLONE_NEWPID;
	if (ns & SB_NS_MOUNT)
		j->flags |= CLONE_NEWNS;
	if ((ns & SB_NS_NET) && netfd >= 0 && !(j->flags & CLONE_NEWUSER))
		j->netfd = netfd;
	else if (ns & SB_NS_NET) {
		if (netfd >= 0 && p->ns_required)
			return -EPERM;	/* cannot join from a new user ns */
		j->flags |= CLONE_NEWNET;
	}
	return 0;
}

/* Decimal, for the uid maps. */
static char *
sb_utoa(char *end, unsigned long v)
{
	*--end = '\0';
	do
		*--end = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	return end;
}

static int
sb_write_file(const char *path, const char *s)
{
	size_t len = strlen(s);
	int fd, rc = 0;

	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) == -1)
		return -errno;
	if (write(fd, s, len) != (ssize_t)len)
		rc = -errno;
	close(fd);
	return rc;
}

/* "ID ID 1": the caller's own id, the only one it may map unprivileged. */
static int
sb_map_one(const char *path, unsigned long id)
{
	char num[24], line[64], *n = sb_utoa(num + sizeof(num), id);
	size_t k = strlen(n);

	memcpy(line, n, k);
	line[k] = ' ';
	memcpy(line + k + 1, n, k);
	memcpy(line + 2 * k + 1, " 1\n", 4);
	return sb_write_file(path, line);
}

static int
sb_map_ids(uid_t uid, gid_t gid)
{
	int rc;

	/* Required before an unprivileged gid_map; also stops setgroups
	 * from dropping a group that denies access. */
	if ((rc = sb_write_file("/proc/self/setgroups", "deny")) < 0 &&
	    rc != -ENOENT)
		return rc;
	if ((rc = sb_map_one("/proc/self/uid_map", uid)) < 0)
		return rc;
	return sb_map_one("/proc/self/gid_map", gid);
}

/* Loopback up: a new network namespace starts with lo down. */
int
sb_loopback_up(void)
{
	struct ifreq ifr;
	int fd, rc = 0;

	if ((fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, "lo", 3);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) == -1)
		rc = -errno;
	else {
		ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
		if (ioctl(fd, SIOCSIFFLAGS, &ifr) == -1)
			rc = -errno;
	}
	close(fd);
	return rc;
}

/* Is path inside /tmp, which the tmpfs is about to hide? */
static int
sb_under_tmp(const char *path)
{
	return path != NULL && strncmp(path, "/tmp/", 5) == 0 && path[5] != '\0';
}

/* mkdir -p, with a stack copy of path. */
static int
sb_mkdirs(const char *path)
{
	char buf[SB_PATH_MAX];
	size_t len = strlen(path);

	if (len >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, len + 1);
	for (char *s = buf + 1; ; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;

		*s = '\0';
		if (mkdir(buf, 0755) == -1 && errno != EEXIST)
			return -errno;
		if ((*s = c) == '\0')
			return 0;
	}
}

/*
 * A directory under /tmp (a function's own, in tests) would vanish under
 * the new tmpfs: take a detached copy of its mount tree before, and put it
 * back at the same path inside the tmpfs after.
 */
static int
sb_keep_take(const char *path)
{
	int fd;

	if (!sb_under_tmp(path))
		return -1;
	fd = open_tree(AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC |
	    AT_RECURSIVE);
	return fd == -1 ? -errno : fd;
}

static int
sb_keep_put(int fd, const char *path)
{
	int rc;

	if (fd < 0)
		return 0;
	if ((rc = sb_mkdirs(path)) == 0 &&
	    move_mount(fd, "", AT_FDCWD, path, MOVE_MOUNT_F_EMPTY_PATH) == -1)
		rc = -errno;
	close(fd);
	return rc;
}

static int
sb_set_rdonly(const char *path, int rdonly, unsigned flags)
{
	struct mount_attr a = { 0 };

	if (rdonly)
		a.attr_set = MOUNT_ATTR_RDONLY;
	else
		a.attr_clr = MOUNT_ATTR_RDONLY;
	if (mount_setattr(AT_FDCWD, path, flags, &a, sizeof(a)) == 0)
		return 0;
	return -errno;
}

/* /opt: read-only (already, with /), and no set-uid or device files. */
static int
sb_set_opt_attrs(void)
{
	struct mount_attr a = { 0 };

	a.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV;
	if (mount_setattr(AT_FDCWD, "/opt", AT_RECURSIVE, &a, sizeof(a)) == 0)
		return 0;
	return -errno;
}

/*
 * The directories under /tmp that must stay visible in the jail: rw_dir,
 * cwd and the executable's own directory (in tests all three may live
 * under /tmp).  Fills dirs (stack buffers) and returns how many, shortest
 * first, so that putting them back never hides one under another.
 */
static int
sb_keep_dirs(const struct sb_policy *p, char dirs[3][SB_PATH_MAX])
{
	const char *cand[3] = { p->rw_dir, p->cwd, p->path };
	int n = 0;

	for (int i = 0; i < 3; i++) {
		size_t len;
		int dup = 0;

		if (!sb_under_tmp(cand[i]) ||
		    (len = strlen(cand[i])) >= SB_PATH_MAX)
			continue;
		memcpy(dirs[n], cand[i], len + 1);
		if (i == 2) {		/* the executable: its directory */
			char *slash = strrchr(dirs[n], '/');

			if (slash == NULL || slash == dirs[n] + 4)
				continue;	/* directly in /tmp: nothing to keep */
			*slash = '\0';
		}
		for (int k = 0; k < n; k++)
			dup |= strcmp(dirs[k], dirs[n]) == 0;
		if (!dup)
			n++;
	}
	for (int i = 1; i < n; i++)	/* insertion sort by length */
		for (int k = i; k > 0 && strlen(dirs[k]) < strlen(dirs[k - 1]); k--) {
			char t[SB_PATH_MAX];

			memcpy(t, dirs[k], SB_PATH_MAX);
			memcpy(dirs[k], dirs[k - 1], SB_PATH_MAX);
			memcpy(dirs[k - 1], t, SB_PATH_MAX);
		}
	return n;
}

/* Does dir hold path (the same directory, or one above it)? */
static int
sb_holds(const char *dir, const char *path)
{
	size_t n = strlen(dir);

	return path != NULL && strncmp(dir, path, n) == 0 &&
	    (path[n] == '\0' || path[n] == '/');
}

/*
 * Cover each hide directory with an empty read-only tmpfs, except one that
 * holds what the worker needs (its cwd, executable or rw_dir).  One that
 * is not there (gone, or under the private /tmp already) needs nothing.
 */
static int
sb_hide_dirs(const struct sb_policy *p)
{
	for (size_t i = 0; p->hide != NULL && p->hide[i] != NULL; i++) {
		const char *d = p->hide[i];

		if (d[0] != '/' || d[1] == '\0' || sb_holds(d, p->cwd) ||
		    sb_holds(d, p->path) || sb_holds(d, p->rw_dir))
			continue;
		if (mount("tmpfs", d, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV |
		    MS_NOEXEC, "size=4k,mode=0555") == -1 &&
		    errno != ENOENT && errno != ENOTDIR)
			return -errno;
	}
	return 0;
}

/* Everything read-only but rw_dir; a fresh /proc; a private /tmp; the hide
 * directories covered. */
static int
sb_jail_mounts(const struct sb_policy *p, int newpid)
{
	char opt[64], num[24], *v, dirs[3][SB_PATH_MAX];
	int keep[3] = { -1, -1, -1 }, nkeep, rc = 0, i;
	size_t k;

	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == -1)
		return -errno;
	/* Our own mount for rw_dir, so its flags can differ from /'s. */
	if (p->rw_dir != NULL &&
	    mount(p->rw_dir, p->rw_dir, NULL, MS_BIND | MS_REC, NULL) == -1)
		return -errno;
	/* The function's layers on /opt, before the tmpfs can hide them. */
	if (p->opt_dir != NULL &&
	    mount(p->opt_dir, "/opt", NULL, MS_BIND | MS_REC, NULL) == -1)
		return -errno;
	if (newpid && mount("proc", "/proc", "proc",
	    MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) == -1)
		return -errno;
	if ((rc = sb_set_rdonly("/", 1, AT_RECURSIVE)) < 0)
		return rc;
	if (p->opt_dir != NULL && (rc = sb_set_opt_attrs()) < 0)
		return rc;
	if (p->rw_dir != NULL && (rc = sb_set_rdonly(p->rw_dir, 0, 0)) < 0)
		return rc;
	nkeep = sb_keep_dirs(p, dirs);
	for (i = 0; i < nkeep && rc == 0; i++)
		if ((keep[i] = sb_keep_take(dirs[i])) < -1)
			rc = keep[i];
	v = sb_utoa(num + sizeof(num), p->tmp_mb ? p->tmp_mb : 64);
	k = strlen(v);
	memcpy(opt, "mode=1777,size=", 15);
	memcpy(opt + 15, v, k);
	memcpy(opt + 15 + k, "m", 2);
	if (rc == 0 && mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV,
	    opt) == -1)
		rc = -errno;
	for (i = 0; i < nkeep; i++) {
		if (rc == 0)
			rc = sb_keep_put(keep[i], dirs[i]);
		else if (keep[i] >= 0)
			close(keep[i]);
	}
	return rc == 0 ? sb_hide_dirs(p) : rc;
}

int
sb_jail_enter(const struct sb_policy *p, const struct sb_jail *j)
{
	int rc;

	if (j == NULL || (j->flags == 0 && j->netfd < 0))
		return 0;
	if ((j->flags & CLONE_NEWUSER) && (rc = sb_map_ids(j->uid, j->gid)) < 0)
		return rc;
	if (j->netfd >= 0 && setns(j->netfd, CLONE_NEWNET) == -1)
		return -errno;
	if ((j->flags & CLONE_NEWNET) && (rc = sb_loopback_up()) < 0)
		return rc;
	if ((j->flags & CLONE_NEWNS) &&
	    (rc = sb_jail_mounts(p, (j->flags & CLONE_NEWPID) != 0)) < 0)
		return rc;
	return 0;
}

/* ---- Probing, once, in throw-away children. ---- */

/* In a child: make the layer for real; exit 0 or errno. */
static void __attribute__((noreturn))
sb_probe_child(unsigned layer)
{
	struct sb_policy p = { .ns = layer | SB_NS_USER, .tmp_mb = 1 };
	struct sb_jail j;
	pid_t pid;
	int st, rc;

	(void)sb_jail_prepare(&p, SB_NS_ALL, -1, &j);
	if ((pid = sb_clone(j.flags)) == -1)
		_exit(errno);
	if (pid == 0) {
		rc = sb_jail_enter(&p, &j);
		if (rc == 0 && (j.flags & CLONE_NEWPID) && getpid() != 1)
			rc = -EINVAL;
		_exit(-rc);
	}
	if (waitpid(pid, &st, 0) == -1)
		_exit(errno);
	_exit(WIFEXITED(st) ? WEXITSTATUS(st) : EINTR);
}

static int
sb_probe_one(unsigned layer)
{
	pid_t pid;
	int st;

	if ((pid = fork()) == -1)
		return errno;
	if (pid == 0)
		sb_probe_child(layer);
	while (waitpid(pid, &st, 0) == -1)
		if (errno != EINTR)
			return errno;
	return WIFEXITED(st) ? WEXITSTATUS(st) : EINTR;
}

unsigned
sb_probe_layers(char *report, size_t n)
{
	static const struct { unsigned bit; const char *name; } l[] = {
		{ SB_NS_USER, "user" }, { SB_NS_PID, "pid" },
		{ SB_NS_MOUNT, "mount" }, { SB_NS_NET, "net" },
	};
	unsigned avail = 0;
	size_t len = 0;
	int err, w;

	if (report != NULL && n > 0)
		report[0] = '\0';
	for (size_t i = 0; i < sizeof(l) / sizeof(l[0]); i++) {
		if (l[i].bit == SB_NS_USER && geteuid() == 0)
			err = -1;	/* root needs none */
		else
			err = sb_probe_one(l[i].bit);
		if (err <= 0)
			avail |= l[i].bit;
		if (report == NULL || len >= n)
			continue;
		w = err < 0 ? snprintf(report + len, n - len,
		    "%s: not needed (root)\n", l[i].name) :
		    err == 0 ? snprintf(report + len, n - len, "%s: ok\n",
		    l[i].name) : snprintf(report + len, n - len,
		    "%s: unavailable: %s\n", l[i].name, strerror(err));
		len += w > 0 ? (size_t)w : 0;
	}
	return avail;
}
