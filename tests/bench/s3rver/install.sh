#!/bin/sh
# Installs s3rver (pinned in package.json / package-lock.json), the S3
# emulator Node users run, into ./node_modules from the npm registry, for
# buckets.sh to compare with.  Idempotent; serialised on a lock.
set -eu
cd "$(dirname "$0")"
ok() { [ -x node_modules/.bin/s3rver ] && node_modules/.bin/s3rver --version >/dev/null 2>&1; }
ok && exit 0
exec 9<.
flock 9
ok && exit 0
npm ci --no-audit --no-fund --silent
ok || { echo "install.sh: s3rver installed but does not run" >&2; exit 1; }
