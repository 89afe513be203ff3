#!/bin/sh
# Installs the official Node.js Lambda runtime interface client (aws-lambda-ric,
# pinned in package.json/package-lock.json) into ./node_modules for lambdad's
# conformance test. Idempotent: if the native addon is already built and loads,
# it does nothing. The addon build compiles bundled curl and aws-lambda-cpp
# sources (deps/*.tar.gz inside the npm tarball) and needs autoconf, automake,
# libtool, cmake, make, g++ and python3; only the npm registry is contacted.
# node-gyp would fetch Node headers from the internet, so point it at the
# headers installed next to node instead.
set -eu

cd "$(dirname "$0")"
addon=node_modules/aws-lambda-ric/dist/rapid-client.node

# The addon reads AWS_LAMBDA_RUNTIME_API when it loads and aborts without it;
# loading it does not connect.
ric_ok() {
	[ -f "$addon" ] && AWS_LAMBDA_RUNTIME_API=127.0.0.1:9 \
	    node -e "require('./$addon')" 2>/dev/null
}

if ric_ok; then
	echo "install.sh: aws-lambda-ric already installed"
	exit 0
fi

for tool in node npm make cmake g++ autoreconf libtoolize python3; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "install.sh: missing $tool (apt-get install autoconf automake" \
		    "libtool cmake g++ make python3 nodejs)" >&2
		exit 1
	fi
done

nodedir=$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")
if [ ! -f "$nodedir/include/node/node_api.h" ]; then
	echo "install.sh: no Node headers in $nodedir/include/node" >&2
	exit 1
fi

# Serialise concurrent callers (parallel test jobs) on a lock held on this
# directory itself, since npm ci deletes and recreates node_modules.
exec 9<.
flock 9
if ric_ok; then
	echo "install.sh: aws-lambda-ric installed by a concurrent run"
	exit 0
fi

start=$(date +%s)
jobs=$(nproc 2>/dev/null || echo 2)
export npm_config_nodedir="$nodedir"
export MAKEFLAGS="-j$jobs" JOBS="$jobs"
if [ -f package-lock.json ]; then
	npm ci --no-audit --no-fund --foreground-scripts
else
	npm install --no-audit --no-fund --foreground-scripts
fi

# The package's postinstall means to delete its unpacked sources, but its
# glob needs bash; drop them here (about 150 MB).
rm -rf node_modules/aws-lambda-ric/deps/curl-curl-* \
    node_modules/aws-lambda-ric/deps/aws-lambda-cpp-*/

if ! ric_ok; then
	echo "install.sh: aws-lambda-ric installed but its addon does not load" >&2
	exit 1
fi
echo "install.sh: aws-lambda-ric built in $(($(date +%s) - start)) s"
