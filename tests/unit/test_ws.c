/*
 * test_ws: the WebSocket APIs' pure parts: [websocket NAME] sections
 * (conf_ws.c) and the events, route selection, replies, UTF-8 check and
 * handshake key of apigw/ws_event.c.
 */
#include <criterion/criterion.h>

#include <stdbool.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "apigw/ws_int.h"
#include "buf.h"
#include "conf.h"
#include "conf_fixture.h"

static void
setup(void)
{
	tmpdir_make("test_ws", tmpdir);
}

static void
teardown(void)
{
	tmpdir_remove(tmpdir);
}

TestSuite(ws, .init = setup, .fini = teardown);

#define FN_CHAT "[function chat]\nbootstrap = /bin/true\n"

Test(ws, conf_defaults_and_routes)
{
	struct conf *c = load_ok("\n[websocket chat]\npath = /ws\n"
	    "ws_route = $connect chat\nws_route = sendmessage chat\n", FN_CHAT);
	const struct conf_websocket *w = conf_find_websocket(c, "chat");

	cr_assert_not_null(w);
	cr_assert_str_eq(w->path, "/ws");
	cr_assert_str_eq(w->selection, "action");
	cr_assert_eq(w->idle_timeout_s, 600);
	cr_assert_eq(w->max_lifetime_s, 7200);
	cr_assert_eq(w->max_message, 131072);
	cr_assert_eq(w->max_frame, 32768);
	cr_assert_eq(w->nroutes, 2);
	cr_assert_str_eq(w->routes[1].key, "sendmessage");
	cr_assert_eq(c->fns[w->routes[1].fn_index].ws_endpoint, 1);
	conf_free(c);
}

Test(ws, conf_errors)
{
	static const struct {
		const char *extra, *want;
	} t[] = {
		{ "\n[websocket a]\nws_route = $default chat\n", "path is required" },
		{ "\n[websocket a]\npath = ws\n", "expected a path from /" },
		{ "\n[websocket a]\npath = /ws\nws_route = $other chat\n",
		    "expected KEY FUNCTION" },
		{ "\n[websocket a]\npath = /ws\nws_route = x nosuch\n",
		    "no [function nosuch]" },
		{ "\n[websocket a]\npath = /ws\nws_route = x chat\n"
		    "ws_route = x chat\n", "set twice" },
		{ "\n[websocket a]\npath = /ws\nauth = nobody\n",
		    "no [authorizer nobody]" },
		{ "\n[websocket a]\npath = /ws\nroute_selection = $request.header.x\n",
		    "$request.body.NAME" },
		{ "\n[websocket a]\npath = /ws\nmax_frame = 9000\nmax_message = 8000\n",
		    "max_frame is more than max_message" },
		{ "\n[websocket a]\npath = /ws\n[websocket b]\npath = /ws\n",
		    "is [websocket a]'s already" },
		{ "\n[websocket a]\npath = /ws\nidle_timeout = 0\n", "1..7200" },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		const char *err = load_err(t[i].extra, FN_CHAT);

		cr_expect_not_null(strstr(err, t[i].want), "%s: got %s",
		    t[i].want, err);
	}
}

Test(ws, select)
{
	struct buf s;
	const char *k;

	buf_init(&s);
	k = ws_event_select("action", "{\"action\":\"send\"}", 17, false, &s);
	cr_assert_str_eq(k, "send");
	k = ws_event_select("a.b", "{\"a\":{\"b\":\"deep\"}}", 18, false, &s);
	cr_assert_str_eq(k, "deep");
	cr_assert_null(ws_event_select("action", "{\"action\":7}", 12, false,
	    &s));
	cr_assert_null(ws_event_select("action", "not json", 8, false, &s));
	cr_assert_null(ws_event_select("action", "{\"action\":\"x\"}", 14,
	    true, &s));
	cr_assert_null(ws_event_select("a.b", "{\"a\":\"b\"}", 9, false, &s));
	buf_free(&s);
}

Test(ws, reply)
{
	struct buf out;
	bool bin;
	int st;

	buf_init(&out);
	cr_assert_eq(ws_event_reply("{\"statusCode\":200,\"body\":\"hi\"}", 30,
	    &out, &bin, &st), 1);
	cr_assert_eq(out.len, 2);
	cr_assert(!bin);
	cr_assert_eq(ws_event_reply("{\"statusCode\":401}", 18, &out, &bin,
	    &st), 0);
	cr_assert_eq(st, 401);
	cr_assert_eq(ws_event_reply("{\"body\":\"AAE=\",\"isBase64Encoded\":true}",
	    38, &out, &bin, &st), 1);
	cr_assert(bin);
	cr_assert_eq(out.len, 2);
	cr_assert_eq(ws_event_reply("null", 4, &out, &bin, &st), 0);
	cr_assert_eq(ws_event_reply("{bad", 4, &out, &bin, &st), -EINVAL);
	cr_assert_eq(ws_event_reply("{\"statusCode\":\"x\"}", 18, &out, &bin,
	    &st), -EINVAL);
	buf_free(&out);
}

Test(ws, event_is_api_gateways)
{
	struct ws_event_in in = {
		.route_key = "$default", .event_type = "MESSAGE",
		.message_id = "m1", .request_id = "r1", .connection_id = "c1",
		.api_id = "abc", .stage = "prod", .source_ip = "10.0.0.1",
		.user_agent = "ua", .authorizer = "{\"principalId\":\"u\"}",
		.connected_ms = 1000, .now_ms = 2000, .body = "\x01\x02",
		.body_len = 2, .binary = true,
	};
	struct buf b;
	cJSON *j, *rc;

	buf_init(&b);
	ws_event_build(&b, &in);
	cr_assert_not_null(j = cJSON_ParseWithLength(b.data, b.len));
	rc = cJSON_GetObjectItem(j, "requestContext");
	cr_assert_str_eq(cJSON_GetObjectItem(rc, "connectionId")->valuestring,
	    "c1");
	cr_assert_str_eq(cJSON_GetObjectItem(rc, "eventType")->valuestring,
	    "MESSAGE");
	cr_assert_eq(cJSON_GetObjectItem(rc, "connectedAt")->valuedouble, 1000);
	cr_assert_str_eq(cJSON_GetObjectItem(rc, "domainName")->valuestring,
	    "localhost");
	cr_assert_str_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(rc,
	    "authorizer"), "principalId")->valuestring, "u");
	cr_assert_str_eq(cJSON_GetObjectItem(j, "body")->valuestring, "AQI=");
	cr_assert(cJSON_IsTrue(cJSON_GetObjectItem(j, "isBase64Encoded")));
	cJSON_Delete(j);
	buf_free(&b);
}

Test(ws, utf8_and_accept)
{
	char acc[29];

	cr_assert(ws_event_utf8("h\xc3\xa9llo", 6));
	cr_assert(!ws_event_utf8("\xc0\xaf", 2));	/* overlong */
	cr_assert(!ws_event_utf8("\xed\xa0\x80", 3));	/* a surrogate */
	cr_assert(!ws_event_utf8("\xe2\x82", 2));	/* cut short */
	/* RFC 6455's own example. */
	ws_event_accept("dGhlIHNhbXBsZSBub25jZQ==", 24, acc);
	cr_assert_str_eq(acc, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}
