#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Live systemd test (scripts/test.sh): boots Debian 12's systemd 252 in a
# container and runs the built .deb's unit under it.
#
#   * a minbase root from mmdebstrap (cached in build-pkg/systemd/root.tar);
#   * the .deb installed with `apt-get install ./anycastd_*.deb`;
#   * booted with `systemd-nspawn -b --register=no --keep-unit`. The host's
#     PID 1 is not systemd, so this script first moves itself into cgroups of
#     its own, and SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1 gives the container a
#     unified (cgroup v2) layout;
#   * commands run inside with nsenter, through systemctl and journalctl.
#
# Checks: the unit is active only after READY=1 (a daemon that fails before
# it never becomes active); journalctl -p warning shows the warnings (the
# daemon's <N> priority prefixes); `systemctl reload` with a broken file
# fails, says why, and keeps the running daemon; a stalled event loop
# (SIGSTOP) is restarted by the watchdog; `systemctl stop` exits cleanly
# within TimeoutStopSec; the hardening applies: systemd-analyze security on
# the live unit, and the running process's user, capabilities, no_new_privs
# and seccomp filter.
#
# ANYCASTD_DEB=path/to.deb uses a package built before; otherwise the one in
# build-pkg/deb (built by test_deb.sh), or a new build.
set -eu
cd "$(dirname "$0")/../.."
top=$(pwd)
cache=$top/build-pkg/systemd
mkdir -p "$cache"

fail() {
  echo "test_systemd: FAIL: $*" >&2
  if [ -n "${leader:-}" ]; then
    echo "--- journalctl -u anycastd" >&2
    ct journalctl -u anycastd --no-pager -n 60 >&2 || true
  fi
  exit 1
}
say() { echo "== $*"; }

[ "$(id -u)" -eq 0 ] || { echo "test_systemd: needs root; skipped"; exit 0; }
for p in mmdebstrap systemd-nspawn nsenter; do
  command -v "$p" >/dev/null || fail "$p is not installed (scripts/install-deps.sh)"
done

deb=${ANYCASTD_DEB:-$(ls "$top"/build-pkg/deb/anycastd_*.deb 2>/dev/null | head -n 1 || true)}
if [ -z "$deb" ]; then
  say "building the .deb"
  packaging/build-deb.sh "$top/build-pkg/deb" >"$cache/build-deb.log" 2>&1 ||
    fail "packaging/build-deb.sh failed (log: $cache/build-deb.log)"
  deb=$(ls "$top"/build-pkg/deb/anycastd_*.deb | head -n 1)
fi

tar=$cache/root.tar
if [ ! -f "$tar" ] || [ ! -s "$tar" ]; then
  say "mmdebstrap: a minbase Debian 12 root with systemd (once; cached in $tar)"
  # --format: mmdebstrap otherwise guesses it from the name, and "*.part"
  # would make a directory.
  rm -rf "$tar" "$tar.part"
  mmdebstrap --variant=minbase --format=tar --include=systemd,systemd-sysv,dbus,libmnl0,iproute2,procps \
    bookworm "$tar.part" >"$cache/mmdebstrap.log" 2>&1 || fail "mmdebstrap failed (log: $cache/mmdebstrap.log)"
  mv "$tar.part" "$tar"
fi

work=$(mktemp -d /var/tmp/anycastd-systemd.XXXXXX)
root=$work/root
machine=acd-systemd-$$
cgroups=""
nspawn=""
leader=""
cleanup() {
  if [ -n "$nspawn" ] && kill -0 "$nspawn" 2>/dev/null; then
    kill -TERM "$nspawn" 2>/dev/null || true # nspawn asks the container's systemd to halt
    i=0
    while kill -0 "$nspawn" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
    kill -KILL "$nspawn" 2>/dev/null || true
  fi
  for cg in $cgroups; do
    echo $$ >"$(dirname "$cg")/cgroup.procs" 2>/dev/null || true
    find "$cg" -depth -type d -exec rmdir {} \; 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

# --- our own cgroups --------------------------------------------------------
# nspawn puts the container below the cgroup it runs in and will not use the
# root of a hierarchy; without a systemd on the host nobody made one for us.
if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
  hierarchies=/sys/fs/cgroup # pure cgroup v2
else
  hierarchies="/sys/fs/cgroup/unified /sys/fs/cgroup/systemd" # hybrid
fi
for h in $hierarchies; do
  [ -d "$h" ] || continue
  mkdir -p "$h/$machine"
  cgroups="$h/$machine $cgroups"
  echo $$ >"$h/$machine/cgroup.procs" || fail "cannot move into $h/$machine"
done

say "unpacking the root and installing $(basename "$deb")"
mkdir "$root"
tar -C "$root" -xf "$tar"
cp "$deb" "$root/root/"  # not /tmp: nspawn mounts a tmpfs there
export SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1
systemd-nspawn -q -D "$root" --register=no --keep-unit --private-network \
  --chdir=/root sh -c "apt-get install -y -q /root/$(basename "$deb")" >"$work/install.log" 2>&1 ||
  { cat "$work/install.log" >&2; fail "apt-get install ./$(basename "$deb") failed"; }

# --- boot -------------------------------------------------------------------
say "booting systemd in the container"
systemd-nspawn -q -D "$root" -b --register=no --keep-unit --private-network -M "$machine" \
  >"$work/console.log" 2>&1 &
nspawn=$!
# The container's PID 1: systemd-nspawn's child.
find_leader() { pgrep -P "$nspawn" -x systemd || true; }
ct() { nsenter -t "$leader" -m -u -i -n -p -- "$@"; }
i=0
while [ -z "$leader" ]; do
  kill -0 "$nspawn" 2>/dev/null || { cat "$work/console.log" >&2; fail "systemd-nspawn exited"; }
  [ $i -lt 300 ] || fail "the container's systemd did not start"
  sleep 0.1
  i=$((i + 1))
  leader=$(find_leader)
done
i=0
until ct test -S /run/systemd/private; do
  [ $i -lt 300 ] || fail "the container's systemd did not open its private bus"
  sleep 0.1
  i=$((i + 1))
done
state=$(ct timeout 60 systemctl is-system-running --wait 2>&1 || true)
ct systemctl --version | head -n 1
echo "system state: $state"
case $state in running | degraded) ;; *) fail "the container did not boot: $state" ;; esac

prop() { ct systemctl show -p "$1" --value anycastd; }

# --- READY=1 ----------------------------------------------------------------
config=$root/etc/anycastd.toml
write_config() {
  cat >"$config" <<CONF
[daemon]
router_id = "198.18.0.1"
$1

[metrics]
listen = "127.0.0.1:9273"

[[service]]
name = "web"
prefixes = ["198.19.224.2/32"]
interval = "500ms"
timeout = "300ms"

  [[service.check]]
  type = "exec"
  command = ["/bin/true"]
CONF
}

say "a daemon that fails before READY=1 never becomes active"
# The control socket under /usr: read-only (ProtectSystem=strict), so the
# daemon exits after its config was accepted, before READY=1.
write_config 'control_socket = "/usr/lib/anycastd/anycastd.sock"'
if ct systemctl start anycastd 2>/dev/null; then fail "start succeeded without READY=1"; fi
[ "$(prop ActiveEnterTimestampMonotonic)" = 0 ] || fail "the unit was active without READY=1"
ct journalctl -u anycastd --no-pager | grep -q "cannot start" || fail "no 'cannot start' line"
ct systemctl reset-failed anycastd

say "start: active after READY=1"
write_config ""
ct systemctl start anycastd || fail "systemctl start anycastd failed"
[ "$(prop ActiveState)" = active ] || fail "not active after start"
[ "$(prop Type)" = notify ] || fail "Type is not notify"
status=$(prop StatusText)
echo "StatusText: $status"
echo "$status" | grep -q "services" || fail "no STATUS= from the daemon"
# systemd logs "Started" only on READY=1, after the daemon's own start-up lines.
ct journalctl -u anycastd --no-pager -o cat >"$work/journal.txt"
started=$(grep -n "^Started anycastd" "$work/journal.txt" | tail -n 1 | cut -d: -f1)
loopback=$(grep -n "router-id" "$work/journal.txt" | tail -n 1 | cut -d: -f1)
if [ -z "$started" ] || [ -z "$loopback" ] || [ "$loopback" -gt "$started" ]; then
  fail "'Started' is not after the daemon's start-up lines"
fi

say "journald priorities"
ct journalctl -u anycastd -p warning --no-pager -o cat | grep -q "no routing protocol configured" ||
  fail "journalctl -p warning does not show the daemon's warning"
if ct journalctl -u anycastd -p warning --no-pager -o cat | grep -q "router-id"; then
  fail "journalctl -p warning shows an info line"
fi
ct journalctl -u anycastd -p info --no-pager -o cat | grep -q "router-id" ||
  fail "journalctl -p info lacks the info lines"

ct anycastctl services | grep -qx web || fail "anycastctl services does not list web"

# --- reload -----------------------------------------------------------------
say "reload with a broken file fails, says why, keeps the daemon"
pid=$(prop MainPID)
printf '[daemon]\nlog_level = "loud"\n' >"$config"
if ct systemctl reload anycastd 2>"$work/reload.err"; then fail "reload of a broken file succeeded"; fi
ct journalctl -u anycastd --no-pager -o cat | grep "reload rejected" | tail -n 3
ct journalctl -u anycastd --no-pager -o cat |
  grep -q 'anycastctl: reload rejected, keeping the running config: /etc/anycastd.toml:2:13:' ||
  fail "the reload's failure does not say why"
[ "$(prop ActiveState)" = active ] || fail "not active after a rejected reload: $(prop ActiveState)"
[ "$(prop MainPID)" = "$pid" ] || fail "the daemon was restarted by a rejected reload"
write_config ""
ct systemctl reload anycastd || fail "reload of a good file failed"
[ "$(prop ActiveState)" = active ] || fail "not active after a reload: $(prop ActiveState)"

# --- hardening --------------------------------------------------------------
say "hardening of the running unit"
ct systemd-analyze security --no-pager anycastd >"$work/security.txt" 2>&1 || true
exposure=$(sed -n 's/.*Overall exposure level for anycastd.service: \([0-9.]*\).*/\1/p' "$work/security.txt")
echo "live exposure level: $exposure"
[ -n "$exposure" ] || { cat "$work/security.txt" >&2; fail "systemd-analyze security failed"; }
awk -v e="$exposure" 'BEGIN { exit !(e <= 2.0) }' || fail "exposure $exposure > 2.0"
pid=$(prop MainPID)
ct cat "/proc/$pid/status" >"$work/status.txt"
field() { sed -n "s/^$1:[[:space:]]*//p" "$work/status.txt"; }
uid=$(field Uid | awk '{print $2}')
[ "$(ct id -un "$uid")" = anycastd ] || fail "runs as uid $uid, not anycastd"
# CAP_NET_BIND_SERVICE (10), CAP_NET_ADMIN (12), CAP_NET_RAW (13): 0x3400.
[ "$(field CapEff)" = 0000000000003400 ] || fail "effective capabilities $(field CapEff), not 3400"
[ "$(field CapBnd)" = 0000000000003400 ] || fail "bounding set $(field CapBnd), not 3400"
[ "$(field CapAmb)" = 0000000000000000 ] || fail "ambient capabilities $(field CapAmb) left set"
[ "$(field NoNewPrivs)" = 1 ] || fail "no_new_privs is not set"
[ "$(field Seccomp)" = 2 ] || fail "no seccomp filter"
ct nsenter -t "$pid" -m sh -c 'touch /usr/x' 2>/dev/null && fail "/usr is writable for the daemon"
echo "uid anycastd, CapEff/CapBnd 3400, CapAmb 0, NoNewPrivs 1, Seccomp 2, /usr read-only"
# Directives systemd could not apply in this container would show up as its
# own complaints about the unit; there are none to excuse (systemd 252 under
# nspawn applies every one, namespaces, seccomp and capabilities included).
if ct journalctl -u anycastd --no-pager -o cat | grep -Ei "not supported|ignoring|failed to set up|Operation not permitted"; then
  fail "systemd could not apply some directive of the unit (above)"
fi
echo "what the unit leaves open (systemd-analyze security, the unset items):"
grep '✗' "$work/security.txt" | sed 's/^/  /' || true

# --- watchdog ---------------------------------------------------------------
say "a stalled event loop (SIGSTOP) is restarted by the watchdog"
restarts=$(prop NRestarts)
ct kill -STOP "$pid"
t0=$(date +%s)
while [ "$(prop MainPID)" = "$pid" ] || [ "$(prop ActiveState)" != active ]; do
  [ $(($(date +%s) - t0)) -lt 60 ] || fail "no restart 60 s after SIGSTOP (WatchdogSec=$(prop WatchdogUSec))"
  sleep 0.2
done
[ "$(prop NRestarts)" -gt "$restarts" ] || fail "NRestarts did not grow"
ct journalctl -u anycastd --no-pager -o cat | grep -q "Watchdog timeout" ||
  fail "the journal does not say the watchdog fired"
echo "restarted $(($(date +%s) - t0)) s after SIGSTOP (WatchdogSec=$(prop WatchdogUSec)): MainPID $(prop MainPID)"

# --- stop -------------------------------------------------------------------
say "systemctl stop exits cleanly within TimeoutStopSec"
limit=$(prop TimeoutStopUSec)
t0=$(date +%s%N)
ct systemctl stop anycastd
t1=$(date +%s%N)
ms=$(((t1 - t0) / 1000000))
echo "stopped in ${ms} ms (TimeoutStopSec=$limit)"
[ "$(prop Result)" = success ] || fail "stop result $(prop Result)"
[ "$(prop ExecMainStatus)" = 0 ] || fail "exit status $(prop ExecMainStatus)"
[ "$ms" -lt 10000 ] || fail "stop took ${ms} ms"
ct journalctl -u anycastd --no-pager -o cat | grep -q "^stopped$\|info: stopped" ||
  fail "no 'stopped' line"
echo "test_systemd: OK"
