#!/usr/bin/python3
# fuzz_ws_gen.py: writes corpus/fuzz_ws/, client frames (masked, as
# RFC 6455 wants them) for fuzz_ws: text and binary messages, JSON with
# and without an action, fragments, pings, a close, frames over the
# driver's max_frame (1024) and messages over its max_message (4096).
# The first byte of each input also sets the driver's write chunk size.
import os
import struct

MASK = b"\x37\xfa\x21\x3d"


def frame(op, payload, fin=True, mask=MASK):
    b0 = (0x80 if fin else 0) | op
    n = len(payload)
    if n < 126:
        head = bytes([b0, 0x80 | n])
    elif n < 65536:
        head = bytes([b0, 0x80 | 126]) + struct.pack(">H", n)
    else:
        head = bytes([b0, 0x80 | 127]) + struct.pack(">Q", n)
    return head + mask + bytes(c ^ mask[i % 4] for i, c in enumerate(payload))


seeds = {
    "text": frame(1, b'{"action":"echo","data":"hi"}'),
    "nested": frame(1, b'{"a":{"b":"route"},"action":7}'),
    "notjson": frame(1, b"hello"),
    "binary": frame(2, bytes(range(256))),
    "frags": frame(1, b'{"act', fin=False) + frame(0, b'ion":"x', fin=False) +
             frame(9, b"ping-in-between") + frame(0, b'"}'),
    "ping": frame(9, b"are you there") + frame(10, b"unsolicited"),
    "close": frame(1, b"bye") + frame(8, struct.pack(">H", 1000) + b"done"),
    "bigframe": frame(1, b"a" * 2000),
    "bigmsg": b"".join(frame(1 if i == 0 else 0, b"b" * 1000, fin=i == 4)
                       for i in range(5)),
    "unmasked": bytes([0x81, 0x03]) + b"abc",
    "badutf8": frame(1, b"\xc3\x28\xed\xa0\x80"),
    "len64": frame(2, b"z" * 300)[:2] + b"\x7f" + struct.pack(">Q", 1 << 40),
    "rsv": bytes([0xc1]) + frame(1, b"x")[1:],
    "many": b"".join(frame(1, b'{"action":"a%d"}' % i) for i in range(30)),
}
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus",
                   "fuzz_ws")
os.makedirs(out, exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)
