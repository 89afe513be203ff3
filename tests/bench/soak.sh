#!/bin/bash
# tests/bench/soak.sh: the long run (`make soak`, issue 13 item 2).  One real
# daemon serves, in order:
#   SOAK_WARM (1,000,000) warm invocations through a route (wrk, c16),
#   SOAK_COLD (100,000) cold starts (max_invocations = 1: a new worker each),
#   SOAK_INVOKE (100,000) Invoke API calls (POST .../invocations),
#   SOAK_BAD (1,000) invocations that crash, time out or reply garbage,
#   mixed with as many good ones, each counted: every one answered once.
# Before and after each phase it samples the gateway's and the spawner's
# open descriptors, RSS and threads, and the number of processes under the
# daemon, after the pools are idle again.  The counts come from the daemon's
# own metrics (lambdad_invocations_total), not from wrk.  It reports; it does
# not assert timings.  Exit 1 when a phase lost a reply or the daemon died.
#
# Environment: SOAK_WARM, SOAK_COLD, SOAK_INVOKE, SOAK_BAD (counts above),
# SOAK_CONNS (16), SOAK_KEEP_TMP (set: keep logs).  Writes the table to
# build/bench/soak.md.  Binds 127.0.0.1 only; kills only what it started.

set -u
cd "$(dirname "$0")/../.." || exit 1
ROOT=$(pwd)
WARM=${SOAK_WARM:-1000000}
COLD=${SOAK_COLD:-100000}
INVOKE=${SOAK_INVOKE:-100000}
BAD=${SOAK_BAD:-1000}
CONNS=${SOAK_CONNS:-16}
B=$ROOT/build
OUT=$B/bench/soak.md
T=$(mktemp -d /tmp/lambdad-soak.XXXXXX) || exit 1
chmod 755 "$T"
DPID=
FAILED=0

cleanup() {
	[ -n "$DPID" ] && kill -TERM "$DPID" 2>/dev/null && wait "$DPID" 2>/dev/null
	if [ -n "${SOAK_KEEP_TMP:-}" ]; then echo "soak: kept $T" >&2
	else rm -rf "$T"; fi
}
trap cleanup EXIT
log() { printf '== [%4ds] %s\n' "$SECONDS" "$*" >&2; }
bad() { printf '!! %s\n' "$*" >&2; FAILED=1; }

for x in "$B/lambdad" "$B/examples/hello/bootstrap" "$B/tests/handlers/misc"; do
	[ -x "$x" ] || { echo "soak: $x missing (make all first)" >&2; exit 1; }
done
command -v wrk >/dev/null || { echo "soak: wrk missing (make deps-bench)" >&2; exit 1; }

# ---- the daemon ------------------------------------------------------------

mkdir -p "$T/functions.d"
cat > "$T/lambdad.conf" <<CONF
[lambdad]
listen = 127.0.0.1:0
functions = functions.d
state_dir = state
admin_socket = admin.sock
invoke_api = on
CONF
cat > "$T/functions.d/soak.conf" <<CONF
[function hello]
bootstrap = $B/examples/hello/bootstrap
route = GET /hello/{name}
min_idle = 2
max_workers = 2

[function cold]
bootstrap = $B/examples/hello/bootstrap
route = GET /cold/{name}
max_invocations = 1
max_workers = 2
queue_depth = 64

[function mix]
bootstrap = $B/tests/handlers/misc
route = GET /x/{action}
max_workers = 3
queue_depth = 400
queue_timeout = 30
timeout = 1
CONF
"$B/lambdad" -c "$T/lambdad.conf" 2>"$T/daemon.log" &
DPID=$!
for _ in $(seq 1 200); do
	PORT=$(sed -n 's/.*listening on [0-9.]*:\([0-9]*\) .*/\1/p' "$T/daemon.log" | head -n 1)
	[ -n "$PORT" ] && break
	sleep 0.05
done
[ -n "${PORT:-}" ] || { echo "soak: lambdad did not start" >&2; cat "$T/daemon.log" >&2; exit 1; }
URL=http://127.0.0.1:$PORT
log "lambdad $DPID on $URL"

# ---- samples ---------------------------------------------------------------

metric() {	# metric NAME LABELS: the value, 0 when absent
	curl -s --unix-socket "$T/admin.sock" http://lambdad/metrics |
	    awk -v n="$1{$2}" '$1 == n { v = $2 } END { print v + 0 }'
}
served() { metric lambdad_invocations_total "function=\"$1\",door=\"$2\""; }
spawner() { pgrep -P "$DPID" | head -n 1; }
descendants() {	# every process under the daemon, recursively
	local n=0 p q=("$DPID")
	while [ ${#q[@]} -gt 0 ]; do
		p=${q[0]}; q=("${q[@]:1}")
		for c in $(pgrep -P "$p"); do n=$((n + 1)); q+=("$c"); done
	done
	echo "$n"
}
proc() {	# proc PID: "fds rss_kb threads"
	local fds rss thr
	fds=$(ls "/proc/$1/fd" 2>/dev/null | wc -l)
	rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$1/status")
	thr=$(awk '/^Threads:/ { print $2 }' "/proc/$1/status")
	echo "$fds $rss $thr"
}
# idle: wait until nothing is in flight and the pools are back to their
# floor (cold workers reaped, the spares of hello ready), then settle.
idle() {
	local busy
	for _ in $(seq 1 150); do
		busy=$(curl -s --unix-socket "$T/admin.sock" http://lambdad/metrics |
		    awk '/^lambdad_workers\{.*state="(busy|spawning)"/ { s += $2 }
		    /^lambdad_queue_depth\{/ { s += $2 } END { print s + 0 }')
		[ "$busy" = 0 ] && break
		sleep 0.2
	done
	sleep 2
}
SAMPLES=()
sample() {	# sample LABEL
	local s
	idle
	s=$(spawner)
	SAMPLES+=("| $1 | $(proc "$DPID" | sed 's/ / | /g') | $(proc "$s" | sed 's/ / | /g') | $(descendants) |")
	log "sample $1: gateway $(proc "$DPID"), spawner $(proc "$s"), processes $(descendants)"
}
alive() { kill -0 "$DPID" 2>/dev/null || { bad "the daemon died"; exit 1; }; }

# drive KEY FN DOOR COUNT URL [wrk args]: wrk in 20 s rounds until the
# daemon has served COUNT more invocations of FN through DOOR.
drive() {
	local key=$1 f=$2 door=$3 n=$4 url=$5 start now errs=0 e
	shift 5
	start=$(served "$f" "$door")
	while :; do
		now=$(served "$f" "$door")
		[ $((now - start)) -ge "$n" ] && break
		timeout 60 wrk -t1 -c"$CONNS" -d20s "$@" "$url" > "$T/wrk-$key.txt" 2>&1
		e=$(awk '/Non-2xx or 3xx responses:/ { s += $NF }
		    /Socket errors:/ { for (i = 3; i <= NF; i++) if ($i ~ /^[0-9]+,?$/) s += $i + 0 }
		    END { print s + 0 }' "$T/wrk-$key.txt")
		errs=$((errs + e))
		alive
		log "  $key: $(( $(served "$f" "$door") - start )) / $n served"
	done
	RESULT[$key]="$(( $(served "$f" "$door") - start )) served, $errs wrk errors"
	[ "$errs" = 0 ] || bad "$key: $errs errors"
}
declare -A RESULT

# ---- the phases ------------------------------------------------------------

curl -s -o /dev/null "$URL/hello/warm"
sample start

drive warm hello http "$WARM" "$URL/hello/soak"
sample "after $WARM warm"

drive cold cold http "$COLD" "$URL/cold/soak"
sample "after $COLD cold"

cat > "$T/post.lua" <<'LUA'
wrk.method = "POST"
wrk.body = '{"soak":true}'
wrk.headers["Content-Type"] = "application/json"
LUA
drive invoke hello invoke "$INVOKE" "$URL/2015-03-31/functions/hello/invocations" -s "$T/post.lua"
sample "after $INVOKE Invoke API"

# The bad ones: a quarter crash, a quarter fail, a quarter reply garbage
# (a body that is not JSON is still a reply), a quarter time out; as many
# good ones between them.
: > "$T/urls"
for i in $(seq 1 "$BAD"); do
	case $((i % 4)) in
	0) echo "$URL/x/segv" ;;
	1) echo "$URL/x/exit?n=3" ;;
	2) echo "$URL/x/raw?a=%7Bnot-json" ;;
	3) echo "$URL/x/sleep?n=1500" ;;
	esac
	echo "$URL/x/pid?i=$i"
done >> "$T/urls"
xargs -P 16 -n 1 curl -s -o /dev/null -w '%{http_code}\n' --max-time 90 < "$T/urls" > "$T/codes"
total=$(wc -l < "$T/codes")
missing=$(grep -c -E '^000$' "$T/codes")
other=$(grep -c -v -E '^(200|500|502|504)$' "$T/codes")
RESULT[bad]="$total requests, $total replies: $(sort "$T/codes" | uniq -c | awk '{ printf "%s%s x%s", sep, $2, $1; sep = ", " }')"
[ "$total" = $((2 * BAD)) ] && [ "$missing" = 0 ] && [ "$other" = 0 ] ||
	bad "bad mix: $total codes, $missing without a reply, $other unexpected"
alive
sample "after $BAD bad + $BAD good"

# ---- the report ------------------------------------------------------------

mkdir -p "$B/bench"
{
	echo "# lambdad soak ($(date -u +%Y-%m-%d), $(nproc) cores)"
	echo
	for k in warm cold invoke bad; do echo "- $k: ${RESULT[$k]:-not run}"; done
	echo
	echo "| when | gateway fds | gateway RSS kB | gateway threads | spawner fds | spawner RSS kB | spawner threads | processes under the daemon |"
	echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
	printf '%s\n' "${SAMPLES[@]}"
} > "$OUT"
cat "$OUT"
exit "$FAILED"
