#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Builds every libFuzzer target (tests/fuzz/*_fuzz.cpp) with clang, ASan and
# UBSan, and runs each for FUZZ_SECONDS (default 20) from its seeds:
# tests/fuzz/corpus/<dir> for every <dir> that starts the target's name
# (corpus/rip seeds rip_packet_fuzz). The committed corpus is not modified.
# A crash fails the run and leaves the reproducer in build-fuzz/crashes/.
set -eu
cd "$(dirname "$0")/.."
SECONDS_EACH=${FUZZ_SECONDS:-20}
JOBS=${JOBS:-2}

CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DANYCASTD_FUZZ=ON >/dev/null
targets=$(for f in tests/fuzz/*_fuzz.cpp; do basename "$f" .cpp; done)
# shellcheck disable=SC2086
ninja -C build-fuzz -j"$JOBS" $targets

mkdir -p build-fuzz/crashes
for target in $targets; do
  work=$(mktemp -d)
  for dir in tests/fuzz/corpus/*/; do
    seeds=$(basename "$dir")
    case "$target" in "$seeds"*) cp "$dir"* "$work"/ 2>/dev/null || true ;; esac
  done
  printf '== fuzz %s (%ss, %s seeds)\n' "$target" "$SECONDS_EACH" "$(ls "$work" | wc -l)"
  if ! "build-fuzz/tests/$target" -max_total_time="$SECONDS_EACH" -print_final_stats=0 \
      -artifact_prefix=build-fuzz/crashes/ "$work" > "build-fuzz/$target.log" 2>&1; then
    tail -40 "build-fuzz/$target.log"
    rm -rf "$work"
    echo "fuzz $target: FAILED (reproducer in build-fuzz/crashes/)"
    exit 1
  fi
  grep -E '^#[0-9]+.*DONE' "build-fuzz/$target.log" | tail -1 || true
  rm -rf "$work"
done
echo "fuzz: every target ran clean"
