#!/bin/bash
# tests/bench/concurrency.sh: max_concurrency (issue 14 item 3).  Two
# handlers, each with 2 workers (min_idle = max_workers = 2) at
# max_concurrency 1 and 16, under wrk -t1 -c CONC_CONNS (32: enough to
# fill 2 x 16):
#   hello    examples/hello (CPU-bound: a few µs of work, one log line)
#   sleep5   tests/handlers/conc hold?n=5 (I/O-bound: sleeps 5 ms, silent)
# One 1 s warm-up, then one CONC_DURATION run (default 5 s) each: short
# runs, the point is the ratio between 1 and 16 in the same run.  Prints a
# Markdown table; tests/bench/run.sh appends it to build/bench/results.md
# (BENCH_ONLY=concurrency runs only this).  Servers bind 127.0.0.1 on a
# free port and are stopped by pid.
set -u
cd "$(dirname "$0")/../.." || exit 1
ROOT=$(pwd)
# shellcheck source=tests/bench/lib.sh
. tests/bench/lib.sh
LAMBDAD=${LAMBDAD:-$ROOT/build/lambdad}
HELLO=${HELLO_BOOTSTRAP:-$ROOT/build/examples/hello/bootstrap}
CONC=$ROOT/build/tests/handlers/conc
DUR=${CONC_DURATION:-5}
CONNS=${CONC_CONNS:-32}
TMP=$(mktemp -d /tmp/lambdad-conc.XXXXXX) || exit 1
chmod 755 "$TMP"
DPID=
declare -A RPS P50

cleanup() {
	[ -n "$DPID" ] && stop
	rm -rf "$TMP"
}
trap cleanup EXIT

log() { printf '== %s\n' "$*" >&2; }
stop() {
	local i
	kill -TERM "$DPID" 2>/dev/null
	for ((i = 0; i < 100; i++)); do
		kill -0 "$DPID" 2>/dev/null || break
		sleep 0.05
	done
	kill -KILL "$DPID" 2>/dev/null
	wait "$DPID" 2>/dev/null
	DPID=
}

# run KEY BOOTSTRAP ROUTE PATH N [ENV]: one config, one wrk run.
run() {
	local key=$1 boot=$2 route=$3 path=$4 n=$5 env=${6:-} port i f
	port=$(free_port)
	{
		printf '[lambdad]\nlisten = 127.0.0.1:%s\nstate_dir = %s/state\n\n' "$port" "$TMP"
		printf '[function f]\nbootstrap = %s\nroute = %s\n' "$boot" "$route"
		printf 'min_idle = 2\nmax_workers = 2\nmax_concurrency = %s\n' "$n"
		printf 'queue_depth = 10000\ntimeout = 10\nseccomp = default\n'
		[ -n "$env" ] && printf 'env = %s\n' "$env"
	} >"$TMP/$key.conf"
	"$LAMBDAD" -c "$TMP/$key.conf" 2>"$TMP/$key.log" &
	DPID=$!
	for ((i = 0; i < 100; i++)); do
		(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
		sleep 0.05
	done
	sleep 0.5	# min_idle workers come up after the port
	if [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port$path")" != 200 ]; then
		log "$key: the function did not answer 200: $(tail -n 3 "$TMP/$key.log")"
		stop
		return
	fi
	timeout 10 wrk -t1 -c"$CONNS" -d1s "http://127.0.0.1:$port$path" >/dev/null 2>&1
	f=$TMP/wrk-$key.txt
	timeout $((DUR + 20)) wrk -t1 -c"$CONNS" -d"${DUR}s" --latency \
	    "http://127.0.0.1:$port$path" >"$f" 2>&1
	RPS[$key]=$(awk '/^Requests\/sec:/ { printf "%d", $2 }' "$f")
	P50[$key]=$(awk '$1 == "50%" { print $2 }' "$f")
	grep -q 'Non-2xx' "$f" && log "$key: $(grep 'Non-2xx' "$f")"
	log "$key: ${RPS[$key]} req/s, p50 ${P50[$key]}"
	stop
}

ratio() { awk -v a="${1:-0}" -v b="${2:-0}" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "n/a" }'; }

for t in wrk curl python3; do
	command -v "$t" >/dev/null || { echo "concurrency.sh: $t is missing" >&2; exit 1; }
done
if [ ! -x "$LAMBDAD" ] || [ ! -x "$HELLO" ] || [ ! -x "$CONC" ]; then
	echo "concurrency.sh: build first (make all)" >&2
	exit 1
fi
for n in 1 16; do
	run "hello-$n" "$HELLO" 'GET /hello/{name}' /hello/bench "$n"
	run "sleep5-$n" "$CONC" 'GET /s/{a}' '/s/hold?n=5' "$n" CONC_QUIET=1
done

cat <<EOF
## max_concurrency: 2 workers at 1 and 16 invocations each

$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores; wrk -t1 -c$CONNS, one ${DUR} s run after a 1 s warm-up.

| handler | max_concurrency = 1 req/s (p50) | max_concurrency = 16 req/s (p50) | 16 / 1 |
| --- | --- | --- | --- |
| hello (CPU-bound, one log line) | ${RPS[hello-1]:-n/a} (${P50[hello-1]:-}) | ${RPS[hello-16]:-n/a} (${P50[hello-16]:-}) | $(ratio "${RPS[hello-16]:-}" "${RPS[hello-1]:-}") |
| sleeps 5 ms (I/O-bound, silent) | ${RPS[sleep5-1]:-n/a} (${P50[sleep5-1]:-}) | ${RPS[sleep5-16]:-n/a} (${P50[sleep5-16]:-}) | $(ratio "${RPS[sleep5-16]:-}" "${RPS[sleep5-1]:-}") |

At 1, 2 workers serve 2 at a time: a 5 ms handler is capped near 2 / 5 ms = 400 req/s.  At 16 they hold 32, and the cap is 32 / 5 ms = 6400 req/s, or the CPU.
EOF
