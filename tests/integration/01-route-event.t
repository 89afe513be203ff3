#!/bin/bash
# The end-to-end path: curl -> route -> event -> warm worker -> reply mapping.
. "$(dirname "$0")/lib.sh"
plan 34

fn hello "$EX/hello/bootstrap" 'route = GET /hello/{name}' 'route = GET /hello' 'min_idle = 1'
fn misc "$TH/misc" 'route = ANY /m/{action}' 'route = POST /m/{action}/{rest+}' 'max_workers = 1'
fn echo1 "$TH/misc" 'route = ANY /v1/{action}' 'payload = 1.0'
fn http "$EX/http/bootstrap" 'route = ANY /http'
fn dflt "$TH/misc" 'route = $default'
fn exact "$TH/misc" 'route = GET /m/pid'
start_daemon

req GET /hello/world
is "$STATUS" 200 "hello: 200"
like "$BODY" 'Hello, world' "hello: greets its path parameter"

# Warm reuse: the same worker answers twice, counting up.
req GET /m/pid?n=1; a=$BODY
req GET /m/pid?n=2; b=$BODY
is "$(jget "$a" 'j["worker"]')" "$(jget "$b" 'j["worker"]')" "warm: the same worker answers twice"
is "$(jget "$b" 'j["count"]')" 2 "warm: second invocation of that worker"

# Route priority: exact beats {var}; $default catches the rest.
req GET /m/pid
is "$STATUS" 200 "exact route answers"
req GET /nowhere/at/all
is "$STATUS" 200 '$default catches unknown paths'

# The 2.0 event, as the function sees it.
req POST '/m/echo/a/b%20c?x=1&y=2&x=3' -H 'Content-Type: application/json' -H 'X-Multi: one' -H 'X-Multi: two' -H 'Cookie: a=1; b=2' --data-binary '{"k":"v"}'
is "$STATUS" 200 "echo: 200"
is "$(jget "$BODY" 'j["version"]')" "2.0" "event: version 2.0"
is "$(jget "$BODY" 'j["routeKey"]')" 'POST /m/{action}/{rest+}' "event: routeKey"
is "$(jget "$BODY" 'j["rawPath"]')" '/m/echo/a/b%20c' "event: rawPath"
is "$(jget "$BODY" 'j["rawQueryString"]')" 'x=1&y=2&x=3' "event: rawQueryString"
is "$(jget "$BODY" 'j["queryStringParameters"]["x"]')" '1,3' "event: repeated query keys joined"
is "$(jget "$BODY" 'j["pathParameters"]["rest"]')" 'a/b c' "event: greedy parameter without leading slash"
is "$(jget "$BODY" 'j["headers"]["x-multi"]')" 'one,two' "event: repeated headers joined, names lower-case"
is "$(jget "$BODY" 'j["cookies"]')" '["a=1", "b=2"]' "event: cookies"
is "$(jget "$BODY" 'j["requestContext"]["http"]["method"]')" POST "event: requestContext.http.method"
is "$(jget "$BODY" 'j["body"]')" '{"k":"v"}' "event: JSON body as text"
is "$(jget "$BODY" 'j["isBase64Encoded"]')" false "event: JSON body not base64"
like "$(jget "$BODY" 'j["requestContext"]["requestId"]')" '^[0-9a-f-]{36}$' "event: requestId is a UUID"

req POST /m/echo -H 'Content-Type: application/octet-stream' --data-binary 'binary!'
is "$(jget "$BODY" 'j["isBase64Encoded"]')" true "event: octet-stream arrives base64"
is "$(jget "$BODY" 'j["body"]')" "$(printf 'binary!' | base64)" "event: base64 body"

# Payload 1.0.
req GET /v1/echo
is "$(jget "$BODY" 'j["version"]')" "1.0" "event 1.0: version"
is "$(jget "$BODY" 'j["queryStringParameters"]')" "null" "event 1.0: no query string gives null"

# Replies.
req GET '/http?status=201'
is "$STATUS" 201 "structured reply: status"
is "$(printf '%s\n' "$HDRS" | grep -c '^set-cookie:')" 2 "structured reply: two Set-Cookie"
req GET '/m/raw?n=%7B%22k%22%3A1%7D'
is "$STATUS" 200 "plain JSON reply: 200"
is "$(hdr content-type)" "application/json" "plain JSON reply: application/json"
req GET '/m/raw?n=not-json'
is "$STATUS" 502 "malformed reply: 502"
req GET /m/error
is "$STATUS" 500 "function error: 500"
is "$BODY" '{"message":"Internal Server Error"}' "function error: JSON body"

# 404 only when nothing matches: a daemon without $default.
stop_daemon
rm "$T/functions.d/dflt.conf"
start_daemon
req GET /nope
is "$STATUS" 404 "no route: 404"
is "$BODY" '{"message":"Not Found"}' "no route: JSON body"

# Log lines: START, END, REPORT with tabs, Init Duration on the cold start.
req GET /m/log?n=2
rid=$(jget "$BODY" 'j' >/dev/null; sed -n 's/.*START RequestId: \([0-9a-f-]*\).*/\1/p' "$T/daemon.log" | tail -n 1)
wait_log "REPORT RequestId: $rid" 2
like "$(grep "\[misc\] $rid" "$T/daemon.log")" "stdout line 1" "worker output tagged with function and request id"
like "$(grep "REPORT RequestId: $rid" "$T/daemon.log")" $'Duration: [0-9.]+ ms\tBilled Duration: [0-9]+ ms\tMemory Size: 128 MB\tMax Memory Used: [0-9]+ MB\tInit Duration: [0-9.]+ ms' "REPORT line with Init Duration on a cold start"
done_testing
