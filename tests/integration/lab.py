# SPDX-License-Identifier: Apache-2.0
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


def _programs():
    """scripts/programs.txt as {program: Debian package}."""
    programs = {}
    for line in (SOURCE / "scripts" / "programs.txt").read_text().splitlines():
        fields = line.split()
        if len(fields) == 2 and not line.startswith("#"):
            programs[fields[0]] = fields[1]
    return programs


PROGRAMS = _programs()
_present = set()


def require(program):
    """Fails, never skips, unless `program` is listed in scripts/programs.txt
    (so that install-deps.sh installs it) and is installed. The project's own
    binaries and scripts a test writes (paths outside /usr) pass."""
    program = str(program)
    if program in _present or ("/" in program and not program.startswith("/usr/")):
        return
    if program not in PROGRAMS:
        raise AssertionError(f"{program} is started by a test but not listed in "
                             "scripts/programs.txt: add it with its Debian package")
    if not shutil.which(program):
        raise AssertionError(f"{program} is not installed: it comes with the Debian package "
                             f"{PROGRAMS[program]} (run scripts/install-deps.sh)")
    _present.add(program)


def _require_command(args):
    require(args[0])
    if len(args) > 4 and list(args[:3]) == ["ip", "netns", "exec"]:
        require(args[4])


def run(*args, check=True, **kw):
    """Runs a command and returns its CompletedProcess (text mode)."""
    args = [str(a) for a in args]
    _require_command(args)
    return subprocess.run(args, check=check, text=True, capture_output=True, **kw)


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
        require(args[0])
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


class Namespaces:
    """Makes namespaces named `prefix` + name on demand (call it with the
    name) and deletes them all on close()."""

    def __init__(self, prefix):
        self.prefix = prefix
        self.made = []

    def __call__(self, name):
        ns = Namespace(self.prefix + name)
        self.made.append(ns)
        return ns

    def close(self):
        for ns in reversed(self.made):
            ns.close()
        self.made = []


def veth(ns_a, if_a, addr_a, ns_b, if_b, addr_b):
    """Connects two namespaces with a veth pair and addresses (CIDR)."""
    run("ip", "link", "add", if_a, "netns", ns_a.name, "type", "veth", "peer", "name", if_b,
        "netns", ns_b.name)
    for ns, ifname, addr in ((ns_a, if_a, addr_a), (ns_b, if_b, addr_b)):
        ns.exec("ip", "addr", "add", addr, "dev", ifname)
        ns.exec("ip", "link", "set", ifname, "up")


def send_udp(ns, source, sport, dest, dport, payload, ttl=None):
    """Sends one UDP datagram `payload` (bytes) from inside namespace `ns`,
    from source:sport (bound with SO_REUSEADDR), with IP TTL `ttl` if given."""
    code = ["import socket",
            "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)",
            "s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)",
            f"s.bind(({source!r}, {sport}))"]
    if ttl is not None:
        code.append(f"s.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, {ttl})")
    code.append(f"s.sendto(bytes.fromhex({bytes(payload).hex()!r}), ({dest!r}, {dport}))")
    ns.exec("python3", "-c", "; ".join(code))


class AnswerWatch:
    """answer_watch.py in `ns`: who answers test.home. TXT at `server`, asked
    every `interval` s. Times a failover to within `interval`, where polling
    dig cannot go below its 1 s timeout. CLOCK_MONOTONIC is one clock for
    every namespace, so its times compare with time.monotonic() here."""

    def __init__(self, ns, server, workdir, interval=0.01):
        self.out = Path(workdir) / f"answers-{ns.name}.txt"
        self.proc = ns.popen("python3", Path(__file__).with_name("answer_watch.py"), server,
                             interval, log=self.out)

    def changes(self):
        """[(monotonic time, text)] of every change so far ("-": no answer)."""
        text = self.out.read_text() if self.out.exists() else ""
        return [(float(t), who) for t, who in (line.split(" ", 1) for line in text.splitlines()
                                               if " " in line)]

    def current(self):
        changes = self.changes()
        return changes[-1][1] if changes else None

    def first_since(self, t0, text):
        """The time of the first change to `text` after t0, or None."""
        return next((t for t, who in self.changes() if t > t0 and who == text), None)

    def stop(self):
        stop(self.proc)


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


def unbound_conf(listen, directory, a, txt):
    """unbound.conf for a test server: the `listen` lines (interface, port),
    then test.home. with A `a` and TXT `txt` in the static zone home."""
    return f"""server:
{listen}  do-daemonize: no
  username: ""
  chroot: ""
  directory: "{directory}"
  pidfile: ""
  use-syslog: no
  logfile: ""
  verbosity: 0
  do-ip6: no
  access-control: 0.0.0.0/0 allow
  local-zone: "home." static
  local-data: "test.home. 60 IN A {a}"
  local-data: 'test.home. 60 IN TXT "{txt}"'
remote-control:
  control-enable: no
"""


class Unbound:
    """A real unbound DNS server answering test.home. A in a namespace."""

    def __init__(self, ns, address, workdir, port=53):
        self.ns = ns
        self.address = address
        self.port = port
        # Per namespace: two servers of one test serve the same anycast
        # address, and each answers with its own name.
        self.conf = Path(workdir) / f"unbound-{ns.name}-{address}.conf"
        self.log = Path(workdir) / f"unbound-{ns.name}-{address}.log"
        self.conf.write_text(unbound_conf(
            f"  interface: {address}\n  port: {port}\n  ip-freebind: yes\n", workdir,
            a=address, txt=ns.name))
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
        self.state = self.workdir / f"{name}.state.json"
        self.write_config(config_text)
        self.proc = None

    def write_config(self, config_text):
        """Writes the config, with @SOCKET@ and @STATE@ for the test's paths."""
        self.config.write_text(config_text.replace("@SOCKET@", str(self.socket))
                               .replace("@STATE@", str(self.state)))

    def reload(self, config_text):
        """Writes a new config and reloads it (`anycastctl reload`, which
        waits for the result); returns the CompletedProcess."""
        self.write_config(config_text)
        return self.ctl("reload")

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

    def wait_services_up(self, count, timeout):
        """Waits until `count` services are up; a status that cannot be read
        yet (the daemon busy starting) counts none."""
        def up():
            try:
                return sum(s["state"] == "up" for s in self.status()["services"])
            except (AssertionError, json.JSONDecodeError):
                return 0
        wait_until(lambda: up() == count, timeout, 0.5, f"{count} services up")

    def stop(self, sig=signal.SIGTERM, timeout=5):
        return stop(self.proc, sig, timeout)

    def log_text(self):
        return self.log.read_text() if self.log.exists() else ""


def tempdir():
    d = tempfile.mkdtemp(prefix="anycastd-it-")
    os.chmod(d, 0o755)
    return d


# ---- routers (FRR, BIRD) and the seed's xenial lab --------------------------

FRR_SBIN = Path("/usr/lib/frr")


def enable_forwarding(ns):
    """Makes a namespace a router."""
    ns.exec("sysctl", "-qw", "net.ipv4.ip_forward=1")


def kernel_routes(ns, dst=None):
    """The namespace's main IPv4 table as `ip -j route` dicts; with `dst`
    ("198.19.224.2" or "198.19.224.2/32") only the routes to that prefix."""
    out = ns.exec("ip", "-j", "-4", "route", "show").stdout
    routes = json.loads(out) if out.strip() else []
    if dst is not None:
        host = dst.removesuffix("/32")
        routes = [r for r in routes if r.get("dst") in (host, dst)]
    return routes


def route_via(ns, dst):
    """The gateway of the kernel's route to `dst`, "" for a route without one,
    None when there is no route."""
    routes = kernel_routes(ns, dst)
    if not routes:
        return None
    return routes[0].get("gateway", "")


class FrrDaemons:
    """FRR zebra plus one routing daemon (DAEMON) in a namespace, with their
    files in their own frr-owned directory and a pathspace named after the
    namespace; read with vtysh."""

    DAEMON = ""        # "ripd", "ospfd", "bgpd"
    DIR_PREFIX = ""    # the working directory's name prefix
    READY = ""         # a vtysh command that answers once DAEMON is up

    def __init__(self, ns, workdir, conf_text, name=None, bfdd=False):
        """With `bfdd`, FRR's bfdd runs too (between zebra and DAEMON), for
        `ip ospf bfd` or `neighbor X bfd` in `conf_text`."""
        self.ns = ns
        self.name = name or ns.name
        self.daemons = ("zebra", "bfdd", self.DAEMON) if bfdd else ("zebra", self.DAEMON)
        self.dir = Path(workdir) / f"{self.DIR_PREFIX}{self.name}"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.zserv = self.dir / "zserv.api"
        (self.dir / "zebra.conf").write_text(
            f"hostname {self.name}\nlog file {self.dir}/zebra.log\n")
        (self.dir / f"{self.DAEMON}.conf").write_text(
            f"hostname {self.name}\nlog file {self.dir}/{self.DAEMON}.log\n" + conf_text)
        if bfdd:
            (self.dir / "bfdd.conf").write_text(
                f"hostname {self.name}\nlog file {self.dir}/bfdd.log\n")
        for p in [self.dir, *self.dir.iterdir()]:
            shutil.chown(p, "frr", "frr")

    def start(self):
        for daemon in self.daemons:
            self.ns.exec(FRR_SBIN / daemon, "-N", self.name, "-d", "-z", self.zserv,
                         "--vty_socket", self.dir, "-u", "frr", "-g", "frr",
                         "-i", self.dir / f"{daemon}.pid", "-f", self.dir / f"{daemon}.conf")
            wait_until(lambda: (self.dir / f"{daemon}.vty").exists(), 10,
                       what=f"FRR {daemon} in {self.name}")
        wait_until(lambda: self.vtysh(self.READY).returncode == 0, 10,
                   what=f"{self.DAEMON} in {self.name} to answer vtysh")
        return self

    def vtysh(self, *commands):
        # No -N here: vtysh would look for the sockets in DIR/NAME/.
        args = ["vtysh", "--vty_socket", self.dir]
        for c in commands:
            args += ["-c", c]
        return self.ns.exec(*args, check=False)

    def json(self, command):
        r = self.vtysh(command)
        try:
            return json.loads(r.stdout) if r.returncode == 0 and r.stdout.strip() else {}
        except json.JSONDecodeError:
            return {}

    def pid(self, daemon=None):
        try:
            return int((self.dir / f"{daemon or self.DAEMON}.pid").read_text().strip())
        except (OSError, ValueError):
            return None

    def log_text(self):
        return "".join((self.dir / f"{d}.log").read_text(errors="replace")
                       for d in self.daemons if (self.dir / f"{d}.log").exists())

    def bfd_peers(self):
        """`show bfd peers json` as {peer address: entry} (bfdd only)."""
        peers = self.json("show bfd peers json")
        return {p.get("peer"): p for p in peers} if isinstance(peers, list) else {}

    def stop(self):
        for daemon in reversed(self.daemons):
            pid = self.pid(daemon)
            if pid is None:
                continue
            try:
                os.kill(pid, signal.SIGTERM)
                wait_until(lambda: not Path(f"/proc/{pid}").exists(), 5, 0.05,
                           what=f"FRR {daemon} to exit")
            except ProcessLookupError:
                continue
            except AssertionError:
                os.kill(pid, signal.SIGKILL)
        # The pathspace directory FRR makes under /var/run/frr.
        shutil.rmtree(Path("/var/run/frr") / self.name, ignore_errors=True)


class FrrRouter(FrrDaemons):
    """FRR zebra + ripd."""

    DAEMON = "ripd"
    DIR_PREFIX = "frr-"
    READY = "show ip rip status"

    def rip_routes(self):
        """`show ip rip` (FRR 8.4 has no JSON for it) as {prefix: {"type",
        "nexthop", "metric", "from"}}."""
        routes = {}
        for line in self.vtysh("show ip rip").stdout.splitlines():
            parts = line.split()
            if len(parts) >= 4 and parts[0][:1] in "RC" and "(" in parts[0] and "/" in parts[1]:
                routes[parts[1]] = {"type": parts[0], "nexthop": parts[2],
                                    "metric": int(parts[3]),
                                    "from": parts[4] if len(parts) > 4 else ""}
        return routes

    def bad_packets(self, neighbor):
        """BadPackets that ripd counts for a neighbour (`show ip rip status`)."""
        for line in self.vtysh("show ip rip status").stdout.splitlines():
            parts = line.split()
            if parts and parts[0] == neighbor and len(parts) >= 2 and parts[1].isdigit():
                return int(parts[1])
        return 0



class BirdRouter:
    """BIRD 2 in a namespace with its own control socket; "@LOG@" in
    `conf_text` becomes the log file's path."""

    def __init__(self, ns, workdir, conf_text, name="bird"):
        self.ns = ns
        self.dir = Path(workdir) / f"{name}-{ns.name}"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.conf = self.dir / "bird.conf"
        self.socket = self.dir / "bird.ctl"
        self.pidfile = self.dir / "bird.pid"
        self.log = self.dir / "bird.log"
        self.conf.write_text(conf_text.replace("@LOG@", str(self.log)))

    def start(self):
        self.ns.exec("bird", "-c", self.conf, "-s", self.socket, "-P", self.pidfile)
        wait_until(lambda: self.birdc("show", "status").returncode == 0, 10,
                   what=f"BIRD in {self.ns.name}")
        return self

    def birdc(self, *args):
        return self.ns.exec("birdc", "-s", self.socket, *args, check=False)

    def bfd_sessions(self):
        """`show bfd sessions` as {peer address: state}, e.g. "Up", "Down"."""
        out = {}
        for line in self.birdc("show", "bfd", "sessions").stdout.splitlines():
            parts = line.split()
            if len(parts) >= 3 and parts[0].count(".") == 3:
                out[parts[0]] = parts[2]
        return out

    def rip_routes(self):
        """`birdc show route all protocol rip1` as {prefix: {"nexthop", "metric"}}
        (the best route of each prefix; BIRD keeps the others too)."""
        routes = {}
        prefix = None
        for line in self.birdc("show", "route", "all", "protocol", "rip1").stdout.splitlines():
            parts = line.split()
            if parts and parts[0][:1].isdigit() and "/" in parts[0]:
                prefix = parts[0] if "*" in parts else None
                if prefix:
                    routes[prefix] = {"nexthop": "", "metric": None}
            elif prefix and len(parts) >= 2 and parts[0] == "via":
                routes[prefix]["nexthop"] = parts[1]
            elif prefix and len(parts) >= 2 and parts[0].lower() == "rip.metric:":
                routes[prefix]["metric"] = int(parts[1])
        return routes

    def log_text(self):
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def stop(self):
        self.birdc("down")
        try:
            pid = int(self.pidfile.read_text().strip())
            wait_until(lambda: not Path(f"/proc/{pid}").exists(), 5, 0.05, what="BIRD to exit")
        except (OSError, ValueError, AssertionError):
            pass


def frr_ripd_conf(hostname, update=5, md5_interfaces=(), key="secret", redistribute=False,
                  network="198.18.0.0/15"):
    """ripd.conf for RIPv2 on every interface in `network`, timers
    `update` / 3 x update / 2 x update, keyed MD5 (key chain K, key 1) on
    `md5_interfaces`; `redistribute` announces connected routes (lo too),
    as the seed's Quagga on the DNS server did."""
    lines = [f"hostname {hostname}"]
    if md5_interfaces:
        lines += ["key chain K", " key 1", f"  key-string {key}", "!"]
        for ifname in md5_interfaces:
            lines += [f"interface {ifname}", " ip rip authentication mode md5",
                      " ip rip authentication key-chain K", "!"]
    lines += ["router rip", " version 2", f" network {network}",
              f" timers basic {update} {3 * update} {2 * update}"]
    if redistribute:
        lines.append(" redistribute connected")
    return "\n".join(lines + ["!", ""])


def bird_conf(router_id, interfaces="*", update=5, bfd=False, static=""):
    """BIRD 2 as a RIPv2 router on `interfaces` (a BIRD pattern) with update
    timer `update`, exporting what RIP learns to the kernel; with `bfd`,
    BFD 300 ms x 3 to its RIP neighbours (`bfd yes`); `static` routes (BIRD
    `route` statements) are announced into RIP with metric 1."""
    bfd_protocol = (f'protocol bfd {{ interface "{interfaces}" {{ min rx interval 300 ms; '
                    'min tx interval 300 ms; multiplier 3; }; }\n') if bfd else ""
    static_protocol = f"protocol static {{ ipv4; {static} }}\n" if static else ""
    return f"""router id {router_id};
log "@LOG@" all;
protocol device {{ scan time 1; }}
{bfd_protocol}{static_protocol}
protocol direct {{ ipv4; interface "{interfaces}"; }}
protocol kernel {{
  ipv4 {{ import none; export filter {{ if source = RTS_RIP then accept; reject; }}; }};
}}
protocol rip rip1 {{
  ipv4 {{ import all; export all; }};
  interface "{interfaces}" {{
    version 2;
    update time {update};
    timeout time {3 * update};
    garbage time {2 * update};{" bfd yes;" if bfd else ""}
  }};
}}
"""


ANYCAST = "198.19.224.2"
XENIAL_EXAMPLE = SOURCE / "conf" / "examples" / "xenial-lab.toml"


def xenial_config(address, update=5, key=None, interval=None, fall=None):
    """conf/examples/xenial-lab.toml with the lab's addresses (10.128.N.x ->
    198.18.N.x, anycast 10.128.224.2 -> 198.19.224.2), RIP update timer
    `update` seconds, the test's control socket and state file, and with
    `key` keyed-MD5 authentication (key id 1)."""
    text = XENIAL_EXAMPLE.read_text()
    replacements = [
        ('router_id = "10.128.5.2"',
         f'router_id = "{address}"\ncontrol_socket = "@SOCKET@"\nstate_file = "@STATE@"'),
        ("10.128.224.2", ANYCAST),
        ('update_interval = "30s"', f'update_interval = "{update}s"'),
    ]
    if interval is not None:
        replacements.append(('interval = "1s"', f'interval = "{interval}"'))
    if fall is not None:
        replacements.append(("fall = 2", f"fall = {fall}"))
    for old, new in replacements:
        assert old in text, f"{XENIAL_EXAMPLE} no longer has {old!r}"
        text = text.replace(old, new)
    assert not [line for line in text.splitlines()
                if "10.128." in line.split("#")[0]], "a 10.128 address left in the lab config"
    if key is not None:
        # [rip] is the example's last section.
        text += f'authentication = {{ mode = "md5", key_id = 1, key = "{key}" }}\n'
    return text


class DnsServers:
    """Base of the labs whose DNS servers each run unbound on ANYCAST (its TXT
    answer for test.home. names the server's namespace) and anycastd, each in
    its own directory under `workdir`; `config(name)` is that anycastd's
    config text. The processes are made here and started by the lab."""

    def __init__(self, servers, workdir, config):
        self.servers = servers
        self.unbound = {}
        self.anycastd = {}
        for name, ns in servers.items():
            d = Path(workdir) / name
            d.mkdir(exist_ok=True)
            d.chmod(0o755)
            self.unbound[name] = Unbound(ns, ANYCAST, d)
            self.anycastd[name] = Anycastd(ns, d, config(name))

    def start_servers(self):
        for name in self.servers:
            self.unbound[name].start(wait=False)
            self.anycastd[name].start()

    def answered_by(self, client, timeout=1):
        """Which server answers `dig @198.19.224.2 test.home. TXT` from the
        namespace `client`, or None when none does."""
        r = client.exec("dig", "+short", f"+time={timeout}", "+tries=1", f"@{ANYCAST}",
                        "test.home.", "TXT", check=False)
        txt = r.stdout.strip().strip('"\\') if r.returncode == 0 else ""
        return next((name for name, ns in self.servers.items() if ns.name == txt), None)

    def stop_servers(self):
        """Kills the anycastd and unbound processes still running."""
        for d in self.anycastd.values():
            if d.proc is not None:
                d.stop(signal.SIGKILL)
        for u in self.unbound.values():
            if u.proc is not None:
                u.kill()


class XenialLab(DnsServers):
    """The seed's xenial lab (shared/seeds/002) in network namespaces, with
    10.128.N.x mapped to 198.18.N.x and the anycast 10.128.224.2 to 198.19.224.2:

        xenial3 (client) 198.18.7.2 --+                          +-- xenial4 (client) 198.18.8.2
                                      r1 --- 198.18.1.0/24 --- r2
        xenial1 (DNS)    198.18.5.2 --+                          +-- xenial2 (DNS)    198.18.6.2

    r1 and r2 run FRR ripd or BIRD (RIP update timer `update` s). Each DNS
    server runs unbound on 198.19.224.2 (its TXT record test.home. names the
    server) and anycastd with conf/examples/xenial-lab.toml's settings; hosts
    reach 198.18.0.0/15 (which holds the anycast address) through their
    router, as the seed's `route add -net 10.128.0.0/16`. `make_ns(role)`
    makes a lab.Namespace; its owner deletes them."""

    ROUTERS = {"r1": ("198.18.1.1", ["xenial1", "xenial3"]),
               "r2": ("198.18.1.2", ["xenial2", "xenial4"])}
    HOSTS = {"xenial1": ("r1", 5), "xenial2": ("r2", 6), "xenial3": ("r1", 7), "xenial4": ("r2", 8)}
    SERVERS = ("xenial1", "xenial2")
    CLIENTS = ("xenial3", "xenial4")

    def __init__(self, make_ns, workdir, router="frr", update=5, md5_key=None, server_keys=None,
                 interval=None, fall=None):
        self.workdir = Path(workdir)
        self.kind = router
        self.update = update
        self.ns = {role: make_ns(role) for role in [*self.ROUTERS, *self.HOSTS]}
        veth(self.ns["r1"], "r1-r2", "198.18.1.1/24", self.ns["r2"], "r2-r1", "198.18.1.2/24")
        for host, (gateway, n) in self.HOSTS.items():
            veth(self.ns[gateway], f"{gateway}-{host[-1]}", f"198.18.{n}.1/24",
                 self.ns[host], "eth1", f"198.18.{n}.2/24")
            self.ns[host].exec("ip", "route", "add", "198.18.0.0/15", "via", f"198.18.{n}.1")
        self.routers = {}
        for name, (router_id, hosts) in self.ROUTERS.items():
            ns = self.ns[name]
            enable_forwarding(ns)
            if router == "frr":
                md5 = [f"{name}-{h[-1]}" for h in hosts if h in self.SERVERS] if md5_key else []
                self.routers[name] = FrrRouter(ns, workdir, frr_ripd_conf(
                    name, update, md5_interfaces=md5, key=md5_key or "secret"))
            elif router == "bird":
                assert md5_key is None, "the lab uses MD5 with FRR only"
                self.routers[name] = BirdRouter(ns, workdir, bird_conf(router_id, f"{name}-*",
                                                                       update))
            else:
                raise ValueError(f"unknown router kind {router!r}")
        self.baseline = {}
        keys = server_keys or {}
        super().__init__({s: self.ns[s] for s in self.SERVERS}, workdir,
                         lambda server: xenial_config(self.address(server), update,
                                                      keys.get(server, md5_key), interval, fall))

    def address(self, host):
        return f"198.18.{self.HOSTS[host][1]}.2"

    def start_routers(self):
        for r in self.routers.values():
            r.start()
        return self

    def start(self, wait_for=SERVERS):
        """Routers, then unbound and anycastd on both servers; returns when
        the router of each server in `wait_for` routes the anycast address
        to it."""
        self.start_routers()
        self.start_servers()
        for server in wait_for:
            self.wait_route(self.HOSTS[server][0], self.address(server), 30)
        return self

    def rip_interface(self, server):
        """anycastd's `status --json` RIP entry for the server's eth1."""
        status = self.anycastd[server].status()
        return status["protocols"]["rip"]["interfaces"][0]

    def route(self, router):
        """Gateway of `router`'s kernel route to the anycast address, or None."""
        return route_via(self.ns[router], ANYCAST)

    def wait_route(self, router, via, timeout):
        return wait_until(lambda: self.route(router) == via, timeout, 0.02,
                          what=f"{router}'s route to {ANYCAST} via {via}")

    def answer(self, client, timeout=1):
        """Which server answers `client` ("xenial1"), or None."""
        return self.answered_by(self.ns[client], timeout)

    def wait_answer(self, client, server, timeout, interval=0.1):
        """Polls the client's dig every `interval` s until `server` answers;
        returns the seconds it took."""
        t0 = time.monotonic()
        wait_until(lambda: self.answer(client) == server, timeout, interval,
                   what=f"{client} to be answered by {server}")
        return time.monotonic() - t0

    def start_baseline(self, server):
        """The seed's set-up on `server`: FRR ripd on the server itself
        announcing its connected routes, lo's anycast address included,
        whether or not DNS answers. Stop its anycastd first."""
        assert self.kind == "frr", "the baseline is the seed's Quagga, i.e. FRR"
        ns = self.ns[server]
        ns.exec("ip", "addr", "replace", f"{ANYCAST}/32", "dev", "lo")
        self.baseline[server] = FrrRouter(ns, self.workdir / server, frr_ripd_conf(
            server, self.update, redistribute=True, network="eth1")).start()
        return self.baseline[server]

    def close(self):
        """Stops every process the lab started (the namespaces' owner deletes them)."""
        self.stop_servers()
        for r in [*self.baseline.values(), *self.routers.values()]:
            r.stop()


# ---- OSPF routers (FRR ospfd, BIRD 2) ---------------------------------------

class FrrOspf(FrrDaemons):
    """FRR zebra + ospfd."""

    DAEMON = "ospfd"
    DIR_PREFIX = "frr-ospf-"
    READY = "show ip ospf"

    def neighbor_states(self):
        """{router ID: state} from `show ip ospf neighbor json`, e.g. "Full/DROther"."""
        out = {}
        for rid, entries in self.json("show ip ospf neighbor json").get("neighbors", {}).items():
            for e in entries if isinstance(entries, list) else [entries]:
                out[rid] = e.get("nbrState") or e.get("state", "")
        return out

    def full_with(self, router_id):
        return self.neighbor_states().get(router_id, "").startswith("Full")

    def ospf_route(self, prefix):
        """`show ip route PREFIX json`'s OSPF entry for `prefix`, or None."""
        for entry in self.json(f"show ip route {prefix} json").get(prefix, []):
            if entry.get("protocol") == "ospf":
                return entry
        return None



def frr_ospfd_conf(interfaces, hello=1, dead=4, network_type=None, md5_key=None,
                   router_id="198.18.0.1", networks=("198.18.0.0/15",), extra="", area="0",
                   area_type=None):
    """ospfd.conf: `area` (a "stub" or "nssa" one with `area_type`) on
    `networks`, hello/dead `hello`/`dead` s on each of `interfaces`, optional
    point-to-point type and keyed MD5 (key 1)."""
    lines = []
    for ifname in interfaces:
        lines += [f"interface {ifname}", f" ip ospf hello-interval {hello}",
                  f" ip ospf dead-interval {dead}", " ip ospf retransmit-interval 2"]
        if network_type:
            lines.append(f" ip ospf network {network_type}")
        if md5_key:
            lines += [" ip ospf authentication message-digest",
                      f" ip ospf message-digest-key 1 md5 {md5_key}"]
        lines.append("!")
    lines += ["router ospf", f" ospf router-id {router_id}"]
    lines += [f" network {n} area {area}" for n in networks]
    if area_type:
        lines.append(f" area {area} {area_type}")
    if extra:
        lines.append(extra)
    return "\n".join(lines + ["!", ""])


class BirdOspf(BirdRouter):
    """BIRD 2 as an OSPF router exporting what it learns to the kernel."""

    def __init__(self, ns, workdir, router_id, interfaces, hello=1, dead=4, ptp=False,
                 md5_key=None, area="0", area_type=None, bfd=None):
        """`bfd`: None, or the options of BIRD's `protocol bfd` interface block
        (e.g. 'authentication keyed sha1; password "x" { id 1; };' or ""),
        with `bfd yes` on the OSPF interfaces."""
        auth = ""
        if md5_key:
            auth = f'authentication cryptographic; password "{md5_key}" {{ id 1; algorithm keyed md5; }};'
        iface = (f'interface "{interfaces}" {{ hello {hello}; dead {dead}; retransmit 2; '
                 f'{"type ptp;" if ptp else ""} {auth} {"bfd yes;" if bfd is not None else ""} }};')
        bfd_protocol = "" if bfd is None else (
            f'protocol bfd {{ interface "{interfaces}" {{ min rx interval 300 ms; '
            f'min tx interval 300 ms; multiplier 3; {bfd} }}; }}\n')
        super().__init__(ns, workdir, f"""router id {router_id};
log "@LOG@" all;
protocol device {{ scan time 1; }}
protocol kernel {{ ipv4 {{ import none; export filter {{
  if source ~ [RTS_OSPF, RTS_OSPF_EXT1, RTS_OSPF_EXT2] then accept; reject; }}; }}; }}
{bfd_protocol}protocol ospf v2 ospf1 {{
  ipv4 {{ import all; export none; }};
  area {area} {{ {f"{area_type};" if area_type else ""} {iface} }};
}}
""", name="bird-ospf")

    def neighbor_state(self, router_id):
        """The state BIRD shows for `router_id` in `show ospf neighbors`, e.g. "Full/Other"."""
        for line in self.birdc("show", "ospf", "neighbors").stdout.splitlines():
            parts = line.split()
            if parts and parts[0] == router_id and len(parts) >= 3:
                return parts[2]
        return ""

    def route(self, prefix):
        """BIRD's `show route PREFIX` line for an OSPF route, or None."""
        r = self.birdc("show", "route", prefix, "protocol", "ospf1")
        lines = [line for line in r.stdout.splitlines() if prefix in line]
        return lines[0] if lines else None


# ---- OSPF packets made by hand, for the drop counters ---------------------

def _ip_checksum(data):
    """RFC 1071, over 16-bit words."""
    if len(data) % 2:
        data += b"\0"
    total = sum(int.from_bytes(data[i:i + 2], "big") for i in range(0, len(data), 2))
    while total >> 16:
        total = (total & 0xffff) + (total >> 16)
    return ~total & 0xffff


def _dotted(address):
    return bytes(int(x) for x in address.split("."))


def ospf_packet(kind, router_id, body, area="0.0.0.0", version=2, au_type=0, auth=b""):
    """An OSPFv2 packet (RFC 2328 §A.3.1) of type `kind` (1 Hello .. 5 LS Ack)
    with a correct checksum (computed with the authentication field zero)."""
    length = 24 + len(body)
    header = (bytes([version, kind]) + length.to_bytes(2, "big") + _dotted(router_id)
              + _dotted(area) + b"\0\0" + au_type.to_bytes(2, "big") + b"\0" * 8)
    packet = bytearray(header + body)
    packet[12:14] = _ip_checksum(bytes(packet)).to_bytes(2, "big")
    packet[16:24] = auth.ljust(8, b"\0")[:8]
    return bytes(packet)


def ospf_hello(mask="255.255.255.0", hello=1, dead=4, options=0x02, priority=1, neighbors=()):
    """A Hello body (RFC 2328 §A.3.2) with no DR or BDR."""
    return (_dotted(mask) + hello.to_bytes(2, "big") + bytes([options, priority])
            + dead.to_bytes(4, "big") + b"\0" * 8 + b"".join(_dotted(n) for n in neighbors))


def ospf_router_lsa(router_id, sequence=0x80000001, stubs=()):
    """A router-LSA (RFC 2328 §A.4.2) with one stub link per (network, mask),
    and its Fletcher checksum (RFC 905 appendix B, §12.1.7)."""
    links = b"".join(_dotted(net) + _dotted(mask) + bytes([3, 0]) + (10).to_bytes(2, "big")
                     for net, mask in stubs)
    body = b"\0\0" + len(stubs).to_bytes(2, "big") + links
    lsa = bytearray(b"\0\1\x02\x01" + _dotted(router_id) + _dotted(router_id)
                    + sequence.to_bytes(4, "big") + b"\0\0" + (20 + len(body)).to_bytes(2, "big")
                    + body)
    c0 = c1 = 0
    for byte in lsa[2:]:
        c0 = (c0 + byte) % 255
        c1 = (c1 + c0) % 255
    k = len(lsa) - 2 - 14  # from the checksum's first octet to the end
    x = ((k - 1) * c0 - c1) % 255 or 255
    y = (510 - c0 - x) % 255 or 255
    lsa[16:18] = bytes([x, y])
    return bytes(lsa)


def ospf_send(ns, ifname, destination, packet, source=None):
    """Sends one OSPF packet (IP protocol 89) out of `ifname` in `ns` to
    `destination`, from `source` if given (an IP header of our own, so the
    address need not be the namespace's)."""
    script = ("import socket, struct, sys\n"
              "_, ifname, dst, payload, *src = sys.argv\n"
              "payload = bytes.fromhex(payload)\n"
              "s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 89)\n"
              "s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, ifname.encode())\n"
              "if src:\n"
              "    s.setsockopt(socket.IPPROTO_IP, socket.IP_HDRINCL, 1)\n"
              "    payload = struct.pack('!BBHHHBBH4s4s', 0x45, 0xc0, 20 + len(payload), 0, 0,\n"
              "                          1, 89, 0, socket.inet_aton(src[0]),\n"
              "                          socket.inet_aton(dst)) + payload\n"
              "s.sendto(payload, (dst, 0))\n")
    ns.exec("python3", "-c", script, ifname, destination, packet.hex(),
            *([source] if source else []))


# ---- BGP routers (FRR bgpd, BIRD 2, GoBGP, ExaBGP) --------------------------

class FrrBgp(FrrDaemons):
    """FRR zebra + bgpd."""

    DAEMON = "bgpd"
    DIR_PREFIX = "frr-bgp-"
    READY = "show bgp summary json"

    def peer_state(self, address, afi="ipv4"):
        """"Established", "Active", ... for a neighbour in `show bgp summary json`."""
        peers = self.json(f"show bgp {afi} unicast summary json").get("peers", {})
        return peers.get(address, {}).get("state", "")

    def route(self, prefix, afi="ipv4"):
        """The paths FRR holds for `prefix` (`show bgp AFI unicast PREFIX json`), [] if none."""
        data = self.json(f"show bgp {afi} unicast {prefix} json")
        return data.get("paths", [])



def frr_bgpd_conf(asn, router_id, neighbors, networks6=False):
    """bgpd.conf: `neighbors` is a list of dicts with address, remote_as and
    optional password / ipv6 (activate in the IPv6 unicast family) / bfd
    (`neighbor X bfd`, with bfdd running)."""
    lines = ["frr defaults traditional", f"router bgp {asn}", f" bgp router-id {router_id}",
             " no bgp ebgp-requires-policy", " no bgp default ipv4-unicast"]
    for n in neighbors:
        lines.append(f" neighbor {n['address']} remote-as {n['remote_as']}")
        lines.append(f" neighbor {n['address']} timers connect 1")
        if n.get("password"):
            lines.append(f" neighbor {n['address']} password {n['password']}")
        if n.get("bfd"):
            lines.append(f" neighbor {n['address']} bfd")
    lines.append(" address-family ipv4 unicast")
    lines += [f"  neighbor {n['address']} activate" for n in neighbors if not n.get("ipv6")]
    lines.append(" exit-address-family")
    lines.append(" address-family ipv6 unicast")
    lines += [f"  neighbor {n['address']} activate" for n in neighbors if n.get("ipv6")]
    lines.append(" exit-address-family")
    return "\n".join(lines) + "\n"


class GoBgp:
    """gobgpd in a namespace, configured by TOML, read with `gobgp -p PORT`."""

    def __init__(self, ns, workdir, asn, router_id, neighbor, peer_as, api_port=50051):
        self.ns = ns
        self.dir = Path(workdir) / f"gobgp-{ns.name}"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.conf = self.dir / "gobgpd.toml"
        self.log = self.dir / "gobgpd.log"
        self.port = api_port
        self.conf.write_text(f"""[global.config]
  as = {asn}
  router-id = "{router_id}"

[[neighbors]]
  [neighbors.config]
    neighbor-address = "{neighbor}"
    peer-as = {peer_as}
""")
        self.proc = None

    def start(self):
        self.proc = self.ns.popen("gobgpd", "-f", self.conf, "-t", "toml", "--api-hosts",
                                  f"127.0.0.1:{self.port}", "--disable-stdlog", log=self.log)
        wait_until(lambda: self.cli("global").returncode == 0, 10, what="gobgpd")
        return self

    def cli(self, *args):
        return self.ns.exec("gobgp", "-p", str(self.port), *args, check=False)

    # gobgp's API enum: IDLE=1 CONNECT=2 ACTIVE=3 OPENSENT=4 OPENCONFIRM=5 ESTABLISHED=6.
    STATES = {1: "idle", 2: "connect", 3: "active", 4: "opensent", 5: "openconfirm",
              6: "established"}

    def peer_state(self, address):
        r = self.cli("neighbor", address, "-j")
        try:
            state = json.loads(r.stdout)["state"]["session_state"] if r.returncode == 0 else ""
        except (json.JSONDecodeError, KeyError, TypeError):
            return ""
        return self.STATES.get(state, str(state).lower())

    def rib(self):
        r = self.cli("global", "rib", "-j")
        try:
            return json.loads(r.stdout) if r.returncode == 0 and r.stdout.strip() else {}
        except json.JSONDecodeError:
            return {}

    def stop(self):
        if self.proc:
            stop(self.proc)


class ExaBgp:
    """ExaBGP in a namespace with a static config (it connects out)."""

    def __init__(self, ns, workdir, conf_text):
        self.ns = ns
        self.dir = Path(workdir) / f"exabgp-{ns.name}"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.conf = self.dir / "exabgp.conf"
        self.log = self.dir / "exabgp.log"
        self.conf.write_text(conf_text)
        self.proc = None

    def start(self):
        env = dict(os.environ, exabgp_daemon_user="root", exabgp_daemon_daemonize="false",
                   exabgp_log_destination="stdout", exabgp_api_cli="false",
                   exabgp_log_packets="true")
        self.proc = self.ns.popen("exabgp", self.conf, log=self.log, env=env)
        return self

    def log_text(self):
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def stop(self):
        if self.proc:
            stop(self.proc)


def kernel_routes6(ns, dst):
    """The namespace's IPv6 routes to `dst` as `ip -j -6 route` dicts."""
    out = ns.exec("ip", "-j", "-6", "route", "show", dst).stdout
    return json.loads(out) if out.strip() else []
