/*
 * run: lambdad-sandbox's side of the jail, one program in a supervised
 * child.
 *
 * sb_run() starts the program as the spawner would start a worker: a child
 * (born in its namespaces, when there are any) runs sb_exec_jail() and
 * sends its seccomp listener back over the report socket.  This process
 * stays as the supervisor: when the filter denies a call it kills the
 * child's process group and remembers the call, so that the command can
 * name it; when the child ends it returns the wait status.  Signals that
 * would stop the command (INT, TERM, HUP, QUIT) are passed on to the
 * child's group, which left ours with setpgid and would not get them from
 * the terminal.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox.h"
#include "sb_int.h"

struct sb_run {
	pid_t		 pid;
	int		 lfd;		/* the child's listener, or -1 */
	int		 pidfd;		/* readable when it ended, or -1 */
	int		 sigfd;		/* the signals passed on */
	int		*sys_nr, *sys_foreign;
};

/* In the child: what a worker child does, then report a failure. */
static void __attribute__((noreturn))
sb_run_child(const struct sb_policy *p, const struct sb_filter *f,
    const struct sb_jail *j, int report, const sigset_t *mask)
{
	const char *e;
	int rc;

	(void)sigprocmask(SIG_SETMASK, mask, NULL);
	/* Above the fds sb_exec lays out (0..2 here), or dup2 takes it. */
	if (report < 3 && (report = fcntl(report, F_DUPFD_CLOEXEC, 3)) == -1)
		_exit(127);
	rc = sb_exec_jail(p, f, -1, NULL, 0, j, report);
	(void)!write(report, &rc, sizeof(rc));
	e = strerror(-rc);
	(void)!write(2, "lambdad-sandbox: ", 17);
	(void)!write(2, p->path, strlen(p->path));
	(void)!write(2, ": ", 2);
	(void)!write(2, e, strlen(e));
	(void)!write(2, "\n", 1);
	_exit(127);
}

/* A denied call: kill the group while the call waits, remember it. */
static void
sb_run_notified(struct sb_run *r)
{
	int nr, foreign;

	if (sb_notify_recv(r->lfd, &nr, &foreign) == 0 && *r->sys_nr < 0) {
		*r->sys_nr = nr;
		*r->sys_foreign = foreign;
	}
	kill(-r->pid, SIGKILL);
	kill(r->pid, SIGKILL);
}

static void
sb_run_forward(struct sb_run *r)
{
	struct signalfd_siginfo si;

	while (read(r->sigfd, &si, sizeof(si)) == sizeof(si)) {
		kill(-r->pid, (int)si.ssi_signo);
		kill(r->pid, (int)si.ssi_signo);
	}
}

/*
 * Until the child ends.  Without a pidfd (kernels before 5.3) a timeout
 * polls waitpid; the listener's POLLHUP alone would miss a child that
 * never installed it.
 */
static int
sb_run_wait(struct sb_run *r)
{
	struct pollfd pfd[3];
	pid_t w;
	int st;

	for (;;) {
		if ((w = waitpid(r->pid, &st, WNOHANG)) == r->pid)
			break;
		if (w == -1 && errno != EINTR)
			return -errno;
		pfd[0] = (struct pollfd){ .fd = r->lfd, .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = r->pidfd, .events = POLLIN };
		pfd[2] = (struct pollfd){ .fd = r->sigfd, .events = POLLIN };
		if (poll(pfd, 3, r->pidfd < 0 ? 50 : -1) == -1 &&
		    errno != EINTR)
			return -errno;
		if (pfd[0].revents & POLLIN)
			sb_run_notified(r);
		else if (pfd[0].revents != 0) {
			close(r->lfd);	/* no process left on the filter */
			r->lfd = -1;
		}
		if (pfd[2].revents & POLLIN)
			sb_run_forward(r);
	}
	if (*r->sys_nr >= 0 && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL)
		st = SIGSYS;	/* the status KILL_PROCESS would have left */
	return st;
}

/* Start the child with the signals to pass on blocked (and in sigfd). */
static int
sb_run_start(struct sb_run *r, const struct sb_policy *p,
    const struct sb_filter *f, const struct sb_jail *j)
{
	sigset_t fwd, old;
	int sv[2], rc;

	sigemptyset(&fwd);
	sigaddset(&fwd, SIGINT);
	sigaddset(&fwd, SIGTERM);
	sigaddset(&fwd, SIGHUP);
	sigaddset(&fwd, SIGQUIT);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1)
		return -errno;
	sigprocmask(SIG_BLOCK, &fwd, &old);
	if ((r->pid = sb_clone(j->flags)) == 0) {
		close(sv[0]);
		sb_run_child(p, f, j, sv[1], &old);
	}
	rc = r->pid == -1 ? -errno : 0;
	close(sv[1]);
	if (rc == 0) {
		/* A child that failed reports it on stderr and exits 127. */
		(void)sb_report_read(sv[0], &r->lfd);
		r->pidfd = (int)syscall(SYS_pidfd_open, r->pid, 0);
		r->sigfd = signalfd(-1, &fwd, SFD_NONBLOCK | SFD_CLOEXEC);
	}
	close(sv[0]);
	return rc;
}

int
sb_run(const struct sb_policy *p, const struct sb_filter *f, int *sys_nr,
    int *sys_foreign)
{
	struct sb_run r = { .lfd = -1, .pidfd = -1, .sigfd = -1,
	    .sys_nr = sys_nr, .sys_foreign = sys_foreign };
	struct sb_jail j;
	int rc;

	*sys_nr = -1;
	*sys_foreign = 0;
	/* Nothing to supervise: become the program, as a chain-loader. */
	if ((p->ns & SB_NS_ALL) == 0 && !sb_filter_notifies(f))
		return sb_exec(p, f, -1, NULL, 0);
	if ((rc = sb_jail_prepare(p, (p->ns & SB_NS_ALL) != 0 ?
	    sb_probe_layers(NULL, 0) : 0, -1, &j)) < 0)
		return rc;
	if ((rc = sb_run_start(&r, p, f, &j)) < 0)
		return rc;
	rc = sb_run_wait(&r);
	if (r.lfd >= 0)
		close(r.lfd);
	if (r.pidfd >= 0)
		close(r.pidfd);
	if (r.sigfd >= 0)
		close(r.sigfd);
	return rc;
}
