#include "harness/report/report_text.hpp"

#include <fmt/format.h>

#include <cmath>

#include "harness/model/units.hpp"
#include "harness/model/variant.hpp"

namespace harness {

std::string truncate_text(std::string_view text, std::size_t max_chars) {
  std::size_t chars = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) continue;
    if (chars++ == max_chars) return std::string(text.substr(0, i)) + "\xE2\x80\xA6";
  }
  return std::string(text);
}

std::string variant_text(const std::vector<std::pair<std::string, std::string>>& variant) {
  return variant_label(variant);
}

std::string run_label(const RunInfo& r) {
  const std::string v = variant_text(r.variant);
  return v.empty() ? r.browser : r.browser + " " + v;
}

std::string bytes_text(double bytes) { return std::isfinite(bytes) ? format_bytes(bytes) : "-"; }

std::string signed_bytes(double bytes) {
  if (!std::isfinite(bytes)) return "-";
  return (bytes >= 0 ? "+" : "-") + format_bytes(std::fabs(bytes));
}

std::string duration_text(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "-";
  if (seconds < 120) return fmt::format("{:.1f} s", seconds);
  if (seconds < 7200) {
    const auto total = static_cast<long long>(std::llround(seconds));
    return fmt::format("{} min {} s", total / 60, total % 60);
  }
  return fmt::format("{:.1f} h", seconds / 3600);
}

std::string time_ms_text(std::int64_t t_ms) { return fmt::format("{:.1f} s", t_ms / 1000.0); }

std::string iterations_text(double iteration) {
  return std::isfinite(iteration) ? fmt::format("{:.0f}", iteration) : "?";
}

std::string dump_kind_text(const std::string& kind) {
  if (kind == "heap_snapshot") return "heap snapshot";
  if (kind == "hang_stack") return "hang stack";
  return kind;
}

std::string projection_text(const Projection& p) {
  std::string text = fmt::format("iteration {}", iterations_text(p.iteration));
  if (p.iteration_earliest || p.iteration_latest) {
    text += fmt::format(" (95 % CI {}–{})",
                        p.iteration_earliest ? iterations_text(*p.iteration_earliest) : "?",
                        p.iteration_latest ? iterations_text(*p.iteration_latest) : "never");
  }
  text += fmt::format(", {} after the start", duration_text(p.seconds));
  if (!p.trend_metric.empty()) {
    text += fmt::format(" (the {} line plus {} of headroom the peaks keep above it)",
                        p.trend_metric, bytes_text(p.headroom_bytes));
  }
  return text;
}

}  // namespace harness
