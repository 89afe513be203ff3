#!/bin/bash
# [site NAME]: a bucket served on the public listener as a static web
# site.  The aws CLI syncs a folder to the bucket over s3_listen; curl
# then checks the index documents, the redirect, the error document,
# 304 both ways, 206 and 416, HEAD, gzip and brotli (decoded and
# compared, made once and kept beside the object, made again when the
# object changes), Cache-Control, a function route beside the site's,
# and headless Chromium loads a page whose image and script come from
# the bucket.
. "$(dirname "$0")/lib.sh"
plan 70

aws_env
SPORT=$(freeport)
EP="http://127.0.0.1:$SPORT"
s3() {
	case $1 in cp|sync) set -- "$@" --no-progress --only-show-errors;; esac
	"$AWSCLI" s3 "$@" --endpoint-url "$EP" >"$T/aws.out" 2>"$T/aws.err"
	RC=$?; ERR=$(cat "$T/aws.err")
}
# etag KEY: the object's ETag as S3 gives it (quoted).
etag() {
	"$AWSCLI" s3api head-object --bucket web --key "$1" --endpoint-url "$EP" \
		--output json 2>/dev/null | jget "$(cat)" "j['ETag']"
}

# ---- configuration errors ------------------------------------------------------
cat > "$T/bad.conf" <<CONF
[lambdad]
listen = 127.0.0.1:1
state_dir = state
[site www]
bucket = web
route = GET /{proxy+}
CONF
out=$("$LAMBDAD" -t -c "$T/bad.conf" 2>&1)
like "$out" "needs Buckets: set s3_listen" "a site without s3_listen is refused"
printf '[lambdad]\nlisten = 127.0.0.1:1\ns3_listen = 127.0.0.1:1\n[site www]\nbucket = web\nroute = POST /{proxy+}\n' > "$T/bad.conf"
out=$("$LAMBDAD" -t -c "$T/bad.conf" 2>&1)
like "$out" "bad.conf:6: .*GET and HEAD only" "a site route that is not GET: refused at its line"
printf '[lambdad]\nlisten = 127.0.0.1:1\ns3_listen = 127.0.0.1:1\n[site www]\nroute = GET /a\n' > "$T/bad.conf"
out=$("$LAMBDAD" -t -c "$T/bad.conf" 2>&1)
like "$out" "bucket is required" "a site without a bucket is refused"
printf '[lambdad]\nlisten = 127.0.0.1:1\ns3_listen = 127.0.0.1:1\n[site www]\nbucket = web\nroute = GET /a\ncache_max_age = 5m\n' > "$T/bad.conf"
out=$("$LAMBDAD" -t -c "$T/bad.conf" 2>&1)
like "$out" 'cache_max_age: expected seconds' "cache_max_age takes seconds"
printf '[lambdad]\nlisten = 127.0.0.1:1\ns3_listen = 127.0.0.1:1\n[function f]\nbootstrap = /bin/true\nroute = GET /a\n[site www]\nbucket = web\nroute = GET /a\n' > "$T/bad.conf"
out=$("$LAMBDAD" -t -c "$T/bad.conf" 2>&1)
like "$out" 'route "GET /a" of \[site www\] is already taken' "a site route a function has: refused"

# ---- the site ------------------------------------------------------------------
fn hello "$EX/hello/bootstrap" 'route = GET /api/{name}'
EXTRA_CONF="s3_listen = 127.0.0.1:$SPORT

[site www]
bucket = web
route = GET /{proxy+}
index = index.html
error_document = 404.html
cache_max_age = 300

[site ghost]
bucket = nobucket
route = GET /ghost/{proxy+}"
start_daemon
waitport "$SPORT" || { echo "Bail out! no S3 listener"; dlog | sed 's/^/# /'; exit 1; }

P="$T/public"
mkdir -p "$P/docs"
cat > "$P/index.html" <<'HTML'
<!doctype html>
<html><head><title>not yet</title><link rel="stylesheet" href="style.css"></head>
<body><h1>The lambdad site</h1><img src="img/logo.png" alt="logo">
<p>A page whose image and script come from the bucket, served by the site
stage of the public listener, with its text compressed once and kept.</p>
<script src="app.js"></script></body></html>
HTML
echo '<!doctype html><title>docs</title><p>the nested index of docs/</p>' > "$P/docs/index.html"
echo '<!doctype html><title>lost</title><p>There is no such page here.</p>' > "$P/404.html"
python3 - "$P" <<'PY'
import struct, sys, zlib
d = sys.argv[1]
def chunk(t, b):
    return struct.pack(">I", len(b)) + t + b + struct.pack(">I", zlib.crc32(t + b))
raw = b"".join(b"\0" + b"\xff\x00\x00" * 4 for _ in range(3))
png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 4, 3, 8, 2, 0, 0, 0))
       + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
import os
os.makedirs(d + "/img", exist_ok=True)
open(d + "/img/logo.png", "wb").write(png)
js = "// the site's script\n" + "".join("var filler%d = %d;\n" % (i, i * i) for i in range(200))
open(d + "/app.js", "w").write(js + 'document.title = "loaded from the bucket";\n')
open(d + "/style.css", "w").write("body { font-family: sans-serif; }\n" * 40)
PY
head -c 1500000 /dev/urandom > "$P/big.bin"
head -c 1200000 /dev/urandom | base64 > "$P/big.txt"

s3 mb s3://web
ok $RC "aws s3 mb web"
s3 sync "$P" s3://web
ok $RC "aws s3 sync of the folder to the bucket"

req GET /
is "$STATUS" 200 "GET / answers 200"
cmp -s "$T/body" "$P/index.html"; ok $? "with index.html"
like "$(hdr content-type)" '^text/html' "as text/html"
is "$(hdr etag)" "$(etag index.html)" "its ETag is the object's"
like "$(hdr last-modified)" '^[a-z]{3}, [0-9]{2} [a-z]{3} [0-9]{4} [0-9:]{8} gmt$' "Last-Modified, an HTTP date"
is "$(hdr cache-control)" "public, max-age=300" "Cache-Control from cache_max_age"
is "$(hdr vary)" "accept-encoding" "Vary: Accept-Encoding on a text type"
is "$(hdr content-encoding)" "" "no Content-Encoding without Accept-Encoding"
ETAG=$(hdr etag) LM=$(tr -d '\r' < "$T/hdrs" | sed -n 's/^[Ll]ast-[Mm]odified: //p')

req GET /docs/
is "$STATUS" 200 "GET /docs/: 200"
cmp -s "$T/body" "$P/docs/index.html"; ok $? "the nested index"
req GET /docs
is "$STATUS" 302 "GET /docs: a redirect"
is "$(hdr location)" "/docs/" "to /docs/"
req GET /nothing/here.html
is "$STATUS" 404 "a missing key: 404"
cmp -s "$T/body" "$P/404.html"; ok $? "with the error document"
req GET /api/world
is "$STATUS" 200 "a function route beside the site's: the function answers"
like "$BODY" "Hello, world" "with its greeting"
req GET /ghost/a.html
is "$STATUS" 404 "a site whose bucket is missing: 404"
like "$BODY" "NoSuchBucket" "NoSuchBucket, in an HTML page"
req GET /ghost/
is "$STATUS" 404 "/ghost/ (the route's parent) is the site's too"
req GET /%zz
is "$STATUS" 400 "a malformed escape in the path: 400"

# ---- conditional requests ----------------------------------------------------
rm -f "$T/body"
req GET / -H "If-None-Match: $ETAG"
is "$STATUS" 304 "If-None-Match with the ETag: 304"
is "$(cat "$T/body" 2>/dev/null | wc -c)" 0 "with no body"
is "$(hdr etag)" "$ETAG" "and the ETag"
req GET / -H 'If-None-Match: "0123"'
is "$STATUS" 200 "If-None-Match with another ETag: 200"
req GET / -H "If-Modified-Since: $LM"
is "$STATUS" 304 "If-Modified-Since its Last-Modified: 304"
req GET / -H "If-Modified-Since: Thu, 01 Jan 2004 00:00:00 GMT"
is "$STATUS" 200 "If-Modified-Since long ago: 200"

# ---- Range, HEAD, a large body -------------------------------------------------
req GET /big.bin -H 'Range: bytes=1000-1999'
is "$STATUS" 206 "Range: 206"
is "$(hdr content-range)" "bytes 1000-1999/1500000" "Content-Range"
cmp -s "$T/body" <(tail -c +1001 "$P/big.bin" | head -c 1000); ok $? "the bytes of the range"
req GET /big.bin -H 'Range: bytes=2000000-'
is "$STATUS" 416 "a range past the end: 416"
is "$(hdr content-range)" "bytes */1500000" "with Content-Range: bytes */size"
req GET /big.bin
cmp -s "$T/body" "$P/big.bin"; ok $? "a 1.5 MB object comes whole (streamed)"
rm -f "$T/body"
req HEAD / -I
is "$STATUS" 200 "HEAD /: 200"
is "$(hdr content-length)" "$(wc -c < "$P/index.html")" "its Content-Length"
is "$(curl -sS -I -o /dev/null -w '%{size_download}' "$URL/")" 0 "and no body"

H='Host: x\r\n'
out=$(printf "HEAD /404.html HTTP/1.1\r\n$H\r\nGET /404.html HTTP/1.1\r\n$H\r\nHEAD /404.html HTTP/1.1\r\n$H\r\nGET /404.html HTTP/1.1\r\n${H}Connection: close\r\n\r\n" |
	/usr/bin/python3 "$ROOT/tests/integration/rawhttp.py" "$PORT" --read-for 5)
is "$(printf '%s' "$out" | grep -c '^HTTP/1.1 200') $(printf '%s' "$out" | grep -c 'no such page') $(printf '%s' "$out" | grep -ci '^x-cache: hit')" "4 2 2" \
	"HEAD, GET, HEAD, GET pipelined (misses, then hits): bodies for the GETs only"

# ---- compression ---------------------------------------------------------------
req GET /app.js -H 'Accept-Encoding: gzip'
is "$(hdr content-encoding)" gzip "Accept-Encoding: gzip: gzip"
gunzip -c < "$T/body" | cmp -s - "$P/app.js"; ok $? "which gunzips to the script"
like "$(hdr etag)" '-gzip"$' "an ETag of its own"
JS_ETAG=$(etag app.js)
test -s "$T/state/buckets/site/$(echo "$JS_ETAG" | tr -d '"').gz"; ok $? "kept beside the object, keyed by its ETag"
req GET /app.js -H 'Accept-Encoding: gzip;q=0.5, br'
is "$(hdr content-encoding)" br "Accept-Encoding with br: br"
curl -sS --compressed -H 'Accept-Encoding: br' "$URL/app.js" | cmp -s - "$P/app.js"; ok $? "which curl decodes to the script"
BR="$T/state/buckets/site/$(echo "$JS_ETAG" | tr -d '"').br"
I1=$(stat -c %i "$BR")
s3 cp "$P/404.html" s3://web/other.html		# a write: the edge cache misses
req GET /app.js -H 'Accept-Encoding: br'
is "$(hdr x-cache) $(stat -c %i "$BR")" "miss from lambdad $I1" \
	"computed once: the store's path serves the kept copy again (same inode)"
req GET /app.js -H 'Accept-Encoding: br;q=0, gzip;q=0'
is "$(hdr content-encoding)" "" "q=0 for both: as it is"
req GET /img/logo.png -H 'Accept-Encoding: br, gzip'
is "$(hdr content-encoding)" "" "an image is not compressed"
req GET /app.js -H 'Accept-Encoding: br' -H "If-None-Match: \"$(echo "$JS_ETAG" | tr -d '"')-br\""
is "$STATUS" 304 "the br ETag in If-None-Match: 304"

echo 'document.title = "loaded from the bucket";' >> "$P/app.js"
echo '// changed' >> "$P/app.js"
s3 cp "$P/app.js" s3://web/app.js
ok $RC "app.js changes"
NEW=$(etag app.js)
isnt=$([ "$NEW" != "$JS_ETAG" ] && echo 0 || echo 1); ok "$isnt" "a new ETag"
curl -sS --compressed -H 'Accept-Encoding: br' "$URL/app.js" | cmp -s - "$P/app.js"; ok $? "the compressed copy is made again, of the new script"
test -s "$T/state/buckets/site/$(echo "$NEW" | tr -d '"').br"; ok $? "kept under the new ETag"

# A compressed copy larger than a read: streamed from the kept file.
req GET /big.txt -H 'Accept-Encoding: br'
is "$(hdr content-encoding)" br "a 1.6 MB text file goes in brotli"
curl -sS --compressed -H 'Accept-Encoding: br' "$URL/big.txt" | cmp -s - "$P/big.txt"; ok $? "and decodes to the file (streamed)"
# The object's own Cache-Control wins over cache_max_age.
"$AWSCLI" s3 cp "$P/style.css" s3://web/nocache.css --cache-control no-cache \
	--endpoint-url "$EP" --only-show-errors
req GET /nocache.css
is "$(hdr cache-control)" "no-cache" "an object's own Cache-Control wins"

# ---- the edge cache -------------------------------------------------------------
req GET /style.css
is "$(hdr x-cache)" "miss from lambdad" "a first GET: X-Cache: Miss"
CSS_ETAG=$(hdr etag)
req GET /style.css
is "$(hdr x-cache) $(hdr etag)" "hit from lambdad $CSS_ETAG" "the next: a Hit, with the same ETag"
cmp -s "$T/body" "$P/style.css"; ok $? "and the same body"
req GET /style.css -H "If-None-Match: $CSS_ETAG"
is "$STATUS $(hdr x-cache)" "304 hit from lambdad" "If-None-Match on a hit: 304"
is "$(curl -sS -I -o /dev/null -w '%{size_download} %header{content-length} %header{x-cache}' "$URL/style.css")" "0 $(wc -c < "$P/style.css") Hit from lambdad" "HEAD on a hit: the length, no body"
echo "p { color: red; }" >> "$P/style.css"
s3 cp "$P/style.css" s3://web/style.css
req GET /style.css
is "$(hdr x-cache)" "miss from lambdad" "a write to the store: the next GET misses"
cmp -s "$T/body" "$P/style.css"; ok $? "and has the new file"

# ---- a browser -----------------------------------------------------------------
CHROMIUM=$(command -v chromium || command -v chromium-browser)
if [ -n "$CHROMIUM" ]; then
	out=$(timeout 90 /usr/bin/python3 "$ROOT/tests/integration/site/cdp_page.py" "$CHROMIUM" "$URL/" 2>"$T/chrome.err")
	like "$out" "^title=loaded from the bucket " "headless Chromium ran the bucket's script"
	like "$out" " img=4$" "and loaded its image (naturalWidth 4)"
else
	fail "no chromium (make deps-test installs it)"
	fail "no chromium"
fi

# ---- a reload ------------------------------------------------------------------
sed -i 's/^cache_max_age = 300/cache_max_age = 60/' "$T/lambdad.conf"
kill -HUP "$DPID"
wait_log "reloaded " 10
req GET /
is "$(hdr cache-control)" "public, max-age=60" "a reload changes cache_max_age"

done_testing
