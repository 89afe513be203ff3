#!/bin/bash
# Provisioned concurrency through the aws CLI: put-, get-, delete- and
# list-provisioned-concurrency-config(s) on a version and on an alias.
# The workers are really started before any invocation (Allocated counts
# the version pool's workers; the first invocations find them warm: no
# Init Duration, AWS_LAMBDA_INITIALIZATION_TYPE=provisioned-concurrency);
# they follow an alias to its new version and split by its weights; the
# refusals carry Lambda's error types; and a restart keeps the configs.
. "$(dirname "$0")/lib.sh"
aws_env
command -v zip >/dev/null || { echo "Bail out! no zip (make deps-test installs it)"; exit 1; }
plan 59

ROLE=arn:aws:iam::123456789012:role/x
ARN=arn:aws:lambda:us-east-1:123456789012:function:pc
PC=/2019-09-30/functions/pc/provisioned-concurrency
# show QUAL: get-provisioned-concurrency-config's Status, Requested and
# Allocated ("" when the call fails).
show() {
	lam get-provisioned-concurrency-config --function-name pc --qualifier "$1"
	jget "$OUT" 'j["Status"]+" "+str(j["RequestedProvisionedConcurrentExecutions"])+" "+str(j["AllocatedProvisionedConcurrentExecutions"])+" "+str(j["AvailableProvisionedConcurrentExecutions"])'
}
# ready QUAL N: wait (10 s at most) for QUAL's N workers; SHOWN the last show.
ready() {
	i=0
	while SHOWN=$(show "$1") && [ "$SHOWN" != "READY $2 $2 $2" ] && [ $i -lt 200 ]; do
		sleep 0.05; i=$((i + 1))
	done
}
# warm FN: invoke FN's env action; WARM is "type init" -- its
# AWS_LAMBDA_INITIALIZATION_TYPE and whether its REPORT had an Init Duration.
warm() {
	lam invoke --cli-binary-format raw-in-base64-out --function-name "$1" \
		--payload '{"action":"env"}' --log-type Tail "$T/inv.out"
	ty=$(python3 -c 'import json,sys; print([e.split("=",1)[1] for e in json.load(open(sys.argv[1])) if e.startswith("AWS_LAMBDA_INITIALIZATION_TYPE=")][0])' "$T/inv.out" 2>/dev/null)
	init=$(jget "$OUT" 'j["LogResult"]' | base64 -d 2>/dev/null | grep -c 'Init Duration')
	WARM="$ty $init"
}
dropin() { cat "$T/state/functions.d/pc:$1.conf" 2>/dev/null; }

mkdir -p "$T/pkg"
cp "$TH/misc" "$T/pkg/bootstrap"
(cd "$T/pkg" && zip -q "$T/fn.zip" bootstrap)
fn ops "$TH/misc"
EXTRA_CONF='invoke_api = on'
start_daemon

lam create-function --function-name pc --runtime provided.al2023 \
	--handler bootstrap --role "$ROLE" --zip-file "fileb://$T/fn.zip"
is "$RC" 0 "create-function"
lam publish-version --function-name pc
is "$(jget "$OUT" 'j["Version"]')" 1 "version 1"
lam update-function-configuration --function-name pc --timeout 5
lam publish-version --function-name pc
is "$(jget "$OUT" 'j["Version"]')" 2 "version 2"

# ---- refusals ----
lam put-provisioned-concurrency-config --function-name pc --qualifier '$LATEST' \
	--provisioned-concurrent-executions 1
like "$ERR" "InvalidParameterValueException.*unpublished function versions" "\$LATEST: InvalidParameterValueException"
lam put-provisioned-concurrency-config --function-name pc --qualifier 9 \
	--provisioned-concurrent-executions 1
like "$ERR" "ResourceNotFoundException.*function:pc:9" "a version that does not exist: ResourceNotFoundException"
req PUT "$PC?Qualifier=1" -H 'Content-Type: application/json' --data '{"ProvisionedConcurrentExecutions":0}'
is "$STATUS $(hdr x-amzn-errortype)" "400 validationexception" "0 workers: ValidationException"
req PUT "$PC?Qualifier=1" -H 'Content-Type: application/json' --data '{"ProvisionedConcurrentExecutions":1.5}'
is "$STATUS $(hdr x-amzn-errortype)" "400 validationexception" "1.5 workers: ValidationException"
req PUT "$PC?Qualifier=1" -H 'Content-Type: application/json' --data 'nope'
is "$STATUS $(hdr x-amzn-errortype)" "400 invalidrequestcontentexception" "a body that is not JSON"
req PUT "$PC?Qualifier=1" -H 'Content-Type: application/json' --data '{"ProvisionedConcurrentExecutions":1025}'
is "$STATUS $(hdr x-amzn-errortype)" "400 invalidparametervalueexception" "more than lambdad runs: InvalidParameterValueException"
lam put-provisioned-concurrency-config --function-name nope --qualifier 1 \
	--provisioned-concurrent-executions 1
like "$ERR" "ResourceNotFoundException.*function:nope" "a missing function: ResourceNotFoundException"
lam put-provisioned-concurrency-config --function-name ops --qualifier 1 \
	--provisioned-concurrent-executions 1
like "$ERR" "ResourceConflictException.*functions.d/ops.conf" "the operator's function: ResourceConflictException"
lam get-provisioned-concurrency-config --function-name pc --qualifier 1
like "$ERR" "ProvisionedConcurrencyConfigNotFoundException" "get before any put: ProvisionedConcurrencyConfigNotFoundException"
is "$(dropin 1 | grep -c min_idle)" 0 "version 1's drop-in keeps no workers yet"

# ---- a version ----
lam put-provisioned-concurrency-config --function-name pc --qualifier 1 \
	--provisioned-concurrent-executions 2
is "$RC" 0 "put-provisioned-concurrency-config on version 1 exits 0"
is "$(jget "$OUT" 'j["RequestedProvisionedConcurrentExecutions"]')" 2 "  ... the reply asks for 2"
like "$(jget "$OUT" 'j["Status"]')" '^(IN_PROGRESS|READY)$' "  ... and says IN_PROGRESS (or READY)"
like "$(jget "$OUT" 'j["LastModified"]')" '^20[0-9]{2}-' "  ... with a LastModified"
like "$(dropin 1)" "min_idle = 2" "version 1's drop-in keeps 2 workers started"
ready 1 2
is "$SHOWN" "READY 2 2 2" "get: READY once the version's pool has 2 workers up, before any invocation"
lam list-provisioned-concurrency-configs --function-name pc
is "$(jget "$OUT" '" ".join(c["FunctionArn"]+"="+str(c["RequestedProvisionedConcurrentExecutions"]) for c in j["ProvisionedConcurrencyConfigs"])')" "$ARN:1=2" "list-provisioned-concurrency-configs: version 1's"
warm pc:1
is "$WARM" "provisioned-concurrency 0" "the first invocation of version 1: a provisioned worker, no Init Duration"
warm pc
is "$WARM" "on-demand 1" "the first invocation of \$LATEST: on demand, with an Init Duration"
warm pc:2
is "$WARM" "on-demand 1" "  ... and of version 2, which has no config"
# Both workers busy at once: still no cold start.
nap() {
	"$AWSCLI" lambda invoke --endpoint-url "$URL" --cli-read-timeout 0 \
		--cli-binary-format raw-in-base64-out --function-name pc:1 \
		--payload '{"action":"sleep","n":400}' --log-type Tail "$T/$1.out" >"$T/$1.json" 2>&1
}
nap s1 &
napper=$!
sleep 0.1
nap s2
wait "$napper"
n=0
for f in s1 s2; do
	n=$((n + $(jget "$(cat "$T/$f.json")" 'j["LogResult"]' | base64 -d 2>/dev/null | grep -c 'Init Duration')))
done
is "$([ -s "$T/s1.out" ] && [ -s "$T/s2.out" ] && echo both) $n" "both 0" "two invocations of version 1 at once both found a warm worker"

lam put-provisioned-concurrency-config --function-name pc --qualifier 1 \
	--provisioned-concurrent-executions 3
ready 1 3
is "$SHOWN" "READY 3 3 3" "a second put changes it: 3 workers up"
like "$(dropin 1)" "max_workers = 7" "  ... with room for 4 more on demand"

# ---- an alias ----
lam create-alias --function-name pc --name live --function-version 1
lam put-provisioned-concurrency-config --function-name pc --qualifier live \
	--provisioned-concurrent-executions 1
like "$ERR" "ResourceConflictException.*Version 1" "an alias on a version with its own config: ResourceConflictException"
lam delete-provisioned-concurrency-config --function-name pc --qualifier 1
is "$RC" 0 "delete-provisioned-concurrency-config exits 0"
lam get-provisioned-concurrency-config --function-name pc --qualifier 1
like "$ERR" "ProvisionedConcurrencyConfigNotFoundException" "  ... it is gone"
is "$(dropin 1 | grep -c min_idle)" 0 "  ... and so are version 1's kept workers"
lam delete-provisioned-concurrency-config --function-name pc --qualifier 1
like "$ERR" "ProvisionedConcurrencyConfigNotFoundException" "deleting it again: not found"
req PUT "/2019-09-30/functions/pc%3Alive/provisioned-concurrency?Qualifier=live" \
	-H 'Content-Type: application/json' --data '{"ProvisionedConcurrentExecutions":2}'
is "$STATUS $(jget "$BODY" 'j["Status"]')" "202 IN_PROGRESS" "put on the alias, named pc:live: 202, IN_PROGRESS"
ready live 2
is "$SHOWN" "READY 2 2 2" "the alias's 2 workers, in version 1's pool"
lam put-provisioned-concurrency-config --function-name pc --qualifier 1 \
	--provisioned-concurrent-executions 1
like "$ERR" "ResourceConflictException.*alias live" "version 1 while alias live has a config: ResourceConflictException"
lam update-alias --function-name pc --name live --function-version 2
is "$RC" 0 "update-alias live to version 2"
like "$(dropin 2)" "min_idle = 2" "  ... version 2's drop-in now keeps the 2 workers"
is "$(dropin 1 | grep -c min_idle)" 0 "  ... and version 1's none"
ready live 2
is "$SHOWN" "READY 2 2 2" "  ... and they are up in version 2's pool"
warm pc:live
is "$WARM" "provisioned-concurrency 0" "the alias's first invocation on version 2: warm"
lam update-alias --function-name pc --name live --function-version 2 \
	--routing-config 'AdditionalVersionWeights={1=0.5}'
like "$(dropin 1)" "min_idle = 1" "a weight of 0.5 on version 1: it keeps 1 of the 2"
like "$(dropin 2)" "min_idle = 1" "  ... and version 2 the other"
ready live 2
is "$SHOWN" "READY 2 2 2" "  ... both up"

# ---- reserved concurrency bounds it ----
lam put-function-concurrency --function-name pc --reserved-concurrent-executions 1
like "$ERR" "InvalidParameterValueException.*2 Provisioned" "reserved concurrency below the provisioned 2: refused"
lam put-function-concurrency --function-name pc --reserved-concurrent-executions 3
is "$RC" 0 "reserved concurrency of 3"
lam put-provisioned-concurrency-config --function-name pc --qualifier live \
	--provisioned-concurrent-executions 4
like "$ERR" "InvalidParameterValueException.*reservedConcurrentExecution" "4 provisioned over 3 reserved: refused"
lam delete-function-concurrency --function-name pc

# ---- paging, and the raw calls ----
lam create-alias --function-name pc --name beta --function-version 1
lam put-provisioned-concurrency-config --function-name pc --qualifier beta \
	--provisioned-concurrent-executions 1
is "$RC" 0 "alias beta on version 1, which live's weight reaches too, takes 1"
like "$(dropin 1)" "min_idle = 2" "  ... version 1 keeps live's 1 and beta's 1"
lam update-alias --function-name pc --name live --function-version 2 --routing-config 'AdditionalVersionWeights={}'
like "$(dropin 1)" "min_idle = 1" "with live's weight gone, version 1 keeps beta's 1"
req GET "$PC?List=ALL&MaxItems=1"
is "$STATUS $(jget "$BODY" 'str(len(j["ProvisionedConcurrencyConfigs"]))+" "+j["NextMarker"]')" "200 1 1" "List=ALL&MaxItems=1: one and a NextMarker"
req GET "$PC?List=ALL&MaxItems=1&Marker=1"
is "$(jget "$BODY" 'str(len(j["ProvisionedConcurrencyConfigs"]))+" "+str("NextMarker" in j)')" "1 False" "  ... the next page is the last"
req GET "$PC?List=ALL&MaxItems=51"
is "$STATUS $(hdr x-amzn-errortype)" "400 validationexception" "MaxItems 51: ValidationException"
req POST "$PC?Qualifier=1"
is "$STATUS $(hdr x-amzn-errortype)" "404 unknownoperationexception" "POST is not an operation here"

# ---- a restart keeps the configs, and starts their workers ----
stop_daemon
start_daemon
ready live 2
is "$SHOWN" "READY 2 2 2" "after a restart: live's 2 workers are up again"
ready beta 1
is "$SHOWN" "READY 1 1 1" "  ... and beta's 1"
warm pc:beta
is "$WARM" "provisioned-concurrency 0" "  ... and warm for beta's first invocation"

# ---- deleting the alias or version takes its config ----
lam delete-alias --function-name pc --name beta
is "$RC" 0 "delete-alias beta"
is "$(dropin 1 | grep -c min_idle)" 0 "  ... version 1 keeps no workers for it"
lam create-alias --function-name pc --name beta --function-version 1
lam get-provisioned-concurrency-config --function-name pc --qualifier beta
like "$ERR" "ProvisionedConcurrencyConfigNotFoundException" "  ... and a new alias beta has no config of the old one"
lam list-provisioned-concurrency-configs --function-name pc
is "$(jget "$OUT" '" ".join(c["FunctionArn"].split(":")[-1] for c in j["ProvisionedConcurrencyConfigs"])')" "live" "list: live's alone"

done_testing
