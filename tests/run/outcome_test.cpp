// Every way a run can end, decided without a browser.
#include "harness/run/outcome.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace harness {
namespace {

using ::testing::HasSubstr;

Ceiling ceiling(CeilingEnforcement enforce, double mib) {
  Ceiling c;
  c.bytes = static_cast<std::uint64_t>(mib * 1048576);
  c.enforce = enforce;
  return c;
}

std::vector<std::string> kinds(const Outcome& o) {
  std::vector<std::string> out;
  for (const auto& e : o.events) out.push_back(e.kind);
  return out;
}

TEST(Outcome, CompletedSaysHowManyAndWhetherAnAdaptiveRunDecided) {
  OutcomeFacts f;
  f.iterations_completed = 60;
  Outcome o = decide_outcome(f);
  EXPECT_EQ(o.status, RunStatus::kCompleted);
  EXPECT_EQ(o.reason, "60 iterations completed");
  EXPECT_TRUE(o.events.empty());
  EXPECT_FALSE(o.crashed_or_hung);
  f.adaptive = true;
  f.iterations_completed = 25;
  f.verdict_decided = true;
  EXPECT_EQ(decide_outcome(f).reason, "25 iterations completed (adaptive: verdict decided)");
  f.verdict_decided = false;
  EXPECT_EQ(decide_outcome(f).reason,
            "25 iterations completed (adaptive: maximum reached without a decided verdict)");
}

TEST(Outcome, AStepFailureNamesTheStepAndKeepsAScreenshot) {
  OutcomeFacts f;
  f.end = DriveEnd::kStepFailed;
  f.message = "scenarios/x.yaml:12:5: click #next: no element matches within 10000 ms";
  f.step_label = "click #next";
  f.step_where = {"scenarios/x.yaml", 12, 5};
  const Outcome o = decide_outcome(f);
  EXPECT_EQ(o.status, RunStatus::kStepFailed);
  EXPECT_EQ(o.reason, f.message);
  ASSERT_EQ(kinds(o), std::vector<std::string>{"step_failed"});
  EXPECT_EQ(o.events[0].details["where"], "scenarios/x.yaml:12:5");
  EXPECT_EQ(o.events[0].details["step"], "click #next");
  EXPECT_TRUE(o.failure_screenshot);
  EXPECT_FALSE(o.crashed_or_hung);
}

TEST(Outcome, AStepThatFailedBecauseThePageHungIsAHang) {
  OutcomeFacts f;
  f.end = DriveEnd::kStepFailed;
  f.hung = true;
  f.hang_ms = 10000;
  f.iteration = 7;
  const Outcome o = decide_outcome(f);
  EXPECT_EQ(o.status, RunStatus::kHung);
  EXPECT_EQ(o.reason, "the page stopped answering at iteration 7 (more than 10000 ms); evidence "
                      "in dumps/");
  EXPECT_TRUE(o.crashed_or_hung);
  EXPECT_FALSE(o.failure_screenshot);
}

TEST(Outcome, ABrowserThatWentAwayCrashed) {
  OutcomeFacts f;
  f.end = DriveEnd::kBrowserLost;
  f.iteration = 12;
  f.message = "the page's renderer crashed: status killed, error code 9";
  const Outcome o = decide_outcome(f);
  EXPECT_EQ(o.status, RunStatus::kCrashed);
  EXPECT_EQ(o.reason, "the browser went away at iteration 12: " + f.message);
  EXPECT_EQ(kinds(o), std::vector<std::string>{"crashed"});
  EXPECT_TRUE(o.crashed_or_hung);
}

TEST(Outcome, ARendererEndedByTheCeilingGuardReachedTheCeiling) {
  OutcomeFacts f;
  f.end = DriveEnd::kBrowserLost;
  f.iteration = 104;
  f.ceiling = ceiling(CeilingEnforcement::kKill, 1300);
  f.ceiling_killed = true;
  const Outcome o = decide_outcome(f);
  EXPECT_EQ(o.status, RunStatus::kCeilingReached);
  EXPECT_THAT(o.reason, HasSubstr("passed the ceiling of 1.27 GiB at iteration 104"));
  EXPECT_THAT(o.reason, HasSubstr("enforce: kill"));
  EXPECT_FALSE(o.ceiling_reached_bytes);  // the guard recorded it when it acted
}

TEST(Outcome, ALimitDeathNearTheCeilingReachedItAFarOneCrashed) {
  OutcomeFacts f;
  f.end = DriveEnd::kBrowserLost;
  f.iteration = 104;
  f.message = "renderer out of memory";
  f.ceiling = ceiling(CeilingEnforcement::kLimit, 1000);
  f.renderer_bytes_before_death = 0.9 * 1000 * 1048576;  // 90 % of the ceiling
  Outcome o = decide_outcome(f);
  EXPECT_EQ(o.status, RunStatus::kCeilingReached);
  EXPECT_THAT(o.reason, HasSubstr("enforce: limit"));
  ASSERT_TRUE(o.ceiling_reached_bytes);
  EXPECT_EQ(*o.ceiling_reached_bytes, f.renderer_bytes_before_death);
  EXPECT_EQ(kinds(o), (std::vector<std::string>{"ceiling_reached", "crashed"}));
  // Below 85 % of it, the renderer died of something else.
  f.renderer_bytes_before_death = 0.5 * 1000 * 1048576;
  o = decide_outcome(f);
  EXPECT_EQ(o.status, RunStatus::kCrashed);
  EXPECT_FALSE(o.ceiling_reached_bytes);
  // observe and kill modes never read a death as the limit's.
  f.renderer_bytes_before_death = 0.99 * 1000 * 1048576;
  f.ceiling = ceiling(CeilingEnforcement::kObserve, 1000);
  EXPECT_EQ(decide_outcome(f).status, RunStatus::kCrashed);
}

TEST(Outcome, InterruptedErrorAndLaunchFailure) {
  OutcomeFacts f;
  f.end = DriveEnd::kInterrupted;
  f.iterations_completed = 4;
  Outcome o = decide_outcome(f);
  EXPECT_EQ(o.status, RunStatus::kInterrupted);
  EXPECT_EQ(o.reason, "interrupted by the user after 4 iterations");
  EXPECT_EQ(kinds(o), std::vector<std::string>{"interrupted"});

  f.end = DriveEnd::kError;
  f.message = "results database is locked";
  o = decide_outcome(f);
  EXPECT_EQ(o.status, RunStatus::kError);
  EXPECT_EQ(o.reason, "results database is locked");
  EXPECT_EQ(kinds(o), std::vector<std::string>{"error"});

  f.end = DriveEnd::kLaunchFailed;
  f.message = "'/usr/bin/chromedriver' does not exist";
  o = decide_outcome(f);
  EXPECT_EQ(o.status, RunStatus::kError);
  EXPECT_EQ(o.reason, "the browser could not be started: '/usr/bin/chromedriver' does not exist");
  EXPECT_EQ(kinds(o), std::vector<std::string>{"launch_failed"});
}

TEST(Outcome, EveryStatusButRunningIsReachable) {
  std::set<RunStatus> reached;
  for (DriveEnd end : {DriveEnd::kCompleted, DriveEnd::kStepFailed, DriveEnd::kBrowserLost,
                       DriveEnd::kInterrupted, DriveEnd::kError, DriveEnd::kLaunchFailed}) {
    for (bool hung : {false, true}) {
      for (bool killed : {false, true}) {
        OutcomeFacts f;
        f.end = end;
        f.hung = hung;
        f.ceiling_killed = killed;
        f.ceiling = ceiling(CeilingEnforcement::kKill, 100);
        reached.insert(decide_outcome(f).status);
      }
    }
  }
  for (RunStatus s : all_run_statuses()) {
    if (s == RunStatus::kRunning) continue;
    EXPECT_TRUE(reached.count(s)) << status_name(s);
  }
}

}  // namespace
}  // namespace harness
