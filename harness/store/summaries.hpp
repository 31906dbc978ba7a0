// Finding run summaries for `compare` and `report`: a summary.json file, a run folder, a results
// folder of run folders, or a run id in the store.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "harness/model/run_summary.hpp"

namespace harness {

struct LoadedRun {
  RunSummary summary;
  std::filesystem::path dir;  // the run folder (where summary.json is)
};

// `what` is a summary.json, a run folder, a matrix folder (matrix.json lists its runs), a
// results folder (every run folder in it), a run id in the store, or `last-good:NAME` (the runs
// of the newest matrix NAME marked good in the store). Throws InputError naming `what` when
// nothing is found there.
std::vector<LoadedRun> load_runs(const std::string& what, const std::filesystem::path& database);
std::vector<RunSummary> load_summaries(const std::string& what,
                                       const std::filesystem::path& database);

RunSummary read_summary_file(const std::filesystem::path& file);

}  // namespace harness
