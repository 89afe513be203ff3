#!/bin/bash
# rapi-probe.sh: a bootstrap that is itself a Runtime API conformance probe.
# lambdad runs it as a worker (seccomp = exec: it forks curl); it talks to
# $AWS_LAMBDA_RUNTIME_API and writes down everything it sees, so that
# tests/integration/04-rapi.t can drive invocations through a route and then
# assert on the record.  It judges nothing itself.
#
# Records go to the directory $PROBE_OUT.  A call named NAME leaves
#   NAME.h  the reply's status line and headers (curl -D)
#   NAME.b  the reply's body
#   NAME.w  "STATUS SECONDS CONNECTS" (curl -w)
# Each invocation's action is the last segment of the event's rawPath; its
# /next is kept as ACTION.next.{h,b,w}, "T0 T1" (epoch ms around the /next) in
# ACTION.t, its id in ACTION.id, and ACTION.done is written last.
#
# With PROBE_INIT_ERROR set it only writes init.* and waits, so that the test
# can post /init/error to its endpoint (AWS_LAMBDA_RUNTIME_API, in init.api).
set -u
export LC_ALL=C
out=${PROBE_OUT:?PROBE_OUT is not set}
hostport=${AWS_LAMBDA_RUNTIME_API:-}
api="http://$hostport/2018-06-01/runtime"
mkdir -p "$out"

# call NAME CURL-ARGS...: one Runtime API call, recorded as NAME.{h,b,w}.
call() {
	local name=$1
	shift
	curl -sS -D "$out/$name.h" -o "$out/$name.b" \
	    -w '%{http_code} %{time_total} %{num_connects}' "$@" \
	    >"$out/$name.w" 2>"$out/$name.err"
}

# hval FILE NAME: a header of a recorded reply (last reply in the file).
hval() {
	tr -d '\r' <"$1" | grep -i "^$2:" | tail -n 1 | cut -d: -f2- | sed 's/^ *//'
}

now_ms() { date +%s%3N; }

# ---- raw HTTP on one connection (fd 3), for keep-alive and trailers ------
raw_open() {
	exec 3<>"/dev/tcp/${hostport%:*}/${hostport##*:}"
}

# raw_read: one reply from fd 3 into RSTATUS, RHDRS, RBODY.
raw_read() {
	local line len=0
	RSTATUS= RHDRS= RBODY=
	IFS= read -r -t 20 line <&3 || return 1
	RSTATUS=$(printf '%s' "$line" | cut -d' ' -f2)
	while IFS= read -r -t 20 line <&3; do
		line=${line%$'\r'}
		[ -z "$line" ] && break
		RHDRS+="$line"$'\n'
		case "${line,,}" in
		content-length:*) len=${line#*:}; len=${len//[!0-9]/} ;;
		esac
	done
	if [ "$len" -gt 0 ]; then
		IFS= read -r -t 20 -N "$len" RBODY <&3 || return 1
	fi
	return 0
}

# raw_post PATH BODY: a Content-Length POST on fd 3.
raw_post() {
	printf 'POST /2018-06-01/runtime/%s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s' \
	    "$1" "$hostport" "${#2}" "$2" >&3
}

raw_get_next() {
	printf 'GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: %s\r\n\r\n' \
	    "$hostport" >&3
}

# ---- init --------------------------------------------------------------
env >"$out/init.env"
pwd >"$out/init.cwd"
echo "$#" >"$out/init.argc"
echo "$hostport" >"$out/init.api"

if [ -n "${PROBE_INIT_ERROR:-}" ]; then
	# The test posts /init/error to our endpoint itself: lambdad kills
	# the worker right after its 202, too soon to write the reply down.
	exec sleep 30
fi

# A reply before any /next is a wrong state; an unknown path is not found.
call prenext -X POST -H 'Content-Type: application/json' --data-binary '{}' \
    "$api/invocation/00000000-0000-4000-8000-000000000000/response"
call badpath "$api/invocation/nope"

# ---- the actions -------------------------------------------------------
respond() {	# respond NAME ID BODY [curl args]
	local name=$1 id=$2 body=$3
	shift 3
	call "$name" -X POST -H 'Content-Type: application/json' "$@" \
	    --data-binary "$body" "$api/invocation/$id/response"
}

act_basic() {
	# A second /next before replying must give the same event again.
	call basic.next2 "$api/invocation/next"
	# Reply with the event itself: the test compares both ends.
	call basic.resp -X POST -H 'Content-Type: application/json' \
	    --data-binary "@$out/basic.next.b" "$api/invocation/$id/response"
	respond basic.resp2 "$id" '{"again":true}'
	respond basic.unknown 11111111-2222-4333-8444-555555555555 '{}'
	call basic.errunknown -X POST --data-binary '{}' \
	    "$api/invocation/11111111-2222-4333-8444-555555555555/error"
}

# A file of exactly $1 bytes holding a 2.0 reply {"statusCode":200,"body":"xx..."}.
make_reply_file() {
	local n=$1 f=$2 pre='{"statusCode":200,"body":"' post='"}'
	{
		printf '%s' "$pre"
		head -c $((n - ${#pre} - ${#post})) /dev/zero | tr '\0' x
		printf '%s' "$post"
	} >"$f"
}

act_keepalive() {
	# next (again) -> response -> next -> error, all on one connection,
	# the way the Go and C++ clients use it.
	local st="" id2
	raw_open
	raw_get_next && raw_read && st+="$RSTATUS "
	raw_post "invocation/$id/response" '{"statusCode":200,"body":"ka1"}' &&
	    raw_read && st+="$RSTATUS "
	raw_get_next && raw_read && st+="$RSTATUS "
	id2=$(printf '%s' "$RHDRS" | tr -d '\r' |
	    sed -n 's/^[Ll]ambda-[Rr]untime-[Aa]ws-[Rr]equest-[Ii]d: *//p')
	printf '%s\n' "$id2" >"$out/keepalive.id2"
	raw_post "invocation/$id2/error" '{"errorMessage":"ka2 fails","errorType":"Probe.KeepAlive"}' &&
	    raw_read && st+="$RSTATUS"
	exec 3<&-
	printf '%s\n' "$st" >"$out/keepalive.statuses"
}

act_trailer() {
	# A chunked body that starts well, then error trailers (base64 body).
	local part='{"statusCode":200,"body":"partial' eb
	eb=$(printf '%s' '{"errorMessage":"stream broke","errorType":"Function.StreamBroke"}' | base64 -w0)
	raw_open
	printf 'POST /2018-06-01/runtime/invocation/%s/response HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nTrailer: Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body\r\n\r\n%x\r\n%s\r\n0\r\nLambda-Runtime-Function-Error-Type: Function.StreamBroke\r\nLambda-Runtime-Function-Error-Body: %s\r\n\r\n' \
	    "$id" "$hostport" "${#part}" "$part" "$eb" >&3
	raw_read
	printf '%s\n' "$RSTATUS" >"$out/trailer.status"
	printf '%s' "$RBODY" >"$out/trailer.body"
	exec 3<&-
}

serve() {
	local action=$1
	case $action in
	basic) act_basic ;;
	error)	# no Error-Type header, a JSON error body
		call error.resp -X POST -H 'Content-Type: application/json' \
		    --data-binary '{"errorMessage":"probe failed","errorType":"Probe.Failed"}' \
		    "$api/invocation/$id/error" ;;
	errtext)	# an Error-Type header and a body that is not JSON
		call errtext.resp -X POST \
		    -H 'Lambda-Runtime-Function-Error-Type: Function.Text' \
		    --data-binary 'plain words' "$api/invocation/$id/error" ;;
	mode)
		respond mode.resp "$id" '{}' \
		    -H 'Lambda-Runtime-Function-Response-Mode: foo' ;;
	stream)
		respond stream.resp "$id" '{"statusCode":200,"body":"streamed"}' \
		    -H 'Lambda-Runtime-Function-Response-Mode: streaming' \
		    -H 'Transfer-Encoding: chunked' \
		    -H 'Trailer: Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body' ;;
	chunked)	# Go's way: chunked, a Trailer declared, no trailers sent
		respond chunked.resp "$id" '{"statusCode":200,"body":"chunked ok"}' \
		    -H 'Transfer-Encoding: chunked' \
		    -H 'Trailer: Lambda-Runtime-Function-Error-Body' ;;
	trailer) act_trailer ;;
	expect)	# over 1 MiB: curl sends Expect: 100-continue
		make_reply_file 1572864 "$out/expect.data"
		call expect.resp -X POST -H 'Content-Type: application/json' \
		    --data-binary "@$out/expect.data" "$api/invocation/$id/response" ;;
	keepalive) act_keepalive ;;
	big)
		make_reply_file 6291600 "$out/big.data"
		call big.resp -X POST -H 'Content-Type: application/json' \
		    --data-binary "@$out/big.data" "$api/invocation/$id/response" ;;
	limit)
		make_reply_file 6291556 "$out/limit.data"
		call limit.resp -X POST -H 'Content-Type: application/json' \
		    --data-binary "@$out/limit.data" "$api/invocation/$id/response" ;;
	initlate)	# init/error after init is a wrong state
		call initlate.resp -X POST --data-binary '{}' "$api/init/error"
		respond initlate.ok "$id" '{"statusCode":200,"body":"still fine"}' ;;
	exit1) exit 1 ;;
	exit0) exit 0 ;;
	*) respond "$action.resp" "$id" '{"statusCode":200,"body":"probe"}' ;;
	esac
}

while :; do
	t0=$(now_ms)
	call next -H 'Accept-Encoding: gzip' "$api/invocation/next" || exit 1
	t1=$(now_ms)
	id=$(hval "$out/next.h" Lambda-Runtime-Aws-Request-Id)
	action=$(sed -n 's/.*"rawPath":"\([^"]*\)".*/\1/p' "$out/next.b")
	action=${action##*/}
	[ -n "$action" ] || action=unknown
	for f in h b w; do cp "$out/next.$f" "$out/$action.next.$f"; done
	echo "$t0 $t1" >"$out/$action.t"
	echo "$id" >"$out/$action.id"
	rm -f "$out/$action.done"
	serve "$action"
	echo done >"$out/$action.done"
done
