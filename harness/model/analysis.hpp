// What the analysis concludes, as plain data: verdicts, projections, expectations. The
// functions that compute them are in analyze/ (verdict.hpp has the rules and formulas); the
// store, the saved files and the reports read these values without depending on how they were
// computed.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace harness {

enum class VerdictKind { kRetains, kPlateau, kStable, kInsufficient };

const char* verdict_name(VerdictKind kind);
std::optional<VerdictKind> verdict_from_name(const std::string& name);

struct MetricVerdict {
  std::string metric;
  std::string unit;
  std::string subject;     // what the metric measures: "the browser process", "the page's DOM"
  bool noisy = false;       // judged by its floor (analyze/verdict.hpp)
  std::string fit = "ols";  // what decided: "ols" (the points' line) or "lower envelope"
  VerdictKind kind = VerdictKind::kInsufficient;
  std::string reason;
  std::size_t points = 0;
  int first_iteration = 0;
  int last_iteration = 0;
  double first_value = 0;
  double last_value = 0;
  double slope = 0;  // OLS, unit per iteration
  double slope_se = 0;
  double ci95_low = 0;
  double ci95_high = 0;
  double theil_sen = 0;
  double threshold = 0;
  std::optional<int> plateau_from;  // iteration where growth stopped (plateau)
};

struct Verdict {
  VerdictKind kind = VerdictKind::kInsufficient;
  std::string reason;
  std::vector<std::string> metrics;  // the metrics that decided it
  // retains / plateau: what the deciding metrics measure ("the browser process", "the page's
  // DOM"), and the tab's targets that grew in them, fastest first, e.g.
  // "worker:127.0.0.1/fixtures/keeper.js (page.js_heap_used_bytes +102.1 KiB/iteration)".
  std::vector<std::string> subjects;
  std::vector<std::string> targets;
  // The default curve metric (renderer private bytes) whatever the verdict, when present.
  std::optional<double> slope_bytes_per_iteration;
  std::optional<std::pair<double, double>> ci95;
  std::vector<MetricVerdict> per_metric;
};

// When the ceiling metric would reach the ceiling at the fitted pace (analyze/projection.hpp).
struct Projection {
  std::string metric;
  double ceiling_bytes = 0;
  double iteration = 0;
  std::optional<double> iteration_earliest;
  std::optional<double> iteration_latest;
  double seconds = 0;
  std::optional<double> seconds_earliest;
  std::optional<double> seconds_latest;
  double seconds_per_iteration = 0;
  std::string trend_metric;   // the fitted metric when it is not `metric` (with headroom)
  double headroom_bytes = 0;  // median peak − trend, added to the fitted line
  // The line that was extrapolated, as analyze/projection.cpp fitted it (OLS): the fitted metric
  // (trend_metric, or `metric` without one) ≈ fit_intercept + fit_slope_per_iteration ·
  // iteration, in that metric's unit, over the checkpoints from fit_first_iteration to
  // fit_last_iteration. `iteration` is where this line plus headroom_bytes reaches the ceiling;
  // reports draw exactly that line. fit_slope_per_iteration 0: not recorded (a summary.json
  // written before it was; a projection's slope is always > 0).
  double fit_intercept = 0;
  double fit_slope_per_iteration = 0;
  double fit_first_iteration = 0;
  double fit_last_iteration = 0;
};

// A scenario's declaration of a good run (`expect:`) and what checking it found
// (analyze/expectations.hpp).
struct Expectations {
  std::optional<VerdictKind> verdict;     // e.g. stable
  std::optional<double> max_slope_bytes;  // renderer private bytes per iteration (OLS estimate)
  std::optional<double> max_peak_bytes;   // highest sampled renderer private memory
  bool empty() const { return !verdict && !max_slope_bytes && !max_peak_bytes; }
};

struct ExpectationOutcome {
  bool declared = false;
  bool met = true;
  std::vector<std::string> failures;  // one sentence each, with the numbers
};

}  // namespace harness
