#!/bin/bash
# Buckets through the AWS SDK for JavaScript v3 (client-s3, lib-storage,
# s3-request-presigner, from npm: make sdk), path-style on s3_listen with
# SigV4 keys as 43-buckets: objects with metadata, ranges, conditionals,
# S3's error names, paginated listings, copies, batch deletes, a
# lib-storage multipart Upload, an aborted multipart upload and presigned
# URLs.  The suite (buckets/sdk_suite.mjs) prints TAP, renumbered here.
. "$(dirname "$0")/lib.sh"
SDK="$ROOT/tests/integration/sdk"
if ! command -v node >/dev/null; then
	plan 1; skip "no node (make deps-node installs it): the JS SDK needs it"; exit 0
fi
if ! [ -d "$SDK/node_modules/@aws-sdk/client-s3" ] ||
    ! [ -d "$SDK/node_modules/@aws-sdk/lib-storage" ] ||
    ! [ -d "$SDK/node_modules/@aws-sdk/s3-request-presigner" ]; then
	echo "Bail out! the AWS SDK for JavaScript's S3 modules are not installed: run make sdk"; exit 1
fi
plan 72

SPORT=$(freeport)
EP="http://127.0.0.1:$SPORT"
KEY=AKIDBUCKETS SECRET=secret-of-the-buckets-test
EXTRA_CONF="s3_listen = 127.0.0.1:$SPORT
access_key = $KEY:$SECRET"
start_daemon
waitport "$SPORT" || { echo "Bail out! no S3 listener"; dlog | sed 's/^/# /'; exit 1; }

# The suite's TAP lines, renumbered into this file's (67 of them); its own
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
done_testing
