#!/usr/bin/env python3
"""stall: a GET whose client stops reading, or reads slowly.

usage: stall.py PORT PATH stop KIB WAIT
       stall.py PORT PATH slow CHUNK_KIB PAUSE_MS

stop: reads the head and KIB KiB of the body, then reads nothing for
WAIT seconds, then reads on to the end (EOF, a reset, or 10 s of
silence).  slow: reads the whole reply, CHUNK_KIB KiB at a time with a
pause of PAUSE_MS after each.  Both use a small receive buffer (set
before connect), so the server, not the kernel, holds what is unread.

Prints one line: "status S length L got N sha256 H end E", where L is
the Content-Length, N the body bytes received, H their sha256 and E
"eof", "reset" or "silent".
"""
import hashlib, socket, sys, time

port, path, mode = int(sys.argv[1]), sys.argv[2], sys.argv[3]
a, b = int(sys.argv[4]), float(sys.argv[5])

s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
s.settimeout(10)
s.connect(("127.0.0.1", port))
s.sendall(("GET %s HTTP/1.1\r\nHost: t\r\n\r\n" % path).encode())

buf = b""
while b"\r\n\r\n" not in buf:
    d = s.recv(4096)
    if not d:
        break
    buf += d
head, _, body = buf.partition(b"\r\n\r\n")
lines = head.decode("latin-1").split("\r\n")
status = lines[0].split()[1] if lines and len(lines[0].split()) > 1 else "?"
length = -1
for l in lines[1:]:
    k, _, v = l.partition(":")
    if k.strip().lower() == "content-length":
        length = int(v.strip())

h = hashlib.sha256()
h.update(body)
got = len(body)
end = "eof"


def take(n):
    global got
    d = s.recv(n)
    if d:
        h.update(d)
        got += len(d)
    return d


try:
    if mode == "stop":
        while got < a * 1024:
            if not take(a * 1024 - got):
                break
        time.sleep(b)
    while length < 0 or got < length:
        want = a * 1024 if mode == "slow" else 65536
        left = want
        while left > 0 and (length < 0 or got < length):
            d = take(min(left, 65536))
            if not d:
                raise EOFError
            left -= len(d)
        if mode == "slow":
            time.sleep(b / 1000.0)
except EOFError:
    end = "eof"
except ConnectionResetError:
    end = "reset"
except socket.timeout:
    end = "silent"
print("status %s length %d got %d sha256 %s end %s" %
      (status, length, got, h.hexdigest(), end))
