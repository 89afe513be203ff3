#!/bin/bash
# tests/bench/buckets.sh: Buckets (s3_listen) under wrk, side by side in
# the same run with s3rver (npm), the S3 emulator Node users run:
# PutObject and GetObject of 4 KiB and 1 MiB objects at 1 and 16
# connections, and a ListObjectsV2 page of 1,000 keys; req/s, the median
# latency of each, and lambdad's ratio against the target of 3x s3rver.
#
# Both run without signatures (lambdad without access keys answers
# loopback clients; s3rver accepts unsigned requests), so the cost
# measured is the store's, not SigV4's.  Every lambdad PutObject is
# fsynced (the data file and the metadata's group commit) before its 200;
# s3rver does not fsync.  s3rver is installed from npm into
# tests/bench/s3rver/node_modules (s3rver/install.sh, pinned); without
# node or npm its columns say n/a.
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
DPID= SPID=
cleanup() {
	[ -n "$DPID" ] && kill -TERM "$DPID" 2>/dev/null && wait "$DPID" 2>/dev/null
	[ -n "$SPID" ] && kill -TERM "$SPID" 2>/dev/null && wait "$SPID" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
command -v wrk >/dev/null || { echo "no wrk (make deps-bench)" >&2; exit 1; }

freeport() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
waitport() {
	for _ in $(seq 200); do
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

# ---- lambdad --------------------------------------------------------------
PORT=$(freeport)
cat > "$TMP/lambdad.conf" <<CONF
[lambdad]
listen = 127.0.0.1:0
state_dir = $TMP/state
admin_socket = $TMP/admin.sock
s3_listen = 127.0.0.1:$PORT
CONF
"$LAMBDAD" -c "$TMP/lambdad.conf" 2>"$TMP/daemon.log" &
DPID=$!
waitport "$PORT"
curl -sf -X PUT "http://127.0.0.1:$PORT/bench" >/dev/null ||
	{ echo "no S3 listener" >&2; cat "$TMP/daemon.log" >&2; exit 1; }

# ---- s3rver ----------------------------------------------------------------
SPORT=
if command -v npm >/dev/null && tests/bench/s3rver/install.sh >"$TMP/npm.log" 2>&1; then
	SPORT=$(freeport)
	mkdir -p "$TMP/s3rver"
	tests/bench/s3rver/node_modules/.bin/s3rver -d "$TMP/s3rver" \
		-a 127.0.0.1 -p "$SPORT" -s --configure-bucket bench \
		>"$TMP/s3rver.log" 2>&1 &
	SPID=$!
	waitport "$SPORT" || { echo "s3rver did not start:" >&2; cat "$TMP/s3rver.log" >&2; SPORT=; }
else
	echo "no s3rver (needs node and npm):" >&2
	cat "$TMP/npm.log" >&2
fi

preload() {	# PREFIX COUNT SIZE: on both servers
	python3 "$S/preload.py" 127.0.0.1 "$PORT" "$@" || exit 1
	[ -z "$SPORT" ] || python3 "$S/preload.py" 127.0.0.1 "$SPORT" "$@" || exit 1
}

mkdir -p "$OUT"
{
	echo "# Buckets beside s3rver ($(date -u +%Y-%m-%d), ${DUR}s a run)"
	echo
	echo "| operation | size | conns | lambdad req/s | p50 | s3rver req/s | p50 | ratio (target 3x) |"
	echo "|---|---|---|---|---|---|---|---|"
} > "$OUT/buckets.md"

# wrk1 PORT OP SIZE CONNS: sets RPS and P50 ("n/a" without a port).
wrk1() {
	local r
	RPS=n/a P50=n/a
	[ -n "$1" ] || return 0
	r=$(BENCH_SIZE=$3 BENCH_KEYS=100 wrk -t1 -c"$4" -d"${DUR}s" --latency \
		-s "$S/$2.lua" "http://127.0.0.1:$1" 2>&1)
	RPS=$(printf '%s\n' "$r" | awk '/Requests\/sec/ {print $2}')
	P50=$(printf '%s\n' "$r" | awk '$1 == "50%" {print $2}')
	# Non-2xx answers are failures, not speed.
	if printf '%s\n' "$r" | grep -q 'Non-2xx'; then
		RPS="$RPS (errors: $(printf '%s\n' "$r" | awk '/Non-2xx/ {print $NF}'))"
	fi
}

row() {	# OP SIZE CONNS
	local lr lp ratio
	wrk1 "$PORT" "$@"; lr=$RPS lp=$P50
	wrk1 "$SPORT" "$@"
	ratio=$(python3 -c 'import sys
try: r = float(sys.argv[1]) / float(sys.argv[2])
except (ValueError, ZeroDivisionError): print("n/a"); sys.exit()
print("%.2fx %s" % (r, "ok" if r >= 3 else "below"))' "$lr" "$RPS")
	printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$1" "$2" "$3" \
		"$lr" "$lp" "$RPS" "$P50" "$ratio" | tee -a "$OUT/buckets.md"
}

for size in 4096 1048576; do
	preload get- 100 "$size"
	for c in 1 16; do
		row put "$size" "$c"
		row get "$size" "$c"
	done
done
preload list/ 1000 1
for c in 1 16; do
	row list 1000keys "$c"
done
echo "written: $OUT/buckets.md"
