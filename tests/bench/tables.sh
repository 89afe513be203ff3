#!/bin/bash
# tests/bench/tables.sh: lambdad's Tables store beside dynalite (npm, in
# memory: the emulator Node users run), in one run (`make bench`).
#
# Each server gets the same table (pk S, sk N), the same 1,100 preloaded
# items, and the same wrk scripts (tests/bench/tables/*.lua): PutItem of a
# new 200-byte item per request, GetItem of a preloaded key, and a Query
# that returns one 100-item partition; at 1 and 16 connections, median of
# BENCH_RUNS runs.  lambdad runs with tables_sync = full: every PutItem is
# acknowledged only once fsynced (group commit); dynalite keeps nothing on
# disk.  Then the store with BENCH_TABLES_ITEMS (1,000,000) more 200-byte
# items: load time, database file size and the daemon's RSS.
#
# Environment: BENCH_DURATION (10), BENCH_RUNS (3), BENCH_TABLES_ITEMS,
# LAMBDAD (build/lambdad).  Writes build/bench/tables.md.  Servers bind to
# 127.0.0.1 and are killed by pid on exit.

set -u
cd "$(dirname "$0")/../.." || exit 1
ROOT=$(pwd)
# shellcheck source=tests/bench/lib.sh
. tests/bench/lib.sh
DUR=${BENCH_DURATION:-10}
RUNS=${BENCH_RUNS:-3}
NITEMS=${BENCH_TABLES_ITEMS:-1000000}
LAMBDAD=${LAMBDAD:-$ROOT/build/lambdad}
S=$ROOT/tests/bench/tables
OUT=$ROOT/build/bench
FAILED=0
PIDS=()
declare -A TP LAT

TMP=$(mktemp -d /tmp/lambdad-tbench.XXXXXX) || exit 1
chmod 755 "$TMP"
log() { printf '== [%3ds] %s\n' "$SECONDS" "$*" >&2; }
fail() { printf '!! %s\n' "$*" >&2; FAILED=1; }
stop_pid() {
	local i
	alive "$1" || return 0
	kill -TERM "$1" 2>/dev/null
	for ((i = 0; i < 100; i++)); do alive "$1" || break; sleep 0.1; done
	alive "$1" && kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	return 0
}
cleanup() {
	local p
	for p in "${PIDS[@]}"; do stop_pid "$p"; done
	[ -n "${BENCH_KEEP_TMP:-}" ] || rm -rf "$TMP"
}
trap cleanup EXIT
# wrk_parse FILE: "req/s p50_us errors".
wrk_parse() {
	awk '/^Requests\/sec:/ { rps = $2 }
	$1 == "50%" { v = $2; n = v + 0
		if (v ~ /us$/) p50 = n; else if (v ~ /ms$/) p50 = n * 1000
		else if (v ~ /[0-9]s$/) p50 = n * 1000000; else p50 = n }
	/Non-2xx or 3xx responses:/ { err += $NF }
	/Socket errors:/ { for (i = 3; i <= NF; i++) if ($i ~ /^[0-9]+,?$/) err += $i + 0 }
	END { printf "%s %s %d\n", rps == "" ? "0" : rps, p50 == "" ? "0" : p50, err }' "$1"
}
# run_wrk KEY PORT SCRIPT CONNS: TP[KEY-cN] and LAT[KEY-cN] medians.
run_wrk() {
	local key=$1 port=$2 script=$3 c=$4 i f r p e rps=() p50=()
	timeout 10 wrk -t1 -c"$c" -d1s -s "$S/$script" "http://127.0.0.1:$port/" >/dev/null 2>&1
	for ((i = 1; i <= RUNS; i++)); do
		f=$TMP/wrk-$key-c$c-$i.txt
		timeout $((DUR + 20)) wrk -t1 -c"$c" -d"${DUR}s" --latency -s "$S/$script" \
		    "http://127.0.0.1:$port/" >"$f" 2>&1
		read -r r p e <<<"$(wrk_parse "$f")"
		[ "$e" -gt 0 ] && fail "$key c$c run $i: $e errors"
		rps+=("$r"); p50+=("$p")
		log "  $key c$c run $i: $r req/s, p50 $p us, $e errors"
	done
	TP[$key-c$c]=$(printf '%s\n' "${rps[@]}" | median)
	LAT[$key-c$c]=$(printf '%s\n' "${p50[@]}" | median)
}
# check PORT: a GetItem and the Query answer what the scripts expect.
check() {
	local body
	body=$(curl -s -X POST "http://127.0.0.1:$1/" -H 'Content-Type: application/x-amz-json-1.0' \
	    -H 'X-Amz-Target: DynamoDB_20120810.Query' -H 'X-Amz-Date: 20261206T120000Z' \
	    -H "Authorization: AWS4-HMAC-SHA256 Credential=bench/20261206/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=$(printf '0%.0s' {1..64})" \
	    -d '{"TableName":"bench","KeyConditionExpression":"pk = :p","ExpressionAttributeValues":{":p":{"S":"q"}},"Select":"COUNT"}')
	case "$body" in *'"Count":100'*) return 0 ;; esac
	fail "port $1: the Query partition is not 100 items: $body"
	return 1
}
bench_server() {
	local key=$1 port=$2 op
	python3 "$S/load.py" "$port" create && python3 "$S/load.py" "$port" fixed || {
		fail "$key: could not load the fixed items"; return 1; }
	check "$port" || return 1
	for op in put get query; do
		run_wrk "$key-$op" "$port" "$op.lua" 1
		run_wrk "$key-$op" "$port" "$op.lua" 16
	done
}
start_lambdad() {
	local port=$1 dport=$2
	mkdir -p "$TMP/fn"
	cat >"$TMP/lambdad.conf" <<EOF
[lambdad]
listen = 127.0.0.1:$port
dynamodb_listen = 127.0.0.1:$dport
state_dir = $TMP/state
admin_socket = $TMP/admin.sock
functions = $TMP/fn
tables_sync = full
EOF
	"$LAMBDAD" -c "$TMP/lambdad.conf" >"$TMP/lambdad.log" 2>&1 &
	LPID=$!
	PIDS+=("$LPID")
	wait_port "$LPID" "$dport" 10 || { fail "lambdad did not start: $(tail -5 "$TMP/lambdad.log")"; return 1; }
}
bench_many() {
	local dport=$1 t0 t1 db
	log "lambdad: loading $NITEMS items"
	t0=$(date +%s.%N)
	python3 "$S/load.py" "$dport" many "$NITEMS" || { fail "loading $NITEMS items failed"; return 1; }
	t1=$(date +%s.%N)
	MANY_S=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
	db=$TMP/state/tables/tables.db
	MANY_MB=$(du -cm "$db" "$db-wal" 2>/dev/null | awk 'END { print $1 }')
	MANY_RSS=$(awk '/^VmRSS:/ { printf "%.1f", $2 / 1024 }' "/proc/$LPID/status")
}
ratio() { awk -v a="${1:-}" -v b="${2:-}" 'BEGIN { if (a == "" || b == "" || b + 0 == 0) print "n/a"; else printf "%.2f", a / b }'; }
verdict() {
	[ "$1" = n/a ] && { echo "not measured"; return; }
	awk -v v="$1" -v g="$3" -v op="$2" 'BEGIN { ok = (op == ">=") ? v >= g : v <= g; print ok ? "met" : "NOT met" }'
}
row() {
	local op=$1
	echo "| $op | $(printf '%.0f' "${TP[l-$op-c1]:-0}") | $(printf '%.0f' "${TP[d-$op-c1]:-0}") | $(printf '%.0f' "${TP[l-$op-c16]:-0}") | $(printf '%.0f' "${TP[d-$op-c16]:-0}") | ${LAT[l-$op-c1]:-} | ${LAT[d-$op-c1]:-} |"
}
report() {
	local put get query lput lget lquery
	put=$(ratio "${TP[l-put-c16]:-}" "${TP[d-put-c16]:-}")
	get=$(ratio "${TP[l-get-c16]:-}" "${TP[d-get-c16]:-}")
	query=$(ratio "${TP[l-query-c16]:-}" "${TP[d-query-c16]:-}")
	lput=$(ratio "${LAT[l-put-c1]:-}" "${LAT[d-put-c1]:-}")
	lget=$(ratio "${LAT[l-get-c1]:-}" "${LAT[d-get-c1]:-}")
	lquery=$(ratio "${LAT[l-query-c1]:-}" "${LAT[d-query-c1]:-}")
	cat <<EOF
# Tables: lambdad beside dynalite

$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores; wrk -t1, ${DUR} s, median of $RUNS
runs; load generator and servers share the cores.  lambdad: tables_sync =
full (every acknowledged PutItem is fsynced).  dynalite $(node -p "require('$S/../dynalite/node_modules/dynalite/package.json').version" 2>/dev/null): in memory.

| operation | lambdad c1 req/s | dynalite c1 | lambdad c16 | dynalite c16 | lambdad c1 p50 µs | dynalite c1 p50 µs |
| --- | --- | --- | --- | --- | --- | --- |
$(row put)
$(row get)
$(row query)

| target | measured | goal | |
| --- | --- | --- | --- |
| durable PutItem c16, lambdad / dynalite | $put | >= 2.0x | $(verdict "$put" ">=" 2) |
| GetItem c16, lambdad / dynalite | $get | >= 3.0x | $(verdict "$get" ">=" 3) |
| Query (100 items) c16, lambdad / dynalite | $query | >= 3.0x | $(verdict "$query" ">=" 3) |
| PutItem c1 p50, lambdad / dynalite | $lput | <= 0.5x | $(verdict "$lput" "<=" 0.5) |
| GetItem c1 p50, lambdad / dynalite | $lget | <= 0.5x | $(verdict "$lget" "<=" 0.5) |
| Query c1 p50, lambdad / dynalite | $lquery | <= 0.5x | $(verdict "$lquery" "<=" 0.5) |

| store with $NITEMS more 200-byte items | value |
| --- | --- |
| load through BatchWriteItem (25 a request, one connection), s | ${MANY_S:-n/a} |
| database file + WAL, MiB | ${MANY_MB:-n/a} |
| lambdad RSS after the load, MiB | ${MANY_RSS:-n/a} |
EOF
}

for tool in wrk curl python3 node; do
	command -v "$tool" >/dev/null || { echo "tables.sh: $tool is missing (make deps-bench)" >&2; exit 1; }
done
[ -x "$LAMBDAD" ] || { echo "tables.sh: $LAMBDAD is not built" >&2; exit 1; }
(cd "$S/../dynalite" && { [ -d node_modules/dynalite ] || npm ci --no-audit --no-fund >/dev/null 2>&1; }) ||
	{ echo "tables.sh: could not install dynalite from npm" >&2; exit 1; }
mkdir -p "$OUT"

dport=$(free_port)
node "$S/../dynalite/node_modules/dynalite/cli.js" --port "$dport" >"$TMP/dynalite.log" 2>&1 &
DPID=$!
PIDS+=("$DPID")
if wait_port "$DPID" "$dport" 10; then
	log "dynalite on $dport"
	bench_server d "$dport"
else
	fail "dynalite did not start: $(tail -3 "$TMP/dynalite.log")"
fi
stop_pid "$DPID"

port=$(free_port)
lport=$(free_port)
if start_lambdad "$port" "$lport"; then
	log "lambdad on $lport"
	bench_server l "$lport" && bench_many "$lport"
fi

report | tee "$OUT/tables.md"
exit "$FAILED"
