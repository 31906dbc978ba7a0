#!/usr/bin/env bash
# Leak attribution's cost on real Chromium heap snapshots of 100+ MB (issue 16), side by side
# with memlab's find-leaks on the same files.
#
#   bench/attribution_bench.sh [OBJECTS_PER_ITERATION]     (default 25000: ~12, ~70, ~130 MB)
#
# 1. runs bench/attribution-heavy.yaml in Chromium with attribution on (heap snapshots at
#    iterations 0, 6 and 12), unless ATTRIBUTION_SNAPSHOTS=s0,s1,s2 names existing ones;
# 2. runs each benchmark of build/bench/attribution_bench in a process of its own under
#    /usr/bin/time, for its time and peak RSS: the streaming reader, nlohmann's SAX parser with
#    the same handler, a whole-file nlohmann::json DOM, and the whole attribution;
# 3. `harness attribute` on the three files (the command a user runs), and
# 4. memlab's find-leaks on them (bench/memlab_find_leaks.sh installs memlab from npm).
# Prints one line per measurement; the run folder and logs stay under $OUT (default
# /tmp/attribution-bench).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
build="${BUILD:-$here/build}"
out="${OUT:-/tmp/attribution-bench}"
objects="${1:-25000}"
mkdir -p "$out"
cmake --build "$build" --target harness attribution_bench >/dev/null

if [[ -n "${ATTRIBUTION_SNAPSHOTS:-}" ]]; then
  IFS=, read -r s0 s1 s2 <<<"$ATTRIBUTION_SNAPSHOTS"
  iterations="${ATTRIBUTION_ITERATIONS:-0,6,12}"
else
  echo "bench: running bench/attribution-heavy.yaml (objects=$objects) ..." >&2
  "$build/harness" run "$here/bench/attribution-heavy.yaml" --variant "objects=$objects" \
    --out "$out/runs" --no-report >"$out/run.out" 2>"$out/run.err"
  summary="$(tail -n 1 "$out/run.out")"
  run_dir="$(dirname "$summary")"
  mapfile -t files < <(python3 -c "
import json,sys
a=json.load(open(sys.argv[1]))['attribution']
for s in a['snapshots']: print(s['file'])
print(','.join(str(s['iteration']) for s in a['snapshots']))" "$summary")
  s0="$run_dir/${files[0]}"; s1="$run_dir/${files[1]}"; s2="$run_dir/${files[2]}"
  iterations="${files[3]}"
fi
size_mb() { python3 -c "import os,sys; print(round(os.path.getsize(sys.argv[1])/1e6,1))" "$1"; }
echo "snapshots: $(size_mb "$s0") MB, $(size_mb "$s1") MB, $(size_mb "$s2") MB (iterations $iterations)"

export HARNESS_BENCH_SNAPSHOTS="$s0,$s1,$s2" HARNESS_BENCH_ITERATIONS="$iterations"
for bm in BM_ReadGraphStream BM_ReadGraphNlohmannSax BM_ReadIdsStream BM_ParseDomNlohmann BM_AttributeRun; do
  /usr/bin/time -f "%M %e" -o "$out/$bm.time" "$build/bench/attribution_bench" \
    --benchmark_filter="^$bm(/|\$)" >"$out/$bm.out" 2>&1 || true
  read -r rss_kb wall <"$out/$bm.time"
  line="$(grep -E "^$bm" "$out/$bm.out" | head -1 | tr -s ' ' || true)"
  echo "$bm: ${line#"$bm"} | process peak RSS $((rss_kb / 1024)) MiB, wall ${wall} s"
done

/usr/bin/time -f "%M %e" -o "$out/attribute.time" "$build/harness" attribute "$s0" "$s1" "$s2" \
  --iterations "$iterations" >"$out/attribute.out" 2>"$out/attribute.err"
read -r rss_kb wall <"$out/attribute.time"
echo "harness attribute: wall ${wall} s, peak RSS $((rss_kb / 1024)) MiB; $(head -1 "$out/attribute.out")"
grep -m2 -E "^1\.|held by" "$out/attribute.out" || true

# memlab twice: its default leak filter (detached DOM elements and React fibers only), and
# --trace-all-objects (every object allocated between baseline and target and still alive).
if [[ "${SKIP_MEMLAB:-0}" != 1 ]]; then
  for mode in default trace-all-objects; do
    extra=()
    [[ "$mode" == default ]] || extra=("--$mode")
    MEMLAB_LOG="$out/memlab-$mode.log" "$here/bench/memlab_find_leaks.sh" "$s0" "$s1" "$s2" \
      "${extra[@]}" >"$out/memlab-$mode.out" 2>&1 || true
    echo "memlab find-leaks ($mode): $(grep -E '^(memlab_version|wall_s|peak_rss_mib|leak_clusters|memlab_rc)=' "$out/memlab-$mode.out" | tr '\n' ' ')"
  done
fi
