/*
 * hostile: a handler that attacks its jail, one attack per invocation.
 *
 * Used by tests/integration/14-attack.t through the real daemon.  The
 * attack is the last path segment of the route, its argument the query's
 * first value (".../connect?n=192.0.2.1:80").  It replies {"r":"LINE"}
 * with what happened ("fork: EAGAIN after 57", "connect: ENETUNREACH"), or
 * dies trying: a forbidden syscall is killed by seccomp before it returns,
 * which the test sees as a 500 with the signal in the daemon's log.
 *
 *   forkbomb         fork children that sleep, until fork fails
 *   alloc?n=MB       malloc and touch MB megabytes
 *   openfiles?n=N    open /dev/null up to N times
 *   fill-tmp?n=MB    write 1 MB files into /tmp until MB or an error
 *   write-big?n=MB   write one file of MB megabytes in /tmp
 *   spin             loop on the CPU forever
 *   ptrace mount kexec bpf keyctl rawsock setuid0   forbidden syscalls
 *   kill?n=PID       send SIGTERM to PID
 *   connect?n=A:P    TCP connect to A:P
 *   rapi?n=PORT      connect to 127.0.0.1:PORT, ask a Runtime API question
 *   listeners        count the TCP listeners on loopback but our own
 *   scan             find the other endpoints the way an attacker would, in
 *                    /proc/net/tcp: loopback listeners owned by the same
 *                    uid as our own endpoint's (the gateway's); ask each
 *   write-file?n=P   create file P
 *   read-file?n=P    read file P
 *   orphan           fork a child that sleeps, then exit without replying
 *   ids              our uid, gid and groups
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lambda.h"

static char result[512];

static int
say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(result, sizeof(result), fmt, ap);
	va_end(ap);
	return 0;
}

static int
say_rc(const char *what, long rc)
{
	return rc < 0 ? say("%s: %s", what, strerrorname_np(errno)) :
	    say("%s: ok", what);
}

/* Fork until it fails, then reap what we made so the next attack on this
 * worker starts from nothing. */
static int
forkbomb(void)
{
	static pid_t kids[4096];
	long i;
	pid_t pid = 0;
	int e = 0;

	for (i = 0; i < 4096; i++) {
		if ((pid = fork()) == -1) {
			e = errno;
			break;
		}
		if (pid == 0) {
			sleep(30);
			_exit(0);
		}
		kids[i] = pid;
	}
	for (long k = 0; k < i; k++) {
		kill(kids[k], SIGKILL);
		waitpid(kids[k], NULL, 0);
	}
	return pid == -1 ? say("fork: %s after %ld", strerrorname_np(e), i) :
	    say("fork: never failed (%ld)", i);
}

static int
alloc(long mb)
{
	char *p = malloc((size_t)mb << 20);

	if (p == NULL)
		return say_rc("alloc", -1);
	memset(p, 1, (size_t)mb << 20);
	free(p);
	return say("alloc: ok");
}

static int
openfiles(long n)
{
	long i;
	int first = -1, fd = -1, e = 0;

	for (i = 0; i < n; i++) {
		if ((fd = open("/dev/null", O_RDONLY)) == -1) {
			e = errno;
			break;
		}
		if (first == -1)
			first = fd;
	}
	/* Give them back: the worker serves other attacks after this one. */
	if (first >= 0)
		for (int k = first; k < first + i; k++)
			close(k);
	return fd == -1 ? say("open: %s after %ld", strerrorname_np(e), i) :
	    say("open: ok %ld", i);
}

/* Write mb megabytes into path; 0 or -1 with errno. */
static int
write_mb(const char *path, long mb, long *total)
{
	static char buf[65536];
	ssize_t n = 0;
	int fd;

	memset(buf, 'x', sizeof(buf));
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0)
		return -1;
	for (long i = 0; i < mb * 16 && (n = write(fd, buf, sizeof(buf))) > 0; i++)
		*total += n;
	close(fd);
	return n < 0 ? -1 : 0;
}

static int
fill_tmp(long mb)
{
	char path[64];
	long total = 0, i;

	for (i = 0; i < mb; i++) {
		snprintf(path, sizeof(path), "/tmp/hostile.%ld", i);
		if (write_mb(path, 1, &total) == -1)
			break;
	}
	return i < mb ? say("write: %s after %ld MB", strerrorname_np(errno),
	    total >> 20) : say("write: ok %ld MB", total >> 20);
}

static int
write_big(long mb)
{
	long total = 0;
	int rc = write_mb("/tmp/hostile.big", mb, &total);

	unlink("/tmp/hostile.big");
	return rc == -1 ? say("write: %s after %ld MB", strerrorname_np(errno),
	    total >> 20) : say("write: ok %ld MB", total >> 20);
}

static int
forbidden(const char *what)
{
	long rc = 0;

	if (strcmp(what, "ptrace") == 0)
		rc = ptrace(PTRACE_ATTACH, 1, NULL, NULL);
	else if (strcmp(what, "mount") == 0)
		rc = mount("none", "/tmp", "tmpfs", 0, NULL);
	else if (strcmp(what, "kexec") == 0)
		rc = syscall(SYS_kexec_load, 0, 0, NULL, 0);
	else if (strcmp(what, "bpf") == 0)
		rc = syscall(SYS_bpf, 0, NULL, 0);
	else if (strcmp(what, "keyctl") == 0)
		rc = syscall(SYS_keyctl, 0, 0, 0, 0, 0);
	else if (strcmp(what, "rawsock") == 0)
		rc = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
	else if (strcmp(what, "setuid0") == 0)
		rc = setuid(0);
	return say_rc(what, rc);
}

static int
tcp_connect(const char *hostport, int *fdp)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	char host[64];
	const char *colon = strchr(hostport, ':');
	struct timeval tv = { 2, 0 };
	int fd;

	if (colon == NULL || (size_t)(colon - hostport) >= sizeof(host))
		return errno = EINVAL, -1;
	memcpy(host, hostport, (size_t)(colon - hostport));
	host[colon - hostport] = '\0';
	a.sin_port = htons((uint16_t)atoi(colon + 1));
	if (inet_pton(AF_INET, host, &a.sin_addr) != 1)
		return errno = EINVAL, -1;
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) == -1) {
		int e = errno;

		close(fd);
		return errno = e, -1;
	}
	*fdp = fd;
	return 0;
}

/*
 * Ask another endpoint a question that any Runtime API answers at once (an
 * unknown call: 404).  An endpoint that admits us answers with a status
 * line; a private one refuses the connection or closes it unanswered.
 */
static int
rapi(const char *port)
{
	static const char q[] = "GET /2018-06-01/runtime/invocation/x/nope "
	    "HTTP/1.1\r\nHost: x\r\n\r\n";
	char hp[32], buf[64];
	ssize_t n;
	int fd;

	snprintf(hp, sizeof(hp), "127.0.0.1:%.8s", port);
	if (tcp_connect(hp, &fd) == -1)
		return say_rc("connect", -1);
	if (write(fd, q, sizeof(q) - 1) < 0 || (n = read(fd, buf, 12)) < 0) {
		say("reply: %s", strerrorname_np(errno));
		close(fd);
		return 0;
	}
	buf[n] = '\0';
	close(fd);
	return n == 0 ? say("reply: none, closed") : say("reply: %s", buf);
}

/* Our own endpoint's port, from AWS_LAMBDA_RUNTIME_API. */
static unsigned
own_port(void)
{
	const char *api = getenv("AWS_LAMBDA_RUNTIME_API");

	return api != NULL && strchr(api, ':') != NULL ?
	    (unsigned)atoi(strchr(api, ':') + 1) : 0;
}

/*
 * Every loopback listener whose owner is our endpoint's owner, but ours:
 * the gateway's other endpoints.  Ask each; count those that answer.
 */
static int
scan(void)
{
	struct { unsigned port, uid; } l[64];
	unsigned addr, port, st, uid, n = 0, k = 0, owner = ~0U, answered = 0;
	char line[256], p[16];
	FILE *f = fopen("/proc/net/tcp", "r");

	if (f == NULL)
		return say_rc("open", -1);
	while (fgets(line, sizeof(line), f) != NULL && n < 64) {
		if (sscanf(line, " %*d: %x:%x %*x:%*x %x %*x:%*x %*x:%*x %*x %u",
		    &addr, &port, &st, &uid) != 4 || st != 0x0A ||
		    addr != htonl(INADDR_LOOPBACK))
			continue;
		if (port == own_port())
			owner = uid;
		else
			l[n].port = port, l[n++].uid = uid;
	}
	fclose(f);
	for (unsigned i = 0; i < n && k < 8; i++) {
		if (l[i].uid != owner)
			continue;
		snprintf(p, sizeof(p), "%u", l[i].port);
		rapi(p);
		k++;
		answered += strncmp(result, "reply: HTTP", 11) == 0;
	}
	return say("scan: %u endpoints, %u answered", k, answered);
}

/* Listening TCP sockets on 127.0.0.1 (/proc/net/tcp) but our own endpoint. */
static int
listeners(void)
{
	const char *api = getenv("AWS_LAMBDA_RUNTIME_API");
	unsigned own = api != NULL && strchr(api, ':') ? (unsigned)atoi(strchr(api, ':') + 1) : 0;
	unsigned addr, port, st;
	char line[256];
	FILE *f = fopen("/proc/net/tcp", "r");
	int n = 0;

	if (f == NULL)
		return say_rc("open", -1);
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, " %*d: %x:%x %*x:%*x %x", &addr, &port, &st) == 3 &&
		    st == 0x0A && port != own && addr == htonl(INADDR_LOOPBACK))
			n++;
	fclose(f);
	return say("listeners: %d", n);
}

static int
file_io(const char *path, int write_it)
{
	char buf[64];
	int fd = write_it ? open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600) :
	    open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd == -1)
		return say_rc(write_it ? "write-file" : "read-file", -1);
	n = write_it ? write(fd, "x", 1) : read(fd, buf, sizeof(buf));
	close(fd);
	if (write_it)
		unlink(path);
	return say_rc(write_it ? "write-file" : "read-file", n);
}

static int
ids(void)
{
	gid_t g[8];
	int n = getgroups(8, g);

	return say("uid=%d gid=%d groups=%d", (int)getuid(), (int)getgid(), n);
}

static int
attack(const char *a, const char *arg)
{
	long n = atol(arg);

	if (strcmp(a, "forkbomb") == 0)
		return forkbomb();
	if (strcmp(a, "alloc") == 0)
		return alloc(n);
	if (strcmp(a, "openfiles") == 0)
		return openfiles(n);
	if (strcmp(a, "fill-tmp") == 0)
		return fill_tmp(n);
	if (strcmp(a, "write-big") == 0)
		return write_big(n);
	if (strcmp(a, "spin") == 0)
		for (volatile unsigned long x = 0;; x++)
			;
	if (strcmp(a, "kill") == 0)	/* not 0 or -1: those mean groups */
		return n > 0 ? say_rc("kill", kill((pid_t)n, SIGTERM)) :
		    say("kill: no pid");
	if (strcmp(a, "connect") == 0) {
		int fd, rc = tcp_connect(arg, &fd);

		if (rc == 0)
			close(fd);
		return say_rc("connect", rc);
	}
	if (strcmp(a, "rapi") == 0)
		return rapi(arg);
	if (strcmp(a, "scan") == 0)
		return scan();
	if (strcmp(a, "listeners") == 0)
		return listeners();
	if (strcmp(a, "write-file") == 0 || strcmp(a, "read-file") == 0)
		return file_io(arg, a[0] == 'w');
	if (strcmp(a, "orphan") == 0) {
		if (fork() == 0) {
			sleep(30);
			_exit(0);
		}
		exit(0);
	}
	if (strcmp(a, "ids") == 0)
		return ids();
	return forbidden(a);
}

/* The value of "key":"..." in ev, copied to out (no escapes expected). */
static void
field(const char *ev, const char *key, char *out, size_t n)
{
	char pat[32];
	const char *s, *e;

	out[0] = '\0';
	snprintf(pat, sizeof(pat), "\"%s\":\"", key);
	if ((s = strstr(ev, pat)) == NULL)
		return;
	s += strlen(pat);
	if ((e = strchr(s, '"')) != NULL && (size_t)(e - s) < n) {
		memcpy(out, s, (size_t)(e - s));
		out[e - s] = '\0';
	}
}

static int
handle(struct lambda_invocation *inv, void *arg)
{
	const char *ev = lambda_event(inv, NULL);
	char path[256], q[256], out[600], *a, *v;

	(void)arg;
	field(ev, "rawPath", path, sizeof(path));
	field(ev, "rawQueryString", q, sizeof(q));
	a = strrchr(path, '/') != NULL ? strrchr(path, '/') + 1 : path;
	v = strchr(q, '=') != NULL ? strchr(q, '=') + 1 : q;
	result[0] = '\0';
	attack(a, v);
	snprintf(out, sizeof(out), "{\"r\":\"%s\"}", result);
	return lambda_reply(inv, out, strlen(out));
}

int
main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* See EFBIG from RLIMIT_FSIZE rather than die of SIGXFSZ. */
	signal(SIGXFSZ, SIG_IGN);
	return lambda_run(handle, NULL);
}
