#!/usr/bin/env python3
"""load.py PORT WHAT: set up the Tables bench's data over plain HTTP.

  create      the table `bench` (pk S, sk N), on-demand
  fixed       1,000 items g0..g999 (sk 0) for GetItem, and the partition
              `q` of 100 items (sk 0..99) for Query
  many N      N more 200-byte items through BatchWriteItem (25 a request)

Unsigned requests with a well-formed Authorization header: lambdad without
access_key lines answers loopback clients, dynalite checks only the shape.
"""
import http.client
import json
import sys
import time

AUTH = ("AWS4-HMAC-SHA256 Credential=bench/20261206/us-east-1/dynamodb/"
        "aws4_request, SignedHeaders=host;x-amz-date;x-amz-target, "
        "Signature=" + "0" * 64)


def call(conn, op, body):
    conn.request("POST", "/", json.dumps(body), {
        "Content-Type": "application/x-amz-json-1.0",
        "X-Amz-Target": "DynamoDB_20120810." + op,
        "X-Amz-Date": "20261206T120000Z",
        "Authorization": AUTH})
    r = conn.getresponse()
    data = r.read()
    if r.status != 200:
        sys.exit("load.py: %s: %d %s" % (op, r.status, data[:300]))
    return json.loads(data)


def item(pk, sk):
    return {"pk": {"S": pk}, "sk": {"N": str(sk)}, "v": {"S": "x" * 160}}


def batch(conn, items):
    for i in range(0, len(items), 25):
        reqs = [{"PutRequest": {"Item": it}} for it in items[i:i + 25]]
        left = {"bench": reqs}
        while left:
            r = call(conn, "BatchWriteItem", {"RequestItems": left})
            left = r.get("UnprocessedItems") or {}


def main():
    conn = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]))
    what = sys.argv[2]
    if what == "create":
        call(conn, "CreateTable", {
            "TableName": "bench", "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "N"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                          {"AttributeName": "sk", "KeyType": "RANGE"}]})
        # DynamoDB (and dynalite) create a table asynchronously: wait for
        # ACTIVE before writing to it.
        for _ in range(200):
            t = call(conn, "DescribeTable", {"TableName": "bench"})
            if t["Table"]["TableStatus"] == "ACTIVE":
                break
            time.sleep(0.05)
        else:
            sys.exit("load.py: the table bench never became ACTIVE")
    elif what == "fixed":
        batch(conn, [item("g%d" % i, 0) for i in range(1000)] +
              [item("q", i) for i in range(100)])
    elif what == "many":
        n = int(sys.argv[3])
        step = 25 * 400
        for base in range(0, n, step):
            batch(conn, [item("m%d" % i, 0)
                         for i in range(base, min(n, base + step))])
    else:
        sys.exit("load.py: unknown step " + what)


main()
