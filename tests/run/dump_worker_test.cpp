// The dump worker over fake hooks and a real folder: arming, the worker thread, the disk guard,
// a failing snapshot.
#include "harness/run/dump_worker.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <mutex>

namespace harness {
namespace {

using ::testing::HasSubstr;
constexpr double MiB = 1048576.0;

struct Harness {
  std::filesystem::path dir = std::filesystem::temp_directory_path() /
                              ("harness-dump-worker-" + std::to_string(::getpid()));
  std::mutex mutex;
  std::vector<EventRecord> events;
  std::vector<DumpRecord> dumps;
  std::uint64_t free = 100ull << 30;
  bool fail = false;

  Harness() {
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
  }
  ~Harness() { std::filesystem::remove_all(dir); }

  DumpWorker::Hooks hooks() {
    DumpWorker::Hooks h;
    h.write_snapshot = [this](const std::filesystem::path& file) -> std::uint64_t {
      if (fail) throw std::runtime_error("HeapProfiler.takeHeapSnapshot timed out");
      std::ofstream(file) << "{\"snapshot\":{}}";
      return 15;
    };
    h.status = [](Pid) { return std::optional<ProcessStatus>(); };
    h.event = [this](const EventRecord& e) {
      std::lock_guard lock(mutex);
      events.push_back(e);
    };
    h.dump = [this](const DumpRecord& d) {
      std::lock_guard lock(mutex);
      dumps.push_back(d);
    };
    h.now_ms = [] { return std::int64_t{42}; };
    h.free_bytes = [this](const std::filesystem::path&) { return free; };
    return h;
  }
  std::vector<std::string> kinds() {
    std::lock_guard lock(mutex);
    std::vector<std::string> out;
    for (const auto& e : events) out.push_back(e.kind);
    return out;
  }
};

SampleBatch batch(std::int64_t t, int iteration, double private_mib) {
  ProcessReading r;
  r.pid = 7;
  r.role = ProcessRole::kRenderer;
  r.private_bytes = static_cast<std::uint64_t>(private_mib * MiB);
  return {t, iteration, {r}};
}

DumpPolicy relative_rule() {
  DumpRule rule;
  rule.metric = "private";
  rule.relative = true;
  rule.start_bytes = 16ull << 20;
  rule.step_bytes = 16ull << 20;
  rule.max = 2;
  DumpPolicy policy;
  policy.rules = {rule};
  return policy;
}

TEST(DumpWorker, ArmsOnTheBaselineSampleAndWritesEveryQueuedDump) {
  Harness h;
  {
    DumpWorker worker(relative_rule(), h.dir, h.hooks());
    ASSERT_TRUE(worker.active());
    worker.start();
    worker.observe(batch(100, 0, 500), 500 * MiB);  // set-up: nothing armed, nothing fires
    worker.arm_at_next_sample();
    worker.observe(batch(200, 0, 40), 40 * MiB);  // the baseline
    worker.observe(batch(300, 1, 57), 57 * MiB);  // passes 56
    worker.observe(batch(400, 2, 90), 90 * MiB);  // passes 72 and 88: one dump
    worker.observe(batch(500, 3, 200), 200 * MiB);  // max reached
    worker.stop();  // takes what is queued first
  }
  EXPECT_EQ(h.kinds(),
            (std::vector<std::string>{"dump_rules_armed", "dump_written", "dump_written"}));
  EXPECT_EQ(h.events[0].t_ms, 200);
  EXPECT_EQ(h.events[0].details["baseline_private_bytes"], 40 * MiB);
  ASSERT_EQ(h.dumps.size(), 2u);
  EXPECT_EQ(h.dumps[0].t_ms, 300);
  EXPECT_EQ(h.dumps[0].value_bytes, 57 * MiB);
  EXPECT_EQ(h.dumps[1].value_bytes, 90 * MiB);
  EXPECT_EQ(h.dumps[1].file, "dumps/heap-rule1-02-private-90MiB.heapsnapshot");
  EXPECT_TRUE(std::filesystem::exists(h.dir / h.dumps[1].file));
}

TEST(DumpWorker, RefusesADumpThatWouldFillTheDiskAndRecordsAFailedOne) {
  Harness h;
  h.free = 2ull << 30;  // 2 GiB free: less than the reserve plus the estimate
  DumpPolicy policy = relative_rule();
  policy.rules[0].relative = false;
  policy.rules[0].start_bytes = 10ull << 20;
  {
    DumpWorker worker(policy, h.dir, h.hooks());
    worker.start();
    worker.observe(batch(100, 1, 11), 11 * MiB);
    worker.stop();
  }
  ASSERT_EQ(h.kinds(), std::vector<std::string>{"dump_refused"});
  EXPECT_THAT(h.events[0].message, HasSubstr("would leave less than 2.00 GiB free"));
  EXPECT_TRUE(h.dumps.empty());

  h.events.clear();
  h.free = 100ull << 30;
  h.fail = true;
  {
    DumpWorker worker(policy, h.dir, h.hooks());
    worker.start();
    worker.observe(batch(100, 1, 11), 11 * MiB);
    worker.stop();
  }
  ASSERT_EQ(h.kinds(), std::vector<std::string>{"dump_failed"});
  EXPECT_THAT(h.events[0].message, HasSubstr("timed out"));
}

}  // namespace
}  // namespace harness
