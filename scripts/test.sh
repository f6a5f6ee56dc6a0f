#!/usr/bin/env bash
# The whole test suite, from a fresh Debian machine with Swift: installs missing packages,
# starts the real servers the tests drive (scripts/test-servers.sh, loopback only), builds
# everything (the tests spawn the built gatewayd, auditctl and audit-bench), runs every
# test, and stops the servers. A server that cannot start fails the run.
# Extra arguments go to `swift test`, e.g. scripts/test.sh --filter Postgres
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/swift-env.sh
scripts/install-deps.sh test
export AGW_TEST_STATE=${AGW_TEST_STATE:-/tmp/agw-test-servers}
export AGW_TEST_ENV=$AGW_TEST_STATE/env
trap 'scripts/test-servers.sh stop' EXIT
scripts/test-servers.sh start postgres sshd >/dev/null
. "$AGW_TEST_ENV"
swift build --build-tests
# One test at a time: on a 2-core machine the suites that wait on child processes (psql,
# ssh, gatewayd) block the few cooperative threads, and in-process servers the other
# suites run (the JWKS test's HTTP server) then miss their deadlines. Serial costs about a
# minute here (about 4 minutes instead of 2.5) and removes that cross-suite interference.
swift test --skip-build --no-parallel "$@"
