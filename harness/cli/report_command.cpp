#include "harness/cli/report_command.hpp"

#include <fmt/format.h>

#include <fstream>
#include <iostream>

#include "harness/cli/exit_codes.hpp"
#include "harness/error.hpp"
#include "harness/platform/atomic_file.hpp"
#include "harness/report/comparison.hpp"
#include "harness/report/html.hpp"
#include "harness/report/junit.hpp"
#include "harness/report/markdown.hpp"
#include "harness/report/report_loader.hpp"
#include "harness/store/summary_json.hpp"

namespace harness {

void setup_report_command(CLI::App& app, ReportCommandOptions& o) {
  auto* cmd = app.add_subcommand("report", "Regenerate a report from results: html (default), "
                                           "json, csv, junit, md");
  cmd->add_option("results", o.results,
                  "A results folder, run folder, matrix folder, summary.json or run id "
                  "(default: results)");
  cmd->add_option("--format", o.format, "html, json, csv, junit or md")
      ->check(CLI::IsMember({"html", "json", "csv", "junit", "md"}));
  cmd->add_option("-o,--out", o.out,
                  "Output file (default: report.<format> in the results folder; json, csv and "
                  "md go to stdout when RESULTS is not a folder)");
  cmd->add_option("--db", o.database, "Results database (default: <results>/harness.db)");
  cmd->add_flag("--history", o.history,
                "Add slope and peak of every scenario, browser and variant across all runs in "
                "the database, regressions marked");
  cmd->add_option("--baseline", o.baseline,
                  "Compare with these runs (same forms as RESULTS, or last-good:NAME)");
  cmd->add_option("--title", o.title, "Report title");
}

void write_file_atomically(const std::filesystem::path& file, const std::string& text) {
  std::error_code ec;
  if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path(), ec);
  if (auto error = write_atomically(file, text)) throw InputError(*error);
}

void write_html_report(const std::vector<LoadedRun>& runs, const std::filesystem::path& database,
                       const std::filesystem::path& file, const std::string& title) {
  ReportOptions options;
  options.title = title;
  options.database = database;
  options.output_dir = file.parent_path();
  write_file_atomically(file, render_html(build_report(runs, options)));
}

int run_report_command(const ReportCommandOptions& o) {
  const std::filesystem::path results(o.results);
  std::error_code ec;
  const bool folder = std::filesystem::is_directory(results, ec);
  std::filesystem::path database = o.database;
  if (database.empty()) {
    database = folder && std::filesystem::exists(results / "harness.db")
                   ? results / "harness.db"
                   : std::filesystem::path("results/harness.db");
    // A run folder inside a results folder: the database is next to it.
    if (folder && !std::filesystem::exists(database) &&
        std::filesystem::exists(results.parent_path() / "harness.db")) {
      database = results.parent_path() / "harness.db";
    }
  }
  const auto runs = load_runs(o.results, database);
  std::filesystem::path out = o.out;
  const bool to_stdout = out.empty() && !folder && o.format != "html";
  if (out.empty() && !to_stdout) {
    const std::string ext = o.format == "junit" ? "xml" : o.format;
    out = (folder ? results : std::filesystem::path(".")) / ("report." + ext);
  }
  ReportOptions options;
  options.title = o.title.empty() ? fmt::format("Browser memory report: {}", o.results) : o.title;
  options.database = database;
  options.output_dir = out.empty() ? std::filesystem::path(".") : out.parent_path();
  options.history = o.history;
  if (!o.baseline.empty()) options.baseline = load_summaries(o.baseline, database);
  const Report report = build_report(runs, options);

  std::string text;
  if (o.format == "html") {
    text = render_html(report);
  } else if (o.format == "md") {
    text = render_markdown(report);
  } else if (o.format == "csv") {
    text = render_runs_csv(report);
  } else if (o.format == "junit") {
    std::vector<RunSummary> summaries;
    for (const auto& r : runs) summaries.push_back(r.summary);
    text = report.comparison ? render_compare_junit(*report.comparison, "harness report")
                             : render_run_junit(summaries, "harness report");
  } else {  // json: the canonical summaries, plus the comparison when there is one
    nlohmann::ordered_json j;
    j["title"] = report.title;
    j["generated_at"] = report.generated_at;
    j["runs"] = nlohmann::ordered_json::array();
    for (const auto& r : runs) j["runs"].push_back(summary_to_json(r.summary));
    if (report.comparison) j["comparison"] = comparison_to_json(*report.comparison);
    text = j.dump(2) + "\n";
  }
  if (to_stdout) {
    std::cout << text;
  } else {
    write_file_atomically(out, text);
    std::cout << out.string() << "\n";
  }
  std::cout.flush();
  return kExitOk;
}

}  // namespace harness
