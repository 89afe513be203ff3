#!/bin/bash
# The response cache (issue 10): a function with cache_ttl has its GET
# 200s answered from memory without a worker (its invocation count stays,
# and a hit is served with its only worker killed); the same body, Age
# and ETag, 304 to If-None-Match; TTL expiry; keys by the named query
# parameter and header; Cache-Control: max-age=0 refreshing where
# cache_invalidate allows it (anyone, authorized with aws_iam) and ignored
# where it does not; an aws_iam route still refusing unsigned requests
# before the cache; eviction at cache_size; POST and non-200 replies never
# cached; the hits, misses, evictions and bytes in /metrics; a reload that
# turns a function's caching off.
. "$(dirname "$0")/lib.sh"
plan 46

ID=AKIDLAMBDADCACHE1
SECRET=s3cret/Key+Lambdad0123456789
EXTRA_CONF="metrics_listen = 127.0.0.1:0
access_key = $ID:$SECRET
cache_size = 1"

fn c "$TH/misc" 'route = GET /c/{action}' 'route = POST /c/{action}' \
	'cache_ttl = 30' 'cache_key = $request.querystring.n $request.header.X-Lang'
fn short "$TH/misc" 'route = GET /short/{action}' 'cache_ttl = 1'
fn open "$TH/misc" 'route = GET /open/{action}' 'cache_ttl = 30' \
	'cache_invalidate = anyone'
fn iam "$TH/misc" 'route = GET /iam/{action}' 'cache_ttl = 30' 'auth = aws_iam'
fn big "$TH/misc" 'route = GET /big/{action}' 'cache_ttl = 30' \
	'cache_key = $request.querystring.n'
fn plain "$TH/misc" 'route = GET /plain/{action}'
start_daemon
MPORT=$(sed -n 's/.*metrics on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$T/daemon.log" | head -n 1)
scrape() {
	curl -sS --max-time 5 "http://127.0.0.1:$MPORT/metrics" > "$T/m.txt"
	awk -v s="$1" 'index($0, s " ") == 1 { print $NF; f = 1 } END { if (!f) print 0 }' "$T/m.txt"
}
inv() { scrape "lambdad_invocations_total{function=\"$1\",door=\"http\"}"; }
count() { jget "$BODY" 'j["count"]'; }
SIG=(--aws-sigv4 "aws:amz:us-east-1:execute-api" --user "$ID:$SECRET")

# ---- a hit: the same reply, no worker ----
req GET '/c/pid?n=1'
is "$STATUS" 200 "the first GET: the function's reply"
first=$BODY
etag=$(hdr etag)
like "$etag" '^"[0-9a-f]{32}"$' "  ... with a strong ETag"
is "$(hdr age)" "" "  ... and no Age (it is not from the cache)"
before=$(inv c)
req GET '/c/pid?n=1'
is "$STATUS $BODY" "200 $first" "the second: the same body (the count did not move)"
is "$(hdr etag)" "$etag" "  ... the same ETag"
like "$(hdr age)" '^[0-9]+$' "  ... an Age"
is "$(hdr content-type)" "application/json" "  ... the stored Content-Type"
is "$(inv c)" "$before" "  ... and no invocation"
# Kill the function's only worker: the cache still answers.
w=$(wpid c)
kill -KILL "$w" 2>/dev/null
i=0; while kill -0 "$w" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
! kill -0 "$w" 2>/dev/null; ok $? "the worker ($w) is gone"
spawned=$(grep -c ' c: worker .* spawned' "$T/daemon.log")
req GET '/c/pid?n=1'
is "$STATUS $BODY" "200 $first" "a hit with no worker running"
is "$(grep -c ' c: worker .* spawned' "$T/daemon.log")" "$spawned" "  ... and none started for it"

# ---- 304 ----
rm -f "$T/body"	# (curl writes no file for an empty body)
req GET '/c/pid?n=1' -H "If-None-Match: $etag"
is "$STATUS" 304 "If-None-Match with the ETag: 304"
is "$(cat "$T/body" 2>/dev/null | wc -c)" 0 "  ... without a body"
is "$(hdr etag)" "$etag" "  ... with the ETag"
# On the wire: a 304, then the next pipelined reply right after its head.
out=$(printf 'GET /c/pid?n=1 HTTP/1.1\r\nHost: a\r\nIf-None-Match: %s\r\n\r\nGET /c/pid?n=1 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n' "$etag" |
	python3 "$ROOT/tests/integration/rawhttp.py" "$PORT" | tr -d '\r')
like "$(printf '%s' "$out" | tr '\n' '|')" '^HTTP/1.1 304 [^|]*\|([^|]+\|)+\|HTTP/1.1 200 ' \
	"  ... no body bytes on the wire (the next reply follows its head)"
req GET '/c/pid?n=1' -H 'If-None-Match: "something-else"'
is "$STATUS $BODY" "200 $first" "another ETag: the full reply"

# A function that sends its own ETag keeps it, alone.
req GET '/open/raw?n=%7B%22statusCode%22%3A200%2C%22headers%22%3A%7B%22ETag%22%3A%22%5C%22v9%5C%22%22%7D%2C%22body%22%3A%22x%22%7D'
is "$(printf '%s\n' "$HDRS" | grep -c '^etag:') $(hdr etag)" '1 "v9"' "a function's own ETag: kept, no second one"
req GET '/open/raw?n=%7B%22statusCode%22%3A200%2C%22headers%22%3A%7B%22ETag%22%3A%22%5C%22v9%5C%22%22%7D%2C%22body%22%3A%22x%22%7D' -H 'If-None-Match: "v9"'
is "$STATUS $(hdr etag)" '304 "v9"' "  ... and the one a hit compares"

# ---- keys ----
req GET '/c/pid?n=2'
isnt_first=$BODY
[ "$STATUS" = 200 ] && [ "$BODY" != "$first" ]; ok $? "another n: a miss (a fresh count)"
req GET '/c/pid?n=1&other=x'
is "$BODY" "$first" "a parameter the key does not name: the same entry"
req GET '/c/pid?n=1' -H 'X-Lang: fr'
[ "$BODY" != "$first" ] && [ "$BODY" != "$isnt_first" ]; ok $? "a header the key names: another entry"
req GET '/c/pid?n=1' -H 'x-lang: fr'
fr=$BODY
req GET '/c/pid?n=1' -H 'X-Lang: fr'
is "$BODY" "$fr" "  ... hit again with the same value"

# ---- never cached: POST, non-200, functions without cache_ttl ----
before=$(inv c)
req POST '/c/pid?n=1'; p1=$(count)
req POST '/c/pid?n=1'; p2=$(count)
[ "$p1" != "$p2" ] && [ "$(inv c)" = $((before + 2)) ]; ok $? "POST is never cached"
before=$(inv c)
req GET '/c/raw?n=%7B%22statusCode%22%3A404%2C%22body%22%3A%22nf%22%7D'
is "$STATUS $BODY" "404 nf" "a 404 from the function"
req GET '/c/raw?n=%7B%22statusCode%22%3A404%2C%22body%22%3A%22nf%22%7D'
is "$STATUS $(inv c)" "404 $((before + 2))" "  ... is not cached"
req GET /plain/pid; p1=$(count)
req GET /plain/pid; p2=$(count)
[ "$p1" != "$p2" ] && [ -z "$(hdr etag)" ]; ok $? "a function without cache_ttl: untouched"

# ---- TTL ----
req GET /short/pid; s1=$BODY
req GET /short/pid
is "$BODY" "$s1" "cache_ttl = 1: a hit at once"
sleep 1.2
req GET /short/pid
[ "$STATUS" = 200 ] && [ "$BODY" != "$s1" ]; ok $? "  ... a miss after it expired"

# ---- Cache-Control: max-age=0 ----
req GET /c/pid -H 'Cache-Control: max-age=0'; c1=$BODY
req GET /c/pid -H 'Cache-Control: max-age=0'
is "$BODY" "$c1" "max-age=0 on an open route with cache_invalidate = authorized: ignored"
req GET /open/pid; o1=$BODY
req GET /open/pid -H 'Cache-Control: max-age=0'; o2=$BODY
[ "$o2" != "$o1" ]; ok $? "cache_invalidate = anyone: max-age=0 goes to the function"
req GET /open/pid
is "$BODY" "$o2" "  ... and refreshed the entry"
req GET /iam/pid "${SIG[@]}"; i1=$BODY
is "$STATUS" 200 "aws_iam route, signed: 200"
req GET /iam/pid
is "$STATUS $BODY" '403 {"message":"Forbidden"}' "  ... unsigned: 403 though the reply is cached"
req GET /iam/pid "${SIG[@]}"
is "$BODY" "$i1" "  ... signed again: a hit"
req GET /iam/pid "${SIG[@]}" -H 'Cache-Control: max-age=0'; i2=$BODY
[ "$i2" != "$i1" ]; ok $? "  ... a signed max-age=0 (authorized): refreshed"
req GET /iam/pid "${SIG[@]}"
is "$BODY" "$i2" "  ... the entry is the new reply"

# ---- eviction at cache_size (1 MB) ----
ev=$(scrape 'lambdad_apigw_cache_evictions_total{function="big"}')
for n in 400000 400001; do req GET "/big/big?n=$n"; done
before=$(inv big)
req GET '/big/big?n=400000'
is "$STATUS $(inv big)" "200 $before" "two 400 kB replies fit in 1 MB: a hit"
bytes=$(scrape 'lambdad_apigw_cache_bytes{function="big"}')
[ "$bytes" -gt 800000 ] && [ "$bytes" -le 1048576 ]; ok $? "lambdad_apigw_cache_bytes counts them ($bytes)"
req GET '/big/big?n=400002'
is "$(scrape 'lambdad_apigw_cache_evictions_total{function="big"}')" $((ev + 1)) \
	"a third evicts one"
before=$(inv big)
req GET '/big/big?n=400001'
is "$(inv big)" $((before + 1)) "  ... the least recently used (n=400001): a miss"
req GET '/big/big?n=400002'
is "$(inv big)" $((before + 1)) "  ... the newest is still there"

# ---- the metrics ----
is "$(scrape 'lambdad_apigw_cache_hits_total{function="short"}')" 1 "hits counted (short: 1)"
is "$(scrape 'lambdad_apigw_cache_misses_total{function="short"}')" 2 "misses counted (short: 2)"

# ---- a reload: open stops caching ----
req GET '/c/pid?n=9'; keep=$BODY
sed -i '/^cache_/d' "$T/functions.d/open.conf"
"$B/lambdactl" -s "$T/admin.sock" reload > /dev/null; ok $? "reload with open's cache_ttl gone"
req GET /open/pid; r1=$BODY
req GET /open/pid; r2=$BODY
[ "$r1" != "$o2" ] && [ "$r1" != "$r2" ]; ok $? "  ... its entries were dropped, nothing is cached"
req GET '/c/pid?n=9'
is "$BODY" "$keep" "  ... c's entries were kept"
stop_daemon
done_testing
