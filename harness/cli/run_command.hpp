// `harness run SCENARIO.yaml`: one scenario in one or more browsers and variants.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "harness/cli/run_plans.hpp"

namespace harness {

struct RunCommandOptions {
  std::string scenario;
  RunOverrides overrides;
  std::string out = "results";
  std::string database;  // empty: <out>/harness.db
  bool verbose = false;
  std::string junit;  // write JUnit XML here
  bool no_report = false;
};

// The options every command that runs scenarios takes (run, matrix).
void add_run_override_options(CLI::App* command, RunOverrides& o);

void setup_run_command(CLI::App& app, RunCommandOptions& options);
int run_run_command(const RunCommandOptions& options);

}  // namespace harness
