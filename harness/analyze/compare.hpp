// Baseline vs candidate: runs matched by scenario, browser and variant, and a verdict per pair.
// The diff model only; rendering is in report/. Pure.
//
// Per pair, in order:
//   1. either run did not complete, or has no verdict, or its verdict is insufficient
//      -> insufficient (nothing can be concluded);
//   2. the verdict changed from stable/plateau to retains -> regression; the reverse ->
//      improvement;
//   3. otherwise each metric both runs measured is compared by its OLS slope:
//        Δ = slope_candidate − slope_baseline,  z = Δ / sqrt(se_b² + se_c²)
//      regression when some metric has z > 1.96 (95 %, one-sided 97.5 %) and Δ above that
//      metric's threshold (verdict.hpp); improvement when every significant change is a decrease
//      beyond the threshold; else unchanged. An infinite standard error (2-point fits) never
//      counts as significant.
// Peaks are reported (delta in bytes) but do not decide: a longer run of a leaking page peaks
// higher without being worse.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "harness/model/run_summary.hpp"

namespace harness {

enum class ChangeKind { kRegression, kImprovement, kUnchanged, kInsufficient };
const char* change_name(ChangeKind kind);

struct MetricChange {
  std::string metric;
  std::string unit;
  double baseline_slope = 0;
  double candidate_slope = 0;
  double delta = 0;
  double z = 0;  // 0 when it cannot be computed
  bool significant = false;
};

struct PairComparison {
  std::string scenario;
  std::string browser;
  std::vector<std::pair<std::string, std::string>> variant;
  std::string baseline_run;
  std::string candidate_run;
  std::string baseline_verdict;  // verdict name, or "-" without one
  std::string candidate_verdict;
  std::optional<double> slope_delta_bytes;  // renderer private bytes/iteration
  std::optional<double> peak_delta_bytes;
  std::vector<MetricChange> metrics;
  ChangeKind kind = ChangeKind::kInsufficient;
  std::string reason;

  std::string label() const;  // "vtm-review chromium retention=window"
};

struct Comparison {
  std::vector<PairComparison> pairs;
  std::vector<std::string> baseline_only;   // labels of runs without a counterpart
  std::vector<std::string> candidate_only;
  bool has_regression() const;
};

// One baseline run against one candidate run, by the rules above (whatever their keys).
PairComparison compare_pair(const RunSummary& baseline, const RunSummary& candidate);

// Runs with the same key on one side: the latest (by started_at) is used.
Comparison compare_runs(const std::vector<RunSummary>& baseline,
                        const std::vector<RunSummary>& candidate);

// "scenario browser name=value,...": the matching key of a run.
std::string run_key(const RunInfo& info);

}  // namespace harness
