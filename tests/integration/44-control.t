#!/bin/bash
# Lambda's control plane, driven as a user drives it: zip a bootstrap,
# `aws lambda create-function --zip-file fileb://fn.zip`, invoke it, read
# it, change its code and configuration, delete it; every error Lambda
# gives; a restart keeps what was made; lambdactl ls shows it; the
# operator's own files win over a same-named API function; and boto3 for
# one round trip.
. "$(dirname "$0")/lib.sh"
aws_env
if ! /usr/bin/python3 -c 'import boto3' 2>/dev/null; then
	echo "Bail out! python3-boto3 is not installed: run make deps-test"; exit 1
fi
command -v zip >/dev/null || { echo "Bail out! no zip (make deps-test installs it)"; exit 1; }
plan 123

ROLE=arn:aws:iam::123456789012:role/x
CTL="$B/lambdactl -s $T/admin.sock"
API=/2015-03-31/functions
# create NAME ZIP [ARGS...]
create() {
	n=$1 z=$2; shift 2
	lam create-function --function-name "$n" --runtime provided.al2023 \
		--handler bootstrap --role "$ROLE" --zip-file "fileb://$z" "$@"
}
# call NAME PAYLOAD: invoke, the reply in RESULT.
call() {
	rm -f "$T/out.json"
	lam invoke --cli-binary-format raw-in-base64-out --function-name "$1" \
		--payload "$2" "$T/out.json"
	RESULT=$(cat "$T/out.json" 2>/dev/null)
}
sha() { openssl dgst -sha256 -binary "$1" | base64; }

# The packages, made as a user makes them.
mkdir -p "$T/pkg1" "$T/pkg2" "$T/pkgbig"
cp "$TH/misc" "$T/pkg1/bootstrap"
(cd "$T/pkg1" && zip -q "$T/fn.zip" bootstrap)
cp "$EX/echo/bootstrap" "$T/pkg2/bootstrap"
(cd "$T/pkg2" && zip -q "$T/fn2.zip" bootstrap)
cp "$TH/misc" "$T/pkgbig/bootstrap"
head -c 1400000 /dev/urandom > "$T/pkgbig/blob"
(cd "$T/pkgbig" && zip -q "$T/big.zip" bootstrap blob)
/usr/bin/python3 - "$T" <<'PY'
import sys, zipfile
t = sys.argv[1]
with zipfile.ZipFile(t + "/nobootstrap.zip", "w") as z:
    z.writestr("handler", "x")
with zipfile.ZipFile(t + "/dotdot.zip", "w") as z:
    z.writestr("bootstrap", "#!/bin/sh\n")
    z.writestr("../escaped", "x")
with zipfile.ZipFile(t + "/abs.zip", "w") as z:
    z.writestr("bootstrap", "#!/bin/sh\n")
    z.writestr(zipfile.ZipInfo("/tmp/escaped-abs"), "x")
with zipfile.ZipFile(t + "/link.zip", "w") as z:
    z.writestr("bootstrap", "#!/bin/sh\n")
    i = zipfile.ZipInfo("etc")
    i.create_system = 3
    i.external_attr = 0o120777 << 16
    z.writestr(i, "../../../etc")
PY

fn ops "$TH/misc"
EXTRA_CONF='invoke_api = on
code_storage = 1'
start_daemon

# ---- CreateFunction and Invoke ----
create orders "$T/fn.zip" --memory-size 128 --timeout 5 --description "the orders" \
	--environment 'Variables={STAGE=prod}' --tags team=shop
is "$RC" 0 "create-function exits 0"
is "$(jget "$OUT" 'j["FunctionArn"]')" arn:aws:lambda:us-east-1:123456789012:function:orders "CreateFunction: the ARN"
is "$(jget "$OUT" 'j["CodeSha256"]')" "$(sha "$T/fn.zip")" "CodeSha256 is the base64 SHA-256 of the zip"
is "$(jget "$OUT" 'j["CodeSize"]')" "$(stat -c %s "$T/fn.zip")" "CodeSize is the zip's size"
is "$(jget "$OUT" 'j["State"]+" "+j["Runtime"]+" "+str(j["Timeout"])+" "+str(j["MemorySize"])')" "Active provided.al2023 5 128" "State, Runtime, Timeout, MemorySize"
like "$(jget "$OUT" 'j["RevisionId"]')" '^[0-9a-f-]{36}$' "a RevisionId"
like "$(jget "$OUT" 'j["LastModified"]')" '^20[0-9-]{8}T[0-9:.]{12}\+0000$' "LastModified in Lambda's format"
call orders '{"action":"env"}'
is "$RC" 0 "invoke the new function: exit 0"
like "$RESULT" '"STAGE=prod"' "the environment reached the function"
like "$RESULT" '"_HANDLER=bootstrap"' "_HANDLER is the Handler"
like "$RESULT" '"AWS_LAMBDA_FUNCTION_NAME=orders"' "the function runs as orders"
call orders '{"k":"v"}'
is "$RESULT" '{"k":"v"}' "the zip's bootstrap answers"
# The AWS tutorial's shell runtime, zipped as it is: it forks curl, so a
# script bootstrap gets the exec filter.
mkdir -p "$T/pkgsh" && cp "$EX/bash/bootstrap" "$T/pkgsh/bootstrap"
(cd "$T/pkgsh" && zip -q "$T/sh.zip" bootstrap)
create tutorial "$T/sh.zip"
call tutorial '{"abc":1}'
like "$RESULT" 'bash got 9 bytes' "a shell bootstrap (forking curl) runs from a zip"
lam delete-function --function-name tutorial

# ---- reading ----
lam get-function --function-name orders
is "$RC" 0 "get-function exits 0"
is "$(jget "$OUT" 'j["Configuration"]["Environment"]["Variables"]["STAGE"]')" prod "GetFunction: the environment"
is "$(jget "$OUT" 'j["Tags"]["team"]')" shop "GetFunction: the tags"
is "$(jget "$OUT" 'j["Configuration"]["Description"]')" "the orders" "GetFunction: the description"
lam get-function-configuration --function-name arn:aws:lambda:us-east-1:123456789012:function:orders
is "$(jget "$OUT" 'j["FunctionName"]')" orders "GetFunctionConfiguration by ARN"
lam list-functions
is "$(jget "$OUT" '",".join(sorted(x["FunctionName"] for x in j["Functions"]))')" "ops,orders" "ListFunctions: the API's and the operator's"
req GET "$API/?MaxItems=1"
is "$(jget "$BODY" '[x["FunctionName"] for x in j["Functions"]][0]+" "+j["NextMarker"]')" "ops orders" "ListFunctions: MaxItems=1 gives one and a NextMarker"
req GET "$API/?MaxItems=1&Marker=orders"
is "$(jget "$BODY" '[x["FunctionName"] for x in j["Functions"]][0]+" "+str("NextMarker" in j)')" "orders False" "ListFunctions: the next page from the Marker, the last"
out=$($CTL ls 2>&1)
like "$out" '^orders ' "lambdactl ls shows the function"
is "$($CTL ls -j | python3 -c 'import json,sys; print([f["deployed"] for f in json.load(sys.stdin)["functions"] if f["name"]=="orders"][0])')" True "lambdactl ls -j marks it deployed"

# ---- errors ----
create orders "$T/fn.zip"
like "$ERR" 'ResourceConflictException.*Function already exist: orders' "a duplicate name: ResourceConflictException"
create ops "$T/fn.zip"
like "$ERR" 'ResourceConflictException' "the name of an operator's function: ResourceConflictException"
lam update-function-code --function-name ops --zip-file "fileb://$T/fn2.zip"
like "$ERR" 'ResourceConflictException.*functions.d/ops.conf' "changing the operator's function: ResourceConflictException naming its file"
lam get-function --function-name nope
like "$ERR" 'ResourceNotFoundException.*Function not found: arn:aws:lambda:us-east-1:123456789012:function:nope' "a missing function: ResourceNotFoundException"
req GET "$API/nope"
is "$STATUS $(hdr x-amzn-errortype)" "404 resourcenotfoundexception" "  ... 404 with x-amzn-ErrorType"
is "$(jget "$BODY" 'j["Type"]')" User "  ... {\"Type\":\"User\"}"
like "$(jget "$BODY" 'j["message"]')" '^Function not found' "  ... and a message"
lam update-function-configuration --function-name nope --timeout 4
like "$ERR" 'ResourceNotFoundException' "updating a missing function: ResourceNotFoundException"
lam delete-function --function-name nope
like "$ERR" 'ResourceNotFoundException' "deleting a missing function: ResourceNotFoundException"
create nob "$T/nobootstrap.zip"
like "$ERR" 'InvalidParameterValueException.*no bootstrap' "a zip without bootstrap: InvalidParameterValueException"
create dd "$T/dotdot.zip"
like "$ERR" 'InvalidParameterValueException.*\.\./escaped' "a zip with ../: InvalidParameterValueException"
create ab "$T/abs.zip"
like "$ERR" 'InvalidParameterValueException.*/tmp/escaped-abs' "a zip with an absolute path: InvalidParameterValueException"
create ln "$T/link.zip"
like "$ERR" 'InvalidParameterValueException.*symlink' "a zip with a symlink out of the tree: InvalidParameterValueException"
ok "$(test ! -e "$T/escaped" && test ! -e /tmp/escaped-abs; echo $?)" "nothing was written outside"
ok "$(test ! -e "$T/state/code/nob" && test ! -e "$T/state/functions.d/dd.conf"; echo $?)" "a refused zip leaves nothing in state_dir"
req POST "$API" -H 'Content-Type: application/json' \
	--data "{\"FunctionName\":\"junk\",\"Role\":\"$ROLE\",\"Runtime\":\"provided\",\"Code\":{\"ZipFile\":\"aGVsbG8=\"}}"
is "$STATUS $(hdr x-amzn-errortype)" "400 invalidparametervalueexception" "bytes that are not a zip: 400 InvalidParameterValueException"
create py "$T/fn.zip" --runtime python3.12
like "$ERR" 'InvalidParameterValueException.*python3.12' "a runtime lambdad cannot run: InvalidParameterValueException"
other=arm64; [ "$(uname -m)" = aarch64 ] && other=x86_64
create arch "$T/fn.zip" --architectures "$other"
like "$ERR" "InvalidParameterValueException.*$other" "the other architecture: InvalidParameterValueException"
create res "$T/fn.zip" --environment 'Variables={AWS_REGION=x}'
like "$ERR" 'InvalidParameterValueException.*reserved keys.*AWS_REGION' "a reserved variable: InvalidParameterValueException"
req POST "$API" -H 'Content-Type: application/json' \
	--data "{\"FunctionName\":\"t\",\"Role\":\"$ROLE\",\"Runtime\":\"provided\",\"Timeout\":901,\"Code\":{\"ZipFile\":\"aGVsbG8=\"}}"
is "$STATUS $(hdr x-amzn-errortype)" "400 validationexception" "Timeout 901: ValidationException"
req POST "$API" -H 'Content-Type: application/json' --data 'not json'
is "$STATUS $(hdr x-amzn-errortype)" "400 invalidrequestcontentexception" "a body that is not JSON: InvalidRequestContentException"
create big "$T/big.zip"
like "$ERR" 'CodeStorageExceededException' "past code_storage: CodeStorageExceededException"
lam list-functions
is "$(jget "$OUT" '",".join(sorted(x["FunctionName"] for x in j["Functions"]))')" "ops,orders" "no refused function was made"

# ---- UpdateFunctionConfiguration ----
lam update-function-configuration --function-name orders --timeout 9 \
	--environment 'Variables={STAGE=dev,COLOR=blue}'
is "$RC" 0 "update-function-configuration exits 0"
is "$(jget "$OUT" 'str(j["Timeout"])+" "+j["Environment"]["Variables"]["STAGE"]')" "9 dev" "the reply has the new timeout and environment"
call orders '{"action":"env"}'
like "$RESULT" '"STAGE=dev".*"COLOR=blue"|"COLOR=blue".*"STAGE=dev"' "the function sees the new environment"
unlike "$RESULT" 'STAGE=prod' "  ... and not the old"
lam get-function-configuration --function-name orders
is "$(jget "$OUT" 'j["Timeout"]')" 9 "GetFunctionConfiguration: the new timeout"
is "$(jget "$OUT" 'j["CodeSha256"]')" "$(sha "$T/fn.zip")" "the code did not change"
rev=$(jget "$OUT" 'j["RevisionId"]')
lam update-function-configuration --function-name orders --timeout 8 --revision-id 00000000-0000-4000-8000-000000000000
like "$ERR" 'PreconditionFailedException' "a stale RevisionId: PreconditionFailedException"
lam update-function-configuration --function-name orders --memory-size 256 --revision-id "$rev"
is "$(jget "$OUT" 'j["MemorySize"]')" 256 "the current RevisionId: the update goes through"

# ---- UpdateFunctionCode ----
lam update-function-code --function-name orders --zip-file "fileb://$T/fn2.zip" --dry-run
is "$(jget "$OUT" 'j["CodeSha256"]')" "$(sha "$T/fn2.zip")" "--dry-run: the reply has the new CodeSha256"
call orders '{"action":"env"}'
like "$RESULT" 'STAGE=dev' "--dry-run: the old code still runs"
lam update-function-code --function-name orders --zip-file "fileb://$T/fn2.zip"
is "$RC" 0 "update-function-code exits 0"
is "$(jget "$OUT" 'j["CodeSha256"]+" "+str(j["CodeSize"])')" "$(sha "$T/fn2.zip") $(stat -c %s "$T/fn2.zip")" "the new CodeSha256 and CodeSize"
is "$(jget "$OUT" 'str(j["Timeout"])+" "+str(j["MemorySize"])')" "9 256" "the configuration stays"
call orders '{"action":"env"}'
is "$RESULT" '{"action":"env"}' "invoke runs the new code (echo)"
ok "$(test -x "$T/state/code/orders/2/bootstrap"; echo $?)" "the new code is unpacked as version 2 beside the old"
lam update-function-code --function-name orders --zip-file "fileb://$T/dotdot.zip"
like "$ERR" 'InvalidParameterValueException' "new code with ../: InvalidParameterValueException"
call orders '{"still":1}'
is "$RESULT" '{"still":1}' "  ... and the code before it keeps running"

# ---- a restart keeps it ----
stop_daemon
start_daemon
call orders '{"after":"restart"}'
is "$RESULT" '{"after":"restart"}' "after a restart the function still runs"
lam get-function-configuration --function-name orders
is "$(jget "$OUT" 'j["CodeSha256"]+" "+str(j["Timeout"])+" "+j["Description"]')" "$(sha "$T/fn2.zip") 9 the orders" "  ... with its record"
like "$($CTL ls)" 'orders' "  ... and lambdactl ls shows it"

# ---- DeleteFunction ----
lam delete-function --function-name orders
is "$RC" 0 "delete-function exits 0"
lam get-function --function-name orders
like "$ERR" 'ResourceNotFoundException' "then it is gone"
unlike "$($CTL ls)" 'orders' "  ... from lambdactl ls too"
ok "$(test ! -e "$T/state/functions.d/orders.conf" && test ! -e "$T/state/lambda/orders.json"; echo $?)" "  ... and from state_dir"
create orders "$T/fn.zip"
is "$RC" 0 "the name can be used again"

# ---- versions and aliases ----
lam publish-version --function-name orders --description first
is "$(jget "$OUT" 'j["Version"]+" "+j["FunctionArn"]+" "+j["Description"]')" "1 arn:aws:lambda:us-east-1:123456789012:function:orders:1 first" "publish-version: version 1, its ARN and description"
lam publish-version --function-name orders
is "$(jget "$OUT" 'j["Version"]')" 1 "nothing changed since: publish-version gives version 1 back"
call orders:1 '{"action":"pid"}'
w1=$(jget "$RESULT" 'j["worker"]')
lam update-function-code --function-name orders --zip-file "fileb://$T/fn2.zip" --publish
is "$(jget "$OUT" 'j["Version"]+" "+j["CodeSha256"]')" "2 $(sha "$T/fn2.zip")" "update-function-code --publish: version 2 of the new code"
call orders:1 '{"action":"env"}'
like "$RESULT" '"AWS_LAMBDA_FUNCTION_VERSION=1"' "orders:1 runs version 1, which knows it"
like "$RESULT" '"AWS_LAMBDA_FUNCTION_NAME=orders"' "  ... under the function's name"
like "$RESULT" '"AWS_LAMBDA_LOG_STREAM_NAME=[0-9/]*\[1\][0-9a-f]{32}"' "  ... its log stream is version 1's"
grep -q '\[orders:1\] START RequestId: [^ ]* Version: 1$' "$T/daemon.log"
is $? 0 "  ... and its START log line says Version: 1"
is "$(jget "$OUT" 'j["ExecutedVersion"]')" 1 "  ... and ExecutedVersion is 1"
call orders:1 '{"action":"pid"}'
is "$(jget "$RESULT" 'j["worker"]')" "$w1" "a deploy of new code left version 1's warm worker alone"
call orders:2 '{"v":2}'
is "$RESULT $(jget "$OUT" 'j["ExecutedVersion"]')" '{"v":2} 2' "orders:2 runs the new code (echo), ExecutedVersion 2"
call orders '{"action":"env"}'
is "$RESULT $(jget "$OUT" 'j["ExecutedVersion"]')" '{"action":"env"} $LATEST' "orders runs \$LATEST"
lam list-versions-by-function --function-name orders
is "$(jget "$OUT" '",".join(x["Version"] for x in j["Versions"])')" '$LATEST,1,2' "list-versions-by-function"
lam get-function-configuration --function-name orders:1
is "$(jget "$OUT" 'j["Version"]+" "+j["CodeSha256"]')" "1 $(sha "$T/fn.zip")" "get-function-configuration of orders:1: its frozen code"
lam list-functions
is "$(jget "$OUT" '",".join(sorted(x["FunctionName"] for x in j["Functions"]))')" "ops,orders" "ListFunctions lists functions, not versions"
lam create-alias --function-name orders --name live --function-version 1
is "$(jget "$OUT" 'j["AliasArn"]+" "+j["FunctionVersion"]')" "arn:aws:lambda:us-east-1:123456789012:function:orders:live 1" "create-alias live -> 1"
call orders:live '{"action":"env"}'
like "$RESULT" '"AWS_LAMBDA_FUNCTION_VERSION=1"' "orders:live runs version 1"
lam create-alias --function-name orders --name live --function-version 2
like "$ERR" 'ResourceConflictException.*Alias already exists' "a second alias live: ResourceConflictException"
lam create-alias --function-name orders --name 12 --function-version 2
like "$ERR" 'ValidationException' "an alias of digits only: ValidationException"
lam create-alias --function-name orders --name next --function-version 9
like "$ERR" 'ResourceNotFoundException' "an alias to a missing version: ResourceNotFoundException"
lam update-alias --function-name orders --name live --function-version 1 \
	--routing-config 'AdditionalVersionWeights={2=0.2}'
is "$(jget "$OUT" 'j["RoutingConfig"]["AdditionalVersionWeights"]["2"]')" 0.2 "update-alias: 20% to version 2"
/usr/bin/python3 - "$PORT" > "$T/split.out" <<'PY'
import http.client, sys
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=10)
n, two = 10000, 0
for _ in range(n):
    c.request("POST", "/2015-03-31/functions/orders:live/invocations", body=b'{}')
    r = c.getresponse(); r.read()
    two += r.getheader("X-Amz-Executed-Version") == "2"
print("%.3f" % (two / n))
PY
share=$(cat "$T/split.out")
ok "$(python3 -c "import sys; sys.exit(0 if abs(float('$share') - 0.2) <= 0.02 else 1)" 2>/dev/null; echo $?)" "10000 invocations of orders:live: version 2 ran $share of them (0.2 +- 0.02)"
lam list-aliases --function-name orders
is "$(jget "$OUT" '",".join(x["Name"] for x in j["Aliases"])')" live "list-aliases"
lam delete-function --function-name orders --qualifier 2
like "$ERR" 'ResourceConflictException.*live' "deleting a version an alias routes to: ResourceConflictException"
lam invoke --function-name orders:nope "$T/out.json"
like "$ERR" 'ResourceNotFoundException.*orders:nope' "invoking a missing alias: ResourceNotFoundException"
stop_daemon
start_daemon
lam get-alias --function-name orders --name live
is "$(jget "$OUT" 'j["FunctionVersion"]+" "+str(j["RoutingConfig"]["AdditionalVersionWeights"]["2"])')" "1 0.2" "after a restart the alias and its weights are there"
call orders:2 '{"after":2}'
is "$RESULT" '{"after":2}' "  ... and version 2 runs"
like "$($CTL ls)" 'orders:2' "lambdactl ls shows the versions' pools"
lam update-alias --function-name orders --name live --function-version 2 --routing-config 'AdditionalVersionWeights={}'
call orders:live '{"v":"live"}'
is "$(jget "$OUT" 'j["ExecutedVersion"]')" 2 "update-alias to 2 without weights: orders:live runs 2"
lam delete-function --function-name orders --qualifier 1
is "$RC" 0 "delete-function --qualifier 1 (no alias uses it now)"
lam invoke --function-name orders:1 "$T/out.json"
like "$ERR" 'ResourceNotFoundException' "  ... then orders:1 is gone"
lam delete-alias --function-name orders --name live
is "$RC" 0 "delete-alias"
lam get-alias --function-name orders --name live
like "$ERR" 'ResourceNotFoundException' "  ... then the alias is gone"

# ---- reserved concurrency ----
lam put-function-concurrency --function-name orders --reserved-concurrent-executions 1
is "$(jget "$OUT" 'j["ReservedConcurrentExecutions"]')" 1 "put-function-concurrency 1"
lam get-function-concurrency --function-name orders
is "$(jget "$OUT" 'j["ReservedConcurrentExecutions"]')" 1 "get-function-concurrency"
lam get-function --function-name orders
is "$(jget "$OUT" 'j["Concurrency"]["ReservedConcurrentExecutions"]')" 1 "GetFunction shows it"
lam update-function-code --function-name orders --zip-file "fileb://$T/fn.zip"
curl -s -o /dev/null -H 'Content-Type:' --data-binary '{"action":"sleep","n":4000}' "$URL$API/orders/invocations" &
bg=$!; PIDS="$PIDS $bg"
wait_log '\[orders\] START RequestId' 5
sleep 0.3
req POST "$API/orders/invocations" -H 'Content-Type:' --data-binary '{"action":"pid"}'
is "$STATUS $(hdr x-amzn-errortype)" "429 toomanyrequestsexception" "past the reserved 1: 429 TooManyRequestsException"
wait "$bg"
lam put-function-concurrency --function-name orders --reserved-concurrent-executions 0
like "$ERR" 'InvalidParameterValueException' "reserving 0 is refused (lambdad cannot stop a function that way)"
lam delete-function-concurrency --function-name orders
is "$RC" 0 "delete-function-concurrency"
lam get-function-concurrency --function-name orders
unlike "$RC $OUT" 'Reserved|^[^0]' "  ... then none is reserved"
curl -s -o /dev/null -H 'Content-Type:' --data-binary '{"action":"sleep","n":3000}' "$URL$API/orders/invocations" &
bg=$!; PIDS="$PIDS $bg"
sleep 0.5
req POST "$API/orders/invocations" -H 'Content-Type:' --data-binary '{"action":"pid"}'
is "$STATUS" 200 "  ... and a second invocation at once runs"
wait "$bg"

lam delete-function --function-name orders
is "$RC" 0 "delete-function of a function with versions"
unlike "$($CTL ls)" 'orders' "  ... takes its versions' pools too"
ok "$(ls "$T/state/functions.d" | grep -q '^orders'; test $? = 1; echo $?)" "  ... and their drop-ins"

# ---- the operator's files win ----
create late "$T/fn.zip" --environment 'Variables={WHO=api}'
fn late "$TH/misc" 'env = WHO=operator'
out=$($CTL reload 2>&1)
like "$out" '1 changed' "a reload with the operator's own late (lambdactl reload)"
call late '{"action":"env"}'
like "$RESULT" '"WHO=operator"' "the operator's function runs, not the API's"
lam get-function-configuration --function-name late
is "$(jget "$OUT" 'j["CodeSha256"]')" "" "GetFunction describes the operator's"
lam delete-function --function-name late
like "$ERR" 'ResourceConflictException' "and the API cannot delete it"

# ---- boto3 ----
/usr/bin/python3 - "$URL" "$T/fn.zip" > "$T/boto.out" 2>&1 <<'PY'
import json, sys, boto3
url, path = sys.argv[1], sys.argv[2]
c = boto3.client("lambda", endpoint_url=url, region_name="us-east-1",
                 aws_access_key_id="x", aws_secret_access_key="y")
code = open(path, "rb").read()
r = c.create_function(FunctionName="boto", Runtime="provided.al2023",
                      Role="arn:aws:iam::123456789012:role/x", Handler="bootstrap",
                      Code={"ZipFile": code}, Environment={"Variables": {"SDK": "boto3"}})
print("created", r["FunctionName"], r["State"])
r = c.invoke(FunctionName="boto", Payload=b'{"action":"env"}')
env = json.loads(r["Payload"].read())
print("invoked", r["StatusCode"], "SDK=boto3" in env)
c.delete_function(FunctionName="boto")
try:
    c.get_function(FunctionName="boto")
except c.exceptions.ResourceNotFoundException:
    print("deleted")
PY
is "$(tr '\n' ' ' < "$T/boto.out")" "created boto Active invoked 200 True deleted " "boto3: create, invoke, delete"

# ---- with access keys, signed calls only ----
stop_daemon
EXTRA_CONF='invoke_api = on
access_key = AKIDCONTROL0001:control-secret-0123456789abcdef'
start_daemon
req POST "$API" -H 'Content-Type: application/json' --data '{}'
is "$STATUS $(hdr x-amzn-errortype)" "403 missingauthenticationtokenexception" "with access keys, an unsigned CreateFunction: 403"
export AWS_ACCESS_KEY_ID=AKIDCONTROL0001 AWS_SECRET_ACCESS_KEY=control-secret-0123456789abcdef
create signed "$T/fn.zip"
is "$RC" 0 "a CreateFunction signed with the key is served"
export AWS_SECRET_ACCESS_KEY=not-the-secret-0123456789abcdef
lam delete-function --function-name signed
like "$ERR" 'InvalidSignatureException' "a wrong secret: InvalidSignatureException"
lam get-function --function-name signed
like "$ERR" 'InvalidSignatureException' "  ... for the read calls too"

done_testing
