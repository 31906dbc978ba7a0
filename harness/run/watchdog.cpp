#include "harness/run/watchdog.hpp"

namespace harness {

using Clock = std::chrono::steady_clock;

Watchdog::Watchdog(Options options, Ping ping, OnLatency on_latency, OnHang on_hang)
    : options_(options),
      ping_(std::move(ping)),
      on_latency_(std::move(on_latency)),
      on_hang_(std::move(on_hang)) {
  thread_ = std::thread([this] { loop(); });
}

Watchdog::~Watchdog() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

Watchdog::Pause::Pause(Watchdog* watchdog) : watchdog_(watchdog) {
  if (!watchdog_) return;
  std::lock_guard lock(watchdog_->mutex_);
  ++watchdog_->paused_;
}

Watchdog::Pause::~Pause() {
  if (!watchdog_) return;
  std::lock_guard lock(watchdog_->mutex_);
  --watchdog_->paused_;
  watchdog_->cv_.notify_all();
}

void Watchdog::loop() {
  auto last_answer = Clock::now();
  std::unique_lock lock(mutex_);
  for (;;) {
    cv_.wait_for(lock, options_.interval, [&] { return stop_; });
    if (stop_) return;
    if (paused_ > 0 || hung_) {
      last_answer = Clock::now();  // time the harness itself blocked the page does not count
      continue;
    }
    lock.unlock();
    std::optional<double> answer;
    try {
      answer = ping_(options_.probe_timeout);
    } catch (const std::exception&) {
      // The page is gone (crashed, detached, browser ended): that is not a hang, and the driving
      // thread finds out by itself. Nothing more to watch.
      return;
    }
    lock.lock();
    if (stop_) return;
    if (paused_ > 0) {  // a pause began while the probe was out: its answer says nothing
      last_answer = Clock::now();
      continue;
    }
    if (answer) {
      last_answer = Clock::now();
      lock.unlock();
      on_latency_(*answer);
      lock.lock();
      continue;
    }
    const auto unresponsive =
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - last_answer);
    lock.unlock();
    on_latency_(-1);
    if (unresponsive >= options_.hang_after) {
      hung_ = true;
      on_hang_(unresponsive);
    }
    lock.lock();
  }
}

}  // namespace harness
