// What the reports show: plain data assembled from the store and the run folders
// (report/report_loader.hpp), rendered by one reporter per format (html.hpp, markdown.hpp, ...).
// Units are in the names.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "harness/analyze/compare.hpp"
#include "harness/model/run_summary.hpp"

namespace harness {

// One point of the process tree's memory over time, per process role.
struct RoleSample {
  double t_s = 0;                          // seconds since the run started
  std::map<std::string, double> private_bytes;  // role ("renderer", "browser", ...) -> sum
};

// One step's durations across the measured iterations.
struct StepTiming {
  std::string label;
  std::vector<CurvePoint> duration_ms;  // [iteration, ms]
  int failures = 0;
};

// A JavaScript error the page raised during the run.
struct JsErrorRecord {
  std::int64_t t_ms = 0;
  int iteration = 0;
  std::string message;
  std::string source;  // url:line:col when known
};

struct ReportRun {
  RunSummary summary;
  std::string dir;                     // the run folder
  std::vector<RoleSample> memory_by_role;  // thinned to at most ~600 points
  std::vector<StepTiming> steps;
  std::vector<JsErrorRecord> js_errors;
};

// Step × browser compatibility: did each step pass in each browser (all variants, all runs)?
struct CompatibilityCell {
  int passed = 0;
  int failed = 0;
  std::string failure;     // the first failure's message
  std::string screenshot;  // a failure screenshot, relative to the report's folder
};

struct CompatibilityTable {
  std::vector<std::string> steps;     // rows, in scenario order
  std::vector<std::string> browsers;  // columns
  std::map<std::pair<std::string, std::string>, CompatibilityCell> cells;  // (step, browser)
};

// All runs of one scenario, drawn together.
struct ScenarioReport {
  std::string scenario;
  std::vector<ReportRun> runs;
  CompatibilityTable compatibility;
};

// Slope and peak of one (scenario, browser, variant) across nights.
struct HistoryPoint {
  std::string run_id;
  std::string started_at;
  std::optional<double> slope_bytes_per_iteration;
  std::optional<double> peak_bytes;
  std::string verdict;
  bool regression = false;  // `compare` with the previous point found a regression
  std::string regression_reason;
};

struct HistorySeries {
  std::string key;  // run_key(): "scenario browser variant"
  std::vector<HistoryPoint> points;
};

struct Report {
  std::string title;
  std::string generated_at;  // ISO 8601 UTC
  std::vector<ScenarioReport> scenarios;
  std::vector<HistorySeries> history;     // empty unless asked for
  std::optional<Comparison> comparison;   // with a baseline
};

}  // namespace harness
