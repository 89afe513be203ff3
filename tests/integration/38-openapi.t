#!/bin/bash
# The API's documentation and request validation (issue 10): lambdad makes
# an OpenAPI 3.0 document from its live configuration (routes with {name}
# and {proxy+} parameters, ANY, $default, descriptions, request and
# response schemas, a JWT authorizer, aws_iam, [cors], the API Gateway
# extensions); lambdactl openapi prints it and docs_path serves it with an
# HTML page; a real validator (npm @apidevtools/swagger-parser) accepts
# it; headless Chromium renders the page with every route on it; a body
# that does not match request_schema gets 400 before any worker runs;
# schema files are read at load and reload with file:line errors.
. "$(dirname "$0")/lib.sh"

CHROMIUM=$(command -v chromium || command -v chromium-browser)
if [ -z "$CHROMIUM" ]; then echo "Bail out! no chromium (make deps-test installs it)"; exit 1; fi
OA="$ROOT/tests/integration/openapi"
if ! (cd "$OA" && node -e "require('@apidevtools/swagger-parser')") 2>/dev/null; then
	echo "Bail out! no swagger-parser (make openapi installs it)"; exit 1
fi
plan 51

mkdir -p "$T/keys" "$T/schemas"
/usr/bin/python3 "$ROOT/tests/unit/jwt_mint.py" "$T/keys" "$(date +%s)" ||
	{ echo "Bail out! jwt_mint.py failed (python3-jwt, python3-cryptography)"; exit 1; }
cat > "$T/schemas/pet.json" <<'JSON'
{
  "$schema": "http://json-schema.org/draft-04/schema#",
  "title": "A new pet",
  "type": "object",
  "required": ["name"],
  "properties": {
    "name": {"type": "string", "minLength": 1, "maxLength": 20},
    "kind": {"type": "string", "enum": ["cat", "dog"]},
    "age": {"type": "integer", "minimum": 0},
    "tag": {"type": "string", "pattern": "^[a-z]+\\d*$"}
  },
  "additionalProperties": false
}
JSON
cat > "$T/schemas/pet-out.json" <<'JSON'
{"type": "object", "properties": {"id": {"type": "string"}, "name": {"type": "string"}}}
JSON
chmod -R a+rX "$T/keys" "$T/schemas"

EXTRA_CONF='metrics_listen = 127.0.0.1:0
access_key = AKIDEXAMPLE:wJalrXUtnFEMIK7MDENGbPxRfiCY
docs_path = /docs

[cors]
allow_origins = https://app.example
allow_methods = GET POST
allow_headers = content-type authorization
max_age = 300

[authorizer users]
type = jwt
issuer = https://issuer.example.com
audience = api
jwks = keys/jwks.json

[usage_plan basic]
rate = 10'

fn pets "$TH/misc" 'route = POST /pets/{action}' 'route = GET /pets/{id}/{action}' \
	'description = Adopt a pet, or look one up' \
	"request_schema = $T/schemas/pet.json" "response_schema = $T/schemas/pet-out.json" \
	'validate = on'
fn profile "$TH/misc" 'route = GET /me/{action}' 'auth = users' 'scopes = profile' \
	'description = The caller'"'"'s own profile (a token with scope profile)'
fn admin "$TH/misc" 'route = POST /admin/{action}' 'auth = aws_iam' 'payload = 1.0'
fn files "$TH/misc" 'route = ANY /files/{proxy+}' 'description = Any method on any file path'
fn fallback "$TH/misc" 'route = $default'
fn orders "$TH/misc" 'route = GET /orders/{action}' 'api_key = required' 'auth = users'
start_daemon
CTL="$B/lambdactl -s $T/admin.sock"
MPORT=$(sed -n 's/.*metrics on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$T/daemon.log" | head -n 1)
scrape() {
	curl -sS --max-time 5 "http://127.0.0.1:$MPORT/metrics" > "$T/m.txt"
	awk -v s="$1" 'index($0, s " ") == 1 { print $NF; f = 1 } END { if (!f) print 0 }' "$T/m.txt"
}
# doc EXPR: a value of the document in $T/doc.json (python, j is the doc).
doc() { python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); v=eval(sys.argv[2]); print(v if isinstance(v,str) else json.dumps(v, sort_keys=True))' "$T/doc.json" "$1" 2>&1; }
validate() { (cd "$OA" && node validate.js "$1") 2>&1; }

# ---- the document -------------------------------------------------------------
$CTL openapi > "$T/doc.json" 2>"$T/ctl.err"; rc=$?
is "$rc" 0 "lambdactl openapi exits 0"
is "$(validate "$T/doc.json" | sed 's/ .*//')" "valid:" \
	"swagger-parser validates the document (OpenAPI 3.0 schema, parameters, refs)"
is "$(doc 'j["openapi"]')" 3.0.1 "an OpenAPI 3.0 document"
is "$(doc 'j["info"]["title"]')" lambdad "  ... titled lambdad"
is "$(doc 'j["servers"][0]["url"]')" "$URL" "  ... its server is the public listener"
is "$(doc 'sorted(j["paths"])')" '["/$default", "/admin/{action}", "/files/{proxy+}", "/me/{action}", "/orders/{action}", "/pets/{action}", "/pets/{id}/{action}"]' \
	"every route is a path (\$default as /\$default)"
is "$(doc 'sorted(j["paths"]["/pets/{id}/{action}"])')" '["get"]' "  ... with its method"
is "$(doc '[p["name"] for p in j["paths"]["/pets/{id}/{action}"]["get"]["parameters"]]')" '["id", "action"]' \
	"path parameters from {name}"
is "$(doc '[(p["name"], p["in"], p["required"]) for p in j["paths"]["/files/{proxy+}"]["x-amazon-apigateway-any-method"]["parameters"]]')" \
	'[["proxy+", "path", true]]' "ANY as x-amazon-apigateway-any-method, {proxy+} as a path parameter"
is "$(doc 'j["paths"]["/pets/{action}"]["post"]["description"]')" "Adopt a pet, or look one up" \
	"a function's description is its operations'"
is "$(doc 'j["paths"]["/pets/{action}"]["post"]["requestBody"]')" \
	'{"content": {"application/json": {"schema": {"$ref": "#/components/schemas/petsRequest"}}}, "required": true}' \
	"the request schema, by reference, required since validate = on"
is "$(doc 'j["components"]["schemas"]["petsRequest"]["required"]')" '["name"]' \
	"  ... the schema file in components/schemas"
is "$(doc '"$schema" in j["components"]["schemas"]["petsRequest"]')" false \
	"  ... without \$schema, which OpenAPI's Schema Object does not take"
is "$(doc 'j["paths"]["/pets/{action}"]["post"]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]')" \
	"#/components/schemas/petsResponse" "the response schema on the 200"
is "$(doc 'sorted(j["paths"]["/pets/{action}"]["post"]["responses"])')" '["200", "400", "429"]' \
	"  ... and the 400 validation answers"
is "$(doc 'j["components"]["securitySchemes"]["users"]["x-amazon-apigateway-authorizer"]')" \
	'{"identitySource": "$request.header.Authorization", "jwtConfiguration": {"audience": ["api"], "issuer": "https://issuer.example.com"}, "type": "jwt"}' \
	"the JWT authorizer as a security scheme with x-amazon-apigateway-authorizer"
is "$(doc 'j["paths"]["/me/{action}"]["get"]["security"]')" '[{"users": ["profile"]}]' \
	"  ... required by its routes, with the scopes"
is "$(doc 'j["components"]["securitySchemes"]["sigv4"]["x-amazon-apigateway-authtype"]')" awsSigv4 \
	"auth = aws_iam as a sigv4 scheme"
is "$(doc 'j["paths"]["/admin/{action}"]["post"]["security"]')" '[{"sigv4": []}]' "  ... on its route"
is "$(doc '"security" in j["paths"]["/files/{proxy+}"]["x-amazon-apigateway-any-method"]')" false \
	"a public route has no security"
is "$(doc 'j["paths"]["/orders/{action}"]["get"]["security"]')" '[{"api_key": [], "users": []}]' \
	"api_key = required with an authorizer: one requirement naming both"
is "$(doc '[j["components"]["securitySchemes"]["api_key"][k] for k in ("type","in","name")] + [j["x-amazon-apigateway-api-key-source"]]')" \
	'["apiKey", "header", "x-api-key", "HEADER"]' "  ... the x-api-key header as a scheme, x-amazon-apigateway-api-key-source"
is "$(doc 'j["x-amazon-apigateway-cors"]')" \
	'{"allowCredentials": false, "allowHeaders": ["content-type", "authorization"], "allowMethods": ["GET", "POST"], "allowOrigins": ["https://app.example"], "maxAge": 300}' \
	"[cors] as x-amazon-apigateway-cors"
is "$(doc '[j["paths"]["/admin/{action}"]["post"]["x-amazon-apigateway-integration"][k] for k in ("type","payloadFormatVersion","uri")]')" \
	'["aws_proxy", "1.0", "arn:aws:lambda:us-east-1:123456789012:function:admin"]' \
	"x-amazon-apigateway-integration per operation: aws_proxy, the payload format"

# ---- served publicly at docs_path ---------------------------------------------------
req GET /docs/openapi.json
is "$STATUS $(hdr content-type)" "200 application/json" "GET docs_path/openapi.json: the document"
printf '%s' "$BODY" > "$T/pub.json"
is "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])) == json.load(open(sys.argv[2])))' "$T/pub.json" "$T/doc.json")" \
	True "  ... the same document lambdactl prints"
req GET /docs
is "$STATUS $(hdr content-type)" "200 text/html; charset=utf-8" "GET docs_path: an HTML page"
unlike "$BODY" '<script|src=|https?://[^"<]*\.(js|css)' "  ... self-contained: no script, nothing loaded from elsewhere"
req GET /docs/elsewhere
is "$STATUS" 200 "other paths under docs_path are routes as usual (\$default here)"

# ---- the page in a browser -------------------------------------------------------
DOM=$(timeout 60 "$CHROMIUM" --headless=new --no-sandbox --disable-gpu --no-first-run \
	--user-data-dir="$T/chrome-1" --dump-dom "$URL/docs" 2>"$T/chrome.err")
missing=
for r in '/pets/{action}' '/pets/{id}/{action}' '/me/{action}' '/admin/{action}' \
	'/files/{proxy+}' '/$default' '/orders/{action}' 'Adopt a pet, or look one up' \
	'scopes: profile' 'api_key</code> and <code>users'; do
	case "$DOM" in *"$r"*) ;; *) missing="$missing $r" ;; esac
done
is "${missing:-none}" none "Chromium renders the page with every route, description and scope on it"
like "$DOM" '"minLength":[[:space:]]*1' "  ... and the request schema"
rm -f "$T/shot.png"
(cd "$T" && timeout 60 "$CHROMIUM" --headless=new --no-sandbox --disable-gpu --no-first-run \
	--user-data-dir="$T/chrome-2" --window-size=1200,1600 --screenshot="$T/shot.png" \
	"$URL/docs" >/dev/null 2>>"$T/chrome.err")
# SHOT_OUT=FILE keeps the screenshot, to look at.
[ -z "${SHOT_OUT:-}" ] || cp "$T/shot.png" "$SHOT_OUT" 2>/dev/null
is "$(head -c 8 "$T/shot.png" 2>/dev/null | od -An -tx1 | tr -d ' \n')" 89504e470d0a1a0a \
	"a screenshot of the page is a PNG"
ok "$([ "$(stat -c %s "$T/shot.png" 2>/dev/null || echo 0)" -gt 10000 ] && echo 0 || echo 1)" \
	"  ... with something drawn on it (over 10 kB)"

# ---- validation ------------------------------------------------------------------
INV='lambdad_invocations_total{function="pets",door="http"}'
J='Content-Type: application/json'
req POST /pets/pid -H "$J" -d '{"name":"rex","kind":"dog","age":3,"tag":"good1"}'
is "$STATUS" 200 "a body that matches the schema reaches the function"
before=$(scrape "$INV")
is "$before" 1 "  ... one invocation counted"
bad=0
for b in '{"kind":"dog"}' '{"name":""}' '{"name":"rex","kind":"cow"}' '{"name":"rex","age":-1}' \
	'{"name":"rex","age":1.5}' '{"name":"rex","colour":"red"}' '{"name":"rex","tag":"Bad!"}' \
	'[1,2]' '{"name":' ''; do
	req POST /pets/pid -H "$J" --data-binary "$b"
	[ "$STATUS $BODY" = '400 {"message":"Invalid request body"}' ] ||
		{ bad=$((bad + 1)); diag "body $b: $STATUS $BODY"; }
done
is "$bad" 0 "ten bodies that do not match (missing, short, enum, minimum, integer, extra, pattern, array, not JSON, none): 400 Invalid request body"
is "$(tr -d '\r' < "$T/hdrs" | sed -n 's/^x-amzn-errortype: //Ip')" BadRequestException "  ... with x-amzn-ErrorType: BadRequestException"
is "$(scrape "$INV")" "$before" "  ... and no worker woke for any of them"
is "$(scrape 'lambdad_apigw_refusals_total{function="pets",route="POST /pets/{action}",status="400",reason="invalid_body"}')" 10 \
	"  ... counted as refusals with reason invalid_body"
python3 -c 'print("{\"name\":\"rex\"" + " " * (2 << 20) + "}")' > "$T/big.json"
req POST /pets/pid -H "$J" --data-binary @"$T/big.json"
is "$STATUS $BODY $(scrape "$INV")" "413 {\"message\":\"Request Entity Too Large\"} $before" \
	"a 2 MiB body on a validated route: 413, no worker (validation runs on the loop: 1 MiB at most)"
req GET /pets/7/pid
is "$STATUS" 200 "the function's GET route is not validated: a GET has no body"
is "$(doc '"requestBody" in j["paths"]["/pets/{id}/{action}"]["get"]')" false \
	"  ... and has no requestBody in the document"

# ---- schema files at load and reload ------------------------------------------------
check() { "$LAMBDAD" -t -c "$T/lambdad.conf" > "$T/t.out" 2>&1; }
line_of() { grep -n "^$1" "$T/functions.d/pets.conf" | head -n 1 | cut -d: -f1; }
printf '{"type": "object",' > "$T/schemas/broken.json"
sed -i "s|^request_schema = .*|request_schema = $T/schemas/broken.json|" "$T/functions.d/pets.conf"
check; rc=$?
like "$rc $(cat "$T/t.out")" "^1 .*pets.conf:$(line_of request_schema): request_schema: \"$T/schemas/broken.json\" is not JSON" \
	"a schema file that is not JSON: lambdad -t names its file:line"
out=$($CTL reload 2>&1); rc=$?
like "$rc $out" "^1 .*pets.conf:$(line_of request_schema): request_schema: .*is not JSON" \
	"  ... and a reload is refused with it"
req POST /pets/pid -H "$J" -d '{"kind":"dog"}'
is "$STATUS" 400 "  ... the running configuration still validates"
sed -i "s|^request_schema = .*|request_schema = $T/schemas/none.json|" "$T/functions.d/pets.conf"
check
like "$(cat "$T/t.out")" "pets.conf:$(line_of request_schema): request_schema: cannot read \"$T/schemas/none.json\": No such file or directory" \
	"a missing schema file: file:line and why"
echo '{"type": "object", "properties": {"name": {"type": "string", "maxLength": 3}}}' > "$T/schemas/short.json"
chmod a+r "$T/schemas/short.json"
sed -i "s|^request_schema = .*|request_schema = $T/schemas/short.json|" "$T/functions.d/pets.conf"
out=$($CTL reload 2>&1); rc=$?
is "$rc" 0 "a reload with a new schema file is taken"
req POST /pets/pid -H "$J" -d '{"name":"rexie"}'
is "$STATUS" 400 "  ... the new schema applies at once (maxLength 3)"
$CTL openapi > "$T/doc.json"
is "$(doc 'j["components"]["schemas"]["petsRequest"]["properties"]["name"]["maxLength"]')" 3 \
	"  ... and the document shows it"
req GET /docs/openapi.json
printf '%s' "$BODY" > "$T/doc.json"
is "$(doc 'j["components"]["schemas"]["petsRequest"]["properties"]["name"]["maxLength"]')" 3 \
	"  ... the public one too: docs_path's page and document are made again at reload"
sed -i '/^docs_path/d' "$T/lambdad.conf"
$CTL reload >/dev/null 2>&1
req GET /docs/openapi.json
is "$STATUS $(jget "$BODY" 'j.get("openapi", "no document")')" "200 no document" \
	"without docs_path (after a reload) the path is a route's again (\$default's here)"

done_testing
