#!/usr/bin/env bash
# The whole measured guide (issue 18's targets): `bpfgate guide` measuring its own runs (the guide profile idle,
# then guide-load under cpu:80 and vm:75), REPEATS times; prints each run's wall time (budget 15 minutes) and the
# capacity model's median error over its validation rows (target within 20 %), and keeps the last page, its JSON
# and the runs' results files in OUT (default /tmp/bpfgate-guide). Run as root.
# Usage: [SKIP_BUILD=1] [OUT=DIR] ci/bench/guide-time.sh [REPEATS=1]
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:-1}
out=${OUT:-/tmp/bpfgate-guide}
mkdir -p "$out"
[ -n "${SKIP_BUILD:-}" ] || swift build -c release >/dev/null
bin=$(pwd)/.build/release/bpfgate
for i in $(seq "$n"); do
  s=$(date +%s%N)
  "$bin" guide --results-dir "$out" --html "$out/guide.html" --markdown "$out/guide.md" --json "$out/guide-$i.json" 2> "$out/guide-$i.log"
  echo "$(( ($(date +%s%N) - s) / 1000000 ))" > "$out/seconds-$i"
done
python3 - "$out" "$n" <<'PY'
import json, statistics, sys
out, n = sys.argv[1], int(sys.argv[2])
for i in range(1, n + 1):
    seconds = float(open(f"{out}/seconds-{i}").read()) / 1000
    doc = json.load(open(f"{out}/guide-{i}.json"))
    capacity = next(s for s in doc["sections"] if s["id"] == "capacity")
    rows = capacity.get("validation", [])
    errors = [v["predictedCpuPercent"] / v["measuredCpuPercent"] - 1 for v in rows if v["measuredCpuPercent"] > 0]
    median = statistics.median(abs(e) for e in errors) * 100 if errors else float("nan")
    print(f"guide run {i}: {seconds / 60:.1f} min (budget 15); capacity: median |predicted/measured - 1| {median:.1f} % over "
          f"{len(errors)} rows (target 20 %); errors " + ", ".join(f"{e * 100:+.0f}" for e in errors))
    for s in doc["sections"]:
        print(f"  {s['id']}: {s['answer']}")
PY
