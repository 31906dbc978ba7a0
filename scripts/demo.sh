#!/bin/sh
# Sets up the machine, builds, and runs the demo: the vtm-review scenario (video-teller review
# app, every retention model) in Chromium. Results go to results/ (summary.json, CSV, SQLite).
# Extra arguments go to `harness run`, e.g. scripts/demo.sh --variant retention=none,window
set -eu
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
exec build/harness run scenarios/vtm-review.yaml --browser chromium --out results "$@"
