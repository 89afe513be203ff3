#!/bin/bash
# Reload without drops: SIGHUP and lambdactl reload check the whole config
# first; unchanged functions keep their warm workers; changed ones warm new
# workers, switch, and drain the old; removed ones drain; a redeploy under
# load answers every request with a 2xx.
. "$(dirname "$0")/lib.sh"
plan 24

CTL="$B/lambdactl -s $T/admin.sock"
spawned() { grep -c -E "$1: worker [0-9]+ spawned" "$T/daemon.log"; }

fn keep "$TH/misc" 'route = GET /k/{action}' 'min_idle = 1' 'max_workers = 1'
fn chg "$TH/misc" 'route = GET /c/{action}' 'min_idle = 1' 'timeout = 5'
fn gone "$TH/misc" 'route = GET /g/{action}'
start_daemon
wait_log 'chg: worker [0-9]+ ready' 5
req GET /k/pid; keep_worker=$(jget "$BODY" 'j["worker"]')
req GET /g/pid; is "$STATUS" 200 "the function to be removed serves before the reload"
keep_spawns=$(spawned keep)

# ---- a broken config is refused and the old one keeps serving ----
cp "$T/functions.d/chg.conf" "$T/chg.good"
echo 'memory = lots' >> "$T/functions.d/chg.conf"
kill -HUP "$DPID"
wait_log 'reload refused' 5; ok $? "SIGHUP with a broken config: the reload is refused"
like "$(dlog)" 'reload refused.*chg.conf:[0-9]+: memory: "lots" is not a plain decimal' "with the file and line at fault"
req GET /c/pid; is "$STATUS" 200 "the old configuration keeps serving"
out=$($CTL reload 2>&1); rc=$?
is "$rc" 1 "lambdactl reload with a broken config exits 1"
like "$out" 'chg.conf:[0-9]+: memory' "and prints the error"

# ---- a good reload: one changed, one removed, one added, one kept ----
cp "$T/chg.good" "$T/functions.d/chg.conf"
echo 'env = VERSION=2' >> "$T/functions.d/chg.conf"
rm "$T/functions.d/gone.conf"
fn new "$TH/misc" 'route = GET /n/{action}'
# An invocation in flight on the changed function's old worker.
curl -s -o "$T/inflight" -w '%{http_code}' "$URL/c/sleep?n=1500" > "$T/inflight.code" &
bg=$!
sleep 0.3
out=$($CTL reload); rc=$?
is "$rc" 0 "lambdactl reload exits 0"
like "$out" '3 functions: 1 unchanged, 1 changed, 1 added, 1 removed' "and says what changed"
like "$(dlog)" 'RELOADING|reloading' "the reload is logged"
req GET /k/pid
is "$(jget "$BODY" 'j["worker"]')" "$keep_worker" "the unchanged function answers from the same warm worker"
is "$(spawned keep)" "$keep_spawns" "and started no new worker"
req GET /c/env
is "$STATUS" 200 "the changed function answers"
like "$BODY" '"VERSION=2"' "with its new settings"
req GET /n/pid
is "$STATUS" 200 "the added function answers"
req GET /g/pid
is "$STATUS" 404 "the removed function's route is gone"
wait "$bg"
is "$(cat "$T/inflight.code")" 200 "the invocation in flight on the old worker finished"
m=$(curl -s --unix-socket "$T/admin.sock" http://lambdad/metrics)
like "$m" 'lambdad_invocations_total\{function="chg",door="http"\} 3' "the changed function's counters go on across the reload (2 before, 1 after)"
wait_log 'chg: old workers drained' 5; ok $? "the changed function's old pool drained"
wait_log 'gone: old workers drained' 5; ok $? "the removed function's pool drained"

# ---- a redeploy under load drops nothing ----
if command -v wrk >/dev/null; then
	$CTL deploy web "$EX/hello/bootstrap" --route 'GET /w/{name}' --min-idle 1 >/dev/null
	wrk -t1 -c4 -d4s --timeout 5s "$URL/w/load" > "$T/wrk.out" 2>&1 &
	wpid=$!
	sleep 0.5
	r1=$($CTL deploy web "$EX/hello/bootstrap" --route 'GET /w/{name}' --min-idle 1 --memory 96 2>&1)
	sleep 1
	r2=$($CTL deploy web "$EX/hello/bootstrap" --route 'GET /w/{name}' --min-idle 1 --memory 128 2>&1)
	sleep 0.5
	r3=$(kill -HUP "$DPID"; echo hup)
	wait "$wpid"
	like "$r1 $r2" 'deployed web.*1 changed.*deployed web.*1 changed' "two redeploys during the load"
	reqs=$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' "$T/wrk.out")
	[ "${reqs:-0}" -gt 100 ]; ok $? "wrk made requests throughout (${reqs:-0})"
	unlike "$(cat "$T/wrk.out")" 'Non-2xx|Socket errors' "no request got a non-2xx reply or a socket error"
	diag "$(tr '\n' ' ' < "$T/wrk.out")"
else
	skip "wrk is not installed (make deps-test installs it)"
	skip "wrk is not installed"
	skip "wrk is not installed"
fi

# ---- SIGTERM during a reload's drain: all answered, exit 0 ----
curl -s -o /dev/null -w '%{http_code}' "$URL/n/sleep?n=800" > "$T/last.code" &
bg=$!
sleep 0.2
kill -TERM "$DPID"
wait "$bg"
is "$(cat "$T/last.code")" 200 "SIGTERM: the invocation in flight is answered"
wait "$DPID"; code=$?; DPID=
is "$code" 0 "lambdad exits 0"
done_testing
