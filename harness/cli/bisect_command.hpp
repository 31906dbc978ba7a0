// `harness bisect SCENARIO.yaml`: runs the scenario with none of its components (the clean
// baseline) and with all of them; when all-on regresses against clean (analyze/compare.hpp),
// finds the smallest set of components that still does (analyze/bisect.hpp) with one probe run
// per set. Writes bisect.json and report.html in its folder; exit 0 culprits found, 1 the
// regression did not reproduce, 2 bad input.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "harness/cli/run_plans.hpp"

namespace harness {

struct BisectCommandOptions {
  std::string scenario;
  RunOverrides overrides;
  std::string out = "results";
  std::string database;  // default: <out>/harness.db
  bool verbose = false;
};

void setup_bisect_command(CLI::App& app, BisectCommandOptions& options);
int run_bisect_command(const BisectCommandOptions& options);

}  // namespace harness
