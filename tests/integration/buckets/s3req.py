#!/usr/bin/python3
"""s3req: S3 requests signed by botocore's own SigV4 signer, for what the
aws CLI cannot be made to send: a skewed clock, a virtual-hosted Host on
127.0.0.1, an aws-chunked streaming body (STREAMING-AWS4-HMAC-SHA256-
PAYLOAD, each chunk signed as the SDKs do), presigned URLs and checksums.

    s3req.py PORT KEY SECRET CMD ARGS...

Prints "STATUS" and then the body; exit 0 unless the request failed to go.
"""
import datetime
import hashlib
import hmac
import http.client
import sys

import botocore.auth
import botocore.credentials
from botocore.awsrequest import AWSRequest

port, key, secret, cmd = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
args = sys.argv[5:]
creds = botocore.credentials.Credentials(key, secret)
EMPTY = hashlib.sha256(b"").hexdigest()


def send(method, path, headers, body):
    c = http.client.HTTPConnection("127.0.0.1", int(port), timeout=20)
    c.request(method, path, body=body, headers=headers)
    r = c.getresponse()
    data = r.read()
    print(r.status)
    for k, v in r.getheaders():
        print("%s: %s" % (k.lower(), v))
    print()
    sys.stdout.flush()
    sys.stdout.buffer.write(data)
    print()


def signed(method, path, body=b"", host=None, skew=0, extra=None):
    url = "http://127.0.0.1:%s%s" % (port, path)
    req = AWSRequest(method=method, url=url, data=body,
                     headers=dict(extra or {}))
    if host:
        req.headers["Host"] = host
    if skew:
        real = datetime.datetime

        class Skewed(real):
            @classmethod
            def utcnow(cls):
                return real.utcnow() + datetime.timedelta(seconds=skew)

            @classmethod
            def now(cls, tz=None):
                return real.now(tz) + datetime.timedelta(seconds=skew)
        botocore.auth.datetime.datetime = Skewed
    botocore.auth.S3SigV4Auth(creds, "s3", "us-east-1").add_auth(req)
    p = req.prepare()
    return dict(p.headers), p.body


def hm(k, m):
    return hmac.new(k, m.encode() if isinstance(m, str) else m,
                    hashlib.sha256).digest()


def chunked(path, data, tamper=False, chunk=65536):
    """A signed aws-chunked PUT, chained chunk signatures."""
    n = len(data)
    sizes = [data[i:i + chunk] for i in range(0, n, chunk)] + [b""]
    enc_len = sum(len("%x;chunk-signature=" % len(c)) + 64 + 4 + len(c)
                  for c in sizes)
    now = datetime.datetime.utcnow()
    amz = now.strftime("%Y%m%dT%H%M%SZ")
    extra = {"x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
             "Content-Encoding": "aws-chunked",
             "x-amz-decoded-content-length": str(n),
             "Content-Length": str(enc_len), "X-Amz-Date": amz}
    url = "http://127.0.0.1:%s%s" % (port, path)
    req = AWSRequest(method="PUT", url=url, data=b"", headers=extra)

    class Streaming(botocore.auth.S3SigV4Auth):
        def payload(self, request):
            return "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
    Streaming(creds, "s3", "us-east-1").add_auth(req)
    hdrs = dict(req.headers)
    seed = hdrs["Authorization"].split("Signature=")[1]
    scope = "%s/us-east-1/s3/aws4_request" % hdrs["X-Amz-Date"][:8]
    k = hm(hm(hm(hm(("AWS4" + secret).encode(), hdrs["X-Amz-Date"][:8]),
                 "us-east-1"), "s3"), "aws4_request")
    prev, out = seed, b""
    for c in sizes:
        sts = "\n".join(["AWS4-HMAC-SHA256-PAYLOAD", hdrs["X-Amz-Date"],
                         scope, prev, EMPTY, hashlib.sha256(c).hexdigest()])
        prev = hmac.new(k, sts.encode(), hashlib.sha256).hexdigest()
        body = c
        if tamper and c and c is sizes[0]:
            body = b"X" + c[1:]
        out += b"%x;chunk-signature=%s\r\n%s\r\n" % (len(c), prev.encode(),
                                                    body)
    return hdrs, out


if cmd == "get":              # get PATH [HOST]
    h, b = signed("GET", args[0], host=args[1] if len(args) > 1 else None)
    send("GET", args[0], h, b)
elif cmd == "put":            # put PATH DATA [HOST]
    h, b = signed("PUT", args[0], args[1].encode(),
                  host=args[2] if len(args) > 2 else None)
    send("PUT", args[0], h, b)
elif cmd == "skew":           # skew PATH SECONDS
    h, b = signed("GET", args[0], skew=int(args[1]))
    send("GET", args[0], h, b)
elif cmd == "chunked":        # chunked PATH FILE [tamper]
    data = open(args[1], "rb").read()
    h, b = chunked(args[0], data, tamper=len(args) > 2)
    send("PUT", args[0], h, b)
elif cmd == "presign":        # presign METHOD BUCKET KEY SECONDS
    import boto3
    from botocore.config import Config
    s3 = boto3.client("s3", endpoint_url="http://127.0.0.1:%s" % port,
                      aws_access_key_id=key, aws_secret_access_key=secret,
                      region_name="us-east-1",
                      config=Config(signature_version="s3v4"))
    op = "get_object" if args[0] == "GET" else "put_object"
    print(s3.generate_presigned_url(op, Params={"Bucket": args[1],
                                                "Key": args[2]},
                                    ExpiresIn=int(args[3])))
elif cmd == "checksum":       # checksum BUCKET KEY ALGO [WRONG]
    import boto3
    s3 = boto3.client("s3", endpoint_url="http://127.0.0.1:%s" % port,
                      aws_access_key_id=key, aws_secret_access_key=secret,
                      region_name="us-east-1")
    kw = {"ChecksumAlgorithm": args[2]}
    if len(args) > 3:
        kw = {"Checksum" + args[2]: args[3]}
    try:
        r = s3.put_object(Bucket=args[0], Key=args[1], Body=b"abc" * 1000,
                          **kw)
        print(200)
        print(" ".join(sorted(k for k in r["ResponseMetadata"]
                              ["HTTPHeaders"] if "checksum" in k)))
    except s3.exceptions.ClientError as e:
        print(e.response["ResponseMetadata"]["HTTPStatusCode"])
        print(e.response["Error"]["Code"])
