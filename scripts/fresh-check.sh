#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Checks the front door on a machine that has nothing: builds a minimal
# Debian 12 root (mmdebstrap --variant=minbase), copies the tree in, runs
# scripts/install-deps.sh there, and fails if any program in
# scripts/programs.txt (everything the tests, the demo and the benchmarks
# start) is absent afterwards, or if CMake cannot configure the build.
# Run as root; .ci/run runs it. Needs only the Debian mirror.
#
#   scripts/fresh-check.sh            # the check; the root is thrown away
#   scripts/fresh-check.sh DIR        # ... and the root is kept in DIR (new or
#                                     # empty), e.g. to run the README's
#                                     # commands in it with systemd-nspawn
set -eu
cd "$(dirname "$0")/.."
target=${1:-/dev/null}
if ! command -v mmdebstrap >/dev/null; then
  echo "fresh-check: mmdebstrap is missing: run scripts/install-deps.sh" >&2
  exit 1
fi
tree=$(mktemp --suffix=.tar)
trap 'rm -f "$tree"' EXIT
# The tree as a checkout has it (tracked and new files), without build output.
git ls-files -co --exclude-standard -z | tar --null -T - -cf "$tree"

# The programs that must be on PATH (or at their path) once install-deps.sh ran.
check_programs='
  missing=0
  while read -r program package; do
    case "$program" in ""|"#"*) continue ;; esac
    if ! command -v "$program" >/dev/null 2>&1; then
      echo "fresh-check: $program (Debian package $package) is absent after install-deps.sh" >&2
      missing=1
    fi
  done < scripts/programs.txt
  exit $missing'

start=$(date +%s)
mmdebstrap --variant=minbase --include=ca-certificates,git \
  --aptopt='Acquire::Check-Valid-Until "false"' \
  --customize-hook="mkdir -p \"\$1/src\" && tar -C \"\$1/src\" -xf $tree" \
  --customize-hook='chroot "$1" sh -c "cd /src && ./scripts/install-deps.sh"' \
  --customize-hook="chroot \"\$1\" sh -c 'cd /src && $check_programs'" \
  --customize-hook='chroot "$1" sh -c "cd /src && cmake -S . -B /tmp/fresh-build -G Ninja >/dev/null && rm -rf /tmp/fresh-build"' \
  bookworm "$target" \
  "deb http://deb.debian.org/debian bookworm main" \
  "deb http://deb.debian.org/debian bookworm-updates main" \
  "deb http://deb.debian.org/debian-security bookworm-security main"
echo "fresh-check: a minimal Debian 12 root has every program after install-deps.sh ($(($(date +%s) - start)) s)"
