#!/bin/bash
# tests/bench/site.sh: a [site] (a bucket on the public listener) beside
# nginx serving the same 4 KiB file from disk, under wrk -t1 at 1 and 16
# connections: req/s, the median latency, and lambdad's req/s as a share
# of nginx's (the target: 0.8x).  Both keep connections open; neither
# compresses (wrk sends no Accept-Encoding); nginx has sendfile on and
# its open_file_cache; lambdad answers from its edge cache (site_cache.c)
# after the first request.  The 206 rows (Range: bytes=0-4095, the whole
# file) skip that cache: lambdad looks the key up in SQLite and reads the
# body on a store reader, the path of every first request.
#
# Environment: BENCH_DURATION (5 s), LAMBDAD.  Writes build/bench/site.md.

set -u
cd "$(dirname "$0")/../.." || exit 1
ROOT=$(pwd)
DUR=${BENCH_DURATION:-5}
LAMBDAD=${LAMBDAD:-$ROOT/build/lambdad}
OUT=$ROOT/build/bench
TMP=$(mktemp -d /tmp/lambdad-sbench.XXXXXX) || exit 1
# nginx workers run as nobody when we are root: let them reach the file.
chmod 755 "$TMP"
DPID= NPID=
cleanup() {
	[ -n "$DPID" ] && kill -TERM "$DPID" 2>/dev/null && wait "$DPID" 2>/dev/null
	[ -n "$NPID" ] && kill -QUIT "$NPID" 2>/dev/null && wait "$NPID" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
command -v wrk >/dev/null || { echo "no wrk (make deps-bench)" >&2; exit 1; }
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$NGINX" ] || { echo "no nginx (make deps-bench)" >&2; exit 1; }

freeport() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
waitport() {
	for _ in $(seq 200); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.05; done
	return 1
}

SPORT=$(freeport) LPORT=$(freeport) NPORT=$(freeport)
mkdir -p "$TMP/www" "$TMP/nginx"
head -c 4096 /dev/urandom > "$TMP/www/f4k.bin"
chmod 644 "$TMP/www/f4k.bin"

cat > "$TMP/lambdad.conf" <<CONF
[lambdad]
listen = 127.0.0.1:$LPORT
state_dir = $TMP/state
admin_socket = $TMP/admin.sock
s3_listen = 127.0.0.1:$SPORT

[site www]
bucket = web
route = GET /{proxy+}
cache_max_age = 300
CONF
"$LAMBDAD" -c "$TMP/lambdad.conf" 2>"$TMP/daemon.log" &
DPID=$!
waitport "$SPORT" && waitport "$LPORT" || { echo "lambdad did not start" >&2; cat "$TMP/daemon.log" >&2; exit 1; }
curl -sf -X PUT "http://127.0.0.1:$SPORT/web" >/dev/null &&
curl -sf -X PUT -H 'Content-Type: application/octet-stream' \
	--data-binary @"$TMP/www/f4k.bin" "http://127.0.0.1:$SPORT/web/f4k.bin" >/dev/null ||
	{ echo "cannot fill the bucket" >&2; cat "$TMP/daemon.log" >&2; exit 1; }
curl -sf "http://127.0.0.1:$LPORT/f4k.bin" | cmp -s - "$TMP/www/f4k.bin" ||
	{ echo "the site does not serve the file" >&2; exit 1; }

cat > "$TMP/nginx.conf" <<CONF
# written by tests/bench/site.sh; no file outside $TMP is used
worker_processes 1;
daemon off;
pid $TMP/nginx.pid;
error_log $TMP/nginx-error.log warn;
events { worker_connections 4096; }
http {
	access_log off;
	default_type application/octet-stream;
	client_body_temp_path $TMP/nginx/body;
	proxy_temp_path $TMP/nginx/proxy;
	fastcgi_temp_path $TMP/nginx/fastcgi;
	uwsgi_temp_path $TMP/nginx/uwsgi;
	scgi_temp_path $TMP/nginx/scgi;
	keepalive_timeout 65;
	keepalive_requests 100000000;
	sendfile on;
	open_file_cache max=100;
	etag on;
	server {
		listen 127.0.0.1:$NPORT;
		root $TMP/www;
		location / { add_header Cache-Control "public, max-age=300"; }
	}
}
CONF
"$NGINX" -c "$TMP/nginx.conf" -p "$TMP" 2>"$TMP/nginx.err" &
NPID=$!
waitport "$NPORT" || { echo "nginx did not start" >&2; cat "$TMP/nginx.err" >&2; exit 1; }
curl -sf "http://127.0.0.1:$NPORT/f4k.bin" | cmp -s - "$TMP/www/f4k.bin" ||
	{ echo "nginx does not serve the file" >&2; exit 1; }

# bench URL CONNS [wrk args]: "req/s p50"
bench() {
	local r u=$1 c=$2
	shift 2
	r=$(wrk -t1 -c"$c" -d"${DUR}s" --latency "$@" "$u" 2>&1)
	printf '%s %s\n' "$(printf '%s\n' "$r" | awk '/Requests\/sec/ {print $2}')" \
		"$(printf '%s\n' "$r" | awk '$1 == "50%" {print $2}')"
}

mkdir -p "$OUT"
{
	echo "# A site file (4 KiB) beside nginx ($(date -u +%Y-%m-%d), ${DUR}s a run)"
	echo
	echo "| connections | lambdad req/s | p50 | nginx req/s | p50 | ratio (target 0.8x) |"
	echo "|---|---|---|---|---|---|"
} > "$OUT/site.md"
for c in 1 16; do
	read -r lr lp <<<"$(bench "http://127.0.0.1:$LPORT/f4k.bin" "$c")"
	read -r nr np <<<"$(bench "http://127.0.0.1:$NPORT/f4k.bin" "$c")"
	ratio=$(awk -v a="${lr:-0}" -v b="${nr:-0}" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "n/a" }')
	printf '| c%s | %s | %s | %s | %s | %s |\n' "$c" "$lr" "$lp" "$nr" "$np" "$ratio" | tee -a "$OUT/site.md"
done
# A Range skips the edge cache: the store's path (lookup, open, read on
# a store reader), beside nginx answering the same 206.
for c in 1 16; do
	read -r lr lp <<<"$(bench "http://127.0.0.1:$LPORT/f4k.bin" "$c" -H 'Range: bytes=0-4095')"
	read -r nr np <<<"$(bench "http://127.0.0.1:$NPORT/f4k.bin" "$c" -H 'Range: bytes=0-4095')"
	ratio=$(awk -v a="${lr:-0}" -v b="${nr:-0}" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "n/a" }')
	printf '| c%s, 206 (no cache) | %s | %s | %s | %s | %s |\n' "$c" "$lr" "$lp" "$nr" "$np" "$ratio" | tee -a "$OUT/site.md"
done
echo "written: $OUT/site.md"
