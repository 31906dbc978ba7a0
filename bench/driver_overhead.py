#!/usr/bin/env python3
"""What driving costs: the same vtm-review transaction driven step by step through chromedriver
(scenarios/vtm-review.yaml) and run by the page itself with no driver (vtm-review-page.yaml, the
in-page bound), one run each, alternating, in the same minutes. Prints the median iteration time
of each and their ratio (driver / page; the goal is <= 1.11, i.e. driver mode at >= 0.9x the
in-page bound).

  bench/driver_overhead.py [--harness build/harness] [--iterations 60] [--rounds 1]
                           [--variant retention=none] [--out DIR]

Iteration times come from each run's summary.json (responsiveness.iteration_ms): driver mode
from the first step's start to the last step's end, page mode as the page measured it.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(harness, scenario, variant, iterations, out):
    started = time.monotonic()
    proc = subprocess.run(
        [harness, "run", os.path.join(ROOT, "scenarios", scenario), "--browser", "chromium",
         "--variant", variant, "--iterations", str(iterations), "--out", out],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    wall = time.monotonic() - started
    summaries = [line.strip() for line in proc.stdout.splitlines()
                 if line.strip().endswith("summary.json")]
    if proc.returncode not in (0, 1) or not summaries:
        sys.exit(f"{scenario}: harness exited {proc.returncode}\n{proc.stdout[-2000:]}")
    with open(summaries[-1]) as f:
        summary = json.load(f)
    if summary.get("status") != "completed":
        sys.exit(f"{scenario}: run {summary.get('status')}: {summary.get('reason')}")
    times = [ms for _, ms in summary["responsiveness"]["iteration_ms"]]
    return times, wall


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--harness", default=os.path.join(ROOT, "build", "harness"))
    parser.add_argument("--iterations", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=1,
                        help="pairs of runs; medians are taken over all iterations of a mode")
    parser.add_argument("--variant", default="retention=none")
    parser.add_argument("--out", default=None, help="results folder (default: a temp folder)")
    args = parser.parse_args()

    out = args.out or tempfile.mkdtemp(prefix="harness-driver-overhead-")
    modes = {"driver": ("vtm-review.yaml", [], []), "page": ("vtm-review-page.yaml", [], [])}
    for r in range(args.rounds):
        for mode, (scenario, times, walls) in modes.items():
            t, wall = run(args.harness, scenario, args.variant, args.iterations, out)
            times.extend(t)
            walls.append(wall)
            print(f"round {r + 1}/{args.rounds} {mode:6}: median {statistics.median(t):7.1f} ms "
                  f"over {len(t)} iterations, run {wall:5.1f} s", flush=True)
    driver = statistics.median(modes["driver"][1])
    page = statistics.median(modes["page"][1])
    print()
    print(f"{'mode':8} {'median iteration':>17} {'p90':>8} {'run wall time':>14}")
    for mode, (_, times, walls) in modes.items():
        p90 = statistics.quantiles(times, n=10)[-1] if len(times) >= 10 else max(times)
        print(f"{mode:8} {statistics.median(times):14.1f} ms {p90:5.0f} ms "
              f"{statistics.mean(walls):11.1f} s")
    print(f"driver/page ratio: {driver / page:.2f} (driver mode at {page / driver:.2f}x the "
          f"in-page bound; goal ratio <= 1.11)")
    print(f"results: {out}")


if __name__ == "__main__":
    main()
