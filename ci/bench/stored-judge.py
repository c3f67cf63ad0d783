"""Judges the head runs of ci/bench/stored-detection.sh: A/A, then one injected regression at a time."""
import json, os, subprocess, sys

bin, tmp, runs, per_run = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
testbed = os.listdir(f"{tmp}/baselines")[0]
configs = {
    "bpfgate default (BH)": {"gate": {}},
    "bpfgate with Holm": {"gate": {"correction": "holm"}},
    "Bencher t_test 0.99": {"gate": {"model": {"test": "t_test", "upperBoundary": 0.99, "maxSampleSize": 64}}},
    "percentage 5 %": {"gate": {"model": {"test": "percentage", "upperBoundary": 0.05}}},
}
if os.environ.get("CONFIGS"):
    configs = {k: v for k, v in configs.items() if any(c in k for c in os.environ["CONFIGS"].split(","))}
heads = [json.load(open(f"{tmp}/head{i}.json")) for i in range(1, runs + 1)]
refs = {b.get("reference") for b in heads[0]["benchmarks"] if b.get("reference")}
timed = [b["name"] for b in heads[0]["benchmarks"]
         if b["measures"][0]["measure"] == "latency" and b["measures"][0]["status"] == "ok" and b["name"] not in refs]


def judge(i, cfg, normalize, target=None, scale=1.0):
    data = json.loads(json.dumps(heads[i]))
    for b in data["benchmarks"]:
        if b["name"] == target:
            b["measures"][0]["samples"] = [x * scale for x in b["measures"][0]["samples"]]
    cand = f"{tmp}/cand.json"
    json.dump(data, open(cand, "w"))
    c = json.loads(json.dumps(cfg))
    c["gate"]["normalize"] = normalize
    json.dump(c, open(f"{tmp}/cfg.json", "w"))
    subprocess.run([bin, "compare", "--config", f"{tmp}/cfg.json", "--verdict", f"{tmp}/v.json",
                    f"{tmp}/baselines/{testbed}", cand], capture_output=True)
    return [f for f in json.load(open(f"{tmp}/v.json"))["findings"]
            if f["measure"] == "latency" and not f["note"].startswith("reference")]


print(f"{runs} head runs against {len(os.listdir(f'{tmp}/baselines/{testbed}/runs'))} baseline runs; "
      f"{len(timed)} timed benchmarks; {per_run} injected one at a time per head run")
for name, cfg in configs.items():
    for normalize in (True, False):
        label = f"{name}, {'normalized' if normalize else 'raw'}"
        aa = [judge(i, cfg, normalize) for i in range(runs)]
        false_runs = sum(any(f["verdict"] == "regression" for f in fs) for fs in aa)
        false_metrics = sum(f["verdict"] == "regression" for fs in aa for f in fs)
        parts = [f"A/A: {false_runs}/{runs} runs with a false alarm ({false_metrics}/{len(aa[0]) * runs} metrics)"]
        for pct in (5, 10, 25):
            hit = trials = 0
            missed = {}
            for i in range(runs):
                for k in range(per_run):
                    target = timed[(i * per_run + k) % len(timed)]
                    fs = judge(i, cfg, normalize, target, 1 + pct / 100)
                    found = any(f["benchmark"] == target and f["verdict"] == "regression" for f in fs)
                    hit += found
                    trials += 1
                    if not found:
                        missed[target] = missed.get(target, 0) + 1
            parts.append(f"+{pct} %: {hit}/{trials} ({100 * hit / trials:.0f} %)")
            if pct == 5 and normalize and missed:
                parts[-1] += " [missed: " + ", ".join(f"{n.split('/', 2)[2]} x{k}" for n, k in sorted(missed.items())) + "]"
        print(f"{label}: " + "; ".join(parts), flush=True)
