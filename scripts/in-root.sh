#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Runs a command of the tree inside a root made by `scripts/fresh-check.sh DIR`,
# as a new user on a fresh machine would: the current tree is copied to
# DIR/src, /proc, /sys, /dev and a fresh /run are mounted, and the command
# runs there as root (namespaces, FRR and BIRD work in such a chroot).
#
#   scripts/fresh-check.sh /var/tmp/root && scripts/in-root.sh /var/tmp/root scripts/demo.sh
set -eu
cd "$(dirname "$0")/.."
root=$1
shift
[ -x "$root/bin/sh" ] || { echo "in-root: $root is not a root from fresh-check.sh" >&2; exit 1; }
# The sources are replaced; a build/ from an earlier run stays, as on a
# developer's machine (remove DIR/src/build for a cold build).
mkdir -p "$root/src"
find "$root/src" -mindepth 1 -maxdepth 1 ! -name build -exec rm -rf {} +
# With .git: scripts/test.sh (fresh-check.sh) lists the tree with git, as in a clone.
{ git ls-files -co --exclude-standard -z; printf '.git\0'; } | tar --null -T - -cf - | tar -C "$root/src" -xf -
git rev-parse HEAD > "$root/src/.commit" 2>/dev/null || true
cleanup() {
  umount -R -l "$root" 2>/dev/null || true
}
trap cleanup EXIT
# The root is a mount point of its own: `ip netns exec` remounts / as a slave.
mount --bind "$root" "$root"
mount -t proc proc "$root/proc"
mount --rbind /sys "$root/sys"
mount --rbind /dev "$root/dev"
mount -t tmpfs tmpfs "$root/run"
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
# A machine that has booted once has a machine ID (systemd writes it on the
# first boot); a root that never booted has an empty file, and
# systemd-nspawn (tests/packaging/test_systemd.sh) refuses to run without one.
if [ ! -s "$root/etc/machine-id" ]; then
  systemd-machine-id-setup --root="$root" >/dev/null
fi
start=$(date +%s)
status=0
chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root TERM=dumb \
  sh -c 'cd /src && exec "$@"' sh "$@" || status=$?
echo "in-root: $* exited $status after $(($(date +%s) - start)) s"
exit $status
