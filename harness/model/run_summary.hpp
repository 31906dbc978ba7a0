// Everything a summary.json holds: the run's record plus what analysis made of it.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "harness/model/analysis.hpp"
#include "harness/model/attribution.hpp"
#include "harness/model/run_model.hpp"

namespace harness {

// The highest sampled value of the ceiling metric (renderer private memory) in the run.
struct Peak {
  std::string metric;
  double bytes = 0;
  std::int64_t t_ms = 0;
  int iteration = 0;
};

// `iterations: auto`: the run went on until the verdict was decided or the maximum was reached.
struct Adaptive {
  bool enabled = false;
  int max_iterations = 0;
  int iterations_used = 0;  // measured iterations, warm-up excluded
  double seconds_used = 0;  // from the run's start to the deciding checkpoint
};

// What the ceiling did in this run.
struct CeilingReport {
  double bytes = 0;
  std::string metric;
  std::string enforce;  // observe, kill, limit
  // When the metric first passed the ceiling (observe, kill) or the renderer died at it (limit).
  std::optional<int> reached_iteration;
  std::optional<std::int64_t> reached_t_ms;
  std::optional<double> reached_bytes;
  // The projection made from the checkpoints of the first 25 % of the iterations before it was
  // reached: how well the curve predicted the crash.
  std::optional<Projection> early_projection;
};

// Mitigation experiments (reload_every, restart_every): did the run stay below the ceiling?
struct MitigationReport {
  int reload_every = 0;
  int restart_every = 0;
  int reloads = 0;
  int restarts = 0;
  std::optional<bool> stayed_below_ceiling;  // with a ceiling
};

struct RunSummary {
  RunInfo info;
  std::vector<CheckpointRecord> checkpoints;
  std::vector<EventRecord> events;
  std::map<std::string, std::string> files;  // role -> path relative to the run folder
  std::optional<Verdict> verdict;             // once the run has checkpoints
  std::optional<Projection> projection;       // retains with a ceiling only
  Expectations expect;
  ExpectationOutcome expectations;
  std::optional<Peak> peak;
  Adaptive adaptive;
  std::optional<CeilingReport> ceiling;
  MitigationReport mitigation;
  std::vector<DumpRecord> dumps;
  // Responsiveness: each measured iteration's duration, and the page's slowest heartbeat answer
  // during it (a stall; < 0 when it did not answer at all).
  std::vector<CurvePoint> iteration_ms;
  std::vector<CurvePoint> heartbeat_max_ms;
  // `attribution: true` / --attribute: what grew and what holds it (model/attribution.hpp).
  std::optional<Attribution> attribution;
};

}  // namespace harness
