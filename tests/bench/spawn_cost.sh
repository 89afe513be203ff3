#!/bin/sh
# Cold-start cost of each jail layer: builds tests/bench/spawn_cost.c
# against build/libsandbox.a and runs it (as root for the netns rows).
# Run from anywhere after `make all`; prints median and p99 per layer.
cd "$(dirname "$0")/../.." || exit 2
mkdir -p build/bench
make -s build/libsandbox.a build/tests/handlers/sbprobe || exit 1
${CC:-cc} -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Isandbox \
	-o build/bench/spawn_cost tests/bench/spawn_cost.c build/libsandbox.a \
	$(pkg-config --libs libseccomp) || exit 1
exec build/bench/spawn_cost "$PWD/build/tests/handlers/sbprobe"
