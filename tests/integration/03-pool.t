#!/bin/bash
# Pools: timeouts, crashes, recycling, reaping, throttling, exactly one reply.
. "$(dirname "$0")/lib.sh"
plan 27

fn slow "$TH/misc" 'route = GET /slow/{action}' 'timeout = 1' 'max_workers = 1'
fn crash "$TH/misc" 'route = GET /crash/{action}' 'max_workers = 1'
fn recycle "$TH/misc" 'route = GET /recycle/{action}' 'max_invocations = 2' 'max_workers = 1'
fn reap "$TH/misc" 'route = GET /reap/{action}' 'idle_timeout = 1' 'max_workers = 1'
fn warm "$TH/misc" 'route = GET /warm/{action}' 'min_idle = 2' 'max_workers = 2'
fn tight "$TH/misc" 'route = GET /tight/{action}' 'max_workers = 1' 'queue_depth = 1' 'timeout = 5'
fn qt "$TH/misc" 'route = GET /qt/{action}' 'max_workers = 1' 'queue_depth = 5' 'queue_timeout = 1' 'timeout = 5'
fn initfail "$TH/misc" 'route = GET /initfail/{action}' 'env = MISC_INIT_FAIL=cannot open db'
fn missing "$T/no-such-bootstrap" 'route = GET /missing'
fn forker "$TH/misc" 'route = GET /forker/{action}' 'seccomp = exec'
start_daemon

# Timeout: 504, the worker is killed and replaced, the next one is cold.
req GET /slow/pid; w1=$(jget "$BODY" 'j["worker"]'); pid1=$(wpid slow)
req GET '/slow/sleep?n=3000'
is "$STATUS" 504 "timeout: 504"
like "$(dlog)" 'Task timed out after 1\.[0-9][0-9] seconds' "timeout: logged with the elapsed time"
sleep 0.2
[ -n "$pid1" ] && ! kill -0 "$pid1" 2>/dev/null; ok $? "timeout: the worker process ($pid1) is gone"
req GET /slow/pid; w2=$(jget "$BODY" 'j["worker"]')
is "$STATUS" 200 "after a timeout the next invocation succeeds"
[ -n "$w1" ] && [ "$w1" != "$w2" ]; ok $? "after a timeout a new worker answers"
rid=$(sed -n 's/.*\[slow\] START RequestId: \([0-9a-f-]*\).*/\1/p' "$T/daemon.log" | tail -n 1)
wait_log "REPORT RequestId: $rid.*Init Duration" 2; ok $? "after a timeout the new worker logs Init Duration"

# Crash mid-invocation.
req GET '/crash/exit?n=1'
is "$STATUS" 500 "exit 1 mid-invocation: 500"
like "$(dlog)" 'Runtime exited with error: exit status 1' "exit 1: logged with the exit status"
req GET /crash/segv
is "$STATUS" 500 "SIGSEGV: 500"
like "$(dlog)" 'signal: segmentation fault' "SIGSEGV: logged with the signal"
req GET '/crash/exit?n=0'
like "$(dlog)" 'Runtime exited without providing a reason' "exit 0 without a reply is reported"
req GET /crash/pid
is "$STATUS" 200 "after crashes the function still serves"

# Recycling after max_invocations.
req GET /recycle/pid; a=$(jget "$BODY" 'j["worker"]')
req GET /recycle/pid; b=$(jget "$BODY" 'j["worker"]')
req GET /recycle/pid; c=$(jget "$BODY" 'j["worker"]')
is "$a" "$b" "recycle: the same worker serves max_invocations"
[ "$b" != "$c" ] && [ -n "$c" ]; ok $? "recycle: then a new worker"

# Idle reaping, then a cold start.
req GET /reap/pid; a=$(jget "$BODY" 'j["worker"]'); apid=$(wpid reap)
sleep 1.6
[ -n "$apid" ] && ! kill -0 "$apid" 2>/dev/null; ok $? "reap: an idle worker ($apid) is reaped after idle_timeout"
req GET /reap/pid; b=$(jget "$BODY" 'j["worker"]')
is "$STATUS" 200 "reap: the next request starts a new worker"
[ -n "$a" ] && [ "$a" != "$b" ]; ok $? "reap: a different worker"

# min_idle: workers are warm before the first request, which is not cold.
i=0; while [ $i -lt 100 ] && [ "$(grep -c 'warm: worker .* ready' "$T/daemon.log")" -lt 2 ]; do sleep 0.05; i=$((i+1)); done
is "$(grep -c 'warm: worker .* ready' "$T/daemon.log")" 2 "min_idle: two workers ready before any request"
req GET /warm/pid
rid=$(sed -n 's/.*\[warm\] START RequestId: \([0-9a-f-]*\).*/\1/p' "$T/daemon.log" | tail -n 1)
wait_log "REPORT RequestId: $rid" 2
unlike "$(grep "REPORT RequestId: $rid" "$T/daemon.log")" 'Init Duration' "min_idle: the first request is warm (no Init Duration)"

# Throttling: max_workers = 1, queue_depth = 1 -> the third concurrent request gets 429.
for i in 1 2 3; do
	curl -s -o "$T/t$i.body" -D "$T/t$i.hdrs" "$URL/tight/sleep?n=1500" &
	PIDS="$PIDS $!"
	sleep 0.1
done
for p in $PIDS; do wait "$p"; done; PIDS=
codes=$(for i in 1 2 3; do head -n 1 "$T/t$i.hdrs" | awk '{print $2}'; done | sort | tr '\n' ' ')
is "$codes" "200 200 429 " "queue full: 429 for the one that does not fit"
like "$(cat "$T"/t*.hdrs | tr -d '\r')" 'Retry-After: [0-9]+' "429 carries Retry-After"

# queue_timeout: waiting longer than that gives 429.
curl -s -o /dev/null "$URL/qt/sleep?n=2500" & bg=$!
sleep 0.2
req GET /qt/pid
is "$STATUS" 429 "queue_timeout: 429 after waiting"
wait "$bg"

# Init errors and a missing bootstrap fail the invocation, not the daemon.
req GET /initfail/pid
is "$STATUS" 500 "init/error: the invocation fails with 500"
req GET /missing
is "$STATUS" 500 "missing bootstrap: 500"
like "$(dlog)" 'cannot start .*no-such-bootstrap' "missing bootstrap: logged"

# A worker that forks a child and exits: the child does not survive it.
# The child's pid as printed is the one in the worker's pid namespace when
# there is one; then no process may be left in that namespace.
req GET /forker/pid
fpid=$(wpid forker)
fns=$(readlink "/proc/$fpid/ns/pid" 2>/dev/null)
req GET /forker/orphan
is "$STATUS" 500 "a worker that exits without replying: 500"
wait_log 'orphan pid [0-9]+' 2
kid=$(sed -n 's/.*orphan pid \([0-9]*\).*/\1/p' "$T/daemon.log" | tail -n 1)
sleep 0.3
if [ -n "$fns" ] && [ "$fns" != "$(readlink /proc/self/ns/pid)" ]; then
	left=$(for l in /proc/[0-9]*/ns/pid; do [ "$(readlink "$l" 2>/dev/null)" = "$fns" ] && echo "$l"; done)
	[ -n "$kid" ] && [ -z "$left" ]; ok $? "the child it forked died with it (nothing left in its pid namespace: '$left')"
else
	st=$(sed -n 's/^State:\t\(.\).*/\1/p' "/proc/$kid/status" 2>/dev/null)
	[ -n "$kid" ] && { [ -z "$st" ] || [ "$st" = Z ]; }; ok $? "the child it forked ($kid) died with it (state '${st:-gone}')"
fi
done_testing
