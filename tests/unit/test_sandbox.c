/*
 * test_sandbox: the seccomp profiles, rlimits and fd layout of sb_exec(),
 * seen from outside, and the spawner protocol.
 *
 * No filter is ever loaded into the test process: every behaviour is
 * observed by running build/tests/handlers/sbprobe under
 * build/lambdad-sandbox (asserting on the wait status and what the probe
 * prints), or through a real spawner started with sb_spawner_start().  Run
 * from the repository root: build/tests/unit/test_sandbox.
 */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/seccomp.h>

#include "sandbox.h"
#include "sb_int.h"

#define SANDBOX		"build/lambdad-sandbox"
#define PROBE_REL	"build/tests/handlers/sbprobe"
#define PROBE		probe

/* Absolute, since the tests also change the worker's directory. */
static char probe[PATH_MAX];

static void
need_binaries(void)
{
	if (access(SANDBOX, X_OK) != 0 || realpath(PROBE_REL, probe) == NULL)
		cr_assert_fail("run from the repository root after "
		    "make " SANDBOX " " PROBE_REL);
}

TestSuite(filter);
TestSuite(cmd, .init = need_binaries, .timeout = 30);
TestSuite(spawner, .init = need_binaries, .timeout = 30);

/* ---- The policy as data. ---- */

Test(filter, profiles_compile)
{
	struct sb_filter *f;

	for (int i = SB_SECCOMP_DEFAULT; i < SB_SECCOMP_NONE; i++) {
		cr_assert_eq(sb_filter_new(i, &f), 0, "profile %d", i);
		cr_assert_not_null(f, "profile %d", i);
		sb_filter_free(f);
	}
	f = (struct sb_filter *)1;
	cr_assert_eq(sb_filter_new(SB_SECCOMP_NONE, &f), 0);
	cr_assert_null(f);
	cr_assert_eq(sb_filter_new((enum sb_seccomp)99, &f), -EINVAL);
	sb_filter_free(NULL);
}

/*
 * DEFAULT and EXEC deny by notifying a listener; a copy patched for a
 * process without one kills instead, with no USER_NOTIF left anywhere.
 * LOG neither notifies nor kills.
 */
Test(filter, notify_or_kill)
{
	static const struct { enum sb_seccomp prof; int notifies; } c[] = {
		{ SB_SECCOMP_DEFAULT, 1 }, { SB_SECCOMP_EXEC, 1 },
		{ SB_SECCOMP_LOG, 0 },
	};
	struct sock_filter insn[BPF_MAXINSNS];
	const struct sock_fprog *prog;
	struct sb_filter *f;

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		cr_assert_eq(sb_filter_new(c[i].prof, &f), 0);
		cr_assert_eq(sb_filter_notifies(f), c[i].notifies, "%zu", i);
		prog = sb_filter_prog(f);
		memcpy(insn, prog->filter, prog->len * sizeof(insn[0]));
		if (c[i].notifies)
			cr_assert_gt(sb_filter_patch_kill(insn, prog->len), 0);
		else
			cr_assert_eq(sb_filter_patch_kill(insn, prog->len), 0);
		for (unsigned k = 0; k < prog->len; k++)
			cr_assert(!(insn[k].code == (BPF_RET | BPF_K) &&
			    (insn[k].k & SECCOMP_RET_ACTION_FULL) ==
			    SECCOMP_RET_USER_NOTIF), "%zu: insn %u", i, k);
		sb_filter_free(f);
	}
	cr_assert_eq(sb_filter_notifies(NULL), 0);
}

/* sb_exec() has no one to hand a listener to: denied calls kill. */
Test(cmd, kill_form_without_listener)
{
	struct sb_policy p = { .path = PROBE,
	    .argv = (char *[]){ PROBE, "ptrace", NULL },
	    .envp = (char *[]){ NULL } };
	struct sb_filter *f;
	int st, devnull;
	pid_t pid;

	cr_assert_eq(sb_filter_new(SB_SECCOMP_DEFAULT, &f), 0);
	cr_assert_neq(pid = fork(), -1);
	if (pid == 0) {
		devnull = open("/dev/null", O_WRONLY);
		_exit(-sb_exec(&p, f, devnull, NULL, 0));
	}
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS, "0x%x", st);
	sb_filter_free(f);
}

Test(filter, syscall_names)
{
	const char *a = sb_syscall_name(SYS_ptrace);

	cr_assert_str_eq(a, "ptrace");
	cr_assert_eq(sb_syscall_name(SYS_ptrace), a, "cached pointer");
	cr_assert_str_eq(sb_syscall_name(SYS_execve), "execve");
	cr_assert_null(sb_syscall_name(-1));
	cr_assert_null(sb_syscall_name(1 << 20));
}

/* ---- lambdad-sandbox(1) around the probe. ---- */

struct run {
	int	 status;
	char	 out[16384];	/* stdout and stderr together */
};

static void
run_argv(struct run *r, char *const argv[])
{
	size_t len = 0;
	ssize_t n;
	int p[2];
	pid_t pid;

	cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
	cr_assert_neq(pid = fork(), -1);
	if (pid == 0) {
		dup2(p[1], 1);
		dup2(p[1], 2);
		execv(SANDBOX, argv);
		_exit(126);
	}
	close(p[1]);
	while ((n = read(p[0], r->out + len, sizeof(r->out) - 1 - len)) > 0)
		len += n;
	r->out[len] = '\0';
	close(p[0]);
	cr_assert_eq(waitpid(pid, &r->status, 0), pid);
}

/* run(&r, "-s", "exec", "--", PROBE, "fork", NULL) */
static void
run(struct run *r, ...)
{
	char *argv[32] = { SANDBOX };
	va_list ap;
	int i = 1;

	va_start(ap, r);
	while ((argv[i] = va_arg(ap, char *)) != NULL && i < 30)
		i++;
	va_end(ap);
	run_argv(r, argv);
}

static void
assert_exit(const struct run *r, int code)
{
	cr_assert(WIFEXITED(r->status) && WEXITSTATUS(r->status) == code,
	    "want exit %d, got status 0x%x, output: %s", code, r->status,
	    r->out);
}

static void
assert_signal(const struct run *r, int sig)
{
	cr_assert(WIFSIGNALED(r->status) && WTERMSIG(r->status) == sig,
	    "want signal %d, got status 0x%x, output: %s", sig, r->status,
	    r->out);
}

struct probe_case {
	const char	*action;
	const char	*arg;
	const char	*want;		/* substring of the output */
};

Test(cmd, default_allows)
{
	static const struct probe_case c[] = {
		{ "ok", NULL, "ok: ok\n" },
		{ "thread", NULL, "thread: ok\n" },
		{ "signals", NULL, "kill-self: ok\nkill-group: ok\nraise: ok\n" },
		{ "tcpsock", NULL, "socket: ok\n" },
		{ "netlink", NULL, "socket: EAFNOSUPPORT\n" },
		{ "clone3", NULL, "clone3: ENOSYS\n" },
		{ "io_uring", NULL, "io_uring: ENOSYS\n" },
		{ "setsid", NULL, "setsid: EPERM\n" },
		{ "exec", "ok", "ok: ok\n" },
	};
	struct run r;

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		run(&r, "--", PROBE, c[i].action, c[i].arg, NULL);
		assert_exit(&r, 0);
		cr_assert_str_eq(r.out, c[i].want, "%s", c[i].action);
	}
}

/* Each forbidden action, and the call lambdad-sandbox must name for it. */
static const struct { const char *action, *call; } forbidden[] = {
	{ "fork", "clone" }, { "ptrace", "ptrace" }, { "mount", "mount" },
	{ "kexec", "kexec_load" }, { "bpf", "bpf" }, { "keyctl", "keyctl" },
	{ "unshare", "unshare" }, { "setuid0", "setuid" },
	{ "kill-parent", "kill" }, { "rawsock", "socket" },
	{ "packet", "socket" }, { NULL, NULL }
};

/* Killed by SIGSYS, having printed nothing but the line naming call. */
static void
assert_denied(const struct run *r, const char *call)
{
	char want[PATH_MAX + 128];

	snprintf(want, sizeof(want), "lambdad-sandbox: %s: killed by "
	    "seccomp: %s (syscall ", PROBE, call);
	cr_assert(strncmp(r->out, want, strlen(want)) == 0 &&
	    strchr(r->out, '\n') == r->out + strlen(r->out) - 1,
	    "want '%s...', got '%s'", want, r->out);
	assert_signal(r, SIGSYS);
}

Test(cmd, default_kills)
{
	struct run r;

	for (int i = 0; forbidden[i].action != NULL; i++) {
		run(&r, "--", PROBE, forbidden[i].action, NULL);
		assert_denied(&r, forbidden[i].call);
	}
	/* execve is allowed, but the new program keeps the filter. */
	run(&r, "--", PROBE, "exec", "fork", NULL);
	assert_denied(&r, "clone");
	/* The same under the namespaces, where the child is pid 1. */
	run(&r, "-N", "--", PROBE, "ptrace", NULL);
	assert_denied(&r, "ptrace");
}

Test(cmd, exec_profile)
{
	struct run r;

	run(&r, "-s", "exec", "--", PROBE, "fork", NULL);
	assert_exit(&r, 0);
	cr_assert_str_eq(r.out, "fork: ok\n");
	/* Everything else DEFAULT forbids stays forbidden. */
	for (int i = 1; forbidden[i].action != NULL; i++) {
		if (strcmp(forbidden[i].action, "kill-parent") == 0)
			continue;	/* EXEC may signal its children */
		run(&r, "-s", "exec", "--", PROBE, forbidden[i].action, NULL);
		assert_denied(&r, forbidden[i].call);
	}
	/* A forked child inherits the filter; its call kills the group. */
	run(&r, "-s", "exec", "--", PROBE, "child-ptrace", NULL);
	assert_denied(&r, "ptrace");
}

/* A call through another ABI is denied and reported by number. */
Test(cmd, foreign_abi)
{
	struct run r;

#if !defined(__x86_64__)
	cr_skip_test("int 0x80 is an x86-64 matter");
#endif
	run(&r, "-s", "none", "--", PROBE, "int80", NULL);
	if (strcmp(r.out, "int80: ok\n") != 0)
		cr_skip_test("no i386 emulation here: %s", r.out);
	run(&r, "--", PROBE, "int80", NULL);
	assert_signal(&r, SIGSYS);
	cr_assert(strstr(r.out, "killed by seccomp: syscall 20 of another "
	    "architecture\n") != NULL, "%s", r.out);
}

Test(cmd, log_and_none_profiles)
{
	struct run r;

	run(&r, "-s", "log", "--", PROBE, "fork", NULL);
	assert_exit(&r, 0);
	cr_assert_str_eq(r.out, "fork: ok\n");
	run(&r, "-s", "log", "--", PROBE, "rawsock", NULL);
	assert_exit(&r, 0);
	run(&r, "-s", "none", "--", PROBE, "fork", NULL);
	assert_exit(&r, 0);
	cr_assert_str_eq(r.out, "fork: ok\n");
	run(&r, "-s", "none", "--", PROBE, "print-ids", NULL);
	cr_assert(strstr(r.out, "nnp=1") != NULL, "%s", r.out);
}

Test(cmd, memory_limit)
{
	struct run r;

	run(&r, "-m", "64", "--", PROBE, "alloc", "256", NULL);
	assert_exit(&r, 0);
	cr_assert_str_eq(r.out, "alloc: ENOMEM\n");
	run(&r, "-m", "64", "--", PROBE, "alloc", "8", NULL);
	cr_assert_str_eq(r.out, "alloc: ok\n");
}

Test(cmd, nofile_limit)
{
	struct run r;

	run(&r, "-n", "16", "--", PROBE, "openfiles", "100", NULL);
	assert_exit(&r, 0);
	cr_assert_str_eq(r.out, "opened 13\n");
}

Test(cmd, fsize_limit_and_cwd)
{
	char dir[] = "/tmp/test_sandbox.XXXXXX", want[128];
	struct run r;

	cr_assert_not_null(mkdtemp(dir));
	run(&r, "-C", dir, "--", PROBE, "print-cwd", NULL);
	snprintf(want, sizeof(want), "cwd: %s\n", dir);
	cr_assert_str_eq(r.out, want);
	run(&r, "-f", "1", "-C", dir, "--", PROBE, "write-big", "4", NULL);
	rmdir(dir);
	assert_exit(&r, 0);
	cr_assert_str_eq(r.out, "wrote 1048576\nwrite: EFBIG\n");
}

Test(cmd, cpu_limit)
{
	struct run r;

	run(&r, "-t", "1", "--", PROBE, "spin", NULL);
	cr_assert(WIFSIGNALED(r.status) && (WTERMSIG(r.status) == SIGXCPU ||
	    WTERMSIG(r.status) == SIGKILL), "status 0x%x", r.status);
}

Test(cmd, rlimits_applied)
{
	struct run r;

	run(&r, "-m", "100", "-n", "50", "-p", "30", "-f", "2", "-t", "7",
	    "--", PROBE, "print-rlimits", NULL);
	assert_exit(&r, 0);
	cr_assert_str_eq(r.out, "data=104857600\nnofile=50\nnproc=30\n"
	    "fsize=2097152\ncpu=7\ncore=0\n");
	run(&r, "--", PROBE, "print-rlimits", NULL);
	cr_assert(strstr(r.out, "nofile=1024\n") != NULL, "%s", r.out);
}

Test(cmd, environment)
{
	struct run r;

	run(&r, "-e", "A=1", "-e", "B=x=y", "--", PROBE, "print-env", NULL);
	assert_exit(&r, 0);
	cr_assert_str_eq(r.out, "A=1\nB=x=y\n");
	run(&r, "--", PROBE, "print-env", NULL);
	cr_assert_str_eq(r.out, "");
	setenv("SB_TEST_VAR", "kept", 1);
	run(&r, "-e", "SB_TEST_VAR=over", "-E", "--", PROBE, "print-env",
	    NULL);
	cr_assert(strstr(r.out, "SB_TEST_VAR=over\n") != NULL, "%s", r.out);
	cr_assert(strstr(r.out, "kept") == NULL, "%s", r.out);
	cr_assert(strstr(r.out, "PATH=") != NULL, "%s", r.out);
}

Test(cmd, fds_and_process_group)
{
	struct run r;
	int fd;

	/* Inherited without CLOEXEC by lambdad-sandbox: must not reach PROG. */
	cr_assert_geq(fd = open("/dev/null", O_RDONLY), 0);
	cr_assert_eq(dup2(fd, 20), 20);
	run(&r, "--", PROBE, "print-fds", NULL);
	close(20);
	close(fd);
	cr_assert_str_eq(r.out, "fds: 0 1 2\n");
	run(&r, "--", PROBE, "print-ids", NULL);
	int pid, pgid, nnp;
	cr_assert_eq(sscanf(r.out, "pid=%d pgid=%d nnp=%d", &pid, &pgid,
	    &nnp), 3, "%s", r.out);
	cr_assert_eq(pid, pgid);
	cr_assert_eq(nnp, 1);
}

Test(cmd, failures)
{
	struct run r;

	run(&r, "--", "/nonexistent/prog", NULL);
	assert_exit(&r, 127);
	cr_assert_str_eq(r.out, "lambdad-sandbox: /nonexistent/prog: "
	    "No such file or directory\n");
	run(&r, "-C", "/nonexistent", "--", PROBE, "ok", NULL);
	assert_exit(&r, 127);
	run(&r, NULL);
	assert_exit(&r, 2);
	run(&r, "-s", "bogus", "--", PROBE, NULL);
	assert_exit(&r, 2);
	run(&r, "-m", "12x", "--", PROBE, NULL);
	assert_exit(&r, 2);
	run(&r, "-e", "NOEQUALS", "--", PROBE, NULL);
	assert_exit(&r, 2);
}

/* ---- The spawner. ---- */

static int ctl = -1;
static pid_t spawner;

static void
start(void)
{
	cr_assert_eq(sb_spawner_start(&ctl, &spawner), 0);
	cr_assert_gt(spawner, 0);
}

static void
recv_reply(struct sb_reply *r, int timeout_ms)
{
	struct pollfd pfd = { ctl, POLLIN, 0 };

	cr_assert_eq(poll(&pfd, 1, timeout_ms), 1, "no reply in time");
	cr_assert_eq(sb_spawner_recv(ctl, r), 0);
}

static int
no_reply(int timeout_ms)
{
	struct pollfd pfd = { ctl, POLLIN, 0 };

	return poll(&pfd, 1, timeout_ms) == 0;
}

/* Spawn the probe; *logr gets the read end of its log pipe. */
static int
spawn(uint64_t tag, struct sb_policy *p, int *logr, const int *pass,
    int npass)
{
	int lp[2], rc;

	cr_assert_eq(pipe2(lp, O_CLOEXEC), 0);
	rc = sb_spawner_spawn(ctl, tag, p, lp[1], pass, npass);
	close(lp[1]);
	*logr = lp[0];
	return rc;
}

static void
read_all(int fd, char *buf, size_t size)
{
	size_t len = 0;
	ssize_t n;

	while ((n = read(fd, buf + len, size - 1 - len)) > 0)
		len += n;
	buf[len] = '\0';
	close(fd);
}

/* The last SB_EXITED's sys_nr. */
static int last_sys_nr;

/* Spawn argv with env; check SPAWNED and EXITED; return output, status. */
static int
spawn_run(struct sb_policy *p, char *out, size_t size, const int *pass,
    int npass)
{
	static uint64_t tag = 100;
	struct sb_reply r;
	pid_t pid;
	int logr;

	tag++;
	cr_assert_eq(spawn(tag, p, &logr, pass, npass), 0);
	recv_reply(&r, 5000);
	cr_assert_eq(r.type, SB_SPAWNED);
	cr_assert_eq(r.tag, tag);
	cr_assert_eq(r.err, 0, "err %d", r.err);
	cr_assert_gt(r.pid, 0);
	pid = r.pid;
	read_all(logr, out, size);
	recv_reply(&r, 5000);
	cr_assert_eq(r.type, SB_EXITED);
	cr_assert_eq(r.tag, tag);
	cr_assert_eq(r.pid, pid);
	last_sys_nr = r.sys_nr;
	return r.status;
}

#define ARGV(...)	((char *[]){ PROBE, __VA_ARGS__, NULL })

Test(spawner, spawn_and_exit)
{
	struct sb_policy p = { .path = PROBE, .argv = ARGV("ok"),
	    .envp = (char *[]){ "X=1", NULL } };
	char out[256];
	int st;

	start();
	st = spawn_run(&p, out, sizeof(out), NULL, 0);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status 0x%x", st);
	cr_assert_str_eq(out, "ok: ok\n");
	/* stderr goes to the log pipe too, and the exit code comes back. */
	p.argv = ARGV("no-such-action");
	st = spawn_run(&p, out, sizeof(out), NULL, 0);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 2, "status 0x%x", st);
	cr_assert_str_eq(out, "sbprobe: unknown action no-such-action\n");
	cr_assert_eq(last_sys_nr, -1);
	/* A forbidden syscall: SIGSYS in the status, and the call. */
	p.argv = ARGV("fork");
	st = spawn_run(&p, out, sizeof(out), NULL, 0);
	cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS, "0x%x", st);
	cr_assert_eq(last_sys_nr, SYS_clone);
}

/* Each profile that kills names the call, also for a forked child's. */
Test(spawner, seccomp_names_the_call)
{
	static const struct {
		enum sb_seccomp prof;
		const char	*action;
		int		 nr;
		unsigned	 ns;
	} c[] = {
		{ SB_SECCOMP_DEFAULT, "ptrace", SYS_ptrace, 0 },
		{ SB_SECCOMP_DEFAULT, "bpf", SYS_bpf, 0 },
		{ SB_SECCOMP_DEFAULT, "rawsock", SYS_socket, 0 },
		{ SB_SECCOMP_EXEC, "keyctl", SYS_keyctl, 0 },
		{ SB_SECCOMP_EXEC, "child-ptrace", SYS_ptrace, 0 },
		{ SB_SECCOMP_EXEC, "child-ptrace", SYS_ptrace, SB_NS_PID },
		{ SB_SECCOMP_DEFAULT, "mount", SYS_mount, SB_NS_ALL },
	};
	struct sb_policy p = { .envp = (char *[]){ NULL } };
	char out[256];
	int st;

	start();
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		p.path = PROBE;
		p.argv = ARGV((char *)c[i].action);
		p.seccomp = c[i].prof;
		p.ns = c[i].ns;
		st = spawn_run(&p, out, sizeof(out), NULL, 0);
		cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS,
		    "%s: 0x%x", c[i].action, st);
		cr_assert_eq(last_sys_nr, c[i].nr, "%s: %d", c[i].action,
		    last_sys_nr);
		cr_assert_str_eq(out, "", "%s printed %s", c[i].action, out);
	}
	/* LOG kills nothing and names nothing. */
	p.argv = ARGV("ptrace");
	p.seccomp = SB_SECCOMP_LOG;
	p.ns = 0;
	st = spawn_run(&p, out, sizeof(out), NULL, 0);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "0x%x", st);
	cr_assert_eq(last_sys_nr, -1);
}

Test(spawner, exec_errors)
{
	struct sb_policy p = { .path = "/nonexistent/bootstrap" };
	struct sb_reply r;
	char out[64];
	int logr;

	start();
	cr_assert_eq(spawn(1, &p, &logr, NULL, 0), 0);
	recv_reply(&r, 5000);
	cr_assert_eq(r.type, SB_SPAWNED);
	cr_assert_eq(r.tag, 1);
	cr_assert_eq(r.err, -ENOENT, "err %d", r.err);
	cr_assert_eq(r.pid, 0);
	read_all(logr, out, sizeof(out));
	p.path = PROBE;
	p.cwd = "/nonexistent";
	cr_assert_eq(spawn(2, &p, &logr, NULL, 0), 0);
	close(logr);
	recv_reply(&r, 5000);
	cr_assert_eq(r.tag, 2);
	cr_assert_eq(r.err, -ENOENT, "err %d", r.err);
	/* No SB_EXITED follows a failed spawn. */
	cr_assert(no_reply(300));
}

Test(spawner, environment_exact)
{
	struct sb_policy p = { .path = PROBE, .argv = ARGV("print-env"),
	    .envp = (char *[]){ "AWS_LAMBDA_RUNTIME_API=127.0.0.1:9001",
	    "_HANDLER=x.y", "EMPTY=", NULL } };
	char out[1024];

	start();
	spawn_run(&p, out, sizeof(out), NULL, 0);
	cr_assert_str_eq(out, "AWS_LAMBDA_RUNTIME_API=127.0.0.1:9001\n"
	    "_HANDLER=x.y\nEMPTY=\n");
	p.envp = NULL;
	spawn_run(&p, out, sizeof(out), NULL, 0);
	cr_assert_str_eq(out, "");
}

Test(spawner, passed_fds)
{
	struct sb_policy p = { .path = PROBE, .argv = ARGV("readfd", "4") };
	int a[2], b[2], pass[2];
	char out[256];

	start();
	cr_assert_eq(pipe2(a, O_CLOEXEC), 0);
	cr_assert_eq(pipe2(b, O_CLOEXEC), 0);
	cr_assert_eq(write(b[1], "hello", 5), 5);
	pass[0] = a[0];
	pass[1] = b[0];
	spawn_run(&p, out, sizeof(out), pass, 2);
	cr_assert_str_eq(out, "read: hello\n");
	p.argv = ARGV("print-fds");
	spawn_run(&p, out, sizeof(out), pass, 2);
	cr_assert_str_eq(out, "fds: 0 1 2 3 4\n");
	p.argv = ARGV("print-fds");
	spawn_run(&p, out, sizeof(out), NULL, 0);
	cr_assert_str_eq(out, "fds: 0 1 2\n");
}

Test(spawner, rlimits_and_cwd)
{
	struct sb_policy p = { .path = PROBE, .argv = ARGV("print-rlimits"),
	    .memory_mb = 128, .nofile = 64, .nproc = 100, .fsize_mb = 1,
	    .cpu_s = 30, .cwd = "/tmp" };
	char out[512];

	start();
	spawn_run(&p, out, sizeof(out), NULL, 0);
	cr_assert_str_eq(out, "data=134217728\nnofile=64\nnproc=100\n"
	    "fsize=1048576\ncpu=30\ncore=0\n");
	p.argv = ARGV("print-cwd");
	spawn_run(&p, out, sizeof(out), NULL, 0);
	cr_assert_str_eq(out, "cwd: /tmp\n");
}

/* 'R', 'S', 'Z', ... or 0 when the process is gone. */
static char
proc_state(pid_t pid)
{
	char path[64], buf[512], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((fd = open(path, O_RDONLY)) == -1)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return p != NULL && p[1] == ' ' ? p[2] : 0;
}

static int
dies_within(pid_t pid, int ms)
{
	char st;

	for (int i = 0; i < ms / 10; i++) {
		if ((st = proc_state(pid)) == 0 || st == 'Z' || st == 'X')
			return 1;
		usleep(10000);
	}
	return 0;
}

Test(spawner, kill_process_group)
{
	struct sb_policy p = { .path = PROBE, .argv = ARGV("fork-and-sleep"),
	    .seccomp = SB_SECCOMP_EXEC };
	struct sb_reply r;
	char line[64];
	int logr, child = 0;
	ssize_t n;

	start();
	cr_assert_eq(spawn(7, &p, &logr, NULL, 0), 0);
	recv_reply(&r, 5000);
	cr_assert_eq(r.err, 0);
	n = read(logr, line, sizeof(line) - 1);
	cr_assert_gt(n, 0);
	line[n] = '\0';
	cr_assert_eq(sscanf(line, "child %d", &child), 1, "%s", line);
	cr_assert(!dies_within(child, 100), "grandchild alive before kill");
	cr_assert_eq(sb_spawner_kill(ctl, r.pid, SIGKILL), 0);
	recv_reply(&r, 5000);
	cr_assert_eq(r.type, SB_EXITED);
	cr_assert_eq(r.tag, 7);
	cr_assert(WIFSIGNALED(r.status) && WTERMSIG(r.status) == SIGKILL);
	cr_assert(dies_within(child, 2000), "grandchild %d survived", child);
	close(logr);
}

Test(spawner, kill_only_own_workers)
{
	struct sb_policy p = { .path = PROBE, .argv = ARGV("ok") };
	char out[64];

	start();
	/* SIGUSR1 would kill this test if the spawner obeyed. */
	cr_assert_eq(sb_spawner_kill(ctl, getpid(), SIGUSR1), 0);
	cr_assert_eq(sb_spawner_kill(ctl, 1, 0), 0);
	cr_assert_eq(sb_spawner_kill(ctl, 0, SIGKILL), -EINVAL);
	spawn_run(&p, out, sizeof(out), NULL, 0);
	cr_assert_str_eq(out, "ok: ok\n");
}

Test(spawner, survives_sigterm_ends_on_close)
{
	struct sb_policy p = { .path = PROBE, .argv = ARGV("sleep", "60") };
	struct sb_reply r;
	char out[64];
	int logr, st;
	pid_t worker;

	start();
	cr_assert_eq(kill(spawner, SIGTERM), 0);
	cr_assert_eq(kill(spawner, SIGINT), 0);
	p.argv = ARGV("ok");
	spawn_run(&p, out, sizeof(out), NULL, 0);
	p.argv = ARGV("sleep", "60");
	cr_assert_eq(spawn(9, &p, &logr, NULL, 0), 0);
	recv_reply(&r, 5000);
	cr_assert_eq(r.err, 0);
	worker = r.pid;
	close(ctl);
	cr_assert_eq(waitpid(spawner, &st, 0), spawner);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "0x%x", st);
	/* Killed and reaped by the spawner before it left. */
	cr_assert_eq(kill(worker, 0), -1);
	cr_assert_eq(errno, ESRCH);
	close(logr);
}

Test(spawner, recv_after_spawner_death)
{
	struct sb_reply r;

	start();
	cr_assert_eq(kill(spawner, SIGKILL), 0);
	waitpid(spawner, NULL, 0);
	cr_assert_eq(sb_spawner_recv(ctl, &r), -EPIPE);
}

Test(spawner, request_too_big)
{
	static char big[20000];
	struct sb_policy p = { .path = PROBE,
	    .envp = (char *[]){ big, NULL } };
	int logr;

	memset(big, 'A', sizeof(big) - 1);
	start();
	cr_assert_eq(spawn(3, &p, &logr, NULL, 0), -E2BIG);
	close(logr);
	p.envp = NULL;
	cr_assert_eq(spawn(3, &p, &logr, NULL, SB_MAX_PASS_FDS + 1), -EINVAL);
	close(logr);
}

static double
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Spawn request to SB_SPAWNED, DEFAULT profile; printed, loosely bounded. */
Test(spawner, spawn_latency)
{
	struct sb_policy p = { .path = PROBE, .argv = ARGV("ok") };
	enum { N = 200 };
	double t[N], sum = 0;
	struct sb_reply r;
	char out[64];
	int logr;

	start();
	for (int i = 0; i < N; i++) {
		double t0 = now_us();

		cr_assert_eq(spawn(i, &p, &logr, NULL, 0), 0);
		recv_reply(&r, 5000);
		t[i] = now_us() - t0;
		sum += t[i];
		cr_assert_eq(r.type, SB_SPAWNED);
		cr_assert_eq(r.err, 0);
		read_all(logr, out, sizeof(out));
		recv_reply(&r, 5000);
		cr_assert_eq(r.type, SB_EXITED);
	}
	qsort(t, N, sizeof(t[0]), cmp_double);
	cr_log_info("spawn latency over %d spawns: mean %.0f us, p50 %.0f us, "
	    "p99 %.0f us", N, sum / N, t[N / 2], t[N * 99 / 100]);
	cr_assert_lt(t[N / 2], 50000.0, "median spawn over 50 ms");
	close(ctl);
	waitpid(spawner, NULL, 0);
}

/* ---- The jail's namespace layers and uid drop. ---- */

static unsigned
layers(void)
{
	char report[512];
	unsigned avail = sb_probe_layers(report, sizeof(report));

	cr_log_info("%s", report);
	return avail;
}

Test(filter, probe_layers_reports_each)
{
	char report[512];
	unsigned avail = sb_probe_layers(report, sizeof(report));
	const char *names[] = { "user: ", "pid: ", "mount: ", "net: " };

	for (int i = 0; i < 4; i++) {
		const char *l = strstr(report, names[i]), *v;

		cr_assert_not_null(l, "%s", report);
		v = l + strlen(names[i]);
		/* The mask and the text agree: "ok"/"not needed" iff set. */
		cr_assert_eq((avail >> i) & 1, strncmp(v, "unavailable", 11) != 0,
		    "%s", report);
	}
	/* A small buffer is cut, never overrun. */
	char tiny[8];
	sb_probe_layers(tiny, sizeof(tiny));
	cr_assert_lt(strlen(tiny), sizeof(tiny));
}

Test(spawner, pid_mount_ns)
{
	struct sb_policy p = { .path = PROBE, .argv = ARGV("print-ids"),
	    .ns = SB_NS_PID | SB_NS_MOUNT, .seccomp = SB_SECCOMP_EXEC };
	char out[256];
	int st;

	if ((layers() & (SB_NS_PID | SB_NS_MOUNT)) != (SB_NS_PID | SB_NS_MOUNT))
		cr_skip_test("pid or mount namespaces unavailable");
	start();
	spawn_run(&p, out, sizeof(out), NULL, 0);
	cr_assert(strncmp(out, "pid=1 pgid=1 nnp=1", 18) == 0, "%s", out);
	p.argv = ARGV("ps");
	spawn_run(&p, out, sizeof(out), NULL, 0);
	cr_assert_str_eq(out, "processes: 1\n");
	p.argv = ARGV("write-file", "/etc/sbprobe.out");
	spawn_run(&p, out, sizeof(out), NULL, 0);
	cr_assert_str_eq(out, "write-file: EROFS\n");
	p.argv = ARGV("write-file", "/tmp/sbprobe.out");
	spawn_run(&p, out, sizeof(out), NULL, 0);
	cr_assert_str_eq(out, "write-file: ok\n");
	/* The worker's children die with it: the log pipe reaches EOF now,
	   not when the orphan's 20 s sleep ends (the test would time out). */
	p.argv = ARGV("orphan", "20");
	st = spawn_run(&p, out, sizeof(out), NULL, 0);
	cr_assert(WIFEXITED(st), "0x%x", st);
	cr_assert_str_eq(out, "fork: ok\n");
}

Test(spawner, cwd_under_tmp_survives_tmpfs)
{
	char dir[] = "/tmp/test_sandbox.XXXXXX", want[128];
	struct sb_policy p = { .path = PROBE, .argv = ARGV("print-cwd"),
	    .ns = SB_NS_MOUNT };
	char out[256];

	if (!(layers() & SB_NS_MOUNT))
		cr_skip_test("mount namespaces unavailable");
	cr_assert_not_null(mkdtemp(dir));
	p.cwd = dir;
	start();
	spawn_run(&p, out, sizeof(out), NULL, 0);
	snprintf(want, sizeof(want), "cwd: %s\n", dir);
	cr_assert_str_eq(out, want);
	/* Read-only unless it is rw_dir. */
	p.argv = ARGV("write-file", "f");
	spawn_run(&p, out, sizeof(out), NULL, 0);
	cr_assert_str_eq(out, "write-file: EROFS\n");
	p.rw_dir = dir;
	spawn_run(&p, out, sizeof(out), NULL, 0);
	cr_assert_str_eq(out, "write-file: ok\n");
	rmdir(dir);
}

Test(spawner, uid_drop)
{
	struct sb_policy p = { .path = PROBE, .argv = ARGV("print-ids"),
	    .uid = 65534, .gid = 65534 };
	char out[256];

	if (geteuid() != 0)
		cr_skip_test("not root: nothing to drop");
	start();
	spawn_run(&p, out, sizeof(out), NULL, 0);
	cr_assert(strstr(out, " uid=65534 gid=65534 groups=0\n") != NULL,
	    "%s", out);
}

/* Wait for SB_LISTENING with tag; return the fd, its port in *port. */
static int
listen_in(uint64_t tag, uint64_t key, int *port)
{
	struct sb_reply r;

	cr_assert_eq(sb_spawner_listen(ctl, tag, key), 0);
	recv_reply(&r, 5000);
	cr_assert_eq(r.type, SB_LISTENING);
	cr_assert_eq(r.tag, tag);
	cr_assert_eq(r.err, 0, "err %d", r.err);
	cr_assert_geq(r.fd, 0);
	cr_assert_gt(r.port, 0);
	*port = r.port;
	return r.fd;
}

static int
connect_port(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
	    .sin_port = htons((uint16_t)port),
	    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), rc;

	rc = connect(fd, (struct sockaddr *)&a, sizeof(a));
	close(fd);
	return rc == 0 ? 0 : -errno;
}

Test(spawner, listener_in_function_netns)
{
	struct sb_policy p = { .path = PROBE, .ns = SB_NS_NET,
	    .netns_key = 42 };
	char portstr[16], out[256];
	int lfd, port, lfd2, port2;

	if (!(layers() & SB_NS_NET) || geteuid() != 0)
		cr_skip_test("network namespaces need root and the kernel");
	start();
	lfd = listen_in(5, 42, &port);
	/* From outside the namespace the port is not there. */
	cr_assert_eq(connect_port(port), -ECONNREFUSED);
	snprintf(portstr, sizeof(portstr), "%d", port);
	p.argv = ARGV("connect", "127.0.0.1", portstr);
	spawn_run(&p, out, sizeof(out), NULL, 0);
	cr_assert_str_eq(out, "connect: ok\n");
	/* A second worker of the same key joins the same namespace. */
	spawn_run(&p, out, sizeof(out), NULL, 0);
	cr_assert_str_eq(out, "connect: ok\n");
	/* Another key is another namespace; a worker per-netns (key 0) too. */
	lfd2 = listen_in(6, 43, &port2);
	p.netns_key = 43;
	spawn_run(&p, out, sizeof(out), NULL, 0);
	cr_assert_str_eq(out, "connect: ECONNREFUSED\n");
	p.netns_key = 0;
	spawn_run(&p, out, sizeof(out), NULL, 0);
	cr_assert_str_eq(out, "connect: ECONNREFUSED\n");
	/* Key 0 listens in the spawner's own (host) namespace. */
	close(lfd2);
	lfd2 = listen_in(7, 0, &port2);
	cr_assert_eq(connect_port(port2), 0);
	close(lfd2);
	cr_assert_eq(sb_spawner_netns_drop(ctl, 42), 0);
	cr_assert_eq(sb_spawner_netns_drop(ctl, 0), -EINVAL);
	close(lfd);
}

Test(spawner, ns_required_vs_degrade)
{
	struct sb_policy p = { .path = PROBE, .argv = ARGV("ok"),
	    .ns = SB_NS_ALL, .ns_required = 1 };
	char out[64];

	start();
	if ((layers() & SB_NS_ALL) == SB_NS_ALL) {
		spawn_run(&p, out, sizeof(out), NULL, 0);
		cr_assert_str_eq(out, "ok: ok\n");
	} else {
		struct sb_reply r;
		int logr;

		cr_assert_eq(spawn(1, &p, &logr, NULL, 0), 0);
		recv_reply(&r, 5000);
		cr_assert_eq(r.err, -EPERM);
		close(logr);
		p.ns_required = 0;
		spawn_run(&p, out, sizeof(out), NULL, 0);
		cr_assert_str_eq(out, "ok: ok\n");
	}
}

/* Locked, a spawner running as root starts nobody as root. */
Test(spawner, lock_refuses_root_workers)
{
	struct sb_policy p = { .path = PROBE, .argv = ARGV("ok") };
	struct sb_reply r;
	char out[256];
	int logr;

	if (geteuid() != 0)
		cr_skip_test("the lock only matters to a spawner that is root");
	start();
	cr_assert_eq(sb_spawner_lock(ctl), 0);
	cr_assert_eq(spawn(7, &p, &logr, NULL, 0), 0);
	close(logr);
	recv_reply(&r, 5000);
	cr_assert_eq(r.type, SB_SPAWNED);
	cr_assert_eq(r.err, -EPERM, "uid 0: err %d", r.err);
	p.uid = 65534;
	cr_assert_eq(spawn(8, &p, &logr, NULL, 0), 0);
	close(logr);
	recv_reply(&r, 5000);
	cr_assert_eq(r.err, -EPERM, "gid 0: err %d", r.err);
	p.gid = 65534;
	cr_assert_eq(spawn_run(&p, out, sizeof(out), NULL, 0), 0);
	cr_assert_str_eq(out, "ok: ok\n");
}
