#!/usr/bin/env bash
# Run time of `bpfgate trend` over a long synthetic history: POINTS stored runs x METRICS benchmarks (one
# latency measure each, SAMPLES samples per measure whose median is the intended value; levels 20..2000 ns,
# 0.5..3 % normal noise, 0..3 steps of +-3..15 % per series at seeded random places), written directly as
# stored-run files (pretty-printed, sorted keys, as bpfgate writes them). Reported: median and min wall time
# and peak RSS over REPEATS runs (interleaved) of `bpfgate trend` (defaults: window 50, p 0.001), of `bpfgate
# history` alone on the same store (reading, decoding, and its table of every point to /dev/null) and of
# `bpfgate trend --benchmark` with one series (reading and decoding every run, analysing one series: trend
# minus this ~ the change-point analysis), the change points found and how many injected steps have one
# within +-2, and for comparison Apache Otava 0.8.0's compute_change_points over the same series in the
# Otava venv (ci/otava/venv.sh; timed in-process, series already in memory, OTAVA_REPEATS times, default 1)
# with its index sets against bpfgate's (--otava-neighbours and default). Needs no root. Note: `baseline
# save` keeps only the last `history` runs of a testbed (gate.history, default 64, at most 1000).
# Usage: [SKIP_BUILD=1] [SAMPLES=5] [OTAVA_REPEATS=1] [KEEP=DIR] ci/bench/trend-time.sh [POINTS=1000] [METRICS=100] [REPEATS=5]
set -euo pipefail
cd "$(dirname "$0")/../.."
points=${1:-1000}
metrics=${2:-100}
repeats=${3:-5}
[ -n "${SKIP_BUILD:-}" ] || swift build -c release >/dev/null
bin=$(pwd)/.build/release/bpfgate
otava=$(ci/otava/venv.sh | tail -1)
tmp=${KEEP:-$(mktemp -d)}  # KEEP=DIR keeps the store and the JSON outputs there
[ -n "${KEEP:-}" ] || trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp"

python3 - "$tmp" "$points" "$metrics" "${SAMPLES:-5}" <<'PY'
import json, os, random, sys, time, uuid
tmp, n, metrics, nsamples = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
rng = random.Random(1000 * n + metrics)
start = time.perf_counter()
series, truth = [], []
for m in range(metrics):
    name = f"synthetic/trend-time/m{m:04d}"
    level, sd = rng.uniform(20, 2000), rng.uniform(0.005, 0.03)
    steps = sorted((rng.randrange(10, max(11, n - 10)), rng.choice([-1, 1]) * rng.uniform(0.03, 0.15))
                   for _ in range(rng.choice([0, 0, 1, 1, 2, 3])))
    truth += [{"benchmark": name, "index": at} for at, _ in steps]
    values = []
    for i in range(n):
        v = level
        for at, c in steps:
            if i >= at: v *= 1 + c
        values.append(v * (1 + rng.gauss(0, sd)))
    series.append((name, values))
runs_dir = f"{tmp}/baselines/synthetic/runs"
os.makedirs(runs_dir)
t0 = 1767225600  # 2026-01-01T00:00:00Z; one run an hour
offsets = [0.001 * (j - nsamples // 2) for j in range(nsamples)]  # the middle one is 0: median = value
size = 0
for i in range(n):
    run_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    t = t0 + 3600 * i
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t))
    results = {
        "schemaVersion": 1,
        "testbed": {"name": "synthetic", "architecture": "x86_64", "cpuCount": 2, "cpuModel": "synthetic",
                    "kernelRelease": "6.18.0-synthetic", "libbpfVersion": "1.1", "clangVersion": "clang version 21.0.0",
                    "jitEnabled": True, "jitHarden": 0},
        "run": {"id": run_id, "startedAt": stamp + ".000Z", "finishedAt": stamp + ".000Z", "durationSeconds": 5.0,
                "git": {"commit": "%040x" % rng.getrandbits(160), "dirty": False}, "bpfObjects": [], "load": [],
                "settings": {}, "suites": ["synthetic"], "toolVersion": "0.1.0"},
        "benchmarks": [{"name": name, "suite": "synthetic", "measures": [{
            "measure": "latency", "unit": "ns", "direction": "smaller-is-better", "status": "ok", "flags": [],
            "samples": [values[i] * (1 + o) for o in offsets]}]} for name, values in series],
    }
    text = json.dumps({"kind": "save", "reason": None, "savedAt": stamp + ".500Z", "results": results}, indent=2, sort_keys=True)
    size += len(text)
    with open(f"{runs_dir}/{stamp.replace('-', '').replace(':', '')}.500Z-{run_id[:8]}.json", "w") as f:
        f.write(text + "\n")
json.dump(truth, open(f"{tmp}/truth.json", "w"))
print(f"store: {n} stored runs x {metrics} benchmarks x 1 measure, {nsamples} samples each, {size / 1e6:.1f} MB, "
      f"{len(truth)} injected steps; written in {time.perf_counter() - start:.1f} s")
PY

python3 - "$tmp" "$bin" "$repeats" <<'PY'
import json, os, statistics as st, subprocess, sys, time
tmp, bin, repeats = sys.argv[1], sys.argv[2], int(sys.argv[3])
src = ["--baselines", f"{tmp}/baselines", "--testbed", "synthetic"]

def timed(args, ok=(0,)):
    """Wall time (s) and peak RSS (MB) of one bpfgate process."""
    err = open(f"{tmp}/stderr", "w")
    start = time.perf_counter()
    p = subprocess.Popen([bin] + args, stdout=subprocess.DEVNULL, stderr=err)
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - start
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode not in ok:
        sys.exit(f"bpfgate {' '.join(args)} exited {p.returncode}: {open(f'{tmp}/stderr').read()}")
    return wall, usage.ru_maxrss / 1024

cases = [("history", ["history"] + src, (0,)), ("trend", ["trend", "--min-change", "0"] + src, (0, 2)),
         ("trend, 1 series", ["trend", "--min-change", "0"] + src + ["--benchmark", "/m0000$"], (0, 2))]
rows = {label: [] for label, _, _ in cases}
for _ in range(repeats):  # interleaved, so that a slow phase of the machine hits every command alike
    for label, args, ok in cases: rows[label].append(timed(args, ok))
for label, _, _ in cases:
    walls = [w for w, _ in rows[label]]
    print(f"bpfgate {label:16} median {st.median(walls):6.2f} s  min {min(walls):6.2f} s  peak RSS {max(r for _, r in rows[label]):4.0f} MB  ({repeats} runs)")
med = {label: st.median(w for w, _ in rows[label]) for label in rows}
print(f"reading + decoding the store ~ trend of 1 series: {med['trend, 1 series']:.2f} s; the analysis of all series ~ trend - that: "
      f"{med['trend'] - med['trend, 1 series']:.2f} s; history's table over trend of 1 series: {med['history'] - med['trend, 1 series']:.2f} s")
timed(["trend", "--min-change", "0"] + src + ["--json", f"{tmp}/trend.json"], (0, 2))
timed(["trend", "--min-change", "0"] + src + ["--otava-neighbours", "--json", f"{tmp}/trend-otava.json"], (0, 2))
timed(["history"] + src + ["--json", f"{tmp}/history.json"])
doc = json.load(open(f"{tmp}/trend.json"))
truth = json.load(open(f"{tmp}/truth.json"))
found = {}
for s in doc["steps"]: found.setdefault(s["benchmark"], []).append(s["index"])
hits = sum(1 for t in truth if any(abs(i - t["index"]) <= 2 for i in found.get(t["benchmark"], [])))
print(f"bpfgate trend: {doc['series']} series, {doc['points']} points, {len(doc['steps'])} change points in {len(found)} series; "
      f"{hits}/{len(truth)} injected steps with one within +-2")
PY

OTAVA_REPEATS=${OTAVA_REPEATS:-1} "$otava" - "$tmp" <<'PY'
import json, os, statistics as st, sys, time
from otava.analysis import compute_change_points
tmp = sys.argv[1]
history = json.load(open(f"{tmp}/history.json"))
values = [[float(p["value"]) for p in s["points"]] for s in history]
walls = []
for _ in range(int(os.environ["OTAVA_REPEATS"])):
    start = time.perf_counter()
    found = [compute_change_points(v, window_len=50, max_pvalue=0.001, min_magnitude=0.0)[0] for v in values]
    walls.append(time.perf_counter() - start)
def same(mode):
    mine = {}
    for s in json.load(open(f"{tmp}/{mode}.json"))["steps"]: mine.setdefault(s["benchmark"], []).append(s["index"])
    return sum(1 for s, cps in zip(history, found) if [int(c.index) for c in cps] == sorted(mine.get(s["benchmark"], [])))
truth = json.load(open(f"{tmp}/truth.json"))
idx = {s["benchmark"]: [int(c.index) for c in cps] for s, cps in zip(history, found)}
hits = sum(1 for t in truth if any(abs(i - t["index"]) <= 2 for i in idx.get(t["benchmark"], [])))
print(f"Otava 0.8.0 compute_change_points over the {len(values)} series (in-process, series in memory): "
      f"median {st.median(walls):.2f} s, min {min(walls):.2f} s ({len(walls)} run(s)); "
      f"{sum(len(c) for c in found)} change points; {hits}/{len(truth)} injected steps within +-2; "
      f"index sets identical to bpfgate --otava-neighbours' in {same('trend-otava')}/{len(values)} series, "
      f"to bpfgate default's in {same('trend')}/{len(values)}")
PY
