#!/usr/bin/env bash
# Noise: the default suite run RUNS times as separate processes (release build); per benchmark, the CV of
# the run medians. Prints the worst and the typical (median) CV, per measure, and the five noisiest.
# Usage: ci/bench/noise.sh [RUNS=10] [extra bpfgate run arguments]
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-10}
shift || true
swift build -c release >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for i in $(seq "$runs"); do
  .build/release/bpfgate run --quiet --output "$work/run$i.json" "$@"
done
python3 - "$work"/run*.json <<'PY'
import json, statistics, sys
runs = [json.load(open(p)) for p in sys.argv[1:]]
cv = {}
for name in runs[0]:
    for measure in runs[0][name]:
        vals = [r[name][measure]["value"] for r in runs if name in r]
        m = statistics.mean(vals)
        cv[(name, measure)] = statistics.stdev(vals) / m if m and len(vals) > 1 else 0.0
for measure in sorted({m for _, m in cv}):
    xs = sorted(v for (n, m), v in cv.items() if m == measure)
    print(f"{measure}: {len(xs)} benchmarks over {len(runs)} runs: typical (median) CV {100*statistics.median(xs):.2f} %, worst {100*xs[-1]:.2f} %")
print("noisiest:")
for (n, m), v in sorted(cv.items(), key=lambda kv: -kv[1])[:5]:
    print(f"  {n} {m}: CV {100*v:.2f} %")
PY
