// A real SQLite file.
#include "harness/store/store.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>
#include <unistd.h>

namespace harness {
namespace {

std::filesystem::path temp_db(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() /
             ("harness-store-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::filesystem::remove(dir / name);
  return dir / name;
}

RunInfo sample_run() {
  RunInfo r;
  r.id = "run-1";
  r.scenario = "vtm-review";
  r.browser = "chromium";
  r.variant = {{"retention", "window"}};
  r.started_at = "2026-11-22T10:00:00.000Z";
  r.iterations_planned = 10;
  r.ceiling_bytes = 1363148800;
  r.environment = {{"os", "Linux"}};
  return r;
}

TEST(Store, WritesAndReadsEveryRecordKind) {
  const auto file = temp_db("a.db");
  {
    Store store(file);
    store.begin();
    RunInfo r = sample_run();
    store.upsert_run(r);
    store.insert_iteration(r.id, {1, 100, 350, true});
    store.insert_step(r.id, {1, 0, "iteration", "click #a", 100, 12.5, true, ""});
    SampleBatch batch{120, 1, {}};
    ProcessReading p;
    p.pid = 42;
    p.role = ProcessRole::kRenderer;
    p.private_bytes = 1000;
    batch.processes = {p, p};
    store.insert_samples(r.id, batch);
    CheckpointRecord c;
    c.iteration = 5;
    c.t_ms = 900;
    c.gc = true;
    c.metrics = {{"renderer.private_bytes", 5e6}, {"page.nodes", 300}};
    store.insert_checkpoint(r.id, c);
    store.insert_event(r.id, {130, 1, "crashed", "boom", {{"code", 5}}});
    r.status = RunStatus::kCompleted;
    r.iterations_completed = 10;
    store.upsert_run(r);  // an update keeps the row
    store.commit();
  }
  Store store(file);
  auto runs = store.runs();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].status, RunStatus::kCompleted);
  EXPECT_EQ(runs[0].iterations_completed, 10);
  EXPECT_EQ(runs[0].variant, (std::vector<std::pair<std::string, std::string>>{{"retention", "window"}}));
  EXPECT_EQ(runs[0].ceiling_bytes, 1363148800u);
  EXPECT_EQ(runs[0].environment["os"], "Linux");
  EXPECT_EQ(store.iterations("run-1").size(), 1u);
  EXPECT_EQ(store.sample_count("run-1"), 2u);
  auto checkpoints = store.checkpoints("run-1");
  ASSERT_EQ(checkpoints.size(), 1u);
  EXPECT_EQ(checkpoints[0].metrics.at("page.nodes"), 300);
  auto events = store.events("run-1");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].details["code"], 5);
  EXPECT_FALSE(store.run("nope"));
}

TEST(Store, ReadsSamplesBackInTimeOrderOneBatchPerInstant) {
  const auto file = temp_db("samples.db");
  Store store(file);
  store.begin();
  store.upsert_run(sample_run());
  auto reading = [](Pid pid, ProcessRole role, const std::string& subtype, std::uint64_t bytes) {
    ProcessReading p;
    p.pid = pid;
    p.role = role;
    p.subtype = subtype;
    p.rss_bytes = bytes * 2;
    p.private_bytes = bytes;
    p.virtual_bytes = bytes * 1000;
    return p;
  };
  // A subtype with a comma and quotes: what samples.csv had to quote.
  store.insert_samples("run-1", {200, 2, {reading(7, ProcessRole::kRenderer, "a,\"b\"", 30)}});
  store.insert_samples("run-1", {100, 1,
                                 {reading(1, ProcessRole::kBrowser, "", 10),
                                  reading(7, ProcessRole::kRenderer, "", 20)}});
  store.insert_samples("other-run", {100, 1, {reading(9, ProcessRole::kGpu, "", 5)}});
  store.commit();

  const auto batches = store.samples("run-1");
  ASSERT_EQ(batches.size(), 2u);
  EXPECT_EQ(batches[0].t_ms, 100);
  EXPECT_EQ(batches[0].iteration, 1);
  ASSERT_EQ(batches[0].processes.size(), 2u);
  EXPECT_EQ(batches[0].processes[0].role, ProcessRole::kBrowser);
  EXPECT_EQ(batches[0].processes[1].pid, 7);
  EXPECT_EQ(batches[0].processes[1].private_bytes, 20u);
  EXPECT_EQ(batches[0].processes[1].rss_bytes, 40u);
  EXPECT_EQ(batches[0].processes[1].virtual_bytes, 20'000u);
  EXPECT_EQ(batches[1].t_ms, 200);
  ASSERT_EQ(batches[1].processes.size(), 1u);
  EXPECT_EQ(batches[1].processes[0].subtype, "a,\"b\"");
  EXPECT_TRUE(store.samples("nope").empty());
}

TEST(Store, UsesWriteAheadLogging) {
  const auto file = temp_db("wal.db");
  Store store(file);
  SQLite::Database reader(file.string(), SQLite::OPEN_READONLY);
  EXPECT_EQ(reader.execAndGet("PRAGMA journal_mode").getString(), "wal");
}

TEST(Store, UnwritableLocationIsAnEnvironmentError) {
  EXPECT_THROW(Store("/proc/harness/nope.db"), std::exception);
}

}  // namespace
}  // namespace harness

namespace harness {
namespace {

// Which components a run had, with versions (issue 14), and a database written before the
// column existed gets it.
TEST(Store, KeepsTheRunsComponentsAndMigratesAnOldDatabase) {
  const auto file = temp_db("components.db");
  {
    SQLite::Database old(file.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    old.exec("CREATE TABLE runs(id TEXT PRIMARY KEY, scenario TEXT NOT NULL, scenario_file TEXT, "
             "browser TEXT NOT NULL, variant TEXT NOT NULL, status TEXT NOT NULL, reason TEXT, "
             "started_at TEXT, ended_at TEXT, duration_s REAL, iterations_planned INTEGER, "
             "iterations_completed INTEGER, warmup INTEGER, checkpoint_every INTEGER, "
             "checkpoint_gc INTEGER, settle_ms INTEGER, sample_interval_ms INTEGER, input_mode "
             "TEXT, ceiling_bytes INTEGER, start_url TEXT, browser_version TEXT, driver_version "
             "TEXT, environment TEXT, results_dir TEXT, summary TEXT)");
    old.exec("INSERT INTO runs(id, scenario, browser, variant, status) VALUES('old', 's', "
             "'chromium', '{}', 'completed')");
  }
  Store store(file);
  RunInfo r = sample_run();
  r.components = nlohmann::json::array(
      {{{"name", "audit"}, {"kind", "extension"}, {"present", true}, {"version", "2.4.1"}},
       {{"name", "neighbour"}, {"kind", "program"}, {"present", false}}});
  store.upsert_run(r);
  const auto back = store.run("run-1");
  ASSERT_TRUE(back);
  EXPECT_EQ(back->components, r.components);
  const auto old = store.run("old");
  ASSERT_TRUE(old);
  EXPECT_TRUE(old->components.empty());
}

}  // namespace
}  // namespace harness
