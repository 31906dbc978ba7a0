# Dependencies of the Windows build (mingw-w64 cross compilers; presets windows-x64 and
# windows-x86). Included from the top-level CMakeLists.txt when WIN32.
#   - SQLite, SQLiteCpp, yaml-cpp, pugixml, GoogleTest, Google Benchmark: static libraries built
#     from Debian's source packages of the versions the Linux build uses, by
#     scripts/windows-deps.sh, in HARNESS_DEPS_PREFIX (build-deps/<arch>; the toolchain files add
#     it to the search roots).
#   - Boost (Asio, Beast, URL, Math, Archive's base64 iterators), fmt, spdlog, nlohmann/json and
#     CLI11 header-only, from the host's /usr/include, exposed one folder each: -I/usr/include
#     would pull in glibc's headers. Boost.URL's implementation is compiled in
#     platform/windows/boost_url_src.cpp, fmt's and spdlog's in platform/windows/fmt_spdlog_src.cpp.
if(NOT HARNESS_DEPS_PREFIX OR NOT EXISTS ${HARNESS_DEPS_PREFIX}/lib/libsqlite3.a)
  message(FATAL_ERROR "the Windows libraries are not built in '${HARNESS_DEPS_PREFIX}': run "
                      "HARNESS_WINDOWS=1 scripts/setup.sh (scripts/windows-deps.sh builds them "
                      "from Debian's source packages)")
endif()

# harness.exe, the tests and the synthetic IE side by side in bin/: the tests find the programs
# beside themselves, and the release zip takes harness.exe from there.
set(CMAKE_RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bin)

set(host_headers ${CMAKE_BINARY_DIR}/host-headers)
file(MAKE_DIRECTORY ${host_headers})
foreach(dir nlohmann fmt spdlog boost CLI)
  if(NOT EXISTS /usr/include/${dir})
    message(FATAL_ERROR "/usr/include/${dir} is missing: run scripts/setup.sh")
  endif()
  if(NOT EXISTS ${host_headers}/${dir})
    file(CREATE_LINK /usr/include/${dir} ${host_headers}/${dir} SYMBOLIC)
  endif()
endforeach()
add_library(harness_host_headers INTERFACE)
target_include_directories(harness_host_headers SYSTEM INTERFACE ${host_headers})
# fmt and spdlog compiled once (harness/platform/windows/fmt_spdlog_src.cpp) rather than
# header-only in every file: half the build time. Debian's spdlog/tweakme.h already sets
# SPDLOG_FMT_EXTERNAL.
target_compile_definitions(harness_host_headers INTERFACE SPDLOG_COMPILED_LIB BOOST_URL_NO_LIB
  BOOST_ALL_NO_LIB)
add_library(harness_fmt_spdlog STATIC ${PROJECT_SOURCE_DIR}/harness/platform/windows/fmt_spdlog_src.cpp)
target_include_directories(harness_fmt_spdlog SYSTEM PRIVATE ${host_headers})
target_compile_definitions(harness_fmt_spdlog PRIVATE SPDLOG_COMPILED_LIB)
target_compile_options(harness_fmt_spdlog PRIVATE -Wa,-mbig-obj)
target_link_libraries(harness_host_headers INTERFACE harness_fmt_spdlog)

find_package(SQLite3 REQUIRED)
find_package(SQLiteCpp REQUIRED)
find_package(yaml-cpp REQUIRED)
find_package(pugixml REQUIRED)

# Windows 10 API level; <windows.h> without min/max macros.
target_compile_definitions(harness_warnings INTERFACE
  _WIN32_WINNT=0x0A00 WINVER=0x0A00 NOMINMAX WIN32_LEAN_AND_MEAN UNICODE _UNICODE)
target_compile_options(harness_warnings INTERFACE -Wno-cast-function-type)
# Big objects (Beast, Asio, nlohmann in one file) exceed COFF's default section count.
target_compile_options(harness_warnings INTERFACE -Wa,-mbig-obj)

set(HARNESS_DEPENDENCIES harness_host_headers yaml-cpp SQLiteCpp SQLite::SQLite3
  pugixml::pugixml ws2_32 mswsock psapi dbghelp advapi32 version winhttp)
