// The heartbeat and hang logic with a scripted ping (the real page is in the integration tests).
#include "harness/run/watchdog.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

namespace harness {
namespace {

using namespace std::chrono_literals;

struct Recording {
  std::mutex mutex;
  std::vector<double> latencies;
  std::atomic<int> hangs{0};
};

Watchdog::Options fast() { return {20ms, 5ms, 100ms}; }

template <typename Predicate>
bool eventually(Predicate p, std::chrono::milliseconds limit = 3000ms) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (p()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return p();
}

TEST(Watchdog, ReportsLatenciesOfAnAnsweringPage) {
  Recording r;
  Watchdog w(fast(), [](std::chrono::milliseconds) { return std::optional<double>(1.5); },
             [&](double ms) {
               std::lock_guard lock(r.mutex);
               r.latencies.push_back(ms);
             },
             [&](std::chrono::milliseconds) { r.hangs++; });
  ASSERT_TRUE(eventually([&] {
    std::lock_guard lock(r.mutex);
    return r.latencies.size() >= 3;
  }));
  EXPECT_EQ(r.hangs, 0);
  std::lock_guard lock(r.mutex);
  EXPECT_EQ(r.latencies.front(), 1.5);
}

TEST(Watchdog, ASilentPageIsReportedHungOnce) {
  Recording r;
  Watchdog w(fast(), [](std::chrono::milliseconds) { return std::optional<double>(); },
             [&](double ms) {
               std::lock_guard lock(r.mutex);
               r.latencies.push_back(ms);
             },
             [&](std::chrono::milliseconds unresponsive) {
               EXPECT_GE(unresponsive, 100ms);
               r.hangs++;
             });
  ASSERT_TRUE(eventually([&] { return r.hangs.load() == 1; }));
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(r.hangs, 1);  // once
  EXPECT_TRUE(w.hang_reported());
  std::lock_guard lock(r.mutex);
  EXPECT_LT(r.latencies.front(), 0);  // no answer is recorded as such
}

TEST(Watchdog, PausedTimeDoesNotCount) {
  std::atomic<bool> answering{true};
  Recording r;
  Watchdog w(fast(),
             [&](std::chrono::milliseconds) {
               return answering ? std::optional<double>(1.0) : std::optional<double>();
             },
             [](double) {}, [&](std::chrono::milliseconds) { r.hangs++; });
  {
    Watchdog::Pause pause(&w);  // e.g. a heap snapshot: the page is blocked on purpose
    answering = false;
    std::this_thread::sleep_for(300ms);
    answering = true;
  }
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(r.hangs, 0);
}

TEST(Watchdog, AGonePageStopsIt) {
  Recording r;
  std::atomic<int> pings{0};
  Watchdog w(fast(),
             [&](std::chrono::milliseconds) -> std::optional<double> {
               pings++;
               throw std::runtime_error("target crashed");
             },
             [](double) {}, [&](std::chrono::milliseconds) { r.hangs++; });
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(pings, 1);  // a crash is not a hang, and the watchdog stops asking
  EXPECT_EQ(r.hangs, 0);
}

}  // namespace
}  // namespace harness
