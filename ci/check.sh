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
echo "check.sh: building bpfgate (release; ~90 s on a fresh clone, seconds when nothing changed)" >&2
# Swift's [n/m] step lines, at most one every 15 s, with the time left at the pace so far.
swift build -c release 2>&1 | awk -v t0="$(date +%s)" '
  /^\[[0-9]+\/[0-9]+\]/ {
    split(substr($1, 2, length($1) - 2), s, "/"); now = systime()
    if (now - last >= 15 && s[1] > 0) {
      left = (now - t0) * (s[2] - s[1]) / s[1]
      printf "check.sh: build step %d/%d, %d s in, ~%d s left\n", s[1], s[2], now - t0, left > "/dev/stderr"; last = now
    }
    next
  }
  { print > "/dev/stderr" }'
echo "check.sh: built in $(( $(date +%s) - start )) s; running bpfgate check" >&2
exec .build/release/bpfgate check "$@"
