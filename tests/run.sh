#!/bin/sh
# Run every test of lambdad and end with one line "N passed, N failed".
#
#   unit tests         build/tests/unit/test_*   (Criterion, one process per test)
#   integration tests  tests/integration/*.t     (TAP, against the real daemon)
#
# TESTS="pattern ..." runs only the integration files whose name matches
# one of them.
cd "$(dirname "$0")/.." || exit 2
passed=0 failed=0 skipped=0
log=${LOG_DIR:-build/test-logs}
# As root, lambdad runs workers as nobody: they must reach build/.
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null &&
    ! setpriv --reuid=65534 --regid=65534 --clear-groups \
    test -x build/tests/handlers/misc; then
	echo "Bail out! workers run as nobody and cannot reach $(pwd)/build:" \
	    "make every directory above it searchable (chmod o+x) or clone elsewhere"
	echo "0 passed, 1 failed, 0 skipped"
	exit 1
fi
rm -rf "$log" && mkdir -p "$log"

# UNIT_DIR: where the unit test binaries are (a sanitizer build's).
for t in "${UNIT_DIR:-build/tests/unit}"/test_*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	"$t" --jobs 2 >"$log/$name.log" 2>&1
	rc=$?
	syn=$(grep -a 'Synthesis:' "$log/$name.log" | tail -n 1)
	p=$(echo "$syn" | sed -n 's/.*Passing: \([0-9]*\).*/\1/p')
	f=$(echo "$syn" | sed -n 's/.*Failing: \([0-9]*\).*/\1/p')
	if [ -z "$p" ]; then
		echo "unit $name: no result (exit $rc)"; cat "$log/$name.log"
		failed=$((failed + 1)); continue
	fi
	[ "$rc" -ne 0 ] && [ "${f:-0}" -eq 0 ] && f=1
	echo "unit $name: $p passed, $f failed"
	[ "$f" -gt 0 ] && grep -a -E '\[(FAIL|----)\]' "$log/$name.log" | head -40
	passed=$((passed + p)); failed=$((failed + f))
done

for t in tests/integration/*.t; do
	[ -f "$t" ] || continue
	# TESTS: space-separated patterns, any of which selects a file.
	want=0
	for pat in ${TESTS:-.t}; do
		case "$t" in *"$pat"*) want=1 ;; esac
	done
	[ "$want" = 1 ] || continue
	name=$(basename "$t" .t)
	start=$(date +%s)
	timeout 900 bash "$t" >"$log/$name.log" 2>&1
	rc=$?
	p=$(grep -c -E '^ok ' "$log/$name.log")
	s=$(grep -c -E '^ok .*# [Ss][Kk][Ii][Pp]' "$log/$name.log")
	f=$(grep -c -E '^not ok ' "$log/$name.log")
	plan=$(sed -n 's/^1\.\.\([0-9]*\).*/\1/p' "$log/$name.log" | head -n 1)
	if [ -n "$plan" ] && [ $((p + f)) -ne "$plan" ]; then
		echo "integration $name: planned $plan, ran $((p + f))"; f=$((f + 1))
	elif [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "integration $name: exit $rc"; f=$((f + 1))
	fi
	p=$((p - s))
	echo "integration $name: $p passed, $f failed, $s skipped ($(( $(date +%s) - start ))s)"
	if [ "$f" -gt 0 ]; then
		grep -a -E '^(not ok|#)' "$log/$name.log" | head -60
	fi
	grep -a -E '^ok .*# [Ss][Kk][Ii][Pp]' "$log/$name.log"
	passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
done

# A sanitizer build writes its reports there (make sanitize): any fails.
if [ -n "${SAN_REPORTS:-}" ] && [ -n "$(ls -A "$SAN_REPORTS" 2>/dev/null)" ]; then
	echo "sanitizer reports in $SAN_REPORTS:"
	head -n 40 "$SAN_REPORTS"/*
	failed=$((failed + 1))
fi
echo "logs in $log/"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
