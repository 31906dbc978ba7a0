// SVG line charts from a ChartSpec (chart_specs.hpp builds them): one renderer that draws every
// chart of the report — plot box, grid, axes, series, markers, bands, legend — in one pass over
// the spec; the axis arithmetic is in svg_axes.cpp.
#include "harness/report/svg_chart.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>

#include "harness/model/units.hpp"

namespace harness {

namespace {

constexpr const char* kFontFamily = "'Segoe UI', Arial, Helvetica, sans-serif";
constexpr double kFontSize = 11;
constexpr double kLabelFontSize = 10;
constexpr double kMarginLeft = 78;
constexpr double kMarginRight = 22;
constexpr double kMarginTop = 12;
constexpr double kAxisSpace = 42;  // below the plot: tick labels and the axis title
constexpr double kLegendRow = 18;
constexpr std::size_t kMaxDotPoints = 60;
constexpr const char* kAxisColor = "#555555";
constexpr const char* kGridColor = "#e4e6ea";
constexpr const char* kTextColor = "#333333";


// A pixel coordinate: one decimal, never "-0.0", never NaN (inputs are filtered; this is the
// last guard).
std::string px(double v) {
  if (!std::isfinite(v)) v = 0;
  double r = std::round(v * 10) / 10;
  if (r == 0) r = 0;
  return fmt::format("{:.1f}", r);
}

// Approximate text width: no font metrics offline; ~0.58 em per character of a sans-serif font.
double text_width(std::string_view text, double font_size) {
  std::size_t chars = 0;
  for (unsigned char c : text) chars += (c & 0xC0) != 0x80;
  return static_cast<double>(chars) * font_size * 0.58;
}

const char* dasharray(LineStyle style) {
  switch (style) {
    case LineStyle::kDashed:
      return "7,4";
    case LineStyle::kDotted:
      return "2,3";
    case LineStyle::kDashDot:
      return "10,4,2,4";
    case LineStyle::kSolid:
      break;
  }
  return nullptr;
}

std::string dash_attr(LineStyle style) {
  const char* d = dasharray(style);
  return d ? fmt::format(" stroke-dasharray=\"{}\"", d) : std::string();
}


struct Box {
  double x0, y0, x1, y1;
  bool overlaps(const Box& o) const { return x0 < o.x1 && o.x0 < x1 && y0 < o.y1 && o.y0 < y1; }
};

// The plot's mapping from data to pixels.
struct Frame {
  double left, top, width, height;
  AxisScale x, y;
  double px_x(double v) const { return left + (v - x.lo) / (x.hi - x.lo) * width; }
  double px_y(double v) const { return top + height - (v - y.lo) / (y.hi - y.lo) * height; }
  double right() const { return left + width; }
  double bottom() const { return top + height; }
};

bool finite(const ChartPoint& p) { return std::isfinite(p.x) && std::isfinite(p.y); }

// The spec with everything non-finite removed and long series thinned.
// Colours go into attributes unescaped: only characters a CSS colour needs survive.
std::string clean_color(const std::string& color) {
  std::string out;
  for (char c : color) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '#' || c == '(' || c == ')' ||
        c == ',' || c == '.' || c == '%' || c == ' ') {
      out += c;
    }
  }
  return out.empty() ? "#333333" : out;
}

ChartSpec sanitized(const ChartSpec& spec) {
  ChartSpec s = spec;
  s.width = std::clamp(s.width, 160, 4000);
  s.plot_height = std::clamp(s.plot_height, 60, 3000);
  for (auto& r : s.references) r.color = clean_color(r.color);
  for (auto& m : s.markers) m.color = clean_color(m.color);
  for (auto& g : s.segments) g.color = clean_color(g.color);
  for (auto& series : s.series) {
    series.color = clean_color(series.color);
    if (!std::isfinite(series.stroke_width) || series.stroke_width <= 0) series.stroke_width = 2;
    std::vector<ChartPoint> kept;
    kept.reserve(series.points.size());
    for (const auto& p : series.points) {
      if (finite(p)) kept.push_back(p);
    }
    series.points = thin_points(kept, kMaxChartPoints);
  }
  std::erase_if(s.references, [](const ChartReferenceLine& r) { return !std::isfinite(r.y); });
  std::erase_if(s.markers, [](const ChartMarker& m) {
    return !std::isfinite(m.x) || (m.y && !std::isfinite(*m.y));
  });
  std::erase_if(s.segments, [](const ChartSegment& g) { return !finite(g.from) || !finite(g.to); });
  auto clean_axis = [](ChartAxis& a) {
    if (a.min && !std::isfinite(*a.min)) a.min.reset();
    if (a.max && !std::isfinite(*a.max)) a.max.reset();
    if (a.min && a.max && !(*a.min < *a.max)) a.min.reset(), a.max.reset();
    std::erase_if(a.ticks, [](const auto& t) { return !std::isfinite(t.first); });
  };
  clean_axis(s.x);
  clean_axis(s.y);
  return s;
}

bool has_points(const ChartSpec& s) {
  for (const auto& series : s.series) {
    if (!series.points.empty()) return true;
  }
  for (const auto& m : s.markers) {
    if (m.y) return true;
  }
  return false;
}

std::string svg_open(const ChartSpec& spec, double height) {
  return fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" width=\"{w}\" height=\"{h}\" "
      "viewBox=\"0 0 {w} {h}\" font-family=\"{f}\" font-size=\"{fs}\" role=\"img\" "
      "aria-label=\"{t}\">\n<title>{t}</title>\n",
      fmt::arg("w", spec.width), fmt::arg("h", px(height)), fmt::arg("f", kFontFamily),
      fmt::arg("fs", kFontSize), fmt::arg("t", escape_markup(spec.title)));
}

std::string empty_chart(const ChartSpec& spec) {
  const double height = kMarginTop + spec.plot_height + kAxisSpace;
  const double w = spec.width - kMarginLeft - kMarginRight;
  std::string out = svg_open(spec, height);
  out += fmt::format(
      "<rect class=\"no-data\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#fafafa\" "
      "stroke=\"#b0b4ba\" stroke-dasharray=\"6,4\"/>\n",
      px(kMarginLeft), px(kMarginTop), px(w), px(spec.plot_height));
  out += fmt::format(
      "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"14\" "
      "fill=\"#777777\">{}</text>\n",
      px(kMarginLeft + w / 2), px(kMarginTop + spec.plot_height / 2.0 + 5),
      escape_markup(spec.empty_text));
  out += "</svg>\n";
  return out;
}

// Data extent along one axis, from everything that extends the domain.
struct Extent {
  double lo = INFINITY;
  double hi = -INFINITY;
  void add(double v) {
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  bool empty() const { return lo > hi; }
};

void marker_shape(std::string& out, MarkerShape shape, double x, double y, const std::string& color,
                  double r) {
  switch (shape) {
    case MarkerShape::kCircle:
      out += fmt::format("<circle cx=\"{}\" cy=\"{}\" r=\"{}\" fill=\"{}\" stroke=\"#ffffff\"/>",
                         px(x), px(y), px(r), color);
      break;
    case MarkerShape::kRing:
      out += fmt::format(
          "<circle cx=\"{}\" cy=\"{}\" r=\"{}\" fill=\"#ffffff\" stroke=\"{}\" "
          "stroke-width=\"2\"/>",
          px(x), px(y), px(r), color);
      break;
    case MarkerShape::kCross:
      out += fmt::format(
          "<path d=\"M{} {}L{} {}M{} {}L{} {}\" stroke=\"{}\" stroke-width=\"3\" "
          "stroke-linecap=\"round\"/>",
          px(x - r), px(y - r), px(x + r), px(y + r), px(x - r), px(y + r), px(x + r), px(y - r),
          color);
      break;
    case MarkerShape::kTriangle:
      out += fmt::format("<path d=\"M{} {}L{} {}L{} {}Z\" fill=\"{}\" stroke=\"#ffffff\"/>", px(x),
                         px(y - r * 1.2), px(x + r), px(y + r * 0.8), px(x - r), px(y + r * 0.8),
                         color);
      break;
    case MarkerShape::kSquare:
      out += fmt::format(
          "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\" stroke=\"#ffffff\"/>",
          px(x - r * 0.9), px(y - r * 0.9), px(r * 1.8), px(r * 1.8), color);
      break;
    case MarkerShape::kDiamond:
      out += fmt::format("<path d=\"M{} {}L{} {}L{} {}L{} {}Z\" fill=\"{}\" stroke=\"#ffffff\"/>",
                         px(x), px(y - r * 1.2), px(x + r), px(y), px(x), px(y + r * 1.2),
                         px(x - r), px(y), color);
      break;
    case MarkerShape::kVerticalLine:
      out += fmt::format("<path d=\"M{} {}L{} {}\" stroke=\"{}\" stroke-width=\"2\"/>", px(x),
                         px(y - r), px(x), px(y + r), color);
      break;
  }
}

// A marker pushed to the edge of a forced domain: an arrow pointing where it lies.
void arrow_shape(std::string& out, bool right, double x, double y, const std::string& color) {
  const double d = right ? 1 : -1;
  out += fmt::format("<path d=\"M{} {}L{} {}L{} {}Z\" fill=\"{}\"/>", px(x + 6 * d), px(y),
                     px(x - 2 * d), px(y - 6), px(x - 2 * d), px(y + 6), color);
}

}  // namespace

std::string escape_markup(std::string_view text) {
  static constexpr const char* kReplacement = "\xEF\xBF\xBD";  // U+FFFD
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  std::size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      switch (c) {
        case '&':
          out += "&amp;";
          break;
        case '<':
          out += "&lt;";
          break;
        case '>':
          out += "&gt;";
          break;
        case '"':
          out += "&quot;";
          break;
        case '\'':
          out += "&#39;";
          break;
        default:
          if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
            out += kReplacement;
          } else {
            out += static_cast<char>(c);
          }
      }
      ++i;
      continue;
    }
    // A UTF-8 sequence: its length from the lead byte, then the continuation bytes, rejecting
    // overlong forms, surrogates, code points above U+10FFFF and XML's U+FFFE/U+FFFF.
    std::size_t len = 0;
    std::uint32_t cp = 0;
    if (c >= 0xC2 && c <= 0xDF)
      len = 2, cp = c & 0x1F;
    else if (c >= 0xE0 && c <= 0xEF)
      len = 3, cp = c & 0x0F;
    else if (c >= 0xF0 && c <= 0xF4)
      len = 4, cp = c & 0x07;
    bool ok = len > 0 && i + len <= text.size();
    for (std::size_t k = 1; ok && k < len; ++k) {
      const auto cc = static_cast<unsigned char>(text[i + k]);
      if ((cc & 0xC0) != 0x80) ok = false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if (ok) {
      ok = !(len == 3 && cp < 0x800) && !(len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) &&
           !(cp >= 0xD800 && cp <= 0xDFFF) && cp != 0xFFFE && cp != 0xFFFF;
    }
    if (ok) {
      out.append(text.substr(i, len));
      i += len;
    } else {
      out += kReplacement;
      ++i;
    }
  }
  return out;
}

std::vector<ChartPoint> thin_points(std::span<const ChartPoint> points, std::size_t max_points) {
  max_points = std::max<std::size_t>(max_points, 4);
  if (points.size() <= max_points) return {points.begin(), points.end()};
  const std::size_t inner = points.size() - 2;
  const std::size_t buckets = (max_points - 2) / 2;
  std::vector<ChartPoint> out;
  out.reserve(max_points);
  out.push_back(points.front());
  for (std::size_t b = 0; b < buckets; ++b) {
    const std::size_t begin = 1 + b * inner / buckets;
    const std::size_t end = 1 + (b + 1) * inner / buckets;
    if (begin >= end) continue;
    std::size_t lo = begin, hi = begin;
    for (std::size_t k = begin; k < end; ++k) {
      if (points[k].y < points[lo].y) lo = k;
      if (points[k].y > points[hi].y) hi = k;
    }
    out.push_back(points[std::min(lo, hi)]);
    if (lo != hi) out.push_back(points[std::max(lo, hi)]);
  }
  out.push_back(points.back());
  return out;
}

std::string render_svg_chart(const ChartSpec& original) {
  const ChartSpec spec = sanitized(original);
  if (!has_points(spec)) return empty_chart(spec);

  // ---- domain ----
  Extent ex, ey;
  for (const auto& s : spec.series) {
    for (const auto& p : s.points) ex.add(p.x), ey.add(p.y);
  }
  for (const auto& m : spec.markers) {
    ex.add(m.x);
    if (m.y) ey.add(*m.y);
  }
  for (const auto& r : spec.references) {
    if (r.extends_domain) ey.add(r.y);
  }
  for (const auto& g : spec.segments) {
    if (!g.extends_domain) continue;
    ex.add(g.from.x), ex.add(g.to.x), ey.add(g.from.y), ey.add(g.to.y);
  }
  for (const auto& t : spec.x.ticks) ex.add(t.first);
  if (ex.empty()) ex.add(0);
  if (ey.empty()) ey.add(0);

  Frame f;
  f.left = kMarginLeft;
  f.top = kMarginTop;
  f.width = spec.width - kMarginLeft - kMarginRight;
  f.height = spec.plot_height;
  f.x = scale_axis(ex.lo, ex.hi, spec.x, std::max(2, static_cast<int>(f.width / 90)));
  f.y = scale_axis(ey.lo, ey.hi, spec.y, std::max(3, static_cast<int>(f.height / 42)));
  if (!spec.x.ticks.empty()) {
    f.x.ticks.clear();
    f.x.labels.clear();
    for (const auto& [v, label] : spec.x.ticks) {
      if (v < f.x.lo || v > f.x.hi) continue;
      f.x.ticks.push_back(v);
      f.x.labels.push_back(label);
    }
  }

  // ---- legend layout ----
  struct LegendItem {
    std::string name;
    const ChartSeries* series = nullptr;
    const ChartMarker* marker = nullptr;
    double x = 0, y = 0, w = 0;
  };
  std::vector<LegendItem> legend;
  for (const auto& s : spec.series) {
    if (!s.name.empty()) legend.push_back({s.name, &s, nullptr});
  }
  for (const auto& m : spec.markers) {
    if (m.legend.empty()) continue;
    const bool seen = std::any_of(legend.begin(), legend.end(), [&](const LegendItem& item) {
      return item.marker && item.name == m.legend;
    });
    if (!seen) legend.push_back({m.legend, nullptr, &m});
  }
  const double legend_top = f.bottom() + kAxisSpace;
  double lx = f.left, ly = legend_top + 12;
  int rows = legend.empty() ? 0 : 1;
  for (auto& item : legend) {
    item.w = (item.series ? 30 : 16) + text_width(item.name, kFontSize) + 14;
    if (lx > f.left && lx + item.w > f.right()) {
      lx = f.left;
      ly += kLegendRow;
      ++rows;
    }
    item.x = lx;
    item.y = ly;
    lx += item.w;
  }
  const double height = legend_top + rows * kLegendRow + (rows ? 6 : 0);

  std::string out = svg_open(spec, height);
  const std::string clip = spec.id + "-plot";
  out += fmt::format(
      "<defs><clipPath id=\"{}\"><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"/>"
      "</clipPath></defs>\n",
      escape_markup(clip), px(f.left - 4), px(f.top - 4), px(f.width + 8), px(f.height + 8));
  out += fmt::format(
      "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#ffffff\" stroke=\"none\"/>\n",
      px(f.left), px(f.top), px(f.width), px(f.height));

  // ---- grid and axes ----
  out += fmt::format("<g class=\"grid\" stroke=\"{}\" stroke-width=\"1\">", kGridColor);
  for (double v : f.y.ticks) {
    out += fmt::format("<path d=\"M{} {}H{}\"/>", px(f.left), px(f.px_y(v)), px(f.right()));
  }
  for (double v : f.x.ticks) {
    out += fmt::format("<path d=\"M{} {}V{}\"/>", px(f.px_x(v)), px(f.top), px(f.bottom()));
  }
  out += "</g>\n";
  out += fmt::format("<g class=\"axes\" fill=\"{}\">", kTextColor);
  out += fmt::format("<path d=\"M{} {}V{}H{}\" fill=\"none\" stroke=\"{}\"/>", px(f.left),
                     px(f.top), px(f.bottom()), px(f.right()), kAxisColor);
  for (std::size_t k = 0; k < f.y.ticks.size(); ++k) {
    const double y = f.px_y(f.y.ticks[k]);
    out += fmt::format("<path d=\"M{} {}H{}\" stroke=\"{}\"/>", px(f.left - 4), px(y), px(f.left),
                       kAxisColor);
    out += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>", px(f.left - 7),
                       px(y + 4), escape_markup(f.y.labels[k]));
  }
  // Every k-th x label when they would not fit side by side.
  double widest = 0;
  for (const auto& l : f.x.labels) widest = std::max(widest, text_width(l, kFontSize));
  const double spacing = f.x.ticks.size() > 1 ? f.width / (f.x.ticks.size() - 1) : f.width;
  const std::size_t every =
      std::max<std::size_t>(1, static_cast<std::size_t>(std::ceil((widest + 10) / spacing)));
  for (std::size_t k = 0; k < f.x.ticks.size(); ++k) {
    const double x = f.px_x(f.x.ticks[k]);
    out += fmt::format("<path d=\"M{} {}V{}\" stroke=\"{}\"/>", px(x), px(f.bottom()),
                       px(f.bottom() + 4), kAxisColor);
    if (k % every != 0) continue;
    out += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>", px(x),
                       px(f.bottom() + 16), escape_markup(f.x.labels[k]));
  }
  if (!spec.x.title.empty()) {
    out += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"#555555\">{}</text>",
                       px(f.left + f.width / 2), px(f.bottom() + 33), escape_markup(spec.x.title));
  }
  if (!spec.y.title.empty()) {
    const double cy = f.top + f.height / 2;
    out += fmt::format(
        "<text x=\"14\" y=\"{}\" transform=\"rotate(-90 14 {})\" text-anchor=\"middle\" "
        "fill=\"#555555\">{}</text>",
        px(cy), px(cy), escape_markup(spec.y.title));
  }
  out += "</g>\n";

  std::vector<Box> placed;  // label boxes, so labels never overprint each other

  // ---- reference lines ----
  for (const auto& r : spec.references) {
    if (r.y < f.y.lo || r.y > f.y.hi) continue;
    const double y = f.px_y(r.y);
    out += fmt::format(
        "<g class=\"reference\"><title>{}</title><path d=\"M{} {}H{}\" stroke=\"{}\" "
        "stroke-width=\"1.5\" stroke-dasharray=\"10,4\"/>",
        escape_markup(r.label), px(f.left), px(y), px(f.right()), r.color);
    if (!r.label.empty()) {
      const double w = text_width(r.label, kFontSize);
      out += fmt::format("<text x=\"{}\" y=\"{}\" fill=\"{}\" font-weight=\"bold\">{}</text>",
                         px(f.left + 6), px(y - 5), r.color, escape_markup(r.label));
      placed.push_back({f.left + 6, y - 17, f.left + 6 + w, y - 2});
    }
    out += "</g>\n";
  }

  // ---- series ----
  out += fmt::format("<g class=\"series\" clip-path=\"url(#{})\">\n", escape_markup(clip));
  for (const auto& s : spec.series) {
    if (s.points.empty()) continue;
    out += fmt::format("<g><title>{}</title>", escape_markup(s.name));
    if (s.points.size() == 1) {
      out += fmt::format("<circle cx=\"{}\" cy=\"{}\" r=\"3.5\" fill=\"{}\"/>",
                         px(f.px_x(s.points[0].x)), px(f.px_y(s.points[0].y)), s.color);
    } else {
      std::string pts;
      for (const auto& p : s.points) {
        if (!pts.empty()) pts += ' ';
        pts += px(f.px_x(p.x)) + "," + px(f.px_y(p.y));
      }
      out += fmt::format(
          "<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"{}\"{} stroke-linejoin=\"round\" "
          "stroke-linecap=\"round\" points=\"{}\"/>",
          s.color, px(s.stroke_width), dash_attr(s.style), pts);
    }
    if (s.dots && s.points.size() <= kMaxDotPoints) {
      for (const auto& p : s.points) {
        out += fmt::format(
            "<circle cx=\"{}\" cy=\"{}\" r=\"2.5\" fill=\"{}\"><title>{}: {}, {}</title></circle>",
            px(f.px_x(p.x)), px(f.px_y(p.y)), s.color, escape_markup(s.name),
            escape_markup(format_axis_value(p.x, spec.x.unit)),
            escape_markup(format_axis_value(p.y, spec.y.unit)));
      }
    }
    out += "</g>\n";
  }
  for (const auto& g : spec.segments) {
    out += fmt::format(
        "<g class=\"segment\"><title>{}</title><path d=\"M{} {}L{} {}\" fill=\"none\" "
        "stroke=\"{}\" stroke-width=\"2\"{}/></g>\n",
        escape_markup(g.tooltip), px(f.px_x(g.from.x)), px(f.px_y(g.from.y)), px(f.px_x(g.to.x)),
        px(f.px_y(g.to.y)), g.color, dash_attr(g.style));
  }
  out += "</g>\n";

  // ---- markers ----
  out += "<g class=\"markers\">\n";
  for (const auto& m : spec.markers) {
    const bool vertical = !m.y || m.shape == MarkerShape::kVerticalLine;
    const bool out_left = m.x<f.x.lo, out_right = m.x> f.x.hi;
    const double x = std::clamp(f.px_x(m.x), f.left, f.right());
    out += fmt::format("<g class=\"marker\"><title>{}</title>", escape_markup(m.tooltip));
    double label_y;
    if (vertical) {
      out += fmt::format(
          "<path d=\"M{} {}V{}\" stroke=\"{}\" stroke-width=\"1.5\" stroke-dasharray=\"3,3\"/>",
          px(x), px(f.top), px(f.bottom()), m.color);
      out += fmt::format("<path d=\"M{} {}L{} {}L{} {}Z\" fill=\"{}\"/>", px(x - 4), px(f.top),
                         px(x + 4), px(f.top), px(x), px(f.top + 6), m.color);
      label_y = f.top + 16;
    } else {
      const double y = std::clamp(f.px_y(*m.y), f.top, f.bottom());
      if (out_left || out_right) {
        arrow_shape(out, out_right, x, y, m.color);
      } else {
        marker_shape(out, m.shape, x, y, m.color, 5);
      }
      label_y = y - 8;
    }
    if (!m.label.empty()) {
      const double w = text_width(m.label, kLabelFontSize);
      // Above right of the marker, else above left, below right, below left, straight above;
      // left out when every place overlaps a label already drawn.
      const std::pair<double, double> candidates[] = {{x + 7, label_y},
                                                      {x - 7 - w, label_y},
                                                      {x + 7, label_y + 22},
                                                      {x - 7 - w, label_y + 22},
                                                      {x - w / 2, label_y - 8}};
      for (const auto& [tx, ty] : candidates) {
        const Box box{tx, ty - 10, tx + w, ty + 2};
        if (box.x0 < f.left || box.x1 > f.right() + kMarginRight - 2 || box.y0 < 0 ||
            box.y1 > f.bottom()) {
          continue;
        }
        if (std::any_of(placed.begin(), placed.end(),
                        [&](const Box& b) { return b.overlaps(box); })) {
          continue;
        }
        placed.push_back(box);
        out += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"{}\" fill=\"{}\">{}</text>", px(tx),
                           px(ty), kLabelFontSize, m.color, escape_markup(m.label));
        break;
      }
    }
    out += "</g>\n";
  }
  out += "</g>\n";

  // ---- legend ----
  if (!legend.empty()) {
    out += fmt::format("<g class=\"legend\" fill=\"{}\">\n", kTextColor);
    for (const auto& item : legend) {
      const double cy = item.y - 4;
      double text_x;
      if (item.series) {
        const ChartSeries& s = *item.series;
        out += fmt::format("<path d=\"M{} {}H{}\" stroke=\"{}\" stroke-width=\"{}\"{}/>",
                           px(item.x), px(cy), px(item.x + 24), s.color,
                           px(std::max(2.0, s.stroke_width)), dash_attr(s.style));
        text_x = item.x + 30;
      } else {
        const ChartMarker& m = *item.marker;
        if (m.shape == MarkerShape::kVerticalLine || !m.y) {
          out += fmt::format("<path d=\"M{} {}V{}\" stroke=\"{}\" stroke-width=\"1.5\"/>",
                             px(item.x + 5), px(cy - 6), px(cy + 6), m.color);
        } else {
          marker_shape(out, m.shape, item.x + 5, cy, m.color, 4.5);
        }
        text_x = item.x + 16;
      }
      out += fmt::format("<text x=\"{}\" y=\"{}\">{}</text>\n", px(text_x), px(item.y),
                         escape_markup(item.name));
    }
    out += "</g>\n";
  }
  out += "</svg>\n";
  return out;
}

}  // namespace harness
