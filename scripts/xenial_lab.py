#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The seed's xenial lab (shared/seeds/002) in network namespaces, run
twice: with anycastd on the DNS servers, then as the seed had it (the
routing daemon on the server announces the anycast address whether DNS
answers or not). scripts/demo.sh builds anycastd and runs this; it needs
root, FRR, unbound and dnsutils.

    scripts/xenial_lab.py [--build DIR] [--baseline-wait SECONDS]

Every namespace (xl-*) and process it starts is removed on exit, Ctrl-C
and errors included.
"""

import argparse
import os
import signal
import sys
import time
from pathlib import Path

SOURCE = Path(__file__).resolve().parents[1]
PREFIX = "xl-"


def import_lab(build):
    """tests/integration/lab.py, pointed at the binaries in `build`."""
    os.environ["ANYCASTD_BUILD"] = str(Path(build).resolve())
    sys.path.insert(0, str(SOURCE / "tests" / "integration"))
    import lab  # noqa: E402 (needs ANYCASTD_BUILD first)
    return lab


def poll_client(x, client, until, timeout, interval=0.1):
    """Runs `dig @198.19.224.2 test.home. TXT` in `client` every `interval`
    s until `until(answer)` holds or `timeout` s pass. Returns (seconds or
    None, answers seen: {answer: count})."""
    t0 = time.monotonic()
    seen = {}
    while True:
        start = time.monotonic()
        answer = x.answer(client)
        seen[answer] = seen.get(answer, 0) + 1
        if until(answer):
            return start - t0, seen
        if start - t0 > timeout:
            return None, seen
        time.sleep(max(0.0, interval - (time.monotonic() - start)))


def show_answers(seen):
    return ", ".join(f"{n} x {a or 'no answer (refused/timeout)'}" for a, n in seen.items())


def say(text=""):
    print(text, flush=True)


def step(text):
    say(f"\n== {text}")


def show_routes(lab, x):
    for router in x.ROUTERS:
        via = x.route(router)
        owner = {x.address(s): s for s in x.SERVERS}.get(via, "the other router" if via else "")
        rip = x.routers[router].rip_routes().get(f"{lab.ANYCAST}/32")
        detail = f"RIP metric {rip['metric']}" if rip else "not in RIP"
        if via is None:
            say(f"   {router}: no route to {lab.ANYCAST} ({detail})")
        else:
            say(f"   {router}: {lab.ANYCAST} via {via} ({owner}), {detail}")


def show_clients(x):
    for client in x.CLIENTS:
        say(f"   {client}: dig @198.19.224.2 test.home. TXT -> {x.answer(client) or 'no answer'}")


def run(lab, args):
    names = lab.Namespaces(PREFIX)
    x = None
    results = {}
    try:
        step("building the xenial lab in network namespaces (10.128.N.x -> 198.18.N.x, "
             "anycast 10.128.224.2 -> 198.19.224.2)")
        say(lab.XenialLab.__doc__.split("\n\n")[1].rstrip())
        workdir = lab.tempdir()
        x = lab.XenialLab(names, workdir, router="frr", update=args.update)
        say(f"   routers: FRR ripd, timers basic {args.update} {3 * args.update} "
            f"{2 * args.update}; servers: unbound + anycastd "
            f"(conf/examples/xenial-lab.toml: probe every 1s, fall 2, rise 2); logs in {workdir}")
        x.start()

        step("the route to 198.19.224.2 at each router")
        show_routes(lab, x)
        step("which server each client reaches")
        show_clients(x)
        for server in x.SERVERS:
            iface = x.rip_interface(server)
            say(f"   anycastd on {server}: RIP on {iface['name']}: sent {iface['sent']}, "
                f"received {iface['received']}, neighbours {iface['neighbors']}")

        step("killing unbound on xenial1 (kill -9); xenial3 runs dig every 100 ms")
        x.unbound["xenial1"].kill()
        took, seen = poll_client(x, "xenial3", lambda a: a == "xenial2", 30)
        if took is None:
            raise SystemExit("xenial3 was not answered by xenial2 within 30 s; logs in " + workdir)
        results["failover"] = took
        say(f"   xenial3 is answered by xenial2 {took:.1f} s after unbound died "
            f"({show_answers(seen)})")
        bound = 2 * 1.0 + args.update
        say(f"   bound: fall x interval + one RIP update = 2 x 1 s + {args.update} s = "
            f"{bound:.0f} s (FRR jitters its update timer by up to +50%)")
        show_routes(lab, x)

        step("restarting unbound on xenial1")
        x.unbound["xenial1"].start(wait=False)
        took, seen = poll_client(x, "xenial3", lambda a: a == "xenial1", 30)
        if took is None:
            raise SystemExit("xenial3 did not come back to xenial1 within 30 s")
        results["back"] = took
        say(f"   xenial3 is answered by xenial1 again {took:.1f} s after unbound restarted "
            f"(rise 2 x 1 s, then a triggered update)")
        show_routes(lab, x)

        step("baseline, as in the seed: FRR ripd on each DNS server announces lo "
             "(redistribute connected), no anycastd")
        for server in x.SERVERS:
            x.anycastd[server].stop(signal.SIGTERM)
            x.start_baseline(server)
        x.wait_route("r1", x.address("xenial1"), 30)
        x.wait_route("r2", x.address("xenial2"), 30)
        show_routes(lab, x)
        show_clients(x)
        step(f"killing unbound on xenial1 again; xenial3 runs dig every 100 ms for "
             f"{args.baseline_wait} s")
        x.unbound["xenial1"].kill()
        took, seen = poll_client(x, "xenial3", lambda a: a == "xenial2", args.baseline_wait)
        results["baseline"] = took
        if took is None:
            say(f"   no failover: after {args.baseline_wait} s xenial3 still gets no answer "
                f"({show_answers(seen)}); the host is up, so its route stays")
        else:
            say(f"   xenial3 was answered by xenial2 after {took:.1f} s ({show_answers(seen)})")
        show_routes(lab, x)

        step("summary (client-observed, this run)")
        say(f"   anycastd: unbound dies on xenial1 -> xenial3 answered by xenial2 after "
            f"{results['failover']:.1f} s (bound {bound:.0f} s)")
        say(f"   anycastd: unbound back on xenial1 -> xenial3 back on xenial1 after "
            f"{results['back']:.1f} s")
        if results["baseline"] is None:
            say(f"   seed baseline (ripd on the server): no failover within "
                f"{args.baseline_wait} s while the host is up")
        else:
            say(f"   seed baseline (ripd on the server): failover after {results['baseline']:.1f} s")
        return 0
    finally:
        step("cleaning up")
        if x is not None:
            x.close()
        names.close()
        say("   namespaces and processes removed")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build", default=str(SOURCE / "build"),
                        help="build directory with daemon/anycastd and ctl/anycastctl")
    parser.add_argument("--update", type=int, default=5, help="RIP update timer, s (5)")
    parser.add_argument("--baseline-wait", type=int, default=30,
                        help="how long the baseline waits for a failover, s (30)")
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("xenial_lab.py: needs root (network namespaces); run it with sudo")
    lab = import_lab(args.build)
    for binary in (lab.ANYCASTD, lab.ANYCASTCTL):
        if not binary.exists():
            sys.exit(f"xenial_lab.py: {binary} is missing; build first (scripts/demo.sh does)")

    # SIGTERM/SIGHUP end the demo like Ctrl-C does: through the cleanup above.
    def stop(signo, _frame):
        raise KeyboardInterrupt(signal.Signals(signo).name)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGHUP, stop)
    try:
        return run(lab, args)
    except KeyboardInterrupt:
        say("\ninterrupted")
        return 130


if __name__ == "__main__":
    sys.exit(main())
