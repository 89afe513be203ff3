#!/bin/bash
# tests/bench/ws.sh: lambdad holding 10,000 WebSocket connections (issue
# 10): the daemon's RSS before, with all of them open, and after they
# close, how long opening them took, and the message round-trip rate of
# 100 of them talking to examples/chat's echo route (each message one
# invocation of the function, 2 warm workers) while the rest stay open.
#
# Environment: WS_CONNS (10000), WS_ACTIVE (100), WS_SECONDS (10),
# LAMBDAD (build/lambdad).  Needs python3-websockets.  Raises its own
# open-file limit (the daemon's max_connections follows it); everything
# listens on 127.0.0.1 and is killed by pid on exit; bounded by timeouts.
# Appends its figures to build/bench/results.md.
set -u
cd "$(dirname "$0")/../.." || exit 1
ROOT=$(pwd)
LAMBDAD=${LAMBDAD:-$ROOT/build/lambdad}
N=${WS_CONNS:-10000}
ACTIVE=${WS_ACTIVE:-100}
SECS=${WS_SECONDS:-10}
OUT=$ROOT/build/bench
mkdir -p "$OUT"
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
[ "$(ulimit -n)" -gt $((N + 1000)) ] || { echo "ws.sh: ulimit -n $(ulimit -n) is too low for $N connections" >&2; exit 1; }

TMP=$(mktemp -d /tmp/lambdad-wsbench.XXXXXX) || exit 1
chmod 0755 "$TMP"
DPID=
trap '[ -n "$DPID" ] && kill -KILL $DPID 2>/dev/null; rm -rf "$TMP"' EXIT
cat > "$TMP/lambdad.conf" <<CONF
[lambdad]
listen = 127.0.0.1:1
state_dir = state
admin_socket = admin.sock
max_connections = $((N + 500))

[websocket bench]
path = /ws
ws_route = echo chat

[function chat]
bootstrap = $ROOT/build/examples/chat/bootstrap
min_idle = 2
max_workers = 2
queue_depth = 512
CONF
"$LAMBDAD" -c "$TMP/lambdad.conf" -l 127.0.0.1:0 2>"$TMP/daemon.log" &
DPID=$!
for _ in $(seq 100); do
	PORT=$(sed -n 's/.*listening on [0-9.]*:\([0-9]*\) .*/\1/p' "$TMP/daemon.log" | head -n 1)
	[ -n "$PORT" ] && break
	sleep 0.1
done
[ -n "$PORT" ] || { echo "ws.sh: lambdad did not start" >&2; cat "$TMP/daemon.log" >&2; exit 1; }
sleep 1
timeout 900 /usr/bin/python3 "$ROOT/tests/bench/ws_load.py" "ws://127.0.0.1:$PORT/ws" \
	"$DPID" "$N" "$ACTIVE" "$SECS" | tee "$TMP/load.out"
rc=${PIPESTATUS[0]}
kill -TERM $DPID; wait $DPID 2>/dev/null; DPID=
v() { awk -v k="$1" '$1 == k { print $2 }' "$TMP/load.out"; }
{
	echo
	echo "### WebSocket: $N connections ($(date -u +%FT%TZ))"
	echo
	echo "| daemon RSS before | all open | after close | opened in | round trips/s ($ACTIVE talking) |"
	echo "|---|---|---|---|---|"
	echo "| $(v rss_before_kb) KB | $(v rss_open_kb) KB | $(v rss_after_close_kb) KB | $(awk '$1=="opened"{print $2" in "$6" s"}' "$TMP/load.out") | $(awk '$1=="round_trips"{print $6}' "$TMP/load.out") |"
} >> "$OUT/results.md"
exit "$rc"
