#!/usr/bin/env bash
# Trend data and the growing baseline (pushes to main): one gate-profile `check --grow-baseline` against the
# history in $BPFGATE_HISTORY (default .bpfgate/history, which the workflow restores from and saves to its cache;
# with none there, the check records a first baseline of 3-5 runs), stored there when it did not regress. Then
# `trend` over that history: a regression step in the last 5 runs fails the job (the guard against steps too
# small for one check to fail, which the growing baseline would otherwise take in). Uploads the run to Bencher
# when BENCHER_PROJECT is set (key in BENCHER_API_KEY) and to InfluxDB when INFLUX_URL is set (INFLUX_DB,
# INFLUX_USERNAME/INFLUX_PASSWORD); a failed upload stays in .bpfgate/outbox/ and exits 6 (a regression's 2 ranks
# higher). .bpfgate/trend/report.html charts the run and the history with its change points.
# Usage (root): ci/trend.sh [check options]   (BPFGATE: the binary, default .build/release/bpfgate; TREND_OUT: where
# the reports go, default .bpfgate/trend)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${BPFGATE:-.build/release/bpfgate}
history=${BPFGATE_HISTORY:-.bpfgate/history}
out=${TREND_OUT:-.bpfgate/trend}
mkdir -p "$out" "$history"
# Entries restored from an earlier run's artifact go first.
[ -d .bpfgate/outbox ] && { "$bin" upload --flush || true; }
status=0
"$bin" check --grow-baseline --baselines "$history" --results "$out/results.json" --markdown "$out/summary.md" \
  --verdict "$out/verdict.json" "$@" || status=$?
[ -f "$out/results.json" ] || exit "$status"
up=0
if [ -n "${BENCHER_PROJECT:-}" ]; then "$bin" upload "$out/results.json" --to bencher || up=$?; fi
if [ -n "${INFLUX_URL:-}" ]; then "$bin" upload "$out/results.json" --to influxdb || up=$?; fi
trend=0
"$bin" trend --baselines "$history" --json "$out/trend.json" || trend=$?
"$bin" report "$out/results.json" --history --baselines "$history" --html "$out/report.html" || echo "trend: no report.html" >&2
# The check's status first (a regression 2, a failed benchmark 3), then the trend's, then a failed upload's (6).
[ "$status" -ne 0 ] || status=$trend
[ "$status" -ne 0 ] || status=$up
exit "$status"
