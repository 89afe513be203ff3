/*
 * rapi_client: the small blocking HTTP/1.1 client under liblambda.  It keeps
 * one TCP connection to the Runtime API, writes requests given as iovecs
 * (several at once, for pipelining), and reads replies one at a time: status
 * line, the few headers the Runtime API defines, and a body framed by
 * Content-Length, chunked encoding or the end of the connection.
 *
 * Internal to liblambda (not installed, symbols hidden).  Functions return 0
 * or -errno; -ECONNRESET always means "the peer closed the connection before
 * the first byte of a reply", the one case a caller may retry.  Malformed
 * replies give -EPROTO after a "liblambda: ..." line on stderr.
 */
#ifndef LAMBDA_RAPI_CLIENT_H
#define LAMBDA_RAPI_CLIENT_H

#include <sys/socket.h>
#include <sys/uio.h>
#include <stddef.h>

#define RAPI_HEAD_MAX	(64 * 1024)	/* status line + headers of one reply */
#define RAPI_BODY_MAX	(1024UL * 1024 * 1024)	/* far above Lambda's 6 MiB */

struct rapi_conn {
	int		 fd;		/* -1 while closed */
	struct sockaddr_storage addr;	/* resolved once, reused to reconnect */
	socklen_t	 addrlen;
	char		 host[272];	/* "host:port" for the Host header */
	char		*buf;		/* bytes received, buf[off..len) unread */
	size_t		 cap, off, len;
};

struct rapi_response {
	int		 status;
	int		 close;		/* the server will close after this reply */
	char		*body;		/* malloc'd, NUL-terminated, never NULL */
	size_t		 len;
	char		*fields;	/* one malloc'd block holding the strings below */
	/* Each NULL when the header was absent. */
	const char	*request_id;
	const char	*deadline_ms;
	const char	*function_arn;
	const char	*trace_id;
	const char	*client_context;
	const char	*cognito_identity;
};

/* Parse "host:port" and resolve it; no connection yet.  0 or -EINVAL. */
int	rapi_conn_init(struct rapi_conn *c, const char *hostport);
/* Connect (TCP_NODELAY, CLOEXEC).  Closes any previous connection first. */
int	rapi_conn_open(struct rapi_conn *c);
/* Drop the connection and any unread bytes. */
void	rapi_conn_close(struct rapi_conn *c);
/* rapi_conn_close() and free the buffer.  The struct may be reused via init. */
void	rapi_conn_free(struct rapi_conn *c);

/* Write all of iov, however many sendmsg calls it takes; no SIGPIPE. */
int	rapi_send(struct rapi_conn *c, const struct iovec *iov, int iovcnt);
/*
 * Read the next reply (skipping 1xx interim ones) into *r, which the caller
 * releases with rapi_response_free() on success.  On error *r holds nothing.
 */
int	rapi_read_response(struct rapi_conn *c, struct rapi_response *r);
void	rapi_response_free(struct rapi_response *r);

/* One "liblambda: ..." line on stderr, written with a single write(2). */
void	rapi_logx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
