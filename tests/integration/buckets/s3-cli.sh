#!/bin/bash
# A function that uses the aws CLI inside, signing as it does: it finds
# Buckets through AWS_ENDPOINT_URL_S3 (and chooses path-style for that IP
# address by itself).  The CLI reads that variable from 2.13 on; Debian
# 12's is 2.9, so it is passed as --endpoint-url too.  The event's body is
# what it writes to s3://thumbs/cli.txt; it returns the CLI's exit codes
# and ListBuckets.  Needs seccomp = exec.
set -uo pipefail

rt="${AWS_LAMBDA_RUNTIME_API:?}"
api="http://$rt/2018-06-01/runtime"
export HOME=/tmp AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
export AWS_PAGER="" AWS_MAX_ATTEMPTS=1 AWS_DEFAULT_REGION=us-east-1
ep="${AWS_ENDPOINT_URL_S3:?}"
headers=$(mktemp)
ev=$(mktemp)
trap 'rm -f "$headers" "$ev" "$ev".*' EXIT

header() {
	grep -i "^$1:" "$headers" | head -n 1 | cut -d: -f2- | tr -d '[:space:]' || true
}

handler() {
	local put ls
	python3 -c 'import json,sys; sys.stdout.write(json.load(open(sys.argv[1])).get("body") or "")' "$ev" > "$ev.b"
	aws s3 cp --endpoint-url "$ep" --only-show-errors "$ev.b" s3://thumbs/cli.txt > "$ev.e" 2>&1
	put=$?
	aws s3api list-buckets --endpoint-url "$ep" --query 'Buckets[].Name' --output text > "$ev.l" 2>>"$ev.e"
	ls=$?
	python3 -c 'import json,sys; print(json.dumps({"statusCode": 200, "body": json.dumps({"put": int(sys.argv[1]), "ls": int(sys.argv[2]), "buckets": open(sys.argv[3]).read().split(), "err": open(sys.argv[4]).read()})}))' \
	    "$put" "$ls" "$ev.l" "$ev.e"
}

while true; do
	curl -sS -D "$headers" -o "$ev" "$api/invocation/next"
	id=$(header Lambda-Runtime-Aws-Request-Id)
	[ -n "$id" ] || exit 1
	handler > "$ev.out"
	curl -sS -o /dev/null -X POST --data-binary @"$ev.out" \
	    "$api/invocation/$id/response"
done
