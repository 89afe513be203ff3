#!/bin/bash
# CORS as a real browser sees it (issue 10): headless Chromium loads a page
# from another origin (python's http.server on its own port) whose script
# fetch()es lambdad's routes; each call must succeed or be blocked exactly
# as the [cors] configuration says.  The same page served as
# http://localhost:PORT is another origin, one that is not allowed.
. "$(dirname "$0")/lib.sh"

CHROMIUM=$(command -v chromium || command -v chromium-browser)
if [ -z "$CHROMIUM" ]; then echo "Bail out! no chromium (make deps-test installs it)"; exit 1; fi
plan 14

PP=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$T/www"
cat > "$T/www/page.html" <<'HTML'
<html><body><pre id="out"></pre><script>
const api = new URLSearchParams(location.search).get("api");
const out = document.getElementById("out");
out.textContent = "\n";
const own = encodeURIComponent(JSON.stringify({statusCode: 200, headers:
    {"X-Own": "exposed", "X-Secret": "hidden"}, body: "raw"}));
async function t(name, path, opts) {
	try {
		const r = await fetch(api + path, opts);
		const b = await r.text();
		out.textContent += name + "=ok " + r.status + " own=" +
		    r.headers.get("x-own") + " secret=" + r.headers.get("x-secret") +
		    " body=" + b.slice(0, 12) + "\n";
	} catch (e) {
		out.textContent += name + "=blocked\n";
	}
}
(async () => {
	const json = {"Content-Type": "application/json"};
	await t("simple", "/web/raw?n=" + own, {});
	await t("put", "/web/pid", {method: "PUT", body: "{}",
	    headers: {"Content-Type": "application/json", "X-Custom": "1"}});
	await t("cookie", "/web/pid", {credentials: "include"});
	await t("badheader", "/web/pid", {headers: {"X-Forbidden": "1"}});
	await t("badmethod", "/web/pid", {method: "DELETE"});
	await t("corsoff", "/off/pid", {});
	await t("throttled", "/thr/pid", {});
	await t("throttled", "/thr/pid", {});
	out.textContent += "done\n";
})();
</script></body></html>
HTML
python3 -m http.server "$PP" --bind 127.0.0.1 --directory "$T/www" >"$T/www.log" 2>&1 &
PIDS="$PIDS $!"

fn web "$TH/misc" 'route = GET /web/{action}' 'route = PUT /web/{action}' \
	'route = DELETE /web/{action}'
fn off "$TH/misc" 'route = GET /off/{action}' 'cors = off'
fn thr "$TH/misc" 'route = GET /thr/{action}' 'throttle_rate = 0.001' 'throttle_burst = 1'
EXTRA_CONF="[cors]
allow_origins = http://127.0.0.1:$PP
allow_methods = GET, PUT
allow_headers = content-type, x-custom
expose_headers = x-own
allow_credentials = on"
start_daemon
i=0; while ! curl -s -o /dev/null "http://127.0.0.1:$PP/page.html" && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done

# browse ORIGIN: load the page from ORIGIN, wait for its fetches; sets DOM.
browse() {
	DOM=$(timeout 60 "$CHROMIUM" --headless=new --no-sandbox --disable-gpu \
		--no-first-run --user-data-dir="$T/chrome-$RANDOM" \
		--virtual-time-budget=15000 --dump-dom "$1/page.html?api=$URL" \
		2>"$T/chrome.err")
}
line() { printf '%s\n' "$DOM" | sed -n "s/^$1=//p" | head -n 1; }

browse "http://127.0.0.1:$PP"
like "$DOM" 'done' "the page ran every fetch"
is "$(line simple)" "ok 200 own=exposed secret=null body=raw" \
	"a simple GET from the allowed origin: read, X-Own exposed, X-Secret not"
like "$(line put)" '^ok 200 own=null secret=null body=\{"pid":' \
	"PUT with Content-Type and X-Custom: the preflight passes, the reply is read"
like "$(line cookie)" '^ok 200' "credentials: include works with allow_credentials = on"
is "$(line badheader)" blocked "a header not in allow_headers: blocked by the browser"
is "$(line badmethod)" blocked "a method not in allow_methods: blocked by the browser"
is "$(line corsoff)" blocked "a function with cors = off (no CORS headers): blocked"
is "$(printf '%s\n' "$DOM" | grep -c '^throttled=ok 200')" 1 "the throttled route: one 200"
is "$(printf '%s\n' "$DOM" | grep -c '^throttled=ok 429')" 1 \
	"then a 429 the page can read (the 429 carries the CORS headers)"
like "$(dlog)" '\[web\] START' "the allowed calls reached the function"
is "$(grep -c '\[web\] START' "$T/daemon.log")" 3 "three web calls ran: simple, put, cookie; the blocked DELETE never left the browser"

browse "http://localhost:$PP"
like "$DOM" 'done' "the same page from http://localhost:PORT ran"
is "$(line simple)" blocked "another origin: even the simple GET's reply is withheld"
is "$(line put)" blocked "and its preflighted PUT is blocked"

done_testing
