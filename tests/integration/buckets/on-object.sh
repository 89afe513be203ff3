#!/bin/bash
# The function of 47-on-object.t.  An S3 event ({"Records": ...}) is
# written as it came to s3://events/SEQUENCER-EVENTNAME-N through the
# function's own endpoint (AWS_ENDPOINT_URL_S3, its buckets = grants), so
# the test reads every event the function received with the aws CLI.
# A request on its routes ({"sleep": S} or {"put": KEY}) sleeps S seconds
# (holding the only worker) or puts KEY into s3://uploads, from inside
# the function.  Needs seccomp = exec.
set -uo pipefail

rt="${AWS_LAMBDA_RUNTIME_API:?}"
api="http://$rt/2018-06-01/runtime"
ep="${AWS_ENDPOINT_URL_S3:?}"
headers=$(mktemp)
ev=$(mktemp)
trap 'rm -f "$headers" "$ev" "$ev".*' EXIT

header() {
	grep -i "^$1:" "$headers" | head -n 1 | cut -d: -f2- | tr -d '[:space:]' || true
}

s3put() {	# KEY FILE: the status of a PUT on the function's endpoint
	curl -sS -o /dev/null -w '%{http_code}' -X PUT \
	    -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' \
	    --data-binary @"$2" "$ep/$1"
}

handler() {
	local key st
	if grep -q '"Records"' "$ev"; then
		key=$(python3 -c 'import json,sys,uuid
r=json.load(open(sys.argv[1]))["Records"][0]
print(r["s3"]["object"]["sequencer"] + "-" + r["eventName"].replace(":", ".") + "-" + uuid.uuid4().hex[:8])' "$ev")
		st=$(s3put "events/$key" "$ev")
		echo "on-object: stored $key: $st" >&2
		echo "{\"stored\": $st}"
		return
	fi
	python3 -c 'import json,sys
e=json.loads(json.load(open(sys.argv[1])).get("body") or "{}")
open(sys.argv[1]+".s","w").write(str(e.get("sleep", 0)))
open(sys.argv[1]+".k","w").write(e.get("put", ""))' "$ev"
	sleep "$(cat "$ev.s")"
	st=0
	if [ -s "$ev.k" ]; then
		echo "written by the function" > "$ev.b"
		st=$(s3put "uploads/$(cat "$ev.k")" "$ev.b")
	fi
	echo "{\"statusCode\": 200, \"body\": \"$st\"}"
}

while true; do
	curl -sS -D "$headers" -o "$ev" "$api/invocation/next"
	id=$(header Lambda-Runtime-Aws-Request-Id)
	[ -n "$id" ] || exit 1
	handler > "$ev.out"
	curl -sS -o /dev/null -X POST --data-binary @"$ev.out" \
	    "$api/invocation/$id/response"
done
