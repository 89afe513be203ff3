#!/bin/bash
# A function that calls Buckets the plainest way: curl sends the S3
# request the event's body names ({"method", "path", "body", "headers"})
# to the endpoint lambdad gave it in AWS_ENDPOINT_URL_S3 (path-style,
# with a made-up signature, as an SDK would sign), and returns S3's
# status and reply, and the endpoint it used, as its own.  Needs
# seccomp = exec.
set -euo pipefail

rt="${AWS_LAMBDA_RUNTIME_API:?}"
api="http://$rt/2018-06-01/runtime"
ep="${AWS_ENDPOINT_URL_S3:-http://$rt}"
headers=$(mktemp)
ev=$(mktemp)
reply=$(mktemp)
trap 'rm -f "$headers" "$ev" "$reply" "$ev".*' EXIT

header() {
	grep -i "^$1:" "$headers" | head -n 1 | cut -d: -f2- | tr -d '[:space:]' || true
}

handler() {
	local st
	python3 -c 'import json,sys
e=json.loads(json.load(open(sys.argv[1])).get("body") or "{}")
open(sys.argv[1]+".m","w").write(e.get("method","GET"))
open(sys.argv[1]+".p","w").write(e.get("path","/"))
open(sys.argv[1]+".b","w").write(e.get("body",""))
open(sys.argv[1]+".h","w").write("".join(h+"\n" for h in e.get("headers",[])) or "X-None: 1\n")' "$ev"
	st=$(curl -sS -o "$reply" -w '%{http_code}' -X "$(cat "$ev.m")" \
	    -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' \
	    -H 'Authorization: AWS4-HMAC-SHA256 Credential=lambdad/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00' \
	    -H @"$ev.h" \
	    --data-binary @"$ev.b" "$ep$(cat "$ev.p")")
	python3 -c 'import json,sys; print(json.dumps({"statusCode": 200, "headers": {"content-type": "application/json"}, "body": json.dumps({"status": int(sys.argv[1]), "endpoint": sys.argv[2], "body": open(sys.argv[3]).read()})}))' \
	    "$st" "${AWS_ENDPOINT_URL_S3:-none}" "$reply"
}

while true; do
	curl -sS -D "$headers" -o "$ev" "$api/invocation/next"
	id=$(header Lambda-Runtime-Aws-Request-Id)
	[ -n "$id" ] || exit 1
	# Through a file: a large reply would not fit in one argument.
	if handler > "$ev.out"; then
		curl -sS -o /dev/null -X POST --data-binary @"$ev.out" \
		    "$api/invocation/$id/response"
	else
		curl -sS -o /dev/null -X POST \
		    -H 'Lambda-Runtime-Function-Error-Type: Function.Failed' \
		    --data-binary '{"errorMessage":"handler failed","errorType":"Function.Failed"}' \
		    "$api/invocation/$id/error"
	fi
done
