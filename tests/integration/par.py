#!/usr/bin/env python3
# par.py URL REQ...: send every REQ at once (a thread each, its own
# connection) and print one JSON line per reply, in REQ order:
# {"status": N, "body": "...", "rid": "x-amzn-RequestId"}.  REQ is
# "GET /path" or "POST /path BODY".  A request with no reply prints
# {"status": 0, "error": "..."}.
import http.client, json, sys, threading
from urllib.parse import urlparse

u = urlparse(sys.argv[1])
reqs = sys.argv[2:]
out = [None] * len(reqs)


def one(i, spec):
    parts = spec.split(" ", 2)
    try:
        c = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
        c.request(parts[0], parts[1], body=parts[2] if len(parts) > 2 else None)
        r = c.getresponse()
        out[i] = {"status": r.status, "body": r.read().decode(errors="replace"),
                  "rid": r.getheader("x-amzn-RequestId") or ""}
    except Exception as e:
        out[i] = {"status": 0, "error": str(e)}


ts = [threading.Thread(target=one, args=(i, s)) for i, s in enumerate(reqs)]
for t in ts:
    t.start()
for t in ts:
    t.join()
for o in out:
    print(json.dumps(o))
