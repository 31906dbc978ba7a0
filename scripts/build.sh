#!/bin/sh
# Configures and builds (Release with debug info) into build/.
set -eu
cd "$(dirname "$0")/.."
cmake --preset default >/dev/null
cmake --build --preset default -j "$(nproc)"
