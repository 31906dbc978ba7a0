#!/usr/bin/env python3
"""Time to a verdict: every page of scenarios/fixtures.yaml run with `--iterations auto` (the
run stops at the first checkpoint whose verdict is not `insufficient`), and the verdict, the
iterations it took and the wall time of the whole run (browser start included). With a second
harness binary (--baseline), each page is run by both, one after the other, so that both see the
same machine, and the table shows both and whether the verdicts agree.

  bench/verdict_times.py [--harness build/harness] [--baseline OTHER] [--pages clean,window]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PAGES = ["clean", "window", "listener", "dom", "slow", "cache", "noise", "every10", "big", "node",
         "nodedetached", "blob", "worker", "crossframe"]


def run(harness, page, out):
    started = time.monotonic()
    proc = subprocess.run(
        [harness, "run", os.path.join(ROOT, "scenarios", "fixtures.yaml"), "--browser",
         "chromium", "--variant", f"page={page}", "--iterations", "auto", "--out", out],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    wall = time.monotonic() - started
    summaries = [line.strip() for line in proc.stdout.splitlines()
                 if line.strip().endswith("summary.json")]
    if not summaries:
        sys.exit(f"{page}: harness exited {proc.returncode} without a run\n{proc.stdout[-2000:]}")
    with open(summaries[-1]) as f:
        summary = json.load(f)
    verdict = (summary.get("verdict") or {}).get("kind", "-")
    adaptive = summary.get("adaptive") or {}
    return {"verdict": verdict, "iterations": summary.get("iterations_completed"),
            "seconds": adaptive.get("seconds_used") or summary.get("duration_s"), "wall": wall,
            "status": summary.get("status")}


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--harness", default=os.path.join(ROOT, "build", "harness"))
    parser.add_argument("--baseline", help="another harness binary, run on the same pages")
    parser.add_argument("--pages", default=",".join(PAGES))
    args = parser.parse_args()
    out = tempfile.mkdtemp(prefix="harness-verdict-times-")
    binaries = [("this", args.harness)] + ([("baseline", args.baseline)] if args.baseline else [])
    rows = []
    for page in args.pages.split(","):
        row = {"page": page}
        for name, binary in binaries:
            row[name] = run(binary, page, os.path.join(out, name))
            r = row[name]
            print(f"{page:9} {name:8} {r['verdict']:12} {r['iterations']:>4} it "
                  f"{r['seconds']:6.1f} s in the run, {r['wall']:5.1f} s wall", flush=True)
        rows.append(row)
    print()
    header = f"{'page':9} {'verdict':12} {'it':>4} {'run s':>6} {'wall s':>6}"
    if args.baseline:
        header += f"  | {'baseline':12} {'it':>4} {'run s':>6} {'wall s':>6}  same"
    print(header)
    for row in rows:
        t = row["this"]
        line = (f"{row['page']:9} {t['verdict']:12} {t['iterations']:>4} {t['seconds']:6.1f} "
                f"{t['wall']:6.1f}")
        if args.baseline:
            b = row["baseline"]
            line += (f"  | {b['verdict']:12} {b['iterations']:>4} {b['seconds']:6.1f} "
                     f"{b['wall']:6.1f}  {'yes' if b['verdict'] == t['verdict'] else 'NO'}")
        print(line)
    print(f"results: {out}")


if __name__ == "__main__":
    main()
