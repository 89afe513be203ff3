#!/bin/bash
# 14-cgroup: cgroup v2 limits per worker, through the real daemon.
#
# lambdad uses cgroups only inside a subtree delegated to it (systemd's
# Delegate=yes).  The start-up report is checked everywhere; the limits
# themselves only where the daemon found such a subtree, which a test run
# gets with, for example,
#   systemd-run --scope -p Delegate=yes make test
# Elsewhere (a cgroup v1 or hybrid machine, or no delegation) those rows
# are skipped with the daemon's own reason.
. "$(dirname "$0")/lib.sh"

plan 9

fn cg "$TH/misc" 'route = GET /cg/{action}' 'memory = 64' 'pids = 16' \
	'cpu = 50' 'max_workers = 1'
start_daemon

# The start-up report: exactly one line, saying on and where, or off and why.
lines=$(grep -c 'cgroup v2: ' "$T/daemon.log")
is "$lines" 1 "start-up: one cgroup v2 line"
line=$(grep 'cgroup v2: ' "$T/daemon.log" | head -n 1)
like "$line" 'cgroup v2: (/[^ ]*: a leaf per worker with memory.max, pids.max and cpu.max|off, workers get rlimits only: .*(lacks the controllers: |no cgroup v2 line|no cgroup2 file system|not delegated|root cgroup|cannot prepare).*)$' \
	"start-up: the line says where, or what is missing"
req GET /cg/pid
is "$STATUS" 200 "the function serves either way"

case "$line" in
*"a leaf per worker"*) ;;
*)
	why=${line#*rlimits only: }
	for t in "the worker runs in its own leaf under fn-cg" \
		"memory.max is memory" "pids.max is pids" \
		"cpu.max is cpu % of one CPU" "REPORT's Max Memory Used is the leaf's peak" \
		"the leaf goes with the worker"; do
		skip "$t: no delegated cgroup v2 subtree: $why"
	done
	done_testing ;;
esac

D=${line#*cgroup v2: }; D=${D%%: a leaf per worker*}
pid=$(jget "$BODY" 'j["pid"]')
cg=$(sed -n 's/^0:://p' "/proc/$pid/cgroup")
like "$cg" '/fn-cg/w-[0-9]+$' "the worker runs in its own leaf under fn-cg"
leaf="$D/fn-cg/${cg##*/}"
is "$(cat "$leaf/memory.max")" $((64 * 1024 * 1024)) "memory.max is memory"
is "$(cat "$leaf/pids.max")" 16 "pids.max is pids"
is "$(cat "$leaf/cpu.max")" "50000 100000" "cpu.max is cpu % of one CPU"
# The peak only grows: what REPORT said is at most what the file says now.
rep=$(grep '\[cg\] REPORT' "$T/daemon.log" | tail -n 1 |
	sed -n 's/.*Max Memory Used: \([0-9]*\) MB.*/\1/p')
peak=$(( ($(cat "$leaf/memory.peak" 2>/dev/null || echo 0) + 1048575) / 1048576 ))
[ -n "$rep" ] && [ "$rep" -gt 0 ] && [ "$rep" -le "$peak" ]
ok $? "REPORT's Max Memory Used is the leaf's peak ($rep <= $peak MB)"
req GET '/cg/exit?n=1'
i=0; while [ -d "$leaf" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
[ ! -d "$leaf" ]; ok $? "the leaf goes with the worker"

done_testing
