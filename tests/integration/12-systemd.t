#!/bin/bash
# systemd: the generated unit verifies; Type=notify READY, watchdog pings,
# STOPPING; <N> priority prefixes under journald.
. "$(dirname "$0")/lib.sh"
plan 13

# The unit as `make install` writes it, pointed at this build.
make -s -C "$ROOT" build/lambdad.service >/dev/null
sed -e "s|^ExecStart=[^ ]*|ExecStart=$B/lambdad|" \
	-e "s|^ExecReload=[^ ]*|ExecReload=$B/lambdactl|" "$B/lambdad.service" > "$T/lambdad.service"
like "$(grep '^Type=' "$T/lambdad.service")" 'Type=notify' "the unit is Type=notify"
if command -v systemd-analyze >/dev/null; then
	out=$(systemd-analyze verify --man=no "$T/lambdad.service" 2>&1); rc=$?
	is "$rc:$out" "0:" "systemd-analyze verify is clean"
else
	skip "systemd-analyze is not installed"
fi

# A notify socket of our own catches what lambdad tells systemd.
python3 - "$T/notify.sock" > "$T/notify.out" <<'PY' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1]); s.settimeout(0.2)
# Writable by all, as systemd's own: lambdad pings it after dropping root.
import os; os.chmod(sys.argv[1], 0o777)
end = time.time() + 6
while time.time() < end:
    try:
        print(s.recv(4096).decode().replace("\n", " "), flush=True)
    except socket.timeout:
        pass
PY
PIDS="$PIDS $!"
i=0; while [ ! -S "$T/notify.sock" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
# And a journal socket of our own catches the native-protocol entries.
python3 - "$T/journal.sock" > "$T/journal.out" <<'PY' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1]); s.settimeout(0.2)
import os; os.chmod(sys.argv[1], 0o666)	# as journald's own
end = time.time() + 6
while time.time() < end:
    try:
        print(s.recv(65536).decode().replace("\n", "|"), flush=True)
    except socket.timeout:
        pass
PY
PIDS="$PIDS $!"
i=0; while [ ! -S "$T/notify.sock" ] || [ ! -S "$T/journal.sock" ]; do
	[ $i -lt 100 ] || break; sleep 0.05; i=$((i + 1)); done
fn f "$TH/misc" 'route = GET /f/{action}'
LAMBDAD_JOURNAL_SOCKET="$T/journal.sock" NOTIFY_SOCKET="$T/notify.sock" \
	WATCHDOG_USEC=200000 JOURNAL_STREAM=8:1 start_daemon
sleep 0.6
like "$(cat "$T/notify.out")" 'READY=1' "READY=1 once listening"
n=$(grep -c 'WATCHDOG=1' "$T/notify.out")
[ "$n" -ge 3 ]; ok $? "watchdog pings at half of WATCHDOG_USEC ($n in 0.6 s, 3 or more wanted)"
req GET /f/pid
is "$STATUS" 200 "serves under systemd's variables"
like "$(grep 'listening on' "$T/daemon.log")" '^<6>listening on' "log lines carry <N> priorities under journald"
sleep 0.3
like "$(cat "$T/journal.out")" 'LAMBDA_FUNCTION=f\|LAMBDA_REQUEST_ID=([0-9a-f-]{36})\|MESSAGE=\[f\] START RequestId: \1 ' "function lines go to the journal with function and request id fields"
id=$(sed -n 's/.*LAMBDA_REQUEST_ID=\([0-9a-f-]*\).*START.*/\1/p' "$T/journal.out" | head -n 1)
like "$(grep "REPORT" "$T/journal.out")" 'PRIORITY=6\|SYSLOG_IDENTIFIER=lambdad' "with a priority and an identifier"
unlike "$(cat "$T/daemon.log")" "START RequestId: $id" "and not to stderr as well"
kill -HUP "$DPID"
sleep 0.3
like "$(cat "$T/notify.out")" 'RELOADING=1 MONOTONIC_USEC=[0-9]+' "SIGHUP: RELOADING=1 with MONOTONIC_USEC"
n=$(grep -c 'READY=1' "$T/notify.out")
[ "$n" -ge 2 ]; ok $? "READY=1 again after the reload ($n)"
stop_daemon
sleep 0.3
like "$(cat "$T/notify.out")" 'STOPPING=1' "STOPPING=1 on SIGTERM"
is "$DEXIT" 0 "and exits 0"
done_testing
