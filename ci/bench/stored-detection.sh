#!/usr/bin/env bash
# Stored-baseline figures: BASE runs recorded as a baseline, then RUNS fresh head runs, each its own process
# (profile gate, suite user-maps: user/map/*/1024/*, 100 samples). Each head run is judged as it is (A/A) and
# with every timed benchmark's samples scaled by +5 %, +10 % and +25 % (an injected regression), by:
# bpfgate's default (t prediction interval, Benjamini-Hochberg, 5 % minimum effect), the same with Holm,
# Bencher's t_test (upper boundary 0.99,
# max sample 64) and a plain 5 % percentage rule — each normalized by the reference and raw. Run as root.
# Usage: ci/bench/stored-detection.sh [RUNS=20] [BASE=10]
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-20}
base=${2:-10}
swift build -c release >/dev/null
bin=$(pwd)/.build/release/bpfgate
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sel=(--profile gate --suite user-maps)
"$bin" baseline save --baselines "$tmp/baselines" --runs "$base" "${sel[@]}" 2>/dev/null
for i in $(seq "$runs"); do "$bin" run --quiet "${sel[@]}" --results "$tmp/head$i.json" >/dev/null; done
python3 - "$bin" "$tmp" "$runs" <<'PY'
import json, os, subprocess, sys
bin, tmp, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
testbed = os.listdir(f"{tmp}/baselines")[0]
configs = {
    "bpfgate default (BH)": {"gate": {}},
    "bpfgate with Holm": {"gate": {"correction": "holm"}},
    "Bencher t_test 0.99": {"gate": {"model": {"test": "t_test", "upperBoundary": 0.99, "maxSampleSize": 64}}},
    "percentage 5 %": {"gate": {"model": {"test": "percentage", "upperBoundary": 0.05}}},
}
def judge(head, cfg, normalize, scale):
    data = json.load(open(head))
    refs = {b.get("reference") for b in data["benchmarks"] if b.get("reference")}
    for b in data["benchmarks"]:
        m = b["measures"][0]
        if m["measure"] == "latency" and m["status"] == "ok" and b["name"] not in refs:
            m["samples"] = [x * scale for x in m["samples"]]
    cand = f"{tmp}/cand.json"; json.dump(data, open(cand, "w"))
    c = json.loads(json.dumps(cfg)); c["gate"]["normalize"] = normalize
    json.dump(c, open(f"{tmp}/cfg.json", "w"))
    subprocess.run([bin, "compare", "--config", f"{tmp}/cfg.json", "--verdict", f"{tmp}/v.json",
                    f"{tmp}/baselines/{testbed}", cand], capture_output=True)
    fs = [f for f in json.load(open(f"{tmp}/v.json"))["findings"]
          if f["measure"] == "latency" and not f["note"].startswith("reference")]
    return fs
print(f"{runs} head runs against {len(os.listdir(f'{tmp}/baselines/{testbed}/runs'))} baseline runs")
for name, cfg in configs.items():
    for normalize in (True, False):
        label = f"{name}, {'normalized' if normalize else 'raw'}"
        aa = [judge(f"{tmp}/head{i}.json", cfg, normalize, 1.0) for i in range(1, runs + 1)]
        false_runs = sum(any(f["verdict"] == "regression" for f in fs) for fs in aa)
        false_metrics = sum(f["verdict"] == "regression" for fs in aa for f in fs)
        n_metrics = len(aa[0])
        parts = [f"A/A: {false_runs}/{runs} runs with a false alarm ({false_metrics}/{n_metrics * runs} metrics)"]
        for pct in (5, 10, 25):
            det = [judge(f"{tmp}/head{i}.json", cfg, normalize, 1 + pct / 100) for i in range(1, runs + 1)]
            hit = sum(f["verdict"] == "regression" for fs in det for f in fs)
            parts.append(f"+{pct} %: {hit}/{n_metrics * runs} metrics ({100 * hit / (n_metrics * runs):.0f} %)")
        print(f"{label}: " + "; ".join(parts), flush=True)
PY
