#!/bin/bash
# 08-jail: hostile actions against the full jail, through lambdad-sandbox(1).
# Each row runs build/tests/handlers/sbprobe ACTION under the options given
# and checks what came out: the probe's one-line result, or the signal that
# killed it.  A row whose kernel feature is missing here is skipped with the
# reason, never silently.  No traffic leaves the machine: the only
# non-loopback connect() is made under --net none, where no route exists.
. "$(dirname "$0")/lib.sh"

SB="$B/lambdad-sandbox"
PROBE="$TH/sbprobe"
LAYERS=$("$SB" --probe 2>&1)
has() { printf '%s\n' "$LAYERS" | grep -Eq "^$1: (ok|not needed)"; }
why() { printf '%s\n' "$LAYERS" | grep "^$1:" | head -n 1; }
ROOT_ONLY="needs root (uid drop)"
[ "$(id -u)" = 0 ] && ROOT_ONLY=

# run OPTIONS... -- ACTION ARGS: sets OUT and ST (exit code, 128+sig)
run() { OUT=$("$SB" "$@" 2>&1); ST=$?; }

# row NAME NEED WANT_OUT WANT_ST OPTIONS... -- ACTION ARGS
#   NEED: space-separated layers (pid mount net root), "" for none
row() {
	local name=$1 need=$2 want=$3 wst=$4 l
	shift 4
	for l in $need; do
		if [ "$l" = root ]; then
			[ -z "$ROOT_ONLY" ] || { skip "$name: $ROOT_ONLY"; return; }
		elif ! has "$l"; then
			skip "$name: $(why "$l")"; return
		fi
	done
	run "$@"
	case "$OUT" in
	*"$want"*) if [ "$ST" = "$wst" ]; then pass "$name"; return; fi ;;
	esac
	fail "$name"
	diag "want status $wst and '$want', got $ST: $OUT"
}

SIGSYS=$((128 + 31))
J="-N"

plan 30

# Resource exhaustion.
row "fork bomb stops at nproc (pid ns)" "pid root" "fork: EAGAIN" 0 \
	$J -s exec -u 65534 -g 65534 -p 20 -- "$PROBE" forkbomb 1
row "fork bomb, default profile: SIGSYS" "" "" $SIGSYS -- "$PROBE" forkbomb 1
row "memory hog past -m: allocation fails" "" "alloc: ENOMEM" 0 \
	$J -m 64 -- "$PROBE" alloc 256
row "fd exhaustion: EMFILE at -n" "" "opened 13" 0 \
	$J -n 16 -- "$PROBE" openfiles 100
row "filling /tmp: ENOSPC at --tmp-size" "mount" "write: ENOSPC" 0 \
	$J --tmp-size 2 -C /tmp -- "$PROBE" write-big 8
row "filling a file: EFBIG at -f" "" "write: EFBIG" 0 \
	$J -f 1 -C /tmp -- "$PROBE" write-big 4
# CPU: SIGXCPU at the soft limit, or SIGKILL at the hard one (pid 1 of a
# pid namespace ignores SIGXCPU without a handler).
run $J -t 1 -- "$PROBE" spin
case "$ST" in
$((128 + 24)) | $((128 + 9))) pass "CPU loop past -t: killed ($ST)" ;;
*) fail "CPU loop past -t: status $ST: $OUT" ;;
esac

# Forbidden syscalls: SIGSYS, and lambdad-sandbox names the call.
for a in ptrace:ptrace mount:mount kexec:kexec_load bpf:bpf keyctl:keyctl \
	rawsock:socket; do
	row "forbidden: ${a%%:*}, named" "" "killed by seccomp: ${a#*:} (syscall" \
		$SIGSYS $J -- "$PROBE" "${a%%:*}"
done
row "forbidden in a forked child (exec profile): the group dies, named" "" \
	"killed by seccomp: ptrace (syscall" $SIGSYS $J -s exec -- "$PROBE" child-ptrace
row "forbidden without namespaces: named too" "" \
	"killed by seccomp: bpf (syscall" $SIGSYS -- "$PROBE" bpf
row "setuid(0) after the drop: SIGSYS" "root" "killed by seccomp: setuid (syscall" \
	$SIGSYS $J -u 65534 -g 65534 -- "$PROBE" setuid0
row "uid and gid dropped, no groups" "root" "uid=65534 gid=65534 groups=0" 0 \
	$J -u 65534 -g 65534 -- "$PROBE" print-ids

# Other processes.
row "signal the test shell: invisible (pid ns)" "pid" "kill-pid: ESRCH" 0 \
	$J -s exec -- "$PROBE" kill-pid $$
row "signal the test shell, no pid ns, dropped: EPERM" "root" \
	"kill-pid: EPERM" 0 -s exec -u 65534 -g 65534 -- "$PROBE" kill-pid $$
row "sees only itself in /proc (pid ns)" "pid mount" "processes: 1" 0 \
	$J -s exec -- "$PROBE" ps
if has pid; then
	start=$(date +%s)
	run $J -s exec -- "$PROBE" orphan 5	# waits for EOF on the pipe
	el=$(( $(date +%s) - start ))
	if [ "$el" -lt 4 ] && [ "$OUT" = "fork: ok" ]; then
		pass "forked child dies with the worker (${el}s)"
	else
		fail "forked child survived: ${el}s, $OUT"
	fi
else
	skip "forked child dies with the worker: $(why pid)"
fi

# lambdad-sandbox supervises its child: a SIGTERM to the command reaches
# the program (in its own process group) and the command exits the same way.
"$SB" -- "$PROBE" sleep 30 & sbpid=$!
PIDS="$PIDS $sbpid"
kid=
for i in $(seq 100); do
	kid=$(pgrep -P "$sbpid" | head -n 1); [ -n "$kid" ] && break; sleep 0.05
done
kill -TERM "$sbpid"; wait "$sbpid"; st=$?
sleep 0.1
if [ -n "$kid" ] && [ "$st" = 143 ] && ! kill -0 "$kid" 2>/dev/null; then
	pass "SIGTERM to lambdad-sandbox reaches the program"
else
	fail "SIGTERM to lambdad-sandbox reaches the program: child '$kid', status $st"
fi

# Network.
row "connect out under --net none: ENETUNREACH" "net" "connect: ENETUNREACH" 0 \
	$J --net none -- "$PROBE" connect 192.0.2.1 80
row "loopback is up under --net none" "net" "connect: ECONNREFUSED" 0 \
	$J --net none -- "$PROBE" connect 127.0.0.1 1
# A listener on the host's loopback, as a worker's endpoint on the host
# network would be: reachable from the host, not from --net none.
python3 -c 'import socket,sys,time
s=socket.socket(); s.bind(("127.0.0.1",0)); s.listen(8)
print(s.getsockname()[1], flush=True); time.sleep(60)' > "$T/lport" &
PIDS="$PIDS $!"
i=0; while [ ! -s "$T/lport" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
LPORT=$(cat "$T/lport")
row "a host loopback endpoint, from the host: reachable" "" "connect: ok" 0 \
	-- "$PROBE" connect 127.0.0.1 "$LPORT"
row "a host loopback endpoint, from --net none: refused" "net" "connect: ECONNREFUSED" 0 \
	$J --net none -- "$PROBE" connect 127.0.0.1 "$LPORT"

# The file system.
row "write outside /tmp: EROFS" "mount" "write-file: EROFS" 0 \
	$J -- "$PROBE" write-file /var/tmp/lambdad-jail-probe.out
row "write inside the private /tmp" "mount" "write-file: ok" 0 \
	$J -- "$PROBE" write-file /tmp/jail-probe.out
VT=$(mktemp -d /var/tmp/lambdad-jail.XXXXXX)
trap 'rm -rf "$VT"; cleanup' EXIT
echo secret > "$VT/secret"
chmod 0755 "$VT" && chmod 0644 "$VT/secret"
row "another function's directory under --hide: not there" "mount" "read-file: ENOENT" 0 \
	$J --hide "$VT" -- "$PROBE" read-file "$VT/secret"
mkdir -p "$T/other-fn" && chmod 700 "$T/other-fn"
row "another function's 0700 directory: EACCES" "root" "read-dir: EACCES" 0 \
	-u 65534 -g 65534 -- "$PROBE" read-dir "$T/other-fn"
