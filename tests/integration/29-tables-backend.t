#!/bin/bash
# tables_backend: daemon A sends every Tables call, after its grant check,
# to daemon B's dynamodb_listen (a DynamoDB-compatible engine), signed with
# tables_backend_key, which is one of B's access_key lines.  The aws CLI
# against A makes a table and items that are in B; A opens no store of its
# own; a function on A with tables = items:read reads through A and is refused
# a write with the embedded store's AccessDeniedException; with B stopped,
# A answers at once with an error that names the backend.
. "$(dirname "$0")/lib.sh"
TB="$ROOT/tests/integration/tables"
plan 32

aws_env

APORT=$(freeport) BPORT=$(freeport)
AEP="http://127.0.0.1:$APORT" BEP="http://127.0.0.1:$BPORT"
BKEY_ID=BACKENDKEY BKEY_SECRET=backend-secret-0123456789

# ddb EP ARGS...: `aws dynamodb ARGS` against EP; sets RC, OUT, ERR.
ddb() {
	ep=$1; shift
	"$AWSCLI" dynamodb "$@" --endpoint-url "$ep" --output json \
		--cli-connect-timeout 5 --cli-read-timeout 20 >"$T/aws.out" 2>"$T/aws.err"
	RC=$?; OUT=$(cat "$T/aws.out"); ERR=$(cat "$T/aws.err")
}
# ddbB ARGS...: the same against B, signed with B's key.
ddbB() { AWS_ACCESS_KEY_ID=$BKEY_ID AWS_SECRET_ACCESS_KEY=$BKEY_SECRET ddb "$BEP" "$@"; }
# raw OP BODY: a DynamoDB call with curl to A; STATUS, BODY, HDRS.
raw() {
	curl -sS -o "$T/body" -D "$T/hdrs" -X POST --max-time 20 \
		-H 'Content-Type: application/x-amz-json-1.0' \
		-H "X-Amz-Target: DynamoDB_20120810.$1" \
		--data-binary "$2" "${3:-$AEP}/" 2>"$T/curl.err"
	STATUS=$(grep -a '^HTTP/' "$T/hdrs" | tail -n 1 | awk '{print $2}')
	BODY=$(cat "$T/body")
	HDRS=$(tr -d '\r' < "$T/hdrs" | tr 'A-Z' 'a-z')
}
crc() { python3 -c 'import sys, zlib; print(zlib.crc32(open(sys.argv[1], "rb").read()))' "$1"; }
fcall() { req POST "/$1/$2" -H 'Content-Type: application/json' --data-binary "$3"; }
etype() { jget "$BODY" 'j["__type"]'; }

# ---- B: a plain lambdad with its store, signed calls only ---------------
mkdir -p "$T/b"
cat > "$T/b/lambdad.conf" <<CONF
[lambdad]
listen = 127.0.0.1:1
state_dir = $T/b-state
admin_socket = $T/b.sock
dynamodb_listen = 127.0.0.1:$BPORT
access_key = $BKEY_ID:$BKEY_SECRET
CONF
"$LAMBDAD" -c "$T/b/lambdad.conf" -l 127.0.0.1:0 -v 2>>"$T/b.log" &
BPID=$!
PIDS="$PIDS $BPID"
waitport "$BPORT"; ok $? "daemon B listens for DynamoDB"

# ---- A: no store, B as its backend ---------------------------------------
fn reader "$TB/ddb-bash.sh" 'route = POST /reader/{op}' 'seccomp = exec' \
	'timeout = 10' 'max_workers = 1' 'tables = items:read'
EXTRA_CONF="dynamodb_listen = 127.0.0.1:$APORT
tables_backend = $BEP
tables_backend_key = $BKEY_ID:$BKEY_SECRET"
start_daemon
waitport "$APORT"; ok $? "daemon A listens for DynamoDB"
like "$(dlog)" "every call goes to $BEP \\(signed\\)" "A's log says where its tables are"

ddb "$AEP" create-table --table-name items --billing-mode PAY_PER_REQUEST \
	--attribute-definitions AttributeName=id,AttributeType=S \
	--key-schema AttributeName=id,KeyType=HASH
is "$RC" 0 "create-table through A"
is "$(jget "$OUT" 'j["TableDescription"]["TableName"]')" items "  ... B's description of the table comes back"
ddb "$AEP" put-item --table-name items --item '{"id":{"S":"1"},"n":{"N":"10"}}'
is "$RC" 0 "put-item through A"
# (Update expressions wait for the engine's expr_update: a second put.)
ddb "$AEP" put-item --table-name items --item '{"id":{"S":"1"},"n":{"N":"11"}}' \
	--return-values ALL_OLD
is "$(jget "$OUT" 'j["Attributes"]["n"]["N"]')" 10 "a second put-item through A gets B's old item back"
ddbB get-item --table-name items --key '{"id":{"S":"1"}}'
is "$(jget "$OUT" 'j["Item"]["n"]["N"]')" 11 "the item is in B (B asked directly)"
ddb "$AEP" get-item --table-name items --key '{"id":{"S":"1"}}'
is "$(jget "$OUT" 'j["Item"]["n"]["N"]')" 11 "get-item through A reads it back"
ddbB list-tables
is "$(jget "$OUT" 'j["TableNames"]')" '["items"]' "B has the table"
[ ! -e "$T/state/tables/tables.db" ]; ok $? "A opened no store of its own"

raw GetItem '{"TableName":"items","Key":{"id":{"S":"1"}}}'
is "$STATUS" 200 "curl through A: 200"
is "$(hdr x-amz-crc32)" "$(crc "$T/body")" "  ... x-amz-crc32 matches the body"
like "$(tr -d '\r' < "$T/hdrs" | sed -n 's/^x-amzn-requestid: //Ip')" '^[A-Z0-9]{52}$' "  ... with B's request id"
is "$(hdr content-type)" application/x-amz-json-1.0 "  ... and DynamoDB's content type"
raw GetItem '{"TableName":"nope","Key":{"id":{"S":"1"}}}'
is "$STATUS $(etype)" "400 com.amazonaws.dynamodb.v20120810#ResourceNotFoundException" "B's error comes back as B gave it"
raw GetItem '{"TableName":"items","Key":{"id":{"S":"1"}}}' "$BEP"
is "$(etype)" com.amazon.coral.service#MissingAuthenticationTokenException "B refuses unsigned calls, so A's were signed"

# ---- a function on A with tables = items:read ---------------------------------
fcall reader GetItem '{"TableName":"items","Key":{"id":{"S":"1"}}}'
is "$STATUS $(jget "$BODY" 'j["Item"]["n"]["N"]')" "200 11" "the function reads items through A"
fcall reader PutItem '{"TableName":"items","Item":{"id":{"S":"2"}}}'
is "$(etype)" com.amazon.coral.service#AccessDeniedException "a write to its :read table: AccessDeniedException"
like "$(jget "$BODY" 'j["message"]')" 'assumed-role/reader/reader is not authorized to perform: dynamodb:PutItem on resource: arn:aws:dynamodb:us-east-1:000000000000:table/items' \
	"  ... in the embedded store's words"
fcall reader ExecuteStatement '{"Statement":"UPDATE \"items\" SET n = 5 WHERE id = '"'"'1'"'"'"}'
is "$(etype)" com.amazon.coral.service#AccessDeniedException "a PartiQL UPDATE of items: AccessDeniedException"
fcall reader ListTables '{}'
is "$(etype)" com.amazon.coral.service#AccessDeniedException "ListTables without a * grant: AccessDeniedException"
ddbB get-item --table-name items --key '{"id":{"S":"2"}}'
is "$OUT:$(jget "$OUT" 'j["Item"]["n"]["N"]')" ":" "  ... and nothing was written to B"
ddbB get-item --table-name items --key '{"id":{"S":"1"}}'
is "$(jget "$OUT" 'j["Item"]["n"]["N"]')" 11 "  ... nor changed there"

# ---- B stopped ---------------------------------------------------------------
kill -TERM "$BPID"; wait "$BPID" 2>/dev/null
t0=$(date +%s)
raw GetItem '{"TableName":"items","Key":{"id":{"S":"1"}}}'
is "$STATUS $(etype)" "503 com.amazon.coral.service#ServiceUnavailableException" "B down: A answers 503 ServiceUnavailable"
like "$(jget "$BODY" 'j["message"]')" "Tables backend $BEP: connection refused" "  ... naming the backend and what went wrong"
[ $(( $(date +%s) - t0 )) -lt 5 ]; ok $? "  ... at once, not after a hang"
# ---- A's metrics count the calls it sent on -----------------------------------
curl -sS --unix-socket "$T/admin.sock" -o "$T/m.txt" --max-time 5 http://lambdad/metrics
m() { awk -v k="$1" '$1 == k { print $2 }' "$T/m.txt"; }
is "$(m 'lambdad_tables_requests_total{table="items",op="GetItem"}'):$(m 'lambdad_tables_requests_total{table="items",op="PutItem"}')" "4:3" \
	"A's metrics: every GetItem and PutItem it served, by table"
is "$(m 'lambdad_tables_errors_total{table="nope",op="GetItem",type="ResourceNotFoundException"}')" 1 "  ... B's error, by B's __type"
is "$(m 'lambdad_tables_errors_total{table="items",op="PutItem",type="AccessDeniedException"}')" 1 "  ... A's own refusal"
is "$(m 'lambdad_tables_errors_total{table="items",op="GetItem",type="ServiceUnavailableException"}')" 1 "  ... and B being down"
is "$(m 'lambdad_function_table_calls_total{function="reader",table="items",op="GetItem"}'):$(m 'lambdad_function_table_calls_total{function="reader",table="-",op="ListTables"}')" "1:1" \
	"  ... and the function's calls"
done_testing
