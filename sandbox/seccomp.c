/*
 * seccomp: the worker's syscall policy, compiled once into classic BPF.
 *
 * libseccomp builds the filter from the tables below; the result is exported
 * as raw BPF into memory so that a forked child installs it with one prctl()
 * and never calls into libseccomp (which allocates) between fork and exec.
 *
 * The filter is installed before the worker's execve, so every profile must
 * let execve through: classic BPF keeps no state and cannot tell "the first
 * exec" from a later one, and filtering on the filename pointer is useless
 * (the pointer is the caller's to choose).  The DEFAULT profile therefore
 * allows execve but kills fork, vfork, clone without CLONE_THREAD and
 * returns ENOSYS for clone3 (whose flags live in memory BPF cannot read), so
 * a native handler may replace itself with another program, which inherits
 * the same filter and rlimits, but can never start a second process.  EXEC
 * adds process creation for script runtimes.
 *
 * What a denied call does.  KILL_PROCESS would be the obvious action, but
 * its victim's parent only sees SIGSYS, never which call it was, and the
 * log must name it.  So DEFAULT and EXEC end in SECCOMP_RET_USER_NOTIF
 * instead: sb_exec() installs the program with a listener
 * (SECCOMP_FILTER_FLAG_NEW_LISTENER) and hands it to its supervisor (the
 * spawner, or lambdad-sandbox), which reads the call's number from the
 * notification and SIGKILLs the worker's process group while the call is
 * still blocked: the call never runs.  Where no listener can be had (no
 * supervisor, or an ancestor's filter already has one: EBUSY), sb_exec()
 * turns every USER_NOTIF into KILL_PROCESS in its copy of the program,
 * which is the same policy, only unnamed.  The alternatives are worse:
 * SECCOMP_RET_TRAP raises a SIGSYS the worker may catch and survive (and
 * execve resets the handler we would need), and the kernel's audit log of
 * a KILL_PROCESS is not readable without privilege.  A listener whose
 * reader is gone makes the call fail with ENOSYS: still denied.
 *
 * Signals are restricted to the worker itself.  The worker's pid is not known
 * when the filter is compiled, so the rules compare against a placeholder
 * that sb_exec() patches with getpid() in its private copy of the program
 * (see sb_filter_patch).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sandbox.h"
#include "sb_int.h"

/* Everything a native handler (glibc, Go, aws-lambda-cpp, liblambda) uses. */
static const char *const sb_allow_default[] = {
	/* file descriptors and I/O */
	"read", "write", "readv", "writev", "pread64", "pwrite64", "preadv",
	"pwritev", "preadv2", "pwritev2", "lseek", "close", "close_range",
	"dup", "dup2", "dup3", "fcntl", "ioctl", "pipe", "pipe2", "sendfile",
	"splice", "tee", "copy_file_range", "flock", "fsync", "fdatasync",
	"sync_file_range", "fadvise64", "fallocate", "ftruncate", "truncate",
	"memfd_create", "eventfd", "eventfd2", "timerfd_create",
	"timerfd_settime", "timerfd_gettime", "signalfd", "signalfd4",
	/* the file system, within what the uid and the rlimits permit */
	"open", "openat", "openat2", "creat", "stat", "fstat", "lstat",
	"newfstatat", "statx", "statfs", "fstatfs", "access", "faccessat",
	"faccessat2", "readlink", "readlinkat", "getdents", "getdents64",
	"getcwd", "chdir", "fchdir", "mkdir", "mkdirat", "rmdir", "unlink",
	"unlinkat", "rename", "renameat", "renameat2", "link", "linkat",
	"symlink", "symlinkat", "chmod", "fchmod", "fchmodat", "utime",
	"utimes", "utimensat", "futimesat", "umask", "inotify_init",
	"inotify_init1", "inotify_add_watch", "inotify_rm_watch",
	/* polling */
	"poll", "ppoll", "select", "pselect6", "epoll_create",
	"epoll_create1", "epoll_ctl", "epoll_wait", "epoll_pwait",
	"epoll_pwait2",
	/* sockets (socket and socketpair themselves are argument-filtered) */
	"connect", "bind", "listen", "accept", "accept4", "getsockname",
	"getpeername", "setsockopt", "getsockopt", "sendto", "recvfrom",
	"sendmsg", "recvmsg", "sendmmsg", "recvmmsg", "shutdown",
	/* memory */
	"brk", "mmap", "munmap", "mprotect", "mremap", "madvise", "msync",
	"mincore", "membarrier", "pkey_alloc", "pkey_free", "pkey_mprotect",
	"get_mempolicy",
	/* threads, futexes, scheduling */
	"futex", "futex_waitv", "set_robust_list", "get_robust_list",
	"set_tid_address", "rseq", "arch_prctl", "prctl", "sched_yield",
	"sched_getaffinity", "sched_setaffinity", "sched_getparam",
	"sched_getscheduler", "sched_getattr", "sched_get_priority_max",
	"sched_get_priority_min", "getpriority", "exit", "exit_group",
	"restart_syscall",
	/* identity and limits, read-only (prlimit64 is filtered) */
	"getpid", "gettid", "getppid", "getuid", "geteuid", "getgid",
	"getegid", "getgroups", "getresuid", "getresgid", "getpgrp", "getpgid",
	"getsid", "getrlimit", "setrlimit", "getrusage", "times", "capget",
	"uname", "sysinfo", "getcpu",
	/* time */
	"clock_gettime", "clock_getres", "clock_nanosleep", "gettimeofday",
	"time", "nanosleep", "alarm", "setitimer", "getitimer",
	"timer_create", "timer_settime", "timer_gettime", "timer_getoverrun",
	"timer_delete",
	/* signals (those that name a target are filtered) */
	"rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "rt_sigpending",
	"rt_sigsuspend", "rt_sigtimedwait", "sigaltstack", "pause",
	/* misc */
	"getrandom", "execve", "execveat",
	NULL
};

/* Script runtimes start helpers and shells. */
static const char *const sb_allow_exec[] = {
	"fork", "vfork", "wait4", "waitid", "kill", "pidfd_open",
	NULL
};

/*
 * Calls that fail softly instead of killing: programs probe for them and
 * fall back (glibc from clone3 to clone, libuv from io_uring to epoll), or
 * use them in ways harmless to refuse (setsid would take a worker out of
 * the process group the spawner kills).
 */
struct sb_soft {
	const char	*name;
	int		 err;
};
static const struct sb_soft sb_soft[] = {
	{ "clone3", ENOSYS },
	{ "io_uring_setup", ENOSYS },
	{ "io_uring_enter", ENOSYS },
	{ "io_uring_register", ENOSYS },
	{ "setsid", EPERM },
	{ "setpgid", EPERM },
	{ "chown", EPERM },
	{ "fchown", EPERM },
	{ "lchown", EPERM },
	{ "fchownat", EPERM },
	{ NULL, 0 }
};

/*
 * Never allowed: DEFAULT and EXEC kill them (the default action), LOG logs
 * them.  No rule names them, as libseccomp refuses rules that repeat the
 * default action; sb_filter_check makes sure no allowlist ever does.
 */
static const char *const sb_deny[] = {
	"ptrace", "process_vm_readv", "process_vm_writev", "kcmp",
	"pidfd_getfd", "mount", "umount2", "pivot_root", "chroot",
	"mount_setattr", "move_mount", "open_tree", "fsopen", "fsconfig",
	"fsmount", "fspick", "unshare", "setns", "kexec_load",
	"kexec_file_load", "init_module", "finit_module", "delete_module",
	"bpf", "perf_event_open", "userfaultfd", "keyctl", "add_key",
	"request_key", "reboot", "swapon", "swapoff", "personality", "acct",
	"iopl", "ioperm", "syslog", "quotactl", "settimeofday",
	"clock_settime", "clock_adjtime", "adjtimex", "sethostname",
	"setdomainname", "open_by_handle_at", "name_to_handle_at",
	"fanotify_init", "setuid", "setgid", "setreuid", "setregid",
	"setresuid", "setresgid", "setfsuid", "setfsgid", "setgroups",
	"capset", "vhangup", "lookup_dcookie",
	NULL
};

struct sb_filter {
	struct sock_fprog prog;
	int		 nself;		/* placeholder sites, checked at build */
	int		 notify;	/* denied calls are USER_NOTIF (else
					   KILL_PROCESS, or LOG) */
};

static int
sb_rule(scmp_filter_ctx ctx, uint32_t action, const char *name,
    unsigned n, const struct scmp_arg_cmp *cmp)
{
	int nr;

	nr = seccomp_syscall_resolve_name(name);
	if (nr == __NR_SCMP_ERROR || nr < 0)
		return 0;	/* not a syscall on this architecture */
	return seccomp_rule_add_array(ctx, action, nr, n, cmp);
}

static int
sb_rules(scmp_filter_ctx ctx, uint32_t action, const char *const *names)
{
	int rc;

	for (; *names != NULL; names++)
		if ((rc = sb_rule(ctx, action, *names, 0, NULL)) < 0)
			return rc;
	return 0;
}

/* Compare the low 32 bits of argument arg, whatever the sign extension. */
#define SB_ARG32(arg, v) \
	((struct scmp_arg_cmp){ (arg), SCMP_CMP_MASKED_EQ, 0xffffffffU, \
	    (uint32_t)(v) })

/* Sockets: local and IP only, never raw or packet sockets. */
static int
sb_rules_socket(scmp_filter_ctx ctx)
{
	static const int ipfam[] = { AF_INET, AF_INET6 };
	static const int iptype[] = { SOCK_STREAM, SOCK_DGRAM };
	struct scmp_arg_cmp c[2];
	int rc;

	c[0] = SB_ARG32(0, AF_UNIX);
	if ((rc = sb_rule(ctx, SCMP_ACT_ALLOW, "socket", 1, c)) < 0 ||
	    (rc = sb_rule(ctx, SCMP_ACT_ALLOW, "socketpair", 1, c)) < 0)
		return rc;
	for (int i = 0; i < 2; i++)
		for (int j = 0; j < 2; j++) {
			/* The type carries SOCK_NONBLOCK|SOCK_CLOEXEC above 0xf. */
			c[0] = SB_ARG32(0, ipfam[i]);
			c[1] = (struct scmp_arg_cmp){ 1, SCMP_CMP_MASKED_EQ,
			    0xf, iptype[j] };
			if ((rc = sb_rule(ctx, SCMP_ACT_ALLOW, "socket", 2,
			    c)) < 0)
				return rc;
		}
	/* glibc's getaddrinfo asks netlink for interfaces; it copes. */
	c[0] = SB_ARG32(0, AF_NETLINK);
	return sb_rule(ctx, SCMP_ACT_ERRNO(EAFNOSUPPORT), "socket", 1, c);
}

/* Threads only: CLONE_THREAD shares the thread group, not a new process. */
static int
sb_rules_clone(scmp_filter_ctx ctx, int any)
{
	struct scmp_arg_cmp c;

	if (any)
		return sb_rule(ctx, SCMP_ACT_ALLOW, "clone", 0, NULL);
	c = (struct scmp_arg_cmp){ 0, SCMP_CMP_MASKED_EQ, CLONE_THREAD,
	    CLONE_THREAD };
	return sb_rule(ctx, SCMP_ACT_ALLOW, "clone", 1, &c);
}

/* Signals to the worker itself (its pid, 0 = its own group, -pid). */
static int
sb_rules_signal(scmp_filter_ctx ctx, int any)
{
	static const char *const bypid[] = { "tgkill", "rt_sigqueueinfo",
	    "rt_tgsigqueueinfo", NULL };
	static const uint32_t killpid[] = { SB_SELF_PID, 0, SB_SELF_NEG };
	struct scmp_arg_cmp c;
	int rc;

	c = SB_ARG32(0, SB_SELF_PID);
	for (int i = 0; bypid[i] != NULL; i++)
		if ((rc = sb_rule(ctx, SCMP_ACT_ALLOW, bypid[i], 1, &c)) < 0)
			return rc;
	if (any)	/* EXEC: "kill" is on its allowlist */
		return 0;
	for (int i = 0; i < 3; i++) {
		c = SB_ARG32(0, killpid[i]);
		if ((rc = sb_rule(ctx, SCMP_ACT_ALLOW, "kill", 1, &c)) < 0)
			return rc;
	}
	return 0;
}

static int
sb_rules_profile(scmp_filter_ctx ctx, enum sb_seccomp profile)
{
	int exec = profile == SB_SECCOMP_EXEC;
	struct scmp_arg_cmp c = SB_ARG32(0, 0);
	int rc;

	if ((rc = sb_rules(ctx, SCMP_ACT_ALLOW, sb_allow_default)) < 0 ||
	    (exec && (rc = sb_rules(ctx, SCMP_ACT_ALLOW, sb_allow_exec)) < 0) ||
	    (rc = sb_rules_socket(ctx)) < 0 ||
	    (rc = sb_rules_clone(ctx, exec)) < 0 ||
	    (rc = sb_rules_signal(ctx, exec)) < 0 ||
	    (rc = sb_rule(ctx, SCMP_ACT_ALLOW, "prlimit64", 1, &c)) < 0)
		return rc;
	for (int i = 0; sb_soft[i].name != NULL; i++)
		if ((rc = sb_rule(ctx, SCMP_ACT_ERRNO(sb_soft[i].err),
		    sb_soft[i].name, 0, NULL)) < 0)
			return rc;
	return 0;
}

static int
sb_listed(const char *const *list, const char *name)
{
	for (; *list != NULL; list++)
		if (strcmp(*list, name) == 0)
			return 1;
	return 0;
}

/* The deny list and the allowlists must stay disjoint. */
static int
sb_filter_check(void)
{
	for (int i = 0; sb_deny[i] != NULL; i++)
		if (sb_listed(sb_allow_default, sb_deny[i]) ||
		    sb_listed(sb_allow_exec, sb_deny[i]))
			return -EINVAL;
	return 0;
}

/* libseccomp 2.5 exports only to an fd: go through a memfd. */
static int
sb_filter_export(scmp_filter_ctx ctx, struct sb_filter *f)
{
	struct stat st;
	ssize_t n;
	int fd, rc;

	if ((fd = memfd_create("sb_filter", MFD_CLOEXEC)) == -1)
		return -errno;
	if ((rc = seccomp_export_bpf(ctx, fd)) < 0)
		goto out;
	if (fstat(fd, &st) == -1) {
		rc = -errno;
		goto out;
	}
	rc = -EINVAL;
	if (st.st_size <= 0 || st.st_size % sizeof(struct sock_filter) != 0 ||
	    st.st_size / sizeof(struct sock_filter) > BPF_MAXINSNS)
		goto out;
	rc = -ENOMEM;
	if ((f->prog.filter = malloc(st.st_size)) == NULL)
		goto out;
	f->prog.len = st.st_size / sizeof(struct sock_filter);
	n = pread(fd, f->prog.filter, st.st_size, 0);
	rc = n == st.st_size ? 0 : (n == -1 ? -errno : -EIO);
out:
	close(fd);
	return rc;
}

/* Build and export profile with def as the action for the calls it denies. */
static int
sb_filter_build(enum sb_seccomp profile, uint32_t def, struct sb_filter *f)
{
	scmp_filter_ctx ctx;
	int rc;

	if ((ctx = seccomp_init(def)) == NULL)
		return -EINVAL;	/* an action this libseccomp or kernel lacks */
	/* sb_exec sets NO_NEW_PRIVS itself, in its documented place. */
	rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	/* A call of another ABI (int 0x80 on x86-64) is denied the same way;
	 * libseccomp would otherwise only kill the calling thread. */
	if (rc == 0 && def != SCMP_ACT_LOG)
		rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, def);
	if (rc == 0)
		rc = sb_rules_profile(ctx, profile);
	if (rc == 0)
		rc = sb_filter_export(ctx, f);
	seccomp_release(ctx);
	return rc;
}

int
sb_filter_new(enum sb_seccomp profile, struct sb_filter **out)
{
	struct sb_filter *f;
	uint32_t def;
	int rc;

	*out = NULL;
	switch (profile) {
	case SB_SECCOMP_NONE:
		return 0;
	case SB_SECCOMP_LOG:
		def = SCMP_ACT_LOG;
		break;
	case SB_SECCOMP_DEFAULT:
	case SB_SECCOMP_EXEC:
		def = SCMP_ACT_NOTIFY;
		break;
	default:
		return -EINVAL;
	}
	if ((rc = sb_filter_check()) < 0)
		return rc;
	if ((f = calloc(1, sizeof(*f))) == NULL)
		return -ENOMEM;
	f->notify = def == SCMP_ACT_NOTIFY;
	rc = sb_filter_build(profile, def, f);
	if (rc < 0 && f->notify) {	/* a kernel without USER_NOTIF */
		free(f->prog.filter);
		f->prog.filter = NULL;
		f->notify = 0;
		rc = sb_filter_build(profile, SCMP_ACT_KILL_PROCESS, f);
	}
	if (rc == 0 && (f->nself = sb_filter_patch(f->prog.filter,
	    f->prog.len, SB_SELF_PID, SB_SELF_NEG, 0)) < 1)
		rc = -EINVAL;	/* no placeholder survived export (libseccomp
				   shares identical blocks, so count >= 1) */
	if (rc < 0) {
		sb_filter_free(f);
		return rc;
	}
	*out = f;
	return 0;
}

void
sb_filter_free(struct sb_filter *f)
{
	if (f == NULL)
		return;
	free(f->prog.filter);
	free(f);
}

const struct sock_fprog *
sb_filter_prog(const struct sb_filter *f)
{
	return &f->prog;
}

int
sb_filter_notifies(const struct sb_filter *f)
{
	return f != NULL && f->notify;
}

/*
 * For a process that cannot have a listener: every "ret USER_NOTIF" (also
 * with data bits, though we set none) becomes "ret KILL_PROCESS".  Returns
 * how many were changed.  Async-signal-safe.
 */
int
sb_filter_patch_kill(struct sock_filter *insn, unsigned len)
{
	int n = 0;

	for (unsigned i = 0; i < len; i++)
		if (insn[i].code == (BPF_RET | BPF_K) &&
		    (insn[i].k & SECCOMP_RET_ACTION_FULL) ==
		    SECCOMP_RET_USER_NOTIF) {
			insn[i].k = SECCOMP_RET_KILL_PROCESS;
			n++;
		}
	return n;
}

/*
 * Replace the self-pid placeholders in a copy of the program: in every
 * "jeq #k" whose k is SB_SELF_PID or SB_SELF_NEG.  With pid == 0 it only
 * counts them.  Async-signal-safe.
 */
int
sb_filter_patch(struct sock_filter *insn, unsigned len, uint32_t self,
    uint32_t self_neg, pid_t pid)
{
	int n = 0;

	for (unsigned i = 0; i < len; i++) {
		if (insn[i].code != (BPF_JMP | BPF_JEQ | BPF_K))
			continue;
		if (insn[i].k == self) {
			if (pid > 0)
				insn[i].k = (uint32_t)pid;
			n++;
		} else if (insn[i].k == self_neg) {
			if (pid > 0)
				insn[i].k = (uint32_t)-pid;
			n++;
		}
	}
	return n;
}

/* Names are resolved once and kept: callers may hold the pointer. */
#define SB_NAMES	1024
static char *sb_names[SB_NAMES];
static unsigned char sb_names_done[SB_NAMES];

const char *
sb_syscall_name(int nr)
{
	if (nr < 0 || nr >= SB_NAMES)
		return NULL;
	if (!sb_names_done[nr]) {
		sb_names[nr] = seccomp_syscall_resolve_num_arch(
		    SCMP_ARCH_NATIVE, nr);
		sb_names_done[nr] = 1;
	}
	return sb_names[nr];
}

/*
 * One notification from a listener: the denied call's number, and whether
 * it came from another ABI than ours (then nr is that ABI's number).
 * libseccomp's helpers ask the kernel for the structure's size rather than
 * trusting our headers'.  0, or -errno (ENOENT: the caller died meanwhile).
 */
int
sb_notify_recv(int lfd, int *nr, int *foreign)
{
	struct seccomp_notif *req;
	struct seccomp_notif_resp *resp;
	int rc;

	if ((rc = seccomp_notify_alloc(&req, &resp)) < 0)
		return rc == -ECANCELED ? -errno : rc;
	if ((rc = seccomp_notify_receive(lfd, req)) == 0) {
		*nr = req->data.nr;
		*foreign = req->data.arch != seccomp_arch_native();
	} else if (rc == -ECANCELED)
		rc = errno != 0 ? -errno : -EIO;
	seccomp_notify_free(req, resp);
	return rc;
}
