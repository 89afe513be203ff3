/*
 * sbprobe: try one thing a sandboxed worker might do and say what happened.
 *
 * Used by tests/unit/test_sandbox.c under lambdad-sandbox(1) and the
 * spawner.  argv[1] names the action; the probe prints one line of result
 * ("fork: ok", "socket: EAFNOSUPPORT", ...) or a listing, and exits 0.  A
 * syscall the filter forbids kills it with SIGSYS before it can print, which
 * is what the tests assert on.  tests/integration/08-jail.t uses it too.  It is standalone: the liblambda.a it is
 * linked with is not used.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static int
report(const char *what, long rc)
{
	if (rc < 0)
		printf("%s: %s\n", what, strerrorname_np(errno));
	else
		printf("%s: ok\n", what);
	return 0;
}

static void *
thread_main(void *arg)
{
	return arg;
}

static int
do_thread(void)
{
	pthread_t t;
	int rc;

	if ((rc = pthread_create(&t, NULL, thread_main, NULL)) != 0) {
		errno = rc;
		return report("thread", -1);
	}
	pthread_join(t, NULL);
	return report("thread", 0);
}

static int
do_fork(int sleep_after)
{
	pid_t pid = fork();

	if (pid == 0) {
		if (sleep_after)
			sleep(60);
		_exit(0);
	}
	if (pid > 0 && sleep_after) {
		printf("child %d\n", (int)pid);
		fflush(stdout);
		sleep(60);
	}
	/* Report before waiting: the fork itself is what is probed. */
	report("fork", pid);
	if (pid > 0)
		waitpid(pid, NULL, 0);
	return 0;
}

static int
do_print_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;

	if (d == NULL)
		return report("opendir", -1);
	printf("fds:");
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.' && atoi(e->d_name) != dirfd(d))
			printf(" %s", e->d_name);
	printf("\n");
	closedir(d);
	return 0;
}

static int
do_print_rlimits(void)
{
	static const struct { const char *name; int res; } r[] = {
		{ "data", RLIMIT_DATA }, { "nofile", RLIMIT_NOFILE },
		{ "nproc", RLIMIT_NPROC }, { "fsize", RLIMIT_FSIZE },
		{ "cpu", RLIMIT_CPU }, { "core", RLIMIT_CORE },
	};
	struct rlimit rl;

	for (size_t i = 0; i < sizeof(r) / sizeof(r[0]); i++) {
		getrlimit(r[i].res, &rl);
		if (rl.rlim_cur == RLIM_INFINITY)
			printf("%s=inf\n", r[i].name);
		else
			printf("%s=%llu\n", r[i].name,
			    (unsigned long long)rl.rlim_cur);
	}
	return 0;
}

static int
do_alloc(long mb)
{
	char *p = malloc((size_t)mb << 20);

	if (p == NULL)
		return report("alloc", -1);
	memset(p, 1, (size_t)mb << 20);
	free(p);
	return report("alloc", 0);
}

static int
do_openfiles(long n)
{
	long i;

	for (i = 0; i < n; i++)
		if (open("/dev/null", O_RDONLY) == -1)
			break;
	printf("opened %ld\n", i);
	return 0;
}

static int
do_write_big(long mb)
{
	char buf[65536];
	long total = 0;
	ssize_t n = 0;
	int fd;

	signal(SIGXFSZ, SIG_IGN);	/* see EFBIG rather than die */
	if ((fd = open("sbprobe.out", O_WRONLY | O_CREAT | O_TRUNC, 0600)) < 0)
		return report("open", -1);
	memset(buf, 'x', sizeof(buf));
	while (total < (mb << 20) && (n = write(fd, buf, sizeof(buf))) > 0)
		total += n;
	unlink("sbprobe.out");
	printf("wrote %ld\n", total);
	return report("write", n < 0 ? -1 : 0);
}

static int
do_readfd(int fd)
{
	char buf[256];
	ssize_t n = read(fd, buf, sizeof(buf) - 1);

	if (n < 0)
		return report("read", -1);
	buf[n] = '\0';
	printf("read: %s\n", buf);
	return 0;
}

/* Fork children that linger n seconds, until fork fails. */
static int
do_forkbomb(long n)
{
	long i;
	pid_t pid = 0;

	for (i = 0; i < 10000; i++) {
		if ((pid = fork()) == -1)
			break;
		if (pid == 0) {
			sleep((unsigned)n);
			_exit(0);
		}
	}
	printf("forked %ld\n", i);
	return report("fork", pid);
}

/* A child that outlives its parent by n seconds, holding stdout open. */
static int
do_orphan(long n)
{
	pid_t pid = fork();

	if (pid == 0) {
		sleep((unsigned)n);
		printf("orphan still alive\n");
		_exit(0);
	}
	return report("fork", pid);
}

static int
do_connect(const char *addr, long port)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
	    .sin_port = htons((uint16_t)port) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd == -1 || inet_pton(AF_INET, addr, &a.sin_addr) != 1)
		return report("connect", -1);
	return report("connect", connect(fd, (struct sockaddr *)&a,
	    sizeof(a)));
}

static int
do_write_file(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd == -1)
		return report("write-file", -1);
	report("write-file", write(fd, "x", 1));
	close(fd);
	unlink(path);
	return 0;
}

/* Count the processes this one can see. */
static int
do_ps(void)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return report("opendir", -1);
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] >= '1' && e->d_name[0] <= '9')
			n++;
	closedir(d);
	printf("processes: %d\n", n);
	return 0;
}

static void
on_usr1(int sig)
{
	(void)sig;
}

static int
do_signals(void)
{
	signal(SIGUSR1, on_usr1);
	report("kill-self", kill(getpid(), SIGUSR1));
	report("kill-group", kill(0, 0));
	report("raise", raise(SIGUSR1));
	return 0;
}

/*
 * A forbidden call in a forked child (the exec profile lets it fork): the
 * filter is inherited, and the whole group must die for it.  The parent
 * waits for the child, so it prints only if the child came back.
 */
static int
do_child_ptrace(void)
{
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		ptrace(PTRACE_TRACEME, 0, NULL, NULL);
		_exit(0);
	}
	if (pid == -1)
		return report("fork", -1);
	waitpid(pid, &st, 0);
	printf("child status 0x%x\n", st);
	return 0;
}

/* getpid through the i386 ABI: another architecture for the filter. */
static int
do_int80(void)
{
#if defined(__x86_64__)
	long rc = 20;	/* __NR_getpid on i386 */

	__asm__ volatile ("int $0x80" : "+a"(rc) : : "memory");
	return report("int80", rc < 0 ? (errno = (int)-rc, -1) : 0);
#else
	printf("int80: not x86-64\n");
	return 0;
#endif
}

int
main(int argc, char *argv[])
{
	const char *a = argc > 1 ? argv[1] : "ok";
	long n = argc > 2 ? atol(argv[2]) : 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (strcmp(a, "ok") == 0)
		return report("ok", 0);
	if (strcmp(a, "fork") == 0)
		return do_fork(0);
	if (strcmp(a, "fork-and-sleep") == 0)
		return do_fork(1);
	if (strcmp(a, "exec") == 0 && argc > 2) {	/* the probe again */
		execv("/proc/self/exe", argv + 1);
		return report("exec", -1);
	}
	if (strcmp(a, "thread") == 0)
		return do_thread();
	if (strcmp(a, "child-ptrace") == 0)
		return do_child_ptrace();
	if (strcmp(a, "int80") == 0)
		return do_int80();
	if (strcmp(a, "ptrace") == 0)
		return report("ptrace", ptrace(PTRACE_TRACEME, 0, NULL, NULL));
	if (strcmp(a, "mount") == 0)
		return report("mount", mount("none", "/mnt", "tmpfs", 0, NULL));
	if (strcmp(a, "kexec") == 0)
		return report("kexec", syscall(SYS_kexec_load, 0, 0, NULL, 0));
	if (strcmp(a, "bpf") == 0)
		return report("bpf", syscall(SYS_bpf, 0, NULL, 0));
	if (strcmp(a, "keyctl") == 0)
		return report("keyctl", syscall(SYS_keyctl, 0, -1, 0));
	if (strcmp(a, "unshare") == 0)
		return report("unshare", unshare(CLONE_NEWUSER));
	if (strcmp(a, "setuid0") == 0)
		return report("setuid", setuid(0));
	if (strcmp(a, "kill-pid") == 0)
		return report("kill-pid", kill((pid_t)n, 0));
	if (strcmp(a, "forkbomb") == 0)
		return do_forkbomb(n);
	if (strcmp(a, "orphan") == 0)
		return do_orphan(n);
	if (strcmp(a, "connect") == 0 && argc > 3)
		return do_connect(argv[2], atol(argv[3]));
	if (strcmp(a, "write-file") == 0 && argc > 2)
		return do_write_file(argv[2]);
	if (strcmp(a, "read-file") == 0 && argc > 2) {
		char buf[64];
		int fd = open(argv[2], O_RDONLY | O_CLOEXEC);

		report("read-file", fd == -1 ? -1 : read(fd, buf, sizeof(buf)));
		if (fd != -1)
			close(fd);
		return 0;
	}
	if (strcmp(a, "read-dir") == 0 && argc > 2) {
		DIR *d = opendir(argv[2]);

		report("read-dir", d == NULL ? -1 : 0);
		if (d != NULL)
			closedir(d);
		return 0;
	}
	if (strcmp(a, "ps") == 0)
		return do_ps();
	if (strcmp(a, "kill-parent") == 0)
		return report("kill-parent", kill(getppid(), 0));
	if (strcmp(a, "signals") == 0)
		return do_signals();
	if (strcmp(a, "rawsock") == 0)
		return report("socket", socket(AF_INET, SOCK_RAW, IPPROTO_ICMP));
	if (strcmp(a, "packet") == 0)
		return report("socket", socket(AF_PACKET, SOCK_RAW, 0));
	if (strcmp(a, "tcpsock") == 0)
		return report("socket", socket(AF_INET6,
		    SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
	if (strcmp(a, "netlink") == 0)
		return report("socket", socket(AF_NETLINK, SOCK_RAW, 0));
	if (strcmp(a, "clone3") == 0)
		return report("clone3", syscall(SYS_clone3, NULL, 0));
	if (strcmp(a, "io_uring") == 0)
		return report("io_uring", syscall(SYS_io_uring_setup, 1, NULL));
	if (strcmp(a, "setsid") == 0)
		return report("setsid", setsid());
	if (strcmp(a, "alloc") == 0)
		return do_alloc(n);
	if (strcmp(a, "openfiles") == 0)
		return do_openfiles(n);
	if (strcmp(a, "write-big") == 0)
		return do_write_big(n);
	if (strcmp(a, "readfd") == 0)
		return do_readfd((int)n);
	if (strcmp(a, "print-env") == 0) {
		for (char **e = environ; *e != NULL; e++)
			printf("%s\n", *e);
		return 0;
	}
	if (strcmp(a, "print-fds") == 0)
		return do_print_fds();
	if (strcmp(a, "print-rlimits") == 0)
		return do_print_rlimits();
	if (strcmp(a, "print-cwd") == 0) {
		char buf[4096];

		printf("cwd: %s\n", getcwd(buf, sizeof(buf)));
		return 0;
	}
	if (strcmp(a, "print-ids") == 0) {
		printf("pid=%d pgid=%d nnp=%d uid=%d gid=%d groups=%d\n",
		    (int)getpid(), (int)getpgrp(),
		    prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0), (int)getuid(),
		    (int)getgid(), getgroups(0, NULL));
		return 0;
	}
	if (strcmp(a, "spin") == 0)
		for (volatile unsigned long i = 0;; i++)
			;
	if (strcmp(a, "sleep") == 0) {
		sleep((unsigned)n);
		return report("sleep", 0);
	}
	fprintf(stderr, "sbprobe: unknown action %s\n", a);
	return 2;
}
