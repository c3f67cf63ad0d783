#!/usr/bin/env bash
# Wall time and peak RSS of `bpfgate run` with the default suite (release build), RUNS times.
# Usage: ci/bench/footprint.sh [RUNS=5]
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-5}
swift build -c release >/dev/null
for i in $(seq "$runs"); do
  /usr/bin/time -f "run $i: wall %e s, peak RSS %M KiB, user %U s, sys %S s" .build/release/bpfgate run --quiet >/dev/null
done
