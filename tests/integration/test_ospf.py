"""OSPFv2 against real routers (issue: OSPF speaker). Two DNS servers running
unbound and anycastd announce 198.19.224.2/32 to one router (FRR ospfd or
BIRD 2); a client behind the router asks for test.home. TXT, which names the
server that answered.

    client 198.18.9.2 -- r -- 198.18.1.0/24 -- s1 (prefix_cost 1)
                         |
                         +--- 198.18.2.0/24 -- s2 (prefix_cost 5)

Hello 1 s, dead 4 s. Every namespace is deleted at the end (the `namespaces`
fixture), and every process in it killed."""

import signal
import time
from pathlib import Path

import pytest

import lab
from lab import wait_until

ANYCAST = "198.19.224.2"
PREFIX = f"{ANYCAST}/32"
ROUTER_ID = "198.18.0.1"


def server_config(name, address, ifname, prefix_cost, link_type="broadcast", md5=None):
    auth = f'\n  authentication = {{ mode = "md5", key_id = 1, key = "{md5}" }}' if md5 else ""
    return f"""
[daemon]
router_id = "{address}"
control_socket = "@SOCKET@"
state_file = "@STATE@"
log_level = "debug"

[[service]]
name = "dns"
prefixes = ["{PREFIX}"]
interval = "200ms"
timeout = "150ms"
rise = 2
fall = 2

  [[service.check]]
  type = "dns"
  name = "test.home."

[ospf]
area = "0.0.0.0"
prefix_cost = {prefix_cost}

  [[ospf.interface]]
  name = "{ifname}"
  type = "{link_type}"
  hello_interval = "1s"
  dead_interval = "4s"{auth}
"""


class Lab:
    """The router, two servers and a client."""

    def __init__(self, namespaces, workdir, link_type="broadcast", md5=None):
        self.workdir = Path(workdir)
        self.r = namespaces("r")
        self.client = namespaces("c")
        self.servers = {"s1": namespaces("s1"), "s2": namespaces("s2")}
        self.addresses = {"s1": "198.18.1.2", "s2": "198.18.2.2"}
        for n, (name, ns) in enumerate(self.servers.items(), 1):
            lab.veth(self.r, f"r-{name}", f"198.18.{n}.1/24", ns, "eth1", f"198.18.{n}.2/24")
            ns.exec("ip", "route", "add", "198.18.0.0/15", "via", f"198.18.{n}.1")
        lab.veth(self.r, "r-c", "198.18.9.1/24", self.client, "eth1", "198.18.9.2/24")
        self.client.exec("ip", "route", "add", "198.19.224.0/24", "via", "198.18.9.1")
        lab.enable_forwarding(self.r)
        self.link_type = link_type
        self.unbound = {}
        self.anycastd = {}
        for cost, (name, ns) in zip((1, 5), self.servers.items()):
            d = self.workdir / name
            d.mkdir()
            d.chmod(0o755)
            self.unbound[name] = lab.Unbound(ns, ANYCAST, d)
            self.anycastd[name] = lab.Anycastd(ns, d, server_config(
                name, self.addresses[name], "eth1", cost, link_type, md5))
        self.router = None

    def start_servers(self):
        for name in self.servers:
            self.unbound[name].start(wait=False)
            self.anycastd[name].start()

    def answer(self):
        r = self.client.exec("dig", "+short", "+time=1", "+tries=1", f"@{ANYCAST}", "test.home.",
                             "TXT", check=False)
        txt = r.stdout.strip().strip('"') if r.returncode == 0 else ""
        for name, ns in self.servers.items():
            if txt == ns.name:
                return name
        return None

    def kernel_via(self):
        return lab.route_via(self.r, ANYCAST)

    def ospf_status(self, name):
        return self.anycastd[name].status()["protocols"]["ospf"]

    def close(self):
        for d in self.anycastd.values():
            if d.proc is not None:
                d.stop(signal.SIGKILL)
        for u in self.unbound.values():
            if u.proc is not None:
                u.kill()
        if self.router is not None:
            self.router.stop()


@pytest.fixture
def make_lab(namespaces, workdir):
    labs = []

    def make(**kw):
        labs.append(Lab(namespaces, workdir, **kw))
        return labs[-1]

    yield make
    for lb in labs:
        lb.close()


def frr(lb, md5=None):
    network_type = "point-to-point" if lb.link_type == "point-to-point" else None
    lb.router = lab.FrrOspf(lb.r, lb.workdir, lab.frr_ospfd_conf(
        ["r-s1", "r-s2"], network_type=network_type, md5_key=md5, router_id=ROUTER_ID)).start()
    return lb.router


def bird(lb):
    lb.router = lab.BirdOspf(lb.r, lb.workdir, ROUTER_ID, "r-s*",
                             ptp=lb.link_type == "point-to-point").start()
    return lb.router


def check_failover(lb):
    """s1 (cheaper) answers; its DNS dies and the client fails over to s2;
    it comes back and s1 answers again."""
    wait_until(lambda: lb.kernel_via() == lb.addresses["s1"], 30, 0.1,
               what="the router's kernel route via s1")
    wait_until(lambda: lb.answer() == "s1", 10, 0.1, what="s1 to answer the client")
    # A quiet period: the first change after it goes out at once (MinLSInterval).
    wait_until(lambda: lb.ospf_status("s1")["router_lsa_age_s"] > 5.2, 10, 0.1,
               what="MinLSInterval since s1's last router-LSA")
    lb.unbound["s1"].kill()
    t0 = time.monotonic()
    wait_until(lambda: lb.answer() == "s2", 10, 0.05, what="failover to s2")
    failover = time.monotonic() - t0
    assert lb.kernel_via() == lb.addresses["s2"]
    lb.unbound["s1"].start(wait=False)
    wait_until(lambda: lb.answer() == "s1", 15, 0.1, what="s1 to answer again")
    return failover


def test_frr_broadcast_adjacency_failover_and_stop(make_lab):
    lb = make_lab()
    router = frr(lb)
    lb.start_servers()
    for name, address in lb.addresses.items():
        wait_until(lambda: router.full_with(address), 30, 0.1, what=f"FRR Full with {name}")
    wait_until(lambda: router.ospf_route(PREFIX), 20, 0.1, what="the OSPF route in FRR")
    status = lb.ospf_status("s1")
    iface = status["interfaces"][0]
    assert iface["name"] == "eth1" and iface["state"] == "DROther"
    assert iface["dr"] == "198.18.1.1" and iface["cost"] == 10
    nbr = status["neighbors"][0]
    assert nbr["router_id"] == ROUTER_ID and nbr["state"] == "Full"
    assert 0 <= nbr["dead_in_s"] <= 4
    assert status["lsdb"]["router"] >= 3 and status["lsdb"]["network"] >= 1
    assert status["lsdb"]["limit"] == 100000
    assert status["router_lsa_seq"].startswith("0x8000")
    # fall x interval + 0.5 s (spec), plus the client's polling.
    assert check_failover(lb) <= 2 * 0.2 + 0.5 + 0.3
    # SIGTERM: the LSA is flushed before exit, within 2 s, and the route goes.
    t0 = time.monotonic()
    assert lb.anycastd["s1"].stop() == 0
    assert time.monotonic() - t0 < 2
    wait_until(lambda: lb.kernel_via() == lb.addresses["s2"], 3, 0.05,
               what="the route to move to s2 after s1's anycastd stopped")
    assert "flushing router-LSA" in lb.anycastd["s1"].log_text()


def test_frr_point_to_point_md5(make_lab):
    lb = make_lab(link_type="point-to-point", md5="s3cret")
    router = frr(lb, md5="s3cret")
    lb.start_servers()
    for name, address in lb.addresses.items():
        wait_until(lambda: router.full_with(address), 30, 0.1, what=f"FRR Full with {name}")
    assert lb.ospf_status("s1")["interfaces"][0]["state"] == "Point-to-point"
    check_failover(lb)
    assert not lb.ospf_status("s1")["interfaces"][0]["dropped"].get("auth_bad_digest")


def test_frr_md5_key_mismatch_is_dropped_and_counted(make_lab):
    lb = make_lab(md5="right")
    router = frr(lb, md5="wrong")
    lb.start_servers()
    wait_until(lambda: lb.ospf_status("s1")["interfaces"][0]["dropped"].get("auth_bad_digest"),
               10, 0.1, what="anycastd to count bad digests")
    assert not router.full_with(lb.addresses["s1"])
    assert lb.ospf_status("s1")["neighbors"] == []


@pytest.mark.parametrize("link_type", ["broadcast", "point-to-point"])
def test_bird(make_lab, link_type):
    lb = make_lab(link_type=link_type)
    router = bird(lb)
    lb.start_servers()
    for name, address in lb.addresses.items():
        wait_until(lambda: router.neighbor_state(address).startswith("Full"), 30, 0.1,
                   what=f"BIRD Full with {name}")
    wait_until(lambda: router.route(PREFIX), 20, 0.1, what="the OSPF route in BIRD")
    check_failover(lb)
