#!/usr/bin/python3
# cdp_ws.py CHROMIUM WS_URL MESSAGE: headless Chromium opens a WebSocket
# to WS_URL from a page's script, sends MESSAGE and prints "got=REPLY"
# (or "error", "timeout").  The page is driven over the DevTools protocol
# (python3-websockets), since --dump-dom does not wait for a socket.
import asyncio
import json
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

import websockets

JS = """new Promise((res) => {
  const ws = new WebSocket(%s);
  ws.onopen = () => ws.send(%s);
  ws.onmessage = (e) => { res("got=" + e.data); ws.close(); };
  ws.onerror = () => res("error");
  setTimeout(() => res("timeout"), 15000);
})"""


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def page_url(port):
    for _ in range(200):
        try:
            with urllib.request.urlopen(
                    "http://127.0.0.1:%d/json/list" % port, timeout=2) as r:
                for t in json.load(r):
                    if t.get("type") == "page":
                        return t["webSocketDebuggerUrl"]
        except OSError:
            pass
        time.sleep(0.1)
    raise SystemExit("chromium's DevTools did not come up")


async def run(dbg, url, msg):
    async with websockets.connect(dbg, max_size=None) as cdp:
        await cdp.send(json.dumps({"id": 1, "method": "Runtime.evaluate",
                                   "params": {"expression": JS % (
                                       json.dumps(url), json.dumps(msg)),
                                       "awaitPromise": True,
                                       "returnByValue": True}}))
        while True:
            r = json.loads(await asyncio.wait_for(cdp.recv(), 30))
            if r.get("id") == 1:
                return r["result"]["result"].get("value")


def main():
    chromium, url, msg = sys.argv[1:4]
    port = free_port()
    with tempfile.TemporaryDirectory() as prof:
        p = subprocess.Popen([chromium, "--headless=new", "--no-sandbox",
                              "--disable-gpu", "--no-first-run",
                              "--user-data-dir=" + prof,
                              "--remote-debugging-port=%d" % port,
                              "about:blank"],
                             stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        try:
            print(asyncio.run(run(page_url(port), url, msg)), flush=True)
        finally:
            p.kill()
            p.wait()


main()
