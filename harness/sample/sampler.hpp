// The background sampler: a thread owned by this object (started in the constructor, stopped at
// once in the destructor, as spdlog's periodic_worker) that reads the browser's whole process
// tree at a fixed rate with cheap metrics and hands each batch to a sink. It never waits on the
// driving thread: the tree has its own lock, the sink only queues.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

#include "harness/model/run_model.hpp"
#include "harness/platform/process_tree.hpp"

namespace harness {

struct SamplerClock {
  std::function<std::int64_t()> now_ms;  // run-relative time
  std::function<int()> iteration;        // the iteration in progress
};

// Where a run's samples come from: this machine's Sampler, or the batches a Grid node's agent
// took and streams (grid/remote_session.cpp). Either calls its sink on a thread of its own.
class SampleSource {
 public:
  using Sink = std::function<void(const SampleBatch&)>;
  virtual ~SampleSource() = default;
  // The most recent batch, for the progress line.
  virtual std::optional<SampleBatch> latest() const = 0;
};

class Sampler final : public SampleSource {
 public:
  Sampler(ProcessSource& tree, std::chrono::milliseconds interval, SamplerClock clock, Sink sink);
  ~Sampler() override;
  Sampler(const Sampler&) = delete;
  Sampler& operator=(const Sampler&) = delete;

  std::optional<SampleBatch> latest() const override;

  // One sample: refresh the tree if a process was created, read every member. Public so a
  // benchmark can measure exactly what the thread does per tick.
  static SampleBatch take(ProcessSource& tree, std::int64_t t_ms, int iteration);

 private:
  void loop();

  ProcessSource& tree_;
  std::chrono::milliseconds interval_;
  SamplerClock clock_;
  Sink sink_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::optional<SampleBatch> latest_;
  std::thread thread_;
};

}  // namespace harness
