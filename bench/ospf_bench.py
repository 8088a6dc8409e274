#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""OSPF benchmarks (root; network namespaces), printing figures:

1. client failover after the DNS service dies, FRR ospfd as the upstream
   (the lab of tests/integration/test_ospf.py): seconds from killing unbound
   on s1 until the client is answered by s2, over --runs runs, against the
   target fall x interval + 0.5 s;
2. client failover after a fault 1 s after an adjacency change (the
   router's link to s1 bounced, the adjacency Full again), median and max
   of --runs runs per upstream (FRR ospfd, BIRD), with anycastd on s1 and,
   in the same run, FRR ospfd on s1 instead (the /32 as a stub network,
   removed by a probe loop with the same interval and fall);
3. an area LSDB of --lsas AS-external LSAs (FRR redistributing that many
   kernel blackhole routes) flooded to anycastd: seconds from start to Full
   (target 10 s), anycastd's RSS (target 20 MB) beside FRR ospfd's RSS for
   the same area, measured in the same run.

Usage: sudo ANYCASTD_BUILD=build bench/ospf_bench.py [--runs 5] [--adjacency-runs 10]
       [--lsas 10000]
"""

import argparse
import os
import shutil
import signal
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests" / "integration"))
import lab  # noqa: E402
import test_ospf  # noqa: E402
from lab import wait_until  # noqa: E402

INTERVAL, FALL = 0.2, 2
NS_PREFIX = f"ob{os.getpid() % 100000}-"


def rss_kb(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def failover(runs):
    spaces, work = lab.Namespaces(NS_PREFIX), lab.tempdir()
    lb = None
    try:
        lb = test_ospf.Lab(spaces, work)
        test_ospf.frr(lb)
        lb.start_servers()
        times = []
        for _ in range(runs):
            wait_until(lambda: lb.answer() == "s1", 30, 0.1, what="s1 to answer")
            wait_until(lambda: lb.ospf_status("s1")["router_lsa_age_s"] > 5.2, 10, 0.1,
                       what="a quiet MinLSInterval")
            lb.unbound["s1"].kill()
            t0 = time.monotonic()
            wait_until(lambda: lb.answer() == "s2", 10, 0.02, what="failover to s2")
            times.append(time.monotonic() - t0)
            lb.unbound["s1"].start(wait=False)
        target = FALL * INTERVAL + 0.5
        print(f"failover (FRR upstream, fall={FALL} x interval={INTERVAL}s, {runs} runs): "
              f"median {statistics.median(times):.3f} s, max {max(times):.3f} s "
              f"(target <= {target:.1f} s): {'OK' if max(times) <= target else 'MISSED'}")
    finally:
        if lb:
            lb.close()
        spaces.close()
        shutil.rmtree(work, ignore_errors=True)


def router_full_with(lb, upstream, router_id):
    if upstream == "frr":
        return lb.router.full_with(router_id)
    return lb.router.neighbor_state(router_id).startswith("Full")


def frr_on_s1(lb, work):
    """FRR ospfd on s1 in place of anycastd: the anycast /32 on lo as a stub
    network of its router-LSA."""
    s1 = lb.servers["s1"]
    s1.exec("ip", "addr", "add", f"{test_ospf.ANYCAST}/32", "dev", "lo")
    conf = lab.frr_ospfd_conf(["eth1"], router_id=lb.addresses["s1"],
                              networks=("198.18.1.0/24", f"{test_ospf.ANYCAST}/32"))
    conf = conf.replace(" ip ospf retransmit-interval 2\n", " ip ospf priority 0\n")
    return lab.FrrOspf(s1, Path(work) / "s1-frr", conf, name=f"{s1.name}-srv").start()


def frr_probe_and_withdraw(lb, server):
    """The probe loop beside FRR: dig every INTERVAL s, FALL failures in a
    row take the /32 out of FRR's router-LSA."""
    failures = 0
    while failures < FALL:
        r = lb.servers["s1"].exec("dig", "+short", "+time=1", "+tries=1",
                                  f"@{test_ospf.ANYCAST}", "test.home.", "TXT", check=False)
        failures = failures + 1 if r.returncode != 0 or not r.stdout.strip() else 0
        if failures < FALL:
            time.sleep(INTERVAL)
    server.vtysh("configure terminal", "router ospf",
                 f"no network {test_ospf.ANYCAST}/32 area 0")


def adjacency_change_failover(upstream, on_server, runs):
    spaces, work = lab.Namespaces(NS_PREFIX), lab.tempdir()
    lb = server = None
    s1 = "198.18.1.2"
    try:
        lb = test_ospf.Lab(spaces, work)
        test_ospf.UPSTREAMS[upstream](lb)
        for name in ("s1", "s2"):
            lb.unbound[name].start(wait=False)
        lb.anycastd["s2"].start()
        if on_server == "anycastd":
            lb.anycastd["s1"].start()
        else:
            server = frr_on_s1(lb, work)
        times = []
        for _ in range(runs):
            wait_until(lambda: lb.answer() == "s1", 60, 0.1, what="s1 to answer")
            wait_until(lambda: router_full_with(lb, upstream, s1), 30, 0.05, what="Full with s1")
            # The adjacency change: the router's link to s1 goes down and up.
            lb.r.exec("ip", "link", "set", "r-s1", "down")
            wait_until(lambda: not router_full_with(lb, upstream, s1), 10, 0.05,
                       what="the adjacency with s1 to go")
            lb.r.exec("ip", "link", "set", "r-s1", "up")
            wait_until(lambda: router_full_with(lb, upstream, s1), 60, 0.05,
                       what="Full with s1 again")
            wait_until(lambda: lb.answer() == "s1", 30, 0.05, what="s1 to answer again")
            time.sleep(1.0)
            lb.unbound["s1"].kill()
            t0 = time.monotonic()
            if server:
                frr_probe_and_withdraw(lb, server)
            wait_until(lambda: lb.answer() == "s2", 30, 0.02, what="failover to s2")
            times.append(time.monotonic() - t0)
            lb.unbound["s1"].start(wait=False)
            if server:
                server.vtysh("configure terminal", "router ospf",
                             f"network {test_ospf.ANYCAST}/32 area 0")
        print(f"failover 1 s after an adjacency change, {upstream} upstream, {on_server} on "
              f"the server, {runs} runs: median {statistics.median(times):.2f} s, "
              f"max {max(times):.2f} s")
        return times
    finally:
        if server:
            server.stop()
        if lb:
            lb.close()
        spaces.close()
        shutil.rmtree(work, ignore_errors=True)


def big_lsdb(count):
    spaces, work = lab.Namespaces(NS_PREFIX), lab.tempdir()
    router = daemon = None
    try:
        r, s = spaces("r"), spaces("s")
        lab.veth(r, "r-s", "198.18.1.1/24", s, "eth1", "198.18.1.2/24")
        batch = Path(work) / "routes.batch"
        # /32 blackholes in 198.19.0.0/17 (inside the lab range, clear of the anycast /24).
        batch.write_text("".join(f"route add blackhole 198.19.{i // 256}.{i % 256}/32\n"
                                 for i in range(count)))
        r.exec("ip", "-batch", batch)
        router = lab.FrrOspf(r, work, lab.frr_ospfd_conf(
            ["r-s"], router_id="198.18.1.1", extra=" redistribute kernel")).start()
        wait_until(lambda: router.json("show ip ospf json").get("lsaExternalCounter", 0) >= count,
                   120, 0.5, what=f"FRR to originate {count} external LSAs")
        config = test_ospf.server_config("s", "198.18.1.2", "eth1", 1)
        daemon = lab.Anycastd(s, work, config.replace('log_level = "debug"', 'log_level = "info"'))
        t0 = time.monotonic()
        daemon.start()
        wait_until(lambda: any(n["state"] == "Full"
                               for n in daemon.status()["protocols"]["ospf"]["neighbors"]),
                   60, 0.05, what="Full")
        full = time.monotonic() - t0
        status = daemon.status()["protocols"]["ospf"]["lsdb"]
        ours, frrs = rss_kb(daemon.proc.pid), rss_kb(router.pid())
        print(f"LSDB of {status['total']} LSAs ({status['external']} external) flooded to us: "
              f"Full after {full:.2f} s (target 10 s): {'OK' if full <= 10 else 'MISSED'}")
        print(f"RSS: anycastd {ours / 1024:.1f} MB (target 20 MB: "
              f"{'OK' if ours <= 20 * 1024 else 'MISSED'}), FRR ospfd {frrs / 1024:.1f} MB, "
              f"same area, same run")
    finally:
        if daemon and daemon.proc:
            daemon.stop(signal.SIGKILL)
        if router:
            router.stop()
        spaces.close()
        shutil.rmtree(work, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--adjacency-runs", type=int, default=10)
    ap.add_argument("--lsas", type=int, default=10000)
    ap.add_argument("--only", choices=["failover", "adjacency", "lsdb"])
    args = ap.parse_args()
    if args.only in (None, "failover"):
        failover(args.runs)
    if args.only in (None, "adjacency"):
        for upstream in ("frr", "bird"):
            ours = adjacency_change_failover(upstream, "anycastd", args.adjacency_runs)
            frrs = adjacency_change_failover(upstream, "frr", args.adjacency_runs)
            print(f"  {upstream}: median ratio anycastd / FRR ospfd on the server: "
                  f"{statistics.median(ours) / statistics.median(frrs):.2f}")
    if args.only in (None, "lsdb"):
        big_lsdb(args.lsas)


if __name__ == "__main__":
    main()
