#!/usr/bin/env bash
# Harness accuracy: bpfgate's Swift timing of `user/map/hash/<size>/update` against a plain C loop making the
# same libbpf calls (ci/bench/maploop.c), release build, alternated ABAB as separate processes, PAIRS times.
# Prints each pair's ratio swift/C and their median (target 1.00 +- 0.05), and the ratio of the medians.
# Process-to-process noise here is large and bimodal (one process ~460 ns per update, the next ~720 ns, C or
# Swift alike), so use many pairs: 40 by default. Run as root.
# Usage: ci/bench/accuracy.sh [PAIRS=40] [SIZE=1024]
set -euo pipefail
cd "$(dirname "$0")/../.."
pairs=${1:-40}
size=${2:-1024}
# PIN="taskset -c 1" runs both on one CPU (default); PIN= runs them unpinned.
pin=${PIN-taskset -c 1}
batch=$(( size / 2 < 512 ? size / 2 : 512 ))  # bpfgate's default, capped as its LRU fill requires
swift build -c release >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cc -O2 -o "$work/maploop" ci/bench/maploop.c -lbpf
ratios=()
swifts=()
cs=()
for i in $(seq "$pairs"); do
  swift=$(${pin} .build/release/bpfgate run --quiet --sizes "$size" --batch "$batch" --filter "^user/map/hash/$size/update\$" |
    python3 -c "import json,sys; print(json.load(sys.stdin)['user/map/hash/$size/update']['latency']['value'])")
  c=$(${pin} "$work/maploop" "$size" "$batch")
  ratio=$(python3 -c "print(f'{$swift / $c:.4f}')")
  echo "pair $i: swift ${swift} ns, C ${c} ns, ratio ${ratio}"
  ratios+=("$ratio")
  swifts+=("$swift")
  cs+=("$c")
done
python3 - "${ratios[*]}" "${swifts[*]}" "${cs[*]}" <<'PY'
import statistics, sys
r, s, c = ([float(x) for x in arg.split()] for arg in sys.argv[1:4])
import random
rng = random.Random(1)
boot = sorted(statistics.median(rng.choices(r, k=len(r))) for _ in range(2000))
print(f"median ratio swift/C over {len(r)} ABAB pairs: {statistics.median(r):.3f} "
      f"(bootstrap 95 % CI {boot[50]:.3f}..{boot[1949]:.3f}; min {min(r):.3f}, max {max(r):.3f})")
print(f"ratio of medians: swift {statistics.median(s):.1f} ns / C {statistics.median(c):.1f} ns = {statistics.median(s) / statistics.median(c):.3f}")
PY
