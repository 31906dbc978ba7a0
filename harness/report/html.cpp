#include "harness/report/html.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <set>

#include "harness/analyze/fit.hpp"
#include "harness/analyze/verdict.hpp"
#include "harness/report/svg_chart.hpp"
#include "harness/model/units.hpp"

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
constexpr std::size_t kMaxListedRows = 30;     // events, history rows
constexpr std::size_t kMaxListedErrors = 20;   // distinct JavaScript errors per run
constexpr std::size_t kMaxMessageChars = 300;  // one message in a table cell

// Tableau 10 without its red (red means crash and ceiling here), then darker tones.
constexpr const char* kPalette[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b",
                                    "#e377c2", "#17becf", "#bcbd22", "#7f7f7f", "#393b79"};
constexpr std::size_t kPaletteSize = sizeof(kPalette) / sizeof(kPalette[0]);
constexpr LineStyle kBrowserStyles[] = {LineStyle::kSolid, LineStyle::kDashed, LineStyle::kDotted};

constexpr const char* kCss =
    R"(body{margin:0;background:#eef0f3;color:#1f2328;font-family:"Segoe UI",Arial,Helvetica,sans-serif;font-size:14px;line-height:1.45}
.page{width:1180px;margin:0 auto;padding:18px 24px 48px;background:#ffffff}
h1{font-size:26px;margin:4px 0 2px;font-weight:600}
h2{font-size:21px;margin:36px 0 10px;padding:6px 0 5px;border-bottom:3px solid #1f77b4;font-weight:600}
h3{font-size:17px;margin:26px 0 8px;font-weight:600}
h4{font-size:14px;margin:14px 0 6px;font-weight:600;color:#333333}
a{color:#0b5cad}
p{margin:6px 0}
table{border-collapse:collapse;margin:6px 0 14px}
th,td{border:1px solid #d5d9de;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f1f3f5;font-weight:600}
td.num,th.num{text-align:right;white-space:nowrap}
td.nowrap{white-space:nowrap}
table.wide{width:100%}
table.plain td,table.plain th{border:none;padding:2px 12px 2px 0}
.meta{color:#57606a}
.small{font-size:12px}
.muted{color:#6e7781}
.reason{font-size:12px;color:#3d444d;margin-top:3px}
.badge{display:inline-block;padding:0 7px;border-radius:3px;font-size:12px;font-weight:600;line-height:18px;white-space:nowrap;border:1px solid #cccccc;background:#f3f3f3;color:#444444}
.v-retains{background:#fdecea;color:#b71c1c;border-color:#f0b4b0}
.v-plateau{background:#fff3e0;color:#9a5b00;border-color:#f3c98b}
.v-stable{background:#e8f5e9;color:#1b5e20;border-color:#a5d6a7}
.v-insufficient{background:#eeeeee;color:#555555;border-color:#cccccc}
.s-ok{background:#e8f5e9;color:#1b5e20;border-color:#a5d6a7}
.s-fail{background:#fdecea;color:#b71c1c;border-color:#f0b4b0}
.s-other{background:#eeeeee;color:#555555;border-color:#cccccc}
.c-regression{background:#fdecea;color:#b71c1c;border-color:#f0b4b0}
.c-improvement{background:#e8f5e9;color:#1b5e20;border-color:#a5d6a7}
.c-unchanged{background:#eef3fb;color:#0b4f8a;border-color:#b6cbe6}
.c-insufficient{background:#eeeeee;color:#555555;border-color:#cccccc}
td.pass{background:#f1f8f2;color:#1b5e20}
td.fail{background:#fdf0ef}
td.fail b{color:#b71c1c}
td.na{color:#8c959f}
tr.regression td{background:#fdf0ef}
.swatch{display:inline-block;width:22px;height:0;border-top:3px solid #333333;vertical-align:middle;margin-right:6px}
.chart{margin:6px 0 4px;overflow-x:auto;overflow-y:hidden}
.chart svg{display:block}
.half{display:inline-block;vertical-align:top;width:555px;margin-right:16px}
.half.last{margin-right:0}
.note{font-size:12px;color:#57606a;margin:2px 0 10px}
.run{border-top:1px solid #d5d9de;margin-top:26px}
.toc{margin:8px 0 0;padding:0;list-style:none}
.toc li{display:inline;margin-right:18px}
.ok{color:#1b5e20}
.bad{color:#b71c1c;font-weight:600}
details summary{cursor:pointer;color:#0b5cad}
)";

std::string esc(std::string_view text) { return escape_markup(text); }

// At most max_chars code points, "…" appended when cut (a stack trace in one table cell).
std::string truncate_text(std::string_view text, std::size_t max_chars) {
  std::size_t chars = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) continue;
    if (chars++ == max_chars) return std::string(text.substr(0, i)) + "\xE2\x80\xA6";
  }
  return std::string(text);
}

std::string variant_text(const std::vector<std::pair<std::string, std::string>>& variant) {
  std::string out;
  for (const auto& [k, v] : variant) out += (out.empty() ? "" : ",") + k + "=" + v;
  return out;
}

std::string run_label(const RunInfo& r) {
  const std::string v = variant_text(r.variant);
  return v.empty() ? r.browser : r.browser + " " + v;
}

// Sizes for people; "-" for a value that is not a number (never "nan B" in a report).
std::string bytes_text(double bytes) { return std::isfinite(bytes) ? format_bytes(bytes) : "-"; }

std::string signed_bytes(double bytes) {
  if (!std::isfinite(bytes)) return "-";
  return (bytes >= 0 ? "+" : "-") + format_bytes(std::fabs(bytes));
}

std::string duration_text(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "-";
  if (seconds < 120) return fmt::format("{:.1f} s", seconds);
  if (seconds < 7200) {
    const auto total = static_cast<long long>(std::llround(seconds));
    return fmt::format("{} min {} s", total / 60, total % 60);
  }
  return fmt::format("{:.1f} h", seconds / 3600);
}

std::string time_ms_text(std::int64_t t_ms) { return fmt::format("{:.1f} s", t_ms / 1000.0); }

std::string iterations_text(double iteration) {
  return std::isfinite(iteration) ? fmt::format("{:.0f}", iteration) : "?";
}

// A relative URL for a file: backslashes become slashes, everything outside the safe set is
// percent-encoded; absolute Windows paths become file:/// URLs.
std::string href(const std::string& dir, const std::string& file) {
  std::string path = dir.empty() ? file : (file.empty() ? dir : dir + "/" + file);
  std::replace(path.begin(), path.end(), '\\', '/');
  std::string prefix;
  if (path.size() >= 2 && std::isalpha(static_cast<unsigned char>(path[0])) && path[1] == ':') {
    prefix = "file:///";
  }
  std::string out;
  for (unsigned char c : path) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '/' || c == '=' ||
        c == ',' || c == '@' || c == '+' || (c == ':' && !prefix.empty())) {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return esc(prefix + out);
}

std::string link(const std::string& dir, const std::string& file, const std::string& text) {
  return fmt::format("<a href=\"{}\">{}</a>", href(dir, file), esc(text));
}

std::string verdict_badge(const std::optional<Verdict>& verdict) {
  if (!verdict) return "<span class=\"badge v-insufficient\">no verdict</span>";
  const char* name = verdict_name(verdict->kind);
  return fmt::format("<span class=\"badge v-{0}\">{0}</span>", name);
}

std::string verdict_badge(const std::string& name) {
  if (verdict_from_name(name)) return fmt::format("<span class=\"badge v-{0}\">{0}</span>", name);
  return fmt::format("<span class=\"badge v-insufficient\">{}</span>",
                     esc(name.empty() ? "-" : name));
}

const char* status_class(RunStatus status) {
  switch (status) {
    case RunStatus::kCompleted:
      return "s-ok";
    case RunStatus::kStepFailed:
    case RunStatus::kCrashed:
    case RunStatus::kCeilingReached:
    case RunStatus::kHung:
    case RunStatus::kError:
      return "s-fail";
    case RunStatus::kRunning:
    case RunStatus::kInterrupted:
      break;
  }
  return "s-other";
}

std::string status_badge(RunStatus status) {
  return fmt::format("<span class=\"badge {}\">{}</span>", status_class(status),
                     status_name(status));
}

std::string change_badge(ChangeKind kind) {
  return fmt::format("<span class=\"badge c-{0}\">{0}</span>", change_name(kind));
}

std::string swatch(const std::string& color, LineStyle style) {
  const char* border = style == LineStyle::kDashed   ? "dashed"
                       : style == LineStyle::kDotted ? "dotted"
                                                     : "solid";
  return fmt::format("<span class=\"swatch\" style=\"border-top:3px {} {}\"></span>", border,
                     color);
}

// ---- per-run view: what the charts and tables of a scenario share ----

struct RunView {
  const ReportRun* run = nullptr;
  std::string label;
  std::string anchor;
  std::string color;
  LineStyle style = LineStyle::kSolid;
  std::vector<ChartPoint> curve;  // the default curve metric per iteration
};

std::vector<ChartPoint> chart_points(const std::vector<CurvePoint>& points) {
  std::vector<ChartPoint> out;
  out.reserve(points.size());
  for (const auto& p : points) out.push_back({static_cast<double>(p.iteration), p.value});
  return out;
}

// Colours: with several browsers and several variants, the colour is the variant and the line
// style the browser (so "the same variant in each browser" reads at a glance); otherwise one
// colour per run.
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
      v.style = kBrowserStyles[static_cast<std::size_t>(bi) % 3];
    } else {
      v.color = kPalette[i % kPaletteSize];
      v.style = kBrowserStyles[(i / kPaletteSize) % 3];
    }
    v.curve = chart_points(curve_of(run.summary.checkpoints, kDefaultCurveMetric).points);
    views.push_back(std::move(v));
  }
  return views;
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

struct EventStyle {
  const char* kind;
  const char* label;   // next to the marker
  const char* legend;  // in the legend
  MarkerShape shape;
  const char* color;
};

constexpr EventStyle kEventStyles[] = {
    {"crashed", "crash", "crash", MarkerShape::kCross, "#d32f2f"},
    {"hung", "hang", "hang", MarkerShape::kSquare, "#6a1b9a"},
    {"ceiling_reached", "ceiling reached", "ceiling reached", MarkerShape::kTriangle, "#b00020"},
    {"step_failed", "step failed", "step failed", MarkerShape::kSquare, "#e65100"},
    {"interrupted", "interrupted", "interrupted", MarkerShape::kCircle, "#616161"},
    {"error", "error", "error", MarkerShape::kCircle, "#424242"},
    {"reloaded", "reload", "reload", MarkerShape::kVerticalLine, "#78909c"},
    {"restarted", "restart", "restart", MarkerShape::kVerticalLine, "#37474f"},
};
constexpr const char* kDumpColor = "#1565c0";
constexpr const char* kProjectionColor = "#222222";
constexpr const char* kCeilingColor = "#b00020";

const EventStyle* event_style(const std::string& kind) {
  for (const auto& s : kEventStyles) {
    if (kind == s.kind) return &s;
  }
  return nullptr;
}

std::string dump_kind_text(const std::string& kind) {
  if (kind == "heap_snapshot") return "heap snapshot";
  if (kind == "hang_stack") return "hang stack";
  return kind;
}

// The projection's fitted line at the last checkpoint: where the dashed line starts.
std::optional<ChartPoint> projection_start(const RunSummary& s, const Projection& p) {
  const Curve curve = curve_of(s.checkpoints, p.metric);
  if (curve.points.size() < 2) return std::nullopt;
  std::vector<double> xs, ys;
  for (const auto& c : curve.points) {
    xs.push_back(c.iteration);
    ys.push_back(c.value);
  }
  const LinearFit fit = ols(xs, ys);
  if (!fit.valid || !(fit.slope > 0)) return std::nullopt;
  const double x_last = xs.back();
  const double y_last = fit.intercept + fit.slope * x_last;
  if (!(y_last < p.ceiling_bytes) || !(p.iteration > x_last)) return std::nullopt;
  return ChartPoint{x_last, y_last};
}

std::string projection_text(const Projection& p) {
  std::string text = fmt::format("iteration {}", iterations_text(p.iteration));
  if (p.iteration_earliest || p.iteration_latest) {
    text += fmt::format(" (95 % CI {}–{})",
                        p.iteration_earliest ? iterations_text(*p.iteration_earliest) : "?",
                        p.iteration_latest ? iterations_text(*p.iteration_latest) : "never");
  }
  text += fmt::format(", {} after the start", duration_text(p.seconds));
  if (!p.trend_metric.empty()) {
    text += fmt::format(" (the {} line plus {} of headroom the peaks keep above it)",
                        p.trend_metric, bytes_text(p.headroom_bytes));
  }
  return text;
}

// Memory per iteration of every run of a scenario, overlaid. `with_ceiling` false: the zoomed
// view without ceiling and projections.
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
    if (const auto start = projection_start(s, p)) {
      c.segments.push_back(
          {*start, {p.iteration, p.ceiling_bytes}, v.color, LineStyle::kDashDot, story, true});
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

// ---- small formatting of run facts ----

std::string growth_text(const std::vector<ChartPoint>& curve) {
  if (curve.empty()) return "<span class=\"muted\">no checkpoints</span>";
  const double first = curve.front().y, last = curve.back().y;
  return fmt::format("{} \xE2\x86\x92 {} <span class=\"nowrap\">({})</span>", bytes_text(first),
                     bytes_text(last), signed_bytes(last - first));
}

std::string slope_text(const std::optional<Verdict>& v) {
  if (!v || !v->slope_bytes_per_iteration) return "-";
  std::string text = signed_bytes(*v->slope_bytes_per_iteration) + "/it";
  if (v->ci95 && std::isfinite(v->ci95->first) && std::isfinite(v->ci95->second)) {
    text += fmt::format("<div class=\"small muted\">95 % CI {} to {}</div>",
                        signed_bytes(v->ci95->first), signed_bytes(v->ci95->second));
  }
  return text;
}

std::string peak_text(const std::optional<Peak>& peak) {
  if (!peak) return "-";
  return fmt::format("{}<div class=\"small muted\">it. {}</div>", bytes_text(peak->bytes),
                     peak->iteration);
}

std::string ceiling_cell(const RunSummary& s) {
  std::string out;
  if (s.ceiling && s.ceiling->bytes > 0) {
    out += fmt::format("{} <span class=\"muted\">({})</span>", bytes_text(s.ceiling->bytes),
                       esc(s.ceiling->enforce));
    if (s.ceiling->reached_iteration) {
      out += fmt::format(
          "<div class=\"bad\">reached at it. {}{}</div>", *s.ceiling->reached_iteration,
          s.ceiling->reached_bytes ? " (" + bytes_text(*s.ceiling->reached_bytes) + ")" : "");
    }
    if (s.ceiling->early_projection) {
      out += fmt::format("<div class=\"small\">predicted from the first 25 % of it: {}</div>",
                         esc(projection_text(*s.ceiling->early_projection)));
    }
  } else if (s.info.ceiling_bytes) {
    out += bytes_text(static_cast<double>(*s.info.ceiling_bytes));
  } else {
    return "<span class=\"muted\">none</span>";
  }
  if (s.projection) {
    out += fmt::format("<div class=\"small\"><b>projected:</b> {}</div>",
                       esc(projection_text(*s.projection)));
  }
  const MitigationReport& mit = s.mitigation;
  if (mit.reload_every > 0 || mit.restart_every > 0) {
    std::string what;
    if (mit.reload_every > 0) {
      what = fmt::format("reload every {} ({} done)", mit.reload_every, mit.reloads);
    }
    if (mit.restart_every > 0) {
      what += fmt::format("{}restart every {} ({} done)", what.empty() ? "" : ", ",
                          mit.restart_every, mit.restarts);
    }
    if (mit.stayed_below_ceiling) {
      what += *mit.stayed_below_ceiling ? ": stayed below the ceiling"
                                        : ": <span class=\"bad\">did not stay below</span>";
    }
    out += fmt::format("<div class=\"small\">mitigation: {}</div>", what);
  }
  return out;
}

std::string expectations_cell(const RunSummary& s) {
  if (!s.expectations.declared) return "<span class=\"muted\">none declared</span>";
  if (s.expectations.met) return "<span class=\"ok\">met</span>";
  std::string out = "<span class=\"bad\">failed</span>";
  for (const auto& f : s.expectations.failures) {
    out += fmt::format("<div class=\"reason\">{}</div>", esc(f));
  }
  return out;
}

std::string iterations_cell(const RunInfo& r) {
  return fmt::format("{}/{}<div class=\"small muted\">{}</div>", r.iterations_completed,
                     r.iterations_planned, duration_text(r.duration_s));
}

// ---- sections ----

void header(std::string& out, const Report& report) {
  std::size_t runs = 0;
  std::map<std::string, int> statuses, verdicts;
  for (const auto& sc : report.scenarios) {
    for (const auto& run : sc.runs) {
      ++runs;
      ++statuses[status_name(run.summary.info.status)];
      ++verdicts[run.summary.verdict ? verdict_name(run.summary.verdict->kind) : "none"];
    }
  }
  out += fmt::format("<h1>{}</h1>\n", esc(report.title.empty() ? "Memory report" : report.title));
  out += fmt::format("<p class=\"meta\">generated {} &#183; {} scenario{} &#183; {} run{}</p>\n",
                     esc(report.generated_at), report.scenarios.size(),
                     report.scenarios.size() == 1 ? "" : "s", runs, runs == 1 ? "" : "s");
  out += "<table class=\"plain\"><tr><th>status</th><td>";
  for (RunStatus st : all_run_statuses()) {
    const auto it = statuses.find(status_name(st));
    if (it == statuses.end()) continue;
    out += fmt::format("{} {} &#160; ", status_badge(st), it->second);
  }
  out += "</td></tr>\n<tr><th>verdicts</th><td>";
  for (VerdictKind k : {VerdictKind::kRetains, VerdictKind::kPlateau, VerdictKind::kStable,
                        VerdictKind::kInsufficient}) {
    const auto it = verdicts.find(verdict_name(k));
    if (it == verdicts.end()) continue;
    out += fmt::format("{} {} &#160; ", verdict_badge(verdict_name(k)), it->second);
  }
  if (const auto it = verdicts.find("none"); it != verdicts.end()) {
    out += fmt::format("<span class=\"badge v-insufficient\">no verdict</span> {}", it->second);
  }
  out += "</td></tr>\n";
  if (report.comparison) {
    int regressions = 0, improvements = 0;
    for (const auto& p : report.comparison->pairs) {
      regressions += p.kind == ChangeKind::kRegression;
      improvements += p.kind == ChangeKind::kImprovement;
    }
    out += fmt::format(
        "<tr><th>baseline</th><td><a href=\"#comparison\">{} pair{}</a>: {}{} regression{}, {} "
        "improvement{}{}</td></tr>\n",
        report.comparison->pairs.size(), report.comparison->pairs.size() == 1 ? "" : "s",
        regressions ? "<span class=\"bad\">" : "", regressions, regressions == 1 ? "" : "s",
        improvements, improvements == 1 ? "" : "s", regressions ? "</span>" : "");
  }
  out += "</table>\n";
  out += "<ul class=\"toc\">";
  for (std::size_t i = 0; i < report.scenarios.size(); ++i) {
    out +=
        fmt::format("<li><a href=\"#s{}\">{}</a></li>", i + 1, esc(report.scenarios[i].scenario));
  }
  if (!report.history.empty()) out += "<li><a href=\"#history\">history</a></li>";
  if (report.comparison) out += "<li><a href=\"#comparison\">comparison</a></li>";
  out += "</ul>\n";
}

void glance_table(std::string& out, const Report& report,
                  const std::vector<std::vector<RunView>>& views) {
  if (views.empty()) return;
  out +=
      "<h2>Runs at a glance</h2>\n<table class=\"wide\">\n<tr><th>scenario</th><th>run</th>"
      "<th>status</th><th>iterations</th><th>verdict</th><th>renderer after GC</th>"
      "<th class=\"num\">slope</th><th class=\"num\">peak</th></tr>\n";
  for (std::size_t i = 0; i < views.size(); ++i) {
    for (const RunView& v : views[i]) {
      const RunSummary& s = v.run->summary;
      out += fmt::format(
          "<tr><td class=\"nowrap\">{}</td><td class=\"nowrap\">{}<a href=\"#{}\">{}</a></td>"
          "<td>{}</td><td class=\"num\">{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td>"
          "<td class=\"num\">{}</td></tr>\n",
          esc(report.scenarios[i].scenario), swatch(v.color, v.style), v.anchor, esc(v.label),
          status_badge(s.info.status), iterations_cell(s.info), verdict_badge(s.verdict),
          growth_text(v.curve), slope_text(s.verdict), peak_text(s.peak));
    }
  }
  out += "</table>\n";
}

void verdict_table(std::string& out, const std::vector<RunView>& views) {
  out +=
      "<table class=\"wide\">\n<tr><th>run</th><th>status</th><th>verdict and reason</th>"
      "<th>ceiling</th><th>expectations</th></tr>\n";
  for (const RunView& v : views) {
    const RunSummary& s = v.run->summary;
    std::string verdict = verdict_badge(s.verdict);
    if (s.verdict) {
      verdict += fmt::format("<div class=\"reason\">{}</div>", esc(s.verdict->reason));
      if (!s.verdict->metrics.empty()) {
        std::string names;
        for (const auto& m : s.verdict->metrics) names += (names.empty() ? "" : ", ") + m;
        verdict += fmt::format("<div class=\"small muted\">decided by {}</div>", esc(names));
      }
    }
    out += fmt::format(
        "<tr><td class=\"nowrap\">{}<a href=\"#{}\">{}</a></td><td>{}<div class=\"reason\">{}"
        "</div></td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
        swatch(v.color, v.style), v.anchor, esc(v.label), status_badge(s.info.status),
        esc(s.info.reason), verdict, ceiling_cell(s), expectations_cell(s));
  }
  out += "</table>\n";
}

void compatibility_table(std::string& out, const CompatibilityTable& t) {
  if (t.steps.empty() || t.browsers.empty()) {
    out += "<p class=\"muted\">No step results recorded.</p>\n";
    return;
  }
  out += "<table>\n<tr><th>step</th>";
  for (const auto& b : t.browsers) out += fmt::format("<th>{}</th>", esc(b));
  out += "</tr>\n";
  for (const auto& step : t.steps) {
    out += fmt::format("<tr><td>{}</td>", esc(step));
    for (const auto& b : t.browsers) {
      const auto it = t.cells.find({step, b});
      if (it == t.cells.end() || it->second.passed + it->second.failed == 0) {
        out += "<td class=\"na\">not run</td>";
        continue;
      }
      const CompatibilityCell& cell = it->second;
      if (cell.failed == 0) {
        out += fmt::format("<td class=\"pass\">pass &#183; {}</td>", cell.passed);
        continue;
      }
      out += fmt::format("<td class=\"fail\"><b>fail &#183; {} of {}</b>", cell.failed,
                         cell.passed + cell.failed);
      if (!cell.failure.empty()) {
        out += fmt::format("<div class=\"reason\">{}</div>",
                           esc(truncate_text(cell.failure, kMaxMessageChars)));
      }
      if (!cell.screenshot.empty()) {
        out +=
            fmt::format("<div class=\"small\">{}</div>", link("", cell.screenshot, "screenshot"));
      }
      out += "</td>";
    }
    out += "</tr>\n";
  }
  out += "</table>\n";
}

const char* role_color(const std::string& role, std::size_t index) {
  static const std::pair<const char*, const char*> known[] = {
      {"renderer", "#1f77b4"}, {"browser", "#ff7f0e"}, {"gpu", "#2ca02c"},
      {"utility", "#9467bd"},  {"tab", "#1f77b4"},     {"frame", "#ff7f0e"}};
  for (const auto& [name, color] : known) {
    if (role == name) return color;
  }
  return kPalette[(index + 4) % kPaletteSize];
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
      for (const auto& [role, bytes] : sample.private_bytes) sum += bytes;
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

double percentile(std::vector<double> values, double q) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const auto rank = static_cast<std::size_t>(std::ceil(q * values.size()));
  return values[std::clamp<std::size_t>(rank, 1, values.size()) - 1];
}

void steps_table(std::string& out, const ReportRun& run) {
  out += "<h4>Step durations</h4>\n";
  if (run.steps.empty()) {
    out += "<p class=\"muted\">No step timings.</p>\n";
    return;
  }
  out +=
      "<table>\n<tr><th>step</th><th class=\"num\">iterations</th><th class=\"num\">median</th>"
      "<th class=\"num\">p95</th><th class=\"num\">max</th><th class=\"num\">failures</th></tr>\n";
  for (const auto& step : run.steps) {
    std::vector<double> ms;
    for (const auto& p : step.duration_ms) {
      if (std::isfinite(p.value)) ms.push_back(p.value);
    }
    auto cell = [&](double q) {
      return ms.empty() ? std::string("-") : fmt::format("{:.0f} ms", percentile(ms, q));
    };
    out += fmt::format(
        "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}"
        "</td><td class=\"num\">{}</td><td class=\"num{}\">{}</td></tr>\n",
        esc(step.label), ms.size(), cell(0.5), cell(0.95), cell(1.0),
        step.failures > 0 ? " bad" : "", step.failures);
  }
  out += "</table>\n";
}

void events_table(std::string& out, const RunSummary& s) {
  std::vector<const EventRecord*> notable;
  for (const auto& e : s.events) {
    if (e.kind == "browser_started" || e.kind == "browser_ended" || e.kind == "js_error" ||
        e.kind == "browser_log") {
      continue;
    }
    notable.push_back(&e);
  }
  if (notable.empty()) return;
  out +=
      "<h4>Events</h4>\n<table>\n<tr><th class=\"num\">iteration</th><th class=\"num\">time"
      "</th><th>event</th><th>message</th></tr>\n";
  for (std::size_t i = 0; i < notable.size() && i < kMaxListedRows; ++i) {
    const EventRecord& e = *notable[i];
    const EventStyle* style = event_style(e.kind);
    out += fmt::format(
        "<tr><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"nowrap\"{}>{}</td>"
        "<td>{}</td></tr>\n",
        e.iteration, time_ms_text(e.t_ms),
        style ? fmt::format(" style=\"color:{}\"", style->color) : std::string(), esc(e.kind),
        esc(truncate_text(e.message, kMaxMessageChars)));
  }
  out += "</table>\n";
  if (notable.size() > kMaxListedRows) {
    out += fmt::format("<p class=\"note\">{} more events in summary.json.</p>\n",
                       notable.size() - kMaxListedRows);
  }
}

// The same error thrown every iteration is one row with its count.
void js_errors_table(std::string& out, const ReportRun& run) {
  if (run.js_errors.empty()) return;
  struct Group {
    const JsErrorRecord* first;
    int count;
  };
  std::vector<Group> groups;
  for (const auto& e : run.js_errors) {
    auto it = std::find_if(groups.begin(), groups.end(), [&](const Group& g) {
      return g.first->message == e.message && g.first->source == e.source;
    });
    if (it == groups.end())
      groups.push_back({&e, 1});
    else
      ++it->count;
  }
  out += fmt::format("<h4>JavaScript errors ({})</h4>\n", run.js_errors.size());
  out +=
      "<table class=\"wide\">\n<tr><th class=\"num\">count</th><th class=\"num\">first at</th>"
      "<th>message</th><th>source</th></tr>\n";
  for (std::size_t i = 0; i < groups.size() && i < kMaxListedErrors; ++i) {
    const JsErrorRecord& e = *groups[i].first;
    out += fmt::format(
        "<tr><td class=\"num\">{}</td><td class=\"num\">it. {}</td><td>{}</td><td class=\"small\">"
        "{}</td></tr>\n",
        groups[i].count, e.iteration, esc(truncate_text(e.message, kMaxMessageChars)),
        esc(truncate_text(e.source, kMaxMessageChars)));
  }
  out += "</table>\n";
  if (groups.size() > kMaxListedErrors) {
    out += fmt::format("<p class=\"note\">{} more distinct errors in the run's events.</p>\n",
                       groups.size() - kMaxListedErrors);
  }
}

void dumps_table(std::string& out, const ReportRun& run) {
  const auto& dumps = run.summary.dumps;
  if (dumps.empty()) return;
  out +=
      "<h4>Dumps</h4>\n<table class=\"wide\">\n<tr><th class=\"num\">iteration</th><th>kind</th>"
      "<th>trigger</th><th class=\"num\">value</th><th class=\"num\">size</th><th>file</th>"
      "</tr>\n";
  for (const auto& d : dumps) {
    out += fmt::format(
        "<tr><td class=\"num\">{}</td><td class=\"nowrap\">{}</td><td>{}</td><td class=\"num\">{}"
        "</td><td class=\"num\">{}</td><td>{}</td></tr>\n",
        d.iteration, esc(dump_kind_text(d.kind)), esc(d.rule),
        d.value_bytes > 0 ? bytes_text(d.value_bytes) : "-",
        d.size_bytes > 0 ? bytes_text(static_cast<double>(d.size_bytes)) : "-",
        d.file.empty() ? "-" : link(run.dir, d.file, d.file));
  }
  out += "</table>\n";
}

void metric_details(std::string& out, const RunSummary& s) {
  if (!s.verdict || s.verdict->per_metric.empty()) return;
  out +=
      "<details><summary>Every metric's analysis</summary>\n<table class=\"wide small\">\n"
      "<tr><th>metric</th><th>verdict</th><th class=\"num\">first \xE2\x86\x92 last</th>"
      "<th class=\"num\">slope/it</th><th class=\"num\">95 % CI</th><th class=\"num\">"
      "Theil\xE2\x80\x93Sen</th><th class=\"num\">threshold</th><th>reason</th></tr>\n";
  for (const auto& m : s.verdict->per_metric) {
    auto amount = [&](double v) {
      return std::isfinite(v) ? format_amount(v, m.unit) : std::string("unbounded");
    };
    out += fmt::format(
        "<tr><td>{}</td><td>{}</td><td class=\"num\">{} \xE2\x86\x92 {}</td><td class=\"num\">{}"
        "</td><td class=\"num\">{} to {}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>"
        "<td>{}</td></tr>\n",
        esc(m.metric), verdict_badge(verdict_name(m.kind)), esc(amount(m.first_value)),
        esc(amount(m.last_value)), esc(amount(m.slope)), esc(amount(m.ci95_low)),
        esc(amount(m.ci95_high)), esc(amount(m.theil_sen)), esc(amount(m.threshold)),
        esc(m.reason));
  }
  out += "</table>\n</details>\n";
}

void run_section(std::string& out, const RunView& v) {
  const ReportRun& run = *v.run;
  const RunSummary& s = run.summary;
  const RunInfo& r = s.info;
  out += fmt::format("<div class=\"run\"><h3 id=\"{}\">{}{} &#160;{} {}</h3>\n", v.anchor,
                     swatch(v.color, v.style), esc(v.label), status_badge(r.status),
                     verdict_badge(s.verdict));
  std::string links;
  for (const auto& [role, file] : s.files) {
    links += (links.empty() ? "" : " &#183; ") + link(run.dir, file, file);
  }
  out += fmt::format(
      "<p class=\"meta small\">{} &#183; {} {} &#183; started {} &#183; {} &#183; input {} "
      "&#183; checkpoint every {} iteration{}{}{}</p>\n",
      esc(r.id), esc(r.browser), esc(r.browser_version), esc(r.started_at),
      duration_text(r.duration_s), esc(r.input_mode), r.checkpoint_every,
      r.checkpoint_every == 1 ? "" : "s", r.checkpoint_gc ? " after a forced GC" : "",
      links.empty() ? "" : "<br>" + links);
  if (s.adaptive.enabled) {
    out += fmt::format(
        "<p class=\"small\">iterations: auto &#8212; decided after {} iterations ({}), at most "
        "{}</p>\n",
        s.adaptive.iterations_used, duration_text(s.adaptive.seconds_used),
        s.adaptive.max_iterations);
  }
  out += fmt::format(
      "<div class=\"half\"><h4>Process tree by role</h4><div class=\"chart\">{}</div></div>",
      render_svg_chart(role_chart(v, v.anchor + "-roles")));
  out += fmt::format(
      "<div class=\"half last\"><h4>Responsiveness</h4><div class=\"chart\">{}</div></div>\n",
      render_svg_chart(responsiveness_chart(v, v.anchor + "-resp")));
  steps_table(out, run);
  events_table(out, s);
  js_errors_table(out, run);
  dumps_table(out, run);
  metric_details(out, s);
  out += "</div>\n";
}

void scenario_section(std::string& out, const ScenarioReport& sc, std::size_t index,
                      const std::vector<RunView>& views) {
  out += fmt::format("<h2 id=\"s{}\">{}</h2>\n", index + 1, esc(sc.scenario));
  std::set<std::string> files;
  for (const auto& run : sc.runs) {
    if (!run.summary.info.scenario_file.empty()) files.insert(run.summary.info.scenario_file);
  }
  std::string file_list;
  for (const auto& f : files) file_list += (file_list.empty() ? "" : ", ") + f;
  out += fmt::format("<p class=\"meta\">{}{} run{}</p>\n",
                     file_list.empty() ? "" : esc(file_list) + " &#183; ", sc.runs.size(),
                     sc.runs.size() == 1 ? "" : "s");

  out += "<h3>Renderer memory per iteration</h3>\n";
  const ChartSpec main = memory_chart(views, fmt::format("s{}-memory", index + 1), true);
  out += "<div class=\"chart\">" + render_svg_chart(main) + "</div>\n";
  out += fmt::format(
      "<p class=\"note\">Private memory of the page's renderer processes at each checkpoint "
      "(after a forced GC when the run forces one).{} Dash-dot from the last checkpoint: the "
      "fitted line to where it meets the ceiling. Markers sit on the curve at the event's "
      "iteration; hover over a marker or a point for details.</p>\n",
      dimensions(sc).by_variant() ? " Colour: the variant; line style: the browser." : "");
  double data_max = 0, lowest_ceiling = INFINITY;
  for (const auto& v : views) {
    for (const auto& p : v.curve) data_max = std::max(data_max, p.y);
  }
  for (const auto& r : main.references) lowest_ceiling = std::min(lowest_ceiling, r.y);
  if (std::isfinite(lowest_ceiling) && data_max > 0 &&
      data_max < kZoomBelowCeilingFraction * lowest_ceiling) {
    out += "<h4>The same curves, zoomed (without the ceiling)</h4>\n";
    out += "<div class=\"chart\">" +
           render_svg_chart(memory_chart(views, fmt::format("s{}-zoom", index + 1), false)) +
           "</div>\n";
  }

  out += "<h3>Verdicts</h3>\n";
  verdict_table(out, views);
  out += "<h3>Compatibility</h3>\n";
  compatibility_table(out, sc.compatibility);
  for (const RunView& v : views) run_section(out, v);
}

std::string night_label(const std::string& started_at) {
  // "2026-11-22T17:01:02Z" -> "11-22"
  return started_at.size() >= 10 ? started_at.substr(5, 5) : started_at;
}

void history_section(std::string& out, const std::vector<HistorySeries>& history) {
  out +=
      "<h2 id=\"history\">History</h2>\n<p class=\"note\">Slope and peak of each run across "
      "nights; red triangles mark a regression found by comparing with the previous night."
      "</p>\n";
  for (std::size_t i = 0; i < history.size(); ++i) {
    const HistorySeries& h = history[i];
    out += fmt::format("<h3>{}</h3>\n", esc(h.key));
    std::vector<std::pair<double, std::string>> ticks;
    for (std::size_t k = 0; k < h.points.size(); ++k) {
      ticks.push_back({static_cast<double>(k + 1), night_label(h.points[k].started_at)});
    }
    auto chart = [&](bool slope) {
      ChartSpec c;
      c.id = fmt::format("h{}-{}", i + 1, slope ? "slope" : "peak");
      c.title = (slope ? "slope per iteration across nights, " : "peak across nights, ") + h.key;
      c.width = kHalfChart;
      c.plot_height = kSmallPlotHeight - 30;
      // Half a night of room on either side, so the first and last points are not on the axes.
      c.x = {"night", AxisUnit::kIteration, false, 0.5, h.points.size() + 0.5, ticks};
      c.y = {slope ? "renderer growth per iteration" : "peak renderer memory", AxisUnit::kBytes,
             true};
      ChartSeries s{
          slope ? "slope" : "peak", slope ? "#1f77b4" : "#9467bd", {}, LineStyle::kSolid, 2, true};
      for (std::size_t k = 0; k < h.points.size(); ++k) {
        const HistoryPoint& p = h.points[k];
        const auto& value = slope ? p.slope_bytes_per_iteration : p.peak_bytes;
        if (!value) continue;
        s.points.push_back({static_cast<double>(k + 1), *value});
        if (p.regression) {
          c.markers.push_back(
              {static_cast<double>(k + 1), *value, MarkerShape::kTriangle, "#d32f2f", "regression",
               fmt::format("{} ({}): {}", p.run_id, p.started_at, p.regression_reason),
               "regression"});
        }
      }
      c.series.push_back(std::move(s));
      return c;
    };
    out += fmt::format("<div class=\"half\"><h4>Slope</h4><div class=\"chart\">{}</div></div>",
                       render_svg_chart(chart(true)));
    out +=
        fmt::format("<div class=\"half last\"><h4>Peak</h4><div class=\"chart\">{}</div></div>\n",
                    render_svg_chart(chart(false)));
    out +=
        "<table class=\"wide\">\n<tr><th class=\"num\">night</th><th>started</th><th>run</th>"
        "<th>verdict</th><th class=\"num\">slope</th><th class=\"num\">peak</th>"
        "<th>regression</th></tr>\n";
    const std::size_t first =
        h.points.size() > kMaxListedRows ? h.points.size() - kMaxListedRows : 0;
    for (std::size_t k = first; k < h.points.size(); ++k) {
      const HistoryPoint& p = h.points[k];
      out += fmt::format(
          "<tr{}><td class=\"num\">{}</td><td class=\"nowrap\">{}</td><td class=\"small\">{}</td>"
          "<td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>\n",
          p.regression ? " class=\"regression\"" : "", k + 1, esc(p.started_at), esc(p.run_id),
          verdict_badge(p.verdict),
          p.slope_bytes_per_iteration ? signed_bytes(*p.slope_bytes_per_iteration) + "/it" : "-",
          p.peak_bytes ? bytes_text(*p.peak_bytes) : "-",
          p.regression ? "<span class=\"bad\">regression</span> " + esc(p.regression_reason) : "");
    }
    out += "</table>\n";
  }
}

void comparison_section(std::string& out, const Comparison& c) {
  int regressions = 0, improvements = 0;
  for (const auto& p : c.pairs) {
    regressions += p.kind == ChangeKind::kRegression;
    improvements += p.kind == ChangeKind::kImprovement;
  }
  out += "<h2 id=\"comparison\">Comparison with the baseline</h2>\n";
  out += fmt::format("<p>{} pair{}: {}{} regression{}{}, {} improvement{}.</p>\n", c.pairs.size(),
                     c.pairs.size() == 1 ? "" : "s", regressions ? "<span class=\"bad\">" : "",
                     regressions, regressions == 1 ? "" : "s", regressions ? "</span>" : "",
                     improvements, improvements == 1 ? "" : "s");
  if (!c.pairs.empty()) {
    out +=
        "<table class=\"wide\">\n<tr><th>run</th><th>baseline</th><th>candidate</th>"
        "<th class=\"num\">slope change</th><th class=\"num\">peak change</th><th>result</th>"
        "<th>reason</th></tr>\n";
    for (const auto& p : c.pairs) {
      out += fmt::format(
          "<tr{}><td>{}<div class=\"small muted\">baseline {}<br>candidate "
          "{}</div></td><td>{}</td><td>{}</td>"
          "<td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td><td>{}</td></tr>\n",
          p.kind == ChangeKind::kRegression ? " class=\"regression\"" : "", esc(p.label()),
          esc(p.baseline_run), esc(p.candidate_run), verdict_badge(p.baseline_verdict),
          verdict_badge(p.candidate_verdict),
          p.slope_delta_bytes ? signed_bytes(*p.slope_delta_bytes) + "/it" : "-",
          p.peak_delta_bytes ? signed_bytes(*p.peak_delta_bytes) : "-", change_badge(p.kind),
          esc(p.reason));
    }
    out += "</table>\n";
  }
  auto only = [&](const std::vector<std::string>& keys, const char* side) {
    if (keys.empty()) return;
    out += fmt::format("<p>Only in the {}:</p>\n<ul>\n", side);
    for (const auto& k : keys) out += fmt::format("<li>{}</li>\n", esc(k));
    out += "</ul>\n";
  };
  only(c.baseline_only, "baseline");
  only(c.candidate_only, "candidate");
}

}  // namespace

std::string render_html(const Report& report) {
  std::vector<std::vector<RunView>> views;
  for (std::size_t i = 0; i < report.scenarios.size(); ++i) {
    views.push_back(run_views(report.scenarios[i], i));
  }
  std::string out;
  out.reserve(64 * 1024);
  out +=
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta http-equiv=\"X-UA-Compatible\" content=\"IE=edge\">\n";
  out +=
      fmt::format("<title>{}</title>\n<style>\n{}</style>\n</head>\n<body>\n<div class=\"page\">\n",
                  esc(report.title.empty() ? "Memory report" : report.title), kCss);
  header(out, report);
  if (report.scenarios.empty()) out += "<p class=\"muted\">No runs in this report.</p>\n";
  glance_table(out, report, views);
  for (std::size_t i = 0; i < report.scenarios.size(); ++i) {
    scenario_section(out, report.scenarios[i], i, views[i]);
  }
  if (!report.history.empty()) history_section(out, report.history);
  if (report.comparison) comparison_section(out, *report.comparison);
  out += "</div>\n</body>\n</html>\n";
  return out;
}

}  // namespace harness
