#!/bin/bash
# The Tables store's door, end to end with the real aws CLI and curl: the
# README's walk-through (create-table, a function writes through its private
# endpoint, get-item sees it), the item operations, the error families,
# the wire (x-amz-crc32, request ids, content types, limits, health check),
# grants and a reload that changes them on a warm worker, SigV4 with
# access_key lines, and a SIGKILL in the middle of acknowledged writes.
. "$(dirname "$0")/lib.sh"
TB="$ROOT/tests/integration/tables"

aws_env

DPORT=$(freeport)
EP="http://127.0.0.1:$DPORT"
EXTRA_CONF="dynamodb_listen = 127.0.0.1:$DPORT"

# ddb ARGS...: `aws dynamodb ARGS` against the door; sets RC, OUT, ERR.
ddb() {
	"$AWSCLI" dynamodb "$@" --endpoint-url "$EP" --output json \
		--cli-connect-timeout 5 >"$T/aws.out" 2>"$T/aws.err"
	RC=$?; OUT=$(cat "$T/aws.out"); ERR=$(cat "$T/aws.err")
}
# rc254 WHAT: the last ddb call was a service error (exit 254); if not,
# what the CLI said goes to the diagnostics.
rc254() { is "$RC" 254 "$1" || true; [ "$RC" = 254 ] || diag "  stderr: $(head -c 600 "$T/aws.err")"; }
# raw OP BODY [curl args...]: a DynamoDB call with curl; STATUS, BODY, HDRS.
raw() {
	op=$1 body=$2; shift 2
	curl -sS -o "$T/body" -D "$T/hdrs" -X POST --max-time 20 \
		-H 'Content-Type: application/x-amz-json-1.0' \
		-H "X-Amz-Target: DynamoDB_20120810.$op" "$@" \
		--data-binary "$body" "$EP/" 2>"$T/curl.err"
	STATUS=$(grep -a '^HTTP/' "$T/hdrs" | tail -n 1 | awk '{print $2}')
	BODY=$(cat "$T/body")
	HDRS=$(tr -d '\r' < "$T/hdrs" | tr 'A-Z' 'a-z')
}
# hv NAME: a header of the last reply, its value's case kept (hdr lowers it).
hv() { tr -d '\r' < "$T/hdrs" | sed -n "s/^$1: //Ip" | head -n 1; }
crc() { python3 -c 'import sys, zlib; print(zlib.crc32(open(sys.argv[1], "rb").read()))' "$1"; }
# fcall FN OP BODY: the function FN makes the DynamoDB call OP on its own
# endpoint; STATUS and BODY are DynamoDB's, as the function saw them.
fcall() { req POST "/$1/$2" -H 'Content-Type: application/json' --data-binary "$3"; }
etype() { jget "$BODY" 'j["__type"]'; }

fn cart "$TB/ddb-bash.sh" 'route = POST /cart/{op}' 'seccomp = exec' \
	'timeout = 10' 'max_workers = 1' 'tables = carts products:read'
fn nogrant "$TB/ddb-bash.sh" 'route = POST /nogrant/{op}' 'seccomp = exec' \
	'timeout = 10' 'max_workers = 1'
start_daemon
waitport "$DPORT"; ok $? "the DynamoDB listener is up on dynamodb_listen"
like "$(dlog)" "dynamodb on 127\.0\.0\.1:$DPORT" "the log says where"

# ---- the wire: health check, crc32, request id, content types ----------
curl -sS -o "$T/body" -D "$T/hdrs" "$EP/"
is "$(cat "$T/body")" "healthy: dynamodb.us-east-1.amazonaws.com " "GET /: the health check, trailing space and all"
raw ListTables '{}'
is "$STATUS" 200 "ListTables with curl: 200"
is "$(jget "$BODY" 'j["TableNames"]')" '[]' "no tables yet"
is "$(hdr x-amz-crc32)" "$(crc "$T/body")" "x-amz-crc32 is the CRC-32 of the body bytes"
like "$(hv x-amzn-requestid)" '^[A-Z0-9]{52}$' "x-amzn-RequestId as AWS makes them"
is "$(hdr content-type)" application/x-amz-json-1.0 "Content-Type application/x-amz-json-1.0"
rid1=$(hdr x-amzn-requestid)
raw ListTables '{}' -H 'Content-Type: application/json'
is "$STATUS" 200 "Content-Type application/json is accepted too"
is "$(hdr content-type)" application/x-amz-json-1.0 "  ... and answered in x-amz-json-1.0"
[ "$(hdr x-amzn-requestid)" != "$rid1" ]; ok $? "a fresh request id per reply"
raw NoSuchOp '{}'
is "$STATUS" 400 "an unknown target: 400"
is "$(etype)" com.amazon.coral.service#UnknownOperationException "  ... UnknownOperationException"
is "$(hdr x-amz-crc32)" "$(crc "$T/body")" "  ... errors carry a correct x-amz-crc32 too"
raw ListTables 'not json'
is "$(etype)" com.amazon.coral.service#SerializationException "a body that is not JSON: SerializationException"
raw ListTables '[1,2]'
is "$(etype)" com.amazon.coral.service#SerializationException "a body that is not an object: SerializationException"
head -c $((16 * 1024 * 1024 + 1)) /dev/zero | tr '\0' ' ' > "$T/big"
raw PutItem @"$T/big"
is "$STATUS" 413 "a body over 16 MiB: 413"

# ---- the walk-through ---------------------------------------------------
for t in carts products others; do
	ddb create-table --table-name $t --billing-mode PAY_PER_REQUEST \
		--attribute-definitions AttributeName=id,AttributeType=S \
		--key-schema AttributeName=id,KeyType=HASH
	is "$RC" 0 "create-table $t"
done
is "$(jget "$OUT" 'j["TableDescription"]["TableName"]')" others "  ... the reply describes the table"
fcall cart PutItem '{"TableName":"carts","Item":{"id":{"S":"42"},"items":{"SS":["apple"]}}}'
is "$STATUS" 200 "the function's PutItem through its own endpoint: 200"
like "$(hdr x-endpoint)" '^http://127\.0\.0\.1:[0-9]+$' "the function's AWS_ENDPOINT_URL_DYNAMODB is its own endpoint"
[ "$(hdr x-endpoint)" != "$EP" ]; ok $? "  ... not the operator's listener"
ddb get-item --table-name carts --key '{"id":{"S":"42"}}'
is "$(jget "$OUT" 'j["Item"]["items"]["SS"]')" '["apple"]' "aws get-item sees what the function wrote"

# ---- grants --------------------------------------------------------------
ddb put-item --table-name products --item '{"id":{"S":"apple"},"price":{"N":"3"}}'
fcall cart GetItem '{"TableName":"products","Key":{"id":{"S":"apple"}}}'
is "$STATUS" 200 "the function reads its :read table"
is "$(jget "$BODY" 'j["Item"]["price"]["N"]')" 3 "  ... and gets the item"
fcall cart PutItem '{"TableName":"products","Item":{"id":{"S":"pear"}}}'
is "$(etype)" com.amazon.coral.service#AccessDeniedException "a write to a :read table: AccessDeniedException"
like "$(jget "$BODY" 'j["message"]')" 'assumed-role/cart/cart is not authorized to perform: dynamodb:PutItem on resource: arn:aws:dynamodb:us-east-1:000000000000:table/products' \
	"  ... naming the principal, the action and the table's ARN"
fcall cart GetItem '{"TableName":"others","Key":{"id":{"S":"x"}}}'
is "$(etype)" com.amazon.coral.service#AccessDeniedException "a read of a table not granted: AccessDeniedException"
fcall cart BatchGetItem '{"RequestItems":{"carts":{"Keys":[{"id":{"S":"42"}}]},"others":{"Keys":[{"id":{"S":"x"}}]}}}'
is "$(etype)" com.amazon.coral.service#AccessDeniedException "a batch that touches one table not granted: denied whole"
fcall nogrant GetItem '{"TableName":"carts","Key":{"id":{"S":"42"}}}'
is "$(hdr x-endpoint)" none "a function without tables gets no endpoint variable"
is "$(etype)" com.amazon.coral.service#AccessDeniedException "  ... and every call of it is denied"

# A reload that changes only the grant: the warm worker, new rights at once.
w1=$(wpid cart)
sed -i 's/^tables = carts products:read$/tables = carts:read products/' "$T/functions.d/cart.conf"
kill -HUP "$DPID"
wait_log 'reloaded .*2 unchanged, 0 changed' 10; ok $? "the reload keeps the function's pool (a grant change is no restart)"
fcall cart PutItem '{"TableName":"products","Item":{"id":{"S":"pear"}}}'
is "$STATUS" 200 "after the reload, products is writable"
fcall cart PutItem '{"TableName":"carts","Item":{"id":{"S":"43"}}}'
is "$(etype)" com.amazon.coral.service#AccessDeniedException "  ... and carts read-only"
is "$(wpid cart)" "$w1" "  ... on the same warm worker"

# ---- the item operations with the CLI -----------------------------------
ddb put-item --table-name carts --item '{"id":{"S":"1"},"n":{"N":"1"},"tag":{"S":"a"}}'
is "$RC" 0 "put-item"
ddb update-item --table-name carts --key '{"id":{"S":"1"}}' \
	--update-expression 'SET n = n + :one, #t = :t' --expression-attribute-names '{"#t":"tag"}' \
	--expression-attribute-values '{":one":{"N":"1"},":t":{"S":"b"}}' --return-values ALL_NEW
is "$(jget "$OUT" 'j["Attributes"]["n"]["N"]')" 2 "update-item SET n = n + 1, ALL_NEW"
ddb get-item --table-name carts --key '{"id":{"S":"1"}}' --projection-expression 'tag'
is "$(jget "$OUT" 'j["Item"]')" '{"tag": {"S": "b"}}' "get-item with a projection"
ddb batch-write-item --request-items '{"carts":[{"PutRequest":{"Item":{"id":{"S":"b1"}}}},{"PutRequest":{"Item":{"id":{"S":"b2"}}}}]}'
is "$(jget "$OUT" 'j["UnprocessedItems"]')" '{}' "batch-write-item: nothing unprocessed"
ddb batch-get-item --request-items '{"carts":{"Keys":[{"id":{"S":"b1"}},{"id":{"S":"b2"}}]}}'
is "$(jget "$OUT" 'len(j["Responses"]["carts"])')" 2 "batch-get-item: both items"
ddb transact-write-items --transact-items '[{"Put":{"TableName":"carts","Item":{"id":{"S":"t1"}}}},{"Update":{"TableName":"carts","Key":{"id":{"S":"1"}},"UpdateExpression":"SET n = :z","ExpressionAttributeValues":{":z":{"N":"0"}}}}]'
is "$RC" 0 "transact-write-items: put and update"
ddb transact-get-items --transact-items '[{"Get":{"TableName":"carts","Key":{"id":{"S":"t1"}}}},{"Get":{"TableName":"carts","Key":{"id":{"S":"1"}}}}]'
is "$(jget "$OUT" 'j["Responses"][1]["Item"]["n"]["N"]')" 0 "transact-get-items sees the transaction"
ddb scan --table-name carts --select COUNT
is "$(jget "$OUT" 'j["Count"]')" 5 "scan COUNT: 42, 1, b1, b2 and t1 (43 was denied)"
ddb query --table-name carts --key-condition-expression 'id = :k' --expression-attribute-values '{":k":{"S":"b1"}}'
is "$(jget "$OUT" 'j["Items"][0]["id"]["S"]')" b1 "query by hash key"
ddb delete-item --table-name carts --key '{"id":{"S":"b2"}}' --return-values ALL_OLD
is "$(jget "$OUT" 'j["Attributes"]["id"]["S"]')" b2 "delete-item, ALL_OLD"

# ---- error families, as the CLI shows them -------------------------------
ddb describe-table --table-name nope
rc254 "unknown table: the CLI exits 254"
like "$ERR" 'An error occurred \(ResourceNotFoundException\) when calling the DescribeTable operation.*: Requested resource not found' \
	"  ... ResourceNotFoundException"
ddb put-item --table-name carts --item '{"nokey":{"S":"x"}}'
rc254 "an item without its key: exit 254"
like "$ERR" '\(ValidationException\) when calling the PutItem operation.*: One or more parameter values were invalid' \
	"  ... ValidationException"
ddb put-item --table-name carts --item '{"id":{"S":"1"}}' --condition-expression 'attribute_not_exists(id)'
rc254 "a false condition: exit 254"
like "$ERR" '\(ConditionalCheckFailedException\) when calling the PutItem operation.*: The conditional request failed' \
	"  ... ConditionalCheckFailedException"
raw GetItem '{"TableName":"nope","Key":{"id":{"S":"1"}}}'
is "$(etype)" com.amazonaws.dynamodb.v20120810#ResourceNotFoundException "the service family's __type prefix"
raw GetItem '{"TableName":"carts"}'
is "$(etype)" com.amazon.coral.validate#ValidationException "the validation family's __type prefix"
stop_daemon
is "$DEXIT" 0 "SIGTERM: the daemon stops cleanly with the store open"

# ---- SigV4 with access_key lines ----------------------------------------
EXTRA_CONF="dynamodb_listen = 127.0.0.1:$DPORT
access_key = AKIDTABLES:0123456789abcdef0123"
start_daemon
waitport "$DPORT"
AWS_ACCESS_KEY_ID=AKIDTABLES AWS_SECRET_ACCESS_KEY=0123456789abcdef0123 ddb list-tables
is "$RC" 0 "signed with a configured key: the CLI works"
is "$(jget "$OUT" 'j["TableNames"]')" '["carts", "others", "products"]' "  ... and the store came back after the restart"
AWS_ACCESS_KEY_ID=AKIDTABLES AWS_SECRET_ACCESS_KEY=wrong-secret-wrong-secret ddb list-tables
like "$ERR" '\(InvalidSignatureException\).*The request signature we calculated does not match' "a wrong secret: InvalidSignatureException"
AWS_ACCESS_KEY_ID=AKIDNOBODY ddb list-tables
like "$ERR" '\(UnrecognizedClientException\).*The security token included in the request is invalid' "an unknown key id: UnrecognizedClientException"
raw ListTables '{}'
is "$(etype)" com.amazon.coral.service#MissingAuthenticationTokenException "unsigned curl: MissingAuthenticationTokenException"
is "$(jget "$BODY" 'j["message"]')" "Request is missing Authentication Token" "  ... in AWS's words"
curl -sS -o "$T/body" "$EP/"
is "$(cat "$T/body")" "healthy: dynamodb.us-east-1.amazonaws.com " "the health check needs no signature"
fcall cart GetItem '{"TableName":"products","Key":{"id":{"S":"apple"}}}'
is "$STATUS" 200 "inside a function no signature is checked (any is accepted)"
stop_daemon

# ---- SIGKILL in the middle of acknowledged writes ------------------------
EXTRA_CONF="dynamodb_listen = 127.0.0.1:$DPORT"
start_daemon
waitport "$DPORT"
cat > "$T/writer.py" <<'PY'
import http.client, json, sys
port, ack = int(sys.argv[1]), open(sys.argv[2], "w")
c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
h = {"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "DynamoDB_20120810.PutItem"}
i = 0
while True:
    body = json.dumps({"TableName": "others", "Item": {"id": {"S": "k%d" % i}, "v": {"S": "x" * 100}}})
    try:
        c.request("POST", "/", body, h)
        r = c.getresponse()
        r.read()
    except Exception:
        break
    if r.status == 200:
        ack.write("k%d\n" % i)
        ack.flush()
    i += 1
PY
python3 "$T/writer.py" "$DPORT" "$T/acked" &
wr=$!
PIDS="$PIDS $wr"
sleep 1.5
kill -KILL "$DPID"; wait "$DPID" 2>/dev/null; DPID=
wait "$wr" 2>/dev/null
nack=$(wc -l < "$T/acked")
[ "$nack" -gt 10 ]; ok $? "PutItems were acknowledged before the kill ($nack)"
start_daemon
waitport "$DPORT"
cat > "$T/check.py" <<'PY'
import http.client, json, sys
port, want = int(sys.argv[1]), set(open(sys.argv[2]).read().split())
c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
h = {"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "DynamoDB_20120810.Scan"}
seen, start = set(), None
while True:
    req = {"TableName": "others", "ProjectionExpression": "id"}
    if start:
        req["ExclusiveStartKey"] = start
    c.request("POST", "/", json.dumps(req), h)
    j = json.loads(c.getresponse().read())
    seen |= {it["id"]["S"] for it in j["Items"]}
    start = j.get("LastEvaluatedKey")
    if not start:
        break
print(len(want - seen))
PY
is "$(python3 "$T/check.py" "$DPORT" "$T/acked")" 0 "after kill -9 and a restart, every acknowledged item is there"
stop_daemon
echo "1..$TESTNUM"
done_testing
