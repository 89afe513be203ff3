#!/bin/bash
# Lambda layers, driven with the aws CLI: publish a layer that carries a
# custom runtime written in bash and curl (/opt/bootstrap) and a tool
# (/opt/bin/tool), and a second one that overrides the tool; create a
# function whose zip holds only a handler script; invoke it and check the
# answer came from the layer's runtime, with the layers merged in order,
# read-only, on PATH; list, get and delete layer versions; the errors
# Lambda gives; version numbers never reused; PublishVersion freezing the
# layer list; a restart keeping it all.
. "$(dirname "$0")/lib.sh"
aws_env
command -v zip >/dev/null || { echo "Bail out! no zip (make deps-test installs it)"; exit 1; }
plan 79

ROLE=arn:aws:iam::123456789012:role/x
LARN=arn:aws:lambda:us-east-1:123456789012:layer
# call NAME PAYLOAD: invoke, the reply in RESULT.
call() {
	rm -f "$T/out.json"
	lam invoke --cli-binary-format raw-in-base64-out --function-name "$1" \
		--payload "$2" "$T/out.json"
	RESULT=$(cat "$T/out.json" 2>/dev/null)
}
sha() { openssl dgst -sha256 -binary "$1" | base64; }

# ---- the packages ----
# Layer "bashrt": the runtime, as in Lambda's custom-runtime tutorial.
mkdir -p "$T/rt/bin" "$T/rt/share" "$T/tool2/bin" "$T/fn" "$T/nob"
cat > "$T/rt/bootstrap" <<'SH'
#!/bin/bash
# A Lambda custom runtime in bash: source the handler's file, then loop on
# the Runtime API with curl.
set -u
API="http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime/invocation"
. "$LAMBDA_TASK_ROOT/${_HANDLER%%.*}.sh"
while true; do
	HDRS=$(mktemp)
	EVENT=$(curl -sS -D "$HDRS" "$API/next")
	ID=$(tr -d '\r' < "$HDRS" | sed -n 's/^[Ll]ambda-[Rr]untime-[Aa]ws-[Rr]equest-[Ii]d: //p')
	rm -f "$HDRS"
	REPLY=$("${_HANDLER#*.}" "$EVENT")
	curl -sS -o /dev/null -X POST "$API/$ID/response" --data-binary "$REPLY"
done
SH
chmod 0755 "$T/rt/bootstrap"
printf '#!/bin/sh\necho tool-from-bashrt\n' > "$T/rt/bin/tool"
chmod 0755 "$T/rt/bin/tool"
echo "shared by bashrt" > "$T/rt/share/note.txt"
(cd "$T/rt" && zip -q -r "$T/bashrt.zip" bootstrap bin share)
# Layer "tools": a later layer whose tool wins over bashrt's.
printf '#!/bin/sh\necho tool-from-tools\n' > "$T/tool2/bin/tool"
chmod 0755 "$T/tool2/bin/tool"
(cd "$T/tool2" && zip -q -r "$T/tools.zip" bin)
# The function: a handler script only, no bootstrap.
cat > "$T/fn/function.sh" <<'SH'
handler() {
	if touch /opt/written 2>/dev/null; then ro=no; else ro=yes; fi
	printf '{"runtime":"bash-layer","tool":"%s","note":"%s","ro":"%s","path":"%s","ld":"%s","event":%s}' \
		"$(tool)" "$(cat /opt/share/note.txt 2>/dev/null)" "$ro" "$PATH" \
		"$LD_LIBRARY_PATH" "$1"
}
SH
(cd "$T/fn" && zip -q "$T/fn.zip" function.sh)
echo x > "$T/nob/data"
(cd "$T/nob" && zip -q "$T/nob.zip" data)

# An operator's function with opt = and no mount namespace (sandbox =
# basic): its bootstrap is the tree's, found there, as LAMBDAD_OPT says.
mkdir -p "$T/plain" "$T/optdir/bin"
cp "$T/rt/bootstrap" "$T/optdir/bootstrap"
printf '#!/bin/sh\necho tool-from-optdir\n' > "$T/optdir/bin/tool"
chmod 0755 "$T/optdir/bin/tool"
cat > "$T/plain/function.sh" <<'SH'
handler() { printf '{"opt":"%s","tool":"%s"}' "${LAMBDAD_OPT:-}" "$(tool)"; }
SH
chmod 0755 "$T/plain" "$T/optdir"
fn plain "$T/plain/bootstrap" "opt = $T/optdir" "sandbox = basic" "seccomp = exec" \
	"env = _HANDLER=function.handler"

EXTRA_CONF='invoke_api = on'
start_daemon

# ---- PublishLayerVersion ----
lam publish-layer-version --layer-name bashrt --zip-file "fileb://$T/bashrt.zip" \
	--description "bash runtime" --license-info MIT \
	--compatible-runtimes provided.al2023 provided.al2 --compatible-architectures x86_64 arm64
is "$RC" 0 "publish-layer-version exits 0"
is "$(jget "$OUT" 'j["LayerVersionArn"]+" "+j["LayerArn"]+" "+str(j["Version"])')" \
	"$LARN:bashrt:1 $LARN:bashrt 1" "the ARNs and version 1"
is "$(jget "$OUT" 'j["Content"]["CodeSha256"]')" "$(sha "$T/bashrt.zip")" "Content.CodeSha256 is the zip's SHA-256"
is "$(jget "$OUT" 'j["Content"]["CodeSize"]')" "$(stat -c %s "$T/bashrt.zip")" "Content.CodeSize is the zip's size"
is "$(jget "$OUT" 'j["Description"]+" "+j["LicenseInfo"]+" "+",".join(j["CompatibleRuntimes"])+" "+",".join(j["CompatibleArchitectures"])')" \
	"bash runtime MIT provided.al2023,provided.al2 x86_64,arm64" "Description, LicenseInfo, CompatibleRuntimes and CompatibleArchitectures"
like "$(jget "$OUT" 'j["CreatedDate"]')" '^20[0-9-]{8}T[0-9:.]{12}\+0000$' "CreatedDate in Lambda's format"
lam publish-layer-version --layer-name tools --zip-file "fileb://$T/tools.zip"
is "$(jget "$OUT" 'j["LayerVersionArn"]')" "$LARN:tools:1" "a second layer starts at version 1"
lam publish-layer-version --layer-name tools --zip-file "fileb://$T/tools.zip" --compatible-runtimes nodejs20.x
is "$(jget "$OUT" 'j["Version"]')" 2 "publishing again makes version 2"

# ---- reading ----
lam get-layer-version --layer-name bashrt --version-number 1
is "$(jget "$OUT" 'j["LayerVersionArn"]+" "+j["Content"]["CodeSha256"]')" "$LARN:bashrt:1 $(sha "$T/bashrt.zip")" "get-layer-version"
lam get-layer-version --layer-name "$LARN:bashrt" --version-number 1
is "$(jget "$OUT" 'j["Version"]')" 1 "get-layer-version by the layer's ARN"
lam get-layer-version-by-arn --arn "$LARN:tools:2"
is "$(jget "$OUT" 'j["LayerVersionArn"]+" "+",".join(j["CompatibleRuntimes"])')" "$LARN:tools:2 nodejs20.x" "get-layer-version-by-arn"
lam list-layer-versions --layer-name tools
is "$(jget "$OUT" '",".join(str(v["Version"]) for v in j["LayerVersions"])')" "2,1" "list-layer-versions: newest first"
is "$(jget "$OUT" 'str("Content" in j["LayerVersions"][0])+" "+j["LayerVersions"][0]["LayerVersionArn"]')" "False $LARN:tools:2" "  ... as LayerVersionsListItem (no Content)"
lam list-layer-versions --layer-name tools --compatible-runtime nodejs20.x
is "$(jget "$OUT" '",".join(str(v["Version"]) for v in j["LayerVersions"])')" "2" "list-layer-versions --compatible-runtime filters"
lam list-layer-versions --layer-name tools --page-size 1
is "$(jget "$OUT" '",".join(str(v["Version"]) for v in j["LayerVersions"])')" "2,1" "the aws CLI pages through with NextMarker (--page-size 1)"
req GET "/2018-10-31/layers/tools/versions?MaxItems=1"
is "$(jget "$BODY" 'str(len(j["LayerVersions"]))+" "+j["NextMarker"]')" "1 1" "  ... MaxItems=1 gives one and a NextMarker"
lam list-layers
is "$(jget "$OUT" '",".join(l["LayerName"]+":"+str(l["LatestMatchingVersion"]["Version"]) for l in j["Layers"])')" "bashrt:1,tools:2" "list-layers: each layer with its newest version"
is "$(jget "$OUT" 'j["Layers"][0]["LayerArn"]')" "$LARN:bashrt" "  ... and its LayerArn"
lam list-layers --compatible-runtime provided.al2
is "$(jget "$OUT" '",".join(l["LayerName"] for l in j["Layers"])')" "bashrt" "list-layers --compatible-runtime filters"
lam list-layers --compatible-architecture arm64
is "$(jget "$OUT" '",".join(l["LayerName"] for l in j["Layers"])')" "bashrt" "list-layers --compatible-architecture filters"

# ---- layer errors ----
lam get-layer-version --layer-name bashrt --version-number 9
like "$ERR" 'ResourceNotFoundException' "a missing version: ResourceNotFoundException"
req GET /2018-10-31/layers/nope/versions/1
is "$STATUS $(hdr x-amzn-errortype)" "404 resourcenotfoundexception" "  ... 404 with x-amzn-ErrorType"
lam get-layer-version-by-arn --arn "arn:aws:lambda:eu-west-1:123456789012:layer:bashrt:1"
like "$ERR" 'ResourceNotFoundException' "another region's ARN: ResourceNotFoundException"
lam get-layer-version-by-arn --arn "not-an-arn"
like "$ERR" 'ValidationException' "a malformed ARN: ValidationException"
req POST /2018-10-31/layers/bad/versions -H 'Content-Type: application/json' --data '{"Content":{"ZipFile":"aGVsbG8="}}'
is "$STATUS $(hdr x-amzn-errortype)" "400 invalidparametervalueexception" "bytes that are not a zip: InvalidParameterValueException"
like "$(jget "$BODY" 'j["message"]')" 'not a zip' "  ... that says so"
lam publish-layer-version --layer-name bad --zip-file "fileb://$T/tools.zip" --compatible-architectures sparc
like "$ERR" 'ValidationException.*compatibleArchitectures' "an unknown architecture: ValidationException"
req POST '/2018-10-31/layers/b%20d/versions' -H 'Content-Type: application/json' --data '{"Content":{"ZipFile":"aGVsbG8="}}'
is "$STATUS $(hdr x-amzn-errortype)" "400 validationexception" "a layer name with a blank: ValidationException"
req POST /2018-10-31/layers/bad/versions -H 'Content-Type: application/json' --data '{"Description":"x"}'
is "$STATUS $(hdr x-amzn-errortype)" "400 validationexception" "no Content: ValidationException"
req POST /2018-10-31/layers/bad/versions -H 'Content-Type: application/json' --data 'not json'
is "$STATUS $(hdr x-amzn-errortype)" "400 invalidrequestcontentexception" "a body that is not JSON: InvalidRequestContentException"
lam list-layers
is "$(jget "$OUT" '",".join(l["LayerName"] for l in j["Layers"])')" "bashrt,tools" "no refused layer was made"

# ---- a function on the layers ----
lam create-function --function-name sh --runtime provided.al2023 --handler function.handler \
	--role "$ROLE" --zip-file "fileb://$T/fn.zip" --layers "$LARN:bashrt:1" "$LARN:tools:1"
is "$RC" 0 "create-function with two layers and no bootstrap in its zip"
is "$(jget "$OUT" '",".join(l["Arn"]+"="+str(l["CodeSize"]) for l in j["Layers"])')" \
	"$LARN:bashrt:1=$(stat -c %s "$T/bashrt.zip"),$LARN:tools:1=$(stat -c %s "$T/tools.zip")" "the reply lists Layers [{Arn, CodeSize}] in order"
call sh '{"hello":"layers"}'
is "$RC" 0 "invoke exits 0"
is "$(jget "$RESULT" 'j["runtime"]')" bash-layer "the answer comes from the layer's bash runtime (/opt/bootstrap)"
is "$(jget "$RESULT" 'j["event"]["hello"]')" layers "  ... which handed the event to the zip's handler"
is "$(jget "$RESULT" 'j["tool"]')" tool-from-tools "the later layer's /opt/bin/tool wins, found on PATH"
is "$(jget "$RESULT" 'j["note"]')" "shared by bashrt" "the earlier layer's other files are there too"
is "$(jget "$RESULT" 'j["ro"]')" yes "/opt is read-only"
like "$(jget "$RESULT" 'j["path"]')" '(^|:)/opt/bin(:|$)' "PATH has /opt/bin"
like "$(jget "$RESULT" 'j["ld"]')" '(^|:)/opt/lib(:|$)' "LD_LIBRARY_PATH has /opt/lib"
lam get-function-configuration --function-name sh
is "$(jget "$OUT" '",".join(l["Arn"] for l in j["Layers"])')" "$LARN:bashrt:1,$LARN:tools:1" "GetFunctionConfiguration shows the Layers"
like "$(cat "$T"/state/functions.d/sh.conf)" 'opt = /' "its drop-in names the opt tree"

# ---- PublishVersion freezes the layers; an update changes $LATEST ----
lam publish-version --function-name sh
is "$(jget "$OUT" 'j["Version"]+" "+str(len(j["Layers"]))')" "1 2" "publish-version: version 1 with both layers"
lam update-function-configuration --function-name sh --layers "$LARN:bashrt:1"
is "$(jget "$OUT" '",".join(l["Arn"] for l in j["Layers"])')" "$LARN:bashrt:1" "update-function-configuration --layers: one layer now"
call sh '{}'
is "$(jget "$RESULT" 'j["tool"]')" tool-from-bashrt "\$LATEST now runs bashrt's tool"
call sh:1 '{}'
is "$(jget "$RESULT" 'j["tool"]')" tool-from-tools "version 1 still runs with its frozen layers"
lam get-function-configuration --function-name sh --qualifier 1
is "$(jget "$OUT" 'str(len(j["Layers"]))')" 2 "  ... and says so"
lam update-function-configuration --function-name sh --timeout 7
is "$(jget "$OUT" '",".join(l["Arn"] for l in j["Layers"])+" "+str(j["Timeout"])')" "$LARN:bashrt:1 7" "an update without --layers keeps them"
call sh '{"again":1}'
is "$(jget "$RESULT" 'j["event"]["again"]')" 1 "  ... and the function still runs"
lam update-function-code --function-name sh --zip-file "fileb://$T/fn.zip"
is "$RC $(jget "$OUT" 'str(len(j["Layers"]))')" "0 1" "update-function-code with a handler-only zip: the layers bring the bootstrap"
call sh '{"code":2}'
is "$(jget "$RESULT" 'j["runtime"]+" "+str(j["event"]["code"])')" "bash-layer 2" "  ... and it runs"

# ---- function errors ----
lam create-function --function-name f2 --runtime provided.al2023 --handler function.handler \
	--role "$ROLE" --zip-file "fileb://$T/fn.zip" --layers "$LARN:bashrt:7"
like "$ERR" "InvalidParameterValueException.*Layer version $LARN:bashrt:7 does not exist" "a missing layer version: InvalidParameterValueException"
lam create-function --function-name f2 --runtime provided.al2023 --handler function.handler \
	--role "$ROLE" --zip-file "fileb://$T/fn.zip" --layers "$LARN:a:1" "$LARN:b:1" "$LARN:c:1" "$LARN:d:1" "$LARN:e:1" "$LARN:f:1"
like "$ERR" 'InvalidParameterValueException.*more than 5 layers' "six layers: InvalidParameterValueException"
lam create-function --function-name f2 --runtime provided.al2023 --handler function.handler \
	--role "$ROLE" --zip-file "fileb://$T/fn.zip" --layers "$LARN:tools:1" "$LARN:tools:2"
like "$ERR" 'InvalidParameterValueException.*same layer' "two versions of one layer: InvalidParameterValueException"
lam create-function --function-name f2 --runtime provided.al2023 --handler function.handler \
	--role "$ROLE" --zip-file "fileb://$T/fn.zip" --layers "bashrt:1"
like "$ERR" 'ValidationException' "a layer that is not an ARN: ValidationException"
lam create-function --function-name f2 --runtime provided.al2023 --handler function.handler \
	--role "$ROLE" --zip-file "fileb://$T/nob.zip" --layers "$LARN:tools:1"
like "$ERR" 'InvalidParameterValueException.*no bootstrap' "neither the zip nor the layers hold a bootstrap: InvalidParameterValueException"
lam create-function --function-name f2 --runtime provided.al2023 --handler function.handler \
	--role "$ROLE" --zip-file "fileb://$T/fn.zip"
like "$ERR" 'InvalidParameterValueException.*no bootstrap' "a handler-only zip without layers: InvalidParameterValueException"
req PUT /2015-03-31/functions/sh/configuration -H 'Content-Type: application/json' --data '{"Layers":[]}'
is "$STATUS $(hdr x-amzn-errortype)" "400 invalidparametervalueexception" "removing the layers that bring its bootstrap: refused"
call sh '{"still":1}'
is "$(jget "$RESULT" 'j["event"]["still"]')" 1 "  ... and the function keeps running on them"
ok "$(test ! -e "$T/state/functions.d/f2.conf"; echo $?)" "no refused function was made"

# ---- without a mount namespace ----
call plain '{}'
is "$(jget "$RESULT" 'j["opt"]+" "+j["tool"]')" "$T/optdir tool-from-optdir" "sandbox = basic: the bootstrap and tools of opt = DIR itself, as LAMBDAD_OPT says"
like "$(dlog)" "plain: no mount namespace to put its layers on /opt" "  ... and the log says why"

# ---- DeleteLayerVersion; numbers never reused ----
lam delete-layer-version --layer-name tools --version-number 2
is "$RC" 0 "delete-layer-version exits 0"
lam get-layer-version --layer-name tools --version-number 2
like "$ERR" 'ResourceNotFoundException' "the deleted version is gone"
lam delete-layer-version --layer-name tools --version-number 2
is "$RC" 0 "deleting it again is no error, as on Lambda"
lam publish-layer-version --layer-name tools --zip-file "fileb://$T/tools.zip"
is "$(jget "$OUT" 'j["Version"]')" 3 "the next publish is version 3: 2 is not reused"
lam delete-layer-version --layer-name tools --version-number 1
call sh:1 '{}'
is "$(jget "$RESULT" 'j["tool"]')" tool-from-tools "a function version keeps running on a deleted layer version"
ok "$(test ! -e "$T/state/layers/tools/1"; echo $?)" "the deleted version's files are gone from state_dir"

# ---- a restart keeps it all ----
stop_daemon
start_daemon
lam list-layer-versions --layer-name tools
is "$(jget "$OUT" '",".join(str(v["Version"]) for v in j["LayerVersions"])')" "3" "after a restart: the layer versions are there"
lam get-layer-version --layer-name bashrt --version-number 1
is "$(jget "$OUT" 'j["Content"]["CodeSha256"]+" "+j["Description"]')" "$(sha "$T/bashrt.zip") bash runtime" "  ... with their records"
call sh '{"after":"restart"}'
is "$(jget "$RESULT" 'j["runtime"]+" "+j["event"]["after"]')" "bash-layer restart" "  ... and the function runs on its layers"
call sh:1 '{}'
is "$(jget "$RESULT" 'j["tool"]')" tool-from-tools "  ... version 1 too, on its deleted layer version"
lam publish-layer-version --layer-name tools --zip-file "fileb://$T/tools.zip"
is "$(jget "$OUT" 'j["Version"]')" 4 "  ... and numbering goes on from where it was"
lam delete-layer-version --layer-name tools --version-number 4
lam delete-layer-version --layer-name tools --version-number 3
stop_daemon
start_daemon
lam publish-layer-version --layer-name tools --zip-file "fileb://$T/tools.zip"
is "$(jget "$OUT" 'j["Version"]')" 5 "every version deleted and a restart: still not reused"

# ---- deleting the function tidies its opt trees ----
lam delete-function --function-name sh
is "$RC" 0 "delete-function exits 0"
ok "$(test -z "$(ls -A "$T/state/opt" 2>/dev/null)"; echo $?)" "no opt tree is left that nothing runs"

# ---- lambdad-sandbox --opt: the same jail by hand ----
mkdir -p "$T/sbopt"
echo "from sbopt" > "$T/sbopt/f"
if "$B/lambdad-sandbox" --probe 2>&1 | grep -Eq '^mount: (ok|not needed)'; then
	out=$("$B/lambdad-sandbox" -N -s exec --opt "$T/sbopt" -- /bin/sh -c \
		'cat /opt/f; if touch /opt/g 2>/dev/null; then echo rw; else echo ro; fi' 2>&1)
	is "$out" "from sbopt
ro" "lambdad-sandbox --opt: the directory on /opt, read-only"
	ok "$(test ! -e "$T/sbopt/g"; echo $?)" "  ... nothing written through it"
else
	skip "lambdad-sandbox --opt: no mount namespace here"
	skip "lambdad-sandbox --opt: no mount namespace here"
fi

done_testing
