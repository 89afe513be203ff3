#!/bin/bash
# The admin socket and lambdactl: status, ls, deploy, invoke, logs, rm,
# reload, and what each refuses.
. "$(dirname "$0")/lib.sh"
plan 48

CTL="$B/lambdactl -s $T/admin.sock"
fn conf "$TH/misc" 'route = GET /c/{action}' 'min_idle = 1'
EXTRA_CONF='admin_group = nogroup'
start_daemon

# ---- the socket and read-only commands ----
is "$(stat -c '%a %F' "$T/admin.sock")" "660 socket" "the admin socket is a socket of mode 0660"
is "$(stat -c '%G' "$T/admin.sock")" nogroup "of the admin_group"
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups $CTL status 2>&1); rc=$?
is "$rc" 0 "a member of admin_group may use lambdactl"
out=$(setpriv --reuid=65533 --regid=65533 --clear-groups $CTL status 2>&1); rc=$?
like "$rc:$out" '^3:.*cannot reach lambdad at .*Permission denied' "anyone else is refused by the socket's mode"
out=$($CTL status -j); rc=$?
is "$rc" 0 "lambdactl status exits 0"
is "$(jget "$out" 'j["pid"]')" "$DPID" "status gives the daemon's pid"
is "$(jget "$out" 'j["functions"]')" 1 "status counts the functions"
out=$($CTL ls)
like "$out" '^NAME +IDLE/BUSY' "ls prints a header"
like "$out" 'conf .*GET /c/\{action\}' "ls lists the function with its route"
out=$($CTL ls -j)
is "$(jget "$out" 'j["functions"][0]["deployed"]')" false "a function from the config files is not marked deployed"

# ---- deploy ----
out=$($CTL deploy echo "$EX/echo/bootstrap" --route 'POST /echo' --memory 64 \
	--env 'GREETING=hi there' --set 'idle_timeout=60' 2>&1); rc=$?
is "$rc" 0 "deploy exits 0"
like "$out" 'deployed echo: 2 functions: 1 unchanged, 0 changed, 1 added' "deploy reports the reload"
req POST /echo -d '{"n":1}'
is "$STATUS" 200 "the deployed function answers on its route at once"
like "$BODY" '"body":"eyJuIjoxfQ=="' "and it is the echo function"
drop="$T/state/functions.d/echo.conf"
like "$(cat "$drop")" 'env = GREETING=hi there' "the drop-in file carries the settings"
like "$(cat "$drop")" "bootstrap = .*/state/code/echo/1/bootstrap" "the binary is version 1 under the state directory"
cmp -s "$EX/echo/bootstrap" "$T/state/code/echo/1/bootstrap"; ok $? "the copy is byte for byte the binary"
is "$($CTL ls -j | python3 -c 'import json,sys; print([f["deployed"] for f in json.load(sys.stdin)["functions"] if f["name"]=="echo"][0])')" True "ls marks it deployed"

# ---- invoke ----
out=$($CTL invoke echo '{"k":"v"}'); rc=$?
is "$rc" 0 "lambdactl invoke exits 0"
is "$out" '{"k":"v"}' "invoke prints the function's reply"
out=$($CTL invoke conf '{"action":"error"}' 2>"$T/err"); rc=$?
is "$rc" 1 "a function error makes invoke exit 1"
like "$(cat "$T/err")" 'conf: function-error' "and says so on stderr"
out=$(echo '{"from":"stdin"}' | $CTL invoke echo -)
is "$out" '{"from":"stdin"}' "invoke - reads the payload from stdin"
out=$($CTL invoke nosuch 2>&1); rc=$?
is "$rc" 1 "invoking an unknown function exits 1"
like "$out" 'no function nosuch' "with the reason"

# ---- logs ----
out=$($CTL logs echo)
like "$out" 'START RequestId: [0-9a-f-]{36}' "logs shows START lines"
like "$out" 'REPORT RequestId: .*Duration: ' "and REPORT lines"
$CTL logs conf -f > "$T/follow" 2>&1 &
fpid=$!; PIDS="$PIDS $fpid"
sleep 0.3
req GET /c/print?text=follow-me-123
i=0; while ! grep -q follow-me-123 "$T/follow" && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
grep -q 'follow-me-123' "$T/follow"; ok $? "logs -f shows a new line as it comes"
kill "$fpid" 2>/dev/null

# ---- what deploy refuses ----
out=$($CTL deploy echo "$EX/echo/bootstrap" --route 'POST /echo' --memory 5 2>&1); rc=$?
is "$rc" 1 "a deploy with a bad setting exits 1"
like "$out" 'echo.conf:[0-9]+: memory: 5 is out of range' "and names the file and line"
like "$(cat "$drop")" 'code/echo/1/bootstrap' "the previous drop-in is back"
[ ! -e "$T/state/code/echo/2" ]; ok $? "and the refused version's code is gone"
req POST /echo -d 'still'
is "$STATUS" 200 "the old version still serves"
out=$($CTL deploy conf "$EX/echo/bootstrap" 2>&1); rc=$?
is "$rc" 1 "deploying over a function from the config files is refused"
like "$out" 'defined at .*conf.conf:1' "and says where it is defined"
out=$($CTL deploy 'bad name' "$EX/echo/bootstrap" 2>&1)
like "$out" 'function name is 1 to 64' "a bad name is refused"
out=$($CTL deploy x "$EX/echo/bootstrap" --set 'bootstrap=/bin/sh' 2>&1)
like "$out" 'bootstrap: not a setting a deploy can give' "a deploy cannot point at another binary"
out=$($CTL deploy x "$EX/echo/bootstrap" --env 'A=1 ; comment' 2>&1)
like "$out" 'env: a comment' "a value that would be cut by a comment is refused"

# ---- rm ----
out=$($CTL rm echo); rc=$?
is "$rc" 0 "rm exits 0"
req POST /echo -d 'x'
is "$STATUS" 404 "the removed function's route is gone"
[ ! -e "$drop" ]; ok $? "its drop-in file is gone"
out=$($CTL rm echo 2>&1); rc=$?
like "$rc:$out" '^1:.*no deployed function echo' "removing it again says it is not there"

# ---- metrics on the admin socket ----
m=$(curl -s --unix-socket "$T/admin.sock" http://lambdad/metrics)
like "$m" 'lambdad_invocations_total\{function="conf",door="http"\} 1' "GET /metrics on the admin socket counts the route's invocation"
like "$m" 'lambdad_errors_total\{function="conf",type="Unhandled"\} 1' "and the function error from lambdactl invoke"

# ---- reaching a daemon that is not there ----
out=$("$B/lambdactl" -s "$T/nosuch.sock" status 2>&1); rc=$?
is "$rc" 3 "lambdactl exits 3 when the daemon cannot be reached"
like "$out" 'cannot reach lambdad at .*nosuch.sock' "and says where it looked"

# ---- a reply without X-Log-Seq (not lambdad, or an older one) ----
# lambdactl logs used to ask again from the same place, forever.
python3 - "$T/old.sock" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(4)
for _ in range(3):
    c, _ = s.accept(); c.recv(65536)
    c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nline\n")
    c.close()
PY
PIDS="$PIDS $!"
i=0; while [ ! -S "$T/old.sock" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
out=$(timeout 10 "$B/lambdactl" -s "$T/old.sock" logs echo 2>&1); rc=$?
is "$rc" 1 "logs against a reply without X-Log-Seq stops (exit 1, not a loop)"
like "$out" 'no X-Log-Seq header' "and says why"
done_testing
