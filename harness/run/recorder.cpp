#include "harness/run/recorder.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "harness/error.hpp"
#include "harness/platform/atomic_file.hpp"
#include "harness/store/csv.hpp"
#include "harness/store/summary_json.hpp"

namespace harness {

Recorder::Recorder(Store& store, const RunInfo& run, std::filesystem::path run_dir)
    : store_(store), run_id_(run.id), run_dir_(std::move(run_dir)) {
  std::error_code ec;
  std::filesystem::create_directories(run_dir_, ec);
  samples_csv_.open(run_dir_ / "samples.csv", std::ios::binary | std::ios::trunc);
  checkpoints_csv_.open(run_dir_ / "checkpoints.csv", std::ios::binary | std::ios::trunc);
  if (ec || !samples_csv_ || !checkpoints_csv_) {
    throw EnvironmentError(fmt::format("cannot write the run folder '{}': {}", run_dir_.string(),
                                       ec ? ec.message() : "cannot create files"));
  }
  samples_csv_ << samples_csv_header();
  checkpoints_csv_ << checkpoints_csv_header();
  samples_csv_.flush();
  checkpoints_csv_.flush();
  store_.begin();
  store_.upsert_run(run);
  store_.commit();
  thread_ = std::thread([this] { loop(); });
}

Recorder::~Recorder() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Recorder::push(Item item) {
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(std::move(item));
    ++pushed_;
  }
}

void Recorder::update_run(const RunInfo& run) { push(run); }
void Recorder::add_samples(SampleBatch batch) { push(std::move(batch)); }
void Recorder::add_iteration(const IterationRecord& record) { push(record); }
void Recorder::add_step(StepRecord record) { push(std::move(record)); }
void Recorder::add_checkpoint(CheckpointRecord record) { push(std::move(record)); }
void Recorder::add_event(EventRecord record) {
  push(std::move(record));
  {
    std::lock_guard lock(mutex_);
    urgent_ = true;  // events are rare and matter: write them now
  }
  wake_.notify_all();
}

void Recorder::add_dump(DumpRecord record) { push(std::move(record)); }
void Recorder::add_heartbeat(const HeartbeatRecord& record) { push(record); }

void Recorder::flush() {
  std::unique_lock lock(mutex_);
  const std::uint64_t target = pushed_;
  urgent_ = true;
  wake_.notify_all();
  idle_.wait(lock, [&] { return written_ >= target || !thread_.joinable(); });
}

void Recorder::write_summary(const RunSummary& summary, bool final) {
  const std::string text = render_summary_json(summary);
  // The store gets the final summary even when the file could not be replaced.
  if (auto error = write_atomically(run_dir_ / "summary.json", text)) spdlog::error("{}", *error);
  if (final) push(Summary{summary.info.id, text});
}

void Recorder::loop() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait_for(lock, kFlushInterval, [&] { return stop_ || urgent_; });
    urgent_ = false;
    std::deque<Item> batch;
    batch.swap(queue_);
    const bool stopping = stop_;
    lock.unlock();
    const std::size_t count = batch.size();
    if (count > 0) write_batch(batch);
    lock.lock();
    written_ += count;
    idle_.notify_all();
    if (stopping && queue_.empty()) break;
  }
}

void Recorder::write_batch(std::deque<Item>& items) {
  std::string samples_text;
  std::string checkpoints_text;
  try {
    store_.begin();
    for (auto& item : items) {
      std::visit(
          [&](auto& record) {
            using T = std::decay_t<decltype(record)>;
            if constexpr (std::is_same_v<T, RunInfo>) {
              store_.upsert_run(record);
            } else if constexpr (std::is_same_v<T, SampleBatch>) {
              store_.insert_samples(run_id_, record);
              samples_text += samples_csv_rows(record);
            } else if constexpr (std::is_same_v<T, IterationRecord>) {
              store_.insert_iteration(run_id_, record);
            } else if constexpr (std::is_same_v<T, StepRecord>) {
              store_.insert_step(run_id_, record);
            } else if constexpr (std::is_same_v<T, CheckpointRecord>) {
              store_.insert_checkpoint(run_id_, record);
              checkpoints_text += checkpoints_csv_row(record);
            } else if constexpr (std::is_same_v<T, EventRecord>) {
              store_.insert_event(run_id_, record);
            } else if constexpr (std::is_same_v<T, DumpRecord>) {
              store_.insert_dump(run_id_, record);
            } else if constexpr (std::is_same_v<T, HeartbeatRecord>) {
              store_.insert_heartbeat(run_id_, record);
            } else if constexpr (std::is_same_v<T, Summary>) {
              store_.set_run_summary(record.run_id, record.json);
            }
          },
          item);
    }
    store_.commit();
  } catch (const std::exception& e) {
    std::lock_guard lock(mutex_);
    if (failures_++ == 0) {
      spdlog::error("results database write failed ({}); the CSV files in {} still get every "
                    "record",
                    e.what(), run_dir_.string());
    }
  }
  if (!samples_text.empty()) {
    samples_csv_ << samples_text;
    samples_csv_.flush();
  }
  if (!checkpoints_text.empty()) {
    checkpoints_csv_ << checkpoints_text;
    checkpoints_csv_.flush();
  }
}

}  // namespace harness
