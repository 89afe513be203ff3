/*
 * sb_int: what the sandbox's own files share and nobody else needs: the
 * compiled program inside a struct sb_filter, and the placeholder pids that
 * sb_exec() replaces with the worker's own before installing it; and the
 * namespace steps (jail.c) that the spawner and lambdad-sandbox share.
 */
#ifndef LAMBDAD_SB_INT_H
#define LAMBDAD_SB_INT_H

#include <linux/filter.h>
#include <stdint.h>
#include <sys/types.h>

#include "sandbox.h"

/* Above PID_MAX_LIMIT (2^22), so never a real pid; and its negation. */
#define SB_SELF_PID	0x7ffffff0U
#define SB_SELF_NEG	((uint32_t)-(int32_t)SB_SELF_PID)

const struct sock_fprog *sb_filter_prog(const struct sb_filter *f);
int	sb_filter_patch(struct sock_filter *insn, unsigned len, uint32_t self,
	    uint32_t self_neg, pid_t pid);
/* 1 if f's denied calls notify a listener (see seccomp.c), else 0. */
int	sb_filter_notifies(const struct sb_filter *f);
/* Denied calls kill instead of notifying, in a copy of the program. */
int	sb_filter_patch_kill(struct sock_filter *insn, unsigned len);
/* Read one notification: the denied call's number.  0 or -errno. */
int	sb_notify_recv(int lfd, int *nr, int *foreign);

/*
 * The report socket between a starting child and its supervisor, a
 * SOCK_SEQPACKET pair whose child end is CLOEXEC: the child sends
 * SB_MSG_LISTENER with its seccomp listener attached, and then either
 * nothing (execve closed the socket: EOF) or -errno when a step failed.
 */
#define SB_MSG_LISTENER	1
/* Child side; async-signal-safe.  0 or -errno. */
int	sb_report_listener(int sock, int lfd);
/*
 * Supervisor side: read to EOF.  0 (exec'd) or the child's -errno, or
 * -EMFILE when the listener could not be received; *lfd gets the listener
 * (CLOEXEC) or -1.
 */
int	sb_report_read(int sock, int *lfd);

/* The namespaces of one spawn, decided by the parent before clone. */
struct sb_jail {
	unsigned	 ns;		/* SB_NS_* granted */
	int		 flags;		/* CLONE_NEW* for the clone */
	int		 netfd;		/* a netns to join, or -1 */
	int		 cgfd;		/* a cgroup.procs to join first, or -1 */
	uid_t		 uid;		/* the parent's, for a user ns map */
	gid_t		 gid;
};

pid_t	sb_clone(int flags);
int	sb_jail_prepare(const struct sb_policy *p, unsigned avail, int netfd,
	    struct sb_jail *j);
int	sb_jail_enter(const struct sb_policy *p, const struct sb_jail *j);
int	sb_loopback_up(void);
/* sb_exec() with namespaces j, and report (-1: none) the socket that
 * the seccomp listener goes to (without one, denied calls kill). */
int	sb_exec_jail(const struct sb_policy *p, const struct sb_filter *f,
	    int log_fd, const int *pass_fds, int npass, const struct sb_jail *j,
	    int report);

#endif
