#!/usr/bin/env bash
# The main job (README): installs what is missing, builds the BPF objects and bpfgate (release), and runs
# `bpfgate check`: the gate profile judged against this testbed's baseline in baselines/ (on the first run, the
# fewest runs that judge are recorded instead). Extra arguments go to `bpfgate check` (e.g. --quick,
# --ab origin/main, --warn-only). Every phase prints where it is and the time left, one line at a time.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
echo "check.sh: set-up (installs only what is missing)" >&2
source ci/setup.sh
# swift build's own step lines arrive in bursts when piped, so a ticker says where the build is every 15 s, with the
# time left by what a build took here: ~76 s from a fresh clone, ~13 s after a change.
if [ -x .build/release/bpfgate ]; then expected=13; else expected=76; fi
echo "check.sh: building bpfgate (release; ~${expected} s here)" >&2
b0=$(date +%s)
( trap 'kill "$nap" 2>/dev/null; exit 0' TERM  # its sleep goes with it: nothing holds the caller's stderr open
  while :; do
    sleep 15 & nap=$!; wait "$nap"
    el=$(( $(date +%s) - b0 ))
    if [ "$el" -lt "$expected" ]; then echo "check.sh: building, ${el} s in, ~$(( expected - el )) s left" >&2
    else echo "check.sh: building, ${el} s in (longer than usual)" >&2; fi
  done ) &
ticker=$!
trap 'kill "$ticker" 2>/dev/null || true' EXIT
swift build -c release 2>&1 | grep -vE '^\[[0-9]+/[0-9]+\]' >&2
kill "$ticker" 2>/dev/null || true
echo "check.sh: built in $(( $(date +%s) - start )) s; running bpfgate check" >&2
exec .build/release/bpfgate check "$@"
