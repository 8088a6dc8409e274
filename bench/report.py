#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Prints bench/run.sh's table from daemon_bench.py's JSON and the Google
Benchmark JSON of bus_latency_bench and status_bench."""

import json
import sys


def mb(kib):
    return f"{kib / 1024:.1f} MB"


def main(daemon_path, bus_path, status_path):
    d = json.load(open(daemon_path))
    bus = {b["name"]: b for b in json.load(open(bus_path))["benchmarks"]}
    status = {b["name"]: b for b in json.load(open(status_path))["benchmarks"]}
    rows = []

    r = d["rss"]
    a = r["anycastd_kib"]
    rows.append(("1 idle RSS, 10 services + RIP (median VmRSS)", mb(a), "<= 6 MB",
                 f"BIRD {mb(r['bird_kib'])} (x{a / r['bird_kib']:.2f}); "
                 f"FRR zebra+ripd {mb(r['frr_kib'])} (x{a / r['frr_kib']:.2f})"))
    roll = r["anycastd_smaps_rollup"]
    rows.append(("  anycastd: anonymous / file-backed / Pss", f"{mb(roll['Anonymous'])}",
                 "", f"file {mb(roll['Rss'] - roll['Anonymous'])}; Pss {mb(roll['Pss'])} "
                 f"(BIRD Pss {mb(r['bird_smaps_rollup']['Pss'])}); "
                 f"{r['anycastd_threads']} thread(s)"))
    rows.append(("  routes heard by the upstream (any/bird/frr)",
                 "/".join(str(r["routes_at_upstream"][k]) for k in ("any", "bird", "frr")),
                 "10/10/10", ""))

    l = d["load"]
    rows.append((f"2 CPU, {l['services']} services x 1 UDP DNS probe/s",
                 f"{l['anycastd_cpu_pct']:.2f} % of a core", "<= 3 %",
                 f"unbound {l['unbound_cpu_pct']:.2f} % (x{l['anycastd_cpu_pct'] / max(l['unbound_cpu_pct'], 1e-9):.2f})"))
    rows.append(("  rounds late > 50 ms in the window", str(l["late_over_50ms_in_window"]), "0",
                 f"{l['rounds_in_window']} rounds in {l['window_s']} s; "
                 f"{l['probe_failures_in_window']} failed probes"))
    rows.append(("  max lateness of any round since start", f"{l['max_late_ms_since_start']:.1f} ms",
                 "<= 50 ms", f"median per-service max {l['median_max_late_ms']:.2f} ms; "
                 f"{l['late_over_50ms_since_start']} late since start"))

    rows.append(("  anycastctl status --json, wall time", f"{l['status_json_ms']:.0f} ms", "",
                 "ip netns exec + anycastctl + the reply; the loop is busy only for the row below"))
    for name, b in status.items():
        services = name.split("/")[1]
        rows.append((f"  status --json in-process, {services} services",
                     f"{b['real_time']:.2f} {b['time_unit']}", "",
                     f"{b['bytes'] / 1024:.0f} KiB of JSON; rounds due meanwhile wait"))

    for name, b in bus.items():
        if name.startswith("BM_FailToWithdraw"):
            subs = name.split("/")[1]
            rows.append((f"3 last failing probe -> withdraw ({subs} other subscribers)",
                         f"p50 {b['p50_us']:.1f} us", "<= 1 ms",
                         f"p99 {b['p99_us']:.1f} us, max {b['max_us']:.0f} us, "
                         f"{int(b['transitions'])} withdraws"))
    for name, b in bus.items():
        if name.startswith("BM_BusSet"):
            rows.append((f"  {name[3:]}", f"{b['real_time']:.0f} {b['time_unit']}", "", ""))

    w = [max(len(row[i]) for row in rows) for i in range(3)]
    header = ("figure", "measured", "target", "peer / context")
    print("  ".join(h.ljust(w[i]) if i < 3 else h for i, h in enumerate(header)))
    for row in rows:
        print("  ".join(c.ljust(w[i]) if i < 3 else c for i, c in enumerate(row)))
    print(f"load average during 2: {' '.join(l['loadavg'])} (2 cores shared with other builds)")


if __name__ == "__main__":
    main(*sys.argv[1:4])
