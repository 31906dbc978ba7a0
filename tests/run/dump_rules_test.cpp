#include "harness/run/dump_rules.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

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

}  // namespace
}  // namespace harness
