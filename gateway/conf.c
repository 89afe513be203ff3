/*
 * conf: load the INI configuration, a main file and a drop-in directory of
 * function files, into a struct conf.  See conf.h for the contract.
 *
 * libinih splits "key = value" lines and strips comments; everything else is
 * ours.  inih is fed through our own line reader (ini_parse_stream) because
 * its defaults do not fit a strict config:
 *   - its handler is not told the line number, and ini_parse_* returns only
 *     the line of the first error; the reader counts lines itself, so every
 *     error carries its exact line (inih calls the handler for a line before
 *     it reads the next one);
 *   - an indented line is a continuation of the previous value in inih
 *     ("  memory = 128" would silently become part of the previous key), so
 *     the reader strips leading blanks and multi-line values do not exist;
 *   - inih truncates section names to 49 bytes and reads lines of at most
 *     200 bytes in chunks, each parsed as a line of its own; the reader parses
 *     section headers itself (inih sees a blank line) and refuses a line that
 *     does not fit inih's buffer rather than let it be split.
 * Parsing stops at the first error, which is reported as "file:line: reason".
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ini.h>

#include "conf.h"
#include "conf_int.h"
#include "route.h"

#define CONF_ENV_MAX	4096	/* bytes of "KEY=VALUE" strings, as Lambda's 4 KB */
#define CONF_LINE_MAX	8192	/* inih line buffer, where it can be raised */
#define CONF_NKEYS_MAX	32
#define CONF_ENOTREG	100000	/* conf_fopen: -CONF_ENOTREG, not a regular file */

/*
 * Debian's libinih turns its compile-time limits into variables; upstream's
 * does not have them.  A weak reference links against both, and where the
 * variable exists we raise the 200-byte line limit so a long env value fits.
 */
extern int ini_max_line;
#pragma weak ini_max_line

enum conf_sect {
	SECT_NONE,
	SECT_LAMBDAD,
	SECT_FUNCTION,
};

/* The state of one file being parsed; inih hands it to reader and handler. */
struct conf_parser {
	struct conf	*c;
	FILE		*fp;
	const char	*file;		/* points into c->files */
	char		*dir;		/* realpath of the file's directory */
	bool		 dropin;
	char		*line;		/* getline buffer */
	size_t		 linecap;
	int		 lineno;
	enum conf_sect	 sect;
	int		 sect_line;
	size_t		 fn;		/* index into c->fns in a function section */
	int		 seen[CONF_NKEYS_MAX];	/* line of each scalar key set */
	int		 lambdad_line;	/* where [lambdad] was, 0 if not yet */
	int		 functions_line;	/* where functions = was */
	int		 err_line;	/* line being read when the error was found */
	char		*err;
	size_t		 errlen;
};

/* One word a key of a fixed set of values takes, and what it stands for. */
struct conf_word {
	const char	*word;
	int		 value;
};

struct conf_key {
	const char	*name;
	int		(*set)(struct conf_parser *, const struct conf_key *,
			    const char *);
	size_t		 off;		/* field in its section's struct */
	unsigned	 min, max;	/* numbers: the range */
	bool		 repeatable;
	const struct conf_word *words;	/* conf_set_word: NULL-terminated */
};

static int	conf_set_listen(struct conf_parser *, const struct conf_key *,
		    const char *);
static int	conf_set_word(struct conf_parser *, const struct conf_key *,
		    const char *);
static int	conf_set_functions(struct conf_parser *, const struct conf_key *,
		    const char *);
static int	conf_set_bootstrap(struct conf_parser *, const struct conf_key *,
		    const char *);
static int	conf_set_route(struct conf_parser *, const struct conf_key *,
		    const char *);
static int	conf_set_uint(struct conf_parser *, const struct conf_key *,
		    const char *);
static int	conf_set_env(struct conf_parser *, const struct conf_key *,
		    const char *);
static int	conf_set_path(struct conf_parser *, const struct conf_key *,
		    const char *);
static int	conf_set_name(struct conf_parser *, const struct conf_key *,
		    const char *);
static int	conf_set_access_key(struct conf_parser *,
		    const struct conf_key *, const char *);
static int	conf_set_metrics(struct conf_parser *, const struct conf_key *,
		    const char *);
static int	conf_set_uid_range(struct conf_parser *,
		    const struct conf_key *, const char *);
static int	conf_set_tables(struct conf_parser *, const struct conf_key *,
		    const char *);

static const struct conf_word conf_onoff[] = {
	{ "on", 1 }, { "off", 0 }, { NULL, 0 } };
static const struct conf_word conf_payloads[] = {
	{ "2.0", 2 }, { "1.0", 1 }, { NULL, 0 } };
static const struct conf_word conf_seccomps[] = {
	{ "default", CONF_SECCOMP_DEFAULT }, { "exec", CONF_SECCOMP_EXEC },
	{ "log", CONF_SECCOMP_LOG }, { NULL, 0 } };
static const struct conf_word conf_networks[] = {
	{ "none", CONF_NETWORK_NONE }, { "host", CONF_NETWORK_HOST },
	{ NULL, 0 } };
static const struct conf_word conf_auths[] = {
	{ "none", CONF_AUTH_NONE }, { "aws_iam", CONF_AUTH_AWS_IAM },
	{ NULL, 0 } };
static const struct conf_word conf_sandboxes[] = {
	{ "full", CONF_SANDBOX_FULL }, { "basic", CONF_SANDBOX_BASIC },
	{ "none", CONF_SANDBOX_NONE }, { NULL, 0 } };
static const struct conf_word conf_syncs[] = {
	{ "full", 1 }, { "normal", 0 }, { NULL, 0 } };

#define WORD(name, st, field, words) \
	{ name, conf_set_word, offsetof(st, field), 0, 0, false, words }

static const struct conf_key lambdad_keys[] = {
	{ "listen", conf_set_listen, 0, 0, 0, false, NULL },
	{ "functions", conf_set_functions, 0, 0, 0, false, NULL },
	/* Off by default: the Invoke API reaches every function by name, so
	 * it is something an operator turns on, not something routes imply. */
	WORD("invoke_api", struct conf, invoke_api, conf_onoff),
	{ "user", conf_set_name, offsetof(struct conf, user), 0, 0, false, NULL },
	{ "state_dir", conf_set_path, offsetof(struct conf, state_dir), 0, 0,
	    false, NULL },
	{ "admin_socket", conf_set_path, offsetof(struct conf, admin_socket),
	    0, 0, false, NULL },
	{ "admin_group", conf_set_name, offsetof(struct conf, admin_group),
	    0, 0, false, NULL },
	{ "access_key", conf_set_access_key, 0, 0, 0, true, NULL },
	{ "metrics_listen", conf_set_metrics, 0, 0, 0, false, NULL },
	{ "grace", conf_set_uint, offsetof(struct conf, grace_s), 0, 3600,
	    false, NULL },
	{ "worker_uids", conf_set_uid_range, 0, 0, 0, false, NULL },
	{ "event_retry_delay", conf_set_uint,
	    offsetof(struct conf, event_retry_delay_s), 1, 3600, false, NULL },
	{ "event_queue_max", conf_set_uint,
	    offsetof(struct conf, event_queue_max), 1, 1000000, false, NULL },
	{ "dynamodb_listen", conf_set_tables, 0, 0, 0, false, NULL },
	{ "tables_dir", conf_set_path, offsetof(struct conf, tables_dir), 0, 0,
	    false, NULL },
	WORD("tables_sync", struct conf, tables_sync_full, conf_syncs),
	/* 0 (the default): sized from RLIMIT_NOFILE at start (main.c). */
	{ "max_connections", conf_set_uint,
	    offsetof(struct conf, max_connections), 0, 10000000, false, NULL },
	WORD("busy_poll", struct conf, busy_poll, conf_onoff),
};

#define FN_UINT(name, field, min, max) \
	{ name, conf_set_uint, offsetof(struct function_conf, field), min, max, \
	    false, NULL }

/* The ranges are documented in lambdad.conf(5); keep the two in step. */
static const struct conf_key function_keys[] = {
	{ "bootstrap", conf_set_bootstrap, 0, 0, 0, false, NULL },
	{ "route", conf_set_route, 0, 0, 0, true, NULL },
	FN_UINT("memory", memory_mb, 16, 10240),
	FN_UINT("timeout", timeout_s, 1, 900),
	FN_UINT("min_idle", min_idle, 0, 1024),
	FN_UINT("max_workers", max_workers, 1, 1024),
	FN_UINT("idle_timeout", idle_timeout_s, 0, 86400),
	FN_UINT("max_invocations", max_invocations, 0, 1000000000),
	FN_UINT("queue_depth", queue_depth, 0, 100000),
	FN_UINT("queue_timeout", queue_timeout_s, 1, 3600),
	{ "env", conf_set_env, 0, 0, 0, true, NULL },
	WORD("payload", struct function_conf, payload, conf_payloads),
	WORD("seccomp", struct function_conf, seccomp, conf_seccomps),
	WORD("network", struct function_conf, network, conf_networks),
	WORD("auth", struct function_conf, auth, conf_auths),
	FN_UINT("tmp", tmp_mb, 1, 10240),
	FN_UINT("pids", pids, 1, 100000),
	FN_UINT("cpu", cpu_pct, 1, 10000),
	FN_UINT("event_retries", event_retries, 0, 2),
	FN_UINT("event_max_age", event_max_age_s, 60, 21600),
	WORD("sandbox", struct function_conf, sandbox, conf_sandboxes),
	{ "tables", conf_set_tables, 0, 0, 0, true, NULL },
};

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* Variables lambdad sets for every worker; a function may not override them. */
static const char *const reserved_env[] = {
	"AWS_LAMBDA_RUNTIME_API",
	"AWS_LAMBDA_FUNCTION_NAME",
	"AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
	"AWS_LAMBDA_FUNCTION_VERSION",
	"AWS_LAMBDA_LOG_GROUP_NAME",
	"AWS_LAMBDA_LOG_STREAM_NAME",
	"AWS_LAMBDA_INITIALIZATION_TYPE",
	"AWS_LAMBDA_MAX_CONCURRENCY",	/* switches runtimes to other modes */
	"_LAMBDA_TELEMETRY_LOG_FD",
	"_LAMBDA_TELEMETRY_LOG_FD_PROVIDER_SOCKET",
	"LAMBDA_TASK_ROOT",
	"LAMBDA_RUNTIME_DIR",
};

/*
 * Record the first error only: "file:line: reason".  Returns -1 so setters
 * can "return conf_error(...)".
 */
static int __attribute__((format(printf, 3, 4)))
conf_error(struct conf_parser *p, int line, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (p->err_line != 0)
		return -1;
	p->err_line = p->lineno > 0 ? p->lineno : 1;
	if (p->errlen == 0)
		return -1;
	n = snprintf(p->err, p->errlen, "%s:%d: ", p->file, line);
	if (n >= 0 && (size_t)n < p->errlen) {
		va_start(ap, fmt);
		vsnprintf(p->err + n, p->errlen - n, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static int
conf_nomem(struct conf_parser *p)
{
	return conf_error(p, p->lineno, "out of memory");
}

/* Grow *arr by one element of size; 0 or -1. */
static int
conf_grow(void *arrp, size_t n, size_t size)
{
	void *old, *nv;

	/* memcpy, not a cast to void **: arrp is a pointer to a T *. */
	memcpy(&old, arrp, sizeof(old));
	if ((nv = reallocarray(old, n + 1, size)) == NULL)
		return -1;
	memcpy(arrp, &nv, sizeof(nv));
	return 0;
}

static struct function_conf *
conf_fn(struct conf_parser *p)
{
	return &p->c->fns[p->fn];
}

/* "dir/name", without doubling the slash when dir is "/". */
static char *
conf_join(const char *dir, const char *name)
{
	char *s;
	const char *sep = dir[0] != '\0' && dir[strlen(dir) - 1] == '/' ? "" : "/";

	if (asprintf(&s, "%s%s%s", dir, sep, name) < 0)
		return NULL;
	return s;
}

/* realpath of the directory holding path; NULL with errno set. */
static char *
conf_dirof(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir, *real;

	if (slash == NULL)
		return realpath(".", NULL);
	if (slash == path)
		return realpath("/", NULL);
	dir = strndup(path, slash - path);
	if (dir == NULL)
		return NULL;
	real = realpath(dir, NULL);
	free(dir);
	return real;
}

int
conf_parse_hostport(const char *s, char **host, int *port)
{
	char buf[INET6_ADDRSTRLEN];
	struct in6_addr a6;
	const char *h, *colon, *end, *q;
	size_t hlen;
	long n = 0;

	if (s == NULL)
		return -EINVAL;
	if (s[0] == '[') {
		/* An IPv6 literal must be bracketed, or its colons are ambiguous. */
		h = s + 1;
		end = strchr(h, ']');
		if (end == NULL || end[1] != ':')
			return -EINVAL;
		hlen = end - h;
		if (hlen == 0 || hlen >= sizeof(buf))
			return -EINVAL;
		memcpy(buf, h, hlen);
		buf[hlen] = '\0';
		if (inet_pton(AF_INET6, buf, &a6) != 1)
			return -EINVAL;
		colon = end + 1;
	} else {
		h = s;
		colon = strrchr(s, ':');
		if (colon == NULL || colon == s || colon - s > 253)
			return -EINVAL;
		hlen = colon - s;
		for (q = s; q < colon; q++)
			if (!isalnum((unsigned char)*q) && *q != '.' && *q != '-')
				return -EINVAL;
	}
	for (q = colon + 1; *q != '\0'; q++) {
		if (!isdigit((unsigned char)*q) || q - colon > 5)
			return -EINVAL;
		n = n * 10 + (*q - '0');
	}
	if (q == colon + 1 || n > 65535)
		return -EINVAL;
	if ((*host = strndup(h, hlen)) == NULL)
		return -ENOMEM;
	*port = (int)n;
	return 0;
}

/* ---- keys of either section ---------------------------------------------- */

/* conf_set_word stores through an int: every such field is an int or an
 * enum that the compiler makes int-sized. */
_Static_assert(sizeof(enum conf_seccomp) == sizeof(int) &&
    sizeof(enum conf_network) == sizeof(int) &&
    sizeof(enum conf_auth) == sizeof(int) &&
    sizeof(enum conf_sandbox) == sizeof(int), "enum fields are int-sized");

/* One of a fixed set of words; the error lists them ("a, b or c"). */
static int
conf_set_word(struct conf_parser *p, const struct conf_key *k, const char *v)
{
	char *base = p->sect == SECT_LAMBDAD ? (char *)p->c : (char *)conf_fn(p);
	char list[128];
	size_t i, n = 0;

	for (i = 0; k->words[i].word != NULL; i++)
		if (strcmp(v, k->words[i].word) == 0) {
			*(int *)(void *)(base + k->off) = k->words[i].value;
			return 0;
		}
	list[0] = '\0';
	for (i = 0; k->words[i].word != NULL; i++)
		n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s",
		    i == 0 ? "" : k->words[i + 1].word == NULL ? " or " : ", ",
		    k->words[i].word);
	return conf_error(p, p->lineno, "%s: expected %s, not \"%s\"", k->name,
	    list, v);
}

/* ---- [lambdad] ----------------------------------------------------------- */

static int
conf_set_listen(struct conf_parser *p, const struct conf_key *k, const char *v)
{
	char *host;
	int port, rc;

	rc = conf_parse_hostport(v, &host, &port);
	if (rc == -ENOMEM)
		return conf_nomem(p);
	if (rc < 0)
		return conf_error(p, p->lineno, "%s: expected host:port "
		    "(127.0.0.1:8080, localhost:0 or [::1]:8080), not \"%s\"",
		    k->name, v);
	free(p->c->listen_host);
	p->c->listen_host = host;
	p->c->listen_port = port;
	return 0;
}

static int
conf_set_functions(struct conf_parser *p, const struct conf_key *k,
    const char *v)
{
	char *dir;

	if (*v == '\0')
		return conf_error(p, p->lineno, "%s: missing directory", k->name);
	dir = v[0] == '/' ? strdup(v) : conf_join(p->dir, v);
	if (dir == NULL)
		return conf_nomem(p);
	p->c->functions_dir = dir;
	p->functions_line = p->lineno;
	return 0;
}

/* A path; relative ones are taken from the file's directory. */
static int
conf_set_path(struct conf_parser *p, const struct conf_key *k, const char *v)
{
	char **dst = (char **)(void *)((char *)p->c + k->off), *path;

	if (*v == '\0')
		return conf_error(p, p->lineno, "%s: missing path", k->name);
	path = v[0] == '/' ? strdup(v) : conf_join(p->dir, v);
	if (path == NULL)
		return conf_nomem(p);
	free(*dst);
	*dst = path;
	return 0;
}

/* A user or group name: what getpwnam(3) would take. */
static int
conf_set_name(struct conf_parser *p, const struct conf_key *k, const char *v)
{
	char **dst = (char **)(void *)((char *)p->c + k->off);
	const char *s;

	if (*v == '\0' || strlen(v) > 32)
		return conf_error(p, p->lineno, "%s: expected a name of 1 to 32 "
		    "characters", k->name);
	for (s = v; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-' &&
		    *s != '.')
			return conf_error(p, p->lineno, "%s: \"%s\" is not a "
			    "user or group name", k->name, v);
	free(*dst);
	if ((*dst = strdup(v)) == NULL)
		return conf_nomem(p);
	return 0;
}

/*
 * "ID:SECRET", an access key the Invoke API verifies SigV4 signatures
 * against.  AWS key ids are 16 to 128 of A-Z 0-9; we take any printable id
 * without ':' or blanks, and a secret of at least 16 characters.
 */
static int
conf_set_access_key(struct conf_parser *p, const struct conf_key *k,
    const char *v)
{
	struct conf *c = p->c;
	const char *colon = strchr(v, ':'), *s;
	size_t i, idlen;

	if (colon == NULL || colon == v || strlen(colon + 1) < 16)
		return conf_error(p, p->lineno, "%s: expected ID:SECRET with a "
		    "secret of at least 16 characters", k->name);
	idlen = (size_t)(colon - v);
	for (s = v; *s != '\0'; s++)
		if (!isgraph((unsigned char)*s))
			return conf_error(p, p->lineno, "%s: blanks and control "
			    "characters are not allowed", k->name);
	for (i = 0; i < c->naccess_keys; i++)
		if (strncmp(c->access_keys[i], v, idlen + 1) == 0)
			return conf_error(p, p->lineno, "%s: key id \"%.*s\" is "
			    "given twice", k->name, (int)idlen, v);
	if (conf_grow(&c->access_keys, c->naccess_keys,
	    sizeof(*c->access_keys)) < 0 ||
	    (c->access_keys[c->naccess_keys] = strdup(v)) == NULL)
		return conf_nomem(p);
	c->naccess_keys++;
	return 0;
}

static int
conf_set_metrics(struct conf_parser *p, const struct conf_key *k,
    const char *v)
{
	char *host;
	int port, rc;

	rc = conf_parse_hostport(v, &host, &port);
	if (rc == -ENOMEM)
		return conf_nomem(p);
	if (rc < 0)
		return conf_error(p, p->lineno, "%s: expected host:port, not "
		    "\"%s\"", k->name, v);
	free(p->c->metrics_host);
	p->c->metrics_host = host;
	p->c->metrics_port = port;
	return 0;
}

/* dynamodb_listen and tables =: conf_tables.c has them. */
static int
conf_set_tables(struct conf_parser *p, const struct conf_key *k, const char *v)
{
	char why[384];
	int rc = p->sect == SECT_LAMBDAD ?
	    conf_tables_listen(p->c, v, why, sizeof(why)) :
	    conf_tables_grant(conf_fn(p), v, why, sizeof(why));

	return rc == 0 ? 0 : conf_error(p, p->lineno, "%s: %s", k->name, why);
}

/* "FIRST-LAST": the uids handed to functions' workers, one per function. */
static int
conf_set_uid_range(struct conf_parser *p, const struct conf_key *k,
    const char *v)
{
	unsigned long a, b;
	char *end;

	if (!isdigit((unsigned char)v[0]))
		goto bad;
	a = strtoul(v, &end, 10);
	if (*end != '-' || !isdigit((unsigned char)end[1]))
		goto bad;
	b = strtoul(end + 1, &end, 10);
	if (*end != '\0')
		goto bad;
	if (a == 0 || a > b || b >= 0xfffffffeUL)
		return conf_error(p, p->lineno, "%s: %s: expected 0 < FIRST <= "
		    "LAST < 4294967294", k->name, v);
	p->c->worker_uid_first = (unsigned)a;
	p->c->worker_uid_last = (unsigned)b;
	return 0;
bad:
	return conf_error(p, p->lineno, "%s: expected FIRST-LAST (such as "
	    "61000-61999), not \"%s\"", k->name, v);
}

/* ---- [function NAME] ------------------------------------------------------ */

/*
 * The bootstrap need not exist yet (spawn reports that), so only its
 * directory is made canonical, and only when it exists.
 */
static int
conf_set_bootstrap(struct conf_parser *p, const struct conf_key *k,
    const char *v)
{
	struct function_conf *fn = conf_fn(p);
	char *full, *slash, *dir, *real;
	const char *base;

	if (*v == '\0')
		return conf_error(p, p->lineno, "%s: missing path", k->name);
	full = v[0] == '/' ? strdup(v) : conf_join(p->dir, v);
	if (full == NULL)
		return conf_nomem(p);
	slash = strrchr(full, '/');
	base = slash + 1;
	if (*base == '\0' || strcmp(base, ".") == 0 || strcmp(base, "..") == 0) {
		free(full);
		return conf_error(p, p->lineno, "%s: \"%s\" names a directory, "
		    "not an executable", k->name, v);
	}
	dir = slash == full ? strdup("/") : strndup(full, slash - full);
	real = dir != NULL ? realpath(dir, NULL) : NULL;
	if (real != NULL) {
		free(dir);
		dir = real;
	}
	fn->task_root = dir;
	fn->bootstrap = dir != NULL ? conf_join(dir, base) : NULL;
	free(full);
	if (fn->bootstrap == NULL)
		return conf_nomem(p);
	return 0;
}

static int
conf_set_route(struct conf_parser *p, const struct conf_key *k, const char *v)
{
	struct function_conf *fn = conf_fn(p);
	struct conf_route *r;
	const char *why = "invalid route";

	if (route_parse(v, &why) < 0)
		return conf_error(p, p->lineno, "%s: \"%s\": %s", k->name, v, why);
	if (conf_grow(&fn->routes, fn->nroutes, sizeof(*fn->routes)) < 0)
		return conf_nomem(p);
	r = &fn->routes[fn->nroutes];
	if ((r->spec = strdup(v)) == NULL)
		return conf_nomem(p);
	r->file = p->file;
	r->line = p->lineno;
	fn->nroutes++;
	return 0;
}

/* Plain decimal only: "3s", "-1", "+3", " 3" and "" are all mistakes. */
static int
conf_set_uint(struct conf_parser *p, const struct conf_key *k, const char *v)
{
	unsigned long n = 0;
	const char *s;
	char *base;

	if (*v == '\0')
		return conf_error(p, p->lineno, "%s: missing value "
		    "(an integer from %u to %u)", k->name, k->min, k->max);
	for (s = v; *s != '\0'; s++) {
		if (!isdigit((unsigned char)*s))
			return conf_error(p, p->lineno, "%s: \"%s\" is not a "
			    "plain decimal integer (from %u to %u)", k->name, v,
			    k->min, k->max);
		if (n <= UINT_MAX)
			n = n * 10 + (unsigned long)(*s - '0');
	}
	if (n < k->min || n > k->max)
		return conf_error(p, p->lineno, "%s: %s is out of range "
		    "(%u to %u)", k->name, v, k->min, k->max);
	base = p->sect == SECT_LAMBDAD ? (char *)p->c : (char *)conf_fn(p);
	*(unsigned *)(void *)(base + k->off) = (unsigned)n;
	return 0;
}

static bool
conf_env_name_ok(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || isdigit((unsigned char)s[0]))
		return false;
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_')
			return false;
	return true;
}

static bool
conf_env_has(const struct function_conf *fn, const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < fn->nenv; i++)
		if (strncmp(fn->env[i], name, len) == 0 && fn->env[i][len] == '=')
			return true;
	return false;
}

static int
conf_set_env(struct conf_parser *p, const struct conf_key *k, const char *v)
{
	struct function_conf *fn = conf_fn(p);
	const char *eq = strchr(v, '=');
	size_t i, len, total = strlen(v);

	if (eq == NULL)
		return conf_error(p, p->lineno, "%s: expected KEY=VALUE, not "
		    "\"%s\"", k->name, v);
	len = eq - v;
	if (!conf_env_name_ok(v, len))
		return conf_error(p, p->lineno, "%s: \"%.*s\" is not a valid "
		    "variable name", k->name, (int)len, v);
	for (i = 0; i < NELEM(reserved_env); i++)
		if (strlen(reserved_env[i]) == len &&
		    strncmp(reserved_env[i], v, len) == 0)
			return conf_error(p, p->lineno, "%s: %.*s is reserved "
			    "(lambdad sets it)", k->name, (int)len, v);
	if (conf_env_has(fn, v, len))
		return conf_error(p, p->lineno, "%s: %.*s is set twice",
		    k->name, (int)len, v);
	for (i = 0; i < fn->nenv; i++)
		total += strlen(fn->env[i]);
	if (total > CONF_ENV_MAX)
		return conf_error(p, p->lineno, "%s: the environment of function "
		    "%s exceeds %d bytes", k->name, fn->name, CONF_ENV_MAX);
	if (conf_grow(&fn->env, fn->nenv, sizeof(*fn->env)) < 0 ||
	    (fn->env[fn->nenv] = strdup(v)) == NULL)
		return conf_nomem(p);
	fn->nenv++;
	return 0;
}

/* ---- sections -------------------------------------------------------------- */

/* Checks that need the whole section; reported at the section's line. */
static int
conf_section_end(struct conf_parser *p)
{
	struct function_conf *fn;

	if (p->sect != SECT_FUNCTION)
		return 0;
	fn = conf_fn(p);
	if (fn->bootstrap == NULL)
		return conf_error(p, p->sect_line, "[function %s]: bootstrap is "
		    "required", fn->name);
	if (fn->min_idle > fn->max_workers)
		return conf_error(p, p->sect_line, "[function %s]: min_idle (%u) "
		    "exceeds max_workers (%u)", fn->name, fn->min_idle,
		    fn->max_workers);
	return 0;
}

bool
conf_fn_name_ok(const char *s)
{
	size_t len = strlen(s), i;

	if (len == 0 || len > CONF_NAME_MAX)
		return false;
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '-')
			return false;
	return true;
}

static void
conf_fn_defaults(struct function_conf *fn)
{
	memset(fn, 0, sizeof(*fn));
	fn->memory_mb = 128;
	fn->timeout_s = 3;
	fn->min_idle = 0;
	fn->max_workers = 4;
	fn->idle_timeout_s = 300;
	fn->max_invocations = 0;
	fn->queue_depth = 64;
	fn->queue_timeout_s = 10;
	fn->payload = 2;
	fn->seccomp = CONF_SECCOMP_DEFAULT;
	fn->network = CONF_NETWORK_NONE;
	fn->auth = CONF_AUTH_NONE;
	fn->tmp_mb = 64;
	fn->pids = 64;
	fn->cpu_pct = 100;
	fn->event_retries = 2;
	fn->event_max_age_s = 21600;
}

/* Names are unique across all files, so the gateway can key on them. */
static int
conf_function_begin(struct conf_parser *p, const char *name)
{
	struct conf *c = p->c;
	struct function_conf *fn;
	size_t i;

	if (!conf_fn_name_ok(name))
		return conf_error(p, p->lineno, "function name \"%s\" must be "
		    "1 to %d of A-Z a-z 0-9 _ -", name, CONF_NAME_MAX);
	for (i = 0; i < c->nfns; i++)
		if (strcmp(c->fns[i].name, name) == 0)
			return conf_error(p, p->lineno, "duplicate function "
			    "\"%s\" (first defined at %s:%d)", name,
			    c->fns[i].file, c->fns[i].line);
	if (conf_grow(&c->fns, c->nfns, sizeof(*c->fns)) < 0)
		return conf_nomem(p);
	fn = &c->fns[c->nfns];
	conf_fn_defaults(fn);
	if ((fn->name = strdup(name)) == NULL)
		return conf_nomem(p);
	fn->file = p->file;
	fn->line = p->lineno;
	p->fn = c->nfns++;
	p->sect = SECT_FUNCTION;
	return 0;
}

/* Trim blanks on both ends of s in place. */
static char *
conf_trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static int
conf_section_begin(struct conf_parser *p, char *line)
{
	char *end, *name, *rest;

	if (conf_section_end(p) < 0)
		return -1;
	p->sect = SECT_NONE;
	memset(p->seen, 0, sizeof(p->seen));
	p->sect_line = p->lineno;
	if ((end = strchr(line, ']')) == NULL)
		return conf_error(p, p->lineno, "section header without ']'");
	*end = '\0';
	rest = conf_trim(end + 1);
	if (*rest != '\0' && *rest != ';' && *rest != '#')
		return conf_error(p, p->lineno, "unexpected \"%s\" after "
		    "section header", rest);
	name = conf_trim(line + 1);
	if (strcmp(name, "lambdad") == 0) {
		if (p->dropin)
			return conf_error(p, p->lineno, "[lambdad] belongs in the "
			    "main file; a drop-in file holds only [function NAME] "
			    "sections");
		if (p->lambdad_line != 0)
			return conf_error(p, p->lineno, "duplicate [lambdad] "
			    "section (first at line %d)", p->lambdad_line);
		p->lambdad_line = p->lineno;
		p->sect = SECT_LAMBDAD;
		return 0;
	}
	if (strncmp(name, "function", 8) == 0 &&
	    (name[8] == '\0' || isspace((unsigned char)name[8])))
		return conf_function_begin(p, conf_trim(name + 8));
	return conf_error(p, p->lineno, "unknown section [%s]", name);
}

/* ---- inih glue ------------------------------------------------------------- */

/*
 * inih's reader: hand it one physical line at a time, left-trimmed, with
 * section headers consumed here.  Returning NULL ends the parse, which is
 * how the first error stops it.
 */
static char *
conf_reader(char *str, int num, void *stream)
{
	struct conf_parser *p = stream;
	ssize_t n;
	char *s;
	size_t len;

	if (p->err_line != 0)
		return NULL;
	if ((n = getline(&p->line, &p->linecap, p->fp)) < 0) {
		if (ferror(p->fp))
			conf_error(p, p->lineno + 1, "%s", strerror(errno));
		return NULL;
	}
	p->lineno++;
	s = p->line;
	if (strlen(s) != (size_t)n) {
		conf_error(p, p->lineno, "NUL byte in line");
		return NULL;
	}
	if (p->lineno == 1 && strncmp(s, "\xef\xbb\xbf", 3) == 0)
		s += 3;		/* a UTF-8 byte order mark */
	while (*s == ' ' || *s == '\t' || *s == '\v' || *s == '\f')
		s++;
	if (*s == '[') {
		if (conf_section_begin(p, s) < 0)
			return NULL;
		s = "\n";
	}
	len = strlen(s);
	if (num < 3 || len > (size_t)num - 3) {
		conf_error(p, p->lineno, "line too long (more than %d bytes)",
		    num - 3);
		return NULL;
	}
	memcpy(str, s, len + 1);
	return str;
}

static int
conf_set(struct conf_parser *p, const struct conf_key *keys, size_t nkeys,
    const char *sect, const char *name, const char *value)
{
	size_t i;

	for (i = 0; i < nkeys; i++)
		if (strcmp(keys[i].name, name) == 0)
			break;
	if (i == nkeys)
		return conf_error(p, p->lineno, "unknown key \"%s\" in %s",
		    name, sect);
	if (!keys[i].repeatable) {
		if (p->seen[i] != 0)
			return conf_error(p, p->lineno, "%s is set twice in this "
			    "section (first at line %d)", name, p->seen[i]);
		p->seen[i] = p->lineno;
	}
	return keys[i].set(p, &keys[i], value);
}

/* inih's handler: 1 to go on, 0 on error.  section is ignored: see above. */
static int
conf_handler(void *user, const char *section, const char *name,
    const char *value)
{
	struct conf_parser *p = user;
	int rc;

	(void)section;
	if (p->err_line != 0)
		return 0;
	switch (p->sect) {
	case SECT_LAMBDAD:
		rc = conf_set(p, lambdad_keys, NELEM(lambdad_keys), "[lambdad]",
		    name, value);
		break;
	case SECT_FUNCTION:
		rc = conf_set(p, function_keys, NELEM(function_keys),
		    "[function]", name, value);
		break;
	default:
		rc = conf_error(p, p->lineno, "\"%s\" is outside any section",
		    name);
		break;
	}
	return rc == 0;
}

static int
conf_add_file(struct conf *c, const char *path)
{
	char *s;

	if (conf_grow(&c->files, c->nfiles, sizeof(*c->files)) < 0 ||
	    (s = strdup(path)) == NULL)
		return -1;
	c->files[c->nfiles++] = s;
	return 0;
}

/* Run inih over an open file; 0 or -1 with the error in p->err. */
static int
conf_parse_stream(struct conf_parser *p)
{
	int ret;

	if (&ini_max_line != NULL && ini_max_line < CONF_LINE_MAX)
		ini_max_line = CONF_LINE_MAX;
	ret = ini_parse_stream(conf_reader, p, conf_handler, p);
	if (ret == -2)
		return conf_error(p, 0, "out of memory");
	/* inih's own error (a line that is no "key = value") may come first. */
	if (ret > 0 && (p->err_line == 0 || ret < p->err_line)) {
		p->err_line = 0;
		return conf_error(p, ret, "expected \"key = value\", "
		    "\"[section]\" or a comment");
	}
	if (p->err_line != 0)
		return -1;
	return conf_section_end(p);
}

/* The io conf_load_io was given, for the files it reads on the way. */
static const struct conf_io *conf_cur_io;

/* Open path (a directory if dir) the way this load reads: fd or -errno. */
static int
conf_open(const char *path, bool dir)
{
	int fd;

	if (conf_cur_io != NULL)
		return conf_cur_io->open(conf_cur_io->arg, path, dir);
	/* O_NONBLOCK: a FIFO named x.conf must not hang the load. */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK |
	    (dir ? O_DIRECTORY : 0))) < 0)
		return -errno;
	return fd;
}

/* A stdio stream on a regular file opened with conf_open; -errno. */
static int
conf_fopen(const char *path, FILE **fpp)
{
	struct stat st;
	int fd, fl;

	if ((fd = conf_open(path, false)) < 0)
		return fd;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -CONF_ENOTREG;
	}
	if ((fl = fcntl(fd, F_GETFL)) >= 0)
		(void)fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	if ((*fpp = fdopen(fd, "r")) == NULL) {
		fl = -errno;
		close(fd);
		return fl;
	}
	return 0;
}

static int
conf_parse_file(struct conf *c, const char *path, bool dropin,
    int *functions_line, char *err, size_t errlen)
{
	struct conf_parser p;
	int rc = -1, orc;

	memset(&p, 0, sizeof(p));
	p.c = c;
	p.dropin = dropin;
	p.err = err;
	p.errlen = errlen;
	p.file = path;
	if (conf_add_file(c, path) < 0)
		return conf_error(&p, 0, "out of memory");
	p.file = c->files[c->nfiles - 1];
	if ((orc = conf_fopen(path, &p.fp)) == -CONF_ENOTREG)
		return conf_error(&p, 0, "not a regular file");
	if (orc < 0)
		return conf_error(&p, 0, "cannot open: %s", strerror(-orc));
	if ((p.dir = conf_dirof(path)) == NULL)
		conf_error(&p, 0, "cannot resolve its directory: %s",
		    strerror(errno));
	else
		rc = conf_parse_stream(&p);
	if (functions_line != NULL)
		*functions_line = p.functions_line;
	free(p.line);
	free(p.dir);
	fclose(p.fp);
	return rc;
}

/* ---- the drop-in directory ---------------------------------------------- */

static int
conf_dropin_filter(const struct dirent *d)
{
	size_t len = strlen(d->d_name);

	return d->d_name[0] != '.' && len > 5 &&
	    strcmp(d->d_name + len - 5, ".conf") == 0;
}

/* Byte order, not the locale's collation, so the order is the same anywhere. */
static int
conf_dropin_cmp(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int
conf_load_dropin(struct conf *c, const char *dir, const char *name, char *err,
    size_t errlen)
{
	char *path;
	int rc;

	if ((path = conf_join(dir, name)) == NULL) {
		snprintf(err, errlen, "%s:0: out of memory", name);
		return -1;
	}
	rc = conf_parse_file(c, path, true, NULL, err, errlen);
	free(path);
	return rc;
}

/*
 * scandir(3) on a directory opened with conf_open (so the opener's rights
 * apply to it): the *.conf entries, in byte order.  Count or -1 with errno.
 */
static int
conf_scandir(const char *dir, struct dirent ***out)
{
	struct dirent **v = NULL, *e, *copy;
	DIR *d;
	int fd, n = 0;

	if ((fd = conf_open(dir, true)) < 0) {
		errno = -fd;
		return -1;
	}
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		if (!conf_dropin_filter(e))
			continue;
		if (conf_grow(&v, (size_t)n, sizeof(*v)) < 0 ||
		    (copy = malloc(sizeof(*e))) == NULL) {
			while (n > 0)
				free(v[--n]);
			free(v);
			closedir(d);
			errno = ENOMEM;
			return -1;
		}
		memcpy(copy, e, sizeof(*e));
		v[n++] = copy;
	}
	closedir(d);
	if (n > 0)
		qsort(v, (size_t)n, sizeof(*v),
		    (int (*)(const void *, const void *))conf_dropin_cmp);
	*out = v;
	return n;
}

static int
conf_load_dropins(struct conf *c, const char *dir, int functions_line,
    char *err, size_t errlen)
{
	struct dirent **ents;
	int i, n, rc = 0;

	n = conf_scandir(dir, &ents);
	if (n < 0 && functions_line == 0 && (errno == ENOENT || errno == ENOTDIR))
		return 0;	/* nothing deployed yet */
	if (n < 0 && functions_line == 0) {
		snprintf(err, errlen, "%s:0: cannot read: %s", dir,
		    strerror(errno));
		return -1;
	}
	if (n < 0) {
		snprintf(err, errlen, "%s:%d: functions: cannot read \"%s\": %s",
		    c->files[0], functions_line, c->functions_dir,
		    strerror(errno));
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (rc == 0)
			rc = conf_load_dropin(c, dir, ents[i]->d_name, err,
			    errlen);
		free(ents[i]);
	}
	free(ents);
	return rc;
}

/* ---- entry points -------------------------------------------------------- */

int
conf_load(const char *path, struct conf **out, char *err, size_t errlen)
{
	return conf_load_io(path, NULL, out, err, errlen);
}

static int	conf_load_all(const char *path, struct conf **out, char *err,
		    size_t errlen);

int
conf_load_io(const char *path, const struct conf_io *io, struct conf **out,
    char *err, size_t errlen)
{
	int rc;

	conf_cur_io = io;
	rc = conf_load_all(path, out, err, errlen);
	conf_cur_io = NULL;
	return rc;
}

static int
conf_load_all(const char *path, struct conf **out, char *err, size_t errlen)
{
	struct conf *c;
	char *deployed;
	int functions_line = 0, rc;

	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->listen_host = strdup("127.0.0.1")) == NULL) {
		snprintf(err, errlen, "%s:0: out of memory", path);
		conf_free(c);
		return -1;
	}
	c->listen_port = 8080;
	c->metrics_port = -1;
	c->grace_s = 10;
	c->event_retry_delay_s = 60;
	c->event_queue_max = 10000;
	c->dynamodb_port = -1;
	c->tables_sync_full = 1;
	if (conf_parse_file(c, path, false, &functions_line, err, errlen) < 0)
		goto fail;
	if (c->functions_dir != NULL && conf_load_dropins(c, c->functions_dir,
	    functions_line, err, errlen) < 0)
		goto fail;
	/* What lambdactl deployed: <state_dir>/functions.d, read last. */
	if ((deployed = conf_join(conf_state_dir(c), "functions.d")) == NULL) {
		snprintf(err, errlen, "%s:0: out of memory", path);
		goto fail;
	}
	rc = conf_load_dropins(c, deployed, 0, err, errlen);
	free(deployed);
	if (rc < 0)
		goto fail;
	if (conf_check_routes(c, err, errlen) < 0 ||
	    conf_check_auth(c, err, errlen) < 0)
		goto fail;
	conf_stat_bootstraps(c);
	conf_assign_uids(c);
	if (conf_list_others(c) < 0) {
		snprintf(err, errlen, "%s:0: out of memory", path);
		goto fail;
	}
	*out = c;
	return 0;
fail:
	conf_free(c);
	return -1;
}

static void
conf_fn_free(struct function_conf *fn)
{
	size_t i;

	free(fn->name);
	free(fn->bootstrap);
	free(fn->task_root);
	free(fn->others);
	for (i = 0; i < fn->nroutes; i++)
		free(fn->routes[i].spec);
	free(fn->routes);
	for (i = 0; i < fn->nenv; i++)
		free(fn->env[i]);
	free(fn->env);
	conf_tables_free(fn);
}

void
conf_free(struct conf *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nfns; i++)
		conf_fn_free(&c->fns[i]);
	free(c->fns);
	for (i = 0; i < c->nfiles; i++)
		free(c->files[i]);
	free(c->files);
	free(c->functions_dir);
	free(c->listen_host);
	free(c->user);
	free(c->state_dir);
	free(c->admin_socket);
	free(c->admin_group);
	for (i = 0; i < c->naccess_keys; i++)
		free(c->access_keys[i]);
	free(c->access_keys);
	free(c->metrics_host);
	free(c->dynamodb_host);
	free(c->tables_dir);
	free(c);
}
