// The report's charts as data: what each chart holds, read from the specs (no HTML, no SVG).
#include "harness/report/chart_specs.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "fixed_report.hpp"
#include "harness/analyze/projection.hpp"
#include "harness/report/style.hpp"

namespace harness {
namespace {

using harness::testing::fixed_report;
using harness::testing::kFixedMiB;

constexpr double kCeiling = 1300 * kFixedMiB;

std::vector<std::string> series_names(const ChartSpec& c) {
  std::vector<std::string> names;
  for (const auto& s : c.series) names.push_back(s.name);
  return names;
}

std::vector<const ChartMarker*> markers_with_legend(const ChartSpec& c, const std::string& legend) {
  std::vector<const ChartMarker*> out;
  for (const auto& m : c.markers) {
    if (m.legend == legend) out.push_back(&m);
  }
  return out;
}

// Two browsers × two variants: the colour says the variant, the line style the browser.
TEST(ChartSpecs, ColourIsTheVariantAndLineStyleTheBrowser) {
  const Report report = fixed_report();
  const ScenarioReport& sc = report.scenarios[0];
  EXPECT_TRUE(colours_by_variant(sc));
  const auto views = run_views(sc, 0);
  ASSERT_EQ(views.size(), 4u);
  EXPECT_EQ(views[0].label, "chromium retention=none");
  EXPECT_EQ(views[0].anchor, "s1-r1");
  EXPECT_EQ(views[3].anchor, "s1-r4");
  EXPECT_EQ(views[0].color, views[2].color);  // none in chromium and in ie11
  EXPECT_EQ(views[1].color, views[3].color);  // window
  EXPECT_NE(views[0].color, views[1].color);
  EXPECT_EQ(views[0].style, LineStyle::kSolid);  // chromium
  EXPECT_EQ(views[1].style, LineStyle::kSolid);
  EXPECT_EQ(views[2].style, LineStyle::kDashed);  // ie11
  EXPECT_EQ(views[3].style, LineStyle::kDashed);
  // The curve is the default metric at each checkpoint.
  ASSERT_EQ(views[1].curve.size(), 13u);
  EXPECT_EQ(views[1].curve[2].x, 10);
  EXPECT_DOUBLE_EQ(views[1].curve[2].y, (52.0 + 9.5 * 10) * kFixedMiB);
}

TEST(ChartSpecs, OneColourPerRunInOneBrowserAndRepeatedLabelsNumbered) {
  Report report = fixed_report();
  ScenarioReport& sc = report.scenarios[0];
  sc.runs = {sc.runs[0], sc.runs[1], sc.runs[0]};
  EXPECT_FALSE(colours_by_variant(sc));
  const auto views = run_views(sc, 2);
  ASSERT_EQ(views.size(), 3u);
  EXPECT_EQ(views[0].color, kPalette[0]);
  EXPECT_EQ(views[1].color, kPalette[1]);
  EXPECT_EQ(views[2].color, kPalette[2]);
  EXPECT_EQ(views[2].label, "chromium retention=none (2)");
  EXPECT_EQ(views[2].anchor, "s3-r3");
}

TEST(ChartSpecs, MemoryChartHasEveryRunTheCeilingEventsAndProjections) {
  const Report report = fixed_report();
  const auto views = run_views(report.scenarios[0], 0);
  const ChartSpec c = memory_chart(views, "s1-memory", true);
  EXPECT_EQ(c.id, "s1-memory");
  EXPECT_EQ(c.x.unit, AxisUnit::kIteration);
  EXPECT_EQ(c.y.unit, AxisUnit::kBytes);
  // The window run's projection is on the interval peaks: they are drawn too.
  EXPECT_EQ(series_names(c),
            (std::vector<std::string>{"chromium retention=none", "chromium retention=window",
                                      "chromium retention=window \xC2\xB7 interval peaks",
                                      "ie11 retention=none", "ie11 retention=window"}));
  // One ceiling line, however many runs share it.
  ASSERT_EQ(c.references.size(), 1u);
  EXPECT_EQ(c.references[0].y, kCeiling);
  EXPECT_EQ(c.references[0].label, "ceiling 1.27 GiB");
  EXPECT_EQ(c.references[0].color, kCeilingColor);

  // Each projection: a ring where it meets the ceiling, and its dashed line ending there.
  const auto rings = markers_with_legend(c, "projection to the ceiling");
  ASSERT_EQ(rings.size(), 2u);
  EXPECT_EQ(rings[0]->x, 95.9);
  EXPECT_EQ(rings[0]->y, kCeiling);
  EXPECT_EQ(rings[0]->shape, MarkerShape::kRing);
  EXPECT_EQ(rings[1]->x, 100.0);
  ASSERT_EQ(c.segments.size(), 2u);
  for (const auto& g : c.segments) {
    EXPECT_EQ(g.style, LineStyle::kDashDot);
    EXPECT_TRUE(g.extends_domain);
  }
  EXPECT_EQ(c.segments[0].from.x, 60);
  EXPECT_EQ(c.segments[0].to.x, 95.9);
  EXPECT_NEAR(c.segments[0].to.y, kCeiling, 0.2 * kFixedMiB);  // the fixture's 95.9 is rounded
  EXPECT_EQ(c.segments[0].color, views[1].color);
  EXPECT_EQ(c.segments[1].from.x, 95);
  EXPECT_EQ(c.segments[1].to.x, 100.0);

  // Events sit on the curve, the ceiling crossing on the ceiling; a dump is marked once, from
  // the dumps list (not again from its dump_written event).
  EXPECT_EQ(markers_with_legend(c, "reload").size(), 2u);
  EXPECT_EQ(markers_with_legend(c, "dump").size(), 2u);
  const auto reached = markers_with_legend(c, "ceiling reached");
  ASSERT_EQ(reached.size(), 1u);
  EXPECT_EQ(reached[0]->x, 96);
  EXPECT_EQ(reached[0]->y, kCeiling);
  const auto crash = markers_with_legend(c, "crash");
  ASSERT_EQ(crash.size(), 1u);
  EXPECT_DOUBLE_EQ(*crash[0]->y, (60.0 + 12.4 * 95) * kFixedMiB);  // the curve's last value
  const auto failed = markers_with_legend(c, "step failed");
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0]->x, 23);
}

// The dashed line is the projection's own line (its fit plus its headroom), whatever a fit of
// the drawn curves would say.
TEST(ChartSpecs, TheProjectionLineIsTheProjectionsOwn) {
  Projection p;
  p.metric = metric::kRendererPrivatePeak;
  p.trend_metric = metric::kRendererPrivate;
  p.ceiling_bytes = 1000 * kFixedMiB;
  p.headroom_bytes = 80 * kFixedMiB;
  p.fit_intercept = 40 * kFixedMiB;
  p.fit_slope_per_iteration = 8 * kFixedMiB;
  p.fit_first_iteration = 0;
  p.fit_last_iteration = 50;
  p.iteration = 110;  // 40 + 8 · 110 + 80 = 1000
  const auto line = projection_line(p);
  ASSERT_TRUE(line);
  EXPECT_EQ(line->first.x, 50);
  EXPECT_DOUBLE_EQ(line->first.y, (40 + 8 * 50 + 80) * kFixedMiB);
  EXPECT_EQ(line->second.x, 110);
  EXPECT_DOUBLE_EQ(line->second.y, 1000 * kFixedMiB);

  // Nothing to draw: no recorded line, a falling one, a crossing before the last checkpoint,
  // a value that is not a number.
  Projection none = p;
  none.fit_slope_per_iteration = 0;
  EXPECT_FALSE(projection_line(none));
  Projection falling = p;
  falling.fit_slope_per_iteration = -1;
  EXPECT_FALSE(projection_line(falling));
  Projection passed = p;
  passed.fit_intercept = 600 * kFixedMiB;
  passed.iteration = 40;
  EXPECT_FALSE(projection_line(passed));
  Projection nan = p;
  nan.iteration = std::nan("");
  EXPECT_FALSE(projection_line(nan));

  // On the chart: the run's curves say otherwise (the fixed window run grows 9.5 MiB/it), the
  // segment still follows the projection.
  Report report = fixed_report();
  auto& runs = report.scenarios[0].runs;
  runs = {runs[1]};
  runs[0].summary.projection = p;
  const ChartSpec c = memory_chart(run_views(report.scenarios[0], 0), "m", true);
  ASSERT_EQ(c.segments.size(), 1u);
  EXPECT_EQ(c.segments[0].from.x, line->first.x);
  EXPECT_EQ(c.segments[0].from.y, line->first.y);
  EXPECT_EQ(c.segments[0].to.x, line->second.x);
  EXPECT_EQ(c.segments[0].to.y, line->second.y);
  // Without a recorded line the crossing is still marked, with no line to it.
  runs[0].summary.projection = none;
  const ChartSpec old = memory_chart(run_views(report.scenarios[0], 0), "m", true);
  EXPECT_TRUE(old.segments.empty());
  EXPECT_EQ(markers_with_legend(old, "projection to the ceiling").size(), 1u);
}

// From the analysis to the chart: the line drawn is the one analyze/projection.cpp extrapolated
// (the after-GC trend plus the peaks' headroom), and it ends on the ceiling at the crossing.
TEST(ChartSpecs, TheLineDrawnIsTheLineTheAnalysisProjected) {
  Report report = fixed_report();
  auto& runs = report.scenarios[0].runs;
  runs = {runs[1]};
  RunSummary& s = runs[0].summary;
  // Peaks scattered around +80 MiB, loaded at the start: a fit of the peaks would differ.
  for (std::size_t k = 0; k < s.checkpoints.size(); ++k) {
    auto& m = s.checkpoints[k].metrics;
    m[metric::kRendererPrivatePeak] =
        m[metric::kRendererPrivate] + (k % 2 ? 70 : 90) * kFixedMiB + (k < 2 ? 200 * kFixedMiB : 0);
  }
  s.projection = project_ceiling_with_headroom(s.checkpoints, metric::kRendererPrivate,
                                               metric::kRendererPrivatePeak, kCeiling);
  ASSERT_TRUE(s.projection);
  const Projection& p = *s.projection;
  EXPECT_NEAR(p.fit_slope_per_iteration, 9.5 * kFixedMiB, 1e-3);
  EXPECT_NEAR(p.fit_intercept, 52 * kFixedMiB, 1e-3);
  EXPECT_EQ(p.fit_last_iteration, 60);
  const ChartSpec c = memory_chart(run_views(report.scenarios[0], 0), "m", true);
  ASSERT_EQ(c.segments.size(), 1u);
  const ChartSegment& g = c.segments[0];
  EXPECT_EQ(g.from.x, 60);
  EXPECT_NEAR(g.from.y, (52 + 9.5 * 60) * kFixedMiB + p.headroom_bytes, 1e-3);
  EXPECT_NEAR(g.to.x, p.iteration, 1e-9);
  EXPECT_NEAR(g.to.y, kCeiling, 1e-3);
}

TEST(ChartSpecs, ZoomedMemoryChartLeavesOutTheCeilingAndProjections) {
  const Report report = fixed_report();
  const auto views = run_views(report.scenarios[0], 0);
  const ChartSpec c = memory_chart(views, "s1-zoom", false);
  EXPECT_EQ(c.series.size(), 4u);
  EXPECT_TRUE(c.references.empty());
  EXPECT_TRUE(c.segments.empty());
  EXPECT_FALSE(c.y.include_zero);
  EXPECT_TRUE(markers_with_legend(c, "projection to the ceiling").empty());
  EXPECT_TRUE(markers_with_legend(c, "ceiling reached").empty());
  EXPECT_EQ(markers_with_legend(c, "crash").size(), 1u);
}

TEST(ChartSpecs, ZoomedChartOnlyForCurvesFarBelowTheCeiling) {
  Report report = fixed_report();
  auto& runs = report.scenarios[0].runs;
  const auto all = run_views(report.scenarios[0], 0);
  EXPECT_FALSE(wants_zoomed_memory_chart(all, memory_chart(all, "m", true)));
  runs = {runs[0]};  // ~40 MiB against 1.27 GiB
  const auto stable = run_views(report.scenarios[0], 0);
  EXPECT_TRUE(wants_zoomed_memory_chart(stable, memory_chart(stable, "m", true)));
  // No ceiling, nothing to zoom away from.
  runs[0].summary.ceiling.reset();
  runs[0].summary.info.ceiling_bytes.reset();
  const auto free = run_views(report.scenarios[0], 0);
  EXPECT_FALSE(wants_zoomed_memory_chart(free, memory_chart(free, "m", true)));
}

TEST(ChartSpecs, AProjectionFarBeyondTheRunStopsTheAxisAtTheData) {
  Report report = fixed_report();
  auto& runs = report.scenarios[0].runs;
  runs = {runs[1]};
  runs[0].summary.projection->iteration = 5000;
  const ChartSpec c = memory_chart(run_views(report.scenarios[0], 0), "m", true);
  ASSERT_TRUE(c.x.max);
  EXPECT_EQ(*c.x.max, 60);
  ASSERT_EQ(c.segments.size(), 1u);
  EXPECT_FALSE(c.segments[0].extends_domain);
  EXPECT_EQ(markers_with_legend(c, "projection to the ceiling")[0]->label, "\xE2\x89\x88 it. 5000");
}

TEST(ChartSpecs, RoleChartPutsThePageFirstAndAddsTheTotal) {
  const Report report = fixed_report();
  const auto views = run_views(report.scenarios[0], 0);
  const ChartSpec c = role_chart(views[0], "s1-r1-roles");
  EXPECT_EQ(c.x.unit, AxisUnit::kSeconds);
  EXPECT_EQ(series_names(c),
            (std::vector<std::string>{"renderer", "browser", "gpu", "utility", "all processes"}));
  EXPECT_EQ(c.series[0].color, "#1f77b4");
  const auto& first = views[0].run->memory_by_role[0].private_bytes;
  double sum = 0;
  for (const auto& [role, bytes] : first) sum += bytes;
  EXPECT_DOUBLE_EQ(c.series.back().points[0].y, sum);
  // Events as vertical lines at their time: the two reloads (browser_started has no style).
  ASSERT_EQ(c.markers.size(), 2u);
  EXPECT_EQ(c.markers[0].shape, MarkerShape::kVerticalLine);
  EXPECT_DOUBLE_EQ(c.markers[0].x, 13.1);

  // IE's roles; the failed step is not a line here (it is on the memory chart).
  const ChartSpec ie = role_chart(views[2], "s1-r3-roles");
  EXPECT_EQ(series_names(ie), (std::vector<std::string>{"tab", "frame", "all processes"}));
  EXPECT_TRUE(ie.markers.empty());
}

TEST(ChartSpecs, ResponsivenessMarksAHeartbeatWithoutAnswer) {
  const Report report = fixed_report();
  const auto views = run_views(report.scenarios[0], 0);
  const ChartSpec c = responsiveness_chart(views[3], "s1-r4-resp");
  ASSERT_EQ(c.series.size(), 2u);
  EXPECT_EQ(c.series[0].points.size(), 95u);
  EXPECT_EQ(c.series[1].points.size(), 95u);  // iteration 96 had no answer
  ASSERT_EQ(c.markers.size(), 1u);
  EXPECT_EQ(c.markers[0].x, 96);
  EXPECT_EQ(c.markers[0].shape, MarkerShape::kVerticalLine);
  EXPECT_EQ(c.markers[0].legend, "no heartbeat answer");
}

TEST(ChartSpecs, HistoryHasOneTickPerNightAndMarksRegressions) {
  Report report = fixed_report();
  HistorySeries& h = report.history[0];
  h.points[1].slope_bytes_per_iteration.reset();
  const ChartSpec slope = history_chart(h, 0, HistoryValue::kSlope);
  EXPECT_EQ(slope.id, "h1-slope");
  ASSERT_EQ(slope.x.ticks.size(), 6u);
  EXPECT_EQ(slope.x.ticks[0], (std::pair<double, std::string>{1, "11-17"}));
  EXPECT_EQ(slope.x.ticks[5], (std::pair<double, std::string>{6, "11-22"}));
  EXPECT_EQ(slope.x.min, 0.5);
  EXPECT_EQ(slope.x.max, 6.5);
  ASSERT_EQ(slope.series.size(), 1u);
  EXPECT_EQ(slope.series[0].points.size(), 5u);  // night 2 has no slope
  ASSERT_EQ(slope.markers.size(), 1u);
  EXPECT_EQ(slope.markers[0].x, 5);
  EXPECT_EQ(slope.markers[0].y, 9.5 * kFixedMiB);
  EXPECT_EQ(slope.markers[0].shape, MarkerShape::kTriangle);

  const ChartSpec peak = history_chart(h, 1, HistoryValue::kPeak);
  EXPECT_EQ(peak.id, "h2-peak");
  EXPECT_EQ(peak.series[0].points.size(), 6u);
  ASSERT_EQ(peak.markers.size(), 1u);
  EXPECT_EQ(peak.markers[0].y, 861.2 * kFixedMiB);
}

}  // namespace
}  // namespace harness
