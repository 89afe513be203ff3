#!/bin/bash
# The operator's side of Tables: `lambdactl tables` lists every table with
# exact counts and sizes (DescribeTable's), `lambdactl tables backup` makes
# a consistent copy of one table while a writer keeps committing (checked
# with Python's sqlite3 and by serving the copy from a fresh daemon to the
# aws CLI), and /metrics counts each call by table, operation, error type
# and calling function, exactly as the calls were made.
. "$(dirname "$0")/lib.sh"
TB="$ROOT/tests/integration/tables"
plan 58

aws_env

DPORT=$(freeport)
EP="http://127.0.0.1:$DPORT"
CTL="$B/lambdactl -s $T/admin.sock"

# ddb ARGS...: `aws dynamodb ARGS` against ${DEP:-$EP}; sets RC, OUT, ERR.
ddb() {
	"$AWSCLI" dynamodb "$@" --endpoint-url "${DEP:-$EP}" --output json \
		--cli-connect-timeout 5 --cli-read-timeout 20 >"$T/aws.out" 2>"$T/aws.err"
	RC=$?; OUT=$(cat "$T/aws.out"); ERR=$(cat "$T/aws.err")
}
# raw OP BODY: one DynamoDB call with curl; STATUS, BODY.
raw() {
	curl -sS -o "$T/body" -w '%{http_code}' -X POST --max-time 20 \
		-H 'Content-Type: application/x-amz-json-1.0' \
		-H "X-Amz-Target: DynamoDB_20120810.$1" \
		--data-binary "$2" "$EP/" >"$T/status" 2>"$T/curl.err"
	STATUS=$(cat "$T/status"); BODY=$(cat "$T/body")
}
fcall() { req POST "/$1/$2" -H 'Content-Type: application/json' --data-binary "$3"; }
tjson() { $CTL tables -j; }
# tget NAME EXPR: a field of table NAME in `lambdactl tables -j`.
tget() { jget "$(tjson)" "[t for t in j['tables'] if t['TableName'] == '$1'][0]$2"; }

# The daemon drops to nobody: what it writes goes where nobody may write.
mkdir -p "$T/bk"
chown 65534:65534 "$T/bk"

fn caller "$TB/ddb-bash.sh" 'route = POST /caller/{op}' 'seccomp = exec' \
	'timeout = 10' 'max_workers = 1' 'tables = orders events:read'
EXTRA_CONF="dynamodb_listen = 127.0.0.1:$DPORT"
start_daemon
waitport "$DPORT"; ok $? "the daemon listens for DynamoDB"

# ---- lambdactl tables ----------------------------------------------------------
out=$($CTL tables); rc=$?
is "$rc:$(printf '%s\n' "$out" | wc -l)" "0:1" "no tables yet: a header and no rows"
ddb create-table --table-name orders --billing-mode PAY_PER_REQUEST \
	--attribute-definitions AttributeName=id,AttributeType=S AttributeName=ts,AttributeType=N \
	AttributeName=cust,AttributeType=S \
	--key-schema AttributeName=id,KeyType=HASH AttributeName=ts,KeyType=RANGE \
	--global-secondary-indexes 'IndexName=bycust,KeySchema=[{AttributeName=cust,KeyType=HASH}],Projection={ProjectionType=ALL}'
is "$RC" 0 "create-table orders (hash and range, one GSI)"
ddb create-table --table-name events --billing-mode PAY_PER_REQUEST \
	--attribute-definitions AttributeName=k,AttributeType=S \
	--key-schema AttributeName=k,KeyType=HASH
is "$RC" 0 "create-table events"
for i in 1 2 3; do
	ddb put-item --table-name orders --item "{\"id\":{\"S\":\"o$i\"},\"ts\":{\"N\":\"$i\"},\"cust\":{\"S\":\"c$i\"},\"note\":{\"S\":\"order number $i\"}}"
done
is "$RC" 0 "three orders put"
ddb put-item --table-name events --item '{"k":{"S":"abc"},"body":{"S":"hello world"}}'
ddb put-item --table-name events --item '{"k":{"S":"x"},"body":{"S":"12345"}}'
is "$RC" 0 "two events put"

is "$(tget orders '["ItemCount"]')" 3 "tables -j: orders has 3 items"
ddb describe-table --table-name orders
is "$(tget orders '["TableSizeBytes"]')" "$(jget "$OUT" 'j["Table"]["TableSizeBytes"]')" \
	"  ... and the TableSizeBytes DescribeTable gives"
# DynamoDB's size of a string attribute: its name's and its value's UTF-8
# bytes: k+abc+body+"hello world" = 1+3+4+11, k+x+body+12345 = 1+1+4+5.
is "$(tget events '["ItemCount"]'):$(tget events '["TableSizeBytes"]')" "2:30" \
	"events: 2 items of 19 and 11 bytes"
is "$(tget orders '["KeySchema"]')" '[{"AttributeName": "id", "KeyType": "HASH", "AttributeType": "S"}, {"AttributeName": "ts", "KeyType": "RANGE", "AttributeType": "N"}]' \
	"  ... orders' key schema with the attribute types"
is "$(tget orders '["GlobalSecondaryIndexCount"]'):$(tget orders '["LocalSecondaryIndexCount"]'):$(tget orders '["TableStatus"]')" \
	"1:0:ACTIVE" "  ... its index counts and status"
out=$($CTL tables)
like "$(printf '%s\n' "$out" | head -n 1)" '^NAME +STATUS +ITEMS +BYTES +GSI/LSI +KEY$' "tables: a header"
like "$(printf '%s\n' "$out" | sed -n 2p)" '^events +ACTIVE +2 +30 +0/0 +k:S$' "  ... events' row"
like "$(printf '%s\n' "$out" | sed -n 3p)" '^orders +ACTIVE +3 +[0-9]+ +1/0 +id:S,ts:N$' "  ... orders' row, by name"
ddb delete-item --table-name events --key '{"k":{"S":"x"}}'
is "$(tget events '["ItemCount"]'):$(tget events '["TableSizeBytes"]')" "1:19" "a delete shows at once: the counts are exact"

# ---- lambdactl tables backup ------------------------------------------------------
# A writer keeps committing pairs of items in one transaction each; the
# copy must hold both of every pair or neither.
( i=0
  while [ ! -e "$T/stop" ] && [ $i -lt 5000 ]; do
	i=$((i + 1))
	curl -sS -o /dev/null -X POST --max-time 10 \
		-H 'Content-Type: application/x-amz-json-1.0' \
		-H 'X-Amz-Target: DynamoDB_20120810.TransactWriteItems' \
		--data-binary "{\"TransactItems\":[{\"Put\":{\"TableName\":\"orders\",\"Item\":{\"id\":{\"S\":\"w$i\"},\"ts\":{\"N\":\"1\"}}}},{\"Put\":{\"TableName\":\"orders\",\"Item\":{\"id\":{\"S\":\"w$i\"},\"ts\":{\"N\":\"2\"}}}}]}" \
		"$EP/" 2>/dev/null
	# Renamed into place: a reader never sees the file empty, half
	# written by the > redirection (the bound then read as 1 once, in CI).
	echo "$i" > "$T/written.new" && mv "$T/written.new" "$T/written"
  done ) &
WPID=$!
PIDS="$PIDS $WPID"
for _ in $(seq 200); do [ "$(cat "$T/written" 2>/dev/null || echo 0)" -ge 20 ] && break; sleep 0.05; done
before=$(cat "$T/written")
out=$(cd "$T/bk" && $CTL tables backup orders orders.db 2>&1); rc=$?
# One transaction at a time: at most one more than `written` says had
# begun when the backup returned.
bound=$(( $(cat "$T/written") + 1 ))
for _ in $(seq 200); do [ "$(cat "$T/written")" -gt "$bound" ] && break; sleep 0.05; done
after=$(cat "$T/written")
touch "$T/stop"; wait "$WPID"
is "$rc" 0 "tables backup orders orders.db (relative) while the writer runs"
like "$out" "^backed up orders to $T/bk/orders.db: [0-9]+ items, [0-9]+ bytes$" "  ... says where, how many items, how big"
[ "$after" -gt "$bound" ]; ok $? "  ... the writer went on committing ($before, then $after transactions)"
is "$(stat -c '%U %a' "$T/bk/orders.db")" "nobody 600" "the copy is the daemon user's, mode 0600"
chk=$(python3 - "$T/bk/orders.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
ok = db.execute("PRAGMA integrity_check").fetchone()[0]
names = [r[0] for r in db.execute("SELECT name FROM tbls")]
items = [r[0] for r in db.execute("SELECT item FROM items")]
import json
ids = {}
for it in items:
    i = json.loads(it)["id"]["S"]
    ids[i] = ids.get(i, 0) + 1
pairs = [k for k in ids if k.startswith("w")]
torn = [k for k in pairs if ids[k] != 2]
idx = db.execute("SELECT count(*) FROM idx").fetchone()[0]
print(ok, ",".join(names), len(items), len(pairs), len(torn), idx)
PY
)
set -- $chk
is "$1 $2" "ok orders" "the copy passes SQLite's integrity check and holds just orders"
n_items=$3 n_pairs=$4
[ "$n_pairs" -ge "$before" ] && [ "$n_pairs" -le "$bound" ]; ok $? "  ... with the pairs committed by then ($before <= $n_pairs <= $bound)"
is "$5" 0 "  ... none of them torn: the copy is one snapshot"
is "$6" 3 "  ... and the GSI's entries (the three orders with a cust)"
like "$out" "orders.db: $n_items items" "  ... the items the command reported"

out=$($CTL tables backup orders "$T/bk/orders.db" 2>&1); rc=$?
like "$rc:$out" '^1:.*already exists' "a backup never overwrites a file"
cp "$T/bk/orders.db" "$T/orders.copy"
out=$($CTL tables backup nope "$T/bk/nope.db" 2>&1); rc=$?
like "$rc:$out" '^1:.*nope not found' "an unknown table: refused, by name"
[ ! -e "$T/bk/nope.db" ]; ok $? "  ... and no file is left behind"
out=$($CTL tables backup orders "$T/no-perm.db" 2>&1); rc=$?
like "$rc:$out" '^1:.*cannot create .*no-perm.db: Permission denied \(the daemon writes it as uid 65534\)' \
	"a directory the daemon may not write: refused, saying why"
out=$($CTL tables backup orders "$T/nodir/x.db" 2>&1); rc=$?
like "$rc:$out" '^1:.*nodir/x.db: No such file or directory' "a missing directory: refused"

# Restored: the copy as the store of a fresh daemon, read with the aws CLI.
R2PORT=$(freeport)
mkdir -p "$T/r2/state/tables"
cp "$T/bk/orders.db" "$T/r2/state/tables/tables.db"
cat > "$T/r2/lambdad.conf" <<CONF
[lambdad]
listen = 127.0.0.1:1
state_dir = $T/r2/state
admin_socket = $T/r2/admin.sock
dynamodb_listen = 127.0.0.1:$R2PORT
CONF
"$LAMBDAD" -c "$T/r2/lambdad.conf" -l 127.0.0.1:0 -v 2>>"$T/r2.log" &
R2PID=$!
PIDS="$PIDS $R2PID"
waitport "$R2PORT"; ok $? "a fresh daemon on the copy"
DEP="http://127.0.0.1:$R2PORT"
ddb list-tables
is "$(jget "$OUT" 'j["TableNames"]')" '["orders"]' "  ... serves the table"
ddb get-item --table-name orders --key '{"id":{"S":"o2"},"ts":{"N":"2"}}'
is "$(jget "$OUT" 'j["Item"]["note"]["S"]')" "order number 2" "  ... its items"
ddb scan --table-name orders --select COUNT
is "$(jget "$OUT" 'j["Count"]')" "$n_items" "  ... all of them"
ddb query --table-name orders --index-name bycust --key-condition-expression 'cust = :c' \
	--expression-attribute-values '{":c":{"S":"c3"}}'
is "$(jget "$OUT" 'j["Items"][0]["id"]["S"]')" o3 "  ... and its index"
ddb create-table --table-name more --billing-mode PAY_PER_REQUEST \
	--attribute-definitions AttributeName=k,AttributeType=S --key-schema AttributeName=k,KeyType=HASH
ddb put-item --table-name more --item '{"k":{"S":"1"}}'
is "$RC" 0 "  ... and takes new tables and writes"
unset DEP
kill -TERM "$R2PID"; wait "$R2PID" 2>/dev/null

# ---- /metrics ----------------------------------------------------------------------
PY=/usr/bin/python3	# Debian's, with python3-prometheus-client
# scrape [FILE]: /metrics from the admin socket, parsed by prometheus_client,
# one "name{k=v,...} value" line per sample (labels sorted) into FILE.
scrape() {
	curl -sS --unix-socket "$T/admin.sock" -o "$T/m.txt" --max-time 5 http://lambdad/metrics || return 1
	"$PY" - "$T/m.txt" > "${1:-$T/m.norm}" 2>"$T/m.err" <<'PYEOF'
import sys
from prometheus_client.parser import text_string_to_metric_families
for fam in text_string_to_metric_families(open(sys.argv[1]).read()):
    for s in fam.samples:
        labels = ",".join("%s=%s" % kv for kv in sorted(s.labels.items()))
        v = s.value
        v = int(v) if v == int(v) else v
        print("%s{%s} %s" % (s.name, labels, v))
PYEOF
}
# mv SERIES [FILE]: a value (0 if absent).
mv() { awk -v k="$1" '$1 == k { v = $2 } END { print v == "" ? 0 : v }' "${2:-$T/m.norm}"; }
# delta SERIES: its change from the "before" scrape to the last one.
delta() { echo $(( $(mv "$1") - $(mv "$1" "$T/m.before") )); }

ddb create-table --table-name scratch --billing-mode PAY_PER_REQUEST \
	--attribute-definitions AttributeName=k,AttributeType=S --key-schema AttributeName=k,KeyType=HASH
raw GetItem '{"TableName":"scratch","Key":{"k":{"S":"1"}}}'
scrape "$T/m.before"; ok $? "a scrape parses with prometheus_client"
like "$(cat "$T/m.before")" 'lambdad_tables_requests_total\{op=GetItem,table=scratch\} 1' "  ... and counts a table's calls"
for _ in 1 2 3; do raw GetItem '{"TableName":"events","Key":{"k":{"S":"abc"}}}'; done
raw GetItem '{"TableName":"events","Key":{"nokey":{"S":"abc"}}}'
is "$STATUS" 400 "a GetItem with the wrong key: 400"
raw PutItem '{"TableName":"events","Item":{"k":{"S":"abc"}},"ConditionExpression":"attribute_not_exists(k)"}'
like "$STATUS $BODY" '^400 .*ConditionalCheckFailedException' "a PutItem whose condition fails"
raw ListTables '{}'
raw BatchGetItem '{"RequestItems":{"events":{"Keys":[{"k":{"S":"abc"}}]},"orders":{"Keys":[{"id":{"S":"o1"},"ts":{"N":"1"}}]}}}'
is "$STATUS" 200 "a BatchGetItem of two tables"
raw GetItem '{"TableName":"events","Key":'
fcall caller GetItem '{"TableName":"orders","Key":{"id":{"S":"o1"},"ts":{"N":"1"}}}'
is "$STATUS $(jget "$BODY" 'j["Item"]["id"]["S"]')" "200 o1" "the function reads orders (tables = orders events:read)"
fcall caller PutItem '{"TableName":"events","Item":{"k":{"S":"f"}}}'
like "$STATUS $BODY" 'AccessDeniedException' "  ... and is refused a write to events"
fcall caller Query '{"TableName":"orders","KeyConditionExpression":"id = :i","ExpressionAttributeValues":{":i":{"S":"o2"}}}'
is "$STATUS" 200 "  ... queries orders"
ddb delete-table --table-name scratch
scrape
is "$(delta 'lambdad_tables_requests_total{op=GetItem,table=events}')" 4 "requests_total: 4 GetItem on events (3 good, 1 refused)"
is "$(delta 'lambdad_tables_errors_total{op=GetItem,table=events,type=ValidationException}')" 1 "errors_total: the refused one, by type"
is "$(delta 'lambdad_tables_errors_total{op=PutItem,table=events,type=ConditionalCheckFailedException}')" 1 "  ... the failed condition"
is "$(delta 'lambdad_tables_requests_total{op=PutItem,table=events}')" 2 "  ... of two PutItem on events (the function's too)"
is "$(delta 'lambdad_tables_errors_total{op=PutItem,table=events,type=AccessDeniedException}')" 1 "  ... the function's refused"
is "$(delta 'lambdad_tables_requests_total{op=ListTables,table=-}')" 1 "a call that names no table: table=\"-\""
is "$(delta 'lambdad_tables_requests_total{op=BatchGetItem,table=events}'):$(delta 'lambdad_tables_requests_total{op=BatchGetItem,table=orders}')" "1:1" \
	"a batch counts for each table it names"
is "$(delta 'lambdad_tables_errors_total{op=GetItem,table=-,type=SerializationException}')" 1 "a body that does not parse: SerializationException, no table"
is "$(delta 'lambdad_tables_request_seconds_count{op=GetItem,table=events}'):$(delta 'lambdad_tables_request_seconds_bucket{le=+Inf,op=GetItem,table=events}')" "4:4" \
	"the latency histogram: each call once"
awk '$1 ~ /^lambdad_tables_request_seconds_bucket\{le=0.0001,op=GetItem,table=events\}/ { found = 1 } END { exit !found }' "$T/m.norm"
ok $? "  ... in the Tables buckets (from 100 us)"
is "$(delta 'lambdad_function_table_calls_total{function=caller,op=GetItem,table=orders}'):$(delta 'lambdad_function_table_calls_total{function=caller,op=PutItem,table=events}'):$(delta 'lambdad_function_table_calls_total{function=caller,op=Query,table=orders}')" \
	"1:1:1" "function_table_calls_total: the function's three calls, by table and operation"
is "$(grep -c '^lambdad_function_table_calls_total' "$T/m.norm")" 3 "  ... and no others (the operator's calls are not a function's)"

# The gauges: exact after `lambdactl tables`, and sampled on their own.
$CTL tables >/dev/null
scrape
is "$(mv 'lambdad_tables_items{table=orders}'):$(mv 'lambdad_tables_bytes{table=orders}')" \
	"$(tget orders '["ItemCount"]'):$(tget orders '["TableSizeBytes"]')" "the items and bytes gauges are the store's counts"
is "$(grep -c 'table=scratch' "$T/m.norm")" 0 "a deleted table's series are gone"
ddb put-item --table-name events --item '{"k":{"S":"new"},"v":{"S":"1234"}}'
for _ in $(seq 150); do scrape; [ "$(mv 'lambdad_tables_items{table=events}')" = 2 ] && break; sleep 0.2; done
is "$(mv 'lambdad_tables_items{table=events}'):$(mv 'lambdad_tables_bytes{table=events}')" "2:28" \
	"the sampler picks up a write by itself (19 + 9 bytes)"

done_testing
