#!/bin/bash
# Response streaming end to end: a worker posting its response in the
# Runtime API's streaming mode (liblambda's lambda_stream_*, in
# tests/handlers/stream), relayed as it comes to curl on an HTTP route
# (the prelude's status and headers, then the body chunked) and to the
# AWS SDK for JavaScript's InvokeWithResponseStream (event stream).  The
# handler waits on fifos this test writes, so "the first chunk arrives
# before the function finishes" is checked by order, not by time.
. "$(dirname "$0")/lib.sh"
SDK="$ROOT/tests/integration/sdk"
if ! [ -d "$SDK/node_modules/@aws-sdk/client-lambda" ]; then
	echo "Bail out! @aws-sdk/client-lambda is not installed: run make sdk"; exit 1
fi
plan 56

mkfifo -m 0666 "$T/gate" "$T/gate2" "$T/gate3" "$T/gate4"
H="$TH/stream"
fn s "$H" 'route = ANY /s/{mode}' 'sandbox = basic' 'timeout = 30' \
	"env = STREAM_GATE=$T/gate"
fn k "$H" 'route = ANY /k/{mode}' 'sandbox = basic' 'timeout = 30' \
	"env = STREAM_GATE=$T/gate2"
fn t "$H" 'route = ANY /t/{mode}' 'sandbox = basic' 'timeout = 2' \
	"env = STREAM_GATE=$T/gate3"
fn sdk "$H" 'sandbox = basic' 'timeout = 30' "env = STREAM_GATE=$T/gate4"
fn ex "$EX/stream/bootstrap" 'route = GET /ex' 'timeout = 10'
EXTRA_CONF="invoke_api = on"
start_daemon

# wait_file FILE REGEX: until FILE has a line matching (10 s at most).
wait_file() {
	for _ in $(seq 200); do
		grep -q -a -E -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$DPID/status"; }
# sample_rss PID: the daemon's highest RSS (kB) while PID runs, into MAXRSS.
sample_rss() {
	MAXRSS=$(rss_kb)
	while kill -0 "$1" 2>/dev/null; do
		r=$(rss_kb); [ "$r" -gt "$MAXRSS" ] && MAXRSS=$r
		sleep 0.05
	done
}

# ---- a slow stream, chunk by chunk -------------------------------------
curl -sS -N -D "$T/g.hdrs" -o "$T/g.out" --max-time 60 "$URL/s/gate" 2>"$T/g.err" &
CPID=$!
wait_file "$T/g.out" '^first$'
ok $? "the first chunk reached curl"
kill -0 "$CPID" 2>/dev/null
ok $? "... while the function still runs (curl is still reading)"
unlike "$(cat "$T/g.out")" 'last' "... and before its end"
g=$(tr -d '\r' < "$T/g.hdrs" | tr 'A-Z' 'a-z')
like "$g" '^http/1.1 201' "the prelude's statusCode is the reply's status"
like "$g" 'x-stream: yes' "the prelude's headers are the reply's"
like "$g" 'content-type: text/plain' "... its content-type too"
like "$g" 'transfer-encoding: chunked' "the body goes out chunked"
like "$g" 'apigw-requestid: [0-9a-f-]{36}' "the gateway's own headers are there"
exec 3>"$T/gate"
echo middle >&3
wait_file "$T/g.out" '^middle$'
ok $? "a later piece arrives as the function writes it"
unlike "$(cat "$T/g.out")" 'last' "... still before the end"
exec 3>&-
wait "$CPID"; rc=$?
is "$rc" 0 "curl read a complete chunked reply"
is "$(cat "$T/g.out")" "$(printf 'first\nmiddle\nlast')" "the whole body, in order, prelude stripped"
wait_log 'REPORT RequestId' 5
like "$(dlog)" '\[s\] REPORT RequestId: ' "the invocation is reported as any other"

# ---- plain streams, buffered replies, HTTP/1.0 ------------------------
req GET /s/chunks
is "$STATUS" 200 "a stream that is not HTTP-shaped: 200"
is "$(hdr content-type)" text/plain "... with the worker's content-type"
is "$BODY" "one,two,three" "... and its pieces as the body"
req GET /s/buffered
is "$STATUS" 200 "a buffered reply of the same function: 200"
is "$BODY" '{"buffered":true}' "... mapped as ever"
unlike "$HDRS" 'transfer-encoding' "... not chunked"
curl -sS -0 -D "$T/h10.hdrs" -o "$T/h10.out" --max-time 10 "$URL/s/chunks" 2>"$T/curl.err"
is "$?" 0 "an HTTP/1.0 client reads a streamed reply"
is "$(cat "$T/h10.out")" "one,two,three" "... whole, ended by the close"
unlike "$(tr 'A-Z' 'a-z' < "$T/h10.hdrs")" 'chunked' "... without chunks, which 1.0 lacks"
req GET '/ex?n=3'
is "$STATUS" 200 "examples/stream: 200"
is "$BODY" "$(printf 'line 1 of 3\nline 2 of 3\nline 3 of 3')" "... its lines, streamed"
req GET /s/badprelude
is "$STATUS" 502 "a prelude that is not JSON: 502"
like "$(dlog)" 'malformed stream prelude' "... and the daemon says why"

# ---- errors mid-stream --------------------------------------------------
curl -sS -o "$T/e.out" -D "$T/e.hdrs" --max-time 20 "$URL/s/error" 2>"$T/e.err"
is "$?" 18 "error trailers mid-stream: curl sees the reply cut (exit 18)"
is "$(cat "$T/e.out")" part "... after the part that was sent"
like "$(head -n 1 "$T/e.hdrs")" '^HTTP/1.1 200' "... under the status already sent"
wait_log 'the stream ended in error Function.StreamFailed' 5
ok $? "the daemon logs the stream's error type"

curl -sS -N -o "$T/k.out" --max-time 60 "$URL/k/hang" 2>"$T/k.err" &
CPID=$!
wait_file "$T/k.out" '^part$'
ok $? "a stream is under way on worker k"
W=$(wpid k)
[ -n "$W" ] && [ "$W" != 0 ] && kill -KILL "$W"
wait "$CPID"; rc=$?
is "$rc" 18 "the worker killed mid-stream: the client's reply is cut, not hung"
like "$(dlog)" 'streamed reply cut after 5 bytes: Runtime\.(TruncatedResponse|ExitError)' \
	"... and the invocation failed"
req GET /k/chunks
is "$BODY" "one,two,three" "the next invocation runs on a new worker"

curl -sS -o "$T/t.out" --max-time 30 "$URL/t/hang" 2>"$T/t.err"
is "$?" 18 "a stream past its timeout is cut"
is "$(cat "$T/t.out")" part "... after what was sent"
wait_log 'Task timed out after' 5
ok $? "... and reported as a timeout"

# ---- 100 MB, the daemon's memory flat ----------------------------------
base=$(rss_kb)
curl -sS -o /dev/null -w '%{http_code} %{size_download}\n' --max-time 120 \
	"$URL/s/big?mb=100" >"$T/big.out" 2>"$T/big.err" &
CPID=$!
sample_rss "$CPID"
wait "$CPID"
is "$(cat "$T/big.out")" "200 104857610" "a 100 MiB streamed reply arrives whole"
diag "daemon RSS: ${base} kB before, ${MAXRSS} kB at most during the 100 MiB stream"
# Under ASan, freed memory sits in its quarantine: RSS says nothing there.
if [ -n "${SAN_REPORTS:-}" ]; then skip "RSS under the sanitizer counts its quarantine"; else
	[ $((MAXRSS - base)) -lt 51200 ]
	ok $? "... and the daemon never held half of it (RSS +$((MAXRSS - base)) kB)"
fi

# A client slower than the function: the worker is paused, not buffered.
base=$(rss_kb)
curl -sS -o /dev/null -w '%{http_code} %{size_download}\n' --limit-rate 4M \
	--max-time 120 "$URL/s/big?mb=16" >"$T/slow.out" 2>"$T/slow.err" &
CPID=$!
sample_rss "$CPID"
wait "$CPID"
is "$(cat "$T/slow.out")" "200 16777225" "16 MiB to a client reading 4 MB/s arrive whole"
diag "daemon RSS: ${base} kB before, ${MAXRSS} kB at most during the slow 16 MiB"
if [ -n "${SAN_REPORTS:-}" ]; then skip "RSS under the sanitizer counts its quarantine"; else
	[ $((MAXRSS - base)) -lt 8192 ]
	ok $? "... with backpressure: the daemon held far less than the reply (RSS +$((MAXRSS - base)) kB)"
fi

# ---- InvokeWithResponseStream, with the Node SDK -------------------------
js() { node "$SDK/invoke_stream.js" "$URL" "$@" 2>>"$T/node.err"; }
out=$(js sdk '{"mode":"chunks"}')
is "$?" 0 "InvokeWithResponseStream: the SDK's call succeeds"
is "$(printf '%s\n' "$out" | grep -c '"chunk"')" 3 "... three PayloadChunk events"
is "$(printf '%s\n' "$out" | sed -n 's/^{"chunk":"\(.*\)"}$/\1/p' | tr -d '\n')" \
	"one,two,three" "... carrying the pieces in order"
like "$out" '^\{"complete":\{\}\}$' "... then InvokeComplete, with no error"
like "$out" '"status":200,"version":"\$LATEST","type":"application/vnd.amazon.eventstream"' \
	"... status, ExecutedVersion and the stream's type"
out=$(js sdk '{"mode":"error"}' Tail)
like "$out" '"ErrorCode":"Function.StreamFailed"' "an error after the start: InvokeComplete's ErrorCode"
like "$out" 'ErrorDetails":"\{\\"errorMessage\\":\\"the stream broke on purpose' "... and ErrorDetails"
lr=$(printf '%s\n' "$out" | sed -n 's/.*"LogResult":"\([^"]*\)".*/\1/p')
like "$(printf '%s' "$lr" | base64 -d 2>/dev/null)" 'REPORT RequestId' "... and LogResult with Tail"
out=$(js sdk '{"mode":"buffered"}')
like "$out" '^\{"chunk":"\{\\"buffered\\":true\}"\}$' "a buffered response: one PayloadChunk"
out=$(js nosuch '{}')
like "$out" '"error":"ResourceNotFoundException"' "an unknown function: ResourceNotFoundException"

node "$SDK/invoke_stream.js" "$URL" sdk '{"mode":"gate"}' >"$T/js.out" 2>>"$T/node.err" &
NPID=$!
wait_file "$T/js.out" '"chunk":"first'
ok $? "the SDK reads the first chunk"
unlike "$(cat "$T/js.out")" 'complete' "... before the function ends"
exec 3>"$T/gate4"
exec 3>&-
wait "$NPID"
like "$(cat "$T/js.out")" '"chunk":"last' "... and the rest once it goes on"
like "$(cat "$T/js.out")" '"complete":\{\}' "... then InvokeComplete"
[ -s "$T/node.err" ] && grep -v -e NodeVersionSupportWarning -e 'versions published' \
	-e 'will require node' -e 'You are running' -e 'continue receiving' \
	-e 'security updates' -e 'More information' -e 'trace-warnings' -e '^$' \
	"$T/node.err" | sed 's/^/# node: /' | head -n 20

stop_daemon
is "$DEXIT" 0 "the daemon stops cleanly"
done_testing
