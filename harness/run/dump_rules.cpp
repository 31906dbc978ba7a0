#include "harness/run/dump_rules.hpp"

#include <fmt/format.h>

#include <cmath>

#include "harness/scenario/size.hpp"

namespace harness {

DumpRules::DumpRules(std::vector<DumpRule> rules) {
  for (auto& r : rules) rules_.push_back({r, static_cast<double>(r.start_bytes), 0});
}

bool DumpRules::uses(const std::string& metric) const {
  for (const auto& s : rules_) {
    if (s.rule.metric == metric) return true;
  }
  return false;
}

std::vector<DumpTrigger> DumpRules::observe(const std::string& metric, double value) {
  std::vector<DumpTrigger> out;
  for (std::size_t i = 0; i < rules_.size(); ++i) {
    State& s = rules_[i];
    if (s.rule.metric != metric || s.taken >= s.rule.max || value < s.next) continue;
    DumpTrigger t;
    t.rule = i;
    t.number = ++s.taken;
    t.threshold = s.next;
    t.value = value;
    t.describe = fmt::format("{} >= {} (rule {}, dump {}/{})", metric, format_bytes(s.next), i + 1,
                             t.number, s.rule.max);
    out.push_back(t);
    if (s.rule.step_bytes == 0) {
      s.taken = s.rule.max;  // a one-off rule
      continue;
    }
    const double step = static_cast<double>(s.rule.step_bytes);
    // The first threshold above the value: start + k·step.
    const double k = std::floor((value - static_cast<double>(s.rule.start_bytes)) / step) + 1;
    s.next = static_cast<double>(s.rule.start_bytes) + k * step;
  }
  return out;
}

}  // namespace harness
