#!/bin/bash
# The on-disk Event queue: an accepted Event survives a SIGKILL of the
# daemon and runs exactly once after the restart; a finished one never runs
# again; a failing one is retried event_retries times, then lands in
# events/failed/; SIGTERM leaves pending retries on disk; a full queue is
# 429 and an Event over 256 KiB is 413.  Evidence is the handler's own
# output in the daemon's log (one line per run), counted across restarts.
. "$(dirname "$0")/lib.sh"

plan 35

API=/2015-03-31/functions
EV="$T/state/events"
# runs TEXT: how many times a handler printed TEXT, in every log so far.
runs() { cat "$T"/log.* "$T/daemon.log" 2>/dev/null | grep -c -- "$1"; }
hv() { tr -d '\r' < "$T/hdrs" | sed -n "s/^$1: //Ip" | head -n 1; }
records() { ls "$EV" 2>/dev/null | grep -c '\.ev$'; }
# restart [CONF]: keep this daemon's log, start again on the same state_dir.
keep_log() { n=$(ls "$T"/log.* 2>/dev/null | wc -l); cp "$T/daemon.log" "$T/log.$n"; }
# sleeper MS: a sync call that holds slow's only worker, in the background.
sleeper() {
	curl -s -o /dev/null -H 'Content-Type:' --max-time 20 \
		--data-binary "{\"action\":\"sleep\",\"n\":$1}" "$URL$API/slow/invocations" &
	PIDS="$PIDS $!"
	wait_log '\[slow\] START RequestId' 5
}

fn slow "$TH/misc" 'max_workers = 1' 'timeout = 20'
fn flaky "$TH/misc" 'event_retries = 2'
fn once "$TH/misc" 'event_retries = 0'
EXTRA_CONF='invoke_api = on
event_retry_delay = 1'
start_daemon
tag=$$-$(date +%s)

# 1. Accepted while the function is busy, then SIGKILL before it ran.
sleeper 3000
event slow "{\"action\":\"print\",\"text\":\"killed-$tag\"}"
is "$STATUS" 202 "Event queued behind a busy worker: 202"
like "$RID" '^[0-9a-f-]{36}$' "202 carries X-Amzn-RequestId"
is "$(records)" 1 "the record is on disk before the function runs"
ok "$(test -s "$EV/$RID.ev"; echo $?)" "the record is named by the request id"
like "$(curl -s --unix-socket "$T/admin.sock" http://lambdad/metrics)" 'lambdad_event_queue_depth 1' "metrics: one Event waiting"
kill -KILL "$DPID"; wait "$DPID" 2>/dev/null; DPID=
is "$(runs "killed-$tag")" 0 "SIGKILLed before the event ran"
keep_log
start_daemon
wait_log "killed-$tag" 10; ok $? "after the restart the event runs"
wait_log "$RID: Event invocation done" 5; ok $? "and is reported done under its request id"
like "$(dlog)" "events: 1 pending in $EV" "the restart found one pending record"
sleep 0.3
is "$(runs "killed-$tag")" 1 "it ran exactly once"
is "$(records)" 0 "its record is gone once it succeeded"

# 2. A finished event is not run again after another restart.
stop_daemon; keep_log
start_daemon
event slow '{"action":"pid"}'
wait_log 'slow\] END RequestId' 5
sleep 0.3
is "$(runs "killed-$tag")" 1 "a completed event is not run again after a restart"
unlike "$(dlog)" 'pending in' "nothing was pending at that start"

# 3. A function error is retried exactly twice, then goes to failed/.
event flaky "{\"action\":\"fail\",\"text\":\"retry-$tag\"}"
is "$STATUS" 202 "failing Event: 202"
frid=$RID
wait_log "flaky: $frid: Event invocation failed \(Function.Failed\) after 3 attempts; moved to" 15
ok $? "after 3 attempts it is moved to failed/, naming function and request id"
is "$(runs "retry-$tag")" 3 "the function ran 3 times: once and 2 retries"
like "$(dlog)" "flaky: $frid: .*retry 1 of 2 in 1 s" "first retry after event_retry_delay"
like "$(dlog)" "flaky: $frid: .*retry 2 of 2 in 2 s" "second retry after twice that"
ok "$(test -s "$EV/failed/$frid.ev"; echo $?)" "the record is in events/failed/"
test ! -e "$EV/$frid.ev"; ok $? "and no longer in the queue"
# event_retries = 0: one run, then failed/.
event once "{\"action\":\"fail\",\"text\":\"noretry-$tag\"}"
wait_log "once: $RID: Event invocation failed .* after 1 attempts" 10
ok $? "event_retries = 0: failed after 1 attempt"
is "$(runs "noretry-$tag")" 1 "event_retries = 0: ran once"

# 4. SIGTERM keeps a pending retry on disk, with its attempt count.
stop_daemon; keep_log
EXTRA_CONF='invoke_api = on
event_retry_delay = 60'
start_daemon
event flaky "{\"action\":\"fail\",\"text\":\"term-$tag\"}"
trid=$RID
wait_log "$trid: .*retry 1 of 2 in 60 s" 10; ok $? "a failed attempt waits 60 s for its retry"
stop_daemon
is "$DEXIT" 0 "SIGTERM with a pending retry: exit 0"
ok "$(test -s "$EV/$trid.ev"; echo $?)" "the pending event stays on disk"
like "$(cat "$EV/$trid.ev" 2>/dev/null | head -n 6)" 'attempts 1' "with its attempt count"
keep_log
start_daemon
wait_log "$trid: .*retry 2 of 2" 10; ok $? "after the restart it runs again, as its 2nd attempt"
is "$(runs "term-$tag")" 2 "two runs in all across the restart"

# 5. The queue bound: 429 when full.  413 over 256 KiB.
stop_daemon; keep_log
rm -f "$EV"/*.ev
EXTRA_CONF='invoke_api = on
event_queue_max = 2'
start_daemon
sleeper 2000
event slow '{"action":"pid"}'; s1=$STATUS
event slow '{"action":"pid"}'; s2=$STATUS
event slow '{"action":"pid"}'
is "$s1 $s2 $STATUS" "202 202 429" "a full queue: the third Event gets 429"
is "$(tr -d '\r' < "$T/hdrs" | sed -n 's/^x-amzn-errortype: //Ip')" TooManyRequestsException "429: TooManyRequestsException"
python3 -c 'import sys; h="{\"pad\":\""; sys.stdout.write(h + "x" * (262145 - len(h) - 2) + "\"}")' > "$T/over.json"
before=$(ls "$EV" | wc -l)
req POST "$API/slow/invocations" -H 'Content-Type:' -H 'X-Amz-Invocation-Type: Event' --data-binary @"$T/over.json"
is "$STATUS $(hdr x-amzn-errortype)" "413 requestentitytoolargeexception" "an Event over 256 KiB: 413"
is "$(ls "$EV" | wc -l)" "$before" "413: nothing was stored"

# 6. A state_dir that cannot be made: the log says so, Events get 500,
# everything else is served.
stop_daemon; keep_log
rm -rf "$T/state"; : > "$T/state"
start_daemon
like "$(dlog)" "Event invocations are off: cannot create $T/state/events/failed: Not a directory" "an unusable state_dir is named in the log"
event slow '{"action":"pid"}'
is "$STATUS $(hv x-amzn-errortype)" "500 ServiceException" "Event without a usable state_dir: 500 ServiceException"
req POST "$API/slow/invocations" -H 'Content-Type:' --data-binary '{"action":"pid"}'
is "$STATUS" 200 "synchronous calls still work"
done_testing
