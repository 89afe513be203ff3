/*
 * http_int: what http.c (connections, reading, writing), http_server.c
 * (listening, accepting, the cap) and
 * http_parse.c (llhttp's callbacks, building the request) share.  Not for
 * other modules: they use http.h.
 */
#ifndef LAMBDAD_HTTP_INT_H
#define LAMBDAD_HTTP_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <llhttp.h>
#include <uv.h>

#include "http.h"

#define HTTP_BACKLOG		511
#define HTTP_RBUF_MIN		16384		/* first read buffer */
#define HTTP_READ_SLACK		65536		/* unparsed bytes kept while busy */
#define HTTP_LINGER_MS		2000		/* read-and-discard after close */
#define HTTP_ARENA_KEEP		65536		/* arena kept between requests */
#define HTTP_CORK_MAX		65536		/* replies held while corked */
#define HTTP_WQ_MAX		(1024 * 1024)	/* queued reply bytes before we
						   stop parsing new requests */
#define HTTP_BODY_MIN_RATE	500		/* body bytes/s that earn one
						   more second past
						   body_timeout (slowloris) */
#define HTTP_IDLE_LEAN		64		/* idle connections past this
						   many give back their read
						   buffer while idle */

enum conn_phase {
	PH_IDLE,	/* between messages */
	PH_HEAD,	/* request line and headers */
	PH_BODY,	/* body (and trailers) */
	PH_WAIT,	/* request handed to the owner */
	PH_CLOSING	/* final reply queued; lingering */
};

struct hoff {			/* a header while the arena may still move */
	size_t	name, name_len, value, value_len;
};

struct http_conn {
	struct http_request req;	/* the one request; see file comment */
	struct http_server *srv;
	struct http_conn *prev, *next;
	struct http_conn *iprev, *inext;	/* the idle list (LRU) */
	union {				/* same stream layout at the same address */
		uv_tcp_t	 tcp;
		uv_pipe_t	 pipe;	/* a Unix-socket server's connection */
	};
	uv_timer_t	 timer;
	uv_shutdown_t	 shut;
	llhttp_t	 parser;

	char		*rbuf;		/* rbuf[rpos..rlen) is unparsed */
	size_t		 rcap, rlen, rpos;
	char		*arena;
	size_t		 acap, alen;
	struct hoff	*hoffs;
	struct http_header *hdrs;
	size_t		 hcap, nh, ntrail_at;	/* trailers start at ntrail_at */
	size_t		 target_off, target_len, body_off, body_len;
	size_t		 hdr_bytes;	/* header or trailer block so far */
	char		*wbuf;
	size_t		 wcap;
	char		*cbuf;		/* replies held while corked */
	size_t		 ccap, clen;

	uint64_t	 deadline;	/* loop ms; 0 = none */
	uint64_t	 body_start;	/* loop ms the body began */
	uint64_t	 timer_due;
	enum conn_phase	 phase;
	int		 err_status;	/* why the parser was stopped */
	unsigned	 handles_open;	/* tcp and timer, until close_cb */
	unsigned	 nreq;

	unsigned	 closed:1;	/* uv_close called */
	unsigned	 outstanding:1;	/* req handed out, not answered */
	unsigned	 in_process:1;
	unsigned	 parse_stop:1;	/* never parse again */
	unsigned	 too_large:1;
	unsigned	 keepalive:1;
	unsigned	 reading:1;
	unsigned	 timer_armed:1;
	unsigned	 expect_continue:1;
	unsigned	 in_trailers:1;
	unsigned	 in_field:1;
	unsigned	 rejected:1;	/* over max_conns */
	unsigned	 head:1;	/* HEAD request: no reply body */
	unsigned	 body_nul:1;	/* body already NUL-terminated */
	unsigned	 corked:1;	/* in our own read callback: hold replies */
	unsigned	 on_idle:1;	/* linked in the server's idle list */
	unsigned	 resume:1;	/* parse on from the timer (http_respond) */
	unsigned	 streaming:1;	/* a reply's body is being streamed */
	unsigned	 stream_close:1;	/* close after the streamed one */
	unsigned	 stream_chunked:1;	/* ... sent chunked */
	unsigned	 stream_raw:1;	/* ... of unknown length to HTTP/1.0 */
	unsigned	 body_stream:1;	/* req handed out, its body still coming */
	unsigned	 body_paused:1;	/* ... and the owner wants no more yet */
	unsigned	 head_pause:1;	/* llhttp paused at the headers' end */
	uint64_t	 stream_left;	/* its bytes not yet given */
	uint64_t	 wbytes;	/* bytes ever given to the socket's queue */
	uint64_t	 send_mark;	/* ... of which sent at the last check */
};

struct http_server {
	uv_loop_t	*loop;
	struct http_server_cfg cfg;
	union {
		uv_tcp_t	 tcp;
		uv_pipe_t	 pipe;
	};
	struct http_conn *conns;	/* every connection not yet freed */
	unsigned	 nconns;	/* open (not closed) connections */
	unsigned	 nactive;	/* open and not rejected */
	/* Idle connections (nothing outstanding, read or left to write),
	 * oldest first: the first to close when a new one finds the cap. */
	struct http_conn *idle_head, *idle_tail;
	unsigned	 nidle;
	uint64_t	 evictions;	/* idle ones closed to make room */
	uint64_t	 refused;	/* new ones answered 503 at the cap */
	uint64_t	 send_timeouts;	/* streamed replies cut (client stalled) */
	time_t		 date_sec;
	char		 date[40];
	size_t		 date_len;
	unsigned	 listening:1;
	unsigned	 inited:1;	/* tcp or pipe initialised */
	unsigned	 is_unix:1;
	unsigned	 listener_closing:1;
	unsigned	 listener_closed:1;
	unsigned	 freeing:1;
};

/* llhttp's callbacks (http_parse.c), one table for every connection. */
extern const llhttp_settings_t http_settings;

/* Grow *buf to hold need bytes (doubling).  0 or -ENOMEM. */
int	http_grow(char **buf, size_t *cap, size_t need);
/* s[0..len) is lit, compared case-insensitively. */
bool	http_token_eq(const char *s, size_t len, const char *lit,
	    size_t litlen);
/* Set c's deadline ms from now (0 = none); the timer moves only earlier. */
void	conn_deadline(struct http_conn *c, uint64_t ms);
/* The body's deadline after a read (or at its start): see http.c. */
void	conn_body_deadline(struct http_conn *c);
/* Write bufs now as far as the socket takes, queue the rest.  0 or -errno. */
int	conn_write(struct http_conn *c, const uv_buf_t *bufs, unsigned nbufs);
/* Close now (both handles); memory goes once the request is answered. */
void	conn_close(struct http_conn *c);
/* A final error reply (status), then close. */
void	conn_fail(struct http_conn *c, int status);
/* Keep c's place in the server's idle list right after a state change. */
void	conn_idle_update(struct http_conn *c);
void	conn_read_start(struct http_conn *c);
/* The close callback of a connection's handles (both counted). */
void	conn_on_close(uv_handle_t *h);
/* The status line and headers of a reply into c->wbuf; its length. */
int	conn_format_head(struct http_conn *c, int status,
	    const struct http_header *hdrs, size_t nhdrs, size_t body_len,
	    bool close);
/* The reply to c's request is all queued (rc: conn_send's): release the
 * request, then keep the connection for the next or close it. */
int	conn_answered(struct http_conn *c, bool close, int rc);
#define HTTP_STREAM_LOW	(256 * 1024)	/* queued bytes that call on_drain */
/* Bytes of c's replies the kernel has taken (queued ones not). */
uint64_t	conn_sent(struct http_conn *c);
/* Parse what is buffered (http.c), as far as the owner lets it. */
void	conn_process(struct http_conn *c);
/* Parse on from the timer, on the next turn of the loop (http.c). */
void	conn_resume_later(struct http_conn *c);
/* llhttp paused: hand the request (or its streamed body's start, or end)
 * to the owner (http_parse.c). */
void	conn_dispatch(struct http_conn *c);
/* Free srv once it is being freed and its last connection is gone
 * (http_server.c). */
void	srv_maybe_free(struct http_server *srv);

#endif
