// The ceiling rules over a fake process-control seam: which renderer is killed, when a data
// limit is set and moved, what each mode records.
#include "harness/run/ceiling_guard.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

namespace harness {
namespace {

using ::testing::HasSubstr;
constexpr std::uint64_t MiB = 1ull << 20;

class FakeControl : public ProcessControl {
 public:
  std::map<Pid, ProcessStatus> statuses;
  std::vector<ProcessIdentity> killed;
  std::vector<std::pair<Pid, std::uint64_t>> limits;
  bool refuse_limits = false;

  std::optional<ProcessIdentity> identity_of(Pid pid) override {
    return ProcessIdentity{pid, static_cast<std::uint64_t>(pid) * 10};
  }
  std::optional<ProcessStatus> status(Pid pid) override {
    auto it = statuses.find(pid);
    if (it == statuses.end()) return std::nullopt;
    return it->second;
  }
  void kill(const ProcessIdentity& id) override { killed.push_back(id); }
  bool set_data_limit(const ProcessIdentity& id, std::uint64_t bytes, std::string* error) override {
    if (refuse_limits) {
      *error = "Operation not permitted";
      return false;
    }
    limits.push_back({id.pid, bytes});
    return true;
  }
};

ProcessReading renderer(Pid pid, std::uint64_t private_mib, const char* subtype = "") {
  ProcessReading r;
  r.pid = pid;
  r.role = ProcessRole::kRenderer;
  r.subtype = subtype;
  r.private_bytes = private_mib * MiB;
  r.rss_bytes = (private_mib + 50) * MiB;  // 50 MiB shared
  return r;
}

Ceiling ceiling(CeilingEnforcement enforce, std::uint64_t mib) {
  Ceiling c;
  c.bytes = mib * MiB;
  c.enforce = enforce;
  return c;
}

struct Recorded {
  std::vector<EventRecord> events;
  CeilingGuard::EventSink sink() {
    return [this](const EventRecord& e) { events.push_back(e); };
  }
};

TEST(CeilingGuard, ObserveRecordsTheCrossingOnceAndTouchesNothing) {
  FakeControl control;
  Recorded rec;
  CeilingGuard guard(ceiling(CeilingEnforcement::kObserve, 300), control, rec.sink());
  EXPECT_FALSE(guard.check({100, 3, {renderer(7, 250)}}, 250.0 * MiB));
  auto crossing = guard.check({200, 4, {renderer(7, 310)}}, 310.0 * MiB);
  ASSERT_TRUE(crossing);
  EXPECT_EQ(crossing->iteration, 4);
  EXPECT_EQ(crossing->t_ms, 200);
  EXPECT_FALSE(crossing->killed_pid);
  EXPECT_FALSE(guard.check({300, 5, {renderer(7, 400)}}, 400.0 * MiB));  // once
  ASSERT_EQ(rec.events.size(), 1u);
  EXPECT_EQ(rec.events[0].kind, "ceiling_reached");
  EXPECT_THAT(rec.events[0].message, HasSubstr("passed the ceiling 300.0 MiB"));
  EXPECT_TRUE(control.killed.empty());
  EXPECT_TRUE(guard.reached());
  EXPECT_FALSE(guard.killed());
}

TEST(CeilingGuard, KillEndsTheRendererOverItEvenWhenOnlyItsPeakWasOver) {
  FakeControl control;
  Recorded rec;
  CeilingGuard guard(ceiling(CeilingEnforcement::kKill, 300), control, rec.sink());
  // Renderer 8 samples at 200 MiB, but its resident peak minus shared says it reached 320 MiB
  // between two samples; the WebUI renderer's 900 MiB are not the page's.
  control.statuses[8] = ProcessStatus{0, (320 + 50) * MiB, 0};
  auto crossing = guard.check({500, 9, {renderer(5, 900, "webui"), renderer(7, 100), renderer(8, 200)}},
                              300.0 * MiB);
  ASSERT_TRUE(crossing);
  ASSERT_EQ(control.killed.size(), 1u);
  EXPECT_EQ(control.killed[0], (ProcessIdentity{8, 80}));  // by PID and start time
  EXPECT_EQ(crossing->killed_pid, 8);
  EXPECT_DOUBLE_EQ(crossing->bytes, 320.0 * MiB);
  EXPECT_TRUE(guard.killed());
  EXPECT_THAT(rec.events.at(0).message, HasSubstr("renderer 8 ended (SIGKILL)"));
}

TEST(CeilingGuard, LimitWaitsForReservationsThenCalibratesAndFollowsThem) {
  FakeControl control;
  Recorded rec;
  CeilingGuard guard(ceiling(CeilingEnforcement::kLimit, 1000), control, rec.sink());
  // Fresh from the zygote: VmData barely above private. No limit yet.
  control.statuses[7] = ProcessStatus{40 * MiB, 0, 0};
  guard.check({100, 0, {renderer(7, 30)}}, 30.0 * MiB);
  EXPECT_TRUE(control.limits.empty());
  // Reservations made: VmData 620 MiB with 30 MiB private -> limit 590 + 1000 MiB.
  control.statuses[7] = ProcessStatus{620 * MiB, 0, 0};
  guard.check({200, 1, {renderer(7, 30)}}, 30.0 * MiB);
  ASSERT_EQ(control.limits.size(), 1u);
  EXPECT_EQ(control.limits[0].second, (590 + 1000) * MiB);
  ASSERT_EQ(rec.events.size(), 1u);
  EXPECT_EQ(rec.events[0].kind, "data_limit_applied");
  // Under 1 MiB of change: not moved. More: moved, without a second event.
  control.statuses[7] = ProcessStatus{620 * MiB + 512 * 1024, 0, 0};
  guard.check({300, 2, {renderer(7, 30)}}, 30.0 * MiB);
  EXPECT_EQ(control.limits.size(), 1u);
  control.statuses[7] = ProcessStatus{700 * MiB, 0, 0};
  guard.check({400, 3, {renderer(7, 60)}}, 60.0 * MiB);
  ASSERT_EQ(control.limits.size(), 2u);
  EXPECT_EQ(control.limits[1].second, (640 + 1000) * MiB);
  EXPECT_EQ(rec.events.size(), 1u);
  // A new browser: its renderer is a new one.
  guard.forget_limits();
  guard.check({500, 3, {renderer(7, 60)}}, 60.0 * MiB);
  EXPECT_EQ(control.limits.size(), 3u);
}

TEST(CeilingGuard, ALimitThatCannotBeSetIsRecordedOnce) {
  FakeControl control;
  control.refuse_limits = true;
  Recorded rec;
  CeilingGuard guard(ceiling(CeilingEnforcement::kLimit, 1000), control, rec.sink());
  control.statuses[7] = ProcessStatus{620 * MiB, 0, 0};
  guard.check({100, 1, {renderer(7, 30)}}, 30.0 * MiB);
  guard.check({200, 2, {renderer(7, 30)}}, 30.0 * MiB);
  ASSERT_EQ(rec.events.size(), 1u);
  EXPECT_EQ(rec.events[0].kind, "data_limit_failed");
  EXPECT_THAT(rec.events[0].message, HasSubstr("Operation not permitted"));
}

}  // namespace
}  // namespace harness
