// Finding run summaries for `compare` and `report`: a summary.json file, a run folder, a results
// folder of run folders, or a run id in the store.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "harness/model/run_summary.hpp"

namespace harness {

// Throws InputError naming `what` when nothing is found there.
std::vector<RunSummary> load_summaries(const std::string& what,
                                       const std::filesystem::path& database);

RunSummary read_summary_file(const std::filesystem::path& file);

}  // namespace harness
