#!/bin/bash
# Configuration: lambdad -t, file:line errors, -l, and a broken config that
# never starts serving.
. "$(dirname "$0")/lib.sh"
plan 9

check() {	# check FILE: run lambdad -t, set OUT and RC
	OUT=$("$B/lambdad" -t -c "$1" 2>&1); RC=$?
}

printf '[lambdad]\nlisten = 127.0.0.1:0\n[function ok]\nbootstrap = %s\nroute = GET /x\n' "$TH/misc" > "$T/good.conf"
check "$T/good.conf"
is "$RC" 0 "-t: a valid config exits 0"
like "$OUT" 'configuration OK' "-t: says so"

printf '[lambdad]\nlisten = 127.0.0.1:0\n[function f]\nbootstrap = %s\ntimeout = 3s\n' "$TH/misc" > "$T/bad1.conf"
check "$T/bad1.conf"
is "$RC" 1 "-t: a bad value exits 1"
like "$OUT" "bad1.conf:5: " "-t: the error names file:line"

printf '[lambdad]\nlisten = 127.0.0.1:0\n[function f]\nbootstrap = %s\ncolour = blue\n' "$TH/misc" > "$T/bad2.conf"
check "$T/bad2.conf"
like "$OUT" "bad2.conf:5: .*colour" "-t: an unknown key is an error with file:line"

printf '[lambdad]\nlisten = 127.0.0.1:0\n[function f]\nbootstrap = %s\nroute = GET /a/{x}\n[function g]\nbootstrap = %s\nroute = GET /a/{y}\n' "$TH/misc" "$TH/misc" > "$T/bad3.conf"
check "$T/bad3.conf"
is "$RC" 1 "-t: two functions on one route exit 1"
like "$OUT" "bad3.conf:8: " "-t: the clash names the second route's line"

# A broken config does not start a daemon.
"$B/lambdad" -c "$T/bad1.conf" >/dev/null 2>&1; is "$?" 1 "a broken config: lambdad exits 1"

# -l overrides the listen address.
fn f "$TH/misc" 'route = GET /f/{action}'
start_daemon
req GET /f/pid
is "$STATUS" 200 "-l 127.0.0.1:0 serves on the port it reports"
done_testing
