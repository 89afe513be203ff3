/*
 * sandbox: how lambdad starts a worker, and the privilege-separated spawner
 * process that does it.
 *
 * The spawner is forked by lambdad at start-up, while the daemon is still
 * small and (when started as root) still privileged.  It runs a blocking
 * loop over a SOCK_SEQPACKET socketpair: fixed-size spawn and kill requests
 * in, fixed-size replies out, file descriptors carried with SCM_RIGHTS.
 * Forking from this tiny process keeps cold starts cheap, whatever the
 * gateway's own size.  The spawner reaps its children and reports every
 * exit; when its control socket closes it kills every worker and exits.
 *
 * A worker child, between fork and exec, in this order (async-signal-safe
 * calls only): own process group; the log pipe on stdout and stderr, stdin
 * from /dev/null; every other fd closed except those passed to it (which
 * become fd 3, 4, ...); the namespaces' inside (see below); cwd; rlimits;
 * the uid/gid drop; PR_SET_NO_NEW_PRIVS; the seccomp
 * filter (built once in the spawner, installed as precompiled BPF, whose
 * listener goes back to the spawner so that a worker killed for a denied
 * call is reported with the call's name: see seccomp.c); execve
 * with exactly the environment given.  If any step fails the child writes
 * -errno to a CLOEXEC pipe and _exit(127)s, so the spawn reply carries the
 * real cause (ENOENT for a missing bootstrap, ...).
 *
 * Namespaces (opt-in, struct sb_policy.ns) are made by the clone() that
 * creates the worker, so that the worker is pid 1 of its own pid namespace
 * and everything it forks dies with it.  Inside, before cwd: a user
 * namespace's uid/gid map (unprivileged only), the mount namespace's
 * read-only root with a private size-limited tmpfs /tmp and the hide
 * directories covered, loopback up in a new network namespace.  A layer the kernel refuses is dropped (and
 * reported once by sb_probe_layers) unless ns_required is set.
 *
 * lambdad-sandbox(1) runs the same code on a command line.
 */
#ifndef LAMBDAD_SANDBOX_H
#define LAMBDAD_SANDBOX_H

#include <stdint.h>
#include <sys/types.h>

enum sb_seccomp {
	SB_SECCOMP_DEFAULT,	/* native handlers: no exec, no fork, no ptrace... */
	SB_SECCOMP_EXEC,	/* script runtimes: also execve and fork/clone */
	SB_SECCOMP_LOG,		/* allow everything, log what DEFAULT would kill */
	SB_SECCOMP_NONE,	/* no filter at all (benchmarks, debugging) */
};

struct sb_policy {
	const char	*path;		/* executable */
	char *const	*argv;		/* NULL-terminated; NULL = { path, NULL } */
	char *const	*envp;		/* NULL-terminated, used as is */
	const char	*cwd;		/* NULL = leave as is */
	unsigned	 memory_mb;	/* RLIMIT_DATA; 0 = no limit */
	unsigned	 nofile;	/* RLIMIT_NOFILE; 0 = 1024 */
	unsigned	 nproc;		/* RLIMIT_NPROC; 0 = no limit */
	unsigned	 fsize_mb;	/* RLIMIT_FSIZE; 0 = no limit */
	unsigned	 cpu_s;		/* RLIMIT_CPU (a backstop); 0 = no limit */
	enum sb_seccomp	 seccomp;
	/* The jail's further layers; all 0 = none of them. */
	unsigned	 ns;		/* SB_NS_* */
	int		 ns_required;	/* 1: a refused layer fails the spawn */
	uint64_t	 netns_key;	/* SB_NS_NET: 0 = a new netns per worker;
					   else join the spawner's netns for
					   this key (made on first use) */
	unsigned	 tmp_mb;	/* SB_NS_MOUNT: /tmp tmpfs size; 0 = 64 */
	const char	*rw_dir;	/* SB_NS_MOUNT: stays writable; NULL = none */
	const char	*opt_dir;	/* SB_NS_MOUNT: bound read-only on /opt
					   (a function's layers); NULL = none */
	char *const	*hide;		/* SB_NS_MOUNT: NULL-terminated directories
					   covered by an empty read-only tmpfs
					   (other functions'); NULL = none */
	uid_t		 uid;		/* when root: drop to uid/gid; 0 = no drop */
	gid_t		 gid;
	/* cgroup v2, where sb_cgroup_init() found a delegated subtree: */
	const char	*cgroup;	/* the function's name: the worker gets a
					   leaf under fn-NAME; NULL = none */
	unsigned	 pids;		/* pids.max; 0 = max */
	unsigned	 cpu_pct;	/* cpu.max, % of one CPU; 0 = max */
};

/* Namespaces.  SB_NS_USER is only used when not root (it maps the uid). */
#define SB_NS_USER	0x1
#define SB_NS_PID	0x2	/* the worker is pid 1; /proc shows only it */
#define SB_NS_MOUNT	0x4	/* / read-only, private tmpfs on /tmp */
#define SB_NS_NET	0x8	/* loopback only */
#define SB_NS_ALL	0xf

/*
 * Try each layer in a throw-away child: returns the SB_NS_* mask that works
 * here, and writes one line per layer ("pid: ok", "net: EPERM ...") into
 * report (may be NULL).  For the daemon to log once at start-up.
 */
unsigned sb_probe_layers(char *report, size_t n);

/* A compiled seccomp program, made once and installed in many children. */
struct sb_filter;
/* 0 and *out, or -errno.  SB_SECCOMP_NONE gives *out = NULL. */
int	sb_filter_new(enum sb_seccomp profile, struct sb_filter **out);
void	sb_filter_free(struct sb_filter *f);	/* NULL-safe */
/* Name of syscall nr on this architecture ("ptrace"), or NULL. */
const char *sb_syscall_name(int nr);

/*
 * Apply p in the current process and execve.  log_fd (if >= 0) becomes
 * stdout and stderr; pass_fds become 3, 4, ...  Only returns on failure,
 * with -errno.  Async-signal-safe when f was built beforehand.
 */
int	sb_exec(const struct sb_policy *p, const struct sb_filter *f,
	    int log_fd, const int *pass_fds, int npass);

/*
 * lambdad-sandbox's entry: start a child (in its namespaces, if any) that
 * runs sb_exec(), supervise it, and return its wait status (>= 0).  When
 * the seccomp filter killed it, *sys_nr is the denied call (else -1;
 * *sys_foreign as in struct sb_reply) and the status says SIGSYS.  INT,
 * TERM, HUP and QUIT are passed on to the child's process group.  With no
 * namespaces and a filter that cannot name calls (or none), there is
 * nothing to supervise: it just sb_exec()s here.  -errno on failure; the
 * child's own failure is exit 127.
 */
int	sb_run(const struct sb_policy *p, const struct sb_filter *f,
	    int *sys_nr, int *sys_foreign);

/* ---- The spawner, as seen from the gateway. ---- */

#define SB_MAX_PASS_FDS	4

enum sb_reply_type {
	SB_SPAWNED = 1,		/* answer to a spawn request */
	SB_EXITED = 2,		/* a worker's process ended */
	SB_LISTENING = 3,	/* answer to sb_spawner_listen */
};

struct sb_reply {
	enum sb_reply_type type;
	uint64_t	 tag;		/* the spawn request's tag */
	pid_t		 pid;		/* 0 when err != 0 */
	int		 err;		/* SB_SPAWNED: 0 or -errno (then no SB_EXITED follows) */
	int		 status;	/* SB_EXITED: wait status */
	int		 fd;		/* SB_LISTENING: the listener; SB_SPAWNED:
					   the worker's cgroup memory.peak, or
					   -1; the receiver owns it */
	int		 port;		/* SB_LISTENING: its port */
	int		 sys_nr;	/* SB_EXITED: the syscall the seccomp
					   filter killed it for (status then
					   says SIGSYS), or -1 */
	int		 sys_foreign;	/* 1: sys_nr is another ABI's number
					   (int 0x80 on x86-64), no name */
};

/*
 * Fork the spawner.  *ctl_fd is the gateway's end (CLOEXEC, blocking; the
 * caller may make it non-blocking).  0 or -errno.
 */
int	sb_spawner_start(int *ctl_fd, pid_t *pid);

/*
 * Ask for a worker.  log_fd (the write end of the worker's log pipe) and
 * pass_fds are sent with the request; the caller still owns and should then
 * close its copies.  The reply comes later as SB_SPAWNED with the same tag.
 * 0, -E2BIG (strings over the fixed message size), or -errno.
 */
int	sb_spawner_spawn(int ctl_fd, uint64_t tag, const struct sb_policy *p,
	    int log_fd, const int *pass_fds, int npass);

/*
 * Ask for a TCP listener on 127.0.0.1:0 inside the network namespace of
 * netns_key (made on first use, loopback up; key 0 = the spawner's own),
 * for a worker spawned later with the same key to reach its Runtime API
 * there.  The reply is SB_LISTENING with the same tag, carrying the
 * listening fd (non-blocking, CLOEXEC) and its port.  0 or -errno.
 */
int	sb_spawner_listen(int ctl_fd, uint64_t tag, uint64_t netns_key);

/* Forget the netns of a key (a removed function): the spawner closes its
 * handle; it disappears with its last worker and listener.  0 or -errno. */
int	sb_spawner_netns_drop(int ctl_fd, uint64_t netns_key);

/*
 * From now on, refuse to start a worker as root (uid or gid 0) when the
 * spawner runs as root: -EPERM in its SB_SPAWNED.  There is no way back.
 * For a gateway about to drop its privileges, so that the gateway, which
 * parses untrusted input, cannot get code run as root through the
 * spawner even if it is taken over.  0 or -errno.
 */
int	sb_spawner_lock(int ctl_fd);

/* Send sig to the worker's whole process group.  0 or -errno. */
int	sb_spawner_kill(int ctl_fd, pid_t pid, int sig);

/* Read one reply.  0, -EAGAIN (none yet, non-blocking fd), -EPIPE (the
 * spawner is gone), or -errno. */
int	sb_spawner_recv(int ctl_fd, struct sb_reply *r);

#endif
