#!/bin/sh
# Sets up the machine, builds, and runs every test (unit, integration with real Chromium and
# chromedriver, ES5 checks of the pages). This is what CI runs (.ci/run).
set -eu
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
ctest --preset default -j 2
