#include "harness/run/checkpoint_schedule.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace harness {
namespace {

using ::testing::ElementsAre;

std::vector<int> due_up_to(const CheckpointSchedule& s, int n) {
  std::vector<int> out;
  for (int i = 1; i <= n; ++i) {
    if (s.due(i)) out.push_back(i);
  }
  return out;
}

TEST(CheckpointSchedule, FixedRunsCheckEveryNAndAfterTheLast) {
  EXPECT_THAT(due_up_to({5, 22, false}, 22), ElementsAre(5, 10, 15, 20, 22));
  EXPECT_TRUE(CheckpointSchedule({5, 22, false}).early().empty());
}

TEST(CheckpointSchedule, AdaptiveRunsReachFourCheckpointsOverTenIterationsAtIterationTen) {
  const CheckpointSchedule s{5, 200, true};
  EXPECT_THAT(s.early(), ElementsAre(3, 7, 10));
  EXPECT_THAT(due_up_to(s, 25), ElementsAre(3, 7, 10, 15, 20, 25));
}

TEST(CheckpointSchedule, DenseSchedulesAreLeftAlone) {
  EXPECT_THAT(due_up_to({2, 200, true}, 10), ElementsAre(2, 4, 6, 8, 10));
  EXPECT_THAT(due_up_to({3, 200, true}, 12), ElementsAre(3, 6, 9, 12));
  EXPECT_THAT(due_up_to({10, 200, true}, 30), ElementsAre(3, 7, 10, 20, 30));
}

}  // namespace
}  // namespace harness

namespace harness {
namespace {

TEST(CheckpointSchedule, ANoisyAdaptiveRunChecksEveryIteration) {
  CheckpointSchedule s{5, 200, true};
  s.dense = true;
  EXPECT_EQ(due_up_to(s, 14), (std::vector<int>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14}));
  s.adaptive = false;  // a fixed run keeps its schedule
  EXPECT_EQ(due_up_to(s, 14), (std::vector<int>{5, 10}));
}

}  // namespace
}  // namespace harness
