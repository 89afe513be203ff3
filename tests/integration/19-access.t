#!/bin/bash
# Access control with access keys: the Invoke API verifies AWS SigV4 (the
# real aws CLI v2 and curl --aws-sigv4 sign; right and wrong secrets,
# unknown key ids, unsigned calls), and a function with auth = aws_iam
# needs a signature for service execute-api on its routes while other
# routes stay public.  A route with aws_iam but no key is a config error.
. "$(dirname "$0")/lib.sh"

AWSCLI=/usr/bin/aws
if [ ! -x "$AWSCLI" ]; then echo "Bail out! no /usr/bin/aws (make deps-test installs awscli)"; exit 1; fi
export HOME="$T" AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
export AWS_PAGER="" AWS_MAX_ATTEMPTS=1 AWS_RETRY_MODE=standard
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_DEFAULT_REGION AWS_REGION AWS_ENDPOINT_URL 2>/dev/null

plan 31

ID=AKIDLAMBDADTEST1
SECRET=s3cret/Key+Lambdad0123456789
ID2=AKIDLAMBDADTEST2
SECRET2=another-secret-0123456789
API=/2015-03-31/functions

# lam ID SECRET ARGS...: `aws lambda ARGS` signed with that key.
lam() {
	k=$1 s=$2; shift 2
	AWS_ACCESS_KEY_ID=$k AWS_SECRET_ACCESS_KEY=$s "$AWSCLI" lambda "$@" \
		--endpoint-url "$URL" --region eu-west-3 --cli-read-timeout 0 \
		--cli-connect-timeout 5 >"$T/aws.out" 2>"$T/aws.err"
	RC=$?; OUT=$(cat "$T/aws.out"); ERR=$(cat "$T/aws.err")
}
invoke() {
	k=$1 s=$2 f=$3 pl=$4; shift 4
	rm -f "$T/out.json"
	lam "$k" "$s" invoke --cli-binary-format raw-in-base64-out \
		--function-name "$f" --payload "$pl" "$@" "$T/out.json"
	RESULT=$(cat "$T/out.json" 2>/dev/null)
}
hv() { tr -d '\r' < "$T/hdrs" | sed -n "s/^$1: //Ip" | head -n 1; }

fn f "$TH/misc" 'route = POST /pub/{action}'
fn priv "$TH/misc" 'route = GET /priv/{action}' 'auth = aws_iam'

# A route with auth = aws_iam and no access_key: refused at load.
cat > "$T/nokeys.conf" <<CONF
[lambdad]
functions = functions.d
CONF
"$B/lambdad" -t -c "$T/nokeys.conf" > "$T/t.out" 2>&1; rc=$?
is "$rc" 1 "auth = aws_iam without access keys: lambdad -t fails"
like "$(cat "$T/t.out")" "functions.d/priv.conf:1: function priv: auth = aws_iam needs at least one access_key" "the error names file:line"

EXTRA_CONF="invoke_api = on
access_key = $ID:$SECRET
access_key = $ID2:$SECRET2"
start_daemon
like "$(dlog)" 'Invoke API on, for SigV4 requests signed with one of 2 access keys' "the log says the API needs signatures"

# The aws CLI, signing with a configured key (any region).
invoke "$ID" "$SECRET" f '{"k":"v"}'
is "$RC" 0 "right secret: the CLI exits 0"
is "$RESULT" '{"k":"v"}' "right secret: the function's reply"
invoke "$ID2" "$SECRET2" arn:aws:lambda:us-east-1:123456789012:function:f '{"action":"pid"}' --qualifier '$LATEST'
is "$RC" 0 "second key, an ARN (escaped twice in the signature) and ?Qualifier=\$LATEST"
like "$RESULT" '^\{"pid":' "second key: the function ran"
invoke "$ID" "$SECRET" f '{"action":"print","text":"signed-event-5120"}' --invocation-type Event
is "$(jget "$OUT" 'j["StatusCode"]')" 202 "signed Event: 202"
wait_log 'signed-event-5120' 5; ok $? "signed Event: it ran"
invoke "$ID" "$SECRET" f '{"action":"print","text":"signed-dry-5120"}' --invocation-type DryRun
is "$(jget "$OUT" 'j["StatusCode"]')" 204 "signed DryRun: 204"
lam "$ID" "$SECRET" list-functions
is "$(jget "$OUT" '",".join(sorted(x["FunctionName"] for x in j["Functions"]))')" "f,priv" "signed ListFunctions"

# Wrong secret, unknown key id, no signature at all.
before=$(grep -c '\[f\] START' "$T/daemon.log")
invoke "$ID" wrong-secret-0123456789 f '{"action":"pid"}'
is "$RC" 254 "wrong secret: the CLI fails"
like "$ERR" 'InvalidSignatureException.*signature we calculated does not match' "wrong secret: InvalidSignatureException"
invoke AKIDNOSUCHKEY "$SECRET" f '{"action":"pid"}'
like "$ERR" 'UnrecognizedClientException.*security token included in the request is invalid' "unknown key id: UnrecognizedClientException"
rm -f "$T/out.json"
"$AWSCLI" lambda invoke --no-sign-request --endpoint-url "$URL" --region us-east-1 \
	--function-name f "$T/out.json" >"$T/aws.out" 2>"$T/aws.err"
like "$(cat "$T/aws.err")" 'MissingAuthenticationTokenException' "--no-sign-request: MissingAuthenticationTokenException"
sleep 0.2
is "$(grep -c '\[f\] START' "$T/daemon.log")" "$before" "no refused call ran the function"

# curl: unsigned from loopback is refused too; --aws-sigv4 is accepted.
req POST "$API/f/invocations" -H 'Content-Type:' --data-binary '{}'
is "$STATUS $(hv x-amzn-errortype)" "403 MissingAuthenticationTokenException" "unsigned curl from loopback: 403"
is "$(jget "$BODY" 'j["message"]')" "Missing Authentication Token" "403: a JSON message"
# (curl signs the Content-Type it would send, so it is set, not removed.)
req POST "$API/f/invocations" -H 'Content-Type: application/json' --data-binary '{"action":"pid"}' \
	--aws-sigv4 "aws:amz:us-east-1:lambda" --user "$ID:$SECRET"
is "$STATUS" 200 "curl --aws-sigv4 (service lambda): 200"
req POST "$API/f/invocations" -H 'Content-Type: application/json' --data-binary '{"action":"pid"}' \
	--aws-sigv4 "aws:amz:us-east-1:execute-api" --user "$ID:$SECRET"
is "$STATUS" 403 "signed for another service: 403"

# Routes: public unless auth = aws_iam.
req POST /pub/pid
is "$STATUS" 200 "a route without auth is public"
req GET /priv/pid
is "$STATUS" 403 "aws_iam route unsigned: 403"
is "$BODY" '{"message":"Forbidden"}' "aws_iam route unsigned: {\"message\":\"Forbidden\"}"
req GET /priv/pid --aws-sigv4 "aws:amz:us-east-1:execute-api" --user "$ID:$SECRET"
is "$STATUS" 200 "aws_iam route signed for execute-api: 200"
like "$BODY" '^\{"pid":' "aws_iam route signed: the function ran"
req GET /priv/pid --aws-sigv4 "aws:amz:us-east-1:execute-api" --user "$ID:not-the-secret-012345"
is "$STATUS $BODY" '403 {"message":"Forbidden"}' "aws_iam route with a wrong secret: 403"
req GET /priv/pid?x=1 --aws-sigv4 "aws:amz:us-east-1:lambda" --user "$ID2:$SECRET2"
is "$STATUS" 403 "aws_iam route signed for service lambda: 403"

# A reload that drops the first key and adds a third: both doors follow.
sed -i "s|^access_key = $ID:$SECRET\$|access_key = AKIDTHIRDKEY000:third-secret-0123456789|" "$T/lambdad.conf"
"$B/lambdactl" -s "$T/admin.sock" reload > /dev/null; ok $? "reload with other access keys"
req GET /priv/pid --aws-sigv4 "aws:amz:us-east-1:execute-api" --user "$ID:$SECRET"
is "$STATUS" 403 "after the reload the dropped key is refused on routes"
req GET /priv/pid --aws-sigv4 "aws:amz:us-east-1:execute-api" --user "AKIDTHIRDKEY000:third-secret-0123456789"
is "$STATUS" 200 "and the new key is accepted"
invoke AKIDTHIRDKEY000 third-secret-0123456789 f '{"k":"new"}'
is "$RESULT" '{"k":"new"}' "the Invoke API takes the new key too"
done_testing
