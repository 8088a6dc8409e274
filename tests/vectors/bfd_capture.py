#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Captures BFD Control packets (RFC 5880 §4.1) between anycastd and real
routers, for the vectors of tests/unit/bfd/packet_test.cpp and the seeds of
tests/fuzz/corpus/bfd_packet/. Root; network namespaces made here and
deleted on the way out.

    h: anycastd (BGP, bfd = true)   r: FRR bgpd + bfdd, or BIRD 2 (bgp, bfd on)
       eth1 198.18.1.2/24 ------------- r-h 198.18.1.1/24
                                        tshark -i r-h -w NAME.pcap -f 'udp port 3784'

Scenarios, each a fresh lab, each its own pcap in --out:

  frr            FRR bfdd, no authentication (FRR 8.4 bfdd has none): the
                 three-way handshake; the profile's transmit-interval changed
                 (FRR polls, anycastd answers Final); anycastd's min_tx
                 reloaded (anycastd polls, FRR answers Final); the profile
                 shut down (FRR's AdminDown, diag 7); `no shutdown`; then
                 anycastd's SIGTERM (our AdminDown, diag 7).
  bird-sha1      BIRD `protocol bfd` with `authentication keyed sha1`, key ID 1.
  bird-meticulous the same with `meticulous keyed sha1`.
                 Both BIRD ones: handshake, BIRD's intervals changed by
                 `birdc configure` (BIRD polls), anycastd's reloaded
                 (anycastd polls, BIRD answers Final), SIGTERM.

The key of the BIRD scenarios is KEY below. For each pcap the script prints
the first packet of each kind (sender, state, diag, P, F, auth type) as
tshark dissects it and as hex: the vectors of captured_test.cpp and the
seeds are picked from that list by hand.

Usage: sudo ANYCASTD_BUILD=build tests/vectors/bfd_capture.py [--out DIR]
"""

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration"))
import lab  # noqa: E402
from lab import wait_until  # noqa: E402

HOST, ROUTER = "198.18.1.2", "198.18.1.1"
KEY = "s3cret"
FIELDS = ["ip.src", "bfd.sta", "bfd.diag", "bfd.flags.p", "bfd.flags.f", "bfd.auth.type",
          "bfd.detect_time_multiplier", "bfd.my_discriminator", "bfd.your_discriminator",
          "bfd.desired_min_tx_interval", "bfd.required_min_rx_interval",
          "bfd.required_min_echo_interval", "bfd.auth.key", "bfd.auth.seq_num", "frame.number",
          "udp.payload"]


def host_config(min_tx_ms, auth=None):
    line = (f'authentication = {{ mode = "{auth}", key_id = 1, key = "{KEY}" }}\n'
            if auth else "")
    return f"""[daemon]
router_id = "{HOST}"
control_socket = "@SOCKET@"
state_file = "@STATE@"
log_level = "debug"

[bgp]
asn = 65101

  [[bgp.neighbor]]
  address = "{ROUTER}"
  remote_asn = 65001
  bfd = true

[bfd]
min_tx = "{min_tx_ms}ms"
min_rx = "300ms"
multiplier = 3
{line}"""


def bird_config(log, auth, interval_ms):
    return f"""router id 198.18.0.2;
log "{log}" all;
protocol device {{ scan time 1; }}
protocol bfd {{
  interface "r-h" {{ min rx interval {interval_ms} ms; min tx interval {interval_ms} ms;
    multiplier 3;
    authentication {auth}; password "{KEY}" {{ id 1; }}; }};
}}
protocol bgp h {{
  local {ROUTER} as 65001; neighbor {HOST} as 65101; hold time 30; bfd on;
  ipv4 {{ import all; export none; }};
}}
"""


FRR_PROFILE = "bfd\n profile p\n  transmit-interval 300\n  receive-interval 300\n !\n!\n"


class Capture:
    def __init__(self, name, out):
        self.work = Path(lab.tempdir())
        tag = f"bv{os.getpid() % 100000}"
        self.h, self.r = lab.Namespace(f"{tag}-h"), lab.Namespace(f"{tag}-r")
        lab.veth(self.r, "r-h", f"{ROUTER}/24", self.h, "eth1", f"{HOST}/24")
        self.pcap = Path(out) / f"{name}.pcap"
        self.pcap.unlink(missing_ok=True)
        self.tshark = self.r.popen("tshark", "-q", "-i", "r-h", "-w", self.pcap, "-f",
                                   "udp port 3784")
        wait_until(lambda: self.pcap.exists(), 30, 0.1, what="tshark to start")
        self.anycastd = None
        self.router = None

    def session(self):
        sessions = self.anycastd.status()["protocols"]["bfd"]["sessions"]
        return sessions[0] if sessions else {}

    def wait_tx(self, ms):
        wait_until(lambda: self.session().get("state") == "Up"
                   and self.session().get("tx_interval_ms") == ms, 30, 0.1,
                   what=f"anycastd's session Up, TX {ms} ms")
        time.sleep(1.5)

    def start_anycastd(self, auth=None):
        self.anycastd = lab.Anycastd(self.h, self.work, host_config(300, auth)).start()

    def reload_anycastd(self, auth=None):
        r = self.anycastd.reload(host_config(500, auth))
        assert r.returncode == 0, r.stderr

    def sigterm(self):
        assert self.anycastd.stop() == 0
        time.sleep(1)

    def close(self):
        time.sleep(1)
        lab.stop(self.tshark, timeout=10)
        if self.anycastd and self.anycastd.proc is not None:
            self.anycastd.stop()
        if self.router:
            self.router.stop()
        self.h.close()
        self.r.close()
        shutil.rmtree(self.work, ignore_errors=True)


def frr(out):
    c = Capture("frr", out)
    try:
        conf = lab.frr_bgpd_conf(65001, "198.18.0.2", [{"address": HOST, "remote_as": 65101}])
        conf += f"router bgp 65001\n neighbor {HOST} bfd profile p\n!\n"
        c.router = lab.FrrBgp(c.r, c.work, conf, bfdd=True)
        with open(c.router.dir / "bfdd.conf", "a") as f:
            f.write(FRR_PROFILE)
        c.router.start()
        c.start_anycastd()
        c.wait_tx(300)

        def profile(*lines):
            r = c.router.vtysh("configure terminal", "bfd", "profile p", *lines)
            assert r.returncode == 0, r.stdout + r.stderr
        profile("transmit-interval 400", "receive-interval 400")  # FRR's Poll
        c.wait_tx(400)
        c.reload_anycastd()  # our Poll, FRR's Final
        c.wait_tx(500)
        profile("shutdown")  # FRR's AdminDown, diag 7
        wait_until(lambda: c.session().get("state") == "Down", 10, 0.1,
                   what="anycastd's session Down after FRR's AdminDown")
        profile("no shutdown")
        c.wait_tx(500)
        c.sigterm()  # our AdminDown, diag 7
    finally:
        c.close()
    return c.pcap


def bird(out, name, bird_auth, our_auth):
    c = Capture(name, out)
    try:
        log = c.work / "bird.log"
        c.router = lab.BirdRouter(c.r, c.work, bird_config(log, bird_auth, 300))
        c.router.start()
        c.start_anycastd(our_auth)
        c.wait_tx(300)
        c.router.conf.write_text(bird_config(log, bird_auth, 400))
        r = c.router.birdc("configure")  # BIRD's Poll
        assert r.returncode == 0, r.stdout
        c.wait_tx(400)
        c.reload_anycastd(our_auth)  # our Poll, BIRD's Final
        c.wait_tx(500)
        c.sigterm()
    finally:
        c.close()
    return c.pcap


def kinds(pcap):
    """The first packet of each (sender, state, diag, P, F, auth type)."""
    out = subprocess.run(["tshark", "-r", str(pcap), "-T", "fields", "-E", "separator=|",
                          *sum((["-e", f] for f in FIELDS), [])], check=True, text=True,
                         capture_output=True).stdout
    seen = {}
    for line in out.splitlines():
        row = dict(zip(FIELDS, line.split("|")))
        key = tuple(row[f] for f in FIELDS[:6])
        seen.setdefault(key, row)
    return list(seen.values())


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="/tmp/bfd-vectors")
    args = ap.parse_args()
    Path(args.out).mkdir(parents=True, exist_ok=True)
    os.chmod(args.out, 0o755)
    lab.require("tshark")
    pcaps = [frr(args.out),
             bird(args.out, "bird-sha1", "keyed sha1", "sha1"),
             bird(args.out, "bird-meticulous", "meticulous keyed sha1", "meticulous-sha1")]
    for pcap in pcaps:
        print(f"== {pcap}")
        for row in kinds(pcap):
            who = "anycastd" if row["ip.src"] == HOST else "router"
            print(f"{who}: " + " ".join(f"{f.removeprefix('bfd.')}={row[f]}"
                                        for f in FIELDS[1:-1] if row[f]))
            print(f"  {row['udp.payload'].replace(':', '')}")


if __name__ == "__main__":
    main()
