// `harness matrix MATRIX.yaml`: scenarios × browser profiles × variants, each cell a run; the
// nightly job's entry point. Runs continue after a failed, crashed or hung cell.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "harness/cli/run_plans.hpp"

namespace harness {

struct MatrixCommandOptions {
  std::string matrix;
  RunOverrides overrides;  // apply to every cell, after the matrix entry's own settings
  std::string out = "results";
  std::string database;
  std::string junit;
  bool verbose = false;
  // Selenium Grid (docs/grid.md); each overrides the matrix file's `grid:`.
  std::string grid;        // the hub's URL
  int parallel = 0;        // cells at once; 0: the Grid's free slots
  std::string token_file;  // the agents' shared token
};

void setup_matrix_command(CLI::App& app, MatrixCommandOptions& options);
int run_matrix_command(const MatrixCommandOptions& options);

}  // namespace harness
