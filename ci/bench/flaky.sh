#!/usr/bin/env bash
# Runs the README's test command (`CI=true bash .ci/run`) N times, each in a fresh clone of this repository's
# HEAD (with ../shared beside it, as CI has it), and tabulates the failures per test. Run as root.
# Usage: ci/bench/flaky.sh [N=10]   (KEEP=DIR keeps the clones' logs in DIR)
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:-10}
repo=$(pwd)
work=$(mktemp -d)
logs=${KEEP:-$work/logs}
mkdir -p "$logs"
# With KEEP the logs live there and the work directory goes; without, the logs stay in it (printed at the end).
trap '[ -n "${KEEP:-}" ] && rm -rf "$work" || rm -rf "$work/run"' EXIT
[ -d ../shared ] && shared=$(cd ../shared && pwd) || shared=""
green=0
for i in $(seq "$n"); do
  rm -rf "$work/run"
  mkdir -p "$work/run"
  git clone -q "$repo" "$work/run/main"
  [ -z "$shared" ] || ln -s "$shared" "$work/run/shared"
  start=$(date +%s)
  status=0
  (cd "$work/run/main" && CI=true bash .ci/run) > "$logs/run$i.log" 2>&1 || status=$?
  secs=$(( $(date +%s) - start ))
  summary=$(grep -E '(✔|✘) Test run with' "$logs/run$i.log" | tail -1 || true)
  [ "$status" -eq 0 ] && green=$((green + 1))
  echo "run $i: exit $status in ${secs} s; ${summary:-no summary}"
  [ -c /dev/null ] || { echo "run $i left /dev/null as something other than a character device" >&2; exit 1; }
done
echo
echo "$green of $n green"
echo "failures per test:"
failures=$(cat "$logs"/run*.log | grep -E '^✘ Test .+\) failed after' | sed -E 's/^✘ Test (.+\)) failed after.*/\1/' | sort | uniq -c | sort -rn || true)
echo "${failures:-  none}"
echo "logs: $logs"
