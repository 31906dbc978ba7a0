#include "harness/run/dump_rules.hpp"

#include <fmt/format.h>

#include <cmath>

#include "harness/model/units.hpp"

namespace harness {

DumpRules::DumpRules(std::vector<DumpRule> rules) {
  for (auto& r : rules) {
    const double start = static_cast<double>(r.start_bytes);
    rules_.push_back({r, start, start, 0, !r.relative});
  }
}

bool DumpRules::uses(const std::string& metric) const {
  for (const auto& s : rules_) {
    if (s.rule.metric == metric) return true;
  }
  return false;
}

bool DumpRules::waiting_for_baseline(const std::string& metric) const {
  for (const auto& s : rules_) {
    if (s.rule.metric == metric && !s.armed) return true;
  }
  return false;
}

void DumpRules::set_baseline(const std::string& metric, double baseline) {
  for (auto& s : rules_) {
    if (s.rule.metric != metric || s.armed) continue;
    s.first = baseline + static_cast<double>(s.rule.start_bytes);
    s.next = s.first;
    s.armed = true;
  }
}

std::optional<double> DumpRules::first_threshold(std::size_t rule) const {
  if (rule >= rules_.size() || !rules_[rule].armed) return std::nullopt;
  return rules_[rule].first;
}

std::vector<DumpTrigger> DumpRules::observe(const std::string& metric, double value) {
  std::vector<DumpTrigger> out;
  for (std::size_t i = 0; i < rules_.size(); ++i) {
    State& s = rules_[i];
    if (s.rule.metric != metric || !s.armed || s.taken >= s.rule.max || value < s.next) continue;
    DumpTrigger t;
    t.rule = i;
    t.number = ++s.taken;
    t.threshold = s.next;
    t.value = value;
    t.describe = s.rule.relative
                     ? fmt::format("{} >= {} (baseline + {}; rule {}, dump {}/{})", metric,
                                   format_bytes(s.next),
                                   format_bytes(s.next - s.first +
                                                static_cast<double>(s.rule.start_bytes)),
                                   i + 1, t.number, s.rule.max)
                     : fmt::format("{} >= {} (rule {}, dump {}/{})", metric, format_bytes(s.next),
                                   i + 1, t.number, s.rule.max);
    out.push_back(t);
    if (s.rule.step_bytes == 0) {
      s.taken = s.rule.max;  // a one-off rule
      continue;
    }
    const double step = static_cast<double>(s.rule.step_bytes);
    // The first threshold above the value: first + k·step.
    const double k = std::floor((value - s.first) / step) + 1;
    s.next = s.first + k * step;
  }
  return out;
}

}  // namespace harness
