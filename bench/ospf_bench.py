#!/usr/bin/env python3
"""OSPF benchmarks (root; network namespaces), printing figures:

1. client failover after the DNS service dies, FRR ospfd as the upstream
   (the lab of tests/integration/test_ospf.py): seconds from killing unbound
   on s1 until the client is answered by s2, over --runs runs, against the
   target fall x interval + 0.5 s;
2. an area LSDB of --lsas AS-external LSAs (FRR redistributing that many
   kernel blackhole routes) flooded to anycastd: seconds from start to Full
   (target 10 s), anycastd's RSS (target 20 MB) beside FRR ospfd's RSS for
   the same area, measured in the same run.

Usage: sudo ANYCASTD_BUILD=build bench/ospf_bench.py [--runs 5] [--lsas 10000]
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


class Namespaces:
    def __init__(self):
        self.made = []

    def __call__(self, name):
        ns = lab.Namespace(f"ob{os.getpid() % 100000}-{name}")
        self.made.append(ns)
        return ns

    def close(self):
        for ns in reversed(self.made):
            ns.close()


def rss_kb(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def failover(runs):
    spaces, work = Namespaces(), lab.tempdir()
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


def big_lsdb(count):
    spaces, work = Namespaces(), lab.tempdir()
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
    ap.add_argument("--lsas", type=int, default=10000)
    args = ap.parse_args()
    failover(args.runs)
    big_lsdb(args.lsas)


if __name__ == "__main__":
    main()
