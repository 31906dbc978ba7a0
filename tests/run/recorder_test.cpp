// The recorder writes to a real SQLite file and real CSV files while records arrive.
#include "harness/run/recorder.hpp"
#include "tests/remove_at_end.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

namespace harness {
namespace {

std::string read(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(Recorder, PersistsRecordsBeforeTheRunEnds) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("harness-recorder-test-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  const testing::RemoveAtEnd remove_at_end{dir};  // after the store is closed
  Store store(dir / "harness.db");
  RunInfo run;
  run.id = "r1";
  run.scenario = "s";
  run.browser = "chromium";
  Recorder recorder(store, run, dir / "r1");
  // Registered at once, before anything else happens.
  ASSERT_TRUE(store.run("r1"));

  ProcessReading p;
  p.pid = 7;
  p.role = ProcessRole::kRenderer;
  p.private_bytes = 123;
  recorder.add_samples({10, 0, {p}});
  recorder.add_iteration({1, 0, 50, true});
  CheckpointRecord c;
  c.iteration = 1;
  c.metrics = {{"renderer.private_bytes", 123}};
  recorder.add_checkpoint(c);
  recorder.flush();

  // A second connection sees it all while the recorder is still open (WAL).
  Store reader(dir / "harness.db");
  EXPECT_EQ(reader.sample_count("r1"), 1u);
  EXPECT_EQ(reader.iterations("r1").size(), 1u);
  EXPECT_EQ(reader.checkpoints("r1").size(), 1u);
  EXPECT_NE(read(dir / "r1" / "samples.csv").find("10,0,7,renderer,,0,123,0"), std::string::npos);
  EXPECT_NE(read(dir / "r1" / "checkpoints.csv").find("\n1,0,0,123,"), std::string::npos);

  RunSummary summary;
  summary.info = run;
  recorder.write_summary(summary, true);
  recorder.flush();
  EXPECT_NE(read(dir / "r1" / "summary.json").find("\"run_id\": \"r1\""), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(dir / "r1" / "summary.json.tmp"));
}

}  // namespace
}  // namespace harness
