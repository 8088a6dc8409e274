#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Packaging test (scripts/test.sh): builds the .deb (packaging/build-deb.sh),
# then checks
#   * its file list, conffiles, dependencies and maintainer scripts;
#   * that the binaries unpacked into a scratch root (dpkg -x) run, and that
#     the installed anycastd --check accepts the shipped /etc/anycastd.toml
#     and the xenial lab example;
#   * lintian: no errors;
#   * the installed unit: systemd-analyze verify clean, and
#     systemd-analyze security exposure <= 2.0;
#   * the installed man pages: man --warnings silent.
# ANYCASTD_DEB=path/to.deb checks a package built before instead.
set -eu
cd "$(dirname "$0")/../.."
out=${ANYCASTD_PKG_OUT:-build-pkg/deb}
mkdir -p "$out"
out=$(cd "$out" && pwd)

fail() {
  echo "test_deb: FAIL: $*" >&2
  exit 1
}

deb=${ANYCASTD_DEB:-}
if [ -z "$deb" ]; then
  log=$out/build.log
  echo "== building the .deb (log: $log)"
  if ! packaging/build-deb.sh "$out" >"$log" 2>&1; then
    tail -40 "$log" >&2
    fail "packaging/build-deb.sh failed"
  fi
  deb=$(ls "$out"/anycastd_*.deb)
fi
echo "== checking $deb"

# --- contents -------------------------------------------------------------
contents=$(dpkg-deb -c "$deb" | awk '{print $6}' | sed 's,^\.,,')
for f in /usr/sbin/anycastd /usr/bin/anycastctl /etc/anycastd.toml \
  /lib/systemd/system/anycastd.service /usr/lib/sysusers.d/anycastd.conf \
  /usr/share/man/man8/anycastd.8.gz /usr/share/man/man8/anycastctl.8.gz \
  /usr/share/man/man5/anycastd.toml.5.gz /usr/share/bash-completion/completions/anycastctl \
  /usr/share/doc/anycastd/examples/xenial-lab.toml /usr/share/doc/anycastd/PROTOCOL.md \
  /usr/share/doc/anycastd/README.Debian /usr/share/doc/anycastd/copyright; do
  # dh_compress gzips documents over 4 KiB (PROTOCOL.md).
  echo "$contents" | grep -qxE "$f(\.gz)?" || fail "$f is not in the package"
done
if echo "$contents" | grep -E '^/usr/(local|etc|include)/|/usr/lib/systemd/system/|\.a$'; then
  fail "files in the wrong place (above)"
fi

control=$(mktemp -d)
root=$(mktemp -d)
trap 'rm -rf "$control" "$root"' EXIT
dpkg-deb -e "$deb" "$control"
grep -qx /etc/anycastd.toml "$control/conffiles" || fail "/etc/anycastd.toml is not a conffile"
grep -q 'systemd-sysusers.*anycastd.conf' "$control/postinst" ||
  fail "postinst does not create the anycastd user (systemd-sysusers)"
grep -q 'chgrp anycastd /etc/anycastd.toml' "$control/postinst" ||
  fail "postinst does not give /etc/anycastd.toml to group anycastd"
# The example config is not a working site config: installed, not started.
if grep -q 'deb-systemd-invoke.*start' "$control/postinst"; then
  fail "postinst starts the service"
fi
dpkg-deb -f "$deb" Depends | grep -q 'systemd-sysusers' ||
  fail "Depends lacks a systemd-sysusers provider"

# --- the installed files work ---------------------------------------------
dpkg -x "$deb" "$root"
version=$(dpkg-deb -f "$deb" Version | sed 's/-[^-]*$//')
"$root/usr/sbin/anycastd" --version | grep -qx "anycastd $version" ||
  fail "anycastd --version does not say $version"
"$root/usr/bin/anycastctl" --version | grep -q "$version" || fail "anycastctl --version"
"$root/usr/sbin/anycastd" -c "$root/etc/anycastd.toml" --check ||
  fail "the shipped /etc/anycastd.toml does not pass anycastd --check"
"$root/usr/sbin/anycastd" -c "$root/usr/share/doc/anycastd/examples/xenial-lab.toml" --check ||
  fail "the xenial lab example does not pass anycastd --check"
# What the postinst runs, in the scratch root: the user and group appear.
mkdir -p "$root/etc"
systemd-sysusers --root="$root" anycastd.conf >/dev/null 2>&1 ||
  fail "systemd-sysusers cannot apply /usr/lib/sysusers.d/anycastd.conf"
grep -q '^anycastd:x:[0-9]*:[0-9]*:[^:]*:/var/lib/anycastd:/usr/sbin/nologin$' "$root/etc/passwd" ||
  fail "sysusers made no system user anycastd"
grep -q '^anycastd:x:' "$root/etc/group" || fail "sysusers made no group anycastd"
set +e
"$root/usr/bin/anycastctl" -s "$root/nothing.sock" status 2>/dev/null
rc=$?
set -e
[ "$rc" -eq 3 ] || fail "anycastctl on a missing socket exits $rc, not 3"

# --- lintian --------------------------------------------------------------
echo "== lintian"
lintian_log=$out/lintian.txt
lintian --fail-on error --display-info "$deb" >"$lintian_log" 2>&1 || {
  cat "$lintian_log" >&2
  fail "lintian reports errors"
}
cat "$lintian_log"

# --- the systemd unit -----------------------------------------------------
echo "== systemd-analyze"
unit=$root/lib/systemd/system/anycastd.service
exposure=$(systemd-analyze security --offline=yes --no-pager "$unit" 2>&1 |
  sed -n 's/.*Overall exposure level for anycastd.service: \([0-9.]*\).*/\1/p')
[ -n "$exposure" ] || fail "systemd-analyze security gave no exposure level"
echo "exposure level $exposure"
awk -v e="$exposure" 'BEGIN { exit !(e <= 2.0) }' || fail "exposure $exposure > 2.0"
# verify looks for the binaries and man pages at their installed paths: show
# it the scratch root's in a private mount namespace (/usr/bin as an overlay:
# ExecReload runs anycastctl, and systemd-analyze itself lives there).
verify_log=$out/verify.txt
if unshare --mount --propagation private true 2>/dev/null; then
  # shellcheck disable=SC2016
  unshare --mount --propagation private sh -c '
    mount --bind "$1/usr/sbin" /usr/sbin &&
    mount -t overlay overlay -o "lowerdir=$1/usr/bin:/usr/bin" /usr/bin &&
    mount --bind "$1/usr/share/man" /usr/share/man &&
    systemd-analyze verify "$2"' sh "$root" "$unit" >"$verify_log" 2>&1 || true
  if [ -s "$verify_log" ]; then
    cat "$verify_log" >&2
    fail "systemd-analyze verify is not clean"
  fi
  echo "systemd-analyze verify: clean"
else
  echo "test_deb: no mount namespaces here; systemd-analyze verify without the man check"
  sed "s,/usr/sbin/anycastd,$root/usr/sbin/anycastd,g; s,/usr/bin/anycastctl,$root/usr/bin/anycastctl,g" \
    "$unit" >"$control/anycastd.service"
  systemd-analyze verify --man=no "$control/anycastd.service" >"$verify_log" 2>&1 || true
  [ ! -s "$verify_log" ] || { cat "$verify_log" >&2; fail "systemd-analyze verify"; }
fi

# --- man pages ------------------------------------------------------------
echo "== man pages"
for page in man8/anycastd.8.gz man8/anycastctl.8.gz man5/anycastd.toml.5.gz; do
  warnings=$(MANWIDTH=80 man --warnings -l "$root/usr/share/man/$page" 2>&1 >/dev/null)
  [ -z "$warnings" ] || fail "man --warnings on $page: $warnings"
done
echo "test_deb: OK"
