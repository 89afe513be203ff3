#!/bin/bash
# 14-attack: hostile handlers against the jail, through the real daemon.
# Each row invokes build/tests/handlers/hostile with one attack and checks
# the outcome it must get (its one-line result, or the status and log line
# of a worker the jail killed); after every row a benign function on the
# same daemon must still answer.  08-jail.t runs the same table through
# lambdad-sandbox(1).  A row whose privilege or kernel feature is missing
# here is skipped with the reason, never silently.  No traffic leaves the
# machine: the only non-loopback connect() is made under network = none.
. "$(dirname "$0")/lib.sh"

H="$TH/hostile"
ROOT_ONLY="needs root (a uid per function)"
[ "$(id -u)" = 0 ] && ROOT_ONLY=
[ -n "$ROOT_ONLY" ] || EXTRA_CONF="worker_uids = 61000-61999"

# The victim lives in a directory of its own, with a file no other
# function may read; "locked" is the same, closed by permissions only.
mkdir -p "$T/fv" "$T/locked"
cp "$TH/misc" "$T/fv/bootstrap"
echo "the victim's secret" > "$T/fv/secret"
echo "locked secret" > "$T/locked/secret"
# A function deployed outside /tmp, where the private /tmp does not help.
VT=$(mktemp -d /var/tmp/lambdad-attack.XXXXXX)
trap 'rm -rf "$VT"; cleanup' EXIT
chmod 0755 "$VT"
mkdir "$VT/fn"
cp "$TH/misc" "$VT/fn/bootstrap"
echo "the outside victim's secret" > "$VT/fn/secret"
chmod 0644 "$VT/fn/secret"

# hf: the full jail, network = none, the default seccomp profile.
fn hf "$H" 'route = GET /hf/{a}' 'memory = 64' 'tmp = 4' 'timeout = 2' 'max_workers = 1'
# hx: the full jail with the exec profile (fork allowed), pids = 20.
fn hx "$H" 'route = GET /hx/{a}' 'seccomp = exec' 'pids = 20' 'max_workers = 1'
# hh: the full jail on the host's network.
fn hh "$H" 'route = GET /hh/{a}' 'network = host' 'max_workers = 1'
# hb: the basic sandbox (rlimits, seccomp, uid), no namespaces; the exec
# profile, which lets kill() reach other pids.
fn hb "$H" 'route = GET /hb/{a}' 'sandbox = basic' 'seccomp = exec' 'tmp = 4' 'max_workers = 1'
# hn: sandbox = none, which still does not run as root.
fn hn "$H" 'route = GET /hn/{a}' 'sandbox = none' 'max_workers = 1'
fn victim "$T/fv/bootstrap" 'route = GET /v/{a}' 'min_idle = 1' 'max_workers = 1'
fn vhost "$TH/misc" 'route = GET /vh/{a}' 'network = host' 'min_idle = 1' 'max_workers = 1'
fn vout "$VT/fn/bootstrap" 'route = GET /vo/{a}'
start_daemon
wait_log 'victim: worker [0-9]+ ready' 10
wait_log 'vhost: worker [0-9]+ ready' 10
VPID=$(wpid victim)
VHPID=$(wpid vhost)
SPID=$(pgrep -P "$DPID" | head -n 1)
if [ -z "$VPID" ] || [ -z "$VHPID" ] || [ -z "$SPID" ]; then
	echo "Bail out! victims or spawner not found (victim '$VPID', vhost '$VHPID', spawner '$SPID')"
	exit 1
fi
diag "daemon $DPID, spawner $SPID, victim $VPID, vhost $VHPID"
uid_of() { sed -n "s/.* $1: workers run as uid \([0-9]*\),.*/\1/p" "$T/daemon.log" | head -n 1; }
port_of() { tr '\0' '\n' < "/proc/$1/environ" 2>/dev/null | sed -n 's/^AWS_LAMBDA_RUNTIME_API=.*:\([0-9]*\)$/\1/p'; }
VPORT=$(port_of "$VPID")
VHPORT=$(port_of "$VHPID")
LAYERS=$(dlog)
has() { printf '%s\n' "$LAYERS" | grep -Eq "jail: $1 namespace: (ok|not needed)"; }
why() { printf '%s\n' "$LAYERS" | grep "jail: $1 namespace" | head -n 1 | sed 's/.*jail: //'; }

plan 45

# row NAME NEED URL WANT_STATUS WANT_BODY: invoke, check, then the victim.
#   NEED: space-separated layers (pid mount net root), "" for none
row() {
	local name=$1 need=$2 url=$3 wst=$4 want=$5 l vst
	for l in $need; do
		if [ "$l" = root ]; then
			[ -z "$ROOT_ONLY" ] || { skip "$name: $ROOT_ONLY"; return; }
		elif ! has "$l"; then
			skip "$name: $(why "$l")"; return
		fi
	done
	req GET "$url"
	local st=$STATUS body=$BODY
	req GET /v/pid; vst=$STATUS
	if [ "$st" = "$wst" ] && printf '%s' "$body" | grep -Eq -- "$want" &&
	    [ "$vst" = 200 ]; then
		pass "$name"
	else
		fail "$name"
		diag "want $wst '$want', got $st: $body; the victim then: $vst"
	fi
}
# killed NAME NEED URL: the worker dies of SIGSYS (a 500, logged).
killed() {
	local n
	n=$(grep -c 'bad system call' "$T/daemon.log")
	row "$1" "$2" "$3" 500 ''
	[ "$(grep -c 'bad system call' "$T/daemon.log")" -gt "$n" ] ||
		diag "  (no new 'bad system call' in the log)"
}

# The gateway and the spawner.
if [ -z "$ROOT_ONLY" ]; then
	wait_log 'dropped privileges' 5
	gu=$(awk '/^Uid:/ {print $2 $3 $4 $5}' "/proc/$DPID/status")
	su=$(awk '/^Uid:/ {print $2}' "/proc/$SPID/status" 2>/dev/null)
	[ -n "$gu" ] && [ "$gu" != 0000 ] && [ "${gu%%[!0-9]*}" = "$gu" ]
	ok $? "the gateway dropped root: Uid $(awk '/^Uid:/ {print $2, $3, $4, $5}' "/proc/$DPID/status")"
	is "$su" 0 "the spawner ($SPID) stays root to set up workers"
	like "$(grep -c '^Groups:.*[0-9]' "/proc/$DPID/status")/$(awk '/^Groups:/ {print NF}' "/proc/$DPID/status")" '^(0|1)/(1|2)$' "the gateway keeps at most its own group"
else
	skip "the gateway dropped root: not started as root"
	skip "the spawner stays root: not started as root"
	skip "the gateway's groups: not started as root"
fi
like "$(dlog)" 'jail: pid namespace: ' "the start-up report names every layer"

# Resource exhaustion.
killed "fork bomb, default profile: SIGSYS" "" /hf/forkbomb
row "fork bomb, exec profile: EAGAIN at pids" "root" /hx/forkbomb 200 'fork: EAGAIN after (1?[0-9]|20)"'
row "memory hog past memory: ENOMEM" "" '/hf/alloc?n=256' 200 'alloc: ENOMEM'
row "fd exhaustion: EMFILE" "" '/hf/openfiles?n=5000' 200 'open: EMFILE after 10[0-9][0-9]'
row "filling /tmp: ENOSPC at tmp" "mount" '/hf/fill-tmp?n=16' 200 'write: ENOSPC after [0-4] MB'
row "a file past tmp, basic sandbox: EFBIG" "" '/hb/write-big?n=16' 200 'write: EFBIG after 4 MB'
row "CPU loop past timeout: 504" "" /hf/spin 504 ''
like "$(grep 'hf' "$T/daemon.log")" 'Task timed out after 2\.[0-9]+ seconds' "  ... logged as timed out"

# Forbidden syscalls.
for a in ptrace mount kexec bpf keyctl rawsock setuid0; do
	killed "forbidden: $a" "" "/hf/$a"
done
row "workers run as their function's uid, no groups" "root" /hf/ids 200 \
	"uid=$(uid_of hf) gid=$(uid_of hf) groups=0"
row "sandbox = none still drops root" "root" /hn/ids 200 \
	"uid=$(uid_of hn) gid=$(uid_of hn) groups=0"

# Other processes.
killed "signal the daemon, default profile: SIGSYS" "" "/hf/kill?n=$DPID"
row "signal the daemon, exec profile: invisible (pid ns)" "pid" "/hx/kill?n=$DPID" 200 'kill: ESRCH'
row "signal the spawner: invisible (pid ns)" "pid" "/hx/kill?n=$SPID" 200 'kill: ESRCH'
row "signal another worker: invisible (pid ns)" "pid" "/hx/kill?n=$VPID" 200 'kill: ESRCH'
row "signal the daemon, basic sandbox: EPERM (other uid)" "root" "/hb/kill?n=$DPID" 200 'kill: EPERM'
# A worker that forks a child and exits: nothing is left of it.
if has pid; then
	req GET /hx/ids
	xpid=$(wpid hx)
	xns=$(readlink "/proc/$xpid/ns/pid" 2>/dev/null)
	req GET /hx/orphan
	st=$STATUS
	sleep 0.3
	left=$(for l in /proc/[0-9]*/ns/pid; do [ "$(readlink "$l" 2>/dev/null)" = "$xns" ] && echo "$l"; done)
	req GET /v/pid
	[ "$st" = 500 ] && [ -n "$xns" ] && [ -z "$left" ] && [ "$STATUS" = 200 ]
	ok $? "a forked child dies with its worker (left: '$left', $st)"
else
	skip "a forked child dies with its worker: $(why pid)"
fi

# The network, and other workers' Runtime API endpoints.
row "connect out under network = none: ENETUNREACH" "net" '/hf/connect?n=192.0.2.1:80' 200 'connect: ENETUNREACH'
row "network = none sees no other listener" "net" /hf/listeners 200 'listeners: 0"'
row "another function's endpoint from its netns: refused" "net" "/hf/rapi?n=$VPORT" 200 'connect: ECONNREFUSED'
row "a netns endpoint from the host network: refused" "net" "/hh/rapi?n=$VPORT" 200 'connect: ECONNREFUSED'
row "another function's host endpoint: closed unanswered" "root" "/hh/rapi?n=$VHPORT" 200 'reply: (none, closed|ECONNRESET)'
like "$(dlog)" "vhost: worker $VHPID: a connection to its endpoint from uid $(uid_of hh): refused" "  ... and logged with the intruder's uid"
# As an attacker would: the gateway's other endpoints, found in /proc/net/tcp.
row "scan the host's endpoints from /proc/net/tcp: none answers" "root" /hh/scan 200 'scan: [1-8] endpoints, 0 answered'
# The test, as root, is no more welcome than a function.
out=$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 "http://127.0.0.1:$VHPORT/2018-06-01/runtime/invocation/next" 2>&1)
if [ -z "$ROOT_ONLY" ]; then
	is "$out" 000 "a host endpoint refuses root too"
else
	skip "a host endpoint refuses other uids: $ROOT_ONLY"
fi

# The file system.
row "write outside the function's dir and /tmp: EROFS" "mount" '/hf/write-file?n=/var/tmp/lambdad-attack' 200 'write-file: EROFS'
row "write into its own directory: EROFS" "mount" "/hf/write-file?n=$TH/attack.out" 200 'write-file: EROFS'
row "write into the private /tmp" "mount" '/hf/write-file?n=/tmp/attack.out' 200 'write-file: ok'
row "read another function's files: not there" "mount" "/hf/read-file?n=$T/fv/secret" 200 'read-file: ENOENT'
row "read another function's files outside /tmp: covered" "mount" "/hf/read-file?n=$VT/fn/secret" 200 'read-file: ENOENT'
row "  ... and the basic sandbox cannot hide them" "" "/hb/read-file?n=$VT/fn/secret" 200 'read-file: ok'
req GET /vo/pid
is "$STATUS" 200 "the function outside /tmp still runs from its own directory"
if [ -z "$ROOT_ONLY" ]; then
	chown -R "$(uid_of victim):$(uid_of victim)" "$T/locked" && chmod 0700 "$T/locked"
fi
row "read a 0700 directory of another uid, basic: EACCES" "root" "/hb/read-file?n=$T/locked/secret" 200 'read-file: EACCES'

# Nothing lost: the victims served throughout, by the same workers.
req GET /v/pid
is "$(wpid victim)" "$VPID" "the victim's worker lived through every attack"
req GET /vh/pid
is "$STATUS" 200 "the host-network victim still answers"
done_testing
