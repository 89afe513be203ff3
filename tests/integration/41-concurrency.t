#!/bin/bash
# max_concurrency (issue 14 item 3): one worker holds several invocations at
# once.  liblambda's threads (tests/handlers/conc.c) and a runtime written
# here that speaks aws-lambda-go's multi-concurrency exchange (goloop.py:
# several GET /next in flight, posts on fresh connections too).  Timing is
# never asserted: the handlers count how many they hold at once.
. "$(dirname "$0")/lib.sh"

plan 36
API=/2015-03-31/functions
EXTRA_CONF="invoke_api = on"
par() { python3 "$ROOT/tests/integration/par.py" "$URL" "$@" > "$T/par"; }
# pj N EXPR: EXPR of the Nth reply of the last par (1-based), its body as j.
pj() { sed -n "${1}p" "$T/par" | python3 -c 'import json,sys; r=json.load(sys.stdin)
try: j=json.loads(r.get("body") or "null")
except Exception: j=None
v=eval(sys.argv[1]); print(v if not isinstance(v,(dict,list)) else json.dumps(v))' "$2" 2>/dev/null; }
inv() { echo "POST $API/$1/invocations {\"rawPath\":\"/x/$2\",\"rawQueryString\":\"n=$3\"}"; }

fn c "$TH/conc" 'route = GET /c/{a}' 'max_workers = 1' 'max_concurrency = 4' 'timeout = 10'
fn t "$TH/conc" 'max_workers = 1' 'max_concurrency = 2' 'timeout = 1'
fn go "$ROOT/tests/handlers/goloop.py" 'route = GET /go/{a}' 'max_workers = 1' \
	'max_concurrency = 4' 'timeout = 10' 'sandbox = basic'
fn one "$TH/conc" 'max_workers = 1' 'timeout = 10'
fn gp "$ROOT/tests/handlers/goloop.py" 'route = GET /gp/{a}' 'max_workers = 1' \
	'max_concurrency = 2' 'timeout = 10' 'sandbox = basic' 'env = GOLOOP_PIPE=1'
start_daemon

# ---- four at once in one worker ------------------------------------------
par "GET /c/gather?n=4" "GET /c/gather?n=4" "GET /c/gather?n=4" "GET /c/gather?n=4"
codes=$(for i in 1 2 3 4; do pj $i 'r["status"]'; done | sort -u | tr '\n' ' ')
is "$codes" "200 " "four invocations of a max_concurrency = 4 function all answer 200"
workers=$(for i in 1 2 3 4; do pj $i 'j["worker"]'; done | sort -u | wc -l)
is "$workers" 1 "all four ran in the one worker (max_workers = 1)"
peaks=$(for i in 1 2 3 4; do pj $i 'j["peak"]'; done | sort -u | tr '\n' ' ')
is "$peaks" "4 " "the worker's handler held all four at once"
for i in 1 2 3 4; do pj $i 'j["id"]'; done | sort -u > "$T/ids"
is "$(wc -l < "$T/ids")" 4 "each got its own invocation (four request ids)"
sleep 0.3
n=0 tagged=0 starts=0
for id in $(cat "$T/ids"); do
	[ "$(grep -c "\[c\] REPORT RequestId: $id" "$T/daemon.log")" = 1 ] && n=$((n + 1))
	[ "$(grep -c "\[c\] START RequestId: $id" "$T/daemon.log")" = 1 ] && starts=$((starts + 1))
	grep -q "\[c\] $id .*conc gather n=4" "$T/daemon.log" && tagged=$((tagged + 1))
done
is "$n" 4 "one REPORT line per request id"
is "$starts" 4 "one START line per request id"
is "$(grep "\[c\] REPORT" "$T/daemon.log" | grep -c 'Init Duration')" 1 \
	"only the first of them reports the Init Duration"
is "$tagged" 4 "a line the runtime wrote with its request id (lambda_log) is tagged with it"
grep -q "\[c\] conc: a line with no request id" "$T/daemon.log"
ok $? "a line without a request id is logged untagged"
unlike "$(dlog | grep -c 'superseded\|more /next')" "^[1-9]" "no /next was refused or superseded"

# ---- one of them crashes the worker --------------------------------------
par "$(inv c hold 5000)" "$(inv c hold 5000)" "$(inv c hold 5000)" "$(inv c crash 4)"
codes=$(for i in 1 2 3 4; do pj $i 'r["status"]'; done | sort -u | tr '\n' ' ')
is "$codes" "200 " "all four in flight when one crashed the worker got a reply"
types=$(for i in 1 2 3 4; do pj $i 'j["errorType"]'; done | sort | uniq -c | tr -s ' ')
is "$types" " 4 Runtime.ExitError" "every one of them is Runtime.ExitError"
[ "$types" = " 4 Runtime.ExitError" ] || diag "$(cat "$T/par")"
is "$(for i in 1 2 3 4; do pj $i 'r["rid"]'; done | sort -u | wc -l)" 4 "four request ids"
sleep 0.3
is "$(grep -c '\[c\] .* Runtime exited with error: exit status 3' "$T/daemon.log")" 4 \
	"the crash is logged once under each request id"
rep=0
for i in 1 2 3 4; do
	rid=$(pj $i 'r["rid"]')
	[ "$(grep -c "\[c\] REPORT RequestId: $rid" "$T/daemon.log")" = 1 ] && rep=$((rep + 1))
done
is "$rep" 4 "one REPORT each for the crashed ones"
first=$(sed -n 1p "$T/ids")
par "GET /c/gather?n=1"
is "$(pj 1 'r["status"]')" 200 "a new worker serves after the crash"
pj 1 'j["worker"]' > "$T/w2"
is "$(pj 1 'j["peak"]')" 1 "the new worker is a new process (its count starts again)"
# each ended exactly once: as many REPORT lines as START lines
is "$(grep -c '\[c\] REPORT RequestId' "$T/daemon.log")" "$(grep -c '\[c\] START RequestId' "$T/daemon.log")" \
	"every invocation that started was reported once"

# ---- timeouts --------------------------------------------------------------
par "$(inv t hold 3000)" "$(inv t hold 100)"
is "$(pj 1 'j["errorType"]')" "Sandbox.Timedout" "the one past its timeout is Sandbox.Timedout"
w_short=$(pj 2 'j["worker"]')
like "$w_short" "." "the other, in the same worker, is answered"
# its late answer is taken and dropped; both slots are the worker's again
sleep 2.5
par "$(inv t gather 2)" "$(inv t gather 2)"
is "$(pj 1 'j["worker"]') $(pj 2 'j["worker"]')" "$w_short $w_short" \
	"the worker was not killed for one timeout: it serves two at once again"
is "$(pj 1 'j["peak"]')" 2 "holding both slots (the late answer gave its slot back)"
grep -q "\[t\] .*Task timed out after" "$T/daemon.log"
ok $? "Task timed out is logged under its request id"
par "$(inv t hold 3000)" "$(inv t hold 3000)"
is "$(pj 1 'j["errorType"]') $(pj 2 'j["errorType"]')" "Sandbox.Timedout Sandbox.Timedout" \
	"two stuck at once both time out"
wait_log "t: worker [0-9]*: every invocation it holds has timed out; killed" 3
ok $? "a worker left with nothing running and no /next pending is killed"
par "$(inv t gather 1)"
w_new=$(pj 1 'j["worker"]')
[ -n "$w_new" ] && [ "$w_new" != "$w_short" ]
ok $? "and replaced by a new worker"

# ---- max_concurrency = 1 is one at a time -----------------------------------
par "$(inv one hold 200)" "$(inv one hold 200)"
is "$(pj 1 'j["peak"]') $(pj 2 'j["peak"]')" "1 1" "max_concurrency = 1: one at a time, as before"

# ---- the aws-lambda-go exchange --------------------------------------------
par "GET /go/x?n=300" "GET /go/x?n=300" "GET /go/x?n=300" "GET /go/x?n=300"
codes=$(for i in 1 2 3 4; do pj $i 'r["status"]'; done | sort -u | tr '\n' ' ')
is "$codes" "200 " "four invocations of the Go-style runtime all answer 200"
is "$(pj 1 'j["threads"]')" 4 "it was given AWS_LAMBDA_MAX_CONCURRENCY=4"
is "$(for i in 1 2 3 4; do pj $i 'j["pid"]'; done | sort -u | wc -l)" 1 "one process served all four"
is "$(for i in 1 2 3 4; do pj $i 'j["peak"]'; done | sort -n | tail -n 1)" 4 \
	"with four /next in flight it held four at once"
# more rounds: posts on fresh connections, each loop's /next again
par "GET /go/x?n=20" "GET /go/x?n=20" "GET /go/x?n=20" "GET /go/x?n=20" \
	"GET /go/x?n=20" "GET /go/x?n=20" "GET /go/x?n=20" "GET /go/x?n=20"
codes=$(for i in 1 2 3 4 5 6 7 8; do pj $i 'r["status"]'; done | sort -u | tr '\n' ' ')
is "$codes" "200 " "eight more (two rounds per loop, some posted on new connections) answer 200"
is "$(for i in 1 2 3 4 5 6 7 8; do pj $i 'j["id"]'; done | sort -u | wc -l)" 8 \
	"each with its own invocation"

# ---- two /next pipelined on one connection ---------------------------------
par "GET /gp/x" "GET /gp/x"
is "$(pj 1 'r["status"]') $(pj 2 'r["status"]')" "200 200" \
	"two GET /next pipelined on one connection: both answered"
is "$(pj 1 'j["pipelined"]') $(pj 2 'j["pipelined"]')" "True True" "by the pipelining runtime"
a=$(pj 1 'j["id"]') b=$(pj 2 'j["id"]')
[ -n "$a" ] && [ "$a" != "$b" ] && [ "$(pj 1 'j["other"]')" = "$b" ] && [ "$(pj 2 'j["other"]')" = "$a" ]
ok $? "each of the two /next on the connection got its own invocation, in order"

done_testing
