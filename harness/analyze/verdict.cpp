#include "harness/analyze/verdict.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "harness/analyze/fit.hpp"
#include "harness/model/units.hpp"

namespace harness {

const std::vector<MetricRule>& default_metric_rules() {
  constexpr double KiB = 1024.0;
  constexpr double MiB = 1024.0 * 1024.0;
  static const std::vector<MetricRule> kRules = {
      // Chromium's private footprint of the page's renderers. Clean iframe churn drifts by up to
      // ~90 KiB per iteration (allocator pools, caches; vtm-review retention=none: +4.9 MiB over
      // 60 iterations, decelerating) with ~0.5 MiB of noise after GC; a retained frame costs
      // >= 500 KiB. Small leaks are found in the page metrics below instead.
      {metric::kRendererPrivate, "bytes", 256 * KiB, 2 * MiB, false},
      // V8 heap after a forced GC is precise to ~1 KiB. Scripted driving itself leaves ~1.2 KiB
      // per iteration (chromedriver's per-call bookkeeping); a 10 KiB/iteration leak must show.
      {metric::kJsHeapUsed, "bytes", 4 * KiB, 64 * KiB, false},
      // Blink's Oilpan heap (DOM objects), from Runtime.getHeapUsage: ±150–300 KiB between
      // checkpoints even after two forced GCs (vtm-review none: 1264–1580 KiB); detached DOM is
      // caught exactly by page.nodes, this catches what nodes do not count.
      {metric::kEmbedderHeap, "bytes", 32 * KiB, 1 * MiB, false},
      // ArrayBuffer backing stores: steady to the KiB after GC.
      {metric::kBackingStorage, "bytes", 16 * KiB, 256 * KiB, false},
      // Exact counts: a correct app returns to the same numbers every iteration.
      {metric::kNodes, "nodes", 5, 50, true},
      // One document or listener kept every 20 iterations is already a leak.
      {metric::kDocuments, "documents", 0.05, 0.5, true},
      {metric::kListeners, "listeners", 0.05, 0.5, true},
  };
  return kRules;
}

std::string format_amount(double value, const std::string& unit) {
  if (unit == "bytes") return format_bytes(value);
  if (std::fabs(value) >= 100 || std::floor(value) == value) {
    return fmt::format("{:.0f} {}", value, unit);
  }
  return fmt::format("{:.2f} {}", value, unit);
}

namespace {

struct Points {
  std::vector<double> x, y;
  std::size_t size() const { return x.size(); }
  double span() const { return x.empty() ? 0 : x.back() - x.front(); }
  Points slice(std::size_t from, std::size_t to) const {  // [from, to)
    Points p;
    p.x.assign(x.begin() + static_cast<std::ptrdiff_t>(from), x.begin() + static_cast<std::ptrdiff_t>(to));
    p.y.assign(y.begin() + static_cast<std::ptrdiff_t>(from), y.begin() + static_cast<std::ptrdiff_t>(to));
    return p;
  }
};

std::string per_iteration(double value, const MetricRule& rule) {
  return format_amount(value, rule.unit) + "/iteration";
}

std::string interval(const LinearFit& f, const MetricRule& rule) {
  if (!std::isfinite(f.ci95_low) || !std::isfinite(f.ci95_high)) return "unbounded";
  return fmt::format("[{}, {}]", format_amount(f.ci95_low, rule.unit),
                     format_amount(f.ci95_high, rule.unit));
}

// Prefix sums over the (centred) points, so that the OLS fit of any contiguous segment costs
// O(1): the plateau search tries every split of a curve that may hold 10,000 points.
class SegmentFits {
 public:
  explicit SegmentFits(const Points& p) : x0_(p.x.front()), y0_(p.y.front()) {
    const std::size_t n = p.size();
    sx_.assign(n + 1, 0);
    sy_ = sxx_ = sxy_ = syy_ = sx_;
    for (std::size_t i = 0; i < n; ++i) {
      const double x = p.x[i] - x0_, y = p.y[i] - y0_;
      sx_[i + 1] = sx_[i] + x;
      sy_[i + 1] = sy_[i] + y;
      sxx_[i + 1] = sxx_[i] + x * x;
      sxy_[i + 1] = sxy_[i] + x * y;
      syy_[i + 1] = syy_[i] + y * y;
    }
  }

  // OLS of points [from, to), with its squared error.
  LinearFit fit(std::size_t from, std::size_t to, double* error) const {
    LinearFit f;
    const double n = static_cast<double>(to - from);
    f.n = to - from;
    const double sx = sx_[to] - sx_[from], sy = sy_[to] - sy_[from];
    const double sxx = sxx_[to] - sxx_[from] - sx * sx / n;
    const double sxy = sxy_[to] - sxy_[from] - sx * sy / n;
    const double syy = syy_[to] - syy_[from] - sy * sy / n;
    if (f.n < 3 || sxx <= 0) return f;
    f.valid = true;
    f.slope = sxy / sxx;
    f.intercept = y0_ + sy / n - f.slope * (x0_ + sx / n);
    const double sse = std::max(0.0, syy - f.slope * sxy);
    if (error) *error = sse;
    f.residual_sd = std::sqrt(sse / (n - 2));
    f.slope_se = f.residual_sd / std::sqrt(sxx);
    const double half = t_quantile_975(f.n - 2) * f.slope_se;
    f.ci95_low = f.slope - half;
    f.ci95_high = f.slope + half;
    return f;
  }

 private:
  double x0_, y0_;
  std::vector<double> sx_, sy_, sxx_, sxy_, syy_;
};

struct PlateauFit {
  std::size_t split = 0;  // first index of the tail
  LinearFit head, tail;
  double error = std::numeric_limits<double>::infinity();
};

// At most this many candidate splits have their head's Theil–Sen slope computed (best squared
// error first); the rest of the search is O(1) per split.
constexpr std::size_t kPlateauTheilSenChecks = 16;

std::optional<PlateauFit> find_plateau(const Points& p, const MetricRule& rule) {
  const double threshold = rule.threshold_per_iteration;
  const SegmentFits fits(p);
  std::vector<PlateauFit> candidates;
  // The head ends at the tail's first point, so the two lines meet there.
  for (std::size_t split = 2; split + 4 <= p.size(); ++split) {
    const double head_span = p.x[split] - p.x.front();
    const double tail_span = p.x.back() - p.x[split];
    if (tail_span < std::max<double>(kMinPlateauTail, head_span / 2)) continue;
    double head_error = 0, tail_error = 0;
    const LinearFit h = fits.fit(0, split + 1, &head_error);
    const LinearFit t = fits.fit(split, p.size(), &tail_error);
    if (!h.valid || !t.valid) continue;
    const bool grew = h.ci95_low > threshold && h.slope * head_span > rule.noise_floor;
    const bool flat = t.ci95_high < threshold;
    if (grew && flat) candidates.push_back(PlateauFit{split, h, t, head_error + tail_error});
  }
  std::sort(candidates.begin(), candidates.end(),
            [](const PlateauFit& a, const PlateauFit& b) { return a.error < b.error; });
  for (std::size_t i = 0; i < candidates.size() && i < kPlateauTheilSenChecks; ++i) {
    const Points head = p.slice(0, candidates[i].split + 1);
    if (theil_sen(head.x, head.y) > threshold) return candidates[i];
  }
  return std::nullopt;
}

}  // namespace

MetricVerdict analyze_metric(const Curve& curve, const MetricRule& rule) {
  MetricVerdict v;
  v.metric = rule.metric;
  v.unit = rule.unit;
  v.threshold = rule.threshold_per_iteration;
  Points p;
  for (const auto& point : curve.points) {
    if (point.iteration < 0) continue;  // warm-up is not measured
    p.x.push_back(point.iteration);
    p.y.push_back(point.value);
  }
  v.points = p.size();
  if (p.size() > 0) {
    v.first_iteration = static_cast<int>(p.x.front());
    v.last_iteration = static_cast<int>(p.x.back());
    v.first_value = p.y.front();
    v.last_value = p.y.back();
  }
  const LinearFit fit = ols(p.x, p.y);
  v.slope = fit.slope;
  v.slope_se = fit.slope_se;
  v.ci95_low = fit.ci95_low;
  v.ci95_high = fit.ci95_high;
  v.theil_sen = theil_sen(p.x, p.y);
  if (p.size() < kMinPoints) {
    v.kind = VerdictKind::kInsufficient;
    v.reason = fmt::format("{}: only {} checkpoint(s); at least {} are needed", rule.metric,
                           p.size(), kMinPoints);
    return v;
  }
  const double threshold = rule.threshold_per_iteration;
  const double span = p.span();
  const std::string range = fmt::format("iterations {}–{}", v.first_iteration, v.last_iteration);

  if (auto plateau = find_plateau(p, rule)) {
    v.kind = VerdictKind::kPlateau;
    v.plateau_from = static_cast<int>(p.x[plateau->split]);
    v.reason = fmt::format(
        "{} grew {} until iteration {}, then stayed flat for {} iterations ({}, 95 % CI high {} "
        "< threshold {}): a bounded cache, not a leak",
        rule.metric, per_iteration(plateau->head.slope, rule), *v.plateau_from,
        static_cast<int>(p.x.back() - p.x[plateau->split]),
        per_iteration(plateau->tail.slope, rule), format_amount(plateau->tail.ci95_high, rule.unit),
        per_iteration(threshold, rule));
    return v;
  }

  const bool grows = fit.ci95_low > threshold && v.theil_sen > threshold;
  if (grows) {
    const int min_span = rule.structural ? kMinStructuralSpan : kMinLeakSpan;
    const std::string growth = fmt::format("{} grows {} (95 % CI {}) over {}", rule.metric,
                                           per_iteration(fit.slope, rule), interval(fit, rule),
                                           range);
    if (span < min_span) {
      v.kind = VerdictKind::kInsufficient;
      v.reason = fmt::format("{}, but a bounded cache grows the same way until it is full: {} "
                             "iterations are needed to call it a leak, {} were measured",
                             growth, min_span, static_cast<int>(span));
      return v;
    }
    std::size_t recent_from = p.size() - 3;
    while (recent_from > 0 && p.x.back() - p.x[recent_from - 1] <= kRecentSpan) --recent_from;
    const Points recent = p.slice(recent_from, p.size());
    const LinearFit r = ols(recent.x, recent.y);
    if (r.slope < std::max(threshold, fit.slope) / 2) {
      v.kind = VerdictKind::kInsufficient;
      v.reason = fmt::format("{}, but not as fast over the last {} iterations ({}): growth that "
                             "is stopping may be a cache filling up",
                             growth, static_cast<int>(recent.span()),
                             per_iteration(r.slope, rule));
      return v;
    }
    v.kind = VerdictKind::kRetains;
    v.reason = fmt::format("{}, above the threshold of {}: {} in all", growth,
                           per_iteration(threshold, rule),
                           format_amount(v.last_value - v.first_value, rule.unit));
    return v;
  }

  double max_deviation = 0;
  for (double y : p.y) max_deviation = std::max(max_deviation, std::fabs(y - p.y.front()));
  if (span >= kMinStableSpan && (fit.ci95_high < threshold || max_deviation <= rule.noise_floor)) {
    v.kind = VerdictKind::kStable;
    v.reason = fit.ci95_high < threshold
                   ? fmt::format("{} is flat: {} (95 % CI {}) over {}, below the threshold of {}",
                                 rule.metric, per_iteration(fit.slope, rule), interval(fit, rule),
                                 range, per_iteration(threshold, rule))
                   : fmt::format("{} stays within {} of its start over {} (noise floor {})",
                                 rule.metric, format_amount(max_deviation, rule.unit), range,
                                 format_amount(rule.noise_floor, rule.unit));
    return v;
  }
  v.kind = VerdictKind::kInsufficient;
  if (span < kMinStableSpan && fit.ci95_high < threshold) {
    v.reason = fmt::format("{} looks flat ({}) but only {} iterations were measured; {} are "
                           "needed to call it stable",
                           rule.metric, per_iteration(fit.slope, rule), static_cast<int>(span),
                           kMinStableSpan);
  } else {
    v.reason = fmt::format("{}: {} (95 % CI {}) over {} straddles the threshold of {}: too noisy "
                           "to say",
                           rule.metric, per_iteration(fit.slope, rule), interval(fit, rule), range,
                           per_iteration(threshold, rule));
  }
  return v;
}

Verdict analyze_checkpoints(const std::vector<CheckpointRecord>& checkpoints,
                            const std::vector<MetricRule>& rules) {
  Verdict verdict;
  for (const auto& rule : rules) {
    const Curve curve = curve_of(checkpoints, rule.metric);
    if (curve.points.empty()) continue;
    verdict.per_metric.push_back(analyze_metric(curve, rule));
    const MetricVerdict& m = verdict.per_metric.back();
    if (rule.metric == kDefaultCurveMetric && m.points >= 2) {
      verdict.slope_bytes_per_iteration = m.slope;
      if (std::isfinite(m.ci95_low) && std::isfinite(m.ci95_high)) {
        verdict.ci95 = std::make_pair(m.ci95_low, m.ci95_high);
      }
    }
  }
  if (verdict.per_metric.empty()) {
    verdict.kind = VerdictKind::kInsufficient;
    verdict.reason = "no checkpoint metrics were recorded";
    return verdict;
  }
  auto collect = [&](VerdictKind kind) {
    std::vector<const MetricVerdict*> out;
    for (const auto& m : verdict.per_metric) {
      if (m.kind == kind) out.push_back(&m);
    }
    return out;
  };
  for (VerdictKind kind : {VerdictKind::kRetains, VerdictKind::kInsufficient,
                           VerdictKind::kPlateau}) {
    const auto deciding = collect(kind);
    if (deciding.empty()) continue;
    verdict.kind = kind;
    for (const auto* m : deciding) {
      verdict.metrics.push_back(m->metric);
      verdict.reason += (verdict.reason.empty() ? "" : "; ") + m->reason;
    }
    return verdict;
  }
  verdict.kind = VerdictKind::kStable;
  for (const auto& m : verdict.per_metric) verdict.metrics.push_back(m.metric);
  const MetricVerdict& first = verdict.per_metric.front();
  verdict.reason = fmt::format("every metric is stable ({} metrics over iterations {}–{}); {}",
                               verdict.per_metric.size(), first.first_iteration,
                               first.last_iteration, first.reason);
  return verdict;
}

}  // namespace harness
