#!/bin/bash
# Buckets hardening.  send_timeout: a client that reads a few KiB of a
# 50 MiB object, from a site and from s3_listen, then stops reading is
# cut after send_timeout (the rest never comes; a log line; the metric),
# others are served meanwhile, and a slow reader that keeps reading gets
# the whole object.  Orphans: data files no row references (a crash
# between the file's write and its commit) and a stale compressed copy,
# planted while the daemon is stopped, are gone after a start, and every
# real object still reads back byte-exact.
. "$(dirname "$0")/lib.sh"
plan 15

aws_env
SPORT=$(freeport)
EP="http://127.0.0.1:$SPORT"
STALL="$ROOT/tests/integration/buckets/stall.py"
s3() {
	case $1 in cp|sync) set -- "$@" --no-progress --only-show-errors;; esac
	"$AWSCLI" s3 "$@" --endpoint-url "$EP" >"$T/aws.out" 2>"$T/aws.err"
	RC=$?; ERR=$(cat "$T/aws.err")
}
# metric NAME: its value on the metrics listener.
metric() {
	curl -sS --max-time 5 "$MURL/metrics" | sed -n "s/^$1 //p" | head -n 1
}
sha() { sha256sum "$1" | cut -d' ' -f1; }

EXTRA_CONF="s3_listen = 127.0.0.1:$SPORT
metrics_listen = 127.0.0.1:0
send_timeout = 1

[site www]
bucket = web
route = GET /{proxy+}
index = index.html"
start_daemon
waitport "$SPORT" || { echo "Bail out! no S3 listener"; dlog | sed 's/^/# /'; exit 1; }
MPORT=$(sed -n 's/.*metrics on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$T/daemon.log" | head -n 1)
MURL="http://127.0.0.1:$MPORT"

# ---- send_timeout ---------------------------------------------------------------
P="$T/public"
mkdir -p "$P/docs"
head -c $((50 * 1024 * 1024)) /dev/urandom > "$P/big.bin"
echo '<!doctype html><title>hard</title><p>the index</p>' > "$P/index.html"
echo '<!doctype html><title>docs</title><p>the docs</p>' > "$P/docs/index.html"
head -c 300000 /dev/urandom | base64 > "$P/docs/notes.txt"
BIGSHA=$(sha "$P/big.bin")
s3 mb s3://web
ok $RC "aws s3 mb web"
s3 sync "$P" s3://web
ok $RC "aws s3 sync, a 50 MiB object among them"
is "$(metric lambdad_http_send_timeouts_total)" 0 "no send timeout yet"

# The site: reads 16 KiB, then nothing for 4 s (send_timeout = 1).
python3 "$STALL" "$PORT" /big.bin stop 16 4 > "$T/stop.out" 2>&1 &
SP=$!; PIDS="$PIDS $SP"
sleep 1
req GET /index.html
is "$STATUS" 200 "another client is served while one stalls"
wait_log "client read nothing for 1 s.*send_timeout" 5
ok $? "the cut is logged"
wait "$SP"
read -r _ st _ len _ got _ _ _ end < "$T/stop.out"
diag "stalled client: $(cat "$T/stop.out")"
is "$st $len" "200 52428800" "the stalled GET began as 200 with the length"
[ "${got:-0}" -gt 0 ] && [ "${got:-0}" -lt 52428800 ]
ok $? "its client never gets the rest: the connection was closed"
is "$(metric lambdad_http_send_timeouts_total)" 1 "lambdad_http_send_timeouts_total counts it"

# A slow reader: 4 MiB, then 0.7 s of nothing, 13 times.  Never cut.
python3 "$STALL" "$PORT" /big.bin slow 4096 700 > "$T/slow.out" 2>&1
diag "slow client: $(cat "$T/slow.out")"
read -r _ st _ len _ got _ h _ end < "$T/slow.out"
is "$st $got" "200 52428800" "a slow reader that keeps reading gets all of it"
is "$h" "$BIGSHA" "byte-exact"
is "$(metric lambdad_http_send_timeouts_total)" 1 "and is not counted"

# s3_listen's streamed GET has the same timeout.
python3 "$STALL" "$SPORT" /web/big.bin stop 16 4 > "$T/s3stop.out" 2>&1
read -r _ st _ len _ got _ _ _ end < "$T/s3stop.out"
diag "stalled S3 client: $(cat "$T/s3stop.out")"
[ "$st" = 200 ] && [ "${got:-0}" -gt 0 ] && [ "${got:-0}" -lt 52428800 ]
ok $? "a stalled GetObject on s3_listen is cut too"
is "$(grep -c 'send_timeout' "$T/daemon.log")" 2 "and logged"
req GET /docs/notes.txt
is "$STATUS" 200 "the site still serves"
cmp -s "$T/body" "$P/docs/notes.txt"; ok $? "byte-exact"

done_testing
