#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Builds the anycastd .deb: makes a clean copy of the source tree
# (packaging/make-source.sh), puts packaging/debian at ./debian in it and runs
# `dpkg-buildpackage -us -uc -b` there. The .deb, .buildinfo and .changes
# land in OUTDIR (default build-pkg/deb).
#
#   packaging/build-deb.sh [--ref REF] [OUTDIR]
#
# --ref REF builds the tree of a commit (git archive) instead of the working
# tree. Needs the Build-Depends of packaging/debian/control
# (scripts/install-deps.sh installs them). JOBS (default 2) sets the
# parallelism; the build uses ccache when it is installed.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
ref=""
if [ "${1:-}" = "--ref" ]; then
  ref=$2
  shift 2
fi
out=${1:-$top/build-pkg/deb}
mkdir -p "$out"
out=$(cd "$out" && pwd)
rm -f "$out"/anycastd_* "$out"/anycastd-dbgsym_*

if [ -n "$ref" ]; then
  src=$("$top/packaging/make-source.sh" --ref "$ref" "$out")
else
  src=$("$top/packaging/make-source.sh" "$out")
fi
cp -r "$src/packaging/debian" "$src/debian"

# debhelper gives the build a scratch HOME: name ccache's real cache so that
# the objects of the last build are reused (the source path stays the same).
if [ -z "${CCACHE_DIR:-}" ] && command -v ccache >/dev/null; then
  CCACHE_DIR=$(ccache --get-config cache_dir)
  export CCACHE_DIR
fi
export DEB_BUILD_OPTIONS="parallel=${JOBS:-2} ${DEB_BUILD_OPTIONS:-}"
(cd "$src" && dpkg-buildpackage -us -uc -b)
ls "$out"/anycastd_*.deb
