// One run: one scenario × one browser profile × one variant. Launches the browser, runs set-up,
// warm-up and the measured iterations with checkpoints, samples the process tree throughout,
// records everything as it goes, and always ends every process it started.
#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

#include "harness/browser/profile.hpp"
#include "harness/model/run_summary.hpp"
#include "harness/model/time.hpp"
#include "harness/scenario/scenario.hpp"
#include "harness/scenario/variants.hpp"
#include "harness/store/store.hpp"

namespace harness {

class BeaconChannel;

// Everything a run needs, decided before it starts (immutable options, STYLE.md §8).
struct RunPlan {
  const Scenario* scenario = nullptr;
  const BrowserProfile* profile = nullptr;
  VariantAssignment variant;
  std::string base_url;  // the served folder's URL; relative `start`/`open` resolve against it
  int iterations = 0;  // fixed count; with iterations_auto, the maximum
  bool iterations_auto = false;
  int warmup = 0;
  Expectations expect;
  CheckpointPolicy checkpoint;
  InputMode input = InputMode::kScripted;
  std::optional<Ceiling> ceiling;  // the scenario's, or the command line's
  DumpPolicy dumps;
  int reload_every = 0;
  int restart_every = 0;
  bool attribution = false;  // run/attribution.cpp
  DriveMode drive = DriveMode::kDriver;
  BeaconChannel* beacons = nullptr;  // page mode: the route the page reports to
  std::chrono::milliseconds sample_interval{100};
  std::filesystem::path results_dir;
  // The cleanup journal's folder (platform/cleanup_journal.hpp); empty: no journal.
  std::filesystem::path journal_dir;
  LaunchOptions launch;  // run_dir is filled in by the runner
  int index = 1;         // this run's position among the invocation's runs, for progress
  int total = 1;
};

// Progress hooks for the console; called on the runner's thread.
class RunObserver {
 public:
  virtual ~RunObserver() = default;
  virtual void run_started(const RunPlan&, const RunInfo&) {}
  virtual void phase(const RunPlan&, const RunInfo&, const std::string& /*what*/) {}
  // `renderer_private_bytes` from the latest sample, if any.
  virtual void iteration_done(const RunPlan&, const RunInfo&, int /*iteration*/,
                              std::optional<double> /*renderer_private_bytes*/) {}
  virtual void checkpoint_done(const RunPlan&, const RunInfo&, const CheckpointRecord&) {}
  virtual void run_finished(const RunPlan&, const RunSummary&) {}
};

struct RunResult {
  RunSummary summary;
  std::filesystem::path dir;
  // False when the browser or driver never came up, so no measurement exists (exit code 3).
  bool launched = false;
};

RunResult execute_run(const RunPlan& plan, Store& store, RunObserver& observer,
                      const std::atomic<bool>& stop);

}  // namespace harness
