#!/usr/bin/env bash
# Agreement of `bpfgate trend` with Apache Otava 0.8.0 (otava.analysis.compute_change_points, window 50,
# max p 0.001, min magnitude 0, and `trend --min-change 0 --min-side 1` to match) on the same series: the values `bpfgate history --json` gives (each stored
# run's median, or with trend's default its ratio to the reference) go to Otava, and the same store goes to `bpfgate trend` twice, with the hidden
# --otava-neighbours (the merge step recomputes the neighbours Otava 0.8 recomputes after a removal: the port
# should then give Otava's indices) and by default (recomputes the two change points whose segments changed).
# Two testbeds:
# - synthetic: 120 stored runs written directly, 24 benchmarks of known shape (flat with normal, uniform,
#   heavy-tailed or spiky noise, constant, steps of +1..+10 % and -8 %, two steps, a step in the last 3-4
#   points, bimodal 25/33 ns with a +8 % step, integer-quantized values, slow drift), seeded, reproducible;
# - real: RUNS runs of `bpfgate run --profile gate --suite user-maps` (~4.3 s each on a 2-CPU VM), stored by
#   `bpfgate baseline save --results`; in the second half the samples of 3 timed benchmarks are scaled by
#   1.10 (an injected +10 % regression, as stored-detection.sh does) so real noise carries a known step.
# Reported per case (synthetic; real by medians, --raw; real normalized, trend's default: the ratios to the reference as the gate
# judges them): series and points, change points by Otava / bpfgate --otava-neighbours / bpfgate
# default, series whose index sets are identical to Otava's, every disagreeing series with the three index
# lists, the max relative difference of p-values and means at matching indices, and for every known step
# whether each tool put a change point within +-2 of it. Run as root (the real runs load BPF maps).
# Needs the Otava venv (ci/otava/venv.sh; ~50 s on first use).
# Usage: [SKIP_BUILD=1] [KEEP=DIR] ci/bench/otava-agreement.sh [RUNS=40]
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-40}
[ -n "${SKIP_BUILD:-}" ] || swift build -c release >/dev/null
bin=$(pwd)/.build/release/bpfgate
otava=$(ci/otava/venv.sh | tail -1)
tmp=${KEEP:-$(mktemp -d)}  # KEEP=DIR keeps the stores and JSON outputs there for a closer look
[ -n "${KEEP:-}" ] || trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/real"

# Synthetic store: stored-run files written directly (the structure of a real results file, fake ids, times,
# commits and samples; each measure's 5 samples have the intended value as their median).
python3 - "$tmp" <<'PY'
import json, math, os, random, sys, time, uuid
tmp = sys.argv[1]
n = 120
rng = random.Random(20261122)

def noise(sd):  # relative normal noise
    return lambda i: rng.gauss(0, sd)
def steps(level, changes):  # changes: [(index, relative change)], cumulative
    def f(i):
        v = level
        for at, c in changes:
            if i >= at: v *= 1 + c
        return v
    return f
def t2(scale):  # Student t with 2 degrees of freedom
    return lambda i: scale * rng.gauss(0, 1) / math.sqrt(rng.gammavariate(1.0, 2.0) / 2)

# name -> (value of point i, true step indices)
shapes = {}
def add(name, truth, fn): shapes[name] = (fn, truth)
def normal(level, changes, sd):
    base, e = steps(level, changes), noise(sd)
    return lambda i: base(i) * (1 + e(i))
add("flat/normal-1pct", [], normal(100, [], 0.01))
add("flat/normal-3pct", [], normal(250, [], 0.03))
add("flat/uniform-2pct", [], lambda i: 100 * (1 + rng.uniform(-0.02, 0.02)))
add("flat/constant", [], lambda i: 100.0)
add("step/up-5pct-at-60", [60], normal(100, [(60, 0.05)], 0.01))
add("step/up-5pct-at-30-noise-2pct", [30], normal(400, [(30, 0.05)], 0.02))
add("step/up-5pct-at-50", [50], normal(100, [(50, 0.05)], 0.01))
add("step/down-8pct-at-80-noise-2pct", [80], normal(100, [(80, -0.08)], 0.02))
add("step/down-8pct-at-45", [45], normal(800, [(45, -0.08)], 0.01))
add("step/up-1pct-at-60", [60], normal(100, [(60, 0.01)], 0.01))
add("step/constant-up-5pct-at-60", [60], steps(100, [(60, 0.05)]))
add("two-steps/up-5pct-at-40-down-8pct-at-85", [40, 85], normal(100, [(40, 0.05), (85, -0.08)], 0.01))
add("two-steps/up-3pct-at-50-up-6pct-at-90", [50, 90], normal(100, [(50, 0.03), (90, 0.06)], 0.01))
add("late/up-10pct-at-116", [116], normal(100, [(116, 0.10)], 0.01))
add("late/up-5pct-at-117", [117], normal(100, [(117, 0.05)], 0.01))
add("bimodal/25-33", [], lambda i: rng.choice([25.0, 33.0]))
add("bimodal/25-33-up-8pct-at-60", [60], lambda i: rng.choice([25.0, 33.0]) * (1.08 if i >= 60 else 1))
add("bimodal/25-33-jitter-up-8pct-at-60", [60],
    lambda i: (rng.choice([25.0, 33.0]) + rng.gauss(0, 0.3)) * (1.08 if i >= 60 else 1))
_t = t2(1.0)
add("heavy-tails/t2-1pct", [], lambda i: max(1.0, 100 + _t(i)))
add("heavy-tails/t2-1pct-up-5pct-at-70", [70], lambda i: max(1.0, 100 * (1.05 if i >= 70 else 1) + _t(i)))
add("drift/up-10pct", [], lambda i: 100 * (1 + 0.10 * i / (n - 1)) * (1 + rng.gauss(0, 0.01)))
add("drift/up-10pct-down-8pct-at-60", [60],
    lambda i: 100 * (1 + 0.10 * i / (n - 1)) * (0.92 if i >= 60 else 1) * (1 + rng.gauss(0, 0.01)))
add("outliers/spikes-5pct-of-points", [], lambda i: 100 * (1 + rng.gauss(0, 0.01)) * (1.3 if rng.random() < 0.05 else 1))
add("quantized/int-ns-up-5pct-at-50", [50], lambda i: float(round(40 * (1.05 if i >= 50 else 1) + rng.gauss(0, 1))))

names = sorted(shapes)
values = {name: [shapes[name][0](i) for i in range(n)] for name in names}
runs_dir = f"{tmp}/baselines/synthetic/runs"
os.makedirs(runs_dir)
t0 = 1767225600  # 2026-01-01T00:00:00Z; one run an hour
def iso(t, ms): return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + f".{ms:03d}Z"
for i in range(n):
    run_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    commit = "%040x" % rng.getrandbits(160)
    t = t0 + 3600 * i
    benchmarks = []
    for name in names:
        v = values[name][i]
        benchmarks.append({"name": f"synthetic/{name}", "suite": "synthetic", "measures": [{
            "measure": "latency", "unit": "ns", "direction": "smaller-is-better", "status": "ok", "flags": [],
            "samples": [v * 0.99, v * 1.01, v, v * 0.995, v * 1.005]}]})
    results = {
        "schemaVersion": 1,
        "testbed": {"name": "synthetic", "architecture": "x86_64", "cpuCount": 2, "cpuModel": "synthetic",
                    "kernelRelease": "6.18.0-synthetic", "libbpfVersion": "1.1", "clangVersion": "clang version 21.0.0",
                    "jitEnabled": True, "jitHarden": 0},
        "run": {"id": run_id, "startedAt": iso(t - 5, 0), "finishedAt": iso(t, 0), "durationSeconds": 5.0,
                "git": {"commit": commit, "dirty": False}, "bpfObjects": [], "load": [], "settings": {},
                "suites": ["synthetic"], "toolVersion": "0.1.0"},
        "benchmarks": benchmarks,
    }
    stored = {"kind": "save", "reason": None, "savedAt": iso(t, 500), "results": results}
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(t)) + ".500Z"
    with open(f"{runs_dir}/{stamp}-{run_id[:8]}.json", "w") as f:
        json.dump(stored, f, indent=2, sort_keys=True)
truth = [{"benchmark": f"synthetic/{name}", "measure": "latency", "index": at, "what": name}
         for name in names for at in shapes[name][1]]
json.dump(truth, open(f"{tmp}/synthetic-truth.json", "w"))
PY

# Real store: RUNS runs, each its own process; the second half gets the injected +10 % in 3 benchmarks.
start=$(date +%s)
for i in $(seq "$runs"); do
  "$bin" run --quiet --profile gate --suite user-maps --testbed real --output /dev/null --results "$tmp/real/run$(printf %04d "$i").json"
done
echo "real: $runs runs of bpfgate run --profile gate --suite user-maps in $(( $(date +%s) - start )) s" >&2
python3 - "$tmp" "$runs" <<'PY'
import glob, json, sys
tmp, runs = sys.argv[1], int(sys.argv[2])
chosen = ["user/map/hash/1024/lookup", "user/map/array/1024/update", "user/map/lru-hash/1024/delete"]
files = sorted(glob.glob(f"{tmp}/real/run*.json"))
first = runs // 2  # index of the first scaled run
for path in files[first:]:
    doc = json.load(open(path))
    names = {b["name"] for b in doc["benchmarks"]}
    missing = set(chosen) - names
    if missing: sys.exit(f"injection: {sorted(missing)} not in {path}")
    for b in doc["benchmarks"]:
        if b["name"] in chosen:
            for m in b["measures"]:
                m["samples"] = [s * 1.10 for s in m["samples"]]
    json.dump(doc, open(path, "w"))
json.dump([{"benchmark": c, "measure": "latency", "index": first, "what": f"{c} +10 % injected"} for c in chosen],
          open(f"{tmp}/real-truth.json", "w"))
json.dump([json.load(open(p))["run"]["id"] for p in files], open(f"{tmp}/real-order.json", "w"))
PY
start=$(date +%s%N)
"$bin" baseline save --baselines "$tmp/baselines" --testbed real --results "$tmp"/real/run*.json 2>"$tmp/save.log" ||
  { cat "$tmp/save.log" >&2; exit 1; }
echo $(( ($(date +%s%N) - start) / 1000000 )) > "$tmp/save.ms"

# Cases: the synthetic store, the real one by medians (--raw), and the real one normalized (trend's default: each timing's ratio to
# the reference timed in the same rounds, as the gate judges it; the injected benchmarks' references are
# not scaled, so their ratios carry the +10 % step too).
cp "$tmp/real-truth.json" "$tmp/real-normalized-truth.json"
for case in synthetic real real-normalized; do
  src=(--baselines "$tmp/baselines" --testbed "${case%-normalized}")
  [ "$case" = real-normalized ] || src+=(--raw)
  "$bin" history "${src[@]}" --json "$tmp/$case-history.json" >/dev/null
  for mode in default otava; do
    flags=(); [ "$mode" = default ] || flags=(--otava-neighbours)
    rc=0
    "$bin" trend "${src[@]}" --min-change 0 --min-side 1 ${flags[@]+"${flags[@]}"} --json "$tmp/$case-trend-$mode.json" >"$tmp/$case-trend-$mode.txt" || rc=$?
    case $rc in 0|2) echo "$rc" > "$tmp/$case-trend-$mode.rc" ;; *) echo "bpfgate trend ($case, $mode) failed with exit $rc" >&2; exit 1 ;; esac
  done
done

"$otava" - "$tmp" <<'PY'
import json, math, sys, time
from otava.analysis import compute_change_points
tmp = sys.argv[1]
print("Otava 0.8.0 compute_change_points(window_len=50, max_pvalue=0.001, min_magnitude=0) vs bpfgate trend (same defaults)")
print(f"real store: baseline save of the results files took {int(open(f'{tmp}/save.ms').read()) / 1000:.1f} s")

def rel(a, b):
    if a == b: return 0.0
    return abs(a - b) / max(abs(a), abs(b))

for testbed in ["synthetic", "real", "real-normalized"]:
    history = json.load(open(f"{tmp}/{testbed}-history.json"))
    truth = json.load(open(f"{tmp}/{testbed}-truth.json"))
    keys = [(s["benchmark"], s["measure"]) for s in history]
    npoints = sum(len(s["points"]) for s in history)
    print(f"\n== {testbed}: {len(history)} series, {npoints} points "
          f"({min(len(s['points']) for s in history)}..{max(len(s['points']) for s in history)} per series)")
    if testbed.startswith("real"):
        order = json.load(open(f"{tmp}/real-order.json"))
        got = [p["runID"] for p in history[0]["points"]]
        print("history order = save order" if got == order else
              f"WARNING: history order differs from the order the runs were saved in ({sum(a != b for a, b in zip(got, order))} positions)")

    otava, otava_s, errors = {}, 0.0, []
    for s in history:
        key = (s["benchmark"], s["measure"])
        values = [float(p["value"]) for p in s["points"]]
        if len(values) < 2:
            otava[key] = []
            continue
        t = time.perf_counter()
        try:
            cps = compute_change_points(values, window_len=50, max_pvalue=0.001, min_magnitude=0.0)[0]
        except Exception as e:  # report, do not hide
            errors.append(f"{key[0]} {key[1]}: {type(e).__name__}: {e}")
            cps = []
        otava_s += time.perf_counter() - t
        otava[key] = [(int(c.index), float(c.stats.pvalue), float(c.stats.mean_1), float(c.stats.mean_2)) for c in cps]
    modes = {}
    for mode in ["otava", "default"]:
        doc = json.load(open(f"{tmp}/{testbed}-trend-{mode}.json"))
        rc = int(open(f"{tmp}/{testbed}-trend-{mode}.rc").read())
        found = {k: [] for k in keys}
        for st in doc["steps"]:
            found[(st["benchmark"], st["measure"])].append((st["index"], st["pValue"], st["meanBefore"], st["meanAfter"]))
        if doc["series"] != len(history) or doc["points"] != npoints:
            print(f"WARNING: trend ({mode}) saw {doc['series']} series / {doc['points']} points, history {len(history)} / {npoints}")
        modes[mode] = (found, rc)
    print(f"Otava: {otava_s:.2f} s for all series" + (f"; {len(errors)} series raised:" if errors else ""))
    for e in errors: print("  " + e)

    label = {"otava": "bpfgate --otava-neighbours", "default": "bpfgate default"}
    print(f"change points: Otava {sum(len(v) for v in otava.values())} (in {sum(1 for v in otava.values() if v)} series), "
          + ", ".join(f"{label[m]} {sum(len(v) for v in modes[m][0].values())} (in {sum(1 for v in modes[m][0].values() if v)} series)"
                      for m in modes))
    for m in modes:
        same = sum(1 for k in keys if [c[0] for c in otava[k]] == sorted(c[0] for c in modes[m][0][k]))
        print(f"identical index sets, {label[m]} vs Otava: {same}/{len(keys)}; trend exit {modes[m][1]}")
    for m in modes:
        worst_p, worst_mean, where_p, matched = 0.0, 0.0, None, 0
        for k in keys:
            mine = {c[0]: c for c in modes[m][0][k]}
            for idx, p, m1, m2 in otava[k]:
                if idx not in mine: continue
                matched += 1
                d = rel(p, mine[idx][1])
                if d > worst_p: worst_p, where_p = d, (k[0], k[1], idx, p, mine[idx][1])
                worst_mean = max(worst_mean, rel(m1, mine[idx][2]), rel(m2, mine[idx][3]))
        line = f"{label[m]}: {matched} matching indices; max relative difference p {worst_p:.3g}, means {worst_mean:.3g}"
        if where_p and worst_p > 0:
            line += f" (largest at {where_p[0]} {where_p[1]} #{where_p[2]}: Otava p {where_p[3]:.6g}, bpfgate {where_p[4]:.6g})"
        print(line)
    disagree = [k for k in keys if any([c[0] for c in otava[k]] != sorted(c[0] for c in modes[m][0][k]) for m in modes)]
    print(f"series where a bpfgate mode differs from Otava: {len(disagree)}")
    for k in disagree:
        print(f"  {k[0]} {k[1]}: Otava {[c[0] for c in otava[k]]}, --otava-neighbours "
              f"{sorted(c[0] for c in modes['otava'][0][k])}, default {sorted(c[0] for c in modes['default'][0][k])}")
    print("known steps (a change point within +-2 of the true index; the nearest shown):")
    def hit(idxs, at):
        near = [i for i in idxs if abs(i - at) <= 2]
        return f"yes ({min(near, key=lambda i: abs(i - at))})" if near else "no"
    print(f"  {'series':52} {'true':>4} {'change':>7} {'CV bef.':>7}  {'Otava':>9}  {'--otava-n.':>10}  {'default':>9}")
    values_of = {(s["benchmark"], s["measure"]): [p["value"] for p in s["points"]] for s in history}
    for t in truth:
        k = (t["benchmark"], t["measure"])
        if k not in otava:
            print(f"  {t['what']:52} {t['index']:>4}  series missing from the history")
            continue
        # the observed step: means of the points between the neighbouring true steps, and the CV before it
        cuts = sorted({0, len(values_of[k])} | {u["index"] for u in truth if (u["benchmark"], u["measure"]) == k})
        i = cuts.index(t["index"])
        before, after = values_of[k][cuts[i - 1]:t["index"]], values_of[k][t["index"]:cuts[i + 1]]
        mb, ma = sum(before) / len(before), sum(after) / len(after)
        cv = (sum((x - mb) ** 2 for x in before) / max(1, len(before) - 1)) ** 0.5 / mb
        cols = [hit([c[0] for c in otava[k]], t["index"])] + [hit([c[0] for c in modes[m][0][k]], t["index"]) for m in ["otava", "default"]]
        print(f"  {t['what'][:52]:52} {t['index']:>4} {100 * (ma / mb - 1):+6.1f}% {100 * cv:6.1f}%  {cols[0]:>9}  {cols[1]:>10}  {cols[2]:>9}")
    if testbed.startswith("real"):
        inj = {(t["benchmark"], t["measure"]) for t in truth}
        others = {m: sum(len(modes[m][0][k]) for k in keys if k not in inj) for m in modes}
        print(f"change points in the {len(keys) - len(inj)} series without an injected step (real noise): Otava "
              f"{sum(len(otava[k]) for k in keys if k not in inj)}, --otava-neighbours {others['otava']}, default {others['default']}")
PY
