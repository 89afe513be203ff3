/*
 * ws_int: what the WebSocket modules share (ws.h is the contract):
 * ws.c (the registry, configuration, the upgrade and $connect),
 * ws_conn.c (a connection's socket, frames with wslay, timers, close),
 * ws_invoke.c (messages and $disconnect to functions, replies back),
 * ws_event.c (the events, route selection, replies: pure) and
 * ws_mgmt.c (@connections).  Not for other modules.
 */
#ifndef LAMBDAD_APIGW_WS_INT_H
#define LAMBDAD_APIGW_WS_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>
#include <wslay/wslay.h>

#include "apigw/ws.h"
#include "buf.h"
#include "conf.h"

#define WS_ID_LEN	16	/* connection ids: [A-Za-z0-9]{16} */
#define WS_NBUCKETS	16384	/* the id hash (a power of two) */
#define WS_WQ_MAX	(1024 * 1024)	/* queued bytes before wslay waits */
#define WS_CLOSE_MS	2000	/* after our close frame, the peer's */

struct ws_route {
	char		*key;
	char		*function;
	size_t		 fn_index;	/* a hint for apigw_pool */
};

/* One API, copied from its section; connections hold a reference, so a
 * reload that replaces it leaves theirs until they close. */
struct ws_api {
	unsigned	 refs;
	char		*name, *path, *selection;
	char		 api_id[11];	/* requestContext.apiId */
	struct ws_route	*routes;
	size_t		 nroutes;
	/* What the authorizer stage reads for $connect: a function_conf
	 * with only name, auth, authorizer, authz and payload set.  authz
	 * points into the configuration: valid until the next reload,
	 * which is as long as apigw's calls use it (apigw_resume). */
	struct function_conf authfn;
	uint64_t	 idle_ms, lifetime_ms;
	size_t		 max_message, max_frame;
	bool		 removed;	/* a reload dropped it */
};

/* What the upgrade request leaves a connection. */
struct ws_origin {
	char		 id[WS_ID_LEN + 1];
	char		 source_ip[48];
	char		*user_agent;	/* taken */
	char		*domain;	/* the Host header; taken */
	char		*authorizer;	/* requestContext.authorizer; taken */
	uint64_t	 connected_ms;	/* epoch */
};

struct ws_conn {
	struct ws	*w;
	struct ws_api	*api;		/* a reference */
	struct ws_conn	*prev, *next;	/* w's list */
	struct ws_conn	*hnext;		/* its hash bucket */
	struct ws_origin o;
	uv_tcp_t	 tcp;
	uv_timer_t	 timer;
	wslay_event_context_ptr ctx;
	const uint8_t	*in;		/* what wslay's recv callback reads */
	size_t		 inlen;
	size_t		 wq;		/* bytes in uv_write requests */
	uint64_t	 active_ms;	/* epoch ms of the last message */
	uint64_t	 close_due;	/* loop ms: give up on the peer's close */
	uint16_t	 close_code;	/* ours, for $disconnect */
	unsigned	 handles;	/* open libuv handles */
	unsigned	 closing:1;	/* our close frame is queued */
	unsigned	 dead:1;	/* handles closing; gone from the hash */
	unsigned	 reading:1;
	unsigned	 refused_frame:1;	/* a frame over max_frame */
};

struct ws {
	uv_loop_t	*loop;
	struct apigw	*gw;
	struct ws_api	**apis;
	size_t		 napis;
	char		*stage;		/* requestContext.stage */
	struct ws_conn	*conns;
	struct ws_conn	*buckets[WS_NBUCKETS];
	unsigned	 nconns, max_conns;
	unsigned	 inflight;	/* invocations out */
	unsigned	 upgrading;	/* upgrades waiting for $connect */
	struct ws_stats	 st;
	bool		 stopping, freeing;
};

/* ws.c */
void	ws_api_unref(struct ws_api *a);
const struct ws_route *ws_api_route(const struct ws_api *a,
	    const char *key, size_t len);
struct pool *ws_route_pool(struct ws *w, const struct ws_route *r);
struct ws_conn *ws_find(const struct ws *w, const char *id, size_t len);
void	ws_link(struct ws *w, struct ws_conn *c);
void	ws_unlink(struct ws *w, struct ws_conn *c);
void	ws_maybe_free(struct ws *w);
/* A fresh id: [A-Za-z0-9], n of them, from the kernel's randomness. */
void	ws_random_id(char *out, size_t n);

/* ws_conn.c */
/*
 * The accepted connection: takes fd (the socket), rest (bytes already
 * read, malloc'd or NULL) and the strings of o; writes the 101 with
 * accept (Sec-WebSocket-Accept).  0, or -errno (everything released).
 */
int	ws_conn_open(struct ws *w, struct ws_api *api, int fd, char *rest,
	    size_t restlen, struct ws_origin *o, const char *accept);
/* Queue one message (WSLAY_TEXT_FRAME or WSLAY_BINARY_FRAME, copied)
 * and send what the socket takes.  0, or -errno. */
int	ws_conn_send(struct ws_conn *c, int opcode, const void *data,
	    size_t len);
/* Start the closing handshake with code (and reason); the connection
 * goes at the peer's close or after WS_CLOSE_MS. */
void	ws_conn_close(struct ws_conn *c, uint16_t code, const char *reason);
/* Close the socket now (no handshake). */
void	ws_conn_kill(struct ws_conn *c);

/* ws_invoke.c */
/* A message arrived on c: route it, invoke its function. */
void	ws_invoke_message(struct ws_conn *c, const uint8_t *msg, size_t len,
	    bool binary);
/* c left: invoke $disconnect (best-effort, nobody waits). */
void	ws_invoke_disconnect(struct ws_conn *c, int code, const char *reason);

/* ws_event.c (pure) */
struct ws_event_in {
	const char	*route_key;
	const char	*event_type;	/* "CONNECT", "MESSAGE", "DISCONNECT" */
	const char	*message_id;	/* MESSAGE only */
	const char	*request_id;
	const char	*connection_id;
	const char	*api_id;
	const char	*stage;
	const char	*domain;	/* NULL: "localhost" */
	const char	*source_ip;
	const char	*user_agent;	/* may be NULL */
	const char	*authorizer;	/* JSON object, or NULL */
	uint64_t	 connected_ms, now_ms;
	const void	*body;		/* MESSAGE: the message */
	size_t		 body_len;
	bool		 binary;	/* body base64, isBase64Encoded */
	/* CONNECT: the upgrade request's headers and query string. */
	const struct http_request *req;
	int		 disconnect_code;	/* DISCONNECT */
	const char	*disconnect_reason;
};
void	ws_event_build(struct buf *out, const struct ws_event_in *in);
/*
 * The route key a message selects: the string at the dotted path sel
 * ("action", "a.b") of a JSON object body; NULL when there is none (not
 * JSON, not a string, binary).  Points into *scratch (freed by caller).
 */
const char *ws_event_select(const char *sel, const void *body, size_t len,
	    bool binary, struct buf *scratch);
/*
 * A function's reply: what goes back on the connection.  1: *out holds
 * the body (decoded when isBase64Encoded; *binary then), 0: nothing to
 * send, -EINVAL: not a reply ($connect refuses).  *status gets
 * statusCode (200 when absent).
 */
int	ws_event_reply(const char *reply, size_t len, struct buf *out,
	    bool *binary, int *status);
/* Whether s[0..n) is UTF-8 (RFC 3629: no overlongs, surrogates or
 * code points past U+10FFFF): a text frame's, or a binary one's. */
bool	ws_event_utf8(const void *s, size_t n);
/* Sec-WebSocket-Accept of key (RFC 6455 4.2.2): 28 characters + NUL. */
void	ws_event_accept(const char *key, size_t len, char out[29]);

#endif
