#!/usr/bin/env python3
"""What the Grid costs a run (issue 13), against a running Grid (scripts/grid-local.sh start):

  1. a trivial WebDriver command (execute/sync "return 1") through the hub vs straight to a
     chromedriver this script starts itself (what a local run talks to), interleaved in random
     order over the same keep-alive connections: median / p95 / p99 in ms;
  2. session creation + deletion, hub vs direct;
  3. `harness matrix` of the 4 Grid-test cells (fixtures clean, window, dom, node; iterations
     auto) through the Grid vs run locally one after another: wall time, and the sample delivery
     delay node -> controller the Grid runs recorded (browser_ended details).

  bench/grid_latency.py [--hub http://127.0.0.1:4444] [--token /tmp/harness-grid/token]
                        [--calls 300] [--harness build/harness] [--skip-matrix]
"""
import argparse
import http.client
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


class Wire:
    def __init__(self, host, port):
        self.conn = http.client.HTTPConnection(host, port, timeout=120)

    def call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        headers = {"Content-Type": "application/json; charset=utf-8"}
        started = time.perf_counter()
        self.conn.request(method, path, body=data, headers=headers)
        reply = json.loads(self.conn.getresponse().read() or b"{}")
        return reply, (time.perf_counter() - started) * 1000


def new_session(wire, binary=None):
    opts = {"args": ARGS}
    if binary:
        opts["binary"] = binary
    reply, ms = wire.call("POST", "/session", {"capabilities": {"alwaysMatch": {
        "browserName": "chrome", "goog:chromeOptions": opts}}})
    return reply["value"]["sessionId"], ms


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(q * (len(values) - 1) + 0.5))]


def line(name, values):
    return (f"{name:<8} median {statistics.median(values):7.2f}  p95 {pct(values, 0.95):7.2f}  "
            f"p99 {pct(values, 0.99):7.2f}  (n={len(values)})")


def commands(hub_url, calls):
    host, port = re.match(r"http://([^:/]+):(\d+)", hub_url).groups()
    driver = subprocess.Popen(["/usr/bin/chromedriver", "--port=0"], stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True, start_new_session=True)
    try:
        dport = None
        while dport is None:
            m = re.search(r"successfully on port (\d+)", driver.stdout.readline())
            dport = m and int(m.group(1))
        hub, direct = Wire(host, int(port)), Wire("127.0.0.1", dport)
        create = {"hub": [], "direct": []}
        delete = {"hub": [], "direct": []}
        for _ in range(3):
            for name, wire, binary in (("hub", hub, None), ("direct", direct,
                                                            "/usr/lib/chromium/chromium")):
                sid, ms = new_session(wire, binary)
                create[name].append(ms)
                _, ms = wire.call("DELETE", f"/session/{sid}")
                delete[name].append(ms)
        hub_sid, _ = new_session(hub)
        direct_sid, _ = new_session(direct, "/usr/lib/chromium/chromium")
        times = {"hub": [], "direct": []}
        script = {"script": "return 1", "args": []}
        for _ in range(20):  # warm-up
            hub.call("POST", f"/session/{hub_sid}/execute/sync", script)
            direct.call("POST", f"/session/{direct_sid}/execute/sync", script)
        for _ in range(calls):
            order = [("hub", hub, hub_sid), ("direct", direct, direct_sid)]
            random.shuffle(order)
            for name, wire, sid in order:
                _, ms = wire.call("POST", f"/session/{sid}/execute/sync", script)
                times[name].append(ms)
        hub.call("DELETE", f"/session/{hub_sid}")
        direct.call("DELETE", f"/session/{direct_sid}")
        print("execute/sync 'return 1', ms:")
        for name in ("direct", "hub"):
            print("  " + line(name, times[name]))
        print(f"  hub - direct: median +{statistics.median(times['hub']) - statistics.median(times['direct']):.2f} ms")
        print("new session + delete, ms (3 each):")
        for name in ("direct", "hub"):
            print(f"  {name:<8} create median {statistics.median(create[name]):7.1f}  "
                  f"delete median {statistics.median(delete[name]):7.1f}")
    finally:
        os.killpg(driver.pid, 15)


def matrix(harness, hub_url, token):
    with tempfile.TemporaryDirectory(prefix="grid-bench-") as tmp:
        path = os.path.join(tmp, "m.yaml")
        with open(path, "w") as f:
            f.write("name: grid-bench\nruns:\n  - scenario: "
                    + os.path.join(ROOT, "scenarios", "fixtures.yaml")
                    + "\n    variants: {page: [clean, window, dom, node]}\n    iterations: auto\n")
        walls = {}
        for name, extra in (("grid", ["--grid", hub_url, "--token-file", token]), ("local", [])):
            out = os.path.join(tmp, name)
            started = time.monotonic()
            proc = subprocess.run([harness, "matrix", path, "--out", out] + extra,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            walls[name] = time.monotonic() - started
            folder = proc.stdout.strip().splitlines()[-1]
            runs = json.load(open(os.path.join(folder, "matrix.json")))["runs"]
            verdicts = {r["run_id"].split("page=")[-1]: r["verdict"] for r in runs}
            print(f"matrix {name:<5} exit {proc.returncode}  wall {walls[name]:6.1f} s  {verdicts}")
            if name == "grid":
                delays = []
                for r in runs:
                    summary = json.load(open(os.path.join(folder, r["dir"], "summary.json")))
                    for e in summary["events"]:
                        if e["kind"] == "browser_ended":
                            d = e.get("details", {}).get("sample_delivery", {})
                            delays.append(d)
                for d in delays:
                    print(f"  sample delivery: {d}")
        print(f"matrix wall grid/local = {walls['grid'] / walls['local']:.2f}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--hub", default="http://127.0.0.1:4444")
    parser.add_argument("--token", default="/tmp/harness-grid/token")
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--harness", default=os.path.join(ROOT, "build", "harness"))
    parser.add_argument("--skip-matrix", action="store_true")
    args = parser.parse_args()
    commands(args.hub, args.calls)
    if not args.skip_matrix:
        matrix(args.harness, args.hub, args.token)


if __name__ == "__main__":
    sys.exit(main())
