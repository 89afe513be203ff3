#!/bin/bash
# The fuzzers, briefly: every libFuzzer target under tests/fuzz/ is built
# (clang, ASan and UBSan), replays its checked-in corpus (every seed must
# run clean: a crash fixed once stays fixed), then explores for
# FUZZ_CI_SECONDS (default 4) from that corpus.  The long campaigns are
# `make fuzz FUZZ_SECONDS=N`; this is the short run CI makes of each.
. "$(dirname "$0")/lib.sh"

FZ="$ROOT/tests/fuzz"
SECS=${FUZZ_CI_SECONDS:-4}
targets=$(make -s -C "$FZ" targets 2>/dev/null)
n=$(echo $targets | wc -w)
plan $((1 + 2 * n))

if ! command -v clang >/dev/null 2>&1; then
	skip "clang is not installed (make deps-test installs it)"
	for t in $targets; do skip "$t: no clang"; skip "$t: no clang"; done
	exit 0
fi
make -s -C "$FZ" >"$T/build.log" 2>&1
rc=$?
ok $rc "make -C tests/fuzz builds the $n targets"
[ $rc = 0 ] || sed 's/^/# /' "$T/build.log" | tail -n 30

for t in $targets; do
	bin="$B/fuzz/$t"
	dict=
	[ -f "$FZ/$t.dict" ] && dict="-dict=$FZ/$t.dict"
	seeds=$(ls "$FZ/corpus/$t" 2>/dev/null | wc -l)
	# -runs=0 with a corpus: run each seed once, then stop.
	"$bin" -runs=0 -timeout=10 $dict "$FZ/corpus/$t" >"$T/$t.replay" 2>&1
	rc=$?
	[ "$seeds" -gt 0 ] || rc=1
	ok $rc "$t: its $seeds seeds replay clean"
	[ $rc = 0 ] || tail -n 30 "$T/$t.replay" | sed 's/^/# /'
	# FUZZ_CI_NO_EXPLORE: targets whose exploration is skipped (their
	# seeds still replay), for a target under study.
	case " ${FUZZ_CI_NO_EXPLORE-} " in *" $t "*)
		skip "$t: exploration off in CI (FUZZ_CI_NO_EXPLORE)"; continue ;;
	esac
	mkdir -p "$T/corpus/$t"
	"$bin" -seed=1 -max_total_time="$SECS" -timeout=10 $dict -print_final_stats=1 \
	    -artifact_prefix="$T/$t-" "$T/corpus/$t" "$FZ/corpus/$t" \
	    >"$T/$t.run" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$T/$t.run")
	ok $rc "$t: ${SECS} s from its corpus, clean (${execs:-?} executions)"
	[ $rc = 0 ] || tail -n 40 "$T/$t.run" | sed 's/^/# /'
done
