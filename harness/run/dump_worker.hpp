// The dump rules at work (run/dump_rules.hpp has the rules themselves): the sampler offers every
// sample; a trigger queues a dump that a worker thread of its own takes — a heap snapshot takes
// seconds and blocks the page, and sampling must never wait for it. Relative rules are armed on
// the first sample after the baseline checkpoint. A dump that would leave less than 2 GiB free
// on the results disk is refused, with an event saying so.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

#include "harness/model/run_model.hpp"
#include "harness/platform/process.hpp"
#include "harness/run/dump_rules.hpp"

namespace harness {

// A dump is refused when it would leave less than this free on the results file system.
inline constexpr std::uint64_t kDiskReserveBytes = 2ull << 30;

class DumpWorker {
 public:
  struct Hooks {
    // Writes the page's dump to the file and returns its size; throws on failure.
    std::function<std::uint64_t(const std::filesystem::path&)> write_snapshot;
    // What kind of file that is: heap_snapshot/.heapsnapshot (Chromium), minidump/.dmp (IE).
    std::string kind = "heap_snapshot";
    std::string extension = ".heapsnapshot";
    std::function<std::optional<ProcessStatus>(Pid)> status;  // VmData, for `virtual` rules
    std::function<void(const EventRecord&)> event;
    std::function<void(const DumpRecord&)> dump;
    std::function<std::int64_t()> now_ms;
    // Free bytes on the file system of the folder (default: std::filesystem::space).
    std::function<std::uint64_t(const std::filesystem::path&)> free_bytes;
  };

  // Dumps go to <run_dir>/dumps.
  DumpWorker(DumpPolicy policy, std::filesystem::path run_dir, Hooks hooks);
  ~DumpWorker();
  DumpWorker(const DumpWorker&) = delete;
  DumpWorker& operator=(const DumpWorker&) = delete;

  bool active() const { return !rules_.empty(); }
  // The worker thread, per browser: stop() takes every queued dump first.
  void start();
  void stop();
  // The next sample is the baseline of the relative rules (after the baseline checkpoint).
  void arm_at_next_sample() { arm_due_ = true; }
  // One sample (the sampler's thread).
  void observe(const SampleBatch& batch, double renderer_private);

 private:
  struct Request {
    DumpTrigger trigger;
    std::int64_t t_ms;
    int iteration;
  };
  void arm(const SampleBatch& batch, double private_bytes, double data);
  void loop();
  void take(const Request& r);

  DumpPolicy policy_;
  std::filesystem::path run_dir_;
  Hooks hooks_;
  DumpRules rules_;  // the sampler's thread only
  std::atomic<bool> arm_due_{false};
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<Request> queue_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace harness
