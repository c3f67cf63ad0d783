#!/usr/bin/env bash
# A/B figures: false alarms of A/A (the built-in demo objects against themselves) and detection of a known
# +3 % cost (check's calibration knob --inject-head-work 6 adds ~3 % to the head demo program), RUNS times each,
# with the gate profile's A/B (xdp/demo/fib-classifier: 3 x 100 ABBA pairs x 300k test runs, 48 loads per side;
# macro/xdp-demo/xdp under veth traffic, 4 loads per side). Only the first finding (the test-run demo) is reported. Run as root.
# Usage: ci/bench/ab-detection.sh [RUNS=20] [WORK=6]
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-20}
work=${2:-6}
swift build -c release >/dev/null
bin=.build/release/bpfgate
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$bin" objects export "$tmp/objects" 2>/dev/null
for mode in aa injected; do
  extra=()
  [ "$mode" = injected ] && extra=(--inject-head-work "$work")
  for i in $(seq "$runs"); do
    set +e
    "$bin" check --base-objects "$tmp/objects" --verdict "$tmp/$mode-$i.json" "${extra[@]}" >/dev/null 2>&1
    echo "$mode $i exit $?" >> "$tmp/exits"
    set -e
  done
done
python3 - "$tmp" "$runs" <<'PY'
import json, statistics, sys
tmp, runs = sys.argv[1], int(sys.argv[2])
for mode in ("aa", "injected"):
    fs = [json.load(open(f"{tmp}/{mode}-{i}.json"))["findings"][0] for i in range(1, runs + 1)]
    reg = sum(f["verdict"] == "regression" for f in fs)
    imp = sum(f["verdict"] == "improvement" for f in fs)
    ch = [f["change"] * 100 for f in fs]
    mde = [f["minimumDetectableEffect"] * 100 for f in fs]
    for i, f in enumerate(fs, 1):
        print(f"  {mode} {i:2}: {f['change'] * 100:+.2f} % (ratio CI {f['ratioLower']:.4f}..{f['ratioUpper']:.4f}) {f['verdict']}")
    label = "A/A false alarms" if mode == "aa" else "+injected cost detected"
    print(f"{label}: {reg}/{runs} regressions, {imp}/{runs} improvements; median change {statistics.median(ch):+.2f} % "
          f"(range {min(ch):+.2f}..{max(ch):+.2f}); median MDE {statistics.median(mde):.2f} %")
PY
