#!/usr/bin/env bash
# SSH gateway benchmark (apart from the tests): bulk throughput and interactive latency,
# in one run, over three paths to the same sshd on loopback:
#   direct     ssh straight to sshd
#   jump       through an OpenSSH jump host (what ssh -J does: ProxyCommand ssh -W; the
#              peer; the same sshd serves as the jump host, so the path has two SSH hops
#              as the gateway's does)
#   gatewayd   through the gateway (token as password via sshpass), every command audited
#              write-ahead (durability full), interactive sessions recorded
# Bulk: a SIZE MiB `ssh HOST cat FILE` stream (download) and `scp` of the same file up and
# down (modern scp, i.e. SFTP). Recorded: SIZE MiB of base64 text through a pty
# (`ssh -tt HOST cat TEXT`), which gatewayd records as asciicast; the recording is waited
# for, checked against the text and its size printed. Interactive: round trips of a short
# line through `ssh HOST cat` (a pipe) and through `ssh -tt` (a pty, so recorded on the
# gateway), p50/p99 over N lines. Reports MB/s and ratios to direct and to the jump host.
# Release build. Results go into Docs/PERFORMANCE.md.
#
# Usage: scripts/bench/ssh.sh [--size MiB] [--rounds N] [--no-build] [--debug]
# (--debug uses the debug build: for checking the script, not for numbers)
# The servers are private to this script (state in /tmp/agw-bench-ssh, sshd on 127.0.0.1:2422,
# gatewayd on 127.0.0.1:12422) and stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD

size=256
rounds=300
build=1
config=release
while [ $# -gt 0 ]; do
  case "$1" in
    --size) size=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --no-build) build=0; shift ;;
    --debug) config=debug; shift ;;
    -h|--help) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 64 ;;
  esac
done

. scripts/swift-env.sh
scripts/install-deps.sh test
if [ "$build" = 1 ]; then
  swift build -c "$config" --product gatewayd
  swift build -c "$config" --product auditctl
fi
bin=$(swift build -c "$config" --show-bin-path)

work=$(mktemp -d /tmp/agw-bench-ssh.XXXXXX)
chmod 755 "$work"
export AGW_TEST_STATE=/tmp/agw-bench-ssh AGW_TEST_ENV=/tmp/agw-bench-ssh/env AGW_TEST_SSH_PORT=2422
gw_pid=
cleanup() {
  [ -n "$gw_pid" ] && kill "$gw_pid" 2>/dev/null && wait "$gw_pid" 2>/dev/null
  scripts/test-servers.sh stop sshd >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
scripts/test-servers.sh start sshd >/dev/null
. "$AGW_TEST_ENV"

gw_port=12422
admin_port=18422
cat > "$work/gatewayd.yaml" <<YAML
node_id: bench
data_dir: $work/data
admin:
  listen: 127.0.0.1:$admin_port
  group: bench-admins
audit:
  durability: full
dev_issuer: true
listeners:
  ssh: 127.0.0.1:$gw_port
connections:
  - name: target
    protocol: ssh
    address: 127.0.0.1:$AGW_TEST_SSH_PORT
    username: $AGW_TEST_SSH_USER
    private_key: file:$AGW_TEST_SSH_KEY
    host_key: $AGW_TEST_SSH_HOST_KEY
    allow_groups: [bench]
YAML
"$bin/gatewayd" --config "$work/gatewayd.yaml" --log-level warning > "$work/gatewayd.log" 2>&1 &
gw_pid=$!
for _ in $(seq 1 200); do
  (exec 3<>"/dev/tcp/127.0.0.1/$gw_port") 2>/dev/null && break
  sleep 0.1
done
token=$("$bin/auditctl" token mint --data-dir "$work/data" --subject bench --group bench --ttl 2h)
admin=(env AUDIT_SERVER=http://127.0.0.1:$admin_port AUDIT_TOKEN=$("$bin/auditctl" token mint --data-dir "$work/data" --subject admin --group bench-admins) "$bin/auditctl")

common=(-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o Compression=no)
key=(-i "$AGW_TEST_SSH_KEY" -o IdentitiesOnly=yes -o PasswordAuthentication=no)
user=$AGW_TEST_SSH_USER
# Each path as an ssh command prefix; the target is the last word.
direct=(ssh "${common[@]}" "${key[@]}" -p "$AGW_TEST_SSH_PORT" "$user@127.0.0.1")
jump=(ssh "${common[@]}" "${key[@]}" -o "ProxyCommand=ssh ${common[*]} -i $AGW_TEST_SSH_KEY -o IdentitiesOnly=yes -p $AGW_TEST_SSH_PORT -W %h:%p $user@127.0.0.1" -p "$AGW_TEST_SSH_PORT" "$user@127.0.0.1")
gateway=(env SSHPASS="$token" sshpass -e ssh "${common[@]}" -o PubkeyAuthentication=no -p "$gw_port" "target@127.0.0.1")

file=/tmp/agw-bench-ssh/payload.bin
head -c $((size * 1024 * 1024)) /dev/urandom > "$file"
chmod 644 "$file"
bytes=$((size * 1024 * 1024))
# The same size of text for the pty: base64 lines of 76 characters (the pty adds a CR to each).
text=/tmp/agw-bench-ssh/payload.txt
{ base64 -w 76 "$file" || true; } | head -c "$bytes" > "$text"  # base64 ends on SIGPIPE
chmod 644 "$text"
text_lines=$(tr -cd '\n' < "$text" | wc -c)

# seconds for one run of a command
elapsed() {
  local start end
  start=$(date +%s.%N)
  "$@" > /dev/null
  end=$(date +%s.%N)
  awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", b - a }'
}
# seconds for one run of a command without input, its output into FILE
elapsed_into() {
  local out=$1 start end
  shift
  start=$(date +%s.%N)
  "$@" < /dev/null > "$out"
  end=$(date +%s.%N)
  awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", b - a }'
}
mbps() { awk -v b="$bytes" -v s="$1" 'BEGIN { printf "%.1f", b / 1048576 / s }'; }

declare -A stream scpup scpdown ttystream
for path in direct jump gateway; do
  declare -n cmd=$path
  # warm up (host keys, first login)
  "${cmd[@]}" true
  stream[$path]=$(mbps "$(elapsed "${cmd[@]}" cat "$file")")
  # scp: the same options, the destination spelled for scp
  # scp: the same words with scp for ssh and -P for -p, the target as HOST:PATH
  target=${cmd[-1]}
  scpbase=()
  for word in "${cmd[@]:0:${#cmd[@]}-1}"; do
    case "$word" in ssh) scpbase+=(scp) ;; -p) scpbase+=(-P) ;; *) scpbase+=("$word") ;; esac
  done
  scpup[$path]=$(mbps "$(elapsed "${scpbase[@]}" "$file" "$target:/tmp/agw-bench-up.bin")")
  scpdown[$path]=$(mbps "$(elapsed "${scpbase[@]}" "$target:$file" "$work/down.bin")")
  cmp -s "$file" "$work/down.bin" || { echo "scp download through $path does not match" >&2; exit 1; }
  rm -f "$work/down.bin"
  # the text through a pty (ssh -tt, before the target): recorded (and masked, were a
  # profile set) on the gateway
  tty=("${cmd[@]:0:${#cmd[@]}-1}" -tt "${cmd[-1]}")
  tty_start=$(date +%s.%N)
  ttystream[$path]=$(mbps "$(elapsed_into "$work/tty.out" "${tty[@]}" cat "$text")")
  got=$(stat -c %s "$work/tty.out")
  [ "$got" = $((bytes + text_lines)) ] || { echo "pty stream through $path: $got bytes, expected $((bytes + text_lines))" >&2; exit 1; }
  rm -f "$work/tty.out"
done

# The gateway's recording of the pty stream (its only pty session so far): complete once
# session.end is stored, which waits for the last chunk.
recording=$(ls "$work/data/recordings")
[ "$(echo "$recording" | wc -l)" = 1 ] && [ -n "$recording" ] || { echo "expected one recording, found: $recording" >&2; exit 1; }
for i in $(seq 1 6000); do
  "${admin[@]}" sessions show "$recording" --json | python3 -c 'import json,sys; sys.exit(0 if json.load(sys.stdin)["session"].get("endedAt") else 1)' && break
  [ "$i" = 6000 ] && { echo "session $recording has not ended after 10 minutes" >&2; exit 1; }
  sleep 0.1
done
recorded=$(mbps "$(awk -v a="$tty_start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.3f", b - a }')")
chunks=$(ls "$work/data/recordings/$recording" | wc -l)
on_disk=$(du -sb "$work/data/recordings/$recording" | cut -f1)

# Interactive round trips: one short line through `ssh HOST cat` and back, measured in
# Python for timing precision: through a pipe, and through a pty (`ssh -tt`, echo off so
# only cat answers; the line comes back with CR LF).
latency() {
  python3 - "$rounds" "$@" <<'PY'
import os, subprocess, sys, time
rounds = int(sys.argv[1]); tty = sys.argv[2] == "tty"; argv = sys.argv[3:]
end = b"\r\n" if tty else b"\n"
child = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0)
def expect(want):
    got = b""
    while not got.endswith(want):
        chunk = os.read(child.stdout.fileno(), 4096)
        if not chunk: raise SystemExit("ssh closed the stream")
        got += chunk
def roundtrip(word):
    child.stdin.write(word + b"\n")
    expect(word + end)
if tty: expect(b"READY\r\n")
for _ in range(5): roundtrip(b"warm")
samples = []
for i in range(rounds):
    word = b"%d" % i
    t = time.perf_counter(); roundtrip(word); samples.append((time.perf_counter() - t) * 1000)
if tty: child.stdin.write(b"\x04")  # end of file for cat: a pty stays open after the channel's EOF
child.stdin.close()
try: child.wait(timeout=10)
except subprocess.TimeoutExpired: child.kill(); child.wait()
samples.sort()
print("%.3f %.3f" % (samples[len(samples) // 2], samples[max(0, int(len(samples) * 0.99) - 1)]))
PY
}
declare -A p50 p99 ttyp50 ttyp99
for path in direct jump gateway; do
  declare -n cmd=$path
  read -r p50[$path] p99[$path] < <(latency pipe "${cmd[@]}" cat)
  read -r ttyp50[$path] ttyp99[$path] < <(latency tty "${cmd[@]:0:${#cmd[@]}-1}" -tt "${cmd[-1]}" 'stty -echo; echo READY; exec cat')
done

# The recording holds the stream: its output events, CRs dropped, are the text. Read from
# the chunk files (`auditctl replay --raw` takes at most 256 MiB of asciicast).
python3 - "$work/data/recordings/$recording" "$text" > "$work/cast.bytes" <<'PY' || { echo "the recording of $recording does not hold the pty stream" >&2; exit 1; }
import gzip, hashlib, json, os, sys
out = hashlib.sha256(); size = 0; header = True
for name in sorted(os.listdir(sys.argv[1])):
    for line in gzip.open(os.path.join(sys.argv[1], name)):
        size += len(line)
        if header: header = False; continue
        time, code, data = json.loads(line)
        if code == "o": out.update(data.replace("\r", "").encode())
want = hashlib.sha256(open(sys.argv[2], "rb").read()).hexdigest()
print(size)
sys.exit(0 if out.hexdigest() == want else 1)
PY
cast_bytes=$(cat "$work/cast.bytes")
peak_rss=$(awk '/VmHWM/ { print int($2 / 1024) }' "/proc/$gw_pid/status")

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
echo
echo "SSH, ${size} MiB, loopback, $(nproc) cores; gatewayd durability full, pty sessions recorded"
printf "%-10s %14s %14s %14s %14s %12s %12s %12s %12s\n" path "cat MB/s" "scp up MB/s" "scp down MB/s" "tty cat MB/s" "rtt p50 ms" "rtt p99 ms" "tty p50 ms" "tty p99 ms"
for path in direct jump gateway; do
  printf "%-10s %14s %14s %14s %14s %12s %12s %12s %12s\n" "$path" "${stream[$path]}" "${scpup[$path]}" "${scpdown[$path]}" "${ttystream[$path]}" \
    "${p50[$path]}" "${p99[$path]}" "${ttyp50[$path]}" "${ttyp99[$path]}"
done
echo
echo "gatewayd / jump:   cat $(ratio "${stream[gateway]}" "${stream[jump]}")x   scp up $(ratio "${scpup[gateway]}" "${scpup[jump]}")x   scp down $(ratio "${scpdown[gateway]}" "${scpdown[jump]}")x   tty cat $(ratio "${ttystream[gateway]}" "${ttystream[jump]}")x"
echo "gatewayd / direct: cat $(ratio "${stream[gateway]}" "${stream[direct]}")x   scp up $(ratio "${scpup[gateway]}" "${scpup[direct]}")x   scp down $(ratio "${scpdown[gateway]}" "${scpdown[direct]}")x   tty cat $(ratio "${ttystream[gateway]}" "${ttystream[direct]}")x"
echo "recording of the tty cat ($recording): complete at $recorded MB/s (until session.end); $chunks chunks, $((on_disk / 1048576)) MiB gzip on disk, $((cast_bytes / 1048576)) MiB asciicast; its output is the text; gatewayd peak RSS $peak_rss MiB"
echo "events stored: $("${admin[@]}" events search --subject bench --json --limit 10000 | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')"
