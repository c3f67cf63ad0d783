#!/usr/bin/env bash
# Creates (or reuses) a throwaway Python virtualenv holding Apache Otava, for computing change-point
# reference values (ci/fixtures/make_changepoint_fixtures.py). Otava pins numpy 2.2.* and scipy 1.16,
# which differ from the system ones, so it never goes into the system Python.
#
# Usage: "$(ci/otava/venv.sh | tail -1)" ci/fixtures/make_changepoint_fixtures.py
# The venv lives in ${OTAVA_VENV:-/tmp/bpfgate-otava-venv}; python is ${PYTHON:-python3}. A venv that
# already imports otava is reused as is. Progress goes to stderr; the last line of stdout is the venv's
# python. pip uses whatever index / mirror the machine's pip configuration names.
set -euo pipefail

venv=${OTAVA_VENV:-/tmp/bpfgate-otava-venv}
python=${PYTHON:-python3}
otava_version=0.8.0

if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c 'import otava.analysis' 2>/dev/null; then
  echo "otava venv: reusing $venv" >&2
  echo "$venv/bin/python"
  exit 0
fi

# Debian ships the venv module (and ensurepip, which venv needs) in python3-venv, separately from python3.
if ! "$python" -c 'import venv, ensurepip' 2>/dev/null; then
  echo "otava venv: $python has no venv/ensurepip module (on Debian: apt-get install python3-venv)" >&2
  exit 1
fi

start=$(date +%s)
echo "otava venv: creating $venv" >&2
"$python" -m venv --clear "$venv" >&2
"$venv/bin/python" -m pip install --quiet "apache-otava==$otava_version" >&2
"$venv/bin/python" -c 'import otava.analysis' >&2
echo "otava venv: installed apache-otava $otava_version in $(( $(date +%s) - start )) s" >&2
echo "$venv/bin/python"
