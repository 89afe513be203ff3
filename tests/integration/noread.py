#!/usr/bin/env python3
"""noread: clients that ask for many big replies and never read them.

usage: noread.py PORT CONNS REQS PATH READY_FILE STOP_FILE [--max-hold S]

Opens CONNS connections; on each pipelines REQS "GET PATH" requests
(keep-alive) as far as the server takes them, and never reads a byte.
READY_FILE is written ("sent R requests on C connections") once every
request is sent or the server stopped taking them; the connections are
held until STOP_FILE exists or --max-hold seconds pass, then closed
with a reset (SO_LINGER 0), as a client that gives up would.
"""
import argparse, os, resource, socket, struct, time

ap = argparse.ArgumentParser()
ap.add_argument("port", type=int)
ap.add_argument("conns", type=int)
ap.add_argument("reqs", type=int)
ap.add_argument("path")
ap.add_argument("ready")
ap.add_argument("stop")
ap.add_argument("--max-hold", type=float, default=60)
a = ap.parse_args()

soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
if soft < a.conns + 64:
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, a.conns + 64), hard))

one = ("GET %s HTTP/1.1\r\nHost: t\r\n\r\n" % a.path).encode()
socks, sent = [], 0
for _ in range(a.conns):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    # A small receive buffer (before connect, so the window stays small):
    # the kernel holds little of what we ignore, so the server's side of
    # the backpressure is what is tested.
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
    s.settimeout(10)
    s.connect(("127.0.0.1", a.port))
    s.setblocking(False)
    socks.append(s)
for s in socks:
    data = one * a.reqs
    deadline = time.monotonic() + 10
    while data and time.monotonic() < deadline:
        try:
            n = s.send(data)
            data = data[n:]
        except BlockingIOError:
            time.sleep(0.01)
    sent += a.reqs - (len(data) + len(one) - 1) // len(one)
with open(a.ready, "w") as f:
    f.write("sent %d requests on %d connections\n" % (sent, len(socks)))

end = time.monotonic() + a.max_hold
while not os.path.exists(a.stop) and time.monotonic() < end:
    time.sleep(0.1)
for s in socks:
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()
