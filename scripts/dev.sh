#!/usr/bin/env bash
# One command to try AuditGateway: installs what the build needs, builds, and runs
# `gatewayd --dev` (local token issuer, temporary data directory, admin API on :18080).
# Extra arguments go to gatewayd, e.g. scripts/dev.sh --data-dir ./data
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/swift-env.sh
scripts/install-deps.sh build
swift build --product gatewayd
swift build --product auditctl
exec .build/debug/gatewayd --dev "$@"
