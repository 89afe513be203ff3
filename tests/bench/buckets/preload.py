#!/usr/bin/env python3
# preload.py HOST PORT PREFIX COUNT SIZE: PUT COUNT objects of SIZE bytes
# at /bench/PREFIXi on one keep-alive connection; exits 1 on any non-200.
import http.client
import sys

host, port, prefix, count, size = sys.argv[1], int(sys.argv[2]), \
    sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
body = b"x" * size
conn = http.client.HTTPConnection(host, port, timeout=60)
for i in range(count):
    conn.request("PUT", "/bench/%s%d" % (prefix, i), body=body)
    r = conn.getresponse()
    r.read()
    if r.status != 200:
        sys.exit("PUT /bench/%s%d: %d" % (prefix, i, r.status))
