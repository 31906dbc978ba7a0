// Wall-clock times as the results write them. Plain functions.
#pragma once

#include <chrono>
#include <string>

namespace harness {

// ISO 8601 UTC with milliseconds ("2026-11-22T17:01:02.345Z"), and the compact form used in
// run ids ("20261122T170102Z").
std::string utc_iso8601(std::chrono::system_clock::time_point t);
std::string utc_compact(std::chrono::system_clock::time_point t);

}  // namespace harness
