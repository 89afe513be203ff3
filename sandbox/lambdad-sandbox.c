/*
 * lambdad-sandbox: run one program under the jail lambdad gives a worker.
 *
 * A chain-loader in the manner of s6-softlimit: parse the options into a
 * struct sb_policy, compile the seccomp profile, and hand everything to the
 * same sb_exec() the spawner uses, in this process.  stdout and stderr stay
 * what they are; the program replaces this one, so its exit status (or the
 * signal that killed it, SIGSYS for a forbidden syscall) is the command's.
 * The program runs in a child that this process supervises (sandbox/run.c):
 * as pid 1 of a new pid namespace with -N, and in any case so that a call
 * the seccomp filter denies can be named on stderr before the command
 * exits as the program did.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox.h"

extern char **environ;

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: lambdad-sandbox [-ENR] [-C dir] [-e key=value] "
	    "[-f fsize_mb] [-g gid] [-m memory_mb]\n"
	    "\t[-n nofile] [-p nproc] [-s default|exec|log|none] "
	    "[-t cpu_s] [-u uid] [-w dir]\n"
	    "\t[--hide dir] [--net none|host] [--opt dir] [--tmp-size mb]\n"
	    "\t-- prog [arg ...]\n"
	    "       lambdad-sandbox --probe\n");
	exit(2);
}

static unsigned
num(const char *s, char opt)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (*s == '\0' || *s == '-' || *end != '\0' || errno != 0 ||
	    v > UINT_MAX) {
		fprintf(stderr, "lambdad-sandbox: -%c: bad number: %s\n",
		    opt > ' ' ? opt : '-', s);
		usage();
	}
	return (unsigned)v;
}

static enum sb_seccomp
profile(const char *s)
{
	static const char *const names[] = { "default", "exec", "log", "none" };

	for (int i = 0; i < 4; i++)
		if (strcmp(s, names[i]) == 0)
			return (enum sb_seccomp)i;
	fprintf(stderr, "lambdad-sandbox: -s: unknown profile: %s\n", s);
	usage();
}

/* Add or replace KEY=VAL in a NULL-terminated vector with room for it. */
static void
env_set(char **env, size_t *n, char *kv)
{
	size_t klen = strcspn(kv, "=");

	if (kv[klen] != '=' || klen == 0) {
		fprintf(stderr, "lambdad-sandbox: -e: not KEY=VALUE: %s\n", kv);
		usage();
	}
	for (size_t i = 0; i < *n; i++)
		if (strncmp(env[i], kv, klen + 1) == 0) {
			env[i] = kv;
			return;
		}
	env[(*n)++] = kv;
	env[*n] = NULL;
}

/* execve does not search PATH; do it here as env(1) would. */
static char *
lookup(const char *prog)
{
	const char *path = getenv("PATH"), *p, *q;
	static char buf[PATH_MAX];

	if (strchr(prog, '/') != NULL || path == NULL)
		return (char *)prog;
	for (p = path; ; p = q + 1) {
		q = strchrnul(p, ':');
		if (snprintf(buf, sizeof(buf), "%.*s/%s", (int)(q - p), p,
		    prog) < (int)sizeof(buf) && access(buf, X_OK) == 0)
			return buf;
		if (*q == '\0')
			return (char *)prog;
	}
}

/* Leave the way the program did: its exit code, or its signal. */
static int
mirror(int st)
{
	struct rlimit none = { 0, 0 };
	sigset_t set;

	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	setrlimit(RLIMIT_CORE, &none);
	signal(WTERMSIG(st), SIG_DFL);
	sigemptyset(&set);
	sigaddset(&set, WTERMSIG(st));
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	raise(WTERMSIG(st));
	return 128 + WTERMSIG(st);
}

/* The line that names the call a program was killed for. */
static void
denied(const char *prog, int nr, int foreign)
{
	const char *name = foreign ? NULL : sb_syscall_name(nr);

	if (name != NULL)
		fprintf(stderr, "lambdad-sandbox: %s: killed by seccomp: %s "
		    "(syscall %d)\n", prog, name, nr);
	else
		fprintf(stderr, "lambdad-sandbox: %s: killed by seccomp: "
		    "syscall %d%s\n", prog, nr, foreign ?
		    " of another architecture" : "");
}

static int
probe(void)
{
	char report[512];

	sb_probe_layers(report, sizeof(report));
	fputs(report, stdout);
	return 0;
}

enum { OPT_NET = 256, OPT_TMP, OPT_PROBE, OPT_HIDE, OPT_OPT };

static const struct option longopts[] = {
	{ "net", required_argument, NULL, OPT_NET },
	{ "tmp-size", required_argument, NULL, OPT_TMP },
	{ "probe", no_argument, NULL, OPT_PROBE },
	{ "hide", required_argument, NULL, OPT_HIDE },
	{ "opt", required_argument, NULL, OPT_OPT },
	{ NULL, 0, NULL, 0 },
};

static void
net(struct sb_policy *p, const char *s)
{
	if (strcmp(s, "none") == 0)
		p->ns |= SB_NS_NET;
	else if (strcmp(s, "host") == 0)
		p->ns &= ~SB_NS_NET;
	else {
		fprintf(stderr, "lambdad-sandbox: --net: none or host: %s\n",
		    s);
		usage();
	}
}

int
main(int argc, char *argv[])
{
	struct sb_policy p = { .seccomp = SB_SECCOMP_DEFAULT };
	struct sb_filter *f;
	size_t nenv = 0, nsys = 0, nextra = 0;
	char **env, **extra, **hide;
	size_t nhide = 0;
	const char *netarg = NULL;
	int ch, keep = 0, rc, sys_nr, sys_foreign;

	while (environ[nsys] != NULL)
		nsys++;
	/* Room for the whole environment and one per -e: at most argc. */
	if ((env = calloc(nsys + argc + 1, sizeof(*env))) == NULL ||
	    (extra = calloc(argc, sizeof(*extra))) == NULL ||
	    (hide = calloc(argc, sizeof(*hide))) == NULL)
		return 1;
	while ((ch = getopt_long(argc, argv, "+C:Ee:f:g:m:Nn:p:Rs:t:u:w:",
	    longopts, NULL)) != -1) {
		switch (ch) {
		case 'N': p.ns |= SB_NS_ALL; break;
		case 'R': p.ns_required = 1; break;
		case 'u': p.uid = num(optarg, ch); break;
		case 'g': p.gid = num(optarg, ch); break;
		case 'w': p.rw_dir = optarg; break;
		case OPT_NET: netarg = optarg; break;
		case OPT_TMP: p.tmp_mb = num(optarg, ch); break;
		case OPT_PROBE: return probe();
		case OPT_HIDE: hide[nhide++] = optarg; break;
		case OPT_OPT: p.opt_dir = optarg; break;
		case 'C': p.cwd = optarg; break;
		case 'E': keep = 1; break;
		case 'e': extra[nextra++] = optarg; break;
		case 'f': p.fsize_mb = num(optarg, ch); break;
		case 'm': p.memory_mb = num(optarg, ch); break;
		case 'n': p.nofile = num(optarg, ch); break;
		case 'p': p.nproc = num(optarg, ch); break;
		case 's': p.seccomp = profile(optarg); break;
		case 't': p.cpu_s = num(optarg, ch); break;
		default: usage();
		}
	}
	if (optind >= argc)
		usage();
	if (netarg != NULL)	/* after -N, whatever the order */
		net(&p, netarg);
	for (size_t i = 0; keep && i < nsys; i++)
		env_set(env, &nenv, environ[i]);
	for (size_t i = 0; i < nextra; i++)	/* -e wins over -E */
		env_set(env, &nenv, extra[i]);
	p.path = lookup(argv[optind]);
	p.argv = argv + optind;
	p.envp = env;
	p.hide = nhide > 0 ? hide : NULL;
	if ((rc = sb_filter_new(p.seccomp, &f)) < 0) {
		fprintf(stderr, "lambdad-sandbox: seccomp: %s\n", strerror(-rc));
		return 127;
	}
	if ((rc = sb_run(&p, f, &sys_nr, &sys_foreign)) >= 0) {
		if (sys_nr >= 0)
			denied(argv[optind], sys_nr, sys_foreign);
		return mirror(rc);
	}
	fprintf(stderr, "lambdad-sandbox: %s: %s\n", argv[optind],
	    strerror(-rc));
	return 127;
}
