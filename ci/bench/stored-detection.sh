#!/usr/bin/env bash
# Stored-baseline figures: BASE runs recorded as a baseline, then RUNS fresh head runs, each its own process
# (profile gate, suite user-maps: the single-element ops of user/map/*/1024, 300 rounds). Each head run is judged as it is (A/A: does
# any metric alarm?) and with an injected regression of +5 %, +10 % and +25 % in ONE timed benchmark (its
# samples scaled, the others untouched, as a real regression in one code path); PER_RUN different benchmarks
# per head run, one comparison each. The detection rate is the share of injected benchmarks called a
# regression. Judged by bpfgate's default (t prediction interval, at the run's own speed from 8 baseline runs on,
# Benjamini-Hochberg, 5 % minimum effect), the
# same with Holm, Bencher's t_test (upper boundary 0.99, max sample 64) and a plain 5 % percentage rule, each
# normalized by the reference and raw. Run as root.
# Usage: [CONFIGS=default,Holm,...] [KEEP=DIR] ci/bench/stored-detection.sh [RUNS=20] [BASE=10] [PER_RUN=5]
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-20}
base=${2:-10}
per_run=${3:-5}
swift build -c release >/dev/null
bin=$(pwd)/.build/release/bpfgate
tmp=${KEEP:-$(mktemp -d)}  # KEEP=DIR keeps the runs there for a closer look
[ -n "${KEEP:-}" ] || trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp"
sel=(--profile gate --suite user-maps)
"$bin" baseline save --baselines "$tmp/baselines" --runs "$base" "${sel[@]}" 2>/dev/null
for i in $(seq "$runs"); do "$bin" run --quiet "${sel[@]}" --results "$tmp/head$i.json" >/dev/null; done
python3 ci/bench/stored-judge.py "$bin" "$tmp" "$runs" "$per_run"
