/*
 * misc: a test handler that misbehaves on request.  The action is the last
 * path segment of the route (rawPath ".../ACTION"), its argument the query
 * string's first value (rawQueryString "n=ARG"), so a test says what it
 * wants with a URL:
 *
 *   pid          reply {"pid":N,"worker":"ID","count":K}: which worker
 *                answered (ID is unique per worker; N is 1 in a pid
 *                namespace), how often
 *   sleep?n=MS   sleep MS milliseconds, then reply
 *   exit?n=CODE  exit(CODE) without replying
 *   segv         crash with SIGSEGV
 *   orphan       fork a child that sleeps, print its pid, exit (needs the
 *                exec seccomp profile)
 *   forbid?n=SYS make a call every seccomp profile but log denies: ptrace,
 *                mount, bpf, keyctl, kexec, rawsock; "child-ptrace" makes
 *                it in a forked child (exec profile); then reply what
 *                the call returned (so under the log profile it replies)
 *   error        lambda_error Function.Failed
 *   big?n=BYTES  reply with a JSON string of BYTES bytes
 *   log?n=K      print K lines to stdout and stderr, then reply
 *   raw?n=TEXT   reply with TEXT as the raw output (need not be JSON)
 *   env          reply with the environment as a JSON array of strings
 *   echo         reply with the event itself
 *
 * Under payload 1.0 (no rawPath) every reply is the event wrapped as
 * {"statusCode":200,"body":"<event as a string>"}, since a 1.0 reply must
 * have that shape.
 *
 * A plain JSON event, as the Invoke API delivers it, names the action
 * itself: {"action":"sleep","n":3000}, {"action":"raw","text":"..."}.  It
 * also has actions of its own:
 *
 *   print "text"  print the text to stdout, then reply {"printed":true}
 *   fail "text"   print the text to stdout, then fail with Function.Failed
 *                 (each retry of an Event leaves one line in the log)
 *   context       reply with the decoded client context (or null)
 *
 * A plain event without "action" is echoed back unchanged.
 *
 * With MISC_INIT_FAIL set in the environment it reports an init error
 * instead of serving; with MISC_INIT_SLEEP_MS it sleeps before serving;
 * with MISC_INIT_FORBID=SYS it makes that forbidden call (as "forbid")
 * before serving.
 */
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lambda.h"

extern char **environ;

static int count;

/* The value of a "key":"value" string field of the event, copied to out. */
static int
field(const char *ev, const char *key, char *out, size_t n)
{
	char pat[64];
	const char *s, *e;

	snprintf(pat, sizeof(pat), "\"%s\":\"", key);
	if ((s = strstr(ev, pat)) == NULL)
		return -1;
	s += strlen(pat);
	if ((e = strchr(s, '"')) == NULL || (size_t)(e - s) >= n)
		return -1;
	memcpy(out, s, (size_t)(e - s));
	out[e - s] = '\0';
	return 0;
}

static void
json_escape_into(char *out, size_t n, const char *s)
{
	size_t k = 0;

	for (; *s != '\0' && k + 7 < n; s++) {
		if (*s == '"' || *s == '\\')
			out[k++] = '\\';
		if ((unsigned char)*s < 0x20) {
			k += (size_t)snprintf(out + k, n - k, "\\u%04x", *s);
			continue;
		}
		out[k++] = *s;
	}
	out[k] = '\0';
}

static int
reply_env(struct lambda_invocation *inv)
{
	char *buf = malloc(65536), esc[2048];
	size_t k = 0;
	char **e;
	int rc;

	k += (size_t)snprintf(buf + k, 65536 - k, "[");
	for (e = environ; *e != NULL && k < 60000; e++) {
		json_escape_into(esc, sizeof(esc), *e);
		k += (size_t)snprintf(buf + k, 65536 - k, "%s\"%s\"",
		    e == environ ? "" : ",", esc);
	}
	k += (size_t)snprintf(buf + k, 65536 - k, "]");
	rc = lambda_reply(inv, buf, k);
	free(buf);
	return rc;
}

/* Decode %XX escapes in place. */
static void
url_decode(char *s)
{
	char *o = s;

	for (; *s != '\0'; s++) {
		unsigned v;

		if (*s == '%' && sscanf(s + 1, "%2x", &v) == 1) {
			*o++ = (char)v;
			s += 2;
		} else
			*o++ = *s;
	}
	*o = '\0';
}

static int
reply_v1(struct lambda_invocation *inv, const char *ev)
{
	size_t n = strlen(ev) * 6 + 64, k;
	char *b = malloc(n);
	int rc;

	k = (size_t)snprintf(b, n, "{\"statusCode\":200,\"body\":\"");
	json_escape_into(b + k, n - k - 4, ev);
	k += strlen(b + k);
	k += (size_t)snprintf(b + k, n - k, "\"}");
	rc = lambda_reply(inv, b, k);
	free(b);
	return rc;
}

/* The value of a "key":NUMBER field of the event, or 0. */
static long
num_field(const char *ev, const char *key)
{
	char pat[64];
	const char *s;

	snprintf(pat, sizeof(pat), "\"%s\":", key);
	if ((s = strstr(ev, pat)) == NULL)
		return 0;
	return strtol(s + strlen(pat), NULL, 10);
}

/* One forbidden call by name; its return value, or -2 for an unknown name. */
static long
forbidden_call(const char *name)
{
	pid_t kid;
	int st;

	if (strcmp(name, "ptrace") == 0)
		return ptrace(PTRACE_TRACEME, 0, NULL, NULL);
	if (strcmp(name, "mount") == 0)
		return mount("none", "/mnt", "tmpfs", 0, NULL);
	if (strcmp(name, "bpf") == 0)
		return syscall(SYS_bpf, 0, NULL, 0);
	if (strcmp(name, "keyctl") == 0)
		return syscall(SYS_keyctl, 0, -1, 0);
	if (strcmp(name, "kexec") == 0)
		return syscall(SYS_kexec_load, 0, 0, NULL, 0);
	if (strcmp(name, "rawsock") == 0)
		return socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
	if (strcmp(name, "child-ptrace") == 0) {
		if ((kid = fork()) == 0)
			_exit(ptrace(PTRACE_TRACEME, 0, NULL, NULL) == -1);
		return kid == -1 ? -1 : waitpid(kid, &st, 0);
	}
	return -2;
}

static int
reply_forbid(struct lambda_invocation *inv, const char *name)
{
	char out[128];
	long rc = forbidden_call(name);

	if (rc == -2)
		return lambda_error(inv, "Misc.BadCall", "unknown call");
	snprintf(out, sizeof(out), "{\"call\":\"%s\",\"rc\":%ld,\"errno\":%d}",
	    name, rc, rc < 0 ? errno : 0);
	return lambda_reply(inv, out, strlen(out));
}

static int
run(struct lambda_invocation *inv, const char *ev, const char *action,
    long n, char *argv)
{
	char out[512];

	if (strcmp(action, "pid") == 0) {
		/* The log stream name is made per worker, with 128 random bits. */
		const char *id = getenv("AWS_LAMBDA_LOG_STREAM_NAME");

		id = id != NULL && strchr(id, ']') != NULL ? strchr(id, ']') + 1 : "";
		snprintf(out, sizeof(out), "{\"pid\":%d,\"worker\":\"%.40s\","
		    "\"count\":%d}", (int)getpid(), id, count);
		return lambda_reply(inv, out, strlen(out));
	}
	if (strcmp(action, "sleep") == 0) {
		usleep((useconds_t)n * 1000);
		return lambda_reply(inv, "{\"slept\":true}", 14);
	}
	if (strcmp(action, "exit") == 0) {
		printf("exiting with %ld\n", n);
		fflush(stdout);
		exit((int)n);
	}
	if (strcmp(action, "orphan") == 0) {
		/* Leave a child behind and exit: it must not outlive us. */
		pid_t kid = fork();

		if (kid == 0) {
			sleep(60);
			_exit(0);
		}
		printf("orphan pid %d\n", (int)kid);
		fflush(stdout);
		exit(0);
	}
	if (strcmp(action, "forbid") == 0)
		return reply_forbid(inv, argv);
	if (strcmp(action, "segv") == 0) {
		/* A real fault, not raise(): as pid 1 of its pid namespace the
		 * worker ignores signals it sends itself, but not a fault. */
		*(volatile int *)(uintptr_t)n = 1;
	}
	if (strcmp(action, "error") == 0)
		return lambda_error(inv, "Function.Failed", "asked to fail");
	if (strcmp(action, "big") == 0) {
		char *b = malloc((size_t)n + 2);
		int rc;

		memset(b, 'x', (size_t)n + 2);
		b[0] = b[n + 1] = '"';
		rc = lambda_reply(inv, b, (size_t)n + 2);
		free(b);
		return rc;
	}
	if (strcmp(action, "log") == 0) {
		long i;

		for (i = 0; i < n; i++) {
			printf("stdout line %ld\n", i);
			fprintf(stderr, "stderr line %ld\n", i);
		}
		fflush(stdout);
		return lambda_reply(inv, "{\"logged\":true}", 15);
	}
	if (strcmp(action, "raw") == 0)
		return lambda_reply(inv, argv, strlen(argv));
	if (strcmp(action, "env") == 0)
		return reply_env(inv);
	if (strcmp(action, "print") == 0) {
		printf("%s\n", argv);
		return lambda_reply(inv, "{\"printed\":true}", 16);
	}
	if (strcmp(action, "fail") == 0) {
		printf("%s\n", argv);
		return lambda_error(inv, "Function.Failed", "asked to fail");
	}
	if (strcmp(action, "context") == 0) {
		const char *cc = lambda_client_context(inv);

		return cc != NULL ? lambda_reply(inv, cc, strlen(cc)) :
		    lambda_reply(inv, "null", 4);
	}
	return lambda_reply(inv, ev, strlen(ev));
}

static int
handle(struct lambda_invocation *inv, void *arg)
{
	const char *ev = lambda_event(inv, NULL);
	char path[256] = "", q[256] = "", text[256] = "", *action, *argv;

	(void)arg;
	count++;
	if (field(ev, "rawPath", path, sizeof(path)) == 0) {
		field(ev, "rawQueryString", q, sizeof(q));
		url_decode(q);
		action = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
		argv = strchr(q, '=') ? strchr(q, '=') + 1 : q;
		return run(inv, ev, action, strtol(argv, NULL, 10), argv);
	}
	if (strstr(ev, "\"httpMethod\":") != NULL)
		return reply_v1(inv, ev);
	if (field(ev, "action", path, sizeof(path)) != 0)
		return lambda_reply(inv, ev, strlen(ev));
	field(ev, "text", text, sizeof(text));
	return run(inv, ev, path, num_field(ev, "n"), text);
}

int
main(void)
{
	const char *s;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (getenv("MISC_INIT_FAIL") != NULL)
		return lambda_init_error("Runtime.InitFailed", getenv("MISC_INIT_FAIL"));
	if ((s = getenv("MISC_INIT_FORBID")) != NULL)
		(void)forbidden_call(s);
	if ((s = getenv("MISC_INIT_SLEEP_MS")) != NULL)
		usleep((useconds_t)atoi(s) * 1000);
	return lambda_run(handle, NULL);
}
