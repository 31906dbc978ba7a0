#include "harness/analyze/projection.hpp"

#include <cmath>

#include "harness/analyze/fit.hpp"

namespace harness {

std::optional<Projection> project_ceiling(const std::vector<CheckpointRecord>& checkpoints,
                                          const std::string& metric, double ceiling_bytes) {
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
  auto at_slope = [&](double slope) {
    return level >= ceiling_bytes ? (ceiling_bytes - fit.intercept) / slope
                                  : x_last + (ceiling_bytes - level) / slope;
  };
  auto seconds_at = [&](double iteration) {
    return t.back() + (iteration - x_last) * p.seconds_per_iteration;
  };
  p.iteration = at_slope(fit.slope);
  p.seconds = seconds_at(p.iteration);
  if (std::isfinite(fit.ci95_high) && fit.ci95_high > 0) {
    p.iteration_earliest = at_slope(fit.ci95_high);
    p.seconds_earliest = seconds_at(*p.iteration_earliest);
  }
  if (std::isfinite(fit.ci95_low) && fit.ci95_low > 0) {
    p.iteration_latest = at_slope(fit.ci95_low);
    p.seconds_latest = seconds_at(*p.iteration_latest);
  }
  return p;
}

}  // namespace harness
