#include "harness/report/table.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "harness/model/units.hpp"
#include "harness/model/variant.hpp"

namespace harness {

std::string render_summary_table(const std::vector<RunSummary>& runs) {
  const std::vector<std::string> header = {"run",    "status", "verdict", "iterations",
                                           "renderer after GC", "growth", "time"};
  std::vector<std::vector<std::string>> rows;
  for (const auto& s : runs) {
    const RunInfo& r = s.info;
    std::string label = r.browser;
    if (!r.variant.empty()) label += " " + variant_label(r.variant, " ");
    const Curve curve = curve_of(s.checkpoints, kDefaultCurveMetric);
    std::string memory = "-";
    std::string growth = "-";
    if (!curve.points.empty()) {
      const auto& first = curve.points.front();
      const auto& last = curve.points.back();
      memory = fmt::format("{} -> {}", format_bytes(first.value), format_bytes(last.value));
      const double delta = last.value - first.value;
      growth = (delta >= 0 ? "+" : "-") + format_bytes(std::abs(delta));
      if (last.iteration > first.iteration) {
        growth += fmt::format(" ({}/it)",
                              format_bytes(delta / (last.iteration - first.iteration)));
      }
    }
    std::string verdict = s.verdict ? verdict_name(s.verdict->kind) : "-";
    if (s.expectations.declared) verdict += s.expectations.met ? " (as expected)" : " (UNEXPECTED)";
    rows.push_back({label, status_name(r.status), verdict,
                    fmt::format("{}/{}", r.iterations_completed, r.iterations_planned), memory,
                    growth, fmt::format("{:.1f} s", r.duration_s)});
  }
  std::vector<std::size_t> width(header.size());
  for (std::size_t c = 0; c < header.size(); ++c) {
    width[c] = header[c].size();
    for (const auto& row : rows) width[c] = std::max(width[c], row[c].size());
  }
  auto line = [&](const std::vector<std::string>& cells) {
    std::string out;
    for (std::size_t c = 0; c < cells.size(); ++c) {
      out += cells[c];
      if (c + 1 < cells.size()) out += std::string(width[c] - cells[c].size() + 2, ' ');
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out + "\n";
  };
  std::string text = line(header);
  for (const auto& row : rows) text += line(row);
  return text;
}

}  // namespace harness
