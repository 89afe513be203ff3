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

/* The namespaces of one spawn, decided by the parent before clone. */
struct sb_jail {
	unsigned	 ns;		/* SB_NS_* granted */
	int		 flags;		/* CLONE_NEW* for the clone */
	int		 netfd;		/* a netns to join, or -1 */
	uid_t		 uid;		/* the parent's, for a user ns map */
	gid_t		 gid;
};

pid_t	sb_clone(int flags);
int	sb_jail_prepare(const struct sb_policy *p, unsigned avail, int netfd,
	    struct sb_jail *j);
int	sb_jail_enter(const struct sb_policy *p, const struct sb_jail *j);
int	sb_loopback_up(void);
int	sb_exec_jail(const struct sb_policy *p, const struct sb_filter *f,
	    int log_fd, const int *pass_fds, int npass, const struct sb_jail *j);

#endif
