// Reproducing the crash, end to end in real Chromium: enforced ceilings against the projection,
// the reload mitigation, a renderer killed mid-run, a busy-looping page, and dump rules.
#include <SQLiteCpp/SQLiteCpp.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <cmath>
#include <fstream>
#include <thread>

#include "harness/run/dump_rules.hpp"
#include "support.hpp"

namespace harness::testing {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

std::vector<json> summaries(const CommandResult& result) {
  std::vector<json> out;
  for (const auto& file : summary_files(result)) out.push_back(read_json(file));
  return out;
}

// kill and limit on the vtm-ceiling scenario (~11 MiB retained per iteration): the run ends as
// ceiling_reached, at an iteration within ±10 % of the projection made from the first 25 % of the
// run. 600 MiB: enough iterations (~40) for the first quarter to hold 10 checkpoints; with 300 MiB
// (4 points) a loaded machine made it miss by 12 %.
void check_ceiling_mode(const std::string& mode, const std::string& ceiling_size) {
  TempDir tmp("harness-it-ceiling-" + mode);
  const auto result = run_harness({"run", "scenarios/vtm-ceiling.yaml", "--ceiling", ceiling_size,
                                   "--ceiling-enforce", mode, "--checkpoint-every", "1", "--out",
                                   tmp.path().string()},
                                  tmp.path());
  EXPECT_EQ(result.exit_code, 1) << result.err;  // the run did not complete
  const auto runs = summaries(result);
  ASSERT_EQ(runs.size(), 1u) << result.out << result.err;
  const json& s = runs[0];
  EXPECT_EQ(s["status"], "ceiling_reached") << s["reason"];
  const json& ceiling = s["ceiling"];
  EXPECT_EQ(ceiling["enforce"], mode);
  ASSERT_TRUE(ceiling["reached"].is_object()) << ceiling.dump();
  const double reached = ceiling["reached"]["iteration"].get<double>();
  ASSERT_TRUE(ceiling["early_projection"].is_object()) << ceiling.dump();
  const double projected = ceiling["early_projection"]["iteration"].get<double>();
  EXPECT_LE(std::abs(reached - projected), 0.10 * reached)
      << mode << ": reached at " << reached << ", projected " << projected;
  // Every sample up to the end is kept.
  SQLite::Database db((tmp.path() / "harness.db").string(), SQLite::OPEN_READONLY);
  EXPECT_GT(db.execAndGet("SELECT COUNT(*) FROM samples WHERE role = 'renderer'").getInt(), 10);
  if (mode == "limit") {
    EXPECT_GE(db.execAndGet("SELECT COUNT(*) FROM events WHERE kind = 'data_limit_applied'").getInt(),
              1);
  }
  if (mode == "kill") {
    EXPECT_THAT(s["reason"].get<std::string>(), HasSubstr("enforce: kill"));
  }
}

TEST(CrashHangChromium, CeilingKillMatchesTheEarlyProjection) {
  check_ceiling_mode("kill", "600MiB");
}
TEST(CrashHangChromium, CeilingLimitMatchesTheEarlyProjection) {
  check_ceiling_mode("limit", "600MiB");
}

// The mitigation: reloading the top page frees the retained frames, so the same run stays below
// the ceiling for at least twice as many iterations as it took to reach it. (400 MiB: the
// transient peak of a navigation must not reach it on its own.)
TEST(CrashHangChromium, ReloadEveryKeepsTheRunBelowTheCeiling) {
  TempDir tmp("harness-it-reload");
  auto result = run_harness({"run", "scenarios/vtm-ceiling.yaml", "--ceiling", "400MiB",
                             "--checkpoint-every", "2", "--out", tmp.path().string()},
                            tmp.path());
  auto runs = summaries(result);
  ASSERT_EQ(runs.size(), 1u);
  ASSERT_EQ(runs[0]["status"], "ceiling_reached");
  const int reached = runs[0]["ceiling"]["reached"]["iteration"].get<int>();
  result = run_harness({"run", "scenarios/vtm-ceiling.yaml", "--ceiling", "400MiB",
                        "--reload-every", std::to_string(std::max(2, reached / 3)),
                        "--iterations", std::to_string(2 * reached), "--checkpoint-every", "2",
                        "--out", tmp.path().string()},
                       tmp.path());
  runs = summaries(result);
  ASSERT_EQ(runs.size(), 1u);
  const json& s = runs[0];
  EXPECT_EQ(s["status"], "completed") << s["reason"];
  EXPECT_EQ(s["iterations_completed"], 2 * reached);
  EXPECT_EQ(s["mitigation"]["stayed_below_ceiling"], true);
  EXPECT_GE(s["mitigation"]["reloads"].get<int>(), 2);
  EXPECT_LT(s["peak"]["bytes"].get<double>(), 400.0 * 1048576);
}

// SIGKILL of the page's renderer in the middle of a run: crashed, samples kept, next run fine.
TEST(CrashHangChromium, KilledRendererIsACrashAndTheNextRunCompletes) {
  for (int round = 1; round <= 5; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    TempDir tmp("harness-it-kill");
    HarnessProcess harness({"run", "scenarios/fixtures.yaml", "--variant", "page=clean,dom",
                            "--iterations", "30", "--out", tmp.path().string()},
                           tmp.path());
    const auto db_file = tmp.path() / "harness.db";
    ASSERT_TRUE(wait_for_iteration(db_file, 4, std::chrono::seconds(120)))
        << "the run never got going";
    const Pid renderer = newest_sampled_pid(db_file, "renderer");
    ASSERT_NE(renderer, 0) << "no renderer sampled";
    ASSERT_EQ(::kill(static_cast<pid_t>(renderer), SIGKILL), 0);
    const auto result = harness.wait(std::chrono::seconds(300));
    EXPECT_EQ(result.exit_code, 1) << result.err;
    const auto runs = summaries(result);
    ASSERT_EQ(runs.size(), 2u) << result.out;
    EXPECT_EQ(runs[0]["status"], "crashed") << runs[0]["reason"];
    EXPECT_EQ(runs[1]["status"], "completed") << runs[1]["reason"];
    SQLite::Database db(db_file.string(), SQLite::OPEN_READONLY);
    SQLite::Statement q(db, "SELECT COUNT(*) FROM samples WHERE run_id = ?");
    q.bind(1, runs[0]["run_id"].get<std::string>());
    q.executeStep();
    EXPECT_GT(q.getColumn(0).getInt(), 5);
  }
}

// Page mode, the whole browser killed: no driver reports it, the run still ends as crashed (the
// browser process is gone) and the next run completes.
TEST(CrashHangChromium, KilledBrowserInPageModeIsACrash) {
  TempDir tmp("harness-it-kill-browser");
  HarnessProcess harness({"run", "scenarios/vtm-review-page.yaml", "--variant",
                          "retention=none,dom", "--iterations", "40", "--out",
                          tmp.path().string()},
                         tmp.path());
  const auto db_file = tmp.path() / "harness.db";
  ASSERT_TRUE(wait_for_iteration(db_file, 3, std::chrono::seconds(120)))
      << "the run never got going";
  const Pid browser = newest_sampled_pid(db_file, "browser");
  ASSERT_NE(browser, 0) << "no browser sampled";
  ASSERT_EQ(::kill(static_cast<pid_t>(browser), SIGKILL), 0);
  const auto result = harness.wait(std::chrono::seconds(300));
  EXPECT_EQ(result.exit_code, 1) << result.err;
  const auto runs = summaries(result);
  ASSERT_EQ(runs.size(), 2u) << result.out;
  EXPECT_EQ(runs[0]["status"], "crashed") << runs[0]["reason"];
  EXPECT_EQ(runs[1]["status"], "completed") << runs[1]["reason"];
}

// A busy-looping page: hung within the hang limit, with a minidump; the next run completes.
TEST(CrashHangChromium, BusyLoopIsHungWithEvidence) {
  for (int round = 1; round <= 5; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    TempDir tmp("harness-it-hang");
    const auto result = run_harness({"run", "tests/integration/scenarios/hang.yaml", "--out",
                                     tmp.path().string()},
                                    tmp.path(), std::chrono::seconds(180));
    EXPECT_EQ(result.exit_code, 1) << result.err;
    const auto runs = summaries(result);
    ASSERT_EQ(runs.size(), 2u) << result.out << result.err;
    const json& hung = runs[0];
    EXPECT_EQ(hung["status"], "hung") << hung["reason"];
    EXPECT_EQ(hung["iterations_completed"], 2);
    bool minidump = false;
    for (const auto& d : hung["dumps"]) {
      if (d["kind"] == "minidump") {
        minidump = true;
        EXPECT_GT(d["size_bytes"].get<std::uint64_t>(), 10'000u);
      }
    }
    EXPECT_TRUE(minidump) << hung["dumps"].dump();
    bool hung_event = false;
    for (const auto& e : hung["events"]) hung_event |= e["kind"] == "hung";
    EXPECT_TRUE(hung_event);
    EXPECT_EQ(runs[1]["status"], "completed") << runs[1]["reason"];
  }
}

// The dump rules against the run's own recorded curve: the same rule replayed over the samples
// the run stored (from the baseline it armed at) must ask for exactly the dumps it wrote.
// Nothing here depends on how fast the page grows or how fast the machine is.
TEST(CrashHangChromium, DumpRulesFireAtTheirThresholds) {
  TempDir tmp("harness-it-dumps");
  const auto result = run_harness({"run", "tests/integration/scenarios/dump-rules.yaml", "--out",
                                   tmp.path().string()},
                                  tmp.path());
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto runs = summaries(result);
  ASSERT_EQ(runs.size(), 1u);
  const json& s = runs[0];
  const std::string run_id = s["run_id"].get<std::string>();
  SQLite::Database db((tmp.path() / "harness.db").string(), SQLite::OPEN_READONLY);

  // The baseline the rule counted from: the first sample after the baseline checkpoint.
  SQLite::Statement armed(db, "SELECT t_ms, details FROM events WHERE run_id = ? AND "
                              "kind = 'dump_rules_armed'");
  armed.bind(1, run_id);
  ASSERT_TRUE(armed.executeStep()) << "no dump_rules_armed event";
  const std::int64_t armed_ms = armed.getColumn(0).getInt64();
  const json details = json::parse(armed.getColumn(1).getString());
  const double baseline = details["baseline_private_bytes"].get<double>();
  SQLite::Statement first_checkpoint(
      db, "SELECT MIN(t_ms) FROM checkpoints WHERE run_id = ? AND iteration = 0");
  first_checkpoint.bind(1, run_id);
  ASSERT_TRUE(first_checkpoint.executeStep());
  EXPECT_GE(armed_ms, first_checkpoint.getColumn(0).getInt64()) << "armed before the baseline";

  // Replay: the renderers' private memory of every sample from the arming one on.
  DumpRule rule;
  rule.metric = "private";
  rule.relative = true;
  rule.start_bytes = 16ull << 20;
  rule.step_bytes = 16ull << 20;
  rule.max = 3;
  DumpRules replay({rule});
  replay.set_baseline("private", baseline);
  SQLite::Statement samples(db, "SELECT t_ms, SUM(private_bytes) FROM samples WHERE run_id = ? "
                                "AND role = 'renderer' AND COALESCE(subtype, '') != 'webui' "
                                "AND t_ms >= ? GROUP BY t_ms ORDER BY t_ms");
  samples.bind(1, run_id);
  samples.bind(2, armed_ms);
  std::vector<DumpTrigger> expected;
  double highest = 0;
  while (samples.executeStep()) {
    const double value = samples.getColumn(1).getDouble();
    highest = std::max(highest, value);
    for (auto& t : replay.observe("private", value)) expected.push_back(t);
  }
  // The page keeps 5 MiB per iteration: 24 iterations pass baseline + 48 MiB, so the curve
  // itself calls for all three dumps.
  EXPECT_GE(highest - baseline, 48.0 * 1048576) << "baseline " << baseline;
  ASSERT_EQ(expected.size(), 3u);

  std::vector<json> snapshots;
  for (const auto& d : s["dumps"]) {
    if (d["kind"] == "heap_snapshot") snapshots.push_back(d);
  }
  ASSERT_EQ(snapshots.size(), expected.size()) << s["dumps"].dump(2);
  EXPECT_EQ(db.execAndGet("SELECT COUNT(*) FROM dumps WHERE kind = 'heap_snapshot'").getInt(), 3);
  const auto dir = std::filesystem::path(s["environment"]["dumps_dir"].get<std::string>()).parent_path();
  for (std::size_t i = 0; i < snapshots.size(); ++i) {
    const json& d = snapshots[i];
    EXPECT_EQ(d["rule"].get<std::string>(), expected[i].describe) << d.dump();
    EXPECT_DOUBLE_EQ(d["value_bytes"].get<double>(), expected[i].value) << d.dump();
    EXPECT_GE(expected[i].value, expected[i].threshold);
    const auto file = dir / d["file"].get<std::string>();
    ASSERT_TRUE(std::filesystem::exists(file)) << file;
    EXPECT_EQ(std::filesystem::file_size(file), d["size_bytes"].get<std::uint64_t>());
    EXPECT_GT(d["size_bytes"].get<std::uint64_t>(), 1'000'000u);
    // A DevTools heap snapshot is JSON that starts with its meta header.
    std::ifstream in(file);
    std::string head(64, '\0');
    in.read(head.data(), 64);
    EXPECT_THAT(head, HasSubstr("\"snapshot\""));
  }
}

}  // namespace
}  // namespace harness::testing
