#!/bin/sh
# Sets up the machine, builds, and runs every test: unit, integration with real Chromium and
# chromedriver, ES5 checks of the pages, then the Windows code cross-built with mingw-w64 and
# tested under Wine (64- and 32-bit). This is what CI runs (.ci/run).
set -eu
cd "$(dirname "$0")/.."
HARNESS_WINDOWS=1 scripts/setup.sh
scripts/build.sh
ctest --preset default -j 2
scripts/test-windows.sh
