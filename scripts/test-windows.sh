#!/bin/sh
# The Windows side: harness.exe, its unit tests and the synthetic IE, cross-built for x86_64 and
# i686 from the one CMake project (presets windows-x64 and windows-x86, with the libraries
# scripts/windows-deps.sh builds from Debian's source packages), then run under Wine, checking
# their output, not only exit codes: a 32-bit program that cannot start under Wine exits 0 and
# prints nothing (reference ie11-windows.md §6.5). Then the registry journal's SIGKILL test: a
# program applies registry values and is killed with SIGKILL (the Linux kill of its wine
# process); the next start must restore every value. Prints "windows: N passed, N failed, N
# skipped" last; exits 1 on any failure. A machine whose kernel cannot run 32-bit code at all
# (IA-32 emulation off) skips the 32-bit runs, saying so: never a pass; of its 32-bit tree only
# the product (harness.exe, the synthetic iexplore.exe) is built there, nothing could run the rest.
#
#   HARNESS_WINDOWS=1 scripts/setup.sh     # mingw-w64, Wine and the Windows libraries (once)
#   scripts/test-windows.sh
#
# Folders (all ignored by git): build-deps/ (the Windows libraries), build-windows-x64/,
# build-windows-x86/ (the builds), build-wine/ (the Wine prefix, the i386 Wine DLLs, logs).
# Nothing is installed: 32-bit Windows programs run through the amd64 Wine's WoW64 mode with
# the i386 PE DLLs of libwine:i386, fetched once with `apt-get download` into build-wine/i386
# (wine32:i386 cannot be installed on this Debian 12 mirror). The persistent wineserver this
# script starts is stopped by its PID and `wineserver -k` on this script's own WINEPREFIX only.
set -eu
cd "$(dirname "$0")/.."
ROOT=$PWD
WIN64=$ROOT/build-windows-x64
WIN32=$ROOT/build-windows-x86
WINE_DIR=${HARNESS_WINE_DIR:-$ROOT/build-wine}
WINE64=/usr/lib/wine/wine64
JOBS=${HARNESS_JOBS:-$(nproc)}

say() { echo "test-windows: $*" >&2; }
die() { say "$*"; exit 1; }

for tool in x86_64-w64-mingw32-g++-posix i686-w64-mingw32-g++-posix wineserver cmake ninja; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool is missing: run HARNESS_WINDOWS=1 scripts/setup.sh"
done
[ -x "$WINE64" ] || die "$WINE64 is missing: run HARNESS_WINDOWS=1 scripts/setup.sh"
mkdir -p "$WINE_DIR"

# ---- i386 PE DLLs for 32-bit programs (Wine's WoW64 mode) ----------------------------------
I386=$WINE_DIR/i386
DLLS=$I386/x/usr/lib/i386-linux-gnu/wine
if [ ! -f "$DLLS/i386-windows/ntdll.dll" ]; then
  version=$(dpkg-query -W -f='${Version}' libwine)
  say "fetching libwine:i386 $version (the i386 PE DLLs; nothing is installed)"
  rm -rf "$I386"
  mkdir -p "$I386/lists/partial" "$I386/cache/archives/partial"
  # A private package list with i386 enabled; the system's apt state is not touched. The
  # security index for i386 may fail its size check (the reason wine32 is not installable
  # here); the main index has libwine.
  apt_opts="-o APT::Architectures=amd64,i386 -o Dir::State::Lists=$I386/lists -o Dir::Cache=$I386/cache -o Debug::NoLocking=1"
  # shellcheck disable=SC2086
  apt-get $apt_opts update -q >"$I386/update.log" 2>&1 || say "apt-get update reported errors (see $I386/update.log); trying the download"
  # shellcheck disable=SC2086
  (cd "$I386" && apt-get $apt_opts download "libwine:i386=$version" >"$I386/download.log" 2>&1) ||
    die "cannot download libwine:i386=$version (see $I386/download.log)"
  dpkg-deb -x "$I386"/libwine_*_i386.deb "$I386/x"
  rm -f "$I386"/libwine_*_i386.deb
  [ -f "$DLLS/i386-windows/ntdll.dll" ] || die "libwine:i386 has no i386-windows/ntdll.dll"
fi

# ---- builds --------------------------------------------------------------------------------
# The libraries from Debian's source packages (a no-op once built), then both presets.
HARNESS_DEPS_PROOF=0 scripts/windows-deps.sh >"$WINE_DIR/windows-deps.log" 2>&1 ||
  { tail -30 "$WINE_DIR/windows-deps.log" >&2; die "building the Windows libraries failed (see $WINE_DIR/windows-deps.log)"; }
build() {  # preset [target...]
  preset=$1
  shift
  # Configured every time (seconds): a folder configured by an older preset gets its settings.
  cmake --preset "$preset" >"$WINE_DIR/$preset.configure.log" 2>&1 ||
    { cat "$WINE_DIR/$preset.configure.log" >&2; die "configuring $preset failed"; }
  if [ $# -gt 0 ]; then
    say "building $preset ($*)"
    set -- --target "$@"
  else
    say "building $preset"
  fi
  cmake --build --preset "$preset" -j "$JOBS" "$@" >>"$WINE_DIR/$preset.build.log" 2>&1 ||
    { tail -50 "$WINE_DIR/$preset.build.log" >&2; die "building $preset failed"; }
}
rm -f "$WINE_DIR/windows-x64.build.log" "$WINE_DIR/windows-x86.build.log"
build windows-x64
# The 32-bit product first (harness.exe, the synthetic iexplore.exe); the rest of the 32-bit tree
# (its unit tests, benchmarks: ~6 of its ~10 minutes on 2 cores) only where 32-bit programs can
# run, which the 32-bit harness.exe tells below.
build windows-x86 harness ietab

# ---- Wine ----------------------------------------------------------------------------------
export WINEPREFIX="$WINE_DIR/prefix" WINEDEBUG=-all WINEDLLPATH="$DLLS" WINEARCH=win64
PIDFILE=$WINE_DIR/wineserver.pid
# A persistent server left by an earlier run of this script (killed before its cleanup) serves
# this prefix: stop it, by its recorded PID, if that PID is still a wineserver.
if [ -f "$PIDFILE" ]; then
  old=$(cat "$PIDFILE")
  if [ -n "$old" ] && grep -q wineserver "/proc/$old/cmdline" 2>/dev/null; then
    say "stopping the wineserver a previous run left ($old)"
    wineserver -k </dev/null >/dev/null 2>&1 || true
    kill "$old" 2>/dev/null || true
  fi
  rm -f "$PIDFILE"
fi
# Our own persistent server first (tests hang otherwise: the services Wine starts inside a test
# inherit its output pipes), then the prefix boot, with every standard stream on /dev/null.
# The server needs the prefix folder to exist (a clean clone has none yet).
mkdir -p "$WINEPREFIX"
wineserver -p -f </dev/null >/dev/null 2>&1 &
SERVER=$!
echo "$SERVER" >"$PIDFILE"
stop_wine() {
  wineserver -k </dev/null >/dev/null 2>&1 || true
  kill "$SERVER" 2>/dev/null || true
  wait "$SERVER" 2>/dev/null || true
  rm -f "$PIDFILE"
}
trap stop_wine EXIT
trap 'exit 130' INT TERM
sleep 0.5
kill -0 "$SERVER" 2>/dev/null || die "wineserver did not start (another one serves $WINEPREFIX?)"
say "booting the Wine prefix $WINEPREFIX"
"$WINE64" wineboot -u </dev/null >"$WINE_DIR/wineboot.log" 2>&1 || die "wineboot failed (see $WINE_DIR/wineboot.log)"

# Unix path -> Wine's Z: drive path.
winpath() { printf 'Z:%s' "$1" | tr / '\\'; }

PASSED=0
FAILED=0
SKIPPED=0
FAILURES=""
# One check's result: "label: what passed", or "label: what FAILED (see where)" and counted.
verdict() {  # ok(1|0) label what where
  if [ "$1" = 1 ]; then
    echo "$2: $3 passed"
    PASSED=$((PASSED + 1))
  else
    echo "$2: $3 FAILED (see $4)"
    FAILED=$((FAILED + 1))
    FAILURES="$FAILURES\n  $2: $3"
  fi
}

# ---- GoogleTest suites ---------------------------------------------------------------------
run_suite() {  # label build-folder minimum-tests [VAR=value...]
  label=$1 dir=$2 minimum=$3
  shift 3
  xml=$WINE_DIR/$label.xml
  log=$WINE_DIR/$label.log
  rm -f "$xml"
  say "running the $label suite under Wine"
  rc=0
  # Windows programs end their lines with CR LF.
  env "$@" timeout 1500 "$WINE64" "$dir/bin/harness_unit_tests.exe" --gtest_output="xml:$(winpath "$xml")" \
    </dev/null >"$log.raw" 2>&1 || rc=$?
  tr -d '\r' <"$log.raw" >"$log"
  rm -f "$log.raw"
  if [ ! -s "$xml" ]; then
    tail -20 "$log" >&2
    FAILED=$((FAILED + 1))
    FAILURES="$FAILURES\n  $label: no test report (exit code $rc; a program that cannot start under Wine exits 0 and prints nothing)"
    return
  fi
  tests=$(sed -n 's/.*<testsuites tests="\([0-9]*\)".*/\1/p' "$xml" | head -1)
  failures=$(sed -n 's/.*<testsuites [^>]*failures="\([0-9]*\)".*/\1/p' "$xml" | head -1)
  errors=$(sed -n 's/.*<testsuites [^>]*errors="\([0-9]*\)".*/\1/p' "$xml" | head -1)
  failures=$((${failures:-0} + ${errors:-0}))
  skipped=$(grep -c 'result="skipped"' "$xml" || true)
  passed=$((tests - failures - skipped))
  if [ "${tests:-0}" -lt "$minimum" ]; then
    FAILURES="$FAILURES\n  $label: only ${tests:-0} tests ran (expected at least $minimum)"
    FAILED=$((FAILED + 1))
  fi
  if [ "$failures" -gt 0 ] || [ "$rc" -ne 0 ]; then
    # Each failure with its messages: from the test's RUN line to its FAILED line.
    awk '/^\[ RUN      \]/ {block = ""} {block = block $0 "\n"} /^\[  FAILED  \] .*\(/ {printf "%s", block}' "$log" >&2 || true
    FAILURES="$FAILURES\n  $label: $failures failed test(s) (exit code $rc), see $log"
  fi
  grep -q '^\[  PASSED  \]' "$log" || FAILURES="$FAILURES\n  $label: no closing [  PASSED  ] line in $log"
  PASSED=$((PASSED + passed))
  FAILED=$((FAILED + failures))
  SKIPPED=$((SKIPPED + skipped))
  echo "$label: $tests tests, $passed passed, $failures failed, $skipped skipped"
  # The figures of the synthetic IE runs, and every skip with its reason.
  grep '^\[ figures  \]' "$log" | sed "s/^\[ figures  \]/  $label:/" || true
  awk '/Skipped$/ {getline reason; print "  skipped: " reason}' "$log" | sort -u || true
}

# Can this machine run 32-bit code at all? Some kernels have IA-32 emulation switched off (seen
# here: "IA-32 emulation off: the host runs 64-bit user code only"): then Wine cannot start any
# 32-bit program, and every 32-bit suite would "fail" for a reason that is the machine's, not the
# code's. They are skipped, counted and named as skipped, never passed.
PROBE=$WINE_DIR/probe-x86.log
timeout 120 "$WINE64" "$WIN32/bin/harness.exe" --version </dev/null >"$PROBE" 2>&1 || true
if grep -q '^harness ' "$PROBE"; then
  X86=1
  build windows-x86
else
  X86=0
  NO_X86="this machine cannot run 32-bit programs (the 32-bit harness.exe printed no version under Wine; IA-32 emulation is likely off in the kernel: see dmesg)"
  say "skipping every 32-bit run: $NO_X86; of the 32-bit tree only harness.exe and iexplore.exe were built"
fi

if [ "$X86" = 1 ]; then
  run_suite windows-x64 "$WIN64" 200 "HARNESS_IETAB_X86_DIR=$(winpath "$WIN32/bin")"
  run_suite windows-x86 "$WIN32" 200 "HARNESS_IETAB_X64_DIR=$(winpath "$WIN64/bin")"
else
  # Without HARNESS_IETAB_X86_DIR the x64 tests that would start a 32-bit program skip.
  run_suite windows-x64 "$WIN64" 200
  echo "windows-x86: skipped: $NO_X86"
  SKIPPED=$((SKIPPED + 1))
fi

# ---- harness.exe itself ---------------------------------------------------------------------
# --version and doctor: the program starts, prints, and doctor names every IE profile with what
# this machine lacks (no IE11, no IEDriverServer under Wine).
smoke() {  # label build-folder
  label=$1 dir=$2
  log=$WINE_DIR/smoke-$label.log
  ok=1
  { echo "\$ harness.exe --version"
    timeout 300 "$WINE64" "$dir/bin/harness.exe" --version </dev/null 2>&1 | tr -d '\r'
    echo "\$ harness.exe doctor"
    HARNESS_STATE_DIR=$(winpath "$WINE_DIR/state-$label") timeout 300 "$WINE64" "$dir/bin/harness.exe" doctor \
      --db "$(winpath "$WINE_DIR/doctor-$label.db")" </dev/null 2>&1 | tr -d '\r'
  } >"$log" || true
  grep -q '^harness [0-9]' "$log" || { echo "  no version line" >>"$log"; ok=0; }
  for profile in ie11-x86 ie11-x64 ie11-x64-epm edge-iemode; do
    grep -q "^$profile " "$log" || { echo "  doctor does not list $profile" >>"$log"; ok=0; }
  done
  sed 's/^/  /' "$log"
  verdict "$ok" "$label" "harness.exe --version and doctor" "$log"
}

# `harness.exe run scenarios/synthetic-ie.yaml` on one IE profile whose browser is the synthetic
# IE, then tests/windows/check_synthetic_ie_run.py on what it wrote (summary.json, report.html,
# the SQLite store) and the Linux harness's `report` over the same folder: one store format for
# both systems. Sets E2E_DONE to the iterations the run completed.
e2e_run() {  # label harness-build-folder iexplore-build-folder profile bits [checker args...]
  label=$1 hdir=$2 idir=$3 profile=$4 bits=$5
  shift 5
  out=$WINE_DIR/e2e-$label
  log=$WINE_DIR/e2e-$label.log
  rm -rf "$out"
  mkdir -p "$out/state"
  say "harness.exe run scenarios/synthetic-ie.yaml --browser $profile under Wine"
  rc=0
  # WINEDLLOVERRIDES: Wine has a builtin iexplore.exe and answers version queries about any file
  # of that name with its own resource; "n" makes it read the synthetic IE's.
  WINEDLLOVERRIDES="iexplore.exe=n" HARNESS_STATE_DIR=$(winpath "$out/state") timeout 2400 \
    "$WINE64" "$hdir/bin/harness.exe" run \
    "$(winpath "$ROOT/scenarios/synthetic-ie.yaml")" --browser "$profile" \
    --ie-binary "$(winpath "$idir/bin/iexplore.exe")" --out "$(winpath "$out/results")" \
    --db "$(winpath "$out/results/harness.db")" </dev/null >"$out/stdout" 2>"$log" || rc=$?
  run_dir=$(ls -d "$out"/results/*-synthetic-ie-* 2>/dev/null | head -1)
  E2E_DONE=$(sed -n 's/.*"iterations_completed": *\([0-9]*\).*/\1/p' "$run_dir/summary.json" 2>/dev/null | head -1)
  ok=1
  if [ -z "$run_dir" ]; then
    echo "  no run folder (harness.exe exit code $rc)"
    ok=0
  else
    python3 "$ROOT/tests/windows/check_synthetic_ie_run.py" "$run_dir" "$out/results/harness.db" \
      --bits "$bits" --harness-exit "$rc" "$@" >"$out/check.log" 2>&1 || ok=0
    sed 's/^/  /' "$out/check.log"
    # Full dumps of a 1-2 GB tab: checked, then removed (disk).
    find "$out" -name '*.dmp' -delete
    if [ -x "$ROOT/build/harness" ]; then
      "$ROOT/build/harness" report "$out/results" >"$out/linux-report.log" 2>&1 ||
        { echo "  the Linux harness cannot report the Windows run (see $out/linux-report.log)"; ok=0; }
    fi
  fi
  [ "$ok" = 1 ] || tail -20 "$log" | sed 's/^/  | /'
  verdict "$ok" "$label" "harness.exe end-to-end run" "$log and $out"
}

smoke harness-x64 "$WIN64"
if [ "$X86" = 1 ]; then
  smoke harness-x86 "$WIN32"
  # The customer's tab: 32-bit, out of address space; then the same workload in a 64-bit tab.
  e2e_run e2e-ie11-x86 "$WIN64" "$WIN32" ie11-x86 32
  x86_death=$E2E_DONE
  e2e_run e2e-ie11-x64 "$WIN64" "$WIN64" ie11-x64 64 ${x86_death:+--x86-death "$x86_death"}
else
  echo "harness-x86: skipped: $NO_X86"
  echo "e2e-ie11-x86: skipped: $NO_X86"
  SKIPPED=$((SKIPPED + 2))
  e2e_run e2e-ie11-x64 "$WIN64" "$WIN64" ie11-x64 64
fi

# ---- registry journal: SIGKILL -------------------------------------------------------------
sigkill_test() {  # label build-folder
  label=$1 victim=$2/bin/regjournal_victim.exe
  root="Software\\browser-harness-tests\\sigkill-$label-$$"
  journals=$WINE_DIR/journals-$label-$$
  log=$WINE_DIR/sigkill-$label.log
  rm -rf "$journals"
  mkdir -p "$journals"
  : >"$log"
  ok=1
  what="registry journal SIGKILL test"
  # Every step's exit code goes into the log: a Windows program that dies under
  # WINEDEBUG=-all says nothing else.
  step() {
    rc=0
    "$WINE64" "$victim" "$@" </dev/null >>"$log" 2>&1 || rc=$?
    echo "($1: exit $rc)" >>"$log"
    return "$rc"
  }
  step prepare --root "$root" && step verify --root "$root" || ok=0
  "$WINE64" "$victim" apply --root "$root" --journal-dir "$(winpath "$journals")" </dev/null >"$log.apply" 2>&1 &
  victim_pid=$!
  waited=0
  until grep -q '^applied' "$log.apply" 2>/dev/null; do
    sleep 0.2
    waited=$((waited + 1))
    [ "$waited" -lt 150 ] || { ok=0; break; }
  done
  cat "$log.apply" >>"$log"
  step check-applied --root "$root" || ok=0
  # The harness dies without running a single destructor.
  kill -KILL "$victim_pid"
  wait "$victim_pid" 2>/dev/null || true
  ls "$journals"/regjournal.*.jsonl >/dev/null 2>&1 || { echo "no journal left behind" >>"$log"; ok=0; }
  # The next start (once Wine, too, has seen the harness die) restores every stale journal;
  # the "before" state must be back exactly.
  step owner-gone --journal-dir "$(winpath "$journals")" || ok=0
  # A restore that fails having printed nothing at all died under Wine before its first line
  # (seen once in CI: no output, the journal untouched). The next harness start is another
  # chance, as it would be for a user: the step runs once more, and says so loudly. One that
  # printed anything (a journal, "0 stale journals", an ERROR) failed for real.
  before_restore=$(wc -l <"$log")
  if ! step restore --journal-dir "$(winpath "$journals")"; then
    if [ "$(wc -l <"$log")" -gt "$((before_restore + 1))" ]; then
      ok=0
    else
      say "$label: the restore step ended with exit $rc and printed nothing; running it again (see $log)"
      echo "RESTORE DIED (exit $rc, no output); the next start:" >>"$log"
      what="$what (its first restore died: rerun once)"
      step restore --journal-dir "$(winpath "$journals")" || ok=0
    fi
  fi
  step verify --root "$root" || ok=0
  ls "$journals"/regjournal.*.done >/dev/null 2>&1 || { echo "journal not marked done" >>"$log"; ok=0; }
  step cleanup --root "$root" || true
  sed 's/^/  /' "$log"
  grep -q 'before state: OK' "$log" && grep -q 'restored journal .*: 7 values' "$log" || ok=0
  verdict "$ok" "$label" "$what" "$log"
  rm -rf "$journals" "$log.apply"
}

sigkill_test sigkill-x64 "$WIN64"
if [ "$X86" = 1 ]; then
  sigkill_test sigkill-x86 "$WIN32"
else
  echo "sigkill-x86: skipped: $NO_X86"
  SKIPPED=$((SKIPPED + 1))
fi

if [ -n "$FAILURES" ]; then
  say "failures:"
  printf "$FAILURES\n" >&2
fi
echo "windows: $PASSED passed, $FAILED failed, $SKIPPED skipped"
[ -z "$FAILURES" ] && [ "$FAILED" -eq 0 ]
