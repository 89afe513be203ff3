#!/usr/bin/env python3
"""rawhttp: send raw bytes to a server and print what comes back.

usage: rawhttp.py PORT [--delay-after-headers S] [--slow S] [--read-for S] < request
Reads the request bytes on stdin (\\n is sent as is; write \\r\\n yourself),
sends them, and prints the server's bytes until it closes or --read-for
seconds pass.  --slow S sends one byte every S seconds.  --split N sends
the first N bytes, waits for an interim reply, then the rest.
"""
import socket, sys, time, argparse

ap = argparse.ArgumentParser()
ap.add_argument("port", type=int)
ap.add_argument("--slow", type=float, default=0)
ap.add_argument("--split", type=int, default=-1)
ap.add_argument("--read-for", type=float, default=5)
a = ap.parse_args()
data = sys.stdin.buffer.read()
s = socket.create_connection(("127.0.0.1", a.port))
out = b""
try:
    if a.slow:
        for i in range(len(data)):
            s.sendall(data[i:i + 1])
            time.sleep(a.slow)
    elif a.split >= 0:
        s.sendall(data[:a.split])
        s.settimeout(3)
        interim = s.recv(65536)
        out += interim
        sys.stdout.write("INTERIM-BEFORE-BODY %r\n" % interim[:40])
        s.sendall(data[a.split:])
    else:
        s.sendall(data)
except (BrokenPipeError, ConnectionResetError):
    pass
end = time.time() + a.read_for
s.settimeout(0.2)
while time.time() < end:
    try:
        b = s.recv(65536)
    except socket.timeout:
        continue
    except ConnectionResetError:
        break
    if not b:
        break
    out += b
sys.stdout.write(out.decode("latin-1"))
