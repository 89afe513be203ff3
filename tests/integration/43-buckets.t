#!/bin/bash
# Buckets, the S3-compatible object store on s3_listen, driven by real
# clients: the aws CLI (s3 and s3api), boto3 (presigned URLs, checksums),
# s3cmd, and botocore's signer for what those will not send (a skewed
# clock, a virtual-hosted Host, an aws-chunked body).  Data survives a
# restart; a SIGKILL in the middle of an upload leaves no object.
. "$(dirname "$0")/lib.sh"
plan 82

aws_env
SPORT=$(freeport)
EP="http://127.0.0.1:$SPORT"
KEY=AKIDBUCKETS SECRET=secret-of-the-buckets-test
export AWS_ACCESS_KEY_ID=$KEY AWS_SECRET_ACCESS_KEY=$SECRET
CTL="$B/lambdactl -s $T/admin.sock"
S3REQ="/usr/bin/python3 $ROOT/tests/integration/buckets/s3req.py $SPORT $KEY $SECRET"
MAXB=${MAXB:-0}

start() {
	EXTRA_CONF="s3_listen = 127.0.0.1:$SPORT
${NOKEY:+#}access_key = $KEY:$SECRET
buckets_max_bytes = $MAXB"
	start_daemon
	waitport "$SPORT" || { echo "Bail out! no S3 listener"; dlog | sed 's/^/# /'; exit 1; }
}
# s3 ARGS / api ARGS: the aws CLI; RC, OUT, ERR.
s3() {
	case $1 in cp|sync|mv) set -- "$@" --no-progress --only-show-errors;;
	rm) set -- "$@" --only-show-errors;; esac
	"$AWSCLI" s3 "$@" --endpoint-url "$EP" >"$T/aws.out" 2>"$T/aws.err"
	RC=$?; OUT=$(cat "$T/aws.out"); ERR=$(cat "$T/aws.err")
}
api() {
	"$AWSCLI" s3api "$@" --endpoint-url "$EP" --output json \
		>"$T/aws.out" 2>"$T/aws.err"
	RC=$?; OUT=$(cat "$T/aws.out"); ERR=$(cat "$T/aws.err")
}
# curlget URL: STATUS and BODY of a plain GET.
curlget() {
	STATUS=$(curl -sS -o "$T/cbody" -w '%{http_code}' --max-time 20 "$@")
	BODY=$(tr '\n' ' ' < "$T/cbody")
}

start
mkdir -p "$T/f" "$T/sync/sub"
echo "hello buckets" > "$T/f/small.txt"
head -c 20000000 /dev/urandom > "$T/f/big.bin"
echo one > "$T/sync/a.txt"; echo two > "$T/sync/sub/b.txt"; echo three > "$T/sync/sub/c.txt"

# ---- buckets -----------------------------------------------------------------
s3 mb s3://photos
ok $RC "aws s3 mb makes a bucket"
s3 mb s3://photos
like "$ERR" BucketAlreadyOwnedByYou "a second mb: BucketAlreadyOwnedByYou"
s3 mb s3://Bad_Name
like "$ERR" InvalidBucketName "an invalid name: InvalidBucketName"
api head-bucket --bucket photos
ok $RC "HeadBucket"
api get-bucket-location --bucket photos
ok $RC "GetBucketLocation"
api head-bucket --bucket nothere
like "$ERR" "404|Not Found" "HeadBucket of a missing bucket: 404"
s3 ls
like "$OUT" "photos" "aws s3 ls lists the bucket"

# ---- objects -----------------------------------------------------------------
s3 cp "$T/f/small.txt" s3://photos/img/small.txt
ok $RC "aws s3 cp uploads"
s3 cp s3://photos/img/small.txt "$T/f/small.out"
cmp -s "$T/f/small.txt" "$T/f/small.out"; ok $? "and downloads the same bytes"
s3 cp "$T/f/big.bin" s3://photos/big.bin
ok $RC "a 20 MB file goes up (multipart)"
api head-object --bucket photos --key big.bin
like "$(jget "$OUT" "j['ETag']")" '^"[0-9a-f]{32}-3"$' "its ETag is S3's multipart one, 3 parts"
is "$(jget "$OUT" "j['ContentLength']")" 20000000 "its length"
s3 cp s3://photos/big.bin "$T/f/big.out"
cmp -s "$T/f/big.bin" "$T/f/big.out"; ok $? "and comes down whole (streamed from the file)"
URL=$($S3REQ presign GET photos big.bin 60)
curl -sS -r 10000000-10999999 "$URL" | cmp -s - <(tail -c +10000001 "$T/f/big.bin" | head -c 1000000)
ok $? "a 1 MB range from the middle of it"
curl -sS --max-time 0.3 --limit-rate 1M "$URL" -o /dev/null 2>/dev/null
curl -sS "$URL" | cmp -s - "$T/f/big.bin"; ok $? "a download cut short does not stop the next"
s3 sync "$T/sync" s3://photos/site/
ok $RC "aws s3 sync"
s3 ls --recursive s3://photos/site/
is "$(printf '%s\n' "$OUT" | wc -l)" 3 "the three synced files are listed"
s3 ls s3://photos/site/
like "$OUT" "PRE sub/" "a delimiter listing folds sub/ into a common prefix"
s3 sync "$T/sync" s3://photos/site/
is "$OUT" "" "a second sync has nothing to copy"

# Metadata, ranges, conditionals.
api put-object --bucket photos --key meta.txt --body "$T/f/small.txt" \
	--content-type text/plain --cache-control max-age=60 \
	--content-disposition 'attachment; filename="m.txt"' --metadata color=blue
ok $RC "PutObject with metadata"
ETAG=$(jget "$OUT" "j['ETag']")
api head-object --bucket photos --key meta.txt
is "$(jget "$OUT" "j['ContentType'] + ' ' + j['CacheControl'] + ' ' + j['Metadata']['color']")" \
	"text/plain max-age=60 blue" "Content-Type, Cache-Control and x-amz-meta-* are kept"
is "$(jget "$OUT" "j['ETag']")" "$(printf '"%s"' "$(md5sum < "$T/f/small.txt" | cut -d' ' -f1)")" "the ETag is the MD5"
api get-object --bucket photos --key meta.txt --range bytes=0-4 "$T/f/range.out"
is "$(cat "$T/f/range.out")" "hello" "Range bytes=0-4"
is "$(jget "$OUT" "j['ContentRange']")" "bytes 0-4/14" "Content-Range"
api get-object --bucket photos --key meta.txt --range bytes=100- "$T/f/range.out"
like "$ERR" InvalidRange "a range past the end: InvalidRange"
api get-object --bucket photos --key meta.txt --if-none-match "$ETAG" "$T/f/c.out"
like "$ERR" "304|Not Modified" "If-None-Match on the ETag: 304"
api get-object --bucket photos --key meta.txt --if-match '"0123"' "$T/f/c.out"
like "$ERR" PreconditionFailed "If-Match on another ETag: PreconditionFailed"
api get-object --bucket photos --key meta.txt --if-modified-since 2099-01-01T00:00:00Z "$T/f/c.out"
like "$ERR" "304|Not Modified" "If-Modified-Since the future: 304"
api get-object --bucket photos --key meta.txt --if-unmodified-since 2000-01-01T00:00:00Z "$T/f/c.out"
like "$ERR" PreconditionFailed "If-Unmodified-Since the past: PreconditionFailed"
api get-object --bucket photos --key meta.txt --response-content-type application/x-test "$T/f/c.out"
is "$(jget "$OUT" "j['ContentType']")" application/x-test "response-content-type overrides"
curlget -X PUT -H 'If-None-Match: *' --data-binary new "$($S3REQ presign PUT photos meta.txt 60)"
like "$STATUS $BODY" "412.*PreconditionFailed" "If-None-Match: * on an existing key: PreconditionFailed"
curlget -X PUT -H 'If-None-Match: *' --data-binary new "$($S3REQ presign PUT photos fresh.txt 60)"
is "$STATUS" 200 "If-None-Match: * on a new key writes"
api get-object --bucket photos --key nothere "$T/f/c.out"
like "$ERR" NoSuchKey "a missing key: NoSuchKey"

# Copy, delete.
api copy-object --bucket photos --key copy.txt --copy-source photos/meta.txt
ok $RC "CopyObject"
api head-object --bucket photos --key copy.txt
is "$(jget "$OUT" "j['ContentType'] + ' ' + j['Metadata']['color']")" "text/plain blue" "COPY keeps the metadata"
api copy-object --bucket photos --key copy2.txt --copy-source photos/meta.txt \
	--metadata-directive REPLACE --content-type text/x-new
api head-object --bucket photos --key copy2.txt
is "$(jget "$OUT" "j['ContentType'] + ' ' + str(j.get('Metadata'))")" "text/x-new {}" "REPLACE takes the request's"
api delete-objects --bucket photos --delete '{"Objects":[{"Key":"copy.txt"},{"Key":"copy2.txt"}]}'
is "$(jget "$OUT" "len(j['Deleted'])")" 2 "DeleteObjects deletes two"
api delete-object --bucket photos --key fresh.txt
ok $RC "DeleteObject"
api head-object --bucket photos --key fresh.txt
like "$ERR" "404|Not Found" "and it is gone"

# Listing pages.
for i in 1 2 3 4 5 6 7; do echo $i > "$T/f/k$i"; s3 cp "$T/f/k$i" "s3://photos/page/k$i"; done
api list-objects-v2 --bucket photos --prefix page/ --max-keys 3 --no-paginate
is "$(jget "$OUT" "str(j['KeyCount']) + ' ' + str(j['IsTruncated'])")" "3 True" "max-keys 3: three keys, truncated"
TOK=$(jget "$OUT" "j['NextContinuationToken']")
api list-objects-v2 --bucket photos --prefix page/ --max-keys 3 --no-paginate --continuation-token "$TOK"
is "$(jget "$OUT" "' '.join(c['Key'] for c in j['Contents'])")" "page/k4 page/k5 page/k6" "the continuation token gives the next three"
api list-objects-v2 --bucket photos --prefix page/ --start-after page/k5 --no-paginate
is "$(jget "$OUT" "' '.join(c['Key'] for c in j['Contents'])")" "page/k6 page/k7" "start-after"
api list-objects-v2 --bucket photos --delimiter / --no-paginate
is "$(jget "$OUT" "' '.join(p['Prefix'] for p in j['CommonPrefixes'])")" "img/ page/ site/" "CommonPrefixes"
api list-objects --bucket photos --prefix page/ --marker page/k2 --max-keys 2 --no-paginate
is "$(jget "$OUT" "' '.join(c['Key'] for c in j['Contents']) + ' ' + str(j['IsTruncated'])")" \
	"page/k3 page/k4 True" "ListObjects (v1) with marker"

# Tagging.
api put-object-tagging --bucket photos --key meta.txt --tagging 'TagSet=[{Key=k1,Value=v 1},{Key=k2,Value=v&2}]'
ok $RC "PutObjectTagging"
api get-object-tagging --bucket photos --key meta.txt
is "$(jget "$OUT" "' '.join(t['Key'] + '=' + t['Value'] for t in j['TagSet'])")" "k1=v 1 k2=v&2" "GetObjectTagging"
api delete-object-tagging --bucket photos --key meta.txt
api get-object-tagging --bucket photos --key meta.txt
is "$(jget "$OUT" "len(j['TagSet'])")" 0 "DeleteObjectTagging"

# Multipart by hand.
head -c 5242880 /dev/urandom > "$T/f/p1"; echo tail > "$T/f/p2"
api create-multipart-upload --bucket photos --key mp.bin
UP=$(jget "$OUT" "j['UploadId']")
api upload-part --bucket photos --key mp.bin --upload-id "$UP" --part-number 1 --body "$T/f/p1"
E1=$(jget "$OUT" "j['ETag']")
api upload-part --bucket photos --key mp.bin --upload-id "$UP" --part-number 2 --body "$T/f/p2"
E2=$(jget "$OUT" "j['ETag']")
api list-parts --bucket photos --key mp.bin --upload-id "$UP"
is "$(jget "$OUT" "len(j['Parts'])")" 2 "ListParts"
api list-multipart-uploads --bucket photos
is "$(jget "$OUT" "j['Uploads'][0]['UploadId']")" "$UP" "ListMultipartUploads"
api complete-multipart-upload --bucket photos --key mp.bin --upload-id "$UP" \
	--multipart-upload "{\"Parts\":[{\"PartNumber\":1,\"ETag\":$(printf '%s' "$E1" | python3 -c 'import json,sys; print(json.dumps(sys.stdin.read()))')},{\"PartNumber\":2,\"ETag\":$(printf '%s' "$E2" | python3 -c 'import json,sys; print(json.dumps(sys.stdin.read()))')}]}"
WANT=$(python3 -c 'import hashlib,sys; print("\"%s-2\"" % hashlib.md5(b"".join(hashlib.md5(open(f,"rb").read()).digest() for f in sys.argv[1:])).hexdigest())' "$T/f/p1" "$T/f/p2")
is "$(jget "$OUT" "j['ETag']")" "$WANT" "CompleteMultipartUpload: md5 of the part md5s, -2"
api get-object --bucket photos --key mp.bin "$T/f/mp.out"
cat "$T/f/p1" "$T/f/p2" | cmp -s - "$T/f/mp.out"; ok $? "the object is the parts joined"
api create-multipart-upload --bucket photos --key gone.bin
UP=$(jget "$OUT" "j['UploadId']")
api abort-multipart-upload --bucket photos --key gone.bin --upload-id "$UP"
api list-parts --bucket photos --key gone.bin --upload-id "$UP"
like "$ERR" NoSuchUpload "AbortMultipartUpload: NoSuchUpload after"

# ---- boto3, botocore, s3cmd -----------------------------------------------------
URL=$($S3REQ presign GET photos img/small.txt 60)
curlget "$URL"
is "$STATUS $BODY" "200 hello buckets " "a presigned GET URL works with curl"
curlget "${URL%?????}00000"
like "$STATUS $BODY" "403.*SignatureDoesNotMatch" "a tampered one: SignatureDoesNotMatch"
URL=$($S3REQ presign GET photos img/small.txt 1)
sleep 2.2
curlget "$URL"
like "$STATUS $BODY" "403.*AccessDenied.*Request has expired" "an expired one: AccessDenied, expired"
URL=$($S3REQ presign PUT photos up/by-url.txt 60)
STATUS=$(curl -sS -o /dev/null -w '%{http_code}' -X PUT --data-binary "via url" "$URL")
api get-object --bucket photos --key up/by-url.txt "$T/f/u.out"
is "$STATUS $(cat "$T/f/u.out")" "200 via url" "a presigned PUT URL"
for a in CRC32 CRC32C SHA256; do
	OUT=$($S3REQ checksum photos ck/$a $a)
	is "$(echo $OUT)" "200 x-amz-checksum-$(echo $a | tr A-Z a-z)" "boto3 PutObject with $a: checked and echoed"
done
OUT=$($S3REQ checksum photos ck/bad CRC32 AAAAAA==)
is "$(echo $OUT)" "400 BadDigest" "a wrong CRC32: BadDigest"
curlget -X PUT -H 'Content-MD5: AAAAAAAAAAAAAAAAAAAAAA==' --data-binary x \
	"$($S3REQ presign PUT photos md5.txt 60)"
like "$STATUS $BODY" "400.*BadDigest" "a wrong Content-MD5: BadDigest"
OUT=$($S3REQ chunked /photos/chunked.bin "$T/f/p1")
is "$(echo "$OUT" | head -n 1)" 200 "an aws-chunked signed body (STREAMING-AWS4-HMAC-SHA256-PAYLOAD)"
api get-object --bucket photos --key chunked.bin "$T/f/ch.out"
cmp -s "$T/f/p1" "$T/f/ch.out"; ok $? "is stored decoded"
OUT=$($S3REQ chunked /photos/chunked2.bin "$T/f/p1" tamper)
like "$OUT" "SignatureDoesNotMatch" "a chunk changed under its signature: SignatureDoesNotMatch"
OUT=$($S3REQ get /img/small.txt "photos.localhost:$SPORT")
like "$OUT" "hello buckets" "virtual-hosted-style: Host photos.localhost"
OUT=$($S3REQ skew /photos/img/small.txt 3600 | tr '\n' ' ')
like "$OUT" "^403 .*RequestTimeTooSkewed" "a clock an hour off: RequestTimeTooSkewed"
AWS_SECRET_ACCESS_KEY=not-the-secret-at-all s3 ls s3://photos/
like "$ERR" SignatureDoesNotMatch "a wrong secret: SignatureDoesNotMatch"
AWS_ACCESS_KEY_ID=AKIDNOBODY s3 ls s3://photos/
like "$ERR" InvalidAccessKeyId "an unknown key: InvalidAccessKeyId"
curlget "$EP/photos/img/small.txt"
like "$STATUS $BODY" "403.*AccessDenied" "no signature: AccessDenied"

cat > "$T/s3cfg" <<CFG
[default]
access_key = $KEY
secret_key = $SECRET
host_base = 127.0.0.1:$SPORT
host_bucket = 127.0.0.1:$SPORT
use_https = False
signature_v2 = False
CFG
if command -v s3cmd >/dev/null; then
	s3cmd -c "$T/s3cfg" put "$T/f/small.txt" s3://photos/s3cmd/s.txt >/dev/null 2>&1
	s3cmd -c "$T/s3cfg" get --force s3://photos/s3cmd/s.txt "$T/f/s3cmd.out" >/dev/null 2>&1
	cmp -s "$T/f/small.txt" "$T/f/s3cmd.out"; ok $? "s3cmd put and get"
	like "$(s3cmd -c "$T/s3cfg" ls s3://photos/s3cmd/ 2>&1)" "s3://photos/s3cmd/s.txt" "s3cmd ls"
else
	skip "no s3cmd (make deps-test)"; skip "no s3cmd"
fi

# ---- lambdactl, restart, SIGKILL -------------------------------------------------
OUT=$($CTL buckets)
like "$OUT" "photos +[0-9]+ +[0-9]+" "lambdactl buckets lists the bucket with counts"
N=$(jget "$($CTL buckets -j)" "j['buckets'][0]['objects']")
api list-objects-v2 --bucket photos
is "$N" "$(jget "$OUT" "len(j['Contents'])")" "its object count is the listing's"

stop_daemon
start
s3 cp s3://photos/big.bin "$T/f/big.out2"
cmp -s "$T/f/big.bin" "$T/f/big.out2"; ok $? "data survives a restart"

URL=$($S3REQ presign PUT photos killed.bin 60)
curl -sS -o /dev/null -X PUT --limit-rate 2M --data-binary @"$T/f/big.bin" "$URL" 2>/dev/null &
CPID=$!
sleep 1.5
kill -KILL "$DPID"; wait "$DPID" 2>/dev/null; DPID=
wait $CPID 2>/dev/null
start
api head-object --bucket photos --key killed.bin
like "$ERR" "404|Not Found" "a SIGKILL during an upload leaves no object"
is "$(ls "$T/state/buckets/tmp" | wc -l)" 0 "and no partial file"

s3 rb s3://photos
like "$ERR" BucketNotEmpty "rb of a bucket with objects: BucketNotEmpty"
s3 rm --recursive s3://photos/
s3 rb s3://photos
ok $RC "emptied, it goes"
[ $RC = 0 ] || diag "$ERR"
is "$(find "$T/state/buckets/data" -type f | wc -l)" 0 "and every data file with it"

stop_daemon
MAXB=2K NOKEY=1 start
curlget -X PUT "$EP/capped"
is "$STATUS" 200 "without access keys, a loopback client needs no signature"
curlget -X PUT --data-binary plain "$EP/capped/plain.txt"
curlget "$EP/capped/plain.txt"
is "$STATUS $BODY" "200 plain" "and reads back what it wrote"
head -c 4096 /dev/zero > "$T/f/4k"
s3 cp "$T/f/4k" s3://capped/4k
like "$ERR" EntityTooLarge "past buckets_max_bytes: EntityTooLarge"
done_testing
