#!/usr/bin/env bash
# Starts and stops the real servers the tests drive, on loopback, without systemd.
#
#   scripts/test-servers.sh start postgres   # prints `export AGW_TEST_...` lines; also writes them to $AGW_TEST_ENV
#   scripts/test-servers.sh stop             # stops everything this script started (by PID)
#
# PostgreSQL: a fresh cluster on 127.0.0.1:$AGW_TEST_PG_PORT (default 55432) with TLS on and
# three login roles, one per upstream authentication method the gateway must speak:
#   app        scram-sha-256   password apppass   (owns database app)
#   app_md5    md5             password md5pass
#   app_plain  password (cleartext over TLS or loopback)  password plainpass
# A failure to start exits non-zero with the server's log: tests must fail loudly, never skip.
set -euo pipefail
state=${AGW_TEST_STATE:-/tmp/agw-test-servers}
envfile=${AGW_TEST_ENV:-$state/env}
mkdir -p "$state"

need() { # need BINARY PACKAGE...
  command -v "$1" >/dev/null 2>&1 && return 0
  echo "installing ${*:2}" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${@:2}" >/dev/null
}

start_postgres() {
  need psql postgresql-client
  if ! ls -d /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    echo "installing postgresql postgresql-contrib" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql postgresql-contrib >/dev/null
  fi
  need openssl openssl
  local bin port dir
  bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
  port=${AGW_TEST_PG_PORT:-55432}
  dir="$state/postgres"
  if [ -f "$dir/data/postmaster.pid" ] && kill -0 "$(head -1 "$dir/data/postmaster.pid")" 2>/dev/null; then
    runuser -u postgres -- "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"; mkdir -p "$dir"
  printf 'postgres-admin-pw\n' > "$dir/pwfile"
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=127.0.0.1" \
    -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" -keyout "$dir/server.key" -out "$dir/server.crt" 2>/dev/null
  chmod 600 "$dir/server.key"
  chown -R postgres:postgres "$dir"
  runuser -u postgres -- "$bin/initdb" -D "$dir/data" -U postgres -E UTF8 --locale=C.UTF-8 \
    --auth-local=trust --auth-host=scram-sha-256 --pwfile="$dir/pwfile" >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; exit 1; }
  cat > "$dir/data/pg_hba.conf" <<HBA
local all all trust
host all app_md5 127.0.0.1/32 md5
host all app_plain 127.0.0.1/32 password
host all all 127.0.0.1/32 scram-sha-256
HBA
  if ! runuser -u postgres -- "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-p $port -c listen_addresses=127.0.0.1 -k $dir -c fsync=off -c max_connections=200 -c ssl=on -c ssl_cert_file=$dir/server.crt -c ssl_key_file=$dir/server.key" start >/dev/null; then
    echo "PostgreSQL did not start on 127.0.0.1:$port:" >&2; cat "$dir/server.log" >&2; exit 1
  fi
  local sql=(psql -X -q -v ON_ERROR_STOP=1 -h "$dir" -p "$port" -U postgres -d postgres)
  "${sql[@]}" -c "create role app login password 'apppass'" -c "create database app owner app"
  "${sql[@]}" -c "set password_encryption = 'md5'" -c "create role app_md5 login password 'md5pass'"
  "${sql[@]}" -c "create role app_plain login password 'plainpass'"
  "${sql[@]}" -c "grant all on database app to app_md5, app_plain"
  "${sql[@]}" -d app -c "grant all on schema public to app_md5, app_plain"
  cat >> "$envfile" <<ENV
export AGW_TEST_PG_HOST=127.0.0.1
export AGW_TEST_PG_PORT=$port
export AGW_TEST_PG_SOCKET=$dir
export AGW_TEST_PG_CA=$dir/server.crt
export AGW_TEST_PG_BIN=$bin
ENV
  echo "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port" >&2
}

stop_all() {
  local dir="$state/postgres" bin
  if [ -f "$dir/data/postmaster.pid" ]; then
    bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
    runuser -u postgres -- "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
  rm -f "$envfile"
}

case "${1:-}" in
  start)
    shift
    : > "$envfile"
    for server in "${@:-postgres}"; do
      case "$server" in
        postgres) start_postgres ;;
        *) echo "unknown server '$server' (known: postgres)" >&2; exit 64 ;;
      esac
    done
    cat "$envfile"
    ;;
  stop) stop_all ;;
  *) echo "usage: $0 start [postgres] | stop" >&2; exit 64 ;;
esac
