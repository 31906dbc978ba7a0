// Builds the report model (report_model.hpp) from run folders and the store. The only part of
// the reporting that reads files; rendering is pure.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "harness/report/report_model.hpp"
#include "harness/store/summaries.hpp"

namespace harness {

struct ReportOptions {
  std::string title = "Browser memory report";
  std::filesystem::path database;    // samples, steps, history; optional
  std::filesystem::path output_dir;  // links (screenshots, dumps) are made relative to it
  bool history = false;              // slope and peak of every key across all runs in the store
  std::optional<std::vector<RunSummary>> baseline;  // a comparison section against these
};

// At most this many points per time series in a report.
inline constexpr std::size_t kReportMaxPoints = 600;

Report build_report(const std::vector<LoadedRun>& runs, const ReportOptions& options);

// The process tree's private memory by role over time, from a run's samples (the store's),
// thinned to at most `max_points` (the highest value of each thinned span is kept, so peaks
// survive).
std::vector<RoleSample> role_samples(const std::vector<SampleBatch>& batches,
                                     std::size_t max_points);

}  // namespace harness
