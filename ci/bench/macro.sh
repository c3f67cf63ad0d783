#!/usr/bin/env bash
# Macro figures: the macro suite (profile PROFILE, default gate: 20 windows of 40 ms per measure) run RUNS
# times as separate processes (release build). Per benchmark: the median over runs of the run medians of
# latency (ns/run, bpf_stats on), overhead-ns and overhead-percent (bpf_stats off), throughput, verified insns,
# jited bytes, memlock, system CPU % with/without the program, consumed events/s and drop % (ring/perf buffer
# programs); the CV over runs of the latency and overhead-ns medians; and the wall time per run.
# Run as root. Usage: ci/bench/macro.sh [RUNS=10] [PROFILE=gate]
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-10}
profile=${2:-gate}
swift build -c release >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for i in $(seq "$runs"); do
  start=$(date +%s%N)
  .build/release/bpfgate run --quiet --profile "$profile" --suite macro --output "$work/run$i.json"
  echo $(( $(date +%s%N) - start )) >> "$work/wall"
done
python3 - "$work" "$runs" <<'PY'
import json, statistics as st, sys
work, runs = sys.argv[1], int(sys.argv[2])
docs = [json.load(open(f"{work}/run{i}.json")) for i in range(1, runs + 1)]
walls = [int(x) / 1e9 for x in open(f"{work}/wall")]
def med(name, m):
    v = [d[name][m]["value"] for d in docs if name in d and m in d[name]]
    return (st.median(v), st.stdev(v) / abs(st.mean(v)) * 100 if len(v) > 1 and st.mean(v) else float("nan")) if v else (None, None)
print(f"{runs} runs; wall time per run: median {st.median(walls):.1f} s (min {min(walls):.1f}, max {max(walls):.1f})")
print(f"{'benchmark':40} {'latency ns':>10} {'CV':>6} {'overhead ns':>11} {'CV':>6} {'overhead %':>10} {'events/s':>10} {'insns':>6} {'jited':>6} {'memlock':>8} {'sys% with/without':>17} {'consumed/s':>10} {'drop %':>6}")
for name in sorted({n for d in docs for n in d}):
    lat, lcv = med(name, "latency"); ov, ocv = med(name, "overhead-ns"); pct, _ = med(name, "overhead-percent")
    thr, _ = med(name, "throughput"); ins, _ = med(name, "verified-insns"); jit, _ = med(name, "jited-bytes"); mem, _ = med(name, "memlock-bytes")
    sw, _ = med(name, "system-cpu-percent"); so, _ = med(name, "system-cpu-percent-base"); con, _ = med(name, "consumed"); dr, _ = med(name, "drop-percent")
    f = lambda x, fmt: (fmt % x) if x is not None else "-"
    cpu = f"{f(sw,'%.1f')}/{f(so,'%.1f')}"
    print(f"{name:40} {f(lat,'%10.1f')} {f(lcv,'%5.1f%%')} {f(ov,'%11.1f')} {f(ocv,'%5.1f%%')} {f(pct,'%10.1f')} {f(thr,'%10.0f')} {f(ins,'%6.0f')} {f(jit,'%6.0f')} {f(mem,'%8.0f')} {cpu:>17} {f(con,'%10.0f')} {f(dr,'%6.1f')}")
PY
