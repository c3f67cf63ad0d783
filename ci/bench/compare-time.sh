#!/usr/bin/env bash
# Wall time of `bpfgate compare` on results files of many benchmarks (every other one timed with a reference):
# a baseline of RUNS stored runs against a head run, five times, median. Writes the verdict and Markdown too.
# Usage: ci/bench/compare-time.sh [BENCHMARKS=20000] [RUNS=5]
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:-20000}
runs=${2:-5}
[ -n "${SKIP_BUILD:-}" ] || swift build -c release 2>&1 | grep -E 'error|warning: unre' >&2 || true
bin=${BPFGATE_BIN:-.build/release/bpfgate}
tmp=$(mktemp -d)
[ -n "${KEEP:-}" ] && tmp=$KEEP && mkdir -p "$tmp" || trap 'rm -rf "$tmp"' EXIT
python3 - "$tmp" "$n" "$runs" <<'PY'
import json, random, sys
tmp, n, runs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def run(i, shift):
    rnd = random.Random(i)
    benchmarks = []
    for b in range(n // 2):
        for name, centre, ref in ((f"x/{b}/op", 100.0 * shift, f"x/{b}/op/reference"), (f"x/{b}/op/reference", 50.0, None)):
            samples = [round(centre * (1 + rnd.uniform(-0.02, 0.02)), 3) for _ in range(10)]
            entry = {"name": name, "suite": "x", "measures": [{"measure": "latency", "unit": "ns", "direction": "smaller-is-better",
                     "samples": samples, "status": "ok", "flags": []}]}
            if ref: entry["reference"] = ref
            benchmarks.append(entry)
    return {"schemaVersion": 1,
            "testbed": {"name": "bench", "kernelRelease": "6.18", "architecture": "x86_64", "cpuModel": "cpu", "cpuCount": 2,
                        "libbpfVersion": "1.1", "clangVersion": "clang", "jitEnabled": True, "jitHarden": 0},
            "run": {"id": f"00000000-0000-4000-8000-{i:012d}", "toolVersion": "0.1.0", "startedAt": f"2026-11-2{i % 10}T00:00:00.000Z",
                    "finishedAt": f"2026-11-2{i % 10}T00:01:00.000Z", "durationSeconds": 60, "bpfObjects": [], "load": [],
                    "suites": ["x"], "settings": {}},
            "benchmarks": benchmarks}
import os
os.makedirs(f"{tmp}/base/runs")
for i in range(runs):
    json.dump({"kind": "save", "savedAt": "2026-11-29T00:00:00.000Z", "results": run(i, 1.0)},
              open(f"{tmp}/base/runs/2026112{i}T000000.000Z-{i}.json", "w"))
json.dump(run(99, 1.01), open(f"{tmp}/head.json", "w"))
PY
times=()
for i in 1 2 3 4 5; do
  start=$(date +%s.%N)
  status=0
  "$bin" compare "$tmp/base" "$tmp/head.json" --verdict "$tmp/v.json" --markdown "$tmp/r.md" >/dev/null 2>"$tmp/err" || status=$?
  end=$(date +%s.%N)
  [ "$status" -le 2 ] || { echo "compare failed ($status): $(tail -1 "$tmp/err")" >&2; exit 1; }
  times+=("$(echo "$end - $start" | bc)")
done
printf '%s\n' "${times[@]}" | sort -n | awk -v n="$n" -v r="$runs" '{t[NR]=$1} END {printf "compare, %d benchmarks, %d baseline runs: median %.2f s (min %.2f, max %.2f) over %d tries\n", n, r, t[int((NR+1)/2)], t[1], t[NR], NR}'
