/*
 * fuzz_admin: libFuzzer driver for the admin socket's API (admin.c,
 * admin_keys.c) as lambdactl and anyone else who can open the socket
 * speaks it, through the real HTTP server.
 *
 * One daemon lives for the whole run, made as main.c makes it from a
 * configuration in a temporary directory with two functions: its pools
 * (on doors_fixture.h's fake spawner, which answers every spawn with a
 * missing bootstrap, so an invoke ends at once with the platform error),
 * its route table, front (not listening), Tables door, key store and
 * metrics, and the admin socket.  A deploy, rm or reload goes through
 * deploy.c and reload.c for real, in the temporary state_dir; what the
 * input deployed is removed again after it (through the same socket).
 *
 * Each input is one connection: the bytes are sent in pieces whose sizes
 * come from the input (pipelined requests, split anywhere), the loop
 * running between pieces and after, until every request is answered or
 * a moment has passed (a log follower may wait for seconds).
 *
 * Input: seed byte, then the bytes the client sends.
 *
 * Invariants (fz_fail on violation):
 *   - every reply is HTTP/1.1, whole, with a Content-Length; replies come
 *     in the order of the requests, one per request the server handed to
 *     the admin API and at most one error reply more (a malformed request
 *     closes the connection); none after a Connection: close;
 *   - a reply whose Content-Type is application/json has a JSON body (an
 *     object), and so has every 4xx/5xx of the API;
 *   - a request not answered when the client looks is one that may wait
 *     (a log follower, an invoke, a change, a key); after the client
 *     leaves, every request is released and the connection freed;
 *   - no descriptor is left over by an input (memory: LeakSanitizer).
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
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
#include <uv.h>

#include "admin.h"
#include "apigw/apikey.h"
#include "apigw/keystore.h"
#include "daemon.h"
#include "doors_fixture.h"
#include "endpoint.h"
#include "front.h"
#include "fs.h"
#include "http.h"
#include "http_int.h"
#include "log.h"
#include "metrics.h"
#include "pool.h"
#include "route.h"
#include "tables/door.h"

#define MAXREQ		128
#define OUTMAX		(4 * 1024 * 1024)
#define WAIT_MS		150

/* The first fields of admin.c's struct admin: its server, to count the
 * requests it is handed. */
struct admin_head {
	struct daemon	*d;
	struct http_server *srv;
};

struct sent {
	int		 waits;		/* may be answered later */
};

static struct {
	uv_loop_t	 loop;
	struct daemon	 d;
	char		 dir[64];
	char		 sock[128];
	http_request_cb	 admin_cb;
	void		*admin_arg;
	struct sent	 sent[MAXREQ];
	int		 nreq;
	char		*out;
	size_t		 outlen;
	int		 base_fds;
} A;

/* ---- the daemon ---------------------------------------------------------- */

static void
on_request(struct http_request *req, void *arg)
{
	struct sent *s;

	if (A.nreq == MAXREQ)
		fz_fail("too many requests");
	s = &A.sent[A.nreq++];
	s->waits = strstr(req->path, "/logs") != NULL ||
	    strstr(req->path, "/invoke") != NULL ||
	    strncmp(req->path, "/keys", 5) == 0 ||
	    strncmp(req->path, "/tables", 7) == 0 ||
	    strcmp(req->path, "/reload") == 0 ||
	    strcmp(req->method, "PUT") == 0 || strcmp(req->method, "DELETE") == 0;
	A.admin_cb(req, arg);
}

static void
write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0 ||
	    chmod(path, mode) != 0)
		abort();
}

static void
make_conf(char *cfile, size_t n)
{
	char path[PATH_MAX], text[2048];

	snprintf(A.dir, sizeof(A.dir), "/tmp/fuzz_admin.XXXXXX");
	if (mkdtemp(A.dir) == NULL)
		abort();
	snprintf(path, sizeof(path), "%s/alpha", A.dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/alpha/bootstrap", A.dir);
	write_file(path, "#!/bin/sh\nexit 0\n", 0755);
	snprintf(path, sizeof(path), "%s/beta", A.dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/beta/bootstrap", A.dir);
	write_file(path, "#!/bin/sh\nexit 0\n", 0755);
	snprintf(A.sock, sizeof(A.sock), "%s/admin.sock", A.dir);
	snprintf(text, sizeof(text),
	    "[lambdad]\n"
	    "listen = 127.0.0.1:18080\n"
	    "state_dir = %s/state\n"
	    "admin_socket = %s\n"
	    "[function alpha]\n"
	    "bootstrap = %s/alpha/bootstrap\n"
	    "route = GET /alpha/{x}\n"
	    "max_workers = 1\n"
	    "queue_depth = 1\n"
	    "[function beta]\n"
	    "bootstrap = %s/beta/bootstrap\n"
	    "route = POST /beta\n"
	    "max_workers = 1\n"
	    "queue_depth = 0\n"
	    "env = GREETING=hi\n",
	    A.dir, A.sock, A.dir, A.dir);
	snprintf(cfile, n, "%s/lambdad.conf", A.dir);
	write_file(cfile, text, 0644);
}

static void
setup(void)
{
	static char cfile[PATH_MAX];
	struct daemon *d = &A.d;
	char err[1024], *real;
	size_t i;

	if (uv_loop_init(&A.loop) != 0)
		abort();
	fz_setup(&A.loop);
	log_init(0, 0);
	A.out = malloc(OUTMAX + 1);
	make_conf(cfile, sizeof(cfile));
	d->loop = &A.loop;
	d->cfile = cfile;
	d->started_ms = (uint64_t)time(NULL) * 1000;
	d->state_lock = -1;
	if (conf_load(cfile, &d->conf, err, sizeof(err)) != 0) {
		fprintf(stderr, "fuzz_admin: %s\n", err);
		abort();
	}
	d->state_dir = strdup(conf_state_dir(d->conf));
	d->admin_path = strdup(A.sock);
	if (fs_mkdir_p(d->state_dir, 0711) != 0)
		abort();
	if ((real = realpath(d->state_dir, NULL)) != NULL) {
		free(d->state_dir);
		d->state_dir = real;
	}
	d->sp = &FZ.sp;
	if (keystore_open(d->loop, d->state_dir, &d->keys, err,
	    sizeof(err)) != 0)
		d->keys = NULL;
	if (d->keys != NULL)
		keystore_set_conf(d->keys, d->conf);
	apigw_apikey_set_store(d->keys);
	d->npools = d->conf->nfns;
	d->pools = calloc(d->npools + 1, sizeof(*d->pools));
	d->metrics = metrics_new();
	for (i = 0; i < d->npools; i++) {
		if ((d->pools[i] = pool_new(d->loop, d->sp,
		    &d->conf->fns[i])) == NULL)
			abort();
		pool_set_metrics(d->pools[i], metrics_fn(d->metrics,
		    d->conf->fns[i].name));
	}
	if (daemon_build_routes(d->conf, d->pools, &d->rt, err,
	    sizeof(err)) != 0 || (d->front = front_new(d->loop, d->rt)) == NULL)
		abort();
	front_set_cors(d->front, d->conf->cors);
	if (front_set_apigw(d->front, d->conf, err, sizeof(err)) != 0)
		abort();
	front_set_cache(d->front, d->conf);
	front_set_pools(d->front, d->pools, d->npools);
	if (tables_door_open(d->loop, d->conf, &d->tables) != 0)
		abort();
	tables_door_set_metrics(d->tables, metrics_tables(d->metrics));
	endpoint_set_tables(d->tables);
	d->admin = admin_new(d);
	if (admin_listen(d->admin, A.sock, NULL, err, sizeof(err)) != 0) {
		fprintf(stderr, "fuzz_admin: %s\n", err);
		abort();
	}
	{
		struct http_server *srv = ((struct admin_head *)d->admin)->srv;

		A.admin_cb = srv->cfg.on_request;
		A.admin_arg = srv->cfg.arg;
		FZ_CHECK(A.admin_arg == d->admin);
		srv->cfg.on_request = on_request;
	}
	for (i = 0; i < d->npools; i++)
		pool_start(d->pools[i]);
}

static struct http_server *
admin_srv(void)
{
	return ((struct admin_head *)A.d.admin)->srv;
}

/* ---- the loop ------------------------------------------------------------- */

/* Spawns fail (no such bootstrap); kills end the process at once. */
static int
spawner_step(void)
{
	unsigned moved = FZ.moved;
	size_t i;

	fz_spawner_read();
	for (i = 0; i < FZ_NPROC; i++)
		if (FZ.proc[i].state == FZ_ASKED)
			fz_spawn_answer(&FZ.proc[i], -ENOENT);
	fz_reap_killed();
	return FZ.moved != moved;
}

static int
drain(int fd)
{
	ssize_t n;
	int got = 0;

	while (fd >= 0 && A.outlen < OUTMAX &&
	    (n = recv(fd, A.out + A.outlen, OUTMAX - A.outlen, 0)) > 0) {
		A.outlen += (size_t)n;
		got = 1;
	}
	return got;
}

static void
pump(int fd)
{
	int quiet = 0, i;

	for (i = 0; i < 200 && quiet < 3; i++) {
		int nreq = A.nreq, moved;

		(void)uv_run(&A.loop, UV_RUN_NOWAIT);
		admin_poll(A.d.admin);
		moved = spawner_step() | drain(fd) | (A.nreq != nreq);
		quiet = moved ? 0 : quiet + 1;
	}
}

/* ---- the replies ------------------------------------------------------------ */

struct reply {
	int	 status;
	int	 close;
	int	 json;
	size_t	 clen;
	size_t	 body;
};

/* One reply at *off: 0, 1 at the end, -1 if not whole yet. */
static int
reply_at(size_t *off, struct reply *rp)
{
	char *p = A.out + *off, *end, *line, *nl;
	int has_len = 0;

	if (*off == A.outlen)
		return 1;
	A.out[A.outlen] = '\0';
	if ((end = strstr(p, "\r\n\r\n")) == NULL)
		return -1;
	FZ_CHECK(strncmp(p, "HTTP/1.1 ", 9) == 0);
	rp->status = atoi(p + 9);
	FZ_CHECK(rp->status >= 100 && rp->status <= 599);
	rp->close = rp->json = 0;
	rp->clen = 0;
	for (line = strstr(p, "\r\n") + 2; line < end; line = nl + 2) {
		nl = strstr(line, "\r\n");
		if (strncasecmp(line, "Content-Length:", 15) == 0) {
			rp->clen = strtoull(line + 15, NULL, 10);
			has_len = 1;
		} else if (strncasecmp(line, "Connection: close", 17) == 0)
			rp->close = 1;
		else if (strncasecmp(line, "Content-Type: application/json",
		    30) == 0)
			rp->json = 1;
	}
	if (!has_len && rp->status >= 200)
		FZ_TRACE("%.*s\n", (int)(end - p), p);
	FZ_CHECK(has_len || rp->status < 200);
	rp->body = (size_t)(end + 4 - A.out);
	if (rp->body + rp->clen > A.outlen)
		return -1;
	*off = rp->body + rp->clen;
	return 0;
}

static void
check_json(const struct reply *rp)
{
	cJSON *j = cJSON_ParseWithLength(A.out + rp->body, rp->clen);

	FZ_CHECK(cJSON_IsObject(j));
	if (rp->status >= 400)
		FZ_CHECK(cJSON_IsString(cJSON_GetObjectItem(j, "error")));
	cJSON_Delete(j);
}

/* The replies so far; the number whole. */
static int
check_replies(int final)
{
	size_t off = 0;
	struct reply rp;
	int k = 0, rc, extra = 0;

	while ((rc = reply_at(&off, &rp)) == 0) {
		FZ_CHECK(rp.status != 100 || rp.clen == 0);
		if (rp.status == 100)
			continue;
		if (k >= A.nreq) {
			/* The one error of a request the parser refused. */
			FZ_CHECK(rp.status >= 400 && rp.close && !extra);
			extra = 1;
		} else if (rp.json || rp.status >= 400)
			check_json(&rp);
		k++;
		if (rp.close)
			FZ_CHECK(off == A.outlen);
	}
	/* A torn reply only while the connection is still writing it. */
	FZ_CHECK(rc == 1 || !final);
	return k;
}

/* ---- one connection ----------------------------------------------------------- */

static int
client(void)
{
	struct sockaddr_un sa;
	int fd;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", A.sock);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		abort();
	return fd;
}

static void
send_all(int fd, const uint8_t *p, size_t n, uint32_t seed)
{
	size_t off = 0, k;
	ssize_t w;
	int spins = 0;

	while (off < n) {
		seed = seed * 1103515245u + 12345u;
		k = (seed >> 16) % 4 == 0 ? n - off : 1 + (seed >> 16) % 61;
		if (k > n - off)
			k = n - off;
		if ((w = send(fd, p + off, k, MSG_NOSIGNAL)) > 0)
			off += (size_t)w;
		else if (w < 0 && errno != EAGAIN)
			return;
		else if (++spins > 1000)
			return;
		pump(fd);
	}
}

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/*
 * Wait a moment for what may come later (threads, reloads): until every
 * request is answered, or the first unanswered one is one that may wait.
 * One that may not must have been answered by now.
 */
static void
settle(int fd)
{
	uint64_t until = now_ms() + WAIT_MS;
	int k;

	pump(fd);
	while ((k = check_replies(0)) < A.nreq) {
		if (!A.sent[k].waits)
			fz_fail("a request that does not wait got no reply");
		if (now_ms() >= until)
			break;
		usleep(1000);
		pump(fd);
	}
}

/* Remove what the input deployed, through the socket, as lambdactl rm. */
static void
undeploy(void)
{
	size_t i;
	int rounds = 0;

	for (i = 0; i < A.d.conf->nfns && rounds < 8; i++) {
		const char *name = A.d.conf->fns[i].name;
		char req[256];
		int fd, n, tries;

		if (strcmp(name, "alpha") == 0 || strcmp(name, "beta") == 0)
			continue;
		fd = client();
		n = snprintf(req, sizeof(req), "DELETE /functions/%s HTTP/1.1\r\n"
		    "Host: lambdad\r\nConnection: close\r\n\r\n", name);
		(void)!send(fd, req, (size_t)n, MSG_NOSIGNAL);
		A.nreq = 0;
		A.outlen = 0;
		for (tries = 0; tries < 200 && check_replies(0) < 1; tries++) {
			pump(fd);
			usleep(500);
		}
		close(fd);
		pump(-1);
		rounds++;
		i = (size_t)-1;		/* the conf changed: from the start */
		if (tries == 200)
			break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd, i;
	unsigned nc;

	if (size < 1 || size > 65536)
		return 0;
	if (A.out == NULL) {
		setup();
		fz_quiet(1);
		pump(-1);
		fz_quiet(0);
	}
	fz_quiet(1);
	A.nreq = 0;
	A.outlen = 0;
	fd = client();
	pump(fd);
	send_all(fd, data + 1, size - 1, data[0] * 2654435761u);
	settle(fd);
	(void)check_replies(0);
	close(fd);
	/* The client is gone: what waited is answered into the void. */
	for (i = 0; i < 400 && (nc = http_server_nconns(admin_srv())) > 0;
	    i++) {
		pump(-1);
		usleep(i < 10 ? 100 : 1000);
	}
	undeploy();
	for (i = 0; i < 50; i++)
		pump(-1);
	if (A.base_fds == 0)
		A.base_fds = fz_nfds();
	else if (fz_nfds() > A.base_fds) {
		fz_dump_fds();
		fz_fail("descriptors leaked");
	}
	fz_quiet(0);
	return 0;
}
