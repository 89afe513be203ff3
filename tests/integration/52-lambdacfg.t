#!/bin/bash
# Function tags and event-invoke configs through the aws CLI: tag-resource,
# list-tags, untag-resource and the Tags of get-function; put-, get-,
# update-, delete- and list-function-event-invoke-config(s) for $LATEST, a
# version and an alias; every refusal with Lambda's error type; a function
# failing under --invocation-type Event is run exactly
# MaximumRetryAttempts + 1 times, by the config of the qualifier it was
# invoked with; and all of it is still there after a restart.
. "$(dirname "$0")/lib.sh"
aws_env
command -v zip >/dev/null || { echo "Bail out! no zip (make deps-test installs it)"; exit 1; }
plan 73

ROLE=arn:aws:iam::123456789012:role/x
ARN=arn:aws:lambda:us-east-1:123456789012:function:cfg
EIC=/2019-09-25/functions/cfg/event-invoke-config
tags() { lam list-tags --resource "$ARN"; jget "$OUT" '",".join(sorted(k+"="+v for k, v in j["Tags"].items()))'; }
# failed: how many Event invocations have failed for good so far.
failed() { grep -c 'Event invocation failed (.*) after' "$T/daemon.log"; }
# fail_event FN TEXT: an Event that fails; waits until it has failed for
# good, then ATTEMPTS is how many attempts the log says and FRID its id.
fail_event() {
	n=$(failed)
	lam invoke --cli-binary-format raw-in-base64-out --function-name "$1" \
		--invocation-type Event --payload "{\"action\":\"fail\",\"text\":\"$2\"}" "$T/ev.out"
	i=0
	while [ "$(failed)" -le "$n" ] && [ $i -lt 300 ]; do sleep 0.05; i=$((i + 1)); done
	line=$(grep 'Event invocation failed (.*) after' "$T/daemon.log" | tail -n 1)
	ATTEMPTS=$(printf '%s' "$line" | sed -n 's/.* after \([0-9]*\) attempts.*/\1/p')
	FRID=$(printf '%s' "$line" | sed -n 's/.* \([0-9a-f-]\{36\}\): Event invocation failed.*/\1/p')
}
runs() { grep -c -- "$1" "$T/daemon.log"; }

mkdir -p "$T/pkg"
cp "$TH/misc" "$T/pkg/bootstrap"
(cd "$T/pkg" && zip -q "$T/fn.zip" bootstrap)
fn ops "$TH/misc"
EXTRA_CONF='invoke_api = on
event_retry_delay = 1'
start_daemon

lam create-function --function-name cfg --runtime provided.al2023 \
	--handler bootstrap --role "$ROLE" --zip-file "fileb://$T/fn.zip" --tags team=shop
is "$RC" 0 "create-function with --tags"

# ---- tags ----
is "$(tags)" "team=shop" "list-tags: CreateFunction's tags"
lam tag-resource --resource "$ARN" --tags env=prod,owner=ann
is "$RC" 0 "tag-resource exits 0"
is "$(tags)" "env=prod,owner=ann,team=shop" "list-tags: the new tags beside the old"
lam tag-resource --resource "$ARN" --tags owner=bob
is "$(tags)" "env=prod,owner=bob,team=shop" "tag-resource on a key there replaces its value"
lam get-function --function-name cfg
is "$(jget "$OUT" '",".join(sorted(j["Tags"]))')" "env,owner,team" "get-function shows the tags"
lam untag-resource --resource "$ARN" --tag-keys team owner nosuch
is "$RC" 0 "untag-resource exits 0 (a key not there too)"
is "$(tags)" "env=prod" "list-tags: the untagged keys are gone"
req GET "/2017-03-31/tags/$(printf %s "$ARN" | sed 's/:/%3A/g')"
is "$STATUS $(jget "$BODY" 'j["Tags"]["env"]')" "200 prod" "ListTags with the ARN percent-encoded, as SDKs send it"

lam tag-resource --resource "$ARN" --tags aws:owner=x
like "$ERR" "InvalidParameterValueException.*reserved" "a key beginning aws: is refused"
lam tag-resource --resource "$ARN" --tags "$(printf 'k%.0s' $(seq 129))=v"
like "$ERR" "InvalidParameterValueException.*1 to 128" "a key of 129 characters is refused"
lam tag-resource --resource "$ARN" --tags "k=$(printf 'v%.0s' $(seq 257))"
like "$ERR" "InvalidParameterValueException.*256" "a value of 257 characters is refused"
lam tag-resource --resource "$ARN" --tags "k=$(printf 'v%.0s' $(seq 256))"
is "$RC" 0 "a value of 256 characters is taken"
lam tag-resource --resource "$ARN" --tags "$(seq -s, -f 'k%g=v' 1 48)"
is "$RC" 0 "50 tags in all are taken"
lam tag-resource --resource "$ARN" --tags "one=more"
like "$ERR" "InvalidParameterValueException.*tag limit.*51" "the 51st tag is refused"
is "$(tags | tr , '\n' | wc -l)" 50 "  ... and the 50 stay as they were"
lam untag-resource --resource "$ARN" --tag-keys k $(seq -f 'k%g' 1 48)
is "$(tags)" "env=prod" "untag-resource of 49 keys at once"
req POST "/2017-03-31/tags/$ARN" -H 'Content-Type: application/json' --data '{"Tags":{"":"v"}}'
is "$STATUS $(hdr x-amzn-errortype)" "400 invalidparametervalueexception" "an empty key is refused"
req POST "/2017-03-31/tags/$ARN" -H 'Content-Type: application/json' --data '{"Tags":{"k":7}}'
is "$STATUS $(hdr x-amzn-errortype)" "400 invalidparametervalueexception" "a value that is not a string is refused"
req POST "/2017-03-31/tags/$ARN" -H 'Content-Type: application/json' --data '{}'
is "$STATUS $(hdr x-amzn-errortype)" "400 validationexception" "TagResource without Tags: ValidationException"
req POST "/2017-03-31/tags/$ARN" -H 'Content-Type: application/json' --data 'not json'
is "$STATUS $(hdr x-amzn-errortype)" "400 invalidrequestcontentexception" "a body that is not JSON"
req DELETE "/2017-03-31/tags/$ARN"
is "$STATUS $(hdr x-amzn-errortype)" "400 validationexception" "UntagResource without tagKeys: ValidationException"
lam tag-resource --resource "$ARN:1" --tags a=b
like "$ERR" "InvalidParameterValueException.*aliases and versions" "tags on a qualified ARN are refused"
lam list-tags --resource cfg
like "$ERR" "ValidationException.*function ARN" "a bare name is not a resource ARN"
lam list-tags --resource "${ARN%cfg}nope"
like "$ERR" "ResourceNotFoundException.*function:nope" "a missing function: ResourceNotFoundException"
lam list-tags --resource "${ARN%cfg}ops"
is "$RC $(jget "$OUT" 'j["Tags"]')" "0 {}" "the operator's function lists no tags"
lam tag-resource --resource "${ARN%cfg}ops" --tags a=b
like "$ERR" "ResourceConflictException.*functions.d/ops.conf" "tagging the operator's function: ResourceConflictException"
lam create-function --function-name cfg2 --runtime provided.al2023 \
	--handler bootstrap --role "$ROLE" --zip-file "fileb://$T/fn.zip" --tags aws:x=1
like "$ERR" "InvalidParameterValueException.*reserved" "create-function checks its tags the same way"

# ---- event-invoke configs ----
lam publish-version --function-name cfg
is "$(jget "$OUT" 'j["Version"]')" 1 "version 1 published"
lam create-alias --function-name cfg --name live --function-version 1
is "$RC" 0 "alias live on version 1"

lam get-function-event-invoke-config --function-name cfg
like "$ERR" "ResourceNotFoundException.*cfg:\\\$LATEST doesn't have an EventInvokeConfig" "get before any put: ResourceNotFoundException"
lam put-function-event-invoke-config --function-name cfg --maximum-retry-attempts 1 \
	--maximum-event-age-in-seconds 3600
is "$RC" 0 "put-function-event-invoke-config exits 0"
is "$(jget "$OUT" 'j["FunctionArn"]+" "+str(j["MaximumRetryAttempts"])+" "+str(j["MaximumEventAgeInSeconds"])')" "$ARN:\$LATEST 1 3600" "the reply: qualified ARN, retries, age"
like "$(jget "$OUT" 'j["LastModified"]')" '^20[0-9]{2}-' "LastModified, read by the CLI as a timestamp"
lam get-function-event-invoke-config --function-name cfg
is "$(jget "$OUT" 'str(j["MaximumRetryAttempts"])+" "+str(j["MaximumEventAgeInSeconds"])')" "1 3600" "get-function-event-invoke-config"
lam update-function-event-invoke-config --function-name cfg --maximum-retry-attempts 0
is "$(jget "$OUT" 'str(j["MaximumRetryAttempts"])+" "+str(j["MaximumEventAgeInSeconds"])')" "0 3600" "update changes what it names and keeps the rest"
lam put-function-event-invoke-config --function-name cfg --qualifier 1 --maximum-retry-attempts 1
is "$(jget "$OUT" 'j["FunctionArn"]+" "+str(j.get("MaximumEventAgeInSeconds"))')" "$ARN:1 None" "put for version 1 (a put replaces: no age)"
lam put-function-event-invoke-config --function-name cfg:live --maximum-retry-attempts 0
is "$(jget "$OUT" 'j["FunctionArn"]')" "$ARN:live" "put for the alias, named as cfg:live"
lam list-function-event-invoke-configs --function-name cfg
is "$(jget "$OUT" '" ".join(sorted(c["FunctionArn"].split(":")[-1] for c in j["FunctionEventInvokeConfigs"]))')" "\$LATEST 1 live" "list-function-event-invoke-configs: all three"
req GET "$EIC/list?MaxItems=2"
is "$(jget "$BODY" 'str(len(j["FunctionEventInvokeConfigs"]))+" "+j["NextMarker"]')" "2 2" "MaxItems=2: two and a NextMarker"
req GET "$EIC/list?MaxItems=2&Marker=2"
is "$(jget "$BODY" 'str(len(j["FunctionEventInvokeConfigs"]))+" "+str("NextMarker" in j)')" "1 False" "  ... the next page is the last"

lam put-function-event-invoke-config --function-name cfg --maximum-retry-attempts 3
like "$ERR" "ValidationException.*maximumRetryAttempts.*less than or equal to 2" "MaximumRetryAttempts 3: ValidationException"
lam put-function-event-invoke-config --function-name cfg --maximum-event-age-in-seconds 21601
like "$ERR" "ValidationException.*maximumEventAgeInSeconds.*less than or equal to 21600" "MaximumEventAgeInSeconds 21601: ValidationException"
req PUT "$EIC" -H 'Content-Type: application/json' --data '{"MaximumEventAgeInSeconds":59}'
is "$STATUS $(hdr x-amzn-errortype)" "400 validationexception" "MaximumEventAgeInSeconds 59: ValidationException"
req PUT "$EIC" -H 'Content-Type: application/json' --data '{"MaximumRetryAttempts":1.5}'
is "$STATUS $(hdr x-amzn-errortype)" "400 validationexception" "a retry count that is not an integer"
req PUT "$EIC" -H 'Content-Type: application/json' --data 'nope'
is "$STATUS $(hdr x-amzn-errortype)" "400 invalidrequestcontentexception" "a body that is not JSON"
lam put-function-event-invoke-config --function-name cfg --maximum-retry-attempts 1 \
	--destination-config "OnFailure={Destination=arn:aws:sqs:us-east-1:123456789012:q}"
like "$ERR" "InvalidParameterValueException.*OnFailure records to its own functions only" "a destination that is not a function is refused, saying so (54-destinations.t tests the rest)"
lam put-function-event-invoke-config --function-name cfg --qualifier nope --maximum-retry-attempts 1
like "$ERR" "ResourceNotFoundException.*function:cfg:nope" "a qualifier that does not exist: ResourceNotFoundException"
lam put-function-event-invoke-config --function-name cfg:1 --qualifier live --maximum-retry-attempts 1
like "$ERR" "InvalidParameterValueException.*does not match" "name:1 with --qualifier live: refused"
lam put-function-event-invoke-config --function-name nope --maximum-retry-attempts 1
like "$ERR" "ResourceNotFoundException.*function:nope" "a missing function: ResourceNotFoundException"
lam put-function-event-invoke-config --function-name ops --maximum-retry-attempts 1
like "$ERR" "ResourceConflictException.*functions.d/ops.conf" "the operator's function: ResourceConflictException"
lam get-function-event-invoke-config --function-name ops
like "$ERR" "ResourceNotFoundException.*EventInvokeConfig" "get on the operator's function: none"
lam get-function-event-invoke-config --function-name cfg
is "$(jget "$OUT" 'str(j["MaximumRetryAttempts"])+" "+str(j["MaximumEventAgeInSeconds"])')" "0 3600" "the refused changes left the config as it was"

# ---- applied to Event invocations ----
fail_event cfg "latest-r0"
is "$ATTEMPTS $(runs latest-r0)" "1 1" "\$LATEST with MaximumRetryAttempts 0: run once, not the 3 times of event_retries"
like "$(cat "$T/state/events/failed/$FRID.ev" 2>/dev/null)" "retries 0" "the failed record carries the config's retries"
like "$(cat "$T/state/events/failed/$FRID.ev" 2>/dev/null)" "max_age 3600" "  ... and its MaximumEventAgeInSeconds"
fail_event cfg:1 "version-r1"
is "$ATTEMPTS $(runs version-r1)" "2 2" "version 1 with MaximumRetryAttempts 1: run twice"
fail_event cfg:live "alias-r0"
is "$ATTEMPTS $(runs alias-r0)" "1 1" "alias live (on version 1) with its own config, 0: run once"
lam update-function-event-invoke-config --function-name cfg --maximum-retry-attempts 1
fail_event cfg "latest-r1"
is "$ATTEMPTS $(runs latest-r1)" "2 2" "after update to 1: run twice"

lam delete-function-event-invoke-config --function-name cfg --qualifier live
is "$RC" 0 "delete-function-event-invoke-config exits 0"
lam get-function-event-invoke-config --function-name cfg --qualifier live
like "$ERR" "ResourceNotFoundException" "  ... it is gone"
lam delete-function-event-invoke-config --function-name cfg --qualifier live
like "$ERR" "ResourceNotFoundException" "deleting it again: ResourceNotFoundException"
lam update-function-event-invoke-config --function-name cfg --qualifier live --maximum-retry-attempts 1
like "$ERR" "ResourceNotFoundException.*doesn't have an EventInvokeConfig" "update with no config: ResourceNotFoundException"
fail_event cfg:live "alias-default"
is "$ATTEMPTS $(runs alias-default)" "3 3" "alias live without a config of its own: the function's event_retries (2), not version 1's config"
lam create-alias --function-name cfg --name beta --function-version 1
lam put-function-event-invoke-config --function-name cfg --qualifier beta --maximum-retry-attempts 0
lam delete-alias --function-name cfg --name beta
lam create-alias --function-name cfg --name beta --function-version 1
lam get-function-event-invoke-config --function-name cfg --qualifier beta
like "$ERR" "ResourceNotFoundException.*cfg:beta doesn't have" "an alias deleted and made again has no config of the old one"

# ---- a restart keeps it all ----
stop_daemon
start_daemon
is "$(tags)" "env=prod" "after a restart the tags are there"
lam get-function-event-invoke-config --function-name cfg
is "$(jget "$OUT" 'str(j["MaximumRetryAttempts"])+" "+str(j["MaximumEventAgeInSeconds"])')" "1 3600" "  ... and the event-invoke config"
lam list-function-event-invoke-configs --function-name cfg
is "$(jget "$OUT" 'len(j["FunctionEventInvokeConfigs"])')" 2 "  ... both that are left"
fail_event cfg "restart-r1"
is "$ATTEMPTS $(runs restart-r1)" "2 2" "  ... and still applied"
lam update-function-configuration --function-name cfg --timeout 7
lam list-tags --resource "$ARN"
is "$(jget "$OUT" 'j["Tags"]["env"]')" prod "UpdateFunctionConfiguration keeps the tags"
lam get-function-event-invoke-config --function-name cfg
is "$(jget "$OUT" 'j["MaximumRetryAttempts"]')" 1 "  ... and the event-invoke config"
lam delete-function --function-name cfg
lam create-function --function-name cfg --runtime provided.al2023 \
	--handler bootstrap --role "$ROLE" --zip-file "fileb://$T/fn.zip"
is "$(tags)" "" "a function made again under the name starts with no tags"
lam get-function-event-invoke-config --function-name cfg
like "$ERR" "ResourceNotFoundException" "  ... and no event-invoke config"

done_testing
