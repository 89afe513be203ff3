/*
 * http: a small HTTP/1.1 server on libuv + llhttp, shared by the public
 * listener and by every worker's Runtime API endpoint.
 *
 * One struct http_server owns one listening socket and its connections.  A
 * connection parses requests with llhttp and hands each complete request to
 * the server's on_request callback.  Requests on one connection are answered
 * strictly in order: while a request is outstanding the parser is paused and
 * later (pipelined) bytes wait in the connection's buffer, so a handler may
 * answer at any later time (a Runtime API /next can wait for hours).
 *
 * Limits are enforced here, with JSON error replies:
 *   - header block over max_header_size      -> 431, connection closed
 *   - body over max_body                      -> on_request is called with
 *     req->too_large set and no body, so the owner can word the 413 itself;
 *     the connection closes after that reply
 *   - headers not complete in header_timeout  -> 408, connection closed
 *   - body stalls longer than body_timeout,   -> 408, connection closed
 *     or trickles in slower than 500 bytes/s past its first body_timeout
 *   - malformed HTTP                          -> 400, connection closed
 *   - at max_conns connections                -> the oldest idle one (between
 *     requests, nothing outstanding, buffered or unwritten; or connected
 *     and silent) is closed to make room; if none is idle, the new one gets
 *     a 503 and closes
 * `Expect: 100-continue` is answered with an interim 100 before the body is
 * read (unless the declared length is already too large).
 *
 * Ownership: a struct http_request belongs to the server until the owner
 * answers it with http_respond() (exactly once).  If the peer goes away
 * before that, on_abort (if set) is called; the request stays valid and
 * must still be answered (the reply is then discarded) so that every request
 * is released through one path.
 */
#ifndef LAMBDAD_HTTP_H
#define LAMBDAD_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <uv.h>

struct http_server;
struct http_request;

struct http_header {
	const char	*name;		/* as received; compare case-insensitively */
	size_t		 name_len;
	const char	*value;		/* leading/trailing blanks trimmed */
	size_t		 value_len;
};

typedef void (*http_request_cb)(struct http_request *req, void *arg);
typedef void (*http_abort_cb)(struct http_request *req, void *arg);
/* Decide on a new connection's socket before anything is read: 0 keeps
 * it, anything else closes it at once. */
typedef int (*http_accept_cb)(int fd, void *arg);

struct http_server_cfg {
	size_t		 max_header_size;	/* bytes of request line + headers */
	size_t		 max_body;		/* bytes after de-chunking */
	uint64_t	 header_timeout_ms;	/* first byte to end of headers */
	uint64_t	 body_timeout_ms;	/* max gap between body reads */
	uint64_t	 keepalive_timeout_ms;	/* idle connection, 0 = forever */
	uint64_t	 send_timeout_ms;	/* a streamed reply's longest stall
						   in the client's reading, 0 =
						   none (http_stream.c) */
	unsigned	 max_conns;		/* 0 = unlimited */
	http_request_cb	 on_request;
	void		*arg;			/* passed to on_request */
	http_accept_cb	 on_accept;		/* NULL = accept everyone */
	/*
	 * NULL, or asked at the end of a request's headers (method, target,
	 * headers set; nothing answered) whether its body streams: if so the
	 * request is handed to on_request then, with body_streamed set and
	 * no body, free of max_body and body_timeout; its body comes through
	 * on_body as it arrives and on_body_end (trailers set) once whole.
	 */
	bool		(*stream_body)(const struct http_request *req, void *arg);
};

struct http_request {
	/* Read-only for the owner; all memory stays valid until http_respond. */
	const char	*method;	/* "GET", "POST", ... NUL-terminated */
	const char	*target;	/* raw request target, NUL-terminated */
	size_t		 target_len;
	const char	*path;		/* target up to '?', NUL-terminated, not decoded */
	size_t		 path_len;
	const char	*query;		/* after '?', NUL-terminated, "" if none */
	size_t		 query_len;
	const struct http_header *headers;
	size_t		 nheaders;
	const struct http_header *trailers;	/* chunked trailers, if any */
	size_t		 ntrailers;
	const char	*body;		/* NUL-terminated for convenience */
	size_t		 body_len;
	int		 http_minor;	/* 0 or 1 */
	bool		 too_large;	/* body exceeded max_body; body is empty */
	bool		 body_streamed;	/* cfg.stream_body said so: see on_body */
	struct sockaddr_storage peer;	/* AF_UNIX on a Unix-socket server */
	uid_t		 peer_uid;	/* Unix socket: the peer's uid, pid */
	pid_t		 peer_pid;	/*   (SO_PEERCRED); else unset */
	uint64_t	 start_ns;	/* uv_hrtime() when the request began */

	/* Owner's fields. */
	void		*data;
	http_abort_cb	 on_abort;	/* peer closed while request outstanding */
	/* A streamed reply (http_stream_begin): the socket took most of what
	 * was queued; give more. */
	void		(*on_drain)(struct http_request *req, void *arg);
	/* A streamed body (body_streamed): each piece as parsed (on_body
	 * must not answer req), then its end (on_body_end may).  Answered
	 * before its end, the rest of the body is not read: the connection
	 * closes after the reply. */
	void		(*on_body)(struct http_request *req, const char *p,
			    size_t n, void *arg);
	void		(*on_body_end)(struct http_request *req, void *arg);
};

struct http_server *http_server_new(uv_loop_t *loop,
    const struct http_server_cfg *cfg);
/* Bind and listen on addr:port (port 0 = ephemeral).  0 or -errno. */
int	http_server_listen(struct http_server *srv, const char *addr, int port);
/*
 * Bind and listen on a Unix socket at path, made mode (0660) before anyone
 * can connect.  Requests carry the peer's uid and pid.  0 or -errno.
 */
int	http_server_listen_unix(struct http_server *srv, const char *path,
	    int mode);
/* Adopt an already listening socket; takes ownership of fd.  0 or -errno. */
int	http_server_open(struct http_server *srv, int fd);
/* The bound local port, or -errno. */
int	http_server_port(const struct http_server *srv);
/* Stop accepting; existing connections keep going until http_server_free. */
void	http_server_stop_accepting(struct http_server *srv);
/* Number of open connections. */
unsigned http_server_nconns(const struct http_server *srv);
/* Change the cap (0 = none); open connections over it stay. */
void	http_server_set_max_conns(struct http_server *srv, unsigned max_conns);
/* Change header_timeout, body_timeout and send_timeout (ms) for deadlines
 * set from now. */
void	http_server_set_timeouts(struct http_server *srv, uint64_t header_ms,
	    uint64_t body_ms, uint64_t send_ms);

struct http_server_stats {
	unsigned	 nconns;	/* open connections */
	unsigned	 nidle;		/* of which idle (closable at the cap) */
	unsigned	 max_conns;	/* the cap, 0 = none */
	uint64_t	 evictions;	/* idle ones closed to make room */
	uint64_t	 refused;	/* new ones answered 503 at the cap */
	uint64_t	 send_timeouts;	/* streamed replies cut: client stalled */
};
void	http_server_stats(const struct http_server *srv,
	    struct http_server_stats *st);
/*
 * Close the listener and every connection (outstanding requests get on_abort
 * and must still be answered), then free the server once libuv has released
 * every handle.  NULL-safe.
 */
void	http_server_free(struct http_server *srv);

/*
 * The value of key in req's query string, percent-decoded (strictly) into
 * out: 1 found, 0 absent or empty, -EINVAL malformed or longer than
 * size - 1.
 */
int	http_query_get(const struct http_request *req, const char *key,
	    char *out, size_t size);
/* First header named name (case-insensitive), or NULL; *len gets its length. */
const char *http_header_get(const struct http_request *req, const char *name,
	    size_t *len);

/*
 * Answer req.  Adds Content-Length, Connection (close when the client asked
 * for it, for HTTP/1.0 without keep-alive, and after too_large), and Date.
 * hdrs may contain any other headers, names and values used as given.  The
 * body is copied; req is invalid afterwards.  Returns 0 or -errno (the
 * request is released either way).
 */
int	http_respond(struct http_request *req, int status,
	    const struct http_header *hdrs, size_t nhdrs,
	    const char *body, size_t body_len);

/*
 * Take req's connection away from the server (a WebSocket upgrade): *fd
 * gets a CLOEXEC descriptor of the socket, *rest (malloc'd, may be NULL)
 * the bytes read past the request.  0: req is released and the
 * connection is gone from the server (it no longer counts in nconns).
 * -EBUSY: an earlier reply is still being written; nothing changed and
 * req must still be answered.  Any other -errno: req is released (the
 * peer left, or no descriptor), nothing is handed over.
 */
int	http_detach(struct http_request *req, int *fd, char **rest,
	    size_t *rest_len);

/*
 * A reply whose body comes in pieces (a large file): http_stream_begin
 * sends the status and headers with Content-Length body_len; each
 * http_stream_write queues a piece (copied as far as the socket does not
 * take it at once); the request is answered once body_len bytes were
 * given.  http_stream_queued tells how much waits to be written: past a
 * few hundred KiB, wait for on_drain before the next piece.  If the peer
 * goes (on_abort, or a write fails), http_stream_end releases the request.
 * Returns 0 or -errno.
 */
int	http_stream_begin(struct http_request *req, int status,
	    const struct http_header *hdrs, size_t nhdrs, uint64_t body_len);
int	http_stream_write(struct http_request *req, const void *p, size_t n);
size_t	http_stream_queued(struct http_request *req);
/* Release req early (a read error, the peer gone): the connection closes
 * unless every byte was given. */
void	http_stream_end(struct http_request *req);
/*
 * body_len HTTP_CHUNKED: a reply of unknown length, sent chunked (to an
 * HTTP/1.0 client: raw, ended by closing); each http_stream_write is one
 * chunk.  http_stream_finish ends it (the last chunk) and answers req;
 * http_stream_end instead cuts it (no last chunk, the connection closes
 * after what is queued), which a client reads as a failed reply.
 */
#define HTTP_CHUNKED	UINT64_MAX
void	http_stream_finish(struct http_request *req);
/* A streamed request body (body_streamed): stop reading it (the owner
 * cannot keep up) or go on. */
void	http_body_pause(struct http_request *req, bool pause);

/* Convenience: status + Content-Type: application/json + body string. */
int	http_respond_json(struct http_request *req, int status,
	    const char *json);

/* Reason phrase of a status code ("OK", "Not Found", ...). */
const char *http_status_text(int status);

#endif
