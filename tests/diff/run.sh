#!/usr/bin/env bash
# Differential tests against the official client: installs the pinned
# @azure/web-pubsub-client@1.1.0 (package-lock.json) when it is missing, then compares it with
# the given wps binary on corpus/down.txt and corpus/up.jsonl.
# usage: tests/diff/run.sh path/to/wps
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
wps=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
if [ ! -f "$here/node_modules/@azure/web-pubsub-client/package.json" ]; then
  (cd "$here" && npm ci --no-audit --no-fund)
fi
cd "$here"
node diff.mjs "$wps"
