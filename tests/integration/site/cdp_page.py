#!/usr/bin/python3
# cdp_page.py CHROMIUM URL: headless Chromium loads URL and, once the page
# and its subresources are loaded, prints "title=T img=W" (document.title
# and the naturalWidth of the page's first image; 0 if it did not load).
# Driven over the DevTools protocol (python3-websockets), as cdp_ws.py.
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
  const done = () => {
    const img = document.images[0];
    res("title=" + document.title + " img=" + (img ? img.naturalWidth : -1));
  };
  if (document.readyState === "complete") done();
  else window.addEventListener("load", done);
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


async def call(cdp, n, method, params):
    await cdp.send(json.dumps({"id": n, "method": method, "params": params}))
    while True:
        r = json.loads(await asyncio.wait_for(cdp.recv(), 30))
        if r.get("id") == n:
            return r.get("result", {})


async def run(dbg, url):
    async with websockets.connect(dbg, max_size=None) as cdp:
        await call(cdp, 1, "Page.enable", {})
        await call(cdp, 2, "Page.navigate", {"url": url})
        for i in range(100):
            r = await call(cdp, 10 + i, "Runtime.evaluate",
                           {"expression": "location.href",
                            "returnByValue": True})
            if r.get("result", {}).get("value", "").startswith(url):
                break
            await asyncio.sleep(0.1)
        r = await call(cdp, 200, "Runtime.evaluate",
                       {"expression": JS, "awaitPromise": True,
                        "returnByValue": True})
        return r["result"].get("value")


def main():
    chromium, url = sys.argv[1:3]
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
            print(asyncio.run(run(page_url(port), url)), flush=True)
        finally:
            p.kill()
            p.wait()


main()
