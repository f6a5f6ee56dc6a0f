#!/usr/bin/env bash
# Starts and stops the real servers the tests drive, on loopback, without systemd.
#
#   scripts/test-servers.sh start postgres   # prints `export AGW_TEST_...` lines; also writes them to $AGW_TEST_ENV
#   scripts/test-servers.sh start sshd       # (or `start postgres sshd`)
#   scripts/test-servers.sh stop [sshd]      # stops everything this script started (by PID), or just sshd
#
# PostgreSQL: a fresh cluster on 127.0.0.1:$AGW_TEST_PG_PORT (default 55432) with TLS on and
# three login roles, one per upstream authentication method the gateway must speak:
#   app        scram-sha-256   password apppass   (owns database app)
#   app_md5    md5             password md5pass
#   app_plain  password (cleartext over TLS or loopback)  password plainpass
# sshd: OpenSSH on 127.0.0.1:$AGW_TEST_SSH_PORT (default 2222) with its own host key, and a
# login `apptest` (password apppass) that also accepts the generated key $state/sshd/client_ed25519,
# and a second login `apptest-alt` (`$AGW_TEST_SSH_USER-alt`, same password) for LOGIN+CONNECTION tests.
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

start_sshd() {
  need sshd openssh-server
  need ssh openssh-client
  need sshpass sshpass
  need expect expect
  local port dir user=${AGW_TEST_SSH_USER:-apptest} password=apppass
  port=${AGW_TEST_SSH_PORT:-2222}
  dir="$state/sshd"
  stop_sshd
  rm -rf "$dir"; mkdir -p "$dir"; chmod 755 "$dir"
  mkdir -p /run/sshd && chmod 755 /run/sshd  # absent without systemd; sshd refuses to start without it
  ssh-keygen -q -t ed25519 -N '' -C agw-test-host -f "$dir/host_ed25519"
  ssh-keygen -q -t ed25519 -N '' -C agw-test-client -f "$dir/client_ed25519"
  cp "$dir/client_ed25519.pub" "$dir/authorized_keys"; chmod 644 "$dir/authorized_keys"
  local login
  for login in "$user" "$user-alt"; do
    id "$login" >/dev/null 2>&1 || useradd -m -s /bin/bash "$login"
    echo "$login:$password" | chpasswd
  done
  cat > "$dir/sshd_config" <<CFG
Port $port
ListenAddress 127.0.0.1
HostKey $dir/host_ed25519
PidFile $dir/sshd.pid
AuthorizedKeysFile $dir/authorized_keys
StrictModes no
UsePAM no
PubkeyAuthentication yes
PasswordAuthentication yes
KbdInteractiveAuthentication no
AllowTcpForwarding yes
AcceptEnv LANG LC_* TERM AGW_*
MaxStartups 100:30:200
Subsystem sftp internal-sftp
CFG
  /usr/sbin/sshd -t -f "$dir/sshd_config" || { echo "sshd rejects its configuration" >&2; exit 1; }
  /usr/sbin/sshd -f "$dir/sshd_config" -E "$dir/sshd.log" || { echo "sshd did not start on 127.0.0.1:$port:" >&2; cat "$dir/sshd.log" >&2; exit 1; }
  local i
  for i in $(seq 1 50); do
    [ -s "$dir/sshd.pid" ] && (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.1
  done
  [ -s "$dir/sshd.pid" ] || { echo "sshd did not start on 127.0.0.1:$port:" >&2; cat "$dir/sshd.log" >&2; exit 1; }
  cat >> "$envfile" <<ENV
export AGW_TEST_SSH_HOST=127.0.0.1
export AGW_TEST_SSH_PORT=$port
export AGW_TEST_SSH_USER=$user
export AGW_TEST_SSH_PASSWORD=$password
export AGW_TEST_SSH_KEY=$dir/client_ed25519
export AGW_TEST_SSH_HOST_KEY="$(cut -d' ' -f1,2 "$dir/host_ed25519.pub")"
ENV
  echo "$(ssh -V 2>&1 | cut -d, -f1) sshd on 127.0.0.1:$port" >&2
}

stop_sshd() {
  local pidfile="$state/sshd/sshd.pid"
  if [ -s "$pidfile" ]; then
    kill "$(cat "$pidfile")" 2>/dev/null || true
    rm -f "$pidfile"
  fi
}

stop_all() {
  stop_sshd
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
        sshd) start_sshd ;;
        *) echo "unknown server '$server' (known: postgres, sshd)" >&2; exit 64 ;;
      esac
    done
    cat "$envfile"
    ;;
  stop)
    if [ "${2:-}" = sshd ]; then stop_sshd; else stop_all; fi
    ;;
  *) echo "usage: $0 start [postgres] [sshd] | stop [sshd]" >&2; exit 64 ;;
esac
