#include "harness/analyze/projection.hpp"

#include <algorithm>
#include <cmath>

#include "harness/analyze/fit.hpp"

namespace harness {

namespace {

// Where the line through `metric` reaches: `central` (the ceiling less the median headroom),
// `low` for the earliest bound and `high` for the latest (less the upper and lower quartiles).
struct Targets {
  double central, low, high;
};

std::optional<Projection> project_line(const std::vector<CheckpointRecord>& checkpoints,
                                       const std::string& metric, double ceiling_bytes,
                                       Targets targets) {
  std::vector<double> x, y, t;
  for (const auto& c : checkpoints) {
    if (c.iteration < 0) continue;
    auto it = c.metrics.find(metric);
    if (it == c.metrics.end()) continue;
    x.push_back(c.iteration);
    y.push_back(it->second);
    t.push_back(static_cast<double>(c.t_ms) / 1000.0);
  }
  if (x.size() < 3) return std::nullopt;
  const LinearFit fit = ols(x, y);
  if (!fit.valid || fit.slope <= 0) return std::nullopt;
  const double x_last = x.back();
  const double span = x_last - x.front();
  const double elapsed = t.back() - t.front();
  if (span <= 0 || elapsed <= 0) return std::nullopt;

  Projection p;
  p.metric = metric;
  p.ceiling_bytes = ceiling_bytes;
  p.seconds_per_iteration = elapsed / span;
  const double level = fit.intercept + fit.slope * x_last;
  auto at_slope = [&](double slope, double target) {
    return level >= target ? (target - fit.intercept) / slope : x_last + (target - level) / slope;
  };
  auto seconds_at = [&](double iteration) {
    return t.back() + (iteration - x_last) * p.seconds_per_iteration;
  };
  p.iteration = at_slope(fit.slope, targets.central);
  p.seconds = seconds_at(p.iteration);
  if (std::isfinite(fit.ci95_high) && fit.ci95_high > 0) {
    p.iteration_earliest = at_slope(fit.ci95_high, targets.low);
    p.seconds_earliest = seconds_at(*p.iteration_earliest);
  }
  if (std::isfinite(fit.ci95_low) && fit.ci95_low > 0) {
    p.iteration_latest = at_slope(fit.ci95_low, targets.high);
    p.seconds_latest = seconds_at(*p.iteration_latest);
  }
  return p;
}

}  // namespace

std::optional<Projection> project_ceiling(const std::vector<CheckpointRecord>& checkpoints,
                                          const std::string& metric, double ceiling_bytes) {
  return project_line(checkpoints, metric, ceiling_bytes,
                      {ceiling_bytes, ceiling_bytes, ceiling_bytes});
}

std::optional<Projection> project_ceiling_with_headroom(
    const std::vector<CheckpointRecord>& checkpoints, const std::string& trend_metric,
    const std::string& peak_metric, double ceiling_bytes) {
  std::vector<CheckpointRecord> both;
  std::vector<double> gaps;
  for (const auto& c : checkpoints) {
    if (c.iteration < 0) continue;
    const auto trend = c.metrics.find(trend_metric);
    const auto peak = c.metrics.find(peak_metric);
    if (trend == c.metrics.end() || peak == c.metrics.end()) continue;
    both.push_back(c);
    gaps.push_back(peak->second - trend->second);
  }
  if (both.size() < 3) return project_ceiling(checkpoints, peak_metric, ceiling_bytes);
  std::sort(gaps.begin(), gaps.end());
  // Quantile by linear interpolation between the sorted values, floored at 0.
  auto quantile = [&](double q) {
    const double at = q * static_cast<double>(gaps.size() - 1);
    const auto below = static_cast<std::size_t>(at);
    const std::size_t above = std::min(below + 1, gaps.size() - 1);
    const double value = gaps[below] + (at - static_cast<double>(below)) * (gaps[above] - gaps[below]);
    return std::max(0.0, value);
  };
  const double headroom = quantile(0.5);
  auto p = project_line(both, trend_metric, ceiling_bytes,
                        {ceiling_bytes - headroom, ceiling_bytes - quantile(0.75),
                         ceiling_bytes - quantile(0.25)});
  if (!p) return std::nullopt;
  p->metric = peak_metric;
  p->trend_metric = trend_metric;
  p->headroom_bytes = headroom;
  return p;
}

}  // namespace harness
