#!/usr/bin/env bash
# Alone or together (issue 16): every program of the given objects (default: the tests' corpus objects whose
# programs share maps) measured by `bpfgate run --object FILE` twice, each program alone and with its siblings on
# the same hook family attached (`--together`), N samples each. Prints per program both latencies and their ratio,
# and per object the run's wall time. Run as root.
# Usage: ci/bench/together.sh [N=10] [OBJECT ...]
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:-10}
shift || true
. ci/bench/corpus-build.sh
objects=("$@")
if [ ${#objects[@]} -eq 0 ]; then
  dir=$corpus
  for name in runqlat opensnoop syscount execsnoop statsnoop bootstrap biolatency softirqs; do objects+=("$dir/$name.bpf.o"); done
fi
for f in "${objects[@]}"; do
  name=$(basename "$f" .o)
  for mode in alone together; do
    start=$(date +%s.%N)
    "$bin" run --object "$f" --samples "$n" --filter '^object/[^/]+/(?!map/)' --quiet --results "$out/$name.$mode.json" \
      --output "$out/$name.$mode.bmf.json" $([ "$mode" = together ] && echo --together) 2>"$out/$name.$mode.err" || true
    echo "$name $mode $(echo "$(date +%s.%N) - $start" | bc)" >> "$out/times"
  done
done
python3 - "$out" <<'PY'
import json, os, statistics, sys
out = sys.argv[1]
def latencies(path):
    if not os.path.exists(path): return {}
    doc = json.load(open(path))
    r = {}
    for b in doc["benchmarks"]:
        if b["name"].endswith("/reference"): continue
        m = next((m for m in b["measures"] if m["measure"] == "latency"), None)
        if m: r[b["name"]] = (statistics.median(m["samples"]) if m.get("status") == "ok" and m["samples"] else None, m.get("status"), b.get("notes", []))
    return r
times = {}
for line in open(f"{out}/times"):
    name, mode, sec = line.split()
    times[(name, mode)] = float(sec)
print(f"{'program':70} {'alone ns':>9} {'together':>9} {'ratio':>6}")
for name in sorted({k[0] for k in times}):
    a, t = latencies(f"{out}/{name}.alone.json"), latencies(f"{out}/{name}.together.json")
    for b in sorted(set(a) | set(t)):
        x, y = a.get(b, (None, "absent", []))[0], t.get(b, (None, "absent", []))[0]
        ratio = f"{y / x:6.2f}" if x and y else "     -"
        fmt = lambda v, s: f"{v:9.1f}" if v else f"{str(s)[:9]:>9}"
        print(f"{b:70} {fmt(x, a.get(b, (0, 'absent'))[1])} {fmt(y, t.get(b, (0, 'absent'))[1])} {ratio}")
    print(f"  {name}: {times[(name, 'alone')]:.0f} s alone, {times[(name, 'together')]:.0f} s together")
PY
