#!/bin/bash
# Restart without refusing a connection (issue 13 item 6): socket
# activation.  fakesd.py plays systemd's part (binds the front's and the
# Tables' addresses, passes them as LISTEN_FDS, restarts the daemon as
# `systemctl restart` does: SIGTERM, wait, start anew on the same sockets).
# Under a bounded wrk load through two restarts: 0 socket errors, 0
# non-2xx.  The counts are printed; what is checked is that none failed.
. "$(dirname "$0")/lib.sh"
plan 12

command -v wrk > /dev/null || { for i in $(seq 1 12); do skip "no wrk"; done; done_testing; exit 0; }
P=$(freeport)
D=$(freeport)
SD="$T/sd"
mkdir -p "$SD"
fn misc "$TH/misc" 'route = ANY /m/{action}' 'max_workers = 2' 'min_idle = 2'
cat > "$T/lambdad.conf" <<CONF
[lambdad]
listen = 127.0.0.1:$P
dynamodb_listen = 127.0.0.1:$D
invoke_api = on
functions = functions.d
state_dir = state
admin_socket = admin.sock
CONF
# up N: wait for daemon N to listen.
up() {
	for _ in $(seq 1 200); do
		grep -q 'listening on' "$SD/daemon.$1.log" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}
# restart N: ask for a restart, wait for daemon N.
restart() {
	touch "$SD/restart"
	up "$1"
}

python3 "$ROOT/tests/integration/fakesd.py" "$SD" "$LAMBDAD" "$T/lambdad.conf" \
	"127.0.0.1:$P" "127.0.0.1:$D" > "$SD/out" 2>&1 &
SDPID=$!
PIDS="$PIDS $SDPID"
up 1; ok $? "the daemon starts on the passed sockets"
is "$(grep -c 'systemd passed fd [34] (l[01])' "$SD/daemon.1.log")" 2 "it takes both"
unlike "$(cat "$SD/daemon.1.log")" "no listen address" "each serves the listener at its address"
is "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$P/m/pid")" 200 "the front answers on the passed socket"
st=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/x-amz-json-1.0' \
	-H 'X-Amz-Target: DynamoDB_20120810.ListTables' -d '{}' "http://127.0.0.1:$D/")
is "$st" 200 "so does dynamodb_listen"

# ---- two restarts under load ----
wrk -t2 -c16 -d7s "http://127.0.0.1:$P/m/pid" > "$T/wrk.out" 2>&1 &
WPID=$!
PIDS="$PIDS $WPID"
sleep 2
restart 2; ok $? "restarted under load (1)"
sleep 2
restart 3; ok $? "restarted under load (2)"
wait "$WPID"
sed 's/^/# /' "$T/wrk.out"
n=$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' "$T/wrk.out")
[ "${n:-0}" -gt 1000 ]; ok $? "wrk got its replies through both restarts ($n)"
unlike "$(cat "$T/wrk.out")" "Socket errors" "0 socket errors (connect, read, write, timeout)"
unlike "$(cat "$T/wrk.out")" "Non-2xx" "0 non-2xx replies"

touch "$SD/stop"
wait "$SDPID"
out=$(cat "$SD/out")
is "$(printf '%s\n' "$out" | grep -c 'exited 0')" 3 "each of the three daemons exited cleanly"
unlike "$(cat "$SD"/daemon.*.log)" "grace period over" "no request was cut short"
done_testing
