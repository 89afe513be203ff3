/*
 * ws: API Gateway's WebSocket APIs on the public listener (issue 10).
 *
 * A [websocket NAME] section (conf_ws.c) puts an API at a path.  A GET
 * there with Upgrade: websocket is handed here by the front (front.c does
 * nothing else with it):
 *
 *   handshake checked (RFC 6455: 400, or 426 for another version)
 *   -> auth = AUTHORIZER (the authorizer stage, JWT or Lambda: 401/403)
 *   -> $connect's function, if any, invoked before anything is accepted:
 *      an error or a statusCode outside 2xx refuses the upgrade (403, or
 *      that status)
 *   -> 101, and the socket leaves the HTTP server (http_detach) for a
 *      connection of its own, framed by libwslay
 *
 * Then each message (text or binary, reassembled from its fragments)
 * picks a route by the API's route_selection ($request.body.action: that
 * member of a JSON body), else $default, and invokes its function with
 * API Gateway's WebSocket event (ws_event.c); a reply with a body goes
 * back on the connection.  No route: an error frame {"message":
 * "Forbidden", "connectionId", "requestId"} as API Gateway sends.  When
 * the client leaves, or the gateway closes the connection, $disconnect's
 * function is invoked, once, asynchronously; nobody waits for it.
 *
 * The @connections API (ws_mgmt.c) reaches connections by id: POST sends
 * the body as a message, GET describes one, DELETE closes it; an id that
 * is not (or no longer) connected is 410 GoneException.  It is served on
 * the Invoke API's listener (SigV4, service execute-api, as the Invoke
 * API checks its own) and on every function's private endpoint.
 *
 * Limits (per API, API Gateway's by default): max_message (128 KB) and
 * max_frame (32 KB), over which the connection is closed with 1009;
 * idle_timeout (10 min without a message) and max_lifetime (2 h), then
 * 1001.  Pings are answered by wslay.  Every path out frees the
 * connection: the client's close or its going away, a timeout, DELETE,
 * a reload that removes the API (1001), and the daemon's stop (1001).
 *
 * Everything runs on the loop; nothing blocks.  Connections are kept in a
 * hash by id, invocations find their connection by id when they finish
 * (it may have left meanwhile), so no invocation holds a pointer to one.
 */
#ifndef LAMBDAD_APIGW_WS_H
#define LAMBDAD_APIGW_WS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

struct ws;
struct apigw;
struct conf;
struct http_request;

/* gw is the front's (pools, authorizers, access log); not owned. */
struct ws *ws_new(uv_loop_t *loop, struct apigw *gw);
/* Close every connection at once and free w once their handles are
 * closed.  NULL-safe. */
void	ws_free(struct ws *w);
/*
 * The [websocket] sections of c (copied; c may be freed after).  At a
 * reload, connections of an API that is still there (by name) go on
 * under its new settings; those of one that is gone are closed (1001).
 * 0, or -ENOMEM.
 */
int	ws_configure(struct ws *w, const struct conf *c);
/* The cap on open WebSocket connections (0: none); past it, 503. */
void	ws_set_max_conns(struct ws *w, unsigned n);
/* Whether req's path is a WebSocket API's. */
bool	ws_match(const struct ws *w, const struct http_request *req);
/* Answer req (exactly once, maybe later): an upgrade or a refusal. */
void	ws_handle(struct ws *w, struct http_request *req);
/* The daemon stops: refuse upgrades, close every connection (1001). */
void	ws_stop(struct ws *w);
/* Open connections and invocations in flight (the daemon waits). */
unsigned ws_nconns(const struct ws *w);	/* NULL-safe */
unsigned ws_inflight(const struct ws *w);	/* NULL-safe */

struct ws_stats {
	unsigned	 open;		/* connections now */
	uint64_t	 accepted;	/* upgrades accepted since start */
	uint64_t	 refused;	/* upgrades refused */
	uint64_t	 msgs_in, msgs_out;	/* messages received, sent */
	uint64_t	 bytes_in, bytes_out;
};
void	ws_stats(const struct ws *w, struct ws_stats *st);

/* ---- The @connections API (ws_mgmt.c) ---- */

/* Whether path (not decoded) is /@connections/... */
bool	ws_mgmt_match(const char *path, size_t len);
/* Answer req: POST, GET or DELETE /@connections/{id}.  The caller has
 * checked who may (SigV4 on the Invoke API's listener; the private
 * endpoint is its function's). */
void	ws_mgmt_handle(struct ws *w, struct http_request *req);

#endif
