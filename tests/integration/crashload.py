#!/usr/bin/env python3
"""Mixed load for 30-crash.t until the daemon stops answering.

crashload.py URL DDB_URL TAG OUTDIR: three threads, each in a loop until a
connection fails (the test SIGKILLs the daemon under it) or 30 s pass:
  events: Event invocations of `ev` that print "ev-TAG-N"; every one
          answered 202 is appended to OUTDIR/events.acked;
  writes: PutItem of key "TAG-N" into table crash; every 200 is appended
          to OUTDIR/writes.acked;
  sync:   RequestResponse invocations of `ev` (pid); counts in sync.count.
Each acknowledgement is written and flushed before the next request, so a
line in an .acked file is a promise the daemon made.
"""
import http.client
import json
import os
import sys
import threading
import time
from urllib.parse import urlparse

URL, DDB, TAG, OUT = sys.argv[1:5]
DEADLINE = time.monotonic() + 30


def conn(url):
    u = urlparse(url)
    return http.client.HTTPConnection(u.hostname, u.port, timeout=10)


def loop(url, name, request):
    c = conn(url)
    n = 0
    with open(os.path.join(OUT, name), "a") as out:
        while time.monotonic() < DEADLINE:
            n += 1
            try:
                line = request(c, n)
            except (OSError, http.client.HTTPException):
                return
            if line:
                out.write(line + "\n")
                out.flush()


def event(c, n):
    text = "ev-%s-%d" % (TAG, n)
    body = json.dumps({"action": "print", "text": text}, separators=(",", ":"))
    c.request("POST", "/2015-03-31/functions/ev/invocations", body,
              {"X-Amz-Invocation-Type": "Event"})
    r = c.getresponse()
    r.read()
    return text if r.status == 202 else None


def write(c, n):
    key = "%s-%d" % (TAG, n)
    body = json.dumps({"TableName": "crash",
                       "Item": {"k": {"S": key}, "n": {"N": str(n)}}})
    c.request("POST", "/", body,
              {"Content-Type": "application/x-amz-json-1.0",
               "X-Amz-Target": "DynamoDB_20120810.PutItem"})
    r = c.getresponse()
    r.read()
    return key if r.status == 200 else None


def sync(c, n):
    c.request("POST", "/2015-03-31/functions/ev/invocations",
              '{"action":"pid"}')
    r = c.getresponse()
    r.read()
    return str(r.status)


threads = [threading.Thread(target=loop, args=(URL, "events.acked", event)),
           threading.Thread(target=loop, args=(DDB, "writes.acked", write)),
           threading.Thread(target=loop, args=(URL, "sync.codes", sync))]
for t in threads:
    t.start()
for t in threads:
    t.join()
