# tests/bench/lib.sh: what the bench scripts share, sourced by them (bash).
# Processes, ports and medians; each script keeps its own start/stop and
# reports.

# A zombie is gone for our purposes: it holds no port, no memory, no CPU.
alive() {
	kill -0 "$1" 2>/dev/null &&
		[ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" != Z ]
}

# A port of 127.0.0.1 free at the time of asking.
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_port PID PORT SECONDS: 0 once PORT accepts, 1 if PID died or time ran out.
wait_port() {
	local pid=$1 port=$2 n=$(($3 * 20)) i
	for ((i = 0; i < n; i++)); do
		alive "$pid" || return 1
		(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

# Median of the numbers on stdin.
median() {
	sort -g | awk '{ v[NR] = $1 } END {
		if (NR == 0) { print ""; exit }
		if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
