// `harness run SCENARIO.yaml`: one scenario in one or more browsers and variants.
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <vector>

namespace harness {

struct RunCommandOptions {
  std::string scenario;
  std::vector<std::string> browsers;  // empty: the scenario's
  std::string iterations;  // a number or "auto"; empty: the scenario's
  std::optional<int> max_iterations;
  std::optional<int> warmup;
  std::optional<int> checkpoint_every;
  bool no_gc = false;
  std::string ceiling;          // a size: overrides the scenario's
  std::string ceiling_enforce;  // observe | kill | limit
  std::optional<int> reload_every;
  std::optional<int> restart_every;
  std::string input;  // empty: the scenario's
  std::vector<std::string> variants;  // name=value[,value]
  std::string out = "results";
  std::string database;               // empty: <out>/harness.db
  double sample_hz = 10;
  std::string chromium = "/usr/bin/chromium";
  std::string chromedriver = "/usr/bin/chromedriver";
  bool headed = false;
  bool verbose = false;
  std::string junit;  // write JUnit XML here
};

void setup_run_command(CLI::App& app, RunCommandOptions& options);
int run_run_command(const RunCommandOptions& options);

}  // namespace harness
