#!/bin/bash
# Slow and greedy clients (issue 13 item 3).  1,000 slowloris connections
# trickle headers, trickle bodies (a byte every half second: never a long
# gap, far below the 500 bytes/s floor) or stall after their headers: each
# gets its 408 (header_timeout = body_timeout = 2 here), while new clients
# are served.  Clients that pipeline requests for big replies and never
# read them: the daemon stops reading them (backpressure), so its memory
# stays bounded and others are served.  Times and sizes are printed; the
# bound checked is generous (a tenth of what the clients asked for).
. "$(dirname "$0")/lib.sh"
plan 17

SLOW="python3 $ROOT/tests/integration/slowclients.py"
NOREAD="python3 $ROOT/tests/integration/noread.py"
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
waitfile() { i=0; while [ ! -s "$1" ] && [ $i -lt 400 ]; do sleep 0.05; i=$((i + 1)); done; }
clients() {
	for i in $(seq 1 "$1"); do
		curl -s -o /dev/null -w '%{http_code}\n' --max-time 10 "$URL/m/pid"
	done | sort | uniq -c | tr -s ' ' | tr '\n' ' '
}

fn misc "$TH/misc" 'route = ANY /m/{action}' 'max_workers = 2' 'min_idle = 1'
fn flood "$TH/misc" 'route = ANY /f/{action}' 'log_rate = 2000' 'timeout = 60'
EXTRA_CONF='header_timeout = 2
body_timeout = 2'
start_daemon

# ---- 1,000 slowloris connections ----
$SLOW "$PORT" 1000 "$T/slow.ready" --every 0.5 --max-time 40 > "$T/slow.out" 2>&1 &
SPID=$!
PIDS="$PIDS $SPID"
waitfile "$T/slow.ready"
is "$(cat "$T/slow.ready")" "opened 1000" "1,000 slow connections open and trickling"
is "$(clients 20)" " 20 200 " "new clients are served meanwhile"
wait "$SPID"
out=$(cat "$T/slow.out")
printf '%s\n' "$out" | sed 's/^/# /'
for k in head body stall; do
	like "$out" "^$k: 334 conns, 334 got 408, 0 closed without 408, 0 open|$k: 333 conns, 333 got 408, 0 closed without 408, 0 open" \
		"every $k connection got its 408"
done
is "$(printf '%s\n' "$out" | tail -n 1)" "total 408: 1000 of 1000" "all 1,000 got 408"
is "$(clients 5)" " 5 200 " "and the daemon serves on"

# ---- clients that never read their replies ----
rss0=$(rss_kb "$DPID")
$NOREAD "$PORT" 20 400 '/m/big?n=100000' "$T/nr.ready" "$T/nr.stop" --max-hold 60 > "$T/nr.out" 2>&1 &
NPID=$!
PIDS="$PIDS $NPID"
waitfile "$T/nr.ready"
diag "$(cat "$T/nr.ready") (each asks for a 100 kB reply: up to 800 MB unread)"
sleep 2
rss1=$(rss_kb "$DPID")
diag "gateway RSS: $rss0 kB before, $rss1 kB while 20 clients do not read"
if [ -n "${ASAN_OPTIONS:-}" ]; then
	skip "RSS under ASan counts its quarantine of freed memory"
else
	[ $((rss1 - rss0)) -lt 81920 ]; ok $? "the gateway holds far less than the replies asked for (+$((rss1 - rss0)) kB)"
fi
is "$(clients 10)" " 10 200 " "new clients are served while they hold"
touch "$T/nr.stop"; wait "$NPID"
sleep 0.5
is "$(clients 5)" " 5 200 " "and after they give up"
rss2=$(rss_kb "$DPID")
diag "gateway RSS after they closed: $rss2 kB"
n=$(curl -s --unix-socket "$T/admin.sock" http://lambdad/metrics | sed -n 's/^lambdad_open_connections //p')
[ "${n:-99}" -le 2 ]; ok $? "their connections are gone (open now: $n)"

# ---- a worker that logs as fast as it can ----
curl -s -o "$T/flood.out" --max-time 60 "$URL/f/log?n=300000" &
FPID=$!
PIDS="$PIDS $FPID"
sleep 0.2
t0=$(date +%s%N)
codes=$(clients 20)
t1=$(date +%s%N)
is "$codes" " 20 200 " "new clients are served while a worker floods its log"
diag "20 requests one after the other took $(( (t1 - t0) / 1000000 )) ms meanwhile"
wait "$FPID"
is "$(cat "$T/flood.out")" '{"logged":true}' "the flooding invocation is answered"
lines=$(grep -c '\[flood\] [0-9a-f-]* std\(out\|err\) line' "$T/daemon.log")
diag "of its 600,000 lines, $lines were logged"
[ "$lines" -lt 600000 ]; ok $? "lines over log_rate are dropped"
like "$(dlog)" "\\[flood\\] lambdad: [0-9]+ log lines of worker [0-9]+ dropped: over log_rate \\(2000 lines/s\\)" "the drop is reported in the function's log"
dropped=$(curl -s --unix-socket "$T/admin.sock" http://lambdad/metrics | sed -n 's/^lambdad_log_lines_dropped_total{function="flood"} //p')
is "$dropped" "$((600000 - lines))" "and counted: lambdad_log_lines_dropped_total"

stop_daemon
is "$DEXIT" 0 "the daemon stops cleanly"
done_testing
