#!/bin/bash
# WebSocket APIs (issue 10): [websocket NAME] sections on the public
# listener, driven by real clients (Debian's python3-websockets, npm's ws,
# headless Chromium's WebSocket) against examples/chat: the handshake,
# action routing and $default, replies back on the connection, binary
# frames as isBase64Encoded, fragments reassembled, messages and frames
# over the limits closed with 1009, $connect refused by its function and
# by a JWT authorizer, API Gateway's error frame where no route matches,
# the idle timeout, the @connections API through the aws CLI (post, get,
# delete, then 410 GoneException), a push from inside a function through
# its private endpoint, $disconnect, the metrics, and the daemon's stop
# closing what is open (1001).
. "$(dirname "$0")/lib.sh"
plan 60

PY=/usr/bin/python3
WSC="$ROOT/tests/integration/wsclient.py"
$PY -c 'import websockets' 2>/dev/null ||
	{ echo "Bail out! no python3-websockets (make deps-test installs it)"; exit 1; }
mkdir -p "$T/keys"
$PY "$ROOT/tests/unit/jwt_mint.py" "$T/keys" "$(date +%s)" ||
	{ echo "Bail out! jwt_mint.py failed (python3-jwt, python3-cryptography)"; exit 1; }
chmod -R a+rX "$T/keys"
tok() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["tokens"][sys.argv[2]])' "$T/keys/tokens.json" "$1"; }
aws_env
export AWS_ACCESS_KEY_ID=AKIDWSTEST AWS_SECRET_ACCESS_KEY=ws-test-secret-key-0123

EXTRA_CONF='invoke_api = on
access_key = AKIDWSTEST:ws-test-secret-key-0123
metrics_listen = 127.0.0.1:0

[authorizer users]
type = jwt
issuer = https://issuer.example.com
audience = api
jwks = keys/jwks.json
identity_source = $request.querystring.token

[authorizer gate]
type = function
function = authz
identity_source = $request.header.X-Auth
cache_ttl = 0

[websocket gated]
path = /gated
auth = gate
ws_route = $default chat

[websocket chat]
path = /ws
ws_route = $connect chat
ws_route = $disconnect chat
ws_route = $default chat
ws_route = echo chat
ws_route = push chat
ws_route = silent chat

[websocket brief]
path = /brief
idle_timeout = 2
ws_route = $default chat

[websocket locked]
path = /locked
auth = users
ws_route = $default chat

[websocket bare]
path = /bare
ws_route = echo chat'

fn chat "$EX/chat/bootstrap" 'max_workers = 2'
fn authz "$TH/authz" 'timeout = 1'
start_daemon
WS="ws://127.0.0.1:$PORT"
MPORT=$(sed -n 's/.*metrics on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$T/daemon.log" | head -n 1)
metric() {
	curl -sS --max-time 5 "http://127.0.0.1:$MPORT/metrics" |
	    awk -v s="$1" '$1 == s { print $2; f = 1 } END { if (!f) print 0 }'
}
# wsc STEPS...: run the client to the end; OUT has its lines.
wsc() { OUT=$(timeout 40 $PY "$WSC" "$@" 2>"$T/wsc.err"); }
# field N: the payload of OUT's line N (TEXT/BINARY stripped).
field() { printf '%s\n' "$OUT" | sed -n "${1}p" | cut -d' ' -f2-; }
# bg NAME STEPS...: a client in the background, its lines in $T/NAME.out.
bg() { n=$1; shift; timeout 40 $PY "$WSC" "$@" > "$T/$n.out" 2>"$T/$n.err" & PIDS="$PIDS $!"; }
# waitline FILE REGEX: wait up to 10 s for a line.
waitline() {
	for _ in $(seq 200); do grep -qE "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done
	return 1
}

# ---- the handshake -----------------------------------------------------
req GET /ws
is "$STATUS" 426 "a GET without Upgrade: 426"
is "$(hdr upgrade)" websocket "  ... saying Upgrade: websocket"
req GET /ws -H 'Upgrade: websocket' -H 'Connection: Upgrade' \
	-H 'Sec-WebSocket-Version: 13' -H 'Sec-WebSocket-Key: short'
is "$STATUS" 400 "a malformed Sec-WebSocket-Key: 400"

# ---- messages ------------------------------------------------------------
wsc "$WS/ws" 'send:{"action":"echo","data":"hi"}' recv
is "$OUT" "$(printf 'OPEN\nTEXT echo: hi')" "action echo: routed to its function, the reply body comes back"

wsc "$WS/ws" 'send:{"action":"nosuch","n":1}' recv
ev=$(field 2)
is "$(jget "$ev" 'j["requestContext"]["routeKey"]')" '$default' "an action without a route: \$default"
is "$(jget "$ev" 'j["requestContext"]["eventType"]')" MESSAGE "  ... eventType MESSAGE"
like "$(jget "$ev" 'j["requestContext"]["connectionId"]')" '^[A-Za-z0-9]{16}$' "  ... a connectionId"
like "$(jget "$ev" 'j["requestContext"]["messageId"]')" '^[A-Za-z0-9]{16}$' "  ... a messageId"
is "$(jget "$ev" 'j["body"]')" '{"action":"nosuch","n":1}' "  ... the body as sent"
is "$(jget "$ev" 'j["isBase64Encoded"]')" false "  ... isBase64Encoded false"
is "$(jget "$ev" 'j["requestContext"]["stage"]')" '$default' "  ... the stage"
is "$(jget "$ev" 'j["requestContext"]["domainName"]')" "127.0.0.1:$PORT" "  ... domainName from Host"
like "$(jget "$ev" 'j["requestContext"]["apiId"]')" '^[a-z0-9]{10}$' "  ... an apiId"
is "$(jget "$ev" 'j["requestContext"]["identity"]["sourceIp"]')" 127.0.0.1 "  ... identity.sourceIp"
now=$(date +%s%3N)
ct=$(jget "$ev" 'j["requestContext"]["connectedAt"]'); rt=$(jget "$ev" 'j["requestContext"]["requestTimeEpoch"]')
[ -n "$ct" ] && [ -n "$rt" ] && [ "$ct" -le "$rt" ] && [ $((now - rt)) -lt 60000 ]
ok $? "  ... connectedAt <= requestTimeEpoch, both now ($ct, $rt)"

wsc "$WS/ws" ping 'send:{"action":"echo","data":"p"}' recv
is "$OUT" "$(printf 'OPEN\nPONG\nTEXT echo: p')" "a ping is answered with a pong"

wsc "$WS/ws" 'send:not json' recv
is "$(jget "$(field 2)" 'j["requestContext"]["routeKey"]')" '$default' "a body that is not JSON: \$default"

wsc "$WS/ws" sendbin:0102ff00 recv
is "$(jget "$(field 2)" 'j["isBase64Encoded"]')" true "a binary frame: isBase64Encoded true"
is "$(jget "$(field 2)" 'j["body"]')" AQL/AA== "  ... the body base64"

wsc "$WS/ws" 'send:{"action":"silent"}' recvto:1.5 'send:{"action":"echo","data":"after"}' recv
is "$OUT" "$(printf 'OPEN\nTIMEOUT\nTEXT echo: after')" "a reply without a body sends nothing; the connection goes on"

wsc "$WS/ws" sendfrag:4:30000 recv
is "$(jget "$(field 2)" 'len(j["body"])')" 120000 "four 30000-byte fragments: one 120000-byte message"

wsc "$WS/ws" sendfrag:5:30000 recv
is "$(printf '%s\n' "$OUT" | tail -n 1)" "CLOSED 1009" "a message over 128 KB: closed with 1009"
wsc "$WS/ws" sendbig:40000 recv
is "$(printf '%s\n' "$OUT" | tail -n 1)" "CLOSED 1009" "a frame over 32 KB: closed with 1009"

wsc "$WS/bare" 'send:{"action":"other"}' recv
ef=$(field 2)
is "$(jget "$ef" 'j["message"]')" Forbidden "no route and no \$default: API Gateway's error frame"
like "$(jget "$ef" 'j["connectionId"]')" '^[A-Za-z0-9]{16}$' "  ... with the connectionId"
like "$(jget "$ef" 'j["requestId"]')" '^[0-9a-f-]{36}$' "  ... and a requestId"

# ---- $connect ------------------------------------------------------------
wsc "$WS/ws?refuse=1"
is "$OUT" "REFUSED 401" "\$connect's function answering 401 refuses the upgrade with 401"
wsc "$WS/locked" 'send:x' recv
is "$OUT" "REFUSED 401" "the authorizer without a token: 401"
wsc "$WS/locked?token=$(tok expired)"
is "$OUT" "REFUSED 401" "  ... an expired token: 401"
wsc "$WS/locked?token=$(tok rs256)" 'send:who' recv
is "$(printf '%s\n' "$OUT" | head -n 1)" OPEN "  ... a valid token: connected"
is "$(jget "$(field 2)" 'j["requestContext"]["authorizer"]["claims"]["sub"]')" user-1 \
	"  ... and each message's event has the claims at requestContext.authorizer"

wsc -H 'X-Auth: allow-ann' "$WS/gated" 'send:who' recv
is "$(printf '%s\n' "$OUT" | head -n 1)" OPEN "a Lambda authorizer allowing: connected"
is "$(jget "$(field 2)" 'j["requestContext"]["authorizer"]["user"]')" allow-ann \
	"  ... its context in each message's requestContext.authorizer"
wsc -H 'X-Auth: deny-bob' "$WS/gated"
is "$OUT" "REFUSED 403" "a Lambda authorizer denying: 403"
wsc "$WS/gated"
is "$OUT" "REFUSED 401" "  ... no identity source: 401 without asking it"

# ---- idle timeout --------------------------------------------------------
wsc "$WS/brief" sleep:1 send:x recv waitclose:8
is "$(printf '%s\n' "$OUT" | sed -n 1p)$(printf '%s\n' "$OUT" | tail -n 1)" "OPENCLOSED 1001" \
	"idle_timeout = 2: a message, then 2 s of silence: closed with 1001 (Going away)"

# ---- @connections through the aws CLI ------------------------------------
bg a "$WS/ws" id recv recv
waitline "$T/a.out" '^ID ' || diag "client a: $(cat "$T/a.out" "$T/a.err")"
CID=$(sed -n 's/^ID //p' "$T/a.out")
mgmt() {
	"$AWSCLI" apigatewaymanagementapi "$@" --endpoint-url "$URL" --connection-id "$CID" \
	    >"$T/aws.out" 2>"$T/aws.err"
	rc=$?; [ $rc = 0 ] || diag "aws $*: $(grep -v '^DEBUG\|^[0-9-]* [0-9:,]* - ' "$T/aws.err" | tail -n 3)"
	return $rc
}
printf from-cli > "$T/msg"; printf late > "$T/late"
mgmt post-to-connection --data "fileb://$T/msg"
ok $? "post-to-connection: accepted"
waitline "$T/a.out" '^TEXT from-cli'
ok $? "  ... and the client got the message"
mgmt get-connection
ok $? "get-connection: accepted"
is "$(jget "$(cat "$T/aws.out")" 'j["Identity"]["SourceIp"]')" 127.0.0.1 "  ... Identity.SourceIp"
like "$(jget "$(cat "$T/aws.out")" 'j["Identity"]["UserAgent"]')" websockets "  ... Identity.UserAgent"
like "$(jget "$(cat "$T/aws.out")" 'j["ConnectedAt"]')" '^20[0-9-]{8}T' "  ... ConnectedAt"
like "$(jget "$(cat "$T/aws.out")" 'j["LastActiveAt"]')" '^20[0-9-]{8}T' "  ... LastActiveAt"
mgmt delete-connection
ok $? "delete-connection: accepted"
waitline "$T/a.out" '^CLOSED 1000'
ok $? "  ... and the client was closed (1000)"
mgmt post-to-connection --data "fileb://$T/late"
is "$?:$(grep -o GoneException "$T/aws.err" | head -n 1)" "254:GoneException" "a connection that left: 410 GoneException"
req POST "/@connections/$CID" --data x
is "$STATUS" 403 "an unsigned @connections call on the Invoke API's listener: 403"
mgmt --debug get-connection
grep -qiE "x-amzn-ErrorType.{0,8}GoneException" "$T/aws.err" && grep -q "status_code=410\|410" "$T/aws.err"
ok $? "  ... as HTTP 410 with x-amzn-ErrorType: GoneException"

# ---- a push from inside a function ---------------------------------------
bg b "$WS/ws" id recv
waitline "$T/b.out" '^ID '
BID=$(sed -n 's/^ID //p' "$T/b.out")
wsc "$WS/ws" "send:{\"action\":\"push\",\"to\":\"$BID\",\"data\":\"hello-b\"}" recv
is "$(field 2)" "pushed: 200" "the function's POST /@connections on its private endpoint: 200"
waitline "$T/b.out" '^TEXT hello-b'
ok $? "  ... and the other client got the push"

# ---- $disconnect, metrics ------------------------------------------------
waitline "$T/daemon.log" "chat: $CID left \\(1000\\)"
ok $? "\$disconnect ran for the deleted connection, with its close code"
[ "$(metric lambdad_ws_messages_in_total)" -ge 10 ]
ok $? "lambdad_ws_messages_in_total counts ($(metric lambdad_ws_messages_in_total))"
[ "$(metric lambdad_ws_connections_total)" -ge 10 ]
ok $? "lambdad_ws_connections_total counts upgrades"

# ---- npm ws, Chromium ------------------------------------------------------
NODE_WS="$ROOT/tests/integration/sdk/node_modules/ws"
if [ -d "$NODE_WS" ] && command -v node >/dev/null; then
	out=$(timeout 20 node -e '
const WebSocket = require(process.argv[1]);
const ws = new WebSocket(process.argv[2]);
ws.on("open", () => ws.send(JSON.stringify({action: "echo", data: "from-node"})));
ws.on("message", (m) => { console.log(m.toString()); ws.close(); });
ws.on("error", (e) => { console.log("error " + e.message); process.exit(1); });
' "$NODE_WS" "$WS/ws" 2>&1)
	is "$out" "echo: from-node" "npm ws: a message round trip"
else
	fail "npm ws: not installed (make sdk)"
fi

CHROMIUM=$(command -v chromium || command -v chromium-browser)
if [ -n "$CHROMIUM" ]; then
	out=$(timeout 60 $PY "$ROOT/tests/integration/cdp_ws.py" "$CHROMIUM" "$WS/ws" \
		'{"action":"echo","data":"from-chromium"}' 2>"$T/chrome.err")
	is "$out" "got=echo: from-chromium" "headless Chromium's WebSocket: a message round trip"
else
	fail "no chromium (make deps-test installs it)"
fi

# ---- a reload ----------------------------------------------------------
bg r1 "$WS/ws" sleep:4 'send:{"action":"echo","data":"kept"}' recv
bg r2 "$WS/bare" waitclose:15
waitline "$T/r1.out" '^OPEN' && waitline "$T/r2.out" '^OPEN'
# The same file without [websocket bare].
python3 - "$T/lambdad.conf" <<'PY'
import re, sys
p = sys.argv[1]
s = open(p).read()
open(p, "w").write(re.sub(r"\[websocket bare\][^\[]*", "", s))
PY
kill -HUP "$DPID"
wait_log 'reloaded' 10
waitline "$T/r2.out" '^CLOSED 1001'
ok $? "a reload that removes an API closes its connections (1001)"
waitline "$T/r1.out" '^TEXT echo: kept'
ok $? "  ... and the connections of the APIs it keeps go on"
wsc "$WS/bare"
like "$OUT" '^REFUSED (404|426)' "  ... and its path upgrades no more"

# ---- the daemon's stop ----------------------------------------------------
bg c "$WS/ws" waitclose:30
waitline "$T/c.out" '^OPEN'
stop_daemon
waitline "$T/c.out" '^CLOSED 1001'
ok $? "the daemon's stop closes open connections with 1001"
is "$DEXIT" 0 "lambdad exits 0"

done_testing
