/*
 * exec: the last steps of a worker's start, between fork and execve.
 *
 * sb_exec() applies a struct sb_policy to the calling process in the fixed
 * order documented in sandbox.h and then execs.  It runs in a freshly forked
 * child of the spawner (or in lambdad-sandbox itself), so it uses only
 * async-signal-safe system calls: no malloc, no stdio, no libseccomp.  Each
 * step returns -errno on failure; the caller reports it and _exit(127)s.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/close_range.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sandbox.h"
#include "sb_int.h"
#include "sb_msg.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC	(1U << 2)
#endif

/*
 * Mark every fd from lo up close-on-exec.  Marking rather than closing is
 * what lets a caller keep its own CLOEXEC error pipe open until execve,
 * which then closes all of them at once: the program that runs sees exactly
 * the same set of fds.  Kernels before 5.11 lack CLOSE_RANGE_CLOEXEC; there
 * we walk the fd table up to the NOFILE limit.
 */
static int
sb_fds_cloexec(int lo)
{
	struct rlimit rl;
	rlim_t max;

	if (syscall(SYS_close_range, (unsigned)lo, ~0U,
	    CLOSE_RANGE_CLOEXEC) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -errno;
	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return -errno;
	max = rl.rlim_cur > 65536 ? 65536 : rl.rlim_cur;
	for (rlim_t fd = lo; fd < max; fd++)
		(void)fcntl((int)fd, F_SETFD, FD_CLOEXEC);
	return 0;
}

/*
 * Lay out the fds: 0 = /dev/null, 1 and 2 = log_fd, 3.. = pass_fds.  A
 * source may sit on any target number (a passed fd may be 3 already, or 4
 * when it must become 3; log_fd may be 3), so every source is first copied
 * above the target range and only then moved down with dup2, which also
 * clears CLOEXEC on the result.
 */
static int
sb_fds(int log_fd, const int *pass_fds, int npass)
{
	int hi[SB_MAX_PASS_FDS], hilog = -1, base = 3 + npass, fd;

	if (npass < 0 || npass > SB_MAX_PASS_FDS)
		return -EINVAL;
	if (log_fd >= 0 &&
	    (hilog = fcntl(log_fd, F_DUPFD_CLOEXEC, base)) == -1)
		return -errno;
	for (int i = 0; i < npass; i++)
		if ((hi[i] = fcntl(pass_fds[i], F_DUPFD_CLOEXEC, base)) == -1)
			return -errno;
	/* Not CLOEXEC: if 0 was closed it lands there and must stay. */
	if ((fd = open("/dev/null", O_RDWR)) == -1)
		return -errno;
	if (fd != 0 && dup2(fd, 0) == -1)
		return -errno;
	if (hilog >= 0 && (dup2(hilog, 1) == -1 || dup2(hilog, 2) == -1))
		return -errno;
	for (int i = 0; i < npass; i++)
		if (dup2(hi[i], 3 + i) == -1)
			return -errno;
	/* The copies, the stray /dev/null and everything inherited. */
	return sb_fds_cloexec(base);
}

/* Set soft and hard limit to v; without privilege, stay under the hard. */
static int
sb_rlimit(int res, rlim_t v)
{
	struct rlimit rl = { v, v };

	if (setrlimit(res, &rl) == 0)
		return 0;
	if (errno != EPERM || getrlimit(res, &rl) == -1)
		return -errno;
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < v)
		v = rl.rlim_max;
	rl.rlim_cur = rl.rlim_max = v;
	return setrlimit(res, &rl) == -1 ? -errno : 0;
}

static int
sb_rlimits(const struct sb_policy *p)
{
	const rlim_t mib = 1024 * 1024;
	int rc = 0;

	if (p->memory_mb > 0)
		rc = sb_rlimit(RLIMIT_DATA, (rlim_t)p->memory_mb * mib);
	if (rc == 0)
		rc = sb_rlimit(RLIMIT_NOFILE, p->nofile > 0 ? p->nofile : 1024);
	if (rc == 0 && p->nproc > 0)
		rc = sb_rlimit(RLIMIT_NPROC, p->nproc);
	if (rc == 0 && p->fsize_mb > 0)
		rc = sb_rlimit(RLIMIT_FSIZE, (rlim_t)p->fsize_mb * mib);
	if (rc == 0 && p->cpu_s > 0) {
		/* SIGXCPU at the soft limit, SIGKILL a second later. */
		struct rlimit rl = { p->cpu_s, (rlim_t)p->cpu_s + 1 };

		if (setrlimit(RLIMIT_CPU, &rl) == -1)
			rc = sb_rlimit(RLIMIT_CPU, p->cpu_s);
	}
	if (rc == 0)
		rc = sb_rlimit(RLIMIT_CORE, 0);
	return rc;
}

/*
 * Install f, last of all.  The program is copied to the stack so the
 * self-pid placeholders can become this process's pid, which execve keeps.
 * With a report socket, denied calls notify a listener that goes to the
 * supervisor; without one (or where the kernel will not make one: EBUSY
 * when an ancestor's filter has a listener) they kill, as they must never
 * fall through to USER_NOTIF's listener-less ENOSYS unreported.
 *
 * Hazard: from the install to execve this process may only make calls
 * every profile allows (sendmsg, close, write, execve, exit_group).  A
 * denied one would wait for the spawner to read the listener, and the
 * spawner, under CLONE_VFORK, waits for this process to exec.
 */
static int
sb_seccomp(const struct sb_filter *f, int report)
{
	struct sock_filter insn[BPF_MAXINSNS];
	const struct sock_fprog *src = sb_filter_prog(f);
	struct sock_fprog prog;
	pid_t pid = getpid();
	int lfd = -1, rc;

	if (src->len > BPF_MAXINSNS)
		return -EINVAL;
	for (unsigned i = 0; i < src->len; i++)
		insn[i] = src->filter[i];
	(void)sb_filter_patch(insn, src->len, SB_SELF_PID, SB_SELF_NEG, pid);
	prog.len = src->len;
	prog.filter = insn;
	if (sb_filter_notifies(f) && report >= 0)
		lfd = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
		    SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
	if (lfd >= 0) {
		/* sendmsg and close are on every allowlist. */
		rc = sb_report_listener(report, lfd);
		close(lfd);
		return rc;
	}
	(void)sb_filter_patch_kill(insn, src->len);
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) == -1)
		return -errno;
	return 0;
}

int
sb_report_listener(int sock, int lfd)
{
	int msg = SB_MSG_LISTENER;

	/* sb_send is memset, memcpy and sendmsg: fine between fork and exec. */
	return sb_send(sock, &msg, sizeof(msg), &lfd, 1);
}

int
sb_report_read(int sock, int *lfd)
{
	int msg, fd, trunc = 0, rc = 0;
	ssize_t n;

	*lfd = -1;
	while ((n = sb_recv(sock, &msg, sizeof(msg), &fd, &trunc)) > 0) {
		if (n == sizeof(msg) && msg == SB_MSG_LISTENER && fd >= 0 &&
		    *lfd < 0)
			*lfd = fd;
		else {
			if (fd >= 0)
				close(fd);
			if (n == sizeof(msg) && msg < 0 && rc == 0)
				rc = msg;
		}
		/* A listener we could not take (out of fds): the worker's
		 * denied calls would go unreported; fail its start. */
		if (trunc && rc == 0)
			rc = -EMFILE;
	}
	if (n == -1 && rc == 0)
		rc = -errno;
	if (rc < 0 && *lfd >= 0) {
		close(*lfd);
		*lfd = -1;
	}
	return rc;
}

/*
 * Drop to p->uid/p->gid when root: supplementary groups first (they would
 * otherwise survive), then the gid while we still may, then the uid.  A
 * non-root caller can only "drop" to what it already is.
 */
static int
sb_drop_ids(const struct sb_policy *p)
{
	if (p->uid == 0 && p->gid == 0)
		return 0;
	if (geteuid() != 0)
		return (p->uid == 0 || p->uid == getuid()) &&
		    (p->gid == 0 || p->gid == getgid()) ? 0 : -EPERM;
	if (setgroups(0, NULL) == -1)
		return -errno;
	if (p->gid != 0 && setresgid(p->gid, p->gid, p->gid) == -1)
		return -errno;
	if (p->uid != 0 && setresuid(p->uid, p->uid, p->uid) == -1)
		return -errno;
	return 0;
}

int
sb_exec_jail(const struct sb_policy *p, const struct sb_filter *f,
    int log_fd, const int *pass_fds, int npass, const struct sb_jail *j,
    int report)
{
	char *const noenv[] = { NULL };
	char *defargv[] = { (char *)p->path, NULL };
	int rc;

	/* Already a group leader is fine; a session leader cannot move. */
	if (setpgid(0, 0) == -1 && getpgrp() != getpid())
		return -errno;
	/* Into the worker's cgroup leaf before anything else: the fd was
	 * opened by the spawner, and sb_fds may reuse its number. */
	if (j != NULL && j->cgfd >= 0 && write(j->cgfd, "0", 1) != 1)
		return -errno;
	if ((rc = sb_fds(log_fd, pass_fds, npass)) < 0)
		return rc;
	/* Before cwd: the mounts may put a new file system under it. */
	if ((rc = sb_jail_enter(p, j)) < 0)
		return rc;
	if (p->cwd != NULL && chdir(p->cwd) == -1)
		return -errno;
	if ((rc = sb_rlimits(p)) < 0)
		return rc;
	if ((rc = sb_drop_ids(p)) < 0)
		return rc;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		return -errno;
	if (f != NULL && (rc = sb_seccomp(f, report)) < 0)
		return rc;
	execve(p->path, p->argv != NULL ? p->argv : defargv,
	    p->envp != NULL ? p->envp : noenv);
	return -errno;
}

int
sb_exec(const struct sb_policy *p, const struct sb_filter *f, int log_fd,
    const int *pass_fds, int npass)
{
	return sb_exec_jail(p, f, log_fd, pass_fds, npass, NULL, -1);
}
