#include "harness/sample/sampler.hpp"

#include <spdlog/spdlog.h>

namespace harness {

Sampler::Sampler(ProcessSource& tree, std::chrono::milliseconds interval, SamplerClock clock,
                 Sink sink)
    : tree_(tree), interval_(interval), clock_(std::move(clock)), sink_(std::move(sink)) {
  thread_ = std::thread([this] { loop(); });
}

Sampler::~Sampler() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::optional<SampleBatch> Sampler::latest() const {
  std::lock_guard lock(mutex_);
  return latest_;
}

SampleBatch Sampler::take(ProcessSource& tree, std::int64_t t_ms, int iteration) {
  tree.refresh();
  SampleBatch batch;
  batch.t_ms = t_ms;
  batch.iteration = iteration;
  batch.processes = tree.read();
  return batch;
}

void Sampler::loop() {
  // Fixed-rate schedule: the next tick is a multiple of the interval from the start, so a slow
  // sample does not shift every later one.
  auto next = std::chrono::steady_clock::now();
  std::unique_lock lock(mutex_);
  while (!stop_) {
    lock.unlock();
    try {
      SampleBatch batch = take(tree_, clock_.now_ms(), clock_.iteration());
      sink_(batch);
      lock.lock();
      latest_ = std::move(batch);
    } catch (const std::exception& e) {
      spdlog::warn("sampler: {}", e.what());
      lock.lock();
    }
    next += interval_;
    const auto now = std::chrono::steady_clock::now();
    if (next < now) next = now;  // fell behind (machine busy): skip, don't burst
    cv_.wait_until(lock, next, [&] { return stop_; });
  }
}

}  // namespace harness
