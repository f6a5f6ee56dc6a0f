#!/usr/bin/env bash
# The whole test suite, from a fresh Debian machine with Swift: installs missing packages,
# builds everything (the tests spawn the built gatewayd, auditctl and audit-bench), and runs
# every test. Tests that need a real server start it on loopback themselves and fail loudly
# when it cannot start.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/swift-env.sh
scripts/install-deps.sh test
swift build --build-tests
swift test --skip-build "$@"
