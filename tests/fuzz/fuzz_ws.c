/*
 * fuzz_ws: libFuzzer driver for the WebSocket frame path (apigw/ws.h), as
 * a hostile client speaks it to an accepted connection.
 *
 * Each input gets a fresh connection of a real struct ws (ws_conn_open on
 * one end of a socketpair, the 101 written, libwslay framing), on an API
 * with small limits (max_frame 1024, max_message 4096) and no routes, so
 * every message is routed (ws_event_select on its body) and answered with
 * API Gateway's error frame, with no worker behind it.  The input is
 * written to the other end in chunks (their sizes from the first byte),
 * the loop runs between chunks and what the server writes is read and
 * checked; then the client end closes and the loop runs until the
 * connection is gone.  The input's bytes also go, whole, through the
 * pure helpers: ws_event_select, ws_event_reply, ws_event_utf8 and
 * ws_event_build.
 *
 * Invariants (abort on violation):
 *   - the server's first bytes are "HTTP/1.1 101 ";
 *   - what follows parses as server frames: unmasked, opcode known,
 *     control frames at most 125 bytes and final;
 *   - after the client's close every connection is gone (nconns 0, the
 *     list empty once the close callbacks ran), nothing is in flight;
 *   - ws_event_reply's body is there only when it says 1; ws_event_build
 *     makes JSON cJSON can parse.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <uv.h>

#include "apigw/apigw.h"
#include "apigw/ws_int.h"
#include "buf.h"
#include "conf.h"
#include "log.h"

static uv_loop_t *loop;
static struct ws *w;

static void
fz_fail(const char *why)
{
	fprintf(stderr, "fuzz_ws: invariant broken: %s\n", why);
	abort();
}

static void
fz_init(void)
{
	static struct conf c;
	static struct conf_websocket s;

	signal(SIGPIPE, SIG_IGN);	/* as the daemon: a closed peer is EPIPE */
	loop = uv_default_loop();
	log_init(0, 0);
	s.name = "fz";
	s.path = "/ws";
	s.route_selection = "$request.body.action";
	s.selection = "action";
	s.idle_timeout_s = 600;
	s.max_lifetime_s = 7200;
	s.max_message = 4096;
	s.max_frame = 1024;
	c.websockets = &s;
	c.nwebsockets = 1;
	if ((w = ws_new(loop, apigw_new())) == NULL || ws_configure(w, &c) != 0)
		fz_fail("setup");
}

/* Check the server's bytes: the 101, then whole frames. */
static void
fz_check_out(const unsigned char *b, size_t n, bool whole)
{
	size_t at, hl, len, i;

	if (n < 13 || memcmp(b, "HTTP/1.1 101 ", 13) != 0)
		fz_fail("no 101 first");
	for (at = 0; at + 3 < n; at++)
		if (memcmp(b + at, "\r\n\r\n", 4) == 0)
			break;
	for (at += 4; at + 2 <= n; at += hl + len) {
		unsigned op = b[at] & 0x0f;

		if (b[at + 1] & 0x80)
			fz_fail("a masked server frame");
		if (op != 0 && op != 1 && op != 2 && op != 8 && op != 9 &&
		    op != 10)
			fz_fail("an unknown opcode");
		len = b[at + 1] & 0x7f;
		hl = 2;
		if (len == 126 || len == 127) {
			size_t k = len == 126 ? 2 : 8;

			if (at + 2 + k > n)
				break;
			for (len = 0, i = 0; i < k; i++)
				len = len << 8 | b[at + 2 + i];
			hl += k;
		}
		if (op >= 8 && (len > 125 || !(b[at] & 0x80)))
			fz_fail("a bad control frame");
	}
	if (whole && at != n && at < n)
		fz_fail("a frame cut short");
}

/* Read what the server wrote (nonblocking) into out. */
static void
fz_drain(int fd, struct buf *out)
{
	char tmp[65536];
	ssize_t r;

	while ((r = read(fd, tmp, sizeof(tmp))) > 0)
		buf_add(out, tmp, (size_t)r);
}

static void
fz_pure(const uint8_t *data, size_t size)
{
	struct ws_event_in in = {
		.route_key = "$default", .event_type = "MESSAGE",
		.message_id = "m", .request_id = "r", .connection_id = "c",
		.api_id = "a", .stage = "$default", .source_ip = "127.0.0.1",
		.body = data, .body_len = size,
	};
	struct buf b, s;
	bool binary;
	int status, rc;
	cJSON *j;

	buf_init(&b);
	buf_init(&s);
	(void)ws_event_select("action", data, size, false, &s);
	(void)ws_event_select("a.b", data, size, false, &s);
	rc = ws_event_reply((const char *)data, size, &b, &binary, &status);
	if (rc != 1 && b.len != 0 && rc != -EINVAL)
		fz_fail("a reply body without rc 1");
	in.binary = !ws_event_utf8(data, size);
	buf_reset(&b);
	ws_event_build(&b, &in);
	if ((j = cJSON_ParseWithLength(b.data, b.len)) == NULL)
		fz_fail("ws_event_build made no JSON");
	cJSON_Delete(j);
	buf_free(&b);
	buf_free(&s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ws_origin o;
	struct buf out;
	size_t at = 0, chunk;
	int sv[2], i;

	if (w == NULL)
		fz_init();
	fz_pure(data, size);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
	    sv) != 0)
		return 0;
	memset(&o, 0, sizeof(o));
	ws_random_id(o.id, WS_ID_LEN);
	snprintf(o.source_ip, sizeof(o.source_ip), "127.0.0.1");
	if (ws_conn_open(w, w->apis[0], sv[0], NULL, 0, &o,
	    "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=") != 0) {
		close(sv[1]);
		return 0;
	}
	buf_init(&out);
	chunk = size > 0 ? 1 + data[0] * 8 : 1;
	while (at < size) {
		size_t n = size - at < chunk ? size - at : chunk;
		ssize_t r = write(sv[1], data + at, n);

		if (r > 0)
			at += (size_t)r;
		else if (r < 0 && errno != EAGAIN)
			break;
		for (i = 0; i < 4; i++)
			uv_run(loop, UV_RUN_NOWAIT);
		fz_drain(sv[1], &out);
	}
	for (i = 0; i < 8; i++)
		uv_run(loop, UV_RUN_NOWAIT);
	fz_drain(sv[1], &out);
	fz_check_out((const unsigned char *)out.data, out.len, false);
	close(sv[1]);
	for (i = 0; i < 200 && (w->nconns > 0 || w->conns != NULL); i++)
		uv_run(loop, UV_RUN_NOWAIT);
	if (w->nconns != 0 || w->conns != NULL || w->inflight != 0)
		fz_fail("a connection outlived its client");
	buf_free(&out);
	return 0;
}
