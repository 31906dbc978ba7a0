// `harness compare BASELINE CANDIDATE`: regression verdicts between two sets of runs.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace harness {

struct CompareCommandOptions {
  std::string baseline;
  std::string candidate;
  std::string database = "results/harness.db";
  std::string json;   // write the comparison as JSON here
  std::string junit;  // write JUnit XML here
  bool allow_missing_baseline = false;  // `last-good:NAME` with no good night yet: exit 0
  bool mark_good = false;  // a candidate matrix without regression becomes the next baseline
};

void setup_compare_command(CLI::App& app, CompareCommandOptions& options);
int run_compare_command(const CompareCommandOptions& options);

}  // namespace harness
