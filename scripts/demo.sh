#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# README command 1: on a fresh Debian 12 machine, as root. Installs the
# dependencies, builds anycastd into build/, and runs the seed's xenial lab
# (shared/seeds/002) in network namespaces: FRR ripd routers, unbound and
# anycastd on the DNS servers, dig on the clients. Shows the failover when
# unbound dies and comes back, then the seed's own set-up (ripd on the
# server) not failing over. Under ~3 minutes once built.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -ne 0 ]; then
  echo "demo.sh: needs root for network namespaces; run: sudo $0" >&2
  exit 2
fi

# Whatever happens (error, Ctrl-C, kill), nothing of the lab stays behind.
# xenial_lab.py cleans up itself; this catches what it could not.
cleanup() {
  for ns in $(ip netns list 2>/dev/null | awk '$1 ~ /^xl-/ {print $1}'); do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
    ip netns del "$ns" 2>/dev/null || true
    rm -rf "/var/run/frr/$ns"
  done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "== installing dependencies (scripts/install-deps.sh)"
./scripts/install-deps.sh

echo "== building anycastd into build/ (RelWithDebInfo, ninja -j${JOBS:-2})"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
ninja -C build -j"${JOBS:-2}" anycastd anycastctl

python3 scripts/xenial_lab.py --build build "$@"
