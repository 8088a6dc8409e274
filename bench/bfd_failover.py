#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""BFD benchmark (root; network namespaces): the host's link is cut behind a
switch (the lab of tests/integration/test_bfd.py, OSPF to FRR ospfd + bfdd,
hello 1 s, dead 10 s, BFD 300 ms x 3), and we time how long until the
router's kernel route and the client move to the other site. Over --runs
cuts each for:

1. anycastd on s1 with [bfd] and `bfd = true`;
2. FRR on s1 instead (zebra + ospfd + bfdd, `ip ospf bfd`, the anycast /32
   on lo in area 0), the baseline, in the same run.

Goal (issue 12): anycastd no worse than FRR's figure.

Usage: sudo ANYCASTD_BUILD=build bench/bfd_failover.py [--runs 10]
"""

import argparse
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests" / "integration"))
import lab  # noqa: E402
import test_bfd  # noqa: E402
from lab import wait_until  # noqa: E402


class Namespaces:
    def __init__(self):
        self.made = []

    def __call__(self, name):
        ns = lab.Namespace(f"bb{os.getpid() % 100000}-{name}")
        self.made.append(ns)
        return ns

    def close(self):
        for ns in reversed(self.made):
            ns.close()


def frr_on_s1(lb, workdir):
    """Replaces s1's anycastd with FRR ospfd + bfdd announcing the anycast /32."""
    lb.anycastd.pop("s1")
    s1 = lb.servers["s1"]
    s1.exec("ip", "addr", "add", test_bfd.PREFIX, "dev", "lo")
    conf = lab.frr_ospfd_conf(["eth1"], hello=1, dead=10, router_id=test_bfd.ADDRESSES["s1"],
                              networks=("198.18.1.0/24", test_bfd.PREFIX))
    conf = conf.replace(" ip ospf retransmit-interval 2",
                        " ip ospf retransmit-interval 2\n ip ospf bfd")
    return lab.FrrOspf(s1, workdir, conf, name="s1frr", bfdd=True)


def s1_up(lb, server_frr):
    """s1's BFD session Up at both ends."""
    if server_frr:
        ours = server_frr.bfd_peers().get(test_bfd.ROUTER_SIDE["s1"], {}).get("status") == "up"
    else:
        ours = lb.session("s1").get("state") == "Up"
    return ours and lb.router_peer("s1").get("status") == "up"


def measure(mode, runs):
    spaces, work = Namespaces(), lab.tempdir()
    lb = server_frr = None
    route, client = [], []
    try:
        lb = test_bfd.Lab(spaces, work, "ospf")
        if mode == "frr":
            server_frr = frr_on_s1(lb, work)
            server_frr.start()
        lb.start()
        for _ in range(runs):
            wait_until(lambda: s1_up(lb, server_frr), 60, 0.1, what="s1's BFD session Up")
            wait_until(lambda: lb.answer() == "s1", 60, 0.1, what="s1 to answer")
            lb.cut_s1()
            t0 = time.monotonic()
            wait_until(lambda: lab.route_via(lb.r, test_bfd.ANYCAST) == test_bfd.ADDRESSES["s2"],
                       20, 0.01, what="the router's route via s2")
            route.append(time.monotonic() - t0)
            if route[-1] > 3:
                print(f"{mode}: run {len(route)}: the route moved after {route[-1]:.2f} s")
            wait_until(lambda: lb.answer() == "s2", 20, 0.02, what="the client on s2")
            client.append(time.monotonic() - t0)
            lb.sw.exec("ip", "link", "set", "sw-s1", "up")
    finally:
        if server_frr:
            server_frr.stop()
        if lb:
            lb.close()
        spaces.close()
        shutil.rmtree(work, ignore_errors=True)
    return route, client


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=10)
    args = ap.parse_args()
    results = {mode: measure(mode, args.runs) for mode in ("anycastd", "frr")}
    for mode, (route, client) in results.items():
        print(f"{mode:8} on s1, OSPF + BFD 300 ms x 3, link cut, {args.runs} runs: "
              f"router route moved median {statistics.median(route):.3f} s max {max(route):.3f} s; "
              f"client on s2 median {statistics.median(client):.3f} s max {max(client):.3f} s")
    ours, frr = (statistics.median(results[m][0]) for m in ("anycastd", "frr"))
    print(f"route-move median ratio anycastd/FRR: {ours / frr:.2f} "
          f"(goal <= 1: {'OK' if ours <= frr * 1.05 else 'MISSED'})")


if __name__ == "__main__":
    main()
