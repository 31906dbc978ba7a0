// Closing the record of a run whose harness died: a real SQLite store and a real summary.json
// left `running` become `interrupted`, with the reason and an event; the report can draw it.
#include "harness/run/abandoned_runs.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "harness/store/store.hpp"
#include "tests/remove_at_end.hpp"

namespace harness {
namespace {

using ::testing::HasSubstr;

TEST(AbandonedRuns, ARunningRunIsClosedAsInterruptedInTheStoreAndItsSummary) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("harness-abandoned-test-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  const testing::RemoveAtEnd remove_at_end{dir};  // after the store is closed
  const auto run_dir = dir / "run-1";
  std::filesystem::create_directories(run_dir);
  {
    Store store(dir / "harness.db");
    store.begin();
    RunInfo r;
    r.id = "run-1";
    r.scenario = "vtm-review";
    r.browser = "chromium";
    r.status = RunStatus::kRunning;
    r.started_at = "2026-12-05T01:00:00.000Z";
    store.upsert_run(r);
    for (int n = 1; n <= 3; ++n) store.insert_iteration(r.id, {n, n * 100, n * 100 + 90, true});
    store.insert_iteration(r.id, {4, 400, 0, false});  // the one it died in
    ProcessReading renderer;
    renderer.pid = 77;
    renderer.role = ProcessRole::kRenderer;
    store.insert_samples(r.id, SampleBatch{512, 4, {renderer}});
    store.commit();
  }
  std::ofstream(run_dir / "summary.json")
      << R"({"run_id": "run-1", "status": "running", "iterations_completed": 2, "events": []})";

  ReapedRun reaped;
  reaped.journal.owner = {4242, 1};
  reaped.journal.run_id = "run-1";
  reaped.journal.run_dir = run_dir;
  reaped.journal.database = dir / "harness.db";
  reaped.processes_ended = 9;
  reaped.temp_dirs_removed = {"/tmp/harness-chromium-x"};
  const std::string message = close_interrupted_run(reaped, "its watcher");
  EXPECT_THAT(message, HasSubstr("run run-1 was interrupted"));
  EXPECT_THAT(message, HasSubstr("its watcher ended 9 process(es)"));
  EXPECT_THAT(message, HasSubstr("marked interrupted after 3 iteration(s)"));

  Store store(dir / "harness.db");
  const auto run = store.run("run-1");
  ASSERT_TRUE(run);
  EXPECT_EQ(run->status, RunStatus::kInterrupted);
  EXPECT_EQ(run->iterations_completed, 3);
  EXPECT_THAT(run->reason, HasSubstr("ended without finishing the run"));
  EXPECT_FALSE(run->ended_at.empty());
  const auto events = store.events("run-1");
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back().kind, "interrupted");
  EXPECT_EQ(events.back().t_ms, 512);
  std::ifstream in(run_dir / "summary.json");
  const auto summary = nlohmann::json::parse(in);
  EXPECT_EQ(summary["status"], "interrupted");
  EXPECT_EQ(summary["iterations_completed"], 3);
  EXPECT_EQ(summary["events"].back()["kind"], "interrupted");
  EXPECT_FALSE(store.run_summary_json("run-1").empty());

  // Closing twice changes nothing.
  EXPECT_THAT(close_interrupted_run(reaped, "this harness"), HasSubstr("already closed"));
}

TEST(AbandonedRuns, TheNextHarnessPrintsTheWatchersNotesOnce) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("harness-abandoned-notes-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "run-7.interrupted") << "run run-7 was interrupted (...)\n";
  std::ostringstream err;
  EXPECT_EQ(recover_abandoned_runs(dir, err), 1u);
  EXPECT_EQ(err.str(), "harness: run run-7 was interrupted (...)\n");
  std::ostringstream again;
  EXPECT_EQ(recover_abandoned_runs(dir, again), 0u);
  EXPECT_TRUE(again.str().empty());
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace harness
