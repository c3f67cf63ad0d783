#!/usr/bin/env bash
# Noise: the default suite run RUNS times as separate processes (release build); per benchmark, the CV of
# the run medians. Prints the worst and the typical (median) CV, per measure, and the five noisiest; then the
# same for timing measures divided by their reference (median of the per-round ratios, as the gate judges).
# Usage: ci/bench/noise.sh [RUNS=10] [extra bpfgate run arguments]
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-10}
shift || true
swift build -c release >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for i in $(seq "$runs"); do
  .build/release/bpfgate run --quiet --output "$work/run$i.json" --results "$work/results$i.json" "$@"
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
python3 - "$work"/results*.json <<'PY'
import json, statistics, sys
runs = [json.load(open(p)) for p in sys.argv[1:]]
ratios = {}
for r in runs:
    by = {b["name"]: b for b in r["benchmarks"]}
    for b in r["benchmarks"]:
        m = b["measures"][0]
        ref = by.get(b.get("reference") or "")
        if m["status"] != "ok" or not ref or ref["measures"][0]["status"] != "ok":
            continue
        rs = ref["measures"][0]["samples"]
        if len(rs) == len(m["samples"]):
            ratios.setdefault(b["name"], []).append(statistics.median(x / y for x, y in zip(m["samples"], rs)))
cv = sorted(statistics.stdev(v) / statistics.mean(v) for v in ratios.values() if len(v) > 1)
print(f"normalized by the reference: {len(cv)} benchmarks: typical (median) CV {100*statistics.median(cv):.2f} %, "
      f"p90 {100*cv[int(0.9*len(cv))]:.2f} %, worst {100*cv[-1]:.2f} %")
PY
