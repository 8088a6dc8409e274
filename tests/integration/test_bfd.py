# SPDX-License-Identifier: Apache-2.0
"""BFD (issue 12): the host's link dies behind a switch, where the router's
own interface stays up, and the router drops the host within BFD's detection
time instead of its protocol's timer. FRR bfdd as the router's BFD.

    client 198.18.9.2 -- r -- r-s1 198.18.1.1 == switch (bridge) == s1 198.18.1.2
                         |
                         +--- r-s2 198.18.2.1 --------------------- s2 198.18.2.2

Both servers run unbound on 198.19.224.2 (its TXT answer names the server)
and anycastd, s1 preferred. BFD 300 ms x 3 on both sides (FRR's default)."""

import time
from pathlib import Path

import pytest

import lab
from lab import wait_until

ANYCAST = "198.19.224.2"
PREFIX = f"{ANYCAST}/32"
ROUTER_ID = "198.18.0.1"
ADDRESSES = {"s1": "198.18.1.2", "s2": "198.18.2.2"}
ROUTER_SIDE = {"s1": "198.18.1.1", "s2": "198.18.2.1"}
DETECTION = 0.9  # 3 x 300 ms


def bfd_section(auth=None):
    line = f'\nauthentication = {{ mode = "{auth[0]}", key_id = 1, key = "{auth[1]}" }}' if auth \
        else ""
    return f'\n[bfd]\nmin_tx = "300ms"\nmin_rx = "300ms"\nmultiplier = 3{line}\n'


def server_config(name, protocol, auth=None, announce_as=None):
    address = ADDRESSES[name]
    head = f"""
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

  [[service.check]]
  type = "dns"
  target = "{ANYCAST}"
  name = "test.home."
"""
    if protocol == "rip":
        body = f"""
[rip]
interfaces = ["eth1"]
metric = {1 if name == "s1" else 3}
update_interval = "5s"
bfd = true
"""
    elif protocol == "ospf":
        body = f"""
[ospf]
prefix_cost = {1 if name == "s1" else 5}
{f'announce_as = "{announce_as}"' if announce_as else ""}

  [[ospf.interface]]
  name = "eth1"
  hello_interval = "1s"
  dead_interval = "10s"
  bfd = true
"""
    else:
        body = f"""
[bgp]
asn = {65101 if name == "s1" else 65102}

  [[bgp.neighbor]]
  address = "{ROUTER_SIDE[name]}"
  remote_asn = 65001
  hold_time = "30s"
  bfd = true
"""
    return head + body + bfd_section(auth)


# BIRD as the BGP router, s1 preferred (local preference), BFD on both sessions.
# A BFD Down counts as an error for BIRD (bgp_update_startup_delay): the
# session waits `error wait time` (default 60-300 s) before it starts again;
# 1-5 s here, so a test or bench sees s1 come back soon after its link.
BIRD_BGP = f"""
log "@LOG@" all;
router id {ROUTER_ID};
protocol device {{ scan time 1; }}
protocol kernel {{ ipv4 {{ export all; }}; }}
protocol bfd {{
  interface "r-s*" {{ min rx interval 300 ms; min tx interval 300 ms; multiplier 3; }};
}}
protocol bgp s1 {{
  local {ROUTER_SIDE["s1"]} as 65001; neighbor {ADDRESSES["s1"]} as 65101;
  hold time 30; bfd on; error wait time 1, 5;
  ipv4 {{ import filter {{ bgp_local_pref = 200; accept; }}; export none; }};
}}
protocol bgp s2 {{
  local {ROUTER_SIDE["s2"]} as 65001; neighbor {ADDRESSES["s2"]} as 65102;
  hold time 30; bfd on;
  ipv4 {{ import all; export none; }};
}}
"""


class Lab(lab.DnsServers):
    def __init__(self, namespaces, workdir, protocol, router="frr", auth=None, bird_bfd="",
                 announce_as=None):
        self.workdir = Path(workdir)
        self.protocol = protocol
        self.r = namespaces("r")
        self.sw = namespaces("sw")
        self.client = namespaces("c")
        self.servers = {"s1": namespaces("s1"), "s2": namespaces("s2")}
        # s1 hangs off a bridge: cutting its port leaves the router's link up.
        self.sw.exec("ip", "link", "add", "br0", "type", "bridge")
        self.sw.exec("ip", "link", "set", "br0", "up")
        lab.run("ip", "link", "add", "r-s1", "netns", self.r.name, "type", "veth", "peer",
                "name", "sw-r", "netns", self.sw.name)
        lab.run("ip", "link", "add", "sw-s1", "netns", self.sw.name, "type", "veth", "peer",
                "name", "eth1", "netns", self.servers["s1"].name)
        for port in ("sw-r", "sw-s1"):
            self.sw.exec("ip", "link", "set", port, "master", "br0")
            self.sw.exec("ip", "link", "set", port, "up")
        self.r.exec("ip", "addr", "add", "198.18.1.1/24", "dev", "r-s1")
        self.r.exec("ip", "link", "set", "r-s1", "up")
        s1 = self.servers["s1"]
        s1.exec("ip", "addr", "add", "198.18.1.2/24", "dev", "eth1")
        s1.exec("ip", "link", "set", "eth1", "up")
        lab.veth(self.r, "r-s2", "198.18.2.1/24", self.servers["s2"], "eth1", "198.18.2.2/24")
        for n, ns in enumerate(self.servers.values(), 1):
            ns.exec("ip", "route", "add", "198.18.0.0/15", "via", f"198.18.{n}.1")
        lab.veth(self.r, "r-c", "198.18.9.1/24", self.client, "eth1", "198.18.9.2/24")
        self.client.exec("ip", "route", "add", "198.19.224.0/24", "via", "198.18.9.1")
        lab.enable_forwarding(self.r)
        super().__init__(self.servers, workdir,
                         lambda name: server_config(name, protocol, auth, announce_as))
        self.kind = router
        if router == "bird" and protocol == "bgp":
            self.router = lab.BirdRouter(self.r, self.workdir, BIRD_BGP)
        elif router == "bird" and protocol == "rip":
            self.router = lab.BirdRouter(self.r, self.workdir,
                                         lab.bird_conf(ROUTER_ID, "r-s*", update=5, bfd=True))
        elif router == "bird":
            self.router = lab.BirdOspf(self.r, self.workdir, ROUTER_ID, "r-s*", dead=10,
                                       bfd=bird_bfd)
        elif protocol == "ospf":
            conf = lab.frr_ospfd_conf(["r-s1", "r-s2"], hello=1, dead=10, router_id=ROUTER_ID)
            conf = conf.replace(" ip ospf retransmit-interval 2",
                                " ip ospf retransmit-interval 2\n ip ospf bfd")
            self.router = lab.FrrOspf(self.r, self.workdir, conf, bfdd=True)
        else:
            conf = lab.frr_bgpd_conf(65001, ROUTER_ID, [
                {"address": ADDRESSES["s1"], "remote_as": 65101, "bfd": True},
                {"address": ADDRESSES["s2"], "remote_as": 65102, "bfd": True}])
            # s1 preferred: a shorter AS path is not available, so a higher local-pref.
            conf += ("route-map PREFER permit 10\n set local-preference 200\n!\n"
                     "router bgp 65001\n address-family ipv4 unicast\n"
                     f"  neighbor {ADDRESSES['s1']} route-map PREFER in\n"
                     " exit-address-family\n")
            self.router = lab.FrrBgp(self.r, self.workdir, conf, bfdd=True)

    def start(self):
        self.router.start()
        self.start_servers()
        return self

    def answer(self):
        return self.answered_by(self.client)

    def bfd(self, name):
        return self.anycastd[name].status()["protocols"]["bfd"]

    def session(self, name):
        sessions = self.bfd(name)["sessions"]
        return sessions[0] if sessions else {}

    def router_peer(self, name):
        """The router's session with `name`: FRR's `show bfd peers` entry, or
        {"status": state} from BIRD's `show bfd sessions`."""
        if self.kind == "bird":
            state = self.router.bfd_sessions().get(ADDRESSES[name])
            return {"status": state.lower()} if state else {}
        return self.router.bfd_peers().get(ADDRESSES[name], {})

    def wait_up(self):
        for name in self.servers:
            wait_until(lambda: self.session(name).get("state") == "Up", 30, 0.1,
                       what=f"{name}'s BFD session Up")
            wait_until(lambda: self.router_peer(name).get("status") == "up", 10, 0.1,
                       what=f"FRR's BFD session with {name} up")
        wait_until(lambda: self.answer() == "s1", 30, 0.1, what="s1 to answer the client")

    def cut_s1(self):
        self.sw.exec("ip", "link", "set", "sw-s1", "down")

    def close(self):
        self.stop_servers()
        self.router.stop()


@pytest.fixture
def make_lab(namespaces, workdir):
    labs = []

    def make(*args, **kw):
        labs.append(Lab(namespaces, workdir, *args, **kw))
        return labs[-1]

    yield make
    for lb in labs:
        lb.close()


@pytest.mark.parametrize("protocol,router", [("ospf", "frr"), ("bgp", "frr"), ("bgp", "bird")])
def test_link_cut_fails_over_within_the_detection_time(make_lab, protocol, router):
    lb = make_lab(protocol, router=router).start()
    lb.wait_up()
    check_link_cut(lb, protocol)


def check_link_cut(lb, protocol):
    if protocol == "rip":
        # BIRD keeps only s1's better route, not s2's. When s1 goes, BIRD
        # advertises the prefix to s2 with metric 16 and s2 answers with its
        # route at once, provided BIRD told s2 a finite metric before: its
        # periodic update (every 5 s) after s1's route came does.
        def updates():
            rip = lb.anycastd["s2"].status()["protocols"]["rip"]
            return rip["interfaces"][0]["updates_received"]
        heard = updates()
        t = time.monotonic()
        wait_until(lambda: updates() > heard and time.monotonic() - t > 5.5, 15, 0.1,
                   what="a periodic update from the router to s2")
    s = lb.session("s1")
    assert s["peer"] == ROUTER_SIDE["s1"] and s["clients"] == [protocol]
    assert s["tx_interval_ms"] == 300 and s["detection_time_ms"] == 900
    assert s["ever_up"] and s["uptime_s"] is not None
    line = next(x for x in lb.anycastd["s1"].ctl("status").stdout.splitlines()
                if x.startswith(f"bfd: {ROUTER_SIDE['s1']}"))
    assert " Up for " in line and "tx 300ms rx 300ms, detect 900ms" in line, line
    lb.cut_s1()
    t0 = time.monotonic()
    wait_until(lambda: lb.router_peer("s1").get("status") != "up", 5, 0.02,
               what="FRR's BFD session with s1 down")
    detected = time.monotonic() - t0
    wait_until(lambda: lb.answer() == "s2", 10, 0.05, what="failover to s2")
    failover = time.monotonic() - t0
    print(f"{protocol}: BFD down at the router after {detected:.2f}s, client on s2 after {failover:.2f}s")
    # Without BFD: OSPF dead 10 s, BGP hold 30 s. The detection time is 0.9 s;
    # the margin is for a loaded machine and the client's 1 s dig timeout.
    assert detected < DETECTION + 1.0
    # With RIP too: s2 answers BIRD's metric 16 at once instead of at its next
    # periodic update (5 s here; the RIP timeout is 15 s).
    assert failover < DETECTION + 2.5
    if protocol == "rip":
        assert "198.18.2.1 lost its route to our prefixes" in lb.anycastd["s2"].log_text()
    # s1's side saw it too (the session then goes with the neighbour it served).
    wait_until(lambda: "Up -> Down (diag control_detection_time_expired)"
               in lb.anycastd["s1"].log_text(), 5, 0.1, what="s1 to detect the failure")
    # The link comes back: BFD and the route return.
    lb.sw.exec("ip", "link", "set", "sw-s1", "up")
    wait_until(lambda: lb.answer() == "s1", 60, 0.2, what="s1 to answer again")


def test_sigterm_shows_admin_down_at_the_router(make_lab):
    # BGP: FRR keeps a configured neighbour's BFD session after the BGP
    # session closed (ospfd drops it with the neighbour), so its state shows.
    lb = make_lab("bgp").start()
    lb.wait_up()
    t0 = time.monotonic()
    assert lb.anycastd["s1"].stop() == 0
    assert time.monotonic() - t0 < 2
    peer = wait_until(lambda: (lambda p: p if p.get("status") == "down" else None)(
        lb.router_peer("s1")), 5, 0.05, what="FRR's session with s1 down")
    # RFC 5882 §3.2: AdminDown, not a failure.
    assert peer.get("remote-diagnostic") == "administratively down", peer
    assert "Up -> AdminDown (diag administratively_down)" in lb.anycastd["s1"].log_text()
    # The service's withdrawal still came first: the client is on s2.
    wait_until(lambda: lb.answer() == "s2", 10, 0.1, what="the client on s2")


def test_ttl_254_is_dropped_and_counted_and_a_dead_service_keeps_bfd_up(make_lab):
    lb = make_lab("ospf").start()
    lb.wait_up()
    before = lb.session("s1")
    # A Down packet naming s1's discriminator, from the router's address, TTL 254.
    packet = (bytes([0x20, 0x40, 3, 24]) + (0x12345).to_bytes(4, "big")
              + before["local_discriminator"].to_bytes(4, "big")
              + (1000000).to_bytes(4, "big") + (300000).to_bytes(4, "big") + bytes(4))
    lab.send_udp(lb.r, ROUTER_SIDE["s1"], 49999, ADDRESSES["s1"], 3784, packet, ttl=254)
    wait_until(lambda: lb.session("s1")["dropped"].get("bad_ttl") == 1, 5, 0.05,
               what="s1 to drop and count the TTL-254 packet")
    after = lb.session("s1")
    assert after["state"] == "Up" and after["up_to_down"] == 0
    assert after["received"] == after["accepted"] + sum(after["dropped"].values())
    line = next(x for x in lb.anycastd["s1"].ctl("status").stdout.splitlines()
                if x.startswith("bfd: dropped"))
    assert "bad_ttl 1" in line, line
    # BFD reports the host, the probes the service: s1's DNS dies, the client
    # moves as before, and the session stays Up.
    lb.unbound["s1"].kill()
    wait_until(lambda: lb.answer() == "s2", 10, 0.05, what="service failover to s2")
    assert lb.session("s1")["state"] == "Up" and lb.session("s1")["up_to_down"] == 0


def test_bird_ospf_meticulous_sha1_link_cut(make_lab):
    lb = make_lab("ospf", router="bird", auth=("meticulous-sha1", "s3cret"),
                  bird_bfd='authentication meticulous keyed sha1; password "s3cret" { id 1; };')
    lb.start()
    lb.wait_up()
    check_link_cut(lb, "ospf")


def test_bird_rip_link_cut(make_lab):
    """BIRD drops s1's RIP routes when BFD says s1 is gone (its RIP timeout is 15 s)."""
    lb = make_lab("rip", router="bird")
    lb.start()
    lb.wait_up()
    check_link_cut(lb, "rip")


def test_bird_wrong_sha1_key_never_comes_up(make_lab):
    lb = make_lab("ospf", router="bird", auth=("sha1", "right"),
                  bird_bfd='authentication keyed sha1; password "wrong" { id 1; };')
    lb.start()
    wait_until(lambda: lb.session("s1").get("dropped", {}).get("auth_bad_digest", 0) >= 3, 20,
               0.1, what="s1 to drop BIRD's packets with the wrong digest")
    s = lb.session("s1")
    assert s["state"] == "Down" and not s["ever_up"], s
    assert lb.router_peer("s1").get("status") != "up"
    line = next(x for x in lb.anycastd["s1"].ctl("status").stdout.splitlines()
                if x.startswith(f"bfd: {ROUTER_SIDE['s1']}"))
    assert "never Up; blocks nothing" in line, line
    # A session that never came Up blocks nothing: OSPF is Full and s1 serves.
    wait_until(lambda: lb.answer() == "s1", 30, 0.1, what="s1 to answer the client")
