#!/usr/bin/env python3
"""Checks one run of harness.exe on the synthetic IE (scenarios/synthetic-ie.yaml) from what the
run wrote: summary.json, report.html and the SQLite store. Expectations come from the run's own
record (the iteration at which the tab's private bytes passed the ceiling, the iteration at which
it died), never from how fast this machine is. Prints one "[ figures  ]" line and, on failure,
each unmet check; exits 1 on any.

  check_synthetic_ie_run.py RUN_DIR DB --bits 64|32 --harness-exit N [--x86-death N]

--bits 32: the tab must die out of address space (crashed, the NTSTATUS in the reason) after
passing the ceiling, its largest free block falling, the early projection within 10 % of the
death. --bits 64: the same workload completes every iteration (past --x86-death, when given)."""
import argparse
import json
import sqlite3
import struct
import sys
from pathlib import Path

parser = argparse.ArgumentParser()
parser.add_argument("run_dir")
parser.add_argument("db")
parser.add_argument("--bits", type=int, required=True)
parser.add_argument("--harness-exit", type=int, required=True)
parser.add_argument("--x86-death", type=int)
args = parser.parse_args()

failures = []
MEMORY64_LIST = 9  # MINIDUMP_STREAM_TYPE Memory64ListStream


def minidump_streams(path):
    """The stream types of a minidump's directory, or None when it is not one."""
    with open(path, "rb") as fh:
        header = fh.read(32)
        if len(header) < 16 or header[:4] != b"MDMP":
            return None
        count, rva = struct.unpack_from("<II", header, 8)
        fh.seek(rva)
        directory = fh.read(12 * count)
    if len(directory) < 12 * count:
        return None
    return [struct.unpack_from("<I", directory, 12 * i)[0] for i in range(count)]


def check(ok, what):
    if not ok:
        failures.append(what)
    return ok


run_dir = Path(args.run_dir)
summary_file = run_dir / "summary.json"
if not summary_file.is_file():
    print(f"no summary.json in {run_dir}")
    sys.exit(1)
s = json.loads(summary_file.read_text(encoding="utf-8"))
events = s.get("events") or []


def events_of(kind):
    return [e for e in events if e.get("kind") == kind]


status = s.get("status")
planned = s.get("iterations_planned")
done = s.get("iterations_completed")
ceiling = s.get("ceiling") or {}
reached = (ceiling.get("reached") or {}).get("iteration")
early = (ceiling.get("early_projection") or {}).get("iteration")
env = s.get("environment") or {}

# The browser the run says it drove — the synthetic IE, never called IE — and that it was ours.
check(str(s.get("browser_version", "")).startswith("synthetic IE"),
      f"browser version {s.get('browser_version')!r}, not the synthetic IE's")
check(events_of("browser_started"), "no browser_started event")
ended = events_of("browser_ended")
if check(ended, "no browser_ended event"):
    d = ended[-1].get("details") or {}
    check("all ended" in ended[-1].get("message", ""), f"processes survived the run: {ended[-1].get('message')}")
    check(d.get("registry_applied", 0) > 0, f"no registry value applied for the profile ({d})")
    check(d.get("registry_applied") == d.get("registry_restored") and not d.get("registry_restore_failures"),
          f"registry values applied and restored differ: {d}")
check(not events_of("cleanup_failed"), f"cleanup failed: {events_of('cleanup_failed')}")

# The curve: the tab's private bytes after each checkpoint, growing.
points = (s.get("curve") or {}).get("points") or []
check(len(points) >= 4, f"only {len(points)} curve points")
if len(points) >= 2:
    check(points[-1][1] > points[0][1] + 100 * 2**20,
          f"the curve did not grow by 100 MiB: {points[0]} -> {points[-1]}")

# The ceiling: passed, at the iteration where the curve passes it.
check(reached is not None, "no ceiling_reached")
check(events_of("ceiling_reached"), "no ceiling_reached event")
check(early is not None, "no early projection")

death = None
if args.bits == 32:
    check(status == "crashed", f"status {status}, not crashed")
    reason = s.get("reason", "")
    check("0xC0000017" in reason or "NO_MEMORY" in reason.upper(),
          f"the reason does not carry the tab's exit code: {reason!r}")
    check(args.harness_exit == 1, f"harness exit code {args.harness_exit}, not 1 (a crashed run)")
    death = done + 1 if done is not None else None
    if reached is not None and death is not None:
        check(reached < death, f"ceiling reached at {reached}, not before the death at {death}")
    if early is not None and death is not None:
        check(abs(early - death) <= 0.10 * death,
              f"early projection {early} not within 10 % of the death at iteration {death}")
    free_points = (s.get("metrics") or {}).get("renderer.largest_free_block_bytes")
    if check(free_points and len(free_points) >= 3, "no largest-free-block curve"):
        check(free_points[-1][1] < free_points[0][1] / 2,
              f"largest free block did not fall by half: {free_points[0]} -> {free_points[-1]}")
else:
    check(status == "completed", f"status {status}, not completed")
    check(done == planned, f"{done} of {planned} iterations")
    check(args.harness_exit == 0, f"harness exit code {args.harness_exit}, not 0")
    if args.x86_death is not None:
        check(done > args.x86_death, f"the 64-bit tab stopped at {done}, not past the 32-bit death {args.x86_death}")
    if early is not None and reached is not None:
        check(abs(early - reached) <= 0.10 * reached,
              f"early projection {early} not within 10 % of the ceiling crossing at {reached}")

# The dump rule's minidumps: full-memory dumps of the tab, each after the sample that passed
# its threshold. Wine cannot dump a 32-bit (WoW64) process: there a dump_failed event with its
# reason is what the run must show.
dumps = s.get("dumps") or []
if args.bits == 64 or dumps:
    if check(len(dumps) >= 1, "no minidump written"):
        check(all(d.get("rule") not in ("crash", "on_hang") for d in dumps) or status == "crashed",
              f"a rule's dump is listed as crash evidence: {dumps}")
        for d in dumps:
            f = run_dir / d["file"].replace("\\", "/")
            check(d.get("kind") == "minidump" and f.suffix == ".dmp", f"dump {d} is not a minidump")
            if check(f.is_file(), f"dump file {f} missing"):
                streams = minidump_streams(f)
                check(streams is not None, f"{f} is not a minidump (no MDMP header)")
                # Full memory (MiniDumpWithFullMemory, procdump -ma) is a Memory64List stream.
                # Not the file's size: Wine 8 writes full dumps short, more so on a loaded
                # machine (232-309 MiB for a ~330 MiB tab, 57 MiB for a 1.1 GB one, seen here):
                # the sizes are figures, to compare with procdump -ma on a VM (windows-lab §6).
                check(streams is not None and MEMORY64_LIST in streams,
                      f"{f} has no full-memory stream (types {streams})")
else:
    check(events_of("dump_failed") and all(e.get("message") for e in events_of("dump_failed")),
          "neither a dump nor a dump_failed event with its reason")
dump_files = [run_dir / d["file"].replace("\\", "/") for d in dumps]
dump_figures = ", ".join(f"{f.name} {f.stat().st_size / 2**20:.0f} MiB" for f in dump_files if f.is_file())

# The saved files.
report = run_dir / "report.html"
if check(report.is_file(), "no report.html"):
    html = report.read_text(encoding="utf-8", errors="replace")
    check("<svg" in html, "report.html has no chart")
    check("synthetic IE" in html, "report.html does not call the browser the synthetic IE")

# The store: the run, its samples of the tab, its checkpoints.
try:
    db = sqlite3.connect(f"file:{args.db}?mode=ro", uri=True)
    check(db.execute("PRAGMA integrity_check").fetchone()[0] == "ok", "store integrity_check failed")
    row = db.execute("SELECT status FROM runs WHERE id = ?", (s.get("run_id"),)).fetchone()
    check(row is not None and row[0] == status, f"store has the run as {row}, summary as {status}")
    samples = db.execute("SELECT count(*) FROM samples WHERE run_id = ?", (s.get("run_id"),)).fetchone()[0]
    check(samples > 10, f"only {samples} samples in the store")
except sqlite3.Error as e:
    samples = 0
    check(False, f"the store cannot be read: {e}")

print(f"[ figures  ] synthetic IE {args.bits}-bit ({s.get('browser')}): {status}, {done}/{planned} "
      f"iterations, curve {points[0][1] / 2**20:.0f} -> {points[-1][1] / 2**20:.0f} MiB"
      if len(points) >= 2 else f"[ figures  ] synthetic IE {args.bits}-bit: {status}, no curve", end="")
print(f", ceiling reached at {reached}, early projection {early if early is None else round(early, 1)}"
      f"{f', died in iteration {death}' if death else ''}, {samples} samples, "
      f"dumps: {dump_figures or 'none'}, "
      f"{s.get('duration_s', 0):.0f} s; reason: {s.get('reason') or '-'}")
for f in failures:
    print(f"  FAILED: {f}")
sys.exit(1 if failures else 0)
