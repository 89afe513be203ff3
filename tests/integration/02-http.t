#!/bin/bash
# The HTTP/1.1 front door of the real daemon: keep-alive, pipelining, chunked
# bodies, Expect: 100-continue, and every limit with a clear error.
. "$(dirname "$0")/lib.sh"
plan 17
RAW="python3 $ROOT/tests/integration/rawhttp.py"

fn misc "$TH/misc" 'route = ANY /m/{action}' 'max_workers = 2' 'min_idle = 1'
start_daemon

# Keep-alive: four requests on one connection (curl reuses it).
out=$(curl -sv "$URL/m/pid" "$URL/m/pid" "$URL/m/pid" "$URL/m/pid" 2>&1)
is "$(printf '%s' "$out" | grep -c 'HTTP/1.1 200')" 4 "keep-alive: four requests answered"
is "$(printf '%s' "$out" | grep -c -i 'Re-using existing connection')" 3 "keep-alive: on one connection"

# Pipelining: three requests in one write, answered in order.
out=$(printf 'GET /m/sleep?n=300 HTTP/1.1\r\nHost: a\r\n\r\nGET /m/raw?n=2 HTTP/1.1\r\nHost: a\r\n\r\nGET /m/raw?n=3 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n' | $RAW "$PORT")
is "$(printf '%s' "$out" | grep -c 'HTTP/1.1 200')" 3 "pipelining: three replies"
like "$(printf '%s' "$out" | tr -d '\r\n')" 'slept.*2.*3$' "pipelining: in request order"

# Chunked request body, with a declared trailer that never comes (Go client style).
out=$(printf 'POST /m/echo HTTP/1.1\r\nHost: a\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\nTrailer: X-Never\r\nConnection: close\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n' | $RAW "$PORT")
like "$out" 'HTTP/1.1 200' "chunked body: 200"
like "$out" '"body":"hello world"' "chunked body: reassembled"

# Expect: 100-continue gets the interim 100 before the body is sent.
req_text='POST /m/echo HTTP/1.1\r\nHost: a\r\nContent-Type: text/plain\r\nContent-Length: 5\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n'
n=$(printf "$req_text" | wc -c)
out=$( (printf "$req_text"; printf 'abcde') | $RAW "$PORT" --split "$n")
like "$out" "INTERIM-BEFORE-BODY b'HTTP/1.1 100 Continue" "Expect: 100 Continue before the body"
like "$out" '"body":"abcde"' "Expect: the body then arrives"

# Limits.
big=$(head -c 20000 /dev/zero | tr '\0' a)
out=$(printf 'GET /m/pid HTTP/1.1\r\nHost: a\r\nX-Big: %s\r\n\r\n' "$big" | $RAW "$PORT")
like "$out" 'HTTP/1.1 431' "headers over the limit: 431"
out=$(printf 'POST /m/echo HTTP/1.1\r\nHost: a\r\nContent-Length: 7000000\r\n\r\n' | $RAW "$PORT")
like "$out" 'HTTP/1.1 413' "Content-Length over 6 MiB: 413 before the body"
head -c 6300000 /dev/zero | tr '\0' a > "$T/big.txt"
req POST /m/echo -H 'Content-Type: text/plain' -H 'Transfer-Encoding: chunked' --data-binary @"$T/big.txt"
is "$STATUS" 413 "chunked body over 6 MiB: 413"
out=$(printf 'GET /m/pid HTTP/1.1\r\nHost: a\r\n' | $RAW "$PORT" --read-for 15)
like "$out" 'HTTP/1.1 408' "headers that never end: 408"
out=$(printf 'GARBAGE\r\n\r\n' | $RAW "$PORT")
like "$out" 'HTTP/1.1 400' "malformed request: 400"
like "$out" '"message"' "malformed request: JSON error body"

# The daemon keeps serving after all that.
req GET /m/pid
is "$STATUS" 200 "still serving after bad clients"

# Many idle connections do not stop others from being served.
python3 - "$PORT" > "$T/many.out" <<'PY' &
import socket, sys, time
socks = []
for i in range(300):
    try:
        socks.append(socket.create_connection(("127.0.0.1", int(sys.argv[1]))))
    except OSError as e:
        print("connect failed", e); break
print("open", len(socks)); sys.stdout.flush()
time.sleep(3)
PY
bg=$!
sleep 1
req GET /m/pid
is "$STATUS" 200 "served while 300 idle connections are open"
wait "$bg"
like "$(cat "$T/many.out")" 'open 300' "300 connections accepted"
done_testing
