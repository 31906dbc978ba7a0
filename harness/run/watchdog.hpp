// The page heartbeat: a background thread (started in the constructor, stopped in the
// destructor) that asks the page a trivial question every `interval` and reports the answer time
// (main-thread stalls show as a curve). When the page has not answered for `hang_after`, it
// reports a hang, once. Harness operations that block the page on purpose (forced GC, heap
// snapshots) pause it with a Pause guard.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

namespace harness {

class Watchdog {
 public:
  struct Options {
    std::chrono::milliseconds interval{1000};
    std::chrono::milliseconds probe_timeout{2000};  // one probe waits this long
    std::chrono::milliseconds hang_after{10'000};   // no answer for this long: hung
  };
  // ping: the answer time in ms, or nullopt without an answer within its timeout; an exception
  // means the page is gone, and the watchdog stops.
  using Ping = std::function<std::optional<double>(std::chrono::milliseconds timeout)>;
  using OnLatency = std::function<void(double latency_ms)>;  // < 0: no answer
  using OnHang = std::function<void(std::chrono::milliseconds unresponsive)>;

  Watchdog(Options options, Ping ping, OnLatency on_latency, OnHang on_hang);
  ~Watchdog();
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  bool hang_reported() const { return hung_.load(); }

  class Pause {
   public:
    explicit Pause(Watchdog* watchdog);
    ~Pause();
    Pause(const Pause&) = delete;
    Pause& operator=(const Pause&) = delete;

   private:
    Watchdog* watchdog_;
  };

 private:
  void loop();

  Options options_;
  Ping ping_;
  OnLatency on_latency_;
  OnHang on_hang_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool stop_ = false;
  int paused_ = 0;
  std::atomic<bool> hung_{false};
  std::thread thread_;
};

}  // namespace harness
