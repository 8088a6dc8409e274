#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Packaging test (scripts/test.sh): builds the RPM (packaging/build-rpm.sh,
# rpmbuild --nodeps on Debian), checks its file list, config file, scripts
# and ownership, unpacks it and runs the installed anycastd --check on the
# shipped /etc/anycastd.toml. ANYCASTD_RPM=path/to.rpm checks a package built
# before instead.
set -eu
cd "$(dirname "$0")/../.."
out=${ANYCASTD_RPM_OUT:-build-pkg/rpm}
mkdir -p "$out"
out=$(cd "$out" && pwd)

fail() {
  echo "test_rpm: FAIL: $*" >&2
  exit 1
}

rpm=${ANYCASTD_RPM:-}
if [ -z "$rpm" ]; then
  log=$out/build.log
  echo "== building the RPM (log: $log)"
  if ! packaging/build-rpm.sh "$out" >"$log" 2>&1; then
    tail -40 "$log" >&2
    fail "packaging/build-rpm.sh failed"
  fi
  rpm=$(ls "$out"/RPMS/*/anycastd-[0-9]*.rpm)
fi
rpm=$(cd "$(dirname "$rpm")" && pwd)/$(basename "$rpm")
echo "== checking $rpm"

files=$(rpm -qlp "$rpm" 2>/dev/null)
for f in /usr/sbin/anycastd /usr/bin/anycastctl /etc/anycastd.toml \
  /usr/lib/systemd/system/anycastd.service /usr/lib/sysusers.d/anycastd.conf \
  /usr/share/man/man8/anycastd.8 /usr/share/man/man8/anycastctl.8 \
  /usr/share/bash-completion/completions/anycastctl \
  /usr/share/man/man5/anycastd.toml.5 /usr/share/doc/anycastd/examples/xenial-lab.toml; do
  # Man pages are compressed on RPM distributions, not by Debian's rpm.
  echo "$files" | grep -qxE "$f(\.gz)?" || fail "$f is not in the RPM"
done
rpm -qp --configfiles "$rpm" 2>/dev/null | grep -qx /etc/anycastd.toml ||
  fail "/etc/anycastd.toml is not %config"
rpm -qp --qf '[%{FILENAMES} %{FILEMODES:perms} %{FILEGROUPNAME}\n]' "$rpm" 2>/dev/null |
  grep -qx '/etc/anycastd.toml -rw-r----- anycastd' ||
  fail "/etc/anycastd.toml is not mode 0640 group anycastd"
rpm -qp --scripts "$rpm" 2>/dev/null | grep -q 'useradd -r -g anycastd' ||
  fail "%pre does not create the anycastd user"

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
(cd "$root" && rpm2cpio "$rpm" | cpio -idm --quiet)
"$root/usr/sbin/anycastd" -c "$root/etc/anycastd.toml" --check ||
  fail "the shipped /etc/anycastd.toml does not pass anycastd --check"
echo "test_rpm: OK"
