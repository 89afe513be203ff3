#!/usr/bin/env python3
"""holdconns: open N keep-alive connections, one request each, and hold them.

usage: holdconns.py PORT N PATH READY_FILE STOP_FILE [--max-hold S]

Each connection sends "GET PATH" (HTTP/1.1, keep-alive) and reads the whole
reply, so the daemon sees N idle keep-alive connections.  Then READY_FILE is
written ("opened N, answered M"), and the connections are held until
STOP_FILE exists (or --max-hold seconds pass).  At the end it prints how many
of them the server had closed meanwhile: "closed K of N".
"""
import argparse, os, resource, select, socket, sys, time

ap = argparse.ArgumentParser()
ap.add_argument("port", type=int)
ap.add_argument("n", type=int)
ap.add_argument("path")
ap.add_argument("ready")
ap.add_argument("stop")
ap.add_argument("--max-hold", type=float, default=60)
a = ap.parse_args()

soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
if soft < a.n + 64:
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, a.n + 64), hard))

req = ("GET %s HTTP/1.1\r\nHost: t\r\n\r\n" % a.path).encode()
socks, answered = [], 0
# Open and send in batches, then read the replies of each batch: bounded
# and quick even for 10,000 connections.
BATCH = 200
for start in range(0, a.n, BATCH):
    batch = []
    for _ in range(min(BATCH, a.n - start)):
        s = socket.create_connection(("127.0.0.1", a.port), timeout=10)
        s.sendall(req)
        batch.append(s)
    for s in batch:
        buf = b""
        while b"\r\n\r\n" not in buf:
            d = s.recv(65536)
            if not d:
                break
            buf += d
        head, _, body = buf.partition(b"\r\n\r\n")
        clen = 0
        for line in head.split(b"\r\n")[1:]:
            k, _, v = line.partition(b":")
            if k.strip().lower() == b"content-length":
                clen = int(v.strip())
        while len(body) < clen:
            d = s.recv(65536)
            if not d:
                break
            body += d
        if head.startswith(b"HTTP/1.1 "):
            answered += 1
    socks.extend(batch)

with open(a.ready + ".tmp", "w") as f:
    f.write("opened %d, answered %d\n" % (len(socks), answered))
os.rename(a.ready + ".tmp", a.ready)

closed = set()
deadline = time.time() + a.max_hold
# poll, not select: select stops at fd 1024.
p = select.poll()
for s in socks:
    p.register(s, select.POLLIN)
while not os.path.exists(a.stop) and time.time() < deadline:
    for fd, ev in p.poll(100):
        closed.add(fd)
        p.unregister(fd)
print("closed %d of %d" % (len(closed), len(socks)))
sys.stdout.flush()
