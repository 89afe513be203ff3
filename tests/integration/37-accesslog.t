#!/bin/bash
# Access logs, tracing and stages (issue 10).  access_log = FILE writes one
# line per request the public front answers, in API Gateway's $context
# variables, parsed here field by field: a 200 from a function, a 404, a
# 401 from a JWT authorizer, a 429 throttle, a 504 timeout; SIGUSR1 after
# a logrotate-style rename reopens the file; a reload to a custom
# access_log_format and a new file.  Trace ids: a caller's X-Amzn-Trace-Id
# reaches the function (_X_AMZN_TRACE_ID) and comes back; without one a
# well-formed id is made, the same in the reply, the function and the
# log; a W3C traceparent becomes the same trace.  stage and
# stage_variable reach the event (payloads 2.0 and 1.0).
. "$(dirname "$0")/lib.sh"
plan 86

mkdir -p "$T/keys"
/usr/bin/python3 "$ROOT/tests/unit/jwt_mint.py" "$T/keys" "$(date +%s)" ||
	{ echo "Bail out! jwt_mint.py failed (python3-jwt, python3-cryptography)"; exit 1; }
chmod -R a+rX "$T/keys"
tok() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["tokens"][sys.argv[2]])' "$T/keys/tokens.json" "$1"; }

EXTRA_CONF='access_log = access.log
metrics_listen = 127.0.0.1:0
stage = prod
stage_variable = color=blue
stage_variable = backend=https://b.example/v1?x="y"

[authorizer users]
type = jwt
issuer = https://issuer.example.com
audience = api
jwks = keys/jwks.json

[authorizer gate]
type = function
function = authz
identity_source = $request.header.X-Auth
cache_ttl = 0

[usage_plan gold]
rate = 1000'

fn app "$TH/misc" 'route = ANY /app/{action}' 'timeout = 1'
fn old "$TH/misc" 'route = GET /v1/{action}' 'payload = 1.0'
fn priv "$TH/misc" 'route = GET /priv/{action}' 'auth = users'
fn thr "$TH/misc" 'route = GET /thr/{action}' 'throttle_rate = 0.001' 'throttle_burst = 1'
fn keyed "$TH/misc" 'route = GET /keyed/{action}' 'api_key = required'
fn cached "$TH/misc" 'route = GET /cached/{action}' 'cache_ttl = 60'
fn authz "$TH/authz" 'timeout = 1'
fn lam "$TH/misc" 'route = GET /lam/{action}' 'auth = gate'
start_daemon
AL="$T/access.log"

# al_wait FILE N: until FILE has N lines (the writer is asynchronous).
al_wait() {
	i=0
	while [ "$({ wc -l < "$1"; } 2>/dev/null || echo 0)" -lt "$2" ] && [ $i -lt 100 ]; do
		sleep 0.05; i=$((i + 1))
	done
}
# After one request: wait for its line; LINE is it.
NL=0
next_line() {
	NL=$((NL + 1))
	al_wait "$AL" "$NL"
	LINE=$(sed -n "${NL}p" "$AL")
}
f() { jget "$LINE" "j[\"$1\"]"; }
hv() { tr -d '\r' < "$T/hdrs" | sed -n "s/^$1: //Ip" | head -n 1; }

# ---- a 200 ----
req GET /app/echo -A 'al-test/1.0'
is "$STATUS" 200 "a routed request: 200"
EV=$BODY
TRACE=$(hv x-amzn-trace-id)
next_line
is "$(printf '%s' "$LINE" | python3 -c 'import json,sys; json.load(sys.stdin); print("json")')" json \
	"the default line is one JSON object"
is "$(f requestId)" "$(jget "$EV" 'j["requestContext"]["requestId"]')" "requestId: the event's"
is "$(hv apigw-requestid)" "$(jget "$EV" 'j["requestContext"]["requestId"]')" \
	"the reply's Apigw-Requestid: the event's requestContext.requestId"
is "$(f ip)" 127.0.0.1 "identity.sourceIp"
is "$(f userAgent)" al-test/1.0 "identity.userAgent"
is "$(f httpMethod)" GET "httpMethod"
is "$(f routeKey)" 'ANY /app/{action}' "routeKey"
is "$(f path)" /app/echo "path"
is "$(f protocol)" HTTP/1.1 "protocol"
is "$(f status)" 200 "status"
is "$(f responseLength)" "$(wc -c < "$T/body" | tr -d ' ')" "responseLength: the body's bytes"
like "$(f responseLatency)" '^[0-9]+$' "responseLatency in ms"
like "$(f integrationLatency)" '^[0-9]+$' "integrationLatency in ms"
is "$(f integrationStatus)" 200 "integrationStatus: Lambda's 200"
is "$(f integrationErrorMessage)" - "no integration error: -"
is "$(f errorMessage)" - "no gateway error: -"
is "$(f authorizerError)" - "no authorizer: -"
is "$(f domainName)" 127.0.0.1 "domainName: the Host without the port"
is "$(f stage)" prod "stage"
like "$(f requestTime)" '^[0-9]{2}/[A-Z][a-z]{2}/20[0-9]{2}:[0-9]{2}:[0-9]{2}:[0-9]{2} \+0000$' \
	"requestTime in API Gateway's CLF form"
now=$(date +%s)
ep=$(f requestTimeEpoch)
ok "$([ $((ep / 1000)) -ge $((now - 60)) ] && [ $((ep / 1000)) -le $((now + 1)) ]; echo $?)" \
	"requestTimeEpoch: epoch milliseconds of now"
is "$(f xrayTraceId)" "$(printf '%s' "$TRACE" | sed 's/^Root=\([^;]*\).*/\1/')" \
	"xrayTraceId: the Root of the reply's X-Amzn-Trace-Id"

# ---- stages ----
is "$(jget "$EV" 'j["requestContext"]["stage"]')" prod "stage = prod: requestContext.stage (2.0)"
is "$(jget "$EV" 'j["stageVariables"]["color"]')" blue "stage_variable: stageVariables (2.0)"
is "$(jget "$EV" 'j["stageVariables"]["backend"]')" 'https://b.example/v1?x="y"' \
	"  ... values as written, quotes and all"
req GET /v1/echo
next_line
EV1=$BODY
is "$(jget "$EV1" 'j["stageVariables"]["color"]')" blue "stageVariables (1.0)"
is "$(jget "$EV1" 'j["requestContext"]["stage"]')" prod "requestContext.stage (1.0)"
is "$(f routeKey)" 'GET /v1/{action}' "the 1.0 route's line"

# ---- a 404 ----
req GET /nowhere -A 'x"y'
is "$STATUS" 404 "no route: 404"
next_line
is "$(f status)" 404 "404: logged"
is "$(f routeKey)" - "  ... no routeKey"
is "$(f path)" /nowhere "  ... its path"
is "$(f errorMessage)" "Not Found" "  ... error.message: the gateway's"
is "$(f integrationStatus)" - "  ... no integration"
is "$(f userAgent)" 'x"y' "  ... a quote in a value stays JSON"
like "$(f requestId)" '^[0-9a-f-]{36}$' "  ... a request id of its own"
is "$(hv apigw-requestid)" "$(f requestId)" "  ... in its Apigw-Requestid header too"

# ---- a 401 from the JWT authorizer ----
req GET /priv/event
is "$STATUS" 401 "no token: 401"
next_line
is "$(f status) $(f errorMessage) $(f authorizerError)" "401 Unauthorized missing_token" \
	"401: status, error.message, authorizer.error"
req GET /priv/event -H "Authorization: Bearer $(tok expired)"
next_line
is "$(f authorizerError)" expired "an expired token: authorizer.error expired"
req GET /priv/event -H "Authorization: Bearer $(tok rs256)"
is "$STATUS" 200 "a valid token: 200"
next_line
is "$(f status) $(f authorizerError)" "200 -" "  ... logged without an authorizer error"

# ---- a Lambda authorizer's refusal (an asynchronous stage) ----
req GET /lam/echo -H 'X-Auth: deny-ann'
is "$STATUS" 403 "a Lambda authorizer says no: 403"
next_line
is "$(f status) $(f errorMessage) $(f authorizerError)" "403 Forbidden lambda_deny" \
	"  ... logged once it has answered, with authorizer.error"

# ---- a 429 ----
req GET /thr/pid
next_line
req GET /thr/pid
is "$STATUS" 429 "past the bucket: 429"
next_line
is "$(f status) $(f errorMessage) $(f routeKey)" "429 Too Many Requests GET /thr/{action}" \
	"429: logged with its message and route"

# ---- a cache hit: the function's reply, no integration ----
req GET /cached/pid
next_line
is "$(f status) $(f integrationStatus)" "200 200" "a cache miss: the function answered"
req GET /cached/pid
is "$(hv age | grep -c .)" 1 "the same again: a hit"
next_line
is "$(f status) $(f integrationStatus) $(f errorMessage)" "200 - -" \
	"  ... logged as a 200 with no integration"
is "$(f responseLength)" "$(wc -c < "$T/body" | tr -d ' ')" "  ... its length"

# ---- a 504 ----
req GET "/app/sleep?n=3000"
is "$STATUS" 504 "past timeout = 1: 504"
next_line
is "$(f status) $(f errorMessage)" "504 Gateway Timeout" "504: logged"
is "$(f integrationErrorMessage)" Sandbox.Timedout "  ... integrationErrorMessage"
like "$(f integrationLatency)" '^[0-9]{3,}$' "  ... integrationLatency: the second it ran"

# ---- tracing ----
envvar() { jget "$BODY" "[e.split('=',1)[1] for e in j if e.startswith('$1=')][0]"; }
GIVEN='Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1'
req GET /app/env -H "X-Amzn-Trace-Id: $GIVEN"
is "$(envvar _X_AMZN_TRACE_ID)" "$GIVEN" "a given X-Amzn-Trace-Id reaches the function"
is "$(hv x-amzn-trace-id)" "$GIVEN" "  ... and comes back in the reply"
next_line
is "$(f xrayTraceId)" 1-5759e988-bd862e3fe1be46a994272793 "  ... and is in the log"
req GET /app/env
MADE=$(hv x-amzn-trace-id)
like "$MADE" '^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0$' \
	"none given: one is made, as X-Ray makes it"
ep=$(printf '%s' "$MADE" | sed 's/^Root=1-\([0-9a-f]\{8\}\).*/\1/')
ok "$([ $((16#$ep)) -ge $(( $(date +%s) - 60 )) ]; echo $?)" "  ... its first part is the epoch"
is "$(envvar _X_AMZN_TRACE_ID)" "$MADE" "  ... the function has the same"
next_line
is "$(f xrayTraceId)" "$(printf '%s' "$MADE" | sed 's/^Root=\([^;]*\).*/\1/')" "  ... so has the log"
req GET /app/env -H 'traceparent: 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'
is "$(hv x-amzn-trace-id)" 'Root=1-0af76519-16cd43dd8448eb211c80319c;Parent=b7ad6b7169203331;Sampled=1' \
	"a W3C traceparent: the same trace in X-Ray's form"
is "$(envvar _X_AMZN_TRACE_ID)" 'Root=1-0af76519-16cd43dd8448eb211c80319c;Parent=b7ad6b7169203331;Sampled=1' \
	"  ... reaches the function"
next_line
req GET /app/env -H 'X-Amzn-Trace-Id: Root=1-zz;x'
like "$(hv x-amzn-trace-id)" '^Root=1-[0-9a-f]{8}-[0-9a-f]{24};' "a malformed one is replaced"
next_line
req GET /app/echo
is "$(jget "$BODY" 'j["headers"]["x-amzn-trace-id"]')" "$(hv x-amzn-trace-id)" \
	"the event's x-amzn-trace-id header is the trace id made"
next_line
req GET /app/echo -H 'X-Amzn-Trace-Id: Root=1-zz;x'
is "$(jget "$BODY" 'j["headers"]["x-amzn-trace-id"]')" "$(hv x-amzn-trace-id)" \
	"  ... and replaces a malformed one"
next_line

# ---- SIGUSR1 after logrotate's rename ----
n1=$(wc -l < "$AL")
mv "$AL" "$AL.1"
# logrotate's "create 0640 USER": the daemon reopens as its dropped user.
install -m 0640 -o "$(ps -o user= -p "$DPID" | tr -d ' ')" /dev/null "$AL"
kill -USR1 "$DPID"
wait_log "access log .*access.log reopened" 5
ok $? "SIGUSR1: the access log is reopened"
req GET /app/pid
NL=0
next_line
is "$(f path)" /app/pid "the next line goes to the new file"
is "$(wc -l < "$AL.1")" "$n1" "  ... the rotated one has no more"

# ---- a reload to a custom format in another file ----
sed -i 's|^access_log = access.log|access_log = custom.log\naccess_log_format = $context.requestId [$context.stage] "$context.httpMethod $context.path" $context.status sub=$context.authorizer.claims.sub scopes=$context.authorizer.scopes key=$context.identity.apiKeyId tp=$context.traceparent user=$context.authorizer.user|' "$T/lambdad.conf"
# Opened after the privilege drop, as user = (lambdad.conf(5) says so).
install -m 0640 -o "$(ps -o user= -p "$DPID" | tr -d ' ')" /dev/null "$T/custom.log"
kill -HUP "$DPID"
wait_log "reloaded" 10
ok $? "reloaded with access_log = custom.log and a format"
AL="$T/custom.log"
NL=0
req GET /priv/event -H "Authorization: Bearer $(tok rs256)" \
	-H 'traceparent: 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'
RID=$(jget "$BODY" 'j["requestContext"]["requestId"]')
next_line
is "$LINE" "$RID [prod] \"GET /priv/event\" 200 sub=user-1 scopes=- key=- tp=00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01 user=-" \
	"the custom format, variable by variable (claims from the JWT)"
KEY=$("$B/lambdactl" -s "$T/admin.sock" keys add k1 --plan gold 2>/dev/null)
KID=$("$B/lambdactl" -s "$T/admin.sock" keys ls -j | python3 -c 'import json,sys; print([k["id"] for k in json.load(sys.stdin)["keys"] if k["name"]=="k1"][0])')
req GET /keyed/pid -H "x-api-key: $KEY"
is "$STATUS" 200 "an API key's route with its key: 200"
next_line
like "$LINE" " 200 sub=- scopes=- key=$KID tp=" "  ... \$context.identity.apiKeyId is the key's id"
req GET /keyed/pid
next_line
like "$LINE" ' "GET /keyed/pid" 403 sub=- scopes=- key=- ' "  ... without it: 403, no key id"
req GET /lam/echo -H 'X-Auth: allow-ann'
is "$STATUS" 200 "a Lambda authorizer lets it through"
next_line
like "$LINE" ' 200 sub=- .* user=allow-ann$' "  ... \$context.authorizer.user is its context's user"
req GET /nowhere
next_line
like "$LINE" '^[0-9a-f-]{36} \[prod\] "GET /nowhere" 404 sub=- scopes=- key=- tp=00-[0-9a-f]{32}-[0-9a-f]{16}-00 user=-$' \
	"  ... a 404 in it: absent values are -, a traceparent is made"

# ---- the counters ----
MPORT=$(sed -n 's/.*metrics on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$T/daemon.log" | head -n 1)
curl -sS --max-time 5 "http://127.0.0.1:$MPORT/metrics" > "$T/m.txt"
total=$(( $(wc -l < "$T/access.log.1") + $(wc -l < "$T/access.log") + $(wc -l < "$AL") ))
is "$(awk '$1 == "lambdad_access_log_lines_total" { print $2 }' "$T/m.txt")" "$total" \
	"lambdad_access_log_lines_total: every line, across the reopen and the reload"
is "$(awk '$1 == "lambdad_access_log_dropped_total" { print $2 }' "$T/m.txt")" 0 \
	"lambdad_access_log_dropped_total: none dropped"

# ---- configuration errors ----
cat > "$T/bad.conf" <<'EOF'
[lambdad]
listen = 127.0.0.1:1
access_log_format = $context.requestId $context.nosuch
EOF
out=$("$LAMBDAD" -t -c "$T/bad.conf" 2>&1)
is "$out" "$T/bad.conf:3: access_log_format: unknown variable \$context.nosuch" \
	"an unknown \$context variable: file:line error"
printf '[lambdad]\nlisten = 127.0.0.1:1\nstage_variable = a-b=1\n' > "$T/bad.conf"
like "$("$LAMBDAD" -t -c "$T/bad.conf" 2>&1)" 'bad.conf:3: stage_variable: "a-b": ' \
	"a bad stage variable name: file:line error"
printf '[lambdad]\nlisten = 127.0.0.1:1\nstage = a/b\n' > "$T/bad.conf"
like "$("$LAMBDAD" -t -c "$T/bad.conf" 2>&1)" 'bad.conf:3: stage: ' "a bad stage name: file:line error"

stop_daemon
is "$DEXIT" 0 "the daemon stops cleanly"

# ---- access_log = journal: the daemon's log (stderr without journald) ----
EXTRA_CONF=$(printf '%s' "$EXTRA_CONF" | sed 's/^access_log = access.log$/access_log = journal/')
start_daemon
req GET /app/pid
wait_log 'access: \{"requestId"' 5
ok $? "access_log = journal: a line in the daemon's log"
LINE=$(sed -n 's/.* access: //p' "$T/daemon.log" | tail -n 1)
is "$(f path) $(f status) $(f stage)" "/app/pid 200 prod" "  ... the same JSON line"
done_testing
