#!/bin/bash
# A function that calls the Tables store the plainest way: curl POSTs the
# DynamoDB JSON request it was sent (the route's body) to the endpoint
# lambdad gave it, X-Amz-Target from the route's last path segment, and
# returns DynamoDB's status and reply as its own.  No endpoint variable
# (no tables = grants): it tries its Runtime API endpoint, which is the same
# one, to show that every call is then denied.  Needs seccomp = exec.
set -euo pipefail

rt="${AWS_LAMBDA_RUNTIME_API:?}"
api="http://$rt/2018-06-01/runtime"
ep="${AWS_ENDPOINT_URL_DYNAMODB:-http://$rt}"
headers=$(mktemp)
ev=$(mktemp)
reply=$(mktemp)
trap 'rm -f "$headers" "$ev" "$reply"' EXIT

header() {
	grep -i "^$1:" "$headers" | head -n 1 | cut -d: -f2- | tr -d '[:space:]' || true
}

handler() {
	local op st
	op=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["rawPath"].rsplit("/",1)[1])' "$ev")
	python3 -c 'import json,sys; sys.stdout.write(json.load(open(sys.argv[1])).get("body") or "")' "$ev" > "$ev.body"
	st=$(curl -sS -o "$reply" -w '%{http_code}' -X POST \
	    -H 'Content-Type: application/x-amz-json-1.0' \
	    -H "X-Amz-Target: DynamoDB_20120810.$op" \
	    -H 'Authorization: AWS4-HMAC-SHA256 Credential=lambdad/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=00' \
	    --data-binary @"$ev.body" "$ep/")
	rm -f "$ev.body"
	python3 -c 'import json,sys; print(json.dumps({"statusCode": int(sys.argv[1]), "headers": {"content-type": "application/json", "x-endpoint": sys.argv[2]}, "body": open(sys.argv[3]).read()}))' \
	    "$st" "${AWS_ENDPOINT_URL_DYNAMODB:-none}" "$reply"
}

while true; do
	curl -sS -D "$headers" -o "$ev" "$api/invocation/next"
	id=$(header Lambda-Runtime-Aws-Request-Id)
	[ -n "$id" ] || exit 1
	if response=$(handler); then
		curl -sS -o /dev/null -X POST --data-binary "$response" \
		    "$api/invocation/$id/response"
	else
		curl -sS -o /dev/null -X POST \
		    -H 'Lambda-Runtime-Function-Error-Type: Function.Failed' \
		    --data-binary '{"errorMessage":"handler failed","errorType":"Function.Failed"}' \
		    "$api/invocation/$id/error"
	fi
done
