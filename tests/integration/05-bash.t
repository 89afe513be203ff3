#!/bin/bash
# The shipped examples through the real daemon: the bash custom runtime
# (examples/bash/bootstrap, the AWS tutorial's style) serves invocations in a
# row on one warm worker, and examples/lambdad.conf loads and serves.
. "$(dirname "$0")/lib.sh"
plan 24

fn bash "$EX/bash/bootstrap" 'route = ANY /bash' 'seccomp = exec' 'timeout = 10' \
	'max_workers = 1' 'memory = 256'
start_daemon

# ---- three invocations in a row on the bash runtime ---------------------
req GET /bash
is "$STATUS" 200 "bash 1: 200"
is "$(hdr content-type)" text/plain "bash 1: the handler's content-type"
like "$BODY" '^bash got [0-9]+ bytes$' "bash 1: the handler's body"
n1=$(printf '%s' "$BODY" | sed -n 's/^bash got \([0-9]*\) bytes$/\1/p')

big=$(head -c 1000 /dev/zero | tr '\0' a)
req POST /bash -H 'Content-Type: text/plain' --data-binary "$big"
is "$STATUS" 200 "bash 2: 200"
n2=$(printf '%s' "$BODY" | sed -n 's/^bash got \([0-9]*\) bytes$/\1/p')
[ -n "$n1" ] && [ -n "$n2" ] && [ $((n2 - n1)) -ge 1000 ]
ok $? "bash 2: the runtime saw the 1000-byte body in its event ($n1 -> $n2)"

req GET '/bash?x=1'
is "$STATUS" 200 "bash 3: 200"
like "$BODY" '^bash got [0-9]+ bytes$' "bash 3: the handler's body"

is "$(grep -c 'bash: worker [0-9]* spawned' "$T/daemon.log")" 1 "one warm worker served all three"
wait_log 'REPORT RequestId: .*' 2
is "$(grep -c -P '\[bash\] REPORT RequestId: [0-9a-f-]{36}\tDuration: ' "$T/daemon.log")" 3 "three REPORT lines"
unlike "$(dlog)" 'bash runtime: /next gave no request id' "the runtime always found its request id"

req GET /bash
is "$STATUS" 200 "bash 4: still serving"
stop_daemon
is "$DEXIT" 0 "the daemon stops cleanly with the bash worker"

# ---- examples/lambdad.conf ----------------------------------------------
out=$("$B/lambdad" -t -c "$ROOT/examples/lambdad.conf" 2>&1)
is "$?" 0 "lambdad -t accepts examples/lambdad.conf"
like "$out" 'configuration OK \(6 functions\)' "  ... with its 6 functions"
printf '[lambdad]\nlisten = 127.0.0.1:0\n[function x]\nbootstrap = %s\nroute = GET /a/{b+}/c\n' \
	"$EX/hello/bootstrap" > "$T/bad.conf"
"$B/lambdad" -t -c "$T/bad.conf" >/dev/null 2>&1
is "$?" 1 "lambdad -t rejects a config with a bad route"

# Served for real on an ephemeral port (-l overrides its 8080).
: > "$T/daemon.log"
"$B/lambdad" -c "$ROOT/examples/lambdad.conf" -l 127.0.0.1:0 -v 2>>"$T/daemon.log" &
DPID=$!
wait_log 'listening on' 5
PORT=$(sed -n 's/.*listening on [0-9.]*:\([0-9]*\) .*/\1/p' "$T/daemon.log" | head -n 1)
URL="http://127.0.0.1:$PORT"
req GET /hello/you
like "$STATUS $BODY" '^200 .*you' "example config: /hello/you"
req POST /echo -H 'Content-Type: application/json' --data-binary '{"a":1}'
is "$STATUS" 200 "example config: /echo"
req GET /bash
like "$STATUS $BODY" '^200 bash got [0-9]+ bytes' "example config: /bash"

# The README's Tables walk-through, with the real aws CLI against its
# dynamodb_listen (127.0.0.1:8000) and the cart function.
AWSCLI=$(command -v aws 2>/dev/null)
aws_ddb() {
	HOME="$T" AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null \
	AWS_ACCESS_KEY_ID=any AWS_SECRET_ACCESS_KEY=any AWS_DEFAULT_REGION=us-east-1 \
	AWS_PAGER="" AWS_MAX_ATTEMPTS=1 "$AWSCLI" dynamodb "$@" \
		--endpoint-url http://127.0.0.1:8000 --output json 2>&1
}
# A carts table left by an earlier run (make run, or this test) in the
# example's state_dir would carry its items over: start from none.
aws_ddb delete-table --table-name carts >/dev/null 2>&1
aws_ddb create-table --table-name carts \
	--attribute-definitions AttributeName=id,AttributeType=S \
	--key-schema AttributeName=id,KeyType=HASH --billing-mode PAY_PER_REQUEST > "$T/ct.out"
ok $? "aws dynamodb create-table carts"
req POST /cart/42 --data-binary '{"add":"apple"}'
is "$STATUS $BODY" '200 {"id":"42","items":["apple"]}' "the cart adds an apple to its table"
req POST /cart/42 --data-binary '{"add":"pear"}'
is "$STATUS $BODY" '200 {"id":"42","items":["apple","pear"]}' "  ... and a pear"
out=$(aws_ddb get-item --table-name carts --key '{"id":{"S":"42"}}')
is "$(jget "$out" 'j["Item"]["items"]["SS"]')" '["apple", "pear"]' "aws get-item sees what the function wrote"
req POST /cart/42 --data-binary '{"remove":"apple"}'
is "$STATUS $BODY" '200 {"id":"42","items":["pear"]}' "the cart takes one out"
req GET /cart/7
is "$STATUS $BODY" '200 {"id":"7","items":[]}' "an empty cart"
done_testing
