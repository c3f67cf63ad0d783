#!/usr/bin/env bash
# Trend data (pushes to main): one gate-profile run, uploaded to Bencher when BENCHER_PROJECT is set (key in
# BENCHER_API_KEY) and to InfluxDB when INFLUX_URL is set (INFLUX_DB, INFLUX_USERNAME/INFLUX_PASSWORD). A
# failed upload stays in .bpfgate/outbox/ and exits 6; the workflow keeps that directory as an artifact.
# Usage (root): ci/trend.sh   (BPFGATE: the binary, default .build/release/bpfgate)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${BPFGATE:-.build/release/bpfgate}
mkdir -p .bpfgate/trend
# Entries restored from an earlier run's artifact go first.
[ -d .bpfgate/outbox ] && { "$bin" upload --flush || true; }
"$bin" run --profile gate --quiet --output .bpfgate/trend/bmf.json --results .bpfgate/trend/results.json
status=0
if [ -n "${BENCHER_PROJECT:-}" ]; then "$bin" upload .bpfgate/trend/results.json --to bencher || status=$?; fi
if [ -n "${INFLUX_URL:-}" ]; then "$bin" upload .bpfgate/trend/results.json --to influxdb || status=$?; fi
exit "$status"
