#include "harness/report/comparison.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "harness/model/units.hpp"

namespace harness {

using nlohmann::ordered_json;

namespace {
std::string signed_bytes(const std::optional<double>& value, const char* suffix) {
  if (!value) return "-";
  return (*value >= 0 ? "+" : "-") + format_bytes(std::abs(*value)) + suffix;
}
}  // namespace

std::string render_comparison_text(const Comparison& c) {
  const std::vector<std::string> header = {"run", "baseline", "candidate", "slope change",
                                           "peak change", "result"};
  std::vector<std::vector<std::string>> rows;
  for (const auto& p : c.pairs) {
    rows.push_back({p.label(), p.baseline_verdict, p.candidate_verdict,
                    signed_bytes(p.slope_delta_bytes, "/it"), signed_bytes(p.peak_delta_bytes, ""),
                    change_name(p.kind)});
  }
  std::vector<std::size_t> width(header.size());
  for (std::size_t i = 0; i < header.size(); ++i) {
    width[i] = header[i].size();
    for (const auto& row : rows) width[i] = std::max(width[i], row[i].size());
  }
  auto line = [&](const std::vector<std::string>& cells) {
    std::string out;
    for (std::size_t i = 0; i < cells.size(); ++i) {
      out += cells[i];
      if (i + 1 < cells.size()) out += std::string(width[i] - cells[i].size() + 2, ' ');
    }
    return out + "\n";
  };
  std::string text = line(header);
  for (const auto& row : rows) text += line(row);
  for (const auto& p : c.pairs) {
    text += fmt::format("\n{}: {}: {}\n", p.label(), change_name(p.kind), p.reason);
  }
  for (const auto& key : c.baseline_only) text += fmt::format("\nonly in the baseline: {}\n", key);
  for (const auto& key : c.candidate_only) {
    text += fmt::format("\nonly in the candidate: {}\n", key);
  }
  int regressions = 0, improvements = 0;
  for (const auto& p : c.pairs) {
    regressions += p.kind == ChangeKind::kRegression;
    improvements += p.kind == ChangeKind::kImprovement;
  }
  text += fmt::format("\n{} pair(s): {} regression(s), {} improvement(s)\n", c.pairs.size(),
                      regressions, improvements);
  return text;
}

ordered_json comparison_to_json(const Comparison& c) {
  ordered_json pairs = ordered_json::array();
  for (const auto& p : c.pairs) {
    ordered_json variant = ordered_json::object();
    for (const auto& [k, v] : p.variant) variant[k] = v;
    ordered_json metrics = ordered_json::array();
    for (const auto& m : p.metrics) {
      metrics.push_back({{"metric", m.metric},
                         {"unit", m.unit},
                         {"baseline_slope", m.baseline_slope},
                         {"candidate_slope", m.candidate_slope},
                         {"delta", m.delta},
                         {"z", std::isfinite(m.z) ? ordered_json(m.z) : ordered_json(nullptr)},
                         {"significant", m.significant}});
    }
    pairs.push_back(
        {{"scenario", p.scenario},
         {"browser", p.browser},
         {"variant", variant},
         {"baseline_run", p.baseline_run},
         {"candidate_run", p.candidate_run},
         {"baseline_verdict", p.baseline_verdict},
         {"candidate_verdict", p.candidate_verdict},
         {"slope_delta_bytes", p.slope_delta_bytes ? ordered_json(*p.slope_delta_bytes)
                                                   : ordered_json(nullptr)},
         {"peak_delta_bytes", p.peak_delta_bytes ? ordered_json(*p.peak_delta_bytes)
                                                 : ordered_json(nullptr)},
         {"result", change_name(p.kind)},
         {"reason", p.reason},
         {"metrics", metrics}});
  }
  return ordered_json{{"regression", c.has_regression()},
                      {"pairs", pairs},
                      {"baseline_only", c.baseline_only},
                      {"candidate_only", c.candidate_only}};
}

}  // namespace harness
