# lib.sh: shared by the integration tests (sourced).  TAP output, a real
# lambdad on an ephemeral loopback port with a throwaway config, and curl.
#
#   . "$(dirname "$0")/lib.sh"
#   plan 3
#   fn hello "$EX/hello/bootstrap" 'route = GET /hello/{name}'
#   start_daemon
#   req GET /hello/ann;  is "$STATUS" 200 "hello answers"
#
# Every process started here is killed by pid on exit.

set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
B="$ROOT/build"
# The daemon under test: a sanitizer build's (make sanitize) when set.
LAMBDAD="${LAMBDAD:-$B/lambdad}"
EX="$B/examples"
TH="$B/tests/handlers"
T=$(mktemp -d /tmp/lambdad-test.XXXXXX)
# Started as root, lambdad drops to an unprivileged user that must still
# read its config (and its workers their bootstraps) in here.
chmod 0755 "$T"
mkdir -p "$T/functions.d"
TESTNUM=0
FAILS=0
DPID=
PORT=
PIDS=

cleanup() {
	stop_daemon 2>/dev/null
	for p in $PIDS; do kill -KILL "$p" 2>/dev/null; done
	wait 2>/dev/null
	[ "${KEEP:-0}" = 1 ] || rm -rf "$T"
}
trap cleanup EXIT

plan() { echo "1..$1"; }
diag() { echo "# $*"; }
pass() { TESTNUM=$((TESTNUM + 1)); echo "ok $TESTNUM - $1"; }
fail() { TESTNUM=$((TESTNUM + 1)); FAILS=$((FAILS + 1)); echo "not ok $TESTNUM - $1"; }
skip() { TESTNUM=$((TESTNUM + 1)); echo "ok $TESTNUM # skip $1"; }
ok() { if [ "$1" = 0 ]; then pass "$2"; else fail "$2"; fi; }
is() {
	if [ "$1" = "$2" ]; then pass "$3"; else
		fail "$3"; diag "  got:      '$1'"; diag "  expected: '$2'"; fi
}
like() {
	if printf '%s' "$1" | grep -q -E -- "$2"; then pass "$3"; else
		fail "$3"; diag "  got:      '$(printf '%s' "$1" | head -c 600)'"
		diag "  expected to match: '$2'"; fi
}
unlike() {
	if printf '%s' "$1" | grep -q -E -- "$2"; then
		fail "$3"; diag "  got: '$(printf '%s' "$1" | head -c 600)'"
		diag "  expected not to match: '$2'"; else pass "$3"; fi
}
# jq-free JSON field check: jget JSON EXPR (python3 expression on `j`)
jget() { printf '%s' "$1" | python3 -c 'import json,sys; j=json.load(sys.stdin); v=eval(sys.argv[1]); print(v if not isinstance(v,(dict,list,bool)) and v is not None else json.dumps(v))' "$2" 2>/dev/null; }

# fn NAME BOOTSTRAP [KEY = VALUE lines...]: add a function to the config.
fn() {
	name=$1 boot=$2; shift 2
	{
		echo "[function $name]"
		echo "bootstrap = $boot"
		for l in "$@"; do echo "$l"; done
		echo
	} >> "$T/functions.d/$name.conf"
}

# start_daemon [extra lambdad args]: start on 127.0.0.1:0, wait until ready.
start_daemon() {
	cat > "$T/lambdad.conf" <<CONF
[lambdad]
listen = 127.0.0.1:1
functions = functions.d
state_dir = state
admin_socket = admin.sock
${EXTRA_CONF:-}
CONF
	: > "$T/daemon.log"
	"$LAMBDAD" -c "$T/lambdad.conf" -l 127.0.0.1:0 -v "$@" 2>>"$T/daemon.log" &
	DPID=$!
	i=0
	while [ $i -lt 200 ]; do
		PORT=$(sed -n 's/.*listening on [0-9.]*:\([0-9]*\) .*/\1/p' "$T/daemon.log" | head -n 1)
		[ -n "$PORT" ] && break
		kill -0 "$DPID" 2>/dev/null || break
		sleep 0.05; i=$((i + 1))
	done
	if [ -z "$PORT" ]; then
		echo "Bail out! lambdad did not start"; sed 's/^/# /' "$T/daemon.log"; exit 1
	fi
	URL="http://127.0.0.1:$PORT"
}

# stop_daemon: SIGTERM, wait for the exit; sets DEXIT.
stop_daemon() {
	[ -n "$DPID" ] || return 0
	kill -TERM "$DPID" 2>/dev/null
	i=0
	while kill -0 "$DPID" 2>/dev/null && [ $i -lt 300 ]; do sleep 0.05; i=$((i + 1)); done
	kill -KILL "$DPID" 2>/dev/null
	wait "$DPID"; DEXIT=$?
	DPID=
}

# req METHOD PATH [curl args...]: sets STATUS, BODY, HDRS (lower-case names).
req() {
	m=$1 path=$2; shift 2
	curl -sS -o "$T/body" -D "$T/hdrs" -X "$m" --max-time "${REQ_TIMEOUT:-20}" \
		"$@" "$URL$path" 2>"$T/curl.err"
	STATUS=$(grep -a '^HTTP/' "$T/hdrs" 2>/dev/null | tail -n 1 | awk '{print $2}')
	BODY=$(cat "$T/body" 2>/dev/null)
	HDRS=$(tr -d '\r' < "$T/hdrs" 2>/dev/null | tr 'A-Z' 'a-z')
}
# hdr NAME: a header of the last reply (name lower-case).
hdr() { printf '%s\n' "$HDRS" | sed -n "s/^$1: //p" | head -n 1; }

# dlog: the daemon's log so far.
dlog() { cat "$T/daemon.log"; }
# wait_log REGEX [seconds]: wait for a line in the daemon's log.
wait_log() {
	i=0 n=$(( ${2:-5} * 20 ))
	while [ $i -lt $n ]; do
		grep -q -E -- "$1" "$T/daemon.log" && return 0
		sleep 0.05; i=$((i + 1))
	done
	return 1
}
# wpid FN: the host pid of FN's newest ready worker, from the daemon's log
# (inside its pid namespace a worker is pid 1 and cannot tell).
# A worker can say it is ready before the spawner has reported its pid (the
# log then names worker 0): take the pid from its "spawned" line then.
wpid() {
	_w=$(sed -n "s/.* $1: worker \([0-9]*\) ready in .*/\1/p" "$T/daemon.log" | tail -n 1)
	[ "${_w:-0}" = 0 ] && _w=$(sed -n "s/.* $1: worker \([0-9]*\) spawned in .*/\1/p" "$T/daemon.log" | tail -n 1)
	echo "$_w"
}
# freeport: a free loopback port, as the kernel picks one.
freeport() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# waitport PORT: wait up to 10 s for a listener on 127.0.0.1:PORT.
waitport() {
	for _ in $(seq 200); do
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}
# aws_env: AWSCLI, the aws CLI (bails out when none), run with no user
# config, no pager, no retries and made-up credentials for us-east-1.
aws_env() {
	AWSCLI=/usr/bin/aws
	[ -x "$AWSCLI" ] || AWSCLI=$(command -v aws 2>/dev/null)
	if [ -z "$AWSCLI" ]; then echo "Bail out! no aws CLI (make deps-test installs awscli)"; exit 1; fi
	export HOME="$T" AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
	export AWS_PAGER="" AWS_MAX_ATTEMPTS=1 AWS_RETRY_MODE=standard
	export AWS_ACCESS_KEY_ID=anything AWS_SECRET_ACCESS_KEY=anything-at-all
	export AWS_DEFAULT_REGION=us-east-1
	unset AWS_PROFILE AWS_SESSION_TOKEN AWS_REGION AWS_ENDPOINT_URL 2>/dev/null
}
# lam ARGS...: `aws lambda ARGS` against the daemon at URL (after
# aws_env); sets RC, OUT and ERR.
lam() {
	"$AWSCLI" lambda "$@" --endpoint-url "$URL" --cli-read-timeout 0 \
		--cli-connect-timeout 5 >"$T/aws.out" 2>"$T/aws.err"
	RC=$?; OUT=$(cat "$T/aws.out"); ERR=$(cat "$T/aws.err")
}
# event FN JSON: an Event through the Invoke API with curl; sets STATUS
# and RID (its request id).
event() {
	req POST "/2015-03-31/functions/$1/invocations" -H 'Content-Type:' \
		-H 'X-Amz-Invocation-Type: Event' --data-binary "$2"
	RID=$(tr -d '\r' < "$T/hdrs" | sed -n 's/^x-amzn-requestid: //Ip' | head -n 1)
}
done_testing() {
	if [ "$FAILS" -gt 0 ]; then diag "daemon log:"; tail -n 60 "$T/daemon.log" | sed 's/^/#   /'; fi
	exit 0
}
