/*
 * opener: the privileged helper that opens config files for reloads, and
 * the gateway's side of its socket (see opener.h for the policy).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "conf.h"
#include "log.h"
#include "opener.h"
#include "sb_msg.h"	/* sb_send, sb_recv: one message, one fd */

#define OPENER_NDIRS		2
#define OPENER_TIMEOUT_MS	5000

struct opener_req {
	uint32_t	 dir;		/* open a directory */
	char		 path[PATH_MAX];
};

struct opener_reply {
	int32_t		 err;		/* 0: the fd is attached; else -errno */
};

struct opener {
	int		 sock;
	pid_t		 pid;
	struct conf_io	 io;
	/* The helper's copy of these is what counts: fixed at the fork. */
	char		*main_real;
	char		*dirs[OPENER_NDIRS + 1];	/* NULL-terminated */
};

/* ---- the policy ------------------------------------------------------- */

static bool
opener_in(const char *const *dirs, const char *dir, size_t len)
{
	for (; *dirs != NULL; dirs++)
		if (strlen(*dirs) == len && strncmp(*dirs, dir, len) == 0)
			return true;
	return false;
}

int
opener_allowed(const char *main_real, const char *const *dirs,
    const char *real, bool dir)
{
	const char *slash = strrchr(real, '/'), *base;
	size_t len;

	if (real[0] != '/' || slash == NULL)
		return -EPERM;
	if (dir)
		return opener_in(dirs, real, strlen(real)) ? 0 : -EPERM;
	if (main_real != NULL && strcmp(real, main_real) == 0)
		return 0;
	base = slash + 1;
	len = strlen(base);
	if (base[0] == '.' || len <= 5 || strcmp(base + len - 5, ".conf") != 0)
		return -EPERM;
	return opener_in(dirs, real, (size_t)(slash - real)) ? 0 : -EPERM;
}

/* ---- the helper ----------------------------------------------------------- */

/* Open what q names, if the policy allows what it really is. */
static int
opener_do_open(const struct opener *o, struct opener_req *q, int *fdp)
{
	char *real, link[64], got[PATH_MAX];
	struct stat st;
	ssize_t n;
	int fd, rc;

	q->path[sizeof(q->path) - 1] = '\0';
	if ((real = realpath(q->path, NULL)) == NULL)
		return -errno;
	if ((rc = opener_allowed(o->main_real,
	    (const char *const *)o->dirs, real, q->dir != 0)) == 0 &&
	    (fd = open(real, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY |
	    O_NONBLOCK | (q->dir ? O_DIRECTORY : 0))) < 0)
		rc = -errno;
	if (rc == 0) {
		/* What was opened, by the kernel's name for it: a directory
		 * swapped for a link after realpath is caught here. */
		snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
		n = readlink(link, got, sizeof(got) - 1);
		if (n < 0 || (got[n] = '\0', strcmp(got, real) != 0) ||
		    fstat(fd, &st) != 0 ||
		    !(q->dir ? S_ISDIR(st.st_mode) : S_ISREG(st.st_mode))) {
			close(fd);
			rc = -EPERM;
		} else
			*fdp = fd;
	}
	free(real);
	return rc;
}

static void __attribute__((noreturn))
opener_main(struct opener *o)
{
	struct opener_req q;
	struct opener_reply r;
	struct sigaction sa;
	sigset_t none;
	ssize_t n;
	int fd, in;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	/* ^C reaches the whole process group: end with the socket instead. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGQUIT, &sa, NULL);
	sigaction(SIGPIPE, &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (;;) {
		n = sb_recv(o->sock, &q, sizeof(q), &in, NULL);
		if (in >= 0)
			close(in);
		if (n <= 0)
			_exit(0);
		fd = -1;
		r.err = n == (ssize_t)sizeof(q) ? opener_do_open(o, &q, &fd) :
		    -EBADMSG;
		if (sb_send(o->sock, &r, sizeof(r), &fd, fd >= 0 ? 1 : 0) ==
		    -EPIPE)
			_exit(0);
		if (fd >= 0)
			close(fd);
	}
}

/* The child: keep only the socket (as fd 3), die with the gateway. */
static void __attribute__((noreturn))
opener_child(struct opener *o, int sock, pid_t parent)
{
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) == -1 ||
	    getppid() != parent)
		_exit(1);
	if (sock != 3 && dup3(sock, 3, O_CLOEXEC) == -1)
		_exit(1);
	close_range(4, ~0U, 0);
	o->sock = 3;
	opener_main(o);
}

/* ---- the gateway's side ------------------------------------------------- */

static char *
opener_real_dir(const char *path)
{
	char *real;

	if (path == NULL)
		return NULL;
	if ((real = realpath(path, NULL)) != NULL)
		return real;
	return strdup(path);	/* made later (state_dir/functions.d) */
}

static int
opener_policy_init(struct opener *o, const char *main_file,
    const char *functions_dir, const char *state_dir)
{
	char *deployed;
	int n = 0;

	if ((o->main_real = realpath(main_file, NULL)) == NULL)
		return -errno;
	if (functions_dir != NULL &&
	    (o->dirs[n] = opener_real_dir(functions_dir)) != NULL)
		n++;
	if (asprintf(&deployed, "%s/functions.d", state_dir) < 0)
		return -ENOMEM;
	o->dirs[n] = opener_real_dir(deployed);
	free(deployed);
	return o->dirs[n] != NULL ? 0 : -ENOMEM;
}

/* conf_io: the helper, then (refused, or no helper) our own rights. */
static int
opener_io_open(void *arg, const char *path, bool dir)
{
	struct opener *o = arg;
	int fd;

	if ((fd = opener_open(o, path, dir)) >= 0)
		return fd;
	if (fd == -EPERM)
		log_info("reload: %s is outside the paths lambdad was started "
		    "with (the main file, functions = and state_dir/functions.d, "
		    "*.conf): read with the daemon's own rights", path);
	else if (fd != -ENOENT)
		log_warnx("reload: the opener could not open %s: %s", path,
		    strerror(-fd));
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK |
	    (dir ? O_DIRECTORY : 0))) < 0)
		return -errno;
	return fd;
}

int
opener_start(const char *main_file, const char *functions_dir,
    const char *state_dir, struct opener **out)
{
	struct opener *o = calloc(1, sizeof(*o));
	sigset_t all, old;
	pid_t parent = getpid();
	int sv[2], rc;

	if (o == NULL)
		return -ENOMEM;
	o->sock = -1;
	o->io.open = opener_io_open;
	o->io.arg = o;
	if ((rc = opener_policy_init(o, main_file, functions_dir,
	    state_dir)) < 0 ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1) {
		rc = rc < 0 ? rc : -errno;
		opener_free(o);
		return rc;
	}
	/* Signals wait until the child has its own dispositions. */
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	if ((o->pid = fork()) == 0) {
		close(sv[0]);
		opener_child(o, sv[1], parent);
	}
	rc = o->pid < 0 ? -errno : 0;
	sigprocmask(SIG_SETMASK, &old, NULL);
	close(sv[1]);
	o->sock = sv[0];
	if (rc < 0) {
		o->pid = 0;
		opener_free(o);
		return rc;
	}
	*out = o;
	return 0;
}

int
opener_open(struct opener *o, const char *path, bool dir)
{
	struct opener_req q;
	struct opener_reply r;
	struct pollfd pfd = { .fd = o->sock, .events = POLLIN };
	int fd = -1, rc, trunc = 0;
	ssize_t n;

	if (o->sock < 0)
		return -EPIPE;
	memset(&q, 0, sizeof(q));
	q.dir = dir;
	if (strlen(path) >= sizeof(q.path))
		return -ENAMETOOLONG;
	strcpy(q.path, path);
	if ((rc = sb_send(o->sock, &q, sizeof(q), NULL, 0)) < 0)
		return rc == -EPIPE ? -EPIPE : rc;
	if ((rc = poll(&pfd, 1, OPENER_TIMEOUT_MS)) <= 0)
		return rc == 0 ? -ETIMEDOUT : -errno;
	n = sb_recv(o->sock, &r, sizeof(r), &fd, &trunc);
	if (n != (ssize_t)sizeof(r) || trunc) {
		if (fd >= 0)
			close(fd);
		return n == 0 ? -EPIPE : -EBADMSG;
	}
	if (r.err < 0 || fd < 0) {
		if (fd >= 0)
			close(fd);
		return r.err < 0 ? r.err : -EBADMSG;
	}
	return fd;
}

const struct conf_io *
opener_io(struct opener *o)
{
	return &o->io;
}

void
opener_free(struct opener *o)
{
	int i;

	if (o == NULL)
		return;
	if (o->sock >= 0)
		close(o->sock);
	if (o->pid > 0)
		while (waitpid(o->pid, NULL, 0) == -1 && errno == EINTR)
			;
	free(o->main_real);
	for (i = 0; i < OPENER_NDIRS; i++)
		free(o->dirs[i]);
	free(o);
}
