#include "harness/cli/compare_command.hpp"

#include <fmt/format.h>

#include <fstream>
#include <iostream>

#include "harness/analyze/compare.hpp"
#include "harness/cli/exit_codes.hpp"
#include "harness/error.hpp"
#include "harness/report/comparison.hpp"
#include "harness/report/junit.hpp"
#include "harness/store/store.hpp"
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
  cmd->add_flag("--allow-missing-baseline", o.allow_missing_baseline,
                "When the baseline is last-good:NAME and no night is marked good yet, say so and "
                "exit 0 (the first night)");
  cmd->add_flag("--mark-good", o.mark_good,
                "When the candidate is a matrix folder whose runs all completed and met their "
                "expectations, and there is no regression, mark it good: the next "
                "last-good:NAME");
}

namespace {
void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw InputError(fmt::format("cannot write {}", path));
}
}  // namespace

namespace {

// Marks the candidate matrix good when all its runs completed and met their expectations.
void mark_good(const CompareCommandOptions& o, const std::vector<RunSummary>& candidate) {
  const std::filesystem::path matrix_json = std::filesystem::path(o.candidate) / "matrix.json";
  if (!std::filesystem::exists(matrix_json)) {
    std::cerr << "harness: --mark-good: " << o.candidate
              << " is not a matrix folder; nothing marked" << std::endl;
    return;
  }
  for (const auto& s : candidate) {
    if (s.info.status != RunStatus::kCompleted || !s.expectations.met) {
      std::cerr << "harness: --mark-good: not marked good: run " << s.info.id << " is "
                << status_name(s.info.status)
                << (s.expectations.met ? "" : " and missed an expectation") << std::endl;
      return;
    }
  }
  std::ifstream in(matrix_json);
  const auto j = nlohmann::json::parse(in, nullptr, false);
  const std::string id = j.is_object() ? j.value("id", "") : "";
  Store store(o.database);
  if (id.empty() || !store.matrix(id)) {
    std::cerr << "harness: --mark-good: matrix " << id << " is not in " << o.database << std::endl;
    return;
  }
  store.mark_matrix_good(id);
  std::cerr << "harness: matrix " << id << " marked good" << std::endl;
}

}  // namespace

int run_compare_command(const CompareCommandOptions& o) {
  const auto candidate = load_summaries(o.candidate, o.database);
  std::vector<RunSummary> baseline;
  try {
    baseline = load_summaries(o.baseline, o.database);
  } catch (const InputError& e) {
    if (!o.allow_missing_baseline || o.baseline.rfind("last-good:", 0) != 0) throw;
    std::cout << "no baseline yet (" << e.what() << "): nothing to compare" << std::endl;
    if (o.mark_good) mark_good(o, candidate);
    return kExitOk;
  }
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
  if (comparison.has_regression()) return kExitFailed;
  if (o.mark_good) mark_good(o, candidate);
  return kExitOk;
}

}  // namespace harness
