#!/usr/bin/python3
# ws_load.py URL PID NCONNS NACTIVE SECONDS: opens NCONNS WebSocket
# connections to URL (python3-websockets, 256 handshakes at a time), then
# NACTIVE of them send {"action":"echo"} messages one after the other for
# SECONDS, each waiting for its reply; prints the daemon's (PID) RSS before,
# with everything open and after the close, the time the opening took and
# the round trips per second.  Bounded: every wait has a timeout.
import asyncio
import json
import resource
import sys
import time

import websockets


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


async def open_one(url, sem, out):
    async with sem:
        try:
            out.append(await asyncio.wait_for(websockets.connect(
                url, ping_interval=None, close_timeout=1), 30))
        except Exception as e:  # counted, not fatal
            out.append(e)


async def talk(ws, until, counts):
    msg = json.dumps({"action": "echo", "data": "x"})
    while time.monotonic() < until:
        await ws.send(msg)
        r = await asyncio.wait_for(ws.recv(), 10)
        if r == "echo: x":
            counts[0] += 1
        else:
            if counts[1] == 0:
                print("first_bad", r[:200], flush=True)
            counts[1] += 1


async def main(url, pid, n, active, secs):
    lim = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (lim[1], lim[1]))
    print("rss_before_kb", rss_kb(pid), flush=True)
    sem = asyncio.Semaphore(256)
    conns = []
    t0 = time.monotonic()
    await asyncio.gather(*(open_one(url, sem, conns) for _ in range(n)))
    ok = [c for c in conns if not isinstance(c, Exception)]
    print("opened", len(ok), "of", n, "in_s", round(time.monotonic() - t0, 2),
          flush=True)
    if len(ok) < n:
        print("open_errors", repr(next(c for c in conns
                                       if isinstance(c, Exception))))
    await asyncio.sleep(1)
    print("rss_open_kb", rss_kb(pid), flush=True)
    counts = [0, 0]
    until = time.monotonic() + secs
    await asyncio.gather(*(talk(c, until, counts) for c in ok[:active]))
    print("round_trips", counts[0], "bad", counts[1], "per_s",
          round(counts[0] / secs), flush=True)
    still = sum(1 for c in ok if c.open)
    print("still_open", still, flush=True)
    await asyncio.gather(*(c.close() for c in ok), return_exceptions=True)
    await asyncio.sleep(2)
    print("rss_after_close_kb", rss_kb(pid), flush=True)


a = sys.argv[1:]
asyncio.run(asyncio.wait_for(main(a[0], int(a[1]), int(a[2]), int(a[3]),
                                  float(a[4])), 600))
