// The end-of-command summary table (plain text, fixed-width columns). Pure rendering.
#pragma once

#include <string>
#include <vector>

#include "harness/model/run_summary.hpp"

namespace harness {

std::string render_summary_table(const std::vector<RunSummary>& runs);

}  // namespace harness
