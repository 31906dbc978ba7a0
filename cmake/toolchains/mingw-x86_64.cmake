# 64-bit Windows programs with Debian's mingw-w64 (g++-mingw-w64-x86-64-posix).
#   cmake --preset windows-x64   (CMakePresets.json)
set(MINGW_TRIPLET x86_64-w64-mingw32)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(CMAKE_SYSTEM_NAME Windows)
# Debian's "-posix" variants: std::thread and std::mutex through winpthreads.
set(CMAKE_C_COMPILER ${MINGW_TRIPLET}-gcc-posix)
set(CMAKE_CXX_COMPILER ${MINGW_TRIPLET}-g++-posix)
set(CMAKE_RC_COMPILER ${MINGW_TRIPLET}-windres)
# Headers, libraries and packages from the target sysroot only; programs from the host.
set(CMAKE_FIND_ROOT_PATH /usr/${MINGW_TRIPLET})
# The libraries scripts/windows-deps.sh builds from Debian's source packages (the presets pass
# HARNESS_DEPS_PREFIX=build-deps/<arch>).
if(HARNESS_DEPS_PREFIX)
  list(APPEND CMAKE_FIND_ROOT_PATH ${HARNESS_DEPS_PREFIX})
endif()
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
foreach(kind LIBRARY INCLUDE PACKAGE)
  set(CMAKE_FIND_ROOT_PATH_MODE_${kind} ONLY)
endforeach()
# Self-contained executables: no libgcc/libstdc++/winpthread DLLs to ship to a lab VM.
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static -static-libgcc -static-libstdc++")
# ctest and gtest_discover_tests run the programs through Wine. wine64 runs i686 programs too
# (Wine's new WoW64 mode; scripts/test-windows.sh provides the i386 DLLs through WINEDLLPATH).
find_program(HARNESS_WINE64 NAMES wine64 PATHS /usr/lib/wine NO_DEFAULT_PATH)
if(NOT HARNESS_WINE64)
  find_program(HARNESS_WINE64 NAMES wine64)
endif()
if(HARNESS_WINE64)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${HARNESS_WINE64})
endif()
