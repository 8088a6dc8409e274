# SPDX-License-Identifier: Apache-2.0
"""Least privilege (spec §4): anycastd started as the systemd unit starts it —
user anycastd, only CAP_NET_ADMIN, CAP_NET_RAW and CAP_NET_BIND_SERVICE as
ambient and bounding capabilities (setpriv stands in for systemd) — adds its
loopback address, serves the control socket to root and group anycastd
only, writes its state file, and opens the sockets of every protocol this
build has: RIP on UDP 520 bound to the veth, OSPF raw IP protocol 89, BGP
listening on TCP 179."""

import grp
import json
import os
import pwd
import signal
import stat
from pathlib import Path

import pytest

import lab
from lab import wait_until

USER = "anycastd"
ANYCAST = "198.19.224.2"
SERVER, PEER = "198.18.7.2", "198.18.7.1"
# capability(7) numbers.
CAP_NET_BIND_SERVICE, CAP_NET_ADMIN, CAP_NET_RAW = 10, 12, 13
WANTED_CAPS = (1 << CAP_NET_BIND_SERVICE) | (1 << CAP_NET_ADMIN) | (1 << CAP_NET_RAW)
CAPS = "net_admin,net_raw,net_bind_service"
# What systemd does for User=anycastd, AmbientCapabilities= and
# CapabilityBoundingSet= in systemd/anycastd.service.
SETPRIV = ["setpriv", "--reuid", USER, "--regid", USER, "--init-groups",
           "--inh-caps", "+" + CAPS.replace(",", ",+"),
           "--ambient-caps", "+" + CAPS.replace(",", ",+"),
           "--bounding-set", "-all,+" + CAPS.replace(",", ",+")]

BASE = f"""
[daemon]
router_id = "{SERVER}"
control_socket = "@RUN@/anycastd.sock"
state_file = "@STATE@/state.json"
log_level = "debug"

[[service]]
name = "dns"
prefixes = ["{ANYCAST}/32"]
interval = "200ms"
timeout = "100ms"

  [[service.check]]
  type = "exec"
  command = ["/bin/true"]

  # Records what an exec check inherits.
  [[service.check]]
  type = "exec"
  command = ["/bin/sh", "-c", "grep ^Cap /proc/self/status > @STATE@/check-caps.txt"]

[rip]
interfaces = ["veth-srv"]
update_interval = "5s"
"""

OSPF = """
[ospf]
area = "0.0.0.0"

  [[ospf.interface]]
  name = "veth-srv"
  hello_interval = "1s"
  dead_interval = "4s"
"""

BGP = f"""
[bgp]
asn = 65101

  [[bgp.neighbor]]
  address = "{PEER}"
  remote_asn = 65001
"""


@pytest.fixture(scope="module")
def user():
    """The system user and group of the packages, made if missing."""
    try:
        pwd.getpwnam(USER)
    except KeyError:
        lab.run("useradd", "--system", "--user-group", "--no-create-home", "--home-dir",
                "/var/lib/anycastd", "--shell", "/usr/sbin/nologin", USER)
    return pwd.getpwnam(USER)


def supported(workdir, name, section):
    """Whether this build has the protocol of `section` (its --check does not
    call it unsupported)."""
    path = Path(workdir) / f"probe-{name}.toml"
    path.write_text(BASE.replace("@RUN@", "/run/x").replace("@STATE@", "/var/lib/x") + section)
    r = lab.run(lab.ANYCASTD, "-c", path, "--check", check=False)
    assert "not supported by this build" in r.stderr or r.returncode == 0, r.stderr
    return "not supported by this build" not in r.stderr


def owned_dir(path, user, mode=0o750):
    """A directory like systemd's RuntimeDirectory=/StateDirectory=."""
    path.mkdir(mode=mode)
    os.chown(path, user.pw_uid, user.pw_gid)
    os.chmod(path, mode)
    return path


def proc_status(pid):
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.split()
    return fields


def sockets(ns, table):
    """Rows of /proc/net/<table> as seen inside `ns`: (local port, state, row)."""
    rows = []
    for line in ns.exec("cat", f"/proc/net/{table}").stdout.splitlines()[1:]:
        cols = line.split()
        rows.append((int(cols[1].split(":")[1], 16), cols[3], cols))
    return rows


def test_runs_with_only_three_capabilities(user, namespaces, workdir):
    ospf = supported(workdir, "ospf", OSPF)
    bgp = supported(workdir, "bgp", BGP)
    srv = namespaces("srv")
    peer = namespaces("peer")
    lab.veth(srv, "veth-srv", f"{SERVER}/24", peer, "veth-peer", f"{PEER}/24")

    run_dir = owned_dir(Path(workdir) / "run", user)
    state_dir = owned_dir(Path(workdir) / "state", user)
    config = Path(workdir) / "anycastd.toml"
    config.write_text((BASE + (OSPF if ospf else "") + (BGP if bgp else ""))
                      .replace("@RUN@", str(run_dir)).replace("@STATE@", str(state_dir)))
    socket = run_dir / "anycastd.sock"
    log = Path(workdir) / "anycastd.log"

    # The unit's ExecStartPre=, as the unprivileged user.
    r = lab.run(*SETPRIV, lab.ANYCASTD, "-c", config, "--check", check=False)
    assert r.returncode == 0, r.stderr

    proc = srv.popen(*SETPRIV, lab.ANYCASTD, "-c", config, log=log)
    wait_until(lambda: socket.exists() or proc.poll() is not None, 10, what="the control socket")
    assert proc.poll() is None, f"anycastd exited: {log.read_text()}"

    # `ip netns exec` and setpriv exec, so the pid is the daemon's.
    status = proc_status(proc.pid)
    assert status["Name"] == ["anycastd"]
    assert [int(u) for u in status["Uid"]] == [user.pw_uid] * 4
    assert [int(g) for g in status["Gid"]] == [user.pw_gid] * 4
    for key in ("CapEff", "CapPrm", "CapBnd"):
        assert int(status[key][0], 16) == WANTED_CAPS, f"{key} {status[key][0]}"
    # The daemon clears its ambient set, so that exec checks do not inherit them.
    assert int(status["CapAmb"][0], 16) == 0
    assert status["NoNewPrivs"] == ["0"]  # setpriv does not set it; systemd does

    # CAP_NET_ADMIN: the anycast address is on lo.
    wait_until(lambda: f"{ANYCAST}/32" in srv.addresses(), 5, what="the anycast address on lo")

    # The control socket: mode 0660, the daemon's group.
    st = os.stat(socket)
    assert stat.S_IMODE(st.st_mode) == 0o660
    assert st.st_uid == user.pw_uid and st.st_gid == user.pw_gid

    def ctl(*args, as_user=None):
        prefix = []
        if as_user:
            prefix = ["setpriv", "--reuid", as_user[0], "--regid", as_user[1], "--clear-groups"]
        return lab.run(*prefix, lab.ANYCASTCTL, "-s", socket, *args, check=False)

    def service_up():
        r = ctl("status", "--json")
        return r.returncode == 0 and json.loads(r.stdout)["services"][0]["state"] == "up"

    wait_until(service_up, 10, what="dns up (exec check as user anycastd)")
    # Root, and any member of group anycastd, may use anycastctl; others may not.
    assert ctl("status", as_user=("nobody", USER)).returncode == 0
    nogroup = grp.getgrgid(pwd.getpwnam("nobody").pw_gid).gr_name
    r = ctl("status", as_user=("nobody", nogroup))
    assert r.returncode == 3, r.stderr
    assert "run as root or as a member of the daemon's group" in r.stderr

    check_caps = dict(line.split(":\t") for line in
                      (state_dir / "check-caps.txt").read_text().splitlines())
    for key in ("CapEff", "CapPrm", "CapAmb"):
        assert int(check_caps[key], 16) == 0, f"exec check has {key} {check_caps[key]}"

    # The state file is written by the unprivileged daemon.
    assert ctl("withdraw", "dns").returncode == 0
    state = state_dir / "state.json"
    assert json.loads(state.read_text())["withdrawn"] == ["dns"]
    assert os.stat(state).st_uid == user.pw_uid
    assert ctl("announce", "dns").returncode == 0

    status_json = json.loads(ctl("status", "--json").stdout)
    # CAP_NET_BIND_SERVICE + CAP_NET_RAW: RIP's UDP 520 socket bound to the veth.
    udp520 = [cols for port, _, cols in sockets(srv, "udp") if port == 520]
    assert udp520, "no UDP socket on port 520"
    ss = srv.exec("ss", "-Hunap", "sport", "=", ":520").stdout
    assert "%veth-srv:520" in ss, ss
    wait_until(lambda: json.loads(ctl("status", "--json").stdout)["protocols"]["rip"]
               ["interfaces"][0]["sent"] > 0, 10, what="a RIP packet sent on veth-srv")

    if ospf:
        # CAP_NET_RAW: a raw socket for IP protocol 89.
        assert any(port == 89 for port, _, _ in sockets(srv, "raw")), "no raw socket for OSPF"
        assert "ospf" in status_json["protocols"]
    if bgp:
        # CAP_NET_BIND_SERVICE: listening on TCP 179 (state 0A = LISTEN).
        assert any(port == 179 and state == "0A" for port, state, _ in sockets(srv, "tcp")), \
            "BGP does not listen on TCP 179"
        assert "bgp" in status_json["protocols"]

    # SIGTERM: graceful stop, exit 0; the address stays on lo.
    assert lab.stop(proc, signal.SIGTERM) == 0, log.read_text()
    assert f"{ANYCAST}/32" in srv.addresses()
    text = log.read_text()
    assert "Operation not permitted" not in text, text
    print(f"protocols checked: rip{', ospf' if ospf else ''}{', bgp' if bgp else ''}")
