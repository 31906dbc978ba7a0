// `harness attribute SNAPSHOT...`: leak attribution of heap snapshots taken elsewhere (DevTools,
// memlab, another run's files): what grew across them and what holds it (attribute/).
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace harness {

struct AttributeCommandOptions {
  std::vector<std::string> snapshots;  // oldest first, at least three
  std::vector<int> iterations;         // the iteration each was taken at
  std::string json;                    // write the attribution as JSON here
  std::size_t top = 10;
  double min_per_iteration = 0.5;
};

void setup_attribute_command(CLI::App& app, AttributeCommandOptions& options);
int run_attribute_command(const AttributeCommandOptions& options);

}  // namespace harness
