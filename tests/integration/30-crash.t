#!/bin/bash
# Crash safety (issue 13 item 7): the daemon is SIGKILLed twenty times under
# mixed load (sync invocations, Events, table writes; crashload.py).  After
# the restarts every Event answered 202 has run at least once (duplicates
# are counted and reported: a SIGKILL between a run and the removal of its
# record runs it again), no acknowledged table write is lost, and no state
# file is torn (no restart reports a malformed record).  Then a full disk
# under state_dir: Events are refused with a clear error, not accepted and
# lost; sync calls are still served; once space returns it recovers by
# itself.  The disk-full half needs root (a small tmpfs).
. "$(dirname "$0")/lib.sh"

plan 18
KILLS=${CRASH_KILLS:-20}
API=/2015-03-31/functions
DPORT=$(freeport)
EP="http://127.0.0.1:$DPORT"
EXTRA_CONF="invoke_api = on
dynamodb_listen = 127.0.0.1:$DPORT
event_retry_delay = 1"
raw() {
	curl -sS -o "$T/body" -w '%{http_code}' -X POST --max-time 20 \
		-H 'Content-Type: application/x-amz-json-1.0' \
		-H "X-Amz-Target: DynamoDB_20120810.$1" --data-binary "$2" "$EP/" 2>/dev/null
}
keep_log() { n=$(ls "$T"/log.* 2>/dev/null | wc -l); cp "$T/daemon.log" "$T/log.$n"; }
alllogs() { cat "$T"/log.* "$T/daemon.log" 2>/dev/null; }

fn ev "$TH/misc" 'max_workers = 2' 'queue_depth = 200' 'timeout = 5'
start_daemon
waitport "$DPORT"
st=$(raw CreateTable '{"TableName":"crash","AttributeDefinitions":[{"AttributeName":"k","AttributeType":"S"}],"KeySchema":[{"AttributeName":"k","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST"}')
is "$st" 200 "the table is created"

mkdir -p "$T/acks"
for i in $(seq 1 "$KILLS"); do
	python3 "$ROOT/tests/integration/crashload.py" "$URL" "$EP" "k$i" "$T/acks" &
	LPID=$!
	# Kill at a different point of the load each round.
	sleep "0.$((3 + i % 7))"
	kill -KILL "$DPID"; wait "$DPID" 2>/dev/null; DPID=
	wait "$LPID"
	keep_log
	start_daemon
	waitport "$DPORT"
done
acked_ev=$(sort -u "$T/acks/events.acked" | wc -l)
acked_wr=$(sort -u "$T/acks/writes.acked" | wc -l)
diag "$KILLS SIGKILLs: $acked_ev Events answered 202, $acked_wr table writes acknowledged, $(wc -l < "$T/acks/sync.codes") sync calls answered"
[ "$acked_ev" -gt "$KILLS" ]; ok $? "Events were accepted between the kills ($acked_ev)"
[ "$acked_wr" -gt "$KILLS" ]; ok $? "table writes were acknowledged between the kills ($acked_wr)"

# Every accepted Event runs, at least once.  Wait for the queue to drain.
for _ in $(seq 1 600); do
	[ "$(ls "$T/state/events" 2>/dev/null | grep -c '\.ev$')" = 0 ] && break
	sleep 0.1
done
is "$(ls "$T/state/events" | grep -c '\.ev$')" 0 "the Event queue drains after the last restart"
alllogs | grep -o 'ev-k[0-9]*-[0-9]*' | sort > "$T/ran"
missing=$(sort -u "$T/acks/events.acked" | comm -23 - <(sort -u "$T/ran") | wc -l)
dups=$(uniq -d "$T/ran" | wc -l)
is "$missing" 0 "every Event answered 202 ran"
[ "$missing" = 0 ] || { sort -u "$T/acks/events.acked" | comm -23 - <(sort -u "$T/ran") | head -5 | sed "s/^/# missing: /"; cp -r "$T" /tmp/crash-debug; }
diag "Events that ran more than once (killed between the run and its record's removal): $dups of $acked_ev"
is "$(ls "$T/state/events/failed" 2>/dev/null | wc -l)" 0 "none ended in failed/"

# No acknowledged table write is lost.
python3 - "$EP" "$T/acks/writes.acked" > "$T/lost" <<'PY'
import http.client, json, sys
from urllib.parse import urlparse
u = urlparse(sys.argv[1])
have, lek = set(), None
while True:
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=20)
    req = {"TableName": "crash", "ConsistentRead": True}
    if lek:
        req["ExclusiveStartKey"] = lek
    c.request("POST", "/", json.dumps(req), {"X-Amz-Target": "DynamoDB_20120810.Scan",
              "Content-Type": "application/x-amz-json-1.0"})
    r = json.loads(c.getresponse().read())
    have.update(i["k"]["S"] for i in r["Items"])
    lek = r.get("LastEvaluatedKey")
    if not lek:
        break
for k in sorted(set(open(sys.argv[2]).read().split()) - have):
    print(k)
PY
is "$(wc -l < "$T/lost")" 0 "no acknowledged table write is lost ($(head -c 200 "$T/lost"))"
unlike "$(alllogs | grep -iE 'malformed record|torn|corrupt|database disk image')" '.' "no restart found a torn state file"

# ---- a full disk under state_dir --------------------------------------------
if [ "$(id -u)" != 0 ]; then
	for _ in 1 2 3 4 5 6 7 8 9 10; do skip "disk full: needs root for a tmpfs"; done
	done_testing; exit 0
fi
stop_daemon; keep_log
SD="$T/state"
rm -rf "$SD"; mkdir -p "$SD"
mount -t tmpfs -o size=2m tmpfs "$SD" || { for _ in 1 2 3 4 5 6 7 8 9 10; do skip "disk full: cannot mount a tmpfs"; done; done_testing; exit 0; }
trap 'umount "$SD" 2>/dev/null; cleanup' EXIT
start_daemon
waitport "$DPORT"
raw CreateTable '{"TableName":"full","AttributeDefinitions":[{"AttributeName":"k","AttributeType":"S"}],"KeySchema":[{"AttributeName":"k","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST"}' >/dev/null
dd if=/dev/zero of="$SD/filler" bs=64k 2>/dev/null
req POST "$API/ev/invocations" -H 'X-Amz-Invocation-Type: Event' --data-binary '{"action":"print","text":"full-disk"}'
is "$STATUS" 500 "disk full: an Event is refused, not accepted"
like "$BODY" 'could not be (queued|stored): No space left on device' "  ... with a clear error"
req POST "$API/ev/invocations" --data-binary '{"action":"pid"}'
is "$STATUS" 200 "  ... and sync calls are still served"
kill -0 "$DPID"; ok $? "  ... and the daemon runs on"
{ printf '{"TableName":"full","Item":{"k":{"S":"a"},"v":{"S":"'
  head -c 300000 /dev/zero | tr '\0' x; printf '"}}}'; } > "$T/big.json"
st=$(raw PutItem "@$T/big.json")
diag "table write on a full disk: $st $(head -c 300 "$T/body")"
[ "$st" != 200 ]; ok $? "disk full: a table write is not acknowledged ($st)"
like "$(cat "$T/body")" 'could not be committed \(database or disk is full\)' "  ... and the error says the disk is full"
rm -f "$SD/filler"
st=$(raw PutItem '{"TableName":"full","Item":{"k":{"S":"b"}}}')
is "$st" 200 "space back: table writes are acknowledged again"
like "$(dlog)" 'tables: .*PutItem: the commit failed: database or disk is full' "the daemon's log names the cause"
req POST "$API/ev/invocations" -H 'X-Amz-Invocation-Type: Event' --data-binary '{"action":"print","text":"space-back"}'
is "$STATUS" 202 "space back: Events are accepted again"
wait_log 'space-back' 10; ok $? "  ... and run"
stop_daemon
umount "$SD"
done_testing
