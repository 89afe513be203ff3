#!/bin/bash
# lambdactl deploy-template: a SAM template written the way `sam init`'s
# provided.al2023 hello-world is (Globals, Parameters with defaults,
# !Sub/!Ref/!GetAtt/!If/!FindInMap, a layer, a SimpleTable,
# AutoPublishAlias, an HttpApi event) deployed to a real daemon through
# its Lambda API and DynamoDB door, then read back and invoked with the
# aws CLI; a second run changes nothing; --param and changed content
# update what they touch; and broken templates fail with clear messages.
. "$(dirname "$0")/lib.sh"
aws_env
plan 60

CTL="${LAMBDACTL:-$B/lambdactl}"	# LAMBDACTL: another build, e.g. a sanitized one
DPORT=$(freeport)
DDB="http://127.0.0.1:$DPORT"
lam() {
	"$AWSCLI" lambda "$@" --endpoint-url "$URL" --cli-read-timeout 0 \
		--cli-connect-timeout 5 >"$T/aws.out" 2>"$T/aws.err"
	RC=$?; OUT=$(cat "$T/aws.out")
}
# deploy FILE [ARGS...]: sets RC, OUT (stdout), ERR (stderr).
deploy() {
	f=$1; shift
	"$CTL" deploy-template "$f" --endpoint "$URL" --dynamodb-endpoint "$DDB" \
		"$@" >"$T/dep.out" 2>"$T/dep.err"
	RC=$?; OUT=$(cat "$T/dep.out"); ERR=$(cat "$T/dep.err")
}
# env NAME: the variable from the last get-function-configuration.
envv() { jget "$CFG" "j['Environment']['Variables']['$1']"; }
getcfg() { lam get-function-configuration --function-name "$1"; CFG=$OUT; }
# invoke_env QUALIFIED: the function's environment, as it saw it, in RESULT.
invoke_env() {
	rm -f "$T/inv.json"
	lam invoke --cli-binary-format raw-in-base64-out --function-name "$1" \
		--payload '{"action":"env"}' "$T/inv.json"
	RESULT=$(cat "$T/inv.json" 2>/dev/null)
}
inenv() { jget "$RESULT" "[e.split('=',1)[1] for e in j if e.startswith('$1=')][0]"; }

APP="$T/app"
cp -r "$ROOT/tests/integration/sam/hello" "$APP"
mkdir -p "$APP/hello-world"
cp "$TH/misc" "$APP/hello-world/bootstrap"
cp "$ROOT"/tests/integration/sam/*.yaml "$ROOT"/tests/integration/sam/*.json "$T/"

EXTRA_CONF="invoke_api = on
dynamodb_listen = 127.0.0.1:$DPORT"
start_daemon
waitport "$DPORT"

# ---- the first deploy ----
deploy "$APP/template.yaml"
is "$RC" 0 "deploy-template exits 0"; [ "$RC" = 0 ] || diag "$ERR"
like "$OUT" "created: SharedLayer \(AWS::Serverless::LayerVersion\): arn:aws:lambda:us-east-1:123456789012:layer:shared:1" "the layer is published"
like "$OUT" "created: OrdersTable \(AWS::Serverless::SimpleTable\): OrdersTable" "the table is created"
like "$OUT" "created: HelloWorldFunction \(AWS::Serverless::Function\): template-hello" "the function is created, named by !Sub \${AWS::StackName}"
like "$OUT" "skipped: HelloWorldFunction.Events.HelloWorld \(HttpApi event\): lambdad does not make event sources" "the HttpApi event is skipped, with its reason"
like "$OUT" "skipped: HelloWorldFunction.Tracing \(property\)" "an unknown property is skipped"
like "$OUT" "skipped: ProdOnlyFunction \(AWS::Serverless::Function\): its Condition is false" "a resource whose Condition is false is skipped"
like "$OUT" "skipped: Globals.HttpApi" "Globals other than Function are skipped"
like "$OUT" "skipped: Outputs.HelloWorldAPI \(output\): .*ServerlessHttpApi" "an output naming an API is skipped with why"
like "$OUT" "output: HelloWorldFunction = arn:aws:lambda:us-east-1:123456789012:function:template-hello" "an output is printed"
like "$OUT" "created: SessionsTable \(AWS::Serverless::SimpleTable\): SessionsTable" "a SimpleTable without Properties: named by its logical id"
like "$OUT" "skipped: HelloWorldFunctionRole \(AWS::IAM::Role\): IAM has no meaning on lambdad" "an IAM role is skipped"
like "$OUT" "^4 created, 0 updated, 0 unchanged" "the summary"

getcfg template-hello
is "$RC" 0 "get-function-configuration finds it"
is "$(jget "$CFG" 'j["MemorySize"]')" 256 "MemorySize from a Number parameter's Default (over Globals)"
is "$(jget "$CFG" 'j["Timeout"]')" 5 "Timeout from Globals"
is "$(jget "$CFG" 'j["Runtime"]+" "+j["Handler"]')" "provided.al2023 bootstrap" "Runtime and Handler"
is "$(jget "$CFG" 'j["Role"]')" arn:aws:iam::123456789012:role/HelloWorldFunctionRole "Role from !GetAtt of the (skipped) IAM role"
is "$(envv STAGE)" dev "!Ref of a parameter's Default"
is "$(envv TABLE_NAME)" OrdersTable "Globals' variables merge into the function's; !Ref of a table is its name"
is "$(envv GREETING)" hello "!FindInMap"
like "$(envv TABLE_ARN)" '^arn:aws:dynamodb:us-east-1:[0-9]+:table/OrdersTable$' "!GetAtt Table.Arn"
LAYER=arn:aws:lambda:us-east-1:123456789012:layer:shared:1
is "$(envv LAYER)" "$LAYER" "!Ref of a layer is its version's ARN"
is "$(jget "$CFG" 'j["Layers"][0]["Arn"]')" "$LAYER" "the function has the layer"
is "$(envv MODE)" relaxed "!If on a false condition"
is "$(envv WHERE)" "us-east-1:123456789012:aws" "pseudo parameters in !Sub"
is "$(envv FIRST)" b "!Select of !Split"
is "$(envv JOINED)" x-dev-template "!Join"
is "$(envv LITERAL)" '${Stage}' '!Sub ${!Literal}'
is "$(envv SELF)" arn:aws:lambda:us-east-1:123456789012:function:template-hello '!Sub ${Fn.Arn}'
lam get-function-concurrency --function-name template-hello
is "$(jget "$OUT" 'j["ReservedConcurrentExecutions"]')" 5 "ReservedConcurrentExecutions is put"
lam get-alias --function-name template-hello --name live
is "$(jget "$OUT" 'j["FunctionVersion"]')" 1 "AutoPublishAlias: alias live -> version 1"
invoke_env template-hello:live
is "$(inenv STAGE)" dev "invoking the alias: the function sees STAGE"
is "$(inenv AWS_LAMBDA_FUNCTION_MEMORY_SIZE)" 256 "  ... and its memory"
is "$(inenv AWS_LAMBDA_FUNCTION_VERSION)" 1 "  ... and runs version 1"
"$AWSCLI" dynamodb describe-table --table-name OrdersTable --endpoint-url "$DDB" >"$T/ddb.out" 2>&1
is "$(jget "$(cat "$T/ddb.out")" 'j["Table"]["KeySchema"][0]["AttributeName"]+" "+j["Table"]["AttributeDefinitions"][0]["AttributeType"]')" "orderId S" "the table's key is the SimpleTable's PrimaryKey"

# ---- a second run changes nothing ----
deploy "$APP/template.yaml"
is "$RC" 0 "the second run exits 0"
like "$OUT" "unchanged: HelloWorldFunction" "the function is unchanged"
like "$OUT" "unchanged: SharedLayer" "the layer is unchanged"
like "$OUT" "unchanged: OrdersTable" "the table is unchanged"
like "$OUT" "^no changes: 4 unchanged" "it says nothing changed"
lam list-versions-by-function --function-name template-hello
is "$(jget "$OUT" 'len(j["Versions"])')" 2 "no new version was published (\$LATEST and 1)"

# ---- --param changes an env var: an update, a new version, the alias moves ----
deploy "$APP/template.yaml" --param Stage=prod
is "$RC" 0 "--param Stage=prod exits 0"
like "$OUT" "updated: HelloWorldFunction \(AWS::Serverless::Function\): configuration, alias live -> 2" "the function's configuration is updated and the alias moved"
like "$OUT" "created: ProdOnlyFunction" "the resource whose Condition is now true is created"
getcfg template-hello
is "$(envv STAGE) $(envv GREETING) $(envv MODE)" "prod welcome strict" "the variables follow the parameter"
invoke_env template-hello:live
is "$(inenv STAGE) $(inenv AWS_LAMBDA_FUNCTION_VERSION)" "prod 2" "the alias runs version 2 with STAGE=prod"

# ---- changed layer content: a new layer version, the function follows ----
echo more > "$APP/layer/lib/more.txt"
deploy "$APP/template.yaml" --param Stage=prod
like "$OUT" "updated: SharedLayer .*layer:shared:2" "changed content publishes layer version 2"
like "$OUT" "updated: HelloWorldFunction .*configuration" "the function is moved to it"; [ "$RC" = 0 ] || diag "$ERR"

# ---- changed code: UpdateFunctionCode, a new version for the alias ----
lam get-function --function-name template-hello
SHA1=$(jget "$OUT" 'j["Configuration"]["CodeSha256"]')
echo data > "$APP/hello-world/data.txt"
deploy "$APP/template.yaml" --param Stage=prod
like "$OUT" "updated: HelloWorldFunction \(AWS::Serverless::Function\): code, alias live -> 4" "a changed CodeUri folder updates the code only, and the alias moves"
lam get-function --function-name template-hello
SHA2=$(jget "$OUT" 'j["Configuration"]["CodeSha256"]')
[ -n "$SHA2" ] && [ "$SHA1" != "$SHA2" ]; ok $? "CodeSha256 changed"
invoke_env template-hello:live
is "$(inenv AWS_LAMBDA_FUNCTION_VERSION)" 4 "the alias runs the new code's version"
deploy "$APP/template.yaml" --param Stage=prod
like "$OUT" "^no changes" "then nothing changes again"

# ---- errors ----
deploy "$T/broken.yaml"
is "$RC" 1 "a broken YAML file: exit 1"
like "$ERR" "broken.yaml:[0-9]+:[0-9]+: " "  ... the message names the file, line and column"
deploy "$T/badtag.yaml"
is "$RC" 1 "an unknown tag: exit 1"
like "$ERR" "badtag.yaml:6:[0-9]+: unknown tag !Reff" "  ... the message names the tag and its line"
deploy "$T/rekey.json"
like "$RC $ERR" "^1 .*OrdersTable \(AWS::DynamoDB::Table\): table OrdersTable exists with the key \[orderId S HASH\]; the template's is \[id N HASH\]" "a JSON template: a table with another key is reported, not replaced"
deploy "$T/badmem.yaml"
like "$RC $ERR" "^1 .*Tiny \(AWS::Serverless::Function\): CreateFunction: ValidationException: .*memorySize.*128" "the daemon's refusal names the resource"

"$CTL" deploy-template "$APP/template.yaml" --endpoint http://127.0.0.1:1 \
	--dynamodb-endpoint http://127.0.0.1:1 >/dev/null 2>"$T/dep.err"
like "$? $(cat "$T/dep.err")" "^3 .*cannot reach lambdad at http://127.0.0.1:1" "no daemon there: exit 3, and says so"

stop_daemon
done_testing
