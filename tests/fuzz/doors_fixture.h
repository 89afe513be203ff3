/*
 * doors_fixture: what fuzz_rapi and fuzz_admin share.
 *
 *   - a fake spawner: the gateway's real spawner client (sandbox/client.c)
 *     writes its requests into one end of a socketpair; the fixture reads
 *     them at the other end and answers by calling the pool's own entry
 *     points (wk_spawned, wk_exited), as pool.c's spawner_readable would.
 *     No process is forked: a "process" is a table entry (slots are
 *     reused) holding the worker, a fake pid and the log pipe's write end,
 *     which the fixture can write to as the worker's stdout;
 *   - quiet logs: the daemon logs every worker it starts; libFuzzer is
 *     told -close_fd_mask=2 (LLVMFuzzerInitialize), so its own output and
 *     the sanitizers' reports stay and the gateway's stderr is /dev/null;
 *     fz_fail() writes to the real stderr, kept from before;
 *   - counting open descriptors, for the leak check.
 *
 * A header of static functions: each driver is one translation unit.
 */
#ifndef DOORS_FIXTURE_H
#define DOORS_FIXTURE_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <uv.h>

#include "pool.h"
#include "pool_int.h"
#include "sb_msg.h"

void	__sanitizer_set_report_fd(void *fd);
void	__sanitizer_symbolize_pc(void *pc, const char *fmt, char *out,
	    size_t n);

#define FZ_NPROC	64
#define FZ_PID0		5000000		/* above any pid_max: /proc misses */

enum fz_pstate { FZ_FREE, FZ_ASKED, FZ_RUNNING, FZ_KILLED };

struct fz_proc {
	enum fz_pstate	 state;
	struct worker	*w;
	pid_t		 pid;
	int		 logfd;		/* the log pipe's write end, or -1 */
};

static struct {
	int		 errfd;		/* the real stderr */
	int		 nullfd;
	uv_loop_t	*loop;
	struct spawner	 sp;
	int		 peer;		/* our end of the spawner socket */
	struct fz_proc	 proc[FZ_NPROC];
	pid_t		 next_pid;
	unsigned	 moved;		/* spawner messages handled */
	int		 trace;		/* DOORS_TRACE=1: say what happens */
} FZ;

#define FZ_TRACE(...) do {						\
	if (FZ.trace)							\
		dprintf(FZ.errfd, __VA_ARGS__);				\
} while (0)

static void __attribute__((noreturn))
fz_fail(const char *what)
{
	dprintf(FZ.errfd, "invariant violated: %s\n", what);
	abort();
}

#define FZ_CHECK(c) do { if (!(c)) fz_fail(#c); } while (0)

static inline void
fz_quiet(int on)
{
	(void)on;
}

int	LLVMFuzzerInitialize(int *argc, char ***argv);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static char flag[] = "-close_fd_mask=2";
	char **v = calloc((size_t)*argc + 2, sizeof(*v));
	int i;

	FZ.errfd = dup(STDERR_FILENO);
	if (v == NULL)
		return 0;
	for (i = 0; i < *argc; i++)
		v[i] = (*argv)[i];
	v[i++] = flag;
	v[i] = NULL;
	*argc = i;
	*argv = v;
	return 0;
}

static inline void
fz_setup(uv_loop_t *loop)
{
	int sv[2];

	if (FZ.errfd <= 0)
		FZ.errfd = dup(STDERR_FILENO);
	FZ.trace = getenv("DOORS_TRACE") != NULL;
	/* As the daemon (main.c): a write to a connection the peer closed
	 * is an EPIPE to handle, not a signal that ends the process. */
	signal(SIGPIPE, SIG_IGN);
	FZ.nullfd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (FZ.errfd < 0 || FZ.nullfd < 0)
		abort();
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0, sv) != 0)
		abort();
	FZ.loop = loop;
	FZ.sp.loop = loop;
	FZ.sp.fd = sv[0];
	FZ.sp.pid = 0;
	FZ.sp.avail = 0;
	FZ.sp.root = false;
	FZ.peer = sv[1];
	FZ.next_pid = FZ_PID0;
}

/*
 * The open descriptors.  The first call starts the sanitizers' symbolizer
 * (libFuzzer uses it for NEW_FUNC lines), whose two pipes would otherwise
 * appear in the middle of a run as a leak.
 */
static inline int
fz_nfds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	static int symbolized;
	int n = 0;

	if (!symbolized) {
		char tmp[256];

		symbolized = 1;
		__sanitizer_symbolize_pc((void *)(uintptr_t)fz_nfds, "%p %F %L",
		    tmp, sizeof(tmp));
		closedir(d);
		d = opendir("/proc/self/fd");
	}
	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		n++;
	closedir(d);
	return n;
}

/* Say what is open, for a leak report. */
static inline void
fz_dump_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	char path[300], to[256];
	ssize_t n;

	while (d != NULL && (e = readdir(d)) != NULL) {
		snprintf(path, sizeof(path), "/proc/self/fd/%s", e->d_name);
		if ((n = readlink(path, to, sizeof(to) - 1)) < 0)
			continue;
		to[n] = '\0';
		dprintf(FZ.errfd, "fd %s -> %s\n", e->d_name, to);
	}
	if (d != NULL)
		closedir(d);
}

/* ---- the fake spawner ---------------------------------------------------- */

static inline struct fz_proc *
fz_proc_of(struct worker *w)
{
	size_t i;

	for (i = 0; i < FZ_NPROC; i++)
		if (FZ.proc[i].state != FZ_FREE && FZ.proc[i].w == w)
			return &FZ.proc[i];
	return NULL;
}

static inline void
fz_proc_free(struct fz_proc *pr)
{
	if (pr->logfd >= 0)
		close(pr->logfd);
	memset(pr, 0, sizeof(*pr));
	pr->logfd = -1;
}

static inline void
fz_on_spawn(const struct sb_req_spawn *q, int fd)
{
	size_t i;

	for (i = 0; i < FZ_NPROC; i++)
		if (FZ.proc[i].state == FZ_FREE)
			break;
	if (i == FZ_NPROC)
		fz_fail("more than FZ_NPROC workers at once");
	FZ_CHECK(q->tag != 0 && fz_proc_of((struct worker *)(uintptr_t)q->tag)
	    == NULL);
	FZ.proc[i].state = FZ_ASKED;
	FZ.proc[i].w = (struct worker *)(uintptr_t)q->tag;
	FZ.proc[i].pid = 0;
	FZ.proc[i].logfd = q->has_log ? fd : -1;
	FZ_TRACE("spawner: spawn asked (slot %zu)\n", i);
	if (!q->has_log && fd >= 0)
		close(fd);
}

static inline void
fz_on_kill(const struct sb_req_kill *q)
{
	size_t i;

	for (i = 0; i < FZ_NPROC; i++)
		if (FZ.proc[i].pid == q->pid &&
		    FZ.proc[i].state >= FZ_RUNNING) {
			FZ_CHECK(q->sig == SIGKILL);
			FZ.proc[i].state = FZ_KILLED;
			FZ_TRACE("spawner: kill %d\n", (int)q->pid);
			return;
		}
	fz_fail("a kill for a pid the spawner never started");
}

/* Read what the gateway asked the spawner; 1 if there was anything. */
static inline int
fz_spawner_read(void)
{
	static union sb_req q;
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int) * SB_NFDS)];
	} cm;
	int got = 0;

	for (;;) {
		struct iovec iov = { &q, sizeof(q) };
		struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
		    .msg_control = cm.buf, .msg_controllen = sizeof(cm.buf) };
		struct cmsghdr *c;
		int fd = -1, x;
		ssize_t n = recvmsg(FZ.peer, &msg, MSG_CMSG_CLOEXEC);

		if (n < 0)
			break;
		got = 1;
		FZ.moved++;
		for (c = CMSG_FIRSTHDR(&msg); c != NULL;
		    c = CMSG_NXTHDR(&msg, c))
			for (size_t i = 0; i < (c->cmsg_len - CMSG_LEN(0)) /
			    sizeof(int); i++) {
				memcpy(&x, CMSG_DATA(c) + i * sizeof(int),
				    sizeof(int));
				if (fd < 0)
					fd = x;
				else
					close(x);
			}
		if (q.type == SB_REQ_SPAWN &&
		    (size_t)n == sizeof(struct sb_req_spawn))
			fz_on_spawn(&q.spawn, fd);
		else {
			if (fd >= 0)
				close(fd);
			if (q.type == SB_REQ_KILL)
				fz_on_kill(&q.kill);
			else
				FZ_CHECK(q.type == SB_REQ_NETNS_DROP);
		}
	}
	return got;
}

/* The spawner's answer to an asked spawn: started, or not (err). */
static inline void
fz_spawn_answer(struct fz_proc *pr, int err)
{
	struct worker *w = pr->w;

	FZ.moved++;
	if (err != 0) {
		fz_proc_free(pr);
		wk_spawned(w, 0, err, -1);
		return;
	}
	pr->state = FZ_RUNNING;
	pr->pid = FZ.next_pid++;
	wk_spawned(w, pr->pid, 0, -1);
}

/* The process of pr ends with wait status st. */
static inline void
fz_exit(struct fz_proc *pr, int st, int sys_nr)
{
	struct worker *w = pr->w;

	FZ.moved++;
	FZ_TRACE("spawner: %d exits, status %d\n", (int)pr->pid, st);
	fz_proc_free(pr);
	wk_exited(w, st, sys_nr, 0);
}

/* Killed processes die (as they would at once). */
static inline void
fz_reap_killed(void)
{
	size_t i;

	for (i = 0; i < FZ_NPROC; i++)
		if (FZ.proc[i].state == FZ_KILLED)
			fz_exit(&FZ.proc[i], SIGKILL, -1);
}

/* Every spawn asked is answered, started; for the end of an input. */
static inline void
fz_answer_all(void)
{
	size_t i;

	for (i = 0; i < FZ_NPROC; i++)
		if (FZ.proc[i].state == FZ_ASKED)
			fz_spawn_answer(&FZ.proc[i], 0);
}

static inline unsigned
fz_nprocs(void)
{
	unsigned i, n = 0;

	for (i = 0; i < FZ_NPROC; i++)
		n += FZ.proc[i].state != FZ_FREE;
	return n;
}

#endif
