// Persists one run while it goes: a writer thread owns every write to the SQLite store and to
// the run folder's CSV files, batching whatever the runner and the sampler hand it into one
// transaction every kFlushInterval. A crash of the browser loses nothing; a crash (SIGKILL) of
// the harness loses at most the last interval.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>
#include <variant>

#include "harness/model/run_summary.hpp"
#include "harness/store/store.hpp"

namespace harness {

class Recorder {
 public:
  static constexpr std::chrono::milliseconds kFlushInterval{250};

  // Creates the run folder and its CSV files and registers the run in the store before
  // returning. Throws EnvironmentError when the folder cannot be written.
  Recorder(Store& store, const RunInfo& run, std::filesystem::path run_dir);
  ~Recorder();  // writes whatever is queued, then stops
  Recorder(const Recorder&) = delete;
  Recorder& operator=(const Recorder&) = delete;

  // Thread-safe; they only queue.
  void update_run(const RunInfo& run);
  void add_samples(SampleBatch batch);
  void add_iteration(const IterationRecord& record);
  void add_step(StepRecord record);
  void add_checkpoint(CheckpointRecord record);
  void add_event(EventRecord record);
  void add_dump(DumpRecord record);
  void add_heartbeat(const HeartbeatRecord& record);

  // Blocks until everything queued so far is committed and written.
  void flush();

  // Writes summary.json atomically (temporary file + rename) so a reader never sees half a file;
  // with `final`, also stores it in the run's row. Called from the runner thread.
  void write_summary(const RunSummary& summary, bool final);

  const std::filesystem::path& run_dir() const { return run_dir_; }

 private:
  struct Summary {
    std::string run_id;
    std::string json;
  };
  using Item = std::variant<RunInfo, SampleBatch, IterationRecord, StepRecord, CheckpointRecord,
                            EventRecord, DumpRecord, HeartbeatRecord, Summary>;
  void push(Item item);
  void loop();
  void write_batch(std::deque<Item>& items);

  Store& store_;
  std::string run_id_;
  std::filesystem::path run_dir_;
  std::ofstream samples_csv_;
  std::ofstream checkpoints_csv_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable idle_;
  std::deque<Item> queue_;
  std::uint64_t pushed_ = 0;
  std::uint64_t written_ = 0;
  bool stop_ = false;
  bool urgent_ = false;
  std::size_t failures_ = 0;  // store writes that failed (disk full...); the first is logged
  std::thread thread_;
};

}  // namespace harness
