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
#include "conf_parse.h"
#include "route.h"

#define CONF_ENV_MAX	4096	/* bytes of "KEY=VALUE" strings, as Lambda's 4 KB */
#define CONF_LINE_MAX	8192	/* inih line buffer, where it can be raised */
#define CONF_ENOTREG	100000	/* conf_fopen: -CONF_ENOTREG, not a regular file */

/*
 * Debian's libinih turns its compile-time limits into variables; upstream's
 * does not have them.  A weak reference links against both, and where the
 * variable exists we raise the 200-byte line limit so a long env value fits.
 */
extern int ini_max_line;
#pragma weak ini_max_line

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/*
 * Record the first error only: "file:line: reason".  Returns -1 so setters
 * can "return conf_error(...)".
 */
int __attribute__((format(printf, 3, 4)))
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

int
conf_nomem(struct conf_parser *p)
{
	return conf_error(p, p->lineno, "out of memory");
}

/* Grow *arr by one element of size; 0 or -1. */
int
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

struct function_conf *
conf_fn(struct conf_parser *p)
{
	return &p->c->fns[p->fn];
}

/* "dir/name", without doubling the slash when dir is "/". */
char *
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

/* ---- sections -------------------------------------------------------------- */

/* Checks that need the whole section; reported at the section's line. */
static int
conf_section_end(struct conf_parser *p)
{
	struct function_conf *fn;
	char why[512];
	int line;

	if (p->sect == SECT_AUTHORIZER) {
		if (conf_auth_end(&p->c->authorizers[p->authz], &line, why,
		    sizeof(why)) != 0)
			return conf_error(p, line, "%s", why);
		return 0;
	}
	if (p->sect == SECT_PLAN) {
		line = p->sect_line;
		if (conf_plan_end(&p->c->plans[p->plan], &line, why,
		    sizeof(why)) != 0)
			return conf_error(p, line, "%s", why);
		return 0;
	}
	if (p->sect == SECT_SCHEDULE) {
		if (conf_sched_end(&p->c->schedules[p->sched], why,
		    sizeof(why)) != 0)
			return conf_error(p, p->sect_line, "%s", why);
		return 0;
	}
	if (p->sect == SECT_WEBSOCKET) {
		if (conf_ws_end(&p->c->websockets[p->ws], &line, why,
		    sizeof(why)) != 0)
			return conf_error(p, line, "%s", why);
		return 0;
	}
	if (p->sect == SECT_SITE) {
		line = p->sect_line;
		if (conf_site_end(&p->c->sites[p->site], &line, why,
		    sizeof(why)) != 0)
			return conf_error(p, line, "%s", why);
		return 0;
	}
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

bool
conf_version_name_ok(const char *s)
{
	const char *colon = strchr(s, ':'), *d;
	char base[CONF_NAME_MAX + 1];

	if (colon == NULL || colon - s > CONF_NAME_MAX || colon[1] == '0' ||
	    colon[1] == '\0' || strlen(colon + 1) > 10)
		return false;
	for (d = colon + 1; *d != '\0'; d++)
		if (!isdigit((unsigned char)*d))
			return false;
	memcpy(base, s, (size_t)(colon - s));
	base[colon - s] = '\0';
	return conf_fn_name_ok(base);
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
	fn->max_concurrency = 1;
	fn->queue_depth = 64;
	fn->log_rate = 10000;
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
	fn->cors_on = 1;
	fn->throttle_mrate = CONF_UNSET;
	fn->throttle_burst = CONF_UNSET;
}

/* Names are unique across all files, so the gateway can key on them. */
static int
conf_function_begin(struct conf_parser *p, const char *name)
{
	struct conf *c = p->c;
	struct function_conf *fn;
	size_t i;

	/* NAME:N, a published version, only in drop-ins (control.h). */
	if (!conf_fn_name_ok(name) && !(p->dropin && conf_version_name_ok(name)))
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

typedef int (*conf_begin_fn)(struct conf *, const char *, const char *, int,
    char *, size_t);

/*
 * Authorizers, usage plans, WebSocket APIs and schedules are the main
 * file's: drop-ins hold functions only.  Begin section [kind name] with begin.
 */
static int
conf_main_section(struct conf_parser *p, const char *kind, const char *name,
    conf_begin_fn begin)
{
	char why[512];

	if (p->dropin)
		return conf_error(p, p->lineno, "[%s %s] belongs in the main "
		    "file; a drop-in file holds only [function NAME] sections",
		    kind, name);
	if (begin(p->c, name, p->file, p->lineno, why, sizeof(why)) != 0)
		return conf_error(p, p->lineno, "%s", why);
	return 0;
}

static int
conf_authorizer_begin(struct conf_parser *p, const char *name)
{
	if (conf_main_section(p, "authorizer", name, conf_auth_begin) != 0)
		return -1;
	p->authz = p->c->nauthorizers - 1;
	p->sect = SECT_AUTHORIZER;
	return 0;
}

static int
conf_plan_section(struct conf_parser *p, const char *name)
{
	if (conf_main_section(p, "usage_plan", name, conf_plan_begin) != 0)
		return -1;
	p->plan = p->c->nplans - 1;
	p->sect = SECT_PLAN;
	return 0;
}

static int
conf_websocket_section(struct conf_parser *p, const char *name)
{
	if (conf_main_section(p, "websocket", name, conf_ws_begin) != 0)
		return -1;
	p->ws = p->c->nwebsockets - 1;
	p->sect = SECT_WEBSOCKET;
	return 0;
}

static int
conf_site_section(struct conf_parser *p, const char *name)
{
	if (conf_main_section(p, "site", name, conf_site_begin) != 0)
		return -1;
	p->site = p->c->nsites - 1;
	p->sect = SECT_SITE;
	return 0;
}

static int
conf_schedule_section(struct conf_parser *p, const char *name)
{
	if (conf_main_section(p, "schedule", name, conf_sched_begin) != 0)
		return -1;
	p->sched = p->c->nschedules - 1;
	p->sect = SECT_SCHEDULE;
	return 0;
}

const char *
conf_word_next(const char **p, size_t *n)
{
	const char *s = *p, *e;

	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '\0') {
		*p = s;
		return NULL;
	}
	for (e = s; *e != '\0' && *e != ' ' && *e != '\t'; e++)
		;
	*n = (size_t)(e - s);
	*p = e;
	return s;
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
	if (strcmp(name, "cors") == 0) {
		if (p->dropin)
			return conf_error(p, p->lineno, "[cors] belongs in the "
			    "main file; a function's own CORS keys go in its "
			    "[function NAME] section");
		if (p->cors_line != 0)
			return conf_error(p, p->lineno, "duplicate [cors] section "
			    "(first at line %d)", p->cors_line);
		if (conf_apigw_cors_begin(p->c, p->file, p->lineno) < 0)
			return conf_nomem(p);
		p->cors_line = p->lineno;
		p->sect = SECT_CORS;
		return 0;
	}
	if (strncmp(name, "function", 8) == 0 &&
	    (name[8] == '\0' || isspace((unsigned char)name[8])))
		return conf_function_begin(p, conf_trim(name + 8));
	if (strncmp(name, "authorizer", 10) == 0 &&
	    (name[10] == '\0' || isspace((unsigned char)name[10])))
		return conf_authorizer_begin(p, conf_trim(name + 10));
	if (strncmp(name, "usage_plan", 10) == 0 &&
	    (name[10] == '\0' || isspace((unsigned char)name[10])))
		return conf_plan_section(p, conf_trim(name + 10));
	if (strncmp(name, "websocket", 9) == 0 &&
	    (name[9] == '\0' || isspace((unsigned char)name[9])))
		return conf_websocket_section(p, conf_trim(name + 9));
	if (strncmp(name, "site", 4) == 0 &&
	    (name[4] == '\0' || isspace((unsigned char)name[4])))
		return conf_site_section(p, conf_trim(name + 4));
	if (strncmp(name, "schedule", 8) == 0 &&
	    (name[8] == '\0' || isspace((unsigned char)name[8])))
		return conf_schedule_section(p, conf_trim(name + 8));
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
		rc = conf_set(p, conf_lambdad_keys, conf_nlambdad_keys, "[lambdad]",
		    name, value);
		break;
	case SECT_FUNCTION:
		rc = conf_set(p, conf_function_keys, conf_nfunction_keys,
		    "[function]", name, value);
		break;
	case SECT_CORS:
		rc = conf_set(p, conf_cors_keys, conf_ncors_keys, "[cors]", name,
		    value);
		break;
	case SECT_AUTHORIZER:
		rc = conf_set(p, conf_authorizer_keys, conf_nauthorizer_keys,
		    "[authorizer]", name, value);
		break;
	case SECT_PLAN:
		rc = conf_set(p, conf_plan_keys, conf_nplan_keys, "[usage_plan]",
		    name, value);
		break;
	case SECT_WEBSOCKET:
		rc = conf_set(p, conf_websocket_keys, conf_nwebsocket_keys,
		    "[websocket]", name, value);
		break;
	case SECT_SITE:
		rc = conf_set(p, conf_site_keys, conf_nsite_keys, "[site]",
		    name, value);
		break;
	case SECT_SCHEDULE:
		rc = conf_set(p, conf_schedule_keys, conf_nschedule_keys,
		    "[schedule]", name, value);
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
const struct conf_io *conf_cur_io;

/* Open path (a directory if dir) the way this load reads: fd or -errno. */
int
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

int
conf_read_file(const char *path, size_t max, char **data, size_t *len)
{
	FILE *fp;
	char *buf;
	size_t n;
	int rc;

	if ((rc = conf_fopen(path, &fp)) != 0)
		return rc == -CONF_ENOTREG ? -EINVAL : rc;
	if ((buf = malloc(max + 2)) == NULL) {
		fclose(fp);
		return -ENOMEM;
	}
	n = fread(buf, 1, max + 1, fp);
	rc = ferror(fp) ? -EIO : n > max ? -EFBIG : 0;
	fclose(fp);
	if (rc != 0) {
		free(buf);
		return rc;
	}
	buf[n] = '\0';
	*data = buf;
	*len = n;
	return 0;
}

int
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

