#!/usr/bin/python3
"""The sampler's tick against psutil and against the bare reads, on one Chromium, in one run.

Starts one headless Chromium (a page with two iframes, ~9 processes), waits until its process
tree is stable, then measures per sample of that tree:

  harness   build/bench/sample_bench --root=PID: Sampler::take (refresh + read), C++
  psutil    memory_info() of every process, Process objects made once (python3-psutil)
  raw       os.pread of kept-open /proc/PID/statm files: the reads alone, from Python

in alternating rounds (a loaded machine slows all three alike), prints the medians and the
ratios, then ends the Chromium it started (by its process group, and any detached crashpad
handler of its own profile by PID) and removes its temporary folder.

    bench/sample_compare.py [build/bench/sample_bench] [--rounds 5] [--url URL] [--at-10hz]

Needs python3-psutil (Debian); no pip.
"""
import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import timeit

try:
    import psutil
except ImportError:
    sys.exit("sample_compare: needs python3-psutil (apt-get install python3-psutil) and "
             "Debian's /usr/bin/python3")

# Chromium as root in a closed network (DEVELOPERS.md).
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
# Two iframes; with the WebUI and GPU processes Chromium 156 runs 9 processes for it.
DEFAULT_URL = ("data:text/html,<h1>sample_compare</h1>"
               "<iframe src='data:text/html,<p>one'></iframe>"
               "<iframe srcdoc='<p>two'></iframe>")
STABLE_FOR_S = 3.0      # the tree's PIDs unchanged this long: launched and settled
STABLE_TIMEOUT_S = 60.0
PYTHON_SAMPLE_S = 0.5   # each Python measurement runs about as long as one benchmark repetition


def tree_pids(root):
    try:
        proc = psutil.Process(root)
        return sorted([root] + [c.pid for c in proc.children(recursive=True)])
    except psutil.NoSuchProcess:
        return []


def wait_until_stable(root):
    deadline = time.monotonic() + STABLE_TIMEOUT_S
    last, since = None, time.monotonic()
    while time.monotonic() < deadline:
        pids = tree_pids(root)
        if not pids:
            sys.exit("sample_compare: Chromium exited during start-up")
        if pids != last:
            last, since = pids, time.monotonic()
        elif time.monotonic() - since >= STABLE_FOR_S:
            return pids
        time.sleep(0.2)
    sys.exit(f"sample_compare: Chromium's tree did not settle in {STABLE_TIMEOUT_S:.0f} s")


def run_harness(bench, root, benchmarks="TreeSample|Rescan"):
    """One run of sample_bench on the tree: {benchmark name: (real µs, cpu µs, counters)}, and
    its PIDs."""
    command = [bench, f"--root={root}", f"--benchmark_filter={benchmarks}",
               "--benchmark_format=json", f"--benchmark_min_time={PYTHON_SAMPLE_S}"]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"sample_compare: {' '.join(command)} failed:\n{done.stderr}")
    scale = {"ns": 1e-3, "us": 1.0, "ms": 1e3, "s": 1e6}
    results = {}
    for b in json.loads(done.stdout)["benchmarks"]:
        unit = scale[b.get("time_unit", "ns")]
        results[b["name"].split("/")[0]] = (b["real_time"] * unit, b["cpu_time"] * unit, b)
    pids = []
    for line in done.stderr.splitlines():
        if line.startswith("sample_bench: the tree of"):
            pids = sorted(int(p) for p in line.split(":", 2)[2].split())
    return results, pids


def per_sample_us(function):
    """µs per call, timed over about PYTHON_SAMPLE_S of calls."""
    timer = timeit.Timer(function)
    number, _ = timer.autorange()  # calls that take >= 0.2 s
    number = max(1, int(number * PYTHON_SAMPLE_S / 0.2))
    return timer.timeit(number) / number * 1e6


def end_chromium(browser, temp_dir):
    try:
        os.killpg(browser.pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    try:
        browser.wait(timeout=10)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(browser.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        browser.wait()
    # Crashpad handlers detach (setsid): the ones of this run name its own folder.
    for proc in psutil.process_iter(["pid", "cmdline"]):
        if any(temp_dir in part for part in (proc.info["cmdline"] or [])):
            try:
                proc.kill()
            except psutil.Error:
                pass
    for _ in range(50):
        try:
            shutil.rmtree(temp_dir)
            return
        except OSError:
            time.sleep(0.1)
    print(f"sample_compare: could not remove {temp_dir}", file=sys.stderr)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("sample_bench", nargs="?", default="build/bench/sample_bench")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--url", default=DEFAULT_URL)
    parser.add_argument("--at-10hz", action="store_true",
                        help="also 100 ticks 100 ms apart, as the sampler thread takes them "
                             "(cold caches, unforced rescans included): 10 s more")
    parser.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    args = parser.parse_args()
    if not os.access(args.sample_bench, os.X_OK):
        sys.exit(f"sample_compare: no {args.sample_bench}; build the sample_bench target")

    temp_dir = tempfile.mkdtemp(prefix="sample-compare-")
    env = dict(os.environ, BREAKPAD_DUMP_LOCATION=temp_dir)
    with open(os.path.join(temp_dir, "chromium.log"), "wb") as log:
        browser = subprocess.Popen(
            [args.chromium, *CHROMIUM_FLAGS, f"--user-data-dir={temp_dir}/profile", args.url],
            stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=env, start_new_session=True)
    try:
        pids = wait_until_stable(browser.pid)
        processes = [psutil.Process(p) for p in pids]
        statm = [os.open(f"/proc/{p}/statm", os.O_RDONLY | os.O_CLOEXEC) for p in pids]

        def psutil_sample():
            for p in processes:
                p.memory_info()

        def raw_sample():
            for fd in statm:
                os.pread(fd, 128, 0)

        harness, psutil_us, raw_us, harness_pids = {}, [], [], []
        for _ in range(args.rounds):
            results, harness_pids = run_harness(args.sample_bench, browser.pid)
            for name, times in results.items():
                harness.setdefault(name, []).append(times)
            psutil_us.append(per_sample_us(psutil_sample))
            raw_us.append(per_sample_us(raw_sample))
        for fd in statm:
            os.close(fd)
        if harness_pids != pids or tree_pids(browser.pid) != pids:
            print(f"sample_compare: warning: the tree changed during the run "
                  f"(psutil {pids}, harness {harness_pids}, now {tree_pids(browser.pid)})")

        def median(name, which=0):
            return statistics.median(t[which] for t in harness[name])

        tick = median("BM_TreeSampleStatm")
        psutil_med, raw_med = statistics.median(psutil_us), statistics.median(raw_us)
        print(f"Chromium tree of {len(pids)} processes (root {browser.pid}); "
              f"median of {args.rounds} rounds, µs per sample of the whole tree")
        rows = [
            ("harness tick (Sampler::take)", tick, f"cpu {median('BM_TreeSampleStatm', 1):.1f}"),
            ("harness tick, a thread started before", median("BM_TreeSampleStatmAfterNewThread"),
             f"cpu {median('BM_TreeSampleStatmAfterNewThread', 1):.1f}"),
            ("harness rescan, unforced", median("BM_TreeRescanUnforced"),
             "at most 1/s, when a PID was handed out"),
            ("harness rescan, forced (refresh(true))", median("BM_TreeFullRescan"),
             "launch, checkpoints, end"),
            ("psutil memory_info(), cached Process", psutil_med, ""),
            ("os.pread of kept-open statm (Python)", raw_med, ""),
        ]
        for label, value, note in rows:
            print(f"  {label:<38} {value:>9.1f}  {note}")
        if args.at_10hz:
            results, _ = run_harness(args.sample_bench, browser.pid, "Every100ms")
            real, cpu, record = results["BM_SamplerTicksEvery100ms"]
            print(f"  {'harness tick at 10 Hz':<38} {real:>9.1f}  cpu {cpu:.1f}; refresh "
                  f"{record['refresh_us']:.1f} + read {record['read_us']:.1f}")
        churn = median("BM_TreeSampleStatmAfterNewThread")
        print(f"harness vs psutil: {psutil_med / tick:.1f}x cheaper "
              f"({psutil_med / churn:.1f}x with a thread started before each tick); "
              f"harness vs raw reads: {tick / raw_med:.2f}x their cost")
    finally:
        end_chromium(browser, temp_dir)


if __name__ == "__main__":
    main()
