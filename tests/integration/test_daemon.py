# SPDX-License-Identifier: Apache-2.0
"""The daemon core against a real unbound in a network namespace (issue:
daemon core). No routing protocol: probes, loopback addresses, anycastctl,
state file, signals."""

import signal
import time

import lab
from lab import wait_until

ANYCAST = "198.19.224.2"
INTERVAL = 0.2
TIMEOUT = 0.1
FALL = 2

CONFIG = f"""
[daemon]
router_id = "198.18.0.1"
control_socket = "@SOCKET@"
state_file = "@STATE@"
log_level = "debug"

[[service]]
name = "dns"
prefixes = ["{ANYCAST}/32"]
interval = "{int(INTERVAL * 1000)}ms"
timeout = "{int(TIMEOUT * 1000)}ms"
rise = 2
fall = {FALL}

  [[service.check]]
  type = "dns"
  name = "test.home."

  [[service.check]]
  type = "tcp"
  port = 53
"""


def test_check_flag(workdir):
    good = lab.Path(workdir) / "good.toml"
    good.write_text(CONFIG.replace("@SOCKET@", "/tmp/x.sock").replace("@STATE@", "/tmp/x.json"))
    r = lab.run(lab.ANYCASTD, "-c", good, "--check", check=False)
    assert r.returncode == 0, r.stderr
    assert "OK (1 services)" in r.stdout
    bad = lab.Path(workdir) / "bad.toml"
    bad.write_text('[[service]]\nname = "dns"\nprefixes = ["198.19.224.0/24"]\n')
    r = lab.run(lab.ANYCASTD, "-c", bad, "--check", check=False)
    assert r.returncode == 1
    assert f"{bad}:3:13: \"198.19.224.0/24\" is not a host route" in r.stderr


def test_anycastctl_exit_codes(workdir):
    r = lab.run(lab.ANYCASTCTL, "-s", f"{workdir}/nothing.sock", "status", check=False)
    assert r.returncode == 3
    assert "cannot reach anycastd" in r.stderr
    r = lab.run(lab.ANYCASTCTL, "frobnicate", check=False)
    assert r.returncode == 2


def test_failover_withdraw_persistence_and_stop(namespaces, workdir):
    ns = namespaces("srv")
    unbound = lab.Unbound(ns, ANYCAST, workdir).start(wait=False)
    daemon = lab.Anycastd(ns, workdir, CONFIG).start()

    # The anycast address is on lo before anything is announced.
    wait_until(lambda: f"{ANYCAST}/32" in ns.addresses(), 5, what="the anycast address on lo")
    up = wait_until(lambda: daemon.service("dns")["state"] == "up", 10, what="dns up")
    svc = daemon.service("dns")
    assert svc["announce"] == "announce"
    assert [c["last"] for c in svc["checks"]] == ["pass", "pass"]
    assert daemon.status()["announced"] == [
        {"prefix": f"{ANYCAST}/32", "action": "announce", "service": "dns"}]
    assert up

    # Kill the service: down within fall x interval + timeout (plus the
    # polling granularity of this test).
    unbound.kill()
    t0 = time.monotonic()
    wait_until(lambda: daemon.service("dns")["state"] == "down", 5, 0.01, what="dns down")
    elapsed = time.monotonic() - t0
    print(f"service down {elapsed * 1000:.0f} ms after unbound died "
          f"(bound {FALL * INTERVAL + TIMEOUT:.1f}s)")
    assert elapsed <= FALL * INTERVAL + TIMEOUT + 0.1
    assert daemon.status()["announced"] == []

    # Recovery needs rise passes.
    unbound.start()
    wait_until(lambda: daemon.service("dns")["state"] == "up", 5, what="dns up again")

    # An address someone deletes is put back.
    ns.exec("ip", "addr", "del", f"{ANYCAST}/32", "dev", "lo")
    wait_until(lambda: f"{ANYCAST}/32" in ns.addresses(), 5, what="the address put back")

    # Admin withdraw survives a restart.
    r = daemon.ctl("withdraw", "dns")
    assert r.returncode == 0, r.stderr
    assert daemon.service("dns")["announce"] == "withdraw"
    assert daemon.ctl("withdraw", "nosuch").returncode == 1
    t0 = time.monotonic()
    assert daemon.stop(signal.SIGTERM) == 0
    assert time.monotonic() - t0 < 2.0
    # Addresses are left in place on exit.
    assert f"{ANYCAST}/32" in ns.addresses()

    daemon.start()
    wait_until(lambda: daemon.service("dns")["state"] == "up", 10, what="dns up after restart")
    svc = daemon.service("dns")
    assert svc["admin_withdrawn"] is True
    assert svc["announce"] == "withdraw"
    assert daemon.ctl("announce", "--all").returncode == 0
    assert daemon.service("dns")["announce"] == "announce"

    # A config that fails validation on reload is rejected; the daemon keeps going.
    good = daemon.config.read_text()
    daemon.config.write_text(good + "\nbogus = 1\n")
    r = daemon.ctl("reload")
    assert r.returncode == 1
    assert "reload rejected" in r.stderr
    daemon.proc.send_signal(signal.SIGHUP)
    wait_until(lambda: daemon.log_text().count("reload rejected") >= 2, 5,
               what="the SIGHUP reload to be rejected")
    assert daemon.proc.poll() is None
    assert daemon.service("dns")["state"] == "up"
    # A valid change is applied without disturbing the unchanged service.
    daemon.config.write_text(good.replace('log_level = "debug"', 'log_level = "info"'))
    assert daemon.ctl("reload").returncode == 0
    assert daemon.service("dns")["announce"] == "announce"

    assert daemon.stop(signal.SIGTERM) == 0
    log = daemon.log_text()
    assert "service dns: init -> up" in log
    assert "service dns: up -> down" in log
