#!/bin/bash
# Lambda authorizers on the request path (issue 10): [authorizer NAME]
# type = function calls a real function (tests/handlers/authz, a worker
# process like any other) with API Gateway's REQUEST event (payload 2.0)
# while the request waits; it decides from the x-auth header.  Allowed:
# the protected function runs and sees the authorizer's context at
# requestContext.authorizer.lambda; denied: 403 {"message":"Forbidden"};
# the authorizer failing, crashing, replying garbage or timing out: 500
# {"message":"Internal Server Error"}; a missing identity source: 401
# {"message":"Unauthorized"} without calling it (its invocation count
# stays).  With cache_ttl a second request with the same identity is
# decided without calling it again, another identity calls it.  An iam
# authorizer's policy allows or denies by routeArn (wildcards), and its
# principalId reaches the event.  The client going away while its
# authorizer runs frees everything (the daemon keeps serving).
. "$(dirname "$0")/lib.sh"
plan 44

EXTRA_CONF='metrics_listen = 127.0.0.1:0

[authorizer gate]
type = function
function = authz
identity_source = $request.header.X-Auth
cache_ttl = 0

[authorizer cached]
type = function
function = authz
identity_source = $request.header.X-Auth, $context.httpMethod
cache_ttl = 300

[authorizer policy]
type = function
function = authz
response = iam
identity_source = $request.header.X-Auth
cache_ttl = 300

[usage_plan free]
rate = 100'

fn authz "$TH/authz" 'timeout = 1'
fn priv "$TH/misc" 'route = GET /priv/{action}' 'route = POST /priv/{action}' 'auth = gate'
fn cache "$TH/misc" 'route = GET /cache/{action}' 'auth = cached'
fn iam "$TH/misc" 'route = GET /iam/{action}' 'route = GET /elsewhere' 'auth = policy'
fn v1 "$TH/misc" 'route = GET /v1/{action}' 'auth = gate' 'payload = 1.0'
fn keyed "$TH/misc" 'route = GET /keyed/{action}' 'auth = gate' 'api_key = required' 'payload = 1.0'
start_daemon
MPORT=$(sed -n 's/.*metrics on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$T/daemon.log" | head -n 1)
scrape() {
	curl -sS --max-time 5 "http://127.0.0.1:$MPORT/metrics" > "$T/m.txt"
	awk -v s="$1" 'index($0, s " ") == 1 { print $NF; f = 1 } END { if (!f) print 0 }' "$T/m.txt"
}
AINV='lambdad_invocations_total{function="authz",door="http"}'
PINV='lambdad_invocations_total{function="priv",door="http"}'
CTX='j["requestContext"]["authorizer"]["lambda"]'

req GET /priv/echo -H 'X-Auth: allow-ann'
is "$STATUS" 200 "allowed: the function runs"
is "$(jget "$BODY" "$CTX[\"user\"]")" allow-ann \
	"  ... its event has the authorizer's context at requestContext.authorizer.lambda"
is "$(jget "$BODY" "$CTX[\"n\"]")" 7 "  ... with the context's types kept"
is "$(jget "$BODY" "$CTX[\"type\"]")" REQUEST "the authorizer got a REQUEST event"
is "$(jget "$BODY" "$CTX[\"routeArn\"]")" \
	'arn:aws:execute-api:us-east-1:123456789012:lambdad/$default/GET/priv/echo' \
	"  ... with the routeArn"
is "$(jget "$BODY" "$CTX[\"identitySource\"]")" '["allow-ann"]' \
	"  ... and the identity source's values"
req POST /priv/echo -H 'X-Auth: allow-bob' -H 'Content-Type: text/plain' --data-binary 'secret body'
is "$STATUS $(jget "$BODY" "$CTX[\"hasBody\"]")" "200 false" \
	"the REQUEST event carries no body; the function still gets it"
is "$(jget "$BODY" 'j["body"]')" 'secret body' "  ... as its event's body"

before=$(scrape "$AINV")
pbefore=$(scrape "$PINV")
req GET /priv/echo
is "$STATUS $BODY" '401 {"message":"Unauthorized"}' "no identity source: 401 Unauthorized"
req GET /priv/echo -H 'X-Auth;'
is "$STATUS" 401 "an empty identity source: 401"
is "$(scrape "$AINV")" "$before" "  ... and the authorizer was not invoked"

req GET /priv/echo -H 'X-Auth: deny-eve'
is "$STATUS $BODY" '403 {"message":"Forbidden"}' "isAuthorized false: 403 Forbidden"
like "$(dlog)" 'GET /priv/echo refused by authorizer gate \(403\)' "  ... and the log says which authorizer refused"
req GET /priv/echo -H 'X-Auth: error'
is "$STATUS $BODY" '500 {"message":"Internal Server Error"}' "the authorizer's error: 500"
req GET /priv/echo -H 'X-Auth: garbage'
is "$STATUS $BODY" '500 {"message":"Internal Server Error"}' "a reply of neither shape: 500"
req GET /priv/echo -H 'X-Auth: crash'
is "$STATUS $BODY" '500 {"message":"Internal Server Error"}' "the authorizer crashing: 500"
req GET /priv/echo -H 'X-Auth: sleep'
is "$STATUS $BODY" '500 {"message":"Internal Server Error"}' "the authorizer timing out: 500"
is "$(scrape "$PINV")" "$pbefore" "no refused request reached the protected function"
is "$(scrape 'lambdad_apigw_refusals_total{function="priv",route="GET /priv/{action}",status="500",reason="lambda_timeout"}')" 1 \
	"refusals are counted by reason (the timeout)"
is "$(scrape 'lambdad_apigw_refusals_total{function="priv",route="GET /priv/{action}",status="401",reason="identity_missing"}')" 2 \
	"  ... and the missing identity"
req GET /priv/echo -H 'X-Auth: allow-ann'
is "$STATUS" 200 "after all that the authorizer still answers"
like "$(scrape 'lambdad_authorizer_duration_seconds_count{function="authz"}')" '^[1-9]' \
	"the authorizer's latency is a histogram"

req GET /v1/echo -H 'X-Auth: allow-v1'
is "$STATUS" 200 "payload 1.0 function behind the authorizer: through"
is "$(jget "$BODY" 'j["requestContext"]["authorizer"]["user"]')" allow-v1 \
	"  ... its context's members are requestContext.authorizer's (1.0)"

# An API key (checked before the authorizer) and a Lambda authorizer: the
# key's id outlives the wait for the authorizer.
KEY=$("$B/lambdactl" -s "$T/admin.sock" keys add partner --plan free 2>/dev/null)
req GET /keyed/echo -H 'X-Auth: allow-key' -H "x-api-key: $KEY"
KID=$(jget "$BODY" 'j["requestContext"]["identity"]["apiKeyId"]')
is "$STATUS" 200 "API key and Lambda authorizer: through"
like "$("$B/lambdactl" -s "$T/admin.sock" keys ls 2>&1 | grep partner)" " ${KID:-none}( |\$)" \
	"  ... the key's id in the event is the key's (kept across the wait)"
is "$(jget "$BODY" 'j["requestContext"]["authorizer"]["user"]')" allow-key \
	"  ... and the authorizer's context"
before=$(scrape "$AINV")
req GET /keyed/echo -H 'X-Auth: allow-key'
is "$STATUS $(scrape "$AINV")" "403 $before" "no key: 403 before the authorizer is asked"

# Caching, keyed by the identity sources' values.
before=$(scrape "$AINV")
req GET /cache/echo -H 'X-Auth: allow-carl'
is "$STATUS $(jget "$BODY" "$CTX[\"user\"]")" "200 allow-carl" "cached authorizer: first request asks it"
is "$(scrape "$AINV")" "$((before + 1))" "  ... one invocation"
req GET /cache/pid -H 'X-Auth: allow-carl'
is "$STATUS" 200 "the same identity again: through"
is "$(scrape "$AINV")" "$((before + 1))" "  ... without invoking the authorizer"
is "$(scrape 'lambdad_authorizer_cache_hits_total{function="authz"}')" 1 "  ... counted as a cache hit"
req GET /cache/echo -H 'X-Auth: allow-dora'
is "$(scrape "$AINV")" "$((before + 2))" "another identity invokes it"
req GET /cache/echo -H 'X-Auth: deny-dora'
req GET /cache/echo -H 'X-Auth: deny-dora'
is "$STATUS $(scrape "$AINV")" "403 $((before + 3))" "a cached denial is still a 403, from the cache"

# IAM policies.
req GET /iam/echo -H 'X-Auth: iam-allow'
is "$STATUS $(jget "$BODY" 'j["requestContext"]["authorizer"]["principalId"]')" "200 p-allow" \
	"iam: an Allow on the routeArn (wildcards) lets through, principalId in the event"
req GET /elsewhere -H 'X-Auth: iam-allow'
is "$STATUS" 403 "iam: the cached policy, evaluated for another route it does not allow: 403"
req GET /iam/event -H 'X-Auth: iam-deny'
is "$STATUS $BODY" '403 {"message":"Forbidden"}' "iam: an explicit Deny wins over the Allow"
req GET /iam/other -H 'X-Auth: iam-deny'
is "$STATUS" 200 "  ... only where the Deny matches"
req GET /iam/echo -H 'X-Auth: iam-other'
is "$STATUS" 403 "iam: no Allow for this route: 403"

# A client that goes away while its authorizer sleeps.
curl -s -o /dev/null --max-time 0.3 -H 'X-Auth: sleep' "$URL/priv/echo"
sleep 1.5
req GET /priv/pid -H 'X-Auth: allow-ann'
is "$STATUS" 200 "a request aborted while its authorizer ran: the daemon goes on"

# A reload while the authorizer runs: the request is routed again under
# the new configuration, not answered from the freed one.
curl -sS -o "$T/slow.body" -w '%{http_code}' --max-time 10 -H 'X-Auth: slow-sam' \
	"$URL/priv/echo" > "$T/slow.code" &
CPID=$!
wait_log 'authz\] START' 2 >/dev/null
sleep 0.2
kill -HUP "$DPID"
wait "$CPID"
is "$(cat "$T/slow.code") $(jget "$(cat "$T/slow.body")" "$CTX[\"user\"]")" "200 slow-sam" \
	"a reload while authorizing: the request is still answered, authorized"
like "$(dlog)" 'configuration reloaded while authorizing; routed again' \
	"  ... after being routed again"

# A stop while the authorizer runs: the grace period waits for it, and the
# request is answered before the daemon exits.
curl -sS -o "$T/stop.body" -w '%{http_code}' --max-time 10 -H 'X-Auth: slow-tom' \
	"$URL/priv/echo" > "$T/stop.code" &
CPID=$!
sleep 0.3
stop_daemon
wait "$CPID"
is "$DEXIT $(cat "$T/stop.code") $(jget "$(cat "$T/stop.body")" "$CTX[\"user\"]")" "0 200 slow-tom" \
	"SIGTERM while authorizing: the request is answered, then a clean exit"

done_testing
