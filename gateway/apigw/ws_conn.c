/*
 * ws_conn: one accepted WebSocket connection (ws_int.h): its socket on
 * the loop, frames through libwslay's event API, its timer, its end.
 *
 * wslay pulls and pushes through callbacks; libuv pushes.  A read hands
 * wslay the bytes just read (c->in) and runs wslay_event_recv, whose recv
 * callback drains them and then says "would block".  wslay's send
 * callback writes what the socket takes now (uv_try_write) and queues
 * the rest in a uv_write of its own copy, up to WS_WQ_MAX per connection;
 * past that it says "would block" and the write callback resumes it, so a
 * client that does not read costs that much and no more.
 *
 * One timer per connection covers idle_timeout, max_lifetime and the
 * wait for the peer's close frame; it is moved only when it fires (a
 * message updates active_ms, the timer finds it there).
 *
 * The end, on every path (the peer's close, its going away, a timeout,
 * @connections DELETE, a reload, the daemon's stop): ws_conn_kill takes
 * the connection out of the hash, invokes $disconnect once, closes both
 * handles, and the last close callback frees it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "apigw/ws_int.h"
#include "log.h"

struct ws_wr {
	uv_write_t	 wr;
	struct ws_conn	*c;
	size_t		 len;
	char		 data[];
};

/* One read buffer for every connection: wslay copies what it keeps. */
static char ws_rbuf[65536];

static void ws_conn_flush(struct ws_conn *c);
static void ws_conn_check(struct ws_conn *c);
static void ws_conn_resume(struct ws_conn *c);

static uint64_t
ws_epoch_ms(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (uint64_t)tv.tv_sec * 1000 + (uint64_t)tv.tv_usec / 1000;
}

/* ---- wslay's callbacks ------------------------------------------------- */

static ssize_t
ws_cb_recv(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, int flags,
    void *user)
{
	struct ws_conn *c = user;
	size_t n = len < c->inlen ? len : c->inlen;

	(void)flags;
	if (n == 0) {
		wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
		return -1;
	}
	memcpy(buf, c->in, n);
	c->in += n;
	c->inlen -= n;
	return (ssize_t)n;
}

static void
ws_on_write(uv_write_t *wr, int status)
{
	struct ws_wr *q = (struct ws_wr *)wr;
	struct ws_conn *c = q->c;

	c->wq -= q->len;
	free(q);
	if (c->dead)
		return;
	if (status < 0) {
		ws_conn_kill(c);
		return;
	}
	ws_conn_flush(c);
	ws_conn_resume(c);
	ws_conn_check(c);
}

/* Queue a copy of data[0..len) behind what is being written. */
static int
ws_conn_queue(struct ws_conn *c, const void *data, size_t len)
{
	struct ws_wr *q = malloc(sizeof(*q) + len);
	uv_buf_t b;

	if (q == NULL)
		return -ENOMEM;
	q->c = c;
	q->len = len;
	memcpy(q->data, data, len);
	b = uv_buf_init(q->data, (unsigned)len);
	if (uv_write(&q->wr, (uv_stream_t *)&c->tcp, &b, 1, ws_on_write) < 0) {
		free(q);
		return -EPIPE;
	}
	c->wq += len;
	return 0;
}

/* Write now what the socket takes, queue the rest.  0 or -errno. */
static int
ws_conn_write(struct ws_conn *c, const void *data, size_t len)
{
	uv_buf_t b = uv_buf_init((char *)data, (unsigned)len);
	int n = 0;

	if (c->wq == 0) {
		n = uv_try_write((uv_stream_t *)&c->tcp, &b, 1);
		if (n == UV_EAGAIN)
			n = 0;
		else if (n < 0)
			return n;
	}
	if ((size_t)n == len)
		return 0;
	return ws_conn_queue(c, (const char *)data + n, len - (size_t)n);
}

static ssize_t
ws_cb_send(wslay_event_context_ptr ctx, const uint8_t *data, size_t len,
    int flags, void *user)
{
	struct ws_conn *c = user;

	(void)flags;
	if (c->dead || c->wq >= WS_WQ_MAX) {
		wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
		return -1;
	}
	if (ws_conn_write(c, data, len) < 0) {
		wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
		return -1;
	}
	c->w->st.bytes_out += len;
	return (ssize_t)len;
}

/* A frame over max_frame: API Gateway's 32 KB, so 1009 and the end. */
static void
ws_cb_frame_start(wslay_event_context_ptr ctx,
    const struct wslay_event_on_frame_recv_start_arg *arg, void *user)
{
	struct ws_conn *c = user;

	if (arg->opcode >= WSLAY_CONNECTION_CLOSE ||
	    arg->payload_length <= c->api->max_frame || c->refused_frame)
		return;
	c->refused_frame = 1;
	log_info("websocket %s: %s: a frame of %llu bytes (max_frame %zu): "
	    "closed", c->api->name, c->o.id,
	    (unsigned long long)arg->payload_length, c->api->max_frame);
	wslay_event_shutdown_read(ctx);
	ws_conn_close(c, WSLAY_CODE_MESSAGE_TOO_BIG, "Message too big");
}

static void
ws_cb_msg(wslay_event_context_ptr ctx,
    const struct wslay_event_on_msg_recv_arg *arg, void *user)
{
	struct ws_conn *c = user;

	(void)ctx;
	if (c->refused_frame || c->closing ||
	    (arg->opcode != WSLAY_TEXT_FRAME &&
	    arg->opcode != WSLAY_BINARY_FRAME))
		return;		/* pings are wslay's; a close, ws_conn_check's */
	c->active_ms = ws_epoch_ms();
	c->w->st.msgs_in++;
	c->w->st.bytes_in += arg->msg_length;
	ws_invoke_message(c, arg->msg, arg->msg_length,
	    arg->opcode == WSLAY_BINARY_FRAME);
}

static const struct wslay_event_callbacks ws_callbacks = {
	.recv_callback = ws_cb_recv,
	.send_callback = ws_cb_send,
	.on_frame_recv_start_callback = ws_cb_frame_start,
	.on_msg_recv_callback = ws_cb_msg,
};

/* ---- the end ----------------------------------------------------------- */

static void
ws_on_close(uv_handle_t *h)
{
	struct ws_conn *c = h->data;
	struct ws *w = c->w;

	if (--c->handles > 0)
		return;
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		w->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	if (c->ctx != NULL)
		wslay_event_context_free(c->ctx);
	ws_api_unref(c->api);
	free(c->o.user_agent);
	free(c->o.domain);
	free(c->o.authorizer);
	free(c);
	ws_maybe_free(w);
}

/* The close code and reason $disconnect is told of. */
static void
ws_conn_why(struct ws_conn *c, int *code, const char **reason)
{
	uint16_t got = c->ctx != NULL ?
	    wslay_event_get_status_code_received(c->ctx) : 0;

	if (c->close_code == 0 && c->ctx != NULL &&
	    wslay_event_get_close_sent(c->ctx))
		c->close_code = wslay_event_get_status_code_sent(c->ctx);

	if (c->ctx != NULL && wslay_event_get_close_received(c->ctx)) {
		*code = got != 0 && got != WSLAY_CODE_NO_STATUS_RCVD ? got :
		    1005;
		*reason = "Client closed the connection";
	} else if (c->close_code != 0) {
		*code = c->close_code;
		*reason = c->close_code == WSLAY_CODE_MESSAGE_TOO_BIG ?
		    "Message too big" : "Going away";
	} else {
		*code = WSLAY_CODE_ABNORMAL_CLOSURE;
		*reason = "Connection lost";
	}
}

void
ws_conn_kill(struct ws_conn *c)
{
	const char *reason;
	int code;

	if (c->dead)
		return;
	ws_conn_why(c, &code, &reason);
	c->dead = 1;
	ws_unlink(c->w, c);
	ws_invoke_disconnect(c, code, reason);
	uv_close((uv_handle_t *)&c->tcp, ws_on_close);
	uv_close((uv_handle_t *)&c->timer, ws_on_close);
}

/* Both close frames are through, or wslay is done with the socket. */
static void
ws_conn_check(struct ws_conn *c)
{
	if (c->dead || c->wq > 0)
		return;
	if ((wslay_event_get_close_sent(c->ctx) &&
	    wslay_event_get_close_received(c->ctx)) ||
	    (!wslay_event_want_read(c->ctx) &&
	    !wslay_event_want_write(c->ctx)))
		ws_conn_kill(c);
}

static void
ws_conn_flush(struct ws_conn *c)
{
	if (c->dead || !wslay_event_want_write(c->ctx))
		return;
	if (wslay_event_send(c->ctx) != 0)
		ws_conn_kill(c);
}

/* ---- timers ------------------------------------------------------------ */

static void ws_on_timer(uv_timer_t *t);

/* The earliest of the idle, lifetime and closing deadlines, from now. */
static void
ws_conn_arm(struct ws_conn *c)
{
	uint64_t now = ws_epoch_ms(), due, left;

	due = c->active_ms + c->api->idle_ms;
	if (c->o.connected_ms + c->api->lifetime_ms < due)
		due = c->o.connected_ms + c->api->lifetime_ms;
	left = due > now ? due - now : 0;
	/* Closing, only the wait for the peer's close is left. */
	if (c->closing)
		left = c->close_due > uv_now(c->w->loop) ?
		    c->close_due - uv_now(c->w->loop) : 0;
	else if (left == 0)
		left = 1;	/* never 0: libuv would run it again at once */
	uv_timer_start(&c->timer, ws_on_timer, left, 0);
}

static void
ws_on_timer(uv_timer_t *t)
{
	struct ws_conn *c = t->data;
	uint64_t now = ws_epoch_ms();

	if (c->dead)
		return;
	if (c->closing && uv_now(c->w->loop) >= c->close_due) {
		ws_conn_kill(c);	/* the peer never answered our close */
		return;
	}
	if (!c->closing && now >= c->o.connected_ms + c->api->lifetime_ms) {
		log_info("websocket %s: %s: max_lifetime reached",
		    c->api->name, c->o.id);
		ws_conn_close(c, WSLAY_CODE_GOING_AWAY, "Going away");
	} else if (!c->closing && now >= c->active_ms + c->api->idle_ms) {
		log_info("websocket %s: %s: idle_timeout reached",
		    c->api->name, c->o.id);
		ws_conn_close(c, WSLAY_CODE_GOING_AWAY, "Going away");
	}
	if (!c->dead)
		ws_conn_arm(c);
}

void
ws_conn_close(struct ws_conn *c, uint16_t code, const char *reason)
{
	if (c->dead || c->closing)
		return;
	c->closing = 1;
	c->close_code = code;
	c->close_due = uv_now(c->w->loop) + WS_CLOSE_MS;
	(void)wslay_event_queue_close(c->ctx, code, (const uint8_t *)reason,
	    reason != NULL ? strlen(reason) : 0);
	ws_conn_flush(c);
	if (!c->dead)
		ws_conn_arm(c);
	ws_conn_check(c);
}

/* ---- reading -------------------------------------------------------------- */

static void
ws_on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
	(void)h;
	(void)hint;
	*buf = uv_buf_init(ws_rbuf, sizeof(ws_rbuf));
}

/* Feed wslay data[0..len), then send what it queued in reply. */
static void
ws_conn_feed(struct ws_conn *c, const char *data, size_t len)
{
	c->in = (const uint8_t *)data;
	c->inlen = len;
	if (wslay_event_recv(c->ctx) != 0) {
		c->in = NULL;
		c->inlen = 0;
		ws_conn_kill(c);
		return;
	}
	c->in = NULL;
	c->inlen = 0;
	ws_conn_flush(c);
	ws_conn_check(c);
}

/* Bytes waiting to go out: in wslay's queue and in uv_writes. */
static size_t
ws_conn_backlog(const struct ws_conn *c)
{
	return c->wq + wslay_event_get_queued_msg_length(c->ctx);
}

/*
 * A client that sends and does not read: its replies pile up, so it is
 * not read either until they drain (ws_conn_resume from the write
 * callback); what it costs is WS_WQ_MAX and a few messages.
 */
static void
ws_on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	struct ws_conn *c = s->data;

	if (c->dead)
		return;
	if (nread < 0) {
		ws_conn_kill(c);	/* EOF or an error: the peer is gone */
		return;
	}
	if (nread > 0)
		ws_conn_feed(c, buf->base, (size_t)nread);
	if (!c->dead && c->reading && ws_conn_backlog(c) > WS_WQ_MAX) {
		uv_read_stop((uv_stream_t *)&c->tcp);
		c->reading = 0;
	}
}

static void
ws_conn_resume(struct ws_conn *c)
{
	if (c->dead || c->reading || ws_conn_backlog(c) > WS_WQ_MAX / 2)
		return;
	if (uv_read_start((uv_stream_t *)&c->tcp, ws_on_alloc,
	    ws_on_read) != 0) {
		ws_conn_kill(c);
		return;
	}
	c->reading = 1;
}

int
ws_conn_send(struct ws_conn *c, int opcode, const void *data, size_t len)
{
	struct wslay_event_msg m = {
		.opcode = (uint8_t)opcode,
		.msg = data,
		.msg_length = len,
	};
	int rc;

	if (c->dead || c->closing)
		return -EPIPE;
	if (ws_conn_backlog(c) > 4 * WS_WQ_MAX)
		return -ENOBUFS;	/* a client that reads nothing */
	if ((rc = wslay_event_queue_msg(c->ctx, &m)) != 0)
		return rc == WSLAY_ERR_NOMEM ? -ENOMEM : -EPIPE;
	c->w->st.msgs_out++;
	ws_conn_flush(c);
	return 0;
}

/* ---- opening ----------------------------------------------------------- */

static int
ws_conn_101(struct ws_conn *c, const char *accept)
{
	struct buf b;
	int rc;

	buf_init(&b);
	buf_printf(&b, "HTTP/1.1 101 Switching Protocols\r\n"
	    "Upgrade: websocket\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Accept: %s\r\n\r\n", accept);
	rc = ws_conn_write(c, b.data, b.len);
	buf_free(&b);
	return rc;
}

int
ws_conn_open(struct ws *w, struct ws_api *api, int fd, char *rest,
    size_t restlen, struct ws_origin *o, const char *accept)
{
	struct ws_conn *c = calloc(1, sizeof(*c));

	if (c == NULL || uv_tcp_init(w->loop, &c->tcp) != 0) {
		free(c);
		free(rest);
		close(fd);
		return -ENOMEM;
	}
	c->w = w;
	c->api = api;
	api->refs++;
	c->o = *o;
	memset(o, 0, sizeof(*o));
	c->tcp.data = c->timer.data = c;
	uv_timer_init(w->loop, &c->timer);
	c->handles = 2;
	c->active_ms = ws_epoch_ms();
	if (c->o.connected_ms == 0)
		c->o.connected_ms = c->active_ms;
	ws_link(w, c);
	if (uv_tcp_open(&c->tcp, fd) != 0) {
		close(fd);
		goto fail;
	}
	if (wslay_event_context_server_init(&c->ctx, &ws_callbacks, c) != 0) {
		c->ctx = NULL;
		goto fail;
	}
	wslay_event_config_set_max_recv_msg_length(c->ctx, api->max_message);
	if (ws_conn_101(c, accept) != 0 ||
	    uv_read_start((uv_stream_t *)&c->tcp, ws_on_alloc,
	    ws_on_read) != 0)
		goto fail;
	c->reading = 1;
	ws_conn_arm(c);
	if (rest != NULL)
		ws_conn_feed(c, rest, restlen);
	free(rest);
	return 0;
fail:
	free(rest);
	c->dead = 1;	/* never connected: no $disconnect */
	ws_unlink(w, c);
	uv_close((uv_handle_t *)&c->tcp, ws_on_close);
	uv_close((uv_handle_t *)&c->timer, ws_on_close);
	return -EIO;
}
