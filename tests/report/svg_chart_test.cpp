#include "harness/report/svg_chart.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <pugixml.hpp>
#include <string>
#include <vector>

#include "golden.hpp"

namespace harness {
namespace {

constexpr double kMiB = 1048576.0;

pugi::xml_document parse(const std::string& svg) {
  pugi::xml_document doc;
  const auto result = doc.load_string(svg.c_str());
  EXPECT_TRUE(result) << result.description() << " at offset " << result.offset << "\n" << svg;
  return doc;
}

// Every text of a group with the given class, e.g. the legend's entries.
std::vector<std::string> texts_in(const pugi::xml_document& doc, const std::string& cls) {
  std::vector<std::string> out;
  const auto query = "//g[@class='" + cls + "']//text";
  for (const auto& node : doc.select_nodes(query.c_str())) {
    out.push_back(node.node().text().get());
  }
  return out;
}

bool has_non_finite(const std::string& text) {
  return text.find("nan") != std::string::npos || text.find("NaN") != std::string::npos ||
         text.find("inf") != std::string::npos;
}

ChartSpec memory_spec() {
  ChartSpec c;
  c.id = "t";
  c.title = "renderer private memory";
  c.width = 700;
  c.plot_height = 220;
  c.x = {"iteration", AxisUnit::kIteration, true};
  c.y = {"private memory", AxisUnit::kBytes, true};
  ChartSeries a{"chromium retention=none", "#1f77b4", {}, LineStyle::kSolid, 2, true};
  ChartSeries b{"chromium retention=window", "#ff7f0e", {}, LineStyle::kDashed, 2, true};
  for (int i = 0; i <= 60; i += 10) {
    a.points.push_back({static_cast<double>(i), (40 + 0.1 * i) * kMiB});
    b.points.push_back({static_cast<double>(i), (50 + 9.5 * i) * kMiB});
  }
  c.series = {a, b};
  c.references.push_back({1300 * kMiB, "ceiling 1.27 GiB"});
  c.markers.push_back({40, 430 * kMiB, MarkerShape::kCross, "#d32f2f", "crash",
                       "crashed at iteration 40", "crash"});
  c.markers.push_back({20, std::nullopt, MarkerShape::kVerticalLine, "#78909c", "reload",
                       "reloaded after iteration 20", "reload"});
  c.segments.push_back({{60, 620 * kMiB},
                        {95, 1300 * kMiB},
                        "#ff7f0e",
                        LineStyle::kDashed,
                        "projected to reach the ceiling at iteration 95"});
  c.markers.push_back({95, 1300 * kMiB, MarkerShape::kRing, "#222222", "\xE2\x89\x88 it. 95",
                       "projection", "projected to reach the ceiling"});
  return c;
}

TEST(SvgChart, Golden) {
  harness::testing::expect_golden("chart.svg", render_svg_chart(memory_spec()));
}

TEST(SvgChart, IsWellFormedWithLegendCeilingAndMarkers) {
  const std::string svg = render_svg_chart(memory_spec());
  const auto doc = parse(svg);
  EXPECT_STREQ(doc.document_element().name(), "svg");
  EXPECT_STREQ(doc.document_element().attribute("xmlns").value(), "http://www.w3.org/2000/svg");
  const auto legend = texts_in(doc, "legend");
  for (const char* name : {"chromium retention=none", "chromium retention=window", "crash",
                           "reload", "projected to reach the ceiling"}) {
    EXPECT_NE(std::find(legend.begin(), legend.end(), name), legend.end()) << name;
  }
  const auto reference = texts_in(doc, "reference");
  ASSERT_EQ(reference.size(), 1u);
  EXPECT_EQ(reference[0], "ceiling 1.27 GiB");
  EXPECT_EQ(doc.select_nodes("//g[@class='series']//polyline").size(), 2u);
  EXPECT_EQ(doc.select_nodes("//g[@class='marker']").size(), 3u);
  EXPECT_FALSE(has_non_finite(svg));
  EXPECT_EQ(svg, render_svg_chart(memory_spec())) << "deterministic";
}

TEST(SvgChart, EmptyDataIsANoDataBox) {
  ChartSpec c = memory_spec();
  for (auto& s : c.series) s.points.clear();
  c.markers.clear();
  c.segments.clear();
  const std::string svg = render_svg_chart(c);
  parse(svg);
  EXPECT_NE(svg.find("no data"), std::string::npos);
  EXPECT_NE(svg.find("class=\"no-data\""), std::string::npos);
  EXPECT_FALSE(has_non_finite(svg));
}

TEST(SvgChart, SinglePointsAndNonFiniteValuesNeverReachTheOutput) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  for (const auto& points : std::vector<std::vector<ChartPoint>>{{{5, 40 * kMiB}},
                                                                 {{0, 0}},
                                                                 {{0, nan}, {inf, 3}, {7, 7}},
                                                                 {{3, 3}, {3, 3}},
                                                                 {{0, -1e300}, {1, 1e300}}}) {
    ChartSpec c;
    c.y.unit = AxisUnit::kBytes;
    c.series.push_back({"s", "#000000", points});
    c.references.push_back({nan, "nan ceiling"});
    c.markers.push_back({nan, 1.0, MarkerShape::kCross, "#ff0000", "bad", "bad", ""});
    c.segments.push_back({{0, 0}, {inf, 1}});
    c.x.max = nan;
    const std::string svg = render_svg_chart(c);
    parse(svg);
    EXPECT_FALSE(has_non_finite(svg)) << svg;
  }
}

TEST(SvgChart, HostileTextIsEscaped) {
  ChartSpec c = memory_spec();
  c.title = "<script>alert(1)</script>";
  c.series[0].name = "a\"b<script>&'";
  c.markers[0].tooltip = "</title><script>alert(2)</script>";
  c.series[1].color = "red\" onload=\"alert(3)";
  const std::string svg = render_svg_chart(c);
  parse(svg);
  EXPECT_EQ(svg.find("<script"), std::string::npos);
  EXPECT_EQ(svg.find("onload=\""), std::string::npos);
  EXPECT_NE(svg.find("a&quot;b&lt;script&gt;&amp;&#39;"), std::string::npos);
}

TEST(SvgChart, ForcedDomainClipsAndPointsAtMarkersOutsideIt) {
  ChartSpec c = memory_spec();
  c.x.max = 60;
  c.segments[0].extends_domain = false;
  const std::string svg = render_svg_chart(c);
  const auto doc = parse(svg);
  EXPECT_NE(svg.find("clip-path=\"url(#t-plot)\""), std::string::npos);
  // The projection marker at iteration 95 is drawn at the right edge (x = 700 - 22).
  bool at_edge = false;
  for (const auto& node : doc.select_nodes("//g[@class='marker']/path")) {
    const std::string d = node.node().attribute("d").value();
    if (d.rfind("M684.0 ", 0) == 0) at_edge = true;
  }
  EXPECT_TRUE(at_edge) << svg;
}

TEST(SvgChart, LongSeriesAreThinnedKeepingTheirExtremes) {
  std::vector<ChartPoint> points;
  for (int i = 0; i < 10000; ++i) points.push_back({static_cast<double>(i), std::sin(i * 0.01)});
  points[5000].y = 50;   // a spike
  points[7000].y = -50;  // a dip
  const auto thin = thin_points(points, kMaxChartPoints);
  EXPECT_LE(thin.size(), kMaxChartPoints);
  EXPECT_GE(thin.size(), kMaxChartPoints - 4);
  EXPECT_EQ(thin.front().x, 0);
  EXPECT_EQ(thin.back().x, 9999);
  auto has = [&](double y) {
    return std::any_of(thin.begin(), thin.end(), [&](const ChartPoint& p) { return p.y == y; });
  };
  EXPECT_TRUE(has(50));
  EXPECT_TRUE(has(-50));
  EXPECT_TRUE(std::is_sorted(thin.begin(), thin.end(),
                             [](const ChartPoint& a, const ChartPoint& b) { return a.x < b.x; }));

  ChartSpec c;
  c.series.push_back({"long", "#000000", points});
  const std::string svg = render_svg_chart(c);
  const auto doc = parse(svg);
  const std::string pts = doc.select_node("//polyline").node().attribute("points").value();
  EXPECT_LE(std::count(pts.begin(), pts.end(), ',') + 0u, kMaxChartPoints);
}

TEST(SvgChart, NiceTicksInTheAxisUnit) {
  ChartAxis bytes{"", AxisUnit::kBytes, true};
  auto s = scale_axis(40 * kMiB, 1300 * kMiB, bytes, 6);
  EXPECT_EQ(s.labels, (std::vector<std::string>{"0", "0.25 GiB", "0.50 GiB", "0.75 GiB", "1.00 GiB",
                                                "1.25 GiB", "1.50 GiB"}));
  EXPECT_DOUBLE_EQ(s.hi, 1.5 * 1024 * kMiB);

  s = scale_axis(38.2 * kMiB, 43.5 * kMiB, {"", AxisUnit::kBytes, false}, 5);
  EXPECT_EQ(s.labels.front(), "38 MiB");
  EXPECT_EQ(s.labels.back(), "44 MiB");

  s = scale_axis(0, 7, {"", AxisUnit::kIteration, true}, 5);
  EXPECT_EQ(s.labels, (std::vector<std::string>{"0", "2", "4", "6", "8"}));
  s = scale_axis(0, 3, {"", AxisUnit::kIteration, true}, 8);  // never a fractional iteration
  EXPECT_EQ(s.labels, (std::vector<std::string>{"0", "1", "2", "3"}));

  s = scale_axis(0, 600, {"", AxisUnit::kSeconds, true}, 5);
  EXPECT_EQ(s.labels.back(), "10 min");
  s = scale_axis(0, 45, {"", AxisUnit::kSeconds, true}, 5);
  EXPECT_EQ(s.labels.back(), "50 s");
  s = scale_axis(0, 850, {"", AxisUnit::kMilliseconds, true}, 4);
  EXPECT_EQ(s.labels.back(), "1000 ms");
  s = scale_axis(0, 25000, {"", AxisUnit::kCount, true}, 5);
  EXPECT_EQ(s.labels.back(), "25k");

  s = scale_axis(40 * kMiB, 40 * kMiB, bytes, 5);  // one value
  EXPECT_LT(s.lo, s.hi);
  EXPECT_LE(s.lo, 40 * kMiB);
  EXPECT_GE(s.hi, 40 * kMiB);
  s = scale_axis(0, 0, {"", AxisUnit::kCount, false}, 5);
  EXPECT_LT(s.lo, s.hi);
}

TEST(SvgChart, EscapeMarkupRepairsUtf8AndControlCharacters) {
  EXPECT_EQ(escape_markup("<a href=\"x\">&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;");
  EXPECT_EQ(escape_markup("caf\xC3\xA9 \xE2\x89\x88 \xF0\x9F\x98\x80"),
            "caf\xC3\xA9 \xE2\x89\x88 \xF0\x9F\x98\x80");
  EXPECT_EQ(escape_markup("a\x01z"), "a\xEF\xBF\xBDz");
  EXPECT_EQ(escape_markup("tab\tnl\n"), "tab\tnl\n");
  EXPECT_EQ(escape_markup("bad \xFF end"), "bad \xEF\xBF\xBD end");
  EXPECT_EQ(escape_markup("cut \xE2\x89"), "cut \xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(escape_markup("overlong \xC0\xAF"), "overlong \xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(escape_markup("surrogate \xED\xA0\x80"),
            "surrogate \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
}

}  // namespace
}  // namespace harness
