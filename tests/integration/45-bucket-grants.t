#!/bin/bash
# Buckets from inside functions: buckets = grants, the S3 API on each
# worker's private endpoint (AWS_ENDPOINT_URL_S3, path-style, no signature
# checked), AccessDenied in S3's XML for ungranted buckets, writes to
# :read ones, CreateBucket and DeleteBucket; ListBuckets shows the granted
# buckets only; what a function writes is there on s3_listen for the aws
# CLI.
. "$(dirname "$0")/lib.sh"
plan 33

aws_env
SPORT=$(freeport)
EP="http://127.0.0.1:$SPORT"
EXTRA_CONF="s3_listen = 127.0.0.1:$SPORT"
FNB="$ROOT/tests/integration/buckets/s3-bash.sh"

api() {
	"$AWSCLI" s3api "$@" --endpoint-url "$EP" --output json \
		>"$T/aws.out" 2>"$T/aws.err"
	RC=$?; OUT=$(cat "$T/aws.out"); ERR=$(cat "$T/aws.err")
}
# fs3 FN JSON: function FN makes the S3 request JSON names on its own
# endpoint; S3ST, S3BODY (newlines folded) and S3EP as it saw them.
fs3() {
	req POST "/$1" -H 'Content-Type: application/json' --data-binary "$2"
	S3ST=$(jget "$BODY" 'j["status"]')
	S3EP=$(jget "$BODY" 'j["endpoint"]')
	S3BODY=$(jget "$BODY" 'j["body"]' | tr '\n' ' ' | sed 's/ *$//')
}

fn thumbs "$FNB" 'route = POST /thumbs' 'seccomp = exec' 'timeout = 10' \
	'max_workers = 1' 'buckets = uploads:read' 'buckets = thumbs'
fn cli "$ROOT/tests/integration/buckets/s3-cli.sh" 'route = POST /cli' \
	'seccomp = exec' 'timeout = 30' 'max_workers = 1' 'memory = 512' \
	"env = PATH=$(dirname "$AWSCLI"):/usr/local/bin:/usr/bin:/bin" \
	'buckets = thumbs uploads:read'
fn plain "$FNB" 'route = POST /plain' 'seccomp = exec' 'timeout = 10' \
	'max_workers = 1'
start_daemon
waitport "$SPORT"; ok $? "the S3 listener is up"

for b in uploads thumbs secret; do api create-bucket --bucket "$b"; done
echo "the original" > "$T/photo.txt"
api put-object --bucket uploads --key img/photo.jpg --body "$T/photo.txt"
is "$RC" 0 "the operator puts an object with the aws CLI"

# ---- the granted bucket -----------------------------------------------------
fs3 thumbs '{"method":"PUT","path":"/thumbs/img/photo.jpg","body":"a thumbnail"}'
is "$STATUS" 200 "the function ran"
like "$S3EP" '^http://127\.0\.0\.1:[0-9]+$' "AWS_ENDPOINT_URL_S3 is set, an IP endpoint (path-style)"
is "$S3ST" 200 "PutObject into its granted bucket: 200"
fs3 thumbs '{"method":"GET","path":"/thumbs/img/photo.jpg"}'
is "$S3ST" 200 "GetObject from it: 200"
is "$S3BODY" "a thumbnail" "the bytes it wrote"
fs3 thumbs '{"method":"GET","path":"/uploads/img/photo.jpg"}'
is "$S3ST:$S3BODY" "200:the original" "GetObject from the :read bucket"
fs3 thumbs '{"method":"GET","path":"/uploads?list-type=2"}'
like "$S3BODY" '<Key>img/photo.jpg</Key>' "ListObjectsV2 of the :read bucket"
fs3 thumbs '{"method":"GET","path":"/"}'
like "$S3BODY" '<Name>thumbs</Name>.*<Name>uploads</Name>' "ListBuckets lists the granted buckets"
unlike "$S3BODY" '<Name>secret</Name>' "... and not the others"

# ---- refusals --------------------------------------------------------------
fs3 thumbs '{"method":"GET","path":"/secret?list-type=2"}'
is "$S3ST" 403 "an ungranted bucket: 403"
like "$S3BODY" '<Error><Code>AccessDenied</Code>' "... AccessDenied in S3's XML"
fs3 thumbs '{"method":"PUT","path":"/uploads/img/evil.jpg","body":"x"}'
is "$S3ST" 403 "PutObject into a :read bucket: 403"
like "$S3BODY" '<Code>AccessDenied</Code>.*not granted writes' "... AccessDenied, saying why"
fs3 thumbs '{"method":"DELETE","path":"/uploads/img/photo.jpg"}'
is "$S3ST" 403 "DeleteObject in a :read bucket: 403"
fs3 thumbs '{"method":"POST","path":"/uploads/img/big.bin?uploads"}'
is "$S3ST" 403 "CreateMultipartUpload in a :read bucket: 403"
fs3 thumbs '{"method":"PUT","path":"/uploads/copy.jpg","headers":["x-amz-copy-source: /thumbs/img/photo.jpg"]}'
is "$S3ST" 403 "CopyObject into a :read bucket: 403"
fs3 thumbs '{"method":"PUT","path":"/thumbs/stolen.txt","headers":["x-amz-copy-source: /secret/anything"]}'
is "$S3ST" 403 "CopyObject out of an ungranted bucket: 403"
fs3 thumbs '{"method":"PUT","path":"/thumbs/copied.jpg","headers":["x-amz-copy-source: /uploads/img/photo.jpg"]}'
is "$S3ST" 200 "CopyObject from the :read bucket into the granted one: 200"
fs3 thumbs '{"method":"PUT","path":"/newbucket"}'
like "$S3ST:$S3BODY" '^403:.*AccessDenied' "CreateBucket from a function: AccessDenied"
fs3 thumbs '{"method":"DELETE","path":"/thumbs"}'
like "$S3ST:$S3BODY" '^403:.*AccessDenied' "DeleteBucket from a function: AccessDenied"

# A large object streams from its file (GetObject past 256 KiB).
python3 -c 'print("b" * 700000, end="")' > "$T/big.txt"
api put-object --bucket uploads --key big.txt --body "$T/big.txt"
fs3 thumbs '{"method":"GET","path":"/uploads/big.txt"}'
is "$S3ST:${#S3BODY}" "200:700000" "a 700 KB object, streamed to the function whole"
fs3 thumbs '{"method":"GET","path":"/uploads/big.txt","headers":["Range: bytes=10-19"]}'
is "$S3ST:$S3BODY" "206:bbbbbbbbbb" "a Range from the function: 206"

# ---- the aws CLI inside a function, its own signatures ----------------------
REQ_TIMEOUT=40 req POST /cli -H "Content-Type: text/plain" --data-binary "written by the CLI"
is "$(jget "$BODY" 'j["put"]')" 0 "aws s3 cp from a function, to AWS_ENDPOINT_URL_S3, signed as the CLI signs" ||
	diag "  $(jget "$BODY" 'j["err"]' | head -c 600)"
is "$(jget "$BODY" '" ".join(j["buckets"])')" "thumbs uploads" "aws s3api list-buckets from it: the granted two"
api get-object --bucket thumbs --key cli.txt "$T/cli.txt"
is "$(cat "$T/cli.txt" 2>/dev/null)" "written by the CLI" "what it wrote, on s3_listen"

# ---- without buckets = -----------------------------------------------------
fs3 plain '{"method":"GET","path":"/thumbs/img/photo.jpg"}'
is "$S3EP:$S3ST" "none:404" "no buckets =: no AWS_ENDPOINT_URL_S3, no S3 on the endpoint"

# ---- a reload that changes only the grants: the warm worker, new rights ----
w1=$(wpid thumbs)
sed -i 's/^buckets = uploads:read$/buckets = uploads/; s/^buckets = thumbs$/buckets = thumbs:read/' \
	"$T/functions.d/thumbs.conf"
kill -HUP "$DPID"
wait_log 'reloaded .*3 unchanged, 0 changed' 10; ok $? "the reload keeps the function's pool (a grant change is no restart)"
fs3 thumbs '{"method":"PUT","path":"/uploads/after.txt","body":"now writable"}'
is "$S3ST" 200 "after the reload, uploads is writable"
fs3 thumbs '{"method":"PUT","path":"/thumbs/after.txt","body":"x"}'
is "$S3ST" 403 "  ... and thumbs read-only"
is "$(wpid thumbs)" "$w1" "  ... on the same warm worker"

# ---- the operator sees what the function wrote ----------------------------
api get-object --bucket thumbs --key img/photo.jpg "$T/got.txt"
is "$RC:$(cat "$T/got.txt" 2>/dev/null)" "0:a thumbnail" "the function's object, read with the aws CLI on s3_listen"

done_testing
