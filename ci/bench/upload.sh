#!/usr/bin/env bash
# Upload figures against the local Bencher stand-in (ci/test-servers/bencher_stub.py), release build, root:
#  1. loss: RUNS results files uploaded while the server is down for the whole run (each kept in the outbox),
#     then the server comes back on the same address and `upload --flush` sends them: lost = RUNS - reports
#     the server created (target 0), and the outbox must be empty;
#  2. time added to `check --quick` by `--upload bencher` to the local server: REPEATS checks with and
#     without, alternating, median wall time of each (and `upload` alone).
# Usage: ci/bench/upload.sh [RUNS=20] [REPEATS=10]
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-20}
repeats=${2:-10}
swift build -c release >/dev/null
bin=$PWD/.build/release/bpfgate
work=$(mktemp -d)
stub_pid=""
trap '[ -z "$stub_pid" ] || kill "$stub_pid" 2>/dev/null; rm -rf "$work"' EXIT
export BENCHER_API_KEY=bench-key-0123456789

start_stub() {  # port (0: any); sets $port and $stub_pid (not in a subshell: it must keep the pid)
  rm -f "$work/port"
  python3 ci/test-servers/bencher_stub.py --port-file "$work/port" --log "$work/stub.log" --key "$BENCHER_API_KEY" \
    --port "$1" >/dev/null 2>&1 &
  stub_pid=$!
  for _ in $(seq 100); do [ -f "$work/port" ] && break; sleep 0.05; done
  port=$(cat "$work/port")
}
stop_stub() { kill "$stub_pid"; wait "$stub_pid" 2>/dev/null || true; stub_pid=""; }

# 1. Loss. A port nothing listens on: the stub's, once stopped.
start_stub 0
stop_stub
"$bin" run --quiet --suite user-maps --filter '^user/map/array/1024/lookup$' --samples 5 --output /dev/null --results "$work/r.json"
for i in $(seq "$runs"); do
  # Each upload is its own run: a new id (idempotency key), as `run` makes for every run.
  python3 - "$work/r.json" "$work/r$i.json" <<'PY'
import json, sys, uuid
d = json.load(open(sys.argv[1])); d["run"]["id"] = str(uuid.uuid4()); json.dump(d, open(sys.argv[2], "w"))
PY
  set +e
  "$bin" upload "$work/r$i.json" --host "http://127.0.0.1:$port" --attempts 2 --max-backoff 0.1 --outbox "$work/outbox" 2>/dev/null
  code=$?
  set -e
  [ "$code" -eq 6 ] || { echo "upload $i with the server down exited $code, not 6"; exit 1; }
done
kept=$(ls "$work/outbox" | wc -l)
start_stub "$port"
"$bin" upload --flush --outbox "$work/outbox" 2>/dev/null
created=$(grep -c '"event": "created"' "$work/stub.log" || true)
left=$(ls "$work/outbox" | wc -l)
echo "server down for the whole run: $runs uploads exited 6, $kept kept in the outbox; after --flush: $created reports created, $left left in the outbox; lost: $((runs - created))"

# 2. Time added to check --quick (stored mode against a baseline made here).
"$bin" baseline save --runs 3 --profile quick --baselines "$work/baselines" >/dev/null 2>&1
for i in $(seq "$repeats"); do
  for mode in plain upload; do
    extra=()
    [ "$mode" = upload ] && extra=(--upload bencher --host "http://127.0.0.1:$port" --project trend)
    s=$(date +%s%N)
    "$bin" check --quick --baselines "$work/baselines" "${extra[@]}" >/dev/null 2>&1 || true
    echo "$mode $(( ($(date +%s%N) - s) / 1000000 ))" >> "$work/times"
  done
  s=$(date +%s%N)
  "$bin" upload "$work/r1.json" --host "http://127.0.0.1:$port" >/dev/null 2>&1
  echo "alone $(( ($(date +%s%N) - s) / 1000000 ))" >> "$work/times"
done
python3 - "$work/times" <<'PY'
import statistics as st, sys
t = {}
for line in open(sys.argv[1]):
    mode, ms = line.split(); t.setdefault(mode, []).append(int(ms))
m = {k: st.median(v) for k, v in t.items()}
print(f"check --quick: {m['plain']:.0f} ms without, {m['upload']:.0f} ms with --upload bencher (local server): "
      f"+{m['upload'] - m['plain']:.0f} ms (median of {len(t['plain'])}); `bpfgate upload` alone: {m['alone']:.0f} ms")
PY
