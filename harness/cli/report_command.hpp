// `harness report RESULTS`: regenerate a report (html, json, csv, junit, md) from runs on disk
// and the store, optionally with the history of every run in the store and a baseline.
#pragma once

#include <CLI/CLI.hpp>
#include <filesystem>
#include <string>
#include <vector>

#include "harness/store/summaries.hpp"

namespace harness {

struct ReportCommandOptions {
  std::string results = "results";
  std::string format = "html";
  std::string out;  // default: report.<ext> in RESULTS (a folder), or stdout for text formats
  std::string database;  // default: results/harness.db, or RESULTS/harness.db when it exists
  bool history = false;
  std::string baseline;
  std::string title;
};

void setup_report_command(CLI::App& app, ReportCommandOptions& options);
int run_report_command(const ReportCommandOptions& options);

// Writes `text` to `file` through a temporary file and a rename (a reader never sees half).
void write_file_atomically(const std::filesystem::path& file, const std::string& text);

// The HTML report of a set of runs into `file` (used by run and matrix after their runs).
void write_html_report(const std::vector<LoadedRun>& runs, const std::filesystem::path& database,
                       const std::filesystem::path& file, const std::string& title);

}  // namespace harness
