#!/bin/bash
# Two daemons on one machine: a second one on the same admin socket or the
# same state_dir refuses to start (and the first keeps serving); a socket
# left by a SIGKILLed daemon is taken over; a daemon's exit does not remove
# a socket a later daemon made at the same path.
. "$(dirname "$0")/lib.sh"
plan 15

# The sockets live where the daemon, once it dropped root, may remove them.
chmod 0777 "$T"
mkdir -p "$T/run" && chmod 0777 "$T/run"
SOCK=$T/admin.sock	# lib.sh's
fn hello "$EX/hello/bootstrap" 'route = GET /hello/{name}'

# second NAME STATE_DIR SOCKET: start another daemon with its own config;
# sets P2 (its pid) and leaves its log in $T/NAME.log.
second() {
	mkdir -p "$T/$1"
	cat > "$T/$1/lambdad.conf" <<CONF
[lambdad]
listen = 127.0.0.1:1
state_dir = $2
admin_socket = $3
CONF
	: > "$T/$1.log"
	"$LAMBDAD" -c "$T/$1/lambdad.conf" -l 127.0.0.1:0 -v 2>>"$T/$1.log" &
	P2=$!
	PIDS="$PIDS $P2"
}
# exited PID: wait (up to 5 s) for it to exit; EXIT2 gets its exit status.
# (Not in $(...): only this shell can wait for its child.)
exited() {
	i=0
	while kill -0 "$1" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
	if kill -0 "$1" 2>/dev/null; then EXIT2=running; else wait "$1"; EXIT2=$?; fi
}
status_pid() { $B/lambdactl -s "$1" status 2>&1 | sed -n 's/.*"pid": *\([0-9]*\).*/\1/p; s/^pid[: ]*\([0-9]*\)$/\1/p' | head -n 1; }
ready2() { grep -q 'listening on' "$T/$1.log"; }

start_daemon
first=$DPID

# ---- the same admin socket ----
second b "$T/b-state" "$SOCK"
exited "$P2"; is "$EXIT2" 1 "a second daemon on the same admin socket exits 1"
like "$(cat "$T/b.log")" "another lambdad serves $SOCK \\(pid $first\\); stop it or choose another admin_socket" "saying who serves it"
out=$($B/lambdactl -s "$SOCK" status 2>&1); rc=$?
is "$rc" 0 "lambdactl status still reaches the first daemon"
like "$out" "$first" "the first one ($first)"
req GET /hello/one; is "$STATUS" 200 "and the first keeps serving"

# ---- the same state_dir ----
second c "$T/state" "$T/run/c.sock"
exited "$P2"; is "$EXIT2" 1 "a second daemon on the same state_dir exits 1"
like "$(cat "$T/c.log")" "state_dir $T/state is in use by another lambdad \\(pid $first\\)" "saying so, with the pid"
[ ! -e "$T/run/c.sock" ]; ok $? "and made no admin socket"

# ---- a stale socket, left by a SIGKILLed daemon, is taken over ----
kill -KILL "$first"; wait "$first" 2>/dev/null; DPID=
sleep 0.3	# its spawner exits with it, and lets go of the lock
[ -S "$SOCK" ]; ok $? "the killed daemon left its socket behind"
start_daemon
like "$(dlog)" "nobody answers there; taking it over" "a new daemon takes the stale socket over"
out=$($B/lambdactl -s "$SOCK" status 2>&1)
like "$out" "$DPID" "and answers there"

# ---- an exit does not remove a later daemon's socket ----
rm -f "$SOCK"		# someone removed it; a later daemon makes its own
second d "$T/d-state" "$SOCK"
i=0; while ! ready2 d && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
ready2 d; ok $? "a later daemon serves the same path"
stop_daemon
is "$DEXIT" 0 "the earlier daemon exits 0"
out=$($B/lambdactl -s "$SOCK" status 2>&1)
like "$out" "$P2" "the later daemon's socket is still there and answers ($P2)"
kill -TERM "$P2"; exited "$P2"
[ ! -e "$SOCK" ]; ok $? "the later daemon removes its own socket at exit"
done_testing
