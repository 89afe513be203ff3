#!/usr/bin/python3
"""mp-boto3: multipart with boto3 against Buckets: an upload made of
UploadPartCopy parts (a range and a whole object) and one UploadPart,
read back through the ListParts and ListMultipartUploads paginators with
one entry a page, completed and read back.

    mp-boto3.py PORT KEY SECRET BUCKET SRCKEY

SRCKEY is an object of BUCKET of 6 MiB at least.  Prints one "name:
value" line a fact, for the test to check.
"""
import hashlib
import sys

import boto3
from botocore.config import Config

port, key, secret, bucket, srckey = sys.argv[1:6]
s3 = boto3.client("s3", endpoint_url="http://127.0.0.1:%s" % port,
                  aws_access_key_id=key, aws_secret_access_key=secret,
                  region_name="us-east-1",
                  config=Config(retries={"max_attempts": 1},
                                s3={"addressing_style": "path"}))
src = s3.get_object(Bucket=bucket, Key=srckey)["Body"].read()
MIB = 1024 * 1024

# A few uploads to page through: two on one key.
others = [s3.create_multipart_upload(Bucket=bucket, Key=k)["UploadId"]
          for k in ("p/one", "p/two", "p/two", "q/three")]
up = s3.create_multipart_upload(Bucket=bucket, Key="p/boto.bin",
                                ContentType="application/x-joined")["UploadId"]
cs = {"Bucket": bucket, "Key": srckey}
r1 = s3.upload_part_copy(Bucket=bucket, Key="p/boto.bin", UploadId=up,
                         PartNumber=1, CopySource=cs,
                         CopySourceRange="bytes=%d-%d" % (MIB, 6 * MIB - 1))
print("part1 etag ok:", r1["CopyPartResult"]["ETag"].strip('"') ==
      hashlib.md5(src[MIB:6 * MIB]).hexdigest())
print("part1 has LastModified:", "LastModified" in r1["CopyPartResult"])
mid = b"the middle part, " * 400000
r2 = s3.upload_part(Bucket=bucket, Key="p/boto.bin", UploadId=up,
                    PartNumber=2, Body=mid)
small = b"tail of it\n"
s3.put_object(Bucket=bucket, Key="small-src", Body=small)
r3 = s3.upload_part_copy(Bucket=bucket, Key="p/boto.bin", UploadId=up,
                         PartNumber=3,
                         CopySource={"Bucket": bucket, "Key": "small-src"},
                         CopySourceIfMatch=hashlib.md5(small).hexdigest())
etags = [r1["CopyPartResult"]["ETag"], r2["ETag"],
         r3["CopyPartResult"]["ETag"]]

pages = list(s3.get_paginator("list_parts").paginate(
    Bucket=bucket, Key="p/boto.bin", UploadId=up,
    PaginationConfig={"PageSize": 1}))
print("list_parts pages:", len(pages))
print("list_parts numbers:", ",".join(str(p["PartNumber"]) for pg in pages
                                      for p in pg.get("Parts", [])))
print("list_parts sizes:", ",".join(str(p["Size"]) for pg in pages
                                    for p in pg.get("Parts", [])))

pages = list(s3.get_paginator("list_multipart_uploads").paginate(
    Bucket=bucket, Prefix="p/", PaginationConfig={"PageSize": 1}))
ups = [(u["Key"], u["UploadId"]) for pg in pages for u in pg.get("Uploads", [])]
print("list_uploads pages:", len(pages))
print("list_uploads keys:", ",".join(k for k, _ in ups))
print("list_uploads distinct:", len(set(ups)) == len(ups))
pages = list(s3.get_paginator("list_multipart_uploads").paginate(
    Bucket=bucket, Delimiter="/", PaginationConfig={"PageSize": 1}))
print("list_uploads prefixes:", ",".join(
    c["Prefix"] for pg in pages for c in pg.get("CommonPrefixes", [])))

s3.complete_multipart_upload(
    Bucket=bucket, Key="p/boto.bin", UploadId=up,
    MultipartUpload={"Parts": [{"PartNumber": i + 1, "ETag": e}
                               for i, e in enumerate(etags)]})
got = s3.get_object(Bucket=bucket, Key="p/boto.bin")
body = got["Body"].read()
print("completed bytes ok:", body == src[MIB:6 * MIB] + mid + small)
want = hashlib.md5(b"".join(bytes.fromhex(e.strip('"')) for e in etags))
print("completed etag ok:", got["ETag"] == '"%s-3"' % want.hexdigest())
print("content type kept:", got["ContentType"])
for u, k in zip(others, ("p/one", "p/two", "p/two", "q/three")):
    s3.abort_multipart_upload(Bucket=bucket, Key=k, UploadId=u)
print("left:", len(s3.list_multipart_uploads(Bucket=bucket).get("Uploads", [])))
