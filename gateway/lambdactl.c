/*
 * lambdactl: the operator's command for a running lambdad, over its admin
 * socket (admin.h has the API).  One request per command, except `logs -f`,
 * which long-polls.  Exit status: 0 done, 1 the daemon refused (its reason
 * is printed), 2 usage, 3 the daemon cannot be reached.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cJSON.h>

#include "sam/deploy.h"

#define DEFAULT_SOCKET	"/run/lambdad/admin.sock"
#define MAX_REPLY	(64 * 1024 * 1024)

struct reply {
	int	 status;
	char	*head;		/* status line and headers, NUL-terminated */
	char	*body;		/* NUL-terminated */
	size_t	 body_len;
};

static const char *sock_path = DEFAULT_SOCKET;

static void __attribute__((noreturn, format(printf, 2, 3)))
die(int code, const char *fmt, ...)
{
	va_list ap;

	fputs("lambdactl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(code);
}

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr,
	    "usage: lambdactl [-s socket] command [args]\n"
	    "  deploy NAME BOOTSTRAP [--route R]... [--memory MB] [--timeout S]\n"
	    "         [--env K=V]... [--min-idle N] [--max-workers N]\n"
	    "         [--set KEY=VALUE]...\n"
	    "  deploy-template FILE [--param K=V]... [--endpoint URL]\n"
	    "         [--dynamodb-endpoint URL] [--stack-name NAME]\n"
	    "  rm NAME\n"
	    "  ls [-j]\n"
	    "  status [-j]\n"
	    "  invoke NAME [PAYLOAD | -]\n"
	    "  logs NAME [-f]\n"
	    "  reload\n"
	    "  tables [-j]\n"
	    "  tables backup NAME FILE\n"
	    "  buckets [-j]\n"
	    "  schedules [-j]\n"
	    "  keys add NAME --plan PLAN\n"
	    "  keys rm NAME\n"
	    "  keys ls [-j]\n"
	    "  openapi\n");
	exit(2);
}

/* ---- a minimal HTTP/1.1 client over the Unix socket ------------------------ */

static int
ctl_connect(void)
{
	struct sockaddr_un sun;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(sock_path) >= sizeof(sun.sun_path))
		die(3, "%s: path too long", sock_path);
	strcpy(sun.sun_path, sock_path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		die(3, "socket: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0)
		die(3, "cannot reach lambdad at %s: %s (is it running? "
		    "-s or LAMBDAD_SOCKET names another socket)", sock_path,
		    strerror(errno));
	return fd;
}

static void
ctl_write_all(int fd, const char *p, size_t n)
{
	ssize_t k;

	while (n > 0) {
		if ((k = write(fd, p, n)) < 0) {
			if (errno == EINTR)
				continue;
			die(3, "write to %s: %s", sock_path, strerror(errno));
		}
		p += k;
		n -= (size_t)k;
	}
}

static char *
ctl_read_all(int fd, size_t *len)
{
	size_t cap = 65536, n = 0;
	char *b = malloc(cap + 1);
	ssize_t k;

	if (b == NULL)
		die(1, "out of memory");
	for (;;) {
		if (n == cap) {
			if (cap >= MAX_REPLY)
				die(1, "reply too large");
			cap *= 2;
			if ((b = realloc(b, cap + 1)) == NULL)
				die(1, "out of memory");
		}
		if ((k = read(fd, b + n, cap - n)) < 0) {
			if (errno == EINTR)
				continue;
			die(3, "read from %s: %s", sock_path, strerror(errno));
		}
		if (k == 0)
			break;
		n += (size_t)k;
	}
	b[n] = '\0';
	*len = n;
	return b;
}

/* One request, Connection: close, the whole reply read. */
static void
ctl_request(const char *method, const char *target, const char *body,
    size_t body_len, struct reply *r)
{
	char head[16384], *all, *sep;
	size_t len;
	int fd = ctl_connect(), n;

	n = snprintf(head, sizeof(head), "%s %s HTTP/1.1\r\nHost: lambdad\r\n"
	    "Content-Length: %zu\r\nConnection: close\r\n\r\n", method, target,
	    body_len);
	if (n < 0 || (size_t)n >= sizeof(head))
		die(2, "request too long");
	ctl_write_all(fd, head, (size_t)n);
	if (body_len > 0)
		ctl_write_all(fd, body, body_len);
	all = ctl_read_all(fd, &len);
	close(fd);
	if ((sep = strstr(all, "\r\n\r\n")) == NULL ||
	    sscanf(all, "HTTP/1.%*d %d", &r->status) != 1)
		die(3, "%s: not an HTTP reply (is this lambdad's admin socket?)",
		    sock_path);
	*sep = '\0';
	r->head = all;
	r->body = sep + 4;
	r->body_len = len - (size_t)(r->body - all);
}

/* A header's value (copied into out), or NULL. */
static const char *
ctl_header(const struct reply *r, const char *name, char *out, size_t n)
{
	const char *p = r->head;
	size_t nl = strlen(name);

	while ((p = strstr(p, "\r\n")) != NULL) {
		p += 2;
		if (strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
			const char *v = p + nl + 1, *e = strstr(v, "\r\n");
			size_t vl;

			while (*v == ' ')
				v++;
			vl = e != NULL ? (size_t)(e - v) : strlen(v);
			if (vl >= n)
				vl = n - 1;
			memcpy(out, v, vl);
			out[vl] = '\0';
			return out;
		}
	}
	return NULL;
}

/* 2xx or die with the daemon's {"error": ...}. */
static cJSON *
ctl_check(struct reply *r)
{
	cJSON *j = cJSON_Parse(r->body), *e;

	if (r->status >= 200 && r->status < 300)
		return j;
	e = cJSON_GetObjectItem(j, "error");
	die(1, "%s", cJSON_IsString(e) ? e->valuestring :
	    r->body_len > 0 ? r->body : "request refused");
}

static void
ctl_print_json(const cJSON *j)
{
	char *s = cJSON_Print(j);

	printf("%s\n", s != NULL ? s : "null");
	free(s);
}

/* ---- commands --------------------------------------------------------------- */

/* Append s to the query *q, percent-encoded unless raw. */
static void
ctl_q(char **q, size_t *len, size_t *cap, const char *s, int raw)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (*len + 4 > *cap) {
			*cap = *cap * 2 + 64;
			if ((*q = realloc(*q, *cap)) == NULL)
				die(1, "out of memory");
		}
		if (raw || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
		    c == '~')
			(*q)[(*len)++] = (char)c;
		else {
			(*q)[(*len)++] = '%';
			(*q)[(*len)++] = hex[c >> 4];
			(*q)[(*len)++] = hex[c & 15];
		}
		(*q)[*len] = '\0';
	}
}

static void
ctl_param(char **q, size_t *len, size_t *cap, const char *key, const char *val)
{
	if (*len > 0)
		ctl_q(q, len, cap, "&", 1);
	ctl_q(q, len, cap, key, 0);
	ctl_q(q, len, cap, "=", 1);
	ctl_q(q, len, cap, val, 0);
}

/* "/functions/NAME[/SUB][?QUERY]", NAME percent-encoded. */
static char *
ctl_fn_target(const char *name, const char *sub, const char *query)
{
	char *t = NULL;
	size_t len = 0, cap = 0;

	ctl_q(&t, &len, &cap, "/functions/", 1);
	ctl_q(&t, &len, &cap, name, 0);
	ctl_q(&t, &len, &cap, sub, 1);
	if (query != NULL) {
		ctl_q(&t, &len, &cap, "?", 1);
		ctl_q(&t, &len, &cap, query, 1);
	}
	return t;
}

static char *
ctl_read_file(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	char *b;

	if (fd < 0)
		die(1, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		die(1, "%s: not a regular file", path);
	close(fd);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		die(1, "%s: %s", path, strerror(errno));
	b = ctl_read_all(fd, len);
	close(fd);
	return b;
}

static int
cmd_deploy(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "route", required_argument, NULL, 'r' },
		{ "memory", required_argument, NULL, 'm' },
		{ "timeout", required_argument, NULL, 't' },
		{ "env", required_argument, NULL, 'e' },
		{ "min-idle", required_argument, NULL, 'i' },
		{ "max-workers", required_argument, NULL, 'w' },
		{ "set", required_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 },
	};
	char *q = NULL, *code, *target, key[64], *eq;
	size_t qlen = 0, qcap = 0, clen;
	struct reply r;
	cJSON *j;
	int ch;

	optind = 0;	/* glibc: start over, permuting again */
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'r': ctl_param(&q, &qlen, &qcap, "route", optarg); break;
		case 'm': ctl_param(&q, &qlen, &qcap, "memory", optarg); break;
		case 't': ctl_param(&q, &qlen, &qcap, "timeout", optarg); break;
		case 'e': ctl_param(&q, &qlen, &qcap, "env", optarg); break;
		case 'i': ctl_param(&q, &qlen, &qcap, "min_idle", optarg); break;
		case 'w': ctl_param(&q, &qlen, &qcap, "max_workers", optarg); break;
		case 'S':
			if ((eq = strchr(optarg, '=')) == NULL ||
			    (size_t)(eq - optarg) >= sizeof(key))
				die(2, "--set %s: expected KEY=VALUE", optarg);
			memcpy(key, optarg, (size_t)(eq - optarg));
			key[eq - optarg] = '\0';
			ctl_param(&q, &qlen, &qcap, key, eq + 1);
			break;
		default: usage();
		}
	}
	if (argc - optind != 2)
		usage();
	code = ctl_read_file(argv[optind + 1], &clen);
	if (clen == 0)
		die(1, "%s is empty", argv[optind + 1]);
	target = ctl_fn_target(argv[optind], "", q);
	ctl_request("PUT", target, code, clen, &r);
	free(target);
	j = ctl_check(&r);
	printf("deployed %s: %s\n", argv[optind],
	    cJSON_GetStringValue(cJSON_GetObjectItem(j, "reload")));
	cJSON_Delete(j);
	free(code);
	free(q);
	free(r.head);
	return 0;
}

static int
cmd_rm(int argc, char **argv)
{
	char *target;
	struct reply r;
	cJSON *j;

	if (argc != 2)
		usage();
	target = ctl_fn_target(argv[1], "", NULL);
	ctl_request("DELETE", target, NULL, 0, &r);
	free(target);
	j = ctl_check(&r);
	printf("removed %s: %s\n", argv[1],
	    cJSON_GetStringValue(cJSON_GetObjectItem(j, "reload")));
	cJSON_Delete(j);
	free(r.head);
	return 0;
}

static double
num(const cJSON *o, const char *k)
{
	return cJSON_GetNumberValue(cJSON_GetObjectItem(o, k));
}

static void
ctl_ls_row(const cJSON *f)
{
	const cJSON *w = cJSON_GetObjectItem(f, "workers"), *r;
	char routes[256] = "";
	size_t n = 0;

	cJSON_ArrayForEach(r, cJSON_GetObjectItem(f, "routes")) {
		int k = snprintf(routes + n, sizeof(routes) - n, "%s%s",
		    n > 0 ? ", " : "", r->valuestring);

		if (k < 0 || (size_t)k >= sizeof(routes) - n)
			break;
		n += (size_t)k;
	}
	printf("%-20s %4.0f/%-4.0f %4.0f %4.0f %4.0f %10.0f %7.0f %6.0f  %s\n",
	    cJSON_GetStringValue(cJSON_GetObjectItem(f, "name")),
	    num(w, "idle"), num(w, "busy"), num(w, "spawning"),
	    num(w, "resting"), num(w, "draining"), num(f, "invocations"),
	    num(f, "errors"), num(f, "queued"), n > 0 ? routes : "-");
}

static int
cmd_ls(int argc, char **argv)
{
	struct reply r;
	cJSON *j, *f;
	int json = argc == 2 && strcmp(argv[1], "-j") == 0;

	if (argc > 2 || (argc == 2 && !json))
		usage();
	ctl_request("GET", "/functions", NULL, 0, &r);
	j = ctl_check(&r);
	if (json)
		ctl_print_json(j);
	else {
		printf("%-20s %9s %4s %4s %4s %10s %7s %6s  %s\n", "NAME",
		    "IDLE/BUSY", "SPWN", "REST", "DRN", "INVOKED", "ERRORS",
		    "QUEUED", "ROUTES");
		cJSON_ArrayForEach(f, cJSON_GetObjectItem(j, "functions"))
			ctl_ls_row(f);
	}
	cJSON_Delete(j);
	free(r.head);
	return 0;
}

static int
cmd_status(int argc, char **argv)
{
	struct reply r;
	cJSON *j, *it;

	if (argc > 2 || (argc == 2 && strcmp(argv[1], "-j") != 0))
		usage();
	ctl_request("GET", "/status", NULL, 0, &r);
	j = ctl_check(&r);
	if (argc == 2)
		ctl_print_json(j);
	else
		cJSON_ArrayForEach(it, j) {
			if (cJSON_IsString(it))
				printf("%-15s %s\n", it->string, it->valuestring);
			else if (cJSON_IsNumber(it))
				printf("%-15s %.0f\n", it->string, it->valuedouble);
			else
				printf("%-15s %s\n", it->string,
				    cJSON_IsTrue(it) ? "yes" : "no");
		}
	cJSON_Delete(j);
	free(r.head);
	return 0;
}

static int
cmd_invoke(int argc, char **argv)
{
	char *target, st[32];
	struct reply r;
	const char *payload = "{}";
	char *in = NULL;
	size_t plen = 2;
	int rc = 0;

	if (argc < 2 || argc > 3)
		usage();
	if (argc == 3 && strcmp(argv[2], "-") == 0) {
		in = ctl_read_all(STDIN_FILENO, &plen);
		payload = in;
	} else if (argc == 3) {
		payload = argv[2];
		plen = strlen(payload);
	}
	target = ctl_fn_target(argv[1], "/invoke", NULL);
	ctl_request("POST", target, payload, plen, &r);
	free(target);
	if (ctl_header(&r, "X-Lambdad-Status", st, sizeof(st)) == NULL)
		cJSON_Delete(ctl_check(&r));	/* an admin error: dies */
	fwrite(r.body, 1, r.body_len, stdout);
	if (r.body_len > 0 && r.body[r.body_len - 1] != '\n')
		putchar('\n');
	if (strcmp(st, "ok") != 0) {
		fprintf(stderr, "lambdactl: %s: %s\n", argv[1], st);
		rc = 1;
	}
	free(in);
	free(r.head);
	return rc;
}

static int
cmd_logs(int argc, char **argv)
{
	char *target, seq[32], q[64];
	unsigned long long after = 0;
	struct reply r;
	int follow = 0;

	if (argc == 3 && strcmp(argv[2], "-f") == 0)
		follow = 1;
	else if (argc != 2)
		usage();
	for (;;) {
		snprintf(q, sizeof(q), "after=%llu&wait=%d", after,
		    follow ? 25 : 0);
		target = ctl_fn_target(argv[1], "/logs", q);
		ctl_request("GET", target, NULL, 0, &r);
		free(target);
		if (r.status != 200)
			cJSON_Delete(ctl_check(&r));	/* dies */
		fwrite(r.body, 1, r.body_len, stdout);
		fflush(stdout);
		if (ctl_header(&r, "X-Log-Dropped", seq, sizeof(seq)) != NULL &&
		    strcmp(seq, "1") == 0)
			fprintf(stderr, "lambdactl: some lines were dropped "
			    "(the daemon keeps the last %d per function)\n", 2000);
		/* Without the sequence number the next request would fetch
		 * the same lines again, forever. */
		if (ctl_header(&r, "X-Log-Seq", seq, sizeof(seq)) == NULL) {
			fprintf(stderr, "lambdactl: the daemon's reply has no "
			    "X-Log-Seq header: cannot tell where to go on\n");
			free(r.head);
			return 1;
		}
		after = strtoull(seq, NULL, 10);
		free(r.head);
		if (!follow && r.body_len == 0)
			return 0;
	}
}

static int
cmd_reload(int argc, char **argv)
{
	struct reply r;
	cJSON *j;

	(void)argv;
	if (argc != 1)
		usage();
	ctl_request("POST", "/reload", NULL, 0, &r);
	j = ctl_check(&r);
	printf("reloaded: %s\n",
	    cJSON_GetStringValue(cJSON_GetObjectItem(j, "reload")));
	cJSON_Delete(j);
	free(r.head);
	return 0;
}

/* The API's OpenAPI 3.0 document, as the daemon makes it from its
 * configuration (issue 10). */
static int
cmd_openapi(int argc, char **argv)
{
	struct reply r;
	cJSON *j;

	(void)argv;
	if (argc != 1)
		usage();
	ctl_request("GET", "/openapi", NULL, 0, &r);
	j = ctl_check(&r);
	ctl_print_json(j);
	cJSON_Delete(j);
	free(r.head);
	return 0;
}

/* "id:S,ts:N": the key attributes, hash first, with their types. */
static void
ctl_key_text(const cJSON *t, char *out, size_t n)
{
	const cJSON *k;
	size_t len = 0;
	int w;

	out[0] = '\0';
	cJSON_ArrayForEach(k, cJSON_GetObjectItem(t, "KeySchema")) {
		w = snprintf(out + len, n - len, "%s%s:%s", len > 0 ? "," : "",
		    cJSON_GetStringValue(cJSON_GetObjectItem(k,
		    "AttributeName")), cJSON_GetStringValue(
		    cJSON_GetObjectItem(k, "AttributeType")));
		if (w < 0 || (size_t)w >= n - len)
			break;
		len += (size_t)w;
	}
}

static int
cmd_tables_list(int json)
{
	struct reply r;
	cJSON *j, *t;
	char key[600];

	ctl_request("GET", "/tables", NULL, 0, &r);
	j = ctl_check(&r);
	if (json)
		ctl_print_json(j);
	else {
		printf("%-24s %-8s %10s %12s %7s  %s\n", "NAME", "STATUS",
		    "ITEMS", "BYTES", "GSI/LSI", "KEY");
		cJSON_ArrayForEach(t, cJSON_GetObjectItem(j, "tables")) {
			ctl_key_text(t, key, sizeof(key));
			printf("%-24s %-8s %10.0f %12.0f %3.0f/%-3.0f  %s\n",
			    cJSON_GetStringValue(cJSON_GetObjectItem(t,
			    "TableName")), cJSON_GetStringValue(
			    cJSON_GetObjectItem(t, "TableStatus")),
			    num(t, "ItemCount"), num(t, "TableSizeBytes"),
			    num(t, "GlobalSecondaryIndexCount"),
			    num(t, "LocalSecondaryIndexCount"),
			    key[0] != '\0' ? key : "?");
		}
	}
	cJSON_Delete(j);
	free(r.head);
	return 0;
}

/*
 * The daemon writes FILE, as its own (unprivileged) user: a relative FILE
 * is made absolute here, against our cwd, which the daemon does not share.
 */
static int
cmd_tables_backup(const char *name, const char *file)
{
	char cwd[4096], *target = NULL, *body;
	size_t len = 0, cap = 0;
	struct reply r;
	cJSON *j, *b;

	if (file[0] != '/') {
		if (getcwd(cwd, sizeof(cwd)) == NULL)
			die(1, "getcwd: %s", strerror(errno));
		if ((size_t)snprintf(NULL, 0, "%s/%s", cwd, file) >= 4096)
			die(2, "%s/%s: path too long", cwd, file);
		snprintf(cwd + strlen(cwd), sizeof(cwd) - strlen(cwd), "/%s",
		    file);
		file = cwd;
	}
	if (access(file, F_OK) == 0)
		die(1, "%s already exists: a backup never overwrites a file",
		    file);
	b = cJSON_CreateObject();
	cJSON_AddStringToObject(b, "file", file);
	body = cJSON_PrintUnformatted(b);
	cJSON_Delete(b);
	ctl_q(&target, &len, &cap, "/tables/", 1);
	ctl_q(&target, &len, &cap, name, 0);
	ctl_q(&target, &len, &cap, "/backup", 1);
	ctl_request("POST", target, body, strlen(body), &r);
	free(target);
	free(body);
	j = ctl_check(&r);
	printf("backed up %s to %s: %.0f items, %.0f bytes\n", name,
	    cJSON_GetStringValue(cJSON_GetObjectItem(j, "file")),
	    num(j, "items"), num(j, "bytes"));
	cJSON_Delete(j);
	free(r.head);
	return 0;
}

static int
cmd_tables(int argc, char **argv)
{
	if (argc == 1)
		return cmd_tables_list(0);
	if (argc == 2 && strcmp(argv[1], "-j") == 0)
		return cmd_tables_list(1);
	if (argc == 4 && strcmp(argv[1], "backup") == 0)
		return cmd_tables_backup(argv[2], argv[3]);
	usage();
}

/* ---- buckets --------------------------------------------------------------- */

static int
cmd_buckets(int argc, char **argv)
{
	struct reply r;
	cJSON *j, *b;

	if (argc > 2 || (argc == 2 && strcmp(argv[1], "-j") != 0))
		usage();
	ctl_request("GET", "/buckets", NULL, 0, &r);
	j = ctl_check(&r);
	if (argc == 2)
		ctl_print_json(j);
	else {
		printf("%-40s %10s %14s  %s\n", "NAME", "OBJECTS", "BYTES",
		    "CREATED");
		cJSON_ArrayForEach(b, cJSON_GetObjectItem(j, "buckets"))
			printf("%-40s %10.0f %14.0f  %s\n",
			    cJSON_GetStringValue(cJSON_GetObjectItem(b, "name")),
			    num(b, "objects"), num(b, "bytes"),
			    cJSON_GetStringValue(cJSON_GetObjectItem(b,
			    "created")));
	}
	cJSON_Delete(j);
	free(r.head);
	return 0;
}

/* ---- schedules ------------------------------------------------------------- */

static const char *
str_or(const cJSON *o, const char *key, const char *dflt)
{
	const char *s = cJSON_GetStringValue(cJSON_GetObjectItem(o, key));

	return s != NULL ? s : dflt;
}

static int
cmd_schedules(int argc, char **argv)
{
	struct reply r;
	cJSON *j, *s;

	if (argc > 2 || (argc == 2 && strcmp(argv[1], "-j") != 0))
		usage();
	ctl_request("GET", "/schedules", NULL, 0, &r);
	j = ctl_check(&r);
	if (argc == 2)
		ctl_print_json(j);
	else {
		/* One schedule a line; the expression last, as it has blanks. */
		printf("%-24s %-24s %-20s %-25s %-20s %-20s %s\n", "NAME",
		    "FUNCTION", "NEXT (UTC)", "NEXT (ZONE)", "ZONE", "LAST",
		    "EXPRESSION");
		cJSON_ArrayForEach(s, cJSON_GetObjectItem(j, "schedules"))
			printf("%-24s %-24s %-20s %-25s %-20s %-20s %s\n",
			    str_or(s, "name", "?"), str_or(s, "function", "?"),
			    str_or(s, "next", "-"), str_or(s, "next_local", "-"),
			    str_or(s, "timezone", "UTC"), str_or(s, "last", "-"),
			    str_or(s, "expression", "?"));
	}
	cJSON_Delete(j);
	free(r.head);
	return 0;
}

/* ---- keys ------------------------------------------------------------------ */

/* A key or plan name as the daemon takes it (so it needs no escaping). */
static void
ctl_key_name(const char *s)
{
	size_t i, n = strlen(s);

	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '-')
			break;
	if (n == 0 || n > 64 || i < n)
		die(2, "\"%s\": a name is 1 to 64 of A-Z a-z 0-9 _ -", s);
}

/* The value goes to stdout alone (KEY=$(lambdactl keys add ...)). */
static int
cmd_keys_add(const char *name, const char *plan)
{
	struct reply r;
	cJSON *b, *j;
	char *body;

	ctl_key_name(name);
	ctl_key_name(plan);
	b = cJSON_CreateObject();
	cJSON_AddStringToObject(b, "name", name);
	cJSON_AddStringToObject(b, "plan", plan);
	body = cJSON_PrintUnformatted(b);
	cJSON_Delete(b);
	ctl_request("POST", "/keys", body, strlen(body), &r);
	free(body);
	j = ctl_check(&r);
	printf("%s\n", cJSON_GetStringValue(cJSON_GetObjectItem(j, "key")));
	fprintf(stderr, "API key %s (id %s, plan %s): shown this once, only "
	    "its hash is kept\n", name,
	    cJSON_GetStringValue(cJSON_GetObjectItem(j, "id")), plan);
	cJSON_Delete(j);
	free(r.head);
	return 0;
}

static int
cmd_keys_rm(const char *name)
{
	char target[80];
	struct reply r;
	cJSON *j;

	ctl_key_name(name);
	snprintf(target, sizeof(target), "/keys/%s", name);
	ctl_request("DELETE", target, NULL, 0, &r);
	j = ctl_check(&r);
	printf("revoked API key %s\n", name);
	cJSON_Delete(j);
	free(r.head);
	return 0;
}

static int
cmd_keys_ls(int json)
{
	struct reply r;
	cJSON *j, *k;
	char created[32], used[48];
	time_t t;
	struct tm tm;

	ctl_request("GET", "/keys", NULL, 0, &r);
	j = ctl_check(&r);
	if (json)
		ctl_print_json(j);
	else {
		printf("%-24s %-16s %-20s %-21s %-6s %s\n", "NAME", "PLAN",
		    "CREATED", "USED", "PERIOD", "ID");
		cJSON_ArrayForEach(k, cJSON_GetObjectItem(j, "keys")) {
			t = (time_t)num(k, "created");
			if (gmtime_r(&t, &tm) == NULL ||
			    strftime(created, sizeof(created),
			    "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
				snprintf(created, sizeof(created), "?");
			if (num(k, "quota") > 0)
				snprintf(used, sizeof(used), "%.0f/%.0f",
				    num(k, "used"), num(k, "quota"));
			else
				snprintf(used, sizeof(used), "%.0f",
				    num(k, "used"));
			printf("%-24s %-16s %-20s %-21s %-6s %s%s\n",
			    cJSON_GetStringValue(cJSON_GetObjectItem(k,
			    "name")), cJSON_GetStringValue(
			    cJSON_GetObjectItem(k, "plan")), created, used,
			    cJSON_GetStringValue(cJSON_GetObjectItem(k,
			    "period")), cJSON_GetStringValue(
			    cJSON_GetObjectItem(k, "id")),
			    cJSON_IsTrue(cJSON_GetObjectItem(k,
			    "plan_configured")) ? "" : " (no such plan)");
		}
	}
	cJSON_Delete(j);
	free(r.head);
	return 0;
}

static int
cmd_keys(int argc, char **argv)
{
	if (argc == 5 && strcmp(argv[1], "add") == 0 &&
	    strcmp(argv[3], "--plan") == 0)
		return cmd_keys_add(argv[2], argv[4]);
	if (argc == 3 && strcmp(argv[1], "rm") == 0)
		return cmd_keys_rm(argv[2]);
	if (argc == 2 && strcmp(argv[1], "ls") == 0)
		return cmd_keys_ls(0);
	if (argc == 3 && strcmp(argv[1], "ls") == 0 &&
	    strcmp(argv[2], "-j") == 0)
		return cmd_keys_ls(1);
	usage();
}

int
main(int argc, char *argv[])
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} cmds[] = {
		{ "deploy", cmd_deploy }, { "rm", cmd_rm }, { "ls", cmd_ls },
		{ "status", cmd_status }, { "invoke", cmd_invoke },
		{ "logs", cmd_logs }, { "reload", cmd_reload },
		{ "tables", cmd_tables }, { "openapi", cmd_openapi },
		{ "keys", cmd_keys },
		{ "buckets", cmd_buckets }, { "schedules", cmd_schedules },
		{ "deploy-template", sam_deploy_main },
	};
	size_t i;
	int ch;

	if (getenv("LAMBDAD_SOCKET") != NULL)
		sock_path = getenv("LAMBDAD_SOCKET");
	while ((ch = getopt(argc, argv, "+s:h")) != -1) {
		switch (ch) {
		case 's': sock_path = optarg; break;
		default: usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage();
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(cmds[i].name, argv[0]) == 0)
			return cmds[i].fn(argc, argv);
	fprintf(stderr, "lambdactl: unknown command \"%s\"\n", argv[0]);
	usage();
}
