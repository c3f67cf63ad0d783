#!/usr/bin/env bash
# The main job (README): installs what is missing, builds the BPF objects and bpfgate (release), and runs
# `bpfgate check`: the gate profile judged against this testbed's baseline in baselines/ (recorded on the
# first run). Extra arguments go to `bpfgate check` (e.g. --quick, --ab origin/main, --warn-only).
set -euo pipefail
cd "$(dirname "$0")/.."
source ci/setup.sh
swift build -c release 2>&1 | grep -vE '^\[[0-9]+/[0-9]+\]' >&2
exec .build/release/bpfgate check "$@"
