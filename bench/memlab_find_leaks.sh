#!/usr/bin/env bash
# memlab_find_leaks.sh -- run memlab's offline leak detection on three existing
# V8 / Chromium heap snapshots and report how long it took and how much memory
# it needed.
#
# Usage:
#   bench/memlab_find_leaks.sh BASELINE TARGET FINAL [EXTRA_MEMLAB_ARGS...]
#
#   BASELINE/TARGET/FINAL are .heapsnapshot files (Chrome DevTools, CDP
#   HeapProfiler.takeHeapSnapshot or node's v8.writeHeapSnapshot()).
#   memlab reports objects allocated between BASELINE and TARGET that are
#   still alive in FINAL and pass its leak filter. The default filter is
#   browser-oriented (detached DOM elements, detached React Fiber nodes), so a
#   plain node.js snapshot usually gives 0 leaks; pass e.g.
#   `--trace-object-size-above 1000000` or `--trace-all-objects` as extra args
#   to widen it.
#
# What it does:
#   1. Installs memlab (from the npm registry) into a private prefix,
#      $MEMLAB_PREFIX (default ~/.cache/browser-harness/memlab), if missing:
#        mkdir -p ~/.cache/browser-harness/memlab && cd ~/.cache/browser-harness/memlab &&
#        PUPPETEER_SKIP_DOWNLOAD=1 PUPPETEER_SKIP_CHROMIUM_DOWNLOAD=1 \
#          npm install --no-audit --no-fund memlab
#      (the PUPPETEER_* variables stop puppeteer's postinstall from downloading
#      Chrome; find-leaks does not need a browser).
#   2. Runs `memlab find-leaks --baseline B --target T --final F --work-dir W`
#      with a fresh temporary work dir W, under `/usr/bin/time -v` (falls back
#      to polling VmHWM in /proc/PID/status if /usr/bin/time is missing; the
#      package is `time` on Debian/Ubuntu).
#   3. Keeps memlab's full (raw, ANSI-coloured) output in a log file
#      ($MEMLAB_LOG, default a mktemp file under ${TMPDIR:-/tmp}) and leaves the
#      work dir in place (leak traces: W/data/out/leaks.txt).
#   4. Prints the top leak cluster and then, as its last lines:
#        memlab_log=... work_dir=... memlab_rc=...
#        memlab_version=...  wall_s=...  peak_rss_mib=...  leak_clusters=N
#      leak_clusters is memlab's "MemLab found N leak(s)" count, which is the
#      number of leak-trace clusters (not objects).
#
# The exit status is memlab's. Needs node (>= 16; tested with v20) and npm.
set -euo pipefail

if [[ $# -lt 3 ]]; then
    sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
    exit 2
fi

BASELINE=$1 TARGET=$2 FINAL=$3
shift 3
for f in "$BASELINE" "$TARGET" "$FINAL"; do
    [[ -r $f ]] || { echo "error: cannot read snapshot: $f" >&2; exit 2; }
done
BASELINE=$(realpath -- "$BASELINE")
TARGET=$(realpath -- "$TARGET")
FINAL=$(realpath -- "$FINAL")

command -v node >/dev/null || { echo "error: node not found" >&2; exit 2; }

PREFIX=${MEMLAB_PREFIX:-$HOME/.cache/browser-harness/memlab}
MEMLAB_BIN=$PREFIX/node_modules/.bin/memlab
MEMLAB_PKG=$PREFIX/node_modules/memlab/package.json

memlab_installed() { [[ -x $MEMLAB_BIN && -r $MEMLAB_PKG ]]; }

if ! memlab_installed; then
    command -v npm >/dev/null || { echo "error: npm not found" >&2; exit 2; }
    mkdir -p "$PREFIX"
    (
        cd "$PREFIX"
        if command -v flock >/dev/null; then
            exec 9>"$PREFIX/.install.lock"
            flock 9
        fi
        if ! memlab_installed; then
            # Without a package.json npm may pick a parent directory's project.
            [[ -e package.json ]] || echo '{ "private": true }' > package.json
            echo "installing memlab into $PREFIX ..." >&2
            PUPPETEER_SKIP_DOWNLOAD=1 PUPPETEER_SKIP_CHROMIUM_DOWNLOAD=1 \
                npm install --no-audit --no-fund memlab >&2
        fi
    )
    memlab_installed || { echo "error: memlab install into $PREFIX failed" >&2; exit 2; }
fi

MEMLAB_VERSION=$(node -p "require(process.argv[1]).version" "$MEMLAB_PKG")

WORK_DIR=$(mktemp -d "${TMPDIR:-/tmp}/memlab-work.XXXXXX")
LOG=${MEMLAB_LOG:-$(mktemp "${TMPDIR:-/tmp}/memlab-find-leaks.XXXXXX.log")}
TIME_OUT=$(mktemp "${TMPDIR:-/tmp}/memlab-time.XXXXXX")
trap 'rm -f "$TIME_OUT"' EXIT

CMD=("$MEMLAB_BIN" find-leaks
     --baseline "$BASELINE" --target "$TARGET" --final "$FINAL"
     --work-dir "$WORK_DIR" "$@")

echo "running: ${CMD[*]}" >&2
echo "memlab output -> $LOG" >&2

rc=0
peak_kib=""
t0=$(date +%s.%N)
TIME_BIN=${MEMLAB_TIME_BIN:-/usr/bin/time}   # set to "none" to force the fallback
if [[ -x $TIME_BIN ]]; then
    "$TIME_BIN" -v -o "$TIME_OUT" "${CMD[@]}" </dev/null >"$LOG" 2>&1 || rc=$?
    t1=$(date +%s.%N)
    peak_kib=$(awk -F': *' '/Maximum resident set size/ {print $2}' "$TIME_OUT")
    cat "$TIME_OUT" >>"$LOG"
else
    # Fallback: poll the high-water mark of the node process. The memlab bin
    # is `#!/usr/bin/env -S node ...`, so env execs node under the same PID.
    # Growth during the last poll interval before exit can be missed.
    echo "warning: $TIME_BIN missing (apt-get install time); polling VmHWM" >&2
    "${CMD[@]}" </dev/null >"$LOG" 2>&1 &
    pid=$!
    peak_kib=0
    while kill -0 "$pid" 2>/dev/null; do
        hwm=$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
        [[ -n $hwm && $hwm -gt $peak_kib ]] && peak_kib=$hwm
        sleep 0.05
    done
    wait "$pid" || rc=$?
    t1=$(date +%s.%N)
fi

wall_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
if [[ -n $peak_kib ]]; then
    peak_rss_mib=$(awk -v k="$peak_kib" 'BEGIN { printf "%.1f", k / 1024 }')
else
    peak_rss_mib=unknown
fi

# memlab prints "MemLab found N leak(s)" (or "No leaks found") on stdout/stderr
# and "------N clusters------" in <work-dir>/data/out/leaks.txt.
LEAKS_TXT=$WORK_DIR/data/out/leaks.txt
clean_log() { sed -e 's/\x1b\[[0-9;]*[A-Za-z]//g' "$LOG" | tr '\r' '\n'; }
leak_clusters=$(clean_log | sed -n 's/.*MemLab found \([0-9][0-9]*\) leak(s).*/\1/p' | tail -n1)
if [[ -z $leak_clusters && -r $LEAKS_TXT ]]; then
    leak_clusters=$(sed -n 's/^-*\([0-9][0-9]*\) clusters-*$/\1/p' "$LEAKS_TXT" | tail -n1)
fi
if [[ -z $leak_clusters ]] && clean_log | grep -q 'No leaks found'; then
    leak_clusters=0
fi
: "${leak_clusters:=unknown}"

if [[ -r $LEAKS_TXT && $leak_clusters != 0 && $leak_clusters != unknown ]]; then
    echo "--- top leak cluster (from $LEAKS_TXT) ---"
    # The first cluster: from the first "--Similar leaks" header up to the next.
    awk '/^--Similar leaks/ { n++ } n == 1' "$LEAKS_TXT" | head -n 40
    echo "---"
fi
if [[ $rc -ne 0 ]]; then
    echo "memlab exited with status $rc; last lines of $LOG:" >&2
    clean_log | grep -v '^[[:space:]]*$' | tail -n 15 >&2
fi

echo "memlab_log=$LOG"
echo "work_dir=$WORK_DIR"
echo "memlab_rc=$rc"
echo "memlab_version=$MEMLAB_VERSION"
echo "wall_s=$wall_s"
echo "peak_rss_mib=$peak_rss_mib"
echo "leak_clusters=$leak_clusters"
exit "$rc"
