#!/bin/bash
# The API gateway's first stages (issue 10): CORS with HTTP API
# corsConfiguration semantics and route throttling, against the real
# daemon.  Preflights are sent with the headers a browser (Chromium) sends;
# the gateway answers them without any OPTIONS route and without waking a
# worker; actual replies carry the CORS headers for allowed origins only;
# a function with CORS off keeps its own CORS headers; a throttled route
# answers 429 with API Gateway's body before any worker runs (the
# function's invocation count from /metrics does not move); a reload
# changes both without a restart; * with credentials is refused at load.
. "$(dirname "$0")/lib.sh"
plan 60

APP=https://app.example
# What Chromium sends for fetch(url, {method: "PUT", headers:
# {"Content-Type": "application/json", "X-Custom": "1"}}) from $APP.
preflight() {
	path=$1 origin=$2 method=$3; shift 3
	req OPTIONS "$path" -H "Origin: $origin" \
		-H "Access-Control-Request-Method: $method" \
		-H 'Accept: */*' -H 'Accept-Language: en-US,en;q=0.9' \
		-H 'Accept-Encoding: gzip, deflate, br' \
		-H 'User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36' \
		-H 'Sec-Fetch-Mode: cors' -H 'Sec-Fetch-Site: cross-site' \
		-H 'Sec-Fetch-Dest: empty' -H "Referer: $origin/" "$@"
}
# hv NAME: a header of the last reply, its value as sent (hdr lower-cases).
hv() { tr -d '\r' < "$T/hdrs" | sed -n "s/^$1: //Ip" | head -n 1; }
# count NAME: how many times a header came in the last reply.
count() { printf '%s\n' "$HDRS" | grep -c "^$1:"; }
# scrape SERIES: its value in /metrics (0 if absent).
scrape() {
	curl -sS --max-time 5 "$MURL/metrics" > "$T/m.txt"
	v=$(grep -F "$1 " "$T/m.txt" | awk '{print $NF}' | head -n 1)
	echo "${v:-0}"
}
INV='lambdad_invocations_total{function="thr",door="http"}'
INVW='lambdad_invocations_total{function="web",door="http"}'

fn web "$TH/misc" 'route = GET /web/{action}' 'route = PUT /web/{action}'
fn own "$TH/misc" 'route = ANY /own/{action}' 'cors = off'
fn star "$TH/misc" 'route = GET /star/{action}' 'allow_origins = *' \
	'allow_methods = *' 'allow_headers = *' 'allow_credentials = off'
fn thr "$TH/misc" 'route = GET /thr/{action}' 'throttle_rate = 0.001' \
	'throttle_burst = 2'
fn offget "$TH/misc" 'route = GET /offget/{action}' 'cors = off'
fn iam "$TH/misc" 'route = GET /iam/{action}' 'auth = aws_iam' \
	'throttle_rate = 0.001' 'throttle_burst = 1'

# ---- * with credentials is refused at load, as API Gateway refuses it ----
cat > "$T/bad.conf" <<CONF
[lambdad]
functions = functions.d
state_dir = state
access_key = AKIDLAMBDADTEST1:s3cret/Key+Lambdad0123456789
[cors]
allow_origins = *
allow_credentials = on
CONF
"$B/lambdad" -t -c "$T/bad.conf" > "$T/t.out" 2>&1; rc=$?
is "$rc" 1 "allow_origins = * with allow_credentials = on: lambdad -t fails"
like "$(cat "$T/t.out")" "bad.conf:5: \[cors\]: allow_credentials is not supported if allow_origins is \*" \
	"the error names file:line and the rule"

EXTRA_CONF="metrics_listen = 127.0.0.1:0
access_key = AKIDLAMBDADTEST1:s3cret/Key+Lambdad0123456789
[cors]
allow_origins = $APP, http://localhost:1
allow_methods = GET, PUT
allow_headers = content-type, x-custom
expose_headers = x-request-id
max_age = 600
allow_credentials = on"
start_daemon
MPORT=$(sed -n 's/.*metrics on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$T/daemon.log" | head -n 1)
MURL="http://127.0.0.1:$MPORT"

# ---- preflights: answered by the gateway, no OPTIONS route, no worker ----
preflight /web/pid "$APP" PUT -H 'Access-Control-Request-Headers: content-type,x-custom'
is "$STATUS" 204 "preflight from an allowed origin: 204 (no OPTIONS route exists)"
is "$(hv access-control-allow-origin)" "$APP" "Access-Control-Allow-Origin: the origin"
is "$(hv access-control-allow-methods)" "GET,PUT" "Access-Control-Allow-Methods: the configured methods"
is "$(hv access-control-allow-headers)" "content-type,x-custom" "Access-Control-Allow-Headers"
is "$(hv access-control-max-age)" 600 "Access-Control-Max-Age"
is "$(hv access-control-allow-credentials)" true "Access-Control-Allow-Credentials: true"
is "$(hv vary)" Origin "Vary: Origin"
is "$(count access-control-expose-headers)" 0 "no Expose-Headers on a preflight"
is "$BODY" "" "no body"
is "$(scrape "$INVW")" 0 "no worker ran for the preflight"
unlike "$(dlog)" '\[web\] START' "and none started"

preflight /web/pid https://evil.example PUT
is "$STATUS" 204 "preflight from another origin: still 204"
is "$(count access-control-)" 0 "but no Access-Control-* header at all"
is "$(hv vary)" Origin "Vary: Origin"

# ---- actual requests ----
req PUT /web/pid -H "Origin: $APP" -H 'Content-Type: application/json' -H 'X-Custom: 1' -d '{}'
is "$STATUS" 200 "the actual PUT reaches the function"
like "$BODY" '"pid":' "its reply"
is "$(hv access-control-allow-origin)" "$APP" "Access-Control-Allow-Origin on the function's reply"
is "$(hv access-control-allow-credentials)" true "Access-Control-Allow-Credentials"
is "$(hv access-control-expose-headers)" x-request-id "Access-Control-Expose-Headers"
is "$(count access-control-allow-methods)" 0 "no Allow-Methods on an actual reply"
req GET /web/pid -H 'Origin: https://evil.example'
is "$STATUS" 200 "another origin's request is served (the browser hides it)"
is "$(count access-control-)" 0 "without CORS headers"
req GET /web/pid
is "$(count access-control-)" 0 "no Origin: no CORS headers"
is "$(hv vary)" Origin "but Vary: Origin"
is "$(scrape "$INVW")" 3 "three invocations of web, none for the preflights"

# With CORS on, the function's own CORS headers are ignored, as on AWS.
OWNR='{"statusCode":200,"headers":{"Access-Control-Allow-Origin":"https://own.example","Access-Control-Max-Age":"1","X-Own":"1"},"body":"own"}'
req GET /web/raw -G --data-urlencode "n=$OWNR" -H "Origin: $APP"
is "$(hv access-control-allow-origin)" "$APP" "CORS on: ours replaces the function's Allow-Origin"
is "$(count access-control-allow-origin)" 1 "only one Allow-Origin"
is "$(count access-control-max-age)" 0 "the function's other Access-Control-* dropped"
is "$(hv x-own)" 1 "its other headers kept"

# ---- CORS off: the function's own headers pass untouched ----
req GET /own/raw -G --data-urlencode "n=$OWNR" -H "Origin: $APP"
is "$(hv access-control-allow-origin)" https://own.example "CORS off: the function's own Allow-Origin kept"
is "$(hv access-control-max-age)" 1 "and its Max-Age"
is "$(count vary)" 0 "nothing added"
preflight /own/pid "$APP" PUT
is "$STATUS" 200 "CORS off: a preflight goes to the function (its ANY route)"
like "$BODY" '"pid":' "which answered it"

# ---- a function's own configuration: * ----
preflight /star/pid "$APP" DELETE
is "$STATUS" 204 "a preflight for a method no route serves: answered from [cors], as API Gateway does"
is "$(hv access-control-allow-methods)" "GET,PUT" "with [cors]'s lists"
preflight /nowhere "$APP" GET
is "$STATUS:$(hv access-control-allow-origin)" "204:$APP" "the same for a path no route serves"
req GET /nowhere -H "Origin: $APP"
is "$STATUS" 404 "while the request itself is 404"
preflight /offget/pid "$APP" GET
is "$STATUS:$(count access-control-)" "404:0" "a cors = off function's route with no OPTIONS route: 404, not [cors]'s answer"
preflight /star/pid https://anyone.example GET -H 'Access-Control-Request-Headers: x-a'
is "$(hv access-control-allow-origin)" '*' "allow_origins = *: Allow-Origin *"
is "$(hv access-control-allow-methods)" '*' "allow_methods = *"
is "$(hv access-control-max-age)" 600 "max_age inherited from [cors]"
is "$(count vary)" 0 "no Vary when every origin gets *"

# ---- throttling: 429 before any worker ----
codes=""
for i in 1 2 3 4 5; do
	req GET /thr/pid -H "Origin: $APP"
	codes="$codes$STATUS "
	[ "$STATUS" = 429 ] && { B429=$BODY; CT429=$(hv content-type); A429=$(hv access-control-allow-origin); }
done
is "$codes" "200 200 429 429 429 " "burst 2 at 0.001/s: two served, then 429"
is "$B429" '{"message":"Too Many Requests"}' "API Gateway's body"
is "$CT429" application/json "as JSON"
is "$A429" "$APP" "the 429 carries the CORS headers (the page can read it)"
is "$(scrape "$INV")" 2 "the function ran twice: the refused ones woke no worker"
is "$(grep -c '\[thr\] START' "$T/daemon.log")" 2 "two START lines"
is "$(scrape 'lambdad_apigw_refusals_total{function="thr",route="GET /thr/{action}",status="429",reason="throttle"}')" 3 \
	"lambdad_apigw_refusals_total counts the three by route and reason"

# API Gateway's order: throttling comes before the authorizer.
req GET /iam/pid
is "$STATUS" 403 "aws_iam route, unsigned: 403 (it took the one token)"
req GET /iam/pid
is "$STATUS:$BODY" '429:{"message":"Too Many Requests"}' "then 429: throttled before the signature is looked at"
is "$(scrape 'lambdad_apigw_refusals_total{function="iam",route="GET /iam/{action}",status="403",reason="aws_iam"}')" 1 \
	"the 403 is counted with reason aws_iam"

# ---- reloads change both, without a restart ----
# First a reload that changes only [cors]: the route's bucket keeps its
# (spent) tokens, so a reload is no way around the limit.
sed -i "s|^allow_origins = $APP, |allow_origins = |" "$T/lambdad.conf"
kill -HUP "$DPID"
wait_log 'reloaded' 5; ok $? "reloaded ([cors] changed)"
preflight /web/pid "$APP" PUT
is "$(count access-control-allow-origin)" 0 "the origin taken out of [cors] is no longer allowed"
req GET /thr/pid
is "$STATUS" 429 "the throttled route's bucket survived the reload"
sed -i 's/^throttle_rate = 0.001/throttle_rate = 0/' "$T/functions.d/thr.conf"
kill -HUP "$DPID"
i=0; while [ "$(grep -c 'reloaded' "$T/daemon.log")" -lt 2 ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
is "$(grep -c 'reloaded' "$T/daemon.log")" 2 "reloaded (throttle_rate = 0)"
codes=""
for i in 1 2 3; do req GET /thr/pid; codes="$codes$STATUS "; done
is "$codes" "200 200 200 " "throttle_rate = 0 after the reload: no limit"

done_testing
