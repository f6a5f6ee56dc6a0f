#!/usr/bin/env bash
# PostgreSQL proxy benchmark (apart from the tests): pgbench -S (select-only) with
# -M simple and -M extended at several client counts, in one run, against
#   direct     PostgreSQL itself
#   gatewayd   through the gateway, every statement audited write-ahead (durability full)
#   pgbouncer  through PgBouncer in session pooling mode (the peer)
#   nio-relay  through a bare SwiftNIO TCP relay (Benchmarks/TCPRelay: no parsing, no
#              audit), the floor for any NIO-based proxy on this machine
# and reports TPS, the ratios to direct, the added p50/p99 latency, each proxy's CPU per
# transaction (from /proc/PID/stat around each run), and each proxy's resident memory per
# idle client session. Release build. Results go into Docs/PERFORMANCE.md.
#
# Usage: scripts/bench/postgres.sh [--duration SECONDS] [--clients "1 8 32"] [--idle N]
#                                  [--durability full|normal] [--threads N] [--policy]
#                                  [--no-build]
# --threads sets gatewayd's listeners.threads and the relay's event loops (default: one
# per core for both).
# --policy runs gatewayd with a policy file (guardrail deny rules, an allow rule with a
# masking profile: a column rule and all twelve value detectors) instead of the
# connection's allow_groups, to compare guardrails and masking on against off.
# All four paths are plaintext TCP on loopback (sslmode=disable), so only the proxying is
# compared. The servers are private to this script (state in /tmp/agw-bench-servers, ports
# 55532 / 56432 / 56532 / 56632) and stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD

duration=10
clients="1 8 32"
idle=100
durability=full
build=1
policy=0
threads=
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) duration=$2; shift 2 ;;
    --clients) clients=$2; shift 2 ;;
    --idle) idle=$2; shift 2 ;;
    --durability) durability=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --no-build) build=0; shift ;;
    --policy) policy=1; shift ;;
    -h|--help) sed -n '2,23p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 64 ;;
  esac
done

. scripts/swift-env.sh
scripts/install-deps.sh test
command -v pgbouncer >/dev/null 2>&1 || {
  echo "installing pgbouncer" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pgbouncer >/dev/null
}
if [ "$build" = 1 ]; then
  swift build -c release --product gatewayd
  swift build -c release --product auditctl
  swift build -c release --product tcp-relay
fi
bin=$(swift build -c release --show-bin-path)

work=$(mktemp -d /tmp/agw-bench-pg.XXXXXX)
chmod 755 "$work"
export AGW_TEST_STATE=/tmp/agw-bench-servers AGW_TEST_ENV=/tmp/agw-bench-servers/env AGW_TEST_PG_PORT=55532
gw_pid= bouncer_pid= relay_pid=
cleanup() {
  set +e  # stop everything, even what already died
  [ -n "$gw_pid" ] && kill "$gw_pid" 2>/dev/null && wait "$gw_pid" 2>/dev/null
  [ -n "$relay_pid" ] && kill "$relay_pid" 2>/dev/null && wait "$relay_pid" 2>/dev/null
  [ -n "$bouncer_pid" ] && kill "$bouncer_pid" 2>/dev/null
  scripts/test-servers.sh stop >/dev/null 2>&1 || true
  cp "$work/gw/gatewayd.log" /tmp/gw-last.log; rm -rf "$work"
}
trap cleanup EXIT
scripts/test-servers.sh start postgres >/dev/null
. "$AGW_TEST_ENV"
pg_port=$AGW_TEST_PG_PORT gw_port=56532 bouncer_port=56432 relay_port=56632 admin_port=56580

# pgbench's tables (scale 1: 100,000 accounts, all in memory).
PGPASSWORD=apppass pgbench -q -i -s 1 -h 127.0.0.1 -p "$pg_port" -U app app >/dev/null 2>&1

# PgBouncer, session pooling; it refuses to run as root.
mkdir -p "$work/pgbouncer"
cat > "$work/pgbouncer/pgbouncer.ini" <<INI
[databases]
app = host=127.0.0.1 port=$pg_port dbname=app user=app password=apppass
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $bouncer_port
unix_socket_dir =
auth_type = trust
auth_file = $work/pgbouncer/userlist.txt
pool_mode = session
max_client_conn = 500
default_pool_size = 150
logfile = $work/pgbouncer/pgbouncer.log
pidfile = $work/pgbouncer/pgbouncer.pid
INI
echo '"app" ""' > "$work/pgbouncer/userlist.txt"
chown -R postgres:postgres "$work/pgbouncer"
runuser -u postgres -- pgbouncer -d "$work/pgbouncer/pgbouncer.ini"
for _ in $(seq 50); do [ -s "$work/pgbouncer/pgbouncer.pid" ] && break; sleep 0.1; done
bouncer_pid=$(cat "$work/pgbouncer/pgbouncer.pid")

# gatewayd with the embedded store at the chosen durability and a development issuer.
mkdir -p "$work/gw"
cat > "$work/gw/gatewayd.yaml" <<YAML
node_id: bench
data_dir: data
admin:
  listen: 127.0.0.1:$admin_port
  group: bench
audit:
  durability: $durability
dev_issuer: true
listeners:
  postgres: 127.0.0.1:$gw_port
  allow_plaintext_loopback: true
${threads:+  threads: $threads}
connections:
  - name: bench
    protocol: postgres
    address: 127.0.0.1:$pg_port
    database: app
    username: app
    credential: env:BENCH_PG_PASSWORD
    tls: disable
    allow_groups: [bench]
YAML
if [ "$policy" = 1 ]; then
  cat >> "$work/gw/gatewayd.yaml" <<YAML
policy:
  file: policy.yaml
YAML
  cat > "$work/gw/policy.yaml" <<'YAML'
version: 1
rules:
  - name: no-unbounded-writes
    effect: deny
    reason: "DELETE or UPDATE without WHERE is not allowed"
    match: { checks: [delete_without_where, update_without_where] }
  - name: no-server-side-programs
    effect: deny
    reason: "no programs, server settings or server files"
    match: { checks: [copy_program, alter_system, server_file_access, side_effect_function] }
  - name: bench
    effect: allow
    masking_profile: pii
    match: { groups: [bench] }
masking_profiles:
  pii:
    columns:
      - { match: "*email*", action: redact }
    detectors:
      - { detector: email, action: redact }
      - { detector: payment_card, action: partial, keep: 4 }
      - { detector: iban, action: redact }
      - { detector: us_ssn, action: redact }
      - { detector: phone, action: redact }
      - { detector: ipv4, action: redact }
      - { detector: ipv6, action: redact }
      - { detector: aws_access_key, action: redact }
      - { detector: gcp_api_key, action: redact }
      - { detector: jwt, action: redact }
      - { detector: pem_private_key, action: redact }
      - { detector: password_assignment, action: redact }
YAML
fi
BENCH_PG_PASSWORD=apppass "$bin/gatewayd" --config "$work/gw/gatewayd.yaml" >"$work/gw/gatewayd.log" 2>&1 &
gw_pid=$!
for _ in $(seq 200); do grep -q "postgres listener ready" "$work/gw/gatewayd.log" && break; sleep 0.1; done
grep -q "postgres listener ready" "$work/gw/gatewayd.log" || { cat "$work/gw/gatewayd.log" >&2; echo "gatewayd did not start" >&2; exit 1; }
# The bare NIO relay, as many event loops as gatewayd.
"$bin/tcp-relay" --listen "127.0.0.1:$relay_port" --upstream "127.0.0.1:$pg_port" ${threads:+--threads "$threads"} >"$work/relay.log" 2>&1 &
relay_pid=$!
for _ in $(seq 100); do grep -q "listening" "$work/relay.log" && break; sleep 0.1; done
grep -q "listening" "$work/relay.log" || { cat "$work/relay.log" >&2; echo "tcp-relay did not start" >&2; exit 1; }

token=$("$bin/auditctl" token mint --data-dir "$work/gw/data" --subject bench-user --group bench --ttl 2h)

target_args() { # target -> pgbench connection arguments and password
  case "$1" in
    direct) echo "-h 127.0.0.1 -p $pg_port -U app app" ;;
    gatewayd) echo "-h 127.0.0.1 -p $gw_port -U bench bench" ;;
    pgbouncer) echo "-h 127.0.0.1 -p $bouncer_port -U app app" ;;
    nio-relay) echo "-h 127.0.0.1 -p $relay_port -U app app" ;;
  esac
}
target_password() { case "$1" in gatewayd) echo "$token" ;; *) echo apppass ;; esac; }

proxy_pid() { case "$1" in gatewayd) echo "$gw_pid" ;; pgbouncer) echo "$bouncer_pid" ;; nio-relay) echo "$relay_pid" ;; *) echo "" ;; esac; }
cpu_ticks() { # pid -> user + system clock ticks of the whole process so far (empty for none)
  if [ -n "$1" ]; then awk '{print $14 + $15}' "/proc/$1/stat"; fi
}
results="$work/results.tsv"
: > "$results"
echo "== machine: $(nproc) cores, $(uname -r), $(date -u +%Y-%m-%dT%H:%MZ); pgbench -S -T $duration, audit durability $durability, event loops ${threads:-one per core}$([ "$policy" = 1 ] && echo ', policy file with guardrails and all masking detectors')"
for mode in simple extended; do
  for c in $clients; do
    j=$(( c < 2 ? 1 : 2 ))
    for target in direct gatewayd pgbouncer nio-relay; do
      logdir="$work/log-$mode-$c-$target"; mkdir -p "$logdir"
      proxy=$(proxy_pid "$target"); ticks_before=$(cpu_ticks "$proxy")
      # shellcheck disable=SC2046
      out=$(cd "$logdir" && PGPASSWORD=$(target_password "$target") PGSSLMODE=disable \
        pgbench -n -S -M "$mode" -c "$c" -j "$j" -T "$duration" -l --sampling-rate=0.05 --log-prefix=tx $(target_args "$target") 2>&1) \
        || { echo "$out" >&2; echo "pgbench failed against $target" >&2; exit 1; }
      ticks_after=$(cpu_ticks "$proxy")
      tps=$(echo "$out" | awk '/^tps = / {print $3; exit}')
      txs=$(echo "$out" | awk '/number of transactions actually processed/ {split($6, n, "/"); print n[1]; exit}')
      # The proxy's own CPU (all threads, user and system) per transaction; none for direct.
      cpu=$(awk -v a="$ticks_before" -v b="$ticks_after" -v n="${txs:-0}" -v hz="$(getconf CLK_TCK)" \
        'BEGIN { if (a == "" || n == 0) print "-"; else printf "%.0f", (b - a) * 1e6 / hz / n }')
      failed=$(echo "$out" | awk -F'[ (]+' '/number of failed transactions/ {print $5; exit}')
      # Latency percentiles from the per-transaction log (third column: latency in µs).
      read -r p50 p99 < <(cat "$logdir"/tx.* | awk '{print $3}' | sort -n | awk '{v[NR]=$1} END {
        i50=int(NR*0.50); if (i50<1) i50=1; i99=int(NR*0.99); if (i99<1) i99=1; print v[i50], v[i99] }')
      rm -rf "$logdir"
      printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$mode" "$c" "$target" "$tps" "$p50" "$p99" "${failed:-0}" "$cpu" >> "$results"
      printf '  %-8s c=%-3s %-9s %10.0f tps  p50 %6d µs  p99 %6d µs  proxy CPU/tx %s µs\n' "$mode" "$c" "$target" "$tps" "$p50" "$p99" "$cpu"
    done
  done
done

# Resident memory per idle client session: open N authenticated sessions that stay idle.
idle_rss() { # target pid -> KiB per session
  python3 - "$1" "$2" "$idle" "$(target_args "$1")" "$(target_password "$1")" <<'PY'
import sys, time, pg8000.native
target, pid, count, args, password = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4].split(), sys.argv[5]
port, user, db = int(args[3]), args[5], args[6]
def rss():
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))
def connect():
    c = pg8000.native.Connection(user, host="127.0.0.1", port=port, database=db, password=password, ssl_context=None)
    c.run("SELECT 1")
    return c
warm = [connect() for _ in range(4)]  # first-use allocations are not per-session cost
time.sleep(0.5)
before = rss()
held = [connect() for _ in range(count)]
time.sleep(1.0)
after = rss()
print((after - before) / count)
for c in held + warm: c.close()
PY
}
gw_kib=$(idle_rss gatewayd "$gw_pid")
bouncer_kib=$(idle_rss pgbouncer "$bouncer_pid")

python3 - "$results" "$gw_kib" "$bouncer_kib" "$idle" <<'PY'
import sys, collections
rows = [line.rstrip("\n").split("\t") for line in open(sys.argv[1])]
by = collections.defaultdict(dict)
for mode, c, target, tps, p50, p99, failed, cpu in rows:
    by[(mode, int(c))][target] = (float(tps), int(p50), int(p99), int(failed), cpu)
print()
print("| mode | clients | direct tps | gatewayd tps | PgBouncer tps | NIO relay tps | gatewayd / direct | PgBouncer / direct | gatewayd / PgBouncer | gatewayd / NIO relay | gatewayd added p50 / p99 (µs) | PgBouncer added p50 / p99 (µs) | CPU per tx, gatewayd / PgBouncer / NIO relay (µs) |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
for (mode, c), t in sorted(by.items(), key=lambda kv: (kv[0][0] != "simple", kv[0][1])):
    d, g, b, r = t["direct"], t["gatewayd"], t["pgbouncer"], t["nio-relay"]
    print(f"| {mode} | {c} | {d[0]:,.0f} | {g[0]:,.0f} | {b[0]:,.0f} | {r[0]:,.0f} | {g[0]/d[0]:.2f} | {b[0]/d[0]:.2f} | {g[0]/b[0]:.2f} | {g[0]/r[0]:.2f} "
          f"| {g[1]-d[1]:+d} / {g[2]-d[2]:+d} | {b[1]-d[1]:+d} / {b[2]-d[2]:+d} | {g[4]} / {b[4]} / {r[4]} |")
    if g[3] or b[3] or d[3] or r[3]:
        print(f"  (failed transactions: direct {d[3]}, gatewayd {g[3]}, pgbouncer {b[3]}, nio-relay {r[3]})")
print()
print(f"Resident memory per idle client session ({sys.argv[4]} sessions held): "
      f"gatewayd {float(sys.argv[2]):.0f} KiB, PgBouncer {float(sys.argv[3]):.0f} KiB")
PY
echo "gatewayd audit store: $(sqlite3 "$work/gw/data/audit.sqlite" "select count(*) from events where json_extract(body, '$.type') = 'command'" 2>/dev/null || echo '?') command events written during the run"
