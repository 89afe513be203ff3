#!/usr/bin/env python3
"""slowclients: N slow (slowloris) connections, each trickling its request.

usage: slowclients.py PORT N READY_FILE [--every S] [--max-time S]

Connections are of three kinds, in turn:
  head    sends a request line, then one header byte every --every seconds
          and never ends the header block
  body    sends whole headers (Content-Length: 1000000), then one body byte
          every --every seconds: never a long gap, but far too slow
  stall   sends whole headers with a body length, then nothing

Every connection keeps trickling until the server answers or closes it, or
--max-time passes (the bound of the whole run).  READY_FILE is written once
all N are open and have sent their first bytes.  At the end one line per
kind: "KIND: N conns, K got 408, C closed without 408, O open at the end,
max S.s" (seconds from a connection's first byte to its 408), and
"total 408: K of N".
"""
import argparse, resource, selectors, socket, sys, time

ap = argparse.ArgumentParser()
ap.add_argument("port", type=int)
ap.add_argument("n", type=int)
ap.add_argument("ready")
ap.add_argument("--every", type=float, default=0.5)
ap.add_argument("--max-time", type=float, default=60)
a = ap.parse_args()

soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
if soft < a.n + 64:
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, a.n + 64), hard))

KINDS = ("head", "body", "stall")
FIRST = {
    "head": b"GET /hello/slow HTTP/1.1\r\nHost: t\r\nX-Slow: ",
    "body": b"POST /hello/slow HTTP/1.1\r\nHost: t\r\n"
            b"Content-Length: 1000000\r\n\r\n",
    "stall": b"POST /hello/slow HTTP/1.1\r\nHost: t\r\n"
             b"Content-Length: 1000\r\n\r\n",
}


class Conn:
    def __init__(self, kind):
        self.kind = kind
        self.s = socket.create_connection(("127.0.0.1", a.port), timeout=10)
        self.s.setblocking(False)
        self.s.send(FIRST[kind])
        self.t0 = time.monotonic()
        self.reply = b""
        self.done = None          # "408", "closed", or None (still open)
        self.at = None

    def trickle(self):
        if self.kind == "stall" or self.done:
            return
        try:
            self.s.send(b"a")
        except (BlockingIOError, InterruptedError):
            pass
        except OSError:
            self.finish()

    def readable(self):
        try:
            d = self.s.recv(4096)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            d = b""
        self.reply += d
        if not d or b"\r\n" in self.reply:
            self.finish()

    def finish(self):
        if self.done:
            return
        self.at = time.monotonic() - self.t0
        self.done = "408" if self.reply.startswith(b"HTTP/1.1 408 ") else "closed"
        sel.unregister(self.s)
        self.s.close()


sel = selectors.DefaultSelector()
conns = []
for i in range(a.n):
    c = Conn(KINDS[i % len(KINDS)])
    sel.register(c.s, selectors.EVENT_READ, c)
    conns.append(c)
with open(a.ready, "w") as f:
    f.write("opened %d\n" % len(conns))

start = time.monotonic()
next_tick = start + a.every
while time.monotonic() - start < a.max_time:
    if all(c.done for c in conns):
        break
    for key, _ in sel.select(timeout=max(0.0, next_tick - time.monotonic())):
        key.data.readable()
    if time.monotonic() >= next_tick:
        for c in conns:
            c.trickle()
        next_tick += a.every

total = 0
for k in KINDS:
    cs = [c for c in conns if c.kind == k]
    got = [c for c in cs if c.done == "408"]
    closed = [c for c in cs if c.done == "closed"]
    total += len(got)
    mx = max((c.at for c in got), default=0.0)
    print("%s: %d conns, %d got 408, %d closed without 408, %d open at the "
          "end, max %.1fs" % (k, len(cs), len(got), len(closed),
                              len(cs) - len(got) - len(closed), mx))
print("total 408: %d of %d" % (total, len(conns)))
sys.stdout.flush()
