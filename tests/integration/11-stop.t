#!/bin/bash
# SIGTERM: stop accepting, let in-flight invocations finish, stop the
# workers, exit 0.
. "$(dirname "$0")/lib.sh"
plan 5

fn s "$TH/misc" 'route = GET /s/{action}' 'timeout = 5' 'min_idle = 1'
start_daemon
req GET /s/pid; wpid=$(wpid s)

curl -s -o "$T/inflight" -w '%{http_code}' "$URL/s/sleep?n=800" > "$T/inflight.code" &
bg=$!
sleep 0.3
kill -TERM "$DPID"
sleep 0.2
curl -s -o /dev/null --max-time 2 "$URL/s/pid"; rc=$?
[ "$rc" -ne 0 ]; ok $? "after SIGTERM new connections are refused (curl exit $rc)"
wait "$bg"
is "$(cat "$T/inflight.code")" 200 "the invocation in flight is answered"
wait "$DPID"; code=$?; DPID=
is "$code" 0 "lambdad exits 0"
[ -n "$wpid" ] && ! kill -0 "$wpid" 2>/dev/null; ok $? "its workers ($wpid) are gone"
like "$(dlog)" 'stopping' "the stop is logged"
done_testing
