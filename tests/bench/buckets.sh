#!/bin/bash
# tests/bench/buckets.sh: Buckets (s3_listen) under wrk: PutObject and
# GetObject of 1 KiB and 1 MiB objects at 1 and 16 connections; req/s and
# the median latency.  No S3 server to compare with is packaged for this
# machine (MinIO is not in Debian), so the numbers stand alone.
#
# The daemon runs without access keys (loopback clients, no signature:
# the cost measured is the store's, not SigV4's).  Every PutObject is
# fsynced (the data file and the metadata's group commit) before its 200.
#
# Environment: BENCH_DURATION (5 s), LAMBDAD.  Writes build/bench/buckets.md.

set -u
cd "$(dirname "$0")/../.." || exit 1
ROOT=$(pwd)
DUR=${BENCH_DURATION:-5}
LAMBDAD=${LAMBDAD:-$ROOT/build/lambdad}
S=$ROOT/tests/bench/buckets
OUT=$ROOT/build/bench
TMP=$(mktemp -d /tmp/lambdad-bbench.XXXXXX) || exit 1
chmod 755 "$TMP"
DPID=
cleanup() {
	[ -n "$DPID" ] && kill -TERM "$DPID" 2>/dev/null && wait "$DPID" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
command -v wrk >/dev/null || { echo "no wrk (make deps-bench)" >&2; exit 1; }

PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat > "$TMP/lambdad.conf" <<CONF
[lambdad]
listen = 127.0.0.1:0
state_dir = $TMP/state
admin_socket = $TMP/admin.sock
s3_listen = 127.0.0.1:$PORT
CONF
"$LAMBDAD" -c "$TMP/lambdad.conf" 2>"$TMP/daemon.log" &
DPID=$!
for _ in $(seq 200); do (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break; sleep 0.05; done
EP="http://127.0.0.1:$PORT"
curl -sf -X PUT "$EP/bench" >/dev/null || { echo "no S3 listener" >&2; cat "$TMP/daemon.log" >&2; exit 1; }

mkdir -p "$OUT"
{
	echo "# Buckets: PutObject and GetObject ($(date -u +%Y-%m-%d), ${DUR}s a run)"
	echo
	echo "| operation | size | connections | req/s | p50 |"
	echo "|---|---|---|---|---|"
} > "$OUT/buckets.md"

run() {	# OP SIZE CONNS
	local r
	r=$(BENCH_SIZE=$2 BENCH_KEYS=100 wrk -t1 -c"$3" -d"${DUR}s" --latency \
		-s "$S/$1.lua" "$EP" 2>&1)
	rps=$(printf '%s\n' "$r" | awk '/Requests\/sec/ {print $2}')
	p50=$(printf '%s\n' "$r" | awk '$1 == "50%" {print $2}')
	printf '| %s | %s | %s | %s | %s |\n' "$1" "$2" "$3" "$rps" "$p50" | tee -a "$OUT/buckets.md"
}

for size in 1024 1048576; do
	head -c "$size" /dev/zero > "$TMP/obj"
	for i in $(seq 0 99); do
		curl -sf -X PUT --data-binary @"$TMP/obj" "$EP/bench/get-$i" >/dev/null
	done
	for c in 1 16; do
		run put "$size" "$c"
		run get "$size" "$c"
	done
done
echo "written: $OUT/buckets.md"
