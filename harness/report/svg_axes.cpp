// Axis arithmetic of the SVG charts: display units, "nice" tick steps, tick labels, and the
// scale of an axis from its data range. Pure; tested through svg_chart.hpp's scale_axis and
// format_axis_value.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "harness/model/units.hpp"
#include "harness/report/svg_chart.hpp"

namespace harness {

namespace {

constexpr int kMaxTicks = 60;  // guards the tick loop against absurd steps
constexpr double kKiB = 1024.0;
constexpr double kMiB = 1024.0 * 1024;
constexpr double kGiB = 1024.0 * 1024 * 1024;

struct DisplayUnit {
  double divisor = 1;
  std::string suffix;
};

DisplayUnit display_unit(AxisUnit unit, double magnitude) {
  switch (unit) {
    case AxisUnit::kBytes:
      if (magnitude >= kGiB) return {kGiB, " GiB"};
      if (magnitude >= kMiB) return {kMiB, " MiB"};
      if (magnitude >= kKiB) return {kKiB, " KiB"};
      return {1, " B"};
    case AxisUnit::kSeconds:
      if (magnitude > 3 * 3600) return {3600, " h"};
      if (magnitude > 180) return {60, " min"};
      return {1, " s"};
    case AxisUnit::kMilliseconds:
      if (magnitude >= 2000) return {1000, " s"};
      return {1, " ms"};
    case AxisUnit::kCount:
      if (magnitude >= 1e6) return {1e6, "M"};
      if (magnitude >= 1e4) return {1e3, "k"};
      return {1, ""};
    case AxisUnit::kIteration:
      break;
  }
  return {1, ""};
}

double nice_step(double raw, bool whole) {
  if (!(raw > 0) || !std::isfinite(raw)) return 1;
  const double power = std::pow(10.0, std::floor(std::log10(raw)));
  const double fraction = raw / power;
  double step = 10 * power;
  for (double f : {1.0, 2.0, 2.5, 5.0, 10.0}) {
    if (whole && f == 2.5 && power < 10) continue;  // 2.5 is not a whole step
    if (fraction <= f * (1 + 1e-9)) {
      step = f * power;
      break;
    }
  }
  return whole ? std::max(1.0, std::round(step)) : step;
}

// The decimals that write every multiple of `step` exactly (0.25 -> 2, 50 -> 0).
int decimals_for(double step) {
  for (int d = 0; d < 6; ++d) {
    const double scaled = step * std::pow(10.0, d);
    if (std::fabs(scaled - std::round(scaled)) < 1e-6 * std::max(1.0, scaled)) return d;
  }
  return 6;
}

std::string tick_label(double value, int decimals, const std::string& suffix) {
  if (std::fabs(value) < 1e-12) return "0";
  return fmt::format("{:.{}f}{}", value, decimals, suffix);
}

}  // namespace

std::string format_axis_value(double value, AxisUnit unit) {
  if (!std::isfinite(value)) return "-";
  switch (unit) {
    case AxisUnit::kBytes:
      return format_bytes(value);
    case AxisUnit::kSeconds:
      return fmt::format("{:.1f} s", value);
    case AxisUnit::kMilliseconds:
      return fmt::format("{:.0f} ms", value);
    case AxisUnit::kIteration:
      return fmt::format("it. {:.0f}", value);
    case AxisUnit::kCount:
      break;
  }
  return std::fabs(value - std::round(value)) < 1e-9 ? fmt::format("{:.0f}", value)
                                                     : fmt::format("{:.2f}", value);
}

AxisScale scale_axis(double lo, double hi, const ChartAxis& axis, int target) {
  if (!std::isfinite(lo) || !std::isfinite(hi)) lo = 0, hi = 1;
  if (lo > hi) std::swap(lo, hi);
  if (axis.min) lo = *axis.min;
  if (axis.max) hi = *axis.max;
  if (axis.include_zero && !axis.min) lo = std::min(lo, 0.0);
  if (axis.include_zero && !axis.max) hi = std::max(hi, 0.0);
  if (!(hi > lo)) {
    // One value: widen around it (a flat curve at 40 MiB shows as flat, not as a wall).
    const double unit_span = axis.unit == AxisUnit::kBytes ? kMiB : 1.0;
    const double pad = hi != 0 ? std::max(std::fabs(hi) * 0.1, 1e-9) : unit_span;
    if (lo >= 0 && lo - pad < 0) {
      lo = 0;
      hi = hi + pad;
    } else {
      lo -= pad;
      hi += pad;
    }
  }
  const DisplayUnit du = display_unit(axis.unit, std::max(std::fabs(lo), std::fabs(hi)));
  const bool whole = axis.unit == AxisUnit::kIteration;
  double slo = lo / du.divisor, shi = hi / du.divisor;
  const double step = nice_step((shi - slo) / std::max(1, target), whole);
  if (!axis.min) slo = std::floor(slo / step + 1e-9) * step;
  if (!axis.max) shi = std::ceil(shi / step - 1e-9) * step;
  if (!(shi > slo)) shi = slo + step;
  AxisScale scale;
  scale.lo = slo * du.divisor;
  scale.hi = shi * du.divisor;
  scale.step = step * du.divisor;
  const int decimals = decimals_for(step);
  const double first = std::ceil(slo / step - 1e-9);
  for (int k = 0; k < kMaxTicks; ++k) {
    double v = (first + k) * step;
    if (v > shi + step * 1e-9) break;
    if (std::fabs(v) < step * 1e-9) v = 0;
    scale.ticks.push_back(v * du.divisor);
    scale.labels.push_back(tick_label(v, decimals, du.suffix));
  }
  return scale;
}

}  // namespace harness
