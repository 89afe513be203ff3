#!/bin/bash
# systemd: the generated unit verifies; Type=notify READY, watchdog pings,
# STOPPING; <N> priority prefixes under journald.
. "$(dirname "$0")/lib.sh"
plan 8

# The unit as `make install` writes it, pointed at this build.
make -s -C "$ROOT" build/lambdad.service >/dev/null
sed "s|^ExecStart=[^ ]*|ExecStart=$B/lambdad|" "$B/lambdad.service" > "$T/lambdad.service"
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
fn f "$TH/misc" 'route = GET /f/{action}'
NOTIFY_SOCKET="$T/notify.sock" WATCHDOG_USEC=200000 JOURNAL_STREAM=8:1 start_daemon
sleep 0.6
like "$(cat "$T/notify.out")" 'READY=1' "READY=1 once listening"
n=$(grep -c 'WATCHDOG=1' "$T/notify.out")
[ "$n" -ge 3 ]; ok $? "watchdog pings at half of WATCHDOG_USEC ($n in 0.6 s, 3 or more wanted)"
req GET /f/pid
is "$STATUS" 200 "serves under systemd's variables"
like "$(grep 'listening on' "$T/daemon.log")" '^<6>listening on' "log lines carry <N> priorities under journald"
stop_daemon
sleep 0.3
like "$(cat "$T/notify.out")" 'STOPPING=1' "STOPPING=1 on SIGTERM"
is "$DEXIT" 0 "and exits 0"
done_testing
