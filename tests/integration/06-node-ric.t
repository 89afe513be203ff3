#!/bin/bash
# Conformance with an unmodified official AWS runtime client: the Node.js
# runtime interface client (aws-lambda-ric from npm, built by `make ric`)
# serves three invocations in a row through the real daemon, one an error.
. "$(dirname "$0")/lib.sh"
plan 10
RIC="$ROOT/tests/integration/ric"

if ! [ -f "$RIC/node_modules/aws-lambda-ric/dist/rapid-client.node" ]; then
	echo "Bail out! aws-lambda-ric is not installed: run make ric"
	exit 1
fi
# The bootstrap is a shell script that execs node: it needs the exec profile.
fn ric "$RIC/bootstrap" 'route = POST /ric' 'memory = 512' 'timeout = 10' 'seccomp = exec'
start_daemon

req POST /ric -H 'Content-Type: application/json' -d '{"n":1}'
is "$STATUS" 200 "RIC: first invocation answers 200"
is "$BODY" '{"ok":true,"n":1}' "RIC: the handler's result is the reply"
req POST /ric -H 'Content-Type: application/json' -d '{"n":2,"fail":true}'
is "$STATUS" 500 "RIC: a thrown error answers 500"
is "$BODY" '{"message":"Internal Server Error"}' "RIC: error body"
req POST /ric -H 'Content-Type: application/json' -d '{"n":3}'
is "$STATUS" 200 "RIC: the invocation after an error succeeds"
is "$BODY" '{"ok":true,"n":3}' "RIC: third result"

wait_log 'REPORT RequestId' 2
is "$(grep -c '\[ric\] REPORT RequestId' "$T/daemon.log")" 3 "RIC: three REPORT lines"
is "$(grep -c 'ric: worker .* spawned' "$T/daemon.log")" 1 "RIC: one worker served all three (the error did not kill it)"
like "$(dlog)" '\[ric\] [0-9a-f-]{36} .*ric handler got n=1' "RIC: console.log tagged with the request id"
like "$(dlog)" '"errorType":"Error"|Invoke Error|boom' "RIC: the error is in the function log"
done_testing
