#!/usr/bin/env bash
# Wall time of the main job's two checks, each against a stored baseline (3 runs recorded first, not timed):
# `check` (the gate profile; budget 85 s) and `check --quick` (budget 30 s), REPEATS times interleaved; prints
# each one's median with min..max, and the gate profile's seconds per suite (median, from the runs' settings).
# ARGS: more options for every command (e.g. ARGS="--config ci/example/bpfgate.json" to time a project's
# declared objects too). Run as root.
# Usage: [ARGS=...] [SKIP_BUILD=1] ci/bench/profile-time.sh [REPEATS=5]
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:-5}
read -r -a extra <<< "${ARGS:-}"
[ -n "${SKIP_BUILD:-}" ] || swift build -c release >/dev/null
bin=$(pwd)/.build/release/bpfgate
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$bin" baseline save --baselines "$tmp/b" --runs 3 ${extra[@]+"${extra[@]}"} 2>/dev/null
"$bin" baseline save --baselines "$tmp/bq" --runs 3 --profile quick ${extra[@]+"${extra[@]}"} 2>/dev/null
for i in $(seq "$n"); do
  s=$(date +%s%N); "$bin" check --baselines "$tmp/b" --results "$tmp/gate$i.json" ${extra[@]+"${extra[@]}"} >/dev/null 2>&1 || true
  echo "gate $(( ($(date +%s%N) - s) / 1000000 ))" >> "$tmp/times"
  s=$(date +%s%N); "$bin" check --quick --baselines "$tmp/bq" ${extra[@]+"${extra[@]}"} >/dev/null 2>&1 || true
  echo "quick $(( ($(date +%s%N) - s) / 1000000 ))" >> "$tmp/times"
done
python3 - "$tmp" "$n" <<'EOF'
import json, statistics, sys
tmp, n = sys.argv[1], int(sys.argv[2])
times = {}
for line in open(f"{tmp}/times"):
    k, v = line.split()
    times.setdefault(k, []).append(float(v) / 1000)
for k, budget in (("gate", 85), ("quick", 30)):
    v = times[k]
    print(f"check{' --quick' if k == 'quick' else ''}: median {statistics.median(v):.1f} s (min {min(v):.1f}, max {max(v):.1f}, "
          f"{len(v)} runs; budget {budget} s)")
suites = {}
for i in range(1, n + 1):
    for key, value in json.load(open(f"{tmp}/gate{i}.json"))["run"]["settings"].items():
        if key.startswith("seconds."):
            suites.setdefault(key[8:], []).append(float(value))
print("gate profile per suite (median s): " + ", ".join(f"{k} {statistics.median(v):.1f}" for k, v in suites.items()))
EOF
