#!/usr/bin/env bash
# Trend data (pushes to main): one gate-profile run, uploaded to Bencher when BENCHER_PROJECT is set (key in
# BENCHER_API_KEY) and to InfluxDB when INFLUX_URL is set (INFLUX_DB, INFLUX_USERNAME/INFLUX_PASSWORD). A
# failed upload stays in .bpfgate/outbox/ and exits 6; the workflow keeps that directory as an artifact.
# .bpfgate/trend/report.html charts the run and, with InfluxDB, the uploaded history and its change points
# (`trend` itself does not fail this job: a regression step is for people to look at, the gate fails PRs).
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
history=()
[ -z "${INFLUX_URL:-}" ] || history=(--history --from influxdb --branch "${BENCHER_BRANCH:-main}")
"$bin" report .bpfgate/trend/results.json "${history[@]}" --html .bpfgate/trend/report.html || echo "trend: no report.html" >&2
exit "$status"
