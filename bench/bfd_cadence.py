#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""BFD cadence under load (issue 12): one session at 100 ms x 3 to FRR bfdd
(a BGP neighbour with `neighbor X bfd profile fast`) while 1,000 services
probe at 1 Hz and `anycastctl status --json` is polled every second.

    h: anycastd, unbound 198.19.224.1 (lo)    r: FRR zebra + bgpd + bfdd
       eth1 198.18.1.2/24 ------------------------- r-h 198.18.1.1/24

Three runs, each in fresh namespaces:

1. "bfd+probes": the load above for --minutes (default 10). tshark captures
   the link on r (`udp port 3784`) from the moment both ends are Up at
   100 ms; from it, each end's TX intervals (Up packets without the F bit:
   a Final answers a Poll out of cadence, RFC 5880 §6.8.7) p50/p99/max and
   the packets sent in any state but Up. Up->Down transitions at both ends:
   anycastd's `up_to_down` (status --json, every second) and bfdd's
   `show bfd peers counters json` session-down (before/after) and
   `show bfd peers json` status (every 5 s). CPU of anycastd and of FRR bfdd
   from /proc/PID/stat utime+stime over the window.
2. "probes": the same 1,000 services, no [bfd], for --baseline-minutes
   (default 3): anycastd's CPU without BFD. The difference to run 1 is BFD's
   share (and noise: the machine is shared).
3. "bfd": the BFD session with no services, --baseline-minutes: anycastd's
   CPU for BGP + one BFD session alone, beside bfdd's in the same run.

Goal: no false Down at either end; our TX interval p99 <= 100 ms + 25 %.

--baseline-minutes 0 leaves runs 2 and 3 out; --status-period 0 polls no
status (to tell the poll's share of the lateness from the probes').

Usage: sudo ANYCASTD_BUILD=/path/to/build bench/bfd_cadence.py [--minutes 10]
Prints the figures and, with --json FILE, writes them there.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests" / "integration"))
sys.path.insert(0, str(HERE))
import lab  # noqa: E402
from daemon_bench import UNBOUND_ADDRESS, CLK_TCK, cpu_ticks, load_config  # noqa: E402
from lab import wait_until  # noqa: E402

HOST, ROUTER = "198.18.1.2", "198.18.1.1"
INTERVAL_MS = 100
BFDD_PROFILE = f"""bfd
 profile fast
  detect-multiplier 3
  receive-interval {INTERVAL_MS}
  transmit-interval {INTERVAL_MS}
 !
!
"""


def host_config(services, bfd):
    extra = f"""[bgp]
asn = 65101

  [[bgp.neighbor]]
  address = "{ROUTER}"
  remote_asn = 65001
  hold_time = "30s"
  bfd = {"true" if bfd else "false"}
"""
    if bfd:
        extra += (f'\n[bfd]\nmin_tx = "{INTERVAL_MS}ms"\nmin_rx = "{INTERVAL_MS}ms"\n'
                  "multiplier = 3\n")
    return load_config(services, extra)


def router_config(bfd):
    conf = lab.frr_bgpd_conf(65001, "198.18.0.2", [
        {"address": HOST, "remote_as": 65101}])
    if bfd:
        conf += f"router bgp 65001\n neighbor {HOST} bfd profile fast\n!\n"
    return conf


class Run:
    """One lab: namespaces h and r, FRR on r (bfdd with `bfd`), unbound and
    anycastd on h."""

    def __init__(self, name, services, bfd):
        self.name, self.services, self.bfd = name, services, bfd
        self.work = Path(lab.tempdir())
        self.spaces = []
        self.h = self.ns("h")
        self.r = self.ns("r")
        lab.veth(self.r, "r-h", f"{ROUTER}/24", self.h, "eth1", f"{HOST}/24")
        self.h.exec("ip", "addr", "add", f"{UNBOUND_ADDRESS}/32", "dev", "lo")
        self.router = lab.FrrBgp(self.r, self.work, router_config(bfd), bfdd=bfd)
        if bfd:
            with open(self.router.dir / "bfdd.conf", "a") as f:
                f.write(BFDD_PROFILE)
        self.unbound = lab.Unbound(self.h, UNBOUND_ADDRESS, self.work)
        self.anycastd = lab.Anycastd(self.h, self.work, host_config(services, bfd))
        self.capture = None

    def ns(self, role):
        ns = lab.Namespace(f"bc{os.getpid() % 100000}-{role}")
        self.spaces.append(ns)
        return ns

    def session(self):
        sessions = self.anycastd.status()["protocols"]["bfd"]["sessions"]
        return sessions[0] if sessions else {}

    def router_peer(self):
        return self.router.bfd_peers().get(HOST, {})

    def router_down_events(self):
        counters = self.router.json("show bfd peers counters json")
        for peer in counters if isinstance(counters, list) else []:
            if peer.get("peer") == HOST:
                return peer.get("session-down")
        return None

    def start(self):
        self.router.start()
        self.unbound.start()
        self.anycastd.start()

        def services_up():
            try:
                return sum(s["state"] == "up" for s in self.anycastd.status()["services"])
            except (AssertionError, json.JSONDecodeError):
                return 0
        wait_until(lambda: services_up() == self.services, 120, 0.5,
                   what=f"{self.services} services up")
        wait_until(lambda: self.router.peer_state(HOST) == "Established", 60, 0.5,
                   what="BGP Established")
        if self.bfd:
            wait_until(lambda: self.session().get("state") == "Up"
                       and self.session().get("tx_interval_ms") == INTERVAL_MS, 60, 0.2,
                       what=f"anycastd's BFD session Up at {INTERVAL_MS} ms")
            wait_until(lambda: self.router_peer().get("status") == "up"
                       and self.router_peer().get("transmit-interval") == INTERVAL_MS, 30, 0.2,
                       what=f"bfdd's session Up at {INTERVAL_MS} ms")
            # A last Poll sequence may still be under way; let it end.
            time.sleep(2)
            self.pcap = self.work / "bfd.pcap"
            lab.require("tshark")
            self.capture = subprocess.Popen(
                ["ip", "netns", "exec", self.r.name, "tshark", "-q", "-i", "r-h", "-w",
                 str(self.pcap), "-f", "udp port 3784"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
            wait_until(lambda: self.pcap.exists(), 30, 0.1, what="tshark to start")
        return self

    def measure(self, seconds, status_period=1.0):
        """The window: CPU, status polled every `status_period` s (never with
        0), bfdd's session every 5 s."""
        pid_a = self.anycastd.proc.pid
        pid_b = self.router.pid("bfdd") if self.bfd else None
        stop = threading.Event()
        polls = {"status": 0, "status_slow": 0, "not_up": 0, "router_not_up": 0,
                 "status_ms": []}

        def poll():
            n = 0
            while not stop.is_set():
                t0 = time.monotonic()
                if status_period:
                    status = self.anycastd.status()
                    polls["status"] += 1
                    polls["status_ms"].append((time.monotonic() - t0) * 1000)
                    sessions = status["protocols"]["bfd"]["sessions"] if self.bfd else [{}]
                    if self.bfd and (not sessions or sessions[0]["state"] != "Up"):
                        polls["not_up"] += 1
                if self.bfd and n % 5 == 0 and self.router_peer().get("status") != "up":
                    polls["router_not_up"] += 1
                n += 1
                stop.wait(max(0.0, (status_period or 1.0) - (time.monotonic() - t0)))

        before = self.session() if self.bfd else {}
        router_down_before = self.router_down_events() if self.bfd else None
        a0 = cpu_ticks(pid_a)
        b0 = cpu_ticks(pid_b) if pid_b else 0
        t0 = time.monotonic()
        poller = threading.Thread(target=poll)
        poller.start()
        time.sleep(seconds)
        stop.set()
        poller.join()
        elapsed = time.monotonic() - t0
        a1 = cpu_ticks(pid_a)
        b1 = cpu_ticks(pid_b) if pid_b else 0
        result = {
            "run": self.name, "services": self.services, "bfd": self.bfd,
            "window_s": round(elapsed, 1),
            "anycastd_cpu_s": (a1 - a0) / CLK_TCK,
            "anycastd_cpu_pct": 100.0 * (a1 - a0) / CLK_TCK / elapsed,
            "status_polls": polls["status"],
        }
        if polls["status_ms"]:
            result["status_json_ms_p50"] = round(statistics.median(polls["status_ms"]), 1)
            result["status_json_ms_max"] = round(max(polls["status_ms"]), 1)
        if self.bfd:
            after = self.session()
            router_down_after = self.router_down_events()
            result.update({
                "bfdd_cpu_s": (b1 - b0) / CLK_TCK,
                "bfdd_cpu_pct": 100.0 * (b1 - b0) / CLK_TCK / elapsed,
                "anycastd_up_to_down": after["up_to_down"] - before["up_to_down"],
                "anycastd_polls_not_up": polls["not_up"],
                "bfdd_session_down_events": (
                    None if router_down_before is None or router_down_after is None
                    else router_down_after - router_down_before),
                "bfdd_polls_not_up": polls["router_not_up"],
                "anycastd_state_end": after["state"],
                "bfdd_status_end": self.router_peer().get("status"),
            })
            lab.stop(self.capture, timeout=10)
            self.capture = None
            result.update(tx_intervals(self.pcap))
        return result

    def close(self):
        if self.capture:
            lab.stop(self.capture)
        if self.anycastd.proc is not None:
            self.anycastd.stop()
        if self.unbound.proc is not None:
            self.unbound.kill()
        self.router.stop()
        for ns in reversed(self.spaces):
            ns.close()
        shutil.rmtree(self.work, ignore_errors=True)


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def tx_intervals(pcap):
    """Per sender: intervals (ms) between its periodic packets (state Up,
    F clear) in the capture, and how many packets it sent not Up."""
    out = subprocess.run(["tshark", "-r", str(pcap), "-T", "fields", "-E", "separator=,",
                          "-e", "frame.time_epoch", "-e", "ip.src", "-e", "bfd.sta",
                          "-e", "bfd.flags.f"], check=True, text=True,
                         capture_output=True).stdout
    times = {HOST: [], ROUTER: []}
    not_up = {HOST: 0, ROUTER: 0}
    for line in out.splitlines():
        t, src, sta, final = line.split(",")
        if src not in times:
            continue
        if int(sta, 0) != 3:
            not_up[src] += 1
        elif final not in ("1", "True"):
            times[src].append(float(t))
    result = {}
    for src, who in ((HOST, "anycastd"), (ROUTER, "bfdd")):
        ts = times[src]
        gaps = [(b - a) * 1000 for a, b in zip(ts, ts[1:])]
        result[f"{who}_tx"] = {
            "packets": len(ts), "not_up_packets": not_up[src],
            "p50_ms": round(percentile(gaps, 50), 1) if gaps else None,
            "p99_ms": round(percentile(gaps, 99), 1) if gaps else None,
            "max_ms": round(max(gaps), 1) if gaps else None,
            "min_ms": round(min(gaps), 1) if gaps else None,
            "over_125ms": sum(g > INTERVAL_MS * 1.25 for g in gaps),
        }
    return result


def one(name, services, bfd, seconds, status_period):
    run = Run(name, services, bfd)
    try:
        run.start()
        return run.measure(seconds, status_period)
    finally:
        run.close()


def loadavg():
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=10)
    ap.add_argument("--baseline-minutes", type=float, default=3)
    ap.add_argument("--services", type=int, default=1000)
    ap.add_argument("--status-period", type=float, default=1.0,
                    help="seconds between status --json polls; 0: none (to tell its share)")
    ap.add_argument("--json", help="also write the figures to this file")
    args = ap.parse_args()
    period = args.status_period
    results = {"load_before": loadavg(), "status_period_s": period}
    results["bfd+probes"] = one("bfd+probes", args.services, True, args.minutes * 60, period)
    results["load_after_main"] = loadavg()
    if args.baseline_minutes > 0:
        results["probes"] = one("probes", args.services, False, args.baseline_minutes * 60,
                                period)
        results["bfd"] = one("bfd", 0, True, args.baseline_minutes * 60, period)
    results["load_after"] = loadavg()
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))
    main_run = results["bfd+probes"]
    print(f"\nload average before {results['load_before']}, after the main run "
          f"{results['load_after_main']}, at the end {results['load_after']}")
    polled = f"status --json every {period:g} s" if period else "no status polls"
    print(f"{args.services} services at 1 Hz + {polled} + BFD "
          f"{INTERVAL_MS} ms x 3 to FRR bfdd, {main_run['window_s']:.0f} s:")
    for who in ("anycastd", "bfdd"):
        tx = main_run[f"{who}_tx"]
        print(f"  {who:8} TX interval p50 {tx['p50_ms']} ms, p99 {tx['p99_ms']} ms, "
              f"max {tx['max_ms']} ms over {tx['packets']} packets "
              f"({tx['over_125ms']} gaps > {INTERVAL_MS * 1.25:.0f} ms; "
              f"{tx['not_up_packets']} sent not Up)")
    p99 = main_run["anycastd_tx"]["p99_ms"]
    print(f"  goal p99 <= {INTERVAL_MS * 1.25:.0f} ms: "
          f"{'OK' if p99 is not None and p99 <= INTERVAL_MS * 1.25 else 'MISSED'}")
    print(f"  Up->Down: anycastd {main_run['anycastd_up_to_down']} "
          f"(polls not Up {main_run['anycastd_polls_not_up']}), bfdd "
          f"{main_run['bfdd_session_down_events']} (polls not up "
          f"{main_run['bfdd_polls_not_up']})")
    print(f"  CPU: anycastd {main_run['anycastd_cpu_pct']:.2f} % (probes, BGP and BFD), "
          f"bfdd {main_run['bfdd_cpu_pct']:.2f} %")
    if args.baseline_minutes <= 0:
        return
    probes, alone = results["probes"], results["bfd"]
    print(f"same services without BFD, {probes['window_s']:.0f} s: anycastd "
          f"{probes['anycastd_cpu_pct']:.2f} % -> BFD's share by difference "
          f"{main_run['anycastd_cpu_pct'] - probes['anycastd_cpu_pct']:+.2f} %")
    print(f"BFD alone (no services), {alone['window_s']:.0f} s: anycastd "
          f"{alone['anycastd_cpu_pct']:.2f} % (BGP idle + one session), bfdd "
          f"{alone['bfdd_cpu_pct']:.2f} %; TX p99 anycastd {alone['anycastd_tx']['p99_ms']} ms, "
          f"bfdd {alone['bfdd_tx']['p99_ms']} ms")


if __name__ == "__main__":
    main()
