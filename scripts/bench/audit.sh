#!/usr/bin/env bash
# Audit-spine benchmarks (apart from the tests): durable appends per second with group
# commit vs one transaction per event, searches on a store of a million events, and token
# verifications per second (RS256, ES256, EdDSA; cold and cached). Release build. Results go into Docs/PERFORMANCE.md.
# Usage: scripts/bench/audit.sh   (extra arguments go to every `audit-bench appends` run)
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/swift-env.sh
scripts/install-deps.sh build
swift build -c release --product audit-bench
bench=.build/release/audit-bench
echo "== machine: $(nproc) cores, $(uname -r), $(date -u +%Y-%m-%dT%H:%MZ)"
for durability in full normal; do
  echo "== durable appends, durability $durability"
  "$bench" appends --durability "$durability" --concurrency 8 --concurrency 64 --concurrency 256 --concurrency 1024 --events 200000 --single-events 1000 "$@"
done
echo "== audit searches"
"$bench" queries --events 1000000
echo "== token verification"
"$bench" tokens
