#include "harness/cli/compare_command.hpp"

#include <fmt/format.h>

#include <fstream>
#include <iostream>

#include "harness/analyze/compare.hpp"
#include "harness/cli/exit_codes.hpp"
#include "harness/error.hpp"
#include "harness/report/comparison.hpp"
#include "harness/report/junit.hpp"
#include "harness/store/summaries.hpp"

namespace harness {

void setup_compare_command(CLI::App& app, CompareCommandOptions& o) {
  auto* cmd = app.add_subcommand(
      "compare", "Compare a candidate with a baseline: regression verdicts, exit code 1 on any");
  cmd->add_option("baseline", o.baseline,
                  "A summary.json, a run folder, a results folder, or a run id in the database")
      ->required();
  cmd->add_option("candidate", o.candidate, "The same kinds of thing as the baseline")->required();
  cmd->add_option("--db", o.database, "Database for run ids (default: results/harness.db)");
  cmd->add_option("--json", o.json, "Also write the comparison as JSON to this file");
  cmd->add_option("--junit", o.junit, "Also write JUnit XML to this file");
}

namespace {
void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw InputError(fmt::format("cannot write {}", path));
}
}  // namespace

int run_compare_command(const CompareCommandOptions& o) {
  const auto baseline = load_summaries(o.baseline, o.database);
  const auto candidate = load_summaries(o.candidate, o.database);
  const Comparison comparison = compare_runs(baseline, candidate);
  if (comparison.pairs.empty()) {
    throw InputError(fmt::format("no run of {} matches a run of {} by scenario, browser and "
                                 "variant",
                                 o.candidate, o.baseline));
  }
  std::cout << render_comparison_text(comparison);
  std::cout.flush();
  if (!o.json.empty()) write_file(o.json, comparison_to_json(comparison).dump(2) + "\n");
  if (!o.junit.empty()) write_file(o.junit, render_compare_junit(comparison, "harness compare"));
  return comparison.has_regression() ? kExitFailed : kExitOk;
}

}  // namespace harness
