# SPDX-License-Identifier: Apache-2.0
"""The Prometheus endpoint (issue #15) against a real Prometheus (Debian's
prometheus) in the namespace: it scrapes anycastd, and through its HTTP API
anycastd_service_up goes 1 -> 0 when the service is killed and back;
promtool check metrics is clean on a scrape; malformed, oversized, slow and
too many requests are refused while the probes stay on time."""

import json
import textwrap
import time
import urllib.parse

import lab
from lab import wait_until

ANYCAST = "198.19.224.2"
METRICS = "127.0.0.1:9273"

CONFIG = f"""
[daemon]
router_id = "198.18.0.1"
control_socket = "@SOCKET@"
state_file = "@STATE@"

[metrics]
listen = "{METRICS}"

[[service]]
name = "dns"
prefixes = ["{ANYCAST}/32"]
interval = "200ms"
timeout = "100ms"
rise = 2
fall = 2

  [[service.check]]
  type = "dns"
  name = "test.home."

  [[service.check]]
  type = "tcp"
  port = 53
"""

# Runs in the namespace: GET `url`, print {"status": N, "body": "..."}.
GET = textwrap.dedent("""
    import json, sys, urllib.request, urllib.error
    try:
        with urllib.request.urlopen(sys.argv[1], timeout=5) as r:
            print(json.dumps({"status": r.status, "body": r.read().decode(),
                              "type": r.headers.get("Content-Type")}))
    except urllib.error.HTTPError as e:
        print(json.dumps({"status": e.code, "body": e.read().decode(), "type": None}))
    except urllib.error.URLError as e:  # nothing listening (yet)
        print(json.dumps({"status": None, "body": str(e.reason), "type": None}))
""")

# Runs in the namespace: the bad clients, one after the other; prints what
# each one got back (the status line, or "closed" and after how long).
BAD_CLIENTS = textwrap.dedent("""
    import json, socket, sys, time
    host, port = sys.argv[1].split(":")
    port = int(port)

    def exchange(data, wait=3.0):
        s = socket.create_connection((host, port), timeout=wait)
        s.sendall(data)
        got = b""
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                got += chunk
        except socket.timeout:
            pass
        s.close()
        return got.split(b"\\r\\n", 1)[0].decode(errors="replace")

    out = {}
    out["wrong_path"] = exchange(b"GET /nothing HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n")
    out["post"] = exchange(b"POST /metrics HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: 0\\r\\n\\r\\n")
    out["big_header"] = exchange(b"GET /metrics HTTP/1.1\\r\\nHost: x\\r\\nX-Big: " +
                                 b"a" * 9000 + b"\\r\\n\\r\\n")
    out["body"] = exchange(b"GET /metrics HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: 5\\r\\n\\r\\nhello")
    out["chunked"] = exchange(b"GET /metrics HTTP/1.1\\r\\nHost: x\\r\\n"
                              b"Transfer-Encoding: chunked\\r\\n\\r\\n5\\r\\nhello\\r\\n0\\r\\n\\r\\n")
    out["garbage"] = exchange(b"\\x16\\x03\\x01 not http at all\\r\\n\\r\\n")

    # Slow: half a request line, then nothing. The server closes it.
    s = socket.create_connection((host, port), timeout=15)
    s.sendall(b"GET /metr")
    t0 = time.monotonic()
    s.recv(1024)
    out["slow_closed_after_s"] = time.monotonic() - t0
    s.close()

    # Too many: 16 idle connections are served, the next is refused.
    idle = [socket.create_connection((host, port), timeout=5) for _ in range(16)]
    time.sleep(0.2)
    out["seventeenth"] = exchange(b"")  # refused at once, before any request
    for s in idle:
        s.close()
    time.sleep(0.2)
    out["after"] = exchange(b"GET /metrics HTTP/1.1\\r\\nHost: x\\r\\nConnection: close\\r\\n\\r\\n")
    print(json.dumps(out))
""")


def http_get(ns, url):
    return json.loads(ns.exec("python3", "-c", GET, url).stdout)


def start_prometheus(ns, workdir):
    lab.require("prometheus")
    conf = lab.Path(workdir) / "prometheus.yml"
    conf.write_text(textwrap.dedent(f"""
        global:
          scrape_interval: 1s
          scrape_timeout: 1s
          evaluation_interval: 1s
        scrape_configs:
          - job_name: anycastd
            static_configs:
              - targets: ["{METRICS}"]
    """))
    data = lab.Path(workdir) / "prometheus-data"
    data.mkdir()
    log = lab.Path(workdir) / "prometheus.log"
    proc = ns.popen("prometheus", f"--config.file={conf}",
                    f"--storage.tsdb.path={data}", "--web.listen-address=127.0.0.1:9090",
                    log=log)
    # Its first start on a machine (a cold page cache) can take seconds.
    try:
        wait_until(lambda: http_get(ns, "http://127.0.0.1:9090/-/ready")["status"] == 200,
                   30, 0.2, what="Prometheus to be ready")
    except AssertionError:
        raise AssertionError(f"Prometheus not ready in 30 s; its log:\n{log.read_text()}")
    return proc


def query(ns, expr):
    """The value of an instant vector with one series, or None."""
    r = http_get(ns, "http://127.0.0.1:9090/api/v1/query?query=" + urllib.parse.quote(expr))
    if r["status"] != 200:
        return None
    result = json.loads(r["body"])["data"]["result"]
    return result[0]["value"][1] if len(result) == 1 else None


def test_prometheus_sees_the_service_go_down_and_back(namespaces, workdir):
    ns = namespaces("prom")
    unbound = lab.Unbound(ns, ANYCAST, workdir).start(wait=False)
    daemon = lab.Anycastd(ns, workdir, CONFIG).start()
    wait_until(lambda: daemon.service("dns")["state"] == "up", 10, what="dns up")

    scrape = http_get(ns, f"http://{METRICS}/metrics")
    assert scrape["status"] == 200
    assert scrape["type"] == "text/plain; version=0.0.4; charset=utf-8"
    body = scrape["body"]
    for line in ['anycastd_up 1', 'anycastd_service_up{service="dns"} 1',
                 'anycastd_service_state{service="dns",state="up"} 1',
                 'anycastd_service_state{service="dns",state="degraded"} 0',
                 '# TYPE anycastd_check_duration_seconds histogram',
                 'anycastd_check_duration_seconds_bucket{service="dns",check="tcp",le="+Inf"}',
                 'anycastd_config_last_reload_successful 1',
                 'anycastd_build_info{version="']:
        assert line in body, f"{line!r} not in the scrape:\n{body}"
    lab.require("promtool")
    check = lab.run("promtool", "check", "metrics", input=body, check=False)
    assert check.returncode == 0 and not check.stdout.strip() and not check.stderr.strip(), \
        f"promtool check metrics: {check.stdout}{check.stderr}"

    prometheus = start_prometheus(ns, workdir)
    up = 'anycastd_service_up{service="dns"}'
    wait_until(lambda: query(ns, up) == "1", 30, 0.5, what="Prometheus to see dns up")
    assert query(ns, 'up{job="anycastd"}') == "1"

    downs = 'anycastd_service_transitions_total{service="dns",to="down"}'
    downs_before = int(query(ns, downs) or 0)
    unbound.kill()
    wait_until(lambda: query(ns, up) == "0", 15, 0.5, what="Prometheus to see dns down")
    wait_until(lambda: int(query(ns, downs) or 0) == downs_before + 1, 5, 0.5,
               what="one more transition to down")

    lab.Unbound(ns, ANYCAST, workdir).start(wait=False)
    wait_until(lambda: query(ns, up) == "1", 15, 0.5, what="Prometheus to see dns up again")
    lab.stop(prometheus)
    daemon.stop()


def test_bad_requests_are_refused_and_probes_stay_on_time(namespaces, workdir):
    ns = namespaces("badhttp")
    lab.Unbound(ns, ANYCAST, workdir).start(wait=False)
    daemon = lab.Anycastd(ns, workdir, CONFIG).start()
    wait_until(lambda: daemon.service("dns")["state"] == "up", 10, what="dns up")
    before = daemon.service("dns")["rounds"]

    t0 = time.monotonic()
    got = json.loads(ns.exec("python3", "-c", BAD_CLIENTS, METRICS).stdout)
    elapsed = time.monotonic() - t0
    assert got["wrong_path"] == "HTTP/1.1 404 Not Found"
    assert got["post"] == "HTTP/1.1 405 Method Not Allowed"
    assert got["big_header"] == "HTTP/1.1 431 Request Header Fields Too Large"
    assert got["body"] == "HTTP/1.1 413 Payload Too Large"
    assert got["chunked"] == "HTTP/1.1 413 Payload Too Large"
    assert got["garbage"] == "HTTP/1.1 400 Bad Request"
    # The request timeout is 5 s; honest margin for a loaded machine.
    assert 4 <= got["slow_closed_after_s"] <= 8, got
    assert got["seventeenth"] == "HTTP/1.1 503 Service Unavailable"
    assert got["after"] == "HTTP/1.1 200 OK"

    # All the while (5 s or more: a round every 200 ms) the probes kept their
    # schedule: no round started more than 50 ms late, and the service stayed up.
    svc = daemon.service("dns")
    expected = elapsed / 0.2
    assert svc["rounds"]["completed"] - before["completed"] >= 0.8 * expected - 1, \
        (svc["rounds"], before, elapsed)
    assert svc["rounds"]["late_over_50ms"] == before["late_over_50ms"], svc["rounds"]
    assert svc["state"] == "up"
    metrics = http_get(ns, f"http://{METRICS}/metrics")["body"]
    assert 'anycastd_control_requests_total{command="status",result="ok"}' in metrics
    daemon.stop()


def test_a_rejected_reload_fails_says_why_and_shows_in_the_metrics(namespaces, workdir):
    ns = namespaces("reload")
    daemon = lab.Anycastd(ns, workdir, CONFIG).start()
    r = daemon.reload(CONFIG + '\n[daemon]\nlog_level = "loud"\n')
    assert r.returncode == 1
    assert "reload rejected, keeping the running config:" in r.stderr
    assert f"{daemon.config}:" in r.stderr  # FILE:LINE:COL of the first error
    body = http_get(ns, f"http://{METRICS}/metrics")["body"]
    assert "anycastd_config_last_reload_successful 0" in body
    assert 'anycastd_control_requests_total{command="reload",result="error"} 1' in body
    assert daemon.reload(CONFIG).returncode == 0
    body = http_get(ns, f"http://{METRICS}/metrics")["body"]
    assert "anycastd_config_last_reload_successful 1" in body
    daemon.stop()
