// DebugDiag-style dump rules: when a metric first passes `start`, then every `step` above that,
// at most `max` times. Pure state machine; the runner feeds it sampled values and takes the
// dumps it asks for.
//
// When memory jumps (one sample passes several thresholds at once, e.g. 280 -> 620 MiB with
// start 300, step 100) the rule writes ONE dump, and its next threshold is the first step above
// the value (700 MiB). This is DebugDiag's behaviour: it compares the counter with the next
// threshold on each poll, writes one dump, and moves on from where the counter is; a burst of
// dumps of the same moment would only spend the rule's `max` on identical evidence.
//
// A rule may be relative (`start: +64MiB`): its thresholds are counted from the metric's
// baseline, which the runner gives once measurement starts (set_baseline). Until then such a
// rule does not fire.
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

  // The dumps that `value` of `metric` calls for (see the top of this file for several
  // thresholds passed at once).
  std::vector<DumpTrigger> observe(const std::string& metric, double value);
  bool empty() const { return rules_.empty(); }
  bool uses(const std::string& metric) const;

  // Relative rules of `metric` that still wait for their baseline.
  bool waiting_for_baseline(const std::string& metric) const;
  // Arms the relative rules of `metric`: their first threshold becomes baseline + start.
  void set_baseline(const std::string& metric, double baseline);
  // The first threshold of rule i (for relative rules, once armed).
  std::optional<double> first_threshold(std::size_t rule) const;
  const DumpRule& rule(std::size_t i) const { return rules_[i].rule; }
  std::size_t size() const { return rules_.size(); }

 private:
  struct State {
    DumpRule rule;
    double first = 0;  // the first threshold (start, or baseline + start)
    double next = 0;
    int taken = 0;
    bool armed = false;
  };
  std::vector<State> rules_;
};

}  // namespace harness
