// `harness run` end to end: the real binary, real Chromium and chromedriver, a real SQLite file,
// real /proc. These tests assert ranges, not exact figures (fuite's habit): memory depends on
// the machine.
#include <SQLiteCpp/SQLiteCpp.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <thread>

#include "support.hpp"

namespace harness::testing {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

constexpr double kMiB = 1024.0 * 1024.0;

std::filesystem::path run_dir_of(const CommandResult& result, std::size_t index = 0) {
  std::istringstream lines(result.out);
  std::string line;
  std::vector<std::string> paths;
  while (std::getline(lines, line)) {
    if (!line.empty()) paths.push_back(line);
  }
  if (index >= paths.size()) return {};
  return std::filesystem::path(paths[index]).parent_path();
}

double growth(const json& summary) {
  const auto& points = summary["curve"]["points"];
  return points.back()[1].get<double>() - points.front()[1].get<double>();
}

// window keeps every removed review's document (several MiB each); none keeps nothing, but its
// renderer still drifts by what the machine's allocator and load make of the churn (0–6 MiB
// seen over 10–12 iterations on a loaded machine). So the runs are compared with each other,
// not with a fixed figure for `none`.
void expect_window_outgrows_none(const json& window, const json& none) {
  EXPECT_GT(growth(window), 10 * kMiB);
  EXPECT_GT(growth(window), 2 * std::abs(growth(none)) + 10 * kMiB)
      << "window +" << growth(window) / kMiB << " MiB, none +" << growth(none) / kMiB << " MiB";
}

void expect_nothing_left(const std::filesystem::path& run_dir, const json& summary) {
  const auto left = alive(sampled_pids(run_dir));
  EXPECT_TRUE(left.empty()) << "processes of the run still alive: " << left.size();
  const std::string profile = summary["environment"].value("temporary_profile", "");
  ASSERT_FALSE(profile.empty());
  EXPECT_FALSE(std::filesystem::exists(profile)) << profile << " was left behind";
}

// The acceptance figure of the run issue, in miniature: a retaining page grows, a correct one
// stays flat; both runs end every process they started.
TEST(RunChromium, WindowRetentionGrowsNoneStaysFlatAndNothingIsLeft) {
  TempDir tmp("harness-it-run");
  const auto result = run_harness({"run", "scenarios/vtm-review.yaml", "--iterations", "10",
                                   "--checkpoint-every", "5", "--variant", "retention=none,window",
                                   "--out", tmp.path().string()},
                                  tmp.path());
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.err, HasSubstr("sampling"));  // the configuration comes first
  EXPECT_THAT(result.err, HasSubstr("(default)"));

  const auto none_dir = run_dir_of(result, 0);
  const auto window_dir = run_dir_of(result, 1);
  const json none = read_json(none_dir / "summary.json");
  const json window = read_json(window_dir / "summary.json");
  for (const json* s : {&none, &window}) {
    EXPECT_EQ((*s)["status"], "completed");
    EXPECT_EQ((*s)["iterations_completed"], 10);
    EXPECT_EQ((*s)["scenario"], "vtm-review");
    EXPECT_EQ((*s)["browser"], "chromium");
    EXPECT_FALSE((*s)["browser_version"].get<std::string>().empty());
    EXPECT_FALSE((*s)["driver_version"].get<std::string>().empty());
    EXPECT_EQ((*s)["curve"]["metric"], "renderer.private_bytes");
    EXPECT_EQ((*s)["curve"]["points"].size(), 3u);  // iterations 0, 5, 10
    EXPECT_TRUE((*s)["metrics"].contains("page.nodes"));
    EXPECT_TRUE((*s)["metrics"].contains("page.js_heap_used_bytes"));
  }
  EXPECT_EQ(none["variant"]["retention"], "none");
  EXPECT_EQ(window["variant"]["retention"], "window");
  expect_window_outgrows_none(window, none);

  // The store has every iteration and a sample stream.
  SQLite::Database db((tmp.path() / "harness.db").string(), SQLite::OPEN_READONLY);
  EXPECT_EQ(db.execAndGet("SELECT COUNT(*) FROM runs WHERE status = 'completed'").getInt(), 2);
  EXPECT_EQ(db.execAndGet("SELECT COUNT(*) FROM iterations WHERE n > 0").getInt(), 20);
  EXPECT_GT(db.execAndGet("SELECT COUNT(DISTINCT t_ms) FROM samples").getInt(), 20);
  EXPECT_GT(db.execAndGet("SELECT COUNT(*) FROM checkpoint_processes WHERE pss_bytes > 0").getInt(),
            0);
  // Renderers are tagged as such in the samples.
  EXPECT_GT(db.execAndGet("SELECT COUNT(*) FROM samples WHERE role = 'renderer'").getInt(), 0);
  EXPECT_GT(db.execAndGet("SELECT COUNT(*) FROM samples WHERE role = 'driver'").getInt(), 0);

  expect_nothing_left(none_dir, none);
  expect_nothing_left(window_dir, window);
}

// Native input drives the same workflow through W3C element references and frame switching.
TEST(RunChromium, NativeInputDrivesTheWorkflowToo) {
  TempDir tmp("harness-it-native");
  const auto result = run_harness({"run", "scenarios/vtm-review.yaml", "--iterations", "3",
                                   "--warmup", "0", "--input", "native", "--variant",
                                   "retention=none", "--out", tmp.path().string()},
                                  tmp.path());
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto dir = run_dir_of(result);
  const json summary = read_json(dir / "summary.json");
  EXPECT_EQ(summary["status"], "completed");
  EXPECT_EQ(summary["input"], "native");
  SQLite::Database db((tmp.path() / "harness.db").string(), SQLite::OPEN_READONLY);
  // Every step of every iteration ran and was timed (frame, type, select, click...).
  EXPECT_EQ(db.execAndGet("SELECT COUNT(*) FROM steps WHERE phase = 'iteration' AND ok = 1 AND "
                          "label LIKE 'select%'")
                .getInt(),
            3);
  expect_nothing_left(dir, summary);
}

// Page mode: the page runs the workflow and reports with beacons; no driver is started.
TEST(RunChromium, PageModeMeasuresWithoutADriver) {
  TempDir tmp("harness-it-page");
  const auto result = run_harness({"run", "scenarios/vtm-review-page.yaml", "--iterations", "12",
                                   "--variant", "retention=none,window", "--out",
                                   tmp.path().string()},
                                  tmp.path());
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto none_dir = run_dir_of(result, 0);
  const auto window_dir = run_dir_of(result, 1);
  const json none = read_json(none_dir / "summary.json");
  const json window = read_json(window_dir / "summary.json");
  for (const json* s : {&none, &window}) {
    EXPECT_EQ((*s)["status"], "completed") << (*s)["reason"];
    EXPECT_EQ((*s)["iterations_completed"], 12);
    EXPECT_EQ((*s)["driver_version"], "");  // no driver at all
    EXPECT_EQ((*s)["curve"]["points"].size(), 4u);  // 0, 5, 10, 12
    EXPECT_EQ((*s)["responsiveness"]["iteration_ms"].size(), 12u);
  }
  expect_window_outgrows_none(window, none);
  EXPECT_FALSE(std::filesystem::exists(none_dir / "chromedriver.log"));
  SQLite::Database db((tmp.path() / "harness.db").string(), SQLite::OPEN_READONLY);
  // Every iteration, warm-up (5) included, was reported by the page.
  EXPECT_EQ(db.execAndGet("SELECT COUNT(*) FROM iterations").getInt(), 2 * 17);
  EXPECT_EQ(db.execAndGet("SELECT COUNT(*) FROM samples WHERE role = 'driver'").getInt(), 0);
  expect_nothing_left(none_dir, none);
  expect_nothing_left(window_dir, window);
}

TEST(RunChromium, MisspeltStepKindFailsBeforeAnyBrowserStarts) {
  TempDir tmp("harness-it-bad");
  const auto out = tmp.path() / "results";
  const auto result = run_harness(
      {"run", "tests/integration/scenarios/misspelt-step.yaml", "--out", out.string()},
      tmp.path(), std::chrono::seconds(60));
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(result.err,
              HasSubstr("tests/integration/scenarios/misspelt-step.yaml:6:5: unknown step kind "
                        "'clik'"));
  EXPECT_THAT(result.err, HasSubstr("did you mean 'click'?"));
  EXPECT_FALSE(std::filesystem::exists(out)) << "nothing may be created for a bad scenario";
}

TEST(RunChromium, UnknownBrowserAndMissingDriverAreReported) {
  TempDir tmp("harness-it-args");
  auto result = run_harness({"run", "scenarios/vtm-review.yaml", "--browser", "chromum", "--out",
                             tmp.path().string()},
                            tmp.path(), std::chrono::seconds(60));
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(result.err, HasSubstr("did you mean 'chromium'?"));

  result = run_harness({"run", "scenarios/vtm-review.yaml", "--chromedriver", "/no/chromedriver",
                        "--out", tmp.path().string()},
                       tmp.path(), std::chrono::seconds(60));
  EXPECT_EQ(result.exit_code, 3);
  EXPECT_THAT(result.err, HasSubstr("/no/chromedriver"));
}

TEST(RunChromium, FailedStepEndsTheRunCleanlyWithEvidence) {
  TempDir tmp("harness-it-step");
  const auto result =
      run_harness({"run", "tests/integration/scenarios/missing-element.yaml", "--out",
                   tmp.path().string()},
                  tmp.path());
  EXPECT_EQ(result.exit_code, 1) << result.err;
  const auto dir = run_dir_of(result);
  const json summary = read_json(dir / "summary.json");
  EXPECT_EQ(summary["status"], "step_failed");
  EXPECT_THAT(summary["reason"].get<std::string>(),
              HasSubstr("missing-element.yaml:10:5"));
  EXPECT_THAT(summary["reason"].get<std::string>(), HasSubstr("#there-is-no-such-button"));
  ASSERT_TRUE(summary["files"].contains("failure_screenshot"));
  EXPECT_GT(std::filesystem::file_size(dir / summary["files"]["failure_screenshot"].get<std::string>()),
            1000u);
  expect_nothing_left(dir, summary);
}

// Ctrl-C in the middle of a run: the iterations done so far are in the database, readable, and
// every process is gone.
TEST(RunChromium, SigintKeepsEveryIterationDoneSoFar) {
  TempDir tmp("harness-it-sigint");
  HarnessProcess harness({"run", "scenarios/vtm-review.yaml", "--iterations", "500",
                          "--variant", "retention=none", "--out", tmp.path().string()},
                         tmp.path());
  const auto db_file = tmp.path() / "harness.db";
  ASSERT_TRUE(wait_for_iteration(db_file, 4, std::chrono::seconds(180)))
      << "the run never got going";
  const int done = SQLite::Database(db_file.string(), SQLite::OPEN_READONLY)
                       .execAndGet("SELECT COUNT(*) FROM iterations WHERE n > 0")
                       .getInt();
  harness.signal(SIGINT);
  const auto result = harness.wait(std::chrono::seconds(120));
  EXPECT_EQ(result.exit_code, 130) << result.err;

  SQLite::Database db(db_file.string(), SQLite::OPEN_READONLY);
  EXPECT_EQ(db.execAndGet("SELECT status FROM runs").getString(), "interrupted");
  const int completed = db.execAndGet("SELECT iterations_completed FROM runs").getInt();
  EXPECT_GE(completed, done);
  // Every completed iteration has its record; at most the interrupted one is marked not ok.
  EXPECT_GE(db.execAndGet("SELECT COUNT(*) FROM iterations WHERE n > 0 AND ok = 1").getInt(),
            completed);
  const auto dir = run_dir_of(result);
  const json summary = read_json(dir / "summary.json");
  EXPECT_EQ(summary["status"], "interrupted");
  expect_nothing_left(dir, summary);
}

// A harness killed outright (SIGKILL: no handler runs) leaves nothing running: its watcher
// sees it die and ends the driver and every browser process by PID + start time, removes the
// profile and closes the run's record; the next harness says so, and the report draws the run.
TEST(RunChromium, SigkillLeavesNoProcessAndTheNextRunReportsIt) {
  TempDir tmp("harness-it-sigkill");
  HarnessProcess harness({"run", "scenarios/vtm-review.yaml", "--iterations", "500",
                          "--variant", "retention=window", "--out", tmp.path().string()},
                         tmp.path());
  const auto db_file = tmp.path() / "harness.db";
  ASSERT_TRUE(wait_for_iteration(db_file, 3, std::chrono::seconds(180)))
      << "the run never got going";
  // Everything the run started: the harness's descendants (but its watcher) and every process
  // its samples saw (crashpad handlers leave the tree).
  std::set<Pid> run_processes;
  Pid watcher = 0;
  for (Pid pid : descendants(harness.pid())) {
    if (command_line(pid).find("__watch") != std::string::npos) watcher = pid;
    else run_processes.insert(pid);
  }
  ASSERT_NE(watcher, 0) << "the harness started no watcher";
  {
    SQLite::Database db(db_file.string(), SQLite::OPEN_READONLY);
    SQLite::Statement q(db, "SELECT DISTINCT pid FROM samples");
    while (q.executeStep()) run_processes.insert(q.getColumn(0).getInt64());
  }
  ASSERT_GE(alive(run_processes).size(), 3u) << "chromedriver, the browser and a renderer";
  const auto journal_dir = tmp.path() / "state" / "journal";
  std::string profile;
  for (const auto& entry : std::filesystem::directory_iterator(journal_dir)) {
    if (entry.path().extension() != ".json") continue;
    const json journal = read_json(entry.path());
    ASSERT_EQ(journal["temp_dirs"].size(), 1u) << journal.dump();
    profile = journal["temp_dirs"][0].get<std::string>();
  }
  ASSERT_FALSE(profile.empty()) << "no cleanup journal in " << journal_dir;
  ASSERT_TRUE(std::filesystem::exists(profile));

  const auto killed_at = std::chrono::steady_clock::now();
  harness.signal(SIGKILL);
  while (!alive(run_processes).empty() &&
         std::chrono::steady_clock::now() - killed_at < std::chrono::seconds(10)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - killed_at);
  EXPECT_TRUE(alive(run_processes).empty()) << alive(run_processes).size() << " still alive";
  EXPECT_LE(took.count(), 2000) << "the run's processes took " << took.count() << " ms to end";
  std::cerr << "[ sigkill  ] " << run_processes.size() << " processes of the run ended "
            << took.count() << " ms after the harness was killed\n";
  const CommandResult killed = harness.wait(std::chrono::seconds(10));
  EXPECT_EQ(killed.exit_code, 128 + SIGKILL);
  // The watcher closes the record, leaves its note and goes.
  for (int i = 0; i < 500 && !alive({watcher}).empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(alive({watcher}).empty()) << "the watcher is still running";
  EXPECT_FALSE(std::filesystem::exists(profile)) << profile << " was left behind";

  std::string killed_id;
  {
    SQLite::Database db(db_file.string(), SQLite::OPEN_READONLY);
    SQLite::Statement q(db, "SELECT id, status, reason FROM runs");
    ASSERT_TRUE(q.executeStep());
    killed_id = q.getColumn(0).getString();
    EXPECT_EQ(q.getColumn(1).getString(), "interrupted");
    EXPECT_THAT(q.getColumn(2).getString(), HasSubstr("ended without finishing the run"));
  }
  const json summary = read_json(tmp.path() / killed_id / "summary.json");
  EXPECT_EQ(summary["status"], "interrupted");

  // The next harness tells the user what happened to the killed one.
  const auto next = run_harness({"run", "scenarios/vtm-review.yaml", "--iterations", "1",
                                 "--checkpoint-every", "1", "--variant", "retention=none",
                                 "--out", tmp.path().string()},
                                tmp.path());
  EXPECT_EQ(next.exit_code, 0) << next.err;
  EXPECT_THAT(next.err, HasSubstr("run " + killed_id + " was interrupted"));
  EXPECT_THAT(next.err, HasSubstr("its watcher ended"));
  const auto again = run_harness({"doctor", "--db", db_file.string()}, tmp.path());
  EXPECT_THAT(again.out, HasSubstr("interrupted runs   none left behind"));

  const auto report = run_harness({"report", tmp.path().string()}, tmp.path());
  ASSERT_EQ(report.exit_code, 0) << report.err;
  const std::string html = read_file(tmp.path() / "report.html");
  EXPECT_THAT(html, HasSubstr(killed_id));
  EXPECT_THAT(html, HasSubstr("interrupted"));
}

}  // namespace
}  // namespace harness::testing
