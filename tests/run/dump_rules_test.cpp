#include "harness/run/dump_rules.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>

namespace harness {
namespace {

constexpr double MiB = 1024.0 * 1024.0;

DumpRule rule(const char* metric, double start_mib, double step_mib, int max) {
  DumpRule r;
  r.metric = metric;
  r.start_bytes = static_cast<std::uint64_t>(start_mib * MiB);
  r.step_bytes = static_cast<std::uint64_t>(step_mib * MiB);
  r.max = max;
  return r;
}

TEST(DumpRules, DebugDiagStartThenEveryStepUpToMax) {
  // The customer's rule: private bytes 300 MiB, then every +100 MiB, at most 10 dumps.
  DumpRules rules({rule("private", 300, 100, 3)});
  EXPECT_TRUE(rules.observe("private", 299 * MiB).empty());
  auto first = rules.observe("private", 301 * MiB);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].number, 1);
  EXPECT_EQ(first[0].threshold, 300 * MiB);
  EXPECT_EQ(first[0].describe, "private >= 300.0 MiB (rule 1, dump 1/3)");
  EXPECT_TRUE(rules.observe("private", 350 * MiB).empty());
  // A spike past several thresholds is one dump; the next threshold is the first above it.
  auto spike = rules.observe("private", 620 * MiB);
  ASSERT_EQ(spike.size(), 1u);
  EXPECT_EQ(spike[0].threshold, 400 * MiB);
  EXPECT_TRUE(rules.observe("private", 690 * MiB).empty());
  auto third = rules.observe("private", 700 * MiB);
  ASSERT_EQ(third.size(), 1u);
  EXPECT_EQ(third[0].number, 3);
  EXPECT_TRUE(rules.observe("private", 2000 * MiB).empty());  // max reached
}

TEST(DumpRules, MetricsAreIndependentAndOneOffRulesFireOnce) {
  DumpRules rules({rule("private", 10, 0, 5), rule("virtual", 500, 200, 10)});
  EXPECT_TRUE(rules.uses("virtual"));
  EXPECT_EQ(rules.observe("virtual", 11 * MiB).size(), 0u);
  EXPECT_EQ(rules.observe("private", 11 * MiB).size(), 1u);
  EXPECT_EQ(rules.observe("private", 500 * MiB).size(), 0u);  // step 0: once only
  EXPECT_EQ(rules.observe("virtual", 501 * MiB).size(), 1u);
}

TEST(DumpRules, RelativeRulesWaitForTheirBaseline) {
  DumpRule r = rule("private", 16, 16, 3);
  r.relative = true;
  DumpRules rules({r, rule("private", 500, 0, 1)});
  EXPECT_TRUE(rules.waiting_for_baseline("private"));
  EXPECT_FALSE(rules.waiting_for_baseline("virtual"));
  EXPECT_TRUE(rules.observe("private", 200 * MiB).empty());  // set-up: the relative rule sleeps
  EXPECT_FALSE(rules.first_threshold(0).has_value());
  rules.set_baseline("private", 40 * MiB);
  EXPECT_EQ(rules.first_threshold(0), 56 * MiB);
  EXPECT_EQ(rules.first_threshold(1), 500 * MiB);  // absolute rules are not moved
  EXPECT_TRUE(rules.observe("private", 55 * MiB).empty());
  auto first = rules.observe("private", 57 * MiB);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].describe, "private >= 56.0 MiB (baseline + 16.0 MiB; rule 1, dump 1/3)");
  auto second = rules.observe("private", 90 * MiB);  // passes 72 and 88 at once
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].threshold, 72 * MiB);
  EXPECT_EQ(rules.observe("private", 103 * MiB).size(), 0u);  // next: 104
  EXPECT_EQ(rules.observe("private", 104 * MiB).size(), 1u);
}

// The renderer's private memory, sample by sample, of a real run (tests/data/dump-rules-series.csv).
struct RecordedSample {
  std::int64_t t_ms;
  double bytes;
};

std::vector<RecordedSample> recorded_series() {
  std::ifstream in(std::string(HARNESS_TEST_DATA) + "/dump-rules-series.csv");
  std::vector<RecordedSample> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#' || line[0] == 't') continue;
    std::istringstream fields(line);
    std::string t, iteration, bytes;
    std::getline(fields, t, ',');
    std::getline(fields, iteration, ',');
    std::getline(fields, bytes, ',');
    out.push_back({std::stoll(t), std::stod(bytes)});
  }
  return out;
}

TEST(DumpRules, ARecordedRunReplaysToTheDumpsItTook) {
  // What the run recorded: its relative rule armed at 1712 ms on a 27013120-byte baseline, and
  // its three heap snapshots at these values.
  DumpRule r = rule("private", 16, 16, 3);
  r.relative = true;
  DumpRules rules({r});
  rules.set_baseline("private", 27013120);
  std::vector<DumpTrigger> dumps;
  for (const auto& s : recorded_series()) {
    if (s.t_ms < 1712) continue;
    for (auto& t : rules.observe("private", s.bytes)) dumps.push_back(t);
  }
  ASSERT_EQ(dumps.size(), 3u);
  EXPECT_EQ(dumps[0].value, 44838912);
  EXPECT_EQ(dumps[1].value, 75739136);
  EXPECT_EQ(dumps[2].value, 106090496);
  for (std::size_t i = 0; i < dumps.size(); ++i) {
    EXPECT_EQ(dumps[i].threshold, 27013120 + 16 * MiB * static_cast<double>(i + 1));
  }
}

// DebugDiag's semantics over the recorded curve, whose samples swing by up to 45 MiB between
// two readings (garbage built and collected): with 4 MiB steps a single sample often passes
// several thresholds. Each such sample is one dump, and a dump happens exactly when a sample
// reaches a step that no earlier sample reached: the same as counting new record levels.
TEST(DumpRules, SamplesThatPassSeveralStepsAtOnceGiveOneDumpEach) {
  const auto series = recorded_series();
  ASSERT_GT(series.size(), 50u);
  const double start = 32 * MiB, step = 4 * MiB;
  DumpRules rules({rule("private", 32, 4, 1000)});
  int dumps = 0, multi_step = 0;
  double highest_level = -1;  // the highest step level reached so far (-1: below start)
  double previous_value = 0;
  for (const auto& s : series) {
    const auto triggers = rules.observe("private", s.bytes);
    ASSERT_LE(triggers.size(), 1u) << "at " << s.t_ms << " ms";
    const double level = s.bytes < start ? -1 : std::floor((s.bytes - start) / step);
    const bool new_level = level > highest_level;
    EXPECT_EQ(!triggers.empty(), new_level) << "at " << s.t_ms << " ms, " << s.bytes;
    if (!triggers.empty()) {
      const DumpTrigger& t = triggers[0];
      ++dumps;
      EXPECT_EQ(t.number, dumps);
      EXPECT_LE(t.threshold, t.value);
      // The threshold it passed is the first step above the previous dump's value.
      if (dumps > 1) {
        EXPECT_GT(t.threshold, previous_value);
        EXPECT_LE(t.threshold - step, previous_value);
      }
      if (t.value - t.threshold >= step) ++multi_step;
      previous_value = t.value;
    }
    highest_level = std::max(highest_level, level);
  }
  EXPECT_GE(dumps, 10);
  EXPECT_GE(multi_step, 3) << "the series should exercise jumps over several steps";
}

}  // namespace
}  // namespace harness
