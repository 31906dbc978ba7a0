#!/bin/bash
# False-positive / false-negative rates of the verdict rules on noisy pages, from repeated real
# runs: ROUNDS rounds of scenarios/noisy.yaml (noisy: 0-25 MB kept at random per iteration, no
# leak; noisyleak: the same plus 12 KiB/iteration), 200 iterations each with a checkpoint after
# every iteration (EVERY=k for every k: an adaptive run switches to every iteration once a curve
# is too noisy), then build/bench/verdict_replay asks the rules after every checkpoint as
# `--iterations auto` would and counts the first decisions. A `retains` for noisy is a false positive; anything but
# `retains` for noisyleak a false negative (`stable` for it is the harmful kind).
#   bench/verdict_rates.sh [ROUNDS] [OUT]      (default 6 rounds, /tmp/verdict-rates)
# ~2.5 minutes per round on a 2-core machine. Reruns of the replay alone (after a rule change):
#   build/bench/verdict_replay OUT/*/summary.json
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-6}
OUT=${2:-/tmp/verdict-rates}
mkdir -p "$OUT"
for r in $(seq 1 "$ROUNDS"); do
  echo "round $r/$ROUNDS" >&2
  build/harness run scenarios/noisy.yaml --iterations 200 --checkpoint-every "${EVERY:-1}" --out "$OUT" \
    > "$OUT/round$r.log" 2>&1 || { echo "round $r failed: $OUT/round$r.log" >&2; exit 1; }
done
build/bench/verdict_replay "$OUT"/*/summary.json
