#!/bin/bash
# The connection cap: idle keep-alive connections held open by a client
# cannot lock new clients out.  At max_connections the oldest idle one is
# closed to make room (counted in lambdad_http_idle_evictions_total); the
# cap is sized from RLIMIT_NOFILE by default, and 10,000 idle connections
# held open leave the daemon serving new clients (its RSS is printed, not
# asserted).  Also: a quiet daemon (busy_poll off, the default) uses no CPU.
. "$(dirname "$0")/lib.sh"
plan 14

HOLD="python3 $ROOT/tests/integration/holdconns.py"
metric() {
	curl -s --unix-socket "$T/admin.sock" http://lambdad/metrics |
		sed -n "s/^$1 //p"
}
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
# hold N: start holdconns with N connections, wait until they are open;
# HELD says how it went.  (Not in $(...): HPID must be this shell's child.)
hold() {
	rm -f "$T/ready" "$T/stop"
	$HOLD "$PORT" "$1" /none "$T/ready" "$T/stop" --max-hold 120 > "$T/hold.out" 2>&1 &
	HPID=$!
	PIDS="$PIDS $HPID"
	i=0
	while [ ! -f "$T/ready" ] && [ $i -lt 1200 ] && kill -0 "$HPID" 2>/dev/null; do
		sleep 0.05; i=$((i + 1))
	done
	HELD=$(cat "$T/ready" 2>/dev/null)
}
# Not in $(...): only this shell can wait for its child.
unhold() { touch "$T/stop"; wait "$HPID"; }
# clients N: N new curl clients one after the other; prints their codes.
clients() {
	for i in $(seq 1 "$1"); do
		curl -s -o /dev/null -w '%{http_code}\n' --max-time 10 "$URL/hello/c$i"
	done | sort | uniq -c | tr -s ' ' | tr '\n' ' '
}

fn hello "$EX/hello/bootstrap" 'route = GET /hello/{name}'

# ---- a small cap, full of idle keep-alive connections ----
EXTRA_CONF='max_connections = 20'
start_daemon
like "$(dlog)" 'max_connections 20' "the configured cap is used"
is "$(metric lambdad_http_max_connections)" 20 "and shown as a gauge"
hold 20
is "$HELD" "opened 20, answered 20" "20 idle keep-alive connections held open (the cap)"
codes=$(clients 10)
is "$codes" " 10 200 " "10 new clients are served, one after the other"
ev=$(metric lambdad_http_idle_evictions_total)
[ "${ev:-0}" -ge 1 ]; ok $? "idle connections were closed to make room ($ev)"
is "$(metric lambdad_http_conn_refused_total)" 0 "nobody was refused"
unhold; out=$(cat "$T/hold.out")
n=$(printf '%s' "$out" | sed -n 's/^closed \([0-9]*\) of 20/\1/p')
[ "${n:-0}" -ge 1 ] && [ "${n:-0}" -le "${ev:-0}" ]
ok $? "the held connections closed are the ones evicted ($out, $ev evictions)"
stop_daemon

# ---- the default cap from RLIMIT_NOFILE, and 10,000 idle connections ----
EXTRA_CONF=
start_daemon
cap=$(metric lambdad_http_max_connections)
hard=$(ulimit -Hn)
diag "RLIMIT_NOFILE hard limit $hard, default cap $cap"
if [ "$hard" = unlimited ] || [ "$hard" -ge 11000 ]; then
	[ "${cap:-0}" -gt 10000 ]; ok $? "the default cap is sized from RLIMIT_NOFILE ($cap)"
	# A quiet daemon does not spin: busy_poll is off by default.
	t0=$(ticks "$DPID"); sleep 2; t1=$(ticks "$DPID")
	[ $((t1 - t0)) -le 5 ]; ok $? "idle for 2 s, the daemon used $((t1 - t0)) CPU ticks"
	rss0=$(rss_kb "$DPID")
	start=$(date +%s.%N)
	hold 10000
	is "$HELD" "opened 10000, answered 10000" "10,000 idle keep-alive connections held open"
	codes=$(clients 20)
	is "$codes" " 20 200 " "new clients are still served"
	is "$(metric lambdad_http_conn_refused_total)" 0 "none refused"
	is "$(metric lambdad_http_idle_evictions_total)" 0 "none evicted (under the cap)"
	rss1=$(rss_kb "$DPID")
	idle=$(metric lambdad_http_idle_connections)
	diag "RSS ${rss0} kB before, ${rss1} kB with 10,000 idle connections ($idle idle), $(( (rss1 - rss0) * 1024 / 10000 )) bytes each; $(echo "$(date +%s.%N) - $start" | bc 2>/dev/null || echo ?) s"
	unhold; out=$(cat "$T/hold.out")
	is "$out" "closed 0 of 10000" "the daemon kept every one of them open"
else
	for i in 1 2 3 4 5 6 7; do skip "RLIMIT_NOFILE hard limit $hard is under 11000"; done
fi
stop_daemon
done_testing
