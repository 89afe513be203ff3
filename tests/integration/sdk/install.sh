#!/bin/sh
# Installs the AWS SDK for JavaScript v3 clients the store tests use
# (DynamoDB, S3 with lib-storage and the presigner, Lambda) and ws,
# pinned in package.json / package-lock.json, into ./node_modules, from
# the npm registry.  Idempotent; serialised on a lock so parallel callers
# do not race npm ci.
set -eu
cd "$(dirname "$0")"
sdk_ok() {
	node -e "for (const m of ['@aws-sdk/client-dynamodb', '@aws-sdk/lib-dynamodb',
	    '@aws-sdk/client-lambda', '@aws-sdk/client-s3', '@aws-sdk/lib-storage',
	    '@aws-sdk/s3-request-presigner', 'ws']) require(m)" 2>/dev/null
}
sdk_ok && exit 0
exec 9<.
flock 9
sdk_ok && exit 0
npm ci --no-audit --no-fund
sdk_ok || { echo "install.sh: the SDK installed but does not load" >&2; exit 1; }
