#!/bin/sh
# The Windows release: build-release/browser-harness-<version>-windows.zip, what a support
# engineer copies to a Windows VM with IE11 instead of building anything there
# (docs/windows-lab.md). Builds the presets windows-x64 and windows-x86 when needed (the
# libraries first: scripts/windows-deps.sh), strips the programs and checks that each one needs
# only DLLs every Windows has (static C++ runtime, SQLite, yaml-cpp, ...), then zips:
#
#   browser-harness-<version>-windows/
#     x64/harness.exe            the harness for 64-bit Windows (all IE profiles)
#     x86/harness.exe            the same for 32-bit Windows
#     synthetic-ie/x64/iexplore.exe, synthetic-ie/x86/iexplore.exe
#                                the synthetic IE (tools/ietab): checks the lab's set-up without IE
#     pages/ scenarios/          the test pages and scenarios
#     README.md docs/            the manual and the lab runbook
#     VERSION.txt                version, commit, build date, per-program SHA-256
#
#   HARNESS_WINDOWS=1 scripts/setup.sh   # mingw-w64 and the source packages' tools (once)
#   scripts/release-windows.sh           # prints the zip's path last
set -eu
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=$ROOT/build-release
JOBS=${HARNESS_JOBS:-$(nproc)}

say() { echo "release-windows: $*" >&2; }
die() { say "$*"; exit 1; }

for tool in x86_64-w64-mingw32-strip i686-w64-mingw32-strip x86_64-w64-mingw32-objdump zip cmake ninja; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool is missing: run HARNESS_WINDOWS=1 scripts/setup.sh"
done

version=$(sed -n 's/^project(browser_harness VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
[ -n "$version" ] || die "no project version in CMakeLists.txt"
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ]; then commit="$commit+changes"; fi

mkdir -p "$OUT"
scripts/windows-deps.sh >"$OUT/windows-deps.log" 2>&1 ||
  { tail -30 "$OUT/windows-deps.log" >&2; die "building the Windows libraries failed (see $OUT/windows-deps.log)"; }
for preset in windows-x64 windows-x86; do
  cmake --preset "$preset" >"$OUT/$preset.configure.log" 2>&1 ||
    { tail -30 "$OUT/$preset.configure.log" >&2; die "configuring $preset failed"; }
  say "building harness.exe and the synthetic IE ($preset)"
  cmake --build --preset "$preset" -j "$JOBS" --target harness ietab >"$OUT/$preset.build.log" 2>&1 ||
    { tail -40 "$OUT/$preset.build.log" >&2; die "building $preset failed (see $OUT/$preset.build.log)"; }
done

NAME=browser-harness-$version-windows
STAGE=$OUT/$NAME
rm -rf "$STAGE" "$OUT/$NAME.zip"
mkdir -p "$STAGE/x64" "$STAGE/x86" "$STAGE/synthetic-ie/x64" "$STAGE/synthetic-ie/x86" "$STAGE/docs"

# DLLs a clean Windows 10 / Server 2019 has; anything else (libstdc++-6.dll, libwinpthread-1.dll,
# a library's DLL) would make the program fail to start on the VM.
SYSTEM_DLLS="advapi32.dll dbghelp.dll kernel32.dll msvcrt.dll mswsock.dll version.dll ws2_32.dll winhttp.dll psapi.dll user32.dll ole32.dll oleaut32.dll shell32.dll bcrypt.dll crypt32.dll"
place() {  # arch(x86_64|i686) from to
  "$1-w64-mingw32-strip" -o "$3" "$2"
  for dll in $(x86_64-w64-mingw32-objdump -p "$3" | sed -n 's/.*DLL Name: //p' | tr 'A-Z' 'a-z'); do
    case " $SYSTEM_DLLS " in
      *" $dll "*) ;;
      *) die "$3 needs $dll, which a clean Windows does not have (link it statically)" ;;
    esac
  done
}
place x86_64 build-windows-x64/bin/harness.exe "$STAGE/x64/harness.exe"
place i686 build-windows-x86/bin/harness.exe "$STAGE/x86/harness.exe"
place x86_64 build-windows-x64/bin/iexplore.exe "$STAGE/synthetic-ie/x64/iexplore.exe"
place i686 build-windows-x86/bin/iexplore.exe "$STAGE/synthetic-ie/x86/iexplore.exe"

# Pages and scenarios exactly as the repository has them (tracked files only); VERSION.txt with
# Windows line ends (Notepad).
for dir in pages scenarios; do
  git ls-files "$dir" | while read -r f; do
    mkdir -p "$STAGE/$(dirname "$f")"
    cp "$f" "$STAGE/$f"
  done
done
cp README.md "$STAGE/README.md"
cp docs/windows-lab.md "$STAGE/docs/windows-lab.md"
{
  echo "browser-harness $version (commit $commit), built $(date -u +%Y-%m-%dT%H:%M:%SZ) with $(x86_64-w64-mingw32-g++-posix --version | head -1)"
  echo "The synthetic IE is a test stand-in for IE11 (tools/ietab), not IE."
  echo
  (cd "$STAGE" && sha256sum x64/harness.exe x86/harness.exe synthetic-ie/x64/iexplore.exe synthetic-ie/x86/iexplore.exe)
} | sed 's/$/\r/' >"$STAGE/VERSION.txt"

(cd "$OUT" && zip -qr -9 "$NAME.zip" "$NAME")
rm -rf "$STAGE"
size=$(stat -c %s "$OUT/$NAME.zip")
say "$(unzip -l "$OUT/$NAME.zip" | tail -1 | awk '{print $2}') files, $((size / 1024)) KiB"
echo "$OUT/$NAME.zip"
