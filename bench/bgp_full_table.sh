#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Full-table benchmark for the BGP speaker: a generated peer sends 1,000,000
# IPv4 prefixes to anycastd, and the same feed to BIRD 2, in network
# namespaces; prints session state, RSS growth, time and prefix rate side by
# side, and the withdraw latency after the bus event. Needs root.
#
#   bench/bgp_full_table.sh [BUILD_DIR]     (default: build-bgp-release, built here)
#   BGP_BENCH_PREFIXES=100000 bench/bgp_full_table.sh   # a smaller table
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build-bgp-release}
if [ ! -x "$build/daemon/anycastd" ]; then
  cmake -S "$src" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DANYCASTD_TESTS=OFF >/dev/null
  ninja -C "$build" -j2 anycastd anycastctl
fi
echo "anycastd: $build/daemon/anycastd ($(grep -m1 CMAKE_BUILD_TYPE: "$build/CMakeCache.txt" | cut -d= -f2))"
ANYCASTD_BUILD=$build exec /usr/bin/python3 "$src/bench/bgp_full_table.py"
