// Plain text for people, shared by the HTML page and its charts' labels and tooltips: sizes,
// durations, run labels, the projection in one sentence. No markup here (html_markup.hpp escapes
// and wraps); never "nan" or "inf": a value that is not a number is "-" (or "?" for an
// iteration).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "harness/model/analysis.hpp"
#include "harness/model/run_model.hpp"

namespace harness {

// At most max_chars code points, "…" appended when cut (a stack trace in one table cell).
std::string truncate_text(std::string_view text, std::size_t max_chars);

// "retention=window,input=native"; "" for no variant.
std::string variant_text(const std::vector<std::pair<std::string, std::string>>& variant);
// "chromium retention=window"
std::string run_label(const RunInfo& r);

std::string bytes_text(double bytes);           // "142.0 MiB"
std::string signed_bytes(double bytes);         // "+9.5 MiB", "-120.0 KiB"
std::string duration_text(double seconds);      // "33.4 s", "4 min 38 s", "2.5 h"
std::string time_ms_text(std::int64_t t_ms);    // "13.1 s"
std::string iterations_text(double iteration);  // "94"

// "heap snapshot", "hang stack", else the kind as recorded ("minidump").
std::string dump_kind_text(const std::string& kind);

// "iteration 94 (95 % CI 90–99), 49.2 s after the start", with the trend line and headroom
// when the projection has them.
std::string projection_text(const Projection& p);

}  // namespace harness
