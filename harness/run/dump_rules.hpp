// DebugDiag-style dump rules: when a metric first passes `start`, then every `step` above that,
// at most `max` times. Pure state machine; the runner feeds it sampled values and takes the
// dumps it asks for.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "harness/scenario/scenario.hpp"

namespace harness {

struct DumpTrigger {
  std::size_t rule = 0;   // index into the rules
  int number = 0;         // 1-based: the n-th dump of this rule
  double threshold = 0;   // the threshold that was passed
  double value = 0;       // the sampled value that passed it
  std::string describe;   // "private >= 300.0 MiB (rule 1, dump 1/10)"
};

class DumpRules {
 public:
  explicit DumpRules(std::vector<DumpRule> rules);

  // The dumps that `value` of `metric` calls for. Several thresholds passed at once (a spike
  // between samples) give one dump, and the next threshold is the first above the value.
  std::vector<DumpTrigger> observe(const std::string& metric, double value);
  bool empty() const { return rules_.empty(); }
  bool uses(const std::string& metric) const;

 private:
  struct State {
    DumpRule rule;
    double next = 0;
    int taken = 0;
  };
  std::vector<State> rules_;
};

}  // namespace harness
