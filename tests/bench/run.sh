#!/bin/bash
# tests/bench/run.sh: side-by-side benchmarks of lambdad against what a C
# developer would otherwise run, on this machine, in one run (`make bench`).
#
# Compared, each with wrk -t1 (median of BENCH_RUNS runs):
#   bare libuv + llhttp fixed 200 (the gateway ceiling), nginx `return 200`,
#   nginx + spawn-fcgi with a libfcgi C handler (2 processes), lambdad with the
#   examples/hello handler warm (2 workers), the same with busy_poll = on
#   (what spinning buys: compare its c1 p50 with the default's), lambdad with
#   10,000 routes, lambdad with CORS on (a [cors] section, every request
#   from an allowed Origin: what the API gateway's stages cost, issue 10),
#   lambdad with access_log = FILE (a line per request, written off the loop),
#   and lambdad cold (max_invocations = 1: every request starts a worker).
# Cold start per jail layer: the same cold hello under sandbox = none,
# basic (rlimits + seccomp + uid), full with network = host, and full with
# network = none (its own netns, joined).  BENCH_ONLY=cold-layers runs only
# that part; BENCH_ONLY=cors only the warm hello with and without CORS (and behind a
# JWT authorizer, and with the
# access log);
# BENCH_ONLY=conns only the idle keep-alive clients' memory;
# BENCH_ONLY=cache the warm hello and the same route cached (cache_ttl:
# every request a hit of the response cache, no worker involved).
# max_concurrency: hello and a 5 ms-sleep handler, 2 workers at 1 and 16
# invocations each (tests/bench/concurrency.sh; BENCH_ONLY=concurrency runs
# only that).
# Memory: an idle hello worker's private memory, the daemon's RSS with 100
# functions configured and with BENCH_CONNS_IDLE (10,000) idle keep-alive
# clients.  Absolute numbers drift from run to run; the targets
# are ratios measured in the same run (see /work/shared/anchors.md).
#
# Environment: BENCH_DURATION (s, default 10), BENCH_RUNS (3),
# BENCH_LAT_DURATION (s, for the c1 runs; default half of BENCH_DURATION:
# a p50 over tens of thousands of requests is as stable at 5 s as at 10 s),
# BENCH_CONNS (32),
# LAMBDAD (build/lambdad), HELLO_BOOTSTRAP (build/examples/hello/bootstrap),
# BENCH_KEEP_TMP (set: keep the temp dir of configs, logs, wrk reports).
# Writes the table to build/bench/results.md.  Every server is started here
# in the background, bound to 127.0.0.1 on a free port, and killed by pid on
# exit.  Exit status 1 when a server failed to start or answered wrongly;
# targets not met do not fail the run.

set -u
cd "$(dirname "$0")/../.." || exit 1
ROOT=$(pwd)
# shellcheck source=tests/bench/lib.sh
. tests/bench/lib.sh

DUR=${BENCH_DURATION:-10}
RUNS=${BENCH_RUNS:-3}
LAT_DUR=${BENCH_LAT_DURATION:-$(((DUR + 1) / 2))}
CONNS=${BENCH_CONNS:-32}
LAMBDAD=${LAMBDAD:-$ROOT/build/lambdad}
HELLO=${HELLO_BOOTSTRAP:-$ROOT/build/examples/hello/bootstrap}
OUT=$ROOT/build/bench
RESULTS=$OUT/results.md
ROUTES_MANY=10000
NCONNS=${BENCH_CONNS_IDLE:-10000}
ROUTES_FEW=10
NFUNCS=100

FAILED=0
WRK_ARGS=()		# extra wrk arguments (headers) for the case at hand
PIDS=()			# every server this script started, killed on exit
declare -A TP LAT ERRS NOTE MEM

TMP=$(mktemp -d /tmp/lambdad-bench.XXXXXX) || exit 1
# nginx workers run as nobody when we are root: let them reach the sockets.
chmod 755 "$TMP"

log() { printf '== [%3ds] %s\n' "$SECONDS" "$*" >&2; }
fail() { printf '!! %s\n' "$*" >&2; FAILED=1; }

# ---- processes -------------------------------------------------------------

# Stop one pid: TERM, up to 5 s, then KILL.  Reaps it if it is our child.
stop_pid() {
	local pid=$1 i
	alive "$pid" || { wait "$pid" 2>/dev/null; return 0; }
	kill -TERM "$pid" 2>/dev/null
	for ((i = 0; i < 50; i++)); do
		alive "$pid" || break
		sleep 0.1
	done
	alive "$pid" && kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
	local p
	for p in "${PIDS[@]}"; do
		stop_pid "$p"
	done
	if [ -n "${BENCH_KEEP_TMP:-}" ]; then
		echo "run.sh: logs and wrk reports kept in $TMP" >&2
	else
		rm -rf "$TMP"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# start NAME CMD...: run CMD in the background, stderr and stdout to a log.
# Sets STARTED to its pid.
start() {
	local name=$1
	shift
	"$@" >"$TMP/$name.log" 2>&1 &
	STARTED=$!
	PIDS+=("$STARTED")
}

# Pids of the descendants of $1 (children first), from /proc.
descendants() {
	local p kids
	kids=$(ps -o pid= --ppid "$1")
	for p in $kids; do
		echo "$p"
		descendants "$p"
	done
}

any_alive() {
	local p
	for p in "$@"; do
		alive "$p" && return 0
	done
	return 1
}

comm_of() { cat "/proc/$1/comm" 2>/dev/null; }

# Stop lambdad, then anything it left behind (workers, spawner) 2 s later
# that still has the name it had while lambdad ran, so a reused pid is
# never hit.  The spawner and workers exit on their own once lambdad is
# gone, a moment after it.
stop_daemon() {
	local pid=$1 p i
	local -a kids=() names=()
	for p in $(descendants "$pid"); do
		kids+=("$p")
		names+=("$(comm_of "$p")")
	done
	stop_pid "$pid"
	for ((i = 0; i < 20; i++)); do
		any_alive "${kids[@]}" || break
		sleep 0.1
	done
	for ((p = 0; p < ${#kids[@]}; p++)); do
		if alive "${kids[p]}" && [ "$(comm_of "${kids[p]}")" = "${names[p]}" ]; then
			log "lambdad left pid ${kids[p]} (${names[p]}) behind; killing it"
			kill -KILL "${kids[p]}" 2>/dev/null
		fi
	done
}

# ---- measuring -------------------------------------------------------------

# private_kib PID: Private_Clean + Private_Dirty, the memory only it holds.
private_kib() {
	awk '/^Private_(Clean|Dirty):/ { s += $2 } END { print s + 0 }' \
	    "/proc/$1/smaps_rollup" 2>/dev/null
}
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null; }

# wrk_parse FILE: "req/s p50_us errors" from one wrk report.
wrk_parse() {
	awk '
	/^Requests\/sec:/ { rps = $2 }
	$1 == "50%" {
		v = $2; n = v + 0
		if (v ~ /us$/) p50 = n; else if (v ~ /ms$/) p50 = n * 1000
		else if (v ~ /[0-9]s$/) p50 = n * 1000000; else p50 = n
	}
	/Non-2xx or 3xx responses:/ { err += $NF }
	/Socket errors:/ { for (i = 3; i <= NF; i++) if ($i ~ /^[0-9]+,?$/) err += $i + 0 }
	END { printf "%s %s %d\n", rps == "" ? "0" : rps, p50 == "" ? "0" : p50, err }' "$1"
}

# wrk_runs KEY URL CONNS SECONDS: RUNS runs after a 1 s warm-up; sets
# TP[KEY] (median req/s) or LAT[KEY] (median p50 µs) and ERRS[KEY].
wrk_runs() {
	local key=$1 url=$2 c=$3 d=$4 i f r p e rps=() p50=() err=0
	timeout 10 wrk -t1 -c"$c" -d1s "${WRK_ARGS[@]}" "$url" >/dev/null 2>&1
	for ((i = 1; i <= RUNS; i++)); do
		f=$TMP/wrk-$key-c$c-$i.txt
		timeout $((d + 20)) wrk -t1 -c"$c" -d"${d}s" --latency \
			"${WRK_ARGS[@]}" "$url" >"$f" 2>&1
		read -r r p e <<<"$(wrk_parse "$f")"
		rps+=("$r")
		p50+=("$p")
		err=$((err + e))
		log "  $key c$c run $i: $r req/s, p50 $p us, $e errors"
	done
	if [ "$c" = 1 ]; then
		LAT[$key]=$(printf '%s\n' "${p50[@]}" | median)
	else
		TP[$key]=$(printf '%s\n' "${rps[@]}" | median)
	fi
	ERRS[$key]=$((${ERRS[$key]:-0} + err))
}

# check_body URL TEXT: the server answers 200 with TEXT in the body.
check_body() {
	local body code
	body=$(curl -s -m 5 -w '\n%{http_code}' ${3:+-H "$3"} "$1")
	code=${body##*$'\n'}
	body=${body%$'\n'*}
	if [ "$code" != 200 ] || [[ "$body" != *"$2"* ]]; then
		fail "$1 answered $code: ${body:0:200} (wanted 200 with \"$2\")"
		return 1
	fi
	return 0
}

# ---- the comparison servers ------------------------------------------------

bench_bare() {
	local port pid
	log "bare libuv + llhttp"
	port=$(free_port)
	start bare "$OUT/bare" 127.0.0.1 "$port"
	pid=$STARTED
	if ! wait_port "$pid" "$port" 5 || ! check_body "http://127.0.0.1:$port/" "Hello, bare!"; then
		fail "bare server did not start: $(tail -n 3 "$TMP/bare.log")"
		NOTE[bare]="failed to start"
		stop_pid "$pid"
		return
	fi
	wrk_runs bare "http://127.0.0.1:$port/" "$CONNS" "$DUR"
	wrk_runs bare "http://127.0.0.1:$port/" 1 "$LAT_DUR"
	stop_pid "$pid"
}

# The FastCGI params the handler needs (no root-owned fastcgi_params file).
nginx_fcgi_location() {
	cat <<EOF
		location / {
			fastcgi_pass $1;
			fastcgi_keep_conn $2;
			fastcgi_param REQUEST_METHOD \$request_method;
			fastcgi_param REQUEST_URI \$request_uri;
			fastcgi_param PATH_INFO \$uri;
			fastcgi_param QUERY_STRING \$query_string;
			fastcgi_param SERVER_PROTOCOL \$server_protocol;
			fastcgi_param GATEWAY_INTERFACE CGI/1.1;
			fastcgi_param REMOTE_ADDR \$remote_addr;
			fastcgi_param SERVER_NAME \$server_name;
			fastcgi_param SERVER_PORT \$server_port;
		}
EOF
}

# write_nginx_conf PORT_RETURN PORT_FCGI_CLOSE PORT_FCGI_KEEP: prints the path.
#
# FastCGI is served two ways, each used where it is nginx's best.  With
# fastcgi_keep_conn on, a libfcgi process serves one upstream connection
# until nginx closes it; under 32 clients nginx opens more upstream
# connections than there are processes, and the extra ones wait in the
# listen backlog behind idle kept connections (measured here: only ~2 of 32
# wrk connections ever complete).  So c32 uses a connection per request
# (nginx's default), and c1, where one kept connection is enough, keeps it.
write_nginx_conf() {
	local f=$TMP/nginx.conf
	mkdir -p "$TMP/nginx"
	cat >"$f" <<EOF
# written by tests/bench/run.sh; no file outside $TMP is used
worker_processes 1;
pid $TMP/nginx.pid;
error_log $TMP/nginx-error.log warn;
events { worker_connections 4096; }
http {
	access_log off;
	default_type text/plain;
	client_body_temp_path $TMP/nginx/body;
	proxy_temp_path $TMP/nginx/proxy;
	fastcgi_temp_path $TMP/nginx/fastcgi;
	uwsgi_temp_path $TMP/nginx/uwsgi;
	scgi_temp_path $TMP/nginx/scgi;
	# Clients keep their connection as long as wrk runs, as with lambdad.
	keepalive_timeout 65;
	keepalive_requests 100000000;

	upstream fcgi_close {
		server unix:$TMP/fcgi.sock;
	}
	upstream fcgi_keep {
		server unix:$TMP/fcgi.sock;
		keepalive 2;
		keepalive_requests 100000000;
	}
	server {
		listen 127.0.0.1:$1;
		location / { return 200 "Hello, nginx!\n"; }
	}
	server {
		listen 127.0.0.1:$2;
$(nginx_fcgi_location fcgi_close off)
	}
	server {
		listen 127.0.0.1:$3;
$(nginx_fcgi_location fcgi_keep on)
	}
}
EOF
	echo "$f"
}

# spawn-fcgi forks the handlers and exits; their pids are in its output.
start_fcgi() {
	local p
	spawn-fcgi -s "$TMP/fcgi.sock" -M 0666 -F 2 -- "$OUT/fcgi_hello" \
	    >"$TMP/spawn-fcgi.log" 2>&1 || return 1
	# shellcheck disable=SC2013  # one pid per matching line
	for p in $(sed -n 's/.*PID: *\([0-9][0-9]*\).*/\1/p' "$TMP/spawn-fcgi.log"); do
		PIDS+=("$p")
		FCGI_PIDS+=("$p")
	done
	[ "${#FCGI_PIDS[@]}" = 2 ]
}

bench_nginx() {
	local p_ret p_fcgi p_keep conf pid p m=0 k
	FCGI_PIDS=()
	log "nginx return 200, nginx + spawn-fcgi (2 libfcgi processes)"
	if ! start_fcgi; then
		fail "spawn-fcgi failed: $(cat "$TMP/spawn-fcgi.log")"
		NOTE[fcgi]="spawn-fcgi failed"
	fi
	p_ret=$(free_port)
	p_fcgi=$(free_port)
	p_keep=$(free_port)
	conf=$(write_nginx_conf "$p_ret" "$p_fcgi" "$p_keep")
	start nginx nginx -c "$conf" -p "$TMP/nginx" -e "$TMP/nginx-error.log" -g 'daemon off;'
	pid=$STARTED
	if ! wait_port "$pid" "$p_ret" 5 || ! wait_port "$pid" "$p_fcgi" 5 ||
	    ! wait_port "$pid" "$p_keep" 5; then
		fail "nginx did not start: $(tail -n 3 "$TMP/nginx.log" "$TMP/nginx-error.log")"
		NOTE[nginx]="failed to start"
		NOTE[fcgi]="failed to start"
		stop_pid "$pid"
		return
	fi
	if check_body "http://127.0.0.1:$p_ret/" "Hello, nginx!"; then
		wrk_runs nginx "http://127.0.0.1:$p_ret/" "$CONNS" "$DUR"
		wrk_runs nginx "http://127.0.0.1:$p_ret/" 1 "$LAT_DUR"
	else
		NOTE[nginx]="wrong answer"
	fi
	if [ -z "${NOTE[fcgi]:-}" ] &&
	    check_body "http://127.0.0.1:$p_fcgi/hello/bench" "Hello, bench!" &&
	    check_body "http://127.0.0.1:$p_keep/hello/bench" "Hello, bench!"; then
		wrk_runs fcgi "http://127.0.0.1:$p_fcgi/hello/bench" "$CONNS" "$DUR"
		wrk_runs fcgi "http://127.0.0.1:$p_keep/hello/bench" 1 "$LAT_DUR"
		sleep 1
		for p in "${FCGI_PIDS[@]}"; do
			k=$(private_kib "$p")
			[ "${k:-0}" -gt "$m" ] && m=$k
		done
		MEM[fcgi_priv]=$m
	else
		NOTE[fcgi]=${NOTE[fcgi]:-wrong answer}
	fi
	stop_pid "$pid"
	for p in "${FCGI_PIDS[@]}"; do
		stop_pid "$p"
	done
}

# ---- lambdad -----------------------------------------------------------------

# Route N of a table of COUNT: "GET /hello/{name}" in the middle, the others
# of the same shape, so only the size of the table differs between configs.
write_routes() {
	awk -v n="$1" 'BEGIN {
		for (i = 0; i < n; i++)
			if (i == int(n / 2)) print "route = GET /hello/{name}"
			else printf "route = GET /h%05d/{name}\n", i }'
}

# lambdad_conf FILE PORT ROUTES EXTRA [LAMBDAD_EXTRA]: one hello function
# with ROUTES routes and EXTRA as its pool settings; LAMBDAD_EXTRA goes in
# [lambdad].
lambdad_conf() {
	{
		printf '[lambdad]\nlisten = 127.0.0.1:%s\nstate_dir = %s/state\n' "$2" "$TMP"
		[ -n "${5:-}" ] && printf '%s\n' "$5"
		printf '\n[function hello]\n'
		printf 'bootstrap = %s\n' "$HELLO"
		write_routes "$3"
		printf '%s\n' "$4"
		printf 'seccomp = default\n'
	} >"$1"
}

# NFUNCS functions, one route each, none started until called.
lambdad_conf_many_fns() {
	local i
	{
		printf '[lambdad]\nlisten = 127.0.0.1:%s\nstate_dir = %s/state\n' "$2" "$TMP"
		for ((i = 0; i < NFUNCS; i++)); do
			printf '\n[function fn%03d]\nbootstrap = %s\n' "$i" "$HELLO"
			printf 'route = GET /fn%03d/{name}\nmin_idle = 0\nseccomp = default\n' "$i"
		done
	} >"$1"
}

# start_lambdad NAME CONF PORT: sets STARTED, or returns 1 with a message.
start_lambdad() {
	start "$1" "$LAMBDAD" -c "$2"
	if ! wait_port "$STARTED" "$3" 30; then
		fail "lambdad ($1) did not start: $(tail -n 5 "$TMP/$1.log")"
		stop_daemon "$STARTED"
		return 1
	fi
	return 0
}

# Hello workers under lambdad pid $1: its descendants (workers are children
# of the spawner) whose process name is the bootstrap's file name.
hello_workers() {
	local p
	for p in $(descendants "$1"); do
		[ "$(comm_of "$p")" = "$(basename "$HELLO")" ] && echo "$p"
	done
}

# bench_lambdad_warm [KEY LAMBDAD_EXTRA [HEADER [FN_EXTRA]]]: KEY warm (the
# default config), warm_spin (busy_poll = on: what spinning buys, mostly at
# c1), warm_cors (a [cors] section; wrk sends HEADER, an allowed Origin) or
# warm_cache (FN_EXTRA cache_ttl: the response cache answers every request)
# or warm_jwt (a JWT authorizer on the function; wrk sends HEADER, a valid
# HS256 token).
bench_lambdad_warm() {
	local key=${1:-warm} extra=${2:-} hdr=${3:-} fnextra=${4:-} port conf pid url p k m=0 n=0 i
	log "lambdad $key: hello, min_idle = 2, max_workers = 2, $ROUTES_FEW routes${extra:+, $extra}${fnextra:+, $fnextra}"
	port=$(free_port)
	conf=$TMP/$key.conf
	lambdad_conf "$conf" "$port" "$ROUTES_FEW" $'min_idle = 2\nmax_workers = 2'"${fnextra:+$'\n'$fnextra}" "$extra"
	start_lambdad "lambdad-$key" "$conf" "$port" || { NOTE[$key]="failed to start"; return; }
	pid=$STARTED
	url="http://127.0.0.1:$port/hello/bench"
	# min_idle workers come up after the port: give them a moment.
	for ((i = 0; i < 40; i++)); do
		[ "$(hello_workers "$pid" | wc -l)" -ge 2 ] && break
		sleep 0.05
	done
	if ! check_body "$url" "Hello, bench!" "$hdr"; then
		NOTE[$key]="wrong answer"
		stop_daemon "$pid"
		return
	fi
	[ -n "$hdr" ] && WRK_ARGS=(-H "$hdr")
	if [ "$key" = warm_cors ] && ! curl -s -m 5 -D - -o /dev/null -H "$hdr" "$url" |
	    grep -qi '^access-control-allow-origin:'; then
		fail "$key: no Access-Control-Allow-Origin in the reply"
		NOTE[$key]="no CORS headers"
	fi
	if [ "$key" = warm_cache ] && ! curl -s -m 5 -D - -o /dev/null "$url" |
	    grep -qi '^age:'; then
		fail "$key: the second request was not a cache hit (no Age)"
		NOTE[$key]="not cached"
	fi
	wrk_runs "$key" "$url" "$CONNS" "$DUR"
	wrk_runs "$key" "$url" 1 "$LAT_DUR"
	WRK_ARGS=()
	if [ "$key" != warm ]; then
		stop_daemon "$pid"
		return
	fi
	sleep 1
	for p in $(hello_workers "$pid"); do
		k=$(private_kib "$p")
		n=$((n + 1))
		[ "${k:-0}" -gt "$m" ] && m=$k
	done
	[ "$n" -gt 0 ] && MEM[worker_priv]=$m
	MEM[warm_workers]=$n
	MEM[warm_rss]=$(rss_kib "$pid")
	stop_daemon "$pid"
}

bench_lambdad_routes() {
	local port conf pid url
	log "lambdad with $ROUTES_MANY routes"
	port=$(free_port)
	conf=$TMP/routes.conf
	lambdad_conf "$conf" "$port" "$ROUTES_MANY" $'min_idle = 2\nmax_workers = 2'
	start_lambdad lambdad-routes "$conf" "$port" || { NOTE[routes]="failed to start"; return; }
	pid=$STARTED
	url="http://127.0.0.1:$port/hello/bench"
	if check_body "$url" "Hello, bench!" &&
	    check_body "http://127.0.0.1:$port/h00001/x" "Hello, x!"; then
		wrk_runs routes "$url" "$CONNS" "$DUR"
		MEM[routes_rss]=$(rss_kib "$pid")
	else
		NOTE[routes]="wrong answer"
	fi
	stop_daemon "$pid"
}

bench_lambdad_cold() {
	local port conf pid url
	log "lambdad cold: min_idle = 0, max_invocations = 1 (a new worker per request)"
	port=$(free_port)
	conf=$TMP/cold.conf
	lambdad_conf "$conf" "$port" 1 $'min_idle = 0\nmax_workers = 2\nmax_invocations = 1'
	start_lambdad lambdad-cold "$conf" "$port" || { NOTE[cold]="failed to start"; return; }
	pid=$STARTED
	url="http://127.0.0.1:$port/hello/bench"
	if check_body "$url" "Hello, bench!" && check_body "$url" "Hello, bench!"; then
		wrk_runs cold "$url" 1 "$LAT_DUR"
	else
		NOTE[cold]="wrong answer"
	fi
	stop_daemon "$pid"
}

# Cold start per jail layer, through the daemon: c1 p50 of a function whose
# every request starts a new worker, under each sandbox setting.
COLD_LAYERS="none basic host full"
bench_cold_layers() {
	local port conf pid url l extra
	for l in $COLD_LAYERS; do
		case $l in
		none) extra='sandbox = none' ;;
		basic) extra='sandbox = basic' ;;
		host) extra=$'sandbox = full\nnetwork = host' ;;
		full) extra=$'sandbox = full\nnetwork = none' ;;
		esac
		log "lambdad cold, ${extra//$'\n'/, }"
		port=$(free_port)
		conf=$TMP/cold-$l.conf
		lambdad_conf "$conf" "$port" 1 $'min_idle = 0\nmax_workers = 2\nmax_invocations = 1\n'"$extra"
		start_lambdad "lambdad-cold-$l" "$conf" "$port" ||
			{ NOTE[cold_$l]="failed to start"; continue; }
		pid=$STARTED
		url="http://127.0.0.1:$port/hello/bench"
		if check_body "$url" "Hello, bench!" && check_body "$url" "Hello, bench!"; then
			wrk_runs "cold_$l" "$url" 1 "$LAT_DUR"
		else
			NOTE[cold_$l]="wrong answer"
		fi
		stop_daemon "$pid"
	done
}

report_cold_layers() {
	local l label
	printf '\n## Cold start per jail layer (through the daemon)\n\n'
	printf 'A new worker per request (max_invocations = 1), wrk -t1 -c1 for %s s,\n' "$LAT_DUR"
	printf 'median of %s runs; lambdad started as %s.\n\n' "$RUNS" \
	    "$( [ "$(id -u)" = 0 ] && echo root || echo "uid $(id -u)" )"
	printf '| sandbox | c1 p50 µs | errors |\n| --- | --- | --- |\n'
	for l in $COLD_LAYERS; do
		case $l in
		none) label="none: no jail but the uid drop" ;;
		basic) label="basic: rlimits + seccomp + uid" ;;
		host) label="full, network = host: + pid/mount ns, hidden dirs" ;;
		full) label="full, network = none: + the function's netns (joined)" ;;
		esac
		printf '| %s | %s | %s |\n' "$label" "$(int "${LAT[cold_$l]:-}")" \
		    "${NOTE[cold_$l]:-${ERRS[cold_$l]:-—}}"
	done
}

bench_lambdad_idle() {
	local port conf pid p
	log "lambdad idle with $NFUNCS functions"
	port=$(free_port)
	conf=$TMP/fns.conf
	lambdad_conf_many_fns "$conf" "$port"
	start_lambdad lambdad-fns "$conf" "$port" || { NOTE[fns]="failed to start"; return; }
	pid=$STARTED
	# Serving, without starting any worker: an unknown route is a 404.
	if [ "$(curl -s -m 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/nope")" != 404 ]; then
		fail "lambdad with $NFUNCS functions does not answer 404 to an unknown route"
	fi
	sleep 1
	MEM[fns_rss]=$(rss_kib "$pid")
	# The spawner (and anything else lambdad keeps) is reported apart.
	for p in $(descendants "$pid"); do
		MEM[fns_helpers]="${MEM[fns_helpers]:+${MEM[fns_helpers]}, }$(comm_of "$p") $(rss_kib "$p")"
	done
	stop_daemon "$pid"
}

# 10,000 idle keep-alive clients (tests/integration/holdconns.py: one
# request each, then held): the daemon's RSS before, while they are held,
# and after they closed (what malloc keeps).
bench_lambdad_conns() {
	local port conf pid i before
	log "lambdad with $NCONNS idle keep-alive connections"
	port=$(free_port)
	conf=$TMP/conns.conf
	lambdad_conf "$conf" "$port" "$ROUTES_FEW" $'min_idle = 1\nmax_workers = 2' \
	    "max_connections = $((NCONNS + 100))"
	start_lambdad lambdad-conns "$conf" "$port" || { NOTE[conns]="failed to start"; return; }
	pid=$STARTED
	if check_body "http://127.0.0.1:$port/hello/bench" "Hello, bench!"; then
		before=$(rss_kib "$pid")
		rm -f "$TMP/conns.ready" "$TMP/conns.stop"
		python3 "$ROOT/tests/integration/holdconns.py" "$port" "$NCONNS" /hello/bench \
		    "$TMP/conns.ready" "$TMP/conns.stop" --max-hold 120 >"$TMP/conns.out" 2>&1 &
		local hp=$!
		for ((i = 0; i < 1200; i++)); do
			[ -s "$TMP/conns.ready" ] && break
			kill -0 "$hp" 2>/dev/null || break
			sleep 0.1
		done
		MEM[conns_before]=$before
		MEM[conns_held]=$(rss_kib "$pid")
		MEM[conns_note]=$(cat "$TMP/conns.ready" 2>/dev/null)
		touch "$TMP/conns.stop"
		wait "$hp" 2>/dev/null
		sleep 1
		MEM[conns_after]=$(rss_kib "$pid")
	else
		NOTE[conns]="wrong answer"
	fi
	stop_daemon "$pid"
}

# ---- the report --------------------------------------------------------------

# ratio A B: A/B to two decimals, or "n/a".
ratio() {
	awk -v a="${1:-}" -v b="${2:-}" 'BEGIN {
		if (a == "" || b == "" || b + 0 == 0) print "n/a"; else printf "%.2fx\n", a / b }'
}
int() { [ -n "${1:-}" ] && printf '%.0f' "$1" || printf -- '—'; }
# verdict VALUE OP LIMIT
verdict() {
	awk -v v="${1:-}" -v op="$2" -v l="$3" 'BEGIN {
		if (v == "" || v == "n/a") { print "n/a"; exit }
		ok = (op == ">=") ? v + 0 >= l : (op == "<=") ? v + 0 <= l : v + 0 < l
		print ok ? "met" : "**not met**" }'
}

row() {
	local key=$1 label=$2 e
	e=${ERRS[$key]:-}
	[ -n "${NOTE[$key]:-}" ] && e=${NOTE[$key]}
	printf '| %s | %s | %s | %s | %s | %s |\n' "$label" "$(int "${TP[$key]:-}")" \
	    "$(ratio "${TP[$key]:-}" "${TP[bare]:-}")" "$(int "${LAT[$key]:-}")" \
	    "$(ratio "${LAT[$key]:-}" "${LAT[bare]:-}")" "${e:-—}"
}

report() {
	local tput lat cold routes
	tput=$(ratio "${TP[warm]:-}" "${TP[fcgi]:-}")
	lat=$(ratio "${LAT[warm]:-}" "${LAT[bare]:-}")
	cold=n/a
	[ -n "${LAT[cold]:-}" ] && [ -n "${LAT[warm]:-}" ] &&
		cold=$(awk -v c="${LAT[cold]}" -v w="${LAT[warm]}" 'BEGIN { printf "%.2f", (c - w) / 1000 }')
	routes=$(ratio "${TP[routes]:-}" "${TP[warm]:-}")
	cat <<EOF
# lambdad benchmarks

$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(uname -r); wrk -t1,
c$CONNS for ${DUR} s and c1 for ${LAT_DUR} s, median of $RUNS runs, load
generator and servers sharing the cores.  Compare ratios from the same run.
$( { [ -x "$LAMBDAD" ] && [ -x "$HELLO" ]; } || echo "
**lambdad rows skipped: ${LAMBDAD#"$ROOT"/} or ${HELLO#"$ROOT"/} is not built.**" )

| design | c$CONNS req/s | × bare | c1 p50 µs | × bare | errors |
| --- | --- | --- | --- | --- | --- |
$(row bare "bare libuv + llhttp, fixed 200")
$(row nginx "nginx \`return 200\`, 1 worker")
$(row fcgi "nginx + spawn-fcgi, libfcgi C handler, 2 processes (fastcgi_keep_conn: c$CONNS off, c1 on)")
$(row warm "lambdad, hello warm, 2 workers, $ROUTES_FEW routes")
$(row warm_spin "lambdad, the same with busy_poll = on")
$(row warm_cors "lambdad, the same with CORS on ([cors], allowed Origin)")
$(row warm_jwt "lambdad, the same behind a JWT authorizer (HS256 token)")
$(row warm_alog "lambdad, the same with access_log = FILE (default JSON)")
$(row warm_cache "lambdad, the same route cached (cache_ttl = 60: every request a hit, no worker)")
$(row routes "lambdad, hello warm, 2 workers, $ROUTES_MANY routes")
$(row cold "lambdad, hello cold (max_invocations = 1)")

| target | measured | goal | |
| --- | --- | --- | --- |
| warm throughput, lambdad / nginx+FastCGI | $tput | >= 2.0x | $(verdict "$tput" ">=" 2.0) |
| warm c1 p50, lambdad / bare | $lat | <= 1.4x | $(verdict "$lat" "<=" 1.4) |
| cold start, added ms (cold p50 - warm p50) | $cold | <= 1.5 | $(verdict "$cold" "<=" 1.5) |
| idle hello worker, private KiB | ${MEM[worker_priv]:-n/a} | <= 200 | $(verdict "${MEM[worker_priv]:-}" "<=" 200) |
| lambdad RSS idle, $NFUNCS functions, KiB | ${MEM[fns_rss]:-n/a} | < 8192 | $(verdict "${MEM[fns_rss]:-}" "<" 8192) |
| lambdad RSS with $NCONNS idle keep-alive clients, KiB | ${MEM[conns_held]:-n/a} | <= 51200 | $(verdict "${MEM[conns_held]:-}" "<=" 51200) |
| throughput, $ROUTES_MANY routes / $ROUTES_FEW routes | $routes | the same (>= 0.95x) | $(verdict "$routes" ">=" 0.95) |

| memory, KiB | value |
| --- | --- |
| libfcgi hello handler after load, private | ${MEM[fcgi_priv]:-n/a} |
| hello worker idle after load, private (largest of ${MEM[warm_workers]:-0}) | ${MEM[worker_priv]:-n/a} |
| lambdad RSS after load, $ROUTES_FEW routes | ${MEM[warm_rss]:-n/a} |
| lambdad RSS after load, $ROUTES_MANY routes | ${MEM[routes_rss]:-n/a} |
| lambdad RSS idle, $NFUNCS functions | ${MEM[fns_rss]:-n/a} |
| its helper processes (name RSS) | ${MEM[fns_helpers]:-none} |
| lambdad RSS before / with / after $NCONNS keep-alive clients (${MEM[conns_note]:-not measured}) | ${MEM[conns_before]:-n/a} / ${MEM[conns_held]:-n/a} / ${MEM[conns_after]:-n/a} |
EOF
}

# ---- main ----------------------------------------------------------------------

for tool in wrk nginx spawn-fcgi curl python3; do
	command -v "$tool" >/dev/null || { echo "run.sh: $tool is missing (make deps-bench)" >&2; exit 1; }
done
mkdir -p "$OUT"
if [ "${BENCH_ONLY:-}" = concurrency ]; then
	"$ROOT/tests/bench/concurrency.sh" | tee "$OUT/concurrency.md"
	exit "${PIPESTATUS[0]}"
fi
if [ "${BENCH_ONLY:-}" = cold-layers ]; then
	bench_cold_layers
	report_cold_layers | tee "$OUT/cold-layers.md"
	exit "$FAILED"
fi
make -s -f tests/bench/Makefile || exit 1
CORS_CONF=$'[cors]\nallow_origins = https://app.example\nallow_methods = GET\nexpose_headers = x-id'
# A JWT authorizer with an HS256 secret, and a token for it (valid a day).
printf 'bench-secret-0123456789abcdef0123' >"$TMP/jwt.secret"
JWT_CONF=$'[authorizer bench]\ntype = jwt\nissuer = https://bench.example\naudience = bench\nsecret = '"$TMP/jwt.secret"
JWT_TOKEN=$(python3 - "$TMP/jwt.secret" <<'PY'
import base64, hashlib, hmac, json, sys, time
b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=")
key = open(sys.argv[1], "rb").read()
head = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
body = b64(json.dumps({"iss": "https://bench.example", "aud": "bench",
    "sub": "bench", "exp": int(time.time()) + 86400}).encode())
sig = b64(hmac.new(key, head + b"." + body, hashlib.sha256).digest())
print((head + b"." + body + b"." + sig).decode())
PY
)
if [ "${BENCH_ONLY:-}" = conns ]; then
	bench_lambdad_conns
	report | grep -E "^\| lambdad RSS (with|before)" | tee "$OUT/conns.md"
	exit "$FAILED"
fi
if [ "${BENCH_ONLY:-}" = cors ]; then
	bench_bare
	bench_lambdad_warm
	bench_lambdad_warm warm_cors "$CORS_CONF" "Origin: https://app.example"
	bench_lambdad_warm warm_jwt "$JWT_CONF" "Authorization: Bearer $JWT_TOKEN" "auth = bench"
	bench_lambdad_warm warm_alog "access_log = $TMP/access.log"
	report | sed -n '/^| design/,/^$/p' | grep -E "^\| (design|---|bare|lambdad, hello warm, 2 workers, $ROUTES_FEW routes|lambdad, the same (with (CORS|access_log)|behind a JWT))" |
		tee "$OUT/cors.md"
	exit "$FAILED"
fi
if [ "${BENCH_ONLY:-}" = cache ]; then
	bench_bare
	bench_lambdad_warm
	bench_lambdad_warm warm_cache "" "" "cache_ttl = 60"
	report | sed -n '/^| design/,/^$/p' | grep -E "^\| (design|---|bare|lambdad, hello warm, 2 workers, $ROUTES_FEW routes|lambdad, the same route cached)" |
		tee "$OUT/cache.md"
	exit "$FAILED"
fi

bench_bare
bench_nginx
if [ -x "$LAMBDAD" ] && [ -x "$HELLO" ]; then
	bench_lambdad_warm
	bench_lambdad_warm warm_spin "busy_poll = on"
	bench_lambdad_warm warm_cors "$CORS_CONF" "Origin: https://app.example"
	bench_lambdad_warm warm_jwt "$JWT_CONF" "Authorization: Bearer $JWT_TOKEN" "auth = bench"
	bench_lambdad_warm warm_alog "access_log = $TMP/access.log"
	bench_lambdad_warm warm_cache "" "" "cache_ttl = 60"
	bench_lambdad_routes
	bench_lambdad_cold
	bench_cold_layers
	bench_lambdad_idle
	bench_lambdad_conns
else
	log "skipping lambdad: $LAMBDAD or $HELLO is missing (make all first)"
	for k in warm warm_spin warm_cors warm_jwt warm_cache warm_alog routes cold; do NOTE[$k]="skipped: not built"; done
fi

{ report; report_cold_layers; } | tee "$RESULTS"
# What each jail layer adds to starting a worker (sandbox/ only, no daemon).
{ echo; echo "## Spawn cost per jail layer"; echo; sh "$ROOT/tests/bench/spawn_cost.sh"; } 2>&1 | tee -a "$RESULTS"
if [ -x "$LAMBDAD" ] && [ -x "$HELLO" ]; then
	{ echo; "$ROOT/tests/bench/concurrency.sh"; } | tee -a "$RESULTS"
fi
echo "(written to ${RESULTS#"$ROOT"/})"
exit "$FAILED"
