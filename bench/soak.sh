#!/bin/sh
# Soak: a long run of a correct workflow, to see what the harness itself costs over time.
# vtm-review retention=none, 5,000 iterations, a checkpoint every 50 (not a CI test: ~35 min).
# Records, every 5 s: the harness's own RSS (VmRSS of the harness process, not the browser's),
# the iteration reached, and the store's size on disk (harness.db + its WAL); then times
# `harness report` on the result and measures the report. Prints a summary; the series is in
# <out>/soak.csv.
#
#   bench/soak.sh [ITERATIONS] [OUT]        # defaults: 5000, /tmp/harness-soak
#
# Uses build/harness (scripts/build.sh first). Starts only its own harness and ends it by PID.
set -eu
cd "$(dirname "$0")/.."
ITERATIONS=${1:-5000}
OUT=${2:-/tmp/harness-soak}
HARNESS=${HARNESS_BINARY:-$PWD/build/harness}
[ -x "$HARNESS" ] || { echo "soak: $HARNESS is missing: run scripts/build.sh" >&2; exit 1; }
rm -rf "$OUT"
mkdir -p "$OUT"
DB=$OUT/harness.db
CSV=$OUT/soak.csv
echo "seconds,iteration,harness_rss_kib,store_bytes" > "$CSV"

HARNESS_STATE_DIR=$OUT/state "$HARNESS" run scenarios/vtm-review.yaml --variant retention=none \
  --iterations "$ITERATIONS" --checkpoint-every 50 --no-report --out "$OUT" \
  >"$OUT/run.out" 2>"$OUT/run.err" &
PID=$!
trap 'kill "$PID" 2>/dev/null || true' INT TERM
START=$(date +%s)

store_bytes() {
  total=0
  for f in "$DB" "$DB-wal"; do
    [ -f "$f" ] && total=$((total + $(stat -c %s "$f")))
  done
  echo "$total"
}

while kill -0 "$PID" 2>/dev/null; do
  rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$PID/status" 2>/dev/null || echo "")
  iteration=0
  if [ -f "$DB" ]; then
    iteration=$(sqlite3 -readonly "$DB" "SELECT COALESCE(MAX(n), 0) FROM iterations" 2>/dev/null || echo 0)
  fi
  [ -n "$rss" ] && echo "$(( $(date +%s) - START )),$iteration,$rss,$(store_bytes)" >> "$CSV"
  sleep 5
done
wait "$PID" || echo "soak: the harness exited with $? (see $OUT/run.err)" >&2
ELAPSED=$(( $(date +%s) - START ))

# harness report on the finished store; its time and the size of what it wrote.
REPORT_START=$(date +%s.%N)
"$HARNESS" report "$OUT" >"$OUT/report.out" 2>"$OUT/report.err"
REPORT_END=$(date +%s.%N)

python3 - "$CSV" "$OUT" "$ELAPSED" "$REPORT_START" "$REPORT_END" "$ITERATIONS" <<'PY'
import csv, os, sqlite3, sys
csv_file, out, elapsed, r0, r1, planned = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]), int(sys.argv[6])
rows = [r for r in csv.DictReader(open(csv_file)) if r["harness_rss_kib"]]
def rss_at(iteration):
    # the first reading at or after the iteration
    for r in rows:
        if int(r["iteration"]) >= iteration:
            return int(r["harness_rss_kib"]), int(r["iteration"])
    return None, None
db = sqlite3.connect(os.path.join(out, "harness.db"))
status, done = db.execute("SELECT status, iterations_completed FROM runs").fetchone()
samples = db.execute("SELECT COUNT(*) FROM samples").fetchone()[0]
size = os.path.getsize(os.path.join(out, "harness.db"))
wal = os.path.join(out, "harness.db-wal")
size += os.path.getsize(wal) if os.path.exists(wal) else 0
print(f"soak: {done}/{planned} iterations, status {status}, {elapsed} s; {samples} sample rows")
for it in (50, 500, 1000, 2500, 5000):
    rss, at = rss_at(it)
    if rss: print(f"soak: harness RSS at iteration {at}: {rss/1024:.1f} MiB")
first = rows[0]
last = rows[-1]
print(f"soak: harness RSS first {int(first['harness_rss_kib'])/1024:.1f} MiB, last {int(last['harness_rss_kib'])/1024:.1f} MiB, max {max(int(r['harness_rss_kib']) for r in rows)/1024:.1f} MiB")
print(f"soak: store {size/1048576:.1f} MiB for {done} iterations = {size/1048576/max(done,1)*1000:.2f} MiB per 1,000 iterations")
report = os.path.join(out, "report.html")
print(f"soak: harness report took {r1 - r0:.2f} s; report.html {os.path.getsize(report)/1024:.0f} KiB" if os.path.exists(report) else "soak: no report.html (see report.err)")
PY
