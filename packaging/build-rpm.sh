#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Builds the anycastd RPM with rpmbuild: a source tarball from
# packaging/make-source.sh, then `rpmbuild -bb packaging/rpm/anycastd.spec`
# in OUTDIR (default build-pkg/rpm); the package lands in OUTDIR/RPMS/.
#
#   packaging/build-rpm.sh [--ref REF] [OUTDIR]
#
# On Debian (the `rpm` package) rpm's database knows none of the
# BuildRequires, so they are not checked (--nodeps): install them with
# scripts/install-deps.sh. On an RPM distribution, set RPM_NODEPS= to have
# rpmbuild check them. No debuginfo package on Debian (no find-debuginfo).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
ref=""
if [ "${1:-}" = "--ref" ]; then
  ref=$2
  shift 2
fi
out=${1:-$top/build-pkg/rpm}
mkdir -p "$out/SOURCES"
out=$(cd "$out" && pwd)

version=$(sed -n 's/^project(anycastd VERSION \([0-9.]*\).*/\1/p' "$top/CMakeLists.txt")
spec_version=$(sed -n 's/^Version: *//p' "$top/packaging/rpm/anycastd.spec")
if [ "$version" != "$spec_version" ]; then
  echo "$0: CMakeLists.txt says $version, anycastd.spec says $spec_version" >&2
  exit 1
fi
if [ -n "$ref" ]; then
  "$top/packaging/make-source.sh" --ref "$ref" --tarball "$out/SOURCES" >/dev/null
else
  "$top/packaging/make-source.sh" --tarball "$out/SOURCES" >/dev/null
fi

set -- --define "_topdir $out" --define "_smp_mflags -j${JOBS:-2}"
if [ -f /etc/debian_version ]; then
  set -- "$@" --define "debug_package %{nil}"
fi
# Unquoted on purpose: RPM_NODEPS= (empty) passes no option at all.
# shellcheck disable=SC2086
rpmbuild -bb ${RPM_NODEPS---nodeps} "$@" "$top/packaging/rpm/anycastd.spec"
ls "$out"/RPMS/*/anycastd-"$version"-*.rpm
