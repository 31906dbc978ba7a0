// Small HTML fragments the report's sections share: escaping, relative links, badges and the
// line-style swatches that tie a table row to its chart curve. Every text goes through esc.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "harness/analyze/compare.hpp"
#include "harness/model/analysis.hpp"
#include "harness/model/run_model.hpp"
#include "harness/report/svg_chart.hpp"

namespace harness::html {

// How much one table lists; the rest stays in summary.json.
inline constexpr std::size_t kMaxListedRows = 30;     // events, history rows
inline constexpr std::size_t kMaxListedErrors = 20;   // distinct JavaScript errors per run
inline constexpr std::size_t kMaxMessageChars = 300;  // one message in a table cell

std::string esc(std::string_view text);  // escape_markup

// A relative URL for `file` in `dir` (either may be empty), escaped for an attribute:
// backslashes become slashes, everything outside the safe set is percent-encoded; absolute
// Windows paths become file:/// URLs.
std::string href(const std::string& dir, const std::string& file);
std::string link(const std::string& dir, const std::string& file, const std::string& text);

std::string verdict_badge(const std::optional<Verdict>& verdict);  // "no verdict" without one
std::string verdict_badge(const std::string& name);  // a verdict's name, or what stands for it
std::string status_badge(RunStatus status);
std::string change_badge(ChangeKind kind);

// A short line in the run's colour and line style, before its name in the tables.
std::string swatch(const std::string& color, LineStyle style);

}  // namespace harness::html
