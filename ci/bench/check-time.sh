#!/usr/bin/env bash
# Wall time of `check` (gate profile) and `check --quick` against a stored baseline (recorded first, not
# timed), and of the A/B `check --base-objects` (built-in objects exported as the base). Run as root.
# Usage: ci/bench/check-time.sh [REPEATS=3]
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:-3}
swift build -c release >/dev/null
bin=.build/release/bpfgate
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$bin" baseline save --baselines "$tmp/b" --runs 3 >/dev/null 2>&1
"$bin" objects export "$tmp/o" 2>/dev/null
for i in $(seq "$n"); do
  /usr/bin/time -f "check (gate profile): %e s" "$bin" check --baselines "$tmp/b" >/dev/null 2>"$tmp/e" || true; tail -1 "$tmp/e"
  /usr/bin/time -f "check --quick: %e s" "$bin" check --quick --baselines "$tmp/b" >/dev/null 2>"$tmp/e" || true; tail -1 "$tmp/e"
  /usr/bin/time -f "check --base-objects (A/B, gate profile): %e s" "$bin" check --base-objects "$tmp/o" >/dev/null 2>"$tmp/e" || true; tail -1 "$tmp/e"
  /usr/bin/time -f "check --quick --base-objects (A/B): %e s" "$bin" check --quick --base-objects "$tmp/o" >/dev/null 2>"$tmp/e" || true; tail -1 "$tmp/e"
done
