#!/bin/bash
# The Tables store with real clients: boto3 (Debian's python3-boto3) and the
# AWS SDK for JavaScript v3 (client-dynamodb, lib-dynamodb) on the
# operator's listener; and inside a function, an unmodified AWS runtime
# client (aws-lambda-ric) whose handler uses the SDK with no endpoint code,
# granted `carts` and `products:read` and denied everything else.
. "$(dirname "$0")/lib.sh"
RIC="$ROOT/tests/integration/ric"
SDK="$ROOT/tests/integration/sdk"
TB="$ROOT/tests/integration/tables"
if ! [ -f "$RIC/node_modules/aws-lambda-ric/dist/rapid-client.node" ]; then
	echo "Bail out! aws-lambda-ric is not installed: run make ric"; exit 1
fi
if ! [ -d "$SDK/node_modules/@aws-sdk/lib-dynamodb" ]; then
	echo "Bail out! the AWS SDK for JavaScript is not installed: run make sdk"; exit 1
fi
if ! /usr/bin/python3 -c 'import boto3' 2>/dev/null; then
	echo "Bail out! python3-boto3 is not installed: run make deps-test"; exit 1
fi

DPORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
EP="http://127.0.0.1:$DPORT"
EXTRA_CONF="dynamodb_listen = 127.0.0.1:$DPORT"
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1
fn cart "$ROOT/tests/integration/tables_fn_bootstrap" 'route = POST /cart' 'memory = 512' 'timeout = 10' \
    'seccomp = exec' 'tables = carts products:read'
fn nogrant "$ROOT/tests/integration/tables_fn_bootstrap" 'route = POST /nogrant' 'memory = 512' 'timeout = 10' \
    'seccomp = exec'
start_daemon
for i in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$DPORT") 2>/dev/null && break; sleep 0.05; done

# boto3 and the JS SDK each run a suite of their own; their TAP lines are
# renumbered into this file's.
run_suite() {
	while IFS= read -r line; do
		case "$line" in
		"ok "*) pass "${line#ok * - }" ;;
		"not ok "*) fail "${line#not ok * - }" ;;
		"#"*) echo "$line" ;;
		esac
	done
}
# A suite ran to its end when it exited 0; its stderr is shown otherwise
# (Node's own warnings there are not failures).
/usr/bin/python3 "$TB/boto3_suite.py" "$EP" >"$T/boto3.out" 2>"$T/boto3.err"
rc=$?
run_suite <"$T/boto3.out"
is "$rc" 0 "boto3 suite ran to its end"; [ "$rc" = 0 ] || sed "s/^/# /" "$T/boto3.err" | tail -40
SDK_DIR="$SDK/node_modules" node "$TB/sdk_suite.mjs" "$EP" >"$T/sdk.out" 2>"$T/sdk.err"
rc=$?
run_suite <"$T/sdk.out"
is "$rc" 0 "JS SDK suite ran to its end"; [ "$rc" = 0 ] || sed "s/^/# /" "$T/sdk.err" | tail -40

aws() { command aws --endpoint-url "$EP" "$@"; }
for t in carts products; do
	aws dynamodb create-table --table-name $t --billing-mode PAY_PER_REQUEST \
	    --attribute-definitions AttributeName=id,AttributeType=S \
	    --key-schema AttributeName=id,KeyType=HASH >/dev/null
done
aws dynamodb put-item --table-name products --item '{"id":{"S":"apple"},"price":{"N":"3"}}'

call() { req POST "$1" -H 'Content-Type: application/json' -d "$2"; }
call /cart '{"action":"add","id":"42","item":"apple","t":1}'
is "$(jget "$BODY" 'j["ok"]')" true "function: the SDK writes to its granted table"
is "$(jget "$BODY" 'j["item"]["items"]')" '["apple"]' "function: UpdateItem ADD to a set, ALL_NEW"
like "$(jget "$BODY" 'j["endpoint"]')" '^http://127\.0\.0\.1:[0-9]+$' \
    "function: AWS_ENDPOINT_URL_DYNAMODB points at its own endpoint"
out=$(aws dynamodb get-item --table-name carts --key '{"id":{"S":"42"}}' --output json)
is "$(jget "$out" 'j["Item"]["items"]["SS"]')" '["apple"]' "aws CLI sees what the function wrote"
call /cart '{"action":"get","table":"products","id":"apple"}'
is "$(jget "$BODY" 'j["item"]["price"]')" 3 "function: reads its :read table"
call /cart '{"action":"put","table":"products","id":"pear"}'
is "$(jget "$BODY" 'j["error"]')" AccessDeniedException "function: a write to a :read table is denied"
like "$(jget "$BODY" 'j["message"]')" 'dynamodb:PutItem.*table/products' \
    "function: the denial names the action and the table ARN"
call /cart '{"action":"put","table":"other","id":"x"}'
is "$(jget "$BODY" 'j["error"]')" AccessDeniedException "function: an ungranted table is denied"
call /nogrant '{"action":"get","id":"42"}'
is "$(jget "$BODY" 'j["endpoint"]')" "" "a function without tables gets no endpoint variable"
unlike "$BODY" '"ok":true' "a function without tables reads nothing"

# A reload that widens the grant applies to the warm worker at once.
pids_before=$(wpid cart)
sed -i 's/^tables = carts products:read$/tables = carts products/' "$T/functions.d/cart.conf"
kill -HUP "$DPID"
wait_log 'reloaded ' 10; ok $? "the reload is done"
call /cart '{"action":"put","table":"products","id":"pear"}'
is "$(jget "$BODY" 'j["ok"]')" true "after a reload, the widened grant applies"
is "$(wpid cart)" "$pids_before" "and the same warm worker served it"
echo "1..$TESTNUM"
done_testing
