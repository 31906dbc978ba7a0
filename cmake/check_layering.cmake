# The pipeline's direction (issue 10, README "Development"): a module may include its own files
# and the modules below it, never one above. Run as a test:
#   cmake -DROOT=<repo> -P cmake/check_layering.cmake
# Fails listing every include that points up (or sideways between modules of one rank).
#
#   rank  module     what it is
#   0     model      plain data: records, summaries, verdict and projection values, units, time
#   1     scenario   the scenario file: loading, validation, variants
#   2     platform   processes, memory, registry, dumps (platform/linux, platform/windows)
#   2     drive      WebDriver, CDP, HTTP, the step runner
#   2     serve      the page server and page-mode beacons
#   3     sample     the background sampler (a process source read at a fixed rate)
#   4     browser    profiles: launch, classify processes, counters (uses drive, platform; a
#                    session starts its own sampling)
#   5     store      SQLite and the run's saved files (summary.json, CSV)
#   6     analyze    pure functions: fits, verdicts, projections, comparisons
#   6     attribute  leak attribution: heap snapshots read as streams, growth across them,
#                    retainer paths; frames' DOM counts
#   7     report     renderers: tables, HTML, JUnit, Markdown, comparison (reads the store)
#   8     run        one run: the runner and its parts (drives, samples, stores, analyses)
#   8     grid       Selenium Grid: the node agent and the controller's Grid sessions (a
#                    browser profile whose sessions live on a node; used by cli only)
#   9     cli        one file per subcommand, progress on the terminal; main
# harness/error.hpp is rank 0 (typed errors, used everywhere).
cmake_minimum_required(VERSION 3.25)
if(NOT ROOT)
  message(FATAL_ERROR "pass -DROOT=<repository root>")
endif()
set(rank_model 0)
set(rank_error 0)
set(rank_scenario 1)
set(rank_platform 2)
set(rank_drive 2)
set(rank_serve 2)
set(rank_sample 3)
set(rank_browser 4)
set(rank_store 5)
set(rank_analyze 6)
set(rank_attribute 6)
set(rank_report 7)
set(rank_run 8)
set(rank_grid 8)
set(rank_cli 9)

file(GLOB_RECURSE files RELATIVE ${ROOT} ${ROOT}/harness/*.hpp ${ROOT}/harness/*.cpp)
set(violations "")
set(checked 0)
foreach(file IN LISTS files)
  string(REGEX MATCH "^harness/([a-z_]+)" _ ${file})
  set(module ${CMAKE_MATCH_1})
  if(module STREQUAL "error.hpp" OR module STREQUAL "error")
    set(module error)
  endif()
  if(NOT DEFINED rank_${module})
    list(APPEND violations "${file}: module '${module}' has no rank in cmake/check_layering.cmake")
    continue()
  endif()
  file(STRINGS ${ROOT}/${file} includes REGEX "^#include \"harness/")
  foreach(line IN LISTS includes)
    string(REGEX MATCH "^#include \"harness/([a-z_]+)" _ "${line}")
    set(target ${CMAKE_MATCH_1})
    if(target STREQUAL "error")
      set(target error)
    endif()
    math(EXPR checked "${checked} + 1")
    if(target STREQUAL module)
      continue()
    endif()
    if(NOT DEFINED rank_${target})
      list(APPEND violations "${file}: includes unknown module '${target}' (${line})")
    elseif(NOT rank_${target} LESS rank_${module})
      list(APPEND violations
           "${file} (${module}, rank ${rank_${module}}) includes ${target} (rank ${rank_${target}}): ${line}")
    endif()
  endforeach()
endforeach()
list(LENGTH files nfiles)
if(violations)
  list(LENGTH violations n)
  string(REPLACE ";" "\n  " text "${violations}")
  message(FATAL_ERROR "layering: ${n} include(s) against the pipeline's direction:\n  ${text}")
endif()
message(STATUS "layering: ${checked} includes in ${nfiles} files follow the pipeline's direction")
