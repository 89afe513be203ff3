#!/bin/sh
# Installs the OpenAPI validator 38-openapi.t checks lambdad's generated
# document with (@apidevtools/swagger-parser, pinned in package.json /
# package-lock.json) into ./node_modules, from the npm registry.
# Idempotent; serialised on a lock so parallel callers do not race npm ci.
set -eu
cd "$(dirname "$0")"
parser_ok() {
	node -e "require('@apidevtools/swagger-parser')" 2>/dev/null
}
parser_ok && exit 0
exec 9<.
flock 9
parser_ok && exit 0
npm ci --no-audit --no-fund
parser_ok || { echo "install.sh: swagger-parser installed but does not load" >&2; exit 1; }
