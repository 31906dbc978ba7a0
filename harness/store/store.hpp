// The results database (results/harness.db): every run, iteration, step, sample, checkpoint and
// event, across nights. SQLite in WAL mode so readers (report, compare, a user's sqlite3) never
// block the writer. One connection writes; see run/recorder.hpp for the writer thread.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "harness/model/run_model.hpp"

namespace harness {

class Store {
 public:
  // Opens or creates the database and its schema. Throws EnvironmentError.
  explicit Store(const std::filesystem::path& file);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  const std::filesystem::path& file() const { return file_; }

  // Writes happen inside the transaction the caller opens (the recorder batches them).
  void begin();
  void commit();

  void upsert_run(const RunInfo& info);
  void insert_iteration(const std::string& run_id, const IterationRecord& record);
  void insert_step(const std::string& run_id, const StepRecord& record);
  void insert_samples(const std::string& run_id, const SampleBatch& batch);
  void insert_checkpoint(const std::string& run_id, const CheckpointRecord& record);
  void insert_event(const std::string& run_id, const EventRecord& record);
  void insert_dump(const std::string& run_id, const DumpRecord& record);
  void insert_heartbeat(const std::string& run_id, const HeartbeatRecord& record);
  void set_run_summary(const std::string& run_id, const std::string& summary_json);

  // A run whose harness died: what the store last heard of it, and the mark that closes it.
  struct LastHeard {
    int iterations_completed = 0;  // the highest measured iteration recorded as done
    std::int64_t t_ms = 0;         // the latest sample, event or iteration end
  };
  LastHeard last_heard(const std::string& run_id) const;
  // Sets a still-`running` run to `interrupted` with the reason and an `interrupted` event;
  // false when the run is unknown or already ended.
  bool mark_interrupted(const std::string& run_id, const std::string& reason,
                        const std::string& ended_at);

  // Readers.
  std::vector<RunInfo> runs() const;
  std::optional<RunInfo> run(const std::string& run_id) const;
  std::vector<IterationRecord> iterations(const std::string& run_id) const;
  std::vector<CheckpointRecord> checkpoints(const std::string& run_id) const;
  std::vector<EventRecord> events(const std::string& run_id) const;
  std::vector<DumpRecord> dumps(const std::string& run_id) const;
  std::vector<StepRecord> steps(const std::string& run_id) const;
  // Every sample of the run in time order, one batch per sampling instant (as inserted).
  std::vector<SampleBatch> samples(const std::string& run_id) const;

  // Matrices (harness matrix): a night's set of runs; `good` once compared without regression.
  struct MatrixRow {
    std::string id;
    std::string name;
    std::string started_at;
    std::string results_dir;
    bool good = false;
  };
  void upsert_matrix(const MatrixRow& row);
  void mark_matrix_good(const std::string& id);
  std::optional<MatrixRow> matrix(const std::string& id) const;
  std::optional<MatrixRow> last_good_matrix(const std::string& name) const;
  std::size_t sample_count(const std::string& run_id) const;
  // The summary.json text stored when the run ended; empty when it has none.
  std::string run_summary_json(const std::string& run_id) const;

 private:
  struct Impl;
  std::filesystem::path file_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace harness
