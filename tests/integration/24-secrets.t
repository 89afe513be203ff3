#!/bin/bash
# A config with secrets: the files are 0600 root, the daemon starts as root
# and drops to an unprivileged user, and a reload still reads them (through
# the opener, which kept root's rights for exactly those paths).  A path
# outside them is not opened with privilege; `lambdad -t` warns about modes
# that expose access_key lines.
. "$(dirname "$0")/lib.sh"
plan 12

if [ "$(id -u)" != 0 ]; then
	for i in $(seq 1 12); do skip "needs root (the daemon must drop privileges)"; done
	exit 0
fi

CTL="$B/lambdactl -s $T/admin.sock"
metric() {
	curl -s --unix-socket "$T/admin.sock" http://lambdad/metrics | sed -n "s/^$1 //p"
}
KEY='access_key = AKIDTESTKEY:0123456789abcdef0123'
fn hello "$EX/hello/bootstrap" 'route = GET /hello/{name}'

# ---- lambdad -t and the modes ----
EXTRA_CONF=$KEY
cat > "$T/lambdad.conf" <<CONF
[lambdad]
functions = functions.d
state_dir = state
$KEY
CONF
chmod 0644 "$T/lambdad.conf"
out=$("$B/lambdad" -t -c "$T/lambdad.conf" 2>&1)
like "$out" "warning: .*lambdad.conf holds access_key secrets and is readable by others \\(mode 0644\\)" "lambdad -t warns when the secrets are world-readable"
like "$out" "safe modes: 0600 root, or 0640 root:" "and says which modes are safe"
chmod 0600 "$T/lambdad.conf"
out=$("$B/lambdad" -t -c "$T/lambdad.conf" 2>&1)
unlike "$out" "warning" "no warning at 0600 root"

# ---- the daemon: 0600 root files, reloaded after the drop ----
start_daemon
chmod 0600 "$T/lambdad.conf" "$T/functions.d/hello.conf"
like "$(dlog)" "dropped privileges to" "the daemon dropped root"
user=$(ps -o user= -p "$DPID" | tr -d ' ')
[ "$user" != root ]; ok $? "and runs as $user, who cannot read the 0600 files"
req GET /hello/a; is "$STATUS" 200 "it serves"

echo 'max_connections = 77' >> "$T/lambdad.conf"
fn two "$EX/hello/bootstrap" 'route = GET /two/{name}'
chmod 0600 "$T/functions.d/two.conf"
out=$($CTL reload 2>&1); rc=$?
is "$rc" 0 "lambdactl reload after editing the 0600 root files succeeds ($out)"
is "$(metric lambdad_http_max_connections)" 77 "the main file's new setting takes effect"
req GET /two/b; is "$STATUS" 200 "and the new function file's function serves"

# ---- a path outside the allowed set is not opened with privilege ----
mkdir -p "$T/other.d"
cp "$T/functions.d/two.conf" "$T/other.d/x.conf"
chmod 0600 "$T/other.d/x.conf"
sed -i 's/^functions = functions.d$/functions = other.d/' "$T/lambdad.conf"
out=$($CTL reload 2>&1); rc=$?
[ "$rc" != 0 ]; ok $? "a reload that points functions = at another directory is refused"
like "$out $(dlog)" "other.d.*(Permission denied|outside the paths)" "because the opener does not open it ($(printf '%s' "$out" | head -c 200))"
req GET /hello/c; is "$STATUS" 200 "the running configuration keeps serving"
done_testing
