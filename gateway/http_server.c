/*
 * http_server: the listening side of http.c's server (contract in http.h):
 * TCP and Unix listeners (or a socket systemd passed), accepting, the
 * connection cap (an idle keep-alive connection is closed to make room,
 * else the newcomer gets 503), a Unix peer's credentials, timeouts and
 * stats, and the server's lifetime (freed once its last connection is).
 * Connections themselves are http.c's.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <llhttp.h>

#include "http.h"
#include "http_int.h"
#include "sdsock.h"

/* ---- the server ---------------------------------------------------------- */

/* A Unix-socket peer: who it is, from the kernel (SO_PEERCRED). */
static void
srv_peer_cred(struct http_conn *c)
{
	struct ucred	 uc;
	socklen_t	 len = sizeof(uc);
	uv_os_fd_t	 fd;

	c->req.peer.ss_family = AF_UNIX;
	c->req.peer_uid = (uid_t)-1;
	if (uv_fileno((uv_handle_t *)&c->pipe, &fd) == 0 &&
	    getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) == 0) {
		c->req.peer_uid = uc.uid;
		c->req.peer_pid = uc.pid;
	}
}

static void
srv_accept_one(struct http_server *srv, struct http_conn *c)
{
	uint64_t	 first_ms;
	int		 len = sizeof(c->req.peer);

	if (srv->is_unix)
		srv_peer_cred(c);
	else {
		(void)uv_tcp_nodelay(&c->tcp, 1);
		(void)uv_tcp_getpeername(&c->tcp,
		    (struct sockaddr *)&c->req.peer, &len);
	}
	llhttp_init(&c->parser, HTTP_REQUEST, &http_settings);
	c->parser.data = c;
	c->phase = PH_IDLE;
	srv->nconns++;
	/* At the cap: the oldest idle connection makes room (as nginx
	 * reuses its keep-alive connections); only a server whose every
	 * connection is busy turns the newcomer away. */
	if (srv->cfg.max_conns != 0 && srv->nactive >= srv->cfg.max_conns &&
	    srv->idle_head != NULL) {
		conn_close(srv->idle_head);
		srv->evictions++;
	}
	if (srv->cfg.max_conns != 0 && srv->nactive >= srv->cfg.max_conns) {
		c->rejected = 1;
		srv->refused++;
		conn_fail(c, 503);
		return;
	}
	srv->nactive++;
	first_ms = srv->cfg.header_timeout_ms ? srv->cfg.header_timeout_ms :
	    srv->cfg.keepalive_timeout_ms;
	conn_deadline(c, first_ms);
	conn_read_start(c);
	conn_idle_update(c);
}

static int
srv_accept_check(struct http_server *srv, struct http_conn *c)
{
	uv_os_fd_t fd;

	if (uv_fileno((uv_handle_t *)&c->tcp, &fd) != 0)
		return -1;
	return srv->cfg.on_accept(fd, srv->cfg.arg);
}

static void
srv_on_connection(uv_stream_t *ls, int status)
{
	struct http_server *srv = ls->data;
	struct http_conn *c;

	if (status < 0 || srv->freeing)
		return;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return;
	c->srv = srv;
	if (srv->is_unix)
		uv_pipe_init(srv->loop, &c->pipe, 0);
	else
		uv_tcp_init(srv->loop, &c->tcp);
	c->tcp.data = c->timer.data = c;
	uv_timer_init(srv->loop, &c->timer);
	c->handles_open = 2;
	c->next = srv->conns;
	if (srv->conns)
		srv->conns->prev = c;
	srv->conns = c;
	if (uv_accept(ls, (uv_stream_t *)&c->tcp) < 0 ||
	    (srv->cfg.on_accept != NULL && srv_accept_check(srv, c) != 0)) {
		c->closed = 1;
		uv_close((uv_handle_t *)&c->tcp, conn_on_close);
		uv_close((uv_handle_t *)&c->timer, conn_on_close);
		return;
	}
	srv_accept_one(srv, c);
}

struct http_server *
http_server_new(uv_loop_t *loop, const struct http_server_cfg *cfg)
{
	struct http_server *srv;

	if ((srv = calloc(1, sizeof(*srv))) == NULL)
		return NULL;
	srv->loop = loop;
	srv->cfg = *cfg;
	return srv;
}

/* Start accepting on the initialised handle (tcp or pipe: same stream). */
static int
srv_listen(struct http_server *srv)
{
	int	 rc;

	if ((rc = uv_listen((uv_stream_t *)&srv->tcp, HTTP_BACKLOG,
	    srv_on_connection)) < 0)
		return rc;
	srv->listening = 1;
	return 0;
}

/* The listener's handle is made by whichever of listen/open runs first. */
static int
srv_init_tcp(struct http_server *srv)
{
	int	 rc;

	if (srv->inited)
		return srv->is_unix ? -EINVAL : 0;
	if ((rc = uv_tcp_init(srv->loop, &srv->tcp)) < 0)
		return rc;
	srv->tcp.data = srv;
	srv->inited = 1;
	return 0;
}

/*
 * Bound here, not with uv_pipe_bind: libuv unlinks a path it bound when the
 * handle closes, which would remove a socket another daemon has made at
 * the same path since; the owner decides (admin.c).
 */
int
http_server_listen_unix(struct http_server *srv, const char *path,
    int mode)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int	 rc, fd;

	if (srv->inited)
		return -EINVAL;
	if (strlen(path) >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	strcpy(sun.sun_path, path);
	if ((rc = uv_pipe_init(srv->loop, &srv->pipe, 0)) < 0)
		return rc;
	srv->pipe.data = srv;
	srv->inited = srv->is_unix = 1;
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0)) < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 ||
	    /* Before listen: nobody can connect while the mode is wider. */
	    chmod(path, (mode_t)mode) < 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	if ((rc = uv_pipe_open(&srv->pipe, fd)) < 0) {
		close(fd);
		return rc;
	}
	return srv_listen(srv);
}

int
http_server_listen(struct http_server *srv, const char *addr, int port)
{
	struct sockaddr_storage ss;
	int		 rc, fd;

	/* A socket systemd bound for this address serves it (sdsock.h). */
	if ((fd = sdsock_take(addr, port)) >= 0)
		return http_server_open(srv, fd);
	if (strchr(addr, ':') != NULL)
		rc = uv_ip6_addr(addr, port, (struct sockaddr_in6 *)&ss);
	else
		rc = uv_ip4_addr(addr, port, (struct sockaddr_in *)&ss);
	if (rc < 0 || (rc = srv_init_tcp(srv)) < 0)
		return rc;
	if ((rc = uv_tcp_bind(&srv->tcp, (struct sockaddr *)&ss, 0)) < 0)
		return rc;
	return srv_listen(srv);
}

int
http_server_open(struct http_server *srv, int fd)
{
	int	 rc, fl;

	if ((fl = fcntl(fd, F_GETFD)) >= 0)
		(void)fcntl(fd, F_SETFD, fl | FD_CLOEXEC);
	if ((rc = srv_init_tcp(srv)) < 0)
		return rc;
	if ((rc = uv_tcp_open(&srv->tcp, fd)) < 0)
		return rc;
	return srv_listen(srv);
}

int
http_server_port(const struct http_server *srv)
{
	struct sockaddr_storage ss;
	int		 len = sizeof(ss), rc;

	if (srv->listener_closing || !srv->inited || srv->is_unix)
		return -EBADF;
	if ((rc = uv_tcp_getsockname(&srv->tcp, (struct sockaddr *)&ss,
	    &len)) < 0)
		return rc;
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

static void
srv_on_listener_close(uv_handle_t *h)
{
	struct http_server *srv = h->data;

	srv->listener_closed = 1;
	srv_maybe_free(srv);
}

void
http_server_stop_accepting(struct http_server *srv)
{
	if (srv->listener_closing)
		return;
	srv->listener_closing = 1;
	if (!srv->inited) {	/* nothing to close; http_server_free frees */
		srv->listener_closed = 1;
		return;
	}
	uv_close((uv_handle_t *)&srv->tcp, srv_on_listener_close);
}

unsigned
http_server_nconns(const struct http_server *srv)
{
	return srv->nconns;
}

void
http_server_set_max_conns(struct http_server *srv, unsigned max_conns)
{
	srv->cfg.max_conns = max_conns;
}

void
http_server_set_timeouts(struct http_server *srv, uint64_t header_ms,
    uint64_t body_ms, uint64_t send_ms)
{
	srv->cfg.header_timeout_ms = header_ms;
	srv->cfg.body_timeout_ms = body_ms;
	srv->cfg.send_timeout_ms = send_ms;
}

void
http_server_stats(const struct http_server *srv, struct http_server_stats *st)
{
	st->nconns = srv->nconns;
	st->nidle = srv->nidle;
	st->max_conns = srv->cfg.max_conns;
	st->evictions = srv->evictions;
	st->refused = srv->refused;
	st->send_timeouts = srv->send_timeouts;
}

void
srv_maybe_free(struct http_server *srv)
{
	if (srv->freeing && srv->listener_closed && srv->conns == NULL)
		free(srv);
}

void
http_server_free(struct http_server *srv)
{
	struct http_conn *c, *next;

	if (srv == NULL || srv->freeing)
		return;
	srv->freeing = 1;
	http_server_stop_accepting(srv);
	/* conn_close frees nothing itself: close callbacks run later. */
	for (c = srv->conns; c != NULL; c = next) {
		next = c->next;
		conn_close(c);
	}
	srv_maybe_free(srv);	/* if stop_accepting already closed all */
}
