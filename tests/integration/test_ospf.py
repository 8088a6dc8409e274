# SPDX-License-Identifier: Apache-2.0
"""OSPFv2 against real routers (issue: OSPF speaker). Two DNS servers running
unbound and anycastd announce 198.19.224.2/32 to one router (FRR ospfd or
BIRD 2); a client behind the router asks for test.home. TXT, which names the
server that answered.

    client 198.18.9.2 -- r -- 198.18.1.0/24 -- s1 (prefix_cost 1)
                         |
                         +--- 198.18.2.0/24 -- s2 (prefix_cost 5)

Hello 1 s, dead 4 s. Every namespace is deleted at the end (the `namespaces`
fixture), and every process in it killed."""

import os
import signal
import time
from pathlib import Path

import pytest

import lab
from lab import wait_until

ANYCAST = "198.19.224.2"
PREFIX = f"{ANYCAST}/32"
ROUTER_ID = "198.18.0.1"


def server_config(name, address, ifname, prefix_cost, link_type="broadcast", md5=None,
                  area="0.0.0.0", area_type="normal"):
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
area = "{area}"
area_type = "{area_type}"
prefix_cost = {prefix_cost}

  [[ospf.interface]]
  name = "{ifname}"
  type = "{link_type}"
  hello_interval = "1s"
  dead_interval = "4s"{auth}
"""


class Lab(lab.DnsServers):
    """The router, two servers and a client."""

    def __init__(self, namespaces, workdir, link_type="broadcast", md5=None, area_type="normal"):
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
        self.area_type = area_type
        self.area = "0.0.0.0" if area_type == "normal" else "0.0.0.1"
        costs = {"s1": 1, "s2": 5}
        super().__init__(self.servers, workdir, lambda name: server_config(
            name, self.addresses[name], "eth1", costs[name], link_type, md5, self.area, area_type))
        self.router = None

    def answer(self):
        return self.answered_by(self.client)

    def kernel_via(self):
        return lab.route_via(self.r, ANYCAST)

    def ospf_status(self, name):
        return self.anycastd[name].status()["protocols"]["ospf"]

    def close(self):
        self.stop_servers()
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
    area_type = None if lb.area_type == "normal" else lb.area_type
    lb.router = lab.FrrOspf(lb.r, lb.workdir, lab.frr_ospfd_conf(
        ["r-s1", "r-s2"], network_type=network_type, md5_key=md5, router_id=ROUTER_ID,
        area=lb.area, area_type=area_type)).start()
    return lb.router


def bird(lb):
    lb.router = lab.BirdOspf(lb.r, lb.workdir, ROUTER_ID, "r-s*",
                             ptp=lb.link_type == "point-to-point", area=lb.area,
                             area_type=None if lb.area_type == "normal" else lb.area_type).start()
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


EXTRA = "198.19.224.3"
EXTRA_SERVICE = f"""
[[service]]
name = "extra"
prefixes = ["{EXTRA}/32"]
interval = "200ms"

  [[service.check]]
  type = "exec"
  command = ["/bin/true"]
"""


def frr_neighbor(router, router_id):
    """FRR's view of neighbour `router_id`: its state, how many state changes
    it went through, and for how long it has been up (ms)."""
    detail = router.json(f"show ip ospf neighbor {router_id} detail json").get(router_id, [{}])
    brief = router.json("show ip ospf neighbor json").get("neighbors", {}).get(router_id, [{}])
    return {"state": detail[0].get("nbrState", ""),
            "changes": detail[0].get("stateChangeCounter"),
            "up_ms": brief[0].get("upTimeInMsec", 0)}


def frr_with_s1(make_lab):
    """FRR broadcast and s1 alone, Full, with FRR's route through s1."""
    lb = make_lab()
    router = frr(lb)
    lb.unbound["s1"].start(wait=False)
    lb.anycastd["s1"].start()
    wait_until(lambda: router.full_with(lb.addresses["s1"]), 30, 0.1, what="FRR Full with s1")
    wait_until(lambda: router.ospf_route(PREFIX), 20, 0.1, what="the OSPF route in FRR")
    return lb, router, lb.addresses["s1"]


def test_frr_reload_of_announcements_keeps_the_adjacency(make_lab):
    """A reload that adds a service and changes prefix_cost re-originates our
    router-LSA: FRR's route follows, and its adjacency with us is untouched
    (no state change, its uptime runs on)."""
    lb, router, s1 = frr_with_s1(make_lab)
    wait_until(lambda: (router.ospf_route(PREFIX) or {}).get("metric") == 11, 20, 0.1,
               what="the route at FRR's cost 10 + prefix_cost 1")
    before = frr_neighbor(router, s1)
    ours = lb.ospf_status("s1")["neighbors"][0]
    assert ours["state"] == "Full"
    config = lb.anycastd["s1"].config
    config.write_text(config.read_text().replace("prefix_cost = 1", "prefix_cost = 3")
                      .replace("[ospf]", EXTRA_SERVICE + "\n[ospf]"))
    t0 = time.monotonic()
    assert lb.anycastd["s1"].ctl("reload").returncode == 0
    wait_until(lambda: (router.ospf_route(PREFIX) or {}).get("metric") == 13, 10, 0.05,
               what="the new prefix_cost in FRR's route")
    wait_until(lambda: router.ospf_route(f"{EXTRA}/32"), 10, 0.05,
               what="the new service's prefix in FRR's table")
    took = time.monotonic() - t0
    after = frr_neighbor(router, s1)
    assert after["state"].startswith("Full")
    # No Down, ExStart or Exchange again: no state change at all.
    assert after["changes"] == before["changes"], (before, after)
    assert after["up_ms"] >= before["up_ms"] + took * 1000 - 200, (before, after)
    ours_after = lb.ospf_status("s1")["neighbors"][0]
    assert ours_after["state"] == "Full"
    assert ours_after["state_for_s"] >= ours["state_for_s"] + int(took)


def test_bad_packets_each_move_exactly_their_counter(make_lab):
    """One bad packet of each class, sent from the router's namespace straight
    to s1: exactly its drop reason moves by one, nothing else is dropped, and
    every packet is counted once (received = accepted + dropped)."""
    lb, router, s1 = frr_with_s1(make_lab)
    stranger = "198.18.0.99"  # a router ID nobody uses
    hello = lab.ospf_hello(neighbors=[s1])
    bad_sum = bytearray(lab.ospf_packet(1, stranger, hello))
    bad_sum[12] ^= 0xff
    bad_lsa = bytearray(lab.ospf_router_lsa(ROUTER_ID, 0x80000100,
                                            [("198.18.1.0", "255.255.255.0")]))
    bad_lsa[16] ^= 0xff
    cases = [
        ("bad_checksum", bytes(bad_sum), None),
        ("auth_wrong_type", lab.ospf_packet(1, stranger, hello, au_type=1, auth=b"secret"),
         None),
        ("bad_version", lab.ospf_packet(1, stranger, hello, version=3), None),
        ("wrong_area", lab.ospf_packet(1, stranger, hello, area="0.0.0.1"), None),
        ("interval_mismatch", lab.ospf_packet(1, stranger, lab.ospf_hello(hello=7)), None),
        ("netmask_mismatch", lab.ospf_packet(1, stranger, lab.ospf_hello(mask="255.255.0.0")),
         None),
        ("options_mismatch", lab.ospf_packet(1, stranger, lab.ospf_hello(options=0)), None),
        ("truncated", lab.ospf_packet(1, stranger, hello)[:20], None),
        ("bad_length", lab.ospf_packet(5, stranger, b"")[:2] + (100).to_bytes(2, "big")
         + lab.ospf_packet(5, stranger, b"")[4:], None),
        ("own_router_id", lab.ospf_packet(1, s1, hello), None),
        ("unknown_neighbor", lab.ospf_packet(5, stranger, b""), None),
        ("not_on_link", lab.ospf_packet(1, stranger, hello), "198.18.77.1"),
        # A valid LS Update from FRR's router ID: accepted, its one LSA dropped.
        ("lsa:bad_checksum",
         lab.ospf_packet(4, ROUTER_ID, (1).to_bytes(4, "big") + bytes(bad_lsa)), None),
    ]

    def counters():
        status = lb.ospf_status("s1")
        iface = status["interfaces"][0]
        assert status["received"] == status["accepted"] + sum(status["dropped"].values())
        assert iface["received"] == iface["accepted"] + sum(iface["dropped"].values())
        assert iface["dropped"] == status["dropped"]
        moved = dict(status["dropped"])
        moved.update({f"lsa:{k}": v for k, v in status.get("lsa_dropped", {}).items()})
        return moved, status["accepted"]

    for reason, packet, source in cases:
        before, accepted = counters()
        lab.ospf_send(lb.r, "r-s1", s1, packet, source)
        wait_until(lambda: counters()[0].get(reason, 0) > before.get(reason, 0), 5, 0.05,
                   what=f"anycastd to count {reason}")
        after, accepted_after = counters()
        delta = {k: v - before.get(k, 0) for k, v in after.items() if v != before.get(k, 0)}
        assert delta == {reason: 1}, (reason, delta)
        if reason.startswith("lsa:"):
            assert accepted_after > accepted
    # None of it disturbed the adjacency.
    assert router.full_with(s1)
    # anycastctl status shows them (an LSA that FRR flooded twice within
    # MinLSArrival while the adjacency formed may be there too).
    lines = lb.anycastd["s1"].ctl("status").stdout.splitlines()
    packets = next(line for line in lines if line.startswith("ospf: dropped 12 of "))
    assert "auth_wrong_type 1" in packets and "wrong_area 1" in packets
    assert "bad_checksum 1" in next(line for line in lines if "dropped" in line and "LSAs" in line)


# ---- issue 13: faults right after convergence; stub areas and NSSAs ----

UPSTREAMS = {"frr": frr, "bird": bird}


def converge(lb, upstream):
    """Starts the router and both servers; returns once the router's kernel
    routes the anycast prefix via s1 and the client gets s1's answer."""
    UPSTREAMS[upstream](lb)
    lb.start_servers()
    wait_until(lambda: lb.kernel_via() == lb.addresses["s1"], 40, 0.05,
               what="the router's kernel route via s1")
    wait_until(lambda: lb.answer() == "s1", 10, 0.05, what="s1 to answer the client")
    return time.monotonic()


def failover(lb, converged):
    """Kills s1's DNS at once and returns how long the client took to get
    s2's answer, after checking the fault came within 2 s of convergence."""
    lb.unbound["s1"].kill()
    t0 = time.monotonic()
    assert t0 - converged < 2, "the fault must come within 2 s of convergence"
    wait_until(lambda: lb.answer() == "s2", 15, 0.05, what="failover to s2")
    return time.monotonic() - t0


# The router's own delay after the withdrawal reaches it: FRR recomputes an
# external route at once (incremental); BIRD at its next `tick` (1 s).
ROUTER_DELAY = {"frr": 0.0, "bird": 1.0}
# fall 2 x interval 200 ms, then the withdrawal (spec: within 0.5 s), plus
# the client's polling and a loaded 2-core machine. MinLSInterval (5 s) is
# what issue 13 was about; these stay clearly below it.
DETECT = 2 * 0.2
MIN_LS_ARRIVAL_RESEND = 1.1
MARGIN = 0.8


@pytest.mark.parametrize("upstream", ["frr", "bird"])
def test_normal_area_kill_recovery_and_sigterm_right_after_convergence(make_lab, upstream):
    lb = make_lab()
    converged = converge(lb, upstream)
    status = lb.ospf_status("s1")
    assert status["area_type"] == "normal" and status["announce_as"] == "external"
    assert status["announced"][0]["lsa"] == "external"
    assert status["announced"][0]["ls_id"] == ANYCAST
    text = lb.anycastd["s1"].ctl("status").stdout
    assert f"ospf: {PREFIX} cost 1 in type-5 LSA {ANYCAST}" in text
    took = failover(lb, converged)
    assert took <= DETECT + 0.5 + ROUTER_DELAY[upstream] + MARGIN, took
    # Recovery right away: rise 2, and the new instance of s1's LSA waits
    # until MinLSInterval after its first one (DESIGN.md), so within 5 s
    # of that plus detection.
    wait_until(lambda: lb.kernel_via() == lb.addresses["s2"], 5, 0.05, what="the route via s2")
    lb.unbound["s1"].start(wait=False)
    t0 = time.monotonic()
    wait_until(lambda: lb.answer() == "s1", 15, 0.05, what="s1 to answer again")
    back = time.monotonic() - t0
    assert back <= 5 + DETECT + ROUTER_DELAY[upstream] + MARGIN + 1, back
    # SIGTERM within 2 s of that convergence: the router has the withdrawal
    # within 0.5 s (here: its kernel route moves to s2). Not within the
    # router's MinLSArrival (1 s) of the re-announcement: it would discard
    # the flush, which would take until our resend at MinLSArrival + 0.1 s.
    wait_until(lambda: lb.kernel_via() == lb.addresses["s1"], 5, 0.05, what="the route via s1")
    converged = time.monotonic()
    time.sleep(1.2)
    proc = lb.anycastd["s1"].proc
    os.killpg(proc.pid, signal.SIGTERM)
    t0 = time.monotonic()
    assert t0 - converged < 2
    wait_until(lambda: lb.kernel_via() == lb.addresses["s2"], 10, 0.02,
               what="the router's route to move to s2 after SIGTERM")
    gone = time.monotonic() - t0
    print(f"{upstream}: failover {took:.2f} s, recovery {back:.2f} s, SIGTERM {gone:.2f} s")
    assert gone <= 0.5 + ROUTER_DELAY[upstream] + MARGIN, gone
    assert proc.wait(5) == 0
    assert "flushing external-LSA" in lb.anycastd["s1"].log_text()


@pytest.mark.parametrize("upstream", ["frr", "bird"])
@pytest.mark.parametrize("area_type", ["stub", "nssa"])
def test_stub_and_nssa_areas_converge_and_fail_over(make_lab, upstream, area_type):
    lb = make_lab(area_type=area_type)
    converged = converge(lb, upstream)
    status = lb.ospf_status("s1")
    assert status["area"] == "0.0.0.1" and status["area_type"] == area_type
    announced = status["announced"][0]
    text = lb.anycastd["s1"].ctl("status").stdout
    assert f"ospf: area 0.0.0.1 ({area_type})" in text
    took = failover(lb, converged)
    print(f"{upstream} {area_type}: failover {took:.2f} s")
    bound = DETECT + 0.5 + ROUTER_DELAY[upstream] + MARGIN
    if area_type == "nssa":
        # A type-7 LSA of its own, flushed at once.
        assert announced["lsa"] == "nssa_external", announced
        assert f"ospf: {PREFIX} cost 1 in type-7 LSA {ANYCAST}" in text
    else:
        # No external LSAs in a stub area: a stub link of the router-LSA.
        # The adjacency's change holds a new one for MinLSInterval, so the
        # withdrawal of the only prefix flushes the router-LSA at once.
        assert announced["lsa"] == "router", announced
        assert f"ospf: {PREFIX} cost 1 in a stub link of the router-LSA" in text
        assert "flushing router-LSA" in lb.anycastd["s1"].log_text()
        # The router-LSA that made us reachable (held by MinLSInterval until
        # 5 s after our first) came just before convergence: a flush within
        # the router's MinLSArrival (1 s) of it is discarded, and we resend
        # it MinLSArrival + 0.1 s after that instance (DESIGN.md).
        bound += MIN_LS_ARRIVAL_RESEND
    assert took <= bound, took
    lb.unbound["s1"].start(wait=False)
    wait_until(lambda: lb.answer() == "s1", 15, 0.1, what="s1 to answer again")
