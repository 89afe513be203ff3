#!/bin/bash
# Schedules: [schedule NAME] sections invoke a function on a timetable
# through their durable Event queue.  The clock is the test's: the daemon
# runs under libfaketime (LD_PRELOAD, FAKETIME="@START x10"), which moves
# the wall clock and libuv's monotonic clock ten times as fast from a
# start date, so rate(1 minute) runs every 6 real seconds and a restart
# can begin at any date.  The function (tests/handlers/sched_echo) prints
# each event it gets as "EVENT <json>", which the test reads from the
# daemon's log.  Checked: the default event's shape, run after run; cron()
# and at() next times in a zone via lambdactl schedules; catch_up across
# a restart, once only; retries into the failed-events directory; a
# reload that adds and removes schedules; clear config errors.
. "$(dirname "$0")/lib.sh"

plan 37

aws_env
command -v zip >/dev/null || { echo "Bail out! no zip (make deps-test installs it)"; exit 1; }
# lam ARGS...: `aws lambda ARGS` against the daemon; sets RC, OUT.
lam() {
	"$AWSCLI" lambda "$@" --endpoint-url "$URL" --cli-connect-timeout 5 \
		>"$T/aws.out" 2>"$T/aws.err"
	RC=$?; OUT=$(cat "$T/aws.out")
}
FTLIB=$(ls /usr/lib/*/faketime/libfaketime.so.1 2>/dev/null | head -n 1)
if [ -z "$FTLIB" ]; then
	echo "Bail out! no libfaketime (make deps-test installs faketime)"; exit 1
fi
REAL=$LAMBDAD
# The daemon under the test's clock; FAKE_AT is the start date.  (A
# sanitizer build takes the preloaded library after its own runtime.)
cat > "$T/lambdad-ft" <<EOF
#!/bin/sh
ASAN_OPTIONS="\${ASAN_OPTIONS:+\$ASAN_OPTIONS:}verify_asan_link_order=0"
export ASAN_OPTIONS
exec env TZ=UTC LD_PRELOAD="$FTLIB" FAKETIME="@\$FAKE_AT x10" "$REAL" "\$@"
EOF
chmod +x "$T/lambdad-ft"
export FAKE_AT

ctl() { "$B/lambdactl" -s "$T/admin.sock" "$@"; }
# sched NAME: that schedule of lambdactl schedules -j, as JSON.
sched() { ctl schedules -j | python3 -c 'import json,sys; print(json.dumps([s for s in json.load(sys.stdin)["schedules"] if s["name"] == sys.argv[1]][0]))' "$1"; }
keep_log() { n=$(ls "$T"/log.* 2>/dev/null | wc -l); cp "$T/daemon.log" "$T/log.$n"; }
# events WORD: the events printed so far (every log) that mention WORD.
events() { cat "$T"/log.* "$T/daemon.log" 2>/dev/null | grep -a ' EVENT ' | sed 's/.* EVENT //' | grep -- "$1"; }
nevents() { events "$1" | wc -l; }
# wait_events WORD N [seconds]: until N events mention WORD.
wait_events() {
	i=0
	while [ "$(nevents "$1")" -lt "$2" ] && [ $i -lt $((${3:-30} * 10)) ]; do
		sleep 0.1; i=$((i + 1))
	done
	[ "$(nevents "$1")" -ge "$2" ]
}

# ---- configuration errors (lambdad -t) ---------------------------------
check() {	# check NAME CONF-TEXT: lambdad -t on it; sets OUT and RC
	printf '[lambdad]\nstate_dir = %s/st-%s\n%s\n' "$T" "$1" "$2" > "$T/$1.conf"
	OUT=$("$B/lambdad" -t -c "$T/$1.conf" 2>&1); RC=$?
}
BOOT="bootstrap = $TH/sched_echo"
check bad1 "[function tick]
$BOOT

[schedule nightly]
function = tick
expression = cron(0 12 * * * *)"
is "$RC" 1 "-t: a bad cron() exits 1"
like "$OUT" 'bad1.conf:8: \[schedule nightly\]: expression: cron\(\): one of day-of-month \("\*"\) and day-of-week \("\*"\) must be \?' \
	"the error names the file, line and section, and what is wrong"
check bad2 "[function tick]
$BOOT
[schedule s]
function = tick
expression = rate(1 minutes)"
like "$OUT" 'bad2.conf:7: \[schedule s\]: expression: rate\(1 minutes\): the unit is minute' \
	"rate(1 minutes) is refused: singular for 1"
check bad3 "[function tick]
$BOOT
[schedule s]
function = tick
expression = rate(5 minutes)
timezone = Mars/Olympus"
like "$OUT" 'bad3.conf:8: \[schedule s\]: timezone: "Mars/Olympus" is not a zone' "an unknown zone is refused"
check bad4 "[schedule s]
function = nope
expression = rate(5 minutes)"
like "$OUT" 'bad4.conf:3: \[schedule s\]: function nope is not defined' "an unknown function is refused"
check bad5 "[function tick]
$BOOT
[schedule s]
function = tick"
like "$OUT" 'bad5.conf:5: \[schedule s\]: expression is required' "a schedule needs an expression"
check good "[function tick]
$BOOT
[schedule s]
function = tick:live
expression = cron(0/15 8-17 ? * MON-FRI *)
timezone = Europe/Berlin
retries = 3
max_age = 3600
catch_up = on"
is "$RC" 0 "-t: a good schedule (with an alias) passes"

# ---- the first run: 2026-03-01 00:00:00 UTC ----------------------------
fn tick "$TH/sched_echo" 'timeout = 300'
SCHEDS='event_retry_delay = 1

[schedule every-minute]
function = tick
expression = rate(1 minute)

[schedule noon-berlin]
function = tick
expression = cron(0 12 * * ? *)
timezone = Europe/Berlin
catch_up = on

[schedule early]
function = tick
expression = at(2026-03-01T06:00:00)
catch_up = on
input = {"kind":"early","arn":"<aws.scheduler.schedule-arn>","at":"<aws.scheduler.scheduled-time>"}

[schedule xmas]
function = tick
expression = at(2026-12-24T18:00:00)
timezone = America/New_York

[schedule failing]
function = tick
expression = at(2026-03-01T00:00:45)
input = {"fail-me":true}
retries = 1'
LAST_FRIDAY='
[schedule last-friday]
function = tick
expression = cron(30 9 ? * 6L 2026)'
EXTRA_CONF="$SCHEDS$LAST_FRIDAY"
LAMBDAD="$T/lambdad-ft"
FAKE_AT='2026-03-01 00:00:00'
start_daemon

is "$(ctl schedules -j | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["schedules"]))')" 6 \
	"lambdactl schedules lists the six schedules"
S=$(sched noon-berlin)
is "$(jget "$S" 'j["next"]') $(jget "$S" 'j["next_local"]')" \
	"2026-03-01T11:00:00Z 2026-03-01T12:00:00+01:00" "cron() at noon in Berlin: next in UTC and in the zone"
S=$(sched xmas)
is "$(jget "$S" 'j["next"]') $(jget "$S" 'j["next_local"]')" \
	"2026-12-24T23:00:00Z 2026-12-24T18:00:00-05:00" "at() in New York"
is "$(jget "$(sched last-friday)" 'j["next"]')" "2026-03-27T09:30:00Z" "cron() 6L: the last Friday of March"
like "$(ctl schedules)" 'noon-berlin +tick +2026-03-01T11:00:00Z +2026-03-01T12:00:00\+01:00 +Europe/Berlin +- +cron\(0 12 \* \* \? \*\)' \
	"the table names the function, both next times, the zone and the expression"

wait_events every-minute 3 40; ok $? "rate(1 minute) ran three times under the test's clock"
events every-minute | head -n 3 > "$T/ev.json"
SHAPE=$(python3 - "$T/ev.json" <<'PY'
import json, re, sys, datetime as dt
evs = [json.loads(l) for l in open(sys.argv[1])]
bad = []
for e in evs:
	want = {"version": "0", "detail-type": "Scheduled Event", "source": "aws.events",
		"account": "123456789012", "region": "us-east-1", "detail": {},
		"resources": ["arn:aws:events:us-east-1:123456789012:rule/every-minute"]}
	for k, v in want.items():
		if e.get(k) != v: bad.append("%s=%r" % (k, e.get(k)))
	if not re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", e.get("id", "")):
		bad.append("id=%r" % e.get("id"))
	if set(e) != set(want) | {"id", "time"}: bad.append("keys=%r" % sorted(e))
ts = [dt.datetime.strptime(e["time"], "%Y-%m-%dT%H:%M:%SZ") for e in evs]
gaps = [(b - a).total_seconds() for a, b in zip(ts, ts[1:])]
if gaps != [60.0, 60.0]: bad.append("gaps=%r" % gaps)
# A minute after the daemon first saw the schedule: a second or so of the
# test's clock after its start date, on a slow start.
if not dt.datetime(2026, 3, 1, 0, 1) <= ts[0] < dt.datetime(2026, 3, 1, 0, 2):
	bad.append("first=%s" % ts[0])
if len({e["id"] for e in evs}) != 3: bad.append("ids repeat")
print(" ".join(bad) or "ok")
PY
)
is "$SHAPE" ok "each event is a Scheduled Event, its time a minute after the last, its id new"
S=$(sched every-minute)
like "$(jget "$S" 'j["runs"]') $(jget "$S" 'j["last"]')" '^([3-9]|[1-9][0-9]) 2026-03-01T00:[0-5][0-9]:[0-5][0-9]Z$' "lambdactl schedules counts the runs and shows the last"

# retries = 1: two attempts, then events/failed/
wait_log 'moved to .*/schedules/events/failed' 20; ok $? "a failing run is given up after its retries, into the failed directory"
is "$(nevents fail-me)" 2 "retries = 1: it ran twice"
is "$(ls "$T/state/schedules/events/failed" | grep -c '\.ev$')" 1 "its record is in state_dir/schedules/events/failed"
like "$(dlog)" 'Event invocation failed \([^)]*\); retry 1 of 1' "the retry is logged against the schedule's own policy"
is "$(nevents early)" 0 "at(06:00) has not run at 00:0x"
stop_daemon
like "$(grep '^every-minute' "$T/state/schedules/state")" '^every-minute	17723[0-9]+	17723232[0-9]{2}	-	rate\(1 minute\)$' \
	"the state file keeps the last run"

# ---- a restart at 13:00: noon in Berlin (11:00 UTC) and at(06:00) were missed
keep_log
FAKE_AT='2026-03-01 13:00:00'
start_daemon
wait_events rule/noon-berlin 1 10; ok $? "catch_up = on: the missed cron() run runs at start"
like "$(dlog)" 'schedule noon-berlin: due at 2026-03-01T11:00:00Z while lambdad was down; running it once now' "and says which run it was"
is "$(events rule/noon-berlin | python3 -c 'import json,sys; print(json.load(sys.stdin)["time"])')" \
	2026-03-01T11:00:00Z "its event carries the time it was due"
wait_events '"kind":"early"' 1 10
is "$(events '"kind":"early"')" \
	'{"kind":"early","arn":"arn:aws:scheduler:us-east-1:123456789012:schedule/default/early","at":"2026-03-01T06:00:00Z"}' \
	"a missed at() runs with its input, the context attributes filled in"
like "$(dlog)" 'schedule every-minute: missed the run due at 2026-03-01T00:[0-5][0-9]:[0-5][0-9]Z while lambdad was down \(catch_up = off\)' \
	"catch_up = off: the miss is logged, not run"
is "$(jget "$(sched noon-berlin)" 'j["next"]')" 2026-03-02T11:00:00Z "noon-berlin waits for the next noon"
is "$(jget "$(sched early)" 'j["next"]')" null "at() has no next time once it ran"
stop_daemon

# ---- and again at 13:30: nothing is run twice ---------------------------
# (with the Invoke API and its control plane on, for an alias below)
keep_log
FAKE_AT='2026-03-01 13:30:00'
EXTRA_CONF="invoke_api = on
$SCHEDS$LAST_FRIDAY"
start_daemon
# The catch-up decisions are logged before the listener opens.
wait_log 'listening on' 5
unlike "$(dlog)" 'running it once now' "a second restart runs no catch-up again"
is "$(nevents rule/noon-berlin) $(nevents '"kind":"early"')" "1 1" "each missed run ran exactly once"

# ---- a function of the control plane, by its alias -----------------------
mkdir -p "$T/pkg"
cp "$TH/sched_echo" "$T/pkg/bootstrap"
(cd "$T/pkg" && zip -q "$T/stamp.zip" bootstrap)
lam create-function --function-name stamp --runtime provided.al2023 --handler bootstrap \
	--role arn:aws:iam::123456789012:role/x --zip-file "fileb://$T/stamp.zip"
lam publish-version --function-name stamp
lam create-alias --function-name stamp --name live --function-version 1
is "$RC $(jget "$OUT" 'j["FunctionVersion"]')" "0 1" "aws lambda: stamp, version 1, alias live"

# ---- a reload adds and removes schedules ---------------------------------
EXTRA_CONF="invoke_api = on
$SCHEDS
[schedule added]
function = tick
expression = rate(5 minutes)

[schedule aliased]
function = stamp:live
expression = rate(1 minute)"
NOON_BEFORE=$(sched noon-berlin)
sed -n '1,/^admin_socket/p' "$T/lambdad.conf" > "$T/new.conf"
printf '%s\n' "$EXTRA_CONF" >> "$T/new.conf"
mv "$T/new.conf" "$T/lambdad.conf"
ctl reload > /dev/null; ok $? "lambdactl reload takes the new schedules"
NAMES=$(ctl schedules -j | python3 -c 'import json,sys; print(" ".join(s["name"] for s in json.load(sys.stdin)["schedules"]))')
is "$NAMES" "every-minute noon-berlin early xmas failing added aliased" "the new schedules are in, the removed one out"
is "$(sched noon-berlin)" "$NOON_BEFORE" "an unchanged schedule keeps its times"
like "$(jget "$(sched added)" 'j["next"]')" '^2026-03-01T13:3[5-9]:[0-9]{2}Z$' "the added rate(5 minutes) runs five minutes after the reload"
wait_events rule/aliased 1 30; ok $? "a schedule of NAME:ALIAS runs"
like "$(dlog)" 'schedule aliased: [0-9a-f-]{36}: due at [0-9T:-]+Z, queued for stamp:1' "through the version the alias names"

done_testing
