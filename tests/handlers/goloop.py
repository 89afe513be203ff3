#!/usr/bin/env python3
# goloop: a runtime written here that speaks the Runtime API the way
# aws-lambda-go's multi-concurrency loop does (lambda/invoke_loop_gte_go122.go:
# AWS_LAMBDA_MAX_CONCURRENCY loops at once, each GET /next, call the
# handler, POST the result, again; net/http's pool gives each loop its own
# connection while busy and keeps only two idle ones, so a loop may post on
# a fresh connection).  Here: N threads, each with its own keep-alive
# connection for /next; every other post goes out on a new connection that
# is closed afterwards, as one the pool did not keep.  A non-200 /next or
# non-202 post ends the process, as the Go loop's error does.
#
# With GOLOOP_PIPE set it instead pipelines two GET /next on one
# connection (see pipe_loop).
#
# The handler: the event's "ms" (or the route's ?n=MS), sleep that long,
# reply {"pid","peak","threads","id"}: peak is the most invocations seen in
# the handler at once.
import http.client
import json
import os
import sys
import threading
import time

API = os.environ["AWS_LAMBDA_RUNTIME_API"]
HOST, PORT = API.rsplit(":", 1)
N = int(os.environ.get("AWS_LAMBDA_MAX_CONCURRENCY", "1") or "1")
BASE = "/2018-06-01/runtime/invocation/"
lock = threading.Lock()
state = {"in": 0, "peak": 0}


def conn():
    return http.client.HTTPConnection(HOST, int(PORT), timeout=None)


def handle(event, rid):
    ms = event.get("ms")
    if ms is None:
        q = event.get("rawQueryString", "")
        ms = int(q.split("=", 1)[1]) if "=" in q else 0
    with lock:
        state["in"] += 1
        state["peak"] = max(state["peak"], state["in"])
    print(f"{rid}\tgoloop handling", flush=True)
    time.sleep(ms / 1000.0)
    with lock:
        state["in"] -= 1
        peak = state["peak"]
    return {"pid": os.getpid(), "peak": peak, "threads": N, "id": rid}


def loop(k):
    c = conn()
    i = 0
    while True:
        c.request("GET", BASE + "next", headers={"User-Agent": "goloop"})
        r = c.getresponse()
        body = r.read()
        if r.status != 200:
            print(f"goloop: /next: HTTP {r.status}", file=sys.stderr, flush=True)
            os._exit(1)
        rid = r.getheader("Lambda-Runtime-Aws-Request-Id")
        out = json.dumps(handle(json.loads(body or b"{}"), rid)).encode()
        i += 1
        pc = conn() if i % 2 == 0 else c
        pc.request("POST", BASE + rid + "/response", body=out,
                   headers={"Content-Type": "application/json"})
        pr = pc.getresponse()
        pr.read()
        if pc is not c:
            pc.close()
        if pr.status != 202:
            print(f"goloop: post: HTTP {pr.status}", file=sys.stderr, flush=True)
            os._exit(1)


def read_reply(f):
    """One HTTP/1.1 reply off a socket file: (status, headers, body)."""
    status = int(f.readline().split()[1])
    h = {}
    while True:
        line = f.readline().decode().rstrip("\r\n")
        if not line:
            break
        k, v = line.split(":", 1)
        h[k.strip().lower()] = v.strip()
    return status, h, f.read(int(h.get("content-length", "0")))


def pipe_loop():
    # GOLOOP_PIPE: two GET /next pipelined on one connection, in one
    # write.  HTTP/1.1 answers them in order: the second is read once the
    # first is answered, then waits for its own invocation.  Both answers
    # go out after both events arrived, each naming the other.
    import socket
    s = socket.create_connection((HOST, int(PORT)))
    f = s.makefile("rb")
    get = f"GET {BASE}next HTTP/1.1\r\nHost: {API}\r\n\r\n".encode()
    while True:
        s.sendall(get + get)
        evs = []
        for _ in range(2):
            st, h, body = read_reply(f)
            if st != 200:
                os._exit(1)
            evs.append(h["lambda-runtime-aws-request-id"])
        for i, rid in enumerate(evs):
            out = json.dumps({"pid": os.getpid(), "pipelined": True, "id": rid,
                              "other": evs[1 - i]}).encode()
            c = conn()
            c.request("POST", BASE + rid + "/response", body=out,
                      headers={"Content-Type": "application/json"})
            r = c.getresponse()
            r.read()
            c.close()
            if r.status != 202:
                os._exit(1)


if os.environ.get("GOLOOP_PIPE"):
    pipe_loop()
for k in range(N):
    threading.Thread(target=loop, args=(k,), daemon=True).start()
threading.Event().wait()
