# IE11 / Edge IE mode (issue 5): the portable parts build into harness_lib on every platform;
# the Windows implementations (registry, Toolhelp32 sampling, job objects, minidumps) are
# cross-built with mingw-w64 by windows/CMakeLists.txt and tested under Wine
# (scripts/test-windows.sh). Included from the top-level CMakeLists.txt.

target_sources(harness_lib PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/../harness/browser/ie.cpp
  ${CMAKE_CURRENT_LIST_DIR}/../harness/platform/registry.cpp
  ${CMAKE_CURRENT_LIST_DIR}/../harness/platform/registry_journal.cpp
  ${CMAKE_CURRENT_LIST_DIR}/../harness/platform/windows_process_model.cpp
  ${CMAKE_CURRENT_LIST_DIR}/../harness/platform/windows_unicode.cpp
)

if(HARNESS_BUILD_TESTS)
  enable_testing()
  find_package(GTest REQUIRED)
  include(GoogleTest)
  # Linux unit tests of the portable logic; the registry and IE checks run over an in-memory
  # registry (tests/windows/fake_registry.hpp). The same files also run under Wine.
  add_executable(harness_ie_tests
    ${PROJECT_SOURCE_DIR}/tests/browser/ie_test.cpp
    ${PROJECT_SOURCE_DIR}/tests/platform/registry_journal_test.cpp
    ${PROJECT_SOURCE_DIR}/tests/windows/windows_process_model_test.cpp
  )
  target_include_directories(harness_ie_tests PRIVATE ${PROJECT_SOURCE_DIR})
  target_link_libraries(harness_ie_tests PRIVATE harness_lib GTest::gtest_main GTest::gmock)
  gtest_discover_tests(harness_ie_tests DISCOVERY_TIMEOUT 60 PROPERTIES LABELS unit)
endif()
