// The inside of one run (run/runner.hpp is its outside). RunExecution holds the run's state and
// threads; its parts live in files of their own:
//   runner.cpp       the run from start to end: folder and records, the browser's lifecycle
//                    (launch, sampler, watchdog, dump worker, and the reverse), what every
//                    sample is checked for, heartbeats and hangs, how the run ended
//   drive_steps.cpp  driver mode: set-up, warm-up, iterations of scenario steps, mitigations
//   drive_page.cpp   page mode: the page runs the workflow and reports through beacons
//   checkpoints.cpp  checkpoints (forced GC, detailed readings, page counters) and the analysis
// and the rules they apply in ceiling_guard, dump_worker, evidence and outcome, each tested on
// its own. Internal to run/.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

#include "harness/drive/step_runner.hpp"
#include "harness/model/attribution.hpp"
#include "harness/platform/cleanup_journal.hpp"
#include "harness/platform/process.hpp"
#include "harness/platform/process_tree.hpp"
#include "harness/run/ceiling_guard.hpp"
#include "harness/run/dump_worker.hpp"
#include "harness/run/outcome.hpp"
#include "harness/run/recorder.hpp"
#include "harness/run/runner.hpp"
#include "harness/run/watchdog.hpp"
#include "harness/sample/sampler.hpp"
#include "harness/serve/beacons.hpp"

namespace harness {

using RunClock = std::chrono::steady_clock;

// Full GCs before a checkpoint. One pass sometimes leaves the last removed frame's document
// (V8 and Blink's Oilpan heaps reference each other; a detached document can need a second
// cycle): measured on vtm-review/none, 2 of 13 checkpoints still counted 6 extra documents after
// one pass.
inline constexpr int kGcPasses = 2;

// Events reach both the store (through the recorder) and the in-memory summary, from the
// runner thread, the sampler thread, the watchdog and the dump worker.
class EventLog {
 public:
  EventLog(Recorder& recorder, RunSummary& summary) : recorder_(recorder), summary_(summary) {}
  void add(EventRecord event) {
    recorder_.add_event(event);
    std::lock_guard lock(mutex_);
    summary_.events.push_back(std::move(event));
  }
  // The summary's shared parts (events, peak, dumps, checkpoints) are touched under this lock.
  std::mutex& mutex() { return mutex_; }

 private:
  Recorder& recorder_;
  RunSummary& summary_;
  std::mutex mutex_;
};

class RunExecution : private ProcessControl {
 public:
  RunExecution(const RunPlan& plan, Store& store, RunObserver& observer,
               const std::atomic<bool>& stop);
  ~RunExecution() override;
  RunResult execute();

 private:
  // ---- runner.cpp ----
  void begin_records(std::chrono::system_clock::time_point wall_start);
  std::int64_t now_ms() const;
  void event(const std::string& kind, const std::string& message,
             nlohmann::json details = nlohmann::json::object());
  bool start_browser();
  void stop_browser();
  void on_sample(const SampleBatch& batch);
  void journal_tree_members();
  void on_heartbeat(double latency_ms);
  void on_hang(std::chrono::milliseconds unresponsive);
  void add_dump(const DumpRecord& record);
  void index_minidumps();
  void drive();
  void finish(OutcomeFacts facts);
  OutcomeFacts facts(DriveEnd end, const std::string& message) const;
  std::string crash_notice();
  void check_browser();
  void failure_screenshot();
  // ProcessControl, for the ceiling guard: the members of the current session's tree.
  std::optional<ProcessIdentity> identity_of(Pid pid) override;
  std::optional<ProcessStatus> status(Pid pid) override;
  void kill(const ProcessIdentity& identity) override;
  bool set_data_limit(const ProcessIdentity& identity, std::uint64_t bytes,
                      std::string* error) override;

  // ---- components.cpp ----
  // summary_.info.components: every declared component, whether it is in this run and why not.
  void record_components();
  // The co-running programs, before the first browser; false (the run recorded as failed to
  // start) when one cannot be started.
  bool start_programs();
  // Ends them after the last browser, by their process groups; records how each ended.
  void stop_programs();
  // The run's extensions and add-ons into the browser's launch options.
  void add_components(LaunchOptions& options) const;
  // After a launch: what the browser says of the components it loaded (ids, versions).
  void note_loaded_components();
  // The sampler: over the browser's tree and the programs' when there are programs.
  std::unique_ptr<SampleSource> start_sampler();
  // ---- drive_steps.cpp ----
  void drive_steps();
  StepRunner make_runner();
  void run_phase(StepRunner& runner, const std::string& phase, const std::vector<Step>& steps,
                 int iteration);
  void open_and_set_up(const std::string& phase);
  void run_iteration(int n);
  void mitigate(int i);

  // ---- drive_page.cpp ----
  void drive_page();
  Beacon next_beacon(std::chrono::milliseconds limit);
  [[noreturn]] void page_failed(const std::string& what, const std::string& error);

  // ---- checkpoints.cpp ----
  void checkpoint(int iteration);
  void collect_page_errors();
  bool decided() const;
  // Whether a checkpoint follows measured iteration i (run/checkpoint_schedule.hpp).
  bool checkpoint_due(int i) const;
  void iteration_done(int n);
  void analyze();

  // ---- attribution.cpp ----
  // At the end of a checkpoint: the frames' DOM counts, and the heap snapshot if one is due.
  void attribution_checkpoint(int iteration);
  // With iterations: auto, a retains verdict takes the middle snapshot and the run goes on to
  // the last one: the run is not decided until then.
  bool attribution_pending() const;
  // After the run: reads the snapshots and writes summary_.attribution.
  void attribute();
  std::optional<Projection> project_to_ceiling(const std::vector<CheckpointRecord>& checkpoints,
                                               double ceiling_bytes) const;

  const RunPlan& plan_;
  Store& store_;
  RunObserver& observer_;
  const std::atomic<bool>& stop_;
  RunClock::time_point started_;
  std::filesystem::path dir_;
  RunSummary summary_;
  std::unique_ptr<Recorder> recorder_;
  std::unique_ptr<EventLog> events_;
  std::unique_ptr<CleanupJournal> journal_;
  std::size_t journaled_ = 0;  // tree members written to the journal; sampler thread only
  bool cleaned_up_ = true;     // the last browser ended with no survivor and no profile left
  std::mutex session_mutex_;   // guards session_ swaps against the sampler, watchdog, dump worker
  std::unique_ptr<BrowserSession> session_;
  std::atomic<bool> remote_processes_{false};  // the session's processes are on a Grid node
  struct RunningProgram {
    const Component* component = nullptr;
    std::unique_ptr<ChildProcess> process;
    std::unique_ptr<ProcessTree> tree;
  };
  std::vector<RunningProgram> programs_;  // runner thread; trees read by the sampler
  std::unique_ptr<ProcessSource> sampled_tree_;  // browser + programs; outlives sampler_
  std::unique_ptr<SampleSource> sampler_;
  std::unique_ptr<Watchdog> watchdog_;
  std::unique_ptr<CeilingGuard> ceiling_guard_;  // with a ceiling; sampler thread only
  std::unique_ptr<DumpWorker> dump_worker_;
  bool dump_baseline_armed_ = false;  // runner thread only
  std::atomic<int> iteration_{0};
  std::atomic<double> last_renderer_bytes_{0};
  std::atomic<double> interval_peak_{0};  // highest sample since the last checkpoint
  std::atomic<bool> hung_{false};
  std::atomic<bool> crashed_or_hung_{false};
  std::map<int, double> heartbeat_max_;  // under events_->mutex()
  // Attribution (runner thread only until attribute() moves it into the summary).
  Attribution attribution_;
  int attribution_last_at_ = 0;
  bool attribution_failed_ = false;  // a heap snapshot could not be taken  // auto: the iteration of the last snapshot, once the middle one is taken
};

}  // namespace harness
