#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The metrics endpoint's cost (issue #15). Prints one JSON document:

  scrape: time (wall, one GET over loopback, median of --scrapes) and body
          bytes at 10 and 1,000 services;
  lateness: 1,000 services probed once a second, a window without scraping
          and then one with a scrape every second: rounds more than 50 ms
          late, and the largest lateness that set a new per-service maximum
          inside the window (RoundTiming keeps a maximum since start, so a
          window's own maximum is seen where it exceeds the earlier ones);
  rss:    idle VmRSS of anycastd with 10 services, without and with
          [metrics] (after --scrapes scrapes), median of --repeat runs.

Needs root (network namespaces acbench-metrics-*, deleted on the way out).
Use a Release build: ANYCASTD_BUILD=build-bench bench/metrics_bench.py
"""

import argparse
import json
import statistics
import sys
import textwrap
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "integration"))
import lab  # noqa: E402

from daemon_bench import UNBOUND_ADDRESS, load_config, vm_rss_kib  # noqa: E402

METRICS = "127.0.0.1:9273"

# Runs in the namespace: GET the metrics `n` times, one every `period`
# seconds; prints [[seconds, bytes], ...].
SCRAPER = textwrap.dedent("""
    import http.client, json, sys, time
    host, port = sys.argv[1].split(":")
    n, period = int(sys.argv[2]), float(sys.argv[3])
    out = []
    for i in range(n):
        t0 = time.monotonic()
        c = http.client.HTTPConnection(host, int(port), timeout=10)
        c.request("GET", "/metrics")
        body = c.getresponse().read()
        c.close()
        t = time.monotonic() - t0
        out.append([t, len(body)])
        time.sleep(max(0.0, period - t))
    print(json.dumps(out))
""")


def config(services, metrics):
    return load_config(services, f'[metrics]\nlisten = "{METRICS}"\n' if metrics else "")


class Lab:
    def __init__(self, workdir, name):
        self.workdir = workdir
        self.ns = lab.Namespace(f"acbench-metrics-{name}")
        self.ns.exec("ip", "addr", "add", f"{UNBOUND_ADDRESS}/32", "dev", "lo")
        self.unbound = lab.Unbound(self.ns, UNBOUND_ADDRESS, workdir).start()

    def daemon(self, services, metrics, name):
        d = lab.Anycastd(self.ns, self.workdir, config(services, metrics), name=name).start()

        d.wait_services_up(services, 90)
        return d

    def scrape(self, n, period):
        return json.loads(self.ns.exec("python3", "-c", SCRAPER, METRICS, str(n),
                                       str(period)).stdout)

    def close(self):
        self.ns.close()


def window(daemon, seconds, during=None):
    """Lateness in a window of `seconds`; `during()` runs in it (and must
    take about that long) when given."""
    before = {s["name"]: s["rounds"] for s in daemon.status()["services"]}
    if during:
        during()
    else:
        time.sleep(seconds)
    after = {s["name"]: s["rounds"] for s in daemon.status()["services"]}
    rose = [after[n]["max_late_ms"] for n in after if after[n]["max_late_ms"] > before[n]["max_late_ms"]]
    return {
        "rounds": sum(after[n]["completed"] - before[n]["completed"] for n in after),
        "late_over_50ms": sum(after[n]["late_over_50ms"] - before[n]["late_over_50ms"] for n in after),
        "services_with_new_max": len(rose),
        "new_max_late_ms": max(rose) if rose else 0.0,
        "max_late_ms_before_window": max(b["max_late_ms"] for b in before.values()),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--scrapes", type=int, default=21)
    ap.add_argument("--seconds", type=int, default=30)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--settle", type=float, default=5)
    args = ap.parse_args()
    result = {"loadavg_start": Path("/proc/loadavg").read_text().split()[:3]}
    workdir = lab.tempdir()

    result["scrape"] = {}
    for services in (10, 1000):
        b = Lab(workdir, f"s{services}")
        try:
            d = b.daemon(services, True, f"scrape{services}")
            got = b.scrape(args.scrapes, 0.2)
            result["scrape"][services] = {
                "median_ms": round(statistics.median(t for t, _ in got) * 1000, 2),
                "max_ms": round(max(t for t, _ in got) * 1000, 2),
                "bytes": got[-1][1],
            }
            if services == 1000:
                time.sleep(args.settle)
                quiet = window(d, args.seconds)
                scraped = window(d, args.seconds,
                                 lambda: b.scrape(args.seconds, 1.0))
                result["lateness_1000_services"] = {"without_scrapes": quiet,
                                                    "scrape_every_1s": scraped}
            d.stop()
        finally:
            b.close()

    rss = {"off": [], "on_idle": [], "on_after_scrapes": []}
    b = Lab(workdir, "rss")
    try:
        for r in range(args.repeat):
            d = b.daemon(10, False, f"rss-off{r}")
            time.sleep(args.settle)
            rss["off"].append(vm_rss_kib(d.proc.pid))
            d.stop()
            d = b.daemon(10, True, f"rss-on{r}")
            time.sleep(args.settle)
            rss["on_idle"].append(vm_rss_kib(d.proc.pid))
            b.scrape(args.scrapes, 0.1)
            time.sleep(1)
            rss["on_after_scrapes"].append(vm_rss_kib(d.proc.pid))
            d.stop()
    finally:
        b.close()
    result["rss_kib_10_services"] = {k: {"runs": v, "median": statistics.median(v)}
                                     for k, v in rss.items()}
    result["rss_kib_10_services"]["on_minus_off_median"] = (
        statistics.median(rss["on_after_scrapes"]) - statistics.median(rss["off"]))
    result["loadavg_end"] = Path("/proc/loadavg").read_text().split()[:3]
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
