# SPDX-License-Identifier: Apache-2.0
"""Health checks against real servers (issue 14), observed at an FRR router.

    rtr (FRR zebra + ripd) 198.18.20.1 ---- eth1 198.18.20.2  srv
                                                               anycastd [rip], one /32 per service on lo
                                                               nginx (self-signed CA made here with openssl)
                                                               unbound (DoT on 853; one answering wrong data)
                                                               nsd primary 198.18.9.1 + nsd secondary
                                                               chronyd -x (serving time with an offset)

http and DNS over TLS keep their connection between probes
(reuse_connection, the default), except WEBFRESH's check, which connects
anew each time and resumes its TLS session.

One anycastd runs a service per scenario, each with its own anycast /32;
every test changes its own server and watches the route at FRR (ripd's
table and the kernel route it installs), not only anycastd's status.
anycastd's RIP metric is 1 (FRR shows 2) and its degraded_metric 8 (FRR
shows 9); a withdrawn route is sent with metric 16 and leaves FRR at once.
"""

import json
import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

import lab
from lab import wait_until

INTERVAL_MS = 500
TIMEOUT_MS = 400
DEADLINE = 15  # s: rise/fall rounds, the triggered RIP update, FRR installing it

WEB = "198.19.224.11"        # nginx: https, valid certificate for web.test
WEB503 = "198.19.224.12"     # nginx: http, 503 while a flag file exists
EXPIRED = "198.19.224.13"    # nginx: https, certificate expired in 2020
SOON = "198.19.224.14"       # nginx: https, certificate valid for 3 more days
SNI = "198.19.224.15"        # nginx: https, web.test by SNI, other.test by default
DOT = "198.19.224.16"        # unbound: DNS on 53 and DNS over TLS on 853
WRONG = "198.19.224.17"      # unbound: test.home. A, right or wrong data
SECONDARY = "198.19.224.18"  # nsd secondary of home. (primary on PRIMARY)
NTP = "198.19.224.19"        # chronyd serving time
MAINT = "198.19.224.20"      # nginx http, plus the maintenance file
WEBFRESH = "198.19.224.21"   # nginx: WEB's https, a new connection each probe
PRIMARY = "198.18.9.1"       # nsd primary of home.
GOOD_A = "198.18.100.1"      # the right answer for test.home. A


def openssl(*args, cwd):
    lab.run("openssl", *args, cwd=cwd)


class LabCa:
    """A self-signed CA and the server certificates the scenarios need, made
    with the openssl command: valid, expired, expiring in 3 days."""

    def __init__(self, directory):
        self.dir = Path(directory)
        self.dir.mkdir(parents=True, exist_ok=True)
        d = self.dir
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", "ca.key", "-out", "ca.pem", "-days", "30", "-subj",
                "/CN=anycastd test CA", cwd=d)
        (d / "index.txt").write_text("")
        (d / "serial").write_text("1000\n")
        # `openssl ca` for the dates: `openssl x509 -req` cannot backdate.
        (d / "ca.cnf").write_text(f"""[ca]
default_ca = test
[test]
dir = {d}
database = {d}/index.txt
serial = {d}/serial
new_certs_dir = {d}
certificate = {d}/ca.pem
private_key = {d}/ca.key
default_md = sha256
policy = anything
unique_subject = no
copy_extensions = copy
[anything]
commonName = supplied
""")
        self.ca = d / "ca.pem"

    def issue(self, name, sans, start=None, end=None, days=None):
        """Key and certificate `name`.key/.pem for `sans` (e.g.
        "DNS:web.test,IP:198.19.224.11"), valid from `start` to `end`
        (YYYYMMDDHHMMSSZ) or for `days` from now."""
        d = self.dir
        openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", f"/CN={name}",
                "-addext", f"subjectAltName={sans}", cwd=d)
        dates = ["-startdate", start, "-enddate", end] if start else ["-days", str(days)]
        openssl("ca", "-batch", "-config", "ca.cnf", "-in", f"{name}.csr", "-out", f"{name}.pem",
                "-notext", *dates, cwd=d)
        return d / f"{name}.pem", d / f"{name}.key"


class Nginx:
    """nginx in a namespace, with its prefix, logs and temp files in `directory`."""

    def __init__(self, ns, directory, servers):
        self.ns = ns
        self.dir = Path(directory)
        self.dir.mkdir(parents=True, exist_ok=True)
        temp = "\n".join(f"  {kind}_temp_path {self.dir}/{kind};"
                         for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        self.conf = self.dir / "nginx.conf"
        self.conf.write_text(f"""daemon off;
user root;
worker_processes 1;
pid {self.dir}/nginx.pid;
error_log {self.dir}/error.log;
events {{ worker_connections 256; }}
http {{
  access_log off;
{temp}
  ssl_session_cache shared:TEST:1m;
{servers}
}}
""")
        self.proc = None

    def start(self):
        self.proc = self.ns.popen("nginx", "-p", self.dir, "-e",
                                  self.dir / "error.log", "-c", self.conf,
                                  log=self.dir / "stdout.log")
        return self

    def log_text(self):
        p = self.dir / "error.log"
        return p.read_text(errors="replace") if p.exists() else ""


class UnboundServer:
    """unbound answering test.home. A with `answer`, and TXT; with `tls`
    (pem, key) also DNS over TLS on 853."""

    def __init__(self, ns, directory, address, answer, tls=None):
        self.ns = ns
        self.dir = Path(directory)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.address = address
        self.tls = tls
        self.conf = self.dir / "unbound.conf"
        self.log = self.dir / "unbound.log"
        self.write(answer)
        self.proc = None

    def write(self, answer):
        tls = ""
        if self.tls:
            pem, key = self.tls
            tls = (f"  interface: {self.address}@853\n  tls-port: 853\n"
                   f"  tls-service-pem: \"{pem}\"\n  tls-service-key: \"{key}\"\n")
        self.conf.write_text(lab.unbound_conf(f"  interface: {self.address}@53\n{tls}", self.dir,
                                              a=answer, txt=self.address))

    def start(self):
        self.proc = self.ns.popen("unbound", "-d", "-c", self.conf, log=self.log)
        wait_until(self.answers, 10, 0.05, f"unbound on {self.address}")
        return self

    def answers(self):
        r = self.ns.exec("dig", "+short", "+time=1", "+tries=1", f"@{self.address}", "test.home.",
                         "A", check=False)
        return r.returncode == 0 and r.stdout.strip() != ""

    def stop(self):
        if self.proc is not None:
            lab.stop(self.proc, signal.SIGKILL)
            self.proc = None


ZONE = """$TTL 60
@ IN SOA ns1.home. admin.home. {serial} 3600 3600 86400 60
@ IN NS ns1.home.
ns1 IN A {primary}
test IN A {good}
"""


class Nsd:
    """nsd in a namespace with a local control socket; `zone` is the zone
    statement's body for home. (a primary's zonefile, a secondary's
    request-xfr)."""

    def __init__(self, ns, directory, address, zone):
        self.ns = ns
        self.dir = Path(directory)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.dir.chmod(0o755)
        self.conf = self.dir / "nsd.conf"
        self.conf.write_text(f"""server:
  ip-address: {address}
  port: 53
  do-ip6: no
  username: ""
  chroot: ""
  zonesdir: "{self.dir}"
  database: ""
  pidfile: "{self.dir}/nsd.pid"
  xfrdfile: "{self.dir}/xfrd.state"
  zonelistfile: "{self.dir}/zone.list"
  logfile: "{self.dir}/nsd.log"
  server-count: 1
  verbosity: 2
remote-control:
  control-enable: yes
  control-interface: "{self.dir}/nsd.ctl"
zone:
  name: home.
  zonefile: "{self.dir}/home.zone"
{zone}""")
        self.address = address
        self.proc = None

    def start(self):
        self.proc = self.ns.popen("nsd", "-d", "-c", self.conf,
                                  log=self.dir / "stdout.log")
        return self

    def control(self, *args):
        return self.ns.exec("nsd-control", "-c", self.conf, *args, check=False)

    def serial(self):
        r = self.ns.exec("dig", "+short", "+time=1", "+tries=1", f"@{self.address}", "home.",
                         "SOA", check=False)
        parts = r.stdout.split()
        return int(parts[2]) if r.returncode == 0 and len(parts) >= 3 else None

    def log_text(self):
        p = self.dir / "nsd.log"
        return p.read_text(errors="replace") if p.exists() else ""


class Chrony:
    """chronyd -x (never touches the host's clock) serving its time on
    `address` at stratum 8; `offset(seconds)` shifts the time it serves."""

    def __init__(self, ns, directory, address):
        self.ns = ns
        self.dir = Path(directory)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.dir.chmod(0o700)  # chronyd refuses a command socket in an open directory
        self.socket = self.dir / "chronyd.sock"
        self.conf = self.dir / "chrony.conf"
        self.conf.write_text(f"""local stratum 8
manual
allow all
bindaddress {address}
bindcmdaddress {self.socket}
cmdallow all
driftfile {self.dir}/drift
pidfile {self.dir}/chronyd.pid
""")
        self.proc = None

    def start(self):
        self.proc = self.ns.popen("chronyd", "-x", "-d", "-u", "root", "-f",
                                  self.conf, log=self.dir / "chronyd.log")
        wait_until(lambda: self.chronyc("tracking").returncode == 0, 10, 0.1, "chronyd")
        return self

    def chronyc(self, *args):
        return self.ns.exec("chronyc", "-h", self.socket, *args, check=False)

    def offset(self, seconds):
        """Shifts the time chronyd serves by `seconds` ahead of the host's.
        settime takes whole seconds, so it is sent just after a second begins:
        the shift is `seconds` less a few tens of milliseconds."""
        now = time.time()
        time.sleep(1.02 - (now - int(now)))
        when = time.strftime("%b %d, %Y %H:%M:%S", time.localtime(int(time.time()) + seconds))
        r = self.chronyc("settime", when)
        assert r.returncode == 0, r.stdout + r.stderr

    def restart(self):
        """A new chronyd: the host's time again, with no offset."""
        lab.stop(self.proc, signal.SIGKILL)
        return self.start()


SERVICES = f"""
[[service]]
name = "web"
prefixes = ["{WEB}/32"]
  [[service.check]]
  type = "http"
  tls = true
  host = "web.test"
  ca_file = "@CA@"
  expect_body = "web ok"
  cert_min_days = 7

[[service]]
name = "webfresh"
prefixes = ["{WEBFRESH}/32"]
  [[service.check]]
  type = "http"
  target = "{WEB}"
  tls = true
  host = "web.test"
  ca_file = "@CA@"
  reuse_connection = false

[[service]]
name = "web503"
prefixes = ["{WEB503}/32"]
  [[service.check]]
  type = "http"
  path = "/health"

[[service]]
name = "expired"
prefixes = ["{EXPIRED}/32"]
  [[service.check]]
  type = "http"
  tls = true
  host = "expired.test"
  ca_file = "@CA@"

[[service]]
name = "soon"
prefixes = ["{SOON}/32"]
  [[service.check]]
  type = "tcp"
  port = 443
  [[service.check]]
  type = "http"
  tls = true
  host = "soon.test"
  ca_file = "@CA@"
  cert_min_days = 7
  on_failure = "degrade"

[[service]]
name = "sni"
prefixes = ["{SNI}/32"]
  [[service.check]]
  type = "http"
  tls = true
  host = "wrong.test"
  ca_file = "@CA@"

[[service]]
name = "dot"
prefixes = ["{DOT}/32"]
  [[service.check]]
  type = "dns"
  name = "test.home."
  transport = "tls"
  host = "dns.test"
  ca_file = "@CA@"
  expect_answer = ["{GOOD_A}"]

[[service]]
name = "wrongdata"
prefixes = ["{WRONG}/32"]
  [[service.check]]
  type = "dns"
  name = "test.home."
  expect_answer = ["{GOOD_A}"]

[[service]]
name = "secondary"
prefixes = ["{SECONDARY}/32"]
  [[service.check]]
  type = "dns"
  name = "home."
  qtype = "SOA"
  soa_primary = "{PRIMARY}"

[[service]]
name = "ntp"
prefixes = ["{NTP}/32"]
  [[service.check]]
  type = "ntp"
  max_offset = "100ms"

[[service]]
name = "maint"
prefixes = ["{MAINT}/32"]
  [[service.check]]
  type = "http"
  [[service.check]]
  type = "file"
  path = "@MAINT@"
"""


class HealthLab:
    def __init__(self, workdir):
        self.workdir = Path(workdir)
        self.namespaces = []
        self.rtr = self.make_ns("hc-rtr")
        self.srv = self.make_ns("hc-srv")
        lab.veth(self.rtr, "rtr-srv", "198.18.20.1/24", self.srv, "eth1", "198.18.20.2/24")
        lab.enable_forwarding(self.rtr)
        for address in (WEB, WEB503, EXPIRED, SOON, SNI, DOT, WRONG, SECONDARY, NTP, MAINT,
                        WEBFRESH, PRIMARY):
            self.srv.exec("ip", "addr", "add", f"{address}/32", "dev", "lo")
        self.frr = lab.FrrRouter(self.rtr, self.workdir, lab.frr_ripd_conf("hc-rtr", update=5))

        ca = LabCa(self.workdir / "ca")
        self.test_ca = ca
        self.ca = ca.ca
        web = ca.issue("web", f"DNS:web.test,IP:{WEB}", days=30)
        expired = ca.issue("expired", "DNS:expired.test", start="20200101000000Z",
                           end="20200201000000Z")
        soon = ca.issue("soon", "DNS:soon.test", days=3)
        other = ca.issue("other", "DNS:other.test", days=30)
        dns = ca.issue("dns", f"DNS:dns.test,IP:{DOT}", days=30)
        self.flag_503 = self.workdir / "web503.down"
        self.maintenance = self.workdir / "maintenance"

        def tls_server(address, cert, name="", default=""):
            pem, key = cert
            return (f"  server {{ listen {address}:443 ssl{default}; server_name {name};\n"
                    f"    ssl_certificate {pem}; ssl_certificate_key {key};\n"
                    f"    location / {{ return 200 \"{name or address} ok\\n\"; }} }}\n")

        servers = (
            tls_server(WEB, web, "web.test").replace("web.test ok", "web ok")
            + f"  server {{ listen {WEB503}:80; location /health {{\n"
              f"    if (-f {self.flag_503}) {{ return 503; }} return 200 \"ok\\n\"; }} }}\n"
            + tls_server(EXPIRED, expired, "expired.test")
            + tls_server(SOON, soon, "soon.test")
            + tls_server(SNI, other, "other.test", " default_server")
            + tls_server(SNI, web, "web.test")
            + f"  server {{ listen {MAINT}:80; location / {{ return 200 \"ok\\n\"; }} }}\n")
        self.nginx = Nginx(self.srv, self.workdir / "nginx", servers)
        self.dot = UnboundServer(self.srv, self.workdir / "unbound-dot", DOT, GOOD_A, tls=dns)
        self.wrong = UnboundServer(self.srv, self.workdir / "unbound-wrong", WRONG, GOOD_A)
        self.serial = 2024010101
        self.primary = Nsd(self.srv, self.workdir / "nsd-primary", PRIMARY,
                           "  provide-xfr: 0.0.0.0/0 NOKEY\n")
        self.write_primary_zone()
        self.secondary = Nsd(self.srv, self.workdir / "nsd-secondary", SECONDARY,
                             f"  request-xfr: AXFR {PRIMARY} NOKEY\n"
                             f"  allow-notify: {PRIMARY} NOKEY\n")
        self.chrony = Chrony(self.srv, self.workdir / "chrony", NTP)
        config = f"""[daemon]
router_id = "198.18.20.2"
control_socket = "@SOCKET@"
state_file = "@STATE@"
log_level = "debug"

[rip]
interfaces = ["eth1"]
metric = 1
degraded_metric = 8
update_interval = "5s"
""" + SERVICES.replace("@CA@", str(self.ca)).replace("@MAINT@", str(self.maintenance))
        config = config.replace("[[service]]\n", f"[[service]]\ninterval = \"{INTERVAL_MS}ms\"\n"
                                f"timeout = \"{TIMEOUT_MS}ms\"\n")
        self.anycastd = lab.Anycastd(self.srv, self.workdir, config)

    def make_ns(self, name):
        ns = lab.Namespace(f"acd{os.getpid() % 100000}-{name}")
        self.namespaces.append(ns)
        return ns

    def write_primary_zone(self):
        (self.primary.dir / "home.zone").write_text(
            ZONE.format(serial=self.serial, primary=PRIMARY, good=GOOD_A))

    def start(self):
        self.frr.start()
        self.nginx.start()
        self.dot.start()
        self.wrong.start()
        self.primary.start()
        wait_until(lambda: self.primary.serial() == self.serial, 10, 0.1, "the nsd primary")
        self.secondary.start()
        wait_until(lambda: self.secondary.serial() == self.serial, 15, 0.1,
                   "the nsd secondary's first transfer")
        self.chrony.start()
        self.anycastd.start()
        return self

    # ---- what the router and the daemon say ----

    def metric(self, address):
        """FRR ripd's metric for address/32, None when it has no usable route."""
        entry = self.frr.rip_routes().get(f"{address}/32")
        if entry is None or entry["metric"] >= 16:
            return None
        return entry["metric"]

    def kernel_route(self, address):
        return lab.route_via(self.rtr, address)

    def wait_metric(self, address, metric, what):
        """Waits until FRR has `metric` for the address (None: no route),
        and the kernel route agrees."""
        try:
            wait_until(lambda: self.metric(address) == metric, DEADLINE, 0.1, what)
            if metric is None:
                wait_until(lambda: self.kernel_route(address) is None, DEADLINE, 0.1,
                           f"{what}: kernel route gone")
            else:
                wait_until(lambda: self.kernel_route(address) == "198.18.20.2", DEADLINE, 0.1,
                           f"{what}: kernel route via the server")
        except AssertionError as e:
            raise AssertionError(f"{e}\n{self.dump()}") from None

    def service(self, name):
        return self.anycastd.service(name)

    def dump(self):
        status = self.anycastd.status() if self.anycastd.proc.poll() is None else {}
        lines = [json.dumps(status.get("services", []), indent=1)[-6000:],
                 "--- anycastd ---", self.anycastd.log_text()[-4000:],
                 "--- ripd ---", self.frr.vtysh("show ip rip").stdout]
        return "\n".join(lines)

    def close(self):
        for p in (self.anycastd,):
            if p.proc is not None:
                p.stop(signal.SIGKILL)
        self.frr.stop()
        for ns in reversed(self.namespaces):
            ns.close()


@pytest.fixture(scope="module")
def hl():
    workdir = lab.tempdir()
    h = HealthLab(workdir)
    try:
        h.start()
        yield h
    finally:
        h.close()
        if os.environ.get("ANYCASTD_KEEP") is None:
            shutil.rmtree(workdir, ignore_errors=True)


UP = 2        # FRR's metric for anycastd's metric 1
DEGRADED = 9  # FRR's metric for anycastd's degraded_metric 8


def test_https_passes_on_its_kept_connection(hl):
    hl.wait_metric(WEB, UP, "web announced")
    detail = wait_until(lambda: (d := hl.service("web")["checks"][0]["detail"])
                        and "connection reused" in d and d, DEADLINE, 0.2,
                        "a probe on the kept connection")
    # cert_min_days is judged on the kept connection's certificate too.
    assert detail.startswith("HTTP 200, certificate valid 29d, connection reused in "), detail
    assert hl.service("web")["state"] == "up"


def test_https_without_reuse_resumes_the_tls_session(hl):
    hl.wait_metric(WEBFRESH, UP, "webfresh announced")
    detail = wait_until(lambda: (d := hl.service("webfresh")["checks"][0]["detail"])
                        and "TLS resumed" in d and d, DEADLINE, 0.2,
                        "a probe that resumed its TLS session")
    assert detail.startswith("HTTP 200, TLS resumed in "), detail


def test_http_503_withdraws_and_200_brings_it_back(hl):
    hl.wait_metric(WEB503, UP, "web503 announced")
    hl.flag_503.write_text("")
    try:
        hl.wait_metric(WEB503, None, "web503 withdrawn on 503")
        s = hl.service("web503")
        assert s["state"] == "down"
        assert s["checks"][0]["detail"] == "HTTP 503, expected 200"
    finally:
        hl.flag_503.unlink()
    hl.wait_metric(WEB503, UP, "web503 back on 200")


def test_expired_certificate_is_never_announced(hl):
    wait_until(lambda: hl.service("expired")["state"] == "down", DEADLINE, 0.2, "expired down")
    s = hl.service("expired")
    assert s["announce"] == "withdraw"
    assert "certificate has expired" in s["checks"][0]["detail"], s["checks"][0]["detail"]
    assert hl.metric(EXPIRED) is None
    assert hl.kernel_route(EXPIRED) is None


def test_certificate_about_to_expire_degrades_the_metric_at_the_router(hl):
    hl.wait_metric(SOON, DEGRADED, "soon announced with the degraded metric")
    s = hl.service("soon")
    assert (s["state"], s["announce"]) == ("degraded", "degrade")
    https = s["checks"][1]
    assert https["on_failure"] == "degrade"
    assert https["detail"].startswith("HTTP 200, certificate expires in 2d (cert_min_days 7)"), \
        https["detail"]
    # Beside it, a healthy service keeps the better metric.
    assert hl.metric(WEB) == UP
    # The certificate is renewed for 30 days: full metric again.
    hl.test_ca.issue("soon", "DNS:soon.test", days=30)
    os.kill(int((hl.nginx.dir / "nginx.pid").read_text()), signal.SIGHUP)  # reload the certificates
    hl.wait_metric(SOON, UP, "soon back to the full metric after the renewal")


def test_wrong_sni_fails_verification(hl):
    wait_until(lambda: hl.service("sni")["state"] == "down", DEADLINE, 0.2, "sni down")
    detail = hl.service("sni")["checks"][0]["detail"]
    assert "hostname mismatch" in detail, detail
    assert hl.metric(SNI) is None
    # The same server with the right name passes: nginx chose the default
    # server's certificate (other.test) for the unknown name.
    r = lab.run("ip", "netns", "exec", hl.srv.name, "openssl", "s_client", "-connect",
                f"{SNI}:443", "-servername", "web.test", "-CAfile", hl.ca, "-verify_hostname",
                "web.test", check=False, input="")
    assert "Verify return code: 0 (ok)" in r.stdout, r.stdout[-500:]


def test_dns_over_tls_follows_unbound(hl):
    hl.wait_metric(DOT, UP, "dot announced")
    detail = wait_until(lambda: (d := hl.service("dot")["checks"][0]["detail"])
                        and "connection reused" in d and d, DEADLINE, 0.2,
                        "a DoT probe on the kept connection")
    assert detail.startswith("NOERROR, 1 expected answer, connection reused in "), detail
    # unbound dies with the connection open: the next probe finds it closed,
    # cannot connect anew, and the route goes.
    hl.dot.stop()
    try:
        hl.wait_metric(DOT, None, "dot withdrawn without unbound")
        detail = hl.service("dot")["checks"][0]["detail"]
        assert detail == "connect: connection refused", detail
    finally:
        hl.dot.start()
    hl.wait_metric(DOT, UP, "dot back with unbound")
    # The new unbound's connection is kept in turn.
    wait_until(lambda: "connection reused" in hl.service("dot")["checks"][0]["detail"],
               DEADLINE, 0.2, "the DoT connection to the new unbound kept")


def test_resolver_answering_wrong_data_is_withdrawn(hl):
    hl.wait_metric(WRONG, UP, "wrongdata announced")
    hl.wrong.stop()
    hl.wrong.write("198.18.66.6")
    hl.wrong.start()
    try:
        hl.wait_metric(WRONG, None, "wrongdata withdrawn on NOERROR with the wrong address")
        detail = hl.service("wrongdata")["checks"][0]["detail"]
        assert detail == f"NOERROR, {GOOD_A} not in the answer (got 198.18.66.6)", detail
    finally:
        hl.wrong.stop()
        hl.wrong.write(GOOD_A)
        hl.wrong.start()
    hl.wait_metric(WRONG, UP, "wrongdata back with the right data")


def test_stale_secondary_is_withdrawn_until_the_transfer(hl):
    hl.wait_metric(SECONDARY, UP, "secondary announced")
    assert hl.service("secondary")["checks"][0]["detail"].startswith(
        f"serial {hl.serial}, primary {hl.serial} in ")
    # The primary's zone changes; it sends no NOTIFY and the SOA refresh is
    # an hour: the secondary's transfers have stopped.
    hl.serial += 1
    hl.write_primary_zone()
    r = hl.primary.control("reload", "home.")
    assert r.returncode == 0, r.stdout + r.stderr
    wait_until(lambda: hl.primary.serial() == hl.serial, 10, 0.1, "the primary's new serial")
    hl.wait_metric(SECONDARY, None, "the stale secondary withdrawn")
    detail = hl.service("secondary")["checks"][0]["detail"]
    assert detail == (f"serial {hl.serial - 1} is 1 behind the primary's {hl.serial} "
                      "(max_serial_lag 0)"), detail
    assert hl.secondary.serial() == hl.serial - 1  # still serving the old zone
    r = hl.secondary.control("transfer", "home.")
    assert r.returncode == 0, r.stdout + r.stderr
    wait_until(lambda: hl.secondary.serial() == hl.serial, 10, 0.1, "the transfer")
    hl.wait_metric(SECONDARY, UP, "the secondary back after the transfer")


def test_ntp_server_seconds_off_is_withdrawn(hl):
    hl.wait_metric(NTP, UP, "ntp announced")
    hl.chrony.offset(3)
    try:
        hl.wait_metric(NTP, None, "ntp withdrawn with a 3 s offset")
        detail = hl.service("ntp")["checks"][0]["detail"]
        assert "offset beyond max_offset 100.0ms" in detail, detail
        offset = re.search(r"offset \+(\d+\.\d+)s", detail)
        assert offset and 2.5 <= float(offset.group(1)) <= 3.05, detail
    finally:
        hl.chrony.restart()
    hl.wait_metric(NTP, UP, "ntp back in time")


def test_maintenance_file_drains_the_node(hl):
    hl.wait_metric(MAINT, UP, "maint announced")
    hl.maintenance.write_text("")
    try:
        hl.wait_metric(MAINT, None, "maint withdrawn by the maintenance file")
        s = hl.service("maint")
        assert s["state"] == "down"
        assert s["reason"].endswith(f"maintenance file {hl.maintenance} exists"), s["reason"]
    finally:
        hl.maintenance.unlink()
    hl.wait_metric(MAINT, UP, "maint back without the file")
    r = hl.anycastd.ctl("status")
    assert "maint" in r.stdout and "file " + str(hl.maintenance) in r.stdout


def test_killed_nginx_withdraws_its_kept_connections_and_comes_back(hl):
    """Last: it takes every nginx service down for a while."""
    for address in (WEB, WEB503, MAINT):
        hl.wait_metric(address, UP, f"{address} announced")
    wait_until(lambda: "connection reused" in hl.service("web")["checks"][0]["detail"],
               DEADLINE, 0.2, "web on its kept connection")
    lab.stop(hl.nginx.proc, signal.SIGKILL)  # master and worker: every connection closes
    try:
        for address in (WEB, WEB503, MAINT):
            hl.wait_metric(address, None, f"{address} withdrawn without nginx")
        detail = hl.service("web")["checks"][0]["detail"]
        assert detail == "connect: connection refused", detail
    finally:
        hl.nginx.start()
    for address in (WEB, WEB503, MAINT):
        hl.wait_metric(address, UP, f"{address} back with the new nginx")
    wait_until(lambda: "connection reused" in hl.service("web")["checks"][0]["detail"],
               DEADLINE, 0.2, "web's connection to the new nginx kept")
