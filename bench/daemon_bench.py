#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Whole-daemon figures for bench/run.sh: idle RSS against BIRD and FRR, and
the CPU and probe lateness of 1,000 services. Prints one JSON document.

Everything runs in network namespaces made here (acbench-*) and deleted on
the way out, failed or not. Addresses: links in 198.18.0.0/15, anycast in
198.19.224.0/24, the 1,000 service addresses 198.18.100.0-198.18.103.231 on
the load namespace's lo.
"""

import argparse
import json
import os
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "integration"))
import lab  # noqa: E402  (ANYCASTD_BUILD selects the binaries)

CLK_TCK = os.sysconf("SC_CLK_TCK")
ANYCAST_SERVICES = [f"198.19.224.{10 + i}/32" for i in range(10)]
UNBOUND_ADDRESS = "198.19.224.1"


def vm_rss_kib(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


def cpu_ticks(pid):
    # Fields after the command name (which may hold spaces): utime is field 14, stime 15.
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def smaps_rollup(pid):
    out = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        key, value = line.split(":", 1)
        out[key] = int(value.split()[0])
    return out


def rss_by_mapping(pid, top=20):
    """Rss (KiB) per mapped file or [heap]/[stack]/anonymous, largest first."""
    totals = {}
    name = None
    for line in Path(f"/proc/{pid}/smaps").read_text().splitlines():
        first = line.split(None, 1)[0]
        if "-" in first and not first.endswith(":"):
            parts = line.split(None, 5)
            name = parts[5].strip() if len(parts) > 5 else "[anon]"
            if name.startswith("/"):
                name = os.path.basename(name)
        elif first == "Rss:":
            totals[name] = totals.get(name, 0) + int(line.split()[1])
    return sorted(totals.items(), key=lambda kv: -kv[1])[:top]


def thread_count(pid):
    return len(os.listdir(f"/proc/{pid}/task"))


def limit_fds(n):
    """preexec_fn: the fd limit a systemd service gets (LimitNOFILE=1024 for
    frr.service; 1024 is also systemd's default soft limit)."""
    def apply():
        resource.setrlimit(resource.RLIMIT_NOFILE, (n, n))
    return apply


class Bird:
    def __init__(self, ns, workdir, name, config):
        self.ns = ns
        self.socket = Path(workdir) / f"{name}.ctl"
        self.conf = Path(workdir) / f"{name}.conf"
        self.log = Path(workdir) / f"{name}.log"
        self.conf.write_text(config)
        self.proc = None

    def start(self, **kw):
        self.proc = self.ns.popen("/usr/sbin/bird", "-f", "-c", self.conf, "-s", self.socket,
                                  "-P", self.socket.with_suffix(".pid"), log=self.log, **kw)
        lab.wait_until(lambda: self.socket.exists() or self.proc.poll() is not None, 10,
                       what="bird's control socket")
        assert self.proc.poll() is None, self.log.read_text()
        return self

    def cmd(self, *args):
        return self.ns.exec("/usr/sbin/birdc", "-s", self.socket, *args, check=False).stdout


def frr_start(ns, workdir, ripd_conf):
    """zebra + ripd as packaged FRR runs them (fd limit 1024), own sockets."""
    d = Path(workdir) / "frr"
    d.mkdir(exist_ok=True)
    os.chmod(d, 0o777)
    (d / "zebra.conf").write_text("hostname acbench-zebra\n")
    (d / "ripd.conf").write_text(ripd_conf)
    common = ["-P", "0", "--vty_socket", d, "-z", d / "zserv.api",
              "--log", "stdout", "--limit-fds", "1024"]
    zebra = ns.popen("/usr/lib/frr/zebra", "-f", d / "zebra.conf", "-i", d / "zebra.pid",
                     *common, log=d / "zebra.log", preexec_fn=limit_fds(1024))
    lab.wait_until(lambda: (d / "zserv.api").exists() or zebra.poll() is not None, 10,
                   what="zebra's zserv socket")
    assert zebra.poll() is None, (d / "zebra.log").read_text()
    ripd = ns.popen("/usr/lib/frr/ripd", "-f", d / "ripd.conf", "-i", d / "ripd.pid", *common,
                    log=d / "ripd.log", preexec_fn=limit_fds(1024))
    return zebra, ripd


def sample_rss(pids, seconds, interval=0.5):
    samples = {k: [] for k in pids}
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        for k, pid in pids.items():
            samples[k].append(vm_rss_kib(pid))
        time.sleep(interval)
    return samples


def rss_scenario(workdir, settle):
    """Figure 1: idle RSS of anycastd (10 services, RIP on one interface)
    beside BIRD and FRR zebra+ripd announcing the same 10 /32s over RIP."""
    namespaces = []
    try:
        rtr = lab.Namespace("acbench-rtr")
        namespaces.append(rtr)
        servers = {}
        for i, name in enumerate(("any", "bird", "frr"), start=1):
            ns = lab.Namespace(f"acbench-{name}")
            namespaces.append(ns)
            lab.veth(ns, "eth1", f"198.18.{i}.2/24", rtr, f"r-{name}", f"198.18.{i}.1/24")
            servers[name] = ns

        # The upstream router: BIRD listening to RIP on all three links.
        upstream = Bird(rtr, workdir, "upstream", """router id 198.18.1.1;
protocol device {}
protocol rip up {
  ipv4 { import all; export none; };
  interface "r-*" { version 2; };
}
""").start()

        # anycastd: 10 services checked against unbound, announced over RIP.
        any_ns = servers["any"]
        any_ns.exec("ip", "addr", "add", f"{UNBOUND_ADDRESS}/32", "dev", "lo")
        lab.Unbound(any_ns, UNBOUND_ADDRESS, workdir).start()
        services = "".join(f"""
[[service]]
name = "dns{i}"
prefixes = ["{p}"]
interval = "1s"
timeout = "500ms"
  [[service.check]]
  type = "dns"
  target = "{UNBOUND_ADDRESS}"
  name = "test.home."
""" for i, p in enumerate(ANYCAST_SERVICES))
        anycastd = lab.Anycastd(any_ns, workdir, f"""[daemon]
router_id = "198.18.1.2"
control_socket = "@SOCKET@"
state_file = "@STATE@"
{services}
[rip]
interfaces = ["eth1"]
""", name="anycastd-rss")
        anycastd.proc = any_ns.popen(lab.ANYCASTD, "-c", anycastd.config, log=anycastd.log,
                                     preexec_fn=limit_fds(1024))
        lab.wait_until(lambda: anycastd.socket.exists() or anycastd.proc.poll() is not None, 10,
                       what="anycastd's control socket")
        assert anycastd.proc.poll() is None, anycastd.log_text()

        # BIRD: the same 10 /32s from static routes, exported into RIP.
        statics = "".join(f"  route {p} blackhole;\n" for p in ANYCAST_SERVICES)
        bird = Bird(servers["bird"], workdir, "bird-server", f"""router id 198.18.2.2;
protocol device {{}}
protocol static {{
  ipv4;
{statics}}}
protocol rip {{
  ipv4 {{ import none; export all; }};
  interface "eth1" {{ version 2; }};
}}
""").start(preexec_fn=limit_fds(1024))

        # FRR: zebra + ripd with the same 10 /32s as ripd static routes.
        routes = "".join(f" route {p}\n" for p in ANYCAST_SERVICES)
        zebra, ripd = frr_start(servers["frr"], workdir,
                                f"hostname acbench-ripd\nrouter rip\n version 2\n network eth1\n"
                                f"{routes}")

        # Steady: every service up, and the upstream holds 10 routes from each.
        def all_up():
            try:
                return all(s["state"] == "up" for s in anycastd.status()["services"])
            except (AssertionError, json.JSONDecodeError):
                return False
        lab.wait_until(all_up, 30, 0.2, "anycastd's 10 services up")

        def heard():
            table = upstream.cmd("show", "route", "protocol", "up")
            return {n: table.count(f"via 198.18.{i}.2 ") for i, n in
                    enumerate(("any", "bird", "frr"), start=1)}
        try:
            lab.wait_until(lambda: all(v >= 10 for v in heard().values()), 45, 0.5,
                           "10 RIP routes from each server at the upstream")
        except AssertionError:
            pass  # reported below as routes_at_upstream
        routes_heard = heard()
        time.sleep(settle)

        pids = {"anycastd": anycastd.proc.pid, "bird": bird.proc.pid, "zebra": zebra.pid,
                "ripd": ripd.pid}
        samples = sample_rss(pids, 5)
        med = {k: statistics.median(v) for k, v in samples.items()}
        result = {
            "anycastd_kib": med["anycastd"],
            "bird_kib": med["bird"],
            "frr_kib": med["zebra"] + med["ripd"],
            "zebra_kib": med["zebra"],
            "ripd_kib": med["ripd"],
            "samples": samples,
            "routes_at_upstream": routes_heard,
            "anycastd_threads": thread_count(pids["anycastd"]),
            "anycastd_smaps_rollup": smaps_rollup(pids["anycastd"]),
            "anycastd_top_mappings": rss_by_mapping(pids["anycastd"]),
            "bird_smaps_rollup": smaps_rollup(pids["bird"]),
        }
        stop_rc = anycastd.stop()
        result["anycastd_sigterm_rc"] = stop_rc
        return result
    finally:
        for ns in reversed(namespaces):
            ns.close()


def load_config(services, extra=""):
    """`services` services s0, s1, ... on 198.18.100.0 and up, each with one
    UDP DNS check of the unbound at UNBOUND_ADDRESS once a second; `extra`
    goes after [daemon]."""
    blocks = []
    for i in range(services):
        address = f"198.18.{100 + i // 256}.{i % 256}/32"
        blocks.append(f"""[[service]]
name = "s{i}"
prefixes = ["{address}"]
interval = "1s"
timeout = "500ms"
  [[service.check]]
  type = "dns"
  target = "{UNBOUND_ADDRESS}"
  port = 53
  name = "test.home."
""")
    return """[daemon]
router_id = "198.18.0.1"
control_socket = "@SOCKET@"
state_file = "@STATE@"

""" + extra + "\n" + "\n".join(blocks)


def load_scenario(workdir, services, warmup, seconds):
    """Figure 2: `services` services, one UDP DNS probe each per second to one
    unbound; the daemon's CPU and round lateness over `seconds`."""
    ns = lab.Namespace("acbench-load")
    try:
        ns.exec("ip", "addr", "add", f"{UNBOUND_ADDRESS}/32", "dev", "lo")
        unbound = lab.Unbound(ns, UNBOUND_ADDRESS, workdir).start()
        anycastd = lab.Anycastd(ns, workdir, load_config(services),
                                name="anycastd-load").start()
        started = time.monotonic()

        anycastd.wait_services_up(services, 60)
        all_up_s = time.monotonic() - started
        time.sleep(warmup)

        before = anycastd.status()["services"]
        t0 = time.monotonic()
        a0, u0 = cpu_ticks(anycastd.proc.pid), cpu_ticks(unbound.proc.pid)
        time.sleep(seconds)
        a1, u1 = cpu_ticks(anycastd.proc.pid), cpu_ticks(unbound.proc.pid)
        elapsed = time.monotonic() - t0
        t_status = time.monotonic()
        after = anycastd.status()["services"]
        status_ms = (time.monotonic() - t_status) * 1000

        def pct(ticks):
            return 100.0 * ticks / CLK_TCK / elapsed

        by_name = {s["name"]: s for s in before}
        late_window = sum(s["rounds"]["late_over_50ms"] - by_name[s["name"]]["rounds"]["late_over_50ms"]
                          for s in after)
        rounds_window = sum(s["rounds"]["completed"] - by_name[s["name"]]["rounds"]["completed"]
                            for s in after)
        failures_window = sum(
            c["failures"] - bc["failures"]
            for s in after for c, bc in zip(s["checks"], by_name[s["name"]]["checks"]))
        result = {
            "services": services,
            "all_up_after_s": round(all_up_s, 1),
            "window_s": round(elapsed, 1),
            "anycastd_cpu_pct": pct(a1 - a0),
            "unbound_cpu_pct": pct(u1 - u0),
            "rounds_in_window": rounds_window,
            "probe_failures_in_window": failures_window,
            "late_over_50ms_in_window": late_window,
            "late_over_50ms_since_start": sum(s["rounds"]["late_over_50ms"] for s in after),
            "max_late_ms_since_start": max(s["rounds"]["max_late_ms"] for s in after),
            "median_max_late_ms": statistics.median(s["rounds"]["max_late_ms"] for s in after),
            "status_json_ms": round(status_ms, 1),  # ip netns exec + anycastctl, wall time
            "anycastd_rss_kib": vm_rss_kib(anycastd.proc.pid),
            "loadavg": Path("/proc/loadavg").read_text().split()[:3],
        }
        anycastd.stop()
        return result
    finally:
        ns.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--services", type=int, default=1000)
    ap.add_argument("--warmup", type=float, default=5)
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--settle", type=float, default=5)
    ap.add_argument("--only", choices=("rss", "load"))
    args = ap.parse_args()
    workdir = lab.tempdir()
    out = {}
    if args.only in (None, "rss"):
        out["rss"] = rss_scenario(workdir, args.settle)
    if args.only in (None, "load"):
        out["load"] = load_scenario(workdir, args.services, args.warmup, args.seconds)
    out["workdir"] = workdir
    json.dump(out, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
