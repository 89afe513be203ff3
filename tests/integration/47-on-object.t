#!/bin/bash
# on_object: S3 events of Buckets invoke a function asynchronously, with
# S3's event shape.  The aws CLI (signed with an access key) puts keys that
# match the function's prefix and suffix and keys that do not, copies,
# uploads a multipart object, deletes one key and several; the function
# itself puts one through its own endpoint.  The function writes every
# event it gets into s3://events, where the test reads them: their shape,
# their order, and none for the keys that do not match.  Then an
# acknowledged put whose function is busy, a SIGKILL, a restart: the
# event is delivered.
. "$(dirname "$0")/lib.sh"
plan 56

aws_env
SPORT=$(freeport)
EP="http://127.0.0.1:$SPORT"
KEY=AKIDONOBJECT SECRET=secret-of-the-on-object-test
export AWS_ACCESS_KEY_ID=$KEY AWS_SECRET_ACCESS_KEY=$SECRET
EXTRA_CONF="s3_listen = 127.0.0.1:$SPORT
access_key = $KEY:$SECRET"
EVQ="$T/state/buckets/events"

s3() {
	case $1 in cp|mv) set -- "$@" --no-progress --only-show-errors;;
	rm) set -- "$@" --only-show-errors;; esac
	"$AWSCLI" s3 "$@" --endpoint-url "$EP" >"$T/aws.out" 2>"$T/aws.err"
	RC=$?; ERR=$(cat "$T/aws.err")
}
api() {
	"$AWSCLI" s3api "$@" --endpoint-url "$EP" --output json \
		>"$T/aws.out" 2>"$T/aws.err"
	RC=$?; OUT=$(cat "$T/aws.out"); ERR=$(cat "$T/aws.err")
}
# nevents: how many events the function has stored in s3://events.
nevents() {
	api list-objects-v2 --bucket events --query 'length(Contents || `[]`)'
	echo "${OUT:-0}"
}
# wait_events N [s]: until the function has stored N events.
wait_events() {
	for _ in $(seq $(( ${2:-20} * 4 ))); do
		[ "$(nevents)" -ge "$1" ] && return 0
		sleep 0.25
	done
	return 1
}
# fetch: every stored event into $T/ev/, in sequencer order by name.
fetch() {
	rm -rf "$T/ev"
	"$AWSCLI" s3 cp s3://events "$T/ev" --recursive --only-show-errors \
		--endpoint-url "$EP" 2>"$T/aws.err"
}
# ev N EXPR: a python3 expression on r, the N-th event's record (from 1).
ev() {
	python3 -c 'import json,os,sys
d=sys.argv[1]; f=sorted(os.listdir(d))[int(sys.argv[2]) - 1]
r=json.load(open(os.path.join(d, f)))["Records"][0]
v=eval(sys.argv[3]); print(v if not isinstance(v,(dict,list,bool)) and v is not None else json.dumps(v))' \
		"$T/ev" "$1" "$2" 2>&1
}
# summary: "EVENT KEY" of every stored event, in order, one a line.
summary() {
	for f in $(ls "$T/ev" | sort); do
		python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["Records"][0]
print(r["eventName"], r["s3"]["object"]["key"])' "$T/ev/$f"
	done
}
metric() { curl -s --unix-socket "$T/admin.sock" http://lambdad/metrics | sed -n "s/^$1 //p"; }
starts() { grep -c '\[thumbs\] START RequestId' "$T/daemon.log"; }

fn thumbs "$ROOT/tests/integration/buckets/on-object.sh" 'route = POST /fn' \
	'seccomp = exec' 'timeout = 60' 'max_workers = 1' \
	'buckets = events uploads' \
	'on_object = uploads s3:ObjectCreated:* prefix=img/ suffix=.jpg' \
	'on_object = uploads ObjectRemoved:* prefix=img/'
start_daemon
waitport "$SPORT"; ok $? "the S3 listener is up"
api create-bucket --bucket uploads
api create-bucket --bucket events

# ---- writes, matching and not -----------------------------------------------
printf 'one\n' > "$T/one"
printf 'second version\n' > "$T/two"
s3 cp "$T/one" s3://uploads/img/photo.jpg
is "$RC" 0 "PutObject of img/photo.jpg (matches)"
s3 cp "$T/one" "s3://uploads/img/my photo.jpg"
for k in img/photo.png doc/photo.jpg IMG/photo.jpg img/photo.jpg.txt; do
	s3 cp "$T/one" "s3://uploads/$k"
done
is "$RC" 0 "PutObject of keys that do not match the prefix or the suffix"
s3 cp "$T/two" s3://uploads/img/photo.jpg
s3 cp s3://uploads/img/photo.jpg s3://uploads/img/copy.jpg
is "$RC" 0 "CopyObject to img/copy.jpg"
head -c $((9 * 1024 * 1024)) /dev/urandom > "$T/big"
s3 cp "$T/big" s3://uploads/img/big.jpg
is "$RC" 0 "a 9 MiB aws s3 cp: a multipart upload"
s3 rm s3://uploads/img/photo.jpg
is "$RC" 0 "DeleteObject of img/photo.jpg"
api delete-objects --bucket uploads --delete \
	'{"Objects":[{"Key":"img/copy.jpg"},{"Key":"img/absent.jpg"},{"Key":"doc/photo.jpg"}]}'
is "$RC" 0 "DeleteObjects of a matching key, an absent one and a non-matching one"
req POST /fn -H 'Content-Type: application/json' --data-binary '{"put":"img/from-fn.jpg"}'
is "$STATUS:$BODY" "200:200" "the function puts img/from-fn.jpg on its own endpoint"
is "$(metric lambdad_bucket_events_total)" 8 "8 events stored before their writes were answered"
is "$(metric lambdad_bucket_events_lost_total)" 0 "none lost"

wait_events 8; ok $? "the function received 8 events"
fetch
is "$(summary | tr '\n' ';')" "ObjectCreated:Put img/photo.jpg;ObjectCreated:Put img/my+photo.jpg;\
ObjectCreated:Put img/photo.jpg;ObjectCreated:Copy img/copy.jpg;\
ObjectCreated:CompleteMultipartUpload img/big.jpg;ObjectRemoved:Delete img/photo.jpg;\
ObjectRemoved:Delete img/copy.jpg;ObjectCreated:Put img/from-fn.jpg;" \
	"one event per matching write, in order, none for the others"

# ---- the shape of an event -------------------------------------------------
is "$(ev 1 'r["eventVersion"]')" 2.1 "eventVersion 2.1"
is "$(ev 1 'r["eventSource"]')" aws:s3 "eventSource aws:s3"
is "$(ev 1 'r["awsRegion"]')" us-east-1 "awsRegion"
like "$(ev 1 'r["eventTime"]')" '^20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9]\.[0-9]{3}Z$' "eventTime in ISO-8601 with ms"
is "$(ev 1 'r["userIdentity"]["principalId"]')" "$KEY" "userIdentity: the access key that signed the put"
is "$(ev 1 'r["requestParameters"]["sourceIPAddress"]')" 127.0.0.1 "requestParameters.sourceIPAddress"
like "$(ev 1 'r["responseElements"]["x-amz-request-id"]')" '^[0-9a-f]{16}$' "responseElements.x-amz-request-id"
is "$(ev 1 'sorted(r["responseElements"])')" '["x-amz-id-2", "x-amz-request-id"]' "responseElements has x-amz-id-2 too"
is "$(ev 1 'r["s3"]["s3SchemaVersion"]')" 1.0 "s3.s3SchemaVersion"
is "$(ev 1 'r["s3"]["configurationId"]')" thumbs-on_object-1 "configurationId names the function's line"
is "$(ev 1 'r["s3"]["bucket"]["name"]')" uploads "bucket.name"
is "$(ev 1 'r["s3"]["bucket"]["arn"]')" arn:aws:s3:::uploads "bucket.arn"
like "$(ev 1 'r["s3"]["bucket"]["ownerIdentity"]["principalId"]')" '.+' "bucket.ownerIdentity.principalId"
is "$(ev 1 'r["s3"]["object"]["size"]')" 4 "object.size"
is "$(ev 1 'r["s3"]["object"]["eTag"]')" "$(md5sum < "$T/one" | cut -c1-32)" "object.eTag: the MD5, without quotes"
like "$(ev 1 'r["s3"]["object"]["sequencer"]')" '^[0-9A-F]{16}$' "object.sequencer in hex"
is "$(ev 1 '"versionId" in r["s3"]["object"]')" false "no versionId (no versioning)"
is "$(ev 2 'r["s3"]["object"]["key"]')" "img/my+photo.jpg" "a key with a space, URL-encoded as S3 does"
is "$(ev 3 'r["s3"]["object"]["size"]')" 15 "the second put of img/photo.jpg: its own size"
s1=$(ev 1 'r["s3"]["object"]["sequencer"]') s3seq=$(ev 3 'r["s3"]["object"]["sequencer"]')
ok "$([[ "$s3seq" > "$s1" ]]; echo $?)" "its sequencer is greater than the first put's"
is "$(ev 4 'r["s3"]["object"]["eTag"]')" "$(md5sum < "$T/two" | cut -c1-32)" "Copy: the copied object's eTag"
like "$(ev 5 'r["s3"]["object"]["eTag"]')" '^[0-9a-f]{32}-2$' "CompleteMultipartUpload: the multipart eTag"
is "$(ev 5 'r["s3"]["object"]["size"]')" $((9 * 1024 * 1024)) "CompleteMultipartUpload: the whole size"
is "$(ev 6 'r["s3"]["configurationId"]')" thumbs-on_object-2 "Delete: from the ObjectRemoved:* line"
is "$(ev 6 '"size" in r["s3"]["object"] or "eTag" in r["s3"]["object"]')" false "Delete: no size nor eTag"
s6=$(ev 6 'r["s3"]["object"]["sequencer"]')
ok "$([[ "$s6" > "$s3seq" ]]; echo $?)" "the delete's sequencer follows the puts' of the key"
is "$(ev 8 'r["userIdentity"]["principalId"]')" lambdad:function:thumbs "a put on the function's endpoint: the function as principal"

# ---- an acknowledged write's event survives a SIGKILL -----------------------
n0=$(starts)
curl -s -o /dev/null --max-time 60 -H 'Content-Type: application/json' \
	--data-binary '{"sleep":30}' "$URL/fn" &
PIDS="$PIDS $!"
for _ in $(seq 100); do [ "$(starts)" -gt "$n0" ] && break; sleep 0.1; done
ok "$([ "$(starts)" -gt "$n0" ]; echo $?)" "the only worker is busy for 30 s"
s3 cp "$T/one" s3://uploads/img/killed.jpg
is "$RC" 0 "PutObject acknowledged while the function cannot run"
is "$(ls "$EVQ" | grep -c '\.ev$')" 1 "its event is on disk under buckets_dir/events"
kill -KILL "$DPID"; wait "$DPID" 2>/dev/null; DPID=
cp "$T/daemon.log" "$T/log.1"
start_daemon
waitport "$SPORT"
like "$(dlog)" "events: 1 pending in $EVQ" "the restart finds the pending event"
wait_events 9; ok $? "after the restart the function gets it"
fetch
is "$(summary | tail -n 1)" "ObjectCreated:Put img/killed.jpg" "the event of the put made before the SIGKILL"
for _ in $(seq 40); do [ "$(ls "$EVQ" | grep -c '\.ev$')" = 0 ] && break; sleep 0.25; done
is "$(ls "$EVQ" | grep -c '\.ev$')" 0 "its record is gone once delivered"

# ---- a reload that adds a line applies from the next write -----------------
echo 'on_object = uploads ObjectCreated:Put prefix=doc/' >> "$T/functions.d/thumbs.conf"
kill -HUP "$DPID"
wait_log 'reloaded .*1 unchanged, 0 changed' 10; ok $? "the reload keeps the function's pool"
s3 cp "$T/one" s3://uploads/doc/late.txt
wait_events 10; ok $? "a key only the new line matches: an event"
fetch
is "$(summary | tail -n 1) $(ev 10 'r["s3"]["configurationId"]')" "ObjectCreated:Put doc/late.txt thumbs-on_object-3" "... from the new line"

# ---- a full queue: the write stands, the lost event is logged and counted --
stop_daemon; cp "$T/daemon.log" "$T/log.2"
EXTRA_CONF="$EXTRA_CONF
event_queue_max = 1
grace = 1"
start_daemon
waitport "$SPORT"
n0=$(starts)
curl -s -o /dev/null --max-time 60 -H 'Content-Type: application/json' \
	--data-binary '{"sleep":30}' "$URL/fn" &
PIDS="$PIDS $!"
for _ in $(seq 100); do [ "$(starts)" -gt "$n0" ] && break; sleep 0.1; done
s3 cp "$T/one" s3://uploads/img/q1.jpg; r1=$RC
s3 cp "$T/two" s3://uploads/img/q2.jpg
is "$r1:$RC" 0:0 "event_queue_max = 1, the function busy: both puts are answered"
is "$(metric lambdad_bucket_events_total):$(metric lambdad_bucket_events_lost_total)" 1:1 "one event stored, one lost and counted"
like "$(dlog)" "the on_object event of uploads/img/q2.jpg for thumbs is lost \(the write stands\): the queue is full" "the log names the lost event and why"
api head-object --bucket uploads --key img/q2.jpg
is "$RC:$(jget "$OUT" 'j["ContentLength"]')" 0:15 "the write whose event was lost stands"

# ---- the config is checked -------------------------------------------------
mkdir -p "$T/bad.d"
printf '[lambdad]\nfunctions = bad.d\n' > "$T/bad.conf"
printf '[function f]\nbootstrap = /bin/true\non_object = uploads ObjectCreated:Patch\n' > "$T/bad.d/f.conf"
OUT=$("$LAMBDAD" -t -c "$T/bad.conf" 2>&1); RC=$?
is "$RC" 1 "lambdad -t: a bad on_object exits 1"
like "$OUT" 'f\.conf:3: on_object: "ObjectCreated:Patch" is not an event' "... naming the file, the line and the word"
printf '[function f]\nbootstrap = /bin/true\non_object = uploads ObjectCreated:*\n' > "$T/bad.d/f.conf"
OUT=$("$LAMBDAD" -t -c "$T/bad.conf" 2>&1)
like "$OUT" 'f\.conf:3: on_object: Buckets are off: set s3_listen in \[lambdad\]' "on_object without s3_listen: an error, saying why"

done_testing
