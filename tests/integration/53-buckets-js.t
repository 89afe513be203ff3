#!/bin/bash
# Buckets through the AWS SDK for JavaScript v3 (client-s3, lib-storage,
# s3-request-presigner, from npm: make sdk), path-style on s3_listen with
# SigV4 keys as 43-buckets: objects with metadata, ranges, conditionals,
# S3's error names, paginated listings, copies, batch deletes, a
# lib-storage multipart Upload, an aborted multipart upload, presigned
# URLs, and sub-resources not served refused rather than taken for another
# operation (DeleteBucketCors deleted the bucket).  The suite
# (buckets/sdk_suite.mjs) prints TAP, renumbered here.  Then inside a
# function, an unmodified AWS runtime client (aws-lambda-ric) whose handler
# uses the SDK with no endpoint code, granted `media` and `docs:read`.
. "$(dirname "$0")/lib.sh"
SDK="$ROOT/tests/integration/sdk"
RIC="$ROOT/tests/integration/ric"
if ! command -v node >/dev/null; then
	plan 1; skip "no node (make deps-node installs it): the JS SDK needs it"; exit 0
fi
if ! [ -f "$RIC/node_modules/aws-lambda-ric/dist/rapid-client.node" ]; then
	echo "Bail out! aws-lambda-ric is not installed: run make ric"; exit 1
fi
if ! [ -d "$SDK/node_modules/@aws-sdk/client-s3" ] ||
    ! [ -d "$SDK/node_modules/@aws-sdk/lib-storage" ] ||
    ! [ -d "$SDK/node_modules/@aws-sdk/s3-request-presigner" ]; then
	echo "Bail out! the AWS SDK for JavaScript's S3 modules are not installed: run make sdk"; exit 1
fi
plan 87

SPORT=$(freeport)
EP="http://127.0.0.1:$SPORT"
KEY=AKIDBUCKETS SECRET=secret-of-the-buckets-test
EXTRA_CONF="s3_listen = 127.0.0.1:$SPORT
access_key = $KEY:$SECRET"
fn s3js "$ROOT/tests/integration/buckets_fn_bootstrap" 'route = POST /s3js' \
	'memory = 512' 'timeout = 20' 'seccomp = exec' 'max_workers = 1' \
	'buckets = media docs:read'
start_daemon
waitport "$SPORT" || { echo "Bail out! no S3 listener"; dlog | sed 's/^/# /'; exit 1; }

# The suite's TAP lines, renumbered into this file's (72 of them); its own
# plan is checked against the lines it printed, so a suite cut short fails.
env -u AWS_PROFILE -u AWS_REGION -u AWS_ENDPOINT_URL -u AWS_ENDPOINT_URL_S3 \
	HOME="$T" AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null \
	SDK_DIR="$SDK/node_modules" node "$ROOT/tests/integration/buckets/sdk_suite.mjs" \
	"$EP" "$KEY" "$SECRET" >"$T/sdk.out" 2>"$T/sdk.err"
rc=$?
ran=0 want=
while IFS= read -r line; do
	case "$line" in
	"ok "*) pass "${line#ok * - }"; ran=$((ran + 1)) ;;
	"not ok "*) fail "${line#not ok * - }"; ran=$((ran + 1)) ;;
	"1.."*) want=${line#1..} ;;
	"#"*) echo "$line" ;;
	esac
done <"$T/sdk.out"
is "$rc" 0 "the JS SDK suite ran to its end"
[ "$rc" = 0 ] || sed "s/^/# /" "$T/sdk.err" | tail -40
is "$ran" "${want:-none}" "it ran every check it planned"

# What the SDK left behind, seen from the server's side: the suite deleted
# every object and its bucket, and aborted or completed every upload.
[ -d "$T/state/buckets/data" ]; ok $? "the store kept its files in buckets/data"
is "$(find "$T/state/buckets/data" "$T/state/buckets/tmp" -type f | wc -l)" 0 \
	"no data, part or temporary file is left"
unlike "$(dlog)" "buckets: .*(InternalError|ServiceUnavailable|reading the object)" \
	"the daemon logged no internal error"

# ---- inside a function -------------------------------------------------------
# host OP BUCKET [KEY [BODY]]: the SDK on s3_listen, signed; its JSON in OUT.
host() {
	OUT=$(SDK_DIR="$SDK/node_modules" node "$ROOT/tests/integration/buckets/sdk_do.mjs" \
		"$EP" "$KEY" "$SECRET" "$@" 2>"$T/do.err")
}
# call JSON: the function's reply in BODY.
call() { REQ_TIMEOUT=40 req POST /s3js -H 'Content-Type: application/json' --data-binary "$1"; }
for b in media docs secret; do host mb "$b"; done
host put docs readme.txt "read me"
is "$(jget "$OUT" 'j["ok"]')" true "the operator makes three buckets and puts docs/readme.txt"
call '{"action":"put","bucket":"media","key":"img/a.txt","body":"from a function"}'
is "$STATUS $(jget "$BODY" 'j["ok"]')" "200 true" "function: the SDK with no endpoint code puts into its bucket" ||
	diag "  $BODY"
like "$(jget "$BODY" 'j["endpoint"]')" '^http://127\.0\.0\.1:[0-9]+$' \
	"function: AWS_ENDPOINT_URL_S3 points at its own endpoint"
host get media img/a.txt
is "$(jget "$OUT" 'j["body"] + " " + j["by"]')" "from a function function" \
	"what it wrote, with its metadata, is there on s3_listen"
call '{"action":"get","bucket":"docs","key":"readme.txt"}'
is "$(jget "$BODY" 'j["body"]')" "read me" "function: GetObject from its :read bucket"
for k in b c d; do
	call "{\"action\":\"put\",\"bucket\":\"media\",\"key\":\"img/$k.txt\",\"body\":\"$k\"}"
done
call '{"action":"list","bucket":"media","prefix":"img/"}'
is "$(jget "$BODY" '" ".join(j["keys"])')" "img/a.txt img/b.txt img/c.txt img/d.txt" \
	"function: paginateListObjectsV2, two keys a page"
call '{"action":"upload","bucket":"media","key":"big.bin","size":11534336}'
like "$(jget "$BODY" 'j["etag"]')" '-3"$' "function: a lib-storage Upload of 11 MiB, in 3 parts"
call '{"action":"put","bucket":"docs","key":"evil.txt","body":"x"}'
is "$(jget "$BODY" 'j["error"] + " " + str(j["status"])')" "AccessDenied 403" \
	"function: a write to its :read bucket is AccessDenied"
call '{"action":"get","bucket":"secret","key":"x"}'
is "$(jget "$BODY" 'j["error"] + " " + str(j["status"])')" "AccessDenied 403" \
	"function: an ungranted bucket is AccessDenied"
host get docs evil.txt
is "$(jget "$OUT" 'j["error"]')" NoSuchKey "and the refused write left nothing"
done_testing
