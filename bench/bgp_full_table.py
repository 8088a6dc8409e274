# SPDX-License-Identifier: Apache-2.0
"""Full-table benchmark for the BGP speaker (run by bgp_full_table.sh).

A generated peer sends 1,000,000 IPv4 /24 prefixes in UPDATEs of up to 4096
bytes to anycastd over a veth between two namespaces; anycastd decodes,
validates, counts and drops them. Printed: whether the session stayed up,
anycastd's RSS growth, the time until every prefix is counted (decode rate
over TCP), the same feed into BIRD 2 (RSS growth, time until `show route
count` has them all), and the time from the bus event (the service's
"up -> down" log line) to the withdrawal UPDATE arriving at the peer.
"""

import ctypes
import os
import socket
import struct
import sys
import threading
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "integration"))
import lab  # noqa: E402
from lab import wait_until  # noqa: E402

PREFIXES = int(os.environ.get("BGP_BENCH_PREFIXES", "1000000"))
PEER_AS = 65001
CLONE_NEWNET = 0x40000000
MARKER = b"\xff" * 16


def message(kind, body):
    return MARKER + struct.pack("!HB", 19 + len(body), kind) + body


def open_message(asn, router_id):
    caps = bytes([2, 6, 1, 4, 0, 1, 0, 1]) + bytes([2, 6, 65, 4]) + struct.pack("!I", asn)
    return message(1, struct.pack("!BHHIB", 4, asn, 90, router_id, len(caps)) + caps)


def full_table(next_hop):
    """UPDATEs carrying PREFIXES distinct /24s from 1.0.0.0 on."""
    attrs = (bytes([0x40, 1, 1, 0]) + bytes([0x40, 2, 6, 2, 1]) + struct.pack("!I", PEER_AS) +
             bytes([0x40, 3, 4]) + socket.inet_aton(next_hop))
    per_message = (4096 - 19 - 4 - len(attrs)) // 4
    head = struct.pack("!H", 0) + struct.pack("!H", len(attrs)) + attrs
    out = []
    for start in range(0, PREFIXES, per_message):
        count = min(per_message, PREFIXES - start)
        nlri = b"".join(b"\x18" + ((0x01000000 + (start + i) * 256) >> 8).to_bytes(3, "big")
                        for i in range(count))
        out.append(message(2, head + nlri))
    return b"".join(out)


def serve(ns, local, remote, table, report):
    """In a forked child inside `ns`: the BGP conversation. Writes progress
    lines ("established", "sent T", "withdraw T", "closed") to `report`."""
    fd = os.open(f"/var/run/netns/{ns.name}", os.O_RDONLY)
    # os.setns is Python 3.12+; Debian 12 has 3.11.
    if ctypes.CDLL(None, use_errno=True).setns(fd, CLONE_NEWNET) != 0:
        raise OSError(ctypes.get_errno(), "setns")
    s = socket.create_connection((remote, 179), timeout=30, source_address=(local, 0))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    s.sendall(open_message(PEER_AS, struct.unpack("!I", socket.inet_aton(local))[0]))
    buf = b""
    got_open = got_keepalive = False
    out = open(report, "a", buffering=1)
    sent_table = False
    # Short timeouts, so the ".go" file that starts the table is noticed.
    s.settimeout(0.005)
    while True:
        if got_keepalive and not sent_table and os.path.exists(report + ".go"):
            sent_table = True
            out.write(f"start {time.time()}\n")
            s.settimeout(None)
            s.sendall(table)
            s.settimeout(0.005)
            out.write(f"sent {time.time()}\n")
        try:
            data = s.recv(65536)
        except socket.timeout:
            continue
        if not data:
            out.write(f"closed {time.time()}\n")
            return
        buf += data
        while len(buf) >= 19:
            length, kind = struct.unpack("!HB", buf[16:19])
            if len(buf) < length:
                break
            body, buf = buf[19:length], buf[length:]
            if kind == 1 and not got_open:
                got_open = True
                s.sendall(message(4, b""))
            elif kind == 4:
                if not got_keepalive:
                    got_keepalive = True
                    out.write(f"established {time.time()}\n")
                s.sendall(message(4, b""))
            elif kind == 3:
                out.write(f"notification {body.hex()}\n")
            elif kind == 2:
                withdrawn = struct.unpack("!H", body[:2])[0]
                out.write(f"{'withdraw' if withdrawn else 'update'} {time.time()}\n")


def start_peer(ns, local, remote, table, report):
    Path(report).write_text("")
    pid = os.fork()
    if pid == 0:
        try:
            serve(ns, local, remote, table, report)
        except Exception as e:  # noqa: BLE001 - reported to the parent through the file
            with open(report, "a") as out:
                out.write(f"error {e!r}\n")
        finally:
            os._exit(0)
    return pid


def events(report):
    out = {}
    for line in Path(report).read_text().splitlines():
        key, _, value = line.partition(" ")
        out.setdefault(key, value)
    return out


def rss_kib(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def log_time(log, needle):
    """The timestamp (epoch seconds) of anycastd's first log line containing `needle`."""
    for line in Path(log).read_text().splitlines():
        if needle in line:
            stamp = " ".join(line.split()[:2])
            return datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S.%f").timestamp()
    return None


def bench_anycastd(workdir, table):
    peer = lab.Namespace("bgpb-peer")
    acd = lab.Namespace("bgpb-acd")
    pid = None
    try:
        lab.veth(peer, "p0", "198.18.9.1/24", acd, "a0", "198.18.9.2/24")
        flag = Path(workdir) / "healthy"
        flag.write_text("")
        d = lab.Anycastd(acd, workdir, f"""
[daemon]
router_id = "198.18.9.2"
control_socket = "@SOCKET@"
state_file = "@STATE@"
log_level = "info"

[[service]]
name = "dns"
prefixes = ["198.19.224.2/32"]
interval = "100ms"
timeout = "100ms"
rise = 1
fall = 1
  [[service.check]]
  type = "exec"
  command = ["/usr/bin/test", "-e", "{flag}"]

[bgp]
asn = 65101
  [[bgp.neighbor]]
  address = "198.18.9.1"
  remote_asn = {PEER_AS}
  passive = true
  drain_time = "0s"
""").start()
        report = str(Path(workdir) / "anycastd-peer.log")
        pid = start_peer(peer, "198.18.9.1", "198.18.9.2", table, report)
        wait_until(lambda: "update" in events(report), 20, what="our announcement at the peer")

        def neighbor():
            return d.status()["protocols"]["bgp"]["neighbors"][0]
        rss0 = rss_kib(d.proc.pid)
        # `ip netns exec` is the parent; the daemon is its child after exec.
        Path(report + ".go").write_text("")
        wait_until(lambda: neighbor()["prefixes_received_discarded"] >= PREFIXES, 300, 0.005,
                   what="every prefix counted")
        done = time.time()
        e = events(report)
        rss1 = rss_kib(d.proc.pid)
        n = neighbor()
        elapsed = done - float(e["start"])
        result = {"state": n["state"], "rss_growth_kib": rss1 - rss0, "rss_kib": rss1,
                  "seconds": elapsed, "rate": PREFIXES / elapsed,
                  "treat_as_withdraw": n["rfc7606"]["treat_as_withdraw"]}
        # Withdraw latency: the bus event is logged as "service dns: up -> down".
        flag.unlink()
        wait_until(lambda: "withdraw" in events(report), 10, 0.01, what="the withdrawal")
        bus = log_time(d.log, "service dns: up -> down")
        result["withdraw_ms"] = (float(events(report)["withdraw"]) - bus) * 1000
        d.stop()
        return result
    finally:
        if pid:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
        peer.close()
        acd.close()


def bench_bird(workdir, table):
    peer = lab.Namespace("bgpb-peer2")
    rtr = lab.Namespace("bgpb-bird")
    pid = None
    try:
        lab.veth(peer, "p0", "198.18.8.1/24", rtr, "b0", "198.18.8.2/24")
        bird = lab.BirdRouter(rtr, workdir, f"""
log "@LOG@" {{ warning, error }};
router id 198.18.8.2;
protocol device {{}}
protocol bgp feed {{
  local 198.18.8.2 as 65101;
  neighbor 198.18.8.1 as {PEER_AS};
  ipv4 {{ import all; export none; }};
}}
""").start()
        bird_pid = int(bird.pidfile.read_text().strip())
        report = str(Path(workdir) / "bird-peer.log")
        pid = start_peer(peer, "198.18.8.1", "198.18.8.2", table, report)
        wait_until(lambda: "established" in events(report), 20, what="BIRD session")
        rss0 = rss_kib(bird_pid)
        Path(report + ".go").write_text("")

        def count():
            out = bird.birdc("show", "route", "count").stdout
            for line in out.splitlines():
                if "routes for" in line:
                    return int(line.split()[0])
            return 0
        wait_until(lambda: count() >= PREFIXES, 600, 0.05, what="BIRD to hold every prefix")
        elapsed = time.time() - float(events(report)["start"])
        rss1 = rss_kib(bird_pid)
        bird.stop()
        return {"rss_growth_kib": rss1 - rss0, "rss_kib": rss1, "seconds": elapsed,
                "rate": PREFIXES / elapsed}
    finally:
        if pid:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
        peer.close()
        rtr.close()


def main():
    workdir = lab.tempdir()
    t0 = time.time()
    table = full_table("198.18.9.1")
    table_bird = full_table("198.18.8.1")
    print(f"generated {PREFIXES} prefixes in {len(table) // 1024} KiB of UPDATEs "
          f"({time.time() - t0:.1f}s)")
    a = bench_anycastd(workdir, table)
    b = bench_bird(workdir, table_bird)
    print(f"{'':28}{'anycastd':>14}{'BIRD 2':>14}")
    print(f"{'session after the table':28}{a['state']:>14}{'-':>14}")
    print(f"{'RSS growth (KiB)':28}{a['rss_growth_kib']:>14}{b['rss_growth_kib']:>14}")
    print(f"{'RSS after (KiB)':28}{a['rss_kib']:>14}{b['rss_kib']:>14}")
    print(f"{'time to take the table (s)':28}{a['seconds']:>14.2f}{b['seconds']:>14.2f}")
    print(f"{'prefixes/s':28}{a['rate']:>14,.0f}{b['rate']:>14,.0f}")
    print(f"withdraw on the wire after the bus event: {a['withdraw_ms']:.1f} ms "
          f"(log timestamps have 1 ms resolution)")
    ok = (a["state"] == "Established" and a["rss_growth_kib"] <= 2048 and
          a["withdraw_ms"] <= 10)
    print("targets (session up, RSS growth <= 2 MB, withdraw <= 10 ms):",
          "met" if ok else "NOT met")


if __name__ == "__main__":
    main()
