/*
 * spawner: the small process that forks every worker (the gateway's side
 * of its socket is client.c).
 *
 * lambdad forks the spawner once at start-up.  From then on the spawner
 * runs a blocking loop over one SOCK_SEQPACKET socket: fixed-size spawn and
 * kill requests come in (a spawn carries the log pipe and the passed fds
 * with SCM_RIGHTS), SB_SPAWNED and SB_EXITED replies go out.  The seccomp
 * programs are compiled before the fork, so a spawn costs one fork of this
 * tiny process plus the child's few syscalls.
 *
 * Lifetime.  The spawner ignores SIGINT, SIGTERM, SIGHUP and SIGQUIT: a ^C
 * on the terminal reaches the whole foreground process group, and the
 * spawner must outlive the gateway's orderly shutdown, which ends it by
 * closing the socket (then every worker's group gets SIGKILL and is reaped).
 * We do not setsid() instead, so that the spawner stays visibly in the
 * daemon's job.  PR_SET_PDEATHSIG covers a gateway that dies without
 * closing anything, and each worker gets the same against the spawner.
 *
 * The gateway may only signal workers the spawner started and has not yet
 * reaped: when lambdad runs as root the spawner keeps its privilege, and
 * must not become a way to signal arbitrary pids.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "sandbox.h"
#include "sb_int.h"
#include "sb_msg.h"

/* ---- The spawner process. ---- */

struct sb_kid {
	pid_t		 pid;
	uint64_t	 tag;
	int		 lfd;		/* its seccomp listener, or -1 */
	int		 sys_nr;	/* the call the filter denied, or -1 */
	int		 sys_foreign;
	char		 cgleaf[SB_CG_LEAF_MAX];	/* its leaf, or "" */
};

/* A network namespace kept for a key (a function), to join per worker. */
struct sb_netns {
	uint64_t	 key;
	int		 fd;
};

struct sb_spawner {
	int		 ctl;
	int		 sigfd;
	int		 hostns;	/* our own netns, to come back to */
	int		 locked;	/* sb_spawner_lock: no root workers */
	unsigned	 avail;		/* SB_NS_* this kernel allows */
	pid_t		 self;
	struct sb_netns	*netns;
	size_t		 nnetns, capnetns;
	struct sb_filter *filter[SB_SECCOMP_NONE + 1];	/* NONE: NULL */
	struct sb_kid	*kids;
	size_t		 nkids, capkids;
	char		*vstack;	/* the vfork-style child's stack */
	union sb_req	 req;
};

#define SB_VSTACK_SIZE	(256 * 1024)

/* What a vfork-style child needs; it lives on the spawner's stack, which
 * the child does not touch (it runs on s->vstack). */
struct sb_vchild {
	struct sb_spawner *s;
	const struct sb_policy *p;
	int		 log_fd;
	const int	*pass;
	int		 npass;
	int		 errfd;
	struct sb_jail	*j;
};

static void sb_spawner_exit(struct sb_spawner *) __attribute__((noreturn));

static void
sb_reply_fd(struct sb_spawner *s, const struct sb_reply *r, int fd)
{
	/* A gateway that is gone gets the same treatment as a closed socket. */
	if (sb_send(s->ctl, r, sizeof(*r), &fd, fd >= 0 ? 1 : 0) == -EPIPE)
		sb_spawner_exit(s);
}

static void
sb_reply(struct sb_spawner *s, struct sb_reply *r)
{
	r->fd = -1;
	sb_reply_fd(s, r, -1);
}

static struct sb_kid *
sb_kid_find(struct sb_spawner *s, pid_t pid)
{
	for (size_t i = 0; i < s->nkids; i++)
		if (s->kids[i].pid == pid)
			return &s->kids[i];
	return NULL;
}

static int
sb_kid_add(struct sb_spawner *s, pid_t pid, uint64_t tag, int lfd,
    const char *cgleaf)
{
	struct sb_kid *k;

	if (s->nkids == s->capkids) {
		size_t cap = s->capkids ? s->capkids * 2 : 64;

		if ((k = reallocarray(s->kids, cap, sizeof(*k))) == NULL)
			return -ENOMEM;
		s->kids = k;
		s->capkids = cap;
	}
	s->kids[s->nkids] = (struct sb_kid){ pid, tag, lfd, -1, 0, "" };
	memcpy(s->kids[s->nkids++].cgleaf, cgleaf, SB_CG_LEAF_MAX);
	return 0;
}

/* Ending: kill every worker's group, reap our children, go. */
static void
sb_spawner_exit(struct sb_spawner *s)
{
	for (size_t i = 0; i < s->nkids; i++) {
		kill(-s->kids[i].pid, SIGKILL);
		kill(s->kids[i].pid, SIGKILL);
	}
	while (waitpid(-1, NULL, 0) > 0 || errno == EINTR)
		;
	for (size_t i = 0; i < s->nkids; i++)
		sb_cgroup_release(s->kids[i].cgleaf);
	_exit(0);
}

static void
sb_reap(struct sb_spawner *s)
{
	struct signalfd_siginfo si;
	struct sb_reply r;
	struct sb_kid *k;
	pid_t pid;
	int st;

	while (read(s->sigfd, &si, sizeof(si)) == sizeof(si))
		;
	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		if ((k = sb_kid_find(s, pid)) == NULL)
			continue;
		/*
		 * What the worker forked dies with it: they share its process
		 * group, which they cannot leave (setsid and setpgid are
		 * denied by every seccomp profile).  The group's id cannot be
		 * reused while any member lives.
		 */
		kill(-pid, SIGKILL);
		if (k->lfd >= 0)
			close(k->lfd);
		sb_cgroup_release(k->cgleaf);
		memset(&r, 0, sizeof(r));
		r.type = SB_EXITED;
		r.tag = k->tag;
		r.pid = pid;
		r.status = st;
		r.fd = -1;
		r.sys_nr = k->sys_nr;
		r.sys_foreign = k->sys_foreign;
		/* Killed for it: the wait status of a death by SIGSYS, as the
		 * kernel's KILL_PROCESS would have left. */
		if (k->sys_nr >= 0 && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL)
			r.status = SIGSYS;
		*k = s->kids[--s->nkids];
		sb_reply(s, &r);
	}
}

/*
 * Split the string area into path, cwd, rw_dir, opt_dir, argv, envp and
 * hide.
 * Returns a malloc'd array holding argv, NULL, envp, NULL, hide, NULL, or
 * NULL on a malformed request.
 */
static char **
sb_unpack(struct sb_req_spawn *q, struct sb_policy *p)
{
	size_t nfix = 1 + q->has_cwd + q->has_rw_dir + q->has_opt_dir;
	size_t want = nfix + q->argc + q->envc + q->hidec;
	size_t got = 0, j;
	char **v, *s = q->str, *end = q->str + q->used;

	if (q->used == 0 || q->used > SB_STR_AREA || end[-1] != '\0' ||
	    q->has_cwd > 1 || q->has_rw_dir > 1 || q->has_opt_dir > 1 ||
	    q->argc > SB_STR_AREA || q->envc > SB_STR_AREA ||
	    q->hidec > SB_STR_AREA || want > SB_STR_AREA ||
	    (v = calloc(q->argc + q->envc + q->hidec + 3, sizeof(*v))) == NULL)
		return NULL;
	for (; s < end && got < want; got++, s += strlen(s) + 1) {
		if (got == 0)
			p->path = s;
		else if (q->has_cwd && got == 1)
			p->cwd = s;
		else if (q->has_rw_dir && got == 1 + q->has_cwd)
			p->rw_dir = s;
		else if (q->has_opt_dir && got == nfix - 1)
			p->opt_dir = s;
		else if ((j = got - nfix) < q->argc)
			v[j] = s;
		else if (j < q->argc + q->envc)
			v[j + 1] = s;	/* skip argv's NULL */
		else
			v[j + 2] = s;	/* and envp's */
	}
	if (got != want || s != end) {
		free(v);
		return NULL;
	}
	p->argv = q->has_argv ? v : NULL;
	p->envp = v + q->argc + 1;
	p->hide = q->hidec > 0 ? v + q->argc + q->envc + 2 : NULL;
	return v;
}

/*
 * A new network namespace with loopback up, kept open by fd: the spawner
 * steps into it with unshare and back out with setns to its own, so the
 * namespace outlives the step only through the fd.  Needs CAP_SYS_ADMIN.
 */
static int
sb_netns_make(struct sb_spawner *s, int *fd)
{
	int rc = 0;

	if (s->hostns < 0)
		return -ENOTSUP;
	if (unshare(CLONE_NEWNET) == -1)
		return -errno;
	if ((rc = sb_loopback_up()) == 0 &&
	    (*fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC)) == -1)
		rc = -errno;
	if (setns(s->hostns, CLONE_NEWNET) == -1) {
		/* Stranded in the new namespace: no later spawn is right. */
		perror("lambdad spawner: setns back");
		sb_spawner_exit(s);
	}
	if (rc < 0 && *fd >= 0)
		close(*fd);
	return rc;
}

/* The netns of key, made on first use. */
static int
sb_netns_get(struct sb_spawner *s, uint64_t key, int *fd)
{
	struct sb_netns *n;
	int rc;

	for (size_t i = 0; i < s->nnetns; i++)
		if (s->netns[i].key == key) {
			*fd = s->netns[i].fd;
			return 0;
		}
	if (s->nnetns == s->capnetns) {
		size_t cap = s->capnetns ? s->capnetns * 2 : 16;

		if ((n = reallocarray(s->netns, cap, sizeof(*n))) == NULL)
			return -ENOMEM;
		s->netns = n;
		s->capnetns = cap;
	}
	*fd = -1;
	if ((rc = sb_netns_make(s, fd)) < 0)
		return rc;
	s->netns[s->nnetns++] = (struct sb_netns){ key, *fd };
	return 0;
}

static void
sb_do_netns_drop(struct sb_spawner *s)
{
	for (size_t i = 0; i < s->nnetns; i++)
		if (s->netns[i].key == s->req.net.key) {
			close(s->netns[i].fd);
			s->netns[i] = s->netns[--s->nnetns];
			return;
		}
}

/* socket, bind 127.0.0.1:0, listen; in whatever netns we are in now. */
static int
sb_listen_here(int *fd, int *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
	    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);

	*fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (*fd == -1)
		return -errno;
	if (bind(*fd, (struct sockaddr *)&a, sizeof(a)) == -1 ||
	    listen(*fd, 128) == -1 ||
	    getsockname(*fd, (struct sockaddr *)&a, &len) == -1) {
		int rc = -errno;

		close(*fd);
		*fd = -1;
		return rc;
	}
	*port = ntohs(a.sin_port);
	return 0;
}

static void
sb_do_listen(struct sb_spawner *s)
{
	struct sb_reply r;
	int nsfd = -1, fd = -1;

	memset(&r, 0, sizeof(r));
	r.type = SB_LISTENING;
	r.tag = s->req.net.tag;
	if (s->req.net.key != 0 &&
	    (r.err = sb_netns_get(s, s->req.net.key, &nsfd)) < 0)
		goto out;
	if (nsfd >= 0 && setns(nsfd, CLONE_NEWNET) == -1) {
		r.err = -errno;
		goto out;
	}
	r.err = sb_listen_here(&fd, &r.port);
	if (nsfd >= 0 && setns(s->hostns, CLONE_NEWNET) == -1) {
		perror("lambdad spawner: setns back");
		sb_spawner_exit(s);
	}
out:
	r.fd = fd;
	sb_reply_fd(s, &r, fd);
	if (fd >= 0)
		close(fd);
}

/* Between fork and exec: only async-signal-safe calls from here on. */
static void
sb_child(const struct sb_spawner *s, const struct sb_policy *p, int log_fd,
    const int *pass, int npass, int errfd, const struct sb_jail *jail)
{
	struct sb_jail j = *jail;
	struct sigaction sa;
	sigset_t none;
	int rc, efd;

	/* Ignored signals stay ignored across execve; the mask stays too. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	for (int sig = 1; sig < NSIG; sig++)
		(void)sigaction(sig, &sa, NULL);
	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
	/* In a new pid namespace the parent is outside: getppid() is 0. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) == -1 ||
	    getppid() != ((j.flags & CLONE_NEWPID) ? 0 : s->self))
		_exit(127);
	/* Out of the range sb_exec lays fds out in, or dup2 would take them. */
	if ((efd = fcntl(errfd, F_DUPFD_CLOEXEC, 3 + SB_MAX_PASS_FDS)) == -1 ||
	    (j.netfd >= 0 && (j.netfd = fcntl(j.netfd, F_DUPFD_CLOEXEC,
	    3 + SB_MAX_PASS_FDS)) == -1))
		_exit(127);
	rc = sb_exec_jail(p, s->filter[p->seccomp], log_fd, pass, npass, &j,
	    efd);
	(void)!write(efd, &rc, sizeof(rc));
	_exit(127);
}

/* Fork and exec; 0 and *pid once execve succeeded, or -errno. */
static int
sb_vchild_main(void *arg)
{
	struct sb_vchild *a = arg;

	sb_child(a->s, a->p, a->log_fd, a->pass, a->npass, a->errfd, a->j);
	return 127;	/* not reached: sb_child execs or _exits */
}

/*
 * Start the child as posix_spawn does: clone(CLONE_VM | CLONE_VFORK) on a
 * stack of its own.  Sharing the address space spares copying the
 * spawner's page tables, which on a virtual machine is most of what a fork
 * costs, and the spawner sleeps until the child has exec'd or died.  All
 * signals are blocked around it so no handler of the spawner can run in
 * the child before sb_child resets them; the child touches no memory of
 * the spawner's but its own stack and the pipe it reports on.  The jail's
 * CLONE_NEW* flags are given to the same clone (none of them conflicts
 * with CLONE_VM: the child sets up its namespaces with system calls on its
 * own stack, and its mount and fs state are its own).  Returns the pid or
 * -1 with errno.
 */
static pid_t
sb_vfork(struct sb_spawner *s, const struct sb_policy *p, int log_fd,
    const int *pass, int npass, int errfd, struct sb_jail *j)
{
	struct sb_vchild a = { s, p, log_fd, pass, npass, errfd, j };
	sigset_t all, old;
	pid_t pid;
	int e;

#if defined(__SANITIZE_ADDRESS__)
	/* ASan cannot follow a child that shares its memory on a stack of
	 * its own (it unpoisons the wrong stack at the child's first
	 * noreturn call): a sanitizer build forks instead. */
	if (s != NULL)
		return j->flags != 0 ? sb_clone(j->flags) : _Fork();
#endif
	if (s->vstack == NULL) {
		void *m = mmap(NULL, SB_VSTACK_SIZE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);

		if (m == MAP_FAILED)
			return j->flags != 0 ? sb_clone(j->flags) : _Fork();
		s->vstack = m;
	}
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	pid = clone(sb_vchild_main, s->vstack + SB_VSTACK_SIZE,
	    CLONE_VM | CLONE_VFORK | j->flags | SIGCHLD, &a);
	e = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	errno = e;
	return pid;
}

static int
sb_fork(struct sb_spawner *s, const struct sb_policy *p, int log_fd,
    const int *pass, int npass, int cgfd, pid_t *pid, int *lfd)
{
	unsigned avail = s->avail;
	struct sb_jail j;
	int pfd[2], err = 0, netfd = -1;

	/*
	 * A shared netns that cannot be had means host networking (which is
	 * also where the gateway then made the listener), not a private netns
	 * the worker could not reach its Runtime API from.
	 */
	if ((p->ns & SB_NS_NET) && p->netns_key != 0 && (avail & SB_NS_NET) &&
	    (err = sb_netns_get(s, p->netns_key, &netfd)) < 0) {
		if (p->ns_required)
			return err;
		avail &= ~SB_NS_NET;
	}
	if ((err = sb_jail_prepare(p, avail, netfd, &j)) < 0)
		return err;
	j.cgfd = cgfd;
	err = 0;
	/* The report socket (sb_int.h): the seccomp listener, or -errno. */
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pfd) == -1)
		return -errno;
	/*
	 * _Fork, not fork: the spawner was forked from lambdad, which links
	 * libuv, and fork() would run libuv's pthread_atfork handler in the
	 * child.  That handler closes and re-creates the descriptors libuv had
	 * at the time (its signal lock pipe), which here are long closed and
	 * reused: it would close the worker's log pipe and put a fresh pipe in
	 * its place.  _Fork runs no handlers and is async-signal-safe; so
	 * does the raw clone that makes the namespaces.
	 */
	/* The namespace flags go to the same clone: the child is born in
	 * them (pid 1 of its pid namespace), sharing our memory until exec. */
	*pid = sb_vfork(s, p, log_fd, pass, npass, pfd[1], &j);
	if (*pid == -1) {
		err = -errno;
		close(pfd[0]);
		close(pfd[1]);
		return err;
	}
	if (*pid == 0)
		sb_child(s, p, log_fd, pass, npass, pfd[1], &j);
	close(pfd[1]);
	/* EOF: the child's execve closed the socket. */
	err = sb_report_read(pfd[0], lfd);
	close(pfd[0]);
	if (err < 0) {
		kill(*pid, SIGKILL);	/* alive only if it lost the listener */
		while (waitpid(*pid, NULL, 0) == -1 && errno == EINTR)
			;
		*pid = 0;
		return err;
	}
	return 0;
}

/*
 * Start the worker q asks for, in a cgroup leaf of its own where there are
 * cgroups: r gets its pid or the error, *peakfd the leaf's memory.peak.
 */
static void
sb_start(struct sb_spawner *s, const struct sb_policy *p,
    struct sb_req_spawn *q, const int *fds, struct sb_reply *r, int *peakfd)
{
	char leaf[SB_CG_LEAF_MAX] = "";
	int log_fd = q->has_log ? fds[0] : -1, lfd = -1, cgfd = -1;

	q->cgroup[sizeof(q->cgroup) - 1] = '\0';
	if (q->cgroup[0] != '\0' && sb_cgroup_ready() &&
	    (r->err = sb_cgroup_leaf(q->cgroup, q->memory_mb, q->pids,
	    q->cpu_pct, leaf, &cgfd, peakfd)) < 0)
		return;
	r->err = sb_fork(s, p, log_fd, fds + q->has_log, q->npass, cgfd,
	    &r->pid, &lfd);
	if (cgfd >= 0)
		close(cgfd);
	if (r->err == 0 &&
	    (r->err = sb_kid_add(s, r->pid, q->tag, lfd, leaf)) < 0) {
		kill(-r->pid, SIGKILL);
		kill(r->pid, SIGKILL);
		r->pid = 0;	/* reaped later, unreported */
		if (lfd >= 0)
			close(lfd);
	}
	if (r->err < 0) {
		sb_cgroup_release(leaf);	/* or later, once it is empty */
		if (*peakfd >= 0)
			close(*peakfd);
		*peakfd = -1;
	}
}

static void
sb_do_spawn(struct sb_spawner *s, const int *fds, int nfds)
{
	struct sb_req_spawn *q = &s->req.spawn;
	struct sb_policy p;
	struct sb_reply r;
	char **v = NULL;
	int peakfd = -1;

	memset(&r, 0, sizeof(r));
	r.type = SB_SPAWNED;
	r.tag = q->tag;
	memset(&p, 0, sizeof(p));
	if (q->has_log > 1 || q->npass > SB_MAX_PASS_FDS ||
	    (int)(q->has_log + q->npass) != nfds ||
	    q->seccomp > SB_SECCOMP_NONE || (v = sb_unpack(q, &p)) == NULL) {
		r.err = -EBADMSG;
		goto out;
	}
	p.memory_mb = q->memory_mb;
	p.nofile = q->nofile;
	p.nproc = q->nproc;
	p.fsize_mb = q->fsize_mb;
	p.cpu_s = q->cpu_s;
	p.seccomp = q->seccomp;
	p.ns = q->ns;
	p.ns_required = q->ns_required;
	p.netns_key = q->netns_key;
	p.tmp_mb = q->tmp_mb;
	p.uid = q->uid;
	p.gid = q->gid;
	if (s->locked && geteuid() == 0 && (p.uid == 0 || p.gid == 0)) {
		r.err = -EPERM;	/* the gateway dropped root: nor may workers */
		goto out;
	}
	sb_start(s, &p, q, fds, &r, &peakfd);
out:
	free(v);
	/* The worker's memory.peak, for the gateway's REPORT lines. */
	r.fd = peakfd;
	sb_reply_fd(s, &r, peakfd);
	if (peakfd >= 0)
		close(peakfd);
}

static void
sb_do_kill(struct sb_spawner *s)
{
	struct sb_req_kill *q = &s->req.kill;

	if (q->pid <= 0 || sb_kid_find(s, q->pid) == NULL)
		return;		/* not ours, or already reaped */
	kill(-q->pid, q->sig);
	kill(q->pid, q->sig);
}

/* One request; fds that came with it are closed whatever happens. */
static void
sb_request(struct sb_spawner *s)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int) * SB_NFDS)];
	} cm;
	struct iovec iov = { &s->req, sizeof(s->req) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
	    .msg_control = cm.buf, .msg_controllen = sizeof(cm.buf) };
	int fds[SB_NFDS], nfds = 0;
	struct cmsghdr *c;
	ssize_t n;

	n = recvmsg(s->ctl, &msg, MSG_CMSG_CLOEXEC);
	if (n == 0 || (n == -1 && errno != EINTR && errno != EAGAIN))
		sb_spawner_exit(s);
	if (n == -1)
		return;
	for (c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		for (size_t i = 0; i < (c->cmsg_len - CMSG_LEN(0)) /
		    sizeof(int) && nfds < SB_NFDS; i++)
			memcpy(&fds[nfds++], CMSG_DATA(c) + i * sizeof(int),
			    sizeof(int));
	}
	if ((msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) == 0) {
		if (s->req.type == SB_REQ_SPAWN && n == sizeof(s->req.spawn))
			sb_do_spawn(s, fds, nfds);
		else if (s->req.type == SB_REQ_KILL &&
		    n == sizeof(s->req.kill))
			sb_do_kill(s);
		else if (s->req.type == SB_REQ_LISTEN &&
		    n == sizeof(s->req.net))
			sb_do_listen(s);
		else if (s->req.type == SB_REQ_NETNS_DROP &&
		    n == sizeof(s->req.net))
			sb_do_netns_drop(s);
		else if (s->req.type == SB_REQ_LOCK &&
		    n == sizeof(s->req.net))
			s->locked = 1;
	}
	for (int i = 0; i < nfds; i++)
		close(fds[i]);
}

/*
 * Leave only stdin, stdout, stderr and the socket: lambdad's listeners and
 * everything else it had open at fork time are none of the spawner's
 * business.  Handlers lambdad installed (libuv's signal pipe) go too.
 */
static int
sb_spawner_setup(struct sb_spawner *s, pid_t parent)
{
	struct sigaction sa;
	sigset_t chld;

	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) == -1 ||
	    getppid() != parent)
		return -1;
	if (s->ctl < 3 && (s->ctl = fcntl(s->ctl, F_DUPFD_CLOEXEC, 3)) == -1)
		return -1;
	if (s->ctl > 3)
		close_range(3, s->ctl - 1, 0);
	close_range(s->ctl + 1, ~0U, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	for (int sig = 1; sig < NSIG; sig++)
		(void)sigaction(sig, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGQUIT, &sa, NULL);
	sigaction(SIGPIPE, &sa, NULL);
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	if (sigprocmask(SIG_SETMASK, &chld, NULL) == -1)
		return -1;
	s->sigfd = signalfd(-1, &chld, SFD_NONBLOCK | SFD_CLOEXEC);
	s->self = getpid();
	/* Without it (no /proc) no netns can be made: listen there fails. */
	s->hostns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	return s->sigfd == -1 ? -1 : 0;
}

/*
 * A worker's filter denied a call: the call is blocked in the kernel until
 * we answer, and we answer by killing the worker's whole group (what it
 * forked shares the filter and the listener), so the call never runs.  The
 * first denied call is the one reported.  A listener with no process left
 * (POLLHUP) is closed; the exit is reported by sb_reap as usual.
 */
static void
sb_notified(struct sb_kid *k, short revents)
{
	int nr, foreign;

	if (revents & POLLIN) {
		if (sb_notify_recv(k->lfd, &nr, &foreign) == 0 &&
		    k->sys_nr < 0) {
			k->sys_nr = nr;
			k->sys_foreign = foreign;
		}
		kill(-k->pid, SIGKILL);
		kill(k->pid, SIGKILL);
	} else if (revents & (POLLHUP | POLLERR | POLLNVAL)) {
		close(k->lfd);
		k->lfd = -1;
	}
}

/* The poll set: the socket, the signalfd, then every listener. */
static struct pollfd *
sb_pollset(struct sb_spawner *s, size_t *n)
{
	static struct pollfd *pfd;
	static size_t cap;
	struct pollfd *np;

	if (cap < s->nkids + 2) {
		size_t want = s->capkids + 2;

		if ((np = reallocarray(pfd, want, sizeof(*np))) == NULL)
			sb_spawner_exit(s);	/* cannot watch the workers */
		pfd = np;
		cap = want;
	}
	pfd[0] = (struct pollfd){ .fd = s->ctl, .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = s->sigfd, .events = POLLIN };
	for (size_t i = 0; i < s->nkids; i++)
		pfd[2 + i] = (struct pollfd){ .fd = s->kids[i].lfd,
		    .events = POLLIN };	/* fd -1: skipped by poll */
	*n = s->nkids + 2;
	return pfd;
}

static void __attribute__((noreturn))
sb_spawner_main(struct sb_spawner *s, pid_t parent)
{
	struct pollfd *pfd;
	size_t n;

	if (sb_spawner_setup(s, parent) == -1) {
		perror("lambdad spawner: setup");
		_exit(1);
	}
	for (;;) {
		pfd = sb_pollset(s, &n);
		if (poll(pfd, n, -1) == -1) {
			if (errno == EINTR)
				continue;
			sb_spawner_exit(s);
		}
		/* Listeners first: s->kids is in pfd's order until a reap. */
		for (size_t i = 2; i < n; i++)
			if (pfd[i].revents != 0 && s->kids[i - 2].lfd >= 0)
				sb_notified(&s->kids[i - 2], pfd[i].revents);
		if (pfd[1].revents & POLLIN)
			sb_reap(s);
		if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR))
			sb_request(s);
	}
}

/*
 * Fork with every signal blocked, so that signals wait until the child has
 * set its own dispositions: a SIGTERM meant for the daemon must not kill a
 * spawner that has not yet ignored it, nor run lambdad's handlers in it.
 */
static int
sb_spawner_fork(struct sb_spawner *s, int sv[2], pid_t *pid)
{
	pid_t parent = getpid();
	sigset_t all, old;
	int rc = 0;

	sigfillset(&all);
	if (sigprocmask(SIG_SETMASK, &all, &old) == -1)
		return -errno;
	if ((*pid = fork()) == -1)
		rc = -errno;
	else if (*pid == 0) {
		close(sv[0]);
		s->ctl = sv[1];
		sb_spawner_main(s, parent);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	return rc;
}

int
sb_spawner_start(int *ctl_fd, pid_t *pid)
{
	static struct sb_spawner s;	/* the child's; 16 KiB of request */
	int sv[2], rc = 0;

	memset(&s, 0, sizeof(s));
	s.avail = sb_probe_layers(NULL, 0);
	for (int i = 0; i < SB_SECCOMP_NONE && rc == 0; i++)
		rc = sb_filter_new(i, &s.filter[i]);
	if (rc == 0 && socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0,
	    sv) == -1)
		rc = -errno;
	else if (rc == 0 && (rc = sb_spawner_fork(&s, sv, pid)) < 0) {
		close(sv[0]);
		close(sv[1]);
	}
	for (int i = 0; i < SB_SECCOMP_NONE; i++)
		sb_filter_free(s.filter[i]);
	if (rc < 0)
		return rc;
	close(sv[1]);
	*ctl_fd = sv[0];
	return 0;
}
