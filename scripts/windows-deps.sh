#!/bin/sh
# Builds the Windows-side static libraries of the harness from Debian's SOURCE packages, for
# both mingw-w64 targets (x86_64 and i686), into a cache folder:
#
#   SQLite (sqlite3), yaml-cpp, pugixml, SQLiteC++ (sqlitecpp), GoogleTest + GoogleMock
#   (googletest), Google Benchmark (benchmark)
#
# at the very versions the Linux build uses (the source packages of the installed libsqlite3-dev,
# libyaml-cpp-dev, libpugixml-dev, libsqlitecpp-dev, libgtest-dev and libbenchmark-dev), then
# proves them: a small program linking all six is cross-built for each target, its imports must
# be Windows system DLLs only, and it runs under Wine with its output checked (the i686 one only
# where the kernel runs 32-bit code: see ia32_probe below; otherwise a skip with its reason).
#
#   scripts/windows-deps.sh          # idempotent: a second run with everything built is a no-op
#
# Consumers (per target; <deps> is the cache folder, <arch> x86_64 or i686):
#   cmake -S ... -B ... -G Ninja -DCMAKE_TOOLCHAIN_FILE=<deps>/<arch>/toolchain.cmake \
#         -DCMAKE_PREFIX_PATH=<deps>/<arch>
# <deps>/<arch>/toolchain.cmake includes cmake/toolchains/mingw-<arch>.cmake and adds the prefix
# to CMAKE_FIND_ROOT_PATH: that toolchain searches packages, headers and libraries ONLY under
# its root path (/usr/<triplet>), where CMAKE_PREFIX_PATH alone is never looked at. With the
# plain repo toolchain, `list(APPEND CMAKE_FIND_ROOT_PATH ${CMAKE_PREFIX_PATH})` before the
# find_package calls does the same. Then find_package(SQLite3) (CMake's own FindSQLite3:
# SQLite::SQLite3), find_package(SQLiteCpp) (target SQLiteCpp), find_package(yaml-cpp) (target
# yaml-cpp), find_package(pugixml) (pugixml::pugixml), find_package(GTest) (GTest::gtest,
# GTest::gmock, GTest::gtest_main) and find_package(benchmark) (benchmark::benchmark; it brings
# shlwapi and BENCHMARK_STATIC_DEFINE along by itself). SQLiteCpp brings
# SQLITE_ENABLE_COLUMN_METADATA (our sqlite3 has it, like Debian's). Nothing else is needed:
# the mingw toolchain links -static, so the programs import Windows system DLLs only.
#
# Folders (<deps> = $HARNESS_DEPS_DIR, default build-deps/, ignored by git):
#   apt/            private apt state: deb-src entries derived from the machine's own sources,
#                   package lists, cache (the system's apt configuration is not touched)
#   src/            the downloaded source packages and their dpkg-source -x trees
#   build/          build trees (build/native/sqlite3: the amalgamation, generated once)
#   x86_64/ i686/   the install prefixes (include/, lib/, lib/cmake/, toolchain.cmake)
#   stamps/         one file per built piece, with versions; a stamp that matches is skipped
#   logs/           configure/build/install logs
#   proof/          the proof program (source, builds, Wine output)
#   wine/           the Wine prefix of the proof (and the i386 Wine DLLs if build-wine/ has none)
#
# Environment: HARNESS_DEPS_DIR (the cache folder), HARNESS_JOBS (parallel jobs, default:
# nproc), HARNESS_DEPS_PROOF=0 (skip the Wine proof), HARNESS_WINE_DIR (where
# scripts/test-windows.sh keeps the i386 Wine DLLs, default build-wine/: reused when present).
set -eu
cd "$(dirname "$0")/.."
ROOT=$PWD
DEPS=${HARNESS_DEPS_DIR:-$ROOT/build-deps}
JOBS=${HARNESS_JOBS:-$(nproc)}
PROOF=${HARNESS_DEPS_PROOF:-1}
WINE_DIR=${HARNESS_WINE_DIR:-$ROOT/build-wine}
WINE64=/usr/lib/wine/wine64
ARCHES="x86_64 i686"
# Bump a package's number when the way it is built changes: its stamps stop matching and it
# is rebuilt (and the proof with it).
recipe() {
  case $1 in
    sqlite3) echo 2 ;;
    yaml-cpp) echo 1 ;;
    pugixml) echo 1 ;;
    sqlitecpp) echo 1 ;;
    googletest) echo 1 ;;
    benchmark) echo 1 ;;
    proof) echo 1 ;;
  esac
}

say() { echo "windows-deps: $*" >&2; }
die() { say "$*"; exit 1; }

for tool in x86_64-w64-mingw32-g++-posix i686-w64-mingw32-g++-posix x86_64-w64-mingw32-objdump \
  cmake ninja make cc tclsh apt-get apt-cache dpkg-source dpkg-query flock; do
  command -v "$tool" >/dev/null 2>&1 ||
    die "$tool is missing: run HARNESS_WINDOWS=1 scripts/setup.sh (tclsh: tcl; flock: util-linux)"
done
case $DEPS in /*) ;; *) DEPS=$ROOT/$DEPS ;; esac
mkdir -p "$DEPS/stamps" "$DEPS/logs"

# One run at a time per cache folder (fd 9; closed for the wineserver).
exec 9>"$DEPS/.lock"
flock -n 9 || die "another windows-deps.sh is running on $DEPS"

# ---- what to build: the source packages of the Linux build's -dev packages -----------------
# dev-package:source-package (the source name is checked against dpkg's record).
PAIRS="libsqlite3-dev:sqlite3 libyaml-cpp-dev:yaml-cpp libpugixml-dev:pugixml
libsqlitecpp-dev:sqlitecpp libgtest-dev:googletest libbenchmark-dev:benchmark"
PKGS=""
for pair in $PAIRS; do
  dev=${pair%%:*} pkg=${pair#*:}
  info=$(dpkg-query -W -f='${db:Status-Abbrev} ${source:Package} ${source:Version}' "$dev" 2>/dev/null) ||
    die "$dev is not installed (the Linux build's version is the one to build): run scripts/setup.sh"
  # shellcheck disable=SC2086
  set -- $info
  [ "$1" = ii ] || die "$dev is not installed (status $1): run scripts/setup.sh"
  [ "$2" = "$pkg" ] || die "$dev comes from the source package $2, not $pkg: update this script"
  PKGS="$PKGS $pkg"
  eval "VER_$(echo "$pkg" | tr - _)=\$3"
done
ver() { eval "echo \$VER_$(echo "$1" | tr - _)"; }
upstream() { v=$(ver "$1"); v=${v#*:}; echo "${v%-*}"; }  # no epoch, no Debian revision
noepoch() { v=$(ver "$1"); echo "${v#*:}"; }
versions() { for p in $PKGS; do printf '%s=%s\n' "$p" "$(ver "$p")"; done | paste -sd ' '; }

# The cross compiler's and the mingw-w64 runtime's package versions, part of every stamp.
compiler_id() {  # arch as Debian spells it in package names (x86-64, i686)
  dpkg-query -W -f='${Package}=${Version} ' "g++-mingw-w64-$1-posix" "mingw-w64-$1-dev" 2>/dev/null ||
    "$(echo "$1" | tr - _)-w64-mingw32-g++-posix" -dumpfullversion
}
# shellcheck disable=SC2034  # read through cc_id()
CCID_x86_64=$(compiler_id x86-64 | tr ' ' ,)
# shellcheck disable=SC2034
CCID_i686=$(compiler_id i686 | tr ' ' ,)
cc_id() { eval "echo \$CCID_$1"; }
key() {  # arch pkg -> the stamp line
  k="$2 $(ver "$2") recipe=$(recipe "$2") gcc=$(cc_id "$1")"
  case $2 in
    sqlitecpp) k="$k sqlite3=$(ver sqlite3)/$(recipe sqlite3)" ;;  # built against our sqlite3
  esac
  echo "$k"
}
proof_key() {
  k="proof recipe=$(recipe proof)"
  for pkg in $PKGS; do k="$k $pkg=$(ver "$pkg")"; done
  k="$k gcc=$(cc_id "$1")"
  # A proof skipped for want of 32-bit support is redone once the machine has it.
  [ "$1" = x86_64 ] || k="$k ia32=$IA32"
  echo "$k"
}
stamp_ok() { [ -f "$DEPS/stamps/$1" ] && [ "$(cat "$DEPS/stamps/$1")" = "$2" ]; }

# ---- can this machine run 32-bit code at all? -----------------------------------------------
# Wine (Debian's amd64 Wine 8.0, "experimental wow64 mode") starts every i686 program by giving
# its 32-bit TEB a GDT selector through `int $0x80` (set_thread_area) from 64-bit code. A kernel
# with IA32 emulation switched off (ia32_emulation=off on its command line, or built with
# CONFIG_IA32_EMULATION_DEFAULT_DISABLED; dmesg: "32-bit emulation disabled") answers with a
# general protection fault: every 32-bit program dies before its first instruction, and wine64
# prints only "Application could not be started". The probe makes the same int 0x80 call.
ia32_probe() {
  case $(uname -m) in x86_64) ;; *) echo unknown; return ;; esac
  probe=$DEPS/build/native/ia32-probe
  if [ ! -x "$probe" ]; then
    mkdir -p "$DEPS/build/native"
    cat >"$probe.c" <<'EOF'
/* getpid through the 32-bit system call gate, from 64-bit code (as Wine's WoW64 does). */
int main(void) {
  long r = 20; /* __NR_getpid of the i386 table */
  __asm__ volatile("int $0x80" : "+a"(r) : : "memory");
  return r > 0 ? 0 : 1;
}
EOF
    cc -O0 -o "$probe" "$probe.c" >/dev/null 2>&1 || { echo unknown; return; }
  fi
  if "$probe" >/dev/null 2>&1; then echo yes; else echo no; fi
}
IA32=unknown
[ "$PROOF" = 0 ] || IA32=$(ia32_probe 2>/dev/null)
IA32_REASON="this kernel has 32-bit (IA32) emulation disabled, so Wine cannot start any 32-bit program (dmesg: '32-bit emulation disabled. You can reenable with ia32_emulation=on'); the i686 proof was built and its imports checked, but not run"

# ---- nothing to do? (no network, no apt, no Wine) ------------------------------------------
todo=0
for arch in $ARCHES; do
  for pkg in $PKGS; do stamp_ok "$arch-$pkg" "$(key "$arch" "$pkg")" || todo=1; done
  [ "$PROOF" = 0 ] || stamp_ok "$arch-proof" "$(proof_key "$arch")" || todo=1
done
if [ "$todo" = 0 ]; then
  for arch in $ARCHES; do
    [ ! -f "$DEPS/stamps/$arch-proof.skipped" ] || say "$arch: $(cat "$DEPS/stamps/$arch-proof.skipped")"
  done
  say "up to date in $DEPS ($(versions))"
  exit 0
fi

# ---- private apt state with deb-src entries derived from the machine's sources -------------
APT=$DEPS/apt
mkdir -p "$APT/lists/partial" "$APT/cache/archives/partial" "$APT/sources.list.d"
APT_OPTS="-o Dir::State::Lists=$APT/lists -o Dir::Cache=$APT/cache
 -o Dir::Etc::SourceList=$APT/sources.list -o Dir::Etc::SourceParts=$APT/sources.list.d
 -o Debug::NoLocking=1"
# As root, apt downloads as the _apt user, who cannot write into this folder: stay root.
[ "$(id -u)" != 0 ] || APT_OPTS="$APT_OPTS -o APT::Sandbox::User=root"

write_sources() {
  # deb822 files: every stanza whose Types has "deb", with Types: deb-src (URIs, Suites,
  # Components, Signed-By... kept as they are).
  : >"$APT/sources.list.d/host.sources.new"
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    awk 'BEGIN { RS = ""; ORS = "" }
      { n = split($0, line, "\n"); out = ""; deb = 0
        for (i = 1; i <= n; i++) {
          if (line[i] ~ /^#/) continue
          if (line[i] ~ /^Types:/) {
            if (line[i] ~ /[ \t]deb([ \t]|$)/) deb = 1
            line[i] = "Types: deb-src"
          }
          out = out line[i] "\n"
        }
        if (deb) print out "\n" }' "$f" >>"$APT/sources.list.d/host.sources.new"
  done
  # One-line files: "deb ..." -> "deb-src ...".
  : >"$APT/sources.list.new"
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    sed -n 's/^[[:space:]]*deb[[:space:]]/deb-src /p' "$f" >>"$APT/sources.list.new"
  done
  [ -s "$APT/sources.list.d/host.sources.new" ] || [ -s "$APT/sources.list.new" ] ||
    die "no deb entries in /etc/apt/sources.list.d/*.sources or the sources.list files"
  # A changed source list makes the package lists stale.
  if ! cmp -s "$APT/sources.list.d/host.sources.new" "$APT/sources.list.d/host.sources" ||
    ! cmp -s "$APT/sources.list.new" "$APT/sources.list"; then
    rm -f "$APT/lists/"*_Sources* "$APT/lists/"*Release* 2>/dev/null || true
  fi
  mv "$APT/sources.list.d/host.sources.new" "$APT/sources.list.d/host.sources"
  mv "$APT/sources.list.new" "$APT/sources.list"
}
APT_UPDATED=0
apt_update() {
  [ "$APT_UPDATED" = 0 ] || return 0
  say "apt-get update (private state in $APT)"
  # shellcheck disable=SC2086
  apt-get $APT_OPTS update -q >"$DEPS/logs/apt-update.log" 2>&1 ||
    say "apt-get update reported errors (see $DEPS/logs/apt-update.log); going on"
  APT_UPDATED=1
}
has_source() {  # pkg version: the private lists know this source package at this version
  # shellcheck disable=SC2086
  apt-cache $APT_OPTS showsrc --only-source "$1" 2>/dev/null | grep -qx "Version: $2"
}

# ---- sources: apt-get source --download-only, dpkg-source -x ------------------------------
SRC=$DEPS/src
DL=$SRC/download
mkdir -p "$DL"
srcdir() { echo "$SRC/$1-$(noepoch "$1")"; }
fetch_source() {  # pkg
  pkg=$1 v=$(ver "$1")
  dir=$(srcdir "$pkg")
  stamp_ok "src-$pkg" "$pkg $v" && [ -d "$dir" ] && return 0
  dsc=$DL/${pkg}_$(noepoch "$pkg").dsc
  if ! has_source "$pkg" "$v"; then
    apt_update
    has_source "$pkg" "$v" ||
      die "no source package $pkg=$v in the machine's deb-src lists (apt-cache showsrc $pkg: see $DEPS/logs/apt-update.log)"
  fi
  # apt-get keeps files already there whose checksums match, and completes the others.
  say "downloading the source package $pkg=$v"
  # shellcheck disable=SC2086
  (cd "$DL" && apt-get $APT_OPTS source --download-only "$pkg=$v") >"$DEPS/logs/source-$pkg.log" 2>&1 ||
    { tail -20 "$DEPS/logs/source-$pkg.log" >&2; die "apt-get source $pkg=$v failed"; }
  [ -f "$dsc" ] || die "apt-get source $pkg=$v left no $dsc"
  say "unpacking $pkg $v (with Debian's patches)"
  # Trees of other versions of this package go.
  rm -rf "$dir" "$SRC/$pkg-"[0-9]*
  dpkg-source -x --no-copy "$dsc" "$dir" >"$DEPS/logs/unpack-$pkg.log" 2>&1 ||
    { tail -20 "$DEPS/logs/unpack-$pkg.log" >&2; die "dpkg-source -x $dsc failed"; }
  rm -f "$SRC/${pkg}_"*  # tarballs an older dpkg-source -x (without --no-copy) copied here
  echo "$pkg $v" >"$DEPS/stamps/src-$pkg"
}
write_sources
for pkg in $PKGS; do fetch_source "$pkg"; done

# ---- SQLite: the amalgamation, generated once on the build machine -------------------------
# Debian's sqlite3 source is SQLite's full tree (no sqlite3.c). `make sqlite3.c` generates the
# amalgamation with tclsh and a few host tools (lemon, mkkeywordhash). The parser is generated
# with the feature flags (SQLITE_ENABLE_UPDATE_DELETE_LIMIT changes the grammar), so the flags
# are Debian's own (debian/rules: CFLAGS and configure options), and the Windows library is
# compiled with the same ones (recorded in sqlite3-defines.txt).
SQLITE_DEB_DEFINES="-DSQLITE_SECURE_DELETE -DSQLITE_ENABLE_COLUMN_METADATA
 -DSQLITE_ENABLE_FTS3 -DSQLITE_ENABLE_FTS3_PARENTHESIS -DSQLITE_ENABLE_RTREE=1 -DSQLITE_SOUNDEX=1
 -DSQLITE_ENABLE_UNLOCK_NOTIFY -DSQLITE_OMIT_LOOKASIDE=1 -DSQLITE_ENABLE_DBSTAT_VTAB
 -DSQLITE_ALLOW_ROWID_IN_VIEW -DSQLITE_ENABLE_UPDATE_DELETE_LIMIT=1 -DSQLITE_ENABLE_LOAD_EXTENSION
 -DSQLITE_ENABLE_JSON1 -DSQLITE_LIKE_DOESNT_MATCH_BLOBS -DSQLITE_THREADSAFE=1
 -DSQLITE_ENABLE_FTS3_TOKENIZER=1 -DSQLITE_USE_URI=1 -DSQLITE_MAX_SCHEMA_RETRY=25
 -DSQLITE_ENABLE_PREUPDATE_HOOK -DSQLITE_ENABLE_SESSION -DSQLITE_ENABLE_STMTVTAB
 -DSQLITE_MAX_VARIABLE_NUMBER=250000"
AMALG=$DEPS/build/native/sqlite3
amalgamation() {
  key="sqlite3 $(ver sqlite3) recipe=$(recipe sqlite3)"
  stamp_ok native-sqlite3 "$key" && [ -f "$AMALG/sqlite3.c" ] && return 0
  say "generating the SQLite amalgamation (sqlite3.c) from $(srcdir sqlite3)"
  rm -rf "$AMALG"
  mkdir -p "$AMALG"
  log=$DEPS/logs/native-sqlite3.log
  # shellcheck disable=SC2086
  (cd "$AMALG" && CFLAGS=$(echo "-O2" $SQLITE_DEB_DEFINES) "$(srcdir sqlite3)/configure" \
    --disable-tcl --disable-readline --enable-threadsafe --enable-load-extension --enable-json \
    --enable-fts4 --enable-fts5 && make -j "$JOBS" sqlite3.c) >"$log" 2>&1 ||
    { tail -30 "$log" >&2; die "generating sqlite3.c failed (see $log)"; }
  # The feature flags configure derived (its own plus Debian's SQLITE_ENABLE_*/OMIT_*), then
  # Debian's others; one definition per name.
  feature=$(sed -n 's/^OPT_FEATURE_FLAGS[[:space:]]*=//p' "$AMALG/Makefile")
  # shellcheck disable=SC2086
  printf '%s\n' $feature $SQLITE_DEB_DEFINES | sed 's/^-D//' | awk -F= '!seen[$1]++' >"$AMALG/sqlite3-defines.txt"
  [ -f "$AMALG/sqlite3ext.h" ] || cp "$(srcdir sqlite3)/src/sqlite3ext.h" "$AMALG/"
  for f in sqlite3.c sqlite3.h sqlite3ext.h; do
    [ -s "$AMALG/$f" ] || die "the amalgamation has no $f (see $log)"
  done
  # A small CMake project that compiles it into a static library, installed where CMake's
  # FindSQLite3 looks: include/sqlite3.h, lib/libsqlite3.a.
  cat >"$AMALG/CMakeLists.txt" <<'EOF'
cmake_minimum_required(VERSION 3.16)
project(sqlite3 C)
file(STRINGS ${CMAKE_CURRENT_SOURCE_DIR}/sqlite3-defines.txt defines)
add_library(sqlite3 STATIC sqlite3.c)
target_compile_definitions(sqlite3 PRIVATE ${defines})
target_compile_options(sqlite3 PRIVATE -fno-strict-aliasing)
install(TARGETS sqlite3 ARCHIVE DESTINATION lib)
install(FILES sqlite3.h sqlite3ext.h DESTINATION include)
# For pkg-config users (CMake users get CMake's FindSQLite3).
file(STRINGS ${CMAKE_CURRENT_SOURCE_DIR}/sqlite3.h version REGEX "^#define SQLITE_VERSION[ \t]+\"")
string(REGEX REPLACE ".*\"(.*)\".*" "\\1" version "${version}")
file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/sqlite3.pc "prefix=${CMAKE_INSTALL_PREFIX}
libdir=\${prefix}/lib
includedir=\${prefix}/include

Name: SQLite
Description: SQL database engine (static, Debian's sqlite3 source package)
Version: ${version}
Libs: -L\${libdir} -lsqlite3
Cflags: -I\${includedir}
")
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/sqlite3.pc DESTINATION lib/pkgconfig)
EOF
  echo "$key" >"$DEPS/stamps/native-sqlite3"
}
amalgamation

# ---- the cross builds ----------------------------------------------------------------------
cmake_flags() {  # pkg -> its own CMake options (static, Release, no tests/examples/tools)
  case $1 in
    sqlite3) ;;
    yaml-cpp) echo "-DYAML_BUILD_SHARED_LIBS=OFF -DYAML_CPP_BUILD_TESTS=OFF -DYAML_CPP_BUILD_TOOLS=OFF
      -DYAML_CPP_BUILD_CONTRIB=ON -DYAML_CPP_INSTALL=ON" ;;
    pugixml) echo "-DPUGIXML_BUILD_TESTS=OFF -DPUGIXML_BUILD_SHARED_AND_STATIC_LIBS=OFF
      -DPUGIXML_USE_VERSIONED_LIBDIR=OFF" ;;
    # One SQLite: ours (find_package(SQLite3)), not the copy SQLiteC++ bundles.
    sqlitecpp) echo "-DSQLITECPP_INTERNAL_SQLITE=OFF -DSQLITECPP_RUN_CPPLINT=OFF
      -DSQLITECPP_RUN_CPPCHECK=OFF -DSQLITECPP_RUN_DOXYGEN=OFF -DSQLITECPP_BUILD_TESTS=OFF
      -DSQLITECPP_BUILD_EXAMPLES=OFF -DSQLITE_ENABLE_COLUMN_METADATA=ON" ;;
    googletest) echo "-DBUILD_GMOCK=ON -DINSTALL_GTEST=ON -Dgtest_build_tests=OFF
      -Dgmock_build_tests=OFF -Dgtest_build_samples=OFF" ;;
    # Debian's patch 0001 reads the version from GIT_VERSION (no git tags in a source package).
    benchmark) echo "-DGIT_VERSION=$(upstream benchmark) -DBENCHMARK_ENABLE_TESTING=OFF
      -DBENCHMARK_ENABLE_GTEST_TESTS=OFF -DBENCHMARK_USE_BUNDLED_GTEST=OFF
      -DBENCHMARK_ENABLE_LTO=OFF -DBENCHMARK_ENABLE_WERROR=OFF -DBENCHMARK_INSTALL_DOCS=OFF
      -DBENCHMARK_ENABLE_INSTALL=ON -DBENCHMARK_DOWNLOAD_DEPENDENCIES=OFF" ;;
  esac
}
write_toolchain() {  # arch
  prefix=$DEPS/$1
  mkdir -p "$prefix"
  cat >"$prefix/toolchain.cmake.new" <<EOF
# Generated by scripts/windows-deps.sh: the repository's mingw toolchain, plus this prefix as a
# root path (that toolchain searches packages, headers and libraries only under its roots).
#   cmake ... -DCMAKE_TOOLCHAIN_FILE=$prefix/toolchain.cmake -DCMAKE_PREFIX_PATH=$prefix
include($ROOT/cmake/toolchains/mingw-$1.cmake)
list(APPEND CMAKE_FIND_ROOT_PATH $prefix)
EOF
  if cmp -s "$prefix/toolchain.cmake.new" "$prefix/toolchain.cmake"; then
    rm -f "$prefix/toolchain.cmake.new"
  else
    mv "$prefix/toolchain.cmake.new" "$prefix/toolchain.cmake"
  fi
}
build_pkg() {  # arch pkg
  arch=$1 pkg=$2
  k=$(key "$arch" "$pkg")
  stamp_ok "$arch-$pkg" "$k" && return 0
  prefix=$DEPS/$arch
  bdir=$DEPS/build/$arch/$pkg
  if [ "$pkg" = sqlite3 ]; then sdir=$AMALG; else sdir=$(srcdir "$pkg"); fi
  # Files an earlier build of this package installed go first (a version change).
  if [ -f "$bdir/install_manifest.txt" ]; then
    while IFS= read -r f; do rm -f "$f"; done <"$bdir/install_manifest.txt"
  fi
  rm -rf "$bdir" "$DEPS/stamps/$arch-$pkg" "$DEPS/stamps/$arch-proof"
  mkdir -p "$bdir"
  log=$DEPS/logs/$arch-$pkg
  say "building $pkg $(ver "$pkg") for $arch"
  # shellcheck disable=SC2046
  cmake -S "$sdir" -B "$bdir" -G Ninja \
    -DCMAKE_TOOLCHAIN_FILE="$prefix/toolchain.cmake" -DCMAKE_PREFIX_PATH="$prefix" \
    -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$prefix" -DCMAKE_INSTALL_LIBDIR=lib \
    -DBUILD_SHARED_LIBS=OFF -DBUILD_TESTING=OFF $(cmake_flags "$pkg") \
    >"$log.configure.log" 2>&1 ||
    { tail -40 "$log.configure.log" >&2; die "configuring $pkg for $arch failed (see $log.configure.log)"; }
  cmake --build "$bdir" -j "$JOBS" >"$log.build.log" 2>&1 ||
    { tail -40 "$log.build.log" >&2; die "building $pkg for $arch failed (see $log.build.log)"; }
  cmake --install "$bdir" >"$log.install.log" 2>&1 ||
    { tail -20 "$log.install.log" >&2; die "installing $pkg for $arch failed (see $log.install.log)"; }
  echo "$k" >"$DEPS/stamps/$arch-$pkg"
}
for arch in $ARCHES; do
  write_toolchain "$arch"
  # sqlite3 before sqlitecpp (its dependency); the rest in any order.
  for pkg in $PKGS; do build_pkg "$arch" "$pkg"; done
done

[ "$PROOF" != 0 ] || { say "built in $DEPS (no Wine proof: HARNESS_DEPS_PROOF=0)"; exit 0; }

# ---- proof: one program using all six, static, run under Wine ------------------------------
PROOF_DIR=$DEPS/proof
mkdir -p "$PROOF_DIR/src"
cat >"$PROOF_DIR/src/CMakeLists.txt" <<'EOF'
cmake_minimum_required(VERSION 3.25)
project(deps_proof CXX)
set(CMAKE_CXX_STANDARD 17)
set(CMAKE_CXX_STANDARD_REQUIRED ON)
find_package(SQLite3 REQUIRED)
find_package(SQLiteCpp REQUIRED)
find_package(yaml-cpp REQUIRED)
find_package(pugixml REQUIRED)
find_package(GTest REQUIRED)
find_package(benchmark REQUIRED)
message(STATUS "SQLite3 ${SQLite3_VERSION}: ${SQLite3_LIBRARIES}")
message(STATUS "SQLiteCpp: ${SQLiteCpp_DIR}")
message(STATUS "yaml-cpp ${yaml-cpp_VERSION}: ${yaml-cpp_DIR}")
message(STATUS "pugixml ${pugixml_VERSION}: ${pugixml_DIR}")
message(STATUS "GTest ${GTest_VERSION}: ${GTest_DIR}")
message(STATUS "benchmark ${benchmark_VERSION}: ${benchmark_DIR}")
add_executable(deps_proof main.cpp)
target_link_libraries(deps_proof PRIVATE SQLiteCpp SQLite::SQLite3 yaml-cpp pugixml::pugixml
  GTest::gmock GTest::gtest benchmark::benchmark)
target_compile_definitions(deps_proof PRIVATE
  YAML_CPP_VERSION_STRING="${yaml-cpp_VERSION}" GTEST_VERSION_STRING="${GTest_VERSION}"
  BENCHMARK_VERSION_STRING="${benchmark_VERSION}")
# Self-contained: no libstdc++/libgcc/winpthread DLLs (the toolchain says so too).
target_link_options(deps_proof PRIVATE -static -static-libgcc -static-libstdc++)
EOF
cat >"$PROOF_DIR/src/main.cpp" <<'EOF'
// Proof that the Windows static libraries built by scripts/windows-deps.sh link and work.
#include <SQLiteCpp/SQLiteCpp.h>
#include <benchmark/benchmark.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <yaml-cpp/yaml.h>

#include <cstdio>
#include <pugixml.hpp>
#include <string>
#include <vector>

namespace {
const char* const kYaml = "name: vtm-review\niterations: 60\nsteps: [open, review, close]\n";
const char* const kXml =
    "<run browser=\"ie11\"><iteration n=\"1\" mib=\"40.5\"/><iteration n=\"2\" mib=\"41.0\"/></run>";

std::string sqlite_check() {
  SQLite::Database db(":memory:", SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  db.exec("CREATE TABLE t(x INTEGER)");
  SQLite::Statement insert(db, "INSERT INTO t VALUES (?)");
  for (int i = 1; i <= 6; ++i) {
    insert.bind(1, i * 7);
    insert.exec();
    insert.reset();
  }
  // DELETE ... LIMIT parses only with Debian's SQLITE_ENABLE_UPDATE_DELETE_LIMIT grammar.
  db.exec("DELETE FROM t WHERE x > 40 LIMIT 1");
  return db.execAndGet("SELECT 'rows=' || COUNT(*) || ' sum=' || SUM(x) FROM t").getString();
}
}  // namespace

TEST(Deps, SqliteThroughSqliteCpp) { EXPECT_THAT(sqlite_check(), testing::HasSubstr("rows=5 sum=105")); }
TEST(Deps, Yaml) { EXPECT_EQ(YAML::Load(kYaml)["iterations"].as<int>(), 60); }

void BM_YamlLoad(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(YAML::Load(kYaml));
}
BENCHMARK(BM_YamlLoad);

int main(int argc, char** argv) {
  std::printf("deps_proof: %d-bit\n", static_cast<int>(sizeof(void*) * 8));
  std::printf("sqlite3 %s (threadsafe=%d, column metadata=%d, fts5=%d), SQLiteCpp %s: %s\n",
              sqlite3_libversion(), sqlite3_threadsafe(),
              sqlite3_compileoption_used("ENABLE_COLUMN_METADATA"),
              sqlite3_compileoption_used("ENABLE_FTS5"), SQLITECPP_VERSION, sqlite_check().c_str());
  YAML::Node yaml = YAML::Load(kYaml);
  std::printf("yaml-cpp %s: name=%s iterations=%d steps=%zu last=%s\n", YAML_CPP_VERSION_STRING,
              yaml["name"].as<std::string>().c_str(), yaml["iterations"].as<int>(),
              yaml["steps"].size(), yaml["steps"][2].as<std::string>().c_str());
  pugi::xml_document doc;
  pugi::xml_parse_result parsed = doc.load_string(kXml);
  pugi::xml_node run = doc.child("run");
  double mib = 0;
  size_t iterations = 0;
  for (pugi::xml_node it : run.children("iteration")) {
    mib += it.attribute("mib").as_double();
    ++iterations;
  }
  std::printf("pugixml %d.%d: %s browser=%s iterations=%zu mib=%.1f\n", PUGIXML_VERSION / 1000,
              PUGIXML_VERSION % 1000 / 10, parsed ? "ok" : parsed.description(),
              run.attribute("browser").value(), iterations, mib);
  std::printf("googletest %s, benchmark %s\n", GTEST_VERSION_STRING, BENCHMARK_VERSION_STRING);
  std::fflush(stdout);
  testing::InitGoogleMock(&argc, argv);
  int rc = RUN_ALL_TESTS();
  std::vector<char*> bargs{argv[0], const_cast<char*>("--benchmark_min_time=0.01")};
  int bargc = static_cast<int>(bargs.size());
  benchmark::Initialize(&bargc, bargs.data());
  size_t ran = benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  std::printf("benchmarks run: %zu\n", ran);
  std::printf("deps_proof: done\n");
  return rc;
}
EOF

# The i386 PE DLLs for 32-bit programs under Wine (WoW64): scripts/test-windows.sh's copy when it
# has one, else fetched the same way into our own folder (nothing is installed).
MYWINE=$DEPS/wine
mkdir -p "$MYWINE"
i386_dlls() {
  DLLS=$WINE_DIR/i386/x/usr/lib/i386-linux-gnu/wine
  [ ! -f "$DLLS/i386-windows/ntdll.dll" ] || return 0
  I386=$MYWINE/i386
  DLLS=$I386/x/usr/lib/i386-linux-gnu/wine
  [ ! -f "$DLLS/i386-windows/ntdll.dll" ] || return 0
  version=$(dpkg-query -W -f='${Version}' libwine)
  say "fetching libwine:i386 $version (the i386 PE DLLs; nothing is installed)"
  rm -rf "$I386"
  mkdir -p "$I386/lists/partial" "$I386/cache/archives/partial"
  i386_opts="-o APT::Architectures=amd64,i386 -o Dir::State::Lists=$I386/lists -o Dir::Cache=$I386/cache -o Debug::NoLocking=1"
  [ "$(id -u)" != 0 ] || i386_opts="$i386_opts -o APT::Sandbox::User=root"
  # shellcheck disable=SC2086
  apt-get $i386_opts update -q >"$I386/update.log" 2>&1 || say "apt-get update reported errors (see $I386/update.log); trying the download"
  # shellcheck disable=SC2086
  (cd "$I386" && apt-get $i386_opts download "libwine:i386=$version" >"$I386/download.log" 2>&1) ||
    die "cannot download libwine:i386=$version (see $I386/download.log)"
  dpkg-deb -x "$I386"/libwine_*_i386.deb "$I386/x"
  rm -f "$I386"/libwine_*_i386.deb
  [ -f "$DLLS/i386-windows/ntdll.dll" ] || die "libwine:i386 has no i386-windows/ntdll.dll"
}

export WINEPREFIX="$MYWINE/prefix" WINEDEBUG=-all WINEARCH=win64
PIDFILE=$MYWINE/wineserver.pid
SERVER=""
stop_wine() {
  [ -n "$SERVER" ] || return 0
  wineserver -k </dev/null >/dev/null 2>&1 || true  # this WINEPREFIX's server only
  kill "$SERVER" 2>/dev/null || true
  wait "$SERVER" 2>/dev/null || true
  rm -f "$PIDFILE"
  SERVER=""
}
start_wine() {
  [ -z "$SERVER" ] || return 0
  [ -x "$WINE64" ] || die "$WINE64 is missing: run HARNESS_WINDOWS=1 scripts/setup.sh"
  # 32-bit programs need the i386 DLLs (and the prefix's syswow64, made by wineboot with them).
  if [ "$IA32" != no ]; then
    i386_dlls
    export WINEDLLPATH="$DLLS"
  fi
  # A server an earlier, killed run of this script left: stop it by its recorded PID.
  if [ -f "$PIDFILE" ]; then
    old=$(cat "$PIDFILE")
    if [ -n "$old" ] && grep -q wineserver "/proc/$old/cmdline" 2>/dev/null; then
      say "stopping the wineserver a previous run left ($old)"
      wineserver -k </dev/null >/dev/null 2>&1 || true
      kill "$old" 2>/dev/null || true
    fi
    rm -f "$PIDFILE"
  fi
  mkdir -p "$WINEPREFIX"
  # Persistent, our own, output to a file; the lock's fd is not inherited.
  wineserver -p -f </dev/null >"$MYWINE/wineserver.log" 2>&1 9>&- &
  SERVER=$!
  echo "$SERVER" >"$PIDFILE"
  trap stop_wine EXIT
  trap 'exit 130' INT TERM
  sleep 0.5
  kill -0 "$SERVER" 2>/dev/null || die "wineserver did not start (see $MYWINE/wineserver.log)"
  say "booting the Wine prefix $WINEPREFIX"
  "$WINE64" wineboot -u </dev/null >"$MYWINE/wineboot.log" 2>&1 9>&- ||
    die "wineboot failed (see $MYWINE/wineboot.log)"
}

prove() {  # arch
  arch=$1 bits=64
  [ "$arch" = x86_64 ] || bits=32
  k=$(proof_key "$arch")
  stamp_ok "$arch-proof" "$k" && return 0
  prefix=$DEPS/$arch
  bdir=$PROOF_DIR/$arch
  log=$DEPS/logs/$arch-proof
  say "building the proof program for $arch"
  rm -rf "$bdir"
  cmake -S "$PROOF_DIR/src" -B "$bdir" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_TOOLCHAIN_FILE="$prefix/toolchain.cmake" -DCMAKE_PREFIX_PATH="$prefix" \
    >"$log.configure.log" 2>&1 ||
    { tail -40 "$log.configure.log" >&2; die "configuring the proof for $arch failed (see $log.configure.log)"; }
  cmake --build "$bdir" -j "$JOBS" -v >"$log.build.log" 2>&1 ||
    { tail -40 "$log.build.log" >&2; die "building the proof for $arch failed (see $log.build.log)"; }
  exe=$bdir/deps_proof.exe
  # Windows system DLLs only.
  x86_64-w64-mingw32-objdump -p "$exe" | sed -n 's/^[[:space:]]*DLL Name: //p' >"$PROOF_DIR/$arch-imports.txt"
  bad=$(grep -iE '^(lib|stdc|gcc|winpthread|mingw|cyg)' "$PROOF_DIR/$arch-imports.txt" || true)
  [ -z "$bad" ] || die "deps_proof.exe ($arch) imports non-system DLLs: $(echo "$bad" | tr '\n' ' ')"
  rm -f "$DEPS/stamps/$arch-proof.skipped"
  if [ "$arch" != x86_64 ] && [ "$IA32" = no ]; then
    x86_64-w64-mingw32-objdump -f "$exe" | grep -q 'file format pei-i386' ||
      die "deps_proof.exe ($arch) is not a PE32 i386 program"
    say "$arch: imports: $(tr '\n' ' ' <"$PROOF_DIR/$arch-imports.txt")"
    echo "proof NOT RUN under Wine: $IA32_REASON" >"$DEPS/stamps/$arch-proof.skipped"
    echo "$k" >"$DEPS/stamps/$arch-proof"
    return 0
  fi
  start_wine
  out=$PROOF_DIR/$arch-output.txt
  rc=0
  timeout 300 "$WINE64" "$exe" </dev/null >"$out.raw" 2>&1 9>&- || rc=$?
  tr -d '\r' <"$out.raw" >"$out"
  rm -f "$out.raw"
  # Its output, not only its exit code: a 32-bit program that cannot start exits 0 silently.
  ok=1
  for want in "deps_proof: $bits-bit" \
    "sqlite3 $(upstream sqlite3) (threadsafe=1, column metadata=1, fts5=1), SQLiteCpp " \
    ": rows=5 sum=105" \
    "yaml-cpp $(upstream yaml-cpp | sed 's/+.*//'): name=vtm-review iterations=60 steps=3 last=close" \
    "pugixml $(upstream pugixml): ok browser=ie11 iterations=2 mib=81.5" \
    "googletest $(upstream googletest), benchmark $(upstream benchmark)" \
    "[  PASSED  ] 2 tests." "BM_YamlLoad" "benchmarks run: 1" "deps_proof: done"; do
    grep -qF -- "$want" "$out" || { say "$arch: missing in the output: $want"; ok=0; }
  done
  if [ "$ok" != 1 ] || [ "$rc" != 0 ]; then
    sed 's/^/  /' "$out" >&2
    die "the proof program failed for $arch (exit code $rc; output in $out)"
  fi
  say "$arch: deps_proof.exe runs under Wine; imports: $(tr '\n' ' ' <"$PROOF_DIR/$arch-imports.txt")"
  sed 's/^/  /' "$out" >&2
  echo "$k" >"$DEPS/stamps/$arch-proof"
}
for arch in $ARCHES; do prove "$arch"; done
stop_wine
# The Wine prefix (~700 MB: Wine copies its PE DLLs into it) is only for the proof; the next
# proof boots a fresh one (~20 s).
rm -rf "$WINEPREFIX"
for arch in $ARCHES; do
  [ ! -f "$DEPS/stamps/$arch-proof.skipped" ] || say "$arch: $(cat "$DEPS/stamps/$arch-proof.skipped")"
done
say "done: $DEPS/x86_64 and $DEPS/i686 ($(versions))"
