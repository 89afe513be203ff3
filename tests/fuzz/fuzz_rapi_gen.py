#!/usr/bin/env python3
"""Write the seeds of fuzz_rapi (corpus/fuzz_rapi/): the Runtime API
traffic of tests/integration/04-rapi.t (a worker's /next, its /response
and /error, an /init/error, a second /next, a late answer, a crash, a
timeout) as programs in fuzz_rapi.c's step language."""
import os

D = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "fuzz_rapi")

def submit(body=b"{}", fl=0):
    return bytes([0, (len(body) % 48) | fl]) + body
def connect(k=0): return bytes([2, k])
def nxt(c=0): return bytes([3, c])
def resp(c=0, sel=0, fl=0, body=b"ok"):
    return bytes([5, c, sel, fl, len(body)]) + body
def err(c=0, sel=0, fl=0, body=b'{"errorMessage":"boom","errorType":"Error"}'):
    return bytes([6, c, sel, fl, len(body)]) + body
def initerr(c=0, fl=0, body=b'{"errorMessage":"bad init","errorType":"Runtime.X"}'):
    return bytes([7, c, 0, fl, len(body)]) + body
def raw(c, data): return bytes([8, c, len(data)]) + data
def close(c=0): return bytes([9, c])
def timer(k=0, fl=0): return bytes([10, k, fl])
def die(k=0, st=2): return bytes([11, k, st])
def spawn(k=0): return bytes([12, k])
def log(k, data): return bytes([13, k, len(data)]) + data
DRAIN = bytes([13 + 14 * 9])

# one invocation, from spawn to answer, on a worker already asked for
CYCLE = spawn() + connect() + nxt() + resp() + nxt()

seeds = {
    "ok": b"\0\0" + submit(b'{"a":1}') + CYCLE,
    "ok_two": b"\0\0" + submit() + CYCLE + submit(b"[1,2]") + resp() + nxt(),
    "error": b"\0\0" + submit() + spawn() + connect() + nxt() + err() + nxt(),
    "error_text": b"\0\0" + submit() + spawn() + connect() + nxt() +
        err(fl=4, body=b"plain text") + nxt(),
    "initerr": b"\0\0" + submit() + spawn() + connect() + initerr(),
    "initerr_after": b"\0\0" + submit() + CYCLE + initerr(),
    "next_twice": b"\0\0" + submit() + spawn() + connect() + nxt() + nxt() + resp(),
    "late": b"\0\0" + submit() + CYCLE + resp(),
    "wrong_id": b"\0\0" + submit() + spawn() + connect() + nxt() +
        resp(sel=1) + resp(sel=3) + resp(sel=4) + resp(sel=2) + resp(),
    "timeout": b"\0\0" + submit() + spawn() + connect() + nxt() + timer() + resp(),
    "crash": b"\0\0" + submit() + spawn() + connect() + nxt() + die(0, 2),
    "crash_signal": b"\0\0" + submit() + spawn() + connect() + nxt() + die(0, 11),
    "seccomp": b"\0\0" + submit() + spawn() + connect() + nxt() + die(0, 63),
    "spawn_fails": b"\0\0" + submit() + spawn(0xe0) + submit() + spawn(0xc0),
    "init_crash": b"\0\0" + submit() + spawn() + die(0, 2),
    "init_timeout": b"\0\0" + submit() + spawn() + timer(),
    "idle_reap": b"\0\2" + submit() + CYCLE + timer(),
    "min_idle": b"\0\1" + spawn() + connect() + nxt() + submit() + resp() + nxt(),
    "logs": b"\0\0" + submit() + spawn() + connect() + log(0, b"hello\nworld\n") +
        nxt() + log(0, b"line\n") + resp(),
    "log_rate": b"\0\4" + submit() + spawn() + connect() + nxt() +
        log(0, b"a\nb\nc\nd\ne\nf\n") + resp(),
    "streaming": b"\0\0" + submit() + spawn() + connect() + nxt() + resp(fl=0x12),
    "stream_error": b"\0\0" + submit() + spawn() + connect() + nxt() + resp(fl=0x70),
    "bad_mode": b"\0\0" + submit() + spawn() + connect() + nxt() + resp(fl=3),
    "too_large": b"\0\0" + submit() + spawn() + connect() + nxt() + resp(fl=0x20),
    "expect": b"\0\0" + submit() + spawn() + connect() + nxt() + resp(fl=6),
    "conn_close": b"\0\0" + submit() + spawn() + connect() + nxt() + resp(fl=7) +
        connect() + nxt(),
    "next_gone": b"\0\0" + spawn() + submit() + connect() + close() + spawn() +
        connect() + nxt() + close(),
    "ping_raw": b"\0\0" + submit() + spawn() + connect() +
        raw(0, b"GET /ping HTTP/1.1\r\nHost: x\r\n\r\n") +
        raw(0, b"GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\n\r\n") + resp(),
    "garbage": b"\0\0" + submit() + spawn() + connect() +
        raw(0, b"PUT /2018-06-01/runtime/invocation/x/response HTTP/1.1\r\n"
            b"Content-Length: 1\r\n\r\nx") + raw(0, b"\x00\xff garbage\r\n\r\n"),
    "ddb": b"\0\0" + submit() + spawn() + connect() +
        raw(0, b"POST / HTTP/1.1\r\nX-Amz-Target: DynamoDB_20120810.ListTables\r\n"
            b"Content-Length: 2\r\n\r\n{}") + nxt() + resp(),
    "recycle": b"\x40\0" + submit() + CYCLE + submit() + resp() + nxt() + submit(),
    "queue_full": b"\0\0" + submit() * 6 + CYCLE + resp() + nxt(),
    "two_workers": b"\x04\0" + submit() + submit() + spawn() + spawn() +
        connect(0) + connect(1) + nxt(0) + nxt(1) + resp(0) + resp(1),
    "maxc2": b"\x02\0" + submit() + submit() + spawn() + connect() + connect() +
        nxt(0) + nxt(1) + resp(0) + resp(1) + nxt(0),
    "maxc4_timeout": b"\x03\0" + submit() + submit() + submit() + spawn() +
        connect() + connect() + nxt(0) + nxt(1) + nxt(0) + timer(0, 1) +
        resp(0) + resp(1, 8) + nxt(0),
    "maxc4_crash": b"\x03\0" + submit() + submit() + spawn() + connect() +
        nxt(0) + nxt(0) + die(0, 4),
    "drain": b"\0\0" + submit() + spawn() + connect() + nxt() + DRAIN + resp() +
        nxt() + submit(),
    "context": b"\0\0" + submit(b'{"k":"v"}', 0xc0) + CYCLE,
    "sandbox_none": b"\0\x08" + submit() + CYCLE,
}

os.makedirs(D, exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join(D, name), "wb") as f:
        f.write(data)
print(len(seeds), "seeds in", D)
