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
plan 26

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

# ---- orphans ---------------------------------------------------------------------
BD="$T/state/buckets"
echo 'a page that will be deleted, long enough to be compressed: ' > "$P/gone.txt"
head -c 3000 /dev/urandom | base64 >> "$P/gone.txt"
s3 cp "$P/gone.txt" s3://web/gone.txt
req GET /gone.txt -H 'Accept-Encoding: br'
is "$STATUS $(hdr content-encoding)" "200 br" "a site copy in brotli"
GONE=$(ls "$BD/site")
req GET /docs/notes.txt -H 'Accept-Encoding: gzip'
is "$STATUS $(hdr content-encoding)" "200 gzip" "another, in gzip"
KEEP=$(ls "$BD/site" | grep -v -x -F "$GONE")
s3 rm s3://web/gone.txt
for _ in $(seq 50); do [ -e "$BD/site/$GONE" ] || break; sleep 0.1; done
[ -n "$GONE" ] && [ ! -e "$BD/site/$GONE" ] && [ -e "$BD/site/$KEEP" ]
ok $? "deleting an object removes its site copy ($GONE), not another's"

stop_daemon
(cd "$BD" && find data -type f | sort) > "$T/files.before"
REAL=$(head -n 1 "$T/files.before")
hex() { head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
O1=$(hex); mkdir -p "$BD/data/${O1:0:2}"; head -c 70000 /dev/urandom > "$BD/data/${O1:0:2}/$O1"
O2=$(hex); O2=${REAL:5:2}${O2:2}; cp "$BD/$REAL" "$BD/data/${REAL:5:2}/$O2"
O3=$(hex); mkdir -p "$BD/data/${O3:0:2}"; : > "$BD/data/${O3:0:2}/$O3"
STALE=$(hex); echo stale > "$BD/site/$STALE.br"; echo stale > "$BD/site/$STALE.gz"
# The daemon's own, as a crash leaves them (a file start-up must chown
# gets a new ctime, and is left for the next start).
OWN=$(stat -c %u:%g "$BD")
chown -R "$OWN" "$BD/data" "$BD/site"
sleep 1.5
# Planted just before the start: a write in progress for all the sweep
# can tell (its ctime is past the mark), so it stays.
Y=$(hex); mkdir -p "$BD/data/${Y:0:2}"; echo young > "$BD/data/${Y:0:2}/$Y"
chown "$OWN" "$BD/data/${Y:0:2}" "$BD/data/${Y:0:2}/$Y"
start_daemon
waitport "$SPORT" || { echo "Bail out! no S3 listener after the restart"; exit 1; }
wait_log "orphan sweep: 3 data files and 2 site copies" 10
ok $? "the sweep logs what it removed"
[ ! -e "$BD/data/${O1:0:2}/$O1" ] && [ ! -e "$BD/data/${REAL:5:2}/$O2" ] &&
	[ ! -e "$BD/data/${O3:0:2}/$O3" ]
ok $? "orphan data files are gone (one a copy of a real object's bytes)"
[ ! -e "$BD/site/$STALE.br" ] && [ ! -e "$BD/site/$STALE.gz" ] && [ -e "$BD/site/$KEEP" ]
ok $? "the stale site copies are gone, the live one stays"
[ -e "$BD/data/${Y:0:2}/$Y" ]; ok $? "a file newer than the start mark is not touched"
rm -f "$BD/data/${Y:0:2}/$Y"
(cd "$BD" && find data -type f | sort) > "$T/files.after"
cmp -s "$T/files.before" "$T/files.after"; ok $? "every referenced data file is still there"
"$AWSCLI" s3 cp s3://web/big.bin "$T/big.back" --endpoint-url "$EP" --only-show-errors
is "$(sha "$T/big.back")" "$BIGSHA" "the 50 MiB object reads back byte-exact (sha256)"
good=0
for k in index.html docs/index.html docs/notes.txt; do
	"$AWSCLI" s3 cp "s3://web/$k" "$T/back" --endpoint-url "$EP" --only-show-errors
	[ "$(sha "$T/back")" = "$(sha "$P/$k")" ] && good=$((good + 1))
done
is "$good" 3 "and so does every other object"
req GET /docs/notes.txt -H 'Accept-Encoding: gzip'
gunzip -c < "$T/body" > "$T/notes.back" 2>/dev/null
is "$(sha "$T/notes.back")" "$(sha "$P/docs/notes.txt")" "the kept gzip copy serves the site"

done_testing
