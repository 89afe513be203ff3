#!/bin/bash
# tests/bench/relay.sh: lambdad's warm path against the relay floor (issue
# 14 part 4, /work/shared/anchors.md), in one run (`make bench` runs it
# after run.sh).
#
# The floor is build/bench/relay (tests/bench/relay.c): a libuv + llhttp
# gateway that sends each request's path as one length-prefixed frame over
# loopback TCP to one of two persistent workers (relay_worker), which answer
# "Hello, NAME!".  Compared on equal work:
#   relay           the floor, workers silent: a request goes to a worker
#                   at once, busy or not, so a worker's wake-up serves all
#                   the frames it finds (the floor of any hop)
#   relay_idle      relay --idle: a worker gets a request only when it has
#                   none, the others wait in the gateway (lambdad's model,
#                   one invocation at a time per worker: its floor)
#   silent          lambdad, tests/handlers/silent (the same work, no log)
#   relay_log       relay --log: each worker writes a line per request to a
#                   pipe the gateway copies to its stderr (3 syscalls)
#   silent_log      lambdad, the silent handler with SILENT_LOG (one line)
#   hello           lambdad, examples/hello (cJSON both ways, one line)
# lambdad runs as run.sh's warm config: min_idle = max_workers = 2,
# seccomp = default, busy_poll off (the default).  Both sides' stderr goes
# to a file.  All six run at once, each with its own port, state_dir and
# admin socket.  For each: c$BENCH_CONNS throughput and c1 p50 (wrk -t1,
# median of BENCH_RUNS runs after a 1 s warm-up; the designs take turns,
# run 1 of each, then run 2 of each, so that the load of a shared machine
# drifting falls on all alike); then, per invocation, the others idle,
# over one more c32 run of BENCH_DURATION:
#   CPU     utime + stime from /proc/PID/stat of the gateway (all its
#           threads), of the workers, and of lambdad's other processes
#           (spawner), divided by the requests wrk made;
#   wake-ups  voluntary / nonvoluntary context switches, summed over the
#           threads' /proc/PID/task/*/status, divided likewise;
# and over a RELAY_SYS_DURATION (2 s) run under strace -c -f -p, the
# gateway's syscalls per request by name (then the workers').  strace
# slows everything down several times: the counts hold, the epoll_wait
# counts drift (more requests ready per wake-up).  RELAY_PERF=1 also
# samples the gateway with perf record for RELAY_SYS_DURATION and keeps
# the top of its flat profile in build/bench/relay-perf-KEY.txt.
#
# Targets (issue 14): c32 lambdad >= 0.9x the relay floor, on equal work
# (silent / relay, silent_log / relay_log); c1 p50 <= nginx + FastCGI's,
# taken from build/bench/results.md (run.sh) when it is there.
#
# Environment: BENCH_DURATION (s, default 10), BENCH_RUNS (3),
# BENCH_LAT_DURATION (half of BENCH_DURATION), BENCH_CONNS (32),
# RELAY_SYS_DURATION (2), RELAY_NO_STRACE (set: skip strace),
# BENCH_ONLY=silent (relay and silent only) or BENCH_ONLY=log (relay_log,
# silent_log, hello), LAMBDAD, HELLO_BOOTSTRAP, BENCH_KEEP_TMP.  Writes
# build/bench/relay.md and prints it.  Every server binds 127.0.0.1 on a
# free port and is stopped by pid; lambdad's leftovers only if they still
# bear the name they had.  Numbers from a shared machine are unquiet:
# compare the ratios of one run.
#
# FINDINGS, 2026-12-07 (BENCH_DURATION=2, load average 8 to 9 on the 2
# cores: the req/s moved 2x from run to run; the counts per invocation
# held within about 20% over four runs).  Per invocation at c32:
#
#                       gateway  workers  gateway   workers   worker
#                       CPU µs   CPU µs   syscalls  syscalls  wake-ups
#   relay                 14      6-8      3.2      0.2-0.4   0.3-0.6
#   relay --idle          23-24   15       4.6      2.0       1.0
#   lambdad silent        32-37   15-18    6.3-6.6  2.0       1.0
#   relay --log           13-18   6-10     3.4      1.2-1.3   0.2-0.4
#   lambdad silent + log  38-53   17-26    7.0-7.6  3.0       1.0
#   lambdad hello         40-52   24-29    7.0-7.3  3.0       1.0
#
# What lambdad pays beyond the floor, the largest first:
# 1. One invocation at a time per worker.  The relay gives a busy worker
#    more frames, and the worker answers all it has read with one write: a
#    wake-up and 0.2-0.4 syscalls per request in the worker, 0.07
#    epoll_wait per request in the gateway.  lambdad's worker wakes once
#    and makes 2 syscalls (recvfrom, sendmsg) per invocation; its gateway
#    makes 0.6-0.8 epoll_wait.  Held to that model (--idle) the relay's
#    gateway already costs 1.7x.  Closing it takes several invocations per
#    worker handed over together: max_concurrency with a runtime that
#    reads every event that arrived in one recv and sends the responses in
#    one write, rather than a thread each.
# 2. The read of the log pipe before every reply (wk_log_drain, called by
#    rapi_reply, gateway/worker_log.c): EAGAIN for a silent handler (read
#    3.0 per invocation against relay --idle's 2.0); for a logging one it
#    takes the line and libuv's own read of the pipe then says EAGAIN (4.0
#    against 3.0).  The worker writes the pipe before the socket, so in the
#    epoll batch that holds the reply the pipe is ready too: handling
#    replies after the poll phase (uv_check) would make the read needless.
# 3. START, END and REPORT: write(2) 0.6-0.8 per invocation at c32, 2 at c1
#    (START as the event goes, END + REPORT with the reply); the relay
#    writes none.  START can wait for END or for the function's first line
#    (1 write at c1).  Formatting them is the gateway's largest user-space
#    cost (perf, silent, c32): the snprintf family about 8% of the
#    gateway's samples (wk_log_report with two %.2f, buf_printf,
#    conn_format_head), log_fn_ex 3%, logring_add 2%.
# 4. The 202 to POST /response is a write of its own at c1, and wakes the
#    worker twice per invocation (sendmsg, recvfrom of the 202, recvfrom of
#    the event: 3 syscalls, 2 wake-ups, against 2 and 1).  Sent with the
#    next event, or at the end of the loop iteration, it saves a write and
#    a wake-up per invocation (at c32 the two already go together).
# 5. Bytes and parsing: the event is about 410 bytes of headers and 715 of
#    JSON (event_build_v2 5%), the reply is parsed with cJSON
#    (event_map_reply 4%), the client's reply has 250 bytes of headers,
#    against a 16-byte frame and a 75-byte reply; llhttp runs on both
#    sides (5%), malloc and free about 4%.  lambdad's gateway spends about
#    a third of its samples in user space, the relay's under a tenth.
# 6. The gateway is preempted 0.7-1.4 times per invocation (nonvoluntary)
#    against the relay's 0.2-0.5.
# The rest is the kernel's, the same per message on both sides: each
# loopback message costs the sender the receiver's softirq and wake-up
# (sock_def_readable, finish_task_switch: about 30% of either gateway's
# samples), so fewer messages and fewer wake-ups is where the time is.

set -u
cd "$(dirname "$0")/../.." || exit 1
ROOT=$(pwd)
# shellcheck source=tests/bench/lib.sh
. tests/bench/lib.sh

DUR=${BENCH_DURATION:-10}
RUNS=${BENCH_RUNS:-3}
LAT_DUR=${BENCH_LAT_DURATION:-$(((DUR + 1) / 2))}
CONNS=${BENCH_CONNS:-32}
SYS_DUR=${RELAY_SYS_DURATION:-2}
ONLY=${BENCH_ONLY:-}
LAMBDAD=${LAMBDAD:-$ROOT/build/lambdad}
HELLO=${HELLO_BOOTSTRAP:-$ROOT/build/examples/hello/bootstrap}
SILENT=$ROOT/build/tests/handlers/silent
OUT=$ROOT/build/bench
RELAY=$OUT/relay
RESULTS=$OUT/relay.md

FAILED=0
PIDS=()
KEYS=()			# the designs that started and answered
declare -A GW WK OT URL TPS LATS
declare -A TP LAT ERRS NOTE GWCPU WKCPU OTCPU GWCTX WKCTX GWSYS WKSYS GWSYSN WKSYSN

TMP=$(mktemp -d /tmp/lambdad-relay.XXXXXX) || exit 1
chmod 755 "$TMP"

log() { printf '== [%3ds] %s\n' "$SECONDS" "$*" >&2; }
fail() { printf '!! %s\n' "$*" >&2; FAILED=1; }

# ---- processes -------------------------------------------------------------

# shellcheck disable=SC2317  # stop_pid and stop_tree: called by the EXIT trap
stop_pid() {
	local pid=$1 i
	alive "$pid" || { wait "$pid" 2>/dev/null; return 0; }
	kill -TERM "$pid" 2>/dev/null
	for ((i = 0; i < 50; i++)); do
		alive "$pid" || break
		sleep 0.1
	done
	alive "$pid" && kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

descendants() {
	local p
	for p in $(ps -o pid= --ppid "$1"); do
		echo "$p"
		descendants "$p"
	done
}

comm_of() { cat "/proc/$1/comm" 2>/dev/null; }

# Stop a server, then whatever it left behind that still bears its name.
# shellcheck disable=SC2317
stop_tree() {
	local pid=$1 p i left
	local -a kids=() names=()
	for p in $(descendants "$pid"); do
		kids+=("$p")
		names+=("$(comm_of "$p")")
	done
	stop_pid "$pid"
	for ((i = 0; i < 20; i++)); do
		left=0
		for p in "${kids[@]}"; do
			alive "$p" && left=1
		done
		[ "$left" = 0 ] && break
		sleep 0.1
	done
	for ((i = 0; i < ${#kids[@]}; i++)); do
		if alive "${kids[i]}" && [ "$(comm_of "${kids[i]}")" = "${names[i]}" ]; then
			log "pid ${kids[i]} (${names[i]}) left behind; killing it"
			kill -KILL "${kids[i]}" 2>/dev/null
		fi
	done
}

# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
	local p
	for p in "${PIDS[@]}"; do
		stop_tree "$p"
	done
	if [ -n "${BENCH_KEEP_TMP:-}" ]; then
		echo "relay.sh: logs and reports kept in $TMP" >&2
	else
		rm -rf "$TMP"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- measuring -------------------------------------------------------------

# wrk_parse FILE: "req/s p50_us errors requests" from one wrk report.
wrk_parse() {
	awk '
	/requests in/ { n = $1 }
	/^Requests\/sec:/ { rps = $2 }
	$1 == "50%" {
		v = $2; x = v + 0
		if (v ~ /us$/) p50 = x; else if (v ~ /ms$/) p50 = x * 1000
		else if (v ~ /[0-9]s$/) p50 = x * 1000000; else p50 = x
	}
	/Non-2xx/ { e += $NF }
	/Socket errors/ { gsub(/,/, ""); e += $4 + $6 + $8 + $10 }
	END { printf "%d %d %d %d\n", rps, p50, e, n }' "$1"
}

# one_run KEY CONNS SECONDS I: run I of KEY at CONNS; its req/s (c > 1)
# or p50 (c1) joins the list of KEY's runs.
one_run() {
	local key=$1 c=$2 d=$3 i=$4 f r p e n
	f=$TMP/wrk-$key-c$c-$i.txt
	timeout $((d + 20)) wrk -t1 -c"$c" -d"${d}s" --latency "${URL[$key]}" >"$f" 2>&1
	read -r r p e n <<<"$(wrk_parse "$f")"
	ERRS[$key]=$((${ERRS[$key]:-0} + e))
	if [ "$c" = 1 ]; then
		LATS[$key]="${LATS[$key]:-} $p"
	else
		TPS[$key]="${TPS[$key]:-} $r"
	fi
	log "  $key c$c run $i: $r req/s, p50 $p us, $e errors"
}

# Throughput and latency, the designs taking turns: run 1 of each, then
# run 2 of each, and so on, so that a change of the machine's load during
# the bench falls on all of them alike.
rounds() {
	local key i
	for key in "${KEYS[@]}"; do
		timeout 10 wrk -t1 -c"$CONNS" -d1s "${URL[$key]}" >/dev/null 2>&1
	done
	for ((i = 1; i <= RUNS; i++)); do
		for key in "${KEYS[@]}"; do
			one_run "$key" "$CONNS" "$DUR" "$i"
		done
	done
	for ((i = 1; i <= RUNS; i++)); do
		for key in "${KEYS[@]}"; do
			one_run "$key" 1 "$LAT_DUR" "$i"
		done
	done
	for key in "${KEYS[@]}"; do
		# shellcheck disable=SC2086  # the lists are words
		TP[$key]=$(printf '%s\n' ${TPS[$key]} | median)
		# shellcheck disable=SC2086
		LAT[$key]=$(printf '%s\n' ${LATS[$key]} | median)
	done
}

check_body() {
	local body code
	body=$(curl -s -m 5 -w '\n%{http_code}' "$1")
	code=${body##*$'\n'}
	body=${body%$'\n'*}
	if [ "$code" != 200 ] || [[ "$body" != *"$2"* ]]; then
		fail "$1 answered $code: ${body:0:200} (wanted 200 with \"$2\")"
		return 1
	fi
	return 0
}

# CPU ticks (utime + stime, every thread) of the pids given.
ticks() {
	local p s=0 t
	for p in "$@"; do
		t=$(sed 's/^.*) //' "/proc/$p/stat" 2>/dev/null | awk '{ print $12 + $13 }')
		s=$((s + ${t:-0}))
	done
	echo "$s"
}

# "voluntary nonvoluntary" context switches, summed over every thread.
ctxsw() {
	local p
	for p in "$@"; do
		cat /proc/"$p"/task/*/status 2>/dev/null
	done | awk '/^voluntary_ctxt_switches:/ { v += $2 }
		/^nonvoluntary_ctxt_switches:/ { n += $2 }
		END { printf "%d %d\n", v, n }'
}

per() { awk -v a="$1" -v n="$2" -v k="${3:-1}" -v f="${4:-%.1f}" \
	'BEGIN { if (n > 0) printf f, a * k / n; else print "n/a" }'; }

# cpu_run KEY URL GW "WORKERS" "OTHERS": one c$CONNS run of DUR, CPU and
# context switches per request.
# shellcheck disable=SC2086  # the pid lists are words
cpu_run() {
	local key=$1 url=$2 gw=$3 wk=$4 ot=$5 f hz g0 w0 o0 g1 w1 o1 gc0 wc0 gc1 wc1 n
	hz=$(getconf CLK_TCK)
	f=$TMP/wrk-$key-cpu.txt
	g0=$(ticks "$gw"); w0=$(ticks $wk); o0=$(ticks $ot)
	gc0=$(ctxsw "$gw"); wc0=$(ctxsw $wk)
	timeout $((DUR + 20)) wrk -t1 -c"$CONNS" -d"${DUR}s" "$url" >"$f" 2>&1
	g1=$(ticks "$gw"); w1=$(ticks $wk); o1=$(ticks $ot)
	gc1=$(ctxsw "$gw"); wc1=$(ctxsw $wk)
	n=$(wrk_parse "$f" | awk '{ print $4 }')
	GWCPU[$key]=$(per $((g1 - g0)) "$n" $((1000000 / hz)))
	WKCPU[$key]=$(per $((w1 - w0)) "$n" $((1000000 / hz)))
	OTCPU[$key]=$(per $((o1 - o0)) "$n" $((1000000 / hz)))
	# shellcheck disable=SC2086
	GWCTX[$key]="$(per $((${gc1% *} - ${gc0% *})) "$n" 1 %.2f) / $(per $((${gc1#* } - ${gc0#* })) "$n" 1 %.2f)"
	WKCTX[$key]="$(per $((${wc1% *} - ${wc0% *})) "$n" 1 %.2f) / $(per $((${wc1#* } - ${wc0#* })) "$n" 1 %.2f)"
	log "  $key: $n requests; gateway ${GWCPU[$key]} µs/inv, workers ${WKCPU[$key]} µs/inv, others ${OTCPU[$key]}; ctx gw ${GWCTX[$key]}, workers ${WKCTX[$key]}"
}

# strace_summary FILE REQUESTS: "total/inv" and "name n.nn, ..." (top 6).
strace_summary() {
	awk -v n="$2" '
	/^-/ || /^%/ || NF < 5 { next }
	$NF == "total" { total = $4; next }
	{ calls[$NF] = $4 }
	END {
		if (n <= 0) { print "n/a|n/a"; exit }
		printf "%.2f|", total / n
		k = 0
		while (k < 6) {
			best = ""; m = 0
			for (s in calls) if (calls[s] > m) { m = calls[s]; best = s }
			if (best == "" || m / n < 0.005) break
			printf "%s%s %.2f", (k ? ", " : ""), best, m / n
			delete calls[best]; k++
		}
		print ""
	}' "$1"
}

# strace_run KEY URL WHO PID...: syscalls per request of the PIDs (and
# their threads) over a RELAY_SYS_DURATION run.
strace_run() {
	local key=$1 url=$2 who=$3 f o sp n args=() p r
	shift 3
	for p in "$@"; do
		args+=(-p "$p")
	done
	o=$TMP/strace-$key-$who.txt
	f=$TMP/wrk-$key-strace-$who.txt
	strace -c -f -qq -o "$o" "${args[@]}" 2>"$TMP/strace-$key-$who.err" &
	sp=$!
	sleep 0.5
	timeout $((SYS_DUR + 20)) wrk -t1 -c"$CONNS" -d"${SYS_DUR}s" "$url" >"$f" 2>&1
	kill -INT "$sp" 2>/dev/null
	wait "$sp" 2>/dev/null
	n=$(wrk_parse "$f" | awk '{ print $4 }')
	r=$(strace_summary "$o" "$n")
	if [ "$who" = gw ]; then
		GWSYSN[$key]=${r%%|*}
		GWSYS[$key]=${r#*|}
	else
		WKSYSN[$key]=${r%%|*}
		WKSYS[$key]=${r#*|}
	fi
	log "  $key $who strace, $n requests: ${r%%|*}/inv: ${r#*|}"
}

perf_run() {
	local key=$1 url=$2 gw=$3 d
	d=$TMP/perf-$key.data
	perf record -q -F 1999 -p "$gw" -o "$d" -- sleep "$SYS_DUR" \
	    >/dev/null 2>&1 &
	local pp=$!
	timeout $((SYS_DUR + 20)) wrk -t1 -c"$CONNS" -d"${SYS_DUR}s" "$url" >/dev/null 2>&1
	wait "$pp" 2>/dev/null
	{
		perf report -i "$d" --stdio --sort dso --percent-limit 1 2>/dev/null
		perf report -i "$d" --stdio --sort dso,sym --percent-limit 0.7 2>/dev/null
	} | grep -v -e '^$' -e '^# *$' -e '^# To display' -e 'Tip:' >"$OUT/relay-perf-$key.txt"
	log "  $key: perf report in $OUT/relay-perf-$key.txt"
}

# per_invocation KEY: CPU, context switches, syscalls (and a profile)
# per invocation of one design, the others idle.
per_invocation() {
	local key=$1 url=${URL[$1]} gw=${GW[$1]}
	log "$key: per invocation"
	cpu_run "$key" "$url" "$gw" "${WK[$key]}" "${OT[$key]}"
	if [ -z "${RELAY_NO_STRACE:-}" ]; then
		strace_run "$key" "$url" gw "$gw"
		# shellcheck disable=SC2086  # the pid list is words
		strace_run "$key" "$url" wk ${WK[$key]}
	fi
	[ -n "${RELAY_PERF:-}" ] && perf_run "$key" "$url" "$gw"
	alive "$gw" || { fail "$key: the gateway died"; NOTE[$key]="died"; }
}

# ---- the two sides ---------------------------------------------------------

# ready KEY PID PORT WORKERS OTHERS: the design answers; it joins KEYS.
ready() {
	local key=$1
	URL[$key]="http://127.0.0.1:$3/hello/bench"
	if ! check_body "${URL[$key]}" "Hello, bench!"; then
		NOTE[$key]="wrong answer"
		return
	fi
	GW[$key]=$2
	WK[$key]=$4
	OT[$key]=$5
	KEYS+=("$key")
}

start_relay() {
	local key=$1 flag=${2:-} port pid
	log "$key: relay${flag:+ $flag}, 2 workers, frames over loopback TCP"
	port=$(free_port)
	# shellcheck disable=SC2086  # no flag, no word
	"$RELAY" 127.0.0.1 "$port" $flag 2>"$TMP/$key.log" &
	pid=$!
	PIDS+=("$pid")
	if ! wait_port "$pid" "$port" 10; then
		fail "relay did not start: $(tail -n 3 "$TMP/$key.log")"
		NOTE[$key]="failed to start"
		return
	fi
	ready "$key" "$pid" "$port" "$(descendants "$pid" | tr '\n' ' ')" ""
}

start_lambdad() {
	local key=$1 boot=$2 env=${3:-} port pid conf p wk ot i
	log "$key: lambdad, $(basename "$boot")${env:+ ($env)}, min_idle = max_workers = 2"
	port=$(free_port)
	conf=$TMP/$key.conf
	{
		printf '[lambdad]\nlisten = 127.0.0.1:%s\n' "$port"
		printf 'state_dir = %s/state-%s\nadmin_socket = %s/admin-%s.sock\n\n' \
		    "$TMP" "$key" "$TMP" "$key"
		printf '[function hello]\nbootstrap = %s\nroute = GET /hello/{name}\n' "$boot"
		printf 'min_idle = 2\nmax_workers = 2\nseccomp = default\n'
		[ -n "$env" ] && printf 'env = %s\n' "$env"
	} >"$conf"
	"$LAMBDAD" -c "$conf" 2>"$TMP/$key.log" &
	pid=$!
	PIDS+=("$pid")
	if ! wait_port "$pid" "$port" 30; then
		fail "lambdad ($key) did not start: $(tail -n 5 "$TMP/$key.log")"
		NOTE[$key]="failed to start"
		return
	fi
	for ((i = 0; i < 40; i++)); do
		wk=
		ot=
		for p in $(descendants "$pid"); do
			if [ "$(comm_of "$p")" = "$(basename "$boot")" ]; then
				wk="$wk$p "
			else
				ot="$ot$p "
			fi
		done
		[ "$(wc -w <<<"$wk")" -ge 2 ] && break
		sleep 0.05
	done
	ready "$key" "$pid" "$port" "$wk" "$ot"
}

# ---- the table -------------------------------------------------------------

ratio() { awk -v a="${1:-0}" -v b="${2:-0}" 'BEGIN { if (a > 0 && b > 0) printf "%.2f", a / b; else print "n/a" }'; }
x() { [ "$1" = n/a ] && echo n/a || echo "${1}x"; }
verdict() {
	[ "$1" = n/a ] || [ -z "$1" ] && { echo "not measured"; return; }
	awk -v a="$1" -v op="$2" -v b="$3" 'BEGIN {
		ok = (op == ">=") ? a >= b : a <= b
		print ok ? "met" : "**not met**" }'
}

row() {
	local key=$1 label=$2 base=$3
	printf '| %s | %s | %s | %s | %s |\n' "$label" "${TP[$key]:-n/a}" \
	    "$(ratio "${TP[$key]:-}" "${TP[$base]:-}")" "${LAT[$key]:-n/a}" \
	    "${NOTE[$key]:-${ERRS[$key]:-0} errors}"
}

inv_row() {
	local key=$1 label=$2
	printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$label" \
	    "${GWCPU[$key]:-n/a}" "${WKCPU[$key]:-n/a}" "${OTCPU[$key]:-n/a}" \
	    "${GWSYSN[$key]:-n/a}" "${GWSYS[$key]:-n/a}" "${GWCTX[$key]:-n/a}" \
	    "${WKSYSN[$key]:-n/a} (${WKSYS[$key]:-})" "${WKCTX[$key]:-n/a}"
}

report() {
	local fcgi tsil tidl tlog thel
	fcgi=$(awk -F'|' '/^\| nginx \+ spawn-fcgi/ { gsub(/ /, "", $5); print $5; exit }' \
	    "$OUT/results.md" 2>/dev/null)
	tsil=$(ratio "${TP[silent]:-}" "${TP[relay]:-}")
	tidl=$(ratio "${TP[silent]:-}" "${TP[relay_idle]:-}")
	tlog=$(ratio "${TP[silent_log]:-}" "${TP[relay_log]:-}")
	thel=$(ratio "${TP[hello]:-}" "${TP[relay_log]:-}")
	cat <<EOF
## The warm path against the relay floor (issue 14 part 4)

$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) (a shared machine: unquiet figures, compare the ratios of this run); wrk -t1, median of $RUNS runs of ${DUR} s (c$CONNS) and ${LAT_DUR} s (c1), the designs taking turns.

| design | c$CONNS req/s | × its relay | c1 p50 µs | |
| --- | --- | --- | --- | --- |
$(row relay "relay, workers silent" relay)
$(row relay_idle "relay --idle (a worker gets a request only when idle)" relay)
$(row silent "lambdad, silent handler (the relay worker's work)" relay)
$(row relay_log "relay --log (a line per request through a pipe)" relay_log)
$(row silent_log "lambdad, silent handler + one log line" relay_log)
$(row hello "lambdad, examples/hello (cJSON, one log line)" relay_log)

Per invocation (c$CONNS, one ${DUR} s run for CPU and context switches; syscalls under strace -c over ${SYS_DUR} s): µs of CPU (utime + stime / requests), syscalls per request (the most frequent), context switches per request, voluntary / nonvoluntary (a voluntary one is a sleep, so a wake-up).

| design | gateway µs | workers µs | others µs | gateway syscalls | gateway's most frequent | gateway ctx sw vol / invol | workers syscalls | workers ctx sw vol / invol |
| --- | --- | --- | --- | --- | --- | --- | --- | --- |
$(inv_row relay "relay")
$(inv_row relay_idle "relay --idle")
$(inv_row silent "lambdad silent")
$(inv_row relay_log "relay --log")
$(inv_row silent_log "lambdad silent + log")
$(inv_row hello "lambdad hello")

| target | measured | goal | |
| --- | --- | --- | --- |
| c$CONNS throughput, lambdad silent / relay | $(x "$tsil") | >= 0.9x | $(verdict "$tsil" ">=" 0.9) |
| c$CONNS throughput, lambdad silent / relay --idle | $(x "$tidl") | (>= 0.9x) | $(verdict "$tidl" ">=" 0.9) |
| c$CONNS throughput, lambdad silent + log / relay --log | $(x "$tlog") | >= 0.9x | $(verdict "$tlog" ">=" 0.9) |
| c$CONNS throughput, lambdad hello / relay --log | $(x "$thel") | (>= 0.9x) | $(verdict "$thel" ">=" 0.9) |
| c1 p50, lambdad silent, µs | ${LAT[silent]:-n/a} | <= nginx+FastCGI's: ${fcgi:-not measured here (run tests/bench/run.sh first)} | $(verdict "${fcgi:+${LAT[silent]:-n/a}}" "<=" "${fcgi:-0}") |
| c1 p50, lambdad hello, µs | ${LAT[hello]:-n/a} | <= nginx+FastCGI's: ${fcgi:-not measured here} | $(verdict "${fcgi:+${LAT[hello]:-n/a}}" "<=" "${fcgi:-0}") |

What stands in the way, per invocation (the FINDINGS of tests/bench/relay.sh): one invocation at a time per worker where the relay batches (workers' syscalls and wake-ups above); the log pipe read before each reply (wk_log_drain); the START/END/REPORT writes and their formatting; the 202 written apart from the next event at c1; about 1 KiB of event and headers per hop.
EOF
}

# ---- main ------------------------------------------------------------------

for t in wrk curl python3 strace; do
	command -v "$t" >/dev/null || { echo "relay.sh: $t is missing (make deps-bench)" >&2; exit 1; }
done
[ -n "${RELAY_PERF:-}" ] && ! command -v perf >/dev/null && { echo "relay.sh: RELAY_PERF needs perf" >&2; exit 1; }
if [ ! -x "$LAMBDAD" ] || [ ! -x "$HELLO" ] || [ ! -x "$SILENT" ]; then
	echo "relay.sh: build first (make all)" >&2
	exit 1
fi
case $ONLY in
"" | silent | log) ;;
*) echo "relay.sh: BENCH_ONLY=$ONLY: only silent or log" >&2; exit 1 ;;
esac
make -s -f tests/bench/Makefile build/bench/relay build/bench/relay_worker || exit 1

if [ "$ONLY" != log ]; then
	start_relay relay
	start_relay relay_idle --idle
	start_lambdad silent "$SILENT"
fi
if [ "$ONLY" != silent ]; then
	start_relay relay_log --log
	start_lambdad silent_log "$SILENT" SILENT_LOG=1
	start_lambdad hello "$HELLO"
fi
if [ "${#KEYS[@]}" -gt 0 ]; then
	sleep 1		# lambdad's workers settle
	rounds
	for key in "${KEYS[@]}"; do
		per_invocation "$key"
	done
fi

report >"$RESULTS"
cat "$RESULTS"
exit "$FAILED"
