# SPDX-License-Identifier: Apache-2.0
"""The BGP speaker against real routers in network namespaces: FRR bgpd,
BIRD 2 and GoBGP as the upstream, ExaBGP as a sender of malformed UPDATEs.

    client (198.18.3.2) -- router (198.18.3.1 / .1.1 / .2.1) -- srv1 (198.18.1.2)
                                                             -- srv2 (198.18.2.2)

Both servers run unbound on 198.19.224.2 and anycastd announcing it."""

import signal
from pathlib import Path
import time

import lab
from lab import wait_until

ANYCAST = "198.19.224.2"
ANYCAST6 = "2001:db8:ffff::2"


def config(local_asn, neighbor, remote_asn, extra="", prefixes=None, neighbor_extra=""):
    prefixes = prefixes or [f"{ANYCAST}/32"]
    quoted = ", ".join(f'"{p}"' for p in prefixes)
    return f"""
[daemon]
router_id = "{neighbor.rsplit('.', 1)[0]}.2"
control_socket = "@SOCKET@"
state_file = "@STATE@"
log_level = "debug"

[[service]]
name = "dns"
prefixes = [{quoted}]
interval = "200ms"
timeout = "150ms"
rise = 2
fall = 2

  [[service.check]]
  type = "dns"
  target = "{ANYCAST}"
  name = "test.home."

[bgp]
asn = {local_asn}
{extra}
  [[bgp.neighbor]]
  address = "{neighbor}"
  remote_asn = {remote_asn}
  hold_time = "9s"
  communities = ["65101:100"]
  drain_time = "2s"
{neighbor_extra}
"""


def server(namespaces, workdir, name, router, link, asn, router_ifname, extra="",
           neighbor_extra="", unbound=True):
    ns = namespaces(name)
    lab.veth(router, router_ifname, f"198.18.{link}.1/24", ns, "eth0", f"198.18.{link}.2/24")
    ns.exec("ip", "route", "add", "default", "via", f"198.18.{link}.1")
    u = lab.Unbound(ns, ANYCAST, workdir).start(wait=False) if unbound else None
    d = lab.Anycastd(ns, workdir, config(asn, f"198.18.{link}.1", 65001, extra,
                                         neighbor_extra=neighbor_extra), name=name).start()
    return ns, u, d


def neighbor(daemon, index=0):
    return daemon.status()["protocols"]["bgp"]["neighbors"][index]


def client_answer(client):
    r = client.exec("dig", "+short", "+time=1", "+tries=1", f"@{ANYCAST}", "test.home.", "TXT",
                    check=False)
    return r.stdout.strip().strip('"') if r.returncode == 0 else ""


def test_frr_failover_drain_and_stop(namespaces, workdir):
    router = namespaces("rtr")
    lab.enable_forwarding(router)
    client = namespaces("cli")
    lab.veth(router, "c0", "198.18.3.1/24", client, "eth0", "198.18.3.2/24")
    client.exec("ip", "route", "add", "default", "via", "198.18.3.1")
    frr = lab.FrrBgp(router, workdir, lab.frr_bgpd_conf(65001, "198.18.3.1", [
        {"address": "198.18.1.2", "remote_as": 65101},
        {"address": "198.18.2.2", "remote_as": 65102}])).start()
    srv1, u1, d1 = server(namespaces, workdir, "srv1", router, 1, 65101, "s1")
    srv2, u2, d2 = server(namespaces, workdir, "srv2", router, 2, 65102, "s2")
    try:
        for d, peer in ((d1, "198.18.1.2"), (d2, "198.18.2.2")):
            wait_until(lambda: frr.peer_state(peer) == "Established", 20,
                       what=f"FRR session with {peer}")
            wait_until(lambda: neighbor(d)["state"] == "Established", 5, what="our side up")
        wait_until(lambda: len(frr.route(f"{ANYCAST}/32")) == 2, 10,
                   what="both servers' routes at FRR")
        paths = frr.route(f"{ANYCAST}/32")
        assert {p["aspath"]["string"] for p in paths} == {"65101", "65102"}
        assert all("65101:100" in p.get("community", {}).get("string", "") for p in paths)
        wait_until(lambda: lab.route_via(router, ANYCAST) is not None, 10,
                   what="the anycast route in the router's kernel")
        active = wait_until(lambda: client_answer(client), 10, what="a DNS answer at the client")
        n = neighbor(d1)
        assert n["prefixes_sent"] == 1 and n["sent"] >= 3 and n["uptime_s"] is not None

        # The serving site's unbound dies: its route goes, the client moves.
        (dead_ns, dead_u, dead_d, other) = ((srv1, u1, d1, srv2) if active == srv1.name
                                            else (srv2, u2, d2, srv1))
        dead_u.kill()
        t0 = time.monotonic()
        wait_until(lambda: len(frr.route(f"{ANYCAST}/32")) == 1, 5, 0.01,
                   what="the failed site's route withdrawn")
        print(f"route withdrawn at FRR {1000 * (time.monotonic() - t0):.0f} ms after unbound died")
        wait_until(lambda: client_answer(client) == other.name, 10,
                   what=f"client failover to {other.name}")
        dead_u.start()
        wait_until(lambda: len(frr.route(f"{ANYCAST}/32")) == 2, 10, what="route back")

        # anycastctl withdraw: RFC 8326 drain with GRACEFUL_SHUTDOWN, then withdrawal.
        assert d2.ctl("withdraw", "dns").returncode == 0

        def gshut_seen():
            return any("graceful-shutdown" in p.get("community", {}).get("string", "") or
                       "65535:0" in p.get("community", {}).get("string", "")
                       for p in frr.route(f"{ANYCAST}/32") if p["aspath"]["string"] == "65102")
        wait_until(gshut_seen, 3, 0.02, what="GRACEFUL_SHUTDOWN at FRR during the drain")
        wait_until(lambda: [p["aspath"]["string"] for p in frr.route(f"{ANYCAST}/32")] ==
                   ["65101"], 5, what="the drained route withdrawn")
        assert d2.ctl("announce", "dns").returncode == 0
        wait_until(lambda: len(frr.route(f"{ANYCAST}/32")) == 2, 10, what="route re-announced")

        # SIGTERM: drain capped, withdraw, Cease/Administrative Shutdown, exit < 2 s.
        t0 = time.monotonic()
        assert d1.stop(signal.SIGTERM) == 0
        assert time.monotonic() - t0 < 2.0
        wait_until(lambda: frr.peer_state("198.18.1.2") != "Established", 5,
                   what="FRR to see the session close")
        info = frr.json("show bgp neighbor 198.18.1.2 json").get("198.18.1.2", {})
        last = info.get("lastNotificationReason", "") + info.get("lastResetDueTo", "")
        assert "Administrative Shutdown" in last or "Cease" in last, info
        assert [p["aspath"]["string"] for p in frr.route(f"{ANYCAST}/32")] == ["65102"]
    finally:
        frr.stop()


def test_frr_md5_and_ipv6(namespaces, workdir):
    router = namespaces("rtr6")
    srv = namespaces("srv6")
    lab.veth(router, "s1", "198.18.1.1/24", srv, "eth0", "198.18.1.2/24")
    router.exec("sysctl", "-qw", "net.ipv6.conf.all.forwarding=1")
    router.exec("ip", "-6", "addr", "add", "2001:db8:1::1/64", "dev", "s1", "nodad")
    srv.exec("ip", "-6", "addr", "add", "2001:db8:1::2/64", "dev", "eth0", "nodad")
    frr = lab.FrrBgp(router, workdir, lab.frr_bgpd_conf(65001, "198.18.1.1", [
        {"address": "198.18.1.2", "remote_as": 65101, "password": "s3cret"},
        {"address": "2001:db8:1::2", "remote_as": 65101, "ipv6": True}])).start()
    unbound = lab.Unbound(srv, ANYCAST, workdir).start(wait=False)
    text = config(65101, "198.18.1.1", 65001, prefixes=[f"{ANYCAST}/32", f"{ANYCAST6}/128"],
                  neighbor_extra='  password = "s3cret"\n  ttl_security = false\n') + """
  [[bgp.neighbor]]
  address = "2001:db8:1::1"
  remote_asn = 65001
  hold_time = "9s"
"""
    d = lab.Anycastd(srv, workdir, text).start()
    try:
        wait_until(lambda: frr.peer_state("198.18.1.2") == "Established", 20,
                   what="the TCP-MD5 session")
        wait_until(lambda: frr.route(f"{ANYCAST}/32"), 10, what="IPv4 route over TCP-MD5")
        wait_until(lambda: frr.peer_state("2001:db8:1::2", "ipv6") == "Established", 20,
                   what="the IPv6 session")
        wait_until(lambda: frr.route(f"{ANYCAST6}/128", "ipv6"), 10, what="the /128 at FRR")
        wait_until(lambda: lab.kernel_routes6(router, f"{ANYCAST6}/128"), 10,
                   what="the /128 in the router's kernel")
        path = frr.route(f"{ANYCAST6}/128", "ipv6")[0]
        assert any(h.get("ip") == "2001:db8:1::2" for h in path.get("nexthops", [])), path
        unbound.kill()
        wait_until(lambda: not frr.route(f"{ANYCAST6}/128", "ipv6"), 5, what="/128 withdrawn")
        wait_until(lambda: not frr.route(f"{ANYCAST}/32"), 5, what="/32 withdrawn")
        st = d.status()["protocols"]["bgp"]["neighbors"]
        assert [n["state"] for n in st] == ["Established", "Established"]
    finally:
        d.stop()
        frr.stop()


def test_bird(namespaces, workdir):
    router = namespaces("bird")
    lab.enable_forwarding(router)
    rtr = lab.BirdRouter(router, workdir, """
log "@LOG@" all;
router id 198.18.1.1;
protocol device {}
protocol kernel { ipv4 { export all; }; }
protocol bgp anycast {
  local 198.18.1.1 as 65001;
  neighbor 198.18.1.2 as 65101;
  hold time 9;
  ipv4 { import all; export none; };
}
""").start()
    srv, u, d = server(namespaces, workdir, "srvb", router, 1, 65101, "s1")
    try:
        wait_until(lambda: "Established" in rtr.birdc("show", "protocols", "anycast").stdout, 20,
                   what="BIRD session")
        wait_until(lambda: ANYCAST in rtr.birdc("show", "route", "protocol", "anycast").stdout, 10,
                   what="route at BIRD")
        wait_until(lambda: lab.route_via(router, ANYCAST) == "198.18.1.2", 10,
                   what="route in BIRD's kernel table")
        u.kill()
        wait_until(lambda: lab.route_via(router, ANYCAST) is None, 5, what="withdrawn at BIRD")
    finally:
        d.stop()
        rtr.stop()


def test_gobgp(namespaces, workdir):
    router = namespaces("gobgp")
    gobgp = lab.GoBgp(router, workdir, 65001, "198.18.1.1", "198.18.1.2", 65101)
    srv, u, d = server(namespaces, workdir, "srvg", router, 1, 65101, "s1")
    gobgp.start()
    try:
        wait_until(lambda: gobgp.peer_state("198.18.1.2") == "established", 20,
                   what="GoBGP session")
        wait_until(lambda: f"{ANYCAST}/32" in gobgp.rib(), 10, what="route at GoBGP")
        u.kill()
        wait_until(lambda: f"{ANYCAST}/32" not in gobgp.rib(), 5, what="withdrawn at GoBGP")
    finally:
        d.stop()
        gobgp.stop()


def test_exabgp_malformed_update(namespaces, workdir):
    router = namespaces("exa")
    srv, u, d = server(namespaces, workdir, "srve", router, 1, 65101, "s1", unbound=False)
    # COMMUNITIES with a length that is not a multiple of 4 (RFC 7606 §7.8:
    # treat-as-withdraw), next to a well-formed route.
    exa = lab.ExaBgp(router, workdir, """
neighbor 198.18.1.2 {
  router-id 198.18.1.1;
  local-address 198.18.1.1;
  local-as 65001;
  peer-as 65101;
  hold-time 9;
  static {
    route 203.0.113.0/24 next-hop 198.18.1.1;
    route 203.0.114.0/24 next-hop 198.18.1.1 attribute [ 0x08 0xc0 0x010203 ];
  }
}
""").start()
    try:
        wait_until(lambda: neighbor(d)["rfc7606"]["treat_as_withdraw"] >= 1, 30,
                   what=f"a treat-as-withdraw UPDATE ({exa.log_text()[-2000:]})")
        n = neighbor(d)
        assert n["state"] == "Established"
        assert n["prefixes_received_discarded"] >= 1
        # Still up a while later: no NOTIFICATION for an RFC 7606 error.
        first_uptime = n["uptime_s"]
        wait_until(lambda: neighbor(d)["uptime_s"] >= first_uptime + 2, 10, what="uptime")
        assert neighbor(d)["state"] == "Established"
    finally:
        d.stop()
        exa.stop()


def frr_connections(frr, peer):
    """FRR's count of sessions it established with `peer`."""
    info = frr.json(f"show bgp neighbor {peer} json").get(peer, {})
    return info.get("connectionsEstablished")


def communities(frr, prefix):
    return [p.get("community", {}).get("string", "") for p in frr.route(prefix)]


def test_frr_reload_of_announcements_keeps_the_session(namespaces, workdir):
    """A reload that adds a community to the neighbour and a new service
    re-sends UPDATEs: both reach FRR's table while the session stays up
    (FRR's connectionsEstablished does not move)."""
    router = namespaces("rtrl")
    frr = lab.FrrBgp(router, workdir, lab.frr_bgpd_conf(65001, "198.18.1.1", [
        {"address": "198.18.1.2", "remote_as": 65101}])).start()
    srv, u, d = server(namespaces, workdir, "srvl", router, 1, 65101, "s1")
    try:
        wait_until(lambda: frr.route(f"{ANYCAST}/32"), 20, what="the route at FRR")
        before = frr_connections(frr, "198.18.1.2")
        ours = neighbor(d)["established_transitions"]
        second = "198.19.224.3"
        text = d.config.read_text().replace('communities = ["65101:100"]',
                                            'communities = ["65101:100", "65101:200"]')
        text = text.replace("[bgp]", f"""[[service]]
name = "dns2"
prefixes = ["{second}/32"]
interval = "200ms"
timeout = "150ms"
rise = 2
  [[service.check]]
  type = "dns"
  target = "{ANYCAST}"
  name = "test.home."

[bgp]""")
        t0 = time.monotonic()
        r = d.reload(text)
        assert r.returncode == 0, r.stderr
        wait_until(lambda: any("65101:200" in c for c in communities(frr, f"{ANYCAST}/32")), 10,
                   0.05, what="the new community at FRR")
        wait_until(lambda: frr.route(f"{second}/32"), 10, 0.05, what="the new service at FRR")
        print(f"\nreload reached FRR's table after {time.monotonic() - t0:.2f}s")
        assert frr_connections(frr, "198.18.1.2") == before
        assert frr.peer_state("198.18.1.2") == "Established"
        assert neighbor(d)["established_transitions"] == ours
    finally:
        d.stop()
        frr.stop()


def test_frr_transport_change_restarts_only_that_neighbor(namespaces, workdir):
    """Two neighbours at one FRR; a reload that changes one's hold time
    restarts that session only."""
    router = namespaces("rtrt")
    srv = namespaces("srvt")
    lab.veth(router, "t1", "198.18.1.1/24", srv, "eth1", "198.18.1.2/24")
    lab.veth(router, "t2", "198.18.2.1/24", srv, "eth2", "198.18.2.2/24")
    frr = lab.FrrBgp(router, workdir, lab.frr_bgpd_conf(65001, "198.18.1.1", [
        {"address": "198.18.1.2", "remote_as": 65101},
        {"address": "198.18.2.2", "remote_as": 65101}])).start()
    lab.Unbound(srv, ANYCAST, workdir).start(wait=False)
    text = config(65101, "198.18.1.1", 65001) + """
  [[bgp.neighbor]]
  address = "198.18.2.1"
  remote_asn = 65001
  hold_time = "9s"
"""
    d = lab.Anycastd(srv, workdir, text).start()
    try:
        for peer in ("198.18.1.2", "198.18.2.2"):
            wait_until(lambda: frr.peer_state(peer) == "Established", 20,
                       what=f"FRR session with {peer}")
        kept, changed = frr_connections(frr, "198.18.1.2"), frr_connections(frr, "198.18.2.2")
        second = 'address = "198.18.2.1"\n  remote_asn = 65001\n  hold_time = '
        r = d.reload(text.replace(second + '"9s"', second + '"12s"'))
        assert r.returncode == 0, r.stderr
        wait_until(lambda: frr_connections(frr, "198.18.2.2") == changed + 1, 20,
                   what="the changed neighbour's new session")
        wait_until(lambda: frr.peer_state("198.18.2.2") == "Established", 20,
                   what="the changed neighbour up again")
        # The new session negotiated the new hold time.
        wait_until(lambda: d.status()["protocols"]["bgp"]["neighbors"][1]["hold_time_s"] == 12,
                   10, what="hold time 12 s on the restarted session")
        assert frr_connections(frr, "198.18.1.2") == kept
        states = [n["state"] for n in d.status()["protocols"]["bgp"]["neighbors"]]
        assert states == ["Established", "Established"]
    finally:
        d.stop()
        frr.stop()


# A BGP peer of a few lines in the router's namespace: for each case it
# accepts anycastd's connection, opens the session (AS 65001, hold 9 s),
# waits for the test's go-N file, sends case N and closes a second later.
BAD_PEER = r"""
import os, socket, sys, time
workdir, cases = sys.argv[1], [bytes.fromhex(h) for h in sys.argv[2:]]
marker = b"\xff" * 16
body = bytes([4]) + (65001).to_bytes(2, "big") + (9).to_bytes(2, "big") + bytes([198, 18, 1, 1, 0])
open_msg = marker + (19 + len(body)).to_bytes(2, "big") + b"\x01" + body
keepalive = marker + b"\x00\x13\x04"
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("0.0.0.0", 179))
srv.listen(1)
for n, case in enumerate(cases):
    c, _ = srv.accept()
    c.sendall(open_msg + keepalive)
    while not os.path.exists(os.path.join(workdir, f"go-{n}")):
        time.sleep(0.05)
    c.sendall(case)
    time.sleep(1)
    c.close()
"""


def bgp_update(attributes, nlri=bytes([24, 203, 0, 113])):
    body = b"\x00\x00" + len(attributes).to_bytes(2, "big") + attributes + nlri
    return b"\xff" * 16 + (19 + len(body)).to_bytes(2, "big") + b"\x02" + body


def test_bad_messages_each_move_exactly_their_counter(namespaces, workdir):
    """One bad message of each class from a raw peer: exactly its counter
    moves (a drop reason or an RFC 7606 approach), and every message is
    counted once (received = accepted + dropped)."""
    router = namespaces("rtrx")
    origin = bytes([0x40, 1, 1, 0])
    # The raw peer's OPEN has no 4-octet AS capability: 2-octet AS numbers.
    as_path = bytes([0x40, 2, 4, 2, 1]) + (65001).to_bytes(2, "big")
    next_hop = bytes([0x40, 3, 4, 198, 18, 1, 1])
    bad_marker = bytearray(b"\xff" * 16 + b"\x00\x13\x04")
    bad_marker[3] = 0
    cases = [
        ("bad_marker", bytes(bad_marker)),
        ("bad_length", b"\xff" * 16 + b"\x00\x10\x04"),
        # RFC 7606 §7.5: LOCAL_PREF from an external peer is discarded.
        ("rfc7606.attribute_discard",
         bgp_update(origin + as_path + next_hop + bytes([0x40, 5, 4, 0, 0, 0, 100]))),
        # RFC 7606 §7.8: COMMUNITIES of 3 octets: treat-as-withdraw.
        ("rfc7606.treat_as_withdraw",
         bgp_update(origin + as_path + next_hop + bytes([0xc0, 8, 3, 1, 2, 3]))),
    ]
    peer = router.popen("python3", "-c", BAD_PEER, workdir, *[c.hex() for _, c in cases],
                        log=f"{workdir}/bad-peer.log")
    srv, u, d = server(namespaces, workdir, "srvx", router, 1, 65101, "s1", unbound=False)

    def counters():
        n = neighbor(d)
        assert n["received"] == n["accepted"] + sum(n["dropped"].values()), n
        moved = dict(n["dropped"])
        moved.update({f"rfc7606.{k}": v for k, v in n["rfc7606"].items()})
        return moved

    try:
        for i, (name, _) in enumerate(cases):
            wait_until(lambda: neighbor(d)["state"] == "Established", 30,
                       what=f"the session with the raw peer for {name}")
            before = counters()
            (Path(workdir) / f"go-{i}").touch()
            wait_until(lambda: counters().get(name, 0) > before.get(name, 0), 10, 0.05,
                       what=f"anycastd to count {name}")
            after = counters()
            delta = {k: v - before.get(k, 0) for k, v in after.items() if v != before.get(k, 0)}
            assert delta == {name: 1}, (name, delta)
            wait_until(lambda: neighbor(d)["state"] != "Established", 10,
                       what="the peer to close the session")
        lines = d.ctl("status").stdout
        assert "bad_marker 1" in lines and "treat_as_withdraw 1" in lines, lines
    finally:
        d.stop()
        lab.stop(peer)
