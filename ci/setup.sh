#!/usr/bin/env bash
# Installs what bpfgate needs on Debian 12 (as root) when it is missing, and checks the Swift toolchain.
# Idempotent: apt-get runs only when a package is missing.
set -euo pipefail

# influxdb: the upload tests start their own server (own port, own data directory). chromium: the report test
# renders the HTML report headless to a PNG. make: the test project with a build of its own (ci/example-make).
# systemtap-sdt-dev: <sys/sdt.h>, for bpfgate's own USDT probe.
packages=(libbpf-dev libelf-dev zlib1g-dev libcurl4-openssl-dev pkg-config bpftool iproute2 util-linux stress-ng python3 python3-jsonschema make systemtap-sdt-dev
          influxdb chromium python3-venv)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: missing packages ${missing[*]}; run as root (or install them) first" >&2
    exit 5
  fi
  echo "setup: installing ${missing[*]}" >&2
  apt-get update -qq >&2
  # Packages must not start their services here (influxdb would take port 8086 and stay): policy-rc.d says no.
  policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    policy=/usr/sbin/policy-rc.d
    printf '#!/bin/sh\nexit 101\n' > "$policy"
    chmod +x "$policy"
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2 || { [ -z "$policy" ] || rm -f "$policy"; exit 1; }
  [ -z "$policy" ] || rm -f "$policy"
fi

# check-jsonschema (PyPI; its GitHub Actions and workflow schemas are inside the package): the tests validate
# action.yml and the workflow with it. A virtual environment of its own, outside the repository.
tools=/opt/bpfgate-tools
if [ ! -x "$tools/bin/check-jsonschema" ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: $tools/bin/check-jsonschema is missing; run as root first" >&2
    exit 5
  fi
  echo "setup: installing check-jsonschema into $tools" >&2
  rm -rf "$tools"
  /usr/bin/python3 -m venv "$tools" >&2
  # Only the tests use it (the action's gate does not): without PyPI, say so and go on.
  "$tools/bin/pip" install -q check-jsonschema >&2 || { rm -rf "$tools"; echo "setup: warning: pip install check-jsonschema failed; the action schema test will fail in CI" >&2; }
fi

if ! command -v swift >/dev/null 2>&1; then
  if [ -x /opt/swift/usr/bin/swift ]; then
    export PATH="/opt/swift/usr/bin:$PATH"
  else
    echo "setup: no Swift toolchain (swift 6.0 or later, with its clang) on PATH or at /opt/swift" >&2
    exit 5
  fi
fi
