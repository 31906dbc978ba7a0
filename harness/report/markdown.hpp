// A Markdown summary of a report, short enough for a CI comment: one table row per run, then
// the regressions and failed expectations. Pure.
#pragma once

#include <string>

#include "harness/report/report_model.hpp"

namespace harness {

std::string render_markdown(const Report& report);

// One CSV row per run (the run-level figures; samples.csv and checkpoints.csv hold the rest).
std::string render_runs_csv(const Report& report);

}  // namespace harness
