#!/bin/bash
# [authorizer NAME] sections in the real daemon's configuration: a JWKS and
# a secret minted by PyJWT's tests/unit/jwt_mint.py load at start; lambdad -t
# names the file and line of each mistake (an unknown authorizer, a weak
# key, a missing file); a reload reads the JWKS file again, so a broken one
# is refused with its line while the running configuration keeps serving,
# and a good one is taken.  35-jwt checks tokens on the request path;
# test_jwt covers the verifier itself.
. "$(dirname "$0")/lib.sh"
plan 12

mkdir -p "$T/keys"
/usr/bin/python3 "$ROOT/tests/unit/jwt_mint.py" "$T/keys" ||
	{ echo "Bail out! jwt_mint.py failed (python3-jwt, python3-cryptography)"; exit 1; }
chmod -R a+rX "$T/keys"

EXTRA_CONF='
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
identity_source = $request.querystring.token
leeway = 30'
# [lambdad] takes lines 1-5, the blank line 6: jwks = is on line 11.
JWKS_LINE=11

fn pub "$TH/misc" 'route = GET /pub/{action}'
fn priv "$TH/misc" 'route = GET /priv/{action}' 'auth = users' 'scopes = read write'
fn hs "$TH/misc" 'route = GET /hs/{action}' 'auth = shared'

check() { "$LAMBDAD" -t -c "$T/lambdad.conf" > "$T/t.out" 2>&1; }

start_daemon
req GET /pub/pid
is "$STATUS" 200 "lambdad starts with two authorizers (a JWKS, an HS256 secret)"
check; ok $? "lambdad -t takes the same configuration"

# ---- mistakes, each with its place ----
cp "$T/lambdad.conf" "$T/good.conf"
fn bad "$TH/misc" 'route = GET /bad' 'auth = nobody'
check; rc=$?
is "$rc" 1 "auth = an authorizer that does not exist: lambdad -t fails"
like "$(cat "$T/t.out")" "functions.d/bad.conf:4: auth: no \[authorizer nobody\] section in $T/lambdad.conf" "naming the drop-in file and line"
rm "$T/functions.d/bad.conf"

sed -i 's|jwks = keys/jwks.json|jwks = keys/missing.json|' "$T/lambdad.conf"
check
like "$(cat "$T/t.out")" "lambdad.conf:$JWKS_LINE: jwks: cannot read \"$T/keys/missing.json\": No such file" "a missing JWKS file is an error at its line"
cp "$T/good.conf" "$T/lambdad.conf"

# ---- a reload reads the JWKS again ----
cp "$T/keys/jwks.json" "$T/keys/jwks.good"
cp "$T/keys/jwks_weak.json" "$T/keys/jwks.json"
kill -HUP "$DPID"
wait_log 'reload refused' 5; ok $? "a reload with a weak key in the JWKS is refused"
like "$(dlog)" "reload refused.*lambdad.conf:$JWKS_LINE: jwks: \"$T/keys/jwks.json\": key 0: an RSA key of 1024 bits" "with the file, the line and the key at fault"
req GET /pub/pid
is "$STATUS" 200 "the running configuration keeps serving"

echo '{"keys": [' > "$T/keys/jwks.json"
out=$("$B/lambdactl" -s "$T/admin.sock" reload 2>&1); rc=$?
is "$rc" 1 "lambdactl reload with a JWKS that is not JSON exits 1"
like "$out" "lambdad.conf:$JWKS_LINE: jwks: .*: not JSON" "and says why"

cp "$T/keys/jwks.good" "$T/keys/jwks.json"
out=$("$B/lambdactl" -s "$T/admin.sock" reload 2>&1); rc=$?
is "$rc" 0 "with the JWKS put back, the reload is taken"
req GET /pub/pid
is "$STATUS" 200 "and the daemon serves"

done_testing
