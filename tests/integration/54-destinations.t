#!/bin/bash
# Event destinations: put-function-event-invoke-config --destination-config
# with OnSuccess and OnFailure naming lambdad functions by ARN.  A source
# made with the aws CLI succeeds and fails under --invocation-type Event;
# the destination (a bash runtime that prints every event it gets as one
# line) receives Lambda's invocation record, checked field by field:
# Success, RetriesExhausted after 1 and 2 attempts, EventAgeExceeded for
# an event too old to run.  A destination that is a version with its own
# config sends on to its own destination; a function that is its own
# destination stops after 16 hops.  ARNs that are not functions, and
# functions that do not exist, are refused; a destination deleted since
# the config was put sends the failure to failed/.  A SIGKILL after the failure
# and before the destination ran loses nothing: the record is delivered
# after the restart, once.
. "$(dirname "$0")/lib.sh"
aws_env
command -v zip >/dev/null || { echo "Bail out! no zip (make deps-test installs it)"; exit 1; }
plan 72

ROLE=arn:aws:iam::123456789012:role/x
P=arn:aws:lambda:us-east-1:123456789012:function
API=/2015-03-31/functions
EV="$T/state/events"
keep_log() { n=$(ls "$T"/log.* 2>/dev/null | wc -l); cp "$T/daemon.log" "$T/log.$n"; }
# records RID: every invocation record the dst function printed for the
# source request RID, one JSON a line, in every log so far.
records() {
	cat "$T"/log.* "$T/daemon.log" 2>/dev/null | python3 -c '
import json, sys
for l in sys.stdin:
    i = l.find(" DEST ")
    if i < 0:
        continue
    try:
        j = json.loads(l[i + 6:])
    except ValueError:
        continue
    if isinstance(j, dict) and j.get("requestContext", {}).get("requestId") == sys.argv[1]:
        print(json.dumps(j))' "$1"
}
# wait_rec RID: until dst has got RID's record; then R is it.
wait_rec() {
	for _ in $(seq 150); do
		R=$(records "$1" | head -n 1)
		[ -n "$R" ] && return 0
		sleep 0.1
	done
	return 1
}
f() { jget "$R" "$1"; }
# runs FN TEXT: how many times FN's handler printed TEXT (not dst's lines).
runs() { cat "$T"/log.* "$T/daemon.log" 2>/dev/null | grep -c -E -- "\[$1\] [0-9a-f-]{36} $2\$"; }

# dst: prints "DEST <event>" for each event; {"hold":MS} sleeps first.
cat > "$T/dst" <<'EOF'
#!/bin/bash
set -u
api="http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime"
h=$(mktemp)
while true; do
	ev=$(curl -sS -D "$h" "$api/invocation/next")
	id=$(grep -i '^lambda-runtime-aws-request-id:' "$h" | cut -d: -f2- | tr -d '[:space:]')
	case $ev in '{"hold":'*) sleep 2;; esac
	printf 'DEST %s\n' "$(printf '%s' "$ev" | tr -d '\n')"
	curl -sS -o /dev/null -X POST -H 'Content-Type: application/json' \
		--data-binary '{"stored":true}' "$api/invocation/$id/response"
done
EOF
chmod 0755 "$T/dst"
fn dst "$T/dst" 'seccomp = exec' 'max_workers = 1' 'timeout = 10'
mkdir -p "$T/pkg"
cp "$TH/misc" "$T/pkg/bootstrap"
(cd "$T/pkg" && zip -q "$T/fn.zip" bootstrap)
EXTRA_CONF='invoke_api = on
event_retry_delay = 1'
start_daemon

for name in src chain loop slow; do
	lam create-function --function-name $name --runtime provided.al2023 \
		--handler bootstrap --role "$ROLE" --zip-file "fileb://$T/fn.zip"
done
is "$RC" 0 "create-function of the sources"

# ---- configs ----
lam put-function-event-invoke-config --function-name src --maximum-retry-attempts 0 \
	--destination-config "OnSuccess={Destination=$P:dst},OnFailure={Destination=$P:dst}"
is "$RC" 0 "put-function-event-invoke-config with OnSuccess and OnFailure"
is "$(jget "$OUT" 'j["DestinationConfig"]["OnSuccess"]["Destination"]+" "+j["DestinationConfig"]["OnFailure"]["Destination"]')" \
	"$P:dst $P:dst" "  ... the reply shows both destinations"
lam get-function-event-invoke-config --function-name src
is "$(jget "$OUT" 'j["DestinationConfig"]["OnSuccess"]["Destination"]')" "$P:dst" "get shows the destination"
lam list-function-event-invoke-configs --function-name src
is "$(jget "$OUT" 'j["FunctionEventInvokeConfigs"][0]["DestinationConfig"]["OnFailure"]["Destination"]')" "$P:dst" "list shows it too"

lam put-function-event-invoke-config --function-name chain \
	--destination-config "OnSuccess={Destination=arn:aws:sqs:us-east-1:123456789012:q}"
like "$ERR" "InvalidParameterValueException.*own functions only.*not supported" "an SQS queue is refused: only function destinations"
lam put-function-event-invoke-config --function-name chain \
	--destination-config "OnFailure={Destination=arn:aws:sns:us-east-1:123456789012:t}"
like "$ERR" "InvalidParameterValueException.*OnFailure" "an SNS topic is refused"
lam put-function-event-invoke-config --function-name chain \
	--destination-config "OnFailure={Destination=arn:aws:events:us-east-1:123456789012:event-bus/default}"
like "$ERR" "InvalidParameterValueException" "an EventBridge bus is refused"
lam put-function-event-invoke-config --function-name chain \
	--destination-config "OnFailure={Destination=arn:aws:lambda:eu-west-1:123456789012:function:dst}"
like "$ERR" "InvalidParameterValueException.*eu-west-1" "a function of another region is refused"
lam put-function-event-invoke-config --function-name chain \
	--destination-config "OnSuccess={Destination=$P:nosuch}"
like "$ERR" "InvalidParameterValueException.*function:nosuch.*does not exist" "a function that does not exist is refused"
lam put-function-event-invoke-config --function-name chain \
	--destination-config "OnSuccess={Destination=$P:src:7}"
like "$ERR" "InvalidParameterValueException.*src:7.*version or alias that does not exist" "a version that does not exist is refused"
lam get-function-event-invoke-config --function-name chain
like "$ERR" "ResourceNotFoundException" "  ... and nothing was stored"

# ---- Success ----
event src '{"action":"print","text":"ok-one","n": [1, 2]}'
is "$STATUS" 202 "an Event of src: 202"
wait_rec "$RID"; ok $? "dst got the invocation record of the success"
is "$(f 'j["version"]')" "1.0" "version 1.0"
like "$(f 'j["timestamp"]')" '^20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9]\.[0-9]{3}Z$' "timestamp: ISO 8601 with milliseconds, UTC"
is "$(f 'j["requestContext"]["requestId"]')" "$RID" "requestContext.requestId: the source's request id"
is "$(f 'j["requestContext"]["functionArn"]')" "$P:src:\$LATEST" "requestContext.functionArn: qualified with \$LATEST"
is "$(f 'j["requestContext"]["condition"]')" Success "requestContext.condition: Success"
is "$(f 'j["requestContext"]["approximateInvokeCount"]')" 1 "requestContext.approximateInvokeCount: 1"
is "$(f 'j["requestPayload"]')" '{"action": "print", "text": "ok-one", "n": [1, 2]}' "requestPayload: the event as sent"
is "$(f 'j["responseContext"]')" '{"statusCode": 200, "executedVersion": "$LATEST"}' "responseContext: 200, \$LATEST, no functionError"
is "$(f 'j["responsePayload"]')" '{"printed": true}' "responsePayload: the function's reply"
is "$(f '" ".join(j)')" "version timestamp requestContext requestPayload responseContext responsePayload" "the record's members, in Lambda's order"
like "$(dlog)" "src: $RID: invocation record queued for dst as " "the log says where the record went"
sleep 0.3
is "$(records "$RID" | wc -l)" 1 "one record, not more"
is "$(ls "$EV" | grep -c '\.ev$') $(ls "$EV/failed" | grep -c "$RID")" "0 0" "no record left in events/ or failed/"

# ---- RetriesExhausted ----
event src '{"action":"fail","text":"bad-one"}'
wait_rec "$RID"; ok $? "dst got the record of a failure (MaximumRetryAttempts 0)"
is "$(f 'j["requestContext"]["condition"]')" RetriesExhausted "condition: RetriesExhausted"
is "$(f 'j["requestContext"]["approximateInvokeCount"]')" 1 "approximateInvokeCount: 1"
is "$(runs src bad-one)" 1 "  ... the source ran once"
is "$(f 'j["responseContext"]["functionError"]+" "+str(j["responseContext"]["statusCode"])')" "Unhandled 200" "responseContext.functionError: Unhandled"
is "$(f 'j["responsePayload"]["errorType"]+": "+j["responsePayload"]["errorMessage"]')" "Function.Failed: asked to fail" "responsePayload: the function's error"
is "$(f 'j["requestPayload"]["text"]')" bad-one "requestPayload: the failed event"
like "$(dlog)" "src: $RID: Event invocation failed \(Function.Failed\) after 1 attempts; its record goes to $P:dst" "the log says the failure went to the destination"
is "$(ls "$EV/failed" | grep -c "$RID")" 0 "with OnFailure the event is not put in failed/"

lam update-function-event-invoke-config --function-name src --maximum-retry-attempts 1
is "$(jget "$OUT" 'j["DestinationConfig"]["OnFailure"]["Destination"]')" "$P:dst" "update of the retries keeps the destinations"
event src '{"action":"fail","text":"bad-two"}'
wait_rec "$RID"; ok $? "dst got the record after two attempts"
is "$(f 'str(j["requestContext"]["approximateInvokeCount"])+" "+j["requestContext"]["condition"]')" "2 RetriesExhausted" "approximateInvokeCount: 2"
is "$(runs src bad-two)" 2 "  ... the source ran twice"

# ---- no destination: failed/ as before ----
lam put-function-event-invoke-config --function-name src --maximum-retry-attempts 0 \
	--destination-config "OnSuccess={Destination=$P:dst}"
event src '{"action":"fail","text":"bad-three"}'
wait_log "$RID: Event invocation failed .* after 1 attempts; moved to" 10
ok $? "without OnFailure a failure goes to failed/ as before"
ok "$(test -s "$EV/failed/$RID.ev"; echo $?)" "  ... its record is in failed/"
is "$(records "$RID" | wc -l)" 0 "  ... and dst got nothing"
lam create-function --function-name gone --runtime provided.al2023 \
	--handler bootstrap --role "$ROLE" --zip-file "fileb://$T/fn.zip"
lam put-function-event-invoke-config --function-name src --maximum-retry-attempts 0 \
	--destination-config "OnFailure={Destination=$P:gone}"
lam delete-function --function-name gone
lam update-function-event-invoke-config --function-name src --maximum-retry-attempts 0
is "$RC" 0 "an update that names no destination is not refused for one deleted since"
event src '{"action":"fail","text":"bad-gone"}'
wait_log "$RID: Event invocation failed .* after 1 attempts; moved to" 10
ok $? "a destination deleted since: the failure goes to failed/"
like "$(dlog)" "src: $RID: destination $P:gone: no such function" "  ... and the log says why"
ok "$(test -s "$EV/failed/$RID.ev"; echo $?)" "  ... its record is in failed/"

# ---- a version as the destination, with a config of its own ----
lam publish-version --function-name chain
lam put-function-event-invoke-config --function-name chain:1 \
	--destination-config "OnSuccess={Destination=$P:dst}"
is "$RC" 0 "chain:1 sends its successes to dst"
lam put-function-event-invoke-config --function-name src \
	--destination-config "OnSuccess={Destination=$P:chain:1}"
is "$(jget "$OUT" 'j["DestinationConfig"]["OnSuccess"]["Destination"]')" "$P:chain:1" "src sends its successes to chain:1"
event src '{"action":"print","text":"via-chain"}'
SRC=$RID
wait_log "\[chain:1\] [0-9a-f-]{36} via-chain" 10
ok $? "chain:1 ran with src's record (its misc handler found the text inside)"
rid=$(dlog | sed -n "s/.*src: $SRC: invocation record queued for chain:1 as \([0-9a-f-]*\).*/\1/p")
wait_rec "$rid"; ok $? "chain:1's own OnSuccess sent its record on to dst"
is "$(f 'j["requestContext"]["functionArn"]+" "+j["responseContext"]["executedVersion"]')" "$P:chain:1 1" "  ... naming chain:1, version 1"
is "$(f 'j["requestPayload"]["requestContext"]["requestId"]')" "$SRC" "  ... with src's record as its request"
is "$(records "$SRC" | wc -l)" 0 "src's own destination was not used for chain's run"

# ---- a loop stops ----
lam put-function-event-invoke-config --function-name loop \
	--destination-config "OnSuccess={Destination=$P:loop}"
is "$RC" 0 "a function may be its own destination"
event loop '{"action":"print","text":"round-and-round"}'
wait_log "loop: [0-9a-f-]{36}: not sent to $P:loop: it has gone through 15 destinations" 30
ok $? "the loop stops at 16 invocations"
sleep 0.5
is "$(runs loop round-and-round)" 16 "  ... loop ran 16 times"

# ---- EventAgeExceeded: an event that waited too long, across a SIGKILL ----
lam put-function-concurrency --function-name slow --reserved-concurrent-executions 1
lam put-function-event-invoke-config --function-name slow --maximum-event-age-in-seconds 60 \
	--destination-config "OnFailure={Destination=$P:dst}"
curl -s -o /dev/null -H 'Content-Type:' --max-time 20 \
	--data-binary '{"action":"sleep","n":4000}' "$URL$API/slow/invocations" &
PIDS="$PIDS $!"
wait_log '\[slow\] START RequestId' 5
event slow '{"action":"print","text":"too-late"}'
OLD=$RID
wait_log "slow: $OLD: Event throttled" 5; ok $? "an Event of slow waits: its only worker is busy"
kill -KILL "$DPID"; wait "$DPID" 2>/dev/null; DPID=
like "$(cat "$EV/$OLD.ev")" "on_failure $P:dst" "its record on disk carries its OnFailure destination"
# An hour older than it is: older than MaximumEventAgeInSeconds.
sed -i "s/^accepted \([0-9]*\)$/echo accepted \$((\1 - 3600000))/e" "$EV/$OLD.ev"
keep_log
start_daemon
wait_rec "$OLD"; ok $? "after the restart it is too old, and dst gets its record"
is "$(f 'j["requestContext"]["condition"]+" "+str(j["requestContext"]["approximateInvokeCount"])')" "EventAgeExceeded 0" "condition: EventAgeExceeded, never run"
is "$(f 'str("responseContext" in j)+" "+j["requestPayload"]["text"]')" "False too-late" "  ... no response to tell; the event as requestPayload"
is "$(runs slow too-late)" 0 "the too-old event never ran"

# ---- SIGKILL after the failure, before the destination ran ----
lam get-function-event-invoke-config --function-name src
is "$(jget "$OUT" 'j["DestinationConfig"]["OnSuccess"]["Destination"]')" "$P:chain:1" "the configs are there after the restart"
lam put-function-event-invoke-config --function-name src --maximum-retry-attempts 0 \
	--destination-config "OnFailure={Destination=$P:dst}"
curl -s -o /dev/null -H 'Content-Type:' --max-time 20 \
	--data-binary '{"hold":1}' "$URL$API/dst/invocations" &
PIDS="$PIDS $!"
wait_log '\[dst\] START RequestId' 5
event src '{"action":"fail","text":"bad-killed"}'
KRID=$RID
wait_log "src: $KRID: invocation record queued for dst as " 10
ok $? "src failed; its record is queued for dst (busy)"
drid=$(dlog | sed -n "s/.*src: $KRID: invocation record queued for dst as \([0-9a-f-]*\).*/\1/p")
ok "$(test -s "$EV/$drid.ev" && test ! -e "$EV/$KRID.ev"; echo $?)" "the destination's record is on disk, the source's gone"
kill -KILL "$DPID"; wait "$DPID" 2>/dev/null; DPID=
is "$(records "$KRID" | wc -l)" 0 "SIGKILLed before dst ran"
keep_log
start_daemon
wait_rec "$KRID"; ok $? "after the restart dst gets the record"
is "$(f 'j["requestContext"]["condition"]+" "+j["requestPayload"]["text"]')" "RetriesExhausted bad-killed" "  ... the right one"
sleep 0.5
is "$(records "$KRID" | wc -l) $(runs src bad-killed)" "1 1" "delivered once, the source run once"
is "$(ls "$EV" | grep -c '\.ev$')" 0 "the queue is empty"

stop_daemon
is "$DEXIT" 0 "the daemon stops cleanly"
done_testing
