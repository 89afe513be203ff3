#!/bin/bash
# The per-worker Runtime API against spec §1-2 (checklist 1-14, 17-19, 22).
# The worker is tests/handlers/rapi-probe.sh: it calls the Runtime API with
# curl (and raw bash sockets where curl cannot say it) and writes down every
# reply; this script drives invocations through a route and reads the record.
. "$(dirname "$0")/lib.sh"
plan 99

PROBE="$ROOT/tests/handlers/rapi-probe.sh"
P="$T/p"
UUID='^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
START_S=$(date +%s)

# The probe writes its records into the test's directory, which the full
# jail's private /tmp and read-only root would hide: these functions run
# under the basic sandbox (rlimits, seccomp, the uid drop), with record
# directories the dropped uid may write.  14-attack.t tests the full jail.
mkdir -p "$P" "$T/idle" "$T/ie" && chmod 0777 "$P" "$T/idle" "$T/ie"
fn probe "$PROBE" 'route = ANY /p/{action}' 'seccomp = exec' 'sandbox = basic' \
	"env = PROBE_OUT=$P" 'timeout = 5' 'max_workers = 1' 'memory = 256'
fn idle "$PROBE" 'route = GET /idle/{action}' 'seccomp = exec' 'sandbox = basic' \
	"env = PROBE_OUT=$T/idle" 'min_idle = 1' 'max_workers = 1'
fn initerr "$PROBE" 'route = GET /initerr/{action}' 'seccomp = exec' 'sandbox = basic' \
	"env = PROBE_OUT=$T/ie" 'env = PROBE_INIT_ERROR=1' 'max_workers = 1'
fn missing "$T/no/such/bootstrap" 'route = GET /missing'
mkdir -p "$T/noexec"
printf '#!/bin/sh\nexit 0\n' > "$T/noexec/bootstrap"
chmod 644 "$T/noexec/bootstrap"
fn noexec "$T/noexec/bootstrap" 'route = GET /noexec'
# Nothing of the daemon's own environment may reach a worker.
LAMBDAD_LEAK_CHECK=leaked start_daemon

# wait_file FILE [seconds]: wait until the probe has written FILE.
wait_file() {
	i=0 n=$(( ${2:-5} * 20 ))
	while [ $i -lt $n ]; do
		[ -e "$1" ] && return 0
		sleep 0.05; i=$((i + 1))
	done
	return 1
}
# rh FILE NAME: a header of a recorded reply, CR stripped.
rh() { tr -d '\r' < "$1" | grep -i "^$2:" | tail -n 1 | cut -d: -f2- | sed 's/^ *//'; }
# code NAME: the status a probe call got.
code() { cut -d' ' -f1 "$P/$1.w" 2>/dev/null; }
# invoke ACTION [curl args]: one invocation through the route, then wait
# until the probe has finished with it.
invoke() {
	a=$1; shift
	req POST "/p/$a" "$@"
	kill -0 "$DPID" 2>/dev/null || { diag "lambdad is gone"; return 0; }
	wait_file "$P/$a.done" 5 || diag "probe did not finish action $a"
}

# ---- /next, the event, re-delivery, /response, wrong ids (1-3, 6, 8, 9) --
sent='{"msg":"h\u00e9llo \"q\" \\ tab\t","n":[1,2.5,null],"utf8":"žluť"}'
tr0=$(date +%s%3N)
invoke basic -H 'Content-Type: application/json' --data-binary "$sent"
is "$STATUS" 200 "basic: the route answers 200"
nh="$P/basic.next.h"
is "$(code basic.next)" 200 "/next: 200"
is "$(rh "$nh" Content-Type)" application/json "/next: Content-Type application/json"
is "$(rh "$nh" Content-Length)" "$(wc -c < "$P/basic.next.b" | tr -d ' ')" "/next: Content-Length matches the event"
is "$(rh "$nh" Content-Encoding)" "" "/next: not compressed though the client accepts gzip"
id=$(rh "$nh" Lambda-Runtime-Aws-Request-Id)
like "$id" "$UUID" "/next: Lambda-Runtime-Aws-Request-Id is a UUID"
dl=$(rh "$nh" Lambda-Runtime-Deadline-Ms)
t1=$(cut -d' ' -f2 "$P/basic.t")
[ -n "$dl" ] && [ "$dl" -ge $((tr0 + 5000 - 50)) ] && [ "$dl" -le $((t1 + 5000 + 50)) ]
ok $? "/next: Deadline-Ms = start + 5 s timeout (got $dl, window $((tr0 + 4950))..$((t1 + 5050)))"
like "$(rh "$nh" Lambda-Runtime-Invoked-Function-Arn)" '^arn:aws:lambda:[a-z0-9-]+:[0-9]{12}:function:probe$' "/next: function ARN"
like "$(rh "$nh" Lambda-Runtime-Trace-Id)" '^Root=1-[0-9a-f]{8}-[0-9a-f]{24}(;|$)' "/next: a Trace-Id even when the caller sent none"
unlike "$(tr -d '\r' < "$nh" | tr 'A-Z' 'a-z')" '^lambda-runtime-(client-context|cognito-identity):' "/next: no Client-Context or Cognito-Identity without data"
is "$(jget "$(cat "$P/basic.next.b")" 'j["body"]')" "$sent" "event: the request body arrives unchanged"
cmp -s "$P/basic.next.b" "$T/body"; ok $? "event: the bytes the worker got come back unchanged through the route"
is "$(rh "$P/basic.next2.h" Lambda-Runtime-Aws-Request-Id)" "$id" "a second /next before replying re-delivers the same id"
cmp -s "$P/basic.next.b" "$P/basic.next2.b"; ok $? "  ... and the same event"
is "$(code basic.resp)" 202 "/response: 202"
is "$(cat "$P/basic.resp.b")" '{"status":"OK"}' '/response: {"status":"OK"}'
is "$(rh "$P/basic.resp.h" Content-Type)" application/json "/response: JSON Content-Type"
is "$(code basic.resp2)" 403 "a second /response for the id: 403"
like "$(cat "$P/basic.resp2.b")" '"errorType":"InvalidStateTransition"' "  ... InvalidStateTransition"
is "$(rh "$P/basic.resp2.h" Content-Type)" application/json "  ... with a Content-Type"
is "$(code basic.unknown)" 400 "/response for an unknown id: 400"
like "$(cat "$P/basic.unknown.b")" '^\{"errorMessage":"[^"]+","errorType":"InvalidRequestID"\}$' "  ... InvalidRequestID, RIE body shape"
is "$(rh "$P/basic.unknown.h" Content-Type)" application/json "  ... with a Content-Type"
is "$(code basic.errunknown)" 400 "/error for an unknown id: 400"

# ---- §2: environment, cwd, arguments (checklist 17, 18) -----------------
envf="$P/init.env"
missing_vars=
for v in AWS_LAMBDA_RUNTIME_API _HANDLER LAMBDA_TASK_ROOT LAMBDA_RUNTIME_DIR \
	AWS_LAMBDA_FUNCTION_NAME AWS_LAMBDA_FUNCTION_VERSION \
	AWS_LAMBDA_FUNCTION_MEMORY_SIZE AWS_LAMBDA_LOG_GROUP_NAME \
	AWS_LAMBDA_LOG_STREAM_NAME AWS_REGION AWS_DEFAULT_REGION \
	AWS_LAMBDA_INITIALIZATION_TYPE TZ LANG PATH LD_LIBRARY_PATH; do
	grep -q "^$v=" "$envf" || missing_vars="$missing_vars $v"
done
is "$missing_vars" "" "env: every §2 variable is set"
envv() { sed -n "s/^$1=//p" "$envf" | head -n 1; }
like "$(envv AWS_LAMBDA_RUNTIME_API)" '^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+:[0-9]+$' "env: AWS_LAMBDA_RUNTIME_API is ipv4:port, no scheme"
unlike "$(cat "$envf")" '^(AWS_LAMBDA_MAX_CONCURRENCY|_LAMBDA_TELEMETRY_LOG_FD|_LAMBDA_TELEMETRY_LOG_FD_PROVIDER_SOCKET|_X_AMZN_TRACE_ID|AWS_EXECUTION_ENV)=' "env: no MAX_CONCURRENCY, telemetry fd, trace id or AWS_EXECUTION_ENV"
unlike "$(cat "$envf")" 'LAMBDAD_LEAK_CHECK' "env: the daemon's own environment does not leak in"
is "$(envv AWS_LAMBDA_FUNCTION_NAME)/$(envv AWS_LAMBDA_FUNCTION_VERSION)/$(envv AWS_LAMBDA_FUNCTION_MEMORY_SIZE)" 'probe/$LATEST/256' "env: function name, version, memory"
is "$(envv AWS_LAMBDA_LOG_GROUP_NAME)" /aws/lambda/probe "env: log group"
like "$(envv AWS_LAMBDA_LOG_STREAM_NAME)" '^[0-9]{4}/[0-9]{2}/[0-9]{2}/\[\$LATEST\][0-9a-f]{32}$' "env: log stream name"
is "$(envv AWS_REGION)/$(envv AWS_DEFAULT_REGION)/$(envv TZ)/$(envv LANG)" 'us-east-1/us-east-1/:UTC/en_US.UTF-8' "env: region, TZ, LANG"
is "$(envv PATH)" '/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin' "env: PATH"
like "$(envv AWS_LAMBDA_INITIALIZATION_TYPE)" '^(on-demand|provisioned-concurrency)$' "env: initialization type"
is "$(envv PROBE_OUT)" "$P" "env: the function's own env line"
is "$(cat "$P/init.cwd")" "$(envv LAMBDA_TASK_ROOT)" "cwd is LAMBDA_TASK_ROOT"
is "$(envv LAMBDA_TASK_ROOT)" "$ROOT/tests/handlers" "LAMBDA_TASK_ROOT is the bootstrap's directory"
is "$(cat "$P/init.argc")" 0 "the bootstrap gets no arguments"

# ---- calls before any /next -------------------------------------------
wait_file "$P/badpath.w"
is "$(code prenext)" 403 "a reply before any /next: 403"
like "$(cat "$P/prenext.b")" '"errorType":"InvalidStateTransition"' "  ... InvalidStateTransition"
is "$(rh "$P/prenext.h" Content-Type)" application/json "  ... with a Content-Type"
is "$(code badpath)" 404 "unknown Runtime API path: 404"
is "$(rh "$P/badpath.h" Content-Type)" application/json "  ... with a Content-Type"

req GET /p/traced -H 'X-Amzn-Trace-Id: Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1'
wait_file "$P/traced.done"
is "$(rh "$P/traced.next.h" Lambda-Runtime-Trace-Id)" 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1' "/next: the caller's trace id is passed on"
id2=$(cat "$P/traced.id")
[ -n "$id2" ] && [ "$id2" != "$id" ]; ok $? "each invocation gets a fresh request id"

# ---- /error (6) ---------------------------------------------------------
invoke error
is "$(code error.resp)" 202 "/error without Error-Type: 202"
is "$(cat "$P/error.resp.b")" '{"status":"OK"}' '/error: {"status":"OK"}'
is "$STATUS" 500 "/error: the route answers 500"
is "$BODY" '{"message":"Internal Server Error"}' "/error: the route's error body"
invoke errtext
is "$(code errtext.resp)" 202 "/error with Error-Type and a non-JSON body: 202"
is "$STATUS" 500 "  ... the route answers 500"

# ---- response mode (12), chunked bodies and trailers (11) ---------------
invoke mode
is "$(code mode.resp)" 400 "Response-Mode: foo gets 400"
like "$(cat "$P/mode.resp.b")" '"errorType":"InvalidFunctionResponseMode"' "  ... InvalidFunctionResponseMode"
is "$(rh "$P/mode.resp.h" Content-Type)" application/json "  ... with a Content-Type"
is "$STATUS" 500 "  ... and the invocation fails"
invoke stream
is "$(code stream.resp)" 202 "Response-Mode: streaming, chunked: 202"
# A streamed response reaches the route as it came, not mapped as a 2.0
# reply (only the HTTP prelude sets status and headers: 50-streaming).
is "$STATUS/$BODY" '200/{"statusCode":200,"body":"streamed"}' "  ... the route gets the streamed body as it was sent"
invoke chunked
is "$(code chunked.resp)" 202 "chunked with a declared but absent trailer: 202"
is "$STATUS/$BODY" "200/chunked ok" "  ... the route gets the body"
invoke trailer
is "$(cat "$P/trailer.status" 2>/dev/null)" 202 "chunked body then error trailers: 202"
is "$STATUS" 500 "  ... the result is an error"

# ---- keep-alive (14): next, response, next, error on one connection ------
req GET /p/keepalive
is "$STATUS/$BODY" 200/ka1 "keep-alive: first invocation answered"
req GET /p/ka2
wait_file "$P/keepalive.done"
is "$STATUS" 500 "keep-alive: second invocation got the /error"
is "$(cat "$P/keepalive.statuses" 2>/dev/null)" "200 202 200 202" "keep-alive: next, response, next, error on one connection"
is "$(cat "$P/keepalive.id2" 2>/dev/null)" "$(sed -n 's/.*\[probe\] START RequestId: \([0-9a-f-]*\).*/\1/p' "$T/daemon.log" | tail -n 1)" "keep-alive: the third request got the new invocation"

# ---- too large (10) -----------------------------------------------------
invoke big
is "$(code big.resp)" 413 "a result over 6291556 bytes: 413"
like "$(cat "$P/big.resp.b")" '"errorType":"RequestEntityTooLarge"' "  ... RequestEntityTooLarge"
like "$(cat "$P/big.resp.b")" '6291556 bytes' "  ... naming the limit"
is "$(rh "$P/big.resp.h" Content-Type)" application/json "  ... with a Content-Type"
is "$STATUS" 502 "  ... and the route answers 502"

# ---- init/error after init (7, 8) ---------------------------------------
invoke initlate
is "$(code initlate.resp)" 403 "init/error after init: 403"
like "$(cat "$P/initlate.resp.b")" '"errorType":"InvalidStateTransition"' "  ... InvalidStateTransition"
is "$(code initlate.ok)/$STATUS" 202/200 "  ... and the invocation still succeeds"

# ---- init/error at init (7) ---------------------------------------------
curl -s -o "$T/ie.body" -D "$T/ie.hdrs" --max-time 20 "$URL/initerr/x" &
iepid=$!; PIDS="$PIDS $iepid"
wait_file "$T/ie/init.api" 5
# The endpoint admits only the worker's uid (nobody's, when we are root).
AS_WORKER=
[ "$(id -u)" = 0 ] && AS_WORKER="setpriv --reuid=65534 --regid=65534 --clear-groups"
$AS_WORKER curl -sS -D "$T/ie/initerr.h" -o "$T/ie/initerr.b" --max-time 10 -X POST \
	-H 'Lambda-Runtime-Function-Error-Type: Runtime.ProbeInit' \
	--data-binary '{"errorMessage":"probe init failed","errorType":"Runtime.ProbeInit"}' \
	"http://$(cat "$T/ie/init.api" 2>/dev/null)/2018-06-01/runtime/init/error"
wait "$iepid"
is "$(head -n 1 "$T/ie.hdrs" 2>/dev/null | awk '{print $2}')" 500 "init/error: the invocation fails with 500"
like "$(tr -d '\r' < "$T/ie/initerr.h" 2>/dev/null)" '^HTTP/1.1 202' "init/error: 202 to the runtime"
is "$(cat "$T/ie/initerr.b" 2>/dev/null)" '{"status":"OK"}' 'init/error: {"status":"OK"}'
like "$(dlog)" 'initerr: worker [0-9]+: init error Runtime.ProbeInit' "init/error: logged with its type"

# ---- crashes mid-invocation (19) ----------------------------------------
req GET /p/exit1
is "$STATUS" 500 "exit 1 mid-invocation: 500"
like "$(grep "$(cat "$P/exit1.id")" "$T/daemon.log")" 'Runtime exited with error: exit status 1' "  ... logged as exit status 1"
req GET /p/exit0
is "$STATUS" 500 "exit 0 without a reply: 500"
like "$(grep "$(cat "$P/exit0.id")" "$T/daemon.log")" 'Runtime exited without providing a reason' "  ... logged without a reason"
req GET /p/after
is "$STATUS/$BODY" 200/probe "after the crashes a new worker serves"

# ---- bootstrap that cannot start (18) -----------------------------------
req GET /missing
is "$STATUS" 500 "missing bootstrap: 500"
like "$(dlog)" 'missing: cannot start .*no/such/bootstrap' "missing bootstrap: logged"
req GET /noexec
is "$STATUS" 500 "bootstrap not executable: 500"
like "$(dlog)" 'noexec: cannot start .*noexec/bootstrap' "bootstrap not executable: logged"

# ---- an idle /next stays open (5): beyond the 30 s header/body timeouts --
left=$(( START_S + 32 - $(date +%s) ))
[ "$left" -gt 0 ] && sleep "$left"
req GET /idle/check
is "$STATUS/$BODY" 200/probe "idle: a /next parked for over 30 s still delivers"
wait_file "$T/idle/check.done"
t=$(cat "$T/idle/check.t" 2>/dev/null)
[ -n "$t" ] && [ $(( ${t#* } - ${t% *} )) -ge 30000 ]
ok $? "idle: that /next waited $(( ${t#* } - ${t% *} )) ms in one call"

# ---- START, END, REPORT (22) --------------------------------------------
ids=$(cat "$P"/*.id | sort -u)
bad=
for i in $ids; do
	grep -q "\[probe\] START RequestId: $i Version: \$LATEST" "$T/daemon.log" || bad="$bad start:$i"
	grep -q "\[probe\] END RequestId: $i\$" "$T/daemon.log" || bad="$bad end:$i"
	grep -q -P "\[probe\] REPORT RequestId: $i\tDuration: [0-9]+\.[0-9]{2} ms\tBilled Duration: [0-9]+ ms\tMemory Size: 256 MB\tMax Memory Used: [0-9]+ MB\t" "$T/daemon.log" || bad="$bad report:$i"
done
is "$bad" "" "every invocation ($(echo $ids | wc -w)) logs START, END and a tab-separated REPORT with 5 fields"
billing=$(grep -P '\] REPORT RequestId: ' "$T/daemon.log" | awk -F'\t' '{
	d = $2; sub(/.*Duration: /, "", d); sub(/ ms/, "", d)
	b = $3; sub(/.*Billed Duration: /, "", b); sub(/ ms/, "", b)
	i = 0; for (k = 6; k <= NF; k++) if ($k ~ /Init Duration/) { i = $k; sub(/.*Init Duration: /, "", i); sub(/ ms/, "", i) }
	if (b !~ /^[0-9]+$/ || b + 0 < d + i - 0.001) print "bad: " $0 }')
is "$billing" "" "Billed Duration is an integer >= Duration (+ Init on a cold start)"
grep -q -P "\[probe\] REPORT RequestId: $(cat "$P/exit1.id" 2>/dev/null)\t" "$T/daemon.log"
ok $? "a crashed invocation still logs REPORT"

# ---- large bodies, last: Expect: 100-continue (13), the exact limit (10) -
invoke expect
is "$(code expect.resp)" 202 "Expect: 100-continue, 1.5 MiB: 202"
like "$(tr -d '\r' < "$P/expect.resp.h" 2>/dev/null)" '^HTTP/1.1 100 Continue' "  ... an interim 100 Continue"
secs=$(cut -d' ' -f2 "$P/expect.resp.w" 2>/dev/null)
awk -v s="${secs:-9}" 'BEGIN { exit !(s < 0.9) }'; ok $? "  ... without the 1 s stall (${secs:-?} s)"
is "$STATUS" 200 "  ... the route answers 200"
is "${#BODY}" $((1572864 - 28)) "  ... with the whole body"
invoke limit
is "$(code limit.resp)" 202 "a result of exactly 6291556 bytes: 202"
is "$STATUS" 200 "  ... the route answers 200"
kill -0 "$DPID" 2>/dev/null; ok $? "the daemon is still running"
done_testing
