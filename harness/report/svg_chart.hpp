// A small SVG line-chart builder for the HTML report. Pure: a ChartSpec in, SVG text out.
//
// Output rules (what the golden tests and IE11 rely on):
//   - deterministic: coordinates with one decimal, tick labels with the decimals of their step;
//   - never NaN or inf: non-finite points, markers and lines are dropped before layout, and a
//     chart without a single point is a visible "no data" box;
//   - well-formed XML with the SVG namespace, every text escaped (escape_markup);
//   - SVG 1.1 features only (no dominant-baseline, no CSS variables, no paint-order), explicit
//     width and height: IE11 renders inline <svg> in an HTML5 page with those;
//   - series with more than kMaxChartPoints points are thinned per bucket keeping each bucket's
//     lowest and highest point, so a spike or a crash level survives the thinning.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace harness {

// How an axis's values are labelled; one unit per axis, chosen from the largest value.
enum class AxisUnit {
  kCount,         // 950, 12.5k, 1.5M
  kIteration,     // whole numbers only
  kBytes,         // 512 MiB, 1.25 GiB (binary units)
  kSeconds,       // 30 s, 5 min, 2 h
  kMilliseconds,  // 250 ms, 1.5 s
};

struct ChartAxis {
  std::string title;
  AxisUnit unit = AxisUnit::kCount;
  bool include_zero = false;
  std::optional<double> min;  // forced domain; what lies outside is clipped
  std::optional<double> max;
  // Explicit ticks (value, label) instead of computed ones, e.g. one per night in the history.
  std::vector<std::pair<double, std::string>> ticks;
};

struct ChartPoint {
  double x = 0;
  double y = 0;
};

enum class LineStyle { kSolid, kDashed, kDotted, kDashDot };

struct ChartSeries {
  std::string name;   // legend text and tooltip
  std::string color;  // CSS colour, e.g. "#1f77b4"
  std::vector<ChartPoint> points;
  LineStyle style = LineStyle::kSolid;
  double stroke_width = 2;
  bool dots = false;  // a dot with a tooltip at every point (checkpoints); up to 60 points
};

// A horizontal line across the plot with a label at its left end (the ceiling; curves start
// low, so the left end is where the label is least in the way).
struct ChartReferenceLine {
  double y = 0;
  std::string label;
  std::string color = "#b00020";
  bool extends_domain = true;  // the y domain includes it
};

enum class MarkerShape { kCircle, kRing, kCross, kTriangle, kSquare, kDiamond, kVerticalLine };

struct ChartMarker {
  double x = 0;
  std::optional<double> y;  // without y (or kVerticalLine): a vertical line through the plot
  MarkerShape shape = MarkerShape::kCircle;
  std::string color = "#333333";
  std::string label;    // a few words next to it; left out where it would overlap another
  std::string tooltip;  // <title>: the whole story
  std::string legend;   // legend entry shared by the markers of one kind; "" for none
};

// A straight line between two points, e.g. the fitted line from the last checkpoint to where it
// meets the ceiling.
struct ChartSegment {
  ChartPoint from;
  ChartPoint to;
  std::string color = "#333333";
  LineStyle style = LineStyle::kDashDot;  // an extrapolation, unlike any series' style
  std::string tooltip;
  bool extends_domain = true;  // the domain includes both ends (else it is clipped)
};

struct ChartSpec {
  std::string id = "chart";  // unique within the document: names the clip path
  std::string title;         // the svg's <title> (screen readers, hover on the background)
  int width = 900;           // px, the whole svg
  int plot_height = 280;     // px, the plot area; axes and legend add to it
  ChartAxis x;
  ChartAxis y;
  std::vector<ChartSeries> series;
  std::vector<ChartReferenceLine> references;
  std::vector<ChartMarker> markers;
  std::vector<ChartSegment> segments;
  std::string empty_text = "no data";
};

inline constexpr std::size_t kMaxChartPoints = 600;

std::string render_svg_chart(const ChartSpec& spec);

// ---- building blocks, exposed for the tests and the HTML reporter ----

// A computed axis: the domain rounded out to whole steps, and the labelled ticks in it.
struct AxisScale {
  double lo = 0;
  double hi = 1;
  double step = 1;
  std::vector<double> ticks;
  std::vector<std::string> labels;
};

// "Nice" steps: 1, 2, 2.5 or 5 times a power of ten in the axis's display unit (so a GiB axis
// steps by 0.25 GiB, a MiB axis by 50 MiB), about `target` ticks; whole steps for iterations.
// Degenerate ranges (lo == hi) are widened around the value; lo > hi is swapped.
AxisScale scale_axis(double lo, double hi, const ChartAxis& axis, int target);

// One value as the tooltip shows it: "142.0 MiB", "12.5 s", "it. 25", "1250".
std::string format_axis_value(double value, AxisUnit unit);

// At most max_points points (max_points >= 4): first and last kept, the rest in buckets keeping
// each bucket's lowest and highest point in their original order.
std::vector<ChartPoint> thin_points(std::span<const ChartPoint> points, std::size_t max_points);

// Text made safe for HTML and XML alike: & < > " ' escaped; invalid UTF-8 and control characters
// other than tab, LF and CR (not allowed in XML 1.0) become U+FFFD.
std::string escape_markup(std::string_view text);

}  // namespace harness
