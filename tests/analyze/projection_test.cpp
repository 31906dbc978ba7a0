// The ceiling projection: the plain line, and the after-GC trend plus the peaks' headroom.
#include "harness/analyze/projection.hpp"

#include <gtest/gtest.h>

namespace harness {
namespace {

constexpr double kMiB = 1048576.0;

CheckpointRecord point(int iteration, double after_gc_mib, double peak_mib) {
  CheckpointRecord c;
  c.iteration = iteration;
  c.t_ms = 1000 * static_cast<std::int64_t>(iteration);
  c.metrics["renderer.private_bytes"] = after_gc_mib * kMiB;
  c.metrics["renderer.private_peak_bytes"] = peak_mib * kMiB;
  return c;
}

TEST(Projection, StraightLineCrossesWhereItShould) {
  std::vector<CheckpointRecord> points;
  for (int i = 0; i <= 10; ++i) points.push_back(point(i, 100 + 10 * i, 0));
  const auto p = project_ceiling(points, "renderer.private_bytes", 600 * kMiB);
  ASSERT_TRUE(p);
  EXPECT_NEAR(p->iteration, 50.0, 1e-6);
  EXPECT_NEAR(p->seconds, 50.0, 1e-6);
  EXPECT_NEAR(p->seconds_per_iteration, 1.0, 1e-9);
  EXPECT_TRUE(p->trend_metric.empty());
  // The line it extrapolated.
  EXPECT_NEAR(p->fit_intercept, 100 * kMiB, 1e-3);
  EXPECT_NEAR(p->fit_slope_per_iteration, 10 * kMiB, 1e-3);
  EXPECT_EQ(p->fit_first_iteration, 0);
  EXPECT_EQ(p->fit_last_iteration, 10);
}

TEST(Projection, NoneWithoutGrowthOrPoints) {
  std::vector<CheckpointRecord> flat;
  for (int i = 0; i <= 10; ++i) flat.push_back(point(i, 100, 0));
  EXPECT_FALSE(project_ceiling(flat, "renderer.private_bytes", 600 * kMiB));
  EXPECT_FALSE(project_ceiling({point(0, 1, 0), point(1, 2, 0)}, "renderer.private_bytes",
                               600 * kMiB));
}

// The case that made the peaks alone miss: the first peaks carry the page load (high), so their
// line is flatter than the retained memory's and projects the crossing too late. The trend plus
// the median headroom lands where the peaks actually cross.
TEST(Projection, HeadroomOverTheTrendIgnoresALoadedFirstPeak) {
  std::vector<CheckpointRecord> points;
  for (int i = 0; i <= 10; ++i) {
    const double after_gc = 50 + 11 * i;
    const double peak = after_gc + (i % 2 == 0 ? 78 : 84) + (i < 2 ? 60 : 0);
    points.push_back(point(i, after_gc, peak));
  }
  // True crossing of the peaks: 50 + 11·i + 81 = 600 → i ≈ 42.6.
  const auto with_headroom = project_ceiling_with_headroom(
      points, "renderer.private_bytes", "renderer.private_peak_bytes", 600 * kMiB);
  ASSERT_TRUE(with_headroom);
  EXPECT_EQ(with_headroom->metric, "renderer.private_peak_bytes");
  EXPECT_EQ(with_headroom->trend_metric, "renderer.private_bytes");
  EXPECT_NEAR(with_headroom->headroom_bytes, 84 * kMiB, 1e-3);  // 2 loaded, 5 × 78, 4 × 84: the median is 84
  EXPECT_NEAR(with_headroom->iteration, (600.0 - 50 - 84) / 11, 1e-6);
  // The after-GC line is exact, so the interval is the headroom's quartiles (84 and 78) alone.
  ASSERT_TRUE(with_headroom->iteration_earliest && with_headroom->iteration_latest);
  EXPECT_NEAR(*with_headroom->iteration_earliest, (600.0 - 50 - 84) / 11, 1e-6);
  EXPECT_NEAR(*with_headroom->iteration_latest, (600.0 - 50 - 78) / 11, 1e-6);
  // It carries the after-GC line it extrapolated; that line plus the headroom is the ceiling
  // at the projected iteration.
  EXPECT_NEAR(with_headroom->fit_intercept, 50 * kMiB, 1e-3);
  EXPECT_NEAR(with_headroom->fit_slope_per_iteration, 11 * kMiB, 1e-3);
  EXPECT_EQ(with_headroom->fit_first_iteration, 0);
  EXPECT_EQ(with_headroom->fit_last_iteration, 10);
  EXPECT_NEAR(with_headroom->fit_intercept +
                  with_headroom->fit_slope_per_iteration * with_headroom->iteration +
                  with_headroom->headroom_bytes,
              600 * kMiB, 1e-3);
  const auto peaks_only =
      project_ceiling(points, "renderer.private_peak_bytes", 600 * kMiB);
  ASSERT_TRUE(peaks_only);
  EXPECT_GT(peaks_only->iteration, with_headroom->iteration + 1.5);
}

TEST(Projection, HeadroomNeverNegativeAndFallsBackToThePeaks) {
  std::vector<CheckpointRecord> points;
  for (int i = 0; i <= 5; ++i) points.push_back(point(i, 100 + 10 * i, 90 + 10 * i));
  const auto p = project_ceiling_with_headroom(points, "renderer.private_bytes",
                                               "renderer.private_peak_bytes", 600 * kMiB);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->headroom_bytes, 0.0);
  EXPECT_NEAR(p->iteration, 50.0, 1e-6);

  std::vector<CheckpointRecord> peaks_only;
  for (int i = 0; i <= 5; ++i) {
    CheckpointRecord c;
    c.iteration = i;
    c.t_ms = 1000 * i;
    c.metrics["renderer.private_peak_bytes"] = (200 + 20 * i) * kMiB;
    peaks_only.push_back(c);
  }
  const auto fallback = project_ceiling_with_headroom(
      peaks_only, "renderer.private_bytes", "renderer.private_peak_bytes", 600 * kMiB);
  ASSERT_TRUE(fallback);
  EXPECT_TRUE(fallback->trend_metric.empty());
  EXPECT_NEAR(fallback->iteration, 20.0, 1e-6);
}

// Iterations that get slower as the heap grows: the time projection follows the curve.
TEST(Projection, SecondsFollowUpwardCurvingTime) {
  std::vector<CheckpointRecord> points;
  for (int i = 0; i <= 20; i += 2) {
    CheckpointRecord c = point(i, 100 + 10 * i, 0);
    c.t_ms = static_cast<std::int64_t>(1000 * (2 + 0.8 * i + 0.02 * i * i));
    points.push_back(c);
  }
  const auto p = project_ceiling(points, "renderer.private_bytes", 600 * kMiB);
  ASSERT_TRUE(p);
  EXPECT_NEAR(p->iteration, 50.0, 1e-6);
  EXPECT_NEAR(p->seconds, 2 + 0.8 * 50 + 0.02 * 50 * 50, 0.05);
  // Time that curves downward (a slow start) keeps the constant pace.
  for (auto& c : points) {
    c.t_ms = static_cast<std::int64_t>(1000 * (2 + 1.2 * c.iteration - 0.02 * c.iteration * c.iteration));
  }
  const auto q = project_ceiling(points, "renderer.private_bytes", 600 * kMiB);
  ASSERT_TRUE(q);
  const double pace = (points.back().t_ms - points.front().t_ms) / 1000.0 / 20.0;
  EXPECT_NEAR(q->seconds, points.back().t_ms / 1000.0 + 30 * pace, 1e-6);
}

// The first 25 % of a real run (vtm-ceiling, enforce: kill, 1300 MiB): checkpoints 0–24 as the
// store recorded them. The renderer was ended at iteration 104, 278.1 s into the run.
TEST(Projection, TheFirstQuarterOfARealRunPredictsItsEnd) {
  const std::int64_t rows[][4] = {{0, 2307, 58982400, 154189824},    {4, 5665, 106684416, 190320640},
                                  {8, 9609, 154095616, 245268480},   {12, 14057, 201240576, 287916032},
                                  {16, 19203, 247267328, 341483520}, {20, 24951, 294055936, 385679360},
                                  {24, 31608, 340992000, 430817280}};
  std::vector<CheckpointRecord> points;
  for (const auto& r : rows) {
    CheckpointRecord c;
    c.iteration = static_cast<int>(r[0]);
    c.t_ms = r[1];
    c.metrics["renderer.private_bytes"] = static_cast<double>(r[2]);
    c.metrics["renderer.private_peak_bytes"] = static_cast<double>(r[3]);
    points.push_back(c);
  }
  const auto p = project_ceiling_with_headroom(points, "renderer.private_bytes",
                                               "renderer.private_peak_bytes", 1300 * kMiB);
  ASSERT_TRUE(p);
  EXPECT_NEAR(p->iteration, 104, 0.10 * 104);
  EXPECT_NEAR(p->seconds, 278.1, 0.15 * 278.1);
  EXPECT_EQ(p->fit_first_iteration, 0);
  EXPECT_EQ(p->fit_last_iteration, 24);
  EXPECT_NEAR(p->fit_intercept + p->fit_slope_per_iteration * p->iteration + p->headroom_bytes,
              1300 * kMiB, 1.0);
}

}  // namespace
}  // namespace harness
