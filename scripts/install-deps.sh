#!/usr/bin/env bash
# Installs the Debian packages AuditGateway builds and tests with, only those missing.
# Usage: scripts/install-deps.sh [build|test]   (test = build + the tools the tests drive)
set -euo pipefail
mode=${1:-build}
packages=(libssl-dev zlib1g-dev libsqlite3-dev sqlite3 openssl)
if [ "$mode" = test ]; then
  packages+=(curl python3 postgresql postgresql-contrib postgresql-client openssh-server openssh-client sshpass expect
    python3-asyncssh)  # an SSH client that sends signal requests (OpenSSH's ssh sends none)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then sudo=sudo; else sudo=; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
if [ "$mode" = test ]; then
  # pg8000: a pure-Python PostgreSQL driver (no libpq) for the non-libpq driver test.
  python3 -c 'import pg8000' 2>/dev/null || python3 -m pip install -q --disable-pip-version-check pg8000 >/dev/null 2>&1 \
    || python3 -m pip install -q --break-system-packages pg8000
fi
