#!/usr/bin/env bash
# Audit-spine benchmarks (apart from the tests): durable appends per second with group
# commit vs one transaction per event, and token verifications per second (RS256, ES256,
# EdDSA; cold and cached). Release build. Results go into Docs/PERFORMANCE.md.
# Usage: scripts/bench/audit.sh [--events N]
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/swift-env.sh
scripts/install-deps.sh build
swift build -c release --product audit-bench
bench=.build/release/audit-bench
work=$(mktemp -d /tmp/agw-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
echo "== machine: $(nproc) cores, $(uname -r), $(date -u +%Y-%m-%dT%H:%MZ)"
echo "== durable appends (SQLite WAL, synchronous=FULL)"
"$bench" appends --directory "$work" "$@"
echo "== token verification"
"$bench" tokens
