"""Helpers for integration tests: network namespaces, processes in them,
polling with deadlines, and the built anycastd binaries.

Every namespace a test makes is deleted when the test ends, failed or not.
Addresses stay inside 198.18.0.0/15 (links) and 198.19.224.0/24 (anycast).
"""

import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

BUILD = Path(os.environ.get("ANYCASTD_BUILD", Path(__file__).resolve().parents[2] / "build"))
ANYCASTD = BUILD / "daemon" / "anycastd"
ANYCASTCTL = BUILD / "ctl" / "anycastctl"
SOURCE = Path(__file__).resolve().parents[2]


def run(*args, check=True, **kw):
    """Runs a command and returns its CompletedProcess (text mode)."""
    return subprocess.run([str(a) for a in args], check=check, text=True,
                          capture_output=True, **kw)


def wait_until(condition, timeout, interval=0.02, what="condition"):
    """Polls `condition` until it returns a true value; returns that value.
    Raises AssertionError naming `what` when the deadline passes."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


class Namespace:
    """A network namespace with `lo` up."""

    def __init__(self, name):
        self.name = name
        run("ip", "netns", "del", name, check=False)
        run("ip", "netns", "add", name)
        self.exec("ip", "link", "set", "lo", "up")
        self.procs = []

    def exec(self, *args, check=True):
        return run("ip", "netns", "exec", self.name, *args, check=check)

    def popen(self, *args, log=None, **kw):
        out = open(log, "ab") if log else subprocess.DEVNULL
        p = subprocess.Popen(["ip", "netns", "exec", self.name] + [str(a) for a in args],
                             stdout=out, stderr=subprocess.STDOUT, start_new_session=True, **kw)
        self.procs.append(p)
        return p

    def addresses(self, dev="lo"):
        out = self.exec("ip", "-j", "addr", "show", "dev", dev).stdout
        return [f"{a['local']}/{a['prefixlen']}"
                for link in json.loads(out) for a in link.get("addr_info", [])]

    def close(self):
        for p in self.procs:
            stop(p, timeout=2)
        # Kill anything left in the namespace (e.g. daemons that forked).
        pids = run("ip", "netns", "pids", self.name, check=False).stdout.split()
        for pid in pids:
            try:
                os.kill(int(pid), signal.SIGKILL)
            except (ProcessLookupError, ValueError):
                pass
        run("ip", "netns", "del", self.name, check=False)


def veth(ns_a, if_a, addr_a, ns_b, if_b, addr_b):
    """Connects two namespaces with a veth pair and addresses (CIDR)."""
    run("ip", "link", "add", if_a, "netns", ns_a.name, "type", "veth", "peer", "name", if_b,
        "netns", ns_b.name)
    for ns, ifname, addr in ((ns_a, if_a, addr_a), (ns_b, if_b, addr_b)):
        ns.exec("ip", "addr", "add", addr, "dev", ifname)
        ns.exec("ip", "link", "set", ifname, "up")


def stop(proc, sig=signal.SIGTERM, timeout=5):
    """Signals a process (group) and waits; returns its exit code."""
    if proc.poll() is not None:
        return proc.returncode
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        pass
    try:
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        return proc.wait()


class Unbound:
    """A real unbound DNS server answering test.home. A in a namespace."""

    def __init__(self, ns, address, workdir, port=53):
        self.ns = ns
        self.address = address
        self.port = port
        self.conf = Path(workdir) / f"unbound-{address}.conf"
        self.log = Path(workdir) / f"unbound-{address}.log"
        self.conf.write_text(f"""server:
  interface: {address}
  port: {port}
  ip-freebind: yes
  do-daemonize: no
  username: ""
  chroot: ""
  directory: "{workdir}"
  pidfile: ""
  use-syslog: no
  logfile: ""
  verbosity: 0
  do-ip6: no
  access-control: 0.0.0.0/0 allow
  local-zone: "home." static
  local-data: "test.home. 60 IN A {address}"
  local-data: "test.home. 60 IN TXT \\"{ns.name}\\""
remote-control:
  control-enable: no
""")
        self.proc = None

    def start(self, wait=True):
        """Starts unbound; with `wait`, until it answers (the address must
        already be on an interface: ip-freebind lets it start before)."""
        self.proc = self.ns.popen(shutil.which("unbound") or "/usr/sbin/unbound", "-d", "-c",
                                  self.conf, log=self.log)
        if wait:
            wait_until(lambda: self.answers(), 10, 0.05, f"unbound on {self.address}")
        return self

    def answers(self):
        r = self.ns.exec("dig", "+short", "+time=1", "+tries=1", f"@{self.address}", "-p",
                         str(self.port), "test.home.", "TXT", check=False)
        return r.returncode == 0 and r.stdout.strip() != ""

    def kill(self):
        stop(self.proc, signal.SIGKILL)


class Anycastd:
    """anycastd running in a namespace with a config written by the test."""

    def __init__(self, ns, workdir, config_text, name="anycastd"):
        self.ns = ns
        self.workdir = Path(workdir)
        self.config = self.workdir / f"{name}.toml"
        self.log = self.workdir / f"{name}.log"
        self.socket = self.workdir / f"{name}.sock"
        self.config.write_text(config_text.replace("@SOCKET@", str(self.socket))
                               .replace("@STATE@", str(self.workdir / f"{name}.state.json")))
        self.proc = None

    def start(self):
        self.proc = self.ns.popen(ANYCASTD, "-c", self.config, log=self.log)
        wait_until(lambda: self.socket.exists() or self.proc.poll() is not None, 10,
                   what="the control socket")
        assert self.proc.poll() is None, f"anycastd exited: {self.log_text()}"
        return self

    def ctl(self, *args, check=False):
        return self.ns.exec(ANYCASTCTL, "-s", self.socket, *args, check=check)

    def status(self):
        r = self.ctl("status", "--json")
        assert r.returncode == 0, r.stderr
        return json.loads(r.stdout)

    def service(self, name):
        for s in self.status()["services"]:
            if s["name"] == name:
                return s
        raise AssertionError(f"no service {name}")

    def stop(self, sig=signal.SIGTERM, timeout=5):
        return stop(self.proc, sig, timeout)

    def log_text(self):
        return self.log.read_text() if self.log.exists() else ""


def tempdir():
    d = tempfile.mkdtemp(prefix="anycastd-it-")
    os.chmod(d, 0o755)
    return d
