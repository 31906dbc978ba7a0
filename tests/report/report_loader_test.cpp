// The report's data from a real SQLite store: memory by role over time comes from the store's
// samples (samples.csv is for people and spreadsheets).
#include "harness/report/report_loader.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include "harness/store/store.hpp"

namespace harness {
namespace {

class ReportLoaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("harness-report-loader-test-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_ / "run-1");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  static ProcessReading reading(ProcessRole role, const std::string& subtype,
                                std::uint64_t private_bytes) {
    ProcessReading p;
    p.role = role;
    p.subtype = subtype;
    p.private_bytes = private_bytes;
    return p;
  }

  // A run "run-1" with two sampling instants recorded in `database`.
  void record_run(const std::filesystem::path& database) {
    Store store(database);
    store.begin();
    RunInfo info;
    info.id = "run-1";
    info.scenario = "s";
    info.browser = "chromium";
    store.upsert_run(info);
    store.insert_samples("run-1", {100, 1,
                                   {reading(ProcessRole::kBrowser, "", 10),
                                    reading(ProcessRole::kRenderer, "", 20),
                                    // A subtype a naive CSV split would shift the columns on.
                                    reading(ProcessRole::kRenderer, "x,\"y\"", 5)}});
    store.insert_samples("run-1", {250, 2, {reading(ProcessRole::kRenderer, "", 40)}});
    store.commit();
  }

  LoadedRun loaded_run(const std::string& database_file) const {
    LoadedRun run;
    run.summary.info.id = "run-1";
    run.summary.info.scenario = "s";
    run.summary.info.browser = "chromium";
    if (!database_file.empty()) run.summary.files["database"] = database_file;
    run.dir = dir_ / "run-1";
    return run;
  }

  static void expect_memory_by_role(const Report& report) {
    ASSERT_EQ(report.scenarios.size(), 1u);
    ASSERT_EQ(report.scenarios[0].runs.size(), 1u);
    const auto& samples = report.scenarios[0].runs[0].memory_by_role;
    ASSERT_EQ(samples.size(), 2u);
    EXPECT_DOUBLE_EQ(samples[0].t_s, 0.1);
    EXPECT_DOUBLE_EQ(samples[0].private_bytes.at("browser"), 10);
    EXPECT_DOUBLE_EQ(samples[0].private_bytes.at("renderer"), 25);
    EXPECT_DOUBLE_EQ(samples[1].t_s, 0.25);
    EXPECT_DOUBLE_EQ(samples[1].private_bytes.at("renderer"), 40);
  }

  std::filesystem::path dir_;
};

TEST_F(ReportLoaderTest, MemoryByRoleComesFromTheReportsDatabase) {
  record_run(dir_ / "harness.db");
  ReportOptions options;
  options.database = dir_ / "harness.db";
  options.output_dir = dir_;
  expect_memory_by_role(build_report({loaded_run("")}, options));
}

TEST_F(ReportLoaderTest, ElseFromTheDatabaseTheRunRecordedInto) {
  record_run(dir_ / "own.db");
  ReportOptions options;
  options.database = dir_ / "elsewhere.db";  // absent: not created by the report
  options.output_dir = dir_;
  expect_memory_by_role(build_report({loaded_run("../own.db")}, options));
  EXPECT_FALSE(std::filesystem::exists(dir_ / "elsewhere.db"));
}

TEST_F(ReportLoaderTest, NoDatabaseNoMemoryChart) {
  ReportOptions options;
  options.output_dir = dir_;
  const Report report = build_report({loaded_run("../missing.db")}, options);
  ASSERT_EQ(report.scenarios.size(), 1u);
  EXPECT_TRUE(report.scenarios[0].runs[0].memory_by_role.empty());
  EXPECT_FALSE(std::filesystem::exists(dir_ / "missing.db"));
}

TEST(RoleSamples, ThinningKeepsEachSpansPeak) {
  std::vector<SampleBatch> batches;
  for (int i = 0; i < 10; ++i) {
    ProcessReading p;
    p.role = ProcessRole::kRenderer;
    p.private_bytes = i == 7 ? 1000 : static_cast<std::uint64_t>(i);
    batches.push_back({i * 100, i, {p}});
  }
  const auto thinned = role_samples(batches, 2);
  ASSERT_EQ(thinned.size(), 2u);
  EXPECT_DOUBLE_EQ(thinned[0].t_s, 0.0);
  EXPECT_DOUBLE_EQ(thinned[0].private_bytes.at("renderer"), 4);
  EXPECT_DOUBLE_EQ(thinned[1].t_s, 0.5);
  EXPECT_DOUBLE_EQ(thinned[1].private_bytes.at("renderer"), 1000);
  EXPECT_EQ(role_samples(batches, 0).size(), 10u);
}

}  // namespace
}  // namespace harness
