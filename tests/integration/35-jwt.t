#!/bin/bash
# The JWT authorizer on the request path (issue 10): a function with
# auth = NAME (an [authorizer] with a JWKS from PyJWT's jwt_mint.py, tokens
# minted at the real time) is reached only with a valid token; refusals are
# API Gateway's (401 {"message":"Unauthorized"} with www-authenticate:
# Bearer, 403 {"message":"Forbidden"} for a missing scope), come before any
# worker runs (the invocation count stays), and are counted by reason; the
# event carries the claims and scopes at requestContext.authorizer.jwt
# (payload 2.0) and requestContext.authorizer (1.0); a token in a query
# string works where identity_source says so; routes without auth stay
# open.
. "$(dirname "$0")/lib.sh"
plan 28

mkdir -p "$T/keys"
/usr/bin/python3 "$ROOT/tests/unit/jwt_mint.py" "$T/keys" "$(date +%s)" ||
	{ echo "Bail out! jwt_mint.py failed (python3-jwt, python3-cryptography)"; exit 1; }
chmod -R a+rX "$T/keys"
tok() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["tokens"][sys.argv[2]])' "$T/keys/tokens.json" "$1"; }

EXTRA_CONF='metrics_listen = 127.0.0.1:0

[authorizer users]
type = jwt
issuer = https://issuer.example.com
audience = api
jwks = keys/jwks.json

[authorizer shared]
type = jwt
issuer = https://issuer.example.com
audience = api
secret = keys/secret
identity_source = $request.querystring.token'

fn pub "$TH/misc" 'route = GET /pub/{action}'
fn priv "$TH/misc" 'route = GET /priv/{action}' 'auth = users'
fn scoped "$TH/misc" 'route = GET /scoped/{action}' 'auth = users' 'scopes = admin'
fn v1 "$TH/misc" 'route = GET /v1/{action}' 'auth = users' 'payload = 1.0'
fn hs "$TH/misc" 'route = GET /hs/{action}' 'auth = shared'
start_daemon
MPORT=$(sed -n 's/.*metrics on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$T/daemon.log" | head -n 1)
scrape() {
	curl -sS --max-time 5 "http://127.0.0.1:$MPORT/metrics" > "$T/m.txt"
	awk -v s="$1" 'index($0, s " ") == 1 { print $NF; f = 1 } END { if (!f) print 0 }' "$T/m.txt"
}
hv() { tr -d '\r' < "$T/hdrs" | sed -n "s/^$1: //Ip" | head -n 1; }
INV='lambdad_invocations_total{function="priv",door="http"}'

req GET /pub/pid
is "$STATUS" 200 "a route without auth needs no token"

req GET /priv/event
is "$STATUS $BODY" '401 {"message":"Unauthorized"}' "no token: 401 Unauthorized"
is "$(hv www-authenticate)" Bearer "  ... with www-authenticate: Bearer"
req GET /priv/event -H "Authorization: Bearer $(tok rs256)"
is "$STATUS" 200 "a valid RS256 token: through"
is "$(jget "$BODY" 'j["requestContext"]["authorizer"]["jwt"]["claims"]["sub"]')" user-1 \
	"  ... the event has the claims at requestContext.authorizer.jwt"
is "$(jget "$BODY" 'j["requestContext"]["authorizer"]["jwt"]["claims"]["iss"]')" https://issuer.example.com \
	"  ... every claim as a string"
is "$(jget "$BODY" 'j["requestContext"]["authorizer"]["jwt"]["scopes"]')" null \
	"  ... scopes null on a route without scopes, as API Gateway sends it"
req GET /priv/event -H "Authorization: $(tok es256)"
is "$STATUS" 200 "an ES256 token without 'Bearer ': through"
before=$(scrape "$INV")
for t in expired nbf_future wrong_aud wrong_iss unknown_kid tampered_sig alg_none key_confusion no_exp; do
	req GET /priv/event -H "Authorization: Bearer $(tok $t)"
	is "$STATUS $BODY" '401 {"message":"Unauthorized"}' "$t: 401"
done
req GET /priv/event -H "Authorization: Bearer not.a.token"
is "$STATUS" 401 "garbage: 401"
is "$(scrape "$INV")" "$before" "no refused request woke a worker"
is "$(scrape 'lambdad_apigw_refusals_total{function="priv",route="GET /priv/{action}",status="401",reason="expired"}')" 2 \
	"refusals are counted by reason (expired: the expired token and the one without exp)"
like "$(cat "$T/daemon.log")" 'priv: GET /priv/event refused by authorizer users \(401\)' \
	"the log says why; the client is not told"

req GET /scoped/event -H "Authorization: Bearer $(tok rs256)"
is "$STATUS $BODY" '403 {"message":"Forbidden"}' "a token without the route's scope: 403 Forbidden"
req GET /scoped/event -H "Authorization: Bearer $(tok scp_array)"
is "$STATUS" 200 "scp holding the scope: through"
is "$(jget "$BODY" 'j["requestContext"]["authorizer"]["jwt"]["scopes"]')" '["admin", "read"]' \
	"  ... the token's scopes reach the event"

req GET /v1/event -H "Authorization: Bearer $(tok rs256)"
is "$(jget "$BODY" 'j["requestContext"]["authorizer"]["claims"]["sub"]')" user-1 \
	"payload 1.0: the claims at requestContext.authorizer"

req GET "/hs/event?token=$(tok hs256)"
is "$STATUS" 200 "HS256 from the query string (identity_source)"
req GET /hs/event -H "Authorization: Bearer $(tok hs256)"
is "$STATUS" 401 "  ... and not from the header there"
req GET "/hs/event?token=$(tok hs256_wrong_secret)"
is "$STATUS" 401 "  ... a token signed with another secret: 401"
stop_daemon
done_testing
