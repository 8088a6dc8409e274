# SPDX-License-Identifier: Apache-2.0
"""RIPv2 against real routers (issue: RIP): the seed's xenial lab
(shared/seeds/002) in network namespaces, with FRR ripd or BIRD as the
routers, unbound as the DNS service and anycastd on the DNS servers
(lab.XenialLab draws the topology).

The routers run RIP with a 5 s update timer (FRR `timers basic 5 15 10`,
BIRD `update time 5`), so a route that is only timed out would stay 15 s:
every bound below that is shorter proves an explicit withdrawal (metric 16).
"""

import signal
import time

import pytest

import lab
from lab import ANYCAST, wait_until

UPDATE = 5  # s, the routers' and anycastd's RIP update timer
# conf/examples/xenial-lab.toml, which the servers run.
INTERVAL = 1.0
TIMEOUT = 0.5
RISE = 2
FALL = 2
# The service is down after FALL probes (a dead unbound answers with ICMP port
# unreachable, so no probe waits for its timeout); our triggered update takes
# the route away at once. A client behind r1 then reaches xenial2 when r1
# hears r2's route: BIRD keeps it already, FRR waits for r2's next periodic
# update, which FRR jitters by up to +50%.
FAILOVER_BOUND = FALL * INTERVAL + TIMEOUT + 1.5 * UPDATE + 1.0
# Back: unbound starts (up to ~1 s here), RISE passes, then our triggered
# update with metric 1 beats r2's 3.
RECOVERY_BOUND = 1.0 + RISE * INTERVAL + TIMEOUT + 1.0
# A poisoned route leaves the router's table at once; a timed-out one after 3 x UPDATE.
WITHDRAW_BOUND = 2.0

ROUTERS = ["frr", "bird"]


@pytest.fixture
def xenial(namespaces, workdir):
    """Makes lab.XenialLab instances; stops their processes at the end
    (before `namespaces` deletes the namespaces)."""
    made = []

    def make(**kw):
        x = lab.XenialLab(namespaces, workdir, **kw)
        made.append(x)
        return x

    yield make
    for x in made:
        x.close()


def dump(x):
    """Router and daemon logs, for a failing assertion's message."""
    parts = []
    for name, r in x.routers.items():
        parts.append(f"--- {name} ---\n{r.log_text()[-3000:]}")
    for name, d in x.anycastd.items():
        parts.append(f"--- anycastd on {name} ---\n{d.log_text()[-3000:]}")
    return "\n".join(parts)


@pytest.mark.parametrize("router", ROUTERS)
def test_route_follows_the_dns_service(xenial, router):
    x = xenial(router=router, update=UPDATE)
    try:
        x.start()
    except AssertionError as e:
        raise AssertionError(f"{e}\n{dump(x)}") from None

    # Each router's kernel table sends the anycast address to its own server.
    assert x.route("r1") == x.address("xenial1")
    assert x.route("r2") == x.address("xenial2")
    (route,) = lab.kernel_routes(x.ns["r1"], ANYCAST)
    assert route["protocol"] == ("rip" if router == "frr" else "bird")
    if router == "frr":
        entry = x.routers["r1"].rip_routes()[f"{ANYCAST}/32"]
        assert (entry["from"], entry["metric"]) == (x.address("xenial1"), 2)
    else:
        entry = x.routers["r1"].rip_routes()[f"{ANYCAST}/32"]
        assert (entry["nexthop"], entry["metric"]) == (x.address("xenial1"), 2)

    # anycastd's status: RIP on eth1, its router heard, packets both ways.
    for server in x.SERVERS:
        gateway = x.address(server).rsplit(".", 1)[0] + ".1"
        iface = wait_until(
            lambda s=server, g=gateway: (lambda i: i if i["accepted"] > 0 and g in i["neighbors"]
                                         else None)(x.rip_interface(s)),
            3 * UPDATE, 0.1, what=f"{server} to hear its router")
        assert iface["name"] == "eth1"
        assert iface["address"] == f"{x.address(server)}/24"
        assert iface["sent"] >= 1
        assert iface["neighbors"] == [gateway]
        assert iface["last_update_s"] is not None and iface["last_update_s"] <= UPDATE + 1
        assert not iface["dropped"], iface["dropped"]
        rip = x.anycastd[server].status()["protocols"]["rip"]
        assert rip["announced"] == [{"prefix": f"{ANYCAST}/32", "metric": 1}]
        assert [n["address"] for n in rip["neighbors"]] == [gateway]

    # Each client reaches the server in its data centre.
    assert x.answer("xenial3") == "xenial1"
    assert x.answer("xenial4") == "xenial2"

    # bind9 -> unbound dies on xenial1: r1 stops routing to xenial1, and the
    # client behind r1 is answered by xenial2 (the seed: clients time out).
    x.unbound["xenial1"].kill()
    t0 = time.monotonic()
    wait_until(lambda: x.route("r1") != x.address("xenial1"), FALL * INTERVAL + TIMEOUT + 1, 0.02,
               what="r1 to drop the route to xenial1")
    withdrawn = time.monotonic() - t0
    wait_until(lambda: x.answer("xenial3") == "xenial2", FAILOVER_BOUND, 0.1,
               what="xenial3 to be answered by xenial2")
    failover = time.monotonic() - t0
    print(f"\n{router}: route withdrawn {withdrawn:.2f}s, client failover {failover:.2f}s "
          f"after unbound died (bound {FAILOVER_BOUND:.1f}s)")
    assert x.route("r1") == "198.18.1.2"
    assert x.answer("xenial4") == "xenial2"
    svc = x.anycastd["xenial1"].service("dns")
    assert (svc["state"], svc["announce"]) == ("down", "withdraw")
    rip = x.anycastd["xenial1"].status()["protocols"]["rip"]
    assert rip["announced"] == [{"prefix": f"{ANYCAST}/32", "metric": 16}]
    assert "service dns: up -> down" in x.anycastd["xenial1"].log_text()

    # unbound is back: after RISE passes xenial1 serves its clients again.
    x.unbound["xenial1"].start(wait=False)
    t0 = time.monotonic()
    wait_until(lambda: x.answer("xenial3") == "xenial1", RECOVERY_BOUND, 0.1,
               what="xenial3 to be answered by xenial1 again")
    print(f"{router}: back to xenial1 {time.monotonic() - t0:.2f}s after unbound restarted "
          f"(bound {RECOVERY_BOUND:.1f}s)")
    assert x.route("r1") == x.address("xenial1")


@pytest.mark.parametrize("router", ROUTERS)
def test_sigterm_withdraws_before_exit(xenial, router):
    x = xenial(router=router, update=UPDATE).start()
    daemon = x.anycastd["xenial2"]
    wait_until(lambda: x.answer("xenial4") == "xenial2", 5, 0.1, what="xenial4 on xenial2")

    t0 = time.monotonic()
    assert daemon.stop(signal.SIGTERM) == 0
    stopped = time.monotonic() - t0
    assert stopped < 2.0
    # Gone from r2 well before the 15 s RIP timeout: poisoned, not aged out.
    wait_until(lambda: x.route("r2") != x.address("xenial2"), WITHDRAW_BOUND, 0.02,
               what="r2 to drop the route to xenial2")
    gone = time.monotonic() - t0
    print(f"\n{router}: anycastd exited {stopped:.2f}s after SIGTERM; "
          f"r2's route gone {gone:.2f}s after it (RIP timeout {3 * UPDATE}s)")
    assert "rip: triggered update" in daemon.log_text()
    # The client behind r2 now crosses to xenial1; unbound on xenial2 still runs.
    assert x.unbound["xenial2"].answers()
    wait_until(lambda: x.answer("xenial4") == "xenial1", FAILOVER_BOUND, 0.1,
               what="xenial4 to be answered by xenial1")
    assert x.route("r2") == "198.18.1.1"


def test_md5_with_frr(xenial):
    # Both routers want keyed MD5 from their servers; xenial2 has the wrong key.
    x = xenial(router="frr", update=UPDATE, md5_key="secret",
               server_keys={"xenial2": "not-the-secret"})
    try:
        x.start(wait_for=["xenial1"])
    except AssertionError as e:
        raise AssertionError(f"{e}\n{dump(x)}") from None

    # The right key: r1 installs the route, and xenial1 accepts r1's packets.
    assert x.route("r1") == x.address("xenial1")
    iface = wait_until(lambda: (lambda i: i if i["accepted"] > 0 else None)(
        x.rip_interface("xenial1")), 3 * UPDATE, 0.1, what="xenial1 to accept r1's updates")
    assert iface["neighbors"] == ["198.18.5.1"]
    # (FRR's start-up request carries no authentication: auth_missing is fine.)
    assert not set(iface["dropped"]) - {"auth_missing"}, iface["dropped"]

    # The wrong key: each side drops the other's packets.
    iface = wait_until(lambda: (lambda i: i if i["dropped"] and i["sent"] >= 3 else None)(
        x.rip_interface("xenial2")), 3 * UPDATE, 0.1, what="xenial2 to drop r2's updates")
    assert iface["dropped"].get("auth_bad_digest", 0) > 0, iface["dropped"]
    assert iface["accepted"] == 0
    assert iface["received"] == sum(iface["dropped"].values())
    assert iface["neighbors"] == []
    wait_until(lambda: x.routers["r2"].bad_packets(x.address("xenial2")) > 0, 3 * UPDATE, 0.1,
               what="r2 to count xenial2's packets as bad")
    # r2 never routes to xenial2: the anycast address is only reachable via r1.
    assert x.route("r2") in (None, "198.18.1.1")
    assert x.address("xenial2") not in str(x.routers["r2"].rip_routes())
    wait_until(lambda: x.answer("xenial4") == "xenial1", 3 * UPDATE, 0.1,
               what="xenial4 to be answered by xenial1")
    assert x.route("r2") == "198.18.1.1"


def test_reload_changes_announcements_in_place(xenial):
    """A reload that adds a service and changes the metric reaches r1 by a
    triggered update, and the anycast route never leaves r1's table."""
    x = xenial(router="frr", update=UPDATE).start()
    daemon = x.anycastd["xenial1"]
    r1 = x.routers["r1"]
    # xenial2 withdraws first: otherwise r1 also hears the address via r2 at
    # metric 3 and prefers that to xenial1's new metric 3 + 1.
    assert x.anycastd["xenial2"].ctl("withdraw", "dns").returncode == 0
    wait_until(lambda: r1.rip_routes().get(f"{ANYCAST}/32", {}).get("from") == x.address("xenial1"),
               3 * UPDATE, 0.1, what="r1 to route the anycast address to xenial1")
    second = "198.19.224.5"
    text = daemon.config.read_text()
    text = text.replace("[rip]", f"""[[service]]
name = "dns2"
prefixes = ["{second}/32"]
interval = "500ms"
timeout = "400ms"
  [[service.check]]
  type = "tcp"
  target = "{ANYCAST}"
  port = 53

[rip]""").replace("metric = 1", "metric = 3")
    seen_gone = []
    t0 = time.monotonic()
    r = daemon.reload(text)
    assert r.returncode == 0, r.stderr

    def changed():
        routes = r1.rip_routes()
        anycast = routes.get(f"{ANYCAST}/32")
        if anycast is None:
            seen_gone.append(time.monotonic() - t0)
        new = routes.get(f"{second}/32")
        return anycast and anycast["metric"] == 4 and new and new["metric"] == 4

    wait_until(changed, 2 * UPDATE, 0.05, what="r1 to hear metric 3 and the new service")
    took = time.monotonic() - t0
    print(f"\nreload reached r1 after {took:.2f}s (update timer {UPDATE}s)")
    assert not seen_gone, f"the anycast route left r1's table during the reload: {seen_gone}"
    # In place: the speaker kept running; nothing was withdrawn or restarted.
    log = daemon.log_text()
    assert "stopping" not in log and "speaking RIPv2 on eth1 (" in log
    assert log.count("speaking RIPv2") == 1, log


# One RIPv2 response with one route entry (198.18.1.0/24 metric 1), then the
# same with one thing wrong each: the reason anycastd must count it under.
def rip_response(command=2, version=2, afi=2, metric=1, extra=b""):
    header = bytes([command, version, 0, 0])
    entry = (afi.to_bytes(2, "big") + b"\0\0" + bytes([198, 18, 1, 0]) + bytes([255, 255, 255, 0])
             + b"\0\0\0\0" + metric.to_bytes(4, "big"))
    return header + entry + extra


TEXT_AUTH = bytes.fromhex("ffff0002") + b"password" + bytes(8)
BAD_PACKETS = [
    # (what, source, source port, payload, counted reason)
    ("cut short", "198.18.5.1", 520, rip_response()[:10], "too_short"),
    ("not 4 + 20n bytes", "198.18.5.1", 520, rip_response(extra=b"\0"), "bad_length"),
    ("command 9", "198.18.5.1", 520, rip_response(command=9), "bad_command"),
    ("version 0", "198.18.5.1", 520, rip_response(version=0), "bad_version"),
    ("RIPv1", "198.18.5.1", 520, rip_response(version=1)[:4] + bytes([0, 2, 0, 0, 198, 18, 1, 0])
     + bytes(8) + (1).to_bytes(4, "big"), "bad_version"),
    ("metric 17", "198.18.5.1", 520, rip_response(metric=17), "bad_metric"),
    ("address family 7", "198.18.5.1", 520, rip_response(afi=7), "bad_afi"),
    ("authentication not configured", "198.18.5.1", 520,
     rip_response()[:4] + TEXT_AUTH + rip_response()[4:], "auth_unexpected"),
    ("response not from port 520", "198.18.5.1", 5200, rip_response(), "bad_source_port"),
    ("source off the subnet", "198.18.9.1", 520, rip_response(), "not_on_link"),
]


def test_every_bad_packet_is_counted_once(namespaces, workdir):
    """Each malformed or unwanted packet moves exactly its own drop counter;
    a good one moves `accepted`; received = accepted + dropped throughout."""
    srv, peer = namespaces("srv"), namespaces("peer")
    lab.veth(srv, "eth1", "198.18.5.2/24", peer, "eth1", "198.18.5.1/24")
    peer.exec("ip", "addr", "add", "198.18.9.1/24", "dev", "eth1")
    daemon = lab.Anycastd(srv, workdir, f"""
[daemon]
router_id = "198.18.5.2"
control_socket = "@SOCKET@"
state_file = "@STATE@"

[[service]]
name = "dns"
prefixes = ["{ANYCAST}/32"]
  [[service.check]]
  type = "exec"
  command = ["/bin/true"]

[rip]
interfaces = ["eth1"]
update_interval = "30s"
""").start()

    def counters():
        rip = daemon.status()["protocols"]["rip"]
        iface = rip["interfaces"][0]
        assert iface["received"] == iface["accepted"] + sum(iface["dropped"].values()), iface
        assert rip["received"] == iface["received"] and rip["dropped"] == iface["dropped"]
        return iface["received"], iface["accepted"], dict(iface["dropped"])

    before = counters()
    lab.send_udp(peer, "198.18.5.1", 520, "198.18.5.2", 520, rip_response())
    after = wait_until(lambda: (lambda c: c if c[0] == before[0] + 1 else None)(counters()), 5,
                       what="the good packet to arrive")
    assert after[1] == before[1] + 1 and after[2] == before[2], (before, after)

    for what, source, port, payload, reason in BAD_PACKETS:
        before = counters()
        lab.send_udp(peer, source, port, "198.18.5.2", 520, payload)
        after = wait_until(lambda: (lambda c: c if c[0] == before[0] + 1 else None)(counters()),
                           5, what=f"the packet ({what}) to arrive")
        expected = dict(before[2])
        expected[reason] = expected.get(reason, 0) + 1
        assert after[1] == before[1], f"{what}: counted as accepted"
        assert after[2] == expected, f"{what}: expected one more {reason}, got {after[2]}"
    text = daemon.log_text()
    assert "dropped packet: bad_metric" in text and "198.18.9.1" in text
