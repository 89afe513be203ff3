#!/bin/bash
# Multipart completeness on Buckets: UploadPartCopy (a range or a whole
# object into a part, its errors, x-amz-copy-source-if-* on it and on
# CopyObject), ListParts and ListMultipartUploads paged as S3 pages them,
# with the aws CLI (s3api, letting it page) and boto3's paginators; the
# completed objects are checked byte for byte.  A function's grants hold
# for the copy source (read) and the target (write).
. "$(dirname "$0")/lib.sh"
plan 79

aws_env
SPORT=$(freeport)
EP="http://127.0.0.1:$SPORT"
KEY=AKIDMULTIPART SECRET=secret-of-the-multipart-test
export AWS_ACCESS_KEY_ID=$KEY AWS_SECRET_ACCESS_KEY=$SECRET
S3REQ="/usr/bin/python3 $ROOT/tests/integration/buckets/s3req.py $SPORT $KEY $SECRET"
FNB="$ROOT/tests/integration/buckets/s3-bash.sh"
MIB=1048576

api() {
	"$AWSCLI" s3api "$@" --endpoint-url "$EP" --output json \
		>"$T/aws.out" 2>"$T/aws.err"
	RC=$?; OUT=$(cat "$T/aws.out"); ERR=$(cat "$T/aws.err")
}
# fs3 FN JSON: function FN makes the S3 request JSON names on its own
# endpoint (s3-bash.sh); S3ST and S3BODY (newlines folded).
fs3() {
	req POST "/$1" -H 'Content-Type: application/json' --data-binary "$2"
	S3ST=$(jget "$BODY" 'j["status"]')
	S3BODY=$(jget "$BODY" 'j["body"]' | tr '\n' ' ' | sed 's/ *$//')
}
md5() { md5sum "$@" | cut -d' ' -f1; }
# slice FILE FIRST LAST: those bytes of FILE.
slice() { tail -c +$(($2 + 1)) "$1" | head -c $(($3 - $2 + 1)); }

fn thumbs "$FNB" 'route = POST /thumbs' 'seccomp = exec' 'timeout = 10' \
	'max_workers = 1' 'buckets = uploads:read' 'buckets = thumbs'
EXTRA_CONF="s3_listen = 127.0.0.1:$SPORT
access_key = $KEY:$SECRET"
start_daemon
waitport "$SPORT"; ok $? "the S3 listener is up"

for b in src dst mpl uploads thumbs secret; do api create-bucket --bucket "$b"; done
head -c $((11 * MIB)) /dev/urandom > "$T/big.bin"
head -c $((5 * MIB)) /dev/urandom > "$T/p2.bin"
echo "the small source" > "$T/small.txt"
api put-object --bucket src --key dir/big.bin --body "$T/big.bin"
ok $RC "an 11 MiB source object"
api put-object --bucket src --key small.txt --body "$T/small.txt"
SETAG=$(jget "$OUT" "j['ETag']")

# ---- UploadPartCopy ----------------------------------------------------------
api create-multipart-upload --bucket dst --key joined.bin --content-type application/x-joined
UID1=$(jget "$OUT" "j['UploadId']")
like "$UID1" '^[0-9a-f]{32}$' "CreateMultipartUpload"
api upload-part-copy --bucket dst --key joined.bin --upload-id "$UID1" --part-number 1 \
	--copy-source src/dir/big.bin --copy-source-range "bytes=0-$((5 * MIB - 1))"
ok $RC "upload-part-copy with a range"
E1=$(jget "$OUT" "j['CopyPartResult']['ETag']")
is "$E1" "\"$(slice "$T/big.bin" 0 $((5 * MIB - 1)) | md5)\"" "the part's ETag is the MD5 of the range"
like "$(jget "$OUT" "j['CopyPartResult']['LastModified']")" '^20[0-9][0-9]-' "CopyPartResult has LastModified"
api upload-part --bucket dst --key joined.bin --upload-id "$UID1" --part-number 2 --body "$T/p2.bin"
E2=$(jget "$OUT" "j['ETag']")
ok $RC "a plain UploadPart beside it"
api upload-part-copy --bucket dst --key joined.bin --upload-id "$UID1" --part-number 3 \
	--copy-source "/src/dir/big.bin" --copy-source-range "bytes=$((5 * MIB))-$((11 * MIB - 1))"
E3=$(jget "$OUT" "j['CopyPartResult']['ETag']")
is "$E3" "\"$(slice "$T/big.bin" $((5 * MIB)) $((11 * MIB - 1)) | md5)\"" "a range to the source's last byte"
api upload-part-copy --bucket dst --key joined.bin --upload-id "$UID1" --part-number 4 \
	--copy-source src/small.txt --copy-source-if-match "$SETAG"
E4=$(jget "$OUT" "j['CopyPartResult']['ETag']")
is "$E4" "$SETAG" "a whole object, x-amz-copy-source-if-match holding"
api upload-part-copy --bucket dst --key joined.bin --upload-id "$UID1" --part-number 4 \
	--copy-source src/small.txt --copy-source-range bytes=4-8
E4=$(jget "$OUT" "j['CopyPartResult']['ETag']")
is "$E4" "\"$(slice "$T/small.txt" 4 8 | md5)\"" "a part copied again replaces the first copy (and a 5-byte last part)"

# ListParts, paged.
api list-parts --bucket dst --key joined.bin --upload-id "$UID1"
is "$(jget "$OUT" "','.join(str(p['PartNumber']) for p in j['Parts'])")" "1,2,3,4" "ListParts lists the four"
is "$(jget "$OUT" "','.join(str(p['Size']) for p in j['Parts'])")" \
	"$((5 * MIB)),$((5 * MIB)),$((6 * MIB)),5" "with their sizes"
api list-parts --bucket dst --key joined.bin --upload-id "$UID1" --page-size 2
is "$(jget "$OUT" "','.join(str(p['PartNumber']) for p in j['Parts'])")" "1,2,3,4" "the CLI pages through two at a time (--page-size)"
api list-parts --bucket dst --key joined.bin --upload-id "$UID1" --max-items 2
is "$(jget "$OUT" "','.join(str(p['PartNumber']) for p in j['Parts'])")" "1,2" "--max-items 2: two parts"
NT=$(jget "$OUT" "j['NextToken']")
isnt_empty() { [ -n "$1" ] && [ "$1" != None ]; }
isnt_empty "$NT"; ok $? "... and a NextToken"
api list-parts --bucket dst --key joined.bin --upload-id "$UID1" --max-items 2 --starting-token "$NT"
is "$(jget "$OUT" "','.join(str(p['PartNumber']) for p in j['Parts'])")" "3,4" "--starting-token goes on from there"
api list-parts --bucket dst --key joined.bin --upload-id "$UID1" --no-paginate --max-parts 2 --part-number-marker 1
is "$(jget "$OUT" "str(([p['PartNumber'] for p in j['Parts']], j['IsTruncated'], j['NextPartNumberMarker'], j['MaxParts'], j['PartNumberMarker']))")" \
	"([2, 3], True, 3, 2, 1)" "one raw page: max-parts, part-number-marker, NextPartNumberMarker, IsTruncated"
api list-parts --bucket dst --key joined.bin --upload-id "$UID1" --no-paginate --part-number-marker 3
is "$(jget "$OUT" "str(([p['PartNumber'] for p in j['Parts']], j['IsTruncated']))")" "([4], False)" "the last page is not truncated"
OUT=$($S3REQ get "/dst/joined.bin?uploadId=$UID1&max-parts=many" | tr '\n' ' ')
like "$OUT" '^400 .*InvalidArgument.*max-parts' "max-parts=many: InvalidArgument"
OUT=$($S3REQ get "/dst/joined.bin?uploadId=$UID1&part-number-marker=-1" | tr '\n' ' ')
like "$OUT" '^400 .*InvalidArgument.*part-number-marker' "part-number-marker=-1: InvalidArgument"

# Complete: the bytes are the parts' bytes.
api list-parts --bucket dst --key joined.bin --upload-id "$UID1"
MPU=$(python3 -c 'import json,sys; print(json.dumps({"Parts": [{"PartNumber": i + 1, "ETag": e} for i, e in enumerate(sys.argv[1:])]}))' "$E1" "$E2" "$E3" "$E4")
api complete-multipart-upload --bucket dst --key joined.bin --upload-id "$UID1" --multipart-upload "$MPU"
ok $RC "CompleteMultipartUpload of copied and uploaded parts"
[ "$RC" = 0 ] || diag "$ERR"
{ slice "$T/big.bin" 0 $((5 * MIB - 1)); cat "$T/p2.bin"; slice "$T/big.bin" $((5 * MIB)) $((11 * MIB - 1));
  slice "$T/small.txt" 4 8; } > "$T/want.bin"
api get-object --bucket dst --key joined.bin "$T/got.bin"
cmp -s "$T/want.bin" "$T/got.bin"; ok $? "the object's bytes are the four parts' bytes, in order"
is "$(jget "$OUT" "j['ContentType']")" application/x-joined "the upload's Content-Type is kept"
WANT=$(python3 -c 'import hashlib,sys; print("\"%s-4\"" % hashlib.md5(b"".join(bytes.fromhex(e.strip("\"")) for e in sys.argv[1:])).hexdigest())' "$E1" "$E2" "$E3" "$E4")
is "$(jget "$OUT" "j['ETag']")" "$WANT" "its ETag is S3's multipart ETag"

# ---- UploadPartCopy's errors --------------------------------------------------
api create-multipart-upload --bucket dst --key err.bin
UID2=$(jget "$OUT" "j['UploadId']")
pc() { api upload-part-copy --bucket dst --key err.bin --upload-id "$UID2" --part-number 1 "$@"; }
pc --copy-source src/nothere
like "$ERR" NoSuchKey "a missing source key: NoSuchKey"
pc --copy-source nobucket/x
like "$ERR" NoSuchBucket "a missing source bucket: NoSuchBucket"
api upload-part-copy --bucket dst --key err.bin --upload-id 0123456789abcdef0123456789abcdef \
	--part-number 1 --copy-source src/small.txt
like "$ERR" NoSuchUpload "an unknown upload id: NoSuchUpload"
api upload-part-copy --bucket dst --key other.bin --upload-id "$UID2" --part-number 1 --copy-source src/small.txt
like "$ERR" NoSuchUpload "the upload id of another key: NoSuchUpload"
pc --copy-source src/small.txt --copy-source-range bytes=0-17
like "$ERR" "InvalidRange.*0-17 of a source of 17 bytes" "a range one past the end: InvalidRange"
pc --copy-source src/small.txt --copy-source-range bytes=100-200
like "$ERR" InvalidRange "a range wholly past the end: InvalidRange"
pc --copy-source src/small.txt --copy-source-range bytes=5-
like "$ERR" "InvalidRange.*bytes=first-last" "bytes=5- (no last byte): InvalidRange"
pc --copy-source src/small.txt --copy-source-range bytes=9-3
like "$ERR" InvalidRange "bytes=9-3: InvalidRange"
pc --copy-source src/small.txt --copy-source-range lines=0-3
like "$ERR" InvalidRange "another unit: InvalidRange"
pc --copy-source src
like "$ERR" "InvalidArgument.*sourcebucket/sourcekey" "a copy source without a key: InvalidArgument"
api upload-part-copy --bucket dst --key err.bin --upload-id "$UID2" --part-number 0 --copy-source src/small.txt
like "$ERR" "InvalidArgument.*between 1 and 10000" "part number 0: InvalidArgument"
api list-parts --bucket dst --key err.bin --upload-id "$UID2"
is "$(jget "$OUT" "len(j.get('Parts', []))")" 0 "no failed copy left a part"

# ---- x-amz-copy-source-if-* ---------------------------------------------------
pc --copy-source src/small.txt --copy-source-if-match '"00000000000000000000000000000000"'
like "$ERR" "PreconditionFailed.*if-match" "UploadPartCopy, if-match another ETag: PreconditionFailed"
pc --copy-source src/small.txt --copy-source-if-none-match "$SETAG"
like "$ERR" "PreconditionFailed.*if-none-match" "if-none-match its ETag: PreconditionFailed"
pc --copy-source src/small.txt --copy-source-if-modified-since 2099-01-01T00:00:00Z
like "$ERR" "PreconditionFailed.*if-modified-since" "if-modified-since the future: PreconditionFailed"
pc --copy-source src/small.txt --copy-source-if-unmodified-since 2000-01-01T00:00:00Z
like "$ERR" "PreconditionFailed.*if-unmodified-since" "if-unmodified-since the past: PreconditionFailed"
pc --copy-source src/small.txt --copy-source-if-match "$SETAG" --copy-source-if-unmodified-since 2000-01-01T00:00:00Z
ok $RC "if-match holding wins over a failing if-unmodified-since (as S3)"
pc --copy-source src/small.txt --copy-source-if-none-match '"0123"' --copy-source-if-modified-since 2099-01-01T00:00:00Z
ok $RC "if-none-match holding wins over a failing if-modified-since"
pc --copy-source src/small.txt --copy-source-if-modified-since 2000-01-01T00:00:00Z \
	--copy-source-if-unmodified-since 2099-01-01T00:00:00Z
ok $RC "dates that hold: copied"
api copy-object --bucket dst --key c1.txt --copy-source src/small.txt --copy-source-if-match '"0123"'
like "$ERR" PreconditionFailed "CopyObject, if-match another ETag: PreconditionFailed"
api copy-object --bucket dst --key c1.txt --copy-source src/small.txt --copy-source-if-none-match "$SETAG"
like "$ERR" PreconditionFailed "CopyObject, if-none-match its ETag: PreconditionFailed"
api copy-object --bucket dst --key c1.txt --copy-source src/small.txt --copy-source-if-modified-since 2099-01-01T00:00:00Z
like "$ERR" PreconditionFailed "CopyObject, if-modified-since the future: PreconditionFailed"
api copy-object --bucket dst --key c1.txt --copy-source src/small.txt --copy-source-if-unmodified-since 2000-01-01T00:00:00Z
like "$ERR" PreconditionFailed "CopyObject, if-unmodified-since the past: PreconditionFailed"
api head-object --bucket dst --key c1.txt
like "$ERR" "404|Not Found" "no refused copy wrote the object"
api copy-object --bucket dst --key c1.txt --copy-source src/small.txt --copy-source-if-match "$SETAG" \
	--copy-source-if-modified-since 2000-01-01T00:00:00Z
is "$(jget "$OUT" "j['CopyObjectResult']['ETag']")" "$SETAG" "CopyObject with conditions that hold"
api get-object --bucket dst --key c1.txt "$T/c1.txt"
cmp -s "$T/small.txt" "$T/c1.txt"; ok $? "... and its bytes"
api abort-multipart-upload --bucket dst --key err.bin --upload-id "$UID2"

# ---- ListMultipartUploads -----------------------------------------------------
for k in a/1 a/2 b/1 b/1 c; do
	api create-multipart-upload --bucket mpl --key "$k"
done
api list-multipart-uploads --bucket mpl
is "$(jget "$OUT" "','.join(u['Key'] for u in j['Uploads'])")" "a/1,a/2,b/1,b/1,c" "ListMultipartUploads: five, in key order"
B1=$(jget "$OUT" "j['Uploads'][2]['UploadId']")
B2=$(jget "$OUT" "j['Uploads'][3]['UploadId']")
C1=$(jget "$OUT" "j['Uploads'][4]['UploadId']")
api list-multipart-uploads --bucket mpl --no-paginate --max-uploads 2
is "$(jget "$OUT" "'%s %s %s %s' % (','.join(u['Key'] for u in j['Uploads']), j['IsTruncated'], j['NextKeyMarker'], j['MaxUploads'])")" \
	"a/1,a/2 True a/2 2" "max-uploads 2: a page, truncated, NextKeyMarker"
is "$(jget "$OUT" "str(j['NextUploadIdMarker'] == j['Uploads'][1]['UploadId'])")" True "NextUploadIdMarker is its last upload"
api list-multipart-uploads --bucket mpl --no-paginate --max-uploads 3
is "$(jget "$OUT" "j['NextKeyMarker'] + ' ' + j['NextUploadIdMarker']")" "b/1 $B1" "a page that ends inside a key's uploads"
api list-multipart-uploads --bucket mpl --no-paginate --key-marker b/1 --upload-id-marker "$B1"
is "$(jget "$OUT" "' '.join(u['Key'] + '=' + u['UploadId'] for u in j['Uploads'])")" "b/1=$B2 c=$C1" \
	"key-marker with upload-id-marker: the rest of that key, then on"
api list-multipart-uploads --bucket mpl --no-paginate --key-marker b/1
is "$(jget "$OUT" "','.join(u['Key'] for u in j['Uploads'])")" "c" "key-marker alone: keys after it"
api list-multipart-uploads --bucket mpl --page-size 1
is "$(jget "$OUT" "','.join(u['Key'] for u in j['Uploads'])")" "a/1,a/2,b/1,b/1,c" "the CLI pages one at a time through all five"
is "$(jget "$OUT" "len(set(u['UploadId'] for u in j['Uploads']))")" 5 "... each once"
api list-multipart-uploads --bucket mpl --max-items 3
is "$(jget "$OUT" "','.join(u['Key'] for u in j['Uploads'])")" "a/1,a/2,b/1" "--max-items 3"
api list-multipart-uploads --bucket mpl --prefix a/
is "$(jget "$OUT" "','.join(u['Key'] for u in j['Uploads'])")" "a/1,a/2" "prefix a/"
api list-multipart-uploads --bucket mpl --delimiter /
is "$(jget "$OUT" "','.join(c['Prefix'] for c in j['CommonPrefixes']) + ' ' + ','.join(u['Key'] for u in j['Uploads'])")" \
	"a/,b/ c" "delimiter /: CommonPrefixes and the upload beside them"
api list-multipart-uploads --bucket mpl --delimiter / --page-size 1
is "$(jget "$OUT" "','.join(c['Prefix'] for c in j['CommonPrefixes']) + ' ' + ','.join(u['Key'] for u in j['Uploads'])")" \
	"a/,b/ c" "... paged one at a time, no prefix twice"
api list-multipart-uploads --bucket mpl --no-paginate --max-uploads 1 --delimiter / --key-marker a/
is "$(jget "$OUT" "j['CommonPrefixes'][0]['Prefix'] + ' ' + j['NextKeyMarker']")" "b/ b/" "a common prefix as key-marker skips its uploads"
OUT=$($S3REQ get "/mpl?uploads&max-uploads=x" | tr '\n' ' ')
like "$OUT" '^400 .*InvalidArgument.*max-uploads' "max-uploads=x: InvalidArgument"
api list-multipart-uploads --bucket nobucket
like "$ERR" NoSuchBucket "ListMultipartUploads of a missing bucket: NoSuchBucket"

# ---- boto3 --------------------------------------------------------------------
/usr/bin/python3 "$ROOT/tests/integration/buckets/mp-boto3.py" "$SPORT" "$KEY" "$SECRET" src dir/big.bin \
	> "$T/boto.out" 2> "$T/boto.err"
ok $? "boto3: UploadPartCopy, paginators, Complete" || sed 's/^/# /' "$T/boto.err" | tail -n 20
bo() { sed -n "s/^$1: //p" "$T/boto.out"; }
is "$(bo 'part1 etag ok')" True "boto3 upload_part_copy with CopySourceRange: the range's MD5"
is "$(bo 'part1 has LastModified')" True "... and LastModified"
is "$(bo 'list_parts pages') $(bo 'list_parts numbers')" "3 1,2,3" "list_parts paginator, PageSize 1: three pages"
is "$(bo 'list_parts sizes')" "$((5 * MIB)),6800000,11" "... with the parts' sizes"
is "$(bo 'list_uploads keys')" "p/boto.bin,p/one,p/two,p/two" "list_multipart_uploads paginator, PageSize 1, prefix p/"
is "$(bo 'list_uploads pages') $(bo 'list_uploads distinct')" "4 True" "... four pages, each upload once"
is "$(bo 'list_uploads prefixes')" "p/,q/" "... with Delimiter: the common prefixes"
is "$(bo 'completed bytes ok') $(bo 'completed etag ok')" "True True" "the completed object: its bytes and its ETag"
is "$(bo 'content type kept') $(bo left)" "application/x-joined 0" "its Content-Type, and no upload left"

# ---- a function's grants --------------------------------------------------------
echo "the photo" > "$T/photo.txt"
api put-object --bucket uploads --key img/photo.jpg --body "$T/photo.txt"
api put-object --bucket secret --key s.txt --body "$T/photo.txt"
api create-multipart-upload --bucket thumbs --key t.bin
TU=$(jget "$OUT" "j['UploadId']")
api create-multipart-upload --bucket uploads --key u.bin
UU=$(jget "$OUT" "j['UploadId']")
fs3 thumbs "{\"method\":\"PUT\",\"path\":\"/thumbs/t.bin?partNumber=1&uploadId=$TU\",\"headers\":[\"x-amz-copy-source: /uploads/img/photo.jpg\"]}"
like "$S3ST $S3BODY" "^200 .*<CopyPartResult.*<ETag>&quot;$(md5 "$T/photo.txt")&quot;" \
	"a function copies a part from its :read bucket into its own"
fs3 thumbs "{\"method\":\"PUT\",\"path\":\"/thumbs/t.bin?partNumber=2&uploadId=$TU\",\"headers\":[\"x-amz-copy-source: /secret/s.txt\"]}"
like "$S3ST $S3BODY" "^403 .*AccessDenied.*not granted reads of bucket secret" "... not from an ungranted bucket: AccessDenied"
fs3 thumbs "{\"method\":\"PUT\",\"path\":\"/uploads/u.bin?partNumber=1&uploadId=$UU\",\"headers\":[\"x-amz-copy-source: /thumbs/t.bin\"]}"
like "$S3ST $S3BODY" "^403 .*AccessDenied.*not granted writes" "... nor into its :read bucket: AccessDenied"
api list-parts --bucket thumbs --key t.bin --upload-id "$TU"
is "$(jget "$OUT" "','.join(str(p['PartNumber']) for p in j['Parts'])")" 1 "only the granted copy made a part"

stop_daemon
done_testing
