#!/usr/bin/env python3
"""Write the seeds of fuzz_admin (corpus/fuzz_admin/): the requests
lambdactl sends (gateway/lambdactl.c) and tests/integration/16-admin.t
makes, and some it refuses, each as a seed byte and the bytes on the
socket.  The fixture's functions are alpha and beta."""
import os

D = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "fuzz_admin")

def req(method, target, body=b"", extra=b""):
    h = b"%s %s HTTP/1.1\r\nHost: lambdad\r\n" % (method, target) + extra
    if body or method in (b"POST", b"PUT"):
        h += b"Content-Length: %d\r\n" % len(body)
    return h + b"\r\n" + body

seeds = {
    "status": req(b"GET", b"/status"),
    "ls": req(b"GET", b"/functions"),
    "fn": req(b"GET", b"/functions/alpha"),
    "fn_missing": req(b"GET", b"/functions/nosuch"),
    "fn_badname": req(b"GET", b"/functions/a%20b"),
    "invoke": req(b"POST", b"/functions/alpha/invoke", b'{"k":"v"}'),
    "invoke_empty": req(b"POST", b"/functions/beta/invoke"),
    "invoke_missing": req(b"POST", b"/functions/nosuch/invoke", b"{}"),
    "logs": req(b"GET", b"/functions/alpha/logs"),
    "logs_after": req(b"GET", b"/functions/alpha/logs?after=3"),
    "logs_follow": req(b"GET", b"/functions/alpha/logs?after=0&wait=1"),
    "logs_bad": req(b"GET", b"/functions/alpha/logs?x=1"),
    "reload": req(b"POST", b"/reload"),
    "metrics": req(b"GET", b"/metrics"),
    "openapi": req(b"GET", b"/openapi"),
    "tables": req(b"GET", b"/tables"),
    "backup": req(b"POST", b"/tables/cart/backup", b'{"file":"/tmp/fuzz_admin_backup.db"}'),
    "backup_bad": req(b"POST", b"/tables/cart/backup", b"[]"),
    "keys": req(b"GET", b"/keys"),
    "keys_add": req(b"POST", b"/keys", b'{"name":"k1","plan":"basic"}'),
    "keys_rm": req(b"DELETE", b"/keys/k1"),
    "deploy": req(b"PUT", b"/functions/gamma?route=POST%20%2Fgamma&memory=64&env=A%3Db",
                  b"#!/bin/sh\nexit 0\n"),
    "deploy_empty": req(b"PUT", b"/functions/gamma"),
    "deploy_conf_fn": req(b"PUT", b"/functions/alpha", b"#!/bin/sh\n"),
    "rm_missing": req(b"DELETE", b"/functions/gamma"),
    "rm_conf_fn": req(b"DELETE", b"/functions/beta"),
    "method": req(b"DELETE", b"/status") + req(b"PATCH", b"/functions/alpha"),
    "notfound": req(b"GET", b"/nope") + req(b"GET", b"/functions/alpha/what"),
    "pipelined": req(b"GET", b"/status") + req(b"GET", b"/functions") +
        req(b"POST", b"/functions/alpha/invoke", b"{}") + req(b"GET", b"/metrics"),
    "keepalive_close": req(b"GET", b"/status", extra=b"Connection: close\r\n") +
        req(b"GET", b"/functions"),
    "http10": b"GET /status HTTP/1.0\r\n\r\n",
    "chunked": b"POST /functions/alpha/invoke HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"2\r\n{}\r\n0\r\n\r\n",
    "expect": req(b"POST", b"/keys", b'{"name":"k2","plan":"p"}',
                  extra=b"Expect: 100-continue\r\n"),
    "garbage": b"\x00\x01GET / HTTP/9.9\r\n\r\n",
    "big_header": req(b"GET", b"/status", extra=b"X-Pad: " + b"a" * 17000 + b"\r\n"),
}

os.makedirs(D, exist_ok=True)
for i, (name, data) in enumerate(seeds.items()):
    with open(os.path.join(D, name), "wb") as f:
        f.write(bytes([i * 37 % 256]) + data)
print(len(seeds), "seeds in", D)
