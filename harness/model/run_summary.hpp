// Everything a summary.json holds: the run's record plus what analysis made of it.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "harness/analyze/expectations.hpp"
#include "harness/analyze/projection.hpp"
#include "harness/analyze/verdict.hpp"
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
};

}  // namespace harness
