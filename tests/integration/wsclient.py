#!/usr/bin/python3
# wsclient.py: a WebSocket client for 42-websocket.t, on Debian's
# python3-websockets (asyncio).  Connects to URL, runs the steps given as
# arguments in order, prints one line per event:
#
#   send:TEXT        a text message            sendbin:HEX   a binary one
#   sendfrag:N:SIZE  one text message of N fragments of SIZE bytes ('a's)
#   sendbig:SIZE     one text message of SIZE bytes, one frame
#   recv             wait for a message: "TEXT payload" / "BINARY hex"
#   recvto:SECONDS   the same with a timeout ("TIMEOUT")
#   ping             a ping, "PONG" once answered
#   sleep:SECONDS    close              (a normal close, 1000)
#   waitclose:SECONDS  wait for the server to close: "CLOSED code"
#   id               print "ID connectionId" (asks the whoami route)
#
# A refused upgrade prints "REFUSED status"; a connection the server
# closes prints "CLOSED code" where it is noticed.  -H 'Name: value' adds
# a header to the upgrade request.
import asyncio
import json
import sys

import websockets


async def step(ws, s):
    op, _, arg = s.partition(":")
    if op == "send":
        await ws.send(arg)
    elif op == "sendbin":
        await ws.send(bytes.fromhex(arg))
    elif op == "sendfrag":
        n, size = (int(x) for x in arg.split(":"))
        await ws.send(["a" * size for _ in range(n)])
    elif op == "sendbig":
        await ws.send("a" * int(arg))
    elif op in ("recv", "recvto"):
        t = float(arg) if arg else 10
        try:
            m = await asyncio.wait_for(ws.recv(), t)
        except asyncio.TimeoutError:
            print("TIMEOUT", flush=True)
            return
        if isinstance(m, bytes):
            print("BINARY", m.hex(), flush=True)
        else:
            print("TEXT", m, flush=True)
    elif op == "ping":
        w = await ws.ping()
        await asyncio.wait_for(w, 10)
        print("PONG", flush=True)
    elif op == "sleep":
        await asyncio.sleep(float(arg))
    elif op == "close":
        await ws.close()
        print("CLOSED", ws.close_code, flush=True)
    elif op == "waitclose":
        try:
            await asyncio.wait_for(ws.wait_closed(), float(arg or 10))
            print("CLOSED", ws.close_code, flush=True)
        except asyncio.TimeoutError:
            print("OPEN", flush=True)
    elif op == "id":
        await ws.send(json.dumps({"action": "whoami"}))
        ev = json.loads(await asyncio.wait_for(ws.recv(), 10))
        print("ID", ev["requestContext"]["connectionId"], flush=True)
    else:
        raise SystemExit("unknown step " + s)


async def main(argv):
    headers = []
    while argv and argv[0] == "-H":
        k, _, v = argv[1].partition(":")
        headers.append((k.strip(), v.strip()))
        argv = argv[2:]
    url, steps = argv[0], argv[1:]
    try:
        ws = await websockets.connect(url, extra_headers=headers,
                                      ping_interval=None, max_size=None,
                                      open_timeout=15)
    except websockets.exceptions.InvalidStatusCode as e:
        print("REFUSED", e.status_code, flush=True)
        return
    print("OPEN", flush=True)
    try:
        for s in steps:
            await step(ws, s)
    except websockets.exceptions.ConnectionClosed as e:
        print("CLOSED", e.code, flush=True)
    await ws.close()


asyncio.run(main(sys.argv[1:]))
