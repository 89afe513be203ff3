#!/bin/bash
# Metrics: the metrics_listen port serves Prometheus text that the official
# Python client parses, and its numbers match a known set of invocations
# (ok, function error, malformed reply, crash, timeout, throttle, cold and
# warm starts) made through all three doors: a route, the Invoke API, Event.
. "$(dirname "$0")/lib.sh"
plan 44

fn m "$TH/misc" 'route = GET /m/{action}' 'timeout = 1' 'max_workers = 1'
fn t "$TH/misc" 'route = GET /t/{action}' 'max_workers = 1' 'queue_depth = 0' 'timeout = 5'
fn w "$TH/misc" 'route = GET /w/{action}' 'min_idle = 1' 'max_workers = 1'
EXTRA_CONF='invoke_api = on
metrics_listen = 127.0.0.1:0'
start_daemon

MPORT=$(sed -n 's/.*metrics on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$T/daemon.log" | head -n 1)
if [ -z "$MPORT" ]; then
	echo "Bail out! no 'metrics on' line"; sed 's/^/# /' "$T/daemon.log"; exit 1
fi
MURL="http://127.0.0.1:$MPORT"
PY=/usr/bin/python3	# Debian's, with python3-prometheus-client

# scrape: fetch /metrics, parse it with prometheus_client, and write one
# "name{k=v,...} value" line per sample (labels sorted) to $T/m.norm.
# Returns non-zero if the parser rejects the text.
scrape() {
	curl -sS -o "$T/m.txt" -D "$T/m.hdrs" --max-time 5 "$MURL/metrics" || return 1
	"$PY" - "$T/m.txt" > "$T/m.norm" 2>"$T/m.err" <<'PY'
import sys
from prometheus_client.parser import text_string_to_metric_families
text = open(sys.argv[1]).read()
for fam in text_string_to_metric_families(text):
    for s in fam.samples:
        labels = ",".join("%s=%s" % kv for kv in sorted(s.labels.items()))
        v = s.value
        v = int(v) if v == int(v) else v
        print("%s{%s} %s" % (s.name, labels, v))
PY
}
# mv SERIES: a value from the last scrape ("" if absent).
mv() { awk -v k="$1" '$1 == k { print $2 }' "$T/m.norm"; }
# wait_metric SERIES VALUE: scrape until SERIES has VALUE (5 s at most).
wait_metric() {
	i=0
	while [ $i -lt 100 ]; do
		scrape && [ "$(mv "$1")" = "$2" ] && return 0
		sleep 0.05; i=$((i + 1))
	done
	return 1
}

# ---- the port itself ----
scrape; ok $? "the scrape parses with prometheus_client"
is "$(sed -n 's/^content-type: //Ip' "$T/m.hdrs" | tr -d '\r')" \
	"text/plain; version=0.0.4; charset=utf-8" "Content-Type is text format 0.0.4"
is "$(head -n 1 "$T/m.hdrs" | awk '{print $2}')" 200 "GET /metrics: 200"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$MURL/metrics")
is "$code" 405 "POST /metrics: 405"
code=$(curl -s -o /dev/null -w '%{http_code}' "$MURL/nope")
is "$code" 404 "another path: 404"
is "$(mv 'lambdad_up{}')" 1 "lambdad_up is 1"
[ "$(mv 'lambdad_resident_memory_bytes{}')" -gt 0 ] 2>/dev/null
ok $? "resident memory is reported"
[ -n "$(mv 'lambdad_open_connections{}')" ]; ok $? "open connections are reported"
is "$(mv 'lambdad_invocations_total{door=http,function=m}')" 0 "counters start at 0"

# ---- known outcomes on m (max_workers = 1, timeout = 1) ----
req GET /m/pid; is "$STATUS" 200 "ok (cold start 1)"
req GET /m/error; is "$STATUS" 500 "function error"
req GET '/m/raw?n=notjson'; is "$STATUS" 502 "malformed reply"
req GET '/m/exit?n=1'; is "$STATUS" 500 "crash"
req GET /m/pid; is "$STATUS" 200 "ok after the crash (cold start 2)"
req GET '/m/sleep?n=3000'; is "$STATUS" 504 "timeout"
req POST /2015-03-31/functions/m/invocations -d '{"action":"pid"}'
is "$STATUS" 200 "Invoke API (cold start 3)"
req POST /2015-03-31/functions/m/invocations -d '{"action":"pid"}' \
	-H 'X-Amz-Invocation-Type: Event'
is "$STATUS" 202 "Event accepted"
wait_metric 'lambdad_invocations_total{door=event,function=m}' 1
ok $? "the Event invocation is counted once it ran"

is "$(mv 'lambdad_invocations_total{door=http,function=m}')" 6 "m: 6 by route"
is "$(mv 'lambdad_invocations_total{door=invoke,function=m}')" 1 "m: 1 by Invoke API"
is "$(mv 'lambdad_errors_total{function=m,type=Unhandled}')" 1 "m: 1 function error"
is "$(mv 'lambdad_errors_total{function=m,type=MalformedReply}')" 1 "m: 1 malformed reply"
is "$(mv 'lambdad_errors_total{function=m,type=Runtime.ExitError}')" 1 "m: 1 crash"
is "$(mv 'lambdad_errors_total{function=m,type=Sandbox.Timedout}')" 1 "m: 1 timeout error"
is "$(grep -c '^lambdad_errors_total{function=m,' "$T/m.norm")" 4 "m: no other error types"
is "$(mv 'lambdad_timeouts_total{function=m}')" 1 "m: 1 timeout"
is "$(mv 'lambdad_cold_starts_total{function=m}')" 3 "m: 3 cold starts"
is "$(mv 'lambdad_init_duration_seconds_count{function=m}')" 3 "m: 3 inits"
is "$(mv 'lambdad_throttles_total{function=m}')" 0 "m: no throttles"
is "$(mv 'lambdad_duration_seconds_count{function=m}')" 8 "m: 8 durations"
is "$(mv 'lambdad_duration_seconds_bucket{function=m,le=+Inf}')" 8 "m: +Inf bucket holds all"
# The timed-out invocation alone had the handler for its 1 s timeout.
"$PY" -c 'import sys; sys.exit(0 if float(sys.argv[1]) >= 0.9 else 1)' \
	"$(mv 'lambdad_duration_seconds_sum{function=m}')"
ok $? "m: the duration sum includes the 1 s timeout"
wait_metric 'lambdad_workers{function=m,state=idle}' 1
ok $? "m: one idle worker left"
is "$(mv 'lambdad_queue_depth{function=m}')" 0 "m: nothing queued"

# ---- a throttle on t (one worker, no queue) ----
curl -s -o "$T/bg.body" -w '%{http_code}' --max-time 20 "$URL/t/sleep?n=1500" > "$T/bg.code" &
PIDS="$PIDS $!"
wait_metric 'lambdad_workers{function=t,state=busy}' 1
ok $? "t: the busy worker shows in the gauge"
req GET /t/pid; is "$STATUS" 429 "t: a second request is throttled"
for p in $PIDS; do wait "$p"; done; PIDS=
is "$(cat "$T/bg.code")" 200 "t: the first one is answered"
wait_metric 'lambdad_invocations_total{door=http,function=t}' 1
is "$(mv 'lambdad_throttles_total{function=t}')" 1 "t: 1 throttle"
is "$(mv 'lambdad_invocations_total{door=http,function=t}')" 1 "t: the throttled one is not an invocation"

# ---- min_idle: a warm worker, so no cold start ----
wait_metric 'lambdad_workers{function=w,state=idle}' 1
ok $? "w: min_idle worker ready"
req GET /w/pid; is "$STATUS" 200 "w: ok"
scrape
is "$(mv 'lambdad_cold_starts_total{function=w}')" 0 "w: warm, no cold start"
is "$(mv 'lambdad_init_duration_seconds_count{function=w}')" 1 "w: one init"

# ---- every function: its histogram counts what it ran, buckets add up ----
out=$("$PY" - "$T/m.norm" <<'PY'
import re, sys, collections
inv = collections.Counter(); cnt = {}; inf = {}; buckets = collections.defaultdict(list)
for line in open(sys.argv[1]):
    series, v = line.split()
    name, labels = re.match(r'([^{]*)\{(.*)\}', series).groups()
    l = dict(kv.split("=", 1) for kv in labels.split(",") if kv)
    if name == "lambdad_invocations_total": inv[l["function"]] += int(v)
    if name == "lambdad_duration_seconds_count": cnt[l["function"]] = int(v)
    if name == "lambdad_duration_seconds_bucket":
        le = float(l["le"].replace("+Inf", "inf"))
        buckets[l["function"]].append((le, int(v)))
bad = []
for f in cnt:
    if cnt[f] != inv[f]: bad.append("%s: count %d != invocations %d" % (f, cnt[f], inv[f]))
    b = sorted(buckets[f])
    if any(b[i][1] > b[i + 1][1] for i in range(len(b) - 1)): bad.append(f + ": buckets decrease")
    if b[-1][1] != cnt[f]: bad.append(f + ": +Inf != count")
print("; ".join(bad) if bad else "ok %d" % len(cnt))
PY
)
is "$out" "ok 3" "for m, t and w: duration count = invocations, buckets cumulative"

done_testing
