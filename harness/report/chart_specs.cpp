#include "harness/report/chart_specs.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <utility>

#include "harness/report/report_text.hpp"
#include "harness/report/style.hpp"

namespace harness {

namespace {

// Chart sizes: the page is 1180 px wide (fits a 1280 px screen, IE11 included).
constexpr int kWideChart = 1130;
constexpr int kHalfChart = 555;
constexpr int kMainPlotHeight = 340;
constexpr int kSmallPlotHeight = 190;
// A projection further out than this many times the measured iterations would squash the
// curves into the left edge: the axis then stops at the data and an arrow points at it.
constexpr double kMaxProjectionStretch = 2.5;
// Curves below this fraction of the ceiling are flat lines on the main chart: a second chart
// without the ceiling shows their shape.
constexpr double kZoomBelowCeilingFraction = 0.25;

std::vector<ChartPoint> chart_points(const std::vector<CurvePoint>& points) {
  std::vector<ChartPoint> out;
  out.reserve(points.size());
  for (const auto& p : points) out.push_back({static_cast<double>(p.iteration), p.value});
  return out;
}

struct Dimensions {
  std::vector<std::string> browsers, variants;  // in order of appearance
  bool by_variant() const { return browsers.size() > 1 && variants.size() > 1; }
};

Dimensions dimensions(const ScenarioReport& scenario) {
  Dimensions d;
  for (const auto& run : scenario.runs) {
    const RunInfo& r = run.summary.info;
    if (std::find(d.browsers.begin(), d.browsers.end(), r.browser) == d.browsers.end()) {
      d.browsers.push_back(r.browser);
    }
    const std::string v = variant_text(r.variant);
    if (std::find(d.variants.begin(), d.variants.end(), v) == d.variants.end()) {
      d.variants.push_back(v);
    }
  }
  return d;
}

// The curve's value at x: linear between its points, its first/last value outside them.
std::optional<double> value_at(const std::vector<ChartPoint>& curve, double x) {
  if (curve.empty()) return std::nullopt;
  if (x <= curve.front().x) return curve.front().y;
  for (std::size_t i = 1; i < curve.size(); ++i) {
    if (x <= curve[i].x) {
      const ChartPoint& a = curve[i - 1];
      const ChartPoint& b = curve[i];
      if (b.x == a.x) return b.y;
      return a.y + (b.y - a.y) * (x - a.x) / (b.x - a.x);
    }
  }
  return curve.back().y;
}

std::string night_label(const std::string& started_at) {
  // "2026-11-22T17:01:02Z" -> "11-22"
  return started_at.size() >= 10 ? started_at.substr(5, 5) : started_at;
}

}  // namespace

std::optional<std::pair<ChartPoint, ChartPoint>> projection_line(const Projection& p) {
  const double a = p.fit_intercept, b = p.fit_slope_per_iteration, h = p.headroom_bytes;
  const double from_x = p.fit_last_iteration, to_x = p.iteration;
  const ChartPoint from{from_x, a + b * from_x + h}, to{to_x, a + b * to_x + h};
  for (double v : {from.x, from.y, to.x, to.y}) {
    if (!std::isfinite(v)) return std::nullopt;
  }
  if (!(b > 0) || !(to.x > from.x) || !(from.y < p.ceiling_bytes)) return std::nullopt;
  return std::make_pair(from, to);
}

bool colours_by_variant(const ScenarioReport& scenario) {
  return dimensions(scenario).by_variant();
}

std::vector<RunView> run_views(const ScenarioReport& scenario, std::size_t scenario_index) {
  const Dimensions dims = dimensions(scenario);
  const auto& browsers = dims.browsers;
  const auto& variants = dims.variants;
  const bool by_variant = dims.by_variant();
  std::vector<std::string> labels;
  std::vector<RunView> views;
  for (std::size_t i = 0; i < scenario.runs.size(); ++i) {
    const ReportRun& run = scenario.runs[i];
    const RunInfo& r = run.summary.info;
    RunView v;
    v.run = &run;
    v.label = run_label(r);
    const auto same = std::count(labels.begin(), labels.end(), v.label);
    labels.push_back(v.label);
    if (same > 0) v.label += fmt::format(" ({})", same + 1);
    v.anchor = fmt::format("s{}-r{}", scenario_index + 1, i + 1);
    if (by_variant) {
      const auto vi =
          std::find(variants.begin(), variants.end(), variant_text(r.variant)) - variants.begin();
      const auto bi = std::find(browsers.begin(), browsers.end(), r.browser) - browsers.begin();
      v.color = kPalette[static_cast<std::size_t>(vi) % kPaletteSize];
      v.style = kBrowserStyles[static_cast<std::size_t>(bi) % kBrowserStylesSize];
    } else {
      v.color = kPalette[i % kPaletteSize];
      v.style = kBrowserStyles[(i / kPaletteSize) % kBrowserStylesSize];
    }
    v.curve = chart_points(curve_of(run.summary.checkpoints, kDefaultCurveMetric).points);
    views.push_back(std::move(v));
  }
  return views;
}

ChartSpec memory_chart(const std::vector<RunView>& views, const std::string& id,
                       bool with_ceiling) {
  ChartSpec c;
  c.id = id;
  c.title = with_ceiling ? "renderer private memory per iteration, every run"
                         : "renderer private memory per iteration, zoomed to the curves";
  c.width = kWideChart;
  c.plot_height = with_ceiling ? kMainPlotHeight : kSmallPlotHeight + 40;
  c.x = {"iteration (0 = after set-up and warm-up)", AxisUnit::kIteration, true};
  c.y = {"renderer private memory", AxisUnit::kBytes, with_ceiling};
  c.empty_text = "no checkpoints yet";
  double data_max_x = 0;
  std::set<double> ceilings;
  std::optional<double> farthest_projection;
  for (const RunView& v : views) {
    const RunSummary& s = v.run->summary;
    c.series.push_back({v.label, v.color, v.curve, v.style, 2, true});
    for (const auto& p : v.curve) data_max_x = std::max(data_max_x, p.x);
    std::optional<double> ceiling;
    if (s.ceiling && s.ceiling->bytes > 0)
      ceiling = s.ceiling->bytes;
    else if (s.info.ceiling_bytes)
      ceiling = static_cast<double>(*s.info.ceiling_bytes);
    if (ceiling && with_ceiling) ceilings.insert(*ceiling);

    // Events on the curve; those without a curve are vertical lines.
    std::set<std::pair<std::string, int>> seen;
    for (const auto& e : s.events) {
      // A dump is marked from the dumps list; its event only when the list is missing.
      if (e.kind == "dump_written" && s.dumps.empty()) {
        c.markers.push_back(
            {static_cast<double>(e.iteration), value_at(v.curve, e.iteration),
             MarkerShape::kDiamond, kDumpColor, "dump",
             fmt::format("{}: dump at iteration {}: {}", v.label, e.iteration, e.message), "dump"});
        continue;
      }
      const EventStyle* style = event_style(e.kind);
      if (!style || !seen.insert({e.kind, e.iteration}).second) continue;
      if (e.kind == "ceiling_reached" && !with_ceiling) continue;
      ChartMarker m;
      m.x = e.iteration;
      m.y = e.kind == "ceiling_reached" && ceiling ? ceiling : value_at(v.curve, e.iteration);
      m.shape = style->shape;
      m.color = style->color;
      m.label = style->label;
      m.legend = style->legend;
      m.tooltip = fmt::format("{}: {} at iteration {} ({}): {}", v.label, e.kind, e.iteration,
                              time_ms_text(e.t_ms), e.message);
      c.markers.push_back(std::move(m));
      data_max_x = std::max(data_max_x, static_cast<double>(e.iteration));
    }
    for (const auto& d : s.dumps) {
      ChartMarker m;
      m.x = d.iteration;
      m.y = value_at(v.curve, d.iteration);
      m.shape = MarkerShape::kDiamond;
      m.color = kDumpColor;
      m.label = "dump";
      m.legend = "dump";
      m.tooltip = fmt::format("{}: {} at iteration {} ({}){}: {}", v.label, dump_kind_text(d.kind),
                              d.iteration, d.rule,
                              d.value_bytes > 0 ? ", " + bytes_text(d.value_bytes) : "", d.file);
      c.markers.push_back(std::move(m));
      data_max_x = std::max(data_max_x, static_cast<double>(d.iteration));
    }

    if (!with_ceiling || !s.projection) continue;
    const Projection& p = *s.projection;
    if (p.metric != kDefaultCurveMetric) {
      // The projection fits another metric (the interval peaks, what a ceiling acts on): draw
      // it too, so the dashed line continues a visible curve.
      auto peak = chart_points(curve_of(s.checkpoints, p.metric).points);
      for (const auto& pt : peak) data_max_x = std::max(data_max_x, pt.x);
      if (!peak.empty()) {
        c.series.push_back({v.label + " \xC2\xB7 interval peaks", v.color, std::move(peak),
                            LineStyle::kDotted, 1.5, false});
      }
    }
    const std::string story = fmt::format("{}: {} projected to reach {} at {}", v.label, p.metric,
                                          bytes_text(p.ceiling_bytes), projection_text(p));
    if (const auto line = projection_line(p)) {
      c.segments.push_back({line->first, line->second, v.color, LineStyle::kDashDot, story, true});
    }
    ChartMarker m;
    m.x = p.iteration;
    m.y = p.ceiling_bytes;
    m.shape = MarkerShape::kRing;
    m.color = kProjectionColor;
    m.label = "\xE2\x89\x88 it. " + iterations_text(p.iteration);  // ≈
    m.legend = "projection to the ceiling";
    m.tooltip = story;
    c.markers.push_back(std::move(m));
    farthest_projection = std::max(farthest_projection.value_or(0), p.iteration);
  }
  for (double ceiling : ceilings) {
    c.references.push_back({ceiling, "ceiling " + bytes_text(ceiling), kCeilingColor, true});
  }
  if (farthest_projection &&
      *farthest_projection > kMaxProjectionStretch * std::max(1.0, data_max_x)) {
    c.x.max = std::max(1.0, data_max_x);
    for (auto& g : c.segments) g.extends_domain = false;
  }
  return c;
}

bool wants_zoomed_memory_chart(const std::vector<RunView>& views, const ChartSpec& main) {
  double data_max = 0, lowest_ceiling = INFINITY;
  for (const auto& v : views) {
    for (const auto& p : v.curve) data_max = std::max(data_max, p.y);
  }
  for (const auto& r : main.references) lowest_ceiling = std::min(lowest_ceiling, r.y);
  return std::isfinite(lowest_ceiling) && data_max > 0 &&
         data_max < kZoomBelowCeilingFraction * lowest_ceiling;
}

ChartSpec role_chart(const RunView& v, const std::string& id) {
  ChartSpec c;
  c.id = id;
  c.title = "process tree private memory by role, " + v.label;
  c.width = kHalfChart;
  c.plot_height = kSmallPlotHeight;
  c.x = {"seconds since the run started", AxisUnit::kSeconds, true};
  c.y = {"private memory", AxisUnit::kBytes, true};
  c.empty_text = "no samples";
  std::vector<std::string> roles;
  for (const auto& sample : v.run->memory_by_role) {
    for (const auto& [role, bytes] : sample.private_bytes) {
      if (std::find(roles.begin(), roles.end(), role) == roles.end()) roles.push_back(role);
    }
  }
  std::sort(roles.begin(), roles.end(), [](const std::string& a, const std::string& b) {
    // The page's processes first, then the rest alphabetically.
    const bool ra = a == "renderer" || a == "tab", rb = b == "renderer" || b == "tab";
    return ra != rb ? ra : a < b;
  });
  // "all processes" is the browser's tree; a co-running program's series is not in it.
  ChartSeries total{"all processes", "#555555", {}, LineStyle::kSolid, 1.2, false};
  for (std::size_t i = 0; i < roles.size(); ++i) {
    ChartSeries s{roles[i], role_color(roles[i], i), {}, LineStyle::kSolid, 1.8, false};
    for (const auto& sample : v.run->memory_by_role) {
      const auto it = sample.private_bytes.find(roles[i]);
      if (it != sample.private_bytes.end()) s.points.push_back({sample.t_s, it->second});
    }
    c.series.push_back(std::move(s));
  }
  if (roles.size() > 1) {
    for (const auto& sample : v.run->memory_by_role) {
      double sum = 0;
      for (const auto& [role, bytes] : sample.private_bytes) {
        if (role.rfind("component ", 0) != 0) sum += bytes;  // the browser's tree only
      }
      total.points.push_back({sample.t_s, sum});
    }
    c.series.push_back(std::move(total));
  }
  if (!v.run->memory_by_role.empty()) {
    for (const auto& e : v.run->summary.events) {
      const EventStyle* style = event_style(e.kind);
      if (!style || e.kind == "step_failed") continue;
      c.markers.push_back({e.t_ms / 1000.0, std::nullopt, MarkerShape::kVerticalLine, style->color,
                           style->label,
                           fmt::format("{} at {} (iteration {}): {}", e.kind, time_ms_text(e.t_ms),
                                       e.iteration, e.message),
                           ""});
    }
  }
  return c;
}

ChartSpec responsiveness_chart(const RunView& v, const std::string& id) {
  const RunSummary& s = v.run->summary;
  ChartSpec c;
  c.id = id;
  c.title = "responsiveness, " + v.label;
  c.width = kHalfChart;
  c.plot_height = kSmallPlotHeight;
  c.x = {"iteration", AxisUnit::kIteration, false};
  c.y = {"time", AxisUnit::kMilliseconds, true};
  c.empty_text = "no timings";
  c.series.push_back({"iteration duration", "#1f77b4", chart_points(s.iteration_ms),
                      LineStyle::kSolid, 1.8, false});
  ChartSeries heartbeat{"slowest heartbeat answer", "#ff7f0e", {}, LineStyle::kSolid, 1.8, false};
  for (const auto& p : s.heartbeat_max_ms) {
    if (p.value >= 0) {
      heartbeat.points.push_back({static_cast<double>(p.iteration), p.value});
    } else {
      c.markers.push_back(
          {static_cast<double>(p.iteration), std::nullopt, MarkerShape::kVerticalLine, "#d32f2f",
           "no answer",
           fmt::format("the page did not answer the heartbeat in iteration {}", p.iteration),
           "no heartbeat answer"});
    }
  }
  c.series.push_back(std::move(heartbeat));
  return c;
}

ChartSpec history_chart(const HistorySeries& h, std::size_t index, HistoryValue value) {
  const bool slope = value == HistoryValue::kSlope;
  std::vector<std::pair<double, std::string>> ticks;
  for (std::size_t k = 0; k < h.points.size(); ++k) {
    ticks.push_back({static_cast<double>(k + 1), night_label(h.points[k].started_at)});
  }
  ChartSpec c;
  c.id = fmt::format("h{}-{}", index + 1, slope ? "slope" : "peak");
  c.title = (slope ? "slope per iteration across nights, " : "peak across nights, ") + h.key;
  c.width = kHalfChart;
  c.plot_height = kSmallPlotHeight - 30;
  // Half a night of room on either side, so the first and last points are not on the axes.
  c.x = {"night", AxisUnit::kIteration, false, 0.5, h.points.size() + 0.5, ticks};
  c.y = {slope ? "renderer growth per iteration" : "peak renderer memory", AxisUnit::kBytes, true};
  ChartSeries s{
      slope ? "slope" : "peak", slope ? "#1f77b4" : "#9467bd", {}, LineStyle::kSolid, 2, true};
  for (std::size_t k = 0; k < h.points.size(); ++k) {
    const HistoryPoint& p = h.points[k];
    const auto& v = slope ? p.slope_bytes_per_iteration : p.peak_bytes;
    if (!v) continue;
    s.points.push_back({static_cast<double>(k + 1), *v});
    if (p.regression) {
      c.markers.push_back(
          {static_cast<double>(k + 1), *v, MarkerShape::kTriangle, "#d32f2f", "regression",
           fmt::format("{} ({}): {}", p.run_id, p.started_at, p.regression_reason), "regression"});
    }
  }
  c.series.push_back(std::move(s));
  return c;
}

}  // namespace harness
