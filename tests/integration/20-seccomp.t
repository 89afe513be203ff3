#!/bin/bash
# 13-seccomp: a worker killed by the seccomp filter is reported with the
# call's name, through the real daemon: in the Invoke API's error body
# (Runtime.ExitError, "... signal: bad system call (seccomp denied NAME)"),
# in the invocation's log line and in a log line naming the worker; and the
# daemon goes on serving, that function and the others.  The handler is
# tests/handlers/misc (action "forbid": make one forbidden call by name).
. "$(dirname "$0")/lib.sh"

plan 29

fn sc "$TH/misc" 'route = GET /sc/{action}' 'max_workers = 2'
fn scx "$TH/misc" 'route = GET /scx/{action}' 'seccomp = exec'
fn sclog "$TH/misc" 'route = GET /sclog/{action}' 'seccomp = log'
fn other "$TH/misc" 'route = GET /other/{action}'
fn scinit "$TH/misc" 'route = GET /scinit/{action}' 'env = MISC_INIT_FORBID=bpf'
EXTRA_CONF='invoke_api = on'
start_daemon

API=/2015-03-31/functions
# forbid FUNCTION CALL: invoke action "forbid" through the Invoke API.
forbid() {
	req POST "$API/$1/invocations" -H 'Content-Type:' \
		--data-binary "{\"action\":\"forbid\",\"text\":\"$2\"}"
}
msg() { jget "$BODY" 'j["errorMessage"]'; }

# Through the Invoke API: the call's name in the error body and the log.
for pair in ptrace:ptrace mount:mount bpf:bpf keyctl:keyctl \
	kexec:kexec_load rawsock:socket; do
	call=${pair%%:*} name=${pair#*:}
	forbid sc "$call"
	if [ "$STATUS" = 200 ] && [ "$(hdr x-amz-function-error)" = unhandled ] &&
		[ "$(jget "$BODY" 'j["errorType"]')" = Runtime.ExitError ]; then
		like "$(msg)" "^RequestId: [0-9a-f-]{36} Error: Runtime exited with error: signal: bad system call \(seccomp denied $name\)\$" \
			"$call: the error body names $name"
	else
		fail "$call: the error body names $name"
		diag "status $STATUS, body $BODY"
	fi
	wait_log "\[sc\] \[?[0-9a-f-]*\]? ?.*seccomp denied $name\)" 2 &&
		wait_log "sc: worker [0-9]+ killed by seccomp: .*\(seccomp denied $name\)" 2
	ok $? "$call: the log names $name and the worker"
done

# Through an HTTP route: 500, and the log names the call.
req GET '/sc/forbid?n=bpf'
is "$STATUS" 500 "route: a killed worker gives 500"
n=$(grep -c 'seccomp denied bpf' "$T/daemon.log")
[ "$n" -ge 4 ]; ok $? "route: logged as seccomp denied bpf ($n lines)"

# The exec profile: forking is allowed, the rest is not, in children too.
forbid scx keyctl
like "$(msg)" 'seccomp denied keyctl\)$' "exec profile: keyctl still denied and named"
forbid scx child-ptrace
like "$(msg)" 'seccomp denied ptrace\)$' "exec profile: a forked child's ptrace kills the worker, named"
req GET /scx/pid
is "$STATUS" 200 "exec profile: the function serves again"

# The log profile kills nothing: the call fails or succeeds, the reply comes.
forbid sclog keyctl
is "$STATUS" 200 "log profile: the worker lives and replies"
is "$(hdr x-amz-function-error)" "" "log profile: no function error"
like "$BODY" '"call":"keyctl"' "log profile: the handler's own reply"
unlike "$(grep '\[sclog\]' "$T/daemon.log")" 'seccomp denied' "log profile: nothing reported killed"

# Killed during init: the invocation that waited for it says why.
forbid scinit ptrace
is "$(jget "$BODY" 'j["errorType"]')" Runtime.ExitError "init: Runtime.ExitError"
like "$(msg)" 'seccomp denied bpf\)$' "init: the error body names the call made during init"
wait_log "scinit: worker [0-9]+ killed by seccomp during init: .*\(seccomp denied bpf\)" 2
ok $? "init: the log names the call and the worker"

# The daemon goes on: the killed function gets new workers, others serve.
req GET /sc/pid
is "$STATUS" 200 "the function with killed workers serves again"
req GET /other/pid
is "$STATUS" 200 "another function serves"
kill -0 "$DPID" 2>/dev/null; ok $? "the daemon is still running"
forbid sc ptrace
like "$(msg)" 'seccomp denied ptrace\)$' "a second kill is named as well"
unlike "$(dlog)" 'spawner: .*exiting' "the spawner never failed"

done_testing
