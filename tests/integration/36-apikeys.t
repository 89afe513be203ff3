#!/bin/bash
# API keys and usage plans (issue 10), API Gateway REST API semantics,
# against the real daemon: keys made and revoked with lambdactl (no
# reload), a route with api_key = required refusing a missing, unknown or
# revoked key (403 Forbidden), a plan's rate (429 Too Many Requests) and
# quota (429 Limit Exceeded), all before any worker runs (the functions'
# invocation counts from /metrics do not move); the key's id in a 1.0
# event; only hashes on disk, mode 0600; the quota still counted and the
# key still valid after a restart; plans changed by a reload.
. "$(dirname "$0")/lib.sh"
plan 63

CTL="$B/lambdactl -s $T/admin.sock"
hv() { tr -d '\r' < "$T/hdrs" | sed -n "s/^$1: //Ip" | head -n 1; }
scrape() {
	curl -sS --max-time 5 "$MURL/metrics" > "$T/m.txt"
	v=$(grep -F "$1 " "$T/m.txt" | awk '{print $NF}' | head -n 1)
	echo "${v:-0}"
}
ref() {
	scrape "lambdad_apigw_refusals_total{function=\"$1\",route=\"GET /$1/{action}\",status=\"$2\",reason=\"$3\"}"
}
INVR='lambdad_invocations_total{function="rated",door="http"}'
INVQ='lambdad_invocations_total{function="quota",door="http"}'

# ---- configuration errors name file:line ----
checkconf() {
	printf '[lambdad]\nfunctions = functions.d\nstate_dir = state\n%s\n' "$1" > "$T/bad.conf"
	"$B/lambdad" -t -c "$T/bad.conf" 2>&1
}
like "$(checkconf '[usage_plan p]
quota = 5/year')" 'bad.conf:5: quota: "5/year" is not a quota \(N/day, N/week or N/month\)' \
	"quota = 5/year: file:line and the forms"
like "$(checkconf '[usage_plan p]
quota = 0/day')" 'bad.conf:5: quota: a quota of 0' "quota 0 refused"
like "$(checkconf '[usage_plan p]
burst = 5')" 'bad.conf:5: burst: usage plan p has no rate' "burst without rate refused"
like "$(checkconf '[usage_plan p]
rate = 10
[usage_plan p]')" 'bad.conf:6: duplicate usage plan "p" \(first defined at .*bad.conf:4\)' \
	"a plan defined twice"
like "$(checkconf '[usage_plan p]
limit = 5')" 'bad.conf:5: unknown key "limit" in \[usage_plan\]' "unknown key in a plan"
mkdir -p "$T/bad.d"
printf '[usage_plan q]\nrate = 1\n' > "$T/bad.d/q.conf"
printf '[lambdad]\nfunctions = bad.d\nstate_dir = state\n' > "$T/bad.conf"
like "$("$B/lambdad" -t -c "$T/bad.conf" 2>&1)" 'q.conf:1: \[usage_plan q\] belongs in the main file' \
	"a plan in a drop-in file is refused"
rm -rf "$T/bad.d"
printf '[function f]\nbootstrap = %s\nroute = GET /f\napi_key = maybe\n' "$TH/misc" > "$T/functions.d/f.conf"
like "$(checkconf '')" 'f.conf:4: api_key: expected required or off, not "maybe"' "api_key = maybe refused"
printf '[function f]\nbootstrap = %s\nroute = GET /f\napi_key = required\n' "$TH/misc" > "$T/functions.d/f.conf"
like "$(checkconf '')" 'f.conf:4: api_key: function f requires an API key, but .*bad.conf has no \[usage_plan NAME\]' \
	"api_key = required without any plan"
rm -f "$T/functions.d/f.conf"

fn rated "$TH/misc" 'route = GET /rated/{action}' 'api_key = required'
fn quota "$TH/misc" 'route = GET /quota/{action}' 'api_key = required' 'payload = 1.0'
fn open "$TH/misc" 'route = GET /open/{action}'
EXTRA_CONF="metrics_listen = 127.0.0.1:0
[usage_plan gold]
rate = 0.001
burst = 3
[usage_plan small]
quota = 3/day"
start_daemon
MURL="http://127.0.0.1:$(sed -n 's/.*metrics on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$T/daemon.log" | head -n 1)"

# ---- keys add ----
K1=$($CTL keys add k1 --plan gold 2>"$T/ctl.err"); rc=$?
is "$rc" 0 "lambdactl keys add k1 --plan gold"
like "$K1" '^[A-Za-z0-9]{40}$' "prints a 40-character key"
like "$(cat "$T/ctl.err")" 'shown this once' "and says it is shown once"
out=$($CTL keys add k1 --plan gold 2>&1); rc=$?
is "$rc" 1 "a second k1 is refused"
like "$out" 'API key k1 exists' "with the reason"
out=$($CTL keys add k9 --plan nosuch 2>&1); rc=$?
is "$rc:$(printf '%s' "$out" | grep -c 'no \[usage_plan nosuch\]')" "1:1" "a plan not configured is refused"
K2=$($CTL keys add k2 --plan small 2>/dev/null)
like "$K2" '^[A-Za-z0-9]{40}$' "k2 made with plan small"

# ---- durable, hashed, 0600 ----
is "$(stat -c %a "$T/state/apikeys.json")" 600 "apikeys.json is mode 0600"
is "$(grep -c -F "$K1" "$T/state/apikeys.json")" 0 "it does not hold the key"
H1=$(printf '%s' "$K1" | sha256sum | cut -d' ' -f1)
is "$(grep -c -F "$H1" "$T/state/apikeys.json")" 1 "but its SHA-256"

# ---- 403 without a valid key, before any worker ----
req GET /rated/pid
is "$STATUS:$BODY" '403:{"message":"Forbidden"}' "no x-api-key: 403 Forbidden"
is "$(hv x-amzn-errortype)" ForbiddenException "x-amzn-ErrorType: ForbiddenException"
# The last character changed: to y when the key ends in x (one key in 62).
case $K1 in *x) WRONG="${K1%?}y" ;; *) WRONG="${K1%?}x" ;; esac
req GET /rated/pid -H "x-api-key: $WRONG"
is "$STATUS" 403 "a wrong key: 403"
req GET /rated/pid -H "x-api-key: "
is "$STATUS" 403 "an empty key: 403"
req GET /open/pid
is "$STATUS" 200 "api_key = off (the default): served without a key"

# ---- the plan's rate: 429 Too Many Requests ----
codes=""
for i in 1 2 3 4 5; do
	req GET /rated/pid -H "X-Api-Key: $K1"
	codes="$codes$STATUS "
	[ "$STATUS" = 429 ] && { B429=$BODY; T429=$(hv x-amzn-errortype); }
done
is "$codes" "200 200 200 429 429 " "burst 3 at 0.001/s: three served, then 429"
is "$B429" '{"message":"Too Many Requests"}' "API Gateway's body"
is "$T429" TooManyRequestsException "x-amzn-ErrorType: TooManyRequestsException"
req GET /quota/event -H "x-api-key: $K1"
is "$STATUS" 429 "the bucket is the key's: k1 on another route is throttled too"
is "$(scrape "$INVR")" 3 "rated ran three times: no worker for the refusals"

# ---- the quota: 429 Limit Exceeded; the key's id in the 1.0 event ----
req GET /quota/event -H "x-api-key: $K2"
is "$STATUS" 200 "k2 on the 1.0 route"
ID2=$($CTL keys ls -j | python3 -c 'import json,sys; print([k["id"] for k in json.load(sys.stdin)["keys"] if k["name"]=="k2"][0])')
like "$ID2" '^[a-z0-9]{10}$' "k2 has a 10-character id"
ev=$BODY
is "$(jget "$ev" 'j["requestContext"]["identity"]["apiKeyId"]')" "$ID2" "requestContext.identity.apiKeyId is the key's id"
is "$(jget "$ev" 'j["requestContext"]["identity"]["apiKey"]')" "$K2" "requestContext.identity.apiKey the key"
codes=""
for i in 1 2 3; do
	req GET /quota/event -H "x-api-key: $K2"
	codes="$codes$STATUS "
	[ "$STATUS" = 429 ] && { B429=$BODY; T429=$(hv x-amzn-errortype); }
done
is "$codes" "200 200 429 " "quota 3/day: the fourth request is refused"
is "$B429" '{"message":"Limit Exceeded"}' "429 Limit Exceeded"
is "$T429" LimitExceededException "x-amzn-ErrorType: LimitExceededException"
is "$(scrape "$INVQ")" 3 "quota ran three times, all k2's"

# ---- keys ls ----
ls=$($CTL keys ls)
like "$ls" 'k2 +small +[0-9-]+T[0-9:]+Z +3/3 +day' "keys ls: k2, its plan, created, 3/3 used this day"
like "$ls" 'k1 +gold ' "and k1"
is "$(printf '%s' "$ls" | grep -c -F -e "$K1" -e "$K2" -e "$H1")" 0 "never a key or a hash"

# ---- refusals counted by reason ----
is "$(ref rated 403 api_key)" 3 "refusals: 3 x 403 api_key"
is "$(ref rated 429 api_key_rate)" 2 "2 x 429 api_key_rate"
is "$(ref quota 429 quota)" 1 "1 x 429 quota"

# ---- across a restart: quota still counted, key still valid ----
stop_daemon
is "$DEXIT" 0 "the daemon stops cleanly"
is "$(stat -c %a "$T/state/apikeys-usage.json")" 600 "apikeys-usage.json is mode 0600"
start_daemon
MURL="http://127.0.0.1:$(sed -n 's/.*metrics on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$T/daemon.log" | head -n 1)"
req GET /quota/event -H "x-api-key: $K2"
is "$STATUS:$BODY" '429:{"message":"Limit Exceeded"}' "after a restart k2's quota is still spent"
req GET /rated/pid -H "x-api-key: $K1"
is "$STATUS" 200 "k1 still valid (its bucket refilled by the restart)"
like "$($CTL keys ls)" 'k2 +small .* 3/3 ' "keys ls after the restart: 3/3"

# ---- keys rm: at once, no reload ----
out=$($CTL keys rm k1); rc=$?
is "$rc:$out" "0:revoked API key k1" "lambdactl keys rm k1"
req GET /rated/pid -H "x-api-key: $K1"
is "$STATUS:$BODY" '403:{"message":"Forbidden"}' "the revoked key: 403"
is "$(grep -c reloaded "$T/daemon.log")" 0 "no reload was involved"
out=$($CTL keys rm k1 2>&1); rc=$?
is "$rc" 1 "removing it again fails"
like "$out" 'no API key k1' "no API key k1"
unlike "$($CTL keys ls)" 'k1 ' "k1 is gone from keys ls"
is "$(grep -c -F "$H1" "$T/state/apikeys.json")" 0 "and from apikeys.json"
K3=$($CTL keys add k3 --plan gold 2>/dev/null)
req GET /rated/pid -H "x-api-key: $K3"
is "$STATUS" 200 "a key made now works at once"

# ---- a reload changes the plans; keys and counts stay ----
sed -i 's|^quota = 3/day|quota = 5/day|' "$T/lambdad.conf"
kill -HUP "$DPID"
wait_log 'reloaded' 5; ok $? "reloaded (small: quota 5/day)"
codes=""
for i in 1 2 3; do req GET /quota/event -H "x-api-key: $K2"; codes="$codes$STATUS "; done
is "$codes" "200 200 429 " "the count (3) kept, the new quota (5) applies"
sed -i 's|^\[usage_plan gold\]|[usage_plan silver]|' "$T/lambdad.conf"
kill -HUP "$DPID"
i=0; while [ "$(grep -c 'reloaded' "$T/daemon.log")" -lt 2 ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
like "$(dlog)" 'API key k3 is bound to usage plan gold, which is not configured' "a reload that drops k3's plan says so"
req GET /rated/pid -H "x-api-key: $K3"
is "$STATUS" 403 "and k3 is refused while its plan is gone"
like "$($CTL keys ls)" 'k3 .*\(no such plan\)' "keys ls marks it"
is "$(scrape "$INVR")" 2 "this daemon's rated ran twice (k1, k3): none for the refusals"

# ---- a crash: the counts written by the once-a-second flush survive ----
# k2 has used 5 of 5; wait (not a timing check) until the flush says so.
i=0; while ! grep -q '"used":5' "$T/state/apikeys-usage.json" && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
like "$(cat "$T/state/apikeys-usage.json")" "\"id\":\"$ID2\",\"period\":\"day\",\"start\":[0-9]+,\"used\":5" \
	"the flush wrote k2's count (5) while the daemon ran"
kill -KILL "$DPID"; wait "$DPID" 2>/dev/null; DPID=
start_daemon
req GET /quota/event -H "x-api-key: $K2"
is "$STATUS:$BODY" '429:{"message":"Limit Exceeded"}' "after SIGKILL and a restart, k2's quota is still spent"

done_testing
