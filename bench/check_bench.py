#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The health checks' own costs (issue 14), whole daemon in one namespace
(acbPID-checks, deleted on the way out). Prints one JSON document.

  tls:   N services of one check each, once a second: UDP DNS (the
         reference), HTTPS and DNS over TLS, each on a connection kept
         between probes (reuse_connection, the default), and with
         reuse_connection = false on a new connection each probe with TLS
         session resumption and with full handshakes. The server side
         decides the latter two: nginx with session tickets and cache
         (resumption) or with both off (every probe a full handshake with
         certificate verification). anycastd's CPU per check, and its ratio
         to UDP DNS.
  mixed: 1,000 services cycling through eight kinds of check (DNS over
         UDP, TCP and TLS, HTTP, HTTPS, TCP, NTP, file): CPU and how late
         rounds start (the `rounds` of status --json).

Servers: unbound on 198.19.224.1 (DNS on 53), nginx on 198.19.224.2 (HTTP
80, HTTPS 443, and DNS over TLS on 853 as a TLS proxy to unbound, the stream
module), chronyd -x on 198.19.224.3 (NTP); a CA and a certificate for
bench.test made with openssl. Service addresses 198.18.100.0/22 on lo.

  sudo ANYCASTD_BUILD=build-bench python3 bench/check_bench.py [--services 100] [--seconds 20]
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "integration"))
import lab  # noqa: E402  (ANYCASTD_BUILD selects the binaries)

CLK_TCK = os.sysconf("SC_CLK_TCK")
UNBOUND = "198.19.224.1"
NGINX = "198.19.224.2"
CHRONY = "198.19.224.3"


def cpu_ticks(pid):
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def group_ticks(pids):
    return sum(cpu_ticks(p) for p in pids)


def nginx_pids(master):
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [master] + [int(c) for c in children]


class Servers:
    def __init__(self, ns, workdir):
        self.ns = ns
        self.dir = Path(workdir)
        d = self.dir
        lab.run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                "-nodes", "-keyout", d / "ca.key", "-out", d / "ca.pem", "-days", "30", "-subj",
                "/CN=anycastd bench CA")
        lab.run("openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", d / "bench.key", "-out", d / "bench.csr", "-subj", "/CN=bench.test",
                "-addext", "subjectAltName=DNS:bench.test")
        ext = d / "ext.cnf"
        ext.write_text("subjectAltName=DNS:bench.test\n")
        lab.run("openssl", "x509", "-req", "-in", d / "bench.csr", "-CA", d / "ca.pem", "-CAkey",
                d / "ca.key", "-CAcreateserial", "-out", d / "bench.pem", "-days", "30",
                "-extfile", ext)
        self.ca = d / "ca.pem"
        self.unbound = lab.Unbound(ns, UNBOUND, d)
        # The DNS-over-TCP checks and nginx's DoT proxy keep up to a few
        # hundred TCP connections to it at once (unbound's default is 10).
        self.unbound.conf.write_text(self.unbound.conf.read_text().replace(
            "server:\n", "server:\n  incoming-num-tcp: 1024\n", 1))
        self.unbound.start()
        self.nginx = None
        self.nginx_dir = None
        chrony_dir = d / "chrony"
        chrony_dir.mkdir()
        chrony_dir.chmod(0o700)
        (chrony_dir / "chrony.conf").write_text(f"""local stratum 8
allow all
bindaddress {CHRONY}
cmdport 0
bindcmdaddress /
pidfile {chrony_dir}/chronyd.pid
""")
        self.chrony = ns.popen("chronyd", "-x", "-d", "-u", "root", "-f",
                               chrony_dir / "chrony.conf", log=chrony_dir / "log")

    def start_nginx(self, resume):
        """nginx with TLS resumption (tickets and a session cache) or without."""
        if self.nginx is not None:
            lab.stop(self.nginx)
        d = self.dir / ("nginx-resume" if resume else "nginx-full")
        d.mkdir(exist_ok=True)
        self.nginx_dir = d
        def tls(zone):
            return (f"ssl_certificate {self.dir}/bench.pem; "
                    f"ssl_certificate_key {self.dir}/bench.key;\n    "
                    + (f"ssl_session_cache shared:{zone}:10m; ssl_session_tickets on;" if resume
                       else "ssl_session_cache off; ssl_session_tickets off;"))
        temp = "\n".join(f"  {k}_temp_path {d}/{k};"
                         for k in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        (d / "nginx.conf").write_text(f"""load_module /usr/lib/nginx/modules/ngx_stream_module.so;
daemon off;
user root;
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/error.log;
events {{ worker_connections 4096; }}
http {{
  access_log off;
{temp}
  server {{ listen {NGINX}:80; listen {NGINX}:443 ssl; server_name bench.test;
    {tls("HTTP")}
    location / {{ return 200 "ok\\n"; }} }}
}}
stream {{
  server {{ listen {NGINX}:853 ssl; proxy_pass {UNBOUND}:53;
    {tls("STREAM")} }}
}}
""")
        self.nginx = self.ns.popen("nginx", "-p", d, "-e", d / "error.log", "-c",
                                   d / "nginx.conf", log=d / "stdout.log")
        lab.wait_until(lambda: (d / "nginx.pid").exists(), 10, 0.05, "nginx")
        return self.nginx


CHECKS = {
    "udp": f'type = "dns"\n  target = "{UNBOUND}"\n  name = "test.home."',
    "dns-tcp": f'type = "dns"\n  target = "{UNBOUND}"\n  name = "test.home."\n  transport = "tcp"',
    "dot": (f'type = "dns"\n  target = "{NGINX}"\n  name = "test.home."\n  transport = "tls"\n'
            f'  host = "bench.test"\n  ca_file = "@CA@"'),
    "https": (f'type = "http"\n  target = "{NGINX}"\n  tls = true\n  host = "bench.test"\n'
              f'  ca_file = "@CA@"'),
    "http": f'type = "http"\n  target = "{NGINX}"',
    "tcp": f'type = "tcp"\n  target = "{NGINX}"\n  port = 80',
    "ntp": f'type = "ntp"\n  target = "{CHRONY}"',
    "file": 'type = "file"\n  path = "/nonexistent/anycastd-bench-maintenance"',
}


def config(kinds, ca, extra=""):
    """`extra`: lines added to every check."""
    blocks = []
    for i, kind in enumerate(kinds):
        blocks.append(f"""[[service]]
name = "s{i}"
prefixes = ["198.18.{100 + i // 256}.{i % 256}/32"]
interval = "1s"
timeout = "500ms"
  [[service.check]]
  {CHECKS[kind].replace("@CA@", str(ca))}{extra}
""")
    return """[daemon]
router_id = "198.18.0.1"
control_socket = "@SOCKET@"
state_file = "@STATE@"

""" + "\n".join(blocks)


def run_daemon(ns, workdir, name, kinds, ca, warmup, seconds, server_pids, all_up=True,
               extra=""):
    """One anycastd with a service per entry of `kinds`; with `all_up` the
    window starts once every service is up, else after `warmup` alone (the
    failures in the window are in the result)."""
    anycastd = lab.Anycastd(ns, workdir, config(kinds, ca, extra), name=name).start()
    try:
        if all_up:
            anycastd.wait_services_up(len(kinds), 60)
        time.sleep(warmup)
        before = {s["name"]: s for s in anycastd.status()["services"]}
        t0 = time.monotonic()
        a0, s0 = cpu_ticks(anycastd.proc.pid), group_ticks(server_pids())
        time.sleep(seconds)
        a1, s1 = cpu_ticks(anycastd.proc.pid), group_ticks(server_pids())
        elapsed = time.monotonic() - t0
        after = anycastd.status()["services"]
        rounds = sum(s["rounds"]["completed"] - before[s["name"]]["rounds"]["completed"]
                     for s in after)
        failures = sum(c["failures"] - bc["failures"] for s in after
                       for c, bc in zip(s["checks"], before[s["name"]]["checks"]))
        resumed = sum("TLS resumed" in s["checks"][0]["detail"] for s in after)
        reused = sum("connection reused" in s["checks"][0]["detail"] for s in after)
        cpu = 100.0 * (a1 - a0) / CLK_TCK / elapsed
        return {
            "services": len(kinds),
            "up_at_end": sum(s["state"] == "up" for s in after),
            "window_s": round(elapsed, 1),
            "anycastd_cpu_pct": round(cpu, 3),
            "cpu_pct_per_check": round(cpu / len(kinds), 5),
            "servers_cpu_pct": round(100.0 * (s1 - s0) / CLK_TCK / elapsed, 3),
            "rounds_in_window": rounds,
            "probe_failures_in_window": failures,
            "last_probe_resumed_tls": resumed,
            "last_probe_on_kept_connection": reused,
            "late_over_50ms_in_window": sum(
                s["rounds"]["late_over_50ms"] - before[s["name"]]["rounds"]["late_over_50ms"]
                for s in after),
            "max_late_ms_since_start": max(s["rounds"]["max_late_ms"] for s in after),
            "median_max_late_ms": statistics.median(s["rounds"]["max_late_ms"] for s in after),
            "loadavg": Path("/proc/loadavg").read_text().split()[:3],
        }
    finally:
        anycastd.stop()


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--services", type=int, default=100)
    ap.add_argument("--mixed", type=int, default=1000)
    ap.add_argument("--warmup", type=float, default=3)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--only", choices=("tls", "mixed"))
    args = ap.parse_args()
    workdir = Path(lab.tempdir())
    # Not "acbench-*": bench/run.sh, when it exits, deletes every namespace so named.
    ns = lab.Namespace(f"acb{os.getpid() % 100000}-checks")
    out = {"workdir": str(workdir)}
    try:
        for address in (UNBOUND, NGINX, CHRONY):
            ns.exec("ip", "addr", "add", f"{address}/32", "dev", "lo")
        servers = Servers(ns, workdir)
        n = args.services

        def pids():
            master = int((servers.nginx_dir / "nginx.pid").read_text())
            return [servers.unbound.proc.pid, servers.chrony.pid] + nginx_pids(master)

        if args.only in (None, "tls"):
            tls = {}
            servers.start_nginx(resume=True)
            tls["udp"] = run_daemon(ns, workdir, "udp", ["udp"] * n, servers.ca, args.warmup,
                                    args.seconds, pids)
            for kind in ("https", "dot"):
                key = f"{kind}-kept"
                tls[key] = run_daemon(ns, workdir, key, [kind] * n, servers.ca, args.warmup,
                                      args.seconds, pids)
            for resume in (True, False):
                servers.start_nginx(resume=resume)
                for kind in ("https", "dot"):
                    key = f"{kind}-{'resume' if resume else 'full'}"
                    tls[key] = run_daemon(ns, workdir, key, [kind] * n, servers.ca, args.warmup,
                                          args.seconds, pids,
                                          extra="\n  reuse_connection = false")
            base = tls["udp"]["cpu_pct_per_check"]
            for key, r in tls.items():
                r["ratio_to_udp_dns"] = round(r["cpu_pct_per_check"] / base, 2) if base else None
            out["tls"] = tls
        if args.only in (None, "mixed"):
            servers.start_nginx(resume=True)
            kinds = [list(CHECKS)[i % len(CHECKS)] for i in range(args.mixed)]
            out["mixed"] = run_daemon(ns, workdir, "mixed", kinds, servers.ca, 10 + args.warmup,
                                      args.seconds, pids, all_up=False)
            out["mixed"]["kinds"] = list(CHECKS)
    finally:
        ns.close()
        json.dump(out, sys.stdout, indent=1)
        print()


if __name__ == "__main__":
    main()
