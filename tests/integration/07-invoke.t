#!/bin/bash
# The AWS Lambda Invoke API door, driven by the real aws CLI and by curl:
# sync, Event, DryRun, Tail, errors as AWS words them, name forms, limits.
. "$(dirname "$0")/lib.sh"

# Debian's aws CLI v2 first (a pyenv shim may put v1 ahead in PATH).
AWSCLI=/usr/bin/aws
[ -x "$AWSCLI" ] || AWSCLI=$(command -v aws 2>/dev/null)
if [ -z "$AWSCLI" ]; then echo "Bail out! no aws CLI (make deps-test installs awscli)"; exit 1; fi
case "$("$AWSCLI" --version 2>&1)" in
aws-cli/1.*) BINFMT= ;;
*) BINFMT="--cli-binary-format raw-in-base64-out" ;;
esac
# No user config, no pager, and no retries: a 429 must show at once.
export HOME="$T" AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
export AWS_PAGER="" AWS_MAX_ATTEMPTS=1 AWS_RETRY_MODE=standard
unset AWS_PROFILE AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN \
	AWS_DEFAULT_REGION AWS_REGION AWS_ENDPOINT_URL 2>/dev/null

plan 51

# lam ARGS...: run `aws lambda ARGS` against the daemon; sets RC, OUT, ERR.
lam() {
	"$AWSCLI" lambda "$@" --endpoint-url "$URL" --region us-east-1 \
		--cli-read-timeout 0 --cli-connect-timeout 5 \
		>"$T/aws.out" 2>"$T/aws.err"
	RC=$?; OUT=$(cat "$T/aws.out"); ERR=$(cat "$T/aws.err")
}
# invoke FUNCTION PAYLOAD [ARGS...]: unsigned invoke into $T/out.json.
invoke() {
	f=$1 pl=$2; shift 2
	rm -f "$T/out.json"
	lam invoke --no-sign-request $BINFMT --function-name "$f" \
		--payload "$pl" "$@" "$T/out.json"
	RESULT=$(cat "$T/out.json" 2>/dev/null)
}
API=/2015-03-31/functions
# post PATH [curl args...]: an Invoke API call with curl (no Content-Type).
post() { p=$1; shift; req POST "$p" -H 'Content-Type:' "$@"; }
# hv NAME: a header of the last reply, its value's case kept (hdr lowers it).
hv() { tr -d '\r' < "$T/hdrs" | sed -n "s/^$1: //Ip" | head -n 1; }
starts() { grep -c "\[$1\] START RequestId" "$T/daemon.log"; }

fn f "$TH/misc" 'route = POST /f/{action}'
fn tight "$TH/misc" 'max_workers = 1' 'queue_depth = 0' 'timeout = 5'
cat > "$T/invoke.conf" <<CONF
[lambdad]
listen = 127.0.0.1:0
functions = functions.d
invoke_api = on
state_dir = state
CONF
start_daemon -c "$T/invoke.conf"

# Synchronous, unsigned (checklist 23, 24).
invoke f '{"k":"v"}'
is "$RC" 0 "sync: the CLI exits 0"
is "$RESULT" '{"k":"v"}' "sync: out.json holds the function's reply"
is "$(jget "$OUT" 'j["StatusCode"]')" 200 "sync: StatusCode 200"
is "$(jget "$OUT" 'j["ExecutedVersion"]')" '$LATEST' "sync: ExecutedVersion \$LATEST"

# Signed with dummy credentials: accepted, never verified.
rm -f "$T/out.json"
AWS_ACCESS_KEY_ID=AKIDUMMY AWS_SECRET_ACCESS_KEY=dummy lam invoke $BINFMT \
	--function-name f --payload '{"action":"pid"}' "$T/out.json"
is "$RC" 0 "signed with dummy credentials: exit 0"
like "$(cat "$T/out.json" 2>/dev/null)" '^\{"pid":[0-9]+' "signed: the function ran"

# A function error is a 200 with FunctionError, and exit 0 (checklist 16).
invoke f '{"action":"error"}'
is "$RC" 0 "function error: the CLI still exits 0"
is "$(jget "$OUT" 'j["FunctionError"]')" Unhandled "function error: FunctionError Unhandled"
is "$(jget "$RESULT" 'j["errorType"]')" Function.Failed "function error: out.json holds the error JSON"

# Event: 202 now, the function runs later (checklist 29).
invoke f '{"action":"print","text":"event-ran-7731"}' --invocation-type Event
is "$(jget "$OUT" 'j["StatusCode"]')" 202 "Event: StatusCode 202"
wait_log 'event-ran-7731' 5; ok $? "Event: the function ran afterwards"

# DryRun: 204 and nothing runs (checklist 30).
invoke f '{"action":"print","text":"dryrun-ran-7731"}' --invocation-type DryRun
is "$(jget "$OUT" 'j["StatusCode"]')" 204 "DryRun: StatusCode 204"
sleep 0.3
unlike "$(dlog)" 'dryrun-ran-7731' "DryRun: the function did not run"

# Tail: the last 4 KB of the log, ending with the REPORT line (checklist 31).
invoke f '{"action":"print","text":"tail-line-7731"}' --log-type Tail
logres=$(jget "$OUT" 'j["LogResult"]' | base64 -d 2>/dev/null)
like "$logres" 'tail-line-7731' "Tail: LogResult holds the function's output"
like "$(printf '%s\n' "$logres" | grep -v '^$' | tail -n 1)" $'^REPORT RequestId: [0-9a-f-]{36}\tDuration: ' "Tail: LogResult ends with the REPORT line"

# Unknown function (checklist 27).
invoke nope '{}'
like "$RC" '^25[45]$' "unknown function: the CLI fails (254 for v2, 255 for v1)"
like "$ERR" 'ResourceNotFoundException.*Function not found: arn:aws:lambda:us-east-1:123456789012:function:nope' "unknown function: ResourceNotFoundException with the ARN"

# ListFunctions through the CLI.
lam list-functions --no-sign-request
is "$(jget "$OUT" '",".join(sorted(x["FunctionName"] for x in j["Functions"]))')" "f,tight" "ListFunctions: both functions"

# The raw protocol, with curl.  Empty body, no Content-Type: {} (checklist 25).
post "$API/f/invocations"
is "$STATUS" 200 "empty body: 200"
is "$BODY" '{}' "empty body: the event is {}"
rid=$(hv x-amzn-requestid)
like "$rid" '^[0-9a-f-]{36}$' "X-Amzn-RequestId is a UUID"
is "$(hv x-amz-executed-version)" '$LATEST' "X-Amz-Executed-Version: \$LATEST"
wait_log "REPORT RequestId: $rid" 2; ok $? "X-Amzn-RequestId is the request id the runtime saw (REPORT line)"
unlike "$HDRS" 'x-amz-function-error' "success: no X-Amz-Function-Error"

# A body that is not JSON (checklist 26).
post "$API/f/invocations" --data-binary 'not json'
is "$STATUS" 400 "bad payload: 400"
is "$(hv x-amzn-errortype)" InvalidRequestContentException "bad payload: x-amzn-ErrorType"
like "$(jget "$BODY" 'j["Message"]')" '^Could not parse request body into json' "bad payload: JSON Message"
is "$(jget "$BODY" 'j["Type"]')" User "bad payload: Type User"
post "$API/f/invocations" --data-binary '{"a":1} trailing'
is "$STATUS" 400 "JSON followed by garbage: 400"

# Name forms (checklist 28).
post "$API/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Af/invocations" --data-binary '{"action":"pid"}'
is "$STATUS" 200 "percent-encoded ARN resolves"
post "$API/f%3A%24LATEST/invocations" --data-binary '{"action":"pid"}'
is "$STATUS" 200 "name:\$LATEST resolves"
post "$API/f/invocations?Qualifier=%24LATEST" --data-binary '{"action":"pid"}'
is "$STATUS" 200 "?Qualifier=%24LATEST resolves"
post "$API/123456789012:function:f/invocations" --data-binary '{"action":"pid"}'
is "$STATUS" 200 "partial ARN resolves"
post "$API/f:prod/invocations"
is "$STATUS" 404 "an alias other than \$LATEST: 404"
like "$(hv x-amzn-errortype)$(jget "$BODY" 'j["Message"]')" '^ResourceNotFoundExceptionFunction not found: arn:aws:lambda:us-east-1:123456789012:function:f:prod$' "alias: ResourceNotFoundException naming the qualified ARN"
post "$API/f:prod/invocations?Qualifier=%24LATEST"
is "$STATUS" 400 "qualifier in the name and the query disagree: 400"

# Client context arrives decoded at the worker (checklist 4).
cc=$(printf '{"custom":{"k":"v"},\n "client":{"installation_id":"i-1"}}' | base64 -w0)
post "$API/f/invocations" -H "X-Amz-Client-Context: $cc" --data-binary '{"action":"context"}'
is "$(jget "$BODY" 'j["custom"]["k"]')" v "Client-Context: the worker sees the decoded JSON"
post "$API/f/invocations" -H 'X-Amz-Client-Context: %%%' --data-binary '{}'
is "$STATUS $(hv x-amzn-errortype)" "400 InvalidParameterValueException" "Client-Context that is not base64 JSON: 400"

# Event with curl: 202, empty body.
post "$API/f/invocations" -H 'X-Amz-Invocation-Type: Event' --data-binary '{"action":"pid"}'
is "$STATUS:$BODY" "202:" "Event: 202 with an empty body"

# GetFunction.
req GET "$API/f"
is "$(jget "$BODY" 'j["Configuration"]["FunctionArn"]')" arn:aws:lambda:us-east-1:123456789012:function:f "GetFunction: the ARN"

# Size limits (checklist 33): exactly 6291456 bytes pass, one more is 413.
python3 -c 'import sys; n=int(sys.argv[1]); h="{\"action\":\"pid\",\"pad\":\""; sys.stdout.write(h + "x" * (n - len(h) - 2) + "\"}")' 6291456 > "$T/max.json"
python3 -c 'import sys; n=int(sys.argv[1]); h="{\"action\":\"pid\",\"pad\":\""; sys.stdout.write(h + "x" * (n - len(h) - 2) + "\"}")' 6291457 > "$T/over.json"
post "$API/f/invocations" --data-binary @"$T/max.json"
is "$STATUS" 200 "a payload of exactly 6291456 bytes is accepted"
before=$(starts f)
post "$API/f/invocations" --data-binary @"$T/over.json"
is "$STATUS" 413 "a payload over 6291456 bytes: 413"
is "$(hv x-amzn-errortype)" RequestEntityTooLargeException "413: x-amzn-ErrorType RequestEntityTooLargeException"
sleep 0.2
is "$(starts f)" "$before" "413: the function did not run"

# Throttled (checklist 34): one sleeper holds the only worker, no queue.
curl -s -o /dev/null -H 'Content-Type:' --data-binary '{"action":"sleep","n":2500}' "$URL$API/tight/invocations" &
bg=$!; PIDS="$PIDS $bg"
wait_log '\[tight\] START RequestId' 5
post "$API/tight/invocations" --data-binary '{"action":"pid"}'
is "$STATUS" 429 "throttled: 429"
is "$(hv x-amzn-errortype)" TooManyRequestsException "throttled: TooManyRequestsException"
like "$(hdr retry-after)" '^[0-9]+$' "throttled: Retry-After"
is "$(jget "$BODY" 'j["Reason"]')" ReservedFunctionConcurrentInvocationLimitExceeded "throttled: Reason"
invoke tight '{"action":"pid"}'
like "$ERR" 'TooManyRequestsException' "throttled: the CLI reports TooManyRequestsException"
wait "$bg"

# invoke_api = off (the default): those paths are only routes, so 404.
stop_daemon
start_daemon
post "$API/f/invocations" --data-binary '{}'
is "$STATUS" 404 "invoke_api off: 404"
is "$BODY" '{"message":"Not Found"}' "invoke_api off: the routes' 404"
done_testing
