#include "harness/analyze/projection.hpp"

#include <algorithm>
#include <cmath>

#include "harness/analyze/fit.hpp"

namespace harness {

namespace {

// Seconds as a quadratic in the iteration, q(x) = c0 + c1·u + c2·u² with u = x − mean(x), by
// least squares; only when it curves upward (c2 > 0) and rises at the last point, from 5 points.
struct TimeCurve {
  double mean = 0, c0 = 0, c1 = 0, c2 = 0;
  double at(double x) const {
    const double u = x - mean;
    return c0 + c1 * u + c2 * u * u;
  }
};

std::optional<TimeCurve> upward_time_curve(const std::vector<double>& x,
                                           const std::vector<double>& t) {
  if (x.size() < 5) return std::nullopt;
  TimeCurve q;
  for (double v : x) q.mean += v;
  q.mean /= static_cast<double>(x.size());
  // Normal equations [s0 s1 s2; s1 s2 s3; s2 s3 s4]·c = [r0 r1 r2], solved by Cramer's rule.
  double s[5] = {0, 0, 0, 0, 0}, r[3] = {0, 0, 0};
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double u = x[i] - q.mean;
    double power = 1;
    for (int k = 0; k < 5; ++k, power *= u) {
      s[k] += power;
      if (k < 3) r[k] += power * t[i];
    }
  }
  auto det = [](double a, double b, double c, double d, double e, double f, double g, double h,
                double i) { return a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g); };
  const double d = det(s[0], s[1], s[2], s[1], s[2], s[3], s[2], s[3], s[4]);
  if (!(std::fabs(d) > 0) || !std::isfinite(d)) return std::nullopt;
  q.c0 = det(r[0], s[1], s[2], r[1], s[2], s[3], r[2], s[3], s[4]) / d;
  q.c1 = det(s[0], r[0], s[2], s[1], r[1], s[3], s[2], r[2], s[4]) / d;
  q.c2 = det(s[0], s[1], r[0], s[1], s[2], r[1], s[2], s[3], r[2]) / d;
  const double u_last = x.back() - q.mean;
  if (!(q.c2 > 0) || !(q.c1 + 2 * q.c2 * u_last > 0)) return std::nullopt;
  return q;
}

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
  p.fit_intercept = fit.intercept;
  p.fit_slope_per_iteration = fit.slope;
  p.fit_first_iteration = x.front();
  p.fit_last_iteration = x_last;
  const double level = fit.intercept + fit.slope * x_last;
  auto at_slope = [&](double slope, double target) {
    return level >= target ? (target - fit.intercept) / slope : x_last + (target - level) / slope;
  };
  const auto curve = upward_time_curve(x, t);
  auto seconds_at = [&](double iteration) {
    return curve ? t.back() + curve->at(iteration) - curve->at(x_last)
                 : t.back() + (iteration - x_last) * p.seconds_per_iteration;
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
  // Floored at 0: peaks below the trend (a sample missed the moment) are no headroom.
  auto headroom_at = [&](double q) { return std::max(0.0, quantile(gaps, q)); };
  const double headroom = headroom_at(0.5);
  auto p = project_line(both, trend_metric, ceiling_bytes,
                        {ceiling_bytes - headroom, ceiling_bytes - headroom_at(0.75),
                         ceiling_bytes - headroom_at(0.25)});
  if (!p) return std::nullopt;
  p->metric = peak_metric;
  p->trend_metric = trend_metric;
  p->headroom_bytes = headroom;
  return p;
}

}  // namespace harness
