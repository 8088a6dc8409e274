#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Runs every test: formatting, the fresh-root check of install-deps.sh,
# unit tests (normal build), unit tests under ASan+UBSan, every libFuzzer
# target for a short run, the integration tests in network namespaces
# (root) and the package tests. This is README command 2 and what .ci/run
# calls.
set -eu
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
JOBS=${JOBS:-2}

echo "== formatting (clang-format, the repo's .clang-format)"
unformatted=$(git ls-files '*.cpp' '*.hpp' | xargs clang-format --dry-run -Werror 2>&1 | \
  grep -o '^[^:]*\.[ch]pp' | sort -u || true)
if [ -n "$unformatted" ]; then
  echo "not clang-formatted (run clang-format -i on them):" $unformatted >&2
  exit 1
fi

echo "== licence: an SPDX line in every source file"
unlicensed=$(git ls-files '*.cpp' '*.hpp' '*.py' '*.sh' '*.cmake' 'CMakeLists.txt' '*/CMakeLists.txt' | \
  while read -r f; do head -n 3 "$f" | grep -q 'SPDX-License-Identifier: Apache-2.0' || echo "$f"; done)
if [ -n "$unlicensed" ]; then
  echo "no 'SPDX-License-Identifier: Apache-2.0' in the first 3 lines:" $unlicensed >&2
  exit 1
fi

echo "== a fresh minimal Debian 12 root gets every program from install-deps.sh"
./scripts/fresh-check.sh

cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
ninja -C build -j"$JOBS"

cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DANYCASTD_SANITIZE=ON >/dev/null
ninja -C build-asan -j"$JOBS"
echo "== unit tests under ASan+UBSan"
(cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest -L unit --output-on-failure -j"$JOBS")

echo "== fuzz targets"
./scripts/fuzz.sh

echo "== unit and integration tests"
(cd build && ctest --output-on-failure)

# The packages: one more Release build each (ccache, JOBS), then checks of
# what they install (tests/packaging/).
echo "== packaging"
./tests/packaging/test_deb.sh
./tests/packaging/test_rpm.sh
# The .deb that test_deb.sh built, installed and run under a real systemd.
./tests/packaging/test_systemd.sh
