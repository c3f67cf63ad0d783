#!/usr/bin/env bash
# The main job (README): installs what is missing, builds the BPF objects and bpfgate (release), and runs
# the default benchmarks: BMF on stdout, the table on stderr. Extra arguments go to `bpfgate run`.
set -euo pipefail
cd "$(dirname "$0")/.."
source ci/setup.sh
swift build -c release 2>&1 | grep -vE '^\[[0-9]+/[0-9]+\]' >&2
exec .build/release/bpfgate run "$@"
