#!/bin/bash
# Every accepted request gets exactly one reply, while workers crash, time
# out, fail and succeed under concurrent load; the daemon survives it.
. "$(dirname "$0")/lib.sh"
plan 8

fn mix "$TH/misc" 'route = GET /x/{action}' 'max_workers = 3' 'queue_depth = 400' 'queue_timeout = 30' 'timeout = 1'
start_daemon

# 300 requests, 20 at a time: a mix of successes, crashes, errors, timeouts.
: > "$T/urls"
for i in $(seq 1 300); do
	case $((i % 10)) in
	0) echo "$URL/x/exit?n=1" ;;
	1) echo "$URL/x/segv" ;;
	2) echo "$URL/x/error" ;;
	3) [ $((i % 50)) = 3 ] && echo "$URL/x/sleep?n=1500" || echo "$URL/x/pid" ;;
	*) echo "$URL/x/pid?i=$i" ;;
	esac >> "$T/urls"
done
xargs -P 20 -n 1 curl -s -o /dev/null -w '%{http_code}\n' --max-time 60 < "$T/urls" > "$T/codes"
is "$(wc -l < "$T/codes" | tr -d ' ')" 300 "300 requests, 300 replies"
is "$(grep -c -v -E '^(200|500|504)$' "$T/codes")" 0 "every reply is 200, 500 or 504 (no 000, no 502)"
is "$(grep -c '^200$' "$T/codes")" 204 "every request meant to succeed succeeded"
is "$(grep -c '^500$' "$T/codes")" 90 "every crash and error answered 500"
is "$(grep -c '^504$' "$T/codes")" 6 "every sleeper timed out"
kill -0 "$DPID"; ok $? "the daemon is still running"
req GET /x/pid
is "$STATUS" 200 "and still serving"

# Idle again, it does not keep polling (its busy-poll stops on its own).
cpu() { awk '{print $14 + $15}' "/proc/$DPID/stat"; }
sleep 0.5; a=$(cpu); sleep 1; b=$(cpu)
[ $((b - a)) -le 10 ]; ok $? "idle, the daemon uses no CPU ($((b - a)) ticks in 1 s)"
done_testing
